//! The read-only checks: every read call the product makes, each once,
//! with what it returned. What they found (tax keys, warehouses, money
//! accounts, products, a client) is handed to the write test.

use channel::paytraq::model::{Client, MoneyAccount, Product, TaxKey, Warehouse};
use channel::paytraq::PaytraqClient;
use chrono::{Days, Utc};
use rust_decimal::Decimal;

use super::report::{CheckReport, Outcome, TaxKeyRate};
use super::CheckOptions;

/// How far back `sales_of_client` looks for a document to read.
const DOCUMENTS_SINCE_DAYS: u64 = 366;

/// What the reads found, for the write test.
#[derive(Debug, Default)]
pub struct Found {
    pub tax_keys: Vec<TaxKey>,
    pub warehouses: Vec<Warehouse>,
    pub money_accounts: Vec<MoneyAccount>,
    pub products: Vec<Product>,
    /// The client `--client-email` names, if PayTraq lists it.
    pub client: Option<Client>,
}

/// Runs every read, recording a row each.
pub async fn run(pt: &PaytraqClient, opts: &CheckOptions, report: &mut CheckReport) -> Found {
    let mut found = Found::default();
    tax_keys(pt, report, &mut found).await;
    let purpose = "the company's warehouses";
    match pt.warehouses().await {
        Ok(list) => {
            report.counts.insert("warehouses", list.len());
            let names: Vec<String> = list
                .iter()
                .map(|w| format!("{} ({})", w.name, w.warehouse_id))
                .collect();
            report.row(
                "warehouses",
                purpose,
                Outcome::Works,
                format!("{} warehouses: {}", list.len(), names.join(", ")),
            );
            found.warehouses = list;
        }
        Err(e) => report.failed("warehouses", purpose, &e),
    }
    let purpose = "where payments are booked";
    match pt.money_accounts().await {
        Ok(list) => {
            report.counts.insert("money accounts", list.len());
            let names: Vec<String> = list
                .iter()
                .map(|a| {
                    format!(
                        "{} ({}, {})",
                        a.name,
                        a.money_account_id,
                        a.currency.as_deref().unwrap_or("no currency")
                    )
                })
                .collect();
            report.row(
                "money_accounts",
                purpose,
                Outcome::Works,
                format!("{} money accounts: {}", list.len(), names.join(", ")),
            );
            found.money_accounts = list;
        }
        Err(e) => report.failed("money_accounts", purpose, &e),
    }
    products(pt, opts, report, &mut found).await;
    price_list(pt, opts, report).await;
    sales(pt, opts, report, &mut found).await;
    found
}

/// `tax_keys`, with the rate of each key as the product reads it.
async fn tax_keys(pt: &PaytraqClient, report: &mut CheckReport, found: &mut Found) {
    let purpose = "VAT rates of the lines";
    let keys = match pt.tax_keys().await {
        Ok(keys) => keys,
        Err(e) => return report.failed("tax_keys", purpose, &e),
    };
    report.counts.insert("tax keys", keys.len());
    report.tax_keys = keys.iter().map(rate_of).collect();
    let shown: Vec<String> = report
        .tax_keys
        .iter()
        .map(|k| match (k.rate, k.rate_from) {
            (Some(rate), Some(from)) => {
                format!("{} ({}) {rate}% from {from}", k.name, k.tax_key_id)
            }
            _ => format!(
                "{} ({}) no rate in TaxRate or the name: give it when mapping",
                k.name, k.tax_key_id
            ),
        })
        .collect();
    report.row(
        "tax_keys",
        purpose,
        Outcome::Works,
        format!("{} tax keys: {}", keys.len(), shown.join("; ")),
    );
    found.tax_keys = keys;
}

/// A key's rate: `TaxRate` when PayTraq sends it, else the percentage in
/// its name (`PVN 21%`, `PVN 5,5%`), else none.
pub fn rate_of(key: &TaxKey) -> TaxKeyRate {
    let (rate, rate_from) = match (key.rate, rate_in_name(&key.name)) {
        (Some(rate), _) => (Some(rate), Some("TaxRate")),
        (None, Some(rate)) => (Some(rate), Some("name")),
        (None, None) => (None, None),
    };
    TaxKeyRate {
        tax_key_id: key.tax_key_id,
        name: key.name.clone(),
        rate,
        rate_from,
    }
}

/// The number just before the first `%` of `name`, with `,` or `.` as
/// the decimal separator.
pub fn rate_in_name(name: &str) -> Option<Decimal> {
    let before = &name[..name.find('%')?];
    let before = before.trim_end();
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == ',' || *c == '.')
        .last()
        .map(|(i, _)| i)?;
    before[start..].replace(',', ".").parse().ok()
}

