//! Compilation of a model into the attack graph: dense ids, CSR adjacency, and each edge's
//! probability after controls, as the product of its base and one factor per covering control.

use std::collections::HashMap;

use riskpath_model::kb::{self, Skill};
use riskpath_model::{ControlStatus, Estimate, Model};

use crate::dist;
use crate::rng::{extend, key, text_key};

/// Which controls count and which edges exist: the "world as deployed", or a what-if.
#[derive(Debug, Clone, PartialEq)]
pub struct Posture {
    /// Per model control: does it count (deployed and its check passes)?
    pub active: Vec<bool>,
    /// Per model edge: removed (e.g. by an initiative)?
    pub removed: Vec<bool>,
}

impl Posture {
    /// Deployed controls count, planned ones do not; every edge exists.
    pub fn as_deployed(model: &Model) -> Self {
        Posture {
            active: model.controls.iter().map(|c| c.status == ControlStatus::Deployed).collect(),
            removed: vec![false; model.edges.len()],
        }
    }
}

/// One covering control's effect on one edge: `(1 − prevent) × (1 − detect × respond)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlFactor {
    /// Index into `model.controls`.
    pub control: usize,
    pub prevent: Option<Estimate>,
    pub detect: Option<Estimate>,
}

impl ControlFactor {
    /// The factor for given prevent and detect efficacies.
    pub fn value(prevent: f64, detect: f64, respond: f64) -> f64 {
        (1.0 - prevent) * (1.0 - detect * respond)
    }
    /// The factor's expected value (inputs independent, so means multiply).
    pub fn mean(&self, respond: f64) -> f64 {
        let prevent = self.prevent.map_or(0.0, |e| dist::probability_mean(&e));
        let detect = self.detect.map_or(0.0, |e| dist::probability_mean(&e));
        Self::value(prevent, detect, respond)
    }
}

/// Where an edge's base probability comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Base {
    /// The knowledge base's probability per skill for the edge kind.
    Kind([f64; 3]),
    /// The knowledge base's probability per skill for the edge's own `technique`, which differs
    /// from its kind's and has a rate of its own (`kb::base_rate`).
    Technique([f64; 3]),
    /// The edge's own `p`, for every actor.
    Override(Estimate),
}

