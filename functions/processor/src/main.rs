//! Lambda `processor`: SQS FIFO batch of inbox orders → PayTraq documents,
//! with partial batch failure reporting. Logic in `channel::processing`.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use channel::{processing, telemetry, App};
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let app = App::from_aws_env().await?;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(processing::handle_sqs_batch(app, event.payload).await)
    }))
    .await
}
