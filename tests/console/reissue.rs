//! The reissue of an edited order's invoice over HTTP (issue 14): the admin API's answers (409
//! with the reason while it is not possible, 404 for an unknown order) and the console's order
//! page, whose Reissue button appears only when the reissue is possible, asks first, posts with
//! the session's CSRF token, and then shows the replaced invoice, the credit note and the new
//! invoice. PayTraq's documents are counted through the sandbox.

use std::time::Duration;

use channel::intake::{accept_order, Source};
use channel::model::OrderStatus;
use channel::woocommerce::order::parse_order;
use reqwest::StatusCode;
use serde_json::{json, Value};
use testkit::world::World;

use super::{world, Browser, TOKEN};

const CHANNEL: &str = "c1";

/// Hands the shop's current order to the channel as a webhook would (the host's worker processes it).
async fn deliver(w: &World, id: u64) {
    let body = w.woo.order_body(id).unwrap();
    let parsed = parse_order(body.as_bytes()).unwrap();
    accept_order(&w.app, CHANNEL, &parsed, body, Source::Webhook)
        .await
        .unwrap();
}

/// Waits until the host's worker has brought order `id` to `status`.
async fn wait_for(w: &World, id: u64, status: OrderStatus) {
    for _ in 0..200 {
        let o = w
            .app
            .repo
            .get_order(CHANNEL, &id.to_string())
            .await
            .unwrap();
        if o.as_ref().map(|o| o.status) == Some(status)
            && o.is_some_and(|o| o.pending_since.is_none())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("order {id} never reached {status}");
}

/// PayTraq's documents of order `id` by kind (`sales_invoice`, `credit_note`).
fn count(w: &World, id: u64, kind: &str) -> usize {
    let (exact, suffixed) = (
        format!("[ref:{CHANNEL}/{id}]"),
        format!("[ref:{CHANNEL}/{id}/"),
    );
    w.company
        .documents()
        .iter()
        .filter(|d| d.kind.as_str() == kind)
        .filter(|d| {
            d.comment
                .as_deref()
                .is_some_and(|c| c.contains(&exact) || c.contains(&suffixed))
        })
        .count()
}

async fn admin_reissue(w: &World, key: &str) -> (StatusCode, Value) {
    let answer = reqwest::Client::new()
        .post(format!(
            "{}/admin/channels/{CHANNEL}/orders/{key}/reissue",
            w.host().unwrap().base_url()
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let status = answer.status();
    (status, answer.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reissue_button_appears_only_when_possible_posts_with_csrf_and_shows_both_new_documents(
) {
    let w = world().await;
    w.channel(CHANNEL, |s| {
        testkit::world::every_option_on(s);
    })
    .await
    .unwrap();
    let placed = w
        .woo
        .create_order(&testkit::world::paid_order_with_shipping())
        .unwrap();
    let id = placed["id"].as_u64().unwrap();
    let page_path = format!("/console/channels/{CHANNEL}/orders/{id}");
    deliver(&w, id).await;
    wait_for(&w, id, OrderStatus::Done).await;
    let old = w
        .app
        .repo
        .get_order(CHANNEL, &id.to_string())
        .await
        .unwrap()
        .unwrap()
        .paytraq
        .document_number
        .unwrap();

    // Done and never edited: no button, and the admin API refuses in words.
    let mut b = Browser::signed_in(&w).await;
    let page = b.get(&page_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("id=\"reissue\""),
        "no button on a done order"
    );
    let (status, body) = admin_reissue(&w, &id.to_string()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "conflict");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("not in review for an edit"),
        "{body}"
    );
    let (status, body) = admin_reissue(&w, "999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // Edited in the shop: in review, and now the button shows (in both languages).
    let first = placed["line_items"][0]["id"].as_u64().unwrap();
    w.woo
        .update_order(
            id,
            &json!({"line_items": [{"id": first, "quantity": 3, "subtotal": "2.97", "total": "2.97"},
                                   {"product_id": 29, "quantity": 1}]}),
        )
        .unwrap();
    deliver(&w, id).await;
    wait_for(&w, id, OrderStatus::NeedsReview).await;
    let page = b.get(&page_path).await;
    assert!(page.body.contains(&format!(
        "id=\"reissue\" class=\"button\" href=\"{page_path}/confirm/reissue\""
    )));
    b.accept_language = "lv".into();
    let lv = b.get(&page_path).await;
    assert!(lv.body.contains("Izrakstīt no jauna") && lv.body.contains("PayTraq dokumenti"));
    b.accept_language = "en".into();

    // Asking is not doing; a post without the session's CSRF token changes nothing.
    let confirm = b.get(&format!("{page_path}/confirm/reissue")).await;
    assert!(confirm
        .body
        .contains(&format!("action=\"{page_path}/reissue\"")));
    assert!(confirm
        .testid("confirm-text")
        .unwrap()
        .contains("A credit note takes the old invoice back whole"));
    let forged = b
        .post_raw(&format!("{page_path}/reissue"), &[("csrf", "forged")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        (count(&w, id, "sales_invoice"), count(&w, id, "credit_note")),
        (1, 0)
    );

    // Confirmed: one credit note, one new invoice, the order done, all three documents shown.
    let done = b.post(&format!("{page_path}/reissue"), &[]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("data-outcome=\"ok\""));
    assert!(done.body.contains("data-status=\"done\""));
    assert!(
        !done.body.contains("id=\"reissue\""),
        "no button once reissued"
    );
    let o = w
        .app
        .repo
        .get_order(CHANNEL, &id.to_string())
        .await
        .unwrap()
        .unwrap();
    let new = o.paytraq.document_number.clone().unwrap();
    let note = o.paytraq.credit_notes[0].document_number.clone().unwrap();
    assert_ne!(new, old);
    for (kind, number) in [
        ("replaced", &old),
        ("credit_note", &note),
        ("current", &new),
    ] {
        assert!(
            done.body.contains(&format!("data-kind=\"{kind}\""))
                && done.body.contains(number.as_str()),
            "{kind} {number} not shown"
        );
    }
    assert!(done.body.contains(&format!(
        "replaced: credit note {note} and new sales invoice {new}"
    )));
    // Posted again (a second tab): refused with the reason, nothing more in PayTraq.
    let again = b.post(&format!("{page_path}/reissue"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("data-outcome=\"error\""));
    let counts = (count(&w, id, "sales_invoice"), count(&w, id, "credit_note"));
    println!("console reissue: {old} → credit note {note} and new invoice {new}; PayTraq invoices, credit notes: {counts:?}");
    assert_eq!(counts, (2, 1));
    w.stop().await;
}
