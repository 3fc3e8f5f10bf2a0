//! `riskpath import bloodhound`: SharpHound CE (schema 5 and 6, AD CS included), AzureHound and
//! BloodHound OpenGraph collections as one generated folder of model files, with BloodHound's
//! post-processing, Tier Zero crown jewels, entry presets and a report of what was and was not mapped.

mod ad;
mod adcs;
mod azure;
mod emit;
pub mod graph;
pub mod input;
pub mod keys;
pub mod kinds;
mod opengraph;
mod parse;
mod post;
mod report;
pub mod settings;
mod sharphound;
mod tier;

use std::path::{Path, PathBuf};

pub use emit::{display_name, relation, remediation};
pub use input::Limits;
pub use keys::ModelKeys;
pub use report::Report;

use crate::output::Generated;
use graph::Graph;
use settings::Settings;

/// The generated folder of the model directory this importer replaces.
pub const FOLDER: &str = "bloodhound";

/// What to import and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// JSON files, folders of them, or zips.
    pub inputs: Vec<PathBuf>,
    /// The model directory (its hand-written `import.bloodhound` section is read).
    pub model_dir: PathBuf,
    /// Principals already held, by id or name (added to the overlay's).
    pub owned: Vec<String>,
    /// `Some(false)` leaves the phishing preset out whatever the overlay says.
    pub phishing: Option<bool>,
    /// The assume-breach preset: `computers` or `tag:NAME` (replaces the overlay's).
    pub foothold: Option<String>,
    pub limits: Limits,
    /// The model keys to write; `None` probes the loader.
    pub keys: Option<ModelKeys>,
}

/// Why an import failed: the place (file, file:line:col, or file and object) and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub place: String,
    pub message: String,
}

impl Error {
    pub fn at(path: &Path, message: String) -> Error {
        Error { place: path.display().to_string(), message }
    }
    pub fn named(place: &str, message: String) -> Error {
        Error { place: place.to_string(), message }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.place.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.place, self.message)
        }
    }
}

impl std::error::Error for Error {}

/// An import's result: the generated folder's files and what went into them.
#[derive(Debug)]
pub struct Imported {
    pub generated: Generated,
    pub report: Report,
}

/// The readers of each input format, filled document by document.
#[derive(Default)]
struct Readers {
    graph: Graph,
    ad: ad::AdData,
    azure: azure::AzureData,
    og: opengraph::OgData,
}

/// Reads every input, post-processes, and renders the generated folder; nothing is written.
pub fn import(options: &Options) -> Result<Imported, Error> {
    let settings = settings(options)?;
    let mut readers = Readers::default();
    let mut report = Report::default();
    input::for_each_document(&options.inputs, &options.limits, &mut |name, reader| {
        let doc = parse::parse(name, reader)?;
        read_document(&mut readers, &mut report, &settings, name, doc)
    })?;
    if report.documents.is_empty() {
        return Err(Error::named("", "the inputs hold no BloodHound documents".into()));
    }
    let Readers { mut graph, ad, azure, mut og } = readers;
    ad::resolve(&mut graph, &ad);
    azure::resolve(&mut graph, &azure);
    let mut mapped = opengraph::Mapped::default();
    og.resolve(&mut graph, &mut mapped);
    let counts = post_process(&mut graph, &ad, &azure);
    check_owned(&graph, &settings)?;
    let tier = tier::TierZero::find(&graph);
    let mut generated = Generated::new();
    let emitted = emit::emit(&graph, &tier, &settings, &mapped, &mut generated);
    report.finish(&graph, &ad, &azure, &og, &settings, emitted, counts);
    generated.file("report.md", report.markdown());
    Ok(Imported { generated, report })
}

/// BloodHound's post-processing, in its order: special identities (memberships first, since the
/// others expand through them), replication rights, AD CS, Azure roles and permissions.
fn post_process(graph: &mut Graph, ad: &ad::AdData, azure: &azure::AzureData) -> report::PostCounts {
    let special_identities = post::special_identities(graph, &ad.domains);
    let membership = post::Membership::new(graph);
    let replication = post::replication(graph, &membership);
    let adcs = adcs::escalations(graph, &ad.adcs, &membership);
    let azure = azure::post(graph, azure);
    report::PostCounts { special_identities, replication, adcs, azure }
}

fn settings(options: &Options) -> Result<Settings, Error> {
    let generated = options.model_dir.join(FOLDER);
    let overlay =
        crate::overlay::section(&options.model_dir, &generated, "bloodhound").map_err(|e| Error::named("", e))?;
    let keys = options.keys.unwrap_or_else(ModelKeys::supported);
    let mut s = Settings::new(overlay, keys).map_err(|e| Error::named("", e))?;
    s.owned.extend(options.owned.iter().cloned());
    if options.phishing == Some(false) {
        s.phishing = None;
    }
    if let Some(f) = &options.foothold {
        settings::check_foothold(f).map_err(|e| Error::named("--foothold", e))?;
        let reach = s.foothold.take().map_or(serde_json::json!(1), |(_, r)| r);
        s.foothold = Some((f.clone(), reach));
    }
    Ok(s)
}

