//! Reading `aws iam get-account-authorization-details` output: users, groups, roles, managed
//! policies with their versions, inline policies, trust policies, instance profiles and boundaries.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::policy::{self, DocKind, Policy};

/// A dump larger than this is refused (the largest real accounts produce tens of megabytes).
pub const MAX_DUMP_BYTES: u64 = 512 << 20;

/// A finding about the input that does not stop the import: which object, and what.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    /// The file, then the principal or policy ARN, then the policy name where there is one.
    pub subject: String,
    pub message: String,
}

/// A named inline policy, or a managed policy's default version.
#[derive(Debug, Clone)]
pub struct Doc {
    pub name: String,
    pub policy: Policy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalKind {
    User,
    Role,
}

/// An IAM user or role.
#[derive(Debug, Clone)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub arn: String,
    pub name: String,
    pub path: String,
    /// UserId or RoleId (what `aws:userid` is built from).
    pub id: String,
    pub tags: BTreeMap<String, String>,
    /// Group names (users only).
    pub groups: Vec<String>,
    pub inline: Vec<Doc>,
    /// Managed policy ARNs.
    pub attached: Vec<String>,
    pub boundary: Option<String>,
    /// The trust policy (roles only).
    pub trust: Option<Policy>,
    /// Instance profile ARNs holding the role.
    pub instance_profiles: Vec<String>,
}

impl Principal {
    /// A service-linked role: AWS owns its trust and policies; no one but the service uses it.
    pub fn service_linked(&self) -> bool {
        self.kind == PrincipalKind::Role && self.path.starts_with("/aws-service-role/")
    }
}

#[derive(Debug, Clone)]
pub struct Group {
    pub arn: String,
    pub name: String,
    pub inline: Vec<Doc>,
    pub attached: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    /// The default version's document (None when it could not be read: reported).
    pub default: Option<Policy>,
    /// The other versions, by version id: what `SetDefaultPolicyVersion` can switch to.
    pub others: Vec<(String, Policy)>,
}

/// One account's authorization details.
#[derive(Debug, Clone, Default)]
pub struct Account {
    pub id: String,
    pub partition: String,
    pub file: String,
    pub principals: Vec<Principal>,
    pub groups: Vec<Group>,
    pub policies: BTreeMap<String, ManagedPolicy>,
}

/// Reads one dump file. Errors (unreadable, not JSON, truncated, not an authorization-details
/// document, no account id) stop the import; problems inside policies are warnings.
pub fn read_file(path: &Path, warnings: &mut Vec<Warning>) -> Result<Account, String> {
    let file = path.display().to_string();
    let text = read_limited(path)?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| format!("{file}:{}:{}: not valid JSON: {e}", e.line(), e.column()))?;
    read_value(&value, &file, warnings)
}

fn read_limited(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    f.take(MAX_DUMP_BYTES + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_DUMP_BYTES {
        return Err(format!("{}: larger than the {MAX_DUMP_BYTES}-byte limit", path.display()));
    }
    String::from_utf8(bytes)
        .map_err(|e| format!("{}: not UTF-8 (offset {})", path.display(), e.utf8_error().valid_up_to()))
}

/// Reads a parsed dump; `file` names it in messages.
pub fn read_value(value: &Value, file: &str, warnings: &mut Vec<Warning>) -> Result<Account, String> {
    let Value::Object(top) = value else {
        return Err(format!("{file}: not an authorization-details document (found {})", policy::describe(value)));
    };
    const LISTS: [&str; 4] = ["UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"];
    if !LISTS.iter().any(|k| top.contains_key(*k)) {
        return Err(format!(
            "{file}: not an authorization-details document: none of {} (the output of `aws iam get-account-authorization-details`)",
            LISTS.join(", ")
        ));
    }
    if top.get("IsTruncated").and_then(Value::as_bool) == Some(true) {
        return Err(format!(
            "{file}: the dump is truncated (IsTruncated: true, Marker {}): fetch every page (the AWS CLI does unless --max-items or --no-paginate is given) and merge them",
            top.get("Marker").and_then(Value::as_str).unwrap_or("?")
        ));
    }
    let mut acc = Account { file: file.to_string(), ..Account::default() };
    let mut w = Warner { file, out: warnings };
    for item in list(top, "Policies", file)? {
        let p = managed_policy(item, &mut w)?;
        acc.policies.insert(p.arn.clone(), p);
    }
    for item in list(top, "GroupDetailList", file)? {
        acc.groups.push(group(item, &mut w)?);
    }
    for item in list(top, "UserDetailList", file)? {
        acc.principals.push(principal(item, PrincipalKind::User, &mut w)?);
    }
    for item in list(top, "RoleDetailList", file)? {
        acc.principals.push(principal(item, PrincipalKind::Role, &mut w)?);
    }
    let arns = acc.principals.iter().map(|p| &p.arn).chain(acc.groups.iter().map(|g| &g.arn));
    let accounts: std::collections::BTreeSet<(String, String)> = arns.filter_map(|a| split_arn(a)).collect();
    match accounts.len() {
        0 => return Err(format!("{file}: no users, groups or roles, so no account id")),
        1 => {
            let (partition, id) = accounts.into_iter().next().expect("one account");
            acc.partition = partition;
            acc.id = id;
        }
        _ => {
            let ids: Vec<_> = accounts.iter().map(|(_, id)| id.as_str()).collect();
            return Err(format!(
                "{file}: principals of several accounts ({}): give one dump per account",
                ids.join(", ")
            ));
        }
    }
    Ok(acc)
}

/// The partition and account of an IAM ARN (`arn:aws:iam::123456789012:user/x`).
pub fn split_arn(arn: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    (parts.len() == 6 && parts[0] == "arn" && parts[2] == "iam" && !parts[4].is_empty())
        .then(|| (parts[1].to_string(), parts[4].to_string()))
}

struct Warner<'a> {
    file: &'a str,
    out: &'a mut Vec<Warning>,
}

