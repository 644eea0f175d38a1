//! Format upgrades: what opening an older data directory does to it, once.

use super::Store;
use super::encoding::store_err;
use super::keys::KeyTree;
use super::listing::{count_key, listing_key, state_byte};
use super::watermark::INDEXED_THROUGH;
use crate::model::State;
use crate::{Error, Result};

impl Store {
    pub(super) fn check_format(&self) -> Result<()> {
        match self.meta.get("format").map_err(store_err)? {
            None => {
                self.meta
                    .insert(INDEXED_THROUGH, &0u64.to_be_bytes())
                    .map_err(store_err)?;
                self.meta
                    .insert("format", &STORE_FORMAT.to_be_bytes())
                    .map_err(store_err)?;
                Ok(())
            }
            Some(v) => {
                let found = u32::from_be_bytes(v.as_ref().try_into().unwrap_or([0xff; 4]));
                if found > STORE_FORMAT {
                    Err(Error::NewerFormat {
                        path: self.dir.clone(),
                        found,
                        supported: STORE_FORMAT,
                    })
                } else {
                    if found < 2 {
                        // 1 -> 2 needs no rewrite: format 1 data is read as it is. Format 1
                        // had no outbox: decisions before now were never mailed.
                        self.set_state(
                            "outbox_since",
                            &crate::clock::now().as_second().to_be_bytes(),
                        )?;
                    }
                    if found < 4 {
                        self.rebuild_listing()?;
                        // Up to format 3 every unindexed submission carried a mark.
                        self.meta
                            .insert(INDEXED_THROUGH, &self.last_id()?.to_be_bytes())
                            .map_err(store_err)?;
                    }
                    if found < 6 {
                        self.move_keys_out()?;
                    }
                    if found < STORE_FORMAT {
                        self.meta
                            .insert("format", &STORE_FORMAT.to_be_bytes())
                            .map_err(store_err)?;
                    }
                    Ok(())
                }
            }
        }
    }

    /// Up to format 5 the dedupe keys were trees of the main database: copies them into
    /// the keys database, makes that durable, then drops them here. A crash on the way
    /// leaves the marker at the old format, and the next open copies again (the same
    /// values).
    pub(super) fn move_keys_out(&self) -> Result<()> {
        let names = self.db.tree_names();
        let old: Vec<KeyTree> = KeyTree::ALL
            .into_iter()
            .filter(|t| names.iter().any(|n| n.as_ref() == t.name().as_bytes()))
            .collect();
        if old.is_empty() {
            return Ok(());
        }
        let keys = self.keys()?;
        for &tree in &old {
            let from = self.db.open_tree(tree.name()).map_err(store_err)?;
            let copied = keys.copy_in(tree, &from)?;
            tracing::info!(
                tree = tree.name(),
                copied,
                "moved dedupe keys to store/keys"
            );
        }
        keys.flush()?;
        for tree in old {
            self.db.drop_tree(tree.name()).map_err(store_err)?;
        }
        Ok(())
    }

    /// Rebuilds the listing and the per-state counts from the records (format upgrades).
    pub(super) fn rebuild_listing(&self) -> Result<()> {
        self.listing.clear().map_err(store_err)?;
        let mut counts = [0u64; 5];
        let mut batch = sled::Batch::default();
        for (n, s) in self.submissions().enumerate() {
            let s = s?;
            counts[state_byte(s.state) as usize] += 1;
            batch.insert(&listing_key(&s), self.row(&s));
            if n % 10_000 == 9_999 {
                self.listing
                    .apply_batch(std::mem::take(&mut batch))
                    .map_err(store_err)?;
            }
        }
        self.listing.apply_batch(batch).map_err(store_err)?;
        for state in State::ALL {
            self.meta
                .insert(
                    count_key(state),
                    &counts[state_byte(state) as usize].to_be_bytes(),
                )
                .map_err(store_err)?;
        }
        Ok(())
    }
}

/// The store format this build writes (bumped when records need migrating).
///
/// - 1: JSON records; raw messages and attachments inline in sled.
/// - 2: records over 512 bytes zstd-compressed; raw messages and attachments in pack
///   files (`raw_refs`, `blob_refs`). Format 1 data is still read as it is, so opening a
///   format 1 directory only updates the marker.
/// - 3: adds the `listing` tree (queue rows by state and arrival) and per-state counts,
///   built from the records when an older directory is opened.
/// - 4: arrivals are unindexed until the `indexed_through` watermark passes them (no mark
///   each), and listing rows keep only what a queue shows; opening an older directory
///   rebuilds the listing and sets the watermark to its last id.
/// - 5: values may be compressed with a zstd dictionary the store trained (kept in the
///   `dictionaries` tree); older values are read as they are, so opening a format 4
///   directory only updates the marker.
/// - 6: the dedupe keys (`by_raw`, `by_message_id`, `by_content`, `senders`, `ack_times`)
///   live in a sled database of their own, `keys/`, fed through the `key_journal`; opening
///   an older directory moves them there.
/// - 7: outbox entries may be `cancelled` (a decision's notice superseded in its undo
///   window, or stopped by a moderator), and erasures are kept in the `erasures` tree; an
///   older directory has neither, so opening it only updates the marker.
pub const STORE_FORMAT: u32 = 7;
