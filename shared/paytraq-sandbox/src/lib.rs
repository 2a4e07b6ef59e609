//! A faithful, in-process sandbox of the PayTraq REST API: a real HTTP
//! server on 127.0.0.1 serving the calls of `channel::paytraq` with the XML
//! shapes of `reference/paytraq-api.md`, including the assumed calls
//! (listed in `shared/channel/src/paytraq/CALLS.md`).
//!
//! Behaviour:
//! - companies, one per API key pair; 401 + `<Error>` for bad credentials;
//! - clients, products with codes, warehouses and stock, price groups with
//!   prices, tax keys with rates, money accounts;
//! - sales invoices, sales orders and credit notes, created as `draft`;
//!   approved, they read as PayTraq shows them (an order `in_process`, then
//!   `done` once invoiced through [`SandboxCompany::invoice_order`]; an
//!   invoice or credit note `wait_payment`, then `paid`); any unpaid one can
//!   be voided (the assumed `POST /api/sale/{id}/void`: `voided`, AmountDue
//!   0.00); a credit note shows its `Total` negative and is paid with a
//!   negative `Amount` (money returned; assumed);
//!   a draft without payments can be replaced by `POST /api/sale/{id}`
//!   (the assumed update call);
//! - `GET /api/sale/{id}` in the shape of real replies (every element,
//!   its order and value formats; `tests/paytraq_real/shape.rs` checks it
//!   against the fixtures): 0 % tax keys make no `Taxes/Tax` row,
//!   document-level `Adjustments` (a charge or discount on a key without
//!   VAT stays outside `Taxes`, inside `Total`), `PayTerm` and `DateDue`
//!   always, `DocumentType` `sale` with the kind in `SaleType`;
//!   an approved sales order reserves its quantities (products listed with
//!   `WarehouseID` show that warehouse's `Qty` and `InterimAvailable = Qty −
//!   quantities in its approved sales orders`, the channel's assumption),
//!   an approved goods invoice takes its quantities out of the warehouse;
//! - document totals computed by the sandbox itself, exactly as described
//!   in [`totals`]: line amount rounded to cents, tax per tax key on the
//!   document, half away from zero (or, for a company set to per-line tax
//!   rounding, per line: arithmetic the channel did not foresee);
//! - payments on invoices (reduce `AmountDue`), payments on sales orders
//!   recorded as the client's prepayments (the order's `AmountDue` stays);
//! - e-mails recorded, not sent;
//! - a company can be seeded from a JSON file (see [`seed`]), and the whole
//!   state can be kept in a folder across restarts (see [`persist`]);
//! - `429` + `Retry-After` when a company exceeds its rate (default 1/s,
//!   burst 5), configurable latency, fault injection and a crash switch
//!   (see [`control`]); inspection under `/__sandbox/`.
//!
//! Choices where the reference is silent: document numbers (`INV-00001`,
//! `SO-00001`) are assigned at creation; approving twice is a 400; a
//! `query` matches, case-insensitively as a substring, client name/e-mail/
//! reg. number, product code/name, and sale number/comment/client name.

pub mod api;
pub mod control;
pub mod input;
pub mod persist;
pub mod seed;
pub mod state;
pub mod totals;
pub mod xml_out;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rust_decimal::Decimal;
use tokio::task::JoinHandle;

use control::Settings;
pub use control::{Fault, FaultKind, RequestLogEntry};
pub use persist::StateError;
pub use seed::{Seed, SeedError, Seeded};
pub use state::{ClientRec, EmailRec, PaymentRec, SaleRec};
use state::{Company, MoneyAccountRec, PriceGroupRec, ProductRec, TaxKeyRec, World};

/// Start-up settings of the sandbox.
#[derive(Clone, Debug)]
pub struct PaytraqSandboxConfig {
    /// Requests per second per company before 429 (0 = unlimited).
    pub rate_per_second: f64,
    pub burst: u32,
    /// Added to every API request.
    pub latency: Duration,
}

impl Default for PaytraqSandboxConfig {
    fn default() -> Self {
        Self {
            rate_per_second: 1.0,
            burst: 5,
            latency: Duration::ZERO,
        }
    }
}

