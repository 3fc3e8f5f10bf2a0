//! `riskpath diff`: what changed between two versions of a model and what it did to the risk —
//! items added, removed or changed, ΔALE, ΔP90, ΔP and paths on common random numbers, and each change's share.

pub mod changes;
pub mod items;
pub mod numbers;
pub mod paths;

use rayon::prelude::*;
use riskpath_engine::compile::{Posture, compile};
use riskpath_engine::risk::{RiskConfig, SkillGraphs, assess_graph, expected_loss};
use riskpath_model::Model;

pub use changes::{Change, FieldChange, How};
pub use items::Kind;
pub use numbers::{Delta, ScenarioDelta};
pub use paths::{PathChange, Reason, Status};

/// How much to simulate: one trial count, year count and seed for both sides (the pairing needs
/// them equal), `k` paths per scenario, and at most `attribute` changes re-simulated one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DiffConfig {
    pub trials: u64,
    pub years: u64,
    pub seed: u64,
    pub k: usize,
    pub attribute: usize,
}

/// One side's headline figures.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Summary {
    pub ale: f64,
    pub ale_std_error: f64,
    pub p90: f64,
}

/// A change with its part of ΔALE.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Attributed {
    #[serde(flatten)]
    pub change: Change,
    /// What applying this change alone to the base does to the base's ALE (money, anchored to the
    /// base's headline); 0 for a change no number reads; `None` when not attributed (over the limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ale_delta: Option<f64>,
    /// `ale_delta` over the total expected difference (`None` when that difference is 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    /// Other changes applied with it because it needs them (an edge to a new node needs the node).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Diff {
    pub config: DiffConfig,
    pub base: Summary,
    pub head: Summary,
    /// ALE(head) − ALE(base) from paired simulated years.
    pub ale: Delta,
    /// P90(head) − P90(base), paired bootstrap interval.
    pub p90: Delta,
    pub scenarios: Vec<ScenarioDelta>,
    pub paths: Vec<PathChange>,
    pub changes: Vec<Attributed>,
    /// The part of the expected difference that no single change explains (changes acting
    /// together): 1 − Σ share. `None` when the expected difference is 0 or changes were left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interaction: Option<f64>,
}

/// A compiled side: its model, graph and risk.
struct Compiled<'m> {
    model: &'m Model,
    graph: riskpath_engine::AttackGraph,
}

impl<'m> Compiled<'m> {
    fn new(model: &'m Model) -> Self {
        Compiled { model, graph: compile(model, &Posture::as_deployed(model)) }
    }
    fn expected(&self, config: &DiffConfig) -> f64 {
        expected_loss(self.model, &self.graph, config.trials, config.seed).ale
    }
}

/// Compares `head` with `base`, both with their controls as deployed.
pub fn diff(base: &Model, head: &Model, config: DiffConfig) -> Diff {
    let risk_config = RiskConfig { trials: config.trials, years: config.years, seed: config.seed };
    let (b, h) = (Compiled::new(base), Compiled::new(head));
    let (risk_b, risk_h) =
        rayon::join(|| assess_graph(base, &b.graph, risk_config), || assess_graph(head, &h.graph, risk_config));
    let summary =
        |r: &riskpath_engine::risk::RiskResult| Summary { ale: r.ale, ale_std_error: r.ale_std_error, p90: r.p90 };
    let (sims_b, sims_h) = (SkillGraphs::new(base, &b.graph), SkillGraphs::new(head, &h.graph));
    let scenarios = numbers::scenarios(
        &numbers::Side { model: base, graph: &b.graph, sims: &sims_b },
        &numbers::Side { model: head, graph: &h.graph, sims: &sims_h },
        config.trials,
        config.seed,
    );
    let paths = paths::changes(
        &paths::Side { model: base, graph: &b.graph },
        &paths::Side { model: head, graph: &h.graph },
        config.k,
    );
    let (changes, interaction) = attribute(&b, &h, risk_b.ale, &config);
    Diff {
        config,
        base: summary(&risk_b),
        head: summary(&risk_h),
        ale: numbers::ale(&risk_b, &risk_h),
        p90: numbers::p90(&risk_b, &risk_h, config.seed),
        scenarios,
        paths,
        changes,
        interaction,
    }
}

/// Each change's part of ΔALE, one change at a time: the base with that change (and the changes
/// it needs) applied, its expected loss on the decision trials against the base's on the same
/// trials (common random numbers). Money is anchored to the base's headline ALE; the share is the
/// change's expected difference over the head's.
fn attribute(base: &Compiled, head: &Compiled, headline: f64, config: &DiffConfig) -> (Vec<Attributed>, Option<f64>) {
    let (items_b, items_h) = (items::Items::of(base.model), items::Items::of(head.model));
    let all = changes::Changes::new(&items_b, &items_h);
    let numeric: Vec<usize> = (0..all.list.len()).filter(|&i| all.list[i].numeric()).collect();
    let measured: Vec<usize> = numeric.iter().copied().take(config.attribute).collect();
    let base_el = base.expected(config);
    let head_el = head.expected(config);
    let deltas: Vec<(usize, f64, Vec<String>)> = measured
        .par_iter()
        .map(|&i| {
            let applied = all.closure(&[i]);
            let model = changes::hybrid(base.model, head.model, &all.list, &applied);
            let with = (0..all.list.len()).filter(|&j| applied[j] && j != i).map(|j| all.list[j].key.clone()).collect();
            (i, Compiled::new(&model).expected(config) - base_el, with)
        })
        .collect();
    let total = head_el - base_el;
    let anchor = |d: f64| if base_el > 0.0 { headline * d / base_el } else { d };
    let share = |d: f64| (total != 0.0).then(|| d / total);
    let mut out: Vec<Attributed> = all
        .list
        .iter()
        .map(|c| {
            let zero = (!c.numeric()).then_some(0.0);
            Attributed { change: c.clone(), ale_delta: zero, share: zero.and(share(0.0)), with: Vec::new() }
        })
        .collect();
    for (i, d, with) in deltas {
        out[i] = Attributed { change: all.list[i].clone(), ale_delta: Some(anchor(d)), share: share(d), with };
    }
    let complete = measured.len() == numeric.len();
    let interaction = share(total).filter(|_| complete).map(|_| 1.0 - out.iter().filter_map(|a| a.share).sum::<f64>());
    (out, interaction)
}
