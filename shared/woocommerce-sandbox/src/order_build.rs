//! Turns a REST order body into a stored order: resolves products, variations and coupons from the
//! catalogue, runs the totals, renders the document, and applies WooCommerce's status rules
//! (`payment_complete`, `date_paid`/`date_completed`, stock reduction with `_reduced_stock` meta).

use super::money::{fmt_dp, fmt_trim, json_number, parse_value};
use super::order_model::{
    Address, CouponLine, FeeLine, Href, Image, ItemTax, LineItem, Links, Meta, OrderDoc,
    ShippingLine, TaxLine,
};
use super::rest::ApiError;
use super::state::{now_wc, random_alnum, OrderRecord, State};
use super::tax::{Location, TaxRate};
use super::totals::{self, CouponDef, LineInput, OrderInput, PricedFee, PricedLine, TotalsInput};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

/// Catalogue facts of one line.
struct ResolvedLine {
    product_id: u64,
    variation_id: u64,
    name: String,
    sku: String,
    parent_name: Option<String>,
    attributes: Vec<(String, String, String)>,
    priced: PricedLine,
}

/// Creates an order from a REST body (`POST /orders` or the control endpoint); returns its id.
pub fn create_order(st: &mut State, body: &Value) -> Result<u64, ApiError> {
    let input: OrderInput = serde_json::from_value(body.clone()).map_err(|e| {
        ApiError::new(
            400,
            "rest_invalid_param",
            &format!("Invalid parameter(s): {e}"),
        )
    })?;
    let id = st.next_post_id();
    let now = now_wc();
    let mut doc = OrderDoc {
        id,
        status: "pending".into(),
        currency: body
            .get("currency")
            .and_then(Value::as_str)
            .unwrap_or(&st.settings.currency)
            .to_string(),
        version: st.settings.wc_version.clone(),
        prices_include_tax: st.settings.prices_include_tax,
        date_created: Some(now.clone()),
        date_modified: Some(now.clone()),
        date_created_gmt: Some(now.clone()),
        date_modified_gmt: Some(now),
        order_key: format!("wc_order_{}", random_alnum(13)),
        billing: merge_address(&Address::default(), body.get("billing"), true),
        shipping: merge_address(&Address::default(), body.get("shipping"), false),
        created_via: "rest-api".into(),
        number: id.to_string(),
        needs_processing: true,
        ..OrderDoc::default()
    };
    doc.customer_id = body.get("customer_id").and_then(Value::as_u64).unwrap_or(0);
    apply_simple_fields(st, &mut doc, body);
    doc.currency_symbol = currency_symbol(&doc.currency).to_string();
    doc.links = Links {
        self_: Href::new(format!("{}/wp-json/wc/v3/orders/{id}", st.base_url)),
        collection: Href::new(format!("{}/wp-json/wc/v3/orders", st.base_url)),
        customer: if doc.customer_id > 0 {
            Href::new(format!(
                "{}/wp-json/wc/v3/customers/{}",
                st.base_url, doc.customer_id
            ))
        } else {
            Vec::new()
        },
        ..Links::default()
    };
    recalculate(st, &mut doc, &input)?;
    if let Some(status) = body.get("status").and_then(Value::as_str) {
        set_status(st, &mut doc, status)?;
    }
    if body.get("set_paid").and_then(Value::as_bool) == Some(true) {
        payment_complete(
            st,
            &mut doc,
            body.get("transaction_id").and_then(Value::as_str),
        );
    }
    refresh_flags(st, &mut doc);
    st.orders.insert(
        id,
        OrderRecord {
            doc,
            input: Some(input),
        },
    );
    Ok(id)
}

