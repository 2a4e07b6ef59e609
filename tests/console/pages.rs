//! Each page's content and its forms: the language and amounts, the
//! channel list's badge and counts, connecting a shop through the
//! sandbox's approval page and back, the settings form (saved through the
//! admin API's validation), the mappings and their check, the inbox
//! (newest first, counts, filter, search, pages), one order and its
//! confirmed actions, a dry-run sync followed to its report, deactivation.

use std::time::Duration;

use channel::model::{DocumentType, Operation, OrderStatus, RoundingPolicy};
use reqwest::StatusCode;
use rust_decimal_macros::dec;

use super::{order, store, world, Browser};

#[tokio::test]
async fn latvian_pages_show_latvian_words_and_amounts_and_the_switch_changes_them() {
    let w = world().await;
    let ch = w.channel("c1", |_| {}).await.unwrap();
    store(
        &w,
        vec![order(&ch, 5, OrderStatus::Done, dec!(1234.56), "Anna")],
    )
    .await;
    let mut b = Browser::signed_in(&w).await;
    b.accept_language = "lv-LV,lv;q=0.9,en;q=0.5".into();
    let page = b.get("/console/channels/c1/orders").await;
    assert!(page.body.contains("<html lang=\"lv\">"));
    assert!(page.body.contains("Pārdošanas iesūtne"), "{}", page.body);
    assert_eq!(
        page.testid("total").as_deref(),
        Some("1\u{a0}234,56\u{a0}€")
    );
    assert!(page.body.contains("Kopsumma") && page.body.contains("Apstrādāts"));
    let sync = b.get("/console/channels/c1/sync").await;
    assert!(sync.body.contains(">Sinhronizēt</button>"));

    // The switch wins over the browser's language, and comes back to the page.
    let switched = b
        .get("/console/lang/en?back=%2Fconsole%2Fchannels%2Fc1%2Forders")
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(switched.location(), "/console/channels/c1/orders");
    let page = b.get("/console/channels/c1/orders").await;
    assert!(page.body.contains("<html lang=\"en\">"));
    assert!(page.body.contains("Sales Inbox"));
    assert_eq!(page.testid("total").as_deref(), Some("€1,234.56"));
    // It never sends anyone to another site.
    let away = b
        .get("/console/lang/lv?back=https%3A%2F%2Fevil.example%2F")
        .await;
    assert_eq!(away.location(), "/console/channels");
    w.stop().await;
}

#[tokio::test]
async fn the_channel_list_shows_each_channels_badge_and_counts() {
    let w = world().await;
    let ch = w.channel("c1", |_| {}).await.unwrap();
    let mut orders = vec![
        order(&ch, 1, OrderStatus::Failed, dec!(1), "A"),
        order(&ch, 2, OrderStatus::NeedsReview, dec!(1), "B"),
    ];
    for id in 3..6 {
        orders.push(order(&ch, id, OrderStatus::Received, dec!(1), "C"));
    }
    store(&w, orders).await;
    let mut pending =
        channel::model::Channel::new("c2", "Pending shop", "https://shop2.example.lv");
    w.app.repo.save_channel(&mut pending).await.unwrap();
    let mut b = Browser::signed_in(&w).await;
    let page = b.get("/console/channels").await;
    let row_of = |id: &str| {
        let at = page
            .body
            .find(&format!("data-channel-id=\"{id}\""))
            .unwrap();
        let end = page.body[at..].find("</tr>").unwrap();
        super::Page {
            status: page.status,
            headers: page.headers.clone(),
            body: page.body[at..at + end].to_string(),
        }
    };
    let c1 = row_of("c1");
    assert!(c1.body.contains("data-health=\"warning\""), "{}", c1.body);
    assert_eq!(c1.testid("backlog").as_deref(), Some("3"));
    assert_eq!(c1.testid("needs-attention").as_deref(), Some("2"));
    assert!(row_of("c2").body.contains("data-health=\"pending\""));
    w.stop().await;
}