/// State shared by the server's handlers and the test-facing handle.
pub struct Shared {
    world: Mutex<World>,
    settings: Mutex<Settings>,
    log: Mutex<Vec<RequestLogEntry>>,
    crashed: AtomicBool,
    /// Where the state is saved after each change, when it is kept.
    state_file: Option<persist::StateFile>,
    /// One save at a time, each of the state as it is when it starts.
    saving: Mutex<()>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }
    pub fn settings(&self) -> MutexGuard<'_, Settings> {
        lock(&self.settings)
    }
    pub fn log(&self, entry: RequestLogEntry) {
        lock(&self.log).push(entry);
    }
    pub fn requests(&self) -> Vec<RequestLogEntry> {
        lock(&self.log).clone()
    }
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        let mut counts = BTreeMap::new();
        for e in lock(&self.log).iter() {
            *counts.entry(e.route.clone()).or_insert(0) += 1;
        }
        counts
    }
    pub fn is_crashed(&self) -> bool {
        self.crashed.load(Ordering::SeqCst)
    }
    pub fn set_crashed(&self) {
        self.crashed.store(true, Ordering::SeqCst);
    }

    /// Saves the state when it is kept in a folder. A failure is logged:
    /// the change it follows has happened, and the next save retries.
    pub fn persist(&self) {
        let Some(file) = &self.state_file else {
            return;
        };
        let _one_at_a_time = lock(&self.saving);
        let saved = file
            .encode(&self.world())
            .and_then(|bytes| file.write(&bytes));
        if let Err(e) = saved {
            tracing::error!(error = %e, "paytraq sandbox state not saved");
        }
    }
}

/// The running sandbox.
pub struct PaytraqSandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
    restored: bool,
}

impl PaytraqSandbox {
    /// Binds 127.0.0.1 on a free port and serves until [`Self::shutdown`].
    /// Starts empty and keeps its state in memory only.
    pub async fn start(cfg: PaytraqSandboxConfig) -> anyhow::Result<Self> {
        Self::serve(cfg, World::default(), None).await
    }

    /// Like [`Self::start`], with the state kept in `state_dir` (see
    /// [`persist`]): the saved state when there is one ([`Self::restored`]),
    /// else an empty sandbox whose first change creates the file. A state
    /// file that cannot be read is an error, never replaced.
    pub async fn start_with_state(
        cfg: PaytraqSandboxConfig,
        state_dir: &Path,
    ) -> anyhow::Result<Self> {
        let file = persist::StateFile::in_dir(state_dir)?;
        let (world, restored) = match file.load()? {
            Some(world) => (world, true),
            None => (World::default(), false),
        };
        let mut sandbox = Self::serve(cfg, world, Some(file)).await?;
        sandbox.restored = restored;
        Ok(sandbox)
    }

