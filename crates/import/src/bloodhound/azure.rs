//! AzureHound output (`{"kind": "AZUser", "data": {…}}` items) into the import graph, and
//! BloodHound's Azure post-processing: Entra roles and Graph application permissions become the
//! edges they grant (Global Admin, password resets, secrets on apps, group membership, …).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::Value;

use super::ad::norm;
use super::graph::{Graph, Ix, Node, RawEdge, Source};
use super::kinds::{self, K};

/// Entra role template ids (Microsoft's built-in role definitions).
pub mod roles {
    pub const GLOBAL_ADMIN: &str = "62E90394-69F5-4237-9190-012177145E10";
    pub const PRIVILEGED_ROLE_ADMIN: &str = "E8611AB8-C189-46E8-94E1-60213AB1F814";
    pub const PRIVILEGED_AUTH_ADMIN: &str = "7BE44C8A-ADAF-4E2A-84D6-AB2649E08A13";
    pub const APP_ADMIN: &str = "9B895D92-2CD3-44C7-9D02-A6AC2D5EA5C3";
    pub const CLOUD_APP_ADMIN: &str = "158C047A-C907-4556-B7EF-446551A6B5F7";
    pub const HELPDESK_ADMIN: &str = "729827E3-9C14-49F7-BB1B-9608F156BBB8";
    pub const PASSWORD_ADMIN: &str = "966707D0-3269-4727-9BE2-8C3A10F19B9D";
    pub const USER_ADMIN: &str = "FE930BE7-5E62-47DB-91AF-98C3A49A38B1";
    pub const AUTH_ADMIN: &str = "C4E39BD9-1100-46D3-8C65-FB160DA0071F";
    pub const GROUPS_ADMIN: &str = "FDD7A751-B60B-444A-984C-02652FE8FA1C";
    pub const INTUNE_ADMIN: &str = "3A2C62DB-5318-420D-8D74-23AFFEE5D9D5";
    pub const HYBRID_IDENTITY_ADMIN: &str = "8AC3FC64-6ECA-42EA-9E69-59F4C7B60EB2";
    pub const PARTNER_TIER1: &str = "4BA39CA4-527C-499A-B93D-D9B492C50246";
    pub const PARTNER_TIER2: &str = "E00E864A-17C5-4A4B-9C06-F5B95A8D5BD8";
    pub const DIRECTORY_WRITERS: &str = "9360FEB5-F418-4BAA-8175-E2A00BAC4301";
    pub const DIRECTORY_SYNC: &str = "D29B2B05-8046-44BA-8758-1E26182FCF32";
    pub const IDENTITY_GOVERNANCE_ADMIN: &str = "45D8D3C5-C802-45C6-B32A-1D70B5E1E86E";
    pub const KNOWLEDGE_ADMIN: &str = "B5A8DCF3-09D5-43A9-A639-8E29EF291470";
    pub const KNOWLEDGE_MANAGER: &str = "744EC460-397E-42AD-A462-8B3F9747A02C";
    // Roles a helpdesk-level administrator may still reset (besides users without a role).
    pub const REPORTS_READER: &str = "4A5D8F65-41DA-4DE4-8968-E035B65339CF";
    pub const MESSAGE_CENTER_READER: &str = "790C1FB9-7F7D-4F88-86A1-EF1F95C05C1B";
    pub const GUEST_INVITER: &str = "95E79109-95C0-4D8E-AEE3-D01ACCF2D47B";
    pub const DIRECTORY_READERS: &str = "88D8E3E3-8F55-4A1E-953A-9B9898B8876B";
    pub const USAGE_SUMMARY_READER: &str = "75934031-6C7E-415A-99D7-48DBD49E875E";
}

