//! Mail out: acknowledgements, decisions and the moderators' digest, in the contributor's
//! language, through a transactional outbox, never looping with auto-responders.
//!
//! Messages are queued in the store in the same transaction as the event that causes them
//! (an arrival, a decision); a [`Mailer`] delivers what is due, with retries and backoff,
//! through a [`Transport`]: SMTP or, for the embedded default, a local folder. Loop safety follows RFC 3834:
//! nothing is sent in answer to automatic, bulk, list or bounce mail, or to our own
//! address; every message carries `Auto-Submitted`; a sender gets at most one
//! acknowledgement per configured interval.

mod drafts;
pub mod send;
pub mod templates;
pub mod transport;

pub use send::{Mailer, SendReport, StoreAccess};
pub use transport::{Refusal, Transport};

pub use drafts::{
    OutboxDraft, ack_request, decision_mail, digest_mail, message_id, queue_digest_if_due,
};

use crate::config::Config;
use crate::model::Submission;

/// The domain of our Message-IDs: the From address's.
pub fn domain(config: &Config) -> String {
    let from = config.notify.from_address(config);
    from.rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').to_string())
        .unwrap_or_else(|| "localhost".into())
}

/// Whether a submission may be answered automatically (RFC 3834 and common sense): not
/// automatic, bulk, list or bounce mail, not from us, not from a no-reply address.
pub fn may_answer(config: &Config, s: &Submission) -> bool {
    let h = &s.headers;
    let auto = h
        .auto_submitted
        .as_deref()
        .is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"));
    let bulk = h.precedence.as_deref().is_some_and(|p| {
        matches!(
            p.trim().to_ascii_lowercase().as_str(),
            "bulk" | "junk" | "list"
        )
    });
    let address = s.author.address.as_str();
    let ours = config
        .hub
        .contact_addresses
        .iter()
        .any(|a| a.eq_ignore_ascii_case(address))
        || config
            .notify
            .from_address(config)
            .eq_ignore_ascii_case(address);
    let local = address
        .split('@')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let no_reply = [
        "noreply",
        "no-reply",
        "donotreply",
        "do-not-reply",
        "mailer-daemon",
        "postmaster",
    ]
    .iter()
    .any(|n| local == *n);
    !address.is_empty()
        && address.contains('@')
        && !auto
        && !bulk
        && h.list_id.is_none()
        && h.return_path.as_deref() != Some("")
        && !ours
        && !no_reply
}
