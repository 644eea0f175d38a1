//! `hubmail export`: the contributions as a file for the people who draft from them.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use hubmail::export::{self, Audience, Format, Selection};
use hubmail::model::State;

use super::{Context, output};

/// Export contributions, one row each (id, space, question, language, stakeholder type,
/// author, affiliation, date, subject, the text as edited, GCM objectives, attachments,
/// the public link): as CSV, JSON Lines, an XLSX workbook with an overview sheet and a
/// sheet per question, or a Markdown dossier grouped by question and stakeholder type.
/// Only what the site publishes, unless --all.
#[derive(Debug, Args)]
pub struct Export {
    /// The file's format.
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Where to write it (replaced atomically when it exists).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Only this space's contributions.
    #[arg(long, value_name = "SPACE")]
    space: Option<String>,
    /// Only this question's (a number in --space or the default space, SPACE:NUMBER, or
    /// none for the contributions routed to no question).
    #[arg(long, short)]
    question: Option<String>,
    /// Which contributions: approved (published) ones, or all of them (pending and
    /// rejected too: needs --all).
    #[arg(long, value_enum, default_value = "approved")]
    state: StateArg,
    /// Only contributions dated on or after this day (YYYY-MM-DD) or instant (RFC 3339).
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// The moderators' export: adds the sender's address, the state and the decision,
    /// and allows --state other than approved. Never publish this file.
    #[arg(long)]
    all: bool,
    /// CSV for a spreadsheet program: a UTF-8 byte-order mark, and cells that would run
    /// as a formula (starting with = + - @) prefixed with '.
    #[arg(long)]
    spreadsheet: bool,
    /// Print what was written as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    /// JSON Lines: one object per contribution.
    #[value(alias = "jsonl")]
    Json,
    Xlsx,
    /// A Markdown dossier.
    #[value(alias = "markdown")]
    Md,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StateArg {
    Approved,
    Pending,
    Rejected,
    All,
}

impl Export {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        if self.spreadsheet && !matches!(self.format, FormatArg::Csv) {
            anyhow::bail!("--spreadsheet is for --format csv (XLSX is read as text already)");
        }
        let mut space = self.space.clone();
        let question = match &self.question {
            Some(q) => {
                let q = match &space {
                    Some(s) if !q.contains(':') && !q.eq_ignore_ascii_case("none") => {
                        format!("{s}:{q}")
                    }
                    _ => q.clone(),
                };
                match hubmail::moderate::parse_question(&ctx.config, &q)
                    .map_err(anyhow::Error::msg)?
                {
                    Some(r) => {
                        space = Some(r.space);
                        Some(Some(r.number))
                    }
                    None => Some(None),
                }
            }
            None => None,
        };
        let selection = Selection {
            space,
            question,
            state: match self.state {
                StateArg::Approved => Some(State::Approved),
                StateArg::Pending => Some(State::Pending),
                StateArg::Rejected => Some(State::Rejected),
                StateArg::All => None,
            },
            since: self
                .since
                .as_deref()
                .map(super::queue::parse_since)
                .transpose()?,
            audience: if self.all {
                Audience::Moderators
            } else {
                Audience::Public
            },
        };
        let format = match self.format {
            FormatArg::Csv => Format::Csv {
                spreadsheet: self.spreadsheet,
            },
            FormatArg::Json => Format::JsonLines,
            FormatArg::Xlsx => Format::Xlsx,
            FormatArg::Md => Format::Markdown,
        };
        let session = ctx.session()?;
        let rows = export::rows(&session.store, &ctx.config, &selection)?;
        drop(session);
        let written = export::write(&ctx.config, &rows, selection.audience, format, &self.out)?;
        if self.json {
            output::json(&written)?;
        } else {
            println!(
                "exported {} contribution{} to {} ({:.1} KB){}",
                written.contributions,
                if written.contributions == 1 { "" } else { "s" },
                written.path.display(),
                written.bytes as f64 / 1024.0,
                if self.all {
                    " — with addresses and decisions: for moderators only"
                } else {
                    ""
                }
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}
