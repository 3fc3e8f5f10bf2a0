//! The exact minimum cut under AND conditions (`requires`, `requires_any`): an integer program
//! over the edges removed and a closed set of nodes the attacker may hold, bounded in size and work.
//!
//! Attacker reachability is a least fixpoint: a node is held when an edge into it is present, its
//! source is held and one of its conditions is wholly held. Removing a set R of edges stops the
//! sinks exactly when some set S of nodes holds every source, no sink, and is closed: every
//! present edge whose source and one condition lie in S lands in S (the least fixpoint is such an
//! S, and it lies inside every such S). So the cheapest R is the optimum of
//! `min Σ cost(e)·x_e` over binaries `x_e` (removed) and `s_v` (in S) with `s_v = 1` on sources,
//! `s_t = 0` on sinks and, per edge u→v and condition C, `s_v ≥ s_u + Σ_{r∈C} s_r − |C| − x_e`
//! (no `x_e` for an edge that cannot be cut). Several attackers (actors with their own entry
//! points, targets and usable edges) each get their own S and share the `x_e`.

use std::collections::{BTreeMap, HashSet};

use microlp::{ComparisonOp, OptimizationDirection, Problem, SolutionStatus, SolveOptions, Variable};
use riskpath_engine::compile::AttackGraph;
use riskpath_model::Model;

use crate::chokepoints::edge_cost;

/// How much the exact solver may do: beyond `edges` usable edges it is not tried, and it stops
/// after `nodes` branch-and-bound nodes (a count, not a clock, so results do not depend on the
/// machine).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub edges: usize,
    pub nodes: u64,
}

/// The documented default: 2,000 usable edges, 20,000 branch-and-bound nodes.
pub const LIMITS: Limits = Limits { edges: 2_000, nodes: 20_000 };

/// What the integer program found.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The cheapest set of removable model edges that stops every sink (indices into `model.edges`).
    Optimal(Vec<usize>),
    /// No set of removable edges stops every sink.
    Impossible,
    /// The program was larger than the limits, or not solved within them.
    Unsolved,
}

/// One attacker of the program: the nodes it holds from the start, the nodes it must not hold, and
/// the compiled edges it can use.
#[derive(Debug, Clone, Default)]
pub struct Attacker {
    pub sources: Vec<u32>,
    pub sinks: Vec<u32>,
    pub usable: Vec<usize>,
}

/// The exact AND-aware cut that stops every attacker's sinks at once: one closed held set per
/// attacker, one removal variable per model edge, shared.
pub fn exact(model: &Model, graph: &AttackGraph, attackers: &[Attacker], limits: Limits) -> Outcome {
    if attackers.iter().map(|a| a.usable.len()).sum::<usize>() > limits.edges {
        return Outcome::Unsolved;
    }
    if attackers.iter().any(|a| a.sources.iter().any(|s| a.sinks.contains(s))) {
        return Outcome::Impossible;
    }
    let mut lp = Problem::new(OptimizationDirection::Minimize);
    // One removal variable per model edge: the compiled edges of one model edge go together.
    let mut removed: BTreeMap<usize, Variable> = BTreeMap::new();
    for attacker in attackers {
        let held = held_vars(&mut lp, graph, attacker);
        for &e in &attacker.usable {
            let ce = &graph.edges[e];
            let x = edge_cost(model, ce.model_index)
                .map(|cost| *removed.entry(ce.model_index).or_insert_with(|| lp.add_binary_var(cost)));
            for condition in ce.conditions() {
                closure_row(&mut lp, &held, ce.from, ce.to, &condition, x);
            }
        }
    }
    let mut options = SolveOptions::default();
    options.node_limit = Some(limits.nodes);
    let solution = match lp.solve_with(options) {
        Err(microlp::Error::Infeasible) => return Outcome::Impossible,
        Err(_) => return Outcome::Unsolved,
        Ok(outcome) => match outcome.into_solution() {
            Ok(solution) if solution.status() == SolutionStatus::Optimal => solution,
            _ => return Outcome::Unsolved,
        },
    };
    Outcome::Optimal(removed.iter().filter(|(_, x)| solution.var_value(**x) > 0.5).map(|(&e, _)| e).collect())
}

/// The attacker's `s_v` (held) variables, for the nodes its usable edges touch: fixed at 1 on its
/// sources and 0 on its sinks.
fn held_vars(lp: &mut Problem, graph: &AttackGraph, attacker: &Attacker) -> Vec<Option<Variable>> {
    let mut held: Vec<Option<Variable>> = vec![None; graph.node_count()];
    let (sources, sinks): (HashSet<u32>, HashSet<u32>) =
        (attacker.sources.iter().copied().collect(), attacker.sinks.iter().copied().collect());
    for &e in &attacker.usable {
        let ce = &graph.edges[e];
        let touched = [ce.from, ce.to]
            .into_iter()
            .chain(ce.requires.iter().copied())
            .chain(ce.requires_any.iter().flatten().copied());
        for v in touched {
            held[v as usize].get_or_insert_with(|| {
                let bound = if sources.contains(&v) {
                    (1, 1)
                } else if sinks.contains(&v) {
                    (0, 0)
                } else {
                    (0, 1)
                };
                lp.add_integer_var(0.0, bound)
            });
        }
    }
    held
}

/// `s_to ≥ s_from + Σ_{r∈condition} s_r − |condition| − x`: a present edge out of S whose
/// condition S holds lands in S.
fn closure_row(
    lp: &mut Problem,
    held: &[Option<Variable>],
    from: u32,
    to: u32,
    condition: &[u32],
    x: Option<Variable>,
) {
    let mut coef: BTreeMap<u32, f64> = BTreeMap::new();
    *coef.entry(to).or_default() += 1.0;
    *coef.entry(from).or_default() -= 1.0;
    for &r in condition {
        *coef.entry(r).or_default() -= 1.0;
    }
    let mut row: Vec<(Variable, f64)> = coef
        .into_iter()
        .filter(|(_, c)| *c != 0.0)
        .map(|(v, c)| (held[v as usize].expect("every node an edge touches has a variable"), c))
        .collect();
    row.extend(x.map(|x| (x, 1.0)));
    lp.add_constraint(row.as_slice(), ComparisonOp::Ge, -(condition.len() as f64));
}
