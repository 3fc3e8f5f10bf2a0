//! The multi-year plan: which initiatives to run and in which quarter, under a yearly budget, to
//! minimise expected loss over the horizon plus cost. Greedy (CELF), and an exact ILP over the
//! sampled worlds of the what-if trials (see [`crate::worlds`]).
//!
//! Timing: an initiative started in quarter `s` with duration `d` spends its one-off cost evenly over
//! quarters `s..s+d` and takes effect from quarter `s+d`, when its yearly cost starts (¼ a quarter).
//! The objective is Σ_q ALE(initiatives in effect in q)/4 + all spending within the horizon.

use std::collections::{BTreeMap, BinaryHeap, HashMap};

use microlp::{
    ComparisonOp, OptimizationDirection, Problem as MicroProblem, SolutionStatus, SolveOptions, Variable as MicroVar,
};

use riskpath_engine::booking::OrdF64;

use crate::worlds::Worlds;

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

/// Local search from a feasible `schedule`: add an initiative, drop one, move one's start, or
/// swap one for another, keeping each change that lowers the objective, until none does (at most
/// `passes` rounds). Deterministic: candidates and quarters are tried in order.
pub fn improve(problem: &Problem, oracle: &dyn AleOracle, schedule: &Schedule, passes: usize) -> Schedule {
    let n = problem.candidates.len();
    let mut best = schedule.clone();
    let mut value = problem.objective(&best, oracle);
    let starts =
        |i: usize| (0..problem.quarters).filter(move |s| s + problem.candidates[i].duration <= problem.quarters);
    for _ in 0..passes {
        let mut improved = false;
        for i in 0..n {
            // Moves of i alone: none, or any start.
            for option in std::iter::once(None).chain(starts(i).map(Some)) {
                if best[i] == option {
                    continue;
                }
                let mut trial = best.clone();
                trial[i] = option;
                if problem.feasible(&trial) {
                    let v = problem.objective(&trial, oracle);
                    if v < value - 1e-9 * value.abs().max(1.0) {
                        (best, value, improved) = (trial, v, true);
                    }
                }
            }
            // Swaps: drop i (chosen) for some j (not chosen) at any start.
            if best[i].is_none() {
                continue;
            }
            let unchosen: Vec<usize> = (0..n).filter(|&j| best[j].is_none()).collect();
            for j in unchosen {
                for s in starts(j) {
                    let mut trial = best.clone();
                    trial[i] = None;
                    trial[j] = Some(s);
                    if problem.feasible(&trial) {
                        let v = problem.objective(&trial, oracle);
                        if v < value - 1e-9 * value.abs().max(1.0) {
                            (best, value, improved) = (trial, v, true);
                            break;
                        }
                    }
                }
                if best[i].is_none() {
                    break;
                }
            }
        }
        if !improved {
            break;
        }
    }
    best
}

/// What the exact solver found: a schedule, its objective, and a proven lower bound on the optimum.
#[derive(Debug, Clone, PartialEq)]
pub struct Exact {
    pub schedule: Schedule,
    /// Its objective on every group of breaches.
    pub objective: f64,
    /// A proven lower bound on the best objective of any schedule.
    pub bound: f64,
    /// The schedule is proven optimal: every group was in the program and the search completed.
    pub proven: bool,
    /// Branch-and-bound nodes solved.
    pub nodes: u64,
    /// Groups of breaches modelled exactly (the largest by ALE), of all that some plan can stop.
    pub groups_modelled: usize,
    pub groups_stoppable: usize,
}

/// How much work the exact solver may do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExactLimits {
    /// Branch-and-bound nodes before it stops with the best schedule found.
    pub nodes: u64,
    /// Constraints of the integer program: groups of breaches beyond it are held at a floor.
    pub rows: usize,
}

