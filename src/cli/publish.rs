//! `hubmail publish`: the approved contributions as the consultation's site.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::{Context, output};

/// Publish the approved contributions: per discussion space, a page (questions, each
/// followed by its contributions), an Atom feed and a JSON export, plus a site index.
/// Written as a new release and swapped in atomically; the same store gives the same
/// bytes. With [publish] after_decision = true, every decision publishes again.
#[derive(Debug, Args)]
pub struct Publish {
    /// Where to publish [default: [publish] out, else ./site]. hubmail manages it as a
    /// symlink to the current release.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

impl Publish {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let out = self
            .out
            .clone()
            .unwrap_or_else(|| ctx.config.publish.out.clone());
        let session = ctx.session()?;
        let report = hubmail::publish::publish(&session.store, &ctx.config, &out)?;
        drop(session);
        if self.json {
            output::json(&report)?;
        } else {
            println!(
                "published {} contributions in {} space{} to {} (release {})",
                report.contributions,
                report.spaces,
                if report.spaces == 1 { "" } else { "s" },
                report.out.display(),
                report
                    .release
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Publishes again after a decision when the configuration asks for it; a failure is
/// reported but does not undo the decision.
pub fn after_decision(ctx: &Context, store: &hubmail::store::Store) {
    if !ctx.config.publish.after_decision {
        return;
    }
    let out: &Path = &ctx.config.publish.out;
    match hubmail::publish::publish(store, &ctx.config, out) {
        Ok(report) => {
            tracing::info!(out = %report.out.display(), contributions = report.contributions, "published")
        }
        Err(e) => eprintln!(
            "hubmail: the decision is stored, but publishing failed: {e}; run 'hubmail publish'"
        ),
    }
}
