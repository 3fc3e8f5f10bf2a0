//! examples/ad read as a domain administrator would: `chokepoints`, `plan` and `incident` must give
//! advice one can carry out (concrete ACEs, no structural edge cut, cuts equal to brute force).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use riskpath_model::{LoadOptions, Model};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ad")
}

fn run(args: &[&str]) -> Output {
    let out = Command::new(BIN).args(args).env("NO_COLOR", "1").output().expect("run riskpath");
    assert_eq!(out.status.code(), Some(0), "riskpath {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn json(args: &[&str]) -> Value {
    serde_json::from_slice(&run(args).stdout).expect("JSON output")
}

fn model() -> Model {
    let loaded = riskpath_model::load(&example(), &LoadOptions::default()).expect("examples/ad loads");
    assert!(loaded.warnings.list.is_empty(), "examples/ad has warnings: {:?}", loaded.warnings);
    loaded.model
}

/// The cheapest set of removable edges whose removal leaves no sink reachable from the sources
/// (AND conditions ignored, as the tool's cut does), by enumerating every subset.
fn brute_force_cut(model: &Model, sources: &[&str], sinks: &BTreeSet<String>) -> f64 {
    let removable: Vec<usize> = (0..model.edges.len()).filter(|&i| model.fix_cost(i).is_some()).collect();
    assert!(removable.len() <= 20, "too many removable edges to enumerate");
    let mut best = f64::INFINITY;
    for mask in 0u32..(1 << removable.len()) {
        let cut: BTreeSet<usize> = (0..removable.len()).filter(|b| mask >> b & 1 == 1).map(|b| removable[b]).collect();
        let cost: f64 = cut.iter().filter_map(|&i| model.fix_cost(i)).sum();
        if cost < best && !reaches(model, sources, sinks, &cut) {
            best = cost;
        }
    }
    best
}

/// Whether some sink is reachable from the sources over the edges not in `removed`.
fn reaches(model: &Model, sources: &[&str], sinks: &BTreeSet<String>, removed: &BTreeSet<usize>) -> bool {
    let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
    for (_, e) in model.edges.iter().enumerate().filter(|(i, _)| !removed.contains(i)) {
        out.entry(e.from.value.as_str()).or_default().push(e.to.value.as_str());
    }
    let mut seen: BTreeSet<&str> = sources.iter().copied().collect();
    let mut stack: Vec<&str> = sources.to_vec();
    while let Some(u) = stack.pop() {
        if sinks.contains(u) {
            return true;
        }
        for &v in out.get(u).into_iter().flatten() {
            if seen.insert(v) {
                stack.push(v);
            }
        }
    }
    false
}

fn jewels(model: &Model) -> BTreeSet<String> {
    model.nodes.iter().filter(|n| n.crown_jewel).map(|n| n.id.clone()).collect()
}

/// Every edge of a cut is one an administrator can remove, with the model's own instruction.
fn assert_carry_out(model: &Model, edges: &[Value]) {
    assert!(!edges.is_empty());
    for e in edges {
        let id = e["id"].as_str().unwrap_or_else(|| panic!("cut edge without an id: {e}"));
        let edge = model.edges.iter().find(|m| m.id.as_deref() == Some(id)).unwrap();
        assert!(edge.is_removable(), "the cut proposes {id}, a fact of the design");
        let kind = riskpath_model::kb::edge_kind(&edge.kind.value).unwrap();
        assert!(!kind.is_structural() || edge.kind.value == "member_of", "structural {id} in the cut");
        assert_eq!(e["instruction_source"], "edge", "{id}: generic advice where the model says what to do");
        assert_eq!(e["instruction"].as_str(), edge.extra().remediation.as_deref());
        assert_eq!(e["relation"].as_str(), edge.extra().relation.as_deref());
    }
}

#[test]
fn the_example_loads_without_warnings_and_its_checks_pass() {
    let m = model();
    assert_eq!(m.loss_groups.len(), 1);
    assert!(m.entry_points[0].campaign.is_some());
    assert!(m.edges.iter().any(|e| !e.extra().requires_any.is_empty()));
    let db = tempfile::tempdir().unwrap();
    let db = db.path().join("history.db");
    let dir = example().display().to_string();
    let verify = json(&["verify", &dir, "--format", "json", "--db", db.to_str().unwrap(), "--trials", "2000"]);
    let summary = &verify["summary"];
    assert_eq!((summary["pass"].as_u64(), summary["fail"].as_u64()), (Some(2), Some(0)), "{summary}");
    assert_eq!((summary["stale"].as_u64(), summary["error"].as_u64()), (Some(0), Some(0)), "{summary}");
}

#[test]
fn the_minimum_cut_is_carried_out_by_a_domain_admin_and_equals_brute_force() {
    let m = model();
    let dir = example().display().to_string();
    let out = json(&["chokepoints", &dir, "--format", "json"]);
    let cut = out["min_cut"]["steps"].as_array().or(out["min_cut"]["edges"].as_array()).unwrap();
    assert_carry_out(&m, cut);
    let ids: BTreeSet<&str> = cut.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert!(ids.contains("esc1-vpnuser"), "the ESC1 template is not in the cut: {ids:?}");
    assert!(ids.contains("ace-helpdesk-adm-erin"), "the helpdesk ACE is not in the cut: {ids:?}");
    // Ids stay the keys; the names a person reads sit beside them.
    let esc1 = cut.iter().find(|e| e["id"] == "esc1-vpnuser").unwrap();
    assert_eq!(
        (esc1["from_name"].as_str(), esc1["to_name"].as_str()),
        (Some("DOMAIN USERS@CORP.LOCAL"), Some("CORP.LOCAL"))
    );
    let removed: BTreeSet<usize> =
        (0..m.edges.len()).filter(|&i| m.edges[i].id.as_deref().is_some_and(|id| ids.contains(id))).collect();
    let entries: Vec<&str> = m.entry_points.iter().map(|e| e.id.as_str()).collect();
    assert!(!reaches(&m, &entries, &jewels(&m), &removed), "the cut leaves a path");
    let cost = out["min_cut"]["cost"].as_f64().unwrap();
    assert_eq!(cost, brute_force_cut(&m, &entries, &jewels(&m)));
    // The ESC1 template carries most of the risk: the first edge among the choke points.
    let first_edge = out["choke_points"].as_array().unwrap().iter().find(|c| c["kind"] == "edge").unwrap();
    assert_eq!(first_edge["id"], "esc1-vpnuser");
}

#[test]
fn the_incident_runbook_names_the_concrete_aces_and_contains_by_brute_force() {
    let m = model();
    let dir = example().display().to_string();
    let args = ["incident", &dir, "--compromised", "ws01", "--compromised", "u-dave", "--trials", "20000"];
    let out = json(&[&args[..], &["--format", "json"]].concat());
    let containment = &out["containment"];
    let steps = containment["steps"].as_array().unwrap();
    assert_carry_out(&m, steps);
    assert_eq!(containment["holds"], true);
    assert_eq!(containment["at_stake_after"].as_f64(), Some(0.0));
    let cost = containment["cost"].as_f64().unwrap();
    assert_eq!(cost, brute_force_cut(&m, &["ws01", "u-dave"], &jewels(&m)));
    // The helpdesk's GenericAll is the first thing to take away: it lies on most breach paths.
    assert_eq!(steps[0]["id"], "ace-helpdesk-adm-erin");
    let dave = out["rotate"].as_array().unwrap().iter().find(|r| r["id"] == "u-dave").unwrap();
    let reset = dave["instruction"].as_str().unwrap();
    assert!(reset.contains("password") && !reset.contains("access key"), "{reset}");

    let md = String::from_utf8(run(&[&args[..], &["--format", "md"]].concat()).stdout).unwrap();
    for text in [
        "GenericAll on ADM-ERIN@CORP.LOCAL (inherited from HELPDESK@CORP.LOCAL's ACE on OU=Staff)",
        "Move ADM-ERIN@CORP.LOCAL from OU=Staff to OU=Tier1 Accounts",
        "msPKI-Certificate-Name-Flag ENROLLEE\\_SUPPLIES\\_SUBJECT",
        "DAVE@CORP.LOCAL — Service desk analyst.",
    ] {
        assert!(md.contains(text), "the runbook lacks {text:?}:\n{md}");
    }
    assert!(!md.contains("Remove u-bob from g-domain-users"), "the runbook proposes a structural cut");
}

#[test]
fn the_plan_funds_the_esc1_fix_first() {
    let dir = example().display().to_string();
    let out = json(&["plan", &dir, "--budget", "60000", "--format", "json"]);
    let plan = &out["plan"];
    let chosen = plan["initiatives"].as_array().unwrap();
    let esc1 = chosen.iter().find(|i| i["id"] == "fix-esc1").expect("fix-esc1 is funded");
    assert_eq!(esc1["start_quarter"], 0);
    let top =
        chosen.iter().max_by(|a, b| a["ale_reduction"].as_f64().partial_cmp(&b["ale_reduction"].as_f64()).unwrap());
    assert_eq!(top.unwrap()["id"], "fix-esc1");
    let burn: Vec<f64> = plan["burn_down"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert!(burn.windows(2).all(|w| w[1] <= w[0] + 1e-6), "the burn-down rises: {burn:?}");
    assert!(burn[burn.len() - 1] < 0.1 * burn[0], "the plan leaves most of the risk: {burn:?}");
}

/// The example speaks the BloodHound import's vocabulary (docs/example-ad.md): its directory node
/// kinds and tags are the import's on SpecterOps' sample, and its edge kinds differ only by those
/// the document lists (what BloodHound does not collect, and rights the sample happens to lack).
#[test]
fn the_example_uses_the_bloodhound_import_vocabulary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let zip = root.join("crates/import/tests/data/bloodhound/ad_sampledata.zip");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bh");
    run(&["import", "bloodhound", zip.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let imported = riskpath_model::load(&out, &LoadOptions::default()).expect("the import loads").model;
    let ex = model();
    let kinds = |m: &Model| m.nodes.iter().map(|n| n.kind.clone()).collect::<BTreeSet<_>>();
    let tags = |m: &Model| m.nodes.iter().flat_map(|n| n.tags.clone()).collect::<BTreeSet<_>>();
    let edge_kinds = |m: &Model| m.edges.iter().map(|e| e.kind.value.clone()).collect::<BTreeSet<_>>();
    let extra_kinds: Vec<_> = kinds(&ex).difference(&kinds(&imported)).cloned().collect();
    assert_eq!(extra_kinds, ["datastore"]);
    for tag in ["enabled-user", "tier-zero", "kerberoastable", "laps", "domain-controller", "workstation", "server"] {
        assert!(tags(&ex).contains(tag) && tags(&imported).contains(tag), "tag {tag}");
    }
    let extra_edges: Vec<_> = edge_kinds(&ex).difference(&edge_kinds(&imported)).cloned().collect();
    let documented = [
        "authenticates",
        "can_backup",
        "escalates",
        "exploits_internal",
        "kerberoasts",
        "read_laps_password",
        "reads_database",
    ];
    assert_eq!(extra_edges, documented, "update docs/example-ad.md's comparison");
    assert!(ex.entry_points[0].campaign.as_ref().is_some_and(|c| {
        c.targets.iter().any(|t| matches!(&t.value, riskpath_model::Selector::Tag(x) if x == "enabled-user"))
    }));
}
