//! The CI smoke of `local bench cold-start`: one cold start of each debug
//! binary, its init duration and peak memory printed (past the test
//! harness's capture, so CI's log shows them) and held to loose bounds: a
//! debug build on a shared machine is no measure of the 50 ms target, but
//! an init that calls the network or loads far too much shows here.

use std::time::Duration;

use super::Harness;

#[tokio::test]
async fn every_function_binary_finishes_init_without_calls_and_within_the_memory_target() {
    let h = Harness::new(&[]).await;
    for binary in ["webhook", "processor", "stock-sync", "admin", "reconciler"] {
        let function = h.start(binary).await;
        assert!(
            function.init_duration() < Duration::from_secs(2),
            "{binary}: init {:?}",
            function.init_duration()
        );
        let peak = function.peak_rss_kib().expect("VmHWM");
        assert!(
            peak <= 48 * 1024,
            "{binary}: peak RSS {peak} KiB over 48 MB"
        );
    }
}
