//! The reconciler on demand and at start: on the real shop, a channel
//! brought up after a while away waited up to 15 minutes for its first
//! reconciliation, and nothing could run one sooner. Now `local` runs it
//! once at start, and `POST /admin/channels/{id}/reconcile` runs it on
//! demand (the admin function on AWS calls the same code), answering what
//! it found.

use std::time::Duration;

use channel::host::Host;
use channel::intake::reconcile::TOPICS;
use serde_json::Value;
use testkit::world::{HostSetup, World, WorldConfig};

const CHANNEL: &str = "on-demand";
const ADMIN_TOKEN: &str = "real-shop-admin-token";

async fn rig() -> World {
    let w = World::start(WorldConfig {
        hosted: Some(HostSetup {
            admin_token: Some(ADMIN_TOKEN.into()),
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
    w
}

async fn post(w: &World, path: &str, token: &str) -> (u16, Value) {
    let reply = reqwest::Client::new()
        .post(format!("{}{path}", w.host().unwrap().base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_reconcile_runs_the_reconciler_for_one_channel_and_answers_what_it_found() {
    let w = rig().await;
    let path = format!("/admin/channels/{CHANNEL}/reconcile");

    let (status, report) = post(&w, &path, ADMIN_TOKEN).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["channel_id"], CHANNEL);
    let mut recreated: Vec<&str> = report["webhooks_recreated"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    recreated.sort();
    let mut topics = TOPICS.to_vec();
    topics.sort();
    assert_eq!(recreated, topics, "{report}");
    assert!(report["webhooks_need_person"].is_null(), "{report}");
    let hooks = w
        .app
        .repo
        .get_channel(CHANNEL)
        .await
        .unwrap()
        .unwrap()
        .webhooks;
    assert_eq!(hooks.len(), TOPICS.len());
    for hook in &hooks {
        assert_eq!(w.woo.webhook_status(hook.id).unwrap().0, "active");
    }

    // A second run finds them in place.
    let (status, report) = post(&w, &path, ADMIN_TOKEN).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["webhooks_recreated"],
        serde_json::json!([]),
        "{report}"
    );

    let (status, body) = post(&w, "/admin/channels/nobody/reconcile", ADMIN_TOKEN).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = post(&w, &path, "wrong-token").await;
    assert_eq!(status, 401, "{body}");
    w.app
        .repo
        .update_channel(CHANNEL, |c| {
            c.state = channel::model::ChannelState::Deactivated
        })
        .await
        .unwrap();
    let (status, body) = post(&w, &path, ADMIN_TOKEN).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not active"),
        "{body}"
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_reconciles_at_start_what_happened_while_it_was_down() {
    let mut w = rig().await;
    w.reconcile().await.unwrap();
    let hooks = w
        .app
        .repo
        .get_channel(CHANNEL)
        .await
        .unwrap()
        .unwrap()
        .webhooks;

    // Down: an order is placed (its deliveries fail) and a webhook is deleted in the shop.
    let restart = w.host_config().unwrap();
    drop(w.app); // the host's store closes with its last handle
    w.host.take().unwrap().stop().await;
    let order = w.woo.create_order(&serde_json::json!({
        "payment_method": "bacs",
        "billing": {"first_name": "Jānis", "last_name": "Ozols", "email": "janis@example.lv", "country": "LV"},
        "line_items": [{"product_id": 22, "quantity": 1}]
    }))
    .unwrap()["id"]
        .as_u64()
        .unwrap();
    let deleted = reqwest::Client::new()
        .delete(format!(
            "{}/wp-json/wc/v3/webhooks/{}?force=true",
            w.woo.base_url(),
            hooks[0].id
        ))
        .basic_auth(w.woo.consumer_key(), Some(w.woo.consumer_secret()))
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());

    // Back up: no one calls the reconciler, the start does.
    let host = Host::start(restart).await.unwrap();
    let app = host.app.clone();
    w.app = app.clone();
    w.host = Some(host);
    let start = std::time::Instant::now();
    loop {
        let ch = app.repo.get_channel(CHANNEL).await.unwrap().unwrap();
        let recreated = ch.timeline.iter().any(|e| e.kind == "webhook_recreated");
        let caught_up = app
            .repo
            .get_order(CHANNEL, &order.to_string())
            .await
            .unwrap()
            .is_some();
        if recreated && caught_up {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "reconciled at start: webhook recreated {recreated}, order caught up {caught_up}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    w.stop().await;
}
