//! `local bench cold-start`: each of the five function binaries started
//! [`COLD_STARTS`] times under the Lambda Runtime API emulator
//! (`testkit::lambda`), with the environment `template.yaml` gives it. A
//! cold start is spawn → the first `GET /runtime/invocation/next` (Lambda's
//! "Init Duration"); the peak resident memory (`VmHWM`) is read at that
//! moment. Nothing is invoked and nothing is built: the binaries are the
//! ones beside this `local` (`cargo build --release -p webhook -p processor
//! -p stock-sync -p admin -p reconciler` for the release figures). The
//! figures are of this host (x86_64); arm64 on Graviton will differ.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use testkit::lambda::{LambdaFunction, Stack, Template};

/// Cold starts per function.
pub const COLD_STARTS: usize = 20;

/// The five functions, by cargo binary.
pub const FUNCTIONS: [&str; 5] = ["webhook", "processor", "stock-sync", "admin", "reconciler"];

/// One function's figures over its cold starts.
#[derive(Clone, Debug)]
pub struct ColdStart {
    pub function: String,
    pub memory_mb: u32,
    pub starts: usize,
    pub init_p50: Duration,
    pub init_p95: Duration,
    pub init_max: Duration,
    /// Largest peak RSS over the starts, in KiB.
    pub peak_rss_kib: u64,
    pub binary_bytes: u64,
}

/// Measures every function `starts` times from the binaries in `bin_dir`.
pub async fn run(bin_dir: &Path, starts: usize) -> anyhow::Result<Vec<ColdStart>> {
    let stack = Stack::plan(Template::load()?, "bench", "eu-north-1");
    let mut out = Vec::new();
    for binary in FUNCTIONS {
        let spec = stack.function_spec(binary, bin_dir)?;
        let binary_bytes = std::fs::metadata(&spec.binary)?.len();
        let mut inits = Vec::with_capacity(starts);
        let mut peak_rss_kib = 0;
        for _ in 0..starts {
            let function = LambdaFunction::start(spec.clone())
                .await
                .with_context(|| format!("cold start of {binary}"))?;
            inits.push(function.init_duration());
            peak_rss_kib = peak_rss_kib.max(function.peak_rss_kib()?);
            function.stop();
        }
        inits.sort();
        out.push(ColdStart {
            function: binary.to_string(),
            memory_mb: spec.memory_mb,
            starts,
            init_p50: percentile(&inits, 50),
            init_p95: percentile(&inits, 95),
            init_max: inits.last().copied().unwrap_or_default(),
            peak_rss_kib,
            binary_bytes,
        });
    }
    Ok(out)
}

/// The folder of the running `local`: `target/release` for a release build.
pub fn own_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    exe.parent()
        .map(Path::to_path_buf)
        .context("the executable has no folder")
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// The BENCHMARKS.md table.
pub fn table(rows: &[ColdStart]) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut out = String::from(
        "| function | MemorySize | cold starts | init p50 | init p95 | init max | peak RSS | binary |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} MB | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} MB | {:.1} MB |\n",
            r.function,
            r.memory_mb,
            r.starts,
            ms(r.init_p50),
            ms(r.init_p95),
            ms(r.init_max),
            r.peak_rss_kib as f64 / 1024.0,
            r.binary_bytes as f64 / 1_000_000.0,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_nearest_rank() {
        let v: Vec<Duration> = (1..=20).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50), Duration::from_millis(10));
        assert_eq!(percentile(&v, 95), Duration::from_millis(19));
        assert_eq!(percentile(&v[..1], 95), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50), Duration::ZERO);
    }
}
