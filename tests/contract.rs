//! One contract suite for every port, run against both implementations:
//! the embedded ones `local` uses and the AWS ones (DynamoDB, Secrets
//! Manager, SQS FIFO) against the moto emulator through the real SDK.

use std::time::Duration;

use channel::model::*;
use channel::queue::Message;
use channel::secrets::{ChannelSecrets, Secret};
use channel::store::{Direction, Repo, StoreError};
use chrono::{TimeZone, Utc};
use rust_decimal_macros::dec;
use testkit::Backends;

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod embedded {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() { super::$case(testkit::embedded()).await }
            )*
        }
        mod aws {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() { super::$case(testkit::aws().await).await }
            )*
        }
    };
}

contract!(
    inbox_insert_if_absent,
    inbox_upsert_ignores_older_payload,
    transition_with_stale_version_fails,
    list_inbox_by_status_with_paging,
    inbox_lists_newest_first_and_counts_per_status,
    console_sessions_round_trip_and_end,
    channel_settings_and_mappings_round_trip,
    activation_token_is_single_use,
    sync_runs_list_in_order,
    pending_orders_are_listed_until_enqueued,
    secret_put_get_rotate_delete,
    queue_keeps_per_channel_order,
    queue_redelivers_unacknowledged_message,
    queue_drops_duplicate_sends,
);