/// The optimal schedule by integer programming over the sampled worlds (microlp): binaries for
/// each initiative's start quarter, and per group of breaches and quarter a variable that is 1
/// unless one of its stopping sets is in effect, so the objective is exactly
/// `Σ_q ALE(S_q)/4 + spend` on the what-if trials. `warm` (a feasible schedule) seeds the search.
///
/// Within `limits.rows`, the groups carrying the most ALE are modelled; each other group is held
/// at its floor (breached until the first quarter any of its stopping sets could be in effect),
/// which makes the program's optimum a lower bound. After `limits.nodes` nodes (a count, not a
/// clock, so results do not depend on the machine) it stops with the solver's proven bound.
pub fn exact(problem: &Problem, worlds: &Worlds, warm: &Schedule, limits: ExactLimits) -> Option<Exact> {
    let stoppable = worlds.feasible_for(problem);
    let (modelled, floor) = split_by_rows(problem, &stoppable, limits.rows);
    let ilp = Ilp::new(problem, &modelled, floor);
    let mut options = SolveOptions::default();
    options.node_limit = Some(limits.nodes);
    options.warm_start = Some(ilp.warm(problem, &modelled, warm));
    let outcome = ilp.lp.solve_with(options).ok()?;
    let solution = outcome.into_solution().ok()?;
    let schedule: Schedule = ilp
        .start
        .iter()
        .map(|starts| starts.iter().find(|(_, v)| solution.var_value(**v) > 0.5).map(|(s, _)| *s))
        .collect();
    if !problem.feasible(&schedule) {
        return None;
    }
    let objective = problem.objective(&schedule, worlds);
    let complete = solution.status() == SolutionStatus::Optimal;
    let stats = solution.stats();
    let program_bound = if complete { solution.objective() } else { stats.best_bound.unwrap_or(f64::NEG_INFINITY) };
    let all = modelled.groups.len() == stoppable.groups.len();
    Some(Exact {
        schedule,
        objective,
        bound: (program_bound + ilp.constant).min(objective),
        proven: complete && all,
        nodes: stats.nodes_solved,
        groups_modelled: modelled.groups.len(),
        groups_stoppable: stoppable.groups.len(),
    })
}

/// The first quarter in which every initiative of `set` can be in effect (the longest duration),
/// or None if not within the horizon.
fn first_quarter(problem: &Problem, set: u64) -> Option<usize> {
    let q = members(set).map(|i| problem.candidates[i].duration).max().unwrap_or(0);
    (q < problem.quarters).then_some(q)
}

/// The groups the program models exactly: those carrying the most ALE whose rows fit `rows` (one
/// per group and quarter in which it can be stopped, one per member of each multi-initiative
/// stopping set and quarter). Every other group is held at its floor, breached until the first
/// quarter any of its stopping sets could be in effect, returned as a constant: the program's
/// optimum stays a lower bound on the true one.
fn split_by_rows(problem: &Problem, worlds: &Worlds, rows: usize) -> (Worlds, f64) {
    let first = |b: u64| first_quarter(problem, b);
    let mut order: Vec<usize> = (0..worlds.groups.len()).collect();
    order.sort_by(|&a, &b| worlds.groups[b].ale.total_cmp(&worlds.groups[a].ale).then(a.cmp(&b)));
    let mut left = rows;
    let mut seen: std::collections::HashSet<(u64, usize)> = std::collections::HashSet::new();
    let mut modelled = Worlds { fixed: worlds.fixed, groups: Vec::new(), breaches: worlds.breaches, headline: None };
    let mut floor = 0.0;
    let mut full = false;
    for g in order {
        let group = &worlds.groups[g];
        let earliest = group.stopped_by.iter().filter_map(|&b| first(b)).min().unwrap_or(problem.quarters);
        let mut cost = problem.quarters - earliest;
        for &b in group.stopped_by.iter().filter(|b| b.count_ones() > 1) {
            let quarters = first(b).map_or(0..0, |f| f..problem.quarters);
            cost += quarters.filter(|&q| !seen.contains(&(b, q))).count() * b.count_ones() as usize;
        }
        full |= cost > left;
        if full {
            floor += group.ale / 4.0 * earliest as f64;
            continue;
        }
        left -= cost;
        for &b in group.stopped_by.iter().filter(|b| b.count_ones() > 1) {
            seen.extend(first(b).into_iter().flat_map(|f| (f..problem.quarters).map(move |q| (b, q))));
        }
        modelled.groups.push(group.clone());
    }
    (modelled, floor)
}

