//! The privilege-escalation rule pack: declarative rules (embedded `rules.yaml`, extended or
//! overridden with `--rules FILE`), read and checked against the knowledge base before use.

use std::collections::BTreeMap;
use std::path::Path;

use riskpath_model::yaml::{self, Node, ParseLimits, Value as YValue};
use riskpath_model::{Sources, kb};
use serde::Deserialize;

/// The embedded rules.
pub const BUILTIN: &str = include_str!("rules.yaml");

/// What a rule ranges over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    #[serde(rename = "self")]
    Myself,
    User,
    Group,
    Role,
    Policy,
    ServiceRole,
    InstanceRole,
}

/// What the attacker gains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Yields {
    /// The attacker becomes the target (holds its credentials or session).
    Target,
    /// The target gets administrator rights.
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    OtherVersionAdmin,
    SelfIsUser,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Need {
    pub action: String,
    pub resource: String,
}

/// One rule. A user's rule with the id of an embedded one replaces it; `enabled: false` drops it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub kind: String,
    #[serde(default)]
    pub technique: Option<String>,
    /// A probability for the edge instead of the kind's base per skill.
    #[serde(default)]
    pub p: Option<f64>,
    pub target: TargetKind,
    #[serde(default)]
    pub service: Option<String>,
    pub yields: Yields,
    #[serde(default)]
    pub when: Option<When>,
    pub needs: Vec<Need>,
    #[serde(default)]
    pub context: BTreeMap<String, String>,
    #[serde(default)]
    pub refs: Vec<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// The embedded rules, then each file's in order (same id: replaced), without disabled ones.
pub fn load(files: &[&Path]) -> Result<Vec<Rule>, String> {
    let mut rules = read_text(BUILTIN, Path::new("rules.yaml (embedded)"))?;
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        for rule in read_text(&text, file)? {
            match rules.iter_mut().find(|r| r.id == rule.id) {
                Some(old) => *old = rule,
                None => rules.push(rule),
            }
        }
    }
    rules.retain(|r| r.enabled);
    Ok(rules)
}

/// Reads and checks one rules file: `rules:` and a list of rules; every problem names the file,
/// line, column and rule.
pub fn read_text(text: &str, path: &Path) -> Result<Vec<Rule>, String> {
    let mut sources = Sources::default();
    let file = sources.add(path.to_path_buf(), text.into());
    let limits = ParseLimits { max_file_bytes: 16 << 20, ..ParseLimits::default() };
    let root = yaml::parse(text, file, &limits).map_err(|p| match p.loc {
        Some(loc) => format!("{}: {}", sources.position(loc), p.message),
        None => format!("{}: {}", path.display(), p.message),
    })?;
    let items = match &root.value {
        YValue::Map(entries) if entries.len() == 1 && matches!(&entries[0].0.value, YValue::Str(k) if k == "rules") => {
            match &entries[0].1.value {
                YValue::Seq(items) => items,
                _ => return Err(format!("{}: `rules` must be a list", sources.position(entries[0].1.loc))),
            }
        }
        _ => {
            return Err(format!(
                "{}: a rules file has one key, `rules`, with a list of rules",
                sources.position(root.loc)
            ));
        }
    };
    let mut out: Vec<Rule> = Vec::new();
    let mut problems = Vec::new();
    for item in items {
        let at = sources.position(item.loc);
        match serde_json::from_value::<Rule>(super::overlay::to_json(item)).map_err(|e| e.to_string()).and_then(check) {
            Ok(rule) if out.iter().any(|r| r.id == rule.id) => {
                problems.push(format!("{at}: rule `{}` is defined twice", rule.id))
            }
            Ok(rule) => out.push(rule),
            Err(why) => {
                let id = id_of(item).map(|i| format!("rule `{i}`: ")).unwrap_or_default();
                problems.push(format!("{at}: {id}{why}"));
            }
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems.join("\n")) }
}

fn id_of(item: &Node) -> Option<String> {
    let YValue::Map(entries) = &item.value else { return None };
    entries.iter().find_map(|(k, v)| match (&k.value, &v.value) {
        (YValue::Str(k), YValue::Str(v)) if k == "id" => Some(v.clone()),
        _ => None,
    })
}

