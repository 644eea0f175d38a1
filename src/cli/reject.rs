//! `hubmail reject ID… --reason TEXT | --reason-code CODE | --discard`.

use std::process::ExitCode;

use clap::{Args, ValueEnum};

use hubmail::model::ReasonCode;
use hubmail::moderate::Action;

use super::{Context, decide};

/// Reject submissions with a reason the contributor will read: your own words
/// (--reason) or a standard reason (--reason-code), worded in the contributor's language;
/// or --discard them, with no notice at all (spam, abuse, mail from a machine).
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("why").required(true).multiple(true).args(["reason", "reason_code", "discard"])))]
pub struct Reject {
    /// The submissions' ids.
    #[arg(required_unless_present = "group")]
    ids: Vec<u64>,
    /// Reject every pending letter of a campaign (as listed by 'hubmail queue --group'),
    /// each sender told in their language.
    #[arg(long, value_name = "G", conflicts_with = "ids")]
    group: Option<String>,
    /// The reason, in your words.
    #[arg(long)]
    reason: Option<String>,
    /// A standard reason with default wording in English, French and Spanish.
    #[arg(long, value_enum)]
    reason_code: Option<CodeArg>,
    /// Send no notice at all (Mailman's discard); a reason, if given, stays in the audit
    /// trail only. Rejecting with --reason-code spam is silent too.
    #[arg(long)]
    discard: bool,
    /// Show what would happen without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

/// A standard rejection reason on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CodeArg {
    /// Does not answer the consultation's questions.
    OffTopic,
    /// Already received.
    Duplicate,
    /// Not in English, French or Spanish.
    Language,
    /// Advertising or abuse.
    Spam,
    /// Too short or unfinished.
    Incomplete,
}

impl From<CodeArg> for ReasonCode {
    fn from(c: CodeArg) -> ReasonCode {
        match c {
            CodeArg::OffTopic => ReasonCode::OffTopic,
            CodeArg::Duplicate => ReasonCode::Duplicate,
            CodeArg::Language => ReasonCode::Language,
            CodeArg::Spam => ReasonCode::Spam,
            CodeArg::Incomplete => ReasonCode::Incomplete,
        }
    }
}

impl Reject {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let code = self.reason_code.map(ReasonCode::from);
        let reason = self.reason.clone();
        let discard = self.discard;
        let ids = match &self.group {
            Some(name) => super::campaigns::pending_members(ctx, name)?,
            None => self.ids.clone(),
        };
        decide::run_many(ctx, &ids, self.dry_run, self.json, |_| {
            Ok(Action::Reject {
                code,
                reason: reason.clone(),
                discard,
            })
        })
        .map(|(code, _)| code)
    }
}
