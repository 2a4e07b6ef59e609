//! The `reconciler` binary: the schedule sample reconciles every active
//! channel and answers one report per channel; a shop it cannot reach is an
//! error in that channel's report, not a failed invocation.

use super::{event, invoke, Harness, CHANNEL};

#[tokio::test]
async fn reconciler_binary_reports_on_every_active_channel_of_the_table() {
    let h = Harness::new(&[]).await;
    h.demo_channel().await;
    let function = h.start("reconciler").await;
    let answer = invoke(&function, &event("schedule-reconcile.json")).await;
    let reports = answer.as_array().expect("a list of reports");
    assert_eq!(reports.len(), 1, "{answer}");
    assert_eq!(reports[0]["channel_id"], CHANNEL);
    assert!(
        reports[0]["error"].is_string(),
        "the unreachable shop is reported: {answer}"
    );
    assert!(!function.log().contains("ck_test") && !answer.to_string().contains("cs_test"));
}
