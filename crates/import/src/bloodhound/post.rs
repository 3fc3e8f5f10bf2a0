//! BloodHound's post-processing on the import graph: edges computed from collected facts —
//! DCSync from the two replication rights, SyncLAPSPassword, the special identities every account
//! holds — and the group-membership expansion they (and AD CS) rely on.

use std::collections::{BTreeMap, BTreeSet};

use super::graph::{Graph, Ix};
use super::kinds::{self, K};

/// Who is a member of whom, for expanding rights held through (nested) groups.
pub struct Membership {
    /// Direct members of each node (reverse of MemberOf).
    members: Vec<Vec<Ix>>,
    /// Direct groups of each node.
    groups: Vec<Vec<Ix>>,
}

impl Membership {
    pub fn new(graph: &Graph) -> Self {
        let n = graph.nodes.len();
        let (mut members, mut groups) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        for e in graph.edges_of(kinds::MEMBER_OF) {
            members[e.to as usize].push(e.from);
            groups[e.from as usize].push(e.to);
        }
        Membership { members, groups }
    }

    /// Every principal whose token holds one of `holders`: the holders and their members,
    /// nested groups included.
    pub fn expand(&self, holders: &[Ix]) -> Vec<bool> {
        let mut seen = vec![false; self.members.len()];
        let mut stack: Vec<Ix> = holders.to_vec();
        while let Some(x) = stack.pop() {
            if std::mem::replace(&mut seen[x as usize], true) {
                continue;
            }
            stack.extend(self.members[x as usize].iter().copied().filter(|m| !seen[*m as usize]));
        }
        seen
    }

    /// The principals whose token holds, for every set, one of its holders — reported at the
    /// highest group that does: a member is left out when one of its direct groups qualifies,
    /// since it reaches the group's edge through MemberOf. Sorted.
    pub fn holding_all(&self, sets: &[Vec<Ix>]) -> Vec<Ix> {
        if sets.is_empty() || sets.iter().any(|s| s.is_empty()) {
            return Vec::new();
        }
        let mut all = self.expand(&sets[0]);
        for s in &sets[1..] {
            let other = self.expand(s);
            all.iter_mut().zip(other).for_each(|(a, b)| *a &= b);
        }
        (0..all.len() as Ix)
            .filter(|&x| all[x as usize] && !self.groups[x as usize].iter().any(|g| all[*g as usize]))
            .collect()
    }
}

/// Inbound edges of the given kinds, by target: built once for the whole graph.
pub fn inbound(graph: &Graph, of: &[K]) -> BTreeMap<(Ix, K), Vec<Ix>> {
    let mut out: BTreeMap<(Ix, K), Vec<Ix>> = BTreeMap::new();
    for e in graph.edges() {
        if of.contains(&e.kind) {
            out.entry((e.to, e.kind)).or_default().push(e.from);
        }
    }
    out
}

/// The holders of any of `kinds` on `target` in an [`inbound`] index.
pub fn held(index: &BTreeMap<(Ix, K), Vec<Ix>>, target: Ix, of: &[K]) -> Vec<Ix> {
    let mut out: Vec<Ix> = of.iter().flat_map(|k| index.get(&(target, *k)).into_iter().flatten().copied()).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Every account holds the special identities Authenticated Users (S-1-5-11) and Everyone
/// (S-1-1-0) at logon. Imported as implicit memberships: the domain's Domain Users (RID 513) and
/// Domain Computers (515) groups are members of its Authenticated Users, which is a member of its
/// Everyone — only for the special identities the collection mentions. Returns how many were added.
pub fn special_identities(graph: &mut Graph, domains: &BTreeMap<String, String>) -> usize {
    let mut added = 0;
    for (sid, fqdn) in domains {
        let everyone = graph.ix(&format!("{fqdn}-S-1-1-0"));
        let authenticated = graph.ix(&format!("{fqdn}-S-1-5-11"));
        if let (Some(auth), Some(every)) = (authenticated, everyone) {
            graph.add_implicit(auth, every, kinds::MEMBER_OF);
            added += 1;
        }
        let Some(auth) = authenticated.or(everyone) else { continue };
        for rid in ["513", "515"] {
            if let Some(group) = graph.ix(&format!("{sid}-{rid}")) {
                graph.add_implicit(group, auth, kinds::MEMBER_OF);
                added += 1;
            }
        }
    }
    added
}

/// DCSync (GetChanges and GetChangesAll on the domain, held by one token) and SyncLAPSPassword
/// (GetChanges and GetChangesInFilteredSet, to every LAPS computer of the domain), as BloodHound
/// computes them. Returns how many edges were added.
pub fn replication(graph: &mut Graph, membership: &Membership) -> usize {
    let index = inbound(graph, &[kinds::GET_CHANGES, kinds::GET_CHANGES_ALL, kinds::GET_CHANGES_IN_FILTERED_SET]);
    let domains: BTreeSet<Ix> = index.keys().map(|(t, _)| *t).filter(|t| graph.node(*t).label == "Domain").collect();
    let mut added = 0;
    for domain in domains {
        let changes = held(&index, domain, &[kinds::GET_CHANGES]);
        let all = held(&index, domain, &[kinds::GET_CHANGES_ALL]);
        for p in membership.holding_all(&[changes.clone(), all]) {
            graph.add(p, domain, kinds::DCSYNC, false);
            added += 1;
        }
        let filtered = held(&index, domain, &[kinds::GET_CHANGES_IN_FILTERED_SET]);
        let laps_readers = membership.holding_all(&[changes, filtered]);
        if laps_readers.is_empty() {
            continue;
        }
        let sid = graph.node(domain).id.clone();
        let computers: Vec<Ix> = (0..graph.nodes.len() as Ix)
            .filter(|&c| {
                let n = graph.node(c);
                n.label == "Computer" && n.flags.has_laps && n.domain_sid == sid
            })
            .collect();
        for p in &laps_readers {
            for c in &computers {
                graph.add(*p, *c, kinds::SYNC_LAPS, false);
                added += 1;
            }
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bloodhound::graph::{Node, Source};

    fn graph(ids: &[&str]) -> Graph {
        let mut g = Graph::default();
        for id in ids {
            g.add_object(Node {
                id: id.to_string(),
                label: "Group".into(),
                source: Some(Source::Ad),
                ..Node::default()
            });
        }
        g
    }

    #[test]
    fn holding_all_needs_one_token_with_every_right_and_reports_the_highest_group() {
        // u1 ∈ a, u2 ∈ b, u3 ∈ c, c ∈ a, c ∈ b: only c's members hold both, reported as c.
        let mut g = graph(&["u1", "u2", "u3", "a", "b", "c"]);
        for (m, grp) in [(0, 3), (1, 4), (2, 5), (5, 3), (5, 4)] {
            g.add(m, grp, kinds::MEMBER_OF, false);
        }
        let m = Membership::new(&g);
        assert_eq!(m.holding_all(&[vec![3], vec![4]]), vec![5]);
        // A direct holder of both is itself reported.
        assert_eq!(m.holding_all(&[vec![0, 3], vec![0]]), vec![0]);
        assert!(m.holding_all(&[vec![0], vec![]]).is_empty());
    }
}
