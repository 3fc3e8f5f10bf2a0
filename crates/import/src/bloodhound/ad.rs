//! SharpHound objects into the import graph, as BloodHound ingests them: nodes with their facts,
//! and edges by id from ACEs, memberships, containment, sessions, local groups, GPO changes,
//! delegation, trusts and AD CS configuration (resolved once every file is read).

use std::collections::{BTreeMap, HashMap};

use super::adcs::{Adcs, CaInfo, TemplateInfo};
use super::graph::{Flags, Graph, Node, RawEdge, Source};
use super::kinds::{self, K};
use super::sharphound::{Ace, AdObject, Trust, Typed};

/// What reading SharpHound files collects besides the nodes.
#[derive(Debug, Default)]
pub struct AdData {
    pub raw: Vec<RawEdge>,
    pub adcs: Adcs,
    /// Rights and references the importer does not know, by name, with their count.
    pub unmapped: BTreeMap<String, usize>,
    /// Domain SID → FQDN, from every object that names both.
    pub domains: BTreeMap<String, String>,
    /// Names for nodes known only by reference (trusted domains): id → name.
    pub names: Vec<(String, String)>,
    /// Local accounts of computers met in local groups (not domain principals; not imported).
    pub local_accounts: usize,
    /// Objects marked deleted in the collection.
    pub deleted: usize,
}

/// BloodHound's label for the objects of a SharpHound file type.
pub fn label_of(file_type: &str) -> &'static str {
    match file_type {
        "users" => "User",
        "computers" => "Computer",
        "groups" => "Group",
        "domains" => "Domain",
        "gpos" => "GPO",
        "ous" => "OU",
        "containers" => "Container",
        "certtemplates" => "CertTemplate",
        "enterprisecas" => "EnterpriseCA",
        "rootcas" => "RootCA",
        "aiacas" => "AIACA",
        "ntauthstores" => "NTAuthStore",
        "issuancepolicies" => "IssuancePolicy",
        _ => "Base",
    }
}

/// The id form the importer uses everywhere: trimmed, upper case.
pub fn norm(id: &str) -> String {
    id.trim().to_ascii_uppercase()
}

impl AdData {
    /// Reads the objects of one SharpHound file of type `file_type` into `graph`.
    pub fn read(&mut self, graph: &mut Graph, file: &str, file_type: &str, objects: Vec<AdObject>) {
        let label = label_of(file_type);
        for (i, o) in objects.into_iter().enumerate() {
            if file_type == "sessions" {
                self.session(&o.session_computer, &o.session_user);
                continue;
            }
            let id = norm(&o.id);
            if id.is_empty() {
                *self.unmapped.entry(format!("{label} without ObjectIdentifier")).or_default() += 1;
                continue;
            }
            if o.deleted {
                self.deleted += 1;
                graph.deleted.insert(id);
                continue;
            }
            let origin = format!("{file} data[{i}]");
            self.object(graph, label, id, origin, &o);
        }
    }

