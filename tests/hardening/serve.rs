//! `local serve` against slow and oversized clients (items 3 and part of 9):
//! slow connections are closed within the server's timeouts while normal
//! requests keep answering, connections beyond the limit are refused, a
//! body over a route's limit is a JSON 413 (before `100 Continue`), and the
//! public activation pages send their security headers.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use channel::host::{Host, HostConfig, ServerLimits};
use channel::model::Channel;
use channel::secrets::Secret;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ADMIN_TOKEN: &str = "hardening-serve-token-51ab";

async fn host(server: ServerLimits) -> Host {
    let data_dir = std::env::temp_dir().join(format!("hardening-serve-{}", uuid::Uuid::new_v4()));
    Host::start(HostConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir,
        admin_token: Some(Secret::new(ADMIN_TOKEN)),
        server,
        ..HostConfig::default()
    })
    .await
    .unwrap()
}

/// Sends `request` as is and reads what comes back until the server closes
/// the connection or `within` passes.
async fn raw(addr: SocketAddr, request: &[u8], within: Duration) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    let _ = tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn json_body(answer: &str) -> Value {
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {answer}"))
}

// ---- item 3: slow connections ----------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slow {
    /// Sends a request line, then one header line every 300 ms, never the end.
    HeaderTrickle,
    /// Sends a complete head announcing 1000 bytes, then one byte every 300 ms.
    BodyTrickle,
    /// Connects and sends nothing.
    Idle,
    /// Makes one complete request, reads the answer, then sends nothing.
    KeptAliveIdle,
}

/// How one slow connection ended: when the server closed it (`None`: still
/// open after `cap`), and what it answered.
struct Ended {
    kind: Slow,
    closed_after: Option<Duration>,
    answer: String,
}

