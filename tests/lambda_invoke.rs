//! The five function binaries invoked as Lambda invokes them (issue 18):
//! each debug build is started under the Runtime API emulator
//! (`testkit::lambda`) with the environment `template.yaml` gives it,
//! against a stack whose table and queues are created in moto from the
//! template's own resource properties. Every sample in `events/` is fed to
//! the function it is meant for, plus API Gateway v2 shapes of a real
//! delivery, a forged one and the activation callback; the tests assert
//! the answers and read the records back through moto with the SDK.
//!
//! The binaries must be built first (`cargo build -p webhook -p processor
//! -p stock-sync -p admin -p reconciler`; `.ci/test` does). Each cold start
//! prints the function's init duration and peak memory (debug build): the
//! CI smoke of the cold-start benchmark (`local bench cold-start`).

#[path = "lambda_invoke/admin.rs"]
mod admin;
#[path = "lambda_invoke/cold_start.rs"]
mod cold_start;
#[path = "lambda_invoke/processor.rs"]
mod processor;
#[path = "lambda_invoke/reconciler.rs"]
mod reconciler;
#[path = "lambda_invoke/stack.rs"]
mod stack;
#[path = "lambda_invoke/stock_sync.rs"]
mod stock_sync;
#[path = "lambda_invoke/webhook.rs"]
mod webhook;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use channel::queue::sqs::SqsQueue;
use channel::queue::Delivery;
use channel::queue::Queue;
use channel::secrets::aws::AwsSecrets;
use channel::store::dynamodb::DynamoStore;
use serde_json::Value;
use testkit::lambda::{Answer, LambdaFunction, Stack};

/// The secret `events/README.md` documents for the signed sample delivery.
pub const EVENTS_SECRET: &str = "events-test-secret-not-for-production";

/// The channel the samples in `events/` name.
pub const CHANNEL: &str = "demo-channel";

/// A stack of its own in moto, and the product's own view of it (the same
/// table, secrets and queues the functions use) to seed and read records.
pub struct Harness {
    pub stack: Stack,
    pub app: channel::App,
}

impl Harness {
    /// A fresh stack; `parameters` override the template's defaults.
    pub async fn new(parameters: &[(&str, &str)]) -> Self {
        let config = testkit::aws_config().await;
        let name = format!("li-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let stack = Stack::create_in_moto(&config, &testkit::moto_endpoint(), &name, parameters)
            .await
            .expect("stack created from template.yaml");
        let env = stack
            .resolver
            .env(
                &stack
                    .template
                    .function("webhook")
                    .expect("webhook function"),
            )
            .expect("environment resolves");
        let sqs = aws_sdk_sqs::Client::new(&config);
        let queue = |id: &str| -> Arc<dyn Queue> {
            Arc::new(SqsQueue::new(
                sqs.clone(),
                stack.reference(id).expect("queue created"),
            ))
        };
        let app = channel::App::new(
            Arc::new(DynamoStore::new(
                aws_sdk_dynamodb::Client::new(&config),
                env["TABLE_NAME"].clone(),
            )),
            Arc::new(AwsSecrets::new(
                aws_sdk_secretsmanager::Client::new(&config),
                env["SECRET_PREFIX"].clone(),
            )),
            queue("OrderQueue"),
            queue("SyncQueue"),
            channel::Options::default(),
        );
        Self { stack, app }
    }

    /// Starts the debug build of `binary` (one cold start) and prints its
    /// init duration and peak memory.
    pub async fn start(&self, binary: &str) -> LambdaFunction {
        let spec = self
            .stack
            .function_spec(binary, &debug_dir())
            .expect("function spec from template.yaml");
        let function = LambdaFunction::start(spec).await.expect("function starts");
        // Straight to stderr, past the harness's capture: CI's log shows it.
        let _ = writeln!(
            std::io::stderr(),
            "cold start {binary} (debug build): init {:.1} ms, peak RSS {} KiB",
            function.init_duration().as_secs_f64() * 1000.0,
            function.peak_rss_kib().unwrap_or(0)
        );
        function
    }

    /// An active channel [`CHANNEL`] with the sample events' webhook secret.
    pub async fn demo_channel(&self) -> channel::model::Channel {
        testkit::active_channel(&self.app, CHANNEL, SHOP_URL, EVENTS_SECRET).await
    }

    /// Every message waiting in the queue `logical_id` (received, so hidden
    /// for the queue's visibility timeout).
    pub async fn drain(&self, logical_id: &str) -> Vec<Delivery> {
        let queue = match logical_id {
            "OrderQueue" => &self.app.orders,
            _ => &self.app.sync_jobs,
        };
        queue
            .receive(10, std::time::Duration::from_secs(1))
            .await
            .expect("receive")
    }
}

/// A shop that answers nothing: connections are refused at once, so no test
/// waits on the network (and a loopback shop is refused by policy anyway).
pub const SHOP_URL: &str = "https://127.0.0.1:9";

/// `target/debug`, where `cargo build -p <fn>` puts the binaries: this test
/// runs from `target/debug/deps`.
fn debug_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target/debug")
        .to_path_buf()
}

/// A sample of `events/`, as bytes.
pub fn event(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("sample is JSON")
}

/// The response of a function that answered (not an error).
pub async fn invoke(function: &LambdaFunction, event: &Value) -> Value {
    function.invoke_json(event).await.expect("an answer")
}

/// An HTTP function's answer: status and body (API Gateway payload v2).
pub async fn http(function: &LambdaFunction, event: &Value) -> (u16, String) {
    let answer = function
        .invoke(&serde_json::to_vec(event).expect("JSON"))
        .await
        .expect("an answer");
    let Answer::Response(body) = answer else {
        panic!(
            "an HTTP function failed instead of answering: {answer:?}\n{}",
            function.log()
        );
    };
    let response: Value = serde_json::from_slice(&body).expect("a JSON response");
    let status = response["statusCode"].as_u64().expect("statusCode") as u16;
    let body = response["body"].as_str().unwrap_or_default().to_string();
    (status, body)
}