    fn object(&mut self, graph: &mut Graph, label: &'static str, id: String, origin: String, o: &AdObject) {
        let node = self.node(label, &id, origin, o);
        graph.add_object(node);
        self.aces(&id, label, &o.aces);
        if let Some(parent) = o.contained_by.as_ref().filter(|p| !p.id.is_empty()) {
            self.edge(&parent.id, &parent.kind, &id, label, kinds::CONTAINS);
        }
        for child in &o.children {
            self.edge(&id, label, &child.id, &child.kind, kinds::CONTAINS);
        }
        for m in &o.members {
            self.edge(&m.id, &m.kind, &id, label, kinds::MEMBER_OF);
        }
        if !o.primary_group.is_empty() {
            self.edge(&id, label, &o.primary_group, "Group", kinds::MEMBER_OF);
        }
        self.typed_out(&id, label, &o.allowed_to_delegate, kinds::ALLOWED_TO_DELEGATE);
        self.typed_out(&id, label, &o.sid_history, kinds::HAS_SID_HISTORY);
        self.typed_out(&id, label, &o.dump_smsa, kinds::DUMP_SMSA);
        for actor in &o.allowed_to_act {
            self.edge(&actor.id, &actor.kind, &id, label, kinds::ALLOWED_TO_ACT);
        }
        for t in o.spn_targets.iter().filter(|t| t.service.eq_ignore_ascii_case("SQLAdmin")) {
            self.edge(&id, label, &t.computer, "Computer", kinds::SQL_ADMIN);
        }
        for link in &o.links {
            self.edge(&link.guid, "GPO", &id, label, kinds::GP_LINK);
        }
        match label {
            "Computer" => self.computer(&id, o),
            "User" => self.delegation(&id, label, o),
            "Domain" => self.domain(&id, o),
            "CertTemplate" => {
                self.adcs.templates.insert(id, TemplateInfo::from(&o.props));
            }
            "EnterpriseCA" => self.enterprise_ca(&id, o),
            "RootCA" => self.root_ca(&id, o),
            "AIACA" => {
                self.adcs.aia_thumbprints.insert(id, norm(&o.props.certthumbprint));
            }
            "NTAuthStore" => {
                let domain = norm(if o.domain_sid.is_empty() { &o.props.domainsid } else { &o.domain_sid });
                let prints = o.props.certthumbprints.iter().map(|t| norm(t)).collect();
                self.adcs.ntauth.push((domain, prints));
            }
            "IssuancePolicy" => {
                if !o.group_link.id.is_empty() {
                    self.edge(&id, label, &o.group_link.id, "Group", kinds::OID_GROUP_LINK);
                }
                self.adcs.policy_oids.insert(id, o.props.certtemplateoid.clone());
            }
            _ => {}
        }
        if label == "Domain" || label == "OU" {
            self.gpo_changes(o);
        }
    }

    fn node(&mut self, label: &'static str, id: &str, origin: String, o: &AdObject) -> Node {
        let p = &o.props;
        let domain_sid = norm(if p.domainsid.is_empty() { &o.domain_sid } else { &p.domainsid });
        if !domain_sid.is_empty() && !p.domain.is_empty() {
            self.domains.entry(domain_sid.clone()).or_insert_with(|| p.domain.to_ascii_uppercase());
        }
        if label == "Domain" && !p.name.is_empty() {
            self.domains.insert(id.to_string(), p.name.to_ascii_uppercase());
        }
        let last_logon = p.lastlogontimestamp.max(p.lastlogon).filter(|t| *t > 0);
        let name = [&p.name, &p.displayname, &p.samaccountname].into_iter().find(|s| !s.is_empty());
        Node {
            id: id.to_string(),
            label: label.to_string(),
            name: name.cloned().unwrap_or_default(),
            domain_sid: if label == "Domain" { id.to_string() } else { domain_sid },
            domain: p.domain.to_ascii_uppercase(),
            enabled: p.enabled,
            last_logon,
            flags: Flags {
                placeholder: false,
                acl_protected: o.acl_protected || p.isaclprotected == Some(true),
                is_dc: o.is_dc.or(p.isdc) == Some(true),
                admin_count: p.admincount == Some(true),
                has_spn: p.hasspn == Some(true),
                unconstrained: o.unconstrained.or(p.unconstraineddelegation) == Some(true),
                has_laps: p.haslaps == Some(true),
                managed_account: p.gmsa == Some(true) || p.msa == Some(true),
            },
            source: Some(Source::Ad),
            os: p.operatingsystem.clone(),
            origin,
        }
    }

    /// An edge by ids; the labels are BloodHound's types where the collection gives them.
    fn edge(&mut self, from: &str, from_label: &str, to: &str, to_label: &str, kind: K) {
        let (from, to) = (norm(from), norm(to));
        if from.is_empty() || to.is_empty() {
            *self.unmapped.entry(format!("{} with an empty end", kind.bh())).or_default() += 1;
            return;
        }
        self.raw.push(RawEdge {
            from,
            from_label: from_label.to_string(),
            to,
            to_label: to_label.to_string(),
            kind,
            inherited: false,
        });
    }

    fn typed_out(&mut self, id: &str, label: &str, targets: &[Typed], kind: K) {
        for t in targets {
            self.edge(id, label, &t.id, &t.kind, kind);
        }
    }

