//! The XML shapes of sales documents and payments (reference §7, §8, §10):
//! the `POST /api/sale` body built from a [`NewSale`], the
//! `GET /api/sale/{id}` / `GET /api/sales` replies turned into [`Sale`], and
//! the payment and e-mail bodies.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::model::{
    NewPayment, NewPrepayment, NewSale, Operation, Sale, SaleLine, SaleMessage, SalePayment,
    SaleTax, SaleType, ShippingCharge, TaxKeyRef, TaxKeyWire,
};
use super::routes::{reference_marker, PAY_TERM_TYPE_DAYS};
use super::xml::{decimal_opt, decimal_or_zero, id_opt};
use super::PaytraqError;

// ------------------------------------------------------------ create body

#[derive(Serialize)]
#[serde(rename = "Sale")]
pub(crate) struct SaleBody {
    #[serde(rename = "Header")]
    header: HeaderBody,
    #[serde(rename = "LineItems")]
    lines: LinesBody,
    #[serde(rename = "ShippingCharge", skip_serializing_if = "Option::is_none")]
    shipping_charge: Option<ShippingCharge>,
}

#[derive(Serialize)]
struct HeaderBody {
    #[serde(rename = "Document")]
    document: DocumentBody,
    #[serde(rename = "SaleType")]
    sale_type: SaleType,
    #[serde(rename = "Operation")]
    operation: Operation,
    #[serde(rename = "Currency")]
    currency: String,
    #[serde(rename = "IncludeTax")]
    include_tax: bool,
    #[serde(rename = "DateDue", skip_serializing_if = "Option::is_none")]
    date_due: Option<String>,
    #[serde(rename = "Comment")]
    comment: String,
    #[serde(rename = "PayTerm", skip_serializing_if = "Option::is_none")]
    pay_term: Option<PayTermBody>,
    #[serde(rename = "ShippingData", skip_serializing_if = "Option::is_none")]
    shipping: Option<ShippingBody>,
}

#[derive(Serialize)]
struct PayTermBody {
    #[serde(rename = "PayTermType")]
    pay_term_type: u8,
    #[serde(rename = "PayTermDays")]
    days: u16,
}

#[derive(Serialize)]
struct DocumentBody {
    #[serde(rename = "DocumentDate")]
    date: String,
    #[serde(rename = "Client")]
    client: ClientIdBody,
}

#[derive(Serialize)]
struct ClientIdBody {
    #[serde(rename = "ClientID")]
    client_id: u64,
}

#[derive(Serialize)]
struct ShippingBody {
    #[serde(rename = "ShippingType")]
    shipping_type: u8,
    #[serde(rename = "Warehouse")]
    warehouse: WarehouseIdBody,
    #[serde(rename = "LoadingArea", skip_serializing_if = "Option::is_none")]
    loading_area: Option<LoadingAreaBody>,
}

#[derive(Serialize)]
struct WarehouseIdBody {
    #[serde(rename = "WarehouseID")]
    warehouse_id: u64,
}

#[derive(Serialize)]
struct LoadingAreaBody {
    #[serde(rename = "LoadingAreaID")]
    loading_area_id: u64,
}

#[derive(Serialize)]
struct LinesBody {
    #[serde(rename = "LineItem")]
    items: Vec<LineBody>,
}

#[derive(Serialize)]
struct LineBody {
    #[serde(rename = "Item", skip_serializing_if = "Option::is_none")]
    item: Option<ItemBody>,
    #[serde(rename = "ItemDescription", skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(rename = "Qty")]
    qty: Decimal,
    #[serde(rename = "Price")]
    price: Decimal,
    #[serde(rename = "LineDiscount")]
    discount: Decimal,
    #[serde(rename = "TaxKey")]
    tax_key: TaxKeyRef,
}

#[derive(Serialize)]
struct ItemBody {
    #[serde(rename = "ItemID", skip_serializing_if = "Option::is_none")]
    item_id: Option<u64>,
    #[serde(rename = "ItemCode", skip_serializing_if = "Option::is_none")]
    item_code: Option<String>,
}

