//! Typing of parsed files into the model: keys, shapes, units and value ranges.
//! Problems are collected, never thrown, so one run reports every mistake in every file.

use crate::kb::Skill;
use crate::keys;
use crate::source::{Loc, Problem};
use crate::suggest::did_you_mean;
use crate::types::*;
use crate::yaml::{Node as YNode, Value};

/// The allowed range of a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// A probability or an efficacy: [0, 1].
    Probability,
    /// Money or a cost: ≥ 0 and at most 10^15.
    Money,
    /// Attempts per year: ≥ 0 and at most 10^6.
    Frequency,
    /// A number of things (members a campaign reaches): ≥ 0 and at most 10^9.
    Count,
}

/// A number as an error message shows it: plain when short, else in scientific notation (`1e300`,
/// not 301 digits).
fn shown(v: f64) -> String {
    let magnitude = v.abs();
    if magnitude != 0.0 && !(1e-6..1e15).contains(&magnitude) { format!("{v:e}") } else { format!("{v}") }
}

impl Range {
    fn check(self, v: f64) -> Result<(), String> {
        let shown = || shown(v);
        if !v.is_finite() {
            return Err(format!("{} is not a finite number", shown()));
        }
        match self {
            Range::Probability if !(0.0..=1.0).contains(&v) => {
                Err(format!("{} is outside [0, 1]; probabilities and efficacies are fractions", shown()))
            }
            Range::Money | Range::Frequency | Range::Count if v < 0.0 => Err(format!("{} is negative", shown())),
            Range::Money if v > 1e15 => Err(format!("{} is beyond any plausible amount of money (max 1e15)", shown())),
            Range::Frequency if v > 1e6 => Err(format!("{} attempts per year is beyond the supported 1e6", shown())),
            Range::Count if v > 1e9 => Err(format!("{} is beyond the supported 1e9", shown())),
            _ => Ok(()),
        }
    }
}

/// The fields of one YAML mapping, after its keys were checked against the allowed set.
pub struct Fields<'a> {
    pub loc: Loc,
    entries: Vec<(&'a str, &'a YNode)>,
}

impl<'a> Fields<'a> {
    pub fn get(&self, key: &str) -> Option<&'a YNode> {
        self.entries.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// Reads typed values out of a parsed file, collecting every problem it meets.
#[derive(Default)]
pub struct Reader {
    pub problems: Vec<Problem>,
    /// The load's shared names (edges' ends and kinds).
    pub names: Names,
}

impl Reader {
    pub fn error(&mut self, message: impl Into<String>, loc: Loc) {
        self.problems.push(Problem::error(message, Some(loc)));
    }

