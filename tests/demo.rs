//! `local demo` end to end, in process, with PayTraq's pacing lifted (the
//! `--fast` of CI): the same run a newcomer sees, and the same checks that
//! decide its exit code, asserted one by one so a failure says which.

use local::demo::{orders::Expect, run, DemoOptions};
use rust_decimal::Decimal;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_runs_end_to_end_and_every_check_passes() {
    let report = run(DemoOptions {
        fast: true,
        keep_running: false,
    })
    .await
    .unwrap();

    assert!(report.ok(), "{report}");
    assert_eq!(report.inbox.len(), 6, "{report}");
    let done: Vec<_> = report
        .inbox
        .iter()
        .filter(|r| r.expect == Expect::Done)
        .collect();
    assert_eq!(done.len(), 5);
    for row in &done {
        assert_eq!(row.status, "done", "{report}");
        assert!(row.order_total.is_some_and(|t| t > Decimal::ZERO));
        assert_eq!(
            row.document_total, row.order_total,
            "order {}",
            row.order_id
        );
        assert_eq!(row.payments, 1, "order {}", row.order_id);
        assert!(row.document_number.is_some());
    }
    let numbers: Vec<&str> = done
        .iter()
        .filter_map(|r| r.document_number.as_deref())
        .collect();
    assert_eq!(
        numbers.iter().filter(|n| n.starts_with("SO-")).count(),
        1,
        "one sales order: {numbers:?}"
    );

    let cheque = report
        .inbox
        .iter()
        .find(|r| r.expect == Expect::FailsOnPaymentMethod("cheque"))
        .unwrap();
    assert_eq!(cheque.status, "failed");
    assert!(cheque.reason.as_deref().unwrap().contains("cheque"));
    assert_eq!((cheque.document_id, cheque.payments), (None, 0));
    let cheque_notes = &report.notes[&cheque.order_id];
    assert!(
        cheque_notes.iter().any(|n| n.contains("cheque")),
        "{cheque_notes:?}"
    );

    for row in &done {
        let notes = &report.notes[&row.order_id];
        let number = row.document_number.as_deref().unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.contains(number) && n.contains("created")),
            "order {}: {notes:?}",
            row.order_id
        );
        assert_eq!(
            notes.iter().filter(|n| n.contains("payment of")).count(),
            1,
            "order {}: {notes:?}",
            row.order_id
        );
    }

    assert_eq!(report.sync_status, "succeeded");
    assert!(report.sync_updated() > 0, "{report}");
    assert_eq!(report.sync_counts["errors"], 0);
    assert!(
        report.sync_counts["updated_stock"].as_u64() > Some(0)
            && report.sync_counts["updated_price"].as_u64() > Some(0),
        "stock and prices both written: {}",
        report.sync_counts
    );
    assert!(report.paytraq_calls.values().sum::<u64>() > 0);
    assert_eq!(
        report.paytraq_calls.get("POST /api/sale").copied(),
        Some(5),
        "one document per mapped order: {:?}",
        report.paytraq_calls
    );
    assert!(report.woo_deliveries.get("order.created").copied() >= Some(6));
}
