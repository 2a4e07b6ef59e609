//! Before the steps: what changed in the shop after the document was made.
//!
//! The document itself is never changed: a person may be working on the
//! draft, and EU practice never edits an issued invoice. Once the order's
//! sales invoice is approved, a refund becomes a credit note (made by the
//! `credit` step; an amount-only refund needs the setting
//! `refund_item_code`), and so does a cancellation under the setting
//! `credit_cancelled`. Every other change — a refund of a draft or of a
//! sales order, a cancellation, an edit of lines, shipping or the total
//! (WooCommerce recalculates an edited order, fact 10 of the captures) —
//! puts the order in `needs_review` with a note in the shop and an event in
//! the inbox naming what changed and what to do in PayTraq. Each change is
//! handled once: refunds by id, the cancellation once, an edit against the
//! order as last reported. With the setting `void_cancelled`, a cancelled
//! order's draft or approved sales order is voided instead (never an
//! approved invoice: it needs a credit note).

use crate::model::{
    BasisLine, CreditNote, Credited, DocumentBasis, DocumentType, OrderStatus, TimelineEvent,
};
use crate::woocommerce::order::Order;
use crate::woocommerce::order::RefundSummary;
use crate::woocommerce::WooError;

use crate::processing::document;

use super::super::{OrderRun, StepError};

/// The order as a document is made from it.
pub(in crate::processing::pipeline) fn basis_of(wc: &Order) -> DocumentBasis {
    DocumentBasis {
        total: wc.total,
        shipping_total: wc.shipping_lines.iter().map(|l| l.total).sum(),
        lines: wc
            .line_items
            .iter()
            .map(|l| BasisLine {
                name: l.name.clone(),
                quantity: l.quantity,
                total: l.total,
            })
            .collect(),
    }
}

/// What differs between the order a document was made from and the order
/// now, in words (lines by position and name, shipping, total).
fn basis_differences(was: &DocumentBasis, now: &DocumentBasis) -> Vec<String> {
    let mut out = Vec::new();
    let lines = was.lines.len().max(now.lines.len());
    for i in 0..lines {
        match (was.lines.get(i), now.lines.get(i)) {
            (Some(a), Some(b)) if a.name == b.name => {
                if a.quantity != b.quantity {
                    out.push(format!(
                        "line \"{}\": quantity {} → {}",
                        a.name,
                        a.quantity.normalize(),
                        b.quantity.normalize()
                    ));
                }
                if a.total != b.total {
                    out.push(format!("line \"{}\": {} → {}", a.name, a.total, b.total));
                }
            }
            (Some(a), Some(b)) => out.push(format!(
                "line \"{}\" ({} × {}) is now \"{}\" ({} × {})",
                a.name,
                a.quantity.normalize(),
                a.total,
                b.name,
                b.quantity.normalize(),
                b.total
            )),
            (Some(a), None) => out.push(format!("line \"{}\" removed", a.name)),
            (None, Some(b)) => out.push(format!(
                "line \"{}\" added ({} for {})",
                b.name,
                b.quantity.normalize(),
                b.total
            )),
            (None, None) => {}
        }
    }
    if was.shipping_total != now.shipping_total {
        out.push(format!(
            "shipping {} → {}",
            was.shipping_total, now.shipping_total
        ));
    }
    if was.total != now.total {
        out.push(format!("total {} → {}", was.total, now.total));
    }
    out
}

