//! A sync test world: the WooCommerce sandbox (behind a recording proxy),
//! the PayTraq sandbox with one company, warehouse and price group, and an
//! `App` (embedded store, in-process queues) with one active channel wired
//! to both. Shared by the sync benchmark and the end-to-end tests.

use std::sync::Arc;
use std::time::Duration;

use channel::model::{Channel, ChannelState, PriceGroupId, Settings, WarehouseId};
use channel::queue::memory::MemoryQueue;
use channel::secrets::{embedded::EmbeddedSecrets, ChannelSecrets, Secret, SecretStore};
use channel::store::{embedded::EmbeddedStore, RecordStore};
use channel::{App, Options};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::proxy::Proxy;
use crate::sandbox::paytraq::{PaytraqSandbox, PaytraqSandboxConfig, SandboxCompany};
use crate::sandbox::woocommerce::{WooSandbox, WooSandboxConfig};

/// How the world is set up.
#[derive(Clone, Debug)]
pub struct WorldConfig {
    /// Added to every request of both sandboxes.
    pub latency: Duration,
    pub prices_include_tax: bool,
    pub price_decimals: u32,
    pub sync_prices: bool,
}

impl Default for WorldConfig {
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            prices_include_tax: false,
            price_decimals: 2,
            sync_prices: false,
        }
    }
}

pub struct SyncWorld {
    pub woo: WooSandbox,
    /// Every WooCommerce request of the channel goes through it.
    pub proxy: Proxy,
    pub paytraq: PaytraqSandbox,
    pub company: SandboxCompany,
    pub app: App,
    pub channel_id: String,
    pub warehouse_id: u64,
    pub price_group_id: u64,
}

/// One side of a shop item, as seeded.
#[derive(Clone, Debug)]
pub struct ShopSeed {
    /// `"yes"`, `"no"` or, for variations, `"parent"`.
    pub manage: &'static str,
    pub stock: Option<i64>,
    pub regular_price: Option<Decimal>,
}

impl SyncWorld {
    pub async fn start(cfg: WorldConfig) -> anyhow::Result<Self> {
        let woo = WooSandbox::start(WooSandboxConfig {
            latency: cfg.latency,
            decimals: cfg.price_decimals,
            prices_include_tax: cfg.prices_include_tax,
            ..WooSandboxConfig::default()
        })
        .await?;
        let proxy = Proxy::start(&woo.base_url()).await?;
        // The PayTraq sandbox does not rate-limit here: the benchmark
        // measures request counts and latency, and the App's pacer is set
        // wide open to match (the real 1 request/s is discussed in BENCHMARKS.md).
        let paytraq = PaytraqSandbox::start(PaytraqSandboxConfig {
            rate_per_second: 0.0,
            burst: 1,
            latency: cfg.latency,
        })
        .await?;
        let (pt_key, pt_token) = ("bench-key", "bench-token");
        let company = paytraq.create_company(pt_key, pt_token);
        let warehouse_id = company.add_warehouse("Main");
        let price_group_id = company.add_price_group("Retail", "EUR");

        let store: Arc<dyn RecordStore> = Arc::new(EmbeddedStore::temporary()?);
        let secrets: Arc<dyn SecretStore> = Arc::new(EmbeddedSecrets::new(store.clone()));
        let options = Options {
            paytraq_base_url: paytraq.base_url(),
            paytraq_rate_per_second: 10_000.0,
            paytraq_burst: 100,
            // The shop sandbox runs on 127.0.0.1.
            allow_loopback_shops: true,
            ..Options::default()
        };
        let app = App::new(
            store,
            secrets.clone(),
            Arc::new(MemoryQueue::new(Duration::from_secs(30))),
            Arc::new(MemoryQueue::new(Duration::from_secs(30))),
            options,
        );
        let channel_id = "bench".to_owned();
        let mut channel = Channel {
            state: ChannelState::Active,
            settings: Settings {
                warehouse_id: Some(WarehouseId::try_from(warehouse_id)?),
                sync_prices: cfg.sync_prices,
                price_group_id: Some(PriceGroupId::try_from(price_group_id)?),
                daily_sync: true,
                ..Settings::default()
            },
            wc_version: Some("8.9.1".into()),
            ..Channel::new(channel_id.clone(), "Sync bench", proxy.base_url())
        };
        app.repo.save_channel(&mut channel).await?;
        secrets
            .put(
                &channel_id,
                &ChannelSecrets {
                    woo_consumer_key: Some(Secret::new(woo.consumer_key())),
                    woo_consumer_secret: Some(Secret::new(woo.consumer_secret())),
                    webhook_secret: None,
                    paytraq_api_key: Some(Secret::new(pt_key)),
                    paytraq_api_token: Some(Secret::new(pt_token)),
                },
            )
            .await?;
        Ok(Self {
            woo,
            proxy,
            paytraq,
            company,
            app,
            channel_id,
            warehouse_id,
            price_group_id,
        })
    }

    /// Adds a PayTraq product with on-hand stock and (incl., excl.) prices.
    pub fn paytraq_item(
        &self,
        sku: &str,
        stock: Decimal,
        price: Option<(Decimal, Decimal)>,
    ) -> u64 {
        let id = self.company.add_product(sku, sku);
        self.company.set_stock(self.warehouse_id, id, stock);
        if let Some((incl, excl)) = price {
            self.company.set_price(self.price_group_id, id, incl, excl);
        }
        id
    }

    /// A simple product's REST JSON.
    pub fn simple_json(id: u64, sku: &str, seed: &ShopSeed) -> Value {
        let mut p = item_json(id, sku, seed);
        p["type"] = json!("simple");
        p
    }

    /// A variable product's REST JSON with its variation ids.
    pub fn variable_json(id: u64, sku: &str, seed: &ShopSeed, variations: &[u64]) -> Value {
        let mut p = item_json(id, sku, seed);
        p["type"] = json!("variable");
        p["variations"] = json!(variations);
        p
    }

    /// A variation's REST JSON.
    pub fn variation_json(id: u64, parent_id: u64, sku: &str, seed: &ShopSeed) -> Value {
        let mut v = item_json(id, sku, seed);
        v["parent_id"] = json!(parent_id);
        if seed.manage == "parent" {
            v["manage_stock"] = json!("parent");
        }
        v
    }

    /// The shop's current `stock_quantity` of a product or variation.
    pub fn shop_stock(&self, id: u64) -> Option<Value> {
        self.woo.stock(id)
    }
}

fn item_json(id: u64, sku: &str, seed: &ShopSeed) -> Value {
    json!({
        "id": id,
        "name": sku,
        "sku": sku,
        "status": "publish",
        "manage_stock": seed.manage == "yes",
        "stock_quantity": seed.stock,
        "stock_status": if seed.stock.unwrap_or(0) > 0 { "instock" } else { "outofstock" },
        "regular_price": seed.regular_price.map(|p| p.to_string()).unwrap_or_default(),
        "price": seed.regular_price.map(|p| p.to_string()).unwrap_or_default(),
        "sale_price": "",
    })
}
