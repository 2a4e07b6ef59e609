//! One contract suite for the accounting port ([`channel::Accounting`]),
//! run against both implementations: the in-memory `FakeAccounting` the
//! pipeline tests use, and the real `PaytraqClient` over HTTP against the
//! PayTraq sandbox (the wire-level truth). Whatever the fake answers here,
//! the real client answers too.

use std::sync::Arc;
use std::time::Duration;

use channel::paytraq::model::{
    ClientType, NewClient, NewPayment, NewPrepayment, NewSale, NewSaleLine, Operation, SaleNear,
    SaleType, ShippingCharge, TaxKeyRef,
};
use channel::paytraq::{
    Pacer, PacerConfig, PaytraqClient, PaytraqCredentials, PaytraqError, RetryPolicy,
};
use channel::secrets::Secret;
use channel::Accounting;
use chrono::NaiveDate;
use paytraq_sandbox::state::TaxRounding as SandboxRounding;
use paytraq_sandbox::{PaytraqSandbox, PaytraqSandboxConfig, SandboxCompany};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use testkit::fakes::{FakeAccounting, TaxRounding};

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod fake {
            $(#[tokio::test]
            async fn $case() { super::$case(super::fake()).await }
            )*
        }
        mod sandbox {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() { super::$case(super::sandbox().await).await }
            )*
        }
    };
}

contract!(
    clients_are_created_and_found_by_email,
    products_are_listed_with_their_codes,
    warehouse_stock_is_net_of_approved_sales_orders,
    price_list_has_the_group_prices_in_cents,
    sale_totals_follow_paytraq_arithmetic,
    a_per_line_company_totals_differently,
    inclusive_prices_have_the_tax_split_out,
    a_sale_is_found_again_by_our_reference,
    a_sale_is_found_among_the_clients_documents_before_any_text_search,
    a_draft_is_replaced_until_approved,
    an_invoice_payment_lowers_the_amount_due,
    a_sales_order_payment_is_a_prepayment,
    an_email_is_sent_to_the_address_given,
    what_paytraq_refuses,
    requests_are_counted_by_call,
    a_credit_note_reads_with_paytraqs_signs,
    a_credit_note_is_approved_and_its_money_returned,
    voiding_releases_what_the_document_held,
    a_paid_invoice_cannot_be_voided,
);

// ---- the two targets ----------------------------------------------------------

/// What a case needs besides the port: the company's master data, and the
/// effects the port cannot read back.
trait Company: Send + Sync {
    fn add_client(&self, name: &str, email: Option<&str>) -> u64;
    fn add_product(&self, code: &str, name: &str) -> u64;
    fn add_warehouse(&self, name: &str) -> u64;
    fn set_stock(&self, warehouse_id: u64, item_id: u64, qty: Decimal);
    fn add_tax_key(&self, name: &str, rate: Decimal) -> u64;
    fn add_price_group(&self, name: &str, currency: &str) -> u64;
    fn set_price(&self, group_id: u64, item_id: u64, incl: Decimal, excl: Decimal) -> bool;
    fn add_money_account(&self, name: &str, currency: &str) -> u64;
    fn round_tax_per_line(&self);
    /// (document, recipient) of every e-mail sent.
    fn emails(&self) -> Vec<(u64, String)>;
    /// (document, amount) of every prepayment.
    fn prepayments(&self) -> Vec<(u64, Decimal)>;
}

struct Target {
    port: Arc<dyn Accounting>,
    company: Box<dyn Company>,
    /// Keeps the sandbox serving while the case runs.
    _sandbox: Option<PaytraqSandbox>,
}

fn fake() -> Target {
    let fake = FakeAccounting::new();
    Target {
        port: fake.clone(),
        company: Box::new(fake),
        _sandbox: None,
    }
}

async fn sandbox() -> Target {
    let sandbox = PaytraqSandbox::start(PaytraqSandboxConfig {
        rate_per_second: 10_000.0,
        burst: 10_000,
        ..Default::default()
    })
    .await
    .unwrap();
    let company = sandbox.create_company("contract-key", "contract-token");
    let pacer = Pacer::new(PacerConfig {
        rate_per_second: dec!(10000),
        burst: 10_000,
    })
    .unwrap();
    let client = PaytraqClient::new(
        &sandbox.base_url(),
        PaytraqCredentials {
            api_key: Secret::new("contract-key"),
            api_token: Secret::new("contract-token"),
        },
        reqwest::Client::new(),
        Arc::new(pacer),
    )
    .unwrap()
    .with_retry_policy(RetryPolicy {
        timeout: Duration::from_secs(5),
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        ..RetryPolicy::default()
    });
    Target {
        port: Arc::new(client),
        company: Box::new(company),
        _sandbox: Some(sandbox),
    }
}

