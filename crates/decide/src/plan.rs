//! The multi-year plan: which initiatives to run and in which quarter, under a yearly budget, to
//! minimise expected loss over the horizon plus cost. Greedy (CELF) always; an exact ILP when small.
//!
//! Timing: an initiative started in quarter `s` with duration `d` spends its one-off cost evenly over
//! quarters `s..s+d` and takes effect from quarter `s+d`, when its yearly cost starts (¼ a quarter).
//! The objective is Σ_q ALE(initiatives in effect in q)/4 + all spending within the horizon.

use std::collections::{BTreeMap, BinaryHeap, HashMap};

use good_lp::{Expression, ProblemVariables, Solution, SolverModel, Variable, constraint, microlp, variable};

/// An initiative as the planner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: String,
    pub once: f64,
    pub yearly: f64,
    pub duration: usize,
    /// Indices of candidates that must be complete before this one starts.
    pub depends_on: Vec<usize>,
    /// Team that delivers it (for per-team capacity).
    pub owner: Option<String>,
}

/// The planning problem.
#[derive(Debug, Clone)]
pub struct Problem {
    pub candidates: Vec<Candidate>,
    pub quarters: usize,
    /// Spending allowed per year (4 quarters).
    pub budget_per_year: f64,
    /// At most this many initiatives in progress at once per owner team.
    pub team_capacity: Option<usize>,
}

/// A schedule: the start quarter of each candidate, or None if not chosen.
pub type Schedule = Vec<Option<usize>>;

/// ALE of the estate with a set of initiatives in effect (a bitmask over candidates).
pub trait AleOracle: Sync {
    fn ale(&self, set: u64) -> f64;
}

impl<F: Fn(u64) -> f64 + Sync> AleOracle for F {
    fn ale(&self, set: u64) -> f64 {
        self(set)
    }
}

impl Problem {
    /// Spending of candidate `i` started in `s`, in quarter `q`.
    pub fn spend(&self, i: usize, s: usize, q: usize) -> f64 {
        let c = &self.candidates[i];
        let d = c.duration.max(1);
        if q >= s && q < s + d {
            c.once / d as f64
        } else if q >= s + d {
            c.yearly / 4.0
        } else {
            0.0
        }
    }

    /// Is the schedule feasible: within horizon, dependencies, budget, team capacity?
    pub fn feasible(&self, schedule: &Schedule) -> bool {
        for (i, s) in schedule.iter().enumerate() {
            let Some(s) = *s else { continue };
            let c = &self.candidates[i];
            if s + c.duration > self.quarters {
                return false;
            }
            for &d in &c.depends_on {
                match schedule[d] {
                    Some(sd) if sd + self.candidates[d].duration <= s => {}
                    _ => return false,
                }
            }
        }
        for year in 0..self.quarters.div_ceil(4) {
            let spent: f64 = (year * 4..(year * 4 + 4).min(self.quarters))
                .map(|q| schedule.iter().enumerate().filter_map(|(i, s)| s.map(|s| self.spend(i, s, q))).sum::<f64>())
                .sum();
            if spent > self.budget_per_year + 1e-6 {
                return false;
            }
        }
        if let Some(cap) = self.team_capacity {
            for q in 0..self.quarters {
                let mut busy: HashMap<&str, usize> = HashMap::new();
                for (i, s) in schedule.iter().enumerate() {
                    if let (Some(s), Some(owner)) = (s, &self.candidates[i].owner)
                        && q >= *s
                        && q < s + self.candidates[i].duration
                    {
                        *busy.entry(owner).or_default() += 1;
                    }
                }
                if busy.values().any(|&b| b > cap) {
                    return false;
                }
            }
        }
        true
    }

    /// The set in effect in quarter `q`.
    pub fn in_effect(&self, schedule: &Schedule, q: usize) -> u64 {
        schedule.iter().enumerate().fold(0, |set, (i, s)| match s {
            Some(s) if s + self.candidates[i].duration <= q => set | 1 << i,
            _ => set,
        })
    }

    /// Objective: expected loss over the horizon plus spending.
    pub fn objective(&self, schedule: &Schedule, oracle: &dyn AleOracle) -> f64 {
        (0..self.quarters)
            .map(|q| {
                let spend: f64 = schedule.iter().enumerate().filter_map(|(i, s)| s.map(|s| self.spend(i, s, q))).sum();
                oracle.ale(self.in_effect(schedule, q)) / 4.0 + spend
            })
            .sum()
    }

    /// ALE per quarter under the schedule (the burn-down).
    pub fn burn_down(&self, schedule: &Schedule, oracle: &dyn AleOracle) -> Vec<f64> {
        (0..self.quarters).map(|q| oracle.ale(self.in_effect(schedule, q))).collect()
    }
}

