//! Vulnerabilities in text: an edge's findings with how each probability was derived (for
//! `explain edge`), and the CVEs that carry the most money.

use std::fmt::Write;

use riskpath_engine::explain::VulnerabilityTerm;
use riskpath_model::vuln::Basis;

use crate::style::Style;

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
