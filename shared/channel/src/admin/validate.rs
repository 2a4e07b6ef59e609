//! Request validation with field-level messages. Bodies are read as JSON
//! objects and each field is checked on its own, so a 400 names every field
//! that is wrong and why (not just serde's first complaint).

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::{ApiError, FieldErrors};
use crate::model::{RoundingPolicy, Settings};

/// Largest admin request body (bytes); bigger ones get 413 before parsing.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Reads `body` as a JSON object.
pub fn object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::Invalid(FieldErrors::one(
            "body",
            "must be a JSON object",
        ))),
        Err(e) => Err(ApiError::Invalid(FieldErrors::one(
            "body",
            format!("is not valid JSON: {e}"),
        ))),
    }
}

/// Field-by-field reader of one JSON object; problems collect in `errors`.
pub struct Fields<'a> {
    obj: &'a Map<String, Value>,
    prefix: String,
    pub errors: FieldErrors,
}

impl<'a> Fields<'a> {
    pub fn new(obj: &'a Map<String, Value>, prefix: &str) -> Self {
        Self {
            obj,
            prefix: prefix.to_string(),
            errors: FieldErrors::default(),
        }
    }

    pub fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    /// Records every field not in `known` as an error.
    pub fn deny_unknown(&mut self, known: &[&str]) {
        let unknown: Vec<String> = self
            .obj
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            let path = self.path(&key);
            self.errors.add(path, "unknown field");
        }
    }

    /// The field, when present (and not null), read as `T`.
    pub fn optional<T: DeserializeOwned>(&mut self, name: &str, expected: &str) -> Option<T> {
        let value = self.obj.get(name).filter(|v| !v.is_null())?;
        match T::deserialize(value) {
            Ok(v) => Some(v),
            Err(_) => {
                let path = self.path(name);
                self.errors.add(path, format!("must be {expected}"));
                None
            }
        }
    }

    /// The field, which must be present.
    pub fn required<T: DeserializeOwned>(&mut self, name: &str, expected: &str) -> Option<T> {
        if self.obj.get(name).is_none_or(Value::is_null) {
            let path = self.path(name);
            self.errors.add(path, "is required");
            return None;
        }
        self.optional(name, expected)
    }

    /// A required non-empty string of at most `max` characters (trimmed).
    pub fn text(&mut self, name: &str, max: usize) -> Option<String> {
        let value: String = self.required(name, "a string")?;
        let value = value.trim().to_string();
        let path = self.path(name);
        if value.is_empty() {
            self.errors.add(path, "must not be empty");
            None
        } else if value.chars().count() > max {
            self.errors
                .add(path, format!("must be at most {max} characters"));
            None
        } else {
            Some(value)
        }
    }

    pub fn add(&mut self, name: &str, problem: impl Into<String>) {
        let path = self.path(name);
        self.errors.add(path, problem);
    }

    /// A JSON object field, for nested validation.
    pub fn object(&mut self, name: &str) -> Option<&'a Map<String, Value>> {
        match self.obj.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map),
            Some(_) => {
                self.add(name, "must be an object");
                None
            }
        }
    }
}

/// A PayTraq object id: digits only.
pub fn is_paytraq_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())
}

const SETTINGS_FIELDS: [&str; 13] = [
    "auto_process",
    "document_type",
    "operation",
    "approve",
    "add_payment",
    "send_email",
    "warehouse_id",
    "sync_prices",
    "price_group_id",
    "daily_sync",
    "daily_sync_hour",
    "rounding",
    "fee_item_code",
];