/// Azure RBAC role definition ids and the edge each grants on the resource it is assigned at.
const RBAC: &[(&str, K)] = &[
    ("8E3AF657-A8FF-443C-A75C-2FE8C4BCB635", kinds::AZ_OWNER),
    ("B24988AC-6180-42A0-AB88-20F7382DD24C", kinds::AZ_CONTRIBUTOR),
    ("18D7D88D-D35E-4FB5-A5C3-7773C20A72D9", kinds::AZ_USER_ACCESS_ADMIN),
    ("9980E02C-C2BE-4D73-94E8-173B1DC7CF3C", kinds::AZ_VM_CONTRIBUTOR),
    ("4F8FAB4F-1852-4A58-A46A-8EAF358AF14A", kinds::AZ_AVERE_CONTRIBUTOR),
    ("1C0163C0-47E6-4577-8991-EA5C82E286E4", kinds::AZ_VM_ADMIN_LOGIN),
    ("F25E0FA2-A7C8-4377-A976-54943A77A395", kinds::AZ_KEY_VAULT_CONTRIBUTOR),
    ("DE139F84-1756-47AE-9BE6-808FBBE84772", kinds::AZ_WEBSITE_CONTRIBUTOR),
    ("87A39D53-FC1B-424A-814C-F7E04687DC9E", kinds::AZ_LOGIC_APP_CONTRIBUTOR),
    ("F353D9BD-D4A6-484E-A77A-8050B599B867", kinds::AZ_AUTOMATION_CONTRIBUTOR),
    ("ED7F3FBD-7B88-4DD4-9017-9ADB7CE333F8", kinds::AZ_AKS_CONTRIBUTOR),
];

/// Microsoft Graph application permissions (app role ids) BloodHound follows.
const GRAPH_PERMISSIONS: &[(&str, K)] = &[
    ("1BFEFB4E-E0B5-418B-A88F-73C46D2CC8E9", kinds::AZ_MG_APP_RW),
    ("06B708A9-E830-4DB3-A914-8E69DA51D44F", kinds::AZ_MG_APP_ROLE_ASSIGNMENT_RW),
    ("19DBC75E-C2E2-444C-A770-EC69D8559FC7", kinds::AZ_MG_DIRECTORY_RW),
    ("62A82D76-70EA-41E2-9197-370581804D09", kinds::AZ_MG_GROUP_RW),
    ("DBAAE8CF-10B5-4B86-A4A1-F871C94C6695", kinds::AZ_MG_GROUP_MEMBER_RW),
    ("9E3F62CF-CA93-4989-B6CE-BF83C28F9FE8", kinds::AZ_MG_ROLE_MANAGEMENT_RW),
    ("89C8469C-83AD-45F7-8FF2-6E3D4285709E", kinds::AZ_MG_SP_ENDPOINT_RW),
];

/// AzureHound kinds whose facts the importer reads through another kind, or does not model; they
/// are counted by name in the report.
const NOT_MODELLED: &[&str] = &[
    "AZAppMember",
    "AZFederatedIdentityCredential",
    "AZKeyVaultOwner",
    "AZKeyVaultContributor",
    "AZKeyVaultKVContributor",
    "AZKeyVaultUserAccessAdmin",
    "AZManagementGroupDescendant",
    "AZManagementGroupOwner",
    "AZManagementGroupContributor",
    "AZManagementGroupUserAccessAdmin",
    "AZResourceGroupOwner",
    "AZResourceGroupContributor",
    "AZResourceGroupUserAccessAdmin",
    "AZSubscriptionOwner",
    "AZSubscriptionContributor",
    "AZSubscriptionUserAccessAdmin",
    "AZVMAdminLogin",
    "AZVMAvereContributor",
    "AZVMContributor",
    "AZVMOwner",
    "AZVMUserAccessAdmin",
    "AZVMVMContributor",
    "AZStorageAccount",
    "AZStorageAccountRoleAssignment",
    "AZStorageContainer",
    "AZRoleEligibilityScheduleInstance",
    "AZRoleManagementPolicyAssignment",
];

