//! Grype's JSON report (`grype … -o json`): the scanned source's names and every `matches[]`
//! finding, with Grype's own `knownExploited` and `epss` where its database has them.

use std::path::Path;

use riskpath_model::vuln::{FixState, SeverityBand, Vector, is_cve_id};

use super::input::{InputError, locate};
use super::{Artifact, ArtifactKind, Finding, check_id};

#[derive(serde::Deserialize)]
struct Document {
    matches: Option<Vec<Match>>,
    source: Option<Source>,
    descriptor: Option<Descriptor>,
}

#[derive(serde::Deserialize)]
struct Descriptor {
    name: String,
}

#[derive(serde::Deserialize)]
struct Source {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    target: serde_json::Value,
}

#[derive(serde::Deserialize)]
struct Match {
    vulnerability: Vuln,
    #[serde(default, rename = "relatedVulnerabilities")]
    related: Vec<Vuln>,
    #[serde(default, rename = "matchDetails")]
    details: Vec<Detail>,
    artifact: Package,
}

#[derive(serde::Deserialize)]
struct Vuln {
    id: String,
    severity: Option<String>,
    #[serde(default)]
    cvss: Vec<Cvss>,
    #[serde(default, rename = "knownExploited")]
    known_exploited: Option<Vec<Known>>,
    #[serde(default)]
    epss: Option<Vec<Epss>>,
    fix: Option<Fix>,
}

#[derive(serde::Deserialize)]
struct Cvss {
    #[serde(default)]
    version: String,
    #[serde(default)]
    vector: String,
    metrics: Metrics,
}

#[derive(serde::Deserialize)]
struct Metrics {
    #[serde(rename = "baseScore")]
    base_score: f64,
}

#[derive(serde::Deserialize)]
struct Known {
    #[serde(default, rename = "knownRansomwareCampaignUse")]
    ransomware: String,
}

#[derive(serde::Deserialize)]
struct Epss {
    epss: f64,
}

#[derive(serde::Deserialize)]
struct Fix {
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    state: String,
}

#[derive(serde::Deserialize)]
struct Detail {
    fix: Option<Suggested>,
}

#[derive(serde::Deserialize)]
struct Suggested {
    #[serde(rename = "suggestedVersion")]
    suggested: String,
}

#[derive(serde::Deserialize)]
struct Package {
    name: String,
    #[serde(default)]
    version: String,
}

/// Reads one Grype JSON report.
pub fn parse(path: &Path, text: &str) -> Result<Artifact, InputError> {
    let doc: Document = serde_json::from_str(text).map_err(|e| InputError::json(path, &e, "Grype JSON report"))?;
    match &doc.descriptor {
        Some(d) if d.name == "grype" => {}
        Some(d) => {
            let (line, col) = locate(text, &d.name, 0).unwrap_or((1, 1));
            return Err(InputError::at(path, line, col, format!("written by `{}`, not Grype", d.name)));
        }
        None => {
            return Err(InputError::new(path, "not a Grype JSON report: no `descriptor` (write it with `-o json`)"));
        }
    }
    let matches = doc.matches.ok_or_else(|| InputError::new(path, "not a Grype JSON report: no `matches`"))?;
    let (names, kind) = source_names(doc.source.as_ref());
    if names.is_empty() {
        return Err(InputError::new(path, "the report names no scanned source (`source.target`)"));
    }
    let mut findings = Vec::with_capacity(matches.len());
    for m in matches {
        check_id(path, text, &m.vulnerability.id)?;
        for r in &m.related {
            check_id(path, text, &r.id)?;
        }
        findings.push(finding(m));
    }
    Ok(Artifact { names, kind, findings, file: path.to_path_buf() })
}

/// The source's names (user input, tags and digests of an image; the path of a directory or
/// file) and what kind of artifact it is.
fn source_names(source: Option<&Source>) -> (Vec<String>, ArtifactKind) {
    let Some(source) = source else { return (Vec::new(), ArtifactKind::Other) };
    let text = |v: &serde_json::Value| v.as_str().filter(|s| !s.trim().is_empty()).map(str::to_string);
    let list = |key: &str| -> Vec<String> {
        source
            .target
            .get(key)
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(text).collect())
            .unwrap_or_default()
    };
    match source.kind.as_str() {
        "image" => {
            let mut names: Vec<String> = source.target.get("userInput").and_then(text).into_iter().collect();
            names.extend(list("tags"));
            names.extend(list("repoDigests"));
            (names, ArtifactKind::Image)
        }
        "directory" | "file" => (text(&source.target).into_iter().collect(), ArtifactKind::Host),
        _ => (text(&source.target).into_iter().collect(), ArtifactKind::Other),
    }
}

fn finding(m: Match) -> Finding {
    let v = &m.vulnerability;
    // A GHSA (or other) id with a related CVE is recorded under the CVE, so KEV and EPSS apply and
    // the same bug found by two scanners is one vulnerability.
    let aliases: Vec<String> =
        m.related.iter().map(|r| r.id.clone()).filter(|id| is_cve_id(id) && *id != v.id).collect();
    let sources: Vec<&Vuln> =
        std::iter::once(v).chain(m.related.iter().filter(|r| r.id == v.id || aliases.contains(&r.id))).collect();
    let (cvss, vector) = sources.iter().find_map(|s| best_cvss(&s.cvss)).map_or((None, None), |(s, v)| (Some(s), v));
    let known: Vec<&Known> = sources.iter().filter_map(|s| s.known_exploited.as_ref()).flatten().collect();
    let kev = sources.iter().any(|s| s.known_exploited.is_some()).then_some(!known.is_empty());
    let epss = sources
        .iter()
        .filter_map(|s| s.epss.as_ref())
        .flatten()
        .map(|e| e.epss)
        .fold(None, |a: Option<f64>, e| Some(a.map_or(e, |a| a.max(e))));
    let suggested =
        m.details.iter().find_map(|d| d.fix.as_ref()).map(|f| f.suggested.clone()).filter(|s| !s.is_empty());
    let fix_info = v.fix.as_ref();
    let fix = suggested.or_else(|| fix_info.and_then(|f| f.versions.first().cloned())).filter(|f| !f.is_empty());
    let fix_state = match (&fix, fix_info.map(|f| f.state.as_str())) {
        (Some(_), _) => FixState::Fixed,
        (None, Some("wont-fix")) => FixState::WontFix,
        _ => FixState::NotFixed,
    };
    Finding {
        id: v.id.clone(),
        aliases,
        package: m.artifact.name,
        installed: m.artifact.version,
        fix,
        fix_state,
        cvss,
        vector,
        severity: v.severity.as_deref().and_then(SeverityBand::parse),
        kev,
        ransomware: known.iter().any(|k| k.ransomware == "Known"),
        epss,
    }
}

/// The score and vector to use: CVSS v3 first, then v4.0, then v2, in the order listed.
fn best_cvss(list: &[Cvss]) -> Option<(f64, Option<Vector>)> {
    let rank = |c: &Cvss| match c.version.chars().next() {
        Some('3') => 0,
        Some('4') => 1,
        _ => 2,
    };
    let best = list.iter().enumerate().min_by_key(|(i, c)| (rank(c), *i))?.1;
    Some((best.metrics.base_score, Vector::from_cvss(&best.vector)))
}
