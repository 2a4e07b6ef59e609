//! End-to-end tests of the stock and price sync against both sandboxes:
//! every behaviour of issue 6 (matching, managed/unmanaged/parent, missing
//! SKUs, negative and reserved quantities, prices in both tax modes, more
//! than 100 changes, interruption and resume, guard, dry run, lease held and
//! renewed while reading, variations found by SKU lookup with listings only
//! as a fallback, request counts) and the stock-sync function's two event
//! kinds.

use std::collections::BTreeMap;
use std::time::Duration;

use channel::model::{SyncRun, SyncStatus};
use channel::paytraq::model::{NewSale, NewSaleLine, Operation, SaleType};
use channel::sync::{self, lambda, Report, SyncOptions};
use channel::Error;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use testkit::shop_items::{simple_json, variable_json, variation_json, ShopSeed};
use testkit::world::{World, WorldConfig};

const CHANNEL: &str = "bench";

fn managed(stock: i64) -> ShopSeed {
    ShopSeed {
        manage: "yes",
        stock: Some(stock),
        regular_price: Some(dec!(10.00)),
    }
}

fn seed(manage: &'static str, stock: Option<i64>) -> ShopSeed {
    ShopSeed {
        manage,
        stock,
        regular_price: Some(dec!(10.00)),
    }
}

/// An empty shop behind the recording proxy, PayTraq without a rate limit,
/// and the channel `bench` syncing stock (and prices when `sync_prices`)
/// from the company's warehouse and price group, daily.
async fn world_with(cfg: WorldConfig, sync_prices: bool) -> World {
    let w = World::start(cfg).await.unwrap();
    w.channel(CHANNEL, |s| {
        s.warehouse_id = channel::model::WarehouseId::try_from(w.mirror.warehouse_id).ok();
        s.price_group_id = channel::model::PriceGroupId::try_from(w.mirror.price_group_id).ok();
        s.sync_prices = sync_prices;
        s.daily_sync = true;
    })
    .await
    .unwrap();
    w
}

/// [`world_with`] without latency or prices.
async fn world() -> World {
    world_with(WorldConfig::sync(Duration::ZERO), false).await
}

async fn run(w: &World, dry_run: bool, force: bool) -> SyncRun {
    let queued = sync::start_run(&w.app, CHANNEL, dry_run, force)
        .await
        .unwrap();
    assert_eq!(queued.status, SyncStatus::Queued);
    sync::run_job_with(&w.app, CHANNEL, &queued.run_id, &SyncOptions::default())
        .await
        .unwrap()
}

fn report(run: &SyncRun) -> Report {
    Report::from_stored(run.report.as_ref().expect("a report")).expect("a report")
}

fn stock(w: &World, id: u64) -> Option<i64> {
    w.shop_stock(id).and_then(|v| v.as_i64())
}

