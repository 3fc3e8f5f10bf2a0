//! The SharpHound CE object format (schema versions 5 and 6): one struct holds what the importer
//! reads from any object type; the fields a type does not have stay empty, unknown fields are skipped.

use serde::{Deserialize, Deserializer};

/// `null` where a list or a record is expected reads as empty (SharpHound writes both).
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An integer written as a number (integer or float), a string of digits, or null.
fn lenient_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        Some(serde_json::Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        Some(serde_json::Value::Bool(b)) => Some(b as i64),
        _ => None,
    })
}

/// A boolean written as a bool, `"true"`/`"false"`, 0/1, or null.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        Some(serde_json::Value::Bool(b)) => Some(b),
        Some(serde_json::Value::String(s)) => s.trim().to_ascii_lowercase().parse().ok(),
        Some(serde_json::Value::Number(n)) => n.as_i64().map(|i| i != 0),
        _ => None,
    })
}

/// A list of strings; a single string reads as a one-element list, null as empty.
fn lenient_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        Some(serde_json::Value::Array(items)) => {
            items.into_iter().filter_map(|i| i.as_str().map(str::to_string)).collect()
        }
        Some(serde_json::Value::String(s)) => vec![s],
        _ => Vec::new(),
    })
}

/// A reference to another object: its id and its type as SharpHound names it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Typed {
    #[serde(rename = "ObjectIdentifier", deserialize_with = "nullable")]
    pub id: String,
    #[serde(rename = "ObjectType", deserialize_with = "nullable")]
    pub kind: String,
}

/// One access control entry: a right the principal holds on the object.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Ace {
    #[serde(rename = "PrincipalSID", deserialize_with = "nullable")]
    pub principal: String,
    #[serde(rename = "PrincipalType", deserialize_with = "nullable")]
    pub principal_kind: String,
    #[serde(rename = "RightName", deserialize_with = "nullable")]
    pub right: String,
    #[serde(rename = "IsInherited", deserialize_with = "nullable")]
    pub inherited: bool,
}

/// The properties the importer uses (all others are skipped).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Props {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
    #[serde(deserialize_with = "nullable")]
    pub domainsid: String,
    #[serde(deserialize_with = "nullable")]
    pub distinguishedname: String,
    #[serde(deserialize_with = "nullable")]
    pub samaccountname: String,
    #[serde(deserialize_with = "nullable")]
    pub displayname: String,
    #[serde(deserialize_with = "lenient_bool")]
    pub enabled: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub isdc: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub admincount: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub hasspn: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub unconstraineddelegation: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub sensitive: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub highvalue: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub isaclprotected: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub blocksinheritance: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub haslaps: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub gmsa: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub msa: Option<bool>,
    #[serde(deserialize_with = "lenient_int")]
    pub lastlogontimestamp: Option<i64>,
    #[serde(deserialize_with = "lenient_int")]
    pub lastlogon: Option<i64>,
    #[serde(deserialize_with = "lenient_int")]
    pub whencreated: Option<i64>,
    #[serde(deserialize_with = "nullable")]
    pub operatingsystem: String,
    // Certificate templates.
    #[serde(deserialize_with = "lenient_bool")]
    pub authenticationenabled: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub enrolleesuppliessubject: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub requiresmanagerapproval: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub nosecurityextension: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub subjectaltrequireupn: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub subjectaltrequiredns: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub subjectaltrequiredomaindns: Option<bool>,
    #[serde(deserialize_with = "lenient_int")]
    pub schemaversion: Option<i64>,
    #[serde(deserialize_with = "lenient_int")]
    pub authorizedsignatures: Option<i64>,
    #[serde(deserialize_with = "lenient_strings")]
    pub effectiveekus: Vec<String>,
    #[serde(deserialize_with = "lenient_strings")]
    pub ekus: Vec<String>,
    #[serde(deserialize_with = "lenient_strings")]
    pub certificateapplicationpolicy: Vec<String>,
    #[serde(deserialize_with = "lenient_strings")]
    pub certificatepolicy: Vec<String>,
    #[serde(deserialize_with = "lenient_strings")]
    pub issuancepolicies: Vec<String>,
    // Certificate authorities, NTAuth stores and issuance policies.
    #[serde(deserialize_with = "nullable")]
    pub certthumbprint: String,
    #[serde(deserialize_with = "lenient_strings")]
    pub certthumbprints: Vec<String>,
    #[serde(deserialize_with = "lenient_strings")]
    pub certchain: Vec<String>,
    #[serde(deserialize_with = "lenient_bool")]
    pub isuserspecifiessanenabled: Option<bool>,
    #[serde(deserialize_with = "nullable")]
    pub certtemplateoid: String,
}

