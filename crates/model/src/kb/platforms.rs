//! ATT&CK platforms: the names a model's `settings.platforms` may use, and the mitigations that only
//! exist on some platforms (ATT&CK gives mitigations no platforms, so this is the knowledge base's).

/// The platforms of ATT&CK Enterprise v18.1 techniques (`x_mitre_platforms`), in ATT&CK's order.
pub const PLATFORMS: &[&str] = &[
    "Windows",
    "macOS",
    "Linux",
    "Office Suite",
    "Identity Provider",
    "SaaS",
    "IaaS",
    "Network Devices",
    "Containers",
    "ESXi",
    "PRE",
];

/// A mitigation that only applies where one of its platforms exists.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct MitigationPlatforms {
    pub mitigation: &'static str,
    pub platforms: &'static [&'static str],
    /// Why it is tied to these platforms.
    pub rationale: &'static str,
}

/// Mitigations that are features of particular platforms. A mitigation not listed here (MFA,
/// account management, audit, segmentation, …) applies on every platform.
pub const MITIGATION_PLATFORMS: &[MitigationPlatforms] = &[
    MitigationPlatforms {
        mitigation: "M1015",
        platforms: &["Windows"],
        rationale: "Active Directory's own settings (Kerberos policy, SID filtering, AdminSDHolder, tiering); only an estate with an AD domain has them to set",
    },
    MitigationPlatforms {
        mitigation: "M1024",
        platforms: &["Windows"],
        rationale: "Registry ACLs exist only on Windows",
    },
    MitigationPlatforms {
        mitigation: "M1025",
        platforms: &["Windows"],
        rationale: "LSA protection and protected process light are Windows features",
    },
    MitigationPlatforms {
        mitigation: "M1028",
        platforms: &["Windows", "macOS", "Linux", "Network Devices", "ESXi"],
        rationale: "Hardening an operating system needs one the estate runs; managed cloud and SaaS services have none to configure",
    },
    MitigationPlatforms {
        mitigation: "M1034",
        platforms: &["Windows", "macOS", "Linux"],
        rationale: "Device control on endpoints and servers",
    },
    MitigationPlatforms {
        mitigation: "M1038",
        platforms: &["Windows", "macOS", "Linux", "Containers"],
        rationale: "Application control runs on hosts and in container admission; a cloud API or SaaS tenant has no executables to allow-list",
    },
    MitigationPlatforms {
        mitigation: "M1039",
        platforms: &["macOS", "Linux"],
        rationale: "Environment-variable hijacking defences (LD_PRELOAD, DYLD_*) are Unix loader features",
    },
    MitigationPlatforms {
        mitigation: "M1040",
        platforms: &["Windows", "macOS", "Linux"],
        rationale: "Behaviour blocking is an endpoint agent's job (EDR, attack surface reduction rules)",
    },
    MitigationPlatforms {
        mitigation: "M1043",
        platforms: &["Windows", "macOS", "Linux"],
        rationale: "Credential Guard, Restricted Admin and protected credential stores live on hosts",
    },
    MitigationPlatforms {
        mitigation: "M1044",
        platforms: &["Windows", "macOS", "Linux"],
        rationale: "Safe DLL and library search order is an operating-system loader setting",
    },
    MitigationPlatforms {
        mitigation: "M1046",
        platforms: &["Windows", "macOS", "Linux", "Network Devices", "ESXi"],
        rationale: "Secure and measured boot need firmware the estate controls",
    },
    MitigationPlatforms {
        mitigation: "M1049",
        platforms: &["Windows", "macOS", "Linux", "Office Suite"],
        rationale: "Antimalware scans files on hosts and attachments in mail suites",
    },
    MitigationPlatforms {
        mitigation: "M1052",
        platforms: &["Windows"],
        rationale: "User Account Control is a Windows feature",
    },
];

/// The platforms a mitigation is tied to, or `None` when it applies on every platform.
pub fn mitigation_platforms(id: &str) -> Option<&'static [&'static str]> {
    MITIGATION_PLATFORMS.iter().find(|m| m.mitigation == id).map(|m| m.platforms)
}
