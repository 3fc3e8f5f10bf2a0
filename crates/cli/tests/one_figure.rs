//! One figure per run, end to end on the bundled example: analyze, plan, gaps, choke points, the
//! Navigator layer, SARIF and both reports state the same ALE for the same seed and trials, and
//! the burn-down and the tornado start from it (they used to show the decision trials' estimate).

use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");
const ACME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/acme");
const RUN: [&str; 6] = ["--trials", "20000", "--years", "20000", "--seed", "11"];

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).args(RUN).env("NO_COLOR", "1").output().expect("run riskpath");
    assert_eq!(out.status.code(), Some(0), "riskpath {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn json(args: &[&str]) -> Value {
    let text = run(args);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?} is not JSON ({e})"))
}

/// `$10.4M`-style money, as every renderer writes it.
fn money(x: f64) -> String {
    riskpath_report::style::money(x, "USD")
}

#[test]
fn every_command_states_the_headline_ale() {
    let analysis = json(&["analyze", ACME, "--format", "json"]);
    let ale = analysis["risk"]["ale"].as_f64().expect("risk.ale");
    let plan = json(&["plan", ACME, "--budget", "1500000", "--format", "json"]);
    assert_eq!(plan["plan"]["baseline_ale"].as_f64(), Some(ale), "plan's ALE today");
    assert_eq!(plan["plan"]["burn_down"][0].as_f64(), Some(ale), "the burn-down starts at the headline");
    let gaps = json(&["gaps", ACME, "--format", "json"]);
    assert_eq!(gaps["ale"].as_f64(), Some(ale), "gaps");
    let cut = json(&["chokepoints", ACME, "--format", "json"]);
    assert_eq!(cut["ale"].as_f64(), Some(ale), "chokepoints");
    let sarif = json(&["export", "sarif", ACME]);
    assert_eq!(sarif["runs"][0]["properties"]["ale"].as_f64(), Some(ale), "SARIF");
    let layer = run(&["export", "navigator", ACME]);
    assert!(layer.contains(&format!("baseline ALE of {}", money(ale))), "Navigator:\n{layer}");
    for audience in ["exec", "engineer"] {
        let report = run(&["report", ACME, "--audience", audience, "--format", "md", "--db", "/nonexistent/h.db"]);
        assert!(report.contains(&money(ale)), "{audience} report states the headline {}", money(ale));
    }
}

#[test]
fn what_ifs_are_differences_from_the_headline() {
    let analysis = json(&["analyze", ACME, "--format", "json"]);
    let ale = analysis["risk"]["ale"].as_f64().expect("risk.ale");
    for class in analysis["classes"].as_array().expect("classes") {
        let (reduction, share) = (class["ale_reduction"].as_f64().unwrap(), class["share"].as_f64().unwrap());
        assert!((share - reduction / ale).abs() < 1e-9, "a share is of the headline: {class}");
        assert!(reduction <= ale * (1.0 + 1e-12), "no class removes more than all of it: {class}");
    }
    // The frequency of an actor enters the ALE linearly: its bar passes through the headline at
    // the frequency's mean (lognormal mean of the 90% interval).
    let bar = analysis["sensitivity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["input"] == "frequency of crime")
        .expect("frequency bar")
        .clone();
    let (low, high) = (bar["low"].as_f64().unwrap(), bar["high"].as_f64().unwrap());
    let z = 1.6448536269514722;
    let (mu, sigma) = ((low.ln() + high.ln()) / 2.0, (high.ln() - low.ln()) / (2.0 * z));
    let mean = (mu + sigma * sigma / 2.0).exp();
    let (at_low, at_high) = (bar["ale_at_low"].as_f64().unwrap(), bar["ale_at_high"].as_f64().unwrap());
    let at_mean = at_low + (at_high - at_low) * (mean - low) / (high - low);
    assert!((at_mean / ale - 1.0).abs() < 1e-9, "{at_mean} vs {ale}");
}

/// A missing mitigation is valued by the techniques it addresses removed together: never more than
/// the ALE, never less than its most valuable technique alone, and exactly that technique's value
/// when it addresses one (the same what-if). Summing the techniques instead gave $32M against $10M.
#[test]
fn a_missing_mitigation_is_worth_at_most_the_ale() {
    let gaps = json(&["gaps", ACME, "--format", "json"]);
    let ale = gaps["ale"].as_f64().unwrap();
    let risk_of = |t: &str| {
        gaps["techniques"].as_array().unwrap().iter().find(|x| x["technique"] == t).unwrap()["risk"].as_f64().unwrap()
    };
    let missing = gaps["missing"].as_array().unwrap();
    assert!(!missing.is_empty());
    let mut singles = 0;
    for m in missing {
        let risk = m["risk"].as_f64().unwrap();
        let techniques: Vec<&str> = m["techniques"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
        let best = techniques.iter().map(|t| risk_of(t)).fold(0.0, f64::max);
        assert!(risk <= ale * (1.0 + 1e-12), "{m}");
        assert!(risk >= best - 1e-6 * ale, "{m}: below its best technique {best}");
        if techniques.len() == 1 {
            singles += 1;
            assert!((risk - best.max(0.0)).abs() <= 1e-9 * ale, "{m}: {best}");
        }
    }
    assert!(singles > 0, "the example has a mitigation of one technique");
}
