//! `hubmail reindex`: rebuild the search index from the store.

use std::process::ExitCode;

use clap::Args;

use super::Context;

/// Rebuild the full-text index from the store (the store is the source of truth; the
/// index can always be thrown away and rebuilt).
#[derive(Debug, Args)]
pub struct Reindex {}

impl Reindex {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let session = ctx.session()?;
        let n = hubmail::indexing::rebuild(&session.store, &session.index)?;
        println!(
            "indexed {n} submissions into {}",
            session.index.dir().display()
        );
        Ok(ExitCode::SUCCESS)
    }
}
