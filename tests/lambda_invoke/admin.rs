//! The `admin` binary: the IAM-authorised admin sample and the activation
//! callback (the sample's token, which this stack never issued, and a
//! token the product minted), as API Gateway HTTP API (payload v2) events.

use channel::model::{Channel, ChannelState};
use serde_json::Value;

use super::{event, http, Harness, CHANNEL, SHOP_URL};

#[tokio::test]
async fn admin_binary_lists_the_channels_of_the_table_to_the_iam_authorised_sample() {
    let h = Harness::new(&[]).await;
    h.demo_channel().await;
    let function = h.start("admin").await;
    let (status, body) = http(&function, &event("admin-list-channels.json")).await;
    assert_eq!(status, 200, "{body}");
    let list: Value = serde_json::from_str(&body).expect("JSON list");
    let ids: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, [CHANNEL]);
    assert!(
        !body.contains("pt-token") && !body.contains("ck_test"),
        "no secret in the answer"
    );
}

#[tokio::test]
async fn admin_binary_refuses_the_sample_callback_whose_token_it_never_issued() {
    let h = Harness::new(&[]).await;
    pending_channel(&h).await;
    let function = h.start("admin").await;
    let (status, _) = http(&function, &event("activation-callback.json")).await;
    assert_eq!(status, 401);
    let channel = h
        .app
        .repo
        .get_channel(CHANNEL)
        .await
        .expect("read")
        .expect("channel");
    assert_eq!(channel.state, ChannelState::Pending, "nothing changed");
}

#[tokio::test]
async fn admin_binary_redeems_an_issued_token_once_and_records_why_the_shop_was_refused() {
    let h = Harness::new(&[]).await;
    pending_channel(&h).await;
    let token = channel::admin::token::mint(&h.app, CHANNEL, chrono::Duration::hours(1))
        .await
        .expect("token stored in the table");
    let mut callback = event("activation-callback.json");
    let mut body: Value =
        serde_json::from_str(callback["body"].as_str().expect("body")).expect("JSON body");
    body["user_id"] = token.expose().into();
    let text = body.to_string();
    callback["headers"]["content-length"] = text.len().to_string().into();
    callback["body"] = text.into();
    let function = h.start("admin").await;
    let (status, answer) = http(&function, &callback).await;
    // The channel's shop is on loopback, which a deployed channel refuses:
    // the completion stops before any call, and the callback is not a 200
    // (so WooCommerce deletes the key it just made).
    assert_ne!(status, 200, "{answer}");
    assert_ne!(status, 401, "the issued token is accepted: {answer}");
    let channel = h
        .app
        .repo
        .get_channel(CHANNEL)
        .await
        .expect("read")
        .expect("channel");
    assert_eq!(channel.state, ChannelState::Pending);
    assert!(
        channel
            .timeline
            .iter()
            .any(|e| e.message.contains("127.0.0.1")
                || e.message.to_lowercase().contains("loopback")
                || e.message.to_lowercase().contains("address")),
        "the reason is on the channel's timeline: {:?}",
        channel.timeline
    );
    let (replay, _) = http(&function, &callback).await;
    assert_eq!(replay, 401, "a token is good once");
    assert!(
        !function.log().contains(token.expose()),
        "the token never reaches the log"
    );
}

/// A channel waiting for activation, as `POST /admin/channels` leaves it.
async fn pending_channel(h: &Harness) {
    let mut channel = Channel::new(
        CHANNEL.to_string(),
        "demo shop".to_string(),
        SHOP_URL.to_string(),
    );
    h.app
        .repo
        .save_channel(&mut channel)
        .await
        .expect("save channel");
}