    /// A mapping whose keys are all in `allowed`; unknown keys are errors with a suggestion.
    pub fn fields<'a>(&mut self, node: &'a YNode, what: &str, allowed: &[&str]) -> Option<Fields<'a>> {
        let Value::Map(entries) = &node.value else {
            self.error(format!("{what} must be a mapping, found {}", node.value.describe()), node.loc);
            return None;
        };
        let mut fields = Fields { loc: node.loc, entries: Vec::with_capacity(entries.len()) };
        for (key, value) in entries {
            let Value::Str(name) = &key.value else {
                self.error(format!("keys of {what} must be strings, found {}", key.value.describe()), key.loc);
                continue;
            };
            if allowed.contains(&name.as_str()) {
                fields.entries.push((name.as_str(), value));
            } else {
                let help = did_you_mean(name, allowed.iter().copied())
                    .unwrap_or_else(|| format!("allowed keys: {}", allowed.join(", ")));
                self.problems.push(
                    Problem::error(format!("unknown key `{name}` in {what}"), Some(key.loc))
                        .with_label("not a key of this item")
                        .with_help(help),
                );
            }
        }
        Some(fields)
    }

    /// The items of a list; `null` is an empty list.
    pub fn list<'a>(&mut self, node: &'a YNode, what: &str) -> &'a [YNode] {
        match &node.value {
            Value::Seq(items) => items,
            Value::Null => &[],
            other => {
                self.error(format!("{what} must be a list, found {}", other.describe()), node.loc);
                &[]
            }
        }
    }

    pub fn string(&mut self, node: &YNode, what: &str) -> Option<Spanned<String>> {
        self.string_named(node, || what.to_string())
    }

    /// [`Self::string`] with the words for messages made only when there is one (a model has
    /// millions of strings and few problems).
    fn string_named(&mut self, node: &YNode, what: impl Fn() -> String) -> Option<Spanned<String>> {
        match &node.value {
            Value::Str(s) if !s.trim().is_empty() => Some(Spanned { value: s.clone(), loc: node.loc }),
            Value::Str(_) => {
                self.error(format!("{} must not be empty", what()), node.loc);
                None
            }
            other => {
                self.error(format!("{} must be a string, found {}", what(), other.describe()), node.loc);
                None
            }
        }
    }

    pub fn required<'a>(&mut self, fields: &Fields<'a>, key: &str, what: &str) -> Option<&'a YNode> {
        let found = fields.get(key);
        if found.is_none() {
            self.problems.push(
                Problem::error(format!("{what} is missing the required key `{key}`"), Some(fields.loc))
                    .with_label(format!("needs `{key}`")),
            );
        }
        found
    }

    pub fn required_string(&mut self, fields: &Fields, key: &str, what: &str) -> Option<Spanned<String>> {
        let node = self.required(fields, key, what)?;
        self.string_named(node, || format!("`{key}` of {what}"))
    }

    pub fn optional_string(&mut self, fields: &Fields, key: &str, what: &str) -> Option<String> {
        let node = fields.get(key)?;
        self.string_named(node, || format!("`{key}` of {what}")).map(|s| s.value)
    }

    /// A list of strings; a single string is a list of one.
    pub fn strings(&mut self, fields: &Fields, key: &str, what: &str) -> Vec<Spanned<String>> {
        let Some(node) = fields.get(key) else { return Vec::new() };
        let what = || format!("`{key}` of {what}");
        if let Value::Str(_) = node.value {
            return self.string_named(node, what).into_iter().collect();
        }
        let items = self.list(node, &what());
        items.iter().filter_map(|item| self.string_named(item, || format!("an item of {}", what()))).collect()
    }

    pub fn number(&mut self, node: &YNode, what: &str, range: Range) -> Option<f64> {
        let v = match node.value {
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
            ref other => {
                self.error(format!("{what} must be a number, found {}", other.describe()), node.loc);
                return None;
            }
        };
        match range.check(v) {
            Ok(()) => Some(v),
            Err(why) => {
                self.error(format!("{what}: {why}"), node.loc);
                None
            }
        }
    }

    pub fn bool(&mut self, node: &YNode, what: &str) -> Option<bool> {
        match node.value {
            Value::Bool(b) => Some(b),
            ref other => {
                self.error(format!("{what} must be true or false, found {}", other.describe()), node.loc);
                None
            }
        }
    }

    /// A number or a 90% interval `{low, high}` (also `[low, high]`).
    pub fn estimate(&mut self, node: &YNode, what: &str, range: Range) -> Option<Spanned<Estimate>> {
        let (low_node, high_node) = match &node.value {
            Value::Int(_) | Value::Float(_) => {
                let v = self.number(node, what, range)?;
                return Some(Spanned { value: Estimate::Point(v), loc: node.loc });
            }
            Value::Map(_) => {
                let f = self.fields(node, what, keys::INTERVAL)?;
                let low = self.required(&f, "low", what);
                let high = self.required(&f, "high", what);
                (low?, high?)
            }
            Value::Seq(items) if items.len() == 2 => (&items[0], &items[1]),
            other => {
                self.error(
                    format!("{what} must be a number or an interval {{low, high}}, found {}", other.describe()),
                    node.loc,
                );
                return None;
            }
        };
        let low = self.number(low_node, &format!("`low` of {what}"), range);
        let high = self.number(high_node, &format!("`high` of {what}"), range);
        let (low, high) = (low?, high?);
        if low > high {
            self.problems.push(
                Problem::error(format!("{what}: interval has low {low} > high {high}"), Some(node.loc))
                    .with_label("low must not exceed high")
                    .with_help("an interval is {low: 5th percentile, high: 95th percentile}"),
            );
            return None;
        }
        if range != Range::Probability && low < high {
            if low <= 0.0 {
                self.problems.push(
                    Problem::error(format!("{what}: interval low must be above 0"), Some(node.loc))
                        .with_help("money and frequency intervals are lognormal; use a small positive low such as 1"),
                );
                return None;
            }
            if high / low > 1e6 {
                self.problems.push(
                    Problem::error(format!("{what}: interval spans more than six orders of magnitude"), Some(node.loc))
                        .with_help("a 90% interval that wide says nothing; narrow it or split the item"),
                );
                return None;
            }
        }
        let value = if low == high { Estimate::Point(low) } else { Estimate::Interval { low, high } };
        Some(Spanned { value, loc: node.loc })
    }

    pub fn cost(&mut self, node: &YNode, what: &str) -> Cost {
        if let Value::Int(_) | Value::Float(_) = node.value {
            return Cost { once: self.number(node, what, Range::Money).unwrap_or(0.0), yearly: 0.0 };
        }
        let Some(f) = self.fields(node, what, keys::COST) else { return Cost::default() };
        let mut amount = |key: &str| {
            f.get(key).and_then(|n| self.number(n, &format!("`{key}` of {what}"), Range::Money)).unwrap_or(0.0)
        };
        Cost { once: amount("once"), yearly: amount("yearly") }
    }

    /// One `scope` entry: a selector on the edge's target, or with `from:` on its source (`to:` says
    /// the default explicitly).
    fn scope_selector(&mut self, s: Spanned<String>) -> Spanned<ScopeSelector> {
        let v = s.value.trim();
        let (side, rest) = match v.split_once(':') {
            Some(("from", rest)) => (Side::Source, rest.trim()),
            Some(("to", rest)) => (Side::Target, rest.trim()),
            _ => (Side::Target, v),
        };
        let problem = if rest.is_empty() {
            Some(format!("scope `{v}` names a side but no selector"))
        } else if rest.starts_with("from:") || rest.starts_with("to:") {
            Some(format!("scope `{v}` names a side twice"))
        } else {
            None
        };
        if let Some(message) = problem {
            self.problems.push(Problem::error(message, Some(s.loc)).with_help(
                "a selector looks at one end of the edge: from:tag:workstation its source, tag:employee (or to:tag:employee) its target",
            ));
            // Reported once here; `*` keeps validation from reporting it again as a dangling id.
            return Spanned { value: ScopeSelector { side, selector: Selector::Any }, loc: s.loc };
        }
        Spanned { value: ScopeSelector { side, selector: parse_selector(rest) }, loc: s.loc }
    }

    /// A count of something with a unit suffix, e.g. `2q`, `7d`; a plain number uses `default_unit`.
    pub fn quantity(&mut self, node: &YNode, what: &str, units: &[(&str, f64)], default_unit: f64) -> Option<f64> {
        let unit_list = || units.iter().map(|(u, _)| *u).collect::<Vec<_>>().join(", ");
        match &node.value {
            Value::Int(i) if *i >= 0 => Some(*i as f64 * default_unit),
            Value::Str(s) => {
                let s = s.trim();
                let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
                let (digits, unit) = s.split_at(split);
                let factor = units.iter().find(|(u, _)| *u == unit.trim()).map(|(_, f)| *f);
                match (digits.parse::<f64>(), factor) {
                    (Ok(n), Some(f)) if n.is_finite() => Some(n * f),
                    _ => {
                        self.problems.push(
                            Problem::error(format!("{what}: cannot read `{s}`"), Some(node.loc))
                                .with_help(format!("write a number with a unit: {}", unit_list())),
                        );
                        None
                    }
                }
            }
            other => {
                self.error(
                    format!("{what} must be a number with a unit ({}), found {}", unit_list(), other.describe()),
                    node.loc,
                );
                None
            }
        }
    }

    /// A name from a fixed set of choices.
    pub fn choice<'c>(&mut self, node: &YNode, what: &str, choices: &[&'c str]) -> Option<&'c str> {
        let s = self.string(node, what)?;
        if let Some(c) = choices.iter().find(|c| **c == s.value) {
            return Some(c);
        }
        let help = did_you_mean(&s.value, choices.iter().copied())
            .unwrap_or_else(|| format!("one of: {}", choices.join(", ")));
        self.problems.push(Problem::error(format!("{what}: unknown value `{}`", s.value), Some(s.loc)).with_help(help));
        None
    }
}

