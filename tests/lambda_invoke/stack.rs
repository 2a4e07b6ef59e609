//! The stack itself: every function's environment resolves from
//! `template.yaml`, and the table and queues in moto are what the template
//! writes (keys, indexes, billing; FIFO, redrive to the dead-letter queue).

use aws_sdk_sqs::types::QueueAttributeName;
use testkit::lambda::{Stack, Template};

use super::Harness;

#[test]
fn template_gives_every_function_its_memory_timeout_and_a_complete_environment() {
    let template = Template::load().expect("template.yaml");
    let stack = Stack::plan(template.clone(), "plan", "eu-north-1");
    let functions = template.functions().expect("functions");
    let binaries: Vec<&str> = functions.iter().map(|f| f.binary.as_str()).collect();
    assert_eq!(
        binaries,
        ["webhook", "processor", "stock-sync", "admin", "reconciler"]
    );
    for function in &functions {
        let env = stack
            .resolver
            .env(function)
            .expect("every variable resolves");
        assert_eq!(env["TABLE_NAME"], "plan-Table", "{}", function.binary);
        assert!(env["ORDER_QUEUE_URL"].ends_with("/plan-OrderQueue.fifo"));
        assert!(env["SYNC_QUEUE_URL"].ends_with("/plan-SyncQueue.fifo"));
        assert_eq!(env["SECRET_PREFIX"], "plan/channel/");
        assert_eq!(env["PAYTRAQ_RATE_PER_SECOND"], "1");
        assert!(function.memory_mb >= 128 && function.timeout.as_secs() >= 1);
    }
}

#[tokio::test]
async fn stack_in_moto_has_the_table_and_queues_the_template_writes() {
    let h = Harness::new(&[]).await;
    let config = testkit::aws_config().await;
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    let table = ddb
        .describe_table()
        .table_name(h.stack.reference("Table").expect("table"))
        .send()
        .await
        .expect("describe table")
        .table
        .expect("table");
    let mut indexes: Vec<&str> = table
        .global_secondary_indexes()
        .iter()
        .filter_map(|i| i.index_name())
        .collect();
    indexes.sort();
    assert_eq!(indexes, ["gsi1", "gsi2"]);
    assert_eq!(
        table
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|m| m.as_str()),
        Some("PAY_PER_REQUEST")
    );
    let sqs = aws_sdk_sqs::Client::new(&config);
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(h.stack.reference("OrderQueue").expect("queue"))
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .expect("queue attributes")
        .attributes
        .expect("attributes");
    assert_eq!(attributes[&QueueAttributeName::FifoQueue], "true");
    assert_eq!(attributes[&QueueAttributeName::VisibilityTimeout], "360");
    let redrive: serde_json::Value =
        serde_json::from_str(&attributes[&QueueAttributeName::RedrivePolicy]).expect("JSON");
    assert_eq!(redrive["maxReceiveCount"], 5);
    assert!(redrive["deadLetterTargetArn"]
        .as_str()
        .expect("arn")
        .ends_with("-OrderDeadLetterQueue.fifo"));
}
