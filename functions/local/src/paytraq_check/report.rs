//! What `local paytraq-check` found: one row per call (call, method and
//! path, result, evidence), the counts, the tax keys' rates, what the write
//! test chose and created; printed as a table and written as JSON.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use channel::paytraq::routes::method_and_path;
use channel::paytraq::PaytraqError;
use channel::secrets::Secret;
use rust_decimal::Decimal;
use serde::Serialize;

/// How one call went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// PayTraq answered and the answer is what the product needs.
    Works,
    /// PayTraq answered with an error (status and its text in the evidence).
    Refused,
    /// PayTraq answered 2xx with a reply the client cannot read.
    NotUnderstood,
    /// No answer: the connection failed or timed out.
    NoAnswer,
    /// PayTraq answered, readably, but not as the product expects.
    Unexpected,
    /// Not run (the evidence says why).
    Skipped,
}

impl Outcome {
    /// Whether this result means the product may not work with the company.
    pub fn is_problem(self) -> bool {
        !matches!(self, Self::Works | Self::Skipped)
    }

    fn label(self) -> &'static str {
        match self {
            Self::Works => "works",
            Self::Refused => "refused",
            Self::NotUnderstood => "reply not understood",
            Self::NoAnswer => "no answer",
            Self::Unexpected => "unexpected answer",
            Self::Skipped => "skipped",
        }
    }

    /// The outcome of a failed call, with PayTraq's answer as evidence.
    pub fn of_error(err: &PaytraqError) -> (Self, String) {
        let outcome = match err {
            PaytraqError::Decode(_) => Self::NotUnderstood,
            PaytraqError::Timeout | PaytraqError::Transport(_) => Self::NoAnswer,
            PaytraqError::Invalid(_) => Self::Unexpected,
            PaytraqError::Api { .. }
            | PaytraqError::Unauthorized
            | PaytraqError::NotFound
            | PaytraqError::RateLimited { .. } => Self::Refused,
        };
        (outcome, err.to_string())
    }
}

/// One checked call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The call's name in `routes.rs` (`get_sale`).
    pub call: &'static str,
    /// What this use of the call checks (`the invoice read back`).
    pub purpose: String,
    /// `GET /api/sale/{id}`, from `routes.rs`.
    pub method_and_path: String,
    pub result: Outcome,
    pub evidence: String,
}

/// A tax key and the rate the product would read from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TaxKeyRate {
    pub tax_key_id: u64,
    pub name: String,
    pub rate: Option<Decimal>,
    /// `TaxRate` (the element), `name` (`PVN 21%`), or none: the operator gives it.
    pub rate_from: Option<&'static str>,
}

/// What the write test used, and why.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Chosen {
    pub item: Option<String>,
    pub tax_key: Option<String>,
    pub money_account: Option<String>,
    pub warehouse: Option<String>,
    pub client: Option<String>,
}

/// Something the write test created in the company.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Created {
    /// `sales invoice`, `sales order`, `client`.
    pub kind: &'static str,
    pub id: u64,
    /// The document number; for a client, its e-mail.
    pub number: Option<String>,
}

/// Everything `local paytraq-check` found.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub base_url: String,
    /// `read-only` or `write-test`.
    pub mode: &'static str,
    pub rows: Vec<Row>,
    /// `tax keys`, `warehouses`, `money accounts`, `products`, … → how many.
    pub counts: BTreeMap<&'static str, usize>,
    pub tax_keys: Vec<TaxKeyRate>,
    pub chosen: Chosen,
    pub created: Vec<Created>,
    #[serde(skip)]
    secrets: Vec<String>,
}