    /// The object's ACEs as BloodHound reads them: the owner and WriteOwner holders are held
    /// back until the OWNER RIGHTS (S-1-3-4) entries are known, which may limit them.
    fn aces(&mut self, id: &str, label: &str, aces: &[Ace]) {
        let mut owner: Option<&Ace> = None;
        let mut write_owners: Vec<&Ace> = Vec::new();
        let (mut owner_rights, mut owner_rights_inherited) = (false, false);
        for ace in aces {
            let principal = norm(&ace.principal);
            if principal == id || principal.is_empty() {
                continue;
            }
            let Some(right) = K::parse(&ace.right) else {
                *self.unmapped.entry(format!("ACE right {}", ace.right)).or_default() += 1;
                continue;
            };
            if right == kinds::OWNS || right == kinds::OWNS_RAW {
                owner = Some(ace);
            } else if right == kinds::WRITE_OWNER || right == kinds::WRITE_OWNER_RAW {
                write_owners.push(ace);
            } else if principal.ends_with("S-1-3-4") {
                owner_rights = true;
                owner_rights_inherited |= ace.inherited;
            } else {
                self.ace_edge(ace, id, label, right, ace.inherited);
            }
        }
        let (own, write_own) = match (owner_rights, owner_rights_inherited) {
            (false, _) => (kinds::OWNS, kinds::WRITE_OWNER),
            (true, true) => (kinds::OWNS_LIMITED, kinds::WRITE_OWNER_LIMITED),
            (true, false) => (kinds::OWNS_LIMITED, kinds::WRITE_OWNER),
        };
        if let Some(ace) = owner {
            self.ace_edge(ace, id, label, own, false);
        }
        for ace in write_owners {
            self.ace_edge(ace, id, label, write_own, ace.inherited);
        }
    }

    fn ace_edge(&mut self, ace: &Ace, id: &str, label: &str, right: K, inherited: bool) {
        self.edge(&ace.principal, &ace.principal_kind, id, label, right);
        if let Some(last) = self.raw.last_mut() {
            last.inherited = inherited;
        }
    }

    fn session(&mut self, computer: &str, user: &str) {
        self.edge(computer, "Computer", user, "User", kinds::HAS_SESSION);
    }

    fn delegation(&mut self, id: &str, label: &str, o: &AdObject) {
        let unconstrained = o.unconstrained.or(o.props.unconstraineddelegation) == Some(true);
        let domain = if o.domain_sid.is_empty() { &o.props.domainsid } else { &o.domain_sid };
        let is_dc = o.is_dc.or(o.props.isdc) == Some(true);
        if unconstrained && !is_dc && !domain.is_empty() {
            self.edge(id, label, domain, "Domain", kinds::COERCE_TO_TGT);
        }
    }

    fn computer(&mut self, id: &str, o: &AdObject) {
        for result in [&o.sessions, &o.privileged_sessions, &o.registry_sessions] {
            if result.collected {
                for s in &result.results {
                    self.session(if s.computer.is_empty() { id } else { &s.computer }, &s.user);
                }
            }
        }
        let domain = if o.domain_sid.is_empty() { &o.props.domainsid } else { &o.domain_sid };
        if o.is_dc.or(o.props.isdc) == Some(true) && !domain.is_empty() {
            self.edge(id, "Computer", domain, "Domain", kinds::DC_FOR);
            if o.dc_registry.mapping_methods.collected || o.dc_registry.strong_binding.collected {
                self.adcs
                    .dc_registry
                    .insert(id.to_string(), (o.dc_registry.mapping_methods.value, o.dc_registry.strong_binding.value));
            }
        }
        self.delegation(id, "Computer", o);
        self.local_groups(id, o);
    }

