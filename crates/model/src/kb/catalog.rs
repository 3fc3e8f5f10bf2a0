//! The built-in control catalog: the project's own list of common security controls, each with the
//! ATT&CK mitigations it implements and default prevent/detect efficacy intervals per technique.
//!
//! A model control says `uses: catalog/<name>` and inherits name, `implements`, `mitigates` and
//! `detects`; its own entries replace the catalog's per technique. Efficacies are 90% intervals of
//! the fraction of attempts the control stops (prevent) or raises an alert on (detect), for a
//! control deployed as the rationale describes; they are deliberately wide. Technique and mitigation
//! ids are ATT&CK v18.1, from the built-in `TECHNIQUES` and `MITIGATIONS` (checked by tests), and
//! every mitigation is linked in ATT&CK to at least one of the control's techniques.

/// Efficacy against one technique (and its sub-techniques): a 90% interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct CatalogEfficacy {
    pub technique: &'static str,
    pub low: f64,
    pub high: f64,
}

/// One control of the catalog.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct CatalogControl {
    /// The name models use: `uses: catalog/<name>`.
    pub name: &'static str,
    /// A human title, the default `name` of a control using it.
    pub title: &'static str,
    /// ATT&CK mitigations (M-ids) the control implements.
    pub implements: &'static [&'static str],
    /// Default prevent efficacy per technique.
    pub mitigates: &'static [CatalogEfficacy],
    /// Default detect efficacy per technique.
    pub detects: &'static [CatalogEfficacy],
    /// Why these numbers, in one line.
    pub rationale: &'static str,
}

const fn e(technique: &'static str, low: f64, high: f64) -> CatalogEfficacy {
    CatalogEfficacy { technique, low, high }
}

