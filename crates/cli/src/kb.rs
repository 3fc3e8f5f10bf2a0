//! `riskpath kb`: the knowledge base — the built-in edge kinds, techniques and mitigations (the
//! default), the control catalog, ATT&CK bundle import and what an ATT&CK group can do in a model.

use std::fmt::Write;
use std::path::PathBuf;
use std::time::Instant;

use riskpath_model::attack::{self, Origin};
use riskpath_model::kb::{
    self, CATALOG, EDGE_KINDS, MITIGATION_PLATFORMS, MITIGATIONS, NODE_KIND_INFO, TECHNIQUE_RATES, TECHNIQUES,
};
use riskpath_report::style::{Style, clip};

use riskpath_app::ModelSource;
use riskpath_app::docs::{CatalogDoc, KbDoc};
use riskpath_app::kb::GroupConfig;
use riskpath_app::outcome::Document;

use crate::common::{Failure, load_model, write_output};
use crate::{Format, ModelArgs};

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<KbCommand>,
    #[command(flatten)]
    pub list: ListArgs,
}

#[derive(clap::Subcommand, Debug)]
pub enum KbCommand {
    /// The built-in knowledge base (the default): edge kinds, ATT&CK techniques, base probabilities.
    List(ListArgs),
    /// The built-in control catalog, for controls that say `uses: catalog/<name>`.
    Catalog(ListArgs),
    /// Read an ATT&CK STIX bundle and write its compact cache (default: next to the bundle).
    ImportAttack(ImportArgs),
    /// Which of a model's edges an ATT&CK group can walk, and which techniques it is not known to use.
    Group(GroupArgs),
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The ATT&CK STIX 2.x bundle, e.g. enterprise-attack.json from github.com/mitre-attack/attack-stix-data.
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    /// Where to write the cache [default: BUNDLE's directory, <stem>.riskpath-cache.json].
    #[arg(short, long, value_name = "CACHE")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(clap::Args, Debug)]
pub struct GroupArgs {
    /// The group: ATT&CK id (G0016), name or alias (APT29).
    #[arg(value_name = "GROUP")]
    pub group: String,
    #[command(flatten)]
    pub model: ModelArgs,
    /// ATT&CK bundle or cache to use instead of the model's `settings.attack`.
    #[arg(long, value_name = "BUNDLE")]
    pub attack: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        None => list(args.list),
        Some(KbCommand::List(a)) => list(a),
        Some(KbCommand::Catalog(a)) => catalog(a),
        Some(KbCommand::ImportAttack(a)) => import_attack(a),
        Some(KbCommand::Group(a)) => group(a),
    }
}

fn list(args: ListArgs) -> Result<(), Failure> {
    let content = match args.format {
        Format::Json => KbDoc::builtin().json()?,
        Format::Text => Style::detect().finish(render(&Style::detect())),
    };
    write_output(None, &content)
}

fn render(style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        style
            .bold(&format!("{} edge kinds · base success probability for low / medium / high skill", EDGE_KINDS.len()))
    );
    let mut area = "";
    for k in EDGE_KINDS.iter() {
        if k.area != area {
            area = k.area;
            let _ = writeln!(out, "\n{}", style.cyan(area));
        }
        let name = kb::technique(k.technique).map_or("", |t| t.name);
        let _ = writeln!(
            out,
            "  {:<24}{:<10}{:.2} / {:.2} / {:.2}  {}",
            k.name,
            k.technique,
            k.base[0],
            k.base[1],
            k.base[2],
            style.dim(&clip(name, 44))
        );
        let _ = writeln!(out, "  {:<24}{}", "", style.dim(&clip(k.rationale, 74)));
        let (action, text) = kb::remediation(k);
        let _ = writeln!(
            out,
            "  {:<24}{}",
            "",
            style.dim(&clip(&format!("to remove ({}): {text}", action.replace('_', " ")), 74))
        );
    }
    render_rates(&mut out, style);
    render_node_kinds(&mut out, style);
    let _ = writeln!(
        out,
        "\n{} ATT&CK techniques and {} mitigations known ({} tied to platforms); `riskpath kb --format json` \
         lists them.\n{} catalog controls: `riskpath kb catalog`.",
        TECHNIQUES.len(),
        MITIGATIONS.len(),
        MITIGATION_PLATFORMS.len(),
        CATALOG.len()
    );
    out
}

/// The techniques with a base rate of their own, which an edge's `technique` brings with it.
fn render_rates(out: &mut String, style: &Style) {
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(
            "Techniques with a rate of their own · used when an edge's `technique` names one other than its kind's"
        )
    );
    for r in TECHNIQUE_RATES.iter() {
        let name = kb::technique(r.technique).map_or("", |t| t.name);
        let _ = writeln!(
            out,
            "  {:<10}{:.2} / {:.2} / {:.2}  {}",
            r.technique,
            r.base[0],
            r.base[1],
            r.base[2],
            style.dim(&clip(name, 62))
        );
        let _ = writeln!(out, "  {:<10}{}", "", style.dim(&clip(r.rationale, 88)));
    }
}