impl CheckReport {
    pub(crate) fn new<'a>(
        base_url: &str,
        write_test: bool,
        secrets: impl IntoIterator<Item = &'a Secret>,
    ) -> Self {
        Self {
            base_url: base_url.to_owned(),
            mode: if write_test {
                "write-test"
            } else {
                "read-only"
            },
            rows: Vec::new(),
            counts: BTreeMap::new(),
            tax_keys: Vec::new(),
            chosen: Chosen::default(),
            created: Vec::new(),
            secrets: secrets
                .into_iter()
                .map(|s| s.expose().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
        }
    }

    /// Records one call. The evidence is scrubbed of the key and token
    /// (the client scrubs its errors already; this holds for every row).
    pub(crate) fn row(
        &mut self,
        call: &'static str,
        purpose: &str,
        result: Outcome,
        evidence: impl Into<String>,
    ) {
        let mut evidence = evidence.into();
        for secret in &self.secrets {
            evidence = evidence.replace(secret.as_str(), "***");
        }
        self.rows.push(Row {
            call,
            purpose: purpose.to_owned(),
            method_and_path: method_and_path(call).unwrap_or_else(|| "(unknown call)".into()),
            result,
            evidence,
        });
    }

    /// Records a call that went wrong.
    pub(crate) fn failed(&mut self, call: &'static str, purpose: &str, err: &PaytraqError) {
        let (outcome, evidence) = Outcome::of_error(err);
        self.row(call, purpose, outcome, evidence);
    }

    /// Whether every call that ran works.
    pub fn ok(&self) -> bool {
        !self.rows.iter().any(|r| r.result.is_problem())
    }

    /// 0 when every call that ran works, 2 when any did not.
    pub fn exit_code(&self) -> i32 {
        if self.ok() {
            0
        } else {
            2
        }
    }

    /// The rows that ran (not skipped).
    pub fn calls_checked(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.result != Outcome::Skipped)
            .count()
    }

    /// The report as JSON, for a support request.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// How to undo the write test, or `None` when it created nothing.
    pub fn how_to_void(&self) -> Option<String> {
        let documents: Vec<&Created> = self.created.iter().filter(|c| c.kind != "client").collect();
        let clients: Vec<&Created> = self.created.iter().filter(|c| c.kind == "client").collect();
        if self.created.is_empty() {
            return None;
        }
        let mut out = String::from("The write test created, in this company:\n");
        for c in documents.iter().chain(clients.iter()) {
            let number = c.number.as_deref().unwrap_or("(no number)");
            let _ = writeln!(out, "  {} {number} (id {})", c.kind, c.id);
        }
        if !documents.is_empty() {
            out.push_str(
                "Void them in PayTraq (Sales → the document → Void); their payments go with them.\n",
            );
        }
        if !clients.is_empty() {
            out.push_str(
                "The test client can be deleted in PayTraq once its documents are voided.\n",
            );
        }
        Some(out)
    }
}

/// The table: call, method and path, result, evidence; then the counts.
impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "PayTraq check of {} ({})", self.base_url, self.mode)?;
        let call_of = |r: &Row| format!("{} ({})", r.call, r.purpose);
        let w_call = self
            .rows
            .iter()
            .map(|r| call_of(r).chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        let w_path = self
            .rows
            .iter()
            .map(|r| r.method_and_path.len())
            .max()
            .unwrap_or(15)
            .max(15);
        let w_result = self
            .rows
            .iter()
            .map(|r| r.result.label().len())
            .max()
            .unwrap_or(6)
            .max(6);
        writeln!(
            f,
            "{:w_call$} | {:w_path$} | {:w_result$} | evidence",
            "call", "method and path", "result"
        )?;
        writeln!(f, "{}", "-".repeat(w_call + w_path + w_result + 18))?;
        for r in &self.rows {
            writeln!(
                f,
                "{:w_call$} | {:w_path$} | {:w_result$} | {}",
                call_of(r),
                r.method_and_path,
                r.result.label(),
                r.evidence
            )?;
        }
        let chosen = [
            ("item", &self.chosen.item),
            ("tax key", &self.chosen.tax_key),
            ("money account", &self.chosen.money_account),
            ("warehouse", &self.chosen.warehouse),
            ("client", &self.chosen.client),
        ];
        let chosen: Vec<String> = chosen
            .iter()
            .filter_map(|(what, value)| value.as_ref().map(|v| format!("{what} {v}")))
            .collect();
        if !chosen.is_empty() {
            writeln!(f, "write test used: {}", chosen.join("; "))?;
        }
        let counts: Vec<String> = self
            .counts
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        if !counts.is_empty() {
            writeln!(f, "counts: {}", counts.join(", "))?;
        }
        let problems = self.rows.iter().filter(|r| r.result.is_problem()).count();
        match problems {
            0 => writeln!(f, "all {} calls checked work", self.calls_checked()),
            n => writeln!(
                f,
                "{n} of {} calls checked did not work as the product needs (see above)",
                self.calls_checked()
            ),
        }
    }
}
