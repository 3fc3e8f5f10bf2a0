//! Hostile policies and evidence against the checks (issue 25): recursion and deep chains are
//! refused before they run (they used to overflow the evaluator's stack and abort the process),
//! local names that shadow a rule are not mistaken for recursion, and a policy that cannot see
//! its evidence is never a pass.

use std::time::{Duration, SystemTime};

use riskpath_assure::Limits;
use riskpath_assure::check::{CheckOptions, ControlResult, State, check_controls};
use riskpath_assure::policy::{MAX_DEPTH, Sandbox};
use riskpath_model::LoadOptions;

const MODEL: &str = include_str!("../../../data/test/checked.yaml");

fn check(policy: &str, evidence: &[u8], limits: Limits) -> ControlResult {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, bytes: &[u8]| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    };
    write("model.yaml", MODEL.as_bytes());
    write("checks/p.rego", policy.as_bytes());
    write("evidence/e.json", evidence);
    let model = riskpath_model::load(dir.path(), &LoadOptions::default()).unwrap().model;
    let options = CheckOptions { base: dir.path(), now: SystemTime::now(), limits, sandbox: Sandbox::Thread };
    check_controls(&model, &options).pop().unwrap()
}

fn limits() -> Limits {
    Limits { policy_timeout: Duration::from_millis(3000), ..Limits::default() }
}

/// The control errs with one message containing every part of `wanted`.
fn assert_error(result: &ControlResult, wanted: &[&str]) {
    assert_eq!(result.state, State::Error, "{:?}", result.messages);
    let message = result.messages.join("\n");
    for part in wanted {
        assert!(message.contains(part), "`{part}` not in {message:?}");
    }
}

#[test]
fn recursive_functions_are_refused_not_run() {
    let cases: &[(&str, &[&str])] = &[
        (
            "package main\nf(x) := y if { y := f(x + 1) }\ndeny contains \"x\" if { f(1) > 0 }\n",
            &["checks/p.rego:2:", "`f` depends on itself (f → f)"],
        ),
        (
            "package main\nf(x) := g(x)\ng(x) := f(x)\ndeny contains \"x\" if { f(1) > 0 }\n",
            &["checks/p.rego:2:", "(f → g → f)", "does not allow recursion"],
        ),
        ("package main\nf(x) := 1 if { x > 9 } else := f(x + 1)\ndeny contains \"x\" if { f(1) }\n", &["f → f"]),
        ("package main\nf(x) := [y | y := f(x)][0]\ndeny contains \"x\" if { f(1) }\n", &["f → f"]),
        ("package main\nf(x) := data.main.f(x)\ndeny contains \"x\" if { f(1) }\n", &["f → f"]),
        ("package main\nimport data.main.f as g\nf(x) := g(x)\ndeny contains \"x\" if { f(1) }\n", &["f → f"]),
        ("package main\nf(x) := y if { some y in [f(x)] }\ndeny contains \"x\" if { f(1) }\n", &["f → f"]),
        ("package main\nf(x) := true if { every v in [1] { f(v) } }\ndeny contains \"x\" if { f(1) }\n", &["f → f"]),
        ("package main\nr := s\ns := r\ndeny contains \"x\" if { r }\n", &["(r → s → r)"]),
        ("package main\nr := data.main\ndeny contains \"x\" if { r }\n", &["`r` depends on itself"]),
        ("package main\nf(x) := y if { y := x with input as f(1) }\ndeny contains \"x\" if { f(1) }\n", &["f → f"]),
    ];
    for (policy, wanted) in cases {
        assert_error(&check(policy, b"{}", limits()), wanted);
    }
}

#[test]
fn chains_deeper_than_the_bound_are_refused_and_shallow_ones_run() {
    let chain = |n: usize| {
        let mut p = String::from("package main\n");
        for i in 0..n {
            p.push_str(&format!("f{i}(x) := f{}(x)\n", i + 1));
        }
        p.push_str(&format!("f{n}(x) := x\ndeny contains \"deep\" if {{ f0(1) > 0 }}\n"));
        p
    };
    let deep = check(&chain(MAX_DEPTH as usize + 10), b"{}", limits());
    assert_error(&deep, &["checks/p.rego:", "nests", "over the limit of 2000", "deny → f0 → f1 → …"]);
    // The chain that used to overflow the stack: 9,000 rules, each `not` the next.
    let mut nots = String::from("package main\n");
    for i in 0..9_000 {
        nots.push_str(&format!("r{i} if {{ not s{i} }}\ns{i} if {{ not r{} }}\n", i + 1));
    }
    nots.push_str("r9000 := false\ndeny contains \"x\" if { r0 }\n");
    assert_error(&check(&nots, b"{}", limits()), &["nests", "levels deep"]);
    let shallow = check(&chain(100), b"{}", limits());
    assert_eq!(shallow.state, State::Fail, "{:?}", shallow.messages);
    assert_eq!(shallow.messages, ["deep"]);
}

/// A local variable or argument with a rule's name is the local, as regorus and OPA read it.
#[test]
fn locals_that_shadow_a_rule_are_not_recursion() {
    let policies = [
        "package main\nusers := [u | some u in input.users; has_mfa(u)]\nhas_mfa(users) := users.mfa\ndeny contains u.name if { some u in input.users; not has_mfa(u) }\n",
        "package main\nn := count(deny)\ndeny contains \"many\" if { n := 5; n > 3 }\n",
        "package main\nv := count([x | some x in deny])\ndeny contains \"v\" if { y := [v | v := 2]; count(y) > 0 }\n",
        "package main\nk := object.keys(deny)\ndeny contains \"e\" if { every k, v in {\"a\": 1} { v > 0; k != \"\" } }\n",
    ];
    for policy in policies {
        let r = check(policy, br#"{"users": [{"name": "ana", "mfa": false}]}"#, limits());
        assert_eq!(r.state, State::Fail, "{policy}: {:?}", r.messages);
    }
}

/// Evidence larger than the memory budget used to reach the policy as `undefined`, so
/// `deny if count(input) > 0` passed. Now the policy sees it or the check errs; it never passes.
#[test]
fn evidence_over_the_memory_budget_is_never_a_pass() {
    // One object of 600,000 keys (11 MB): its conversion is what overran the budget.
    let keys: Vec<String> = (0..600_000).map(|i| format!("\"k{i}\": {i}")).collect();
    let evidence = format!("{{\"m\": {{{}}}}}", keys.join(", "));
    assert!(evidence.len() > 10 << 20);
    let policy = "package main\ndeny contains \"evidence present\" if { count(input) > 0 }\n";
    for budget in [4u64 << 20, 16 << 20] {
        let r = check(policy, evidence.as_bytes(), Limits { max_policy_memory: budget, ..limits() });
        assert_ne!(r.state, State::Pass, "budget {budget}: {:?}", r.messages);
    }
}

#[test]
fn the_shape_check_is_linear_on_a_large_policy() {
    // 15,000 independent rules (regorus accepts 20,000 lines): checked well within a second.
    let mut p = String::from("package main\n");
    for i in 0..15_000 {
        p.push_str(&format!("r{i} := count([x | some x in input.items; x > {i}])\n"));
    }
    p.push_str("deny contains \"x\" if { r0 > 0 }\n");
    let start = std::time::Instant::now();
    let r = check(&p, br#"{"items": [1]}"#, limits());
    assert_eq!(r.state, State::Fail, "{:?}", r.messages);
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
}
