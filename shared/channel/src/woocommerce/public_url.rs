//! Whether a shop will call the channel's public URL, checked before
//! anything is sent to the shop, so that an operator hears why at once
//! rather than from a shop owner's error page or from webhooks that never
//! arrive:
//!
//! - WooCommerce's key flow (`wc-auth`) refuses a `callback_url` that is
//!   not `https://` ("The callback_url needs to be over SSL");
//! - WordPress sends webhooks (and the key-flow callback) with
//!   `wp_safe_remote_request()`, which calls ports 80, 443 and 8080 only.
//!
//! A development setup whose shop and channel both run on this machine is
//! excepted, and only with `--allow-loopback-shops`
//! ([`crate::Options::allow_loopback_shops`]): a public URL on a loopback
//! host may then be plain HTTP on any port (the shop is a development one
//! that calls it, such as the WooCommerce sandbox).

use url::Url;

use super::shop_url::is_loopback_host;

/// The ports WordPress delivers webhooks to (`http_allowed_safe_ports`).
pub const WEBHOOK_PORTS: [u16; 3] = [80, 443, 8080];

/// Why a shop would refuse the channel's public URL. Messages are shown to
/// the operator as they are.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublicUrlError {
    #[error("the channel's public URL {url} is not a valid URL ({reason}); set it with --public-url (local) or PUBLIC_BASE_URL")]
    Malformed { url: String, reason: String },
    #[error(
        "the activation callback {url} is plain HTTP, and the shop refuses callbacks that are not over HTTPS \
         (WooCommerce: \"The callback_url needs to be over SSL\"); give the channel an https:// public URL \
         (--public-url with local, e.g. behind a TLS reverse proxy or tunnel; PUBLIC_BASE_URL on AWS)"
    )]
    CallbackNotHttps { url: String },
    #[error(
        "the webhook delivery URL {url} is on port {port}, and WordPress delivers webhooks only to ports \
         80, 443 and 8080; give the channel a public URL on one of them (--public-url with local; \
         PUBLIC_BASE_URL on AWS)"
    )]
    WebhookPort { url: String, port: u16 },
}

/// What WooCommerce needs of the key flow's callback URL: `https://`. (It
/// shares the public URL, and so its port, with the webhooks: see
/// [`check_delivery_url`].)
pub fn check_callback_url(url: &str, allow_loopback: bool) -> Result<(), PublicUrlError> {
    let parsed = parse(url)?;
    if excepted(&parsed, allow_loopback) || parsed.scheme() == "https" {
        return Ok(());
    }
    Err(PublicUrlError::CallbackNotHttps {
        url: url.to_string(),
    })
}

/// What webhooks need of their delivery URL: a port WordPress delivers to.
pub fn check_delivery_url(url: &str, allow_loopback: bool) -> Result<(), PublicUrlError> {
    let parsed = parse(url)?;
    if excepted(&parsed, allow_loopback) {
        return Ok(());
    }
    check_port(url, &parsed)
}

fn parse(url: &str) -> Result<Url, PublicUrlError> {
    Url::parse(url).map_err(|e| PublicUrlError::Malformed {
        url: url.to_string(),
        reason: e.to_string(),
    })
}

/// A loopback public URL, with `--allow-loopback-shops`.
fn excepted(url: &Url, allow_loopback: bool) -> bool {
    allow_loopback && url.host().is_some_and(|host| is_loopback_host(&host))
}

fn check_port(raw: &str, url: &Url) -> Result<(), PublicUrlError> {
    // `http`/`https` always have a known default port; anything else is refused.
    let port = url.port_or_known_default().unwrap_or(0);
    if WEBHOOK_PORTS.contains(&port) {
        Ok(())
    } else {
        Err(PublicUrlError::WebhookPort {
            url: raw.to_string(),
            port,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_must_be_https() {
        assert_eq!(
            check_callback_url("https://api.example.com/activation/c1/callback", false),
            Ok(())
        );
        assert_eq!(
            check_callback_url("https://api.example.com:8080/cb", false),
            Ok(())
        );
        let err = check_callback_url("http://api.example.com/cb", false).unwrap_err();
        assert!(
            err.to_string()
                .contains("the shop refuses callbacks that are not over HTTPS"),
            "{err}"
        );
        // The loopback flag does not excuse a public host.
        assert!(check_callback_url("http://api.example.com/cb", true).is_err());
    }

    #[test]
    fn webhooks_go_to_ports_80_443_and_8080_only() {
        for ok in [
            "https://api.example.com/webhooks/woocommerce/c1",
            "http://api.example.com/x",
            "http://api.example.com:8080/x",
            "https://api.example.com:443/x",
        ] {
            assert_eq!(check_delivery_url(ok, false), Ok(()), "{ok}");
        }
        let err = check_delivery_url("https://api.example.com:9000/x", false).unwrap_err();
        assert!(
            err.to_string()
                .contains("WordPress delivers webhooks only to ports 80, 443 and 8080"),
            "{err}"
        );
        assert!(check_delivery_url("https://api.example.com:9000/x", true).is_err());
        assert!(matches!(
            check_delivery_url("not a url", false),
            Err(PublicUrlError::Malformed { .. })
        ));
    }

    #[test]
    fn loopback_development_setups_are_excepted_only_with_the_flag() {
        for url in [
            "http://127.0.0.1:9000/cb",
            "http://localhost:3000/cb",
            "http://[::1]:9000/cb",
        ] {
            assert_eq!(check_callback_url(url, true), Ok(()), "{url}");
            assert_eq!(check_delivery_url(url, true), Ok(()), "{url}");
            assert!(check_callback_url(url, false).is_err(), "{url}");
            assert!(check_delivery_url(url, false).is_err(), "{url}");
        }
    }
}
