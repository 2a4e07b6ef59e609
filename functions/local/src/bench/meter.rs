//! A record store that counts what it is asked, in DynamoDB's on-demand
//! billing units, for the pacing and cost benchmarks. It passes every call
//! to the store it wraps.
//!
//! Units (DynamoDB developer guide, "Read/write capacity mode"): a write
//! costs one write unit per started KB of the item, once for the table and
//! once more for each secondary index the item is in (our indexes project
//! every attribute); a write that loses its condition is billed all the
//! same. A strongly consistent read costs one read unit per started 4 KB
//! (a get of nothing still costs one); an eventually consistent one half
//! of that. `DynamoStore` reads records and prefix queries strongly, index
//! queries (GSIs) eventually. A query is billed on the sum of the items it
//! returns, rounded up to 4 KB.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use channel::paytraq::shared_pacing::SLOT_PK_PREFIX;
use channel::store::{Direction, Index, Key, Page, Record, RecordStore, StoreError};

/// What the wrapped store was asked, so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreCounts {
    pub gets: u64,
    pub puts: u64,
    /// Puts refused because someone else wrote first.
    pub conflicts: u64,
    pub deletes: u64,
    pub queries: u64,
    /// Puts of the shared PayTraq pacing record (`PACE#…`), lost races included.
    pub pacing_puts: u64,
    /// Read request units, in halves (an eventually consistent 4 KB is one).
    pub read_halves: u64,
    pub write_units: u64,
}

impl StoreCounts {
    pub fn read_units(&self) -> f64 {
        self.read_halves as f64 / 2.0
    }

    /// What happened between `earlier` and this snapshot.
    pub fn since(&self, earlier: &StoreCounts) -> StoreCounts {
        StoreCounts {
            gets: self.gets - earlier.gets,
            puts: self.puts - earlier.puts,
            conflicts: self.conflicts - earlier.conflicts,
            deletes: self.deletes - earlier.deletes,
            queries: self.queries - earlier.queries,
            pacing_puts: self.pacing_puts - earlier.pacing_puts,
            read_halves: self.read_halves - earlier.read_halves,
            write_units: self.write_units - earlier.write_units,
        }
    }
}

#[derive(Default)]
struct Counters {
    gets: AtomicU64,
    puts: AtomicU64,
    conflicts: AtomicU64,
    deletes: AtomicU64,
    queries: AtomicU64,
    pacing_puts: AtomicU64,
    read_halves: AtomicU64,
    write_units: AtomicU64,
}

/// The wrapper; clones of the `Arc` share the counts.
pub struct MeteredStore {
    inner: Arc<dyn RecordStore>,
    counts: Counters,
}

impl MeteredStore {
    pub fn new(inner: Arc<dyn RecordStore>) -> Self {
        Self {
            inner,
            counts: Counters::default(),
        }
    }

    pub fn counts(&self) -> StoreCounts {
        let c = &self.counts;
        let load = |n: &AtomicU64| n.load(Ordering::Relaxed);
        StoreCounts {
            gets: load(&c.gets),
            puts: load(&c.puts),
            conflicts: load(&c.conflicts),
            deletes: load(&c.deletes),
            queries: load(&c.queries),
            pacing_puts: load(&c.pacing_puts),
            read_halves: load(&c.read_halves),
            write_units: load(&c.write_units),
        }
    }

    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    fn query_billed(&self, page: &Page<Record>, consistent: bool) {
        let bytes: u64 = page.items.iter().map(item_bytes).sum();
        let units = bytes.div_ceil(4096).max(1);
        Self::add(&self.counts.queries, 1);
        Self::add(
            &self.counts.read_halves,
            if consistent { units * 2 } else { units },
        );
    }
}

/// The size DynamoDB bills an item at: attribute names and values
/// (`pk`, `sk`, `doc`, `version`, `expires_at`, each index's two keys).
pub fn item_bytes(record: &Record) -> u64 {
    let text = |name: &str, value: &str| (name.len() + value.len()) as u64;
    let number = |name: &str| name.len() as u64 + 8;
    let mut size = text("pk", &record.key.pk)
        + text("sk", &record.key.sk)
        + text("doc", &record.doc)
        + number("version");
    if record.expires_at.is_some() {
        size += number("expires_at");
    }
    for entry in &record.indexes {
        let name = entry.index.name();
        size += text(&format!("{name}pk"), &entry.partition);
        size += text(&format!("{name}sk"), &entry.sort);
    }
    size
}

