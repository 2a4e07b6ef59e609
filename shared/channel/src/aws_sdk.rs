//! The AWS SDK's configuration, with the one HTTP client the whole product
//! uses: hyper 1 and rustls with the `ring` provider, the stack `reqwest`
//! already brings. The SDK's default features would add a second, legacy
//! hyper 0.14 / rustls 0.21 client and the aws-lc C library; the workspace
//! turns them off and every SDK client is built from [`load`].

use aws_config::{BehaviorVersion, ConfigLoader};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

/// A configuration loader with our HTTP client (http and https, rustls +
/// ring), for the latest behaviour version; credentials and region come from
/// the environment as usual.
pub fn loader() -> ConfigLoader {
    let client = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest()).http_client(client)
}

/// The configuration of a Lambda function (environment, then the
/// container's credentials).
pub async fn load() -> aws_config::SdkConfig {
    loader().load().await
}