impl Base {
    pub fn estimate(&self, skill: Skill) -> Estimate {
        match *self {
            Base::Kind(p) | Base::Technique(p) => Estimate::Point(p[skill.index()]),
            Base::Override(e) => e,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CompiledEdge {
    /// Index into `model.edges`.
    pub model_index: usize,
    pub from: u32,
    pub to: u32,
    pub kind: &'static kb::EdgeKind,
    pub technique: String,
    pub base: Base,
    pub factors: Vec<ControlFactor>,
    /// Required nodes (dense ids): the edge fires only when all are held.
    pub requires: Vec<u32>,
    /// Alternatives (dense ids): besides `requires`, all nodes of one of them must be held (none:
    /// no further condition).
    pub requires_any: Vec<Vec<u32>>,
    /// The stable key of the edge's random draw: the hop's key, a 64-bit hash of its source and
    /// target ids ([`hop_keys`]). Parallel edges are ways over one hop: they share one uniform per
    /// trial, so the hop succeeds with the best way's probability. Taken from ids, not positions,
    /// so removing one way, reordering files or inserting edges elsewhere keeps every other
    /// hop's draws: common random numbers across what-ifs and model versions.
    pub draw_key: u64,
    /// The edge's own stable key (from, to, kind and its rank among edges with all three equal):
    /// keys the samples of an uncertain `p` of its own.
    pub stable_key: u64,
    /// Index into [`AttackGraph::campaigns`] when the edge leads from a campaign's entry point to
    /// a member of its population: it fires only in trials that reach that member.
    pub campaign: Option<u32>,
    /// Expected success probability per skill (low, medium, high) after controls.
    pub p: [f64; 3],
}

impl CompiledEdge {
    pub fn p(&self, skill: Skill) -> f64 {
        self.p[skill.index()]
    }
    /// The edge's own success probability times the chance that its campaign reaches its target
    /// (1 outside campaigns): the probability that it fires when its source is held.
    pub fn p_reached(&self, graph: &AttackGraph, skill: Skill) -> f64 {
        self.p(skill) * self.campaign.map_or(1.0, |c| graph.campaigns[c as usize].member_probability)
    }
    /// Each way the edge's conditions can be met: `requires` with one alternative of
    /// `requires_any` added (`requires` alone when there are none).
    pub fn conditions(&self) -> Vec<Vec<u32>> {
        if self.requires_any.is_empty() {
            return vec![self.requires.clone()];
        }
        let with = |alt: &Vec<u32>| {
            let mut all = self.requires.clone();
            all.extend(alt.iter().filter(|r| !self.requires.contains(r)));
            all
        };
        self.requires_any.iter().map(with).collect()
    }
    /// Does any input of this edge's probability vary between trials?
    pub fn is_uncertain(&self) -> bool {
        matches!(self.base, Base::Override(e) if e.is_uncertain())
            || self
                .factors
                .iter()
                .any(|f| f.prevent.is_some_and(|e| e.is_uncertain()) || f.detect.is_some_and(|e| e.is_uncertain()))
    }
}

/// An entry point's campaign, compiled: its population and how many members an attempt reaches.
#[derive(Debug, Clone)]
pub struct CompiledCampaign {
    /// Dense id of the entry point.
    pub entry: u32,
    /// Index of the entry point in `model.entry_points`.
    pub entry_index: usize,
    /// The campaign's stable key for randomness: the key of its entry point's id.
    pub key: u64,
    /// Dense ids of the population's members, in model order.
    pub members: Vec<u32>,
    pub reach: crate::campaign::Reach,
    /// P(a given member is reached in one attempt).
    pub member_probability: f64,
}

/// The attack graph: entry points and nodes with dense ids, edges in CSR order by source.
#[derive(Debug, Clone)]
pub struct AttackGraph {
    /// Model id of each dense node; entry points come first.
    pub ids: Vec<String>,
    pub entry_count: usize,
    /// `out[offsets[n]..offsets[n+1]]` are the edges leaving node `n` (indices into `edges`).
    pub offsets: Vec<u32>,
    pub edges: Vec<CompiledEdge>,
    /// Containment rate used in the detect factor.
    pub respond: f64,
    /// The campaigns of the entry points that have one (and reach less than their whole population).
    pub campaigns: Vec<CompiledCampaign>,
    index: HashMap<String, u32>,
}

impl AttackGraph {
    pub fn node_count(&self) -> usize {
        self.ids.len()
    }
    pub fn index_of(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }
    pub fn out_edges(&self, node: u32) -> std::ops::Range<usize> {
        self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize
    }
    pub fn is_entry(&self, node: u32) -> bool {
        (node as usize) < self.entry_count
    }
    /// Dense ids of an actor's entry points.
    pub fn entries_of(&self, actor: &riskpath_model::Actor) -> Vec<u32> {
        actor.entry.iter().filter_map(|e| self.index_of(&e.value)).collect()
    }
    /// Dense ids of an actor's targets.
    pub fn targets_of(&self, actor: &riskpath_model::Actor) -> Vec<u32> {
        actor.targets.iter().filter_map(|t| self.index_of(&t.value)).collect()
    }
    /// The graph as `actor` sees it. An actor limited to an ATT&CK group's techniques
    /// (`allowed_techniques`) cannot take the other edges: they keep their place (same dense ids,
    /// edge order and random streams, so common random numbers hold) but never fire (p = 0).
    pub fn for_actor(&self, actor: &riskpath_model::Actor) -> std::borrow::Cow<'_, AttackGraph> {
        if actor.allowed_techniques.is_none() || self.edges.iter().all(|e| actor.allows(&e.technique)) {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut g = self.clone();
        for e in g.edges.iter_mut().filter(|e| !actor.allows(&e.technique)) {
            e.base = Base::Override(Estimate::Point(0.0));
            e.factors.clear();
            e.p = [0.0; 3];
        }
        std::borrow::Cow::Owned(g)
    }

    /// This graph without the edges whose model indices are in `removed`: what [`compile`] gives
    /// when the posture removes them too (no other edge's compiled form depends on them), without
    /// compiling again.
    pub fn without_model_edges(&self, removed: &[usize]) -> AttackGraph {
        let removed: std::collections::HashSet<usize> = removed.iter().copied().collect();
        let mut edges = Vec::with_capacity(self.edges.len());
        edges.extend(self.edges.iter().filter(|e| !removed.contains(&e.model_index)).cloned());
        AttackGraph {
            ids: self.ids.clone(),
            entry_count: self.entry_count,
            offsets: csr_offsets(self.ids.len(), &edges),
            edges,
            respond: self.respond,
            campaigns: self.campaigns.clone(),
            index: self.index.clone(),
        }
    }
}

/// Where each node's out-edges start in `edges` (sorted by source), and the end.
fn csr_offsets(node_count: usize, edges: &[CompiledEdge]) -> Vec<u32> {
    let mut offsets = vec![0u32; node_count + 1];
    for e in edges {
        offsets[e.from as usize + 1] += 1;
    }
    for i in 0..node_count {
        offsets[i + 1] += offsets[i];
    }
    offsets
}

/// Compiles `model` under `posture` into an attack graph.
pub fn compile(model: &Model, posture: &Posture) -> AttackGraph {
    let ids: Vec<String> =
        model.entry_points.iter().map(|e| e.id.clone()).chain(model.nodes.iter().map(|n| n.id.clone())).collect();
    let index: HashMap<String, u32> = ids.iter().enumerate().map(|(i, id)| (id.clone(), i as u32)).collect();
    let end_of = model.edge_ends();
    let respond = model.settings.respond;
    let draw_keys = hop_keys(model);
    let stable_keys = edge_keys(model);
    let campaigns = compile_campaigns(model, &index);
    let campaign_of = |from: u32, to: u32| {
        let c = campaigns.iter().position(|c| c.entry == from && c.members.binary_search(&to).is_ok())?;
        Some(c as u32)
    };

    let mut edges: Vec<CompiledEdge> = model
        .edges
        .iter()
        .enumerate()
        .filter(|(i, _)| !posture.removed[*i])
        .map(|(i, e)| {
            let kind = kb::edge_kind(&e.kind.value).expect("validated edge kind");
            let technique = e.technique_id().expect("validated edge kind").to_string();
            let base = match &e.p {
                Some(p) => Base::Override(p.value),
                None => match kb::base_rate(kind, e.extra().technique.as_ref().map(|t| t.value.as_str())) {
                    (rate, kb::BaseSource::Technique) => Base::Technique(rate),
                    (rate, _) => Base::Kind(rate),
                },
            };
            let (source, target) = (end_of[e.from.value.as_str()], end_of[e.to.value.as_str()]);
            let factors: Vec<ControlFactor> = model
                .controls
                .iter()
                .enumerate()
                .filter(|(c, control)| posture.active[*c] && control.covers(source, target))
                .filter_map(|(c, control)| {
                    let find = |list: &[riskpath_model::Efficacy]| {
                        let listed = list.iter().map(|x| x.technique.value.as_str());
                        kb::most_specific_cover(listed, &technique).map(|i| list[i].value.value)
                    };
                    let prevent = find(&control.mitigates);
                    let detect = find(&control.detects);
                    (prevent.is_some() || detect.is_some()).then_some(ControlFactor { control: c, prevent, detect })
                })
                .collect();
            let controls_mean: f64 = factors.iter().map(|f| f.mean(respond)).product();
            let p = Skill::ALL.map(|s| dist::probability_mean(&base.estimate(s)) * controls_mean);
            let (from, to) = (index[e.from.value.as_str()], index[e.to.value.as_str()]);
            let dense = |refs: &[riskpath_model::Ref]| refs.iter().map(|r| index[&r.value]).collect::<Vec<u32>>();
            CompiledEdge {
                model_index: i,
                from,
                to,
                kind,
                technique,
                base,
                factors,
                requires: dense(&e.requires),
                requires_any: e.extra().requires_any.iter().map(|alt| dense(alt)).collect(),
                draw_key: draw_keys[i],
                stable_key: stable_keys[i],
                campaign: campaign_of(from, to),
                p,
            }
        })
        .collect();
    edges.sort_by_key(|e| (e.from, e.model_index));
    let offsets = csr_offsets(ids.len(), &edges);
    AttackGraph { entry_count: model.entry_points.len(), ids, offsets, edges, respond, campaigns, index }
}

/// Per model edge, the stable key of its hop's draw: `key(text_key(from), text_key(to))`, 64 bits.
/// Over 10^7 hops, 32-bit keys would collide thousands of times (n²/2^33); 64-bit keys collide
/// with probability ~n²/2^65 (3·10^-6). A collision is still resolved, deterministically: the hop
/// whose (from, to) sorts later is re-keyed with `extend(key, 1)`, `2`, … until its key is free, so
/// two hops never share a draw by accident.
pub fn hop_keys(model: &Model) -> Vec<u64> {
    fn hop(e: &riskpath_model::Edge) -> (&str, &str) {
        (e.from.value.as_str(), e.to.value.as_str())
    }
    let mut hops: Vec<(&str, &str)> = model.edges.iter().map(hop).collect();
    hops.sort_unstable();
    hops.dedup();
    let mut taken: HashMap<u64, (&str, &str)> = HashMap::with_capacity(hops.len());
    for &(from, to) in &hops {
        let mut k = key(&[text_key(from), text_key(to)]);
        let mut salt = 0;
        while taken.contains_key(&k) {
            salt += 1;
            k = extend(key(&[text_key(from), text_key(to)]), salt);
        }
        taken.insert(k, (from, to));
    }
    let by_hop: HashMap<(&str, &str), u64> = taken.into_iter().map(|(k, h)| (h, k)).collect();
    model.edges.iter().map(|e| by_hop[&hop(e)]).collect()
}

/// Per model edge, its own stable key: `key(from, to, kind, n)` where `n` counts the earlier
/// edges with the same three (parallel ways of one kind are told apart by their order).
fn edge_keys(model: &Model) -> Vec<u64> {
    let mut seen: HashMap<(&str, &str, &str), u64> = HashMap::new();
    model
        .edges
        .iter()
        .map(|e| {
            let n = seen.entry((&e.from.value, &e.to.value, &e.kind.value)).or_insert(0);
            *n += 1;
            key(&[text_key(&e.from.value), text_key(&e.to.value), text_key(&e.kind.value), *n - 1])
        })
        .collect()
}

/// The campaigns of the model's entry points, except those that reach their whole population in
/// every attempt (they change nothing).
fn compile_campaigns(model: &Model, index: &HashMap<String, u32>) -> Vec<CompiledCampaign> {
    model
        .entry_points
        .iter()
        .enumerate()
        .filter_map(|(entry_index, entry)| {
            let campaign = entry.campaign.as_ref()?;
            let members: Vec<u32> = model.nodes.iter().filter(|n| campaign.selects(n)).map(|n| index[&n.id]).collect();
            let reach = crate::campaign::Reach::new(&campaign.reach.value, members.len());
            if reach.reaches_all() {
                return None;
            }
            let member_probability = reach.member_probability();
            let key = text_key(&entry.id);
            Some(CompiledCampaign { entry: index[&entry.id], entry_index, key, members, reach, member_probability })
        })
        .collect()
}
