//! Every PayTraq call the client makes, in one place: its method, path,
//! whether it may be repeated after an ambiguous failure, and the evidence
//! for it. The calls the reference does not confirm are marked
//! `ASSUMED` here and in `CALLS.md`; each exists only in this file, so a
//! correction after testing on a real company is a one-line change.

use reqwest::Method;

/// Records per page of every PayTraq list (reference §1).
pub const PAGE_SIZE: usize = 100;

/// One HTTP call: what the transport needs to send it.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    /// Name used for the per-call counters.
    pub name: &'static str,
    pub method: Method,
    /// Path below `/api/`.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    /// Safe to send again when the outcome of an attempt is unknown
    /// (5xx, timeout, broken connection). Only reads are.
    pub repeatable: bool,
}

impl Call {
    fn get(name: &'static str, path: impl Into<String>) -> Self {
        Self {
            name,
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            repeatable: true,
        }
    }

    fn post(name: &'static str, path: impl Into<String>) -> Self {
        Self {
            name,
            method: Method::POST,
            path: path.into(),
            query: Vec::new(),
            repeatable: false,
        }
    }

    fn with(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }

    /// The same call for page `page` (first page is 0).
    pub fn page(self, page: u32) -> Self {
        self.with("page", page)
    }

    /// `"GET /api/sales?ClientID={ClientID}"`: the method and path with
    /// [`TEMPLATE_ID`] shown as `{id}` and every query value as `{name}`.
    fn template(&self) -> String {
        let path = self.path.replace(&TEMPLATE_ID.to_string(), "{id}");
        let query: Vec<String> = self
            .query
            .iter()
            .map(|(key, _)| format!("{key}={{{key}}}"))
            .collect();
        match query.is_empty() {
            true => format!("{} /api/{path}", self.method),
            false => format!("{} /api/{path}?{}", self.method, query.join("&")),
        }
    }
}

/// The id the call templates are built with (no real document has it).
const TEMPLATE_ID: u64 = u64::MAX;

/// Every call of this file, built with placeholder arguments.
fn every_call() -> Vec<Call> {
    let date = chrono::NaiveDate::MIN;
    vec![
        search_clients("-"),
        get_client(TEMPLATE_ID),
        create_client(),
        list_products(),
        search_products("-"),
        price_list(TEMPLATE_ID),
        create_sale(),
        get_sale(TEMPLATE_ID),
        sales_of_client(TEMPLATE_ID, date),
        search_sales("-"),
        update_sale(TEMPLATE_ID),
        products_of_warehouse(TEMPLATE_ID),
        tax_keys(),
        warehouses(),
        money_accounts(),
        approve_sale(TEMPLATE_ID),
        add_payment(TEMPLATE_ID),
        add_prepayment(TEMPLATE_ID),
        send_sale(TEMPLATE_ID),
        pay_credit_note(TEMPLATE_ID),
        void_sale(TEMPLATE_ID),
    ]
}

/// The method and path of the call named `name` (`"get_sale"` →
/// `"GET /api/sale/{id}"`), with ids and query values as placeholders.
/// For reports that name the calls (`local paytraq-check`): the calls
/// stay defined only in this file.
pub fn method_and_path(name: &str) -> Option<String> {
    every_call()
        .into_iter()
        .find(|call| call.name == name)
        .map(|call| call.template())
}

// ------------------------------------------------------------ confirmed [REAL]

/// `GET /api/clients?query=` — free-text search; what it matches is unknown,
/// so callers confirm the match themselves. [REAL R1, R5]
pub(crate) fn search_clients(query: &str) -> Call {
    Call::get("search_clients", "clients").with("query", query)
}

/// `GET /api/client/{id}`. [REAL R1, R7]
pub(crate) fn get_client(id: u64) -> Call {
    Call::get("get_client", format!("client/{id}"))
}

/// `POST /api/client` → `<Response><ClientID/></Response>`. [REAL R3, R4, R5]
pub(crate) fn create_client() -> Call {
    Call::post("create_client", "client")
}

/// `GET /api/products`. [REAL R1, R3, R6]
pub(crate) fn list_products() -> Call {
    Call::get("list_products", "products")
}

