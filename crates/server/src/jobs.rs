//! Jobs: analyses run by a bounded worker pool (a queue of at most [`Pool::max_pending`] jobs, at
//! most [`Pool::workers`] at once), cancellable, their progress published for server-sent events.
//!
//! A job runs `riskpath_app::analyze` on the model version's files written to a private temporary
//! folder, with the request's options over the model's settings: the bytes `riskpath analyze
//! --format json` writes for the same files and options. Results are cached by the SHA-256 of the
//! model hash and the resolved options, so the same request is answered from the cache.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use riskpath_app::progress::Observer;
use riskpath_app::{AnalyzeConfig, ModelSource, RunConfig};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use utoipa::ToSchema;

use crate::upload::FileSet;

/// The options of an analysis job: each, when given, overrides the model's settings like the
/// flag of the same name of `riskpath analyze`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<u64>,
    /// `--decision-trials` (2048 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_trials: Option<u64>,
    /// `-k`, paths per actor and target (1 to 100; 5 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths: Option<usize>,
    /// `--as-of YYYY-MM-DD` (today, UTC, when absent; the cache key holds the day used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

impl AnalyzeOptions {
    /// The options with every default made explicit (the day included): what the cache key hashes.
    pub fn resolved(&self, today: &str) -> Result<AnalyzeOptions, String> {
        let as_of = self.as_of.clone().unwrap_or_else(|| today.to_string());
        riskpath_model::accepted::Date::parse(&as_of).map_err(|e| format!("as_of: {e}"))?;
        let paths = self.paths.unwrap_or(5);
        if !(1..=riskpath_app::analyze::MAX_PATHS).contains(&paths) {
            return Err(format!("paths is 1 to {}", riskpath_app::analyze::MAX_PATHS));
        }
        Ok(AnalyzeOptions {
            decision_trials: Some(self.decision_trials.unwrap_or(riskpath_app::sim::DEFAULT_DECISION_TRIALS)),
            paths: Some(paths),
            as_of: Some(as_of),
            ..self.clone()
        })
    }

    /// The cache key of these (resolved) options on a model version, for this version of
    /// riskpath (another version may compute other bytes).
    pub fn cache_key(&self, model_hash: &str) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        let version = env!("CARGO_PKG_VERSION");
        crate::secret::sha256_hex(format!("analyze\n{version}\n{model_hash}\n{text}").as_bytes())
    }

    fn config(&self, dir: &std::path::Path) -> Result<AnalyzeConfig, String> {
        let as_of = self.as_of.as_deref().ok_or("as_of not resolved")?;
        let mut config = AnalyzeConfig::new(ModelSource::path(dir), riskpath_model::accepted::Date::parse(as_of)?);
        config.sim.run = RunConfig { trials: self.trials, seed: self.seed, years: self.years };
        config.sim.decision_trials = self.decision_trials.ok_or("decision_trials not resolved")?;
        config.paths = self.paths.ok_or("paths not resolved")?;
        Ok(config)
    }
}

/// Runs one analysis of `set`: the JSON document's bytes, or why not.
pub fn analyze(
    set: &FileSet,
    options: &AnalyzeOptions,
    progress: &dyn riskpath_app::Progress,
) -> Result<String, String> {
    let dir = tempfile::Builder::new().prefix("riskpath-job-").tempdir().map_err(|e| e.to_string())?;
    set.write_to(dir.path()).map_err(|e| e.to_string())?;
    let config = options.config(dir.path())?;
    let outcome = riskpath_app::analyze(&config, progress).map_err(|e| e.to_string())?;
    outcome.render().map_err(|e| e.to_string())
}

/// A job's progress, as streamed: its state and the current piece of work's count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JobEvent {
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub state: String,
    /// The work under way (`simulating`, `what-ifs measured`), when running.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub what: String,
    pub done: u64,
    /// 0 when the work's size is not known in advance.
    pub total: u64,
}

impl JobEvent {
    pub fn state(state: &str) -> JobEvent {
        JobEvent { state: state.into(), what: String::new(), done: 0, total: 0 }
    }
    pub fn is_final(&self) -> bool {
        matches!(self.state.as_str(), "done" | "failed" | "cancelled")
    }
}

/// One piece of work's count, published on every step.
struct Count {
    events: watch::Sender<JobEvent>,
    what: String,
    total: u64,
    done: AtomicU64,
}

impl Observer for Count {
    fn add(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let event = JobEvent { state: "running".into(), what: self.what.clone(), done, total: self.total };
        self.events.send_replace(event);
    }
}

/// The progress of a running job.
pub struct JobProgress(pub watch::Sender<JobEvent>);

impl JobProgress {
    fn count(&self, total: u64, what: &str) -> Count {
        Count { events: self.0.clone(), what: what.to_string(), total, done: AtomicU64::new(0) }
    }
}

impl riskpath_app::Progress for JobProgress {
    fn bar(&self, total: u64, what: &str) -> Box<dyn Observer> {
        Box::new(self.count(total, what))
    }
    fn counter(&self, what: &str) -> Arc<dyn Observer + Send> {
        Arc::new(self.count(0, what))
    }
}

/// A job in memory while queued or running.
struct Live {
    events: watch::Sender<JobEvent>,
    cancelled: AtomicBool,
    running: AtomicBool,
    /// Wakes the job's task from its wait for a worker when it is cancelled while queued.
    wake: Arc<Notify>,
}

/// The bounded pool: a permit per worker, a count of jobs queued or running, the live jobs.
pub struct Pool {
    pub workers: usize,
    pub max_pending: usize,
    permits: Arc<Semaphore>,
    pending: AtomicUsize,
    live: Mutex<HashMap<String, Live>>,
}

