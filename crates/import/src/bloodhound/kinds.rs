//! BloodHound's edge and node kinds and what each becomes in riskpath: a traversable edge kind maps
//! to a knowledge-base edge kind, a collected fact used only to compute other edges maps to none.

use std::collections::HashMap;
use std::sync::LazyLock;

/// An edge kind of the import graph: an index into [`EDGE_KINDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct K(pub u16);

/// BloodHound's name of an edge kind and the riskpath edge kind it becomes (`None`: read, used
/// to compute other edges, never written).
pub struct EdgeKindInfo {
    pub bh: &'static str,
    pub riskpath: Option<&'static str>,
}

macro_rules! kinds {
    ($( $konst:ident = $bh:literal => $rp:expr ),* $(,)?) => {
        /// Every BloodHound edge kind the importer knows, traversable or not.
        pub const EDGE_KINDS: &[EdgeKindInfo] = &[ $( EdgeKindInfo { bh: $bh, riskpath: $rp } ),* ];
        /// The position of each kind in `EDGE_KINDS`.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms, dead_code)]
        #[repr(u16)]
        enum Index { $( $konst ),* }
        $( pub const $konst: K = K(Index::$konst as u16); )*
    };
}

kinds! {
    // Active Directory: ACL rights.
    GENERIC_ALL = "GenericAll" => Some("generic_all"),
    GENERIC_WRITE = "GenericWrite" => Some("generic_write"),
    WRITE_DACL = "WriteDacl" => Some("write_dacl"),
    WRITE_OWNER = "WriteOwner" => Some("write_owner"),
    OWNS = "Owns" => Some("owns"),
    OWNS_LIMITED = "OwnsLimitedRights" => Some("owns_limited_rights"),
    WRITE_OWNER_LIMITED = "WriteOwnerLimitedRights" => Some("write_owner_limited_rights"),
    ALL_EXTENDED_RIGHTS = "AllExtendedRights" => Some("all_extended_rights"),
    FORCE_CHANGE_PASSWORD = "ForceChangePassword" => Some("force_change_password"),
    ADD_MEMBER = "AddMember" => Some("add_member"),
    ADD_SELF = "AddSelf" => Some("add_self"),
    ADD_KEY_CREDENTIAL_LINK = "AddKeyCredentialLink" => Some("add_key_credential_link"),
    WRITE_SPN = "WriteSPN" => Some("write_spn"),
    WRITE_ACCOUNT_RESTRICTIONS = "WriteAccountRestrictions" => Some("write_account_restrictions"),
    WRITE_ALT_SECURITY_IDENTITIES = "WriteAltSecurityIdentities" => Some("write_alt_security_identities"),
    WRITE_PUBLIC_INFORMATION = "WritePublicInformation" => Some("write_public_information"),
    READ_LAPS = "ReadLAPSPassword" => Some("read_laps_password"),
    READ_GMSA = "ReadGMSAPassword" => Some("read_gmsa_password"),
    SYNC_LAPS = "SyncLAPSPassword" => Some("sync_laps_password"),
    DUMP_SMSA = "DumpSMSAPassword" => Some("dump_smsa_password"),
    DCSYNC = "DCSync" => Some("dcsync"),
    ADD_ALLOWED_TO_ACT = "AddAllowedToAct" => Some("add_allowed_to_act"),
    // Active Directory: memberships, logons, delegation.
    MEMBER_OF = "MemberOf" => Some("member_of"),
    HAS_SESSION = "HasSession" => Some("has_session"),
    ADMIN_TO = "AdminTo" => Some("admin_to"),
    CAN_RDP = "CanRDP" => Some("can_rdp"),
    CAN_PS_REMOTE = "CanPSRemote" => Some("can_ps_remote"),
    EXECUTE_DCOM = "ExecuteDCOM" => Some("execute_dcom"),
    SQL_ADMIN = "SQLAdmin" => Some("sql_admin"),
    ALLOWED_TO_DELEGATE = "AllowedToDelegate" => Some("allowed_to_delegate"),
    ALLOWED_TO_ACT = "AllowedToAct" => Some("allowed_to_act"),
    COERCE_TO_TGT = "CoerceToTGT" => Some("coerce_to_tgt"),
    HAS_SID_HISTORY = "HasSIDHistory" => Some("has_sid_history"),
    CLAIM_SPECIAL_IDENTITY = "ClaimSpecialIdentity" => Some("claim_special_identity"),
    CAN_BACKUP = "CanBackup" => Some("can_backup"),
    // Active Directory: GPOs, containment, domain controllers, trusts.
    GP_LINK = "GPLink" => Some("gp_link"),
    WRITE_GP_LINK = "WriteGPLink" => Some("write_gp_link"),
    GPO_APPLIES_TO = "GPOAppliesTo" => Some("gpo_applies_to"),
    CAN_APPLY_GPO = "CanApplyGPO" => Some("can_apply_gpo"),
    CONTAINS = "Contains" => Some("contains"),
    PROPAGATES_ACES_TO = "PropagatesACEsTo" => Some("propagates_aces_to"),
    CONTAINS_IDENTITY = "ContainsIdentity" => Some("contains_identity"),
    DC_FOR = "DCFor" => Some("dc_for"),
    SAME_FOREST_TRUST = "SameForestTrust" => Some("same_forest_trust"),
    SPOOF_SID_HISTORY = "SpoofSIDHistory" => Some("spoof_sid_history"),
    ABUSE_TGT_DELEGATION = "AbuseTGTDelegation" => Some("abuse_tgt_delegation"),
    HAS_TRUST_KEYS = "HasTrustKeys" => Some("has_trust_keys"),
    CROSS_FOREST_TRUST = "CrossForestTrust" => None,
    TRUSTED_BY = "TrustedBy" => None,
    // NTLM relay.
    RELAY_SMB = "CoerceAndRelayNTLMToSMB" => Some("coerce_and_relay_ntlm_to_smb"),
    RELAY_ADCS = "CoerceAndRelayNTLMToADCS" => Some("coerce_and_relay_ntlm_to_adcs"),
    RELAY_LDAP = "CoerceAndRelayNTLMToLDAP" => Some("coerce_and_relay_ntlm_to_ldap"),
    RELAY_LDAPS = "CoerceAndRelayNTLMToLDAPS" => Some("coerce_and_relay_ntlm_to_ldaps"),
    // AD CS.
    ESC1 = "ADCSESC1" => Some("adcs_esc1"),
    ESC3 = "ADCSESC3" => Some("adcs_esc3"),
    ESC4 = "ADCSESC4" => Some("adcs_esc4"),
    ESC6A = "ADCSESC6a" => Some("adcs_esc6a"),
    ESC6B = "ADCSESC6b" => Some("adcs_esc6b"),
    ESC9A = "ADCSESC9a" => Some("adcs_esc9a"),
    ESC9B = "ADCSESC9b" => Some("adcs_esc9b"),
    ESC10A = "ADCSESC10a" => Some("adcs_esc10a"),
    ESC10B = "ADCSESC10b" => Some("adcs_esc10b"),
    ESC13 = "ADCSESC13" => Some("adcs_esc13"),
    GOLDEN_CERT = "GoldenCert" => Some("golden_cert"),
    MANAGE_CA = "ManageCA" => Some("manage_ca"),
    MANAGE_CERTIFICATES = "ManageCertificates" => Some("manage_certificates"),
    // Hybrid identity.
    SYNCED_TO_ENTRA_USER = "SyncedToEntraUser" => Some("synced_to_entra_user"),
    SYNCED_TO_AD_USER = "SyncedToADUser" => Some("synced_to_ad_user"),
    // Active Directory facts read to compute other edges.
    GET_CHANGES = "GetChanges" => None,
    GET_CHANGES_ALL = "GetChangesAll" => None,
    GET_CHANGES_IN_FILTERED_SET = "GetChangesInFilteredSet" => None,
    ENROLL = "Enroll" => None,
    WRITE_PKI_ENROLLMENT_FLAG = "WritePKIEnrollmentFlag" => None,
    WRITE_PKI_NAME_FLAG = "WritePKINameFlag" => None,
    PUBLISHED_TO = "PublishedTo" => None,
    HOSTS_CA_SERVICE = "HostsCAService" => None,
    OID_GROUP_LINK = "OIDGroupLink" => None,
    ENROLL_ON_BEHALF_OF = "EnrollOnBehalfOf" => None,
    DELEGATED_ENROLLMENT_AGENT = "DelegatedEnrollmentAgent" => None,
    TRUSTED_FOR_NTAUTH = "TrustedForNTAuth" => None,
    NTAUTH_STORE_FOR = "NTAuthStoreFor" => None,
    ROOT_CA_FOR = "RootCAFor" => None,
    ENTERPRISE_CA_FOR = "EnterpriseCAFor" => None,
    ISSUED_SIGNED_BY = "IssuedSignedBy" => None,
    EXTENDED_BY_POLICY = "ExtendedByPolicy" => None,
    LOCAL_TO_COMPUTER = "LocalToComputer" => None,
    MEMBER_OF_LOCAL_GROUP = "MemberOfLocalGroup" => None,
    REMOTE_INTERACTIVE_LOGON_RIGHT = "RemoteInteractiveLogonRight" => None,
    OWNS_RAW = "OwnsRaw" => None,
    WRITE_OWNER_RAW = "WriteOwnerRaw" => None,
    PROTECT_ADMIN_GROUPS = "ProtectAdminGroups" => None,
    BACKUP_PRIVILEGE = "BackupPrivilege" => None,
    RESTORE_PRIVILEGE = "RestorePrivilege" => None,
    // Entra ID and Azure resources.
    AZ_GLOBAL_ADMIN = "AZGlobalAdmin" => Some("az_global_admin"),
    AZ_PRIVILEGED_ROLE_ADMIN = "AZPrivilegedRoleAdmin" => Some("az_privileged_role_admin"),
    AZ_PRIVILEGED_AUTH_ADMIN = "AZPrivilegedAuthAdmin" => Some("az_privileged_auth_admin"),
    AZ_ADD_SECRET = "AZAddSecret" => Some("az_add_secret"),
    AZ_ADD_OWNER = "AZAddOwner" => Some("az_add_owner"),
    AZ_ADD_MEMBERS = "AZAddMembers" => Some("az_add_members"),
    AZ_RESET_PASSWORD = "AZResetPassword" => Some("az_reset_password"),
    AZ_APP_ADMIN = "AZAppAdmin" => Some("az_app_admin"),
    AZ_CLOUD_APP_ADMIN = "AZCloudAppAdmin" => Some("az_cloud_app_admin"),
    AZ_OWNS = "AZOwns" => Some("az_owns"),
    AZ_OWNER = "AZOwner" => Some("az_owner"),
    AZ_USER_ACCESS_ADMIN = "AZUserAccessAdministrator" => Some("az_user_access_administrator"),
    AZ_CONTRIBUTOR = "AZContributor" => Some("az_contributor"),
    AZ_VM_CONTRIBUTOR = "AZVMContributor" => Some("az_vm_contributor"),
    AZ_AVERE_CONTRIBUTOR = "AZAvereContributor" => Some("az_avere_contributor"),
    AZ_VM_ADMIN_LOGIN = "AZVMAdminLogin" => Some("az_vm_admin_login"),
    AZ_EXECUTE_COMMAND = "AZExecuteCommand" => Some("az_execute_command"),
    AZ_KEY_VAULT_CONTRIBUTOR = "AZKeyVaultContributor" => Some("az_key_vault_contributor"),
    AZ_KEY_VAULT_KV_CONTRIBUTOR = "AZKeyVaultKVContributor" => Some("az_key_vault_contributor"),
    AZ_GET_SECRETS = "AZGetSecrets" => Some("az_get_secrets"),
    AZ_GET_KEYS = "AZGetKeys" => Some("az_get_keys"),
    AZ_GET_CERTIFICATES = "AZGetCertificates" => Some("az_get_certificates"),
    AZ_GRANT = "AZGrant" => Some("az_grant"),
    AZ_GRANT_SELF = "AZGrantSelf" => Some("az_grant_self"),
    AZ_MG_GRANT_ROLE = "AZMGGrantRole" => Some("az_mg_grant_role"),
    AZ_MG_GRANT_APP_ROLES = "AZMGGrantAppRoles" => Some("az_mg_grant_app_roles"),
    AZ_MG_ADD_SECRET = "AZMGAddSecret" => Some("az_mg_add_secret"),
    AZ_MG_ADD_OWNER = "AZMGAddOwner" => Some("az_mg_add_owner"),
    AZ_MG_ADD_MEMBER = "AZMGAddMember" => Some("az_mg_add_member"),
    AZ_MANAGED_IDENTITY = "AZManagedIdentity" => Some("az_managed_identity"),
    AZ_RUNS_AS = "AZRunsAs" => Some("az_runs_as"),
    AZ_HAS_ROLE = "AZHasRole" => Some("az_has_role"),
    AZ_MEMBER_OF = "AZMemberOf" => Some("member_of"),
    AZ_CONTAINS = "AZContains" => Some("az_contains"),
    AZ_NODE_RESOURCE_GROUP = "AZNodeResourceGroup" => Some("az_node_resource_group"),
    AZ_AKS_CONTRIBUTOR = "AZAKSContributor" => Some("az_aks_contributor"),
    AZ_WEBSITE_CONTRIBUTOR = "AZWebsiteContributor" => Some("az_website_contributor"),
    AZ_LOGIC_APP_CONTRIBUTOR = "AZLogicAppContributor" => Some("az_logic_app_contributor"),
    AZ_AUTOMATION_CONTRIBUTOR = "AZAutomationContributor" => Some("az_automation_contributor"),
    // Entra ID facts read to compute other edges.
    AZ_MG_APP_RW = "AZMGApplication_ReadWrite_All" => None,
    AZ_MG_APP_ROLE_ASSIGNMENT_RW = "AZMGAppRoleAssignment_ReadWrite_All" => None,
    AZ_MG_DIRECTORY_RW = "AZMGDirectory_ReadWrite_All" => None,
    AZ_MG_GROUP_RW = "AZMGGroup_ReadWrite_All" => None,
    AZ_MG_GROUP_MEMBER_RW = "AZMGGroupMember_ReadWrite_All" => None,
    AZ_MG_ROLE_MANAGEMENT_RW = "AZMGRoleManagement_ReadWrite_Directory" => None,
    AZ_MG_SP_ENDPOINT_RW = "AZMGServicePrincipalEndpoint_ReadWrite_All" => None,
    AZ_SCOPED_TO = "AZScopedTo" => None,
    AZ_ROLE_ELIGIBLE = "AZRoleEligible" => None,
    AZ_ROLE_APPROVER = "AZRoleApprover" => None,
}

