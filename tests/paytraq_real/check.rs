//! `local paytraq-check` against the PayTraq sandbox: read-only and the
//! write test all `works` (exit 0, every call in the JSON, the documents
//! in the sandbox); refused and reshaped replies reported as such (exit
//! non-zero); the write test refused before any request without its
//! confirmation; the key and token in no output.

use std::sync::Arc;

use channel::paytraq::model::{NewSale, NewSaleLine, Operation, SaleType};
use channel::paytraq::{Pacer, PacerConfig, PaytraqClient, PaytraqCredentials};
use channel::secrets::Secret;
use chrono::Utc;
use local::paytraq_check::{run, CheckError, CheckOptions, CheckReport, Outcome};
use paytraq_sandbox::{Fault, FaultKind, PaytraqSandbox, PaytraqSandboxConfig, SandboxCompany};
use rust_decimal_macros::dec;

const KEY: &str = "check-api-key-5f1e";
const TOKEN: &str = "check-api-token-9c2a";

/// Every read call the product makes.
const READS: [&str; 11] = [
    "tax_keys",
    "warehouses",
    "money_accounts",
    "list_products",
    "products_of_warehouse",
    "search_products",
    "price_list",
    "search_clients",
    "sales_of_client",
    "search_sales",
    "get_sale",
];

/// Every write call of the write test.
const WRITES: [&str; 7] = [
    "create_client",
    "create_sale",
    "update_sale",
    "approve_sale",
    "add_payment",
    "send_sale",
    "add_prepayment",
];

struct Company {
    sandbox: PaytraqSandbox,
    company: SandboxCompany,
    price_group_id: u64,
    /// A document the company had before the check (never to be changed).
    existing_document: u64,
}

/// A sandbox company like a small shop's: one tax key named as PayTraq
/// names them, a warehouse with stock, a product, a money account, a price
/// group, a client with one invoice.
async fn company() -> Company {
    let sandbox = PaytraqSandbox::start(PaytraqSandboxConfig {
        rate_per_second: 0.0,
        ..Default::default()
    })
    .await
    .unwrap();
    let company = sandbox.create_company(KEY, TOKEN);
    let tax_key = company.add_tax_key("PVN 21%", dec!(21));
    let warehouse = company.add_warehouse("Main");
    let item = company.add_product("CHK-1", "Check product");
    company.set_stock(warehouse, item, dec!(50));
    company.add_money_account("Bank", "EUR");
    let price_group_id = company.add_price_group("Shop", "EUR");
    company.set_price(price_group_id, item, dec!(12.10), dec!(10));
    let client = company.add_client("Shop Customer", Some("customer@example.com"));
    let existing = PaytraqClient::new(
        &sandbox.base_url(),
        creds(),
        reqwest::Client::new(),
        pacer(),
    )
    .unwrap()
    .create_sale(&NewSale {
        sale_type: SaleType::SalesInvoice,
        operation: Operation::SellGoods,
        client_id: client,
        document_date: Utc::now().date_naive(),
        currency: "EUR".into(),
        warehouse_id: Some(warehouse),
        loading_area_id: None,
        our_reference: "wc-1001".into(),
        include_tax: true,
        comment: None,
        lines: vec![NewSaleLine {
            item_id: Some(item),
            item_code: None,
            description: None,
            quantity: dec!(1),
            unit_price: dec!(12.10),
            discount_percent: dec!(0),
            tax_key_id: tax_key,
        }],
        shipping_charge: None,
        payment_term_days: None,
    })
    .await
    .unwrap()
    .document_id;
    Company {
        sandbox,
        company,
        price_group_id,
        existing_document: existing,
    }
}

fn creds() -> PaytraqCredentials {
    PaytraqCredentials {
        api_key: Secret::new(KEY),
        api_token: Secret::new(TOKEN),
    }
}

fn pacer() -> Arc<Pacer> {
    Arc::new(
        Pacer::new(PacerConfig {
            rate_per_second: dec!(1000),
            burst: 1000,
        })
        .unwrap(),
    )
}

fn options(c: &Company) -> CheckOptions {
    let mut opts =
        CheckOptions::read_only(&c.sandbox.base_url(), Secret::new(KEY), Secret::new(TOKEN));
    opts.price_group_id = Some(c.price_group_id);
    opts.fast = true;
    opts
}

