//! The records hubmail keeps: submissions, their states, flags and audit entries.
//!
//! Every record is serialised with serde and carries a format version (`v`), so an older
//! data directory can be migrated on open and a newer one refused. Fields added later get
//! `#[serde(default)]` so that older records still read.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The record format this build writes.
pub const RECORD_VERSION: u32 = 1;

/// A submission's short, monotonic id (1, 2, 3…), as moderators type it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SubmissionId(pub u64);

impl fmt::Display for SubmissionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a submission stands in moderation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Waiting for a moderator.
    Pending,
    /// Approved: published.
    Approved,
    /// Rejected by a moderator or by sender policy.
    Rejected,
    /// Not a contribution (auto-reply, bounce, list traffic): kept, not queued.
    Ignored,
    /// Could not be processed safely (malformed, too big…): kept with the reason.
    Quarantined,
}

impl State {
    /// Every state, in the order listings show them.
    pub const ALL: [State; 5] = [
        State::Pending,
        State::Approved,
        State::Rejected,
        State::Ignored,
        State::Quarantined,
    ];

    /// The lowercase name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Approved => "approved",
            State::Rejected => "rejected",
            State::Ignored => "ignored",
            State::Quarantined => "quarantined",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The languages a consultation is run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    En,
    /// French.
    Fr,
    /// Spanish.
    Es,
}

impl Lang {
    /// Every supported language.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Fr, Lang::Es];

    /// The ISO 639-1 code (`en`, `fr`, `es`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Es => "es",
        }
    }

    /// Parses an ISO 639-1 code or a language tag such as `fr-CA`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" | "eng" => Some(Lang::En),
            "fr" | "fra" | "fre" => Some(Lang::Fr),
            "es" | "spa" => Some(Lang::Es),
            _ => None,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a submission is held for a closer look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum FlagKind {
    /// The MTA marked it as spam (`X-Spam-Flag: YES`).
    Spam,
    /// The trusted server's `Authentication-Results` say DMARC or DKIM failed.
    AuthFail,
    /// Nothing was received from this address before.
    FirstTimeSender,
    /// Received after the question's or the space's closing date.
    AfterDeadline,
    /// An attachment was over the size limit and was dropped.
    AttachmentTooLarge,
    /// The language could not be determined reliably.
    LangUndetermined,
    /// Written in a language the consultation does not run in.
    UnsupportedLanguage,
    /// Paragraphs in more than one of the consultation's languages.
    MixedLanguage,
    /// The sender is on the trusted list (still held for a moderator).
    Trusted,
    /// Never answered automatically, whatever the decision: discarded, rejected as spam,
    /// a banned sender, or released from ignored or quarantined mail.
    NoReply,
    /// An attached document has no text layer (a scan): only OCR or a reader can tell
    /// what it says.
    NeedsOcr,
}

impl FlagKind {
    /// The kebab-case name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::Spam => "spam",
            FlagKind::AuthFail => "auth-fail",
            FlagKind::FirstTimeSender => "first-time-sender",
            FlagKind::AfterDeadline => "after-deadline",
            FlagKind::AttachmentTooLarge => "attachment-too-large",
            FlagKind::LangUndetermined => "lang-undetermined",
            FlagKind::UnsupportedLanguage => "unsupported-language",
            FlagKind::MixedLanguage => "mixed-language",
            FlagKind::Trusted => "trusted",
            FlagKind::NoReply => "no-reply",
            FlagKind::NeedsOcr => "needs-ocr",
        }
    }

    /// Parses the kebab-case name.
    pub fn parse(name: &str) -> Option<FlagKind> {
        use FlagKind::*;
        [
            Spam,
            AuthFail,
            FirstTimeSender,
            AfterDeadline,
            AttachmentTooLarge,
            LangUndetermined,
            UnsupportedLanguage,
            MixedLanguage,
            Trusted,
            NoReply,
            NeedsOcr,
        ]
        .into_iter()
        .find(|f| f.as_str() == name)
    }
}

impl fmt::Display for FlagKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A hold reason with the evidence behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    /// What kind of hold.
    pub kind: FlagKind,
    /// Why, in words a moderator can check (e.g. "dmarc=fail from mx.example.org").
    pub why: String,
}

impl Flag {
    /// A flag with its reason.
    pub fn new(kind: FlagKind, why: impl Into<String>) -> Self {
        Flag {
            kind,
            why: why.into(),
        }
    }
}

