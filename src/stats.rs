//! Where the consultation stands: counts by state, language, stakeholder type, question and
//! flag (of every submission, or of one stakeholder type's), and the
//! median time from receipt to a moderator's decision.
//!
//! The counts come from the listing (a small row per submission), not from the records;
//! only decided submissions are read whole, for when and by whom they were decided.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Result;
use crate::ingest::PIPELINE_ACTOR;
use crate::model::{StakeholderType, State};
use crate::store::Store;

/// The figures `hubmail stats` shows (its `--json` contract).
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Submissions stored.
    pub total: usize,
    /// Submissions per state (every state, even at 0).
    pub by_state: BTreeMap<String, usize>,
    /// Contributions per language (`undetermined` without one).
    pub by_lang: BTreeMap<String, usize>,
    /// Contributions per stakeholder type (`unknown` without one).
    pub by_type: BTreeMap<String, usize>,
    /// Contributions per question (`unassigned` without one).
    pub by_question: BTreeMap<String, usize>,
    /// Contributions per flag.
    pub by_flag: BTreeMap<String, usize>,
    /// Submissions a moderator approved or rejected.
    pub decided: usize,
    /// The median time from receipt to a moderator's decision, in hours.
    pub median_hours_to_decision: Option<f64>,
    /// Copies of stored mail received.
    pub duplicates: u64,
    /// Bytes the store takes on disk (sled and the packs; not the search index).
    pub store_bytes: u64,
    /// The store's compression dictionaries by kind of value, in bytes.
    pub dictionaries: BTreeMap<String, usize>,
}

/// Counts what the store holds; with `only`, of one stakeholder type (`Some(None)`: the
/// submissions whose type is unknown).
pub fn report(store: &Store, only: Option<Option<StakeholderType>>) -> Result<Report> {
    let mut r = Report {
        duplicates: store.counter("duplicates")?,
        store_bytes: store.disk_size()?,
        dictionaries: store
            .dictionaries()?
            .into_iter()
            .map(|(kind, bytes)| (kind.to_string(), bytes))
            .collect(),
        ..Report::default()
    };
    let mut waits: Vec<f64> = Vec::new();
    for state in State::ALL {
        r.by_state.insert(state.to_string(), 0);
        for row in store.listing(Some(state), false) {
            let s = row?;
            let kind = s.author.stakeholder.as_ref().map(|t| t.kind);
            if only.is_some_and(|t| t != kind) {
                continue;
            }
            r.total += 1;
            *r.by_state.entry(s.state.to_string()).or_default() += 1;
            if matches!(s.state, State::Ignored | State::Quarantined) {
                continue; // not contributions: language and question mean nothing there
            }
            let lang = s.lang.map_or("undetermined".to_string(), |l| l.to_string());
            *r.by_lang.entry(lang).or_default() += 1;
            let kind = kind.map_or("unknown", StakeholderType::as_str);
            *r.by_type.entry(kind.to_string()).or_default() += 1;
            let q = s
                .question
                .as_ref()
                .map_or("unassigned".to_string(), |q| q.to_string());
            *r.by_question.entry(q).or_default() += 1;
            for f in &s.flags {
                *r.by_flag.entry(f.kind.to_string()).or_default() += 1;
            }
            if matches!(s.state, State::Approved | State::Rejected)
                && let Some(d) = store.get(s.id)?.decision
                && d.moderator != PIPELINE_ACTOR
            {
                waits.push((d.at.as_second() - s.received.as_second()) as f64 / 3600.0);
            }
        }
    }
    r.decided = waits.len();
    r.median_hours_to_decision = median(&mut waits).map(|h| (h * 100.0).round() / 100.0);
    Ok(r)
}

/// The median of `values` (sorted in place); none of none.
pub(crate) fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        n if n % 2 == 1 => Some(values[n / 2]),
        n => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }
}
