//! Catalogue routes: products (list with `sku`/`type`, get, update, batch with the 100-item limit and
//! per-item errors), variations (list, update, batch, `manage_stock: "parent"`), taxes, tax classes,
//! payment gateways, settings and system status.

use super::rest::{self, ApiError, ApiResult};
use super::state::{now_wc, State};
use super::Shared;
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxState};
use axum::http::StatusCode;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

type Q = Query<HashMap<String, String>>;

/// Batch limit (`woocommerce_rest_batch_items_limit`).
pub const BATCH_LIMIT: usize = 100;

pub async fn list_products(AxState(s): AxState<Arc<Shared>>, Query(q): Q) -> ApiResult {
    let st = s.lock();
    let mut items: Vec<Value> = match q.get("sku") {
        Some(skus) => {
            let mut wanted: HashSet<&str> = skus.split(',').map(str::trim).collect();
            wanted.insert(skus.as_str());
            let has_sku = |p: &&Value| {
                p.get("sku")
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty() && wanted.contains(s))
            };
            st.products
                .values()
                .filter(has_sku)
                .cloned()
                .chain(
                    st.variations
                        .values()
                        .filter(has_sku)
                        .map(variation_as_product),
                )
                .collect()
        }
        None => st.products.values().cloned().collect(),
    };
    if let Some(t) = q.get("type") {
        if !["simple", "grouped", "external", "variable"].contains(&t.as_str()) {
            return Err(rest::invalid_param(
                "type",
                "type is not one of simple, grouped, external, and variable.",
            ));
        }
        items.retain(|p| p.get("type").and_then(Value::as_str) == Some(t.as_str()));
    }
    if let Some(status) = q.get("status").filter(|s| s.as_str() != "any") {
        items.retain(|p| p.get("status").and_then(Value::as_str) == Some(status.as_str()));
    }
    sort_by_id(&mut items, &q);
    rest::paged(&st.base_url, "/wp-json/wc/v3/products", &q, items)
}

fn sort_by_id(items: &mut [Value], q: &HashMap<String, String>) {
    let id = |v: &Value| v.get("id").and_then(Value::as_u64).unwrap_or(0);
    items.sort_by_key(id);
    if q.get("order").map(String::as_str) != Some("asc") {
        items.reverse();
    }
}

pub async fn get_product(
    AxState(s): AxState<Arc<Shared>>,
    Path(id): Path<u64>,
    Query(q): Q,
) -> ApiResult {
    let st = s.lock();
    let p = match (st.products.get(&id), st.variations.get(&id)) {
        (Some(p), _) => p.clone(),
        (None, Some(v)) => variation_as_product(v),
        (None, None) => return Err(ApiError::invalid_id("woocommerce_rest_product_invalid_id")),
    };
    rest::ok_fields(&q, &p)
}

pub async fn update_product(
    AxState(s): AxState<Arc<Shared>>,
    Path(id): Path<u64>,
    body: Bytes,
) -> ApiResult {
    let changes = rest::parse_body(&body)?;
    let mut st = s.lock();
    let updated = update_one_product(&mut st, id, &changes)?;
    Ok(rest::json_response(StatusCode::OK, &updated))
}

pub async fn batch_products(AxState(s): AxState<Arc<Shared>>, body: Bytes) -> ApiResult {
    let req = rest::parse_body(&body)?;
    check_batch_limit(&req)?;
    let mut st = s.lock();
    let mut out = Map::new();
    if let Some(creates) = req.get("create").and_then(Value::as_array) {
        let done = creates.iter().map(|c| create_product(&mut st, c)).collect();
        out.insert("create".into(), Value::Array(done));
    }
    if let Some(updates) = req.get("update").and_then(Value::as_array) {
        let mut done = Vec::new();
        for u in updates {
            let id = u.get("id").and_then(Value::as_u64).unwrap_or(0);
            let result = update_one_product(&mut st, id, u).map_err(|e| {
                if e.code == "woocommerce_rest_invalid_product_id" {
                    e
                } else {
                    product_invalid_id_400()
                }
            });
            done.push(item_result(id, result));
        }
        out.insert("update".into(), Value::Array(done));
    }
    if let Some(deletes) = req.get("delete").and_then(Value::as_array) {
        let mut done = Vec::new();
        for d in deletes {
            let id = d.as_u64().unwrap_or(0);
            let result = st.products.remove(&id).ok_or_else(product_invalid_id_400);
            done.push(item_result(id, result));
        }
        out.insert("delete".into(), Value::Array(done));
    }
    Ok(rest::json_response(StatusCode::OK, &Value::Object(out)))
}

