//! `hubmail init`: start an empty store in the data directory.

use std::process::ExitCode;

use clap::Args;

use super::Context;

/// Start an empty store (and search index) in the data directory. Only this, ingest,
/// watch and restore create one: every other command refuses a directory without a store,
/// so that a mistyped --data-dir is an error, not an empty consultation. Use it to set
/// sender rules or try commands before the first mail arrives.
#[derive(Debug, Args)]
pub struct Init {}

impl Init {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let existed = hubmail::store::Store::exists(&ctx.data_dir);
        drop(hubmail::session::Session::open(&ctx.creating_options())?);
        println!(
            "{} store in {}",
            if existed { "an existing" } else { "a new" },
            ctx.data_dir.display()
        );
        Ok(ExitCode::SUCCESS)
    }
}
