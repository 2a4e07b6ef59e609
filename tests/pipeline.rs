//! The processing pipeline's transitions on the in-memory fakes: the real
//! processor, the real store (embedded), and PayTraq and WooCommerce as
//! `FakeAccounting` / `FakeShop` behind the channel's ports — no HTTP. The
//! same flows run end to end over HTTP in `processing.rs`; here each
//! transition, refusal and crash is checked in milliseconds.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use channel::faults::Boundary;
use channel::intake::{accept_order, Source};
use channel::model::{Channel, DocumentType, InboxOrder, OrderStatus};
use channel::paytraq::PaytraqError;
use channel::processing::{process, Outcome, Trigger};
use channel::woocommerce::order::parse_order;
use channel::woocommerce::WooError;
use channel::App;
use rust_decimal::Decimal;
use serde_json::Value;
use testkit::fakes::{
    nth_call, once, Call, FakeAccounting, FakeConnect, FakeShop, Fault, TaxRounding,
};
use testkit::fixtures::{id, read_json};

const CHANNEL: &str = "lv-shop";

/// An app on the embedded store whose channel reaches the fakes; the fake
/// company mirrors the fixture shop: a product per SKU, a tax key per
/// WooCommerce tax rate with the same percentage (and a 0% key for untaxed
/// lines), a money account per payment gateway, a fee product.
struct World {
    app: App,
    pt: Arc<FakeAccounting>,
    shop: Arc<FakeShop>,
}

async fn world(document_type: DocumentType) -> World {
    let catalog = testkit::fixtures_dir().join("catalog");
    let pt = FakeAccounting::new();
    let shop = FakeShop::new();
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
        pt.add_product(&sku, &name);
    }
    let mut tax_map = BTreeMap::new();
    for rate in read_json(catalog.join("taxes.json")).as_array().unwrap() {
        let percent: Decimal = rate["rate"].as_str().unwrap().parse().unwrap();
        let key = pt.add_tax_key(rate["name"].as_str().unwrap_or("tax"), percent);
        tax_map.insert(id(rate["id"].as_u64().unwrap()), id(key));
    }
    tax_map.insert(id(0), id(pt.add_tax_key("Neapliekams 0%", Decimal::ZERO)));
    pt.add_product("WC-FEE", "Maksa (WooCommerce fee)");
    let mut payment_map = BTreeMap::new();
    for gateway in read_json(catalog.join("payment-gateways.json"))
        .as_array()
        .unwrap()
    {
        let gateway = gateway["id"].as_str().unwrap();
        payment_map.insert(
            gateway.parse().unwrap(),
            id(pt.add_money_account(&format!("Merchant {gateway}"), "EUR")),
        );
    }

    let (app, _queue) = testkit::embedded_app();
    let app = app.with_connect(Arc::new(FakeConnect {
        accounting: pt.clone(),
        shop: shop.clone(),
    }));
    let mut ch: Channel =
        testkit::active_channel(&app, CHANNEL, "https://shop.example.lv", "whsec").await;
    ch.tax_map = tax_map;
    ch.payment_map = payment_map;
    ch.settings.document_type = document_type;
    testkit::world::every_option_on(&mut ch.settings);
    app.repo.save_channel(&mut ch).await.unwrap();
    World { app, pt, shop }
}

/// Every case folder's `order.json`, sorted.
fn fixture_orders() -> Vec<(String, Value)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(testkit::fixtures_dir().join("cases"))
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

/// Case 001 (one line, bank transfer, paid at checkout) as a new order
/// with its own buyer.
fn order_001_as(id: u64) -> Value {
    let mut order =
        read_json(testkit::fixtures_dir().join("cases/001-single-line-bacs-paid/order.json"));
    order["id"] = id.into();
    order["number"] = id.to_string().into();
    order["billing"]["email"] = format!("buyer{id}@example.lv").into();
    order
}

fn total_of(order: &Value) -> Decimal {
    order["total"].as_str().unwrap().parse().unwrap()
}

/// Stores the order in the shop and, as its webhook does, in the inbox.
async fn deliver(w: &World, order: &Value) {
    w.shop.store_order(order.clone());
    let raw = serde_json::to_string(order).unwrap();
    let parsed = parse_order(raw.as_bytes()).unwrap();
    accept_order(&w.app, CHANNEL, &parsed, raw, Source::Webhook)
        .await
        .unwrap();
}

async fn stored(w: &World, id: u64) -> InboxOrder {
    w.app
        .repo
        .get_order(CHANNEL, &id.to_string())
        .await
        .unwrap()
        .unwrap()
}

