//! `riskpath diff` for review: what the diff says (summary line, gate, figures, scenarios, paths,
//! changes with their shares) worked out once, rendered as terminal text, GitHub Markdown or JSON.

use std::path::Path;

use riskpath_decide::diff::{Attributed, Diff, How, Kind, PathChange, Reason, ScenarioDelta, Status};
use riskpath_model::{Labels, Loc, Model, escape};
use riskpath_review::gate::{Crossed, Unit};
use serde_json::json;

use crate::sarif::{Finding, Location, ReportingDescriptor};
use crate::style::{Style, money, percent};

/// Everything a diff report shows, with the models for names.
pub struct View<'a> {
    pub diff: &'a Diff,
    pub base: &'a Model,
    pub head: &'a Model,
    pub base_label: &'a str,
    pub head_label: &'a str,
    /// The `--fail-on` thresholds checked (as written) and those crossed.
    pub checked: &'a [String],
    pub crossed: &'a [Crossed],
    /// For SARIF: the folder the head's files were loaded from (their paths start with it), and
    /// what the model directory is called in the log (`originalUriBaseIds`).
    pub head_dir: &'a Path,
    pub head_root: &'a Path,
    /// Control states of the two sides' newest verify runs, when a history was read.
    pub controls: Option<&'a ControlStates>,
}

/// What the verify history says about the two sides: the newest run of each version (sequence
/// number and time; `None`: no run of that version) and the controls whose state differs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ControlStates {
    pub db: String,
    pub base_run: Option<(i64, String)>,
    pub head_run: Option<(i64, String)>,
    pub changed: Vec<StateChange>,
}

/// A control's state in each run (`None`: not in that run).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StateChange {
    pub control: String,
    pub base: Option<&'static str>,
    pub head: Option<&'static str>,
}

/// Rows shown per table before "and N more".
const ROWS: usize = 10;
/// Longest name shown (names can be sentences; ids and JSON keep everything).
const NAME: usize = 40;

/// A piece of a line: prose, or an identifier shown as code.
#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Code(String),
}

type Cell = Vec<Piece>;

fn text(s: impl Into<String>) -> Piece {
    Piece::Text(s.into())
}

/// A section: a title, a table (header, rows, rows left out) and lines after it.
struct Section {
    title: String,
    header: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
    more: usize,
    notes: Vec<Cell>,
}

