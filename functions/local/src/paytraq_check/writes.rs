//! The write test (`--write-test`, on a test company): a draft sales
//! invoice for the test client, read back, updated with a rounding line,
//! approved, paid and e-mailed, each effect read back; then a sales order
//! approved and prepaid. Every write goes to a document this test created;
//! each is listed in the report so the user can void it.

use channel::paytraq::model::{
    ClientType, NewClient, NewPayment, NewPrepayment, NewSale, NewSaleLine, Operation, Sale,
    SaleNear, SaleType,
};
use channel::paytraq::routes::reference_marker;
use channel::paytraq::PaytraqClient;
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;

use super::reads::Found;
use super::report::{CheckReport, Created, Outcome};
use super::CheckOptions;

/// The test line's price, and the rounding line's.
const LINE_PRICE: Decimal = Decimal::ONE;
const ROUNDING: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// What the test documents are made of.
struct Setup {
    item_id: u64,
    tax_key_id: u64,
    money_account_id: Option<u64>,
    warehouse_id: Option<u64>,
    currency: String,
    client_id: u64,
    email: String,
    today: NaiveDate,
    /// Our reference prefix of this run (`paytraq-check-20250101T120000`).
    reference: String,
}

/// Runs the write test; the reads found what it uses.
pub async fn run(pt: &PaytraqClient, opts: &CheckOptions, found: &Found, report: &mut CheckReport) {
    let Some(email) = opts.client_email.as_deref().map(str::trim) else {
        return;
    };
    let Some(setup) = setup(pt, opts, found, email, report).await else {
        return;
    };
    invoice(pt, &setup, report).await;
    sales_order(pt, &setup, report).await;
}

/// Chooses the item, tax key, money account and warehouse (given, else
/// the first the reads found) and finds or creates the test client.
async fn setup(
    pt: &PaytraqClient,
    opts: &CheckOptions,
    found: &Found,
    email: &str,
    report: &mut CheckReport,
) -> Option<Setup> {
    let given = |yes: bool| if yes { "given" } else { "the first listed" };
    let item = match &opts.item_code {
        Some(code) => found
            .products
            .iter()
            .find(|p| p.code.as_deref().map(str::trim) == Some(code.trim())),
        None => found
            .products
            .iter()
            .find(|p| p.code.as_deref().is_some_and(|c| !c.trim().is_empty())),
    };
    let tax_key = match opts.tax_key_id {
        Some(id) => found.tax_keys.iter().find(|k| k.tax_key_id == id),
        None => found.tax_keys.first(),
    };
    let money_account = match opts.money_account_id {
        Some(id) => found
            .money_accounts
            .iter()
            .find(|a| a.money_account_id == id),
        None => found.money_accounts.first(),
    };
    let warehouse_id = opts
        .warehouse_id
        .or_else(|| found.warehouses.first().map(|w| w.warehouse_id));
    report.chosen.item = item.map(|p| {
        format!(
            "{} (item {}, {})",
            p.code.as_deref().unwrap_or(""),
            p.item_id,
            given(opts.item_code.is_some())
        )
    });
    report.chosen.tax_key = tax_key.map(|k| {
        format!(
            "{} (id {}, {})",
            k.name,
            k.tax_key_id,
            given(opts.tax_key_id.is_some())
        )
    });
    report.chosen.money_account = money_account.map(|a| {
        format!(
            "{} (id {}, {})",
            a.name,
            a.money_account_id,
            given(opts.money_account_id.is_some())
        )
    });
    report.chosen.warehouse =
        warehouse_id.map(|id| format!("{id} ({})", given(opts.warehouse_id.is_some())));
    let (Some(item), Some(tax_key)) = (item, tax_key) else {
        let why = match item {
            None => "no product with a code listed or given (--item-code)",
            Some(_) => "no tax key listed or given (--tax-key-id)",
        };
        report.row(
            "create_sale",
            "the write test",
            Outcome::Skipped,
            format!("write test not run: {why}"),
        );
        return None;
    };
    let client_id = client(pt, email, found, report).await?;
    report.chosen.client = Some(format!("{email} (client {client_id})"));
    let now = Utc::now();
    Some(Setup {
        item_id: item.item_id,
        tax_key_id: tax_key.tax_key_id,
        money_account_id: money_account.map(|a| a.money_account_id),
        warehouse_id,
        currency: money_account
            .and_then(|a| a.currency.clone())
            .filter(|c| c.trim().len() == 3)
            .unwrap_or_else(|| "EUR".to_owned()),
        client_id,
        email: email.to_owned(),
        today: now.date_naive(),
        reference: format!("paytraq-check-{}", now.format("%Y%m%dT%H%M%S")),
    })
}