/// Greedy on ΔALE per cost with lazy re-evaluation (CELF): take the best ratio, schedule it as early
/// as feasible, and keep it only if it lowers the objective.
pub fn greedy(problem: &Problem, oracle: &dyn AleOracle) -> Schedule {
    let n = problem.candidates.len();
    let mut schedule: Schedule = vec![None; n];
    let mut chosen: u64 = 0;
    let mut current_ale = oracle.ale(0);
    // (ratio, round evaluated, index), max-heap on ratio.
    let mut heap: BinaryHeap<(OrdF64, usize, usize)> = BinaryHeap::new();
    let cost = |i: usize| {
        let c = &problem.candidates[i];
        (c.once + c.yearly * problem.quarters as f64 / 4.0).max(1e-9)
    };
    for i in 0..n {
        heap.push((OrdF64((current_ale - oracle.ale(1 << i)) / cost(i)), 0, i));
    }
    let mut round = 0;
    let mut rejected = vec![false; n];
    while let Some((OrdF64(ratio), evaluated, i)) = heap.pop() {
        if rejected[i] || chosen >> i & 1 == 1 {
            continue;
        }
        if evaluated != round {
            let fresh = (current_ale - oracle.ale(chosen | 1 << i)) / cost(i);
            heap.push((OrdF64(fresh), round, i));
            continue;
        }
        if ratio <= 0.0 {
            break;
        }
        let before = problem.objective(&schedule, oracle);
        let placed = (0..problem.quarters).find_map(|s| {
            let mut trial = schedule.clone();
            trial[i] = Some(s);
            problem.feasible(&trial).then_some(trial)
        });
        match placed {
            Some(trial) if problem.objective(&trial, oracle) < before => {
                schedule = trial;
                chosen |= 1 << i;
                current_ale = oracle.ale(chosen);
                round += 1;
            }
            // Not schedulable now (budget, dependencies) or not worth it: it may become so later
            // only through dependencies, which are chosen on their own merit.
            _ => rejected[i] = true,
        }
    }
    schedule
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct OrdF64(f64);
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The optimal schedule by integer programming (good_lp + microlp), exact for the objective.
/// Sets in effect are modelled explicitly (one binary per subset and quarter), so it is meant for
/// up to about 8 candidates. Returns None if the solver fails.
pub fn exact(problem: &Problem, oracle: &dyn AleOracle) -> Option<Schedule> {
    let n = problem.candidates.len();
    let q_count = problem.quarters;
    let subsets = 1usize << n;
    let ale: Vec<f64> = (0..subsets as u64).map(|s| oracle.ale(s)).collect();
    let mut vars = ProblemVariables::new();
    // start[i][s]: candidate i starts in quarter s (only where it can finish within the horizon).
    let start: Vec<BTreeMap<usize, Variable>> = problem
        .candidates
        .iter()
        .map(|c| {
            (0..q_count).filter(|s| s + c.duration <= q_count).map(|s| (s, vars.add(variable().binary()))).collect()
        })
        .collect();
    let exact_set: Vec<Vec<Variable>> =
        (0..q_count).map(|_| (0..subsets).map(|_| vars.add(variable().binary())).collect()).collect();
    // done(i, q): i is in effect in quarter q.
    let done = |i: usize, q: usize| -> Expression {
        start[i].iter().filter(|(s, _)| *s + problem.candidates[i].duration <= q).map(|(_, v)| *v).sum()
    };
    let started_by =
        |i: usize, q: usize| -> Expression { start[i].iter().filter(|(s, _)| **s <= q).map(|(_, v)| *v).sum() };
    let mut objective = Expression::from(0.0);
    for sets in &exact_set {
        for (set, v) in sets.iter().enumerate() {
            objective += ale[set] / 4.0 * *v;
        }
    }
    for (i, starts) in start.iter().enumerate() {
        for (&s, v) in starts {
            let spent: f64 = (0..q_count).map(|q| problem.spend(i, s, q)).sum();
            objective += spent * *v;
        }
    }
    let mut model = vars.minimise(objective).using(microlp);
    for starts in &start {
        let once: Expression = starts.values().copied().sum();
        model = model.with(constraint!(once <= 1));
    }
    for (q, sets) in exact_set.iter().enumerate() {
        let one: Expression = sets.iter().copied().sum();
        model = model.with(constraint!(one == 1));
        for i in 0..n {
            let member: Expression = sets.iter().enumerate().filter(|(s, _)| s >> i & 1 == 1).map(|(_, v)| *v).sum();
            model = model.with(constraint!(member == done(i, q)));
        }
    }
    for (j, c) in problem.candidates.iter().enumerate() {
        for &i in &c.depends_on {
            for q in 0..q_count {
                model = model.with(constraint!(started_by(j, q) <= done(i, q)));
            }
        }
    }
    for year in 0..q_count.div_ceil(4) {
        let mut spend = Expression::from(0.0);
        for (i, starts) in start.iter().enumerate() {
            for (&s, v) in starts {
                let amount: f64 = (year * 4..(year * 4 + 4).min(q_count)).map(|q| problem.spend(i, s, q)).sum();
                spend += amount * *v;
            }
        }
        model = model.with(constraint!(spend <= problem.budget_per_year));
    }
    if let Some(cap) = problem.team_capacity {
        let mut teams: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, c) in problem.candidates.iter().enumerate() {
            if let Some(o) = &c.owner {
                teams.entry(o.as_str()).or_default().push(i);
            }
        }
        for members in teams.values() {
            for q in 0..q_count {
                let busy: Expression = members
                    .iter()
                    .flat_map(|&i| {
                        let d = problem.candidates[i].duration;
                        start[i].iter().filter(move |(s, _)| **s <= q && q < **s + d).map(|(_, v)| *v)
                    })
                    .sum();
                model = model.with(constraint!(busy <= cap as f64));
            }
        }
    }
    let solution = model.solve().ok()?;
    Some(start.iter().map(|starts| starts.iter().find(|(_, v)| solution.value(**v) > 0.5).map(|(s, _)| *s)).collect())
}