#[async_trait]
impl RecordStore for MeteredStore {
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        let got = self.inner.get(key).await?;
        let units = got
            .as_ref()
            .map_or(1, |r| item_bytes(r).div_ceil(4096).max(1));
        Self::add(&self.counts.gets, 1);
        Self::add(&self.counts.read_halves, units * 2);
        Ok(got)
    }

    async fn put(&self, record: Record, expected: u64) -> Result<u64, StoreError> {
        let per_copy = item_bytes(&record).div_ceil(1024).max(1);
        let copies = 1 + record.indexes.len() as u64;
        Self::add(&self.counts.puts, 1);
        if record.key.pk.starts_with(SLOT_PK_PREFIX) {
            Self::add(&self.counts.pacing_puts, 1);
        }
        Self::add(&self.counts.write_units, per_copy * copies);
        let put = self.inner.put(record, expected).await;
        if matches!(put, Err(StoreError::Conflict(_))) {
            Self::add(&self.counts.conflicts, 1);
        }
        put
    }

    async fn delete(&self, key: &Key, expected: u64) -> Result<(), StoreError> {
        Self::add(&self.counts.deletes, 1);
        Self::add(&self.counts.write_units, 1);
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
        let page = self
            .inner
            .query_index(index, partition, direction, cursor, limit)
            .await?;
        self.query_billed(&page, false);
        Ok(page)
    }

    async fn query_prefix(
        &self,
        pk: &str,
        prefix: &str,
        direction: Direction,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Record>, StoreError> {
        let page = self
            .inner
            .query_prefix(pk, prefix, direction, cursor, limit)
            .await?;
        self.query_billed(&page, true);
        Ok(page)
    }

    /// A `Select: COUNT` query is billed for the index entries it reads;
    /// an entry of this table's indexes (keys only) is taken as 100 bytes,
    /// read eventually consistent (half a unit per 4 KB).
    async fn count_index(
        &self,
        index: Index,
        partition: &str,
        cap: usize,
    ) -> Result<usize, StoreError> {
        let n = self.inner.count_index(index, partition, cap).await?;
        let units = (n as u64 * 100).div_ceil(4096).max(1);
        Self::add(&self.counts.read_halves, units);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use channel::store::embedded::EmbeddedStore;
    use channel::store::IndexEntry;

    fn record(doc_bytes: usize, indexed: bool) -> Record {
        Record {
            key: Key::new("CH#a", "ORDER#1"),
            version: 1,
            doc: "x".repeat(doc_bytes),
            indexes: match indexed {
                true => vec![IndexEntry {
                    index: Index::Listings,
                    partition: "CH#a#S#done".into(),
                    sort: "1".into(),
                }],
                false => Vec::new(),
            },
            expires_at: None,
        }
    }

    #[tokio::test]
    async fn writes_and_reads_are_billed_by_item_size_and_index() {
        let store = MeteredStore::new(Arc::new(EmbeddedStore::temporary().unwrap()));
        // 3,000 bytes of document: 3 KB started → 3 units, twice with one index.
        store.put(record(3_000, true), 0).await.unwrap();
        // A write that loses its condition is billed too.
        assert!(store.put(record(100, false), 0).await.is_err());
        // A strongly consistent read of a 3 KB item: one unit; of nothing: one.
        store.get(&Key::new("CH#a", "ORDER#1")).await.unwrap();
        store.get(&Key::new("CH#a", "ORDER#2")).await.unwrap();
        // An index query is eventually consistent: half a unit.
        store
            .query_index(
                Index::Listings,
                "CH#a#S#done",
                Direction::Ascending,
                None,
                10,
            )
            .await
            .unwrap();
        let c = store.counts();
        assert_eq!((c.puts, c.conflicts, c.gets, c.queries), (2, 1, 2, 1));
        assert_eq!(c.write_units, 3 * 2 + 1);
        assert_eq!(c.read_units(), 2.5);
    }
}