impl Company for Arc<FakeAccounting> {
    fn add_client(&self, name: &str, email: Option<&str>) -> u64 {
        FakeAccounting::add_client(self, name, email)
    }
    fn add_product(&self, code: &str, name: &str) -> u64 {
        FakeAccounting::add_product(self, code, name)
    }
    fn add_warehouse(&self, name: &str) -> u64 {
        FakeAccounting::add_warehouse(self, name)
    }
    fn set_stock(&self, warehouse_id: u64, item_id: u64, qty: Decimal) {
        FakeAccounting::set_stock(self, warehouse_id, item_id, qty)
    }
    fn add_tax_key(&self, name: &str, rate: Decimal) -> u64 {
        FakeAccounting::add_tax_key(self, name, rate)
    }
    fn add_price_group(&self, name: &str, currency: &str) -> u64 {
        FakeAccounting::add_price_group(self, name, currency)
    }
    fn set_price(&self, group_id: u64, item_id: u64, incl: Decimal, excl: Decimal) -> bool {
        FakeAccounting::set_price(self, group_id, item_id, incl, excl)
    }
    fn add_money_account(&self, name: &str, currency: &str) -> u64 {
        FakeAccounting::add_money_account(self, name, currency)
    }
    fn round_tax_per_line(&self) {
        self.set_tax_rounding(TaxRounding::PerLine)
    }
    fn emails(&self) -> Vec<(u64, String)> {
        FakeAccounting::emails(self)
            .into_iter()
            .map(|e| (e.document_id, e.to))
            .collect()
    }
    fn prepayments(&self) -> Vec<(u64, Decimal)> {
        FakeAccounting::prepayments(self)
            .into_iter()
            .map(|p| (p.document_id, p.amount))
            .collect()
    }
}

impl Company for SandboxCompany {
    fn add_client(&self, name: &str, email: Option<&str>) -> u64 {
        SandboxCompany::add_client(self, name, email)
    }
    fn add_product(&self, code: &str, name: &str) -> u64 {
        SandboxCompany::add_product(self, code, name)
    }
    fn add_warehouse(&self, name: &str) -> u64 {
        SandboxCompany::add_warehouse(self, name)
    }
    fn set_stock(&self, warehouse_id: u64, item_id: u64, qty: Decimal) {
        SandboxCompany::set_stock(self, warehouse_id, item_id, qty)
    }
    fn add_tax_key(&self, name: &str, rate: Decimal) -> u64 {
        SandboxCompany::add_tax_key(self, name, rate)
    }
    fn add_price_group(&self, name: &str, currency: &str) -> u64 {
        SandboxCompany::add_price_group(self, name, currency)
    }
    fn set_price(&self, group_id: u64, item_id: u64, incl: Decimal, excl: Decimal) -> bool {
        SandboxCompany::set_price(self, group_id, item_id, incl, excl)
    }
    fn add_money_account(&self, name: &str, currency: &str) -> u64 {
        SandboxCompany::add_money_account(self, name, currency)
    }
    fn round_tax_per_line(&self) {
        self.set_tax_rounding(SandboxRounding::PerLine)
    }
    fn emails(&self) -> Vec<(u64, String)> {
        SandboxCompany::emails(self)
            .into_iter()
            .map(|e| (e.document_id, e.to))
            .collect()
    }
    fn prepayments(&self) -> Vec<(u64, Decimal)> {
        SandboxCompany::prepayments(self)
            .into_iter()
            .map(|p| (p.document_id, p.amount))
            .collect()
    }
}

// ---- helpers ------------------------------------------------------------------------

/// A company with a client, a warehouse, two tax keys, two items and a bank.
struct Seed {
    client: u64,
    warehouse: u64,
    vat21: u64,
    vat12: u64,
    item_a: u64,
    item_b: u64,
    bank: u64,
}

fn seed(c: &dyn Company) -> Seed {
    Seed {
        client: c.add_client("SIA Pircējs", Some("buyer@example.lv")),
        warehouse: c.add_warehouse("Main"),
        vat21: c.add_tax_key("PVN 21%", dec!(21)),
        vat12: c.add_tax_key("PVN 12%", dec!(12)),
        item_a: c.add_product("SKU-A", "Item A"),
        item_b: c.add_product("SKU-B", "Item B"),
        bank: c.add_money_account("Bank", "EUR"),
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

fn sale(s: &Seed, kind: SaleType, reference: &str, lines: Vec<NewSaleLine>) -> NewSale {
    NewSale {
        sale_type: kind,
        operation: Operation::SellGoods,
        client_id: s.client,
        document_date: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
        currency: "eur".into(),
        warehouse_id: Some(s.warehouse),
        loading_area_id: None,
        our_reference: reference.into(),
        include_tax: false,
        comment: None,
        lines,
        shipping_charge: None,
        payment_term_days: None,
    }
}

fn simple_sale(s: &Seed, kind: SaleType, reference: &str) -> NewSale {
    sale(
        s,
        kind,
        reference,
        vec![line(s.item_a, dec!(2), dec!(10), dec!(0), s.vat21)],
    )
}

fn payment(document_id: u64, account: u64, amount: Decimal, currency: &str) -> NewPayment {
    NewPayment {
        document_id,
        money_account_id: account,
        amount,
        currency: currency.into(),
        date: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
        comment: Some("WooCommerce order #1".into()),
    }
}

fn is_refusal(e: &PaytraqError) -> bool {
    matches!(e, PaytraqError::Api { status: 400, .. }) && !e.is_retryable() && !e.is_ambiguous()
}

// ---- the cases ------------------------------------------------------------------------

async fn clients_are_created_and_found_by_email(t: Target) {
    let id = t
        .port
        .create_client(&NewClient {
            name: "Jānis Bērziņš".into(),
            email: Some("Janis@Example.lv".into()),
            client_type: ClientType::Person,
            reg_number: None,
            vat_number: None,
            legal_address: Default::default(),
            phone: None,
        })
        .await
        .unwrap();
    let found = t
        .port
        .find_client_by_email("janis@example.LV")
        .await
        .unwrap()
        .expect("found case-insensitively");
    assert_eq!(found.client_id, id);
    assert_eq!(found.name, "Jānis Bērziņš");
    assert_eq!(
        t.port
            .find_client_by_email("nobody@example.lv")
            .await
            .unwrap(),
        None
    );
    // A client whose name mentions the address is not a match.
    t.company.add_client("janis@example.lv (old)", None);
    let again = t
        .port
        .find_client_by_email("janis@example.lv")
        .await
        .unwrap();
    assert_eq!(again.map(|c| c.client_id), Some(id));
    assert!(matches!(
        t.port.find_client_by_email("  ").await,
        Err(PaytraqError::Invalid(_))
    ));
    let nameless = NewClient {
        name: " ".into(),
        email: None,
        client_type: ClientType::Company,
        reg_number: None,
        vat_number: None,
        legal_address: Default::default(),
        phone: None,
    };
    assert!(matches!(
        t.port.create_client(&nameless).await,
        Err(PaytraqError::Invalid(_))
    ));
}

async fn products_are_listed_with_their_codes(t: Target) {
    let a = t.company.add_product("SKU-A", "Item A");
    let b = t.company.add_product("SKU-B", "Item B");
    let mut listed: Vec<(u64, Option<String>)> = t
        .port
        .list_products()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.item_id, p.code))
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        vec![(a, Some("SKU-A".into())), (b, Some("SKU-B".into()))]
    );
}

