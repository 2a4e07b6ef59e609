//! Lambda `admin`: API Gateway HTTP API → activation and admin routes, and
//! the console. The router lives in `channel::admin`; `local` serves the
//! same one. API Gateway authorizes every `/admin/...` route with IAM (and
//! `/api/admin/...` with a Cognito access token) before this function runs,
//! so the router trusts it ([`AdminAuth::Iam`]); the two `/activation/...`
//! routes are public and check the activation token; the console signs
//! people in through the stack's Cognito user pool (`COGNITO_*`).

use channel::admin::{self, AdminAuth, AdminConfig};
use channel::console::cognito::CognitoConfig;
use channel::{telemetry, App};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init();
    let app = App::from_aws_env().await?;
    let config = AdminConfig {
        cognito: CognitoConfig::from_env(|name| std::env::var(name).ok())?,
        ..AdminConfig::new(AdminAuth::Iam)
    };
    lambda_http::run(admin::router_with(app, config)).await
}
