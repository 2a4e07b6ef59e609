//! The one world the tests, the demo and the benchmarks run in: the
//! WooCommerce sandbox with a catalogue ([`Shop`]), optionally behind the
//! recording [`Proxy`]; the PayTraq sandbox with one company that mirrors
//! the shop (a product per SKU, a tax key per WooCommerce rate with the same
//! percentage, a money account per enabled gateway, a warehouse with stock
//! and a price group); and the channel, either a bare [`App`] on a temporary
//! store that the test drives itself, or hosted by [`Host`] with its workers.
//! [`World::channel`] stores an active channel wired to both sandboxes.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use channel::host::{Host, HostConfig};
use channel::intake::reconcile::{self, ChannelReport};
use channel::model::{
    Channel, ChannelState, GatewayId, MoneyAccountId, Settings, TaxKeyId, TaxRateId,
};
use channel::queue::memory::MemoryQueue;
use channel::secrets::{embedded::EmbeddedSecrets, ChannelSecrets, Secret, SecretStore};
use channel::store::{embedded::EmbeddedStore, RecordStore};
use channel::{App, Options};
use paytraq_sandbox::seed::{
    MoneyAccountSeed, PriceGroupSeed, ProductSeed, Seed, TaxKeySeed, WarehouseSeed,
};
use paytraq_sandbox::{PaytraqSandbox, PaytraqSandboxConfig, SandboxCompany};
use rust_decimal::Decimal;
use serde_json::Value;
use woocommerce_sandbox::{WooSandbox, WooSandboxConfig};

use crate::proxy::Proxy;

/// The PayTraq company's API credentials (every channel of the world uses them).
pub const PAYTRAQ_KEY: &str = "demo-api-key";
pub const PAYTRAQ_TOKEN: &str = "demo-api-token";

/// The catalogue the shop starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shop {
    /// Nothing: the test seeds both sides itself ([`crate::shop_items`],
    /// [`World::paytraq_item`]); the company has a warehouse and a price group.
    Empty,
    /// The sandbox's built-in Latvian demo shop.
    Demo,
    /// The real WooCommerce 8.9.1 shop's captured catalogue
    /// (`woocommerce-8.9.1/catalog` of [`crate::fixtures`]).
    Fixtures,
}

/// How the world is set up.
#[derive(Clone, Debug)]
pub struct WorldConfig {
    pub shop: Shop,
    /// The shop sandbox's knobs (latency, decimals, prices_include_tax,
    /// webhook_delay, …).
    pub woo: WooSandboxConfig,
    /// PayTraq's rate limit and latency. The channel's pacing follows the
    /// limit, as in production; an unlimited sandbox (rate 0) gets a pacer
    /// that is wide open.
    pub paytraq: PaytraqSandboxConfig,
    /// Channels reach the shop through a recording, fault-injecting proxy.
    pub proxy: bool,
    /// `None`: a bare [`App`] on a temporary store, no workers. `Some`: the
    /// channel hosted by [`Host`] (webhook and admin routes, processing and
    /// sync workers, reconciler).
    pub hosted: Option<HostSetup>,
}

impl Default for WorldConfig {
    /// The demo shop (webhooks after 50 ms), PayTraq's real limit
    /// (1 request/s, burst 5), no proxy, a bare `App`.
    fn default() -> Self {
        Self {
            shop: Shop::Demo,
            woo: WooSandboxConfig {
                webhook_delay: Duration::from_millis(50),
                // The channel listens on 127.0.0.1 over HTTP.
                allow_insecure_loopback_callbacks: true,
                ..WooSandboxConfig::default()
            },
            paytraq: PaytraqSandboxConfig::default(),
            proxy: false,
            hosted: None,
        }
    }
}

impl WorldConfig {
    /// A sync-sized world: an empty shop behind the proxy, PayTraq without
    /// a rate limit (a benchmark counts requests; the real 1 request/s is
    /// discussed in BENCHMARKS.md), `latency` added to every request of both.
    pub fn sync(latency: Duration) -> Self {
        Self {
            shop: Shop::Empty,
            woo: WooSandboxConfig {
                latency,
                allow_insecure_loopback_callbacks: true,
                ..WooSandboxConfig::default()
            },
            paytraq: PaytraqSandboxConfig {
                rate_per_second: 0.0,
                burst: 1,
                latency,
            },
            proxy: true,
            hosted: None,
        }
    }
}

