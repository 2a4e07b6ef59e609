//! The DynamoDB record store. One table, keys `pk`/`sk`, the document in
//! `doc` (a JSON string: money stays a decimal string, never a float) or,
//! when it is large, deflated in `docz` ([`super::packed`]), the version in
//! `version`, TTL in `expires_at`, and two GSIs `gsi1` ([`Index::Listings`])
//! and `gsi2` ([`Index::Pending`]) on `gsiNpk`/`gsiNsk`.
//! Writes are conditional on `version`.
//!
//! The indexes project keys only: a save that leaves a record's index keys
//! as they were writes nothing to them (an order is saved at every step of
//! the pipeline, its status changes a few times). A listing reads the keys
//! from the index and the records themselves with `BatchGetItem`, strongly
//! consistent, and leaves out a record whose current entry is no longer in
//! the partition listed (the index lags the table by a moment).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, KeysAndAttributes, Projection, ProjectionType, ScalarAttributeType, Select,
};
use aws_sdk_dynamodb::Client;
use base64::Engine;

use super::packed::{self, Packed};
use super::{Direction, Index, IndexEntry, Key, Page, Record, RecordStore, StoreError};

/// `BatchGetItem` takes at most this many keys.
const BATCH_GET_MAX: usize = 100;

/// Tries of a `BatchGetItem` that DynamoDB answered only in part
/// (`UnprocessedKeys`, under throttling) before the listing fails.
const BATCH_GET_TRIES: u32 = 6;

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Creates the table with the layout `template.yaml` declares (for the
    /// emulator in tests; on AWS the stack creates it).
    pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(backend)
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(backend)
        };
        let gsi = |index: Index| -> Result<GlobalSecondaryIndex, StoreError> {
            let name = index.name();
            GlobalSecondaryIndex::builder()
                .index_name(name)
                .key_schema(key(&format!("{name}pk"), KeyType::Hash)?)
                .key_schema(key(&format!("{name}sk"), KeyType::Range)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::KeysOnly)
                        .build(),
                )
                .build()
                .map_err(backend)
        };
        client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("pk")?)
            .attribute_definitions(attr("sk")?)
            .attribute_definitions(attr("gsi1pk")?)
            .attribute_definitions(attr("gsi1sk")?)
            .attribute_definitions(attr("gsi2pk")?)
            .attribute_definitions(attr("gsi2sk")?)
            .key_schema(key("pk", KeyType::Hash)?)
            .key_schema(key("sk", KeyType::Range)?)
            .global_secondary_indexes(gsi(Index::Listings)?)
            .global_secondary_indexes(gsi(Index::Pending)?)
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }
}

impl DynamoStore {
    /// The records under `keys` that exist (and have not expired), read
    /// strongly consistent with `BatchGetItem`, 100 keys a request; keys
    /// DynamoDB leaves unprocessed are asked again after a back-off.
    async fn get_many(&self, keys: &[Key]) -> Result<HashMap<Key, Record>, StoreError> {
        let backoff = crate::backoff::Backoff {
            first: std::time::Duration::from_millis(50),
            max: std::time::Duration::from_secs(1),
        };
        let mut found = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(BATCH_GET_MAX) {
            let mut wanted: Vec<HashMap<String, AttributeValue>> = chunk
                .iter()
                .map(|k| HashMap::from([("pk".into(), s(&k.pk)), ("sk".into(), s(&k.sk))]))
                .collect();
            let mut tries = 0;
            while !wanted.is_empty() {
                tries += 1;
                if tries > BATCH_GET_TRIES {
                    return Err(StoreError::Backend(format!(
                        "BatchGetItem left {} keys unprocessed after {BATCH_GET_TRIES} tries",
                        wanted.len()
                    )));
                }
                if tries > 1 {
                    tokio::time::sleep(backoff.jittered(tries - 2)).await;
                }
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut wanted)))
                    .consistent_read(true)
                    .build()
                    .map_err(backend)?;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(sdk)?;
                for item in out
                    .responses()
                    .and_then(|r| r.get(&self.table))
                    .into_iter()
                    .flatten()
                {
                    if let Some(record) = item_to_record(item)? {
                        found.insert(record.key.clone(), record);
                    }
                }
                if let Some(left) = out.unprocessed_keys().and_then(|u| u.get(&self.table)) {
                    wanted = left.keys().to_vec();
                }
            }
        }
        Ok(found)
    }
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn sdk<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Backend(crate::aws_error::describe(&e))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// The item a record is written as at `version`.
fn to_item(record: &Record, version: u64) -> HashMap<String, AttributeValue> {
    let mut item = HashMap::from([
        ("pk".to_string(), s(&record.key.pk)),
        ("sk".to_string(), s(&record.key.sk)),
        (
            "version".to_string(),
            AttributeValue::N(version.to_string()),
        ),
    ]);
    let packed = Packed::pack(&record.doc);
    let name = packed.attribute().to_string();
    match packed {
        Packed::Text(doc) => item.insert(name, s(doc)),
        Packed::Deflated(bytes) => item.insert(name, AttributeValue::B(bytes.into())),
    };
    for entry in &record.indexes {
        let name = entry.index.name();
        item.insert(format!("{name}pk"), s(&entry.partition));
        item.insert(format!("{name}sk"), s(&entry.sort));
    }
    if let Some(t) = record.expires_at {
        item.insert("expires_at".into(), AttributeValue::N(t.to_string()));
    }
    item
}

