//! `hubmail assign ID --question N`.

use std::process::ExitCode;

use clap::Args;

use hubmail::moderate::{self, Action};

use super::{Context, decide};

/// Route a submission to a question (or unassign it with --question none).
#[derive(Debug, Args)]
pub struct Assign {
    /// The submissions' ids.
    #[arg(required = true)]
    ids: Vec<u64>,
    /// The question: a number (in the first space), SPACE:NUMBER, or none.
    #[arg(long, short)]
    question: String,
    /// Show what would happen without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

impl Assign {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let question =
            moderate::parse_question(&ctx.config, &self.question).map_err(anyhow::Error::msg)?;
        decide::run_many(ctx, &self.ids, self.dry_run, self.json, |_| {
            Ok(Action::Assign {
                question: question.clone(),
            })
        })
        .map(|(code, _)| code)
    }
}
