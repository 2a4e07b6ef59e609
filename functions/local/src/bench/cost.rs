//! Cost benchmark: what this product costs on AWS per 1,000 orders and per
//! channel-month (1,000 orders, a reconciler run every 15 minutes, a daily
//! sync of 5,000 SKUs), from counts measured on the product's own code.
//!
//! The functions' handlers run in this process, each call timed as one
//! Lambda invocation, against both sandboxes with PayTraq's real limit
//! (1 request/s, burst 5) and `latency` on every API request:
//! - orders: the shop's webhooks reach the webhook function's router over
//!   HTTP (one API Gateway request and one invocation per delivery); every
//!   queued message is one processor invocation (sparse traffic: a batch
//!   of one), and the next order comes after PayTraq's bucket refilled;
//! - one reconciler run over the channel (steady state);
//! - one daily sync: the scheduler's fan-out invocation and the job's.
//!
//! Counted on the way ([`super::meter`], [`super::counted`]): DynamoDB read
//! and write units from item sizes, SQS requests, Secrets Manager calls that
//! get past the 60 s cache (each invocation starts with an empty cache: at
//! 1,000 orders a month the cache is always cold), bytes the JSON logger
//! writes plus Lambda's platform lines, and the shared pacer's writes.
//! GB-seconds are the measured durations (rounded up to 1 ms, as billed) ×
//! the MemorySize of `template.yaml`. Prices: [`super::prices`].

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::SqsEvent;
use channel::intake::{reconcile, webhook};
use channel::queue::memory::MemoryQueue;
use channel::queue::{Delivery, Queue};
use channel::secrets::{Cached, SecretStore};
use channel::store::billing::item_bytes;
use channel::store::{Direction, RecordStore};
use channel::{processing, sync, App};
use paytraq_sandbox::PaytraqSandboxConfig;
use serde_json::{json, Value};
use testkit::world::{World, WorldConfig};
use tower::ServiceExt;

use super::counted::{CountedQueue, CountedSecrets, LogBytes};
use super::meter::{MeteredStore, StoreCounts};
use super::prices::{self, Price};
use super::template::memory_by_binary;

const CHANNEL: &str = "bench-cost";
/// The functions' secret cache (`SECRET_CACHE_SECONDS`' default).
const SECRET_CACHE_TTL: Duration = Duration::from_secs(60);
/// A queue quiet this long after an order has no more of its deliveries.
const QUIET: Duration = Duration::from_secs(2);
/// PayTraq's bucket refills in burst / rate = 5 s: at 1,000 orders a month
/// (one every 43 minutes) every order finds it full.
const REFILL: Duration = Duration::from_secs(5);
/// Orders per channel-month, reconciler runs per month (every 15 minutes),
/// daily syncs per month.
const ORDERS_PER_MONTH: f64 = 1_000.0;
const RECONCILES_PER_MONTH: f64 = 4.0 * 24.0 * 30.0;
const SYNCS_PER_MONTH: f64 = 30.0;

/// The workload (`local bench cost --orders --skus`).
#[derive(Clone, Copy, Debug)]
pub struct CostBench {
    pub orders: usize,
    pub skus: usize,
    /// Added to every WooCommerce and PayTraq request.
    pub latency: Duration,
}

impl Default for CostBench {
    fn default() -> Self {
        Self {
            orders: 20,
            skus: 5_000,
            latency: Duration::from_millis(50),
        }
    }
}

/// One function's measured invocations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FunctionUse {
    pub invocations: u64,
    /// Durations rounded up to whole milliseconds, summed.
    pub billed_ms: u64,
}

/// What one part of the workload used.
#[derive(Clone, Debug, Default)]
pub struct Usage {
    pub functions: BTreeMap<&'static str, FunctionUse>,
    pub api_requests: u64,
    pub sqs_requests: u64,
    pub store: StoreCounts,
    pub secret_calls: u64,
    /// The JSON logger's bytes, without Lambda's platform lines.
    pub log_bytes: u64,
}

impl Usage {
    fn since(&self, earlier: &Usage) -> Usage {
        let mut functions = BTreeMap::new();
        for (name, now) in &self.functions {
            let before = earlier.functions.get(name).copied().unwrap_or_default();
            functions.insert(
                *name,
                FunctionUse {
                    invocations: now.invocations - before.invocations,
                    billed_ms: now.billed_ms - before.billed_ms,
                },
            );
        }
        Usage {
            functions,
            api_requests: self.api_requests - earlier.api_requests,
            sqs_requests: self.sqs_requests - earlier.sqs_requests,
            store: self.store.since(&earlier.store),
            secret_calls: self.secret_calls - earlier.secret_calls,
            log_bytes: self.log_bytes - earlier.log_bytes,
        }
    }

