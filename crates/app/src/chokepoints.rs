//! `chokepoints`: the minimum-cost cut between entry points and crown jewels, the nodes and edges
//! that dominate the most simulated breaches (confirmed by re-simulation), and the CVEs to patch.

use riskpath_decide::chokepoints::{CutScope, analyse};
use riskpath_decide::saturation;
use riskpath_model::Labels;
use riskpath_report::style::{Style, count};
use riskpath_report::{decisions, vulns};

use crate::docs::{ChokepointsDoc, SCHEMA_VERSION, ScopeDoc};
use crate::outcome::{Outcome, on_model};
use crate::{AppError, Format, ModelSource, Progress, SimConfig};

/// What to cut and how (the flags of `riskpath chokepoints`).
#[derive(Debug, Clone)]
pub struct ChokepointsConfig {
    pub model: ModelSource,
    pub sim: SimConfig,
    /// How many choke points to confirm by re-simulation (`--top`).
    pub top: usize,
    /// Cut only this actor's ways in, or only the ways to this crown jewel.
    pub scope: CutScope,
    pub format: Format,
    pub style: Style,
    pub threads: Option<usize>,
}

/// The cut and the choke points of the model of `config`.
pub fn chokepoints(config: &ChokepointsConfig, progress: &dyn Progress) -> Result<Outcome<ChokepointsDoc>, AppError> {
    on_model(&config.model, config.threads, |loaded| {
        let model = &loaded.model;
        let scope = &config.scope;
        scope.check(model).map_err(AppError::Usage)?;
        let (risk, eval) = config.sim.assess(model, progress)?;
        // Patching is priced on the whole estate, as deployed.
        let vulns = riskpath_decide::patch::rank(&eval);
        // When an actor wins nearly every attempt, choke points are ranked in the one-foothold view
        // (the minimum cut is the same in both: it does not depend on probabilities).
        let (saturation, conditional) = saturation::decision_view(&eval, &risk.scenarios);
        let run = config.sim.config(model)?;
        let conditional_eval = conditional.as_ref().map(|m| config.sim.evaluator(m, &run)).transpose()?;
        let decisions_eval = conditional_eval.as_ref().unwrap_or(&eval);
        let (cut, points) = analyse(decisions_eval, decisions_eval.baseline_graph(), config.top, scope);
        let currency = &model.settings.currency;
        let text = (config.format == Format::Text).then(|| {
            let style = &config.style;
            let labels = Labels::new(model);
            style.finish(format!(
                "{}{}{}{}{}{}",
                saturation.as_ref().map_or(String::new(), |s| riskpath_report::saturation::section(s, &labels, style)),
                decisions::scope_line(scope, &labels),
                decisions::cut_section(&cut, currency, &labels, style),
                decisions::chokepoints_section(&points, currency, style),
                vulns.as_ref().map(|v| vulns::section(v, currency, config.top, style)).unwrap_or_default(),
                style.dim(&format!(
                    "\nseed {}, {} per actor\n",
                    decisions_eval.seed,
                    count(decisions_eval.trials as usize, "trial")
                ))
            ))
        });
        let one_foothold_ale = saturation.as_ref().map(|_| decisions_eval.loss(&decisions_eval.baseline).ale);
        let doc = ChokepointsDoc {
            schema_version: SCHEMA_VERSION,
            seed: decisions_eval.seed,
            trials: decisions_eval.trials,
            currency: currency.clone(),
            ale: risk.ale,
            scope: ScopeDoc { actor: scope.actor.clone(), target: scope.target.clone() },
            min_cut: cut,
            choke_points: points,
            saturation,
            one_foothold_ale,
            vulnerabilities: vulns,
        };
        eval.progress_done();
        Ok(Outcome::new(doc, text))
    })
}