fn product_invalid_id_400() -> ApiError {
    ApiError::new(400, "woocommerce_rest_product_invalid_id", "Invalid ID.")
}

fn item_result(id: u64, result: Result<Value, ApiError>) -> Value {
    match result {
        Ok(v) => v,
        Err(e) => json!({"id": id, "error": e.body()}),
    }
}

/// Over 100 items in `create` + `update` + `delete` together: 413.
pub fn check_batch_limit(req: &Value) -> Result<(), ApiError> {
    let count: usize = ["create", "update", "delete"]
        .iter()
        .filter_map(|k| req.get(*k).and_then(Value::as_array).map(Vec::len))
        .sum();
    if count > BATCH_LIMIT {
        return Err(ApiError::new(
            413,
            "woocommerce_rest_request_entity_too_large",
            &format!("Unable to accept more than {BATCH_LIMIT} items for this request."),
        ));
    }
    Ok(())
}

fn create_product(st: &mut State, given: &Value) -> Value {
    let id = st.next_post_id();
    let now = now_wc();
    let mut p = json!({
        "id": id, "name": "", "slug": "", "type": "simple", "status": "publish", "sku": "",
        "price": "", "regular_price": "", "sale_price": "", "on_sale": false,
        "tax_status": "taxable", "tax_class": "", "manage_stock": false, "stock_quantity": null,
        "stock_status": "instock", "backorders": "no", "parent_id": 0, "variations": [],
        "meta_data": [], "date_created": now, "date_created_gmt": now,
        "date_modified": now, "date_modified_gmt": now,
    });
    apply_changes(&mut p, given);
    if let Some(obj) = p.as_object_mut() {
        obj.insert(
            "_links".into(),
            rest::links(
                &st.base_url,
                &format!("/wp-json/wc/v3/products/{id}"),
                "/wp-json/wc/v3/products",
            ),
        );
    }
    st.products.insert(id, p.clone());
    p
}

/// A product update through the products endpoints. A variation id is
/// refused as WooCommerce does (404 `woocommerce_rest_invalid_product_id`):
/// variations are written only under `/products/{parent}/variations`.
fn update_one_product(st: &mut State, id: u64, changes: &Value) -> Result<Value, ApiError> {
    if let Some(p) = st.products.get_mut(&id) {
        apply_changes(p, changes);
        let p = p.clone();
        sync_parent_stock_children(st, id);
        return Ok(p);
    }
    if st.variations.contains_key(&id) {
        return Err(ApiError::new(
            404,
            "woocommerce_rest_invalid_product_id",
            "To manipulate product variations you should use the /products/&lt;product_id&gt;/variations/&lt;id&gt; endpoint.",
        ));
    }
    Err(ApiError::invalid_id("woocommerce_rest_product_invalid_id"))
}

/// Variations with `manage_stock: "parent"` show the parent's stock.
pub(super) fn sync_parent_stock_children(st: &mut State, parent: u64) {
    let Some(p) = st.products.get(&parent) else {
        return;
    };
    let qty = p.get("stock_quantity").cloned().unwrap_or(Value::Null);
    let status = p.get("stock_status").cloned().unwrap_or(Value::Null);
    for v in st.variations.values_mut() {
        if v.get("parent_id").and_then(Value::as_u64) == Some(parent)
            && v.get("manage_stock").and_then(Value::as_str) == Some("parent")
        {
            if let Some(o) = v.as_object_mut() {
                o.insert("stock_quantity".into(), qty.clone());
                o.insert("stock_status".into(), status.clone());
            }
        }
    }
}