#[tokio::test]
async fn connecting_a_shop_goes_through_its_approval_page_and_back_to_the_result() {
    let w = world().await;
    let mut b = Browser::signed_in(&w).await;
    assert!(b
        .get("/console/channels/new")
        .await
        .body
        .contains("id=\"new-channel-form\""));
    // A wrong address is refused by the admin API's rule; nothing is created.
    let page = b
        .post(
            "/console/channels",
            &[
                ("shop_url", "ftp://shop"),
                ("paytraq_api_key", "k"),
                ("paytraq_api_token", "t"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("data-field=\"shop_url\""),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("value=\"k\""),
        "keys are never put back on a page"
    );
    assert!(w.app.repo.all_channels().await.unwrap().is_empty());

    let shop = w.woo.base_url();
    let page = b
        .post(
            "/console/channels",
            &[
                ("shop_url", shop.as_str()),
                ("name", "Demo veikals"),
                ("paytraq_api_key", testkit::world::PAYTRAQ_KEY),
                ("paytraq_api_token", testkit::world::PAYTRAQ_TOKEN),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let authorize = page.location();
    assert!(
        authorize.starts_with(&format!("{shop}/wc-auth/v1/authorize?")),
        "{authorize}"
    );
    let parsed = url::Url::parse(&authorize).unwrap();
    let query: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    let return_url = query
        .iter()
        .find(|(k, _)| k == "return_url")
        .unwrap()
        .1
        .clone();
    let id = w.app.repo.all_channels().await.unwrap()[0].id.clone();
    assert_eq!(
        return_url,
        format!("{}/console/channels/{id}/activation", b.base)
    );

    // The owner approves in the shop; the shop posts the keys, then sends the browser back.
    let granted = b
        .http
        .post(parsed.join("/wc-auth/v1/access_granted").unwrap())
        .form(&query)
        .send()
        .await
        .unwrap();
    assert!(granted.status().is_redirection(), "{}", granted.status());
    let back = granted.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with(&return_url), "{back}");
    let path = back.trim_start_matches(&b.base).to_string();
    let result = b.get(&path).await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.body);
    assert!(
        result.body.contains("data-state=\"active\""),
        "{}",
        result.body
    );
    assert_eq!(result.testid("wc-version").as_deref(), Some("8.9.1"));
    assert_ne!(result.testid("webhooks-created").as_deref(), Some("0"));

    // Coming back from the shop's site without the Strict cookie: the page reloads itself once.
    let cross = b
        .http
        .get(&back)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::OK);
    let reload = cross.text().await.unwrap();
    assert!(reload.contains("http-equiv=\"refresh\""), "{reload}");
    assert!(reload.contains("reloaded=1"), "{reload}");
    // Only once: the marked reload without a cookie goes to the sign-in form.
    let again = b
        .http
        .get(format!("{back}&reloaded=1"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    w.stop().await;
}

#[tokio::test]
async fn the_settings_form_saves_every_setting_through_the_admin_validation() {
    let w = world().await;
    w.channel("c1", |_| {}).await.unwrap();
    let mut b = Browser::signed_in(&w).await;
    let page = b.get("/console/channels/c1/settings").await;
    let warehouse = w.mirror.warehouse_id.to_string();
    assert!(
        page.body.contains("Galvenā noliktava"),
        "warehouses by name"
    );
    assert!(page
        .body
        .contains(&format!("<option value=\"{warehouse}\"")));
    assert!(page.testid("paytraq-unreachable").is_none());

    let group = w.mirror.price_group_id.to_string();
    let saved = b
        .post(
            "/console/channels/c1/settings",
            &[
                ("document_type", "sales_order"),
                ("operation", "sell_services"),
                ("auto_process", "on"),
                ("approve", "on"),
                ("add_payment", "on"),
                ("send_email", "on"),
                ("void_cancelled", "on"),
                ("credit_cancelled", "on"),
                ("payment_term_days", "14"),
                ("fee_item_code", "WC-FEE"),
                ("refund_item_code", "WC-REFUND"),
                ("rounding_mode", "adjust"),
                ("rounding_max", "0.05"),
                ("warehouse_id", warehouse.as_str()),
                ("sync_prices", "on"),
                ("price_group_id", group.as_str()),
                ("sync_prices_without_stock_management", "on"),
                ("daily_sync", "on"),
                ("daily_sync_hour", "5"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(saved.body.contains("data-outcome=\"ok\""));
    let s = w
        .app
        .repo
        .get_channel("c1")
        .await
        .unwrap()
        .unwrap()
        .settings;
    assert_eq!(s.document_type, DocumentType::SalesOrder);
    assert_eq!(s.operation, Operation::SellServices);
    assert!(s.auto_process && s.approve && s.add_payment && s.send_email && s.void_cancelled);
    assert!(s.credit_cancelled);
    assert_eq!(s.refund_item_code.as_deref(), Some("WC-REFUND"));
    assert!(s.sync_prices && s.sync_prices_without_stock_management && s.daily_sync);
    assert_eq!(s.payment_term_days, Some(14));
    assert_eq!(s.fee_item_code.as_deref(), Some("WC-FEE"));
    assert_eq!(s.rounding, RoundingPolicy::Adjust { max: dec!(0.05) });
    assert_eq!(s.warehouse_id.map(|w| w.get()), Some(w.mirror.warehouse_id));
    assert_eq!(
        s.price_group_id.map(|p| p.get()),
        Some(w.mirror.price_group_id)
    );
    assert_eq!(s.daily_sync_hour, 5);

    // Unticking is saving "off"; wrong values are named by the admin API's rules and change nothing.
    let wrong = b
        .post(
            "/console/channels/c1/settings",
            &[
                ("document_type", "sales_order"),
                ("operation", "sell_services"),
                ("send_email", "on"),
                ("rounding_mode", "strict"),
                ("daily_sync_hour", "24"),
                ("payment_term_days", "400"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    for field in ["daily_sync_hour", "payment_term_days"] {
        assert!(
            wrong.body.contains(&format!("data-field=\"{field}\"")),
            "{field}: {}",
            wrong.body
        );
    }
    assert!(wrong.body.contains("must be an hour from 0 to 23"));
    assert!(
        wrong.body.contains("value=\"24\""),
        "the form keeps what was sent"
    );
    let after = w
        .app
        .repo
        .get_channel("c1")
        .await
        .unwrap()
        .unwrap()
        .settings;
    assert_eq!(after, s, "nothing changed");

    let off = b
        .post(
            "/console/channels/c1/settings",
            &[
                ("document_type", "sales_invoice"),
                ("operation", "sell_goods"),
                ("rounding_mode", "strict"),
                ("daily_sync_hour", "6"),
            ],
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    let s = w
        .app
        .repo
        .get_channel("c1")
        .await
        .unwrap()
        .unwrap()
        .settings;
    assert!(!s.auto_process && !s.approve && !s.daily_sync && !s.sync_prices);
    assert_eq!(s.rounding, RoundingPolicy::Strict);
    assert_eq!(s.warehouse_id, None);
    w.stop().await;
}

#[tokio::test]
async fn when_paytraq_cannot_be_read_the_settings_say_so_and_take_an_id() {
    let w = world().await;
    w.channel("c1", |_| {}).await.unwrap();
    let mut secrets = w.app.secrets.get("c1").await.unwrap().unwrap();
    secrets.paytraq_api_key = Some(channel::secrets::Secret::new("wrong-key"));
    w.app.secrets.put("c1", &secrets).await.unwrap();
    let mut b = Browser::signed_in(&w).await;
    let page = b.get("/console/channels/c1/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    let why = page
        .testid("paytraq-unreachable")
        .expect("says PayTraq cannot be read");
    assert!(why.contains("PayTraq"), "{why}");
    assert!(
        page.body.contains("<input id=\"warehouse_id\""),
        "an id field instead"
    );
    assert!(!page.body.contains("wrong-key"));
    w.stop().await;
}

#[tokio::test]
async fn mappings_list_both_sides_save_and_show_the_check() {
    let w = world().await;
    w.channel("c1", |_| {}).await.unwrap();
    let mut b = Browser::signed_in(&w).await;
    let page = b.get("/console/channels/c1/mappings").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for rate in ["0", "3", "4", "5", "6", "7", "8"] {
        assert!(
            page.body.contains(&format!("data-rate-id=\"{rate}\"")),
            "rate {rate}"
        );
    }
    for gateway in ["bacs", "cheque", "cod"] {
        assert!(
            page.body.contains(&format!("data-gateway=\"{gateway}\"")),
            "{gateway}"
        );
    }
    assert!(
        page.body.contains("data-complete=\"true\""),
        "the mirror maps everything"
    );

    // Save with rate 8 and cod left unmapped: saved, and the check says what is missing.
    let mut form: Vec<(String, String)> = Vec::new();
    for (rate, key) in &w.mirror.tax_map {
        let value = if rate.get() == 8 {
            String::new()
        } else {
            key.get().to_string()
        };
        form.push((format!("tax.{}", rate.get()), value));
    }
    for (gateway, account) in &w.mirror.payment_map {
        let value = if gateway.as_str() == "cod" {
            String::new()
        } else {
            account.get().to_string()
        };
        form.push((format!("pay.{gateway}"), value));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = b.post("/console/channels/c1/mappings", &pairs).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(saved.body.contains("data-outcome=\"ok\""));
    assert!(saved.body.contains("data-complete=\"false\""));
    assert!(
        saved
            .body
            .contains("data-rate-id=\"8\" data-state=\"unmapped\""),
        "{}",
        saved.body
    );
    assert!(saved
        .body
        .contains("data-gateway=\"cod\" data-state=\"unmapped\""));
    let ch = w.app.repo.get_channel("c1").await.unwrap().unwrap();
    assert!(!ch.tax_map.contains_key(&8u64) && ch.tax_map.contains_key(&4u64));
    assert!(!ch.payment_map.contains_key("cod") && ch.payment_map.contains_key("bacs"));

    // A target that is no id is refused; neither mapping changes.
    let wrong = b
        .post(
            "/console/channels/c1/mappings",
            &[("tax.4", "abc"), ("pay.cod", "1")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(
        wrong.body.contains("data-field=\"tax.4\""),
        "{}",
        wrong.body
    );
    let again = w.app.repo.get_channel("c1").await.unwrap().unwrap();
    assert_eq!(again.tax_map, ch.tax_map);
    assert_eq!(again.payment_map, ch.payment_map);
    w.stop().await;
}

#[tokio::test]
async fn the_inbox_lists_newest_first_with_counts_filter_search_and_pages() {
    let w = world().await;
    let ch = w.channel("c1", |_| {}).await.unwrap();
    let mut orders = Vec::new();
    for id in 1..=120u64 {
        let status = if id % 10 == 0 {
            OrderStatus::Failed
        } else {
            OrderStatus::Done
        };
        let name = if id == 57 { "Zelma" } else { "Anna" };
        orders.push(order(&ch, id, status, dec!(10), name));
    }
    store(&w, orders).await;
    let mut b = Browser::signed_in(&w).await;
    let page = b.get("/console/channels/c1/orders").await;
    let keys = |p: &super::Page| -> Vec<String> {
        p.body
            .match_indices("data-order-key=\"")
            .map(|(at, m)| {
                let rest = &p.body[at + m.len()..];
                rest[..rest.find('"').unwrap()].to_string()
            })
            .collect()
    };
    let first = keys(&page);
    assert_eq!(first.len(), 50);
    assert_eq!(first[0], "120");
    assert_eq!(first[49], "71");
    assert!(
        page.body.contains("data-status=\"failed\">12<"),
        "counts: {}",
        page.body
    );
    assert!(page.body.contains("data-status=\"done\">108<"));
    assert!(
        page.body.contains(&format!(
            "{}/wp-admin/post.php?post=120&amp;action=edit",
            w.woo.base_url()
        )) || page.body.contains(&format!(
            "{}/wp-admin/post.php?post=120&#38;action=edit",
            w.woo.base_url()
        ))
    );
    let next = page.body.split("id=\"next-page\" href=\"").nth(1).unwrap();
    let next = next[..next.find('"').unwrap()]
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let second = keys(&b.get(&next).await);
    assert_eq!(second[0], "70");

    let failed = keys(&b.get("/console/channels/c1/orders?status=failed").await);
    assert_eq!(failed.len(), 12);
    assert_eq!(failed[0], "120");
    assert_eq!(
        keys(&b.get("/console/channels/c1/orders?q=57").await),
        ["57"]
    );
    assert_eq!(
        keys(&b.get("/console/channels/c1/orders?q=zelma").await),
        ["57"]
    );
    assert_eq!(
        keys(
            &b.get("/console/channels/c1/orders?q=buyer57%40example")
                .await
        ),
        ["57"]
    );
    assert!(keys(&b.get("/console/channels/c1/orders?q=nobody").await).is_empty());
    let odd = b.get("/console/channels/c1/orders?status=lost").await;
    assert!(odd.body.contains("data-field=\"status\""));
    w.stop().await;
}

#[tokio::test]
async fn an_order_page_shows_totals_and_marks_handled_after_a_confirmation() {
    let w = world().await;
    let ch = w.channel("c1", |_| {}).await.unwrap();
    let mut o = order(&ch, 31, OrderStatus::Failed, dec!(121.00), "Anna");
    o.paytraq.document_number = Some("RK-0031".into());
    o.paytraq.document_total = Some(dec!(120.99));
    o.timeline.push(channel::model::TimelineEvent::now(
        "failed",
        "tax rate 1 is not mapped",
    ));
    store(&w, vec![o]).await;
    let mut b = Browser::signed_in(&w).await;
    let page = b.get("/console/channels/c1/orders/31").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.testid("reason").as_deref(),
        Some("tax rate 1 is not mapped")
    );
    assert_eq!(page.testid("document-number").as_deref(), Some("RK-0031"));
    assert_eq!(page.testid("shop-total").as_deref(), Some("€121.00"));
    assert_eq!(page.testid("paytraq-total").as_deref(), Some("€120.99"));
    assert_eq!(page.testid("difference").as_deref(), Some("€0.01"));
    assert!(page.body.contains("id=\"reprocess\""));
    assert!(page.body.contains("tax rate 1 is not mapped</li>"));

    let confirm = b
        .get("/console/channels/c1/orders/31/confirm/handled")
        .await;
    assert!(confirm
        .body
        .contains("action=\"/console/channels/c1/orders/31/handled\""));
    assert_eq!(
        w.app
            .repo
            .get_order("c1", "31")
            .await
            .unwrap()
            .unwrap()
            .status,
        OrderStatus::Failed,
        "asking is not doing"
    );
    let done = b.post("/console/channels/c1/orders/31/handled", &[]).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.contains("data-outcome=\"ok\""));
    assert!(done.body.contains("data-status=\"handled\""));
    assert_eq!(
        w.app
            .repo
            .get_order("c1", "31")
            .await
            .unwrap()
            .unwrap()
            .status,
        OrderStatus::Handled
    );
    // Done orders cannot be marked: the admin API's refusal, in words.
    store(&w, vec![order(&ch, 32, OrderStatus::Done, dec!(1), "B")]).await;
    let refused = b.post("/console/channels/c1/orders/32/handled", &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains("data-outcome=\"error\"") && refused.body.contains("already done")
    );
    w.stop().await;
}

#[tokio::test]
async fn a_dry_run_is_followed_live_to_its_report_and_listed() {
    let w = world().await;
    channel_with_warehouse(&w).await;
    let mut b = Browser::signed_in(&w).await;
    let (run_path, page) = sync_to_the_end(&mut b, &[("dry_run", "1")]).await;
    assert!(
        page.body
            .contains("data-testid=\"sync-status\" data-status=\"succeeded\""),
        "{}",
        page.body
    );
    assert!(page.testid("report-planned").is_some());
    assert!(page.testid("report-only_in_shop").is_some());
    assert!(!page.body.contains("console.js"), "no script once finished");
    let history = b.get("/console/channels/c1/sync").await;
    let run_id = run_path.rsplit('/').next().unwrap();
    assert!(history.body.contains(&format!("data-run-id=\"{run_id}\"")));
    w.stop().await;
}

/// Channel `c1` with the mirror company's warehouse, so it can sync.
async fn channel_with_warehouse(w: &testkit::world::World) {
    w.channel("c1", |s| {
        s.warehouse_id =
            Some(channel::model::WarehouseId::try_from(w.mirror.warehouse_id).unwrap());
    })
    .await
    .unwrap();
}

/// Starts a run from the sync page's form and waits (through the progress
/// JSON the page's script polls) for it to finish; answers the run's path
/// and page.
async fn sync_to_the_end(b: &mut Browser, form: &[(&str, &str)]) -> (String, super::Page) {
    let started = b.post("/console/channels/c1/sync", form).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let run_path = started.location();
    assert!(
        run_path.starts_with("/console/channels/c1/sync/"),
        "{run_path}"
    );
    for _ in 0..200 {
        let progress = b.get(&format!("{run_path}/progress")).await;
        let p: serde_json::Value = serde_json::from_str(&progress.body).unwrap();
        if p["finished"] == true {
            let page = b.get(&run_path).await;
            return (run_path, page);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the run at {run_path} did not finish");
}

#[tokio::test]
async fn a_sync_the_mass_zero_guard_refuses_is_explained_and_runs_only_when_forced() {
    let w = world().await;
    channel_with_warehouse(&w).await;
    // Sixty managed products the shop holds 5 of and PayTraq's warehouse none.
    let seed = testkit::shop_items::ShopSeed {
        manage: "yes",
        stock: Some(5),
        regular_price: Some(dec!(10.00)),
    };
    w.woo.seed_products(
        (9001..=9060)
            .map(|id| testkit::shop_items::simple_json(id, &format!("ZERO-{id}"), &seed))
            .collect(),
    );
    for id in 9001..=9060 {
        w.paytraq_item(&format!("ZERO-{id}"), dec!(0), None);
    }
    let mut b = Browser::signed_in(&w).await;
    let (_, refused) = sync_to_the_end(&mut b, &[]).await;
    assert!(
        refused
            .body
            .contains("data-testid=\"sync-status\" data-status=\"refused\""),
        "{}",
        refused.body
    );
    let why = refused.testid("refusal").unwrap();
    assert!(
        why.contains("would drop to zero") && why.contains("nothing was written"),
        "{why}"
    );
    assert!(refused.body.contains("id=\"force-form\""));
    assert_eq!(
        w.woo.stock(9001),
        Some(serde_json::json!(5)),
        "nothing written"
    );

    // The person confirms: the forced run writes what the plan said.
    let (_, forced) = sync_to_the_end(&mut b, &[("force", "1")]).await;
    assert!(
        forced
            .body
            .contains("data-testid=\"sync-status\" data-status=\"succeeded\""),
        "{}",
        forced.body
    );
    assert!(forced.testid("refusal").is_none());
    assert_eq!(w.woo.stock(9001), Some(serde_json::json!(0)));
    assert_eq!(w.woo.stock(9060), Some(serde_json::json!(0)));
    w.stop().await;
}

#[tokio::test]
async fn deactivation_asks_first_then_says_what_was_done() {
    let w = world().await;
    w.channel("c1", |_| {}).await.unwrap();
    let mut b = Browser::signed_in(&w).await;
    let ask = b.get("/console/channels/c1/deactivate").await;
    assert!(ask
        .testid("deactivate-warning")
        .unwrap()
        .contains("REST API"));
    assert!(w
        .app
        .repo
        .get_channel("c1")
        .await
        .unwrap()
        .unwrap()
        .is_active());
    let done = b.post("/console/channels/c1/deactivate", &[]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("data-outcome=\"ok\""));
    assert!(done
        .testid("revoke-key")
        .unwrap()
        .contains("WooCommerce → Settings → Advanced → REST API"));
    let ch = w.app.repo.get_channel("c1").await.unwrap().unwrap();
    assert_eq!(ch.state, channel::model::ChannelState::Deactivated);
    w.stop().await;
}
