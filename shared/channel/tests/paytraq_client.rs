//! The PayTraq client against the PayTraq sandbox, over real HTTP on
//! 127.0.0.1: calls, paging, totals, idempotent writes, pacing, 429s,
//! retries, error bodies and credential hygiene.

use std::sync::Arc;
use std::time::{Duration, Instant};

use channel::paytraq::model::{
    ClientType, NewClient, NewPayment, NewPrepayment, NewSale, NewSaleLine, Operation, SaleType,
};
use channel::paytraq::{
    Pacer, PacerConfig, PaytraqClient, PaytraqCredentials, PaytraqError, RetryPolicy,
};
use channel::secrets::Secret;
use chrono::NaiveDate;
use paytraq_sandbox::{Fault, FaultKind, PaytraqSandbox, PaytraqSandboxConfig, SandboxCompany};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const KEY: &str = "key-company-a";
const TOKEN: &str = "token-company-a";

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        timeout: Duration::from_secs(5),
        max_attempts: 4,
        base_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        max_rate_limited: 8,
        max_retry_after: Duration::from_secs(5),
    }
}

fn client_for(sb: &PaytraqSandbox, key: &str, token: &str, pacer: PacerConfig) -> PaytraqClient {
    let creds = PaytraqCredentials {
        api_key: Secret::new(key),
        api_token: Secret::new(token),
    };
    let pacer = Arc::new(Pacer::new(pacer).unwrap());
    PaytraqClient::new(&sb.base_url(), creds, reqwest::Client::new(), pacer)
        .unwrap()
        .with_retry_policy(fast_policy())
}

fn unpaced() -> PacerConfig {
    PacerConfig {
        rate_per_second: dec!(1000),
        burst: 1000,
    }
}

/// A sandbox without a practical rate limit, one company, and a client.
async fn setup() -> (PaytraqSandbox, SandboxCompany, PaytraqClient) {
    let sb = PaytraqSandbox::start(PaytraqSandboxConfig {
        rate_per_second: 1000.0,
        burst: 1000,
        ..Default::default()
    })
    .await
    .unwrap();
    let co = sb.create_company(KEY, TOKEN);
    let client = client_for(&sb, KEY, TOKEN, unpaced());
    (sb, co, client)
}

struct Seed {
    client_id: u64,
    warehouse: u64,
    vat21: u64,
    vat12: u64,
    item_a: u64,
    item_b: u64,
    bank: u64,
}

fn seed(co: &SandboxCompany) -> Seed {
    let warehouse = co.add_warehouse("Main");
    let item_a = co.add_product("SKU-A", "Widget");
    let item_b = co.add_product("SKU-B", "Book");
    co.set_stock(warehouse, item_a, dec!(10));
    co.set_stock(warehouse, item_b, dec!(5));
    Seed {
        client_id: co.add_client("Jane Doe", Some("jane@example.com")),
        warehouse,
        vat21: co.add_tax_key("PVN 21%", dec!(21)),
        vat12: co.add_tax_key("PVN 12%", dec!(12)),
        item_a,
        item_b,
        bank: co.add_money_account("Stripe merchant", "EUR"),
    }
}

fn line(item: u64, qty: Decimal, price: Decimal, discount: Decimal, tax: u64) -> NewSaleLine {
    NewSaleLine {
        item_id: Some(item),
        item_code: None,
        description: None,
        quantity: qty,
        unit_price: price,
        discount_percent: discount,
        tax_key_id: tax,
    }
}

fn sale(s: &Seed, sale_type: SaleType, reference: &str, lines: Vec<NewSaleLine>) -> NewSale {
    NewSale {
        sale_type,
        operation: Operation::SellGoods,
        client_id: s.client_id,
        document_date: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
        currency: "EUR".into(),
        warehouse_id: Some(s.warehouse),
        loading_area_id: None,
        our_reference: reference.into(),
        include_tax: false,
        comment: Some("WooCommerce order".into()),
        lines,
        shipping_charge: None,
        payment_term_days: None,
    }
}

