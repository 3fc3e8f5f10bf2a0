//! The BloodHound import against an oracle written here from BloodHound's documented semantics:
//! for every principal of the public sample collections (SharpHound v6 with AD CS, and v5), the
//! nodes it reaches in the imported model are those a reference BFS reaches over BloodHound's
//! traversable edges, computed from the raw JSON without the importer's code.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};

use riskpath_import::bloodhound::{self, ModelKeys};
use serde_json::Value;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bloodhound").join(rel)
}

/// The documents of a zip or a folder: (meta.type, data items).
fn documents(path: &Path) -> Vec<(String, Vec<Value>)> {
    let mut texts = Vec::new();
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files.into_iter().filter(|f| f.extension().is_some_and(|e| e == "json")) {
            texts.push(std::fs::read_to_string(f).unwrap());
        }
    } else {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        for i in 0..zip.len() {
            let mut text = String::new();
            zip.by_index(i).unwrap().read_to_string(&mut text).unwrap();
            texts.push(text);
        }
    }
    texts
        .iter()
        .map(|t| {
            let v: Value = serde_json::from_str(t).unwrap();
            (v["meta"]["type"].as_str().unwrap().to_string(), v["data"].as_array().unwrap().clone())
        })
        .collect()
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or("").to_ascii_uppercase()
}

fn list<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// BloodHound's AD graph of a collection, as the oracle builds it.
#[derive(Default)]
struct Oracle {
    edges: BTreeSet<(String, String, &'static str)>,
    /// Collected, non-deleted objects: id → (type, enabled).
    objects: BTreeMap<String, (String, Option<bool>)>,
    deleted: HashSet<String>,
    domains: BTreeMap<String, String>,
    laps: Vec<(String, String)>,
    /// CA id → (domain, thumbprint, chain, hosting computer).
    cas: BTreeMap<String, (String, String, Vec<String>, String)>,
    roots: Vec<(String, String)>,
    ntauth: Vec<(String, Vec<String>)>,
    templates: BTreeMap<String, Value>,
    /// (CA, template) pairs: the template is enabled on the CA.
    published: BTreeSet<(String, String)>,
}

/// ACL rights BloodHound traverses.
const TRAVERSABLE_ACES: &[&str] = &[
    "GenericAll",
    "GenericWrite",
    "WriteDacl",
    "WriteOwner",
    "Owns",
    "AllExtendedRights",
    "ForceChangePassword",
    "AddMember",
    "AddSelf",
    "AddKeyCredentialLink",
    "WriteSPN",
    "WriteAccountRestrictions",
    "ReadLAPSPassword",
    "ReadGMSAPassword",
    "AddAllowedToAct",
    "WriteGPLink",
    "SyncLAPSPassword",
    "ManageCA",
    "ManageCertificates",
    "WriteAltSecurityIdentities",
    "WritePublicInformation",
];
/// Rights that can re-enable a disabled account (the importer's documented rule).
const REENABLING: &[&str] =
    &["GenericAll", "GenericWrite", "Owns", "WriteDacl", "WriteOwner", "Contains", "HasSIDHistory"];

impl Oracle {
    fn new(docs: &[(String, Vec<Value>)]) -> Oracle {
        let mut o = Oracle::default();
        for (kind, items) in docs {
            for item in items.iter().filter(|i| i["IsDeleted"].as_bool() == Some(true)) {
                o.deleted.insert(s(&item["ObjectIdentifier"]));
            }
            for item in items.iter().filter(|i| i["IsDeleted"].as_bool() != Some(true)) {
                o.object(kind, item);
            }
        }
        o.special_identities();
        o.replication();
        o.edges.retain(|(a, b, _)| !o.deleted.contains(a) && !o.deleted.contains(b));
        o
    }

    fn add(&mut self, from: String, to: String, kind: &'static str) {
        if !from.is_empty() && !to.is_empty() && from != to {
            self.edges.insert((from, to, kind));
        }
    }

