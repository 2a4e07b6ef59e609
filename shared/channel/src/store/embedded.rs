//! The embedded record store: a redb database file in the data directory,
//! used by `local`. Every write checks the expected version and maintains
//! the secondary-index table inside a redb transaction, so it gives the same
//! guarantees as the DynamoDB adapter's conditional writes.
//!
//! Writes go through one writer thread that applies every write waiting at
//! that moment in one transaction with one durable commit (group commit):
//! each write still succeeds or conflicts on its own, and none is answered
//! before its commit is on disk.

use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use redb::{Database, Durability, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::{file_check, Direction, Index, IndexEntry, Key, Page, Record, RecordStore, StoreError};
use crate::datadir;

/// The store's file in the data directory.
pub const FILE_NAME: &str = "channel.redb";

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

/// Most writes applied in one transaction.
const GROUP_MAX: usize = 512;

enum Write {
    Put(Record, u64, oneshot::Sender<Result<u64, StoreError>>),
    Delete(Key, u64, oneshot::Sender<Result<(), StoreError>>),
}

#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
    writes: std::sync::mpsc::Sender<Write>,
}

impl EmbeddedStore {
    /// Opens `<dir>/channel.redb`, or creates it if there is no such file.
    /// The directory is made private (`0700`) and the file `0600`. An
    /// existing file that is empty, truncated or damaged is refused with
    /// [`StoreError::Damaged`] and left untouched ([`file_check`]).
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        Self::on(open_database(dir)?)
    }

    /// Writes what `<dir>/channel.redb` holds into a fresh file and puts that
    /// in its place. redb keeps a record's earlier versions in free pages
    /// until it reuses them; the fresh file has only the live records, so
    /// nothing written over (a secret stored in clear before sealing) stays
    /// behind. The store must not be open.
    pub fn rewrite(dir: &Path) -> Result<(), StoreError> {
        let path = dir.join(FILE_NAME);
        let fresh = dir.join(format!("{FILE_NAME}.rewrite"));
        let fail =
            |e: &dyn std::fmt::Display| backend(format!("rewriting {}: {e}", path.display()));
        let old = open_database(dir)?;
        match std::fs::remove_file(&fresh) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(fail(&e)),
            _ => {}
        }
        datadir::create_private(&fresh).map_err(|e| fail(&e))?;
        let new = Database::create(&fresh).map_err(|e| fail(&e))?;
        copy_tables(&old, &new).map_err(|e| fail(&e))?;
        drop(new);
        drop(old);
        std::fs::rename(&fresh, &path).map_err(|e| fail(&e))?;
        datadir::sync_dir(dir).map_err(|e| fail(&e))
    }
}

/// Copies both tables, every entry, in one transaction (committed durably).
fn copy_tables(from: &Database, to: &Database) -> Result<(), StoreError> {
    let read = from.begin_read().map_err(backend)?;
    let write = to.begin_write().map_err(backend)?;
    {
        let records = read.open_table(RECORDS).map_err(backend)?;
        let mut copy = write.open_table(RECORDS).map_err(backend)?;
        for entry in records.iter().map_err(backend)? {
            let (key, value) = entry.map_err(backend)?;
            copy.insert(key.value(), value.value()).map_err(backend)?;
        }
        let index = read.open_table(INDEX).map_err(backend)?;
        let mut copy = write.open_table(INDEX).map_err(backend)?;
        for entry in index.iter().map_err(backend)? {
            let (key, value) = entry.map_err(backend)?;
            copy.insert(key.value(), value.value()).map_err(backend)?;
        }
    }
    write.commit().map_err(backend)
}