    async fn serve(
        cfg: PaytraqSandboxConfig,
        world: World,
        state_file: Option<persist::StateFile>,
    ) -> anyhow::Result<Self> {
        let shared = Arc::new(Shared {
            world: Mutex::new(world),
            settings: Mutex::new(Settings {
                rate_per_second: cfg.rate_per_second,
                burst: cfg.burst,
                latency: cfg.latency,
                error_rate: 0.0,
                faults: Vec::new(),
            }),
            log: Mutex::new(Vec::new()),
            crashed: AtomicBool::new(false),
            state_file,
            saving: Mutex::new(()),
        });
        let app = api::router()
            .route_layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                control::api_layer,
            ))
            .merge(control::router())
            .fallback(|| async { api::ApiErr::not_found("route") })
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "paytraq sandbox stopped");
            }
        });
        Ok(Self {
            shared,
            addr,
            server,
            restored: false,
        })
    }

    /// True when [`Self::start_with_state`] found a saved state (a seed is
    /// then not applied again).
    pub fn restored(&self) -> bool {
        self.restored
    }

    /// The state file, when the state is kept.
    pub fn state_file(&self) -> Option<&Path> {
        self.shared
            .state_file
            .as_ref()
            .map(persist::StateFile::path)
    }

    /// `http://127.0.0.1:PORT` (the API is under `/api/`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Creates a company reachable with this key pair.
    pub fn create_company(&self, api_key: &str, api_token: &str) -> SandboxCompany {
        let id = {
            let mut world = self.shared.world();
            world.companies_created += 1;
            let id = world.companies_created;
            world
                .companies
                .insert(api_key.to_owned(), Company::new(id, api_token.to_owned()));
            id
        };
        self.shared.persist();
        SandboxCompany {
            shared: self.shared.clone(),
            key: api_key.to_owned(),
            id,
        }
    }

    /// The company of this API key, if there is one (e.g. after a restart
    /// on a kept state).
    pub fn company(&self, api_key: &str) -> Option<SandboxCompany> {
        let id = self.shared.world().companies.get(api_key)?.id;
        Some(SandboxCompany {
            shared: self.shared.clone(),
            key: api_key.to_owned(),
            id,
        })
    }

    pub fn set_rate_limit(&self, rate_per_second: f64, burst: u32) {
        let mut s = self.shared.settings();
        s.rate_per_second = rate_per_second;
        s.burst = burst;
    }
    pub fn set_latency(&self, latency: Duration) {
        self.shared.settings().latency = latency;
    }
    /// Share of API requests answered with a 500 (0.0–1.0).
    pub fn set_error_rate(&self, rate: f64) {
        self.shared.settings().error_rate = rate.clamp(0.0, 1.0);
    }
    pub fn inject_fault(&self, fault: Fault) {
        self.shared.settings().faults.push(fault);
    }
    pub fn clear_faults(&self) {
        self.shared.settings().faults.clear();
    }

    /// Every API request so far.
    pub fn requests(&self) -> Vec<RequestLogEntry> {
        self.shared.requests()
    }
    /// Requests per route (`"POST /api/sale"` → n).
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.shared.request_counts()
    }
    pub fn request_count(&self, route: &str) -> u64 {
        self.request_counts().get(route).copied().unwrap_or(0)
    }

    /// Crash switch: stops accepting connections, and every request on a
    /// connection still open breaks off mid-reply.
    pub fn crash(&self) {
        self.shared.set_crashed();
        self.server.abort();
    }

    pub async fn shutdown(self) {
        self.server.abort();
        let _ = self.server.await;
    }
}

/// Seeding and inspection of one sandbox company.
#[derive(Clone)]
pub struct SandboxCompany {
    shared: Arc<Shared>,
    key: String,
    id: u64,
}

impl SandboxCompany {
    pub fn id(&self) -> u64 {
        self.id
    }

    fn with<T>(&self, f: impl FnOnce(&mut Company) -> T) -> T {
        let mut world = self.shared.world();
        match world.companies.get_mut(&self.key) {
            Some(c) => f(c),
            // A handle exists only for a created company, and companies are never removed.
            None => unreachable!("sandbox company handle without company"),
        }
    }

    /// [`Self::with`] for a change: the state is saved afterwards.
    fn change<T>(&self, f: impl FnOnce(&mut Company) -> T) -> T {
        let out = self.with(f);
        self.shared.persist();
        out
    }

    pub fn add_client(&self, name: &str, email: Option<&str>) -> u64 {
        self.change(|c| {
            let id = c.fresh_id();
            c.clients.insert(
                id,
                ClientRec {
                    id,
                    name: name.to_owned(),
                    email: email.map(str::to_owned),
                    client_type: Some("1".into()),
                    reg_number: None,
                    vat_number: None,
                    phone: None,
                    address: None,
                    zip: None,
                    country: None,
                },
            );
            id
        })
    }

    pub fn add_warehouse(&self, name: &str) -> u64 {
        self.change(|c| {
            let id = c.fresh_id();
            c.warehouses.insert(id, name.to_owned());
            id
        })
    }

    pub fn add_product(&self, code: &str, name: &str) -> u64 {
        self.change(|c| {
            let id = c.fresh_id();
            c.products.insert(
                id,
                ProductRec {
                    id,
                    code: code.to_owned(),
                    name: name.to_owned(),
                    gross_price: None,
                    tax_rate: None,
                },
            );
            id
        })
    }

    /// Sets a product's default sale price (tax-inclusive) and VAT %, shown
    /// as `Product/Price/GrossAmount` and `TaxRate`. False if no such product.
    pub fn set_product_price(&self, item_id: u64, gross: Decimal, tax_rate: Decimal) -> bool {
        self.change(|c| match c.products.get_mut(&item_id) {
            Some(p) => {
                p.gross_price = Some(gross);
                p.tax_rate = Some(tax_rate);
                true
            }
            None => false,
        })
    }

    /// How this company rounds tax (see [`state::TaxRounding`]).
    pub fn set_tax_rounding(&self, rounding: state::TaxRounding) {
        self.change(|c| c.tax_rounding = rounding);
    }

