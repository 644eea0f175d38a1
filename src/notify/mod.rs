//! Mail out: acknowledgements, decisions and the moderators' digest, in the contributor's
//! language, through a transactional outbox, never looping with auto-responders.
//!
//! Messages are queued in the store in the same transaction as the event that causes them
//! (an arrival, a decision); a [`Mailer`] delivers what is due, with retries and backoff,
//! through a [`Transport`]: SMTP or, for the embedded default, a local folder. Loop safety follows RFC 3834:
//! nothing is sent in answer to automatic, bulk, list or bounce mail, or to our own
//! address; every message carries `Auto-Submitted`; a sender gets at most one
//! acknowledgement per configured interval.

pub mod compose;
mod drafts;
pub mod send;
pub mod templates;
pub mod transport;

pub use send::{Mailer, SendReport, StoreAccess};
pub use transport::{Refusal, Transport};

pub use drafts::{
    OutboxDraft, ack_request, arrivals_since_last_digest, decision_mail, digest_mail, message_id,
    queue_digest_if_due,
};

use crate::config::Config;
use crate::model::{FlagKind, SenderPolicy, Submission};
use crate::policy::Rules;

/// The domain of our Message-IDs: the From address's.
pub fn domain(config: &Config) -> String {
    let from = config.notify.from_address(config);
    from.rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').to_string())
        .unwrap_or_else(|| "localhost".into())
}

/// Whether a submission may be answered automatically (RFC 3834 and common sense): see
/// [`why_silent`].
pub fn may_answer(config: &Config, s: &Submission) -> bool {
    why_silent(config, s).is_none()
}

/// Why a submission must not be answered automatically, if it must not: automatic,
/// bulk, list or bounce mail, our own address, a no-reply address, or marked
/// [`FlagKind::NoReply`] (discarded, rejected as spam, banned, released).
pub fn why_silent(config: &Config, s: &Submission) -> Option<String> {
    let h = &s.headers;
    if let Some(flag) = s.flags.iter().find(|f| f.kind == FlagKind::NoReply) {
        return Some(flag.why.clone());
    }
    let address = s.author.address.as_str();
    if address.is_empty() || !address.contains('@') {
        return Some("no address to answer".into());
    }
    if let Some(v) = h.auto_submitted.as_deref()
        && !v.trim().eq_ignore_ascii_case("no")
    {
        return Some(format!("automatic mail (Auto-Submitted: {})", v.trim()));
    }
    if let Some(p) = h.precedence.as_deref()
        && matches!(
            p.trim().to_ascii_lowercase().as_str(),
            "bulk" | "junk" | "list"
        )
    {
        return Some(format!("bulk mail (Precedence: {})", p.trim()));
    }
    if h.list_id.is_some() {
        return Some("mail from a list (List-Id)".into());
    }
    if h.return_path.as_deref() == Some("") {
        return Some("a bounce (empty Return-Path)".into());
    }
    let ours = config
        .hub
        .contact_addresses
        .iter()
        .any(|a| a.eq_ignore_ascii_case(address))
        || config
            .notify
            .from_address(config)
            .eq_ignore_ascii_case(address);
    if ours {
        return Some("sent from our own address".into());
    }
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
    if no_reply {
        return Some(format!("{address} takes no replies"));
    }
    None
}

/// Why a submission's sender must not be answered now: [`why_silent`], or a sender rule
/// that bans them (which may have been added after their mail arrived).
pub fn why_silent_now(config: &Config, rules: &Rules, s: &Submission) -> Option<String> {
    why_silent(config, s).or_else(|| {
        rules
            .applicable(&s.author.address)
            .filter(|r| r.policy == SenderPolicy::Ban)
            .map(|r| format!("the sender is banned (rule {})", r.pattern))
    })
}
