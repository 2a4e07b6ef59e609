//! Configuration from the environment. Every variable is listed in the
//! README's configuration reference; nothing is hard-coded per shop.

use std::time::Duration;

use crate::Error;

/// Settings common to the Lambda functions.
#[derive(Clone, Debug)]
pub struct AwsConfig {
    /// DynamoDB table of channels, inbox, sync runs (`TABLE_NAME`).
    pub table_name: String,
    /// SQS FIFO queue of inbox orders (`ORDER_QUEUE_URL`).
    pub order_queue_url: String,
    /// SQS FIFO queue of sync jobs (`SYNC_QUEUE_URL`).
    pub sync_queue_url: String,
    /// Name prefix of the per-channel secrets (`SECRET_PREFIX`, default `paytraq-channel/`).
    pub secret_prefix: String,
    /// How long a secret is cached in memory (`SECRET_CACHE_SECONDS`, default 60).
    pub secret_cache_ttl: Duration,
    /// Public base URL of the HTTP API, for webhook and callback URLs (`PUBLIC_BASE_URL`).
    pub public_base_url: Option<String>,
    /// PayTraq API base URL (`PAYTRAQ_BASE_URL`, default `https://go.paytraq.com`).
    pub paytraq_base_url: String,
    /// PayTraq pacing per company: requests per second (`PAYTRAQ_RATE_PER_SECOND`, default 1).
    pub paytraq_rate_per_second: f64,
    /// PayTraq pacing burst (`PAYTRAQ_BURST`, default 5).
    pub paytraq_burst: u32,
}

impl AwsConfig {
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `get` (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let required = |k: &str| {
            get(k)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| Error::Config(format!("environment variable {k} is required")))
        };
        let parsed = |k: &str, default: &str| -> Result<String, Error> {
            Ok(get(k)
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_string()))
        };
        let number = |k: &str, default: &str| -> Result<f64, Error> {
            let raw = parsed(k, default)?;
            raw.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v > 0.0)
                .ok_or_else(|| Error::Config(format!("{k} must be a positive number, got {raw:?}")))
        };
        Ok(Self {
            table_name: required("TABLE_NAME")?,
            order_queue_url: required("ORDER_QUEUE_URL")?,
            sync_queue_url: required("SYNC_QUEUE_URL")?,
            secret_prefix: parsed("SECRET_PREFIX", "paytraq-channel/")?,
            secret_cache_ttl: Duration::from_secs(number("SECRET_CACHE_SECONDS", "60")? as u64),
            public_base_url: get("PUBLIC_BASE_URL").filter(|v| !v.trim().is_empty()),
            paytraq_base_url: parsed("PAYTRAQ_BASE_URL", "https://go.paytraq.com")?,
            paytraq_rate_per_second: number("PAYTRAQ_RATE_PER_SECOND", "1")?,
            paytraq_burst: number("PAYTRAQ_BURST", "5")? as u32,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn reads_required_and_defaults() {
        let cfg = AwsConfig::from_lookup(lookup(&[
            ("TABLE_NAME", "t"),
            ("ORDER_QUEUE_URL", "q1"),
            ("SYNC_QUEUE_URL", "q2"),
        ]))
        .unwrap();
        assert_eq!(cfg.table_name, "t");
        assert_eq!(cfg.secret_prefix, "paytraq-channel/");
        assert_eq!(cfg.paytraq_burst, 5);
        assert_eq!(cfg.secret_cache_ttl, Duration::from_secs(60));
    }

    #[test]
    fn names_the_missing_variable() {
        let err = AwsConfig::from_lookup(lookup(&[("TABLE_NAME", "t")])).unwrap_err();
        assert!(err.to_string().contains("ORDER_QUEUE_URL"), "{err}");
        let err = AwsConfig::from_lookup(lookup(&[
            ("TABLE_NAME", "t"),
            ("ORDER_QUEUE_URL", "q1"),
            ("SYNC_QUEUE_URL", "q2"),
            ("PAYTRAQ_RATE_PER_SECOND", "fast"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("PAYTRAQ_RATE_PER_SECOND"), "{err}");
    }
}
