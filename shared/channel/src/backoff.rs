//! Exponential back-off, the one formula behind every wait between two
//! tries: the store's optimistic updates ([`crate::store::update_with_retry`],
//! jittered) and the HTTP retries ([`crate::http::RetryPolicy`]).

use std::time::Duration;

use rand::Rng;

/// A back-off that starts at `first` and doubles per attempt up to `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure.
    pub first: Duration,
    /// No wait is longer than this.
    pub max: Duration,
}

impl Backoff {
    /// The wait after the `failures`-th failure (1 for the first):
    /// `first`, `2 × first`, `4 × first`, … capped at `max`. 0 waits nothing.
    pub fn delay(&self, failures: u32) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        let factor = 1u32 << (failures - 1).min(16);
        self.first.saturating_mul(factor).min(self.max)
    }

    /// [`Backoff::delay`] with "equal jitter": a random wait between half
    /// the delay and the whole of it, so that writers who lost the same race
    /// do not all try again at the same instant.
    pub fn jittered(&self, failures: u32) -> Duration {
        let full = self.delay(failures);
        let half = full / 2;
        let spread = u64::try_from((full - half).as_micros()).unwrap_or(u64::MAX);
        half + Duration::from_micros(rand::rng().random_range(0..=spread))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Backoff = Backoff {
        first: Duration::from_millis(2),
        max: Duration::from_millis(100),
    };

    #[test]
    fn delay_doubles_from_first_and_stops_at_max() {
        let ms = |n| B.delay(n).as_millis();
        assert_eq!(ms(0), 0);
        assert_eq!(
            (1..=8).map(ms).collect::<Vec<_>>(),
            [2, 4, 8, 16, 32, 64, 100, 100]
        );
        assert_eq!(
            B.delay(u32::MAX),
            B.max,
            "huge attempt numbers do not overflow"
        );
    }

    #[test]
    fn jitter_stays_between_half_and_the_whole_delay() {
        for failures in 0..12 {
            let full = B.delay(failures);
            for _ in 0..200 {
                let wait = B.jittered(failures);
                assert!(
                    wait >= full / 2 && wait <= full,
                    "{wait:?} outside {:?}..={full:?}",
                    full / 2
                );
            }
        }
    }

    #[test]
    fn jitter_spreads_the_waits() {
        let waits: std::collections::BTreeSet<_> = (0..50).map(|_| B.jittered(6)).collect();
        assert!(waits.len() > 1, "50 draws gave one value: {waits:?}");
    }
}