    fn object(&mut self, kind: &str, v: &Value) {
        if kind == "sessions" {
            self.add(s(&v["ComputerSID"]), s(&v["UserSID"]), "HasSession");
            return;
        }
        let id = s(&v["ObjectIdentifier"]);
        let p = &v["Properties"];
        self.objects.entry(id.clone()).or_insert((kind.to_string(), p["enabled"].as_bool()));
        let domain_sid =
            [s(&p["domainsid"]), s(&v["DomainSID"])].into_iter().find(|d| !d.is_empty()).unwrap_or_default();
        if !domain_sid.is_empty() && p["domain"].is_string() {
            self.domains.entry(domain_sid.clone()).or_insert(s(&p["domain"]));
        }
        if kind == "domains" {
            self.domains.insert(id.clone(), s(&p["name"]));
        }
        self.aces(kind, &id, v);
        if let Some(parent) = v.get("ContainedBy").filter(|c| c.is_object()) {
            self.add(s(&parent["ObjectIdentifier"]), id.clone(), "Contains");
        }
        for c in list(v, "ChildObjects") {
            self.add(id.clone(), s(&c["ObjectIdentifier"]), "Contains");
        }
        for m in list(v, "Members") {
            self.add(s(&m["ObjectIdentifier"]), id.clone(), "MemberOf");
        }
        if v["PrimaryGroupSID"].is_string() {
            self.add(id.clone(), s(&v["PrimaryGroupSID"]), "MemberOf");
        }
        for (key, kind_name, outward) in [
            ("AllowedToDelegate", "AllowedToDelegate", true),
            ("HasSIDHistory", "HasSIDHistory", true),
            ("DumpSMSAPassword", "DumpSMSAPassword", true),
            ("AllowedToAct", "AllowedToAct", false),
        ] {
            for t in list(v, key) {
                let other = s(&t["ObjectIdentifier"]);
                if outward { self.add(id.clone(), other, kind_name) } else { self.add(other, id.clone(), kind_name) }
            }
        }
        for l in list(v, "Links") {
            self.add(s(&l["GUID"]), id.clone(), "GPLink");
        }
        let is_dc = v["IsDC"].as_bool().or(p["isdc"].as_bool()) == Some(true);
        let unconstrained =
            v["UnconstrainedDelegation"].as_bool().or(p["unconstraineddelegation"].as_bool()) == Some(true);
        if is_dc && !domain_sid.is_empty() {
            self.add(id.clone(), domain_sid.clone(), "DCFor");
        } else if unconstrained && !domain_sid.is_empty() && matches!(kind, "users" | "computers") {
            self.add(id.clone(), domain_sid.clone(), "CoerceToTGT");
        }
        match kind {
            "computers" => self.computer(&id, v),
            "domains" => self.trusts(&id, v),
            "enterprisecas" => {
                let chain = list(p, "certchain").map(s).collect();
                let host = s(&v["HostingComputer"]);
                self.cas.insert(id.clone(), (s(&v["DomainSID"]), s(&p["certthumbprint"]), chain, host));
                for t in list(v, "EnabledCertTemplates") {
                    self.published.insert((id.clone(), s(&t["ObjectIdentifier"])));
                }
            }
            "rootcas" => self.roots.push((s(&v["DomainSID"]), s(&p["certthumbprint"]))),
            "ntauthstores" => self.ntauth.push((s(&v["DomainSID"]), list(p, "certthumbprints").map(s).collect())),
            "certtemplates" => {
                self.templates.insert(id.clone(), v.clone());
            }
            _ => {}
        }
        if matches!(kind, "domains" | "ous") {
            let c = &v["GPOChanges"];
            for computer in list(c, "AffectedComputers") {
                for (key, right) in [
                    ("LocalAdmins", "AdminTo"),
                    ("RemoteDesktopUsers", "CanRDP"),
                    ("DcomUsers", "ExecuteDCOM"),
                    ("PSRemoteUsers", "CanPSRemote"),
                ] {
                    for m in list(c, key) {
                        self.add(s(&m["ObjectIdentifier"]), s(&computer["ObjectIdentifier"]), right);
                    }
                }
            }
        }
        if p["haslaps"].as_bool() == Some(true) {
            self.laps.push((domain_sid, id));
        }
    }