impl Pool {
    pub fn new(workers: usize, max_pending: usize) -> Pool {
        Pool {
            workers,
            max_pending,
            permits: Arc::new(Semaphore::new(workers)),
            pending: AtomicUsize::new(0),
            live: Mutex::new(HashMap::new()),
        }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<String, Live>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a place in the queue for job `id`; false when the queue is full.
    pub fn reserve(&self, id: &str) -> bool {
        let taken =
            self.pending.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < self.max_pending).then_some(n + 1));
        if taken.is_err() {
            return false;
        }
        let (events, _) = watch::channel(JobEvent::state("queued"));
        let live = Live {
            events,
            cancelled: AtomicBool::new(false),
            running: AtomicBool::new(false),
            wake: Arc::new(Notify::new()),
        };
        self.live().insert(id.to_string(), live);
        true
    }

    /// A reserved job's events (None once it left).
    pub fn events(&self, id: &str) -> Option<watch::Sender<JobEvent>> {
        self.live().get(id).map(|l| l.events.clone())
    }

    /// Waits for a free worker and marks the job running: the worker's permit, or None when the
    /// job was cancelled (or left) meanwhile, which ends the wait at once.
    pub async fn turn(&self, id: &str) -> Option<OwnedSemaphorePermit> {
        let wake = self.live().get(id)?.wake.clone();
        let permit = tokio::select! {
            permit = Arc::clone(&self.permits).acquire_owned() => permit.ok()?,
            () = wake.notified() => return None,
        };
        self.start(id).then_some(permit)
    }

    /// Jobs queued or running now.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }

    /// The job's place is free again; its last event is sent (once: later calls do nothing).
    pub fn leave(&self, id: &str, last: JobEvent) {
        if let Some(live) = self.live().remove(id) {
            live.events.send_replace(last);
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// A worker takes the job: false when it was cancelled (or left) while queued.
    fn start(&self, id: &str) -> bool {
        let live = self.live();
        let Some(job) = live.get(id) else { return false };
        if job.cancelled.load(Ordering::SeqCst) {
            return false;
        }
        job.running.store(true, Ordering::SeqCst);
        true
    }

    /// A live job's events.
    pub fn subscribe(&self, id: &str) -> Option<watch::Receiver<JobEvent>> {
        self.live().get(id).map(|l| l.events.subscribe())
    }

    /// Flags a live job cancelled; a queued one leaves the queue at once (a running one when its
    /// worker is done). Whether it was live.
    pub fn cancel(&self, id: &str) -> bool {
        let queued = {
            let live = self.live();
            let Some(job) = live.get(id) else { return false };
            job.cancelled.store(true, Ordering::SeqCst);
            job.wake.notify_one();
            !job.running.load(Ordering::SeqCst)
        };
        if queued {
            self.leave(id, JobEvent::state("cancelled"));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(seed: u64) -> AnalyzeOptions {
        AnalyzeOptions { seed: Some(seed), ..AnalyzeOptions::default() }.resolved("2026-01-15").unwrap()
    }

    #[test]
    fn the_cache_key_covers_the_model_every_resolved_option_and_the_version() {
        let a = options(1);
        assert_eq!(a.decision_trials, Some(riskpath_app::sim::DEFAULT_DECISION_TRIALS));
        assert_eq!((a.paths, a.as_of.as_deref()), (Some(5), Some("2026-01-15")));
        assert_eq!(a.resolved("2030-01-01").unwrap(), a, "resolving twice changes nothing");
        assert_eq!(a.cache_key("m"), options(1).cache_key("m"));
        assert_ne!(a.cache_key("m"), a.cache_key("n"));
        assert_ne!(a.cache_key("m"), options(2).cache_key("m"));
        let text = serde_json::to_string(&a).unwrap();
        let expected = format!("analyze\n{}\nm\n{text}", env!("CARGO_PKG_VERSION"));
        assert_eq!(a.cache_key("m"), crate::secret::sha256_hex(expected.as_bytes()));
    }

    #[tokio::test]
    async fn a_job_cancelled_while_waiting_for_a_worker_stops_waiting_and_frees_its_place() {
        let pool = Arc::new(Pool::new(0, 1));
        assert!(pool.reserve("a"));
        assert!(!pool.reserve("b"), "one place");
        let waiting = tokio::spawn({
            let pool = Arc::clone(&pool);
            async move { pool.turn("a").await.is_some() }
        });
        tokio::task::yield_now().await;
        assert!(pool.cancel("a"));
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), waiting).await;
        assert!(!got.expect("the wait ended").unwrap(), "no worker for a cancelled job");
        assert_eq!(pool.pending(), 0);
        assert!(pool.reserve("b"));
        assert!(pool.cancel("b"), "cancelled before its task waits");
        assert!(pool.turn("b").await.is_none());
    }

    #[tokio::test]
    async fn a_worker_runs_one_job_at_a_time_and_a_running_job_keeps_its_place_when_cancelled() {
        let pool = Pool::new(1, 2);
        assert!(pool.reserve("a") && pool.reserve("b"));
        let first = pool.turn("a").await.expect("a free worker");
        let second = tokio::time::timeout(std::time::Duration::from_millis(200), pool.turn("b")).await;
        assert!(second.is_err(), "the only worker is busy");
        assert!(pool.cancel("a"));
        assert_eq!(pool.pending(), 2, "a running job leaves when its worker is done");
        drop(first);
        pool.leave("a", JobEvent::state("cancelled"));
        assert!(pool.turn("b").await.is_some());
        assert_eq!(pool.pending(), 1);
    }
}
