//! What a command gives back: its typed document, its output in another format when asked (text,
//! a Markdown runbook, a Navigator layer), the warnings to show; and how its JSON bytes are written.

use riskpath_model::{Loaded, Problems};
use serde::Serialize;

use crate::{AppError, ModelSource};

/// A JSON document the tool writes, and how its bytes are made.
pub trait Document: Serialize {
    /// The document as the tool writes it (pretty, final newline, no negative zero).
    fn json(&self) -> Result<String, AppError> {
        crate::to_json(self)
    }
}

/// A command's result: the document, its rendering in the asked format when that is not the
/// document's JSON, and the warnings to show (load warnings when the library loaded the model,
/// then the command's own).
#[derive(Debug)]
pub struct Outcome<D> {
    pub doc: D,
    /// The output when the format is not the JSON document (text, Markdown, another JSON format).
    pub text: Option<String>,
    pub warnings: Problems,
}

impl<D: Document> Outcome<D> {
    /// The bytes the command writes: the rendering asked for, or the document as JSON.
    pub fn render(&self) -> Result<String, AppError> {
        match &self.text {
            Some(text) => Ok(text.clone()),
            None => self.doc.json(),
        }
    }
}

impl<D> Outcome<D> {
    /// A result with no warnings of its own.
    pub fn new(doc: D, text: Option<String>) -> Self {
        Outcome { doc, text, warnings: Problems::default() }
    }
}

/// Runs `work` on the model of `source` on `threads` worker threads; the load warnings (when the
/// library loaded the model) come before the command's own.
pub fn on_model<D: Send>(
    source: &ModelSource,
    threads: Option<usize>,
    work: impl FnOnce(&Loaded) -> Result<Outcome<D>, AppError> + Send,
) -> Result<Outcome<D>, AppError> {
    let opened = source.open()?;
    let loaded = &opened.loaded;
    let mut outcome = in_pool(threads, || work(loaded))??;
    outcome.warnings = join_warnings(opened.warnings, std::mem::take(&mut outcome.warnings));
    Ok(outcome)
}

/// The load warnings, then `more` (both of the same model).
fn join_warnings(mut load: Problems, more: Problems) -> Problems {
    if load.list.is_empty() {
        return more;
    }
    load.list.extend(more.list);
    load
}

/// Runs `work` on `threads` worker threads (a pool of its own), or on the process's pool.
pub fn in_pool<T: Send>(threads: Option<usize>, work: impl FnOnce() -> T + Send) -> Result<T, AppError> {
    match threads {
        None => Ok(work()),
        Some(0) => Err(AppError::usage("threads must be at least 1")),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(|pool| pool.install(work))
            .map_err(|e| AppError::usage(format!("cannot start {n} worker threads: {e}"))),
    }
}
