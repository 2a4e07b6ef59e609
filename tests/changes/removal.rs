//! Orders moved to the trash, restored and deleted for good in the shop,
//! through the WooCommerce sandbox's real deliveries (fact 11 of the
//! captures: trash fires only `order.deleted {"id":N}`, restore only
//! `order.restored`, a permanent deletion only
//! `action.woocommerce_delete_order`). Each is on the order's timeline;
//! nothing is deleted in PayTraq; no document is made while an order is
//! out of the shop.

use std::time::Duration;

use channel::intake::reconcile::TOPICS;
use channel::model::{InboxOrder, OrderStatus, ShopRemoval};
use channel::processing::{process, Outcome, Trigger};
use channel::woocommerce::webhook::sign;
use paytraq_sandbox::PaytraqSandboxConfig;
use serde_json::json;
use testkit::world::{webhook_secret, HostSetup, World, WorldConfig};
use woocommerce_sandbox::WooSandboxConfig;

const CHANNEL: &str = "removal";

/// A hosted channel whose webhooks (every topic) the reconciler has just
/// created in the shop.
async fn rig(auto_process: bool) -> World {
    let w = World::start(WorldConfig {
        woo: WooSandboxConfig {
            webhook_delay: Duration::from_millis(10),
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
    w.channel(CHANNEL, |s| {
        s.auto_process = auto_process;
        s.approve = true;
    })
    .await
    .unwrap();
    let reports = w.reconcile().await.unwrap();
    assert_eq!(reports[0].webhooks_recreated, TOPICS, "{reports:?}");
    w
}

fn place_order(w: &World) -> u64 {
    w.woo
        .create_order(&json!({
            "payment_method": "bacs", "payment_method_title": "Bankas pārskaitījums",
            "set_paid": true,
            "billing": {"first_name": "Ilze", "last_name": "Ozola", "email": "ilze@example.lv", "country": "LV"},
            "line_items": [{"product_id": 22, "quantity": 1}]
        }))
        .unwrap()["id"]
        .as_u64()
        .unwrap()
}

/// `DELETE /orders/{id}` on the shop's REST API, as wp-admin's trash or
/// (with `force`) its permanent deletion do.
async fn delete_in_shop(w: &World, id: u64, force: bool) {
    let reply = reqwest::Client::new()
        .delete(format!(
            "{}/wp-json/wc/v3/orders/{id}?force={force}",
            w.woo.base_url()
        ))
        .basic_auth(w.woo.consumer_key(), Some(w.woo.consumer_secret()))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200, "{}", reply.text().await.unwrap());
}

async fn stored(w: &World, id: u64) -> Option<InboxOrder> {
    w.app
        .repo
        .get_order(CHANNEL, &id.to_string())
        .await
        .unwrap()
}

/// Waits until the stored order passes `check` (deliveries are asynchronous).
async fn wait_for(
    w: &World,
    id: u64,
    what: &str,
    check: impl Fn(&InboxOrder) -> bool,
) -> InboxOrder {
    let start = std::time::Instant::now();
    loop {
        if let Some(order) = stored(w, id).await {
            if check(&order) {
                return order;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "order {id}: {what}; stored: {:?}",
            stored(w, id).await.map(|o| (o.status, o.timeline))
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn has_event(order: &InboxOrder, kind: &str) -> bool {
    order.timeline.iter().any(|e| e.kind == kind)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trash_restore_and_deletion_are_on_the_timeline_and_the_invoice_stays_in_paytraq() {
    let w = rig(true).await;
    let id = place_order(&w);
    let done = wait_for(&w, id, "made into a document", |o| {
        o.status == OrderStatus::Done
    })
    .await;
    let number = done.paytraq.document_number.clone().unwrap();
    let documents = w.company.documents().len();

    delete_in_shop(&w, id, false).await;
    let trashed = wait_for(&w, id, "trash recorded", |o| {
        has_event(o, "trashed_in_shop")
    })
    .await;
    assert_eq!(trashed.removed_in_shop, Some(ShopRemoval::Trash));
    assert_eq!(trashed.status, OrderStatus::Done);
    let event = trashed
        .timeline
        .iter()
        .find(|e| e.kind == "trashed_in_shop")
        .unwrap();
    assert!(
        event
            .message
            .contains(&format!("the PayTraq document {number} is kept")),
        "{}",
        event.message
    );

    w.woo.restore_order(id).unwrap();
    let restored = wait_for(&w, id, "restore recorded", |o| {
        has_event(o, "restored_in_shop")
    })
    .await;
    assert_eq!(restored.removed_in_shop, None);

    delete_in_shop(&w, id, true).await;
    let deleted = wait_for(&w, id, "deletion recorded", |o| {
        has_event(o, "deleted_in_shop")
    })
    .await;
    assert_eq!(deleted.removed_in_shop, Some(ShopRemoval::Deleted));
    assert_eq!(
        deleted.paytraq.document_number.as_deref(),
        Some(number.as_str())
    );
    assert_eq!(deleted.status, OrderStatus::Done);
    // Each event once, and nothing made, changed or deleted in PayTraq.
    for kind in ["trashed_in_shop", "restored_in_shop", "deleted_in_shop"] {
        assert_eq!(
            deleted.timeline.iter().filter(|e| e.kind == kind).count(),
            1,
            "{kind}"
        );
    }
    assert_eq!(w.company.documents().len(), documents);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_in_the_trash_gets_no_document_until_it_is_restored() {
    let w = rig(false).await;
    let id = place_order(&w);
    wait_for(&w, id, "in the inbox", |o| {
        o.status == OrderStatus::Received
    })
    .await;

    delete_in_shop(&w, id, false).await;
    let trashed = wait_for(&w, id, "trash recorded", |o| {
        has_event(o, "trashed_in_shop")
    })
    .await;
    let event = trashed
        .timeline
        .iter()
        .find(|e| e.kind == "trashed_in_shop")
        .unwrap();
    assert!(
        event.message.contains("no document will be made"),
        "{}",
        event.message
    );
    // A person presses "Process": refused while the order is in the trash.
    let outcome = process(&w.app, CHANNEL, &id.to_string(), Trigger::Operator)
        .await
        .unwrap();
    assert_eq!(
        outcome,
        Outcome::Skipped("the order is in the shop's trash")
    );
    assert!(w.company.documents().is_empty());

    w.woo.restore_order(id).unwrap();
    wait_for(&w, id, "restore recorded", |o| {
        has_event(o, "restored_in_shop") && o.removed_in_shop.is_none()
    })
    .await;
    let outcome = process(&w.app, CHANNEL, &id.to_string(), Trigger::Operator)
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Status(OrderStatus::Done));
    assert_eq!(w.company.documents().len(), 1);
    w.stop().await;
}

/// A signed delivery of `topic` with `body`, as the shop sends it.
async fn deliver(w: &World, topic: &str, body: &str) -> (u16, String) {
    let reply = reqwest::Client::new()
        .post(format!(
            "{}/webhooks/woocommerce/{CHANNEL}",
            w.host().unwrap().base_url()
        ))
        .header("content-type", "application/json")
        .header("x-wc-webhook-topic", topic)
        .header(
            "x-wc-webhook-signature",
            sign(body.as_bytes(), webhook_secret(CHANNEL).as_bytes()),
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (reply.status().as_u16(), reply.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_of_an_order_the_inbox_never_had_writes_nothing_and_an_unreadable_one_is_kept() {
    let w = rig(false).await;
    // An order from before the channel, trashed and deleted: answered, nothing written.
    let (status, reply) = deliver(&w, "order.deleted", r#"{"id":424242}"#).await;
    assert_eq!((status, reply.as_str()), (200, r#"{"result":"ignored"}"#));
    let body = r#"{"action":"woocommerce_delete_order","arg":424242}"#;
    let (status, reply) = deliver(&w, "action.woocommerce_delete_order", body).await;
    assert_eq!((status, reply.as_str()), (200, r#"{"result":"ignored"}"#));
    assert!(stored(&w, 424242).await.is_none());
    // A signed removal that names no order is kept as a failed entry with the reason, not lost.
    let (status, reply) = deliver(&w, "order.deleted", r#"{"id":"x"}"#).await;
    assert_eq!(
        (status, reply.as_str()),
        (200, r#"{"result":"stored_invalid"}"#)
    );
    let page = w
        .app
        .repo
        .list_orders(CHANNEL, Some(OrderStatus::Failed), None, 10)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(
        page.items[0].reason.as_deref(),
        Some("order.deleted delivery does not name an order")
    );
    w.stop().await;
}