/// Delivers the order, then processes it once (no transient failure expected).
async fn run(w: &World, order: &Value) -> InboxOrder {
    deliver(w, order).await;
    let id = order["id"].as_u64().unwrap();
    let outcome = process(&w.app, CHANNEL, &id.to_string(), Trigger::Queue)
        .await
        .expect("no transient failure");
    assert!(matches!(outcome, Outcome::Status(_)), "{outcome:?}");
    stored(w, id).await
}

/// Processing as the queue does it: again after every transient failure,
/// until the attempts run out.
async fn process_until_settled(w: &World, id: u64) -> OrderStatus {
    let key = id.to_string();
    for attempt in 1..=channel::processing::MAX_ATTEMPTS {
        match process(&w.app, CHANNEL, &key, Trigger::Queue).await {
            Ok(_) => break,
            Err(e) if attempt == channel::processing::MAX_ATTEMPTS => {
                channel::processing::pipeline::give_up(&w.app, CHANNEL, &key, e.to_string())
                    .await
                    .unwrap();
            }
            Err(_) => {}
        }
    }
    stored(w, id).await.status
}

fn reference(id: u64) -> String {
    format!("{CHANNEL}/{id}")
}

/// What one order left in the fakes, to check "one of everything".
struct Effects {
    documents: usize,
    payments: usize,
    emails: usize,
    notes: Vec<String>,
}

fn effects(w: &World, id: u64) -> Effects {
    let docs = w.pt.documents_for(&reference(id));
    let ids: Vec<u64> = docs.iter().map(|d| d.id).collect();
    Effects {
        documents: docs.len(),
        payments: w
            .pt
            .payments()
            .iter()
            .filter(|p| ids.contains(&p.document_id))
            .count(),
        emails: w
            .pt
            .emails()
            .iter()
            .filter(|e| ids.contains(&e.document_id))
            .count(),
        notes: w.shop.notes(id),
    }
}

/// One document, one payment, one e-mail and the four notes (created,
/// approved, paid, e-mailed), each once.
fn assert_one_of_everything(w: &World, id: u64, what: &str) {
    let e = effects(w, id);
    assert_eq!(e.documents, 1, "{what}: documents");
    assert_eq!(e.payments, 1, "{what}: payments");
    assert_eq!(e.emails, 1, "{what}: e-mails");
    let mut unique = e.notes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        e.notes.len(),
        "{what}: duplicate notes {:?}",
        e.notes
    );
    assert_eq!(e.notes.len(), 4, "{what}: {:?}", e.notes);
}

// ---- transitions ------------------------------------------------------------------

#[tokio::test]
async fn a_paid_order_goes_received_created_approved_paid_emailed_done() {
    let w = world(DocumentType::SalesInvoice).await;
    let order = order_001_as(500);
    let done = run(&w, &order).await;
    assert_eq!(done.status, OrderStatus::Done, "{:?}", done.reason);
    let kinds: Vec<&str> = done.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec![
            "received",
            "document_created",
            "approved",
            "paid",
            "emailed",
            "done"
        ]
    );
    // What PayTraq was asked, in order.
    let asked: Vec<&str> = w.pt.calls().iter().map(|c| c.name).collect();
    assert_eq!(
        asked,
        vec![
            "list_products",
            "find_client_by_email",
            "create_client",
            "create_sale",
            "get_sale",
            "approve_sale",
            "add_payment",
            "send_sale_by_email",
        ]
    );
    // What PayTraq holds now.
    let docs = w.pt.documents_for(&reference(500));
    assert_eq!(docs.len(), 1);
    let doc = &docs[0];
    assert_eq!(doc.status, "paid", "approved, then paid in full");
    assert_eq!(doc.total, total_of(&order));
    assert_eq!(doc.amount_due(), Decimal::ZERO);
    assert_eq!(done.paytraq.document_id, Some(doc.id));
    assert_eq!(done.paytraq.document_total, Some(doc.total));
    let client =
        w.pt.clients()
            .into_iter()
            .find(|c| c.client_id == doc.sale.client_id);
    assert_eq!(
        client.and_then(|c| c.email).as_deref(),
        Some("buyer500@example.lv")
    );
    let payments = w.pt.payments();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].amount, total_of(&order));
    let emails = w.pt.emails();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].to, "buyer500@example.lv");
    // And the shop: one private note per step.
    let notes = w.shop.notes(500);
    assert_eq!(notes.len(), 4, "{notes:?}");
    assert!(notes[0].contains("created, total"), "{notes:?}");
    assert!(notes[1].contains("approved"), "{notes:?}");
    assert!(notes[2].contains("payment of"), "{notes:?}");
    assert!(
        notes[3].contains("e-mailed to buyer500@example.lv"),
        "{notes:?}"
    );
}