/// What reading AzureHound files collects besides the nodes.
#[derive(Debug, Default)]
pub struct AzureData {
    pub raw: Vec<RawEdge>,
    /// Role node id → role template id.
    pub role_templates: HashMap<String, String>,
    /// Groups that can be assigned Entra roles (protected from group administrators).
    pub role_assignable: HashSet<String>,
    /// App registration id (appId) → service principal ids running as it.
    pub runs_as: BTreeMap<String, Vec<String>>,
    /// Kinds read but not modelled (or read through another kind), with their count.
    pub skipped: BTreeMap<String, usize>,
    /// Items of kinds the importer does not know at all.
    pub unmapped: BTreeMap<String, usize>,
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// BloodHound's node label for a Microsoft Graph `@odata.type`.
fn odata_label(v: &Value) -> &'static str {
    match s(v, "@odata.type").trim_start_matches("#microsoft.graph.") {
        "user" => "AZUser",
        "group" => "AZGroup",
        "servicePrincipal" => "AZServicePrincipal",
        "device" => "AZDevice",
        "application" => "AZApp",
        _ => "AZBase",
    }
}

impl AzureData {
    /// Reads one AzureHound item into `graph`.
    pub fn read(&mut self, graph: &mut Graph, kind: &str, data: &Value, origin: String) {
        match kind {
            "AZTenant" => self.tenant(graph, data, origin),
            "AZUser" | "AZGroup" | "AZServicePrincipal" | "AZApp" | "AZDevice" | "AZRole" => {
                self.directory_object(graph, kind, data, origin)
            }
            "AZSubscription"
            | "AZResourceGroup"
            | "AZManagementGroup"
            | "AZVM"
            | "AZKeyVault"
            | "AZFunctionApp"
            | "AZWebApp"
            | "AZLogicApp"
            | "AZAutomationAccount"
            | "AZContainerRegistry"
            | "AZManagedCluster"
            | "AZVMScaleSet" => self.resource(graph, kind, data, origin),
            "AZGroupMember" => self.members(data, "groupId", "members", "member", "AZGroup", kinds::AZ_MEMBER_OF),
            "AZGroupOwner" => self.members(data, "groupId", "owners", "owner", "AZGroup", kinds::AZ_OWNS),
            "AZAppOwner" => self.members(data, "appId", "owners", "owner", "AZApp", kinds::AZ_OWNS),
            "AZServicePrincipalOwner" => {
                self.members(data, "servicePrincipalId", "owners", "owner", "AZServicePrincipal", kinds::AZ_OWNS)
            }
            "AZRoleAssignment" => self.role_assignments(data),
            "AZAppRoleAssignment" => self.app_role_assignment(data),
            "AZKeyVaultAccessPolicy" => self.access_policy(data),
            k if k.ends_with("RoleAssignment") => self.rbac_assignments(data),
            k if NOT_MODELLED.contains(&k) => *self.skipped.entry(k.to_string()).or_default() += 1,
            k => *self.unmapped.entry(format!("AzureHound kind {k}")).or_default() += 1,
        }
    }

    fn edge(&mut self, from: &str, from_label: &str, to: &str, to_label: &str, kind: K) {
        let (from, to) = (norm(from), norm(to));
        if from.is_empty() || to.is_empty() {
            return;
        }
        self.raw.push(RawEdge {
            from,
            from_label: from_label.into(),
            to,
            to_label: to_label.into(),
            kind,
            inherited: false,
        });
    }

    fn tenant(&mut self, graph: &mut Graph, data: &Value, origin: String) {
        let id = norm(if s(data, "tenantId").is_empty() { s(data, "id") } else { s(data, "tenantId") });
        let id = id.trim_start_matches("/TENANTS/").to_string();
        let name = s(data, "displayName").to_ascii_uppercase();
        let domain = s(data, "defaultDomain").to_ascii_uppercase();
        let node = Node {
            id: id.clone(),
            label: "AZTenant".into(),
            name: if name.is_empty() { domain.clone() } else { name },
            domain_sid: id,
            domain,
            source: Some(Source::Azure),
            origin,
            ..Node::default()
        };
        graph.add_object(node);
    }

