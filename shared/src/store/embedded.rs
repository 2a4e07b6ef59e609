//! The embedded record store: a redb database file in the data directory,
//! used by `local`. Every write is one redb transaction that checks the
//! expected version and maintains the secondary-index table, so it gives
//! the same guarantees as the DynamoDB adapter's conditional writes.

use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use redb::{Database, Durability, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use super::{Index, IndexEntry, Key, Page, Record, RecordStore, StoreError};

/// `pk \0 sk` → JSON of [`Stored`].
const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("records");
/// `index \0 partition \0 sort` → `pk \0 sk`.
const INDEX: TableDefinition<&str, &str> = TableDefinition::new("index");

const SEP: char = '\0';

#[derive(Serialize, Deserialize)]
struct Stored {
    version: u64,
    doc: String,
    indexes: Vec<(String, String, String)>,
    expires_at: Option<i64>,
}

#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
    durability: Durability,
}

impl EmbeddedStore {
    /// Opens (or creates) `<dir>/channel.redb`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| backend(format!("create {}: {e}", dir.display())))?;
        let db = Database::create(dir.join("channel.redb")).map_err(backend)?;
        let txn = db.begin_write().map_err(backend)?;
        txn.open_table(RECORDS).map_err(backend)?;
        txn.open_table(INDEX).map_err(backend)?;
        txn.commit().map_err(backend)?;
        Ok(Self {
            db: Arc::new(db),
            durability: Durability::Immediate,
        })
    }

    /// A store in a fresh temporary file, for tests and benchmarks.
    pub fn temporary() -> Result<Self, StoreError> {
        let dir = std::env::temp_dir().join(format!("channel-store-{}", uuid::Uuid::new_v4()));
        Self::open(&dir)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Database, Durability) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let db = self.db.clone();
        let durability = self.durability;
        tokio::task::spawn_blocking(move || f(&db, durability))
            .await
            .map_err(|e| backend(format!("store task: {e}")))?
    }
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn record_id(key: &Key) -> Result<String, StoreError> {
    if key.pk.contains(SEP) || key.sk.contains(SEP) {
        return Err(StoreError::Backend(format!(
            "key {key} contains a NUL character"
        )));
    }
    Ok(format!("{}{SEP}{}", key.pk, key.sk))
}

fn index_id(index: &str, partition: &str, sort: &str) -> String {
    format!("{index}{SEP}{partition}{SEP}{sort}")
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn live(stored: &Stored) -> bool {
    stored.expires_at.is_none_or(|t| t > now())
}

fn decode(id: &str, bytes: &[u8]) -> Result<Stored, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Corrupt(id.replace(SEP, "/"), e.to_string()))
}

fn to_record(key: Key, stored: Stored) -> Record {
    Record {
        key,
        version: stored.version,
        doc: stored.doc,
        indexes: stored
            .indexes
            .into_iter()
            .map(|(index, partition, sort)| IndexEntry {
                index: if index == Index::Gsi2.name() {
                    Index::Gsi2
                } else {
                    Index::Gsi1
                },
                partition,
                sort,
            })
            .collect(),
        expires_at: stored.expires_at,
    }
}

fn split_id(id: &str) -> Key {
    let (pk, sk) = id.split_once(SEP).unwrap_or((id, ""));
    Key::new(pk, sk)
}