impl SaleBody {
    /// Checks a [`NewSale`] and builds the body. The reference marker goes
    /// into `Comment` (see `routes::reference_marker`).
    pub(crate) fn build(sale: &NewSale) -> Result<Self, PaytraqError> {
        if sale.lines.is_empty() {
            return Err(PaytraqError::Invalid(
                "a sale needs at least one line".into(),
            ));
        }
        if sale.our_reference.trim().is_empty() {
            return Err(PaytraqError::Invalid(
                "a sale needs our order reference".into(),
            ));
        }
        if sale.currency.len() != 3 {
            return Err(PaytraqError::Invalid(
                "currency must be an ISO 4217 code".into(),
            ));
        }
        let mut items = Vec::with_capacity(sale.lines.len());
        for (n, line) in sale.lines.iter().enumerate() {
            let has_item = line.item_id.is_some() || line.item_code.is_some();
            if sale.operation == Operation::SellGoods && !has_item {
                return Err(PaytraqError::Invalid(format!(
                    "line {n}: goods need an item"
                )));
            }
            if line.quantity <= Decimal::ZERO {
                return Err(PaytraqError::Invalid(format!(
                    "line {n}: quantity must be positive"
                )));
            }
            items.push(LineBody {
                item: has_item.then(|| ItemBody {
                    item_id: line.item_id,
                    item_code: line.item_code.clone(),
                }),
                description: line.description.clone(),
                qty: line.quantity.normalize(),
                price: line.unit_price.normalize(),
                discount: line.discount_percent.normalize(),
                tax_key: TaxKeyRef {
                    tax_key_id: line.tax_key_id,
                },
            });
        }
        let marker = reference_marker(&sale.our_reference);
        let comment = match sale.comment.as_deref().map(str::trim) {
            Some(c) if !c.is_empty() => format!("{c} {marker}"),
            _ => marker,
        };
        Ok(Self {
            header: HeaderBody {
                document: DocumentBody {
                    date: sale.document_date.format("%Y-%m-%d").to_string(),
                    client: ClientIdBody {
                        client_id: sale.client_id,
                    },
                },
                sale_type: sale.sale_type,
                operation: sale.operation,
                currency: sale.currency.to_ascii_uppercase(),
                include_tax: sale.include_tax,
                date_due: sale.date_due().map(|d| d.format("%Y-%m-%d").to_string()),
                comment,
                pay_term: sale.payment_term_days.map(|days| PayTermBody {
                    pay_term_type: PAY_TERM_TYPE_DAYS,
                    days,
                }),
                shipping: sale.warehouse_id.map(|warehouse_id| ShippingBody {
                    shipping_type: 1,
                    warehouse: WarehouseIdBody { warehouse_id },
                    loading_area: sale
                        .loading_area_id
                        .map(|loading_area_id| LoadingAreaBody { loading_area_id }),
                }),
            },
            lines: LinesBody { items },
            shipping_charge: sale.shipping_charge.clone(),
        })
    }
}

// ------------------------------------------------------------ payments, e-mail

#[derive(Serialize)]
#[serde(rename = "Payment")]
pub(crate) struct PaymentBody {
    #[serde(rename = "ClientID", skip_serializing_if = "Option::is_none")]
    client_id: Option<u64>,
    #[serde(rename = "MoneyAccountID")]
    money_account_id: u64,
    #[serde(rename = "Amount")]
    amount: Decimal,
    #[serde(rename = "Currency")]
    currency: String,
    #[serde(rename = "PaymentDate")]
    date: String,
    #[serde(rename = "Comment", skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

fn check_amount(amount: Decimal) -> Result<Decimal, PaytraqError> {
    if amount <= Decimal::ZERO {
        return Err(PaytraqError::Invalid(
            "payment amount must be positive".into(),
        ));
    }
    Ok(amount.normalize())
}

impl PaymentBody {
    pub(crate) fn payment(p: &NewPayment) -> Result<Self, PaytraqError> {
        Ok(Self {
            client_id: None,
            money_account_id: p.money_account_id,
            amount: check_amount(p.amount)?,
            currency: p.currency.to_ascii_uppercase(),
            date: p.date.format("%Y-%m-%d").to_string(),
            comment: p.comment.clone(),
        })
    }