#[tokio::test]
async fn each_transition_is_stored_before_the_next_step_runs() {
    let w = world(DocumentType::SalesInvoice).await;
    deliver(&w, &order_001_as(510)).await;
    assert_eq!(stored(&w, 510).await.status, OrderStatus::Received);
    // PayTraq turns down each next step for now (429: nothing happened);
    // the order stops in the state reached, then moves on.
    let stops = [
        ("approve_sale", OrderStatus::DocumentCreated),
        ("add_payment", OrderStatus::Approved),
        ("send_sale_by_email", OrderStatus::Paid),
    ];
    for (call, reached) in stops {
        w.pt.set_hook(move |c: &Call| {
            (c.name == call).then_some(Fault::Refuse(PaytraqError::RateLimited {
                retry_after: None,
            }))
        });
        let outcome = process(&w.app, CHANNEL, "510", Trigger::Queue).await;
        assert!(outcome.is_err(), "{call} refused for now: retried later");
        assert_eq!(
            stored(&w, 510).await.status,
            reached,
            "stopped before {call}"
        );
    }
    // The last step's own note is the one stop left: the shop is down.
    w.pt.clear_hook();
    w.shop.set_hook(|c: &Call| {
        (c.name == "create_order_note").then_some(Fault::Refuse(WooError::Timeout))
    });
    assert!(process(&w.app, CHANNEL, "510", Trigger::Queue)
        .await
        .is_err());
    assert_eq!(stored(&w, 510).await.status, OrderStatus::Emailed);
    w.shop.clear_hook();
    process(&w.app, CHANNEL, "510", Trigger::Queue)
        .await
        .unwrap();
    assert_eq!(stored(&w, 510).await.status, OrderStatus::Done);
    assert_one_of_everything(&w, 510, "after each stop");
}

#[tokio::test]
async fn totals_that_differ_leave_a_draft_for_review_without_payment() {
    let w = world(DocumentType::SalesInvoice).await;
    // A company rounding tax per line totals some real orders differently.
    w.pt.set_tax_rounding(TaxRounding::PerLine);
    let mut reviewed = Vec::new();
    for (name, order) in fixture_orders() {
        let s = run(&w, &order).await;
        if s.status == OrderStatus::NeedsReview {
            reviewed.push((name, order, s));
        }
    }
    assert!(
        !reviewed.is_empty(),
        "per-line tax rounding changes some totals"
    );
    for (name, order, s) in &reviewed {
        let id = order["id"].as_u64().unwrap();
        let doc = w.pt.document(s.paytraq.document_id.unwrap()).unwrap();
        assert_eq!(doc.status, "draft", "{name}");
        assert_ne!(doc.total, total_of(order), "{name}");
        assert_eq!(s.paytraq.document_total, Some(doc.total), "{name}");
        assert!(!s.paytraq.approved && !s.paytraq.paid, "{name}");
        let e = effects(&w, id);
        assert_eq!((e.documents, e.payments, e.emails), (1, 0, 0), "{name}");
        let reason = s.reason.clone().unwrap_or_default();
        assert!(!reason.is_empty(), "{name}: the reason is kept");
        assert!(
            e.notes
                .iter()
                .any(|n| n.contains("stays a draft, no payment added") && n.contains(&reason)),
            "{name}: {:?}",
            e.notes
        );
    }
    // Processed again from the queue, nothing changes.
    let (_, order, _) = &reviewed[0];
    let id = order["id"].as_u64().unwrap();
    let calls = w.pt.calls().len();
    process(&w.app, CHANNEL, &id.to_string(), Trigger::Queue)
        .await
        .unwrap();
    assert_eq!(w.pt.calls().len(), calls);
    assert_eq!(stored(&w, id).await.status, OrderStatus::NeedsReview);
}