impl Warner<'_> {
    fn warn(&mut self, subject: &str, message: String) {
        self.out.push(Warning { subject: format!("{}: {subject}", self.file), message });
    }
    /// Parses a document, warning (and returning None) when it cannot be read.
    fn doc(&mut self, subject: &str, v: Option<&Value>, kind: DocKind) -> Option<Policy> {
        let Some(v) = v else {
            self.warn(subject, "no policy document".into());
            return None;
        };
        match policy::parse(v, kind) {
            Ok((p, warnings)) => {
                for m in warnings {
                    self.warn(subject, m);
                }
                Some(p)
            }
            Err(why) => {
                self.warn(subject, format!("policy document ignored: {why}"));
                None
            }
        }
    }
}

fn list<'a>(top: &'a Map<String, Value>, key: &str, file: &str) -> Result<&'a [Value], String> {
    match top.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!("{file}: `{key}` must be a list, found {}", policy::describe(other))),
    }
}

fn field<'a>(obj: &'a Map<String, Value>, key: &str, what: &str) -> Result<&'a str, String> {
    obj.get(key).and_then(Value::as_str).ok_or_else(|| format!("{what} has no `{key}`"))
}

fn object<'a>(v: &'a Value, what: &str, file: &str) -> Result<&'a Map<String, Value>, String> {
    v.as_object().ok_or_else(|| format!("{file}: an item of {what} is {}, not an object", policy::describe(v)))
}

/// `[{PolicyName, PolicyDocument}]` of a user, group or role.
fn inline(obj: &Map<String, Value>, key: &str, owner: &str, w: &mut Warner) -> Vec<Doc> {
    let mut out = Vec::new();
    for item in obj.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
        let name = item.get("PolicyName").and_then(Value::as_str).unwrap_or("(unnamed)");
        let subject = format!("{owner} inline policy {name}");
        if let Some(policy) = w.doc(&subject, item.get("PolicyDocument"), DocKind::Identity) {
            out.push(Doc { name: name.to_string(), policy });
        }
    }
    out
}

fn attached(obj: &Map<String, Value>) -> Vec<String> {
    let items = obj.get("AttachedManagedPolicies").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    items.iter().filter_map(|i| i.get("PolicyArn").and_then(Value::as_str).map(str::to_string)).collect()
}

fn tags(obj: &Map<String, Value>) -> BTreeMap<String, String> {
    let items = obj.get("Tags").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    items
        .iter()
        .filter_map(|t| Some((t.get("Key")?.as_str()?.to_string(), t.get("Value")?.as_str().unwrap_or("").to_string())))
        .collect()
}

