//! `hubmail backup FILE` and `hubmail restore FILE`.

use std::io::{BufReader, BufWriter};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use hubmail::store::Store;

use super::{Context, output};

/// Write a consistent snapshot of the store (records, raw mail, attachments, audit trail,
/// outbox, sender rules) to FILE. Safe while 'hubmail watch' runs: it waits for the worker
/// to finish its batch. The search index is not included (restore rebuilds it).
#[derive(Debug, Args)]
pub struct Backup {
    /// The backup file to write (replaced atomically when complete).
    file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

impl Backup {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let session = ctx.session()?;
        let tmp = self.file.with_extension("partial");
        let file =
            std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        let report = session.store.backup(BufWriter::new(&file))?;
        file.sync_all()?;
        std::fs::rename(&tmp, &self.file).with_context(|| format!("renaming {}", tmp.display()))?;
        // Remembered so that an erasure can say which backups still hold what it erased.
        let path = std::path::absolute(&self.file).unwrap_or_else(|_| self.file.clone());
        session.store.record_backup(&path, hubmail::clock::now())?;
        if self.json {
            output::json(&report)?;
        } else {
            println!(
                "backed up {} records in {} trees, {} pack files and {} oversize messages \
                 ({:.1} MB of mail) to {}",
                report.records,
                report.trees,
                report.packs,
                report.spooled,
                (report.pack_bytes + report.spool_bytes) as f64 / 1e6,
                self.file.display()
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Restore a backup into an empty data directory, then rebuild the search index.
#[derive(Debug, Args)]
pub struct Restore {
    /// The backup file.
    file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

impl Restore {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let file = std::fs::File::open(&self.file)
            .with_context(|| format!("opening {}", self.file.display()))?;
        let report = Store::restore(&ctx.data_dir, BufReader::new(file))?;
        // Opening the session finds no index and rebuilds it from the restored store.
        let session = ctx.session()?;
        let indexed = session.index.num_docs()?;
        drop(session);
        if self.json {
            let mut value = serde_json::to_value(&report)?;
            value["indexed"] = indexed.into();
            output::json(&value)?;
        } else {
            println!(
                "restored {} records, {} pack files and {} oversize messages into {}; \
                 indexed {} submissions",
                report.records,
                report.packs,
                report.spooled,
                ctx.data_dir.display(),
                indexed
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}
