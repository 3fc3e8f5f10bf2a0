//! Campaigns (the population of nodes an entry point reaches some of), requirement alternatives
//! and loss groups (crown jewels that share one loss event): their types, reading and checks.

use crate::read::{Range, Reader};
use crate::source::{Loc, Problem};
use crate::types::*;
use crate::yaml::{Node as YNode, Value};

/// An entry point's campaign: each attempt reaches `reach` members of the population that
/// `targets` selects, chosen uniformly without replacement; an edge from the entry point to a
/// member fires only in attempts that reach that member.
#[derive(Debug, Clone)]
pub struct Campaign {
    /// Selectors (`tag:`, `kind:`, `zone:`, `owner:`, an id, `*`) choosing the population's nodes.
    pub targets: Vec<Spanned<Selector>>,
    /// Members reached per attempt: a whole number, or a 90% interval (lognormal, rounded).
    pub reach: Spanned<Estimate>,
    pub loc: Loc,
}

impl Campaign {
    /// Is `node` a member of the population?
    pub fn selects(&self, node: &Node) -> bool {
        self.targets.iter().any(|s| s.value.matches(EdgeEnd::Node(node)))
    }
}

/// Crown jewels whose breach is one loss event per attempt: the joint `loss` when given, else the
/// largest of the held members' own losses.
#[derive(Debug, Clone)]
pub struct LossGroup {
    pub id: String,
    pub name: Option<String>,
    pub members: Vec<Ref>,
    /// The joint loss per attempt that reaches any member; empty: the largest held member's loss.
    pub loss: Vec<Loss>,
    pub loc: Loc,
}

impl Reader {
    /// An entry point's `campaign: {targets, reach}`.
    pub(crate) fn campaign(&mut self, node: &YNode) -> Option<Campaign> {
        let what = "a campaign";
        let f = self.fields(node, what, crate::keys::CAMPAIGN)?;
        let targets: Vec<Spanned<Selector>> = self
            .strings(&f, "targets", what)
            .into_iter()
            .map(|s| Spanned { value: crate::read::parse_selector(s.value.trim()), loc: s.loc })
            .collect();
        if targets.is_empty() {
            self.problems.push(
                Problem::error("a campaign needs `targets`: the population it reaches some of", Some(f.loc))
                    .with_help("e.g. campaign: {targets: [tag:employee], reach: {low: 5, high: 40}}"),
            );
        }
        let reach = self.required(&f, "reach", what).and_then(|n| self.reach(n));
        Some(Campaign { targets, reach: reach?, loc: f.loc })
    }

    /// A campaign's `reach`: a whole number ≥ 1, or an interval of positive numbers.
    fn reach(&mut self, node: &YNode) -> Option<Spanned<Estimate>> {
        let what = "campaign `reach` (members reached per attempt)";
        if let Value::Int(_) | Value::Float(_) = node.value {
            let v = self.number(node, what, Range::Count)?;
            if v < 1.0 || v.fract() != 0.0 {
                self.problems.push(
                    Problem::error(format!("{what} must be a whole number of at least 1, found {v}"), Some(node.loc))
                        .with_help("write how many members one attempt reaches, or an interval {low: 5, high: 40}"),
                );
                return None;
            }
            return Some(Spanned { value: Estimate::Point(v), loc: node.loc });
        }
        self.estimate(node, what, Range::Count)
    }

    /// An edge's `requires_any`: a list of alternatives, each a list of node ids (a single id is
    /// an alternative of one).
    pub(crate) fn requires_any(&mut self, node: &YNode) -> Vec<Vec<Ref>> {
        let what = "`requires_any` of an edge";
        let items = self.list(node, what);
        if items.is_empty() && matches!(node.value, Value::Seq(_) | Value::Null) {
            self.problems.push(
                Problem::error(format!("{what} lists no alternative"), Some(node.loc))
                    .with_help("e.g. requires_any: [[x, y], [z]] for (x AND y) OR z; omit it for no condition"),
            );
        }
        items
            .iter()
            .filter_map(|alt| {
                let ids: Vec<Ref> = match &alt.value {
                    Value::Str(_) => self.string(alt, "an alternative of `requires_any`").into_iter().collect(),
                    _ => {
                        let ids = self.list(alt, "an alternative of `requires_any`");
                        ids.iter().filter_map(|id| self.string(id, "a node id in `requires_any`")).collect()
                    }
                };
                if ids.is_empty() {
                    self.problems.push(
                        Problem::error("an alternative of `requires_any` is empty", Some(alt.loc))
                            .with_label("needs at least one node id")
                            .with_help("an empty alternative always holds: drop `requires_any` instead"),
                    );
                    return None;
                }
                Some(ids)
            })
            .collect()
    }

