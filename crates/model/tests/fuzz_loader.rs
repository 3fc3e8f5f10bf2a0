//! The loader never panics, whatever text it is given, and every problem it reports points into
//! the text: `offset + len` within it and both ends on a char boundary (so a caret can be drawn).
//!
//! Three generators, all with a fixed seed so a run is reproducible: random bytes read as
//! (lossy) UTF-8, a soup of YAML tokens, and mutations of a valid model (lines deleted,
//! duplicated, swapped; characters flipped; YAML punctuation, anchors, aliases, tabs, huge
//! numbers, NaN, infinities, nulls and non-ASCII text inserted).

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngAlgorithm, RngSeed};
use riskpath_model::{LoadOptions, Loc, Problems, load_str};

/// A valid model that touches every section and most value shapes.
const VALID: &str = r#"# a valid model, mutated by the fuzzer
settings: {currency: USD, respond: 0.5, trials: 1000, seed: 1}
entry_points:
  - {id: internet, kind: internet}
  - {id: phishing, kind: email, name: "Phishing — é 日本"}
nodes:
  - {id: web, kind: service, zone: dmz, owner: web-team, tags: [internet-facing]}
  - {id: staff, kind: identity, tags: [employee]}
  - id: files-bucket
    kind: bucket
    crown_jewel: true
    loss: {confidentiality: {low: 2e6, high: 4e7}, integrity: 1000}
edges:
  - {from: internet, to: web, kind: exploits}
  - {from: phishing, to: staff, kind: phishes}
  - {id: web-cred, from: web, to: staff, kind: steals_credential, p: 0.4, technique: T1552}
  - {from: staff, to: files-bucket, kind: reads, requires: [web], p: [0.1, 0.3]}
controls:
  - id: fido2
    mitigates: {T1566: 0.9, T1078: {low: 0.6, high: 0.9}}
    detects: {T1078: 0.3}
    scope: [tag:employee, kind:identity, zone:dmz, staff, "*"]
    cost: {once: 120000, yearly: 40000}
    check: {policy: checks/fido2.rego, evidence: [evidence/idp-*.json], max_age: 7d}
  - id: jit-access
    status: planned
    mitigates: {T1530: {low: 0.5, high: 0.8}}
    scope: [files-bucket]
actors:
  - id: crime
    frequency: {low: 2, high: 12}
    entry: [internet, phishing]
    skill: medium
    targets: [files-bucket]
initiatives:
  - {id: jit-admin, deploys: [jit-access], removes: [web-cred], cost: {once: 300000, yearly: 20000},
     duration: 2q, depends_on: []}
"#;

/// Things that upset YAML parsers and typed readers.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "&a ",
    "*a",
    "&b ",
    "*b",
    ":",
    ": ",
    "- ",
    "-",
    ",",
    "\t",
    "\n",
    "  ",
    "#",
    "'",
    "\"",
    "? ",
    "|",
    ">",
    "!",
    "!!str ",
    "!!binary ",
    "%YAML 1.2\n",
    "---\n",
    "...\n",
    "<<: *a",
    "~",
    "null",
    "true",
    "no",
    "0x1F",
    "0o17",
    "1e999",
    "-1e999",
    "99999999999999999999999999",
    "-9223372036854775809",
    "18446744073709551616",
    ".nan",
    ".NaN",
    ".inf",
    "-.inf",
    "NaN",
    "1.5",
    "-0",
    "0.0000001",
    "é",
    "日本語",
    "🎉",
    "\u{200b}",
    "\u{feff}",
    "\r\n",
    "\r",
    "\\",
    "\u{0}",
    "id",
    "kind",
    "nodes",
    "edges",
    "controls",
    "actors",
    "initiatives",
    "settings",
    "entry_points",
    "from",
    "to",
    "p",
    "low",
    "high",
    "loss",
    "crown_jewel",
    "requires",
    "scope",
    "mitigates",
    "T1190",
    "T1078.004",
    "exploits",
    "web",
    "staff",
];