    /// Local group members become AdminTo (RID 544), CanRDP (555, where the logon right allows
    /// it), ExecuteDCOM (562) and CanPSRemote (580) on the computer, as BloodHound's post-processing
    /// does; local accounts are counted, not imported.
    fn local_groups(&mut self, id: &str, o: &AdObject) {
        let ura = o.user_rights.iter().find(|r| r.collected && r.privilege == "SeRemoteInteractiveLogonRight");
        let rdu_allowed = ura.is_none_or(|r| r.holders.iter().any(|h| h.id.ends_with("-555")));
        let ura_holders: Vec<String> = ura.map(|r| r.holders.iter().map(|h| norm(&h.id)).collect()).unwrap_or_default();
        let mut groups: Vec<(&str, &[Typed])> =
            o.local_groups.iter().filter(|g| g.collected).map(|g| (rid(&g.id), g.members.as_slice())).collect();
        for (rid, legacy) in [
            ("544", &o.local_admins),
            ("555", &o.remote_desktop_users),
            ("562", &o.dcom_users),
            ("580", &o.ps_remote_users),
        ] {
            if legacy.collected {
                groups.push((rid, legacy.results.as_slice()));
            }
        }
        for (rid, members) in groups {
            let Some(kind) = local_group_kind(rid) else { continue };
            for m in members {
                if m.kind.starts_with("Local") || m.kind.starts_with("ADLocal") {
                    self.local_accounts += 1;
                    continue;
                }
                if kind == kinds::CAN_RDP && !rdu_allowed && !ura_holders.contains(&norm(&m.id)) {
                    continue;
                }
                self.edge(&m.id, &m.kind, id, "Computer", kind);
            }
        }
    }

    /// Members that GPOs linked to this domain or OU put into local groups of the computers they
    /// apply to.
    fn gpo_changes(&mut self, o: &AdObject) {
        let c = &o.gpo_changes;
        for computer in &c.affected_computers {
            for (members, kind) in [
                (&c.local_admins, kinds::ADMIN_TO),
                (&c.remote_desktop_users, kinds::CAN_RDP),
                (&c.dcom_users, kinds::EXECUTE_DCOM),
                (&c.ps_remote_users, kinds::CAN_PS_REMOTE),
            ] {
                for m in members {
                    self.edge(&m.id, &m.kind, &computer.id, "Computer", kind);
                }
            }
        }
    }

    fn domain(&mut self, id: &str, o: &AdObject) {
        for t in &o.trusts {
            self.trust(id, t);
        }
    }

    /// A trust as BloodHound ingests it: inbound (or two-way) trusts give an edge from the other
    /// domain to this one, outbound an edge from this one; cross-forest trusts add SpoofSIDHistory
    /// where SID filtering is off and AbuseTGTDelegation where TGT delegation is on.
    fn trust(&mut self, id: &str, t: &Trust) {
        let target = norm(&t.target_sid);
        if target.is_empty() {
            return;
        }
        if !t.target_name.is_empty() {
            self.names.push((target.clone(), t.target_name.to_ascii_uppercase()));
            self.domains.entry(target.clone()).or_insert_with(|| t.target_name.to_ascii_uppercase());
        }
        let same_forest = matches!(trust_type(&t.kind), "ParentChild" | "TreeRoot" | "CrossLink");
        let kind = if same_forest { kinds::SAME_FOREST_TRUST } else { kinds::CROSS_FOREST_TRUST };
        let direction = trust_direction(&t.direction);
        if matches!(direction, "Inbound" | "Bidirectional") {
            self.edge(&target, "Domain", id, "Domain", kind);
            if !same_forest && t.tgt_delegation {
                self.edge(&target, "Domain", id, "Domain", kinds::ABUSE_TGT_DELEGATION);
            }
        }
        if matches!(direction, "Outbound" | "Bidirectional") {
            self.edge(id, "Domain", &target, "Domain", kind);
            if !same_forest && !t.sid_filtering {
                self.edge(&target, "Domain", id, "Domain", kinds::SPOOF_SID_HISTORY);
            }
        }
    }