impl View<'_> {
    fn currency(&self) -> &str {
        &self.head.settings.currency
    }

    fn money(&self, x: f64) -> String {
        money(x, self.currency())
    }

    /// Money with its sign: `+$1.2M`, `−$300k`, `$0`.
    fn signed(&self, x: f64) -> String {
        match x {
            x if x > 0.0 => format!("+{}", self.money(x)),
            x if x < 0.0 => format!("−{}", self.money(-x)),
            _ => self.money(0.0),
        }
    }

    /// A node's or entry point's name (head first, else base), clipped to [`NAME`] characters.
    fn name(&self, id: &str) -> String {
        let (head, base) = (Labels::new(self.head), Labels::new(self.base));
        crate::style::clip(head.name(id).or_else(|| base.name(id)).unwrap_or(id), NAME)
    }

    /// An actor's name (head first, else base), clipped like node names.
    fn actor_name(&self, id: &str) -> String {
        let find = |m: &Model| m.actors.iter().find(|a| a.id == id).and_then(|a| a.name.clone());
        crate::style::clip(&find(self.head).or_else(|| find(self.base)).unwrap_or_else(|| id.to_string()), NAME)
    }

    /// The first line of every format: ALE change, relative change, new paths by target.
    pub fn summary(&self) -> String {
        let d = self.diff;
        let ale = if d.ale.value == 0.0 {
            "ALE unchanged".to_string()
        } else if d.base.ale > 0.0 {
            let relative = d.ale.value / d.base.ale * 100.0;
            format!(
                "ALE {} ({}{:.1}%)",
                self.signed(d.ale.value),
                if relative > 0.0 { "+" } else { "−" },
                relative.abs()
            )
        } else {
            format!("ALE {}", self.signed(d.ale.value))
        };
        let noise = if d.ale.value != 0.0 && d.ale.low <= 0.0 && d.ale.high >= 0.0 { ", within the noise" } else { "" };
        format!("{ale}{noise} — {}", self.paths_phrase())
    }

    fn paths_phrase(&self) -> String {
        let by_target = riskpath_decide::diff::paths::new_by_target(&self.diff.paths);
        let removed = self.diff.paths.iter().filter(|p| p.status == Status::Removed).count();
        let plural = |n: usize| if n == 1 { "path" } else { "paths" };
        let new: usize = by_target.iter().map(|t| t.1).sum();
        let new_part = match by_target.as_slice() {
            [] => "no new paths".to_string(),
            [(t, n)] => format!("{n} new {} to {}", plural(*n), self.name(t)),
            [(t1, n1), (t2, n2)] => format!("{new} new paths: {n1} to {}, {n2} to {}", self.name(t1), self.name(t2)),
            many => format!("{new} new paths to {} targets", many.len()),
        };
        match removed {
            0 => new_part,
            n => format!("{new_part}, {n} {} gone", plural(n)),
        }
    }

    fn gate_line(&self) -> Option<Cell> {
        if self.checked.is_empty() {
            return None;
        }
        if self.crossed.is_empty() {
            return Some(vec![text(format!("Gate passed ({}).", self.checked.join(", ")))]);
        }
        let each: Vec<String> =
            self.crossed.iter().map(|c| format!("{} ({})", c.threshold, self.measured(c))).collect();
        Some(vec![text(format!("Gate failed: {}.", each.join("; ")))])
    }

    fn measured(&self, c: &Crossed) -> String {
        match c.unit {
            Unit::Money => format!("{} > {}", self.money(c.measured), self.money(c.limit)),
            Unit::Share => format!(
                "ALE {}{:.1}% > {}%",
                if c.measured >= 0.0 { "+" } else { "" },
                c.measured * 100.0,
                c.limit * 100.0
            ),
            Unit::Paths => format!("{} new", c.measured),
        }
    }

    fn figures(&self) -> Section {
        let d = self.diff;
        let interval = |low: f64, high: f64| format!("{} … {}", self.signed(low), self.signed(high));
        let rows = vec![
            vec![
                vec![text("ALE")],
                vec![text(self.money(d.base.ale))],
                vec![text(self.money(d.head.ale))],
                vec![text(self.signed(d.ale.value))],
                vec![text(interval(d.ale.low, d.ale.high))],
            ],
            vec![
                vec![text("P90 annual loss")],
                vec![text(self.money(d.base.p90))],
                vec![text(self.money(d.head.p90))],
                vec![text(self.signed(d.p90.value))],
                vec![text(interval(d.p90.low, d.p90.high))],
            ],
        ];
        let c = d.config;
        let notes = vec![vec![text(format!(
            "Both sides on common random numbers: {} per actor, {}, seed {}; \
             the ALE change's standard error is {} (each side's alone: {} and {}).",
            crate::style::count(c.trials as usize, "trial"),
            crate::style::count(c.years as usize, "simulated year"),
            c.seed,
            self.money(d.ale.std_error),
            self.money(d.base.ale_std_error),
            self.money(d.head.ale_std_error)
        ))]];
        Section {
            title: "Risk".into(),
            header: vec!["", "base", "head", "change", "95% interval"],
            rows,
            more: 0,
            notes,
        }
    }

    /// Scenarios whose P moved beyond twice its standard error, or that exist on one side only,
    /// largest change first.
    fn scenarios(&self) -> Section {
        let mut moved: Vec<&ScenarioDelta> = self
            .diff
            .scenarios
            .iter()
            .filter(|s| s.base.is_none() || s.head.is_none() || s.delta.value.abs() > 2.0 * s.delta.std_error)
            .collect();
        moved.sort_by(|a, b| b.delta.value.abs().total_cmp(&a.delta.value.abs()));
        let p = |x: Option<f64>| x.map_or("—".to_string(), percent);
        let rows: Vec<Vec<Cell>> = moved
            .iter()
            .take(ROWS)
            .map(|s| {
                let change = format!(
                    "{}{} pts ± {}",
                    if s.delta.value >= 0.0 { "+" } else { "−" },
                    points(s.delta.value.abs()),
                    points(s.delta.std_error)
                );
                vec![
                    vec![text(self.actor_name(&s.actor))],
                    vec![text(self.name(&s.target))],
                    vec![text(p(s.base))],
                    vec![text(p(s.head))],
                    vec![text(change)],
                ]
            })
            .collect();
        let unchanged = self.diff.scenarios.len() - moved.len();
        let notes = if unchanged > 0 {
            vec![vec![text(format!(
                "{} within twice their standard error.",
                crate::style::count(unchanged, "other scenario")
            ))]]
        } else {
            Vec::new()
        };
        Section {
            title: "P(compromise) per attempt".into(),
            header: vec!["actor", "target", "base", "head", "change ± s.e."],
            more: moved.len().saturating_sub(ROWS),
            rows,
            notes,
        }
    }

    /// New paths first, then gone, then changed; within each, the largest change in probability.
    fn paths(&self) -> Section {
        let mut list: Vec<&PathChange> = self.diff.paths.iter().collect();
        let rank = |p: &PathChange| match p.status {
            Status::New => 0,
            Status::Removed => 1,
            Status::Changed => 2,
        };
        list.sort_by(|a, b| {
            let moved = |p: &PathChange| (p.head_p - p.base_p).abs();
            rank(a).cmp(&rank(b)).then(moved(b).total_cmp(&moved(a)))
        });
        let rows = list.iter().take(ROWS).map(|p| self.path_row(p)).collect();
        Section {
            title: format!("Paths among each scenario's {} most likely", self.diff.config.k),
            header: vec!["", "path", "p base → head", "why"],
            rows,
            more: self.diff.paths.len().saturating_sub(ROWS),
            notes: Vec::new(),
        }
    }

    fn path_row(&self, p: &PathChange) -> Vec<Cell> {
        let status = match p.status {
            Status::New => "new",
            Status::Removed => "gone",
            Status::Changed => "changed",
        };
        let route = p.nodes.iter().map(|n| self.name(n)).collect::<Vec<_>>().join(" → ");
        let hop = p.hop.as_ref().map(|h| format!("{} → {}", self.name(&h.from), self.name(&h.to)));
        let hop_p =
            p.hop.as_ref().map(|h| format!("{} → {}", percent(h.base_p), percent(h.head_p))).unwrap_or_default();
        let why: Cell = match (p.reason, hop) {
            (Reason::HopAdded, Some(h)) => vec![text("new step "), Piece::Code(h), text(format!(" ({hop_p})"))],
            (Reason::HopRemoved, Some(h)) => vec![text("step "), Piece::Code(h), text(" removed")],
            (Reason::Likelier, Some(h)) => vec![text("step "), Piece::Code(h), text(format!(" likelier ({hop_p})"))],
            (Reason::LessLikely, Some(h)) => {
                vec![text("step "), Piece::Code(h), text(format!(" less likely ({hop_p})"))]
            }
            (Reason::ScenarioAdded, _) => vec![text("new scenario")],
            (Reason::ScenarioRemoved, _) => vec![text("scenario gone")],
            _ => vec![text("other paths moved in or out of the top")],
        };
        vec![
            vec![text(status)],
            vec![text(format!("{}: {route}", self.actor_name(&p.actor)))],
            vec![text(format!("{} → {}", percent(p.base_p), percent(p.head_p)))],
            why,
        ]
    }

    fn changes(&self) -> Section {
        let mut list: Vec<&Attributed> = self.diff.changes.iter().collect();
        list.sort_by(|a, b| {
            let size = |x: &Attributed| x.ale_delta.map_or(-1.0, f64::abs);
            size(b).total_cmp(&size(a))
        });
        let rows = list.iter().take(ROWS).map(|c| self.change_row(c)).collect();
        let mut notes = vec![vec![text(
            "ALE alone: the base with only this change (and any it needs) applied, its expected loss on the \
             same trials minus the base's, scaled to the base's ALE; it can differ from the headline change by \
             Monte Carlo error. Share: that difference over the whole expected difference."
                .to_string(),
        )]];
        if let Some(i) = self.diff.interaction.filter(|i| i.abs() >= 0.005) {
            notes.push(vec![text(format!("Changes acting together (not one at a time): {} of the change.", share(i)))]);
        }
        let left = self.diff.changes.iter().filter(|c| c.ale_delta.is_none()).count();
        if left > 0 {
            notes.push(vec![text(format!(
                "{} not re-simulated one at a time (over --attribute {}).",
                crate::style::count(left, "change"),
                self.diff.config.attribute
            ))]);
        }
        Section {
            title: format!("Changes ({})", self.diff.changes.len()),
            header: vec!["change", "what", "ALE alone", "share"],
            more: list.len().saturating_sub(ROWS),
            rows,
            notes,
        }
    }

    fn change_row(&self, c: &Attributed) -> Vec<Cell> {
        let ch = &c.change;
        let verb = match &ch.how {
            How::Added => "added",
            How::Removed => "removed",
            How::Changed(_) => "changed",
        };
        let what: Cell = match &ch.how {
            How::Changed(fields) => fields
                .iter()
                .flat_map(|f| {
                    let (before, after) = (clip(&f.before), clip(&f.after));
                    [Piece::Code(f.field.to_string()), text(format!(" {before} → {after}; "))]
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut what = what;
        if let Some(Piece::Text(last)) = what.last_mut() {
            *last = last.trim_end_matches("; ").to_string();
        }
        if !c.with.is_empty() {
            what.push(text(format!(" (with {})", c.with.join(", "))));
        }
        let alone = c.ale_delta.map_or("—".to_string(), |x| self.signed(x));
        let share = c.share.map_or("—".to_string(), share);
        vec![
            vec![text(format!("{} ", ch.kind.noun())), Piece::Code(ch.key.clone()), text(format!(" {verb}"))],
            what,
            vec![text(alone)],
            vec![text(share)],
        ]
    }

    fn control_states(&self, c: &ControlStates) -> Section {
        let name = |id: &str| {
            let find = |m: &Model| m.controls.iter().find(|x| x.id == id).and_then(|x| x.name.clone());
            crate::style::clip(&find(self.head).or_else(|| find(self.base)).unwrap_or_else(|| id.to_string()), NAME)
        };
        let state = |s: Option<&str>| s.unwrap_or("—").to_string();
        let rows = c
            .changed
            .iter()
            .take(ROWS)
            .map(|x| vec![vec![text(name(&x.control))], vec![text(state(x.base))], vec![text(state(x.head))]])
            .collect();
        let run = |r: &Option<(i64, String)>| match r {
            Some((seq, time)) => format!("run #{seq} ({time})"),
            None => "no verify run of this version".to_string(),
        };
        let mut notes =
            vec![vec![text(format!("Base: {}; head: {} (history {}).", run(&c.base_run), run(&c.head_run), c.db))]];
        if c.base_run.is_some() && c.head_run.is_some() && c.changed.is_empty() {
            notes.push(vec![text("Every control is in the same state.")]);
        }
        Section {
            title: "Control states (newest verify runs)".into(),
            header: vec!["control", "base", "head"],
            more: c.changed.len().saturating_sub(ROWS),
            rows,
            notes,
        }
    }

    fn sections(&self) -> Vec<Section> {
        let mut out = vec![self.figures()];
        let scenarios = self.scenarios();
        if !scenarios.rows.is_empty() {
            out.push(scenarios);
        }
        if !self.diff.paths.is_empty() {
            out.push(self.paths());
        }
        if !self.diff.changes.is_empty() {
            out.push(self.changes());
        }
        out.extend(self.controls.map(|c| self.control_states(c)));
        out
    }

    /// GitHub-flavoured Markdown for a pull-request comment: the summary as a heading, the gate,
    /// then at most [`ROWS`] rows per table.
    pub fn markdown(&self) -> String {
        let cell = |c: &Cell| c.iter().map(md_piece).collect::<String>();
        let mut out = format!("### riskpath: {}\n\n", escape::markdown(&self.summary()));
        out += &format!(
            "Base {} → head {}.\n\n",
            escape::markdown_code(self.base_label),
            escape::markdown_code(self.head_label)
        );
        if let Some(g) = self.gate_line() {
            out += &format!("**{}**\n\n", cell(&g));
        }
        for s in self.sections() {
            out += &format!("#### {}\n\n", escape::markdown(&s.title));
            if !s.rows.is_empty() {
                let rule = s.header.iter().map(|_| "---").collect::<Vec<_>>().join("|");
                out += &format!("| {} |\n|{rule}|\n", s.header.join(" | "));
            }
            for row in &s.rows {
                out += &format!("| {} |\n", row.iter().map(cell).collect::<Vec<_>>().join(" | "));
            }
            if s.more > 0 {
                out += &format!("\n… and {} more (see the JSON output).\n", s.more);
            }
            for n in &s.notes {
                out += &format!("\n{}\n", cell(n));
            }
            out += "\n";
        }
        out
    }

    /// Terminal text: the summary in bold, then each section as aligned columns.
    pub fn text(&self, style: Style) -> String {
        let cell = |c: &Cell| c.iter().map(text_piece).collect::<String>();
        let mut out = format!("{}\n", style.bold(&escape::terminal(&self.summary())));
        out += &format!("base {}  →  head {}\n", escape::terminal(self.base_label), escape::terminal(self.head_label));
        if let Some(g) = self.gate_line() {
            let line = cell(&g);
            out += &format!("{}\n", if self.crossed.is_empty() { style.green(&line) } else { style.red(&line) });
        }
        for s in self.sections() {
            out += &format!("\n{}\n", style.bold(&s.title));
            let rows: Vec<Vec<String>> = s.rows.iter().map(|r| r.iter().map(cell).collect()).collect();
            if !rows.is_empty() {
                out += &columns(&s.header, &rows);
            }
            if s.more > 0 {
                out += &format!("  … and {} more (--format json lists all)\n", s.more);
            }
            for n in &s.notes {
                out += &format!("{}\n", crate::style::wrap_text(&cell(n), "  ", 2, 100));
            }
        }
        out
    }

    /// The JSON document: the diff itself, the summary line, the sides and the gate.
    pub fn json(&self) -> serde_json::Value {
        let mut doc = json!({
            "schema_version": 1,
            "schema": "riskpath-diff",
            "version": 1,
            "summary": self.summary(),
            "currency": self.currency(),
            "base_label": self.base_label,
            "head_label": self.head_label,
            "gate": {"checked": self.checked, "crossed": self.crossed},
            "diff": self.diff,
            "control_states": self.controls,
        });
        if self.controls.is_none()
            && let Some(map) = doc.as_object_mut()
        {
            map.remove("control_states");
        }
        doc
    }
}

impl View<'_> {
    /// SARIF 2.1.0 with the head's new findings: each new path at the step that made it
    /// (`RP-DIFF-NEW-PATH`), each change that alone raises the ALE at the item in the head's files
    /// (`RP-DIFF-RISK-INCREASE`, level by its share of the change). Removed items have no place in
    /// the head's files and are left to the other formats.
    pub fn sarif(&self) -> crate::sarif::Log {
        let rules = vec![
            rule(
                "RP-DIFF-NEW-PATH",
                "NewAttackPath",
                "A path new among a scenario's most likely attack paths",
                "The change adds this path to the k most likely paths from an actor's entry points to a crown jewel; the location is the step that made the difference.",
            ),
            rule(
                "RP-DIFF-RISK-INCREASE",
                "RiskIncrease",
                "A change that raises the annual loss expectancy",
                "Applied alone to the base (re-simulated on common random numbers), this change raises the ALE by the amount shown. Levels: error at 20% of the change or more, warning at 5%, note below.",
            ),
        ];
        let mut results: Vec<Finding> =
            self.diff.paths.iter().filter(|p| p.status == Status::New).map(|p| self.new_path_result(p)).collect();
        results.extend(
            self.diff
                .changes
                .iter()
                .filter(|c| c.ale_delta.is_some_and(|d| d > 0.0))
                .filter_map(|c| self.increase_result(c)),
        );
        let properties = json!({"summary": self.summary(), "base": self.base_label, "head": self.head_label});
        crate::sarif::log(crate::sarif::driver(rules), results, self.head_root, properties)
    }

    fn place(&self, loc: Loc, message: Option<String>) -> Location {
        crate::sarif::location(self.head, self.head_dir, loc, message)
    }

    fn new_path_result(&self, p: &PathChange) -> Finding {
        let route = p.nodes.iter().map(|n| self.name(n)).collect::<Vec<_>>().join(" → ");
        let text = format!(
            "New attack path for {} to {} ({} per attempt): {route}.",
            self.actor_name(&p.actor),
            self.name(&p.target),
            percent(p.head_p)
        );
        // The step that made the difference, else the path's last step, in the head's files.
        let (from, to) = match &p.hop {
            Some(h) => (h.from.as_str(), h.to.as_str()),
            None => (p.nodes[p.nodes.len().saturating_sub(2)].as_str(), p.nodes[p.nodes.len() - 1].as_str()),
        };
        let edge = self.head.edges.iter().find(|e| e.from.value == from && e.to.value == to);
        let locations = edge.map(|e| self.place(e.loc, None)).into_iter().collect();
        Finding::new("RP-DIFF-NEW-PATH", "warning", text, locations)
            .fingerprint("riskpathPath", format!("{}|{}", p.actor, p.nodes.join(">")))
    }

    fn increase_result(&self, c: &Attributed) -> Option<Finding> {
        let loc = item_loc(self.head, c.change.kind, c.change.head?)?;
        let alone = c.ale_delta?;
        let share = c.share.unwrap_or(0.0);
        let text = format!(
            "{} `{}` {}: alone it raises the ALE by {}/yr ({} of the change).",
            c.change.kind.noun(),
            c.change.key,
            if c.change.how == How::Added { "added" } else { "changed" },
            self.money(alone),
            self::share(share)
        );
        let finding =
            Finding::new("RP-DIFF-RISK-INCREASE", crate::sarif::level(share), text, vec![self.place(loc, None)]);
        Some(finding.fingerprint("riskpathItem", format!("{:?}|{}", c.change.kind, c.change.key)))
    }
}

fn rule(id: &'static str, name: &'static str, short: &str, full: &str) -> ReportingDescriptor {
    ReportingDescriptor::new(id, name, short, full.into(), "warning").tagged()
}

/// Where item `index` of a kind is written in a model (the settings have no one place).
fn item_loc(model: &Model, kind: Kind, index: usize) -> Option<Loc> {
    match kind {
        Kind::Settings => None,
        Kind::EntryPoint => model.entry_points.get(index).map(|x| x.loc),
        Kind::Node => model.nodes.get(index).map(|x| x.loc),
        Kind::Edge => model.edges.get(index).map(|x| x.loc),
        Kind::Control => model.controls.get(index).map(|x| x.loc),
        Kind::Actor => model.actors.get(index).map(|x| x.loc),
        Kind::LossGroup => model.loss_groups.get(index).map(|x| x.loc),
        Kind::Initiative => model.initiatives.get(index).map(|x| x.loc),
    }
}

fn md_piece(p: &Piece) -> String {
    match p {
        Piece::Text(t) => escape::markdown(t),
        Piece::Code(c) => escape::markdown_code(c),
    }
}

fn text_piece(p: &Piece) -> String {
    match p {
        Piece::Text(t) | Piece::Code(t) => escape::terminal(t).into_owned(),
    }
}

/// Rows as left-aligned columns, two spaces apart, indented by two.
fn columns(header: &[&str], rows: &[Vec<String>]) -> String {
    let width = |i: usize| {
        let cells = rows.iter().map(|r| r[i].chars().count());
        cells.chain([header[i].chars().count()]).max().unwrap_or(0)
    };
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        format!("  {}\n", padded.join("  ").trim_end())
    };
    let mut out = line(header.to_vec());
    for r in rows {
        out += &line(r.iter().map(String::as_str).collect());
    }
    out
}

/// A share as a percentage: whole numbers, one decimal under 10%.
fn share(s: f64) -> String {
    let pct = s * 100.0;
    if pct == 0.0 || pct.abs() >= 10.0 { format!("{pct:.0}%") } else { format!("{pct:.1}%") }
}

/// A probability difference in percentage points.
fn points(x: f64) -> String {
    let pts = x * 100.0;
    if pts >= 10.0 {
        format!("{pts:.0}")
    } else if pts >= 1.0 {
        format!("{pts:.1}")
    } else {
        format!("{pts:.2}")
    }
}

/// A field value shortened for a table cell (empty: "none").
fn clip(s: &str) -> String {
    if s.is_empty() { "none".into() } else { crate::style::clip(s, 40) }
}
