//! What-if evaluation with common random numbers: the expected ALE of the model under a changed
//! posture (controls counted, edges removed) or with changed inputs, on the same random streams.

use std::sync::OnceLock;

use riskpath_engine::compile::{AttackGraph, Posture, compile};
use riskpath_engine::risk::{ExpectedLoss, expected_loss};
use riskpath_model::Model;

/// Evaluates what-ifs of one model against one baseline posture, all on the same seed.
pub struct Evaluator<'m> {
    pub model: &'m Model,
    pub baseline: Posture,
    pub trials: u64,
    pub seed: u64,
    /// The model compiled under `baseline`, once.
    baseline_graph: OnceLock<AttackGraph>,
}

impl<'m> Evaluator<'m> {
    pub fn new(model: &'m Model, baseline: Posture, trials: u64, seed: u64) -> Self {
        Evaluator { model, baseline, trials, seed, baseline_graph: OnceLock::new() }
    }

    /// The model compiled under the baseline posture (compiled at the first call).
    pub fn baseline_graph(&self) -> &AttackGraph {
        self.baseline_graph.get_or_init(|| compile(self.model, &self.baseline))
    }

    /// Expected loss under `posture`.
    pub fn loss(&self, posture: &Posture) -> ExpectedLoss {
        if *posture == self.baseline {
            return expected_loss(self.model, self.baseline_graph(), self.trials, self.seed);
        }
        self.loss_of(self.model, posture)
    }

    /// Expected loss of another model (same ids, changed inputs) under `posture`.
    pub fn loss_of(&self, model: &Model, posture: &Posture) -> ExpectedLoss {
        expected_loss(model, &compile(model, posture), self.trials, self.seed)
    }

    /// Expected loss of the baseline with the given model edges removed.
    pub fn without_edges(&self, edges: &[usize]) -> ExpectedLoss {
        expected_loss(self.model, &self.baseline_graph().without_model_edges(edges), self.trials, self.seed)
    }
}