/// Node kinds with the ATT&CK platforms they imply.
fn render_node_kinds(out: &mut String, style: &Style) {
    let _ = writeln!(out, "\n{}", style.bold("Node kinds · the ATT&CK platforms each implies"));
    for k in NODE_KIND_INFO.iter() {
        let platforms = if k.platforms.is_empty() { "—".to_string() } else { k.platforms.join(", ") };
        let _ = writeln!(out, "  {:<22}{:<28}{}", k.name, clip(&platforms, 27), style.dim(&clip(k.description, 48)));
    }
}

fn catalog(args: ListArgs) -> Result<(), Failure> {
    let content = match args.format {
        Format::Json => CatalogDoc::builtin().json()?,
        Format::Text => {
            let style = Style::detect();
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{}",
                style.bold(&format!(
                    "{} catalog controls · use one with `uses: catalog/<name>`; prevent / detect as 90% intervals",
                    CATALOG.len()
                ))
            );
            let interval = |x: &kb::CatalogEfficacy| format!("{} {:.2}–{:.2}", x.technique, x.low, x.high);
            for c in CATALOG {
                let _ = writeln!(out, "\n{}  {}", style.cyan(&format!("catalog/{}", c.name)), style.dim(c.title));
                let mitigations: Vec<String> =
                    c.implements.iter().map(|m| format!("{m} {}", kb::mitigation(m).map_or("", |x| x.name))).collect();
                let _ = writeln!(out, "  implements  {}", mitigations.join(", "));
                if !c.mitigates.is_empty() {
                    let parts: Vec<String> = c.mitigates.iter().map(interval).collect();
                    let _ = writeln!(
                        out,
                        "{}",
                        riskpath_report::style::wrap_joined(&parts, ", ", "  prevents    ", 14, 100)
                    );
                }
                if !c.detects.is_empty() {
                    let parts: Vec<String> = c.detects.iter().map(interval).collect();
                    let _ = writeln!(
                        out,
                        "{}",
                        riskpath_report::style::wrap_joined(&parts, ", ", "  detects     ", 14, 100)
                    );
                }
                let _ = writeln!(out, "  {}", style.dim(&clip(c.rationale, 96)));
            }
            Style::detect().finish(out)
        }
    };
    write_output(None, &content)
}

fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

fn import_attack(args: ImportArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let catalog = attack::import(&args.bundle).map_err(|e| Failure::usage(e.to_string()))?;
    let import_ms = millis(started);
    let cache = args.output.clone().unwrap_or_else(|| attack::default_cache_path(&args.bundle));
    if cache == args.bundle {
        return Err(Failure::usage("the cache would overwrite the bundle; choose another path with -o"));
    }
    attack::write_cache(&catalog, &cache).map_err(|e| Failure::usage(e.to_string()))?;
    let cache_bytes = std::fs::metadata(&cache).map(|m| m.len()).unwrap_or(0);
    // How long a later load takes: what `settings.attack` costs on every run.
    let started = Instant::now();
    let reloaded = attack::open(&if args.output.is_some() { cache.clone() } else { args.bundle.clone() }, None, false)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let cache_load_ms = millis(started);
    if !matches!(reloaded.origin, Origin::Cache(_)) {
        return Err(Failure::usage(format!("the cache {} was written but is not used when loading", cache.display())));
    }
    let counts = catalog.counts();
    let content = match args.format {
        Format::Json => riskpath_app::outcome::Document::json(&riskpath_app::docs::ImportAttackDoc {
            schema_version: riskpath_app::docs::SCHEMA_VERSION,
            bundle: args.bundle.clone(),
            version: catalog.version.clone(),
            cache: cache.clone(),
            cache_bytes,
            counts,
            import_ms,
            cache_load_ms,
        })?,
        Format::Text => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "imported {} in {import_ms:.0} ms{}",
                args.bundle.display(),
                catalog.version.as_deref().map_or(String::new(), |v| format!(" (ATT&CK {v})"))
            );
            let _ = writeln!(
                out,
                "  {} techniques and {} sub-techniques ({} and {} current), {} mitigations ({} current), {} groups ({} current)",
                counts.techniques,
                counts.subtechniques,
                counts.current_techniques,
                counts.current_subtechniques,
                counts.mitigations,
                counts.current_mitigations,
                counts.groups,
                counts.current_groups
            );
            let _ = writeln!(
                out,
                "  relationships: {} mitigates, {} uses (group → technique), {} subtechnique-of; {} revoked ({} with a replacement), {} deprecated",
                counts.mitigates,
                counts.uses,
                counts.subtechnique_of,
                counts.revoked,
                counts.revoked_by,
                counts.deprecated
            );
            let _ = writeln!(
                out,
                "cache {} ({} kB) loads in {cache_load_ms:.1} ms",
                cache.display(),
                cache_bytes.div_ceil(1024)
            );
            let hint =
                if args.output.is_some() { cache.display().to_string() } else { args.bundle.display().to_string() };
            let _ = writeln!(
                out,
                "use it in a model with `settings: {{attack: {hint}}}` (relative to the model directory)"
            );
            Style::detect().finish(out)
        }
    };
    write_output(None, &content)
}

fn group(args: GroupArgs) -> Result<(), Failure> {
    let loaded = load_model(&args.model)?;
    let config = GroupConfig {
        model: ModelSource::Loaded(loaded),
        group: args.group.clone(),
        attack: args.attack.clone(),
        format: args.format.into(),
        style: Style::detect(),
    };
    let outcome = riskpath_app::kb::group(&config)?;
    write_output(None, &outcome.render()?)
}