/// Opens (or creates) `<dir>/channel.redb`, refusing a damaged file.
fn open_database(dir: &Path) -> Result<Database, StoreError> {
    datadir::prepare(dir).map_err(|e| {
        backend(format!(
            "preparing the data directory {}: {e}",
            dir.display()
        ))
    })?;
    let path = dir.join(FILE_NAME);
    let exists = path
        .try_exists()
        .map_err(|e| backend(format!("{}: {e}", path.display())))?;
    if !exists {
        create_file(dir, &path)?;
    }
    datadir::tighten(&path, datadir::FILE_MODE)
        .map_err(|e| backend(format!("making {} private: {e}", path.display())))?;
    let damaged = |reason: String| StoreError::Damaged {
        path: path.display().to_string(),
        reason,
    };
    match file_check::damage(&path) {
        Ok(None) => {}
        Ok(Some(reason)) => return Err(damaged(reason)),
        Err(e) => return Err(backend(format!("reading {}: {e}", path.display()))),
    }
    // A store closed a moment ago may still be releasing the file.
    let mut attempts = 0;
    let db = loop {
        let opened =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Database::open(&path)));
        match opened {
            Ok(Ok(db)) => break db,
            Ok(Err(redb::DatabaseError::DatabaseAlreadyOpen)) if attempts < 50 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(40));
            }
            Ok(Err(redb::DatabaseError::Storage(redb::StorageError::Corrupted(reason)))) => {
                return Err(damaged(reason))
            }
            Ok(Err(e)) => return Err(backend(format!("opening {}: {e}", path.display()))),
            Err(panic) => {
                return Err(damaged(format!(
                    "the store library failed opening it: {}",
                    file_check::panic_text(panic.as_ref())
                )))
            }
        }
    };
    Ok(db)
}

impl EmbeddedStore {
    /// A store in memory, for tests and benchmarks: the same tables, writer
    /// and group commit as on disk, without the file and its fsyncs (which
    /// made every save of a test cost a disk flush). Nothing is left behind.
    pub fn temporary() -> Result<Self, StoreError> {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(backend)?;
        Self::on(db)
    }

    /// Creates the tables if missing and starts the writer thread.
    fn on(db: Database) -> Result<Self, StoreError> {
        let txn = db.begin_write().map_err(backend)?;
        txn.open_table(RECORDS).map_err(backend)?;
        txn.open_table(INDEX).map_err(backend)?;
        txn.commit().map_err(backend)?;
        let db = Arc::new(db);
        let (writes, queue) = std::sync::mpsc::channel();
        let writer_db = db.clone();
        std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer(&writer_db, &queue))
            .map_err(backend)?;
        Ok(Self { db, writes })
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(|e| backend(format!("store task: {e}")))?
    }

    async fn write<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Write,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.writes
            .send(make(tx))
            .map_err(|_| backend("the store writer has stopped"))?;
        rx.await
            .map_err(|_| backend("the store writer has stopped"))?
    }
}

/// Creates a new store file at `path`: built complete under a temporary
/// name, then linked into place, so that `path` is either absent or a whole
/// store (a crash while creating leaves no half-made file that would later
/// be refused as damaged). The link fails if `path` appeared meanwhile.
fn create_file(dir: &Path, path: &Path) -> Result<(), StoreError> {
    let fail = |e: &dyn std::fmt::Display| backend(format!("creating {}: {e}", path.display()));
    let partial = dir.join(format!("{FILE_NAME}.new"));
    match std::fs::remove_file(&partial) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(fail(&e)),
        _ => {}
    }
    datadir::create_private(&partial).map_err(|e| fail(&e))?;
    drop(Database::create(&partial).map_err(|e| fail(&e))?);
    let linked = std::fs::hard_link(&partial, path);
    let removed = std::fs::remove_file(&partial);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(fail(&e)),
    }
    removed.map_err(|e| fail(&e))?;
    datadir::sync_dir(dir).map_err(|e| fail(&e))
}

