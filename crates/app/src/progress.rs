//! How long work reports its progress to whoever runs it (the CLI's bar on a terminal, the server's
//! job events): the application opens observers through [`Progress`], the engine feeds them.

use std::sync::Arc;

/// One observer of counted work: `riskpath_engine::risk::Progress` (`add`, then `done`).
pub use riskpath_engine::risk::Progress as Observer;

/// Opens an observer for each piece of work a command does.
pub trait Progress: Sync {
    /// Work of a known size: `total` units (trials and attempts) of `what` (e.g. "simulating").
    fn bar(&self, total: u64, what: &str) -> Box<dyn Observer>;
    /// Work counted as it goes, with no known total (e.g. "what-ifs measured").
    fn counter(&self, what: &str) -> Arc<dyn Observer + Send>;
}

/// No progress shown: for tests, batch jobs and callers that only want the result.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn bar(&self, _: u64, _: &str) -> Box<dyn Observer> {
        Box::new(())
    }
    fn counter(&self, _: &str) -> Arc<dyn Observer + Send> {
        Arc::new(())
    }
}
