//! The only reader of the system clock, so that tests can pin time
//! (`HUBMAIL_NOW=2022-02-01T10:00:00Z`) and outputs stay reproducible.

use jiff::Timestamp;

/// The current time, or `HUBMAIL_NOW` when set to an RFC 3339 timestamp.
pub fn now() -> Timestamp {
    std::env::var("HUBMAIL_NOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(Timestamp::now)
}
