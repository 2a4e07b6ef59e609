//! Orders that change after their document: refunds, cancellations, edits,
//! orders leaving the shop, the reissue of an edited order's invoice (issue 14).

#[path = "changes/after_document.rs"]
mod after_document;
#[path = "changes/credit.rs"]
mod credit;
#[path = "changes/reissue.rs"]
mod reissue;
#[path = "changes/removal.rs"]
mod removal;
#[path = "changes/sandbox.rs"]
mod sandbox;