    fn directory_object(&mut self, graph: &mut Graph, kind: &str, data: &Value, origin: String) {
        let tenant = norm(s(data, "tenantId"));
        let (id, name) = match kind {
            "AZRole" => {
                let template = norm(s(data, "templateId"));
                let id = format!("{template}@{tenant}");
                self.role_templates.insert(id.clone(), template);
                (id, s(data, "displayName").to_string())
            }
            "AZApp" => (norm(s(data, "appId")), s(data, "displayName").to_string()),
            "AZUser" => (norm(s(data, "id")), s(data, "userPrincipalName").to_string()),
            _ => (norm(s(data, "id")), s(data, "displayName").to_string()),
        };
        if id.is_empty() || id.starts_with('@') {
            *self.unmapped.entry(format!("{kind} without id")).or_default() += 1;
            return;
        }
        let tenant_name = s(data, "tenantName");
        // BloodHound's names: users by UPN, apps at their publisher domain, others at the tenant.
        let name = match kind {
            "AZUser" => name,
            "AZApp" if !s(data, "publisherDomain").is_empty() => format!("{name}@{}", s(data, "publisherDomain")),
            _ if !tenant_name.is_empty() => format!("{name}@{tenant_name}"),
            _ => name,
        };
        if kind == "AZGroup" && data.get("isAssignableToRole").and_then(Value::as_bool) == Some(true) {
            self.role_assignable.insert(id.clone());
        }
        if kind == "AZServicePrincipal" && !s(data, "appId").is_empty() {
            self.runs_as.entry(norm(s(data, "appId"))).or_default().push(id.clone());
        }
        let on_prem = norm(s(data, "onPremisesSecurityIdentifier"));
        if kind == "AZUser" && !on_prem.is_empty() {
            self.edge(&on_prem, "User", &id, "AZUser", kinds::SYNCED_TO_ENTRA_USER);
            self.edge(&id, "AZUser", &on_prem, "User", kinds::SYNCED_TO_AD_USER);
        }
        self.edge(&tenant, "AZTenant", &id, kind, kinds::AZ_CONTAINS);
        graph.add_object(Node {
            id,
            label: kind.to_string(),
            name: name.to_ascii_uppercase(),
            domain_sid: tenant,
            domain: tenant_name.to_ascii_uppercase(),
            enabled: data.get("accountEnabled").and_then(Value::as_bool),
            os: s(data, "operatingSystem").to_string(),
            source: Some(Source::Azure),
            origin,
            ..Node::default()
        });
    }

    /// An Azure resource: contained by its resource group, subscription or tenant; its managed
    /// identities are service principals it can act as.
    fn resource(&mut self, graph: &mut Graph, kind: &str, data: &Value, origin: String) {
        let id = norm(s(data, "id"));
        if id.is_empty() {
            *self.unmapped.entry(format!("{kind} without id")).or_default() += 1;
            return;
        }
        let tenant = norm(s(data, "tenantId"));
        let name = [s(data, "displayName"), s(data, "name")].into_iter().find(|n| !n.is_empty()).unwrap_or("");
        let name = data.pointer("/properties/displayName").and_then(Value::as_str).unwrap_or(name);
        let parent = match kind {
            "AZResourceGroup" => format!("/SUBSCRIPTIONS/{}", norm(s(data, "subscriptionId"))),
            "AZSubscription" | "AZManagementGroup" => tenant.clone(),
            _ => {
                let rg = [s(data, "resourceGroupId"), s(data, "resourceGroup")].into_iter().find(|r| !r.is_empty());
                rg.map(norm).unwrap_or_else(|| resource_group_of(&id))
            }
        };
        let parent_label = match kind {
            "AZResourceGroup" => "AZSubscription",
            "AZSubscription" | "AZManagementGroup" => "AZTenant",
            _ => "AZResourceGroup",
        };
        if !parent.is_empty() && parent != "/SUBSCRIPTIONS/" {
            self.edge(&parent, parent_label, &id, kind, kinds::AZ_CONTAINS);
        }
        for principal in identities(data) {
            self.edge(&id, kind, &principal, "AZServicePrincipal", kinds::AZ_MANAGED_IDENTITY);
        }
        graph.add_object(Node {
            id,
            label: kind.to_string(),
            name: name.to_ascii_uppercase(),
            domain_sid: tenant,
            source: Some(Source::Azure),
            origin,
            ..Node::default()
        });
    }

