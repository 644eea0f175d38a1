//! `hubmail review`: one pending submission at a time, a key per decision — like
//! `git add -p`. Works over SSH in a plain terminal.
//!
//! The store is opened only for each decision, never while waiting for a key, so ingestion
//! and other moderators go on meanwhile; a submission someone else decided in the meantime
//! is reported and skipped.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Args;
use console::{Key, Term};

use hubmail::decision;
use hubmail::model::{ReasonCode, State, Submission};
use hubmail::moderate::{self, Action};

use super::{Context, edit, output, show};

/// Review the pending queue interactively, oldest first: a approve, r reject (asks for a
/// reason), n assign a question, e edit, s skip, q quit, ? help.
#[derive(Debug, Args)]
pub struct Review {}

const HELP: &str = "\
  a  approve (with peer review: add your approval)
  r  reject: then 1 off-topic, 2 duplicate, 3 language, 4 spam, 5 incomplete,
     t to type your own reason, Esc to cancel
  n  assign it to a question: a number (in the first space), SPACE:NUMBER, or none
  t  set the stakeholder type: member-state, local-government, un-entity,
     intergovernmental, civil-society, private-sector, academia, individual, other
     or unknown
  e  edit the author, affiliation, department, type, subject, text or question in $EDITOR
  s  skip: leave it pending and go to the next one
  q  quit
  ?  this help";

enum Step {
    Next,
    Stay,
    Quit,
}

impl Review {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
            anyhow::bail!(
                "'hubmail review' is interactive and needs a terminal; in scripts use \
                 'hubmail queue --json' with 'hubmail approve ID' or 'hubmail reject ID --reason-code CODE'"
            );
        }
        let moderator = ctx.moderator();
        moderate::check_moderator(&ctx.config, &moderator).map_err(anyhow::Error::msg)?;
        let ids = moderate::review_queue(&ctx.session()?.store)?;
        let term = Term::stdout();
        if ids.is_empty() {
            term.write_line("nothing to review: the queue is empty")?;
            return Ok(ExitCode::SUCCESS);
        }
        let (mut decided, mut skipped) = (0, 0);
        'submissions: for (n, id) in ids.iter().enumerate() {
            loop {
                let s = ctx.session()?.store.get(*id)?;
                if s.state != State::Pending {
                    term.write_line(&format!(
                        "submission {id} was decided meanwhile (now {}); skipping",
                        s.state
                    ))?;
                    continue 'submissions;
                }
                term.write_line("")?;
                term.write_line(&format!(
                    "── {}/{} ──────────────────────────────",
                    n + 1,
                    ids.len()
                ))?;
                let mut buf = Vec::new();
                show::print_human(&mut buf, &s, false)?;
                term.write_str(&String::from_utf8_lossy(&buf))?;
                term.write_str(&format!(
                    "\nReview #{id}: [a]pprove [r]eject [n] question [t]ype [e]dit [s]kip [q]uit [?] > "
                ))?;
                term.flush()?;
                let key = term.read_key()?;
                term.write_line("")?;
                let step = match key {
                    Key::Char('a') => {
                        decided += apply(ctx, &term, &s, Action::Approve)?;
                        Step::Next
                    }
                    Key::Char('r') => match ask_reason(&term)? {
                        Some(action) => {
                            decided += apply(ctx, &term, &s, action)?;
                            Step::Next
                        }
                        None => Step::Stay,
                    },
                    Key::Char('n') => {
                        if let Some(action) = ask_question(ctx, &term)? {
                            apply(ctx, &term, &s, action)?;
                        }
                        Step::Stay
                    }
                    Key::Char('t') => {
                        if let Some(action) = ask_type(&term)? {
                            apply(ctx, &term, &s, action)?;
                        }
                        Step::Stay
                    }
                    Key::Char('e') => {
                        match edit::edit_interactively(ctx, *id) {
                            Ok(summary) => term.write_line(&output::safe(&summary))?,
                            Err(e) => {
                                term.write_line(&output::safe(&format!("not edited: {e:#}")))?
                            }
                        }
                        Step::Stay
                    }
                    Key::Char('s') => {
                        skipped += 1;
                        Step::Next
                    }
                    Key::Char('q') | Key::Escape | Key::CtrlC => Step::Quit,
                    Key::Char('?') => {
                        term.write_line(HELP)?;
                        Step::Stay
                    }
                    _ => {
                        term.write_line("unknown key: press ? for help")?;
                        Step::Stay
                    }
                };
                match step {
                    Step::Next => continue 'submissions,
                    Step::Stay => continue,
                    Step::Quit => break 'submissions,
                }
            }
        }
        term.write_line(&format!("reviewed: {decided} decided, {skipped} skipped"))?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Applies one decision; returns 1 when it went through, 0 when refused (reported).
