//! Linking the versions of one contribution: the later versions point at the lead (the
//! version a moderator links the others to, usually the first sent), and the lead lists
//! them. Both records change in one store transaction, each with its audit entry; unlinking
//! undoes it. A linked contribution is decided as one ([`crate::decision`]), and
//! published, exported and counted once, in its lead's place.

use std::collections::HashMap;

use crate::clock;
use crate::config::Config;
use crate::model::{Lang, State, Submission, SubmissionId};
use crate::moderate;
use crate::store::{AuditDraft, Change, Store};
use crate::{Error, Result};

/// The audit trail's verb for linking versions, and for unlinking them.
pub const LINK: &str = "link";
/// See [`LINK`].
pub const UNLINK: &str = "unlink";

/// What a link or an unlink did, for the moderator.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Linked {
    /// The lead.
    pub lead: SubmissionId,
    /// The versions linked to it, or unlinked from it.
    pub versions: Vec<SubmissionId>,
    /// One line for the moderator.
    pub summary: String,
}

/// The records of the contribution that `record` is a version of, lead first (just
/// `record` when it is linked to nothing). A version erased since is left out.
pub fn members(store: &Store, record: &Submission) -> Result<Vec<Submission>> {
    let lead = match record.translation_of {
        Some(lead) => match present(store, lead)? {
            Some(lead) if lead.translations.contains(&record.id) => lead,
            _ => return Ok(vec![record.clone()]),
        },
        None => record.clone(),
    };
    let mut all = Vec::with_capacity(1 + lead.translations.len());
    for id in &lead.translations {
        let version = if *id == record.id {
            Some(record.clone())
        } else {
            present(store, *id)?
        };
        all.extend(version.filter(|v| v.translation_of == Some(lead.id)));
    }
    all.insert(0, lead);
    Ok(all)
}

/// The versions among `records` whose lead is among them too, each to its lead: what a
/// listing of them shows and counts once, as the lead.
pub fn leads_among(records: &[&Submission]) -> HashMap<SubmissionId, SubmissionId> {
    let by_id: HashMap<SubmissionId, &Submission> = records.iter().map(|s| (s.id, *s)).collect();
    records
        .iter()
        .filter_map(|s| {
            let lead = by_id.get(&s.translation_of?)?;
            lead.translations.contains(&s.id).then_some((s.id, lead.id))
        })
        .collect()
}

