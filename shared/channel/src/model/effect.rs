//! The in-doubt mark of an inbox order: which call that is not safe to
//! repeat was started but its outcome not yet recorded, so a retry checks
//! whether it took effect before trying again.
//!
//! Stored tagged (`{"kind":"note","key":…,"text":…}`); orders stored
//! before the mark was typed carry a string (`create`, `payment`, `email`,
//! `note:<key>\u{1f}<text>`) and still read.

use serde::{de, Deserialize, Deserializer, Serialize};

/// A started call whose outcome is unknown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    /// The PayTraq document was being created.
    Create,
    /// The payment (or prepayment) was being added.
    Payment,
    /// The document was being e-mailed.
    Email,
    /// The WooCommerce order note of event `key` was being written.
    Note { key: String, text: String },
    /// A call of credit note `key` (see `CreditNote::key`) was being made.
    CreditNote { key: String, call: CreditCall },
}

/// The calls of a credit note that are not safe to repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditCall {
    Create,
    Payment,
    Email,
}

impl CreditCall {
    fn as_str(self) -> &'static str {
        match self {
            CreditCall::Create => "create",
            CreditCall::Payment => "payment",
            CreditCall::Email => "email",
        }
    }
}

/// Separates a note's key from its text in the old string form.
const NOTE_SEPARATOR: char = '\u{1f}';

impl Effect {
    /// The old string form of the mark; the admin API still shows it.
    pub fn mark(&self) -> String {
        match self {
            Effect::Create => "create".into(),
            Effect::Payment => "payment".into(),
            Effect::Email => "email".into(),
            Effect::Note { key, text } => format!("note:{key}{NOTE_SEPARATOR}{text}"),
            Effect::CreditNote { key, call } => format!("credit_note:{}:{key}", call.as_str()),
        }
    }

    /// Reads the old string form; `None` for a string it never took.
    pub fn from_mark(mark: &str) -> Option<Self> {
        match mark {
            "create" => Some(Effect::Create),
            "payment" => Some(Effect::Payment),
            "email" => Some(Effect::Email),
            _ => {
                let (key, text) = mark.strip_prefix("note:")?.split_once(NOTE_SEPARATOR)?;
                Some(Effect::Note {
                    key: key.to_string(),
                    text: text.to_string(),
                })
            }
        }
    }
}

/// Reads a stored `effect_in_doubt`: the tagged form, an old string mark,
/// or nothing.
pub(super) fn read_in_doubt<'de, D>(deserializer: D) -> Result<Option<Effect>, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Typed(Effect),
        Mark(String),
    }
    match Option::<Stored>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Stored::Typed(effect)) => Ok(Some(effect)),
        Some(Stored::Mark(mark)) => Effect::from_mark(&mark)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("unknown effect_in_doubt mark {mark:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::InboxOrder;
    use super::*;

    /// An inbox order as the store keeps it, with `mark` as its in-doubt mark.
    fn stored_order(mark: Value) -> Value {
        json!({
            "channel_id": "ch_1",
            "key": "1001",
            "order_id": 1001,
            "modified_gmt": "2026-11-02T10:00:00Z",
            "payload": "{}",
            "summary": null,
            "status": "approved",
            "reason": null,
            "paytraq": { "client_id": 7, "document_id": 42, "document_number": "INV-1",
                         "document_total": "12.10", "approved": true, "paid": false,
                         "payment_id": null, "emailed": false },
            "effect_in_doubt": mark,
            "notes_sent": ["created"],
            "timeline": [],
            "pending_since": null,
            "received_at": "2026-11-02T10:00:00Z",
            "updated_at": "2026-11-02T10:00:05Z",
            "version": 3
        })
    }

    fn read(doc: Value) -> InboxOrder {
        serde_json::from_value(doc).expect("a stored order reads")
    }

    #[test]
    fn orders_stored_with_the_old_string_marks_still_read() {
        let cases = [
            ("create", Effect::Create),
            ("payment", Effect::Payment),
            ("email", Effect::Email),
            (
                "note:k\u{1f}text",
                Effect::Note {
                    key: "k".into(),
                    text: "text".into(),
                },
            ),
            (
                "note:failed:0a1b2c\u{1f}PayTraq: order not processed: no: really.",
                Effect::Note {
                    key: "failed:0a1b2c".into(),
                    text: "PayTraq: order not processed: no: really.".into(),
                },
            ),
        ];
        for (mark, effect) in cases {
            let order = read(stored_order(json!(mark)));
            assert_eq!(order.effect_in_doubt, Some(effect.clone()), "{mark:?}");
            assert_eq!(effect.mark(), mark);
        }
        assert_eq!(read(stored_order(Value::Null)).effect_in_doubt, None);
        let mut without = stored_order(Value::Null);
        without.as_object_mut().map(|o| o.remove("effect_in_doubt"));
        assert_eq!(read(without).effect_in_doubt, None);
    }

    #[test]
    fn the_typed_mark_round_trips_through_the_stored_form() {
        for effect in [
            Effect::Create,
            Effect::Payment,
            Effect::Email,
            Effect::Note {
                key: "paid".into(),
                text: "PayTraq: payment of 12.10 EUR added.".into(),
            },
            Effect::CreditNote {
                key: "refund:45".into(),
                call: CreditCall::Payment,
            },
        ] {
            let mut order = read(stored_order(Value::Null));
            order.effect_in_doubt = Some(effect.clone());
            let stored = serde_json::to_value(&order).expect("an order serializes");
            assert!(stored["effect_in_doubt"]["kind"].is_string(), "{stored}");
            assert_eq!(read(stored), order);
        }
        let note = serde_json::to_value(Effect::Note {
            key: "k".into(),
            text: "t".into(),
        })
        .expect("an effect serializes");
        assert_eq!(note, json!({"kind": "note", "key": "k", "text": "t"}));
    }

    #[test]
    fn a_string_mark_never_written_is_refused() {
        for mark in ["refund", "note:no separator", ""] {
            let refused = serde_json::from_value::<InboxOrder>(stored_order(json!(mark)));
            assert!(refused.is_err(), "{mark:?} was read");
        }
    }
}
