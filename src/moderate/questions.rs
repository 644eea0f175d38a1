//! Discussion questions moderators add (`hubmail question add`), often promoting a
//! participant's own question, as the consultation page invites them to "pose your own
//! questions to the moderators and other participants".

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::check_moderator;
use crate::config::Config;
use crate::model::{AddedQuestion, Lang, RECORD_VERSION, SubmissionId};
use crate::store::Store;
use crate::{Error, Result};

/// What a moderator asks for: a question in a space, with titles and/or a contribution it
/// comes from.
#[derive(Debug, Clone, Default)]
pub struct NewQuestion {
    /// The space (default: the contribution's, else the first).
    pub space: Option<String>,
    /// Titles per language; from the contribution's subject when none is given.
    pub titles: BTreeMap<Lang, String>,
    /// The contribution it is promoted from.
    pub from: Option<SubmissionId>,
}

/// Adds a question: numbered after every question its space has (declared, added, or
/// cited by a contribution), stored with its audit entry. Returns it as stored.
pub fn add_question(
    store: &Store,
    config: &Config,
    new: NewQuestion,
    moderator: &str,
    now: Timestamp,
) -> Result<AddedQuestion> {
    check_moderator(config, moderator).map_err(Error::Refused)?;
    let source = new.from.map(|id| store.get(id)).transpose()?;
    let space_id = new
        .space
        .or_else(|| {
            source
                .as_ref()
                .and_then(|s| s.question.as_ref())
                .map(|q| q.space.clone())
                .filter(|id| config.space(id).is_some())
        })
        .unwrap_or_else(|| config.default_space().id.clone());
    let config = config.with_added_questions(&store.added_questions()?);
    let space = config.space(&space_id).ok_or_else(|| {
        Error::Refused(format!(
            "there is no discussion space {space_id:?} in the configuration"
        ))
    })?;
    let mut titles: BTreeMap<Lang, String> = new
        .titles
        .into_iter()
        .map(|(l, t)| (l, t.split_whitespace().collect::<Vec<_>>().join(" ")))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    if titles.is_empty()
        && let Some(s) = &source
    {
        let title = crate::route::bare_subject(&s.subject);
        if !title.is_empty() {
            titles.insert(s.lang.unwrap_or(space.first_lang()), title);
        }
    }
    if titles.is_empty() {
        return Err(Error::Refused(
            "a question needs a title: give --en, --fr or --es (or --from a contribution \
             with a subject)"
                .into(),
        ));
    }
    if let Some(t) = titles.values().find(|t| t.chars().count() > 300) {
        return Err(Error::Refused(format!(
            "a question's title is at most 300 characters; this one has {}",
            t.chars().count()
        )));
    }
    let mut highest = space.questions.iter().map(|q| q.number).max().unwrap_or(0);
    for row in store.listing(None, false) {
        if let Some(q) = row?.question.filter(|q| q.space == space.id) {
            highest = highest.max(q.number);
        }
    }
    if highest >= 99 {
        return Err(Error::Refused(format!(
            "space {:?} already has question {highest}; contributors cite questions 1 to 99",
            space.id
        )));
    }
    let question = AddedQuestion {
        v: RECORD_VERSION,
        space: space.id.clone(),
        number: highest + 1,
        title: titles,
        from: new.from,
        message_id: source.and_then(|s| s.headers.message_id),
        by: moderator.to_string(),
        at: now,
    };
    store.add_question(&question)?;
    Ok(question)
}