    /// Group members and owners of groups, apps and service principals.
    fn members(&mut self, data: &Value, id_key: &str, list: &str, item: &str, target_label: &str, kind: K) {
        let target = s(data, id_key).to_string();
        for entry in data.get(list).and_then(Value::as_array).into_iter().flatten() {
            let Some(member) = entry.get(item) else { continue };
            self.edge(s(member, "id"), odata_label(member), &target, target_label, kind);
        }
    }

    /// Entra role assignments at tenant scope: the principal holds the role.
    fn role_assignments(&mut self, data: &Value) {
        let tenant = norm(s(data, "tenantId"));
        for a in data.get("roleAssignments").and_then(Value::as_array).into_iter().flatten() {
            let scope = s(a, "directoryScopeId");
            if !(scope.is_empty() || scope == "/") {
                *self
                    .skipped
                    .entry("AZRoleAssignment scoped to an administrative unit or object".into())
                    .or_default() += 1;
                continue;
            }
            let role = format!("{}@{tenant}", norm(s(a, "roleDefinitionId")));
            let label = a.get("principal").map_or("AZBase", odata_label);
            self.edge(s(a, "principalId"), label, &role, "AZRole", kinds::AZ_HAS_ROLE);
        }
    }

    fn app_role_assignment(&mut self, data: &Value) {
        let role = norm(s(data, "appRoleId"));
        match GRAPH_PERMISSIONS.iter().find(|(id, _)| *id == role) {
            Some((_, kind)) => self.edge(
                s(data, "principalId"),
                "AZServicePrincipal",
                s(data, "resourceId"),
                "AZServicePrincipal",
                *kind,
            ),
            None => {
                *self
                    .skipped
                    .entry("AZAppRoleAssignment of a permission BloodHound does not follow".into())
                    .or_default() += 1
            }
        }
    }

    fn access_policy(&mut self, data: &Value) {
        let vault = s(data, "keyVaultId").to_string();
        let Some(policy) = data.get("accessPolicy") else { return };
        let principal = s(policy, "objectId").to_string();
        for (list, kind) in [
            ("secrets", kinds::AZ_GET_SECRETS),
            ("keys", kinds::AZ_GET_KEYS),
            ("certificates", kinds::AZ_GET_CERTIFICATES),
        ] {
            let granted =
                policy.pointer(&format!("/permissions/{list}")).and_then(Value::as_array).into_iter().flatten();
            if granted.filter_map(Value::as_str).any(|p| p.eq_ignore_ascii_case("get") || p == "all") {
                self.edge(&principal, "AZBase", &vault, "AZKeyVault", kind);
            }
        }
    }

    /// Azure RBAC assignments on a resource, taken at the scope they are made at (inherited ones
    /// are reached through AZContains from the scope above).
    fn rbac_assignments(&mut self, data: &Value) {
        let resource = norm(s(data, "objectId"));
        for a in data.get("assignees").and_then(Value::as_array).into_iter().flatten() {
            let Some(props) = a.pointer("/assignee/properties") else { continue };
            if !norm(s(props, "scope")).eq(&resource) {
                continue;
            }
            let definition = norm(s(props, "roleDefinitionId"));
            let role = definition.rsplit('/').next().unwrap_or("");
            if let Some((_, kind)) = RBAC.iter().find(|(id, _)| *id == role) {
                self.edge(s(props, "principalId"), "AZBase", &resource, "AZBase", *kind);
            }
        }
    }
}

