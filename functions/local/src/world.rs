//! A ready-made world for `demo` and the processing benchmark: the
//! WooCommerce sandbox with its demo catalogue, a PayTraq sandbox company
//! that mirrors it (a product per SKU, a tax key per WooCommerce rate with
//! the same percentage, a money account per payment gateway, a warehouse
//! with stock and a price group), and the channel hosted by [`Host`].

use std::collections::BTreeMap;
use std::time::Duration;

use channel::model::{Channel, ChannelState, IdError, Settings, TaxRateId};
use channel::secrets::{ChannelSecrets, Secret};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::host::{Host, HostConfig};
use crate::sandbox::paytraq::{PaytraqSandbox, PaytraqSandboxConfig, SandboxCompany};
use crate::sandbox::woocommerce::{WooSandbox, WooSandboxConfig};

pub const PAYTRAQ_KEY: &str = "demo-api-key";
pub const PAYTRAQ_TOKEN: &str = "demo-api-token";

/// What the PayTraq company holds, by WooCommerce identifiers.
#[derive(Clone, Debug, Default)]
pub struct Mirror {
    /// WooCommerce tax rate id → PayTraq tax key id (rate 0: untaxed lines).
    pub tax_map: BTreeMap<u64, String>,
    /// WooCommerce gateway id → PayTraq money account id.
    pub payment_map: BTreeMap<String, String>,
    pub warehouse_id: u64,
    pub price_group_id: u64,
    /// SKU → PayTraq item id.
    pub items: BTreeMap<String, u64>,
}

pub struct World {
    pub woo: WooSandbox,
    pub paytraq: PaytraqSandbox,
    pub company: SandboxCompany,
    pub mirror: Mirror,
    pub host: Host,
    pub data_dir: std::path::PathBuf,
}

#[derive(Clone, Debug)]
pub struct WorldConfig {
    /// PayTraq's rate limit (the real one: 1 request/s, burst 5) and the
    /// channel's pacing, which follows it.
    pub paytraq_rate_per_second: f64,
    pub paytraq_burst: u32,
    pub data_dir: Option<std::path::PathBuf>,
    pub listen: std::net::SocketAddr,
    pub admin_token: Option<String>,
}

impl Default for WorldConfig {
    fn default() -> Self {
        Self {
            paytraq_rate_per_second: 1.0,
            paytraq_burst: 5,
            data_dir: None,
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            admin_token: None,
        }
    }
}

