//! Exports for the people who draft from the contributions (`hubmail export`): every
//! contribution of a selection, one row each, as CSV, JSON Lines, an XLSX workbook with a
//! sheet per question, or a Markdown dossier to read.
//!
//! The public export holds what the published site shows (approved contributions, their
//! text without salutation and signed closing, addresses in it removed) and nothing
//! else; the moderators' export (`Audience::Moderators`) adds the sender's address, the
//! state and the decision, and may select contributions that are not approved.
//! Every format is written beside its target and renamed over it, so a reader never
//! opens half a file.

mod dossier;
mod table;
mod xlsx;

use std::path::Path;

use jiff::Timestamp;
use serde::Serialize;

use crate::config::Config;
use crate::model::{Lang, StakeholderType, State, Submission};
use crate::publish::text::redact;
use crate::store::Store;
use crate::{Error, Result};

/// Who the export is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anyone: what the published site shows.
    Public,
    /// The moderators: with addresses, states and decisions.
    Moderators,
}

/// Which contributions to export.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Only this space's (as its page shows them: the default space also holds what is
    /// routed to no question or to a space no longer configured).
    pub space: Option<String>,
    /// Only this question's (`Some(None)`: the contributions routed to no question).
    pub question: Option<Option<u32>>,
    /// Only in this state; `None`: pending, approved and rejected (never ignored mail or
    /// quarantine, which are not contributions).
    pub state: Option<State>,
    /// Only dated on or after this instant.
    pub since: Option<Timestamp>,
    /// Who it is for.
    pub audience: Audience,
}

impl Selection {
    /// Every approved contribution, for anyone.
    pub fn public() -> Selection {
        Selection {
            space: None,
            question: None,
            state: Some(State::Approved),
            since: None,
            audience: Audience::Public,
        }
    }

    fn admits(&self, config: &Config, s: &Submission) -> bool {
        let in_state = match self.state {
            Some(state) => s.state == state,
            None => matches!(s.state, State::Pending | State::Approved | State::Rejected),
        };
        in_state
            && self
                .space
                .as_ref()
                .is_none_or(|id| config.space_showing(s.question.as_ref()).id == *id)
            && self
                .question
                .is_none_or(|n| question_number(config, s) == n)
            && self.since.is_none_or(|t| s.date() >= t)
    }
}

/// The format of the file written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 4180 CSV in UTF-8. `spreadsheet`: with a byte-order mark (so spreadsheet
    /// programs read UTF-8) and cells a spreadsheet would take for a formula (`=`, `+`,
    /// `-`, `@`) prefixed with `'`, as OWASP advises against CSV injection.
    Csv {
        /// Written for a spreadsheet program.
        spreadsheet: bool,
    },
    /// One JSON object per line.
    JsonLines,
    /// An Excel workbook: an overview sheet with the counts and a sheet per question.
    Xlsx,
    /// A dossier to read: per question, contributions grouped by stakeholder type.
    Markdown,
}

/// An attachment as the export names it.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentRow {
    /// The file's name.
    pub name: String,
    /// Characters of text read from it (0 when none could be).
    pub text_chars: u64,
    /// What reading it gave (`extracted`, `empty`, `encrypted`…), none when not tried.
    pub outcome: Option<&'static str>,
}

/// Another language's version of a contribution, exported in its row.
#[derive(Debug, Clone, Serialize)]
pub struct VersionRow {
    /// The version's submission id.
    pub id: u64,
    /// Its language.
    pub lang: Option<Lang>,
    /// Its heading.
    pub subject: String,
    /// Its text, as the contribution's.
    pub text: String,
}