fn order(channel: &str, id: u64, modified_minute: u32) -> InboxOrder {
    let modified = Utc
        .with_ymd_and_hms(2026, 11, 28, 10, modified_minute, 0)
        .unwrap();
    InboxOrder {
        channel_id: channel.to_string(),
        key: id.to_string(),
        order_id: Some(id),
        modified_gmt: Some(modified),
        payload: format!(r#"{{"id":{id},"minute":{modified_minute}}}"#),
        summary: Some(OrderSummary {
            number: id.to_string(),
            wc_status: "processing".into(),
            currency: "EUR".into(),
            total: dec!(12.10),
            payment_method: "bacs".into(),
            billing_email: Some("buyer@example.lv".into()),
            date_created_gmt: Some(modified),
            date_paid_gmt: None,
            refunded: dec!(0),
            items: vec![("A".into(), dec!(1))],
        }),
        status: OrderStatus::Received,
        reason: None,
        paytraq: PaytraqIds::default(),
        effect_in_doubt: None,
        notes_sent: Vec::new(),
        timeline: vec![TimelineEvent::now("received", "webhook order.created")],
        pending_since: None,
        removed_in_shop: None,
        received_at: Utc::now(),
        updated_at: Utc::now(),
        version: 0,
    }
}

fn channel(id: &str) -> Channel {
    Channel {
        created_at: Utc::now(),
        updated_at: Utc::now(),
        ..Channel::new(id.to_string(), "Rīgas veikals", "https://shop.example.lv")
    }
}

async fn inbox_insert_if_absent(b: Backends) {
    let repo = Repo::new(b.store);
    let first = repo.upsert_order(order("c1", 42, 0)).await.unwrap();
    assert!(matches!(first, UpsertOutcome::Inserted(_)));
    assert_eq!(first.order().version, 1);
    // The same payload again (the identical order.updated that follows every order.created).
    let again = repo.upsert_order(order("c1", 42, 0)).await.unwrap();
    assert!(matches!(again, UpsertOutcome::Unchanged(_)), "{again:?}");
    let stored = repo.get_order("c1", "42").await.unwrap().unwrap();
    assert_eq!(stored.version, 1);
    assert_eq!(stored.summary.unwrap().total, dec!(12.10));
    assert!(
        repo.get_order("c2", "42").await.unwrap().is_none(),
        "orders are per channel"
    );
}

async fn inbox_upsert_ignores_older_payload(b: Backends) {
    let repo = Repo::new(b.store);
    repo.upsert_order(order("c1", 7, 5)).await.unwrap();
    // Processing moves the order on; a newer payload must keep that state.
    let mut stored = repo.get_order("c1", "7").await.unwrap().unwrap();
    stored.status = OrderStatus::DocumentCreated;
    stored.paytraq.document_id = Some(901);
    repo.save_order(&mut stored).await.unwrap();

    let older = repo.upsert_order(order("c1", 7, 1)).await.unwrap();
    assert!(matches!(older, UpsertOutcome::Unchanged(_)));
    assert!(repo
        .get_order("c1", "7")
        .await
        .unwrap()
        .unwrap()
        .payload
        .contains("\"minute\":5"));

    // Same second, different content (paid right after checkout): a change.
    let mut same_second = order("c1", 7, 5);
    same_second.summary.as_mut().unwrap().wc_status = "completed".into();
    assert!(matches!(
        repo.upsert_order(same_second).await.unwrap(),
        UpsertOutcome::Updated(_)
    ));

    let newer = repo.upsert_order(order("c1", 7, 9)).await.unwrap();
    assert!(matches!(newer, UpsertOutcome::Updated(_)));
    let stored = repo.get_order("c1", "7").await.unwrap().unwrap();
    assert!(stored.payload.contains("\"minute\":9"));
    assert_eq!(
        stored.status,
        OrderStatus::DocumentCreated,
        "state survives a payload update"
    );
    assert_eq!(stored.paytraq.document_id, Some(901));
    assert!(
        stored.pending_since.is_some(),
        "a changed order must be enqueued again"
    );
}

async fn transition_with_stale_version_fails(b: Backends) {
    let repo = Repo::new(b.store);
    repo.upsert_order(order("c1", 1, 0)).await.unwrap();
    let mut worker_a = repo.get_order("c1", "1").await.unwrap().unwrap();
    let mut worker_b = worker_a.clone();
    worker_a.status = OrderStatus::DocumentCreated;
    repo.save_order(&mut worker_a).await.unwrap();
    worker_b.status = OrderStatus::Failed;
    let err = repo.save_order(&mut worker_b).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let stored = repo.get_order("c1", "1").await.unwrap().unwrap();
    assert_eq!(stored.status, OrderStatus::DocumentCreated);
    assert_eq!(stored.version, 2);

    // Channels are guarded the same way.
    let mut ch = channel("c1");
    repo.save_channel(&mut ch).await.unwrap();
    let mut stale = ch.clone();
    ch.name = "new".into();
    repo.save_channel(&mut ch).await.unwrap();
    stale.name = "stale".into();
    assert!(matches!(
        repo.save_channel(&mut stale).await,
        Err(StoreError::Conflict(_))
    ));
    // Creating a record that already exists is a conflict too.
    let mut dup = channel("c1");
    assert!(matches!(
        repo.save_channel(&mut dup).await,
        Err(StoreError::Conflict(_))
    ));
}

async fn list_inbox_by_status_with_paging(b: Backends) {
    let repo = Repo::new(b.store);
    for id in 1..=25u64 {
        let mut o = repo
            .upsert_order(order("c1", id, 0))
            .await
            .unwrap()
            .order()
            .clone();
        if id % 5 == 0 {
            o.status = OrderStatus::NeedsReview;
            repo.save_order(&mut o).await.unwrap();
        }
    }
    repo.upsert_order(order("other", 99, 0)).await.unwrap();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = repo
            .list_orders("c1", Some(OrderStatus::Received), cursor.as_deref(), 7)
            .await
            .unwrap();
        pages += 1;
        assert!(page.items.len() <= 7);
        seen.extend(page.items.iter().map(|o| o.order_id.unwrap()));
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    let expected: Vec<u64> = (1..=25).filter(|id| id % 5 != 0).collect();
    assert_eq!(seen, expected, "numeric order, every order once");
    assert!(pages >= 3);

    let review = repo
        .list_orders("c1", Some(OrderStatus::NeedsReview), None, 100)
        .await
        .unwrap();
    assert_eq!(
        review
            .items
            .iter()
            .map(|o| o.order_id.unwrap())
            .collect::<Vec<_>>(),
        vec![5, 10, 15, 20, 25]
    );
    let all = repo.list_orders("c1", None, None, 100).await.unwrap();
    assert_eq!(all.items.len(), 25);
}

/// What the console's inbox asks the store for: newest first (both with
/// and without a status, across pages) and counts per status read from the
/// status listing, capped.
async fn inbox_lists_newest_first_and_counts_per_status(b: Backends) {
    let repo = Repo::new(b.store);
    for id in 1..=12u64 {
        let mut o = repo
            .upsert_order(order("c1", id, 0))
            .await
            .unwrap()
            .order()
            .clone();
        if id % 4 == 0 {
            o.status = OrderStatus::Failed;
            repo.save_order(&mut o).await.unwrap();
        }
    }
    repo.upsert_order(order("other", 99, 0)).await.unwrap();
    for status in [None, Some(OrderStatus::Received)] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = repo
                .list_orders_in("c1", status, Direction::Descending, cursor.as_deref(), 5)
                .await
                .unwrap();
            assert!(page.items.len() <= 5);
            seen.extend(page.items.iter().map(|o| o.order_id.unwrap()));
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        let expected: Vec<u64> = (1..=12)
            .rev()
            .filter(|id| status.is_none() || id % 4 != 0)
            .collect();
        assert_eq!(seen, expected, "{status:?}: newest first, every order once");
    }
    assert_eq!(
        repo.count_orders("c1", OrderStatus::Received, 100)
            .await
            .unwrap(),
        9
    );
    assert_eq!(
        repo.count_orders("c1", OrderStatus::Failed, 100)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        repo.count_orders("c1", OrderStatus::Done, 100)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        repo.count_orders("c1", OrderStatus::Received, 4)
            .await
            .unwrap(),
        4,
        "capped"
    );
}

