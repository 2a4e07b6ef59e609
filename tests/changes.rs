//! Orders that change after their document: refunds, cancellations, edits (issue 14).

#[path = "changes/after_document.rs"]
mod after_document;
#[path = "changes/credit.rs"]
mod credit;
#[path = "changes/sandbox.rs"]
mod sandbox;