/// One contribution, as every format writes it (the JSON Lines object, field for field).
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The submission's id.
    pub id: u64,
    /// The space whose page shows it.
    pub space: String,
    /// The question it answers in that space, none for the general section.
    pub question: Option<u32>,
    /// The question's title in the space's first language.
    pub question_title: Option<String>,
    /// Its language.
    pub lang: Option<Lang>,
    /// Other languages found in it (a bilingual mail).
    pub other_langs: Vec<Lang>,
    /// The stakeholder type ("member-state"), none when unknown.
    pub stakeholder_type: Option<StakeholderType>,
    /// The author's name.
    pub author: String,
    /// For whom the author writes.
    pub affiliation: Option<String>,
    /// The department within the affiliation.
    pub department: Option<String>,
    /// The country it comes from, where the affiliation or the address's domain tells.
    pub country: Option<crate::stakeholder::country::Country>,
    /// When it was written (RFC 3339, UTC).
    pub date: String,
    /// The heading: the subject without tags and reply prefixes.
    pub subject: String,
    /// The text as edited last, without the letter's salutation and signed closing.
    pub text: String,
    /// The Global Compact for Migration objectives it names.
    pub objectives: Vec<u8>,
    /// Its attachments.
    pub attachments: Vec<AttachmentRow>,
    /// The contribution it answers.
    pub in_reply_to: Option<u64>,
    /// Where it is published (approved contributions only).
    pub link: Option<String>,
    /// The campaign it belongs to (`G12`: the same text from many senders), if any.
    pub campaign: Option<String>,
    /// Its versions in other languages (linked with `hubmail link`), which have no row
    /// of their own.
    pub translations: Vec<VersionRow>,
    /// Moderators only: the sender's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Moderators only: its state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
    /// Moderators only: who decided, and why when it was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
}

impl Row {
    fn new(config: &Config, s: &Submission, audience: Audience) -> Row {
        let space = config.space_showing(s.question.as_ref());
        let number = question_number(config, s);
        let public = audience == Audience::Public;
        let clean = |t: &str| if public { redact(t) } else { t.to_string() };
        Row {
            id: s.id.0,
            space: space.id.clone(),
            question: number,
            question_title: number
                .and_then(|n| space.question(n))
                .and_then(|q| q.title.get(&space.first_lang()).or(q.title.values().next()))
                .cloned(),
            lang: s.lang,
            other_langs: s.other_langs.clone(),
            stakeholder_type: s.author.stakeholder.as_ref().map(|t| t.kind),
            author: clean(&s.author.name),
            affiliation: s.author.affiliation.as_deref().map(clean),
            department: s.author.department.as_deref().map(clean),
            country: crate::stakeholder::country::of(&s.author),
            date: s.date().to_string(),
            subject: clean(&crate::publish::heading(s)),
            text: clean(&crate::publish::published_text(s)),
            objectives: s.objectives.clone(),
            attachments: s
                .attachments
                .iter()
                .map(|a| AttachmentRow {
                    name: a.name.clone(),
                    text_chars: a
                        .extraction
                        .as_ref()
                        .map_or(0, |e| e.text.chars().count() as u64),
                    outcome: a.extraction.as_ref().map(|e| e.outcome_name()),
                })
                .collect(),
            in_reply_to: s.parent.map(|p| p.0),
            link: (s.state == State::Approved)
                .then(|| crate::publish::contribution_link(config, s)),
            campaign: None,
            translations: Vec::new(),
            address: (!public).then(|| s.author.address.clone()),
            state: (!public).then(|| s.state.as_str()),
            decision: (!public)
                .then(|| {
                    s.decision.as_ref().map(|d| {
                        let why = d
                            .code
                            .map(|c| c.as_str().to_string())
                            .into_iter()
                            .chain(d.reason.clone())
                            .collect::<Vec<_>>()
                            .join(": ");
                        format!(
                            "{} by {} on {}{}",
                            d.state,
                            d.moderator,
                            d.at.strftime("%Y-%m-%d"),
                            if why.is_empty() {
                                String::new()
                            } else {
                                format!(" ({why})")
                            }
                        )
                    })
                })
                .flatten(),
        }
    }
}

/// The question a submission answers in the space that shows it.
fn question_number(config: &Config, s: &Submission) -> Option<u32> {
    let space = config.space_showing(s.question.as_ref());
    s.question
        .as_ref()
        .filter(|q| q.space == space.id)
        .map(|q| q.number)
}

