//! The in-process FIFO queue used by `local`: SQS FIFO semantics in memory.
//! A group with a message in flight delivers nothing else until that
//! message is acknowledged or released, or its visibility timeout passes;
//! deduplication ids are remembered for five minutes, like SQS.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::Notify;

use super::{Delivery, Message, Queue, QueueError};

const DEDUP_WINDOW: Duration = Duration::from_secs(300);

struct Entry {
    message: Message,
    receive_count: u32,
}

struct InFlight {
    entry: Entry,
    deadline: Instant,
}

#[derive(Default)]
struct State {
    /// Waiting messages per group, oldest first.
    groups: HashMap<String, VecDeque<Entry>>,
    /// Groups in the order they first had a message (fair round robin).
    order: VecDeque<String>,
    busy: HashSet<String>,
    in_flight: HashMap<String, InFlight>,
    dedup: HashMap<String, Instant>,
    next_receipt: u64,
}

impl State {
    /// Puts timed-out deliveries back at the head of their group.
    fn expire(&mut self, now: Instant) {
        let expired: Vec<String> = self
            .in_flight
            .iter()
            .filter(|(_, f)| f.deadline <= now)
            .map(|(r, _)| r.clone())
            .collect();
        for receipt in expired {
            if let Some(f) = self.in_flight.remove(&receipt) {
                self.requeue(f.entry);
            }
        }
        self.dedup
            .retain(|_, at| now.duration_since(*at) < DEDUP_WINDOW);
    }

    fn requeue(&mut self, entry: Entry) {
        let group = entry.message.group.clone();
        self.busy.remove(&group);
        if !self.groups.contains_key(&group) {
            self.order.push_back(group.clone());
        }
        self.groups.entry(group).or_default().push_front(entry);
    }

    fn take(&mut self, max: usize, visibility: Duration, now: Instant) -> Vec<Delivery> {
        let mut out = Vec::new();
        let mut rotated = 0;
        while out.len() < max && rotated < self.order.len() {
            let Some(group) = self.order.pop_front() else {
                break;
            };
            if self.busy.contains(&group) {
                self.order.push_back(group);
                rotated += 1;
                continue;
            }
            let Some(queue) = self.groups.get_mut(&group) else {
                continue;
            };
            let Some(mut entry) = queue.pop_front() else {
                self.groups.remove(&group);
                continue;
            };
            if queue.is_empty() {
                self.groups.remove(&group);
            } else {
                self.order.push_back(group.clone());
            }
            entry.receive_count += 1;
            self.next_receipt += 1;
            let receipt = format!("{}:{}", group, self.next_receipt);
            out.push(Delivery {
                receipt: receipt.clone(),
                message: entry.message.clone(),
                receive_count: entry.receive_count,
            });
            self.busy.insert(group);
            self.in_flight.insert(
                receipt,
                InFlight {
                    entry,
                    deadline: now + visibility,
                },
            );
        }
        out
    }
}

pub struct MemoryQueue {
    visibility: Duration,
    state: Mutex<State>,
    notify: Notify,
}

impl MemoryQueue {
    pub fn new(visibility: Duration) -> Self {
        Self {
            visibility,
            state: Mutex::new(State::default()),
            notify: Notify::new(),
        }
    }

    /// Messages waiting or in flight (the queue backlog).
    pub fn len(&self) -> usize {
        let state = self.lock();
        state.groups.values().map(VecDeque::len).sum::<usize>() + state.in_flight.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave State half-updated in a
        // way that matters more than losing the queue; keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl Queue for MemoryQueue {
    async fn send(&self, message: Message) -> Result<(), QueueError> {
        {
            let mut state = self.lock();
            let now = Instant::now();
            state.expire(now);
            if state.dedup.contains_key(&message.dedup_id) {
                return Ok(());
            }
            state.dedup.insert(message.dedup_id.clone(), now);
            let group = message.group.clone();
            if !state.groups.contains_key(&group) && !state.order.contains(&group) {
                state.order.push_back(group.clone());
            }
            state.groups.entry(group).or_default().push_back(Entry {
                message,
                receive_count: 0,
            });
        }
        self.notify.notify_waiters();
        Ok(())
    }

    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>, QueueError> {
        let until = Instant::now() + wait;
        loop {
            let notified = self.notify.notified();
            let next_deadline = {
                let mut state = self.lock();
                let now = Instant::now();
                state.expire(now);
                let got = state.take(max.max(1), self.visibility, now);
                if !got.is_empty() {
                    return Ok(got);
                }
                state.in_flight.values().map(|f| f.deadline).min()
            };
            let now = Instant::now();
            if now >= until {
                return Ok(Vec::new());
            }
            let sleep_until = next_deadline.map_or(until, |d| d.min(until));
            let _ =
                tokio::time::timeout(sleep_until.saturating_duration_since(now), notified).await;
        }
    }

    async fn ack(&self, receipt: &str) -> Result<(), QueueError> {
        {
            let mut state = self.lock();
            if let Some(f) = state.in_flight.remove(receipt) {
                state.busy.remove(&f.entry.message.group);
            }
        }
        self.notify.notify_waiters();
        Ok(())
    }

    async fn release(&self, receipt: &str) -> Result<(), QueueError> {
        {
            let mut state = self.lock();
            if let Some(f) = state.in_flight.remove(receipt) {
                state.requeue(f.entry);
            }
        }
        self.notify.notify_waiters();
        Ok(())
    }
}
