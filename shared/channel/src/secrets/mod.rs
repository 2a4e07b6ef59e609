//! Per-channel credentials: the WooCommerce consumer key/secret, the webhook
//! secret and the PayTraq API key/token. One secret per channel. Values are
//! wrapped in [`Secret`], whose `Debug`/`Display` never show them.
//!
//! Adapters: [`aws::AwsSecrets`] (Secrets Manager) and
//! [`embedded::EmbeddedSecrets`] (kept in the embedded store, sealed under a
//! key of [`key`]). [`Cached`]
//! wraps either with a short in-memory cache.

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "embedded")]
pub mod embedded;
#[cfg(feature = "embedded")]
pub mod key;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("secret of channel {0} is corrupt")]
    Corrupt(String),
    #[error("secrets backend: {0}")]
    Backend(String),
    /// A sealed secret does not open with this key.
    #[error(
        "the secret of channel {channel_id} does not decrypt with the secrets key from \
         {key_source}: that key does not match the one the secret was written with \
         (restore that key file or set CHANNEL_SECRETS_KEY to that key), or the record \
         was copied from another channel"
    )]
    WrongKey {
        channel_id: String,
        key_source: String,
    },
    /// The key could not be read or made.
    #[error("secrets key: {0}")]
    Key(String),
}

/// A credential. Shows as `***` in logs, errors and debug output.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The value itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Everything secret about one channel. Fields are optional because a
/// channel collects them step by step during activation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSecrets {
    pub woo_consumer_key: Option<Secret>,
    pub woo_consumer_secret: Option<Secret>,
    /// The secret our webhooks are signed with (the last one we wrote to the shop).
    pub webhook_secret: Option<Secret>,
    /// The webhook secret before the reconciler replaced it, still accepted
    /// until a delivery signed with the new one confirms the shop has it
    /// (see [`crate::intake::secret_repair`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret_previous: Option<Secret>,
    pub paytraq_api_key: Option<Secret>,
    pub paytraq_api_token: Option<Secret>,
}

#[async_trait]
pub trait SecretStore: Send + Sync {
    async fn get(&self, channel_id: &str) -> Result<Option<ChannelSecrets>, SecretsError>;
    /// Like [`SecretStore::get`], but past a cache that may hold a value
    /// older than a write made by another process (a caching store may
    /// still answer from its cache when its entry is only seconds old).
    async fn get_fresh(&self, channel_id: &str) -> Result<Option<ChannelSecrets>, SecretsError> {
        self.get(channel_id).await
    }
    /// Creates or replaces (rotates) the channel's secret.
    async fn put(&self, channel_id: &str, secrets: &ChannelSecrets) -> Result<(), SecretsError>;
    async fn delete(&self, channel_id: &str) -> Result<(), SecretsError>;
}

/// A read-through cache in front of a [`SecretStore`]; writes go through and
/// refresh the cache. [`SecretStore::get_fresh`] reads past an entry older
/// than [`FRESH_AFTER`], so a caller that doubts the cache (a signature that
/// does not match) costs the backend at most one read per channel that often.
pub struct Cached {
    inner: Arc<dyn SecretStore>,
    ttl: Duration,
    entries: RwLock<HashMap<String, (Instant, Option<ChannelSecrets>)>>,
}

/// How old a cached entry must be before `get_fresh` reads past it.
pub const FRESH_AFTER: Duration = Duration::from_secs(2);

impl Cached {
    pub fn new(inner: Arc<dyn SecretStore>, ttl: Duration) -> Self {
        Self {
            inner,
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }
}

#[async_trait]
impl SecretStore for Cached {
    async fn get(&self, channel_id: &str) -> Result<Option<ChannelSecrets>, SecretsError> {
        if let Some((at, value)) = self.entries.read().await.get(channel_id) {
            if at.elapsed() < self.ttl {
                return Ok(value.clone());
            }
        }
        self.load(channel_id).await
    }

    async fn get_fresh(&self, channel_id: &str) -> Result<Option<ChannelSecrets>, SecretsError> {
        if let Some((at, value)) = self.entries.read().await.get(channel_id) {
            if at.elapsed() < FRESH_AFTER {
                return Ok(value.clone());
            }
        }
        self.load(channel_id).await
    }

