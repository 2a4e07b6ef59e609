//! SQS FIFO: the message group is the channel, the deduplication id comes
//! from the sender. On Lambda the processor receives batches through the
//! event source mapping; `receive`/`ack`/`release` serve tests and tools.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::error::SdkError;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use aws_sdk_sqs::Client;

use super::{Delivery, Message, Queue, QueueError};

#[derive(Clone)]
pub struct SqsQueue {
    client: Client,
    url: String,
}

impl SqsQueue {
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }

    /// Creates a FIFO queue (for the emulator; on AWS the stack creates it)
    /// and returns its URL. `name` must end in `.fifo`.
    pub async fn create_fifo(
        client: &Client,
        name: &str,
        visibility: Duration,
    ) -> Result<String, QueueError> {
        let out = client
            .create_queue()
            .queue_name(name)
            .attributes(QueueAttributeName::FifoQueue, "true")
            .attributes(
                QueueAttributeName::VisibilityTimeout,
                visibility.as_secs().to_string(),
            )
            .send()
            .await
            .map_err(sdk)?;
        out.queue_url()
            .map(str::to_string)
            .ok_or_else(|| QueueError::Backend("create_queue returned no URL".into()))
    }
}

fn sdk<E, R>(e: SdkError<E, R>) -> QueueError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    QueueError::Backend(crate::aws_error::describe(&e))
}

#[async_trait]
impl Queue for SqsQueue {
    async fn send(&self, message: Message) -> Result<(), QueueError> {
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_group_id(message.group)
            .message_deduplication_id(message.dedup_id)
            .message_body(message.body)
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>, QueueError> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .map_err(sdk)?;
        let mut deliveries = Vec::new();
        for m in out.messages() {
            let attrs = m.attributes();
            let attr = |name: MessageSystemAttributeName| attrs.and_then(|a| a.get(&name)).cloned();
            let (Some(receipt), Some(body)) = (m.receipt_handle(), m.body()) else {
                continue;
            };
            deliveries.push(Delivery {
                receipt: receipt.to_string(),
                message: Message {
                    group: attr(MessageSystemAttributeName::MessageGroupId).unwrap_or_default(),
                    dedup_id: attr(MessageSystemAttributeName::MessageDeduplicationId)
                        .unwrap_or_default(),
                    body: body.to_string(),
                },
                receive_count: attr(MessageSystemAttributeName::ApproximateReceiveCount)
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1),
            });
        }
        Ok(deliveries)
    }

    async fn ack(&self, receipt: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    async fn release(&self, receipt: &str) -> Result<(), QueueError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .visibility_timeout(0)
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }
}