    fn invocations(&self) -> u64 {
        self.functions.values().map(|f| f.invocations).sum()
    }
}

/// The measured workload and the memory sizes it is priced with.
#[derive(Clone, Debug)]
pub struct CostReport {
    pub bench: CostBench,
    /// Binary → MemorySize (MB), from `template.yaml`.
    pub memory_mb: BTreeMap<String, u32>,
    /// All `bench.orders` orders.
    pub orders: Usage,
    /// One reconciler run.
    pub reconcile: Usage,
    /// One daily sync of `bench.skus` SKUs.
    pub sync: Usage,
    /// Stored bytes of the channel's records after the orders, per order.
    pub stored_bytes_per_order: u64,
}

/// Every counter of one metered [`App`].
struct Meters {
    base: App,
    store: Arc<MeteredStore>,
    secrets: Arc<CountedSecrets>,
    orders: Arc<CountedQueue>,
    sync_jobs: Arc<CountedQueue>,
    logs: LogBytes,
    functions: Mutex<BTreeMap<&'static str, FunctionUse>>,
    api_requests: std::sync::atomic::AtomicU64,
}

impl Meters {
    /// `world`'s channel behind counting store, secrets and queues.
    fn around(world: &App, logs: LogBytes) -> Arc<Self> {
        let store = Arc::new(MeteredStore::new(world.repo.records().clone()));
        let secrets = Arc::new(CountedSecrets::new(world.secrets.clone()));
        let queue = || {
            Arc::new(CountedQueue::new(Arc::new(MemoryQueue::new(
                Duration::from_secs(30),
            ))))
        };
        let (orders, sync_jobs) = (queue(), queue());
        let base = App::new(
            store.clone(),
            secrets.clone(),
            orders.clone(),
            sync_jobs.clone(),
            world.options.clone(),
        );
        Arc::new(Self {
            base,
            store,
            secrets,
            orders,
            sync_jobs,
            logs,
            functions: Mutex::default(),
            api_requests: Default::default(),
        })
    }

    /// The app of one invocation: a fresh process-wide secret cache.
    fn app(&self) -> App {
        let mut app = self.base.clone();
        let counted: Arc<dyn SecretStore> = self.secrets.clone();
        app.secrets = Arc::new(Cached::new(counted, SECRET_CACHE_TTL));
        app
    }

    /// Runs `handler` as one invocation of `function`, timed.
    async fn invoke<T>(&self, function: &'static str, handler: impl Future<Output = T>) -> T {
        let started = Instant::now();
        let out = handler.await;
        let ms = u64::try_from(started.elapsed().as_micros().div_ceil(1000)).unwrap_or(u64::MAX);
        let mut functions = self.functions.lock().unwrap_or_else(|e| e.into_inner());
        let f = functions.entry(function).or_default();
        f.invocations += 1;
        f.billed_ms += ms;
        out
    }

    fn usage(&self) -> Usage {
        Usage {
            functions: self
                .functions
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            api_requests: self.api_requests.load(std::sync::atomic::Ordering::Relaxed),
            sqs_requests: self.orders.requests() + self.sync_jobs.requests(),
            store: self.store.counts(),
            secret_calls: self.secrets.calls(),
            log_bytes: self.logs.total(),
        }
    }

    /// Serves the webhook function on a loopback port: each request is one
    /// API Gateway request and one invocation. Returns its base URL.
    async fn serve_webhooks(self: &Arc<Self>) -> anyhow::Result<String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let meters = self.clone();
        let gateway = axum::Router::new().fallback(move |request: axum::extract::Request| {
            let meters = meters.clone();
            async move {
                meters
                    .api_requests
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let function = webhook::router(meters.app());
                meters
                    .invoke("webhook", function.oneshot(request))
                    .await
                    .unwrap_or_else(|never| match never {})
            }
        });
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, gateway).await {
                tracing::warn!(error = %e, "cost bench webhook server stopped");
            }
        });
        Ok(base)
    }

    /// Feeds every message of `queue` to `function`, one invocation each,
    /// until the queue stays quiet.
    async fn drain(&self, queue: &CountedQueue, function: &'static str) -> anyhow::Result<()> {
        while let Some(delivery) = queue.receive(1, QUIET).await?.into_iter().next() {
            let event = sqs_event(&delivery);
            let app = self.app();
            let failed = match function {
                "processor" => {
                    let event: SqsEvent = serde_json::from_value(event)?;
                    let answer = self
                        .invoke(function, processing::handle_sqs_batch(&app, event))
                        .await;
                    !answer.batch_item_failures.is_empty()
                }
                _ => {
                    let answer = self
                        .invoke(function, sync::lambda::handle(&app, &event))
                        .await?;
                    answer["batchItemFailures"]
                        .as_array()
                        .is_some_and(|f| !f.is_empty())
                }
            };
            anyhow::ensure!(!failed, "{function} failed a message of the benchmark");
            queue.ack(&delivery.receipt).await?;
        }
        Ok(())
    }
}

