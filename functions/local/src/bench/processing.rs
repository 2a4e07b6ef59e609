//! Processing benchmark: orders through the real processor of the local
//! host, against both sandboxes, with every option on (approve, payment,
//! e-mail) and a returning customer whose SKUs are known. Counts PayTraq
//! calls per order by kind and WooCommerce calls per order, then measures
//! orders per hour for one channel under PayTraq's real pacing
//! (1 request/s, burst 5).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use channel::model::OrderStatus;
use paytraq_sandbox::PaytraqSandboxConfig;
use serde_json::json;

use testkit::world::{HostSetup, World, WorldConfig};

const CHANNEL: &str = "bench-processing";

#[derive(Clone, Debug)]
pub struct ProcessingReport {
    pub orders: usize,
    pub paytraq_calls_per_order: f64,
    pub paytraq_calls_by_kind: BTreeMap<String, u64>,
    pub woo_calls_per_order: f64,
    pub paced_orders: usize,
    pub paced_seconds: f64,
    pub orders_per_hour_paced: f64,
}

fn order(n: usize) -> serde_json::Value {
    // The same buyer every time (a returning customer), known SKUs.
    json!({
        "payment_method": "bacs", "payment_method_title": "Bankas pārskaitījums", "set_paid": true,
        "billing": {"first_name": "Anna", "last_name": "Bērziņa", "email": "anna@example.lv", "country": "LV",
                    "address_1": "Brīvības iela 1", "city": "Rīga", "postcode": "LV-1010"},
        "line_items": [{"product_id": 22, "quantity": 1 + n % 4}, {"product_id": 32, "quantity": 1}],
        "shipping_lines": [{"method_id": "flat_rate", "method_title": "Kurjers", "total": "3.50"}]
    })
}

async fn wait_done(world: &World, ids: &[u64], timeout: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let mut pending = 0;
        for id in ids {
            let done = world
                .app
                .repo
                .get_order(CHANNEL, &id.to_string())
                .await?
                .is_some_and(|o| {
                    matches!(
                        o.status,
                        OrderStatus::Done | OrderStatus::NeedsReview | OrderStatus::Failed
                    )
                });
            if !done {
                pending += 1;
            }
        }
        if pending == 0 {
            return Ok(());
        }
        anyhow::ensure!(
            started.elapsed() < timeout,
            "{pending} orders not processed in {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The demo shop, PayTraq with `paytraq`'s limit, and the channel hosted
/// with every option on, its webhooks in the shop.
async fn start_world(paytraq: PaytraqSandboxConfig) -> anyhow::Result<World> {
    let world = World::start(WorldConfig {
        paytraq,
        hosted: Some(HostSetup::default()),
        ..WorldConfig::default()
    })
    .await?;
    world
        .channel(CHANNEL, testkit::world::every_option_on)
        .await?;
    world.reconcile().await?;
    Ok(world)
}

/// Places `count` orders after one warm-up order; returns their ids.
async fn place(world: &World, count: usize) -> anyhow::Result<(Vec<u64>, Instant)> {
    let warm = world
        .woo
        .create_order(&order(0))
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    wait_done(
        world,
        &[warm["id"].as_u64().unwrap_or_default()],
        Duration::from_secs(120),
    )
    .await?;
    let started = Instant::now();
    let mut ids = Vec::new();
    for n in 1..=count {
        let created = world
            .woo
            .create_order(&order(n))
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        ids.push(created["id"].as_u64().unwrap_or_default());
    }
    Ok((ids, started))
}

pub async fn run(orders: usize, paced_orders: usize) -> anyhow::Result<ProcessingReport> {
    // 1. Call counts, with pacing out of the way.
    let world = start_world(PaytraqSandboxConfig {
        rate_per_second: 10_000.0,
        burst: 10_000,
        ..PaytraqSandboxConfig::default()
    })
    .await?;
    let warm_counts = world.paytraq.request_counts();
    let (ids, _) = place(&world, orders).await?;
    // The warm-up order is done; its calls are excluded below.
    let before = world.paytraq.request_counts();
    let _ = warm_counts;
    wait_done(&world, &ids, Duration::from_secs(300)).await?;
    let after = world.paytraq.request_counts();
    let mut by_kind = BTreeMap::new();
    for (route, n) in &after {
        let delta = n - before.get(route).copied().unwrap_or(0);
        if delta > 0 {
            by_kind.insert(route.clone(), delta);
        }
    }
    let paytraq_total: u64 = by_kind.values().sum();
    let notes: usize = ids.iter().map(|id| world.woo.notes(*id).len()).sum();
    world.stop().await;

    // 2. Orders per hour under the real 1 request/s, burst 5.
    let world = start_world(PaytraqSandboxConfig::default()).await?;
    let (ids, started) = place(&world, paced_orders).await?;
    wait_done(&world, &ids, Duration::from_secs(600)).await?;
    let paced_seconds = started.elapsed().as_secs_f64();
    world.stop().await;

    Ok(ProcessingReport {
        orders,
        paytraq_calls_per_order: paytraq_total as f64 / orders as f64,
        paytraq_calls_by_kind: by_kind,
        woo_calls_per_order: notes as f64 / orders as f64,
        paced_orders,
        paced_seconds,
        orders_per_hour_paced: paced_orders as f64 / paced_seconds * 3600.0,
    })
}