async fn warehouse_stock_is_net_of_approved_sales_orders(t: Target) {
    let s = seed(&*t.company);
    let other = t.company.add_warehouse("Other");
    t.company.set_stock(s.warehouse, s.item_a, dec!(10));
    t.company.set_stock(other, s.item_a, dec!(4));
    t.company.set_stock(s.warehouse, s.item_b, dec!(5));
    let stock = |products: Vec<channel::paytraq::model::Product>, item: u64| {
        let p = products.into_iter().find(|p| p.item_id == item).unwrap();
        let inv = p.inventory.unwrap();
        (inv.qty, inv.interim_available)
    };
    // An approved sales order reserves (InterimAvailable), a draft does not.
    let order = t
        .port
        .create_sale(&sale(
            &s,
            SaleType::SalesOrder,
            "lv/1",
            vec![line(s.item_a, dec!(3), dec!(1), dec!(0), s.vat21)],
        ))
        .await
        .unwrap();
    let listed = t.port.products_of_warehouse(s.warehouse).await.unwrap();
    assert_eq!(stock(listed, s.item_a), (dec!(10), Some(dec!(10))));
    t.port.approve_sale(order.document_id).await.unwrap();
    let listed = t.port.products_of_warehouse(s.warehouse).await.unwrap();
    assert_eq!(stock(listed.clone(), s.item_a), (dec!(10), Some(dec!(7))));
    assert_eq!(stock(listed, s.item_b), (dec!(5), Some(dec!(5))));
    let listed = t.port.products_of_warehouse(other).await.unwrap();
    assert_eq!(stock(listed, s.item_a), (dec!(4), Some(dec!(4))));
    // An approved goods invoice takes its quantities out of the warehouse.
    let invoice = t
        .port
        .create_sale(&sale(
            &s,
            SaleType::SalesInvoice,
            "lv/2",
            vec![line(s.item_b, dec!(2), dec!(1), dec!(0), s.vat21)],
        ))
        .await
        .unwrap();
    t.port.approve_sale(invoice.document_id).await.unwrap();
    let listed = t.port.products_of_warehouse(s.warehouse).await.unwrap();
    assert_eq!(stock(listed, s.item_b), (dec!(3), Some(dec!(3))));
}

async fn price_list_has_the_group_prices_in_cents(t: Target) {
    let a = t.company.add_product("SKU-A", "Item A");
    let b = t.company.add_product("SKU-B", "Item B");
    let group = t.company.add_price_group("Retail", "EUR");
    assert!(t.company.set_price(group, a, dec!(12.10), dec!(10)));
    assert!(t.company.set_price(group, b, dec!(6.0555), dec!(5.005)));
    let mut prices = t.port.price_list(group).await.unwrap();
    prices.sort_by_key(|p| p.item_id);
    let seen: Vec<_> = prices
        .iter()
        .map(|p| {
            (
                p.item_id,
                p.code.clone(),
                p.price_incl_tax,
                p.price_excl_tax,
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                a,
                Some("SKU-A".into()),
                Some(dec!(12.10)),
                Some(dec!(10.00))
            ),
            (b, Some("SKU-B".into()), Some(dec!(6.06)), Some(dec!(5.01))),
        ]
    );
    assert!(matches!(
        t.port.price_list(group + 1000).await,
        Err(PaytraqError::NotFound)
    ));
}

