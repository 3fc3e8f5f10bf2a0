//! The directory and cloud vocabulary: node kinds of Active Directory, Entra ID and cloud IAM, what
//! every node kind means (platforms, rotation), and the ATT&CK techniques of identity attacks.

use super::{NodeKind, Technique};

/// Node kinds of directories (Active Directory, Entra ID) and cloud IAM, besides the built-in ones.
pub const NODE_KINDS: &[&str] = &[
    "user",
    "computer",
    "domain",
    "ou",
    "gpo",
    "container",
    "cert_template",
    "certificate_authority",
    "tenant",
    "subscription",
    "service_principal",
    "managed_identity",
    "iam_user",
    "iam_policy",
];

const HOST_OS: &[&str] = &["Windows", "macOS", "Linux"];
const AD: &[&str] = &["Windows"];
const CLOUD: &[&str] = &["IaaS"];

/// What every node kind of `builtin.rs` and of this file is. `platforms` are the ATT&CK platforms a
/// model holding such a node has (a model's platforms are their union, see `Model::platforms`):
/// kinds that can live anywhere (an `identity`, a `secret`) say nothing.
pub const NODE_KIND_INFO: &[NodeKind] = &[
    // The hand-written estate's kinds.
    NodeKind {
        name: "host",
        description: "A server, virtual machine or workstation",
        platforms: HOST_OS,
        rotation: None,
    },
    NodeKind {
        name: "service",
        description: "A running service or application an attacker can act through",
        platforms: &[],
        rotation: None,
    },
    NodeKind { name: "datastore", description: "A database or other data store", platforms: &[], rotation: None },
    NodeKind {
        name: "identity",
        description: "An account or population of accounts in some directory or identity provider",
        platforms: &[],
        rotation: Some("Reset {id}'s password, revoke its sessions and tokens, re-enrol its MFA"),
    },
    NodeKind {
        name: "group",
        description: "A group or role that grants its members its rights",
        platforms: &[],
        rotation: Some("Review {id}'s membership; remove members and grants added since the compromise"),
    },
    NodeKind {
        name: "secret",
        description: "A password, token or other secret value",
        platforms: &[],
        rotation: Some("Rotate {id} and revoke the old value; check its use since the compromise"),
    },
    NodeKind { name: "saas", description: "A SaaS application or tenant", platforms: &["SaaS"], rotation: None },
    NodeKind { name: "pipeline", description: "A CI/CD pipeline or build system", platforms: &[], rotation: None },
    NodeKind {
        name: "workload",
        description: "A container, pod or serverless function (for an AD container use `container`)",
        platforms: &["Containers"],
        rotation: None,
    },
    NodeKind {
        name: "cluster",
        description: "A container orchestration cluster (Kubernetes)",
        platforms: &["Containers"],
        rotation: None,
    },
    NodeKind {
        name: "network",
        description: "A network segment or network device",
        platforms: &["Network Devices"],
        rotation: None,
    },
    NodeKind {
        name: "device",
        description: "An end-user device: laptop, phone, tablet",
        platforms: HOST_OS,
        rotation: None,
    },
    NodeKind {
        name: "role",
        description: "A cloud role that identities assume (AWS IAM role, GCP service account impersonation)",
        platforms: CLOUD,
        rotation: Some("Revoke {id}'s active sessions and review who may assume it"),
    },
    NodeKind {
        name: "key",
        description: "A cryptographic key: SSH key, signing key, KMS key, access key",
        platforms: &[],
        rotation: Some("Rotate {id} (new key material) and revoke or disable the old key"),
    },
    NodeKind { name: "repository", description: "A source code repository", platforms: &[], rotation: None },
    NodeKind {
        name: "bucket",
        description: "A cloud storage bucket or container of objects",
        platforms: CLOUD,
        rotation: None,
    },
    NodeKind {
        name: "application",
        description: "An application or app registration (a web app, an OAuth client)",
        platforms: &[],
        rotation: None,
    },
    NodeKind {
        name: "vendor",
        description: "A supplier or managed service provider with access to the estate",
        platforms: &[],
        rotation: None,
    },
    // Directories.
    NodeKind {
        name: "user",
        description: "A user account in a directory (an AD or Entra ID user, a service account)",
        platforms: &[],
        rotation: Some(
            "Reset {id}'s password (twice if its hash may be taken), revoke its sessions and refresh tokens and re-register its MFA; disable it while the response lasts if it is not needed",
        ),
    },
    NodeKind {
        name: "computer",
        description: "A domain-joined computer (its computer account and the machine)",
        platforms: AD,
        rotation: None,
    },
    NodeKind {
        name: "domain",
        description: "An Active Directory domain: whoever holds it controls every object in it",
        platforms: AD,
        rotation: Some(
            "Treat {id} as taken: reset the KRBTGT password twice (letting replication finish between), reset tier 0 and service account passwords, and check AdminSDHolder, GPOs and trusts for changes",
        ),
    },
    NodeKind {
        name: "ou",
        description: "An Active Directory organizational unit: GPOs linked to it apply to the objects under it",
        platforms: AD,
        rotation: None,
    },
    NodeKind {
        name: "gpo",
        description: "An Active Directory group policy object",
        platforms: AD,
        rotation: Some(
            "Compare {id} with its last known-good backup and revert changes made since the compromise (scheduled tasks, scripts, restricted groups)",
        ),
    },
    NodeKind {
        name: "container",
        description: "An Active Directory container (CN=Users, CN=Computers; for a software container use `workload`)",
        platforms: AD,
        rotation: None,
    },
    NodeKind {
        name: "cert_template",
        description: "An AD CS certificate template",
        platforms: AD,
        rotation: Some(
            "Remove broad enrolment rights on {id} or clear its enrollee-supplies-subject flag, and revoke certificates issued from it since the compromise",
        ),
    },
    NodeKind {
        name: "certificate_authority",
        description: "An AD CS enterprise certificate authority",
        platforms: AD,
        rotation: Some(
            "Revoke certificates {id} issued since the compromise; if its private key may be taken, rebuild the CA and remove the old one from NTAuth",
        ),
    },
    // Cloud.
    NodeKind {
        name: "tenant",
        description: "An identity-provider tenant (Entra ID, Okta, Google Workspace)",
        platforms: &["Identity Provider"],
        rotation: None,
    },
    NodeKind {
        name: "subscription",
        description: "A cloud subscription, project or account that holds resources",
        platforms: CLOUD,
        rotation: None,
    },
    NodeKind {
        name: "service_principal",
        description: "An application's identity in a cloud directory (Entra ID service principal)",
        platforms: &["Identity Provider", "IaaS"],
        rotation: Some(
            "Remove the secrets and certificates added to {id} since the compromise, rotate the rest and revoke its tokens",
        ),
    },
    NodeKind {
        name: "managed_identity",
        description: "A cloud-managed workload identity (Azure managed identity, GCP service account)",
        platforms: CLOUD,
        rotation: Some(
            "Review {id}'s role assignments and restart the workloads that run as it from known-good images",
        ),
    },
    NodeKind {
        name: "iam_user",
        description: "A cloud IAM user with long-lived access keys or a console password (AWS IAM user)",
        platforms: CLOUD,
        rotation: Some(
            "Deactivate {id}'s access keys (create new ones only where still needed), reset its console password and MFA device, and revoke its active sessions",
        ),
    },
    NodeKind {
        name: "iam_policy",
        description: "A cloud IAM policy (a managed policy that principals attach)",
        platforms: CLOUD,
        rotation: Some(
            "Restore {id} to its last known-good version and delete the versions created since the compromise",
        ),
    },
];

