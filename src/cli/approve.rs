//! `hubmail approve ID…`: publish contributions (or add an approval toward the quorum).

use std::process::ExitCode;

use clap::Args;

use hubmail::moderate::{self, Action};

use super::{Context, decide, output};

/// Approve submissions. With peer review ([moderation] approvals_required > 1) each
/// approval from a different moderator counts, and the submission is published when enough
/// have approved.
#[derive(Debug, Args)]
pub struct Approve {
    /// The submissions' ids.
    #[arg(required_unless_present = "group")]
    ids: Vec<u64>,
    /// Approve every pending letter of a campaign (as listed by 'hubmail queue --group').
    #[arg(long, value_name = "G", conflicts_with = "ids")]
    group: Option<String>,
    /// Also trust each sender's address from now on (their mail is still held, flagged
    /// `trusted`).
    #[arg(long)]
    trust_sender: bool,
    /// Show what would happen without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

impl Approve {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let ids = match &self.group {
            Some(name) => super::campaigns::pending_members(ctx, name)?,
            None => self.ids.clone(),
        };
        let (code, approved) =
            decide::run_many(ctx, &ids, self.dry_run, self.json, |_| Ok(Action::Approve))?;
        if self.trust_sender && !self.dry_run {
            let session = ctx.session()?;
            let trusted =
                moderate::trust_senders(&session.store, &ctx.config, &approved, &ctx.moderator())?;
            if !self.json {
                for address in trusted {
                    println!("trusted sender {}", output::safe_line(&address));
                }
            }
        }
        Ok(code)
    }
}
