//! AzureHound and OpenGraph input: Entra roles and Graph permissions become the edges BloodHound's
//! post-processing gives them, hybrid identities join the AD collection, OpenGraph edges match their
//! ends by id, name or properties and map through BloodHound's kinds or the overlay.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use riskpath_import::bloodhound::{self, ModelKeys, Options};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bloodhound").join(rel)
}

struct Imported {
    _dir: tempfile::TempDir,
    model: riskpath_model::Model,
    report: bloodhound::Report,
}

fn import(inputs: &[&str], overlay: Option<&str>) -> Imported {
    let dir = tempfile::tempdir().unwrap();
    if let Some(text) = overlay {
        std::fs::write(dir.path().join("overlay.yaml"), text).unwrap();
    }
    let options = Options {
        inputs: inputs.iter().map(|i| data(i)).collect(),
        model_dir: dir.path().to_path_buf(),
        keys: Some(ModelKeys::supported()),
        ..Default::default()
    };
    let imported = bloodhound::import(&options).unwrap();
    imported.generated.replace(&dir.path().join(bloodhound::FOLDER)).unwrap();
    let loaded = riskpath_model::load(dir.path(), &riskpath_model::LoadOptions::default())
        .unwrap_or_else(|p| panic!("{}", p.render_short()));
    Imported { _dir: dir, model: loaded.model, report: imported.report }
}

