//! Assurance: a control's `check` (a Rego policy over evidence files) decides whether it still counts.
//! Owns evidence reading, bounded policy evaluation, control state, erosion pricing and run history.

pub mod check;
pub mod doc;
pub mod evidence;
pub mod history;
pub mod impact;
pub mod policy;

use std::time::Duration;

use riskpath_model::Model;
use sha2::{Digest, Sha256};

pub use check::{CheckOptions, ControlResult, Counts, State, check_controls, verified_posture};
pub use impact::{Impact, price};

/// Bounds on checks: what a hostile policy or evidence file can cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Wall-clock limit on evaluating one policy.
    pub policy_timeout: Duration,
    /// Most bytes one policy evaluation may allocate, its input included (see `policy`).
    pub max_policy_memory: u64,
    /// Largest policy file, in bytes.
    pub max_policy_bytes: usize,
    /// Largest evidence file, in bytes.
    pub max_evidence_bytes: u64,
    /// Most evidence bytes one check may read, all files together.
    pub max_evidence_total_bytes: u64,
    /// Most evidence files one check may read.
    pub max_evidence_files: usize,
    /// Most files and directories the evidence patterns of one check may visit.
    pub max_evidence_visits: usize,
    /// Deepest nesting accepted in YAML evidence (JSON is capped at 128 by the parser).
    pub max_evidence_depth: usize,
    /// Most YAML nodes in one evidence file.
    pub max_evidence_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            policy_timeout: check::DEFAULT_POLICY_TIMEOUT,
            max_policy_memory: 1 << 30,
            max_policy_bytes: 1 << 20,
            max_evidence_bytes: 16 << 20,
            max_evidence_total_bytes: 64 << 20,
            max_evidence_files: 1_000,
            max_evidence_visits: 200_000,
            max_evidence_depth: 64,
            max_evidence_nodes: 2_000_000,
        }
    }
}

/// SHA-256 over the model files in path order; each file contributes its length (8 bytes,
/// little-endian) then its contents, so moving text between files changes the hash. A JSON Lines
/// file, whose text is not kept, contributes its length then its contents' SHA-256 (taken while it
/// was read).
pub fn model_hash(model: &Model) -> String {
    let mut files: Vec<_> = model.sources.files().iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update((f.len() as u64).to_le_bytes());
        match f.streamed() {
            Some(streamed) => hasher.update(streamed.sha256),
            None => hasher.update(f.text.as_bytes()),
        }
    }
    evidence::hex(&hasher.finalize())
}

/// `time` as RFC 3339 in UTC with seconds, e.g. `2025-11-27T10:08:00Z`.
pub fn timestamp(time: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