/// Result of a collection call on a computer: whether it ran, and what it found.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, bound(deserialize = "T: Deserialize<'de> + Default"))]
pub struct ApiResult<T> {
    #[serde(rename = "Collected", deserialize_with = "nullable")]
    pub collected: bool,
    #[serde(rename = "Results", deserialize_with = "nullable")]
    pub results: T,
}

/// A service the user administers through its SPN (`SQLAdmin` on a computer).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SpnTarget {
    #[serde(rename = "ComputerSID", deserialize_with = "nullable")]
    pub computer: String,
    #[serde(rename = "Service", deserialize_with = "nullable")]
    pub service: String,
}

/// A logon session: which user on which computer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Session {
    #[serde(rename = "UserSID", deserialize_with = "nullable")]
    pub user: String,
    #[serde(rename = "ComputerSID", deserialize_with = "nullable")]
    pub computer: String,
}

/// A computer's local group (by RID: 544 Administrators, 555 Remote Desktop Users, 562 Distributed
/// COM Users, 580 Remote Management Users) and its members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LocalGroup {
    #[serde(rename = "ObjectIdentifier", deserialize_with = "nullable")]
    pub id: String,
    #[serde(rename = "Name", deserialize_with = "nullable")]
    pub name: String,
    #[serde(rename = "Collected", deserialize_with = "nullable")]
    pub collected: bool,
    #[serde(rename = "Results", deserialize_with = "nullable")]
    pub members: Vec<Typed>,
}

/// A user rights assignment on a computer (SeRemoteInteractiveLogonRight, …).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UserRight {
    #[serde(rename = "Privilege", deserialize_with = "nullable")]
    pub privilege: String,
    #[serde(rename = "Collected", deserialize_with = "nullable")]
    pub collected: bool,
    #[serde(rename = "Results", deserialize_with = "nullable")]
    pub holders: Vec<Typed>,
}

/// A GPO link on a domain or OU.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GpLink {
    #[serde(rename = "GUID", alias = "Guid", deserialize_with = "nullable")]
    pub guid: String,
    #[serde(rename = "IsEnforced", deserialize_with = "nullable")]
    pub enforced: bool,
}

/// A domain trust as the trusting or trusted domain sees it. Direction and type are strings in
/// schema 6 and may be numbers in older output.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Trust {
    #[serde(rename = "TargetDomainSid", deserialize_with = "nullable")]
    pub target_sid: String,
    #[serde(rename = "TargetDomainName", deserialize_with = "nullable")]
    pub target_name: String,
    #[serde(rename = "SidFilteringEnabled", deserialize_with = "nullable")]
    pub sid_filtering: bool,
    #[serde(rename = "TGTDelegationEnabled", deserialize_with = "nullable")]
    pub tgt_delegation: bool,
    #[serde(rename = "TrustDirection")]
    pub direction: serde_json::Value,
    #[serde(rename = "TrustType")]
    pub kind: serde_json::Value,
}