/// The integer program of [`exact`].
struct Ilp {
    lp: MicroProblem,
    /// Per candidate: start quarter → its binary.
    start: Vec<BTreeMap<usize, MicroVar>>,
    /// Per (group, quarter) with a variable: (group, quarter, y).
    breached: Vec<(usize, usize, MicroVar)>,
    /// Per candidate and quarter: `done(i, q)`, in effect (from its duration on; a variable tied to
    /// the start binaries by `done(q) = done(q−1) + start(q − duration)`, which keeps rows short).
    done: Vec<Vec<Option<MicroVar>>>,
    /// Per (stopping set, quarter) of two or more initiatives: its indicator.
    together: BTreeMap<(u64, usize), MicroVar>,
    /// Objective terms without a variable: losses no schedule can stop in time.
    constant: f64,
    quarters: usize,
}

impl Ilp {
    /// The program for the groups of `worlds`, plus `floor` in the objective for the others.
    fn new(problem: &Problem, worlds: &Worlds, floor: f64) -> Ilp {
        let q_count = problem.quarters;
        let mut lp = MicroProblem::new(OptimizationDirection::Minimize);
        let start: Vec<BTreeMap<usize, MicroVar>> = (0..problem.candidates.len())
            .map(|i| {
                let c = &problem.candidates[i];
                (0..q_count)
                    .filter(|s| s + c.duration <= q_count)
                    .map(|s| (s, lp.add_binary_var((0..q_count).map(|q| problem.spend(i, s, q)).sum())))
                    .collect()
            })
            .collect();
        let done = Self::done_vars(problem, &mut lp, &start);
        let mut ilp =
            Ilp { lp, start, done, breached: Vec::new(), together: BTreeMap::new(), constant: 0.0, quarters: q_count };
        ilp.constant = worlds.fixed * q_count as f64 / 4.0 + floor;
        ilp.add_groups(problem, worlds);
        ilp.add_once_and_dependencies(problem);
        ilp.add_budget(problem);
        ilp.add_capacity(problem);
        ilp
    }

    /// The `done` variables and the rows tying them to the start binaries.
    fn done_vars(
        problem: &Problem,
        lp: &mut MicroProblem,
        start: &[BTreeMap<usize, MicroVar>],
    ) -> Vec<Vec<Option<MicroVar>>> {
        start
            .iter()
            .enumerate()
            .map(|(i, starts)| {
                let d = problem.candidates[i].duration;
                let mut previous: Option<MicroVar> = None;
                (0..problem.quarters)
                    .map(|q| {
                        let started = q.checked_sub(d).and_then(|s| starts.get(&s).copied());
                        if previous.is_none() && started.is_none() {
                            return None;
                        }
                        let v = lp.add_var(0.0, (0.0, 1.0));
                        let mut row = vec![(v, 1.0)];
                        row.extend(previous.map(|p| (p, -1.0)));
                        row.extend(started.map(|x| (x, -1.0)));
                        lp.add_constraint(row.as_slice(), ComparisonOp::Eq, 0.0);
                        previous = Some(v);
                        Some(v)
                    })
                    .collect()
            })
            .collect()
    }

    /// `done(i, q)`: candidate `i` is in effect in quarter `q` (no term: it cannot be yet).
    fn done(&self, _problem: &Problem, i: usize, q: usize) -> Vec<(MicroVar, f64)> {
        self.done[i][q].map(|v| (v, 1.0)).into_iter().collect()
    }