/// A rule's references to the knowledge base and its own consistency.
fn check(rule: Rule) -> Result<Rule, String> {
    if kb::edge_kind(&rule.kind).is_none() {
        let help = riskpath_model::did_you_mean(&rule.kind, kb::EDGE_KINDS.iter().map(|k| k.name)).unwrap_or_default();
        return Err(format!("unknown edge kind `{}` {help}", rule.kind));
    }
    if let Some(t) = &rule.technique
        && kb::technique(t).is_none()
    {
        return Err(format!("unknown ATT&CK technique `{t}` (riskpath kb lists the known ones)"));
    }
    if rule.p.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
        return Err("`p` must be within [0, 1]".into());
    }
    if rule.needs.is_empty() {
        return Err("a rule needs at least one permission".into());
    }
    for need in &rule.needs {
        if !need.action.contains(':') {
            return Err(format!("action `{}` has no service prefix", need.action));
        }
    }
    if (rule.target == TargetKind::ServiceRole) != rule.service.is_some() {
        return Err("`service` is given with, and only with, target service_role".into());
    }
    if rule.yields == Yields::Admin
        && !matches!(
            rule.target,
            TargetKind::User | TargetKind::Group | TargetKind::Role | TargetKind::Policy | TargetKind::Myself
        )
    {
        return Err("yields admin needs a user, group, role, policy or self target".into());
    }
    Ok(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_pack_reads_and_covers_the_checklists() {
        let rules = load(&[]).unwrap();
        assert!(rules.len() >= 45, "{} rules", rules.len());
        let refs: Vec<&str> = rules.iter().flat_map(|r| r.refs.iter().map(String::as_str)).collect();
        // Every pathfinding.cloud path of the IAM, PassRole and existing-workload families named here.
        for pf in [
            "iam-001",
            "iam-002",
            "iam-004",
            "iam-005",
            "iam-006",
            "iam-007",
            "iam-008",
            "iam-009",
            "iam-010",
            "iam-011",
            "iam-012",
            "iam-013",
            "ec2-001",
            "lambda-001",
            "lambda-002",
            "lambda-003",
            "glue-001",
            "glue-002",
            "cloudformation-001",
            "datapipeline-001",
            "codebuild-001",
            "sagemaker-001",
            "sagemaker-004",
            "ecs-006",
        ] {
            assert!(refs.contains(&format!("pf:{pf}").as_str()), "pf:{pf}");
        }
    }

    #[test]
    fn user_rules_replace_disable_and_report_with_positions() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mine.yaml");
        std::fs::write(&file, "rules:\n  - {id: create-access-key, enabled: false, kind: aws_creates_access_key, target: user, yields: target, needs: [{action: 'iam:CreateAccessKey', resource: '{target}'}]}\n  - {id: mine, kind: aws_admin, target: self, yields: admin, needs: [{action: 'iam:Everything', resource: '*'}]}\n").unwrap();
        let rules = load(&[file.as_path()]).unwrap();
        assert!(!rules.iter().any(|r| r.id == "create-access-key"));
        assert!(rules.iter().any(|r| r.id == "mine"));
        let bad = "rules:\n  - {id: x, kind: aws_creates_acess_key, target: user, yields: target, needs: [{action: 'iam:A', resource: '*'}]}\n  - {id: second, kind: aws_admin, target: nobody, yields: admin, needs: []}\n";
        let err = read_text(bad, Path::new("bad.yaml")).unwrap_err();
        assert!(err.contains("bad.yaml:2:5: rule `x`: unknown edge kind `aws_creates_acess_key`"), "{err}");
        assert!(err.contains("did you mean `aws_creates_access_key`"), "{err}");
        assert!(err.contains("bad.yaml:3:5: rule `second`: unknown variant `nobody`"), "{err}");
        assert!(
            read_text("rules: 3\n", Path::new("r.yaml")).unwrap_err().contains("r.yaml:1:8: `rules` must be a list")
        );
    }
}
