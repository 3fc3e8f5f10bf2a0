//! The roadmap for a model: its initiatives as planning candidates, priced on the what-if trials
//! (common random numbers), planned exactly where possible, with burn-down, returns and a budget cut.

use std::collections::HashMap;
use std::sync::Mutex;

use riskpath_engine::compile::Posture;
use riskpath_model::Model;

use crate::eval::Evaluator;
use crate::plan::{self, AleOracle, Candidate, ExactLimits, Problem, Schedule};
use crate::worlds::{self, Worlds};

/// The exact solver's default node budget (`--exact-nodes`).
pub const DEFAULT_EXACT_NODES: u64 = 100;
/// Constraints of the exact solver's integer program: the largest groups of breaches that fit are
/// modelled, the others held at a floor (see [`plan::exact`]).
pub const EXACT_ROWS: usize = 2_000;
/// Rounds of local search after greedy.
const LOCAL_SEARCH_PASSES: usize = 20;

/// Planning options.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    pub budget_per_year: f64,
    pub years: usize,
    pub team_capacity: Option<usize>,
    /// Branch-and-bound nodes the exact solver may solve before it stops with the best plan found
    /// and a proven bound (0: greedy only).
    pub exact_nodes: u64,
}

/// ALE of the model with a set of initiatives in effect, memoised.
pub struct InitiativeOracle<'e, 'm> {
    eval: &'e Evaluator<'m>,
    memo: Mutex<HashMap<u64, f64>>,
}

impl<'e, 'm> InitiativeOracle<'e, 'm> {
    pub fn new(eval: &'e Evaluator<'m>) -> Self {
        InitiativeOracle { eval, memo: Mutex::new(HashMap::new()) }
    }

    /// The posture with the initiatives in `set` done: their controls deployed, their edges removed.
    pub fn posture(&self, set: u64) -> Posture {
        let model = self.eval.model;
        let mut posture = self.eval.baseline.clone();
        for (_, init) in model.initiatives.iter().enumerate().filter(|(i, _)| set >> i & 1 == 1) {
            for c in &init.deploys {
                if let Some(ci) = model.controls.iter().position(|x| x.id == c.value) {
                    posture.active[ci] = true;
                }
            }
            for e in &init.removes {
                if let Some(ei) = model.edges.iter().position(|x| x.id.as_deref() == Some(e.value.as_str())) {
                    posture.removed[ei] = true;
                }
            }
        }
        posture
    }
}

impl AleOracle for InitiativeOracle<'_, '_> {
    fn ale(&self, set: u64) -> f64 {
        if let Some(&v) = self.memo.lock().expect("memo lock").get(&set) {
            return v;
        }
        let v = self.eval.loss(&self.posture(set)).ale;
        self.memo.lock().expect("memo lock").insert(set, v);
        v
    }
}