/// A console session is found by its id hash until it ends or expires.
async fn console_sessions_round_trip_and_end(b: Backends) {
    let repo = Repo::new(b.store);
    let now = Utc::now();
    let mut live = ConsoleSession {
        id_hash: "a".repeat(64),
        user: "accountant@example.lv".into(),
        created_at: now,
        expires_at: now + chrono::Duration::hours(8),
        version: 0,
    };
    repo.put_session(&mut live).await.unwrap();
    let mut old = ConsoleSession {
        id_hash: "b".repeat(64),
        expires_at: now - chrono::Duration::minutes(1),
        ..live.clone()
    };
    old.version = 0;
    repo.put_session(&mut old).await.unwrap();
    let got = repo.get_session(&live.id_hash).await.unwrap().unwrap();
    assert_eq!(got.user, "accountant@example.lv");
    assert!(
        repo.get_session(&old.id_hash).await.unwrap().is_none(),
        "expired"
    );
    repo.delete_session(&live.id_hash).await.unwrap();
    assert!(repo.get_session(&live.id_hash).await.unwrap().is_none());
    repo.delete_session(&live.id_hash).await.unwrap();
}

async fn channel_settings_and_mappings_round_trip(b: Backends) {
    let repo = Repo::new(b.store);
    let mut ch = channel("shop-1");
    ch.settings.document_type = DocumentType::SalesOrder;
    ch.settings.operation = Operation::SellServices;
    ch.settings.approve = true;
    ch.settings.add_payment = true;
    ch.settings.warehouse_id = Some("3".parse().unwrap());
    ch.settings.rounding = RoundingPolicy::Adjust { max: dec!(0.05) };
    ch.tax_map
        .insert("4".parse().unwrap(), "21".parse().unwrap());
    ch.tax_map
        .insert("5".parse().unwrap(), "12".parse().unwrap());
    ch.payment_map
        .insert("bacs".parse().unwrap(), "77".parse().unwrap());
    ch.webhooks.push(WebhookRef {
        id: 12,
        topic: "order.created".into(),
    });
    repo.save_channel(&mut ch).await.unwrap();
    let mut other = channel("shop-2");
    repo.save_channel(&mut other).await.unwrap();

    let loaded = repo.get_channel("shop-1").await.unwrap().unwrap();
    assert_eq!(loaded, ch);
    assert_eq!(
        loaded.settings.rounding,
        RoundingPolicy::Adjust { max: dec!(0.05) }
    );
    let ids: Vec<String> = repo
        .all_channels()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, vec!["shop-1".to_string(), "shop-2".to_string()]);
    assert!(repo.get_channel("missing").await.unwrap().is_none());
}