/// The writer thread: takes every write waiting, applies them in one
/// transaction, commits once, then answers each.
fn writer(db: &Database, queue: &std::sync::mpsc::Receiver<Write>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < GROUP_MAX {
            match queue.try_recv() {
                Ok(w) => batch.push(w),
                Err(_) => break,
            }
        }
        match apply(db, &batch) {
            Ok(results) => {
                for (w, result) in batch.into_iter().zip(results) {
                    match (w, result) {
                        (Write::Put(_, _, tx), r) => {
                            let _ = tx.send(r);
                        }
                        (Write::Delete(_, _, tx), r) => {
                            let _ = tx.send(r.map(|_| ()));
                        }
                    }
                }
            }
            Err(e) => {
                let msg = e.to_string();
                for w in batch {
                    match w {
                        Write::Put(_, _, tx) => {
                            let _ = tx.send(Err(backend(&msg)));
                        }
                        Write::Delete(_, _, tx) => {
                            let _ = tx.send(Err(backend(&msg)));
                        }
                    }
                }
            }
        }
    }
}

/// Applies a group of writes in one durable transaction. The outer error
/// fails the whole group (nothing was committed); inner results are per write.
fn apply(db: &Database, batch: &[Write]) -> Result<Vec<Result<u64, StoreError>>, StoreError> {
    let mut txn = db.begin_write().map_err(backend)?;
    txn.set_durability(Durability::Immediate);
    let mut results = Vec::with_capacity(batch.len());
    {
        let mut records = txn.open_table(RECORDS).map_err(backend)?;
        let mut index = txn.open_table(INDEX).map_err(backend)?;
        for w in batch {
            let result = match w {
                Write::Put(record, expected, _) => {
                    put_one(&mut records, &mut index, record, *expected)?
                }
                Write::Delete(key, expected, _) => {
                    delete_one(&mut records, &mut index, key, *expected)?.map(|()| 0)
                }
            };
            results.push(result);
        }
    }
    txn.commit().map_err(backend)?;
    Ok(results)
}

type Records<'t> = redb::Table<'t, &'static str, &'static [u8]>;
type IndexTable<'t> = redb::Table<'t, &'static str, &'static str>;

/// One conditional put. Outer error: the transaction is unusable; inner: this write's outcome.
fn put_one(
    records: &mut Records<'_>,
    index: &mut IndexTable<'_>,
    record: &Record,
    expected: u64,
) -> Result<Result<u64, StoreError>, StoreError> {
    let id = match record_id(&record.key) {
        Ok(id) => id,
        Err(e) => return Ok(Err(e)),
    };
    let previous = match records.get(id.as_str()).map_err(backend)? {
        Some(v) => match decode(&id, v.value()) {
            Ok(s) => Some(s),
            Err(e) => return Ok(Err(e)),
        },
        None => None,
    };
    let current = previous
        .as_ref()
        .filter(|s| live(s))
        .map_or(0, |s| s.version);
    if current != expected {
        return Ok(Err(StoreError::Conflict(record.key.to_string())));
    }
    if let Some(previous) = previous {
        for (i, p, s) in &previous.indexes {
            index.remove(index_id(i, p, s).as_str()).map_err(backend)?;
        }
    }
    let stored = Stored {
        version: expected + 1,
        doc: record.doc.clone(),
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
    Ok(Ok(expected + 1))
}

fn delete_one(
    records: &mut Records<'_>,
    index: &mut IndexTable<'_>,
    key: &Key,
    expected: u64,
) -> Result<Result<(), StoreError>, StoreError> {
    let id = match record_id(key) {
        Ok(id) => id,
        Err(e) => return Ok(Err(e)),
    };
    let stored = match records.get(id.as_str()).map_err(backend)? {
        Some(v) => match decode(&id, v.value()) {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        },
        None => return Ok(Err(StoreError::Conflict(key.to_string()))),
    };
    if stored.version != expected {
        return Ok(Err(StoreError::Conflict(key.to_string())));
    }
    for (i, p, s) in &stored.indexes {
        index.remove(index_id(i, p, s).as_str()).map_err(backend)?;
    }
    records.remove(id.as_str()).map_err(backend)?;
    Ok(Ok(()))
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
                index: Index::from_name(&index).unwrap_or(Index::Listings),
                partition,
                sort,
            })
            .collect(),
        expires_at: stored.expires_at,
    }
}

