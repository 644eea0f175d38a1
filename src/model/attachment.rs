//! Attachments as stored: the file's metadata and what was read from it (the kind of
//! document, the outcome, the title and the text, read by `extract`).

use serde::{Deserialize, Serialize};

use super::{Lang, Submission};

/// An attachment's metadata; its bytes live in the store's blob tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The declared file name, sanitised (no path separators, no control characters).
    pub name: String,
    /// The declared MIME type.
    pub content_type: String,
    /// Size in bytes of the decoded content.
    pub size: u64,
    /// SHA-256 of the content (hex); `None` when the attachment was dropped.
    pub sha256: Option<String>,
    /// Its text, as the extraction worker read it (none: not tried, as before 2026-12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extraction: Option<Extraction>,
}

/// What kind of document a file is, by its bytes first and its name and declared type
/// only when the bytes cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExtractionKind {
    /// PDF (`%PDF-`).
    Pdf,
    /// Word (OOXML: a zip holding `word/document.xml`).
    Docx,
    /// OpenDocument text (a zip whose `mimetype` is `application/vnd.oasis.opendocument.text`).
    Odt,
    /// Rich Text Format (`{\rtf`).
    Rtf,
    /// HTML.
    Html,
    /// Plain text.
    Text,
}

impl ExtractionKind {
    /// The name used on the worker's command line and in records.
    pub fn as_str(self) -> &'static str {
        match self {
            ExtractionKind::Pdf => "pdf",
            ExtractionKind::Docx => "docx",
            ExtractionKind::Odt => "odt",
            ExtractionKind::Rtf => "rtf",
            ExtractionKind::Html => "html",
            ExtractionKind::Text => "text",
        }
    }

    /// Parses [`ExtractionKind::as_str`].
    pub fn parse(name: &str) -> Option<ExtractionKind> {
        [
            ExtractionKind::Pdf,
            ExtractionKind::Docx,
            ExtractionKind::Odt,
            ExtractionKind::Rtf,
            ExtractionKind::Html,
            ExtractionKind::Text,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// What became of one attachment's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum ExtractionOutcome {
    /// Text was read.
    Extracted {
        /// Pages, for the formats that have them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pages: Option<u32>,
        /// Characters of text kept.
        chars: u64,
        /// Why not all of it was read (a page or character limit), when it was not.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        truncated: Option<String>,
    },
    /// A document with no text layer: a scanned PDF, to be read by OCR (`needs-ocr`).
    Empty {
        /// Pages, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pages: Option<u32>,
    },
    /// Protected by a password: nothing can be read.
    Encrypted,
    /// Over a limit before any text could be read (an archive that unzips too large).
    TooLarge {
        /// Which limit, in words.
        reason: String,
    },
    /// The file could not be read.
    Failed {
        /// Why, in words.
        reason: String,
    },
    /// Not a kind of document hubmail reads (an image, a spreadsheet, an archive).
    Unsupported {
        /// What it seems to be.
        reason: String,
    },
}

/// An attachment's text and what was found out about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extraction {
    /// The kind read, when the file was one hubmail reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ExtractionKind>,
    /// What happened.
    #[serde(flatten)]
    pub outcome: ExtractionOutcome,
    /// The document's title: its metadata's, else its first heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The text, at most `[limits] extract_max_chars` characters.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// The text's own language, detected on it alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    /// The body only presents this document (a cover note): its text decides the
    /// submission's language, objectives and excerpt.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub decides: bool,
}

impl Extraction {
    /// An outcome without text.
    pub fn of(kind: Option<ExtractionKind>, outcome: ExtractionOutcome) -> Extraction {
        Extraction {
            kind,
            outcome,
            title: None,
            text: String::new(),
            lang: None,
            decides: false,
        }
    }

    /// The outcome's name (`extracted`, `empty`, `encrypted`, …).
    pub fn outcome_name(&self) -> &'static str {
        match self.outcome {
            ExtractionOutcome::Extracted { .. } => "extracted",
            ExtractionOutcome::Empty { .. } => "empty",
            ExtractionOutcome::Encrypted => "encrypted",
            ExtractionOutcome::TooLarge { .. } => "too-large",
            ExtractionOutcome::Failed { .. } => "failed",
            ExtractionOutcome::Unsupported { .. } => "unsupported",
        }
    }

    /// The outcome in a line a moderator reads ("extracted: 12 pages, 31,204 characters").
    pub fn summary(&self) -> String {
        match &self.outcome {
            ExtractionOutcome::Extracted {
                pages,
                chars,
                truncated,
            } => format!(
                "extracted: {}{chars} characters{}",
                pages.map_or(String::new(), |p| format!(
                    "{p} page{}, ",
                    if p == 1 { "" } else { "s" }
                )),
                truncated
                    .as_deref()
                    .map_or(String::new(), |t| format!(" — {t}"))
            ),
            ExtractionOutcome::Empty { pages } => format!(
                "no text{}: a scanned document? (needs OCR)",
                pages.map_or(String::new(), |p| format!(
                    " on {p} page{}",
                    if p == 1 { "" } else { "s" }
                ))
            ),
            ExtractionOutcome::Encrypted => {
                "encrypted: protected by a password, nothing read".into()
            }
            ExtractionOutcome::TooLarge { reason } => format!("too large: {reason}"),
            ExtractionOutcome::Failed { reason } => format!("not read: {reason}"),
            ExtractionOutcome::Unsupported { reason } => {
                format!("not a document hubmail reads: {reason}")
            }
        }
    }
}

impl Submission {
    /// The attached paper whose text is the contribution, when the body is a cover note.
    pub fn paper(&self) -> Option<(&Attachment, &Extraction)> {
        self.attachments
            .iter()
            .find_map(|a| a.extraction.as_ref().filter(|e| e.decides).map(|e| (a, e)))
    }

    /// The text that stands for the contribution: the paper's behind a cover note, else
    /// the body.
    pub fn contribution_text(&self) -> &str {
        self.paper().map_or(&self.body, |(_, e)| &e.text)
    }

    /// The language the contributor is written to in: the cover note's when a paper in
    /// another language decided `lang`, else `lang`.
    pub fn correspondence_lang(&self) -> Option<Lang> {
        self.note_lang.or(self.lang)
    }
}
