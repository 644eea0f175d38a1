//! A store laid out afresh: every live value copied into a new database beside it, and
//! the two exchanged in one atomic rename.
//!
//! sled is log-structured: a removed or replaced value stays in its files until sled
//! reuses the space, and an erasure must not leave the person there. [`Store::relayout`]
//! copies every tree of the main and the keys database into `store.fresh/` (in batches of
//! 500, as restore does), hard-links the pack files (an erasure has zeroed its frames in
//! them already), makes it all durable, and exchanges `store/` and `store.fresh/` with
//! `renameat2(RENAME_EXCHANGE)`: at every instant `store/` is a whole store, the old one
//! before the exchange and the new one after. The old one, now `store.fresh/`, is deleted
//! then; whatever a crash leaves under that name (a copy cut short, or the old store) is
//! deleted by the next process that opens the store.

use std::path::Path;

use sled::Db;

use super::encoding::store_err;
use super::{Store, lock};
use crate::{Error, Result};

/// The name of the store being laid out, and of the old one after the exchange.
const FRESH: &str = "store.fresh";

/// The note in `meta` that an erasure's relayout has not been done yet.
pub(super) const RELAYOUT_DUE: &str = "state:relayout-due";

/// Entries copied per sled batch (as restore and ingest write).
const COPY_BATCH: usize = 500;

impl Store {
    /// Whether an erasure is waiting for its relayout (a crash came between the two).
    pub fn relayout_due(&self) -> Result<bool> {
        self.meta.contains_key(RELAYOUT_DUE).map_err(store_err)
    }

    /// Lays the store out afresh (see the module's text) and closes it; returns how many
    /// entries were copied. Costs about what a restore does.
    pub fn relayout(self) -> Result<u64> {
        self.flush()?;
        let store_dir = self.dir.clone();
        let data_dir = store_dir
            .parent()
            .ok_or_else(|| Error::Setup(format!("{} has no parent", store_dir.display())))?
            .to_path_buf();
        let fresh = data_dir.join(FRESH);
        remove_leftover(&data_dir);
        if fresh.exists() {
            return Err(Error::Setup(format!(
                "{} is left from an earlier relayout and cannot be removed: remove it, then run 'hubmail forget --finish'",
                fresh.display()
            )));
        }
        let mut copied = 0;
        let db = lock::config(&fresh).open().map_err(store_err)?;
        let keys = lock::config(&fresh.join("keys"))
            .open()
            .map_err(store_err)?;
        copied += copy_trees(&self.db, &db)?;
        copied += copy_trees(self.keys()?.db(), &keys)?;
        // The new store is the relayout done: once the exchange makes it the store, the
        // note that one is due is gone with the old one.
        db.open_tree("meta")
            .and_then(|meta| meta.remove(RELAYOUT_DUE))
            .map_err(store_err)?;
        db.flush().map_err(store_err)?;
        keys.flush().map_err(store_err)?;
        let packs = fresh.join("packs");
        std::fs::create_dir_all(&packs).map_err(|e| Error::io("creating", &packs, e))?;
        let old_packs = store_dir.join("packs");
        let entries =
            std::fs::read_dir(&old_packs).map_err(|e| Error::io("listing", &old_packs, e))?;
        for entry in entries.flatten() {
            let to = packs.join(entry.file_name());
            std::fs::hard_link(entry.path(), &to).map_err(|e| Error::io("linking", &to, e))?;
        }
        for dir in [&packs, &fresh, &fresh.join("keys")] {
            sync_dir(dir)?;
        }
        crate::crashpoint::hit("before-relayout-swap");
        let parent =
            std::fs::File::open(&data_dir).map_err(|e| Error::io("opening", &data_dir, e))?;
        rustix::fs::renameat_with(
            &parent,
            FRESH,
            &parent,
            "store",
            rustix::fs::RenameFlags::EXCHANGE,
        )
        .map_err(|e| Error::io("exchanging", &store_dir, e.into()))?;
        sync_dir(&data_dir)?;
        crate::crashpoint::hit("after-relayout-swap");
        // The old store closes first, the new one last: until then every opener is told
        // to wait, and one that took hold of the old store's file is turned away by
        // `lock::open_waiting`.
        drop(self);
        drop(keys);
        drop(db);
        remove_leftover(&data_dir);
        Ok(copied)
    }
}

/// Deletes what a relayout left beside the store (called with the store held). Another
/// process may be deleting it too, just after its relayout: a failure is only reported.
pub(super) fn remove_leftover(data_dir: &Path) {
    let fresh = data_dir.join(FRESH);
    if !fresh.exists() {
        return;
    }
    match std::fs::remove_dir_all(&fresh) {
        Ok(()) => tracing::debug!(path = %fresh.display(), "removed what a store relayout left"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            tracing::warn!(path = %fresh.display(), error = %e, "could not remove what a store relayout left; remove it by hand")
        }
    }
}

/// Copies every tree of `from` into `to`, in batches; returns the entries copied.
fn copy_trees(from: &Db, to: &Db) -> Result<u64> {
    let mut copied = 0;
    for name in from.tree_names() {
        let source = from.open_tree(&name).map_err(store_err)?;
        let target = to.open_tree(&name).map_err(store_err)?;
        let mut batch = sled::Batch::default();
        let mut n = 0;
        for item in source.iter() {
            let (k, v) = item.map_err(store_err)?;
            batch.insert(k, v);
            n += 1;
            if n % COPY_BATCH == 0 {
                target
                    .apply_batch(std::mem::take(&mut batch))
                    .map_err(store_err)?;
            }
        }
        target.apply_batch(batch).map_err(store_err)?;
        copied += n as u64;
    }
    Ok(copied)
}

fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("syncing", dir, e))
}
