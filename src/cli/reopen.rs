//! `hubmail reopen ID --reason TEXT` and `hubmail release ID…`.

use std::process::ExitCode;

use clap::Args;

use hubmail::moderate::Action;

use super::{Context, decide};

/// Send an approved or rejected submission back to pending (e.g. approved by mistake);
/// an approved one is withdrawn from publication.
#[derive(Debug, Args)]
pub struct Reopen {
    /// The submission's id.
    id: u64,
    /// Why it is reopened (recorded in the audit trail).
    #[arg(long, required = true)]
    reason: String,
    /// Show what would happen without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

impl Reopen {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let reason = self.reason.clone();
        decide::run_many(ctx, &[self.id], self.dry_run, self.json, |_| {
            Ok(Action::Reopen {
                reason: reason.clone(),
            })
        })
        .map(|(code, _)| code)
    }
}

/// Move ignored or quarantined messages into the moderation queue (pending).
#[derive(Debug, Args)]
pub struct Release {
    /// The submissions' ids.
    #[arg(required = true)]
    ids: Vec<u64>,
    /// Why (recorded in the audit trail).
    #[arg(long)]
    reason: Option<String>,
    /// Show what would happen without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

impl Release {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let reason = self.reason.clone();
        decide::run_many(ctx, &self.ids, self.dry_run, self.json, |_| {
            Ok(Action::Release {
                reason: reason.clone(),
            })
        })
        .map(|(code, _)| code)
    }
}