/// `GET /api/products?query={code}`; exact `Code` match done by the client.
/// [REAL usage R4 + INF]
pub(crate) fn search_products(query: &str) -> Call {
    Call::get("search_products", "products").with("query", query)
}

/// `GET /api/productPriceList/{PriceGroupID}`. [REAL R3]
pub(crate) fn price_list(price_group_id: u64) -> Call {
    Call::get("price_list", format!("productPriceList/{price_group_id}"))
}

/// `POST /api/sale` → `<Response><DocumentID/></Response>`. [REAL R1, R3]
pub(crate) fn create_sale() -> Call {
    Call::post("create_sale", "sale")
}

/// `GET /api/sale/{DocumentID}`. [REAL R1, R7]
pub(crate) fn get_sale(id: u64) -> Call {
    Call::get("get_sale", format!("sale/{id}"))
}

/// `GET /api/sales?ClientID={id}&date_from={YYYY-MM-DD}` — one client's
/// documents from a date on. Both parameters, with `date_till`, `id_after`,
/// `page` and `query`, are used by production code against PayTraq [REAL:
/// fixtures README §1, a poller's `GET /api/sales?id_after=…&date_from=…`].
pub(crate) fn sales_of_client(client_id: u64, date_from: chrono::NaiveDate) -> Call {
    Call::get("sales_of_client", "sales")
        .with("ClientID", client_id)
        .with("date_from", date_from.format("%Y-%m-%d"))
}

/// `GET /api/sales?query=`. [REAL R1]; that `query` matches the header
/// comment is ASSUMED (see [`reference_marker`]).
pub(crate) fn search_sales(query: &str) -> Call {
    Call::get("search_sales", "sales").with("query", query)
}

// ------------------------------------------------------------ ASSUMED

/// ASSUMED: `POST /api/sale/{DocumentID}` with the full `<Sale>` replaces a
/// draft's content. No source shows it [MISSING]; by analogy with
/// `POST /api/client/{id}` [REAL R5] and "POST adds and updates" [DOC].
/// Used only for the rounding line of the "adjust" rounding policy.
pub(crate) fn update_sale(id: u64) -> Call {
    Call::post("update_sale", format!("sale/{id}"))
}

/// ASSUMED: where our order reference is written on a sale and how it is
/// recognised. It goes into the header `Comment` (a field the GET reply has
/// [REAL]) rather than `DocumentRef`, which holds PayTraq's own document
/// number. Found again through [`search_sales`].
pub fn reference_marker(our_reference: &str) -> String {
    format!("[ref:{}]", our_reference.trim())
}

/// ASSUMED: a sale's payment term is sent on create as `Header/DateDue`
/// (the document date plus the term) and `Header/PayTerm/(PayTermType,
/// PayTermDays)`. The GET reply has all three [REAL R1, R7]; that create
/// accepts them is [INF]. `PayTermType` 1 = "due a number of days after the
/// document date", from the client sample `1` with `10` days [REAL]; the
/// number ↔ option mapping is [MISSING].
pub(crate) const PAY_TERM_TYPE_DAYS: u8 = 1;

/// ASSUMED: the stock the sync offers for sale. `GET /api/products?WarehouseID=`
/// is accepted and its items carry `Code`, `Inventory/Qty` and
/// `Inventory/InterimAvailable` [REAL R3, R4, R6]. Assumed [INF, reference
/// §4]: with `WarehouseID` both figures are that warehouse's, and
/// `InterimAvailable` = on-hand minus the quantities in approved sales orders
/// of that warehouse — verify on a test company (approve a `sales_order`,
/// re-read both fields). No reservation endpoint exists publicly; if this is
/// wrong, the fallback is summing the lines of approved `sales_order`s
/// (`GET /api/sales` + `GET /api/sale/{id}`).
pub(crate) fn products_of_warehouse(warehouse_id: u64) -> Call {
    Call::get("products_of_warehouse", "products").with("WarehouseID", warehouse_id)
}

/// ASSUMED: `GET /api/taxKeys` → `TaxKeys/TaxKey(TaxKeyID, TaxKeyName, TaxRate)`.
/// Path from [MCP] only; element names borrowed from sale replies [REAL].
pub(crate) fn tax_keys() -> Call {
    Call::get("tax_keys", "taxKeys")
}

