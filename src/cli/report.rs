//! `hubmail report`: the consultation in figures, with charts, for the people who draft.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use hubmail::model::Lang;

use super::queue::LangArg;
use super::{Context, output};

/// Write the consultation in figures into a folder: one HTML page with charts (SVG,
/// readable without JavaScript, printable) of the approved contributions per question and
/// language, per stakeholder type, per week, the GCM objectives mentioned most and how
/// moderation went (median time to a decision); the same figures as figures.json, and
/// each chart as an SVG file.
#[derive(Debug, Args)]
pub struct Report {
    /// Where to write it (created when missing; its files are replaced).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Only this space's contributions.
    #[arg(long, value_name = "SPACE")]
    space: Option<String>,
    /// The page's language [default: the default space's first language].
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    /// Print what was written as JSON.
    #[arg(long)]
    json: bool,
}

impl Report {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let lang = self
            .lang
            .map(Lang::from)
            .unwrap_or_else(|| ctx.config.default_space().first_lang());
        let session = ctx.session()?;
        let written = hubmail::report::write(
            &session.store,
            &ctx.config,
            self.space.as_deref(),
            lang,
            &self.out,
        )?;
        drop(session);
        if self.json {
            output::json(&written)?;
        } else {
            println!(
                "wrote the figures of {} approved contribution{} to {} ({})",
                written.contributions,
                if written.contributions == 1 { "" } else { "s" },
                written.out.join("index.html").display(),
                written.files.join(", ")
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}
