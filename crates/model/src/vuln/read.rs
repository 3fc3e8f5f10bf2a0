//! Typing an edge's `vulnerabilities` list: each entry's id, evidence and fix, every problem
//! collected with its place (a malformed CVE id, a score out of range, an unknown vector).

use crate::read::{Range, Reader};
use crate::source::{Loc, Problem};
use crate::types::{Estimate, Spanned};
use crate::yaml::Node as YNode;

use super::{FixState, SeverityBand, Vector, Vulnerability, id_problem};

impl Reader {
    /// An edge's `vulnerabilities`: a non-empty list of entries, and the edge probability they
    /// give (`None` when any entry is unreadable; its problem is reported).
    pub(crate) fn vulnerabilities(&mut self, node: &YNode) -> (Vec<Vulnerability>, Option<Spanned<Estimate>>) {
        let items = self.list(node, "edge `vulnerabilities`");
        if items.is_empty() {
            self.problems.push(
                Problem::error("edge `vulnerabilities` is empty", Some(node.loc))
                    .with_help("list the vulnerabilities the edge stands for, or remove the key (or the edge)"),
            );
            return (Vec::new(), None);
        }
        let read: Vec<Option<Vulnerability>> = items.iter().map(|item| self.vulnerability(item)).collect();
        if read.iter().any(Option::is_none) {
            return (Vec::new(), None);
        }
        let vulns: Vec<Vulnerability> = read.into_iter().flatten().collect();
        let p = super::combine(&vulns);
        (vulns, Some(Spanned { value: Estimate::Point(p), loc: node.loc }))
    }

    fn vulnerability(&mut self, node: &YNode) -> Option<Vulnerability> {
        let what = "a vulnerability";
        let f = self.fields(node, what, crate::keys::VULNERABILITY)?;
        let id = self.required_string(&f, "id", what)?;
        if let Some(why) = id_problem(&id.value) {
            self.problems
                .push(Problem::error(why, Some(id.loc)).with_help("e.g. CVE-2024-3400 or GHSA-cfh5-3ghh-wfjx"));
            return None;
        }
        let mut v = Vulnerability::new(id.value);
        v.loc = id.loc;
        let mut ok = true;
        for (key, slot) in [("kev", &mut v.kev), ("ransomware", &mut v.ransomware)] {
            if let Some(n) = f.get(key) {
                match self.bool(n, &format!("vulnerability `{key}`")) {
                    Some(b) => *slot = b,
                    None => ok = false,
                }
            }
        }
        if let Some(n) = f.get("p") {
            v.p = self.number(n, "vulnerability `p`", Range::Probability);
            ok &= v.p.is_some();
        }
        if let Some(n) = f.get("epss") {
            v.epss = self.number(n, "vulnerability `epss` (a 30-day probability)", Range::Probability);
            ok &= v.epss.is_some();
        }
        if let Some(n) = f.get("cvss") {
            v.cvss = self.bounded(n, "vulnerability `cvss` (a CVSS base score)", 0.0, 10.0);
            ok &= v.cvss.is_some();
        }
        if let Some(n) = f.get("window") {
            v.window_days = self.bounded(n, "vulnerability `window` (days)", 0.0, 3650.0).unwrap_or_else(|| {
                ok = false;
                0.0
            });
        }
        if let Some(n) = f.get("severity") {
            v.severity = self.choice(n, "vulnerability `severity`", &SeverityBand::NAMES).and_then(SeverityBand::parse);
            ok &= v.severity.is_some();
        }
        if let Some(n) = f.get("vector") {
            v.vector = self.choice(n, "vulnerability `vector`", &Vector::NAMES).and_then(Vector::parse);
            ok &= v.vector.is_some();
        }
        v.fix = self.optional_string(&f, "fix", what);
        v.fix_state = match f.get("fix_state") {
            Some(n) => match self.choice(n, "vulnerability `fix_state`", &FixState::NAMES).and_then(FixState::parse) {
                Some(s) => s,
                None => {
                    ok = false;
                    FixState::NotFixed
                }
            },
            None if v.fix.is_some() => FixState::Fixed,
            None => FixState::NotFixed,
        };
        v.package = self.optional_string(&f, "package", what);
        v.installed = self.optional_string(&f, "installed", what);
        v.artifact = self.optional_string(&f, "artifact", what);
        ok.then_some(v)
    }

    /// A number within `[low, high]`.
    fn bounded(&mut self, node: &YNode, what: &str, low: f64, high: f64) -> Option<f64> {
        let v = self.number(node, what, Range::Money)?;
        if v < low || v > high {
            self.error(format!("{what}: {v} is outside [{low}, {high}]"), node.loc);
            return None;
        }
        Some(v)
    }
}

/// Where an edge's `p` and `vulnerabilities` conflict: both given.
pub(crate) fn both_given(p: Loc) -> Problem {
    Problem::error("an edge with `vulnerabilities` takes its `p` from them; do not give both", Some(p))
        .with_label("remove this `p`")
        .with_help("to override one vulnerability's probability, give `p` on that vulnerability")
}
