//! The attack graph of the imported accounts: principals, groups, each account's administrator and
//! data stores as nodes; administrator grants, escalation rules, role trust and data reads as edges,
//! each naming the statement that grants it and what to remove.

use std::collections::{BTreeMap, BTreeSet};

use riskpath_model::kb;
use serde::Serialize;

use super::condition::{self, Context};
use super::eval::{Decision, Target};
use super::holders::{Holder, resource_context};
use super::parse::{Account, Principal, PrincipalKind};
use super::policy::{Effect, Principals, Statement};
use super::rules::{Rule, TargetKind, When, Yields};

/// A node of the generated model.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NodeOut {
    pub id: String,
    pub kind: &'static str,
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub crown_jewel: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loss: Option<serde_json::Value>,
}

/// An edge of the generated model; `relation` and `remediation` say which grant it is and what to
/// remove to cut it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EdgeOut {
    pub from: String,
    pub to: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technique: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// `Some(false)` for a hop no policy change removes (an administrator's own reach); else the
    /// kind's default (removable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removable: Option<bool>,
    pub relation: String,
    pub remediation: String,
    /// The ways over this hop (rules or trusts), each with the grants it needs.
    #[serde(skip)]
    pub ways: Vec<Way>,
}

/// One way over a hop: what it is (for the remediation) and the `(permission, granting statement)`
/// pairs it needs, all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Way {
    pub cut: String,
    pub grants: Vec<(String, String)>,
}

impl EdgeOut {
    /// Merges parallel ways into this edge (same ends, kind and requirements: one hop): the best
    /// probability, every way kept, and the text recomputed.
    pub fn absorb(&mut self, other: EdgeOut) {
        self.p = match (self.p, other.p) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
        // One way over the hop that cannot be cut keeps the whole hop uncuttable.
        if other.removable == Some(false) {
            self.removable = Some(false);
        }
        self.ways.extend(other.ways);
    }

