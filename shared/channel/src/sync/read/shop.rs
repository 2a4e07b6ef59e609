//! The WooCommerce side: the shop's SKU index. The product pages give every
//! product (variations are not listed there); the PayTraq SKUs that matched
//! no product are then looked up with `GET /products?sku=A,B,…`, which also
//! finds variations (`type: "variation"`, `parent_id`); only a variable
//! parent whose variations were not all found that way has its variations
//! listed (so variations without a SKU, with a SKU PayTraq does not know,
//! parent-managed or unmanaged ones are still seen and reported).
//!
//! [`ShopIndex`] holds the bookkeeping (pure, unit-tested); [`read_shop`]
//! does the requests around it.

use std::collections::{BTreeSet, HashSet};

use futures::{StreamExt, TryStreamExt};

use crate::shop::Shop;
use crate::sync::plan::{ShopItem, SourceItem, Stock, Target};
use crate::woocommerce::catalog::{ManageStock, Product, Variation};
use crate::woocommerce::WooError;

/// The product fields the sync reads from the product pages (`_fields`).
pub const PRODUCT_FIELDS: &[&str] = &[
    "id",
    "type",
    "sku",
    "manage_stock",
    "stock_quantity",
    "regular_price",
    "variations",
];

/// The fields of a SKU lookup: those of the pages plus `parent_id`.
pub const LOOKUP_FIELDS: &[&str] = &[
    "id",
    "type",
    "sku",
    "parent_id",
    "manage_stock",
    "stock_quantity",
    "regular_price",
    "variations",
];

/// SKUs per lookup request (WooCommerce's page size, so one page answers it).
pub const LOOKUP_SKUS: usize = 100;

/// Upper bound of the URL-encoded `sku` parameter of one lookup, so long
/// SKUs do not push the request line past common server limits (8 KiB).
pub const LOOKUP_MAX_QUERY_BYTES: usize = 4_000;

