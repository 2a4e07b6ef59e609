//! Which URLs the shop will call, as WordPress 6.5 and WooCommerce 8.9 decide (§1.3 and §2 of the
//! reference): `wp_safe_remote_request()` (webhook deliveries, the creation ping, the wc-auth callback)
//! only reaches ports 80, 443 and 8080, and wc-auth refuses a `callback_url` that is not `https://`
//! ("The callback_url needs to be over SSL").
//!
//! A development shop lifts both for loopback receivers only
//! ([`WooSandboxConfig::allow_insecure_loopback_callbacks`](crate::WooSandboxConfig)): what a
//! development WordPress with a mu-plugin on `http_allowed_safe_ports` (and a TLS tunnel, or a patched
//! `WC_Auth`, for the callback) does. A real shop does neither.

/// The ports `wp_safe_remote_request()` allows (the `http_allowed_safe_ports` filter's default).
pub const SAFE_PORTS: [u16; 3] = [80, 443, 8080];

/// WordPress' answer to a safe request to a URL it will not call.
pub const NOT_ALLOWED: &str = "A valid URL was not provided.";

/// WooCommerce's answer to a wc-auth `callback_url` that is not `https://`.
pub const CALLBACK_NOT_SSL: &str = "The callback_url needs to be over SSL";

/// Whether `url`'s host is this machine's loopback (`localhost`, 127/8, `::1`).
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Whether `wp_safe_remote_request()` calls `url` (port 80, 443 or 8080, or a development exception).
pub fn safe_request_allowed(url: &str, allow_insecure_loopback: bool) -> bool {
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    let safe_port = parsed
        .port_or_known_default()
        .is_some_and(|port| SAFE_PORTS.contains(&port));
    safe_port || (allow_insecure_loopback && is_loopback(&parsed))
}

/// Whether wc-auth accepts `callback_url`'s scheme (`https://`, or a development exception).
pub fn callback_scheme_allowed(callback_url: &str, allow_insecure_loopback: bool) -> bool {
    if callback_url.starts_with("https://") {
        return true;
    }
    allow_insecure_loopback && url::Url::parse(callback_url).is_ok_and(|u| is_loopback(&u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_safe_ports_are_called_unless_a_loopback_development_shop() {
        assert!(safe_request_allowed("https://hooks.example.com/x", false));
        assert!(safe_request_allowed(
            "http://hooks.example.com:8080/x",
            false
        ));
        assert!(!safe_request_allowed(
            "https://hooks.example.com:9000/x",
            false
        ));
        assert!(!safe_request_allowed("http://127.0.0.1:9100/x", false));
        assert!(safe_request_allowed("http://127.0.0.1:9100/x", true));
        assert!(safe_request_allowed("http://[::1]:9100/x", true));
        assert!(!safe_request_allowed(
            "https://hooks.example.com:9000/x",
            true
        ));
    }

    #[test]
    fn callbacks_must_be_https_unless_a_loopback_development_shop() {
        assert!(callback_scheme_allowed("https://api.example.com/cb", false));
        assert!(!callback_scheme_allowed("http://api.example.com/cb", false));
        assert!(!callback_scheme_allowed("http://127.0.0.1:8080/cb", false));
        assert!(callback_scheme_allowed("http://localhost:8080/cb", true));
        assert!(!callback_scheme_allowed("http://api.example.com/cb", true));
    }
}
