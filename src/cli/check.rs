//! `hubmail check`: does the index hold exactly the store's submissions?

use std::process::ExitCode;

use clap::Args;

use hubmail::index::{self, SearchIndex};
use hubmail::store::Store;

use super::{Context, output};

/// Verify that the search index matches the store (the source of truth); with --repair,
/// fix what differs. Exits 1 when a difference is found and not repaired.
#[derive(Debug, Args)]
pub struct Check {
    /// Re-index missing submissions and remove stray index entries.
    #[arg(long)]
    repair: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

impl Check {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let store = Store::open(&ctx.data_dir, ctx.lock_wait())?;
        let (search, fresh) = SearchIndex::open(&ctx.data_dir)?;
        if fresh {
            store.mark_all_unindexed()?;
        }
        let mut found = index::check(&store, &search)?;
        let mut repaired = 0;
        if self.repair && !found.is_consistent() {
            repaired = index::repair(&store, &search, &found)?;
            found = index::check(&store, &search)?;
        }
        if self.json {
            let mut value = serde_json::to_value(&found)?;
            value["missing"] = found.missing.len().into();
            value["extra"] = found.extra.len().into();
            value["duplicated"] = found.duplicated.len().into();
            value["repaired"] = repaired.into();
            value["consistent"] = found.is_consistent().into();
            output::json(&value)?;
        } else {
            println!(
                "store: {} submissions; index: {} documents",
                found.stored, found.indexed
            );
            let list = |ids: &[hubmail::model::SubmissionId]| {
                ids.iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if !found.missing.is_empty() {
                println!("missing from the index: {}", list(&found.missing));
            }
            if !found.extra.is_empty() {
                println!("in the index but not the store: {}", list(&found.extra));
            }
            if !found.duplicated.is_empty() {
                println!("indexed twice: {}", list(&found.duplicated));
            }
            if repaired > 0 {
                println!("repaired: re-indexed {repaired} submissions");
            }
            if found.is_consistent() {
                println!("consistent");
            } else {
                println!("inconsistent: 'hubmail check --repair' fixes the index");
            }
        }
        Ok(if found.is_consistent() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
}
