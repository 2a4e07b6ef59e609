//! When to try a request again and how long to wait: the [`RetryPolicy`]
//! (timeout, attempts, exponential back-off, 429 limits) and the server's
//! own `Retry-After` ([`retry_after`]), which RFC 9110 §10.2.3 allows as
//! delta-seconds or as an HTTP-date.
//!
//! Which failures are worth a retry, and whether a call is safe to repeat,
//! is each client's decision (PayTraq repeats reads and waits out 429s;
//! the WooCommerce client repeats nothing and hands `Retry-After` to its caller).

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::backoff::Backoff;

/// Timeouts and retry limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Per request.
    pub timeout: Duration,
    /// Attempts of a repeatable call on 5xx/timeout/transport failures.
    pub max_attempts: u32,
    /// First back-off; doubles per attempt up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// 429 answers waited out before giving up.
    pub max_rate_limited: u32,
    /// Longest `Retry-After` honoured.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            max_attempts: 4,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_rate_limited: 8,
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait after the `failures`-th failure: `base_backoff` doubled per
    /// failure, capped at `max_backoff`.
    pub fn backoff(&self, failures: u32) -> Duration {
        Backoff {
            first: self.base_backoff,
            max: self.max_backoff,
        }
        .delay(failures)
    }

    /// The wait after the `refused`-th 429: what the server asked for, else
    /// the back-off; never longer than `max_retry_after`.
    pub fn rate_limit_wait(&self, retry_after: Option<Duration>, refused: u32) -> Duration {
        retry_after
            .unwrap_or_else(|| self.backoff(refused))
            .min(self.max_retry_after)
    }
}

/// The `Retry-After` of an answer as a wait from now: delta-seconds, or an
/// HTTP-date (a date already past waits nothing). `None` without the
/// header or when it cannot be read.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    retry_after_value(value, Utc::now())
}

/// [`retry_after`] of one header value, as seen at `now`.
pub fn retry_after_value(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = http_date(value)?;
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// An HTTP-date: the IMF-fixdate every server sends today
/// (`Sun, 06 Nov 1994 08:49:37 GMT`, read by the RFC 2822 parser, which
/// also takes numeric zones), and the two obsolete forms RFC 9110 §5.6.7
/// still asks recipients to accept: RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`)
/// and asctime (`Sun Nov  6 08:49:37 1994`).
fn http_date(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc2822(value) {
        return Some(at.with_timezone(&Utc));
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(1994, 11, 6, 8, 49, 0).unwrap()
    }

    #[test]
    fn retry_after_in_seconds() {
        let at = |v| retry_after_value(v, now());
        assert_eq!(at("7"), Some(Duration::from_secs(7)));
        assert_eq!(at(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(at("0"), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_as_an_http_date_in_the_future() {
        // 37 s after `now`, in each of the three forms RFC 9110 names.
        for date in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                retry_after_value(date, now()),
                Some(Duration::from_secs(37)),
                "{date}"
            );
        }
    }

    #[test]
    fn retry_after_as_an_http_date_in_the_past_waits_nothing() {
        let later = now() + chrono::Duration::hours(1);
        assert_eq!(
            retry_after_value("Sun, 06 Nov 1994 08:49:37 GMT", later),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_garbage_is_none() {
        for junk in [
            "",
            "soon",
            "-5",
            "1.5",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "06 Nov 1994",
        ] {
            assert_eq!(retry_after_value(junk, now()), None, "{junk:?}");
        }
    }

    #[test]
    fn retry_after_reads_the_header() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1), Duration::from_millis(500));
        assert_eq!(p.backoff(2), Duration::from_secs(1));
        assert_eq!(p.backoff(3), Duration::from_secs(2));
        assert_eq!(p.backoff(30), Duration::from_secs(8));
    }

    #[test]
    fn rate_limit_wait_prefers_the_server_and_stays_bounded() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.rate_limit_wait(Some(Duration::from_secs(3)), 1),
            Duration::from_secs(3)
        );
        assert_eq!(p.rate_limit_wait(None, 2), Duration::from_secs(1));
        assert_eq!(
            p.rate_limit_wait(Some(Duration::from_secs(3600)), 1),
            p.max_retry_after
        );
    }
}
