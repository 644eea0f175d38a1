//! The index schema and its analyzers. Bump [`SCHEMA_VERSION`] on any change here: the
//! index is then rebuilt from the store on next open.

use tantivy::schema::{
    FAST, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter,
    TextAnalyzer,
};
use tantivy::{DateTime, Index, TantivyDocument};

use super::pairs::WordPairs;
use super::stems::CachedStemmer;
use crate::model::{Lang, Submission};

/// The schema's version, written beside the index.
pub const SCHEMA_VERSION: u32 = 5;

/// Analyzer names registered with the index.
const PLAIN: &str = "hub_plain";

fn analyzer_name(lang: Option<Lang>) -> &'static str {
    match lang {
        Some(Lang::En) => "hub_en",
        Some(Lang::Fr) => "hub_fr",
        Some(Lang::Es) => "hub_es",
        None => PLAIN,
    }
}

/// The fields, by role. Language-specific text fields are indexed `[en, fr, es, und]`.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)] // each field is named after what it holds
pub struct Fields {
    pub id: tantivy::schema::Field,
    pub state: tantivy::schema::Field,
    pub lang: tantivy::schema::Field,
    pub stakeholder: tantivy::schema::Field,
    pub space: tantivy::schema::Field,
    pub question: tantivy::schema::Field,
    pub subject: [tantivy::schema::Field; 4],
    pub body: [tantivy::schema::Field; 4],
    pub author: tantivy::schema::Field,
    pub affiliation: tantivy::schema::Field,
    pub address: tantivy::schema::Field,
    pub objective: tantivy::schema::Field,
    pub received: tantivy::schema::Field,
    pub attachment: tantivy::schema::Field,
    pub has: tantivy::schema::Field,
    pub subject_stored: tantivy::schema::Field,
    pub excerpt: tantivy::schema::Field,
    /// Text read from attachments, each in its own language's field.
    pub paper: [tantivy::schema::Field; 4],
    /// Per attachment with text: its name, and its text's start for snippets.
    pub paper_name: tantivy::schema::Field,
    pub paper_stored: tantivy::schema::Field,
}

/// How much of an attachment's text the index keeps for snippets.
const PAPER_SNIPPET_BYTES: usize = 64 * 1024;

/// How much of a contribution's text the index keeps for excerpts (the start of the text:
/// analysing whole long contributions for ten snippets would cost more than the search).
const EXCERPT_SOURCE_BYTES: usize = 1200;

/// The start of `text`, at most [`EXCERPT_SOURCE_BYTES`] and cut at a character boundary.
fn excerpt_source(text: &str) -> &str {
    let mut end = text.len().min(EXCERPT_SOURCE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn text(analyzer: &str, stored: bool) -> TextOptions {
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    if stored {
        options.set_stored()
    } else {
        options
    }
}

/// tantivy keeps dates as nanoseconds in an i64 (years 1678–2262) and overflows outside;
/// a mail's Date header can say anything, so times are clamped into that range.
pub fn date_value(t: jiff::Timestamp) -> DateTime {
    const LIMIT: i64 = i64::MAX / 1_000_000_000;
    DateTime::from_timestamp_secs(t.as_second().clamp(-LIMIT, LIMIT))
}

/// Builds the schema.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let langs = [Some(Lang::En), Some(Lang::Fr), Some(Lang::Es), None];
    let suffix = |l: Option<Lang>| l.map_or("und", |l| l.code());
    let subject = langs.map(|l| {
        b.add_text_field(
            &format!("subject_{}", suffix(l)),
            text(analyzer_name(l), false),
        )
    });
    // Indexed whole, stored only as far as excerpts read (`excerpt`).
    let body = langs.map(|l| {
        b.add_text_field(
            &format!("body_{}", suffix(l)),
            text(analyzer_name(l), false),
        )
    });
    let paper = langs.map(|l| {
        b.add_text_field(
            &format!("paper_{}", suffix(l)),
            text(analyzer_name(l), false),
        )
    });
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        state: b.add_text_field("state", STRING | STORED | FAST),
        lang: b.add_text_field("lang", STRING | STORED | FAST),
        stakeholder: b.add_text_field("type", STRING | STORED | FAST),
        space: b.add_text_field("space", STRING | STORED | FAST),
        question: b.add_text_field("question", STRING | STORED | FAST),
        subject,
        body,
        author: b.add_text_field("author", text(PLAIN, true)),
        affiliation: b.add_text_field("affiliation", text(PLAIN, true)),
        address: b.add_text_field("address", text(PLAIN, false)),
        objective: b.add_u64_field("objective", INDEXED | STORED | FAST),
        received: b.add_date_field("received", INDEXED | STORED | FAST),
        attachment: b.add_text_field("attachment", text(PLAIN, true)),
        has: b.add_text_field("has", STRING),
        subject_stored: b.add_text_field("subject", STORED),
        excerpt: b.add_text_field("excerpt", STORED),
        paper,
        paper_name: b.add_text_field("paper_name", STORED),
        paper_stored: b.add_text_field("paper_text", STORED),
    };
    (b.build(), fields)
}