    /// ACEs, with the CA rights of an enterprise CA taken from its registry when collected.
    fn aces(&mut self, kind: &str, id: &str, v: &Value) {
        let registry = &v["CARegistryData"]["CASecurity"];
        let from_registry = kind == "enterprisecas" && registry["Collected"].as_bool() == Some(true);
        let ca_rights = ["ManageCA", "ManageCertificates", "Enroll"];
        let host = s(&v["HostingComputer"]);
        let mut aces: Vec<&Value> = list(v, "Aces")
            .filter(|a| {
                !from_registry
                    || !ca_rights.contains(&a["RightName"].as_str().unwrap_or(""))
                    || s(&a["PrincipalSID"]) == host
            })
            .collect();
        if from_registry {
            aces.extend(
                list(registry, "Data").filter(|a| a["PrincipalType"] != "LocalGroup" && a["RightName"] != "Owns"),
            );
        }
        for ace in aces {
            let principal = s(&ace["PrincipalSID"]);
            let right = ace["RightName"].as_str().unwrap_or("");
            if principal == id || principal.ends_with("S-1-3-4") {
                continue;
            }
            if let Some(r) = TRAVERSABLE_ACES
                .iter()
                .chain(&["GetChanges", "GetChangesAll", "GetChangesInFilteredSet", "Enroll"])
                .find(|r| **r == right)
            {
                self.add(principal, id.to_string(), r);
            }
        }
    }

    fn computer(&mut self, id: &str, v: &Value) {
        for key in ["Sessions", "PrivilegedSessions", "RegistrySessions"] {
            if v[key]["Collected"].as_bool() == Some(true) {
                for session in list(&v[key], "Results") {
                    let computer =
                        if session["ComputerSID"].is_string() { s(&session["ComputerSID"]) } else { id.to_string() };
                    self.add(computer, s(&session["UserSID"]), "HasSession");
                }
            }
        }
        let ura =
            list(v, "UserRights").find(|r| r["Privilege"] == "SeRemoteInteractiveLogonRight" && r["Collected"] == true);
        let ura_holders: Vec<String> =
            ura.map(|r| list(r, "Results").map(|h| s(&h["ObjectIdentifier"])).collect()).unwrap_or_default();
        let rdu_allowed = ura.is_none() || ura_holders.iter().any(|h| h.ends_with("-555"));
        let mut groups: Vec<(String, Vec<&Value>)> = list(v, "LocalGroups")
            .filter(|g| g["Collected"] == true)
            .map(|g| (s(&g["ObjectIdentifier"]), list(g, "Results").collect()))
            .collect();
        for (key, rid) in
            [("LocalAdmins", "544"), ("RemoteDesktopUsers", "555"), ("DcomUsers", "562"), ("PSRemoteUsers", "580")]
        {
            if v[key]["Collected"] == true {
                groups.push((format!("-{rid}"), list(&v[key], "Results").collect()));
            }
        }
        for (group, members) in groups {
            let right = match group.rsplit('-').next() {
                Some("544") => "AdminTo",
                Some("555") => "CanRDP",
                Some("562") => "ExecuteDCOM",
                Some("580") => "CanPSRemote",
                _ => continue,
            };
            for m in members {
                let member = s(&m["ObjectIdentifier"]);
                if m["ObjectType"].as_str().is_some_and(|t| t.starts_with("Local")) {
                    continue;
                }
                if right == "CanRDP" && !rdu_allowed && !ura_holders.contains(&member) {
                    continue;
                }
                self.add(member, id.to_string(), right);
            }
        }
    }

