//! Vulnerabilities in text: an edge's findings with how each probability was derived (for
//! `explain edge`), and the CVEs that carry the most money.

use std::fmt::Write;

use riskpath_decide::patch::VulnRanking;
use riskpath_engine::explain::VulnerabilityTerm;
use riskpath_model::vuln::Basis;

use crate::style::{Style, money, percent};

/// One line per vulnerability under an edge's base: id, package, evidence and the derivation.
pub fn explanation_lines(terms: &[VulnerabilityTerm], style: &Style) -> String {
    let mut out = String::new();
    for t in terms {
        let _ = writeln!(out, "  {:<20} {:>7.4}  {}", t.id, t.derivation.p, derivation(t));
        let what = [t.package.as_deref(), t.installed.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let fix = match (&t.fix, t.fix_state.name()) {
            (Some(f), _) => format!("fixed in {f}"),
            (None, state) => state.to_string(),
        };
        let artifact = t.artifact.as_deref().map(|a| format!(" · {a}")).unwrap_or_default();
        let _ = writeln!(out, "  {}", style.dim(&format!("{:<20} {what} · {fix}{artifact}", "")));
    }
    if !terms.is_empty() {
        let _ = writeln!(
            out,
            "  {}",
            style.dim(
                "base = 1 − Π (1 − p_i) over distinct ids (one id in several packages counts once, at its largest p)"
            )
        );
    }
    out
}

/// How one vulnerability's p was derived, as arithmetic: `KEV: 0.9 × 1 × network 1`.
pub fn derivation(t: &VulnerabilityTerm) -> String {
    let d = &t.derivation;
    let vector = t.vector.map_or("vector unknown".to_string(), |v| format!("{} {}", v.name(), d.vector));
    let window = |p30: String| {
        if d.window_days == riskpath_model::vuln::EPSS_DAYS {
            p30
        } else {
            format!("[1 − (1 − {p30})^({}/30) = {:.4}]", d.window_days, d.exploitation_window)
        }
    };
    let ransomware = if t.ransomware { ", ransomware use known" } else { "" };
    match d.basis {
        Basis::Given => "given".to_string(),
        Basis::Kev => {
            format!("KEV{ransomware}: reliability {} × {}", d.reliability, window("1".into()) + " × " + &vector)
        }
        Basis::Epss => format!(
            "EPSS {}: reliability {} × {} × {vector}",
            fmt(d.exploitation_30d),
            d.reliability,
            window(fmt(d.exploitation_30d))
        ),
        Basis::Cvss => format!(
            "CVSS {}: reliability {} × prior {} × {vector} × fix {} ({})",
            d.score.map_or("?".into(), |s| format!("{s:.1}")),
            d.reliability,
            window(fmt(d.exploitation_30d)),
            d.fix,
            t.fix_state.name()
        ),
    }
}

fn fmt(x: f64) -> String {
    let s = format!("{x:.5}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The CVEs that carry the money, as a report shows them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VulnView {
    /// "These 5 CVEs carry 83% of the risk the scanned vulnerabilities add (…)".
    pub sentence: String,
    pub rows: Vec<VulnRow>,
    pub upgrades: Vec<UpgradeRow>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct VulnRow {
    pub id: String,
    pub kev: bool,
    pub ransomware: bool,
    pub nodes: String,
    pub fixes: String,
    pub ale_text: String,
    pub share_text: String,
    /// Patched together with every CVE above it (for the carrying set), else empty.
    pub with_above_text: String,
    /// Among the few that carry the headline share.
    pub carries: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct UpgradeRow {
    pub action: String,
    pub cves: String,
    pub ale_text: String,
}

/// The report's view of a ranking: the sentence, the top `rows` CVEs and `upgrades` fixes.
pub fn view(r: &VulnRanking, currency: &str, rows: usize, upgrades: usize) -> VulnView {
    let carried: Vec<&str> = r.cves.iter().take(r.carry_count).map(|c| c.id.as_str()).collect();
    let of_ale = if r.baseline_ale > 0.0 { r.all_ale_reduction / r.baseline_ale } else { 0.0 };
    let sentence = format!(
        "{} {} carry {} of the risk the scanned vulnerabilities add: {}. Patching {} removes {} a year of the {} \
         that all {} add ({} of the {} ALE).",
        if carried.len() == 1 { "This" } else { "These" },
        crate::style::count(carried.len(), "CVE"),
        percent(r.carry_share),
        carried.join(", "),
        if carried.len() == 1 { "it" } else { "them together" },
        money(r.carry_share * r.all_ale_reduction, currency),
        money(r.all_ale_reduction, currency),
        crate::style::count(r.cves.len(), "scanned vulnerability"),
        percent(of_ale),
        money(r.baseline_ale, currency),
    );
    let rows = r
        .cves
        .iter()
        .take(rows.max(r.carry_count))
        .enumerate()
        .map(|(i, c)| VulnRow {
            id: c.id.clone(),
            kev: c.kev,
            ransomware: c.ransomware,
            nodes: c.nodes.join(", "),
            fixes: c.fixes.join(", "),
            ale_text: money(c.ale_reduction, currency),
            share_text: percent(c.share),
            with_above_text: c.share_with_above.map(percent).unwrap_or_default(),
            carries: i < r.carry_count,
        })
        .collect();
    let upgrades = r
        .upgrades
        .iter()
        .take(upgrades)
        .map(|u| UpgradeRow {
            action: u.action.clone(),
            cves: u.cves.join(", "),
            ale_text: money(u.ale_reduction, currency),
        })
        .collect();
    VulnView { sentence, rows, upgrades }
}

/// The ranking in text (for `chokepoints` and `gaps`): the sentence, the CVEs and the upgrades.
pub fn section(r: &VulnRanking, currency: &str, top: usize, style: &Style) -> String {
    let v = view(r, currency, top, top);
    let mut out = String::new();
    let _ = writeln!(out, "\n{}", style.bold("Vulnerabilities that carry the risk (ALE removed by patching each)"));
    let _ = writeln!(out, "  {}", v.sentence);
    let _ = writeln!(out, "  {:<16} {:<5} {:>9} {:>6} {:>6}  on · fix", "CVE", "KEV", "ΔALE", "share", "+above");
    for row in &v.rows {
        let kev = if row.ransomware {
            "KEV+R"
        } else if row.kev {
            "KEV"
        } else {
            ""
        };
        let line = format!(
            "  {:<16} {:<5} {:>9} {:>6} {:>6}  {} · {}",
            row.id, kev, row.ale_text, row.share_text, row.with_above_text, row.nodes, row.fixes
        );
        let _ = writeln!(out, "{}", if row.carries { style.bold(&line) } else { line });
    }
    if !v.upgrades.is_empty() {
        let _ = writeln!(out, "  {}", style.bold("Fixes by node"));
        for u in &v.upgrades {
            let _ = writeln!(out, "  {:>10}  {}  ({})", u.ale_text, u.action, u.cves);
        }
    }
    out
}