/// Applies a `PUT /orders/{id}` body; recomputes when any line array is present.
pub fn update_order(st: &mut State, id: u64, body: &Value) -> Result<(), ApiError> {
    let record = st
        .orders
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::invalid_id("woocommerce_rest_shop_order_invalid_id"))?;
    let mut doc = record.doc;
    if let Some(b) = body.get("billing") {
        doc.billing = merge_address(&doc.billing, Some(b), true);
    }
    if let Some(s) = body.get("shipping") {
        doc.shipping = merge_address(&doc.shipping, Some(s), false);
    }
    apply_simple_fields(st, &mut doc, body);
    let line_keys = ["line_items", "shipping_lines", "fee_lines", "coupon_lines"];
    let mut input = record.input.clone();
    if line_keys.iter().any(|k| body.get(*k).is_some())
        || (body.get("billing").is_some() && input.is_some())
    {
        let mut merged = input.clone().unwrap_or_default();
        if let Some(given) = body.get("line_items") {
            let current: Vec<u64> = doc.line_items.iter().map(|l| l.id).collect();
            merged.line_items = merge_items(&merged.line_items, &current, given, |g| {
                g.get("quantity").and_then(Value::as_f64) == Some(0.0)
            })?;
        }
        if let Some(given) = body.get("shipping_lines") {
            let current: Vec<u64> = doc.shipping_lines.iter().map(|l| l.id).collect();
            merged.shipping_lines = merge_items(&merged.shipping_lines, &current, given, |g| {
                g.get("method_id").is_some_and(Value::is_null)
            })?;
        }
        if let Some(given) = body.get("fee_lines") {
            let current: Vec<u64> = doc.fee_lines.iter().map(|l| l.id).collect();
            merged.fee_lines = merge_items(&merged.fee_lines, &current, given, |g| {
                g.get("name").is_some_and(Value::is_null)
            })?;
        }
        if body.get("coupon_lines").is_some() {
            let given: OrderInput = serde_json::from_value(
                json!({"coupon_lines": body["coupon_lines"]}),
            )
            .map_err(|e| {
                ApiError::new(
                    400,
                    "rest_invalid_param",
                    &format!("Invalid parameter(s): {e}"),
                )
            })?;
            merged.coupon_lines = given.coupon_lines;
        }
        recalculate(st, &mut doc, &merged)?;
        input = Some(merged);
    }
    if let Some(status) = body.get("status").and_then(Value::as_str) {
        set_status(st, &mut doc, status)?;
    }
    if body.get("set_paid").and_then(Value::as_bool) == Some(true) && needs_payment(&doc) {
        payment_complete(
            st,
            &mut doc,
            body.get("transaction_id").and_then(Value::as_str),
        );
    }
    touch(&mut doc);
    refresh_flags(st, &mut doc);
    st.orders.insert(id, OrderRecord { doc, input });
    Ok(())
}

/// WooCommerce's item update rules for `PUT /orders/{id}`: an entry with the `id` of an existing item
/// patches it (or removes it when `remove` says so), an entry without `id` adds an item, items not
/// mentioned stay. `current_ids[i]` is the id of `current[i]`.
fn merge_items<T>(
    current: &[T],
    current_ids: &[u64],
    given: &Value,
    remove: impl Fn(&Value) -> bool,
) -> Result<Vec<T>, ApiError>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let invalid = |m: String| {
        ApiError::new(
            400,
            "rest_invalid_param",
            &format!("Invalid parameter(s): {m}"),
        )
    };
    let given = given
        .as_array()
        .ok_or_else(|| invalid("items must be an array".into()))?;
    let mut items: Vec<Option<Value>> = current
        .iter()
        .map(|c| serde_json::to_value(c).ok())
        .collect();
    for g in given {
        match g.get("id").and_then(Value::as_u64).filter(|id| *id > 0) {
            Some(id) => {
                let i = current_ids.iter().position(|c| *c == id).ok_or_else(|| {
                    ApiError::new(
                        400,
                        "woocommerce_rest_invalid_item_id",
                        "Order item ID provided is not associated with order.",
                    )
                })?;
                if remove(g) {
                    items[i] = None;
                } else if let (Some(Value::Object(target)), Some(patch)) =
                    (items[i].as_mut(), g.as_object())
                {
                    for (k, v) in patch.iter().filter(|(k, _)| k.as_str() != "id") {
                        target.insert(k.clone(), v.clone());
                    }
                }
            }
            None => items.push(Some(g.clone())),
        }
    }
    items
        .into_iter()
        .flatten()
        .map(|v| serde_json::from_value(v).map_err(|e| invalid(e.to_string())))
        .collect()
}