    fn trusts(&mut self, id: &str, v: &Value) {
        for t in list(v, "Trusts") {
            let target = s(&t["TargetDomainSid"]);
            let same_forest = matches!(t["TrustType"].as_str(), Some("ParentChild" | "TreeRoot" | "CrossLink"));
            let dir = t["TrustDirection"].as_str().unwrap_or("");
            if same_forest && matches!(dir, "Inbound" | "Bidirectional") {
                self.add(target.clone(), id.to_string(), "SameForestTrust");
            }
            if same_forest && matches!(dir, "Outbound" | "Bidirectional") {
                self.add(id.to_string(), target.clone(), "SameForestTrust");
            }
            if !same_forest && matches!(dir, "Outbound" | "Bidirectional") && t["SidFilteringEnabled"] == false {
                self.add(target.clone(), id.to_string(), "SpoofSIDHistory");
            }
            if !same_forest && matches!(dir, "Inbound" | "Bidirectional") && t["TGTDelegationEnabled"] == true {
                self.add(target.clone(), id.to_string(), "AbuseTGTDelegation");
            }
        }
    }

    fn referenced(&self) -> HashSet<String> {
        self.edges.iter().flat_map(|(a, b, _)| [a.clone(), b.clone()]).chain(self.objects.keys().cloned()).collect()
    }

    /// Domain Users and Domain Computers hold Authenticated Users, which holds Everyone.
    fn special_identities(&mut self) {
        let known = self.referenced();
        for (sid, fqdn) in self.domains.clone() {
            let (au, every) = (format!("{fqdn}-S-1-5-11"), format!("{fqdn}-S-1-1-0"));
            let holder = if known.contains(&au) {
                Some(au.clone())
            } else if known.contains(&every) {
                Some(every.clone())
            } else {
                None
            };
            if known.contains(&au) && known.contains(&every) {
                self.add(au.clone(), every.clone(), "MemberOf");
            }
            if let Some(h) = holder {
                for rid in ["513", "515"] {
                    if known.contains(&format!("{sid}-{rid}")) {
                        self.add(format!("{sid}-{rid}"), h.clone(), "MemberOf");
                    }
                }
            }
        }
    }

    /// Everyone whose token holds one of `holders` (through nested MemberOf).
    fn token_holders(&self, holders: &BTreeSet<String>) -> BTreeSet<String> {
        let mut members: HashMap<&str, Vec<&str>> = HashMap::new();
        for (a, b, k) in &self.edges {
            if *k == "MemberOf" {
                members.entry(b.as_str()).or_default().push(a.as_str());
            }
        }
        let mut seen: BTreeSet<String> = holders.clone();
        let mut queue: VecDeque<String> = holders.iter().cloned().collect();
        while let Some(x) = queue.pop_front() {
            for m in members.get(x.as_str()).into_iter().flatten() {
                if seen.insert(m.to_string()) {
                    queue.push_back(m.to_string());
                }
            }
        }
        seen
    }

    fn holders_of(&self, target: &str, rights: &[&str]) -> BTreeSet<String> {
        self.edges.iter().filter(|(_, b, k)| b == target && rights.contains(k)).map(|(a, _, _)| a.clone()).collect()
    }

    /// DCSync to every principal holding both replication rights in one token; SyncLAPSPassword
    /// to the domain's LAPS computers for GetChanges with GetChangesInFilteredSet.
    fn replication(&mut self) {
        for domain in self.domains.keys().cloned().collect::<Vec<_>>() {
            let changes = self.token_holders(&self.holders_of(&domain, &["GetChanges"]));
            let all = self.token_holders(&self.holders_of(&domain, &["GetChangesAll"]));
            let filtered = self.token_holders(&self.holders_of(&domain, &["GetChangesInFilteredSet"]));
            for p in changes.intersection(&all).cloned().collect::<Vec<_>>() {
                self.add(p, domain.clone(), "DCSync");
            }
            let laps: Vec<String> = self.laps.iter().filter(|(d, _)| *d == domain).map(|(_, c)| c.clone()).collect();
            for p in changes.intersection(&filtered).cloned().collect::<Vec<_>>() {
                for c in &laps {
                    self.add(p.clone(), c.clone(), "SyncLAPSPassword");
                }
            }
        }
    }