async fn sale_totals_follow_paytraq_arithmetic(t: Target) {
    let s = seed(&*t.company);
    // Key 21%: three lines of 0.05 and a 4.99 shipping charge, taxed once on
    // 5.14 (1.0794 → 1.08), not per line; key 12%: 3 × 3.35 less 10% =
    // 9.045 → 9.05, tax 1.086 → 1.09.
    let mut new = sale(
        &s,
        SaleType::SalesInvoice,
        "lv/100",
        vec![
            line(s.item_a, dec!(1), dec!(0.05), dec!(0), s.vat21),
            line(s.item_a, dec!(1), dec!(0.05), dec!(0), s.vat21),
            line(s.item_a, dec!(1), dec!(0.05), dec!(0), s.vat21),
            line(s.item_b, dec!(3), dec!(3.35), dec!(10), s.vat12),
        ],
    );
    new.shipping_charge = Some(ShippingCharge {
        amount: dec!(4.99),
        tax_key: TaxKeyRef {
            tax_key_id: s.vat21,
        },
    });
    new.comment = Some("WooCommerce order #100".into());
    let created = t.port.create_sale(&new).await.unwrap();
    let doc = t.port.get_sale(created.document_id).await.unwrap();
    assert_eq!(doc.document_id, created.document_id);
    assert!(doc.document_number.is_some(), "numbered on creation");
    assert_eq!(doc.status.as_deref(), Some("draft"));
    assert!(!doc.is_approved());
    assert_eq!(doc.client_id, Some(s.client));
    assert_eq!(doc.currency.as_deref(), Some("EUR"));
    assert_eq!(doc.include_tax, Some(false));
    assert_eq!(doc.warehouse_id, Some(s.warehouse));
    let comment = doc.comment.clone().unwrap_or_default();
    assert!(comment.contains("WooCommerce order #100"), "{comment}");
    assert!(comment.contains("[ref:lv/100]"), "{comment}");
    let line_totals: Vec<Decimal> = doc.lines.iter().map(|l| l.line_total).collect();
    assert_eq!(
        line_totals,
        vec![dec!(0.05), dec!(0.05), dec!(0.05), dec!(9.05)]
    );
    assert_eq!(
        doc.lines[3].item.as_ref().and_then(|i| i.item_code.clone()),
        Some("SKU-B".into())
    );
    let mut taxes: Vec<(Option<u64>, Decimal, Decimal, Decimal)> = doc
        .taxes
        .iter()
        .map(|t| {
            (
                t.tax_key.as_ref().and_then(|k| k.tax_key_id),
                t.net_amount,
                t.tax_amount,
                t.gross_amount,
            )
        })
        .collect();
    taxes.sort();
    assert_eq!(
        taxes,
        vec![
            (Some(s.vat21), dec!(5.14), dec!(1.08), dec!(6.22)),
            (Some(s.vat12), dec!(9.05), dec!(1.09), dec!(10.14)),
        ]
    );
    assert_eq!(doc.total, dec!(16.36));
    assert_eq!(doc.net_total + dec!(2.17), doc.total);
    assert_eq!(doc.amount_due, doc.total);
}

async fn a_per_line_company_totals_differently(t: Target) {
    let s = seed(&*t.company);
    let vat25 = t.company.add_tax_key("PVN 25%", dec!(25));
    let lines = vec![
        line(s.item_a, dec!(1), dec!(0.10), dec!(0), vat25),
        line(s.item_a, dec!(1), dec!(0.10), dec!(0), vat25),
        line(s.item_a, dec!(1), dec!(0.10), dec!(0), vat25),
    ];
    let per_key = t
        .port
        .create_sale(&sale(&s, SaleType::SalesInvoice, "lv/1", lines.clone()))
        .await
        .unwrap();
    // 0.30 × 25% = 0.075 → 0.08 on the key; 0.025 → 0.03 on each line.
    assert_eq!(
        t.port.get_sale(per_key.document_id).await.unwrap().total,
        dec!(0.38)
    );
    t.company.round_tax_per_line();
    let per_line = t
        .port
        .create_sale(&sale(&s, SaleType::SalesInvoice, "lv/2", lines))
        .await
        .unwrap();
    assert_eq!(
        t.port.get_sale(per_line.document_id).await.unwrap().total,
        dec!(0.39)
    );
}

async fn inclusive_prices_have_the_tax_split_out(t: Target) {
    let s = seed(&*t.company);
    let mut new = sale(
        &s,
        SaleType::SalesInvoice,
        "lv/7",
        vec![line(s.item_a, dec!(2), dec!(12.10), dec!(0), s.vat21)],
    );
    new.include_tax = true;
    let created = t.port.create_sale(&new).await.unwrap();
    let doc = t.port.get_sale(created.document_id).await.unwrap();
    assert_eq!(doc.include_tax, Some(true));
    assert_eq!(doc.total, dec!(24.20));
    assert_eq!(doc.net_total, dec!(20.00));
    assert_eq!(doc.taxes.len(), 1);
    assert_eq!(doc.taxes[0].tax_amount, dec!(4.20));
}

async fn a_sale_is_found_again_by_our_reference(t: Target) {
    let s = seed(&*t.company);
    let one = t
        .port
        .create_sale(&simple_sale(&s, SaleType::SalesInvoice, "lv/1"))
        .await
        .unwrap();
    let ten = t
        .port
        .create_sale(&simple_sale(&s, SaleType::SalesInvoice, "lv/10"))
        .await
        .unwrap();
    let found = t
        .port
        .find_sale_by_reference("lv/1", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        found.document_id, one.document_id,
        "exact reference, not a prefix"
    );
    assert_eq!(found.total, dec!(24.20));
    let found = t
        .port
        .find_sale_by_reference(" lv/10 ", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.document_id, ten.document_id);
    // Two documents with one reference: the newest.
    let newer = t
        .port
        .create_sale(&simple_sale(&s, SaleType::SalesInvoice, "lv/1"))
        .await
        .unwrap();
    let found = t
        .port
        .find_sale_by_reference("lv/1", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.document_id, newer.document_id);
    assert_eq!(
        t.port.find_sale_by_reference("lv/2", None).await.unwrap(),
        None
    );
    assert!(matches!(
        t.port.find_sale_by_reference(" ", None).await,
        Err(PaytraqError::Invalid(_))
    ));
}

