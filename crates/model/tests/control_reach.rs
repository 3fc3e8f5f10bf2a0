//! A control that lowers no edge's probability is a warning that names the control and says why:
//! its scope covers no edge, or none of the edges it covers uses a technique it lists.

use riskpath_model::{LoadOptions, load_str};

/// The model with `controls` (YAML list items) appended: a laptop that credentials are dumped from.
fn warnings(controls: &str) -> Vec<String> {
    let yaml = format!(
        r#"
entry_points: [{{id: internet, kind: internet}}]
nodes:
  - {{id: laptop, kind: host, tags: [workstation]}}
  - {{id: admin, kind: identity}}
  - {{id: vault, kind: host, tags: [isolated]}}
  - {{id: db, kind: datastore, crown_jewel: true, loss: {{confidentiality: 1e6}}}}
edges:
  - {{from: internet, to: laptop, kind: exploits}}
  - {{from: laptop, to: admin, kind: steals_credential, technique: T1003.001}}
  - {{from: admin, to: db, kind: authenticates}}
controls:
{controls}
actors: [{{id: crime, frequency: 1, entry: [internet]}}]
"#
    );
    let loaded = load_str("m.yaml", &yaml, &LoadOptions::default()).expect("loads");
    // What `validate` prints: the loader's warnings and its notes.
    let mut w = loaded.warnings.clone();
    w.list.extend(riskpath_model::notes(&loaded.model));
    let w = &w;
    w.list
        .iter()
        .map(|p| format!("{}: {}", p.loc.map_or(String::new(), |l| w.sources.position(l)), p.message))
        .collect()
}

#[test]
fn a_control_on_the_wrong_end_of_the_step_is_a_warning() {
    // EDR scoped to the laptop as a target: the only step landing there is the exploit (T1190).
    assert_eq!(
        warnings("  - {id: edr, mitigates: {T1003: 0.8}, scope: [tag:workstation]}"),
        [
            "m.yaml:13:10: control `edr` lowers no edge's probability: none of the 1 edge its scope covers uses T1003 (or a sub-technique)"
        ]
    );
    // Where the theft starts: it covers the T1003.001 step, so no warning.
    assert!(warnings("  - {id: edr, mitigates: {T1003: 0.8}, scope: [\"from:tag:workstation\"]}").is_empty());
    // A technique both mitigated and detected is named once.
    assert_eq!(
        warnings("  - {id: edr, mitigates: {T1003: 0.8, T1055: 0.5}, detects: {T1003: 0.4}, scope: [tag:workstation]}"),
        [
            "m.yaml:13:10: control `edr` lowers no edge's probability: none of the 1 edge its scope covers uses T1003, T1055 (or a sub-technique)"
        ]
    );
    // Detection counts as lowering too.
    assert!(warnings("  - {id: edr, detects: {T1003.001: 0.5}, scope: [admin]}").is_empty());
}

#[test]
fn a_control_whose_scope_covers_no_edge_is_a_warning() {
    assert_eq!(
        warnings("  - {id: hsm, mitigates: {T1552: 0.9}, scope: [tag:isolated]}"),
        ["m.yaml:13:10: control `hsm` lowers no edge's probability: its scope covers no edge"]
    );
    // Planned controls too: an initiative deploying it would buy nothing.
    assert_eq!(warnings("  - {id: hsm, status: planned, mitigates: {T1552: 0.9}, scope: [\"from:db\"]}").len(), 1);
}

#[test]
fn a_technique_listed_with_its_sub_technique_is_a_warning_in_either_order() {
    for (list, line_col) in [("{T1003: 0.5, T1003.001: 0.9}", "13:39"), ("{T1003.001: 0.9, T1003: 0.5}", "13:27")] {
        let w = warnings(&format!("  - {{id: edr, mitigates: {list}, scope: [\"from:tag:workstation\"]}}"));
        assert_eq!(
            w,
            [format!("m.yaml:{line_col}: control `edr` `mitigates` lists both T1003 and its sub-technique T1003.001")]
        );
    }
    // From the catalog (credential-guard lists T1003 and T1003.001 itself): by design, no warning.
    assert!(warnings("  - {id: cg, uses: catalog/credential-guard, scope: [\"from:tag:workstation\"]}").is_empty());
}
