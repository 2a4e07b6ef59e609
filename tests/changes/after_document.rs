//! Changes made in the shop after an order's document, through both
//! sandboxes: on the real shop, an edited order (36.04 → 51.04) and a
//! cancelled one stayed `done` with nothing flagged, and refunds were
//! ignored. Each change now puts the order in `needs_review` with a note
//! naming it, once; nothing is changed in PayTraq.

use channel::intake::{accept_order, Source};
use channel::model::{InboxOrder, OrderStatus};
use channel::processing::{process, Trigger};
use channel::woocommerce::order::parse_order;
use paytraq_sandbox::PaytraqSandboxConfig;
use serde_json::{json, Value};
use testkit::world::{World, WorldConfig};

pub(crate) const CHANNEL: &str = "after-doc";

async fn world() -> World {
    world_with(|_| {}).await
}

/// The world with the channel's settings changed by `configure` after the defaults of [`world`].
pub(crate) async fn world_with(configure: impl FnOnce(&mut channel::model::Settings)) -> World {
    let w = World::start(WorldConfig {
        paytraq: PaytraqSandboxConfig {
            rate_per_second: 10_000.0,
            burst: 10_000,
            ..PaytraqSandboxConfig::default()
        },
        ..WorldConfig::default()
    })
    .await
    .unwrap();
    w.channel(CHANNEL, |s| {
        s.approve = true;
        s.add_payment = true;
        s.fee_item_code = Some("WC-FEE".into());
        configure(s);
    })
    .await
    .unwrap();
    w
}

/// Delivers the shop's current order as a webhook would, then processes it.
pub(crate) async fn deliver_and_process(w: &World, id: u64) -> InboxOrder {
    let body = w.woo.order_body(id).unwrap();
    let parsed = parse_order(body.as_bytes()).unwrap();
    accept_order(&w.app, CHANNEL, &parsed, body, Source::Webhook)
        .await
        .unwrap();
    process(&w.app, CHANNEL, &id.to_string(), Trigger::Queue)
        .await
        .unwrap();
    w.app
        .repo
        .get_order(CHANNEL, &id.to_string())
        .await
        .unwrap()
        .unwrap()
}

/// A paid order of two lines with shipping, made into a document as the
/// channel's settings say (an approved, paid invoice by default).
pub(crate) async fn done_order(w: &World) -> u64 {
    let placed = w
        .woo
        .create_order(&testkit::world::paid_order_with_shipping())
        .unwrap();
    let id = placed["id"].as_u64().unwrap();
    let stored = deliver_and_process(w, id).await;
    assert_eq!(stored.status, OrderStatus::Done, "{:?}", stored.reason);
    id
}

pub(crate) fn notes_with(w: &World, id: u64, text: &str) -> Vec<String> {
    w.woo
        .notes(id)
        .iter()
        .filter_map(|n| n["note"].as_str().map(str::to_string))
        .filter(|n| n.contains(text))
        .collect()
}

