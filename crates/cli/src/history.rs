//! `riskpath history`: the recorded `verify` runs and the ALE trend; `riskpath history verify`
//! recomputes the hash chain and names any record that was altered, inserted or deleted.

use riskpath_report::style::count;
use std::fmt::Write;
use std::path::PathBuf;

use riskpath_assure::history::{self, Store, Stored};
use riskpath_report::style::{Style, money};

use crate::Format;
use crate::common::{Failure, write_output};

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub action: Option<Action>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Show the last N runs.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub last: usize,
}

#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Recompute the hash chain; exit 1 naming each altered, inserted or deleted record.
    Verify(VerifyArgs),
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// A head hash kept elsewhere (CI logs, a commit): it must still be a record of the intact
    /// chain, or the history was rewritten or cut back. The whole hash or its first 12+ hex digits.
    #[arg(long, value_name = "HASH")]
    pub anchor: Option<String>,
}

/// Which history to read: a model directory's, or a database given by path.
#[derive(clap::Args, Debug)]
pub struct StoreArgs {
    /// Model directory (its history is DIR/.riskpath/history.db).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// History database, instead of the model directory's.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

impl StoreArgs {
    fn path(&self) -> Result<PathBuf, Failure> {
        match (&self.db, &self.dir) {
            (Some(db), _) => Ok(db.clone()),
            (None, Some(dir)) => history::model_store(dir).map_err(|e| Failure::usage(e.to_string())),
            (None, None) => Err(Failure::usage("give the model DIR or --db PATH")),
        }
    }
}

pub fn run(args: Args) -> Result<(), Failure> {
    match args.action {
        Some(Action::Verify(args)) => verify(&args),
        None => list(&args),
    }
}

fn open(store: &StoreArgs) -> Result<Store, Failure> {
    Store::open_existing(&store.path()?).map_err(|e| Failure::usage(e.to_string()))
}

fn verify(args: &VerifyArgs) -> Result<(), Failure> {
    let store = open(&args.store)?;
    let report = store.verify_chain().map_err(|e| Failure::usage(e.to_string()))?;
    let anchored = match &args.anchor {
        Some(anchor) => Some(report.anchored(anchor).map_err(|e| Failure::usage(e.to_string()))?),
        None => None,
    };
    let path = store.path().display().to_string();
    if report.problems.is_empty() {
        let head = report.head().unwrap_or("none");
        match anchored {
            Some(None) => {
                return Err(Failure::findings(format!(
                    "the history in {path} does not contain the anchored record {}: it was rewritten, or cut back \
                     before that record ({}, head {head})",
                    args.anchor.as_deref().unwrap_or_default().trim(),
                    count(report.records(), "record")
                )));
            }
            Some(Some(seq)) => {
                println!(
                    "ok: {} in {path}, hash chain intact through the anchored record #{seq}; head {head}",
                    count(report.records(), "record")
                );
            }
            None => {
                println!("ok: {} in {path}, hash chain intact; head {head}", count(report.records(), "record"));
                println!("(keep the head hash elsewhere, e.g. in CI logs, and pass it as --anchor next time)");
            }
        }
        return Ok(());
    }
    for p in &report.problems {
        println!("record #{}: {}", p.seq, riskpath_model::escape::terminal(&p.message));
    }
    let first = report.problems[0].seq;
    Err(Failure::findings(format!(
        "the history in {path} was tampered with: {}, first at record #{first}",
        count(report.problems.len(), "problem")
    )))
}

/// A sparkline of `values`: one block character per value, scaled between their min and max.
fn sparkline(values: &[f64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    values
        .iter()
        .map(|&v| if hi > lo { BARS[(((v - lo) / (hi - lo)) * 7.0).round() as usize] } else { BARS[3] })
        .collect()
}

fn list(args: &Args) -> Result<(), Failure> {
    let store = open(&args.store)?;
    let records = store.records().map_err(|e| Failure::usage(e.to_string()))?;
    let shown: &[Stored] = &records[records.len().saturating_sub(args.last.max(1))..];
    let content = match args.format {
        Format::Json => {
            let doc = riskpath_app::docs::HistoryDoc::new(store.path().display().to_string(), shown);
            riskpath_app::outcome::Document::json(&doc)?
        }
        Format::Text => {
            let style = Style::detect();
            style.finish(text(&store.path().display().to_string(), &records, shown, &style))
        }
    };
    write_output(None, &content)
}

fn text(db: &str, all: &[Stored], shown: &[Stored], style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {db}  {}", style.bold("History"), style.dim(&format!("({})", count(all.len(), "run"))));
    if shown.is_empty() {
        let _ = writeln!(out, "no runs recorded yet");
        return out;
    }
    let _ = writeln!(
        out,
        "{}",
        style.dim("   run  time                  ALE verified     change  pass fail stale err  model     regressions")
    );
    let mut previous_ale = all
        .iter()
        .position(|s| s.record.seq == shown[0].record.seq)
        .and_then(|i| i.checked_sub(1))
        .map(|i| all[i].record.ale);
    for s in shown {
        let r = &s.record;
        let change = match previous_ale {
            Some(p) if (r.ale - p).abs() > 0.0 => {
                let sign = if r.ale > p { "+" } else { "−" };
                let text = format!("{sign}{}", money((r.ale - p).abs(), &r.currency));
                if r.ale > p { style.red(&format!("{text:>10}")) } else { style.green(&format!("{text:>10}")) }
            }
            _ => format!("{:>10}", ""),
        };
        previous_ale = Some(r.ale);
        let c = &r.counts;
        let regressions = r.regressions.join(", ");
        let regressions = if regressions.chars().count() > 22 {
            regressions.chars().take(21).collect::<String>() + "…"
        } else {
            regressions
        };
        let _ = writeln!(
            out,
            "  {:>4}  {:<20}  {:>12} {change}  {:>4} {:>4} {:>5} {:>3}  {}  {}",
            format!("#{}", r.seq),
            r.time.replace('T', " "),
            money(r.ale, &r.currency),
            c.pass,
            c.fail,
            c.stale,
            c.error,
            &r.model_hash[..8],
            style.red(&regressions)
        );
    }
    let ales: Vec<f64> = shown.iter().map(|s| s.record.ale).collect();
    let (first, last) = (&shown[0].record, &shown[shown.len() - 1].record);
    let _ = writeln!(
        out,
        "\nALE trend  {}  {} → {}  (as designed now: {})",
        sparkline(&ales),
        money(first.ale, &first.currency),
        money(last.ale, &last.currency),
        money(last.ale_design, &last.currency)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales() {
        assert_eq!(sparkline(&[1.0, 2.0, 3.0]), "▁▅█");
        assert_eq!(sparkline(&[5.0, 5.0]), "▄▄");
    }
}