fn config(seed: u64, cases: u32) -> Config {
    Config {
        cases,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        max_shrink_iters: 2000,
        ..Config::default()
    }
}

/// The fixed seed, unless `RISKPATH_FUZZ_SEED` asks for another (to explore more while hunting bugs).
fn env_seed(default: u64) -> u64 {
    std::env::var("RISKPATH_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// The case count, unless `RISKPATH_FUZZ_CASES` asks for more.
fn env_cases(default: u32) -> u32 {
    std::env::var("RISKPATH_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn check_loc(text: &str, loc: Loc, what: &str) {
    let start = loc.offset as usize;
    let end = start + loc.len as usize;
    assert!(end <= text.len(), "{what}: span {start}..{end} past the end of a {}-byte text", text.len());
    assert!(text.is_char_boundary(start), "{what}: span start {start} is inside a character");
    assert!(text.is_char_boundary(end), "{what}: span end {end} is inside a character");
}

fn check_problems(text: &str, problems: &Problems) {
    for p in &problems.list {
        if let Some(loc) = p.loc {
            assert_eq!(loc.file, 0, "one text, one file");
            check_loc(text, loc, &p.message);
            // Positions are 1-based and within the text.
            let (line, col) = problems.sources.line_col(loc);
            assert!(line >= 1 && col >= 1);
            assert!(line <= text.replace("\r\n", "\n").replace('\r', "\n").split('\n').count());
        }
        if let Some((loc, label)) = &p.related {
            check_loc(text, *loc, label);
        }
    }
    // Rendering (miette snippets, short lines) must not panic on any span either.
    let _ = problems.render(false);
    let _ = problems.render_short();
}

/// Loads `text`; it must return, not panic, and every span must point into the text.
fn load_checked(text: &str) {
    let result = std::panic::catch_unwind(|| load_str("fuzz.yaml", text, &LoadOptions::default()));
    let result = result.unwrap_or_else(|_| panic!("the loader panicked on {text:?}"));
    match result {
        Ok(loaded) => check_problems(text, &loaded.warnings),
        Err(problems) => {
            assert!(problems.error_count() > 0, "Err without an error: {problems:?}");
            check_problems(text, &problems);
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    /// Replace the character at a position (by char index) with another.
    FlipChar(usize, char),
    /// Insert a token at a char position.
    Insert(usize, &'static str),
    /// Cut the text at a char position.
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => any::<usize>().prop_map(Mutation::DeleteLine),
        1 => any::<usize>().prop_map(Mutation::DuplicateLine),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        1 => (any::<usize>(), prop_oneof![Just(' '), Just(':'), Just('\t'), Just('{'), any::<char>()])
            .prop_map(|(i, c)| Mutation::FlipChar(i, c)),
        3 => (any::<usize>(), prop::sample::select(TOKENS)).prop_map(|(i, t)| Mutation::Insert(i, t)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
    ]
}

/// The byte index of the `i`-th char (mod the char count + 1), so edits stay on char boundaries.
fn char_pos(text: &str, i: usize) -> usize {
    let n = text.chars().count() + 1;
    text.char_indices().map(|(b, _)| b).chain([text.len()]).nth(i % n).unwrap()
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<&str> = text.split('\n').collect();
    let n = lines.len();
    match *m {
        Mutation::DeleteLine(i) => {
            lines.remove(i % n);
            lines.join("\n")
        }
        Mutation::DuplicateLine(i) => {
            lines.insert(i % n, lines[i % n]);
            lines.join("\n")
        }
        Mutation::SwapLines(a, b) => {
            lines.swap(a % n, b % n);
            lines.join("\n")
        }
        Mutation::FlipChar(i, c) => {
            let mut s = text.to_string();
            let at = char_pos(text, i);
            if at < s.len() {
                let old = s[at..].chars().next().unwrap();
                s.replace_range(at..at + old.len_utf8(), c.encode_utf8(&mut [0; 4]));
            }
            s
        }
        Mutation::Insert(i, t) => {
            let mut s = text.to_string();
            s.insert_str(char_pos(text, i), t);
            s
        }
        Mutation::Truncate(i) => text[..char_pos(text, i)].to_string(),
    }
}

#[test]
fn the_unmutated_model_is_valid() {
    let loaded = load_str("valid.yaml", VALID, &LoadOptions::default()).unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(loaded.model.edges.len(), 4);
    assert_eq!(loaded.model.initiatives.len(), 1);
}

proptest! {
    #![proptest_config(config(env_seed(0x5eed_0001), env_cases(300)))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        load_checked(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_unicode_never_panics(text in "\\PC{0,200}") {
        load_checked(&text);
    }
}

proptest! {
    #![proptest_config(config(env_seed(0x5eed_0002), env_cases(400)))]

    #[test]
    fn yaml_token_soup_never_panics(tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..80)) {
        load_checked(&tokens.concat());
    }
}

proptest! {
    #![proptest_config(config(env_seed(0x5eed_0003), env_cases(500)))]

    #[test]
    fn mutated_models_never_panic(mutations in prop::collection::vec(mutation(), 1..8)) {
        let text = mutations.iter().fold(VALID.to_string(), |t, m| apply(&t, m));
        load_checked(&text);
    }
}

/// Hand-picked texts the generators may not reach: problems at the very end of the text, empty
/// scalars, lone punctuation, a byte-order mark, CRLF, multi-byte characters before a problem.
#[test]
fn edge_cases_never_panic_and_point_into_the_text() {
    let cases = [
        "",
        " ",
        "\n\n",
        "~",
        "-",
        ":",
        "{",
        "[",
        "&a",
        "*a",
        "nodes:",
        "nodes:\n  - id:",
        "nodes:\n  - id: web\n    kind:",
        "nodes:\n  - {id: web, kind: service}\nedges:\n  - {from: web, to:",
        "edges:\n  - {from: a, to: b, kind: exploits, p:",
        "\u{feff}nodes: [{id: é, kind: servce}]",
        "nodes:\r\n  - {id: web, kind: servce}\r\n",
        "nodes:\n  - {name: \"日本語 🎉\", id: web, kind: servce}\n",
        "settings: {trials: 1e999, seed: -1, respond: .nan, currency: €€€}",
        "actors: [{id: a, frequency: .inf, entry: [x]}]",
        "nodes: [{id: j, kind: host, crown_jewel: true, loss: {confidentiality: {low: -.inf, high: .nan}}}]",
        "a: &a [*a]",
        "<<: *a",
        "%YAML 1.2\n---\nnodes: []\n...\n---\nedges: []\n",
        "!!binary aGVsbG8=",
        "nodes: !!binary aGVsbG8=",
        "\t",
        "nodes:\n\t- id: x",
    ];
    for text in cases {
        load_checked(text);
    }
}

/// Minimal texts the fuzzer found whose problem spans leave the text or cut a character in two.
/// Cause: `yaml::to_node` (and the parse-error path) widen an empty span to one *byte*
/// (`byte_len.max(1)`): block mappings get empty spans from serde-saphyr, so when the mapping
/// starts with a multi-byte character the span ends inside it, and an empty value at the very end
/// of the text gets a span one byte past the end. Anything that slices the text by a span (a
/// snippet, an LSP or SARIF writer) would panic; miette silently drops the caret.
#[test]
fn spans_never_cut_a_character_or_pass_the_end() {
    let cases = [
        // A list item with no value at the end of the text: span 10..11 of a 10-byte text.
        "nodes:\n  -",
        "entry_points:\n  - ",
        // A block mapping that starts with `é`: the node's span is 11..12, inside `é` (11..13).
        "nodes:\n  - é: x\n",
        "controls:\n  - ¡d: x\n",
        // `nodes` written as a block mapping starting with a multi-byte key.
        "nodes:\n  é: x\n",
        // A complex key that is a mapping starting with `é`.
        "? é: ~\n",
        // A parse error (second document) reported at a multi-byte character.
        "!---\n...\né:",
    ];
    for text in cases {
        load_checked(text);
    }
}
