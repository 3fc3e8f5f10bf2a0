//! `riskpath gen`: writes a synthetic model of a given size, for benchmarks and tests.
//! The graph is `riskpath_engine::gen::synthetic` (seeded, supercritical, 5% AND edges); the
//! model adds node kinds, edge kinds by target kind, one crown jewel and one actor, and validates.
//! It is written as JSON Lines (`*.jsonl`, the machine format) or, with `--format yaml`, as YAML.

use std::fmt::Write as _;
use std::path::PathBuf;

use riskpath_engine::r#gen::{entry_count, synthetic};

use crate::common::{Failure, write_output};

/// The format of the model files written.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines: one item a line, read a line at a time (fast, for big models).
    Jsonl,
    /// YAML: flow mappings, one item a line, as a person would write them.
    Yaml,
}

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
    /// Format of the files written.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
    /// Directory to write the model into (created if missing; existing files are not overwritten).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
}

/// Size limits and file splitting of one format.
struct Shape {
    extension: &'static str,
    /// Most edges, nodes (entry points included) a generated model may have.
    max_edges: usize,
    max_nodes: usize,
    /// Items per file: a YAML file stays far within the loader's per-file limits (a million nodes
    /// in one file were once written, then refused); JSON Lines files are split so that files load
    /// in parallel.
    edges_per_file: usize,
    nodes_per_file: usize,
}

impl Format {
    fn shape(self) -> Shape {
        match self {
            Format::Yaml => Shape {
                extension: "yaml",
                max_edges: 1_000_000,
                max_nodes: 1_000_000,
                edges_per_file: 50_000,
                nodes_per_file: 100_000,
            },
            Format::Jsonl => Shape {
                extension: "jsonl",
                max_edges: 50_000_000,
                max_nodes: 10_000_000,
                edges_per_file: 500_000,
                nodes_per_file: 500_000,
            },
        }
    }
}

const MAX_ENTRIES: usize = 10_000;

/// A field's value: an id or a word (written bare in YAML, quoted in JSON; gen's are plain ASCII),
/// a number or boolean as written, a list of ids, or a nested mapping.
enum V {
    Id(String),
    Raw(String),
    Ids(Vec<String>),
    Map(Vec<(&'static str, V)>),
}

fn id(s: impl Into<String>) -> V {
    V::Id(s.into())
}

fn raw(s: impl ToString) -> V {
    V::Raw(s.to_string())
}

/// Writes `fields` as a flow mapping (YAML) or an object (JSON).
fn mapping(out: &mut String, format: Format, fields: &[(&str, V)]) {
    out.push('{');
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match format {
            Format::Yaml => out.push_str(key),
            Format::Jsonl => {
                let _ = write!(out, "\"{key}\"");
            }
        }
        out.push_str(": ");
        value_text(out, format, value);
    }
    out.push('}');
}

fn value_text(out: &mut String, format: Format, value: &V) {
    let quoted = |out: &mut String, s: &str| match format {
        Format::Yaml => out.push_str(s),
        Format::Jsonl => {
            let _ = write!(out, "\"{s}\"");
        }
    };
    match value {
        V::Id(s) => quoted(out, s),
        V::Raw(s) => out.push_str(s),
        V::Ids(ids) => {
            out.push('[');
            for (i, s) in ids.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                quoted(out, s);
            }
            out.push(']');
        }
        V::Map(fields) => mapping(out, format, fields),
    }
}

/// One model file being written: items one a line, under their list's key (YAML) or their kind
/// (JSON Lines).
struct File {
    format: Format,
    text: String,
    list: Option<&'static str>,
}

