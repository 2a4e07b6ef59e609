//! The WooCommerce client over HTTP against a small replay server that
//! answers with the REAL captured responses of WooCommerce 8.9.1
//! (`fixtures/woocommerce-8.9.1/{api,catalog,cases}`: body from `X.json`,
//! status and headers from `X.meta.json`) and records what the client sent.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine as _;
use channel::secrets::Secret;
use channel::woocommerce::catalog::{BatchItemResult, ProductUpdate, WebhookChange, WebhookStatus};
use channel::woocommerce::client::OrderQuery;
use channel::woocommerce::{WooClient, WooCredentials, WooError, WooOptions};
use rust_decimal::Decimal;
use serde_json::{json, Value};

const KEY: &str = "ck_0123456789abcdef0123456789abcdef01234567";
const SECRET: &str = "cs_fedcba9876543210fedcba9876543210fedcba98";

fn woo_dir() -> PathBuf {
    testkit::fixtures_dir()
}

/// One answer of the replay server.
#[derive(Clone, Debug)]
struct Replay {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
}

impl Replay {
    /// A captured answer: `dir/name.json` + `dir/name.meta.json`.
    fn capture(dir: &str, name: &str) -> Self {
        let base = woo_dir().join(dir);
        let body = fs::read(base.join(format!("{name}.json"))).unwrap();
        let meta: Value =
            serde_json::from_slice(&fs::read(base.join(format!("{name}.meta.json"))).unwrap())
                .unwrap();
        let headers = meta["response"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h[0].as_str().unwrap().to_owned(),
                    h[1].as_str().unwrap().to_owned(),
                )
            })
            .filter(|(k, _)| {
                !["host", "connection", "content-length", "transfer-encoding"]
                    .contains(&k.to_ascii_lowercase().as_str())
            })
            .collect();
        Self {
            status: meta["response"]["status"].as_u64().unwrap() as u16,
            headers,
            body,
            delay: Duration::ZERO,
        }
    }

    /// The same headers with `name` set to `value`.
    fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn with_body(mut self, body: &Value) -> Self {
        self.body = serde_json::to_vec(body).unwrap();
        self
    }
}

/// What the client sent.
#[derive(Clone, Debug)]
struct Recorded {
    method: String,
    path: String,
    query: BTreeMap<String, String>,
    authorization: Option<String>,
    body: Value,
}

type Responder = dyn Fn(&Recorded, usize) -> Replay + Send + Sync;

struct Server {
    responder: Box<Responder>,
    seen: Mutex<Vec<Recorded>>,
}

