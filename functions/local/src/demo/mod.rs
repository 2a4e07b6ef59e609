//! `local demo`: the product working end to end on one machine. Starts both
//! sandboxes and the channel, activates a channel through the real
//! WooCommerce key flow over HTTP, maps taxes and payments and sets the
//! options through the admin API, places varied orders in the shop, waits
//! for processing, runs a stock and price sync, then prints what happened
//! and checks it (see [`DemoReport::check`]).

mod admin;
pub mod orders;
pub mod report;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use self::admin::AdminClient;
use self::orders::DemoOrder;
pub use self::report::{DemoReport, InboxRow};
use paytraq_sandbox::PaytraqSandboxConfig;
use testkit::world::{HostSetup, World, WorldConfig, PAYTRAQ_KEY, PAYTRAQ_TOKEN};

/// The payment method left unmapped on purpose.
const UNMAPPED_METHOD: &str = "cheque";
/// How long processing or a sync may take before the demo gives up.
const WAIT_LIMIT: Duration = Duration::from_secs(180);

#[derive(Clone, Copy, Debug, Default)]
pub struct DemoOptions {
    /// Lift PayTraq's pacing to 1000 requests/s (CI); otherwise the real
    /// 1 request/s, burst 5.
    pub fast: bool,
    /// Keep everything running after the report until Ctrl-C.
    pub keep_running: bool,
}

/// Runs the demo, printing progress and the report; returns the report (its
/// `problems` say what differed). `Err` when a step could not be carried out.
pub async fn run(opts: DemoOptions) -> anyhow::Result<DemoReport> {
    let token = format!("demo-{}", uuid::Uuid::new_v4().simple());
    let (rate, burst) = if opts.fast { (1000.0, 1000) } else { (1.0, 5) };
    progress("starting the WooCommerce and PayTraq sandboxes and the channel");
    let world = World::start(WorldConfig {
        paytraq: PaytraqSandboxConfig {
            rate_per_second: rate,
            burst,
            ..PaytraqSandboxConfig::default()
        },
        hosted: Some(HostSetup {
            admin_token: Some(token.clone()),
            ..HostSetup::default()
        }),
        ..WorldConfig::default()
    })
    .await?;
    let result = drive(&world, &token, opts).await;
    world.stop().await;
    result
}

async fn drive(world: &World, token: &str, opts: DemoOptions) -> anyhow::Result<DemoReport> {
    let admin = AdminClient::new(world.host()?.base_url(), token.to_string())?;
    let channel_id = activate(world, &admin).await?;
    configure(world, &admin, &channel_id).await?;

    let mut placed: Vec<(u64, DemoOrder)> = Vec::new();
    for order in orders::invoice_orders() {
        placed.push((place(world, &order)?, order));
    }
    wait_settled(&admin, &channel_id, &placed).await?;
    for (id, order) in placed.iter().filter(|(_, o)| o.paid_later) {
        progress(&format!("order {id} is paid now ({})", order.label));
        world
            .woo
            .update_order(*id, &json!({"set_paid": true}))
            .map_err(|e| anyhow::anyhow!("marking order {id} paid: {e:?}"))?;
        wait_paid(&admin, &channel_id, *id).await?;
    }

    progress("switching the channel to sales orders (payments become prepayments)");
    admin
        .put(
            &format!("/admin/channels/{channel_id}/settings"),
            &json!({"document_type": "sales_order"}),
        )
        .await?;
    let order = orders::sales_order();
    placed.push((place(world, &order)?, order));
    wait_settled(&admin, &channel_id, &placed).await?;

    reprice(world);
    let (sync_status, sync_counts) = sync(&admin, &channel_id).await?;
    let mut report = collect(world, &admin, &channel_id, &placed).await?;
    report.sync_status = sync_status;
    report.sync_counts = sync_counts;
    report.check();
    println!("{report}");
    if opts.keep_running {
        keep_running(world, token).await?;
    }
    Ok(report)
}

fn progress(what: &str) {
    println!("· {what}");
}

