//! Optimistic updates that lose a race try again. Every write names the
//! version it read ([`super::RecordStore::put`]); when someone else wrote
//! in between, the write fails with [`StoreError::Conflict`] and the writer
//! reads the fresh record, applies its change again and writes once more.
//!
//! This is the one place that decides how often and how fast:
//! [`UPDATE_ATTEMPTS`] tries, with a short jittered back-off between them
//! ([`UPDATE_BACKOFF`]). The repository's typed updates
//! ([`super::Repo::update_channel`], [`super::Repo::update_order_from`], the
//! upsert) and the embedded secrets all go through [`update_with_retry`].

use std::future::Future;
use std::time::Duration;

use super::StoreError;
use crate::backoff::Backoff;

/// How many times an optimistic update is tried before it gives up.
///
/// Races on one record are short (two webhook deliveries of one order, an
/// operator's edit meeting the reconciler): a writer that lost one usually
/// wins the next. Eight tries with the back-off below wait at most about
/// 0.23 s in all, which stays well inside every caller's own deadline.
pub const UPDATE_ATTEMPTS: u32 = 8;

/// The wait after the n-th lost race: 2 ms, 4 ms, … up to 100 ms, each
/// jittered down to as little as half (see [`Backoff::jittered`]).
pub const UPDATE_BACKOFF: Backoff = Backoff {
    first: Duration::from_millis(2),
    max: Duration::from_millis(100),
};

/// Runs `attempt` (one read-change-write) until it does not lose a race.
///
/// - `Ok` or any error other than [`StoreError::Conflict`] ends it at once
///   and is returned as it is.
/// - A `Conflict` is retried after a jittered back-off, up to
///   [`UPDATE_ATTEMPTS`] attempts in all; when every attempt lost, the last
///   `Conflict` is returned (callers say in their own words what kept changing).
///
/// `attempt` must read what it changes afresh each time (or, on its first
/// run, may use a copy the caller already holds). It is a closure that
/// returns a future (`move || async move { … }`), not an async closure:
/// the futures of async closures cannot yet be proven `Send` for the
/// handlers that await them.
pub async fn update_with_retry<R, Fut>(mut attempt: impl FnMut() -> Fut) -> Result<R, StoreError>
where
    Fut: Future<Output = Result<R, StoreError>>,
{
    let mut lost = 0;
    loop {
        match attempt().await {
            Err(StoreError::Conflict(what)) => {
                lost += 1;
                if lost >= UPDATE_ATTEMPTS {
                    return Err(StoreError::Conflict(what));
                }
                tokio::time::sleep(UPDATE_BACKOFF.jittered(lost)).await;
            }
            done => return done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conflict() -> StoreError {
        StoreError::Conflict("CH#a/#CHANNEL".into())
    }

    #[tokio::test(start_paused = true)]
    async fn a_lost_race_is_tried_again_until_it_is_won() {
        let mut calls = 0;
        let out = update_with_retry(|| {
            calls += 1;
            let call = calls;
            async move {
                if call < 3 {
                    Err(conflict())
                } else {
                    Ok(call)
                }
            }
        })
        .await;
        assert_eq!(out.unwrap(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_documented_attempts_with_the_last_conflict() {
        let mut calls = 0;
        let started = tokio::time::Instant::now();
        let out: Result<(), _> = update_with_retry(|| {
            calls += 1;
            let what = format!("try {calls}");
            async move { Err(StoreError::Conflict(what)) }
        })
        .await;
        assert_eq!(calls, UPDATE_ATTEMPTS);
        assert!(
            matches!(&out, Err(StoreError::Conflict(what)) if what == "try 8"),
            "{out:?}"
        );
        // Seven waits between eight tries: at least half, at most all of
        // 2 + 4 + 8 + 16 + 32 + 64 + 100 ms.
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(113) && waited <= Duration::from_millis(226),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn other_errors_end_at_once() {
        let mut calls = 0;
        let out: Result<(), _> = update_with_retry(|| {
            calls += 1;
            async { Err(StoreError::Backend("down".into())) }
        })
        .await;
        assert_eq!(calls, 1);
        assert!(matches!(out, Err(StoreError::Backend(_))), "{out:?}");
    }
}