    fn enterprise_ca(&mut self, id: &str, o: &AdObject) {
        for t in &o.enabled_templates {
            self.edge(&t.id, "CertTemplate", id, "EnterpriseCA", kinds::PUBLISHED_TO);
        }
        let host = norm(&o.hosting_computer);
        if !host.is_empty() {
            self.edge(&host, "Computer", id, "EnterpriseCA", kinds::HOSTS_CA_SERVICE);
        }
        // With the CA's own security descriptor collected, CA rights come from it; the object's
        // DACL still counts for everything else (and for the hosting computer).
        if o.ca_registry.security.collected {
            let ca_rights = [kinds::MANAGE_CA, kinds::MANAGE_CERTIFICATES, kinds::ENROLL];
            let from_registry: Vec<Ace> = o
                .ca_registry
                .security
                .aces
                .iter()
                .filter(|a| a.principal_kind != "LocalGroup" && K::parse(&a.right) != Some(kinds::OWNS))
                .cloned()
                .collect();
            let extra: Vec<Ace> = o
                .aces
                .iter()
                .filter(|a| norm(&a.principal) == host || K::parse(&a.right).is_none_or(|k| !ca_rights.contains(&k)))
                .cloned()
                .collect();
            let all: Vec<Ace> = from_registry.into_iter().chain(extra).collect();
            // The object's ACEs were read already in `object`; read only the registry's here.
            self.raw.retain(|e| !(e.to == id && ca_rights.contains(&e.kind)));
            for ace in all.iter().filter(|a| K::parse(&a.right).is_some_and(|k| ca_rights.contains(&k))) {
                self.ace_edge(ace, id, "EnterpriseCA", K::parse(&ace.right).expect("filtered"), ace.inherited);
            }
        }
        let domain = norm(if o.domain_sid.is_empty() { &o.props.domainsid } else { &o.domain_sid });
        let agent_restrictions =
            o.ca_registry.agent_restrictions.collected && !o.ca_registry.agent_restrictions.restrictions.is_empty();
        let san = o.ca_registry.user_specifies_san.value.or(o.props.isuserspecifiessanenabled).unwrap_or(false);
        self.adcs.cas.insert(
            id.to_string(),
            CaInfo {
                domain,
                thumbprint: norm(&o.props.certthumbprint),
                chain: o.props.certchain.iter().map(|c| norm(c)).collect(),
                user_specifies_san: san,
                agent_restrictions,
            },
        );
    }

    fn root_ca(&mut self, id: &str, o: &AdObject) {
        let domain = norm(if o.domain_sid.is_empty() { &o.props.domainsid } else { &o.domain_sid });
        self.adcs.roots.insert(id.to_string(), (domain, norm(&o.props.certthumbprint)));
    }
}

/// The RID a local group's id ends with (`S-1-5-21-…-1104-544` → `544`).
fn rid(id: &str) -> &str {
    id.rsplit('-').next().unwrap_or("")
}

fn local_group_kind(rid: &str) -> Option<K> {
    match rid {
        "544" => Some(kinds::ADMIN_TO),
        "555" => Some(kinds::CAN_RDP),
        "562" => Some(kinds::EXECUTE_DCOM),
        "580" => Some(kinds::CAN_PS_REMOTE),
        _ => None,
    }
}

/// A trust type as schema 6 names it; older collectors write numbers.
fn trust_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::String(s) => match s.as_str() {
            "ParentChild" => "ParentChild",
            "TreeRoot" => "TreeRoot",
            "CrossLink" | "Shortcut" => "CrossLink",
            "Forest" => "Forest",
            "External" => "External",
            _ => "Unknown",
        },
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(0) => "ParentChild",
            Some(1) => "CrossLink",
            Some(2) => "Forest",
            Some(3) => "External",
            _ => "Unknown",
        },
        _ => "Unknown",
    }
}

fn trust_direction(v: &serde_json::Value) -> &'static str {
    let s = match v {
        serde_json::Value::String(s) => s.as_str(),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(1) => "Inbound",
            Some(2) => "Outbound",
            Some(3) => "Bidirectional",
            _ => "Disabled",
        },
        _ => "Disabled",
    };
    match s {
        "Inbound" => "Inbound",
        "Outbound" => "Outbound",
        "Bidirectional" => "Bidirectional",
        _ => "Disabled",
    }
}

/// Every raw edge resolved into `graph` (deleted ends dropped, unknown ends as placeholders),
/// then the names of referenced-only domains filled in.
pub fn resolve(graph: &mut Graph, data: &AdData) {
    for raw in &data.raw {
        graph.resolve(raw, &Source::Ad);
    }
    let names: HashMap<&str, &str> = data.names.iter().map(|(i, n)| (i.as_str(), n.as_str())).collect();
    for node in graph.nodes.iter_mut().filter(|n| n.name.is_empty()) {
        if let Some(name) = names.get(node.id.as_str()) {
            node.name = name.to_string();
        } else if let Some(name) = data.domains.get(&node.id).filter(|_| node.label == "Domain") {
            node.name = name.clone();
        }
    }
}
