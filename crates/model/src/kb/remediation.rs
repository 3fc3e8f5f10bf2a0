//! What removing each built-in kind of attack step means, as the default remediation that cuts,
//! containment and runbooks show when an edge carries no `remediation` of its own.

use super::Remediation;

/// One entry per built-in edge kind (same order as `builtin::EDGE_KINDS`). `{from}` and `{to}` are
/// the edge's ends. The text is generic on purpose: an edge that knows the concrete relation (the
/// ACE, the policy statement, the key id) says so in its own `remediation`.
pub const REMEDIATIONS: &[Remediation] = &[
    // Network.
    Remediation {
        kind: "drive_by",
        action: "block_lure",
        text: "Block the malicious site at the web proxy and DNS filter, and update the browsers of {to}",
    },
    Remediation {
        kind: "exploits",
        action: "block_network",
        text: "Take {to} off the internet (block {from} → {to} at the edge) until the exploited flaw is patched",
    },
    Remediation {
        kind: "exploits_internal",
        action: "block_network",
        text: "Block {from} → {to} at the firewall and patch the exploited service on {to}",
    },
    Remediation {
        kind: "rdp",
        action: "block_network",
        text: "Block RDP (3389) from {from} to {to} at the firewall, and rotate the credential it used",
    },
    Remediation {
        kind: "relays",
        action: "block_network",
        text: "Disable LLMNR and NBT-NS and require SMB and LDAP signing, so {from} can no longer poison or relay to reach {to}",
    },
    Remediation {
        kind: "remote_access",
        action: "block_network",
        text: "Disconnect {from}'s sessions on the remote-access gateway {to}, disable the credential it used and require MFA there",
    },
    Remediation {
        kind: "remote_service",
        action: "block_network",
        text: "Block remote logons (RDP, SMB, WinRM, SSH) from {from} to {to} at the host firewall",
    },
    Remediation {
        kind: "smb_admin",
        action: "block_network",
        text: "Block SMB (445) from {from} to {to} and give {to} a unique local administrator password (LAPS)",
    },
    Remediation {
        kind: "sniffs",
        action: "block_network",
        text: "Take {from} off the segment that carries {to}'s traffic, or move that traffic to an encrypted protocol",
    },
    Remediation {
        kind: "ssh",
        action: "block_network",
        text: "Block SSH from {from} to {to} and remove the key or password it used from {to}",
    },
    Remediation {
        kind: "wifi",
        action: "block_network",
        text: "Rotate the credentials of the wireless network {to} and require certificate-based 802.1X",
    },
    Remediation {
        kind: "winrm",
        action: "block_network",
        text: "Block WinRM (5985/5986) from {from} to {to} and remove {from}'s remote management rights",
    },
    // Identity.
    Remediation {
        kind: "admin_of",
        action: "remove_permission",
        text: "Remove {from}'s administrative rights over {to}",
    },
    Remediation {
        kind: "authenticates",
        action: "rotate_credential",
        text: "Rotate or disable {from} so it no longer authenticates as {to}",
    },
    Remediation {
        kind: "forges_token",
        action: "rotate_credential",
        text: "Rotate the signing key {from} can use and revoke every token issued for {to}",
    },
    Remediation {
        kind: "hijacks_session",
        action: "revoke_sessions",
        text: "Revoke {to}'s sessions and tokens (force re-authentication)",
    },
    Remediation {
        kind: "insider_abuse",
        action: "suspend_account",
        text: "Suspend {from}'s account so it cannot reach {to}",
    },
    Remediation {
        kind: "kerberoasts",
        action: "rotate_credential",
        text: "Reset {to}'s service-account password to a long random one (or make it a gMSA)",
    },
    Remediation { kind: "member_of", action: "remove_membership", text: "Remove {from} from {to}" },
    Remediation {
        kind: "mfa_fatigue",
        action: "revoke_sessions",
        text: "Revoke {to}'s sessions, reset its MFA and require number matching",
    },
    Remediation {
        kind: "password_spray",
        action: "rotate_credential",
        text: "Reset {to}'s password and lock it against sign-ins from {from}",
    },
    Remediation {
        kind: "phishes",
        action: "block_lure",
        text: "Block the lure from {from} at the mail and web gateway, and warn the users of {to}",
    },
    Remediation {
        kind: "resets_password",
        action: "remove_permission",
        text: "Remove {from}'s right to reset {to}'s password",
    },
    Remediation {
        kind: "steals_credential",
        action: "rotate_credential",
        text: "Rotate {to}: assume the copy reachable from {from} is taken",
    },
    Remediation {
        kind: "trusted_relationship",
        action: "remove_trust",
        text: "Suspend {from}'s trusted access to {to}",
    },
    // Cloud.
    Remediation {
        kind: "assumes",
        action: "remove_trust",
        text: "Remove {from} from {to}'s trust policy (who may assume it)",
    },
    Remediation {
        kind: "cloud_api",
        action: "remove_permission",
        text: "Revoke {from}'s control-plane permissions on {to} (instances, images, network rules)",
    },
    Remediation {
        kind: "cloud_run_command",
        action: "remove_permission",
        text: "Revoke {from}'s permission to run commands on {to} (SSM SendCommand, Azure Run Command)",
    },
    Remediation {
        kind: "escapes_container",
        action: "isolate",
        text: "Contain {from} (cordon and drain its node, or EDR network containment) before it reaches {to}",
    },
    Remediation {
        kind: "grants_role",
        action: "remove_permission",
        text: "Remove {from}'s permission to grant roles in {to}",
    },
    Remediation {
        kind: "kube_exec",
        action: "remove_permission",
        text: "Remove {from}'s exec and deploy rights on {to} (its Kubernetes role bindings)",
    },
    Remediation {
        kind: "reads_metadata",
        action: "remove_permission",
        text: "Block {from}'s access to the instance metadata endpoint (IMDSv2, hop limit 1)",
    },
    Remediation {
        kind: "reads_secret",
        action: "remove_permission",
        text: "Revoke {from}'s access to {to} (and rotate {to} if it may have been read)",
    },
    Remediation {
        kind: "snapshots",
        action: "remove_permission",
        text: "Revoke {from}'s permissions to snapshot and share {to}",
    },
    // Endpoint.
    Remediation {
        kind: "dumps_credentials",
        action: "rotate_credential",
        text: "Rotate {to}: assume the copy reachable from {from} is taken",
    },
    Remediation {
        kind: "escalates",
        action: "isolate",
        text: "Contain {from} (EDR network containment) before it reaches {to}, and patch the flaw it used",
    },
    Remediation {
        kind: "harvests_browser",
        action: "rotate_credential",
        text: "Rotate {to}: assume the copy reachable from {from} is taken",
    },
    Remediation { kind: "physical", action: "isolate", text: "Restrict physical access to {to}" },
    // CI/CD.
    Remediation {
        kind: "compromises_dependency",
        action: "freeze_pipeline",
        text: "Freeze builds of {to} and pin its dependencies to known-good versions (lock files, internal mirror)",
    },
    Remediation {
        kind: "deploys_to",
        action: "freeze_pipeline",
        text: "Freeze deployments from {from} to {to} (pause the pipeline, pin images and dependencies)",
    },
    Remediation {
        kind: "implants_image",
        action: "freeze_pipeline",
        text: "Revoke {from}'s push rights on {to}, and deploy only signed images pinned by digest",
    },
    Remediation {
        kind: "poisons_pipeline",
        action: "freeze_pipeline",
        text: "Pause {to} and stop it running pipeline definitions from unreviewed branches of {from}",
    },
    Remediation {
        kind: "pushes_code",
        action: "remove_permission",
        text: "Revoke {from}'s write access to {to} (or require review on every change)",
    },
    Remediation {
        kind: "reads_repository",
        action: "remove_permission",
        text: "Revoke {from}'s access to {to} and rotate the secrets it holds",
    },
    Remediation {
        kind: "supply_chain",
        action: "freeze_pipeline",
        text: "Stop installing updates from {from} on {to} until the vendor confirms a clean build",
    },
    // SaaS.
    Remediation {
        kind: "internal_phish",
        action: "suspend_account",
        text: "Suspend {from}'s account so it cannot reach {to}",
    },
    Remediation {
        kind: "oauth_consent",
        action: "revoke_sessions",
        text: "Revoke the OAuth grants on {to} and block user consent to new apps",
    },
    Remediation {
        kind: "reads_chat",
        action: "remove_permission",
        text: "Revoke {from}'s access to {to} (sessions, channels and API tokens)",
    },
    Remediation {
        kind: "reads_documents",
        action: "remove_permission",
        text: "Revoke {from}'s access to {to} (sharing links, group grants and sessions)",
    },
    Remediation {
        kind: "reads_email",
        action: "remove_permission",
        text: "Remove {from}'s access to {to} (delegation, forwarding rules and API grants)",
    },
    Remediation {
        kind: "saas_access",
        action: "revoke_sessions",
        text: "Revoke {from}'s sessions in {to} and suspend its SSO assignment",
    },
    Remediation {
        kind: "steals_session",
        action: "revoke_sessions",
        text: "Revoke {to}'s sessions and tokens (force re-authentication)",
    },
    Remediation {
        kind: "token_theft",
        action: "revoke_sessions",
        text: "Revoke {to}'s sessions and tokens (force re-authentication)",
    },
    // Data.
    Remediation {
        kind: "decrypts",
        action: "remove_permission",
        text: "Revoke {from}'s access to {to} (and rotate {to} if it may have been read)",
    },
    Remediation {
        kind: "deletes_backups",
        action: "remove_permission",
        text: "Remove {from}'s rights to delete or change {to}, and turn on immutability (object or vault lock)",
    },
    Remediation {
        kind: "destroys",
        action: "remove_permission",
        text: "Revoke {from}'s write access to {to} and check that a recent offline copy exists",
    },
    Remediation {
        kind: "encrypts",
        action: "isolate",
        text: "Isolate {from} from {to} and check that a recent offline copy of {to} exists",
    },
    Remediation {
        kind: "exfiltrates",
        action: "block_network",
        text: "Block {from}'s egress to {to} (proxy, DLP or egress rules)",
    },
    Remediation { kind: "reads", action: "remove_permission", text: "Revoke {from}'s access to {to}" },
    Remediation { kind: "reads_database", action: "remove_permission", text: "Revoke {from}'s access to {to}" },
    Remediation { kind: "reads_files", action: "remove_permission", text: "Revoke {from}'s access to {to}" },
];
