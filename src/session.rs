//! A session: the store and the search index of one data directory, opened together
//! and brought in sync — what every command that reads or changes the store opens.

use std::path::PathBuf;
use std::time::Duration;

use crate::index::SearchIndex;
use crate::store::Store;
use crate::{Result, indexing};

/// Where a session's data is and how it opens it.
#[derive(Debug, Clone)]
pub struct Options {
    /// The data directory.
    pub data_dir: PathBuf,
    /// How long to wait for the store when another process holds it.
    pub lock_wait: Duration,
    /// Train the store's compression dictionaries once it holds this many submissions.
    pub dictionary_after: u64,
    /// Whether opening may create the store (commands that bring mail in, and `init`);
    /// the others refuse a data directory without one.
    pub create: bool,
}

/// The store and index, opened together and brought in sync.
pub struct Session {
    /// The store.
    pub store: Store,
    /// The index.
    pub index: SearchIndex,
}

impl Session {
    /// Opens the store (waiting for other processes) and the index, and indexes whatever
    /// the store holds that the index lacks (after a crash, or a schema change).
    pub fn open(options: &Options) -> Result<Session> {
        let store = if options.create {
            Store::open(&options.data_dir, options.lock_wait)?
        } else {
            Store::open_existing(&options.data_dir, options.lock_wait)?
        };
        store.set_dictionary_after(options.dictionary_after);
        let (mut index, fresh) = SearchIndex::open(&options.data_dir)?;
        let filled = if fresh || indexing::fill_pending(&store)? {
            indexing::fill(&store, &index)
        } else {
            indexing::sync(&store, &index)
        };
        if let Err(e) = filled {
            // The index is derived: when a crash left it unwritable (tantivy refuses to
            // overwrite a half-written file), rebuild it from the store.
            tracing::warn!(error = %e, "the search index cannot be updated; rebuilding it from the store");
            drop(index);
            let dir = options.data_dir.join("index");
            std::fs::remove_dir_all(&dir).map_err(|e| crate::Error::io("removing", &dir, e))?;
            index = SearchIndex::open(&options.data_dir)?.0;
            indexing::fill(&store, &index)?;
        }
        Ok(Session { store, index })
    }
}