#[tokio::test]
async fn an_unmapped_tax_rate_and_payment_method_fail_with_the_reason() {
    let w = world(DocumentType::SalesInvoice).await;
    let mut ch = w.app.repo.get_channel(CHANNEL).await.unwrap().unwrap();
    ch.payment_map.remove("bacs");
    ch.tax_map.remove(&4);
    w.app.repo.save_channel(&mut ch).await.unwrap();
    let failed = run(&w, &order_001_as(520)).await;
    assert_eq!(failed.status, OrderStatus::Failed);
    let reason = failed.reason.clone().unwrap();
    assert!(reason.contains("payment method \"bacs\""), "{reason}");
    assert!(reason.contains("tax rate 4"), "{reason}");
    assert!(w.pt.documents().is_empty(), "nothing created in PayTraq");
    assert!(w.pt.calls_named("create_sale").is_empty());
    let notes = w.shop.notes(520);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("bacs") && notes[0].contains("tax rate 4"),
        "{notes:?}"
    );
    // The queue leaves a failed order alone.
    process(&w.app, CHANNEL, "520", Trigger::Queue)
        .await
        .unwrap();
    assert_eq!(stored(&w, 520).await.status, OrderStatus::Failed);
    // The operator maps both and processes again: the order goes through.
    let mut ch = w.app.repo.get_channel(CHANNEL).await.unwrap().unwrap();
    ch.payment_map.insert(
        "bacs".parse().unwrap(),
        id(w.pt.add_money_account("Bank", "EUR")),
    );
    ch.tax_map
        .insert(id(4), id(w.pt.add_tax_key("PVN 21%", Decimal::from(21))));
    w.app.repo.save_channel(&mut ch).await.unwrap();
    process(&w.app, CHANNEL, "520", Trigger::Operator)
        .await
        .unwrap();
    let done = stored(&w, 520).await;
    assert_eq!(done.status, OrderStatus::Done, "{:?}", done.reason);
    assert_eq!(done.reason, None);
    assert_eq!(w.pt.documents().len(), 1);
}

#[tokio::test]
async fn a_payment_on_a_sales_order_is_a_prepayment() {
    let w = world(DocumentType::SalesOrder).await;
    let order = order_001_as(530);
    let done = run(&w, &order).await;
    assert_eq!(done.status, OrderStatus::Done, "{:?}", done.reason);
    let docs = w.pt.documents_for(&reference(530));
    assert_eq!(docs.len(), 1);
    assert!(docs[0].number.starts_with("SO-"), "{}", docs[0].number);
    assert!(w.pt.payments().is_empty(), "no invoice payment");
    let prepayments = w.pt.prepayments();
    assert_eq!(prepayments.len(), 1);
    assert_eq!(prepayments[0].document_id, docs[0].id);
    assert_eq!(prepayments[0].client_id, docs[0].sale.client_id);
    assert_eq!(prepayments[0].amount, total_of(&order));
    assert_eq!(
        docs[0].amount_due(),
        docs[0].total,
        "a sales order's prepayment is the client's"
    );
    assert!(w.pt.calls_named("add_payment").is_empty());
    assert_eq!(w.pt.calls_named("add_prepayment").len(), 1);
    assert!(w.shop.notes(530).iter().any(|n| n.contains("prepayment")));
    assert_eq!(
        docs[0].status, "in_process",
        "an approved sales order, in PayTraq's words"
    );
}

#[tokio::test]
async fn a_sales_order_approved_by_a_call_whose_answer_was_lost_is_found_approved() {
    // PayTraq shows an approved sales order as `in_process`, never `approved`: the
    // approve step's check after a refusal ("already approved") must read it so.
    let w = world(DocumentType::SalesOrder).await;
    let order = order_001_as(535);
    deliver(&w, &order).await;
    w.pt.set_hook(once(
        |c| c.name == "approve_sale",
        || Fault::LoseAnswer(PaytraqError::Timeout),
    ));
    assert_eq!(process_until_settled(&w, 535).await, OrderStatus::Done);
    let approvals = w.pt.calls_named("approve_sale");
    assert_eq!(approvals.len(), 2, "the lost call, then the refused repeat");
    let docs = w.pt.documents_for(&reference(535));
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].status, "in_process");
    assert_eq!(w.pt.prepayments().len(), 1, "one prepayment");
    let e = effects(&w, 535);
    assert_eq!(e.emails, 1);
    assert_eq!(e.notes.len(), 4, "{:?}", e.notes);
}

