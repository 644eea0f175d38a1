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

/// Checks `HUBMAIL_NOW` when it is set: a value that is not an RFC 3339 timestamp is an
/// error to report at start, not a pinned clock that silently runs.
pub fn check_pinned() -> Result<(), String> {
    match std::env::var("HUBMAIL_NOW") {
        Ok(s) if s.parse::<Timestamp>().is_err() => Err(format!(
            "HUBMAIL_NOW={s:?} is not an RFC 3339 timestamp (e.g. 2022-02-01T10:00:00Z); \
             unset it to use the real clock"
        )),
        _ => Ok(()),
    }
}
