//! The AWS importer's vocabulary: IAM privilege escalations, role use and data reads as edge kinds,
//! with ATT&CK v18.1 techniques, base probabilities per skill and why.

use super::{EdgeKind, Mitigation, NodeKind, Remediation, Technique};

/// Node kinds the AWS importer writes besides the built-in ones (users are `identity`, roles
/// `role`, groups `group`, buckets `bucket`, keys `key`, secrets `secret`, tables `datastore`).
pub const NODE_KINDS: &[&str] = &["aws_account"];

/// What the AWS node kinds are (see `NodeKind`).
pub const NODE_KIND_INFO: &[NodeKind] = &[NodeKind {
    name: "aws_account",
    description: "An AWS account's administrator: whoever holds it controls every resource in the account",
    platforms: &["IaaS"],
    rotation: Some(
        "Treat account {id} as taken: revoke every administrator's sessions (a deny on aws:TokenIssueTime), and remove users, access keys, roles and trust added since the compromise (CloudTrail)",
    ),
}];

/// The default remediation of each AWS edge kind; the importer writes the concrete grant (policy
/// and statement) into each edge's own `remediation`, which wins.
pub const REMEDIATIONS: &[Remediation] = &[
    Remediation {
        kind: "aws_adds_to_group",
        action: "remove_permission",
        text: "Remove iam:AddUserToGroup from {from}'s policies, and remove members added to {to} since the compromise",
    },
    Remediation {
        kind: "aws_admin",
        action: "remove_permission",
        text: "Detach the administrator grant (AdministratorAccess, or Action * on Resource *) from {from}",
    },
    Remediation {
        kind: "aws_attaches_policy",
        action: "remove_permission",
        text: "Remove iam:Attach*Policy from {from}'s policies (or bound {from} with a boundary that denies it), and detach policies attached to {to} since the compromise",
    },
    Remediation {
        kind: "aws_creates_access_key",
        action: "remove_permission",
        text: "Remove iam:CreateAccessKey on {to} from {from}'s policies, and deactivate access keys created for {to} since the compromise",
    },
    Remediation {
        kind: "aws_creates_policy_version",
        action: "remove_permission",
        text: "Remove iam:CreatePolicyVersion from {from}'s policies, and restore the default version of the policies it could change",
    },
    Remediation {
        kind: "aws_modifies_workload",
        action: "remove_permission",
        text: "Remove {from}'s rights to change the code or start-up of workloads that run as {to}",
    },
    Remediation {
        kind: "aws_passes_role",
        action: "remove_permission",
        text: "Remove iam:PassRole on {to} from {from}'s policies (or limit it with iam:PassedToService)",
    },
    Remediation {
        kind: "aws_puts_inline_policy",
        action: "remove_permission",
        text: "Remove iam:Put*Policy from {from}'s policies, and delete inline policies put on {to} since the compromise",
    },
    Remediation {
        kind: "aws_reads_bucket",
        action: "remove_permission",
        text: "Remove {from}'s read access to {to} (its identity policy or the bucket policy)",
    },
    Remediation {
        kind: "aws_reads_key",
        action: "remove_permission",
        text: "Remove {from}'s kms:Decrypt on {to} (its identity policy, the key policy or a grant)",
    },
    Remediation {
        kind: "aws_reads_parameter",
        action: "remove_permission",
        text: "Remove {from}'s ssm:GetParameter* on {to}, and rotate {to} if it may have been read",
    },
    Remediation {
        kind: "aws_reads_secret",
        action: "remove_permission",
        text: "Remove {from}'s secretsmanager:GetSecretValue on {to}, and rotate {to} if it may have been read",
    },
    Remediation {
        kind: "aws_reads_table",
        action: "remove_permission",
        text: "Remove {from}'s read access to {to} (its identity policy or the table's resource policy)",
    },
    Remediation {
        kind: "aws_sets_default_policy_version",
        action: "remove_permission",
        text: "Remove iam:SetDefaultPolicyVersion from {from}'s policies, and restore the default version of the policies it could change",
    },
    Remediation {
        kind: "aws_sets_login_profile",
        action: "remove_permission",
        text: "Remove iam:CreateLoginProfile and iam:UpdateLoginProfile on {to} from {from}'s policies, and reset {to}'s console password",
    },
    Remediation {
        kind: "aws_updates_trust_policy",
        action: "remove_permission",
        text: "Remove iam:UpdateAssumeRolePolicy on {to} from {from}'s policies, and restore {to}'s trust policy",
    },
];

