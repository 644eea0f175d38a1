//! `hubmail watch`: the long-running worker.
//!
//! One loop reads every configured source (Maildirs, IMAP mailboxes), delivers the outbox
//! and queues the moderators' digest; between rounds it waits for new mail (IDLE threads
//! wake it) or the poll interval. The store is opened only for each piece of work, so
//! moderators' commands run meanwhile. SIGTERM or SIGINT: the message in hand is
//! finished and committed, then the worker exits 0.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::Args;

use hubmail::ingest;
use hubmail::mailbox::{ImapSource, ImapWaiter, Maildir, Source};
use hubmail::notify::{self, Mailer, StoreAccess};
use hubmail::retry::{self, Backoff};
use hubmail::store::Store;

use super::Context;

/// Run the worker: ingest from every configured source ([watch] maildirs, [[imap]]
/// mailboxes), send the outbox, and queue the digest, until SIGTERM or SIGINT. Logs go to
/// stderr (RUST_LOG=debug for more).
#[derive(Debug, Args)]
pub struct Watch {
    /// Do one round and exit (for cron, or to test a configuration).
    #[arg(long)]
    once: bool,
}

impl Watch {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let stop = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
            signal_hook::flag::register(signal, Arc::clone(&stop))?;
        }
        let poll = Duration::from_secs(ctx.config.watch.poll_seconds.max(1));
        let (wake_tx, wake_rx) = mpsc::channel::<()>();

        // One IDLE thread per IMAP mailbox: it only says "something changed".
        for cfg in ctx.config.imap.iter().filter(|c| c.idle) {
            let (tx, stop, cfg) = (wake_tx.clone(), Arc::clone(&stop), cfg.clone());
            std::thread::spawn(move || {
                let mut waiter = ImapWaiter::new(&cfg);
                let mut backoff = Backoff::new(retry::RECONNECT);
                while !stop.load(Ordering::Relaxed) {
                    match waiter.wait(Duration::from_secs(60)) {
                        Ok(changed) => {
                            if backoff.succeeded() {
                                tracing::info!(mailbox = %cfg.name, "IDLE connection back");
                            }
                            if changed && tx.send(()).is_err() {
                                return;
                            }
                        }
                        Err(e) => {
                            let delay = backoff.failed();
                            tracing::warn!(mailbox = %cfg.name, error = %e, retry_in = ?delay, "IDLE connection failed");
                            std::thread::sleep(delay);
                        }
                    }
                }
            });
        }

        let mut imap: Vec<(ImapSource, Backoff)> = ctx
            .config
            .imap
            .iter()
            .map(|c| {
                let source = ImapSource::new(
                    c,
                    ctx.config.limits.max_message_bytes,
                    &ctx.data_dir.join("spool"),
                );
                (source, Backoff::new(retry::RECONNECT))
            })
            .collect();
        let mailer = Mailer::from_config(&ctx.config, &ctx.data_dir)?;
        tracing::info!(
            maildirs = ctx.config.watch.maildirs.len(),
            imap = imap.len(),
            outbox = %mailer.describe(),
            "watching"
        );
        let should_stop = || stop.load(Ordering::Relaxed);
        let options = ctx.creating_options();
        // Started here, so that delivery and the digest find it before any mail came.
        drop(hubmail::session::Session::open(&options)?);
        let mut outbox_backoff = Backoff::new(retry::RECONNECT);

        while !should_stop() {
            for dir in &ctx.config.watch.maildirs {
                let result = Maildir::open(dir, ctx.config.limits.max_message_bytes, false)
                    .and_then(|mut md| {
                        ingest::run_until(
                            &ctx.config,
                            &options,
                            &mut md,
                            &mut |_, _| {},
                            &should_stop,
                        )
                    });
                report(&format!("maildir {}", dir.display()), result);
            }
            for (source, backoff) in &mut imap {
                if !backoff.ready() || should_stop() {
                    continue;
                }
                source.rewind();
                let result =
                    ingest::run_until(&ctx.config, &options, source, &mut |_, _| {}, &should_stop);
                match result {
                    Ok(summary) => {
                        if backoff.succeeded() {
                            tracing::info!(source = %source.describe(), "source reachable again");
                        }
                        report(&source.describe(), Ok(summary));
                    }
                    Err(e) => {
                        source.disconnect();
                        let delay = backoff.failed();
                        tracing::warn!(source = %source.describe(), error = %e, retry_in = ?delay, "reading failed; reconnecting later");
                    }
                }
            }
            if should_stop() {
                break;
            }
            if outbox_backoff.ready() {
                match deliver(ctx, &mailer) {
                    Ok(()) => {
                        outbox_backoff.succeeded();
                    }
                    Err(e) => {
                        let delay = outbox_backoff.failed();
                        tracing::warn!(error = %format!("{e:#}"), retry_in = ?delay, "outbox delivery failed");
                    }
                }
            }
            if self.once {
                break;
            }
            // Wait for an IDLE wake-up, the poll interval, or a signal (checked each second).
            let deadline = Instant::now() + poll;
            while !should_stop() && Instant::now() < deadline {
                if wake_rx.recv_timeout(Duration::from_secs(1)).is_ok() {
                    break;
                }
            }
        }
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    }
}

fn report(source: &str, result: hubmail::Result<ingest::Summary>) {
    match result {
        Ok(s) if s.read > 0 => tracing::info!(
            source,
            read = s.read,
            queued = s.queued,
            ignored = s.ignored,
            quarantined = s.quarantined,
            duplicates = s.duplicates,
            rejected = s.rejected,
            "ingested"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(source, error = %e, "reading failed"),
    }
}

/// Queues the digest when its time has come and sends what is due, holding the store only
/// to read and to record, never while the mail server is being talked to.
fn deliver(ctx: &Context, mailer: &Mailer) -> anyhow::Result<()> {
    let now = hubmail::clock::now();
    {
        let session = ctx.session()?;
        if let Some(count) = notify::queue_digest_if_due(&session.store, &ctx.config, now)? {
            tracing::info!(count, "digest queued");
        }
    }
    let open = || Store::open_existing(&ctx.data_dir, ctx.lock_wait());
    let report = mailer.send_due(&StoreAccess::Open(&open), &ctx.config, now)?;
    if report.sent + report.deferred + report.failed + report.cancelled > 0 {
        tracing::info!(
            sent = report.sent,
            deferred = report.deferred,
            failed = report.failed,
            cancelled = report.cancelled,
            "outbox"
        );
    }
    if report.deferred > 0 && report.sent == 0 {
        anyhow::bail!(
            "the mail server did not accept any message ({} deferred)",
            report.deferred
        );
    }
    Ok(())
}