impl OrderRun<'_> {
    /// Under the setting `void_cancelled`: voids the document of an order
    /// cancelled in the shop when it is a draft or an approved sales order
    /// (never an approved invoice: that needs a credit note). True when the
    /// document is voided and the order handled.
    async fn void_cancelled(&mut self, label: &str) -> Result<bool, StepError> {
        if !self.channel.settings.void_cancelled {
            return Ok(false);
        }
        let id = self.document_id()?;
        let sale = self.pt()?.get_sale(id).await?;
        let sales_order = sale.sale_type.as_deref() == Some("sales_order");
        let voidable = sale.is_voided()
            || !sale.is_approved()
            || (sales_order && sale.status.as_deref().map(str::trim) == Some("in_process"));
        if !voidable {
            return Ok(false);
        }
        if !sale.is_voided() {
            // Repeated by the client only after checking it is not voided yet.
            self.pt()?.void_sale(id).await?;
        }
        let text = format!("order cancelled in the shop; {label} voided in PayTraq");
        self.order.status = OrderStatus::Handled;
        self.order.reason = Some(text.clone());
        self.order
            .record(TimelineEvent::now("voided", text.clone()));
        self.save().await?;
        self.note("voided", &format!("PayTraq: {text}.")).await?;
        Ok(true)
    }

    /// Whether the order's document is an approved sales invoice: what a
    /// credit note can take back.
    fn invoice_approved(&self) -> bool {
        self.order.paytraq.approved
            && self.channel.settings.document_type == DocumentType::SalesInvoice
    }

    /// Whether a refund of the approved invoice can become a credit note: it
    /// names lines, or the channel has a product for amount-only refunds. A
    /// refund gone from the shop cannot.
    async fn creditable(&self, refund: &RefundSummary) -> Result<bool, StepError> {
        if document::refund_code(&self.channel).is_some() {
            return Ok(true);
        }
        let (Some(woo), Some(order_id)) = (self.woo.clone(), self.order.order_id) else {
            return Ok(false);
        };
        match woo.get_refund(order_id, refund.id).await {
            Ok(detail) => Ok(!detail.is_amount_only()),
            Err(WooError::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Reports what changed in the shop since the document was made and
    /// records the credit notes that became due; true when the order needs
    /// review (no step runs then).
    pub(in crate::processing::pipeline) async fn changed_after_document(
        &mut self,
        wc: &Order,
    ) -> Result<bool, StepError> {
        let (Some(_), Some(basis)) = (
            self.order.paytraq.document_id,
            self.order.paytraq.basis.clone(),
        ) else {
            return Ok(false);
        };
        let label = self.document_label();
        let cancelled_before = self
            .order
            .timeline
            .iter()
            .any(|e| e.kind == "cancelled_in_shop" || e.kind == "voided");
        if wc.status == "cancelled" && !cancelled_before && self.void_cancelled(&label).await? {
            // A voided document needs nothing more: no credit note, no reissue.
            return Ok(true);
        }
        // (note key, timeline kind, what happened and what to do)
        let mut changes: Vec<(String, &str, String)> = Vec::new();
        // Credit notes that became due, with what the timeline says of them.
        let mut due: Vec<(CreditNote, &str, String)> = Vec::new();
        for refund in wc
            .refunds
            .iter()
            .filter(|r| !self.order.paytraq.refunds_seen.contains(&r.id))
        {
            let reason = match refund.reason.trim() {
                "" => String::new(),
                reason => format!(" (\"{reason}\")"),
            };
            if self.invoice_approved() && self.creditable(refund).await? {
                due.push((
                    CreditNote::due(
                        Credited::Refund {
                            refund_id: refund.id,
                        },
                        -refund.total,
                        label.clone(),
                    ),
                    "refunded_in_shop",
                    format!(
                        "refund #{} of {} {} made in the shop{reason}; a credit note for {label} follows",
                        refund.id, -refund.total, wc.currency
                    ),
                ));
                continue;
            }
            let hint = if self.invoice_approved() {
                " (it names no lines: set refund_item_code to have such refunds credited)"
            } else {
                ""
            };
            changes.push((
                format!("refund:{}", refund.id),
                "refunded_in_shop",
                format!(
                    "refund #{} of {} {} made in the shop{reason}; {label} is unchanged: issue a credit note for it in PayTraq{hint}",
                    refund.id,
                    -refund.total,
                    wc.currency
                ),
            ));
        }
        let now = basis_of(wc);
        let edits = basis_differences(&basis, &now);
        let credit_whole = self.channel.settings.credit_cancelled
            && self.invoice_approved()
            && self.order.paytraq.current_credit_notes().is_empty()
            && due.is_empty()
            && edits.is_empty();
        if wc.status == "cancelled" && !cancelled_before && credit_whole {
            due.push((
                CreditNote::due(Credited::Cancellation, wc.total, label.clone()),
                "cancelled_in_shop",
                format!("order cancelled in the shop; a credit note for the whole {label} follows"),
            ));
        } else if wc.status == "cancelled" && !cancelled_before {
            changes.push((
                "cancelled".into(),
                "cancelled_in_shop",
                format!(
                    "order cancelled in the shop after {label} was made; nothing was changed in PayTraq: void {label} or issue a credit note there"
                ),
            ));
        }
        if !edits.is_empty() {
            let version = wc
                .date_modified_gmt
                .map_or_else(|| now.total.to_string(), |d| d.timestamp().to_string());
            changes.push((
                format!("edited:{version}"),
                "edited_in_shop",
                format!(
                    "order edited in the shop after {label} was made: {}; {label} is unchanged: issue a credit note and a new document in PayTraq{}",
                    edits.join(", "),
                    if self.invoice_approved() {
                        ", or reissue the order (a credit note and a new invoice, made by the channel)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        if changes.is_empty() && due.is_empty() {
            return Ok(false);
        }
        self.order
            .paytraq
            .refunds_seen
            .extend(wc.refunds.iter().map(|r| r.id));
        self.order.paytraq.refunds_seen.sort_unstable();
        self.order.paytraq.refunds_seen.dedup();
        for (credit, kind, text) in due {
            self.order.paytraq.credit_notes.push(credit);
            self.order.record(TimelineEvent::now(kind, text));
        }
        if changes.is_empty() {
            self.save().await?;
            return Ok(false);
        }
        // Later changes are compared with the order as reported now; the
        // document still shows the order before the edit (a reissue may
        // replace it).
        self.order.paytraq.edited_after_document |= !edits.is_empty();
        self.order.paytraq.basis = Some(now);
        self.order.status = OrderStatus::NeedsReview;
        self.order.reason = Some(
            changes
                .iter()
                .map(|(_, _, text)| text.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        );
        for (_, kind, text) in &changes {
            self.order.record(TimelineEvent::now(*kind, text.clone()));
        }
        self.save().await?;
        for (key, _, text) in &changes {
            self.note(key, &format!("PayTraq: {text}.")).await?;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    fn line(name: &str, quantity: Decimal, total: Decimal) -> BasisLine {
        BasisLine {
            name: name.into(),
            quantity,
            total,
        }
    }

    #[test]
    fn an_edit_is_named_line_by_line_with_shipping_and_total() {
        // Capture 107: coffee 1 → 3 (total kept), a honey line added, 19.38 → 31.47.
        let was = DocumentBasis {
            total: dec!(19.38),
            shipping_total: dec!(3.50),
            lines: vec![
                line("Kafija", dec!(1), dec!(8.49)),
                line("Grāmata", dec!(1), dec!(5.00)),
            ],
        };
        let now = DocumentBasis {
            total: dec!(31.47),
            shipping_total: dec!(3.50),
            lines: vec![
                line("Kafija", dec!(3), dec!(8.49)),
                line("Grāmata", dec!(1), dec!(5.00)),
                line("Medus", dec!(1), dec!(9.99)),
            ],
        };
        assert_eq!(
            basis_differences(&was, &now),
            [
                "line \"Kafija\": quantity 1 → 3",
                "line \"Medus\" added (1 for 9.99)",
                "total 19.38 → 31.47"
            ]
        );
        assert!(basis_differences(&now, &now).is_empty());
        let fewer = DocumentBasis {
            lines: vec![line("Kafija", dec!(3), dec!(25.47))],
            shipping_total: dec!(4.00),
            ..now.clone()
        };
        assert_eq!(
            basis_differences(&now, &fewer),
            [
                "line \"Kafija\": 8.49 → 25.47",
                "line \"Grāmata\" removed",
                "line \"Medus\" removed",
                "shipping 3.50 → 4.00"
            ]
        );
    }
}
