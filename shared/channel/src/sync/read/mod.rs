//! Reading both sides into the planner's plain inputs: PayTraq's catalogue
//! as [`SourceItem`]s ([`source`]) and the shop's SKU index as
//! [`ShopItem`]s ([`shop`]). The PayTraq list and the shop's product pages
//! are read at the same time; the shop's SKU lookups need PayTraq's SKUs and
//! come after both.

pub mod shop;
pub mod source;

pub use shop::{
    lookup_batches, read_shop, shop_found_variation, shop_product, shop_variation, ShopIndex,
    LOOKUP_FIELDS, LOOKUP_MAX_QUERY_BYTES, LOOKUP_SKUS, PRODUCT_FIELDS,
};
pub use source::{available, read_source, source_items, SourceQuery};

use crate::accounting::Accounting;
use crate::shop::Shop;
use crate::{Error, Result};

use super::plan::{ShopItem, SourceItem};

/// Reads PayTraq and the shop's product pages concurrently, then completes
/// the shop's index with lookups of PayTraq's SKUs (and the variation
/// listings still needed), `concurrency` requests at a time.
pub async fn read_both(
    pt: &dyn Accounting,
    woo: &dyn Shop,
    query: SourceQuery,
    concurrency: usize,
) -> Result<(Vec<SourceItem>, Vec<ShopItem>)> {
    let (source, products) = tokio::try_join!(
        async { read_source(pt, query).await.map_err(Error::from) },
        async { woo.list_products(PRODUCT_FIELDS).await.map_err(Error::from) },
    )?;
    let shop = read_shop(woo, products, &source, concurrency).await?;
    Ok((source, shop))
}

#[cfg(test)]
mod tests;
