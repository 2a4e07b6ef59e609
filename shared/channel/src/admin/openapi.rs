//! The admin API's OpenAPI document, served at `GET /admin/openapi.json`.
//!
//! The routes (paths, operations, answers per status) are described in
//! `openapi.json` next to this file; the schema of every body they name
//! (`components.schemas`) is derived here from the Rust type that reads or
//! writes that body, doc comments included. So a setting, an id or an
//! answer is described once, by its type, and the document follows it.
//!
//! Answers are described as the types write them (serde's serialize side:
//! every field always present is required); request bodies as they are read
//! (the deserialize side: optional fields are not required). A request-side
//! schema only adds what the answer side does not already name.

use std::collections::BTreeMap;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value};

use super::activation::{ActivationLink, Deactivation, KeyCallback, NewChannelBody};
use super::error::ErrorBody;
use super::mappings::MappingCheck;
use super::routes::{
    Activated, ChannelList, Health, ManualKeys, OrderDetail, OrderList, StartSync, SyncRunList,
};
use super::validate::SettingsUpdate;
use crate::model::{Channel, GatewayId, MoneyAccountId, Settings, SyncRun, TaxKeyId, TaxRateId};

/// The routes: the document without its schemas.
const ROUTES: &str = include_str!("openapi.json");

/// The whole document: the routes with the schemas derived from the types.
pub fn document() -> Result<Value, serde_json::Error> {
    let mut doc: Value = serde_json::from_str(ROUTES)?;
    let mut schemas = answer_schemas();
    for (name, schema) in request_schemas() {
        schemas.entry(name).or_insert(schema);
    }
    let mut schemas = Value::Object(schemas);
    nullable_refs(&mut schemas);
    if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
        components.insert("schemas".into(), schemas);
    }
    Ok(doc)
}

/// The bodies the API answers with, and every type they contain.
fn answer_schemas() -> Map<String, Value> {
    let mut generator = SchemaSettings::openapi3().for_serialize().into_generator();
    generator.subschema_for::<ErrorBody>();
    generator.subschema_for::<ActivationLink>();
    generator.subschema_for::<ChannelList>();
    generator.subschema_for::<Channel>();
    generator.subschema_for::<Deactivation>();
    generator.subschema_for::<crate::intake::reconcile::ChannelReport>();
    generator.subschema_for::<Settings>();
    named::<BTreeMap<TaxRateId, TaxKeyId>>(&mut generator, "TaxMap");
    named::<BTreeMap<GatewayId, MoneyAccountId>>(&mut generator, "PaymentMap");
    generator.subschema_for::<MappingCheck>();
    generator.subschema_for::<OrderList>();
    generator.subschema_for::<OrderDetail>();
    generator.subschema_for::<SyncRunList>();
    generator.subschema_for::<SyncRun>();
    generator.subschema_for::<Health>();
    generator.subschema_for::<Activated>();
    generator.take_definitions(true)
}

/// The request bodies.
fn request_schemas() -> Map<String, Value> {
    let mut generator = SchemaSettings::openapi3()
        .for_deserialize()
        .into_generator();
    generator.subschema_for::<NewChannelBody>();
    generator.subschema_for::<ManualKeys>();
    generator.subschema_for::<SettingsUpdate>();
    generator.subschema_for::<StartSync>();
    generator.subschema_for::<KeyCallback>();
    generator.take_definitions(true)
}

/// OpenAPI 3.0 says "a reference or null" as `allOf: [ref]` with
/// `nullable`; the generator says it as `anyOf: [ref, {enum: [null]}]`.
fn nullable_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let reference = match map
                .get("anyOf")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
            {
                Some([reference, null]) if reference.get("$ref").is_some() && is_null(null) => {
                    Some(reference.clone())
                }
                _ => None,
            };
            if let Some(reference) = reference {
                map.remove("anyOf");
                map.insert("allOf".into(), Value::Array(vec![reference]));
                map.insert("nullable".into(), Value::Bool(true));
            }
            map.values_mut().for_each(nullable_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(nullable_refs),
        _ => {}
    }
}

fn is_null(schema: &Value) -> bool {
    schema.get("enum") == Some(&Value::Array(vec![Value::Null]))
}

/// Registers `T` (whose schema is inlined where it is used) under `name` too.
fn named<T: JsonSchema>(generator: &mut SchemaGenerator, name: &str) {
    let schema = generator.subschema_for::<T>().to_value();
    generator.definitions_mut().insert(name.into(), schema);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_schema_the_routes_name_is_derived() {
        let routes: Value = serde_json::from_str(ROUTES).unwrap();
        assert!(
            routes["components"].get("schemas").is_none(),
            "openapi.json holds routes only; schemas come from the types"
        );
        let doc = document().unwrap();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let mut named = Vec::new();
        refs(&doc, &mut named);
        assert!(named.len() > 50, "{}", named.len());
        for r in named {
            let name = r.trim_start_matches("#/components/schemas/");
            assert!(schemas.contains_key(name), "{r} is not derived");
        }
    }

    #[test]
    fn the_settings_schema_is_the_settings_type() {
        let doc = document().unwrap();
        let schemas = &doc["components"]["schemas"];
        let settings = &schemas["Settings"];
        let written = serde_json::to_value(Settings::default()).unwrap();
        let fields: Vec<&String> = written.as_object().unwrap().keys().collect();
        let documented: Vec<&String> = settings["properties"].as_object().unwrap().keys().collect();
        assert_eq!(documented, fields);
        assert_eq!(
            settings["properties"]["daily_sync_hour"]["maximum"], 23,
            "{settings}"
        );
        assert!(
            settings["properties"]["warehouse_id"]["nullable"] == true,
            "{settings}"
        );
        assert_eq!(
            schemas["NewChannel"]["properties"]["settings"],
            serde_json::json!({
                "allOf": [{"$ref": "#/components/schemas/SettingsUpdate"}],
                "description": "Settings that differ from the defaults.",
                "nullable": true
            })
        );
        assert!(settings["properties"]["auto_process"]["description"].is_string());
        let update = &schemas["SettingsUpdate"];
        assert_eq!(update["properties"], settings["properties"]);
        assert!(update.get("required").is_none());
        assert_eq!(update["additionalProperties"], false);
    }

    #[test]
    fn the_setting_for_prices_without_stock_management_is_documented() {
        let doc = document().unwrap();
        let schemas = &doc["components"]["schemas"];
        for schema in ["Settings", "SettingsUpdate"] {
            let field = &schemas[schema]["properties"]["sync_prices_without_stock_management"];
            assert_eq!(field["type"], "boolean", "{schema}: {field}");
            let about = field["description"].as_str().unwrap_or_default();
            assert!(about.contains("sync_prices"), "{schema}: {about}");
            assert!(about.contains("parent"), "{schema}: {about}");
        }
    }
}
