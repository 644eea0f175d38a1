//! `hubmail extract-worker KIND --limits JSON` (hidden): the subprocess in which an
//! attachment's text is read, started by ingestion with the file on standard input.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use hubmail::config::Limits;
use hubmail::extract::{self, Kind};

/// Read one attachment's text from standard input; print the outcome as one JSON line.
#[derive(Debug, Args)]
pub struct ExtractWorker {
    /// pdf, docx, odt, rtf, html or text.
    kind: String,
    /// The [limits] in force, as JSON.
    #[arg(long)]
    limits: String,
}

impl ExtractWorker {
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        let kind = Kind::parse(&self.kind)
            .with_context(|| format!("no such kind of document: {}", self.kind))?;
        let limits: Limits = serde_json::from_str(&self.limits).context("the --limits JSON")?;
        let extraction = extract::run_worker(kind, &limits);
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &extraction)?;
        writeln!(out)?;
        Ok(ExitCode::SUCCESS)
    }
}
