//! The full-text index: tantivy, derived from the store and always rebuildable.
//!
//! Each submission is analysed in its own language (stemmer and stop words for English,
//! French or Spanish; accent-folded and lower-cased), in fields suffixed by language, so a
//! query is analysed once per language and matches documents in all three. The schema
//! carries a version: on a mismatch the index is rebuilt from the store, never an error.
//!
//! The index follows the store through what the store holds as unindexed (marks, and
//! arrivals after a watermark): [`sync`] indexes them and records them as indexed only
//! after tantivy committed. A new or
//! outdated index is filled from the whole store instead ([`fill`]), under one note in
//! the store rather than a mark per submission.

mod pairs;
pub mod query;
mod schema;
mod search;
mod stems;

use std::path::{Path, PathBuf};

use tantivy::schema::Value;
use tantivy::{Index, IndexWriter, TantivyDocument, Term};

use schema::Fields;
pub use schema::SCHEMA_VERSION;
pub use search::{Facets, Hit, Results, SearchRequest, Sort};

use crate::model::{Submission, SubmissionId};
use crate::store::Store;
use crate::{Error, Result};

pub(crate) fn index_err(e: tantivy::TantivyError) -> Error {
    Error::Index(e.to_string())
}

/// The search index of one data directory.
pub struct SearchIndex {
    index: Index,
    fields: Fields,
    dir: PathBuf,
    /// Opened on first use and kept: opening a reader costs more than a search.
    reader: std::sync::OnceLock<tantivy::IndexReader>,
}

impl SearchIndex {
    /// Opens the index under `data_dir/index`, creating it (or recreating it on a schema
    /// version mismatch). Returns whether it was (re)created empty, in which case the
    /// caller must [`fill`] it.
    pub fn open(data_dir: &Path) -> Result<(SearchIndex, bool)> {
        let dir = data_dir.join("index");
        let version_file = dir.join("hubmail-schema-version");
        let current = std::fs::read_to_string(&version_file).ok();
        let fresh = current.as_deref().map(str::trim) != Some(&SCHEMA_VERSION.to_string());
        if fresh && dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io("removing", &dir, e))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        let (tantivy_schema, fields) = schema::build();
        let directory = tantivy::directory::MmapDirectory::open(&dir)
            .map_err(|e| Error::Index(e.to_string()))?;
        let index = Index::open_or_create(directory, tantivy_schema).map_err(index_err)?;
        schema::register_analyzers(&index);
        if fresh {
            // Searches skip an index being filled (they open the store, which fills it).
            let marker = dir.join(FILLING);
            std::fs::write(&marker, b"").map_err(|e| Error::io("writing", &marker, e))?;
            std::fs::write(&version_file, SCHEMA_VERSION.to_string())
                .map_err(|e| Error::io("writing", &version_file, e))?;
        }
        Ok((
            SearchIndex {
                index,
                fields,
                dir,
                reader: std::sync::OnceLock::new(),
            },
            fresh,
        ))
    }

    /// Opens the index for searching only: no store needed, nothing written. `None` when
    /// the index is missing or of another schema version (the caller then opens the store,
    /// which rebuilds it).
    pub fn open_existing(data_dir: &Path) -> Result<Option<SearchIndex>> {
        let dir = data_dir.join("index");
        let version = std::fs::read_to_string(dir.join("hubmail-schema-version")).ok();
        if version.as_deref().map(str::trim) != Some(&SCHEMA_VERSION.to_string())
            || dir.join(FILLING).exists()
        {
            return Ok(None);
        }
        let directory = tantivy::directory::MmapDirectory::open(&dir)
            .map_err(|e| Error::Index(e.to_string()))?;
        let index = match Index::open(directory) {
            Ok(index) => index,
            Err(_) => return Ok(None),
        };
        schema::register_analyzers(&index);
        let (_, fields) = schema::build();
        Ok(Some(SearchIndex {
            index,
            fields,
            dir,
            reader: std::sync::OnceLock::new(),
        }))
    }

    /// The index folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn writer(&self) -> Result<IndexWriter> {
        self.index
            .writer_with_num_threads(2, 64 * 1024 * 1024)
            .map_err(index_err)
    }

    /// A searcher on the index as last committed (the reader is opened once).
    pub(crate) fn searcher(&self) -> Result<tantivy::Searcher> {
        if let Some(reader) = self.reader.get() {
            return Ok(reader.searcher());
        }
        let reader = self
            .index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::Manual)
            .try_into()
            .map_err(index_err)?;
        Ok(self.reader.get_or_init(|| reader).searcher())
    }

    /// Makes this process's reader see the latest commit.
    fn reload(&self) -> Result<()> {
        if let Some(reader) = self.reader.get() {
            reader.reload().map_err(index_err)?;
        }
        Ok(())
    }

    /// How many documents the index holds (as of its last commit).
    pub fn num_docs(&self) -> Result<u64> {
        Ok(self.searcher()?.num_docs())
    }

    /// Every submission id in the index (for consistency checks).
    pub fn ids(&self) -> Result<Vec<SubmissionId>> {
        self.reload()?;
        let searcher = self.searcher()?;
        let mut ids = Vec::new();
        for segment in searcher.segment_readers() {
            let store = segment
                .get_store_reader(1)
                .map_err(|e| Error::Index(e.to_string()))?;
            for doc_id in segment.doc_ids_alive() {
                let doc: TantivyDocument = store.get(doc_id).map_err(index_err)?;
                if let Some(id) = doc.get_first(self.fields.id).and_then(|v| v.as_u64()) {
                    ids.push(SubmissionId(id));
                }
            }
        }
        ids.sort_unstable();
        Ok(ids)
    }
}