    /// The money returned on a credit note: posted negative (ASSUMED, see
    /// `routes::pay_credit_note`).
    pub(crate) fn credit_note_payment(p: &NewPayment) -> Result<Self, PaytraqError> {
        Ok(Self {
            amount: -check_amount(p.amount)?,
            ..Self::payment(p)?
        })
    }

    pub(crate) fn prepayment(client_id: u64, p: &NewPrepayment) -> Result<Self, PaytraqError> {
        Ok(Self {
            client_id: Some(client_id),
            money_account_id: p.money_account_id,
            amount: check_amount(p.amount)?,
            currency: p.currency.to_ascii_uppercase(),
            date: p.date.format("%Y-%m-%d").to_string(),
            comment: p.comment.clone(),
        })
    }
}

#[derive(Serialize)]
#[serde(rename = "Send")]
pub(crate) struct SendBody {
    #[serde(rename = "Email")]
    pub email: String,
}

// ------------------------------------------------------------ replies

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SaleWire {
    #[serde(rename = "Header", default)]
    header: HeaderWire,
    #[serde(rename = "LineItems", default)]
    lines: LinesWire,
    #[serde(rename = "ShippingCharge", default)]
    shipping_charge: ShippingChargeWire,
    #[serde(rename = "Taxes", default)]
    taxes: TaxesWire,
    #[serde(rename = "Totals", default)]
    totals: TotalsWire,
    #[serde(rename = "Payments", default)]
    payments: PaymentsWire,
    #[serde(rename = "MessageLog", default)]
    messages: MessageLogWire,
}

#[derive(Debug, Default, Deserialize)]
struct PaymentsWire {
    #[serde(rename = "Payment", default)]
    items: Vec<SalePayment>,
}

#[derive(Debug, Default, Deserialize)]
struct MessageLogWire {
    #[serde(rename = "Message", default)]
    items: Vec<SaleMessage>,
}

#[derive(Debug, Default, Deserialize)]
struct HeaderWire {
    #[serde(rename = "Document", default)]
    document: DocumentWire,
    #[serde(rename = "SaleType", default)]
    sale_type: Option<String>,
    #[serde(rename = "Operation", default)]
    operation: Option<String>,
    #[serde(rename = "Total", default, deserialize_with = "decimal_or_zero")]
    total: Decimal,
    #[serde(rename = "AmountDue", default, deserialize_with = "decimal_or_zero")]
    amount_due: Decimal,
    #[serde(rename = "Currency", default)]
    currency: Option<String>,
    #[serde(rename = "IncludeTax", default)]
    include_tax: Option<String>,
    #[serde(rename = "Comment", default)]
    comment: Option<String>,
    #[serde(rename = "ShippingData", default)]
    shipping: ShippingWire,
}

#[derive(Debug, Default, Deserialize)]
struct DocumentWire {
    #[serde(rename = "DocumentID", default, deserialize_with = "id_opt")]
    document_id: Option<u64>,
    #[serde(rename = "DocumentDate", default)]
    date: Option<String>,
    #[serde(rename = "DocumentRef", default)]
    document_ref: Option<String>,
    #[serde(rename = "DocumentStatus", default)]
    status: Option<String>,
    #[serde(rename = "Client", default)]
    client: ClientWire,
}

#[derive(Debug, Default, Deserialize)]
struct ClientWire {
    #[serde(rename = "ClientID", default, deserialize_with = "id_opt")]
    client_id: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
struct ShippingWire {
    #[serde(rename = "Warehouse", default)]
    warehouse: WarehouseWire,
}

#[derive(Debug, Default, Deserialize)]
struct WarehouseWire {
    #[serde(rename = "WarehouseID", default, deserialize_with = "id_opt")]
    warehouse_id: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
struct LinesWire {
    #[serde(rename = "LineItem", default)]
    items: Vec<SaleLine>,
}

/// `ShippingCharge`: `Amount` and `TaxKey/TaxKeyID` are empty on a
/// document without shipping (real replies).
#[derive(Debug, Default, Deserialize)]
struct ShippingChargeWire {
    #[serde(rename = "Amount", default, deserialize_with = "decimal_opt")]
    amount: Option<Decimal>,
    #[serde(rename = "TaxKey", default)]
    tax_key: Option<TaxKeyWire>,
}

impl ShippingChargeWire {
    /// The charge, when it has both an amount and a tax key.
    fn charge(self) -> Option<ShippingCharge> {
        let tax_key_id = self.tax_key?.tax_key_id?;
        Some(ShippingCharge {
            amount: self.amount?,
            tax_key: TaxKeyRef { tax_key_id },
        })
    }
}

#[derive(Debug, Default, Deserialize)]
struct TaxesWire {
    #[serde(rename = "Tax", default)]
    items: Vec<SaleTax>,
}

#[derive(Debug, Default, Deserialize)]
struct TotalsWire {
    #[serde(rename = "GrossAmount", default, deserialize_with = "decimal_or_zero")]
    gross: Decimal,
    #[serde(rename = "NetAmount", default, deserialize_with = "decimal_or_zero")]
    net: Decimal,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SaleListWire {
    #[serde(rename = "Sale", default)]
    pub items: Vec<SaleWire>,
}

impl SaleWire {
    pub(crate) fn into_sale(self) -> Result<Sale, PaytraqError> {
        let h = self.header;
        let document_id = h
            .document
            .document_id
            .ok_or_else(|| PaytraqError::Decode("sale without Document/DocumentID".into()))?;
        let include_tax = h
            .include_tax
            .as_deref()
            .map(str::trim)
            .and_then(|v| match v {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            });
        Ok(Sale {
            document_id,
            document_number: h.document.document_ref.filter(|r| !r.is_empty()),
            status: h.document.status,
            sale_type: h.sale_type,
            operation: h.operation,
            client_id: h.document.client.client_id,
            document_date: h.document.date,
            currency: h.currency,
            include_tax,
            comment: h.comment,
            warehouse_id: h.shipping.warehouse.warehouse_id,
            total: h.total,
            amount_due: h.amount_due,
            lines: self.lines.items,
            shipping_charge: self.shipping_charge.charge(),
            taxes: self.taxes.items,
            net_total: self.totals.net,
            gross_total: self.totals.gross,
            payments: self.payments.items,
            messages: self.messages.items,
        })
    }

