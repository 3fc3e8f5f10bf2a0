//! Condition blocks decided for an attacker: keys whose values are known (the principal, its tags,
//! the target, the service a role is passed to) are evaluated exactly; the others by what they mean.
//!
//! | key class | examples | an Allow whose test fails | a Deny whose test holds |
//! |---|---|---|---|
//! | known | `aws:PrincipalTag/team`, `aws:username`, `iam:PassedToService`, `iam:ResourceTag/x` on a known principal | does not grant | denies |
//! | attacker's choice | `aws:RequestTag/*`, `aws:RequestedRegion`, `sts:RoleSessionName`, `iam:PolicyARN` | grants (the attacker picks values that pass) | does not deny (the attacker picks values that avoid it) |
//! | time | `aws:CurrentTime`, `aws:TokenIssueTime`, `aws:EpochTime`: the import's time, a fresh session | known | known |
//! | attacker's situation | MFA, `aws:SourceIp`, `aws:SourceVpc(e)`, `sts:ExternalId`, `aws:CalledVia` | grants at a lower probability | denies at a lower probability (the step survives with that factor) |
//! | unknown | anything else | grants, and the key is reported | does not deny, and the key is reported |

use std::collections::BTreeMap;

use super::glob;
use super::policy::{Condition, Effect};

/// What the attacker's request looks like for the keys known exactly. Keys are lower-case; a key of a
/// class that is known (principal, resource) but missing here is absent from the request.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub values: BTreeMap<String, Vec<String>>,
    /// Whether the principal is one of the imported principals (its tags, names and account known);
    /// an outside principal chooses its own tags, names and organisation.
    pub principal_known: bool,
    /// Whether the resource is known with its tags (an IAM user or role of the dump).
    pub resource_known: bool,
}

impl Context {
    pub fn set(&mut self, key: &str, values: Vec<String>) {
        self.values.insert(key.to_ascii_lowercase(), values);
    }
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.values.get(&key.to_ascii_lowercase()).map(Vec::as_slice)
    }
}

/// How a statement's conditions stand for the attacker.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Whether the statement takes effect (an Allow grants, a Deny denies).
    pub applies: bool,
    /// The chance that the attacker gets past the conditions' situational tests: for an Allow the
    /// factor on the step; for a Deny that applies, the chance of evading it (0: no evasion).
    pub factor: f64,
    /// One line per situational condition that lowered the step.
    pub notes: Vec<String>,
    /// Condition keys this module does not know: kept as the table says, and reported.
    pub unknown: Vec<String>,
}

/// The situations an attacker usually lacks, with the factor for getting into them: why each value
/// is what it is lives in docs/aws-iam.md.
const SITUATIONAL: &[(&str, f64, &str)] = &[
    ("aws:multifactorauthpresent", 0.2, "needs an MFA-authenticated session"),
    ("aws:multifactorauthage", 0.2, "needs a recent MFA-authenticated session"),
    ("aws:sourceip", 0.3, "needs requests from an allowed network"),
    ("aws:sourcevpc", 0.3, "needs requests from inside an allowed VPC"),
    ("aws:sourcevpce", 0.3, "needs requests through an allowed VPC endpoint"),
    ("aws:vpcsourceip", 0.3, "needs requests from an allowed VPC address"),
    ("sts:externalid", 0.5, "needs the external id"),
    ("aws:viaawsservice", 0.3, "needs the call to come through an AWS service"),
    ("aws:calledvia", 0.3, "needs the call to come through a named AWS service"),
    ("aws:calledviafirst", 0.3, "needs the call to come through a named AWS service"),
    ("aws:calledvialast", 0.3, "needs the call to come through a named AWS service"),
];

