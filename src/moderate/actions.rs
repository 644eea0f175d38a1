//! One function per action: what it does to a submission the table of moves allows it on,
//! or why it cannot (a missing reason, a question that does not exist, no change).

use jiff::Timestamp;

use super::Plan;
use crate::config::{Config, Space};
use crate::model::{
    Approval, DecisionRecord, Flag, FlagKind, Lang, Publishable, QuestionRef, ReasonCode, Revision,
    Stakeholder, StakeholderType, State, Submission,
};

/// The decision a moderator records.
fn decision(
    moderator: &str,
    now: Timestamp,
    state: State,
    reason: Option<String>,
) -> DecisionRecord {
    DecisionRecord {
        moderator: moderator.to_string(),
        at: now,
        state,
        code: None,
        reason,
    }
}

/// An approval; the submission is approved once the quorum is met.
pub(super) fn approve(
    config: &Config,
    before: &Submission,
    moderator: &str,
    now: Timestamp,
) -> Result<Plan, String> {
    let id = before.id;
    let need = config.moderation.approvals_required;
    if before.approvals.iter().any(|a| a.moderator == moderator) {
        return Err(format!(
            "you ({moderator}) already approved submission {id}; it needs approval \
             from another moderator ({}/{need} approvals)",
            before.approvals.len(),
        ));
    }
    let mut after = before.clone();
    after.approvals.push(Approval {
        moderator: moderator.to_string(),
        at: now,
    });
    let have = after.approvals.len() as u32;
    if have < need {
        return Ok(Plan {
            after,
            audit_reason: Some(format!("{have}/{need} approvals")),
            summary: format!(
                "recorded your approval of submission {id}: {have}/{need} approvals, \
                 it stays pending until another moderator approves"
            ),
        });
    }
    after.state = State::Approved;
    after.reason = None;
    after.decision = Some(decision(moderator, now, State::Approved, None));
    Ok(Plan {
        after,
        audit_reason: (need > 1).then(|| format!("{have}/{need} approvals")),
        summary: format!("approved submission {id}"),
    })
}

/// Why a discarded submission is never answered.
const DISCARDED: &str = "discarded by a moderator: no notice is sent";
/// Why a submission rejected as spam is never answered.
const REJECTED_AS_SPAM: &str = "rejected as spam: answering would be backscatter";

/// Marks a submission never to be answered, once.
fn never_answer(s: &mut Submission, why: &str) {
    if !s
        .flags
        .iter()
        .any(|f| f.kind == FlagKind::NoReply && f.why == why)
    {
        s.flags.push(Flag::new(FlagKind::NoReply, why));
    }
}

/// A rejection, with a standard reason, the moderator's words, or both; `discard` rejects
/// without a word to the sender (Mailman's discard), as does the spam code.
pub(super) fn reject(
    before: &Submission,
    (code, reason, discard): (Option<ReasonCode>, Option<&String>, bool),
    moderator: &str,
    now: Timestamp,
) -> Result<Plan, String> {
    let text = reason
        .cloned()
        .or_else(|| code.map(|c| c.wording(before.lang.unwrap_or(Lang::En)).to_string()));
    if text.is_none() && !discard {
        return Err("a rejection needs --reason TEXT, --reason-code CODE or --discard".into());
    }
    let mut after = before.clone();
    after.state = State::Rejected;
    after.approvals.clear();
    after.reason = Some(match (code, reason) {
        (Some(c), Some(r)) => format!("{c}: {r}"),
        (Some(c), None) => c.to_string(),
        (None, Some(r)) => r.clone(),
        (None, None) => "discarded".into(),
    });
    if discard {
        never_answer(&mut after, DISCARDED);
    }
    if code == Some(ReasonCode::Spam) {
        never_answer(&mut after, REJECTED_AS_SPAM);
    }
    after.decision = Some(DecisionRecord {
        code,
        ..decision(moderator, now, State::Rejected, text)
    });
    let silently = if discard {
        " (discarded: no notice)"
    } else {
        ""
    };
    Ok(Plan {
        audit_reason: after.reason.clone(),
        summary: format!("rejected submission {}{silently}", before.id),
        after,
    })
}

