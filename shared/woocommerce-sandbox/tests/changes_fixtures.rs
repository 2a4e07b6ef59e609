//! The sandbox against the real captures of orders that change after they were placed
//! (`cases-changes/`: refunds, cancellations, edits, trash/restore, deletion). Each case's steps
//! (`request.json`) are replayed and the results compared field by field with the captures: the HTTP
//! status of each step, the topics fired per step, the refund objects, the order after, the
//! webhook bodies and the stock.
//!
//! What cannot match and is left out of the comparison: ids (orders, refunds, items, meta: the
//! sandbox numbers its own; captured ids are mapped to ours by position), dates, `_links` hosts,
//! order keys. The wp-admin refund form (104) is sent as the REST refund it amounts to (the rows
//! with a quantity or an amount), and the wp-admin restore (108) through the sandbox's restore.

mod support;

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use support::*;

/// The catalogue of the capture (README "Refunds, cancellations, edits"): rates 1–4, four products.
fn seed_changes_catalogue(sb: &woocommerce_sandbox::WooSandbox, stock: &BTreeMap<String, i64>) {
    let rate = |id: u64, rate: &str, name: &str, class: &str| {
        json!({"id": id, "country": "LV", "state": "", "postcode": "", "city": "", "rate": rate,
               "name": name, "priority": 1, "compound": false, "shipping": true, "order": id,
               "class": class, "postcodes": [], "cities": []})
    };
    sb.seed_taxes(vec![
        rate(1, "21.0000", "PVN 21%", "standard"),
        rate(2, "12.0000", "PVN 12%", "reduced-rate"),
        rate(3, "5.0000", "PVN 5%", "super-reduced"),
        rate(4, "0.0000", "PVN 0%", "zero-rate"),
    ]);
    let product = |id: u64, sku: &str, name: &str, price: &str, class: &str| {
        let managed = stock.get(sku).copied();
        json!({"id": id, "name": name, "sku": sku, "type": "simple", "status": "publish",
               "price": price, "regular_price": price, "sale_price": "", "tax_status": "taxable",
               "tax_class": class, "manage_stock": managed.is_some(),
               "stock_quantity": managed, "stock_status": "instock", "parent_id": 0,
               "attributes": [], "variations": []})
    };
    sb.seed_products(vec![
        product(10, "QA-COFFEE", "Kafija 250 g", "8.49", ""),
        product(12, "QA-MEDS", "Vitamīni", "4.35", "reduced-rate"),
        product(13, "QA-BOOK", "Grāmata", "13.00", "super-reduced"),
        product(
            15,
            "QA-HONEY",
            "Medus (bez noliktavas uzskaites)",
            "9.99",
            "",
        ),
    ]);
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures().join("cases-changes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("request.json").exists())
        .collect();
    cases.sort();
    cases
}

/// Topics the capture subscribed to (`setup/webhooks.json`).
fn captured_topics() -> Vec<String> {
    let hooks = read_json(&fixtures().join("cases-changes/setup/webhooks.json"));
    let mut topics: Vec<String> = hooks
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["topic"].as_str().unwrap().to_string())
        .collect();
    topics.sort();
    topics.dedup();
    topics
}

/// Captured id → our id, learnt as the replay goes.
#[derive(Default)]
struct Ids(BTreeMap<u64, u64>);