const QUARTER_UNITS: &[(&str, f64)] = &[("q", 1.0), ("m", 1.0 / 3.0), ("y", 4.0)];
const AGE_UNITS: &[(&str, f64)] = &[("s", 1.0), ("m", 60.0), ("h", 3600.0), ("d", 86400.0), ("w", 604800.0)];

/// Everything one file contributes to the model.
#[derive(Default)]
pub struct FileContents {
    pub settings: Vec<(&'static str, Loc, SettingValue)>,
    pub entry_points: Vec<EntryPoint>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub controls: Vec<Control>,
    pub actors: Vec<Actor>,
    /// Actors written without `targets`; the loader gives them every crown jewel.
    pub actors_targeting_all: Vec<String>,
    pub initiatives: Vec<Initiative>,
    pub loss_groups: Vec<crate::groups::LossGroup>,
    pub accepted_risks: Vec<crate::accepted::AcceptedRisk>,
}

#[derive(Debug, Clone)]
pub enum SettingValue {
    Text(String),
    Number(f64),
    Count(u64),
    List(Vec<String>),
}

impl Reader {
    pub fn file(&mut self, root: &YNode) -> FileContents {
        let mut out = FileContents::default();
        if let Value::Null = root.value {
            return out;
        }
        let Some(top) = self.fields(root, "a model file", keys::FILE) else { return out };
        if let Some(n) = top.get("settings") {
            self.settings(n, &mut out);
        }
        for &key in &keys::FILE[1..] {
            let Some(n) = top.get(key) else { continue };
            if key == "import" {
                // Settings for importers (`import.aws`): read by `riskpath import`, not by the loader.
                if !matches!(n.value, Value::Map(_) | Value::Null) {
                    self.error(
                        format!("`import` must be a mapping of importer settings, found {}", n.value.describe()),
                        n.loc,
                    );
                }
                continue;
            }
            for item in self.list(n, &format!("`{key}`")) {
                match key {
                    "entry_points" => self.entry_point(item, &mut out),
                    "nodes" => self.node(item, &mut out),
                    "edges" => self.edge(item, &mut out),
                    "controls" => self.control(item, &mut out),
                    "actors" => self.actor(item, &mut out),
                    "loss_groups" => out.loss_groups.extend(self.loss_group(item)),
                    "accepted_risks" => out.accepted_risks.extend(self.accepted_risk(item)),
                    _ => self.initiative(item, &mut out),
                }
            }
        }
        out
    }

