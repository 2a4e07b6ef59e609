//! A record store that counts what it is asked, in DynamoDB's on-demand
//! billing units, for the pacing and cost benchmarks. It passes every call
//! to the store it wraps, and bills each call by the rules of
//! [`channel::store::billing`] on the items the DynamoDB adapter would
//! write: the document deflated when large, a put billed on the larger of
//! the item before and after (the meter reads the item before, unbilled),
//! keys-only index entries written only when their keys change.
//!
//! Reads: `DynamoStore` reads records and prefix queries strongly
//! consistent; an index listing reads the keys-only index eventually
//! consistent and then each record strongly consistent (`BatchGetItem`,
//! billed per item).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use channel::paytraq::shared_pacing::SLOT_PK_PREFIX;
use channel::store::billing;
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

    fn read_billed(&self, halves: u64) {
        Self::add(&self.counts.queries, 1);
        Self::add(&self.counts.read_halves, halves);
    }
}

#[async_trait]
impl RecordStore for MeteredStore {
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        let got = self.inner.get(key).await?;
        let bytes = got.as_ref().map_or(0, billing::item_bytes);
        Self::add(&self.counts.gets, 1);
        Self::add(&self.counts.read_halves, billing::read_halves(bytes, true));
        Ok(got)
    }

    async fn put(&self, record: Record, expected: u64) -> Result<u64, StoreError> {
        let before = self.inner.get(&record.key).await?;
        let table = billing::table_write_units(before.as_ref(), &record);
        let indexes = billing::index_write_units(before.as_ref(), &record);
        Self::add(&self.counts.puts, 1);
        if record.key.pk.starts_with(SLOT_PK_PREFIX) {
            Self::add(&self.counts.pacing_puts, 1);
        }
        let put = self.inner.put(record, expected).await;
        match &put {
            Ok(_) => Self::add(&self.counts.write_units, table + indexes),
            Err(StoreError::Conflict(_)) => {
                Self::add(&self.counts.conflicts, 1);
                Self::add(&self.counts.write_units, table);
            }
            // Nothing reached the table.
            Err(_) => {}
        }
        put
    }

    async fn delete(&self, key: &Key, expected: u64) -> Result<(), StoreError> {
        let before = self.inner.get(key).await?;
        Self::add(&self.counts.deletes, 1);
        Self::add(
            &self.counts.write_units,
            billing::delete_units(before.as_ref()),
        );
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
        let entries: u64 = page
            .items
            .iter()
            .map(|r| billing::index_entry_bytes(r, index))
            .sum();
        let records: u64 = page
            .items
            .iter()
            .map(|r| billing::read_halves(billing::item_bytes(r), true))
            .sum();
        self.read_billed(billing::read_halves(entries, false) + records);
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
        let bytes = page.items.iter().map(billing::item_bytes).sum();
        self.read_billed(billing::read_halves(bytes, true));
        Ok(page)
    }

    /// A `Select: COUNT` query is billed for the index entries it reads;
    /// an entry (keys only: table and index keys) is taken as 100 bytes,
    /// read eventually consistent.
    async fn count_index(
        &self,
        index: Index,
        partition: &str,
        cap: usize,
    ) -> Result<usize, StoreError> {
        let n = self.inner.count_index(index, partition, cap).await?;
        Self::add(
            &self.counts.read_halves,
            billing::read_halves(n as u64 * 100, false),
        );
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use channel::store::embedded::EmbeddedStore;
    use channel::store::IndexEntry;

    /// `n` bytes that deflate does not shrink (a linear congruential
    /// sequence of letters), so the item is billed at about `n` bytes.
    fn noise(n: usize) -> String {
        let mut x: u32 = 12_345;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                char::from(b'a' + ((x >> 16) % 26) as u8)
            })
            .collect()
    }

    fn record(sk: &str, doc: String, version: u64, indexed: bool) -> Record {
        Record {
            key: Key::new("CH#a", sk),
            version,
            doc,
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
    async fn writes_and_reads_are_billed_by_dynamodb_rules() {
        let store = MeteredStore::new(Arc::new(EmbeddedStore::temporary().unwrap()));
        // A new item of a few KB (deflate saves little on noise) with a
        // listing entry: its units + 1 index write.
        let big = record("ORDER#1", noise(3_000), 0, true);
        let units = billing::item_bytes(&big).div_ceil(1024);
        assert!(units >= 2, "{units}");
        let v1 = store.put(big, 0).await.unwrap();
        // Refused by its condition: the larger item is billed, no index.
        assert!(store
            .put(record("ORDER#1", "{}".into(), 0, true), 0)
            .await
            .is_err());
        // Saved smaller, same index keys: billed on the larger before, no index.
        store
            .put(record("ORDER#1", "{}".into(), v1, true), v1)
            .await
            .unwrap();
        // 20 KB that deflates to a few dozen bytes: 1 unit.
        store
            .put(record("ORDER#2", "x".repeat(20_000), 0, false), 0)
            .await
            .unwrap();
        assert_eq!(store.counts().write_units, (units + 1) + units + units + 1);
        // Strongly consistent gets: one unit each, of nothing as well.
        store.get(&Key::new("CH#a", "ORDER#1")).await.unwrap();
        store.get(&Key::new("CH#a", "ORDER#9")).await.unwrap();
        // A listing: the keys-only entries read eventually consistent (half a
        // unit), the one record strongly (one unit).
        let page = store
            .query_index(
                Index::Listings,
                "CH#a#S#done",
                Direction::Ascending,
                None,
                10,
            )
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);
        let c = store.counts();
        assert_eq!((c.puts, c.conflicts, c.gets, c.queries), (4, 1, 2, 1));
        assert_eq!(c.read_units(), 1.0 + 1.0 + 1.5);
    }
}
