//! The webhook secret no longer matches: a secret changed in the shop
//! (`PUT /webhooks/{id} {"secret": "x"}`, as on the real shop) made every
//! delivery fail with 401, seen only in a log line, and the reconciler
//! re-enabled the disabled webhook with the wrong secret still set, in a
//! loop. Now the refusals are counted, the reconciler writes a fresh
//! secret once and catches up, and a webhook still failing after that is
//! left to a person.

use std::time::Duration;

use channel::intake::reconcile::TOPICS;
use channel::model::Channel;
use channel::woocommerce::webhook::sign;
use paytraq_sandbox::PaytraqSandboxConfig;
use serde_json::{json, Value};
use testkit::world::{HostSetup, World, WorldConfig};
use woocommerce_sandbox::WooSandboxConfig;

const CHANNEL: &str = "changed-secret";

/// A hosted channel (reconciler left to the test) whose webhooks the
/// reconciler has just created in the shop.
async fn rig() -> World {
    let w = World::start(WorldConfig {
        woo: WooSandboxConfig {
            webhook_delay: Duration::from_millis(10),
            // The channel listens on 127.0.0.1 (a development shop's setting).
            allow_insecure_loopback_callbacks: true,
            ..Default::default()
        },
        paytraq: PaytraqSandboxConfig {
            rate_per_second: 10_000.0,
            burst: 10_000,
            ..PaytraqSandboxConfig::default()
        },
        hosted: Some(HostSetup {
            reconcile_every: Duration::from_secs(3600),
            ..HostSetup::default()
        }),
        ..WorldConfig::default()
    })
    .await
    .unwrap();
    w.channel(CHANNEL, |s| s.auto_process = false)
        .await
        .unwrap();
    let reports = w.reconcile().await.unwrap();
    assert_eq!(reports[0].webhooks_recreated, TOPICS, "{reports:?}");
    w
}

async fn channel(w: &World) -> Channel {
    w.app.repo.get_channel(CHANNEL).await.unwrap().unwrap()
}

async fn stored_secret(w: &World) -> (Option<String>, Option<String>) {
    let s = w.app.secrets.get(CHANNEL).await.unwrap().unwrap();
    (
        s.webhook_secret.map(|s| s.expose().to_string()),
        s.webhook_secret_previous.map(|s| s.expose().to_string()),
    )
}

/// What a person (or a plugin) does in the shop: a new secret over REST.
async fn change_secret_in_shop(w: &World, webhook_id: u64, secret: &str) -> Value {
    let reply = reqwest::Client::new()
        .put(format!(
            "{}/wp-json/wc/v3/webhooks/{webhook_id}",
            w.woo.base_url()
        ))
        .basic_auth(w.woo.consumer_key(), Some(w.woo.consumer_secret()))
        .json(&json!({ "secret": secret }))
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success(), "{}", reply.status());
    reply.json().await.unwrap()
}

fn new_order(n: u64) -> Value {
    json!({
        "payment_method": "bacs",
        "payment_method_title": "Bankas pārskaitījums",
        "set_paid": true,
        "billing": {"first_name": "Anna", "last_name": format!("Bērziņa {n}"),
            "email": format!("anna{n}@example.lv"), "country": "LV"},
        "line_items": [{"product_id": 22, "quantity": 1}]
    })
}

fn place_order(w: &World, n: u64) -> u64 {
    w.woo.create_order(&new_order(n)).unwrap()["id"]
        .as_u64()
        .unwrap()
}