    /// The traversable graph after the rule for disabled accounts.
    fn adjacency(&self) -> HashMap<String, Vec<String>> {
        let mut adj: HashMap<String, Vec<String>> = HashMap::new();
        for (a, b, k) in &self.edges {
            if matches!(*k, "GetChanges" | "GetChangesAll" | "GetChangesInFilteredSet" | "Enroll") {
                continue;
            }
            let disabled = self
                .objects
                .get(b)
                .is_some_and(|(t, e)| matches!(t.as_str(), "users" | "computers") && *e == Some(false));
            if disabled && !REENABLING.contains(k) {
                continue;
            }
            adj.entry(a.clone()).or_default().push(b.clone());
        }
        adj
    }

    /// (CA, domain) pairs where the domain trusts the CA: its NTAuth store holds the CA's
    /// thumbprint and a root CA of the domain is in the CA's chain.
    fn valid_cas(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (ca, (_, print, chain, _)) in &self.cas {
            for (domain, prints) in &self.ntauth {
                let rooted =
                    self.roots.iter().any(|(d, r)| d == domain && !r.is_empty() && (r == print || chain.contains(r)));
                if !print.is_empty() && prints.contains(print) && rooted {
                    out.push((ca.clone(), domain.clone()));
                }
            }
        }
        out
    }

