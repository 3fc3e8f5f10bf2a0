//! `riskpath import aws-iam`: AWS authorization-details dumps (with SCPs, an inventory and rules)
//! turned into a generated `aws/` folder of nodes, edges and entry points, and a report.
//!
//! parse (dumps) → holders (who can act, with which policies) → eval + condition (AWS's evaluation
//! logic) → rules (escalations) → graph (nodes and edges) → report → [`crate::output::Generated`].

pub mod condition;
pub mod eval;
pub mod glob;
pub mod graph;
pub mod holders;
pub mod overlay;
pub mod parse;
pub mod policy;
pub mod report;
pub mod rules;
pub mod stores;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::output::Generated;
use graph::{EdgeOut, Graph, NodeOut};
use parse::{Account, Warning};
use policy::{DocKind, Policy};

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub dumps: Vec<PathBuf>,
    pub scps: Vec<PathBuf>,
    pub inventories: Vec<PathBuf>,
    pub rules: Vec<PathBuf>,
    /// The model directory: its hand-written files are read for `import.aws`.
    pub model_dir: PathBuf,
    /// When the attacker acts (epoch seconds), for date conditions such as an allow that expired;
    /// None leaves time conditions to the attacker's advantage.
    pub now: Option<i64>,
}

/// The generated folder's name inside the model directory.
pub const FOLDER: &str = "aws";

/// Edges per generated file: a larger import is split into `edges-001.json`, `edges-002.json`, …
pub const EDGES_PER_FILE: usize = 100_000;

/// An import's result: the files to write and what to tell the user.
#[derive(Debug)]
pub struct Imported {
    pub generated: Generated,
    pub report: report::Report,
    pub warnings: Vec<Warning>,
}

/// Reads every input, evaluates, builds the graph and renders the generated files. Nothing is
/// written here: the caller replaces the folder only when all of this succeeded.
pub fn import(opts: &Options) -> Result<Imported, String> {
    if opts.dumps.is_empty() {
        return Err("give at least one authorization-details dump".into());
    }
    outside_the_model(opts)?;
    let mut warnings = Vec::new();
    let accounts = read_accounts(&opts.dumps, &mut warnings)?;
    let scps = opts.scps.iter().map(|p| read_scp(p, &mut warnings)).collect::<Result<Vec<_>, _>>()?;
    let mut inventory = stores::Inventory::default();
    for p in &opts.inventories {
        stores::read_inventory(p, &accounts, &mut inventory)?;
    }
    let rules = rules::load(&opts.rules.iter().map(PathBuf::as_path).collect::<Vec<_>>())?;
    let overlay = overlay::read(&opts.model_dir, &opts.model_dir.join(FOLDER))?;
    missing_policies(&accounts, &mut warnings);
    let holders = holders::holders(&accounts, &scps, opts.now);
    let mut g = Graph::default();
    graph::base_nodes(&mut g, &accounts);
    let admins = graph::admin_edges(&mut g, &holders);
    graph::rule_edges(&mut g, &holders, &rules, &admins);
    graph::trust_edges(&mut g, &holders, &accounts, &admins);
    graph::admin_to_bridges(&mut g);
    graph::data_edges(&mut g, &holders, &stores::stores(&accounts, &inventory), &admins);
    keep_reachable_groups(&mut g);
    apply_overlay(&mut g, &overlay, &accounts, &mut warnings);
    finish(&mut g);
    warnings.sort();
    warnings.dedup();
    let report = report::Report::new(&g, &accounts, &holders, overlay.admin_loss.is_none(), rules.len());
    let mut generated = Generated::new();
    let nodes: Vec<&NodeOut> = g.nodes.values().collect();
    generated.items("nodes.jsonl", "nodes", &nodes);
    let edges: Vec<Value> = g.edges.iter().map(edge_json).collect();
    if edges.len() <= EDGES_PER_FILE {
        generated.items("edges.jsonl", "edges", &edges);
    } else {
        // Within the loader's per-file budget (nodes of the parsed tree), in stable chunks.
        for (i, chunk) in edges.chunks(EDGES_PER_FILE).enumerate() {
            generated.items(format!("edges-{:03}.jsonl", i + 1), "edges", chunk);
        }
    }
    if !g.entry_points.is_empty() {
        let eps: Vec<Value> = g
            .entry_points
            .iter()
            .map(|(id, name)| serde_json::json!({"id": id, "kind": "internet", "name": name}))
            .collect();
        generated.items("entry_points.jsonl", "entry_points", &eps);
    }
    generated.file("report.md", report.markdown(&g, &warnings));
    self_check(&opts.model_dir, &generated)?;
    Ok(Imported { generated, report, warnings })
}

