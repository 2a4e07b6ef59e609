//! A person's day with the console, step by step in one browser (issue 15, "Done when"): sign in;
//! create a channel and approve its key on the shop's page; set every setting; map the tax rates and
//! gateways (one rate left for later); place orders in the shop; watch them arrive in the inbox; open
//! the failed one, fix its mapping and reprocess it; dry run and sync, and read the reports; switch to
//! Latvian; deactivate the channel after its warning; sign out (the old session cookie is refused). Every step asserts what the page shows, and
//! every page is captured at desktop and 375 px width with no sideways scroll.

use std::time::Duration;

use serde_json::json;
use testkit::browser::BrowserOptions;

use super::harness::{Console, TOKEN, WAIT};

/// The rate a first order uses before it is mapped (the demo shop's LV 21%, product 22).
const LATE_RATE: u64 = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_connects_a_shop_maps_it_processes_orders_and_syncs_through_the_console() {
    let Some(c) = Console::start(BrowserOptions::default()).await else {
        return;
    };
    let started = std::time::Instant::now();
    sign_in(&c).await;
    let channel = create_channel(&c).await;
    settings(&c, &channel).await;
    mappings(&c).await;
    let (done, failed) = place_orders(&c, &channel).await;
    open_order(&c, &channel, &done).await;
    fix_and_reprocess(&c, &channel, &failed).await;
    sync(&c).await;
    latvian(&c, &channel).await;
    deactivate(&c, &channel).await;
    sign_out(&c).await;
    eprintln!("console journey: {:.1} s", started.elapsed().as_secs_f64());
    c.stop().await;
}

async fn sign_in(c: &Console) {
    // No session: any page sends the person to the sign-in form, remembering where they were going.
    c.open("/console/channels").await;
    let url = c.browser.current_url().await.unwrap();
    assert!(url.contains("/console/sign-in?next="), "{url}");
    assert_eq!(c.heading().await, "Sign in");
    c.capture("sign-in").await;

    c.sign_in("not-the-token").await;
    c.wait("[data-testid=sign-in-error]").await;
    assert_eq!(c.testid("sign-in-error").await, "The token is not right.");

    c.sign_in(TOKEN).await;
    c.browser
        .wait_for_url("/console/channels", WAIT)
        .await
        .unwrap();
    assert_eq!(c.heading().await, "Channels");
    let cookies = c.browser.cookies().await.unwrap();
    let session = cookies
        .iter()
        .find(|k| k.name == "console_session")
        .expect("a session cookie");
    assert!(session.http_only, "HttpOnly");
    assert_eq!(session.same_site.as_deref(), Some("Strict"));
    assert_eq!(
        c.browser.count("[data-testid=channel-row]").await.unwrap(),
        0
    );
    c.capture("channels-empty").await;
}

