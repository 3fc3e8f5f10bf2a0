//! AWS's documented policy evaluation for one request: an explicit deny in any policy wins; then the
//! organisation's SCPs, the principal's identity policies and its permission boundary must each
//! allow. Each grant names the statement that made it, for the edge's relation and remediation.

use super::condition::{self, Context};
use super::glob;
use super::policy::{Condition, Effect, Patterns, Policy, Statement};

/// The layers of policy a request passes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Scp,
    Identity,
    Boundary,
}

/// One policy that applies to a principal, with the words that name it in a remediation.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    pub policy: &'a Policy,
    /// E.g. `managed policy DevAccess (arn:aws:iam::1:policy/DevAccess), attached to group devs`.
    pub name: String,
    pub layer: Layer,
}

/// Every policy that applies to one principal's requests.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'a> {
    pub scps: Vec<Source<'a>>,
    pub identity: Vec<Source<'a>>,
    pub boundary: Option<Source<'a>>,
}

/// What a request touches: one known ARN; any ARN of a template the attacker chooses from (`*`
/// parts are the attacker's choice, e.g. a new function's name); or every ARN of a template (the
/// administrator test: all actions on all resources).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target<'a> {
    Exact(&'a str),
    AnyOf(&'a str),
    AllOf(&'a str),
    /// Every ARN of a template, where a deny counts only if it too covers all of it: the first half
    /// of the administrator test ([`is_admin`]).
    Everything(&'a str),
}

/// A request: an action (`iam:PassRole`, or `*` with `Target::AllOf` for every action) on a target.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub action: &'a str,
    pub target: Target<'a>,
    pub context: &'a Context,
}

/// The statement that allowed (or denied) a request, named for people.
#[derive(Debug, Clone, PartialEq)]
pub struct Via {
    pub policy: String,
    pub statement: String,
}

impl std::fmt::Display for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} of {}", self.statement, self.policy)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Allowed; `factor` ≤ 1 is what situational conditions and evadable denies leave of the step.
    Allowed { factor: f64, via: Via, notes: Vec<String>, unknown: Vec<String> },
    /// An explicit deny that the attacker cannot evade.
    Denied { via: Via },
    /// No allow in a layer that must allow.
    NotAllowed { layer: Layer },
}

impl Decision {
    pub fn factor(&self) -> f64 {
        match self {
            Decision::Allowed { factor, .. } => *factor,
            _ => 0.0,
        }
    }
}

/// Whether a statement is about the request: its action and resource patterns, read for an Allow
/// (some of the target suffices) or a Deny (it must cover the whole of an attacker-chosen target).
pub fn statement_matches(s: &Statement, policy: &Policy, req: &Request) -> bool {
    let every = matches!(
        (req.target, s.effect),
        (Target::AnyOf(_), Effect::Deny) | (Target::AllOf(_), Effect::Allow) | (Target::Everything(_), _)
    );
    let action_ok = if req.action == "*" {
        // Every action (`service:action`): an Allow must name them all; a Deny takes "every" away
        // when it touches any (or, for the administrator test, when it covers all).
        patterns_match(&s.actions, "*:*", every, true, policy, req.context)
    } else {
        patterns_match(&s.actions, req.action, false, true, policy, req.context)
    };
    if !action_ok {
        return false;
    }
    let Some(resources) = &s.resources else { return true };
    let (template, every) = match req.target {
        Target::Exact(r) => (r, false),
        Target::AnyOf(r) | Target::AllOf(r) | Target::Everything(r) => (r, every),
    };
    patterns_match(resources, template, every, false, policy, req.context)
}

/// Positive patterns: some pattern meets (or, with `every`, covers) the template. Negated: the
/// statement is about what no pattern matches, so it meets the template where some of it escapes
/// every pattern, and covers it where no pattern touches it.
fn patterns_match(p: &Patterns, template: &str, every: bool, fold: bool, policy: &Policy, ctx: &Context) -> bool {
    let items: Vec<String> = p.items.iter().filter_map(|i| substitute(i, policy, ctx)).collect();
    let touches = |i: &String| glob::intersects(i, template, fold);
    let covers = |i: &String| glob::covers(i, template, fold);
    match (p.negated, every) {
        (false, false) => items.iter().any(touches),
        (false, true) => items.iter().any(covers),
        (true, false) => !items.iter().any(covers),
        (true, true) => !items.iter().any(touches),
    }
}