    /// One line of a JSON Lines file: `{"<kind>": item}`, one key of [`keys::LINE`].
    pub fn line(&mut self, node: &YNode, out: &mut FileContents) {
        let Some(f) = self.fields(node, "a line", keys::LINE) else { return };
        let [(kind, item)] = f.entries[..] else {
            if f.entries.len() > 1 {
                self.problems.push(
                    Problem::error(format!("a line holds one item, found {}", f.entries.len()), Some(f.loc))
                        .with_help("write each item on its own line, e.g. {\"edge\": {\"from\": \"a\", \"to\": \"b\", \"kind\": \"ssh\"}}"),
                );
            } else if matches!(&node.value, Value::Map(m) if m.is_empty()) {
                self.error(format!("an empty line item; one of: {}", keys::LINE.join(", ")), f.loc);
            }
            return;
        };
        match kind {
            "settings" => self.settings(item, out),
            "entry_point" => self.entry_point(item, out),
            "node" => self.node(item, out),
            "edge" => self.edge(item, out),
            "control" => self.control(item, out),
            "actor" => self.actor(item, out),
            "loss_group" => out.loss_groups.extend(self.loss_group(item)),
            "accepted_risk" => out.accepted_risks.extend(self.accepted_risk(item)),
            _ => self.initiative(item, out),
        }
    }

    fn settings(&mut self, node: &YNode, out: &mut FileContents) {
        let Some(f) = self.fields(node, "settings", keys::SETTINGS) else { return };
        for &key in keys::SETTINGS {
            let Some(n) = f.get(key) else { continue };
            let what = format!("settings `{key}`");
            let value = match key {
                "currency" => self.string(n, &what).and_then(|s| {
                    let ok = s.value.len() == 3 && s.value.chars().all(|c| c.is_ascii_uppercase());
                    if !ok {
                        self.problems.push(
                            Problem::error(format!("{what}: `{}` is not an ISO 4217 code", s.value), Some(s.loc))
                                .with_help("three capital letters, e.g. USD, EUR, GBP"),
                        );
                    }
                    ok.then_some(SettingValue::Text(s.value))
                }),
                "attack" => self.string(n, &what).map(|s| SettingValue::Text(s.value)),
                "platforms" => self.platforms(&f, &what).map(SettingValue::List),
                "respond" => self.number(n, &what, Range::Probability).map(SettingValue::Number),
                "tolerance" => self.number(n, &what, Range::Money).map(SettingValue::Number),
                "day_rate" => self.day_rate(n, &what).map(SettingValue::Number),
                "seed" => self.whole(n, &what, 0, u64::MAX >> 11).map(SettingValue::Count),
                _ => self.whole(n, &what, 1, 1_000_000_000).map(SettingValue::Count),
            };
            if let Some(v) = value {
                out.settings.push((key, n.loc, v));
            }
        }
    }

    /// `settings.platforms`: ATT&CK platform names, exactly as ATT&CK spells them.
    fn platforms(&mut self, f: &Fields, what: &str) -> Option<Vec<String>> {
        let names = self.strings(f, "platforms", "settings");
        let known = crate::kb::PLATFORMS;
        let mut ok = true;
        for name in &names {
            if !known.contains(&name.value.as_str()) {
                ok = false;
                let help = known
                    .iter()
                    .find(|p| p.eq_ignore_ascii_case(&name.value))
                    .map(|p| format!("ATT&CK spells it `{p}`"))
                    .or_else(|| did_you_mean(&name.value, known.iter().copied()))
                    .unwrap_or_else(|| format!("ATT&CK platforms: {}", known.join(", ")));
                self.problems.push(
                    Problem::error(format!("{what}: unknown ATT&CK platform `{}`", name.value), Some(name.loc))
                        .with_help(help),
                );
            }
        }
        ok.then(|| names.into_iter().map(|n| n.value).collect())
    }