impl Ids {
    fn ours(&self, real: u64) -> u64 {
        *self.0.get(&real).unwrap_or(&real)
    }
    /// Maps the item ids of two renderings of one order, by position per item list.
    fn learn_items(&mut self, real: &Value, ours: &Value) {
        for list in ["line_items", "shipping_lines", "fee_lines", "tax_lines"] {
            for (r, o) in real[list]
                .as_array()
                .into_iter()
                .flatten()
                .zip(ours[list].as_array().into_iter().flatten())
            {
                self.0
                    .insert(r["id"].as_u64().unwrap(), o["id"].as_u64().unwrap());
            }
        }
    }
    /// A request body with the captured item ids of `line_items[].id` mapped to ours.
    fn body(&self, body: &Value) -> Value {
        let mut body = body.clone();
        for line in body
            .get_mut("line_items")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(id) = line["id"].as_u64() {
                line["id"] = json!(self.ours(id));
            }
        }
        body
    }
    fn path(&self, path: &str) -> String {
        path.split('/')
            .map(|seg| match seg.parse::<u64>() {
                Ok(n) => self.ours(n).to_string(),
                Err(_) => seg.to_string(),
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// The REST refund the wp-admin "Refund manually" form stands for (fact 8).
fn refund_from_form(form: &Value, ids: &Ids) -> Value {
    let parse = |k: &str| -> Value { serde_json::from_str(form[k].as_str().unwrap()).unwrap() };
    let (qtys, totals, taxes) = (
        parse("line_item_qtys"),
        parse("line_item_totals"),
        parse("line_item_tax_totals"),
    );
    let number = |v: &Value| -> f64 {
        v.as_f64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .unwrap_or(0.0)
    };
    let mut lines = Vec::new();
    for (item, total) in totals.as_object().unwrap() {
        let qty = qtys.get(item).map(number).unwrap_or(0.0);
        let tax: Vec<Value> = taxes[item]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, t)| number(t) != 0.0)
            .map(|(rate, t)| json!({"id": rate.parse::<u64>().unwrap(), "refund_total": number(t)}))
            .collect();
        if qty == 0.0 && number(total) == 0.0 && tax.is_empty() {
            continue;
        }
        lines.push(
            json!({"id": ids.ours(item.parse().unwrap()), "quantity": qty as i64,
                          "refund_total": number(total), "refund_tax": tax}),
        );
    }
    json!({"amount": form["refund_amount"], "reason": form["refund_reason"],
           "api_refund": form["api_refund"] == "true",
           "api_restock": form["restock_refunded_items"] == "true", "line_items": lines})
}

/// The fields of a refund compared with the capture (ids mapped, dates and links left out).
fn refund_fields(r: &Value, ids: Option<&Ids>) -> Value {
    let map = |v: &Value| -> Value {
        match (ids, v.as_str().and_then(|s| s.parse::<u64>().ok())) {
            (Some(ids), Some(n)) => json!(ids.ours(n).to_string()),
            _ => v.clone(),
        }
    };
    let refunded_item = |l: &Value| -> Value {
        l["meta_data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["key"] == "_refunded_item_id")
            .map(|m| map(&m["value"]))
            .collect()
    };
    let pick = |list: &str, fields: &[&str]| -> Value {
        r[list]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| {
                let mut o: serde_json::Map<String, Value> = fields
                    .iter()
                    .map(|f| (f.to_string(), l[*f].clone()))
                    .collect();
                if list != "tax_lines" {
                    o.insert("_refunded_item_id".into(), refunded_item(l));
                }
                Value::Object(o)
            })
            .collect()
    };
    json!({
        "amount": r["amount"], "reason": r["reason"], "refunded_by": r["refunded_by"],
        "refunded_payment": r["refunded_payment"], "meta_data": r["meta_data"],
        "has_total": r.get("total").is_some(),
        "line_items": pick("line_items", &["name", "product_id", "variation_id", "quantity", "tax_class", "subtotal", "subtotal_tax", "total", "total_tax", "taxes", "sku", "price", "parent_name"]),
        "shipping_lines": pick("shipping_lines", &["method_title", "method_id", "total", "total_tax", "taxes"]),
        "fee_lines": pick("fee_lines", &["name", "total", "total_tax", "taxes"]),
        "tax_lines": pick("tax_lines", &["rate_code", "rate_id", "label", "compound", "tax_total", "shipping_tax_total", "rate_percent"]),
    })
}

/// The fields of an order compared after the case (ids mapped for `refunds[]`).
fn order_fields(o: &Value, ids: Option<&Ids>) -> Value {
    let lines: Vec<Value> = o["line_items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            let meta: Vec<Value> = l["meta_data"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| json!([m["key"], m["value"]]))
                .collect();
            json!({"product_id": l["product_id"], "quantity": l["quantity"], "subtotal": l["subtotal"],
                   "total": l["total"], "total_tax": l["total_tax"], "taxes": l["taxes"], "meta": meta})
        })
        .collect();
    let refunds: Vec<Value> = o["refunds"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let id = r["id"].as_u64().unwrap();
            json!({"id": ids.map_or(id, |i| i.ours(id)), "reason": r["reason"], "total": r["total"],
                   "keys": r.as_object().unwrap().keys().cloned().collect::<Vec<_>>()})
        })
        .collect();
    let tax_lines: Vec<Value> = o["tax_lines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| json!([t["rate_id"], t["tax_total"], t["shipping_tax_total"]]))
        .collect();
    json!({"status": o["status"], "total": o["total"], "total_tax": o["total_tax"],
           "cart_tax": o["cart_tax"], "shipping_total": o["shipping_total"],
           "shipping_tax": o["shipping_tax"], "paid": o["date_paid"].is_string(),
           "line_items": lines, "tax_lines": tax_lines, "refunds": refunds})
}

