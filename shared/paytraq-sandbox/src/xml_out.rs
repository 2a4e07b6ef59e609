//! A small XML writer for the sandbox's replies. The sandbox writes its
//! XML by hand (not with the client's serde types) so that a mismatch
//! between the client's model and the documented shapes shows up in tests.

use quick_xml::escape::escape;
use rust_decimal::{Decimal, RoundingStrategy};

#[derive(Default)]
pub struct Xml(String);

impl Xml {
    pub fn new() -> Self {
        Self(String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"))
    }
    /// A writer without the XML declaration: real `GET /api/sale/{id}`
    /// bodies start at the root (fixtures README §10).
    pub fn bare() -> Self {
        Self(String::new())
    }
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.0.push('<');
        self.0.push_str(name);
        self.0.push('>');
        self
    }
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.0.push_str("</");
        self.0.push_str(name);
        self.0.push('>');
        self
    }
    /// `<name>text</name>`, or `<name/>` for empty text.
    pub fn leaf(&mut self, name: &str, text: impl AsRef<str>) -> &mut Self {
        let text = text.as_ref();
        if text.is_empty() {
            self.0.push('<');
            self.0.push_str(name);
            self.0.push_str("/>");
        } else {
            self.open(name);
            self.0.push_str(&escape(text));
            self.close(name);
        }
        self
    }
    /// `<name>text</name>`, also when empty (`<name></name>`), as real
    /// sale replies write every element.
    pub fn field(&mut self, name: &str, text: impl AsRef<str>) -> &mut Self {
        self.open(name);
        self.0.push_str(&escape(text.as_ref()));
        self.close(name)
    }
    /// An element present but empty (`<name></name>`).
    pub fn empty(&mut self, name: &str) -> &mut Self {
        self.field(name, "")
    }
    pub fn opt(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        self.leaf(name, text.unwrap_or(""))
    }
    /// A money amount with two decimals.
    pub fn money(&mut self, name: &str, amount: Decimal) -> &mut Self {
        self.leaf(name, money(amount))
    }
    /// A quantity, price or rate as a plain decimal without trailing zeros.
    pub fn num(&mut self, name: &str, value: Decimal) -> &mut Self {
        self.leaf(name, value.normalize().to_string())
    }
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.0)
    }
}

/// A quantity or price as real replies write it: two decimals, more only
/// when the value has them (`1.00`, `5.99`, `3.591`).
pub fn fixed2(value: Decimal) -> String {
    let mut v = value.normalize();
    if v.scale() < 2 {
        v.rescale(2);
    }
    v.to_string()
}

pub fn money(amount: Decimal) -> String {
    let mut r = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r.to_string()
}

/// The `<Error>` body of every failed sandbox reply.
pub fn error_body(code: u16, message: &str) -> String {
    Xml::new()
        .open("Error")
        .leaf("Code", code.to_string())
        .leaf("Message", message)
        .close("Error")
        .finish()
}