/// Item ids written by successful batch requests, with how often.
fn writes(w: &World) -> BTreeMap<u64, usize> {
    let mut out = BTreeMap::new();
    for r in w
        .proxy()
        .unwrap()
        .recorded()
        .iter()
        .filter(|r| r.is_batch_write() && r.status == 200)
    {
        let body: Value = serde_json::from_str(&r.body).unwrap();
        for item in body["update"].as_array().unwrap() {
            *out.entry(item["id"].as_u64().unwrap()).or_default() += 1;
        }
    }
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_matches_by_sku_and_touches_only_managed_items() {
    let w = world().await;
    w.woo.seed_products(vec![
        simple_json(1, "SIMPLE", &managed(5)),
        simple_json(2, "SAME", &managed(4)),
        simple_json(3, "UNMANAGED", &seed("no", None)),
        simple_json(4, "SHOP-ONLY", &managed(1)),
        simple_json(5, "NEGATIVE", &managed(2)),
        simple_json(6, "RESERVED", &managed(9)),
        variable_json(10, "PARENT", &managed(3), &[11, 12]),
    ]);
    w.woo.seed_variations(vec![
        variation_json(11, 10, "VAR-OWN", &managed(1)),
        variation_json(12, 10, "VAR-PARENT", &seed("parent", Some(3))),
    ]);
    w.paytraq_item("SIMPLE", dec!(8), None);
    w.paytraq_item("SAME", dec!(4), None);
    w.paytraq_item("UNMANAGED", dec!(50), None);
    w.paytraq_item("PT-ONLY", dec!(1), None);
    w.paytraq_item("NEGATIVE", dec!(-4), None);
    let reserved_item = w.paytraq_item("RESERVED", dec!(10), None);
    w.paytraq_item("PARENT", dec!(6), None);
    w.paytraq_item("VAR-OWN", dec!(2.7), None);
    w.paytraq_item("VAR-PARENT", dec!(99), None);
    approve_sales_order(&w, reserved_item, dec!(3)).await;

    let done = run(&w, false, false).await;
    assert_eq!(done.status, SyncStatus::Succeeded, "{:?}", done.error);
    assert_eq!(stock(&w, 1), Some(8));
    assert_eq!(stock(&w, 2), Some(4));
    assert_eq!(stock(&w, 3), None, "unmanaged product untouched");
    assert_eq!(stock(&w, 4), Some(1), "SKU only in the shop untouched");
    assert_eq!(stock(&w, 5), Some(0), "negative availability written as 0");
    assert_eq!(
        stock(&w, 6),
        Some(7),
        "10 on hand - 3 in an approved sales order"
    );
    assert_eq!(stock(&w, 10), Some(6), "parent with its own stock updated");
    assert_eq!(
        stock(&w, 11),
        Some(2),
        "variation: whole units, rounded down"
    );
    let r = report(&done);
    assert_eq!(r.counts.matched, 6, "managed items with a PayTraq SKU");
    assert_eq!(r.counts.updated, 5);
    assert_eq!(r.counts.unchanged, 1);
    assert_eq!(r.counts.errors, 0);
    assert_eq!(r.skipped_unmanaged, vec!["UNMANAGED".to_string()]);
    assert_eq!(r.parent_managed, vec!["VAR-PARENT".to_string()]);
    assert_eq!(r.only_in_shop, vec!["SHOP-ONLY".to_string()]);
    assert_eq!(r.only_in_paytraq, vec!["PT-ONLY".to_string()]);
    assert_eq!(r.negative_availability, vec!["NEGATIVE".to_string()]);
    assert_eq!(
        sorted(r.updated_stock.clone()),
        sorted(vec![
            "SIMPLE".into(),
            "NEGATIVE".into(),
            "RESERVED".into(),
            "PARENT".into(),
            "VAR-OWN".into()
        ])
    );
    assert!(r.updated_price.is_empty(), "price sync is off");
    assert!(r
        .requests
        .get("woocommerce.products")
        .is_some_and(|n| *n >= 2));
    assert_eq!(
        r.requests.get("paytraq.products_of_warehouse"),
        Some(&1),
        "one PayTraq list: codes and availability"
    );
    assert_eq!(
        r.requests.get("woocommerce.products"),
        Some(&3),
        "1 page + 1 SKU lookup (the variations) + 1 batch"
    );
    assert_eq!(
        r.requests.get("woocommerce.variations"),
        Some(&1),
        "the variations' batch; no listing: both were found by lookup"
    );

    // A second run finds nothing to do.
    w.proxy().unwrap().clear();
    let again = run(&w, false, false).await;
    assert_eq!(report(&again).counts.updated, 0);
    assert!(writes(&w).is_empty());
}

async fn approve_sales_order(w: &World, item_id: u64, qty: Decimal) {
    let channel = w.app.repo.get_channel(CHANNEL).await.unwrap().unwrap();
    let pt = w.app.paytraq(&channel).await.unwrap();
    let client_id = w.company.add_client("Buyer", Some("buyer@example.com"));
    let tax_key_id = w.company.add_tax_key("PVN 21%", dec!(21));
    let sale = NewSale {
        sale_type: SaleType::SalesOrder,
        operation: Operation::SellGoods,
        client_id,
        document_date: chrono::Utc::now().date_naive(),
        currency: "EUR".into(),
        warehouse_id: Some(w.mirror.warehouse_id),
        loading_area_id: None,
        our_reference: "reserve-1".into(),
        include_tax: false,
        comment: None,
        payment_term_days: None,
        lines: vec![NewSaleLine {
            item_id: Some(item_id),
            item_code: None,
            description: None,
            quantity: qty,
            unit_price: dec!(1),
            discount_percent: Decimal::ZERO,
            tax_key_id,
        }],
        shipping_charge: None,
    };
    let created = pt.create_sale(&sale).await.unwrap();
    pt.approve_sale(created.document_id).await.unwrap();
    assert_eq!(w.company.reserved(w.mirror.warehouse_id, item_id), qty);
}

async fn price_world(include_tax: bool) -> World {
    let mut cfg = WorldConfig::sync(Duration::ZERO);
    cfg.woo.prices_include_tax = include_tax;
    let w = world_with(cfg, true).await;
    w.woo.seed_products(vec![
        simple_json(1, "P1", &managed(5)),
        simple_json(2, "P2", &managed(5)),
        variable_json(10, "PARENT", &seed("no", None), &[11]),
    ]);
    w.woo
        .seed_variations(vec![variation_json(11, 10, "V1", &managed(5))]);
    w.paytraq_item("P1", dec!(5), Some((dec!(12.1), dec!(10))));
    w.paytraq_item("P2", dec!(5), None);
    w.paytraq_item("V1", dec!(5), Some((dec!(6.0555), dec!(5.005))));
    w
}

async fn regular_price(w: &World, sku: &str) -> Option<Decimal> {
    let channel = w.app.repo.get_channel(CHANNEL).await.unwrap().unwrap();
    let woo = w.app.woo(&channel).await.unwrap();
    woo.products_by_sku(&[sku], &[])
        .await
        .unwrap()
        .first()
        .and_then(|p| p.regular_price)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_prices_tax_inclusive_shop_gets_gross_prices() {
    let w = price_world(true).await;
    let done = run(&w, false, false).await;
    assert_eq!(done.status, SyncStatus::Succeeded, "{:?}", done.error);
    assert_eq!(regular_price(&w, "P1").await, Some(dec!(12.10)));
    assert_eq!(regular_price(&w, "V1").await, Some(dec!(6.06)));
    assert_eq!(
        regular_price(&w, "P2").await,
        Some(dec!(10.00)),
        "no price in the group: untouched"
    );
    let bodies: Vec<String> = w
        .proxy()
        .unwrap()
        .recorded()
        .into_iter()
        .filter(|r| r.is_batch_write())
        .map(|r| r.body)
        .collect();
    assert!(
        bodies
            .iter()
            .any(|b| b.contains(r#""regular_price":"12.10""#)),
        "{bodies:?}"
    );
    let r = report(&done);
    assert_eq!(
        sorted(r.updated_price),
        vec!["P1".to_string(), "V1".to_string()]
    );
    assert_eq!(r.without_price, vec!["P2".to_string()]);
    assert!(r.updated_stock.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_prices_tax_exclusive_shop_gets_net_prices() {
    let w = price_world(false).await;
    let done = run(&w, false, false).await;
    assert_eq!(done.status, SyncStatus::Succeeded, "{:?}", done.error);
    assert_eq!(regular_price(&w, "P1").await, Some(dec!(10.00)));
    assert_eq!(regular_price(&w, "V1").await, Some(dec!(5.01)));
    let r = report(&done);
    assert_eq!(
        r.updated_price,
        vec!["V1".to_string()],
        "P1 already costs 10.00"
    );
}

/// 250 simple products and 130 variations of one parent, all changed.
fn many_changes(w: &World) -> Vec<u64> {
    let mut products: Vec<Value> = (1..=250)
        .map(|i| simple_json(i, &format!("S{i}"), &managed(0)))
        .collect();
    let var_ids: Vec<u64> = (1001..=1130).collect();
    products.push(variable_json(1000, "PARENT", &seed("no", None), &var_ids));
    w.woo.seed_products(products);
    w.woo.seed_variations(
        var_ids
            .iter()
            .map(|id| variation_json(*id, 1000, &format!("V{id}"), &managed(0)))
            .collect(),
    );
    for i in 1..=250 {
        w.paytraq_item(&format!("S{i}"), dec!(3), None);
    }
    for id in &var_ids {
        w.paytraq_item(&format!("V{id}"), dec!(4), None);
    }
    (1..=250).chain(var_ids).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_more_than_100_changes_goes_out_in_batches_of_at_most_100() {
    let w = world().await;
    let ids = many_changes(&w);
    let done = run(&w, false, false).await;
    assert_eq!(done.status, SyncStatus::Succeeded, "{:?}", done.error);
    let batches: Vec<_> = w
        .proxy()
        .unwrap()
        .recorded()
        .into_iter()
        .filter(|r| r.is_batch_write())
        .collect();
    assert_eq!(batches.len(), 5, "3 product batches + 2 variation batches");
    for b in &batches {
        assert_eq!(b.status, 200, "no 413");
        let body: Value = serde_json::from_str(&b.body).unwrap();
        assert!(body["update"].as_array().unwrap().len() <= 100);
    }
    let written = writes(&w);
    assert_eq!(written.len(), ids.len());
    assert!(written.values().all(|n| *n == 1));
    assert_eq!(stock(&w, 250), Some(3));
    assert_eq!(stock(&w, 1130), Some(4));
    assert_eq!(report(&done).counts.updated, 380);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_interrupted_half_way_resumes_without_writing_twice_or_missing() {
    let w = world().await;
    let ids = many_changes(&w);
    w.proxy().unwrap().refuse_batches_after(2);
    let queued = sync::start_run(&w.app, CHANNEL, false, false)
        .await
        .unwrap();
    let opts = SyncOptions::default();
    let first = sync::run_job_with(&w.app, CHANNEL, &queued.run_id, &opts).await;
    assert!(
        first.is_err(),
        "a 503 on a batch stops the job to be resumed"
    );
    let stored = stored_run(&w, &queued.run_id).await;
    assert_eq!(stored.status, SyncStatus::Running);
    assert_eq!(stored.lease_until, None, "lease released for the next try");
    assert_eq!(
        stored.checkpoint.as_ref().unwrap()["batches_done"],
        json!(2)
    );
    assert_eq!(writes(&w).len(), 200, "two batches got through");

    w.proxy().unwrap().allow_all();
    let resumed = sync::run_job_with(&w.app, CHANNEL, &queued.run_id, &opts)
        .await
        .unwrap();
    assert_eq!(resumed.status, SyncStatus::Succeeded, "{:?}", resumed.error);
    let written = writes(&w);
    assert_eq!(written.len(), ids.len(), "none missed");
    assert!(written.values().all(|n| *n == 1), "none written twice");
    let r = report(&resumed);
    assert_eq!(r.counts.updated, 380);
    assert_eq!(r.counts.unchanged, 0);
    assert_eq!(
        resumed.checkpoint.as_ref().unwrap()["invocations"],
        json!(2)
    );

    // A finished run is not run again.
    let again = sync::run_job_with(&w.app, CHANNEL, &queued.run_id, &opts)
        .await
        .unwrap();
    assert_eq!(again.version, resumed.version);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_mass_zero_guard_refuses_unless_forced() {
    let w = world().await;
    w.woo.seed_products(
        (1..=10)
            .map(|i| simple_json(i, &format!("S{i}"), &managed(5)))
            .collect(),
    );
    for i in 1..=10 {
        w.paytraq_item(
            &format!("S{i}"),
            if i <= 6 { dec!(0) } else { dec!(5) },
            None,
        );
    }
    let refused = run(&w, false, false).await;
    assert_eq!(refused.status, SyncStatus::Refused);
    let r = report(&refused);
    assert!(
        r.refused.as_deref().unwrap().contains("6 of 10"),
        "{:?}",
        r.refused
    );
    assert_eq!(r.planned.len(), 6, "the refused plan is shown");
    assert!(writes(&w).is_empty(), "nothing written");
    assert_eq!(stock(&w, 1), Some(5));

    let forced = run(&w, false, true).await;
    assert_eq!(forced.status, SyncStatus::Succeeded);
    assert_eq!(stock(&w, 1), Some(0));
    assert_eq!(report(&forced).counts.updated, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_empty_paytraq_catalogue_is_refused() {
    let w = one_product_world().await;
    let refused = run(&w, false, false).await;
    assert_eq!(refused.status, SyncStatus::Refused);
    assert!(report(&refused).refused.unwrap().contains("no products"));
    assert!(writes(&w).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_dry_run_returns_the_plan_and_writes_nothing() {
    let w = world().await;
    w.woo.seed_products(vec![
        simple_json(1, "S1", &managed(5)),
        simple_json(2, "S2", &managed(5)),
    ]);
    w.paytraq_item("S1", dec!(9), None);
    w.paytraq_item("S2", dec!(5), None);
    let dry = run(&w, true, false).await;
    assert_eq!(dry.status, SyncStatus::Succeeded);
    let r = report(&dry);
    assert!(r.dry_run);
    assert_eq!(r.counts.planned, 1);
    assert_eq!(r.planned[0].sku, "S1");
    assert_eq!(r.planned[0].stock_quantity, Some(9));
    assert_eq!(r.counts.updated, 0);
    assert!(writes(&w).is_empty());
    assert_eq!(stock(&w, 1), Some(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_run_leased_by_another_worker_is_left_alone() {
    let w = one_product_world().await;
    w.paytraq_item("S1", dec!(9), None);
    let mut queued = sync::start_run(&w.app, CHANNEL, false, false)
        .await
        .unwrap();
    queued.status = SyncStatus::Running;
    queued.lease_until = Some(chrono::Utc::now() + chrono::Duration::minutes(5));
    w.app.repo.save_sync_run(&mut queued).await.unwrap();
    let seen = sync::run_job_with(&w.app, CHANNEL, &queued.run_id, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(seen.status, SyncStatus::Running);
    assert_eq!(seen.version, queued.version, "not touched");
    assert!(w.proxy().unwrap().recorded().is_empty(), "no request sent");

    // Once the lease has expired (the worker died), the run is taken over.
    queued.lease_until = Some(chrono::Utc::now() - chrono::Duration::seconds(1));
    w.app.repo.save_sync_run(&mut queued).await.unwrap();
    let taken = sync::run_job_with(&w.app, CHANNEL, &queued.run_id, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(taken.status, SyncStatus::Succeeded);
    assert_eq!(stock(&w, 1), Some(9));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_sync_function_fans_out_daily_and_runs_sqs_jobs() {
    let w = one_product_world().await;
    w.paytraq_item("S1", dec!(2), None);

    let answer = lambda::handle(&w.app, &json!({"job": "daily_sync"}))
        .await
        .unwrap();
    assert_eq!(answer, json!({"queued": ["bench"]}));
    let again = lambda::handle(&w.app, &json!({"job": "daily_sync"}))
        .await
        .unwrap();
    assert_eq!(
        again,
        json!({"queued": []}),
        "one daily run per channel and day"
    );

    let deliveries = w
        .app
        .sync_jobs
        .receive(10, std::time::Duration::from_millis(200))
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 1);
    let msg = &deliveries[0].message;
    assert_eq!(msg.group, "bench");
    assert!(msg.dedup_id.starts_with("bench-"));
    let job: Value = serde_json::from_str(&msg.body).unwrap();
    let event = json!({"Records": [
        {"messageId": "m1", "eventSource": "aws:sqs", "body": msg.body},
        {"messageId": "m2", "eventSource": "aws:sqs", "body": "not json"},
    ]});
    let answer = lambda::handle(&w.app, &event).await.unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let run = w
        .app
        .repo
        .get_sync_run("bench", job["run_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.status, SyncStatus::Succeeded);
    assert_eq!(stock(&w, 1), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_sync_function_reports_an_interrupted_job_as_a_batch_item_failure() {
    let w = one_product_world().await;
    w.paytraq_item("S1", dec!(2), None);
    let queued = sync::start_run(&w.app, CHANNEL, false, false)
        .await
        .unwrap();
    w.proxy().unwrap().refuse_batches_after(0);
    let body = json!({"channel_id": "bench", "run_id": queued.run_id}).to_string();
    let event = json!({"Records": [{"messageId": "m1", "eventSource": "aws:sqs", "body": body}]});
    let answer = lambda::handle(&w.app, &event).await.unwrap();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": "m1"}]})
    );
    w.proxy().unwrap().allow_all();
    let answer = lambda::handle(&w.app, &event).await.unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    assert_eq!(stock(&w, 1), Some(2));
}

/// WooCommerce requests that went through the proxy, by route.
fn routes(w: &World) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in w.proxy().unwrap().recorded() {
        *out.entry(r.route()).or_default() += 1;
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_lists_variations_only_of_parents_whose_variations_were_not_all_found() {
    let w = world().await;
    w.woo.seed_products(vec![
        simple_json(1, "S1", &managed(5)),
        // One variation PayTraq knows, one it does not: listed.
        variable_json(10, "P1", &seed("no", None), &[11, 12]),
        // Both variations known (one parent-managed): not listed.
        variable_json(20, "P2", &managed(6), &[21, 22]),
        // A variation without a SKU: listed.
        variable_json(30, "P3", &seed("no", None), &[31, 32]),
    ]);
    w.woo.seed_variations(vec![
        variation_json(11, 10, "V11", &managed(1)),
        variation_json(12, 10, "SHOP-ONLY-VAR", &managed(1)),
        variation_json(21, 20, "V21", &managed(1)),
        variation_json(22, 20, "V22", &seed("parent", Some(6))),
        variation_json(31, 30, "V31", &seed("no", None)),
        variation_json(32, 30, "", &managed(2)),
    ]);
    w.paytraq_item("S1", dec!(8), None);
    w.paytraq_item("V11", dec!(3), None);
    w.paytraq_item("P2", dec!(6), None);
    w.paytraq_item("V21", dec!(4), None);
    w.paytraq_item("V22", dec!(9), None);
    w.paytraq_item("V31", dec!(7), None);
    w.paytraq_item("PT-ONLY", dec!(1), None);

    let done = run(&w, false, false).await;
    assert_eq!(done.status, SyncStatus::Succeeded, "{:?}", done.error);
    let calls = routes(&w);
    assert_eq!(calls.get("GET products?sku="), Some(&1), "{calls:?}");
    assert_eq!(
        calls.get("GET products/{id}/variations"),
        Some(&2),
        "P1 and P3 listed, P2 not: {calls:?}"
    );
    let listed: Vec<String> = w
        .proxy()
        .unwrap()
        .recorded()
        .into_iter()
        .filter(|r| r.route() == "GET products/{id}/variations")
        .map(|r| r.uri.split('?').next().unwrap_or_default().to_owned())
        .collect();
    assert!(listed
        .iter()
        .any(|u| u.ends_with("/products/10/variations")));
    assert!(listed
        .iter()
        .any(|u| u.ends_with("/products/30/variations")));

    assert_eq!(stock(&w, 1), Some(8));
    assert_eq!(stock(&w, 11), Some(3));
    assert_eq!(stock(&w, 12), Some(1), "SKU only in the shop: untouched");
    assert_eq!(stock(&w, 21), Some(4));
    let written = writes(&w);
    assert_eq!(written.keys().copied().collect::<Vec<_>>(), [1, 11, 21]);
    assert!(written.values().all(|n| *n == 1));
    let r = report(&done);
    assert_eq!(r.counts.matched, 4, "S1, P2, V11, V21");
    assert_eq!(r.counts.updated, 3);
    assert_eq!(r.counts.unchanged, 1);
    assert_eq!(r.only_in_shop, vec!["SHOP-ONLY-VAR".to_string()]);
    assert_eq!(r.only_in_paytraq, vec!["PT-ONLY".to_string()]);
    assert_eq!(r.parent_managed, vec!["V22".to_string()]);
    assert_eq!(
        sorted(r.skipped_unmanaged),
        ["P1".to_string(), "P3".into(), "V31".into()]
    );
    assert_eq!(
        r.counts.without_sku, 1,
        "variation 32, seen through the listing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_request_counts_lookups_and_no_listings_when_every_variation_matches() {
    let w = world().await;
    let mut products: Vec<Value> = (1..=3)
        .map(|i| simple_json(i, &format!("S{i}"), &managed(5)))
        .collect();
    let mut variations = Vec::new();
    for parent in [100u64, 200] {
        let ids: Vec<u64> = (parent + 1..=parent + 60).collect();
        products.push(variable_json(
            parent,
            &format!("P{parent}"),
            &seed("no", None),
            &ids,
        ));
        for id in ids {
            variations.push(variation_json(id, parent, &format!("V{id}"), &managed(5)));
            // Every 20th variation changed.
            let qty = if id % 20 == 0 { dec!(2) } else { dec!(5) };
            w.paytraq_item(&format!("V{id}"), qty, None);
        }
    }
    w.woo.seed_products(products);
    w.woo.seed_variations(variations);
    for i in 1..=3 {
        w.paytraq_item(
            &format!("S{i}"),
            if i == 1 { dec!(9) } else { dec!(5) },
            None,
        );
    }
    w.paytraq_item("PT-ONLY", dec!(1), None);

    let done = run(&w, false, false).await;
    assert_eq!(done.status, SyncStatus::Succeeded, "{:?}", done.error);
    // 120 variation SKUs + 1 SKU only in PayTraq: 2 lookups (100 + 21).
    let expected: BTreeMap<String, usize> = [
        ("GET products", 1),
        ("GET products?sku=", 2),
        ("POST products/batch", 1),
        ("POST products/{id}/variations/batch", 2),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(routes(&w), expected, "no variation listing");
    let lookups: Vec<_> = w
        .proxy()
        .unwrap()
        .recorded()
        .into_iter()
        .filter(|r| r.route() == "GET products?sku=")
        .collect();
    for l in &lookups {
        let q: BTreeMap<String, String> = url::Url::parse(&format!("http://x{}", l.uri))
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
        assert!(q["_fields"].split(',').any(|f| f == "parent_id"), "{q:?}");
        assert_eq!(q["per_page"], "100");
        assert!(q["sku"].split(',').count() <= 100);
    }
    let r = report(&done);
    assert_eq!(r.counts.updated, 1 + 6);
    assert_eq!(r.counts.matched, 3 + 120);
    assert_eq!(r.only_in_paytraq, vec!["PT-ONLY".to_string()]);
    assert_eq!(r.requests.get("woocommerce.products"), Some(&(1 + 2 + 1)));
    assert_eq!(r.requests.get("woocommerce.variations"), Some(&2));
    assert_eq!(r.requests.get("paytraq.products_of_warehouse"), Some(&2));
}

/// A world whose read takes several 300 ms leases: 700 products at 150 ms
/// a request (7 product pages and 7 PayTraq pages, then a lookup).
async fn slow_world() -> (World, SyncOptions) {
    let w = world_with(WorldConfig::sync(Duration::from_millis(150)), false).await;
    w.woo.seed_products(
        (1..=700)
            .map(|i| simple_json(i, &format!("S{i}"), &managed(5)))
            .collect(),
    );
    for i in 1..=700 {
        w.paytraq_item(&format!("S{i}"), dec!(6), None);
    }
    let opts = SyncOptions {
        lease: Duration::from_millis(300),
        ..SyncOptions::default()
    };
    (w, opts)
}

/// A shop with one managed product, SKU S1 (id 1), 5 in stock.
async fn one_product_world() -> World {
    let w = world().await;
    w.woo.seed_products(vec![simple_json(1, "S1", &managed(5))]);
    w
}

/// The run as stored now.
async fn stored_run(w: &World, run_id: &str) -> channel::model::SyncRun {
    w.app
        .repo
        .get_sync_run(CHANNEL, run_id)
        .await
        .unwrap()
        .unwrap()
}

/// Starts a run and runs it on a task of its own (the first worker).
async fn run_in_background(
    w: &World,
    opts: &SyncOptions,
) -> (
    channel::model::SyncRun,
    tokio::task::JoinHandle<channel::Result<channel::model::SyncRun>>,
) {
    let queued = sync::start_run(&w.app, CHANNEL, false, false)
        .await
        .unwrap();
    let (app, channel_id, run_id, opts) = (
        w.app.clone(),
        CHANNEL.to_string(),
        queued.run_id.clone(),
        opts.clone(),
    );
    let first =
        tokio::spawn(async move { sync::run_job_with(&app, &channel_id, &run_id, &opts).await });
    (queued, first)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_lease_is_renewed_while_reading_so_a_second_worker_leaves_the_run_alone() {
    let (w, opts) = slow_world().await;
    let (queued, first) = run_in_background(&w, &opts).await;
    // Two leases into the read: without renewal the first lease has expired.
    tokio::time::sleep(opts.lease * 2).await;
    let second = sync::run_job_with(&w.app, CHANNEL, &queued.run_id, &opts)
        .await
        .unwrap();
    assert_eq!(second.status, SyncStatus::Running, "not taken over");
    assert!(second.lease_until.is_some_and(|t| t > chrono::Utc::now()));
    assert!(writes(&w).is_empty(), "the first worker is still reading");

    let done = first.await.unwrap().unwrap();
    assert_eq!(done.status, SyncStatus::Succeeded, "{:?}", done.error);
    let written = writes(&w);
    assert_eq!(written.len(), 700);
    assert!(written.values().all(|n| *n == 1), "every item written once");
    assert_eq!(done.checkpoint.as_ref().unwrap()["invocations"], json!(1));
    assert_eq!(report(&done).counts.updated, 700);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_worker_whose_lease_was_taken_stops_without_writing() {
    let (w, opts) = slow_world().await;
    let (queued, first) = run_in_background(&w, &opts).await;
    // Another worker takes the run over (as if the first had stalled past its lease).
    tokio::time::sleep(opts.lease / 2).await;
    let taken = loop {
        let mut run = stored_run(&w, &queued.run_id).await;
        assert_eq!(run.status, SyncStatus::Running);
        run.lease_until = Some(chrono::Utc::now() + chrono::Duration::minutes(5));
        // A renewal of the first worker may land between our read and write.
        match w.app.repo.save_sync_run(&mut run).await {
            Ok(()) => break run,
            Err(channel::store::StoreError::Conflict(_)) => continue,
            Err(e) => panic!("{e}"),
        }
    };

    let err = first.await.unwrap().unwrap_err();
    assert!(matches!(err, Error::LeaseLost(_)), "{err}");
    assert!(err.to_string().contains("another worker"), "{err}");
    assert!(writes(&w).is_empty(), "nothing written");
    let stored = stored_run(&w, &queued.run_id).await;
    assert_eq!(
        stored.version, taken.version,
        "the run record left to its new owner"
    );
}
