//! One PayTraq rate across processes: each company's GCRA "theoretical
//! arrival time" (see [`super::pacing::Gcra`]) kept in one record of the
//! record store, so that the processor, the stock sync and the admin
//! function (and every channel that shares the company) take their slots
//! from one bucket. On AWS the record is a DynamoDB item; locally a redb
//! record.
//!
//! A slot is taken with one read and one conditional write (the store's
//! expected-version put): the record is read, the next slot computed, and
//! written only if nobody wrote in between; a writer that lost the race
//! reads again and retries ([`update_with_retry`], bounded). Cost per
//! PayTraq request: one strongly consistent read (1 read unit: the item is
//! well under 4 KB) and one write (1 write unit: under 1 KB), plus one of
//! each per lost race.
//!
//! One token of PayTraq's burst is held in reserve
//! ([`Gcra::one_in_reserve`]): it absorbs the jitter of requests that reach
//! PayTraq later than their slot.
//!
//! Times are wall-clock microseconds since the Unix epoch: the one clock
//! every process agrees on (Lambda hosts keep it in sync to well under a
//! millisecond; a skew between two hosts shifts their slots by as much).
//! The record is keyed by the company's bucket key (a hash of its API key,
//! [`super::Pacer::key_for`]), never the key, and expires a day after its
//! last slot.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::pacing::Gcra;
use crate::store::{update_with_retry, Key, Record, RecordStore, StoreError};

/// How long a company's record outlives its last slot.
const KEEP_FOR: Duration = Duration::from_secs(24 * 3600);

/// The record of one company's bucket.
#[derive(Debug, Serialize, Deserialize)]
struct SlotDoc {
    /// The theoretical arrival time, µs since the Unix epoch.
    next_slot_us: u64,
}

/// The shared buckets, one record per company.
#[derive(Clone)]
pub(crate) struct SharedSlots {
    store: Arc<dyn RecordStore>,
}

impl std::fmt::Debug for SharedSlots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedSlots").finish_non_exhaustive()
    }
}

/// The partition key of every bucket record starts with this.
pub const SLOT_PK_PREFIX: &str = "PACE#";

/// The record key of a company's bucket.
pub fn slot_key(company: &str) -> Key {
    Key::new(format!("{SLOT_PK_PREFIX}{company}"), "#PACE")
}

impl SharedSlots {
    pub(crate) fn new(store: Arc<dyn RecordStore>) -> Self {
        Self { store }
    }

    /// Takes the company's next slot; returns when it starts (since the
    /// Unix epoch). `clock` is read after each read of the record, so a
    /// slow store or a lost race never grants a slot from a stale "now".
    pub(crate) async fn reserve(
        &self,
        gcra: &Gcra,
        company: &str,
        clock: impl Fn() -> Duration,
    ) -> Result<Duration, StoreError> {
        let gcra = gcra.one_in_reserve();
        self.update(company, |tat| {
            let now = clock();
            let (wait, next) = gcra.reserve(tat, now);
            (now + wait, next)
        })
        .await
    }

    /// After a 429: no slot for anyone until `wait` has passed.
    pub(crate) async fn pause(
        &self,
        gcra: &Gcra,
        company: &str,
        clock: impl Fn() -> Duration,
        wait: Duration,
    ) -> Result<(), StoreError> {
        let gcra = gcra.one_in_reserve();
        self.update(company, |tat| {
            let now = clock();
            (now, gcra.pause(tat, now, wait))
        })
        .await
        .map(drop)
    }

    /// Reads the company's bucket, applies `change` (old arrival time →
    /// the answer and the new arrival time) and writes it back if
    /// nobody wrote in between; after a lost race, all again.
    async fn update(
        &self,
        company: &str,
        change: impl Fn(Option<Duration>) -> (Duration, Duration),
    ) -> Result<Duration, StoreError> {
        let key = slot_key(company);
        let (key, change) = (&key, &change);
        update_with_retry(move || async move {
            let stored = self.store.get(key).await?;
            let (version, tat) = match &stored {
                None => (0, None),
                Some(record) => (record.version, Some(read_slot(record)?)),
            };
            let (answer, next) = change(tat);
            let next_slot_us = u64::try_from(next.as_micros()).map_err(|_| {
                StoreError::Corrupt(key.to_string(), "slot beyond the year 500000".into())
            })?;
            let doc = serde_json::to_string(&SlotDoc { next_slot_us })
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            let expires_at = i64::try_from((next + KEEP_FOR).as_secs()).ok();
            let record = Record {
                key: key.clone(),
                version: version + 1,
                doc,
                indexes: Vec::new(),
                expires_at,
            };
            self.store.put(record, version).await?;
            Ok(answer)
        })
        .await
    }
}

