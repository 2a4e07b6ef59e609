//! The PayTraq sandbox seen with a plain HTTP client: authentication styles,
//! `<Error>` bodies, reply shapes of the reference, and the `/__sandbox/`
//! control endpoints (faults, settings, request log, crash).

use std::time::{Duration, Instant};

use paytraq_sandbox::{PaytraqSandbox, PaytraqSandboxConfig};
use rust_decimal_macros::dec;

async fn start() -> PaytraqSandbox {
    PaytraqSandbox::start(PaytraqSandboxConfig {
        rate_per_second: 1000.0,
        burst: 1000,
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn get(sb: &PaytraqSandbox, path_and_query: &str, headers: bool) -> (u16, String) {
    let mut req = reqwest::Client::new().get(format!("{}{}", sb.base_url(), path_and_query));
    if headers {
        req = req.header("APIKey", "k").header("APIToken", "t");
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Every element path (`A/B/C`) that has text or children, in document order.
fn paths(xml: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut out = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => {
                stack.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                out.push(stack.join("/"));
            }
            Event::Empty(e) => {
                stack.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                out.push(stack.join("/"));
                stack.pop();
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn credentials_by_header_or_query_and_error_bodies() {
    let sb = start().await;
    let co = sb.create_company("k", "t");
    co.add_warehouse("Main");
    let (status, body) = get(&sb, "/api/warehouses", false).await;
    assert_eq!(status, 401);
    assert!(body.contains("<Error><Code>401</Code><Message>"), "{body}");
    let (status, _) = get(&sb, "/api/warehouses?APIKey=k&APIToken=wrong", false).await;
    assert_eq!(status, 401);
    let (status, body) = get(&sb, "/api/warehouses?APIKey=k&APIToken=t", false).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("<Warehouses><Warehouse><WarehouseID>"),
        "{body}"
    );
    let (status, body) = get(&sb, "/api/products", true).await;
    assert_eq!(
        (status, body.ends_with("<Products/>")),
        (200, true),
        "{body}"
    );
    let (status, body) = get(&sb, "/api/sale/1", true).await;
    assert_eq!(status, 404);
    assert!(body.contains("<Error>"));
    let (status, body) = get(&sb, "/api/noSuchCall", true).await;
    assert_eq!(status, 404);
    assert!(body.contains("<Error>"));
    sb.shutdown().await;
}

#[tokio::test]
async fn sale_reply_has_the_reference_shape() {
    let sb = start().await;
    let co = sb.create_company("k", "t");
    let client = co.add_client("Jane", Some("jane@example.com"));
    let item = co.add_product("SKU-1", "Widget");
    let vat = co.add_tax_key("PVN 21%", dec!(21));
    let wh = co.add_warehouse("Main");
    let body = format!(
        "<Sale><Header><Document><Client><ClientID>{client}</ClientID></Client></Document>\
         <SaleType>sales_order</SaleType><Operation>sell_goods</Operation><Currency>EUR</Currency>\
         <ShippingData><Warehouse><WarehouseID>{wh}</WarehouseID></Warehouse></ShippingData></Header>\
         <LineItems><LineItem><Item><ItemID>{item}</ItemID></Item><Qty>3</Qty><Price>1.99</Price>\
         <TaxKey><TaxKeyID>{vat}</TaxKeyID></TaxKey></LineItem></LineItems></Sale>"
    );
    let resp = reqwest::Client::new()
        .post(format!("{}/api/sale", sb.base_url()))
        .header("APIKey", "k")
        .header("APIToken", "t")
        .header("Content-Type", "application/xml")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let reply = resp.text().await.unwrap();
    assert!(reply.contains("<Response><DocumentID>"), "{reply}");
    let id = co.documents()[0].id;
    let (_, xml) = get(&sb, &format!("/api/sale/{id}"), true).await;
    let got = paths(&xml);
    for want in [
        "Sale/Header/Document/DocumentID",
        "Sale/Header/Document/DocumentDate",
        "Sale/Header/Document/DocumentRef",
        "Sale/Header/Document/DocumentStatus",
        "Sale/Header/Document/Client/ClientID",
        "Sale/Header/Document/Client/ClientName",
        "Sale/Header/SaleType",
        "Sale/Header/Operation",
        "Sale/Header/Total",
        "Sale/Header/AmountDue",
        "Sale/Header/Currency",
        "Sale/Header/IncludeTax",
        "Sale/Header/ShippingData/Warehouse/WarehouseID",
        "Sale/LineItems/LineItem/Item/ItemID",
        "Sale/LineItems/LineItem/Qty",
        "Sale/LineItems/LineItem/Price",
        "Sale/LineItems/LineItem/LineTotal",
        "Sale/LineItems/LineItem/TaxKey/TaxKeyID",
        "Sale/Taxes/Tax/TaxKey/TaxKeyID",
        "Sale/Taxes/Tax/GrossAmount",
        "Sale/Taxes/Tax/NetAmount",
        "Sale/Taxes/Tax/TaxAmount",
        "Sale/Totals/GrossAmount",
        "Sale/Totals/NetAmount",
        "Sale/Totals/Qty",
    ] {
        assert!(got.iter().any(|p| p == want), "missing {want} in {xml}");
    }
    // 3 × 1.99 = 5.97; 21 % = 1.2537 → 1.25; total 7.22.
    assert!(xml.contains("<Total>7.22</Total>"), "{xml}");
    assert!(xml.contains("<DocumentStatus>draft</DocumentStatus>"));
    sb.shutdown().await;
}

#[tokio::test]
async fn control_endpoints_inject_faults_latency_and_report_requests() {
    let sb = start().await;
    sb.create_company("k", "t");
    let http = reqwest::Client::new();
    let control = |p: &str| format!("{}/__sandbox/{p}", sb.base_url());
    let r = http
        .post(control("faults"))
        .json(&serde_json::json!({ "route": "GET /api/taxKeys", "kind": { "status": 503 }, "times": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(get(&sb, "/api/taxKeys", true).await.0, 503);
    assert_eq!(get(&sb, "/api/taxKeys", true).await.0, 200);

    let r = http
        .post(control("settings"))
        .json(&serde_json::json!({ "latency_ms": 300 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let t = Instant::now();
    get(&sb, "/api/taxKeys", true).await;
    assert!(t.elapsed() >= Duration::from_millis(300));

    let log: serde_json::Value = http
        .get(control("requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["counts"]["GET /api/taxKeys"], 3);
    let statuses: Vec<u64> = log["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![503, 200, 200]);
    let companies: serde_json::Value = http
        .get(control("companies"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(companies[0]["company_id"], 1);

    // Rate limit turned down to 1/s, burst 1: the second request is refused.
    let r = http
        .post(control("settings"))
        .json(&serde_json::json!({ "rate_per_second": 1.0, "burst": 1, "latency_ms": 0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let (first, second) = (
        get(&sb, "/api/taxKeys", true).await.0,
        get(&sb, "/api/taxKeys", true).await,
    );
    assert_eq!((first, second.0), (200, 429));
    assert!(second.1.contains("<Error>"));

    let r = http.post(control("crash")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let broken = http
        .get(format!("{}/api/taxKeys", sb.base_url()))
        .header("APIKey", "k")
        .header("APIToken", "t")
        .send()
        .await;
    let failed = match broken {
        Err(_) => true,
        Ok(resp) => resp.text().await.is_err(),
    };
    assert!(failed, "a crashed sandbox must not answer");
    sb.shutdown().await;
}

#[tokio::test]
async fn random_error_rate_fails_every_request_at_one() {
    let sb = start().await;
    sb.create_company("k", "t");
    sb.set_error_rate(1.0);
    for _ in 0..3 {
        assert_eq!(get(&sb, "/api/warehouses", true).await.0, 500);
    }
    sb.set_error_rate(0.0);
    assert_eq!(get(&sb, "/api/warehouses", true).await.0, 200);
    sb.shutdown().await;
}