/// How a hosted world's [`Host`] runs.
#[derive(Clone, Debug)]
pub struct HostSetup {
    pub listen: SocketAddr,
    /// The store's folder; `None`: a temporary one, removed by [`World::stop`].
    pub data_dir: Option<PathBuf>,
    /// Mounts the admin routes with this bearer token.
    pub admin_token: Option<String>,
    pub reconcile_every: Duration,
}

impl Default for HostSetup {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: None,
            admin_token: None,
            reconcile_every: HostConfig::default().reconcile_every,
        }
    }
}

/// What the PayTraq company holds, by WooCommerce identifiers.
#[derive(Clone, Debug, Default)]
pub struct Mirror {
    /// WooCommerce tax rate id → PayTraq tax key id (rate 0: untaxed lines).
    pub tax_map: BTreeMap<TaxRateId, TaxKeyId>,
    /// WooCommerce gateway id → PayTraq money account id.
    pub payment_map: BTreeMap<GatewayId, MoneyAccountId>,
    pub warehouse_id: u64,
    pub price_group_id: u64,
    /// SKU → PayTraq item id.
    pub items: BTreeMap<String, u64>,
}

impl Mirror {
    /// A warehouse and a price group, nothing mirrored yet.
    fn empty(company: &SandboxCompany) -> Self {
        Self {
            warehouse_id: company.add_warehouse(WAREHOUSE),
            price_group_id: company.add_price_group(PRICE_GROUP, "EUR"),
            ..Self::default()
        }
    }
}

/// A running world; [`World::stop`] ends it.
pub struct World {
    pub woo: WooSandbox,
    /// Before the shop when [`WorldConfig::proxy`] is on.
    pub proxy: Option<Proxy>,
    pub paytraq: PaytraqSandbox,
    pub company: SandboxCompany,
    pub mirror: Mirror,
    /// The channel's `App` (the host's, when hosted: a test that restarts
    /// the host drops this handle first, as the store opens only once).
    pub app: App,
    /// Running when [`WorldConfig::hosted`] is set.
    pub host: Option<Host>,
    host_config: Option<HostConfig>,
    temporary_data_dir: Option<PathBuf>,
}

impl World {
    /// Starts the sandboxes, seeds the shop, mirrors it in the PayTraq
    /// company and starts the channel (bare or hosted), with no channel stored.
    pub async fn start(cfg: WorldConfig) -> anyhow::Result<Self> {
        let woo = WooSandbox::start(cfg.woo.clone()).await?;
        match cfg.shop {
            Shop::Empty => {}
            Shop::Demo => woo.seed_demo(),
            Shop::Fixtures => woo.seed_from_dir(&crate::fixtures_dir().join("catalog"))?,
        }
        let proxy = match cfg.proxy {
            true => Some(Proxy::start(&woo.base_url()).await?),
            false => None,
        };
        let paytraq = PaytraqSandbox::start(cfg.paytraq.clone()).await?;
        let company = paytraq.create_company(PAYTRAQ_KEY, PAYTRAQ_TOKEN);
        let mirror = match cfg.shop {
            Shop::Empty => Mirror::empty(&company),
            Shop::Demo | Shop::Fixtures => mirror(&woo, &company).await?,
        };

        let (rate, burst) = pacing(&cfg.paytraq);
        let options = Options {
            paytraq_base_url: paytraq.base_url(),
            paytraq_rate_per_second: rate,
            paytraq_burst: burst,
            // The shop sandbox runs on 127.0.0.1.
            allow_loopback_shops: true,
            ..Options::default()
        };
        let (app, host, host_config, temporary_data_dir) = match &cfg.hosted {
            None => (bare_app(options)?, None, None, None),
            Some(setup) => {
                let (host, host_cfg, temporary) = start_host(setup, options).await?;
                (host.app.clone(), Some(host), Some(host_cfg), temporary)
            }
        };
        Ok(Self {
            woo,
            proxy,
            paytraq,
            company,
            mirror,
            app,
            host,
            host_config,
            temporary_data_dir,
        })
    }