/// Applies a product/variation update the way the REST controller does: price follows
/// regular/sale price, `stock_quantity` only counts when the object manages its own stock, and
/// stock status is recomputed for managed stock.
fn apply_changes(obj: &mut Value, changes: &Value) {
    let Some(o) = obj.as_object_mut() else { return };
    let Some(ch) = changes.as_object() else {
        return;
    };
    for (k, v) in ch {
        match k.as_str() {
            "id" | "type" | "variations" | "_links" | "parent_id" | "stock_quantity" | "price" => {}
            _ => {
                o.insert(k.clone(), v.clone());
            }
        }
    }
    let regular = o
        .get("regular_price")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let sale = o
        .get("sale_price")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if ch.contains_key("regular_price") || ch.contains_key("sale_price") {
        let on_sale = !sale.is_empty();
        o.insert(
            "price".into(),
            Value::from(if on_sale { sale } else { regular }),
        );
        o.insert("on_sale".into(), Value::from(on_sale));
    }
    let manages_own = o.get("manage_stock").and_then(Value::as_bool) == Some(true);
    if manages_own {
        if let Some(q) = ch.get("stock_quantity").and_then(Value::as_i64) {
            o.insert("stock_quantity".into(), Value::from(q));
        }
        let qty = o.get("stock_quantity").and_then(Value::as_i64).unwrap_or(0);
        let backorders = o.get("backorders").and_then(Value::as_str).unwrap_or("no") != "no";
        let status = if qty > 0 {
            "instock"
        } else if backorders {
            "onbackorder"
        } else {
            "outofstock"
        };
        o.insert("stock_status".into(), Value::from(status));
    } else if o.get("manage_stock").and_then(Value::as_bool) == Some(false) {
        o.insert("stock_quantity".into(), Value::Null);
    }
    let now = now_wc();
    o.insert("date_modified".into(), Value::from(now.clone()));
    o.insert("date_modified_gmt".into(), Value::from(now));
}

pub async fn list_variations(
    AxState(s): AxState<Arc<Shared>>,
    Path(parent): Path<u64>,
    Query(q): Q,
) -> ApiResult {
    let st = s.lock();
    if !st.products.contains_key(&parent) {
        return Err(ApiError::invalid_id("woocommerce_rest_product_invalid_id"));
    }
    let mut items: Vec<Value> = st
        .variations
        .values()
        .filter(|v| v.get("parent_id").and_then(Value::as_u64) == Some(parent))
        .cloned()
        .collect();
    sort_by_id(&mut items, &q);
    rest::paged(
        &st.base_url,
        &format!("/wp-json/wc/v3/products/{parent}/variations"),
        &q,
        items,
    )
}

pub async fn get_variation(
    AxState(s): AxState<Arc<Shared>>,
    Path((parent, id)): Path<(u64, u64)>,
    Query(q): Q,
) -> ApiResult {
    let st = s.lock();
    let v = st
        .variations
        .get(&id)
        .filter(|v| v.get("parent_id").and_then(Value::as_u64) == Some(parent))
        .ok_or_else(|| ApiError::invalid_id("woocommerce_rest_product_variation_invalid_id"))?;
    rest::ok_fields(&q, v)
}

/// `PUT|PATCH|POST /products/{parent}/variations/{id}`: one variation's
/// update; an unknown id (or one of another parent) is a 400, as WooCommerce's
/// CRUD controller answers on update.
pub async fn update_variation_route(
    AxState(s): AxState<Arc<Shared>>,
    Path((parent, id)): Path<(u64, u64)>,
    body: Bytes,
) -> ApiResult {
    let changes = rest::parse_body(&body)?;
    let mut st = s.lock();
    let updated = update_variation(&mut st, parent, id, &changes).map_err(|_| {
        ApiError::new(
            400,
            "woocommerce_rest_product_variation_invalid_id",
            "Invalid ID.",
        )
    })?;
    Ok(rest::json_response(StatusCode::OK, &updated))
}

pub async fn batch_variations(
    AxState(s): AxState<Arc<Shared>>,
    Path(parent): Path<u64>,
    body: Bytes,
) -> ApiResult {
    let req = rest::parse_body(&body)?;
    check_batch_limit(&req)?;
    let mut st = s.lock();
    if !st.products.contains_key(&parent) {
        return Err(ApiError::invalid_id("woocommerce_rest_product_invalid_id"));
    }
    let mut out = Map::new();
    if let Some(updates) = req.get("update").and_then(Value::as_array) {
        let mut done = Vec::new();
        for u in updates {
            let id = u.get("id").and_then(Value::as_u64).unwrap_or(0);
            let result = update_variation(&mut st, parent, id, u).map_err(|_| {
                ApiError::new(
                    400,
                    "woocommerce_rest_product_variation_invalid_id",
                    "Invalid ID.",
                )
            });
            done.push(item_result(id, result));
        }
        out.insert("update".into(), Value::Array(done));
    }
    for key in ["create", "delete"] {
        if let Some(items) = req.get(key).and_then(Value::as_array) {
            let done = items
                .iter()
                .map(|i| {
                    let id = i
                        .get("id")
                        .and_then(Value::as_u64)
                        .or_else(|| i.as_u64())
                        .unwrap_or(0);
                    item_result(
                        id,
                        Err(ApiError::new(
                            400,
                            "woocommerce_rest_sandbox_unsupported",
                            "The sandbox only supports variation updates.",
                        )),
                    )
                })
                .collect();
            out.insert(key.into(), Value::Array(done));
        }
    }
    Ok(rest::json_response(StatusCode::OK, &Value::Object(out)))
}

