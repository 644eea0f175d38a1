//! The pipeline: source → parse → classify → trim → language → route → store → index.
//!
//! [`process`] turns one incoming message into exactly one outcome (queued, ignored,
//! quarantined, or a counted duplicate) and writes it to the store; it never fails on
//! bad input, only on a store problem. [`run`] drives a source batch by batch: process,
//! one flush (the durability point), only then let the source release the messages, then
//! bring the index up to date. A crash anywhere leaves each message either still in the
//! source (re-read, then recognised by its digest) or durably stored.
//!
//! The rooms: [`prepare`] (bytes to a record ready for the store, on any thread),
//! [`analyse`] (the pure part: classification, trimming, language, routing, flags),
//! `run` (the batch loop), [`stages`] (time per stage).

mod analyse;
mod paper;
mod prepare;
mod run;
pub mod stages;

pub use analyse::analyse;
pub use prepare::{Prepared, prepare};
pub use run::{run, run_until};

use serde::Serialize;

use crate::config::Config;
use crate::mailbox::Incoming;
use crate::model::{State, Submission, SubmissionId};
use crate::store::{DuplicateOf, Store, Stored};
use crate::{Error, Result, clock};

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Stored and waiting for a moderator.
    Queued(SubmissionId),
    /// Stored as not a contribution (auto-reply, bounce…).
    Ignored(SubmissionId),
    /// Stored as unprocessable, with the reason.
    Quarantined(SubmissionId),
    /// Already stored: counted on the original.
    Duplicate(DuplicateOf),
    /// Stored as rejected on arrival (banned sender).
    Rejected(SubmissionId),
}

/// Counts of an ingest run (the `--json` contract).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Messages read from the sources.
    pub read: u64,
    /// New submissions waiting for moderation.
    pub queued: u64,
    /// Auto-replies, bounces and list mail kept as `ignored`.
    pub ignored: u64,
    /// Unprocessable messages kept as `quarantined`.
    pub quarantined: u64,
    /// Copies of messages already stored.
    pub duplicates: u64,
    /// Mail from banned senders, rejected on arrival.
    pub rejected: u64,
}

impl Summary {
    fn count(&mut self, outcome: Outcome) {
        self.read += 1;
        match outcome {
            Outcome::Queued(_) => self.queued += 1,
            Outcome::Ignored(_) => self.ignored += 1,
            Outcome::Quarantined(_) => self.quarantined += 1,
            Outcome::Duplicate(_) => self.duplicates += 1,
            Outcome::Rejected(_) => self.rejected += 1,
        }
    }
}

/// The actor name recorded in the audit trail for the pipeline.
pub const PIPELINE_ACTOR: &str = "hubmail";

/// Processes one message and writes its outcome to the store (not yet flushed).
pub fn process(config: &Config, store: &Store, incoming: &Incoming) -> Result<Outcome> {
    let config = &*config.with_added_questions(&store.added_questions()?);
    let rules = crate::policy::Rules::compile(store.sender_rules()?);
    let prepared = prepare(config, &rules, store, incoming, clock::now())?;
    let (outcome, _) = store_prepared(store, vec![prepared])?
        .pop()
        .ok_or_else(|| Error::Store("the store reported no outcome for the message".into()))?;
    Ok(outcome)
}

/// Writes prepared messages to the store in one transaction (not yet flushed); returns
/// each one's outcome, with the record as stored for the new ones.
pub fn store_prepared(
    store: &Store,
    prepared: Vec<Prepared>,
) -> Result<Vec<(Outcome, Option<Box<Submission>>)>> {
    let mut known = Vec::with_capacity(prepared.len());
    let mut new = Vec::with_capacity(prepared.len());
    for p in prepared {
        match p {
            Prepared::Known(dup) => known.push(Some(dup)),
            Prepared::New(n) => {
                known.push(None);
                new.push(*n);
            }
        }
    }
    let mut stored = store.insert_batch(&new)?.into_iter();
    known
        .into_iter()
        .map(|k| {
            let Some(dup) = k else {
                let record = stored.next().ok_or_else(|| {
                    Error::Store("the store reported fewer outcomes than it was given".into())
                })?;
                return Ok(match record {
                    Stored::Duplicate(dup) => (Outcome::Duplicate(dup), None),
                    Stored::Inserted(record) => (outcome_of(&record), Some(record)),
                });
            };
            Ok((Outcome::Duplicate(dup), None))
        })
        .collect()
}

/// The outcome of a message stored under a new id, by the state it arrived in.
fn outcome_of(record: &Submission) -> Outcome {
    match record.state {
        State::Ignored => Outcome::Ignored(record.id),
        State::Quarantined => Outcome::Quarantined(record.id),
        State::Rejected => Outcome::Rejected(record.id),
        _ => Outcome::Queued(record.id),
    }
}
