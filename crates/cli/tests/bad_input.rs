//! Bad input, end to end: every class of model mistake has a fixture in `fixtures/bad/`, and
//! `riskpath validate FIXTURE --format short` must exit 1 and print the exact
//! `path:line:col: error: message` line, with the column ON the offending text. Hostile files
//! (too big, alias bomb, deep nesting, not UTF-8, empty) are generated into a temp dir at test
//! time. A bad model never produces (or damages) an output file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad")
}

/// Runs riskpath in `dir` (so the paths it prints are the relative ones we pass).
fn riskpath_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run riskpath")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// No crash, whatever the input: no panic message, no signal.
fn assert_no_panic(out: &Output) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "riskpath panicked:\n{err}");
    assert!(out.status.code().is_some(), "riskpath was killed by a signal: {:?}\n{err}", out.status);
}

/// The text of `file` from 1-based (line, column-in-characters) on.
fn text_at(file: &Path, line: usize, col: usize) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let l = text.split('\n').nth(line - 1).unwrap_or_else(|| panic!("{} has no line {line}", file.display()));
    l.chars().skip(col - 1).collect()
}

/// `riskpath validate <fixture> --format short` exits 1, prints exactly `expected` as one of its
/// lines (`path:line:col: error: message`), and `line:col` points at `token` in the fixture.
fn expect_error(fixture: &str, line: usize, col: usize, token: &str, message: &str) {
    let out = riskpath_in(&fixtures(), &["validate", fixture, "--format", "short"]);
    assert_no_panic(&out);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "validate {fixture} must exit 1; stderr:\n{err}");
    assert!(stdout(&out).is_empty(), "a failed validate prints nothing on stdout");

    // The expected position was computed by hand; this checks the hand computation: the column
    // points AT the offending text, not at the start of its item or line.
    let at = text_at(&fixtures().join(fixture), line, col);
    assert!(at.starts_with(token), "{fixture}:{line}:{col} is at {at:?}, expected it to start with {token:?}");

    let expected = format!("{fixture}:{line}:{col}: error: {message}");
    assert!(
        err.lines().any(|l| l == expected),
        "validate {fixture}: expected the line\n  {expected}\nin stderr:\n{err}"
    );
}

/// The number of errors the run reported (from its summary line).
fn error_count(stderr: &str) -> usize {
    let summary = stderr
        .lines()
        .find_map(|l| l.strip_prefix("riskpath: ")?.split_once(" error").map(|(n, _)| n.replace(',', "")))
        .unwrap_or_else(|| panic!("no error summary in:\n{stderr}"));
    summary.parse().unwrap()
}

macro_rules! bad_fixture {
    ($name:ident, $line:expr, $col:expr, $token:expr, $message:expr) => {
        #[test]
        fn $name() {
            let fixture = concat!(stringify!($name), ".yaml");
            expect_error(fixture, $line, $col, $token, $message);
        }
    };
}

// Duplicate ids: between two nodes, and between a node and a control.
bad_fixture!(
    duplicate_node_id,
    5,
    10,
    "web, kind: host",
    "duplicate id `web` (ids are unique across the whole model: all files, all sections) [first defined as a node: duplicate_node_id.yaml:4:10]"
);
bad_fixture!(
    duplicate_node_control_id,
    13,
    9,
    "db",
    "duplicate id `db` (ids are unique across the whole model: all files, all sections) [first defined as a node: duplicate_node_control_id.yaml:5:9]"
);

