//! WooCommerce webhook deliveries: the `X-WC-Webhook-*` headers, the
//! signature check and the unsigned creation ping.
//!
//! `X-WC-Webhook-Signature = base64(HMAC-SHA256(raw body bytes, webhook secret))`
//! (standard base64 with padding, 44 characters). Always verify the raw
//! bytes as received, never a re-serialised body. The ping WooCommerce
//! sends when a webhook is created has the form body `webhook_id=N`, no
//! `X-WC-Webhook-*` headers and no signature; it must be answered with 200.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const HEADER_SIGNATURE: &str = "x-wc-webhook-signature";
pub const HEADER_TOPIC: &str = "x-wc-webhook-topic";
pub const HEADER_RESOURCE: &str = "x-wc-webhook-resource";
pub const HEADER_EVENT: &str = "x-wc-webhook-event";
pub const HEADER_WEBHOOK_ID: &str = "x-wc-webhook-id";
pub const HEADER_DELIVERY_ID: &str = "x-wc-webhook-delivery-id";
pub const HEADER_SOURCE: &str = "x-wc-webhook-source";

type HmacSha256 = Hmac<Sha256>;

/// Length of a SHA-256 digest.
const DIGEST_LEN: usize = 32;

fn mac(body: &[u8], secret: &[u8]) -> Option<HmacSha256> {
    // HMAC accepts keys of any length; the error case cannot happen.
    let mut mac = HmacSha256::new_from_slice(secret).ok()?;
    mac.update(body);
    Some(mac)
}

/// The signature WooCommerce sends for `body` under `secret`.
pub fn sign(body: &[u8], secret: &[u8]) -> String {
    mac(body, secret)
        .map(|m| STANDARD.encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Checks a delivery's signature in constant time. False for bad base64,
/// a digest of the wrong length, or a mismatch.
pub fn verify(body: &[u8], secret: &[u8], signature: &str) -> bool {
    let Ok(given) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    if given.len() != DIGEST_LEN {
        return false;
    }
    mac(body, secret).is_some_and(|m| m.verify_slice(&given).is_ok())
}

/// The webhook id of a creation ping (body exactly `webhook_id=N`, form
/// encoded); `None` for anything else.
pub fn ping_webhook_id(body: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(body).ok()?.trim();
    let mut pairs = url::form_urlencoded::parse(text.as_bytes());
    let (key, value) = pairs.next()?;
    if pairs.next().is_some() || key != "webhook_id" {
        return None;
    }
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// The `X-WC-Webhook-*` headers of one delivery (all optional: a ping has none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryHeaders {
    pub signature: Option<String>,
    /// e.g. `order.created`.
    pub topic: Option<String>,
    pub resource: Option<String>,
    pub event: Option<String>,
    pub webhook_id: Option<u64>,
    /// Not unique per delivery (a hash of webhook id and second): never use for idempotency.
    pub delivery_id: Option<String>,
    /// The shop's home URL with a trailing slash.
    pub source: Option<String>,
}

impl DeliveryHeaders {
    /// Reads the headers; values that are not visible ASCII are treated as absent.
    pub fn from_headers(headers: &http::HeaderMap) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        Self {
            signature: text(HEADER_SIGNATURE),
            topic: text(HEADER_TOPIC),
            resource: text(HEADER_RESOURCE),
            event: text(HEADER_EVENT),
            webhook_id: text(HEADER_WEBHOOK_ID).and_then(|s| s.parse().ok()),
            delivery_id: text(HEADER_DELIVERY_ID),
            source: text(HEADER_SOURCE),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify() {
        let sig = sign(b"{\"id\":1}", b"s3cret");
        assert_eq!(sig.len(), 44);
        assert!(verify(b"{\"id\":1}", b"s3cret", &sig));
        assert!(!verify(b"{\"id\":2}", b"s3cret", &sig));
        assert!(!verify(b"{\"id\":1}", b"other", &sig));
        assert!(!verify(b"{\"id\":1}", b"s3cret", "not base64!"));
        assert!(!verify(
            b"{\"id\":1}",
            b"s3cret",
            &STANDARD.encode([0u8; 16])
        ));
        assert!(!verify(b"{\"id\":1}", b"s3cret", ""));
    }

    proptest::proptest! {
        #[test]
        fn any_body_signs_and_any_change_breaks_it(
            body in proptest::collection::vec(proptest::num::u8::ANY, 1..512),
            secret in "[A-Za-z0-9]{1,50}",
            at in proptest::num::usize::ANY,
            flip in 1u8..=255,
        ) {
            let sig = sign(&body, secret.as_bytes());
            proptest::prop_assert!(verify(&body, secret.as_bytes(), &sig));
            let mut changed = body.clone();
            let i = at % changed.len();
            changed[i] ^= flip;
            proptest::prop_assert!(!verify(&changed, secret.as_bytes(), &sig));
        }
    }

    #[test]
    fn ping_bodies() {
        assert_eq!(ping_webhook_id(b"webhook_id=2"), Some(2));
        assert_eq!(ping_webhook_id(b"webhook_id=15\n"), Some(15));
        assert_eq!(ping_webhook_id(b"webhook_id="), None);
        assert_eq!(ping_webhook_id(b"webhook_id=2&x=1"), None);
        assert_eq!(ping_webhook_id(b"webhook_id=-2"), None);
        assert_eq!(ping_webhook_id(b"{\"id\":2}"), None);
        assert_eq!(ping_webhook_id(&[0xff, 0xfe]), None);
    }

    #[test]
    fn headers_are_read_case_insensitively() {
        let mut h = http::HeaderMap::new();
        h.insert(
            "X-WC-Webhook-Topic",
            http::HeaderValue::from_static("order.created"),
        );
        h.insert("X-WC-Webhook-ID", http::HeaderValue::from_static("2"));
        let d = DeliveryHeaders::from_headers(&h);
        assert_eq!(d.topic.as_deref(), Some("order.created"));
        assert_eq!(d.webhook_id, Some(2));
        assert_eq!(d.signature, None);
    }
}
