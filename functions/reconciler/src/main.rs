//! Lambda `reconciler`: EventBridge Scheduler (every 15 minutes) → webhook
//! health, catch-up and sweep for every active channel. Logic in
//! `channel::intake::reconcile`.

use channel::{intake::reconcile, telemetry, App};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let app = App::from_aws_env().await?;
    let app = &app;
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| async move {
        let reports = reconcile::run_all(app).await?;
        Ok::<Value, Error>(serde_json::to_value(reports)?)
    }))
    .await
}
