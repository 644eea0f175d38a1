//! The JSON shapes of submissions: the contract scripts and tests rely on.

use serde::Serialize;

use hubmail::model::{Submission, SubmissionId};

/// Author as shown to moderators.
#[derive(Debug, Serialize)]
pub struct AuthorView<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub affiliation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<&'a str>,
    /// The stakeholder type ("member-state"), none when unknown.
    pub stakeholder: Option<&'static str>,
    /// What decided the type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stakeholder_by: Option<&'a str>,
}

/// One row of `hubmail queue --json`.
#[derive(Debug, Serialize)]
pub struct QueueRow<'a> {
    pub id: SubmissionId,
    pub state: &'static str,
    pub lang: Option<&'static str>,
    pub subject: &'a str,
    pub author: AuthorView<'a>,
    pub received: String,
    pub date: String,
    pub space: Option<&'a str>,
    pub question: Option<u32>,
    pub flags: Vec<&'static str>,
    pub reason: Option<&'a str>,
    pub approvals: usize,
}

impl<'a> QueueRow<'a> {
    pub fn new(s: &'a Submission) -> Self {
        QueueRow {
            id: s.id,
            state: s.state.as_str(),
            lang: s.lang.map(|l| l.code()),
            subject: &s.subject,
            author: author(s),
            received: s.received.to_string(),
            date: s.date().to_string(),
            space: s.question.as_ref().map(|q| q.space.as_str()),
            question: s.question.as_ref().map(|q| q.number),
            flags: s.flags.iter().map(|f| f.kind.as_str()).collect(),
            reason: s.reason.as_deref(),
            approvals: s.approvals.len(),
        }
    }
}

fn author(s: &Submission) -> AuthorView<'_> {
    AuthorView {
        name: &s.author.name,
        address: &s.author.address,
        affiliation: s.author.affiliation.as_deref(),
        department: s.author.department.as_deref(),
        stakeholder: s.author.stakeholder.as_ref().map(|t| t.kind.as_str()),
        stakeholder_by: s.author.stakeholder.as_ref().map(|t| t.by.as_str()),
    }
}

/// An attachment in `hubmail show --json`.
#[derive(Debug, Serialize)]
pub struct AttachmentView<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub size: u64,
    pub stored: bool,
    /// What was read from it: kind, outcome and its figures, title (not the text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extraction: Option<ExtractionView<'a>>,
}

/// An attachment's extraction in `hubmail show --json`: the text's length, not the text
/// (`show ID --attachment N` prints it).
#[derive(Debug, Serialize)]
pub struct ExtractionView<'a> {
    pub kind: Option<&'static str>,
    pub outcome: &'static str,
    pub summary: String,
    pub title: Option<&'a str>,
    pub chars: usize,
    /// The text's own language.
    pub lang: Option<&'static str>,
    /// The body is a cover note for it: it decided the submission's language and objectives.
    pub decides: bool,
}

/// A flag with its reason.
#[derive(Debug, Serialize)]
pub struct FlagView<'a> {
    pub name: &'static str,
    pub why: &'a str,
}

/// `hubmail show --json`.
#[derive(Debug, Serialize)]
pub struct SubmissionView<'a> {
    pub id: SubmissionId,
    pub state: &'static str,
    pub reason: Option<&'a str>,
    pub lang: Option<&'static str>,
    pub lang_confidence: f64,
    pub other_langs: Vec<&'static str>,
    /// The cover note's language, when an attached paper in another decided `lang`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note_lang: Option<&'static str>,
    pub subject: &'a str,
    pub author: AuthorView<'a>,
    pub received: String,
    pub date: String,
    pub space: Option<&'a str>,
    pub question: Option<u32>,
    pub routed_by: Option<&'a str>,
    /// The earlier contribution this one replies to.
    pub parent: Option<u64>,
    /// The contribution this one is another language's version of.
    pub translation_of: Option<u64>,
    /// The other languages' versions of this one.
    pub translations: Vec<u64>,
    pub objectives: &'a [u8],
    pub body: &'a str,
    pub quoted: &'a str,
    pub signature: &'a str,
    pub body_source: &'a str,
    pub attachments: Vec<AttachmentView<'a>>,
    pub flags: Vec<&'static str>,
    pub flag_reasons: Vec<FlagView<'a>>,
    pub message_id: Option<&'a str>,
    pub in_reply_to: &'a [String],
    pub origin: String,
    pub raw_size: u64,
    pub duplicates: u32,
    pub approvals: Vec<ApprovalView<'a>>,
    pub decision: Option<DecisionView<'a>>,
    pub revisions: Vec<RevisionView<'a>>,
}

