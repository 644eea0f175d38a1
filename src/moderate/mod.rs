//! The moderation state machine, enforced here and nowhere else.
//!
//! ```text
//! pending ──approve (quorum met)──► approved ──reopen──► pending
//! pending ──reject──────────────► rejected ──reopen──► pending
//! ignored | quarantined ──release──► pending
//! ignored | quarantined ──reject───► rejected
//! ```
//! With `approvals_required = N`, an approval from a moderator who has not approved yet is
//! recorded and the submission stays pending until N distinct moderators approved; one
//! rejection decides. Edits and question assignments are allowed in every state and keep
//! the earlier version as a revision. [`plan`] is pure: it returns the new record and the
//! audit line, or a refusal that says what is allowed; [`crate::decision`] applies both,
//! with the contributor's notice, in one store transaction.
//!
//! `moves` holds the table of states × actions that every refusal is derived from;
//! `actions` holds one function per action.

mod actions;
mod moves;
mod questions;

pub use questions::{NewQuestion, add_question};

use jiff::Timestamp;

use crate::clock;
use crate::config::Config;
use crate::model::{
    Publishable, QuestionRef, RECORD_VERSION, ReasonCode, SenderPolicy, SenderRule,
    StakeholderType, State, Submission, SubmissionId,
};
use crate::store::Store;
use moves::Verb;

/// What a moderator asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Approve (or add an approval toward the quorum).
    Approve,
    /// Reject, with a code and/or the moderator's words.
    Reject {
        /// A standard reason.
        code: Option<ReasonCode>,
        /// The moderator's words (shown to the contributor instead of the code's wording).
        reason: Option<String>,
        /// Mailman's discard: reject without any notice to the sender.
        discard: bool,
    },
    /// Send a decided submission back to pending.
    Reopen {
        /// Why (required).
        reason: String,
    },
    /// Move an ignored or quarantined message into the queue.
    Release {
        /// Why, if the moderator says.
        reason: Option<String>,
    },
    /// Route to a question (or unassign).
    Assign {
        /// The question, or `None` to unassign.
        question: Option<QuestionRef>,
    },
    /// Set the stakeholder type (or `None`: unknown), as a moderator decides it.
    SetType {
        /// The type.
        kind: Option<StakeholderType>,
    },
    /// Apply the stakeholder rules again (after the config's rules changed, or to a
    /// submission stored before types existed); a moderator's type is left alone.
    InferType,
    /// Replace the publishable fields.
    Edit {
        /// The new fields.
        fields: Publishable,
    },
}

impl Action {
    /// The verb recorded in the audit trail.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Reject { .. } => "reject",
            Action::Reopen { .. } => "reopen",
            Action::Release { .. } => "release",
            Action::Assign { .. } => "assign",
            Action::SetType { .. } | Action::InferType => "set-type",
            Action::Edit { .. } => "edit",
        }
    }

    /// Whether the action, decided on one version of a contribution sent in several
    /// languages, applies to its other versions too (a decision, a question, a type;
    /// never an edit, which is of one text).
    pub fn moves_versions(&self) -> bool {
        !matches!(self, Action::Edit { .. } | Action::InferType)
    }

    fn verb(&self) -> Verb {
        match self {
            Action::Approve => Verb::Approve,
            Action::Reject { .. } => Verb::Reject,
            Action::Reopen { .. } => Verb::Reopen,
            Action::Release { .. } => Verb::Release,
            Action::Assign { .. } => Verb::Assign,
            Action::SetType { .. } | Action::InferType => Verb::SetType,
            Action::Edit { .. } => Verb::Edit,
        }
    }
}

/// The result of a planned action.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The record after the action.
    pub after: Submission,
    /// What the audit trail records as the reason (or a note such as "1/2 approvals").
    pub audit_reason: Option<String>,
    /// A one-line description for the moderator.
    pub summary: String,
}

/// Works out what an action does to a submission, or why it is not allowed.
pub fn plan(
    config: &Config,
    before: &Submission,
    action: &Action,
    moderator: &str,
    now: Timestamp,
) -> Result<Plan, String> {
    moves::allowed(before, action.verb())?;
    match action {
        Action::Approve => actions::approve(config, before, moderator, now),
        Action::Reject {
            code,
            reason,
            discard,
        } => actions::reject(before, (*code, reason.as_ref(), *discard), moderator, now),
        Action::Reopen { reason } => actions::reopen(before, reason, moderator, now),
        Action::Release { reason } => actions::release(before, reason.as_ref(), moderator, now),
        Action::Assign { question } => {
            actions::assign(config, before, question.as_ref(), moderator, now)
        }
        Action::SetType { kind } => actions::set_type(before, *kind, moderator, now),
        Action::InferType => actions::infer_type(config, before, moderator, now),
        Action::Edit { fields } => actions::edit(config, before, fields, moderator, now),
    }
}

