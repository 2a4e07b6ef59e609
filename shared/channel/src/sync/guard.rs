//! The safety guard: a plan that looks like a broken source is not applied
//! unless the run is forced. Broken means PayTraq returned no products, or
//! more than a configurable share of the managed, matched items would drop
//! from positive stock to zero.

use super::plan::Plan;

/// Default share of managed items allowed to drop to zero in one run.
pub const DEFAULT_MAX_ZERO_SHARE: f64 = 0.5;

/// Why a plan was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error("PayTraq returned no products; nothing was written (force to override)")]
    EmptySource,
    #[error(
        "{drops} of {managed} managed items would drop to zero (more than {limit_percent}%); nothing was written (force to override)"
    )]
    MassZero {
        drops: usize,
        managed: usize,
        limit_percent: u32,
    },
}

/// Checks a plan. `max_zero_share` is a fraction (0.5 = 50%); the guard
/// trips when strictly more than that share would drop to zero.
pub fn check(plan: &Plan, max_zero_share: f64) -> Result<(), Refusal> {
    if plan.source_items == 0 {
        return Err(Refusal::EmptySource);
    }
    let managed = plan.report.matched;
    if managed == 0 {
        return Ok(());
    }
    let share = max_zero_share.clamp(0.0, 1.0);
    // drops / managed > share, in integers: drops * 1000 > share‰ * managed.
    let permille = (share * 1000.0).round() as usize;
    if plan.drops_to_zero.saturating_mul(1000) > permille.saturating_mul(managed) {
        return Err(Refusal::MassZero {
            drops: plan.drops_to_zero,
            managed,
            limit_percent: (share * 100.0).round() as u32,
        });
    }
    Ok(())
}