impl World {
    pub async fn start(cfg: WorldConfig) -> anyhow::Result<Self> {
        let woo = WooSandbox::start(WooSandboxConfig {
            webhook_delay: Duration::from_millis(50),
            ..WooSandboxConfig::default()
        })
        .await?;
        woo.seed_demo();
        let paytraq = PaytraqSandbox::start(PaytraqSandboxConfig::default()).await?;
        paytraq.set_rate_limit(cfg.paytraq_rate_per_second, cfg.paytraq_burst);
        let company = paytraq.create_company(PAYTRAQ_KEY, PAYTRAQ_TOKEN);
        let mirror = mirror_catalogue(&woo, &company).await?;

        let data_dir = cfg.data_dir.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("paytraq-channel-{}", uuid::Uuid::new_v4()))
        });
        let mut host_cfg = HostConfig {
            listen: cfg.listen,
            data_dir: data_dir.clone(),
            admin_token: cfg.admin_token.clone().map(Secret::new),
            ..HostConfig::default()
        };
        host_cfg.options.allow_loopback_shops = true;
        host_cfg.options.paytraq_base_url = paytraq.base_url();
        host_cfg.options.paytraq_rate_per_second = cfg.paytraq_rate_per_second;
        host_cfg.options.paytraq_burst = cfg.paytraq_burst;
        let host = Host::start(host_cfg).await?;
        Ok(Self {
            woo,
            paytraq,
            company,
            mirror,
            host,
            data_dir,
        })
    }

    /// Stores an active channel wired to both sandboxes directly (the
    /// benchmark's shortcut; `demo` activates through the real key flow).
    pub async fn direct_channel(&self, id: &str, settings: Settings) -> anyhow::Result<Channel> {
        let now = chrono::Utc::now() - chrono::Duration::minutes(5);
        let tax_map = (self.mirror.tax_map.iter())
            .map(|(rate, key)| Ok((TaxRateId::try_from(*rate)?, key.parse()?)))
            .collect::<Result<_, IdError>>()?;
        let payment_map = (self.mirror.payment_map.iter())
            .map(|(method, account)| Ok((method.parse()?, account.parse()?)))
            .collect::<Result<_, IdError>>()?;
        let mut ch = Channel {
            state: ChannelState::Active,
            settings,
            tax_map,
            payment_map,
            webhook_url: Some(format!(
                "{}/webhooks/woocommerce/{id}",
                self.host.base_url()
            )),
            wc_version: Some("8.9.1".into()),
            created_at: now,
            updated_at: now,
            ..Channel::new(id.to_string(), "Demo shop", self.woo.base_url())
        };
        self.host.app.repo.save_channel(&mut ch).await?;
        self.host
            .app
            .secrets
            .put(
                id,
                &ChannelSecrets {
                    woo_consumer_key: Some(Secret::new(self.woo.consumer_key())),
                    woo_consumer_secret: Some(Secret::new(self.woo.consumer_secret())),
                    webhook_secret: Some(Secret::new(format!(
                        "whsec-{}",
                        uuid::Uuid::new_v4().simple()
                    ))),
                    paytraq_api_key: Some(Secret::new(PAYTRAQ_KEY)),
                    paytraq_api_token: Some(Secret::new(PAYTRAQ_TOKEN)),
                },
            )
            .await?;
        // Create the shop's webhooks the way the reconciler repairs them.
        channel::intake::reconcile::run_all(&self.host.app).await?;
        Ok(self.host.app.repo.get_channel(id).await?.unwrap_or(ch))
    }

    pub async fn stop(self) {
        self.host.stop().await;
        self.woo.shutdown().await;
        self.paytraq.shutdown().await;
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Reads the shop's catalogue over its REST API and creates the same things
/// in the PayTraq company.
pub async fn mirror_catalogue(
    woo: &WooSandbox,
    company: &SandboxCompany,
) -> anyhow::Result<Mirror> {
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
    let mut mirror = Mirror {
        warehouse_id: company.add_warehouse("Galvenā noliktava"),
        price_group_id: company.add_price_group("Interneta veikals", "EUR"),
        ..Mirror::default()
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
        let key = company.add_tax_key(rate["name"].as_str().unwrap_or("tax"), percent);
        if let Some(id) = rate["id"].as_u64() {
            mirror.tax_map.insert(id, key.to_string());
        }
    }
    mirror.tax_map.insert(
        0,
        company
            .add_tax_key("Neapliekams 0%", Decimal::ZERO)
            .to_string(),
    );
    for gateway in get("payment_gateways")
        .await?
        .as_array()
        .into_iter()
        .flatten()
    {
        if gateway["enabled"].as_bool() == Some(true) {
            let id = gateway["id"].as_str().unwrap_or_default().to_string();
            let account = company.add_money_account(&format!("Merchant account: {id}"), "EUR");
            mirror.payment_map.insert(id, account.to_string());
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
        let item = company.add_product(sku, p["name"].as_str().unwrap_or(sku));
        // Stock in PayTraq differs a little from the shop's, so a sync has work to do.
        let stock = p["stock_quantity"].as_i64().unwrap_or(0) + (n as i64 % 3);
        company.set_stock(mirror.warehouse_id, item, Decimal::from(stock));
        mirror.items.insert(sku.to_string(), item);
    }
    company.add_product("WC-FEE", "Maksa (WooCommerce fee)");
    Ok(mirror)
}