async fn handle(
    State(server): State<Arc<Server>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let recorded = Recorded {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect(),
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let index = {
        let mut seen = server.seen.lock().unwrap();
        seen.push(recorded.clone());
        seen.len() - 1
    };
    let replay = (server.responder)(&recorded, index);
    if !replay.delay.is_zero() {
        tokio::time::sleep(replay.delay).await;
    }
    let mut response = (StatusCode::from_u16(replay.status).unwrap(), replay.body).into_response();
    for (k, v) in replay.headers {
        response.headers_mut().append(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    response
}

struct Running {
    base_url: String,
    server: Arc<Server>,
}

impl Running {
    fn seen(&self) -> Vec<Recorded> {
        self.server.seen.lock().unwrap().clone()
    }
}

async fn start(responder: impl Fn(&Recorded, usize) -> Replay + Send + Sync + 'static) -> Running {
    let server = Arc::new(Server {
        responder: Box::new(responder),
        seen: Mutex::new(Vec::new()),
    });
    let app = Router::new().fallback(handle).with_state(server.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Running {
        base_url: format!("http://{addr}/"),
        server,
    }
}

fn creds() -> WooCredentials {
    WooCredentials {
        consumer_key: Secret::new(KEY),
        consumer_secret: Secret::new(SECRET),
    }
}

fn client(running: &Running, opts: WooOptions) -> WooClient {
    WooClient::new(&running.base_url, creds(), reqwest::Client::new(), opts).unwrap()
}

fn basic_auth() -> String {
    let raw = format!("{KEY}:{SECRET}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// The captured products, cloned with new ids until there are `n`.
fn many_products(n: usize) -> Vec<Value> {
    let real: Vec<Value> =
        serde_json::from_slice(&fs::read(woo_dir().join("catalog/products.json")).unwrap())
            .unwrap();
    (0..n)
        .map(|i| {
            let mut p = real[i % real.len()].clone();
            p["id"] = json!(10_000 + i);
            p
        })
        .collect()
}

#[tokio::test]
async fn client_pages_past_100_with_total_pages_header() {
    let products = many_products(250);
    let running = start(move |req, _| {
        let page: usize = req.query["page"].parse().unwrap();
        let per_page: usize = req.query["per_page"].parse().unwrap();
        let slice: Vec<Value> = products
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .cloned()
            .collect();
        Replay::capture("catalog", "products")
            .with_header("X-WP-Total", "250")
            .with_header("X-WP-TotalPages", "3")
            .with_body(&Value::Array(slice))
    })
    .await;
    let woo = client(&running, WooOptions::default());
    let list = woo.list_products(&["sku", "stock_quantity"]).await.unwrap();
    assert_eq!(list.len(), 250);
    assert_eq!(list[0].id, 10_000);
    assert_eq!(list[249].id, 10_249);
    let seen = running.seen();
    assert_eq!(seen.len(), 3);
    for (i, req) in seen.iter().enumerate() {
        assert_eq!(req.method, "GET");
        assert_eq!(req.path, "/wp-json/wc/v3/products");
        assert_eq!(req.query["page"], (i + 1).to_string());
        assert_eq!(req.query["per_page"], "100");
        assert_eq!(req.query["_fields"], "id,sku,stock_quantity");
        assert_eq!(req.authorization.as_deref(), Some(basic_auth().as_str()));
        assert!(!req.query.contains_key("consumer_secret"));
    }
    assert_eq!(woo.calls().requests("products"), 3);
    assert_eq!(
        woo.clone().calls().total_requests(),
        3,
        "clones share the counters"
    );
}

#[tokio::test]
async fn client_paging_stops_on_an_empty_page_without_headers() {
    let products = many_products(200);
    let running = start(move |req, _| {
        let page: usize = req.query["page"].parse().unwrap();
        let slice: Vec<Value> = products
            .iter()
            .skip((page - 1) * 100)
            .take(100)
            .cloned()
            .collect();
        let mut r = Replay::capture("catalog", "products").with_body(&Value::Array(slice));
        r.headers.retain(|(k, _)| !k.starts_with("X-WP-"));
        r
    })
    .await;
    let woo = client(&running, WooOptions::default());
    assert_eq!(woo.list_products(&[]).await.unwrap().len(), 200);
    assert_eq!(
        running.seen().len(),
        3,
        "two full pages, then the empty one"
    );
    assert!(!running.seen()[0].query.contains_key("_fields"));
}

#[tokio::test]
async fn client_sku_lookup_sends_one_comma_list_with_fields_and_refuses_bad_lists() {
    let running = start(|_, _| Replay::capture("api", "products-by-sku-multiple")).await;
    let woo = client(&running, WooOptions::default());
    let found = woo
        .products_by_sku(
            &["LV-S21-0099", "LV-R12-0133", "LV-SOCKS"],
            &["sku", "parent_id"],
        )
        .await
        .unwrap();
    let mut skus: Vec<_> = found.iter().filter_map(|p| p.sku.clone()).collect();
    skus.sort();
    assert_eq!(skus, ["LV-R12-0133", "LV-S21-0099", "LV-SOCKS"]);
    let seen = running.seen();
    assert_eq!(seen.len(), 1, "X-WP-TotalPages 1: one request");
    assert_eq!(seen[0].path, "/wp-json/wc/v3/products");
    assert_eq!(seen[0].query["sku"], "LV-S21-0099,LV-R12-0133,LV-SOCKS");
    assert_eq!(seen[0].query["_fields"], "id,sku,parent_id");
    assert_eq!(seen[0].query["per_page"], "100");

    // Refused before any request: WooCommerce would split a SKU on its comma,
    // list everything for an empty SKU, and answers at most 100 per page.
    let many: Vec<String> = (0..101).map(|i| format!("S{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    for bad in [vec!["A,B", "C"], vec!["A", " "], many] {
        let err = woo.products_by_sku(&bad, &[]).await.unwrap_err();
        assert!(matches!(err, WooError::InvalidInput(_)), "{err:?}");
    }
    assert!(woo.products_by_sku(&[], &[]).await.unwrap().is_empty());
    assert_eq!(running.seen().len(), 1);
    // A SKU with a comma alone is fine (WooCommerce also matches it whole).
    woo.products_by_sku(&["A,B"], &[]).await.unwrap();
    assert_eq!(running.seen()[1].query["sku"], "A,B");
}

#[tokio::test]
async fn client_batch_of_250_becomes_three_requests_with_per_item_errors() {
    let real: Value = serde_json::from_slice(
        &fs::read(woo_dir().join("api/products-batch-stock-price.json")).unwrap(),
    )
    .unwrap();
    let ok_item = real["update"][0].clone();
    let failed_item = real["update"][3].clone();
    assert!(failed_item.get("error").is_some());
    let running = start(move |req, _| {
        let items: Vec<Value> = req.body["update"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                let id = u["id"].as_u64().unwrap();
                let mut item = if id == 999_999 {
                    failed_item.clone()
                } else {
                    ok_item.clone()
                };
                item["id"] = json!(id);
                item
            })
            .collect();
        Replay::capture("api", "products-batch-stock-price").with_body(&json!({ "update": items }))
    })
    .await;
    let mut updates: Vec<ProductUpdate> = (1..=249)
        .map(|id| ProductUpdate {
            id,
            manage_stock: Some(true),
            stock_quantity: Some(5),
            ..Default::default()
        })
        .collect();
    updates.push(ProductUpdate {
        id: 999_999,
        stock_quantity: Some(7),
        regular_price: Some(Decimal::new(999, 2)),
        ..Default::default()
    });
    let woo = client(
        &running,
        WooOptions {
            batch_size: 500, // clamped to WooCommerce's 100
            ..WooOptions::default()
        },
    );
    let results = woo.batch_update_products(updates).await.unwrap();
    let seen = running.seen();
    let sizes: Vec<usize> = seen
        .iter()
        .map(|r| r.body["update"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, vec![100, 100, 50]);
    assert!(seen
        .iter()
        .all(|r| r.method == "POST" && r.path == "/wp-json/wc/v3/products/batch"));
    assert_eq!(
        seen[2].body["update"][49],
        json!({"id": 999999, "stock_quantity": 7, "regular_price": "9.99"})
    );
    assert_eq!(results.len(), 250);
    let failed: Vec<_> = results
        .iter()
        .filter_map(|r| match r {
            BatchItemResult::Failed { id, error } => Some((*id, error.code.clone(), error.status)),
            BatchItemResult::Updated(_) => None,
        })
        .collect();
    assert_eq!(
        failed,
        vec![(
            999_999,
            "woocommerce_rest_product_invalid_id".to_string(),
            Some(400)
        )]
    );
    assert_eq!(woo.calls().requests("products"), 3);
}

#[tokio::test]
async fn client_replays_real_variation_batch_verbatim() {
    let running = start(|_, _| Replay::capture("api", "variations-batch-stock-price")).await;
    let woo = client(&running, WooOptions::default());
    let updates = vec![
        ProductUpdate {
            id: 53,
            stock_quantity: Some(17),
            regular_price: Some(Decimal::new(501, 2)),
            ..Default::default()
        },
        ProductUpdate {
            id: 56,
            stock_quantity: Some(9),
            regular_price: Some(Decimal::new(355, 2)),
            ..Default::default()
        },
        ProductUpdate {
            id: 999_998,
            stock_quantity: Some(1),
            regular_price: Some(Decimal::new(100, 2)),
            ..Default::default()
        },
    ];
    let results = woo.batch_update_variations(52, updates).await.unwrap();
    let seen = running.seen();
    assert_eq!(seen[0].path, "/wp-json/wc/v3/products/52/variations/batch");
    assert_eq!(
        seen[0].body["update"][1],
        json!({"id": 56, "stock_quantity": 9, "regular_price": "3.55"})
    );
    assert_eq!(results.len(), 3);
    match &results[1] {
        BatchItemResult::Updated(v) => {
            assert_eq!(
                v.manage_stock,
                channel::woocommerce::catalog::ManageStock::Parent
            );
            assert_eq!(
                v.stock_quantity,
                Some(Decimal::new(36, 0)),
                "parent stock, not the 9 we sent"
            );
        }
        other => panic!("expected an update, got {other:?}"),
    }
    assert!(
        matches!(&results[2], BatchItemResult::Failed { id: 999_998, error } if error.code == "woocommerce_rest_product_variation_invalid_id")
    );
    assert_eq!(woo.calls().requests("variations"), 1);
}

#[tokio::test]
async fn client_types_401_and_413_error_bodies() {
    let running = start(|req, _| match req.path.as_str() {
        "/wp-json/wc/v3/products/batch" => Replay::capture("api", "products-batch-101-items-413"),
        "/wp-json/wc/v3/orders" => Replay::capture("api", "auth-none-401"),
        _ if req.query.get("page").map(String::as_str) == Some("1") => {
            Replay::capture("api", "auth-wrong-secret-401")
        }
        _ => Replay::capture("api", "auth-wrong-key-401"),
    })
    .await;
    let woo = client(&running, WooOptions::default());
    let err = woo.list_products(&[]).await.unwrap_err();
    match &err {
        WooError::Unauthorized {
            status,
            code,
            message,
        } => {
            assert_eq!(
                (*status, code.as_str()),
                (401, "woocommerce_rest_authentication_error")
            );
            assert_eq!(message, "Consumer secret is invalid.");
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    assert!(!err.is_retryable());
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(SECRET) && !shown.contains(KEY));
    let err = woo.get_webhook(2).await.unwrap_err();
    assert!(
        matches!(&err, WooError::Unauthorized { code, .. } if code == "woocommerce_rest_cannot_view")
    );
    let err = woo.list_orders(&OrderQuery::default()).await.unwrap_err();
    assert!(matches!(&err, WooError::Unauthorized { status: 401, .. }));
    let err = woo
        .batch_update_products(vec![ProductUpdate {
            id: 1,
            ..Default::default()
        }])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, WooError::TooLarge { code, .. } if code == "woocommerce_rest_request_entity_too_large")
    );
}

#[tokio::test]
async fn client_query_string_auth_fallback() {
    let running = start(|_, _| Replay::capture("catalog", "taxes")).await;
    let woo = client(
        &running,
        WooOptions {
            query_string_auth: true,
            ..WooOptions::default()
        },
    );
    let taxes = woo.list_taxes().await.unwrap();
    assert_eq!(taxes.len(), 8);
    let seen = running.seen();
    assert_eq!(seen.len(), 1, "X-WP-TotalPages: 1 ends paging");
    assert_eq!(seen[0].query["consumer_key"], KEY);
    assert_eq!(seen[0].query["consumer_secret"], SECRET);
    assert_eq!(seen[0].authorization, None);
}

#[tokio::test]
async fn client_times_out_per_request() {
    let running = start(|_, _| {
        let mut r = Replay::capture("catalog", "system-status");
        r.delay = Duration::from_secs(3);
        r
    })
    .await;
    let woo = client(
        &running,
        WooOptions {
            timeout: Duration::from_millis(200),
            ..WooOptions::default()
        },
    );
    let err = woo.system_status().await.unwrap_err();
    assert!(matches!(err, WooError::Timeout), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn client_transport_errors_carry_no_credentials() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let woo = WooClient::new(
        &format!("http://{addr}/"),
        creds(),
        reqwest::Client::new(),
        WooOptions {
            query_string_auth: true,
            ..WooOptions::default()
        },
    )
    .unwrap();
    let err = woo.get_order(1).await.unwrap_err();
    assert!(matches!(err, WooError::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(SECRET) && !shown.contains(KEY), "{shown}");
}

#[tokio::test]
async fn client_rate_limited_carries_retry_after() {
    let running = start(|_, _| {
        let mut r = Replay::capture("catalog", "payment-gateways").with_header("Retry-After", "7");
        r.status = 429;
        r.body = br#"{"code":"too_many_requests","message":"Slow down.","data":{"status":429}}"#
            .to_vec();
        r
    })
    .await;
    let woo = client(&running, WooOptions::default());
    let err = woo.list_payment_gateways().await.unwrap_err();
    assert!(
        matches!(err, WooError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(7)),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn client_reads_orders_notes_settings_status_and_webhooks() {
    let order_body =
        fs::read(woo_dir().join("cases/001-single-line-bacs-paid/order.json")).unwrap();
    let running = start(move |req, _| {
        let path = req.path.trim_start_matches("/wp-json/wc/v3/");
        match (req.method.as_str(), path) {
            ("GET", p) if p.starts_with("orders/") && !p.ends_with("/notes") => Replay {
                status: 200,
                headers: vec![(
                    "Content-Type".into(),
                    "application/json; charset=UTF-8".into(),
                )],
                body: order_body.clone(),
                delay: Duration::ZERO,
            },
            ("GET", "orders") => {
                let order: Value = serde_json::from_slice(&order_body).unwrap();
                Replay::capture("catalog", "taxes")
                    .with_header("X-WP-Total", "1")
                    .with_header("X-WP-TotalPages", "1")
                    .with_body(&json!([order]))
            }
            ("POST", p) if p.ends_with("/notes") => Replay::capture("api", "order-note-create"),
            ("GET", "settings/general") => Replay::capture("catalog", "settings-general"),
            ("GET", "settings/tax") => Replay::capture("catalog", "settings-tax"),
            ("GET", "system_status") => Replay::capture("catalog", "system-status"),
            ("GET", "products") if req.query.contains_key("sku") => {
                Replay::capture("api", "products-by-sku-variation")
            }
            ("GET", "payment_gateways") => Replay::capture("catalog", "payment-gateways"),
            ("GET", "products/52/variations") => Replay::capture("catalog", "variations-LV-SOCKS"),
            ("POST", "webhooks") => Replay::capture("api", "webhook-create-order.created"),
            ("GET", "webhooks") => Replay::capture("catalog", "webhooks"),
            (_, p) if p.starts_with("webhooks/") => {
                Replay::capture("api", "webhook-create-order.created")
            }
            _ => Replay::capture("api", "auth-none-401"),
        }
    })
    .await;
    let woo = client(&running, WooOptions::default());

    let order = woo.get_order(61).await.unwrap();
    assert_eq!(
        (order.total, order.payment_method.as_str()),
        (Decimal::new(2419, 2), "bacs")
    );

    let since = chrono::DateTime::parse_from_rfc3339("2026-11-28T08:00:00Z")
        .unwrap()
        .to_utc();
    let query = OrderQuery {
        modified_after: Some(since),
        status: vec!["processing".into(), "completed".into()],
        ..OrderQuery::default()
    };
    let orders = woo.list_orders(&query).await.unwrap();
    assert_eq!(orders.len(), 1);

    let page = woo.list_orders_page(&query, 1).await.unwrap();
    assert_eq!(
        (page.orders.len(), page.total_pages, page.is_last),
        (1, Some(1), true)
    );

    let note = woo
        .create_order_note(63, "Dokuments & <ok>", false)
        .await
        .unwrap();
    assert_eq!(note, 115);

    let settings = woo.store_settings().await.unwrap();
    assert!(!settings.prices_include_tax && !settings.tax_round_at_subtotal);
    assert_eq!(
        (settings.currency.as_str(), settings.price_num_decimals),
        ("EUR", 2)
    );

    let status = woo.system_status().await.unwrap();
    assert_eq!(status.wc_version, "8.9.1");

    let by_sku = woo.products_by_sku(&["LV-SOCKS-RED"], &[]).await.unwrap();
    assert_eq!(
        (by_sku[0].kind.as_str(), by_sku[0].parent_id),
        ("variation", 52)
    );

    let gateways = woo.list_payment_gateways().await.unwrap();
    assert_eq!(gateways.iter().filter(|g| g.enabled).count(), 3);

    let variations = woo.list_variations(52).await.unwrap();
    assert_eq!(variations.len(), 4);
    assert!(variations.iter().all(|v| v.parent_id == 52));

    let secret = Secret::new("VrvNTS8wBLgSeVzOhyEaeCmRR2ZjldACXKiHFBho");
    let hook = woo
        .create_webhook(
            "order.created",
            "order.created",
            "https://hooks.example/x",
            &secret,
        )
        .await
        .unwrap();
    assert_eq!((hook.id, hook.status()), (2, Some(WebhookStatus::Active)));
    assert_eq!(woo.get_webhook(2).await.unwrap().topic, "order.created");
    assert_eq!(woo.list_webhooks().await.unwrap().len(), 2);
    woo.update_webhook(2, WebhookChange::status(WebhookStatus::Paused))
        .await
        .unwrap();
    woo.delete_webhook(2).await.unwrap();

    let seen = running.seen();
    let find = |method: &str, path: &str| {
        seen.iter()
            .find(|r| r.method == method && r.path == format!("/wp-json/wc/v3/{path}"))
            .unwrap_or_else(|| panic!("no {method} {path}"))
            .clone()
    };
    assert_eq!(find("GET", "products").query["sku"], "LV-SOCKS-RED");
    let list = find("GET", "orders");
    assert_eq!(list.query["modified_after"], "2026-11-28T08:00:00");
    assert_eq!(list.query["dates_are_gmt"], "true");
    assert_eq!(list.query["status"], "processing,completed");
    assert_eq!(list.query["per_page"], "100");
    assert_eq!(
        find("POST", "orders/63/notes").body,
        json!({"note": "Dokuments & <ok>", "customer_note": false})
    );
    assert_eq!(
        find("GET", "system_status").query["_fields"],
        "environment,settings,security"
    );
    let created = find("POST", "webhooks").body;
    assert_eq!(created["secret"], secret.expose());
    assert_eq!(created["topic"], "order.created");
    assert_eq!(find("PUT", "webhooks/2").body, json!({"status": "paused"}));
    assert_eq!(find("DELETE", "webhooks/2").query["force"], "true");

    let calls = woo.calls();
    assert_eq!(
        (
            calls.requests("orders"),
            calls.requests("order_notes"),
            calls.requests("settings"),
            calls.requests("webhooks")
        ),
        (3, 1, 2, 5)
    );
    assert_eq!(calls.total_requests(), seen.len() as u64);
}