/// Brings the index up to date with the store: indexes every submission the store holds
/// as unindexed (marked, or arrived after the watermark), commits once, then records
/// them as indexed. Returns how many were indexed.
pub fn sync(store: &Store, index: &SearchIndex) -> Result<usize> {
    let ids = store.unindexed()?;
    if ids.is_empty() {
        return Ok(0);
    }
    let mut writer = index.writer()?;
    for id in &ids {
        writer.delete_term(Term::from_field_u64(index.fields.id, id.0));
        match store.get(*id) {
            Ok(s) => {
                writer
                    .add_document(schema::document(&index.fields, &s))
                    .map_err(index_err)?;
            }
            Err(Error::NoSuchSubmission(_)) => {} // removed from the store: delete only
            Err(e) => return Err(e),
        }
    }
    writer.commit().map_err(index_err)?;
    writer.wait_merging_threads().map_err(index_err)?;
    index.reload()?;
    store.mark_indexed(&ids)?;
    Ok(ids.len())
}

/// The store's note that the index must be filled from the whole store.
const FILL_PENDING: &str = "index-fill-pending";
/// A file in the index folder while a fill has not completed: searches, which do not
/// open the store, then do not take a half-filled index for the whole.
const FILLING: &str = "hubmail-filling";

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
    let marker = index.dir.join(FILLING);
    std::fs::write(&marker, b"").map_err(|e| Error::io("writing", &marker, e))?;
    require_fill(store)?;
    let mut writer = index.writer()?;
    writer.delete_all_documents().map_err(index_err)?;
    let mut n = 0;
    for submission in store.submissions() {
        writer
            .add_document(schema::document(&index.fields, &submission?))
            .map_err(index_err)?;
        n += 1;
    }
    crate::crashpoint::hit("before-fill-commit");
    writer.commit().map_err(index_err)?;
    writer.wait_merging_threads().map_err(index_err)?;
    index.reload()?;
    // Every submission is now indexed as the store has it: earlier marks are moot.
    store.mark_all_indexed()?;
    store.remove_state(FILL_PENDING)?;
    store.flush()?;
    std::fs::remove_file(&marker).map_err(|e| Error::io("removing", &marker, e))?;
    Ok(n)
}

