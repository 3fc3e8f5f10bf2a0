//! Trivy's JSON report (`trivy image|fs|repo|rootfs|vm --format json`, `SchemaVersion: 2`): the
//! artifact, its names, and every `Results[].Vulnerabilities[]` finding as a [`Finding`].

use std::collections::BTreeMap;
use std::path::Path;

use riskpath_model::vuln::{FixState, SeverityBand, Vector};

use super::input::{InputError, locate};
use super::{Artifact, ArtifactKind, Finding, check_id};

/// The report schema this importer reads (Trivy ≥ 0.20 writes 2).
pub const SCHEMA_VERSION: u64 = 2;

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Report {
    schema_version: Option<u64>,
    artifact_name: Option<String>,
    artifact_type: Option<String>,
    metadata: Option<Metadata>,
    results: Option<Vec<TrivyResult>>,
    /// Only in `trivy k8s` reports.
    cluster_name: Option<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Metadata {
    repo_tags: Option<Vec<String>>,
    repo_digests: Option<Vec<String>>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TrivyResult {
    vulnerabilities: Option<Vec<Vuln>>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Vuln {
    #[serde(rename = "VulnerabilityID")]
    vulnerability_id: String,
    pkg_name: String,
    #[serde(default)]
    installed_version: String,
    fixed_version: Option<String>,
    status: Option<String>,
    severity: Option<String>,
    severity_source: Option<String>,
    #[serde(rename = "CVSS")]
    cvss: Option<BTreeMap<String, Cvss>>,
}

#[derive(serde::Deserialize)]
struct Cvss {
    #[serde(rename = "V2Vector")]
    v2_vector: Option<String>,
    #[serde(rename = "V3Vector")]
    v3_vector: Option<String>,
    #[serde(rename = "V40Vector")]
    v40_vector: Option<String>,
    #[serde(rename = "V2Score")]
    v2_score: Option<f64>,
    #[serde(rename = "V3Score")]
    v3_score: Option<f64>,
    #[serde(rename = "V40Score")]
    v40_score: Option<f64>,
}

/// Reads one Trivy JSON report.
pub fn parse(path: &Path, text: &str) -> Result<Artifact, InputError> {
    let report: Report = serde_json::from_str(text).map_err(|e| InputError::json(path, &e, "Trivy JSON report"))?;
    if report.cluster_name.is_some() {
        return Err(InputError::new(
            path,
            "a `trivy k8s` report; scan the cluster's images with `trivy image --format json` and import those",
        ));
    }
    match report.schema_version {
        Some(SCHEMA_VERSION) => {}
        Some(v) => {
            let (line, col) = locate_key(text, "SchemaVersion");
            return Err(InputError::at(
                path,
                line,
                col,
                format!("unsupported Trivy SchemaVersion {v} (riskpath reads {SCHEMA_VERSION})"),
            ));
        }
        None => {
            return Err(InputError::new(
                path,
                "not a Trivy JSON report: no `SchemaVersion` (write it with `--format json`)",
            ));
        }
    }
    let name = report
        .artifact_name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| InputError::new(path, "the report has no `ArtifactName`"))?;
    let metadata = report.metadata.unwrap_or_default();
    let mut names = vec![name];
    names.extend(metadata.repo_tags.unwrap_or_default());
    names.extend(metadata.repo_digests.unwrap_or_default());
    names.dedup();
    let kind = match report.artifact_type.as_deref() {
        Some("container_image") => ArtifactKind::Image,
        Some("repository") => ArtifactKind::Repository,
        Some("vm") | Some("filesystem") | Some("rootfs") => ArtifactKind::Host,
        _ => ArtifactKind::Other,
    };
    let mut findings = Vec::new();
    for v in report.results.unwrap_or_default().into_iter().flat_map(|r| r.vulnerabilities.unwrap_or_default()) {
        check_id(path, text, &v.vulnerability_id)?;
        if v.status.as_deref() == Some("not_affected") {
            continue;
        }
        findings.push(finding(v));
    }
    Ok(Artifact { names, kind, findings, file: path.to_path_buf() })
}

fn finding(v: Vuln) -> Finding {
    let fix = v.fixed_version.filter(|f| !f.trim().is_empty());
    let fix_state = match (&fix, v.status.as_deref()) {
        (Some(_), _) => FixState::Fixed,
        (None, Some("will_not_fix")) => FixState::WontFix,
        _ => FixState::NotFixed,
    };
    let (cvss, vector) = best_cvss(v.cvss.as_ref(), v.severity_source.as_deref());
    Finding {
        id: v.vulnerability_id,
        aliases: Vec::new(),
        package: v.pkg_name,
        installed: v.installed_version,
        fix,
        fix_state,
        cvss,
        vector,
        severity: v.severity.as_deref().and_then(SeverityBand::parse),
        kev: None,
        ransomware: false,
        epss: None,
    }
}

/// The CVSS score and vector to use: the severity source's entry, else NVD's, else GHSA's, else
/// the first by source name; within it v3, else v4.0, else v2.
fn best_cvss(map: Option<&BTreeMap<String, Cvss>>, source: Option<&str>) -> (Option<f64>, Option<Vector>) {
    let Some(map) = map else { return (None, None) };
    let preferred = [source, Some("nvd"), Some("ghsa")].into_iter().flatten().filter_map(|s| map.get(s));
    for c in preferred.chain(map.values()) {
        let versions = [(c.v3_score, &c.v3_vector), (c.v40_score, &c.v40_vector), (c.v2_score, &c.v2_vector)];
        if let Some((score, vector)) = versions.into_iter().find_map(|(s, v)| Some((s?, v))) {
            return (Some(score), vector.as_deref().and_then(Vector::from_cvss));
        }
    }
    (None, None)
}

/// Where `"key"` first appears.
fn locate_key(text: &str, key: &str) -> (usize, usize) {
    locate(text, key, 0).unwrap_or((1, 1))
}