/// The table key an item (or an index entry, which carries it) names.
fn item_key(item: &HashMap<String, AttributeValue>) -> Result<Key, StoreError> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    match (text("pk"), text("sk")) {
        (Some(pk), Some(sk)) => Ok(Key::new(pk, sk)),
        _ => Err(StoreError::Corrupt("item".into(), "missing pk/sk".into())),
    }
}

fn item_to_record(item: &HashMap<String, AttributeValue>) -> Result<Option<Record>, StoreError> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let number = |name: &str| -> Result<Option<i64>, StoreError> {
        match item.get(name).and_then(|v| v.as_n().ok()) {
            Some(n) => n
                .parse::<i64>()
                .map(Some)
                .map_err(|e| StoreError::Corrupt(name.to_string(), e.to_string())),
            None => Ok(None),
        }
    };
    let key = item_key(item)?;
    let expires_at = number("expires_at")?;
    if expires_at.is_some_and(|t| t <= now()) {
        return Ok(None);
    }
    let version = number("version")?
        .and_then(|v| u64::try_from(v).ok())
        .ok_or_else(|| StoreError::Corrupt(key.to_string(), "missing version".into()))?;
    let doc = match (text("doc"), item.get("docz").and_then(|v| v.as_b().ok())) {
        (Some(doc), None) => doc,
        (None, Some(bytes)) => packed::inflate(bytes.as_ref())
            .map_err(|e| StoreError::Corrupt(key.to_string(), e.to_string()))?,
        (Some(_), Some(_)) => {
            return Err(StoreError::Corrupt(
                key.to_string(),
                "both doc and docz".into(),
            ))
        }
        (None, None) => return Err(StoreError::Corrupt(key.to_string(), "missing doc".into())),
    };
    let mut indexes = Vec::new();
    for index in Index::ALL {
        let name = index.name();
        if let (Some(partition), Some(sort)) =
            (text(&format!("{name}pk")), text(&format!("{name}sk")))
        {
            indexes.push(IndexEntry {
                index,
                partition,
                sort,
            });
        }
    }
    Ok(Some(Record {
        key,
        version,
        doc,
        indexes,
        expires_at,
    }))
}

/// Cursors are the `LastEvaluatedKey` (all string attributes), base64url JSON.
fn encode_cursor(key: &HashMap<String, AttributeValue>) -> Result<String, StoreError> {
    let plain: HashMap<&str, &str> = key
        .iter()
        .filter_map(|(k, v)| v.as_s().ok().map(|s| (k.as_str(), s.as_str())))
        .collect();
    let json = serde_json::to_vec(&plain).map_err(backend)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
}

fn decode_cursor(cursor: &str) -> Result<HashMap<String, AttributeValue>, StoreError> {
    let bad = || StoreError::Backend("invalid page cursor".into());
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad())?;
    let plain: HashMap<String, String> = serde_json::from_slice(&json).map_err(|_| bad())?;
    Ok(plain.into_iter().map(|(k, v)| (k, s(v))).collect())
}

