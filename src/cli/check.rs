//! `hubmail check`: does the index hold exactly the store's submissions?

use std::process::ExitCode;

use clap::Args;

use hubmail::index::SearchIndex;
use hubmail::indexing;
use hubmail::store::Store;

use super::{Context, output};

/// Verify that the search index matches the store (the source of truth) and that every
/// moderator's decision has its audit entry and outbox message; with --repair, rebuild
/// what differs in the index. Exits 1 when something is inconsistent.
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
        let store = Store::open_existing(&ctx.data_dir, ctx.lock_wait())?;
        let (search, fresh) = SearchIndex::open(&ctx.data_dir)?;
        if fresh {
            // Created empty just now: filled from the whole store by --repair or by
            // whatever opens the store next.
            indexing::require_fill(&store)?;
        }
        let mut found = indexing::check(&store, &search)?;
        let mut repaired = 0;
        if self.repair && !found.is_consistent() {
            repaired = if indexing::fill_pending(&store)? {
                indexing::fill(&store, &search)?
            } else {
                indexing::repair(&store, &search, &found)?
            };
            found = indexing::check(&store, &search)?;
        }
        let gaps = hubmail::check::decisions(&store, &ctx.config)?;
        let unfinished_erasures = hubmail::forget::unfinished(&store)?;
        let consistent = found.is_consistent() && gaps.is_empty() && unfinished_erasures == 0;
        if self.json {
            let mut value = serde_json::to_value(&found)?;
            value["audit_missing"] = gaps.audit_missing.len().into();
            value["outbox_missing"] = gaps.outbox_missing.len().into();
            value["outbox_orphans"] = gaps.outbox_orphans.len().into();
            value["missing"] = found.missing.len().into();
            value["extra"] = found.extra.len().into();
            value["duplicated"] = found.duplicated.len().into();
            value["repaired"] = repaired.into();
            value["unfinished_erasures"] = unfinished_erasures.into();
            value["consistent"] = consistent.into();
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
            let list = |ids: &[hubmail::model::SubmissionId]| {
                ids.iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if !gaps.audit_missing.is_empty() {
                println!(
                    "decisions without their audit entry: {}",
                    list(&gaps.audit_missing)
                );
            }
            if !gaps.outbox_missing.is_empty() {
                println!(
                    "decisions without their message to the contributor: {}",
                    list(&gaps.outbox_missing)
                );
            }
            if !gaps.outbox_orphans.is_empty() {
                println!(
                    "outbox messages about unknown submissions: {:?}",
                    gaps.outbox_orphans
                );
            }
            if unfinished_erasures > 0 {
                println!(
                    "erasures a crash interrupted: {unfinished_erasures} (the records are gone; 'hubmail forget --finish' completes the rest)"
                );
            }
            if consistent {
                println!("consistent");
            } else if unfinished_erasures > 0 && found.is_consistent() && gaps.is_empty() {
                println!("inconsistent: an erasure is not complete");
            } else if !found.is_consistent() {
                println!("inconsistent: 'hubmail check --repair' rebuilds the index entries");
            } else {
                println!("inconsistent: report this (a decision was not written whole)");
            }
        }
        Ok(if consistent {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
}