/// The SQS event Lambda hands a function for one delivery.
fn sqs_event(delivery: &Delivery) -> Value {
    json!({"Records": [{
        "messageId": delivery.receipt,
        "body": delivery.message.body,
        "eventSource": "aws:sqs",
        "attributes": {
            "ApproximateReceiveCount": delivery.receive_count.to_string(),
            "MessageGroupId": delivery.message.group,
        },
    }]})
}

fn order(n: usize) -> Value {
    // A returning customer with known SKUs, as in the processing benchmark.
    json!({
        "payment_method": "bacs", "payment_method_title": "Bankas pārskaitījums", "set_paid": true,
        "billing": {"first_name": "Anna", "last_name": "Bērziņa", "email": "anna@example.lv", "country": "LV",
                    "address_1": "Brīvības iela 1", "city": "Rīga", "postcode": "LV-1010"},
        "line_items": [{"product_id": 22, "quantity": 1 + n % 4}, {"product_id": 32, "quantity": 1}],
        "shipping_lines": [{"method_id": "flat_rate", "method_title": "Kurjers", "total": "3.50"}]
    })
}

fn paytraq_limit(latency: Duration) -> PaytraqSandboxConfig {
    PaytraqSandboxConfig {
        latency,
        ..PaytraqSandboxConfig::default()
    }
}

/// Runs the workload on a thread of its own, whose log lines are counted
/// (the JSON format the functions write, into a byte counter).
pub async fn run(bench: CostBench) -> anyhow::Result<CostReport> {
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml"))?;
    let memory_mb = memory_by_binary(&template)?;
    tokio::task::spawn_blocking(move || {
        let logs = LogBytes::default();
        let subscriber = channel::telemetry::json_logs(logs.clone()).finish();
        let _counting = tracing::subscriber::set_default(subscriber);
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(measure(bench, memory_mb, logs))
    })
    .await?
}

async fn measure(
    bench: CostBench,
    memory_mb: BTreeMap<String, u32>,
    logs: LogBytes,
) -> anyhow::Result<CostReport> {
    anyhow::ensure!(
        bench.orders > 0 && bench.skus > 0,
        "orders and SKUs must be positive"
    );
    // Orders and the reconciler, in the demo shop.
    let world = World::start(WorldConfig {
        paytraq: paytraq_limit(bench.latency),
        ..WorldConfig::default()
    })
    .await?;
    world
        .channel(CHANNEL, testkit::world::every_option_on)
        .await?;
    let meters = Meters::around(&world.app, logs.clone());
    let url = meters.serve_webhooks().await?;
    world
        .app
        .repo
        .update_channel(CHANNEL, |c| {
            c.webhook_url = Some(format!("{url}/webhooks/woocommerce/{CHANNEL}"))
        })
        .await?;
    // Setup: the reconciler registers the webhooks. Then a warm-up order,
    // not counted, and the counted ones, each after PayTraq's bucket refilled.
    reconcile::run_all(&meters.app()).await?;
    let mut start = meters.usage();
    for n in 0..=bench.orders {
        world
            .woo
            .create_order(&order(n))
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        meters.drain(&meters.orders, "processor").await?;
        if n == 0 {
            start = meters.usage();
        }
        tokio::time::sleep(REFILL).await;
    }
    let orders_usage = meters.usage().since(&start);
    let stored = stored_order_bytes(world.app.repo.records()).await? / (bench.orders as u64 + 1);
    let reconcile_before = meters.usage();
    meters
        .invoke("reconciler", reconcile::run_all(&meters.app()))
        .await?;
    let reconcile_usage = meters.usage().since(&reconcile_before);
    world.stop().await;

    // One daily sync of `skus` SKUs (the sync benchmark's catalogue).
    let catalogue = super::sync::BenchConfig {
        simple_products: bench.skus - bench.skus / 10,
        variable_products: bench.skus / 100,
        variations_per_product: 10,
        change_every: 50,
        latency: bench.latency,
        per_item_subset: 0,
    };
    let world = super::sync::seeded_world(
        &catalogue,
        WorldConfig {
            paytraq: paytraq_limit(bench.latency),
            ..WorldConfig::sync(bench.latency)
        },
    )
    .await?;
    let sync_meters = Meters::around(&world.app, logs);
    let sync_before = sync_meters.usage();
    sync_meters
        .invoke(
            "stock-sync",
            sync::lambda::handle(&sync_meters.app(), &json!({"job": "daily_sync"})),
        )
        .await?;
    sync_meters
        .drain(&sync_meters.sync_jobs, "stock-sync")
        .await?;
    let sync_usage = sync_meters.usage().since(&sync_before);
    world.stop().await;

    Ok(CostReport {
        bench,
        memory_mb,
        orders: orders_usage,
        reconcile: reconcile_usage,
        sync: sync_usage,
        stored_bytes_per_order: stored,
    })
}