/// Edge kinds of the AWS importer, sorted by name. `base` is for a principal that holds the
/// permissions the importer found (evaluated as AWS would); conditions and evadable denies lower an
/// edge's `p` below it. Role assumption uses the built-in `assumes`, group membership `member_of`,
/// commands on instances `cloud_run_command`.
pub const EDGE_KINDS: &[EdgeKind] = &[
    EdgeKind {
        name: "aws_adds_to_group",
        area: "cloud",
        description: "Add a held IAM user to a group (iam:AddUserToGroup) and gain the group's policies",
        technique: "T1098.003",
        also: &["T1098"],
        base: [0.85, 0.92, 0.97],
        rationale: "One API call with documented effect; it fails only if the group change is caught and reverted at once",
        mitigations: &["M1026", "M1018", "M1032"],
    },
    EdgeKind {
        name: "aws_admin",
        area: "cloud",
        description: "The principal's effective policies allow every action on every resource: it is the account's administrator",
        technique: "T1078.004",
        also: &[],
        base: [1.0, 1.0, 1.0],
        rationale: "Not an attack step: whoever holds the principal holds administrator rights; the cut is removing the grant",
        mitigations: &["M1026", "M1018"],
    },
    EdgeKind {
        name: "aws_attaches_policy",
        area: "cloud",
        description: "Attach a managed policy such as AdministratorAccess to a user, group or role (iam:Attach*Policy)",
        technique: "T1098.003",
        also: &["T1098"],
        base: [0.85, 0.92, 0.97],
        rationale: "Attaching AdministratorAccess is one well-known call; only a boundary or an SCP on the target stops it, and those were evaluated",
        mitigations: &["M1026", "M1018", "M1032"],
    },
    EdgeKind {
        name: "aws_creates_access_key",
        area: "cloud",
        description: "Create an access key for another IAM user (iam:CreateAccessKey) and act as that user",
        technique: "T1098.001",
        also: &["T1078.004"],
        base: [0.8, 0.9, 0.95],
        rationale: "Works unless the user already has two keys (the attacker must then delete one, iam:DeleteAccessKey) or key creation alerts",
        mitigations: &["M1026", "M1018", "M1032", "M1030"],
    },
    EdgeKind {
        name: "aws_creates_policy_version",
        area: "cloud",
        description: "Write a new default version of a customer-managed policy (iam:CreatePolicyVersion) that allows everything",
        technique: "T1098.003",
        also: &["T1484"],
        base: [0.8, 0.9, 0.95],
        rationale: "Rhino's first method, scripted by Pacu; fails only when the policy already has five versions and none may be deleted",
        mitigations: &["M1026", "M1018", "M1047"],
    },
    EdgeKind {
        name: "aws_modifies_workload",
        area: "cloud",
        description: "Change the code or start-up of an existing workload that runs as a role (Lambda code, Glue dev endpoint, SageMaker lifecycle, EC2 user data, launch templates, CloudFormation stacks)",
        technique: "T1648",
        also: &["T1525", "T1578"],
        base: [0.4, 0.65, 0.8],
        rationale: "Needs a workload that runs as the role and, for most, a restart or trigger; the dump shows the role and the rights, not that such a workload exists",
        mitigations: &["M1026", "M1018", "M1047", "M1045"],
    },
    EdgeKind {
        name: "aws_passes_role",
        area: "cloud",
        description: "Pass a role to a new compute resource the attacker creates (EC2, Lambda, Glue, CloudFormation, Data Pipeline, CodeBuild, SageMaker, ECS, App Runner) and run code as the role",
        technique: "T1548.005",
        also: &["T1648", "T1578.002", "T1651"],
        base: [0.6, 0.8, 0.9],
        rationale: "iam:PassRole plus the service's create call yields the role's credentials; less skilled attackers fumble the service set-up (networking, images, handlers)",
        mitigations: &["M1026", "M1018", "M1047"],
    },
    EdgeKind {
        name: "aws_puts_inline_policy",
        area: "cloud",
        description: "Write an inline policy allowing everything into a user, group or role (iam:Put*Policy)",
        technique: "T1098.003",
        also: &["T1098"],
        base: [0.85, 0.92, 0.97],
        rationale: "One API call with a policy the attacker writes; only a boundary or an SCP on the target stops it, and those were evaluated",
        mitigations: &["M1026", "M1018", "M1032"],
    },
    EdgeKind {
        name: "aws_reads_bucket",
        area: "data",
        description: "Read objects from an S3 bucket the principal may s3:GetObject",
        technique: "T1530",
        also: &["T1537"],
        base: [0.8, 0.9, 0.95],
        rationale: "With the grant the objects are one call away; a bucket policy or a KMS key policy the dump does not show may still refuse",
        mitigations: &["M1037", "M1041", "M1047", "M1022", "M1032", "M1018"],
    },
    EdgeKind {
        name: "aws_reads_key",
        area: "data",
        description: "Decrypt with a KMS key (kms:Decrypt): whatever the key protects becomes readable",
        technique: "T1530",
        also: &["T1555.006"],
        base: [0.7, 0.85, 0.95],
        rationale: "The IAM grant suffices when the key policy delegates to IAM (the default); the attacker must also find the ciphertexts",
        mitigations: &["M1041", "M1047", "M1018", "M1026"],
    },
    EdgeKind {
        name: "aws_reads_parameter",
        area: "data",
        description: "Read SSM Parameter Store parameters (ssm:GetParameter*), often holding secrets",
        technique: "T1555.006",
        also: &["T1552"],
        base: [0.8, 0.9, 0.95],
        rationale: "Parameters are listed and read with the grant; SecureString values also need kms:Decrypt, which usually comes with it",
        mitigations: &["M1026", "M1047", "M1027", "M1022"],
    },
    EdgeKind {
        name: "aws_reads_secret",
        area: "data",
        description: "Read Secrets Manager secrets (secretsmanager:GetSecretValue)",
        technique: "T1555.006",
        also: &["T1552"],
        base: [0.8, 0.9, 0.95],
        rationale: "With the grant a secret is one call away; a resource policy on the secret the dump does not show may still refuse",
        mitigations: &["M1026", "M1047", "M1027", "M1022"],
    },
    EdgeKind {
        name: "aws_reads_table",
        area: "data",
        description: "Read DynamoDB items (dynamodb:GetItem, Query, Scan, BatchGetItem)",
        technique: "T1530",
        also: &["T1213"],
        base: [0.8, 0.9, 0.95],
        rationale: "Scan reads a whole table with the grant; only throttling and volume alerts slow it",
        mitigations: &["M1037", "M1041", "M1047", "M1018"],
    },
    EdgeKind {
        name: "aws_sets_default_policy_version",
        area: "cloud",
        description: "Switch a customer-managed policy to an older, more permissive version (iam:SetDefaultPolicyVersion)",
        technique: "T1098.003",
        also: &["T1484"],
        base: [0.8, 0.9, 0.95],
        rationale: "The dump lists every version, so the permissive one is known to exist; the switch is one call",
        mitigations: &["M1026", "M1018", "M1047"],
    },
    EdgeKind {
        name: "aws_sets_login_profile",
        area: "cloud",
        description: "Create or reset another IAM user's console password (iam:CreateLoginProfile, iam:UpdateLoginProfile) and sign in as the user",
        technique: "T1098.001",
        also: &["T1078.004"],
        base: [0.6, 0.8, 0.9],
        rationale: "Console sign-in works unless the user has MFA enforced by policy (then only the password is set) or the reset is noticed",
        mitigations: &["M1026", "M1032", "M1018"],
    },
    EdgeKind {
        name: "aws_updates_trust_policy",
        area: "cloud",
        description: "Rewrite a role's trust policy to trust the attacker (iam:UpdateAssumeRolePolicy), then assume it",
        technique: "T1098.003",
        also: &["T1078.004"],
        base: [0.8, 0.9, 0.95],
        rationale: "A trust policy naming the attacker's principal needs no identity grant in the same account; SCPs on sts:AssumeRole were evaluated",
        mitigations: &["M1026", "M1018", "M1032"],
    },
];

/// The techniques these kinds use that the built-in table lacks.
pub const TECHNIQUES: &[Technique] = &[Technique {
    id: "T1548.005",
    name: "Abuse Elevation Control Mechanism: Temporary Elevated Cloud Access",
    tactics: &["privilege-escalation", "defense-evasion"],
}];

pub const MITIGATIONS: &[Mitigation] = &[];
