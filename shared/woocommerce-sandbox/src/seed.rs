//! Catalogue seeding: from a folder of real captures (`catalog/*.json` of the fixture corpus, used by
//! tests) or from code (a small Latvian demo shop, no files needed).

use super::state::State;
use serde_json::{json, Value};
use std::path::Path;

/// Why seeding from a folder failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not the expected JSON array: {reason}")]
    Parse { path: String, reason: String },
}

fn read_array(path: &Path) -> Result<Vec<Value>, SeedError> {
    let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let v: Value = serde_json::from_str(&text).map_err(|e| SeedError::Parse {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    match v {
        Value::Array(items) => Ok(items),
        _ => Err(SeedError::Parse {
            path: path.display().to_string(),
            reason: "not an array".into(),
        }),
    }
}

fn id_of(v: &Value) -> Option<u64> {
    v.get("id").and_then(Value::as_u64)
}

/// Loads `products.json`, `variations-*.json`, `taxes.json`, `tax-classes.json`,
/// `payment-gateways.json` and `coupons.json` (each optional) from `dir`.
pub fn from_dir(st: &mut State, dir: &Path) -> Result<(), SeedError> {
    let file = |name: &str| dir.join(name);
    if file("products.json").exists() {
        for p in read_array(&file("products.json"))? {
            if let Some(id) = id_of(&p) {
                st.products.insert(id, p);
            }
        }
    }
    let entries = std::fs::read_dir(dir).map_err(|source| SeedError::Read {
        path: dir.display().to_string(),
        source,
    })?;
    let mut variation_files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with("variations-") && n.ends_with(".json") && !n.ends_with(".meta.json")
            })
        })
        .collect();
    variation_files.sort();
    for path in variation_files {
        for v in read_array(&path)? {
            if let Some(id) = id_of(&v) {
                st.variations.insert(id, v);
            }
        }
    }
    if file("taxes.json").exists() {
        st.taxes = read_array(&file("taxes.json"))?;
    }
    if file("tax-classes.json").exists() {
        st.tax_classes = read_array(&file("tax-classes.json"))?
            .into_iter()
            .map(|mut c| {
                if let Some(o) = c.as_object_mut() {
                    o.remove("_links");
                }
                c
            })
            .collect();
    }
    if file("payment-gateways.json").exists() {
        st.gateways = read_array(&file("payment-gateways.json"))?;
    }
    if file("coupons.json").exists() {
        st.coupons = read_array(&file("coupons.json"))?;
    }
    Ok(())
}

fn tax_rate(base: &str, id: u64, country: &str, rate: &str, name: &str, class: &str) -> Value {
    json!({
        "id": id, "country": country, "state": "", "postcode": "", "city": "", "rate": rate, "name": name,
        "priority": 1, "compound": false, "shipping": true, "order": 0, "class": class,
        "postcodes": [], "cities": [],
        "_links": {"self": [{"href": format!("{base}/wp-json/wc/v3/taxes/{id}")}], "collection": [{"href": format!("{base}/wp-json/wc/v3/taxes")}]},
    })
}

/// A simple product as `GET /products` renders it (the fields integrations read).
pub fn simple_product(
    base: &str,
    id: u64,
    name: &str,
    sku: &str,
    price: &str,
    tax_class: &str,
    stock: Option<i64>,
) -> Value {
    json!({
        "id": id, "name": name, "slug": name.to_lowercase().replace(' ', "-"), "type": "simple", "status": "publish",
        "sku": sku, "price": price, "regular_price": price, "sale_price": "", "on_sale": false,
        "tax_status": "taxable", "tax_class": tax_class, "manage_stock": stock.is_some(), "stock_quantity": stock,
        "stock_status": "instock", "backorders": "no", "parent_id": 0, "variations": [], "attributes": [],
        "meta_data": [], "date_created": "2026-01-01T00:00:00", "date_created_gmt": "2026-01-01T00:00:00",
        "date_modified": "2026-01-01T00:00:00", "date_modified_gmt": "2026-01-01T00:00:00",
        "_links": {"self": [{"href": format!("{base}/wp-json/wc/v3/products/{id}")}], "collection": [{"href": format!("{base}/wp-json/wc/v3/products")}]},
    })
}

/// `(id, sku, price, colour option, manage_stock, stock_quantity)` of a demo variation.
type VariationSpec<'a> = (u64, &'a str, &'a str, &'a str, Value, Option<i64>);

fn variation(base: &str, parent: u64, spec: VariationSpec<'_>) -> Value {
    let (id, sku, price, option, manage, stock) = spec;
    json!({
        "id": id, "sku": sku, "price": price, "regular_price": price, "sale_price": "", "on_sale": false,
        "status": "publish", "tax_status": "taxable", "tax_class": "parent", "manage_stock": manage,
        "stock_quantity": stock, "stock_status": "instock", "backorders": "no", "name": option,
        "attributes": [{"id": 0, "name": "Krāsa", "slug": "krasa", "option": option}], "parent_id": parent,
        "meta_data": [], "image": null,
        "date_created": "2026-01-01T00:00:00", "date_created_gmt": "2026-01-01T00:00:00",
        "date_modified": "2026-01-01T00:00:00", "date_modified_gmt": "2026-01-01T00:00:00",
        "_links": {
            "self": [{"href": format!("{base}/wp-json/wc/v3/products/{parent}/variations/{id}")}],
            "collection": [{"href": format!("{base}/wp-json/wc/v3/products/{parent}/variations")}],
            "up": [{"href": format!("{base}/wp-json/wc/v3/products/{parent}")}],
        },
    })
}