/// A decided submission back to pending, for a stated reason.
pub(super) fn reopen(
    before: &Submission,
    reason: &str,
    moderator: &str,
    now: Timestamp,
) -> Result<Plan, String> {
    if reason.trim().is_empty() {
        return Err("reopening needs --reason TEXT saying why".into());
    }
    let mut after = before.clone();
    after.state = State::Pending;
    after.approvals.clear();
    after.reason = None;
    // A discard or a spam rejection undone is no longer a reason for silence; a ban or a
    // release still is.
    after.flags.retain(|f| {
        !(f.kind == FlagKind::NoReply && [DISCARDED, REJECTED_AS_SPAM].contains(&f.why.as_str()))
    });
    after.decision = Some(decision(
        moderator,
        now,
        State::Pending,
        Some(reason.into()),
    ));
    let withdrawn = if before.state == State::Approved {
        " and withdrawn from publication"
    } else {
        ""
    };
    Ok(Plan {
        after,
        audit_reason: Some(reason.to_string()),
        summary: format!(
            "reopened submission {}: it is pending again{withdrawn}",
            before.id
        ),
    })
}

/// An ignored or quarantined message into the queue.
pub(super) fn release(
    before: &Submission,
    reason: Option<&String>,
    moderator: &str,
    now: Timestamp,
) -> Result<Plan, String> {
    let why = reason.cloned().unwrap_or_else(|| {
        format!(
            "released from {} ({})",
            before.state,
            before.reason.as_deref().unwrap_or("no reason recorded")
        )
    });
    let mut after = before.clone();
    // Mail ignored or quarantined on arrival was never acknowledged and may come from a
    // machine: it is never answered, whatever is decided.
    never_answer(
        &mut after,
        &format!(
            "released from {} mail: it was never acknowledged, so no notice is sent",
            before.state
        ),
    );
    after.state = State::Pending;
    after.reason = None;
    after.decision = Some(decision(moderator, now, State::Pending, Some(why.clone())));
    Ok(Plan {
        after,
        audit_reason: Some(why),
        summary: format!("released submission {} into the queue", before.id),
    })
}

/// Routing to a question (or none), kept as a revision.
pub(super) fn assign(
    config: &Config,
    before: &Submission,
    question: Option<&QuestionRef>,
    moderator: &str,
    now: Timestamp,
) -> Result<Plan, String> {
    let id = before.id;
    if let Some(q) = question {
        let space = config.space(&q.space).ok_or_else(|| {
            format!(
                "there is no discussion space {:?} in the configuration",
                q.space
            )
        })?;
        if !space.accepts_question(q.number) {
            return Err(format!(
                "space {:?} has no question {}; it has {}",
                space.id,
                q.number,
                question_list(space)
            ));
        }
    }
    if before.question.as_ref() == question {
        return Err(format!(
            "submission {id} is already {}",
            match question {
                Some(q) => format!("assigned to question {}", q.number),
                None => "unassigned".into(),
            }
        ));
    }
    let mut fields = before.publishable();
    fields.question = question.cloned();
    let mut after = before.clone();
    record_revision(&mut after, before, moderator, now);
    after.set_publishable(fields, moderator);
    after.routed_by = Some(format!("assigned by {moderator}"));
    Ok(Plan {
        after,
        audit_reason: Some(question.map_or("unassigned".into(), |q| format!("question {q}"))),
        summary: match question {
            Some(q) => format!("assigned submission {id} to question {}", q.number),
            None => format!("unassigned submission {id}"),
        },
    })
}

/// A stakeholder type a moderator sets (or clears), kept as a revision; no rule changes it
/// afterwards.
pub(super) fn set_type(
    before: &Submission,
    kind: Option<StakeholderType>,
    moderator: &str,
    now: Timestamp,
) -> Result<Plan, String> {
    let id = before.id;
    let was = before.author.stakeholder.as_ref();
    if was.map(|t| t.kind) == kind && was.is_none_or(|t| t.by_moderator) {
        return Err(format!(
            "submission {id}'s type is already {}",
            kind.map_or("unknown", StakeholderType::as_str)
        ));
    }
    let set = kind.map(|kind| Stakeholder {
        kind,
        by: format!("set by {moderator}"),
        by_moderator: true,
    });
    let now_text = kind.map_or("unknown", StakeholderType::as_str).to_string();
    Ok(retyped(before, set, &now_text, moderator, now))
}

