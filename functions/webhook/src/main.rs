//! Lambda `webhook`: API Gateway HTTP API → WooCommerce webhook receiver.
//! The router lives in `channel::intake::webhook`; `local` serves the same one.

use channel::{intake::webhook, telemetry, App};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init();
    let app = App::from_aws_env().await?;
    lambda_http::run(webhook::router(app)).await
}