fn update_variation(
    st: &mut State,
    parent: u64,
    id: u64,
    changes: &Value,
) -> Result<Value, ApiError> {
    let parent_obj = st.products.get(&parent).cloned();
    let v = st
        .variations
        .get_mut(&id)
        .filter(|v| v.get("parent_id").and_then(Value::as_u64) == Some(parent))
        .ok_or_else(|| ApiError::invalid_id("woocommerce_rest_product_variation_invalid_id"))?;
    let parent_managed = v.get("manage_stock").and_then(Value::as_str) == Some("parent");
    let mut changes = changes.clone();
    if parent_managed {
        // Stock of a parent-managed variation is the parent's; a quantity sent here is ignored.
        if let Some(o) = changes.as_object_mut() {
            if o.get("manage_stock").and_then(Value::as_bool) != Some(true) {
                o.remove("manage_stock");
            }
        }
    }
    apply_changes(v, &changes);
    // `WC_Product_Variation::get_manage_stock()`: a variation that does not
    // manage its own stock reads `"parent"` when its parent manages stock.
    let parent_manages = parent_obj
        .as_ref()
        .and_then(|p| p.get("manage_stock"))
        .and_then(Value::as_bool)
        == Some(true);
    if parent_manages && v.get("manage_stock").and_then(Value::as_bool) == Some(false) {
        if let Some(o) = v.as_object_mut() {
            o.insert("manage_stock".into(), json!("parent"));
        }
    }
    if v.get("manage_stock").and_then(Value::as_str) == Some("parent") {
        if let (Some(o), Some(p)) = (v.as_object_mut(), parent_obj.as_ref()) {
            o.insert(
                "stock_quantity".into(),
                p.get("stock_quantity").cloned().unwrap_or(Value::Null),
            );
            o.insert(
                "stock_status".into(),
                p.get("stock_status").cloned().unwrap_or(Value::Null),
            );
        }
    }
    Ok(v.clone())
}

pub async fn list_taxes(AxState(s): AxState<Arc<Shared>>, Query(q): Q) -> ApiResult {
    let st = s.lock();
    let mut items = st.taxes.clone();
    if let Some(class) = q.get("class") {
        items.retain(|t| t.get("class").and_then(Value::as_str) == Some(class.as_str()));
    }
    let mut q2 = q.clone();
    q2.entry("order".into()).or_insert_with(|| "asc".into());
    sort_by_id(&mut items, &q2);
    rest::paged(&st.base_url, "/wp-json/wc/v3/taxes", &q, items)
}

pub async fn list_tax_classes(AxState(s): AxState<Arc<Shared>>, Query(q): Q) -> ApiResult {
    let st = s.lock();
    let items: Vec<Value> = st
        .tax_classes
        .iter()
        .map(|c| {
            let mut c = c.clone();
            if let Some(o) = c.as_object_mut() {
                o.insert("_links".into(), json!({"collection": [{"href": format!("{}/wp-json/wc/v3/taxes/classes", st.base_url)}]}));
            }
            c
        })
        .collect();
    rest::ok_fields(&q, &items)
}

pub async fn list_gateways(AxState(s): AxState<Arc<Shared>>, Query(q): Q) -> ApiResult {
    let st = s.lock();
    rest::ok_fields(&q, &st.gateways)
}

pub async fn get_gateway(
    AxState(s): AxState<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Q,
) -> ApiResult {
    let st = s.lock();
    let g = st
        .gateways
        .iter()
        .find(|g| g.get("id").and_then(Value::as_str) == Some(id.as_str()))
        .ok_or_else(|| {
            ApiError::new(
                404,
                "woocommerce_rest_payment_gateway_invalid",
                "Invalid payment gateway ID.",
            )
        })?;
    rest::ok_fields(&q, g)
}