/// The key range of the entries starting with `prefix` that come after
/// `cursor` in `direction` (the cursor is a whole key).
fn bounds(
    prefix: &str,
    cursor: Option<&str>,
    direction: Direction,
) -> (Bound<String>, Bound<String>) {
    // Above every key starting with `prefix`: no UTF-8 character sorts after U+10FFFF.
    let end = Bound::Excluded(format!("{prefix}{}", char::MAX));
    match (direction, cursor) {
        (Direction::Ascending, Some(c)) => (Bound::Excluded(c.to_string()), end),
        (Direction::Ascending, None) => (Bound::Included(prefix.to_string()), end),
        (Direction::Descending, Some(c)) => (
            Bound::Included(prefix.to_string()),
            Bound::Excluded(c.to_string()),
        ),
        (Direction::Descending, None) => (Bound::Included(prefix.to_string()), end),
    }
}

fn as_str(bound: &Bound<String>) -> Bound<&str> {
    bound.as_ref().map(String::as_str)
}

/// A range's entries in `direction`.
fn directed<'a, I>(range: I, direction: Direction) -> Box<dyn Iterator<Item = I::Item> + 'a>
where
    I: DoubleEndedIterator + 'a,
{
    match direction {
        Direction::Ascending => Box::new(range),
        Direction::Descending => Box::new(range.rev()),
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
        self.blocking(move |db| {
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
        self.write(|tx| Write::Put(record, expected, tx)).await
    }

    async fn delete(&self, key: &Key, expected: u64) -> Result<(), StoreError> {
        let key = key.clone();
        self.write(|tx| Write::Delete(key, expected, tx)).await
    }

    async fn query_index(
        &self,
        index: Index,
        partition: &str,
        direction: Direction,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Record>, StoreError> {
        let prefix = index_id(index.name(), partition, "");
        let cursor = cursor.map(|c| index_id(index.name(), partition, c));
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let idx = txn.open_table(INDEX).map_err(backend)?;
            let records = txn.open_table(RECORDS).map_err(backend)?;
            let (low, high) = bounds(&prefix, cursor.as_deref(), direction);
            let range = idx
                .range::<&str>((as_str(&low), as_str(&high)))
                .map_err(backend)?;
            let mut items = Vec::new();
            let mut next = None;
            for entry in directed(range, direction) {
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
        direction: Direction,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Record>, StoreError> {
        let base = format!("{pk}{SEP}");
        let full_prefix = format!("{base}{prefix}");
        let cursor = cursor.map(|c| format!("{base}{c}"));
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let records = txn.open_table(RECORDS).map_err(backend)?;
            let (low, high) = bounds(&full_prefix, cursor.as_deref(), direction);
            let range = records
                .range::<&str>((as_str(&low), as_str(&high)))
                .map_err(backend)?;
            let mut items: Vec<Record> = Vec::new();
            let mut next = None;
            for entry in directed(range, direction) {
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

    /// Counts the index entries alone (the records are not read, so an
    /// expired record not yet removed still counts; the indexed records,
    /// channels and orders, never expire).
    async fn count_index(
        &self,
        index: Index,
        partition: &str,
        cap: usize,
    ) -> Result<usize, StoreError> {
        let prefix = index_id(index.name(), partition, "");
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let idx = txn.open_table(INDEX).map_err(backend)?;
            let (low, high) = bounds(&prefix, None, Direction::Ascending);
            let range = idx
                .range::<&str>((as_str(&low), as_str(&high)))
                .map_err(backend)?;
            let mut count = 0;
            for entry in range.take(cap) {
                let (k, _) = entry.map_err(backend)?;
                if !k.value().starts_with(prefix.as_str()) {
                    break;
                }
                count += 1;
            }
            Ok(count)
        })
        .await
    }
}
