//! The composition root: the ports one deployment wires together, built
//! once per process (a Lambda cold start, or `local`) and shared by every
//! handler. A channel's PayTraq and WooCommerce are reached through the
//! [`Connect`] factory ([`App::accounting`], [`App::shop`]); HTTP by default.

use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;

use crate::accounting::Accounting;
use crate::connect::{Connect, HttpConnect};
use crate::paytraq::{Pacer, PacerConfig, PaytraqClient, PaytraqCredentials};
use crate::queue::Queue;
use crate::secrets::SecretStore;
use crate::shop::Shop;
use crate::store::{RecordStore, Repo};
use crate::woocommerce::shop_url::{GuardedResolver, ShopUrlPolicy};

/// Deployment-wide options that are not per channel.
#[derive(Clone, Debug)]
pub struct Options {
    /// Base URL the shop uses to reach us (webhook and callback URLs). When
    /// `None`, HTTP handlers derive it from the request.
    pub public_base_url: Option<String>,
    pub paytraq_base_url: String,
    pub paytraq_rate_per_second: f64,
    pub paytraq_burst: u32,
    /// How long an inbox order may stay stored-but-not-enqueued before the
    /// reconciler's sweep enqueues it.
    pub sweep_after: Duration,
    /// Largest webhook body accepted (bigger ones get 413 before parsing).
    pub max_body_bytes: usize,
    /// Allow shops on loopback addresses, over plain HTTP too, and a public
    /// URL on a loopback host over plain HTTP on any port (`local` and tests,
    /// whose shop sandbox runs on 127.0.0.1; never on AWS). It relaxes only
    /// that: an https:// shop, loopback or not, must still report a secure
    /// connection, and private and link-local addresses stay refused.
    pub allow_loopback_shops: bool,
}

impl Options {
    /// What a shop URL may point at, for checks and for every connection.
    pub fn shop_policy(&self) -> ShopUrlPolicy {
        ShopUrlPolicy {
            allow_loopback: self.allow_loopback_shops,
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            public_base_url: None,
            paytraq_base_url: "https://go.paytraq.com".into(),
            paytraq_rate_per_second: 1.0,
            paytraq_burst: 5,
            sweep_after: Duration::from_secs(180),
            // DynamoDB items are at most 400 KB; the payload shares the item
            // with the processing state and timeline.
            max_body_bytes: 300 * 1024,
            allow_loopback_shops: false,
        }
    }
}

/// Everything a handler needs. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub repo: Repo,
    pub secrets: Arc<dyn SecretStore>,
    /// Inbox orders → processor (FIFO, group = channel).
    pub orders: Arc<dyn Queue>,
    /// Sync jobs → stock sync (FIFO, group = channel).
    pub sync_jobs: Arc<dyn Queue>,
    /// The HTTP client (connection pool) for PayTraq.
    pub http: reqwest::Client,
    /// The HTTP client for shops: every connection's addresses are checked
    /// against [`Options::shop_policy`] (see [`GuardedResolver`]).
    pub shop_http: reqwest::Client,
    /// PayTraq pacing per company: shared by every call of this process,
    /// and through the record store by every process of the deployment.
    pub pacer: Arc<Pacer>,
    /// Crash points for exactly-once tests (never armed in production).
    pub crash: Arc<crate::faults::CrashPlan>,
    /// How a channel's PayTraq and WooCommerce are reached ([`HttpConnect`]
    /// unless a test injects fakes).
    pub connect: Arc<dyn Connect>,
    pub options: Options,
}

impl App {
    pub fn new(
        store: Arc<dyn RecordStore>,
        secrets: Arc<dyn SecretStore>,
        orders: Arc<dyn Queue>,
        sync_jobs: Arc<dyn Queue>,
        options: Options,
    ) -> Self {
        let http = http_client(None, &[]).unwrap_or_default();
        let shop_http = http_client(Some(options.shop_policy()), &[]).unwrap_or_default();
        let rate = Decimal::from_f64_retain(options.paytraq_rate_per_second)
            .filter(|r| *r > Decimal::ZERO)
            .unwrap_or(Decimal::ONE);
        let pacer = Pacer::new(PacerConfig {
            rate_per_second: rate,
            burst: options.paytraq_burst.max(1),
        })
        .or_else(|_| Pacer::new(PacerConfig::default()))
        .map(|pacer| Arc::new(pacer.shared_through(store.clone())))
        .unwrap_or_else(|_| unreachable!("the default pacer configuration is valid"));
        Self {
            repo: Repo::new(store),
            secrets,
            orders,
            sync_jobs,
            http,
            shop_http,
            pacer,
            crash: Arc::default(),
            connect: Arc::new(HttpConnect),
            options,
        }
    }

    /// The same app reaching every channel's systems through `connect`.
    pub fn with_connect(mut self, connect: Arc<dyn Connect>) -> Self {
        self.connect = connect;
        self
    }

