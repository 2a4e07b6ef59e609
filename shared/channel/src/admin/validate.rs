//! Request validation with field-level messages. Bodies are read as JSON
//! objects and each field is checked on its own, so a 400 names every field
//! that is wrong and why (not just serde's first complaint).
//!
//! A body that updates a record ([`Fields::patch`], the settings) is read
//! through the record type's own serde rules, one field at a time: the type
//! says which fields exist (its JSON schema) and what a valid value is (its
//! `Deserialize`), so nothing here repeats it. Objects nested in a field (the
//! rounding policy) are held to their schema too: a key it does not have is
//! named with its path (`rounding.colour`), never silently dropped.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use super::error::{ApiError, FieldErrors};
use crate::model::Settings;

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

    /// Records every field that `T` does not have as an error.
    pub fn deny_unknown_of<T: JsonSchema>(&mut self) {
        let known = properties::<T>();
        let known: Vec<&str> = known.keys().map(String::as_str).collect();
        self.deny_unknown(&known);
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

impl Fields<'_> {
    /// `current` with every field of the body applied, each read on its own
    /// through `T`'s serde rules: a field that does not read is named with
    /// its problem and keeps its value, unknown fields are named, `null`
    /// clears a field that may be null and is the same as absent elsewhere.
    pub fn patch<T>(&mut self, current: &T) -> T
    where
        T: Clone + Serialize + DeserializeOwned + JsonSchema,
    {
        let fields = properties::<T>();
        let known: Vec<&str> = fields.keys().map(String::as_str).collect();
        self.deny_unknown(&known);
        let Ok(Value::Object(mut merged)) = serde_json::to_value(current) else {
            self.add("body", "cannot be applied to the current values");
            return current.clone();
        };
        for (name, schema) in &fields {
            let Some(value) = self.obj.get(name) else {
                continue;
            };
            let nullable = schema.get("nullable") == Some(&Value::Bool(true));
            if value.is_null() && !nullable {
                continue;
            }
            let mut unknown = Vec::new();
            unknown_keys(value, schema, name, &mut unknown);
            if !unknown.is_empty() {
                for path in unknown {
                    self.add(&path, "unknown field");
                }
                continue;
            }
            let mut trial = merged.clone();
            trial.insert(name.clone(), value.clone());
            match T::deserialize(Value::Object(trial)) {
                Ok(_) => {
                    merged.insert(name.clone(), value.clone());
                }
                Err(e) => self.add(name, problem(schema, nullable, &e)),
            }
        }
        T::deserialize(Value::Object(merged)).unwrap_or_else(|e| {
            self.add("body", format!("cannot be applied: {e}"));
            current.clone()
        })
    }
}