/// What GPOs linked to a domain or OU change on the computers they apply to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GpoChanges {
    #[serde(rename = "LocalAdmins", deserialize_with = "nullable")]
    pub local_admins: Vec<Typed>,
    #[serde(rename = "RemoteDesktopUsers", deserialize_with = "nullable")]
    pub remote_desktop_users: Vec<Typed>,
    #[serde(rename = "DcomUsers", deserialize_with = "nullable")]
    pub dcom_users: Vec<Typed>,
    #[serde(rename = "PSRemoteUsers", deserialize_with = "nullable")]
    pub ps_remote_users: Vec<Typed>,
    #[serde(rename = "AffectedComputers", deserialize_with = "nullable")]
    pub affected_computers: Vec<Typed>,
}

/// A registry value collected from a computer or CA.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, bound(deserialize = "T: Deserialize<'de> + Default"))]
pub struct RegistryValue<T> {
    #[serde(rename = "Collected", deserialize_with = "nullable")]
    pub collected: bool,
    #[serde(rename = "Value", deserialize_with = "nullable")]
    pub value: T,
}

/// Certificate mapping settings of a domain controller.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DcRegistry {
    #[serde(rename = "CertificateMappingMethods", deserialize_with = "nullable")]
    pub mapping_methods: RegistryValue<Option<i64>>,
    #[serde(rename = "StrongCertificateBindingEnforcement", deserialize_with = "nullable")]
    pub strong_binding: RegistryValue<Option<i64>>,
}

/// The CA's security descriptor as collected from its registry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CaSecurity {
    #[serde(rename = "Collected", deserialize_with = "nullable")]
    pub collected: bool,
    #[serde(rename = "Data", deserialize_with = "nullable")]
    pub aces: Vec<Ace>,
}

/// Enrollment agent restrictions of a CA.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AgentRestrictions {
    #[serde(rename = "Collected", deserialize_with = "nullable")]
    pub collected: bool,
    #[serde(rename = "Restrictions", deserialize_with = "nullable")]
    pub restrictions: Vec<serde::de::IgnoredAny>,
}

/// What SharpHound reads from an enterprise CA's registry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CaRegistry {
    #[serde(rename = "CASecurity", deserialize_with = "nullable")]
    pub security: CaSecurity,
    #[serde(rename = "EnrollmentAgentRestrictions", deserialize_with = "nullable")]
    pub agent_restrictions: AgentRestrictions,
    #[serde(rename = "IsUserSpecifiesSanEnabled", deserialize_with = "nullable")]
    pub user_specifies_san: RegistryValue<Option<bool>>,
}

