//! The channel's public URL and the shop's HTTPS, as the real shop judged
//! them: WooCommerce's key flow refuses an `http://` callback ("The
//! callback_url needs to be over SSL"), WordPress delivers webhooks only to
//! ports 80, 443 and 8080; the channel says so (400, with the reason)
//! before it sends the shop anything, excepting loopback development setups
//! only with `--allow-loopback-shops`, and that flag no longer excuses an
//! https:// shop that does not know it is served over HTTPS.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use channel::host::{Host, HostConfig};
use channel::intake::reconcile::TOPICS;
use channel::secrets::Secret;
use serde_json::{json, Value};
use woocommerce_sandbox::{WooSandbox, WooSandboxConfig};

const ADMIN_TOKEN: &str = "admin-token-callback-3f8e";

// ---- the shop -------------------------------------------------------------------

/// A shop as the real one: https callbacks only, webhooks to ports 80, 443 and 8080 only.
async fn real_shop() -> WooSandbox {
    WooSandbox::start(WooSandboxConfig::default())
        .await
        .unwrap()
}

/// A development shop on this machine that calls a channel on 127.0.0.1 over plain HTTP.
async fn development_shop() -> WooSandbox {
    WooSandbox::start(WooSandboxConfig {
        allow_insecure_loopback_callbacks: true,
        ..WooSandboxConfig::default()
    })
    .await
    .unwrap()
}

/// The shop's requests that reached its API or its key flow (not `/__sandbox/`).
fn shop_calls(shop: &WooSandbox) -> Vec<String> {
    shop.requests()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

// ---- the channel ----------------------------------------------------------------

struct Channel {
    host: Host,
    http: reqwest::Client,
}

#[derive(Default)]
struct Setup {
    allow_loopback_shops: bool,
    public_url: Option<&'static str>,
    data_dir: Option<PathBuf>,
    extra_ca_certs: Vec<PathBuf>,
}

fn temp_dir() -> PathBuf {
    std::env::temp_dir().join(format!(
        "real-shop-callback-{}",
        uuid::Uuid::new_v4().simple()
    ))
}

impl Channel {
    async fn start(setup: Setup) -> Self {
        let options = channel::Options {
            allow_loopback_shops: setup.allow_loopback_shops,
            public_base_url: setup.public_url.map(str::to_string),
            ..channel::Options::default()
        };
        let cfg = HostConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: setup.data_dir.unwrap_or_else(temp_dir),
            admin_token: Some(Secret::new(ADMIN_TOKEN)),
            extra_ca_certs: setup.extra_ca_certs,
            options,
            ..HostConfig::default()
        };
        Self {
            host: Host::start(cfg).await.unwrap(),
            http: http(),
        }
    }

    /// An admin call; `host` replaces the Host header (the public URL is derived from it).
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        host: Option<&str>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.host.base_url());
        let mut req = self
            .http
            .request(method.parse().unwrap(), url)
            .bearer_auth(ADMIN_TOKEN);
        if let Some(host) = host {
            req = req
                .header("host", host)
                .header("x-forwarded-proto", "https");
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn create(&self, shop_url: &str, host: Option<&str>) -> (u16, Value) {
        self.call(
            "POST",
            "/admin/channels",
            Some(json!({
                "shop_url": shop_url,
                "paytraq_api_key": "pt-key-callback",
                "paytraq_api_token": "pt-token-callback",
            })),
            host,
        )
        .await
    }

    async fn channels(&self) -> Vec<Value> {
        let (status, list) = self.call("GET", "/admin/channels", None, None).await;
        assert_eq!(status, 200, "{list}");
        list["items"].as_array().cloned().unwrap_or_default()
    }

    async fn paste_keys(&self, id: &str, shop: &WooSandbox) -> (u16, Value) {
        self.call(
            "POST",
            &format!("/admin/channels/{id}/keys"),
            Some(json!({
                "consumer_key": shop.consumer_key(),
                "consumer_secret": shop.consumer_secret(),
            })),
            None,
        )
        .await
    }
}

fn public_url_reason(answer: &Value) -> String {
    answer["fields"]["public_url"]
        .as_str()
        .unwrap_or_else(|| panic!("no public_url reason in {answer}"))
        .to_string()
}

// ---- the sandbox does what the real shop did -------------------------------------