fn documents(w: &World) -> usize {
    w.company.documents().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_after_the_invoice_is_flagged_once_and_nothing_changes_in_paytraq() {
    let w = world().await;
    let id = done_order(&w).await;
    let before = documents(&w);
    let refund = w
        .woo
        .create_refund(
            id,
            &json!({"amount": "2.00", "reason": "Bojāts iepakojums", "api_refund": false}),
        )
        .unwrap();
    let refund_id = refund["id"].as_u64().unwrap();
    let stored = deliver_and_process(&w, id).await;
    assert_eq!(stored.status, OrderStatus::NeedsReview);
    let reason = stored.reason.clone().unwrap();
    assert!(
        reason.contains(&format!("refund #{refund_id} of 2.00 EUR"))
            && reason.contains("credit note"),
        "{reason}"
    );
    assert!(stored.timeline.iter().any(|e| e.kind == "refunded_in_shop"));
    assert_eq!(notes_with(&w, id, &format!("refund #{refund_id}")).len(), 1);
    assert_eq!(documents(&w), before, "nothing made in PayTraq");
    // Redelivered, and processed again by an operator: reported once.
    deliver_and_process(&w, id).await;
    process(&w.app, CHANNEL, &id.to_string(), Trigger::Operator)
        .await
        .unwrap();
    assert_eq!(notes_with(&w, id, &format!("refund #{refund_id}")).len(), 1);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_after_the_invoice_is_flagged_for_review_with_a_note() {
    let w = world().await;
    let id = done_order(&w).await;
    w.woo
        .update_order(id, &json!({"status": "cancelled"}))
        .unwrap();
    let stored = deliver_and_process(&w, id).await;
    assert_eq!(stored.status, OrderStatus::NeedsReview);
    assert!(stored
        .reason
        .as_deref()
        .unwrap()
        .contains("cancelled in the shop"));
    assert_eq!(notes_with(&w, id, "cancelled in the shop").len(), 1);
    let doc = w
        .company
        .document(stored.paytraq.document_id.unwrap())
        .unwrap();
    assert_eq!(doc.status, "paid", "the invoice is left as it is");
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_after_the_invoice_names_what_differs() {
    let w = world().await;
    let id = done_order(&w).await;
    let order: Value = w.woo.order(id).unwrap();
    let first = order["line_items"][0]["id"].as_u64().unwrap();
    let old_total = order["total"].as_str().unwrap().to_string();
    // As on the real shop: a line added (and a quantity changed) over REST.
    let edited = w
        .woo
        .update_order(
            id,
            &json!({"line_items": [{"id": first, "quantity": 3, "subtotal": "2.97", "total": "2.97"},
                                   {"product_id": 29, "quantity": 1}]}),
        )
        .unwrap();
    let new_total = edited["total"].as_str().unwrap().to_string();
    assert_ne!(old_total, new_total);
    let stored = deliver_and_process(&w, id).await;
    assert_eq!(stored.status, OrderStatus::NeedsReview);
    let reason = stored.reason.clone().unwrap();
    for part in [
        "quantity 1 → 3".to_string(),
        "added".to_string(),
        format!("total {old_total} → {new_total}"),
    ] {
        assert!(reason.contains(&part), "{part} missing: {reason}");
    }
    assert_eq!(notes_with(&w, id, "edited in the shop").len(), 1);
    // A status-only update (completed) is no edit: the order stays done, no note.
    let other = done_order(&w).await;
    w.woo
        .update_order(other, &json!({"status": "completed"}))
        .unwrap();
    let stored = deliver_and_process(&w, other).await;
    assert_eq!(stored.status, OrderStatus::Done, "{:?}", stored.reason);
    assert!(notes_with(&w, other, "in the shop").is_empty());
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_void_cancelled_a_cancelled_orders_draft_is_voided_in_paytraq() {
    let w = world_with(|s| {
        s.approve = false;
        s.add_payment = false;
        s.void_cancelled = true;
    })
    .await;
    let id = done_order(&w).await;
    w.woo
        .update_order(id, &json!({"status": "cancelled"}))
        .unwrap();
    let stored = deliver_and_process(&w, id).await;
    assert_eq!(stored.status, OrderStatus::Handled, "{:?}", stored.reason);
    let doc = w
        .company
        .document(stored.paytraq.document_id.unwrap())
        .unwrap();
    assert_eq!(doc.status, "voided");
    assert_eq!(notes_with(&w, id, "voided in PayTraq").len(), 1);
    // Redelivered: nothing more.
    deliver_and_process(&w, id).await;
    process(&w.app, CHANNEL, &id.to_string(), Trigger::Operator)
        .await
        .unwrap();
    assert_eq!(notes_with(&w, id, "voided in PayTraq").len(), 1);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_void_cancelled_an_approved_sales_order_is_voided_and_an_approved_invoice_is_not() {
    let w = world_with(|s| {
        s.document_type = channel::model::DocumentType::SalesOrder;
        s.add_payment = false;
        s.void_cancelled = true;
    })
    .await;
    let id = done_order(&w).await;
    let doc_id = w
        .app
        .repo
        .get_order(CHANNEL, &id.to_string())
        .await
        .unwrap()
        .unwrap()
        .paytraq
        .document_id
        .unwrap();
    assert_eq!(w.company.document(doc_id).unwrap().status, "in_process");
    w.woo
        .update_order(id, &json!({"status": "cancelled"}))
        .unwrap();
    let stored = deliver_and_process(&w, id).await;
    assert_eq!(stored.status, OrderStatus::Handled, "{:?}", stored.reason);
    assert_eq!(w.company.document(doc_id).unwrap().status, "voided");
    w.stop().await;

    // An approved invoice needs a credit note: flagged, left as it is.
    let w = world_with(|s| s.void_cancelled = true).await;
    let id = done_order(&w).await;
    w.woo
        .update_order(id, &json!({"status": "cancelled"}))
        .unwrap();
    let stored = deliver_and_process(&w, id).await;
    assert_eq!(stored.status, OrderStatus::NeedsReview);
    assert_eq!(
        w.company
            .document(stored.paytraq.document_id.unwrap())
            .unwrap()
            .status,
        "paid"
    );
    w.stop().await;
}