    fn whole(&mut self, node: &YNode, what: &str, min: u64, max: u64) -> Option<u64> {
        match node.value {
            Value::Int(i) if i >= min as i64 && i as u64 <= max => Some(i as u64),
            Value::Float(f) if f >= min as f64 && f.fract() == 0.0 && f <= max as f64 => Some(f as u64),
            _ => {
                self.error(format!("{what} must be a whole number from {min} to {max}"), node.loc);
                None
            }
        }
    }

    fn entry_point(&mut self, node: &YNode, out: &mut FileContents) {
        let what = "an entry point";
        let Some(f) = self.fields(node, what, keys::ENTRY_POINT) else { return };
        let id = self.required_string(&f, "id", what);
        let kind = self
            .required(&f, "kind", what)
            .and_then(|n| self.choice(n, "entry point `kind`", &EntryKind::NAMES))
            .and_then(EntryKind::parse);
        let name = self.optional_string(&f, "name", what);
        let campaign = f.get("campaign").and_then(|n| self.campaign(n));
        let description = self.optional_string(&f, "description", what);
        if let Some(id) = id {
            // Kept even with a bad kind, so references to it are not reported as dangling too.
            let kind = kind.unwrap_or(EntryKind::Internet);
            out.entry_points.push(EntryPoint { id: id.value, kind, name, campaign, description, loc: id.loc });
        }
    }

    fn node(&mut self, node: &YNode, out: &mut FileContents) {
        let what = "a node";
        let Some(f) = self.fields(node, what, keys::NODE) else { return };
        if let Some(c) = f.get("campaign") {
            self.problems.push(
                Problem::error("a campaign belongs on an entry point, not a node", Some(c.loc))
                    .with_label("this node is not where attacks start")
                    .with_help("move it to the entry point whose attempts reach the population, e.g. entry_points: [{id: phishing, kind: email, campaign: {targets: [tag:employee], reach: 10}}]"),
            );
        }
        let id = self.required_string(&f, "id", what);
        let kind = self.required_string(&f, "kind", what);
        let crown_jewel = f.get("crown_jewel").and_then(|n| self.bool(n, "`crown_jewel`")).unwrap_or(false);
        let loss = f.get("loss").map(|n| self.losses(n)).unwrap_or_default();
        let id_text = f.get("id").map_or(String::new(), |n| match &n.value {
            Value::Str(s) => format!(" `{s}`"),
            _ => String::new(),
        });
        match (crown_jewel, f.get("loss")) {
            (true, None) => self.problems.push(
                Problem::error(
                    format!("crown jewel{id_text} has no `loss`"),
                    Some(f.get("crown_jewel").map_or(f.loc, |n| n.loc)),
                )
                .with_help("say what a breach costs, e.g. loss: {confidentiality: {low: 2e6, high: 4e7}}"),
            ),
            (false, Some(n)) => self.problems.push(
                Problem::warning(format!("node{id_text} has a `loss` but is not a crown jewel"), Some(n.loc))
                    .with_help("add `crown_jewel: true` to count its loss"),
            ),
            _ => {}
        }
        let node = Node {
            id: String::new(),
            kind: String::new(),
            name: self.optional_string(&f, "name", what),
            zone: self.optional_string(&f, "zone", what),
            owner: self.optional_string(&f, "owner", what),
            tags: self.strings(&f, "tags", what).into_iter().map(|s| s.value).collect(),
            crown_jewel,
            loss,
            description: self.optional_string(&f, "description", what),
            remediation: self.optional_string(&f, "remediation", what),
            loc: f.loc,
        };
        if let Some(id) = id {
            // Kept even without a kind, so references to it are not reported as dangling too.
            let kind = kind.unwrap_or(Spanned { value: String::new(), loc: id.loc });
            let kind_ok = kind.value.is_empty() || crate::kb::NODE_KINDS.contains(&kind.value.as_str());
            if !kind_ok {
                let help = did_you_mean(&kind.value, crate::kb::NODE_KINDS.iter().copied())
                    .unwrap_or_else(|| format!("known node kinds: {}", crate::kb::NODE_KINDS.join(", ")));
                self.problems.push(
                    Problem::error(format!("unknown node kind `{}`", kind.value), Some(kind.loc)).with_help(help),
                );
            }
            out.nodes.push(Node { id: id.value, kind: kind.value, loc: id.loc, ..node });
        }
    }

