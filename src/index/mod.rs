//! The full-text index: tantivy, derived from the store and always rebuildable.
//!
//! Each submission is analysed in its own language (stemmer and stop words for English,
//! French or Spanish; accent-folded and lower-cased), in fields suffixed by language, so a
//! query is analysed once per language and matches documents in all three. The schema
//! carries a version: on a mismatch the index is rebuilt from the store, never an error.
//!
//! The index knows nothing of the store: it takes documents and deletions through an
//! [`Indexer`] and reports what each commit covered. `crate::indexing` keeps it following
//! the store (what is unindexed, the watermark, the marks).

mod facets;
mod hits;
mod pairs;
pub mod query;
mod schema;
mod search;
mod stems;

use std::path::{Path, PathBuf};

use tantivy::schema::Value;
use tantivy::{Index, IndexWriter, TantivyDocument, Term};

pub use facets::Facets;
pub use query::MAX_QUERY_CHARS;
use schema::Fields;
pub use schema::SCHEMA_VERSION;
pub use search::{Hit, Results, SearchRequest, Sort, SpaceScope};

use crate::model::{Submission, SubmissionId};
use crate::{Error, Result};

pub(crate) fn index_err(e: tantivy::TantivyError) -> Error {
    Error::Index(e.to_string())
}

/// The reader of an index, once opened.
type Reader = std::sync::Arc<std::sync::OnceLock<tantivy::IndexReader>>;

/// Makes the reader, if opened, see the latest commit.
fn reload(reader: &Reader) -> Result<()> {
    if let Some(reader) = reader.get() {
        reader.reload().map_err(index_err)?;
    }
    Ok(())
}