/// The lookups for `skus`: at most [`LOOKUP_SKUS`] SKUs (and
/// [`LOOKUP_MAX_QUERY_BYTES`] encoded bytes) each. WooCommerce splits the
/// `sku` parameter on commas, so a SKU containing one is looked up alone
/// (WooCommerce also matches the whole parameter as one SKU).
pub fn lookup_batches<'a>(skus: impl IntoIterator<Item = &'a str>) -> Vec<Vec<&'a str>> {
    // A comma between two SKUs goes out as `%2C`.
    const SEPARATOR: usize = 3;
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut bytes = 0;
    for sku in skus {
        if sku.contains(',') {
            out.push(vec![sku]);
            continue;
        }
        let size: usize = url::form_urlencoded::byte_serialize(sku.as_bytes())
            .map(str::len)
            .sum();
        let full = current.len() == LOOKUP_SKUS
            || (!current.is_empty() && bytes + SEPARATOR + size > LOOKUP_MAX_QUERY_BYTES);
        if full {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += if current.is_empty() {
            size
        } else {
            SEPARATOR + size
        };
        current.push(sku);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The shop's items as they are found, each id once.
#[derive(Debug, Default)]
pub struct ShopIndex {
    items: Vec<ShopItem>,
    ids: HashSet<u64>,
    /// Trimmed, non-empty SKUs of the products of the pages.
    product_skus: HashSet<String>,
    /// Variable parents of the pages with their `variations` ids.
    parents: Vec<(u64, Vec<u64>)>,
}

impl ShopIndex {
    /// Indexes the products of the product pages.
    pub fn from_products(products: Vec<Product>) -> Self {
        let mut index = Self::default();
        for p in products {
            index.push(shop_product(&p));
            if let Some(sku) = trimmed(p.sku.as_deref()) {
                index.product_skus.insert(sku.to_owned());
            }
            if p.kind == "variable" && !p.variations.is_empty() {
                index.parents.push((p.id, p.variations));
            }
        }
        index
    }

    /// The SKUs of `source` that no product of the pages has: sorted, once each.
    pub fn unmatched<'a>(&self, source: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        source
            .into_iter()
            .filter_map(|s| trimmed(Some(s)))
            .filter(|s| !self.product_skus.contains(*s))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// Indexes what SKU lookups returned: variations under their parent,
    /// anything else (a product added since the pages were read) as a
    /// product. Ids already indexed are skipped. A variation without a
    /// parent id cannot be written and is left out.
    pub fn add_found(&mut self, found: impl IntoIterator<Item = Product>) {
        for p in found {
            if p.kind != "variation" {
                self.push(shop_product(&p));
            } else if p.parent_id != 0 {
                self.push(shop_found_variation(&p));
            } else {
                tracing::warn!(
                    id = p.id,
                    "SKU lookup returned a variation without parent_id; ignored"
                );
            }
        }
    }

    /// Variable parents with fewer of their variations indexed than they
    /// have: their variations must be listed.
    pub fn parents_to_list(&self) -> Vec<u64> {
        self.parents
            .iter()
            .filter(|(_, vars)| vars.iter().filter(|v| self.ids.contains(v)).count() < vars.len())
            .map(|(id, _)| *id)
            .collect()
    }

    /// Indexes a listing of `parent`'s variations (ids already indexed are skipped).
    pub fn add_variations(&mut self, parent: u64, variations: impl IntoIterator<Item = Variation>) {
        for v in variations {
            self.push(shop_variation(&v, parent));
        }
    }

    pub fn into_items(self) -> Vec<ShopItem> {
        self.items
    }

    fn push(&mut self, item: ShopItem) {
        if self.ids.insert(item.target.id()) {
            self.items.push(item);
        }
    }
}

/// Reads the shop's SKU index from the product pages already read
/// (`products`, with [`PRODUCT_FIELDS`]) and PayTraq's items: lookups of
/// the SKUs no product has, then the listings still needed; `concurrency`
/// requests at a time.
pub async fn read_shop(
    woo: &dyn Shop,
    products: Vec<Product>,
    source: &[SourceItem],
    concurrency: usize,
) -> Result<Vec<ShopItem>, WooError> {
    let concurrency = concurrency.max(1);
    let mut index = ShopIndex::from_products(products);
    // Owned SKUs: the request futures then borrow nothing but the client.
    let batches: Vec<Vec<String>> =
        lookup_batches(index.unmatched(source.iter().map(|s| s.sku.as_str())))
            .into_iter()
            .map(|b| b.into_iter().map(str::to_owned).collect())
            .collect();
    let found: Vec<Vec<Product>> = futures::stream::iter(batches)
        .map(|skus| async move {
            let skus: Vec<&str> = skus.iter().map(String::as_str).collect();
            woo.products_by_sku(&skus, LOOKUP_FIELDS).await
        })
        .buffered(concurrency)
        .try_collect()
        .await?;
    index.add_found(found.into_iter().flatten());
    let listed: Vec<(u64, Vec<Variation>)> = futures::stream::iter(index.parents_to_list())
        .map(|parent| async move { woo.list_variations(parent).await.map(|v| (parent, v)) })
        .buffered(concurrency)
        .try_collect()
        .await?;
    for (parent, variations) in listed {
        index.add_variations(parent, variations);
    }
    Ok(index.into_items())
}

fn trimmed(sku: Option<&str>) -> Option<&str> {
    sku.map(str::trim).filter(|s| !s.is_empty())
}

fn stock_of(m: ManageStock) -> Stock {
    match m {
        ManageStock::Yes => Stock::Managed,
        ManageStock::Parent => Stock::Parent,
        ManageStock::No => Stock::Unmanaged,
    }
}

/// A product of `GET /products` as a SKU index entry.
pub fn shop_product(p: &Product) -> ShopItem {
    ShopItem {
        target: Target::Product { id: p.id },
        sku: p.sku.clone(),
        stock: stock_of(p.manage_stock),
        stock_quantity: p.stock_quantity,
        regular_price: p.regular_price,
        has_price: matches!(p.kind.as_str(), "simple" | "external" | ""),
    }
}

/// A variation found by a SKU lookup (`type: "variation"`) as a SKU index entry.
pub fn shop_found_variation(p: &Product) -> ShopItem {
    ShopItem {
        target: Target::Variation {
            parent_id: p.parent_id,
            id: p.id,
        },
        sku: p.sku.clone(),
        stock: stock_of(p.manage_stock),
        stock_quantity: p.stock_quantity,
        regular_price: p.regular_price,
        has_price: true,
    }
}

/// A variation of `parent_id` (from its listing) as a SKU index entry.
pub fn shop_variation(v: &Variation, parent_id: u64) -> ShopItem {
    ShopItem {
        target: Target::Variation {
            parent_id,
            id: v.id,
        },
        sku: v.sku.clone(),
        stock: stock_of(v.manage_stock),
        stock_quantity: v.stock_quantity,
        regular_price: v.regular_price,
        has_price: true,
    }
}