impl File {
    fn new(format: Format) -> Self {
        File { format, text: String::new(), list: None }
    }
    /// A comment (YAML only: JSON has none).
    fn comment(&mut self, line: &str) {
        if self.format == Format::Yaml {
            let _ = writeln!(self.text, "# {line}");
        }
    }
    fn settings(&mut self, fields: &[(&str, V)]) {
        self.text.push_str(if self.format == Format::Yaml { "settings: " } else { "{\"settings\": " });
        mapping(&mut self.text, self.format, fields);
        self.text.push_str(if self.format == Format::Yaml { "\n" } else { "}\n" });
    }
    /// An item of the list `list` (`edges`; its kind is the singular, `edge`).
    fn item(&mut self, list: &'static str, fields: &[(&str, V)]) {
        match self.format {
            Format::Yaml => {
                if self.list != Some(list) {
                    let _ = writeln!(self.text, "{list}:");
                    self.list = Some(list);
                }
                self.text.push_str("  - ");
                mapping(&mut self.text, self.format, fields);
                self.text.push('\n');
            }
            Format::Jsonl => {
                let _ = write!(self.text, "{{\"{}\": ", list.strip_suffix('s').unwrap_or(list));
                mapping(&mut self.text, self.format, fields);
                self.text.push_str("}\n");
            }
        }
    }
}

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
    let shape = args.format.shape();
    let name = if args.format == Format::Yaml { "a YAML model" } else { "a generated model" };
    if args.edges > shape.max_edges {
        return Err(Failure::usage(format!(
            "--edges {} is above the {} {name} is meant for; benchmark bigger graphs with riskpath-bench",
            args.edges, shape.max_edges
        )));
    }
    let nodes = args.nodes.unwrap_or((args.edges / 8).max(16));
    if nodes < 3 {
        return Err(Failure::usage("--nodes must be at least 3 (an entry point, a crown jewel and one more)"));
    }
    if nodes > shape.max_nodes {
        return Err(Failure::usage(format!("--nodes {nodes} is above the {} {name} is meant for", shape.max_nodes)));
    }
    if args.entries > MAX_ENTRIES {
        return Err(Failure::usage(format!("--entries {} is above the limit of {MAX_ENTRIES}", args.entries)));
    }
    let entries = entry_count(nodes, args.entries);
    let list = synthetic(nodes, args.edges, args.entries, args.seed);
    let id_of = |n: u32| if (n as usize) < entries { format!("e{n}") } else { format!("n{n}") };

    // The crown jewel: the non-entry node with the most incoming edges (the likeliest to be reached).
    let mut indegree = vec![0u32; nodes];
    for e in &list.edges {
        indegree[e.1 as usize] += 1;
    }
    let jewel = (entries..nodes).max_by_key(|&n| (indegree[n], std::cmp::Reverse(n))).expect("a non-entry node") as u32;
    let kind_of = |n: u32| if n == jewel { ("datastore", "reads_database") } else { KINDS[n as usize % KINDS.len()] };

    let format = args.format;
    let mut model = File::new(format);
    model.comment(&format!(
        "Synthetic model: riskpath gen --nodes {nodes} --edges {} --entries {entries} --seed {} --format yaml",
        args.edges, args.seed
    ));
    model.comment("A random attack graph whose mean out-degree x mean p is 1.5: most trials reach much of it.");
    let seed = raw(args.seed);
    model.settings(&[("currency", id("USD")), ("trials", raw(10000)), ("years", raw(10000)), ("seed", seed)]);
    for e in 0..entries {
        model.item("entry_points", &[("id", id(format!("e{e}"))), ("kind", id(ENTRY_KINDS[e % ENTRY_KINDS.len()].0))]);
    }
    let mut node_files = vec![File::new(format)];
    for n in entries as u32..nodes as u32 {
        if (n as usize - entries).is_multiple_of(shape.nodes_per_file) && n as usize > entries {
            node_files.push(File::new(format));
        }
        let file = node_files.last_mut().expect("one file at least");
        let (kind, _) = kind_of(n);
        if n == jewel {
            let loss = V::Map(vec![("confidentiality", V::Map(vec![("low", raw("1e5")), ("high", raw("1e7"))]))]);
            file.item(
                "nodes",
                &[("id", id(format!("n{n}"))), ("kind", id(kind)), ("crown_jewel", raw(true)), ("loss", loss)],
            );
        } else {
            file.item(
                "nodes",
                &[("id", id(format!("n{n}"))), ("kind", id(kind)), ("zone", id(format!("z{}", n % 10)))],
            );
        }
    }
    let mut node_files = node_files.into_iter();
    model.text.push_str(&node_files.next().map(|f| f.text).unwrap_or_default());
    let all_entries: Vec<String> = (0..entries as u32).map(id_of).collect();
    model.item(
        "actors",
        &[
            ("id", id("adversary")),
            ("frequency", V::Map(vec![("low", raw(1)), ("high", raw(10))])),
            ("entry", V::Ids(all_entries)),
            ("skill", id("medium")),
            ("targets", V::Ids(vec![format!("n{jewel}")])),
        ],
    );

    let ext = shape.extension;
    let mut files = vec![(args.output.join(format!("model.{ext}")), model.text)];
    files.extend(
        node_files.enumerate().map(|(i, file)| (args.output.join(format!("nodes-{:03}.{ext}", i + 1)), file.text)),
    );
    let chunks = list.edges.chunks(shape.edges_per_file);
    let edge_paths: Vec<PathBuf> = (0..chunks.len()).map(|i| args.output.join(format!("edges-{i:03}.{ext}"))).collect();

    std::fs::create_dir_all(&args.output)
        .map_err(|e| Failure::usage(format!("cannot create {}: {e}", args.output.display())))?;
    if let Some(path) = files.iter().map(|(path, _)| path).chain(&edge_paths).find(|path| path.exists()) {
        return Err(Failure::usage(format!("{} exists; not overwriting it", path.display())));
    }
    for (path, text) in &files {
        write_output(Some(path), text)?;
    }
    // Edge files are written as they are made: one in memory at a time.
    for (chunk, path) in chunks.zip(&edge_paths) {
        let mut file = File::new(format);
        for (from, to, p, reqs) in chunk {
            let kind = if (*from as usize) < entries {
                ENTRY_KINDS[*from as usize % ENTRY_KINDS.len()].1
            } else {
                kind_of(*to).1
            };
            // Four decimals, and never 0: a zero-probability edge is no edge.
            let mut fields = vec![
                ("from", id(id_of(*from))),
                ("to", id(id_of(*to))),
                ("kind", id(kind)),
                ("p", raw(format!("{:.4}", p.max(1e-4)))),
            ];
            if !reqs.is_empty() {
                fields.push(("requires", V::Ids(reqs.iter().map(|&r| id_of(r)).collect())));
            }
            file.item("edges", &fields);
        }
        write_output(Some(path), &file.text)?;
    }
    println!(
        "wrote {} nodes ({entries} entry points), {} edges in {} files to {}; next: riskpath analyze {}",
        nodes,
        args.edges,
        files.len() + edge_paths.len(),
        args.output.display(),
        args.output.display()
    );
    Ok(())
}