#[tokio::test]
async fn redelivery_makes_one_document() {
    let w = world(DocumentType::SalesInvoice).await;
    let order = order_001_as(540);
    assert_eq!(run(&w, &order).await.status, OrderStatus::Done);
    let calls = (w.pt.calls().len(), w.shop.calls().len());
    // The webhook again (same payload), and the queue's redeliveries.
    deliver(&w, &order).await;
    for _ in 0..3 {
        process(&w.app, CHANNEL, "540", Trigger::Queue)
            .await
            .unwrap();
    }
    assert_eq!(
        (w.pt.calls().len(), w.shop.calls().len()),
        calls,
        "a finished order calls neither side"
    );
    assert_one_of_everything(&w, 540, "redelivered");
    // A second delivery of a new order while the first run is still unsure
    // whether its document was created: found by reference, not made twice.
    let order = order_001_as(541);
    deliver(&w, &order).await;
    w.pt.set_hook(once(
        |c| c.name == "create_sale",
        || Fault::LoseAnswer(PaytraqError::Timeout),
    ));
    assert!(process(&w.app, CHANNEL, "541", Trigger::Queue)
        .await
        .is_err());
    deliver(&w, &order).await;
    assert_eq!(process_until_settled(&w, 541).await, OrderStatus::Done);
    assert_eq!(w.pt.calls_named("create_sale").len(), 2, "541 and 540");
    assert_one_of_everything(&w, 541, "redelivered after a lost answer");
}

// ---- exactly once under crashes and lost answers ------------------------------------

#[tokio::test]
async fn crash_at_every_step_boundary_still_yields_one_of_everything() {
    let w = world(DocumentType::SalesInvoice).await;
    // A clean run lists the boundaries of a full order (new client, all options on).
    w.app.crash.record(true);
    let clean = run(&w, &order_001_as(600)).await;
    w.app.crash.record(false);
    assert_eq!(clean.status, OrderStatus::Done);
    let boundaries: Vec<Boundary> = w.app.crash.recorded();
    assert!(boundaries.len() >= 9, "{boundaries:?}");
    for (i, point) in boundaries.iter().enumerate() {
        let id = 700 + i as u64;
        deliver(&w, &order_001_as(id)).await;
        w.app.crash.arm(point.clone());
        let first = process(&w.app, CHANNEL, &id.to_string(), Trigger::Queue).await;
        assert!(first.is_err(), "crash at {point} did not happen");
        assert_eq!(
            process_until_settled(&w, id).await,
            OrderStatus::Done,
            "after crash at {point}"
        );
        assert_one_of_everything(&w, id, &format!("crash at {point}"));
    }
    println!("{} boundaries crashed at: {boundaries:?}", boundaries.len());
}

#[tokio::test]
async fn a_lost_or_refused_answer_at_every_call_still_yields_one_of_everything() {
    let w = world(DocumentType::SalesInvoice).await;
    // A first order fills the item cache; the second lists a full run's calls.
    assert_eq!(run(&w, &order_001_as(800)).await.status, OrderStatus::Done);
    let (pt_before, shop_before) = (w.pt.calls().len(), w.shop.calls().len());
    assert_eq!(run(&w, &order_001_as(801)).await.status, OrderStatus::Done);
    let pt_calls: Vec<&'static str> = w.pt.calls()[pt_before..].iter().map(|c| c.name).collect();
    let shop_calls: Vec<&'static str> = w.shop.calls()[shop_before..]
        .iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(pt_calls.len(), 7, "{pt_calls:?}");
    assert_eq!(shop_calls.len(), 4, "{shop_calls:?}");
    // Lost: the effect happened, the answer did not come (a timeout).
    // Refused: nothing happened, and the answer says so (a 429).
    let mut id = 900;
    let mut cases = 0;
    for lose in [true, false] {
        for (n, name) in pt_calls.iter().enumerate() {
            id += 1;
            deliver(&w, &order_001_as(id)).await;
            w.pt.set_hook(nth_call(n, move || {
                if lose {
                    Fault::LoseAnswer(PaytraqError::Timeout)
                } else {
                    Fault::Refuse(PaytraqError::RateLimited { retry_after: None })
                }
            }));
            let status = process_until_settled(&w, id).await;
            w.pt.clear_hook();
            let what = format!("PayTraq {name} (lost: {lose})");
            assert_eq!(status, OrderStatus::Done, "{what}");
            assert_one_of_everything(&w, id, &what);
            cases += 1;
        }
        for (n, name) in shop_calls.iter().enumerate() {
            id += 1;
            deliver(&w, &order_001_as(id)).await;
            w.shop.set_hook(nth_call(n, move || {
                if lose {
                    Fault::LoseAnswer(WooError::Timeout)
                } else {
                    Fault::Refuse(WooError::RateLimited { retry_after: None })
                }
            }));
            let status = process_until_settled(&w, id).await;
            w.shop.clear_hook();
            let what = format!("WooCommerce {name} (lost: {lose})");
            assert_eq!(status, OrderStatus::Done, "{what}");
            assert_one_of_everything(&w, id, &what);
            cases += 1;
        }
    }
    // One client per buyer, whatever was lost.
    let mut per_email: BTreeMap<String, usize> = BTreeMap::new();
    for c in w.pt.clients() {
        *per_email.entry(c.email.unwrap_or_default()).or_default() += 1;
    }
    assert!(per_email.values().all(|n| *n == 1), "{per_email:?}");
    println!("{cases} faulted runs, each settled with one of everything");
}

