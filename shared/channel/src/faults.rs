//! Crash points for exactly-once tests. The processor calls [`CrashPlan::hit`]
//! right after each external call, before the result is saved; a plan armed
//! for that point aborts processing there once, as a crash would. In
//! production the plan is never armed and `hit` is a no-op.

use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct CrashPlan {
    armed: Mutex<Option<String>>,
    hits: Mutex<Vec<String>>,
}

impl CrashPlan {
    /// Abort once at the boundary named `point` (e.g. `after:create_sale`).
    pub fn arm(&self, point: &str) {
        *self.armed.lock().unwrap_or_else(|p| p.into_inner()) = Some(point.to_string());
    }

    /// Every boundary passed so far (to list them in tests).
    pub fn passed(&self) -> Vec<String> {
        self.hits.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// True (once) when the plan is armed for `point`.
    pub fn hit(&self, point: &str) -> bool {
        self.hits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(point.to_string());
        let mut armed = self.armed.lock().unwrap_or_else(|p| p.into_inner());
        if armed.as_deref() == Some(point) {
            *armed = None;
            return true;
        }
        false
    }
}
