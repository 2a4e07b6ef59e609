//! Typed access to the records, on top of any [`RecordStore`].
//!
//! Key layout (one table):
//!
//! | record            | pk             | sk                 | `Listings` (partition / sort)    | `Pending` (sparse)            |
//! |-------------------|----------------|--------------------|----------------------------------|-------------------------------|
//! | channel           | `CH#<id>`      | `#CHANNEL`         | `CHANNELS` / `<id>`              |                               |
//! | inbox order       | `CH#<id>`      | `ORDER#<key>`      | `CH#<id>#S#<status>` / `<key>`   | `CH#<id>#PENDING` / `<t>#<key>` |
//! | sync run          | `CH#<id>`      | `SYNC#<run id>`    |                                  |                               |
//! | cache entry       | `CH#<id>`      | `CACHE#<name>`     |                                  |                               |
//! | activation token  | `TOKEN#<hash>` | `#TOKEN`           |                                  |                               |
//! | console session   | `SESSION#<hash>` | `#SESSION`       |                                  |                               |
//! | PayTraq pacing    | `PACE#<hash>`  | `#PACE`            |                                  |                               |
//!
//! Numeric order keys are zero-padded in `sk` so that listings sort by order id.
//! The pacing record (a company's next slot, keyed by a hash of its API key)
//! is written by [`crate::paytraq::shared_pacing`], not here.
//! The adapters store `Listings` as `gsi1` and `Pending` as `gsi2` ([`Index::name`]).

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{de::DeserializeOwned, Serialize};

use super::retry::update_with_retry;
use super::{Direction, Index, IndexEntry, Key, Page, Record, RecordStore, StoreError};
use crate::model::{
    ActivationToken, Channel, ConsoleSession, InboxOrder, OrderStatus, SyncRun, TimelineEvent,
    UpsertOutcome,
};

/// What a change made of the fresh copy of a record it was shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change<R> {
    /// Save the changed copy; the update then answers `R`.
    Save(R),
    /// Save nothing (the record is already as wanted, or must not change);
    /// the update answers `R`.
    Keep(R),
}

#[derive(Clone)]
pub struct Repo {
    store: Arc<dyn RecordStore>,
}

impl Repo {
    pub fn new(store: Arc<dyn RecordStore>) -> Self {
        Self { store }
    }

    pub fn records(&self) -> &Arc<dyn RecordStore> {
        &self.store
    }

    // ---- channels -------------------------------------------------------

    pub async fn get_channel(&self, id: &str) -> Result<Option<Channel>, StoreError> {
        self.get_doc(&channel_key(id)).await
    }

    /// Saves a channel if nobody changed it since it was read (`version`).
    pub async fn save_channel(&self, channel: &mut Channel) -> Result<(), StoreError> {
        channel.updated_at = Utc::now();
        let indexes = vec![IndexEntry {
            index: Index::Listings,
            partition: "CHANNELS".into(),
            sort: channel.id.clone(),
        }];
        let key = channel_key(&channel.id);
        channel.version = self
            .put_doc(key, &*channel, channel.version, indexes, None)
            .await?;
        Ok(())
    }

    /// Applies `change` to the freshest copy of a channel and saves it;
    /// after a lost race the channel is read again and `change` runs on the
    /// fresh copy ([`update_with_retry`]). `None`: no such channel.
    pub async fn update_channel(
        &self,
        id: &str,
        change: impl Fn(&mut Channel),
    ) -> Result<Option<Channel>, StoreError> {
        let Some(channel) = self.get_channel(id).await? else {
            return Ok(None);
        };
        self.update_channel_from(channel, change).await
    }

    /// [`Repo::update_channel`] starting from a copy already read (it is
    /// read again only after a lost race).
    pub async fn update_channel_from(
        &self,
        channel: Channel,
        change: impl Fn(&mut Channel),
    ) -> Result<Option<Channel>, StoreError> {
        let id = channel.id.clone();
        let updated = self
            .update_record(channel, |c| {
                change(c);
                Change::Save(())
            })
            .await
            .map_err(|e| gave_up(e, || format!("channel {id}")))?;
        Ok(updated.map(|(channel, ())| channel))
    }