/// An approval in `show --json`.
#[derive(Debug, Serialize)]
pub struct ApprovalView<'a> {
    pub moderator: &'a str,
    pub at: String,
}

/// The last decision in `show --json`.
#[derive(Debug, Serialize)]
pub struct DecisionView<'a> {
    pub state: &'static str,
    pub moderator: &'a str,
    pub at: String,
    pub code: Option<&'static str>,
    pub reason: Option<&'a str>,
}

/// An earlier revision in `show --json`.
#[derive(Debug, Serialize)]
pub struct RevisionView<'a> {
    pub number: u32,
    pub replaced_at: String,
    pub replaced_by: &'a str,
    pub author: &'a str,
    pub affiliation: Option<&'a str>,
    pub subject: &'a str,
    pub question: Option<u32>,
    pub body: &'a str,
}

impl<'a> SubmissionView<'a> {
    pub fn new(s: &'a Submission) -> Self {
        SubmissionView {
            id: s.id,
            state: s.state.as_str(),
            reason: s.reason.as_deref(),
            lang: s.lang.map(|l| l.code()),
            lang_confidence: s.lang_confidence,
            other_langs: s.other_langs.iter().map(|l| l.code()).collect(),
            note_lang: s.note_lang.map(|l| l.code()),
            subject: &s.subject,
            author: author(s),
            received: s.received.to_string(),
            date: s.date().to_string(),
            space: s.question.as_ref().map(|q| q.space.as_str()),
            question: s.question.as_ref().map(|q| q.number),
            routed_by: s.routed_by.as_deref(),
            parent: s.parent.map(|p| p.0),
            translation_of: s.translation_of.map(|p| p.0),
            translations: s.translations.iter().map(|t| t.0).collect(),
            objectives: &s.objectives,
            body: &s.body,
            quoted: &s.quoted,
            signature: &s.signature,
            body_source: &s.body_source,
            attachments: s
                .attachments
                .iter()
                .map(|a| AttachmentView {
                    name: &a.name,
                    content_type: &a.content_type,
                    size: a.size,
                    stored: a.sha256.is_some(),
                    extraction: a.extraction.as_ref().map(|e| ExtractionView {
                        kind: e.kind.map(|k| k.as_str()),
                        outcome: e.outcome_name(),
                        summary: e.summary(),
                        title: e.title.as_deref(),
                        chars: e.text.chars().count(),
                        lang: e.lang.map(|l| l.code()),
                        decides: e.decides,
                    }),
                })
                .collect(),
            flags: s.flags.iter().map(|f| f.kind.as_str()).collect(),
            flag_reasons: s
                .flags
                .iter()
                .map(|f| FlagView {
                    name: f.kind.as_str(),
                    why: &f.why,
                })
                .collect(),
            message_id: s.headers.message_id.as_deref(),
            in_reply_to: &s.headers.in_reply_to,
            origin: format!("{} {}", s.origin.source, s.origin.location),
            raw_size: s.raw_size,
            duplicates: s.duplicates,
            approvals: s
                .approvals
                .iter()
                .map(|a| ApprovalView {
                    moderator: &a.moderator,
                    at: a.at.to_string(),
                })
                .collect(),
            decision: s.decision.as_ref().map(|d| DecisionView {
                state: d.state.as_str(),
                moderator: &d.moderator,
                at: d.at.to_string(),
                code: d.code.map(|c| c.as_str()),
                reason: d.reason.as_deref(),
            }),
            revisions: s
                .revisions
                .iter()
                .map(|r| RevisionView {
                    number: r.number,
                    replaced_at: r.replaced_at.to_string(),
                    replaced_by: &r.replaced_by,
                    author: &r.fields.author_name,
                    affiliation: r.fields.affiliation.as_deref(),
                    subject: &r.fields.subject,
                    question: r.fields.question.as_ref().map(|q| q.number),
                    body: &r.fields.body,
                })
                .collect(),
        }
    }
}
