//! Who can act: every IAM user and role of the dumps (and each group, for what joining it gives),
//! with the policies that apply to it (SCPs, identity, boundary) and its request context.

use std::collections::BTreeMap;

use super::condition::Context;
use super::eval::{Decision, Layer, PolicySet, Request, Source, Target};
use super::parse::{Account, Group, Principal, PrincipalKind};
use super::policy::Policy;

/// Something the attacker can hold: a user or role, or a group (its policies alone).
#[derive(Debug, Clone)]
pub struct Holder<'a> {
    pub arn: &'a str,
    pub account: &'a Account,
    pub principal: Option<&'a Principal>,
    pub group: Option<&'a Group>,
    pub policies: PolicySet<'a>,
    /// Managed policy ARNs that apply, directly or through a group.
    pub managed: Vec<&'a str>,
    pub context: Context,
}

impl<'a> Holder<'a> {
    pub fn is_user(&self) -> bool {
        self.principal.is_some_and(|p| p.kind == PrincipalKind::User)
    }
    /// Decides a request with this holder's policies and context plus `extra` keys.
    pub fn decide(&self, action: &str, target: Target, extra: &Context, identity_needed: bool) -> Decision {
        let mut ctx = self.context.clone();
        ctx.values.extend(extra.values.iter().map(|(k, v)| (k.clone(), v.clone())));
        ctx.resource_known = extra.resource_known;
        super::eval::decide(&self.policies, &Request { action, target, context: &ctx }, identity_needed)
    }
    /// Whether this holder carries the policies of `group` (it is the group, or a member user).
    pub fn in_group(&self, group: &Group) -> bool {
        self.arn == group.arn || self.principal.is_some_and(|p| p.groups.contains(&group.name))
    }
    /// Whether a managed policy applies to this holder directly or through a group.
    pub fn has_policy(&self, arn: &str) -> bool {
        self.managed.contains(&arn)
    }
}

/// Every holder of the accounts: users and roles (service-linked roles excepted: only their service
/// uses them), then groups.
pub fn holders<'a>(accounts: &'a [Account], scps: &'a [(String, Policy)], now: Option<i64>) -> Vec<Holder<'a>> {
    let mut out = Vec::new();
    for acc in accounts {
        for p in acc.principals.iter().filter(|p| !p.service_linked()) {
            let mut h = principal_holder(acc, p, scps);
            if let Some(now) = now {
                super::condition::time_keys(&mut h.context, now);
            }
            out.push(h);
        }
        for g in &acc.groups {
            let mut policies = PolicySet { scps: scp_sources(scps), ..PolicySet::default() };
            let managed = add_group(&mut policies, acc, g);
            let mut context = Context { principal_known: true, ..Context::default() };
            if let Some(now) = now {
                super::condition::time_keys(&mut context, now);
            }
            out.push(Holder { arn: &g.arn, account: acc, principal: None, group: Some(g), policies, managed, context });
        }
    }
    out
}

fn scp_sources(scps: &[(String, Policy)]) -> Vec<Source<'_>> {
    scps.iter().map(|(name, p)| Source { policy: p, name: format!("SCP {name}"), layer: Layer::Scp }).collect()
}

