//! Secrets kept in the embedded record store (used by `local`): one record
//! per channel, outside every listing index, sealed with XChaCha20-Poly1305
//! under a [`SecretsKey`] kept apart from the store (a key file or the
//! environment, see [`super::key`]). Each write has a fresh random 24-byte
//! nonce, stored beside the ciphertext; the channel id is the associated
//! data, so a record copied under another channel does not open. A copy of
//! the store file alone reveals no secret.
//!
//! A record written before sealing existed (plain JSON) still reads, and is
//! rewritten sealed when it is read. Last writer wins; a write that lost a
//! race is tried again ([`update_with_retry`]).

use std::sync::Arc;

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::key::{KeySource, SecretsKey};
use super::{ChannelSecrets, SecretStore, SecretsError};
use crate::store::{update_with_retry, Key, Record, RecordStore, StoreError};

/// The only sealing there is; named in each record so that another can follow.
const ALGORITHM: &str = "xchacha20poly1305";
const NONCE_LEN: usize = 24;

#[derive(Clone)]
pub struct EmbeddedSecrets {
    store: Arc<dyn RecordStore>,
    cipher: XChaCha20Poly1305,
    /// Where the key came from, named when a record does not open.
    key_source: Arc<str>,
}

impl EmbeddedSecrets {
    /// Secrets sealed under a random key held in memory: for a store that
    /// does not outlive the process ([`crate::store::embedded::EmbeddedStore::temporary`]).
    pub fn new(store: Arc<dyn RecordStore>) -> Self {
        Self::with_key(store, &SecretsKey::random(), &KeySource::Memory)
    }

    /// Secrets sealed under `key`, which came from `source`.
    pub fn with_key(store: Arc<dyn RecordStore>, key: &SecretsKey, source: &KeySource) -> Self {
        Self {
            store,
            cipher: XChaCha20Poly1305::new(key.bytes().into()),
            key_source: source.to_string().into(),
        }
    }

    /// The record's document for `secrets` of `channel_id`, sealed.
    fn seal(&self, channel_id: &str, secrets: &ChannelSecrets) -> Result<String, SecretsError> {
        let plain = serde_json::to_vec(secrets)
            .map_err(|_| SecretsError::Corrupt(channel_id.to_string()))?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &plain,
                    aad: &associated_data(channel_id),
                },
            )
            .map_err(|_| SecretsError::Backend("sealing a secret failed".into()))?;
        serde_json::to_string(&Sealed {
            sealed: ALGORITHM.into(),
            nonce: STANDARD.encode(nonce),
            ciphertext: STANDARD.encode(ciphertext),
        })
        .map_err(|_| SecretsError::Corrupt(channel_id.to_string()))
    }

    /// The secrets in a record's document: sealed, or plain from before
    /// sealing existed (`Stored::Plain`).
    fn open(&self, channel_id: &str, doc: &str) -> Result<Stored, SecretsError> {
        let corrupt = || SecretsError::Corrupt(channel_id.to_string());
        let value: serde_json::Value = serde_json::from_str(doc).map_err(|_| corrupt())?;
        if value.get("sealed").is_none() {
            return serde_json::from_value(value)
                .map(Stored::Plain)
                .map_err(|_| corrupt());
        }
        let sealed: Sealed = serde_json::from_value(value).map_err(|_| corrupt())?;
        if sealed.sealed != ALGORITHM {
            return Err(corrupt());
        }
        let nonce = STANDARD
            .decode(&sealed.nonce)
            .ok()
            .and_then(|n| <[u8; NONCE_LEN]>::try_from(n.as_slice()).ok())
            .ok_or_else(corrupt)?;
        let ciphertext = STANDARD.decode(&sealed.ciphertext).map_err(|_| corrupt())?;
        let plain = self
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &ciphertext,
                    aad: &associated_data(channel_id),
                },
            )
            .map_err(|_| SecretsError::WrongKey {
                channel_id: channel_id.to_string(),
                key_source: self.key_source.to_string(),
            })?;
        serde_json::from_slice(&plain)
            .map(Stored::Sealed)
            .map_err(|_| corrupt())
    }

    /// Reads the channel's secrets, sealing a plain record, and says whether
    /// it was one (so a caller can rid the file of the plain bytes:
    /// [`crate::store::embedded::EmbeddedStore::rewrite`]).
    pub async fn read(
        &self,
        channel_id: &str,
    ) -> Result<Option<(ChannelSecrets, WasPlain)>, SecretsError> {
        let key = key(channel_id);
        let Some(record) = self.store.get(&key).await.map_err(backend)? else {
            return Ok(None);
        };
        match self.open(channel_id, &record.doc)? {
            Stored::Sealed(secrets) => Ok(Some((secrets, WasPlain(false)))),
            Stored::Plain(secrets) => {
                let doc = self.seal(channel_id, &secrets)?;
                match self.write(&key, doc, record.version).await {
                    Ok(_) | Err(StoreError::Conflict(_)) => Ok(Some((secrets, WasPlain(true)))),
                    Err(e) => Err(backend(e)),
                }
            }
        }
    }

    /// Writes `doc` as the channel's record, over version `expected`.
    async fn write(&self, key: &Key, doc: String, expected: u64) -> Result<u64, StoreError> {
        let record = Record {
            key: key.clone(),
            version: expected + 1,
            doc,
            indexes: Vec::new(),
            expires_at: None,
        };
        self.store.put(record, expected).await
    }
}

