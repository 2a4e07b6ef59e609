//! Orders leaving the shop: moved to the trash, restored from it, deleted
//! for good (fact 11 of the WooCommerce 8.9.1 captures).
//!
//! WooCommerce tells each apart with its own delivery: a move to the trash
//! fires only `order.deleted` with the body `{"id":N}`; a restore fires only
//! `order.restored` with the full order; a permanent deletion fires no
//! `order.*` topic at all, only the action topic
//! `action.woocommerce_delete_order` with `{"action":…,"arg":N}`.
//!
//! Each is recorded on the order's timeline. Nothing is deleted or changed
//! in PayTraq: a document already made stays for the accountant. While an
//! order is in the trash or deleted, no document is made for it (the
//! pipeline skips it); a restore clears the mark and the order is processed
//! as it is now, through [`super::accept_order`] like any other delivery.

use serde::Deserialize;

use super::{accept_order, Source};
use crate::model::{InboxOrder, ShopRemoval, TimelineEvent, UpsertOutcome};
use crate::store::Change;
use crate::woocommerce::order::Order;
use crate::{App, Result};

/// The topic of a move to the trash.
pub const TRASHED: &str = "order.deleted";
/// The topic of a restore from the trash.
pub const RESTORED: &str = "order.restored";
/// The action topic of a permanent deletion.
pub const DELETED: &str = "action.woocommerce_delete_order";

/// The order id a removal delivery names: `{"id":N}` for the trash,
/// `{"action":"woocommerce_delete_order","arg":N}` for a deletion.
pub fn removed_order_id(removal: ShopRemoval, body: &[u8]) -> Option<u64> {
    #[derive(Deserialize)]
    struct Trashed {
        id: u64,
    }
    #[derive(Deserialize)]
    struct Action {
        action: String,
        arg: u64,
    }
    let id = match removal {
        ShopRemoval::Trash => serde_json::from_slice::<Trashed>(body).ok()?.id,
        ShopRemoval::Deleted => {
            let a = serde_json::from_slice::<Action>(body).ok()?;
            (a.action == "woocommerce_delete_order").then_some(a.arg)?
        }
    };
    (id > 0).then_some(id)
}

/// Marks an inbox order as in the trash or deleted, with a timeline event
/// saying what happens to its document. `None`: the order is not in the
/// inbox (a draft, or one from before the channel), nothing to record.
pub async fn record_removal(
    app: &App,
    channel_id: &str,
    order_id: u64,
    removal: ShopRemoval,
) -> Result<Option<InboxOrder>> {
    let Some(order) = app
        .repo
        .get_order(channel_id, &order_id.to_string())
        .await?
    else {
        return Ok(None);
    };
    let updated = app
        .repo
        .update_order_from(order, |o| {
            if o.removed_in_shop == Some(removal) {
                return Change::Keep(());
            }
            o.removed_in_shop = Some(removal);
            o.record(removal_event(removal, o));
            Change::Save(())
        })
        .await?;
    Ok(updated.map(|(o, ())| o))
}

/// Takes an order out of the trash: clears the mark (with a timeline event)
/// before the restored order is stored and queued like any other delivery.
pub async fn restore(
    app: &App,
    channel_id: &str,
    order: &Order,
    raw: String,
) -> Result<UpsertOutcome> {
    if let Some(stored) = app
        .repo
        .get_order(channel_id, &order.id.to_string())
        .await?
    {
        app.repo
            .update_order_from(stored, |o| {
                if o.removed_in_shop.is_none() {
                    return Change::Keep(());
                }
                o.removed_in_shop = None;
                o.record(TimelineEvent::now(
                    "restored_in_shop",
                    format!(
                        "order restored from the trash in the shop (status {})",
                        order.status
                    ),
                ));
                Change::Save(())
            })
            .await?;
    }
    accept_order(app, channel_id, order, raw, Source::Webhook).await
}

fn removal_event(removal: ShopRemoval, order: &InboxOrder) -> TimelineEvent {
    let document = match &order.paytraq.document_number {
        Some(number) => format!("the PayTraq document {number} is kept"),
        None if order.paytraq.document_id.is_some() => "the PayTraq document is kept".to_string(),
        None => "no document will be made while it is there".to_string(),
    };
    match removal {
        ShopRemoval::Trash => TimelineEvent::now(
            "trashed_in_shop",
            format!("order moved to the trash in the shop; {document}"),
        ),
        ShopRemoval::Deleted => TimelineEvent::now(
            "deleted_in_shop",
            match order.paytraq.document_id {
                Some(_) => format!("order deleted permanently in the shop; {document}"),
                None => {
                    "order deleted permanently in the shop; no document will be made".to_string()
                }
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trash_body_names_the_order_by_id_and_the_deletion_by_the_action_argument() {
        assert_eq!(
            removed_order_id(ShopRemoval::Trash, br#"{"id":55}"#),
            Some(55)
        );
        assert_eq!(
            removed_order_id(
                ShopRemoval::Deleted,
                br#"{"action":"woocommerce_delete_order","arg":56}"#
            ),
            Some(56)
        );
        // Another action, a zero or missing id, or not JSON: nothing is named.
        assert_eq!(
            removed_order_id(
                ShopRemoval::Deleted,
                br#"{"action":"woocommerce_new_order","arg":56}"#
            ),
            None
        );
        assert_eq!(removed_order_id(ShopRemoval::Trash, br#"{"id":0}"#), None);
        assert_eq!(
            removed_order_id(ShopRemoval::Trash, br#"{"number":"55"}"#),
            None
        );
        assert_eq!(removed_order_id(ShopRemoval::Trash, b"id=55"), None);
    }
}