/// An owned principal that is not in the collection is a mistake worth stopping for.
fn check_owned(graph: &Graph, s: &Settings) -> Result<(), Error> {
    for o in &s.owned {
        if settings::find(graph, o).is_none() {
            let names = graph.nodes.iter().filter(|n| !n.name.is_empty()).map(|n| n.name.as_str());
            let hint = riskpath_model::did_you_mean(&o.to_ascii_uppercase(), names)
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            return Err(Error::named(
                "--owned",
                format!("`{o}` is neither an object id nor a name in the collection{hint}"),
            ));
        }
    }
    Ok(())
}

/// Tells a document apart (SharpHound by `meta.type`, AzureHound by `meta.type: azure`,
/// OpenGraph by `graph`) and reads it.
fn read_document(
    r: &mut Readers,
    report: &mut Report,
    settings: &Settings,
    name: &str,
    doc: parse::Document,
) -> Result<(), Error> {
    if let Some(graph) = doc.graph {
        let stem =
            Path::new(name.rsplit('!').next().unwrap_or(name)).file_stem().map(|s| s.to_string_lossy().into_owned());
        let kind = doc.metadata.map(|m| m.source_kind).filter(|k| !k.is_empty()).or(stem).unwrap_or_default();
        report.document(name, &format!("OpenGraph ({kind})"), graph.nodes.len() + graph.edges.len());
        return r.og.read(&mut r.graph, name, &kind, graph.nodes, graph.edges, &settings.opengraph.edges);
    }
    let Some(meta) = doc.meta else {
        let what = if doc.data.is_some() {
            "a `data` array without `meta`: its object type is unknown"
        } else {
            "neither SharpHound/AzureHound ({\"data\", \"meta\"}) nor OpenGraph ({\"graph\"}) JSON"
        };
        return Err(Error::named(name, what.into()));
    };
    let data = doc.data.unwrap_or_default();
    if let Some(count) = meta.count.filter(|c| *c > 0 && *c as usize != data.len()) {
        report.warn(format!("{name}: meta.count says {count} objects, the file holds {}", data.len()));
    }
    if meta.kind == "azure" {
        report.document(name, "AzureHound", data.len());
        for (i, item) in data.into_iter().enumerate() {
            r.azure.read(&mut r.graph, &item.az_kind, &item.az_data, format!("{name} data[{i}]"));
        }
        return Ok(());
    }
    if !sharphound::TYPES.contains(&meta.kind.as_str()) {
        let known = sharphound::TYPES.join(", ");
        return Err(Error::named(
            name,
            format!("unknown meta.type `{}` (SharpHound types: {known}; AzureHound: azure)", meta.kind),
        ));
    }
    match meta.version {
        Some(v) if !sharphound::VERSIONS.contains(&v) => {
            return Err(Error::named(
                name,
                format!(
                    "SharpHound schema version {v} is not supported (this importer reads versions 5 and 6: SharpHound CE)"
                ),
            ));
        }
        None => report.warn(format!("{name}: no meta.version; read as SharpHound CE schema 5/6")),
        _ => {}
    }
    report.document(name, &format!("SharpHound v{} {}", meta.version.unwrap_or(5), meta.kind), data.len());
    r.ad.read(&mut r.graph, name, &meta.kind, data);
    Ok(())
}

/// The hand-written file the first import writes when the model has no actor yet.
pub const STARTER_FILE: &str = "actors.yaml";

/// A starter actor file using the entry points the import wrote, or `None` when it wrote none.
/// It is written once, beside the generated folder, and never touched again.
pub fn starter_actors(report: &Report) -> Option<String> {
    let entries = &report.emitted.entry_points;
    if entries.is_empty() {
        return None;
    }
    Some(format!(
        "# Written once by `riskpath import bloodhound` because the model had no actor; edit it freely,\n\
         # the importer never touches this file again. The entry points come from the import:\n\
         # phishing (a campaign over enabled users), owned (--owned), foothold (--foothold).\n\
         actors:\n\
         \x20 - id: intruder\n\
         \x20   name: Financially motivated intruder (initial access, then Active Directory and Entra ID)\n\
         \x20   frequency: {{low: 0.5, high: 6}}   # attempts a year (90% interval)\n\
         \x20   skill: medium\n\
         \x20   entry: [{}]\n",
        entries.join(", ")
    ))
}