/// Bumps `date_modified`.
pub fn touch(doc: &mut OrderDoc) {
    let now = now_wc();
    doc.date_modified = Some(now.clone());
    doc.date_modified_gmt = Some(now);
}

fn apply_simple_fields(st: &State, doc: &mut OrderDoc, body: &Value) {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(m) = text("payment_method") {
        doc.payment_method = m;
        if text("payment_method_title").is_none() {
            doc.payment_method_title = gateway_title(st, &doc.payment_method);
        }
    }
    if let Some(t) = text("payment_method_title") {
        doc.payment_method_title = t;
    }
    if let Some(t) = text("transaction_id") {
        doc.transaction_id = t;
    }
    if let Some(t) = text("customer_note") {
        doc.customer_note = t;
    }
    if let Some(meta) = body.get("meta_data").and_then(Value::as_array) {
        for m in meta {
            let Some(key) = m.get("key").and_then(Value::as_str) else {
                continue;
            };
            let value = m.get("value").cloned().unwrap_or(Value::Null);
            let next_id = next_order_meta_id(doc);
            match doc.meta_data.iter_mut().find(|e| e.key == key) {
                Some(e) => e.value = value,
                None => doc.meta_data.push(Meta {
                    id: next_id,
                    key: key.to_string(),
                    value,
                    ..Meta::default()
                }),
            }
        }
    }
}

/// Order meta ids are local to the order here (WooCommerce uses a table-wide sequence).
fn next_order_meta_id(doc: &OrderDoc) -> u64 {
    doc.meta_data.iter().map(|m| m.id).max().unwrap_or(0) + 1
}

fn gateway_title(st: &State, id: &str) -> String {
    st.gateways
        .iter()
        .find(|g| g.get("id").and_then(Value::as_str) == Some(id))
        .and_then(|g| g.get("title").and_then(Value::as_str))
        .unwrap_or_default()
        .to_string()
}

/// Address fields from a request over the current ones (`email` exists on billing only).
fn merge_address(current: &Address, given: Option<&Value>, billing: bool) -> Address {
    let pick = |k: &str, cur: &str| -> String {
        given
            .and_then(|g| g.get(k))
            .and_then(Value::as_str)
            .unwrap_or(cur)
            .to_string()
    };
    Address {
        first_name: pick("first_name", &current.first_name),
        last_name: pick("last_name", &current.last_name),
        company: pick("company", &current.company),
        address_1: pick("address_1", &current.address_1),
        address_2: pick("address_2", &current.address_2),
        city: pick("city", &current.city),
        state: pick("state", &current.state),
        postcode: pick("postcode", &current.postcode),
        country: pick("country", &current.country),
        email: billing.then(|| pick("email", current.email.as_deref().unwrap_or_default())),
        phone: Some(pick("phone", current.phone.as_deref().unwrap_or_default())),
        extra: current.extra.clone(),
    }
}

fn currency_symbol(currency: &str) -> &'static str {
    match currency {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        _ => "",
    }
}

fn is_vat_exempt(doc: &OrderDoc) -> bool {
    doc.meta_data
        .iter()
        .any(|m| m.key == "is_vat_exempt" && m.value.as_str() == Some("yes"))
}

fn tax_location(st: &State, doc: &OrderDoc) -> Location {
    let from = if !doc.billing.country.is_empty() {
        &doc.billing
    } else {
        &doc.shipping
    };
    let country = from.country.clone();
    if country.is_empty() {
        return Location {
            country: st.settings.base_country.clone(),
            ..Location::default()
        };
    }
    Location {
        country,
        state: from.state.clone(),
        postcode: from.postcode.clone(),
    }
}