fn write_options(c: &Company) -> CheckOptions {
    let mut opts = options(c);
    opts.write_test = true;
    opts.write_confirmed = true;
    opts.client_email = Some("check-buyer@example.com".into());
    opts
}

/// The sandbox's POSTs so far.
fn posts(c: &Company) -> usize {
    c.sandbox
        .requests()
        .iter()
        .filter(|r| r.route.starts_with("POST "))
        .count()
}

/// The rows of a call, by name.
fn rows<'a>(report: &'a CheckReport, call: &str) -> Vec<&'a local::paytraq_check::Row> {
    report.rows.iter().filter(|r| r.call == call).collect()
}

/// Neither the table nor the JSON carries the key or the token.
fn assert_no_secret(report: &CheckReport) {
    let shown = format!("{report}{}", report.to_json().unwrap());
    assert!(!shown.contains(KEY) && !shown.contains(TOKEN), "{shown}");
}

/// Every call of `calls` is in the JSON, with its method and path from routes.rs.
fn assert_json_has(report: &CheckReport, calls: &[&str]) {
    let json: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    let in_json: Vec<(&str, &str)> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["call"].as_str().unwrap(),
                r["method_and_path"].as_str().unwrap(),
            )
        })
        .collect();
    for call in calls {
        let path = channel::paytraq::routes::method_and_path(call).unwrap();
        assert!(
            in_json.contains(&(call, path.as_str())),
            "{call} ({path}) missing from the JSON: {in_json:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paytraq_check_reads_every_call_the_product_makes_and_writes_nothing() {
    let c = company().await;
    let posts_before = posts(&c);
    let report = run(&options(&c)).await.unwrap();

    assert!(report.ok(), "{report}");
    assert_eq!(report.exit_code(), 0);
    for call in READS {
        let found = rows(&report, call);
        assert!(!found.is_empty(), "{call} not checked:\n{report}");
        assert!(found.iter().all(|r| r.result == Outcome::Works), "{report}");
    }
    assert_eq!(report.calls_checked(), READS.len(), "{report}");
    assert_json_has(&report, &READS);
    assert_eq!(report.counts["tax keys"], 1);
    assert_eq!(report.counts["warehouses"], 1);
    assert_eq!(report.counts["money accounts"], 1);
    assert_eq!(report.counts["products"], 1);
    assert_eq!(report.counts["price list items"], 1);
    assert_eq!(report.tax_keys[0].rate, Some(dec!(21)));
    // The listed document was read, in full, and only read.
    assert!(rows(&report, "get_sale")[0]
        .evidence
        .contains(&format!("id {}", c.existing_document)));
    assert_eq!(posts(&c), posts_before, "read-only sent a POST");
    assert!(report.created.is_empty() && report.how_to_void().is_none());
    assert_no_secret(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paytraq_check_write_test_confirms_every_effect_by_reading_it_back() {
    let c = company().await;
    let before = c.company.document(c.existing_document).unwrap();
    let report = run(&write_options(&c)).await.unwrap();

    assert!(report.ok(), "{report}");
    assert_eq!(report.exit_code(), 0);
    for call in READS.iter().chain(WRITES.iter()) {
        let works = rows(&report, call)
            .iter()
            .any(|r| r.result == Outcome::Works);
        assert!(works, "{call} not confirmed:\n{report}");
    }
    assert_json_has(&report, &READS);
    assert_json_has(&report, &WRITES);
    // The test client is new: the reads list no documents of it (two reads
    // skipped); the write test then runs create_client, the invoice's
    // eleven calls (create, find among the client's documents, read,
    // update, read, approve, read, pay, read, send, read) and the order's five.
    assert_eq!(
        report.calls_checked(),
        READS.len() - 2 + 1 + 11 + 5,
        "{report}"
    );
    let skipped: Vec<&str> = report
        .rows
        .iter()
        .filter(|r| r.result == Outcome::Skipped)
        .map(|r| r.call)
        .collect();
    assert_eq!(skipped, ["sales_of_client", "get_sale"], "{report}");
    assert_eq!(rows(&report, "get_sale").len(), 1 + 5 + 2, "{report}");

    // The sandbox shows what the report says was created, and nothing else changed.
    let docs: Vec<_> = report
        .created
        .iter()
        .filter(|d| d.kind != "client")
        .collect();
    assert_eq!(docs.len(), 2);
    for d in &docs {
        let rec = c.company.document(d.id).unwrap();
        assert_eq!(Some(&rec.number), d.number.as_ref());
        assert!(rec.comment.as_deref().unwrap().contains("paytraq-check"));
    }
    let invoice = c.company.document(docs[0].id).unwrap();
    assert_eq!(invoice.lines.len(), 2, "the rounding line");
    assert_eq!(invoice.status, "paid");
    assert_eq!(c.company.payments().len(), 1);
    assert_eq!(c.company.prepayments().len(), 1);
    let emails = c.company.emails();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].to, "check-buyer@example.com");
    assert_eq!(emails[0].document_id, docs[0].id);
    assert!(c
        .company
        .clients()
        .iter()
        .any(|cl| cl.email.as_deref() == Some("check-buyer@example.com")));
    let after = c.company.document(c.existing_document).unwrap();
    assert_eq!(
        (after.status, after.lines.len()),
        (before.status, before.lines.len())
    );
    // The prepayment's absence from the order is expected, not a failure.
    let last = report.rows.last().unwrap();
    assert!(
        last.evidence.contains("never shows on the sales order"),
        "{report}"
    );
    // How to void it names both documents.
    let void = report.how_to_void().unwrap();
    for d in &docs {
        assert!(void.contains(d.number.as_deref().unwrap()), "{void}");
    }
    assert!(void.contains("Void them in PayTraq"));
    // The table says what the write test used.
    let table = report.to_string();
    assert!(table.contains("write test used: item CHK-1"), "{table}");
    assert!(table.contains("tax key PVN 21%"), "{table}");
    assert_no_secret(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paytraq_check_reports_refused_and_reshaped_replies_and_exits_non_zero() {
    let c = company().await;
    c.sandbox.inject_fault(Fault {
        route: Some("GET /api/moneyAccounts".into()),
        kind: FaultKind::Status(403),
        times: None,
    });
    c.sandbox.inject_fault(Fault {
        route: Some("GET /api/taxKeys".into()),
        kind: FaultKind::Reshape,
        times: None,
    });
    c.sandbox.inject_fault(Fault {
        route: Some("GET /api/sale/{id}".into()),
        kind: FaultKind::Reshape,
        times: None,
    });
    let report = run(&options(&c)).await.unwrap();

    assert!(!report.ok());
    assert_eq!(report.exit_code(), 2);
    let refused = rows(&report, "money_accounts");
    assert_eq!(refused[0].result, Outcome::Refused, "{report}");
    assert!(refused[0].evidence.contains("403"), "{report}");
    assert!(
        refused[0].evidence.contains("injected fault"),
        "PayTraq's answer: {report}"
    );
    let tax_keys = rows(&report, "tax_keys");
    assert_eq!(tax_keys[0].result, Outcome::NotUnderstood, "{report}");
    assert!(
        tax_keys[0].evidence.contains("TaxKeyID"),
        "the element: {report}"
    );
    let sale = rows(&report, "get_sale");
    assert_eq!(sale[0].result, Outcome::NotUnderstood, "{report}");
    assert!(
        sale[0].evidence.contains("DocumentID"),
        "the element: {report}"
    );
    // The other reads still work.
    for call in [
        "warehouses",
        "list_products",
        "price_list",
        "sales_of_client",
    ] {
        assert_eq!(rows(&report, call)[0].result, Outcome::Works, "{report}");
    }
    let table = report.to_string();
    assert!(table.contains("reply not understood") && table.contains("refused"));
    assert!(table.contains("did not work as the product needs"));
    let json = report.to_json().unwrap();
    assert!(json.contains("\"not_understood\"") && json.contains("\"refused\""));
    assert_no_secret(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paytraq_check_refuses_the_write_test_without_its_confirmation_before_any_request() {
    let c = company().await;
    let seeded = c.sandbox.requests().len();
    let mut unconfirmed = write_options(&c);
    unconfirmed.write_confirmed = false;
    let err = run(&unconfirmed).await.unwrap_err();
    assert!(matches!(err, CheckError::WriteNotConfirmed));
    assert!(
        err.to_string().contains("--yes-write-to-this-company"),
        "{err}"
    );

    let mut no_address = write_options(&c);
    no_address.client_email = None;
    let err = run(&no_address).await.unwrap_err();
    assert!(matches!(err, CheckError::NoClientEmail));
    assert!(err.to_string().contains("--client-email"), "{err}");

    assert_eq!(c.sandbox.requests().len(), seeded, "a request was sent");
    assert_eq!(c.company.documents().len(), 1);
}