/// `list_products`, `products_of_warehouse` and `search_products`.
async fn products(
    pt: &PaytraqClient,
    opts: &CheckOptions,
    report: &mut CheckReport,
    found: &mut Found,
) {
    let purpose = "every product, all pages";
    match pt.list_products().await {
        Ok(list) => {
            report.counts.insert("products", list.len());
            let with_code = list
                .iter()
                .filter(|p| p.code.as_deref().is_some_and(|c| !c.trim().is_empty()))
                .count();
            report.row(
                "list_products",
                purpose,
                Outcome::Works,
                format!(
                    "{} products, {with_code} with a code (the SKU the shop matches)",
                    list.len()
                ),
            );
            found.products = list;
        }
        Err(e) => report.failed("list_products", purpose, &e),
    }
    let purpose = "stock of a warehouse";
    let warehouse = opts
        .warehouse_id
        .or_else(|| found.warehouses.first().map(|w| w.warehouse_id));
    match warehouse {
        None => report.row(
            "products_of_warehouse",
            purpose,
            Outcome::Skipped,
            "no warehouse listed or given (--warehouse-id)",
        ),
        Some(id) => match pt.products_of_warehouse(id).await {
            Ok(list) => {
                let stocked = list.iter().filter(|p| p.inventory.is_some()).count();
                let interim = list
                    .iter()
                    .filter(|p| {
                        p.inventory
                            .as_ref()
                            .is_some_and(|i| i.interim_available.is_some())
                    })
                    .count();
                report
                    .counts
                    .insert("products in the warehouse", list.len());
                report.row("products_of_warehouse", purpose, Outcome::Works, format!("warehouse {id}: {} products, {stocked} with Inventory, {interim} with InterimAvailable", list.len()));
            }
            Err(e) => report.failed("products_of_warehouse", purpose, &e),
        },
    }
    let purpose = "a product found by its code";
    let code = opts.item_code.clone().or_else(|| {
        found.products.iter().find_map(|p| {
            p.code
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
        })
    });
    let Some(code) = code else {
        return report.row(
            "search_products",
            purpose,
            Outcome::Skipped,
            "no product with a code listed or given (--item-code)",
        );
    };
    match pt.find_product_by_code(&code).await {
        Ok(Some(p)) => report.row(
            "search_products",
            purpose,
            Outcome::Works,
            format!("{code:?} found: item {} {:?}", p.item_id, p.name),
        ),
        Ok(None) => report.row(
            "search_products",
            purpose,
            Outcome::Unexpected,
            format!("the search by {code:?} did not return a product with exactly that code"),
        ),
        Err(e) => report.failed("search_products", purpose, &e),
    }
}

/// `price_list` of `--price-group-id`.
async fn price_list(pt: &PaytraqClient, opts: &CheckOptions, report: &mut CheckReport) {
    let purpose = "prices of a price group";
    let Some(group) = opts.price_group_id else {
        return report.row(
            "price_list",
            purpose,
            Outcome::Skipped,
            "skipped: no price group given (--price-group-id)",
        );
    };
    match pt.price_list(group).await {
        Ok(prices) => {
            report.counts.insert("price list items", prices.len());
            let priced = prices
                .iter()
                .filter(|p| p.price_incl_tax.is_some() || p.price_excl_tax.is_some())
                .count();
            report.row(
                "price_list",
                purpose,
                Outcome::Works,
                format!(
                    "price group {group}: {} items, {priced} with a price",
                    prices.len()
                ),
            );
        }
        Err(e) => report.failed("price_list", purpose, &e),
    }
}