/// The billed size of every order record of the benchmark's channel
/// (`CH#<id>` / `ORDER#…`, the repository's key layout).
async fn stored_order_bytes(store: &Arc<dyn RecordStore>) -> anyhow::Result<u64> {
    let pk = format!("CH#{CHANNEL}");
    let mut total = 0;
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .query_prefix(&pk, "ORDER#", Direction::Ascending, cursor.as_deref(), 100)
            .await?;
        total += page.items.iter().map(item_bytes).sum::<u64>();
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(total),
        }
    }
}

/// One priced line of the report.
#[derive(Clone, Debug)]
pub struct Line {
    pub what: String,
    pub quantity: f64,
    pub price: Price,
}

impl Line {
    pub fn usd(&self) -> f64 {
        self.price.of(self.quantity)
    }
}

impl CostReport {
    /// The lines of `usage` × `scale`, priced.
    fn lines_of(&self, usage: &Usage, scale: f64) -> Vec<Line> {
        let line = |what: String, quantity: f64, price: Price| Line {
            what,
            quantity: quantity * scale,
            price,
        };
        let mut out = Vec::new();
        for (function, used) in &usage.functions {
            let mb = self.memory_mb.get(*function).copied().unwrap_or(128);
            out.push(line(
                format!("Lambda {function}: invocations"),
                used.invocations as f64,
                prices::LAMBDA_REQUEST,
            ));
            out.push(line(
                format!("Lambda {function}: GB-s ({mb} MB)"),
                used.billed_ms as f64 / 1000.0 * f64::from(mb) / 1024.0,
                prices::LAMBDA_ARM_GB_SECOND,
            ));
        }
        let log_bytes =
            usage.log_bytes + usage.invocations() * prices::PLATFORM_LOG_BYTES_PER_INVOCATION;
        out.extend([
            line(
                "API Gateway (HTTP API) requests".into(),
                usage.api_requests as f64,
                prices::HTTP_API_REQUEST,
            ),
            line(
                "SQS FIFO requests (send, receive, delete)".into(),
                usage.sqs_requests as f64,
                prices::SQS_FIFO_REQUEST,
            ),
            line(
                "DynamoDB write units (pacing record included)".into(),
                usage.store.write_units as f64,
                prices::DYNAMODB_WRITE_UNIT,
            ),
            line(
                "DynamoDB read units".into(),
                usage.store.read_units(),
                prices::DYNAMODB_READ_UNIT,
            ),
            line(
                "Secrets Manager calls after the cache".into(),
                usage.secret_calls as f64,
                prices::SECRETS_API_CALL,
            ),
            line(
                "CloudWatch Logs GB (JSON lines + platform lines)".into(),
                log_bytes as f64 / GB,
                prices::LOG_INGEST_GB,
            ),
        ]);
        out
    }

    /// Per 1,000 orders: the order workload alone.
    pub fn per_thousand_orders(&self) -> Vec<Line> {
        self.lines_of(&self.orders, 1_000.0 / self.bench.orders as f64)
    }