/// The model's initiatives as planning candidates.
pub fn candidates(model: &Model) -> Vec<Candidate> {
    model
        .initiatives
        .iter()
        .map(|i| Candidate {
            id: i.id.clone(),
            once: i.cost.once,
            yearly: i.cost.yearly,
            duration: i.duration_quarters as usize,
            depends_on: i
                .depends_on
                .iter()
                .filter_map(|d| model.initiatives.iter().position(|x| x.id == d.value))
                .collect(),
            owner: i.owner.clone(),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlannedInitiative {
    pub id: String,
    pub owner: Option<String>,
    /// Quarter index (0 = first quarter of the plan) work starts and the quarter it takes effect.
    pub start_quarter: usize,
    pub effective_quarter: usize,
    /// ALE of the full plan without it minus ALE of the full plan (money per year).
    pub ale_reduction: f64,
    pub once_cost: f64,
    pub yearly_cost: f64,
    /// Net yearly return per unit of one-off cost: (ΔALE − yearly cost) / one-off cost, a ratio
    /// per year ("4.2× a year"); omitted when there is no one-off cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_per_year: Option<f64>,
}

/// Which solver produced the plan shown, and how close to the optimum it is known to be.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SolverReport {
    /// What produced the plan shown: `integer programming` (over the what-if trials' breach
    /// groups), `local search` (greedy, then improved), or `greedy` (on re-simulation, when the
    /// trials' breach groups could not be built).
    pub method: &'static str,
    /// The plan shown is proven optimal (on the what-if trials).
    pub proven_optimal: bool,
    /// A proven lower bound on the best objective any plan can reach.
    pub bound: f64,
    /// (objective − bound) / objective: how much better any plan could still be, at most.
    pub gap: f64,
    /// The greedy plan's objective, for comparison.
    pub greedy_objective: f64,
    /// Branch-and-bound nodes the exact solver used, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes: Option<u64>,
    /// Breaches of the what-if trials and the groups of them that the same sets of initiatives
    /// stop (the exact solver's model), when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breaches: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<usize>,
    /// Of those groups, how many the integer program modelled exactly (the largest by ALE); the
    /// others entered its bound at their floor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups_modelled: Option<usize>,
    /// Why the exact solver did not run, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact_skipped: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlanResult {
    pub budget_per_year: f64,
    pub years: usize,
    pub baseline_ale: f64,
    /// The best plan found, by start quarter.
    pub initiatives: Vec<PlannedInitiative>,
    /// ALE in effect in each quarter under that plan.
    pub burn_down: Vec<f64>,
    /// Its objective: expected loss over the horizon plus all spending within it.
    pub objective: f64,
    pub solver: SolverReport,
    /// Initiatives of this plan that the best plan under a 20% smaller budget leaves out.
    pub dropped_by_budget_cut: Vec<String>,
    pub not_chosen: Vec<String>,
}

/// The planning problem of the model's initiatives.
fn problem(model: &Model, options: &PlanOptions) -> Problem {
    Problem {
        candidates: candidates(model),
        quarters: options.years * 4,
        budget_per_year: options.budget_per_year,
        team_capacity: options.team_capacity,
    }
}

/// Plans the model's initiatives: the sampled worlds when they can be built (then every ALE is
/// exact on the what-if trials and the exact solver runs), else re-simulation and greedy; the
/// best plan found is the one shown.
pub fn plan(eval: &Evaluator, options: PlanOptions) -> PlanResult {
    let model = eval.model;
    let simulated = InitiativeOracle::new(eval);
    let problem = problem(model, &options);
    let n = problem.candidates.len();
    let built = if options.exact_nodes == 0 {
        Err("--exact-nodes 0: greedy only".to_string())
    } else {
        worlds::build(eval, n, &|set| simulated.posture(set)).map_err(|e| format!("{e}"))
    };
    let (best, solver) = match &built {
        Ok(w) => solve_exact(&problem, w, options.exact_nodes),
        Err(why) => solve_greedy(&problem, &simulated, why.clone()),
    };
    let oracle: &dyn AleOracle = match &built {
        Ok(w) => w,
        Err(_) => &simulated,
    };
    let cut = Problem { budget_per_year: options.budget_per_year * 0.8, ..problem.clone() };
    let cut_best = match &built {
        Ok(w) => solve_exact(&cut, w, options.exact_nodes).0,
        Err(why) => solve_greedy(&cut, &simulated, why.clone()).0,
    };
    present(&problem, oracle, &best, &cut_best, solver, &options)
}

/// Greedy, improved by local search, then the exact ILP seeded with it: the best schedule found
/// and the best proven bound.
fn solve_exact(problem: &Problem, worlds: &Worlds, nodes: u64) -> (Schedule, SolverReport) {
    let greedy = plan::greedy(problem, worlds);
    let greedy_objective = problem.objective(&greedy, worlds);
    let searched = plan::improve(problem, worlds, &greedy, LOCAL_SEARCH_PASSES);
    let exact = plan::exact(problem, worlds, &searched, ExactLimits { nodes, rows: EXACT_ROWS });
    let mut report = SolverReport {
        method: "local search",
        proven_optimal: false,
        bound: lower_bound(problem, worlds),
        gap: 0.0,
        greedy_objective,
        nodes: None,
        breaches: Some(worlds.breaches),
        groups: None,
        groups_modelled: None,
        exact_skipped: None,
    };
    let mut best = searched;
    match exact {
        Some(x) => {
            report.nodes = Some(x.nodes);
            report.groups = Some(x.groups_stoppable);
            report.groups_modelled = Some(x.groups_modelled);
            report.bound = report.bound.max(x.bound);
            if x.objective < problem.objective(&best, worlds) || x.proven {
                report.method = "integer programming";
                report.proven_optimal = x.proven;
                best = x.schedule;
            }
        }
        None => report.exact_skipped = Some("the integer program found no solution".into()),
    }
    if !report.proven_optimal {
        best = plan::improve(problem, worlds, &best, LOCAL_SEARCH_PASSES);
    }
    let objective = problem.objective(&best, worlds);
    report.gap = gap(objective, report.bound);
    if report.gap <= 1e-9 {
        report.proven_optimal = true;
    }
    (best, report)
}

/// Greedy on re-simulation, with the bound of [`lower_bound`].
fn solve_greedy(problem: &Problem, oracle: &dyn AleOracle, why: String) -> (Schedule, SolverReport) {
    let greedy = plan::greedy(problem, oracle);
    let objective = problem.objective(&greedy, oracle);
    let bound = lower_bound(problem, oracle);
    let report = SolverReport {
        method: "greedy",
        proven_optimal: false,
        bound,
        gap: gap(objective, bound),
        greedy_objective: objective,
        nodes: None,
        breaches: None,
        groups: None,
        groups_modelled: None,
        exact_skipped: Some(why),
    };
    (greedy, report)
}

/// A valid lower bound on any plan's objective: in each quarter, the ALE with every initiative
/// that could be in effect by then (ALE never rises when initiatives are added, on common random
/// numbers), and no spending.
pub fn lower_bound(problem: &Problem, oracle: &dyn AleOracle) -> f64 {
    (0..problem.quarters)
        .map(|q| {
            let possible = problem
                .candidates
                .iter()
                .enumerate()
                .filter(|(_, c)| c.duration <= q)
                .fold(0u64, |m, (i, _)| m | 1 << i);
            oracle.ale(possible) / 4.0
        })
        .sum()
}

fn gap(objective: f64, bound: f64) -> f64 {
    if objective > 0.0 { ((objective - bound) / objective).max(0.0) } else { 0.0 }
}

/// The plan shown: initiatives with their ΔALE and return, the burn-down, what a cut drops.
fn present(
    problem: &Problem,
    oracle: &dyn AleOracle,
    schedule: &Schedule,
    cut_schedule: &Schedule,
    solver: SolverReport,
    options: &PlanOptions,
) -> PlanResult {
    let chosen = problem.in_effect(schedule, usize::MAX);
    let final_ale = oracle.ale(chosen);
    let mut initiatives: Vec<PlannedInitiative> = schedule
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let s = (*s)?;
            let c = &problem.candidates[i];
            let reduction = oracle.ale(chosen & !(1 << i)) - final_ale;
            Some(PlannedInitiative {
                id: c.id.clone(),
                owner: c.owner.clone(),
                start_quarter: s,
                effective_quarter: s + c.duration,
                ale_reduction: reduction,
                once_cost: c.once,
                yearly_cost: c.yearly,
                return_per_year: (c.once > 0.0).then(|| (reduction - c.yearly) / c.once),
            })
        })
        .collect();
    initiatives.sort_by_key(|p| (p.start_quarter, p.id.clone()));
    let n = problem.candidates.len();
    let ids =
        |keep: &dyn Fn(usize) -> bool| (0..n).filter(|&i| keep(i)).map(|i| problem.candidates[i].id.clone()).collect();
    PlanResult {
        budget_per_year: options.budget_per_year,
        years: options.years,
        baseline_ale: oracle.ale(0),
        initiatives,
        burn_down: problem.burn_down(schedule, oracle),
        objective: problem.objective(schedule, oracle),
        solver,
        dropped_by_budget_cut: ids(&|i| schedule[i].is_some() && cut_schedule[i].is_none()),
        not_chosen: ids(&|i| schedule[i].is_none()),
    }
}