fn setting(
    base: &str,
    group: &str,
    id: &str,
    label: &str,
    kind: &str,
    default: &str,
    value: Value,
) -> Value {
    json!({
        "id": id, "label": label, "description": "", "type": kind, "default": default, "value": value,
        "_links": {
            "self": [{"href": format!("{base}/wp-json/wc/v3/settings/{group}/{id}")}],
            "collection": [{"href": format!("{base}/wp-json/wc/v3/settings/{group}")}],
        }
    })
}

fn yes_no(b: bool) -> Value {
    Value::from(if b { "yes" } else { "no" })
}

fn settings_group(st: &State, group: &str) -> Option<Vec<Value>> {
    let b = st.base_url.as_str();
    let s = &st.settings;
    match group {
        "general" => Some(vec![
            setting(
                b,
                group,
                "woocommerce_default_country",
                "Country / State",
                "single_select_country",
                "US:CA",
                Value::from(s.base_country.clone()),
            ),
            setting(
                b,
                group,
                "woocommerce_calc_taxes",
                "Enable taxes",
                "checkbox",
                "no",
                yes_no(true),
            ),
            setting(
                b,
                group,
                "woocommerce_enable_coupons",
                "Enable coupons",
                "checkbox",
                "yes",
                yes_no(true),
            ),
            setting(
                b,
                group,
                "woocommerce_calc_discounts_sequentially",
                "Calculate coupon discounts sequentially",
                "checkbox",
                "no",
                yes_no(false),
            ),
            setting(
                b,
                group,
                "woocommerce_currency",
                "Currency",
                "select",
                "USD",
                Value::from(s.currency.clone()),
            ),
            setting(
                b,
                group,
                "woocommerce_currency_pos",
                "Currency position",
                "select",
                "left",
                Value::from("right_space"),
            ),
            setting(
                b,
                group,
                "woocommerce_price_thousand_sep",
                "Thousand separator",
                "text",
                ",",
                Value::from(","),
            ),
            setting(
                b,
                group,
                "woocommerce_price_decimal_sep",
                "Decimal separator",
                "text",
                ".",
                Value::from("."),
            ),
            setting(
                b,
                group,
                "woocommerce_price_num_decimals",
                "Number of decimals",
                "number",
                "2",
                Value::from(s.decimals.to_string()),
            ),
        ]),
        "tax" => Some(vec![
            setting(
                b,
                group,
                "woocommerce_prices_include_tax",
                "Prices entered with tax",
                "radio",
                "no",
                yes_no(s.prices_include_tax),
            ),
            setting(
                b,
                group,
                "woocommerce_tax_based_on",
                "Calculate tax based on",
                "select",
                "shipping",
                Value::from("billing"),
            ),
            setting(
                b,
                group,
                "woocommerce_shipping_tax_class",
                "Shipping tax class",
                "select",
                "inherit",
                Value::from(""),
            ),
            setting(
                b,
                group,
                "woocommerce_tax_round_at_subtotal",
                "Rounding",
                "checkbox",
                "no",
                yes_no(s.tax_round_at_subtotal),
            ),
            setting(
                b,
                group,
                "woocommerce_tax_classes",
                "Additional tax classes",
                "textarea",
                "",
                Value::from(""),
            ),
            setting(
                b,
                group,
                "woocommerce_tax_display_shop",
                "Display prices in the shop",
                "select",
                "excl",
                Value::from("excl"),
            ),
            setting(
                b,
                group,
                "woocommerce_tax_display_cart",
                "Display prices during cart and checkout",
                "select",
                "excl",
                Value::from("excl"),
            ),
            setting(
                b,
                group,
                "woocommerce_price_display_suffix",
                "Price display suffix",
                "text",
                "",
                Value::from(""),
            ),
            setting(
                b,
                group,
                "woocommerce_tax_total_display",
                "Display tax totals",
                "select",
                "itemized",
                Value::from("itemized"),
            ),
        ]),
        _ => None,
    }
}

