//! Intake under duress, through the real HTTP route of the local host and
//! the WooCommerce sandbox's real webhook deliveries: a duplicate storm
//! racing the reconciler, and an outage that makes WooCommerce disable the
//! webhook.

use std::time::Duration;

use channel::intake::reconcile;
use channel::model::{Channel, ChannelState, TaxKeyId, TaxRateId};
use channel::secrets::{ChannelSecrets, Secret};
use channel::woocommerce::webhook::sign;
use futures::stream::{self, StreamExt};
use local::host::{Host, HostConfig};
use local::sandbox::paytraq::{PaytraqSandbox, PaytraqSandboxConfig};
use local::sandbox::woocommerce::{WooSandbox, WooSandboxConfig};
use rust_decimal::Decimal;
use serde_json::json;

const CHANNEL: &str = "storm";
const SECRET: &str = "storm-webhook-secret";

struct Rig {
    woo: WooSandbox,
    paytraq: PaytraqSandbox,
    host: Host,
    data_dir: std::path::PathBuf,
}

fn host_config(
    data_dir: &std::path::Path,
    paytraq: &PaytraqSandbox,
    listen: std::net::SocketAddr,
) -> HostConfig {
    let mut cfg = HostConfig {
        listen,
        data_dir: data_dir.to_path_buf(),
        reconcile_every: Duration::from_secs(3600),
        ..HostConfig::default()
    };
    cfg.options.paytraq_base_url = paytraq.base_url();
    cfg.options.paytraq_rate_per_second = 10_000.0;
    cfg.options.paytraq_burst = 10_000;
    cfg
}

async fn rig() -> Rig {
    let woo = WooSandbox::start(WooSandboxConfig {
        webhook_delay: Duration::from_millis(20),
        ..Default::default()
    })
    .await
    .unwrap();
    woo.seed_demo();
    let paytraq = PaytraqSandbox::start(PaytraqSandboxConfig::default())
        .await
        .unwrap();
    paytraq.set_rate_limit(10_000.0, 10_000);
    let company = paytraq.create_company("pt-key", "pt-token");
    company.add_product("LV-S21-0099", "Pildspalva");
    let tax_key = company.add_tax_key("PVN 21%", Decimal::from(21));

    let data_dir = std::env::temp_dir().join(format!("storm-{}", uuid::Uuid::new_v4()));
    let host = Host::start(host_config(
        &data_dir,
        &paytraq,
        "127.0.0.1:0".parse().unwrap(),
    ))
    .await
    .unwrap();
    let now = chrono::Utc::now() - chrono::Duration::hours(1);
    let mut ch = Channel {
        state: ChannelState::Active,
        tax_map: [(
            TaxRateId::try_from(4).unwrap(),
            TaxKeyId::try_from(tax_key).unwrap(),
        )]
        .into_iter()
        .collect(),
        webhook_url: Some(format!(
            "{}/webhooks/woocommerce/{CHANNEL}",
            host.base_url()
        )),
        wc_version: Some("8.9.1".into()),
        created_at: now,
        updated_at: now,
        ..Channel::new(CHANNEL, "Storm shop", woo.base_url())
    };
    host.app.repo.save_channel(&mut ch).await.unwrap();
    host.app
        .secrets
        .put(
            CHANNEL,
            &ChannelSecrets {
                woo_consumer_key: Some(Secret::new(woo.consumer_key())),
                woo_consumer_secret: Some(Secret::new(woo.consumer_secret())),
                webhook_secret: Some(Secret::new(SECRET)),
                paytraq_api_key: Some(Secret::new("pt-key")),
                paytraq_api_token: Some(Secret::new("pt-token")),
            },
        )
        .await
        .unwrap();
    // The reconciler finds no webhooks in the shop and creates both.
    let reports = reconcile::run_all(&host.app).await.unwrap();
    assert_eq!(reports[0].webhooks_recreated.len(), 2, "{reports:?}");
    Rig {
        woo,
        paytraq,
        host,
        data_dir,
    }
}

fn new_order(n: u64) -> serde_json::Value {
    json!({
        "payment_method": "bacs",
        "payment_method_title": "Bankas pārskaitījums",
        "set_paid": true,
        "billing": {"first_name": "Anna", "last_name": format!("Bērziņa {n}"), "email": format!("anna{n}@example.lv"), "country": "LV"},
        "line_items": [{"product_id": 22, "quantity": 1 + n % 3}]
    })
}

