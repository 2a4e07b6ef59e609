//! The repository's optimistic updates against a store where a rival
//! writer gets in first: the change is applied again to the fresh copy, a
//! `Keep` writes nothing, and a race lost every time ends in the caller's
//! own words after [`UPDATE_ATTEMPTS`] tries. And the indexes keep their
//! stored names.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;

use super::embedded::EmbeddedStore;
use super::{
    Change, Direction, Index, Key, Page, Record, RecordStore, Repo, StoreError, UPDATE_ATTEMPTS,
};
use crate::model::{Channel, InboxOrder, OrderStatus};

/// A store where, before each of the next `races` writes to a record that
/// exists, a rival changes it (`rival` edits its JSON), so the write loses
/// its race.
struct Rival {
    inner: EmbeddedStore,
    races: AtomicU32,
    puts: AtomicU32,
    rival: fn(&mut serde_json::Value),
}

impl Rival {
    fn new(races: u32, rival: fn(&mut serde_json::Value)) -> Arc<Self> {
        Arc::new(Self {
            inner: EmbeddedStore::temporary().unwrap(),
            races: AtomicU32::new(races),
            puts: AtomicU32::new(0),
            rival,
        })
    }

    fn puts(&self) -> u32 {
        self.puts.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl RecordStore for Rival {
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        self.inner.get(key).await
    }

    async fn put(&self, record: Record, expected: u64) -> Result<u64, StoreError> {
        self.puts.fetch_add(1, Ordering::SeqCst);
        if let Some(mut theirs) = self.inner.get(&record.key).await? {
            let race = self
                .races
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if race {
                let mut doc: serde_json::Value = serde_json::from_str(&theirs.doc).unwrap();
                (self.rival)(&mut doc);
                theirs.doc = doc.to_string();
                let version = theirs.version;
                theirs.version += 1;
                self.inner.put(theirs, version).await?;
            }
        }
        self.inner.put(record, expected).await
    }

    async fn delete(&self, key: &Key, expected: u64) -> Result<(), StoreError> {
        self.inner.delete(key, expected).await
    }

    async fn query_index(
        &self,
        index: Index,
        partition: &str,
        direction: Direction,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Record>, StoreError> {
        self.inner
            .query_index(index, partition, direction, cursor, limit)
            .await
    }

    async fn query_prefix(
        &self,
        pk: &str,
        prefix: &str,
        direction: Direction,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Record>, StoreError> {
        self.inner
            .query_prefix(pk, prefix, direction, cursor, limit)
            .await
    }

    async fn count_index(
        &self,
        index: Index,
        partition: &str,
        cap: usize,
    ) -> Result<usize, StoreError> {
        self.inner.count_index(index, partition, cap).await
    }
}

fn rename(doc: &mut serde_json::Value) {
    doc["name"] = "renamed by the rival".into();
}

fn clear_pending(doc: &mut serde_json::Value) {
    doc["pending_since"] = serde_json::Value::Null;
    doc["reason"] = "enqueued by the rival".into();
}

async fn with_channel(store: &Arc<Rival>) -> Repo {
    let repo = Repo::new(store.clone());
    let mut channel = Channel::new("ch1", "Shop", "https://shop.example.lv");
    repo.save_channel(&mut channel).await.unwrap();
    repo
}

#[tokio::test]
async fn a_change_that_lost_a_race_is_applied_to_the_fresh_copy() {
    let store = Rival::new(2, rename);
    let repo = with_channel(&store).await;
    let updated = repo
        .update_channel("ch1", |c| c.wc_version = Some("8.9.1".into()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        updated.name, "renamed by the rival",
        "the rival's write is kept"
    );
    assert_eq!(updated.wc_version.as_deref(), Some("8.9.1"));
    let stored = repo.get_channel("ch1").await.unwrap().unwrap();
    assert_eq!(stored, updated);
    // One save of the set-up, then three tries: two lost, one won.
    assert_eq!(store.puts(), 4);
}

#[tokio::test]
async fn an_unknown_channel_is_none() {
    let repo = Repo::new(Rival::new(0, rename));
    let out = repo.update_channel("nope", |c| c.name.clear()).await;
    assert!(matches!(out, Ok(None)), "{out:?}");
}

#[tokio::test]
async fn a_race_lost_every_time_gives_up_in_the_callers_words() {
    let store = Rival::new(u32::MAX, rename);
    let repo = with_channel(&store).await;
    let out = repo.update_channel("ch1", |c| c.name.clear()).await;
    assert!(
        matches!(&out, Err(StoreError::Conflict(what)) if what == "channel ch1"),
        "{out:?}"
    );
    assert_eq!(store.puts(), 1 + UPDATE_ATTEMPTS);
}

fn pending_order() -> InboxOrder {
    let now = Utc::now();
    InboxOrder {
        channel_id: "ch1".into(),
        key: "42".into(),
        order_id: Some(42),
        modified_gmt: Some(now),
        payload: "{}".into(),
        summary: None,
        status: OrderStatus::Received,
        reason: None,
        paytraq: Default::default(),
        effect_in_doubt: None,
        notes_sent: Vec::new(),
        timeline: Vec::new(),
        pending_since: Some(now),
        received_at: now,
        updated_at: now,
        version: 0,
    }
}

#[tokio::test]
async fn keep_writes_nothing_and_answers() {
    let store = Rival::new(0, clear_pending);
    let repo = Repo::new(store.clone());
    let mut order = pending_order();
    repo.save_order(&mut order).await.unwrap();
    let (kept, answer) = repo
        .update_order_from(order.clone(), |o| Change::Keep(o.status))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (kept.version, answer),
        (order.version, OrderStatus::Received)
    );
    assert_eq!(store.puts(), 1, "only the set-up wrote");
}

#[tokio::test]
async fn marking_enqueued_after_a_rival_did_it_writes_nothing_more() {
    let store = Rival::new(1, clear_pending);
    let repo = Repo::new(store.clone());
    let mut order = pending_order();
    repo.save_order(&mut order).await.unwrap();
    repo.mark_enqueued(order).await.unwrap();
    let stored = repo.get_order("ch1", "42").await.unwrap().unwrap();
    assert_eq!(stored.pending_since, None);
    assert_eq!(stored.reason.as_deref(), Some("enqueued by the rival"));
    // The set-up, one lost write; the fresh copy needed no write.
    assert_eq!(store.puts(), 2);
}

#[test]
fn indexes_keep_the_names_the_stored_data_uses() {
    assert_eq!(Index::Listings.name(), "gsi1");
    assert_eq!(Index::Pending.name(), "gsi2");
    for index in Index::ALL {
        assert_eq!(Index::from_name(index.name()), Some(index));
    }
    assert_eq!(Index::from_name("gsi3"), None);
}
