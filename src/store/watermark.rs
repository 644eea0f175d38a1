//! What the search index lacks: arrivals after the `indexed_through` watermark, and the
//! submissions marked `unindexed` by a change. The store only keeps this account; the
//! index is fed by its callers (`crate::indexing`).

use super::Store;
use super::encoding::{id_from, key, store_err};
use crate::Result;
use crate::model::SubmissionId;

impl Store {
    /// Ids whose search-index entry is missing or stale, in order: those marked, and every
    /// one that arrived after the last indexed arrival.
    pub fn unindexed(&self) -> Result<Vec<SubmissionId>> {
        let mut ids = std::collections::BTreeSet::new();
        for k in self.unindexed.iter().keys() {
            ids.insert(id_from(&k.map_err(store_err)?)?);
        }
        ids.extend((self.indexed_through()? + 1..=self.last_id()?).map(SubmissionId));
        Ok(ids.into_iter().collect())
    }

    /// Records ids as indexed (after the index committed them): clears their marks and
    /// moves the arrivals' watermark over those that follow it without a gap.
    pub fn mark_indexed(&self, ids: &[SubmissionId]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for id in ids {
            batch.remove(&key(*id));
        }
        self.unindexed.apply_batch(batch).map_err(store_err)?;
        let start = self.indexed_through()?;
        let mut through = start;
        let mut sorted: Vec<u64> = ids.iter().map(|id| id.0).filter(|&id| id > start).collect();
        sorted.sort_unstable();
        for id in sorted {
            if id == through + 1 {
                through = id;
            }
        }
        if through > start {
            self.meta
                .insert(INDEXED_THROUGH, &through.to_be_bytes())
                .map_err(store_err)?;
        }
        Ok(())
    }

    /// Records every stored submission as indexed (after the whole store was).
    pub fn mark_all_indexed(&self) -> Result<()> {
        self.unindexed.clear().map_err(store_err)?;
        self.meta
            .insert(INDEXED_THROUGH, &self.last_id()?.to_be_bytes())
            .map_err(store_err)?;
        Ok(())
    }

    /// Every arrival up to this id is indexed unless marked; every later one is not.
    pub(super) fn indexed_through(&self) -> Result<u64> {
        Ok(self.meta_u64(INDEXED_THROUGH)?.unwrap_or(0))
    }

    /// Marks these ids as needing (re)indexing.
    pub fn mark_unindexed(&self, ids: &[SubmissionId]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for id in ids {
            batch.insert(&key(*id), &[]);
        }
        self.unindexed.apply_batch(batch).map_err(store_err)
    }
}

/// The `meta` key of the arrivals' indexing watermark (see [`Store::unindexed`]).
pub(super) const INDEXED_THROUGH: &str = "indexed_through";