/// The whole model loaded with the generated folder in place of the old one: a problem here (the
/// importer's, an overlay loss's, or a hand-written file referring to a principal that is gone)
/// stops the import before anything is written.
fn self_check(model_dir: &Path, generated: &Generated) -> Result<(), String> {
    let files: Vec<(PathBuf, String)> = generated.files().iter().map(|(p, t)| (p.clone(), t.clone())).collect();
    let options = riskpath_model::LoadOptions { write_attack_cache: false, ..Default::default() };
    match riskpath_model::load_overlay(model_dir, Some((&model_dir.join(FOLDER), &files)), &options) {
        Ok(_) => Ok(()),
        Err(problems) => Err(format!(
            "the model does not load with the imported files ({}):\n{}",
            riskpath_model::words::count(problems.error_count(), "error"),
            problems.render_short().trim_end()
        )),
    }
}

/// Inputs inside the model directory would be read by the loader as model files (and rejected):
/// they belong outside it, or in a hidden folder.
fn outside_the_model(opts: &Options) -> Result<(), String> {
    let Ok(model) = std::fs::canonicalize(&opts.model_dir) else { return Ok(()) };
    let inputs = opts.dumps.iter().chain(&opts.scps).chain(&opts.inventories).chain(&opts.rules);
    for input in inputs {
        let Ok(path) = std::fs::canonicalize(input) else { continue };
        let Ok(rel) = path.strip_prefix(&model) else { continue };
        let hidden = rel.components().any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
        let model_file = riskpath_model::is_model_file(&path);
        if !hidden && model_file {
            return Err(format!(
                "{} is inside the model directory {}: the loader would read it as a model file; keep inputs outside it (or in a hidden folder)",
                input.display(),
                opts.model_dir.display()
            ));
        }
    }
    Ok(())
}

/// An edge as the model file holds it. `relation` and `remediation` go into the file once the
/// loader reads them (COORDINATION §3); until then they are in report.md.
fn edge_json(e: &EdgeOut) -> Value {
    let mut v = serde_json::to_value(e).expect("edges encode");
    if let Value::Object(m) = &mut v {
        m.remove("relation");
        m.remove("remediation");
    }
    v
}

fn read_accounts(paths: &[PathBuf], warnings: &mut Vec<Warning>) -> Result<Vec<Account>, String> {
    let mut accounts: Vec<Account> = Vec::new();
    for p in paths {
        let acc = parse::read_file(p, warnings)?;
        if let Some(other) = accounts.iter().find(|a| a.id == acc.id) {
            return Err(format!(
                "{} and {} are both dumps of account {}: give one per account",
                other.file, acc.file, acc.id
            ));
        }
        accounts.push(acc);
    }
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(accounts)
}

/// One SCP: a policy document, or `aws organizations describe-policy` output.
fn read_scp(path: &Path, warnings: &mut Vec<Warning>) -> Result<(String, Policy), String> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {file}: {e}"))?;
    let v: Value =
        serde_json::from_str(&text).map_err(|e| format!("{file}:{}:{}: not valid JSON: {e}", e.line(), e.column()))?;
    let (name, doc) = match v.get("Policy") {
        Some(p) => (
            p.pointer("/PolicySummary/Name").and_then(Value::as_str).unwrap_or(&file).to_string(),
            p.get("Content").cloned().ok_or_else(|| format!("{file}: `Policy` has no `Content`"))?,
        ),
        None => (path.file_stem().map_or(file.clone(), |s| s.to_string_lossy().into_owned()), v),
    };
    let (policy, w) = policy::parse(&doc, DocKind::Identity).map_err(|e| format!("{file}: SCP {name}: {e}"))?;
    warnings.extend(w.into_iter().map(|message| Warning { subject: format!("{file}: SCP {name}"), message }));
    Ok((name, policy))
}

