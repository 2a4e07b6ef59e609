//! The admin API and activation, end to end: the channel (`local` host)
//! against the WooCommerce sandbox's key flow, requirement refusals, token
//! misuse, SSRF attempts, field-level validation, the OpenAPI document
//! checked against the running routes, and a grep of every response and
//! log line for the secrets.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use channel::host::{Host, HostConfig};
use channel::intake::reconcile::TOPICS;
use channel::secrets::Secret;
use paytraq_sandbox::{PaytraqSandbox, PaytraqSandboxConfig};
use serde_json::{json, Value};
use woocommerce_sandbox::{KeyPermissions, WooSandbox, WooSandboxConfig};

const ADMIN_TOKEN: &str = "admin-token-for-tests-7c1d";
const PT_KEY: &str = "pt-key-4f9a1c";
const PT_TOKEN: &str = "pt-token-b83e27";

// ---- log capture (for the secrets grep) ------------------------------------

#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test binary (all tests), captured from the start.
fn logs() -> &'static LogBuffer {
    static LOGS: OnceLock<LogBuffer> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = LogBuffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buffer
    })
}

// ---- harness ------------------------------------------------------------------

struct Harness {
    host: Host,
    http: reqwest::Client,
    /// Every response body the test saw.
    seen: Mutex<Vec<String>>,
    /// The host's data directory, removed when the test ends.
    _dir: RemovedOnDrop,
}

/// A directory removed when dropped (the test's, never shared).
struct RemovedOnDrop(std::path::PathBuf);

impl Drop for RemovedOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Harness {
    async fn start(allow_loopback: bool) -> Self {
        Self::start_with(allow_loopback, channel::Options::default()).await
    }

    async fn start_with(allow_loopback: bool, mut options: channel::Options) -> Self {
        options.allow_loopback_shops = allow_loopback;
        logs();
        let dir =
            std::env::temp_dir().join(format!("admin-test-{}", uuid::Uuid::new_v4().simple()));
        let cfg = HostConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: dir.clone(),
            admin_token: Some(Secret::new(ADMIN_TOKEN)),
            options,
            ..HostConfig::default()
        };
        let host = Host::start(cfg).await.unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            host,
            http,
            seen: Mutex::new(Vec::new()),
            _dir: RemovedOnDrop(dir),
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.raw(method, path, body.map(|b| b.to_string()), Some(ADMIN_TOKEN))
            .await
    }

    async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        token: Option<&str>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.host.base_url());
        let mut req = self.http.request(method.parse().unwrap(), url);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        self.seen.lock().unwrap().push(text.clone());
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn create_channel(&self, shop_url: &str) -> (u16, Value) {
        self.call(
            "POST",
            "/admin/channels",
            Some(json!({"shop_url": shop_url, "paytraq_api_key": PT_KEY, "paytraq_api_token": PT_TOKEN, "name": "Test shop"})),
        )
        .await
    }

    /// What the shop owner's browser does: open the authorize page, press Approve.
    async fn approve(&self, authorize_url: &str) -> reqwest::Response {
        let page = self.http.get(authorize_url).send().await.unwrap();
        assert_eq!(page.status(), 200, "authorize page");
        let parsed = url::Url::parse(authorize_url).unwrap();
        let form: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        let granted = parsed.join("/wc-auth/v1/access_granted").unwrap();
        self.http.post(granted).form(&form).send().await.unwrap()
    }
}

async fn sandbox(version: &str) -> WooSandbox {
    WooSandbox::start(WooSandboxConfig {
        wc_version: version.to_string(),
        // The channel under test listens on 127.0.0.1 over HTTP.
        allow_insecure_loopback_callbacks: true,
        ..WooSandboxConfig::default()
    })
    .await
    .unwrap()
}

// ---- activation -----------------------------------------------------------------