    /// `relation` (every way's grants) and `remediation` (a grant all ways share, or one grant per way).
    pub fn describe(&mut self) {
        let way_text =
            |w: &Way| w.grants.iter().map(|(what, via)| format!("{what} ({via})")).collect::<Vec<_>>().join("; ");
        self.relation = self.ways.iter().map(way_text).collect::<Vec<_>>().join(" | ");
        let shared: Vec<&(String, String)> =
            self.ways[0].grants.iter().filter(|g| self.ways.iter().all(|w| w.grants.contains(g))).collect();
        let cut = &self.ways[0].cut;
        self.remediation = match shared.as_slice() {
            [one] => format!("{cut}: remove {} from {}", one.0, one.1),
            [] => format!(
                "Cut every way: {}",
                self.ways
                    .iter()
                    .map(|w| format!(
                        "{}: remove any one of {}",
                        w.cut,
                        w.grants.iter().map(|(a, b)| format!("{a} from {b}")).collect::<Vec<_>>().join(", ")
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            many => format!(
                "{cut}: remove any one of: {}",
                many.iter().map(|(a, b)| format!("{a} from {b}")).collect::<Vec<_>>().join("; ")
            ),
        };
    }
}

/// The generated graph and what the import noticed on the way.
#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: BTreeMap<String, NodeOut>,
    pub edges: Vec<EdgeOut>,
    /// Entry points the dump implies (roles any AWS principal may assume).
    pub entry_points: Vec<(String, String)>,
    /// Unknown condition keys, with the policies they were met in.
    pub unknown_keys: BTreeMap<String, BTreeSet<String>>,
    /// Why some steps are less likely: edge → notes.
    pub notes: Vec<String>,
}

/// The node id of an account's administrator.
pub fn admin_id(account: &str) -> String {
    format!("aws:{account}:admin")
}

pub const ANYONE: &str = "aws-anyone";

/// A permission one step needs, granted.
struct Granted {
    what: String,
    factor: f64,
    via: String,
}

impl Graph {
    fn node(&mut self, id: &str, kind: &'static str, name: String, tags: Vec<String>) {
        self.nodes.entry(id.to_string()).or_insert(NodeOut {
            id: id.into(),
            kind,
            name,
            tags,
            crown_jewel: false,
            loss: None,
        });
    }

    fn unknown(&mut self, keys: Vec<String>, via: &str) {
        for k in keys {
            self.unknown_keys.entry(k).or_default().insert(via.to_string());
        }
    }

    /// Adds an edge whose permissions were all granted: `p` is the kind's base (medium skill) times
    /// the grants' factors when conditions lowered it, else left to the kind.
    #[allow(clippy::too_many_arguments)]
    fn edge(
        &mut self,
        from: &str,
        to: &str,
        kind: &str,
        technique: Option<&str>,
        p: Option<f64>,
        requires: Vec<String>,
        grants: &[Granted],
        cut: &str,
    ) {
        let factor: f64 = grants.iter().map(|g| g.factor).product();
        let base = p.or_else(|| (factor < 1.0).then(|| kb::edge_kind(kind).map_or(1.0, |k| k.base(kb::Skill::Medium))));
        let p = base.map(|b| round4(b * factor));
        let way =
            Way { cut: cut.to_string(), grants: grants.iter().map(|g| (g.what.clone(), g.via.clone())).collect() };
        self.edges.push(EdgeOut {
            from: from.into(),
            to: to.into(),
            kind: kind.into(),
            p,
            technique: technique.map(str::to_string),
            requires,
            removable: None,
            relation: String::new(),
            remediation: String::new(),
            ways: vec![way],
        });
    }
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Node kind, name and tags of a principal.
pub fn principal_node(g: &mut Graph, acc: &Account, p: &Principal, several: bool) {
    let (kind, tag) = match p.kind {
        PrincipalKind::User => ("identity", "aws-user"),
        PrincipalKind::Role => ("role", "aws-role"),
    };
    let mut tags = vec!["aws".to_string(), tag.to_string(), format!("aws-account-{}", acc.id)];
    if !p.instance_profiles.is_empty() {
        tags.push("aws-instance-role".into());
    }
    g.node(&p.arn, kind, display(&p.name, &acc.id, several), tags);
}

fn display(name: &str, account: &str, several: bool) -> String {
    if several { format!("{name} @ {account}") } else { name.to_string() }
}

/// Nodes for every principal, group and administrator.
pub fn base_nodes(g: &mut Graph, accounts: &[Account]) {
    let several = accounts.len() > 1;
    for acc in accounts {
        for p in acc.principals.iter().filter(|p| !p.service_linked()) {
            principal_node(g, acc, p, several);
        }
        for grp in &acc.groups {
            let tags = vec!["aws".into(), "aws-group".into(), format!("aws-account-{}", acc.id)];
            g.node(&grp.arn, "group", display(&grp.name, &acc.id, several), tags);
        }
        let tags = vec!["aws".into(), "aws-admin".into(), format!("aws-account-{}", acc.id)];
        g.node(&admin_id(&acc.id), "aws_account", format!("administrator of AWS account {}", acc.id), tags);
    }
}

/// The administrator test: every action on every resource. Returns the holders that are
/// administrators outright (no condition lowers it): their other escalations and reads add nothing
/// that the administrator node does not already reach, so they are not drawn (PMapper does the same).
pub fn admin_edges<'a>(g: &mut Graph, holders: &[Holder<'a>]) -> BTreeSet<&'a str> {
    let mut outright = BTreeSet::new();
    for h in holders {
        let d = super::eval::is_admin(&h.policies, &h.context);
        if let Some(grant) = granted(g, d, "every action on every resource".into()) {
            if grant.factor == 1.0 {
                outright.insert(h.arn);
            }
            g.edge(
                h.arn,
                &admin_id(&h.account.id),
                "aws_admin",
                None,
                None,
                Vec::new(),
                &[grant],
                "Take away administrator rights",
            );
        }
    }
    outright
}