/// The record, or `None` when it was erased or never existed.
fn present(store: &Store, id: SubmissionId) -> Result<Option<Submission>> {
    match store.get(id) {
        Ok(s) => Ok(Some(s)),
        Err(Error::NoSuchSubmission(_) | Error::Erased { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn lang_name(lang: Option<Lang>) -> &'static str {
    lang.map_or("an undetermined language", |l| l.name_in(Lang::En))
}

/// Links `version` to `lead` as another language's version of the same contribution.
/// When `lead` is itself a version, the link goes to its lead. Refused for a submission
/// linked already, or leading versions of its own, or in a language the contribution
/// has already.
pub fn link(
    store: &Store,
    config: &Config,
    (version, lead): (SubmissionId, SubmissionId),
    moderator: &str,
    dry_run: bool,
) -> Result<Linked> {
    moderate::check_moderator(config, moderator).map_err(Error::Refused)?;
    let v = store.get(version)?;
    let mut l = store.get(lead)?;
    if let Some(its_lead) = l.translation_of {
        l = store.get(its_lead)?;
    }
    if v.id == l.id {
        return Err(Error::Refused(format!(
            "submission {version} cannot be a version of itself"
        )));
    }
    if let Some(of) = v.translation_of {
        return Err(Error::Refused(format!(
            "submission {version} is already a version of {of}; 'hubmail unlink {version}' first"
        )));
    }
    if !v.translations.is_empty() {
        return Err(Error::Refused(format!(
            "submission {version} leads versions of its own ({}): link them to {} one by one, \
             after 'hubmail unlink {version}'",
            list(&v.translations),
            l.id
        )));
    }
    let Some(lang) = v.lang else {
        return Err(Error::Refused(format!(
            "submission {version} is in an undetermined language: set it with 'hubmail edit \
             {version}' first"
        )));
    };
    let taken = std::iter::once(l.lang)
        .chain(members(store, &l)?.iter().skip(1).map(|m| m.lang))
        .any(|other| other == Some(lang));
    if taken {
        return Err(Error::Refused(format!(
            "submission {} is in {} already, as {version} is: versions of one contribution \
             are in different languages",
            l.id,
            lang_name(Some(lang))
        )));
    }
    let mut after_l = l.clone();
    after_l.translations.push(v.id);
    after_l.translations.sort();
    let mut after_v = v.clone();
    after_v.translation_of = Some(l.id);
    let summary = format!(
        "linked {} as the {} version of {} ({})",
        v.id,
        lang_name(Some(lang)),
        l.id,
        lang_name(l.lang)
    );
    if !dry_run {
        let now = clock::now();
        let draft = |reason: String| AuditDraft {
            actor: moderator.to_string(),
            action: LINK.into(),
            reason: Some(reason),
            at: now,
        };
        store.replace_all(&[
            Change {
                before: &v,
                after: &after_v,
                audit: draft(format!("{} version of {}", lang_name(Some(lang)), l.id)),
                mail: None,
            },
            Change {
                before: &l,
                after: &after_l,
                audit: draft(format!(
                    "its {} version {} linked",
                    lang_name(Some(lang)),
                    v.id
                )),
                mail: None,
            },
        ])?;
    }
    Ok(Linked {
        lead: l.id,
        versions: vec![v.id],
        summary,
    })
}

/// Undoes [`link`]: a version is unlinked from its lead; a lead from all its versions.
pub fn unlink(
    store: &Store,
    config: &Config,
    id: SubmissionId,
    moderator: &str,
    dry_run: bool,
) -> Result<Linked> {
    moderate::check_moderator(config, moderator).map_err(Error::Refused)?;
    let record = store.get(id)?;
    let all = members(store, &record)?;
    // A link whose other end is gone (erased) is undone on this record alone.
    let (lead, versions): (Submission, Vec<Submission>) = match record.translation_of {
        Some(_) if all.len() > 1 => (all[0].clone(), vec![record.clone()]),
        Some(_) => (record.clone(), Vec::new()),
        None if !record.translations.is_empty() => (record.clone(), all[1..].to_vec()),
        None => {
            return Err(Error::Refused(format!(
                "submission {id} is linked to no other version"
            )));
        }
    };
    let mut after_lead = lead.clone();
    after_lead.translation_of = None;
    if lead.id == id {
        after_lead.translations.clear();
    } else {
        after_lead.translations.retain(|t| *t != id);
    }
    let ids: Vec<SubmissionId> = versions.iter().map(|v| v.id).collect();
    let summary = if ids.is_empty() {
        format!("unlinked {id}")
    } else {
        format!("unlinked {} from {}", list(&ids), lead.id)
    };
    if !dry_run {
        let now = clock::now();
        let draft = |reason: String| AuditDraft {
            actor: moderator.to_string(),
            action: UNLINK.into(),
            reason: Some(reason),
            at: now,
        };
        let unlinked: Vec<Submission> = versions
            .iter()
            .map(|v| {
                let mut after = v.clone();
                after.translation_of = None;
                after
            })
            .collect();
        let mut changes: Vec<Change<'_>> = versions
            .iter()
            .zip(&unlinked)
            .map(|(before, after)| Change {
                before,
                after,
                audit: draft(format!("no longer a version of {}", lead.id)),
                mail: None,
            })
            .collect();
        changes.push(Change {
            before: &lead,
            after: &after_lead,
            audit: draft(if ids.is_empty() {
                "its link to an erased submission undone".into()
            } else {
                format!("{} no longer its version", list(&ids))
            }),
            mail: None,
        });
        store.replace_all(&changes)?;
    }
    Ok(Linked {
        lead: lead.id,
        versions: ids,
        summary,
    })
}

/// Links every pair that [`super::in_store`] finds among the submissions in `states`
/// whose two versions are linked to nothing yet, the later to the earlier.
pub fn link_found(
    store: &Store,
    config: &Config,
    states: &[State],
    moderator: &str,
    dry_run: bool,
) -> Result<Vec<Result<Linked>>> {
    moderate::check_moderator(config, moderator).map_err(Error::Refused)?;
    let pairs = super::in_store(store, config, states)?;
    let mut done = Vec::new();
    for p in pairs {
        let second = store.get(p.second)?;
        // The earlier may be a version already (linked in this run): `link` then links
        // to its lead.
        if second.translation_of.is_none() && second.translations.is_empty() {
            done.push(link(store, config, (p.second, p.first), moderator, dry_run));
        }
    }
    Ok(done)
}

fn list(ids: &[SubmissionId]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
