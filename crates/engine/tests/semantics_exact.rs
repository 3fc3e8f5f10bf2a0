//! Oracle: campaigns, requirement alternatives (`requires_any`) and parallel edges, simulated from a
//! loaded model, against exact enumeration of every world: each hop's one uniform (parallel edges
//! are comonotone), each campaign size K and each set of K members, each alternative.

mod common;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngSeed};
use riskpath_engine::compile::{Posture, compile};
use riskpath_engine::sim::{Run, SimGraph};
use riskpath_model::kb::Skill;

/// One edge of a test model: dense ends (entry points first), p, `requires`, `requires_any`.
#[derive(Debug, Clone)]
struct TEdge {
    from: usize,
    to: usize,
    p: f64,
    requires: Vec<usize>,
    any: Vec<Vec<usize>>,
}

/// A campaign on entry point 0: its members (dense ids) and reach (a whole number, or an interval).
#[derive(Debug, Clone)]
struct TCampaign {
    members: Vec<usize>,
    reach: Reach,
}

#[derive(Debug, Clone, Copy)]
enum Reach {
    Fixed(usize),
    Interval(f64, f64),
}

#[derive(Debug, Clone)]
struct TModel {
    entries: usize,
    nodes: usize,
    edges: Vec<TEdge>,
    campaign: Option<TCampaign>,
}

impl TModel {
    fn id(&self, dense: usize) -> String {
        if dense < self.entries { format!("e{dense}") } else { format!("n{}", dense - self.entries) }
    }

    fn yaml(&self) -> String {
        let mut y = String::from("entry_points:\n");
        for e in 0..self.entries {
            y += &format!("  - {{id: e{e}, kind: internet");
            if let (0, Some(c)) = (e, &self.campaign) {
                let reach = match c.reach {
                    Reach::Fixed(k) => k.to_string(),
                    Reach::Interval(lo, hi) => format!("{{low: {lo}, high: {hi}}}"),
                };
                y += &format!(", campaign: {{targets: [tag:member], reach: {reach}}}");
            }
            y += "}\n";
        }
        y += "nodes:\n";
        for n in self.entries..self.entries + self.nodes {
            let member = self.campaign.as_ref().is_some_and(|c| c.members.contains(&n));
            let tags = if member { ", tags: [member]" } else { "" };
            y += &format!("  - {{id: {}, kind: host{tags}}}\n", self.id(n));
        }
        y += "edges:\n";
        let ids = |list: &[usize]| list.iter().map(|&r| self.id(r)).collect::<Vec<_>>().join(", ");
        for e in &self.edges {
            y += &format!("  - {{from: {}, to: {}, kind: exploits, p: {}", self.id(e.from), self.id(e.to), e.p);
            if !e.requires.is_empty() {
                y += &format!(", requires: [{}]", ids(&e.requires));
            }
            if !e.any.is_empty() {
                let alts: Vec<String> = e.any.iter().map(|a| format!("[{}]", ids(a))).collect();
                y += &format!(", requires_any: [{}]", alts.join(", "));
            }
            y += "}\n";
        }
        y
    }

    /// P(K = k) of the campaign, from the lognormal CDF (erfc) for an interval.
    fn pmf(&self, c: &TCampaign) -> Vec<f64> {
        let n = c.members.len();
        match c.reach {
            Reach::Fixed(k) => (0..=n).map(|i| f64::from(u8::from(i == k.min(n)))).collect(),
            Reach::Interval(lo, hi) => {
                let (mu, sigma) = ((lo.ln() + hi.ln()) / 2.0, (hi.ln() - lo.ln()) / (2.0 * 1.644_853_626_951_472_2));
                let cdf = |x: f64| 0.5 * libm::erfc(-((x.ln() - mu) / sigma) / std::f64::consts::SQRT_2);
                (0..=n)
                    .map(|k| {
                        let upper = if k == n { 1.0 } else { cdf(k as f64 + 0.5) };
                        let lower = if k == 0 { 0.0 } else { cdf(k as f64 - 0.5) };
                        upper - lower
                    })
                    .collect()
            }
        }
    }