// Dangling references, one per kind of reference.
bad_fixture!(dangling_edge_from, 11, 12, "webb", "edge source `webb` does not exist (did you mean `web`?)");
bad_fixture!(dangling_edge_to, 11, 21, "dbx", "edge target `dbx` does not exist (did you mean `db`?)");
bad_fixture!(dangling_requires, 13, 49, "staf]", "required node `staf` does not exist (did you mean `staff`?)");
bad_fixture!(dangling_control_scope, 15, 13, "wbe]", "scope node `wbe` does not exist (did you mean `web`?)");
// A `from:` selector may name an entry point as well as a node; a side needs one selector.
bad_fixture!(
    dangling_source_scope,
    15,
    25,
    "\"from:internt\"",
    "scope source `internt` does not exist (did you mean `internet`?)"
);
bad_fixture!(
    scope_side_without_selector,
    15,
    18,
    "\"from:\"",
    "scope `from:` names a side but no selector (a selector looks at one end of the edge: from:tag:workstation its source, tag:employee (or to:tag:employee) its target)"
);
bad_fixture!(
    scope_side_twice,
    15,
    13,
    "\"from:to:web\"",
    "scope `from:to:web` names a side twice (a selector looks at one end of the edge: from:tag:workstation its source, tag:employee (or to:tag:employee) its target)"
);
bad_fixture!(
    dangling_actor_entry,
    13,
    55,
    "internternet]",
    "actor entry `internternet` does not exist (did you mean `internet`?)"
);
bad_fixture!(dangling_actor_target, 13, 76, "dbs]", "actor target `dbs` does not exist (did you mean `db`?)");
bad_fixture!(
    dangling_initiative_deploys,
    20,
    29,
    "wafs]",
    "deployed control `wafs` does not exist (did you mean `waf`?)"
);
bad_fixture!(
    dangling_initiative_removes,
    15,
    29,
    "web-dbb]",
    "removed edge `web-dbb` does not exist (did you mean `web-db`?)"
);
// No initiative is near `segmnt-first`, so no suggestion (and the line ends there).
bad_fixture!(dangling_initiative_depends_on, 15, 51, "segmnt-first]", "dependency `segmnt-first` does not exist");
// A reference to an id of the wrong kind says what the id is.
bad_fixture!(
    reference_wrong_kind,
    17,
    65,
    "waf]",
    "actor entry `waf` is a control, not an entry point [defined here: reference_wrong_kind.yaml:13:9]"
);

// Unknown names, with a suggestion.
bad_fixture!(unknown_top_key, 9, 1, "edgse:", "unknown key `edgse` in a model file (did you mean `edges`?)");
bad_fixture!(unknown_item_key, 7, 5, "crown_jewl:", "unknown key `crown_jewl` in a node (did you mean `crown_jewel`?)");
bad_fixture!(unknown_edge_kind, 10, 37, "exploit}", "unknown edge kind `exploit` (did you mean `exploits`?)");
bad_fixture!(unknown_technique_edge, 10, 58, "T1999}", "unknown ATT&CK technique `T1999` (did you mean `T1199`?)");
bad_fixture!(unknown_technique_control, 14, 29, "T1191:", "unknown ATT&CK technique `T1191` (did you mean `T1091`?)");
bad_fixture!(
    malformed_technique,
    10,
    58,
    "t-1190}",
    "`t-1190` is not an ATT&CK technique id (technique ids look like T1078 or T1078.004)"
);

// Numbers out of range.
bad_fixture!(
    probability_out_of_range,
    10,
    50,
    "1.5}",
    "edge `p`: 1.5 is outside [0, 1]; probabilities and efficacies are fractions"
);
bad_fixture!(
    efficacy_out_of_range,
    14,
    24,
    "90}",
    "efficacy of T1190 in `mitigates`: 90 is outside [0, 1]; probabilities and efficacies are fractions"
);
bad_fixture!(
    interval_low_above_high,
    8,
    29,
    "{low: 1e6, high: 1e5}",
    "loss `confidentiality`: interval has low 1000000 > high 100000 (an interval is {low: 5th percentile, high: 95th percentile})"
);
bad_fixture!(negative_loss, 8, 29, "-5000,", "loss `confidentiality`: -5000 is negative");
bad_fixture!(negative_cost, 16, 32, "-200}", "`yearly` of control `cost`: -200 is negative");
bad_fixture!(negative_frequency, 13, 28, "-3,", "actor `frequency` (attempts per year): -3 is negative");

// Graph and model shape.
bad_fixture!(
    self_loop,
    12,
    21,
    "web, kind: escalates",
    "edge from `web` to itself (an attack step must lead somewhere new)"
);
bad_fixture!(
    initiative_cycle,
    16,
    51,
    "first]",
    "initiative dependencies form a cycle: first → second → first (no initiative can start before itself; remove one dependency)"
);
bad_fixture!(
    crown_jewel_without_loss,
    5,
    44,
    "true}",
    "crown jewel `db` has no `loss` (say what a breach costs, e.g. loss: {confidentiality: {low: 2e6, high: 4e7}})"
);
bad_fixture!(
    actor_target_not_jewel,
    13,
    80,
    "web]",
    "actor target `web` is not a crown jewel (targets are crown jewels: mark the node `crown_jewel: true` with a `loss`)"
);

