//! `kb group`: which of a model's edges an ATT&CK group is known to walk (its technique, a parent
//! or sub-technique of it), and the model's techniques it is not known to use.

use std::path::PathBuf;

use riskpath_model::kb;
use riskpath_report::kb::{GroupDoc, GroupEdge, GroupInfo, Lack};
use riskpath_report::style::Style;

use crate::docs::SCHEMA_VERSION;
use crate::gaps::catalog_for;
use crate::outcome::{Outcome, on_model};
use crate::{AppError, Format, ModelSource};

/// The group and model to compare (the flags of `riskpath kb group`).
#[derive(Debug, Clone)]
pub struct GroupConfig {
    pub model: ModelSource,
    /// The group: ATT&CK id (G0016), name or alias (APT29).
    pub group: String,
    /// An ATT&CK bundle or cache to use instead of the model's `settings.attack`.
    pub attack: Option<PathBuf>,
    pub format: Format,
    pub style: Style,
}

/// How a group that uses `used` relates to an edge's technique, if it is known to walk it.
pub fn reason(used: &[String], technique: &str) -> Option<String> {
    if used.iter().any(|u| u == technique) {
        return Some(format!("uses {technique}"));
    }
    let parent = kb::parent_technique(technique);
    if parent != technique && used.iter().any(|u| u == parent) {
        return Some(format!("uses its parent {parent}"));
    }
    let subs: Vec<&str> =
        used.iter().filter(|u| u.contains('.') && kb::parent_technique(u) == technique).map(String::as_str).collect();
    (!subs.is_empty()).then(|| format!("uses {}", subs.join(", ")))
}

/// The group's reach in the model of `config`.
pub fn group(config: &GroupConfig) -> Result<Outcome<GroupDoc>, AppError> {
    on_model(&config.model, None, |loaded| {
        let model = &loaded.model;
        let Some(catalog) = catalog_for(loaded, config.attack.as_deref())? else {
            return Err(AppError::usage(
                "ATT&CK groups need the ATT&CK bundle: set `settings.attack` in the model or pass --attack BUNDLE",
            ));
        };
        let Some(group) = catalog.group(&config.group) else {
            let names = catalog.groups.iter().flat_map(|g| [g.id.as_str(), g.name.as_str()]);
            let help = riskpath_model::did_you_mean(&config.group, names).map_or(String::new(), |h| format!("; {h}"));
            return Err(AppError::usage(format!("unknown ATT&CK group `{}`{help}", config.group)));
        };
        let used = catalog.group_techniques(group);
        let name_of = |t: &str| catalog.technique_name(t).or_else(|| kb::technique(t).map(|x| x.name.to_string()));
        let edges: Vec<GroupEdge> = model
            .edges
            .iter()
            .map(|e| {
                let technique = e.technique_id().unwrap_or_default().to_string();
                let reason = reason(&used, &technique);
                GroupEdge {
                    edge: e.label(),
                    kind: e.kind.value.to_string(),
                    name: name_of(&technique),
                    allowed: reason.is_some(),
                    reason,
                    technique,
                }
            })
            .collect();
        let mut lacks: Vec<Lack> = Vec::new();
        for e in edges.iter().filter(|e| !e.allowed) {
            match lacks.iter_mut().find(|l| l.technique == e.technique) {
                Some(lack) => lack.edges += 1,
                None => lacks.push(Lack { technique: e.technique.clone(), name: name_of(&e.technique), edges: 1 }),
            }
        }
        lacks.sort_by(|a, b| b.edges.cmp(&a.edges).then(a.technique.cmp(&b.technique)));
        let actors = model
            .actors
            .iter()
            .filter(|a| a.attack_group.as_ref().and_then(|g| catalog.group(&g.value)).is_some_and(|g| g.id == group.id))
            .map(|a| a.id.clone())
            .collect();
        let doc = GroupDoc {
            schema_version: SCHEMA_VERSION,
            group: GroupInfo {
                id: group.id.clone(),
                name: group.name.clone(),
                aliases: group.aliases.clone(),
                status: group.status.clone(),
                techniques: used,
            },
            actors,
            walkable: edges.iter().filter(|e| e.allowed).count(),
            edges,
            lacks,
        };
        let text = (config.format == Format::Text).then(|| riskpath_report::kb::group_text(&doc, &config.style));
        Ok(Outcome::new(doc, text))
    })
}