/// Creates the channel and approves the key request the way the shop
/// owner's browser does: open the authorize page, press Approve; the shop
/// then POSTs the new keys to the channel's callback.
async fn activate(world: &World, admin: &AdminClient) -> anyhow::Result<String> {
    progress("creating the channel (POST /admin/channels)");
    let created = admin
        .call(
            Method::POST,
            "/admin/channels",
            Some(&json!({
                "name": "Demo shop",
                "shop_url": world.woo.base_url(),
                "paytraq_api_key": PAYTRAQ_KEY,
                "paytraq_api_token": PAYTRAQ_TOKEN,
            })),
            201,
        )
        .await?;
    let channel_id = created["channel_id"]
        .as_str()
        .context("channel_id in the answer")?
        .to_string();
    let authorize = created["authorize_url"]
        .as_str()
        .context("authorize_url in the answer")?;
    progress("approving the key request in the shop (wc-auth), keys sent to the channel");
    let http = admin.http();
    let page = http.get(authorize).send().await?;
    if !page.status().is_success() {
        bail!("the shop's authorize page answered {}", page.status());
    }
    let url = url::Url::parse(authorize)?;
    let form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let granted = http
        .post(url.join("/wc-auth/v1/access_granted")?)
        .form(&form)
        .send()
        .await?;
    if granted.status().as_u16() != 302 {
        bail!(
            "approving the keys answered {} (expected a redirect back)",
            granted.status()
        );
    }
    let channel = admin.get(&format!("/admin/channels/{channel_id}")).await?;
    if channel["state"] != "active" {
        bail!("channel is {} after the key flow", channel["state"]);
    }
    progress(&format!(
        "channel {channel_id} active; webhooks: {}",
        channel["webhooks"].as_array().map(|w| w.len()).unwrap_or(0)
    ));
    Ok(channel_id)
}

/// Tax and payment mappings from the PayTraq company (cheque left out) and
/// the processing and sync options.
async fn configure(world: &World, admin: &AdminClient, channel_id: &str) -> anyhow::Result<()> {
    let m = &world.mirror;
    let taxes: serde_json::Map<String, Value> = m
        .tax_map
        .iter()
        .map(|(rate, key)| (rate.to_string(), json!(key)))
        .collect();
    admin
        .put(
            &format!("/admin/channels/{channel_id}/mappings/tax"),
            &Value::Object(taxes),
        )
        .await?;
    let payments: serde_json::Map<String, Value> = m
        .payment_map
        .iter()
        .filter(|(method, _)| method.as_str() != UNMAPPED_METHOD)
        .map(|(method, account)| (method.to_string(), json!(account)))
        .collect();
    progress(&format!(
        "mapping {} tax rates and payment methods {:?} ({UNMAPPED_METHOD} left unmapped)",
        m.tax_map.len(),
        payments.keys().collect::<Vec<_>>()
    ));
    admin
        .put(
            &format!("/admin/channels/{channel_id}/mappings/payment"),
            &Value::Object(payments),
        )
        .await?;
    progress("settings: approve, add payment, send e-mail, warehouse, prices from a price group");
    admin
        .put(
            &format!("/admin/channels/{channel_id}/settings"),
            &json!({
                "approve": true,
                "add_payment": true,
                "send_email": true,
                "warehouse_id": m.warehouse_id.to_string(),
                "sync_prices": true,
                "price_group_id": m.price_group_id.to_string(),
                "fee_item_code": "WC-FEE",
            }),
        )
        .await?;
    Ok(())
}

fn place(world: &World, order: &DemoOrder) -> anyhow::Result<u64> {
    let created = world
        .woo
        .create_order(&order.body)
        .map_err(|e| anyhow::anyhow!("placing an order ({}): {e:?}", order.label))?;
    let id = created["id"].as_u64().context("order id")?;
    progress(&format!(
        "order {id} placed, total {}: {}",
        created["total"].as_str().unwrap_or("?"),
        order.label
    ));
    Ok(id)
}

const SETTLED: [&str; 4] = ["done", "failed", "needs_review", "handled"];