#[tokio::test]
async fn full_activation_through_the_sandbox_key_flow_then_deactivation() {
    let shop = sandbox("8.9.1").await;
    let h = Harness::start(true).await;
    let (status, created) = h.create_channel(&shop.base_url()).await;
    assert_eq!(status, 201, "{created}");
    let id = created["channel_id"].as_str().unwrap().to_string();
    assert_eq!(created["state"], "pending");
    assert_eq!(
        created["webhook_url"],
        format!("{}/webhooks/woocommerce/{id}", h.host.base_url())
    );
    let authorize = created["authorize_url"].as_str().unwrap().to_string();
    let q: BTreeMap<String, String> = url::Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert!(authorize.starts_with(&format!("{}/wc-auth/v1/authorize?", shop.base_url())));
    assert_eq!(q["scope"], "read_write");
    assert_eq!(
        q["callback_url"],
        format!("{}/activation/{id}/callback", h.host.base_url())
    );

    let granted = h.approve(&authorize).await;
    assert_eq!(
        granted.status(),
        302,
        "the callback answered 200, WooCommerce redirects"
    );
    let location = granted.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&format!(
            "{}/activation/{id}/return?success=1",
            h.host.base_url()
        )),
        "{location}"
    );
    assert_eq!(shop.auth_callbacks().last().map(|c| c.1), Some(Some(200)));

    let (status, ch) = h.call("GET", &format!("/admin/channels/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(ch["state"], "active");
    assert_eq!(ch["wc_version"], "8.9.1");
    let hooks = ch["webhooks"].as_array().unwrap().clone();
    let topics: Vec<&str> = hooks.iter().map(|w| w["topic"].as_str().unwrap()).collect();
    assert_eq!(topics, TOPICS);
    for hook in &hooks {
        let (state, _) = shop.webhook_status(hook["id"].as_u64().unwrap()).unwrap();
        assert_eq!(state, "active");
    }
    let secrets = h.host.app.secrets.get(&id).await.unwrap().unwrap();
    assert!(secrets.woo_consumer_key.is_some() && secrets.webhook_secret.is_some());

    let page = h
        .http
        .get(&location)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Channel activated"), "{page}");

    // The token was single-use: approving the same link again is refused,
    // so WooCommerce deletes the second key.
    let again = h.approve(&authorize).await;
    assert_ne!(again.status(), 302);
    assert_eq!(shop.auth_callbacks().last().map(|c| c.1), Some(Some(401)));

    let (status, health) = h
        .call("GET", &format!("/admin/channels/{id}/health"), None)
        .await;
    assert_eq!(status, 200, "{health}");
    assert!(
        health["webhooks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["status"] == "active"),
        "{health}"
    );

    let (status, done) = h
        .call("POST", &format!("/admin/channels/{id}/deactivate"), None)
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["state"], "deactivated");
    assert_eq!(
        done["webhooks_deleted"].as_array().unwrap().len(),
        TOPICS.len()
    );
    // The key the approval made stays in the shop (WooCommerce has no REST route to
    // delete one): the answer names it as the shop's key list shows it.
    let ending = done["revoke_key"]["consumer_key_ending"].as_str().unwrap();
    let listed: Vec<(String, String)> = shop
        .api_keys()
        .into_iter()
        .filter(|(_, truncated)| truncated == ending)
        .collect();
    assert_eq!(listed.len(), 1, "{ending}: {:?}", shop.api_keys());
    assert!(
        listed[0].0.starts_with("PayTraq Connector - API ("),
        "{listed:?}"
    );
    let how = done["revoke_key"]["how"].as_str().unwrap();
    assert!(
        how.contains("WooCommerce → Settings → Advanced → REST API"),
        "{how}"
    );
    assert!(how.contains(ending), "{how}");
    for hook in &hooks {
        assert!(
            shop.webhook_status(hook["id"].as_u64().unwrap()).is_none(),
            "webhook deleted in the shop"
        );
    }
    let (_, ch) = h.call("GET", &format!("/admin/channels/{id}"), None).await;
    assert_eq!(ch["state"], "deactivated");
    assert_eq!(ch["name"], "Test shop", "data kept");
    let timeline = ch["timeline"].to_string();
    assert!(
        timeline.contains(&format!("revoke the shop's API key ending in …{ending}")),
        "{timeline}"
    );

    assert_no_secret_leaked(&h, &id).await;
    h.host.stop().await;
    shop.shutdown().await;
}

#[tokio::test]
async fn woocommerce_3_4_is_refused_with_a_clear_message_and_nothing_half_made() {
    let shop = sandbox("3.4.0").await;
    let h = Harness::start(true).await;
    let (_, created) = h.create_channel(&shop.base_url()).await;
    let id = created["channel_id"].as_str().unwrap().to_string();

    let granted = h.approve(created["authorize_url"].as_str().unwrap()).await;
    assert_ne!(
        granted.status(),
        302,
        "a refused activation makes WooCommerce delete the key"
    );
    assert_eq!(shop.auth_callbacks().last().map(|c| c.1), Some(Some(422)));
    let (_, ch) = h.call("GET", &format!("/admin/channels/{id}"), None).await;
    assert_eq!(ch["state"], "pending");
    assert!(ch["webhooks"].as_array().unwrap().is_empty());
    let reason = ch["health"]["last_error"].as_str().unwrap();
    assert!(
        reason.contains("WooCommerce 3.4.0") && reason.contains("3.5 or newer"),
        "{reason}"
    );
    let secrets = h.host.app.secrets.get(&id).await.unwrap().unwrap();
    assert!(secrets.woo_consumer_key.is_none() && secrets.webhook_secret.is_none());

    // Manual keys: the same checks, answered directly.
    let (ck, cs) = shop.create_key(KeyPermissions::ReadWrite);
    let (status, err) = h
        .call(
            "POST",
            &format!("/admin/channels/{id}/keys"),
            Some(json!({"consumer_key": ck, "consumer_secret": cs})),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"], "woocommerce_too_old");
    assert!(err["message"].as_str().unwrap().contains("3.5 or newer"));
    h.host.stop().await;
    shop.shutdown().await;
}

#[tokio::test]
async fn manual_keys_activate_and_wrong_keys_are_refused() {
    let shop = sandbox("8.9.1").await;
    let h = Harness::start(true).await;
    let (_, created) = h.create_channel(&shop.base_url()).await;
    let id = created["channel_id"].as_str().unwrap().to_string();
    let keys_path = format!("/admin/channels/{id}/keys");

    let (status, err) = h
        .call(
            "POST",
            &keys_path,
            Some(json!({"consumer_key": "ck_nope", "consumer_secret": "cs_nope"})),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"], "keys_refused");
    let (status, err) = h
        .call("POST", &keys_path, Some(json!({"consumer_key": "x"})))
        .await;
    assert_eq!(status, 400);
    assert!(
        err["fields"]["consumer_key"].is_string() && err["fields"]["consumer_secret"].is_string(),
        "{err}"
    );

    let (ck, cs) = shop.create_key(KeyPermissions::ReadWrite);
    let (status, ch) = h
        .call(
            "POST",
            &keys_path,
            Some(json!({"consumer_key": ck, "consumer_secret": cs})),
        )
        .await;
    assert_eq!(status, 200, "{ch}");
    assert_eq!(ch["state"], "active");
    assert_eq!(ch["webhooks"].as_array().unwrap().len(), TOPICS.len());
    let (status, _) = h
        .call(
            "POST",
            &keys_path,
            Some(json!({"consumer_key": ck, "consumer_secret": cs})),
        )
        .await;
    assert_eq!(status, 409, "already active");
    let (status, _) = h
        .call("POST", &format!("/admin/channels/{id}/activation"), None)
        .await;
    assert_eq!(status, 409, "no new link for an active channel");
    h.host.stop().await;
    shop.shutdown().await;
}

#[tokio::test]
async fn an_expired_or_foreign_token_is_refused_at_the_callback() {
    let h = Harness::start(true).await;
    let shop = sandbox("8.9.1").await;
    let (_, a) = h.create_channel(&shop.base_url()).await;
    let (_, b) = h.create_channel(&shop.base_url()).await;
    let token_of = |v: &Value| -> String {
        let url = url::Url::parse(v["authorize_url"].as_str().unwrap()).unwrap();
        url.query_pairs()
            .find(|(k, _)| k == "user_id")
            .unwrap()
            .1
            .into_owned()
    };
    let body = |token: &str| {
        json!({"key_id": 1, "user_id": token, "consumer_key": "ck_x", "consumer_secret": "cs_x", "key_permissions": "read_write"}).to_string()
    };
    // B's token presented for A: refused (and consumed).
    let a_id = a["channel_id"].as_str().unwrap();
    let (status, err) = h
        .raw(
            "POST",
            &format!("/activation/{a_id}/callback"),
            Some(body(&token_of(&b))),
            None,
        )
        .await;
    assert_eq!(status, 401, "{err}");
    // Expired: a token stored with a past expiry.
    let mut expired = channel::model::ActivationToken {
        token_hash: channel::admin::token::hash("old-token"),
        channel_id: a_id.to_string(),
        expires_at: chrono::Utc::now() - chrono::Duration::minutes(1),
        version: 0,
    };
    h.host.app.repo.put_token(&mut expired).await.unwrap();
    let (status, _) = h
        .raw(
            "POST",
            &format!("/activation/{a_id}/callback"),
            Some(body("old-token")),
            None,
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = h
        .raw(
            "POST",
            &format!("/activation/{a_id}/callback"),
            Some("not json".into()),
            None,
        )
        .await;
    assert_eq!(status, 400);
    h.host.stop().await;
    shop.shutdown().await;
}

// ---- mappings ------------------------------------------------------------------------

#[tokio::test]
async fn mapping_check_lists_unmapped_rates_and_methods_and_unknown_targets() {
    let shop = sandbox("8.9.1").await;
    shop.seed_taxes(vec![
        json!({"id": 1, "country": "LV", "rate": "21.0000", "name": "PVN", "class": "standard"}),
        json!({"id": 2, "country": "LV", "rate": "12.0000", "name": "PVN 12%", "class": "reduced-rate"}),
    ]);
    shop.seed_gateways(vec![
        json!({"id": "bacs", "title": "Direct bank transfer", "enabled": true}),
        json!({"id": "cod", "title": "Cash on delivery", "enabled": true}),
        json!({"id": "paypal", "title": "PayPal", "enabled": true}),
        json!({"id": "cheque", "title": "Cheque", "enabled": false}),
    ]);
    let pt = PaytraqSandbox::start(PaytraqSandboxConfig {
        rate_per_second: 0.0,
        ..Default::default()
    })
    .await
    .unwrap();
    let company = pt.create_company(PT_KEY, PT_TOKEN);
    let tax_key = company.add_tax_key("PVN 21%", rust_decimal::Decimal::new(21, 0));
    let account = company.add_money_account("Bank", "EUR");
    let options = channel::Options {
        paytraq_base_url: pt.base_url(),
        ..channel::Options::default()
    };
    let h = Harness::start_with(true, options).await;
    let (_, created) = h.create_channel(&shop.base_url()).await;
    let id = created["channel_id"].as_str().unwrap().to_string();
    let (ck, cs) = shop.create_key(KeyPermissions::ReadWrite);
    let (status, _) = h
        .call(
            "POST",
            &format!("/admin/channels/{id}/keys"),
            Some(json!({"consumer_key": ck, "consumer_secret": cs})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = h
        .call(
            "PUT",
            &format!("/admin/channels/{id}/mappings/tax"),
            Some(json!({"1": tax_key.to_string(), "3": "999999"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = h
        .call(
            "PUT",
            &format!("/admin/channels/{id}/mappings/payment"),
            Some(json!({"bacs": account.to_string(), "cod": "888888"})),
        )
        .await;
    assert_eq!(status, 200);

    let (status, check) = h
        .call("GET", &format!("/admin/channels/{id}/mappings/check"), None)
        .await;
    assert_eq!(status, 200, "{check}");
    assert_eq!(check["complete"], false);
    let ids = |v: &Value, field: &str| -> Vec<Value> {
        v[field]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].clone())
            .collect()
    };
    assert_eq!(ids(&check, "unmapped_tax_rates"), [json!(2)]);
    assert_eq!(ids(&check, "unmapped_payment_methods"), [json!("paypal")]);
    assert_eq!(
        check["unknown_tax_keys"],
        json!([{"source": "3", "target": "999999"}])
    );
    assert_eq!(
        check["unknown_money_accounts"],
        json!([{"source": "cod", "target": "888888"}])
    );
    assert_eq!(check["stale_tax_rates"], json!([3]));

    // Complete the mappings: the check is clean.
    h.call(
        "PUT",
        &format!("/admin/channels/{id}/mappings/tax"),
        Some(json!({"1": tax_key.to_string(), "2": tax_key.to_string()})),
    )
    .await;
    h.call(
        "PUT",
        &format!("/admin/channels/{id}/mappings/payment"),
        Some(json!({"bacs": account.to_string(), "cod": account.to_string(), "paypal": account.to_string()})),
    )
    .await;
    let (_, check) = h
        .call("GET", &format!("/admin/channels/{id}/mappings/check"), None)
        .await;
    assert_eq!(check["complete"], true, "{check}");
    h.host.stop().await;
    shop.shutdown().await;
    pt.shutdown().await;
}

// ---- shop URL checks ----------------------------------------------------------------

#[tokio::test]
async fn http_shops_and_internal_addresses_are_refused() {
    let strict = Harness::start(false).await;
    let shop = sandbox("8.9.1").await;
    let (status, err) = strict.create_channel(&shop.base_url()).await;
    assert_eq!(status, 400, "{err}");
    assert!(
        err["fields"]["shop_url"]
            .as_str()
            .unwrap()
            .contains("HTTPS"),
        "{err}"
    );
    for target in [
        "https://127.0.0.1:8443",
        "https://localhost",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.8",
        "https://172.20.1.1",
        "https://192.168.0.10",
        "https://[::1]",
        "https://[fd12::1]",
    ] {
        let (status, err) = strict.create_channel(target).await;
        assert_eq!(status, 400, "{target}: {err}");
        let message = err["fields"]["shop_url"].as_str().unwrap();
        assert!(
            message.contains("address") || message.contains("resolves"),
            "{target}: {message}"
        );
    }
    // Even the local flag keeps metadata and private ranges out, and plain HTTP to real hosts.
    let local = Harness::start(true).await;
    for target in [
        "https://169.254.169.254",
        "http://169.254.169.254",
        "https://10.1.1.1",
        "http://shop.example.com",
    ] {
        let (status, err) = local.create_channel(target).await;
        assert_eq!(status, 400, "{target}: {err}");
    }
    strict.host.stop().await;
    local.host.stop().await;
    shop.shutdown().await;
}

/// A "shop" that answers everything with a redirect to an internal target:
/// the channel must not follow it.
#[tokio::test]
async fn redirects_to_internal_targets_are_not_followed() {
    let inner_hits = Arc::new(AtomicUsize::new(0));
    let hits = inner_hits.clone();
    let inner = axum::Router::new().fallback(move || {
        let hits = hits.clone();
        async move {
            hits.fetch_add(1, Ordering::SeqCst);
            "secret metadata"
        }
    });
    let inner_addr = serve(inner).await;
    let target = format!("http://{inner_addr}/latest/meta-data");
    let redirector = axum::Router::new().fallback(move || {
        let target = target.clone();
        async move {
            (
                axum::http::StatusCode::FOUND,
                [(axum::http::header::LOCATION, target)],
            )
        }
    });
    let shop_addr = serve(redirector).await;

    let h = Harness::start(true).await;
    let (status, created) = h.create_channel(&format!("http://{shop_addr}")).await;
    assert_eq!(status, 201, "{created}");
    let id = created["channel_id"].as_str().unwrap();
    let (status, err) = h
        .call(
            "POST",
            &format!("/admin/channels/{id}/keys"),
            Some(json!({"consumer_key": "ck_a", "consumer_secret": "cs_b"})),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"], "shop_unreachable");
    assert_eq!(
        inner_hits.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
    h.host.stop().await;
}

async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

// ---- validation, auth, limits ---------------------------------------------------------

#[tokio::test]
async fn validation_errors_name_fields_and_unknown_channels_are_404() {
    let shop = sandbox("8.9.1").await;
    let h = Harness::start(true).await;
    let (status, err) = h
        .call(
            "POST",
            "/admin/channels",
            Some(json!({"shop_url": 5, "settings": {"daily_sync_hour": 30}})),
        )
        .await;
    assert_eq!(status, 400);
    for field in [
        "shop_url",
        "paytraq_api_key",
        "paytraq_api_token",
        "settings.daily_sync_hour",
    ] {
        assert!(err["fields"][field].is_string(), "{field}: {err}");
    }
    let (_, created) = h.create_channel(&shop.base_url()).await;
    let id = created["channel_id"].as_str().unwrap();
    let (status, err) = h
        .call(
            "PUT",
            &format!("/admin/channels/{id}/settings"),
            Some(json!({"document_type": "receipt", "sync_prices": true})),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        err["fields"]["document_type"].is_string() && err["fields"]["price_group_id"].is_string(),
        "{err}"
    );
    let (status, s) = h
        .call(
            "PUT",
            &format!("/admin/channels/{id}/settings"),
            Some(json!({"document_type": "sales_order", "daily_sync_hour": 4})),
        )
        .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["document_type"], "sales_order");
    let (_, s) = h
        .call("GET", &format!("/admin/channels/{id}/settings"), None)
        .await;
    assert_eq!(s["daily_sync_hour"], 4);

    let (status, map) = h
        .call(
            "PUT",
            &format!("/admin/channels/{id}/mappings/tax"),
            Some(json!({"1": "100", "2": "101"})),
        )
        .await;
    assert_eq!(status, 200, "{map}");
    let (status, err) = h
        .call(
            "PUT",
            &format!("/admin/channels/{id}/mappings/payment"),
            Some(json!({"bacs": "x"})),
        )
        .await;
    assert_eq!(status, 400);
    assert!(err["fields"]["bacs"].is_string());
    let (status, err) = h
        .call(
            "GET",
            &format!("/admin/channels/{id}/orders?status=lost"),
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert!(err["fields"]["status"].is_string());
    let (status, _) = h
        .call("GET", &format!("/admin/channels/{id}/orders/42"), None)
        .await;
    assert_eq!(status, 404);

    let (status, err) = h.call("GET", "/admin/channels/nope/settings", None).await;
    assert_eq!((status, err["error"].as_str()), (404, Some("not_found")));
    let (status, _) = h
        .raw("GET", &format!("/admin/channels/{id}"), None, None)
        .await;
    assert_eq!(status, 401);
    let (status, _) = h
        .raw("GET", &format!("/admin/channels/{id}"), None, Some("wrong"))
        .await;
    assert_eq!(status, 401);
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(100 * 1024));
    let (status, _) = h
        .raw(
            "PUT",
            &format!("/admin/channels/{id}/settings"),
            Some(big),
            Some(ADMIN_TOKEN),
        )
        .await;
    assert_eq!(status, 413);
    h.host.stop().await;
    shop.shutdown().await;
}

#[tokio::test]
async fn payment_term_days_is_a_setting_from_0_to_365_days() {
    let h = Harness::start(true).await;
    testkit::active_channel(&h.host.app, "term1", "http://127.0.0.1:9", "whsec").await;
    let path = "/admin/channels/term1/settings";
    let (_, s) = h.call("GET", path, None).await;
    assert_eq!(s["payment_term_days"], Value::Null, "unset by default");
    let (status, err) = h
        .call("PUT", path, Some(json!({"payment_term_days": 400})))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        err["fields"]["payment_term_days"],
        "must be a number of days from 0 to 365 or null"
    );
    let (status, s) = h
        .call("PUT", path, Some(json!({"payment_term_days": 14})))
        .await;
    assert_eq!((status, &s["payment_term_days"]), (200, &json!(14)), "{s}");
    let (_, s) = h.call("GET", path, None).await;
    assert_eq!(s["payment_term_days"], 14);
    let (_, s) = h
        .call("PUT", path, Some(json!({"payment_term_days": null})))
        .await;
    assert_eq!(s["payment_term_days"], Value::Null);
    h.host.stop().await;
}

#[tokio::test]
async fn inbox_listing_handled_is_idempotent_and_inactive_channels_do_not_process() {
    let h = Harness::start(true).await;
    let ch = testkit::active_channel(&h.host.app, "inbox1", "http://127.0.0.1:9", "whsec").await;
    let now = chrono::Utc::now();
    let mut order = channel::model::InboxOrder {
        channel_id: ch.id.clone(),
        key: "77".into(),
        order_id: Some(77),
        modified_gmt: Some(now),
        payload: "{}".into(),
        summary: None,
        status: channel::model::OrderStatus::Failed,
        reason: Some("test".into()),
        paytraq: Default::default(),
        effect_in_doubt: None,
        notes_sent: vec![],
        timeline: vec![],
        pending_since: None,
        removed_in_shop: None,
        received_at: now,
        updated_at: now,
        version: 0,
    };
    h.host.app.repo.save_order(&mut order).await.unwrap();
    let (status, list) = h
        .call(
            "GET",
            "/admin/channels/inbox1/orders?status=failed&limit=10",
            None,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"][0]["key"], "77");
    for _ in 0..2 {
        let (status, o) = h
            .call("POST", "/admin/channels/inbox1/orders/77/handled", None)
            .await;
        assert_eq!(status, 200, "{o}");
        assert_eq!(o["status"], "handled");
    }
    let (_, o) = h
        .call("GET", "/admin/channels/inbox1/orders/77", None)
        .await;
    assert_eq!(o["timeline"].as_array().unwrap().len(), 1, "{o}");

    // A deactivated channel processes nothing: the operator is told why.
    let (status, _) = h
        .call("POST", "/admin/channels/inbox1/deactivate", None)
        .await;
    assert_eq!(status, 200);
    let (status, err) = h
        .call("POST", "/admin/channels/inbox1/orders/77/process", None)
        .await;
    assert_eq!(status, 409, "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("not active"),
        "{err}"
    );
    let (status, _) = h
        .call("POST", "/admin/channels/inbox1/orders/78/process", None)
        .await;
    assert_eq!(status, 404);
    h.host.stop().await;
}

// ---- the OpenAPI document against the running routes ------------------------------------

#[tokio::test]
async fn openapi_document_matches_the_routes() {
    let doc: Value = channel::admin::openapi::document().unwrap();
    let h = Harness::start(true).await;
    testkit::active_channel(&h.host.app, "docs1", "http://127.0.0.1:9", "whsec").await;
    let (status, served) = h.call("GET", "/admin/openapi.json", None).await;
    assert_eq!(status, 200);
    assert_eq!(served, doc);

    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            operations += 1;
            let concrete = path
                .replace("{channel_id}", "docs1")
                .replace("{key}", "1")
                .replace("{run_id}", "r1");
            let body = matches!(method.as_str(), "post" | "put").then(|| "{}".to_string());
            let (status, answer) = h
                .raw(
                    &method.to_uppercase(),
                    &concrete,
                    body.clone(),
                    Some(ADMIN_TOKEN),
                )
                .await;
            assert_ne!(
                answer["error"], "no_route",
                "{method} {path} is documented but not routed"
            );
            assert_ne!(status, 405, "{method} {path}: method not routed");
            let documented = &op["responses"][status.to_string()];
            assert!(
                documented.is_object(),
                "{method} {path} answered {status}, which is not documented: {answer}"
            );
            if let Some(schema) = documented["content"]["application/json"]["schema"].as_object() {
                check_required(
                    &doc,
                    &Value::Object(schema.clone()),
                    &answer,
                    &format!("{method} {path} {status}"),
                );
            }
            let secured = op["security"].as_array().is_none_or(|s| !s.is_empty());
            if secured {
                let (status, _) = h.raw(&method.to_uppercase(), &concrete, body, None).await;
                assert_eq!(status, 401, "{method} {path} without credentials");
            }
        }
    }
    assert!(operations >= 20, "{operations}");
    let (status, answer) = h
        .call("GET", "/admin/channels/docs1/nothing-here", None)
        .await;
    assert_eq!((status, answer["error"].as_str()), (404, Some("no_route")));
    h.host.stop().await;
}

/// The answer has every property the (referenced) schema requires.
fn check_required(doc: &Value, schema: &Value, answer: &Value, what: &str) {
    let schema = match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    };
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            check_required(doc, part, answer, what);
        }
        return;
    }
    for field in schema["required"].as_array().into_iter().flatten() {
        let field = field.as_str().unwrap();
        assert!(
            answer.get(field).is_some(),
            "{what}: answer lacks required {field}: {answer}"
        );
    }
}

// ---- secrets ------------------------------------------------------------------------------

async fn assert_no_secret_leaked(h: &Harness, channel_id: &str) {
    let secrets = h.host.app.secrets.get(channel_id).await.unwrap().unwrap();
    let mut values: Vec<String> = vec![PT_KEY.into(), PT_TOKEN.into(), ADMIN_TOKEN.into()];
    for s in [
        &secrets.woo_consumer_key,
        &secrets.woo_consumer_secret,
        &secrets.webhook_secret,
    ]
    .into_iter()
    .flatten()
    {
        values.push(s.expose().to_string());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned();
    assert!(log.contains("channel activated"), "logs were captured");
    let seen = h.seen.lock().unwrap().join("\n");
    for value in values {
        assert!(!log.contains(&value), "a secret appears in the logs");
        assert!(!seen.contains(&value), "a secret appears in an API answer");
    }
}