    /// Per group and quarter: `y + Σ_B z_B ≥ 1`, where `z_B ≤ done(i)` for every `i ∈ B`.
    fn add_groups(&mut self, problem: &Problem, worlds: &Worlds) {
        for (g, group) in worlds.groups.iter().enumerate() {
            for q in 0..self.quarters {
                let can: Vec<u64> = group
                    .stopped_by
                    .iter()
                    .copied()
                    .filter(|&b| members(b).all(|i| !self.done(problem, i, q).is_empty()))
                    .collect();
                if can.is_empty() {
                    self.constant += group.ale / 4.0;
                    continue;
                }
                let y = self.lp.add_var(group.ale / 4.0, (0.0, 1.0));
                let mut terms: BTreeMap<usize, (MicroVar, f64)> = BTreeMap::new();
                terms.insert(y.idx(), (y, 1.0));
                for b in can {
                    for (v, c) in self.stops(problem, b, q) {
                        terms.entry(v.idx()).or_insert((v, 0.0)).1 += c;
                    }
                }
                let terms: Vec<(MicroVar, f64)> = terms.into_values().collect();
                self.lp.add_constraint(terms.as_slice(), ComparisonOp::Ge, 1.0);
                self.breached.push((g, q, y));
            }
        }
    }

    /// Terms that are 1 when every initiative of `set` is in effect in quarter `q`.
    fn stops(&mut self, problem: &Problem, set: u64, q: usize) -> Vec<(MicroVar, f64)> {
        if set.count_ones() == 1 {
            return self.done(problem, set.trailing_zeros() as usize, q);
        }
        if let Some(&z) = self.together.get(&(set, q)) {
            return vec![(z, 1.0)];
        }
        let z = self.lp.add_var(0.0, (0.0, 1.0));
        for i in members(set) {
            let mut terms = vec![(z, 1.0)];
            terms.extend(self.done(problem, i, q).into_iter().map(|(v, c)| (v, -c)));
            self.lp.add_constraint(terms.as_slice(), ComparisonOp::Le, 0.0);
        }
        self.together.insert((set, q), z);
        vec![(z, 1.0)]
    }

    fn add_once_and_dependencies(&mut self, problem: &Problem) {
        for starts in &self.start {
            let once: Vec<(MicroVar, f64)> = starts.values().map(|v| (*v, 1.0)).collect();
            if !once.is_empty() {
                self.lp.add_constraint(once.as_slice(), ComparisonOp::Le, 1.0);
            }
        }
        for (j, c) in problem.candidates.iter().enumerate() {
            for &i in &c.depends_on {
                for q in 0..self.quarters {
                    // Started by q (j) ≤ done by q (i).
                    let mut terms: Vec<(MicroVar, f64)> =
                        self.start[j].iter().filter(|(s, _)| **s <= q).map(|(_, v)| (*v, 1.0)).collect();
                    terms.extend(self.done(problem, i, q).into_iter().map(|(v, c)| (v, -c)));
                    if !terms.is_empty() {
                        self.lp.add_constraint(terms.as_slice(), ComparisonOp::Le, 0.0);
                    }
                }
            }
        }
    }

    fn add_budget(&mut self, problem: &Problem) {
        for year in 0..self.quarters.div_ceil(4) {
            let quarters = year * 4..(year * 4 + 4).min(self.quarters);
            let terms: Vec<(MicroVar, f64)> = self
                .start
                .iter()
                .enumerate()
                .flat_map(|(i, starts)| {
                    let quarters = quarters.clone();
                    starts
                        .iter()
                        .map(move |(&s, v)| (*v, quarters.clone().map(|q| problem.spend(i, s, q)).sum::<f64>()))
                })
                .filter(|(_, amount)| *amount != 0.0)
                .collect();
            if !terms.is_empty() {
                self.lp.add_constraint(terms.as_slice(), ComparisonOp::Le, problem.budget_per_year);
            }
        }
    }

