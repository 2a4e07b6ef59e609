//! Intake under duress, through the real HTTP route of the local host and
//! the WooCommerce sandbox's real webhook deliveries: a duplicate storm
//! racing the reconciler, and an outage that makes WooCommerce disable the
//! webhook.

use std::time::Duration;

use channel::host::Host;
use channel::intake::reconcile::{self, TOPICS};
use channel::woocommerce::webhook::sign;
use futures::stream::{self, StreamExt};
use paytraq_sandbox::PaytraqSandboxConfig;
use serde_json::json;
use testkit::world::{webhook_secret, HostSetup, World, WorldConfig};
use woocommerce_sandbox::WooSandboxConfig;

const CHANNEL: &str = "storm";

/// The demo shop (webhooks after 20 ms), PayTraq's pacing out of the way,
/// the channel hosted (reconciler left to the test) with its webhooks just
/// created in the shop by the reconciler.
async fn rig() -> World {
    let w = World::start(WorldConfig {
        woo: WooSandboxConfig {
            webhook_delay: Duration::from_millis(20),
            // The channel listens on 127.0.0.1 over HTTP.
            allow_insecure_loopback_callbacks: true,
            ..Default::default()
        },
        paytraq: PaytraqSandboxConfig {
            rate_per_second: 10_000.0,
            burst: 10_000,
            ..PaytraqSandboxConfig::default()
        },
        hosted: Some(HostSetup {
            reconcile_every: Duration::from_secs(3600),
            ..HostSetup::default()
        }),
        ..WorldConfig::default()
    })
    .await
    .unwrap();
    w.channel(CHANNEL, |_| {}).await.unwrap();
    // The reconciler finds no webhooks in the shop and creates them all.
    let reports = w.reconcile().await.unwrap();
    assert_eq!(reports[0].webhooks_recreated, TOPICS, "{reports:?}");
    w
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
    let url = format!(
        "{}/webhooks/woocommerce/{CHANNEL}",
        r.host().unwrap().base_url()
    );
    let secret = webhook_secret(CHANNEL);
    let deliveries = stream::iter(ids.iter().flat_map(|id| std::iter::repeat_n(*id, 3)))
        .map(|id| {
            let body = r.woo.order_body(id).unwrap();
            let (http, url, secret) = (http.clone(), url.clone(), secret.clone());
            async move {
                let resp = http
                    .post(url)
                    .header("content-type", "application/json")
                    .header("x-wc-webhook-topic", "order.updated")
                    .header(
                        "x-wc-webhook-signature",
                        sign(body.as_bytes(), secret.as_bytes()),
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
    let app = r.app.clone();
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
        r.host().unwrap().orders.is_empty()
    })
    .await;

    let inbox = r
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
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_disables_the_webhook_and_the_reconciler_recovers_every_order() {
    let mut r = rig().await;
    let hooks = r
        .app
        .repo
        .get_channel(CHANNEL)
        .await
        .unwrap()
        .unwrap()
        .webhooks
        .into_iter()
        .filter(|h| h.topic == "order.created" || h.topic == "order.updated")
        .collect::<Vec<_>>();
    // The channel goes down: every delivery of a new order fails, WooCommerce
    // gives up on those webhooks (the others have nothing to deliver).
    let restart = r.host_config().unwrap();
    drop(r.app); // the host's store closes with its last handle
    r.host.take().unwrap().stop().await;
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

    // The channel comes back on the same address with its data; the
    // reconciler's run at start repairs (nobody calls it here).
    let host = Host::start(restart).await.unwrap();
    let reconciled = || async {
        let channel = host.app.repo.get_channel(CHANNEL).await.unwrap().unwrap();
        channel
            .timeline
            .iter()
            .filter(|e| e.kind == "webhook_reenabled")
            .count()
    };
    let start = std::time::Instant::now();
    while reconciled().await < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "both webhooks re-enabled by the run at start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(hooks
        .iter()
        .all(|h| woo.webhook_status(h.id).is_some_and(|(s, _)| s == "active")));
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
    r.app = host.app.clone();
    r.host = Some(host);
    r.stop().await;
}
