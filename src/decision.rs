//! Applies a moderator's decision: the plan, the contributor's notice and the write, in one
//! store transaction.
//!
//! [`crate::moderate`] decides what an action does and knows nothing of mail; the notice
//! is drafted here ([`crate::notify`]) from the record before and after, and
//! [`crate::store`] writes both, so that they land atomically or neither does.

use crate::config::Config;
use crate::model::{Submission, SubmissionId};
use crate::moderate::{self, Action};
use crate::policy::Rules;
use crate::store::{AuditDraft, Change, Outgoing, Store};
use crate::{Error, clock, crashpoint, notify, translation};

/// What [`decide`] did.
#[derive(Debug, Clone)]
pub struct Applied {
    /// One line for the moderator.
    pub summary: String,
    /// The record after the action.
    pub after: Submission,
}

/// Plans an action on a stored submission and applies it atomically (record, audit entry,
/// notice, index mark), unless `dry_run`. The caller brings the index up to date afterwards.
///
/// `seen` is the record as the moderator saw it when they chose the action (the one
/// `edit` opened in the editor, the one `review` showed): the action is planned from it
/// and applied only if the store still holds it, so a change another moderator made
/// meanwhile is never overwritten; the refusal says what the submission is now and who
/// changed it. Without `seen`, the action applies to the record as it is now.
pub fn decide(
    store: &Store,
    config: &Config,
    id: SubmissionId,
    action: &Action,
    moderator: &str,
    dry_run: bool,
    seen: Option<&Submission>,
) -> crate::Result<Applied> {
    moderate::check_moderator(config, moderator).map_err(Error::Refused)?;
    let config = &*config.with_added_questions(&store.added_questions()?);
    let before = match seen {
        Some(s) if s.id == id => s.clone(),
        _ => store.get(id)?,
    };
    let now = clock::now();
    let p = moderate::plan(config, &before, action, moderator, now).map_err(Error::Refused)?;
    // The other languages' versions of the contribution move with it, where they can.
    let mut versions = Vec::new();
    if action.moves_versions() {
        for other in translation::members(store, &before)? {
            if other.id == before.id {
                continue;
            }
            if let Ok(plan) = moderate::plan(config, &other, action, moderator, now) {
                versions.push((other, plan));
            }
        }
    }
    let mut summary = p.summary.clone();
    if !versions.is_empty() {
        let named: Vec<String> = versions
            .iter()
            .map(|(v, _)| match v.lang {
                Some(lang) => format!("{} version {}", lang.name_in(crate::model::Lang::En), v.id),
                None => format!("version {}", v.id),
            })
            .collect();
        summary.push_str(&format!(" (and with it its {})", named.join(" and ")));
    }
    if !dry_run {
        let rules = Rules::compile(store.sender_rules()?);
        let told = store.last_told(id)?;
        let notice = notify::decision_mail(config, &rules, (&before, &p.after), told.as_ref(), now);
        let draft = |plan: &moderate::Plan| AuditDraft {
            actor: moderator.to_string(),
            action: action.name().to_string(),
            reason: plan.audit_reason.clone(),
            at: now,
        };
        // One notice for the contribution: the contributor hears of it once, in the
        // language of the version the moderator decided.
        let mut changes = vec![Change {
            before: &before,
            after: &p.after,
            audit: draft(&p),
            mail: notice.as_ref().map(|m| m as &dyn Outgoing),
        }];
        for (other, plan) in &versions {
            changes.push(Change {
                before: other,
                after: &plan.after,
                audit: draft(plan),
                mail: None,
            });
        }
        crashpoint::hit("before-decision");
        store.replace_all(&changes)?;
        crashpoint::hit("after-decision");
    }
    Ok(Applied {
        summary,
        after: p.after,
    })
}

/// Cancels outbox message `seq` while it waits (a notice a moderator must stop by hand),
/// audited; refused when it was sent, failed or cancelled already.
pub fn cancel_notice(
    store: &Store,
    config: &Config,
    seq: u64,
    moderator: &str,
    reason: Option<&str>,
) -> crate::Result<crate::model::OutboxEntry> {
    moderate::check_moderator(config, moderator).map_err(Error::Refused)?;
    let entry = store.cancel_outbox(seq, moderator, reason, clock::now())?;
    store.flush()?;
    Ok(entry)
}
