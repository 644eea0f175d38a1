//! `hubmail outbox`: what waits to be sent, what failed; send it now.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use hubmail::model::{OutboxEntry, OutboxStatus};
use hubmail::notify::{Mailer, StoreAccess};

use super::output::safe_line;
use super::{Context, output};

/// List the outbox: acknowledgements, decisions and digests waiting to be sent or failed
/// (sent ones with --all). --send delivers what is due now ('hubmail watch' does it
/// continuously); --retry SEQ sends a failed message again.
#[derive(Debug, Args)]
pub struct Outbox {
    /// Also list messages already sent.
    #[arg(long)]
    all: bool,
    /// Deliver what is due now.
    #[arg(long)]
    send: bool,
    /// Put a failed message back in the queue, due now.
    #[arg(long, value_name = "SEQ")]
    retry: Option<u64>,
    /// Print as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct EntryView<'a> {
    seq: u64,
    kind: &'static str,
    submission: Option<u64>,
    to: &'a [String],
    lang: &'static str,
    status: &'static str,
    attempts: u32,
    created: String,
    next_attempt: String,
    sent_at: Option<String>,
    last_error: Option<&'a str>,
    message_id: &'a str,
}

fn status(s: OutboxStatus) -> &'static str {
    match s {
        OutboxStatus::Pending => "pending",
        OutboxStatus::Sent => "sent",
        OutboxStatus::Failed => "failed",
    }
}

impl Outbox {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let session = ctx.session()?;
        if let Some(seq) = self.retry {
            let mut entry = session
                .store
                .outbox()?
                .into_iter()
                .find(|e| e.seq == seq)
                .ok_or_else(|| {
                    anyhow::anyhow!("no outbox message {seq}: 'hubmail outbox --all' lists them")
                })?;
            if entry.status == OutboxStatus::Sent {
                anyhow::bail!("outbox message {seq} was already sent; nothing to retry");
            }
            entry.status = OutboxStatus::Pending;
            entry.next_attempt = hubmail::clock::now();
            session.store.update_outbox(&entry)?;
            session.store.flush()?;
            println!("outbox message {seq} will be sent on the next delivery");
        }
        if self.send {
            let mailer = Mailer::from_config(&ctx.config, &ctx.data_dir)?;
            let report = mailer.send_due(
                &StoreAccess::Held(&session.store),
                &ctx.config,
                hubmail::clock::now(),
            )?;
            if !self.json {
                println!(
                    "delivery through {}: {} sent, {} deferred, {} failed",
                    mailer.describe(),
                    report.sent,
                    report.deferred,
                    report.failed
                );
            }
        }
        let entries: Vec<OutboxEntry> = session
            .store
            .outbox()?
            .into_iter()
            .filter(|e| self.all || e.status != OutboxStatus::Sent)
            .collect();
        drop(session);
        if self.json {
            let view: Vec<EntryView<'_>> = entries
                .iter()
                .map(|e| EntryView {
                    seq: e.seq,
                    kind: e.kind.as_str(),
                    submission: e.submission.map(|s| s.0),
                    to: &e.to,
                    lang: e.lang.code(),
                    status: status(e.status),
                    attempts: e.attempts,
                    created: e.created.to_string(),
                    next_attempt: e.next_attempt.to_string(),
                    sent_at: e.sent_at.map(|t| t.to_string()),
                    last_error: e.last_error.as_deref(),
                    message_id: &e.message_id,
                })
                .collect();
            output::json(&view)?;
            return Ok(ExitCode::SUCCESS);
        }
        let mut out = std::io::stdout().lock();
        if entries.is_empty() {
            writeln!(
                out,
                "the outbox is empty{}",
                if self.all {
                    ""
                } else {
                    " (--all shows sent messages)"
                }
            )?;
        }
        for e in &entries {
            writeln!(
                out,
                "{:>5} {:<8} {:<8} {} #{} to {} ({} attempt{}){}",
                e.seq,
                status(e.status),
                e.kind.as_str(),
                e.lang,
                e.submission.map_or("-".into(), |s| s.to_string()),
                safe_line(&e.to.join(", ")),
                e.attempts,
                if e.attempts == 1 { "" } else { "s" },
                e.last_error
                    .as_deref()
                    .map(|x| format!(" — {}", safe_line(x)))
                    .unwrap_or_default()
            )?;
        }
        Ok(ExitCode::SUCCESS)
    }
}
