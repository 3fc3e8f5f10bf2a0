//! The riskpath model: the estate as written in YAML, loaded with spans and validated.
//! Owns the types every later stage reads, the loader, its diagnostics and the knowledge base.

// A `Problem` (message, span, labels, help) is the loader's error: returned once per unreadable
// file or bad value, never in a hot loop, so its size is not worth a box at every call site.
#![allow(clippy::result_large_err)]

pub mod accepted;
pub mod attack;
pub mod escape;
pub mod files;
mod fixcost;
mod groups;
pub mod jsonl;
pub mod kb;
pub mod keys;
mod labels;
mod load;
mod names;
mod platforms;
mod read;
pub mod source;
mod suggest;
mod types;
mod validate;
pub mod vuln;
pub mod words;
pub mod yaml;

pub use groups::{Campaign, LossGroup};
pub use labels::Labels;
pub use load::{LoadOptions, Loaded, Overlay, SKIPPED_DIRS, is_model_file, load, load_overlay, load_str};
pub use platforms::{PlatformSource, Platforms};
pub use source::{Loc, Problem, Problems, Severity, Sources, Streamed};
pub use suggest::{closest, did_you_mean};
pub use types::*;
pub use validate::notes;