    /// Exact P(node held) for every node.
    fn exact(&self) -> Vec<f64> {
        let total = self.entries + self.nodes;
        // Hops: edges with the same ends share one uniform U; an edge is live when U < p.
        let mut hops: Vec<Vec<usize>> = Vec::new();
        for (i, e) in self.edges.iter().enumerate() {
            match hops.iter_mut().find(|h| self.edges[h[0]].from == e.from && self.edges[h[0]].to == e.to) {
                Some(h) => h.push(i),
                None => hops.push(vec![i]),
            }
        }
        // Per hop: (probability, live edges) of each interval of U between the ways' p.
        let outcomes: Vec<Vec<(f64, Vec<usize>)>> = hops
            .iter()
            .map(|h| {
                let mut cuts: Vec<f64> = h.iter().map(|&i| self.edges[i].p).chain([0.0, 1.0]).collect();
                cuts.sort_by(f64::total_cmp);
                cuts.dedup();
                cuts.windows(2)
                    .map(|w| (w[1] - w[0], h.iter().copied().filter(|&i| self.edges[i].p >= w[1]).collect()))
                    .filter(|(p, _)| *p > 0.0)
                    .collect()
            })
            .collect();
        // Campaign: (probability, members reached) of each K and each set of K members.
        let reached: Vec<(f64, Vec<usize>)> = match &self.campaign {
            None => vec![(1.0, Vec::new())],
            Some(c) => {
                let pmf = self.pmf(c);
                let n = c.members.len();
                (0u32..1 << n)
                    .map(|set| {
                        let k = set.count_ones() as usize;
                        let subsets = (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64);
                        let members = (0..n).filter(|b| set >> b & 1 == 1).map(|b| c.members[b]).collect();
                        (pmf[k] / subsets, members)
                    })
                    .collect()
            }
        };
        let mut prob = vec![0.0; total];
        let mut choice = vec![0usize; hops.len()];
        loop {
            let weight: f64 = choice.iter().zip(&outcomes).map(|(&c, o)| o[c].0).product();
            let mut live = vec![false; self.edges.len()];
            for (&c, o) in choice.iter().zip(&outcomes) {
                for &i in &o[c].1 {
                    live[i] = true;
                }
            }
            for (w, members) in &reached {
                let held = self.fixpoint(&live, members);
                for (v, &h) in held.iter().enumerate() {
                    if h {
                        prob[v] += weight * w;
                    }
                }
            }
            // Next combination of hop outcomes.
            let mut i = 0;
            while i < choice.len() {
                choice[i] += 1;
                if choice[i] < outcomes[i].len() {
                    break;
                }
                choice[i] = 0;
                i += 1;
            }
            if i == choice.len() {
                return prob;
            }
        }
    }

    /// The nodes held in one world: live edges fire from held sources when `requires` and one
    /// alternative of `requires_any` are held; the campaign's edges only into reached members.
    fn fixpoint(&self, live: &[bool], reached: &[usize]) -> Vec<bool> {
        let mut held = vec![false; self.entries + self.nodes];
        held[..self.entries].fill(true);
        let blocked = |e: &TEdge| {
            self.campaign.as_ref().is_some_and(|c| e.from == 0 && c.members.contains(&e.to) && !reached.contains(&e.to))
        };
        loop {
            let mut changed = false;
            for (i, e) in self.edges.iter().enumerate() {
                let all = |list: &[usize]| list.iter().all(|&r| held[r]);
                let met = all(&e.requires) && (e.any.is_empty() || e.any.iter().any(|a| all(a)));
                if live[i] && held[e.from] && !held[e.to] && met && !blocked(e) {
                    held[e.to] = true;
                    changed = true;
                }
            }
            if !changed {
                return held;
            }
        }
    }

    /// Simulated hits per node: the model loaded, compiled and simulated.
    fn simulate(&self, trials: u64, seed: u64) -> Vec<u64> {
        let model = common::model(&self.yaml());
        let graph = compile(&model, &Posture::as_deployed(&model));
        let sim = SimGraph::from_attack_graph(&graph, &model, Skill::Medium);
        let entries: Vec<u32> = (0..self.entries as u32).collect();
        let all: Vec<u32> = (0..(self.entries + self.nodes) as u32).collect();
        Run { graph: &sim, entries: &entries, trials, seed, stream: 7 }.hit_counts(&all)
    }

    fn check(&self, trials: u64, seed: u64) -> Result<(), String> {
        let exact = self.exact();
        let hits = self.simulate(trials, seed);
        for (v, (&h, &p)) in hits.iter().zip(&exact).enumerate() {
            let estimate = h as f64 / trials as f64;
            let tol = 4.0 * common::se(p, trials) + 2.0 / trials as f64;
            if (estimate - p).abs() > tol {
                return Err(format!("{}: simulated {estimate} vs exact {p} (tol {tol})\n{}", self.id(v), self.yaml()));
            }
        }
        Ok(())
    }
}

fn edge(from: usize, to: usize, p: f64) -> TEdge {
    TEdge { from, to, p, requires: vec![], any: vec![] }
}