/// The properties of `T`'s JSON schema, subschemas inlined: the fields it
/// reads and, per field, what a value looks like.
fn properties<T: JsonSchema>() -> Map<String, Value> {
    let schema = SchemaSettings::openapi3()
        .with(|s| s.inline_subschemas = true)
        .into_generator()
        .into_root_schema_for::<T>();
    schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Collects, as paths below `path`, every key of `value` (when it is an
/// object) that its schema does not have, at any depth. A schema with
/// variants (`oneOf`: the rounding modes) is matched by its tag first, so
/// `max` is known with `"mode": "adjust"` and unknown with `"strict"`. A
/// map (no `properties`) or a schema that allows more keys says nothing.
fn unknown_keys(value: &Value, schema: &Value, path: &str, out: &mut Vec<String>) {
    let Value::Object(obj) = value else {
        return;
    };
    let shapes = object_shapes(schema);
    if shapes.is_empty() {
        return;
    }
    let tagged: Vec<&Map<String, Value>> = shapes
        .iter()
        .copied()
        .filter(|shape| tags_agree(shape, obj))
        .collect();
    let chosen = if tagged.is_empty() { shapes } else { tagged };
    if chosen
        .iter()
        .any(|shape| shape.get("additionalProperties") != Some(&Value::Bool(false)))
    {
        return;
    }
    for (key, inner) in obj {
        let here = format!("{path}.{key}");
        let known = chosen.iter().find_map(|shape| {
            shape
                .get("properties")
                .and_then(Value::as_object)
                .and_then(|p| p.get(key))
        });
        match known {
            None => out.push(here),
            Some(inner_schema) => unknown_keys(inner, inner_schema, &here, out),
        }
    }
}

/// The object shapes a value of `schema` may take: the schema itself when
/// it lists properties, else its `oneOf` / `anyOf` / `allOf` variants that do.
fn object_shapes(schema: &Value) -> Vec<&Map<String, Value>> {
    let Some(obj) = schema.as_object() else {
        return Vec::new();
    };
    if obj.contains_key("properties") {
        return vec![obj];
    }
    ["oneOf", "anyOf", "allOf"]
        .iter()
        .filter_map(|k| obj.get(*k).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_object)
        .filter(|variant| variant.contains_key("properties"))
        .collect()
}

/// Whether every tag of `shape` (a property with one allowed value:
/// `const`, or an `enum` of one) has that value in `obj`.
fn tags_agree(shape: &Map<String, Value>, obj: &Map<String, Value>) -> bool {
    let Some(props) = shape.get("properties").and_then(Value::as_object) else {
        return true;
    };
    props.iter().all(|(name, prop)| {
        let only = prop.get("const").or_else(|| {
            prop.get("enum")
                .and_then(Value::as_array)
                .filter(|values| values.len() == 1)
                .and_then(|values| values.first())
        });
        only.is_none_or(|tag| obj.get(name) == Some(tag))
    })
}

/// What a field that did not read must be: said by its schema for flags and
/// enums, by the field's rule (its error) otherwise.
fn problem(schema: &Value, nullable: bool, error: &serde_json::Error) -> String {
    let expected = if schema.get("type").and_then(Value::as_str) == Some("boolean") {
        Some("true or false".to_string())
    } else {
        schema.get("enum").and_then(Value::as_array).map(|values| {
            let names: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
            format!("one of {}", names.join(", "))
        })
    };
    let problem = match expected {
        Some(expected) => format!("must be {expected}"),
        None => error.to_string(),
    };
    if nullable {
        format!("{problem} or null")
    } else {
        problem
    }
}

/// A settings update as the API documents it: any subset of [`Settings`]
/// and nothing else. Read by [`settings`].
pub struct SettingsUpdate;

impl JsonSchema for SettingsUpdate {
    fn schema_name() -> Cow<'static, str> {
        "SettingsUpdate".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = Settings::json_schema(generator);
        schema.remove("required");
        schema.insert("additionalProperties".into(), Value::Bool(false));
        schema.insert(
            "description".into(),
            "Any subset of Settings: absent fields keep their value, null clears an optional one"
                .into(),
        );
        schema
    }
}

/// Applies a (partial) settings object to `current` and validates the
/// result as a whole. Absent fields keep their value; `null` clears the
/// optional ones. Field paths start with `prefix`.
pub fn settings(
    obj: &Map<String, Value>,
    current: &Settings,
    prefix: &str,
) -> Result<Settings, FieldErrors> {
    let mut f = Fields::new(obj, prefix);
    let settings = f.patch(current);
    for (field, problem) in settings.conflicts() {
        f.add(field, problem);
    }
    if f.errors.is_empty() {
        Ok(settings)
    } else {
        Err(f.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DocumentType, Operation, RoundingPolicy, WarehouseId};
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
        assert_eq!(s.warehouse_id.map(WarehouseId::get), Some(12));
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
    fn sync_prices_without_stock_management_is_a_flag_off_by_default() {
        assert!(!Settings::default().sync_prices_without_stock_management);
        let on = settings(
            &obj(json!({"sync_prices": true, "price_group_id": "7", "sync_prices_without_stock_management": true})),
            &Settings::default(),
            "",
        )
        .unwrap();
        assert!(on.sync_prices_without_stock_management);
        let errors = settings(
            &obj(json!({"sync_prices_without_stock_management": "yes"})),
            &Settings::default(),
            "settings",
        )
        .unwrap_err();
        assert_eq!(
            errors.0["settings.sync_prices_without_stock_management"],
            "must be true or false"
        );
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
    fn unknown_keys_inside_a_setting_are_named_with_their_path() {
        let errors = settings(
            &obj(json!({"rounding": {"mode": "adjust", "max": "0.05", "colour": "red"}})),
            &Settings::default(),
            "settings",
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.0.keys().map(String::as_str).collect();
        assert_eq!(fields, ["settings.rounding.colour"]);
        assert!(errors.0["settings.rounding.colour"].contains("unknown"));
        // `max` belongs to the adjusting mode only.
        let errors = settings(
            &obj(json!({"rounding": {"mode": "strict", "max": "0.05"}})),
            &Settings::default(),
            "",
        )
        .unwrap_err();
        assert!(errors.0.contains_key("rounding.max"), "{errors:?}");
        // The known shapes still read.
        for ok in [
            json!({"mode": "strict"}),
            json!({"mode": "adjust", "max": "0.05"}),
        ] {
            assert!(
                settings(&obj(json!({ "rounding": ok })), &Settings::default(), "").is_ok(),
                "{ok}"
            );
        }
    }

    #[test]
    fn ids_above_the_range_are_named_with_the_range() {
        for too_large in [
            json!(9_007_199_254_740_992u64),
            json!("18446744073709551616"),
            json!(1e20),
        ] {
            let errors = settings(
                &obj(json!({ "warehouse_id": too_large.clone() })),
                &Settings::default(),
                "",
            )
            .unwrap_err();
            assert!(
                errors.0["warehouse_id"].contains("from 1 to 9007199254740991"),
                "{too_large}: {errors:?}"
            );
        }
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
