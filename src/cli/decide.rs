//! The shared path of every moderation command: resolve the moderator, apply an action to
//! each id through the library's state machine, bring the index up to date, report.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use hubmail::decision;
use hubmail::model::SubmissionId;
use hubmail::moderate::Action;

use super::{Context, output};

/// One id's result, for `--json`.
#[derive(Debug, Serialize)]
struct Outcome {
    id: u64,
    ok: bool,
    state: Option<&'static str>,
    message: String,
}

/// Applies `action` (built per id) to each id; prints one line per id (or JSON); exits 1
/// when any id was refused. Also returns the ids the action went through for.
pub fn run_many(
    ctx: &Context,
    ids: &[u64],
    dry_run: bool,
    json: bool,
    mut action_for: impl FnMut(SubmissionId) -> anyhow::Result<Action>,
) -> anyhow::Result<(ExitCode, Vec<SubmissionId>)> {
    let moderator = ctx.moderator();
    let session = ctx.session()?;
    let mut outcomes = Vec::with_capacity(ids.len());
    for &id in ids {
        let sid = SubmissionId(id);
        let result = action_for(sid).and_then(|action| {
            Ok(decision::decide(
                &session.store,
                &ctx.config,
                sid,
                &action,
                &moderator,
                dry_run,
                None,
            )?)
        });
        outcomes.push(match result {
            Ok(applied) => Outcome {
                id,
                ok: true,
                state: Some(applied.after.state.as_str()),
                message: if dry_run {
                    format!("would have {}", applied.summary)
                } else {
                    applied.summary
                },
            },
            Err(e) => Outcome {
                id,
                ok: false,
                state: None,
                message: output::error_chain(&e),
            },
        });
    }
    if !dry_run {
        session.store.flush()?;
        hubmail::indexing::sync(&session.store, &session.index)?;
        if outcomes.iter().any(|o| o.ok) {
            super::publish::after_decision(ctx, &session.store);
        }
    }
    drop(session);
    let failed = outcomes.iter().filter(|o| !o.ok).count();
    if json {
        output::json(&outcomes)?;
    } else {
        let mut out = std::io::stdout().lock();
        for o in &outcomes {
            if o.ok {
                writeln!(out, "{}", output::safe(&o.message))?;
            } else {
                eprintln!("hubmail: {}", output::safe(&o.message));
            }
        }
    }
    let done = outcomes
        .iter()
        .filter(|o| o.ok)
        .map(|o| SubmissionId(o.id))
        .collect();
    let code = if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    Ok((code, done))
}
