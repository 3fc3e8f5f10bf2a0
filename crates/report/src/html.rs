//! The report as one self-contained HTML page: minijinja templates (`templates/*.html`, so every
//! value is HTML-escaped automatically) with inline SVG charts from [`crate::charts`], inline CSS
//! that prints well, and nothing fetched from the network and no script.

use std::collections::BTreeMap;

use minijinja::{Environment, Value, context};

use crate::charts::{self, Bar, PathNode, PathStep, Tolerance, TornadoRow, palette};
use crate::view::Report;

const BASE: &str = include_str!("../templates/base.html");
const EXEC: &str = include_str!("../templates/exec.html");
const ENGINEER: &str = include_str!("../templates/engineer.html");

/// A template that failed to render (a bug in riskpath, not in the model).
#[derive(Debug)]
pub struct HtmlError(pub String);

impl std::fmt::Display for HtmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot render the HTML report: {}", self.0)
    }
}
impl std::error::Error for HtmlError {}

fn environment() -> Result<Environment<'static>, HtmlError> {
    let mut env = Environment::new();
    // Names end in `.html`: minijinja's default callback turns HTML auto-escaping on for them.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_formatter(format_value);
    // `{{ n | thousands }}`: counts written as in the text outputs (1,000 trials).
    env.add_filter("thousands", crate::style::thousands);
    for (name, source) in [("base.html", BASE), ("exec.html", EXEC), ("engineer.html", ENGINEER)] {
        env.add_template(name, source).map_err(|e| HtmlError(e.to_string()))?;
    }
    Ok(env)
}

/// How a value is written into a page: minijinja's escaping, except that model text quoting
/// something in backticks (a name like "S3 `acme-files-prod`") shows it as code, not as backticks.
fn format_value(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text)
            if text.contains('`') && !value.is_safe() && matches!(state.auto_escape(), minijinja::AutoEscape::Html) =>
        {
            out.write_str(&code_spans(text))
                .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// `text` escaped for HTML, each pair of backticks made a `<code>` span (an unpaired one stays).
fn code_spans(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    let paired = parts.len() % 2 == 1;
    let mut html = String::with_capacity(text.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        let inside = i % 2 == 1 && (paired || i + 1 < parts.len());
        match (inside, i % 2 == 1) {
            (true, _) => html.push_str(&format!("<code>{}</code>", crate::charts::esc(part))),
            (false, true) => html.push_str(&format!("`{}", crate::charts::esc(part))),
            (false, false) => html.push_str(&crate::charts::esc(part)),
        }
    }
    html
}

/// The SVG charts of a report, keyed by the name the templates use. Charts escape their own text.
fn charts(report: &Report) -> BTreeMap<&'static str, Value> {
    let cur = report.currency.as_str();
    let mut out = BTreeMap::new();
    // The executive page sets its charts side by side: narrower charts keep their text readable.
    let width = if report.audience == "exec" { 540.0 } else { 760.0 };
    let tolerance = report
        .headline
        .tolerance
        .zip(report.headline.exceedance)
        .map(|(amount, exceedance)| Tolerance { amount, exceedance });
    out.insert("lec", charts::loss_exceedance("chart-lec", &report.lec, tolerance, cur, width));
    if let Some(r) = &report.roadmap {
        let desc = format!(
            "Step chart of the ALE in effect in each quarter of the {}-year roadmap: from {} to {}.",
            r.years, r.baseline_text, r.final_text
        );
        out.insert(
            "burn_down",
            charts::money_steps("chart-burn-down", "Risk burn-down", &desc, &r.burn_points, cur, true, width),
        );
    }
    if let Some(t) = &report.trend {
        let desc = format!("The verified ALE of each recorded verify run: {} to {}.", t.first_text, t.last_text);
        out.insert("sparkline", charts::sparkline("chart-trend-spark", "Verified ALE per verify run", &t.points, cur));
        out.insert(
            "trend",
            charts::money_steps("chart-trend", "ALE trend over verify runs", &desc, &t.points, cur, false, width),
        );
    }
    let bars: Vec<Bar> = report
        .classes
        .iter()
        .map(|c| Bar {
            label: match c.kind.as_str() {
                "edge kind" => format!("kind: {}", c.key),
                _ if c.name.is_empty() => c.key.clone(),
                _ => format!("{} {}", c.key, c.name),
            },
            value: c.ale_reduction,
            value_text: format!("{} ({})", c.ale_reduction_text, c.share_text),
        })
        .collect();
    let desc = match report.classes.first() {
        Some(c) => format!(
            "ALE drop if every step of a class were neutralised, per class; the largest is {} {} with {} ({}).",
            c.kind, c.key, c.ale_reduction_text, c.share_text
        ),
        None => "No class.".into(),
    };
    out.insert(
        "classes",
        charts::hbars("chart-classes", "Endemic classes by the risk they carry", &desc, &bars, palette::WARM),
    );
    let rows: Vec<TornadoRow> = report
        .tornado
        .iter()
        .map(|t| TornadoRow { label: t.input.clone(), at_low: t.ale_at_low, at_high: t.ale_at_high })
        .collect();
    out.insert("tornado", charts::tornado("chart-tornado", &rows, report.headline.ale, cur));
    out.into_iter().map(|(k, v)| (k, Value::from_safe_string(v))).collect()
}

fn path_svgs(report: &Report) -> Vec<Value> {
    report
        .paths
        .iter()
        .map(|p| {
            let nodes: Vec<PathNode> = p.nodes.iter().map(|(id, role)| PathNode { id: id.clone(), role }).collect();
            let steps: Vec<PathStep> = p
                .steps
                .iter()
                .map(|s| PathStep {
                    technique: s.technique.clone(),
                    kind: s.kind.clone(),
                    p: s.p,
                    requires: s.requires.clone(),
                })
                .collect();
            let title = format!("Attack path {} of {} to {}", p.rank, p.actor, p.target);
            Value::from_safe_string(charts::path_diagram(&format!("svg-{}", p.anchor), &title, &nodes, &steps))
        })
        .collect()
}

/// Renders the report as a self-contained HTML page.
pub fn render(report: &Report) -> Result<String, HtmlError> {
    let env = environment()?;
    let name = if report.audience == "exec" { "exec.html" } else { "engineer.html" };
    let template = env.get_template(name).map_err(|e| HtmlError(e.to_string()))?;
    template
        .render(context! { r => Value::from(minijinja::value::Serde(report)), charts => charts(report), path_svgs => path_svgs(report) })
        .map(|s| s + "\n")
        .map_err(|e| HtmlError(format!("{e:#}")))
}

#[cfg(test)]
mod tests {
    use super::code_spans;

    #[test]
    fn backtick_spans_become_code_and_stay_escaped() {
        assert_eq!(code_spans("S3 `acme-files` bucket"), "S3 <code>acme-files</code> bucket");
        assert_eq!(code_spans("`a<b>` & `c`"), "<code>a&lt;b&gt;</code> &amp; <code>c</code>");
        // An unpaired backtick is text.
        assert_eq!(code_spans("a `b` c `d"), "a <code>b</code> c `d");
        assert_eq!(code_spans("one ` tick"), "one ` tick");
        assert_eq!(code_spans("<script>`x`"), "&lt;script&gt;<code>x</code>");
    }
}
