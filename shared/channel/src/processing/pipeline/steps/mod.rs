//! The steps of the state machine, one file each, in the order they run:
//! create the document, check its total (with the rounding policy),
//! approve it, add the payment, e-mail it; before them, once a document
//! exists, what changed in the shop since ([`changed`]); after them, the
//! credit notes that became due ([`credit`]), through the same calls.

mod approve;
mod changed;
mod check_total;
mod create;
mod credit;
mod email;
mod pay;
