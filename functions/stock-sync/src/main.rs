//! Lambda `stock-sync`: the daily schedule (`{"job":"daily_sync"}`) fans out
//! one job per channel; SQS batches from the sync queue run those jobs
//! (ReportBatchItemFailures). The handling lives in `channel::sync::lambda`.

use channel::{sync::lambda, telemetry, App};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init();
    let app = App::from_aws_env().await?;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        lambda::handle(app, &event.payload)
            .await
            .map_err(lambda_runtime::Error::from)
    }))
    .await
}
