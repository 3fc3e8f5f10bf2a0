//! Data stores: S3 buckets named in policies or an inventory, KMS keys, secrets, tables and
//! parameters from an inventory, and per account one catch-all per store type for the rest.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::graph::Store;
use super::parse::Account;
use super::policy::Effect;

/// Stores listed by a resource inventory: by account, (type, ARN or bucket name, tags).
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub items: Vec<(String, StoreType, String, BTreeMap<String, String>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StoreType {
    Bucket,
    Key,
    Secret,
    Table,
    Parameter,
}

struct TypeInfo {
    node_kind: &'static str,
    edge_kind: &'static str,
    actions: &'static [&'static str],
    every: &'static str,
    label: &'static str,
}

fn info(t: StoreType) -> TypeInfo {
    match t {
        StoreType::Bucket => TypeInfo {
            node_kind: "bucket",
            edge_kind: "aws_reads_bucket",
            actions: &["s3:GetObject"],
            every: "arn:{p}:s3:::*/*",
            label: "S3 bucket",
        },
        StoreType::Key => TypeInfo {
            node_kind: "key",
            edge_kind: "aws_reads_key",
            actions: &["kms:Decrypt"],
            every: "arn:{p}:kms:*:{a}:key/*",
            label: "KMS key",
        },
        StoreType::Secret => TypeInfo {
            node_kind: "secret",
            edge_kind: "aws_reads_secret",
            actions: &["secretsmanager:GetSecretValue"],
            every: "arn:{p}:secretsmanager:*:{a}:secret:*",
            label: "Secrets Manager secret",
        },
        StoreType::Table => TypeInfo {
            node_kind: "datastore",
            edge_kind: "aws_reads_table",
            actions: &["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"],
            every: "arn:{p}:dynamodb:*:{a}:table/*",
            label: "DynamoDB table",
        },
        StoreType::Parameter => TypeInfo {
            node_kind: "secret",
            edge_kind: "aws_reads_parameter",
            actions: &["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
            every: "arn:{p}:ssm:*:{a}:parameter/*",
            label: "SSM parameter",
        },
    }
}

const TYPES: [StoreType; 5] =
    [StoreType::Bucket, StoreType::Key, StoreType::Secret, StoreType::Table, StoreType::Parameter];

/// Every store: named ones (inventory, and buckets named by a policy grant), then catch-alls.
pub fn stores(accounts: &[Account], inventory: &Inventory) -> Vec<Store> {
    let mut named: BTreeMap<(String, StoreType, String), BTreeMap<String, String>> = BTreeMap::new();
    for acc in accounts {
        for bucket in policy_buckets(acc) {
            named.entry((acc.id.clone(), StoreType::Bucket, bucket)).or_default();
        }
    }
    for (account, t, name, tags) in &inventory.items {
        named.entry((account.clone(), *t, name.clone())).or_default().extend(tags.clone());
    }
    let partition = |a: &str| accounts.iter().find(|x| x.id == a).map_or("aws".to_string(), |x| x.partition.clone());
    let mut out = Vec::new();
    for ((account, t, name), tags) in named {
        out.push(named_store(&account, &partition(&account), t, &name, &tags));
    }
    for acc in accounts {
        for t in TYPES {
            let i = info(t);
            out.push(Store {
                id: format!("aws:{}:{}:*", acc.id, i.node_kind_short()),
                account: acc.id.clone(),
                name: format!("every other {} of account {}", i.label, acc.id),
                node_kind: i.node_kind,
                edge_kind: i.edge_kind,
                actions: i.actions,
                resource: i.every.replace("{p}", &acc.partition).replace("{a}", &acc.id),
                every: true,
                tags: vec!["aws".into(), "aws-store".into(), format!("aws-account-{}", acc.id)],
            });
        }
    }
    out
}

impl TypeInfo {
    fn node_kind_short(&self) -> &'static str {
        match self.edge_kind {
            "aws_reads_bucket" => "s3",
            "aws_reads_key" => "kms",
            "aws_reads_secret" => "secretsmanager",
            "aws_reads_table" => "dynamodb",
            _ => "ssm",
        }
    }
}

fn named_store(account: &str, partition: &str, t: StoreType, name: &str, tags: &BTreeMap<String, String>) -> Store {
    let i = info(t);
    let (id, resource, short) = match t {
        StoreType::Bucket => {
            (format!("arn:{partition}:s3:::{name}"), format!("arn:{partition}:s3:::{name}/*"), name.to_string())
        }
        _ => (name.to_string(), name.to_string(), name.rsplit([':', '/']).next().unwrap_or(name).to_string()),
    };
    let mut node_tags = vec!["aws".into(), "aws-store".into(), format!("aws-account-{account}")];
    node_tags.extend(tags.iter().map(|(k, v)| format!("aws-tag:{k}={v}")));
    Store {
        id,
        account: account.into(),
        name: format!("{} {short}", i.label),
        node_kind: i.node_kind,
        edge_kind: i.edge_kind,
        actions: i.actions,
        resource,
        every: false,
        tags: node_tags,
    }
}