    pub async fn list_channels(
        &self,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Channel>, StoreError> {
        let page = self
            .store
            .query_index(
                Index::Listings,
                "CHANNELS",
                Direction::Ascending,
                cursor,
                limit,
            )
            .await?;
        decode_page(page)
    }

    /// Every channel, all pages.
    pub async fn all_channels(&self) -> Result<Vec<Channel>, StoreError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.list_channels(cursor.as_deref(), 100).await?;
            out.extend(page.items);
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }

    // ---- inbox ----------------------------------------------------------

    pub async fn get_order(
        &self,
        channel_id: &str,
        key: &str,
    ) -> Result<Option<InboxOrder>, StoreError> {
        self.get_doc(&order_key(channel_id, key)).await
    }

    /// Saves an order if nobody moved it since it was read (`version`).
    pub async fn save_order(&self, order: &mut InboxOrder) -> Result<(), StoreError> {
        order.updated_at = Utc::now();
        let key = order_key(&order.channel_id, &order.key);
        let indexes = order_indexes(order);
        order.version = self
            .put_doc(key, &*order, order.version, indexes, None)
            .await?;
        Ok(())
    }

    /// Stores an incoming order payload: inserts it when new, replaces the
    /// payload (keeping processing state, ids and timeline) when it is newer
    /// than the stored one by `modified_gmt` (or as new, with a different
    /// summary), and leaves everything alone otherwise. A new or replaced payload is marked pending for the queue.
    pub async fn upsert_order(&self, incoming: InboxOrder) -> Result<UpsertOutcome, StoreError> {
        let key = order_key(&incoming.channel_id, &incoming.key);
        let (key_ref, incoming) = (&key, &incoming);
        update_with_retry(move || async move {
            match self.get_doc::<InboxOrder>(key_ref).await? {
                None => {
                    let mut order = incoming.clone();
                    order.version = 0;
                    if order.pending_since.is_none() {
                        order.pending_since = Some(Utc::now());
                    }
                    self.save_order(&mut order).await?;
                    Ok(UpsertOutcome::Inserted(order))
                }
                Some(stored) => {
                    let newer = match (incoming.modified_gmt, stored.modified_gmt) {
                        // WooCommerce's timestamps have whole seconds: a change in the
                        // same second (e.g. paid right after checkout) shows in the summary.
                        (Some(new), Some(old)) => {
                            new > old || (new == old && incoming.summary != stored.summary)
                        }
                        (Some(_), None) => true,
                        (None, _) => false,
                    };
                    if !newer {
                        return Ok(UpsertOutcome::Unchanged(stored));
                    }
                    let mut order = stored;
                    order.order_id = incoming.order_id;
                    order.modified_gmt = incoming.modified_gmt;
                    order.payload = incoming.payload.clone();
                    order.summary = incoming.summary.clone();
                    order.pending_since = Some(Utc::now());
                    order.record(TimelineEvent::now(
                        "payload_updated",
                        match &order.summary {
                            Some(s) => {
                                format!("order changed in the shop (status {})", s.wc_status)
                            }
                            None => "order changed in the shop".to_string(),
                        },
                    ));
                    self.save_order(&mut order).await?;
                    Ok(UpsertOutcome::Updated(order))
                }
            }
        })
        .await
        .map_err(|e| gave_up(e, || format!("{key} (upsert kept losing races)")))
    }

    /// Applies `change` to an order already read, and saves it unless the
    /// change says [`Change::Keep`]. After a lost race the order is read
    /// again and `change` runs on the fresh copy ([`update_with_retry`]).
    /// `None`: the order is gone.
    pub async fn update_order_from<R>(
        &self,
        order: InboxOrder,
        change: impl Fn(&mut InboxOrder) -> Change<R>,
    ) -> Result<Option<(InboxOrder, R)>, StoreError> {
        self.update_record(order, change).await
    }