    pub(crate) fn losses(&mut self, node: &YNode) -> Vec<Loss> {
        let Some(f) = self.fields(node, "`loss`", keys::LOSS) else { return Vec::new() };
        LOSS_TYPES
            .iter()
            .filter_map(|kind| {
                let n = f.get(kind)?;
                let amount = self.estimate(n, &format!("loss `{kind}`"), Range::Money)?;
                Some(Loss { kind, amount })
            })
            .collect()
    }

    fn edge(&mut self, node: &YNode, out: &mut FileContents) {
        let what = "an edge";
        let Some(f) = self.fields(node, what, keys::EDGE) else { return };
        let id = f.get("id").and_then(|n| self.string(n, "edge `id`"));
        let from = self.required_string(&f, "from", what);
        let to = self.required_string(&f, "to", what);
        let kind = self.required_string(&f, "kind", what);
        let mut p = f.get("p").and_then(|n| self.estimate(n, "edge `p`", Range::Probability));
        let (vulnerabilities, derived) = f.get("vulnerabilities").map(|n| self.vulnerabilities(n)).unwrap_or_default();
        if let (Some(given), Some(_)) = (f.get("p"), f.get("vulnerabilities")) {
            self.problems.push(crate::vuln::read::both_given(given.loc));
        }
        p = derived.or(p);
        let technique = f.get("technique").and_then(|n| self.string(n, "edge `technique`"));
        let requires = self.strings(&f, "requires", what);
        let requires_any = f.get("requires_any").map(|n| self.requires_any(n)).unwrap_or_default();
        let fix_cost = f.get("fix_cost").and_then(|n| self.fix_cost(n));
        let removable = f.get("removable").and_then(|n| {
            let value = self.bool(n, "edge `removable`")?;
            Some(Spanned { value, loc: n.loc })
        });
        let relation = self.optional_string(&f, "relation", what);
        let remediation = self.optional_string(&f, "remediation", what);
        let description = self.optional_string(&f, "description", what);
        if let (Some(from), Some(to), Some(kind)) = (from, to, kind) {
            let extra = EdgeExtra {
                technique,
                requires_any,
                fix_cost,
                removable,
                vulnerabilities,
                relation,
                remediation,
                description,
            };
            out.edges.push(Edge {
                loc: id.as_ref().map_or(f.loc, |i| i.loc),
                id: id.map(|i| i.value),
                from: self.name(&from.value, from.loc),
                to: self.name(&to.value, to.loc),
                kind: self.name(&kind.value, kind.loc),
                p,
                requires,
                extra: extra.boxed(),
            });
        }
    }

    /// `text` written at `loc`, as the load's shared name.
    pub(crate) fn name(&self, text: &str, loc: Loc) -> Spanned<Name> {
        Spanned { value: self.names.get(text), loc }
    }

    /// An edge's `fix_cost`: money (a number) or effort (`{days: N}`).
    fn fix_cost(&mut self, node: &YNode) -> Option<Spanned<FixCost>> {
        let what = "edge `fix_cost`";
        let cost = match &node.value {
            Value::Map(_) => {
                let f = self.fields(node, what, keys::FIX_COST_DAYS)?;
                let days = self.required(&f, "days", what)?;
                FixCost { amount: self.number(days, "`days` of edge `fix_cost`", Range::Money)?, unit: CostUnit::Days }
            }
            Value::Int(_) | Value::Float(_) => {
                FixCost { amount: self.number(node, what, Range::Money)?, unit: CostUnit::Money }
            }
            other => {
                self.error(
                    format!("{what} must be money (a number) or effort ({{days: N}}), found {}", other.describe()),
                    node.loc,
                );
                return None;
            }
        };
        Some(Spanned { value: cost, loc: node.loc })
    }

    /// `settings.day_rate`: money per day of effort, more than 0.
    fn day_rate(&mut self, node: &YNode, what: &str) -> Option<f64> {
        let rate = self.number(node, what, Range::Money)?;
        if rate == 0.0 {
            self.error(format!("{what} must be more than 0 (money per day of effort)"), node.loc);
            return None;
        }
        Some(rate)
    }

    fn efficacies(&mut self, node: &YNode, what: &str) -> Vec<Efficacy> {
        let Value::Map(entries) = &node.value else {
            self.error(
                format!("{what} must map technique ids to efficacies, found {}", node.value.describe()),
                node.loc,
            );
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|(k, v)| {
                let technique = self.string(k, &format!("a technique in {what}"))?;
                let value =
                    self.estimate(v, &format!("efficacy of {} in {what}", technique.value), Range::Probability)?;
                Some(Efficacy { technique, value })
            })
            .collect()
    }

