//! Order listing filters and pages, and the `_fields` parameter.

use chrono::{DateTime, Utc};

use crate::woocommerce::order::Order;

/// Filters of [`WooClient::list_orders`]. Dates are sent as GMT
/// (`dates_are_gmt=true`); `modified_*` needs WooCommerce 5.x or newer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderQuery {
    pub modified_after: Option<DateTime<Utc>>,
    pub modified_before: Option<DateTime<Utc>>,
    /// Created after.
    pub after: Option<DateTime<Utc>>,
    /// Created before.
    pub before: Option<DateTime<Utc>>,
    /// Statuses (`processing`, `on-hold`, ...); empty = WooCommerce's default (`any`).
    pub status: Vec<String>,
    /// `_fields`: only these top-level fields are returned (`id` is always added).
    pub fields: Vec<String>,
}

impl OrderQuery {
    /// Query parameters (without paging).
    pub(super) fn params(&self) -> Vec<(&'static str, String)> {
        let gmt = |d: &DateTime<Utc>| d.format("%Y-%m-%dT%H:%M:%S").to_string();
        let mut q: Vec<(&'static str, String)> =
            vec![("orderby", "id".into()), ("order", "asc".into())];
        let dates = [
            ("modified_after", &self.modified_after),
            ("modified_before", &self.modified_before),
            ("after", &self.after),
            ("before", &self.before),
        ];
        let mut any_date = false;
        for (name, value) in dates {
            if let Some(d) = value {
                q.push((name, gmt(d)));
                any_date = true;
            }
        }
        if any_date {
            q.push(("dates_are_gmt", "true".into()));
        }
        if !self.status.is_empty() {
            q.push(("status", self.status.join(",")));
        }
        if let Some(fields) = fields_param(&self.fields) {
            q.push(("_fields", fields));
        }
        q
    }
}

/// One page of orders.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderPage {
    pub orders: Vec<Order>,
    /// `X-WP-TotalPages`, when the server sent it.
    pub total_pages: Option<u64>,
    /// No page follows this one.
    pub is_last: bool,
}

/// `_fields` value with `id` always present; `None` for no fields.
pub(super) fn fields_param(fields: &[String]) -> Option<String> {
    if fields.is_empty() {
        return None;
    }
    let mut all: Vec<&str> = vec!["id"];
    all.extend(fields.iter().map(String::as_str).filter(|f| *f != "id"));
    Some(all.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_always_include_id() {
        assert_eq!(fields_param(&[]), None);
        assert_eq!(
            fields_param(&["sku".into(), "id".into()]).as_deref(),
            Some("id,sku")
        );
    }
}