pub async fn settings_list(
    AxState(s): AxState<Arc<Shared>>,
    Path(group): Path<String>,
    Query(q): Q,
) -> ApiResult {
    let st = s.lock();
    let items = settings_group(&st, &group).ok_or_else(|| {
        ApiError::new(
            404,
            "rest_setting_setting_group_invalid",
            "Invalid setting group.",
        )
    })?;
    rest::ok_fields(&q, &items)
}

pub async fn settings_one(
    AxState(s): AxState<Arc<Shared>>,
    Path((group, id)): Path<(String, String)>,
    Query(q): Q,
) -> ApiResult {
    let st = s.lock();
    let items = settings_group(&st, &group).ok_or_else(|| {
        ApiError::new(
            404,
            "rest_setting_setting_group_invalid",
            "Invalid setting group.",
        )
    })?;
    let item = items
        .into_iter()
        .find(|i| i.get("id").and_then(Value::as_str) == Some(id.as_str()))
        .ok_or_else(|| ApiError::new(404, "rest_setting_setting_invalid", "Invalid setting."))?;
    rest::ok_fields(&q, &item)
}

pub async fn system_status(AxState(s): AxState<Arc<Shared>>, Query(q): Q) -> ApiResult {
    let st = s.lock();
    let set = &st.settings;
    let body = json!({
        "environment": {
            "home_url": st.base_url, "site_url": st.base_url, "version": set.wc_version,
            "wp_version": set.wp_version, "wp_multisite": false, "wp_cron": true, "language": "en_US",
            "server_info": "WooCommerce sandbox", "php_version": "8.2.0", "default_timezone": "UTC",
        },
        "database": {"wc_database_version": set.wc_version, "database_prefix": "wp_"},
        "active_plugins": [{
            "plugin": "woocommerce/woocommerce.php", "name": "WooCommerce", "version": set.wc_version,
            "version_latest": set.wc_version, "url": "https://woocommerce.com/", "author_name": "Automattic",
            "author_url": "https://woocommerce.com", "network_activated": false,
        }],
        "inactive_plugins": [],
        "dropins_mu_plugins": {"dropins": [], "mu_plugins": []},
        "theme": {"name": "Storefront", "version": "4.5.0"},
        "settings": {
            "api_enabled": false, "force_ssl": false, "currency": set.currency,
            "currency_symbol": currency_symbol(&set.currency), "currency_position": "right_space",
            "thousand_separator": ",", "decimal_separator": ".", "number_of_decimals": set.decimals,
            "geolocation_enabled": false, "woocommerce_com_connected": "no", "HPOS_enabled": true,
        },
        "security": {"secure_connection": st.base_url.starts_with("https"), "hide_errors": true},
        "pages": [],
        "post_type_counts": [],
        "logging": {"handler": "Automattic\\WooCommerce\\Internal\\Admin\\Logging\\LogHandlerFileV2", "level_threshold": "none"},
    });
    rest::ok_fields(&q, &body)
}

/// HTML currency symbol as `system_status` shows it.
fn currency_symbol(currency: &str) -> &'static str {
    match currency {
        "EUR" => "&euro;",
        "GBP" => "&pound;",
        "USD" => "&#36;",
        _ => "",
    }
}

/// A variation rendered by the products controller (`GET /products?sku=` or `/products/{id}`): the
/// product fields with `type: "variation"` and no `image`.
pub fn variation_as_product(v: &Value) -> Value {
    let mut out = v.clone();
    let Some(o) = out.as_object_mut() else {
        return out;
    };
    o.remove("image");
    let price = o
        .get("price")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let name = o
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let defaults = json!({
        "type": "variation", "slug": name.to_lowercase().replace(' ', "-"), "featured": false,
        "catalog_visibility": "visible", "short_description": "", "total_sales": "0",
        "external_url": "", "button_text": "", "sold_individually": false, "shipping_required": true,
        "shipping_taxable": true, "reviews_allowed": false, "average_rating": "0.00", "rating_count": 0,
        "upsell_ids": [], "cross_sell_ids": [], "purchase_note": "", "categories": [], "tags": [],
        "images": [], "default_attributes": [], "variations": [], "grouped_products": [],
        "price_html": format!("<span class=\"woocommerce-Price-amount amount\"><bdi>{price}</bdi></span>"),
        "related_ids": [], "has_options": false, "post_password": "",
    });
    if let Some(d) = defaults.as_object() {
        for (k, val) in d {
            o.entry(k.clone()).or_insert_with(|| val.clone());
        }
    }
    out
}