    fn control(&mut self, node: &YNode, out: &mut FileContents) {
        let what = "a control";
        let Some(f) = self.fields(node, what, keys::CONTROL) else { return };
        let id = self.required_string(&f, "id", what);
        let uses = f.get("uses").and_then(|n| self.string(n, "control `uses`"));
        let base = uses.as_ref().and_then(|u| self.catalog_entry(u));
        let mut mitigates = f.get("mitigates").map(|n| self.efficacies(n, "`mitigates`")).unwrap_or_default();
        let mut detects = f.get("detects").map(|n| self.efficacies(n, "`detects`")).unwrap_or_default();
        if f.get("mitigates").is_none() && f.get("detects").is_none() && f.get("uses").is_none() {
            self.problems.push(
                Problem::error("a control must `mitigates` or `detects` at least one technique", Some(f.loc))
                    .with_help(
                        "e.g. mitigates: {T1566: 0.9}, or start from the catalog: uses: catalog/email-filtering",
                    ),
            );
        }
        let scope = match f.get("scope") {
            Some(_) => self.strings(&f, "scope", what).into_iter().map(|s| self.scope_selector(s)).collect(),
            None => vec![Spanned { value: ScopeSelector { side: Side::Target, selector: Selector::Any }, loc: f.loc }],
        };
        let status = match f.get("status").and_then(|n| self.choice(n, "control `status`", &["deployed", "planned"])) {
            Some("planned") => ControlStatus::Planned,
            _ => ControlStatus::Deployed,
        };
        let cost = f.get("cost").map(|n| self.cost(n, "control `cost`")).unwrap_or_default();
        let check = f.get("check").and_then(|n| self.check(n));
        let mut name = self.optional_string(&f, "name", what);
        let owner = self.optional_string(&f, "owner", what);
        let mut implements = self.strings(&f, "implements", what);
        let mut catalog = None;
        if let (Some(base), Some(uses)) = (base, &uses) {
            // The control's own entries replace the catalog's for the technique they name and its
            // sub-techniques (own T1078 replaces the catalog's T1078 and T1078.004).
            let inherit = |own: &mut Vec<Efficacy>, defaults: &[crate::kb::CatalogEfficacy]| {
                for d in defaults {
                    if !own.iter().any(|x| crate::kb::technique_covers(&x.technique.value, d.technique)) {
                        let value = if d.low < d.high {
                            Estimate::Interval { low: d.low, high: d.high }
                        } else {
                            Estimate::Point(d.low)
                        };
                        own.push(Efficacy {
                            technique: Spanned { value: d.technique.to_string(), loc: uses.loc },
                            value: Spanned { value, loc: uses.loc },
                        });
                    }
                }
            };
            inherit(&mut mitigates, base.mitigates);
            inherit(&mut detects, base.detects);
            if f.get("implements").is_none() {
                implements = base.implements.iter().map(|m| Spanned { value: m.to_string(), loc: uses.loc }).collect();
            }
            name = name.or_else(|| Some(base.title.to_string()));
            catalog = Some(Spanned { value: base.name.to_string(), loc: uses.loc });
        }
        if let Some(id) = id {
            out.controls.push(Control {
                id: id.value,
                name,
                mitigates,
                detects,
                scope,
                implements,
                catalog,
                status,
                cost,
                owner,
                check,
                description: self.optional_string(&f, "description", what),
                loc: id.loc,
            });
        }
    }

    /// The catalog control named by `uses: catalog/<name>`, or an error with a suggestion.
    fn catalog_entry(&mut self, uses: &Spanned<String>) -> Option<&'static crate::kb::CatalogControl> {
        let names: Vec<String> = crate::kb::CATALOG.iter().map(|c| format!("catalog/{}", c.name)).collect();
        let suggestion = || {
            did_you_mean(&uses.value, names.iter().map(String::as_str))
                .unwrap_or_else(|| "`riskpath kb catalog` lists the catalog".to_string())
        };
        let Some(name) = uses.value.trim().strip_prefix("catalog/") else {
            let help = match crate::kb::catalog_control(uses.value.trim()) {
                Some(c) => format!("write `catalog/{}`", c.name),
                None => suggestion(),
            };
            self.problems.push(
                Problem::error(
                    format!("control `uses`: `{}` does not name a catalog control", uses.value),
                    Some(uses.loc),
                )
                .with_label("expected `catalog/<name>`")
                .with_help(help),
            );
            return None;
        };
        let found = crate::kb::catalog_control(name.trim());
        if found.is_none() {
            self.problems.push(
                Problem::error(format!("unknown catalog control `{}`", uses.value), Some(uses.loc))
                    .with_label("not in the built-in control catalog")
                    .with_help(suggestion()),
            );
        }
        found
    }

