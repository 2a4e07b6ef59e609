//! Per-call counters of a [`super::PaytraqClient`], shared by its clones:
//! HTTP requests sent, retries, and 429 answers, per kind of call. Used by
//! benchmarks and tests to count what a job costs in PayTraq requests.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Counters of one kind of call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallCount {
    /// HTTP requests sent (every attempt counts).
    pub requests: u64,
    /// Attempts repeated after a 5xx, timeout or transport failure.
    pub retries: u64,
    /// 429 answers received (then waited out and repeated).
    pub rate_limited: u64,
}

/// A snapshot of the counters, by call name (see `routes.rs`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallStats {
    pub by_call: BTreeMap<&'static str, CallCount>,
}

impl CallStats {
    pub fn requests(&self, call: &str) -> u64 {
        self.by_call.get(call).map_or(0, |c| c.requests)
    }
    pub fn total_requests(&self) -> u64 {
        self.by_call.values().map(|c| c.requests).sum()
    }
    pub fn total_retries(&self) -> u64 {
        self.by_call.values().map(|c| c.retries).sum()
    }
    pub fn total_rate_limited(&self) -> u64 {
        self.by_call.values().map(|c| c.rate_limited).sum()
    }
}

#[derive(Debug, Default)]
pub(crate) struct Counters(Mutex<BTreeMap<&'static str, CallCount>>);

impl Counters {
    fn bump(&self, call: &'static str, f: impl FnOnce(&mut CallCount)) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(map.entry(call).or_default());
    }
    pub fn request(&self, call: &'static str) {
        self.bump(call, |c| c.requests += 1);
    }
    pub fn retry(&self, call: &'static str) {
        self.bump(call, |c| c.retries += 1);
    }
    pub fn rate_limited(&self, call: &'static str) {
        self.bump(call, |c| c.rate_limited += 1);
    }
    pub fn snapshot(&self) -> CallStats {
        CallStats {
            by_call: self.0.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }
}