/// The search index of one data directory.
pub struct SearchIndex {
    index: Index,
    fields: Fields,
    dir: PathBuf,
    /// Opened on first use and kept: opening a reader costs more than a search. Shared
    /// with this index's [`Indexer`], which reloads it after each commit.
    reader: Reader,
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
        let opened = SearchIndex {
            index,
            fields,
            dir,
            reader: Reader::default(),
        };
        if fresh {
            // Searches skip an index being filled (they open the store, which fills it).
            opened.filling()?;
            std::fs::write(&version_file, SCHEMA_VERSION.to_string())
                .map_err(|e| Error::io("writing", &version_file, e))?;
        }
        Ok((opened, fresh))
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
            reader: Reader::default(),
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
        reload(&self.reader)
    }

    /// For a reader that stays open (`hubmail serve`): sees the latest commit, or fails
    /// when the index is being rebuilt or was replaced by one of another schema (then open
    /// it again with [`SearchIndex::open_existing`]).
    pub fn refresh(&self) -> Result<()> {
        let version = std::fs::read_to_string(self.dir.join("hubmail-schema-version")).ok();
        if version.as_deref().map(str::trim) != Some(&SCHEMA_VERSION.to_string())
            || self.dir.join(FILLING).exists()
        {
            return Err(Error::Index("the search index is being rebuilt".into()));
        }
        self.reload()
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

impl SearchIndex {
    /// Rewrites each segment that holds deleted documents without them and removes the
    /// files nothing uses any more: tantivy only marks a deleted document, and its stored
    /// text stays in the segment's files until a merge. After an erasure nothing of the
    /// erased contributions may stay on disk. Returns how many segments were rewritten.
    pub fn purge_deleted(&self) -> Result<usize> {
        let mut writer = self.writer()?;
        let with_deletes: Vec<tantivy::index::SegmentId> = self
            .index
            .searchable_segment_metas()
            .map_err(index_err)?
            .into_iter()
            .filter(|meta| meta.has_deletes())
            .map(|meta| meta.id())
            .collect();
        if !with_deletes.is_empty() {
            writer.merge(&with_deletes).wait().map_err(index_err)?;
        }
        writer.wait_merging_threads().map_err(index_err)?;
        self.reload()?;
        let writer = self.writer()?;
        writer.garbage_collect_files().wait().map_err(index_err)?;
        Ok(with_deletes.len())
    }
}

/// A file in the index folder while a fill has not completed: searches, which do not
/// open the store, then do not take a half-filled index for the whole.
const FILLING: &str = "hubmail-filling";

impl SearchIndex {
    /// Notes in the index folder that it is being filled from scratch: until
    /// [`SearchIndex::filled`], read-only openers ([`SearchIndex::open_existing`]) do not
    /// take it for the whole.
    pub fn filling(&self) -> Result<()> {
        let marker = self.dir.join(FILLING);
        std::fs::write(&marker, b"").map_err(|e| Error::io("writing", &marker, e))
    }

    /// Removes the note of [`SearchIndex::filling`] (the fill is committed).
    pub fn filled(&self) -> Result<()> {
        let marker = self.dir.join(FILLING);
        std::fs::remove_file(&marker).map_err(|e| Error::io("removing", &marker, e))
    }
}

/// The index's writer: it takes documents and deletions and, at each commit, reports
/// which submissions the commit made searchable. It knows nothing of the store; the
/// caller records what was committed (`crate::indexing`).
///
/// A commit costs more than indexing a thousand messages, so a long run commits every
/// [`Indexer::COMMIT_INTERVAL`] or [`Indexer::COMMIT_DOCUMENTS`], whichever comes first,
/// and at the end, not after every batch.
pub struct Indexer {
    writer: IndexWriter,
    fields: Fields,
    reader: Reader,
    pending: Vec<SubmissionId>,
    /// Every document was deleted since the last commit.
    emptied: bool,
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
            fields: index.fields,
            reader: std::sync::Arc::clone(&index.reader),
            pending: Vec::new(),
            emptied: false,
            last_commit: std::time::Instant::now(),
        })
    }

    /// Adds the document of a submission just stored under a new id; searchable after the
    /// commit. No document can have that id (ids are never reused, and the index only
    /// holds flushed submissions), so no delete is recorded: a commit would look each one
    /// up in every segment.
    pub fn add_new(&mut self, submission: &Submission) -> Result<()> {
        self.writer
            .add_document(schema::document(&self.fields, submission))
            .map_err(index_err)?;
        self.pending.push(submission.id);
        Ok(())
    }

    /// Replaces whatever the index holds for the submission with its document as given.
    pub fn replace(&mut self, submission: &Submission) -> Result<()> {
        self.delete_document(submission.id);
        self.add_new(submission)
    }

    /// Removes the submission's document (it is no longer stored).
    pub fn delete(&mut self, id: SubmissionId) {
        self.delete_document(id);
        self.pending.push(id);
    }

    fn delete_document(&mut self, id: SubmissionId) {
        self.writer
            .delete_term(Term::from_field_u64(self.fields.id, id.0));
    }

    /// Removes every document (before filling the index from scratch).
    pub fn delete_all(&mut self) -> Result<()> {
        self.writer.delete_all_documents().map_err(index_err)?;
        self.emptied = true;
        Ok(())
    }

    /// Whether documents have waited longer than [`Indexer::COMMIT_INTERVAL`], or more than
    /// [`Indexer::COMMIT_DOCUMENTS`] wait.
    pub fn commit_due(&self) -> bool {
        commit_due_after(self.last_commit.elapsed(), self.pending.len())
    }

    /// Commits what was added and deleted; returns the submissions the commit covered
    /// (in the order they were given).
    pub fn commit(&mut self) -> Result<Vec<SubmissionId>> {
        self.last_commit = std::time::Instant::now();
        if self.pending.is_empty() && !self.emptied {
            return Ok(Vec::new());
        }
        self.writer.commit().map_err(index_err)?;
        self.emptied = false;
        reload(&self.reader)?;
        Ok(std::mem::take(&mut self.pending))
    }

    /// Commits, lets merges finish and releases the writer lock; returns what the last
    /// commit covered.
    pub fn finish(mut self) -> Result<Vec<SubmissionId>> {
        let committed = self.commit()?;
        self.writer.wait_merging_threads().map_err(index_err)?;
        Ok(committed)
    }
}

/// Whether `waiting` documents added over `waited` call for a commit.
fn commit_due_after(waited: std::time::Duration, waiting: usize) -> bool {
    waiting > 0 && (waited >= Indexer::COMMIT_INTERVAL || waiting >= Indexer::COMMIT_DOCUMENTS)
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
