//! The records beside the submissions: the audit trail, sender rules, the outbox and the
//! discussion questions moderators add.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::{Lang, State, SubmissionId};

/// One line of the append-only audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Record format version.
    pub v: u32,
    /// Position in the trail (monotonic).
    pub seq: u64,
    /// When it happened.
    pub at: Timestamp,
    /// The submission concerned (`None` for sender-policy changes).
    pub submission: Option<SubmissionId>,
    /// What else the entry is about (a sender rule such as `@example.org`).
    #[serde(default)]
    pub target: Option<String>,
    /// Who acted: a moderator's name, or `hubmail` for the pipeline.
    pub actor: String,
    /// What was done: `received`, `approve`, `reject`, `edit`…
    pub action: String,
    /// State before, when the state changed.
    pub from: Option<State>,
    /// State after.
    pub to: Option<State>,
    /// Why, in the actor's words.
    pub reason: Option<String>,
}

/// What a sender rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SenderPolicy {
    /// Mail is still held, flagged `trusted`.
    Trust,
    /// Mail is rejected on arrival, with the ban as the reason.
    Ban,
}

impl fmt::Display for SenderPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SenderPolicy::Trust => "trust",
            SenderPolicy::Ban => "ban",
        })
    }
}

/// A trust or ban rule for senders: an address, `@domain`, or `/regex/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderRule {
    /// Record format version.
    pub v: u32,
    /// The pattern as typed: `someone@example.org`, `@example.org` or `/regex/`.
    pub pattern: String,
    /// Trust or ban.
    pub policy: SenderPolicy,
    /// Why (shown to moderators; a ban's reason is recorded on rejected mail).
    pub reason: Option<String>,
    /// Who set it.
    pub by: String,
    /// When.
    pub at: Timestamp,
}

/// What an outgoing message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailKind {
    /// The receipt of a contribution.
    Ack,
    /// A contribution was approved.
    Approved,
    /// A contribution was rejected.
    Rejected,
    /// The moderators' digest of new pending submissions.
    Digest,
}

impl MailKind {
    /// The lowercase name (also the template's name).
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Ack => "ack",
            MailKind::Approved => "approved",
            MailKind::Rejected => "rejected",
            MailKind::Digest => "digest",
        }
    }
}

/// Where an outgoing message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxStatus {
    /// Waiting to be sent (or to be retried).
    Pending,
    /// Accepted by the mail server.
    Sent,
    /// Refused for good (a permanent SMTP error), or given up after many attempts.
    Failed,
    /// Stopped before it was sent: a later decision superseded it within the undo window,
    /// or a moderator cancelled it (`cancelled` says why).
    Cancelled,
}

impl OutboxStatus {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Cancelled => "cancelled",
        }
    }
}

/// One message in the transactional outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Record format version.
    pub v: u32,
    /// Position in the outbox (monotonic).
    pub seq: u64,
    /// What it is about.
    pub kind: MailKind,
    /// The submission concerned (none for a digest).
    pub submission: Option<SubmissionId>,
    /// Recipients.
    pub to: Vec<String>,
    /// The language to write in.
    pub lang: Lang,
    /// Its Message-ID (fixed at enqueue time, so a resend is recognisable).
    pub message_id: String,
    /// When the event happened (the message's Date).
    pub created: Timestamp,
    /// A rejection's reason, in the contributor's language.
    pub reason: Option<String>,
    /// The submissions a digest lists.
    #[serde(default)]
    pub digest: Vec<SubmissionId>,
    /// Delivery state.
    pub status: OutboxStatus,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Not before this time.
    pub next_attempt: Timestamp,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// When the server accepted it.
    pub sent_at: Option<Timestamp>,
    /// Why it was cancelled (with [`OutboxStatus::Cancelled`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled: Option<String>,
    /// For a decision notice that reverses one already sent: when that one was sent (the
    /// notice says it replaces it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<Timestamp>,
}

/// A discussion question a moderator added (`hubmail question add`), often promoting a
/// participant's own question; kept in the store beside the config's questions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedQuestion {
    /// Record version.
    pub v: u32,
    /// The discussion space's id.
    pub space: String,
    /// Its number, the next after every question the space has or was answered with.
    pub number: u32,
    /// Its text per language.
    pub title: BTreeMap<Lang, String>,
    /// The contribution it was promoted from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<SubmissionId>,
    /// The Message-ID of the mail that posed it: replies to that mail answer it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The moderator who added it.
    pub by: String,
    /// When.
    pub at: Timestamp,
}