static BY_NAME: LazyLock<HashMap<String, K>> =
    LazyLock::new(|| EDGE_KINDS.iter().enumerate().map(|(i, k)| (k.bh.to_ascii_lowercase(), K(i as u16))).collect());

impl K {
    /// The kind BloodHound calls `name` (case-insensitive), if the importer knows it.
    pub fn parse(name: &str) -> Option<K> {
        BY_NAME.get(&name.to_ascii_lowercase()).copied()
    }
    pub fn info(self) -> &'static EdgeKindInfo {
        &EDGE_KINDS[self.0 as usize]
    }
    pub fn bh(self) -> &'static str {
        self.info().bh
    }
    /// The riskpath edge kind, or `None` for a fact used only to compute other edges.
    pub fn riskpath(self) -> Option<&'static str> {
        self.info().riskpath
    }
}

/// A BloodHound node label and the riskpath node kind it becomes.
pub fn node_kind(label: &str) -> &'static str {
    match label {
        "User" => "user",
        "Computer" => "computer",
        "Group" | "ADLocalGroup" => "group",
        "Domain" => "domain",
        "OU" => "ou",
        "GPO" => "gpo",
        "Container" | "NTAuthStore" | "IssuancePolicy" => "container",
        "CertTemplate" => "cert_template",
        "EnterpriseCA" | "RootCA" | "AIACA" => "certificate_authority",
        "AZUser" => "user",
        "AZGroup" => "group",
        "AZTenant" => "tenant",
        "AZSubscription" => "subscription",
        "AZResourceGroup" => "resource_group",
        "AZManagementGroup" => "management_group",
        "AZServicePrincipal" => "service_principal",
        "AZApp" => "application",
        "AZRole" => "role",
        "AZDevice" => "device",
        "AZVM" | "AZVMScaleSet" => "host",
        "AZKeyVault" => "key_vault",
        "AZManagedCluster" => "cluster",
        "AZFunctionApp" | "AZLogicApp" => "workload",
        "AZWebApp" | "AZAutomationAccount" | "AZContainerRegistry" => "service",
        _ => "identity",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mapped_kind_is_in_the_knowledge_base_and_names_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for k in EDGE_KINDS {
            assert!(seen.insert(k.bh.to_ascii_lowercase()), "{} twice", k.bh);
            if let Some(rp) = k.riskpath {
                assert!(riskpath_model::kb::edge_kind(rp).is_some(), "{} -> {rp} is not a kb edge kind", k.bh);
            }
        }
        assert_eq!(K::parse("genericall"), Some(GENERIC_ALL));
        assert_eq!(GENERIC_ALL.bh(), "GenericAll");
        assert_eq!(AZ_ROLE_APPROVER.bh(), "AZRoleApprover");
        for label in ["User", "AZKeyVault", "Base", "GHRepository"] {
            assert!(riskpath_model::kb::NODE_KINDS.contains(&node_kind(label)), "{label}");
        }
    }

    #[test]
    fn docs_list_every_mapping() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/bloodhound.md");
        let docs = std::fs::read_to_string(path).unwrap();
        for k in EDGE_KINDS {
            let line = match k.riskpath {
                Some(rp) => format!("| {} | `{rp}` |", k.bh),
                None => format!(" {},", k.bh),
            };
            assert!(docs.contains(&line) || docs.contains(&format!(" {}.", k.bh)), "docs/bloodhound.md lacks {line}");
        }
    }
}