#[test]
fn parallel_edges_are_one_hop_with_the_best_ways_probability() {
    // e0 → n0 three ways (0.5, 0.3, 0.2): P = 0.5, where independent edges would give 0.72.
    let m = TModel {
        entries: 1,
        nodes: 2,
        edges: vec![edge(0, 1, 0.5), edge(0, 1, 0.3), edge(0, 1, 0.2), edge(1, 2, 0.6)],
        campaign: None,
    };
    let exact = m.exact();
    assert!((exact[1] - 0.5).abs() < 1e-15 && (exact[2] - 0.3).abs() < 1e-15, "{exact:?}");
    m.check(200_000, 1).unwrap();
}

#[test]
fn parallel_ways_with_different_conditions_share_their_draw() {
    // n1 → n2 two ways: p 0.8 needing n0... held only via the 0.4 edge, and p 0.3 without.
    // With one uniform U: the hop fires when U < 0.3, or U < 0.8 while n0 is held.
    let mut cond = edge(2, 3, 0.8);
    cond.requires = vec![1];
    let m = TModel {
        entries: 1,
        nodes: 3,
        edges: vec![edge(0, 1, 0.4), edge(0, 2, 0.9), cond, edge(2, 3, 0.3)],
        campaign: None,
    };
    let exact = m.exact();
    let want = 0.9 * (0.4 * 0.8 + 0.6 * 0.3);
    assert!((exact[3] - want).abs() < 1e-15, "{} vs {want}", exact[3]);
    m.check(200_000, 2).unwrap();
}

#[test]
fn alternatives_are_an_or_of_ands_with_one_draw() {
    // e0 → n3 with p 0.7, requires n0 and (n1 or n2): n0, n1, n2 held with 0.5, 0.6, 0.4.
    let mut or = edge(0, 4, 0.7);
    or.requires = vec![1];
    or.any = vec![vec![2], vec![3]];
    let m = TModel {
        entries: 1,
        nodes: 4,
        edges: vec![edge(0, 1, 0.5), edge(0, 2, 0.6), edge(0, 3, 0.4), or],
        campaign: None,
    };
    let exact = m.exact();
    let want = 0.7 * 0.5 * (1.0 - 0.4 * 0.6);
    assert!((exact[4] - want).abs() < 1e-15, "{} vs {want}", exact[4]);
    m.check(200_000, 3).unwrap();
}

#[test]
fn a_fixed_campaign_reaches_k_of_n_members() {
    // Four members, two reached per attempt, each phished with 0.5; n4 needs n0 and n1 (AND).
    let mut both = edge(1, 5, 1.0);
    both.requires = vec![2];
    let m = TModel {
        entries: 1,
        nodes: 5,
        edges: vec![edge(0, 1, 0.5), edge(0, 2, 0.5), edge(0, 3, 0.5), edge(0, 4, 0.5), both],
        campaign: Some(TCampaign { members: vec![1, 2, 3, 4], reach: Reach::Fixed(2) }),
    };
    let exact = m.exact();
    assert!((exact[1] - 0.25).abs() < 1e-15, "each member: 2/4 reached × 0.5");
    // Both n0 and n1 reached: 1 of the 6 pairs, then both phished: 1/6 × 1/4.
    assert!((exact[5] - 1.0 / 24.0).abs() < 1e-15, "{}", exact[5]);
    m.check(300_000, 4).unwrap();
}

#[test]
fn an_interval_campaign_draws_its_size_per_attempt() {
    let edges: Vec<TEdge> = (1..=4).map(|v| edge(0, v, 0.6)).chain([edge(1, 5, 0.9), edge(4, 5, 0.5)]).collect();
    let m = TModel {
        entries: 1,
        nodes: 5,
        edges,
        campaign: Some(TCampaign { members: vec![1, 2, 3, 4], reach: Reach::Interval(1.0, 3.0) }),
    };
    m.check(300_000, 5).unwrap();
}

#[test]
fn a_campaign_leaves_edges_to_non_members_and_other_entries_alone() {
    let m = TModel {
        entries: 2,
        nodes: 4,
        // e0 → n0, n1 members; e0 → n2 not a member; e1 → n0 another entry.
        edges: vec![edge(0, 2, 0.7), edge(0, 3, 0.7), edge(0, 4, 0.7), edge(1, 2, 0.2), edge(4, 5, 0.5)],
        campaign: Some(TCampaign { members: vec![2, 3], reach: Reach::Fixed(1) }),
    };
    let exact = m.exact();
    assert!((exact[4] - 0.7).abs() < 1e-15);
    assert!((exact[2] - (1.0 - (1.0 - 0.35) * 0.8)).abs() < 1e-15);
    m.check(200_000, 6).unwrap();
}

