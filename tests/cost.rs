//! The CI smoke run of `local bench cost`: a few orders and a small sync
//! through the functions' handlers, counted and priced. The figures (and
//! whether the $0.10 per 1,000 orders target is met) are in BENCHMARKS.md:
//! this run checks that every part is measured and priced, and that the
//! orders' cost stays under the target.

use std::time::Duration;

use local::bench::cost::{run, CostBench};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_cost_smoke_run_measures_every_function_and_prices_every_line() {
    let report = run(CostBench {
        orders: 2,
        skus: 200,
        latency: Duration::from_millis(5),
    })
    .await
    .expect("bench");
    println!("{report}");
    let orders = &report.orders;
    // Every order came through a webhook delivery and a processor invocation,
    // and the processor's PayTraq calls took their slots from the store.
    assert!(orders.api_requests >= 2, "{orders:?}");
    assert!(orders.functions["processor"].invocations >= 2, "{orders:?}");
    assert!(orders.store.pacing_puts >= 2, "{orders:?}");
    assert!(orders.log_bytes > 0, "{orders:?}");
    assert!(report.sync.functions["stock-sync"].invocations >= 2);
    assert!(report.reconcile.functions["reconciler"].invocations == 1);
    for line in report.per_channel_month() {
        assert!(
            line.quantity > 0.0 && line.usd() > 0.0,
            "{} is not measured or not priced",
            line.what
        );
    }
    // The target: under $0.10 per 1,000 orders (the full run gives
    // ~$0.07; this smoke run's two orders are the same pipeline).
    let per_thousand: f64 = report.per_thousand_orders().iter().map(|l| l.usd()).sum();
    assert!(per_thousand < 0.10, "${per_thousand:.4} per 1,000 orders");
}