/// Applies a (partial) settings object to `current` and validates the
/// result as a whole. Absent fields keep their value; `null` clears the
/// optional ids. Field paths start with `prefix`.
pub fn settings(
    obj: &Map<String, Value>,
    current: &Settings,
    prefix: &str,
) -> Result<Settings, FieldErrors> {
    let mut f = Fields::new(obj, prefix);
    f.deny_unknown(&SETTINGS_FIELDS);
    let mut s = current.clone();
    let flag = |f: &mut Fields, name: &str, into: &mut bool| {
        if let Some(v) = f.optional::<bool>(name, "true or false") {
            *into = v;
        }
    };
    flag(&mut f, "auto_process", &mut s.auto_process);
    flag(&mut f, "approve", &mut s.approve);
    flag(&mut f, "add_payment", &mut s.add_payment);
    flag(&mut f, "send_email", &mut s.send_email);
    flag(&mut f, "sync_prices", &mut s.sync_prices);
    flag(&mut f, "daily_sync", &mut s.daily_sync);
    if let Some(v) = f.optional("document_type", "one of sales_invoice, sales_order") {
        s.document_type = v;
    }
    if let Some(v) = f.optional(
        "operation",
        "one of sell_goods, sell_services, other_income",
    ) {
        s.operation = v;
    }
    for (name, slot) in [
        ("warehouse_id", &mut s.warehouse_id),
        ("price_group_id", &mut s.price_group_id),
    ] {
        match obj.get(name) {
            None => {}
            Some(Value::Null) => *slot = None,
            Some(_) => match f.optional::<String>(name, "a PayTraq id (digits) or null") {
                Some(id) if is_paytraq_id(id.trim()) => *slot = Some(id.trim().to_string()),
                Some(_) => f.add(name, "must be a PayTraq id (digits) or null"),
                None => {}
            },
        }
    }
    match obj.get("fee_item_code") {
        None => {}
        Some(Value::Null) => s.fee_item_code = None,
        Some(_) => match f.optional::<String>("fee_item_code", "a PayTraq product code or null") {
            Some(code) if !code.trim().is_empty() && code.trim().chars().count() <= 50 => {
                s.fee_item_code = Some(code.trim().to_string());
            }
            Some(_) => f.add(
                "fee_item_code",
                "must be a PayTraq product code (1 to 50 characters) or null",
            ),
            None => {}
        },
    }
    if let Some(hour) = f.optional::<i64>("daily_sync_hour", "an hour from 0 to 23") {
        match u8::try_from(hour) {
            Ok(h) if h <= 23 => s.daily_sync_hour = h,
            _ => f.add("daily_sync_hour", "must be an hour from 0 to 23"),
        }
    }
    if let Some(rounding) = f.optional::<RoundingPolicy>(
        "rounding",
        r#"{"mode": "strict"} or {"mode": "adjust", "max": "<amount>"}"#,
    ) {
        match &rounding {
            RoundingPolicy::Adjust { max }
                if max.is_sign_negative() || *max > rust_decimal::Decimal::ONE =>
            {
                f.add(
                    "rounding",
                    "max of an adjusting rounding line must be between 0 and 1.00",
                );
            }
            _ => s.rounding = rounding,
        }
    }
    // Whole-settings rules.
    if s.sync_prices && s.price_group_id.is_none() {
        f.add("price_group_id", "is required when sync_prices is on");
    }
    if s.daily_sync && s.warehouse_id.is_none() {
        f.add(
            "warehouse_id",
            "is required when daily_sync is on (stock is read from that warehouse)",
        );
    }
    if s.send_email && !s.approve {
        f.add(
            "send_email",
            "needs approve: PayTraq e-mails approved documents only",
        );
    }
    if f.errors.is_empty() {
        Ok(s)
    } else {
        Err(f.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DocumentType, Operation};
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn partial_settings_update_keeps_other_fields() {
        let s = settings(
            &obj(json!({"document_type": "sales_order", "operation": "sell_services", "warehouse_id": "12", "daily_sync": true, "daily_sync_hour": 5})),
            &Settings::default(),
            "",
        )
        .unwrap();
        assert_eq!(s.document_type, DocumentType::SalesOrder);
        assert_eq!(s.operation, Operation::SellServices);
        assert_eq!(s.warehouse_id.as_deref(), Some("12"));
        assert_eq!(s.daily_sync_hour, 5);
        assert!(s.auto_process, "absent field keeps its value");
        let cleared = settings(
            &obj(json!({"warehouse_id": null, "daily_sync": false})),
            &s,
            "",
        )
        .unwrap();
        assert_eq!(cleared.warehouse_id, None);
    }

    #[test]
    fn fee_item_code_is_set_trimmed_cleared_and_checked() {
        let s = settings(
            &obj(json!({"fee_item_code": " WC-FEE "})),
            &Settings::default(),
            "",
        )
        .unwrap();
        assert_eq!(s.fee_item_code.as_deref(), Some("WC-FEE"));
        let cleared = settings(&obj(json!({"fee_item_code": null})), &s, "").unwrap();
        assert_eq!(cleared.fee_item_code, None);
        for wrong in [json!(""), json!(7), json!("x".repeat(51))] {
            let errors = settings(
                &obj(json!({"fee_item_code": wrong})),
                &Settings::default(),
                "",
            )
            .unwrap_err();
            assert!(errors.0.contains_key("fee_item_code"), "{wrong}");
        }
    }

    #[test]
    fn every_wrong_field_is_named() {
        let errors = settings(
            &obj(json!({
                "document_type": "receipt",
                "operation": 3,
                "daily_sync_hour": 24,
                "approve": "yes",
                "warehouse_id": "main",
                "colour": "red",
                "rounding": {"mode": "adjust", "max": "5"}
            })),
            &Settings::default(),
            "settings",
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.0.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "settings.approve",
                "settings.colour",
                "settings.daily_sync_hour",
                "settings.document_type",
                "settings.operation",
                "settings.rounding",
                "settings.warehouse_id"
            ]
        );
        assert!(errors.0["settings.daily_sync_hour"].contains("0 to 23"));
        assert!(errors.0["settings.colour"].contains("unknown"));
    }

    #[test]
    fn cross_field_rules() {
        let errors = settings(
            &obj(json!({"sync_prices": true, "daily_sync": true, "send_email": true})),
            &Settings::default(),
            "",
        )
        .unwrap_err();
        assert!(errors.0.contains_key("price_group_id"));
        assert!(errors.0.contains_key("warehouse_id"));
        assert!(errors.0.contains_key("send_email"));
        let ok = settings(
            &obj(json!({"sync_prices": true, "price_group_id": "7", "approve": true, "send_email": true, "rounding": {"mode": "adjust", "max": "0.05"}})),
            &Settings::default(),
            "",
        )
        .unwrap();
        assert_eq!(
            ok.rounding,
            RoundingPolicy::Adjust {
                max: rust_decimal::Decimal::new(5, 2)
            }
        );
    }

    #[test]
    fn bodies_must_be_json_objects() {
        assert!(matches!(object(b"[1]"), Err(ApiError::Invalid(f)) if f.0.contains_key("body")));
        assert!(
            matches!(object(b"{oops"), Err(ApiError::Invalid(f)) if f.0["body"].contains("JSON"))
        );
        assert!(object(b"{}").is_ok());
    }
}