    /// Orders of a channel, optionally of one status, ascending by order key.
    pub async fn list_orders(
        &self,
        channel_id: &str,
        status: Option<OrderStatus>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<InboxOrder>, StoreError> {
        self.list_orders_in(channel_id, status, Direction::Ascending, cursor, limit)
            .await
    }

    /// [`Repo::list_orders`] in either direction of the order key
    /// (descending: newest order first).
    pub async fn list_orders_in(
        &self,
        channel_id: &str,
        status: Option<OrderStatus>,
        direction: Direction,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<InboxOrder>, StoreError> {
        let page = match status {
            Some(status) => {
                self.store
                    .query_index(
                        Index::Listings,
                        &status_partition(channel_id, status),
                        direction,
                        cursor,
                        limit,
                    )
                    .await?
            }
            None => {
                self.store
                    .query_prefix(&channel_pk(channel_id), "ORDER#", direction, cursor, limit)
                    .await?
            }
        };
        decode_page(page)
    }

    /// How many orders of a channel have `status`, counted up to `cap`,
    /// from the status listing alone (no order is read).
    pub async fn count_orders(
        &self,
        channel_id: &str,
        status: OrderStatus,
        cap: usize,
    ) -> Result<usize, StoreError> {
        self.store
            .count_index(Index::Listings, &status_partition(channel_id, status), cap)
            .await
    }

    /// Orders stored but not handed to the queue since before `older_than`.
    pub async fn list_pending(
        &self,
        channel_id: &str,
        older_than: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<InboxOrder>, StoreError> {
        let partition = format!("{}#PENDING", channel_pk(channel_id));
        let page = self
            .store
            .query_index(
                Index::Pending,
                &partition,
                Direction::Ascending,
                None,
                limit,
            )
            .await?;
        let orders: Page<InboxOrder> = decode_page(page)?;
        Ok(orders
            .items
            .into_iter()
            .filter(|o| o.pending_since.is_some_and(|t| t < older_than))
            .collect())
    }

    /// Clears the pending mark once the order is on the queue. Losing a race
    /// is fine: whoever moved the order on has seen it.
    pub async fn mark_enqueued(&self, order: InboxOrder) -> Result<(), StoreError> {
        let key = order.key.clone();
        self.update_order_from(order, |o| match o.pending_since.take() {
            Some(_) => Change::Save(()),
            None => Change::Keep(()),
        })
        .await
        .map(|_| ())
        .map_err(|e| gave_up(e, || format!("order {key} (mark enqueued)")))
    }

    // ---- sync runs ------------------------------------------------------

    pub async fn get_sync_run(
        &self,
        channel_id: &str,
        run_id: &str,
    ) -> Result<Option<SyncRun>, StoreError> {
        self.get_doc(&Key::new(channel_pk(channel_id), format!("SYNC#{run_id}")))
            .await
    }

    pub async fn save_sync_run(&self, run: &mut SyncRun) -> Result<(), StoreError> {
        let key = Key::new(channel_pk(&run.channel_id), format!("SYNC#{}", run.run_id));
        run.version = self
            .put_doc(key, &*run, run.version, Vec::new(), None)
            .await?;
        Ok(())
    }

    /// Sync runs of a channel, oldest first (run ids are time-ordered).
    pub async fn list_sync_runs(
        &self,
        channel_id: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<SyncRun>, StoreError> {
        self.list_sync_runs_in(channel_id, Direction::Ascending, cursor, limit)
            .await
    }

    /// [`Repo::list_sync_runs`] in either direction (descending: newest first).
    pub async fn list_sync_runs_in(
        &self,
        channel_id: &str,
        direction: Direction,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<SyncRun>, StoreError> {
        let page = self
            .store
            .query_prefix(&channel_pk(channel_id), "SYNC#", direction, cursor, limit)
            .await?;
        decode_page(page)
    }

    // ---- activation tokens ---------------------------------------------

    pub async fn put_token(&self, token: &mut ActivationToken) -> Result<(), StoreError> {
        let key = token_key(&token.token_hash);
        let expires = Some(token.expires_at.timestamp());
        token.version = self
            .put_doc(key, &*token, token.version, Vec::new(), expires)
            .await?;
        Ok(())
    }

    /// Consumes a token: returns it once, and never again. An expired token
    /// reads as absent.
    pub async fn take_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<ActivationToken>, StoreError> {
        let key = token_key(token_hash);
        let Some(record) = self.store.get(&key).await? else {
            return Ok(None);
        };
        let token: ActivationToken = decode(&record)?;
        match self.store.delete(&key, record.version).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => return Ok(None),
            Err(e) => return Err(e),
        }
        Ok((token.expires_at > Utc::now()).then_some(token))
    }

    // ---- console sessions ---------------------------------------------

    /// Stores a new session; it is gone from the store once it expires.
    pub async fn put_session(&self, session: &mut ConsoleSession) -> Result<(), StoreError> {
        let key = session_key(&session.id_hash);
        let expires = Some(session.expires_at.timestamp());
        session.version = self
            .put_doc(key, &*session, session.version, Vec::new(), expires)
            .await?;
        Ok(())
    }

    /// The session with this id hash, unless it is unknown or expired.
    pub async fn get_session(&self, id_hash: &str) -> Result<Option<ConsoleSession>, StoreError> {
        let session: Option<ConsoleSession> = self.get_doc(&session_key(id_hash)).await?;
        Ok(session.filter(|s| s.expires_at > Utc::now()))
    }

    /// Removes a session (sign-out). Removing one already gone is fine.
    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        let key = session_key(id_hash);
        let Some(record) = self.store.get(&key).await? else {
            return Ok(());
        };
        match self.store.delete(&key, record.version).await {
            Ok(()) | Err(StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    // ---- per-channel caches ----------------------------------------------

    pub async fn get_cached<T: DeserializeOwned>(
        &self,
        channel_id: &str,
        name: &str,
    ) -> Result<Option<T>, StoreError> {
        self.get_doc(&cache_key(channel_id, name)).await
    }

    /// Last writer wins: caches hold facts re-derivable from PayTraq or WooCommerce.
    pub async fn put_cached<T: Serialize>(
        &self,
        channel_id: &str,
        name: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        let key = cache_key(channel_id, name);
        let key_ref = &key;
        update_with_retry(move || async move {
            let expected = self.store.get(key_ref).await?.map_or(0, |r| r.version);
            self.put_doc(key_ref.clone(), value, expected, Vec::new(), None)
                .await
                .map(|_| ())
        })
        .await
        .map_err(|e| gave_up(e, || key.to_string()))
    }

    // ---- plumbing ---------------------------------------------------------

    /// The read-change-write loop behind the typed updates: the first
    /// attempt changes `first`, each later one a freshly read copy.
    async fn update_record<T: Versioned, R>(
        &self,
        first: T,
        change: impl Fn(&mut T) -> Change<R>,
    ) -> Result<Option<(T, R)>, StoreError> {
        let key = first.key();
        let (key, change) = (&key, &change);
        let mut in_hand = Some(first);
        update_with_retry(move || {
            let in_hand = in_hand.take();
            async move {
                let mut record = match in_hand {
                    Some(record) => record,
                    None => match self.get_doc::<T>(key).await? {
                        Some(fresh) => fresh,
                        None => return Ok(None),
                    },
                };
                let answer = match change(&mut record) {
                    Change::Keep(answer) => answer,
                    Change::Save(answer) => {
                        record.save(self).await?;
                        answer
                    }
                };
                Ok(Some((record, answer)))
            }
        })
        .await
    }

    async fn get_doc<T: DeserializeOwned>(&self, key: &Key) -> Result<Option<T>, StoreError> {
        match self.store.get(key).await? {
            Some(record) => Ok(Some(decode(&record)?)),
            None => Ok(None),
        }
    }

    async fn put_doc<T: Serialize + ?Sized>(
        &self,
        key: Key,
        value: &T,
        expected: u64,
        indexes: Vec<IndexEntry>,
        expires_at: Option<i64>,
    ) -> Result<u64, StoreError> {
        let mut doc = serde_json::to_value(value)
            .map_err(|e| StoreError::Corrupt(key.to_string(), e.to_string()))?;
        // The document carries the version it is written as.
        if let Some(obj) = doc.as_object_mut() {
            if obj.contains_key("version") {
                obj.insert("version".into(), (expected + 1).into());
            }
        }
        let record = Record {
            key,
            version: expected + 1,
            doc: doc.to_string(),
            indexes,
            expires_at,
        };
        self.store.put(record, expected).await
    }
}

/// The records the typed updates change: where each is stored and how it is saved.
trait Versioned: DeserializeOwned {
    fn key(&self) -> Key;
    async fn save(&mut self, repo: &Repo) -> Result<(), StoreError>;
}

impl Versioned for Channel {
    fn key(&self) -> Key {
        channel_key(&self.id)
    }
    async fn save(&mut self, repo: &Repo) -> Result<(), StoreError> {
        repo.save_channel(self).await
    }
}

impl Versioned for InboxOrder {
    fn key(&self) -> Key {
        order_key(&self.channel_id, &self.key)
    }
    async fn save(&mut self, repo: &Repo) -> Result<(), StoreError> {
        repo.save_order(self).await
    }
}

/// A conflict that outlasted every attempt, said in the caller's words.
fn gave_up(e: StoreError, what: impl FnOnce() -> String) -> StoreError {
    match e {
        StoreError::Conflict(_) => StoreError::Conflict(what()),
        other => other,
    }
}

fn decode<T: DeserializeOwned>(record: &Record) -> Result<T, StoreError> {
    let mut doc: serde_json::Value = serde_json::from_str(&record.doc)
        .map_err(|e| StoreError::Corrupt(record.key.to_string(), e.to_string()))?;
    if let Some(obj) = doc.as_object_mut() {
        if obj.contains_key("version") {
            obj.insert("version".into(), record.version.into());
        }
    }
    serde_json::from_value(doc)
        .map_err(|e| StoreError::Corrupt(record.key.to_string(), e.to_string()))
}

fn decode_page<T: DeserializeOwned>(page: Page<Record>) -> Result<Page<T>, StoreError> {
    Ok(Page {
        items: page.items.iter().map(decode).collect::<Result<_, _>>()?,
        next: page.next,
    })
}

fn channel_pk(id: &str) -> String {
    format!("CH#{id}")
}

fn channel_key(id: &str) -> Key {
    Key::new(channel_pk(id), "#CHANNEL")
}

fn token_key(hash: &str) -> Key {
    Key::new(format!("TOKEN#{hash}"), "#TOKEN")
}

fn session_key(hash: &str) -> Key {
    Key::new(format!("SESSION#{hash}"), "#SESSION")
}

fn cache_key(channel_id: &str, name: &str) -> Key {
    Key::new(channel_pk(channel_id), format!("CACHE#{name}"))
}

/// Zero-pads numeric order keys so they sort numerically.
fn sortable_order_key(key: &str) -> String {
    if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
        format!("{key:0>20}")
    } else {
        key.to_string()
    }
}

fn order_key(channel_id: &str, key: &str) -> Key {
    Key::new(
        channel_pk(channel_id),
        format!("ORDER#{}", sortable_order_key(key)),
    )
}

fn status_partition(channel_id: &str, status: OrderStatus) -> String {
    format!("{}#S#{}", channel_pk(channel_id), status.as_str())
}

fn order_indexes(order: &InboxOrder) -> Vec<IndexEntry> {
    let sortable = sortable_order_key(&order.key);
    let mut entries = vec![IndexEntry {
        index: Index::Listings,
        partition: status_partition(&order.channel_id, order.status),
        sort: sortable.clone(),
    }];
    if let Some(since) = order.pending_since {
        entries.push(IndexEntry {
            index: Index::Pending,
            partition: format!("{}#PENDING", channel_pk(&order.channel_id)),
            sort: format!(
                "{}#{}",
                since.to_rfc3339_opts(SecondsFormat::Millis, true),
                sortable
            ),
        });
    }
    entries
}
