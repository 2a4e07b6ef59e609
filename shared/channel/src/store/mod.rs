//! The record store port.
//!
//! The domain persists a handful of record kinds (channels, inbox orders,
//! sync runs, activation tokens, console sessions, caches). Both adapters implement one small
//! trait, [`RecordStore`]: versioned documents under a `(pk, sk)` key, each
//! optionally listed under secondary-index entries. A write names the
//! version it expects, which makes every state transition a conditional
//! write. [`Repo`] gives the typed API the domain uses on top of it; a
//! write that lost a race is tried again by [`update_with_retry`].
//!
//! Adapters: [`dynamodb::DynamoStore`] (AWS) and [`embedded::EmbeddedStore`]
//! (redb, used by `local`).

pub mod billing;
#[cfg(feature = "aws")]
pub mod dynamodb;
#[cfg(feature = "embedded")]
pub mod embedded;
#[cfg(feature = "embedded")]
mod file_check;
pub mod packed;
mod repo;
mod retry;
#[cfg(test)]
mod tests;

pub use repo::{Change, Repo};
pub use retry::{update_with_retry, UPDATE_ATTEMPTS, UPDATE_BACKOFF};

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stored version was not the one the writer expected.
    #[error("conflict: {0} was changed by someone else")]
    Conflict(String),
    #[error("stored record {0} is corrupt: {1}")]
    Corrupt(String, String),
    #[error("store backend: {0}")]
    Backend(String),
    /// The embedded store's file exists but is not a whole store. It is left
    /// exactly as it was: never re-initialised, repaired or written over.
    #[error(
        "the store file {path} is damaged: {reason}. It was left as it is. \
         Restore it from a backup, or move it away to start with an empty store"
    )]
    Damaged { path: String, reason: String },
}

/// Primary key of a record.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.pk, self.sk)
    }
}

/// The secondary indexes, named for what they list. On DynamoDB each is a
/// GSI with string keys `<name>pk` / `<name>sk` ([`Index::name`]); the
/// embedded store keeps an index table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Index {
    /// Listings: the orders of a channel by status, and all channels.
    Listings,
    /// Sparse: orders stored but not yet enqueued, by time.
    Pending,
}

impl Index {
    pub const ALL: [Index; 2] = [Index::Listings, Index::Pending];

    /// The name the adapters store the index under (the DynamoDB index and
    /// its key attributes, `template.yaml`, the embedded index table). It
    /// is part of the stored data and never changes.
    pub fn name(self) -> &'static str {
        match self {
            Index::Listings => "gsi1",
            Index::Pending => "gsi2",
        }
    }

    /// The index stored under `name`.
    pub fn from_name(name: &str) -> Option<Index> {
        Index::ALL.into_iter().find(|i| i.name() == name)
    }
}

/// A record's entry in a secondary index. `sort` values are kept unique by
/// the repository (it appends the record's own key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexEntry {
    pub index: Index,
    pub partition: String,
    pub sort: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub key: Key,
    /// Version after the last write (1 for a new record).
    pub version: u64,
    /// The record's JSON document.
    pub doc: String,
    pub indexes: Vec<IndexEntry>,
    /// Unix seconds after which the record is gone (DynamoDB TTL).
    pub expires_at: Option<i64>,
}

/// Which way a listing runs over the sort values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

/// One page of a listing; `next` is an opaque cursor for the following page.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

#[async_trait]
pub trait RecordStore: Send + Sync {
    /// Reads a record; an expired record reads as absent.
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError>;

    /// Writes `record` if the stored version equals `expected` (0: the record
    /// must not exist, or be expired). Returns the new version (`expected + 1`).
    async fn put(&self, record: Record, expected: u64) -> Result<u64, StoreError>;

    /// Deletes the record if its stored version equals `expected`.
    async fn delete(&self, key: &Key, expected: u64) -> Result<(), StoreError>;

    /// Records under one secondary-index partition in `direction` of their
    /// sort values, starting after `cursor`.
    async fn query_index(
        &self,
        index: Index,
        partition: &str,
        direction: Direction,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Record>, StoreError>;

    /// Records of one partition key whose sort key starts with `prefix`, in
    /// `direction` of their sort keys, starting after `cursor`.
    async fn query_prefix(
        &self,
        pk: &str,
        prefix: &str,
        direction: Direction,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Record>, StoreError>;

    /// How many entries one secondary-index partition holds, counted up to
    /// `cap` (a count of `cap` means "at least"), without reading the
    /// records themselves.
    async fn count_index(
        &self,
        index: Index,
        partition: &str,
        cap: usize,
    ) -> Result<usize, StoreError>;
}
