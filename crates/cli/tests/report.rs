//! `riskpath report` and `riskpath export` end to end on a small hand-built model with a fixed seed:
//! Markdown and Navigator snapshots, the HTML's sections, charts, accessibility and self-containment,
//! model text made inert (`<script>` in ids and names), the verify history's trend and control
//! states, SARIF and Navigator validated for their required fields, and DOT escaping.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");
/// Small simulations keep the tests fast; the seed keeps the snapshots stable.
const SIM: [&str; 8] = ["--trials", "4000", "--years", "4000", "--decision-trials", "1024", "--seed", "11"];

const MODEL: &str = "\
# A small estate for the report tests: two jewels, an AND step, an interval edge, a planned control.
settings: {currency: USD, respond: 0.5, seed: 11, tolerance: 2000000}
entry_points:
  - {id: internet, kind: internet, name: Anyone on the internet}
  - {id: phishing, kind: email, name: Email lures}
nodes:
  - {id: web, kind: service, zone: dmz, owner: web-team, tags: [internet-facing], name: Public web app}
  - {id: staff, kind: identity, tags: [employee], name: Staff accounts}
  - {id: ci, kind: pipeline, name: CI pipeline}
  - {id: role-data, kind: role, name: Data role}
  - id: files
    kind: bucket
    name: Customer files
    crown_jewel: true
    loss: {confidentiality: {low: 1e6, high: 2e7}}
  - id: db
    kind: datastore
    name: Customer database
    crown_jewel: true
    loss: {confidentiality: {low: 5e5, high: 5e6}, regulatory: 2e5}
edges:
  - {from: internet, to: web, kind: exploits}
  - {from: phishing, to: staff, kind: phishes}
  - {id: web-cred, from: web, to: staff, kind: steals_credential, p: 0.3}
  - {from: staff, to: ci, kind: authenticates}
  - {id: ci-role, from: ci, to: role-data, kind: assumes}
  - {from: web, to: role-data, kind: assumes, p: {low: 0.1, high: 0.4}}
  - {from: role-data, to: files, kind: reads}
  - {from: staff, to: db, kind: reads_database, requires: [web]}
controls:
  - id: mfa
    name: Phishing-resistant MFA
    mitigates: {T1566: 0.6, T1078: {low: 0.4, high: 0.8}}
    detects: {T1078: 0.3}
    scope: [tag:employee]
  - id: waf
    name: Web application firewall
    mitigates: {T1190: {low: 0.3, high: 0.6}}
    scope: [tag:internet-facing]
  - id: jit
    name: Just-in-time data access
    status: planned
    mitigates: {T1530: {low: 0.5, high: 0.8}}
    scope: [files]
actors:
  - {id: crime, name: Ransomware crews, frequency: {low: 2, high: 8}, entry: [internet, phishing], skill: medium}
  - {id: targeted, name: A targeted intrusion group, frequency: {low: 0.1, high: 0.5}, entry: [internet, phishing], skill: high}
initiatives:
  - {id: jit-rollout, deploys: [jit], cost: {once: 120000, yearly: 20000}, duration: 2q, owner: data}
  - {id: retire-web-cred, removes: [web-cred], cost: {once: 40000}, duration: 1q, owner: web-team}
  - {id: ci-hardening, removes: [ci-role], cost: {once: 80000, yearly: 10000}, duration: 2q, depends_on: [retire-web-cred], owner: platform}
";

/// Model text that would run in a browser if it were not escaped: ids, names, edge ids.
const EVIL: &str = r#"
settings: {currency: USD, seed: 3, tolerance: 1000000}
entry_points: [{id: internet, kind: internet, name: "<b>net</b>"}]
nodes:
  - {id: "<script>alert(1)</script>", kind: service, name: "<script>alert(2)</script>", tags: [internet-facing]}
  - {id: "files\"x", kind: datastore, name: "<img src=x onerror=alert(3)>", crown_jewel: true, loss: {confidentiality: {low: 1e6, high: 1e7}}}
edges:
  - {from: internet, to: "<script>alert(1)</script>", kind: exploits}
  - {id: "e|`*[x](javascript:alert(6))", from: "<script>alert(1)</script>", to: "files\"x", kind: reads}
