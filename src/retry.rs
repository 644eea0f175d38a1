//! The one retry policy: exponential backoff with jitter, from `backon`.
//!
//! Three things in hubmail wait and try again: `watch` reconnecting to a mailbox that
//! failed, the outbox resending a message the server deferred, and a command waiting for
//! another process to close the store. Each names a [`Policy`] here; the delays come from
//! backon's exponential backoff, so the arithmetic (doubling, the cap, the jitter) is
//! written once and by a well-kept crate.

use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};

/// How long to wait after each failure: `first` after the first, doubling up to `cap`;
/// with `jitter`, each delay is stretched by a random fraction of itself (up to ×2), so
/// that many clients failing together do not come back together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The delay after the first failure.
    pub first: Duration,
    /// No delay grows beyond this (before jitter).
    pub cap: Duration,
    /// Whether delays are spread at random.
    pub jitter: bool,
}

/// A mailbox that failed (`watch`): 2 s, 4 s, … up to 5 minutes.
pub const RECONNECT: Policy = Policy {
    first: Duration::from_secs(2),
    cap: Duration::from_secs(300),
    jitter: true,
};

/// A message the mail server deferred: 1 minute, 2, 4, … up to an hour.
pub const DELIVERY: Policy = Policy {
    first: Duration::from_secs(60),
    cap: Duration::from_secs(3600),
    jitter: true,
};

/// The store held by another process: 5 ms, 10 ms, … up to 100 ms between looks.
pub const STORE_LOCK: Policy = Policy {
    first: Duration::from_millis(5),
    cap: Duration::from_millis(100),
    jitter: false,
};

impl Policy {
    /// backon's builder for this policy, retrying without a bound on the count.
    pub fn builder(&self) -> ExponentialBuilder {
        let b = ExponentialBuilder::new()
            .with_min_delay(self.first)
            .with_max_delay(self.cap)
            .with_factor(2.0)
            .without_max_times();
        if self.jitter { b.with_jitter() } else { b }
    }

    /// The delay after the `failures`-th failure in a row (1 for the first).
    pub fn delay_after(&self, failures: u32) -> Duration {
        let n = failures.max(1) as usize;
        self.builder().build().nth(n - 1).unwrap_or(if self.jitter {
            self.cap * 2
        } else {
            self.cap
        })
    }
}

/// The state of something retried in a loop (a mailbox `watch` reads): when it may be
/// tried next, and how many failures in a row led there.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: Policy,
    failures: u32,
    next_try: Instant,
}

impl Backoff {
    /// Ready at once, no failures yet.
    pub fn new(policy: Policy) -> Backoff {
        Backoff {
            policy,
            failures: 0,
            next_try: Instant::now(),
        }
    }

    /// Whether the wait after the last failure is over.
    pub fn ready(&self) -> bool {
        Instant::now() >= self.next_try
    }

    /// Records a failure; returns how long to wait before the next try.
    pub fn failed(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let delay = self.policy.delay_after(self.failures);
        self.next_try = Instant::now() + delay;
        delay
    }

    /// Records a success; returns whether it ended a run of failures.
    pub fn succeeded(&mut self) -> bool {
        let recovered = self.failures > 0;
        self.failures = 0;
        self.next_try = Instant::now();
        recovered
    }

    /// Failures in a row so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let p = Policy {
            jitter: false,
            ..DELIVERY
        };
        let secs: Vec<u64> = (1..=9).map(|n| p.delay_after(n).as_secs()).collect();
        assert_eq!(secs, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    }

    #[test]
    fn jitter_stretches_each_delay_by_at_most_itself() {
        let mut spread = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let d = RECONNECT.delay_after(3);
            assert!(
                d >= Duration::from_secs(8) && d <= Duration::from_secs(16),
                "{d:?}"
            );
            spread.insert(d);
        }
        assert!(spread.len() > 1, "jitter gave the same delay 50 times");
        let capped = RECONNECT.delay_after(30);
        assert!(capped >= RECONNECT.cap && capped <= RECONNECT.cap * 2);
    }

    #[test]
    fn a_success_resets_the_run_of_failures() {
        let mut b = Backoff::new(STORE_LOCK);
        assert!(b.ready());
        assert_eq!(b.failed(), Duration::from_millis(5));
        assert_eq!(b.failed(), Duration::from_millis(10));
        assert_eq!(b.failures(), 2);
        assert!(b.succeeded(), "it ended a run of failures");
        assert!(!b.succeeded(), "nothing to end");
        assert_eq!(b.failed(), Duration::from_millis(5));
    }
}
