//! Call counting of the WooCommerce client: one counter per endpoint kind,
//! shared by all clones of a client (for benchmarks and tests).

use std::sync::atomic::{AtomicU64, Ordering};

/// The kind of endpoint a request went to (for call counting).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Orders,
    OrderNotes,
    Products,
    Variations,
    Taxes,
    PaymentGateways,
    Settings,
    SystemStatus,
    Webhooks,
}

impl Endpoint {
    const ALL: [Endpoint; 9] = [
        Endpoint::Orders,
        Endpoint::OrderNotes,
        Endpoint::Products,
        Endpoint::Variations,
        Endpoint::Taxes,
        Endpoint::PaymentGateways,
        Endpoint::Settings,
        Endpoint::SystemStatus,
        Endpoint::Webhooks,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// HTTP requests sent per endpoint kind (failed ones included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallStats {
    pub orders: u64,
    pub order_notes: u64,
    pub products: u64,
    pub variations: u64,
    pub taxes: u64,
    pub payment_gateways: u64,
    pub settings: u64,
    pub system_status: u64,
    pub webhooks: u64,
}

impl CallStats {
    pub fn get(&self, endpoint: Endpoint) -> u64 {
        match endpoint {
            Endpoint::Orders => self.orders,
            Endpoint::OrderNotes => self.order_notes,
            Endpoint::Products => self.products,
            Endpoint::Variations => self.variations,
            Endpoint::Taxes => self.taxes,
            Endpoint::PaymentGateways => self.payment_gateways,
            Endpoint::Settings => self.settings,
            Endpoint::SystemStatus => self.system_status,
            Endpoint::Webhooks => self.webhooks,
        }
    }

    pub fn total(&self) -> u64 {
        Endpoint::ALL.iter().map(|e| self.get(*e)).sum()
    }
}

#[derive(Default)]
pub(super) struct Counters([AtomicU64; 9]);

impl Counters {
    pub(super) fn bump(&self, endpoint: Endpoint) {
        self.0[endpoint.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn snapshot(&self) -> CallStats {
        let n = |e: Endpoint| self.0[e.index()].load(Ordering::Relaxed);
        CallStats {
            orders: n(Endpoint::Orders),
            order_notes: n(Endpoint::OrderNotes),
            products: n(Endpoint::Products),
            variations: n(Endpoint::Variations),
            taxes: n(Endpoint::Taxes),
            payment_gateways: n(Endpoint::PaymentGateways),
            settings: n(Endpoint::Settings),
            system_status: n(Endpoint::SystemStatus),
            webhooks: n(Endpoint::Webhooks),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_stats_total() {
        let c = Counters::default();
        c.bump(Endpoint::Orders);
        c.bump(Endpoint::Products);
        c.bump(Endpoint::Products);
        let s = c.snapshot();
        assert_eq!((s.orders, s.products, s.total()), (1, 2, 3));
        assert_eq!(s.get(Endpoint::Products), 2);
    }
}
