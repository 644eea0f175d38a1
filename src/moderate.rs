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
//! audit line, or a refusal that says what is allowed; the store applies both atomically.

use jiff::Timestamp;

use crate::config::Config;
use crate::model::{
    Approval, DecisionRecord, Publishable, QuestionRef, ReasonCode, Revision, State, Submission,
    SubmissionId,
};
use crate::store::{AuditDraft, Store};
use crate::{Error, clock};

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
            Action::Edit { .. } => "edit",
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
    let mut after = before.clone();
    let id = before.id;
    let decided = |s: &Submission| -> String {
        match &s.decision {
            Some(d) => format!(
                " by {} on {}",
                d.moderator,
                d.at.strftime("%Y-%m-%d %H:%M UTC")
            ),
            None => String::new(),
        }
    };
    match action {
        Action::Approve => match before.state {
            State::Pending => {
                if before.approvals.iter().any(|a| a.moderator == moderator) {
                    return Err(format!(
                        "you ({moderator}) already approved submission {id}; it needs approval \
                         from another moderator ({}/{} approvals)",
                        before.approvals.len(),
                        config.moderation.approvals_required
                    ));
                }
                after.approvals.push(Approval {
                    moderator: moderator.to_string(),
                    at: now,
                });
                let have = after.approvals.len() as u32;
                let need = config.moderation.approvals_required;
                if have >= need {
                    after.state = State::Approved;
                    after.reason = None;
                    after.decision = Some(DecisionRecord {
                        moderator: moderator.to_string(),
                        at: now,
                        state: State::Approved,
                        code: None,
                        reason: None,
                    });
                    Ok(Plan {
                        after,
                        audit_reason: (need > 1).then(|| format!("{have}/{need} approvals")),
                        summary: format!("approved submission {id}"),
                    })
                } else {
                    Ok(Plan {
                        after,
                        audit_reason: Some(format!("{have}/{need} approvals")),
                        summary: format!(
                            "recorded your approval of submission {id}: {have}/{need} approvals, \
                             it stays pending until another moderator approves"
                        ),
                    })
                }
            }
            State::Approved => Err(format!(
                "submission {id} is already approved{}; nothing to do",
                decided(before)
            )),
            State::Rejected => Err(format!(
                "submission {id} was rejected{}; to approve it, first 'hubmail reopen {id} \
                 --reason TEXT'",
                decided(before)
            )),
            State::Ignored | State::Quarantined => Err(format!(
                "submission {id} is {} ({}); 'hubmail release {id}' puts it in the queue first",
                before.state,
                before.reason.as_deref().unwrap_or("no reason recorded")
            )),
        },
        Action::Reject { code, reason } => match before.state {
            State::Pending | State::Ignored | State::Quarantined => {
                let text = reason.clone().or_else(|| {
                    code.map(|c| {
                        c.wording(before.lang.unwrap_or(crate::model::Lang::En))
                            .to_string()
                    })
                });
                if code.is_none() && text.is_none() {
                    return Err("a rejection needs --reason TEXT or --reason-code CODE".into());
                }
                after.state = State::Rejected;
                after.approvals.clear();
                after.reason = Some(match (code, reason) {
                    (Some(c), Some(r)) => format!("{c}: {r}"),
                    (Some(c), None) => c.to_string(),
                    (None, Some(r)) => r.clone(),
                    (None, None) => String::new(),
                });
                after.decision = Some(DecisionRecord {
                    moderator: moderator.to_string(),
                    at: now,
                    state: State::Rejected,
                    code: *code,
                    reason: text,
                });
                Ok(Plan {
                    audit_reason: after.reason.clone(),
                    after,
                    summary: format!("rejected submission {id}"),
                })
            }
            State::Rejected => Err(format!(
                "submission {id} is already rejected{}; nothing to do",
                decided(before)
            )),
            State::Approved => Err(format!(
                "submission {id} was approved{}; to reject it, first 'hubmail reopen {id} \
                 --reason TEXT' (this withdraws it from publication)",
                decided(before)
            )),
        },
        Action::Reopen { reason } => match before.state {
            State::Approved | State::Rejected => {
                if reason.trim().is_empty() {
                    return Err("reopening needs --reason TEXT saying why".into());
                }
                after.state = State::Pending;
                after.approvals.clear();
                after.reason = None;
                after.decision = Some(DecisionRecord {
                    moderator: moderator.to_string(),
                    at: now,
                    state: State::Pending,
                    code: None,
                    reason: Some(reason.clone()),
                });
                Ok(Plan {
                    after,
                    audit_reason: Some(reason.clone()),
                    summary: format!(
                        "reopened submission {id}: it is pending again{}",
                        if before.state == State::Approved {
                            " and withdrawn from publication"
                        } else {
                            ""
                        }
                    ),
                })
            }
            State::Pending => Err(format!(
                "submission {id} is pending: there is nothing to reopen"
            )),
            State::Ignored | State::Quarantined => Err(format!(
                "submission {id} is {}; 'hubmail release {id}' puts it in the queue",
                before.state
            )),
        },
        Action::Release { reason } => match before.state {
            State::Ignored | State::Quarantined => {
                after.state = State::Pending;
                let why = reason.clone().unwrap_or_else(|| {
                    format!(
                        "released from {} ({})",
                        before.state,
                        before.reason.as_deref().unwrap_or("no reason recorded")
                    )
                });
                after.reason = None;
                after.decision = Some(DecisionRecord {
                    moderator: moderator.to_string(),
                    at: now,
                    state: State::Pending,
                    code: None,
                    reason: Some(why.clone()),
                });
                Ok(Plan {
                    after,
                    audit_reason: Some(why),
                    summary: format!("released submission {id} into the queue"),
                })
            }
            other => Err(format!(
                "submission {id} is {other}; only ignored or quarantined messages can be released"
            )),
        },
        Action::Assign { question } => {
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
            if before.question == *question {
                return Err(format!(
                    "submission {id} is already {}",
                    match question {
                        Some(q) => format!("assigned to question {}", q.number),
                        None => "unassigned".into(),
                    }
                ));
            }
            let mut fields = before.publishable();
            fields.question = question.clone();
            record_revision(&mut after, before, moderator, now);
            after.set_publishable(fields);
            after.routed_by = Some(format!("assigned by {moderator}"));
            Ok(Plan {
                after,
                audit_reason: Some(match question {
                    Some(q) => format!("question {}", q),
                    None => "unassigned".into(),
                }),
                summary: match question {
                    Some(q) => format!("assigned submission {id} to question {}", q.number),
                    None => format!("unassigned submission {id}"),
                },
            })
        }
        Action::Edit { fields } => {
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
                    return Err(format!("question {} does not exist", q));
                }
            }
            if *fields == before.publishable() {
                return Err(format!("no change to submission {id}"));
            }
            record_revision(&mut after, before, moderator, now);
            after.set_publishable(fields.clone());
            let n = after.revisions.len() + 1;
            Ok(Plan {
                after,
                audit_reason: Some(format!("revision {n}")),
                summary: format!("stored revision {n} of submission {id}"),
            })
        }
    }
}

