//! Stock and price sync, PayTraq → WooCommerce, by SKU.
//!
//! | module         | what it is for                                                   |
//! |----------------|------------------------------------------------------------------|
//! | [`plan`]       | the pure planner: both sides in, batches of changes + report out |
//! | [`guard`]      | refuses plans that look like a broken source                     |
//! | [`read`]       | reads both sides into the planner's inputs (lookups by SKU)      |
//! | [`execute`]    | sends the batches, isolates per-item errors, checkpoints         |
//! | [`job`]        | runs: start, run/resume under a lease, daily fan-out             |
//! | [`lambda`]     | the stock-sync function's events: schedule or SQS batch          |
//! | [`checkpoint`] | the progress a resumed run continues from                        |
//! | [`report`]     | the per-run report                                               |

pub mod checkpoint;
pub mod execute;
pub mod guard;
pub mod job;
pub mod lambda;
pub mod plan;
pub mod read;
pub mod report;

use std::time::Duration;

pub use job::{daily_fan_out, run_job, run_job_with, start_run, JobMessage};
pub use plan::{plan, Plan, PlanOptions, ShopItem, SourceItem};
pub use report::Report;

/// Deployment-wide sync settings.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncOptions {
    /// Share of managed items that may drop to zero before the guard
    /// refuses the plan (0.5 = 50%). Env `SYNC_MAX_ZERO_SHARE`.
    pub max_zero_share: f64,
    /// How long a worker owns a run before another may take it over; renewed
    /// every third of it while reading and after every batch. Env
    /// `SYNC_LEASE_SECONDS`.
    pub lease: Duration,
    /// Shop requests of the read (SKU lookups, variation listings) sent at
    /// the same time. Env `SYNC_READ_CONCURRENCY`.
    pub read_concurrency: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            max_zero_share: guard::DEFAULT_MAX_ZERO_SHARE,
            lease: Duration::from_secs(300),
            read_concurrency: 8,
        }
    }
}

impl SyncOptions {
    /// Defaults, overridden by the environment where set and readable.
    pub fn from_env() -> Self {
        let d = Self::default();
        let var = |name: &str| std::env::var(name).ok();
        Self {
            max_zero_share: var("SYNC_MAX_ZERO_SHARE")
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| (0.0..=1.0).contains(v))
                .unwrap_or(d.max_zero_share),
            lease: var("SYNC_LEASE_SECONDS")
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|v| *v > 0)
                .map_or(d.lease, Duration::from_secs),
            read_concurrency: var("SYNC_READ_CONCURRENCY")
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|v| *v > 0)
                .unwrap_or(d.read_concurrency),
        }
    }
}

#[cfg(test)]
mod tests;
