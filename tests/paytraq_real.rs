//! PayTraq as it really is: the product against real replies and a live
//! company (issue 13). Each module holds the tests of one part: the
//! sandbox's replies against the real ones, and `local paytraq-check`.

#[path = "paytraq_real/check.rs"]
mod check;
#[path = "paytraq_real/shape.rs"]
mod shape;
