//! Configuration of the WooCommerce sandbox and its fault-injection switches.

use std::time::Duration;

/// How the sandbox shop is set up when it starts.
#[derive(Debug, Clone)]
pub struct WooSandboxConfig {
    /// WooCommerce version reported by `system_status` (`environment.version`), orders and webhooks.
    pub wc_version: String,
    /// WordPress version in the webhook `User-Agent`.
    pub wp_version: String,
    /// ISO 4217 currency of the shop.
    pub currency: String,
    /// Price decimals (`woocommerce_price_num_decimals`).
    pub decimals: u32,
    /// `woocommerce_prices_include_tax`.
    pub prices_include_tax: bool,
    /// `woocommerce_tax_round_at_subtotal`.
    pub tax_round_at_subtotal: bool,
    /// Shop base country (`woocommerce_default_country`), used for tax-inclusive prices.
    pub base_country: String,
    /// Delay added to every REST request.
    pub latency: Duration,
    /// Delay between an order event and its webhook deliveries (WooCommerce queues them).
    pub webhook_delay: Duration,
    /// Timeout of a webhook delivery (WooCommerce: 60 s).
    pub delivery_timeout: Duration,
    /// Timeout of the creation ping and the wc-auth callback (WordPress default: 5 s).
    pub ping_timeout: Duration,
    /// A development shop: wc-auth accepts an `http://` callback, and webhooks, pings and the callback
    /// reach any port, for loopback receivers only (see [`crate::outbound`]). Off by default, as on a
    /// real shop (https callbacks only, ports 80, 443 and 8080 only); `local demo`, `local serve
    /// --sandbox woocommerce` and the test kit, whose channel listens on 127.0.0.1, turn it on.
    pub allow_insecure_loopback_callbacks: bool,
    /// Faults active from the start.
    pub faults: Faults,
}

impl Default for WooSandboxConfig {
    fn default() -> Self {
        Self {
            wc_version: "8.9.1".to_string(),
            wp_version: "6.5.3".to_string(),
            currency: "EUR".to_string(),
            decimals: 2,
            prices_include_tax: false,
            tax_round_at_subtotal: false,
            base_country: "LV".to_string(),
            latency: Duration::ZERO,
            webhook_delay: Duration::from_millis(150),
            delivery_timeout: Duration::from_secs(60),
            ping_timeout: Duration::from_secs(5),
            allow_insecure_loopback_callbacks: false,
            faults: Faults::default(),
        }
    }
}

/// Injected failures. Applied to REST (`/wp-json/...`) requests only; `/__sandbox/` always works so tests
/// can clear them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Fraction (0.0–1.0) of requests answered with HTTP 500 `internal_server_error`.
    pub error_rate: f64,
    /// Requests whose path contains this text fail (with `route_status`).
    pub route: Option<String>,
    /// HTTP status for `route` faults (default 500).
    pub route_status: Option<u16>,
    /// Requests whose path contains this text hang for `timeout` before answering.
    pub timeout_route: Option<String>,
    /// How long a `timeout_route` request hangs.
    pub timeout: Option<std::time::Duration>,
    /// Crash switch: every request fails until cleared.
    pub crash: Option<CrashMode>,
}

/// How a crashed sandbox fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashMode {
    /// Answer HTTP 500 with an HTML error page (a PHP fatal error).
    Http500,
    /// Drop the connection without a response.
    ConnectionClose,
}
