//! JSON Lines model files against YAML ones: the examples converted line by line load to the same
//! model (every item, setting and value; only places differ), every kind of bad line is reported at
//! its file, line and column with the item it is in, and no input makes the reader panic.

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngAlgorithm, RngSeed};
use riskpath_model::yaml::{self, Node, ParseLimits, Value};
use riskpath_model::{LoadOptions, Loc, Model, Problems, load, load_str};

/// A YAML value as JSON text, mappings in their order.
fn json(node: &Node) -> String {
    let text = |s: &str| serde_json::to_string(s).unwrap();
    match &node.value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => serde_json::to_string(f).unwrap(),
        Value::Str(s) => text(s),
        Value::Seq(items) => format!("[{}]", items.iter().map(json).collect::<Vec<_>>().join(",")),
        Value::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| {
                    let Value::Str(k) = &k.value else { panic!("a key that is not a string") };
                    format!("{}:{}", text(k), json(v))
                })
                .collect();
            format!("{{{}}}", entries.join(","))
        }
    }
}

/// A model file's text as JSON Lines: settings on one line, then each list's items one a line
/// under the singular of the list's key, in file order.
fn to_jsonl(text: &str) -> String {
    let root = yaml::parse(text, 0, &ParseLimits::default()).unwrap();
    let Value::Map(top) = &root.value else { return String::new() };
    let mut out = String::new();
    for (key, value) in top {
        let Value::Str(key) = &key.value else { panic!() };
        match (key.as_str(), &value.value) {
            ("settings", _) => out += &format!("{{\"settings\":{}}}\n", json(value)),
            (_, Value::Seq(items)) => {
                let kind = key.strip_suffix('s').unwrap();
                for item in items {
                    out += &format!("{{\"{kind}\":{}}}\n", json(item));
                }
            }
            (_, Value::Null) => {}
            other => panic!("not a list: {other:?}"),
        }
    }
    out
}

/// The model as text without places (`loc: Loc { .. }`) or sources: equal for equal models read
/// from different files.
fn without_places(model: &Model) -> String {
    let shown = format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        model.settings,
        model.entry_points,
        model.nodes,
        model.edges,
        model.controls,
        model.actors,
        model.initiatives,
        model.loss_groups,
        model.accepted_risks
    );
    let mut out = String::with_capacity(shown.len());
    let mut rest = shown.as_str();
    while let Some(i) = rest.find("Loc {") {
        out += &rest[..i];
        rest = &rest[i + rest[i..].find('}').unwrap() + 1..];
    }
    out + rest
}

