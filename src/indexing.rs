//! Keeps the search index following the store: the one place that knows both.
//!
//! The store keeps the account of what the index lacks (arrivals after its watermark,
//! submissions marked by a change, a note that the index must be filled from scratch);
//! the index takes documents and reports what each commit covered. This module feeds the
//! one from the other and records a submission as indexed only after tantivy committed
//! it, so a crash in between costs re-indexing, never a missing document.

use crate::index::{Indexer, SearchIndex};
use crate::model::SubmissionId;
use crate::store::Store;
use crate::{Error, Result};

/// Brings the index up to date with the store: indexes every submission the store holds
/// as unindexed (marked, or arrived after the watermark), commits once, then records
/// them as indexed. Returns how many were indexed.
pub fn sync(store: &Store, index: &SearchIndex) -> Result<usize> {
    let ids = store.unindexed()?;
    if ids.is_empty() {
        return Ok(0);
    }
    let mut writer = Indexer::new(index)?;
    for id in &ids {
        match store.get(*id) {
            Ok(s) => writer.replace(&s)?,
            // Gone from the store.
            Err(Error::NoSuchSubmission(_) | Error::Erased { .. }) => writer.delete(*id),
            Err(e) => return Err(e),
        }
    }
    let committed = writer.finish()?;
    store.mark_indexed(&committed)?;
    Ok(ids.len())
}

/// The store's note that the index must be filled from the whole store.
const FILL_PENDING: &str = "index-fill-pending";

/// Records, durably, that the index must be filled from the whole store (it was created
/// empty, or its schema changed): whoever opens the store next fills it, even if this
/// process stops first.
pub fn require_fill(store: &Store) -> Result<()> {
    store.set_state(FILL_PENDING, &[1])?;
    store.flush()
}

/// Whether [`require_fill`] was recorded and no [`fill`] has completed since.
pub fn fill_pending(store: &Store) -> Result<bool> {
    Ok(store.state(FILL_PENDING)?.is_some())
}

/// Empties the index and indexes every stored submission, in one commit. Nothing is
/// marked per submission: the note of [`require_fill`] covers an interruption (the next
/// opening starts the fill again), so a rebuild does not churn the store with a mark and
/// an unmark for each submission. Returns how many were indexed.
pub fn fill(store: &Store, index: &SearchIndex) -> Result<usize> {
    index.filling()?;
    require_fill(store)?;
    let mut writer = Indexer::new(index)?;
    writer.delete_all()?;
    let mut n = 0;
    for submission in store.submissions() {
        writer.add_new(&submission?)?;
        n += 1;
    }
    crate::crashpoint::hit("before-fill-commit");
    writer.finish()?;
    // Every submission is now indexed as the store has it: earlier marks are moot.
    store.mark_all_indexed()?;
    store.remove_state(FILL_PENDING)?;
    store.flush()?;
    index.filled()?;
    Ok(n)
}

/// Empties the index and indexes every stored submission again.
pub fn rebuild(store: &Store, index: &SearchIndex) -> Result<usize> {
    fill(store, index)
}

/// The index writer of a pipeline run: each stored batch is added as it comes and
/// becomes searchable, and recorded as indexed in the store, at the next commit.
pub struct RunIndexer {
    writer: Indexer,
}

impl RunIndexer {
    /// Takes the index's writer lock for the run.
    pub fn new(index: &SearchIndex) -> Result<RunIndexer> {
        Ok(RunIndexer {
            writer: Indexer::new(index)?,
        })
    }

    /// Adds the records of a batch just stored (and flushed) under new ids, and commits
    /// when a commit is due.
    pub fn add_batch<'s>(
        &mut self,
        store: &Store,
        stored: impl IntoIterator<Item = &'s crate::model::Submission>,
    ) -> Result<()> {
        for record in stored {
            self.writer.add_new(record)?;
        }
        if self.writer.commit_due() {
            self.commit(store)?;
        }
        Ok(())
    }

    /// Commits what was added, then records those submissions as indexed.
    pub fn commit(&mut self, store: &Store) -> Result<usize> {
        let committed = self.writer.commit()?;
        store.mark_indexed(&committed)?;
        Ok(committed.len())
    }

    /// Commits, lets merges finish, records what was committed and releases the lock.
    pub fn finish(self, store: &Store) -> Result<usize> {
        let committed = self.writer.finish()?;
        store.mark_indexed(&committed)?;
        Ok(committed.len())
    }
}

/// How the index compares with the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Consistency {
    /// Submissions in the store.
    pub stored: usize,
    /// Documents in the index.
    pub indexed: usize,
    /// Stored submissions the index lacks.
    pub missing: Vec<SubmissionId>,
    /// Index documents for submissions the store does not have.
    pub extra: Vec<SubmissionId>,
    /// Submissions indexed more than once.
    pub duplicated: Vec<SubmissionId>,
    /// Submissions marked for (re)indexing that were not yet indexed.
    pub pending: usize,
}

impl Consistency {
    /// Whether store and index agree.
    pub fn is_consistent(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.duplicated.is_empty()
    }
}

/// Compares the index with the store without changing either.
pub fn check(store: &Store, index: &SearchIndex) -> Result<Consistency> {
    let mut stored_ids = Vec::with_capacity(store.len());
    for s in store.submissions() {
        stored_ids.push(s?.id);
    }
    let indexed = index.ids()?;
    let mut duplicated: Vec<SubmissionId> = indexed
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    duplicated.dedup();
    let mut unique = indexed.clone();
    unique.dedup();
    let stored_set: std::collections::BTreeSet<_> = stored_ids.iter().copied().collect();
    let indexed_set: std::collections::BTreeSet<_> = unique.iter().copied().collect();
    Ok(Consistency {
        stored: stored_ids.len(),
        indexed: indexed.len(),
        missing: stored_set.difference(&indexed_set).copied().collect(),
        extra: indexed_set.difference(&stored_set).copied().collect(),
        duplicated,
        pending: store.unindexed()?.len(),
    })
}

/// Repairs what [`check`] found: re-indexes missing and duplicated submissions and
/// removes documents the store does not have.
pub fn repair(store: &Store, index: &SearchIndex, found: &Consistency) -> Result<usize> {
    let ids: Vec<SubmissionId> = found
        .missing
        .iter()
        .chain(&found.extra)
        .chain(&found.duplicated)
        .copied()
        .collect();
    store.mark_unindexed(&ids)?;
    sync(store, index)
}
