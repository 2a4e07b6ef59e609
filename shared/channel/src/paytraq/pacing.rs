//! Client-side pacing: one token bucket per PayTraq company (keyed by a hash
//! of its API key), shared by every client of the process through an
//! `Arc<Pacer>`, and, when the pacer is given the record store
//! ([`Pacer::shared_through`]), by every process of the deployment. PayTraq
//! allows about 1 request/s with bursts of 5 (reference §1); both figures
//! are configurable.
//!
//! The bucket is kept as a "theoretical arrival time" (GCRA, [`Gcra`]): each
//! request reserves the next slot, so concurrent callers queue fairly
//! without a background task. A 429 pushes the company's next slot past
//! `Retry-After`.
//!
//! Two buckets, one arithmetic:
//! - the in-process bucket is consulted first. It keeps one process to the
//!   company's rate on its own, so a process never asks the store for
//!   slots faster than PayTraq could grant them (its many concurrent tasks
//!   do not all race for the record), and it is what remains when the
//!   store cannot be reached;
//! - the shared bucket ([`super::shared_pacing`]) then grants the slot every
//!   process agrees on: one conditional write per PayTraq request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use tokio::time::Instant;

use super::shared_pacing::SharedSlots;
use super::PaytraqError;
use crate::hash::short_sha256_hex;
use crate::secrets::Secret;
use crate::store::RecordStore;

/// Requests per second (a decimal, e.g. `0.5`) and the burst size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacerConfig {
    pub rate_per_second: Decimal,
    pub burst: u32,
}

impl Default for PacerConfig {
    fn default() -> Self {
        Self {
            rate_per_second: Decimal::ONE,
            burst: 5,
        }
    }
}

/// The GCRA arithmetic both buckets use. Times are durations since an
/// origin the caller chooses (the process's start for the local bucket, the
/// Unix epoch for the shared one); `None` is a company never seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Gcra {
    interval: Duration,
    /// How far ahead of "now" the next slot may be while still sending at once.
    tolerance: Duration,
}

impl Gcra {
    pub(crate) fn new(cfg: PacerConfig) -> Result<Self, PaytraqError> {
        let rate = cfg
            .rate_per_second
            .to_f64()
            .filter(|r| r.is_finite() && *r > 0.0)
            .ok_or_else(|| PaytraqError::Invalid("pacer rate must be positive".into()))?;
        if cfg.burst == 0 {
            return Err(PaytraqError::Invalid(
                "pacer burst must be at least 1".into(),
            ));
        }
        let interval = Duration::from_secs_f64(1.0 / rate);
        Ok(Self {
            interval,
            tolerance: interval * (cfg.burst - 1),
        })
    }

    /// Takes the next slot at `now`: how long to wait for it, and the
    /// company's new theoretical arrival time.
    pub(crate) fn reserve(&self, tat: Option<Duration>, now: Duration) -> (Duration, Duration) {
        let next = tat.unwrap_or(now).max(now);
        let earliest = next.saturating_sub(self.tolerance).max(now);
        (earliest - now, next + self.interval)
    }

    /// The same rate with one token of the burst held back. Across
    /// processes a request can reach PayTraq later than its slot (a new
    /// connection, a busy host) while the next one is on time; the token
    /// in reserve absorbs up to one interval of that jitter. The rate does
    /// not change, only the burst (by one).
    pub(crate) fn one_in_reserve(self) -> Self {
        Self {
            interval: self.interval,
            tolerance: self.tolerance.saturating_sub(self.interval),
        }
    }

    /// After a 429 at `now`: nothing until `wait` has passed, then the
    /// bucket refills from empty. Returns the new theoretical arrival time.
    pub(crate) fn pause(&self, tat: Option<Duration>, now: Duration, wait: Duration) -> Duration {
        tat.unwrap_or(now).max(now + wait + self.tolerance)
    }
}

/// Per-company token buckets: this process's, and optionally the shared one.
#[derive(Debug)]
pub struct Pacer {
    gcra: Gcra,
    /// The local bucket's time origin.
    origin: Instant,
    slots: Mutex<HashMap<String, Duration>>,
    shared: Option<SharedSlots>,
}

impl Pacer {
    pub fn new(cfg: PacerConfig) -> Result<Self, PaytraqError> {
        Ok(Self {
            gcra: Gcra::new(cfg)?,
            origin: Instant::now(),
            slots: Mutex::new(HashMap::new()),
            shared: None,
        })
    }

    /// The same pacer, also holding every company to one rate with all the
    /// other processes that share `store` (see [`super::shared_pacing`]).
    pub fn shared_through(mut self, store: Arc<dyn RecordStore>) -> Self {
        self.shared = Some(SharedSlots::new(store));
        self
    }

