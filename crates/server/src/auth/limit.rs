//! Login rate limiting: failures counted per key (an account name, a client address) in a
//! sliding window; a key with too many is refused until its oldest failure leaves the window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Limiter {
    max: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Keys kept before stale ones are pruned.
const PRUNE_AT: usize = 10_000;

impl Limiter {
    pub fn new(max: usize, window: Duration) -> Limiter {
        Limiter { max, window, failures: Mutex::new(HashMap::new()) }
    }

    /// Logins: 5 failures per account or address in 15 minutes.
    pub fn logins() -> Limiter {
        Limiter::new(5, Duration::from_secs(15 * 60))
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, VecDeque<Instant>>) -> T) -> T {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut map)
    }

    /// How long `key` must wait, when it is over the limit now.
    pub fn blocked(&self, key: &str, now: Instant) -> Option<Duration> {
        self.with(|map| {
            let times = map.get_mut(key)?;
            while times.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                times.pop_front();
            }
            let oldest = *times.front()?;
            (times.len() >= self.max).then(|| self.window - now.duration_since(oldest))
        })
    }

    /// Counts one failure of `key`.
    pub fn fail(&self, key: &str, now: Instant) {
        self.with(|map| {
            if map.len() >= PRUNE_AT {
                map.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < self.window));
            }
            map.entry(key.to_string()).or_default().push_back(now);
        })
    }

    /// Forgets `key`'s failures (a successful login).
    pub fn clear(&self, key: &str) {
        self.with(|map| map.remove(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_holds_for_the_window_then_lifts() {
        let l = Limiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(l.blocked("a", t0), None, "after {i} failures");
            l.fail("a", t0 + Duration::from_secs(i));
        }
        assert_eq!(l.blocked("a", t0 + Duration::from_secs(10)), Some(Duration::from_secs(50)));
        assert_eq!(l.blocked("b", t0), None, "keys are separate");
        assert_eq!(l.blocked("a", t0 + Duration::from_secs(60)), None, "the oldest failure left the window");
        l.clear("a");
        assert_eq!(l.blocked("a", t0 + Duration::from_secs(10)), None);
    }
}