#[tokio::test]
async fn the_sandbox_refuses_an_http_callback_like_wc_auth() {
    let shop = real_shop().await;
    let keys_before = shop.api_keys().len();
    let query = |callback: &str| {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("app_name", "PayTraq Connector")
            .append_pair("scope", "read_write")
            .append_pair("user_id", "token-1")
            .append_pair("return_url", "https://channel.example.com/return")
            .append_pair("callback_url", callback)
            .finish()
    };
    let http = http();
    for callback in [
        "http://channel.example.com/activation/c1/callback",
        "http://127.0.0.1:9100/activation/c1/callback",
    ] {
        let page = http
            .get(format!(
                "{}/wc-auth/v1/authorize?{}",
                shop.base_url(),
                query(callback)
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 400, "{callback}");
        let text = page.text().await.unwrap();
        assert!(
            text.contains("The callback_url needs to be over SSL"),
            "{callback}: {text}"
        );
        let granted = http
            .post(format!("{}/wc-auth/v1/access_granted", shop.base_url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(query(callback))
            .send()
            .await
            .unwrap();
        assert_eq!(granted.status(), 400, "{callback}");
    }
    // An https callback on a port WordPress does not call fails like a transport error: no key kept.
    let granted = http
        .post(format!("{}/wc-auth/v1/access_granted", shop.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(query(
            "https://channel.example.com:9000/activation/c1/callback",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(granted.status(), 401);
    assert!(granted
        .text()
        .await
        .unwrap()
        .contains("A valid URL was not provided."));
    assert_eq!(shop.api_keys().len(), keys_before, "no key was kept");
    assert_eq!(
        shop.auth_callbacks(),
        vec![(
            "https://channel.example.com:9000/activation/c1/callback".to_string(),
            None
        )],
        "only the https callback was attempted, and refused before connecting"
    );
    shop.shutdown().await;
}

#[tokio::test]
async fn the_sandbox_refuses_a_webhook_delivering_to_port_9000() {
    let shop = real_shop().await;
    let http = http();
    let webhooks = format!("{}/wp-json/wc/v3/webhooks", shop.base_url());
    let create = |url: &str| {
        http.post(&webhooks)
            .basic_auth(shop.consumer_key(), Some(shop.consumer_secret()))
            .json(&json!({"name": "orders", "topic": "order.created", "delivery_url": url}))
            .send()
    };
    let refused = create("https://channel.example.com:9000/webhooks/woocommerce/c1")
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(
        body,
        json!({"code": "http_request_failed", "message": "A valid URL was not provided.", "data": {"status": 400}})
    );
    // A loopback receiver on another port is refused by a real shop too.
    let refused = create("http://127.0.0.1:9100/hooks").await.unwrap();
    assert_eq!(refused.status(), 400);

    // Port 8080 is one WordPress calls (nothing listens there: the ping fails, the webhook stays).
    let created = create("http://127.0.0.1:8080/hooks").await.unwrap();
    assert_eq!(created.status(), 201);
    let hook: Value = created.json().await.unwrap();
    // Moving it to port 9000 is refused as well.
    let moved = http
        .put(format!("{webhooks}/{}", hook["id"]))
        .basic_auth(shop.consumer_key(), Some(shop.consumer_secret()))
        .json(&json!({"delivery_url": "https://channel.example.com:9000/x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 400);
    let listed: Value = http
        .get(&webhooks)
        .basic_auth(shop.consumer_key(), Some(shop.consumer_secret()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let urls: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["delivery_url"].as_str().unwrap())
        .collect();
    assert_eq!(urls, vec!["http://127.0.0.1:8080/hooks"]);
    shop.shutdown().await;
}

// ---- the channel refuses what the shop would refuse, before calling it ----------

#[tokio::test]
async fn an_http_public_url_is_refused_before_the_shop_is_called() {
    let shop = real_shop().await;
    let channel = Channel::start(Setup {
        allow_loopback_shops: true,
        public_url: Some("http://channel.example.com"),
        ..Setup::default()
    })
    .await;
    let (status, answer) = channel.create(&shop.base_url(), None).await;
    assert_eq!(status, 400, "{answer}");
    let reason = public_url_reason(&answer);
    assert!(
        reason.contains("the shop refuses callbacks that are not over HTTPS")
            && reason.contains("http://channel.example.com/activation/"),
        "{reason}"
    );
    assert_eq!(shop_calls(&shop), Vec::<String>::new(), "nothing was sent");
    assert!(channel.channels().await.is_empty(), "no channel was made");
    channel.host.stop().await;
    shop.shutdown().await;
}

#[tokio::test]
async fn a_public_url_on_port_9000_is_refused_on_both_activation_routes() {
    let shop = development_shop().await;
    let data_dir = temp_dir();

    // The key flow: the public URL derived from the request (a proxy on :9000).
    let channel = Channel::start(Setup {
        allow_loopback_shops: true,
        data_dir: Some(data_dir.clone()),
        ..Setup::default()
    })
    .await;
    let (status, answer) = channel
        .create(&shop.base_url(), Some("channel.example.com:9000"))
        .await;
    assert_eq!(status, 400, "{answer}");
    let reason = public_url_reason(&answer);
    assert!(
        reason.contains("WordPress delivers webhooks only to ports 80, 443 and 8080")
            && reason.contains("https://channel.example.com:9000/webhooks/woocommerce/")
            && !reason.contains("HTTPS"),
        "{reason}"
    );
    assert!(channel.channels().await.is_empty(), "no channel was made");

    // Keys given by hand, for a channel made before the public URL moved to :9000.
    let (status, created) = channel.create(&shop.base_url(), None).await;
    assert_eq!(status, 201, "{created}");
    let id = created["channel_id"].as_str().unwrap().to_string();
    channel.host.stop().await;
    let moved = Channel::start(Setup {
        allow_loopback_shops: true,
        public_url: Some("https://channel.example.com:9000"),
        data_dir: Some(data_dir),
        ..Setup::default()
    })
    .await;
    let (status, answer) = moved.paste_keys(&id, &shop).await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        public_url_reason(&answer)
            .contains("WordPress delivers webhooks only to ports 80, 443 and 8080"),
        "{answer}"
    );
    assert_eq!(shop_calls(&shop), Vec::<String>::new(), "nothing was sent");
    let (_, ch) = moved
        .call("GET", &format!("/admin/channels/{id}"), None, None)
        .await;
    assert_eq!(ch["state"], "pending", "{ch}");
    moved.host.stop().await;
    shop.shutdown().await;
}

#[tokio::test]
async fn loopback_development_setups_pass_only_with_allow_loopback_shops() {
    // With the flag: a development shop, the channel on http://127.0.0.1:<any port>, the key flow.
    let shop = development_shop().await;
    let channel = Channel::start(Setup {
        allow_loopback_shops: true,
        ..Setup::default()
    })
    .await;
    let (status, created) = channel.create(&shop.base_url(), None).await;
    assert_eq!(status, 201, "{created}");
    let id = created["channel_id"].as_str().unwrap().to_string();
    let authorize = url::Url::parse(created["authorize_url"].as_str().unwrap()).unwrap();
    let form: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
    let page = channel.http.get(authorize.clone()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let granted = channel
        .http
        .post(authorize.join("/wc-auth/v1/access_granted").unwrap())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(granted.status(), 302, "the callback answered 200");
    let (_, ch) = channel
        .call("GET", &format!("/admin/channels/{id}"), None, None)
        .await;
    assert_eq!(ch["state"], "active", "{ch}");
    assert_eq!(
        ch["webhooks"].as_array().map(Vec::len),
        Some(TOPICS.len()),
        "{ch}"
    );
    channel.host.stop().await;
    shop.shutdown().await;

    // Without it, the same loopback public URL is what a real shop refuses: both reasons, nothing
    // made (the shop, at a public address, is never called).
    let strict = Channel::start(Setup::default()).await;
    let (status, answer) = strict.create("https://93.184.216.34", None).await;
    assert_eq!(status, 400, "{answer}");
    let reason = public_url_reason(&answer);
    assert!(
        reason.contains("the shop refuses callbacks that are not over HTTPS")
            && reason.contains("WordPress delivers webhooks only to ports 80, 443 and 8080"),
        "{reason}"
    );
    assert!(strict.channels().await.is_empty());
    strict.host.stop().await;
}

// ---- an https loopback shop must still be HTTPS ------------------------------------

fn tls_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tls")
        .join(name)
}

/// `https://127.0.0.1:<port>` in front of `backend`: a TLS-terminating proxy
/// that, like a misconfigured one, does not tell WordPress the request came
/// over HTTPS (so the shop's system status says `secure_connection: false`).
async fn tls_front(backend: SocketAddr) -> SocketAddr {
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio_rustls::rustls::{crypto::ring, ServerConfig};
    let cert = CertificateDer::from(std::fs::read(tls_fixture("leaf.der")).unwrap());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        std::fs::read(tls_fixture("leaf.key.der")).unwrap(),
    ));
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let Ok(mut upstream) = tokio::net::TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn an_https_loopback_shop_without_a_secure_connection_is_refused_even_with_the_flag() {
    let shop = development_shop().await;
    let backend: SocketAddr = shop
        .base_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let front = tls_front(backend).await;
    let channel = Channel::start(Setup {
        allow_loopback_shops: true,
        extra_ca_certs: vec![tls_fixture("ca.pem")],
        ..Setup::default()
    })
    .await;
    let shop_url = format!("https://{front}");
    let (status, created) = channel.create(&shop_url, None).await;
    assert_eq!(status, 201, "{created}");
    let id = created["channel_id"].as_str().unwrap().to_string();

    let (status, answer) = channel.paste_keys(&id, &shop).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"], "shop_not_https", "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("not served over HTTPS"),
        "{answer}"
    );
    // The shop was reached over TLS and asked for its status, and nothing more.
    assert_eq!(
        shop_calls(&shop),
        vec!["GET /wp-json/wc/v3/system_status".to_string()]
    );
    let (_, ch) = channel
        .call("GET", &format!("/admin/channels/{id}"), None, None)
        .await;
    assert_eq!(ch["state"], "pending", "{ch}");
    assert!(
        ch["health"]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("not served over HTTPS")),
        "{ch}"
    );
    channel.host.stop().await;
    shop.shutdown().await;
}