    /// One item of the top-level `loss_groups`.
    pub(crate) fn loss_group(&mut self, node: &YNode) -> Option<LossGroup> {
        let what = "a loss group";
        let f = self.fields(node, what, crate::keys::LOSS_GROUP)?;
        let id = self.required_string(&f, "id", what);
        let members = self.strings(&f, "members", what);
        if members.is_empty() {
            self.problems.push(
                Problem::error("a loss group needs `members`: the crown jewels that share one loss event", Some(f.loc))
                    .with_help("e.g. members: [dom-corp, dom-child]"),
            );
        }
        let loss = f.get("loss").map(|n| self.losses(n)).unwrap_or_default();
        let name = self.optional_string(&f, "name", what);
        let id = id?;
        Some(LossGroup { id: id.value, name, members, loss, loc: id.loc })
    }
}

/// Checks of campaigns, requirement alternatives and loss groups against the merged model.
pub(crate) fn check(model: &Model, problems: &mut Vec<Problem>) {
    for entry in &model.entry_points {
        if let Some(c) = &entry.campaign {
            check_campaign(model, entry, c, problems);
        }
    }
    check_loss_groups(model, problems);
}

fn check_campaign(model: &Model, entry: &EntryPoint, c: &Campaign, problems: &mut Vec<Problem>) {
    let population = model.nodes.iter().filter(|n| c.selects(n)).count();
    let at = c.targets.first().map_or(c.loc, |t| t.loc);
    if population == 0 {
        let listed: Vec<String> = c.targets.iter().map(|t| t.value.to_string()).collect();
        problems.push(
            Problem::error(
                format!("the campaign of entry point `{}` selects no node ({})", entry.id, listed.join(", ")),
                Some(at),
            )
            .with_label("no node matches")
            .with_help("targets are selectors: tag:employee, kind:identity, zone:corp, owner:it, a node id or *"),
        );
        return;
    }
    let reached =
        model.edges.iter().any(|e| e.from.value == entry.id && model.node(&e.to.value).is_some_and(|n| c.selects(n)));
    if !reached {
        problems.push(
            Problem::warning(
                format!("the campaign of entry point `{}` has no edge from it to a member", entry.id),
                Some(at),
            )
            .with_help("a campaign limits the entry point's edges to its population; add edges such as {from: phishing, to: alice, kind: phishes}"),
        );
    }
    if let Estimate::Point(k) = c.reach.value
        && k > population as f64
    {
        problems.push(
            Problem::warning(
                format!("campaign `reach` {k} exceeds the population of {population}: every member is reached"),
                Some(c.reach.loc),
            )
            .with_help(
                "without a campaign each edge from the entry point is tried in every attempt; drop it, or lower reach",
            ),
        );
    }
}

fn check_loss_groups(model: &Model, problems: &mut Vec<Problem>) {
    let mut group_of: std::collections::HashMap<&str, (&str, Loc)> = std::collections::HashMap::new();
    for g in &model.loss_groups {
        for m in &g.members {
            match model.node(&m.value) {
                None => {
                    let help = crate::did_you_mean(&m.value, model.crown_jewels().map(|n| n.id.as_str()));
                    problems.push(
                        Problem::error(format!("loss group member `{}` does not exist", m.value), Some(m.loc))
                            .with_label("no node has this id")
                            .with_help_opt(help),
                    );
                }
                Some(n) if !n.crown_jewel => problems.push(
                    Problem::error(format!("loss group member `{}` is not a crown jewel", m.value), Some(m.loc))
                        .with_related(n.loc, "defined here")
                        .with_help("members are crown jewels: mark the node `crown_jewel: true` with a `loss`"),
                ),
                Some(_) => {
                    if let Some((other, first)) = group_of.get(m.value.as_str()) {
                        let message = if *other == g.id {
                            format!("crown jewel `{}` is listed twice in loss group `{}`", m.value, g.id)
                        } else {
                            format!("crown jewel `{}` is in two loss groups: `{other}` and `{}`", m.value, g.id)
                        };
                        problems.push(
                            Problem::error(message, Some(m.loc))
                                .with_related(*first, "first listed here")
                                .with_help("a jewel's breach is one loss event: put it in one group"),
                        );
                    } else {
                        group_of.insert(&m.value, (&g.id, m.loc));
                    }
                }
            }
        }
        if g.members.len() == 1 && g.loss.is_empty() {
            problems.push(
                Problem::warning(format!("loss group `{}` has one member and no joint loss", g.id), Some(g.loc))
                    .with_help("a group shares one loss event among several jewels; this one changes nothing"),
            );
        }
    }
}
