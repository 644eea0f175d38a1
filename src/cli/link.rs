//! `hubmail link VERSION --to LEAD`, `hubmail link --found` and `hubmail unlink ID…`: the
//! versions of one contribution sent in several languages, linked as one.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use hubmail::model::{State, SubmissionId};
use hubmail::translation::{self, Linked};

use super::{Context, output};

/// Link another language's version of a contribution to it (its lead): from then on
/// they are decided together, and published, exported and counted as one contribution.
#[derive(Debug, Args)]
#[command(after_help = "\
'hubmail queue --translations' lists the pairs found (one sender, different languages,
texts that translate each other); 'hubmail link --found' links them all. Undo with
'hubmail unlink ID'.")]
pub struct Link {
    /// The version to link (e.g. the French text of a contribution sent in English too).
    #[arg(
        required_unless_present = "found",
        conflicts_with = "found",
        requires = "to"
    )]
    version: Option<u64>,
    /// The contribution it is a version of.
    #[arg(long)]
    to: Option<u64>,
    /// Link every pair 'hubmail queue --translations' finds among pending, approved and
    /// rejected submissions, each later version to the earlier one.
    #[arg(long)]
    found: bool,
    /// Show what would happen without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

/// Undo a link: a version becomes a contribution of its own again; a lead's versions
/// all do.
#[derive(Debug, Args)]
pub struct Unlink {
    /// The submissions' ids.
    #[arg(required = true)]
    ids: Vec<u64>,
    /// Show what would happen without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

/// One link's result, for `--json`.
#[derive(Debug, Serialize)]
struct Outcome {
    ok: bool,
    #[serde(flatten)]
    linked: Option<Linked>,
    message: String,
}

impl Link {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let moderator = ctx.moderator();
        let session = ctx.session()?;
        let store = &session.store;
        let results = if self.found {
            let states = [State::Pending, State::Approved, State::Rejected];
            translation::link_found(store, &ctx.config, &states, &moderator, self.dry_run)?
        } else {
            let (Some(version), Some(lead)) = (self.version, self.to) else {
                anyhow::bail!("give the version and --to LEAD, or --found");
            };
            vec![translation::link(
                store,
                &ctx.config,
                (SubmissionId(version), SubmissionId(lead)),
                &moderator,
                self.dry_run,
            )]
        };
        finish(ctx, &session, results, self.dry_run, self.json)
    }
}

impl Unlink {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let moderator = ctx.moderator();
        let session = ctx.session()?;
        let results = self
            .ids
            .iter()
            .map(|id| {
                translation::unlink(
                    &session.store,
                    &ctx.config,
                    SubmissionId(*id),
                    &moderator,
                    self.dry_run,
                )
            })
            .collect();
        finish(ctx, &session, results, self.dry_run, self.json)
    }
}

/// Makes the links durable, the index and the site follow, and reports each.
fn finish(
    ctx: &Context,
    session: &hubmail::session::Session,
    results: Vec<hubmail::Result<Linked>>,
    dry_run: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let outcomes: Vec<Outcome> = results
        .into_iter()
        .map(|r| match r {
            Ok(linked) => Outcome {
                ok: true,
                message: if dry_run {
                    format!("would have {}", linked.summary)
                } else {
                    linked.summary.clone()
                },
                linked: Some(linked),
            },
            Err(e) => Outcome {
                ok: false,
                linked: None,
                message: output::error_chain(&anyhow::Error::from(e)),
            },
        })
        .collect();
    if !dry_run && outcomes.iter().any(|o| o.ok) {
        session.store.flush()?;
        hubmail::indexing::sync(&session.store, &session.index)?;
        super::publish::after_decision(ctx, &session.store);
    }
    let failed = outcomes.iter().any(|o| !o.ok);
    if json {
        output::json(&outcomes)?;
    } else {
        let mut out = std::io::stdout().lock();
        if outcomes.is_empty() {
            writeln!(out, "no unlinked versions of one contribution were found")?;
        }
        for o in &outcomes {
            if o.ok {
                writeln!(out, "{}", output::safe(&o.message))?;
            } else {
                eprintln!("hubmail: {}", output::safe(&o.message));
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