/// Who sent a submission, as a moderator may correct it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// Display name ("Sarah Doyel").
    pub name: String,
    /// Email address, lower-cased (never published).
    pub address: String,
    /// Organisation, when the sender gives one ("IOM").
    pub affiliation: Option<String>,
    /// The department, unit or office within the organisation, when the signature gives
    /// both ("Migration Directorate").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The kind of stakeholder they write for, and what decided it (none: unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stakeholder: Option<Stakeholder>,
}

/// A discussion question a submission answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub struct QuestionRef {
    /// The discussion space's id from the config.
    pub space: String,
    /// The question's number within the space.
    pub number: u32,
}

impl fmt::Display for QuestionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.space, self.number)
    }
}

/// Where a message came from, so a moderator (and a re-run) can find it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The kind of source: `maildir`, `mbox`, `stdin`, `imap`.
    pub source: String,
    /// The mailbox (path or URL) and the message's place in it.
    pub location: String,
}

/// The mail headers a moderator or the classifier may need later.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailHeaders {
    /// `Message-ID`, without angle brackets.
    pub message_id: Option<String>,
    /// `In-Reply-To` ids.
    pub in_reply_to: Vec<String>,
    /// `References` ids.
    pub references: Vec<String>,
    /// The `Date` header, when it parses.
    pub date: Option<Timestamp>,
    /// `Content-Language`.
    pub content_language: Vec<String>,
    /// `Auto-Submitted`.
    pub auto_submitted: Option<String>,
    /// `Precedence`.
    pub precedence: Option<String>,
    /// `List-Id`.
    pub list_id: Option<String>,
    /// `Return-Path` (empty string for the null sender `<>`).
    pub return_path: Option<String>,
    /// Recipients (To and Cc), lower-cased.
    pub recipients: Vec<String>,
}

/// One contribution as stored: the source of truth for every other view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// Record format version.
    pub v: u32,
    /// The short id.
    pub id: SubmissionId,
    /// Moderation state.
    pub state: State,
    /// Why the submission is in its state, when that needs saying (ignored, quarantined, rejected).
    pub reason: Option<String>,
    /// When hubmail stored it.
    pub received: Timestamp,
    /// Where it came from.
    pub origin: Origin,
    /// The decoded subject.
    pub subject: String,
    /// Who sent it.
    pub author: Author,
    /// Selected headers.
    pub headers: MailHeaders,
    /// The detected language (None when undetermined or unsupported).
    pub lang: Option<Lang>,
    /// The detector's confidence, 0.0–1.0.
    pub lang_confidence: f64,
    /// Other consultation languages found in a mixed contribution.
    #[serde(default)]
    pub other_langs: Vec<Lang>,
    /// The cover note's language, when an attached paper in another decided `lang`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_lang: Option<Lang>,
    /// The question it answers, when routed.
    pub question: Option<QuestionRef>,
    /// How it was routed (e.g. "subject tag `[Q2]`"), or why it was not.
    pub routed_by: Option<String>,
    /// The earlier contribution this one replies to (by In-Reply-To or References).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<SubmissionId>,
    /// The contribution this one is another language's version of (its lead): decided,
    /// counted and published with it (see [`crate::translation`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translation_of: Option<SubmissionId>,
    /// The other languages' versions of this contribution, when it leads them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub translations: Vec<SubmissionId>,
    /// Global Compact for Migration objectives mentioned (1–23).
    pub objectives: Vec<u8>,
    /// The contribution text.
    pub body: String,
    /// Quoted earlier mail separated from the contribution (kept, never thrown away).
    pub quoted: String,
    /// The signature separated from the contribution.
    pub signature: String,
    /// Where the body came from: `text/plain` or `text/html`.
    pub body_source: String,
    /// Attachments (metadata; bytes in the blob store).
    pub attachments: Vec<Attachment>,
    /// Hold reasons.
    pub flags: Vec<Flag>,
    /// SHA-256 of the raw message (hex).
    pub raw_sha256: String,
    /// Size of the raw message in bytes.
    pub raw_size: u64,
    /// How many later copies of this message were recognised as duplicates.
    #[serde(default)]
    pub duplicates: u32,
    /// Approvals given so far (several when the config requires peer review).
    #[serde(default)]
    pub approvals: Vec<Approval>,
    /// The last decision (approve, reject, release, reopen), when there was one.
    #[serde(default)]
    pub decision: Option<DecisionRecord>,
    /// Earlier versions of the publishable fields, oldest first; empty until the first edit
    /// (revision 1 is then the original).
    #[serde(default)]
    pub revisions: Vec<Revision>,
}

/// One moderator's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Who approved.
    pub moderator: String,
    /// When.
    pub at: Timestamp,
}

