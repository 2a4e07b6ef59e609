//! Secrets kept in the embedded record store (used by `local`): one record
//! per channel, outside every listing index. Last writer wins; a write that
//! lost a race is tried again ([`update_with_retry`]).

use std::sync::Arc;

use async_trait::async_trait;

use super::{ChannelSecrets, SecretStore, SecretsError};
use crate::store::{update_with_retry, Key, Record, RecordStore, StoreError};

#[derive(Clone)]
pub struct EmbeddedSecrets {
    store: Arc<dyn RecordStore>,
}

impl EmbeddedSecrets {
    pub fn new(store: Arc<dyn RecordStore>) -> Self {
        Self { store }
    }
}

fn key(channel_id: &str) -> Key {
    Key::new(format!("SECRET#{channel_id}"), "#SECRET")
}

fn backend(e: StoreError) -> SecretsError {
    SecretsError::Backend(e.to_string())
}

#[async_trait]
impl SecretStore for EmbeddedSecrets {
    async fn get(&self, channel_id: &str) -> Result<Option<ChannelSecrets>, SecretsError> {
        match self.store.get(&key(channel_id)).await.map_err(backend)? {
            Some(r) => serde_json::from_str(&r.doc)
                .map(Some)
                .map_err(|_| SecretsError::Corrupt(channel_id.to_string())),
            None => Ok(None),
        }
    }

    async fn put(&self, channel_id: &str, secrets: &ChannelSecrets) -> Result<(), SecretsError> {
        let doc = serde_json::to_string(secrets)
            .map_err(|_| SecretsError::Corrupt(channel_id.to_string()))?;
        let (key, doc) = (&key(channel_id), &doc);
        update_with_retry(move || async move {
            let expected = self.store.get(key).await?.map_or(0, |r| r.version);
            let record = Record {
                key: key.clone(),
                version: expected + 1,
                doc: doc.clone(),
                indexes: Vec::new(),
                expires_at: None,
            };
            self.store.put(record, expected).await.map(|_| ())
        })
        .await
        .map_err(backend)
    }

    async fn delete(&self, channel_id: &str) -> Result<(), SecretsError> {
        let key = &key(channel_id);
        update_with_retry(move || async move {
            match self.store.get(key).await? {
                Some(r) => self.store.delete(key, r.version).await,
                None => Ok(()),
            }
        })
        .await
        .map_err(backend)
    }
}
