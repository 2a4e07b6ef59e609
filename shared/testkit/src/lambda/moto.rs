//! Creates a [`Stack`]'s table and queues in moto from the template's own
//! resource properties (keys, indexes, billing, TTL, encryption, point-in-time
//! recovery; FIFO settings, timeouts, retention, redrive policies), and
//! records their real names, URLs and ARNs for `!Ref`/`!GetAtt`. A property
//! this does not know is an error: a template change cannot slip past.
//! The console's Cognito resources are only named ([`name_cognito`]).
//! The functions' secrets live under `SECRET_PREFIX` and are written by the
//! product itself (activation, or the store in a test), as on AWS.

use std::collections::HashMap;

use anyhow::{bail, Context};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    PointInTimeRecoverySpecification, Projection, ProjectionType, ScalarAttributeType,
    SseSpecification, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_norway::Value;

use super::stack::{name_cognito, physical_name, record_queue, Stack, QUEUE, TABLE};
use super::template::{Resolver, Template};

impl Stack {
    /// A new stack named `stack_name` in moto (`config` points the SDK at
    /// it), template parameters overridden by `parameters`; every function
    /// reaches moto through `AWS_ENDPOINT_URL` with moto's credentials.
    pub async fn create_in_moto(
        config: &aws_config::SdkConfig,
        endpoint: &str,
        stack_name: &str,
        parameters: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let template = Template::load()?;
        let region = config
            .region()
            .map_or("us-east-1".to_string(), |r| r.to_string());
        let mut resolver = Resolver::new(&template, stack_name, &region, parameters);
        let ddb = aws_sdk_dynamodb::Client::new(config);
        for (id, props) in template.resources(TABLE) {
            create_table(&ddb, &mut resolver, &id, props)
                .await
                .with_context(|| format!("creating {id}"))?;
        }
        let sqs = aws_sdk_sqs::Client::new(config);
        create_queues(&sqs, &mut resolver, &template).await?;
        name_cognito(&mut resolver, &template, stack_name, &region);
        let extra_env = [
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Ok(Self {
            template,
            resolver,
            extra_env,
        })
    }
}

async fn create_table(
    ddb: &aws_sdk_dynamodb::Client,
    resolver: &mut Resolver,
    id: &str,
    props: &Value,
) -> anyhow::Result<()> {
    let name = physical_name(resolver.stack_name(), id, props, "TableName");
    let mut create = ddb.create_table().table_name(&name);
    let mut ttl = None;
    let mut pitr = false;
    for (key, value) in mapping(props)? {
        match key.as_str() {
            "TableName" => {}
            "BillingMode" => create = create.billing_mode(BillingMode::from(text(value)?)),
            "AttributeDefinitions" => {
                for def in sequence(value)? {
                    create = create.attribute_definitions(
                        AttributeDefinition::builder()
                            .attribute_name(field(def, "AttributeName")?)
                            .attribute_type(ScalarAttributeType::from(field(def, "AttributeType")?))
                            .build()?,
                    );
                }
            }
            "KeySchema" => {
                for key in key_schema(value)? {
                    create = create.key_schema(key);
                }
            }
            "GlobalSecondaryIndexes" => {
                for index in sequence(value)? {
                    let projection = index
                        .get("Projection")
                        .context("an index without Projection")?;
                    let mut gsi = GlobalSecondaryIndex::builder()
                        .index_name(field(index, "IndexName")?)
                        .projection(
                            Projection::builder()
                                .projection_type(ProjectionType::from(field(
                                    projection,
                                    "ProjectionType",
                                )?))
                                .build(),
                        );
                    for key in key_schema(index.get("KeySchema").context("no KeySchema")?)? {
                        gsi = gsi.key_schema(key);
                    }
                    create = create.global_secondary_indexes(gsi.build()?);
                }
            }
            "SSESpecification" => {
                let enabled = value.get("SSEEnabled").and_then(Value::as_bool) == Some(true);
                create =
                    create.sse_specification(SseSpecification::builder().enabled(enabled).build());
            }
            "TimeToLiveSpecification" => {
                if value.get("Enabled").and_then(Value::as_bool) == Some(true) {
                    ttl = Some(field(value, "AttributeName")?.to_string());
                }
            }
            "PointInTimeRecoverySpecification" => {
                pitr = value
                    .get("PointInTimeRecoveryEnabled")
                    .and_then(Value::as_bool)
                    == Some(true);
            }
            other => bail!("table property {other} is not known to the test stack"),
        }
    }
    let created = create.send().await?;
    if let Some(attribute) = ttl {
        ddb.update_time_to_live()
            .table_name(&name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(attribute)
                    .enabled(true)
                    .build()?,
            )
            .send()
            .await?;
    }
    if pitr {
        ddb.update_continuous_backups()
            .table_name(&name)
            .point_in_time_recovery_specification(
                PointInTimeRecoverySpecification::builder()
                    .point_in_time_recovery_enabled(true)
                    .build()?,
            )
            .send()
            .await?;
    }
    let arn = created
        .table_description()
        .and_then(|t| t.table_arn())
        .context("CreateTable returned no ARN")?;
    resolver.set_attribute(id, "Arn", arn.to_string());
    resolver.set_ref(id, name);
    Ok(())
}

/// Creates the queues, each once the queues its redrive policy names exist.
async fn create_queues(
    sqs: &aws_sdk_sqs::Client,
    resolver: &mut Resolver,
    template: &Template,
) -> anyhow::Result<()> {
    let mut waiting = template.resources(QUEUE);
    while !waiting.is_empty() {
        let before = waiting.len();
        let mut later = Vec::new();
        for (id, props) in waiting {
            match queue_attributes(resolver, props) {
                Ok(attributes) => create_queue(sqs, resolver, &id, props, attributes)
                    .await
                    .with_context(|| format!("creating {id}"))?,
                Err(_) => later.push((id, props)),
            }
        }
        if later.len() == before {
            let ids: Vec<_> = later.iter().map(|(id, _)| id.as_str()).collect();
            bail!("queues {ids:?} refer to resources that do not exist");
        }
        waiting = later;
    }
    Ok(())
}

/// A queue's properties as SQS attributes (CloudFormation's property names
/// are SQS's attribute names; the redrive policy becomes its JSON).
fn queue_attributes(
    resolver: &Resolver,
    props: &Value,
) -> anyhow::Result<HashMap<QueueAttributeName, String>> {
    let mut attributes = HashMap::new();
    for (key, value) in mapping(props)? {
        let value = match key.as_str() {
            "QueueName" => continue,
            "RedrivePolicy" => serde_json::json!({
                "deadLetterTargetArn": resolver.text(value.get("deadLetterTargetArn").context("no deadLetterTargetArn")?)?,
                "maxReceiveCount": value.get("maxReceiveCount").and_then(Value::as_u64).context("no maxReceiveCount")?,
            })
            .to_string(),
            "FifoQueue"
            | "ContentBasedDeduplication"
            | "DeduplicationScope"
            | "FifoThroughputLimit"
            | "VisibilityTimeout"
            | "MessageRetentionPeriod"
            | "SqsManagedSseEnabled"
            | "DelaySeconds"
            | "MaximumMessageSize"
            | "ReceiveMessageWaitTimeSeconds" => resolver.text(value)?,
            other => bail!("queue property {other} is not known to the test stack"),
        };
        attributes.insert(QueueAttributeName::from(key.as_str()), value);
    }
    Ok(attributes)
}

async fn create_queue(
    sqs: &aws_sdk_sqs::Client,
    resolver: &mut Resolver,
    id: &str,
    props: &Value,
    attributes: HashMap<QueueAttributeName, String>,
) -> anyhow::Result<()> {
    let name = physical_name(resolver.stack_name(), id, props, "QueueName");
    let created = sqs
        .create_queue()
        .queue_name(&name)
        .set_attributes(Some(attributes))
        .send()
        .await?;
    let url = created.queue_url().context("CreateQueue returned no URL")?;
    let arn = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await?
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .context("no QueueArn")?;
    record_queue(resolver, id, url, &arn, &name);
    Ok(())
}

fn key_schema(value: &Value) -> anyhow::Result<Vec<KeySchemaElement>> {
    sequence(value)?
        .iter()
        .map(|k| {
            Ok(KeySchemaElement::builder()
                .attribute_name(field(k, "AttributeName")?)
                .key_type(KeyType::from(field(k, "KeyType")?))
                .build()?)
        })
        .collect()
}

fn mapping(value: &Value) -> anyhow::Result<Vec<(String, &Value)>> {
    value
        .as_mapping()
        .context("expected a mapping")?
        .iter()
        .map(|(k, v)| Ok((k.as_str().context("a key is not text")?.to_string(), v)))
        .collect()
}

fn sequence(value: &Value) -> anyhow::Result<&Vec<Value>> {
    value.as_sequence().context("expected a list")
}

fn field<'a>(value: &'a Value, key: &str) -> anyhow::Result<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .with_context(|| format!("{key} missing or not text"))
}

fn text(value: &Value) -> anyhow::Result<&str> {
    value.as_str().context("expected text")
}