/// `search_clients`, `sales_of_client`, `search_sales` and `get_sale` of a
/// listed document (only read: the check never changes a document it did
/// not create).
async fn sales(
    pt: &PaytraqClient,
    opts: &CheckOptions,
    report: &mut CheckReport,
    found: &mut Found,
) {
    let purpose = "a client found by e-mail";
    let query = opts.client_email.as_deref().map(str::trim).unwrap_or("@");
    let email = opts.client_email.as_deref().map(str::trim);
    let named = |c: &Client| {
        email.is_some_and(|email| {
            c.email
                .as_deref()
                .is_some_and(|e| e.trim().eq_ignore_ascii_case(email))
        })
    };
    let clients = match pt.search_clients_page(query, 0).await {
        Ok(list) => {
            let evidence = match (email, list.iter().find(|c| named(c))) {
                (Some(email), Some(c)) => format!("{email} is client {} {:?}", c.client_id, c.name),
                (Some(email), None) => format!(
                    "{email}: no client with that e-mail ({} listed)",
                    list.len()
                ),
                (None, _) => format!("query {query:?}: {} clients on the first page", list.len()),
            };
            report.row("search_clients", purpose, Outcome::Works, evidence);
            list
        }
        Err(e) => {
            report.failed("search_clients", purpose, &e);
            Vec::new()
        }
    };
    let exact = clients.iter().find(|c| named(c)).cloned();
    found.client = exact.clone();
    let purpose = "the client's documents since a date";
    let client = exact.or_else(|| clients.into_iter().next());
    let mut listed = Vec::new();
    match &client {
        None => report.row(
            "sales_of_client",
            purpose,
            Outcome::Skipped,
            "no client listed to list the documents of",
        ),
        Some(c) => {
            let since = Utc::now()
                .date_naive()
                .checked_sub_days(Days::new(DOCUMENTS_SINCE_DAYS))
                .unwrap_or_default();
            match pt.sales_of_client_page(c.client_id, since, 0).await {
                Ok(list) => {
                    let evidence = format!(
                        "client {}: {} documents since {since} on the first page",
                        c.client_id,
                        list.len()
                    );
                    report.row("sales_of_client", purpose, Outcome::Works, evidence);
                    listed = list;
                }
                Err(e) => report.failed("sales_of_client", purpose, &e),
            }
        }
    }
    let purpose = "documents found by text";
    let number = listed.iter().find_map(|s| s.document_number.clone());
    let query = number.clone().unwrap_or_else(|| "paytraq-check".to_owned());
    match pt.search_sales_page(&query, 0).await {
        Ok(list) => {
            let again = number
                .as_ref()
                .is_some_and(|n| list.iter().any(|s| s.document_number.as_ref() == Some(n)));
            let (outcome, evidence) = match (&number, again) {
                (Some(n), true) => (
                    Outcome::Works,
                    format!("query {n:?}: {} documents, {n} among them", list.len()),
                ),
                (Some(n), false) => (
                    Outcome::Unexpected,
                    format!("query {n:?}: {} documents, but not {n} itself", list.len()),
                ),
                (None, _) => (
                    Outcome::Works,
                    format!("query {query:?}: {} documents", list.len()),
                ),
            };
            report.row("search_sales", purpose, outcome, evidence);
            if listed.is_empty() {
                listed = list;
            }
        }
        Err(e) => report.failed("search_sales", purpose, &e),
    }
    let purpose = "a listed document read in full";
    let Some(first) = listed.first() else {
        return report.row(
            "get_sale",
            purpose,
            Outcome::Skipped,
            "no document listed to read",
        );
    };
    match pt.get_sale(first.document_id).await {
        Ok(sale) => {
            let evidence = format!(
                "{} (id {}): {} {}, status {}, total {}, amount due {}, {} lines, {} tax rows, {} payments, {} messages",
                sale.document_number.as_deref().unwrap_or("(no number)"),
                sale.document_id,
                sale.sale_type.as_deref().unwrap_or("(no SaleType)"),
                sale.operation.as_deref().unwrap_or("(no Operation)"),
                sale.status.as_deref().unwrap_or("(no status)"),
                sale.total,
                sale.amount_due,
                sale.lines.len(),
                sale.taxes.len(),
                sale.payments.len(),
                sale.messages.len()
            );
            report.row("get_sale", purpose, Outcome::Works, evidence);
        }
        Err(e) => report.failed("get_sale", purpose, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tax_keys_rate_is_read_from_its_name_when_there_is_no_tax_rate() {
        use rust_decimal_macros::dec;
        assert_eq!(rate_in_name("PVN 21%"), Some(dec!(21)));
        assert_eq!(rate_in_name("PVN 5,5 %"), Some(dec!(5.5)));
        assert_eq!(rate_in_name("0% ES"), Some(dec!(0)));
        assert_eq!(rate_in_name("Exempt"), None);
        assert_eq!(rate_in_name("PVN %"), None);
        let key = |rate| TaxKey {
            tax_key_id: 7,
            name: "PVN 12%".into(),
            rate,
        };
        assert_eq!(rate_of(&key(None)).rate_from, Some("name"));
        assert_eq!(rate_of(&key(None)).rate, Some(dec!(12)));
        assert_eq!(rate_of(&key(Some(dec!(21)))).rate, Some(dec!(21)));
        assert_eq!(rate_of(&key(Some(dec!(21)))).rate_from, Some("TaxRate"));
    }
}
