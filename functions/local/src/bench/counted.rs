//! Counting wrappers for the cost benchmark: a queue that counts the SQS
//! requests it would be (send; a receive that got messages, as the Lambda
//! event source's poll that fed an invocation; delete), a secret store that counts the
//! Secrets Manager calls that reach it (put it under the cache to count
//! the calls after the cache), and a log sink that counts the bytes the
//! JSON logger writes. Each passes everything on unchanged.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use channel::queue::{Delivery, Message, Queue, QueueError};
use channel::secrets::{ChannelSecrets, SecretStore, SecretsError};

/// A queue counting its requests.
pub struct CountedQueue {
    inner: Arc<dyn Queue>,
    sends: AtomicU64,
    receives: AtomicU64,
    acks: AtomicU64,
}

impl CountedQueue {
    pub fn new(inner: Arc<dyn Queue>) -> Self {
        Self {
            inner,
            sends: AtomicU64::new(0),
            receives: AtomicU64::new(0),
            acks: AtomicU64::new(0),
        }
    }

    /// Send, receive (with messages) and delete requests so far. The event
    /// source's empty polls are not per order: the report prices them apart.
    pub fn requests(&self) -> u64 {
        [&self.sends, &self.receives, &self.acks]
            .iter()
            .map(|n| n.load(Ordering::Relaxed))
            .sum()
    }
}

#[async_trait]
impl Queue for CountedQueue {
    async fn send(&self, message: Message) -> Result<(), QueueError> {
        self.sends.fetch_add(1, Ordering::Relaxed);
        self.inner.send(message).await
    }

    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>, QueueError> {
        let got = self.inner.receive(max, wait).await?;
        if !got.is_empty() {
            self.receives.fetch_add(1, Ordering::Relaxed);
        }
        Ok(got)
    }

    async fn ack(&self, receipt: &str) -> Result<(), QueueError> {
        self.acks.fetch_add(1, Ordering::Relaxed);
        self.inner.ack(receipt).await
    }

    async fn release(&self, receipt: &str) -> Result<(), QueueError> {
        self.inner.release(receipt).await
    }
}

/// A secret store counting the calls that reach it.
pub struct CountedSecrets {
    inner: Arc<dyn SecretStore>,
    calls: AtomicU64,
}

impl CountedSecrets {
    pub fn new(inner: Arc<dyn SecretStore>) -> Self {
        Self {
            inner,
            calls: AtomicU64::new(0),
        }
    }

    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    fn count(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }
}

#[async_trait]
impl SecretStore for CountedSecrets {
    async fn get(&self, channel_id: &str) -> Result<Option<ChannelSecrets>, SecretsError> {
        self.count();
        self.inner.get(channel_id).await
    }

    async fn get_fresh(&self, channel_id: &str) -> Result<Option<ChannelSecrets>, SecretsError> {
        self.count();
        self.inner.get_fresh(channel_id).await
    }

    async fn put(&self, channel_id: &str, secrets: &ChannelSecrets) -> Result<(), SecretsError> {
        self.count();
        self.inner.put(channel_id, secrets).await
    }

    async fn delete(&self, channel_id: &str) -> Result<(), SecretsError> {
        self.count();
        self.inner.delete(channel_id).await
    }
}

/// Where the JSON logger writes in the benchmark: nowhere, counting bytes.
#[derive(Clone, Default)]
pub struct LogBytes(Arc<AtomicU64>);

impl LogBytes {
    pub fn total(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl io::Write for LogBytes {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'w> tracing_subscriber::fmt::MakeWriter<'w> for LogBytes {
    type Writer = LogBytes;

    fn make_writer(&'w self) -> Self::Writer {
        self.clone()
    }
}
