//! Order processing end to end: real WooCommerce 8.9.1 orders through the
//! real processor, against the WooCommerce and PayTraq sandboxes over HTTP.

use std::collections::BTreeMap;
use std::path::PathBuf;

use channel::intake::{accept_order, Source};
use channel::model::{Channel, DocumentType, OrderStatus};
use channel::processing::{process, Outcome, Trigger};
use channel::secrets::{ChannelSecrets, Secret};
use channel::woocommerce::order::parse_order;
use channel::App;
use local::sandbox::paytraq::{PaytraqSandbox, PaytraqSandboxConfig, SandboxCompany};
use local::sandbox::woocommerce::{WooSandbox, WooSandboxConfig};
use rust_decimal::Decimal;
use serde_json::Value;

const CHANNEL: &str = "lv-shop";

/// Both sandboxes, a channel wired to them, and the PayTraq side seeded
/// from the fixture catalogue: a product per SKU, a tax key per WooCommerce
/// tax rate with the same percentage (plus a 0% key for untaxed lines), a
/// money account per payment gateway.
struct World {
    app: App,
    woo: WooSandbox,
    paytraq: PaytraqSandbox,
    company: SandboxCompany,
}

fn read_json(path: PathBuf) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

async fn world(document_type: DocumentType) -> World {
    let catalog = e2e::fixtures_dir().join("catalog");
    let woo = WooSandbox::start(WooSandboxConfig::default())
        .await
        .unwrap();
    let paytraq = PaytraqSandbox::start(PaytraqSandboxConfig::default())
        .await
        .unwrap();
    paytraq.set_rate_limit(10_000.0, 10_000);
    let company = paytraq.create_company("pt-key", "pt-token");

    let mut skus = Vec::new();
    for product in read_json(catalog.join("products.json")).as_array().unwrap() {
        skus.push((
            product["sku"].as_str().unwrap_or("").to_string(),
            product["name"].as_str().unwrap_or("").to_string(),
        ));
    }
    for entry in std::fs::read_dir(&catalog).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("variations-") && !name.ends_with(".meta.json") {
            for v in read_json(path).as_array().unwrap() {
                skus.push((
                    v["sku"].as_str().unwrap_or("").to_string(),
                    format!("variation {}", v["id"]),
                ));
            }
        }
    }
    for (sku, name) in skus.into_iter().filter(|(s, _)| !s.is_empty()) {
        company.add_product(&sku, &name);
    }
    let mut tax_map = BTreeMap::new();
    for rate in read_json(catalog.join("taxes.json")).as_array().unwrap() {
        let percent: Decimal = rate["rate"].as_str().unwrap().parse().unwrap();
        let key = company.add_tax_key(rate["name"].as_str().unwrap_or("tax"), percent);
        tax_map.insert(rate["id"].as_u64().unwrap(), key.to_string());
    }
    tax_map.insert(
        0,
        company
            .add_tax_key("Neapliekams 0%", Decimal::ZERO)
            .to_string(),
    );
    company.add_product("WC-FEE", "Maksa (WooCommerce fee)");
    let mut payment_map = BTreeMap::new();
    for gateway in read_json(catalog.join("payment-gateways.json"))
        .as_array()
        .unwrap()
    {
        let id = gateway["id"].as_str().unwrap();
        payment_map.insert(
            id.to_string(),
            company
                .add_money_account(&format!("Merchant {id}"), "EUR")
                .to_string(),
        );
    }

    let (mut app, _queue) = e2e::embedded_app();
    app.options.paytraq_base_url = paytraq.base_url();
    let app = App::new(
        app.repo.records().clone(),
        app.secrets.clone(),
        app.orders.clone(),
        app.sync_jobs.clone(),
        channel::Options {
            paytraq_rate_per_second: 10_000.0,
            paytraq_burst: 10_000,
            ..app.options.clone()
        },
    );
    let mut ch: Channel = e2e::active_channel(&app, CHANNEL, &woo.base_url(), "whsec").await;
    ch.tax_map = tax_map;
    ch.payment_map = payment_map;
    ch.settings.document_type = document_type;
    ch.settings.approve = true;
    ch.settings.add_payment = true;
    ch.settings.send_email = true;
    ch.settings.fee_item_code = Some("WC-FEE".into());
    app.repo.save_channel(&mut ch).await.unwrap();
    app.secrets
        .put(
            CHANNEL,
            &ChannelSecrets {
                woo_consumer_key: Some(Secret::new(woo.consumer_key())),
                woo_consumer_secret: Some(Secret::new(woo.consumer_secret())),
                webhook_secret: Some(Secret::new("whsec")),
                paytraq_api_key: Some(Secret::new("pt-key")),
                paytraq_api_token: Some(Secret::new("pt-token")),
            },
        )
        .await
        .unwrap();
    World {
        app,
        woo,
        paytraq,
        company,
    }
}

