//! The roadmap shown is the optimum: on random models with initiatives (controls with interval
//! efficacies, removals, AND edges, dependencies, team capacity), the plan `roadmap::plan` presents
//! has the objective of the brute-force optimum over every schedule, priced by re-simulation.

mod common;

use common::random_model;
use riskpath_decide::Evaluator;
use riskpath_decide::plan::{Problem, exhaustive};
use riskpath_decide::roadmap::{InitiativeOracle, PlanOptions, candidates, plan};
use riskpath_engine::Posture;

#[test]
fn the_plan_shown_is_the_brute_force_optimum() {
    let mut greedy_worse = 0;
    for seed in 1..=16 {
        let model = random_model(seed);
        let eval = Evaluator::new(&model, Posture::as_deployed(&model), 512, 5);
        let capacity = (seed % 2 == 0).then_some(1);
        let budget = 150_000.0 + 50_000.0 * (seed % 5) as f64;
        let options = PlanOptions { budget_per_year: budget, years: 1, team_capacity: capacity, exact_nodes: 10_000 };
        let shown = plan(&eval, options);
        let problem =
            Problem { candidates: candidates(&model), quarters: 4, budget_per_year: budget, team_capacity: capacity };
        let simulated = InitiativeOracle::new(&eval);
        let (best, optimum) = exhaustive(&problem, &simulated);
        let tolerance = 1e-9 * optimum;
        assert!(
            (shown.objective - optimum).abs() <= tolerance,
            "seed {seed}: plan shown {} vs brute force {optimum} ({best:?}); solver {:?}",
            shown.objective,
            shown.solver
        );
        assert!(shown.solver.proven_optimal, "seed {seed}: {:?}", shown.solver);
        // Everything shown is of that plan: its burn-down starts at the ALE today, and each
        // quarter's ALE is the re-simulated ALE of the set in effect.
        let schedule: Vec<Option<usize>> = problem
            .candidates
            .iter()
            .map(|c| shown.initiatives.iter().find(|p| p.id == c.id).map(|p| p.start_quarter))
            .collect();
        assert!((problem.objective(&schedule, &simulated) - optimum).abs() <= tolerance);
        for (q, ale) in shown.burn_down.iter().enumerate() {
            let expected = eval.loss(&simulated.posture(problem.in_effect(&schedule, q))).ale;
            assert!((ale - expected).abs() <= 1e-9 * expected.max(1.0), "seed {seed} quarter {q}");
        }
        greedy_worse += (shown.solver.greedy_objective > optimum + tolerance) as usize;
    }
    assert!(greedy_worse > 0, "some instances where greedy alone is not optimal");
}