// Campaigns, requirement alternatives and loss groups.
bad_fixture!(
    campaign_selects_nothing,
    3,
    54,
    "tag:employe]",
    "the campaign of entry point `phishing` selects no node (tag:employe) (targets are selectors: tag:employee, kind:identity, zone:corp, owner:it, a node id or *)"
);
bad_fixture!(
    campaign_on_node,
    7,
    15,
    "{targets",
    "a campaign belongs on an entry point, not a node (move it to the entry point whose attempts reach the population, e.g. entry_points: [{id: phishing, kind: email, campaign: {targets: [tag:employee], reach: 10}}])"
);
bad_fixture!(
    campaign_reach_zero,
    4,
    48,
    "0}",
    "campaign `reach` (members reached per attempt) must be a whole number of at least 1, found 0 (write how many members one attempt reaches, or an interval {low: 5, high: 40})"
);
bad_fixture!(
    campaign_reach_low_above_high,
    4,
    48,
    "{low: 40",
    "campaign `reach` (members reached per attempt): interval has low 40 > high 5 (an interval is {low: 5th percentile, high: 95th percentile})"
);
bad_fixture!(
    requires_any_empty_alternative,
    10,
    62,
    "[]]",
    "an alternative of `requires_any` is empty (an empty alternative always holds: drop `requires_any` instead)"
);
bad_fixture!(dangling_requires_any, 10, 68, "staf]", "required node `staf` does not exist (did you mean `staff`?)");
bad_fixture!(
    loss_group_not_jewel,
    12,
    33,
    "web,",
    "loss group member `web` is not a crown jewel (members are crown jewels: mark the node `crown_jewel: true` with a `loss`) [defined here: loss_group_not_jewel.yaml:4:10]"
);
bad_fixture!(
    loss_group_jewel_twice,
    13,
    29,
    "files]",
    "crown jewel `files` is in two loss groups: `data` and `backups` (a jewel's breach is one loss event: put it in one group) [first listed here: loss_group_jewel_twice.yaml:12:30]"
);

// Types.
bad_fixture!(wrong_type, 10, 50, "high}", "edge `p` must be a number or an interval {low, high}, found a string");

/// A YAML syntax error (a stray `}` at 11:37) must be located like every other error.
/// KNOWN SRC BUG (yaml.rs `parse`): scanner errors from serde-saphyr carry line/column but no
/// byte offset, and `parse` then drops the location entirely: today the line is
/// `error: cannot parse this file: error: line 11 column 37: misplaced bracket` with no path.
#[test]
fn yaml_syntax_error() {
    let out = riskpath_in(&fixtures(), &["validate", "yaml_syntax_error.yaml", "--format", "short"]);
    assert_no_panic(&out);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("misplaced bracket"), "{err}");
    assert!(text_at(&fixtures().join("yaml_syntax_error.yaml"), 11, 37).starts_with('}'));
    assert!(
        err.lines().any(|l| l.starts_with("yaml_syntax_error.yaml:11:37: error: cannot parse this file")),
        "a syntax error must name file, line and column like every other error:\n{err}"
    );
}

/// `settings` given in two files of one model: the second place is the error, the first is named.
#[test]
fn settings_twice() {
    let out = riskpath_in(&fixtures(), &["validate", "settings_twice", "--format", "short"]);
    assert_no_panic(&out);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(text_at(&fixtures().join("settings_twice/b.yaml"), 3, 9).starts_with('8'));
    let expected = "settings_twice/b.yaml:3:9: error: setting `seed` is set in more than one place \
                    [first set here: settings_twice/a.yaml:1:33]";
    assert!(err.lines().any(|l| l == expected), "expected\n  {expected}\nin:\n{err}");
    assert_eq!(error_count(&err), 1, "only `seed` is in both files:\n{err}");

    // The pretty format names where it was first set (another file, so not as a second caret).
    assert!(text_at(&fixtures().join("settings_twice/a.yaml"), 1, 33).starts_with("7}"));
    let pretty = stderr(&riskpath_in(&fixtures(), &["validate", "settings_twice"]));
    // (miette wraps long messages at 100 columns, continuing them after a `│`.)
    let unwrapped = pretty.lines().map(|l| l.trim().trim_start_matches('│').trim()).collect::<Vec<_>>().join(" ");
    assert!(unwrapped.contains("first set here at settings_twice/a.yaml:1:33"), "{pretty}");
}

