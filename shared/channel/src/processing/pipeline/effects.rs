//! Effects that are not safe to repeat and the marks around them: the crash
//! points after external calls, private order notes (written once per event
//! key, checked when their outcome is unknown) and the failure path.

use crate::faults::Boundary;
use crate::model::{Effect, OrderStatus, TimelineEvent};
use crate::woocommerce::order::Order;

use super::{OrderRun, StepError, Transient};

impl OrderRun<'_> {
    /// Called right after an external call, before its result is saved.
    pub(super) fn boundary(&self, point: Boundary) -> Result<(), StepError> {
        if self.app.crash.hit(&point) {
            return Err(StepError::Transient(format!("injected crash {point}")));
        }
        Ok(())
    }

    /// Marks the order failed with a reason (timeline and an order note).
    pub(super) async fn fail(&mut self, reason: String) -> Result<(), Transient> {
        tracing::warn!(channel = %self.channel.id, order = %self.order.key, reason = %reason, "order failed");
        self.order.effect_in_doubt = self
            .order
            .effect_in_doubt
            .take()
            .filter(|e| *e != Effect::Create);
        self.order.status = OrderStatus::Failed;
        self.order.reason = Some(reason.clone());
        self.order
            .record(TimelineEvent::now("failed", reason.clone()));
        self.save().await.map_err(|e| Transient(e.to_string()))?;
        let key = format!("failed:{}", short_hash(&reason));
        match self
            .note(&key, &format!("PayTraq: order not processed: {reason}."))
            .await
        {
            Ok(()) => Ok(()),
            Err(StepError::Transient(m)) | Err(StepError::Permanent(m)) => {
                tracing::warn!(channel = %self.channel.id, order = %self.order.key, error = %m, "failure note not written");
                Ok(())
            }
        }
    }

    /// Writes one private order note per event key, once.
    pub(super) async fn note(&mut self, key: &str, text: &str) -> Result<(), StepError> {
        if self.order.notes_sent.iter().any(|k| k == key) {
            return Ok(());
        }
        let (Some(woo), Some(order_id)) = (self.woo.clone(), self.order.order_id) else {
            return Ok(());
        };
        self.order.effect_in_doubt = Some(Effect::Note {
            key: key.to_string(),
            text: text.to_string(),
        });
        self.save().await?;
        woo.create_order_note(order_id, text, false).await?;
        self.boundary(Boundary::AfterNote(key.to_string()))?;
        self.order.effect_in_doubt = None;
        self.order.notes_sent.push(key.to_string());
        self.save().await?;
        Ok(())
    }

    /// A note whose outcome is unknown: look for it, and write it if it is not there.
    pub(super) async fn notes_in_doubt(&mut self, _wc: &Order) -> Result<(), StepError> {
        let Some(Effect::Note { key, text }) = self.order.effect_in_doubt.clone() else {
            return Ok(());
        };
        let (Some(woo), Some(order_id)) = (self.woo.clone(), self.order.order_id) else {
            return Ok(());
        };
        let written = woo
            .list_order_notes(order_id)
            .await?
            .iter()
            .any(|n| n.note.trim() == text.trim());
        if written {
            self.order.effect_in_doubt = None;
            self.order.notes_sent.push(key.to_string());
            self.save().await?;
            return Ok(());
        }
        // Not written: its step is already recorded and will not run again,
        // so the note is sent now.
        self.note(&key, &text).await
    }
}

fn short_hash(text: &str) -> String {
    crate::hash::short_sha256_hex(text.as_bytes(), 6)
}
