//! Call statistics of an HTTP client, shared by all its clones: per method
//! and route, the requests sent (every attempt counts), the retries, the 429
//! answers and the time spent on requests. Benchmarks and tests count what
//! a job costs with them; sync runs report them.
//!
//! A route is the client's own name for an endpoint: PayTraq's call names
//! (`get_sale`, see `paytraq/routes.rs`), WooCommerce's endpoint kinds
//! (`orders`, `products`, …).

use std::collections::BTreeMap;
use std::ops::AddAssign;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::Method;

/// One method on one route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallKey {
    pub route: &'static str,
    pub method: &'static str,
}

impl CallKey {
    pub fn new(method: &Method, route: &'static str) -> Self {
        Self {
            route,
            method: method_name(method),
        }
    }
}

/// Counters of one method+route (or a sum of several).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallCount {
    /// HTTP requests sent (every attempt counts, failed ones too).
    pub requests: u64,
    /// Attempts repeated after a 5xx, timeout or transport failure.
    pub retries: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Time from sending each request to its answer or failure, summed.
    pub time: Duration,
}

impl AddAssign for CallCount {
    fn add_assign(&mut self, other: Self) {
        self.requests += other.requests;
        self.retries += other.retries;
        self.rate_limited += other.rate_limited;
        self.time += other.time;
    }
}

/// A snapshot of a client's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallStats {
    pub by_call: BTreeMap<CallKey, CallCount>,
}

impl CallStats {
    /// Requests sent to a route, all methods.
    pub fn requests(&self, route: &str) -> u64 {
        self.by_call
            .iter()
            .filter(|(key, _)| key.route == route)
            .map(|(_, count)| count.requests)
            .sum()
    }

    /// The counters per route, methods summed.
    pub fn by_route(&self) -> BTreeMap<&'static str, CallCount> {
        let mut out: BTreeMap<&'static str, CallCount> = BTreeMap::new();
        for (key, count) in &self.by_call {
            *out.entry(key.route).or_default() += *count;
        }
        out
    }

    /// Everything summed.
    pub fn total(&self) -> CallCount {
        let mut sum = CallCount::default();
        for count in self.by_call.values() {
            sum += *count;
        }
        sum
    }

    pub fn total_requests(&self) -> u64 {
        self.total().requests
    }

    pub fn total_retries(&self) -> u64 {
        self.total().retries
    }

    pub fn total_rate_limited(&self) -> u64 {
        self.total().rate_limited
    }
}

/// The live counters a client and its clones share.
#[derive(Debug, Default)]
pub struct CallCounters(Mutex<BTreeMap<CallKey, CallCount>>);

impl CallCounters {
    /// A request is about to be sent.
    pub fn request(&self, key: CallKey) {
        self.bump(key, |c| c.requests += 1);
    }

    /// A request ended (answered or failed) after `took`.
    pub fn took(&self, key: CallKey, took: Duration) {
        self.bump(key, |c| c.time += took);
    }

    /// A failed request is about to be repeated.
    pub fn retry(&self, key: CallKey) {
        self.bump(key, |c| c.retries += 1);
    }

    /// A request was answered 429.
    pub fn rate_limited(&self, key: CallKey) {
        self.bump(key, |c| c.rate_limited += 1);
    }

    pub fn snapshot(&self) -> CallStats {
        CallStats {
            by_call: self.0.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }

    fn bump(&self, key: CallKey, f: impl FnOnce(&mut CallCount)) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(map.entry(key).or_default());
    }
}

/// The standard methods by name; others count as `OTHER`.
fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_method_and_route_and_sums_them() {
        let c = CallCounters::default();
        let get = CallKey::new(&Method::GET, "orders");
        let post = CallKey::new(&Method::POST, "orders");
        let products = CallKey::new(&Method::GET, "products");
        c.request(get);
        c.took(get, Duration::from_millis(30));
        c.request(get);
        c.retry(get);
        c.request(post);
        c.rate_limited(post);
        c.request(products);
        c.took(products, Duration::from_millis(12));
        let s = c.snapshot();
        assert_eq!(s.by_call[&get].requests, 2);
        assert_eq!(s.by_call[&post].rate_limited, 1);
        assert_eq!(s.requests("orders"), 3);
        assert_eq!(s.requests("nothing"), 0);
        let orders = s.by_route()["orders"];
        assert_eq!(
            (orders.requests, orders.retries, orders.rate_limited),
            (3, 1, 1)
        );
        assert_eq!(
            (
                s.total_requests(),
                s.total_retries(),
                s.total_rate_limited()
            ),
            (4, 1, 1)
        );
        assert_eq!(s.total().time, Duration::from_millis(42));
    }
}
