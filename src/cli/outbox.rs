//! `hubmail outbox`: what waits to be sent, what failed; send it now.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde::Serialize;

use hubmail::model::{OutboxEntry, OutboxStatus};
use hubmail::notify::{Mailer, StoreAccess};

use super::output::safe_line;
use super::{Context, output};

/// List the outbox: acknowledgements, decisions and digests waiting to be sent or failed
/// (sent and cancelled ones with --all). --send delivers what is due now ('hubmail watch'
/// does it continuously); --retry SEQ sends a failed message again; 'outbox cancel SEQ…'
/// stops messages still waiting. A decision's notice waits [notify]
/// decision_delay_minutes (10) before it is due: a reopen or another decision meanwhile
/// cancels it.
#[derive(Debug, Args)]
pub struct Outbox {
    #[command(subcommand)]
    command: Option<OutboxCommand>,
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

#[derive(Debug, Subcommand)]
enum OutboxCommand {
    /// Stop messages still waiting to be sent (audited).
    Cancel {
        /// Outbox numbers, as 'hubmail outbox' lists them.
        #[arg(required = true, value_name = "SEQ")]
        seqs: Vec<u64>,
        /// Why (kept with the message and in the audit trail).
        #[arg(long)]
        reason: Option<String>,
    },
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
    cancelled: Option<&'a str>,
    corrects: Option<String>,
    message_id: &'a str,
}

impl Outbox {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let session = ctx.session()?;
        if let Some(OutboxCommand::Cancel { seqs, reason }) = &self.command {
            for seq in seqs {
                let entry = hubmail::decision::cancel_notice(
                    &session.store,
                    &ctx.config,
                    *seq,
                    &ctx.moderator(),
                    reason.as_deref(),
                )?;
                println!(
                    "cancelled outbox message {seq} ({} to {})",
                    entry.kind.as_str(),
                    safe_line(&entry.to.join(", "))
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        if let Some(seq) = self.retry {
            let mut entry = session
                .store
                .outbox()?
                .into_iter()
                .find(|e| e.seq == seq)
                .ok_or_else(|| {
                    anyhow::anyhow!("no outbox message {seq}: 'hubmail outbox --all' lists them")
                })?;
            if matches!(entry.status, OutboxStatus::Sent | OutboxStatus::Cancelled) {
                anyhow::bail!(
                    "outbox message {seq} is {}; nothing to retry",
                    entry.status.as_str()
                );
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
                let stopped = match report.cancelled {
                    0 => String::new(),
                    n => format!(", {n} cancelled (the contributor may no longer be answered)"),
                };
                println!(
                    "delivery through {}: {} sent, {} deferred, {} failed{stopped}",
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
            .filter(|e| {
                self.all || !matches!(e.status, OutboxStatus::Sent | OutboxStatus::Cancelled)
            })
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
                    status: e.status.as_str(),
                    attempts: e.attempts,
                    created: e.created.to_string(),
                    next_attempt: e.next_attempt.to_string(),
                    sent_at: e.sent_at.map(|t| t.to_string()),
                    last_error: e.last_error.as_deref(),
                    cancelled: e.cancelled.as_deref(),
                    corrects: e.corrects.map(|t| t.to_string()),
                    message_id: &e.message_id,
                })
                .collect();
            output::json(&view)?;
            return Ok(ExitCode::SUCCESS);
        }
        let now = hubmail::clock::now();
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
                e.status.as_str(),
                e.kind.as_str(),
                e.lang,
                e.submission.map_or("-".into(), |s| s.to_string()),
                safe_line(&e.to.join(", ")),
                e.attempts,
                if e.attempts == 1 { "" } else { "s" },
                match (&e.last_error, &e.cancelled) {
                    (Some(x), _) | (None, Some(x)) => format!(" — {}", safe_line(x)),
                    (None, None) if e.status == OutboxStatus::Pending && e.next_attempt > now =>
                        format!(" — due {}", e.next_attempt.strftime("%Y-%m-%d %H:%M UTC")),
                    (None, None) => match e.corrects {
                        Some(t) => format!(" — replaces the notice of {}", t.strftime("%Y-%m-%d")),
                        None => String::new(),
                    },
                }
            )?;
        }
        Ok(ExitCode::SUCCESS)
    }
}