async fn wait_until<F: Fn() -> bool>(what: &str, timeout: Duration, done: F) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_storm_with_concurrent_catch_up_yields_one_entry_and_one_document_each() {
    let r = rig().await;
    let mut ids = Vec::new();
    for n in 0..500 {
        let order = r.woo.create_order(&new_order(n)).unwrap();
        ids.push(order["id"].as_u64().unwrap());
    }
    // Every order is also delivered 3 more times at once by us, while the
    // reconciler lists the same orders and the sandbox's own deliveries run.
    let http = reqwest::Client::new();
    let url = format!("{}/webhooks/woocommerce/{CHANNEL}", r.host.base_url());
    let deliveries = stream::iter(ids.iter().flat_map(|id| std::iter::repeat_n(*id, 3)))
        .map(|id| {
            let body = r.woo.order_body(id).unwrap();
            let (http, url) = (http.clone(), url.clone());
            async move {
                let resp = http
                    .post(url)
                    .header("content-type", "application/json")
                    .header("x-wc-webhook-topic", "order.updated")
                    .header(
                        "x-wc-webhook-signature",
                        sign(body.as_bytes(), SECRET.as_bytes()),
                    )
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                resp.status().as_u16()
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<u16>>();
    let app = r.host.app.clone();
    let catch_up = async move { reconcile::run_all(&app).await.unwrap() };
    let (statuses, reports) = tokio::join!(deliveries, catch_up);
    assert!(
        statuses.iter().all(|s| *s == 200),
        "all deliveries accepted"
    );
    assert!(reports[0].error.is_none(), "{reports:?}");

    // Wait for the shop's own deliveries and for the processor to drain.
    let woo = &r.woo;
    wait_until("the sandbox's deliveries", Duration::from_secs(120), || {
        woo.deliveries().len() >= 1000
    })
    .await;
    let company_docs = || r.paytraq.request_count("POST /api/sale");
    wait_until("all documents", Duration::from_secs(300), || {
        company_docs() >= 500
    })
    .await;
    wait_until("the queue to drain", Duration::from_secs(120), || {
        r.host.orders.is_empty()
    })
    .await;

    let inbox = r
        .host
        .app
        .repo
        .list_orders(CHANNEL, None, None, 1000)
        .await
        .unwrap()
        .items;
    assert_eq!(inbox.len(), 500, "exactly one inbox entry per order");
    assert_eq!(
        r.paytraq.request_count("POST /api/sale"),
        500,
        "each order made into a document once"
    );
    for order in &inbox {
        assert!(
            order.paytraq.document_id.is_some(),
            "order {} processed",
            order.key
        );
    }
    r.host.stop().await;
    let _ = std::fs::remove_dir_all(&r.data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_disables_the_webhook_and_the_reconciler_recovers_every_order() {
    let r = rig().await;
    let addr = r.host.addr;
    let hooks = r
        .host
        .app
        .repo
        .get_channel(CHANNEL)
        .await
        .unwrap()
        .unwrap()
        .webhooks;
    // The channel goes down: every delivery fails, WooCommerce gives up on the webhooks.
    r.host.stop().await;
    let mut during = Vec::new();
    for n in 0..12 {
        during.push(
            r.woo.create_order(&new_order(n)).unwrap()["id"]
                .as_u64()
                .unwrap(),
        );
    }
    let woo = &r.woo;
    wait_until(
        "the webhooks to be disabled",
        Duration::from_secs(60),
        || {
            hooks.iter().all(|h| {
                woo.webhook_status(h.id)
                    .is_some_and(|(s, _)| s == "disabled")
            })
        },
    )
    .await;
    for n in 12..15 {
        during.push(
            r.woo.create_order(&new_order(n)).unwrap()["id"]
                .as_u64()
                .unwrap(),
        );
    }

    // The channel comes back on the same address with its data; the reconciler repairs.
    let host = Host::start(host_config(&r.data_dir, &r.paytraq, addr))
        .await
        .unwrap();
    let reports = reconcile::run_all(&host.app).await.unwrap();
    assert_eq!(reports[0].webhooks_reenabled.len(), 2, "{reports:?}");
    assert!(hooks
        .iter()
        .all(|h| woo.webhook_status(h.id).is_some_and(|(s, _)| s == "active")));
    let channel = host.app.repo.get_channel(CHANNEL).await.unwrap().unwrap();
    assert!(channel
        .timeline
        .iter()
        .any(|e| e.kind == "webhook_reenabled"));
    for id in &during {
        assert!(
            host.app
                .repo
                .get_order(CHANNEL, &id.to_string())
                .await
                .unwrap()
                .is_some(),
            "order {id} created during the outage is in the inbox"
        );
    }
    // Deliveries flow again.
    let after = r.woo.create_order(&new_order(99)).unwrap()["id"]
        .as_u64()
        .unwrap();
    let app = host.app.clone();
    let start = std::time::Instant::now();
    while app
        .repo
        .get_order(CHANNEL, &after.to_string())
        .await
        .unwrap()
        .is_none()
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "delivery after recovery"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    host.stop().await;
    let _ = std::fs::remove_dir_all(&r.data_dir);
}