/// Checks that a moderator may act under the configuration.
pub fn check_moderator(config: &Config, moderator: &str) -> Result<(), String> {
    if moderator.trim().is_empty() {
        return Err(
            "no moderator name: pass --moderator NAME, or set [moderation] default_moderator"
                .into(),
        );
    }
    let allowed = &config.moderation.moderators;
    if !allowed.is_empty() && !allowed.iter().any(|m| m == moderator) {
        return Err(format!(
            "{moderator:?} is not one of the moderators listed in the configuration ({}); \
             pass --moderator NAME with one of them",
            allowed.join(", ")
        ));
    }
    Ok(())
}

/// Parses a question reference typed by a moderator: `2`, `space:2`, or `none`.
pub fn parse_question(config: &Config, text: &str) -> Result<Option<QuestionRef>, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") || text.is_empty() {
        return Ok(None);
    }
    let (space, number) = match text.rsplit_once(':') {
        Some((space, n)) => (space.to_string(), n),
        None => (config.default_space().id.clone(), text),
    };
    let number: u32 = number
        .trim_start_matches(['q', 'Q'])
        .parse()
        .map_err(|_| format!("{text:?} is not a question: give a number, SPACE:NUMBER or none"))?;
    Ok(Some(QuestionRef { space, number }))
}

/// The submissions whose stakeholder type the rules in `config` would now decide
/// differently, leaving out those a moderator typed and mail that is not a contribution
/// (`hubmail set-type --infer`). Reads every record: a maintenance step, not a listing.
pub fn types_to_infer(store: &Store, config: &Config) -> crate::Result<Vec<SubmissionId>> {
    let mut ids = Vec::new();
    for s in store.submissions() {
        let s = s?;
        let current = s.author.stakeholder.as_ref();
        if matches!(s.state, State::Ignored | State::Quarantined)
            || current.is_some_and(|t| t.by_moderator)
        {
            continue;
        }
        if config.stakeholders.infer(&s.author, &s.body).as_ref() != current {
            ids.push(s.id);
        }
    }
    Ok(ids)
}

/// The pending queue as `hubmail review` walks it: oldest arrival first, read from the
/// listing.
pub fn review_queue(store: &Store) -> crate::Result<Vec<SubmissionId>> {
    store
        .listing(Some(State::Pending), false)
        .map(|row| row.map(|s| s.id))
        .collect()
}

/// Trusts the senders of these submissions from now on (`approve --trust-sender`): only
/// those the moderator's approval went through for, and only real addresses. Each rule
/// is audited; returns the addresses trusted.
pub fn trust_senders(
    store: &Store,
    config: &Config,
    approved: &[SubmissionId],
    moderator: &str,
) -> crate::Result<Vec<String>> {
    check_moderator(config, moderator).map_err(crate::Error::Refused)?;
    let mut trusted = Vec::new();
    for &id in approved {
        let s = store.get(id)?;
        if s.author.address.is_empty() || trusted.contains(&s.author.address) {
            continue;
        }
        if s.state != State::Approved {
            continue; // an approval toward a quorum, or one refused: no trust yet
        }
        store.put_sender_rule(&SenderRule {
            v: RECORD_VERSION,
            pattern: s.author.address.clone(),
            policy: SenderPolicy::Trust,
            reason: Some(format!("approved submission {id}")),
            by: moderator.to_string(),
            at: clock::now(),
        })?;
        trusted.push(s.author.address);
    }
    store.flush()?;
    Ok(trusted)
}

/// Adds or replaces a sender rule, as a listed moderator.
pub fn put_sender_rule(store: &Store, config: &Config, rule: &SenderRule) -> crate::Result<()> {
    check_moderator(config, &rule.by).map_err(crate::Error::Refused)?;
    crate::policy::SenderPattern::parse(&rule.pattern).map_err(crate::Error::Refused)?;
    store.put_sender_rule(rule)?;
    store.flush()
}

/// Removes a sender rule, as a listed moderator; whether there was one.
pub fn remove_sender_rule(
    store: &Store,
    config: &Config,
    pattern: &str,
    moderator: &str,
) -> crate::Result<bool> {
    check_moderator(config, moderator).map_err(crate::Error::Refused)?;
    let removed = store.remove_sender_rule(pattern, moderator, clock::now())?;
    store.flush()?;
    Ok(removed)
}

#[cfg(test)]
mod tests;