actors:
  - {id: "crime<script>", name: "<script>alert(4)</script>", frequency: {low: 2, high: 10}, entry: [internet], skill: medium}
controls:
  - {id: "waf<script>", name: "<script>alert(5)</script>", mitigates: {T1190: {low: 0.3, high: 0.6}}, scope: [tag:internet-facing]}
initiatives:
  - {id: "fix<script>", removes: ["e|`*[x](javascript:alert(6))"], cost: {once: 100000}, duration: 1q}
"#;

fn riskpath(args: &[&str]) -> Output {
    // Reports are as of the day of SOURCE_DATE_EPOCH (2025-12-05 here): byte for byte reproducible.
    Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1764892800")
        .output()
        .expect("run riskpath")
}

fn ok(args: &[&str]) -> String {
    let out = riskpath(args);
    assert_eq!(out.status.code(), Some(0), "riskpath {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A model directory named `model` holding `text`, in its own temp dir.
fn model(text: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("model.yaml"), text).unwrap();
    (tmp, dir)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn report(dir: &Path, audience: &str, format: &str) -> String {
    let mut args = vec!["report", s(dir), "--audience", audience, "--format", format];
    args.extend(SIM);
    ok(&args)
}

/// Checks that every non-void element is closed in order (a small well-formedness check; the
/// contents of <style> are skipped), and returns the opening tags (name and attributes) in order.
fn check_tags(html: &str) -> Vec<String> {
    const VOID: [&str; 9] = ["meta", "br", "img", "input", "link", "hr", "col", "source", "wbr"];
    let mut stack: Vec<String> = Vec::new();
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        if rest.starts_with("<!--") {
            rest = &rest[rest.find("-->").expect("comment closed") + 3..];
            continue;
        }
        let end = rest.find('>').expect("tag closed");
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        let self_closing = tag.ends_with('/');
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let name = name.to_ascii_lowercase();
        assert!(!name.is_empty(), "bad tag <{tag}>");
        if let Some(closing) = tag.strip_prefix('/') {
            let closing = closing.trim().to_ascii_lowercase();
            let open = stack.pop().unwrap_or_else(|| panic!("</{closing}> closes nothing"));
            assert_eq!(open, closing, "</{closing}> closes <{open}>");
            continue;
        }
        tags.push(tag.to_string());
        if name == "style" {
            let close = rest.find("</style>").expect("style closed");
            rest = &rest[close + "</style>".len()..];
            continue;
        }
        if !self_closing && !VOID.contains(&name.as_str()) {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    tags
}

/// The `<svg>…</svg>` elements of a page.
fn svgs(html: &str) -> Vec<&str> {
    html.match_indices("<svg").map(|(i, _)| &html[i..i + html[i..].find("</svg>").unwrap() + 6]).collect()
}

/// Asserts a page is self-contained, script-free, accessible and printable.
fn check_page(html: &str) {
    for tag in check_tags(html) {
        let name = tag.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
        assert!(
            !["script", "link", "iframe", "img", "object", "embed", "base", "form"].contains(&name.as_str()),
            "<{tag}>"
        );
        // Attributes: no event handlers, no sources, links only within the page.
        for attr in tag.split_whitespace().skip(1) {
            let attr = attr.to_ascii_lowercase();
            assert!(!attr.starts_with("on") && !attr.starts_with("src=") && !attr.starts_with("srcset="), "<{tag}>");
            if let Some(v) = attr.strip_prefix("href=") {
                assert!(v.starts_with("\"#"), "links stay in the page: <{tag}>");
            }
        }
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("<html lang=\"en\">") && html.contains("<title>") && html.contains("<meta charset=\"utf-8\">")
    );
    assert!(html.contains("@media print"), "print styles");
    for banned in ["<script", "<link", "<iframe", "<img", "@import", "https://"] {
        assert!(!html.contains(banned), "the page must be self-contained and script-free: found {banned}");
    }
    // The only URL is the SVG namespace, which is never fetched; url() only references in-page markers.
    assert_eq!(html.matches("http://").count(), html.matches("http://www.w3.org/2000/svg").count());
    for (i, _) in html.match_indices("url(") {
        assert!(html[i..].starts_with("url(#"), "url() must be a fragment reference");
    }
    // One h1, sections under h2.
    assert_eq!(html.matches("<h1").count(), 1);
    assert!(html.matches("<h2").count() >= 4);
    for svg in svgs(html) {
        let id = svg.split("id=\"").nth(1).and_then(|r| r.split('"').next()).expect("every chart has an id");
        assert!(svg.contains("role=\"img\""), "chart {id} has role=img");
        assert!(svg.contains(&format!("aria-labelledby=\"{id}-title {id}-desc\"")), "chart {id} is labelled");
        assert!(
            svg.contains(&format!("<title id=\"{id}-title\">")) && svg.contains(&format!("<desc id=\"{id}-desc\">"))
        );
        assert!(svg.contains("viewBox=\"0 0 "), "chart {id} scales");
        assert!(svg.contains("<path") || svg.contains("<rect"), "chart {id} draws something");
    }
    // Tables have header cells.
    assert_eq!(html.matches("<table").count(), html.matches("<thead>").count());
}

#[test]
fn markdown_reports_match_their_snapshots() {
    let (_tmp, dir) = model(MODEL);
    let exec = report(&dir, "exec", "md");
    let engineer = report(&dir, "engineer", "md");
    insta::assert_snapshot!("report_exec_md", exec);
    insta::assert_snapshot!("report_engineer_md", engineer);
    // A step is written → on every page (docs/design.md, rule 8), never ->.
    assert!(engineer.contains('→') && [&exec, &engineer].iter().all(|r| !r.contains("->") && !r.contains("-&gt;")));
    // Same seed, same report.
    assert_eq!(exec, report(&dir, "exec", "md"));
}

#[test]
fn exec_html_is_one_self_contained_page() {
    let (_tmp, dir) = model(MODEL);
    let html = report(&dir, "exec", "html");
    check_page(&html);
    for heading in
        ["Risk in money", "How bad a year can get", "Roadmap burn-down", "Top risks", "Decisions asked of leadership"]
    {
        assert!(html.contains(&format!(">{heading}</h2>")), "exec section {heading}");
    }
    // The loss exceedance curve with its axes, ticks, labels and the tolerance line; the burn-down.
    let charts = svgs(&html);
    let lec = charts.iter().find(|c| c.contains("id=\"chart-lec\"")).expect("loss exceedance chart");
    assert!(lec.contains("class=\"curve\"") && lec.contains("class=\"tolerance\""));
    assert!(lec.contains("Annual loss (USD, log scale)") && lec.contains("tolerance $2M"));
    assert!(lec.contains(">$1M<") && lec.contains(">$10M<"), "decade ticks");
    let burn = charts.iter().find(|c| c.contains("id=\"chart-burn-down\"")).expect("burn-down chart");
    assert!(burn.contains("class=\"curve\"") && burn.contains(">Y1Q1<"));
    // Exactly the top risks (at most five) and three decisions.
    let risks = &html[html.find("<ol class=\"risks\">").unwrap()..];
    let risks = &risks[..risks.find("</ol>").unwrap()];
    assert!((1..=5).contains(&risks.matches("<li>").count()));
    assert!(risks.contains("Ransomware crews") && risks.contains("Customer files"));
    let decisions = &html[html.find("<ol class=\"decisions\">").unwrap()..];
    let decisions = &decisions[..decisions.find("</ol>").unwrap()];
    assert_eq!(decisions.matches("<li>").count(), 3);
    assert!(
        decisions.contains("Fund ")
            && decisions.contains("Reduce or accept")
            && decisions.contains("organisation-wide fix")
    );
    // No verify history: no trend, said so.
    assert!(html.contains("no verify history yet"));
    // The roadmap budget was derived and the page says so.
    assert!(html.contains("budget assumed"));
}

#[test]
fn engineer_html_has_every_section_and_chart() {
    let (_tmp, dir) = model(MODEL);
    let html = report(&dir, "engineer", "html");
    check_page(&html);
    assert!(!html.replace("-->", "").contains("->") && !html.contains("-&gt;"), "steps are written →");
    for heading in [
        "Risk in money",
        "Attack paths",
        "Choke points",
        "Endemic classes",
        "Sensitivity",
        "Control states",
        "Scenarios",
        "How each probability was derived",
        "Method",
    ] {
        assert!(html.contains(&format!(">{heading}</h2>")), "engineer section {heading}");
    }
    let charts = svgs(&html);
    for id in ["chart-lec", "chart-classes", "chart-tornado"] {
        assert!(charts.iter().any(|c| c.contains(&format!("id=\"{id}\""))), "chart {id}");
    }
    // Attack path diagrams: boxes joined by arrows with technique labels.
    let diagrams: Vec<&&str> = charts.iter().filter(|c| c.contains("id=\"svg-path-")).collect();
    assert!(diagrams.len() >= 3, "path diagrams: {}", diagrams.len());
    let first = diagrams[0];
    assert!(first.matches("<rect").count() >= 3 && first.contains("marker-end") && first.contains(">T1"));
    // The tornado has one bar pair per uncertain input, around the baseline.
    let tornado = charts.iter().find(|c| c.contains("id=\"chart-tornado\"")).unwrap();
    assert!(tornado.contains("frequency of crime"));
    // Method, seed and trial count; derivations of the steps on the paths; controls not verified.
    assert!(
        html.contains(
            "<td>11</td><td class=\"num\">4,000</td><td class=\"num\">4,000</td><td class=\"num\">1,024</td>"
        )
    );
    assert!(html.contains("knowledge base") && html.contains("= p"));
    assert!(html.contains("Not verified: no verify run is recorded"));
    assert!(html.contains(">not verified</span>") && html.contains(">planned</span>"));
}

#[test]
fn model_text_is_inert_in_every_format() {
    let (_tmp, dir) = model(EVIL);
    // The loader takes any string as an id or a name.
    ok(&["validate", s(&dir)]);
    for audience in ["exec", "engineer"] {
        let html = report(&dir, audience, "html");
        check_page(&html);
        assert!(
            !html.contains("<script") && !html.contains("<img") && !html.contains("<b>"),
            "{audience} HTML escapes model text"
        );
        assert!(
            html.contains("&lt;script&gt;alert(2)&lt;"),
            "{audience}: the name is shown in place of the id, escaped"
        );
        let md = report(&dir, audience, "md");
        // Outside code spans nothing is raw HTML; inside them Markdown shows text literally.
        let prose = strip_code_spans(&md);
        for banned in ["<script", "<img", "<b>"] {
            assert!(!prose.contains(banned), "{audience} Markdown: {banned} outside a code span:\n{prose}");
        }
        // No link can be formed from model text: every `](` is escaped.
        for (i, _) in prose.match_indices("](") {
            assert!(prose[..i].ends_with('\\'), "{audience} Markdown: a link outside a code span:\n{prose}");
        }
    }
    let dot = ok(&["export", "dot", s(&dir)]);
    assert!(dot.contains(r#""files\"x" [label="<img src=x onerror=alert(3)>\ndatastore · crown jewel""#), "{dot}");
    assert!(dot.contains(r#"id="e|`*[x](javascript:alert(6))""#));
}

/// Markdown with its code spans removed (fences of any number of backticks).
fn strip_code_spans(md: &str) -> String {
    let mut out = String::new();
    let mut rest = md;
    while let Some(i) = rest.find('`') {
        out.push_str(&rest[..i]);
        let run = rest[i..].chars().take_while(|&c| c == '`').count();
        let fence = "`".repeat(run);
        let after = &rest[i + run..];
        // The closing fence: the same number of backticks, not part of a longer run.
        let mut search = 0;
        let close = loop {
            match after[search..].find(&fence) {
                Some(j) => {
                    let at = search + j;
                    let longer = after[at + run..].starts_with('`') || (at > 0 && after[..at].ends_with('`'));
                    if longer {
                        search = at + run;
                        continue;
                    }
                    break Some(at);
                }
                None => break None,
            }
        };
        match close {
            Some(j) => rest = &after[j + run..],
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn history_gives_the_trend_and_control_states() {
    use riskpath_assure::check::{Counts, State};
    use riskpath_assure::history::{ControlRecord, Record, Store};
    let (_tmp, dir) = model(MODEL);
    let db = dir.join(".riskpath/history.db");
    let mut store = Store::open(&db).unwrap();
    for (i, (ale, waf)) in [(3.0e6, State::Pass), (3.1e6, State::Pass), (4.2e6, State::Fail)].into_iter().enumerate() {
        store
            .append(|_| Record {
                format: 1,
                seq: 0,
                prev_hash: String::new(),
                time: format!("2026-01-0{}T10:00:00Z", i + 1),
                model_hash: "0".repeat(64),
                currency: "USD".into(),
                seed: 11,
                trials: 1000,
                years: 1000,
                ale,
                ale_design: 3.0e6,
                counts: Counts { pass: 1, fail: (waf == State::Fail) as usize, ..Counts::default() },
                controls: vec![
                    ControlRecord {
                        id: "mfa".into(),
                        state: State::Pass,
                        messages: vec![],
                        policy_sha256: None,
                        evidence: vec![],
                        ale_increase: None,
                    },
                    ControlRecord {
                        id: "waf".into(),
                        state: waf,
                        messages: if waf == State::Fail { vec!["rule set <off>".into()] } else { vec![] },
                        policy_sha256: None,
                        evidence: vec![],
                        ale_increase: (waf == State::Fail).then_some(1.2e6),
                    },
                ],
                regressions: vec![],
            })
            .unwrap();
    }
    drop(store);
    let before = std::fs::read(&db).unwrap();
    let exec = report(&dir, "exec", "html");
    assert!(exec.contains("+$1.10M"), "the change since the previous run");
    assert!(exec.contains("id=\"chart-trend-spark\""), "a sparkline of the verified ALE");
    assert!(exec.contains("Failing controls add $1.20M"));
    assert!(exec.contains("The model changed since the newest verify run."));
    let engineer = report(&dir, "engineer", "html");
    assert!(engineer.contains("id=\"chart-trend\"") && engineer.contains("hash chain of 3 records intact"));
    assert!(engineer.contains("States from verify run #3"));
    let waf = &engineer[engineer.find("<td><code>waf</code></td>").expect("waf row")..];
    let waf = &waf[..waf.find("</tr>").unwrap()];
    assert!(waf.contains("<span class=\"state bad\">fail</span>") && waf.contains("+$1.20M&#x2f;yr"), "{waf}");
    assert!(engineer.contains("rule set &lt;off&gt;"));
    assert!(engineer.contains("<span class=\"state ok\">pass</span>"));
    let md = report(&dir, "engineer", "md");
    assert!(md.contains("| #3 | 2026-01-03T10:00:00Z | $4.20M | $3.00M |"), "{md}");
    // Read only: the history is unchanged.
    assert_eq!(before, std::fs::read(&db).unwrap());
}

#[test]
fn roadmap_uses_the_budget_given_or_says_why_it_is_missing() {
    let (_tmp, dir) = model(MODEL);
    let mut args = vec!["report", s(&dir), "--format", "md", "--budget", "1000000", "--plan-years", "2"];
    args.extend(SIM);
    let md = ok(&args);
    assert!(md.contains("With $1.00M a year over 2 years, "), "{md}");
    assert!(!md.contains("Budget assumed"));
    let without = MODEL.split("initiatives:").next().unwrap();
    let (_tmp2, dir2) = model(without);
    let md = report(&dir2, "exec", "md");
    assert!(md.contains("No roadmap: the model has no initiatives."));
    assert!(md.contains("Fund closing the choke point"), "the first decision falls back to a choke point:\n{md}");
}

#[test]
fn navigator_layer_matches_its_snapshot_and_the_layer_format() {
    let (_tmp, dir) = model(MODEL);
    let mut args = vec!["export", "navigator", s(&dir)];
    args.extend(SIM);
    let text = ok(&args);
    let layer: Value = serde_json::from_str(&text).unwrap();
    let problems = riskpath_report::navigator::validate(&layer);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(layer["versions"], serde_json::json!({"attack": "18", "navigator": "5.1.0", "layer": "4.5"}));
    let techniques = layer["techniques"].as_array().unwrap();
    let t1530 = techniques.iter().find(|t| t["techniqueID"] == "T1530").expect("T1530 scored");
    assert!(t1530["score"].as_f64().unwrap() > 0.0);
    assert!(
        t1530["comment"].as_str().unwrap().contains("crime → Customer files #1"),
        "comments name the paths, by name"
    );
    // Sub-techniques are shown under their parent.
    assert!(techniques.iter().any(|t| t["techniqueID"] == "T1078" && t["showSubtechniques"] == true));
    // Written to a file as well.
    let out = dir.parent().unwrap().join("layer.json");
    let mut args = vec!["export", "navigator", s(&dir), "-o", s(&out)];
    args.extend(SIM);
    ok(&args);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
    insta::assert_snapshot!("navigator_layer", text);
}

#[test]
fn sarif_points_at_the_model_and_has_the_required_fields() {
    let (_tmp, dir) = model(MODEL);
    let mut args = vec!["export", "sarif", s(&dir)];
    args.extend(SIM);
    let log: Value = serde_json::from_str(&ok(&args)).unwrap();
    let problems = riskpath_report::sarif::validate(&log);
    assert!(problems.is_empty(), "{problems:?}");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "riskpath");
    let results = run["results"].as_array().unwrap();
    let rules: Vec<&str> = results.iter().filter_map(|r| r["ruleId"].as_str()).collect();
    assert!(rules.contains(&"RP-CLASS-TECHNIQUE") && rules.contains(&"RP-CHOKEPOINT"), "{rules:?}");
    assert!(results.iter().any(|r| r["level"] == "error"), "a class carrying most of the risk is an error");
    // Every location is a line of model.yaml relative to the model directory, and points at the item.
    let lines: Vec<&str> = MODEL.lines().collect();
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "model.yaml");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "MODELDIR");
        let line = lines[loc["region"]["startLine"].as_u64().unwrap() as usize - 1];
        let col = loc["region"]["startColumn"].as_u64().unwrap() as usize;
        let at = &line[col - 1..];
        match r["ruleId"].as_str().unwrap() {
            "RP-CHOKEPOINT" => {
                let id = r["properties"]["id"].as_str().unwrap();
                assert!(
                    at.starts_with(id) || at.starts_with(&format!("{{from: {}", id.split(" -> ").next().unwrap())),
                    "{at:?} for {id}"
                );
            }
            _ => assert!(
                at.starts_with("{from:")
                    || at.starts_with("{id:")
                    || at.starts_with("ci-role")
                    || at.starts_with("web-cred"),
                "{at:?}"
            ),
        }
    }
    let base = &run["originalUriBaseIds"]["MODELDIR"]["uri"];
    assert!(base.as_str().unwrap().ends_with("/model/"), "{base}");
}

#[test]
fn dot_highlights_entries_and_jewels() {
    let (_tmp, dir) = model(MODEL);
    let dot = ok(&["export", "dot", s(&dir)]);
    assert!(
        dot.starts_with("// riskpath attack graph")
            && dot.contains("digraph riskpath {")
            && dot.trim_end().ends_with('}')
    );
    assert!(dot.contains(r#""internet" [label="Anyone on the internet\nentry: internet", shape=cds"#), "{dot}");
    assert!(dot.contains(r#""files" [label="Customer files\nbucket · crown jewel", shape=doubleoctagon"#));
    assert!(dot.contains(r#""internet" -> "web" [label="exploits\nT1190\np 0.08/"#), "{dot}");
    assert!(dot.contains(r#" (m/h)""#), "p per skill of the model's actors");
    assert!(dot.contains(r#"AND Public web app", style=dashed"#));
    assert_eq!(dot.matches(" -> ").count(), 8);
}

/// A report says the day it is as of: SOURCE_DATE_EPOCH's, so that it rebuilds byte for byte; a
/// malformed SOURCE_DATE_EPOCH is a usage error that writes nothing.
#[test]
fn reports_are_dated_and_reproducible() {
    let (_tmp, dir) = model(MODEL);
    let first = report(&dir, "exec", "html");
    assert!(first.contains("As of 2025-12-05 ·"), "no date under the title");
    assert_eq!(first, report(&dir, "exec", "html"), "two runs differ");
    assert!(report(&dir, "engineer", "md").contains("\nAs of 2025-12-05 · "));
    let out_file = dir.parent().unwrap().join("r.html");
    let out = Command::new(BIN)
        .args(["report", s(&dir), "-o", s(&out_file)])
        .args(SIM)
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SOURCE_DATE_EPOCH"));
    assert!(!out_file.exists());
}

/// internet → a → b → c (jewel), a → c directly, a dead end a → d, and b → e (a second jewel);
/// path probabilities: a-b-c 0.9·0.5·0.5 = 0.225, a-b-e 0.9·0.5·0.4 = 0.18, a-c 0.9·0.1 = 0.09;
/// a phisher's mail → z → e, 0.5·0.5 = 0.25.
const FILTER_MODEL: &str = "\
settings: {currency: USD, seed: 1}
entry_points: [{id: internet, kind: internet}, {id: mail, kind: email}]
nodes:
  - {id: a, kind: host}
  - {id: b, kind: host}
  - {id: d, kind: host}
  - {id: z, kind: identity}
  - {id: c, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 1e5, high: 1e6}}}
  - {id: e, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 1e5, high: 1e6}}}
edges:
  - {from: internet, to: a, kind: exploits, p: 0.9}
  - {from: a, to: b, kind: remote_service, p: 0.5}
  - {from: b, to: c, kind: reads, p: 0.5}
  - {from: a, to: c, kind: reads, p: 0.1}
  - {from: a, to: d, kind: remote_service, p: 0.9}
  - {from: b, to: e, kind: reads, p: 0.4}
  - {from: mail, to: z, kind: phishes, p: 0.5}
  - {from: z, to: e, kind: reads, p: 0.5}
actors:
  - {id: crime, frequency: 1, entry: [internet], targets: [c, e], skill: medium}
  - {id: phisher, frequency: 1, entry: [mail], targets: [e], skill: medium}
";

/// The `from -> to` pairs of a DOT graph's edges, sorted.
fn dot_edges(dot: &str) -> Vec<String> {
    let mut edges: Vec<String> = dot
        .lines()
        .filter_map(|l| {
            let (from, rest) = l.trim().split_once(" -> ")?;
            Some(format!("{}-{}", from.trim_matches('"'), rest.split_once(' ')?.0.trim_matches('"')))
        })
        .collect();
    edges.sort();
    edges
}

#[test]
fn dot_filters_to_a_target_an_actor_and_the_most_likely_paths() {
    let (_tmp, dir) = model(FILTER_MODEL);
    let dot = |extra: &[&str]| {
        let mut args = vec!["export", "dot", s(&dir)];
        args.extend(extra);
        ok(&args)
    };
    let all = dot(&[]);
    assert_eq!(dot_edges(&all).len(), 8);
    // The ways to c: every walk from an entry point to c, not the dead end, not the way to e.
    let to_c = dot(&["--target", "c"]);
    assert_eq!(dot_edges(&to_c), ["a-b", "a-c", "b-c", "internet-a"], "{to_c}");
    assert!(!to_c.contains("\"d\" [") && !to_c.contains("\"e\" [") && !to_c.contains("\"mail\" ["), "{to_c}");
    assert!(to_c.starts_with("// riskpath attack graph (filtered): 4 nodes, 4 edges"), "{to_c}");
    // e is reached by both actors; the phisher only by mail.
    assert_eq!(dot_edges(&dot(&["--target", "e"])), ["a-b", "b-e", "internet-a", "mail-z", "z-e"]);
    assert_eq!(dot_edges(&dot(&["--actor", "phisher"])), ["mail-z", "z-e"]);
    assert_eq!(dot_edges(&dot(&["--actor", "crime"])), ["a-b", "a-c", "b-c", "b-e", "internet-a"]);
    // The most likely paths of all actors together: mail-z-e (0.5·0.5 = 0.25), then a-b-c (0.225),
    // then a-b-e (0.18).
    assert_eq!(dot_edges(&dot(&["--top-paths", "1"])), ["mail-z", "z-e"]);
    assert_eq!(dot_edges(&dot(&["--top-paths", "2"])), ["a-b", "b-c", "internet-a", "mail-z", "z-e"]);
    assert_eq!(dot_edges(&dot(&["--top-paths", "2", "--actor", "crime"])), ["a-b", "b-c", "b-e", "internet-a"]);
    assert_eq!(
        dot_edges(&dot(&["--top-paths", "1", "--target", "c", "--actor", "crime"])),
        ["a-b", "b-c", "internet-a"]
    );
    // Unknown ids and a zero K are usage errors that write nothing.
    for bad in [&["--actor", "crim"][..], &["--target", "nope"], &["--top-paths", "0"]] {
        let mut args = vec!["export", "dot", s(&dir)];
        args.extend(bad);
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stdout.is_empty() && !out.stderr.is_empty(), "{bad:?}");
    }
}