/// What [`decide`] did.
#[derive(Debug, Clone)]
pub struct Applied {
    /// One line for the moderator.
    pub summary: String,
    /// The record after the action.
    pub after: Submission,
}

/// Plans an action on a stored submission and applies it atomically (record, audit entry,
/// index mark), unless `dry_run`. The caller brings the index up to date afterwards.
pub fn decide(
    store: &Store,
    config: &Config,
    id: SubmissionId,
    action: &Action,
    moderator: &str,
    dry_run: bool,
) -> crate::Result<Applied> {
    check_moderator(config, moderator).map_err(Error::Refused)?;
    let before = store.get(id)?;
    let now = clock::now();
    let p = plan(config, &before, action, moderator, now).map_err(Error::Refused)?;
    if !dry_run {
        let mail = crate::notify::decision_mail(config, &before, &p.after, now);
        crate::crashpoint::hit("before-decision");
        store.replace(
            &before,
            &p.after,
            &AuditDraft {
                actor: moderator.to_string(),
                action: action.name().to_string(),
                reason: p.audit_reason.clone(),
                at: now,
            },
            mail.as_ref().map(|m| m as &dyn crate::store::Outgoing),
        )?;
        crate::crashpoint::hit("after-decision");
    }
    Ok(Applied {
        summary: p.summary,
        after: p.after,
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

fn question_list(space: &crate::config::Space) -> String {
    if space.questions.is_empty() {
        return "any number from 1 to 99".into();
    }
    let n: Vec<String> = space
        .questions
        .iter()
        .map(|q| q.number.to_string())
        .collect();
    format!("questions {}", n.join(", "))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use std::path::Path;

    fn config(required: u32) -> Config {
        Config::parse(
            &format!(
                "[moderation]\napprovals_required = {required}\n[[space]]\nid='s'\ntitle='S'\n\
                 [[space.question]]\nnumber=1\n[[space.question]]\nnumber=2\n"
            ),
            Path::new("t.toml"),
        )
        .expect("valid")
    }

    fn submission(state: State) -> Submission {
        Submission {
            v: 1,
            id: SubmissionId(7),
            state,
            reason: None,
            received: Timestamp::UNIX_EPOCH,
            origin: Origin {
                source: "test".into(),
                location: "x".into(),
            },
            subject: "S".into(),
            author: Author {
                name: "A".into(),
                address: "a@x.org".into(),
                affiliation: None,
            },
            headers: MailHeaders::default(),
            lang: Some(Lang::Fr),
            lang_confidence: 1.0,
            other_langs: vec![],
            question: None,
            routed_by: None,
            objectives: vec![],
            body: "text".into(),
            quoted: String::new(),
            signature: String::new(),
            body_source: "text/plain".into(),
            attachments: vec![],
            flags: vec![],
            raw_sha256: String::new(),
            raw_size: 0,
            duplicates: 0,
            approvals: vec![],
            decision: None,
            revisions: vec![],
        }
    }

    fn now() -> Timestamp {
        Timestamp::UNIX_EPOCH
    }

    #[test]
    fn every_illegal_move_is_refused_with_what_is_allowed() {
        let c = config(1);
        let reject = Action::Reject {
            code: Some(ReasonCode::Spam),
            reason: None,
        };
        let reopen = Action::Reopen {
            reason: "mistake".into(),
        };
        let release = Action::Release { reason: None };
        let cases = [
            (State::Approved, Action::Approve, "already approved"),
            (State::Rejected, Action::Approve, "hubmail reopen"),
            (State::Ignored, Action::Approve, "hubmail release"),
            (State::Quarantined, Action::Approve, "hubmail release"),
            (State::Approved, reject.clone(), "hubmail reopen"),
            (State::Rejected, reject, "already rejected"),
            (State::Pending, reopen.clone(), "nothing to reopen"),
            (State::Ignored, reopen, "hubmail release"),
            (
                State::Pending,
                release.clone(),
                "only ignored or quarantined",
            ),
            (State::Approved, release, "only ignored or quarantined"),
        ];
        for (state, action, hint) in cases {
            let err = plan(&c, &submission(state), &action, "m", now())
                .expect_err(&format!("{state} + {action:?} must be refused"));
            assert!(err.contains(hint), "{state} + {action:?}: {err}");
        }
    }

    #[test]
    fn legal_moves() {
        let c = config(1);
        let p = plan(
            &c,
            &submission(State::Pending),
            &Action::Approve,
            "m",
            now(),
        )
        .expect("ok");
        assert_eq!(p.after.state, State::Approved);
        let p = plan(
            &c,
            &p.after,
            &Action::Reopen {
                reason: "oops".into(),
            },
            "m",
            now(),
        )
        .expect("ok");
        assert_eq!(p.after.state, State::Pending);
        assert!(p.after.approvals.is_empty());
        let p = plan(
            &c,
            &submission(State::Quarantined),
            &Action::Release { reason: None },
            "m",
            now(),
        )
        .expect("ok");
        assert_eq!(p.after.state, State::Pending);
        let p = plan(
            &c,
            &submission(State::Ignored),
            &Action::Reject {
                code: Some(ReasonCode::Spam),
                reason: None,
            },
            "m",
            now(),
        )
        .expect("ok");
        assert_eq!(p.after.state, State::Rejected);
        let d = p.after.decision.expect("decision");
        assert_eq!(
            d.reason.as_deref(),
            Some(ReasonCode::Spam.wording(Lang::Fr)),
            "wording in the contributor's language"
        );
    }

    #[test]
    fn quorum_needs_distinct_moderators_and_one_rejection_decides() {
        let c = config(2);
        let p = plan(
            &c,
            &submission(State::Pending),
            &Action::Approve,
            "amina",
            now(),
        )
        .expect("ok");
        assert_eq!(p.after.state, State::Pending);
        assert_eq!(p.audit_reason.as_deref(), Some("1/2 approvals"));
        let err = plan(&c, &p.after, &Action::Approve, "amina", now()).expect_err("same moderator");
        assert!(err.contains("another moderator"), "{err}");
        let done = plan(&c, &p.after, &Action::Approve, "carlos", now()).expect("ok");
        assert_eq!(done.after.state, State::Approved);
        let rejected = plan(
            &c,
            &p.after,
            &Action::Reject {
                code: None,
                reason: Some("no".into()),
            },
            "carlos",
            now(),
        )
        .expect("ok");
        assert_eq!(rejected.after.state, State::Rejected);
        assert!(rejected.after.approvals.is_empty());
    }

    #[test]
    fn edits_keep_the_original_as_revision_one() {
        let c = config(1);
        let before = submission(State::Pending);
        let mut fields = before.publishable();
        fields.body = "corrected text".into();
        let p = plan(
            &c,
            &before,
            &Action::Edit {
                fields: fields.clone(),
            },
            "m",
            now(),
        )
        .expect("ok");
        assert_eq!(p.after.body, "corrected text");
        assert_eq!(p.after.revisions.len(), 1);
        assert_eq!(p.after.revisions[0].fields.body, "text");
        assert!(
            plan(&c, &p.after, &Action::Edit { fields }, "m", now()).is_err(),
            "no change"
        );
        let mut bad = before.publishable();
        bad.question = Some(QuestionRef {
            space: "s".into(),
            number: 9,
        });
        assert!(plan(&c, &before, &Action::Edit { fields: bad }, "m", now()).is_err());
    }

    #[test]
    fn moderators_list_is_enforced() {
        let c = Config::parse(
            "[moderation]\nmoderators=['amina']\n[[space]]\nid='s'\ntitle='S'\n",
            Path::new("t"),
        )
        .expect("valid");
        assert!(check_moderator(&c, "amina").is_ok());
        assert!(
            check_moderator(&c, "mallory")
                .expect_err("refused")
                .contains("amina")
        );
    }
}