#[tokio::test]
async fn create_client_and_find_it_by_email() {
    let (sb, co, client) = setup().await;
    co.add_client("Someone Else", Some("other@example.com"));
    let id = client
        .create_client(&NewClient {
            name: "SIA Example".into(),
            email: Some("Buyer@Example.com".into()),
            client_type: ClientType::Company,
            reg_number: Some("40003000000".into()),
            vat_number: None,
            legal_address: Default::default(),
            phone: None,
        })
        .await
        .unwrap();
    let found = client
        .find_client_by_email("buyer@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.client_id, id);
    assert_eq!(found.client_type.as_deref(), Some("2"));
    assert_eq!(client.get_client(id).await.unwrap().name, "SIA Example");
    assert!(client
        .find_client_by_email("nobody@example.com")
        .await
        .unwrap()
        .is_none());
    assert_eq!(co.clients().len(), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn products_are_paged_past_100_and_found_by_exact_code() {
    let (sb, co, client) = setup().await;
    for n in 1..=250 {
        co.add_product(&format!("P-{n}"), &format!("Product {n}"));
    }
    let p7 = co.add_product("PRICED", "Priced product");
    assert!(co.set_product_price(p7, dec!(12.10), dec!(21)));
    let all = client.list_products().await.unwrap();
    assert_eq!(all.len(), 251);
    let priced = all
        .iter()
        .find(|p| p.item_id == p7)
        .unwrap()
        .price
        .clone()
        .unwrap();
    assert_eq!(
        (priced.gross_amount, priced.tax_rate),
        (Some(dec!(12.10)), Some(dec!(21)))
    );
    assert_eq!(sb.request_count("GET /api/products"), 3);
    assert_eq!(client.calls().requests("list_products"), 3);
    // "P-12" also matches P-120..P-129 as a search; only the exact code counts.
    let p = client.find_product_by_code("P-12").await.unwrap().unwrap();
    assert_eq!(p.code.as_deref(), Some("P-12"));
    assert!(client
        .find_product_by_code("P-999")
        .await
        .unwrap()
        .is_none());
    sb.shutdown().await;
}

#[tokio::test]
async fn a_payment_term_gives_the_sale_its_due_date() {
    let (sb, co, client) = setup().await;
    let s = seed(&co);
    let mut new = sale(
        &s,
        SaleType::SalesInvoice,
        "wc-term",
        vec![line(s.item_a, dec!(1), dec!(10), dec!(0), s.vat21)],
    );
    new.payment_term_days = Some(30);
    let created = client.create_sale(&new).await.unwrap();
    let stored = co
        .documents()
        .into_iter()
        .find(|d| d.id == created.document_id)
        .unwrap();
    assert_eq!(stored.date_due, NaiveDate::from_ymd_opt(2026, 12, 28));
    assert_eq!(stored.pay_term, Some((1, 30)));
    sb.shutdown().await;
}

#[tokio::test]
async fn approve_pay_and_email_an_invoice() {
    let (sb, co, client) = setup().await;
    let s = seed(&co);
    let created = client
        .create_sale(&sale(
            &s,
            SaleType::SalesInvoice,
            "wc-200",
            vec![line(s.item_a, dec!(2), dec!(10), dec!(0), s.vat21)],
        ))
        .await
        .unwrap();
    client.approve_sale(created.document_id).await.unwrap();
    let approved = client.get_sale(created.document_id).await.unwrap();
    assert!(approved.is_approved());
    assert_eq!(approved.total, dec!(24.20));
    // The company's first invoice, numbered as PayTraq numbers them.
    assert_eq!(approved.document_number.as_deref(), Some("INV-00001"));
    // An approved goods invoice takes the goods out of the warehouse.
    assert_eq!(co.on_hand(s.warehouse, s.item_a), dec!(8));
    let paid = client
        .add_payment(&NewPayment {
            document_id: created.document_id,
            money_account_id: s.bank,
            amount: approved.total,
            currency: "EUR".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            comment: Some("Stripe ch_1".into()),
        })
        .await
        .unwrap();
    assert!(paid.payment_id.is_some());
    assert_eq!(
        client
            .get_sale(created.document_id)
            .await
            .unwrap()
            .amount_due,
        Decimal::ZERO
    );
    assert_eq!(co.payments().len(), 1);
    assert_eq!(co.payments()[0].amount, dec!(24.20));
    client
        .send_sale_by_email(created.document_id, "jane@example.com")
        .await
        .unwrap();
    let mails = co.emails();
    assert_eq!(mails.len(), 1);
    assert_eq!(
        (mails[0].document_id, mails[0].to.as_str()),
        (created.document_id, "jane@example.com")
    );
    // Approving twice is refused with a typed error.
    let again = client.approve_sale(created.document_id).await.unwrap_err();
    assert!(
        matches!(again, PaytraqError::Api { status: 400, .. }),
        "{again:?}"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn payment_on_a_sales_order_is_a_client_prepayment() {
    let (sb, co, client) = setup().await;
    let s = seed(&co);
    let order = client
        .create_sale(&sale(
            &s,
            SaleType::SalesOrder,
            "wc-300",
            vec![line(s.item_b, dec!(1), dec!(20), dec!(0), s.vat12)],
        ))
        .await
        .unwrap();
    client.approve_sale(order.document_id).await.unwrap();
    client
        .add_prepayment(
            s.client_id,
            &NewPrepayment {
                sales_order_id: order.document_id,
                money_account_id: s.bank,
                amount: dec!(22.40),
                currency: "EUR".into(),
                date: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
                comment: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(co.payments().len(), 0);
    let pre = co.prepayments();
    assert_eq!(pre.len(), 1);
    assert_eq!(
        (pre[0].client_id, pre[0].amount, pre[0].document_id),
        (s.client_id, dec!(22.40), order.document_id)
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn find_sale_by_reference_matches_exactly() {
    let (sb, co, client) = setup().await;
    let s = seed(&co);
    let a = client
        .create_sale(&sale(
            &s,
            SaleType::SalesInvoice,
            "wc-101",
            vec![line(s.item_a, dec!(1), dec!(1), dec!(0), s.vat21)],
        ))
        .await
        .unwrap();
    let b = client
        .create_sale(&sale(
            &s,
            SaleType::SalesInvoice,
            "wc-1011",
            vec![line(s.item_a, dec!(1), dec!(2), dec!(0), s.vat21)],
        ))
        .await
        .unwrap();
    let found_a = client
        .find_sale_by_reference("wc-101", None)
        .await
        .unwrap()
        .unwrap();
    let found_b = client
        .find_sale_by_reference("wc-1011", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found_a.document_id, found_b.document_id),
        (a.document_id, b.document_id)
    );
    assert_eq!(found_a.total, dec!(1.21));
    assert!(client
        .find_sale_by_reference("wc-999", None)
        .await
        .unwrap()
        .is_none());
    sb.shutdown().await;
}

#[tokio::test]
async fn warehouse_products_show_interim_available_net_of_approved_sales_orders() {
    let (sb, co, client) = setup().await;
    let s = seed(&co);
    let other_wh = co.add_warehouse("Other");
    co.set_stock(other_wh, s.item_a, dec!(4));
    let mk = |t, r: &str, q, wh: u64| {
        let mut n = sale(&s, t, r, vec![line(s.item_a, q, dec!(1), dec!(0), s.vat21)]);
        n.warehouse_id = Some(wh);
        n
    };
    let draft = client
        .create_sale(&mk(SaleType::SalesOrder, "r1", dec!(3), s.warehouse))
        .await
        .unwrap();
    let approved = client
        .create_sale(&mk(SaleType::SalesOrder, "r2", dec!(2), s.warehouse))
        .await
        .unwrap();
    let elsewhere = client
        .create_sale(&mk(SaleType::SalesOrder, "r3", dec!(1), other_wh))
        .await
        .unwrap();
    let invoice = client
        .create_sale(&mk(SaleType::SalesInvoice, "r4", dec!(1), s.warehouse))
        .await
        .unwrap();
    for id in [
        approved.document_id,
        elsewhere.document_id,
        invoice.document_id,
    ] {
        client.approve_sale(id).await.unwrap();
    }
    let _ = draft;
    let products = client.products_of_warehouse(s.warehouse).await.unwrap();
    let inventory = |item| {
        let p = products.iter().find(|p| p.item_id == item).unwrap();
        let inv = p.inventory.clone().unwrap();
        (p.code.clone().unwrap(), inv.qty, inv.interim_available)
    };
    // 10 on hand minus the approved invoice; minus the approved sales order
    // of this warehouse only (not the draft, not the other warehouse's).
    assert_eq!(
        inventory(s.item_a),
        ("SKU-A".into(), dec!(9), Some(dec!(7)))
    );
    assert_eq!(
        inventory(s.item_b),
        ("SKU-B".into(), dec!(5), Some(dec!(5)))
    );
    let other = client.products_of_warehouse(other_wh).await.unwrap();
    let a = other.iter().find(|p| p.item_id == s.item_a).unwrap();
    assert_eq!(
        a.inventory.as_ref().map(|i| (i.qty, i.interim_available)),
        Some((dec!(4), Some(dec!(3))))
    );
    assert_eq!(client.calls().requests("products_of_warehouse"), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn reference_lists_price_list_tax_keys_warehouses_money_accounts() {
    let (sb, co, client) = setup().await;
    let s = seed(&co);
    let group = co.add_price_group("Mazumcena", "EUR");
    assert!(co.set_price(group, s.item_a, dec!(12.10), dec!(10.00)));
    let prices = client.price_list(group).await.unwrap();
    assert_eq!(prices.len(), 1);
    assert_eq!(prices[0].price(true), Some(dec!(12.10)));
    assert_eq!(prices[0].price(false), Some(dec!(10.00)));
    assert_eq!(prices[0].code.as_deref(), Some("SKU-A"));
    let keys = client.tax_keys().await.unwrap();
    assert_eq!(
        keys.iter().find(|k| k.tax_key_id == s.vat12).unwrap().rate,
        Some(dec!(12))
    );
    assert_eq!(
        client.warehouses().await.unwrap()[0].warehouse_id,
        s.warehouse
    );
    let accounts = client.money_accounts().await.unwrap();
    assert_eq!(
        (accounts[0].money_account_id, accounts[0].name.as_str()),
        (s.bank, "Stripe merchant")
    );
    assert!(matches!(
        client.price_list(1).await,
        Err(PaytraqError::NotFound)
    ));
    sb.shutdown().await;
}

#[tokio::test]
async fn pacing_keeps_twenty_calls_under_the_limit() {
    let sb = PaytraqSandbox::start(PaytraqSandboxConfig::default())
        .await
        .unwrap(); // 1/s, burst 5
    let co = sb.create_company(KEY, TOKEN);
    let id = co.add_client("Jane", None);
    let client = client_for(&sb, KEY, TOKEN, PacerConfig::default());
    let start = Instant::now();
    for _ in 0..20 {
        client.get_client(id).await.unwrap();
    }
    let elapsed = start.elapsed();
    // 5 at once, then one per second: 15 s. A 429 (loopback jitter against
    // an exact limiter) costs its Retry-After and is never seen by the caller.
    let refused = sb.requests().iter().filter(|r| r.status == 429).count() as u64;
    assert_eq!(client.calls().total_rate_limited(), refused);
    assert!(elapsed >= Duration::from_millis(14_500), "{elapsed:?}");
    assert!(
        elapsed <= Duration::from_secs(15 + 2 * refused + 2),
        "{elapsed:?} with {refused} refusals"
    );
    assert_eq!(sb.request_count("GET /api/client/{id}"), 20 + refused);
    sb.shutdown().await;
}

#[tokio::test]
async fn retry_after_of_a_429_is_honoured() {
    let sb = PaytraqSandbox::start(PaytraqSandboxConfig {
        rate_per_second: 1.0,
        burst: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let co = sb.create_company(KEY, TOKEN);
    let id = co.add_client("Jane", None);
    // The client paces far faster than the server allows.
    let client = client_for(&sb, KEY, TOKEN, unpaced());
    let start = Instant::now();
    for _ in 0..4 {
        client.get_client(id).await.unwrap();
    }
    assert!(client.calls().total_rate_limited() >= 1);
    assert!(start.elapsed() >= Duration::from_secs(1));
    sb.shutdown().await;
}

#[tokio::test]
async fn server_errors_and_timeouts_on_reads_are_retried() {
    let (sb, co, client) = setup().await;
    let s = seed(&co);
    let created = client
        .create_sale(&sale(
            &s,
            SaleType::SalesInvoice,
            "wc-1",
            vec![line(s.item_a, dec!(1), dec!(1), dec!(0), s.vat21)],
        ))
        .await
        .unwrap();
    sb.inject_fault(Fault {
        route: Some("GET /api/sale/{id}".into()),
        kind: FaultKind::Status(500),
        times: Some(2),
    });
    client.get_sale(created.document_id).await.unwrap();
    assert_eq!(sb.request_count("GET /api/sale/{id}"), 3);
    assert_eq!(client.calls().by_route()["get_sale"].retries, 2);

    let impatient = client.clone().with_retry_policy(RetryPolicy {
        timeout: Duration::from_millis(300),
        ..fast_policy()
    });
    sb.inject_fault(Fault {
        route: Some("GET /api/taxKeys".into()),
        kind: FaultKind::Timeout,
        times: Some(1),
    });
    assert_eq!(impatient.tax_keys().await.unwrap().len(), 2);
    assert_eq!(
        sb.request_count("GET /api/taxKeys"),
        1,
        "the timed-out request is never logged as answered"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn writes_are_not_blindly_retried() {
    let (sb, co, client) = setup().await;
    let s = seed(&co);
    // The sale is created but the reply is lost: the client finds it instead of creating a second one.
    sb.inject_fault(Fault {
        route: Some("POST /api/sale".into()),
        kind: FaultKind::AfterHandling(500),
        times: Some(1),
    });
    let first = client
        .create_sale(&sale(
            &s,
            SaleType::SalesInvoice,
            "wc-7",
            vec![line(s.item_a, dec!(1), dec!(5), dec!(0), s.vat21)],
        ))
        .await
        .unwrap();
    assert_eq!(co.documents().len(), 1);
    assert_eq!(co.documents()[0].id, first.document_id);
    assert_eq!(sb.request_count("POST /api/sale"), 1);
    assert_eq!(sb.request_count("GET /api/sales"), 1);

    // Refused before it ran: looked up, not found, then sent again once.
    sb.inject_fault(Fault {
        route: Some("POST /api/sale".into()),
        kind: FaultKind::Status(500),
        times: Some(1),
    });
    client
        .create_sale(&sale(
            &s,
            SaleType::SalesInvoice,
            "wc-8",
            vec![line(s.item_a, dec!(1), dec!(5), dec!(0), s.vat21)],
        ))
        .await
        .unwrap();
    assert_eq!(co.documents().len(), 2);
    assert_eq!(sb.request_count("POST /api/sale"), 3);

    // Approve whose reply is lost: the status is checked, no second approve.
    sb.inject_fault(Fault {
        route: Some("POST /api/sale/{id}/approve".into()),
        kind: FaultKind::AfterHandling(502),
        times: Some(1),
    });
    client.approve_sale(first.document_id).await.unwrap();
    assert_eq!(sb.request_count("POST /api/sale/{id}/approve"), 1);

    // A failing payment is reported, never repeated.
    sb.inject_fault(Fault {
        route: Some("POST /api/sale/{id}/payment".into()),
        kind: FaultKind::Status(500),
        times: Some(1),
    });
    let err = client
        .add_payment(&NewPayment {
            document_id: first.document_id,
            money_account_id: s.bank,
            amount: dec!(6.05),
            currency: "EUR".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            comment: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, PaytraqError::Api { status: 500, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(sb.request_count("POST /api/sale/{id}/payment"), 1);
    assert!(co.payments().is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn error_bodies_become_typed_errors() {
    let (sb, co, client) = setup().await;
    let s = seed(&co);
    assert!(matches!(
        client.get_sale(424242).await,
        Err(PaytraqError::NotFound)
    ));
    let bad = sale(
        &s,
        SaleType::SalesInvoice,
        "wc-9",
        vec![line(s.item_a, dec!(1), dec!(1), dec!(0), 77)],
    );
    match client.create_sale(&bad).await {
        Err(PaytraqError::Api {
            status: 400,
            message,
        }) => {
            assert!(message.contains("tax key 77 does not exist"), "{message}");
            assert!(message.contains("Code: 400"), "{message}");
        }
        other => panic!("expected a 400 Api error, got {other:?}"),
    }
    assert!(!PaytraqError::NotFound.is_retryable());
    let empty = sale(&s, SaleType::SalesInvoice, "wc-10", vec![]);
    assert!(matches!(
        client.create_sale(&empty).await,
        Err(PaytraqError::Invalid(_))
    ));
    sb.shutdown().await;
}

#[tokio::test]
async fn credentials_never_appear_in_errors() {
    let (sb, co, _) = setup().await;
    co.add_client("Jane", None);
    let key = "SECRET-KEY-9f8e7d";
    let token = "SECRET-TOKEN-1a2b3c";
    let stranger = client_for(&sb, key, token, unpaced());
    let mut errors = vec![stranger.get_client(1).await.unwrap_err()];
    assert!(matches!(errors[0], PaytraqError::Unauthorized));
    let wrong_token = client_for(&sb, KEY, token, unpaced());
    errors.push(wrong_token.tax_keys().await.unwrap_err());
    sb.inject_fault(Fault {
        route: None,
        kind: FaultKind::Status(503),
        times: Some(10),
    });
    errors.push(
        client_for(&sb, key, token, unpaced())
            .create_client(&NewClient {
                name: "X".into(),
                email: None,
                client_type: ClientType::Person,
                reg_number: None,
                vat_number: None,
                legal_address: Default::default(),
                phone: None,
            })
            .await
            .unwrap_err(),
    );
    sb.clear_faults();
    sb.crash();
    errors.push(
        client_for(&sb, key, token, unpaced())
            .warehouses()
            .await
            .unwrap_err(),
    );
    for e in &errors {
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(key) && !shown.contains(token), "{shown}");
    }
    assert!(matches!(errors[1], PaytraqError::Unauthorized));
    assert!(matches!(errors[2], PaytraqError::Api { status: 503, .. }));
    assert!(
        matches!(errors[3], PaytraqError::Transport(_)),
        "{:?}",
        errors[3]
    );
    let shown = format!("{stranger:?}");
    assert!(!shown.contains(key) && !shown.contains(token));
    sb.shutdown().await;
}

#[tokio::test]
async fn one_pacer_is_shared_by_all_clients_of_a_company() {
    let sb = PaytraqSandbox::start(PaytraqSandboxConfig::default())
        .await
        .unwrap(); // 1/s, burst 5
    let co = sb.create_company(KEY, TOKEN);
    let id = co.add_client("Jane", None);
    let pacer = Arc::new(Pacer::new(PacerConfig::default()).unwrap());
    let make = || {
        let creds = PaytraqCredentials {
            api_key: Secret::new(KEY),
            api_token: Secret::new(TOKEN),
        };
        PaytraqClient::new(&sb.base_url(), creds, reqwest::Client::new(), pacer.clone())
            .unwrap()
            .with_retry_policy(fast_policy())
    };
    let (a, b) = (make(), make());
    let start = Instant::now();
    let calls = (0..8).map(|n| {
        let c = if n % 2 == 0 { a.clone() } else { b.clone() };
        async move { c.get_client(id).await }
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    // 5 at once, then 3 more one second apart.
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(2_500), "{elapsed:?}");
    assert!(elapsed <= Duration::from_secs(7), "{elapsed:?}");
    let refused = a.calls().total_rate_limited() + b.calls().total_rate_limited();
    assert!(
        refused <= 2,
        "{refused} requests refused: the pacer was not shared"
    );
    sb.shutdown().await;
}
