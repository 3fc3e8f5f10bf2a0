//! The tornado's loss bars against re-evaluation: the ALE with the input set to its 5th or 95th
//! percentile, on the same random streams. Loss groups: a joint loss is one input for the whole
//! group, members' own losses do not count, and in a group without joint loss a member's loss may
//! change which member books the event.

use riskpath_decide::eval::Evaluator;
use riskpath_decide::sensitivity::tornado;
use riskpath_engine::Posture;
use riskpath_model::{Estimate, Model};

fn model(yaml: &str) -> Model {
    riskpath_model::load_str("m.yaml", yaml, &Default::default()).expect("valid").model
}

const MODEL: &str = r#"
entry_points: [{id: net, kind: internet}]
nodes:
  - {id: a, kind: datastore, crown_jewel: true, loss: {integrity: {low: 1e6, high: 4e6}}}
  - {id: b, kind: datastore, crown_jewel: true, loss: {integrity: {low: 1e6, high: 2e6}}}
  - {id: c, kind: datastore, crown_jewel: true, loss: {integrity: {low: 5e5, high: 5e6}}}
  - {id: d, kind: datastore, crown_jewel: true, loss: {integrity: {low: 2e5, high: 8e5}}}
  - {id: e, kind: datastore, crown_jewel: true, loss: {integrity: {low: 1e5, high: 1e6}}}
edges:
  - {from: net, to: a, kind: exploits, p: 0.5}
  - {from: net, to: b, kind: exploits, p: 0.4}
  - {from: net, to: c, kind: exploits, p: 0.3}
  - {from: net, to: d, kind: exploits, p: 0.6}
  - {from: net, to: e, kind: exploits, p: 0.2}
loss_groups:
  - {id: forest, members: [a, b], loss: {integrity: {low: 3e6, high: 3e7}}}
  - {id: data, members: [c, d]}
actors:
  - {id: crime, frequency: 3, entry: [net]}
"#;

#[test]
fn loss_bars_equal_re_evaluation_with_loss_groups() {
    let m = model(MODEL);
    let eval = Evaluator::new(&m, Posture::as_deployed(&m), 4096, 3);
    let bars = tornado(&eval, 100);
    let find = |input: &str| bars.iter().find(|b| b.input == input);
    // Members of a joint group: their own losses are not inputs; the joint loss is.
    assert!(find("integrity loss of a").is_none() && find("integrity loss of b").is_none());
    let at = |change: &dyn Fn(&mut Model, f64), x: f64| {
        let mut changed = m.clone();
        change(&mut changed, x);
        eval.loss_of(&changed, &eval.baseline).ale
    };
    let check = |input: &str, change: &dyn Fn(&mut Model, f64)| {
        let bar = find(input).unwrap_or_else(|| panic!("no bar {input}: {bars:?}"));
        for (x, ale) in [(bar.low, bar.ale_at_low), (bar.high, bar.ale_at_high)] {
            let want = at(change, x);
            assert!((ale / want - 1.0).abs() < 1e-9, "{input} at {x}: {ale} vs {want}");
        }
    };
    check("integrity loss of forest", &|m, x| m.loss_groups[0].loss[0].amount.value = Estimate::Point(x));
    // In the group without joint loss, c at 5e5 ranks below d: the booking changes.
    check("integrity loss of c", &|m, x| m.nodes[2].loss[0].amount.value = Estimate::Point(x));
    check("integrity loss of d", &|m, x| m.nodes[3].loss[0].amount.value = Estimate::Point(x));
    check("integrity loss of e", &|m, x| m.nodes[4].loss[0].amount.value = Estimate::Point(x));
}