#[async_trait]
impl RecordStore for EmbeddedStore {
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        let key = key.clone();
        self.blocking(move |db, _| {
            let id = record_id(&key)?;
            let txn = db.begin_read().map_err(backend)?;
            let table = txn.open_table(RECORDS).map_err(backend)?;
            let Some(value) = table.get(id.as_str()).map_err(backend)? else {
                return Ok(None);
            };
            let stored = decode(&id, value.value())?;
            Ok(live(&stored).then(|| to_record(key, stored)))
        })
        .await
    }

    async fn put(&self, record: Record, expected: u64) -> Result<u64, StoreError> {
        self.blocking(move |db, durability| {
            let id = record_id(&record.key)?;
            let mut txn = db.begin_write().map_err(backend)?;
            txn.set_durability(durability);
            {
                let mut records = txn.open_table(RECORDS).map_err(backend)?;
                let mut index = txn.open_table(INDEX).map_err(backend)?;
                let previous = match records.get(id.as_str()).map_err(backend)? {
                    Some(v) => Some(decode(&id, v.value())?),
                    None => None,
                };
                let current = previous
                    .as_ref()
                    .filter(|s| live(s))
                    .map_or(0, |s| s.version);
                if current != expected {
                    return Err(StoreError::Conflict(record.key.to_string()));
                }
                if let Some(previous) = previous {
                    for (i, p, s) in &previous.indexes {
                        index.remove(index_id(i, p, s).as_str()).map_err(backend)?;
                    }
                }
                let stored = Stored {
                    version: expected + 1,
                    doc: record.doc,
                    indexes: record
                        .indexes
                        .iter()
                        .map(|e| {
                            (
                                e.index.name().to_string(),
                                e.partition.clone(),
                                e.sort.clone(),
                            )
                        })
                        .collect(),
                    expires_at: record.expires_at,
                };
                for (i, p, s) in &stored.indexes {
                    index
                        .insert(index_id(i, p, s).as_str(), id.as_str())
                        .map_err(backend)?;
                }
                let bytes = serde_json::to_vec(&stored).map_err(backend)?;
                records
                    .insert(id.as_str(), bytes.as_slice())
                    .map_err(backend)?;
            }
            txn.commit().map_err(backend)?;
            Ok(expected + 1)
        })
        .await
    }

    async fn delete(&self, key: &Key, expected: u64) -> Result<(), StoreError> {
        let key = key.clone();
        self.blocking(move |db, durability| {
            let id = record_id(&key)?;
            let mut txn = db.begin_write().map_err(backend)?;
            txn.set_durability(durability);
            {
                let mut records = txn.open_table(RECORDS).map_err(backend)?;
                let mut index = txn.open_table(INDEX).map_err(backend)?;
                let stored = match records.get(id.as_str()).map_err(backend)? {
                    Some(v) => decode(&id, v.value())?,
                    None => return Err(StoreError::Conflict(key.to_string())),
                };
                if stored.version != expected {
                    return Err(StoreError::Conflict(key.to_string()));
                }
                for (i, p, s) in &stored.indexes {
                    index.remove(index_id(i, p, s).as_str()).map_err(backend)?;
                }
                records.remove(id.as_str()).map_err(backend)?;
            }
            txn.commit().map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn query_index(
        &self,
        index: Index,
        partition: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Record>, StoreError> {
        let prefix = index_id(index.name(), partition, "");
        let start = match cursor {
            Some(c) => Bound::Excluded(index_id(index.name(), partition, c)),
            None => Bound::Included(prefix.clone()),
        };
        self.blocking(move |db, _| {
            let txn = db.begin_read().map_err(backend)?;
            let idx = txn.open_table(INDEX).map_err(backend)?;
            let records = txn.open_table(RECORDS).map_err(backend)?;
            let range = idx
                .range::<&str>((start.as_ref().map(|s| s.as_str()), Bound::Unbounded))
                .map_err(backend)?;
            let mut items = Vec::new();
            let mut next = None;
            for entry in range {
                let (k, v) = entry.map_err(backend)?;
                let Some(sort) = k.value().strip_prefix(prefix.as_str()) else {
                    break;
                };
                if items.len() == limit {
                    next = items.last().map(|(s, _): &(String, Record)| s.clone());
                    break;
                }
                let id = v.value().to_string();
                let Some(raw) = records.get(id.as_str()).map_err(backend)? else {
                    continue;
                };
                let stored = decode(&id, raw.value())?;
                if live(&stored) {
                    items.push((sort.to_string(), to_record(split_id(&id), stored)));
                }
            }
            Ok(Page {
                items: items.into_iter().map(|(_, r)| r).collect(),
                next,
            })
        })
        .await
    }

    async fn query_prefix(
        &self,
        pk: &str,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Record>, StoreError> {
        let base = format!("{pk}{SEP}");
        let full_prefix = format!("{base}{prefix}");
        let start = match cursor {
            Some(c) => Bound::Excluded(format!("{base}{c}")),
            None => Bound::Included(full_prefix.clone()),
        };
        self.blocking(move |db, _| {
            let txn = db.begin_read().map_err(backend)?;
            let records = txn.open_table(RECORDS).map_err(backend)?;
            let range = records
                .range::<&str>((start.as_ref().map(|s| s.as_str()), Bound::Unbounded))
                .map_err(backend)?;
            let mut items: Vec<Record> = Vec::new();
            let mut next = None;
            for entry in range {
                let (k, v) = entry.map_err(backend)?;
                let id = k.value();
                if !id.starts_with(full_prefix.as_str()) {
                    break;
                }
                if items.len() == limit {
                    next = items.last().map(|r| r.key.sk.clone());
                    break;
                }
                let stored = decode(id, v.value())?;
                if live(&stored) {
                    items.push(to_record(split_id(id), stored));
                }
            }
            Ok(Page { items, next })
        })
        .await
    }
}