    /// Whether the header came without any `Comment` element.
    pub(crate) fn comment_missing(&self) -> bool {
        self.header.comment.is_none()
    }

    /// Whether this document carries our reference marker.
    pub(crate) fn has_reference(&self, our_reference: &str) -> bool {
        let marker = reference_marker(our_reference);
        self.header
            .comment
            .as_deref()
            .is_some_and(|c| c.contains(&marker))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paytraq::model::NewSaleLine;
    use crate::paytraq::xml::{from_xml, to_xml};
    use chrono::NaiveDate;
    use rust_decimal_macros::dec;

    fn new_sale() -> NewSale {
        NewSale {
            sale_type: SaleType::SalesInvoice,
            operation: Operation::SellGoods,
            client_id: 116933,
            document_date: NaiveDate::from_ymd_opt(2024, 5, 31).unwrap(),
            currency: "eur".into(),
            warehouse_id: Some(213),
            loading_area_id: Some(301),
            our_reference: "wc-55".into(),
            include_tax: false,
            comment: None,
            lines: vec![NewSaleLine {
                item_id: Some(555),
                item_code: None,
                description: Some("free text".into()),
                quantity: dec!(2.000),
                unit_price: dec!(9.990),
                discount_percent: dec!(0),
                tax_key_id: 82875,
            }],
            shipping_charge: None,
            payment_term_days: None,
        }
    }

    #[test]
    fn create_body_has_the_documented_shape() {
        let xml = to_xml(&SaleBody::build(&new_sale()).unwrap()).unwrap();
        assert_eq!(
            xml,
            "<Sale><Header><Document><DocumentDate>2024-05-31</DocumentDate>\
             <Client><ClientID>116933</ClientID></Client></Document>\
             <SaleType>sales_invoice</SaleType><Operation>sell_goods</Operation>\
             <Currency>EUR</Currency><IncludeTax>false</IncludeTax><Comment>[ref:wc-55]</Comment>\
             <ShippingData><ShippingType>1</ShippingType><Warehouse><WarehouseID>213</WarehouseID></Warehouse>\
             <LoadingArea><LoadingAreaID>301</LoadingAreaID></LoadingArea></ShippingData></Header>\
             <LineItems><LineItem><Item><ItemID>555</ItemID></Item><ItemDescription>free text</ItemDescription>\
             <Qty>2</Qty><Price>9.99</Price><LineDiscount>0</LineDiscount>\
             <TaxKey><TaxKeyID>82875</TaxKeyID></TaxKey></LineItem></LineItems></Sale>"
        );
    }

    #[test]
    fn create_body_carries_the_payment_term_and_due_date() {
        let sale = NewSale {
            payment_term_days: Some(14),
            ..new_sale()
        };
        let xml = to_xml(&SaleBody::build(&sale).unwrap()).unwrap();
        assert!(
            xml.contains(
                "<IncludeTax>false</IncludeTax><DateDue>2024-06-14</DateDue>\
                 <Comment>[ref:wc-55]</Comment>\
                 <PayTerm><PayTermType>1</PayTermType><PayTermDays>14</PayTermDays></PayTerm>\
                 <ShippingData>"
            ),
            "{xml}"
        );
        let none = to_xml(&SaleBody::build(&new_sale()).unwrap()).unwrap();
        assert!(
            !none.contains("DateDue") && !none.contains("PayTerm"),
            "{none}"
        );
    }

    #[test]
    fn invalid_sales_are_refused_before_sending() {
        let mut s = new_sale();
        s.lines[0].item_id = None;
        assert!(matches!(SaleBody::build(&s), Err(PaytraqError::Invalid(_))));
        let mut s = new_sale();
        s.lines[0].quantity = dec!(0);
        assert!(SaleBody::build(&s).is_err());
        let mut s = new_sale();
        s.our_reference = " ".into();
        assert!(SaleBody::build(&s).is_err());
    }

    /// Every real `GET /api/sale/{id}` reply reads, and reads approved
    /// exactly when PayTraq had approved it: every status but `draft` and
    /// `voided` (PayTraq never shows `approved` itself).
    #[test]
    fn real_sale_replies_read_approved_exactly_when_approved_fixture() {
        let dir = testkit::paytraq_fixtures_dir().join("sale");
        let mut seen = std::collections::BTreeMap::<String, usize>::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("xml") {
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let xml = std::fs::read_to_string(&path).unwrap();
            let wire: SaleWire = from_xml(&xml).unwrap_or_else(|e| panic!("{name}: {e}"));
            let sale = wire.into_sale().unwrap_or_else(|e| panic!("{name}: {e}"));
            let status = sale.status.clone().unwrap_or_default();
            let approved = !matches!(status.trim(), "draft" | "voided");
            assert_eq!(sale.is_approved(), approved, "{name}: status {status:?}");
            *seen.entry(status.trim().to_string()).or_default() += 1;
        }
        for status in [
            "draft",
            "in_process",
            "wait_payment",
            "paid",
            "done",
            "voided",
        ] {
            assert!(
                seen.contains_key(status),
                "no real reply with status {status}: {seen:?}"
            );
        }
        println!("real sale replies by status: {seen:?}");
    }

    /// Every real reply's payments and e-mails read: `AmountDue = Total −
    /// Σ PaymentAmount` on every document that is not voided (a voided one
    /// owes nothing), credit notes included (negative amounts), and the
    /// message log's recipients are found again.
    #[test]
    fn real_sale_replies_read_payments_and_message_log_fixture() {
        let dir = testkit::paytraq_fixtures_dir().join("sale");
        let (mut paid, mut messages) = (0, 0);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("xml") {
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let xml = std::fs::read_to_string(&path).unwrap();
            let sale = from_xml::<SaleWire>(&xml).unwrap().into_sale().unwrap();
            if sale.status.as_deref().map(str::trim) != Some("voided") {
                assert_eq!(
                    sale.amount_due,
                    sale.total - sale.paid_amount(),
                    "{name}: {:?}",
                    sale.payments
                );
            }
            for payment in &sale.payments {
                assert!(!payment.amount.is_zero(), "{name}");
                assert!(
                    payment.payment_type.is_some() && payment.date.is_some(),
                    "{name}"
                );
                paid += 1;
            }
            for message in &sale.messages {
                let to = message.to.as_deref().unwrap();
                assert!(
                    sale.emailed_to(&format!(" {} ", to.to_uppercase())),
                    "{name}"
                );
                assert!(
                    matches!(message.event_status.as_deref(), Some("delivered" | "open")),
                    "{name}: {message:?}"
                );
                messages += 1;
            }
            assert!(!sale.emailed_to("nobody@example.invalid"), "{name}");
        }
        assert!(
            paid >= 10 && messages >= 4,
            "payments {paid}, messages {messages}"
        );
        println!("real replies: {paid} payments, {messages} e-mails read");
    }

    /// Every real reply's `ShippingCharge` reads: an amount with its tax
    /// key, or nothing where PayTraq leaves both empty (no shipping).
    #[test]
    fn real_sale_replies_read_the_shipping_charge_fixture() {
        let dir = testkit::paytraq_fixtures_dir().join("sale");
        let (mut with, mut without) = (0, 0);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("xml") {
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let xml = std::fs::read_to_string(&path).unwrap();
            let sale = from_xml::<SaleWire>(&xml).unwrap().into_sale().unwrap();
            let empty = xml.contains("<Amount></Amount><TaxKey><TaxKeyID></TaxKeyID>");
            assert_eq!(sale.shipping_charge.is_none(), empty, "{name}");
            if empty {
                without += 1;
            } else {
                with += 1;
            }
            if name == "sales_invoice-wait_payment-excl_tax-shipping-01.xml" {
                assert_eq!(
                    sale.shipping_charge,
                    Some(ShippingCharge {
                        amount: dec!(2.00),
                        tax_key: TaxKeyRef { tax_key_id: 262041 }
                    })
                );
            }
        }
        assert!(with > 0 && without > 0, "{with} with, {without} without");
        println!("real sale replies: {with} with a shipping charge, {without} without");
    }

    #[test]
    fn sale_reply_is_read_tolerantly() {
        let xml = "<Sale><Header><Document><DocumentID>9</DocumentID><DocumentRef>INV-7</DocumentRef>\
                   <DocumentStatus>approved</DocumentStatus><Client><ClientID>3</ClientID><ClientName>A</ClientName></Client>\
                   </Document><Total>12.10</Total><AmountDue/><IncludeTax>true</IncludeTax><Unknown>x</Unknown>\
                   <Comment>note [ref:wc-1]</Comment></Header>\
                   <LineItems><LineItem><Item><ItemID>5</ItemID></Item><Qty>1</Qty><Price>12.1</Price>\
                   <LineTotal>12.10</LineTotal><TaxKey><TaxKeyID>1</TaxKeyID></TaxKey></LineItem></LineItems>\
                   <Taxes><Tax><TaxKey><TaxKeyID>1</TaxKeyID></TaxKey><TaxAmount>2.10</TaxAmount></Tax></Taxes></Sale>";
        let wire: SaleWire = from_xml(xml).unwrap();
        assert!(wire.has_reference("wc-1"));
        assert!(!wire.has_reference("wc-"));
        let sale = wire.into_sale().unwrap();
        assert_eq!(sale.document_id, 9);
        assert_eq!(sale.document_number.as_deref(), Some("INV-7"));
        assert!(sale.is_approved());
        assert_eq!(sale.total, dec!(12.10));
        assert_eq!(sale.amount_due, dec!(0));
        assert_eq!(sale.include_tax, Some(true));
        assert_eq!(sale.taxes[0].tax_amount, dec!(2.10));
        assert_eq!(sale.lines[0].line_total, dec!(12.10));
        let broken: SaleWire = from_xml("<Sale><Header/></Sale>").unwrap();
        assert!(matches!(broken.into_sale(), Err(PaytraqError::Decode(_))));
    }
}