    fn add_capacity(&mut self, problem: &Problem) {
        let Some(cap) = problem.team_capacity else { return };
        let mut teams: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, c) in problem.candidates.iter().enumerate() {
            if let Some(o) = &c.owner {
                teams.entry(o.as_str()).or_default().push(i);
            }
        }
        for members in teams.values() {
            for q in 0..self.quarters {
                let busy: Vec<(MicroVar, f64)> = members
                    .iter()
                    .flat_map(|&i| {
                        let d = problem.candidates[i].duration;
                        self.start[i].iter().filter(move |(s, _)| **s <= q && q < **s + d).map(|(_, v)| (*v, 1.0))
                    })
                    .collect();
                if busy.len() > cap {
                    self.lp.add_constraint(busy.as_slice(), ComparisonOp::Le, cap as f64);
                }
            }
        }
    }

    /// Every variable's value under `schedule`, for the solver's warm start.
    fn warm(&self, problem: &Problem, worlds: &Worlds, schedule: &Schedule) -> Vec<(MicroVar, f64)> {
        let indicator = |b: bool| if b { 1.0 } else { 0.0 };
        let mut values = Vec::new();
        for (i, starts) in self.start.iter().enumerate() {
            values.extend(starts.iter().map(|(&s, v)| (*v, indicator(schedule[i] == Some(s)))));
        }
        for &(g, q, y) in &self.breached {
            let set = problem.in_effect(schedule, q);
            values.push((y, indicator(!worlds.groups[g].stopped_by.iter().any(|&b| b & !set == 0))));
        }
        for (&(b, q), z) in &self.together {
            values.push((*z, indicator(b & !problem.in_effect(schedule, q) == 0)));
        }
        for (i, per_quarter) in self.done.iter().enumerate() {
            for (q, v) in per_quarter.iter().enumerate() {
                if let Some(v) = v {
                    values.push((*v, indicator(problem.in_effect(schedule, q) >> i & 1 == 1)));
                }
            }
        }
        values
    }
}

