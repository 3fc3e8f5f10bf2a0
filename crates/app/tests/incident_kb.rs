//! `riskpath_app::incident` and `riskpath_app::kb::group`: a compromise one certain hop from the
//! jewel puts exactly its mean loss at stake (closed form), the document echoes the run, unknown
//! ids name the model; a group's edges, walkable count and lacks recount by brute force.

use riskpath_app::incident::{IncidentConfig, IncidentFormat, incident};
use riskpath_app::kb::{GroupConfig, group, reason};
use riskpath_app::{AppError, Format, ModelSource, Silent};
use riskpath_report::style::Style;

const ACME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/acme");
const BUNDLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/attack/enterprise-attack-v18.1-core.json.zst");

/// web reaches the jewel for certain; nothing else leads there.
const CERTAIN: &str = "entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: web, kind: service}
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 1e6, high: 1e7}}}
edges:
  - {from: internet, to: web, kind: exploits, p: 0.5}
  - {from: web, to: db, kind: authenticates, p: 1}
actors: [{id: crime, frequency: 2, entry: [internet]}]
";

fn config(model: &std::path::Path, compromised: &[&str]) -> IncidentConfig {
    IncidentConfig {
        model: ModelSource::path(model),
        model_path: model.to_path_buf(),
        compromised: compromised.iter().map(|s| s.to_string()).collect(),
        skill: None,
        trials: Some(1000),
        seed: Some(9),
        top: 5,
        format: IncidentFormat::Json,
        style: Style::plain(),
        threads: None,
    }
}

#[test]
fn one_certain_hop_puts_the_jewels_mean_loss_at_stake() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.yaml"), CERTAIN).unwrap();
    let doc = incident(&config(dir.path(), &["web"]), &Silent).unwrap().doc;
    let loaded = riskpath_model::load(dir.path(), &riskpath_app::model::load_options(1 << 20)).unwrap();
    let mean = riskpath_engine::risk::mean_loss(&loaded.model, "db");
    assert!(mean > 1e6 && mean < 1e7, "{mean}");
    let x = &doc.incident;
    assert_eq!((x.trials, x.seed, x.compromised.clone()), (1000, 9, vec!["web".to_string()]));
    assert_eq!(x.breach_probability, 1.0);
    assert!((x.at_stake - mean).abs() <= 1e-9 * mean, "{} vs {mean}", x.at_stake);
    assert_eq!(doc.schema_version, 1);
    let json = riskpath_app::outcome::Document::json(&doc).unwrap();
    assert!(json.contains("\"method\": {"), "the method is stated");
}

#[test]
fn unknown_ids_and_trials_are_usage_errors_naming_the_model() {
    let acme = std::path::Path::new(ACME);
    match incident(&config(acme, &["no-such-node"]), &Silent) {
        Err(AppError::Usage(m)) => {
            assert!(m.contains("no-such-node") && m.contains(&format!("`riskpath validate {ACME}`")), "{m}")
        }
        other => panic!("{other:?}"),
    }
    let mut zero = config(acme, &["laptops-sre"]);
    zero.trials = Some(0);
    assert!(matches!(incident(&zero, &Silent), Err(AppError::Usage(m)) if m == "--trials must be between 1 and 1e9"));
}

#[test]
fn a_groups_edges_and_lacks_recount_by_brute_force() {
    let config = |group: &str| GroupConfig {
        model: ModelSource::path(ACME),
        group: group.into(),
        attack: Some(BUNDLE.into()),
        format: Format::Json,
        style: Style::plain(),
    };
    let doc = group(&config("APT29")).unwrap().doc;
    let loaded = riskpath_model::load(ACME.as_ref(), &riskpath_app::model::load_options(64 << 20)).unwrap();
    assert_eq!(doc.edges.len(), loaded.model.edges.len());
    for (e, edge) in doc.edges.iter().zip(&loaded.model.edges) {
        assert_eq!(e.technique, edge.technique_id().unwrap_or_default());
        assert_eq!(e.allowed, reason(&doc.group.techniques, &e.technique).is_some());
        assert_eq!(e.allowed, e.reason.is_some());
    }
    assert_eq!(doc.walkable, doc.edges.iter().filter(|e| e.allowed).count());
    assert!(doc.walkable > 0 && doc.walkable < doc.edges.len());
    for lack in &doc.lacks {
        let n = doc.edges.iter().filter(|e| !e.allowed && e.technique == lack.technique).count();
        assert_eq!(lack.edges, n, "{}", lack.technique);
    }
    assert_eq!(doc.lacks.iter().map(|l| l.edges).sum::<usize>(), doc.edges.len() - doc.walkable);
    assert!(doc.lacks.windows(2).all(|w| w[0].edges >= w[1].edges), "most edges first");
    let unknown = group(&config("G9999"));
    assert!(matches!(unknown, Err(AppError::Usage(m)) if m.starts_with("unknown ATT&CK group `G9999`")));
}

#[test]
fn a_technique_is_walked_through_itself_its_parent_or_its_subtechniques() {
    let used = vec!["T1078".to_string(), "T1566.001".to_string()];
    assert_eq!(reason(&used, "T1078").as_deref(), Some("uses T1078"));
    assert_eq!(reason(&used, "T1078.004").as_deref(), Some("uses its parent T1078"));
    assert_eq!(reason(&used, "T1566").as_deref(), Some("uses T1566.001"));
    assert_eq!(reason(&used, "T1190"), None);
}