fn principal_holder<'a>(acc: &'a Account, p: &'a Principal, scps: &'a [(String, Policy)]) -> Holder<'a> {
    let what = if p.kind == PrincipalKind::User { "user" } else { "role" };
    let mut policies = PolicySet { scps: scp_sources(scps), ..PolicySet::default() };
    for doc in &p.inline {
        let name = format!("inline policy {} of {what} {}", doc.name, p.name);
        policies.identity.push(Source { policy: &doc.policy, name, layer: Layer::Identity });
    }
    let mut arns: Vec<&str> = p.attached.iter().map(String::as_str).collect();
    for arn in &p.attached {
        if let Some((policy, name)) = managed(acc, arn) {
            let name = format!("{name}, attached to {what} {}", p.name);
            policies.identity.push(Source { policy, name, layer: Layer::Identity });
        }
    }
    for g in acc.groups.iter().filter(|g| p.groups.contains(&g.name)) {
        arns.extend(add_group(&mut policies, acc, g));
    }
    if let Some(arn) = &p.boundary {
        if let Some((policy, name)) = managed(acc, arn) {
            let name = format!("permission boundary {name} of {what} {}", p.name);
            policies.boundary = Some(Source { policy, name, layer: Layer::Boundary });
        } else {
            // An unreadable boundary allows nothing: the principal can do nothing at all.
            policies.boundary =
                Some(Source { policy: &EMPTY, name: format!("permission boundary {arn}"), layer: Layer::Boundary });
        }
    }
    let context = principal_context(acc, p);
    Holder { arn: &p.arn, account: acc, principal: Some(p), group: None, policies, managed: arns, context }
}

static EMPTY: Policy = Policy { variables: true, statements: Vec::new() };

/// Adds a group's policies to a set; returns the managed policy ARNs attached to the group.
fn add_group<'a>(set: &mut PolicySet<'a>, acc: &'a Account, g: &'a Group) -> Vec<&'a str> {
    for doc in &g.inline {
        let name = format!("inline policy {} of group {}", doc.name, g.name);
        set.identity.push(Source { policy: &doc.policy, name, layer: Layer::Identity });
    }
    for arn in &g.attached {
        if let Some((policy, name)) = managed(acc, arn) {
            let name = format!("{name}, attached to group {}", g.name);
            set.identity.push(Source { policy, name, layer: Layer::Identity });
        }
    }
    g.attached.iter().map(String::as_str).collect()
}

/// A managed policy's default document and its name for people: `managed policy X (arn)`.
fn managed<'a>(acc: &'a Account, arn: &str) -> Option<(&'a Policy, String)> {
    let p = acc.policies.get(arn)?;
    Some((p.default.as_ref()?, format!("managed policy {} ({arn})", p.name)))
}

/// The request context keys a principal's own requests carry.
fn principal_context(acc: &Account, p: &Principal) -> Context {
    let mut ctx = Context { principal_known: true, ..Context::default() };
    ctx.set("aws:PrincipalArn", vec![p.arn.clone()]);
    ctx.set("aws:PrincipalAccount", vec![acc.id.clone()]);
    ctx.set("aws:PrincipalIsAWSService", vec!["false".into()]);
    match p.kind {
        PrincipalKind::User => {
            ctx.set("aws:username", vec![p.name.clone()]);
            ctx.set("aws:userid", vec![p.id.clone()]);
            ctx.set("aws:PrincipalType", vec!["User".into()]);
        }
        PrincipalKind::Role => {
            // The session name is the attacker's choice; the role id part is fixed.
            ctx.set("aws:userid", vec![format!("{}:session", p.id)]);
            ctx.set("aws:PrincipalType", vec!["AssumedRole".into()]);
        }
    }
    for (k, v) in &p.tags {
        ctx.set(&format!("aws:PrincipalTag/{k}"), vec![v.clone()]);
    }
    ctx
}

/// The context keys describing an IAM principal as the target of a request.
pub fn resource_context(acc: &Account, target: Option<&Principal>) -> Context {
    let mut ctx = Context { resource_known: target.is_some(), ..Context::default() };
    ctx.set("aws:ResourceAccount", vec![acc.id.clone()]);
    for (k, v) in target.map(|p| &p.tags).into_iter().flatten() {
        ctx.set(&format!("aws:ResourceTag/{k}"), vec![v.clone()]);
        ctx.set(&format!("iam:ResourceTag/{k}"), vec![v.clone()]);
    }
    ctx
}

/// Principals by ARN, across accounts.
pub fn by_arn(accounts: &[Account]) -> BTreeMap<&str, (&Account, &Principal)> {
    accounts.iter().flat_map(|a| a.principals.iter().map(move |p| (p.arn.as_str(), (a, p)))).collect()
}