fn read_slot(record: &Record) -> Result<Duration, StoreError> {
    serde_json::from_str::<SlotDoc>(&record.doc)
        .map(|doc| Duration::from_micros(doc.next_slot_us))
        .map_err(|e| StoreError::Corrupt(record.key.to_string(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paytraq::{Pacer, PacerConfig};
    use crate::store::embedded::EmbeddedStore;
    use rust_decimal::Decimal;

    fn gcra() -> Gcra {
        Gcra::new(PacerConfig::default()).unwrap()
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// Today, in whole seconds (a record of 1970 would be long expired).
    fn today() -> Duration {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        secs(now.as_secs())
    }

    #[tokio::test]
    async fn two_processes_take_their_slots_from_one_bucket() {
        let store: Arc<dyn RecordStore> = Arc::new(EmbeddedStore::temporary().unwrap());
        let (a, b) = (SharedSlots::new(store.clone()), SharedSlots::new(store));
        let g = gcra();
        let now = today();
        // The burst (5, one held in reserve) is shared: A takes 3, B only 1
        // without waiting.
        let mut waits = Vec::new();
        for slots in [&a, &a, &a, &b, &b, &b, &a] {
            let at = slots.reserve(&g, "co", || now).await.unwrap();
            waits.push((at - now).as_secs());
        }
        assert_eq!(waits, [0, 0, 0, 0, 1, 2, 3]);
        // Another company has its own record.
        assert_eq!(b.reserve(&g, "other", || now).await.unwrap(), now);
    }

    #[tokio::test]
    async fn a_pause_in_one_process_holds_back_the_others() {
        let store: Arc<dyn RecordStore> = Arc::new(EmbeddedStore::temporary().unwrap());
        let (a, b) = (SharedSlots::new(store.clone()), SharedSlots::new(store));
        let g = gcra();
        let now = today();
        a.pause(&g, "co", || now, secs(30)).await.unwrap();
        assert_eq!(b.reserve(&g, "co", || now).await.unwrap(), now + secs(30));
    }

    #[tokio::test]
    async fn the_record_holds_a_hash_of_the_company_never_its_key_and_expires() {
        let store: Arc<dyn RecordStore> = Arc::new(EmbeddedStore::temporary().unwrap());
        let company = Pacer::key_for(&crate::secrets::Secret::new("secret-api-key"));
        let now = today();
        SharedSlots::new(store.clone())
            .reserve(&gcra(), &company, || now)
            .await
            .unwrap();
        let record = store.get(&slot_key(&company)).await.unwrap().unwrap();
        assert!(!record.key.to_string().contains("secret-api-key"));
        assert!(!record.doc.contains("secret-api-key"));
        assert_eq!(read_slot(&record).unwrap(), now + secs(1));
        let expires = now + secs(1) + KEEP_FOR;
        assert_eq!(record.expires_at, Some(expires.as_secs() as i64));
    }

    #[tokio::test]
    async fn a_corrupt_record_is_an_error_and_the_local_pacer_still_paces() {
        let store: Arc<dyn RecordStore> = Arc::new(EmbeddedStore::temporary().unwrap());
        let key = slot_key("co");
        let record = Record {
            key: key.clone(),
            version: 1,
            doc: "not json".into(),
            indexes: Vec::new(),
            expires_at: None,
        };
        store.put(record, 0).await.unwrap();
        let err = SharedSlots::new(store.clone())
            .reserve(&gcra(), "co", today)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Corrupt(..)), "{err:?}");
        // The pacer logs it and lets the request go on its own bucket.
        let pacer = Pacer::new(PacerConfig {
            rate_per_second: Decimal::ONE,
            burst: 5,
        })
        .unwrap()
        .shared_through(store);
        let done = tokio::time::timeout(secs(5), pacer.acquire("co")).await;
        assert!(done.is_ok(), "the pacer stopped a request");
    }
}
