//! Sensitivity: a tornado of the ALE against each uncertain input set to its 5th and 95th percentile
//! (actor frequencies, loss intervals, control efficacies, interval edge probabilities).

use rayon::prelude::*;
use riskpath_engine::dist;
use riskpath_engine::risk::{ExpectedLoss, mean_loss};
use riskpath_model::{Estimate, Model};

use crate::eval::Evaluator;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TornadoBar {
    /// What the input is, e.g. "frequency of crime".
    pub input: String,
    /// The input's 5th and 95th percentile.
    pub low: f64,
    pub high: f64,
    /// ALE with the input at its 5th and at its 95th percentile, everything else at baseline.
    pub ale_at_low: f64,
    pub ale_at_high: f64,
    /// |ale_at_high − ale_at_low|.
    pub swing: f64,
}

fn bar(input: String, low: f64, high: f64, ale_at_low: f64, ale_at_high: f64) -> TornadoBar {
    TornadoBar { input, low, high, ale_at_low, ale_at_high, swing: (ale_at_high - ale_at_low).abs() }
}

/// A model input that re-simulation must vary: where it sits in the model.
enum Simulated {
    Prevent {
        control: usize,
        entry: usize,
    },
    Detect {
        control: usize,
        entry: usize,
    },
    EdgeP {
        edge: usize,
    },
    /// A loss type of a crown jewel in a loss group without a joint loss: moving it may change
    /// which held member books the group's event.
    Loss {
        node: usize,
        loss: usize,
    },
}

impl Simulated {
    fn set(&self, model: &mut Model, value: f64) {
        let point = Estimate::Point(value);
        match *self {
            Simulated::Prevent { control, entry } => model.controls[control].mitigates[entry].value.value = point,
            Simulated::Detect { control, entry } => model.controls[control].detects[entry].value.value = point,
            Simulated::EdgeP { edge } => {
                if let Some(p) = model.edges[edge].p.as_mut() {
                    p.value = point;
                }
            }
            Simulated::Loss { node, loss } => model.nodes[node].loss[loss].amount.value = point,
        }
    }
}

/// The tornado, widest bars first, `top` at most.
pub fn tornado(eval: &Evaluator, top: usize) -> Vec<TornadoBar> {
    let model = eval.model;
    let base: ExpectedLoss = eval.loss(&eval.baseline);
    let graph = eval.baseline_graph();
    let mut bars = analytic_bars(model, &graph.ids, &base);
    let mut simulated: Vec<(String, Estimate, Simulated)> = Vec::new();
    for (ci, c) in model.controls.iter().enumerate().filter(|(ci, _)| eval.baseline.active[*ci]) {
        for (entry, e) in c.mitigates.iter().enumerate() {
            let input = format!("{} prevents {}", c.id, e.technique.value);
            simulated.push((input, e.value.value, Simulated::Prevent { control: ci, entry }));
        }
        for (entry, e) in c.detects.iter().enumerate() {
            let input = format!("{} detects {}", c.id, e.technique.value);
            simulated.push((input, e.value.value, Simulated::Detect { control: ci, entry }));
        }
    }
    let labels = riskpath_model::Labels::new(model);
    for (ei, e) in model.edges.iter().enumerate().filter(|(ei, _)| !eval.baseline.removed[*ei]) {
        if let Some(p) = &e.p {
            simulated.push((format!("p of {}", labels.edge(e)), p.value, Simulated::EdgeP { edge: ei }));
        }
    }
    for (ni, node) in model.nodes.iter().enumerate().filter(|(_, n)| in_group(model, &n.id, false)) {
        for (li, loss) in node.loss.iter().enumerate() {
            let input = format!("{} loss of {}", loss.kind, labels.get(&node.id));
            simulated.push((input, loss.amount.value, Simulated::Loss { node: ni, loss: li }));
        }
    }
    simulated.retain(|(_, est, _)| est.is_uncertain());
    bars.par_extend(simulated.par_iter().map(|(input, est, what)| {
        let ale_at = |value: f64| {
            let mut changed = model.clone();
            what.set(&mut changed, value);
            eval.loss_of(&changed, &eval.baseline).ale
        };
        bar(input.clone(), est.low(), est.high(), ale_at(est.low()), ale_at(est.high()))
    }));
    bars.sort_by(|a, b| b.swing.total_cmp(&a.swing).then(a.input.cmp(&b.input)));
    bars.truncate(top);
    bars
}

/// Whether `jewel` is in a loss group with a joint loss (`joint`), or in one without.
fn in_group(model: &Model, jewel: &str, joint: bool) -> bool {
    model.loss_groups.iter().any(|g| g.loss.is_empty() != joint && g.members.iter().any(|m| m.value == jewel))
}

/// Bars for inputs the ALE is linear in: actor frequencies, the losses of jewels outside loss
/// groups and the joint losses of groups (a group's event is booked on one member per attempt: its
/// expected events per year are the sum of its members').
fn analytic_bars(model: &Model, ids: &[String], base: &ExpectedLoss) -> Vec<TornadoBar> {
    let mut bars = Vec::new();
    for (ai, actor) in model.actors.iter().enumerate() {
        let f = actor.frequency.value;
        if !f.is_uncertain() {
            continue;
        }
        let share: f64 = base.scenarios.iter().filter(|s| s.actor == ai).map(|s| s.ale).sum();
        let mean = dist::amount_mean(&f);
        let at = |x: f64| base.ale - share + share * x / mean;
        bars.push(bar(format!("frequency of {}", actor.id), f.low(), f.high(), at(f.low()), at(f.high())));
    }
    // Expected events per year booked on these jewels, over all actors: Σ λ̄·P = Σ ale / E[loss].
    let events = |members: &[&str], mean: f64| -> f64 {
        let on = |s: &&riskpath_engine::risk::ScenarioRisk| members.contains(&ids[s.target as usize].as_str());
        base.scenarios.iter().filter(on).map(|s| s.ale / mean).sum()
    };
    let mut loss_bars = |what: &str, losses: &[riskpath_model::Loss], events: f64| {
        for loss in losses.iter().filter(|l| l.amount.value.is_uncertain()) {
            let est = loss.amount.value;
            let m = dist::amount_mean(&est);
            let at = |x: f64| base.ale - events * m + events * x;
            bars.push(bar(
                format!("{} loss of {what}", loss.kind),
                est.low(),
                est.high(),
                at(est.low()),
                at(est.high()),
            ));
        }
    };
    let labels = riskpath_model::Labels::new(model);
    for node in model.crown_jewels().filter(|n| !in_group(model, &n.id, true) && !in_group(model, &n.id, false)) {
        let mean = mean_loss(model, &node.id);
        if mean > 0.0 {
            loss_bars(labels.get(&node.id), &node.loss, events(&[node.id.as_str()], mean));
        }
    }
    for group in model.loss_groups.iter().filter(|g| !g.loss.is_empty()) {
        let members: Vec<&str> = group.members.iter().map(|m| m.value.as_str()).collect();
        let mean: f64 = group.loss.iter().map(|l| dist::amount_mean(&l.amount.value)).sum();
        if mean > 0.0 {
            loss_bars(&group.id, &group.loss, events(&members, mean));
        }
    }
    bars
}