/// ASSUMED: `GET /api/warehouses` → `Warehouses/Warehouse(WarehouseID,
/// WarehouseName)`. Path [MCP] only; element names from sale `ShippingData`.
pub(crate) fn warehouses() -> Call {
    Call::get("warehouses", "warehouses")
}

/// ASSUMED, no source at all [MISSING]: `GET /api/moneyAccounts`. Production
/// setups should keep money-account ids in the channel settings.
pub(crate) fn money_accounts() -> Call {
    Call::get("money_accounts", "moneyAccounts")
}

/// ASSUMED: `POST /api/sale/{id}/approve` with `<Document/>` [MCP]; the
/// reference names `sale/approve/{id}` as equally plausible.
pub(crate) fn approve_sale(id: u64) -> Call {
    Call::post("approve_sale", format!("sale/{id}/approve"))
}

/// ASSUMED: `POST /api/sale/{id}/payment` [MCP], body with `MoneyAccountID`
/// added because a PayTraq payment needs one [DOC connect].
pub(crate) fn add_payment(invoice_id: u64) -> Call {
    Call::post("add_payment", format!("sale/{invoice_id}/payment"))
}

/// ASSUMED: a prepayment for a sales order is a payment posted on the order,
/// which PayTraq books as the client's overpayment [DOC help]; same path as
/// [`add_payment`] [MCP], body adds `ClientID`.
pub(crate) fn add_prepayment(sales_order_id: u64) -> Call {
    Call::post("add_prepayment", format!("sale/{sales_order_id}/payment"))
}

/// ASSUMED: the money returned on a credit note is a payment posted on the
/// credit note by the same call as [`add_payment`], with a **negative**
/// `Amount`. [INF] Real credit notes read back a negative `PaymentAmount`
/// (bank, `-33.13` on `credit_note-paid-bank-refund-01.xml`) and then
/// `AmountDue` 0.00 and `paid` [REAL fixtures README §5, §7]; how it was
/// posted is [MISSING]. The client takes the money returned as a positive
/// figure and sends it negated.
pub(crate) fn pay_credit_note(credit_note_id: u64) -> Call {
    Call::post("pay_credit_note", format!("sale/{credit_note_id}/payment"))
}

/// ASSUMED: `POST /api/sale/{id}/void` with `<Document/>`, like
/// [`approve_sale`]. [MISSING] path; [REAL] that documents are voided: 40
/// real replies read `voided` with `AmountDue` 0.00 and the `Total` kept,
/// an invoice's journals `JournalStatus` `V` (`sales_invoice-voided-01.xml`,
/// `sales_order-voided-01.xml`); a sales order was voided from `draft` and
/// from `in_process` [REAL README §2]. A paid invoice is assumed refused
/// (it is credited instead).
pub(crate) fn void_sale(id: u64) -> Call {
    Call::post("void_sale", format!("sale/{id}/void"))
}

/// ASSUMED: `POST /api/sale/{id}/send` with `<Send><Email/></Send>` [MCP].
pub(crate) fn send_sale(id: u64) -> Call {
    Call::post("send_sale", format!("sale/{id}/send"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_has_its_method_and_path_by_name() {
        let calls = every_call();
        for call in &calls {
            let same = calls.iter().filter(|c| c.name == call.name).count();
            assert_eq!(same, 1, "{} is defined once", call.name);
        }
        assert_eq!(
            method_and_path("get_sale").as_deref(),
            Some("GET /api/sale/{id}")
        );
        assert_eq!(
            method_and_path("sales_of_client").as_deref(),
            Some("GET /api/sales?ClientID={ClientID}&date_from={date_from}")
        );
        assert_eq!(
            method_and_path("add_prepayment").as_deref(),
            Some("POST /api/sale/{id}/payment")
        );
        assert_eq!(
            method_and_path("tax_keys").as_deref(),
            Some("GET /api/taxKeys")
        );
        assert_eq!(
            method_and_path("pay_credit_note").as_deref(),
            Some("POST /api/sale/{id}/payment")
        );
        assert_eq!(
            method_and_path("void_sale").as_deref(),
            Some("POST /api/sale/{id}/void")
        );
        assert_eq!(method_and_path("no_such_call"), None);
    }
}
