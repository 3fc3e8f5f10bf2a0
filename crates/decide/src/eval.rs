//! What-if evaluation with common random numbers: the expected ALE of the model under a changed
//! posture (controls counted, edges removed) or with changed inputs, on the same random streams.
//!
//! One figure per run: once the run's headline ALE (the full simulation) is known, the evaluator is
//! anchored to it and every what-if it returns is the headline scaled by the what-if's ratio to the
//! baseline, both estimated on the same decision trials. The baseline is then exactly the headline,
//! a change that removes all risk leaves exactly zero, and differences keep their common-random-number
//! precision; the decision trials' own estimate of the baseline is never shown as "the ALE".

use std::sync::{Arc, OnceLock};

use riskpath_engine::compile::{AttackGraph, Posture, compile};
use riskpath_engine::risk::{ExpectedLoss, Progress, RiskResult, expected_loss};
use riskpath_model::Model;

/// The run's headline figure: the mean annual loss of the full simulation and its standard error.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Headline {
    pub ale: f64,
    pub std_error: f64,
}

impl Headline {
    pub fn of(risk: &RiskResult) -> Self {
        Headline { ale: risk.ale, std_error: risk.ale_std_error }
    }
}

/// Evaluates what-ifs of one model against one baseline posture, all on the same seed.
pub struct Evaluator<'m> {
    pub model: &'m Model,
    pub baseline: Posture,
    pub trials: u64,
    pub seed: u64,
    /// The model compiled under `baseline`, once.
    baseline_graph: OnceLock<AttackGraph>,
    /// The baseline's expected loss on the decision trials (not anchored), once.
    baseline_loss: OnceLock<ExpectedLoss>,
    headline: Option<Headline>,
    /// Told of each what-if evaluated (one unit each), for a progress display.
    progress: Option<Arc<dyn Progress + Send>>,
}

impl<'m> Evaluator<'m> {
    pub fn new(model: &'m Model, baseline: Posture, trials: u64, seed: u64) -> Self {
        Evaluator {
            model,
            baseline,
            trials,
            seed,
            baseline_graph: OnceLock::new(),
            baseline_loss: OnceLock::new(),
            headline: None,
            progress: None,
        }
    }

    /// Reports each what-if evaluated from now on to `progress` (one unit each).
    pub fn observe(&mut self, progress: Arc<dyn Progress + Send>) {
        self.progress = Some(progress);
    }

    /// Tells the observer the evaluations are over (before the command writes its result).
    pub fn progress_done(&self) {
        if let Some(p) = &self.progress {
            p.done();
        }
    }

    fn tick(&self) {
        if let Some(p) = &self.progress {
            p.add(1);
        }
    }

    /// Anchors every what-if to the run's headline ALE (see the module's doc).
    pub fn anchor(&mut self, headline: Headline) {
        self.headline = Some(headline);
    }

    /// The headline this evaluator is anchored to, if any.
    pub fn headline(&self) -> Option<Headline> {
        self.headline
    }

    /// The model compiled under the baseline posture (compiled at the first call).
    pub fn baseline_graph(&self) -> &AttackGraph {
        self.baseline_graph.get_or_init(|| compile(self.model, &self.baseline))
    }

    /// Expected loss under `posture`.
    pub fn loss(&self, posture: &Posture) -> ExpectedLoss {
        if *posture == self.baseline {
            let mut loss = self.anchored(self.raw_baseline().clone());
            if let Some(headline) = self.headline {
                loss.ale = headline.ale;
            }
            return loss;
        }
        self.loss_of(self.model, posture)
    }

    /// Expected loss of another model (same ids, changed inputs) under `posture`.
    pub fn loss_of(&self, model: &Model, posture: &Posture) -> ExpectedLoss {
        self.tick();
        self.anchored(expected_loss(model, &compile(model, posture), self.trials, self.seed))
    }

    /// Expected loss of the baseline with the given model edges removed.
    pub fn without_edges(&self, edges: &[usize]) -> ExpectedLoss {
        let graph = self.baseline_graph().without_model_edges(edges);
        self.tick();
        self.anchored(expected_loss(self.model, &graph, self.trials, self.seed))
    }

    fn raw_baseline(&self) -> &ExpectedLoss {
        self.baseline_loss.get_or_init(|| expected_loss(self.model, self.baseline_graph(), self.trials, self.seed))
    }

    /// A what-if on the decision trials, expressed against the headline: scaled by headline ÷
    /// baseline (both totals and scenarios). When the decision trials saw no loss at all, the
    /// what-if's difference is added to the headline instead.
    fn anchored(&self, mut loss: ExpectedLoss) -> ExpectedLoss {
        let Some(headline) = self.headline else { return loss };
        let base = self.raw_baseline().ale;
        if base > 0.0 {
            let factor = headline.ale / base;
            loss.ale *= factor;
            loss.scenarios.iter_mut().for_each(|s| s.ale *= factor);
        } else {
            loss.ale += headline.ale - base;
        }
        loss
    }
}