/// The resource group id in a resource id (`/subscriptions/s/resourceGroups/rg/providers/…`).
fn resource_group_of(id: &str) -> String {
    let parts: Vec<&str> = id.split('/').collect();
    match parts.iter().position(|p| p.eq_ignore_ascii_case("RESOURCEGROUPS")) {
        Some(i) if i + 1 < parts.len() => parts[..i + 2].join("/"),
        _ => String::new(),
    }
}

/// The principal ids of a resource's system- and user-assigned managed identities.
fn identities(data: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(id) = data.get("identity") {
        if !s(id, "principalId").is_empty() {
            out.push(s(id, "principalId").to_string());
        }
        if let Some(Value::Object(user)) = id.get("userAssignedIdentities") {
            out.extend(user.values().map(|u| s(u, "principalId").to_string()).filter(|p| !p.is_empty()));
        }
    }
    out
}

/// Resolves the raw edges and adds the app-to-principal `AZRunsAs` edges.
pub fn resolve(graph: &mut Graph, data: &AzureData) {
    for raw in &data.raw {
        graph.resolve(raw, &Source::Azure);
    }
    for (app, principals) in &data.runs_as {
        let Some(app) = graph.ix(app) else { continue };
        for p in principals {
            if let Some(p) = graph.ix(p) {
                graph.add(app, p, kinds::AZ_RUNS_AS, false);
            }
        }
    }
}

/// The tenant's objects by label.
struct Tenant {
    ix: Ix,
    by_label: BTreeMap<String, Vec<Ix>>,
}

/// BloodHound's Azure post-processing, with the role node as the source of what the role grants
/// (its holders reach it through AZHasRole). Returns the number of edges added.
pub fn post(graph: &mut Graph, data: &AzureData) -> usize {
    let tenants = tenants(graph);
    let roles_of = roles_of_principals(graph, data);
    let mut out: BTreeSet<(Ix, Ix, K)> = BTreeSet::new();
    let role_nodes: BTreeMap<Ix, String> =
        data.role_templates.iter().filter_map(|(id, t)| graph.ix(id).map(|ix| (ix, t.clone()))).collect();
    for (role, template) in &role_nodes {
        let Some(t) = tenants.get(&graph.node(*role).domain_sid) else { continue };
        role_grants(graph, data, *role, template, t, &roles_of, &mut out);
    }
    graph_permissions(graph, data, &tenants, &mut out);
    let added = out.len();
    for (from, to, kind) in out {
        graph.add(from, to, kind, false);
    }
    added
}

fn tenants(graph: &Graph) -> HashMap<String, Tenant> {
    let mut out: HashMap<String, Tenant> = HashMap::new();
    for (ix, n) in graph.nodes.iter().enumerate() {
        if n.label == "AZTenant" {
            out.insert(n.id.clone(), Tenant { ix: ix as Ix, by_label: BTreeMap::new() });
        }
    }
    for (ix, n) in graph.nodes.iter().enumerate() {
        if let Some(t) = out.get_mut(&n.domain_sid).filter(|_| n.label.starts_with("AZ")) {
            t.by_label.entry(n.label.clone()).or_default().push(ix as Ix);
        }
    }
    out
}

/// The role templates each principal holds, directly or through a (role-assignable) group it is
/// a member of: an administrator's password is out of a helpdesk role's reach either way.
fn roles_of_principals(graph: &Graph, data: &AzureData) -> HashMap<Ix, BTreeSet<String>> {
    let mut out: HashMap<Ix, BTreeSet<String>> = HashMap::new();
    for e in graph.edges_of(kinds::AZ_HAS_ROLE) {
        if let Some(t) = data.role_templates.get(&graph.node(e.to).id) {
            out.entry(e.from).or_default().insert(t.clone());
        }
    }
    for e in graph.edges_of(kinds::AZ_MEMBER_OF) {
        if let Some(roles) = out.get(&e.to).cloned() {
            out.entry(e.from).or_default().extend(roles);
        }
    }
    out
}

