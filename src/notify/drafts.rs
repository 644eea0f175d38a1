//! What a message out is, before the store numbers it: acknowledgements, decisions and
//! the digest, and our Message-IDs.

use jiff::Timestamp;

use super::{domain, may_answer, why_silent_now};
use crate::Result;
use crate::config::Config;
use crate::model::{
    FlagKind, Lang, MailKind, OutboxEntry, OutboxStatus, RECORD_VERSION, State, Submission,
    SubmissionId,
};
use crate::parse::ParsedMessage;
use crate::policy::Rules;
use crate::store::{Ack, Outgoing, Store};

/// A message to put in the outbox in the same transaction as a change.
#[derive(Debug, Clone)]
pub struct OutboxDraft {
    /// What it is about.
    pub kind: MailKind,
    /// The submission (for an acknowledgement: filled with the new id).
    pub submission: Option<SubmissionId>,
    /// Recipients.
    pub to: Vec<String>,
    /// Language.
    pub lang: Lang,
    /// A rejection's reason.
    pub reason: Option<String>,
    /// The submissions a digest lists.
    pub digest: Vec<SubmissionId>,
    /// The domain of our Message-IDs.
    pub domain: String,
    /// When the event happened.
    pub created: jiff::Timestamp,
    /// Not sent before this time (a decision's undo window).
    pub due: jiff::Timestamp,
    /// When the decision notice this one reverses was sent, if it reverses one.
    pub corrects: Option<jiff::Timestamp>,
}

/// Our Message-ID for outbox message number `seq` of `kind` about `submission` (fixed when
/// the message is queued, so that a retry sends the same one).
pub fn message_id(
    kind: MailKind,
    submission: Option<SubmissionId>,
    seq: u64,
    domain: &str,
) -> String {
    let about = submission.map_or("digest".to_string(), |s| s.to_string());
    format!("hubmail.{}.{about}.{seq}@{domain}", kind.as_str())
}

impl Outgoing for OutboxDraft {
    fn numbered(&self, seq: u64, submission: Option<SubmissionId>) -> OutboxEntry {
        let draft = self;
        let submission = submission.or(draft.submission);
        OutboxEntry {
            v: RECORD_VERSION,
            seq,
            kind: draft.kind,
            submission,
            to: draft.to.clone(),
            lang: draft.lang,
            message_id: message_id(draft.kind, submission, seq, &draft.domain),
            created: draft.created,
            reason: draft.reason.clone(),
            digest: draft.digest.clone(),
            status: OutboxStatus::Pending,
            attempts: 0,
            next_attempt: draft.due,
            last_error: None,
            sent_at: None,
            cancelled: None,
            corrects: draft.corrects,
        }
    }
}

/// The acknowledgement to queue with a newly stored submission, if one is due.
pub fn ack_request(config: &Config, s: &Submission, parsed: &ParsedMessage) -> Option<Ack> {
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
    Some(Ack {
        throttle_key: s.author.address.clone(),
        mail: Box::new(OutboxDraft {
            kind: MailKind::Ack,
            submission: None,
            to: vec![s.author.address.clone()],
            lang: s.correspondence_lang().unwrap_or(Lang::En),
            reason: None,
            digest: Vec::new(),
            domain: domain(config),
            created: s.received,
            due: s.received,
            corrects: None,
        }),
        min_interval_secs: (n.ack_interval_hours * 3600) as i64,
    })
}

