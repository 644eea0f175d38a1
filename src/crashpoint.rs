//! Named crash points for fault-injection tests.
//!
//! `HUBMAIL_CRASH_AT=NAME[:N]` makes the process abort (like a power cut: no destructors,
//! no flush) the N-th time (default first) it passes the point `NAME`. Costs one
//! environment lookup per point when unset. Used by the crash-consistency tests to prove
//! that a crash at every durable step loses nothing and duplicates nothing.

use std::sync::atomic::{AtomicU64, Ordering};

static PASSES: AtomicU64 = AtomicU64::new(0);

/// Aborts the process here if `HUBMAIL_CRASH_AT` names this point.
pub fn hit(name: &str) {
    let Ok(spec) = std::env::var("HUBMAIL_CRASH_AT") else {
        return;
    };
    let (point, nth) = match spec.split_once(':') {
        Some((p, n)) => (p, n.parse::<u64>().unwrap_or(1)),
        None => (spec.as_str(), 1),
    };
    if point == name && PASSES.fetch_add(1, Ordering::SeqCst) + 1 == nth {
        eprintln!("hubmail: crash point {name} reached (HUBMAIL_CRASH_AT), aborting");
        std::process::abort();
    }
}
