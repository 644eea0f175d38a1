//! `hubmail stats`: where the consultation stands.

use std::io::Write;
use std::process::ExitCode;

use super::{Context, output};
use clap::Args;

/// Counts by state, language, stakeholder type, question and flag, and the median time
/// from receipt to a moderator's decision.
#[derive(Debug, Args)]
pub struct Stats {
    /// Count only submissions from this kind of stakeholder (member-state, …, or unknown).
    #[arg(long = "type", value_name = "TYPE")]
    stakeholder: Option<String>,
    /// Print as JSON.
    #[arg(long)]
    json: bool,
}

impl Stats {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let only = self
            .stakeholder
            .as_deref()
            .map(super::queue::parse_type)
            .transpose()?;
        let r = hubmail::stats::report(&ctx.session()?.store, only)?;
        if self.json {
            output::json(&r)?;
            return Ok(ExitCode::SUCCESS);
        }
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "submissions: {} (and {} duplicates received)",
            r.total, r.duplicates
        )?;
        for (title, map) in [
            ("by state", &r.by_state),
            ("by language", &r.by_lang),
            ("by type", &r.by_type),
            ("by question", &r.by_question),
            ("by flag", &r.by_flag),
        ] {
            let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k} {v}")).collect();
            writeln!(
                out,
                "{title:<12} {}",
                if parts.is_empty() {
                    "-".into()
                } else {
                    parts.join(", ")
                }
            )?;
        }
        match r.median_hours_to_decision {
            Some(h) => writeln!(
                out,
                "median time to a decision: {h:.1} h over {} decisions",
                r.decided
            )?,
            None => writeln!(out, "median time to a decision: no decision yet")?,
        }
        let dictionaries: Vec<String> = r
            .dictionaries
            .iter()
            .map(|(kind, bytes)| format!("{kind} {:.1} KB", *bytes as f64 / 1024.0))
            .collect();
        writeln!(
            out,
            "store on disk: {:.1} MB; compression dictionaries: {}",
            r.store_bytes as f64 / 1e6,
            if dictionaries.is_empty() {
                format!(
                    "none yet (trained at {} submissions, [store] dictionary_after)",
                    ctx.config.store.dictionary_after
                )
            } else {
                dictionaries.join(", ")
            }
        )?;
        Ok(ExitCode::SUCCESS)
    }
}