fn quantity(v: Option<&Value>) -> Result<Decimal, ApiError> {
    let q = match v {
        None => Decimal::ONE,
        Some(v) => parse_value(v).ok_or_else(|| {
            ApiError::new(400, "rest_invalid_param", "Invalid parameter(s): quantity")
        })?,
    };
    if q <= Decimal::ZERO {
        return Err(ApiError::new(
            400,
            "woocommerce_rest_invalid_quantity",
            "Quantity must be a positive number.",
        ));
    }
    Ok(q)
}

fn resolve_line(st: &State, line: &LineInput) -> Result<ResolvedLine, ApiError> {
    let invalid = || {
        ApiError::new(
            400,
            "woocommerce_rest_invalid_product_id",
            "Product ID provided is invalid.",
        )
    };
    let by_sku = line
        .sku
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|sku| {
            st.products
                .values()
                .chain(st.variations.values())
                .find(|p| p.get("sku").and_then(Value::as_str) == Some(sku))
                .and_then(|p| p.get("id").and_then(Value::as_u64))
        });
    let target = match (
        line.variation_id.filter(|v| *v > 0),
        line.product_id.filter(|p| *p > 0),
        by_sku,
    ) {
        (Some(v), _, _) => v,
        (None, Some(p), _) => p,
        (None, None, Some(s)) => s,
        _ => return Err(invalid()),
    };
    let obj = st.any_product(target).ok_or_else(invalid)?;
    let s = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let parent_id = obj.get("parent_id").and_then(Value::as_u64).unwrap_or(0);
    let is_variation = st.variations.contains_key(&target);
    let parent = if is_variation {
        st.products.get(&parent_id)
    } else {
        None
    };
    let mut tax_class = s(obj, "tax_class");
    if tax_class == "parent" {
        tax_class = parent.map(|p| s(p, "tax_class")).unwrap_or_default();
    }
    let attributes: Vec<(String, String, String)> = obj
        .get("attributes")
        .and_then(Value::as_array)
        .filter(|_| is_variation)
        .map(|attrs| {
            attrs
                .iter()
                .map(|a| {
                    let name = s(a, "name");
                    let slug = a
                        .get("slug")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| name.to_lowercase());
                    (slug, name, s(a, "option"))
                })
                .collect()
        })
        .unwrap_or_default();
    let parent_name = parent.map(|p| s(p, "name"));
    let name = match (&parent_name, attributes.is_empty()) {
        (Some(pn), false) => format!(
            "{pn} - {}",
            attributes
                .iter()
                .map(|a| a.2.clone())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => line.name.clone().unwrap_or_else(|| s(obj, "name")),
    };
    let money = |v: &Option<Value>| -> Result<Option<Decimal>, ApiError> {
        match v {
            None => Ok(None),
            Some(v) => parse_value(v).map(Some).ok_or_else(|| {
                ApiError::new(
                    400,
                    "rest_invalid_param",
                    "Invalid parameter(s): line_items",
                )
            }),
        }
    };
    Ok(ResolvedLine {
        product_id: if is_variation { parent_id } else { target },
        variation_id: if is_variation { target } else { 0 },
        name,
        sku: s(obj, "sku"),
        parent_name,
        attributes,
        priced: PricedLine {
            unit_price: obj.get("price").and_then(parse_value).unwrap_or_default(),
            quantity: quantity(line.quantity.as_ref())?,
            tax_class,
            taxable: s(obj, "tax_status") != "none" && s(obj, "tax_status") != "shipping",
            given_subtotal: money(&line.subtotal)?,
            given_total: money(&line.total)?,
        },
    })
}