async fn activation_token_is_single_use(b: Backends) {
    let repo = Repo::new(b.store);
    let mut live = ActivationToken {
        token_hash: "abc".into(),
        channel_id: "c1".into(),
        expires_at: Utc::now() + chrono::Duration::minutes(10),
        version: 0,
    };
    repo.put_token(&mut live).await.unwrap();
    assert_eq!(
        repo.take_token("abc").await.unwrap().unwrap().channel_id,
        "c1"
    );
    assert!(
        repo.take_token("abc").await.unwrap().is_none(),
        "a token works once"
    );

    let mut expired = ActivationToken {
        token_hash: "old".into(),
        channel_id: "c1".into(),
        expires_at: Utc::now() - chrono::Duration::minutes(1),
        version: 0,
    };
    repo.put_token(&mut expired).await.unwrap();
    assert!(
        repo.take_token("old").await.unwrap().is_none(),
        "an expired token is refused"
    );
}

async fn sync_runs_list_in_order(b: Backends) {
    let repo = Repo::new(b.store);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let mut run = SyncRun {
            channel_id: "c1".into(),
            run_id: uuid::Uuid::now_v7().to_string(),
            status: SyncStatus::Queued,
            dry_run: false,
            force: false,
            checkpoint: None,
            report: None,
            error: None,
            lease_until: None,
            started_at: Utc::now(),
            finished_at: None,
            version: 0,
        };
        repo.save_sync_run(&mut run).await.unwrap();
        ids.push(run.run_id.clone());
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let mut run = repo.get_sync_run("c1", &ids[1]).await.unwrap().unwrap();
    run.status = SyncStatus::Running;
    run.checkpoint = Some(serde_json::json!({"written": ["SKU-1"]}));
    repo.save_sync_run(&mut run).await.unwrap();
    let listed = repo.list_sync_runs("c1", None, 10).await.unwrap();
    assert_eq!(
        listed
            .items
            .iter()
            .map(|r| r.run_id.clone())
            .collect::<Vec<_>>(),
        ids
    );
    assert_eq!(listed.items[1].status, SyncStatus::Running);
    assert_eq!(
        listed.items[1].checkpoint,
        Some(serde_json::json!({"written": ["SKU-1"]}))
    );
}

async fn pending_orders_are_listed_until_enqueued(b: Backends) {
    let repo = Repo::new(b.store);
    for id in 1..=3 {
        repo.upsert_order(order("c1", id, 0)).await.unwrap();
    }
    let later = Utc::now() + chrono::Duration::seconds(1);
    let pending = repo.list_pending("c1", later, 100).await.unwrap();
    assert_eq!(pending.len(), 3);
    assert!(repo
        .list_pending("c1", Utc::now() - chrono::Duration::hours(1), 100)
        .await
        .unwrap()
        .is_empty());
    repo.mark_enqueued(pending[0].clone()).await.unwrap();
    let pending = repo.list_pending("c1", later, 100).await.unwrap();
    assert_eq!(
        pending.iter().map(|o| o.key.clone()).collect::<Vec<_>>(),
        vec!["2", "3"]
    );
}

