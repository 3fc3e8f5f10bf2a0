//! Renderers of a `verify` document: terminal text (100 columns, colour only on a terminal),
//! JUnit XML (one testcase per control) and SARIF 2.1.0 (failing controls at their place in the model).

use std::fmt::Write;
use std::path::Path;

use riskpath_model::escape::xml;

use crate::style::{Style, WIDTH, count, money};
use riskpath_assure::State;
use riskpath_assure::doc::{ControlDoc, Location, VerifyDoc};

fn per_year(amount: f64, currency: &str) -> String {
    format!("+{}/yr", money(amount, currency))
}

fn mark(state: State, style: &Style) -> String {
    match state {
        State::Pass => style.green("✓"),
        State::Fail | State::Error => style.red("✗"),
        State::Stale => style.yellow("!"),
        State::Unchecked | State::Planned => style.dim("·"),
    }
}

fn state_word(state: State, style: &Style) -> String {
    let word = format!("{:<9}", state.name());
    match state {
        State::Pass => style.green(&word),
        State::Fail | State::Error => style.red(&word),
        State::Stale => style.yellow(&word),
        State::Unchecked | State::Planned => style.dim(&word),
    }
}

/// Word-wraps `text` to `width` columns, every line starting with `indent` spaces and the first
/// with `bullet`.
fn wrap(text: &str, indent: usize, bullet: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = format!("{}{bullet}", " ".repeat(indent));
    let start = line.chars().count();
    let mut len = start;
    for word in text.split_whitespace() {
        let wlen = word.chars().count();
        if len > start && len + 1 + wlen > width {
            out.push_str(&line);
            out.push('\n');
            line = " ".repeat(start);
            len = start;
        }
        if len > start {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += wlen;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

pub fn text(doc: &VerifyDoc, style: &Style) -> String {
    let mut out = String::new();
    let s = &doc.summary;
    let total = s.pass + s.fail + s.stale + s.error + s.unchecked + s.planned;
    let _ = writeln!(
        out,
        "{} {}  {}",
        style.bold("riskpath verify"),
        doc.model.path,
        style.dim(&format!("model {} · {}", &doc.model.hash[..12], doc.time))
    );
    let mut parts = vec![format!("{} pass", s.pass)];
    for (n, word) in
        [(s.fail, "fail"), (s.stale, "stale"), (s.error, "error"), (s.unchecked, "unchecked"), (s.planned, "planned")]
    {
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    let _ = writeln!(out, "{total} controls: {}", parts.join(", "));

    let id_width = doc.controls.iter().map(|c| c.id.chars().count()).max().unwrap_or(0).clamp(8, 32);
    let row = |out: &mut String, c: &ControlDoc| {
        let money_col = c.ale_increase.map(|a| per_year(a, &doc.currency)).unwrap_or_default();
        let policy = c.policy.as_deref().unwrap_or("");
        let head =
            format!("  {} {:<id_width$} {} {:<14}", mark(c.state, style), c.id, state_word(c.state, style), money_col);
        let plain_len = 2 + 2 + id_width + 1 + 9 + 1 + 14;
        let room = WIDTH.saturating_sub(plain_len + 1);
        let policy = if policy.chars().count() > room { String::new() } else { policy.to_string() };
        let _ = writeln!(out, "{}", format!("{head} {}", style.dim(&policy)).trim_end());
    };

    if !doc.regressions.is_empty() {
        let since =
            doc.regressions[0].passed_in.map(|n| format!("passed in run #{n}")).unwrap_or("passed before".into());
        let _ = writeln!(
            out,
            "\n{}  {}",
            style.bold(&style.red("Regressions")),
            style.dim(&format!("{since}, not holding now"))
        );
        for r in &doc.regressions {
            let c = doc.controls.iter().find(|c| c.id == r.id).expect("regression is a control");
            row(&mut out, c);
        }
    }

    let _ = writeln!(out, "\n{}", style.bold("Controls"));
    for c in doc.controls.iter().filter(|c| !matches!(c.state, State::Unchecked | State::Planned)) {
        row(&mut out, c);
        if c.state.is_failing() {
            for m in &c.messages {
                out.push_str(&wrap(m, 6, "- ", WIDTH));
            }
        }
        for w in &c.warnings {
            out.push_str(&style.yellow(&wrap(&format!("warning: {w}"), 6, "- ", WIDTH)));
        }
    }
    // Controls without a verdict are listed by name only.
    for (state, why) in
        [(State::Unchecked, "no check, trusted as written"), (State::Planned, "not deployed, not checked")]
    {
        let ids: Vec<String> = doc.controls.iter().filter(|c| c.state == state).map(|c| c.id.clone()).collect();
        if !ids.is_empty() {
            let prefix = format!("  · {} {} ({why}): ", ids.len(), state.name());
            let line = crate::style::wrap_joined(&ids, ", ", &prefix, 6, WIDTH);
            let line = line.lines().map(str::trim_end).collect::<Vec<_>>().join("\n");
            let _ = writeln!(out, "{}", style.dim(&line));
        }
    }

    accepted_text(&mut out, doc, style);

    let r = &doc.risk;
    let failing = s.failing();
    let _ = writeln!(out, "\n{}", style.bold("Risk"));
    let _ = writeln!(
        out,
        "  ALE as designed  {:>9}  {}",
        money(r.ale_design, &doc.currency),
        style.dim(&format!("± {} · every deployed control holding", money(r.ale_design_std_error, &doc.currency)))
    );
    let verdict = if failing == 0 {
        style.green("every checked control holds")
    } else {
        style.red(&format!(
            "{} from {} that {} not hold",
            per_year(r.ale_increase, &doc.currency),
            count(failing, "control"),
            if failing == 1 { "does" } else { "do" }
        ))
    };
    let _ = writeln!(out, "  ALE as verified  {:>9}  {verdict}", money(r.ale_verified, &doc.currency));
    let _ = writeln!(
        out,
        "{}",
        style.dim(&format!(
            "  seed {} · {} · {}; increases are common-random-number differences",
            doc.seed,
            count(doc.trials as usize, "trial"),
            count(doc.years as usize, "year")
        ))
    );
    if let Some(h) = &doc.history {
        let _ =
            writeln!(out, "\n{}", style.dim(&format!("run #{} recorded in {} (hash {})", h.seq, h.db, &h.hash[..16])));
    }
    out
}

/// The accepted risks as checks: a lapsed one (expired, over its `max_ale`) fails, one too close
/// to its `max_ale` to judge is marked unclear, in words.
fn accepted_text(out: &mut String, doc: &VerifyDoc, style: &Style) {
    if doc.accepted_risks.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}", style.bold("Accepted risks"));
    for a in &doc.accepted_risks {
        let (mark, word) = if a.lapsed() {
            (style.red("✗"), style.red("lapsed   "))
        } else if a.near_max_ale {
            (style.yellow("?"), style.yellow("unclear  "))
        } else {
            (style.green("✓"), style.green("holds    "))
        };
        let line = wrap(&format!("{}: {}", a.id, a.message), 14, "", WIDTH);
        let _ = writeln!(out, "  {mark} {word} {}", line.trim_start().trim_end());
    }
}

/// JUnit XML: one testsuite, one testcase per control. Fail and stale are `<failure>`, error is
/// `<error>`, unchecked and planned are `<skipped>`.
pub fn junit(doc: &VerifyDoc, model_dir: &Path, seconds: f64) -> String {
    let s = &doc.summary;
    let tests = doc.controls.len();
    let failures = s.fail + s.stale;
    let lapsed = doc.accepted_risks.iter().filter(|a| a.lapsed()).count();
    let skipped = s.unchecked + s.planned;
    // Jenkins' junit-10.xsd: SUREFIRE_TIME is digits with at most three decimals.
    let time = format!("{seconds:.3}");
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"riskpath verify\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{time}\">",
        tests + doc.accepted_risks.len(),
        failures + lapsed,
        s.error
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"controls: {}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{skipped}\" \
         time=\"{time}\" timestamp=\"{}\" file=\"{}\">",
        xml(&doc.model.path),
        s.error,
        xml(doc.time.trim_end_matches('Z')),
        xml(&doc.model.path)
    );
    let _ = writeln!(out, "    <properties>");
    for (name, value) in [
        ("model_hash", doc.model.hash.clone()),
        ("currency", doc.currency.clone()),
        ("ale_design", format!("{}", doc.risk.ale_design)),
        ("ale_verified", format!("{}", doc.risk.ale_verified)),
        ("seed", doc.seed.to_string()),
    ] {
        let _ = writeln!(out, "      <property name=\"{name}\" value=\"{}\"/>", xml(&value));
    }
    let _ = writeln!(out, "    </properties>");
    for c in &doc.controls {
        junit_case(&mut out, doc, c, model_dir);
    }
    out.push_str("  </testsuite>\n");
    junit_accepted(&mut out, doc, model_dir, lapsed);
    out.push_str("</testsuites>\n");
    out
}

/// The accepted risks as a second testsuite: one testcase each, a `<failure>` when lapsed.
fn junit_accepted(out: &mut String, doc: &VerifyDoc, model_dir: &Path, lapsed: usize) {
    if doc.accepted_risks.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "  <testsuite name=\"accepted risks: {}\" tests=\"{}\" failures=\"{lapsed}\" errors=\"0\" skipped=\"0\" \
         time=\"0.000\" timestamp=\"{}\">",
        xml(&doc.model.path),
        doc.accepted_risks.len(),
        xml(doc.time.trim_end_matches('Z'))
    );
    for a in &doc.accepted_risks {
        let l = &a.location;
        let at = format!("{}:{}:{}", model_relative(&l.file, model_dir), l.line, l.column);
        let _ =
            write!(out, "    <testcase name=\"{}\" classname=\"riskpath.accepted_risks\" time=\"0.000\">", xml(&a.id));
        if a.lapsed() {
            let kind = if a.expired { "expired" } else { "over_max_ale" };
            let _ = write!(
                out,
                "\n      <failure type=\"{kind}\" message=\"{}\">{}</failure>",
                xml(&a.message),
                xml(&format!("{at}\n{}", a.message))
            );
        }
        let _ = writeln!(out, "\n      <system-out>{}</system-out>\n    </testcase>", xml(&at));
    }
    out.push_str("  </testsuite>\n");
}

/// One control as a `<testcase>`. The schema has no place for a location on a test case, so the
/// control's `file:line:column` (relative to the model directory) opens its failure text and
/// its `system-out`.
fn junit_case(out: &mut String, doc: &VerifyDoc, c: &ControlDoc, model_dir: &Path) {
    let at = format!("{}:{}:{}", model_relative(&c.location.file, model_dir), c.location.line, c.location.column);
    let _ = write!(out, "    <testcase name=\"{}\" classname=\"riskpath.controls\">", xml(&c.id));
    let cost = c.ale_increase.map(|a| format!(" ({})", per_year(a, &doc.currency))).unwrap_or_default();
    let first = c.messages.first().cloned().unwrap_or_default();
    let regression = if c.regression { "regression: " } else { "" };
    let body = format!("{at}\n{}", c.messages.join("\n"));
    match c.state {
        State::Pass => {}
        State::Fail | State::Stale => {
            let _ = write!(
                out,
                "\n      <failure type=\"{}\" message=\"{}\">{}</failure>",
                c.state.name(),
                xml(&format!("{regression}{first}{cost}")),
                xml(&body)
            );
        }
        State::Error => {
            let _ = write!(
                out,
                "\n      <error type=\"error\" message=\"{}\">{}</error>",
                xml(&format!("{regression}{first}{cost}")),
                xml(&body)
            );
        }
        State::Unchecked | State::Planned => {
            let why =
                if c.state == State::Planned { "planned: not deployed yet" } else { "no check: trusted as written" };
            let _ = write!(out, "\n      <skipped message=\"{why}\"/>");
        }
    }
    let _ = writeln!(out, "\n      <system-out>{}</system-out>\n    </testcase>", xml(&at));
}

/// A model file's path relative to the model directory, as a URI reference (as `export sarif`).
fn model_relative(file: &str, model_dir: &Path) -> String {
    crate::sarif::relative_uri(Path::new(file), model_dir)
}

/// The verify rules, in the style of `export sarif`'s (`RP-…`).
const RULES: [(&str, &str, &str, &str); 4] = [
    ("RP-CONTROL-FAILS", "ControlFails", "A deployed control fails its check", "error"),
    ("RP-CONTROL-STALE", "ControlStale", "A deployed control's evidence is older than its max_age", "warning"),
    ("RP-CONTROL-CHECK-ERROR", "ControlCheckError", "A deployed control's check could not run", "error"),
    (
        "RP-ACCEPTED-RISK-LAPSED",
        "AcceptedRiskLapsed",
        "An accepted risk has expired or covers more than its max_ale",
        "error",
    ),
];

/// The rule index of a lapsed accepted risk.
const LAPSED: usize = 3;

/// SARIF 2.1.0: one result per failing, stale or erroring control, located at the control in its
/// model file, relative to the model directory (`uriBaseId` MODELDIR), as `export sarif` does.
pub fn sarif(doc: &VerifyDoc, model_dir: &Path) -> crate::sarif::Log {
    use crate::sarif::{Finding, Invocation, ReportingDescriptor, driver, file_location, log};
    let rules: Vec<ReportingDescriptor> = RULES
        .iter()
        .map(|&(id, name, text, level)| {
            let full = if id == RULES[LAPSED].0 {
                format!(
                    "{text}: nobody owns the decision to carry it any more; renew it with its owner or treat the risk."
                )
            } else {
                format!("{text}; riskpath counts it as absent and prices the erosion in money.")
            };
            ReportingDescriptor::new(id, name, text, full, level)
        })
        .collect();
    let at = |loc: &Location, message: Option<String>| {
        file_location(Path::new(&loc.file), model_dir, loc.line, loc.column, message)
    };
    let finding = |rule: usize, text: String, loc: &Location, fingerprint: String, properties: serde_json::Value| {
        let (rule_id, _, _, level) = RULES[rule];
        let mut result =
            Finding::new(rule_id, level, text, vec![at(loc, None)]).fingerprint("riskpathFinding/v1", fingerprint);
        result.rule_index = Some(rule);
        result.properties = Some(properties);
        result
    };
    let results: Vec<Finding> = doc
        .controls
        .iter()
        .filter(|c| c.state.is_failing())
        .map(|c| {
            let rule = match c.state {
                State::Fail => 0,
                State::Stale => 1,
                _ => 2,
            };
            let mut properties = serde_json::json!({
                "control": c.id,
                "state": c.state,
                "regression": c.regression,
                "messages": c.messages,
            });
            if let Some(a) = c.ale_increase {
                properties["ale_increase"] = a.into();
            }
            let mut result = finding(rule, sarif_text(doc, c), &c.location, format!("control/{}", c.id), properties);
            if let Some(check) = &c.check_location {
                let related = at(check, Some("the control's check".into()));
                result.related_locations = vec![crate::sarif::Location { id: Some(1), ..related }];
            }
            result
        })
        .chain(doc.accepted_risks.iter().filter(|a| a.lapsed()).map(|a| {
            let properties = serde_json::json!({"accepted_risk": a.id, "owner": a.owner, "expires": a.expires,
                "ale": a.ale, "expired": a.expired, "over_max_ale": a.over_max_ale});
            let text = format!("Accepted risk `{}`: {}.", a.id, a.message);
            finding(LAPSED, text, &a.location, format!("accepted/{}", a.id), properties)
        }))
        .collect();
    let properties = serde_json::json!({
        "model_hash": doc.model.hash,
        "currency": doc.currency,
        "ale_design": doc.risk.ale_design,
        "ale_verified": doc.risk.ale_verified
    });
    let mut log = log(driver(rules), results, model_dir, properties);
    log.runs[0].invocations = Some(vec![Invocation { end_time_utc: doc.time.clone(), execution_successful: true }]);
    log
}

/// A failing control's SARIF message: what is wrong, what it costs, whether it regressed.
fn sarif_text(doc: &VerifyDoc, c: &ControlDoc) -> String {
    let cost = c
        .ale_increase
        .map(|a| format!(" Its erosion adds {}/yr to the ALE.", money(a, &doc.currency)))
        .unwrap_or_default();
    let regression = if c.regression { " Regression: it passed in the previous run." } else { "" };
    let what = match c.state {
        State::Fail => "fails its check",
        State::Stale => "has stale evidence",
        _ => "could not be checked",
    };
    format!("Control `{}` {what}: {}.{cost}{regression}", c.id, c.messages.join("; ").trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_escapes() {
        let text = wrap(&"word ".repeat(60), 6, "- ", 40);
        assert!(text.lines().all(|l| l.chars().count() <= 40), "{text}");
        assert!(text.starts_with("      - word"));
        assert_eq!(xml("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot; ");
        assert_eq!(model_relative("examples/acme/security.yaml", Path::new("examples/acme")), "security.yaml");
        assert_eq!(model_relative("/tmp/my model/x.yaml", Path::new("/tmp/my model")), "x.yaml");
    }
}
