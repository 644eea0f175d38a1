//! `hubmail attachment ID [N]`: list a submission's attachments, or save them.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use hubmail::model::SubmissionId;

use super::Context;
use super::output::safe_line;

/// List a submission's attachments, or save one (--save PATH) or all (--save-all DIR)
/// as files, to open them before deciding. Files are saved under their sanitised names,
/// never outside DIR and never over an existing file.
#[derive(Debug, Args)]
pub struct Attachment {
    /// The submission's id.
    id: u64,
    /// The attachment's number, as `hubmail show` and this command list them.
    #[arg(requires = "save")]
    number: Option<usize>,
    /// Write attachment N to this file (which must not exist).
    #[arg(
        long,
        value_name = "PATH",
        requires = "number",
        conflicts_with = "save_all"
    )]
    save: Option<PathBuf>,
    /// Write every attachment into this folder (created if missing).
    #[arg(long, value_name = "DIR")]
    save_all: Option<PathBuf>,
}

impl Attachment {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let session = ctx.session()?;
        let submission = session.store.get(SubmissionId(self.id))?;
        let limits = &ctx.config.limits;
        let mut out = std::io::stdout().lock();
        if let (Some(n), Some(path)) = (self.number, &self.save) {
            let bytes = hubmail::attachments::bytes(&session.store, limits, &submission, n)?;
            hubmail::attachments::write_new(path, &bytes)?;
            writeln!(
                out,
                "saved attachment {n} ({} bytes) to {}",
                bytes.len(),
                safe_line(&path.display().to_string())
            )?;
        } else if let Some(dir) = &self.save_all {
            for path in hubmail::attachments::save_all(&session.store, limits, &submission, dir)? {
                writeln!(out, "saved {}", safe_line(&path.display().to_string()))?;
            }
        } else if submission.attachments.is_empty() {
            writeln!(out, "submission {} has no attachment", submission.id)?;
        } else {
            for (i, a) in submission.attachments.iter().enumerate() {
                writeln!(
                    out,
                    "{}. {} ({}, {} bytes)",
                    i + 1,
                    safe_line(&a.name),
                    safe_line(&a.content_type),
                    a.size
                )?;
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
