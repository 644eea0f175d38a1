//! `hubmail ingest`: take mail from the contact mailbox into the moderation queue.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use hubmail::ingest::{self, Summary};
use hubmail::mailbox::{ImapSource, Maildir, Mbox, Source, Stdin};

use super::{Context, output};

/// Read mail from Maildirs, mbox archives or standard input, and queue it for moderation.
///
/// A Maildir message moves to cur/ with the S flag only after it is durably stored;
/// re-running on the same mailbox stores nothing twice. With '-', one message is read from
/// standard input for an MTA pipe, with sysexits.h exit codes (0, 65, 75).
#[derive(Debug, Args)]
pub struct Ingest {
    /// A Maildir to read (repeatable).
    #[arg(long, value_name = "DIR")]
    maildir: Vec<PathBuf>,
    /// An mbox archive to backfill from (repeatable).
    #[arg(long, value_name = "FILE")]
    mbox: Vec<PathBuf>,
    /// An IMAP mailbox from the configuration's [[imap]] sections, by name (repeatable).
    #[arg(long, value_name = "NAME")]
    imap: Vec<String>,
    /// Also re-read Maildir messages already flagged seen (stored ones are recognised).
    #[arg(long)]
    rescan: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
    /// Also report the time spent per stage (parse, language, analysis, store, flush,
    /// index), in the JSON as `timings_ms`, else on stderr.
    #[arg(long)]
    timings: bool,
    /// '-' to read one message from standard input.
    #[arg(value_name = "-")]
    stdin: Option<String>,
}

impl Ingest {
    /// Whether this is the MTA pipe form (`hubmail ingest -`).
    pub fn is_pipe(&self) -> bool {
        self.stdin.as_deref() == Some("-")
    }

    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        if let Some(arg) = &self.stdin
            && arg != "-"
        {
            anyhow::bail!(
                "unexpected argument {arg:?}: use '-' for standard input, --maildir DIR or --mbox FILE"
            );
        }
        if self.stdin.is_none()
            && self.maildir.is_empty()
            && self.mbox.is_empty()
            && self.imap.is_empty()
        {
            anyhow::bail!(
                "nothing to ingest: give --maildir DIR, --mbox FILE, --imap NAME, or '-' for standard input"
            );
        }
        let limits = &ctx.config.limits;
        let mut sources: Vec<Box<dyn Source>> = Vec::new();
        if self.is_pipe() {
            let spool = ctx.data_dir.join("spool");
            sources.push(Box::new(Stdin::read(
                &mut std::io::stdin().lock(),
                limits.max_message_bytes,
                &spool,
            )?));
        }
        for dir in &self.maildir {
            sources.push(Box::new(Maildir::open(
                dir,
                limits.max_message_bytes,
                self.rescan,
            )?));
        }
        for file in &self.mbox {
            sources.push(Box::new(Mbox::open(
                file,
                limits.max_message_bytes,
                &ctx.data_dir.join("spool"),
            )?));
        }
        for name in &self.imap {
            let cfg = ctx.config.imap(name).ok_or_else(|| {
                let names: Vec<&str> = ctx.config.imap.iter().map(|i| i.name.as_str()).collect();
                anyhow::anyhow!(
                    "no [[imap]] named {name:?} in the configuration{}",
                    if names.is_empty() {
                        String::new()
                    } else {
                        format!(" (there is {})", names.join(", "))
                    }
                )
            })?;
            sources.push(Box::new(ImapSource::new(
                cfg,
                limits.max_message_bytes,
                &ctx.data_dir.join("spool"),
            )));
        }

        let mut total = Summary::default();
        for source in &mut sources {
            let bar = progress_bar(source.remaining_hint(), self.is_pipe());
            bar.set_message(source.describe());
            let summary = ingest::run(
                &ctx.config,
                &ctx.creating_options(),
                source.as_mut(),
                &mut |s, _remaining| bar.set_position(s.read),
            )
            .with_context(|| format!("ingesting from {}", source.describe()))?;
            bar.finish_and_clear();
            total.read += summary.read;
            total.queued += summary.queued;
            total.ignored += summary.ignored;
            total.quarantined += summary.quarantined;
            total.duplicates += summary.duplicates;
            total.rejected += summary.rejected;
        }

        let timings = ingest::stages::snapshot();
        if self.json {
            let mut value = serde_json::to_value(total)?;
            if self.timings {
                value["timings_ms"] = timings
                    .iter()
                    .map(|(n, ms)| (n.to_string(), serde_json::json!((ms * 10.0).round() / 10.0)))
                    .collect::<serde_json::Map<_, _>>()
                    .into();
            }
            output::json(&value)?;
        } else if self.timings {
            let parts: Vec<String> = timings
                .iter()
                .map(|(n, ms)| format!("{n} {ms:.0} ms"))
                .collect();
            eprintln!("timings: {}", parts.join(", "));
        }
        if !self.json && (!self.is_pipe() || std::io::stdout().is_terminal()) {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "read {}: {} queued, {} ignored, {} quarantined, {} duplicate{}",
                total.read,
                total.queued,
                total.ignored,
                total.quarantined,
                total.duplicates,
                if total.duplicates == 1 { "" } else { "s" }
            )?;
            if total.queued > 0 {
                writeln!(out, "next: 'hubmail queue' lists what waits for moderation")?;
            }
            if total.rejected > 0 {
                writeln!(
                    out,
                    "{} from banned senders, rejected on arrival",
                    total.rejected
                )?;
            }
            if total.quarantined > 0 {
                writeln!(
                    out,
                    "quarantined messages: 'hubmail queue --state quarantined'"
                )?;
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// A progress bar on a terminal; hidden otherwise (and always for the pipe).
fn progress_bar(len: Option<u64>, pipe: bool) -> ProgressBar {
    if pipe || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(len, ProgressDrawTarget::hidden());
    }
    let bar = match len {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({per_sec}, eta {eta})")
                .expect("valid template")
                .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {msg}: {pos} messages ({per_sec})")
                .expect("valid template"),
        ),
    };
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar
}

/// The sysexits.h code for a failed pipe delivery, from the error's kind: 75 (the MTA
/// keeps the message and tries again) for anything that may pass later, a configuration
/// a person must fix included; 65 only for input that can never be accepted.
pub fn pipe_exit_code(err: &anyhow::Error) -> u8 {
    const EX_DATAERR: u8 = 65;
    const EX_TEMPFAIL: u8 = 75;
    match err.downcast_ref::<hubmail::Error>() {
        Some(e) if !e.kind().may_pass_later() => EX_DATAERR,
        _ => EX_TEMPFAIL,
    }
}

#[cfg(test)]
mod tests {
    use super::pipe_exit_code;

    #[test]
    fn the_pipe_exit_code_follows_the_error_kind() {
        let code = |e: hubmail::Error| pipe_exit_code(&anyhow::Error::new(e));
        assert_eq!(code(hubmail::Error::Input("empty".into())), 65);
        assert_eq!(code(hubmail::Error::Setup("no template".into())), 75);
        assert_eq!(
            code(hubmail::Error::Config {
                path: "hubmail.toml".into(),
                message: "bad".into()
            }),
            75
        );
        assert_eq!(code(hubmail::Error::Store("io".into())), 75);
    }
}
