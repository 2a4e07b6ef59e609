//! How long each console page takes with 10,000 orders in the inbox, on
//! `local`'s host (embedded store): every page well under 300 ms, the
//! inbox paginated and its counts read from the status listings. Prints
//! the figures (`cargo test -p tests --test console -- --nocapture speed`).

use std::time::{Duration, Instant};

use channel::model::OrderStatus;
use reqwest::StatusCode;
use rust_decimal_macros::dec;

use super::{order, world, Browser};

/// Orders in the inbox.
const ORDERS: u64 = 10_000;
/// Each page is loaded this many times; the median is the figure.
const LOADS: usize = 7;
/// The ceiling the issue sets for every page.
const CEILING: Duration = Duration::from_millis(300);

#[tokio::test]
async fn every_page_answers_within_300_ms_with_10000_orders() {
    let w = world().await;
    let ch = w.channel("c1", |_| {}).await.unwrap();
    let statuses = [
        OrderStatus::Done,
        OrderStatus::Done,
        OrderStatus::Done,
        OrderStatus::Failed,
        OrderStatus::NeedsReview,
        OrderStatus::Handled,
    ];
    let started = Instant::now();
    for chunk in (1..=ORDERS).collect::<Vec<_>>().chunks(500) {
        let writes = chunk.iter().map(|id| {
            let mut o = order(
                &ch,
                *id,
                statuses[(*id as usize) % statuses.len()],
                dec!(49.99),
                "Anna",
            );
            let repo = w.app.repo.clone();
            async move { repo.save_order(&mut o).await }
        });
        for result in futures::future::join_all(writes).await {
            result.expect("order stored");
        }
    }
    eprintln!(
        "stored {ORDERS} orders in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut b = Browser::signed_in(&w).await;
    let pages = [
        "/console/channels",
        "/console/channels/c1",
        "/console/channels/c1/orders",
        "/console/channels/c1/orders?status=failed",
        "/console/channels/c1/orders?q=5000",
        "/console/channels/c1/orders?q=nobody",
        "/console/channels/c1/orders/9999",
        "/console/channels/c1/settings",
        "/console/channels/c1/mappings",
        "/console/channels/c1/sync",
    ];
    let mut slowest = Duration::ZERO;
    println!("| console page, {ORDERS} orders in the inbox | median of {LOADS} | slowest |");
    for path in pages {
        let mut times = Vec::with_capacity(LOADS);
        for _ in 0..LOADS {
            let t = Instant::now();
            let page = b.get(path).await;
            times.push(t.elapsed());
            assert_eq!(page.status, StatusCode::OK, "{path}");
        }
        times.sort();
        let median = times[LOADS / 2];
        println!(
            "| `{path}` | {:.1} ms | {:.1} ms |",
            median.as_secs_f64() * 1e3,
            times[LOADS - 1].as_secs_f64() * 1e3
        );
        slowest = slowest.max(median);
    }
    let inbox = b.get("/console/channels/c1/orders").await;
    // Statuses cycle by id % 6 over 1..=10000: done for 0, 1, 2; failed for 3.
    assert!(
        inbox.body.contains("data-status=\"done\">5000<"),
        "done counted"
    );
    assert!(
        inbox.body.contains("data-status=\"failed\">1667<"),
        "failed counted"
    );
    assert!(slowest < CEILING, "slowest page median {slowest:?}");
    w.stop().await;
}