/// The client the reads found by `email`, else a new one.
async fn client(
    pt: &PaytraqClient,
    email: &str,
    found: &Found,
    report: &mut CheckReport,
) -> Option<u64> {
    if let Some(c) = &found.client {
        return Some(c.client_id);
    }
    let purpose = "the test client";
    let new = NewClient {
        name: "paytraq-check test client".to_owned(),
        email: Some(email.to_owned()),
        client_type: ClientType::Person,
        reg_number: None,
        vat_number: None,
        legal_address: Default::default(),
        phone: None,
    };
    match pt.create_client(&new).await {
        Ok(id) => {
            report.created.push(Created {
                kind: "client",
                id,
                number: Some(email.to_owned()),
            });
            report.row(
                "create_client",
                purpose,
                Outcome::Works,
                format!("client {id} created for {email}"),
            );
            Some(id)
        }
        Err(e) => {
            report.failed("create_client", purpose, &e);
            None
        }
    }
}

/// A test document of one line.
fn new_sale(s: &Setup, sale_type: SaleType, suffix: &str) -> NewSale {
    NewSale {
        sale_type,
        operation: Operation::SellGoods,
        client_id: s.client_id,
        document_date: s.today,
        currency: s.currency.clone(),
        warehouse_id: s.warehouse_id,
        loading_area_id: None,
        our_reference: format!("{}-{suffix}", s.reference),
        include_tax: true,
        comment: Some("paytraq-check test document: void it".to_owned()),
        lines: vec![line(s, LINE_PRICE, "paytraq-check test line")],
        shipping_charge: None,
        payment_term_days: None,
    }
}

fn line(s: &Setup, price: Decimal, description: &str) -> NewSaleLine {
    NewSaleLine {
        item_id: Some(s.item_id),
        item_code: None,
        description: Some(description.to_owned()),
        quantity: Decimal::ONE,
        unit_price: price,
        discount_percent: Decimal::ZERO,
        tax_key_id: s.tax_key_id,
    }
}

/// Creates `sale` and lists it among what to void.
async fn create(
    pt: &PaytraqClient,
    sale: &NewSale,
    kind: &'static str,
    report: &mut CheckReport,
) -> Option<u64> {
    let purpose = format!("a draft {kind}");
    match pt.create_sale(sale).await {
        Ok(r) => {
            let number = r.document_number.clone();
            report.created.push(Created {
                kind,
                id: r.document_id,
                number: r.document_number,
            });
            let shown = number.as_deref().unwrap_or("no number in the reply");
            report.row(
                "create_sale",
                &purpose,
                Outcome::Works,
                format!("document {} ({shown})", r.document_id),
            );
            Some(r.document_id)
        }
        Err(e) => {
            report.failed("create_sale", &purpose, &e);
            None
        }
    }
}

/// Whether the new document is among its client's documents from the day
/// before its date: how the product finds its own document after a crash.
async fn found_among_the_clients(pt: &PaytraqClient, s: &Setup, id: u64, report: &mut CheckReport) {
    let purpose = "the new invoice among its client's documents, as after a crash";
    let near = SaleNear::around(s.client_id, s.today);
    match pt
        .sales_of_client_page(near.client_id, near.date_from, 0)
        .await
    {
        Ok(list) => {
            let listed = list.iter().any(|d| d.document_id == id);
            let outcome = if listed {
                Outcome::Works
            } else {
                Outcome::Unexpected
            };
            let evidence = format!(
                "client {} since {}: {} documents, document {id} {}",
                near.client_id,
                near.date_from,
                list.len(),
                if listed {
                    "among them"
                } else {
                    "not among them"
                }
            );
            report.row("sales_of_client", purpose, outcome, evidence);
        }
        Err(e) => report.failed("sales_of_client", purpose, &e),
    }
}