    /// The bucket key of a company: a hash of its API key, never the key.
    pub fn key_for(api_key: &Secret) -> String {
        short_sha256_hex(api_key.expose().as_bytes(), 12)
    }

    /// Waits until the company may send one more request, and takes it:
    /// first from this process's bucket, then from the shared one. When the
    /// shared bucket cannot be reached, the local one alone paces (logged):
    /// pacing never stops a request.
    pub async fn acquire(&self, key: &str) {
        sleep(self.reserve(key)).await;
        let Some(shared) = &self.shared else {
            return;
        };
        match shared.reserve(&self.gcra, key, wall_clock).await {
            // Until the slot's wall-clock start, however long the store took.
            Ok(start) => sleep(start.saturating_sub(wall_clock())).await,
            Err(e) => tracing::warn!(
                company = key,
                error = %e,
                "shared PayTraq pacing unavailable: this request is paced by this process alone"
            ),
        }
    }

    /// Reserves the next slot of this process's bucket; returns how long to wait for it.
    fn reserve(&self, key: &str) -> Duration {
        let now = self.origin.elapsed();
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let tat = slots.get(key).copied();
        let (wait, next) = self.gcra.reserve(tat, now);
        slots.insert(key.to_owned(), next);
        wait
    }

    /// After a 429: nothing more for this company until `wait` has passed,
    /// then the bucket refills from empty; in the shared bucket too, so
    /// that every process waits it out.
    pub async fn pause(&self, key: &str, wait: Duration) {
        {
            let now = self.origin.elapsed();
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            let tat = slots.get(key).copied();
            slots.insert(key.to_owned(), self.gcra.pause(tat, now, wait));
        }
        if let Some(shared) = &self.shared {
            if let Err(e) = shared.pause(&self.gcra, key, wall_clock, wait).await {
                tracing::warn!(
                    company = key,
                    error = %e,
                    "shared PayTraq pacing unavailable: the 429 pauses this process alone"
                );
            }
        }
    }
}

async fn sleep(wait: Duration) {
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
}

/// The time every process agrees on: the wall clock, since the Unix epoch.
fn wall_clock() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacer(rate: i64, burst: u32) -> Pacer {
        Pacer::new(PacerConfig {
            rate_per_second: Decimal::from(rate),
            burst,
        })
        .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn burst_then_one_per_interval() {
        let p = pacer(1, 5);
        let start = Instant::now();
        for _ in 0..5 {
            p.acquire("a").await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        for _ in 0..3 {
            p.acquire("a").await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(3));
        // Another company has its own bucket.
        let before = Instant::now();
        p.acquire("b").await;
        assert_eq!(before.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn pause_delays_the_next_request() {
        let p = pacer(1, 5);
        let start = Instant::now();
        p.pause("a", Duration::from_secs(4)).await;
        p.acquire("a").await;
        assert_eq!(start.elapsed(), Duration::from_secs(4));
    }

    #[test]
    fn gcra_grants_the_burst_then_one_slot_per_interval() {
        let g = Gcra::new(PacerConfig::default()).unwrap();
        let now = Duration::from_secs(100);
        let mut tat = None;
        let mut waits = Vec::new();
        for _ in 0..7 {
            let (wait, next) = g.reserve(tat, now);
            waits.push(wait.as_secs());
            tat = Some(next);
        }
        assert_eq!(waits, [0, 0, 0, 0, 0, 1, 2]);
        // A slot long past counts as a full bucket, never as credit.
        let (wait, next) = g.reserve(Some(Duration::from_secs(3)), now);
        assert_eq!((wait, next), (Duration::ZERO, Duration::from_secs(101)));
        // A pause never moves the next slot earlier.
        let late = Some(Duration::from_secs(200));
        assert_eq!(
            g.pause(late, now, Duration::from_secs(2)),
            Duration::from_secs(200)
        );
        assert_eq!(
            g.pause(None, now, Duration::from_secs(2)),
            Duration::from_secs(106)
        );
    }

    #[test]
    fn rejects_nonsense_and_hides_the_key() {
        assert!(Pacer::new(PacerConfig {
            rate_per_second: Decimal::ZERO,
            burst: 5
        })
        .is_err());
        assert!(Pacer::new(PacerConfig {
            rate_per_second: Decimal::ONE,
            burst: 0
        })
        .is_err());
        let key = Pacer::key_for(&Secret::new("my-api-key"));
        assert!(!key.contains("my-api-key"));
        assert_eq!(key.len(), 24);
    }
}