/// Words lower-cased, accent-folded, without stop words and stemmed in the text's
/// language, each adjacent two also indexed as a pair (see [`super::pairs`]).
fn analyzer(language: Option<Language>) -> TextAnalyzer {
    let base = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser);
    match language {
        Some(language) => base
            .filter(StopWordFilter::new(language).expect("tantivy ships stop words for en, fr, es"))
            .filter(AsciiFoldingFilter)
            .filter(CachedStemmer::new(language).expect("the index analyses only en, fr and es"))
            .filter(WordPairs)
            .build(),
        None => base.filter(AsciiFoldingFilter).filter(WordPairs).build(),
    }
}

/// Registers hubmail's analyzers on an index (they are not persisted by tantivy).
pub fn register_analyzers(index: &Index) {
    let manager = index.tokenizers();
    manager.register(PLAIN, analyzer(None));
    manager.register("hub_en", analyzer(Some(Language::English)));
    manager.register("hub_fr", analyzer(Some(Language::French)));
    manager.register("hub_es", analyzer(Some(Language::Spanish)));
}

fn slot(lang: Option<Lang>) -> usize {
    match lang {
        Some(Lang::En) => 0,
        Some(Lang::Fr) => 1,
        Some(Lang::Es) => 2,
        None => 3,
    }
}

/// The document for a submission.
pub fn document(f: &Fields, s: &Submission) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_u64(f.id, s.id.0);
    doc.add_text(f.state, s.state.as_str());
    doc.add_text(f.lang, s.lang.map_or("und", |l| l.code()));
    let kind = s.author.stakeholder.as_ref();
    doc.add_text(f.stakeholder, kind.map_or("unknown", |t| t.kind.as_str()));
    match &s.question {
        Some(q) => {
            doc.add_text(f.space, &q.space);
            doc.add_text(f.question, q.number.to_string());
        }
        None => doc.add_text(f.question, "none"),
    }
    let i = slot(s.lang);
    doc.add_text(f.subject[i], &s.subject);
    doc.add_text(f.body[i], &s.body);
    doc.add_text(f.excerpt, excerpt_source(s.contribution_text()));
    doc.add_text(f.subject_stored, &s.subject);
    doc.add_text(f.author, &s.author.name);
    if let Some(a) = &s.author.affiliation {
        doc.add_text(f.affiliation, a);
    }
    doc.add_text(f.address, &s.author.address);
    for o in &s.objectives {
        doc.add_u64(f.objective, u64::from(*o));
    }
    let received = date_value(s.date());
    doc.add_date(f.received, received);
    for a in &s.attachments {
        doc.add_text(f.attachment, &a.name);
    }
    if !s.attachments.is_empty() {
        doc.add_text(f.has, "attachment");
    }
    for (a, e) in s
        .attachments
        .iter()
        .filter_map(|a| a.extraction.as_ref().map(|e| (a, e)))
        .filter(|(_, e)| !e.text.is_empty())
    {
        doc.add_text(f.paper[slot(e.lang)], &e.text);
        doc.add_text(f.paper_name, &a.name);
        let mut end = e.text.len().min(PAPER_SNIPPET_BYTES);
        while !e.text.is_char_boundary(end) {
            end -= 1;
        }
        doc.add_text(f.paper_stored, &e.text[..end]);
    }
    doc
}