fn principal(v: &Value, kind: PrincipalKind, w: &mut Warner) -> Result<Principal, String> {
    let what = if kind == PrincipalKind::User { "UserDetailList" } else { "RoleDetailList" };
    let obj = object(v, what, w.file)?;
    let arn = field(obj, "Arn", &format!("{}: an item of {what}", w.file))?.to_string();
    let name_key = if kind == PrincipalKind::User { "UserName" } else { "RoleName" };
    let id_key = if kind == PrincipalKind::User { "UserId" } else { "RoleId" };
    let name = field(obj, name_key, &arn)?.to_string();
    let trust = match kind {
        PrincipalKind::Role => {
            w.doc(&format!("{arn} trust policy"), obj.get("AssumeRolePolicyDocument"), DocKind::Trust)
        }
        PrincipalKind::User => None,
    };
    let boundary = obj.get("PermissionsBoundary").and_then(|b| b.get("PermissionsBoundaryArn")).and_then(Value::as_str);
    let groups = obj.get("GroupList").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let profiles = obj.get("InstanceProfileList").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let inline_key = if kind == PrincipalKind::User { "UserPolicyList" } else { "RolePolicyList" };
    Ok(Principal {
        kind,
        path: obj.get("Path").and_then(Value::as_str).unwrap_or("/").to_string(),
        id: obj.get(id_key).and_then(Value::as_str).unwrap_or(&name).to_string(),
        tags: tags(obj),
        groups: groups.iter().filter_map(|g| g.as_str().map(str::to_string)).collect(),
        inline: inline(obj, inline_key, &arn, w),
        attached: attached(obj),
        boundary: boundary.map(str::to_string),
        trust,
        instance_profiles: profiles
            .iter()
            .filter_map(|p| p.get("Arn").and_then(Value::as_str).map(str::to_string))
            .collect(),
        arn,
        name,
    })
}

fn group(v: &Value, w: &mut Warner) -> Result<Group, String> {
    let obj = object(v, "GroupDetailList", w.file)?;
    let arn = field(obj, "Arn", &format!("{}: an item of GroupDetailList", w.file))?.to_string();
    let name = field(obj, "GroupName", &arn)?.to_string();
    Ok(Group { inline: inline(obj, "GroupPolicyList", &arn, w), attached: attached(obj), arn, name })
}

fn managed_policy(v: &Value, w: &mut Warner) -> Result<ManagedPolicy, String> {
    let obj = object(v, "Policies", w.file)?;
    let arn = field(obj, "Arn", &format!("{}: an item of Policies", w.file))?.to_string();
    let name = field(obj, "PolicyName", &arn)?.to_string();
    let default_id = obj.get("DefaultVersionId").and_then(Value::as_str);
    let versions = obj.get("PolicyVersionList").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let mut default = None;
    let mut others = Vec::new();
    for version in versions {
        let id = version.get("VersionId").and_then(Value::as_str).unwrap_or("?");
        let is_default = version.get("IsDefaultVersion").and_then(Value::as_bool).unwrap_or(default_id == Some(id));
        let Some(p) = w.doc(&format!("{arn} version {id}"), version.get("Document"), DocKind::Identity) else {
            continue;
        };
        if is_default {
            default = Some(p);
        } else {
            others.push((id.to_string(), p));
        }
    }
    if default.is_none() {
        w.warn(&arn, "no readable default version: the policy grants nothing here".into());
    }
    Ok(ManagedPolicy { arn, name, default, others })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn truncated_and_foreign_documents_are_errors() {
        let mut w = Vec::new();
        let trunc = json!({"UserDetailList": [], "IsTruncated": true, "Marker": "abc"});
        assert!(read_value(&trunc, "d.json", &mut w).unwrap_err().contains("IsTruncated: true, Marker abc"));
        assert!(
            read_value(&json!({"Buckets": []}), "d.json", &mut w).unwrap_err().contains("not an authorization-details")
        );
        assert!(read_value(&json!([]), "d.json", &mut w).unwrap_err().contains("found a list"));
        let two = json!({"UserDetailList": [
            {"UserName": "a", "Arn": "arn:aws:iam::111111111111:user/a"},
            {"UserName": "b", "Arn": "arn:aws:iam::222222222222:user/b"}]});
        assert!(read_value(&two, "d.json", &mut w).unwrap_err().contains("111111111111, 222222222222"));
        let nameless = json!({"RoleDetailList": [{"Arn": "arn:aws:iam::1:role/r"}]});
        assert!(
            read_value(&nameless, "d.json", &mut w).unwrap_err().contains("arn:aws:iam::1:role/r has no `RoleName`")
        );
    }

    #[test]
    fn bad_policies_are_warnings_naming_principal_and_policy() {
        let mut w = Vec::new();
        let dump = json!({"UserDetailList": [{"UserName": "a", "Arn": "arn:aws:iam::111111111111:user/a",
            "UserPolicyList": [{"PolicyName": "broken", "PolicyDocument": {"Version": "1999", "Statement": []}}]}]});
        let acc = read_value(&dump, "d.json", &mut w).unwrap();
        assert_eq!(acc.id, "111111111111");
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].subject, "d.json: arn:aws:iam::111111111111:user/a inline policy broken");
        assert!(w[0].message.contains("unknown policy `Version`"), "{w:?}");
    }
}