/// The catalog, sorted by name.
pub const CATALOG: &[CatalogControl] = &[
    CatalogControl {
        name: "credential-guard",
        title: "Credential theft protection (Credential Guard, LSA protection, LAPS)",
        implements: &["M1043", "M1025", "M1027"],
        mitigates: &[e("T1003", 0.3, 0.7), e("T1003.001", 0.5, 0.9), e("T1550.002", 0.2, 0.6)],
        detects: &[e("T1003.001", 0.3, 0.7)],
        rationale: "Isolating LSASS secrets and making local admin passwords unique breaks the dump-and-reuse loop; kernel-level attackers and other stores remain",
    },
    CatalogControl {
        name: "device-posture",
        title: "Device posture checks (managed, compliant devices only)",
        implements: &["M1036", "M1035"],
        mitigates: &[e("T1078.004", 0.4, 0.8), e("T1133", 0.5, 0.9), e("T1550.004", 0.3, 0.7)],
        detects: &[e("T1078.004", 0.2, 0.5)],
        rationale: "Stolen passwords, tokens and cookies replayed from an attacker's machine fail the device check; attackers on a managed device pass it",
    },
    CatalogControl {
        name: "dlp",
        title: "Data loss prevention",
        implements: &["M1057"],
        mitigates: &[e("T1567", 0.2, 0.5), e("T1048", 0.2, 0.5), e("T1041", 0.05, 0.3)],
        detects: &[e("T1567", 0.3, 0.6), e("T1048", 0.3, 0.6), e("T1537", 0.2, 0.5)],
        rationale: "Content rules catch bulk transfers of labelled data over sanctioned channels; encryption, chunking and C2 channels evade most of them",
    },
    CatalogControl {
        name: "edr",
        title: "Endpoint detection and response (prevention mode, monitored)",
        implements: &["M1040", "M1049"],
        mitigates: &[
            e("T1003", 0.3, 0.7),
            e("T1059", 0.2, 0.5),
            e("T1204", 0.2, 0.6),
            e("T1486", 0.3, 0.7),
            e("T1055", 0.2, 0.5),
        ],
        detects: &[
            e("T1003", 0.5, 0.9),
            e("T1059", 0.4, 0.8),
            e("T1021.002", 0.3, 0.7),
            e("T1068", 0.2, 0.5),
            e("T1486", 0.5, 0.9),
        ],
        rationale: "Behaviour rules block commodity credential dumping, droppers and mass encryption and alert on most hands-on-keyboard activity; skilled actors test against it",
    },
    CatalogControl {
        name: "egress-filtering",
        title: "Egress filtering (default-deny outbound, proxy allow-lists)",
        implements: &["M1037", "M1031", "M1021"],
        mitigates: &[e("T1048", 0.4, 0.8), e("T1041", 0.2, 0.5), e("T1567", 0.1, 0.4)],
        detects: &[e("T1048", 0.3, 0.6)],
        rationale: "Default-deny outbound stops odd protocols and unknown destinations; exfiltration over allowed web services and the C2 channel still gets out",
    },
    CatalogControl {
        name: "email-filtering",
        title: "Email filtering (attachment sandboxing, URL rewriting, SPF/DKIM/DMARC)",
        implements: &["M1049", "M1031", "M1054", "M1021"],
        mitigates: &[e("T1566", 0.3, 0.7)],
        detects: &[e("T1566", 0.2, 0.5)],
        rationale: "Gateways stop bulk and known-bad lures and spoofed senders; tailored lures from fresh domains and links to trusted clouds get through",
    },
    CatalogControl {
        name: "iam-review",
        title: "Least-privilege IAM review (regular access reviews, unused permissions removed)",
        implements: &["M1018", "M1026"],
        mitigates: &[e("T1078.004", 0.2, 0.5), e("T1098.003", 0.3, 0.6), e("T1530", 0.2, 0.5), e("T1578", 0.2, 0.5)],
        detects: &[],
        rationale: "Fewer standing permissions mean a stolen role reaches less; reviews lag changes, so some excess access is always there",
    },
    CatalogControl {
        name: "immutable-backups",
        title: "Immutable, isolated backups with tested restores",
        implements: &["M1053"],
        mitigates: &[e("T1490", 0.8, 0.98), e("T1485", 0.5, 0.9), e("T1486", 0.5, 0.9)],
        detects: &[],
        rationale: "Write-once copies outside the production blast radius turn deletion and encryption into a restore; restores that were never tested fail",
    },
    CatalogControl {
        name: "jit-admin",
        title: "Privileged access management with just-in-time admin",
        implements: &["M1026", "M1018"],
        mitigates: &[e("T1078", 0.3, 0.6), e("T1098", 0.4, 0.8), e("T1021.002", 0.3, 0.6), e("T1003", 0.2, 0.5)],
        detects: &[e("T1098", 0.3, 0.6)],
        rationale: "No standing admin rights means a stolen account or dumped hash is rarely privileged; elevation requests are approved and logged",
    },
    CatalogControl {
        name: "network-segmentation",
        title: "Network segmentation (tiered zones, host firewalls, no flat networks)",
        implements: &["M1030", "M1035"],
        mitigates: &[e("T1210", 0.4, 0.8), e("T1021", 0.3, 0.7), e("T1557.001", 0.3, 0.7), e("T1046", 0.3, 0.6)],
        detects: &[],
        rationale: "Zones and host firewalls take away the reach lateral movement needs; management paths and allowed flows between zones remain",
    },
    CatalogControl {
        name: "patch-sla",
        title: "Patch SLA (critical internet-facing fixes in days, the rest in weeks)",
        implements: &["M1051", "M1016"],
        mitigates: &[e("T1190", 0.4, 0.8), e("T1210", 0.3, 0.7), e("T1068", 0.3, 0.7), e("T1189", 0.4, 0.8)],
        detects: &[],
        rationale: "Most exploitation uses known bugs weeks after the fix; zero-days and systems outside the inventory are not covered",
    },
    CatalogControl {
        name: "phishing-resistant-mfa",
        title: "Phishing-resistant MFA (FIDO2 / WebAuthn, no fallback factors)",
        implements: &["M1032"],
        mitigates: &[e("T1078", 0.6, 0.9), e("T1110", 0.8, 0.97), e("T1621", 0.9, 0.99), e("T1133", 0.6, 0.9)],
        detects: &[],
        rationale: "Origin-bound keys defeat password reuse, spraying, push fatigue and AiTM proxies; stolen session tokens and fallback factors bypass it",
    },
    CatalogControl {
        name: "secrets-scanning",
        title: "Secrets scanning (repositories, CI logs, push protection)",
        implements: &["M1047"],
        mitigates: &[e("T1552.001", 0.4, 0.8), e("T1552", 0.1, 0.4)],
        detects: &[e("T1552.001", 0.3, 0.6)],
        rationale: "Push protection and scanning keep most keys out of code and find the rest for rotation; secrets in wikis, chat and images are missed",
    },
    CatalogControl {
        name: "security-awareness",
        title: "Security awareness training and easy phishing reporting",
        implements: &["M1017"],
        mitigates: &[e("T1566", 0.1, 0.3), e("T1204", 0.1, 0.3)],
        detects: &[e("T1566", 0.2, 0.4)],
        rationale: "Trained staff click less and report more, which gives the SOC early warning; a good lure still catches someone",
    },
    CatalogControl {
        name: "siem-detections",
        title: "Central logging with tuned SIEM detections and triage",
        implements: &["M1047"],
        mitigates: &[],
        detects: &[
            e("T1078", 0.2, 0.5),
            e("T1098", 0.3, 0.6),
            e("T1110", 0.4, 0.8),
            e("T1562", 0.4, 0.8),
            e("T1021", 0.2, 0.5),
            e("T1530", 0.2, 0.5),
        ],
        rationale: "Identity, cloud and endpoint logs with maintained rules catch the noisy steps; quiet use of valid accounts blends in",
    },
    CatalogControl {
        name: "signed-builds",
        title: "Signed builds and branch protection (reviewed merges, provenance, admission checks)",
        implements: &["M1045", "M1054", "M1018"],
        mitigates: &[e("T1195.002", 0.3, 0.7), e("T1677", 0.4, 0.8), e("T1525", 0.5, 0.9), e("T1072", 0.2, 0.5)],
        detects: &[e("T1525", 0.3, 0.6)],
        rationale: "Required reviews and signed provenance stop one stolen developer account from shipping code; a compromised build system signs anything",
    },
    CatalogControl {
        name: "waf",
        title: "Web application firewall (managed rules, virtual patching)",
        implements: &["M1050"],
        mitigates: &[e("T1190", 0.2, 0.6)],
        detects: &[e("T1190", 0.2, 0.5)],
        rationale: "Managed rules block mass exploitation of known web bugs and buy time to patch; logic flaws and tailored payloads pass",
    },
];

/// A catalog control by name (without the `catalog/` prefix).
pub fn catalog_control(name: &str) -> Option<&'static CatalogControl> {
    CATALOG.iter().find(|c| c.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::{mitigation, technique};

    #[test]
    fn catalog_refers_to_known_techniques_and_mitigations() {
        assert!(CATALOG.len() >= 15);
        assert!(CATALOG.windows(2).all(|w| w[0].name < w[1].name), "sorted by name, unique");
        for c in CATALOG {
            assert!(!c.implements.is_empty() && !c.rationale.is_empty(), "{}", c.name);
            assert!(!(c.mitigates.is_empty() && c.detects.is_empty()), "{}", c.name);
            for m in c.implements {
                assert!(mitigation(m).is_some(), "{}: {m}", c.name);
            }
            for x in c.mitigates.iter().chain(c.detects) {
                assert!(technique(x.technique).is_some(), "{}: {}", c.name, x.technique);
                assert!(0.0 <= x.low && x.low <= x.high && x.high <= 1.0, "{}: {}", c.name, x.technique);
            }
        }
    }
}
