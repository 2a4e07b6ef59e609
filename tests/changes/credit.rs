//! Refunds and cancellations of an order whose sales invoice is approved become PayTraq credit
//! notes (issue 14), through both sandboxes: refunded lines on the invoice's items and tax keys,
//! an amount-only refund on the refund product, shipping on the shipping charge; approved, paid
//! back and e-mailed as the channel says; each exactly once across redeliveries and crashes; a
//! total that does not credit the refund to the cent stays a draft and needs review.

use channel::faults::Boundary;
use channel::model::{InboxOrder, OrderStatus};
use channel::processing::{process, Outcome, Trigger};
use paytraq_sandbox::state::SaleRec;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use testkit::world::World;

use super::after_document::{deliver_and_process, done_order, notes_with, world_with, CHANNEL};

/// The refund product of the tests' PayTraq company.
const REFUND_CODE: &str = "WC-REFUND";

/// Every option on: approve, pay (back), e-mail; a product for amount-only refunds.
async fn world() -> World {
    let w = world_with(|s| {
        s.send_email = true;
        s.refund_item_code = Some(REFUND_CODE.into());
    })
    .await;
    w.company.add_product(REFUND_CODE, "Atmaksa");
    w
}

/// The credit notes PayTraq holds for order `id` (by their reference).
fn credit_notes_of(w: &World, id: u64) -> Vec<SaleRec> {
    let marker = format!("[ref:{CHANNEL}/{id}/");
    w.company
        .documents()
        .into_iter()
        .filter(|d| d.kind.as_str() == "credit_note")
        .filter(|d| d.comment.as_deref().is_some_and(|c| c.contains(&marker)))
        .collect()
}

fn invoice_of(w: &World, stored: &InboxOrder) -> SaleRec {
    w.company
        .document(stored.paytraq.document_id.unwrap())
        .unwrap()
}

fn payments_on(w: &World, document: u64) -> Vec<Decimal> {
    w.company
        .payments()
        .into_iter()
        .filter(|p| p.document_id == document)
        .map(|p| p.amount)
        .collect()
}

fn emails_of(w: &World, document: u64) -> usize {
    w.company
        .emails()
        .iter()
        .filter(|e| e.document_id == document)
        .count()
}

