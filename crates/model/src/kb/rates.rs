//! Base success probabilities of techniques that have a rate of their own: an edge whose
//! `technique` names one in place of its kind's takes this rate instead of the kind's.

use super::TechniqueRate;

/// Sorted by technique id. Rates are for an attacker who holds the edge's source (and what it
/// requires) and meets the technique's precondition that the edge stands for, before controls.
/// Where a technique is the main technique of a built-in kind, the two agree.
pub const TECHNIQUE_RATES: &[TechniqueRate] = &[
    TechniqueRate {
        technique: "T1003.003",
        base: [0.6, 0.8, 0.95],
        rationale: "With administrator rights on a domain controller a shadow copy or ntdsutil snapshot of ntds.dit is routine; EDR catches the clumsy",
    },
    TechniqueRate {
        technique: "T1003.006",
        base: [0.85, 0.95, 0.98],
        rationale: "Replication rights make a domain controller hand over any hash on request (DCSync); only detection of replication from a non-DC interrupts it",
    },
    TechniqueRate {
        technique: "T1098.001",
        base: [0.8, 0.9, 0.95],
        rationale: "Adding a key or secret to a user or service principal is one API call the held rights allow; credential-change alerts are the brake",
    },
    TechniqueRate {
        technique: "T1098.003",
        base: [0.7, 0.85, 0.95],
        rationale: "IAM write rights make escalation one API call; less skilled actors may not spot indirect permission paths",
    },
    TechniqueRate {
        technique: "T1098.007",
        base: [0.85, 0.92, 0.97],
        rationale: "With write access to a group's membership, adding a held account is one LDAP or API write; only alerts on privileged groups interfere",
    },
    TechniqueRate {
        technique: "T1110.002",
        base: [0.2, 0.45, 0.65],
        rationale: "Offline cracking of a captured hash or ticket succeeds against human-chosen passwords; long random ones resist any skill",
    },
    TechniqueRate {
        technique: "T1134.005",
        base: [0.4, 0.7, 0.9],
        rationale: "Injecting a privileged SID into SID history works across a trust without SID filtering (the default inside a forest); it takes knowing which trusts allow it",
    },
    TechniqueRate {
        technique: "T1187",
        base: [0.4, 0.65, 0.85],
        rationale: "Coercing a machine to authenticate (the printer bug, PetitPotam, DFSCoerce) takes one call with public tools wherever the Print Spooler runs or the EFSRPC and DFSNM pipes answer domain users; a disabled spooler and patched, filtered RPC close the usual ways",
    },
    TechniqueRate {
        technique: "T1207",
        base: [0.3, 0.6, 0.8],
        rationale: "Registering a rogue domain controller (DCShadow) needs domain admin and SYSTEM on a joined host, and replication of the pushed change",
    },
    TechniqueRate {
        technique: "T1222.001",
        base: [0.75, 0.9, 0.97],
        rationale: "A right over an AD object's ACL (WriteDacl, WriteOwner, GenericAll) is used with documented tools (dacledit, PowerView); it fails only if the change is seen and reverted",
    },
    TechniqueRate {
        technique: "T1484.001",
        base: [0.6, 0.8, 0.95],
        rationale: "Write access to a linked GPO runs code on every computer under it at the next refresh (about 90 minutes); the wait and GPO change auditing are the friction",
    },
    TechniqueRate {
        technique: "T1550.002",
        base: [0.5, 0.7, 0.85],
        rationale: "An NTLM hash logs on wherever the account is allowed; Protected Users, Restricted Admin and disabled NTLM block it",
    },
    TechniqueRate {
        technique: "T1550.003",
        base: [0.5, 0.7, 0.85],
        rationale: "A stolen Kerberos ticket works until it expires (10 hours by default); short lifetimes and anomaly detection cut it",
    },
    TechniqueRate {
        technique: "T1552.006",
        base: [0.8, 0.9, 0.95],
        rationale: "A cpassword left in SYSVOL decrypts with Microsoft's published AES key; any domain user can read it",
    },
    TechniqueRate {
        technique: "T1556.001",
        base: [0.3, 0.6, 0.85],
        rationale: "Patching a domain controller's authentication (Skeleton Key) needs DC admin and survives only until reboot; LSA protection stops commodity tools",
    },
    TechniqueRate {
        technique: "T1556.006",
        base: [0.7, 0.85, 0.95],
        rationale: "Re-registering a user's MFA with admin or helpdesk rights is a supported operation; only approval workflows and owner notification stop it",
    },
    TechniqueRate {
        technique: "T1556.007",
        base: [0.6, 0.8, 0.9],
        rationale: "Control of a hybrid-identity agent (PTA, AD sync) lets the attacker approve or capture cloud sign-ins; it takes tier 0 access to the agent's host",
    },
    TechniqueRate {
        technique: "T1556.009",
        base: [0.7, 0.85, 0.95],
        rationale: "A policy administrator can exclude an account or location from conditional access in one change; policy-change alerts are rare",
    },
    TechniqueRate {
        technique: "T1558.002",
        base: [0.6, 0.8, 0.9],
        rationale: "With a service account's key a forged service ticket is accepted by that service; PAC validation and AES-only accounts make it harder",
    },
    TechniqueRate {
        technique: "T1558.003",
        base: [0.25, 0.5, 0.7],
        rationale: "Any domain user can request the tickets; success depends on weak service-account passwords, common in older domains",
    },
    TechniqueRate {
        technique: "T1558.004",
        base: [0.25, 0.5, 0.7],
        rationale: "An account without Kerberos pre-authentication hands any user a crackable AS-REP; success depends on its password, as with Kerberoasting",
    },
    TechniqueRate {
        technique: "T1566.004",
        base: [0.15, 0.35, 0.6],
        rationale: "Calls to a helpdesk or user with a plausible pretext beat knowledge-based identity proofing often; practised callers succeed most of the time",
    },
    TechniqueRate {
        technique: "T1606.001",
        base: [0.5, 0.7, 0.9],
        rationale: "With the application's signing secret a forged session cookie is accepted; rotation of the secret and session binding break it",
    },
    TechniqueRate {
        technique: "T1606.002",
        base: [0.7, 0.85, 0.95],
        rationale: "With the signing material forgery is deterministic; failures come from key rotation or token anomaly detection",
    },
    TechniqueRate {
        technique: "T1649",
        base: [0.6, 0.85, 0.95],
        rationale: "Enrolment on a template that lets the enrollee supply the subject (ESC1) yields a certificate for any user in one request (Certipy); manager approval or strong mapping stops it",
    },
];
