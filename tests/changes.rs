//! Orders that change after their document: refunds, cancellations, edits,
//! orders leaving the shop (issue 14).

#[path = "changes/after_document.rs"]
mod after_document;
#[path = "changes/credit.rs"]
mod credit;
#[path = "changes/removal.rs"]
mod removal;
#[path = "changes/sandbox.rs"]
mod sandbox;