/// The selected contributions, in the site's order: by space as configured, by question
/// (the general section last), then by date and id.
pub fn rows(store: &Store, config: &Config, selection: &Selection) -> Result<Vec<Row>> {
    if selection.audience == Audience::Public && selection.state != Some(State::Approved) {
        return Err(Error::Refused(
            "only approved contributions are public: exporting pending or rejected ones \
             is for moderators (add --all)"
                .into(),
        ));
    }
    if let Some(id) = &selection.space
        && config.space(id).is_none()
    {
        let known: Vec<&str> = config.spaces.iter().map(|s| s.id.as_str()).collect();
        return Err(Error::Refused(format!(
            "no space {id:?} in the configuration (spaces: {})",
            known.join(", ")
        )));
    }
    let config = &*config.with_added_questions(&store.added_questions()?);
    // Campaigns are found among every contribution, so that a row says so even when the
    // selection holds one letter of it.
    let every = [State::Pending, State::Approved, State::Rejected];
    let mut campaign_of = std::collections::HashMap::new();
    for c in crate::campaign::in_store(store, config, &every)? {
        for id in &c.members {
            campaign_of.insert(*id, c.id.clone());
        }
    }
    let mut chosen = Vec::new();
    for s in store.submissions() {
        let s = s?;
        if selection.admits(config, &s) {
            chosen.push(s);
        }
    }
    // A contribution sent in several languages is one row, its lead's, with the other
    // texts in it.
    let lead_of = crate::translation::leads_among(&chosen.iter().collect::<Vec<_>>());
    let mut versions: std::collections::HashMap<_, Vec<VersionRow>> =
        std::collections::HashMap::new();
    for s in chosen.iter().filter(|s| lead_of.contains_key(&s.id)) {
        let row = Row::new(config, s, selection.audience);
        versions
            .entry(lead_of[&s.id])
            .or_default()
            .push(VersionRow {
                id: row.id,
                lang: row.lang,
                subject: row.subject,
                text: row.text,
            });
    }
    let mut out = Vec::new();
    for s in chosen.iter().filter(|s| !lead_of.contains_key(&s.id)) {
        let mut row = Row::new(config, s, selection.audience);
        row.campaign = campaign_of.get(&s.id).cloned();
        row.translations = versions.remove(&s.id).unwrap_or_default();
        out.push((s.date(), row));
    }
    let space_order = |id: &str| config.spaces.iter().position(|s| s.id == id);
    out.sort_by(|(da, a), (db, b)| {
        (
            space_order(&a.space),
            a.question.unwrap_or(u32::MAX),
            da,
            a.id,
        )
            .cmp(&(
                space_order(&b.space),
                b.question.unwrap_or(u32::MAX),
                db,
                b.id,
            ))
    });
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    /// The file.
    pub path: std::path::PathBuf,
    /// Contributions in it.
    pub contributions: usize,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Writes `rows` to `out` in `format`, atomically (a `.partial` file beside it, renamed).
pub fn write(
    config: &Config,
    rows: &[Row],
    audience: Audience,
    format: Format,
    out: &Path,
) -> Result<Written> {
    let bytes = match format {
        Format::Csv { spreadsheet } => table::csv(rows, audience, spreadsheet)?,
        Format::JsonLines => json_lines(rows)?,
        Format::Xlsx => xlsx::workbook(config, rows, audience)?,
        Format::Markdown => dossier::markdown(config, rows).into_bytes(),
    };
    let partial = out.with_file_name(format!(
        ".{}.partial",
        out.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".into())
    ));
    std::fs::write(&partial, &bytes).map_err(|e| Error::io("writing", &partial, e))?;
    std::fs::rename(&partial, out).map_err(|e| Error::io("renaming", &partial, e))?;
    Ok(Written {
        path: out.to_path_buf(),
        contributions: rows.len(),
        bytes: bytes.len() as u64,
    })
}

fn json_lines(rows: &[Row]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for r in rows {
        serde_json::to_writer(&mut out, r)
            .map_err(|e| Error::Setup(format!("serialising contribution {}: {e}", r.id)))?;
        out.push(b'\n');
    }
    Ok(out)
}

/// A sheet's or a section's contributions: consecutive rows with the same key.
type Run<'a, K> = (K, Vec<&'a Row>);

/// The rows cut into runs of the same key (they are sorted: a space's, a question's
/// rows are consecutive).
fn runs<'a, K: PartialEq>(rows: &[&'a Row], key: impl Fn(&Row) -> K) -> Vec<Run<'a, K>> {
    let mut out: Vec<Run<'a, K>> = Vec::new();
    for r in rows {
        let k = key(r);
        match out.last_mut() {
            Some((last, list)) if *last == k => list.push(r),
            _ => out.push((k, vec![r])),
        }
    }
    out
}

/// The label of a stakeholder type as the export's readers see it, in `lang`.
fn type_label(kind: Option<StakeholderType>, lang: Lang) -> &'static str {
    kind.map_or(crate::report::Words::of(lang).type_unknown, |t| {
        t.label(lang)
    })
}
