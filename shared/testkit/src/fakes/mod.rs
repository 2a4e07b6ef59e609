//! In-memory fakes of the channel's two outside systems, behind its ports:
//! [`FakeAccounting`] (a PayTraq company, [`channel::Accounting`]) and
//! [`FakeShop`] (a WooCommerce shop, [`channel::Shop`]), and
//! [`FakeConnect`], which hands them to an [`channel::App`] for every
//! channel (`App::with_connect`).
//!
//! They keep state as the real services do (documents with PayTraq's
//! arithmetic, payments, e-mails; orders, notes, webhooks, products and
//! stock), refuse what the real services refuse, and record every call
//! ([`Call`]: the port method and its key argument). Faults and crashes are
//! plain hooks: a closure sees each [`Call`] before it runs and may answer
//! a [`Fault`] — refuse it (nothing happens) or lose its answer after the
//! effect (what a timeout or a crash mid-reply looks like to the caller).
//!
//! `tests/accounting_contract.rs` and `tests/shop_contract.rs` hold each
//! fake to the same assertions as the real client talking to its sandbox.

pub mod accounting;
pub mod shop;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use channel::model::Channel;
use channel::{Accounting, App, Connect, Error, Shop};

pub use accounting::{Document, EmailRecord, FakeAccounting, PaymentRecord, TaxRounding};
pub use shop::FakeShop;

/// One call a fake received: the port method and its key argument (an id,
/// a reference, an e-mail; empty for calls without one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub name: &'static str,
    pub key: String,
}

/// What a hook makes of a call.
#[derive(Debug)]
pub enum Fault<E> {
    /// Refused: nothing happens and the call answers this error.
    Refuse(E),
    /// The effect happens, then the answer is lost: the call answers this
    /// error (a timeout or a broken connection: the caller cannot know).
    LoseAnswer(E),
}

/// A fault hook: sees each call before it runs.
pub type Hook<E> = Arc<dyn Fn(&Call) -> Option<Fault<E>> + Send + Sync>;

/// A hook that answers `fault()` for the first call `matches` accepts, and
/// nothing after.
pub fn once<E>(
    matches: impl Fn(&Call) -> bool + Send + Sync + 'static,
    fault: impl Fn() -> Fault<E> + Send + Sync + 'static,
) -> impl Fn(&Call) -> Option<Fault<E>> + Send + Sync + 'static {
    let spent = AtomicBool::new(false);
    move |call| {
        if matches(call) && !spent.swap(true, Ordering::SeqCst) {
            Some(fault())
        } else {
            None
        }
    }
}

/// A hook that answers `fault()` for the `n`-th call (from 0) after it is
/// set, whatever the call, and nothing for the others.
pub fn nth_call<E>(
    n: usize,
    fault: impl Fn() -> Fault<E> + Send + Sync + 'static,
) -> impl Fn(&Call) -> Option<Fault<E>> + Send + Sync + 'static {
    let seen = AtomicUsize::new(0);
    move |_| (seen.fetch_add(1, Ordering::SeqCst) == n).then(&fault)
}

/// A fake's state counts the requests the real client would have sent,
/// by the client's own names for them.
pub(crate) trait Wire {
    fn requests(&mut self) -> &mut BTreeMap<String, u64>;

    /// `n` more requests of `kind`.
    fn sent(&mut self, kind: &str, n: u64) {
        *self.requests().entry(kind.to_owned()).or_default() += n;
    }
}

/// The call log and fault hook of one fake.
pub(crate) struct Recorder<E> {
    calls: Mutex<Vec<Call>>,
    hook: Mutex<Option<Hook<E>>>,
}

impl<E> Default for Recorder<E> {
    fn default() -> Self {
        Self {
            calls: Mutex::new(Vec::new()),
            hook: Mutex::new(None),
        }
    }
}

impl<E> Recorder<E> {
    /// Records the call and runs `effect` on `state` as the hook decides.
    /// `effect` counts the requests of a success itself; a failed or
    /// refused call that counted none was one request of `kind`.
    pub(crate) fn run<S: Wire, T>(
        &self,
        state: &Mutex<S>,
        name: &'static str,
        kind: &str,
        key: impl ToString,
        effect: impl FnOnce(&mut S) -> Result<T, E>,
    ) -> Result<T, E> {
        let call = Call {
            name,
            key: key.to_string(),
        };
        lock(&self.calls).push(call.clone());
        // Decided before the state is locked: a hook may look at the fake.
        let hook = lock(&self.hook).clone();
        let fault = hook.and_then(|h| h(&call));
        let mut s = lock(state);
        let before: u64 = s.requests().values().sum();
        let out = match fault {
            Some(Fault::Refuse(e)) => Err(e),
            Some(Fault::LoseAnswer(e)) => {
                // The effect stands whatever it answered; the caller sees only `e`.
                let _ = effect(&mut s);
                Err(e)
            }
            None => effect(&mut s),
        };
        if out.is_err() && s.requests().values().sum::<u64>() == before {
            s.sent(kind, 1);
        }
        out
    }

    pub(crate) fn set_hook(&self, hook: Option<Hook<E>>) {
        *lock(&self.hook) = hook;
    }

    pub(crate) fn calls(&self) -> Vec<Call> {
        lock(&self.calls).clone()
    }
}

/// Requests of a PayTraq list read in full: pages of 100 until a short one.
pub(crate) fn paytraq_pages(items: usize) -> u64 {
    items as u64 / 100 + 1
}

/// Requests of a WooCommerce list read in full: pages of 100 up to
/// `X-WP-TotalPages` (one for an empty list).
pub(crate) fn woo_pages(items: usize) -> u64 {
    (items as u64).div_ceil(100).max(1)
}

/// Locks a fake's state; a panicked test thread leaves it readable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Hands the same two fakes out for every channel.
#[derive(Clone, Default)]
pub struct FakeConnect {
    pub accounting: Arc<FakeAccounting>,
    pub shop: Arc<FakeShop>,
}

#[async_trait]
impl Connect for FakeConnect {
    async fn accounting(
        &self,
        _app: &App,
        _channel: &Channel,
    ) -> Result<Arc<dyn Accounting>, Error> {
        Ok(self.accounting.clone())
    }

    async fn shop(&self, _app: &App, _channel: &Channel) -> Result<Arc<dyn Shop>, Error> {
        Ok(self.shop.clone())
    }
}
