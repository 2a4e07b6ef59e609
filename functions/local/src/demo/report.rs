//! What `demo` saw, the checks that decide its exit code, and how it is
//! printed: the inbox table, the notes written back per order, the sync
//! report's counts and the API calls made.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde_json::Value;

use super::orders::Expect;

/// One inbox order as the admin API shows it, next to what was expected.
#[derive(Clone, Debug)]
pub struct InboxRow {
    pub order_id: u64,
    pub label: String,
    pub expect: Expect,
    pub status: String,
    pub reason: Option<String>,
    pub document_id: Option<u64>,
    pub document_number: Option<String>,
    pub document_total: Option<Decimal>,
    pub order_total: Option<Decimal>,
    /// Payments (or prepayments) the PayTraq company holds for its document.
    pub payments: usize,
    /// Where the document's cents differ from the shop's (VAT per key,
    /// lines) although the totals are equal: the `cents_differ` event.
    pub cents: Option<String>,
}

impl InboxRow {
    /// Reads an order item of `GET /admin/channels/{id}/orders/{key}`.
    pub fn from_admin(order_id: u64, label: &str, expect: Expect, detail: &Value) -> Self {
        let money = |v: &Value| v.as_str().and_then(|s| s.parse::<Decimal>().ok());
        Self {
            order_id,
            label: label.to_string(),
            expect,
            status: detail["status"].as_str().unwrap_or("missing").to_string(),
            reason: detail["reason"].as_str().map(str::to_string),
            document_id: detail["paytraq"]["document_id"].as_u64(),
            document_number: detail["paytraq"]["document_number"]
                .as_str()
                .map(str::to_string),
            document_total: money(&detail["paytraq"]["document_total"]),
            order_total: money(&detail["summary"]["total"]),
            payments: 0,
            cents: detail["timeline"].as_array().and_then(|events| {
                events
                    .iter()
                    .find(|e| e["kind"] == "cents_differ")
                    .and_then(|e| e["message"].as_str())
                    .map(str::to_string)
            }),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct DemoReport {
    pub channel_id: String,
    pub inbox: Vec<InboxRow>,
    /// Order id → the notes on it in the shop (the channel's write-back).
    pub notes: BTreeMap<u64, Vec<String>>,
    pub sync_status: String,
    /// `report.counts` of the sync run.
    pub sync_counts: Value,
    /// PayTraq requests by route.
    pub paytraq_calls: BTreeMap<String, u64>,
    /// Webhook deliveries the shop made, by topic (`ping` included).
    pub woo_deliveries: BTreeMap<String, usize>,
    /// Everything that differed from what was expected; empty = success.
    pub problems: Vec<String>,
}

impl DemoReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn woo_notes_written(&self) -> usize {
        self.notes.values().map(Vec::len).sum()
    }

    /// Of the done orders: (done, VAT per key exact, every line exact).
    pub fn cents_exact(&self) -> (usize, usize, usize) {
        let done: Vec<&InboxRow> = self.inbox.iter().filter(|r| r.status == "done").collect();
        let said = |r: &InboxRow, what: &str| r.cents.as_deref().is_some_and(|c| c.contains(what));
        (
            done.len(),
            done.iter().filter(|r| !said(r, "PayTraq tax")).count(),
            done.iter().filter(|r| !said(r, "line \"")).count(),
        )
    }

    pub fn sync_updated(&self) -> u64 {
        self.sync_counts["updated"].as_u64().unwrap_or(0)
    }

    /// Fills `problems`.
    pub fn check(&mut self) {
        let mut problems = Vec::new();
        for row in &self.inbox {
            let who = format!("order {} ({})", row.order_id, row.label);
            match row.expect {
                Expect::Done => {
                    if row.status != "done" {
                        problems.push(format!(
                            "{who}: status {} (expected done){}",
                            row.status,
                            row.reason
                                .as_deref()
                                .map(|r| format!(": {r}"))
                                .unwrap_or_default()
                        ));
                    }
                    match (row.document_total, row.order_total) {
                        (Some(d), Some(o)) if d == o => {}
                        (d, o) => problems.push(format!(
                            "{who}: PayTraq document total {} differs from order total {}",
                            show(d),
                            show(o)
                        )),
                    }
                    if row.payments != 1 {
                        problems.push(format!(
                            "{who}: {} payments in PayTraq (expected exactly 1)",
                            row.payments
                        ));
                    }
                }
                Expect::FailsOnPaymentMethod(method) => {
                    if row.status != "failed" {
                        problems.push(format!("{who}: status {} (expected failed)", row.status));
                    }
                    if !row.reason.as_deref().is_some_and(|r| r.contains(method)) {
                        problems.push(format!(
                            "{who}: reason {:?} does not name the payment method {method}",
                            row.reason
                        ));
                    }
                    if row.document_id.is_some() || row.payments > 0 {
                        problems.push(format!("{who}: a PayTraq document or payment was made"));
                    }
                }
            }
        }
        if self.sync_status != "succeeded" {
            problems.push(format!(
                "sync run: status {} (expected succeeded)",
                self.sync_status
            ));
        }
        if self.sync_updated() == 0 {
            problems.push("sync run: no item updated (expected some)".to_string());
        }
        self.problems = problems;
    }
}

fn show(v: Option<Decimal>) -> String {
    v.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
}

impl fmt::Display for DemoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "\nInbox of channel {}", self.channel_id)?;
        writeln!(
            f,
            "  {:>6}  {:<13} {:<14} {:>9} {:>5}  what",
            "order", "status", "PayTraq doc", "total", "paid"
        )?;
        for r in &self.inbox {
            writeln!(
                f,
                "  {:>6}  {:<13} {:<14} {:>9} {:>5}  {}",
                r.order_id,
                r.status,
                r.document_number.as_deref().unwrap_or("-"),
                show(r.order_total),
                r.payments,
                r.label
            )?;
            if let Some(reason) = &r.reason {
                writeln!(f, "          reason: {reason}")?;
            }
            if let Some(cents) = &r.cents {
                writeln!(f, "          cents: {cents}")?;
            }
        }
        let (done, vat, lines) = self.cents_exact();
        writeln!(
            f,
            "  every cent: of {done} done, total exact {done}, VAT per key exact {vat}, all lines exact {lines}"
        )?;
        writeln!(f, "\nOrder notes written back to the shop")?;
        for (id, notes) in &self.notes {
            for note in notes {
                writeln!(f, "  #{id}: {note}")?;
            }
        }
        writeln!(f, "\nStock and price sync: {}", self.sync_status)?;
        if let Some(counts) = self.sync_counts.as_object() {
            for (name, n) in counts {
                writeln!(f, "  {name:<22} {n}")?;
            }
        }
        writeln!(f, "\nAPI calls made")?;
        let total: u64 = self.paytraq_calls.values().sum();
        writeln!(f, "  PayTraq: {total} requests")?;
        for (route, n) in &self.paytraq_calls {
            writeln!(f, "    {n:>4}  {route}")?;
        }
        writeln!(
            f,
            "  WooCommerce: {} order notes written; webhook deliveries to the channel:",
            self.woo_notes_written()
        )?;
        for (topic, n) in &self.woo_deliveries {
            writeln!(f, "    {n:>4}  {topic}")?;
        }
        if self.ok() {
            writeln!(f, "\nAll checks passed.")
        } else {
            writeln!(f, "\nWhat differed from the expected:")?;
            for p in &self.problems {
                writeln!(f, "  - {p}")?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(expect: Expect, status: &str, totals: (&str, &str), payments: usize) -> InboxRow {
        let mut r = InboxRow::from_admin(
            1000,
            "an order",
            expect,
            &json!({
                "status": status,
                "summary": {"total": totals.1},
                "paytraq": {"document_id": 7, "document_number": "INV-1", "document_total": totals.0}
            }),
        );
        r.payments = payments;
        r
    }

    fn report(rows: Vec<InboxRow>, sync: &str, updated: u64) -> DemoReport {
        let mut r = DemoReport {
            inbox: rows,
            sync_status: sync.into(),
            sync_counts: json!({ "updated": updated }),
            ..DemoReport::default()
        };
        r.check();
        r
    }

    #[test]
    fn a_run_as_expected_has_no_problems() {
        let r = report(
            vec![row(Expect::Done, "done", ("12.10", "12.10"), 1)],
            "succeeded",
            3,
        );
        assert!(r.ok(), "{:?}", r.problems);
    }

    #[test]
    fn every_difference_is_named() {
        let mut cheque = row(
            Expect::FailsOnPaymentMethod("cheque"),
            "done",
            ("1", "1"),
            1,
        );
        cheque.reason = Some("something else".into());
        let r = report(
            vec![
                row(Expect::Done, "needs_review", ("12.11", "12.10"), 2),
                cheque,
            ],
            "refused",
            0,
        );
        let all = r.problems.join("\n");
        for expected in [
            "status needs_review",
            "12.11 differs from order total 12.10",
            "2 payments",
            "status done (expected failed)",
            "does not name the payment method cheque",
            "document or payment was made",
            "status refused",
            "no item updated",
        ] {
            assert!(all.contains(expected), "{expected} missing in:\n{all}");
        }
        assert_eq!(r.problems.len(), 8, "{all}");
    }
}