/// Waits until the sandbox has answered `count` deliveries (pings aside).
async fn answered_deliveries(w: &World, count: usize) -> Vec<u16> {
    let start = std::time::Instant::now();
    loop {
        let statuses: Vec<u16> = w
            .woo
            .deliveries()
            .iter()
            .filter(|d| d.kind != "ping")
            .filter_map(|d| d.response_status)
            .collect();
        if statuses.len() >= count {
            return statuses;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{count} deliveries answered, got {statuses:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until WooCommerce has disabled a webhook after its failures.
async fn disabled(w: &World, webhook_id: u64) {
    let start = std::time::Instant::now();
    while w.woo.webhook_status(webhook_id).unwrap().0 != "disabled" {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "webhook {webhook_id} disabled: {:?}",
            w.woo.webhook_status(webhook_id)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the shop has no delivery on its way (the log stops growing):
/// WooCommerce signs when it delivers, so one still queued would be signed
/// with whatever secret the webhook holds by then.
async fn settled(w: &World) {
    let mut seen = w.woo.deliveries().len();
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = w.woo.deliveries().len();
        if now == seen {
            return;
        }
        seen = now;
    }
}

async fn in_inbox(w: &World, order_id: u64) -> bool {
    w.app
        .repo
        .get_order(CHANNEL, &order_id.to_string())
        .await
        .unwrap()
        .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_changed_in_the_shop_is_seen_replaced_once_and_the_missed_orders_caught_up() {
    let w = rig().await;
    let hooks = channel(&w).await.webhooks;
    let (ours, _) = stored_secret(&w).await;
    for hook in &hooks {
        let reply = change_secret_in_shop(&w, hook.id, "x").await;
        assert!(
            reply.get("secret").is_none(),
            "the shop never returns a secret: {reply}"
        );
    }

    // Orders placed now are all refused: WooCommerce disables the webhooks.
    let missed: Vec<u64> = (0..8).map(|n| place_order(&w, n)).collect();
    let statuses = answered_deliveries(&w, 8).await;
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    let created = hooks.iter().find(|h| h.topic == "order.created").unwrap();
    disabled(&w, created.id).await;
    settled(&w).await;
    for id in &missed {
        assert!(!in_inbox(&w, *id).await, "order {id} was refused");
    }

    // Health and timeline say so, not just a log line.
    let ch = channel(&w).await;
    let refused = ch
        .health
        .refused_deliveries
        .clone()
        .expect("refusals counted");
    assert!(refused.count >= 1, "{refused:?}");
    assert!(refused.webhook_ids.contains(&created.id), "{refused:?}");
    assert_eq!(
        ch.health.last_error.as_deref(),
        Some("deliveries refused: signature does not match")
    );
    let refused_events = ch
        .timeline
        .iter()
        .filter(|e| e.kind == "deliveries_refused")
        .count();
    assert_eq!(
        refused_events, 1,
        "one timeline event, not one per delivery"
    );

    // The reconciler stores a fresh secret first, then writes it to both
    // webhooks (re-enabling the disabled one), then catches up.
    let report = w.reconcile().await.unwrap().remove(0);
    assert_eq!(
        report.webhook_secret_replaced.len(),
        TOPICS.len(),
        "{report:?}"
    );
    assert!(report.webhooks_need_person.is_none(), "{report:?}");
    let (fresh, previous) = stored_secret(&w).await;
    let fresh = fresh.unwrap();
    assert_ne!(Some(fresh.clone()), ours);
    assert_eq!(
        previous, ours,
        "the old secret stays accepted until confirmed"
    );
    for hook in &hooks {
        assert_eq!(
            w.woo.webhook_secret(hook.id).as_deref(),
            Some(fresh.as_str())
        );
        assert_eq!(w.woo.webhook_status(hook.id).unwrap().0, "active");
    }
    let (_, failures) = w.woo.webhook_status(created.id).unwrap();
    assert!(
        failures > 0,
        "re-enabling does not reset WooCommerce's failure count"
    );
    for id in &missed {
        assert!(in_inbox(&w, *id).await, "order {id} caught up");
    }
    let ch = channel(&w).await;
    assert!(ch.health.refused_deliveries.is_none());
    assert!(ch.health.webhook_secret_replaced_at.is_some());
    assert!(ch
        .timeline
        .iter()
        .any(|e| e.kind == "webhook_secret_replaced"));

    // The next order is delivered with the new secret: accepted, and it confirms the repair.
    let before = w.woo.deliveries().len();
    let next = place_order(&w, 99);
    let start = std::time::Instant::now();
    while !in_inbox(&w, next).await {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "delivery after the repair"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let after: Vec<u16> = w.woo.deliveries()[before..]
        .iter()
        .filter_map(|d| d.response_status)
        .collect();
    assert!(after.iter().all(|s| *s == 200), "{after:?}");
    let ch = channel(&w).await;
    assert!(ch.health.webhook_secret_replaced_at.is_none(), "confirmed");
    assert!(ch.health.last_error.is_none(), "{:?}", ch.health.last_error);
    assert!(ch
        .timeline
        .iter()
        .any(|e| e.kind == "webhook_secret_confirmed"));
    assert_eq!(
        stored_secret(&w).await,
        (Some(fresh.clone()), None),
        "old secret dropped"
    );

    // A later run has nothing to repair: the secret stays.
    let report = w.reconcile().await.unwrap().remove(0);
    assert!(report.webhook_secret_replaced.is_empty(), "{report:?}");
    assert_eq!(stored_secret(&w).await.0, Some(fresh));
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_still_refused_after_a_fresh_secret_go_to_a_person_not_into_a_loop() {
    let w = rig().await;
    let hooks = channel(&w).await.webhooks;
    for hook in &hooks {
        change_secret_in_shop(&w, hook.id, "x").await;
    }
    place_order(&w, 1);
    answered_deliveries(&w, 1).await;
    settled(&w).await;
    let report = w.reconcile().await.unwrap().remove(0);
    assert_eq!(
        report.webhook_secret_replaced.len(),
        TOPICS.len(),
        "{report:?}"
    );
    let (replaced, _) = stored_secret(&w).await;

    // Something keeps changing the secret in the shop. The replacement is
    // taken to be older than the grace for deliveries already on their way.
    w.app
        .repo
        .update_channel(CHANNEL, |c| {
            c.health.webhook_secret_replaced_at =
                Some(chrono::Utc::now() - chrono::Duration::minutes(5));
        })
        .await
        .unwrap();
    for hook in &hooks {
        change_secret_in_shop(&w, hook.id, "y").await;
    }
    for n in 10..18 {
        place_order(&w, n);
    }
    let created = hooks.iter().find(|h| h.topic == "order.created").unwrap();
    disabled(&w, created.id).await;
    settled(&w).await;

    // The reconciler flags it for a person and leaves the webhooks alone, run after run.
    for run in 0..2 {
        let report = w.reconcile().await.unwrap().remove(0);
        let reason = report.webhooks_need_person.clone().expect("needs a person");
        assert!(reason.contains("still refused"), "{reason}");
        assert!(
            report.webhook_secret_replaced.is_empty(),
            "run {run}: {report:?}"
        );
        assert!(
            report.webhooks_reenabled.is_empty(),
            "run {run}: {report:?}"
        );
        assert_eq!(
            w.woo.webhook_status(created.id).unwrap().0,
            "disabled",
            "run {run}"
        );
        assert_eq!(
            stored_secret(&w).await.0,
            replaced,
            "run {run}: no new secret"
        );
    }
    let ch = channel(&w).await;
    assert_eq!(
        ch.health.webhook_status.as_deref(),
        Some("refusing_deliveries")
    );
    assert!(ch.health.webhooks_need_person.is_some());
    assert_eq!(
        ch.timeline
            .iter()
            .filter(|e| e.kind == "webhooks_need_person")
            .count(),
        1
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_that_do_not_name_our_webhook_from_our_shop_are_not_counted() {
    let w = rig().await;
    let hooks = channel(&w).await.webhooks;
    let url = format!(
        "{}/webhooks/woocommerce/{CHANNEL}",
        w.host().unwrap().base_url()
    );
    let body = br#"{"id":1}"#;
    let http = reqwest::Client::new();
    let forged = |webhook_id: u64, source: String| {
        http.post(&url)
            .header("x-wc-webhook-topic", "order.created")
            .header("x-wc-webhook-id", webhook_id.to_string())
            .header("x-wc-webhook-source", source)
            .header("x-wc-webhook-signature", sign(body, b"guess"))
            .body(body.to_vec())
            .send()
    };
    let ours = hooks[0].id;
    let shop = format!("{}/", w.woo.base_url());
    for (id, source) in [
        (ours + 100, shop.clone()),
        (ours, "https://elsewhere.example/".to_string()),
    ] {
        let reply = forged(id, source).await.unwrap();
        assert_eq!(reply.status(), 401);
    }
    assert!(channel(&w).await.health.refused_deliveries.is_none());
    // Naming our webhook from our shop: counted (and still refused).
    assert_eq!(forged(ours, shop).await.unwrap().status(), 401);
    let refused = channel(&w).await.health.refused_deliveries.unwrap();
    assert_eq!((refused.count, refused.webhook_ids.len()), (1, 1));
    w.stop().await;
}