/// A random small model with parallel edges, alternatives and a campaign.
fn model_strategy() -> impl Strategy<Value = TModel> {
    (1usize..=2, 4usize..=5).prop_flat_map(|(entries, nodes)| {
        let total = entries + nodes;
        let p = prop_oneof![6 => 0.05f64..0.95, 1 => Just(1.0)].prop_map(|p: f64| (p * 1000.0).round() / 1000.0);
        let node = entries..total;
        let reqs = proptest::collection::vec(0..total, 0..=1);
        let any = prop_oneof![
            2 => Just(vec![]),
            1 => proptest::collection::vec(proptest::collection::vec(0..total, 1..=2), 1..=2),
        ];
        // Few distinct sources, so parallel edges are common.
        let edge =
            (0..total.min(entries + 2), node.clone(), p, reqs, any).prop_map(move |(from, to, p, requires, any)| {
                let to = if from == to { entries + (to + 1 - entries) % nodes } else { to };
                TEdge { from, to, p, requires, any }
            });
        let members = proptest::sample::subsequence((entries..total).collect::<Vec<_>>(), 1..=3);
        let reach = prop_oneof![
            (1usize..=3).prop_map(Reach::Fixed),
            (0.5f64..2.0, 1.0f64..3.0).prop_map(|(lo, w)| Reach::Interval(lo, lo * (1.0 + w))),
        ];
        let campaign =
            proptest::option::weighted(0.7, (members, reach).prop_map(|(members, reach)| TCampaign { members, reach }));
        (Just(entries), Just(nodes), proptest::collection::vec(edge, 4..=9), campaign)
            .prop_map(|(entries, nodes, edges, campaign)| TModel { entries, nodes, edges, campaign })
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 32,
        rng_seed: RngSeed::Fixed(0x5EED_0015),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_models_match_exact_enumeration(m in model_strategy(), seed in any::<u64>()) {
        let result = m.check(40_000, seed);
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
    }
}

/// In every trial: parallel edges' live lanes are nested by p (one uniform), the simulated copies
/// of an edge with `requires_any` are live in the same lanes, and a campaign's edges are live only
/// in lanes that reach their member, exactly K members a lane.
#[test]
fn lanes_share_draws_and_respect_the_campaign() {
    let mut or = edge(1, 4, 0.6);
    or.any = vec![vec![2], vec![3]];
    let m = TModel {
        entries: 1,
        nodes: 4,
        edges: vec![edge(0, 1, 0.9), edge(0, 1, 0.4), edge(0, 2, 0.5), edge(0, 3, 0.5), or, edge(1, 4, 0.3)],
        campaign: Some(TCampaign { members: vec![1, 2, 3], reach: Reach::Fixed(2) }),
    };
    let model = common::model(&m.yaml());
    let graph = compile(&model, &Posture::as_deployed(&model));
    let sim = SimGraph::from_attack_graph(&graph, &model, Skill::Medium);
    assert_eq!(sim.edge_count(), graph.edges.len() + 1, "one simulated edge per alternative");
    let run = Run { graph: &sim, entries: &[0], trials: 64 * 50, seed: 3, stream: 1 };
    let sources = sim.edge_sources();
    let per_batch = run.map_batches(|b| {
        (0..sim.edge_count()).map(|e| (sim.stable_id(e), b.live(sources[e], e))).collect::<Vec<(u32, u64)>>()
    });
    let mut reached_somewhere = 0;
    for lanes in per_batch {
        let of = |model_edge: u32| lanes.iter().filter(|(m, _)| *m == model_edge).map(|&(_, l)| l).collect::<Vec<_>>();
        let (strong, weak) = (of(0)[0], of(1)[0]);
        assert_eq!(weak & !strong, 0, "the 0.4 way is live only where the 0.9 way is");
        let copies = of(4);
        assert_eq!(copies.len(), 2);
        assert_eq!(copies[0], copies[1], "one draw for both alternatives");
        // The campaign's edges, phished with p < 1, are live in at most two members per lane.
        for lane in 0..64 {
            let live = [strong, of(2)[0], of(3)[0]].iter().filter(|&&l| l >> lane & 1 == 1).count();
            assert!(live <= 2, "lane {lane}: {live} members live with reach 2");
            reached_somewhere += live;
        }
    }
    assert!(reached_somewhere > 0);
}
