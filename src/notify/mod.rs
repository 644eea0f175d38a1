//! Mail out: acknowledgements, decisions and the moderators' digest, in the contributor's
//! language, through a transactional outbox, never looping with auto-responders.
//!
//! Messages are queued in the store in the same transaction as the event that causes them
//! (an arrival, a decision); [`send`] delivers what is due, with retries and backoff, over
//! SMTP or, for the embedded default, into a local folder. Loop safety follows RFC 3834:
//! nothing is sent in answer to automatic, bulk, list or bounce mail, or to our own
//! address; every message carries `Auto-Submitted`; a sender gets at most one
//! acknowledgement per configured interval.

pub mod send;
pub mod templates;

use jiff::Timestamp;

use crate::config::Config;
use crate::model::{FlagKind, Lang, MailKind, State, Submission, SubmissionId};
use crate::parse::ParsedMessage;
use crate::store::{AckRequest, OutboxDraft};

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

/// The acknowledgement to queue with a newly stored submission, if one is due.
pub fn ack_request(config: &Config, s: &Submission, parsed: &ParsedMessage) -> Option<AckRequest> {
    let n = &config.notify;
    let suppress = parsed.extra("x-auto-response-suppress").is_some_and(|v| {
        let v = v.to_ascii_lowercase();
        v.contains("all") || v.contains("autoreply")
    });
    // Answering spam or forged mail is backscatter: hold it silently.
    let suspicious = s.has_flag(FlagKind::Spam) || s.has_flag(FlagKind::AuthFail);
    if !n.acknowledge
        || s.state != State::Pending
        || suppress
        || suspicious
        || !may_answer(config, s)
    {
        return None;
    }
    Some(AckRequest {
        draft: OutboxDraft {
            kind: MailKind::Ack,
            submission: None,
            to: vec![s.author.address.clone()],
            lang: s.lang.unwrap_or(Lang::En),
            reason: None,
            digest: Vec::new(),
            domain: domain(config),
            created: s.received,
        },
        min_interval_secs: (n.ack_interval_hours * 3600) as i64,
    })
}

/// The message a decision sends, if any: a final approval or a rejection of a submission
/// that may be answered. Partial approvals (peer review), releases, edits and reopenings
/// send nothing.
pub fn decision_mail(
    config: &Config,
    before: &Submission,
    after: &Submission,
    now: Timestamp,
) -> Option<OutboxDraft> {
    if !config.notify.notify_decisions || before.state == after.state {
        return None;
    }
    // Mail that was ignored or quarantined on arrival was never acknowledged: answering
    // its rejection could start a loop with an auto-responder.
    if matches!(before.state, State::Ignored | State::Quarantined) {
        return None;
    }
    let kind = match after.state {
        State::Approved => MailKind::Approved,
        State::Rejected => MailKind::Rejected,
        _ => return None,
    };
    if !may_answer(config, after) {
        return None;
    }
    Some(OutboxDraft {
        kind,
        submission: Some(after.id),
        to: vec![after.author.address.clone()],
        lang: after.lang.unwrap_or(Lang::En),
        reason: after.decision.as_ref().and_then(|d| d.reason.clone()),
        digest: Vec::new(),
        domain: domain(config),
        created: now,
    })
}

/// The digest of new pending submissions for the moderators, when one is configured.
pub fn digest_mail(
    config: &Config,
    new_pending: &[SubmissionId],
    now: Timestamp,
) -> Option<OutboxDraft> {
    if config.notify.digest_to.is_empty() || new_pending.is_empty() {
        return None;
    }
    Some(OutboxDraft {
        kind: MailKind::Digest,
        submission: None,
        to: config.notify.digest_to.clone(),
        lang: Lang::En,
        reason: None,
        digest: new_pending.to_vec(),
        domain: domain(config),
        created: now,
    })
}