/// Every case folder's `order.json`, sorted.
fn fixture_orders() -> Vec<(String, Value)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(e2e::fixtures_dir().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("order.json").exists())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|d| {
            (
                d.file_name().unwrap().to_string_lossy().to_string(),
                read_json(d.join("order.json")),
            )
        })
        .collect()
}

/// Stores the order in the shop sandbox and the inbox, then processes it.
async fn run(w: &World, order: &Value) -> channel::model::InboxOrder {
    w.woo.store_order(order.clone()).unwrap();
    let raw = serde_json::to_string(order).unwrap();
    let parsed = parse_order(raw.as_bytes()).unwrap();
    accept_order(&w.app, CHANNEL, &parsed, raw, Source::Webhook)
        .await
        .unwrap();
    let key = parsed.id.to_string();
    let outcome = process(&w.app, CHANNEL, &key, Trigger::Queue)
        .await
        .expect("no transient failure");
    assert!(matches!(outcome, Outcome::Status(_)), "{outcome:?}");
    w.app.repo.get_order(CHANNEL, &key).await.unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processing_fixture_orders_match_woocommerce_totals() {
    let w = world(DocumentType::SalesInvoice).await;
    let cases = fixture_orders();
    assert!(cases.len() >= 28);
    let mut done = Vec::new();
    let mut review = Vec::new();
    let mut failed = Vec::new();
    for (name, order) in &cases {
        let stored = run(&w, order).await;
        let total: Decimal = order["total"].as_str().unwrap().parse().unwrap();
        match stored.status {
            OrderStatus::Done => {
                assert_eq!(stored.paytraq.document_total, Some(total), "{name}");
                let doc = w
                    .company
                    .document(stored.paytraq.document_id.unwrap())
                    .unwrap();
                assert_eq!(doc.status, "approved", "{name}");
                done.push(name.clone());
            }
            OrderStatus::NeedsReview => {
                review.push((name.clone(), stored.reason.clone().unwrap_or_default()))
            }
            OrderStatus::Failed => {
                failed.push((name.clone(), stored.reason.clone().unwrap_or_default()))
            }
            other => panic!("{name}: ended {other}"),
        }
    }
    println!(
        "{} orders: {} done, {} needs review, {} failed",
        cases.len(),
        done.len(),
        review.len(),
        failed.len()
    );
    for (name, why) in review.iter().chain(failed.iter()) {
        println!("  {name}: {why}");
    }
    // Orders that cannot be mapped fail by rule (a line without SKU), never silently.
    for (name, why) in &failed {
        assert!(
            why.contains("has no SKU"),
            "{name} failed for an unexpected reason: {why}"
        );
    }
    let reviewed_share = review.len() as f64 / cases.len() as f64;
    assert!(
        reviewed_share <= 0.05,
        "{} of {} orders need review: {review:?}",
        review.len(),
        cases.len()
    );
    // No duplicates: one document per processed order, one payment per paid one.
    let documents = w.company.documents();
    assert_eq!(documents.len(), done.len() + review.len());
    let _ = &w.paytraq;
}
