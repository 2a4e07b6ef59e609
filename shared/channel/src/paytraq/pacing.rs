//! Client-side pacing: one token bucket per PayTraq company (keyed by a hash
//! of its API key), shared by every client of the process through an
//! `Arc<Pacer>`. PayTraq allows about 1 request/s with bursts of 5
//! (reference §1); both figures are configurable.
//!
//! The bucket is kept as a "theoretical arrival time" (GCRA): each request
//! reserves the next slot, so concurrent callers queue fairly without a
//! background task. A 429 pushes the company's next slot past `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use tokio::time::Instant;

use super::PaytraqError;
use crate::hash::short_sha256_hex;
use crate::secrets::Secret;

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

/// Per-company token buckets.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    /// How far ahead of "now" the next slot may be while still sending at once.
    tolerance: Duration,
    slots: Mutex<HashMap<String, Instant>>,
}

impl Pacer {
    pub fn new(cfg: PacerConfig) -> Result<Self, PaytraqError> {
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
            slots: Mutex::new(HashMap::new()),
        })
    }

    /// The bucket key of a company: a hash of its API key, never the key.
    pub fn key_for(api_key: &Secret) -> String {
        short_sha256_hex(api_key.expose().as_bytes(), 12)
    }

    /// Waits until the company may send one more request, and takes it.
    pub async fn acquire(&self, key: &str) {
        let wait = self.reserve(key, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Reserves the next slot; returns how long to wait for it.
    fn reserve(&self, key: &str, now: Instant) -> Duration {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let slot = slots.entry(key.to_owned()).or_insert(now);
        let next = (*slot).max(now);
        let earliest = next.checked_sub(self.tolerance).unwrap_or(now).max(now);
        *slot = next + self.interval;
        earliest - now
    }

    /// After a 429: nothing more for this company until `wait` has passed,
    /// then the bucket refills from empty.
    pub fn pause(&self, key: &str, wait: Duration) {
        let now = Instant::now();
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let slot = slots.entry(key.to_owned()).or_insert(now);
        let resume = now + wait + self.tolerance;
        if *slot < resume {
            *slot = resume;
        }
    }
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
        p.pause("a", Duration::from_secs(4));
        p.acquire("a").await;
        assert_eq!(start.elapsed(), Duration::from_secs(4));
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
