//! Step 2: read the document back and compare its total with the order's;
//! under the "adjust" rounding policy a small difference gets an explicit
//! rounding line on the draft first.

use rust_decimal::Decimal;

use crate::faults::Boundary;
use crate::model::{OrderStatus, RoundingPolicy, TimelineEvent};
use crate::paytraq::model as pt;
use crate::processing::document::{self, explain_mismatch};
use crate::woocommerce::order::Order;

use super::super::{OrderRun, StepError};

impl OrderRun<'_> {
    /// Reads the document back and compares totals; false on a mismatch.
    /// Under the "adjust" rounding policy a difference within the allowed
    /// amount first gets an explicit rounding line on the draft.
    pub(in crate::processing::pipeline) async fn check_total(
        &mut self,
        wc: &Order,
    ) -> Result<bool, StepError> {
        let id = self.document_id()?;
        let mut sale = self.pt()?.get_sale(id).await?;
        self.boundary(Boundary::AfterGetSale)?;
        let mut not_adjusted = None;
        if sale.total != wc.total {
            if let Some(amount) = self.rounding_to_apply(wc, &sale) {
                match self.add_rounding_line(wc, amount).await? {
                    Ok(()) => {
                        sale = self.pt()?.get_sale(id).await?;
                        self.boundary(Boundary::AfterGetSaleRounded)?;
                    }
                    Err(why) => not_adjusted = Some(why),
                }
            }
        }
        self.order.paytraq.document_total = Some(sale.total);
        if sale.document_number.is_some() {
            self.order.paytraq.document_number = sale.document_number.clone();
        }
        let label = self.document_label();
        if sale.total != wc.total {
            let mut why = explain_mismatch(&self.channel, wc, &sale);
            if let Some(extra) = not_adjusted.or_else(|| self.why_not_rounded(wc, &sale)) {
                why = format!("{why}; {extra}");
            }
            self.order.status = OrderStatus::NeedsReview;
            self.order.reason = Some(why.clone());
            self.order
                .record(TimelineEvent::now("mismatch", why.clone()));
            self.save().await?;
            self.note(
                "mismatch",
                &format!("PayTraq: {label} stays a draft, no payment added. {why}."),
            )
            .await?;
            return Ok(false);
        }
        if self.order.status == OrderStatus::NeedsReview {
            self.order.status = OrderStatus::DocumentCreated;
            self.order.reason = None;
        }
        let rounding = self.order.paytraq.rounding_adjustment.map(|amount| {
            format!(
                "rounding adjustment of {amount:+} {} added to {label} (PayTraq total without it {}, WooCommerce total {}; the channel allows up to {})",
                wc.currency,
                wc.total - amount,
                wc.total,
                self.rounding_allowance().unwrap_or_default(),
            )
        });
        if let Some(text) = &rounding {
            self.order
                .record(TimelineEvent::now("rounding", text.clone()));
        }
        // Totals equal; where the cents still differ, the note and the inbox say so.
        let cents = document::cents(&self.channel, wc, &sale).explain();
        if let Some(text) = &cents {
            self.order.record(TimelineEvent::now(
                "cents_differ",
                format!("total equal; {text}"),
            ));
        }
        self.save().await?;
        if let Some(text) = rounding {
            self.note("rounding", &format!("PayTraq: {text}.")).await?;
        }
        let cents = cents.map_or_else(String::new, |text| {
            format!(" Total equal to the shop's; the cents differ: {text}.")
        });
        self.note(
            "created",
            &format!(
                "PayTraq: {label} created, total {} {}.{cents}",
                sale.total, wc.currency
            ),
        )
        .await?;
        Ok(true)
    }

    /// The most a rounding line may be, when the channel allows one.
    fn rounding_allowance(&self) -> Option<Decimal> {
        match self.channel.settings.rounding {
            RoundingPolicy::Adjust { max } => Some(max),
            RoundingPolicy::Strict => None,
        }
    }

    /// The rounding line to put on the document, if the policy allows one:
    /// a draft, a difference within the allowance, and no earlier line that
    /// took effect (an earlier line of the same amount that did not take
    /// effect is sent again; the update replaces the whole draft).
    fn rounding_to_apply(&self, wc: &Order, sale: &pt::Sale) -> Option<Decimal> {
        let max = self.rounding_allowance()?;
        let diff = wc.total - sale.total;
        if diff.is_zero() || diff.abs() > max || sale.is_approved() {
            return None;
        }
        match self.order.paytraq.rounding_adjustment {
            None => Some(diff),
            Some(earlier) => (earlier == diff).then_some(diff),
        }
    }

    /// Why a difference was left alone although the policy adjusts.
    fn why_not_rounded(&self, wc: &Order, sale: &pt::Sale) -> Option<String> {
        let max = self.rounding_allowance()?;
        let diff = wc.total - sale.total;
        Some(
            if let Some(earlier) = self.order.paytraq.rounding_adjustment {
                format!(
                    "a rounding line of {earlier:+} is on the document and the totals still differ"
                )
            } else if diff.abs() > max {
                format!("the difference is over the allowed rounding of {max}")
            } else {
                "the document is no longer a draft, so no rounding line was added".to_string()
            },
        )
    }

    /// Replaces the draft with the same document plus a rounding line of
    /// `amount`. `Ok(Err(why))` when the line cannot be built (no fee
    /// product, untaxed lines not mapped) or PayTraq refuses the update: the
    /// order then needs review.
    async fn add_rounding_line(
        &mut self,
        wc: &Order,
        amount: Decimal,
    ) -> Result<Result<(), String>, StepError> {
        let id = self.document_id()?;
        let fee = document::fee_code(&self.channel).map(str::to_owned);
        let items = self.items(wc, fee.as_deref()).await?;
        let client_id = self.client(wc).await?;
        let mut sale = self.document_sale(wc, &items, client_id)?;
        match document::rounding_line(&self.channel, wc, &items, amount) {
            Ok(line) => sale.lines.push(line),
            Err(problems) => return Ok(Err(format!("no rounding line added: {problems}"))),
        }
        // Recorded first: a retry after the update explains the line too.
        self.order.paytraq.rounding_adjustment = Some(amount);
        self.save().await?;
        match self.pt()?.update_sale(id, &sale).await {
            Ok(()) => {}
            // Refused outright: nothing changed, and the draft needs a person.
            Err(e) if !e.is_ambiguous() && !e.is_retryable() => {
                self.order.paytraq.rounding_adjustment = None;
                self.save().await?;
                return Ok(Err(format!("PayTraq refused the rounding line: {e}")));
            }
            Err(e) => return Err(e.into()),
        }
        self.boundary(Boundary::AfterUpdateSale)?;
        Ok(Ok(()))
    }
}
