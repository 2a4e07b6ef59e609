//! Orders that change after their document: refunds, cancellations, edits (issue 14).

#[path = "changes/after_document.rs"]
mod after_document;
#[path = "changes/removal.rs"]
mod removal;
#[path = "changes/sandbox.rs"]
mod sandbox;