/// The message a decision sends, if any: a final approval or a rejection of a submission
/// that may be answered (see [`why_silent_now`]: `rules` are the sender rules as they
/// are now). Partial approvals (peer review), releases, edits and reopenings send nothing.
///
/// `told` is the last decision notice the contributor was sent ([`Store::last_told`]):
/// after a reopening, a decision with the same outcome sends nothing (they know it
/// already), and one that reverses it says that it replaces the earlier message, so the
/// contributor never holds two notices that contradict each other without being told
/// which one stands.
pub fn decision_mail(
    config: &Config,
    rules: &Rules,
    (before, after): (&Submission, &Submission),
    told: Option<&OutboxEntry>,
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
    if why_silent_now(config, rules, after).is_some() {
        return None;
    }
    if told.is_some_and(|t| t.kind == kind) {
        return None;
    }
    Some(OutboxDraft {
        kind,
        submission: Some(after.id),
        to: vec![after.author.address.clone()],
        lang: after.correspondence_lang().unwrap_or(Lang::En),
        reason: after.decision.as_ref().and_then(|d| d.reason.clone()),
        digest: Vec::new(),
        domain: domain(config),
        created: now,
        due: now
            .checked_add(jiff::SignedDuration::from_mins(
                config.notify.decision_delay_minutes.min(7 * 24 * 60) as i64,
            ))
            .unwrap_or(now),
        corrects: told.map(|t| t.sent_at.unwrap_or(t.created)),
    })
}

/// The digest of new arrivals for the moderators, when one is configured.
pub fn digest_mail(
    config: &Config,
    arrivals: &[SubmissionId],
    now: Timestamp,
) -> Option<OutboxDraft> {
    if config.notify.digest_to.is_empty() || arrivals.is_empty() {
        return None;
    }
    Some(OutboxDraft {
        kind: MailKind::Digest,
        submission: None,
        to: config.notify.digest_to.clone(),
        lang: config.notify.moderators_lang,
        reason: None,
        digest: arrivals.to_vec(),
        domain: domain(config),
        created: now,
        due: now,
        corrects: None,
    })
}

/// When the last digest was queued (seconds since the epoch), in the store's small values.
const DIGEST_LAST: &str = "digest:last";
/// The last submission a digest told of.
const DIGEST_LAST_ID: &str = "digest:last-id";

/// Queues the moderators' digest when one is configured and its interval has passed.
///
/// The digest's promise: every submission that arrived since the last digest is in the
/// next one, whatever happened to it since (still pending, with what a moderator needs to
/// decide; or already approved, rejected, ignored, quarantined, by its state), so a
/// decision taken before the digest went out never hides an arrival. No digest is queued
/// when nothing arrived, and the interval counts from the last digest queued, so the
/// first arrival after a quiet spell is told of at once. Returns how many arrivals it
/// lists, if one was queued.
pub fn queue_digest_if_due(
    store: &Store,
    config: &Config,
    now: Timestamp,
) -> Result<Option<usize>> {
    if config.notify.digest_to.is_empty() {
        return Ok(None);
    }
    let interval = config.notify.digest_interval_minutes as i64 * 60;
    let last = state_u64(store, DIGEST_LAST)?.map(|l| l as i64);
    if last.is_some_and(|l| now.as_second() - l < interval) {
        return Ok(None);
    }
    let arrivals = arrivals_since_last_digest(store)?;
    let Some(draft) = digest_mail(config, &arrivals, now) else {
        return Ok(None);
    };
    store.enqueue(&draft)?;
    if let Some(newest) = arrivals.last() {
        store.set_state(DIGEST_LAST_ID, &newest.0.to_be_bytes())?;
    }
    store.set_state(DIGEST_LAST, &now.as_second().to_be_bytes())?;
    store.flush()?;
    Ok(Some(arrivals.len()))
}

fn state_u64(store: &Store, name: &str) -> Result<Option<u64>> {
    Ok(store
        .state(name)?
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes))
}

/// The submissions that arrived since the last digest: what the next one tells of.
pub fn arrivals_since_last_digest(store: &Store) -> Result<Vec<SubmissionId>> {
    // A store whose digests predate the id mark: the arrivals since the last one's time.
    let last_id = state_u64(store, DIGEST_LAST_ID)?;
    let since = state_u64(store, DIGEST_LAST)?.map_or(i64::MIN, |l| l as i64);
    let mut arrivals = Vec::new();
    for s in store.submissions_after(SubmissionId(last_id.unwrap_or(0))) {
        let s = s?;
        if last_id.is_some() || s.received.as_second() > since {
            arrivals.push(s.id);
        }
    }
    Ok(arrivals)
}