/// The plan that gives a submission this stakeholder type (`now_text` says it), kept as a
/// revision, with what it was in the audit line and the summary.
fn retyped(
    before: &Submission,
    stakeholder: Option<Stakeholder>,
    now_text: &str,
    moderator: &str,
    now: Timestamp,
) -> Plan {
    let was_text = before
        .author
        .stakeholder
        .as_ref()
        .map_or("unknown".to_string(), |t| format!("{} ({})", t.kind, t.by));
    let mut after = before.clone();
    record_revision(&mut after, before, moderator, now);
    after.author.stakeholder = stakeholder;
    Plan {
        after,
        audit_reason: Some(format!("type {now_text}, was {was_text}")),
        summary: format!(
            "submission {}'s type is now {now_text} (was {was_text})",
            before.id
        ),
    }
}

/// The stakeholder rules applied again; a moderator's type stays.
pub(super) fn infer_type(
    config: &Config,
    before: &Submission,
    moderator: &str,
    now: Timestamp,
) -> Result<Plan, String> {
    let id = before.id;
    let was = before.author.stakeholder.as_ref();
    if let Some(t) = was.filter(|t| t.by_moderator) {
        return Err(format!(
            "submission {id}'s type {} was {}; 'hubmail set-type {id} TYPE' changes it",
            t.kind, t.by
        ));
    }
    let inferred = config.stakeholders.infer(&before.author, &before.body);
    if inferred.as_ref() == was {
        return Err(format!(
            "submission {id}'s type is already what the rules say ({})",
            was.map_or("unknown".to_string(), |t| format!("{}, {}", t.kind, t.by))
        ));
    }
    let now_text = inferred
        .as_ref()
        .map_or("unknown".to_string(), |t| format!("{} ({})", t.kind, t.by));
    Ok(retyped(before, inferred, &now_text, moderator, now))
}

/// New publishable fields, kept as a revision.
pub(super) fn edit(
    config: &Config,
    before: &Submission,
    fields: &Publishable,
    moderator: &str,
    now: Timestamp,
) -> Result<Plan, String> {
    if fields.author_name.trim().is_empty() {
        return Err("the author's name cannot be empty".into());
    }
    if fields.body.trim().is_empty() {
        return Err("the contribution text cannot be empty".into());
    }
    if let Some(q) = &fields.question {
        let ok = config
            .space(&q.space)
            .is_some_and(|s| s.accepts_question(q.number));
        if !ok {
            return Err(format!("question {q} does not exist"));
        }
    }
    if *fields == before.publishable() {
        return Err(format!("no change to submission {}", before.id));
    }
    let mut after = before.clone();
    record_revision(&mut after, before, moderator, now);
    after.set_publishable(fields.clone(), moderator);
    // A type a rule decided follows a corrected affiliation; a moderator's stays.
    let type_kept = fields.stakeholder == before.author.stakeholder.as_ref().map(|s| s.kind);
    let by_rule = before
        .author
        .stakeholder
        .as_ref()
        .is_none_or(|s| !s.by_moderator);
    let org_changed = (&fields.affiliation, &fields.department)
        != (&before.author.affiliation, &before.author.department);
    if type_kept && by_rule && org_changed {
        after.author.stakeholder = config.stakeholders.infer(&after.author, &after.body);
    }
    let n = after.revisions.len() + 1;
    Ok(Plan {
        after,
        audit_reason: Some(format!("revision {n}")),
        summary: format!("stored revision {n} of submission {}", before.id),
    })
}

/// Keeps the current publishable fields as a revision (the first one is the original).
fn record_revision(after: &mut Submission, before: &Submission, moderator: &str, now: Timestamp) {
    after.revisions.push(Revision {
        number: before.revisions.len() as u32 + 1,
        replaced_at: now,
        replaced_by: moderator.to_string(),
        fields: before.publishable(),
    });
}

fn question_list(space: &Space) -> String {
    if space.open_numbering() {
        return "any number from 1 to 99".into();
    }
    let n: Vec<String> = space
        .questions
        .iter()
        .map(|q| q.number.to_string())
        .collect();
    format!("questions {}", n.join(", "))
}