async fn secret_put_get_rotate_delete(b: Backends) {
    let secrets = b.secrets;
    assert!(secrets.get("c1").await.unwrap().is_none());
    let first = ChannelSecrets {
        woo_consumer_key: Some(Secret::new("ck_1")),
        woo_consumer_secret: Some(Secret::new("cs_1")),
        webhook_secret: Some(Secret::new("whsec_1")),
        webhook_secret_previous: None,
        paytraq_api_key: Some(Secret::new("key")),
        paytraq_api_token: Some(Secret::new("token")),
    };
    secrets.put("c1", &first).await.unwrap();
    assert_eq!(secrets.get("c1").await.unwrap(), Some(first.clone()));
    let rotated = ChannelSecrets {
        webhook_secret: Some(Secret::new("whsec_2")),
        ..first.clone()
    };
    secrets.put("c1", &rotated).await.unwrap();
    assert_eq!(secrets.get("c1").await.unwrap(), Some(rotated));
    assert!(secrets.get("c2").await.unwrap().is_none());
    secrets.delete("c1").await.unwrap();
    assert!(secrets.get("c1").await.unwrap().is_none());
    // A channel activated again after removal gets its secret back.
    secrets.put("c1", &first).await.unwrap();
    assert_eq!(secrets.get("c1").await.unwrap(), Some(first.clone()));
    assert!(
        !format!("{first:?}").contains("cs_1"),
        "debug output hides secrets"
    );
}

fn msg(group: &str, n: u32) -> Message {
    Message {
        group: group.into(),
        dedup_id: format!("{group}-{n}"),
        body: format!("{group}:{n}"),
    }
}

async fn queue_keeps_per_channel_order(b: Backends) {
    let q = b.queue;
    for n in 1..=3 {
        q.send(msg("a", n)).await.unwrap();
        q.send(msg("b", n)).await.unwrap();
    }
    // While a group has a message in flight, its next message waits.
    let first = q.receive(1, Duration::from_secs(1)).await.unwrap();
    assert_eq!(first.len(), 1);
    let group = first[0].message.group.clone();
    let mut got: Vec<String> = vec![first[0].message.body.clone()];
    let others = q.receive(10, Duration::from_secs(1)).await.unwrap();
    assert!(
        others.iter().all(|d| d.message.group != group),
        "group {group} delivered again while in flight: {others:?}"
    );
    for d in &others {
        got.push(d.message.body.clone());
        q.ack(&d.receipt).await.unwrap();
    }
    q.ack(&first[0].receipt).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while got.len() < 6 && std::time::Instant::now() < deadline {
        for d in q.receive(10, Duration::from_secs(1)).await.unwrap() {
            got.push(d.message.body.clone());
            q.ack(&d.receipt).await.unwrap();
        }
    }
    for g in ["a", "b"] {
        let seq: Vec<&String> = got.iter().filter(|s| s.starts_with(g)).collect();
        assert_eq!(
            seq,
            vec![&format!("{g}:1"), &format!("{g}:2"), &format!("{g}:3")],
            "all: {got:?}"
        );
    }
}

async fn queue_redelivers_unacknowledged_message(b: Backends) {
    let q = b.queue;
    q.send(msg("a", 1)).await.unwrap();
    let first = q.receive(1, Duration::from_secs(1)).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].receive_count, 1);
    // Not acknowledged: after the visibility timeout it comes back.
    let mut again = Vec::new();
    let deadline = std::time::Instant::now() + testkit::VISIBILITY * 6;
    while again.is_empty() && std::time::Instant::now() < deadline {
        again = q.receive(1, Duration::from_secs(1)).await.unwrap();
    }
    assert_eq!(again.len(), 1, "message was not redelivered");
    assert_eq!(again[0].message.body, "a:1");
    assert!(again[0].receive_count >= 2);
    // Released explicitly: it comes back at once.
    q.release(&again[0].receipt).await.unwrap();
    let third = q.receive(1, Duration::from_secs(2)).await.unwrap();
    assert_eq!(third.len(), 1);
    q.ack(&third[0].receipt).await.unwrap();
    assert!(q
        .receive(1, testkit::VISIBILITY + Duration::from_secs(1))
        .await
        .unwrap()
        .is_empty());
}

