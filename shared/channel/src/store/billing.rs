//! What DynamoDB bills, on demand, for this store's calls: the item as
//! [`dynamodb`](super) lays a [`Record`] out (its document [`Packed`]), its
//! size by DynamoDB's rules, and the writes its keys-only indexes take. The
//! cost benchmark meters the store with it; the adapter's tests check that
//! it sizes the very items the adapter writes.
//!
//! Rules (DynamoDB developer guide, "DynamoDB item sizes and formats",
//! "Read/write capacity mode" and "Global secondary indexes: write
//! capacity"):
//! - an item's size is the UTF-8 length of each attribute's name plus its
//!   value (a string's bytes, a binary's bytes, a number's significant
//!   digits / 2 + 1);
//! - a put costs one write unit per started KB of the larger of the item
//!   before and after (a put that loses its condition is billed as well);
//!   a delete, of the item deleted;
//! - per index: an entry added or removed costs one write, an entry whose
//!   keys change costs two (delete and put), an entry that stays as it was
//!   costs none (the index projects keys only); an entry is under 1 KB; a
//!   put refused by its condition writes no index;
//! - a strongly consistent read costs one read unit per started 4 KB (a
//!   get of nothing costs one), an eventually consistent read half of that;
//!   a query is billed on the sum of what it reads, a `BatchGetItem` per
//!   item.

use super::packed::Packed;
use super::{Index, IndexEntry, Record};

/// Size of a number attribute's value as DynamoDB counts it.
fn number_bytes(n: i128) -> u64 {
    let digits = n
        .unsigned_abs()
        .to_string()
        .trim_end_matches('0')
        .len()
        .max(1) as u64;
    digits.div_ceil(2) + 1
}

/// The size DynamoDB bills the item of `record` at.
pub fn item_bytes(record: &Record) -> u64 {
    let text = |name: &str, value: usize| (name.len() + value) as u64;
    let packed = Packed::pack(&record.doc);
    let doc = text(packed.attribute(), packed.len());
    let mut size = text("pk", record.key.pk.len())
        + text("sk", record.key.sk.len())
        + doc
        + "version".len() as u64
        + number_bytes(i128::from(record.version));
    if let Some(t) = record.expires_at {
        size += "expires_at".len() as u64 + number_bytes(i128::from(t));
    }
    for entry in &record.indexes {
        let name = entry.index.name();
        size += text(&format!("{name}pk"), entry.partition.len());
        size += text(&format!("{name}sk"), entry.sort.len());
    }
    size
}

/// Write units of putting `after` over `before` (`None`: a new item): the
/// table's and the indexes'.
pub fn put_units(before: Option<&Record>, after: &Record) -> u64 {
    table_write_units(before, after) + index_write_units(before, after)
}

/// The table's part of a put, billed whether or not its condition holds.
pub fn table_write_units(before: Option<&Record>, after: &Record) -> u64 {
    let larger = before.map_or(0, item_bytes).max(item_bytes(after));
    larger.div_ceil(1024).max(1)
}

/// The indexes' part of a put: written only when the put succeeds.
pub fn index_write_units(before: Option<&Record>, after: &Record) -> u64 {
    index_writes(before.map(|r| r.indexes.as_slice()), &after.indexes)
}

/// Write units of deleting `before` (`None`: nothing was there).
pub fn delete_units(before: Option<&Record>) -> u64 {
    match before {
        Some(record) => item_bytes(record).div_ceil(1024).max(1) + record.indexes.len() as u64,
        None => 1,
    }
}

/// Index writes when a record's entries go from `before` to `after`.
fn index_writes(before: Option<&[IndexEntry]>, after: &[IndexEntry]) -> u64 {
    let before = before.unwrap_or_default();
    let entry = |entries: &[IndexEntry], index: Index| {
        entries
            .iter()
            .find(|e| e.index == index)
            .map(|e| (e.partition.clone(), e.sort.clone()))
    };
    Index::ALL
        .into_iter()
        .map(|index| match (entry(before, index), entry(after, index)) {
            (None, None) => 0,
            (Some(_), None) | (None, Some(_)) => 1,
            (Some(old), Some(new)) if old == new => 0,
            (Some(_), Some(_)) => 2,
        })
        .sum()
}