    /// Stores an active channel wired to both sandboxes (to the shop through
    /// the proxy when it is on), with the mirror's tax and payment maps and
    /// the default settings as `configure` changes them. Its webhook secret
    /// is [`webhook_secret`]. A hosted world's shop gets its webhooks from
    /// [`World::reconcile`].
    pub async fn channel(
        &self,
        id: &str,
        configure: impl FnOnce(&mut Settings),
    ) -> anyhow::Result<Channel> {
        let mut settings = Settings::default();
        configure(&mut settings);
        let receiver = self
            .host
            .as_ref()
            .map_or_else(|| "http://127.0.0.1".to_string(), Host::base_url);
        let shop_url = self
            .proxy
            .as_ref()
            .map_or_else(|| self.woo.base_url(), Proxy::base_url);
        // Created a while ago, so the reconciler's catch-up covers every order of the test.
        let created = chrono::Utc::now() - chrono::Duration::hours(1);
        let mut ch = Channel {
            state: ChannelState::Active,
            settings,
            tax_map: self.mirror.tax_map.clone(),
            payment_map: self.mirror.payment_map.clone(),
            webhook_url: Some(format!("{receiver}/webhooks/woocommerce/{id}")),
            wc_version: Some("8.9.1".into()),
            created_at: created,
            updated_at: created,
            ..Channel::new(id, format!("shop {id}"), shop_url)
        };
        self.app.repo.save_channel(&mut ch).await?;
        let secrets = ChannelSecrets {
            woo_consumer_key: Some(Secret::new(self.woo.consumer_key())),
            woo_consumer_secret: Some(Secret::new(self.woo.consumer_secret())),
            webhook_secret: Some(Secret::new(webhook_secret(id))),
            webhook_secret_previous: None,
            paytraq_api_key: Some(Secret::new(PAYTRAQ_KEY)),
            paytraq_api_token: Some(Secret::new(PAYTRAQ_TOKEN)),
        };
        self.app.secrets.put(id, &secrets).await?;
        Ok(ch)
    }

    /// Runs the reconciler over every channel now: it creates (or repairs)
    /// the shop's webhooks, pointing them at the host, and catches up.
    pub async fn reconcile(&self) -> anyhow::Result<Vec<ChannelReport>> {
        Ok(reconcile::run_all(&self.app).await?)
    }

    /// The host of a hosted world.
    pub fn host(&self) -> anyhow::Result<&Host> {
        self.host.as_ref().context("this world is not hosted")
    }

    /// The proxy before the shop, when it is on.
    pub fn proxy(&self) -> anyhow::Result<&Proxy> {
        self.proxy.as_ref().context("this world has no proxy")
    }

    /// How the host was started, on the address it took: a test that stops
    /// the host starts it again with this (same address, same store).
    pub fn host_config(&self) -> anyhow::Result<HostConfig> {
        self.host_config.clone().context("this world is not hosted")
    }

    /// Adds a PayTraq product with on-hand stock in the warehouse and
    /// (incl., excl.) prices in the price group.
    pub fn paytraq_item(
        &self,
        sku: &str,
        stock: Decimal,
        price: Option<(Decimal, Decimal)>,
    ) -> u64 {
        let id = self.company.add_product(sku, sku);
        self.company.set_stock(self.mirror.warehouse_id, id, stock);
        if let Some((incl, excl)) = price {
            self.company
                .set_price(self.mirror.price_group_id, id, incl, excl);
        }
        id
    }

    /// The shop's current `stock_quantity` of a product or variation.
    pub fn shop_stock(&self, id: u64) -> Option<Value> {
        self.woo.stock(id)
    }