async fn slow_client(
    addr: SocketAddr,
    kind: Slow,
    opened: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
    cap: Duration,
) -> Ended {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let first: &[u8] = match kind {
        Slow::HeaderTrickle => b"GET /admin/channels HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        Slow::BodyTrickle => b"POST /webhooks/woocommerce/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
        Slow::Idle => b"",
        Slow::KeptAliveIdle => b"POST /webhooks/woocommerce/nochannel HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 12\r\n\r\nwebhook_id=1",
    };
    stream.write_all(first).await.unwrap();
    opened.fetch_add(1, Ordering::SeqCst);
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let mut trickling = true;
    let mut tick = tokio::time::interval(Duration::from_millis(300));
    tick.tick().await;
    let cap = tokio::time::sleep(cap);
    tokio::pin!(cap);
    let ended = |answer: Vec<u8>, closed_after| Ended {
        kind,
        closed_after,
        answer: String::from_utf8_lossy(&answer).into_owned(),
    };
    loop {
        tokio::select! {
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => {
                    closed.fetch_add(1, Ordering::SeqCst);
                    return ended(answer, Some(started.elapsed()));
                }
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            },
            _ = tick.tick(), if trickling => {
                let more: &[u8] = match kind {
                    Slow::HeaderTrickle => b"X-Slow: 1\r\n",
                    Slow::BodyTrickle => b" ",
                    Slow::Idle | Slow::KeptAliveIdle => continue,
                };
                // A refused write means the server closed; the read says so too.
                trickling = stream.write_all(more).await.is_ok();
            }
            _ = &mut cap => return ended(answer, None),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_slow_connections_are_closed_within_the_timeouts_while_normal_requests_answer()
{
    const SLOW: usize = 500;
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn,channel::host=debug")
        .try_init();
    let limits = ServerLimits {
        max_connections: SLOW + 100,
        header_read_timeout: Duration::from_secs(2),
        body_read_timeout: Duration::from_secs(3),
        shutdown_grace: Duration::from_secs(5),
    };
    let host = host(limits).await;
    let addr = host.addr;
    let opened = Arc::new(AtomicUsize::new(0));
    let closed = Arc::new(AtomicUsize::new(0));
    let kinds = [
        Slow::HeaderTrickle,
        Slow::BodyTrickle,
        Slow::Idle,
        Slow::KeptAliveIdle,
    ];
    let cap = Duration::from_secs(15);
    let started = Instant::now();
    let clients: Vec<_> = (0..SLOW)
        .map(|i| {
            tokio::spawn(slow_client(
                addr,
                kinds[i % kinds.len()],
                opened.clone(),
                closed.clone(),
                cap,
            ))
        })
        .collect();
    while opened.load(Ordering::SeqCst) < SLOW {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // While they are open, normal requests answer.
    let http = reqwest::Client::new();
    let asked = Instant::now();
    let admin = http
        .get(format!("{}/admin/channels", host.base_url()))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), 200);
    let ping = http
        .post(format!(
            "{}/webhooks/woocommerce/nochannel",
            host.base_url()
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("webhook_id=1")
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), 404);
    let answered_in = asked.elapsed();
    let elapsed = started.elapsed();
    let open_then = SLOW - closed.load(Ordering::SeqCst);
    if elapsed < limits.header_read_timeout {
        // No slow connection can have timed out yet: all were open.
        assert_eq!(open_then, SLOW, "closed before any timeout could pass");
    }
    assert!(
        open_then > 0,
        "the normal requests came after every slow connection closed"
    );

    let held_then = host.open_connections();
    assert!(
        held_then > 0,
        "the server held no connection during the normal requests"
    );

    // The server side: how long until it holds no connection at all.
    let held_after = loop {
        let held = host.open_connections();
        if held == 0 || started.elapsed() > cap {
            break held;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let drained_after = started.elapsed();

    // The client side: every client that sent something saw its connection
    // closed. A silent client can also be one the kernel never handed to
    // the server (its listen queue overflowed under the burst of connects):
    // it believes it is connected, but nothing holds it; those still
    // waiting a second after the server holds nothing are counted apart.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut ended = Vec::new();
    let mut never_accepted = 0;
    for (i, client) in clients.into_iter().enumerate() {
        if kinds[i % kinds.len()] == Slow::Idle && !client.is_finished() {
            client.abort();
            never_accepted += 1;
        } else {
            ended.push(client.await.unwrap());
        }
    }
    let still_open = ended.iter().filter(|e| e.closed_after.is_none()).count();
    let slowest = ended
        .iter()
        .filter_map(|e| e.closed_after)
        .max()
        .unwrap_or_default();
    println!(
        "item 3: {SLOW} slow connections (header trickle, body trickle, idle, kept-alive idle); \
         normal requests answered in {answered_in:?} while the server held {held_then}; \
         connections the server holds after the timeouts: {held_after} (none after {drained_after:?}); \
         clients that saw their connection closed: {} (the last after {slowest:?}); \
         silent clients never handed to the server by the kernel: {never_accepted}",
        ended.len() - still_open
    );
    assert_eq!(held_after, 0, "connections still held after {cap:?}");
    let open_kinds: Vec<(Slow, &str)> = ended
        .iter()
        .filter(|e| e.closed_after.is_none())
        .map(|e| (e.kind, e.answer.as_str()))
        .collect();
    assert_eq!(
        still_open, 0,
        "connections still open after {cap:?}: {open_kinds:?}"
    );
    for e in &ended {
        let after = e.closed_after.unwrap_or_default();
        let bound = match e.kind {
            Slow::BodyTrickle => limits.body_read_timeout,
            _ => limits.header_read_timeout,
        };
        assert!(
            after < bound + Duration::from_secs(3),
            "{:?} closed after {after:?}",
            e.kind
        );
        if e.kind == Slow::BodyTrickle {
            assert!(e.answer.starts_with("HTTP/1.1 408"), "{}", e.answer);
            assert_eq!(json_body(&e.answer)["error"], "request_timeout");
        }
    }
    host.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_and_are_served_once_slow_ones_time_out() {
    let limits = ServerLimits {
        max_connections: 20,
        header_read_timeout: Duration::from_secs(2),
        ..ServerLimits::default()
    };
    let host = host(limits).await;
    let mut held = Vec::new();
    for _ in 0..30 {
        held.push(TcpStream::connect(host.addr).await.unwrap());
    }
    // A normal request behind 30 silent connections, 10 of them over the limit.
    let started = Instant::now();
    let url = format!("{}/admin/channels", host.base_url());
    let request = tokio::spawn(async move {
        let answer = reqwest::Client::new()
            .get(url)
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        (answer.status().as_u16(), started.elapsed())
    });
    let mut most = 0;
    while !request.is_finished() {
        most = most.max(host.open_connections());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, waited) = request.await.unwrap();
    println!(
        "connection limit 20, 30 silent connections: at most {most} open at once; \
         a normal request behind them answered {status} after {waited:?}"
    );
    assert!(most <= limits.max_connections, "{most} open");
    assert_eq!(status, 200, "served, not refused");
    // Served once the silent ones were closed at the header timeout (twice: 20, then 10).
    assert!(waited < limits.header_read_timeout * 3, "{waited:?}");
    drop(held);
    host.stop().await;
}

// ---- item 9: 413 as JSON, Expect: 100-continue ------------------------------------------

#[tokio::test]
async fn a_webhook_body_over_the_limit_is_a_json_413_naming_the_limit() {
    let host = host(ServerLimits::default()).await;
    let limit = channel::Options::default().max_body_bytes;
    let answer = reqwest::Client::new()
        .post(format!(
            "{}/webhooks/woocommerce/some-channel",
            host.base_url()
        ))
        .header("content-type", "application/json")
        .body(vec![b' '; limit + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 413);
    assert_eq!(answer.headers()["content-type"], "application/json");
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["error"], "payload_too_large");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&limit.to_string()),
        "{body}"
    );
    host.stop().await;
}

#[tokio::test]
async fn an_admin_body_over_the_limit_is_a_json_413_naming_the_limit() {
    let host = host(ServerLimits::default()).await;
    let limit = channel::admin::validate::MAX_BODY_BYTES;
    let http = reqwest::Client::new();
    for path in [
        "/admin/channels",
        "/admin/channels/abc/settings",
        "/activation/abc/callback",
    ] {
        let answer = http
            .post(format!("{}{path}", host.base_url()))
            .bearer_auth(ADMIN_TOKEN)
            .header("content-type", "application/json")
            .body(vec![b' '; limit + 1])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 413, "{path}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["error"], "payload_too_large", "{path}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains(&limit.to_string()),
            "{path}: {body}"
        );
    }
    host.stop().await;
}

#[tokio::test]
async fn expect_100_continue_with_too_large_a_length_is_refused_with_413_before_continue() {
    let host = host(ServerLimits::default()).await;
    for (path, token) in [
        ("/webhooks/woocommerce/some-channel", ""),
        (
            "/admin/channels",
            "Authorization: Bearer hardening-serve-token-51ab\r\n",
        ),
    ] {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{token}Content-Type: application/json\r\n\
             Content-Length: 10000000\r\nExpect: 100-continue\r\n\r\n"
        );
        let answer = raw(host.addr, request.as_bytes(), Duration::from_secs(3)).await;
        assert!(answer.starts_with("HTTP/1.1 413 "), "{path}: {answer}");
        assert!(!answer.contains("100 Continue"), "{path}: {answer}");
        assert_eq!(json_body(&answer)["error"], "payload_too_large");
    }
    // A length within the limit still gets its `100 Continue`.
    let request = "POST /webhooks/woocommerce/some-channel HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                   Content-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n";
    let mut stream = TcpStream::connect(host.addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = [0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(3), stream.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 100 Continue"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    stream.write_all(b"{}").await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(3), stream.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 404 "),
        "the unknown channel's answer: {}",
        String::from_utf8_lossy(&buf[..n])
    );
    drop(stream);
    host.stop().await;
}

// ---- item 9: the activation pages' headers ----------------------------------------------

#[tokio::test]
async fn the_activation_pages_send_csp_nosniff_and_no_referrer() {
    let host = host(ServerLimits::default()).await;
    let mut channel = Channel::new("pagechannel", "Page shop", "https://shop.example.com");
    host.app.repo.save_channel(&mut channel).await.unwrap();
    let http = reqwest::Client::new();
    for (path, status) in [
        ("/activation/pagechannel/return?success=0", 200),
        ("/activation/pagechannel/return?success=1", 200),
        ("/activation/nosuchchannel/return", 404),
    ] {
        let answer = http
            .get(format!("{}{path}", host.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), status, "{path}");
        let headers = answer.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
    }
    let page = http
        .get(format!(
            "{}/activation/pagechannel/return?success=0",
            host.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("<script") && !html.contains("style"),
        "{html}"
    );
    host.stop().await;
}