/// Reads a document back and records whether `expect` holds of it.
async fn read_back(
    pt: &PaytraqClient,
    id: u64,
    purpose: &str,
    report: &mut CheckReport,
    expect: impl FnOnce(&Sale) -> (bool, String),
) -> Option<Sale> {
    let sale = match pt.get_sale(id).await {
        Ok(sale) => sale,
        Err(e) => {
            report.failed("get_sale", purpose, &e);
            return None;
        }
    };
    if let Some(created) = report
        .created
        .iter_mut()
        .find(|c| c.id == id && c.kind != "client")
    {
        created.number = created
            .number
            .take()
            .or_else(|| sale.document_number.clone());
    }
    let (holds, evidence) = expect(&sale);
    let outcome = if holds {
        Outcome::Works
    } else {
        Outcome::Unexpected
    };
    report.row("get_sale", purpose, outcome, evidence);
    holds.then_some(sale)
}

/// A write that answers nothing to check: works or not.
fn wrote<T>(
    report: &mut CheckReport,
    call: &'static str,
    purpose: &str,
    result: Result<T, channel::paytraq::PaytraqError>,
    evidence: &str,
) -> Option<T> {
    match result {
        Ok(value) => {
            report.row(call, purpose, Outcome::Works, evidence);
            Some(value)
        }
        Err(e) => {
            report.failed(call, purpose, &e);
            None
        }
    }
}

fn status(sale: &Sale) -> &str {
    sale.status.as_deref().unwrap_or("(no status)")
}

/// Approves a document, then reads it back: works when it reads approved
/// (PayTraq shows `in_process` / `wait_payment`, never `approved`).
async fn approve_and_read(
    pt: &PaytraqClient,
    id: u64,
    kind: &str,
    report: &mut CheckReport,
) -> Option<Sale> {
    wrote(
        report,
        "approve_sale",
        &format!("the {kind} approved"),
        pt.approve_sale(id).await,
        "accepted",
    )?;
    read_back(pt, id, &format!("the {kind}'s status"), report, |d| {
        let approved = d.is_approved();
        let read = if approved {
            "read as approved"
        } else {
            "not read as approved"
        };
        (approved, format!("status {}: {read}", status(d)))
    })
    .await
}