    fn check(&mut self, node: &YNode) -> Option<Check> {
        let what = "a control's `check`";
        let f = self.fields(node, what, keys::CHECK)?;
        let policy = self.required_string(&f, "policy", what);
        let evidence = self.strings(&f, "evidence", what);
        let package = self.optional_string(&f, "package", what);
        let max_age_secs =
            f.get("max_age").and_then(|n| self.quantity(n, "`max_age`", AGE_UNITS, 1.0)).map(|s| s.round() as u64);
        Some(Check { policy: policy?, evidence, package, max_age_secs, loc: f.loc })
    }

    fn actor(&mut self, node: &YNode, out: &mut FileContents) {
        let what = "an actor";
        let Some(f) = self.fields(node, what, keys::ACTOR) else { return };
        let id = self.required_string(&f, "id", what);
        let frequency = self
            .required(&f, "frequency", what)
            .and_then(|n| self.estimate(n, "actor `frequency` (attempts per year)", Range::Frequency));
        let entry = self.strings(&f, "entry", what);
        if entry.is_empty() {
            self.problems.push(
                Problem::error("an actor needs at least one `entry` point", Some(f.loc))
                    .with_help("e.g. entry: [internet, phishing]"),
            );
        }
        let skill = f
            .get("skill")
            .and_then(|n| self.choice(n, "actor `skill`", &["low", "medium", "high"]))
            .and_then(Skill::parse)
            .unwrap_or(Skill::Medium);
        let targets = self.strings(&f, "targets", what);
        let name = self.optional_string(&f, "name", what);
        let attack_group = f.get("attack_group").and_then(|n| self.string(n, "actor `attack_group`"));
        let description = self.optional_string(&f, "description", what);
        if let (Some(id), Some(frequency)) = (id, frequency) {
            if f.get("targets").is_none() {
                out.actors_targeting_all.push(id.value.clone());
            }
            out.actors.push(Actor {
                id: id.value,
                name,
                frequency,
                entry,
                skill,
                targets,
                attack_group,
                allowed_techniques: None,
                description,
                loc: id.loc,
            });
        }
    }

    fn initiative(&mut self, node: &YNode, out: &mut FileContents) {
        let what = "an initiative";
        let Some(f) = self.fields(node, what, keys::INITIATIVE) else { return };
        let id = self.required_string(&f, "id", what);
        let deploys = self.strings(&f, "deploys", what);
        let removes = self.strings(&f, "removes", what);
        if deploys.is_empty() && removes.is_empty() {
            self.problems.push(
                Problem::error("an initiative must `deploys` a control or `removes` an edge", Some(f.loc))
                    .with_help("e.g. deploys: [jit-access]"),
            );
        }
        let cost = f.get("cost").map(|n| self.cost(n, "initiative `cost`")).unwrap_or_default();
        let duration = f
            .get("duration")
            .and_then(|n| self.quantity(n, "`duration`", QUARTER_UNITS, 1.0))
            .map(|q| q.ceil().max(1.0) as u32)
            .unwrap_or(1);
        let depends_on = self.strings(&f, "depends_on", what);
        let name = self.optional_string(&f, "name", what);
        let owner = self.optional_string(&f, "owner", what);
        let description = self.optional_string(&f, "description", what);
        if let Some(id) = id {
            out.initiatives.push(Initiative {
                id: id.value,
                name,
                deploys,
                removes,
                cost,
                duration_quarters: duration,
                depends_on,
                owner,
                description,
                loc: id.loc,
            });
        }
    }
}

/// A STIX bundle (`{"type": "bundle", "objects": [...]}`) found among the model files.
pub fn is_stix_bundle(root: &YNode) -> bool {
    let Value::Map(entries) = &root.value else { return false };
    let has = |key: &str, value: Option<&str>| {
        entries.iter().any(|(k, v)| {
            matches!(&k.value, Value::Str(s) if s == key)
                && value.is_none_or(|want| matches!(&v.value, Value::Str(s) if s == want))
        })
    };
    has("type", Some("bundle")) && has("objects", None)
}

pub(crate) fn parse_selector(v: &str) -> Selector {
    match v.split_once(':') {
        _ if v == "*" => Selector::Any,
        Some(("tag", x)) => Selector::Tag(x.trim().to_string()),
        Some(("kind", x)) => Selector::Kind(x.trim().to_string()),
        Some(("zone", x)) => Selector::Zone(x.trim().to_string()),
        Some(("owner", x)) => Selector::Owner(x.trim().to_string()),
        _ => Selector::Id(v.to_string()),
    }
}
