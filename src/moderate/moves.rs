//! The table of moves: which action each state allows and where it leads. Every refusal's
//! "what is allowed instead" is derived from it, never written out by hand.

use crate::model::{State, Submission, SubmissionId};

/// An action's name, as the table knows it: its row in [`MOVES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verb {
    Approve = 0,
    Reject = 1,
    Reopen = 2,
    Release = 3,
    Assign = 4,
    Edit = 5,
    SetType = 6,
}

/// One row of the table: an action, the states it applies in, the state it leads to
/// (`None`: the state stays), and the command that does it.
struct Move {
    verb: Verb,
    name: &'static str,
    from: &'static [State],
    to: Option<State>,
    /// The command, with `{id}` for the submission.
    command: &'static str,
}

use State::{Approved, Ignored, Pending, Quarantined, Rejected};

const EVERY_STATE: &[State] = &[Pending, Approved, Rejected, Ignored, Quarantined];

/// The state machine, one row per [`Verb`] in its order.
const MOVES: [Move; 7] = [
    Move {
        verb: Verb::Approve,
        name: "approve",
        from: &[Pending],
        to: Some(Approved),
        command: "hubmail approve {id}",
    },
    Move {
        verb: Verb::Reject,
        name: "reject",
        from: &[Pending, Ignored, Quarantined],
        to: Some(Rejected),
        command: "hubmail reject {id} --reason-code CODE",
    },
    Move {
        verb: Verb::Reopen,
        name: "reopen",
        from: &[Approved, Rejected],
        to: Some(Pending),
        command: "hubmail reopen {id} --reason TEXT",
    },
    Move {
        verb: Verb::Release,
        name: "release",
        from: &[Ignored, Quarantined],
        to: Some(Pending),
        command: "hubmail release {id}",
    },
    Move {
        verb: Verb::Assign,
        name: "assign",
        from: EVERY_STATE,
        to: None,
        command: "hubmail assign {id} QUESTION",
    },
    Move {
        verb: Verb::Edit,
        name: "edit",
        from: EVERY_STATE,
        to: None,
        command: "hubmail edit {id}",
    },
    Move {
        verb: Verb::SetType,
        name: "set-type",
        from: EVERY_STATE,
        to: None,
        command: "hubmail set-type {id} TYPE",
    },
];

fn row(verb: Verb) -> &'static Move {
    let m = &MOVES[verb as usize];
    debug_assert_eq!(m.verb, verb, "MOVES is in Verb order");
    m
}

fn command(m: &Move, id: SubmissionId) -> String {
    m.command.replace("{id}", &id.to_string())
}

/// "approved or rejected", "ignored or quarantined".
fn states_text(states: &[State]) -> String {
    let names: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Who decided, and when, as a refusal says it.
fn decided(s: &Submission) -> String {
    s.decision
        .as_ref()
        .map(|d| {
            format!(
                " by {} on {}",
                d.moderator,
                d.at.strftime("%Y-%m-%d %H:%M UTC")
            )
        })
        .unwrap_or_default()
}

/// `Ok` when the table allows `verb` in the submission's state; otherwise the refusal,
/// saying what the state is, what the action applies to and what to do instead: a move
/// from here that does the same (release instead of reopen), or one that leads to a state
/// where the action applies (reopen before rejecting an approved submission).
pub(super) fn allowed(s: &Submission, verb: Verb) -> Result<(), String> {
    let wanted = row(verb);
    if wanted.from.contains(&s.state) {
        return Ok(());
    }
    let id = s.id;
    let why = s
        .reason
        .as_deref()
        .filter(|_| matches!(s.state, Ignored | Quarantined))
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    let only = format!(
        "only {} submissions can be {}",
        states_text(wanted.from),
        past(wanted.name)
    );
    if wanted.to == Some(s.state) {
        return Err(format!(
            "submission {id} is already {}{}{why}; there is nothing to {} ({only})",
            s.state,
            decided(s),
            wanted.name
        ));
    }
    let here = format!("submission {id} is {}{}{why}", s.state, decided(s));
    let from_here = MOVES.iter().filter(|m| m.from.contains(&s.state));
    let mut same = from_here
        .clone()
        .filter(|m| m.to.is_some() && m.to == wanted.to);
    if let Some(instead) = same.next() {
        return Err(format!(
            "{here}; {only}: '{}' does that from here",
            command(instead, id)
        ));
    }
    let mut path = from_here.filter(|m| m.to.is_some_and(|to| wanted.from.contains(&to)));
    match path.next() {
        Some(first) => Err(format!(
            "{here}; {only}: to {} it, first '{}'{}",
            wanted.name,
            command(first, id),
            if s.state == Approved {
                " (this withdraws it from publication)"
            } else {
                ""
            }
        )),
        None => Err(format!("{here}; {only}")),
    }
}

/// "approved", "rejected", "reopened", "released".
fn past(verb: &str) -> String {
    if verb.ends_with('e') {
        format!("{verb}d")
    } else {
        format!("{verb}ed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verb_has_its_row_and_every_move_leads_somewhere_allowed() {
        for verb in [
            Verb::Approve,
            Verb::Reject,
            Verb::Reopen,
            Verb::Release,
            Verb::Assign,
            Verb::Edit,
            Verb::SetType,
        ] {
            assert_eq!(
                MOVES.iter().filter(|m| m.verb == verb).count(),
                1,
                "{verb:?}"
            );
        }
        for m in MOVES {
            if let Some(to) = m.to {
                assert!(
                    MOVES.iter().any(|n| n.from.contains(&to)),
                    "{} leads to {to}, where nothing is allowed",
                    m.name
                );
            }
        }
    }
}