fn money(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

/// One item of a REST refund that takes a whole line (or shipping line) back.
fn whole(line: &Value, with_quantity: bool) -> Value {
    let mut item = json!({
        "id": line["id"],
        "refund_total": line["total"],
        "refund_tax": [{"id": line["taxes"][0]["id"], "refund_total": line["total_tax"]}]
    });
    if with_quantity {
        item["quantity"] = line["quantity"].clone();
    }
    item
}

/// Refunds the order's product lines at `positions` whole (and its shipping with `shipping`),
/// over REST as a shop manager would; the refund as the shop renders it.
fn refund_lines(w: &World, id: u64, positions: &[usize], shipping: bool) -> Value {
    let order = w.woo.order(id).unwrap();
    let mut items: Vec<Value> = positions
        .iter()
        .map(|p| whole(&order["line_items"][*p], true))
        .collect();
    if shipping {
        items.push(whole(&order["shipping_lines"][0], false));
    }
    w.woo
        .create_refund(
            id,
            &json!({"reason": "Atgriezta prece", "api_refund": false, "line_items": items}),
        )
        .unwrap()
}

fn refund_amount(w: &World, id: u64, amount: &str) -> Value {
    w.woo
        .create_refund(id, &json!({"amount": amount, "api_refund": false}))
        .unwrap()
}

/// Processes order `id` as the queue would until it settles (an error is a retry).
async fn settle(w: &World, id: u64) -> InboxOrder {
    for _ in 0..10 {
        if let Ok(Outcome::Status(status)) =
            process(&w.app, CHANNEL, &id.to_string(), Trigger::Queue).await
        {
            if status == OrderStatus::Done || status == OrderStatus::NeedsReview {
                break;
            }
        }
    }
    w.app
        .repo
        .get_order(CHANNEL, &id.to_string())
        .await
        .unwrap()
        .unwrap()
}

/// The credit note's notes in the shop: created, approved, paid, e-mailed, each once.
fn assert_credit_note_notes(w: &World, id: u64, refund: u64, context: &str) {
    let notes = notes_with(w, id, &format!("for refund #{refund}"));
    let mut unique = notes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        notes.len(),
        unique.len(),
        "{context}: duplicate notes {notes:?}"
    );
    assert_eq!(
        notes.len(),
        4,
        "{context}: created, approved, paid, e-mailed: {notes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_refund_with_lines_becomes_one_credit_note_on_the_invoices_item_and_tax_key() {
    let w = world().await;
    let id = done_order(&w).await;
    let refund = refund_lines(&w, id, &[0], false);
    let (refund_id, amount) = (refund["id"].as_u64().unwrap(), money(&refund["amount"]));
    let stored = deliver_and_process(&w, id).await;
    assert_eq!(stored.status, OrderStatus::Done, "{:?}", stored.reason);

    let notes = credit_notes_of(&w, id);
    println!("partial refund with lines: {} credit note(s)", notes.len());
    assert_eq!(notes.len(), 1);
    let (note, invoice) = (&notes[0], invoice_of(&w, &stored));
    assert_eq!(
        note.header_total(),
        -amount,
        "credits the refund to the cent"
    );
    assert_eq!(note.client_id, invoice.client_id, "the invoice's client");
    assert_eq!(note.lines.len(), 1);
    let (line, invoiced) = (&note.lines[0], &invoice.lines[0]);
    assert_eq!(
        (line.item_id, line.tax_key_id, line.qty),
        (invoiced.item_id, invoiced.tax_key_id, invoiced.qty),
        "the refunded line on the invoice's item and tax key, quantity positive"
    );
    assert!(note.shipping.is_none_or(|(amount, _)| amount.is_zero()));
    let comment = note.comment.clone().unwrap();
    assert!(
        comment.contains(&invoice.number) && comment.contains(&format!("refund #{refund_id}")),
        "{comment}"
    );
    assert_eq!(note.status, "paid", "approved and paid back");
    assert_eq!(payments_on(&w, note.id), vec![-amount]);
    assert_eq!(emails_of(&w, note.id), 1);
    assert_eq!(invoice.status, "paid", "the invoice is left as it is");
    assert_credit_note_notes(&w, id, refund_id, "partial refund");
    let stored_note = &stored.paytraq.credit_notes[0];
    assert_eq!(stored_note.document_id, Some(note.id));
    assert!(stored_note.approved && stored_note.paid && stored_note.emailed);
    for kind in [
        "refunded_in_shop",
        "credit_note_created",
        "credit_note_approved",
        "credit_note_paid",
        "credit_note_emailed",
    ] {
        assert!(
            stored.timeline.iter().any(|e| e.kind == kind),
            "{kind} missing from the timeline"
        );
    }
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_amount_only_refund_becomes_refund_product_lines_that_add_up_to_the_amount() {
    let w = world().await;
    let id = done_order(&w).await;
    let refund = refund_amount(&w, id, "5.00");
    let stored = deliver_and_process(&w, id).await;
    assert_eq!(stored.status, OrderStatus::Done, "{:?}", stored.reason);
    let notes = credit_notes_of(&w, id);
    println!("amount-only refund: {} credit note(s)", notes.len());
    assert_eq!(notes.len(), 1);
    let note = &notes[0];
    assert_eq!(note.header_total(), dec!(-5.00));
    let refund_item = w
        .company
        .documents()
        .into_iter()
        .flat_map(|d| d.lines)
        .find(|l| l.item_code.as_deref() == Some(REFUND_CODE))
        .and_then(|l| l.item_id);
    assert!(!note.lines.is_empty());
    for line in &note.lines {
        assert_eq!(line.item_code.as_deref(), Some(REFUND_CODE), "{line:?}");
        assert_eq!(line.item_id, refund_item);
    }
    let invoice = invoice_of(&w, &stored);
    let invoice_keys: Vec<u64> = invoice.taxes.iter().map(|t| t.tax_key_id).collect();
    for tax in &note.taxes {
        assert!(
            invoice_keys.contains(&tax.tax_key_id),
            "split over the order's tax keys: {:?} vs {invoice_keys:?}",
            note.taxes
        );
    }
    assert_eq!(payments_on(&w, note.id), vec![dec!(-5.00)]);
    assert_credit_note_notes(&w, id, refund["id"].as_u64().unwrap(), "amount-only");
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_refund_credits_every_line_and_the_shipping_charge() {
    let w = world().await;
    let id = done_order(&w).await;
    let refund = refund_lines(&w, id, &[0, 1], true);
    assert_eq!(w.woo.order(id).unwrap()["status"], "refunded");
    let stored = deliver_and_process(&w, id).await;
    assert_eq!(stored.status, OrderStatus::Done, "{:?}", stored.reason);
    let notes = credit_notes_of(&w, id);
    println!("full refund: {} credit note(s)", notes.len());
    assert_eq!(notes.len(), 1);
    let (note, invoice) = (&notes[0], invoice_of(&w, &stored));
    assert_eq!(money(&refund["amount"]), invoice.header_total());
    assert_eq!(note.header_total(), -invoice.header_total());
    let items = |d: &SaleRec| {
        d.lines
            .iter()
            .map(|l| (l.item_id, l.tax_key_id, l.qty))
            .collect::<Vec<_>>()
    };
    assert_eq!(items(note), items(&invoice));
    assert_eq!(
        note.shipping.map(|(_, key)| key),
        invoice.shipping.map(|(_, key)| key),
        "shipping on the shipping charge, same tax key"
    );
    assert_eq!(note.tax, invoice.tax, "the whole VAT credited");
    assert_credit_note_notes(&w, id, refund["id"].as_u64().unwrap(), "full refund");
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_refunds_of_one_order_make_two_credit_notes_each_once() {
    let w = world().await;
    let id = done_order(&w).await;
    let first = refund_lines(&w, id, &[0], false);
    deliver_and_process(&w, id).await;
    let second = refund_amount(&w, id, "2.00");
    let stored = deliver_and_process(&w, id).await;
    assert_eq!(stored.status, OrderStatus::Done, "{:?}", stored.reason);
    // Redelivered twice more and processed by an operator: nothing new.
    deliver_and_process(&w, id).await;
    deliver_and_process(&w, id).await;
    process(&w.app, CHANNEL, &id.to_string(), Trigger::Operator)
        .await
        .unwrap();
    let mut totals: Vec<Decimal> = credit_notes_of(&w, id)
        .iter()
        .map(SaleRec::header_total)
        .collect();
    println!("two refunds: {} credit note(s)", totals.len());
    totals.sort();
    let mut want = vec![-money(&first["amount"]), dec!(-2.00)];
    want.sort();
    assert_eq!(totals, want);
    for refund in [&first, &second] {
        assert_credit_note_notes(&w, id, refund["id"].as_u64().unwrap(), "two refunds");
    }
    w.stop().await;
}

/// The boundary `point` of a run for refund `was`, for the same run of refund `now` (note keys
/// name the refund).
fn for_refund(point: &Boundary, was: u64, now: u64) -> Boundary {
    match point {
        Boundary::AfterNote(key) => {
            Boundary::AfterNote(key.replace(&format!("refund:{was}:"), &format!("refund:{now}:")))
        }
        other => other.clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_crashed_at_every_step_and_redelivered_still_makes_one_credit_note() {
    let w = world().await;
    // A clean run lists the boundaries of a credit note with every option on.
    let id = done_order(&w).await;
    let clean = refund_lines(&w, id, &[1], false)["id"].as_u64().unwrap();
    w.app.crash.record(true);
    let stored = deliver_and_process(&w, id).await;
    w.app.crash.record(false);
    assert_eq!(stored.status, OrderStatus::Done, "{:?}", stored.reason);
    let boundaries = w.app.crash.recorded();
    assert!(boundaries.len() >= 9, "{boundaries:?}");
    for point in &boundaries {
        let id = done_order(&w).await;
        let refund = refund_lines(&w, id, &[1], false);
        let refund_id = refund["id"].as_u64().unwrap();
        let point = for_refund(point, clean, refund_id);
        w.app.crash.arm(point.clone());
        let body = w.woo.order_body(id).unwrap();
        let parsed = channel::woocommerce::order::parse_order(body.as_bytes()).unwrap();
        channel::intake::accept_order(
            &w.app,
            CHANNEL,
            &parsed,
            body,
            channel::intake::Source::Webhook,
        )
        .await
        .unwrap();
        let first = process(&w.app, CHANNEL, &id.to_string(), Trigger::Queue).await;
        assert!(first.is_err(), "crash at {point} did not happen");
        let stored = settle(&w, id).await;
        assert_eq!(stored.status, OrderStatus::Done, "after crash at {point}");
        // And the shop's delivery comes again.
        deliver_and_process(&w, id).await;
        let notes = credit_notes_of(&w, id);
        assert_eq!(
            notes.len(),
            1,
            "crash at {point}: {} credit notes",
            notes.len()
        );
        let amount = money(&refund["amount"]);
        assert_eq!(notes[0].header_total(), -amount, "crash at {point}");
        assert_eq!(
            payments_on(&w, notes[0].id),
            vec![-amount],
            "crash at {point}: one payment back"
        );
        assert_eq!(
            emails_of(&w, notes[0].id),
            1,
            "crash at {point}: one e-mail"
        );
        assert_credit_note_notes(&w, id, refund_id, &format!("crash at {point}"));
    }
    println!(
        "{} boundaries crashed at, one credit note each: {boundaries:?}",
        boundaries.len()
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credit_note_that_does_not_credit_the_refund_to_the_cent_stays_a_draft_for_review() {
    let w = world().await;
    let id = done_order(&w).await;
    // WooCommerce takes the amount as given: one cent less than the refunded line.
    let order = w.woo.order(id).unwrap();
    let line = &order["line_items"][0];
    let gross = money(&line["total"]) + money(&line["total_tax"]);
    let amount = gross - dec!(0.01);
    let refund = w
        .woo
        .create_refund(
            id,
            &json!({"amount": amount.to_string(), "api_refund": false,
                    "line_items": [whole(line, true)]}),
        )
        .unwrap();
    let refund_id = refund["id"].as_u64().unwrap();
    let stored = deliver_and_process(&w, id).await;
    assert_eq!(stored.status, OrderStatus::NeedsReview);
    let reason = stored.reason.clone().unwrap();
    assert!(
        reason.contains(&format!("refund #{refund_id} of {amount} EUR"))
            && reason.contains("off by 0.01")
            && reason.contains("stays a draft"),
        "{reason}"
    );
    let notes = credit_notes_of(&w, id);
    println!("credit note off by a cent: {} credit note(s)", notes.len());
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].header_total(), -gross);
    assert_eq!(notes[0].status, "draft", "not approved");
    assert!(payments_on(&w, notes[0].id).is_empty(), "no payment");
    assert_eq!(emails_of(&w, notes[0].id), 0);
    // Redelivered and reprocessed by an operator: still one credit note, one note.
    deliver_and_process(&w, id).await;
    process(&w.app, CHANNEL, &id.to_string(), Trigger::Operator)
        .await
        .unwrap();
    assert_eq!(credit_notes_of(&w, id).len(), 1);
    assert_eq!(notes_with(&w, id, "does not credit").len(), 1);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_of_a_draft_invoice_needs_review_and_makes_no_credit_note() {
    let w = world_with(|s| {
        s.approve = false;
        s.add_payment = false;
        s.refund_item_code = Some(REFUND_CODE.into());
    })
    .await;
    let id = done_order(&w).await;
    let refund = refund_lines(&w, id, &[0], false);
    let stored = deliver_and_process(&w, id).await;
    assert_eq!(stored.status, OrderStatus::NeedsReview);
    let reason = stored.reason.unwrap();
    assert!(
        reason.contains(&format!("refund #{}", refund["id"])) && reason.contains("is unchanged"),
        "{reason}"
    );
    assert!(credit_notes_of(&w, id).is_empty());
    assert!(stored.paytraq.credit_notes.is_empty());
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_approved_invoice_gets_a_full_credit_note_only_under_credit_cancelled() {
    // (credit_cancelled, void_cancelled) → credit notes made
    for (credit, void) in [(false, false), (false, true), (true, false), (true, true)] {
        let w = world_with(|s| {
            s.send_email = true;
            s.credit_cancelled = credit;
            s.void_cancelled = void;
        })
        .await;
        let id = done_order(&w).await;
        w.woo
            .update_order(id, &json!({"status": "cancelled"}))
            .unwrap();
        let stored = deliver_and_process(&w, id).await;
        deliver_and_process(&w, id).await;
        let notes = credit_notes_of(&w, id);
        let invoice = invoice_of(&w, &stored);
        println!(
            "cancellation, credit_cancelled {credit}, void_cancelled {void}: {} credit note(s)",
            notes.len()
        );
        assert_eq!(
            invoice.status, "paid",
            "an approved invoice is never voided"
        );
        if credit {
            assert_eq!(stored.status, OrderStatus::Done, "{:?}", stored.reason);
            assert_eq!(notes.len(), 1);
            assert_eq!(notes[0].header_total(), -invoice.header_total());
            assert_eq!(notes[0].status, "paid");
            assert_eq!(payments_on(&w, notes[0].id), vec![-invoice.header_total()]);
            assert_eq!(
                notes_with(&w, id, "for the cancelled order created").len(),
                1
            );
        } else {
            assert_eq!(stored.status, OrderStatus::NeedsReview);
            assert!(notes.is_empty());
            assert_eq!(notes_with(&w, id, "cancelled in the shop").len(), 1);
        }
        w.stop().await;
    }
}