    /// Stops everything and removes a temporary store.
    pub async fn stop(self) {
        if let Some(host) = self.host {
            host.stop().await;
        }
        if let Some(proxy) = self.proxy {
            proxy.stop();
        }
        self.woo.shutdown().await;
        self.paytraq.shutdown().await;
        if let Some(dir) = self.temporary_data_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The webhook secret [`World::channel`] gives a channel.
pub fn webhook_secret(channel_id: &str) -> String {
    format!("whsec-{channel_id}")
}

/// The channel's PayTraq pacing: PayTraq's limit, or wide open when the
/// sandbox has none.
fn pacing(paytraq: &PaytraqSandboxConfig) -> (f64, u32) {
    if paytraq.rate_per_second > 0.0 {
        (paytraq.rate_per_second, paytraq.burst)
    } else {
        (10_000.0, 100)
    }
}

/// An `App` on a temporary embedded store with in-process queues, as `local`
/// wires it, without workers.
fn bare_app(options: Options) -> anyhow::Result<App> {
    let store: Arc<dyn RecordStore> = Arc::new(EmbeddedStore::temporary()?);
    let secrets: Arc<dyn SecretStore> = Arc::new(EmbeddedSecrets::new(store.clone()));
    Ok(App::new(
        store,
        secrets,
        Arc::new(MemoryQueue::new(Duration::from_secs(30))),
        Arc::new(MemoryQueue::new(Duration::from_secs(30))),
        options,
    ))
}

/// Starts the host; returns it, its configuration on the address it took
/// (a restart comes back there) and the temporary store folder, if any.
async fn start_host(
    setup: &HostSetup,
    options: Options,
) -> anyhow::Result<(Host, HostConfig, Option<PathBuf>)> {
    let data_dir = setup.data_dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("paytraq-channel-{}", uuid::Uuid::new_v4()))
    });
    let temporary = setup.data_dir.is_none().then(|| data_dir.clone());
    let mut cfg = HostConfig {
        listen: setup.listen,
        data_dir,
        reconcile_every: setup.reconcile_every,
        options,
        admin_token: setup.admin_token.clone().map(Secret::new),
        ..HostConfig::default()
    };
    let host = Host::start(cfg.clone()).await?;
    cfg.listen = host.addr;
    Ok((host, cfg, temporary))
}

/// Reads the shop's catalogue over its REST API and creates the same things
/// in the PayTraq company (through [`shop_seed`], applied as any seed is):
/// a tax key per rate (and a 0% key), a money account per enabled gateway,
/// a product per SKU with stock a little off the shop's, and the fee
/// product `WC-FEE`.
pub async fn mirror(woo: &WooSandbox, company: &SandboxCompany) -> anyhow::Result<Mirror> {
    let shop = shop_seed(woo).await?;
    let seeded = shop.seed.apply(company);
    let first = |ids: &[u64], what: &str| {
        ids.first()
            .copied()
            .with_context(|| format!("the shop's seed has no {what}"))
    };
    let mut mirror = Mirror {
        warehouse_id: first(&seeded.warehouses, "warehouse")?,
        price_group_id: first(&seeded.price_groups, "price group")?,
        ..Mirror::default()
    };
    for (rate, key) in shop.tax_rates.iter().zip(&seeded.tax_keys) {
        if let Some(rate) = rate {
            mirror
                .tax_map
                .insert(TaxRateId::try_from(*rate)?, TaxKeyId::try_from(*key)?);
        }
    }
    for (gateway, account) in shop.gateways.iter().zip(&seeded.money_accounts) {
        mirror
            .payment_map
            .insert(gateway.parse()?, MoneyAccountId::try_from(*account)?);
    }
    for (product, item) in shop.seed.products.iter().zip(&seeded.products) {
        if product.code != FEE_CODE {
            mirror.items.insert(product.code.clone(), *item);
        }
    }
    Ok(mirror)
}

/// The fee product every mirrored company has.
const FEE_CODE: &str = "WC-FEE";

/// Channel settings with every processing option on: approve, pay and
/// e-mail the document, fees on the mirrored fee item.
pub fn every_option_on(s: &mut Settings) {
    s.approve = true;
    s.add_payment = true;
    s.send_email = true;
    s.fee_item_code = Some(FEE_CODE.into());
}

/// A paid bank-transfer order of two lines (products 22 and 26 × 2) with
/// 3.50 courier shipping, as the shop sandbox's `create_order` takes it.
pub fn paid_order_with_shipping() -> Value {
    serde_json::json!({
        "payment_method": "bacs", "payment_method_title": "Bankas pārskaitījums",
        "set_paid": true,
        "billing": {"first_name": "Ilze", "last_name": "Ozola", "email": "ilze@example.lv", "country": "LV"},
        "line_items": [{"product_id": 22, "quantity": 1}, {"product_id": 26, "quantity": 2}],
        "shipping_lines": [{"method_id": "flat_rate", "method_title": "Kurjers", "total": "3.50"}]
    })
}
/// The mirrored company's warehouse and price group.
const WAREHOUSE: &str = "Galvenā noliktava";
const PRICE_GROUP: &str = "Interneta veikals";