/// Every single-problem fixture reports exactly one error: no cascade of follow-up errors that
/// bury the real one.
/// KNOWN SRC BUG: `interval_low_above_high` also reports "crown jewel `db` has no `loss`" at 5:9,
/// because the reader drops the invalid loss entry and validate then sees a jewel with no loss.
#[test]
fn each_fixture_reports_exactly_one_error() {
    let mut cascades = Vec::new();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name == "many_errors.yaml" {
            continue;
        }
        let out = riskpath_in(&fixtures(), &["validate", &name, "--format", "short"]);
        assert_no_panic(&out);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        if error_count(&err) != 1 {
            cascades.push(format!("{name}:\n{err}"));
        }
    }
    assert!(cascades.is_empty(), "fixtures with more than one error:\n{}", cascades.join("\n"));
}

/// One run reports every problem of a model, from reading (keys, ranges) to validation
/// (references, kinds, graph), each at its place, sorted by position.
#[test]
fn many_errors_are_all_reported_at_once() {
    let expected = [
        (
            1,
            22,
            "usd,",
            "settings `currency`: `usd` is not an ISO 4217 code (three capital letters, e.g. USD, EUR, GBP)",
        ),
        (5, 30, "zoen:", "unknown key `zoen` in a node (did you mean `zone`?)"),
        (
            6,
            10,
            "web, kind: host",
            "duplicate id `web` (ids are unique across the whole model: all files, all sections) [first defined as a node: many_errors.yaml:5:10]",
        ),
        (12, 37, "exploit,", "unknown edge kind `exploit` (did you mean `exploits`?)"),
        (12, 49, "2}", "edge `p`: 2 is outside [0, 1]; probabilities and efficacies are fractions"),
        (13, 21, "dbx,", "edge target `dbx` does not exist (did you mean `db`?)"),
        (14, 21, "web, kind: escalates", "edge from `web` to itself (an attack step must lead somewhere new)"),
        (
            17,
            24,
            "-0.1}",
            "efficacy of T1190 in `mitigates`: -0.1 is outside [0, 1]; probabilities and efficacies are fractions",
        ),
        (18, 13, "wbe]", "scope node `wbe` does not exist (did you mean `web`?)"),
        (20, 28, "-3,", "actor `frequency` (attempts per year): -3 is negative"),
        (21, 41, "intranet]", "actor entry `intranet` does not exist (did you mean `internet`?)"),
        (
            21,
            62,
            "web]",
            "actor target `web` is not a crown jewel (targets are crown jewels: mark the node `crown_jewel: true` with a `loss`)",
        ),
    ];
    let out = riskpath_in(&fixtures(), &["validate", "many_errors.yaml", "--format", "short"]);
    assert_no_panic(&out);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.contains(": error: ")).collect();
    let wanted: Vec<String> = expected
        .iter()
        .map(|(line, col, token, message)| {
            let at = text_at(&fixtures().join("many_errors.yaml"), *line, *col);
            assert!(at.starts_with(token), "many_errors.yaml:{line}:{col} is at {at:?}, not {token:?}");
            format!("many_errors.yaml:{line}:{col}: error: {message}")
        })
        .collect();
    assert_eq!(lines, wanted, "all problems, in file order");
    assert_eq!(error_count(&err), expected.len());
}

