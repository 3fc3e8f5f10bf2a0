//! The roadmap for a model: its initiatives as planning candidates, priced by re-simulation with
//! common random numbers, planned greedily and exactly, with burn-down, returns and a budget-cut view.

use std::collections::HashMap;
use std::sync::Mutex;

use riskpath_engine::compile::Posture;
use riskpath_model::Model;

use crate::eval::Evaluator;
use crate::plan::{self, AleOracle, Candidate, Problem, Schedule};

/// Planning options.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    pub budget_per_year: f64,
    pub years: usize,
    pub team_capacity: Option<usize>,
    /// Largest candidate set solved exactly by ILP; larger sets are solved on their best candidates.
    pub exact_max: usize,
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
    /// ALE of the full plan without it minus ALE of the full plan.
    pub ale_reduction: f64,
    pub once_cost: f64,
    pub yearly_cost: f64,
    /// (ΔALE − yearly cost) / one-off cost.
    pub return_on_cost: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlanResult {
    pub budget_per_year: f64,
    pub years: usize,
    pub baseline_ale: f64,
    pub initiatives: Vec<PlannedInitiative>,
    /// ALE in effect in each quarter.
    pub burn_down: Vec<f64>,
    pub greedy_objective: f64,
    /// Exact (ILP) optimum and what it was solved over, when run.
    pub exact_objective: Option<f64>,
    pub exact_candidates: Vec<String>,
    /// (greedy − exact) / exact, when the exact solution covers every candidate.
    pub gap: Option<f64>,
    pub exact_schedule: Vec<(String, usize)>,
    /// Initiatives of this plan that a 20% smaller budget drops.
    pub dropped_by_budget_cut: Vec<String>,
    pub not_chosen: Vec<String>,
}

/// Plans the model's initiatives.
pub fn plan(eval: &Evaluator, options: PlanOptions) -> PlanResult {
    let model = eval.model;
    let oracle = InitiativeOracle::new(eval);
    let problem = Problem {
        candidates: candidates(model),
        quarters: options.years * 4,
        budget_per_year: options.budget_per_year,
        team_capacity: options.team_capacity,
    };
    let schedule = plan::greedy(&problem, &oracle);
    let greedy_objective = problem.objective(&schedule, &oracle);
    let chosen = problem.in_effect(&schedule, usize::MAX);
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
                return_on_cost: (reduction - c.yearly) / c.once.max(1.0),
            })
        })
        .collect();
    initiatives.sort_by_key(|p| (p.start_quarter, p.id.clone()));

    // Exact: all candidates when few, else the best `exact_max` by their stand-alone ratio.
    let n = problem.candidates.len();
    let base = oracle.ale(0);
    let mut order: Vec<usize> = (0..n).collect();
    let ratio = |i: usize| {
        let c = &problem.candidates[i];
        (base - oracle.ale(1 << i)) / (c.once + c.yearly * options.years as f64).max(1.0)
    };
    order.sort_by(|&a, &b| ratio(b).total_cmp(&ratio(a)).then(a.cmp(&b)));
    let subset: Vec<usize> = order.into_iter().take(options.exact_max.min(n)).collect();
    let (exact_objective, exact_schedule) = solve_exact_subset(&problem, &oracle, &subset);
    let gap = exact_objective.filter(|_| subset.len() == n).map(|e| (greedy_objective - e) / e.abs().max(1.0));

    let cut = Problem { budget_per_year: options.budget_per_year * 0.8, ..problem.clone() };
    let cut_schedule = plan::greedy(&cut, &oracle);
    let dropped_by_budget_cut = (0..n)
        .filter(|&i| schedule[i].is_some() && cut_schedule[i].is_none())
        .map(|i| problem.candidates[i].id.clone())
        .collect();
    PlanResult {
        budget_per_year: options.budget_per_year,
        years: options.years,
        baseline_ale: base,
        initiatives,
        burn_down: problem.burn_down(&schedule, &oracle),
        greedy_objective,
        exact_objective,
        exact_candidates: subset.iter().map(|&i| problem.candidates[i].id.clone()).collect(),
        gap,
        exact_schedule,
        dropped_by_budget_cut,
        not_chosen: (0..n).filter(|&i| schedule[i].is_none()).map(|i| problem.candidates[i].id.clone()).collect(),
    }
}

/// Solves the plan exactly over a subset of candidates (dependencies outside it are dropped with
/// their dependants), returning the objective and the chosen (id, start quarter) pairs.
fn solve_exact_subset(
    problem: &Problem,
    oracle: &dyn AleOracle,
    subset: &[usize],
) -> (Option<f64>, Vec<(String, usize)>) {
    let keep: Vec<usize> = subset
        .iter()
        .copied()
        .filter(|&i| problem.candidates[i].depends_on.iter().all(|d| subset.contains(d)))
        .collect();
    let sub = Problem {
        candidates: keep
            .iter()
            .map(|&i| {
                let c = &problem.candidates[i];
                Candidate {
                    depends_on: c.depends_on.iter().filter_map(|d| keep.iter().position(|k| k == d)).collect(),
                    ..c.clone()
                }
            })
            .collect(),
        ..problem.clone()
    };
    let lift =
        |set: u64| keep.iter().enumerate().filter(|(k, _)| set >> k & 1 == 1).fold(0u64, |m, (_, &i)| m | 1 << i);
    let sub_oracle = |set: u64| oracle.ale(lift(set));
    let Some(schedule): Option<Schedule> = plan::exact(&sub, &sub_oracle) else { return (None, Vec::new()) };
    let objective = sub.objective(&schedule, &sub_oracle);
    let chosen =
        schedule.iter().enumerate().filter_map(|(k, s)| s.map(|s| (sub.candidates[k].id.clone(), s))).collect();
    (Some(objective), chosen)
}