/// Buckets named (without wildcards in the name) by the resources of Allow statements.
fn policy_buckets(acc: &Account) -> Vec<String> {
    let inline = acc.principals.iter().flat_map(|p| &p.inline).chain(acc.groups.iter().flat_map(|g| &g.inline));
    let docs = inline.map(|d| &d.policy).chain(acc.policies.values().filter_map(|p| p.default.as_ref()));
    let mut out = Vec::new();
    for s in docs.flat_map(|p| &p.statements).filter(|s| s.effect == Effect::Allow) {
        for r in s.resources.iter().filter(|r| !r.negated).flat_map(|r| &r.items) {
            let Some(rest) = r.strip_prefix("arn:aws:s3:::").or_else(|| r.split_once(":s3:::").map(|(_, x)| x)) else {
                continue;
            };
            let bucket = rest.split('/').next().unwrap_or("");
            if !bucket.is_empty() && !bucket.contains(['*', '?', '$']) {
                out.push(bucket.to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Reads an inventory file: riskpath's own format, or the JSON output of `aws s3api list-buckets`,
/// `aws kms list-keys`, `aws secretsmanager list-secrets`, `aws dynamodb list-tables` and
/// `aws ssm describe-parameters` (whose items carry no account: they belong to the one imported
/// account, or the file's `account`).
pub fn read_inventory(path: &Path, accounts: &[Account], inv: &mut Inventory) -> Result<(), String> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {file}: {e}"))?;
    let v: Value =
        serde_json::from_str(&text).map_err(|e| format!("{file}:{}:{}: not valid JSON: {e}", e.line(), e.column()))?;
    let obj = v.as_object().ok_or_else(|| format!("{file}: an inventory is a JSON object"))?;
    let only = (accounts.len() == 1).then(|| accounts[0].id.clone());
    let account = match obj.get("account").and_then(Value::as_str) {
        Some(a) if accounts.iter().any(|x| x.id == a) => Some(a.to_string()),
        Some(a) => return Err(format!("{file}: account {a} is not among the imported accounts")),
        None => only,
    };
    let need_account = || {
        account.clone().ok_or_else(|| {
            format!("{file}: say which imported account this inventory is of (\"account\": \"123456789012\")")
        })
    };
    let partition = accounts.iter().find(|a| Some(&a.id) == account.as_ref()).map_or("aws", |a| a.partition.as_str());
    let mut push = |acct: String, t, name: String, tags| inv.items.push((acct, t, name, tags));
    let strs = |key: &str| -> Vec<&Value> {
        obj.get(key).and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
    };
    let mut found = false;
    // riskpath's format.
    for (key, t) in [
        ("buckets", StoreType::Bucket),
        ("kms_keys", StoreType::Key),
        ("secrets", StoreType::Secret),
        ("tables", StoreType::Table),
        ("parameters", StoreType::Parameter),
    ] {
        for item in strs(key) {
            found = true;
            let (name, tags) = match item {
                Value::String(s) => (s.clone(), BTreeMap::new()),
                Value::Object(o) => (
                    o.get("name")
                        .or_else(|| o.get("arn"))
                        .and_then(Value::as_str)
                        .ok_or_else(|| format!("{file}: an item of `{key}` has no `name` or `arn`"))?
                        .to_string(),
                    o.get("tags")
                        .and_then(Value::as_object)
                        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect())
                        .unwrap_or_default(),
                ),
                _ => return Err(format!("{file}: `{key}` lists a {}", super::policy::describe(item))),
            };
            let acct = arn_account(&name).map(str::to_string).map_or_else(need_account, Ok)?;
            push(acct, t, name, tags);
        }
    }
    // AWS CLI outputs.
    for b in strs("Buckets") {
        found = true;
        let name = b.get("Name").and_then(Value::as_str).ok_or_else(|| format!("{file}: a bucket without `Name`"))?;
        push(need_account()?, StoreType::Bucket, name.to_string(), BTreeMap::new());
    }
    for (key, field, t) in [("Keys", "KeyArn", StoreType::Key), ("SecretList", "ARN", StoreType::Secret)] {
        for item in strs(key) {
            found = true;
            let arn = item
                .get(field)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{file}: an item of `{key}` without `{field}`"))?;
            let tags = aws_tags(item);
            push(arn_account(arn).unwrap_or_default().to_string(), t, arn.to_string(), tags);
        }
    }
    for name in strs("TableNames").into_iter().filter_map(Value::as_str) {
        found = true;
        let a = need_account()?;
        push(a.clone(), StoreType::Table, format!("arn:{partition}:dynamodb:*:{a}:table/{name}"), BTreeMap::new());
    }
    for item in strs("Parameters") {
        found = true;
        let name =
            item.get("Name").and_then(Value::as_str).ok_or_else(|| format!("{file}: a parameter without `Name`"))?;
        let a = need_account()?;
        let name = name.trim_start_matches('/');
        push(a.clone(), StoreType::Parameter, format!("arn:{partition}:ssm:*:{a}:parameter/{name}"), BTreeMap::new());
    }
    if !found {
        return Err(format!(
            "{file}: no stores found: expected riskpath's inventory keys (buckets, kms_keys, secrets, tables, parameters) or an AWS CLI list output"
        ));
    }
    Ok(())
}

fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty() && arn.starts_with("arn:"))
}

fn aws_tags(item: &Value) -> BTreeMap<String, String> {
    let tags = item.get("Tags").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    tags.iter()
        .filter_map(|t| Some((t.get("Key")?.as_str()?.to_string(), t.get("Value")?.as_str()?.to_string())))
        .collect()
}
