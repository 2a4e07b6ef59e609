//! Lambda `admin`: API Gateway HTTP API → activation and admin routes.
//! The router lives in `channel::admin`; `local` serves the same one.
//! API Gateway authorizes every `/admin/...` route with IAM before this
//! function runs, so the router trusts it ([`AdminAuth::Iam`]); the two
//! `/activation/...` routes are public and check the activation token.

use channel::admin::{self, AdminAuth};
use channel::{telemetry, App};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init();
    let app = App::from_aws_env().await?;
    lambda_http::run(admin::router(app, AdminAuth::Iam)).await
}
