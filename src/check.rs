//! Consistency of what is derived from, or written with, each submission: the search
//! index, the audit trail and the outbox. `hubmail check` reports (and for the index,
//! repairs) differences; the crash tests rely on it.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::config::Config;
use crate::ingest::PIPELINE_ACTOR;
use crate::model::{MailKind, State, SubmissionId};
use crate::store::Store;
use crate::{Result, notify};

/// Submissions whose decision lacks its audit entry or its outbox message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DecisionGaps {
    /// Decided by a moderator, but no audit entry records that decision.
    pub audit_missing: Vec<SubmissionId>,
    /// Decided by a moderator and answerable, but no decision message was queued.
    pub outbox_missing: Vec<SubmissionId>,
    /// Outbox messages about submissions the store does not have.
    pub outbox_orphans: Vec<u64>,
}

impl DecisionGaps {
    /// Whether nothing is missing.
    pub fn is_empty(&self) -> bool {
        self.audit_missing.is_empty()
            && self.outbox_missing.is_empty()
            && self.outbox_orphans.is_empty()
    }
}

/// Checks that every moderator's decision was written whole: record, audit entry and (when
/// the contributor may be answered) outbox message, which one transaction writes together.
pub fn decisions(store: &Store, config: &Config) -> Result<DecisionGaps> {
    let mut audited: BTreeSet<(SubmissionId, String, i64)> = BTreeSet::new();
    for e in store.audit() {
        let e = e?;
        if let (Some(id), Some(to)) = (e.submission, e.to) {
            audited.insert((id, to.to_string(), e.at.as_second()));
        }
    }
    let outbox = store.outbox()?;
    let mut mailed: BTreeSet<(SubmissionId, MailKind, i64)> = BTreeSet::new();
    for m in &outbox {
        if let Some(id) = m.submission {
            mailed.insert((id, m.kind, m.created.as_second()));
        }
    }
    // Decisions taken before the store had an outbox (format 1) were never mailed.
    let outbox_since = store
        .state("outbox_since")?
        .and_then(|b| b.try_into().ok())
        .map(i64::from_be_bytes)
        .unwrap_or(i64::MIN);
    let mut gaps = DecisionGaps::default();
    let mut ids = BTreeSet::new();
    for s in store.submissions() {
        let s = s?;
        ids.insert(s.id);
        let Some(d) = &s.decision else { continue };
        if d.moderator == PIPELINE_ACTOR || d.state != s.state {
            continue;
        }
        if !audited.contains(&(s.id, s.state.to_string(), d.at.as_second())) {
            gaps.audit_missing.push(s.id);
        }
        let kind = match s.state {
            State::Approved => MailKind::Approved,
            State::Rejected => MailKind::Rejected,
            _ => continue,
        };
        let answerable = config.notify.notify_decisions
            && d.at.as_second() >= outbox_since
            && notify::may_answer(config, &s);
        if answerable && !mailed.contains(&(s.id, kind, d.at.as_second())) {
            gaps.outbox_missing.push(s.id);
        }
    }
    gaps.outbox_orphans = outbox
        .iter()
        .filter(|m| m.submission.is_some_and(|id| !ids.contains(&id)))
        .map(|m| m.seq)
        .collect();
    Ok(gaps)
}
