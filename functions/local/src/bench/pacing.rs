//! Pacing benchmark: `workers` concurrent workers (separate tasks, each with
//! its own PayTraq client and its own in-process pacer) call one company of
//! the PayTraq sandbox, which refuses more than `rate` requests/s with a
//! burst of `burst`, `calls` times in all. Two runs: the pacers sharing the
//! company's bucket through the record store (the embedded store, as `local`
//! wires it; DynamoDB on AWS), and each pacer alone, as every process paced
//! itself before. Each run reports the achieved rate, the 429s the sandbox
//! answered, the wait per call (asked → answered) and the store's reads and
//! writes per call.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use channel::paytraq::{Pacer, PacerConfig, PaytraqClient, PaytraqCredentials};
use channel::secrets::Secret;
use channel::store::embedded::EmbeddedStore;
use paytraq_sandbox::{PaytraqSandbox, PaytraqSandboxConfig};
use rust_decimal::Decimal;
use tokio::task::JoinSet;

use super::meter::{MeteredStore, StoreCounts};

const KEY: &str = "bench-pacing-key";
const TOKEN: &str = "bench-pacing-token";

/// The workload (`local bench pacing --workers --calls --rate --burst`).
#[derive(Clone, Copy, Debug)]
pub struct PacingBench {
    pub workers: usize,
    pub calls: usize,
    /// PayTraq's limit, which the sandbox enforces and the pacers follow.
    pub rate: f64,
    pub burst: u32,
}

impl Default for PacingBench {
    /// PayTraq's real limit (1 request/s, burst 5), 8 workers, 600 calls.
    fn default() -> Self {
        Self {
            workers: 8,
            calls: 600,
            rate: 1.0,
            burst: 5,
        }
    }
}

/// One run's figures.
#[derive(Clone, Debug)]
pub struct PacingRun {
    /// The pacers shared the company's bucket through the store.
    pub shared: bool,
    pub answered: usize,
    /// Calls that still failed (429s beyond the client's patience).
    pub failed: usize,
    pub seconds: f64,
    /// Answered calls per second, from the first call to the last answer.
    pub per_second: f64,
    /// 429s the sandbox sent.
    pub refused: usize,
    pub wait_p50: Duration,
    pub wait_p99: Duration,
    pub store: StoreCounts,
}

/// Both runs of one workload.
#[derive(Clone, Debug)]
pub struct PacingReport {
    pub bench: PacingBench,
    pub shared: PacingRun,
    pub per_process: PacingRun,
}

pub async fn run(bench: PacingBench) -> anyhow::Result<PacingReport> {
    anyhow::ensure!(
        bench.workers > 0 && bench.calls > 0 && bench.rate > 0.0 && bench.burst > 0,
        "workers, calls, rate and burst must be positive"
    );
    Ok(PacingReport {
        bench,
        shared: run_once(bench, true).await?,
        per_process: run_once(bench, false).await?,
    })
}

async fn run_once(bench: PacingBench, shared: bool) -> anyhow::Result<PacingRun> {
    let sandbox = PaytraqSandbox::start(PaytraqSandboxConfig {
        rate_per_second: bench.rate,
        burst: bench.burst,
        latency: Duration::ZERO,
    })
    .await?;
    sandbox.create_company(KEY, TOKEN);
    let store = Arc::new(MeteredStore::new(Arc::new(EmbeddedStore::temporary()?)));
    let config = PacerConfig {
        rate_per_second: Decimal::try_from(bench.rate)?,
        burst: bench.burst,
    };
    let handed_out = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = JoinSet::new();
    for _ in 0..bench.workers {
        let mut pacer = Pacer::new(config)?;
        if shared {
            pacer = pacer.shared_through(store.clone());
        }
        let client = PaytraqClient::new(
            &sandbox.base_url(),
            PaytraqCredentials {
                api_key: Secret::new(KEY),
                api_token: Secret::new(TOKEN),
            },
            reqwest::Client::new(),
            Arc::new(pacer),
        )?;
        let handed_out = handed_out.clone();
        let calls = bench.calls;
        workers.spawn(async move {
            let mut waits = Vec::new();
            let mut failed = 0;
            while handed_out.fetch_add(1, Ordering::Relaxed) < calls {
                let asked = Instant::now();
                match client.warehouses().await {
                    Ok(_) => waits.push(asked.elapsed()),
                    Err(_) => failed += 1,
                }
            }
            (waits, failed)
        });
    }
    let mut waits = Vec::new();
    let mut failed = 0;
    while let Some(done) = workers.join_next().await {
        let (w, f) = done?;
        waits.extend(w);
        failed += f;
    }
    let seconds = started.elapsed().as_secs_f64();
    let refused = sandbox
        .requests()
        .iter()
        .filter(|r| r.status == 429)
        .count();
    sandbox.shutdown().await;
    waits.sort();
    Ok(PacingRun {
        shared,
        answered: waits.len(),
        failed,
        seconds,
        per_second: waits.len() as f64 / seconds,
        refused,
        wait_p50: percentile(&waits, 50),
        wait_p99: percentile(&waits, 99),
        store: store.counts(),
    })
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    match sorted.len() {
        0 => Duration::ZERO,
        n => sorted[((n * p).div_ceil(100)).clamp(1, n) - 1],
    }
}

impl fmt::Display for PacingReport {
    /// The BENCHMARKS.md table rows.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.bench;
        writeln!(
            f,
            "| pacing | mode ({} workers, {} calls, sandbox {}/s burst {}) | achieved rate | 429s | failed | wait p50 / p99 | store reads / writes per call |",
            b.workers, b.calls, b.rate, b.burst
        )?;
        writeln!(f, "|---|---|---|---|---|---|---|")?;
        for run in [&self.shared, &self.per_process] {
            let per_call = |n: u64| n as f64 / run.answered.max(1) as f64;
            writeln!(
                f,
                "| pacing | {} | {:.3} req/s ({} in {:.1} s) | {} | {} | {:.2} s / {:.2} s | {:.2} / {:.2} ({} lost races) |",
                if run.shared {
                    "shared bucket (store)"
                } else {
                    "per-process pacers"
                },
                run.per_second,
                run.answered,
                run.seconds,
                run.refused,
                run.failed,
                run.wait_p50.as_secs_f64(),
                run.wait_p99.as_secs_f64(),
                per_call(run.store.gets),
                per_call(run.store.puts),
                run.store.conflicts,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_rank_that_covers_the_share() {
        let waits: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&waits, 50), Duration::from_millis(50));
        assert_eq!(percentile(&waits, 99), Duration::from_millis(99));
        assert_eq!(percentile(&[], 99), Duration::ZERO);
    }
}
