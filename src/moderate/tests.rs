//! The state machine's own tests: every refusal, every legal move, quorum, revisions.

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
    Submission::example(state)
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
        discard: false,
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
            discard: false,
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
            discard: false,
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
