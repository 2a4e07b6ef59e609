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
    pub webhook_secret: Option<Secret>,
    pub paytraq_api_key: Option<Secret>,
    pub paytraq_api_token: Option<Secret>,
}

#[async_trait]
pub trait SecretStore: Send + Sync {
    async fn get(&self, channel_id: &str) -> Result<Option<ChannelSecrets>, SecretsError>;
    /// Creates or replaces (rotates) the channel's secret.
    async fn put(&self, channel_id: &str, secrets: &ChannelSecrets) -> Result<(), SecretsError>;
    async fn delete(&self, channel_id: &str) -> Result<(), SecretsError>;
}

/// A read-through cache in front of a [`SecretStore`]; writes go through and
/// refresh the cache.
pub struct Cached {
    inner: Arc<dyn SecretStore>,
    ttl: Duration,
    entries: RwLock<HashMap<String, (Instant, Option<ChannelSecrets>)>>,
}

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
        let value = self.inner.get(channel_id).await?;
        self.entries
            .write()
            .await
            .insert(channel_id.to_string(), (Instant::now(), value.clone()));
        Ok(value)
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
