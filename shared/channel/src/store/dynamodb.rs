//! The DynamoDB record store. One table, keys `pk`/`sk`, the document in
//! `doc` (a JSON string: money stays a decimal string, never a float), the
//! version in `version`, TTL in `expires_at`, and two GSIs `gsi1`
//! ([`Index::Listings`]) and `gsi2` ([`Index::Pending`]) on `gsiNpk`/`gsiNsk`.
//! Writes are conditional on `version`.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, ScalarAttributeType, Select,
};
use aws_sdk_dynamodb::Client;
use base64::Engine;

use super::{Direction, Index, IndexEntry, Key, Page, Record, RecordStore, StoreError};

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
                        .projection_type(ProjectionType::All)
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
    let (Some(pk), Some(sk)) = (text("pk"), text("sk")) else {
        return Err(StoreError::Corrupt("item".into(), "missing pk/sk".into()));
    };
    let key = Key::new(pk, sk);
    let expires_at = number("expires_at")?;
    if expires_at.is_some_and(|t| t <= now()) {
        return Ok(None);
    }
    let version = number("version")?
        .and_then(|v| u64::try_from(v).ok())
        .ok_or_else(|| StoreError::Corrupt(key.to_string(), "missing version".into()))?;
    let doc =
        text("doc").ok_or_else(|| StoreError::Corrupt(key.to_string(), "missing doc".into()))?;
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
            .item("pk", s(&record.key.pk))
            .item("sk", s(&record.key.sk))
            .item("version", AttributeValue::N(version.to_string()))
            .item("doc", s(record.doc));
        for entry in &record.indexes {
            let name = entry.index.name();
            req = req
                .item(format!("{name}pk"), s(&entry.partition))
                .item(format!("{name}sk"), s(&entry.sort));
        }
        if let Some(t) = record.expires_at {
            req = req.item("expires_at", AttributeValue::N(t.to_string()));
        }
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
        page(out.items(), out.last_evaluated_key())
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