    /// Sets the on-hand quantity of an item in a warehouse.
    pub fn set_stock(&self, warehouse_id: u64, item_id: u64, qty: Decimal) {
        self.change(|c| c.stock.insert((warehouse_id, item_id), qty));
    }

    pub fn add_tax_key(&self, name: &str, rate: Decimal) -> u64 {
        self.change(|c| {
            let id = c.fresh_id();
            c.tax_keys.insert(
                id,
                TaxKeyRec {
                    id,
                    name: name.to_owned(),
                    rate,
                },
            );
            id
        })
    }

    pub fn add_price_group(&self, name: &str, currency: &str) -> u64 {
        self.change(|c| {
            let id = c.fresh_id();
            c.price_groups.insert(
                id,
                PriceGroupRec {
                    id,
                    name: name.to_owned(),
                    currency: currency.to_owned(),
                    prices: BTreeMap::new(),
                },
            );
            id
        })
    }

    /// Sets a product's price in a group (incl. and excl. tax). Returns
    /// false when the group does not exist.
    pub fn set_price(
        &self,
        group_id: u64,
        item_id: u64,
        incl_tax: Decimal,
        excl_tax: Decimal,
    ) -> bool {
        self.change(|c| match c.price_groups.get_mut(&group_id) {
            Some(g) => {
                g.prices.insert(item_id, (incl_tax, excl_tax));
                true
            }
            None => false,
        })
    }

    pub fn add_money_account(&self, name: &str, currency: &str) -> u64 {
        self.change(|c| {
            let id = c.fresh_id();
            c.money_accounts.insert(
                id,
                MoneyAccountRec {
                    id,
                    name: name.to_owned(),
                    currency: currency.to_owned(),
                },
            );
            id
        })
    }

    // ------------------------------------------------------------ inspection

    pub fn clients(&self) -> Vec<ClientRec> {
        self.with(|c| c.clients.values().cloned().collect())
    }
    pub fn documents(&self) -> Vec<SaleRec> {
        self.with(|c| c.sales.values().cloned().collect())
    }
    pub fn document(&self, id: u64) -> Option<SaleRec> {
        self.with(|c| c.sales.get(&id).cloned())
    }
    pub fn payments(&self) -> Vec<PaymentRec> {
        self.with(|c| c.payments.clone())
    }
    pub fn prepayments(&self) -> Vec<PaymentRec> {
        self.with(|c| c.prepayments.clone())
    }
    pub fn emails(&self) -> Vec<EmailRec> {
        self.with(|c| c.emails.clone())
    }
    /// What PayTraq does when a person invoices an approved sales order:
    /// a draft invoice of the order's lines (its `OrderReference` → the
    /// order) is made, and the order reads `done` with `InvoiceReference`
    /// → the invoice. Returns the invoice's id; `None` unless the order
    /// exists and is `in_process`.
    pub fn invoice_order(&self, order_id: u64) -> Option<u64> {
        self.change(|c| {
            let order = c.sales.get(&order_id)?.clone();
            if order.kind != state::SaleKind::SalesOrder || order.status != "in_process" {
                return None;
            }
            let mut invoice = order.clone();
            let id = c.fresh_id();
            c.documents_numbered += 1;
            invoice.id = id;
            invoice.number = format!("INV-{:05}", c.documents_numbered);
            invoice.kind = state::SaleKind::SalesInvoice;
            invoice.status = "draft".into();
            invoice.date_approved = None;
            invoice.created = Some(chrono::Utc::now());
            invoice.updated = None;
            invoice.order_ref = Some(state::DocLink {
                id: order_id,
                reference: order.number.clone(),
            });
            let link = state::DocLink {
                id,
                reference: invoice.number.clone(),
            };
            c.sales.insert(id, invoice);
            let order = c.sales.get_mut(&order_id)?;
            order.status = "done".into();
            order.updated = Some(chrono::Utc::now());
            order.invoice_ref = Some(link);
            Some(id)
        })
    }

    pub fn on_hand(&self, warehouse_id: u64, item_id: u64) -> Decimal {
        self.with(|c| c.on_hand(Some(warehouse_id), item_id))
    }
    pub fn reserved(&self, warehouse_id: u64, item_id: u64) -> Decimal {
        self.with(|c| c.reserved(Some(warehouse_id), item_id))
    }
}