/// The default (pretty) format shows the source line, a caret/underline under the offending
/// text, and the help.
#[test]
fn pretty_format_underlines_the_offending_text_and_helps() {
    let out = riskpath_in(&fixtures(), &["validate", "unknown_edge_kind.yaml"]);
    assert_no_panic(&out);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("unknown_edge_kind.yaml:10:37"), "{err}");
    assert!(err.contains("unknown edge kind `exploit`"), "{err}");
    assert!(err.contains("help: did you mean `exploits`?"), "{err}");
    // The underline sits exactly under `exploit` on the line below the source line.
    let lines: Vec<&str> = err.lines().collect();
    let src = lines
        .iter()
        .position(|l| l.ends_with("- {from: internet, to: web, kind: exploit}"))
        .unwrap_or_else(|| panic!("source line not shown:\n{err}"));
    let src_chars: Vec<char> = lines[src].chars().collect();
    let start = lines[src].char_indices().count() - "exploit}".len();
    let under: Vec<char> = lines[src + 1].chars().collect();
    assert!(under.len() >= start + 7, "no underline under the source line:\n{err}");
    assert_eq!(src_chars[start..start + 7].iter().collect::<String>(), "exploit");
    let marks: String = under[start..start + 7].iter().collect();
    assert!(marks.chars().all(|c| "─┬^~".contains(c)), "underline {marks:?} not under `exploit`:\n{err}");
    assert!(under[start - 1] == ' ', "underline starts before `exploit`:\n{err}");
    assert!(under.get(start + 7).is_none_or(|c| *c == ' '), "underline runs past `exploit`:\n{err}");
}

/// `analyze` on a bad model exits 2 and writes nothing: no output file, and an existing output
/// file is left exactly as it was.
#[test]
fn analyze_a_bad_model_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out_json = tmp.path().join("out.json");
    for fixture in ["dangling_edge_to.yaml", "yaml_syntax_error.yaml", "many_errors.yaml", "settings_twice"] {
        let out = riskpath_in(&fixtures(), &["analyze", fixture, "-o", out_json.to_str().unwrap(), "--format", "json"]);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "analyze {fixture}: {}", stderr(&out));
        assert!(stderr(&out).contains("nothing was written"), "{}", stderr(&out));
        assert!(!out_json.exists(), "analyze {fixture} created {}", out_json.display());
        assert!(stdout(&out).is_empty());
    }
    // No temp file left behind either.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);

    let before = "{\"previous\": \"run\"}\n";
    std::fs::write(&out_json, before).unwrap();
    let out =
        riskpath_in(&fixtures(), &["analyze", "self_loop.yaml", "-o", out_json.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&out_json).unwrap(), before, "an existing output was changed");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

// ---- Hostile input, generated at test time -------------------------------------------------

fn hostile(name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    (dir, path)
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_parsing() {
    let mut text = String::from("nodes:\n");
    for i in 0..100 {
        text.push_str(&format!("  - {{id: n{i}, kind: host}}\n"));
    }
    assert!(text.len() > 1000);
    let (dir, _) = hostile("big.yaml", text.as_bytes());
    let out = riskpath_in(dir.path(), &["validate", "big.yaml", "--format", "short", "--max-file-size", "1000"]);
    assert_no_panic(&out);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot read big.yaml: larger than the 1000-byte limit"), "{err}");
    assert!(err.contains("--max-file-size"), "the message says how to raise the limit:\n{err}");
    // The same file is fine with the default limit.
    let out = riskpath_in(dir.path(), &["validate", "big.yaml", "--format", "short"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Billion laughs: 10 levels of 9 aliases each would expand to 9^10 strings.
#[test]
fn an_alias_bomb_is_refused_quickly() {
    let mut bomb = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let mut prev = "a".to_string();
    for i in 1..10 {
        let refs = vec![format!("*{prev}"); 9].join(",");
        bomb.push_str(&format!("b{i}: &b{i} [{refs}]\n"));
        prev = format!("b{i}");
    }
    bomb.push_str("nodes: *b9\n");
    let (dir, _) = hostile("bomb.yaml", bomb.as_bytes());
    let started = std::time::Instant::now();
    let out = riskpath_in(dir.path(), &["validate", "bomb.yaml", "--format", "short"]);
    let took = started.elapsed();
    assert_no_panic(&out);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.starts_with("bomb.yaml:"), "the error names the file and place:\n{err}");
    assert!(err.contains("cannot parse this file"), "{err}");
    assert!(took.as_secs() < 10, "an alias bomb took {took:?} to refuse");
}

/// 10,000 nested `[`: refused by the depth limit, no stack overflow.
#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    for (name, text) in [
        ("deep_flow.yaml", "[".repeat(10_000) + &"]".repeat(10_000) + "\n"),
        ("deep_open.yaml", "nodes: ".to_string() + &"[".repeat(10_000) + "\n"),
        ("deep_map.yaml", "{a: ".repeat(10_000) + "x" + &"}".repeat(10_000) + "\n"),
        ("deep_block.yaml", (0..10_000).map(|i| " ".repeat(i) + "a:\n").collect::<String>()),
    ] {
        let (dir, _) = hostile(name, text.as_bytes());
        let out = riskpath_in(dir.path(), &["validate", name, "--format", "short"]);
        assert_no_panic(&out);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains("cannot parse this file"), "{name}: {err}");
    }
}

