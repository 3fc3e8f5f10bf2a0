//! The data of the built-in knowledge base: the project's own edge kinds, probabilities and rationale,
//! with ATT&CK v18.1 technique and mitigation ids and names (checked against the STIX bundle in tests).

use super::{EdgeKind, Mitigation, Technique};

/// Node kinds a model may use.
pub const NODE_KINDS: &[&str] = &[
    "host", "service", "datastore", "identity", "group", "secret", "saas", "pipeline", "workload",
    "cluster", "network", "device", "role", "key", "repository", "bucket", "application", "vendor",
];

pub const EDGE_KINDS: &[EdgeKind] = &[
    EdgeKind {
        name: "exploits",
        area: "network",
        description: "Exploit a vulnerability in an exposed application or service",
        technique: "T1190",
        also: &[],
        base: [0.05, 0.15, 0.35],
        rationale: "Most exposed services are patched; skilled actors hold n-days and chain bugs",
        mitigations: &["M1048", "M1050", "M1030", "M1026", "M1051", "M1016"],
    },
];

pub const TECHNIQUES: &[Technique] = &[
    Technique { id: "T1190", name: "Exploit Public-Facing Application", tactics: &["initial-access"] },
];

pub const MITIGATIONS: &[Mitigation] = &[
    Mitigation { id: "M1048", name: "Application Isolation and Sandboxing" },
    Mitigation { id: "M1050", name: "Exploit Protection" },
    Mitigation { id: "M1030", name: "Network Segmentation" },
    Mitigation { id: "M1026", name: "Privileged Account Management" },
    Mitigation { id: "M1051", name: "Update Software" },
    Mitigation { id: "M1016", name: "Vulnerability Scanning" },
];