async fn a_sale_is_found_among_the_clients_documents_before_any_text_search(t: Target) {
    let s = seed(&*t.company);
    let other = t.company.add_client("SIA Cits", Some("other@example.lv"));
    let mut theirs = simple_sale(&s, SaleType::SalesInvoice, "lv/30");
    theirs.client_id = other;
    t.port.create_sale(&theirs).await.unwrap();
    let new = simple_sale(&s, SaleType::SalesInvoice, "lv/30");
    let ours = t.port.create_sale(&new).await.unwrap();
    let before = t.port.request_counts();
    let found = t
        .port
        .find_sale_by_reference("lv/30", Some(SaleNear::of(&new)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.document_id, ours.document_id);
    assert_eq!(found.client_id, Some(s.client));
    let after = t.port.request_counts();
    let n =
        |call: &str| after.get(call).copied().unwrap_or(0) - before.get(call).copied().unwrap_or(0);
    assert_eq!(n("sales_of_client"), 1, "{after:?}");
    assert_eq!(n("search_sales"), 0, "no text search needed: {after:?}");
    // Not among the client's documents from that date: the text search still finds it.
    let mut later = new.clone();
    later.document_date = new.document_date + chrono::Duration::days(30);
    let found = t
        .port
        .find_sale_by_reference("lv/30", Some(SaleNear::of(&later)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.document_id, ours.document_id);
    let last = t.port.request_counts();
    assert_eq!(
        last.get("search_sales").copied().unwrap_or(0),
        after.get("search_sales").copied().unwrap_or(0) + 1
    );
}

async fn a_draft_is_replaced_until_approved(t: Target) {
    let s = seed(&*t.company);
    let created = t
        .port
        .create_sale(&simple_sale(&s, SaleType::SalesInvoice, "lv/5"))
        .await
        .unwrap();
    let id = created.document_id;
    let before = t.port.get_sale(id).await.unwrap();
    let mut changed = simple_sale(&s, SaleType::SalesInvoice, "lv/5");
    changed
        .lines
        .push(line(s.item_b, dec!(1), dec!(-0.02), dec!(0), s.vat21));
    t.port.update_sale(id, &changed).await.unwrap();
    let after = t.port.get_sale(id).await.unwrap();
    assert_eq!(
        after.document_number, before.document_number,
        "same document"
    );
    assert_eq!(after.lines.len(), 2);
    // 20.00 − 0.02 = 19.98 net, 4.1958 → 4.20 tax.
    assert_eq!(after.total, dec!(24.18));
    assert_eq!(after.status.as_deref(), Some("draft"));
    t.port.approve_sale(id).await.unwrap();
    assert!(t.port.get_sale(id).await.unwrap().is_approved());
    let refused = t.port.update_sale(id, &changed).await.unwrap_err();
    assert!(is_refusal(&refused), "{refused:?}");
    let twice = t.port.approve_sale(id).await.unwrap_err();
    assert!(is_refusal(&twice), "approving twice is refused: {twice:?}");
    assert!(t.port.get_sale(id).await.unwrap().is_approved());
}

async fn an_invoice_payment_lowers_the_amount_due(t: Target) {
    let s = seed(&*t.company);
    let created = t
        .port
        .create_sale(&simple_sale(&s, SaleType::SalesInvoice, "lv/9"))
        .await
        .unwrap();
    let id = created.document_id;
    t.port.approve_sale(id).await.unwrap();
    let paid = t
        .port
        .add_payment(&payment(id, s.bank, dec!(24.20), "eur"))
        .await
        .unwrap();
    assert!(paid.payment_id.is_some());
    let doc = t.port.get_sale(id).await.unwrap();
    assert_eq!(doc.amount_due, Decimal::ZERO);
    assert_eq!(doc.total, dec!(24.20));
    // Read back as PayTraq shows it: `Payments/Payment`, AmountDue = Total − payments.
    assert_eq!(doc.payments.len(), 1, "{:?}", doc.payments);
    assert_eq!(doc.payments[0].amount, dec!(24.20));
    assert_eq!(doc.payments[0].date.as_deref(), Some("2026-11-28"));
    assert_eq!(doc.paid_amount(), doc.total - doc.amount_due);
    assert!(t.company.prepayments().is_empty());
    // Refused without effect: another currency, an unknown account.
    let usd = t
        .port
        .add_payment(&payment(id, s.bank, dec!(1), "USD"))
        .await
        .unwrap_err();
    assert!(is_refusal(&usd), "{usd:?}");
    let account = t
        .port
        .add_payment(&payment(id, s.bank + 1000, dec!(1), "EUR"))
        .await
        .unwrap_err();
    assert!(is_refusal(&account), "{account:?}");
    assert_eq!(t.port.get_sale(id).await.unwrap().amount_due, Decimal::ZERO);
    assert!(matches!(
        t.port
            .add_payment(&payment(id, s.bank, Decimal::ZERO, "EUR"))
            .await,
        Err(PaytraqError::Invalid(_))
    ));
    assert!(matches!(
        t.port
            .add_payment(&payment(id + 1000, s.bank, dec!(1), "EUR"))
            .await,
        Err(PaytraqError::NotFound)
    ));
}

async fn a_sales_order_payment_is_a_prepayment(t: Target) {
    let s = seed(&*t.company);
    let created = t
        .port
        .create_sale(&simple_sale(&s, SaleType::SalesOrder, "lv/11"))
        .await
        .unwrap();
    let id = created.document_id;
    let prepayment = NewPrepayment {
        sales_order_id: id,
        money_account_id: s.bank,
        amount: dec!(24.20),
        currency: "EUR".into(),
        date: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
        comment: None,
    };
    let other_client = t.company.add_client("Cits", None);
    let wrong = t
        .port
        .add_prepayment(other_client, &prepayment)
        .await
        .unwrap_err();
    assert!(is_refusal(&wrong), "{wrong:?}");
    let paid = t.port.add_prepayment(s.client, &prepayment).await.unwrap();
    assert!(paid.payment_id.is_some());
    let doc = t.port.get_sale(id).await.unwrap();
    assert_eq!(doc.sale_type.as_deref(), Some("sales_order"));
    assert_eq!(doc.amount_due, doc.total, "a prepayment is the client's");
    assert_eq!(t.company.prepayments(), vec![(id, dec!(24.20))]);
}

async fn an_email_is_sent_to_the_address_given(t: Target) {
    let s = seed(&*t.company);
    let created = t
        .port
        .create_sale(&simple_sale(&s, SaleType::SalesInvoice, "lv/12"))
        .await
        .unwrap();
    let id = created.document_id;
    t.port
        .send_sale_by_email(id, " other@example.lv ")
        .await
        .unwrap();
    assert_eq!(t.company.emails(), vec![(id, "other@example.lv".into())]);
    // Read back in the document's `MessageLog`.
    let doc = t.port.get_sale(id).await.unwrap();
    assert!(doc.emailed_to("Other@Example.lv"), "{:?}", doc.messages);
    assert!(!doc.emailed_to("buyer@example.lv"));
    assert!(matches!(
        t.port.send_sale_by_email(id, "not an address").await,
        Err(PaytraqError::Invalid(_))
    ));
    assert!(matches!(
        t.port.send_sale_by_email(id + 1000, "a@example.lv").await,
        Err(PaytraqError::NotFound)
    ));
    assert_eq!(t.company.emails().len(), 1);
}

async fn what_paytraq_refuses(t: Target) {
    let s = seed(&*t.company);
    let good = simple_sale(&s, SaleType::SalesInvoice, "lv/13");
    let mut no_client = good.clone();
    no_client.client_id = s.client + 1000;
    let mut no_tax_key = good.clone();
    no_tax_key.lines[0].tax_key_id = s.vat21 + 1000;
    let mut no_item = good.clone();
    no_item.lines[0].item_id = Some(s.item_a + 1000);
    let mut by_unknown_code = good.clone();
    by_unknown_code.lines[0].item_id = None;
    by_unknown_code.lines[0].item_code = Some("NO-SUCH-SKU".into());
    let mut no_warehouse = good.clone();
    no_warehouse.warehouse_id = Some(s.warehouse + 1000);
    for (what, bad) in [
        ("unknown client", no_client),
        ("unknown tax key", no_tax_key),
        ("unknown item", no_item),
        ("unknown item code", by_unknown_code),
        ("unknown warehouse", no_warehouse),
    ] {
        let e = t.port.create_sale(&bad).await.unwrap_err();
        assert!(is_refusal(&e), "{what}: {e:?}");
    }
    // Checked before sending.
    let mut no_lines = good.clone();
    no_lines.lines.clear();
    let mut zero_qty = good.clone();
    zero_qty.lines[0].quantity = Decimal::ZERO;
    let mut no_reference = good.clone();
    no_reference.our_reference = " ".into();
    for bad in [no_lines, zero_qty, no_reference] {
        assert!(matches!(
            t.port.create_sale(&bad).await,
            Err(PaytraqError::Invalid(_))
        ));
    }
    // Nothing was created.
    assert_eq!(
        t.port.find_sale_by_reference("lv/13", None).await.unwrap(),
        None
    );
    // A good line by item code is accepted and resolved to the item.
    let mut by_code = good.clone();
    by_code.lines[0].item_id = None;
    by_code.lines[0].item_code = Some("SKU-B".into());
    let created = t.port.create_sale(&by_code).await.unwrap();
    let doc = t.port.get_sale(created.document_id).await.unwrap();
    assert_eq!(
        doc.lines[0].item.as_ref().and_then(|i| i.item_id),
        Some(s.item_b)
    );
    assert!(matches!(
        t.port.get_sale(created.document_id + 1000).await,
        Err(PaytraqError::NotFound)
    ));
    assert!(matches!(
        t.port.approve_sale(created.document_id + 1000).await,
        Err(PaytraqError::NotFound)
    ));
}

async fn requests_are_counted_by_call(t: Target) {
    let s = seed(&*t.company);
    for n in 0..150 {
        t.company.add_product(&format!("BULK-{n}"), "bulk");
    }
    t.port.products_of_warehouse(s.warehouse).await.unwrap();
    t.port.list_products().await.unwrap();
    let created = t
        .port
        .create_sale(&simple_sale(&s, SaleType::SalesInvoice, "lv/20"))
        .await
        .unwrap();
    t.port.get_sale(created.document_id).await.unwrap();
    t.port.find_sale_by_reference("lv/20", None).await.unwrap();
    t.port
        .find_client_by_email("buyer@example.lv")
        .await
        .unwrap();
    let _ = t.port.get_sale(created.document_id + 1000).await;
    let counts = t.port.request_counts();
    let n = |call: &str| counts.get(call).copied().unwrap_or(0);
    // 152 products: two pages each.
    assert_eq!(n("products_of_warehouse"), 2, "{counts:?}");
    assert_eq!(n("list_products"), 2, "{counts:?}");
    assert_eq!(n("create_sale"), 1, "{counts:?}");
    assert_eq!(n("search_sales"), 1, "{counts:?}");
    assert_eq!(n("search_clients"), 1, "{counts:?}");
    // Read, found by reference, and the failed read of an unknown id.
    assert_eq!(n("get_sale"), 3, "{counts:?}");
}

// ---- credit notes and void (issue 14, PayTraq side) -------------------------------

/// As real credit notes (fixtures README §7): lines, tax rows and
/// `Totals/NetAmount` positive; `Total`, `AmountDue` and
/// `Totals/GrossAmount` negative.
async fn a_credit_note_reads_with_paytraqs_signs(t: Target) {
    let s = seed(&*t.company);
    let mut note = sale(
        &s,
        SaleType::CreditNote,
        "lv/30-r1",
        vec![
            line(s.item_a, dec!(2), dec!(10), dec!(0), s.vat21),
            line(s.item_b, dec!(1), dec!(4.99), dec!(0), s.vat12),
        ],
    );
    note.shipping_charge = Some(ShippingCharge {
        amount: dec!(2.19),
        tax_key: TaxKeyRef {
            tax_key_id: s.vat21,
        },
    });
    let created = t.port.create_sale(&note).await.unwrap();
    let doc = t.port.get_sale(created.document_id).await.unwrap();
    assert_eq!(doc.sale_type.as_deref(), Some("credit_note"));
    assert_eq!(doc.status.as_deref(), Some("draft"));
    // key 21: 20.00 + 2.19 = 22.19, tax 4.66; key 12: 4.99, tax 0.60.
    assert_eq!(
        doc.lines.iter().map(|l| l.line_total).collect::<Vec<_>>(),
        vec![dec!(20.00), dec!(4.99)]
    );
    assert!(doc
        .lines
        .iter()
        .all(|l| l.quantity > Decimal::ZERO && l.price > Decimal::ZERO));
    let taxes: Vec<(Decimal, Decimal, Decimal)> = doc
        .taxes
        .iter()
        .map(|t| (t.net_amount, t.tax_amount, t.gross_amount))
        .collect();
    assert_eq!(
        taxes,
        vec![
            (dec!(22.19), dec!(4.66), dec!(26.85)),
            (dec!(4.99), dec!(0.60), dec!(5.59))
        ]
    );
    assert_eq!(doc.total, dec!(-32.44));
    assert_eq!(doc.amount_due, dec!(-32.44));
    assert_eq!(doc.gross_total, dec!(-32.44));
    assert_eq!(doc.net_total, dec!(27.18));
    assert!(doc
        .comment
        .as_deref()
        .is_some_and(|c| c.contains("[ref:lv/30-r1]")));
    // Found again by our reference, like an invoice.
    let found = t
        .port
        .find_sale_by_reference("lv/30-r1", Some(SaleNear::of(&note)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.document_id, created.document_id);
}

/// Approved, a credit note waits for the money to be returned
/// (`wait_payment`) and takes its goods back into the warehouse; the money
/// returned reads back as a negative payment, the note `paid`, nothing due.
async fn a_credit_note_is_approved_and_its_money_returned(t: Target) {
    let s = seed(&*t.company);
    t.company.set_stock(s.warehouse, s.item_a, dec!(5));
    let created = t
        .port
        .create_sale(&simple_sale(&s, SaleType::CreditNote, "lv/31-r1"))
        .await
        .unwrap();
    let id = created.document_id;
    t.port.approve_sale(id).await.unwrap();
    let doc = t.port.get_sale(id).await.unwrap();
    assert_eq!(doc.status.as_deref(), Some("wait_payment"));
    assert!(doc.is_approved());
    assert_eq!((doc.total, doc.amount_due), (dec!(-24.20), dec!(-24.20)));
    let stock = t.port.products_of_warehouse(s.warehouse).await.unwrap();
    let item = stock.iter().find(|p| p.item_id == s.item_a).unwrap();
    assert_eq!(
        item.inventory.as_ref().unwrap().qty,
        dec!(7),
        "goods taken back"
    );
    // A positive amount on a credit note is refused without effect.
    let wrong = t
        .port
        .add_payment(&payment(id, s.bank, dec!(24.20), "EUR"))
        .await
        .unwrap_err();
    assert!(is_refusal(&wrong), "{wrong:?}");
    let returned = t
        .port
        .add_credit_note_payment(&payment(id, s.bank, dec!(24.20), "EUR"))
        .await
        .unwrap();
    assert!(returned.payment_id.is_some());
    let doc = t.port.get_sale(id).await.unwrap();
    assert_eq!(doc.status.as_deref(), Some("paid"));
    assert_eq!(doc.amount_due, Decimal::ZERO);
    assert_eq!(doc.total, dec!(-24.20));
    assert_eq!(doc.payments.len(), 1, "{:?}", doc.payments);
    assert_eq!(doc.payments[0].amount, dec!(-24.20));
    assert_eq!(doc.paid_amount(), doc.total - doc.amount_due);
    // Money returned on an invoice is not a thing: refused.
    let invoice = t
        .port
        .create_sale(&simple_sale(&s, SaleType::SalesInvoice, "lv/31"))
        .await
        .unwrap();
    t.port.approve_sale(invoice.document_id).await.unwrap();
    let wrong = t
        .port
        .add_credit_note_payment(&payment(invoice.document_id, s.bank, dec!(1), "EUR"))
        .await
        .unwrap_err();
    assert!(is_refusal(&wrong), "{wrong:?}");
    assert!(matches!(
        t.port
            .add_credit_note_payment(&payment(id, s.bank, Decimal::ZERO, "EUR"))
            .await,
        Err(PaytraqError::Invalid(_))
    ));
}

/// Void of a draft, an approved invoice and a sales order `in_process`:
/// each reads `voided` with nothing due and its `Total` kept; the invoice's
/// goods go back to the warehouse, the order's reservation is released;
/// nothing more can be done to a voided document.
async fn voiding_releases_what_the_document_held(t: Target) {
    let s = seed(&*t.company);
    t.company.set_stock(s.warehouse, s.item_a, dec!(10));
    let stock = |products: Vec<channel::paytraq::model::Product>| {
        let inv = products
            .into_iter()
            .find(|p| p.item_id == s.item_a)
            .unwrap()
            .inventory
            .unwrap();
        (inv.qty, inv.interim_available)
    };
    let draft = t
        .port
        .create_sale(&simple_sale(&s, SaleType::SalesInvoice, "lv/40"))
        .await
        .unwrap()
        .document_id;
    t.port.void_sale(draft).await.unwrap();
    let doc = t.port.get_sale(draft).await.unwrap();
    assert!(doc.is_voided() && !doc.is_approved(), "{:?}", doc.status);
    assert_eq!((doc.total, doc.amount_due), (dec!(24.20), Decimal::ZERO));

    let invoice = t
        .port
        .create_sale(&simple_sale(&s, SaleType::SalesInvoice, "lv/41"))
        .await
        .unwrap()
        .document_id;
    t.port.approve_sale(invoice).await.unwrap();
    let listed = t.port.products_of_warehouse(s.warehouse).await.unwrap();
    assert_eq!(stock(listed), (dec!(8), Some(dec!(8))));
    t.port.void_sale(invoice).await.unwrap();
    let doc = t.port.get_sale(invoice).await.unwrap();
    assert_eq!(doc.status.as_deref(), Some("voided"));
    assert_eq!((doc.total, doc.amount_due), (dec!(24.20), Decimal::ZERO));
    let listed = t.port.products_of_warehouse(s.warehouse).await.unwrap();
    assert_eq!(stock(listed), (dec!(10), Some(dec!(10))), "goods back");

    let order = t
        .port
        .create_sale(&simple_sale(&s, SaleType::SalesOrder, "lv/42"))
        .await
        .unwrap()
        .document_id;
    t.port.approve_sale(order).await.unwrap();
    assert_eq!(
        t.port.get_sale(order).await.unwrap().status.as_deref(),
        Some("in_process")
    );
    let listed = t.port.products_of_warehouse(s.warehouse).await.unwrap();
    assert_eq!(stock(listed), (dec!(10), Some(dec!(8))), "reserved");
    t.port.void_sale(order).await.unwrap();
    let doc = t.port.get_sale(order).await.unwrap();
    assert_eq!(
        (doc.status.as_deref(), doc.amount_due),
        (Some("voided"), Decimal::ZERO)
    );
    let listed = t.port.products_of_warehouse(s.warehouse).await.unwrap();
    assert_eq!(
        stock(listed),
        (dec!(10), Some(dec!(10))),
        "reservation released"
    );

    // A voided document is final.
    for refused in [
        t.port.void_sale(order).await.unwrap_err(),
        t.port.approve_sale(draft).await.unwrap_err(),
        t.port
            .add_payment(&payment(invoice, s.bank, dec!(1), "EUR"))
            .await
            .unwrap_err(),
    ] {
        assert!(is_refusal(&refused), "{refused:?}");
    }
    assert!(matches!(
        t.port.void_sale(order + 1000).await,
        Err(PaytraqError::NotFound)
    ));
}

/// A paid invoice is credited, never voided: refused without effect.
async fn a_paid_invoice_cannot_be_voided(t: Target) {
    let s = seed(&*t.company);
    let id = t
        .port
        .create_sale(&simple_sale(&s, SaleType::SalesInvoice, "lv/43"))
        .await
        .unwrap()
        .document_id;
    t.port.approve_sale(id).await.unwrap();
    t.port
        .add_payment(&payment(id, s.bank, dec!(24.20), "EUR"))
        .await
        .unwrap();
    let refused = t.port.void_sale(id).await.unwrap_err();
    assert!(is_refusal(&refused), "{refused:?}");
    let doc = t.port.get_sale(id).await.unwrap();
    assert_eq!(doc.status.as_deref(), Some("paid"));
    assert_eq!((doc.total, doc.amount_due), (dec!(24.20), Decimal::ZERO));
}