/// Copies `from` into `to`, each model file without an `import` section converted to JSON Lines
/// except `keep` (left as YAML, so the folder is mixed).
fn convert_dir(from: &Path, to: &Path, keep: &str) -> usize {
    let mut converted = 0;
    for entry in walkdir(from) {
        let rel = entry.strip_prefix(from).unwrap();
        let target = to.join(rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let text = std::fs::read(&entry).unwrap();
        let is_model = matches!(entry.extension().and_then(|x| x.to_str()), Some("yaml" | "json"))
            && !rel.components().any(|c| c.as_os_str() == "evidence" || c.as_os_str() == "checks");
        let text_str = String::from_utf8_lossy(&text);
        if is_model && !text_str.contains("\nimport:") && !text_str.starts_with("import:") && !rel.ends_with(keep) {
            std::fs::write(target.with_extension("jsonl"), to_jsonl(&text_str)).unwrap();
            converted += 1;
        } else {
            std::fs::write(target, text).unwrap();
        }
    }
    converted
}

fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { out.extend(walkdir(&path)) } else { out.push(path) }
    }
    out
}

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Every hand-written example, its model files as JSON Lines (settings kept as YAML: a mixed
/// folder), loads to exactly the model its YAML loads to (the aws example's generated folder is
/// JSON Lines already).
#[test]
fn examples_as_json_lines_load_to_the_same_model() {
    for name in ["acme", "ad"] {
        let dir = tempfile::tempdir().unwrap();
        let converted = convert_dir(&examples().join(name), dir.path(), "settings.yaml");
        assert!(converted >= 2, "{name}: {converted} files converted");
        let options = LoadOptions { write_attack_cache: false, ..LoadOptions::default() };
        let yaml = load(&examples().join(name), &options).unwrap_or_else(|p| panic!("{name}: {p}"));
        let jsonl = load(dir.path(), &options).unwrap_or_else(|p| panic!("{name} as JSON Lines: {p}"));
        assert!(jsonl.model.sources.files().iter().any(|f| f.streamed().is_some()), "{name}: read as JSON Lines");
        let (a, b) = (without_places(&jsonl.model), without_places(&yaml.model));
        if a != b {
            let at = a.bytes().zip(b.bytes()).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
            panic!(
                "{name}: JSON Lines {:?}\nYAML {:?}",
                &a[at.saturating_sub(200)..(at + 200).min(a.len())],
                &b[at.saturating_sub(200)..(at + 200).min(b.len())]
            );
        }
        assert_eq!(jsonl.warnings.list.len(), yaml.warnings.list.len(), "{name}: the same warnings");
    }
}

/// A model touching every kind of line, loaded from memory.
const VALID: &str = concat!(
    r#"{"settings": {"currency": "EUR", "trials": 1000, "seed": 7}}"#,
    "\n",
    r#"{"entry_point": {"id": "internet", "kind": "internet"}}"#,
    "\n\n",
    r#"{"node": {"id": "web", "kind": "service", "tags": ["dmz"]}}"#,
    "\r\n",
    r#"{"node": {"id": "db", "kind": "datastore", "crown_jewel": true, "loss": {"confidentiality": {"low": 1e5, "high": 1e7}}}}"#,
    "\n",
    r#"{"edge": {"id": "e1", "from": "internet", "to": "web", "kind": "exploits"}}"#,
    "\n",
    r#"{"edge": {"from": "web", "to": "db", "kind": "reads_database", "p": [0.1, 0.3]}}"#,
    "\n",
    r#"{"control": {"id": "waf", "mitigates": {"T1190": 0.5}, "scope": ["web"]}}"#,
    "\n",
    r#"{"actor": {"id": "crime", "frequency": {"low": 1, "high": 10}, "entry": ["internet"]}}"#,
    "\n",
    r#"{"initiative": {"id": "harden", "deploys": ["waf"], "duration": "2q"}}"#,
    "\n",
    r#"{"loss_group": {"id": "g", "members": ["db"]}}"#,
    "\n",
);

fn problems(text: &str) -> Problems {
    let options = LoadOptions { write_attack_cache: false, ..LoadOptions::default() };
    match load_str("m.jsonl", text, &options) {
        Ok(_) => panic!("loaded: {text}"),
        Err(p) => p,
    }
}

#[test]
fn a_valid_json_lines_model_loads() {
    let loaded = load_str("m.jsonl", VALID, &LoadOptions::default()).unwrap_or_else(|p| panic!("{p}"));
    let m = &loaded.model;
    assert_eq!((m.nodes.len(), m.edges.len(), m.controls.len()), (2, 2, 1));
    assert_eq!(m.settings.currency, "EUR");
    assert_eq!(m.actors[0].targets.len(), 1, "an actor without targets targets every crown jewel");
    assert_eq!(m.initiatives[0].duration_quarters, 2);
    // Places: the second edge's `p` is on line 7 (an empty line and a CR LF before it).
    let p = m.edges[1].p.unwrap();
    let column = VALID.lines().nth(6).unwrap().find("[0.1").unwrap() + 1;
    assert_eq!(m.sources.line_col(p.loc), (7, column));
}

/// One bad thing per case: the message, and where it is (`m.jsonl:line:column`).
#[test]
fn every_bad_line_is_located_with_its_item() {
    let edge = r#"{"edge": {"id": "e1", "from": "internet", "to": "web", "kind": "exploits"}}"#;
    let good = VALID.replace(&format!("{edge}\n"), "");
    // (line, message, where: the column of the first match of this text in the line)
    // The 32nd `[` (at depth 32) is the first too deep: it has 8 more after it.
    let deepest = "[".repeat(9) + "]";
    let cases: Vec<(String, &str, &str)> = vec![
        // bad JSON: the column where serde_json stopped
        (r#"{"edge": {"id": "e1", "from" "internet"}}"#.into(), "cannot parse this line: expected `:`", "\"internet"),
        // unknown key with a did-you-mean, in the item named by its id
        (edge.replace("\"from\"", "\"form\""), "unknown key `form` in an edge (in edge `e1`)", "\"form\""),
        (edge.replace("\"edge\"", "\"edges\""), "unknown key `edges` in a line", "\"edges\""),
        // wrong type, range
        (edge.replace("\"exploits\"", "7"), "`kind` of an edge must be a string, found a number (in edge `e1`)", "7"),
        (edge.replace("}}", ", \"p\": 1.5}}"), "edge `p`: 1.5 is outside [0, 1]", "1.5"),
        // two items on a line, duplicate keys, nesting, a line that is not JSON
        (r#"{"node": {"id": "x", "kind": "host"}, "edge": {}}"#.into(), "a line holds one item, found 2", "{"),
        (edge.replace("\"to\": \"web\"", "\"to\": \"web\", \"to\": \"db\""), "duplicate key `to`", "\"to\": \"db"),
        (format!("{{\"node\": {}{}}}", "[".repeat(40), "]".repeat(40)), "nesting is deeper than the limit", &deepest),
        ("\u{0}".into(), "cannot parse this line: expected value", "\u{0}"),
    ];
    for (line, message, anchor) in cases {
        let text = format!("{good}{line}\n");
        let shown = problems(&text).render_short();
        let column = line[..line.find(anchor).unwrap()].chars().count() + 1;
        let place = format!("m.jsonl:{}:{column}: error: ", good.lines().count() + 1);
        let found = shown.lines().find(|l| l.contains(message)).unwrap_or_else(|| panic!("{message}: {shown}"));
        assert!(found.starts_with(&place), "{message}: expected at {place}: {shown}");
    }
    let shown = problems(&edge.replace("\"from\"", "\"form\"")).render_short();
    assert!(shown.contains("did you mean `from`?") && shown.contains("(in edge `e1`)"), "{shown}");
    let shown = problems(&edge.replace("\"edge\"", "\"edges\"")).render_short();
    assert!(shown.contains("did you mean `edge`?"), "{shown}");
    let shown = problems(&edge.replace("\"id\": \"e1\", ", "").replace("\"exploits\"", "[]")).render_short();
    assert!(shown.contains("(in edge `internet -> web`)"), "{shown}");
}

#[test]
fn invalid_utf8_oversized_lines_and_files_are_refused_at_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = VALID.as_bytes().to_vec();
    bytes.extend_from_slice(b"{\"node\": {\"id\": \"\xff\", \"kind\": \"host\"}}\n");
    std::fs::write(dir.path().join("m.jsonl"), &bytes).unwrap();
    let options = LoadOptions { write_attack_cache: false, ..LoadOptions::default() };
    let shown = load(dir.path(), &options).unwrap_err().render_short();
    let line = VALID.lines().count() + 1;
    assert!(shown.contains(&format!("m.jsonl:{line}:18: error: not UTF-8")), "{shown}");

    let long = format!("{{\"node\": {{\"id\": \"{}\", \"kind\": \"host\"}}}}\n", "x".repeat(3000));
    let after = "{\"node\": {\"id\": \"web\", \"kind\": \"host\"}}\n";
    std::fs::write(dir.path().join("m.jsonl"), format!("{VALID}{long}{after}")).unwrap();
    let mut small = options.clone();
    small.limits.max_line_bytes = 2000;
    let err = load(dir.path(), &small).unwrap_err();
    let shown = err.render_short();
    assert!(
        shown.contains(&format!("m.jsonl:{line}:1: error: this line is longer than the 2000-byte limit")),
        "{shown}"
    );
    // No validation after a broken line (the duplicate id `web` after it is not reported), but the
    // lines after it were read: their own problems are.
    assert_eq!(err.error_count(), 1, "{shown}");
    std::fs::write(dir.path().join("m.jsonl"), format!("{VALID}{long}{}", after.replace("host", "hots"))).unwrap();
    let shown = load(dir.path(), &small).unwrap_err().render_short();
    assert!(shown.contains(&format!("m.jsonl:{}:", line + 1)), "{shown}");
    // The pretty form reads the line back from disk for its snippet.
    let pretty = load(dir.path(), &small).unwrap_err().render(false);
    assert!(pretty.contains("{\"node\": {\"id\": \"xxx"), "{pretty}");

    small.limits.max_stream_bytes = 100;
    let shown = load(dir.path(), &small).unwrap_err().render_short();
    assert!(shown.contains("larger than the 100-byte limit"), "{shown}");
}

/// Validation problems (after every line read) point into the streamed file, with the line shown
/// from disk, and a YAML file beside it keeps its own places.
#[test]
fn validation_points_into_streamed_files_and_mixed_folders_work() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("settings.yaml"), "settings: {currency: GBP}\n").unwrap();
    let text = VALID.replacen("{\"currency\": \"EUR\", ", "{", 1).replace("\"to\": \"db\"", "\"to\": \"dbx\"");
    std::fs::write(dir.path().join("items.jsonl"), &text).unwrap();
    let options = LoadOptions { write_attack_cache: false, ..LoadOptions::default() };
    let err = load(dir.path(), &options).unwrap_err();
    let line = text.lines().position(|l| l.contains("dbx")).unwrap() + 1;
    let column = text.lines().nth(line - 1).unwrap().find("\"dbx\"").unwrap() + 1;
    let shown = err.render_short();
    assert!(shown.contains(&format!("items.jsonl:{line}:{column}: error: ")), "{shown}");
    assert!(err.render(false).contains("reads_database"), "the line is shown");
    std::fs::write(dir.path().join("items.jsonl"), text.replace("dbx", "db")).unwrap();
    let loaded = load(dir.path(), &options).unwrap();
    assert_eq!(loaded.model.settings.currency, "GBP");
}

