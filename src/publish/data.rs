//! The JSON export of a space's published contributions; its schema is
//! `docs/contributions.schema.json`.

use serde::Serialize;

use super::SpacePage;
use super::text::redact;
use crate::Result;
use crate::config::Config;

#[derive(Serialize)]
struct Export<'a> {
    schema_version: u32,
    space: SpaceView<'a>,
    questions: Vec<QuestionView<'a>>,
    contributions: Vec<ContributionView<'a>>,
}

#[derive(Serialize)]
struct SpaceView<'a> {
    id: &'a str,
    title: &'a str,
    aim: &'a str,
    lang: Option<&'static str>,
}

#[derive(Serialize)]
struct QuestionView<'a> {
    number: u32,
    title: &'a std::collections::BTreeMap<crate::model::Lang, String>,
}

#[derive(Serialize)]
struct AuthorView {
    name: String,
    affiliation: Option<String>,
    department: Option<String>,
    /// The stakeholder type ("member-state"), none when unknown.
    #[serde(rename = "type")]
    stakeholder: Option<&'static str>,
}

#[derive(Serialize)]
struct AttachmentView {
    name: String,
    content_type: String,
    size: u64,
    path: String,
}

#[derive(Serialize)]
struct ContributionView<'a> {
    id: u64,
    question: Option<u32>,
    author: AuthorView,
    lang: Option<&'static str>,
    date: String,
    subject: String,
    text: String,
    objectives: &'a [u8],
    /// The contribution this is another language's version of.
    #[serde(skip_serializing_if = "Option::is_none")]
    translation_of: Option<u64>,
    attachments: Vec<AttachmentView>,
}

/// The export, pretty-printed (stable key order: struct order; maps sorted).
pub fn json(_config: &Config, page: &SpacePage<'_>) -> Result<String> {
    let space = page.space;
    let export = Export {
        schema_version: 2,
        space: SpaceView {
            id: &space.id,
            title: space.title_in(space.first_lang()),
            aim: space.aim_in(space.first_lang()),
            lang: space.lang.map(|l| l.code()),
        },
        questions: space
            .questions
            .iter()
            .map(|q| QuestionView {
                number: q.number,
                title: &q.title,
            })
            .collect(),
        contributions: page
            .all()
            .map(|s| ContributionView {
                id: s.id.0,
                question: s
                    .question
                    .as_ref()
                    .filter(|q| q.space == space.id)
                    .map(|q| q.number),
                author: AuthorView {
                    name: redact(&s.author.name),
                    affiliation: s.author.affiliation.as_deref().map(redact),
                    department: s.author.department.as_deref().map(redact),
                    stakeholder: s.author.stakeholder.as_ref().map(|t| t.kind.as_str()),
                },
                lang: s.lang.map(|l| l.code()),
                date: s.date().to_string(),
                subject: redact(&s.subject),
                text: redact(&super::space_page::published_text(s)),
                objectives: &s.objectives,
                translation_of: page.is_version(s.id).then(|| page.card_of(s.id).0),
                attachments: s
                    .attachments
                    .iter()
                    .filter(|a| a.sha256.is_some())
                    .map(|a| AttachmentView {
                        name: a.name.clone(),
                        content_type: a.content_type.clone(),
                        size: a.size,
                        path: super::site::attachment_path(&space.id, s, &a.name),
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&export)
        .map_err(|e| crate::Error::Setup(format!("serialising the export: {e}")))?;
    out.push('\n');
    Ok(out)
}
