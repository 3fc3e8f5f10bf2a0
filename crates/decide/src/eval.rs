//! What-if evaluation with common random numbers: the expected ALE of the model under a changed
//! posture (controls counted, edges removed) or with changed inputs, on the same random streams.

use riskpath_engine::compile::{Posture, compile};
use riskpath_engine::risk::{ExpectedLoss, expected_loss};
use riskpath_model::Model;

/// Evaluates what-ifs of one model against one baseline posture, all on the same seed.
pub struct Evaluator<'m> {
    pub model: &'m Model,
    pub baseline: Posture,
    pub trials: u64,
    pub seed: u64,
}

impl<'m> Evaluator<'m> {
    pub fn new(model: &'m Model, baseline: Posture, trials: u64, seed: u64) -> Self {
        Evaluator { model, baseline, trials, seed }
    }

    /// Expected loss under `posture`.
    pub fn loss(&self, posture: &Posture) -> ExpectedLoss {
        self.loss_of(self.model, posture)
    }

    /// Expected loss of another model (same ids, changed inputs) under `posture`.
    pub fn loss_of(&self, model: &Model, posture: &Posture) -> ExpectedLoss {
        expected_loss(model, &compile(model, posture), self.trials, self.seed)
    }

    /// Expected loss of the baseline with the given model edges removed.
    pub fn without_edges(&self, edges: &[usize]) -> ExpectedLoss {
        let mut posture = self.baseline.clone();
        for &e in edges {
            posture.removed[e] = true;
        }
        self.loss(&posture)
    }
}