/// Whether a record read was still plain (written before sealing existed)
/// and has just been sealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WasPlain(pub bool);

/// A sealed record's document.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sealed {
    /// The algorithm ([`ALGORITHM`]).
    sealed: String,
    /// base64 of the 24-byte nonce.
    nonce: String,
    /// base64 of the ciphertext and its tag.
    ciphertext: String,
}

/// What a record held.
enum Stored {
    Sealed(ChannelSecrets),
    /// Plain JSON, written before sealing existed.
    Plain(ChannelSecrets),
}

/// Binds a sealed record to its channel.
fn associated_data(channel_id: &str) -> Vec<u8> {
    format!("channel-secrets/v1/{channel_id}").into_bytes()
}

fn key(channel_id: &str) -> Key {
    Key::new(format!("SECRET#{channel_id}"), "#SECRET")
}

fn backend(e: StoreError) -> SecretsError {
    SecretsError::Backend(e.to_string())
}

#[async_trait]
impl SecretStore for EmbeddedSecrets {
    /// Reads the channel's secrets; a plain record is rewritten sealed (if
    /// it changed meanwhile, the newer write stands).
    async fn get(&self, channel_id: &str) -> Result<Option<ChannelSecrets>, SecretsError> {
        Ok(self.read(channel_id).await?.map(|(secrets, _)| secrets))
    }

    async fn put(&self, channel_id: &str, secrets: &ChannelSecrets) -> Result<(), SecretsError> {
        let doc = self.seal(channel_id, secrets)?;
        let (key, doc) = (&key(channel_id), &doc);
        update_with_retry(move || async move {
            let expected = self.store.get(key).await?.map_or(0, |r| r.version);
            self.write(key, doc.clone(), expected).await.map(|_| ())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Secret;
    use crate::store::embedded::EmbeddedStore;

    fn secrets() -> ChannelSecrets {
        ChannelSecrets {
            woo_consumer_key: Some(Secret::new("ck_unit_0001")),
            webhook_secret: Some(Secret::new("whsec_unit_0002")),
            ..ChannelSecrets::default()
        }
    }

    #[tokio::test]
    async fn a_sealed_record_holds_no_secret_and_reads_back() {
        let store: Arc<dyn RecordStore> = Arc::new(EmbeddedStore::temporary().unwrap());
        let sealed = EmbeddedSecrets::new(store.clone());
        sealed.put("ch-1", &secrets()).await.unwrap();
        let doc = store.get(&key("ch-1")).await.unwrap().unwrap().doc;
        assert!(!doc.contains("ck_unit_0001") && !doc.contains("whsec_unit_0002"));
        assert!(doc.contains(ALGORITHM));
        assert_eq!(sealed.get("ch-1").await.unwrap(), Some(secrets()));
    }

    #[tokio::test]
    async fn two_writes_of_the_same_secrets_differ_by_their_nonce() {
        let store: Arc<dyn RecordStore> = Arc::new(EmbeddedStore::temporary().unwrap());
        let sealed = EmbeddedSecrets::new(store.clone());
        sealed.put("ch-1", &secrets()).await.unwrap();
        let first = store.get(&key("ch-1")).await.unwrap().unwrap().doc;
        sealed.put("ch-1", &secrets()).await.unwrap();
        let second = store.get(&key("ch-1")).await.unwrap().unwrap().doc;
        assert_ne!(first, second);
    }
}