    /// ESC1 as BloodHound defines it: principals whose token holds enrolment on a published
    /// template (Enroll, GenericAll or AllExtendedRights) and Enroll on the CA; per domain.
    fn esc1(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (ca, domain) in self.valid_cas() {
            let ca_enrollers = self.token_holders(&self.holders_of(&ca, &["Enroll"]));
            for (t, v) in &self.templates {
                let p = &v["Properties"];
                let published = self.published.contains(&(ca.clone(), t.clone()));
                let direct = p["schemaversion"].as_i64() == Some(1) || p["authorizedsignatures"].as_i64() == Some(0);
                let esc1 = p["requiresmanagerapproval"] == false
                    && p["authenticationenabled"] == true
                    && p["enrolleesuppliessubject"] == true
                    && direct;
                if !(published && esc1) {
                    continue;
                }
                let enrollers = self.token_holders(&self.holders_of(t, &["Enroll", "GenericAll", "AllExtendedRights"]));
                out.entry(domain.clone()).or_default().extend(enrollers.intersection(&ca_enrollers).cloned());
            }
        }
        out
    }
}

fn bfs(adj: &HashMap<String, Vec<String>>, start: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::from([start.to_string()]);
    let mut queue = VecDeque::from([start.to_string()]);
    while let Some(x) = queue.pop_front() {
        for y in adj.get(&x).into_iter().flatten() {
            if seen.insert(y.clone()) {
                queue.push_back(y.clone());
            }
        }
    }
    seen
}

/// Imports `input` into a temporary model directory and loads it.
fn import(inputs: &[PathBuf], keys: ModelKeys) -> (tempfile::TempDir, riskpath_model::Model, bloodhound::Report) {
    let dir = tempfile::tempdir().unwrap();
    let options = bloodhound::Options {
        inputs: inputs.to_vec(),
        model_dir: dir.path().to_path_buf(),
        keys: Some(keys),
        ..Default::default()
    };
    let imported = bloodhound::import(&options).unwrap();
    imported.generated.replace(&dir.path().join(bloodhound::FOLDER)).unwrap();
    let loaded = riskpath_model::load(dir.path(), &riskpath_model::LoadOptions::default())
        .unwrap_or_else(|p| panic!("the imported model does not load: {}", p.render_short()));
    (dir, loaded.model, imported.report)
}

/// The model's adjacency over node-to-node edges, leaving out the kinds in `skip`.
fn model_adjacency(model: &riskpath_model::Model, skip: &dyn Fn(&str) -> bool) -> HashMap<String, Vec<String>> {
    let nodes: HashSet<&str> = model.nodes.iter().map(|n| n.id.as_str()).collect();
    let mut adj: HashMap<String, Vec<String>> = HashMap::new();
    for e in &model.edges {
        if nodes.contains(e.from.value.as_str()) && !skip(&e.kind.value) {
            adj.entry(e.from.value.to_string()).or_default().push(e.to.value.to_string());
        }
    }
    adj
}

fn is_adcs(kind: &str) -> bool {
    kind.starts_with("adcs_") || kind == "golden_cert"
}

/// For every collected principal, the model reaches exactly what the oracle reaches (AD CS edges
/// aside, checked on their own), Domain Admins of every domain included.
fn assert_same_reach(collection: &Path, oracle: &Oracle, model: &riskpath_model::Model) -> usize {
    let ours = model_adjacency(model, &is_adcs);
    let theirs = oracle.adjacency();
    let principals: Vec<&String> = oracle
        .objects
        .iter()
        .filter(|(_, (t, _))| matches!(t.as_str(), "users" | "computers" | "groups"))
        .map(|(id, _)| id)
        .collect();
    let admins: Vec<String> = oracle.domains.keys().map(|d| format!("{d}-512")).collect();
    let mut reaching_admins = 0;
    for p in &principals {
        let (a, b) = (bfs(&ours, p), bfs(&theirs, p));
        if a != b {
            let only_ours: Vec<_> = a.difference(&b).take(5).collect();
            let only_theirs: Vec<_> = b.difference(&a).take(5).collect();
            panic!(
                "{}: {p} reaches {only_ours:?} only in the import and {only_theirs:?} only in the oracle",
                collection.display()
            );
        }
        if admins.iter().any(|da| a.contains(da)) {
            reaching_admins += 1;
        }
    }
    assert!(principals.len() > 5);
    reaching_admins
}

#[test]
fn v6_sample_collection_reaches_what_bloodhound_reaches() {
    let zip = data("ad_sampledata.zip");
    let oracle = Oracle::new(&documents(&zip));
    let (_dir, model, report) = import(std::slice::from_ref(&zip), ModelKeys::none());
    let reaching = assert_same_reach(&zip, &oracle, &model);
    assert!(reaching > 10, "{reaching} principals reach a Domain Admins group");
    assert!(report.unmapped.is_empty(), "{:?}", report.unmapped);
    // ESC1: the principals whose token qualifies are those the import's ESC1 edges start from, or
    // their members, per domain.
    let expected = oracle.esc1();
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in model.edges.iter().filter(|e| e.kind.value == "adcs_esc1") {
        let holders = oracle.token_holders(&BTreeSet::from([e.from.value.to_string()]));
        found.entry(e.to.value.to_string()).or_default().extend(holders);
    }
    assert_eq!(found, expected, "ESC1 principals per domain");
    assert!(!expected.is_empty(), "the sample has ESC1 templates");
    // GoldenCert: the hosts of the enterprise CAs, to each domain trusting the CA.
    let golden: BTreeSet<(String, String)> = model
        .edges
        .iter()
        .filter(|e| e.kind.value == "golden_cert")
        .map(|e| (e.from.value.to_string(), e.to.value.to_string()))
        .collect();
    let expected: BTreeSet<(String, String)> = oracle
        .valid_cas()
        .into_iter()
        .map(|(ca, d)| (oracle.cas[&ca].3.clone(), d))
        .filter(|(h, _)| !h.is_empty())
        .collect();
    assert_eq!(golden, expected);
}

#[test]
fn v5_fixture_reaches_what_bloodhound_reaches() {
    let dir = data("v5");
    let oracle = Oracle::new(&documents(&dir));
    let (_tmp, model, report) = import(std::slice::from_ref(&dir), ModelKeys::none());
    assert_same_reach(&dir, &oracle, &model);
    // The fixture's sessions, local groups, delegation, SID history and trusts are all there.
    let kinds: BTreeSet<&str> = model.edges.iter().map(|e| e.kind.value.as_str()).collect();
    for k in [
        "has_session",
        "admin_to",
        "can_rdp",
        "can_ps_remote",
        "execute_dcom",
        "allowed_to_delegate",
        "allowed_to_act",
        "has_sid_history",
        "dcsync",
        "coerce_to_tgt",
        "contains",
        "gp_link",
    ] {
        assert!(kinds.contains(k), "{k} missing from {kinds:?}");
    }
    // DCSync: the user holding both rights itself, and the domain's Administrators group.
    let dcsync: BTreeSet<&str> =
        model.edges.iter().filter(|e| e.kind.value == "dcsync").map(|e| e.from.value.as_str()).collect();
    assert!(dcsync.contains("S-1-5-21-3130019616-2776909439-2417379446-2122"), "{dcsync:?}");
    assert!(dcsync.contains("TESTLAB.LOCAL-S-1-5-32-544"), "{dcsync:?}");
    assert!(report.warnings.iter().any(|w| w.contains("no meta.version")), "{:?}", report.warnings);
}

/// What the CLI writes (every model key this build's loader accepts) loads, reaches what the keys-free
/// import reaches, and every edge says its fix: the knowledge base's default for its kind with the
/// ends' names, an inherited ACE removed where it is set, an implicit membership fixed at the
/// special identity.
#[test]
fn the_full_model_language_loads_and_every_edge_says_its_fix() {
    use riskpath_model::kb;
    let keys = ModelKeys::supported();
    let used = keys.names();
    for key in ["campaign", "removable", "relation", "remediation", "loss_groups", "description"] {
        assert!(used.contains(&key), "the loader no longer accepts `{key}` ({used:?})");
    }
    let zip = data("ad_sampledata.zip");
    let (_dir, model, report) = import(std::slice::from_ref(&zip), keys);
    assert_same_reach(&zip, &Oracle::new(&documents(&zip)), &model);
    assert!(!model.loss_groups.is_empty() && model.entry_points.iter().any(|e| e.campaign.is_some()));
    assert!(report.markdown().contains("Model keys used: campaign, removable, relation, remediation"));

    let names: HashMap<&str, &str> =
        model.nodes.iter().map(|n| (n.id.as_str(), n.name.as_deref().unwrap_or(&n.id))).collect();
    let name = |id: &str| names.get(id).copied().unwrap_or(id).to_string();
    let (mut inherited, mut implicit, mut kept) = (0, 0, 0);
    for e in &model.edges {
        let label = e.label();
        let fix = e.extra().remediation.as_deref().unwrap_or_else(|| panic!("{label}: no remediation"));
        let relation = e.extra().relation.as_deref().unwrap_or_else(|| panic!("{label}: no relation"));
        let (from, to) = (name(&e.from.value), name(&e.to.value));
        let kind = if relation.ends_with("at every logon") {
            implicit += 1;
            "claim_special_identity"
        } else {
            e.kind.value.as_str()
        };
        if relation.ends_with("(inherited)") && fix.starts_with("Remove the inheritable ACE granting") {
            inherited += 1;
            assert!(fix.contains(&from) && fix.contains(&to), "{label}: {fix}");
            continue;
        }
        if kind == "member_of" && !e.is_removable() {
            // A membership every account has, or a built-in one: protect the member instead.
            kept += 1;
            assert!(
                fix.starts_with("The membership stays (") && fix.contains(&format!("protect {from} instead")),
                "{label}: {fix}"
            );
            continue;
        }
        let (_, template) = kb::remediation(kb::edge_kind(kind).unwrap());
        assert_eq!(fix, kb::fill(template, &[("from", &from), ("to", &to)]), "{label}");
    }
    assert!(inherited > 100 && implicit > 0, "{inherited} inherited ACEs, {implicit} implicit memberships");
    assert!(kept > 0, "no membership is kept");
}