/// Replaces policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`, `${*}`) with the
/// request's values; a variable without a value makes the pattern match nothing (None). Documents
/// of version 2008-10-17 keep them as text.
pub fn substitute(pattern: &str, policy: &Policy, ctx: &Context) -> Option<String> {
    if !policy.variables || !pattern.contains("${") {
        return Some(pattern.to_string());
    }
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        let inner = &rest[start + 2..end];
        let (key, default) = match inner.split_once(',') {
            Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\'').to_string())),
            None => (inner.trim(), None),
        };
        match key {
            "*" | "?" | "$" => out.push_str(key),
            _ => match ctx.get(key).and_then(|v| v.first()).cloned().or(default) {
                Some(v) => out.push_str(&v),
                None => return None,
            },
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Decides a request for a principal with these policies. `identity_needed: false` is the case of
/// a resource policy naming the principal itself in its own account (a role trust policy naming
/// the user): identity policies then need not allow, but their denies still apply.
pub fn decide(set: &PolicySet, req: &Request, identity_needed: bool) -> Decision {
    let mut notes = Vec::new();
    let mut unknown = Vec::new();
    let mut survive = 1.0;
    let all = set.scps.iter().chain(&set.identity).chain(set.boundary.iter());
    for source in all {
        for s in source.policy.statements.iter().filter(|s| s.effect == Effect::Deny) {
            if !statement_matches(s, source.policy, req) {
                continue;
            }
            let v = condition::decide(&conditions(s, source.policy, req.context), Effect::Deny, req.context);
            unknown.extend(v.unknown);
            if !v.applies {
                continue;
            }
            if v.factor == 0.0 {
                return Decision::Denied { via: via(source, s) };
            }
            survive *= v.factor;
            notes.extend(v.notes.into_iter().map(|n| format!("evading a deny in {}: {n}", via(source, s))));
        }
    }
    let mut factor = survive;
    let mut granted = None;
    let layers: [(&[Source], Layer, bool); 3] = [
        (&set.scps, Layer::Scp, !set.scps.is_empty()),
        (&set.identity, Layer::Identity, identity_needed),
        (set.boundary.as_slice(), Layer::Boundary, set.boundary.is_some()),
    ];
    for (sources, layer, needed) in layers {
        if !needed {
            continue;
        }
        let Some((f, v, n, u)) = best_allow(sources, req) else { return Decision::NotAllowed { layer } };
        factor *= f;
        notes.extend(n);
        unknown.extend(u);
        if layer == Layer::Identity || granted.is_none() {
            granted = Some(v);
        }
    }
    let via = granted.unwrap_or(Via { policy: "the resource policy".into(), statement: "its grant".into() });
    Decision::Allowed { factor, via, notes, unknown }
}

/// The actions that make an administrator an administrator: with these on some resource it can
/// grant itself anything else and undo its own denies.
pub const ADMIN_PROBES: &[&str] =
    &["iam:PutUserPolicy", "iam:PutRolePolicy", "iam:AttachUserPolicy", "iam:AttachRolePolicy"];

/// The administrator test: the allows grant every action on every resource, no deny takes all of it
/// away, and each of [`ADMIN_PROBES`] stays allowed on some resource. A deny of a few actions or
/// resources (billing, one policy) leaves an administrator; a deny of all IAM does not.
pub fn is_admin(set: &PolicySet, ctx: &Context) -> Decision {
    let everything = decide(set, &Request { action: "*", target: Target::Everything("*"), context: ctx }, true);
    if !matches!(everything, Decision::Allowed { .. }) {
        return everything;
    }
    for probe in ADMIN_PROBES {
        let d = decide(set, &Request { action: probe, target: Target::AnyOf("*"), context: ctx }, true);
        if !matches!(d, Decision::Allowed { .. }) {
            return d;
        }
    }
    everything
}

type Allow = (f64, Via, Vec<String>, Vec<String>);

/// The allowing statement with the best factor in these sources.
fn best_allow(sources: &[Source], req: &Request) -> Option<Allow> {
    let mut best: Option<Allow> = None;
    for source in sources {
        for s in source.policy.statements.iter().filter(|s| s.effect == Effect::Allow) {
            if !statement_matches(s, source.policy, req) {
                continue;
            }
            let v = condition::decide(&conditions(s, source.policy, req.context), Effect::Allow, req.context);
            if v.applies && best.as_ref().is_none_or(|b| v.factor > b.0) {
                best = Some((v.factor, via(source, s), v.notes, v.unknown));
            }
        }
    }
    best
}

/// A statement's conditions with policy variables in their values replaced (`${aws:PrincipalTag/team}`);
/// a value whose variable has no value matches nothing and is dropped.
fn conditions(s: &Statement, policy: &Policy, ctx: &Context) -> Vec<Condition> {
    s.conditions
        .iter()
        .map(|c| Condition {
            values: c.values.iter().filter_map(|v| substitute(v, policy, ctx)).collect(),
            ..c.clone()
        })
        .collect()
}

fn via(source: &Source, s: &Statement) -> Via {
    Via { policy: source.name.clone(), statement: s.label() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::policy::{DocKind, parse};
    use serde_json::json;

    fn doc(statements: serde_json::Value) -> Policy {
        parse(&json!({"Version": "2012-10-17", "Statement": statements}), DocKind::Identity).unwrap().0
    }

    fn allowed(set: &PolicySet, action: &str, target: Target) -> bool {
        let ctx = Context { principal_known: true, ..Context::default() };
        matches!(decide(set, &Request { action, target, context: &ctx }, true), Decision::Allowed { .. })
    }

    fn identity(p: &Policy) -> Source<'_> {
        Source { policy: p, name: "p".into(), layer: Layer::Identity }
    }

    // The cases of AWS's "Policy evaluation logic" and "Determining whether a request is allowed or
    // denied within an account" pages, one row each.
    #[test]
    fn aws_documented_evaluation_cases() {
        let allow_s3 = doc(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
        let deny_delete = doc(json!([{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]));
        let none = PolicySet::default();
        assert!(!allowed(&none, "s3:GetObject", Target::Exact("arn:aws:s3:::b/k")), "default: implicit deny");
        let set = PolicySet { identity: vec![identity(&allow_s3)], ..PolicySet::default() };
        assert!(allowed(&set, "s3:GetObject", Target::Exact("arn:aws:s3:::b/k")));
        assert!(!allowed(&set, "ec2:RunInstances", Target::Exact("*")));
        let set = PolicySet { identity: vec![identity(&allow_s3), identity(&deny_delete)], ..PolicySet::default() };
        assert!(!allowed(&set, "s3:DeleteBucket", Target::Exact("arn:aws:s3:::b")), "explicit deny overrides allow");
        // A permission boundary: effective permissions are the intersection.
        let boundary = doc(json!([{"Effect": "Allow", "Action": ["s3:Get*", "ec2:*"], "Resource": "*"}]));
        let set = PolicySet {
            identity: vec![identity(&allow_s3)],
            boundary: Some(Source { policy: &boundary, name: "b".into(), layer: Layer::Boundary }),
            ..PolicySet::default()
        };
        assert!(allowed(&set, "s3:GetObject", Target::Exact("arn:aws:s3:::b/k")));
        assert!(!allowed(&set, "s3:PutObject", Target::Exact("arn:aws:s3:::b/k")), "outside the boundary");
        assert!(!allowed(&set, "ec2:RunInstances", Target::Exact("*")), "in the boundary but not granted");
        // SCPs: an allow list; FullAWSAccess plus a deny.
        let full = doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]));
        let no_iam = doc(json!([{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]));
        let admin = doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]));
        let scp = |p| Source { policy: p, name: "scp".into(), layer: Layer::Scp };
        let set = PolicySet { scps: vec![scp(&full), scp(&no_iam)], identity: vec![identity(&admin)], boundary: None };
        assert!(!allowed(&set, "iam:CreateAccessKey", Target::Exact("arn:aws:iam::1:user/a")));
        assert!(allowed(&set, "s3:GetObject", Target::Exact("arn:aws:s3:::b/k")));
        let only_s3 = doc(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
        let set = PolicySet { scps: vec![scp(&only_s3)], identity: vec![identity(&admin)], boundary: None };
        assert!(!allowed(&set, "ec2:RunInstances", Target::Exact("*")), "an SCP that does not allow");
    }

    #[test]
    fn not_action_and_not_resource() {
        // "Allow everything except IAM" (AWS's NotAction example) and a NotResource deny.
        let p = doc(json!([
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::public", "arn:aws:s3:::public/*"]}]));
        let set = PolicySet { identity: vec![identity(&p)], ..PolicySet::default() };
        assert!(allowed(&set, "ec2:RunInstances", Target::Exact("*")));
        assert!(!allowed(&set, "iam:PutUserPolicy", Target::Exact("arn:aws:iam::1:user/a")));
        assert!(!allowed(&set, "IAM:putuserpolicy", Target::Exact("arn:aws:iam::1:user/a")), "actions fold case");
        assert!(allowed(&set, "s3:GetObject", Target::Exact("arn:aws:s3:::public/x")));
        assert!(!allowed(&set, "s3:GetObject", Target::Exact("arn:aws:s3:::secret/x")));
        assert!(!allowed(&set, "*", Target::AllOf("*")), "NotAction never grants every action");
    }

    #[test]
    fn attacker_chosen_targets_and_the_administrator_test() {
        let p = doc(json!([
            {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "arn:aws:lambda:*:1:function:dev-*"},
            {"Effect": "Deny", "Action": "lambda:CreateFunction", "Resource": "arn:aws:lambda:*:1:function:dev-prod*"}]));
        let set = PolicySet { identity: vec![identity(&p)], ..PolicySet::default() };
        // The attacker names the new function dev-x: a deny on part of the names does not stop it.
        assert!(allowed(&set, "lambda:CreateFunction", Target::AnyOf("arn:aws:lambda:*:1:function:*")));
        let wide = doc(json!([{"Effect": "Deny", "Action": "lambda:*", "Resource": "*"}]));
        let set = PolicySet { identity: vec![identity(&p), identity(&wide)], ..PolicySet::default() };
        assert!(!allowed(&set, "lambda:CreateFunction", Target::AnyOf("arn:aws:lambda:*:1:function:*")));
        let admin = doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]));
        let set = PolicySet { identity: vec![identity(&admin)], ..PolicySet::default() };
        assert!(allowed(&set, "*", Target::AllOf("*")));
        let set = PolicySet { identity: vec![identity(&admin), identity(&wide)], ..PolicySet::default() };
        assert!(!allowed(&set, "*", Target::AllOf("*")), "a deny on some actions: not every action");
        let ctx = Context::default();
        assert!(matches!(is_admin(&set, &ctx), Decision::Allowed { .. }), "a deny of lambda leaves an administrator");
        let billing = doc(json!([{"Effect": "Deny", "Action": "aws-portal:*", "Resource": "*"}]));
        let set = PolicySet { identity: vec![identity(&admin), identity(&billing)], ..PolicySet::default() };
        assert!(matches!(is_admin(&set, &ctx), Decision::Allowed { .. }), "a deny of billing leaves an administrator");
        let no_iam = doc(json!([{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]));
        let set = PolicySet { identity: vec![identity(&admin), identity(&no_iam)], ..PolicySet::default() };
        assert!(!matches!(is_admin(&set, &ctx), Decision::Allowed { .. }), "without IAM, not an administrator");
        let star_star = doc(json!([{"Effect": "Allow", "Action": "*:*", "Resource": "*"}]));
        let set = PolicySet { identity: vec![identity(&star_star)], ..PolicySet::default() };
        assert!(allowed(&set, "*", Target::AllOf("*")));
    }

    #[test]
    fn policy_variables() {
        let p = doc(
            json!([{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::1:user/${aws:username}"}]),
        );
        let mut ctx = Context { principal_known: true, ..Context::default() };
        ctx.set("aws:username", vec!["alice".into()]);
        let set = PolicySet { identity: vec![identity(&p)], ..PolicySet::default() };
        let req = |r| Request { action: "iam:CreateAccessKey", target: Target::Exact(r), context: &ctx };
        assert!(matches!(decide(&set, &req("arn:aws:iam::1:user/alice"), true), Decision::Allowed { .. }));
        assert!(!matches!(decide(&set, &req("arn:aws:iam::1:user/bob"), true), Decision::Allowed { .. }));
    }

    proptest::proptest! {
        /// Deny always wins: adding a matching unconditional Deny statement to any policy of any
        /// layer turns every decision into a denial.
        #[test]
        fn deny_always_wins(action in "(s3|iam|ec2):(Get|Put|Create)[A-Z][a-z]{0,3}", layer in 0usize..3,
                            grant in proptest::sample::select(vec!["*", "s3:*", "iam:*", "ec2:Get*"])) {
            let allow = doc(json!([{"Effect": "Allow", "Action": grant, "Resource": "*"}]));
            let deny = doc(json!([{"Effect": "Deny", "Action": action.clone(), "Resource": "*"}]));
            let mut set = PolicySet { identity: vec![identity(&allow)], boundary: Some(Source { policy: &allow, name: "b".into(), layer: Layer::Boundary }), scps: vec![Source { policy: &allow, name: "s".into(), layer: Layer::Scp }] };
            let d = Source { policy: &deny, name: "deny".into(), layer: Layer::Identity };
            match layer { 0 => set.scps.push(d), 1 => set.identity.push(d), _ => set.boundary = Some(d) }
            let ctx = Context::default();
            let decision = decide(&set, &Request { action: &action, target: Target::Exact("arn:aws:s3:::b/k"), context: &ctx }, true);
            proptest::prop_assert!(!matches!(decision, Decision::Allowed { .. }), "{:?}", decision);
        }
    }
}