/// The nesting error names the file it is in (a model is many files).
/// KNOWN SRC BUG: same as `yaml_syntax_error`: the location is dropped, so the line is
/// `error: cannot parse this file: error: line 1 column 256: recursion limit exceeded`.
#[test]
fn deep_nesting_error_names_the_file() {
    let (dir, _) = hostile("deep.yaml", ("[".repeat(10_000) + &"]".repeat(10_000)).as_bytes());
    let out = riskpath_in(dir.path(), &["validate", "deep.yaml", "--format", "short"]);
    let err = stderr(&out);
    assert!(err.starts_with("deep.yaml:1:"), "{err}");
}

#[test]
fn non_utf8_bytes_are_an_error_not_a_crash() {
    let (dir, _) = hostile("bin.yaml", b"nodes:\n  - {id: w\xff\xfe, kind: service}\n");
    let out = riskpath_in(dir.path(), &["validate", "bin.yaml", "--format", "short"]);
    assert_no_panic(&out);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("bin.yaml:2:11: not UTF-8 (invalid byte at offset 17)"), "{err}");
}

#[test]
fn an_empty_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    // A non-model file does not count.
    std::fs::write(dir.path().join("empty/README.md"), "# not a model\n").unwrap();
    let out = riskpath_in(dir.path(), &["validate", "empty", "--format", "short"]);
    assert_no_panic(&out);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("no model files (*.yaml, *.yml, *.json, *.jsonl) in empty"), "{err}");
    let out = riskpath_in(dir.path(), &["analyze", "empty"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// A 0-byte file is a valid, empty model: validate says so, and analyze reports zero risk
/// rather than crashing on an empty graph.
#[test]
fn a_zero_byte_file_is_an_empty_model() {
    let (dir, _) = hostile("empty.yaml", b"");
    let out = riskpath_in(dir.path(), &["validate", "empty.yaml", "--format", "short"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("ok: 0 nodes, 0 entry points, 0 edges"), "{}", stdout(&out));

    let out =
        riskpath_in(dir.path(), &["analyze", "empty.yaml", "--format", "json", "--trials", "100", "--years", "100"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("analyze prints JSON");
    assert_eq!(doc["risk"]["ale"].as_f64(), Some(0.0));
    assert_eq!(doc["scenarios"].as_array().map(Vec::len), Some(0));
    assert_eq!(doc["paths"].as_array().map(Vec::len), Some(0));

    // Whitespace and comments only: the same.
    let (dir, _) = hostile("blank.yaml", b"\n  \n# nothing here\n");
    let out = riskpath_in(dir.path(), &["validate", "blank.yaml", "--format", "short"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Finite but absurd magnitudes pass the loader's range checks (money ≥ 0, frequency ≥ 0), so
/// `analyze` must either refuse them or compute finite, sensible numbers: never `null`/NaN/inf in
/// the JSON (the contract's numbers are numbers) and never a silent zero.
/// KNOWN SRC BUG: `loss: 1e308` gives `"ale": null` (inf serialized as null; the text report
/// prints `ALE $infB` and `P99 $NaN`), and `frequency: 1e300` gives ALE 0 although
/// P(compromise) is 0.13.
#[test]
fn absurd_magnitudes_are_refused_or_computed_finitely() {
    let model = |loss: &str, frequency: &str| {
        format!(
            "entry_points:\n  - {{id: internet, kind: internet}}\nnodes:\n  - {{id: web, kind: service}}\n  - {{id: db, kind: datastore, crown_jewel: true, loss: {{confidentiality: {loss}}}}}\nedges:\n  - {{from: internet, to: web, kind: exploits}}\n  - {{from: web, to: db, kind: reads}}\nactors:\n  - {{id: crime, frequency: {frequency}, entry: [internet]}}\n"
        )
    };
    let mut wrong = Vec::new();
    for (name, loss, frequency) in [
        ("huge_loss.yaml", "1e308", "2"),
        ("wide_loss.yaml", "{low: 1e-300, high: 1e300}", "2"),
        ("huge_frequency.yaml", "{low: 1e5, high: 1e6}", "1e300"),
    ] {
        let (dir, _) = hostile(name, model(loss, frequency).as_bytes());
        let out =
            riskpath_in(dir.path(), &["analyze", name, "--format", "json", "--trials", "1000", "--years", "1000"]);
        assert_no_panic(&out);
        if out.status.code() == Some(2) {
            continue; // refused: fine, if it says why
        }
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let ale = doc["risk"]["ale"].as_f64();
        let p = doc["scenarios"][0]["probability"].as_f64().unwrap_or(0.0);
        if !ale.is_some_and(|a| a.is_finite() && (p == 0.0 || a > 0.0)) {
            wrong.push(format!("{name}: risk.ale = {}, P(compromise) = {p}", doc["risk"]["ale"]));
        }
    }
    assert!(wrong.is_empty(), "accepted, then computed nonsense:\n{}", wrong.join("\n"));
}

#[test]
fn a_missing_model_directory_is_a_plain_error_not_a_model_error_count() {
    let tmp = tempfile::tempdir().unwrap();
    for command in ["validate", "analyze", "chokepoints"] {
        let out = riskpath_in(tmp.path(), &[command, "no-such-model"]);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "{command}: {}", stderr(&out));
        assert_eq!(stderr(&out).trim(), "riskpath: no such file or directory: no-such-model", "{command}");
        assert!(stdout(&out).is_empty(), "{command}");
    }
}

/// Issue 25 item 9: `-k` is bounded (Yen's algorithm runs k searches per actor and target, and
/// 100,000 ran for minutes without a word); `gen` refuses sizes the loader would refuse after.
#[test]
fn unbounded_work_is_refused_up_front() {
    let tmp = tempfile::tempdir().unwrap();
    let model = "entry_points: [{id: i, kind: internet}]\nnodes: [{id: j, kind: datastore, crown_jewel: true, loss: {confidentiality: 1}}]\nedges: [{from: i, to: j, kind: exploits}]\nactors: [{id: a, frequency: 1, entry: [i]}]\n";
    std::fs::write(tmp.path().join("m.yaml"), model).unwrap();
    for command in ["analyze", "report"] {
        let out = riskpath_in(tmp.path(), &[command, "m.yaml", "-k", "100000"]);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert!(stderr(&out).contains("100000 is outside 1..=100"), "{command}: {}", stderr(&out));
    }
    let out = riskpath_in(tmp.path(), &["gen", "--nodes", "2000000", "--edges", "10", "--format", "yaml", "-o", "big"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--nodes 2000000 is above"), "{}", stderr(&out));
    let out = riskpath_in(tmp.path(), &["gen", "--nodes", "20000000", "--edges", "10", "-o", "big"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--nodes 20000000 is above"), "{}", stderr(&out));
    assert!(!tmp.path().join("big").exists());
}

/// Issue 25 item 10: a number out of range is shown as `1e300`, not as 301 digits.
#[test]
fn huge_numbers_in_errors_are_short() {
    let tmp = tempfile::tempdir().unwrap();
    let model = "entry_points: [{id: i, kind: internet}]\nnodes: [{id: j, kind: datastore, crown_jewel: true, loss: {confidentiality: 1}}]\nedges: [{from: i, to: j, kind: exploits}]\nactors: [{id: a, frequency: 1e300, entry: [i]}]\n";
    std::fs::write(tmp.path().join("m.yaml"), model).unwrap();
    let out = riskpath_in(tmp.path(), &["validate", "m.yaml", "--format", "short"]);
    assert_eq!(out.status.code(), Some(1));
    let err = format!("{}{}", stdout(&out), stderr(&out));
    assert!(err.contains("1e300 attempts per year is beyond the supported 1e6"), "{err}");
    assert!(!err.contains("0000000000"), "{err}");
}