/// Polls the admin orders route until every placed order has settled.
async fn wait_settled(
    admin: &AdminClient,
    channel_id: &str,
    placed: &[(u64, DemoOrder)],
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut last = String::new();
    loop {
        let statuses = inbox_statuses(admin, channel_id).await?;
        let pending: Vec<u64> = placed
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| {
                !statuses
                    .get(id)
                    .is_some_and(|s| SETTLED.contains(&s.as_str()))
            })
            .collect();
        let line = placed
            .iter()
            .map(|(id, _)| format!("{id}:{}", statuses.get(id).map_or("-", String::as_str)))
            .collect::<Vec<_>>()
            .join(" ");
        if line != last {
            progress(&format!("processing … {line}"));
            last = line;
        }
        if pending.is_empty() {
            return Ok(());
        }
        if started.elapsed() > WAIT_LIMIT {
            bail!("orders {pending:?} not processed within {WAIT_LIMIT:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Order id → inbox status, from `GET /admin/channels/{id}/orders` (all pages).
async fn inbox_statuses(
    admin: &AdminClient,
    channel_id: &str,
) -> anyhow::Result<BTreeMap<u64, String>> {
    let mut statuses = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/admin/channels/{channel_id}/orders?limit=100");
        if let Some(c) = &cursor {
            path.push_str(&format!(
                "&cursor={}",
                url::form_urlencoded::byte_serialize(c.as_bytes()).collect::<String>()
            ));
        }
        let page = admin.get(&path).await?;
        for item in page["items"].as_array().into_iter().flatten() {
            if let (Some(id), Some(status)) = (item["order_id"].as_u64(), item["status"].as_str()) {
                statuses.insert(id, status.to_string());
            }
        }
        match page["next"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return Ok(statuses),
        }
    }
}

/// Waits until the order's payment is recorded in PayTraq.
async fn wait_paid(admin: &AdminClient, channel_id: &str, id: u64) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let detail = admin
            .get(&format!("/admin/channels/{channel_id}/orders/{id}"))
            .await?;
        if detail["paytraq"]["paid"] == true && detail["status"] == "done" {
            progress(&format!("order {id}: payment recorded in PayTraq"));
            return Ok(());
        }
        if started.elapsed() > WAIT_LIMIT {
            bail!(
                "order {id}: payment not recorded within {WAIT_LIMIT:?}; inbox: {}",
                detail["timeline"]
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// New prices in the PayTraq price group for a few products, so the sync
/// has prices to write as well as stock (the stock differs already).
fn reprice(world: &World) {
    let (incl, excl) = (Decimal::new(1210, 2), Decimal::new(1000, 2));
    let skus: Vec<&String> = world.mirror.items.keys().take(3).collect();
    for sku in &skus {
        world.company.set_price(
            world.mirror.price_group_id,
            world.mirror.items[*sku],
            incl,
            excl,
        );
    }
    progress(&format!(
        "PayTraq price list: {skus:?} now {incl} EUR incl. VAT ({excl} excl.)"
    ));
}

/// Starts a sync run through the admin API and follows it to its end.
async fn sync(admin: &AdminClient, channel_id: &str) -> anyhow::Result<(String, Value)> {
    progress("stock and price sync (POST /admin/channels/{id}/sync)");
    let run = admin
        .call(
            Method::POST,
            &format!("/admin/channels/{channel_id}/sync"),
            Some(&json!({"dry_run": false, "force": false})),
            202,
        )
        .await?;
    let run_id = run["run_id"].as_str().context("run_id")?.to_string();
    let started = Instant::now();
    loop {
        let run = admin
            .get(&format!("/admin/channels/{channel_id}/sync/{run_id}"))
            .await?;
        let status = run["status"].as_str().unwrap_or("unknown").to_string();
        if !matches!(status.as_str(), "queued" | "running") {
            progress(&format!("sync run {run_id}: {status}"));
            return Ok((status, run["report"]["counts"].clone()));
        }
        if started.elapsed() > WAIT_LIMIT {
            bail!("sync run {run_id} still {status} after {WAIT_LIMIT:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Reads back the inbox (admin API), the notes and deliveries (shop) and the
/// payments and request counts (PayTraq).
async fn collect(
    world: &World,
    admin: &AdminClient,
    channel_id: &str,
    placed: &[(u64, DemoOrder)],
) -> anyhow::Result<DemoReport> {
    let mut payments: BTreeMap<u64, usize> = BTreeMap::new();
    for p in world
        .company
        .payments()
        .into_iter()
        .chain(world.company.prepayments())
    {
        *payments.entry(p.document_id).or_default() += 1;
    }
    let mut report = DemoReport {
        channel_id: channel_id.to_string(),
        paytraq_calls: world.paytraq.request_counts(),
        ..DemoReport::default()
    };
    for (id, order) in placed {
        let detail = admin
            .get(&format!("/admin/channels/{channel_id}/orders/{id}"))
            .await?;
        let mut row = InboxRow::from_admin(*id, order.label, order.expect, &detail);
        row.payments = row
            .document_id
            .and_then(|d| payments.get(&d).copied())
            .unwrap_or(0);
        report.inbox.push(row);
        let notes: Vec<String> = world
            .woo
            .notes(*id)
            .iter()
            .filter_map(|n| n["note"].as_str().map(str::to_string))
            .collect();
        report.notes.insert(*id, notes);
    }
    for d in world.woo.deliveries() {
        *report.woo_deliveries.entry(d.kind).or_default() += 1;
    }
    Ok(report)
}

/// Prints where everything is and waits for Ctrl-C.
async fn keep_running(world: &World, token: &str) -> anyhow::Result<()> {
    let channel_url = world.host()?.base_url();
    println!("Everything keeps running; Ctrl-C stops it.");
    println!("  channel (webhooks, admin API): {channel_url}");
    println!("  admin token (Authorization: Bearer …): {token}");
    println!("  OpenAPI: {channel_url}/admin/openapi.json");
    println!("  console: {channel_url}/console/  (sign in with the admin token above)");
    println!(
        "  WooCommerce sandbox: {}  consumer key {}  consumer secret {}",
        world.woo.base_url(),
        world.woo.consumer_key(),
        world.woo.consumer_secret()
    );
    println!(
        "  PayTraq sandbox: {}  API key {PAYTRAQ_KEY}  API token {PAYTRAQ_TOKEN}",
        world.paytraq.base_url()
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