/// One object of a SharpHound file, or one session of a schema-5 `sessions` file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AdObject {
    #[serde(rename = "ObjectIdentifier", deserialize_with = "nullable")]
    pub id: String,
    #[serde(rename = "Properties", deserialize_with = "nullable")]
    pub props: Props,
    #[serde(rename = "Aces", deserialize_with = "nullable")]
    pub aces: Vec<Ace>,
    #[serde(rename = "IsDeleted", deserialize_with = "nullable")]
    pub deleted: bool,
    #[serde(rename = "IsACLProtected", deserialize_with = "nullable")]
    pub acl_protected: bool,
    #[serde(rename = "ContainedBy", deserialize_with = "nullable")]
    pub contained_by: Option<Typed>,
    #[serde(rename = "Members", deserialize_with = "nullable")]
    pub members: Vec<Typed>,
    #[serde(rename = "ChildObjects", deserialize_with = "nullable")]
    pub children: Vec<Typed>,
    #[serde(rename = "Links", deserialize_with = "nullable")]
    pub links: Vec<GpLink>,
    #[serde(rename = "Trusts", deserialize_with = "nullable")]
    pub trusts: Vec<Trust>,
    #[serde(rename = "PrimaryGroupSID", deserialize_with = "nullable")]
    pub primary_group: String,
    #[serde(rename = "AllowedToDelegate", deserialize_with = "nullable")]
    pub allowed_to_delegate: Vec<Typed>,
    #[serde(rename = "AllowedToAct", deserialize_with = "nullable")]
    pub allowed_to_act: Vec<Typed>,
    #[serde(rename = "HasSIDHistory", deserialize_with = "nullable")]
    pub sid_history: Vec<Typed>,
    #[serde(rename = "DumpSMSAPassword", deserialize_with = "nullable")]
    pub dump_smsa: Vec<Typed>,
    #[serde(rename = "SPNTargets", alias = "SpnTargets", deserialize_with = "nullable")]
    pub spn_targets: Vec<SpnTarget>,
    #[serde(rename = "Sessions", deserialize_with = "nullable")]
    pub sessions: ApiResult<Vec<Session>>,
    #[serde(rename = "PrivilegedSessions", deserialize_with = "nullable")]
    pub privileged_sessions: ApiResult<Vec<Session>>,
    #[serde(rename = "RegistrySessions", deserialize_with = "nullable")]
    pub registry_sessions: ApiResult<Vec<Session>>,
    #[serde(rename = "LocalGroups", deserialize_with = "nullable")]
    pub local_groups: Vec<LocalGroup>,
    // Schema 5 computers may still carry the older per-group results.
    #[serde(rename = "LocalAdmins", deserialize_with = "nullable")]
    pub local_admins: ApiResult<Vec<Typed>>,
    #[serde(rename = "RemoteDesktopUsers", deserialize_with = "nullable")]
    pub remote_desktop_users: ApiResult<Vec<Typed>>,
    #[serde(rename = "DcomUsers", deserialize_with = "nullable")]
    pub dcom_users: ApiResult<Vec<Typed>>,
    #[serde(rename = "PSRemoteUsers", deserialize_with = "nullable")]
    pub ps_remote_users: ApiResult<Vec<Typed>>,
    #[serde(rename = "UserRights", deserialize_with = "nullable")]
    pub user_rights: Vec<UserRight>,
    #[serde(rename = "IsDC", deserialize_with = "lenient_bool")]
    pub is_dc: Option<bool>,
    #[serde(rename = "DomainSID", deserialize_with = "nullable")]
    pub domain_sid: String,
    #[serde(rename = "UnconstrainedDelegation", deserialize_with = "lenient_bool")]
    pub unconstrained: Option<bool>,
    #[serde(rename = "GPOChanges", deserialize_with = "nullable")]
    pub gpo_changes: GpoChanges,
    #[serde(rename = "DCRegistryData", deserialize_with = "nullable")]
    pub dc_registry: DcRegistry,
    #[serde(rename = "CARegistryData", deserialize_with = "nullable")]
    pub ca_registry: CaRegistry,
    #[serde(rename = "EnabledCertTemplates", deserialize_with = "nullable")]
    pub enabled_templates: Vec<Typed>,
    #[serde(rename = "HostingComputer", deserialize_with = "nullable")]
    pub hosting_computer: String,
    #[serde(rename = "GroupLink", deserialize_with = "nullable")]
    pub group_link: Typed,
    // A schema-5 `sessions` file holds bare sessions.
    #[serde(rename = "UserSID", deserialize_with = "nullable")]
    pub session_user: String,
    #[serde(rename = "ComputerSID", deserialize_with = "nullable")]
    pub session_computer: String,
    // An AzureHound item: `{"kind": "AZUser", "data": {…}}`.
    #[serde(rename = "kind", deserialize_with = "nullable")]
    pub az_kind: String,
    #[serde(rename = "data", deserialize_with = "nullable")]
    pub az_data: serde_json::Value,
}

/// The SharpHound object types the importer reads, as `meta.type` names them.
pub const TYPES: &[&str] = &[
    "users",
    "computers",
    "groups",
    "domains",
    "gpos",
    "ous",
    "containers",
    "certtemplates",
    "enterprisecas",
    "rootcas",
    "aiacas",
    "ntauthstores",
    "issuancepolicies",
    "sessions",
];

/// SharpHound schema versions the importer reads.
pub const VERSIONS: &[i64] = &[5, 6];
