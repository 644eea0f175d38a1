//! `hubmail set-type ID… TYPE` and `hubmail set-type --infer [ID…]`.

use std::process::ExitCode;

use clap::Args;

use hubmail::moderate::{self, Action};

use super::{Context, decide, queue};

/// Set the stakeholder type of submissions: one of member-state, local-government,
/// un-entity, intergovernmental, civil-society, private-sector, academia, individual,
/// other, or unknown. No rule changes a moderator's type afterwards. With --infer, apply
/// the config's rules again instead (after a rule was added, or to submissions stored
/// before types existed): to these ids, or to every submission they would change.
#[derive(Debug, Args)]
pub struct SetType {
    /// The submissions' ids, then the type (with --infer: only ids, or none for all).
    #[arg(value_name = "ID… TYPE")]
    args: Vec<String>,
    /// Apply the rules again rather than set a type (a moderator's type stays).
    #[arg(long)]
    infer: bool,
    /// Show what would happen without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

fn parse_ids(args: &[String]) -> anyhow::Result<Vec<u64>> {
    args.iter()
        .map(|id| {
            id.parse::<u64>().map_err(|_| {
                anyhow::anyhow!("{id:?} is not a submission id (give the ids, then the type)")
            })
        })
        .collect()
}

impl SetType {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        if self.infer {
            let mut ids = parse_ids(&self.args)?;
            if ids.is_empty() {
                let session = ctx.session()?;
                ids = moderate::types_to_infer(&session.store, &ctx.config)?
                    .into_iter()
                    .map(|id| id.0)
                    .collect();
                if ids.is_empty() {
                    println!("every type is what the rules say (or a moderator set it)");
                    return Ok(ExitCode::SUCCESS);
                }
            }
            return decide::run_many(ctx, &ids, self.dry_run, self.json, |_| {
                Ok(Action::InferType)
            })
            .map(|(code, _)| code);
        }
        let (Some((kind, ids)), true) = (self.args.split_last(), self.args.len() >= 2) else {
            anyhow::bail!(
                "give the submissions' ids and then the type ('hubmail set-type 7 8 \
                 member-state'), or --infer"
            );
        };
        let kind = queue::parse_type(kind)?;
        let ids = parse_ids(ids)?;
        decide::run_many(ctx, &ids, self.dry_run, self.json, |_| {
            Ok(Action::SetType { kind })
        })
        .map(|(code, _)| code)
    }
}
