//! `removable`, `fix_cost` (money or `{days: N}`) and `settings.day_rate` as the loader reads them:
//! an edge's own keys over its kind's defaults, the cut's unit, and located errors for bad input.

use riskpath_model::{CostUnit, LoadOptions, Model, load_str};

/// A model whose settings and edges are `settings` and `edges` (YAML lines), around hosts a, b, c.
fn yaml(settings: &str, edges: &str) -> String {
    format!(
        "settings: {{currency: EUR{settings}}}
entry_points: [{{id: net, kind: internet}}]
nodes:
  - {{id: a, kind: host}}
  - {{id: b, kind: host}}
  - {{id: j, kind: datastore, crown_jewel: true, loss: {{confidentiality: 1e6}}}}
edges:
{edges}actors: [{{id: x, frequency: 1, entry: [net]}}]
"
    )
}

fn load(settings: &str, edges: &str) -> Model {
    load_str("m.yaml", &yaml(settings, edges), &LoadOptions::default()).expect("loads").model
}

/// Every error as `line:col: message`.
fn errors(settings: &str, edges: &str) -> Vec<String> {
    let problems = load_str("m.yaml", &yaml(settings, edges), &LoadOptions::default()).expect_err("an error");
    problems
        .errors()
        .map(|p| format!("{}: {}", p.loc.map_or(String::new(), |l| problems.sources.position(l)), p.message))
        .collect()
}

#[test]
fn own_keys_override_the_kind_and_days_become_money_at_the_day_rate() {
    let m = load(
        ", day_rate: 600",
        "  - {from: net, to: a, kind: exploits, fix_cost: 25000}
  - {from: a, to: b, kind: ssh, fix_cost: {days: 3}}
  - {from: b, to: j, kind: reads}
  - {from: a, to: j, kind: reads, removable: false}
  - {from: net, to: b, kind: contains}
  - {from: b, to: a, kind: contains, removable: true, fix_cost: {days: 0.5}}
",
    );
    assert_eq!(m.cut_unit(), CostUnit::Money);
    let costs: Vec<Option<f64>> = (0..m.edges.len()).map(|i| m.fix_cost(i)).collect();
    assert_eq!(costs, [Some(25000.0), Some(1800.0), Some(600.0), None, None, Some(300.0)]);
}

#[test]
fn without_money_anywhere_the_cut_is_in_days() {
    let m = load(
        "",
        "  - {from: net, to: a, kind: exploits, fix_cost: {days: 2}}
  - {from: a, to: j, kind: reads}
  - {from: a, to: b, kind: reads, fix_cost: 500, removable: false}
",
    );
    // The money cost belongs to an edge that cannot be cut, so nothing mixes.
    assert_eq!(m.cut_unit(), CostUnit::Days);
    assert_eq!((m.fix_cost(0), m.fix_cost(1), m.fix_cost(2)), (Some(2.0), Some(1.0), None));
}

#[test]
fn money_and_days_without_a_day_rate_are_an_error_at_the_first_edge_in_days() {
    let own = errors(
        "",
        "  - {from: net, to: a, kind: exploits, fix_cost: 25000}
  - {from: a, to: j, kind: reads, fix_cost: {days: 3}}
",
    );
    assert_eq!(own.len(), 1, "{own:?}");
    assert!(own[0].starts_with("m.yaml:9:45:"), "{own:?}");
    assert!(own[0].contains("edge `a -> j` costs 3 days to remove (its `fix_cost`)"), "{own:?}");
    assert!(own[0].contains("settings.day_rate"), "{own:?}");

    let default = errors(
        "",
        "  - {from: net, to: a, kind: exploits, fix_cost: 25000}
  - {from: a, to: j, kind: reads}
  - {from: a, to: b, kind: ssh}
",
    );
    assert_eq!(default.len(), 1, "{default:?}");
    assert!(default[0].starts_with("m.yaml:9:"), "{default:?}");
    assert!(default[0].contains("its kind `reads`'s default"), "{default:?}");
    assert!(default[0].contains("and 1 more edge costs days"), "{default:?}");
}

#[test]
fn malformed_keys_are_located_errors() {
    let edge = |keys: &str| format!("  - {{from: net, to: j, kind: exploits, {keys}}}\n");
    for (keys, at, message) in [
        ("removable: maybe", "8:51", "edge `removable` must be true or false"),
        ("fix_cost: lots", "8:50", "edge `fix_cost` must be money (a number) or effort ({days: N})"),
        ("fix_cost: -5", "8:50", "edge `fix_cost`: -5 is negative"),
        ("fix_cost: {hours: 3}", "8:51", "unknown key `hours`"),
        ("fix_cost: {days: -1}", "8:57", "`days` of edge `fix_cost`: -1 is negative"),
        ("fix_cost: {}", "8:50", "`days`"),
    ] {
        let found = errors("", &edge(keys));
        assert!(
            found.iter().any(|e| e.starts_with(&format!("m.yaml:{at}: ")) && e.contains(message)),
            "{keys}: {found:?}"
        );
    }
    let rate = errors(", day_rate: 0", &edge("fix_cost: 1"));
    assert!(
        rate.iter().any(|e| e.starts_with("m.yaml:1:") && e.contains("settings `day_rate` must be more than 0")),
        "{rate:?}"
    );
}