async fn queue_drops_duplicate_sends(b: Backends) {
    let q = b.queue;
    q.send(msg("a", 1)).await.unwrap();
    q.send(msg("a", 1)).await.unwrap();
    let got = q.receive(10, Duration::from_secs(1)).await.unwrap();
    assert_eq!(got.len(), 1);
    q.ack(&got[0].receipt).await.unwrap();
    assert!(q
        .receive(10, Duration::from_secs(1))
        .await
        .unwrap()
        .is_empty());
}

/// The DynamoDB adapter only: a large document is stored deflated (`docz`)
/// and read back whole, through `get` and through a keys-only index; and
/// the billing model the cost benchmark meters with sizes the very items
/// the adapter writes, by DynamoDB's rules, attribute by attribute.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_items_are_packed_and_sized_as_billed() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use channel::store::dynamodb::DynamoStore;
    use channel::store::{billing, Index, IndexEntry, Key, Record, RecordStore};

    let config = testkit::aws_config().await;
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    let table = format!("packed-{}", uuid::Uuid::new_v4().simple());
    DynamoStore::create_table(&ddb, &table).await.unwrap();
    let store = DynamoStore::new(ddb.clone(), table.clone());

    // An order-like JSON document of ~20 KB, and a small one.
    let line = r#"{"sku":"TS-01","name":"T-shirt \u00e9","quantity":2,"total":"12.40"},"#;
    let large = format!(r#"{{"lines":[{}{{}}]}}"#, line.repeat(300));
    let small = r#"{"id":1}"#.to_string();
    for (sk, doc, ttl) in [
        ("ORDER#1", &large, Some(4_102_444_800)),
        ("ORDER#2", &small, None),
    ] {
        let record = Record {
            key: Key::new("CH#p", sk),
            version: 0,
            doc: doc.clone(),
            indexes: vec![IndexEntry {
                index: Index::Listings,
                partition: "CH#p#S#done".into(),
                sort: format!("2026-11-30T10:00:00Z#{sk}"),
            }],
            expires_at: ttl,
        };
        let version = store.put(record.clone(), 0).await.unwrap();
        let stored = Record { version, ..record };

        let raw = ddb
            .get_item()
            .table_name(&table)
            .key("pk", AttributeValue::S("CH#p".into()))
            .key("sk", AttributeValue::S(sk.into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        let item = raw.item().expect("the item is stored");
        assert_eq!(item.contains_key("docz"), doc.len() > 1024, "{sk}");
        assert_eq!(item.contains_key("doc"), doc.len() <= 1024, "{sk}");
        let measured: u64 = item
            .iter()
            .map(|(name, value)| name.len() as u64 + attribute_bytes(value))
            .sum();
        assert_eq!(billing::item_bytes(&stored), measured, "{sk}");

        let got = store.get(&stored.key).await.unwrap().unwrap();
        assert_eq!(&got.doc, doc);
    }
    // Deflated, the 20 KB document bills as ~1 KB.
    assert!(large.len() > 20_000);

    // A keys-only index listing reads the records themselves.
    let page = store
        .query_index(
            Index::Listings,
            "CH#p#S#done",
            Direction::Ascending,
            None,
            10,
        )
        .await
        .unwrap();
    let docs: Vec<&str> = page.items.iter().map(|r| r.doc.as_str()).collect();
    assert_eq!(docs, vec![large.as_str(), small.as_str()]);
}

/// An attribute value's size by DynamoDB's rules: a string's or binary's
/// bytes; a number's significant digits / 2 + 1.
fn attribute_bytes(value: &aws_sdk_dynamodb::types::AttributeValue) -> u64 {
    use aws_sdk_dynamodb::types::AttributeValue;
    match value {
        AttributeValue::S(s) => s.len() as u64,
        AttributeValue::B(b) => b.as_ref().len() as u64,
        AttributeValue::N(n) => {
            let digits = n.trim_start_matches('-').trim_start_matches('0');
            let significant = digits.trim_end_matches('0').len().max(1) as u64;
            significant.div_ceil(2) + 1
        }
        other => panic!("the adapter writes no {other:?}"),
    }
}
