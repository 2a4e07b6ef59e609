//! Crash points for exactly-once tests. The processor calls [`CrashPlan::hit`]
//! right after each external call, before the result is saved; a plan armed
//! for that [`Boundary`] aborts processing there once, as a crash would.
//!
//! In production the plan is never armed nor recording: `hit` is then one
//! atomic load, takes no lock and keeps nothing. A test that needs the list
//! of boundaries a run passes switches recording on with
//! [`CrashPlan::record`] for that run.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

/// A point right after an external call of the processor, before its
/// result is saved.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Boundary {
    /// PayTraq created the buyer's client.
    AfterCreateClient,
    /// PayTraq created the document.
    AfterCreateSale,
    /// The document was read back to check its total.
    AfterGetSale,
    /// The document was read again after its rounding line was added.
    AfterGetSaleRounded,
    /// The draft was replaced with one that has a rounding line.
    AfterUpdateSale,
    /// The document was approved.
    AfterApproveSale,
    /// The payment (or prepayment) was added.
    AfterAddPayment,
    /// The document was e-mailed.
    AfterSendEmail,
    /// The WooCommerce order note of this event key was written.
    AfterNote(String),
}

impl fmt::Display for Boundary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Boundary::AfterCreateClient => "after:create_client",
            Boundary::AfterCreateSale => "after:create_sale",
            Boundary::AfterGetSale => "after:get_sale",
            Boundary::AfterGetSaleRounded => "after:get_sale:rounded",
            Boundary::AfterUpdateSale => "after:update_sale",
            Boundary::AfterApproveSale => "after:approve_sale",
            Boundary::AfterAddPayment => "after:add_payment",
            Boundary::AfterSendEmail => "after:send_email",
            Boundary::AfterNote(key) => return write!(f, "after:note:{key}"),
        };
        f.write_str(name)
    }
}

/// Where a test wants processing to crash, and what it wants recorded.
#[derive(Debug, Default)]
pub struct CrashPlan {
    /// True while a boundary is armed or recording is on; `hit` looks no
    /// further when it is false.
    active: AtomicBool,
    state: Mutex<PlanState>,
}

#[derive(Debug, Default)]
struct PlanState {
    armed: Option<Boundary>,
    recording: bool,
    recorded: Vec<Boundary>,
}

impl PlanState {
    fn active(&self) -> bool {
        self.armed.is_some() || self.recording
    }
}

impl CrashPlan {
    /// Abort once at `point`.
    pub fn arm(&self, point: Boundary) {
        let mut state = self.lock();
        state.armed = Some(point);
        self.active.store(state.active(), Ordering::Release);
    }

    /// Switches recording of the boundaries passed on (starting a new list)
    /// or off (keeping the list for [`CrashPlan::recorded`]).
    pub fn record(&self, on: bool) {
        let mut state = self.lock();
        if on {
            state.recorded = Vec::new();
        }
        state.recording = on;
        self.active.store(state.active(), Ordering::Release);
    }

    /// The boundaries passed while recording was on, in order.
    pub fn recorded(&self) -> Vec<Boundary> {
        self.lock().recorded.clone()
    }

    /// True (once) when the plan is armed for `point`; records `point` when
    /// recording is on. Neither: one atomic load.
    pub fn hit(&self, point: &Boundary) -> bool {
        if !self.active.load(Ordering::Acquire) {
            return false;
        }
        let mut state = self.lock();
        if state.recording {
            state.recorded.push(point.clone());
        }
        if state.armed.as_ref() != Some(point) {
            return false;
        }
        state.armed = None;
        self.active.store(state.active(), Ordering::Release);
        true
    }

    fn lock(&self) -> MutexGuard<'_, PlanState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::hint::black_box;
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn unarmed_hits_record_nothing_and_are_cheap() {
        let plan = CrashPlan::default();
        let started = Instant::now();
        for _ in 0..1_000_000 {
            assert!(!plan.hit(black_box(&Boundary::AfterCreateSale)));
        }
        let elapsed = started.elapsed();
        let state = plan.lock();
        assert!(state.recorded.is_empty());
        assert_eq!(state.recorded.capacity(), 0);
        assert!(state.armed.is_none());
        assert!(
            elapsed < Duration::from_secs(1),
            "1,000,000 unarmed hits took {elapsed:?}"
        );
    }

    #[test]
    fn an_armed_plan_fires_once_at_its_boundary_only() {
        let plan = CrashPlan::default();
        plan.arm(Boundary::AfterNote("paid".into()));
        assert!(!plan.hit(&Boundary::AfterNote("approved".into())));
        assert!(!plan.hit(&Boundary::AfterAddPayment));
        assert!(plan.hit(&Boundary::AfterNote("paid".into())));
        assert!(!plan.hit(&Boundary::AfterNote("paid".into())));
        assert!(!plan.active.load(Ordering::Acquire));
        assert!(plan.recorded().is_empty());
    }

    #[test]
    fn recording_lists_the_boundaries_passed_while_on() {
        let plan = CrashPlan::default();
        plan.hit(&Boundary::AfterCreateClient);
        plan.record(true);
        plan.hit(&Boundary::AfterCreateSale);
        plan.hit(&Boundary::AfterNote("created".into()));
        plan.record(false);
        plan.hit(&Boundary::AfterSendEmail);
        assert_eq!(
            plan.recorded(),
            [
                Boundary::AfterCreateSale,
                Boundary::AfterNote("created".into())
            ]
        );
        assert!(!plan.active.load(Ordering::Acquire));
    }

    #[test]
    fn boundaries_display_the_names_tests_list() {
        let names: Vec<String> = [
            Boundary::AfterCreateClient,
            Boundary::AfterCreateSale,
            Boundary::AfterGetSale,
            Boundary::AfterGetSaleRounded,
            Boundary::AfterUpdateSale,
            Boundary::AfterApproveSale,
            Boundary::AfterAddPayment,
            Boundary::AfterSendEmail,
            Boundary::AfterNote("failed:0a1b2c".into()),
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            names,
            [
                "after:create_client",
                "after:create_sale",
                "after:get_sale",
                "after:get_sale:rounded",
                "after:update_sale",
                "after:approve_sale",
                "after:add_payment",
                "after:send_email",
                "after:note:failed:0a1b2c",
            ]
        );
    }
}
