//! One PayTraq rate across processes: clients that share nothing but the
//! record store (each its own pacer, as separate Lambda processes would)
//! keep together to the company's limit, on the embedded store and on
//! DynamoDB (moto); and the smoke run of `local bench pacing`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use channel::paytraq::shared_pacing::slot_key;
use channel::paytraq::{Pacer, PacerConfig, PaytraqClient, PaytraqCredentials};
use channel::secrets::Secret;
use channel::store::RecordStore;
use paytraq_sandbox::{PaytraqSandbox, PaytraqSandboxConfig};
use rust_decimal::Decimal;

const KEY: &str = "pacing-test-key";
const TOKEN: &str = "pacing-test-token";
const RATE: u32 = 5;
const BURST: u32 = 2;
const CLIENTS: usize = 6;
const CALLS_EACH: usize = 5;

/// `CLIENTS` clients in separate tasks, each with its own pacer shared
/// through `store`, make `CALLS_EACH` calls each against a sandbox that
/// refuses more than `RATE`/s with a burst of `BURST`.
async fn clients_share_one_rate(store: Arc<dyn RecordStore>) {
    let sandbox = PaytraqSandbox::start(PaytraqSandboxConfig {
        rate_per_second: f64::from(RATE),
        burst: BURST,
        latency: Duration::ZERO,
    })
    .await
    .expect("sandbox");
    sandbox.create_company(KEY, TOKEN);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let pacer = Pacer::new(PacerConfig {
            rate_per_second: Decimal::from(RATE),
            burst: BURST,
        })
        .expect("pacer")
        .shared_through(store.clone());
        let client = PaytraqClient::new(
            &sandbox.base_url(),
            PaytraqCredentials {
                api_key: Secret::new(KEY),
                api_token: Secret::new(TOKEN),
            },
            reqwest::Client::new(),
            Arc::new(pacer),
        )
        .expect("client");
        tasks.spawn(async move {
            for _ in 0..CALLS_EACH {
                client.warehouses().await.expect("call");
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("client task");
    }
    let elapsed = started.elapsed();
    let refused = sandbox
        .requests()
        .iter()
        .filter(|r| r.status == 429)
        .count();
    sandbox.shutdown().await;
    assert_eq!(refused, 0, "the clients did not keep to one rate together");
    // 30 calls: the burst of 2 at once, then 28 at 5/s, so at least 5.6 s;
    // one bucket per client would have sent them in about 0.8 s.
    let calls = (CLIENTS * CALLS_EACH) as u32;
    let least = Duration::from_secs_f64(f64::from(calls - BURST) / f64::from(RATE));
    assert!(
        elapsed >= least - Duration::from_millis(50),
        "{calls} calls in {elapsed:?}"
    );
    // The bucket's record is keyed by a hash of the API key, never the key.
    let company = Pacer::key_for(&Secret::new(KEY));
    let record = store
        .get(&slot_key(&company))
        .await
        .expect("read")
        .expect("the company's bucket is stored");
    assert!(!record.doc.contains(KEY) && !record.key.to_string().contains(KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_in_separate_tasks_keep_one_company_rate_through_the_embedded_store() {
    clients_share_one_rate(testkit::embedded().store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_in_separate_tasks_keep_one_company_rate_through_dynamodb() {
    clients_share_one_rate(testkit::aws().await.store).await;
}

/// The CI smoke run of `local bench pacing`: 8 workers, 40 calls against
/// 10 requests/s, burst 5.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_pacing_smoke_run_gets_no_429_with_the_shared_bucket() {
    let bench = local::bench::pacing::PacingBench {
        workers: 8,
        calls: 40,
        rate: 10.0,
        burst: 5,
    };
    let report = local::bench::pacing::run(bench).await.expect("bench");
    println!("{report}");
    let shared = &report.shared;
    assert_eq!((shared.refused, shared.failed), (0, 0), "{shared:?}");
    assert_eq!(shared.answered, 40);
    assert!(shared.per_second >= 0.95 * bench.rate, "{shared:?}");
    // One write and one read of the store per call, plus lost races.
    assert_eq!(shared.store.puts - shared.store.conflicts, 40);
    // Per-process pacers, for comparison: each sends its own burst at once.
    assert!(report.per_process.refused > 0, "{:?}", report.per_process);
}
