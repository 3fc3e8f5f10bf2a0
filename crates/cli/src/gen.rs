//! `riskpath gen`: writes a synthetic model of a given size, for benchmarks and tests.
//! The graph is `riskpath_engine::gen::synthetic` (seeded, supercritical, 5% AND edges); the
//! model adds node kinds, edge kinds by target kind, one crown jewel and one actor, and validates.

use std::fmt::Write as _;
use std::path::PathBuf;

use riskpath_engine::r#gen::{entry_count, synthetic};

use crate::common::{Failure, write_output};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Number of nodes, entry points included [default: edges / 8, at least 16].
    #[arg(long)]
    pub nodes: Option<usize>,
    /// Number of edges.
    #[arg(long, default_value_t = 2000)]
    pub edges: usize,
    /// Number of entry points.
    #[arg(long, default_value_t = 3)]
    pub entries: usize,
    /// Random seed: the same arguments give the same model.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory to write the model into (created if missing; existing files are not overwritten).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
}

/// Most edges a generated model may have (YAML models this large load slowly; use the engine's
/// generator directly for bigger graphs).
const MAX_EDGES: usize = 1_000_000;
/// Edges per file, so no file nears the loader's size limit.
const EDGES_PER_FILE: usize = 50_000;
/// Most nodes and entry points a generated model may have.
const MAX_NODES: usize = 1_000_000;
const MAX_ENTRIES: usize = 10_000;
/// Nodes per file: 7 YAML values each, well within the loader's 4,000,000 per file (a million
/// nodes in one file were written, then refused by the loader).
const NODES_PER_FILE: usize = 100_000;

/// Node kinds, cycled over non-entry nodes, with the edge kind that leads into each.
const KINDS: &[(&str, &str)] = &[
    ("host", "ssh"),
    ("service", "exploits_internal"),
    ("identity", "authenticates"),
    ("group", "member_of"),
    ("secret", "reads_secret"),
    ("workload", "kube_exec"),
    ("role", "assumes"),
    ("datastore", "reads_database"),
];
const ENTRY_KINDS: &[(&str, &str)] = &[("internet", "exploits"), ("email", "phishes"), ("supplier", "supply_chain")];

pub fn run(args: Args) -> Result<(), Failure> {
    if args.edges > MAX_EDGES {
        return Err(Failure::usage(format!(
            "--edges {} is above the {MAX_EDGES} a YAML model is meant for; benchmark bigger graphs with riskpath-bench",
            args.edges
        )));
    }
    let nodes = args.nodes.unwrap_or((args.edges / 8).max(16));
    if nodes < 3 {
        return Err(Failure::usage("--nodes must be at least 3 (an entry point, a crown jewel and one more)"));
    }
    if nodes > MAX_NODES {
        return Err(Failure::usage(format!("--nodes {nodes} is above the {MAX_NODES} a YAML model is meant for")));
    }
    if args.entries > MAX_ENTRIES {
        return Err(Failure::usage(format!("--entries {} is above the limit of {MAX_ENTRIES}", args.entries)));
    }
    let entries = entry_count(nodes, args.entries);
    let list = synthetic(nodes, args.edges, args.entries, args.seed);
    let id = |n: u32| if (n as usize) < entries { format!("e{n}") } else { format!("n{n}") };

    // The crown jewel: the non-entry node with the most incoming edges (the likeliest to be reached).
    let mut indegree = vec![0u32; nodes];
    for e in &list.edges {
        indegree[e.1 as usize] += 1;
    }
    let jewel = (entries..nodes).max_by_key(|&n| (indegree[n], std::cmp::Reverse(n))).expect("a non-entry node") as u32;
    let kind_of = |n: u32| if n == jewel { ("datastore", "reads_database") } else { KINDS[n as usize % KINDS.len()] };

    let mut model = String::new();
    let _ = writeln!(
        model,
        "# Synthetic model: riskpath gen --nodes {nodes} --edges {} --entries {entries} --seed {}\n\
         # A random attack graph whose mean out-degree x mean p is 1.5: most trials reach much of it.\n\
         settings: {{currency: USD, trials: 10000, years: 10000, seed: {}}}\n\
         entry_points:",
        args.edges, args.seed, args.seed
    );
    for e in 0..entries {
        let _ = writeln!(model, "  - {{id: e{e}, kind: {}}}", ENTRY_KINDS[e % ENTRY_KINDS.len()].0);
    }
    let mut node_files = vec![String::from("nodes:\n")];
    for n in entries as u32..nodes as u32 {
        if (n as usize - entries).is_multiple_of(NODES_PER_FILE) && n as usize > entries {
            node_files.push(String::from("nodes:\n"));
        }
        let model = node_files.last_mut().expect("one file at least");
        let (kind, _) = kind_of(n);
        if n == jewel {
            let _ = writeln!(
                model,
                "  - {{id: n{n}, kind: {kind}, crown_jewel: true, loss: {{confidentiality: {{low: 1e5, high: 1e7}}}}}}"
            );
        } else {
            let _ = writeln!(model, "  - {{id: n{n}, kind: {kind}, zone: z{}}}", n % 10);
        }
    }
    let mut node_files = node_files.into_iter();
    model.push_str(&node_files.next().unwrap_or_default());
    let all_entries: Vec<String> = (0..entries as u32).map(id).collect();
    let _ = writeln!(
        model,
        "actors:\n  - {{id: adversary, frequency: {{low: 1, high: 10}}, entry: [{}], skill: medium, targets: [n{jewel}]}}",
        all_entries.join(", ")
    );

    let mut files = vec![(args.output.join("model.yaml"), model)];
    files.extend(node_files.enumerate().map(|(i, text)| (args.output.join(format!("nodes-{:03}.yaml", i + 1)), text)));
    for (i, chunk) in list.edges.chunks(EDGES_PER_FILE).enumerate() {
        let mut text = String::from("edges:\n");
        for (from, to, p, reqs) in chunk {
            let kind = if (*from as usize) < entries {
                ENTRY_KINDS[*from as usize % ENTRY_KINDS.len()].1
            } else {
                kind_of(*to).1
            };
            // Four decimals, and never 0: a zero-probability edge is no edge.
            let _ = write!(text, "  - {{from: {}, to: {}, kind: {kind}, p: {:.4}", id(*from), id(*to), p.max(1e-4));
            if !reqs.is_empty() {
                let reqs: Vec<String> = reqs.iter().map(|&r| id(r)).collect();
                let _ = write!(text, ", requires: [{}]", reqs.join(", "));
            }
            text.push_str("}\n");
        }
        files.push((args.output.join(format!("edges-{i:03}.yaml")), text));
    }

    std::fs::create_dir_all(&args.output)
        .map_err(|e| Failure::usage(format!("cannot create {}: {e}", args.output.display())))?;
    if let Some((path, _)) = files.iter().find(|(path, _)| path.exists()) {
        return Err(Failure::usage(format!("{} exists; not overwriting it", path.display())));
    }
    for (path, text) in &files {
        write_output(Some(path), text)?;
    }
    println!(
        "wrote {} nodes ({entries} entry points), {} edges in {} files to {}; next: riskpath analyze {}",
        nodes,
        args.edges,
        files.len(),
        args.output.display(),
        args.output.display()
    );
    Ok(())
}
