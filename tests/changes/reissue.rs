//! The "reissue" of an order edited after its approved invoice (issue 14), through both
//! sandboxes: a credit note for the old invoice as PayTraq shows it (to the cent), then a new
//! invoice for the order as it is now under its own reference, approved, paid and e-mailed as the
//! channel says, both linked on the timeline and in a shop note; refused for a draft, for an order
//! not in review for an edit, for an unknown order, and a second time; exactly once across
//! redeliveries and a crash at every point. PayTraq's documents are counted in every test.

use channel::faults::Boundary;
use channel::model::{DocumentType, InboxOrder, OrderStatus};
use channel::processing::{process, reissue_order, Outcome, ReissueError, Trigger};
use paytraq_sandbox::state::{SaleRec, TaxRounding};
use paytraq_sandbox::PaytraqSandboxConfig;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use testkit::world::{World, WorldConfig};
use woocommerce_sandbox::WooSandboxConfig;

use super::after_document::{deliver_and_process, done_order, notes_with, world_with, CHANNEL};

/// Every option on: approve, pay, e-mail.
async fn world() -> World {
    world_with(|s| s.send_email = true).await
}

fn money(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

/// Edits the order in the shop as on the real shop (a quantity changed, a line added) and
/// delivers it: the order needs review. Returns the edited total.
async fn edit(w: &World, id: u64) -> Decimal {
    let order = w.woo.order(id).unwrap();
    let first = order["line_items"][0]["id"].as_u64().unwrap();
    let edited = w
        .woo
        .update_order(
            id,
            &json!({"line_items": [{"id": first, "quantity": 3, "subtotal": "2.97", "total": "2.97"},
                                   {"product_id": 29, "quantity": 1}]}),
        )
        .unwrap();
    let stored = deliver_and_process(w, id).await;
    assert_eq!(stored.status, OrderStatus::NeedsReview);
    assert!(stored.paytraq.edited_after_document);
    // The way out is named only where a reissue is possible (an approved invoice, not an order).
    let reason = stored.reason.clone().unwrap();
    assert_eq!(
        reason.contains("reissue the order"),
        stored.paytraq.approved && reason.contains("after sales invoice"),
        "{reason}"
    );
    money(&edited["total"])
}

/// PayTraq's documents of `kind` for order `id` (by our reference, any suffix).
fn documents_of(w: &World, id: u64, kind: &str) -> Vec<SaleRec> {
    let (exact, suffixed) = (
        format!("[ref:{CHANNEL}/{id}]"),
        format!("[ref:{CHANNEL}/{id}/"),
    );
    w.company
        .documents()
        .into_iter()
        .filter(|d| d.kind.as_str() == kind)
        .filter(|d| {
            d.comment
                .as_deref()
                .is_some_and(|c| c.contains(&exact) || c.contains(&suffixed))
        })
        .collect()
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
    (w.company.emails().iter())
        .filter(|e| e.document_id == document)
        .count()
}

async fn stored(w: &World, id: u64) -> InboxOrder {
    w.app
        .repo
        .get_order(CHANNEL, &id.to_string())
        .await
        .unwrap()
        .unwrap()
}

/// Processes order `id` as the queue would until it settles (an error is a retry).
async fn settle(w: &World, id: u64) -> InboxOrder {
    for _ in 0..20 {
        if let Ok(Outcome::Status(OrderStatus::Done | OrderStatus::NeedsReview)) =
            process(&w.app, CHANNEL, &id.to_string(), Trigger::Queue).await
        {
            break;
        }
    }
    stored(w, id).await
}

/// Everything a finished reissue of order `id` leaves, each exactly once: the old invoice as it
/// was, one credit note crediting it to the cent (approved, the old payment returned, e-mailed),
/// one new invoice of the edited total (approved, paid, e-mailed), the order done and linked.
fn assert_reissued(w: &World, id: u64, old: &SaleRec, edited_total: Decimal, context: &str) {
    let credit_notes = documents_of(w, id, "credit_note");
    let invoices = documents_of(w, id, "sales_invoice");
    assert_eq!(credit_notes.len(), 1, "{context}: credit notes");
    assert_eq!(invoices.len(), 2, "{context}: the old and the new invoice");
    let note = &credit_notes[0];
    let new = invoices.iter().find(|d| d.id != old.id).unwrap();
    let was = invoices.iter().find(|d| d.id == old.id).unwrap();
    assert_eq!(
        note.header_total(),
        -old.header_total(),
        "{context}: the credit note credits the old invoice to the cent"
    );
    assert_eq!(
        (note.lines.len(), note.client_id, note.shipping),
        (old.lines.len(), old.client_id, old.shipping),
        "{context}: the old invoice's lines, client and shipping"
    );
    assert_eq!(note.status, "paid", "{context}: approved, money returned");
    assert_eq!(
        payments_on(w, note.id),
        vec![-old.header_total()],
        "{context}"
    );
    assert_eq!(emails_of(w, note.id), 1, "{context}: credit note e-mailed");
    assert_eq!(
        new.header_total(),
        edited_total,
        "{context}: the new invoice totals the edited order"
    );
    assert!(
        new.comment
            .as_deref()
            .unwrap()
            .contains(&format!("[ref:{CHANNEL}/{id}/r1]")),
        "{context}: {:?}",
        new.comment
    );
    assert_eq!(
        new.status, "paid",
        "{context}: new invoice approved and paid"
    );
    assert_eq!(payments_on(w, new.id), vec![edited_total], "{context}");
    assert_eq!(emails_of(w, new.id), 1, "{context}: new invoice e-mailed");
    assert_eq!(
        (
            was.status.as_str(),
            was.header_total(),
            payments_on(w, was.id)
        ),
        (
            old.status.as_str(),
            old.header_total(),
            payments_on(w, old.id)
        ),
        "{context}: the old invoice is left as it was"
    );
    assert_eq!(payments_on(w, old.id).len(), 1, "{context}");
    assert_eq!(emails_of(w, old.id), 1, "{context}");
    let linked = notes_with(w, id, "replaced: credit note");
    assert_eq!(linked.len(), 1, "{context}: {linked:?}");
    assert!(
        linked[0].contains(&old.number)
            && linked[0].contains(&note.number)
            && linked[0].contains(&new.number),
        "{context}: {}",
        linked[0]
    );
    for (what, text) in [
        (
            "new invoice created",
            format!("invoice {} created", new.number),
        ),
        (
            "new invoice approved",
            format!("invoice {} approved", new.number),
        ),
        (
            "new invoice e-mailed",
            format!("invoice {} e-mailed", new.number),
        ),
        (
            "credit note created",
            format!("credit note {} for the replaced", note.number),
        ),
    ] {
        let found = notes_with(w, id, &text);
        assert!(!found.is_empty(), "{context}: {what} note missing");
        let mut unique = found.clone();
        unique.dedup();
        assert_eq!(
            found.len(),
            unique.len(),
            "{context}: {what} twice: {found:?}"
        );
    }
    let mut all = notes_with(w, id, "PayTraq:");
    let count = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), count, "{context}: a shop note written twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_after_the_approved_invoice_is_reissued_as_one_credit_note_and_one_new_invoice() {
    let w = world().await;
    let id = done_order(&w).await;
    let old = documents_of(&w, id, "sales_invoice").remove(0);
    let edited_total = edit(&w, id).await;
    assert_ne!(edited_total, old.header_total());
    assert!(documents_of(&w, id, "credit_note").is_empty());

    let outcome = reissue_order(&w.app, CHANNEL, &id.to_string()).await;
    assert!(
        matches!(outcome, Ok(Outcome::Status(OrderStatus::Done))),
        "{outcome:?}"
    );
    assert_reissued(&w, id, &old, edited_total, "reissue");
    let o = stored(&w, id).await;
    let new = documents_of(&w, id, "sales_invoice")
        .into_iter()
        .find(|d| d.id != old.id)
        .unwrap();
    let note = documents_of(&w, id, "credit_note").remove(0);
    println!(
        "reissue: invoice {} ({}) → credit note {} ({}) and new invoice {} ({})",
        old.number,
        old.header_total(),
        note.number,
        note.header_total(),
        new.number,
        new.header_total()
    );
    assert_eq!(o.status, OrderStatus::Done);
    assert_eq!(o.paytraq.document_id, Some(new.id));
    assert_eq!(o.paytraq.document_total, Some(edited_total));
    assert!(o.paytraq.approved && o.paytraq.paid && o.paytraq.emailed);
    assert!(!o.paytraq.edited_after_document);
    let replaced = &o.paytraq.replaced;
    assert_eq!(replaced.len(), 1);
    assert_eq!(
        (
            replaced[0].document_id,
            replaced[0].document_total,
            replaced[0].paid
        ),
        (old.id, old.header_total(), true)
    );
    assert_eq!(
        replaced[0].replaced_by.as_deref(),
        Some(new.number.as_str())
    );
    // Both dated the day of the reissue, never backdated to the order.
    let today = replaced[0].replaced_at.date_naive();
    assert_eq!((note.date, new.date), (today, today));
    // The money moves the same day: returned on the credit note, received on the new invoice.
    let moved: Vec<Option<String>> = (w.company.payments().into_iter())
        .filter(|p| p.document_id == note.id || p.document_id == new.id)
        .map(|p| p.date)
        .collect();
    assert_eq!(moved, [Some(today.to_string()), Some(today.to_string())]);
    let credit = &o.paytraq.credit_notes[0];
    assert_eq!(credit.document_id, Some(note.id));
    assert!(credit.approved && credit.paid && credit.emailed);
    // The timeline tells the reissue in order: requested, the credit note, the new invoice, linked.
    let kinds: Vec<&str> = o.timeline.iter().map(|e| e.kind.as_str()).collect();
    let at = |kind: &str| kinds.iter().rposition(|k| *k == kind).unwrap();
    assert!(
        at("reissue") < at("credit_note_created")
            && at("credit_note_created") < at("document_created")
            && at("document_created") < at("reissued")
            && at("reissued") < at("done"),
        "{kinds:?}"
    );
    let linked = &o.timeline[at("reissued")].message;
    assert_eq!(
        linked,
        &format!(
            "sales invoice {} replaced: credit note {} and new sales invoice {}",
            old.number, note.number, new.number
        )
    );
    let requested = &o.timeline[at("reissue")].message;
    assert!(requested.contains("both recorded"), "{requested}");
    // The shop's redelivery changes nothing: no new edit, no new document.
    let again = deliver_and_process(&w, id).await;
    assert_eq!(again.status, OrderStatus::Done, "{:?}", again.reason);
    assert_reissued(&w, id, &old, edited_total, "after the redelivery");
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_edited_again_after_its_reissue_is_reissued_again_under_its_own_reference() {
    let w = world().await;
    let id = done_order(&w).await;
    let first = documents_of(&w, id, "sales_invoice").remove(0);
    edit(&w, id).await;
    reissue_order(&w.app, CHANNEL, &id.to_string())
        .await
        .unwrap();
    let second = stored(&w, id).await.paytraq.document_id.unwrap();
    let second = w.company.document(second).unwrap();
    // Edited again: one line less.
    let order = w.woo.order(id).unwrap();
    let last = order["line_items"][2]["id"].as_u64().unwrap();
    let edited = w
        .woo
        .update_order(id, &json!({"line_items": [{"id": last, "quantity": 0}]}))
        .unwrap();
    let edited_total = money(&edited["total"]);
    let flagged = deliver_and_process(&w, id).await;
    assert_eq!(flagged.status, OrderStatus::NeedsReview);
    let outcome = reissue_order(&w.app, CHANNEL, &id.to_string()).await;
    assert!(
        matches!(outcome, Ok(Outcome::Status(OrderStatus::Done))),
        "{outcome:?}"
    );
    let o = stored(&w, id).await;
    let third = w.company.document(o.paytraq.document_id.unwrap()).unwrap();
    let credit_notes = documents_of(&w, id, "credit_note");
    println!(
        "reissued twice: invoices {} → {} → {} ({}), {} credit notes",
        first.number,
        second.number,
        third.number,
        third.header_total(),
        credit_notes.len()
    );
    assert_eq!(documents_of(&w, id, "sales_invoice").len(), 3);
    assert_eq!(credit_notes.len(), 2);
    let totals: Vec<Decimal> = credit_notes.iter().map(SaleRec::header_total).collect();
    assert_eq!(totals, [-first.header_total(), -second.header_total()]);
    assert_eq!(third.header_total(), edited_total);
    assert!(third
        .comment
        .as_deref()
        .unwrap()
        .contains(&format!("[ref:{CHANNEL}/{id}/r2]")));
    assert_eq!(payments_on(&w, third.id), vec![edited_total]);
    assert_eq!(emails_of(&w, third.id), 1);
    let replaced: Vec<(u32, u64)> = (o.paytraq.replaced.iter())
        .map(|r| (r.reissue, r.document_id))
        .collect();
    assert_eq!(replaced, [(1, first.id), (2, second.id)]);
    assert!(o.notes_sent.iter().any(|k| k == "replaced2:created"));
    assert_eq!(
        notes_with(&w, id, "replaced: credit note").len(),
        2,
        "each reissue linked once"
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_reissue_is_refused_and_makes_no_second_credit_note_or_invoice() {
    let w = world().await;
    let id = done_order(&w).await;
    let old = documents_of(&w, id, "sales_invoice").remove(0);
    let edited_total = edit(&w, id).await;
    reissue_order(&w.app, CHANNEL, &id.to_string())
        .await
        .unwrap();
    let documents = w.company.documents().len();
    for _ in 0..2 {
        let again = reissue_order(&w.app, CHANNEL, &id.to_string()).await;
        let Err(ReissueError::Refused(why)) = again else {
            panic!("a second reissue was not refused: {again:?}");
        };
        assert!(why.contains("not in review for an edit"), "{why}");
    }
    assert_eq!(
        w.company.documents().len(),
        documents,
        "nothing made in PayTraq"
    );
    println!(
        "reissue asked 3 times: {} credit note(s), {} invoice(s)",
        documents_of(&w, id, "credit_note").len(),
        documents_of(&w, id, "sales_invoice").len()
    );
    assert_reissued(&w, id, &old, edited_total, "asked three times");
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reissue_is_refused_for_a_draft_a_sales_order_an_order_not_in_review_and_an_unknown_order()
{
    // A draft: a person corrects it in PayTraq.
    let w = world_with(|s| {
        s.approve = false;
        s.add_payment = false;
    })
    .await;
    let id = done_order(&w).await;
    edit(&w, id).await;
    let documents = w.company.documents().len();
    let refused = reissue_order(&w.app, CHANNEL, &id.to_string()).await;
    let Err(ReissueError::Refused(why)) = refused else {
        panic!("a draft was reissued: {refused:?}");
    };
    assert!(why.contains("is a draft"), "{why}");
    assert_eq!(w.company.documents().len(), documents);
    assert_eq!(stored(&w, id).await.status, OrderStatus::NeedsReview);
    w.stop().await;

    // A sales order is not an invoice.
    let w = world_with(|s| s.document_type = DocumentType::SalesOrder).await;
    let id = done_order(&w).await;
    edit(&w, id).await;
    let documents = w.company.documents().len();
    let refused = reissue_order(&w.app, CHANNEL, &id.to_string()).await;
    assert!(
        matches!(&refused, Err(ReissueError::Refused(why)) if why.contains("a sales order, not an invoice")),
        "{refused:?}"
    );
    assert_eq!(w.company.documents().len(), documents);
    w.stop().await;

    // Done, never edited; and an order the inbox does not have.
    let w = world().await;
    let id = done_order(&w).await;
    let documents = w.company.documents().len();
    let refused = reissue_order(&w.app, CHANNEL, &id.to_string()).await;
    let Err(ReissueError::Refused(why)) = refused else {
        panic!("a done order was reissued: {refused:?}");
    };
    assert!(why.contains("is done and not in review"), "{why}");
    let unknown = reissue_order(&w.app, CHANNEL, "999999").await;
    assert!(
        matches!(unknown, Err(ReissueError::UnknownOrder(_))),
        "{unknown:?}"
    );
    // In review for another reason (a refund of the approved invoice without lines): refused.
    let refund = w
        .woo
        .create_refund(id, &json!({"amount": "1.00", "api_refund": false}))
        .unwrap();
    let flagged = deliver_and_process(&w, id).await;
    assert_eq!(flagged.status, OrderStatus::NeedsReview, "refund {refund}");
    let refused = reissue_order(&w.app, CHANNEL, &id.to_string()).await;
    assert!(
        matches!(&refused, Err(ReissueError::Refused(why)) if why.contains("not in review for an edit")),
        "{refused:?}"
    );
    assert_eq!(w.company.documents().len(), documents);
    println!(
        "refused: draft, sales order, done, unknown, in review for a refund; documents unchanged"
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reissue_credit_note_off_by_a_cent_stays_a_draft_and_no_new_invoice_is_made() {
    // A shop with net prices, rounding tax at the subtotal (as PayTraq per key).
    let config = WorldConfig::default();
    let w = World::start(WorldConfig {
        woo: WooSandboxConfig {
            prices_include_tax: false,
            tax_round_at_subtotal: true,
            ..config.woo
        },
        paytraq: PaytraqSandboxConfig {
            rate_per_second: 10_000.0,
            burst: 10_000,
            ..PaytraqSandboxConfig::default()
        },
        ..config
    })
    .await
    .unwrap();
    w.channel(CHANNEL, |s| {
        testkit::world::every_option_on(s);
    })
    .await
    .unwrap();
    // Three lines of 0.99 at 21%: 0.62 VAT on the key, 3 × 0.21 line by line.
    let placed = w
        .woo
        .create_order(&json!({
            "payment_method": "bacs", "payment_method_title": "Bankas pārskaitījums",
            "set_paid": true,
            "billing": {"first_name": "Ilze", "last_name": "Ozola", "email": "ilze@example.lv", "country": "LV"},
            "line_items": [{"product_id": 22, "quantity": 1}, {"product_id": 22, "quantity": 1},
                           {"product_id": 22, "quantity": 1}]
        }))
        .unwrap();
    let id = placed["id"].as_u64().unwrap();
    assert_eq!(deliver_and_process(&w, id).await.status, OrderStatus::Done);
    let old = documents_of(&w, id, "sales_invoice").remove(0);
    assert_eq!(old.lines.len(), 3, "three lines on the invoice");
    edit(&w, id).await;
    // PayTraq now rounds tax line by line: the same lines no longer add up to the old total.
    w.company.set_tax_rounding(TaxRounding::PerLine);
    let outcome = reissue_order(&w.app, CHANNEL, &id.to_string()).await;
    assert!(
        matches!(outcome, Ok(Outcome::Status(OrderStatus::NeedsReview))),
        "{outcome:?}"
    );
    let notes = documents_of(&w, id, "credit_note");
    assert_eq!(notes.len(), 1);
    let note = &notes[0];
    println!(
        "old invoice {}, its credit note {} under per-line rounding",
        old.header_total(),
        note.header_total()
    );
    assert_ne!(note.header_total(), -old.header_total());
    assert_eq!(note.status, "draft", "not approved");
    assert!(payments_on(&w, note.id).is_empty(), "no money returned");
    assert_eq!(emails_of(&w, note.id), 0);
    let o = stored(&w, id).await;
    let reason = o.reason.clone().unwrap();
    assert!(
        reason.contains("does not credit") && reason.contains(&old.number),
        "{reason}"
    );
    assert_eq!(
        documents_of(&w, id, "sales_invoice").len(),
        1,
        "no new invoice while the credit note is wrong"
    );
    // Redelivered and reprocessed: still one credit note, no new invoice, one note.
    deliver_and_process(&w, id).await;
    process(&w.app, CHANNEL, &id.to_string(), Trigger::Operator)
        .await
        .unwrap();
    assert_eq!(documents_of(&w, id, "credit_note").len(), 1);
    assert_eq!(documents_of(&w, id, "sales_invoice").len(), 1);
    assert_eq!(notes_with(&w, id, "does not credit").len(), 1);
    w.stop().await;
}

/// A boundary armed that no run passes: what disarms the plan.
fn disarmed() -> Boundary {
    Boundary::AfterNote("no-such-note".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reissue_crashed_at_every_point_still_makes_one_credit_note_and_one_new_invoice() {
    let w = world().await;
    // The boundaries a reissue passes, from a clean one.
    let clean = done_order(&w).await;
    edit(&w, clean).await;
    w.app.crash.record(true);
    reissue_order(&w.app, CHANNEL, &clean.to_string())
        .await
        .unwrap();
    w.app.crash.record(false);
    let boundaries = w.app.crash.recorded();
    assert!(boundaries.len() >= 15, "{boundaries:?}");
    let passed = boundaries.len();
    let mut unique = Vec::new();
    for point in boundaries.iter().cloned() {
        if !unique.contains(&point) {
            unique.push(point);
        }
    }
    let mut crashes = 0;
    for point in &unique {
        let id = done_order(&w).await;
        let old = documents_of(&w, id, "sales_invoice").remove(0);
        let edited_total = edit(&w, id).await;
        // Crash at the point's first pass.
        w.app.crash.arm(point.clone());
        let first = reissue_order(&w.app, CHANNEL, &id.to_string()).await;
        assert!(
            matches!(first, Err(ReissueError::Unavailable(_))),
            "crash at {point} did not happen: {first:?}"
        );
        crashes += 1;
        // Asked again while it is under way: refused, nothing more made.
        let again = reissue_order(&w.app, CHANNEL, &id.to_string()).await;
        assert!(
            matches!(&again, Err(ReissueError::Refused(_))),
            "crash at {point}: {again:?}"
        );
        // Crashed again at each later pass of a clean reissue (a crash before a step's result
        // is saved is passed again by the retry: as many crashes as passes, no more).
        let passes = boundaries.iter().filter(|b| *b == point).count();
        for _ in 1..passes {
            w.app.crash.arm(point.clone());
            if process(&w.app, CHANNEL, &id.to_string(), Trigger::Queue)
                .await
                .is_err()
            {
                crashes += 1;
            }
        }
        w.app.crash.arm(disarmed());
        let o = settle(&w, id).await;
        assert_eq!(
            o.status,
            OrderStatus::Done,
            "after crash at {point}: {:?}",
            o.reason
        );
        // The operator asks again, and the shop's delivery comes again.
        let again = reissue_order(&w.app, CHANNEL, &id.to_string()).await;
        assert!(matches!(again, Err(ReissueError::Refused(_))), "{again:?}");
        deliver_and_process(&w, id).await;
        assert_reissued(&w, id, &old, edited_total, &format!("crash at {point}"));
    }
    println!(
        "a reissue passes {passed} boundaries ({} distinct); {crashes} crashes injected, one credit note and one new invoice each: {unique:?}",
        unique.len()
    );
    w.stop().await;
}
