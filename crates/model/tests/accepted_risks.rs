//! `accepted_risks:` in the model: read with their places, each scope checked against the model,
//! bad dates, missing owners and unknown ids as located errors; expiry by date.

use riskpath_model::accepted::{Date, Scope};
use riskpath_model::{LoadOptions, load_str};

const BASE: &str = "\
entry_points: [{id: internet, kind: internet}]
nodes:
  - {id: web, kind: service}
  - {id: files, kind: datastore, crown_jewel: true, loss: {confidentiality: {low: 1e5, high: 1e6}}}
edges:
  - {id: web-exploit, from: internet, to: web, kind: exploits}
  - {from: web, to: files, kind: reads}
actors:
  - {id: crime, frequency: 1, entry: [internet], skill: medium}
";

fn with(accepted: &str) -> String {
    format!("{BASE}accepted_risks:\n{accepted}")
}

/// The errors of a model that must not load, as `line:col message`.
fn errors(yaml: &str) -> Vec<String> {
    let problems = load_str("m.yaml", yaml, &LoadOptions::default()).expect_err("must not load");
    problems.render_short().lines().map(|l| l.trim_start_matches("m.yaml:").to_string()).collect()
}

#[test]
fn each_scope_is_read_with_its_owner_expiry_and_place() {
    let yaml = with(
        "  - {id: legacy-web, scope: {edge: web-exploit}, owner: CISO, expires: 2027-03-31, justification: replaced in Q1}
  - id: crime-files
    scope: {actor: crime, target: files}
    owner: Head of Data
    expires: 2026-12-31
    justification: encrypted at rest
    max_ale: 250000
  - {id: valid-accounts, scope: {class: technique:T1078}, owner: IAM lead, expires: 2027-01-15, justification: SSO rollout}
",
    );
    let model = load_str("m.yaml", &yaml, &LoadOptions::default()).expect("loads").model;
    let a = &model.accepted_risks;
    assert_eq!(a.len(), 3);
    assert!(matches!(&a[0].scope, Scope::Edge(e) if e.value == "web-exploit"));
    assert!(
        matches!(&a[1].scope, Scope::Scenario { actor, target } if actor.value == "crime" && target.value == "files")
    );
    assert!(matches!(&a[2].scope, Scope::Class(c) if c.value == "technique:T1078"));
    assert_eq!(
        (a[1].owner.as_str(), a[1].expires.to_string(), a[1].max_ale),
        ("Head of Data", "2026-12-31".into(), Some(250_000.0))
    );
    assert!(yaml[a[1].loc.offset as usize..].starts_with("crime-files"), "the item at its place in the file");
    // An acceptance holds through its expiry day.
    let day = |s| Date::parse(s).unwrap();
    assert!(!a[1].expired(day("2026-12-31")) && a[1].expired(day("2027-01-01")));
}

#[test]
fn unknown_ids_bad_dates_and_missing_fields_are_located_errors() {
    let errs = errors(&with(
        "  - {id: a, scope: {actor: crme, target: files}, owner: o, expires: 2027-01-01, justification: j}
  - {id: b, scope: {edge: web-exployt}, owner: o, expires: 2027-02-30, justification: j}
  - {id: c, scope: {class: technique:T1078}, expires: 2027-01-01, justification: j}
  - {id: d, scope: {actor: crime}, owner: o, expires: 2027-01-01, justification: j}
  - {id: e, scope: {class: T1078}, owner: o, expires: 31/12/2027, justification: j}
",
    ));
    let has = |needle: &str| errs.iter().any(|e| e.contains(needle));
    assert!(has("`2027-02-30` is not a calendar day"), "{errs:#?}");
    assert!(has("`31/12/2027` is not a date: write YYYY-MM-DD"), "{errs:#?}");
    assert!(has("an accepted risk is missing the required key `owner`"), "{errs:#?}");
    assert!(has("a scope is an actor and a target, an edge, or a class"), "{errs:#?}");
    // Bad items are reported, every one; the scope checks run once the files parse.
    let located = errs.iter().filter(|e| e.split(':').next().is_some_and(|l| l.parse::<usize>().is_ok())).count();
    assert_eq!(located, errs.len(), "every error has a line: {errs:#?}");

    let errs = errors(&with(
        "  - {id: a, scope: {actor: crme, target: files}, owner: o, expires: 2027-01-01, justification: j}
  - {id: b, scope: {edge: web-exployt}, owner: o, expires: 2027-01-01, justification: j}
  - {id: c, scope: {actor: crime, target: web}, owner: o, expires: 2027-01-01, justification: j}
  - {id: e, scope: {class: T1078}, owner: o, expires: 2027-01-01, justification: j}
",
    ));
    let has = |needle: &str| errs.iter().any(|e| e.contains(needle));
    assert!(has("accepted risk names unknown actor `crme`"), "{errs:#?}");
    assert!(has("accepted risk names unknown edge `web-exployt`"), "{errs:#?}");
    assert!(has("accepted risk names unknown crown jewel `web`"), "{errs:#?}");
    assert!(has("`T1078` is not an endemic class"), "{errs:#?}");
    assert!(
        errs.iter()
            .any(|e| e.starts_with("11:28: error: accepted risk names unknown actor `crme` (did you mean `crime`?)")),
        "{errs:#?}"
    );
}