/// An index writer kept open for a run of the pipeline: each stored batch is added as it
/// comes, and becomes searchable (and recorded as indexed in the store) at the next
/// commit. A commit costs more than indexing a thousand messages, so a long run commits
/// every [`Indexer::COMMIT_INTERVAL`] or [`Indexer::COMMIT_DOCUMENTS`], whichever comes
/// first, and at the end, not after every batch; the store
/// counts what was not committed as unindexed, so a crash in between costs only
/// re-indexing.
pub struct Indexer {
    writer: IndexWriter,
    pending: Vec<SubmissionId>,
    last_commit: std::time::Instant,
}

impl Indexer {
    /// How long added documents may wait for a commit during a run.
    pub const COMMIT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

    /// Most documents added between two commits. Each commit closes a segment per indexing
    /// thread, and tantivy merges segments eight at a time: without this bound a faster
    /// machine put more documents in each segment, and its mid-run merges, which map the
    /// merged segments' files, peaked higher (100k ingest, six interleaved runs each:
    /// 237–261 MB without, 233–238 MB with, 31–47 s either way).
    pub const COMMIT_DOCUMENTS: usize = 10_000;

    /// Takes the index's writer lock.
    pub fn new(index: &SearchIndex) -> Result<Indexer> {
        Ok(Indexer {
            writer: index.writer()?,
            pending: Vec::new(),
            last_commit: std::time::Instant::now(),
        })
    }

    /// Adds the document of a submission just stored under a new id; searchable after the
    /// commit. No document can have that id (ids are never reused, and the index only
    /// holds flushed submissions), so no delete is recorded: a commit would look each one
    /// up in every segment.
    pub fn add_new(&mut self, index: &SearchIndex, submission: &Submission) -> Result<()> {
        self.writer
            .add_document(schema::document(&index.fields, submission))
            .map_err(index_err)?;
        self.pending.push(submission.id);
        Ok(())
    }

    /// Whether documents have waited longer than [`Indexer::COMMIT_INTERVAL`], or more than
    /// [`Indexer::COMMIT_DOCUMENTS`] wait.
    pub fn commit_due(&self) -> bool {
        commit_due_after(self.last_commit.elapsed(), self.pending.len())
    }

    /// Commits what was added, then records those submissions as indexed.
    pub fn commit(&mut self, store: &Store, index: &SearchIndex) -> Result<usize> {
        self.last_commit = std::time::Instant::now();
        if self.pending.is_empty() {
            return Ok(0);
        }
        self.writer.commit().map_err(index_err)?;
        index.reload()?;
        store.mark_indexed(&self.pending)?;
        let n = self.pending.len();
        self.pending.clear();
        Ok(n)
    }

    /// Commits, lets merges finish and releases the writer lock.
    pub fn finish(mut self, store: &Store, index: &SearchIndex) -> Result<usize> {
        let n = self.commit(store, index)?;
        self.writer.wait_merging_threads().map_err(index_err)?;
        Ok(n)
    }
}

/// Whether `waiting` documents added over `waited` call for a commit.
fn commit_due_after(waited: std::time::Duration, waiting: usize) -> bool {
    waiting > 0 && (waited >= Indexer::COMMIT_INTERVAL || waiting >= Indexer::COMMIT_DOCUMENTS)
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

/// Empties the index and indexes every stored submission again.
pub fn rebuild(store: &Store, index: &SearchIndex) -> Result<usize> {
    fill(store, index)
}

/// The document a submission becomes (exposed for tests of the analysis).
pub fn document_for(index: &SearchIndex, submission: &Submission) -> TantivyDocument {
    schema::document(&index.fields, submission)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_commit_is_due_after_the_interval_or_the_documents_whichever_first() {
        let soon = Duration::from_millis(100);
        assert!(!commit_due_after(soon, Indexer::COMMIT_DOCUMENTS - 1));
        assert!(commit_due_after(soon, Indexer::COMMIT_DOCUMENTS));
        assert!(commit_due_after(Indexer::COMMIT_INTERVAL, 1));
        assert!(!commit_due_after(Indexer::COMMIT_INTERVAL * 2, 0));
    }
}