fn role_grants(
    graph: &Graph,
    data: &AzureData,
    role: Ix,
    template: &str,
    t: &Tenant,
    roles_of: &HashMap<Ix, BTreeSet<String>>,
    out: &mut BTreeSet<(Ix, Ix, K)>,
) {
    use roles::*;
    let all = |label: &str| t.by_label.get(label).cloned().unwrap_or_default();
    let mut to = |targets: Vec<Ix>, kind: K| out.extend(targets.into_iter().map(|x| (role, x, kind)));
    match template {
        GLOBAL_ADMIN => to(vec![t.ix], kinds::AZ_GLOBAL_ADMIN),
        PRIVILEGED_ROLE_ADMIN => to(vec![t.ix], kinds::AZ_PRIVILEGED_ROLE_ADMIN),
        PRIVILEGED_AUTH_ADMIN => to(vec![t.ix], kinds::AZ_PRIVILEGED_AUTH_ADMIN),
        APP_ADMIN | CLOUD_APP_ADMIN => to([all("AZApp"), all("AZServicePrincipal")].concat(), kinds::AZ_ADD_SECRET),
        HYBRID_IDENTITY_ADMIN | DIRECTORY_SYNC => {
            to([all("AZApp"), all("AZServicePrincipal")].concat(), kinds::AZ_ADD_OWNER)
        }
        INTUNE_ADMIN => {
            let windows =
                all("AZDevice").into_iter().filter(|d| graph.node(*d).os.to_ascii_lowercase().contains("windows"));
            to(windows.collect(), kinds::AZ_EXECUTE_COMMAND)
        }
        _ => {}
    }
    if let Some(allowed) = reset_targets(template) {
        let users = all("AZUser").into_iter().filter(|u| {
            let held = roles_of.get(u);
            allowed.is_none() || held.is_none_or(|h| h.iter().all(|r| allowed.unwrap().contains(&r.as_str())))
        });
        to(users.collect(), kinds::AZ_RESET_PASSWORD);
    }
    if matches!(template, PARTNER_TIER1 | PARTNER_TIER2) {
        to([all("AZApp"), all("AZServicePrincipal")].concat(), kinds::AZ_ADD_OWNER);
    }
    let groups_any = matches!(template, GLOBAL_ADMIN | PRIVILEGED_ROLE_ADMIN);
    let groups_plain = matches!(
        template,
        GROUPS_ADMIN
            | DIRECTORY_WRITERS
            | IDENTITY_GOVERNANCE_ADMIN
            | USER_ADMIN
            | INTUNE_ADMIN
            | KNOWLEDGE_ADMIN
            | KNOWLEDGE_MANAGER
    );
    if groups_any || groups_plain {
        let groups =
            all("AZGroup").into_iter().filter(|g| groups_any || !data.role_assignable.contains(&graph.node(*g).id));
        to(groups.collect(), kinds::AZ_ADD_MEMBERS);
    }
}