impl Imported {
    fn id(&self, name: &str) -> String {
        let n = self
            .model
            .nodes
            .iter()
            .find(|n| n.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no node {name}"));
        n.id.clone()
    }
    fn edge(&self, from: &str, to: &str) -> Vec<&str> {
        let (from, to) = (self.id(from), self.id(to));
        self.model
            .edges
            .iter()
            .filter(|e| e.from.value == from && e.to.value == to)
            .map(|e| e.kind.value.as_str())
            .collect()
    }
    /// The edge's `remediation` (the one edge from `from` to `to`).
    fn fix(&self, from: &str, to: &str) -> &str {
        let (from, to) = (self.id(from), self.id(to));
        let e = self.model.edges.iter().find(|e| e.from.value == from && e.to.value == to).unwrap();
        e.extra().remediation.as_deref().unwrap_or_else(|| panic!("{}: no remediation", e.label()))
    }
    fn reach(&self, from: &str) -> BTreeSet<String> {
        let mut adj: HashMap<&str, Vec<&str>> = HashMap::new();
        for e in &self.model.edges {
            adj.entry(e.from.value.as_str()).or_default().push(e.to.value.as_str());
        }
        let names: HashMap<&str, &str> =
            self.model.nodes.iter().map(|n| (n.id.as_str(), n.name.as_deref().unwrap_or(""))).collect();
        let start = self.id(from);
        let mut seen = BTreeSet::from([start.clone()]);
        let mut queue = VecDeque::from([start]);
        while let Some(x) = queue.pop_front() {
            for y in adj.get(x.as_str()).into_iter().flatten() {
                if seen.insert(y.to_string()) {
                    queue.push_back(y.to_string());
                }
            }
        }
        seen.iter().map(|id| names.get(id.as_str()).copied().unwrap_or(id).to_string()).collect()
    }
}

#[test]
fn entra_roles_and_graph_permissions_become_their_edges() {
    let t = import(&["azure/tenant.json"], None);
    assert_eq!(t.edge("ALICE@CONTOSO.COM", "CLOUD ADMINS@CONTOSO"), vec!["member_of"]);
    assert_eq!(t.edge("CLOUD ADMINS@CONTOSO", "GLOBAL ADMINISTRATOR@CONTOSO"), vec!["az_has_role"]);
    assert_eq!(t.edge("GLOBAL ADMINISTRATOR@CONTOSO", "CONTOSO"), vec!["az_global_admin"]);
    assert_eq!(
        t.fix("GLOBAL ADMINISTRATOR@CONTOSO", "CONTOSO"),
        "Remove standing Global Administrator of CONTOSO held through GLOBAL ADMINISTRATOR@CONTOSO; keep the role to a few PIM-eligible and break-glass accounts"
    );
    // Helpdesk resets users without a role, not the Global Administrator's (through her group)
    // and not a disabled account.
    assert_eq!(t.edge("HELPDESK ADMINISTRATOR@CONTOSO", "CAROL@CONTOSO.COM"), vec!["az_reset_password"]);
    assert!(t.edge("HELPDESK ADMINISTRATOR@CONTOSO", "ALICE@CONTOSO.COM").is_empty());
    assert!(t.edge("HELPDESK ADMINISTRATOR@CONTOSO", "DAVE@CONTOSO.COM").is_empty());
    // An app owner runs as its service principal, whose Graph permission grants any role.
    assert_eq!(t.edge("CAROL@CONTOSO.COM", "DEPLOY-APP@CONTOSO.ONMICROSOFT.COM"), vec!["az_owns"]);
    assert_eq!(t.edge("DEPLOY-APP@CONTOSO.ONMICROSOFT.COM", "DEPLOY-APP@CONTOSO"), vec!["az_runs_as"]);
    assert_eq!(t.edge("DEPLOY-APP@CONTOSO", "CONTOSO"), vec!["az_mg_grant_role"]);
    assert!(t.reach("CAROL@CONTOSO.COM").contains("CONTOSO"), "carol takes the tenant through her app");
    // RBAC: the Developers own the subscription, which holds the VM, whose identity they get.
    assert_eq!(t.edge("DEVELOPERS@CONTOSO", "PRODUCTION"), vec!["az_owner"]);
    assert_eq!(
        t.fix("DEVELOPERS@CONTOSO", "PRODUCTION"),
        "Remove DEVELOPERS@CONTOSO's Owner role assignment on PRODUCTION"
    );
    assert!(t.reach("DEVELOPERS@CONTOSO").contains("VM1@CONTOSO"), "{:?}", t.reach("DEVELOPERS@CONTOSO"));
    assert_eq!(t.edge("CAROL@CONTOSO.COM", "KV1"), vec!["az_get_secrets"]);
    // Bob owns the Developers group; being Helpdesk he cannot reset Alice.
    assert_eq!(t.edge("BOB@CONTOSO.COM", "DEVELOPERS@CONTOSO"), vec!["az_owns"]);
    let jewels: BTreeSet<&str> = t.model.crown_jewels().filter_map(|n| n.name.as_deref()).collect();
    assert_eq!(jewels, BTreeSet::from(["CONTOSO", "GLOBAL ADMINISTRATOR@CONTOSO"]));
    assert_eq!(t.report.skipped.get("AZSubscriptionOwner"), Some(&1));
}

#[test]
fn hybrid_identities_join_the_directory() {
    let t = import(&["v5", "azure/tenant.json"], None);
    assert_eq!(t.edge("GWRITETEST@TESTLAB.LOCAL", "CAROL@CONTOSO.COM"), vec!["synced_to_entra_user"]);
    assert_eq!(t.edge("CAROL@CONTOSO.COM", "GWRITETEST@TESTLAB.LOCAL"), vec!["synced_to_ad_user"]);
    assert!(t.reach("GWRITETEST@TESTLAB.LOCAL").contains("CONTOSO"), "AD user → Entra user → app → tenant");
}

#[test]
fn opengraph_edges_match_by_id_name_and_property_and_map_through_the_overlay() {
    let overlay = "import:\n  bloodhound:\n    opengraph:\n      edges: {CIStoresCredential: steals_credential}\n      nodes: {CIRunner: host}\n";
    let t = import(&["v5", "opengraph/hybrid.json", "opengraph/minimal.json"], Some(overlay));
    assert_eq!(t.edge("GWRITETEST@TESTLAB.LOCAL", "RUNNER-1"), vec!["admin_to"]);
    assert_eq!(t.edge("RUNNER-1", "ADMINISTRATOR@TESTLAB.LOCAL"), vec!["steals_credential"]);
    // A mapped OpenGraph edge says its kind's fix with names, as the directory's own edges do.
    let (_, template) = riskpath_model::kb::remediation(riskpath_model::kb::edge_kind("steals_credential").unwrap());
    let names = [("from", "RUNNER-1"), ("to", "ADMINISTRATOR@TESTLAB.LOCAL")];
    assert_eq!(t.fix("RUNNER-1", "ADMINISTRATOR@TESTLAB.LOCAL"), riskpath_model::kb::fill(template, &names));
    let runner = t.model.nodes.iter().find(|n| n.name.as_deref() == Some("RUNNER-1")).unwrap();
    assert_eq!(runner.kind, "host");
    assert_eq!(t.report.unmapped.get("OpenGraph edge CIManages"), Some(&1), "{:?}", t.report.unmapped);
    assert_eq!(t.report.unmapped.get("OpenGraph edge Knows"), Some(&1));
    assert_eq!(t.report.unmatched_opengraph_edges, 1, "NOBODY@NOWHERE matches no node");
    assert!(t.reach("GWRITETEST@TESTLAB.LOCAL").contains("ADMINISTRATOR@TESTLAB.LOCAL"));
    // The sources are separate subfolders.
    let files: BTreeSet<String> = t
        .model
        .sources
        .files()
        .iter()
        .map(|f| f.path.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.contains("opengraph-cigraph") && files.contains("ad") && files.contains("opengraph-minimal"),
        "{files:?}"
    );
}

#[test]
fn a_bad_overlay_names_its_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("o.yaml"), "import:\n  bloodhound:\n    loss: {integrity: lots}\n").unwrap();
    let options = Options { inputs: vec![data("v5")], model_dir: dir.path().to_path_buf(), ..Default::default() };
    let e = bloodhound::import(&options).unwrap_err().to_string();
    assert!(e.contains("o.yaml:3:") && e.contains("number or {low, high}"), "{e}");
    std::fs::write(dir.path().join("o.yaml"), "import:\n  bloodhound:\n    opengraph: {edges: {X: no_such_kind}}\n")
        .unwrap();
    let e = bloodhound::import(&options).unwrap_err().to_string();
    assert!(e.contains("no_such_kind"), "{e}");
    std::fs::write(dir.path().join("o.yaml"), "import:\n  bloodhound:\n    stale_dayz: 3\n").unwrap();
    let e = bloodhound::import(&options).unwrap_err().to_string();
    assert!(e.contains("stale_dayz"), "{e}");
}