/// An administrator can become any role of its account (it rewrites the trust policy): drawn for
/// the roles that lead into another account, which is all that becoming them adds.
pub fn admin_to_bridges(g: &mut Graph) {
    let account_of = |id: &str| id.split(':').nth(4).map(str::to_string);
    let bridges: BTreeSet<(String, String)> = g
        .edges
        .iter()
        .filter(|e| e.kind == "assumes" && e.from.contains(":role/") && account_of(&e.from) != account_of(&e.to))
        .filter_map(|e| Some((account_of(&e.from)?, e.from.clone())))
        .collect();
    for (account, role) in bridges {
        let grant = Granted {
            what: "iam:UpdateAssumeRolePolicy and sts:AssumeRole".into(),
            factor: 1.0,
            via: "administrator rights".into(),
        };
        g.edge(
            &admin_id(&account),
            &role,
            "aws_updates_trust_policy",
            None,
            None,
            Vec::new(),
            &[grant],
            "Cannot be cut: an administrator can assume any role of its account",
        );
        if let Some(e) = g.edges.last_mut() {
            e.removable = Some(false);
        }
    }
}

/// A decision as a grant, recording unknown condition keys and notes; None when not allowed.
fn granted(g: &mut Graph, d: Decision, what: String) -> Option<Granted> {
    match d {
        Decision::Allowed { factor, via, notes, unknown } => {
            let via = via.to_string();
            g.unknown(unknown, &via);
            g.notes.extend(notes.into_iter().map(|n| format!("{what}: {n}")));
            Some(Granted { what, factor, via })
        }
        _ => None,
    }
}

/// One candidate target of a rule: its ARN, its principal (if a user or role), and who holds it.
struct Candidate<'a> {
    arn: &'a str,
    name: String,
    principal: Option<&'a Principal>,
}

fn candidates<'a>(rule: &Rule, h: &Holder<'a>) -> Vec<Candidate<'a>> {
    let acc = h.account;
    let principal =
        |p: &'a Principal| Candidate { arn: &p.arn, name: format!("{} {}", kind_word(p), p.name), principal: Some(p) };
    let roles = || acc.principals.iter().filter(|p| p.kind == PrincipalKind::Role && !p.service_linked());
    match rule.target {
        TargetKind::Myself => vec![Candidate { arn: h.arn, name: "itself".into(), principal: h.principal }],
        TargetKind::User => acc.principals.iter().filter(|p| p.kind == PrincipalKind::User).map(principal).collect(),
        TargetKind::Role => roles().map(principal).collect(),
        TargetKind::Group => acc
            .groups
            .iter()
            .map(|g| Candidate { arn: &g.arn, name: format!("group {}", g.name), principal: None })
            .collect(),
        TargetKind::Policy => acc
            .policies
            .values()
            .filter(|p| p.arn.contains(&format!(":{}:", acc.id)))
            .map(|p| Candidate { arn: &p.arn, name: format!("managed policy {}", p.name), principal: None })
            .collect(),
        TargetKind::ServiceRole => {
            let service = rule.service.as_deref().unwrap_or("");
            roles().filter(|p| trusts_service(p, service)).map(principal).collect()
        }
        TargetKind::InstanceRole => roles()
            .filter(|p| !p.instance_profiles.is_empty() && trusts_service(p, "ec2.amazonaws.com"))
            .map(principal)
            .collect(),
    }
}

fn kind_word(p: &Principal) -> &'static str {
    if p.kind == PrincipalKind::User { "user" } else { "role" }
}

/// Whether a role's trust policy lets a service assume it.
pub fn trusts_service(role: &Principal, service: &str) -> bool {
    role.trust.iter().flat_map(|t| &t.statements).any(|s| {
        s.effect == Effect::Allow
            && s.principals
                .as_ref()
                .is_some_and(|p| !p.negated && p.service.iter().any(|x| super::glob::matches(x, service, true)))
    })
}

/// Fills a rule's resource template.
fn fill(template: &str, rule: &Rule, h: &Holder, target: &str) -> String {
    template
        .replace("{target}", target)
        .replace("{self}", h.arn)
        .replace("{account}", &h.account.id)
        .replace("{partition}", &h.account.partition)
        .replace("{service}", rule.service.as_deref().unwrap_or(""))
}

