//! Intake benchmark: signed WooCommerce deliveries through the real HTTP
//! route of the local host (embedded store, in-process queue). Two runs:
//! as fast as 64 concurrent senders go (throughput), and a fixed offered
//! load (latency percentiles).

use std::time::{Duration, Instant};

use anyhow::Context;
use channel::woocommerce::webhook::sign;
use futures::stream::{self, StreamExt};
use serde_json::Value;

use testkit::world::{webhook_secret, HostSetup, World, WorldConfig};
use woocommerce_sandbox::WooSandbox;

const CHANNEL: &str = "bench-intake";

#[derive(Clone, Debug)]
pub struct IntakeBench {
    /// Deliveries of the throughput run.
    pub deliveries: usize,
    pub concurrency: usize,
    /// Offered load of the latency run.
    pub rate_per_second: u32,
    pub latency_seconds: u32,
}

impl Default for IntakeBench {
    fn default() -> Self {
        Self {
            deliveries: 20_000,
            concurrency: 64,
            rate_per_second: 500,
            latency_seconds: 10,
        }
    }
}

#[derive(Clone, Debug)]
pub struct IntakeReport {
    pub deliveries: usize,
    pub seconds: f64,
    pub per_second: f64,
    pub throughput_p50_ms: f64,
    pub throughput_p99_ms: f64,
    pub offered_per_second: u32,
    pub offered_count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub non_200: usize,
    pub inbox_entries: usize,
}

/// One signed delivery body per order id, from a real order of the shop.
fn bodies(woo: &WooSandbox, count: usize) -> anyhow::Result<Vec<(String, String)>> {
    let secret = webhook_secret(CHANNEL);
    let created = woo
        .create_order(&serde_json::json!({
            "payment_method": "bacs", "set_paid": true,
            "billing": {"first_name": "Anna", "last_name": "Bērziņa", "email": "anna@example.lv", "country": "LV"},
            "line_items": [{"product_id": 22, "quantity": 2}]
        }))
        .map_err(|e| anyhow::anyhow!("sandbox order: {e:?}"))?;
    let id = created["id"].as_u64().context("order id")?;
    let template: Value = serde_json::from_str(&woo.order_body(id).context("order body")?)?;
    Ok((0..count)
        .map(|i| {
            let mut order = template.clone();
            order["id"] = (100_000 + i as u64).into();
            order["number"] = (100_000 + i).to_string().into();
            let body = order.to_string();
            let signature = sign(body.as_bytes(), secret.as_bytes());
            (body, signature)
        })
        .collect())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

pub async fn run(cfg: &IntakeBench) -> anyhow::Result<IntakeReport> {
    // The channel only stores deliveries; the shop has no webhooks of its own.
    let world = World::start(WorldConfig {
        hosted: Some(HostSetup::default()),
        ..WorldConfig::default()
    })
    .await?;
    world.channel(CHANNEL, |s| s.auto_process = false).await?;
    let offered_count = (cfg.rate_per_second * cfg.latency_seconds) as usize;
    let all = bodies(&world.woo, cfg.deliveries + offered_count)?;
    let (throughput_set, latency_set) = all.split_at(cfg.deliveries);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(cfg.concurrency)
        .build()?;
    let url = format!(
        "{}/webhooks/woocommerce/{CHANNEL}",
        world.host()?.base_url()
    );

    let send = |body: String, signature: String| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let started = Instant::now();
            let status = http
                .post(url)
                .header("content-type", "application/json")
                .header("x-wc-webhook-topic", "order.created")
                .header("x-wc-webhook-signature", signature)
                .body(body)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            (status, started.elapsed())
        }
    };

    // Throughput: as fast as the senders go.
    let started = Instant::now();
    let results: Vec<(u16, Duration)> = stream::iter(throughput_set.iter().cloned())
        .map(|(b, s)| send(b, s))
        .buffer_unordered(cfg.concurrency)
        .collect()
        .await;
    let seconds = started.elapsed().as_secs_f64();
    let mut non_200 = results.iter().filter(|(s, _)| *s != 200).count();
    let mut tput: Vec<Duration> = results.iter().map(|(_, d)| *d).collect();
    tput.sort();

    // Latency at a fixed offered load.
    let interval = Duration::from_secs_f64(1.0 / f64::from(cfg.rate_per_second.max(1)));
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::with_capacity(latency_set.len());
    for (body, signature) in latency_set.iter().cloned() {
        ticker.tick().await;
        tasks.push(tokio::spawn(send(body, signature)));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    for t in tasks {
        let (status, d) = t.await?;
        if status != 200 {
            non_200 += 1;
        }
        latencies.push(d);
    }
    latencies.sort();

    let mut inbox_entries = 0;
    let mut cursor: Option<String> = None;
    loop {
        let page = world
            .app
            .repo
            .list_orders(CHANNEL, None, cursor.as_deref(), 1000)
            .await?;
        inbox_entries += page.items.len();
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    world.stop().await;
    Ok(IntakeReport {
        deliveries: cfg.deliveries,
        seconds,
        per_second: cfg.deliveries as f64 / seconds,
        throughput_p50_ms: percentile(&tput, 0.50),
        throughput_p99_ms: percentile(&tput, 0.99),
        offered_per_second: cfg.rate_per_second,
        offered_count,
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
        max_ms: latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        non_200,
        inbox_entries,
    })
}