/// A shop's catalogue as a PayTraq seed, with what its tax keys and money
/// accounts stand for in the shop.
#[derive(Clone, Debug)]
pub struct ShopSeed {
    pub seed: Seed,
    /// Per tax key of the seed, in order: the WooCommerce tax rate id (0 for
    /// the untaxed lines' key; none for a rate without an id).
    pub tax_rates: Vec<Option<u64>>,
    /// Per money account of the seed, in order: the gateway id.
    pub gateways: Vec<String>,
}

/// What [`mirror`] creates for the shop, as a seed. For the demo shop this
/// is `shared/paytraq-sandbox/seed.example.json`.
pub async fn shop_seed(woo: &WooSandbox) -> anyhow::Result<ShopSeed> {
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let url = format!("{}/wp-json/wc/v3/{path}", woo.base_url());
        let req = http
            .get(url)
            .basic_auth(woo.consumer_key(), Some(woo.consumer_secret()));
        async move {
            anyhow::Ok(
                req.send()
                    .await?
                    .error_for_status()?
                    .json::<Value>()
                    .await?,
            )
        }
    };
    let mut shop = ShopSeed {
        seed: Seed {
            warehouses: vec![WarehouseSeed {
                name: WAREHOUSE.into(),
            }],
            price_groups: vec![PriceGroupSeed {
                name: PRICE_GROUP.into(),
                currency: "EUR".into(),
                prices: BTreeMap::new(),
            }],
            ..Seed::default()
        },
        tax_rates: Vec::new(),
        gateways: Vec::new(),
    };
    for rate in get("taxes?per_page=100")
        .await?
        .as_array()
        .into_iter()
        .flatten()
    {
        let percent: Decimal = rate["rate"]
            .as_str()
            .unwrap_or("0")
            .parse()
            .unwrap_or_default();
        shop.seed.tax_keys.push(TaxKeySeed {
            name: rate["name"].as_str().unwrap_or("tax").to_string(),
            rate: percent,
        });
        shop.tax_rates.push(rate["id"].as_u64());
    }
    shop.seed.tax_keys.push(TaxKeySeed {
        name: "Neapliekams 0%".into(),
        rate: Decimal::ZERO,
    });
    shop.tax_rates.push(Some(0));
    for gateway in get("payment_gateways")
        .await?
        .as_array()
        .into_iter()
        .flatten()
    {
        if gateway["enabled"].as_bool() == Some(true) {
            let id = gateway["id"].as_str().unwrap_or_default();
            shop.seed.money_accounts.push(MoneyAccountSeed {
                name: format!("Merchant account: {id}"),
                currency: "EUR".into(),
            });
            shop.gateways.push(id.to_string());
        }
    }
    let mut products = get("products?per_page=100")
        .await?
        .as_array()
        .cloned()
        .unwrap_or_default();
    for parent in products.clone() {
        if parent["type"] == "variable" {
            let id = parent["id"].as_u64().unwrap_or_default();
            products.extend(
                get(&format!("products/{id}/variations?per_page=100"))
                    .await?
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
            );
        }
    }
    for (n, p) in products.iter().enumerate() {
        let sku = p["sku"].as_str().unwrap_or_default();
        if sku.is_empty() {
            continue;
        }
        // Stock in PayTraq differs a little from the shop's, so a sync has work to do.
        let stock = p["stock_quantity"].as_i64().unwrap_or(0) + (n as i64 % 3);
        shop.seed.products.push(ProductSeed {
            code: sku.to_string(),
            name: p["name"].as_str().unwrap_or(sku).to_string(),
            price: None,
            stock: BTreeMap::from([(WAREHOUSE.to_string(), Decimal::from(stock))]),
        });
    }
    shop.seed.products.push(ProductSeed {
        code: FEE_CODE.into(),
        name: "Maksa (WooCommerce fee)".into(),
        price: None,
        stock: BTreeMap::new(),
    });
    Ok(shop)
}