#[async_trait]
impl RecordStore for DynamoStore {
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(&key.pk))
            .key("sk", s(&key.sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        match out.item() {
            Some(item) => item_to_record(item),
            None => Ok(None),
        }
    }

    async fn put(&self, record: Record, expected: u64) -> Result<u64, StoreError> {
        let version = expected + 1;
        let mut req = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&record, version)));
        req = if expected == 0 {
            req.condition_expression(
                "attribute_not_exists(pk) OR (attribute_exists(expires_at) AND expires_at <= :now)",
            )
            .expression_attribute_values(":now", AttributeValue::N(now().to_string()))
        } else {
            req.condition_expression("version = :expected")
                .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
        };
        match req.send().await {
            Ok(_) => Ok(version),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::Conflict(record.key.to_string()))
            }
            Err(e) => Err(sdk(e)),
        }
    }

    async fn delete(&self, key: &Key, expected: u64) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(&key.pk))
            .key("sk", s(&key.sk))
            .condition_expression("version = :expected")
            .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::Conflict(key.to_string()))
            }
            Err(e) => Err(sdk(e)),
        }
    }

    async fn query_index(
        &self,
        index: Index,
        partition: &str,
        direction: Direction,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Record>, StoreError> {
        let name = index.name();
        let mut req = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(name)
            .key_condition_expression("#p = :p")
            .expression_attribute_names("#p", format!("{name}pk"))
            .expression_attribute_values(":p", s(partition))
            .scan_index_forward(direction == Direction::Ascending)
            .limit(i32::try_from(limit.clamp(1, 1000)).unwrap_or(1000));
        if let Some(c) = cursor {
            req = req.set_exclusive_start_key(Some(decode_cursor(c)?));
        }
        let out = req.send().await.map_err(sdk)?;
        let keys = out
            .items()
            .iter()
            .map(item_key)
            .collect::<Result<Vec<_>, _>>()?;
        let mut found = self.get_many(&keys).await?;
        let items = keys
            .iter()
            .filter_map(|key| found.remove(key))
            .filter(|record| {
                record
                    .indexes
                    .iter()
                    .any(|e| e.index == index && e.partition == partition)
            })
            .collect();
        Ok(Page {
            items,
            next: out.last_evaluated_key().map(encode_cursor).transpose()?,
        })
    }

    async fn query_prefix(
        &self,
        pk: &str,
        prefix: &str,
        direction: Direction,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Record>, StoreError> {
        let mut req = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(prefix))
            .consistent_read(true)
            .scan_index_forward(direction == Direction::Ascending)
            .limit(i32::try_from(limit.clamp(1, 1000)).unwrap_or(1000));
        if let Some(c) = cursor {
            req = req.set_exclusive_start_key(Some(decode_cursor(c)?));
        }
        let out = req.send().await.map_err(sdk)?;
        page(out.items(), out.last_evaluated_key())
    }

    /// `Select: COUNT` pages: DynamoDB counts on its side, no item is sent.
    async fn count_index(
        &self,
        index: Index,
        partition: &str,
        cap: usize,
    ) -> Result<usize, StoreError> {
        let name = index.name();
        let mut count = 0usize;
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(name)
                .key_condition_expression("#p = :p")
                .expression_attribute_names("#p", format!("{name}pk"))
                .expression_attribute_values(":p", s(partition))
                .select(Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk)?;
            count += usize::try_from(out.count()).unwrap_or(0);
            match out.last_evaluated_key() {
                Some(last) if count < cap => start = Some(last.clone()),
                _ => return Ok(count.min(cap)),
            }
        }
    }
}

fn page(
    items: &[HashMap<String, AttributeValue>],
    last: Option<&HashMap<String, AttributeValue>>,
) -> Result<Page<Record>, StoreError> {
    let mut records = Vec::with_capacity(items.len());
    for item in items {
        if let Some(r) = item_to_record(item)? {
            records.push(r);
        }
    }
    Ok(Page {
        items: records,
        next: last.map(encode_cursor).transpose()?,
    })
}