/// Every rule applied to every holder and candidate target.
pub fn rule_edges(g: &mut Graph, holders: &[Holder], rules: &[Rule], admins: &BTreeSet<&str>) {
    let grantable: BTreeSet<&str> = holders.iter().filter(|h| admin_if_granted(h)).map(|h| h.arn).collect();
    for h in holders.iter().filter(|h| !admins.contains(h.arn)) {
        for rule in rules {
            if rule.when == Some(When::SelfIsUser) && !h.is_user() {
                continue;
            }
            if !may_grant(h, rule) || !possible(h, rule) {
                continue;
            }
            for c in candidates(rule, h) {
                apply(g, h, rule, &c, &grantable);
            }
        }
    }
}

/// A quick filter: some identity Allow statement names each action the rule needs.
fn may_grant(h: &Holder, rule: &Rule) -> bool {
    rule.needs.iter().all(|n| {
        h.policies.identity.iter().flat_map(|s| &s.policy.statements).any(|s| {
            s.effect == Effect::Allow
                && (s.actions.negated || s.actions.items.iter().any(|a| super::glob::matches(a, &n.action, true)))
        })
    })
}

/// Whether a holder would pass the administrator test once granted `*` on `*`: no boundary, SCP or
/// deny of its own keeps any action from it.
fn admin_if_granted(h: &Holder) -> bool {
    static ALL: std::sync::LazyLock<super::policy::Policy> = std::sync::LazyLock::new(|| {
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        super::policy::parse(&doc, super::policy::DocKind::Identity).expect("a valid policy").0
    });
    let mut set = h.policies.clone();
    set.identity.push(super::eval::Source { policy: &ALL, name: String::new(), layer: super::eval::Layer::Identity });
    matches!(super::eval::is_admin(&set, &h.context), Decision::Allowed { .. })
}

/// Whether each permission the rule needs is allowed on some resource, whatever the target: a
/// sound filter (unknown target tags count in the attacker's favour, a deny must cover every
/// resource), so a rule that fails it fails for every candidate.
fn possible(h: &Holder, rule: &Rule) -> bool {
    let mut extra = Context::default();
    for (k, v) in rule.context.iter().filter(|(_, v)| !v.contains("{target}")) {
        extra.set(k, vec![fill(v, rule, h, "")]);
    }
    rule.needs.iter().all(|n| {
        let resource = if n.resource.contains("{target}") { "*".to_string() } else { fill(&n.resource, rule, h, "") };
        let target = if resource.contains('*') { Target::AnyOf(&resource) } else { Target::Exact(&resource) };
        matches!(h.decide(&n.action, target, &extra, true), Decision::Allowed { .. })
    })
}

fn apply(g: &mut Graph, h: &Holder, rule: &Rule, c: &Candidate, grantable: &BTreeSet<&str>) {
    if rule.yields == Yields::Target && c.arn == h.arn {
        return;
    }
    if rule.when == Some(When::OtherVersionAdmin) && !has_admin_version(h.account, c.arn) {
        return;
    }
    let mut extra = resource_context(h.account, c.principal);
    for (k, v) in &rule.context {
        extra.set(k, vec![fill(v, rule, h, c.arn)]);
    }
    let mut grants = Vec::new();
    for need in &rule.needs {
        let resource = fill(&need.resource, rule, h, c.arn);
        let target = if resource.contains('*') { Target::AnyOf(&resource) } else { Target::Exact(&resource) };
        let d = h.decide(&need.action, target, &extra, true);
        let on = if resource == c.arn { c.name.clone() } else { resource.clone() };
        match granted(g, d, format!("{} on {on}", need.action)) {
            Some(grant) => grants.push(grant),
            None => return,
        }
    }
    let cut = format!("Rule {}", rule.id);
    let technique = rule.technique.as_deref();
    match rule.yields {
        Yields::Target => g.edge(h.arn, c.arn, &rule.kind, technique, rule.p, Vec::new(), &grants, &cut),
        Yields::Admin => {
            for requires in admin_holders(h, c, grantable) {
                g.edge(h.arn, &admin_id(&h.account.id), &rule.kind, technique, rule.p, requires, &grants, &cut);
            }
        }
    }
}

