//! The test kit: everything the tests, the demo and the benchmarks build
//! their worlds from.
//!
//! | module           | what it is for                                              |
//! |------------------|-------------------------------------------------------------|
//! | [`browser`]      | a small WebDriver client driving Debian's headless Chromium (the console's browser suite) |
//! | [`world`]        | the one world: sandboxes + the channel + a PayTraq company mirroring the shop |
//! | [`shop_items`]   | shop products and variations as a test seeds them           |
//! | [`proxy`]        | a recording, fault-injecting HTTP proxy before a sandbox    |
//! | [`fakes`]        | in-memory PayTraq and WooCommerce behind the `Accounting` and `Shop` ports |
//! | [`fixtures`]     | where the real captures are (`tests/fixtures/`)             |
//! | [`lambda`]       | the function binaries under a Lambda Runtime API emulator, with `template.yaml`'s stack |
//! | this file        | each port's two implementations (embedded and AWS/moto) for the contract suites, and an embedded `App` |
//!
//! The AWS side talks to the `moto` emulator through the real AWS SDK;
//! `MOTO_ENDPOINT` names it (the test script starts it).

pub mod browser;
pub mod fakes;
pub mod fixtures;
pub mod lambda;
pub mod proxy;
pub mod shop_items;
pub mod world;

pub use fixtures::{id, paytraq_fixtures_dir, read_json, woocommerce_fixtures_dir as fixtures_dir};

use std::sync::Arc;
use std::time::Duration;

use channel::queue::{memory::MemoryQueue, Queue};
use channel::secrets::{embedded::EmbeddedSecrets, SecretStore};
use channel::store::{embedded::EmbeddedStore, RecordStore};

/// The three ports, from one technology.
pub struct Backends {
    pub store: Arc<dyn RecordStore>,
    pub secrets: Arc<dyn SecretStore>,
    pub queue: Arc<dyn Queue>,
}

/// Visibility timeout of the queues the contract tests create.
pub const VISIBILITY: Duration = Duration::from_secs(2);

pub fn embedded() -> Backends {
    let store: Arc<dyn RecordStore> =
        Arc::new(EmbeddedStore::temporary().expect("temporary store"));
    Backends {
        secrets: Arc::new(EmbeddedSecrets::new(store.clone())),
        store,
        queue: Arc::new(MemoryQueue::new(VISIBILITY)),
    }
}

/// Fresh table, queue and secret prefix in the emulator.
#[cfg(feature = "aws")]
pub async fn aws() -> Backends {
    use channel::queue::sqs::SqsQueue;
    use channel::secrets::aws::AwsSecrets;
    use channel::store::dynamodb::DynamoStore;

    let config = aws_config().await;
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    let table = format!("channel-{unique}");
    DynamoStore::create_table(&ddb, &table)
        .await
        .expect("create table");
    let sqs = aws_sdk_sqs::Client::new(&config);
    let url = SqsQueue::create_fifo(&sqs, &format!("orders-{unique}.fifo"), VISIBILITY)
        .await
        .expect("create queue");
    Backends {
        store: Arc::new(DynamoStore::new(ddb, table)),
        secrets: Arc::new(AwsSecrets::new(
            aws_sdk_secretsmanager::Client::new(&config),
            format!("test-{unique}/channel/"),
        )),
        queue: Arc::new(SqsQueue::new(sqs, url)),
    }
}

/// SDK configuration pointed at the emulator (the product's own HTTP client).
#[cfg(feature = "aws")]
pub async fn aws_config() -> aws_config::SdkConfig {
    let endpoint = moto_endpoint();
    channel::aws_sdk::loader()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "moto",
        ))
        .load()
        .await
}

/// The emulator's address. The test script (`bash .ci/test`) starts moto
/// and exports `MOTO_ENDPOINT`; running these tests without it is an error,
/// not a silent skip.
#[cfg(feature = "aws")]
pub fn moto_endpoint() -> String {
    std::env::var("MOTO_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "the AWS contract tests need the moto emulator: run `bash .ci/test`, or start \
             `moto_server -p 5005` and set MOTO_ENDPOINT=http://127.0.0.1:5005"
        )
    })
}

/// An [`channel::App`] on embedded backends (temporary store, in-process
/// queues), as `local` wires it.
pub fn embedded_app() -> (channel::App, Arc<MemoryQueue>) {
    let store: Arc<dyn RecordStore> =
        Arc::new(EmbeddedStore::temporary().expect("temporary store"));
    let secrets: Arc<dyn SecretStore> = Arc::new(EmbeddedSecrets::new(store.clone()));
    let orders = Arc::new(MemoryQueue::new(Duration::from_secs(30)));
    let sync_jobs = Arc::new(MemoryQueue::new(Duration::from_secs(30)));
    let app = channel::App::new(
        store,
        secrets,
        orders.clone(),
        sync_jobs,
        // The shop sandbox runs on 127.0.0.1.
        channel::Options {
            allow_loopback_shops: true,
            ..channel::Options::default()
        },
    );
    (app, orders)
}

/// Records `webhook_id` as one of the channel's webhooks in the shop (what
/// activation or the reconciler does when it creates one).
pub async fn register_webhook(app: &channel::App, channel_id: &str, webhook_id: u64, topic: &str) {
    let webhook = channel::model::WebhookRef {
        id: webhook_id,
        topic: topic.to_string(),
    };
    app.repo
        .update_channel(channel_id, |c| c.webhooks.push(webhook.clone()))
        .await
        .expect("update channel")
        .expect("the channel exists");
}

/// Stores an active channel with the given webhook secret.
pub async fn active_channel(
    app: &channel::App,
    id: &str,
    shop_url: &str,
    webhook_secret: &str,
) -> channel::model::Channel {
    use channel::model::*;
    use channel::secrets::{ChannelSecrets, Secret};
    let mut ch = Channel {
        state: ChannelState::Active,
        webhook_url: Some(format!("http://127.0.0.1/webhooks/woocommerce/{id}")),
        wc_version: Some("8.9.1".into()),
        ..Channel::new(id.to_string(), format!("shop {id}"), shop_url.to_string())
    };
    app.repo.save_channel(&mut ch).await.expect("save channel");
    app.secrets
        .put(
            id,
            &ChannelSecrets {
                webhook_secret: Some(Secret::new(webhook_secret)),
                webhook_secret_previous: None,
                woo_consumer_key: Some(Secret::new("ck_test")),
                woo_consumer_secret: Some(Secret::new("cs_test")),
                paytraq_api_key: Some(Secret::new("pt-key")),
                paytraq_api_token: Some(Secret::new("pt-token")),
            },
        )
        .await
        .expect("put secrets");
    ch
}
