//! FIFO work queues: inbox orders to the processor, sync jobs to the stock
//! sync. Messages of one group (a channel) are delivered one at a time and
//! in order; groups run in parallel. Delivery is at least once: a message
//! that is not acknowledged within the visibility timeout comes back.
//!
//! Adapters: [`sqs::SqsQueue`] (SQS FIFO) and [`memory::MemoryQueue`]
//! (in-process, used by `local`).

pub mod memory;
#[cfg(feature = "aws")]
pub mod sqs;

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue backend: {0}")]
    Backend(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// FIFO group: messages of one group are handled one at a time, in order.
    pub group: String,
    /// Messages with the same id sent within the dedup window are dropped.
    pub dedup_id: String,
    pub body: String,
}

/// The body of an order-queue message: which inbox order to process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderMessage {
    pub channel_id: String,
    pub order_key: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// Handle to acknowledge or release this delivery.
    pub receipt: String,
    pub message: Message,
    /// 1 on first delivery.
    pub receive_count: u32,
}

#[async_trait]
pub trait Queue: Send + Sync {
    async fn send(&self, message: Message) -> Result<(), QueueError>;
    /// Waits up to `wait` for at most `max` deliveries.
    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>, QueueError>;
    /// Done with a delivery: it is removed for good.
    async fn ack(&self, receipt: &str) -> Result<(), QueueError>;
    /// Not done: make it visible again now, for another try.
    async fn release(&self, receipt: &str) -> Result<(), QueueError>;
}
