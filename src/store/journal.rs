//! The dedupe keys' journal: a batch's key writes are journalled in its transaction and
//! applied to the keys database (`keys.rs`) after the records are flushed, so that no key
//! is durable before its record; what a crash leaves in the journal is applied on the next
//! opening of the keys.

use super::Store;
use super::encoding::{id_from, json_of, store_err};
use super::keys::{KeyTree, KeyWrites, Keys};
use crate::model::SubmissionId;
use crate::{Error, Result};

impl Store {
    /// The keys database, opened on first use. Opening applies what the journal holds
    /// beyond what the keys have (left by a crash between the two flushes), after
    /// flushing the main database so that no key is durable before its record.
    pub(super) fn keys(&self) -> Result<&Keys> {
        if let Some(keys) = self.keys.get() {
            return Ok(keys);
        }
        let _opening = self
            .keys_opening
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(keys) = self.keys.get() {
            return Ok(keys);
        }
        let keys = Keys::open(&self.dir.join("keys"))?;
        self.db.flush().map_err(store_err)?;
        let applied = keys.applied_through()?;
        let mut writes = KeyWrites::default();
        let mut through = applied;
        for item in self.key_journal.iter() {
            let (k, v) = item.map_err(store_err)?;
            let seq = journal_seq(&k)?;
            if seq > applied {
                let what = format!("key journal entry {seq}");
                writes.extend(KeyWrites::decode(&json_of(&self.codec, &what, &v)?, &what)?);
                through = seq;
            }
        }
        if !writes.is_empty() {
            tracing::info!(
                from = applied + 1,
                through,
                "applying dedupe keys a crash left in the journal"
            );
            keys.apply(&writes, through)?;
        }
        self.forget_journal(through)?;
        Ok(self.keys.get_or_init(|| keys))
    }

    /// Removes the journal entries through `through` (applied to the keys, durably).
    pub(super) fn forget_journal(&self, through: u64) -> Result<()> {
        let mut batch = sled::Batch::default();
        for k in self.key_journal.range(..=through.to_be_bytes()).keys() {
            batch.remove(k.map_err(store_err)?);
        }
        self.key_journal.apply_batch(batch).map_err(store_err)
    }

    /// The value of a dedupe key: as written by a batch not applied yet, else as the keys
    /// database has it.
    pub(super) fn key_value(
        &self,
        pending: &KeyWrites,
        tree: KeyTree,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>> {
        if let Some(v) = pending.get(tree, key) {
            return Ok(Some(v.to_vec()));
        }
        Ok(self.keys()?.get(tree, key)?.map(|v| v.to_vec()))
    }

    /// Applies the key writes of the batches written since the last flush to the keys
    /// database and flushes it, then forgets their journal entries (called by
    /// [`Store::flush`] once the records are durable).
    pub(super) fn apply_journalled_keys(&self) -> Result<()> {
        let mut pending = self
            .pending_keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if pending.writes.is_empty() {
            return Ok(());
        }
        let keys = self.keys()?;
        crate::crashpoint::hit("before-keys");
        keys.apply(&pending.writes, pending.through)?;
        crate::crashpoint::hit("after-keys");
        self.forget_journal(pending.through)?;
        pending.writes.clear();
        Ok(())
    }

    /// Whether these bytes were stored before (a re-read of a message already kept).
    pub fn find_same_bytes(&self, raw_sha256: &str) -> Result<Option<SubmissionId>> {
        let pending = self
            .pending_keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.key_value(&pending.writes, KeyTree::ByRaw, raw_sha256.as_bytes())?
            .map(|id| id_from(&id))
            .transpose()
    }
}

/// Key writes journalled by committed batches, not yet applied to the keys database.
#[derive(Default)]
pub(super) struct PendingKeys {
    pub(super) writes: KeyWrites,
    /// The last of those batches' journal entry.
    pub(super) through: u64,
}

/// A journal entry's sequence number.
fn journal_seq(key: &[u8]) -> Result<u64> {
    key.try_into()
        .map(u64::from_be_bytes)
        .map_err(|_| Error::Corrupt {
            key: format!("{key:?}"),
            message: "a key journal entry's key is not 8 bytes".into(),
        })
}