/// Invoice: create, read, update (rounding line), read, approve, read,
/// pay, read `Payments`/`AmountDue`, e-mail, read `MessageLog`.
async fn invoice(pt: &PaytraqClient, s: &Setup, report: &mut CheckReport) -> Option<()> {
    let mut sale = new_sale(s, SaleType::SalesInvoice, "invoice");
    let id = create(pt, &sale, "sales invoice", report).await?;
    found_among_the_clients(pt, s, id, report).await;
    let marker = reference_marker(&sale.our_reference);
    let draft = read_back(pt, id, "the draft invoice read back", report, |d| {
        let ok = d.lines.len() == 1
            && !d.is_approved()
            && d.comment.as_deref().is_some_and(|c| c.contains(&marker));
        (
            ok,
            format!(
                "status {}, {} line(s), total {}, Comment carries {marker}: {}",
                status(d),
                d.lines.len(),
                d.total,
                d.comment.as_deref().is_some_and(|c| c.contains(&marker))
            ),
        )
    })
    .await?;
    sale.lines
        .push(line(s, ROUNDING, "paytraq-check rounding line"));
    let purpose = "the draft replaced with a rounding line";
    wrote(
        report,
        "update_sale",
        purpose,
        pt.update_sale(id, &sale).await,
        "accepted",
    )?;
    let expected = draft.total + ROUNDING;
    read_back(pt, id, "the updated draft read back", report, |d| {
        (
            d.lines.len() == 2 && d.total == expected,
            format!(
                "{} lines, total {} (expected {expected})",
                d.lines.len(),
                d.total
            ),
        )
    })
    .await?;
    let approved = approve_and_read(pt, id, "invoice", report).await?;
    let Some(account) = s.money_account_id else {
        report.row(
            "add_payment",
            "a payment on the invoice",
            Outcome::Skipped,
            "no money account listed or given (--money-account-id)",
        );
        return None;
    };
    let amount = if approved.amount_due > Decimal::ZERO {
        approved.amount_due
    } else {
        approved.total
    };
    let payment = NewPayment {
        document_id: id,
        money_account_id: account,
        amount,
        currency: approved
            .currency
            .clone()
            .unwrap_or_else(|| s.currency.clone()),
        date: s.today,
        comment: Some("paytraq-check test payment".to_owned()),
    };
    let paid = pt.add_payment(&payment).await.map(|r| match r.payment_id {
        Some(p) => format!("payment {p} of {amount}"),
        None => format!("{amount} paid (no PaymentID in the reply)"),
    });
    let evidence = paid.as_ref().map(String::clone).unwrap_or_default();
    wrote(
        report,
        "add_payment",
        "a payment on the invoice",
        paid,
        &evidence,
    )?;
    read_back(pt, id, "Payments and AmountDue read back", report, |d| {
        let ok = !d.payments.is_empty()
            && d.paid_amount() == amount
            && d.amount_due == d.total - d.paid_amount();
        let shown: Vec<String> = d
            .payments
            .iter()
            .map(|p| {
                format!(
                    "{} {} on {}",
                    p.payment_type.as_deref().unwrap_or("?"),
                    p.amount,
                    p.date.as_deref().unwrap_or("?")
                )
            })
            .collect();
        (
            ok,
            format!(
                "Payments [{}], AmountDue {} = Total {} − paid {}; status {}",
                shown.join(", "),
                d.amount_due,
                d.total,
                d.paid_amount(),
                status(d)
            ),
        )
    })
    .await?;
    let sent = pt.send_sale_by_email(id, &s.email).await;
    wrote(
        report,
        "send_sale",
        "the invoice e-mailed",
        sent,
        &format!("accepted for {}", s.email),
    )?;
    read_back(pt, id, "MessageLog read back", report, |d| {
        let shown: Vec<String> = d
            .messages
            .iter()
            .map(|m| format!("{} {}", m.to.as_deref().unwrap_or("?"), m.event_status.as_deref().unwrap_or("")))
            .collect();
        match d.emailed_to(&s.email) {
            true => (true, format!("MessageLog: {}", shown.join(", "))),
            false => (
                false,
                format!(
                    "MessageLog shows no e-mail to {} ([{}]): the product would report such e-mails as 'e-mail not confirmed'",
                    s.email,
                    shown.join(", ")
                ),
            ),
        }
    })
    .await?;
    Some(())
}

/// Sales order: create, approve, read the status, prepay, read back (a
/// prepayment never shows on the order: expected).
async fn sales_order(pt: &PaytraqClient, s: &Setup, report: &mut CheckReport) -> Option<()> {
    let sale = new_sale(s, SaleType::SalesOrder, "order");
    let id = create(pt, &sale, "sales order", report).await?;
    let approved = approve_and_read(pt, id, "sales order", report).await?;
    let Some(account) = s.money_account_id else {
        report.row(
            "add_prepayment",
            "a prepayment for the order",
            Outcome::Skipped,
            "no money account listed or given (--money-account-id)",
        );
        return None;
    };
    let amount = approved.total;
    let prepayment = NewPrepayment {
        sales_order_id: id,
        money_account_id: account,
        amount,
        currency: approved
            .currency
            .clone()
            .unwrap_or_else(|| s.currency.clone()),
        date: s.today,
        comment: Some("paytraq-check test prepayment".to_owned()),
    };
    let paid = pt.add_prepayment(s.client_id, &prepayment).await;
    wrote(
        report,
        "add_prepayment",
        "a prepayment for the order",
        paid,
        &format!("{amount} for client {}", s.client_id),
    )?;
    read_back(pt, id, "the order after its prepayment", report, |d| {
        if d.payments.is_empty() && d.amount_due == d.total {
            (true, format!("as expected: a prepayment never shows on the sales order (no Payments, AmountDue {} = Total)", d.amount_due))
        } else {
            (true, format!("the prepayment shows on the order: {} payments, AmountDue {} of Total {}", d.payments.len(), d.amount_due, d.total))
        }
    })
    .await?;
    Some(())
}