/// Managed policies attached but absent from the dump's `Policies` grant nothing here: say so.
fn missing_policies(accounts: &[Account], warnings: &mut Vec<Warning>) {
    for acc in accounts {
        let attached = acc
            .principals
            .iter()
            .flat_map(|p| p.attached.iter().chain(&p.boundary))
            .chain(acc.groups.iter().flat_map(|g| &g.attached));
        for arn in attached {
            if !acc.policies.contains_key(arn) {
                warnings.push(Warning {
                    subject: format!("{}: {arn}", acc.file),
                    message: "attached but not in the dump's Policies list: it grants nothing here (dump with --filter including AWSManagedPolicy)".into(),
                });
            }
        }
    }
}

/// A group's own edges say what joining it gives: they stay only when something joins it.
fn keep_reachable_groups(g: &mut Graph) {
    let groups: std::collections::BTreeSet<String> =
        g.nodes.values().filter(|n| n.kind == "group").map(|n| n.id.clone()).collect();
    let joined: std::collections::BTreeSet<String> =
        g.edges.iter().filter(|e| groups.contains(&e.to)).map(|e| e.to.clone()).collect();
    g.edges.retain(|e| !groups.contains(&e.from) || joined.contains(&e.from));
}

/// Crown jewels: each administrator (the overlay's loss, else the default), and overlay matches.
fn apply_overlay(g: &mut Graph, overlay: &overlay::Overlay, accounts: &[Account], warnings: &mut Vec<Warning>) {
    let admin_loss: Value = match &overlay.admin_loss {
        Some(l) => l.clone(),
        None => serde_json::from_str(overlay::DEFAULT_ADMIN_LOSS).expect("the default loss is JSON"),
    };
    for acc in accounts {
        if let Some(n) = g.nodes.get_mut(&graph::admin_id(&acc.id)) {
            n.crown_jewel = true;
            n.loss = Some(admin_loss.clone());
        }
    }
    for (i, jewel) in overlay.jewels.iter().enumerate() {
        let mut hits = 0;
        for n in g.nodes.values_mut().filter(|n| jewel.matches(&n.id, &n.name, &n.tags)) {
            n.crown_jewel = true;
            n.loss = Some(jewel.loss.clone());
            hits += 1;
        }
        if hits == 0 {
            let what = jewel.pattern.as_deref().or(jewel.tag.as_deref()).unwrap_or("");
            warnings.push(Warning {
                subject: format!("import.aws jewel {}", i + 1),
                message: format!("`{what}` matches no imported node"),
            });
        }
    }
}

/// Sorted edges, parallel ways of one hop merged into one edge (same ends, kind and requirements),
/// with their text: the same input gives the same bytes.
fn finish(g: &mut Graph) {
    fn key(e: &EdgeOut) -> (&str, &str, &str, &[String]) {
        (&e.from, &e.to, &e.kind, &e.requires)
    }
    for e in &mut g.edges {
        e.ways.sort_by(|a, b| (&a.cut, &a.grants).cmp(&(&b.cut, &b.grants)));
    }
    g.edges.sort_by(|a, b| {
        key(a).cmp(&key(b)).then_with(|| (&a.ways[0].cut, &a.ways[0].grants).cmp(&(&b.ways[0].cut, &b.ways[0].grants)))
    });
    let mut merged: Vec<EdgeOut> = Vec::with_capacity(g.edges.len());
    for e in g.edges.drain(..) {
        match merged.last_mut() {
            Some(last) if key(last) == key(&e) => last.absorb(e),
            _ => merged.push(e),
        }
    }
    for e in &mut merged {
        e.ways.dedup();
        e.describe();
    }
    g.edges = merged;
    g.notes.sort();
    g.notes.dedup();
}
