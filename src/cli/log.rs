//! `hubmail log [ID]`: the audit trail.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use hubmail::model::AuditEntry;

use super::output::safe_line;
use super::{Context, output};

/// Show the audit trail: who did what, when, from which state to which, and why. Oldest
/// first; with an id, only that submission's entries.
#[derive(Debug, Args)]
pub struct Log {
    /// Only this submission's entries.
    id: Option<u64>,
    /// Only the last N entries.
    #[arg(long)]
    last: Option<usize>,
    /// Print as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct EntryView<'a> {
    seq: u64,
    at: String,
    submission: Option<u64>,
    target: Option<&'a str>,
    actor: &'a str,
    action: &'a str,
    from: Option<&'static str>,
    to: Option<&'static str>,
    reason: Option<&'a str>,
}

impl Log {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let session = ctx.session()?;
        // A clear error if unknown; an erased submission shows what the trail kept of it,
        // and its tombstone.
        let mut tombstone = None;
        if let Some(id) = self.id {
            match session.store.get(hubmail::model::SubmissionId(id)) {
                Ok(_) => {}
                Err(hubmail::Error::Erased { audit_seq, .. }) => tombstone = Some(audit_seq),
                Err(e) => return Err(e.into()),
            }
        }
        let mut entries: Vec<AuditEntry> = Vec::new();
        for e in session.store.audit() {
            let e = e?;
            if self.id.is_none() || e.submission.map(|s| s.0) == self.id || tombstone == Some(e.seq)
            {
                entries.push(e);
            }
        }
        drop(session);
        if let Some(n) = self.last {
            let skip = entries.len().saturating_sub(n);
            entries.drain(..skip);
        }
        if self.json {
            let view: Vec<EntryView<'_>> = entries
                .iter()
                .map(|e| EntryView {
                    seq: e.seq,
                    at: e.at.to_string(),
                    submission: e.submission.map(|s| s.0),
                    target: e.target.as_deref(),
                    actor: &e.actor,
                    action: &e.action,
                    from: e.from.map(|s| s.as_str()),
                    to: e.to.map(|s| s.as_str()),
                    reason: e.reason.as_deref(),
                })
                .collect();
            output::json(&view)?;
            return Ok(ExitCode::SUCCESS);
        }
        let mut out = std::io::stdout().lock();
        for e in &entries {
            let what = match (e.submission, &e.target) {
                (Some(id), _) => format!("#{id}"),
                (None, Some(t)) => safe_line(t).into_owned(),
                (None, None) => String::new(),
            };
            let states = match (e.from, e.to) {
                (Some(a), Some(b)) if a != b => format!(" {a} → {b}"),
                (None, Some(b)) => format!(" → {b}"),
                _ => String::new(),
            };
            writeln!(
                out,
                "{}  {:<10} {:<14} {}{}{}",
                e.at.strftime("%Y-%m-%d %H:%M:%S"),
                safe_line(&e.actor),
                e.action,
                what,
                states,
                e.reason
                    .as_deref()
                    .map(|r| format!(" — {}", safe_line(r)))
                    .unwrap_or_default()
            )?;
        }
        Ok(ExitCode::SUCCESS)
    }
}