fn find_coupon(st: &State, code: &str) -> Result<(CouponDef, u64, bool), ApiError> {
    let c = st
        .coupons
        .iter()
        .find(|c| {
            c.get("code")
                .and_then(Value::as_str)
                .is_some_and(|x| x.eq_ignore_ascii_case(code))
        })
        .ok_or_else(|| {
            ApiError::new(
                400,
                "woocommerce_rest_invalid_coupon",
                &format!("Coupon \"{code}\" does not exist!"),
            )
        })?;
    Ok((
        CouponDef {
            code: code.to_lowercase(),
            discount_type: c
                .get("discount_type")
                .and_then(Value::as_str)
                .unwrap_or("fixed_cart")
                .to_string(),
            amount: c.get("amount").and_then(parse_value).unwrap_or_default(),
        },
        c.get("id").and_then(Value::as_u64).unwrap_or(0),
        c.get("free_shipping")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    ))
}

/// `calculate_totals()`: recomputes every line and total of `doc` from `input`.
pub fn recalculate(st: &mut State, doc: &mut OrderDoc, input: &OrderInput) -> Result<(), ApiError> {
    let resolved: Vec<ResolvedLine> = input
        .line_items
        .iter()
        .map(|l| resolve_line(st, l))
        .collect::<Result<_, _>>()?;
    let money = |v: &Option<Value>| v.as_ref().and_then(parse_value).unwrap_or_default();
    let fees: Vec<PricedFee> = input
        .fee_lines
        .iter()
        .map(|f| PricedFee {
            total: money(&f.total),
            tax_class: f.tax_class.clone().unwrap_or_default(),
            taxable: f.tax_status.as_deref().unwrap_or("taxable") == "taxable",
        })
        .collect();
    let coupons: Vec<(CouponDef, u64, bool)> = input
        .coupon_lines
        .iter()
        .map(|c| find_coupon(st, &c.code))
        .collect::<Result<_, _>>()?;
    let rates: Vec<TaxRate> = st.taxes.iter().filter_map(TaxRate::from_json).collect();
    let calc = totals::compute(&TotalsInput {
        rates: &rates,
        location: tax_location(st, doc),
        base_location: Location {
            country: st.settings.base_country.clone(),
            ..Location::default()
        },
        prices_include_tax: doc.prices_include_tax,
        round_at_subtotal: st.settings.tax_round_at_subtotal,
        vat_exempt: is_vat_exempt(doc),
        decimals: st.settings.decimals,
        lines: resolved.iter().map(|r| r.priced.clone()).collect(),
        shipping: input
            .shipping_lines
            .iter()
            .map(|s| money(&s.total))
            .collect(),
        fees,
        coupons: coupons.iter().map(|c| c.0.clone()).collect(),
    });
    let dp = st.settings.decimals;
    let item_taxes = |taxes: &[(u64, Decimal, Decimal)]| -> Vec<ItemTax> {
        taxes
            .iter()
            .map(|(id, t, s)| ItemTax {
                id: *id,
                total: fmt_trim(*t),
                subtotal: fmt_trim(*s),
            })
            .collect()
    };
    let charge_taxes = |taxes: &[(u64, Decimal)]| -> Vec<ItemTax> {
        taxes
            .iter()
            .map(|(id, t)| ItemTax {
                id: *id,
                total: fmt_trim(*t),
                subtotal: String::new(),
            })
            .collect()
    };
    let mut line_items = Vec::with_capacity(resolved.len());
    // Item ids stay stable across recalculations (index by index), like WooCommerce's saved items.
    let old_lines = std::mem::take(&mut doc.line_items);
    let old_shipping: Vec<u64> = doc.shipping_lines.iter().map(|l| l.id).collect();
    let old_fees: Vec<u64> = doc.fee_lines.iter().map(|l| l.id).collect();
    let old_tax: Vec<u64> = doc.tax_lines.iter().map(|l| l.id).collect();
    let old_coupons: Vec<u64> = doc.coupon_lines.iter().map(|l| l.id).collect();
    for (i, (r, t)) in resolved.iter().zip(&calc.lines).enumerate() {
        let previous = old_lines.get(i);
        let id = reuse_id(st, previous.map(|l| l.id));
        let kept_stock_meta: Vec<Meta> = previous
            .filter(|l| l.product_id == r.product_id && l.variation_id == r.variation_id)
            .map(|l| {
                l.meta_data
                    .iter()
                    .filter(|m| m.key == "_reduced_stock")
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let meta: Vec<Meta> = r
            .attributes
            .iter()
            .map(|(slug, name, option)| Meta::item(st.next_meta_id(), slug, name, option))
            .collect();
        line_items.push(LineItem {
            id,
            name: r.name.clone(),
            product_id: r.product_id,
            variation_id: r.variation_id,
            quantity: i64::try_from(r.priced.quantity.trunc()).unwrap_or(1),
            tax_class: r.priced.tax_class.clone(),
            subtotal: fmt_dp(t.subtotal, dp),
            subtotal_tax: fmt_dp(t.subtotal_tax, dp),
            total: fmt_dp(t.total, dp),
            total_tax: fmt_dp(t.total_tax, dp),
            taxes: item_taxes(&t.taxes),
            meta_data: meta.into_iter().chain(kept_stock_meta).collect(),
            sku: Some(r.sku.clone()),
            price: php_price(t.total, r.priced.quantity),
            image: Image {
                id: if r.variation_id > 0 {
                    json!(0)
                } else {
                    json!("")
                },
                ..Image::default()
            },
            parent_name: r.parent_name.clone(),
            extra: Map::new(),
        });
    }
    let shipping_lines = input
        .shipping_lines
        .iter()
        .zip(&calc.shipping)
        .enumerate()
        .map(|(i, (s, t))| ShippingLine {
            id: reuse_id(st, old_shipping.get(i).copied()),
            method_title: strip_tags(&s.method_title),
            method_id: s.method_id.clone(),
            instance_id: s.instance_id.as_ref().map(value_text).unwrap_or_default(),
            total: fmt_dp(t.total, dp),
            total_tax: fmt_dp(t.total_tax, dp),
            taxes: charge_taxes(&t.taxes),
            meta_data: vec![],
            extra: Map::new(),
        })
        .collect();
    let fee_lines = input
        .fee_lines
        .iter()
        .zip(&calc.fees)
        .enumerate()
        .map(|(i, (f, t))| FeeLine {
            id: reuse_id(st, old_fees.get(i).copied()),
            name: f.name.clone(),
            tax_class: f.tax_class.clone().unwrap_or_default(),
            tax_status: f.tax_status.clone().unwrap_or_else(|| "taxable".into()),
            amount: String::new(),
            total: fmt_dp(t.total, dp),
            total_tax: fmt_dp(t.total_tax, dp),
            taxes: charge_taxes(&t.taxes),
            meta_data: vec![],
            extra: Map::new(),
        })
        .collect();
    let tax_lines = calc
        .tax_lines
        .iter()
        .enumerate()
        .map(|(i, r)| TaxLine {
            id: reuse_id(st, old_tax.get(i).copied()),
            rate_code: r.rate.rate_code(),
            rate_id: r.rate.id,
            label: r.rate.name.clone(),
            compound: r.rate.compound,
            tax_total: fmt_dp(r.tax_total, dp),
            shipping_tax_total: fmt_dp(r.shipping_tax_total, dp),
            rate_percent: json_number(r.rate.rate),
            meta_data: vec![],
            extra: Map::new(),
        })
        .collect();
    let coupon_lines = coupons
        .iter()
        .zip(&calc.coupons)
        .enumerate()
        .map(|(i, ((def, coupon_id, free_shipping), t))| {
            let kind = if def.discount_type == "fixed_cart" {
                Value::Null
            } else {
                Value::from(def.discount_type.clone())
            };
            let info =
                serde_json::to_string(&json!([coupon_id, def.code, kind, json_number(def.amount)]))
                    .unwrap_or_default();
            CouponLine {
                id: reuse_id(st, old_coupons.get(i).copied()),
                code: def.code.clone(),
                discount: fmt_trim(t.discount),
                discount_tax: fmt_trim(t.discount_tax),
                meta_data: vec![Meta::item(
                    st.next_meta_id(),
                    "coupon_info",
                    "coupon_info",
                    &info,
                )],
                discount_type: def.discount_type.clone(),
                nominal_amount: json_number(def.amount),
                free_shipping: *free_shipping,
                extra: Map::new(),
            }
        })
        .collect();
    doc.line_items = line_items;
    doc.shipping_lines = shipping_lines;
    doc.fee_lines = fee_lines;
    doc.tax_lines = tax_lines;
    doc.coupon_lines = coupon_lines;
    doc.discount_total = fmt_dp(calc.discount_total, dp);
    doc.discount_tax = fmt_dp(calc.discount_tax, dp);
    doc.shipping_total = fmt_dp(calc.shipping_total, dp);
    doc.shipping_tax = fmt_dp(calc.shipping_tax, dp);
    doc.cart_tax = fmt_dp(calc.cart_tax, dp);
    doc.total_tax = fmt_dp(calc.total_tax, dp);
    doc.total = fmt_dp(calc.total, dp);
    Ok(())
}

fn reuse_id(st: &mut State, previous: Option<u64>) -> u64 {
    previous.unwrap_or_else(|| st.next_item_id())
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Shipping titles lose HTML tags (`Kurjers & <ekspresis>` is stored as `Kurjers &`).
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// `line_items[].price`: PHP's `total / quantity`. WooCommerce renders a PHP float here, so the
/// float division is reproduced on purpose (rendering only; no money is computed from it). An exact
/// integer result stays an integer, as PHP's numeric-string division gives.
fn php_price(total: Decimal, qty: Decimal) -> Value {
    if qty.is_zero() {
        return json!(0);
    }
    let trimmed = total.normalize();
    if trimmed.fract().is_zero() && (trimmed % qty).is_zero() {
        return json_number(trimmed / qty);
    }
    let t: f64 = trimmed.to_string().parse().unwrap_or(0.0);
    let q: f64 = qty.to_string().parse().unwrap_or(1.0);
    serde_json::Number::from_f64(t / q)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// The status `payment_complete()` moves to: `completed` for COD (its gateway filter), else `processing`.
fn payment_complete_status(doc: &OrderDoc) -> &'static str {
    if doc.payment_method == "cod" {
        "completed"
    } else {
        "processing"
    }
}

/// `needs_payment()`: pending or failed with something to pay.
pub fn needs_payment(doc: &OrderDoc) -> bool {
    matches!(doc.status.as_str(), "pending" | "failed")
        && parse_value(&Value::from(doc.total.clone())).unwrap_or_default() > Decimal::ZERO
}

const STATUSES: [&str; 8] = [
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
];

/// Moves the order to `status` with WooCommerce's side effects.
pub fn set_status(st: &mut State, doc: &mut OrderDoc, status: &str) -> Result<(), ApiError> {
    let status = status.strip_prefix("wc-").unwrap_or(status);
    if !STATUSES.contains(&status) {
        return Err(super::rest::invalid_param("status", "status is not one of pending, processing, on-hold, completed, cancelled, refunded, failed, and checkout-draft."));
    }
    let cancelled = status == "cancelled" && doc.status != "cancelled";
    doc.status = status.to_string();
    if cancelled {
        super::lifecycle::increase_stock(st, doc);
    }
    let now = now_wc();
    if doc.date_paid.is_none() && status == payment_complete_status(doc) {
        doc.date_paid = Some(now.clone());
        doc.date_paid_gmt = Some(now.clone());
    }
    if status == "completed" && doc.date_completed.is_none() {
        doc.date_completed = Some(now.clone());
        doc.date_completed_gmt = Some(now);
    }
    if matches!(status, "processing" | "completed" | "on-hold") {
        reduce_stock(st, doc);
    }
    Ok(())
}

/// `payment_complete()`: only from on-hold/pending/failed/cancelled.
fn payment_complete(st: &mut State, doc: &mut OrderDoc, transaction_id: Option<&str>) {
    if !matches!(
        doc.status.as_str(),
        "on-hold" | "pending" | "failed" | "cancelled"
    ) {
        return;
    }
    if let Some(t) = transaction_id {
        doc.transaction_id = t.to_string();
    }
    if doc.date_paid.is_none() {
        let now = now_wc();
        doc.date_paid = Some(now.clone());
        doc.date_paid_gmt = Some(now);
    }
    let target = payment_complete_status(doc);
    // Status rules above may not re-set date_paid; it is already set.
    let _ = set_status(st, doc, target);
}

/// `wc_maybe_reduce_stock_levels`: once per order, for items whose stock is managed.
fn reduce_stock(st: &mut State, doc: &mut OrderDoc) {
    let already = doc.stock_reduced
        || doc
            .meta_data
            .iter()
            .any(|m| m.key == "_order_stock_reduced");
    if already
        || doc
            .line_items
            .iter()
            .any(|l| l.meta_data.iter().any(|m| m.key == "_reduced_stock"))
    {
        return;
    }
    doc.stock_reduced = true;
    for line in &mut doc.line_items {
        let target = if line.variation_id > 0 {
            line.variation_id
        } else {
            line.product_id
        };
        let managed = st
            .any_product(target)
            .and_then(|p| p.get("manage_stock"))
            .cloned();
        let stock_owner = match managed {
            Some(Value::Bool(true)) => target,
            Some(Value::String(s)) if s == "parent" => line.product_id,
            _ => continue,
        };
        let qty = line.quantity;
        let obj = if st.products.contains_key(&stock_owner) {
            st.products.get_mut(&stock_owner)
        } else {
            st.variations.get_mut(&stock_owner)
        };
        if let Some(o) = obj.and_then(Value::as_object_mut) {
            let left = o.get("stock_quantity").and_then(Value::as_i64).unwrap_or(0) - qty;
            o.insert("stock_quantity".into(), Value::from(left));
            o.insert(
                "stock_status".into(),
                Value::from(if left > 0 { "instock" } else { "outofstock" }),
            );
        }
        let meta_id = st.next_meta_id();
        line.meta_data.push(Meta::item(
            meta_id,
            "_reduced_stock",
            "_reduced_stock",
            &qty.to_string(),
        ));
        super::catalog::sync_parent_stock_children(st, stock_owner);
    }
}

/// Derived flags and the payment URL.
pub fn refresh_flags(st: &State, doc: &mut OrderDoc) {
    doc.needs_payment = needs_payment(doc);
    doc.is_editable = matches!(doc.status.as_str(), "pending" | "on-hold" | "auto-draft");
    doc.payment_url = format!(
        "{}/checkout/order-pay/{}/?pay_for_order=true&key={}",
        st.base_url, doc.id, doc.order_key
    );
}

/// What a gateway confirmation does: `payment_complete()` from any unpaid status.
pub fn mark_paid(st: &mut State, doc: &mut OrderDoc) {
    if matches!(doc.status.as_str(), "processing" | "completed") && doc.date_paid.is_some() {
        return;
    }
    if !matches!(
        doc.status.as_str(),
        "on-hold" | "pending" | "failed" | "cancelled"
    ) {
        doc.status = "pending".into();
    }
    payment_complete(st, doc, None);
    touch(doc);
    refresh_flags(st, doc);
}

/// Stores an order document as given (replaying a captured order); returns its id.
pub fn store_raw(st: &mut State, body: Value) -> Result<u64, ApiError> {
    let mut doc: OrderDoc = serde_json::from_value(body).map_err(|e| {
        ApiError::new(
            400,
            "rest_invalid_param",
            &format!("Not an order document: {e}"),
        )
    })?;
    if doc.id == 0 || st.orders.contains_key(&doc.id) || st.products.contains_key(&doc.id) {
        doc.id = st.next_post_id();
        doc.number = doc.id.to_string();
    }
    doc.stock_reduced = doc
        .line_items
        .iter()
        .any(|l| l.meta_data.iter().any(|m| m.key == "_reduced_stock"));
    let id = doc.id;
    st.orders.insert(id, OrderRecord { doc, input: None });
    Ok(id)
}
