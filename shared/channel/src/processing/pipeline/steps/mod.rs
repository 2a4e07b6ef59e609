//! The steps of the state machine, one file each, in the order they run:
//! create the document, check its total (with the rounding policy),
//! approve it, add the payment, e-mail it; before them, once a document
//! exists, what changed in the shop since ([`changed`]).

mod approve;
mod changed;
mod check_total;
mod create;
mod email;
mod pay;