/// For a rule that makes its target administrator: the node sets the attacker must also hold, one
/// per way (empty when the holder itself carries the target). Principals that a granted `*` would
/// not make administrator (a boundary, an SCP or a deny of their own) are skipped.
fn admin_holders(h: &Holder, c: &Candidate, grantable: &BTreeSet<&str>) -> Vec<Vec<String>> {
    let acc = h.account;
    let unbounded = |p: &Principal| grantable.contains(p.arn.as_str());
    let carries = c.arn == h.arn || h.has_policy(c.arn) || acc.groups.iter().any(|g| g.arn == c.arn && h.in_group(g));
    if carries {
        return if grantable.contains(h.arn) { vec![Vec::new()] } else { Vec::new() };
    }
    if let Some(p) = c.principal {
        return if unbounded(p) { vec![vec![p.arn.clone()]] } else { Vec::new() };
    }
    if acc.groups.iter().any(|g| g.arn == c.arn) {
        return vec![vec![c.arn.to_string()]];
    }
    // A managed policy: whoever it is attached to.
    let mut out: Vec<Vec<String>> = acc
        .principals
        .iter()
        .filter(|p| p.attached.iter().any(|a| a == c.arn) && unbounded(p) && !p.service_linked())
        .map(|p| vec![p.arn.clone()])
        .collect();
    out.extend(acc.groups.iter().filter(|g| g.attached.iter().any(|a| a == c.arn)).map(|g| vec![g.arn.clone()]));
    out
}

/// Whether a managed policy has a non-default version that allows every action on every resource.
fn has_admin_version(acc: &Account, arn: &str) -> bool {
    let Some(p) = acc.policies.get(arn) else { return false };
    p.others.iter().any(|(_, doc)| {
        let set = super::eval::PolicySet {
            identity: vec![super::eval::Source {
                policy: doc,
                name: String::new(),
                layer: super::eval::Layer::Identity,
            }],
            ..Default::default()
        };
        let ctx = Context { principal_known: true, ..Context::default() };
        matches!(super::eval::is_admin(&set, &ctx), Decision::Allowed { .. })
    })
}

/// How a trust statement names a principal.
#[derive(Debug, Clone, PartialEq)]
enum Named {
    Anyone,
    Account(String),
    /// A user or role ARN (an assumed-role session ARN is read as its role).
    Principal(String),
}

fn named(p: &Principals) -> Vec<Named> {
    let mut out: Vec<Named> = p.aws.iter().filter_map(|e| read_principal(e)).collect();
    if p.any {
        out.push(Named::Anyone);
    }
    out
}

/// `123456789012`, `arn:aws:iam::123456789012:root`, a user/role ARN, or an STS session ARN.
fn read_principal(e: &str) -> Option<Named> {
    if e.len() == 12 && e.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Named::Account(e.to_string()));
    }
    let parts: Vec<&str> = e.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return None; // a unique id (AIDA…/AROA…) left by a deleted principal matches no one
    }
    match (parts[2], parts[5]) {
        ("iam", "root") => Some(Named::Account(parts[4].to_string())),
        ("iam", _) => Some(Named::Principal(e.to_string())),
        ("sts", rest) => {
            let role = rest.strip_prefix("assumed-role/")?.split('/').next()?;
            Some(Named::Principal(format!("arn:{}:iam::{}:role/{role}", parts[1], parts[4])))
        }
        _ => None,
    }
}

/// Same ARN, ignoring the path of a role named through a session ARN.
fn same_principal(named: &str, arn: &str) -> bool {
    named == arn || {
        let tail = |a: &str| a.rsplit('/').next().map(str::to_string);
        let account = |a: &str| a.split(':').nth(4).map(str::to_string);
        named.contains(":role/") && arn.contains(":role/") && tail(named) == tail(arn) && account(named) == account(arn)
    }
}

