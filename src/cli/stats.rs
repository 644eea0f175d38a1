//! `hubmail stats`: where the consultation stands.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use hubmail::ingest::PIPELINE_ACTOR;
use hubmail::model::State;

use super::{Context, output};

/// Counts by state, language, question and flag, and the median time from receipt to a
/// moderator's decision.
#[derive(Debug, Args)]
pub struct Stats {
    /// Print as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Default, Serialize)]
struct Report {
    total: usize,
    by_state: BTreeMap<String, usize>,
    by_lang: BTreeMap<String, usize>,
    by_question: BTreeMap<String, usize>,
    by_flag: BTreeMap<String, usize>,
    decided: usize,
    median_hours_to_decision: Option<f64>,
    duplicates: u64,
    /// Bytes the store takes on disk (sled and the packs; not the search index).
    store_bytes: u64,
    /// The store's compression dictionaries by kind of value, in bytes.
    dictionaries: BTreeMap<String, usize>,
}

impl Stats {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let session = ctx.session()?;
        let mut r = Report {
            duplicates: session.store.counter("duplicates")?,
            store_bytes: session.store.disk_size()?,
            dictionaries: session
                .store
                .dictionaries()?
                .into_iter()
                .map(|(kind, bytes)| (kind.to_string(), bytes))
                .collect(),
            ..Report::default()
        };
        for state in State::ALL {
            r.by_state.insert(state.to_string(), 0);
        }
        let mut waits: Vec<f64> = Vec::new();
        for s in session.store.submissions() {
            let s = s?;
            r.total += 1;
            *r.by_state.entry(s.state.to_string()).or_default() += 1;
            if matches!(s.state, State::Ignored | State::Quarantined) {
                continue; // not contributions: language and question mean nothing there
            }
            let lang = s.lang.map_or("undetermined".to_string(), |l| l.to_string());
            *r.by_lang.entry(lang).or_default() += 1;
            let q = s
                .question
                .as_ref()
                .map_or("unassigned".to_string(), |q| q.to_string());
            *r.by_question.entry(q).or_default() += 1;
            for f in &s.flags {
                *r.by_flag.entry(f.kind.to_string()).or_default() += 1;
            }
            if let Some(d) = &s.decision
                && d.moderator != PIPELINE_ACTOR
                && matches!(d.state, State::Approved | State::Rejected)
            {
                waits.push((d.at.as_second() - s.received.as_second()) as f64 / 3600.0);
            }
        }
        drop(session);
        r.decided = waits.len();
        waits.sort_by(f64::total_cmp);
        r.median_hours_to_decision = match waits.len() {
            0 => None,
            n if n % 2 == 1 => Some(waits[n / 2]),
            n => Some((waits[n / 2 - 1] + waits[n / 2]) / 2.0),
        }
        .map(|h| (h * 100.0).round() / 100.0);
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