    /// A channel's accounting company, behind the [`Accounting`] port.
    pub async fn accounting(
        &self,
        channel: &crate::model::Channel,
    ) -> Result<Arc<dyn Accounting>, crate::Error> {
        self.connect.accounting(self, channel).await
    }

    /// A channel's shop, behind the [`Shop`] port.
    pub async fn shop(
        &self,
        channel: &crate::model::Channel,
    ) -> Result<Arc<dyn Shop>, crate::Error> {
        self.connect.shop(self, channel).await
    }

    /// The AWS wiring of a Lambda function: DynamoDB, Secrets Manager (cached),
    /// two SQS FIFO queues, configured from the environment.
    #[cfg(feature = "aws")]
    pub async fn from_aws_env() -> Result<Self, crate::Error> {
        use crate::config::AwsConfig;
        use crate::queue::sqs::SqsQueue;
        use crate::secrets::{aws::AwsSecrets, Cached};
        use crate::store::dynamodb::DynamoStore;
        let cfg = AwsConfig::from_env()?;
        let sdk = crate::aws_sdk::load().await;
        let store = Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            cfg.table_name.clone(),
        ));
        let secrets = Arc::new(Cached::new(
            Arc::new(AwsSecrets::new(
                aws_sdk_secretsmanager::Client::new(&sdk),
                cfg.secret_prefix.clone(),
            )),
            cfg.secret_cache_ttl,
        ));
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let orders = Arc::new(SqsQueue::new(sqs.clone(), cfg.order_queue_url.clone()));
        let sync_jobs = Arc::new(SqsQueue::new(sqs, cfg.sync_queue_url.clone()));
        let options = Options {
            public_base_url: cfg.public_base_url.clone(),
            paytraq_base_url: cfg.paytraq_base_url.clone(),
            paytraq_rate_per_second: cfg.paytraq_rate_per_second,
            paytraq_burst: cfg.paytraq_burst,
            ..Options::default()
        };
        Ok(Self::new(store, secrets, orders, sync_jobs, options))
    }
}

/// The channel's HTTP client: timeouts, no redirects (a shop cannot bounce
/// a request elsewhere), our user agent, extra trusted roots; with `shops`,
/// the resolver that refuses internal addresses.
pub fn http_client(
    shops: Option<ShopUrlPolicy>,
    extra_roots: &[reqwest::Certificate],
) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            "paytraq-woocommerce-channel/",
            env!("CARGO_PKG_VERSION")
        ));
    if let Some(policy) = shops {
        builder = builder.dns_resolver(Arc::new(GuardedResolver { policy }));
    }
    for root in extra_roots {
        builder = builder.add_root_certificate(root.clone());
    }
    builder.build()
}

impl App {
    /// Trusts extra root certificates (e.g. a local shop's own CA) on both clients.
    pub fn with_extra_roots(
        mut self,
        roots: &[reqwest::Certificate],
    ) -> Result<Self, reqwest::Error> {
        self.http = http_client(None, roots)?;
        self.shop_http = http_client(Some(self.options.shop_policy()), roots)?;
        Ok(self)
    }
}

impl App {
    /// A WooCommerce client for a channel, with its stored API key: what
    /// [`HttpConnect`] hands out as the [`Shop`], and what activation and
    /// the admin API use for calls outside the port.
    pub async fn woo(
        &self,
        channel: &crate::model::Channel,
    ) -> Result<crate::woocommerce::WooClient, crate::Error> {
        use crate::woocommerce::{WooClient, WooCredentials, WooOptions};
        let secrets = self.secrets.get(&channel.id).await?.unwrap_or_default();
        let (Some(consumer_key), Some(consumer_secret)) =
            (secrets.woo_consumer_key, secrets.woo_consumer_secret)
        else {
            return Err(crate::Error::Config(format!(
                "channel {} has no WooCommerce API key (activate it first)",
                channel.id
            )));
        };
        Ok(WooClient::new(
            &channel.shop_url,
            WooCredentials {
                consumer_key,
                consumer_secret,
            },
            self.shop_http.clone(),
            WooOptions::default(),
        )?)
    }
}

impl App {
    /// A PayTraq client for a channel's company, paced with every other
    /// client of this process and every other process that shares the
    /// store: what [`HttpConnect`] hands out as the
    /// [`Accounting`].
    pub async fn paytraq(
        &self,
        channel: &crate::model::Channel,
    ) -> Result<PaytraqClient, crate::Error> {
        let secrets = self.secrets.get(&channel.id).await?.unwrap_or_default();
        let (Some(api_key), Some(api_token)) = (secrets.paytraq_api_key, secrets.paytraq_api_token)
        else {
            return Err(crate::Error::Config(format!(
                "channel {} has no PayTraq API key",
                channel.id
            )));
        };
        Ok(PaytraqClient::new(
            &self.options.paytraq_base_url,
            PaytraqCredentials { api_key, api_token },
            self.http.clone(),
            self.pacer.clone(),
        )?)
    }
}