// ---- read-backs after an answer that never came -------------------------------------

/// The kinds and texts of an order's timeline.
async fn timeline(w: &World, id: u64) -> Vec<(String, String)> {
    stored(w, id)
        .await
        .timeline
        .into_iter()
        .map(|e| (e.kind, e.message))
        .collect()
}

#[tokio::test]
async fn a_payment_whose_answer_was_lost_is_read_back_from_the_documents_payments() {
    let w = world(DocumentType::SalesInvoice).await;
    // Paid, answer lost: PayTraq's `Payments` shows it; not paid again.
    w.pt.set_hook(once(
        |c| c.name == "add_payment",
        || Fault::LoseAnswer(PaytraqError::Timeout),
    ));
    deliver(&w, &order_001_as(1001)).await;
    assert_eq!(process_until_settled(&w, 1001).await, OrderStatus::Done);
    w.pt.clear_hook();
    assert_one_of_everything(&w, 1001, "payment answer lost");
    let events = timeline(&w, 1001).await;
    let confirmed = events
        .iter()
        .find(|(kind, _)| kind == "payment_confirmed")
        .unwrap_or_else(|| panic!("{events:?}"));
    assert!(
        confirmed.1.contains("PayTraq shows it on the document"),
        "{confirmed:?}"
    );
    assert!(
        stored(&w, 1001).await.paytraq.payment_id.is_some(),
        "payment document linked"
    );

    // Not paid, outcome unknown all the same: the read-back shows no payment, so it is paid once.
    w.pt.set_hook(once(
        |c| c.name == "add_payment",
        || Fault::Refuse(PaytraqError::Timeout),
    ));
    deliver(&w, &order_001_as(1002)).await;
    assert_eq!(process_until_settled(&w, 1002).await, OrderStatus::Done);
    w.pt.clear_hook();
    assert_one_of_everything(&w, 1002, "payment timed out without effect");
    assert!(!timeline(&w, 1002)
        .await
        .iter()
        .any(|(k, _)| k == "payment_confirmed"));
}

#[tokio::test]
async fn an_email_whose_answer_was_lost_is_read_back_from_the_message_log() {
    let w = world(DocumentType::SalesInvoice).await;
    // Sent, answer lost: the message log shows it.
    w.pt.set_hook(once(
        |c| c.name == "send_sale_by_email",
        || Fault::LoseAnswer(PaytraqError::Timeout),
    ));
    deliver(&w, &order_001_as(1101)).await;
    assert_eq!(process_until_settled(&w, 1101).await, OrderStatus::Done);
    w.pt.clear_hook();
    assert_one_of_everything(&w, 1101, "e-mail answer lost");
    let events = timeline(&w, 1101).await;
    assert!(
        events
            .iter()
            .any(|(k, t)| k == "emailed" && t.contains("message log shows the e-mail")),
        "{events:?}"
    );

    // Not sent, outcome unknown: the log shows none; reported, not sent twice.
    w.pt.set_hook(once(
        |c| c.name == "send_sale_by_email",
        || Fault::Refuse(PaytraqError::Timeout),
    ));
    deliver(&w, &order_001_as(1102)).await;
    assert_eq!(process_until_settled(&w, 1102).await, OrderStatus::Done);
    w.pt.clear_hook();
    let e = effects(&w, 1102);
    assert_eq!((e.documents, e.payments, e.emails), (1, 1, 0));
    let events = timeline(&w, 1102).await;
    let unconfirmed = events
        .iter()
        .find(|(k, _)| k == "email_not_confirmed")
        .unwrap_or_else(|| panic!("{events:?}"));
    assert!(unconfirmed.1.contains("not confirmed"), "{unconfirmed:?}");
    assert!(
        e.notes.iter().any(|n| n.contains("not confirmed")),
        "the shop's note says so: {:?}",
        e.notes
    );
}