/// Request keys the attacker sets (exact names, then prefixes).
const CHOSEN: &[&str] = &[
    "aws:tagkeys",
    "aws:requestedregion",
    "aws:securetransport",
    "aws:useragent",
    "aws:referer",
    "sts:rolesessionname",
    "sts:sourceidentity",
    "aws:sourceidentity",
    "sts:transitivetagkeys",
    "iam:policyarn",
    "iam:passedtoservice",
    "iam:associatedresourcearn",
    "s3:prefix",
    "s3:delimiter",
    "s3:max-keys",
    "ec2:instancetype",
    "ec2:region",
    "lambda:functionurlauthtype",
];
const CHOSEN_PREFIXES: &[&str] = &["aws:requesttag/", "s3:x-amz-", "sts:requesttag/"];
/// Keys that describe the principal: exact for an imported principal, chosen by an outside one.
const PRINCIPAL_KEYS: &[&str] = &[
    "aws:username",
    "aws:userid",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:principalisawsservice",
    "aws:principalorgid",
    "aws:principalorgpaths",
];
const PRINCIPAL_PREFIXES: &[&str] = &["aws:principaltag/"];
/// Keys that describe the resource: exact when it is a known principal.
const RESOURCE_KEYS: &[&str] = &["aws:resourceaccount"];
const RESOURCE_PREFIXES: &[&str] = &["aws:resourcetag/", "iam:resourcetag/"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Class {
    Known,
    Absent,
    Chosen,
    Situational(f64, &'static str),
    Unknown,
}

fn class(key: &str, ctx: &Context) -> Class {
    let k = key.to_ascii_lowercase();
    if ctx.values.contains_key(&k) {
        return Class::Known;
    }
    if let Some(&(_, factor, why)) = SITUATIONAL.iter().find(|(name, _, _)| *name == k) {
        return Class::Situational(factor, why);
    }
    let is =
        |names: &[&str], prefixes: &[&str]| names.contains(&k.as_str()) || prefixes.iter().any(|p| k.starts_with(p));
    if is(CHOSEN, CHOSEN_PREFIXES) {
        return Class::Chosen;
    }
    if is(PRINCIPAL_KEYS, PRINCIPAL_PREFIXES) {
        // aws:PrincipalOrgID of an imported principal: the import holds one organisation's accounts.
        if k == "aws:principalorgid" || k == "aws:principalorgpaths" {
            return if ctx.principal_known { Class::Chosen } else { Class::Absent };
        }
        return if ctx.principal_known { Class::Absent } else { Class::Chosen };
    }
    if is(RESOURCE_KEYS, RESOURCE_PREFIXES) && ctx.resource_known {
        return Class::Absent;
    }
    Class::Unknown
}

/// Decides a statement's conditions (all must hold) for the attacker.
pub fn decide(conditions: &[Condition], effect: Effect, ctx: &Context) -> Verdict {
    let mut verdict = Verdict { applies: true, factor: 1.0, notes: Vec::new(), unknown: Vec::new() };
    let mut evade = 0.0f64;
    for c in conditions {
        let test = match class(&c.key, ctx) {
            Class::Known => Some(test(c, ctx.get(&c.key))),
            Class::Absent => Some(test(c, None)),
            Class::Chosen => None,
            Class::Situational(factor, why) => {
                // The attacker's usual request lacks the key (SourceIp: an outside address).
                let holds = if c.key.eq_ignore_ascii_case("aws:sourceip") { outside_ip(c) } else { test(c, None) };
                let unfavourable = holds == (effect == Effect::Deny);
                if unfavourable {
                    verdict.notes.push(format!("{why} ({} {}: ×{factor})", c.operator, c.key));
                    if effect == Effect::Allow {
                        verdict.factor *= factor;
                    } else {
                        evade = evade.max(factor);
                    }
                }
                Some(holds || effect == Effect::Allow)
            }
            Class::Unknown => {
                verdict.unknown.push(c.key.clone());
                None
            }
        };
        match test {
            Some(false) => verdict.applies = false,
            Some(true) => {}
            // Chosen and unknown keys: whatever helps the attacker.
            None if effect == Effect::Deny => verdict.applies = false,
            None => {}
        }
    }
    if effect == Effect::Deny {
        verdict.factor = if verdict.applies { evade } else { 1.0 };
    } else if !verdict.applies {
        verdict.factor = 0.0;
    }
    verdict
}

/// `aws:SourceIp` tested for an attacker outside every listed range: `IpAddress` holds only for a
/// range that covers every address.
fn outside_ip(c: &Condition) -> bool {
    let (_, base, if_exists) = split_operator(&c.operator);
    let everywhere = c.values.iter().any(|v| v == "0.0.0.0/0" || v == "::/0");
    match base {
        "IpAddress" => everywhere,
        "NotIpAddress" => !everywhere,
        _ => if_exists,
    }
}

/// `ForAllValues:StringLikeIfExists` → (`ForAllValues`, `StringLike`, true).
fn split_operator(op: &str) -> (&str, &str, bool) {
    let (set, rest) = match op.split_once(':') {
        Some((set @ ("ForAllValues" | "ForAnyValue"), rest)) => (set, rest),
        _ => ("", op),
    };
    match rest.strip_suffix("IfExists") {
        Some(base) => (set, base, true),
        None => (set, rest, false),
    }
}

/// The documented semantics of one key test given the request's values (`None`: key absent).
pub fn test(c: &Condition, present: Option<&[String]>) -> bool {
    let (set, base, if_exists) = split_operator(&c.operator);
    if base == "Null" {
        let wants_absent = c.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return wants_absent == present.is_none_or(|v| v.is_empty());
    }
    let negated = base.contains("Not");
    let Some(values) = present.filter(|v| !v.is_empty()) else {
        // An absent key: false, except for IfExists, negated operators and ForAllValues.
        return if_exists || negated || set == "ForAllValues";
    };
    let one = |v: &str| c.values.iter().any(|want| compare(base, want, v));
    match set {
        "ForAllValues" => values.iter().all(|v| one(v) != negated),
        "ForAnyValue" => values.iter().any(|v| one(v) != negated),
        _ if negated => !values.iter().any(|v| one(v)),
        _ => values.iter().any(|v| one(v)),
    }
}

/// Whether a request value matches a policy value under an operator family (negation aside).
fn compare(base: &str, want: &str, got: &str) -> bool {
    match base.replace("Not", "").as_str() {
        "StringEquals" => want == got,
        "StringEqualsIgnoreCase" => want.eq_ignore_ascii_case(got),
        "StringLike" | "ArnLike" | "ArnEquals" => glob::matches(want, got, false),
        "Bool" => want.eq_ignore_ascii_case(got),
        "NumericEquals" => num(want).zip(num(got)).is_some_and(|(a, b)| a == b),
        "NumericLessThan" => num(want).zip(num(got)).is_some_and(|(a, b)| b < a),
        "NumericLessThanEquals" => num(want).zip(num(got)).is_some_and(|(a, b)| b <= a),
        "NumericGreaterThan" => num(want).zip(num(got)).is_some_and(|(a, b)| b > a),
        "NumericGreaterThanEquals" => num(want).zip(num(got)).is_some_and(|(a, b)| b >= a),
        "DateEquals" => date(want).zip(date(got)).is_some_and(|(a, b)| a == b),
        "DateLessThan" => date(want).zip(date(got)).is_some_and(|(a, b)| b < a),
        "DateLessThanEquals" => date(want).zip(date(got)).is_some_and(|(a, b)| b <= a),
        "DateGreaterThan" => date(want).zip(date(got)).is_some_and(|(a, b)| b > a),
        "DateGreaterThanEquals" => date(want).zip(date(got)).is_some_and(|(a, b)| b >= a),
        _ => want == got,
    }
}

fn num(s: &str) -> Option<f64> {
    s.trim().parse().ok()
}

/// A date as IAM accepts it (ISO 8601 date or date-time, or epoch seconds), in epoch seconds.
pub fn date(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
}

/// The time keys of a request made at `now` (epoch seconds): the attacker's session is fresh.
pub fn time_keys(ctx: &mut Context, now: i64) {
    let iso = chrono::DateTime::from_timestamp(now, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default();
    ctx.set("aws:CurrentTime", vec![iso.clone()]);
    ctx.set("aws:TokenIssueTime", vec![iso]);
    ctx.set("aws:EpochTime", vec![now.to_string()]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
        Condition { operator: op.into(), key: key.into(), values: values.iter().map(|v| v.to_string()).collect() }
    }

    #[test]
    fn absent_keys_follow_the_documented_table() {
        // Absent: false, except IfExists, negated operators, ForAllValues, and Null true.
        assert!(!test(&cond("StringEquals", "k", &["a"]), None));
        assert!(test(&cond("StringEqualsIfExists", "k", &["a"]), None));
        assert!(test(&cond("StringNotEquals", "k", &["a"]), None));
        assert!(test(&cond("ForAllValues:StringEquals", "k", &["a"]), None));
        assert!(!test(&cond("ForAnyValue:StringEquals", "k", &["a"]), None));
        assert!(test(&cond("Null", "k", &["true"]), None) && !test(&cond("Null", "k", &["false"]), None));
        let v = vec!["b".to_string()];
        assert!(!test(&cond("Null", "k", &["true"]), Some(&v)));
        // Several policy values: OR; negated: NOR.
        assert!(test(&cond("StringEquals", "k", &["a", "b"]), Some(&v)));
        assert!(!test(&cond("StringNotEquals", "k", &["a", "b"]), Some(&v)));
        assert!(test(&cond("StringLike", "k", &["?"]), Some(&v)));
        let two = vec!["a".to_string(), "c".to_string()];
        assert!(!test(&cond("ForAllValues:StringEquals", "k", &["a", "b"]), Some(&two)));
        assert!(test(&cond("ForAnyValue:StringEquals", "k", &["a", "b"]), Some(&two)));
    }

    #[test]
    fn mfa_lowers_an_allow_and_an_mfa_deny_blocks_with_evasion() {
        let ctx = Context { principal_known: true, ..Context::default() };
        let allow = decide(&[cond("Bool", "aws:MultiFactorAuthPresent", &["true"])], Effect::Allow, &ctx);
        assert!(allow.applies && allow.factor == 0.2, "{allow:?}");
        let deny = decide(&[cond("BoolIfExists", "aws:MultiFactorAuthPresent", &["false"])], Effect::Deny, &ctx);
        assert!(deny.applies && deny.factor == 0.2, "{deny:?}");
        // A deny for requests from outside the corporate range fires for an outside attacker.
        let ip = decide(&[cond("NotIpAddress", "aws:SourceIp", &["203.0.113.0/24"])], Effect::Deny, &ctx);
        assert!(ip.applies && ip.factor == 0.3);
        let open = decide(&[cond("IpAddress", "aws:SourceIp", &["0.0.0.0/0"])], Effect::Allow, &ctx);
        assert!(open.applies && open.factor == 1.0 && open.notes.is_empty());
    }

    #[test]
    fn known_chosen_and_unknown_keys() {
        let mut ctx = Context { principal_known: true, ..Context::default() };
        ctx.set("aws:PrincipalTag/team", vec!["ops".into()]);
        let tag = |v: &str| vec![cond("StringEquals", "aws:PrincipalTag/team", &[v])];
        assert!(decide(&tag("ops"), Effect::Allow, &ctx).applies);
        assert!(!decide(&tag("dev"), Effect::Allow, &ctx).applies);
        // A tag the principal does not carry is absent, not unknown.
        let other = vec![cond("StringEquals", "aws:PrincipalTag/level", &["admin"])];
        assert!(!decide(&other, Effect::Allow, &ctx).applies);
        let outside = Context::default();
        assert!(decide(&other, Effect::Allow, &outside).applies, "an outside principal sets its own tags");
        let region = vec![cond("StringNotEquals", "aws:RequestedRegion", &["eu-west-1"])];
        assert!(!decide(&region, Effect::Deny, &ctx).applies, "the attacker picks an allowed region");
        let odd = vec![cond("StringEquals", "glacier:ArchiveAgeInDays", &["1"])];
        let v = decide(&odd, Effect::Allow, &ctx);
        assert!(v.applies && v.unknown == ["glacier:ArchiveAgeInDays"]);
        assert!(!decide(&odd, Effect::Deny, &ctx).applies);
    }
}