/// ATT&CK Enterprise v18.1 techniques of identity attacks (directory ACL abuse, Kerberos, AD CS,
/// trusts, authentication tampering) that `builtin.rs` does not list; same conventions.
pub const TECHNIQUES: &[Technique] = &[
    // Execution and persistence.
    Technique {
        id: "T1053.005",
        name: "Scheduled Task/Job: Scheduled Task",
        tactics: &["execution", "persistence", "privilege-escalation"],
    },
    Technique { id: "T1136.001", name: "Create Account: Local Account", tactics: &["persistence"] },
    Technique { id: "T1136.002", name: "Create Account: Domain Account", tactics: &["persistence"] },
    Technique {
        id: "T1556.001",
        name: "Modify Authentication Process: Domain Controller Authentication",
        tactics: &["persistence", "defense-evasion", "credential-access"],
    },
    Technique {
        id: "T1556.002",
        name: "Modify Authentication Process: Password Filter DLL",
        tactics: &["persistence", "defense-evasion", "credential-access"],
    },
    Technique {
        id: "T1556.005",
        name: "Modify Authentication Process: Reversible Encryption",
        tactics: &["persistence", "defense-evasion", "credential-access"],
    },
    Technique {
        id: "T1556.009",
        name: "Modify Authentication Process: Conditional Access Policies",
        tactics: &["persistence", "defense-evasion", "credential-access"],
    },
    // Privilege escalation and defense evasion.
    Technique { id: "T1134", name: "Access Token Manipulation", tactics: &["privilege-escalation", "defense-evasion"] },
    Technique {
        id: "T1134.001",
        name: "Access Token Manipulation: Token Impersonation/Theft",
        tactics: &["privilege-escalation", "defense-evasion"],
    },
    Technique {
        id: "T1134.005",
        name: "Access Token Manipulation: SID-History Injection",
        tactics: &["privilege-escalation", "defense-evasion"],
    },
    Technique {
        id: "T1484.001",
        name: "Domain or Tenant Policy Modification: Group Policy Modification",
        tactics: &["privilege-escalation", "defense-evasion"],
    },
    Technique { id: "T1207", name: "Rogue Domain Controller", tactics: &["defense-evasion"] },
    Technique { id: "T1222", name: "File and Directory Permissions Modification", tactics: &["defense-evasion"] },
    Technique {
        id: "T1222.001",
        name: "File and Directory Permissions Modification: Windows File and Directory Permissions Modification",
        tactics: &["defense-evasion"],
    },
    // Credential access.
    Technique {
        id: "T1003.002",
        name: "OS Credential Dumping: Security Account Manager",
        tactics: &["credential-access"],
    },
    Technique { id: "T1003.004", name: "OS Credential Dumping: LSA Secrets", tactics: &["credential-access"] },
    Technique {
        id: "T1003.005",
        name: "OS Credential Dumping: Cached Domain Credentials",
        tactics: &["credential-access"],
    },
    Technique { id: "T1187", name: "Forced Authentication", tactics: &["credential-access"] },
    Technique {
        id: "T1555.004",
        name: "Credentials from Password Stores: Windows Credential Manager",
        tactics: &["credential-access"],
    },
    Technique {
        id: "T1558.002",
        name: "Steal or Forge Kerberos Tickets: Silver Ticket",
        tactics: &["credential-access"],
    },
    Technique {
        id: "T1558.004",
        name: "Steal or Forge Kerberos Tickets: AS-REP Roasting",
        tactics: &["credential-access"],
    },
    Technique { id: "T1606.001", name: "Forge Web Credentials: Web Cookies", tactics: &["credential-access"] },
    // Discovery.
    Technique { id: "T1018", name: "Remote System Discovery", tactics: &["discovery"] },
    Technique { id: "T1069.002", name: "Permission Groups Discovery: Domain Groups", tactics: &["discovery"] },
    Technique { id: "T1087.002", name: "Account Discovery: Domain Account", tactics: &["discovery"] },
    Technique { id: "T1615", name: "Group Policy Discovery", tactics: &["discovery"] },
];
