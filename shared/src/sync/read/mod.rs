//! Reading both sides into the planner's plain inputs: PayTraq's catalogue
//! as [`SourceItem`]s ([`source`]) and the shop's products and variations
//! as [`ShopItem`]s ([`shop`]). The conversions are pure functions; the
//! fetches around them only page.
//!
//! [`SourceItem`]: super::plan::SourceItem
//! [`ShopItem`]: super::plan::ShopItem

pub mod shop;
pub mod source;

pub use shop::{read_shop, shop_product, shop_variation, PRODUCT_FIELDS};
pub use source::{available, read_source, source_items, SourceQuery};

#[cfg(test)]
mod tests;