/// The decision applies to the record as shown (`seen`): if another moderator changed it
/// while this one was reading, it is refused and says so.
fn apply(ctx: &Context, term: &Term, seen: &Submission, action: Action) -> anyhow::Result<usize> {
    let session = ctx.session()?;
    let result = decision::decide(
        &session.store,
        &ctx.config,
        seen.id,
        &action,
        &ctx.moderator(),
        false,
        Some(seen),
    );
    match result {
        Ok(applied) => {
            session.store.flush()?;
            hubmail::indexing::sync(&session.store, &session.index)?;
            super::publish::after_decision(ctx, &session.store);
            term.write_line(&output::safe(&applied.summary))?;
            Ok(1)
        }
        Err(e) => {
            term.write_line(&output::safe(&format!("not done: {e}")))?;
            Ok(0)
        }
    }
}

/// Asks which question to assign; none when the moderator gives nothing or a question
/// that does not exist (said so).
fn ask_question(ctx: &Context, term: &Term) -> anyhow::Result<Option<Action>> {
    term.write_str("Question (a number, SPACE:NUMBER or none; empty cancels): ")?;
    let text = term.read_line()?;
    if text.trim().is_empty() {
        term.write_line("cancelled")?;
        return Ok(None);
    }
    match moderate::parse_question(&ctx.config, text.trim()) {
        Ok(question) => Ok(Some(Action::Assign { question })),
        Err(e) => {
            term.write_line(&output::safe(&format!("not assigned: {e}")))?;
            Ok(None)
        }
    }
}

/// Asks which stakeholder type to set; none when the moderator gives nothing or a word
/// that is no type (said so).
fn ask_type(term: &Term) -> anyhow::Result<Option<Action>> {
    term.write_str("Type (member-state, local-government, un-entity, intergovernmental, civil-society, private-sector, academia, individual, other, unknown; empty cancels): ")?;
    let text = term.read_line()?;
    if text.trim().is_empty() {
        term.write_line("cancelled")?;
        return Ok(None);
    }
    match super::queue::parse_type(text.trim()) {
        Ok(kind) => Ok(Some(Action::SetType { kind })),
        Err(e) => {
            term.write_line(&output::safe(&format!("not set: {e}")))?;
            Ok(None)
        }
    }
}

fn ask_reason(term: &Term) -> anyhow::Result<Option<Action>> {
    term.write_str(
        "Reason: [1] off-topic [2] duplicate [3] language [4] spam [5] incomplete [t]ype your own [d]iscard (no notice), Esc cancels > ",
    )?;
    let key = term.read_key()?;
    term.write_line("")?;
    let code = match key {
        Key::Char(c @ '1'..='5') => ReasonCode::ALL[(c as u8 - b'1') as usize],
        Key::Char('t') => {
            term.write_str("Reason for the contributor: ")?;
            let text = term.read_line()?;
            if text.trim().is_empty() {
                term.write_line("no reason given: not rejected")?;
                return Ok(None);
            }
            return Ok(Some(Action::Reject {
                code: None,
                reason: Some(text.trim().to_string()),
                discard: false,
            }));
        }
        Key::Char('d') => {
            return Ok(Some(Action::Reject {
                code: None,
                reason: None,
                discard: true,
            }));
        }
        _ => {
            term.write_line("cancelled")?;
            return Ok(None);
        }
    };
    Ok(Some(Action::Reject {
        code: Some(code),
        reason: None,
        discard: false,
    }))
}