/// Creates the channel through the form, approves on the shop's page; returns its id.
async fn create_channel(c: &Console) -> String {
    let b = &c.browser;
    b.click("#new-channel").await.unwrap();
    c.wait("#new-channel-form").await;
    c.capture("new-channel").await;
    b.fill("#shop_url", &c.world.woo.base_url()).await.unwrap();
    b.fill("#name", "Demo veikals").await.unwrap();
    b.fill("#paytraq_api_key", testkit::world::PAYTRAQ_KEY)
        .await
        .unwrap();
    b.fill("#paytraq_api_token", testkit::world::PAYTRAQ_TOKEN)
        .await
        .unwrap();
    b.click("#create-channel").await.unwrap();

    // The shop's own approve page.
    c.wait("button.wc-auth-approve").await;
    let url = b.current_url().await.unwrap();
    assert!(url.starts_with(&c.world.woo.base_url()), "{url}");
    assert!(url.contains("/wc-auth/v1/authorize"), "{url}");
    assert!(b
        .text("h1")
        .await
        .unwrap()
        .contains("would like to connect to your store"));
    b.click("button.wc-auth-approve").await.unwrap();

    c.wait("[data-testid=activation-result]").await;
    let url = b.current_url().await.unwrap();
    assert!(url.contains("/activation"), "{url}");
    assert_eq!(
        c.attr("[data-testid=activation-result]", "data-state")
            .await,
        "active"
    );
    assert_eq!(c.testid("wc-version").await, "8.9.1");
    assert_eq!(
        c.testid("https").await,
        "no",
        "the sandbox is plain http on loopback"
    );
    let webhooks: u32 = c.testid("webhooks-created").await.parse().unwrap();
    assert!(webhooks >= 1, "{webhooks} webhooks");
    c.capture("activation").await;
    let id = url
        .split("/console/channels/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_string();

    // The list shows it, healthy; its overview shows the keys as set, never their values.
    c.open("/console/channels").await;
    let row = format!("tr[data-testid=channel-row][data-channel-id='{id}']");
    c.wait(&row).await;
    assert!(b.text(&row).await.unwrap().contains("Demo veikals"));
    assert_eq!(
        c.attr(&format!("{row} [data-testid=health-badge]"), "data-health")
            .await,
        "ok"
    );
    c.capture("channels").await;
    b.click(&format!("{row} a[data-testid=open-channel]"))
        .await
        .unwrap();
    c.wait("[data-testid=channel-state]").await;
    let keys = c.testid("shop-keys").await;
    assert!(!keys.contains(&c.world.woo.consumer_key()), "{keys}");
    assert!(b.count("[data-testid=webhook]").await.unwrap() >= 1);
    let source = b.source().await.unwrap();
    assert!(
        !source.contains(testkit::world::PAYTRAQ_TOKEN),
        "the PayTraq token on a page"
    );
    c.capture("overview").await;
    id
}

/// Sets every setting to a value other than its default (where that is safe for the orders that
/// follow) and reads each back after saving.
async fn settings(c: &Console, id: &str) {
    let b = &c.browser;
    b.click("#nav-settings").await.unwrap();
    c.wait("#settings-form").await;
    c.capture("settings").await;
    let mirror = &c.world.mirror;
    b.click("select[name=document_type] option[value=sales_invoice]")
        .await
        .unwrap();
    b.click("select[name=operation] option[value=sell_goods]")
        .await
        .unwrap();
    for (name, on) in [
        ("auto_process", true),
        ("approve", true),
        ("add_payment", true),
        ("send_email", false),
        ("void_cancelled", true),
        ("credit_cancelled", true),
        ("sync_prices", true),
        ("sync_prices_without_stock_management", true),
        ("daily_sync", true),
    ] {
        let css = format!("input[name={name}]");
        if b.is_selected(&css).await.unwrap() != on {
            b.click(&css).await.unwrap();
        }
    }
    b.fill("input[name=payment_term_days]", "14").await.unwrap();
    b.fill("input[name=fee_item_code]", "FEE-1").await.unwrap();
    b.fill("input[name=refund_item_code]", "REFUND-1")
        .await
        .unwrap();
    b.click("input[name=rounding_mode][value=adjust]")
        .await
        .unwrap();
    b.fill("input[name=rounding_max]", "0.05").await.unwrap();
    // The warehouse by its PayTraq name.
    let warehouse = format!(
        "select[name=warehouse_id] option[value='{}']",
        mirror.warehouse_id
    );
    let label = b.text(&warehouse).await.unwrap();
    assert!(
        !label.trim().is_empty() && label.trim() != mirror.warehouse_id.to_string(),
        "{label}"
    );
    b.click(&warehouse).await.unwrap();
    b.fill(
        "input[name=price_group_id]",
        &mirror.price_group_id.to_string(),
    )
    .await
    .unwrap();
    b.fill("input[name=daily_sync_hour]", "3").await.unwrap();
    b.click("#save-settings").await.unwrap();

    let (outcome, message) = c.result().await;
    assert_eq!(outcome, "ok", "{message}");
    for (css, expected) in [
        ("input[name=payment_term_days]", "14"),
        ("input[name=fee_item_code]", "FEE-1"),
        ("input[name=refund_item_code]", "REFUND-1"),
        ("input[name=rounding_max]", "0.05"),
        ("input[name=daily_sync_hour]", "3"),
    ] {
        assert_eq!(c.attr(css, "value").await, expected, "{css}");
    }
    assert_eq!(
        c.attr("input[name=price_group_id]", "value").await,
        mirror.price_group_id.to_string()
    );
    assert!(b.is_selected(&warehouse).await.unwrap());
    assert!(b
        .is_selected("input[name=rounding_mode][value=adjust]")
        .await
        .unwrap());
    assert!(b
        .is_selected("select[name=document_type] option[value=sales_invoice]")
        .await
        .unwrap());
    for name in [
        "auto_process",
        "approve",
        "add_payment",
        "void_cancelled",
        "credit_cancelled",
        "sync_prices",
        "daily_sync",
    ] {
        assert!(
            b.is_selected(&format!("input[name={name}]")).await.unwrap(),
            "{name}"
        );
    }
    assert!(!b.is_selected("input[name=send_email]").await.unwrap());
    // What the channel now holds is what the page said.
    let stored = c
        .world
        .app
        .repo
        .get_channel(id)
        .await
        .unwrap()
        .unwrap()
        .settings;
    assert_eq!(stored.payment_term_days, Some(14));
    assert_eq!(stored.daily_sync_hour, 3);
    assert_eq!(
        stored.warehouse_id.map(|w| w.get()),
        Some(mirror.warehouse_id)
    );
}

/// Maps every tax rate but [`LATE_RATE`] and every gateway; the check says what is missing.
async fn mappings(c: &Console) {
    let b = &c.browser;
    b.click("#nav-mappings").await.unwrap();
    c.wait("#mappings-form").await;
    let rows = b.count("tr[data-testid=tax-row]").await.unwrap();
    assert_eq!(
        rows,
        c.world.mirror.tax_map.len(),
        "a row per shop rate (and the untaxed one)"
    );
    assert_eq!(
        b.count("tr[data-testid=payment-row]").await.unwrap(),
        c.world.mirror.payment_map.len()
    );
    assert_eq!(
        b.count("tr[data-testid=tax-row][data-state=mapped]")
            .await
            .unwrap(),
        0
    );
    c.capture("mappings-empty").await;
    for (rate, key) in &c.world.mirror.tax_map {
        if rate.get() != LATE_RATE {
            choose(c, &format!("tax.{}", rate.get()), key.get()).await;
        }
    }
    for (gateway, account) in &c.world.mirror.payment_map {
        choose(c, &format!("pay.{}", gateway.as_str()), account.get()).await;
    }
    b.click("#save-mappings").await.unwrap();
    c.wait("[data-testid=mapping-check]").await;
    assert_eq!(
        c.attr("[data-testid=mapping-check]", "data-complete").await,
        "false"
    );
    let late = format!("tr[data-testid=tax-row][data-rate-id='{LATE_RATE}']");
    assert_eq!(c.attr(&late, "data-state").await, "unmapped");
    assert_eq!(
        b.count("tr[data-testid=tax-row][data-state=mapped]")
            .await
            .unwrap(),
        rows - 1
    );
    assert_eq!(
        b.count("tr[data-testid=payment-row][data-state=unmapped]")
            .await
            .unwrap(),
        0
    );
    c.capture("mappings").await;
}

/// Picks the option `value` of the select named `name`.
async fn choose(c: &Console, name: &str, value: u64) {
    c.browser
        .click(&format!("select[name='{name}'] option[value='{value}']"))
        .await
        .unwrap_or_else(|e| panic!("{name} = {value}: {e}"));
}

/// Two orders in the shop: one at a mapped rate (done), one at [`LATE_RATE`] (fails). Returns
/// their keys once the inbox shows both.
async fn place_orders(c: &Console, id: &str) -> (String, String) {
    let order = |product: u64, last_name: &str| {
        json!({
            "payment_method": "bacs", "payment_method_title": "Bankas pārskaitījums", "set_paid": true,
            "billing": {"first_name": "Anna", "last_name": last_name, "email": "anna@example.lv", "country": "LV"},
            "line_items": [{"product_id": product, "quantity": 2}],
        })
    };
    let done = c.world.woo.create_order(&order(29, "Bērziņa")).unwrap()["id"].to_string();
    let failed = c.world.woo.create_order(&order(22, "Kalniņa")).unwrap()["id"].to_string();

    let b = &c.browser;
    b.click("#nav-inbox").await.unwrap();
    c.wait("#inbox-filter").await;
    // The inbox is a plain page: the person reloads it until both have been processed.
    b.wait_until(
        "both orders processed",
        Duration::from_secs(60),
        async |b| {
            b.goto(&format!("{}/console/channels/{id}/orders", c.base))
                .await?;
            let done = b.texts("[data-testid=count][data-status=done]").await?;
            let failed = b.texts("[data-testid=count][data-status=failed]").await?;
            let review = b
                .texts("[data-testid=count][data-status=needs_review]")
                .await?;
            Ok(done == ["1"] && (failed == ["1"] || review == ["1"]))
        },
    )
    .await
    .unwrap();
    assert_eq!(b.count("tr[data-testid=order-row]").await.unwrap(), 2);
    // Newest first.
    let numbers = b.texts("[data-testid=order-number]").await.unwrap();
    assert_eq!(numbers.len(), 2);
    assert!(numbers[0].contains(&failed), "{numbers:?}");
    assert!(numbers[1].contains(&done), "{numbers:?}");
    let customers = b.texts("[data-testid=customer]").await.unwrap();
    assert!(
        customers[0].contains("Kalniņa") && customers[1].contains("Bērziņa"),
        "{customers:?}"
    );
    let done_row = "tr[data-testid=order-row]:nth-child(2)";
    assert!(!b
        .text(&format!("{done_row} [data-testid=document-number]"))
        .await
        .unwrap()
        .is_empty());
    let admin = c.attr("a[data-testid=shop-admin-link]", "href").await;
    assert!(
        admin.starts_with(&c.world.woo.base_url()) && admin.contains(&failed),
        "{admin}"
    );
    c.capture("inbox").await;

    // Filter by status, search by customer.
    b.click("#status option[value=done]").await.unwrap();
    b.click("#filter").await.unwrap();
    b.wait_for_url("status=done", WAIT).await.unwrap();
    assert_eq!(b.count("tr[data-testid=order-row]").await.unwrap(), 1);
    assert!(b
        .text("[data-testid=customer]")
        .await
        .unwrap()
        .contains("Bērziņa"));
    b.click("#status option[value='']").await.unwrap();
    // A Latvian name (the shop's JSON writes `ņ` as `\u0146`).
    b.fill("#q", "Kalniņa").await.unwrap();
    b.click("#filter").await.unwrap();
    b.wait_for_url("q=", WAIT).await.unwrap();
    assert_eq!(b.count("tr[data-testid=order-row]").await.unwrap(), 1);
    assert!(b
        .text("[data-testid=order-number]")
        .await
        .unwrap()
        .contains(&failed));
    c.capture("inbox-search").await;
    (done, failed)
}

/// The processed order: its status, document and totals side by side, timeline and notes.
async fn open_order(c: &Console, id: &str, key: &str) {
    let b = &c.browser;
    c.open(&format!("/console/channels/{id}/orders/{key}"))
        .await;
    c.wait("ol#timeline").await;
    assert_eq!(c.attr("[data-testid=status]", "data-status").await, "done");
    assert!(!c.testid("document-number").await.trim().is_empty());
    let shop = c.testid("shop-total").await;
    let paytraq = c.testid("paytraq-total").await;
    assert!(shop.contains('€'), "{shop}");
    assert_eq!(shop, paytraq, "the document's total is the shop's");
    assert!(b.count("ol#timeline li").await.unwrap() >= 2);
    c.capture("order").await;
}

/// The failed order says why; its rate is mapped on the mappings page; reprocessing makes its document.
async fn fix_and_reprocess(c: &Console, id: &str, key: &str) {
    let b = &c.browser;
    c.open(&format!("/console/channels/{id}/orders/{key}"))
        .await;
    c.wait("[data-testid=reason]").await;
    let reason = c.testid("reason").await;
    assert!(
        reason.contains(&format!("tax rate {LATE_RATE}")),
        "{reason}"
    );
    c.capture("order-failed").await;

    b.click("#nav-mappings").await.unwrap();
    c.wait("#mappings-form").await;
    let key_id = c
        .world
        .mirror
        .tax_map
        .iter()
        .find(|(r, _)| r.get() == LATE_RATE)
        .unwrap()
        .1
        .get();
    choose(c, &format!("tax.{LATE_RATE}"), key_id).await;
    b.click("#save-mappings").await.unwrap();
    c.wait("[data-testid=mapping-check]").await;
    assert_eq!(
        c.attr("[data-testid=mapping-check]", "data-complete").await,
        "true"
    );
    assert_eq!(
        b.count("tr[data-testid=tax-row][data-state=unmapped]")
            .await
            .unwrap(),
        0
    );

    c.open(&format!("/console/channels/{id}/orders/{key}"))
        .await;
    c.wait("#reprocess").await;
    b.click("#reprocess").await.unwrap();
    c.wait("#confirm-form").await;
    c.capture("confirm").await;
    b.click("#confirm").await.unwrap();
    let (outcome, message) = c.result().await;
    assert_eq!(outcome, "ok", "{message}");
    b.wait_until(
        "the reprocessed order to be done",
        Duration::from_secs(30),
        async |b| {
            b.goto(&format!("{}/console/channels/{id}/orders/{key}", c.base))
                .await?;
            Ok(b.attribute("[data-testid=status]", "data-status")
                .await?
                .as_deref()
                == Some("done"))
        },
    )
    .await
    .unwrap();
    assert!(!c.testid("document-number").await.trim().is_empty());
    assert_eq!(
        c.testid("shop-total").await,
        c.testid("paytraq-total").await
    );
}

/// A dry run shows the plan without writing; a sync writes and reports; both are in the history.
async fn sync(c: &Console) {
    let b = &c.browser;
    b.click("#nav-sync").await.unwrap();
    c.wait("#sync-form").await;
    assert_eq!(b.text("#sync").await.unwrap(), "Sync");
    c.capture("sync").await;

    let before = shop_stock(c);
    b.click("#dry-run").await.unwrap();
    let dry = finished_run(c).await;
    assert_eq!(dry.0, "succeeded", "{dry:?}");
    let planned: usize = c.testid("report-planned").await.parse().unwrap();
    assert!(planned > 0, "the dry run plans the demo shop's stock");
    assert_eq!(shop_stock(c), before, "a dry run writes nothing");
    c.capture("sync-dry-run").await;

    b.click("#nav-sync").await.unwrap();
    c.wait("#sync-form").await;
    b.click("#sync").await.unwrap();
    let run = finished_run(c).await;
    assert_eq!(run.0, "succeeded", "{run:?}");
    let updated: usize = c.testid("report-updated").await.parse().unwrap();
    assert_eq!(updated, planned, "the sync wrote what the dry run planned");
    let after = shop_stock(c);
    let changed = before.iter().zip(&after).filter(|(a, b)| a != b).count();
    assert_eq!(
        changed, updated,
        "the shop's stock changed where the report says"
    );
    assert_eq!(c.testid("report-errors").await, "0");
    c.capture("sync-report").await;

    b.click("#nav-sync").await.unwrap();
    c.wait("#sync-history").await;
    assert_eq!(b.count("tr[data-testid=sync-row]").await.unwrap(), 2);
}

/// The shop's stock of every demo product and variation (ids 1 to 99).
fn shop_stock(c: &Console) -> Vec<Option<serde_json::Value>> {
    (1..100).map(|id| c.world.shop_stock(id)).collect()
}

/// Waits on the run page (its script reloads it) until the run has finished: (status, page text).
async fn finished_run(c: &Console) -> (String, String) {
    let b = &c.browser;
    c.wait("[data-testid=sync-status]").await;
    b.wait_until(
        "the sync run to finish",
        Duration::from_secs(60),
        async |b| {
            let status = b
                .attribute("[data-testid=sync-status]", "data-status")
                .await?;
            Ok(!matches!(
                status.as_deref(),
                Some("queued") | Some("running") | None
            ))
        },
    )
    .await
    .unwrap();
    c.wait("#sync-report").await;
    (
        c.attr("[data-testid=sync-status]", "data-status").await,
        b.page_text().await.unwrap(),
    )
}

/// The switch to Latvian: the texts, the buttons and the amounts follow.
async fn latvian(c: &Console, id: &str) {
    let b = &c.browser;
    c.open(&format!("/console/channels/{id}/sync")).await;
    b.click("#lang-lv").await.unwrap();
    b.wait_for_text("#sync", "Sinhronizēt", WAIT).await.unwrap();
    assert_eq!(c.attr("html", "lang").await, "lv");
    assert_eq!(b.text("#nav-inbox").await.unwrap(), "Iesūtne");
    assert_eq!(b.text("#sign-out").await.unwrap(), "Iziet");
    c.capture("sync-lv").await;
    b.click("#nav-inbox").await.unwrap();
    c.wait("[data-testid=total]").await;
    let total = b.text("[data-testid=total]").await.unwrap();
    assert!(
        total.ends_with('€') && total.contains(','),
        "Latvian amount: {total}"
    );
    assert_eq!(c.heading().await, "Pārdošanas iesūtne");
    c.capture("inbox-lv").await;
    b.click("#lang-en").await.unwrap();
    b.wait_for_text("#nav-inbox", "Inbox", WAIT).await.unwrap();
}

/// Deactivation says what it does before it does it, then removes the shop's webhooks and says to
/// revoke the key in the shop; the channel stays listed, deactivated. An unknown channel is not found.
async fn deactivate(c: &Console, id: &str) {
    let b = &c.browser;
    c.open(&format!("/console/channels/{id}")).await;
    b.click("a#deactivate").await.unwrap();
    c.wait("[data-testid=deactivate-warning]").await;
    let warning = c.testid("deactivate-warning").await;
    assert!(warning.contains("webhooks are removed"), "{warning}");
    assert!(
        warning.contains("Orders, settings and mappings are kept"),
        "{warning}"
    );
    assert!(warning.contains("REST API"), "{warning}");
    c.capture("deactivate").await;
    let hooks = c
        .world
        .app
        .repo
        .get_channel(id)
        .await
        .unwrap()
        .unwrap()
        .webhooks;
    assert!(!hooks.is_empty());
    b.click("#confirm-deactivate").await.unwrap();
    c.wait("[data-testid=revoke-key]").await;
    assert!(c.testid("revoke-key").await.contains("REST API"));
    for hook in &hooks {
        assert_eq!(
            c.world.woo.webhook_status(hook.id),
            None,
            "webhook {} removed",
            hook.id
        );
    }
    c.capture("deactivated").await;
    c.open("/console/channels").await;
    let badge = format!("tr[data-channel-id='{id}'] [data-testid=health-badge]");
    c.wait(&badge).await;
    assert_eq!(c.attr(&badge, "data-health").await, "deactivated");

    c.open("/console/channels/no-such-channel/settings").await;
    c.wait("[data-testid=not-found]").await;
    c.capture("not-found").await;
}

/// Signing out ends the session: back at the sign-in form, and the old cookie opens nothing.
async fn sign_out(c: &Console) {
    let b = &c.browser;
    let old = b
        .cookies()
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.name == "console_session")
        .expect("signed in");
    b.click("#sign-out").await.unwrap();
    b.wait_for_url("/console/sign-in", WAIT).await.unwrap();
    assert!(b.count("#sign-in-form").await.unwrap() == 1);

    // The old cookie, put back by hand, is refused.
    b.add_cookie("console_session", &old.value).await.unwrap();
    c.open("/console/channels").await;
    let url = b.current_url().await.unwrap();
    assert!(
        url.contains("/console/sign-in"),
        "the revoked session opened {url}"
    );
}
