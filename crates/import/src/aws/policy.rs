//! IAM policy documents: parsing the JSON grammar (identity, trust, boundary and SCP documents,
//! URL-encoded or not) into statements, with a warning for each element that cannot be meant.

use serde_json::Value;

/// A parsed policy document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    /// `2012-10-17` (policy variables are substituted) or `2008-10-17` (they are literal text).
    pub variables: bool,
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action`/`NotAction`, `Resource`/`NotResource`: the listed patterns, or everything but them.
#[derive(Debug, Clone, PartialEq)]
pub struct Patterns {
    pub negated: bool,
    pub items: Vec<String>,
}

/// A statement's `Principal` (or `NotPrincipal`), in a trust or resource policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Principals {
    pub negated: bool,
    /// `"Principal": "*"` or `{"AWS": "*"}`: anyone.
    pub any: bool,
    /// ARNs or account ids under `AWS`.
    pub aws: Vec<String>,
    /// Service principals, e.g. `lambda.amazonaws.com`.
    pub service: Vec<String>,
    /// Identity providers (SAML, OIDC, Cognito) under `Federated`.
    pub federated: Vec<String>,
}

/// One key test of a `Condition` block: `operator` as written (e.g. `ForAnyValue:StringLikeIfExists`).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Position in the document, from 1 (what a person counts when reading it).
    pub number: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Patterns,
    /// Absent in trust policies.
    pub resources: Option<Patterns>,
    pub principals: Option<Principals>,
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// `statement 2 (Sid "AllowIam")`: how a remediation names it.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) => format!("statement {} (Sid \"{sid}\")", self.number),
            None => format!("statement {}", self.number),
        }
    }
}

/// What kind of document is read: which elements it must and may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// Identity policy, permission boundary or SCP: `Resource` required, no `Principal`.
    Identity,
    /// A role's trust policy: `Principal` required, no `Resource`.
    Trust,
}

const STATEMENT_KEYS: &[&str] =
    &["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"];

/// Reads a document given as a JSON object, a JSON string or a URL-encoded JSON string (as the IAM
/// API returns them). Statements that cannot be read are dropped with a warning each; a document
/// that cannot be read at all is an error.
pub fn parse(value: &Value, kind: DocKind) -> Result<(Policy, Vec<String>), String> {
    let decoded;
    let doc = match value {
        Value::String(text) => {
            decoded = decode_text(text)?;
            &decoded
        }
        other => other,
    };
    let Value::Object(map) = doc else {
        return Err(format!("a policy document must be an object, found {}", describe(doc)));
    };
    let mut warnings = Vec::new();
    let variables = match map.get("Version") {
        Some(Value::String(v)) if v == "2012-10-17" => true,
        Some(Value::String(v)) if v == "2008-10-17" => false,
        Some(other) => return Err(format!("unknown policy `Version` {other}: IAM knows 2012-10-17 and 2008-10-17")),
        None => {
            warnings.push(
                "no `Version`: read as 2008-10-17, so policy variables such as ${aws:username} are literal text".into(),
            );
            false
        }
    };
    for key in map.keys().filter(|k| !matches!(k.as_str(), "Version" | "Id" | "Statement")) {
        warnings.push(format!("unknown top-level element `{key}` ignored"));
    }
    let statements = match map.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        Some(other) => return Err(format!("`Statement` must be an object or a list, found {}", describe(other))),
        None => return Err("no `Statement`".into()),
    };
    let mut policy = Policy { variables, statements: Vec::with_capacity(statements.len()) };
    for (i, s) in statements.into_iter().enumerate() {
        match statement(s, i + 1, kind, &mut warnings) {
            Ok(st) => policy.statements.push(st),
            Err(why) => warnings.push(format!("statement {} ignored: {why}", i + 1)),
        }
    }
    Ok((policy, warnings))
}

/// A document's text: JSON, or URL-encoded JSON.
fn decode_text(text: &str) -> Result<Value, String> {
    let trimmed = text.trim_start();
    let json = if trimmed.starts_with('{') {
        text.to_string()
    } else {
        percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .map_err(|e| format!("the URL-encoded document is not UTF-8: {e}"))?
            .into_owned()
    };
    serde_json::from_str(&json).map_err(|e| format!("the document is not JSON: {e}"))
}

fn statement(v: &Value, number: usize, kind: DocKind, warnings: &mut Vec<String>) -> Result<Statement, String> {
    let Value::Object(map) = v else { return Err(format!("a statement must be an object, found {}", describe(v))) };
    for key in map.keys().filter(|k| !STATEMENT_KEYS.contains(&k.as_str())) {
        warnings.push(format!("statement {number}: unknown element `{key}` ignored"));
    }
    let sid = match map.get("Sid") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(format!("`Sid` must be a string, found {}", describe(other))),
        None => None,
    };
    let effect = match map.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => return Err(format!("`Effect` must be Allow or Deny, found `{other}`")),
        None => return Err("no `Effect`".into()),
    };
    let actions = patterns(map, "Action", "NotAction")?.ok_or("no `Action` or `NotAction`")?;
    for a in &actions.items {
        if a != "*" && !a.contains(':') {
            warnings.push(format!("statement {number}: action `{a}` has no service prefix and matches nothing"));
        }
    }
    let resources = patterns(map, "Resource", "NotResource")?;
    for r in resources.iter().flat_map(|r| &r.items) {
        if let Err(why) = check_resource(r) {
            warnings.push(format!("statement {number}: resource `{r}` {why}"));
        }
    }
    let principals = principals(map)?;
    match kind {
        DocKind::Identity if resources.is_none() => return Err("no `Resource` or `NotResource`".into()),
        DocKind::Identity if principals.is_some() => {
            warnings.push(format!("statement {number}: `Principal` has no meaning in an identity policy, ignored"))
        }
        DocKind::Trust if principals.is_none() => return Err("no `Principal` or `NotPrincipal`".into()),
        _ => {}
    }
    let conditions = match map.get("Condition") {
        Some(c) => conditions(c)?,
        None => Vec::new(),
    };
    let principals = if kind == DocKind::Trust { principals } else { None };
    Ok(Statement { number, sid, effect, actions, resources, principals, conditions })
}

/// An ARN pattern has at least six `:`-separated parts and the `arn` prefix; `*` stands alone.
fn check_resource(r: &str) -> Result<(), &'static str> {
    if r == "*" {
        return Ok(());
    }
    let parts: Vec<&str> = r.splitn(6, ':').collect();
    if parts.len() < 6 || !matches!(parts[0], "arn" | "*") {
        return Err("is not an ARN (arn:partition:service:region:account:resource) and matches nothing");
    }
    Ok(())
}

fn patterns(map: &serde_json::Map<String, Value>, key: &str, not_key: &str) -> Result<Option<Patterns>, String> {
    match (map.get(key), map.get(not_key)) {
        (Some(_), Some(_)) => Err(format!("both `{key}` and `{not_key}`")),
        (Some(v), None) => Ok(Some(Patterns { negated: false, items: strings(v, key)? })),
        (None, Some(v)) => Ok(Some(Patterns { negated: true, items: strings(v, not_key)? })),
        (None, None) => Ok(None),
    }
}

fn strings(v: &Value, what: &str) -> Result<Vec<String>, String> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!("`{what}` lists {}, not a string", describe(other))),
            })
            .collect(),
        other => Err(format!("`{what}` must be a string or a list of strings, found {}", describe(other))),
    }
}

fn principals(map: &serde_json::Map<String, Value>) -> Result<Option<Principals>, String> {
    let (v, negated, what) = match (map.get("Principal"), map.get("NotPrincipal")) {
        (Some(_), Some(_)) => return Err("both `Principal` and `NotPrincipal`".into()),
        (Some(v), None) => (v, false, "Principal"),
        (None, Some(v)) => (v, true, "NotPrincipal"),
        (None, None) => return Ok(None),
    };
    let mut p = Principals { negated, ..Principals::default() };
    match v {
        Value::String(s) if s == "*" => p.any = true,
        Value::Object(kinds) => {
            for (kind, list) in kinds {
                let items = strings(list, &format!("{what}.{kind}"))?;
                match kind.as_str() {
                    "AWS" if items.iter().any(|i| i == "*") => p.any = true,
                    "AWS" => p.aws.extend(items),
                    "Service" => p.service.extend(items),
                    "Federated" => p.federated.extend(items),
                    // Canonical user ids name S3 owners, never a role's assumer.
                    "CanonicalUser" => {}
                    other => return Err(format!("unknown principal type `{other}` in `{what}`")),
                }
            }
        }
        other => return Err(format!("`{what}` must be \"*\" or an object, found {}", describe(other))),
    }
    Ok(Some(p))
}

fn conditions(v: &Value) -> Result<Vec<Condition>, String> {
    let Value::Object(ops) = v else { return Err(format!("`Condition` must be an object, found {}", describe(v))) };
    let mut out = Vec::new();
    for (operator, keys) in ops {
        let Value::Object(keys) = keys else {
            return Err(format!("condition `{operator}` must map keys to values, found {}", describe(keys)));
        };
        for (key, values) in keys {
            let values = match values {
                Value::Bool(b) => vec![b.to_string()],
                Value::Number(n) => vec![n.to_string()],
                Value::Array(items) => items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) => Ok(s.clone()),
                        Value::Bool(b) => Ok(b.to_string()),
                        Value::Number(n) => Ok(n.to_string()),
                        other => Err(format!("condition `{operator}` `{key}` lists {}", describe(other))),
                    })
                    .collect::<Result<_, _>>()?,
                other => strings(other, key)?,
            };
            out.push(Condition { operator: operator.clone(), key: key.clone(), values });
        }
    }
    Ok(out)
}

pub fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn url_encoded_and_decoded_documents_read_the_same() {
        let doc = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}});
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22%2A%22%7D%7D";
        let (a, wa) = parse(&doc, DocKind::Identity).unwrap();
        let (b, wb) = parse(&Value::String(encoded.into()), DocKind::Identity).unwrap();
        assert_eq!(a, b);
        assert!(wa.is_empty() && wb.is_empty());
        assert!(a.variables && a.statements[0].actions.items == ["s3:GetObject"]);
    }

    #[test]
    fn bad_documents_and_statements_are_named() {
        let bad_version = json!({"Version": "2020-01-01", "Statement": []});
        assert!(parse(&bad_version, DocKind::Identity).unwrap_err().contains("Version"));
        let doc = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"},
            {"Effect": "Permit", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:*", "Resource": "bucket", "Colour": "red"}]});
        let (p, w) = parse(&doc, DocKind::Identity).unwrap();
        assert_eq!(p.statements.len(), 1);
        assert_eq!(p.statements[0].number, 3);
        let text = w.join("\n");
        assert!(text.contains("statement 1 ignored: both `Action` and `NotAction`"), "{text}");
        assert!(text.contains("statement 2 ignored: `Effect` must be Allow or Deny"), "{text}");
        assert!(text.contains("unknown element `Colour`") && text.contains("`bucket` is not an ARN"), "{text}");
        assert!(parse(&json!("%7Bnot json"), DocKind::Identity).unwrap_err().contains("not JSON"));
    }

    #[test]
    fn trust_principals() {
        let doc = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "444455556666"], "Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": true}}},
            {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]});
        let (p, w) = parse(&doc, DocKind::Trust).unwrap();
        assert!(w.is_empty(), "{w:?}");
        let first = p.statements[0].principals.as_ref().unwrap();
        assert_eq!(first.aws, ["arn:aws:iam::111122223333:root", "444455556666"]);
        assert_eq!(first.service, ["ec2.amazonaws.com"]);
        assert_eq!(p.statements[0].conditions[0].values, ["true"]);
        assert!(p.statements[1].principals.as_ref().unwrap().any);
    }
}
