//! Orders that change after their document: refunds, cancellations, edits (issue 14).

#[path = "changes/sandbox.rs"]
mod sandbox;
