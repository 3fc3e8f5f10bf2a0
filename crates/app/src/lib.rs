//! The riskpath application as a library: each command's work, from plain configuration (no
//! command-line parsing, no printing, no exit) to typed results and errors, for the CLI and the server.

pub mod analyze;
pub mod chokepoints;
pub mod docs;
pub mod error;
pub mod export;
pub mod gaps;
pub mod incident;
pub mod kb;
pub mod model;
pub mod outcome;
pub mod plan;
pub mod progress;
pub mod report;
pub mod sim;
pub mod verify;

pub use analyze::{AnalysisOutcome, AnalyzeConfig, Format, analyze};
pub use error::AppError;
pub use model::ModelSource;
pub use outcome::Outcome;
pub use progress::{Progress, Silent};
pub use sim::{RunConfig, SimConfig};

/// Pretty JSON with a final newline and no negative zero: the bytes of every JSON document.
pub fn to_json(value: &(impl serde::Serialize + ?Sized)) -> Result<String, AppError> {
    riskpath_report::json_text::pretty(value).map_err(|e| AppError::Usage(format!("cannot encode JSON: {e}")))
}