/// Which users a role may reset passwords of: `Some(None)` for all, `Some(Some(roles))` for users
/// who hold no role or only these, `None` when the role cannot reset passwords.
fn reset_targets(template: &str) -> Option<Option<&'static [&'static str]>> {
    use roles::*;
    const HELPDESK: &[&str] = &[
        REPORTS_READER,
        MESSAGE_CENTER_READER,
        HELPDESK_ADMIN,
        GUEST_INVITER,
        DIRECTORY_READERS,
        PASSWORD_ADMIN,
        USAGE_SUMMARY_READER,
    ];
    const AUTH: &[&str] = &[
        AUTH_ADMIN,
        REPORTS_READER,
        MESSAGE_CENTER_READER,
        GUEST_INVITER,
        DIRECTORY_READERS,
        PASSWORD_ADMIN,
        USAGE_SUMMARY_READER,
    ];
    const USER: &[&str] = &[
        USER_ADMIN,
        REPORTS_READER,
        MESSAGE_CENTER_READER,
        HELPDESK_ADMIN,
        GUEST_INVITER,
        DIRECTORY_READERS,
        PASSWORD_ADMIN,
        USAGE_SUMMARY_READER,
        GROUPS_ADMIN,
    ];
    const PASSWORD: &[&str] = &[PASSWORD_ADMIN, GUEST_INVITER, DIRECTORY_READERS];
    match template {
        GLOBAL_ADMIN | PRIVILEGED_AUTH_ADMIN | PARTNER_TIER2 => Some(None),
        HELPDESK_ADMIN | PARTNER_TIER1 => Some(Some(HELPDESK)),
        AUTH_ADMIN => Some(Some(AUTH)),
        USER_ADMIN => Some(Some(USER)),
        PASSWORD_ADMIN => Some(Some(PASSWORD)),
        _ => None,
    }
}

/// Service principals holding Graph application permissions get what the permission allows.
fn graph_permissions(
    graph: &Graph,
    data: &AzureData,
    tenants: &HashMap<String, Tenant>,
    out: &mut BTreeSet<(Ix, Ix, K)>,
) {
    let permissions = [
        kinds::AZ_MG_APP_RW,
        kinds::AZ_MG_APP_ROLE_ASSIGNMENT_RW,
        kinds::AZ_MG_DIRECTORY_RW,
        kinds::AZ_MG_GROUP_RW,
        kinds::AZ_MG_GROUP_MEMBER_RW,
        kinds::AZ_MG_ROLE_MANAGEMENT_RW,
        kinds::AZ_MG_SP_ENDPOINT_RW,
    ];
    for e in graph.edges().into_iter().filter(|e| permissions.contains(&e.kind)) {
        let Some(t) = tenants.get(&graph.node(e.from).domain_sid).or_else(|| tenants.get(&graph.node(e.to).domain_sid))
        else {
            continue;
        };
        let all = |label: &str| t.by_label.get(label).cloned().unwrap_or_default();
        let plain_groups: Vec<Ix> =
            all("AZGroup").into_iter().filter(|g| !data.role_assignable.contains(&graph.node(*g).id)).collect();
        let apps_and_sps = [all("AZApp"), all("AZServicePrincipal")].concat();
        let grants: Vec<(Vec<Ix>, K)> = match e.kind {
            k if k == kinds::AZ_MG_APP_RW => {
                vec![(apps_and_sps.clone(), kinds::AZ_MG_ADD_SECRET), (apps_and_sps, kinds::AZ_MG_ADD_OWNER)]
            }
            k if k == kinds::AZ_MG_APP_ROLE_ASSIGNMENT_RW => vec![(vec![t.ix], kinds::AZ_MG_GRANT_APP_ROLES)],
            k if k == kinds::AZ_MG_DIRECTORY_RW || k == kinds::AZ_MG_GROUP_RW => {
                vec![(plain_groups.clone(), kinds::AZ_MG_ADD_MEMBER), (plain_groups, kinds::AZ_MG_ADD_OWNER)]
            }
            k if k == kinds::AZ_MG_GROUP_MEMBER_RW => vec![(plain_groups, kinds::AZ_MG_ADD_MEMBER)],
            k if k == kinds::AZ_MG_ROLE_MANAGEMENT_RW => vec![(vec![t.ix], kinds::AZ_MG_GRANT_ROLE)],
            _ => vec![(all("AZServicePrincipal"), kinds::AZ_MG_ADD_OWNER)],
        };
        for (targets, kind) in grants {
            for x in targets {
                out.insert((e.from, x, kind));
            }
        }
    }
}
