//! Activation tokens: a random single-use value handed to WooCommerce as
//! the key flow's `user_id` and sent back with the API key. Only its SHA-256
//! is stored, with an expiry; the store hands a token out once
//! ([`crate::store::Repo::take_token`]).

use base64::Engine;
use chrono::{Duration, Utc};
use rand::RngCore;

use crate::hash::sha256_hex;
use crate::model::ActivationToken;
use crate::secrets::Secret;
use crate::store::StoreError;
use crate::App;

/// SHA-256 of a token, hex.
pub fn hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// 32 random bytes, URL-safe base64 without padding.
pub fn random_value() -> Secret {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    Secret::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Mints and stores a token for `channel_id`, valid for `ttl`.
pub async fn mint(app: &App, channel_id: &str, ttl: Duration) -> Result<Secret, StoreError> {
    let token = random_value();
    let mut record = ActivationToken {
        token_hash: hash(token.expose()),
        channel_id: channel_id.to_string(),
        expires_at: Utc::now() + ttl,
        version: 0,
    };
    app.repo.put_token(&mut record).await?;
    Ok(token)
}

/// Consumes `token` for `channel_id`: true once, for an unexpired token of
/// that channel; false for an unknown, expired, reused or foreign token.
pub async fn redeem(app: &App, channel_id: &str, token: &str) -> Result<bool, StoreError> {
    if token.is_empty() || token.len() > 200 {
        return Ok(false);
    }
    Ok(app
        .repo
        .take_token(&hash(token))
        .await?
        .is_some_and(|t| t.channel_id == channel_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use crate::queue::memory::MemoryQueue;
    use crate::secrets::embedded::EmbeddedSecrets;
    use crate::store::embedded::EmbeddedStore;
    use crate::store::RecordStore;

    fn app() -> App {
        let store: Arc<dyn RecordStore> = Arc::new(EmbeddedStore::temporary().unwrap());
        let q = || Arc::new(MemoryQueue::new(std::time::Duration::from_secs(5)));
        App::new(
            store.clone(),
            Arc::new(EmbeddedSecrets::new(store)),
            q(),
            q(),
            Default::default(),
        )
    }

    #[tokio::test]
    async fn a_token_is_redeemed_once_for_its_channel_only() {
        let app = app();
        let token = mint(&app, "ch1", Duration::minutes(5)).await.unwrap();
        let other = mint(&app, "ch1", Duration::minutes(5)).await.unwrap();
        assert_ne!(token.expose(), other.expose());
        assert!(
            !redeem(&app, "ch2", other.expose()).await.unwrap(),
            "foreign channel"
        );
        assert!(
            !redeem(&app, "ch1", other.expose()).await.unwrap(),
            "consumed by the failed attempt"
        );
        assert!(redeem(&app, "ch1", token.expose()).await.unwrap());
        assert!(
            !redeem(&app, "ch1", token.expose()).await.unwrap(),
            "reused"
        );
        assert!(!redeem(&app, "ch1", "").await.unwrap());
    }

    #[tokio::test]
    async fn an_expired_token_is_refused() {
        let app = app();
        let token = mint(&app, "ch1", Duration::seconds(-1)).await.unwrap();
        assert!(!redeem(&app, "ch1", token.expose()).await.unwrap());
    }

    #[test]
    fn the_hash_is_stable_and_hides_the_token() {
        let h = hash("abc");
        assert_eq!(
            h,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(!h.contains("abc"));
    }
}