/// Read units, in halves, of reading `bytes` in one request (a query's
/// items together, or one item): strongly consistent = two halves per
/// started 4 KB, at least one unit.
pub fn read_halves(bytes: u64, consistent: bool) -> u64 {
    let units = bytes.div_ceil(4096).max(1);
    if consistent {
        units * 2
    } else {
        units
    }
}

/// The bytes of an index entry read by a keys-only index query: the table
/// key and the index key.
pub fn index_entry_bytes(record: &Record, index: Index) -> u64 {
    let keys = ("pk".len() + record.key.pk.len() + "sk".len() + record.key.sk.len()) as u64;
    keys + record
        .indexes
        .iter()
        .filter(|e| e.index == index)
        .map(|e| (2 * (index.name().len() + 2) + e.partition.len() + e.sort.len()) as u64)
        .sum::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Key;

    fn record(doc: String, status: &str, pending: bool) -> Record {
        let mut indexes = vec![IndexEntry {
            index: Index::Listings,
            partition: format!("CH#c1#S#{status}"),
            sort: "00000000000000000042".into(),
        }];
        if pending {
            indexes.push(IndexEntry {
                index: Index::Pending,
                partition: "CH#c1#PENDING".into(),
                sort: "2026-11-30T10:00:00.000Z#42".into(),
            });
        }
        Record {
            key: Key::new("CH#c1", "ORDER#00000000000000000042"),
            version: 3,
            doc,
            indexes,
            expires_at: None,
        }
    }

    #[test]
    fn numbers_are_sized_by_their_significant_digits() {
        assert_eq!(number_bytes(0), 2);
        assert_eq!(number_bytes(7), 2);
        assert_eq!(number_bytes(100), 2);
        assert_eq!(number_bytes(123), 3);
        assert_eq!(number_bytes(1_764_500_000), 4);
        assert_eq!(number_bytes(1_764_512_345), 6);
    }

    #[test]
    fn a_save_that_keeps_the_index_keys_costs_the_table_write_alone() {
        let before = record("{\"a\":1}".into(), "queued", false);
        let after = record("{\"a\":2}".into(), "queued", false);
        assert_eq!(put_units(Some(&before), &after), 1);
        // A status change moves the listing entry: delete + put.
        let moved = record("{\"a\":2}".into(), "done", false);
        assert_eq!(put_units(Some(&before), &moved), 3);
        // A new record with both entries: one write each.
        assert_eq!(put_units(None, &record("{}".into(), "queued", true)), 3);
        // The pending entry removed: one write.
        let pending = record("{}".into(), "queued", true);
        assert_eq!(put_units(Some(&pending), &before), 2);
        assert_eq!(table_write_units(Some(&pending), &moved), 1);
        assert_eq!(delete_units(Some(&pending)), 3);
        assert_eq!(delete_units(None), 1);
    }

    #[test]
    fn a_large_document_is_billed_at_its_deflated_size_and_the_larger_of_before_and_after() {
        let doc = format!(
            "{{\"timeline\":[{}]}}",
            vec!["{\"kind\":\"created\",\"detail\":\"invoice created\"}"; 200].join(",")
        );
        assert!(doc.len() > 8 * 1024);
        let big = record(doc, "done", false);
        assert!(item_bytes(&big) < 1024, "{}", item_bytes(&big));
        let small = record("{}".into(), "done", false);
        assert_eq!(put_units(Some(&small), &big), 1);
        // A document that stays text (small) is billed as it is.
        let plain = record("{\"a\":1}".into(), "done", false);
        assert_eq!(
            item_bytes(&plain),
            item_bytes(&small) + ("{\"a\":1}".len() - "{}".len()) as u64
        );
        assert_eq!(read_halves(5000, true), 4);
        assert_eq!(read_halves(5000, false), 2);
        assert_eq!(read_halves(0, false), 1);
    }
}