fn gateway(base: &str, id: &str, title: &str, method_title: &str) -> Value {
    json!({
        "id": id, "title": title, "description": "", "order": "", "enabled": true,
        "method_title": method_title, "method_description": "", "method_supports": ["products"],
        "settings": {"title": {"id": "title", "label": "Title", "description": "", "type": "safe_text", "value": title, "default": method_title, "tip": "", "placeholder": ""}},
        "_links": {"self": [{"href": format!("{base}/wp-json/wc/v3/payment_gateways/{id}")}], "collection": [{"href": format!("{base}/wp-json/wc/v3/payment_gateways")}]},
    })
}

/// A small Latvian shop: LV 21/12/5/0 %, EE 22 %, DE 19 %; bacs/cheque/cod; simple products in each
/// class; variable `LV-SOCKS` with a parent-managed variation; coupons `lv10` and `fix5`.
pub fn demo(st: &mut State) {
    let b = st.base_url.clone();
    st.taxes = vec![
        tax_rate(&b, 3, "DE", "19.0000", "MwSt", "standard"),
        tax_rate(&b, 4, "LV", "21.0000", "PVN 21%", "standard"),
        tax_rate(&b, 5, "LV", "12.0000", "PVN 12%", "reduced-rate"),
        tax_rate(&b, 6, "LV", "5.0000", "PVN 5%", "super-reduced"),
        tax_rate(&b, 7, "LV", "0.0000", "PVN 0%", "zero-rate"),
        tax_rate(&b, 8, "EE", "22.0000", "KM 22%", "standard"),
    ];
    st.tax_classes = [
        ("standard", "Standard rate"),
        ("reduced-rate", "Reduced rate"),
        ("super-reduced", "Super reduced"),
        ("zero-rate", "Zero rate"),
    ]
    .iter()
    .map(|(slug, name)| json!({"slug": slug, "name": name}))
    .collect();
    st.gateways = vec![
        gateway(&b, "bacs", "Bankas pārskaitījums", "Direct bank transfer"),
        gateway(&b, "cheque", "Čeks", "Check payments"),
        gateway(
            &b,
            "cod",
            "Skaidrā naudā piegādes brīdī",
            "Cash on delivery",
        ),
    ];
    let products = [
        (
            22,
            "Pildspalva 0.99 EUR (PVN 21%)",
            "LV-S21-0099",
            "0.99",
            "",
            Some(500),
        ),
        (
            26,
            "Pildspalva 19.99 EUR (PVN 21%)",
            "LV-S21-1999",
            "19.99",
            "",
            Some(500),
        ),
        (
            27,
            "Pildspalva 33.33 EUR (PVN 21%)",
            "LV-S21-3333",
            "33.33",
            "",
            Some(500),
        ),
        (
            29,
            "Zāles 0.99 EUR (PVN 12%)",
            "LV-R12-0099",
            "0.99",
            "reduced-rate",
            Some(500),
        ),
        (
            32,
            "Zāles 9.95 EUR (PVN 12%)",
            "LV-R12-0995",
            "9.95",
            "reduced-rate",
            Some(500),
        ),
        (
            40,
            "Maize 19.99 EUR (PVN 5%)",
            "LV-SR5-1999",
            "19.99",
            "super-reduced",
            Some(500),
        ),
        (
            47,
            "Eksporta prece 19.99 EUR (PVN 0%)",
            "LV-Z0-1999",
            "19.99",
            "zero-rate",
            Some(500),
        ),
        (
            50,
            "Montāžas pakalpojums, 1 h",
            "LV-SERVICE-1H",
            "24.79",
            "",
            None,
        ),
        (51, "Dāvanu karte bez SKU", "", "3.33", "", Some(100)),
    ];
    for (id, name, sku, price, class, stock) in products {
        st.products
            .insert(id, simple_product(&b, id, name, sku, price, class, stock));
    }
    let mut socks = simple_product(&b, 52, "Vilnas zeķes", "LV-SOCKS", "", "", Some(40));
    if let Some(o) = socks.as_object_mut() {
        o.insert("type".into(), json!("variable"));
        o.insert("variations".into(), json!([53, 54, 55, 56]));
    }
    st.products.insert(52, socks);
    for (id, sku, price, option, manage, stock) in [
        (53, "LV-SOCKS-RED", "4.99", "Sarkana", json!(true), Some(18)),
        (54, "LV-SOCKS-BLUE", "5.33", "Zila", json!(true), Some(11)),
        (55, "LV-SOCKS-GREEN", "7.77", "Zaļa", json!(true), Some(9)),
        (
            56,
            "LV-SOCKS-BLACK",
            "3.50",
            "Melna",
            json!("parent"),
            Some(40),
        ),
    ] {
        st.variations.insert(
            id,
            variation(&b, 52, (id, sku, price, option, manage, stock)),
        );
    }
    st.coupons = vec![
        json!({"id": 57, "code": "lv10", "amount": "10.00", "discount_type": "percent", "free_shipping": false}),
        json!({"id": 58, "code": "fix5", "amount": "5.00", "discount_type": "fixed_cart", "free_shipping": false}),
    ];
}