/// Role assumption through trust policies: imported principals, outside accounts, anyone.
pub fn trust_edges(g: &mut Graph, holders: &[Holder], accounts: &[Account], admins: &BTreeSet<&str>) {
    let imported: BTreeSet<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    // Who may call sts:AssumeRole on some role at all: only they can use a trust in their account.
    let any_role = Target::AnyOf("arn:*:iam::*:role/*");
    let assumers: BTreeSet<&str> = holders
        .iter()
        .filter(|h| matches!(h.decide("sts:AssumeRole", any_role, &Context::default(), true), Decision::Allowed { .. }))
        .map(|h| h.arn)
        .collect();
    for acc in accounts {
        for role in acc.principals.iter().filter(|p| p.kind == PrincipalKind::Role && !p.service_linked()) {
            let Some(trust) = &role.trust else { continue };
            for s in trust.statements.iter().filter(|s| s.effect == Effect::Allow && assumes(s)) {
                let Some(p) = s.principals.as_ref().filter(|p| !p.negated) else { continue };
                for n in named(p) {
                    // An administrator becomes any role of its own account anyway: only its
                    // trust into other accounts adds reach.
                    let useful = |h: &&Holder| !admins.contains(h.arn) || h.account.id != acc.id;
                    for h in holders.iter().filter(|h| h.principal.is_some() && h.arn != role.arn).filter(useful) {
                        let named_directly = matches!(&n, Named::Principal(arn) if same_principal(arn, h.arn));
                        if named_directly || assumers.contains(h.arn) {
                            assume_edge(g, h, acc, role, s, &n);
                        }
                    }
                    outside_edge(g, acc, role, s, &n, &imported);
                }
            }
        }
    }
}

fn assumes(s: &Statement) -> bool {
    let hit = s.actions.items.iter().any(|a| super::glob::matches(a, "sts:AssumeRole", true));
    hit != s.actions.negated
}

/// An imported principal assuming a role its trust policy names (directly, by account or as anyone).
fn assume_edge(g: &mut Graph, h: &Holder, acc: &Account, role: &Principal, s: &Statement, n: &Named) {
    let same_account = h.account.id == acc.id;
    let direct = match n {
        Named::Principal(arn) if same_principal(arn, h.arn) => true,
        Named::Account(a) if *a == h.account.id => false,
        Named::Anyone => false,
        _ => return,
    };
    let Some(trust) = trust_grant(g, h, role, s, n) else { return };
    // The trust policy naming the principal itself in its own account suffices; otherwise the
    // principal's identity policies must allow sts:AssumeRole on the role too.
    let identity_needed = !(direct && same_account);
    let d = h.decide("sts:AssumeRole", Target::Exact(&role.arn), &resource_context(acc, Some(role)), identity_needed);
    let what = format!("sts:AssumeRole on role {}", role.name);
    let Some(mut identity) = granted(g, d, what) else { return };
    let grants = if identity_needed {
        vec![trust, identity]
    } else {
        identity.via = trust.via.clone();
        identity.factor *= trust.factor;
        vec![Granted { what: trust.what, factor: identity.factor, via: trust.via }]
    };
    g.edge(h.arn, &role.arn, "assumes", None, None, Vec::new(), &grants, "Remove the role trust");
}

/// The trust statement's grant to an assumer, its conditions and the trust policy's denies decided.
fn trust_grant(g: &mut Graph, h: &Holder, role: &Principal, s: &Statement, n: &Named) -> Option<Granted> {
    let ctx = &h.context;
    let v = condition::decide(&s.conditions, Effect::Allow, ctx);
    let via = format!("{} of the trust policy of role {}", s.label(), role.name);
    g.unknown(v.unknown.clone(), &via);
    if !v.applies {
        return None;
    }
    if denied_by_trust(role, h.arn, ctx) {
        return None;
    }
    let who = match n {
        Named::Anyone => "any AWS principal".to_string(),
        Named::Account(a) => format!("account {a}"),
        Named::Principal(p) => p.clone(),
    };
    Some(Granted { what: format!("trust in {who}"), factor: v.factor, via })
}

fn denied_by_trust(role: &Principal, arn: &str, ctx: &Context) -> bool {
    role.trust.iter().flat_map(|t| &t.statements).filter(|s| s.effect == Effect::Deny && assumes(s)).any(|s| {
        let names = s.principals.as_ref().is_some_and(|p| {
            let hit = p.any || named(p).iter().any(|n| matches!(n, Named::Principal(x) if same_principal(x, arn)));
            hit != p.negated
        });
        let v = condition::decide(&s.conditions, Effect::Deny, ctx);
        names && v.applies && v.factor == 0.0
    })
}