/// The members of a set of candidates (a bitmask).
fn members(set: u64) -> impl Iterator<Item = usize> {
    (0..64).filter(move |i| set >> i & 1 == 1)
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

    fn exact_of(p: &Problem, w: &Worlds) -> Exact {
        let g = greedy(p, w);
        exact(p, w, &g, ExactLimits { nodes: 1_000_000, rows: usize::MAX }).expect("solver ran")
    }

    #[test]
    fn exact_equals_exhaustive_and_greedy_is_feasible() {
        let w = Worlds::from_monotone(4, landscape);
        for budget in [300_000.0, 600_000.0, 2_000_000.0] {
            let p = problem(budget);
            let (best, best_value) = exhaustive(&p, &w);
            let ilp = exact_of(&p, &w);
            assert!(ilp.proven && p.feasible(&ilp.schedule), "ILP schedule feasible at budget {budget}");
            assert!(
                (ilp.objective - best_value).abs() < 1e-6 * best_value.abs().max(1.0),
                "budget {budget}: ILP {} vs optimum {best_value} ({best:?} vs {:?})",
                ilp.objective,
                ilp.schedule
            );
            assert!((ilp.bound - ilp.objective).abs() < 1e-6 * best_value);
            let g = greedy(&p, &w);
            assert!(p.feasible(&g));
            assert!(p.objective(&g, &w) >= best_value - 1e-6);
        }
    }

    #[test]
    fn dependencies_and_capacity_are_respected() {
        let w = Worlds::from_monotone(4, landscape);
        let mut p = problem(10_000_000.0);
        for c in &mut p.candidates {
            c.owner = Some("team".into());
        }
        p.team_capacity = Some(1);
        let ilp = exact_of(&p, &w);
        assert!(p.feasible(&ilp.schedule));
        let (_, best) = exhaustive(&p, &w);
        assert!((ilp.objective - best).abs() < 1e-6 * best);
        if let (Some(c), d) = (ilp.schedule[2], ilp.schedule[3]) {
            assert!(d.is_some_and(|d| d < c), "c starts after d completes");
        }
    }

    /// A small random planning problem and random worlds (groups of breaches with random stopping sets).
    fn random_instance(seed: u64) -> (Problem, Worlds) {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let n = 4 + next(3) as usize;
        let candidates: Vec<Candidate> = (0..n)
            .map(|i| Candidate {
                id: format!("i{i}"),
                once: 50_000.0 + 10_000.0 * next(30) as f64,
                yearly: 5_000.0 * next(8) as f64,
                duration: 1 + next(3) as usize,
                depends_on: if i > 0 && next(4) == 0 { vec![next(i as u64) as usize] } else { vec![] },
                owner: Some(format!("t{}", next(2))),
            })
            .collect();
        let groups = (0..6 + next(10))
            .map(|_| {
                let sets: Vec<u64> = (0..1 + next(3))
                    .map(|_| (1 << next(n as u64)) | ((next(4) == 0) as u64 * (1 << next(n as u64))))
                    .collect();
                crate::worlds::Group { ale: 50_000.0 * (1 + next(40)) as f64, stopped_by: crate::worlds::minimal(sets) }
            })
            .collect();
        let quarters = 4 + next(5) as usize;
        let problem = Problem {
            candidates,
            quarters,
            budget_per_year: 100_000.0 + 50_000.0 * next(8) as f64,
            team_capacity: (next(2) == 0).then_some(1),
        };
        (problem, Worlds { fixed: 1e5, groups, breaches: 0, headline: None })
    }

    #[test]
    fn exact_equals_brute_force_on_random_instances_and_beats_or_ties_greedy() {
        let mut greedy_worse = 0;
        for seed in 1..=40 {
            let (p, w) = random_instance(seed);
            let (_, best) = exhaustive(&p, &w);
            let ilp = exact_of(&p, &w);
            assert!(ilp.proven && p.feasible(&ilp.schedule), "seed {seed}");
            assert!(
                (ilp.objective - best).abs() < 1e-6 * best,
                "seed {seed}: ILP {} vs brute force {best}",
                ilp.objective
            );
            let g = p.objective(&greedy(&p, &w), &w);
            assert!(g >= best - 1e-6 * best);
            greedy_worse += (g > best * (1.0 + 1e-9)) as usize;
            assert!(
                crate::roadmap::lower_bound(&p, &w) <= best * (1.0 + 1e-12),
                "seed {seed}: the greedy bound is valid"
            );
        }
        assert!(greedy_worse > 0, "the instances include some where greedy is not optimal");
    }

    #[test]
    fn the_node_limit_keeps_a_feasible_plan_and_an_honest_bound() {
        for seed in 1..=10 {
            let (p, w) = random_instance(seed);
            let (_, best) = exhaustive(&p, &w);
            let g = greedy(&p, &w);
            let x = exact(&p, &w, &g, ExactLimits { nodes: 1, rows: usize::MAX }).expect("the warm start at least");
            assert!(p.feasible(&x.schedule));
            assert!(x.objective <= p.objective(&g, &w) + 1e-6, "never worse than its warm start");
            assert!(x.bound <= best + 1e-6 * best, "seed {seed}: bound {} above the optimum {best}", x.bound);
            assert!(x.objective >= best - 1e-6 * best);
        }
    }

    #[test]
    fn with_few_rows_the_bound_stays_below_the_optimum() {
        for seed in 1..=20 {
            let (p, w) = random_instance(seed);
            let (_, best) = exhaustive(&p, &w);
            let g = greedy(&p, &w);
            for rows in [0, 8, 40] {
                let x = exact(&p, &w, &g, ExactLimits { nodes: 10_000, rows }).expect("solved");
                assert!(p.feasible(&x.schedule));
                assert!(x.bound <= best * (1.0 + 1e-9), "seed {seed}, {rows} rows: bound {} > optimum {best}", x.bound);
                assert!(x.objective >= best * (1.0 - 1e-9));
                assert!(!x.proven || x.groups_modelled == x.groups_stoppable);
            }
        }
    }

    #[test]
    fn local_search_never_worsens_and_stays_feasible() {
        let mut better = 0;
        for seed in 1..=40 {
            let (p, w) = random_instance(seed);
            let g = greedy(&p, &w);
            let l = improve(&p, &w, &g, 20);
            assert!(p.feasible(&l));
            let (gv, lv) = (p.objective(&g, &w), p.objective(&l, &w));
            assert!(lv <= gv + 1e-9 * gv, "seed {seed}");
            better += (lv < gv * (1.0 - 1e-9)) as usize;
            let (_, best) = exhaustive(&p, &w);
            assert!(lv >= best * (1.0 - 1e-9));
        }
        assert!(better > 0, "local search improves greedy somewhere");
    }
}