/// A moderator's decision on a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// Who decided.
    pub moderator: String,
    /// When.
    pub at: Timestamp,
    /// The state it led to.
    pub state: State,
    /// The reason code, for a rejection.
    pub code: Option<ReasonCode>,
    /// The reason in the moderator's words (a rejection's text for the contributor).
    pub reason: Option<String>,
}

/// The fields a moderator may edit and the public page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publishable {
    /// Author's display name.
    pub author_name: String,
    /// Author's affiliation.
    pub affiliation: Option<String>,
    /// Subject.
    pub subject: String,
    /// Contribution text.
    pub body: String,
    /// The question it answers.
    pub question: Option<QuestionRef>,
    /// The language it is written in, as detected or as a moderator corrected it (none:
    /// undetermined). Revisions stored before it was editable have none.
    #[serde(default)]
    pub lang: Option<Lang>,
    /// The department within the affiliation.
    #[serde(default)]
    pub department: Option<String>,
    /// The stakeholder type (none: unknown); what decided it stays with the record.
    #[serde(default)]
    pub stakeholder: Option<StakeholderType>,
}

/// A stored version of the publishable fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// 1 for the original, then 2, 3…
    pub number: u32,
    /// When this version was replaced.
    pub replaced_at: Timestamp,
    /// Who replaced it (the editing moderator).
    pub replaced_by: String,
    /// The fields as they were.
    pub fields: Publishable,
}

impl Submission {
    /// The publishable fields as they stand.
    pub fn publishable(&self) -> Publishable {
        Publishable {
            author_name: self.author.name.clone(),
            affiliation: self.author.affiliation.clone(),
            subject: self.subject.clone(),
            body: self.body.clone(),
            question: self.question.clone(),
            lang: self.lang,
            department: self.author.department.clone(),
            stakeholder: self.author.stakeholder.as_ref().map(|s| s.kind),
        }
    }

    /// Replaces the publishable fields. A stakeholder type that changes is recorded as
    /// `by` says (a moderator's name, or "a restored revision").
    pub fn set_publishable(&mut self, p: Publishable, by: &str) {
        self.author.name = p.author_name;
        self.author.affiliation = p.affiliation;
        self.author.department = p.department;
        self.subject = p.subject;
        self.body = p.body;
        self.question = p.question;
        self.lang = p.lang;
        if p.stakeholder != self.author.stakeholder.as_ref().map(|s| s.kind) {
            self.author.stakeholder = p.stakeholder.map(|kind| Stakeholder {
                kind,
                by: format!("set by {by}"),
                by_moderator: true,
            });
        }
    }
}

#[cfg(test)]
impl Submission {
    /// A submission for unit tests: #7, from "A" <a@x.org>, in French, text "text".
    pub fn example(state: State) -> Submission {
        Submission {
            v: 1,
            id: SubmissionId(7),
            state,
            reason: None,
            received: Timestamp::UNIX_EPOCH,
            origin: Origin {
                source: "test".into(),
                location: "x".into(),
            },
            subject: "S".into(),
            author: Author {
                name: "A".into(),
                address: "a@x.org".into(),
                affiliation: None,
                department: None,
                stakeholder: None,
            },
            headers: MailHeaders::default(),
            lang: Some(Lang::Fr),
            lang_confidence: 1.0,
            other_langs: vec![],
            note_lang: None,
            question: None,
            routed_by: None,
            parent: None,
            translation_of: None,
            translations: Vec::new(),
            objectives: vec![],
            body: "text".into(),
            quoted: String::new(),
            signature: String::new(),
            body_source: "text/plain".into(),
            attachments: vec![],
            flags: vec![],
            raw_sha256: String::new(),
            raw_size: 0,
            duplicates: 0,
            approvals: vec![],
            decision: None,
            revisions: vec![],
        }
    }
}

impl Submission {
    /// Whether the submission carries a flag of this kind.
    pub fn has_flag(&self, kind: FlagKind) -> bool {
        self.flags.iter().any(|f| f.kind == kind)
    }

    /// The date shown and searched: the mail's own `Date`, unless it is missing or later
    /// than its arrival (a wrong clock), then the arrival time.
    pub fn date(&self) -> Timestamp {
        match self.headers.date {
            Some(d) if d <= self.received => d,
            _ => self.received,
        }
    }
}

mod attachment;
mod dates;
mod lang_names;
mod reason;
mod records;
mod stakeholder;

pub use attachment::{Attachment, Extraction, ExtractionKind, ExtractionOutcome};
pub use reason::ReasonCode;
pub use records::{
    AddedQuestion, AuditEntry, MailKind, OutboxEntry, OutboxStatus, SenderPolicy, SenderRule,
};
pub use stakeholder::{Stakeholder, StakeholderType};