/// Edges into a role from outside the import: another account, or anyone with an AWS account.
fn outside_edge(g: &mut Graph, acc: &Account, role: &Principal, s: &Statement, n: &Named, imported: &BTreeSet<&str>) {
    let (from, who) = match n {
        Named::Anyone => (ANYONE.to_string(), "any AWS principal".to_string()),
        Named::Account(a) if !imported.contains(a.as_str()) => {
            (outside_node(g, a, &acc.partition), format!("account {a}"))
        }
        Named::Principal(p) => match p.split(':').nth(4) {
            Some(a) if !imported.contains(a) => (outside_node(g, a, &acc.partition), p.clone()),
            _ => return,
        },
        _ => return,
    };
    let outsider = Context::default();
    let v = condition::decide(&s.conditions, Effect::Allow, &outsider);
    let via = format!("{} of the trust policy of role {}", s.label(), role.name);
    g.unknown(v.unknown.clone(), &via);
    if !v.applies {
        return;
    }
    if from == ANYONE && !g.entry_points.iter().any(|(id, _)| id == ANYONE) {
        g.entry_points.push((ANYONE.into(), "anyone with an AWS account".into()));
    }
    let grant = Granted { what: format!("trust in {who}"), factor: v.factor, via };
    g.edge(&from, &role.arn, "assumes", None, None, Vec::new(), &[grant], "Remove the role trust");
}

fn outside_node(g: &mut Graph, account: &str, partition: &str) -> String {
    let id = format!("arn:{partition}:iam::{account}:root");
    let tags = vec!["aws".into(), "aws-external-account".into()];
    g.node(&id, "aws_account", format!("AWS account {account} (not imported)"), tags);
    id
}

/// A data store the principals may read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Store {
    pub id: String,
    pub account: String,
    pub name: String,
    pub node_kind: &'static str,
    pub edge_kind: &'static str,
    /// The read actions (any one suffices) and the ARN template they act on.
    pub actions: &'static [&'static str],
    pub resource: String,
    /// A catch-all for the stores of a type not named in the input: reached only by grants on all of them.
    pub every: bool,
    pub tags: Vec<String>,
}

/// Read edges from every holder to every store of its account it may read; the administrator
/// reads them all.
pub fn data_edges(g: &mut Graph, holders: &[Holder], stores: &[Store], admins: &BTreeSet<&str>) {
    for store in stores {
        let mut reached = false;
        for h in holders.iter().filter(|h| h.account.id == store.account && !admins.contains(h.arn)) {
            reached |= read_edge(g, h, store);
        }
        if reached || !store.every {
            g.node(&store.id, store.node_kind, store.name.clone(), store.tags.clone());
            let grant = Granted { what: "every action".into(), factor: 1.0, via: "administrator rights".into() };
            g.edge(
                &admin_id(&store.account),
                &store.id,
                store.edge_kind,
                None,
                None,
                Vec::new(),
                &[grant],
                "Cannot be cut: the administrator can grant itself any read",
            );
            if let Some(e) = g.edges.last_mut() {
                // Never the edge to cut: an administrator can always read.
                e.removable = Some(false);
            }
        }
    }
}

fn read_edge(g: &mut Graph, h: &Holder, store: &Store) -> bool {
    let target = if store.every { Target::AllOf(&store.resource) } else { Target::AnyOf(&store.resource) };
    let mut best: Option<Granted> = None;
    for action in store.actions {
        let d = h.decide(action, target, &Context::default(), true);
        let what = format!("{action} on {}", store.name);
        if let Some(grant) = granted(g, d, what)
            && best.as_ref().is_none_or(|b| grant.factor > b.factor)
        {
            best = Some(grant);
        }
    }
    let Some(grant) = best else { return false };
    g.edge(h.arn, &store.id, store.edge_kind, None, None, Vec::new(), &[grant], "Remove the read grant");
    true
}
