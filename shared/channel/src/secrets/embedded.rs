//! Secrets kept in the embedded record store (used by `local`): one record
//! per channel, outside every listing index.

use std::sync::Arc;

use async_trait::async_trait;

use super::{ChannelSecrets, SecretStore, SecretsError};
use crate::store::{Key, Record, RecordStore, StoreError};

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
        loop {
            let expected = self
                .store
                .get(&key(channel_id))
                .await
                .map_err(backend)?
                .map_or(0, |r| r.version);
            let record = Record {
                key: key(channel_id),
                version: expected + 1,
                doc: doc.clone(),
                indexes: Vec::new(),
                expires_at: None,
            };
            match self.store.put(record, expected).await {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(backend(e)),
            }
        }
    }

    async fn delete(&self, channel_id: &str) -> Result<(), SecretsError> {
        loop {
            let Some(r) = self.store.get(&key(channel_id)).await.map_err(backend)? else {
                return Ok(());
            };
            match self.store.delete(&key(channel_id), r.version).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(backend(e)),
            }
        }
    }
}