/// The optimum by trying every schedule: the test oracle for [`exact`] on tiny instances.
pub fn exhaustive(problem: &Problem, oracle: &dyn AleOracle) -> (Schedule, f64) {
    let n = problem.candidates.len();
    let options = problem.quarters + 1;
    let mut best = (vec![None; n], problem.objective(&vec![None; n], oracle));
    let mut digits = vec![0usize; n];
    loop {
        let schedule: Schedule = digits.iter().map(|&d| (d > 0).then(|| d - 1)).collect();
        if problem.feasible(&schedule) {
            let value = problem.objective(&schedule, oracle);
            if value < best.1 - 1e-9 {
                best = (schedule, value);
            }
        }
        let mut k = 0;
        while k < n {
            digits[k] += 1;
            if digits[k] < options {
                break;
            }
            digits[k] = 0;
            k += 1;
        }
        if k == n {
            return best;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: &str, once: f64, yearly: f64, duration: usize, depends_on: Vec<usize>) -> Candidate {
        Candidate { id: id.into(), once, yearly, duration, depends_on, owner: None }
    }

    /// A risk landscape with overlap: initiatives 0 and 1 cover the same paths (substitutes),
    /// 2 needs 3 to be worth much (complements).
    fn landscape(set: u64) -> f64 {
        let has = |i: u32| set >> i & 1 == 1;
        let mut ale = 4_000_000.0;
        if has(0) || has(1) {
            ale -= 1_500_000.0;
        }
        if has(0) && has(1) {
            ale -= 200_000.0;
        }
        if has(2) {
            ale -= if has(3) { 1_200_000.0 } else { 200_000.0 };
        }
        if has(3) {
            ale -= 300_000.0;
        }
        ale
    }

    fn problem(budget: f64) -> Problem {
        Problem {
            candidates: vec![
                candidate("a", 400_000.0, 50_000.0, 2, vec![]),
                candidate("b", 250_000.0, 80_000.0, 1, vec![]),
                candidate("c", 300_000.0, 20_000.0, 2, vec![3]),
                candidate("d", 200_000.0, 10_000.0, 1, vec![]),
            ],
            quarters: 8,
            budget_per_year: budget,
            team_capacity: None,
        }
    }

    #[test]
    fn exact_equals_exhaustive_and_greedy_is_feasible() {
        for budget in [300_000.0, 600_000.0, 2_000_000.0] {
            let p = problem(budget);
            let (best, best_value) = exhaustive(&p, &landscape);
            let ilp = exact(&p, &landscape).expect("solver ran");
            assert!(p.feasible(&ilp), "ILP schedule feasible at budget {budget}");
            let ilp_value = p.objective(&ilp, &landscape);
            assert!(
                (ilp_value - best_value).abs() < 1e-3 * best_value.abs().max(1.0),
                "budget {budget}: ILP {ilp_value} vs optimum {best_value} ({best:?} vs {ilp:?})"
            );
            let g = greedy(&p, &landscape);
            assert!(p.feasible(&g));
            assert!(p.objective(&g, &landscape) >= best_value - 1e-6);
        }
    }

    #[test]
    fn dependencies_and_capacity_are_respected() {
        let mut p = problem(10_000_000.0);
        for c in &mut p.candidates {
            c.owner = Some("team".into());
        }
        p.team_capacity = Some(1);
        let ilp = exact(&p, &landscape).unwrap();
        assert!(p.feasible(&ilp));
        let (_, best) = exhaustive(&p, &landscape);
        assert!((p.objective(&ilp, &landscape) - best).abs() < 1e-3 * best);
        if let (Some(c), d) = (ilp[2], ilp[3]) {
            assert!(d.is_some_and(|d| d < c), "c starts after d completes");
        }
    }
}