fn diff(what: &str, ours: &Value, real: &Value, out: &mut Vec<String>) {
    if ours != real {
        out.push(format!("{what}:\n    sandbox {ours}\n    real    {real}"));
    }
}

#[tokio::test]
async fn fixture_changes_cases_replay_like_woocommerce() {
    let topics = captured_topics();
    let rx = Receiver::start(200).await;
    let mut failures = Vec::new();
    let (mut steps_checked, mut refunds_checked, mut cases_checked) = (0, 0, 0);
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let meta = read_json(&case.join("case-meta.json"));
        let stock_before: BTreeMap<String, i64> = meta["stock"]["stock_before"]
            .as_object()
            .unwrap()
            .iter()
            .filter_map(|(k, v)| v.as_i64().map(|n| (k.clone(), n)))
            .collect();
        // One shop per case: the stock and the ids start where the capture's did.
        let sb = woocommerce_sandbox::WooSandbox::start(woocommerce_sandbox::WooSandboxConfig {
            webhook_delay: std::time::Duration::from_millis(20),
            // The receiver listens on 127.0.0.1 (the capture's shop delivered to 127.0.0.1:9310).
            allow_insecure_loopback_callbacks: true,
            ..Default::default()
        })
        .await
        .unwrap();
        seed_changes_catalogue(&sb, &stock_before);
        sb.set_tax_options(false, false);
        let api = Api::new(&sb);
        for topic in &topics {
            let r = api
                .post(
                    "/webhooks",
                    &json!({"name": topic, "topic": topic,
                    "delivery_url": format!("{}/{name}/hooks/{topic}", rx.url), "secret": "s"}),
                )
                .await;
            assert_eq!(r.status(), 201, "{topic}");
        }
        let mut diffs = Vec::new();
        let mut ids = Ids::default();
        let real_order_id = meta["order_id"].as_u64().unwrap();
        let req = read_json(&case.join("request.json"));
        let mut status_sequence = Vec::new();
        let mut refund_ids_seen = Vec::new();
        for step in req["steps"].as_array().unwrap() {
            let n = step["step"].as_u64().unwrap();
            let before = rx.received().len();
            let real_status = step["http_status"].as_u64().unwrap() as u16;
            let (status, body): (u16, Value) = if step["kind"] == "rest" {
                let mut path = ids.path(step["path"].as_str().unwrap());
                if let Some(params) = step["params"].as_object() {
                    let q: Vec<String> = params
                        .iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                        .collect();
                    path = format!("{path}?{}", q.join("&"));
                }
                let method =
                    reqwest::Method::from_bytes(step["method"].as_str().unwrap().as_bytes())
                        .unwrap();
                let r = if method == reqwest::Method::GET {
                    api.get(&path).await
                } else if step["body"].is_null() {
                    api.http
                        .request(method, format!("{}{path}", api.base))
                        .basic_auth(&api.ck, Some(&api.cs))
                        .send()
                        .await
                        .unwrap()
                } else {
                    api.send(method, &path, &ids.body(&step["body"])).await
                };
                let status = r.status().as_u16();
                (status, r.json().await.unwrap_or(Value::Null))
            } else if step["body"]["action"] == "woocommerce_refund_line_items" {
                let body = refund_from_form(&step["body"], &ids);
                match sb.create_refund(ids.ours(real_order_id), &body) {
                    Ok(v) => (200, v),
                    Err(e) => (e.status, e.body()),
                }
            } else if step["params"]["action"] == "untrash" {
                match sb.restore_order(ids.ours(real_order_id)) {
                    Ok(v) => (200, v),
                    Err(e) => (e.status, e.body()),
                }
            } else {
                panic!("{name}: step {n} of an unknown kind");
            };
            if status != real_status {
                diffs.push(format!(
                    "step {n}: HTTP {status}, real {real_status}: {body}"
                ));
            }
            let real_response = case.join(step["response_file"].as_str().unwrap_or(""));
            if n == 1 {
                ids.0.insert(real_order_id, body["id"].as_u64().unwrap());
                ids.learn_items(&read_json(&real_response), &body);
            } else if step["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/refunds"))
                || step["body"]["action"] == "woocommerce_refund_line_items"
            {
                if status < 300 {
                    // The refund's captured id: from the REST answer, else (the wp-admin form
                    // answers `{"success":true}`) the case's list of refund ids.
                    let real = read_json(&real_response);
                    let real_id = real["id"]
                        .as_u64()
                        .or_else(|| meta["refund_ids"][refund_ids_seen.len()].as_u64());
                    if let (Some(r), Some(o)) = (real_id, body["id"].as_u64()) {
                        ids.0.insert(r, o);
                        refund_ids_seen.push(r);
                    }
                } else {
                    // The error body, byte for byte in meaning.
                    diff(
                        &format!("step {n} error"),
                        &body,
                        &read_json(&real_response),
                        &mut diffs,
                    );
                }
            } else if real_status >= 400 || step["method"] == "DELETE" {
                let real = read_json(&real_response);
                if real.get("code").is_some() {
                    diff(&format!("step {n} error"), &body, &real, &mut diffs);
                }
            }
            // The deliveries of this step, in arrival order.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let fired: Vec<Value> = rx
                .received()
                .iter()
                .skip(before)
                .filter(|r| r.path.starts_with(&format!("/{name}/")))
                .map(|r| {
                    let topic = r.path.rsplit('/').next().unwrap().to_string();
                    let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                    if let Some(s) = body["status"].as_str() {
                        status_sequence.push(s.to_string());
                    }
                    json!([topic, body])
                })
                .collect();
            let topics_fired: Vec<&str> = fired.iter().map(|f| f[0].as_str().unwrap()).collect();
            let real_topics: Vec<&str> = meta["observations"]["topics_by_step"][n.to_string()]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            diff(
                &format!("step {n} topics"),
                &json!(topics_fired),
                &json!(real_topics),
                &mut diffs,
            );
            // Bodies that are not the order: `{"id":N}` and `{"action":…,"arg":N}`, ids mapped.
            for f in &fired {
                let topic = f[0].as_str().unwrap();
                let file = case.join(format!("webhook-{topic}.body"));
                if topic.starts_with("action.") || topic == "order.deleted" {
                    if let Ok(bytes) = std::fs::read(&file) {
                        let mut real: Value = serde_json::from_slice(&bytes).unwrap();
                        for key in ["id", "arg"] {
                            if let Some(v) = real[key].as_u64() {
                                real[key] = json!(ids.ours(v));
                            }
                        }
                        if !(topic == "action.woocommerce_refund_created"
                            && refund_ids_seen.len() > 1)
                        {
                            diff(&format!("step {n} {topic} body"), &f[1], &real, &mut diffs);
                        }
                    }
                }
            }
            steps_checked += 1;
        }
        // The status sequence seen in order bodies.
        let real_sequence = &meta["observations"]["status_sequence_in_order_payloads"];
        diff(
            "status sequence",
            &json!(status_sequence),
            real_sequence,
            &mut diffs,
        );
        let our_id = ids.ours(real_order_id);
        // The order after the case.
        if case.join("order.json").exists() {
            let ours: Value = api
                .get(&format!("/orders/{our_id}"))
                .await
                .json()
                .await
                .unwrap();
            let real = read_json(&case.join("order.json"));
            diff(
                "order",
                &order_fields(&ours, None),
                &order_fields(&real, Some(&ids)),
                &mut diffs,
            );
            // The last order body delivered equals the order now (fact 1).
        } else {
            let r = api.get(&format!("/orders/{our_id}")).await;
            let real = read_json(&case.join("order-after.404.json"));
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap();
            diff(
                "order after",
                &json!([status, body["code"]]),
                &json!([404, real["code"]]),
                &mut diffs,
            );
        }
        // Each refund, one by one and as the list.
        for file in std::fs::read_dir(&case).unwrap().map(|e| e.unwrap().path()) {
            let fname = file.file_name().unwrap().to_string_lossy().to_string();
            let Some(rest) = fname.strip_prefix("refund-") else {
                continue;
            };
            let (rid, dp6, gone) = (
                rest.split('.').next().unwrap().parse::<u64>().unwrap(),
                fname.contains(".dp6."),
                fname.contains(".404."),
            );
            let path = format!(
                "/orders/{our_id}/refunds/{}{}",
                ids.ours(rid),
                if dp6 { "?dp=6" } else { "" }
            );
            let r = api.get(&path).await;
            let status = r.status().as_u16();
            let ours: Value = r.json().await.unwrap();
            let real = read_json(&file);
            if gone {
                diff(
                    &fname,
                    &json!([status, ours["code"]]),
                    &json!([404, real["code"]]),
                    &mut diffs,
                );
            } else {
                diff(
                    &fname,
                    &refund_fields(&ours, None),
                    &refund_fields(&real, Some(&ids)),
                    &mut diffs,
                );
                refunds_checked += 1;
            }
        }
        if case.join("refunds.json").exists() {
            let ours: Value = api
                .get(&format!("/orders/{our_id}/refunds"))
                .await
                .json()
                .await
                .unwrap();
            let real = read_json(&case.join("refunds.json"));
            let pick = |v: &Value, ids: Option<&Ids>| -> Value {
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|r| refund_fields(r, ids))
                    .collect()
            };
            diff(
                "refunds.json",
                &pick(&ours, None),
                &pick(&real, Some(&ids)),
                &mut diffs,
            );
        }
        // Stock after the case, per SKU the capture tracked.
        for (sku, real) in meta["stock"]["stock_after_case"].as_object().unwrap() {
            let id = match sku.as_str() {
                "QA-COFFEE" => 10,
                "QA-MEDS" => 12,
                "QA-BOOK" => 13,
                _ => 15,
            };
            let ours = sb.stock(id).unwrap_or(Value::Null);
            diff(&format!("stock {sku}"), &ours, real, &mut diffs);
        }
        if !diffs.is_empty() {
            failures.push(format!("{name}:\n  {}", diffs.join("\n  ")));
        }
        cases_checked += 1;
        sb.shutdown().await;
    }
    println!("cases {cases_checked}, steps {steps_checked}, refund objects {refunds_checked}");
    assert_eq!(cases_checked, 10, "cases under cases-changes");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