fn config(seed: u64, cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    }
}

/// Every problem of a load points inside the text.
fn check(text: &str) {
    if let Err(problems) =
        load_str("m.jsonl", text, &LoadOptions { write_attack_cache: false, ..LoadOptions::default() })
    {
        for p in &problems.list {
            if let Some(Loc { offset, len, .. }) = p.loc {
                assert!((offset + len) as usize <= text.len().max(1), "{p:?} in {text:?}");
            }
        }
        let _ = problems.render(false);
    }
}

/// Pieces of JSON and model words that mutations insert.
const TOKENS: &[&str] = &[
    "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u0000", "\\ud800", "null", "true", "1e999", "-0", "1.5", "\"edge\"",
    "\"node\"", "\"id\"", "\"from\"", "é", "\u{202e}", "\n", "\r", "\t", "  ",
];

proptest! {
    #![proptest_config(config(0x15_0001, 300))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_lines_never_panic(
        cuts in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(TOKENS), any::<bool>()), 1..8)
    ) {
        let mut text = VALID.to_string();
        for (at, token, delete) in cuts {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            if delete {
                let end = text[i..].char_indices().nth(1).map_or(text.len(), |(j, _)| i + j);
                text.replace_range(i..end, "");
            } else {
                text.insert_str(i, token);
            }
        }
        check(&text);
    }
}
