//! Missing-mitigation classes: a mitigation is missing on an edge only when the estate can have it
//! (its platforms) and no counted control covering the edge lists the edge's technique and implements it.

use riskpath_decide::Evaluator;
use riskpath_decide::classes::{ClassKind, group};
use riskpath_engine::Posture;
use riskpath_model::Model;

fn model(extra_nodes: &str) -> Model {
    let y = format!(
        "entry_points: [{{id: net, kind: internet}}]
nodes:
  - {{id: dev, kind: iam_user}}
  - {{id: admin, kind: role}}
  - {{id: data, kind: bucket, crown_jewel: true, loss: {{confidentiality: 1000000}}}}
{extra_nodes}edges:
  - {{from: net, to: dev, kind: password_spray, p: 0.2}}
  - {{from: dev, to: admin, kind: assumes, p: 0.9}}
  - {{from: admin, to: data, kind: reads, p: 0.9}}
controls:
  - {{id: mfa, mitigates: {{T1078.004: 0.5}}, implements: [M1032], scope: ['*']}}
  - {{id: siem, detects: {{T1530: 0.3}}, implements: [M1047], scope: ['*']}}
actors: [{{id: a, frequency: 1, entry: [net]}}]
"
    );
    riskpath_model::load_str("m.yaml", &y, &Default::default()).expect("valid model").model
}

/// The missing-mitigation classes: mitigation id → the kinds of the edges it is missing on.
fn missing(m: &Model) -> Vec<(String, Vec<String>)> {
    let eval = Evaluator::new(m, Posture::as_deployed(m), 64, 1);
    let graph = eval.baseline_graph();
    group(&eval, graph, 1)
        .into_iter()
        .filter(|c| c.kind == ClassKind::MissingMitigation)
        .map(|c| (c.key, c.edges.iter().map(|&e| m.edges[e].kind.value.to_string()).collect()))
        .collect()
}

#[test]
fn missing_mitigations_respect_platforms_and_listed_techniques() {
    let aws = missing(&model(""));
    let find = |classes: &[(String, Vec<String>)], id: &str| classes.iter().find(|c| c.0 == id).map(|c| c.1.clone());
    // `assumes` lists Active Directory Configuration, which an AWS-only estate cannot have.
    assert_eq!(find(&aws, "M1015"), None, "{aws:?}");
    // MFA lists T1078.004 (assumes) but not password spraying or bucket reads: missing on those.
    assert_eq!(find(&aws, "M1032"), Some(vec!["password_spray".to_string(), "reads".to_string()]));
    // The SIEM audits bucket reads (it lists T1530), not role assumption.
    assert_eq!(find(&aws, "M1047"), None, "neither `assumes` nor `password_spray` lists Audit: {aws:?}");
    // With a domain in the estate, AD configuration can be missing again.
    let hybrid = missing(&model("  - {id: corp, kind: domain}\n"));
    assert!(find(&hybrid, "M1015").is_some_and(|k| k.contains(&"assumes".to_string())), "{hybrid:?}");
}