    async fn put(&self, channel_id: &str, secrets: &ChannelSecrets) -> Result<(), SecretsError> {
        self.inner.put(channel_id, secrets).await?;
        self.entries.write().await.insert(
            channel_id.to_string(),
            (Instant::now(), Some(secrets.clone())),
        );
        Ok(())
    }

    async fn delete(&self, channel_id: &str) -> Result<(), SecretsError> {
        self.inner.delete(channel_id).await?;
        self.entries.write().await.remove(channel_id);
        Ok(())
    }
}

impl Cached {
    /// Reads through to the backend and caches what it answered.
    async fn load(&self, channel_id: &str) -> Result<Option<ChannelSecrets>, SecretsError> {
        let value = self.inner.get(channel_id).await?;
        self.entries
            .write()
            .await
            .insert(channel_id.to_string(), (Instant::now(), value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A backend that counts its reads and answers what was last put.
    #[derive(Default)]
    struct Counting {
        reads: AtomicUsize,
        value: std::sync::Mutex<Option<ChannelSecrets>>,
    }

    #[async_trait]
    impl SecretStore for Counting {
        async fn get(&self, _: &str) -> Result<Option<ChannelSecrets>, SecretsError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            Ok(self
                .value
                .lock()
                .map_err(|e| SecretsError::Backend(e.to_string()))?
                .clone())
        }
        async fn put(&self, _: &str, s: &ChannelSecrets) -> Result<(), SecretsError> {
            *self
                .value
                .lock()
                .map_err(|e| SecretsError::Backend(e.to_string()))? = Some(s.clone());
            Ok(())
        }
        async fn delete(&self, _: &str) -> Result<(), SecretsError> {
            Ok(())
        }
    }

    fn with_webhook_secret(value: &str) -> ChannelSecrets {
        ChannelSecrets {
            webhook_secret: Some(Secret::new(value)),
            ..ChannelSecrets::default()
        }
    }

    #[tokio::test]
    async fn get_fresh_reads_past_an_entry_older_than_fresh_after_and_only_then() {
        let backend = Arc::new(Counting::default());
        backend.put("c", &with_webhook_secret("old")).await.unwrap();
        let cached = Cached::new(backend.clone(), Duration::from_secs(300));
        assert_eq!(
            cached.get("c").await.unwrap(),
            Some(with_webhook_secret("old"))
        );
        // Another process replaces the secret behind the cache's back.
        backend.put("c", &with_webhook_secret("new")).await.unwrap();
        assert_eq!(
            cached.get("c").await.unwrap(),
            Some(with_webhook_secret("old"))
        );
        // A fresh read within FRESH_AFTER of the last read still answers from the cache…
        assert_eq!(
            cached.get_fresh("c").await.unwrap(),
            Some(with_webhook_secret("old"))
        );
        assert_eq!(backend.reads.load(Ordering::SeqCst), 1);
        // …and past it reads the backend once, which refreshes the cache for `get`.
        tokio::time::sleep(FRESH_AFTER + Duration::from_millis(50)).await;
        assert_eq!(
            cached.get_fresh("c").await.unwrap(),
            Some(with_webhook_secret("new"))
        );
        assert_eq!(
            cached.get_fresh("c").await.unwrap(),
            Some(with_webhook_secret("new"))
        );
        assert_eq!(
            cached.get("c").await.unwrap(),
            Some(with_webhook_secret("new"))
        );
        assert_eq!(backend.reads.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn secrets_written_before_the_previous_webhook_secret_existed_still_read() {
        let old = r#"{"woo_consumer_key":null,"woo_consumer_secret":null,
            "webhook_secret":"w1","paytraq_api_key":null,"paytraq_api_token":null}"#;
        let read: ChannelSecrets = serde_json::from_str(old).unwrap();
        assert_eq!(read, with_webhook_secret("w1"));
        let written = serde_json::to_value(&read).unwrap();
        assert!(written.get("webhook_secret_previous").is_none());
    }
}