    /// Per channel-month: 1,000 orders, the reconciler every 15 minutes
    /// (all of it charged to the one channel: an upper bound), a daily sync,
    /// the channel's secret, a month of its orders stored.
    pub fn per_channel_month(&self) -> Vec<Line> {
        let parts = [
            self.lines_of(&self.orders, ORDERS_PER_MONTH / self.bench.orders as f64),
            self.lines_of(&self.reconcile, RECONCILES_PER_MONTH),
            self.lines_of(&self.sync, SYNCS_PER_MONTH),
        ];
        let mut merged: Vec<Line> = Vec::new();
        for line in parts.into_iter().flatten() {
            match merged.iter_mut().find(|l| l.what == line.what) {
                Some(l) => l.quantity += line.quantity,
                None => merged.push(line),
            }
        }
        merged.push(Line {
            what: "Secrets Manager: the channel's secret".into(),
            quantity: 1.0,
            price: prices::SECRET_MONTH,
        });
        merged.push(Line {
            what: "DynamoDB storage: a month of orders".into(),
            quantity: self.stored_bytes_per_order as f64 * ORDERS_PER_MONTH / GB,
            price: prices::DYNAMODB_STORAGE_GB_MONTH,
        });
        merged
    }
}

const GB: f64 = 1024.0 * 1024.0 * 1024.0;

fn total(lines: &[Line]) -> f64 {
    lines.iter().map(Line::usd).sum()
}

impl std::fmt::Display for CostReport {
    /// The BENCHMARKS.md tables.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let b = &self.bench;
        let per_order = |n: u64| n as f64 / b.orders as f64;
        let o = &self.orders;
        writeln!(
            f,
            "measured: {} orders ({} ms API latency), per order: {:.2} webhook deliveries, {:.2} processor invocations, {:.2} DynamoDB writes ({:.2} of them the pacer's), {:.1} KB of log lines; one reconciler run; one sync of {} SKUs ({} invocations)",
            b.orders,
            b.latency.as_millis(),
            per_order(o.api_requests),
            per_order(o.functions.get("processor").map_or(0, |p| p.invocations)),
            per_order(o.store.puts),
            per_order(o.store.pacing_puts),
            per_order(o.log_bytes) / 1024.0,
            b.skus,
            self.sync.invocations(),
        )?;
        for (title, lines) in [
            ("per 1,000 orders", self.per_thousand_orders()),
            (
                "per channel-month (1,000 orders, reconciler every 15 min, daily sync of the SKUs)",
                self.per_channel_month(),
            ),
        ] {
            writeln!(f)?;
            writeln!(
                f,
                "| cost {title} | quantity | price assumed (eu-central-1, arm64) | USD |"
            )?;
            writeln!(f, "|---|---:|---|---:|")?;
            for line in &lines {
                let usd = format!("{:.10}", line.price.usd);
                writeln!(
                    f,
                    "| {} | {:.4} | ${} per {} ({}) | {:.6} |",
                    line.what,
                    line.quantity,
                    usd.trim_end_matches('0').trim_end_matches('.'),
                    line.price.per,
                    line.price.source,
                    line.usd()
                )?;
            }
            writeln!(f, "| **total** | | | **{:.4}** |", total(&lines))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> CostReport {
        let mut functions = BTreeMap::new();
        functions.insert(
            "processor",
            FunctionUse {
                invocations: 2,
                billed_ms: 4_000,
            },
        );
        let orders = Usage {
            functions,
            api_requests: 2,
            sqs_requests: 6,
            log_bytes: 1_000,
            ..Usage::default()
        };
        CostReport {
            bench: CostBench {
                orders: 2,
                skus: 10,
                latency: Duration::ZERO,
            },
            memory_mb: [("processor".to_string(), 512)].into_iter().collect(),
            orders,
            reconcile: Usage::default(),
            sync: Usage::default(),
            stored_bytes_per_order: 0,
        }
    }

    #[test]
    fn lines_scale_the_measured_counts_and_price_gb_seconds_by_the_template_memory() {
        let lines = report().per_thousand_orders();
        let find = |what: &str| lines.iter().find(|l| l.what.starts_with(what)).unwrap();
        assert_eq!(find("Lambda processor: invocations").quantity, 1_000.0);
        // 2 s per order × 0.5 GB × 1,000 orders.
        assert_eq!(find("Lambda processor: GB-s").quantity, 1_000.0);
        assert_eq!(find("API Gateway").quantity, 1_000.0);
        let logs = find("CloudWatch").quantity * GB;
        assert!(
            (logs - 500.0 * (1_000.0 + 2.0 * 450.0)).abs() < 1e-3,
            "{logs}"
        );
    }

    #[test]
    fn the_channel_month_adds_the_secret_and_sums_lines_of_every_part() {
        let month = report().per_channel_month();
        assert!(month
            .iter()
            .any(|l| l.what.contains("the channel's secret") && l.usd() == 0.40));
        let mut names: Vec<&str> = month.iter().map(|l| l.what.as_str()).collect();
        let lines = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), lines, "a line appears twice");
    }
}
