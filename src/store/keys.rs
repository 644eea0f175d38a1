//! The dedupe keys, in a sled database of their own (`store/keys`).
//!
//! Only ingest looks a message up by its bytes, Message-ID or content, or a sender by
//! address; a moderator's command never does. Beside the records these keys were half of
//! the store's entries, and sled loads every page of a database when it opens it: each
//! `queue` or `show` paid for them. In a database of their own, only ingest opens them.
//!
//! sled's transactions do not span two databases, so the records stay the truth: the
//! transaction that stores a batch also writes what the batch sets here to the main
//! database's `key_journal` tree. Only once the main database is flushed are those writes
//! applied here (this database flushed, then the journal entry removed): the keys are never
//! ahead of the records they point at, and what a crash left in the journal is applied
//! when the keys are next opened. Applying twice does no harm: each write sets a final
//! value (a count, a time, an id), never a difference.

use std::collections::BTreeMap;
use std::path::Path;

use sled::{Db, IVec, Tree};

use super::{lock, store_err};
use crate::{Error, Result};

/// One tree of the keys database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum KeyTree {
    /// sha256 of the raw bytes → the submission they are (or duplicate).
    ByRaw,
    /// Message-ID → the submission.
    ByMessageId,
    /// Sender and normalised text → the submission.
    ByContent,
    /// Sender address → how many submissions from it.
    Senders,
    /// Recipients of an acknowledgement → when the last one was queued (Unix seconds).
    AckTimes,
}

impl KeyTree {
    /// Every tree, in the order of their bytes in the journal.
    pub(super) const ALL: [KeyTree; 5] = [
        KeyTree::ByRaw,
        KeyTree::ByMessageId,
        KeyTree::ByContent,
        KeyTree::Senders,
        KeyTree::AckTimes,
    ];

    /// The sled tree's name (as it was in the main database up to format 5).
    pub(super) fn name(self) -> &'static str {
        match self {
            KeyTree::ByRaw => "by_raw",
            KeyTree::ByMessageId => "by_message_id",
            KeyTree::ByContent => "by_content",
            KeyTree::Senders => "senders",
            KeyTree::AckTimes => "ack_times",
        }
    }

    fn byte(self) -> u8 {
        self as u8
    }

    fn from_byte(b: u8) -> Option<KeyTree> {
        KeyTree::ALL.get(usize::from(b)).copied()
    }
}

/// Writes to the keys not applied yet: each key's final value.
#[derive(Debug, Default)]
pub(super) struct KeyWrites(BTreeMap<(KeyTree, Vec<u8>), Vec<u8>>);

impl KeyWrites {
    /// The value written to `key`, if any.
    pub(super) fn get(&self, tree: KeyTree, key: &[u8]) -> Option<&[u8]> {
        self.0.get(&(tree, key.to_vec())).map(Vec::as_slice)
    }

    /// Sets `key` to `value`.
    pub(super) fn set(&mut self, tree: KeyTree, key: &[u8], value: &[u8]) {
        self.0.insert((tree, key.to_vec()), value.to_vec());
    }

    /// Whether nothing was written.
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Forgets every write.
    pub(super) fn clear(&mut self) {
        self.0.clear();
    }

    /// Adds `later`'s writes, which win over these.
    pub(super) fn extend(&mut self, later: KeyWrites) {
        self.0.extend(later.0);
    }

    /// The journal's encoding: per write, the tree's byte, then the key and the value,
    /// each after its length (4 bytes, big-endian).
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for ((tree, key), value) in &self.0 {
            out.push(tree.byte());
            for part in [key, value] {
                out.extend_from_slice(&(part.len() as u32).to_be_bytes());
                out.extend_from_slice(part);
            }
        }
        out
    }

    /// Reads [`KeyWrites::encode`]'s bytes; `what` names them in the error.
    pub(super) fn decode(bytes: &[u8], what: &str) -> Result<KeyWrites> {
        let corrupt = |message: &str| Error::Corrupt {
            key: what.to_string(),
            message: message.to_string(),
        };
        let mut writes = KeyWrites::default();
        let mut rest = bytes;
        while let Some((&byte, tail)) = rest.split_first() {
            rest = tail;
            let tree = KeyTree::from_byte(byte).ok_or_else(|| corrupt("an unknown key tree"))?;
            let key = take_part(&mut rest).ok_or_else(|| corrupt("cut short"))?;
            let value = take_part(&mut rest).ok_or_else(|| corrupt("cut short"))?;
            writes.0.insert((tree, key), value);
        }
        Ok(writes)
    }
}

/// Takes a length-prefixed part off the front of `rest`; `None` if it is cut short.
fn take_part(rest: &mut &[u8]) -> Option<Vec<u8>> {
    let (len, tail) = rest.split_first_chunk::<4>()?;
    let len = u32::from_be_bytes(*len) as usize;
    let part = tail.get(..len)?.to_vec();
    *rest = &tail[len..];
    Some(part)
}

/// The keys database.
pub(super) struct Keys {
    db: Db,
    trees: Vec<Tree>,
    meta: Tree,
}

/// The journal entry through which this database has applied the writes.
const APPLIED_THROUGH: &str = "applied_through";

impl Keys {
    /// Opens (creating if needed) the keys database in `dir`. Its owner holds the main
    /// database, so nobody else has this one.
    pub(super) fn open(dir: &Path) -> Result<Keys> {
        let db = lock::config(dir).open().map_err(store_err)?;
        let trees = KeyTree::ALL
            .iter()
            .map(|t| db.open_tree(t.name()).map_err(store_err))
            .collect::<Result<Vec<_>>>()?;
        Ok(Keys {
            meta: db.open_tree("meta").map_err(store_err)?,
            trees,
            db,
        })
    }

    fn tree(&self, tree: KeyTree) -> &Tree {
        &self.trees[tree as usize]
    }

    /// The value of `key`.
    pub(super) fn get(&self, tree: KeyTree, key: &[u8]) -> Result<Option<IVec>> {
        self.tree(tree).get(key).map_err(store_err)
    }

    /// The last journal entry applied here (0: none).
    pub(super) fn applied_through(&self) -> Result<u64> {
        Ok(self
            .meta
            .get(APPLIED_THROUGH)
            .map_err(store_err)?
            .and_then(|b| b.as_ref().try_into().ok())
            .map_or(0, u64::from_be_bytes))
    }

    /// Applies `writes`, the journal's through entry `through`, and makes them durable.
    pub(super) fn apply(&self, writes: &KeyWrites, through: u64) -> Result<()> {
        let mut batches: BTreeMap<KeyTree, sled::Batch> = BTreeMap::new();
        for ((tree, key), value) in &writes.0 {
            batches
                .entry(*tree)
                .or_default()
                .insert(key.as_slice(), value.as_slice());
        }
        for (tree, batch) in batches {
            self.tree(tree).apply_batch(batch).map_err(store_err)?;
        }
        // sled writes its log in order: once this is durable, so is everything above.
        self.meta
            .insert(APPLIED_THROUGH, &through.to_be_bytes())
            .map_err(store_err)?;
        self.flush()
    }

    /// Copies every entry of `from` (the tree of that name in a format 5 store) into
    /// `tree`, in batches. Not durable until [`Keys::flush`].
    pub(super) fn copy_in(&self, tree: KeyTree, from: &Tree) -> Result<u64> {
        let mut batch = sled::Batch::default();
        let mut copied = 0u64;
        for item in from.iter() {
            let (k, v) = item.map_err(store_err)?;
            batch.insert(k, v);
            copied += 1;
            // Batches as large as ingest's: larger ones leave sled's pages fragmented.
            if copied.is_multiple_of(500) {
                self.tree(tree)
                    .apply_batch(std::mem::take(&mut batch))
                    .map_err(store_err)?;
            }
        }
        self.tree(tree).apply_batch(batch).map_err(store_err)?;
        Ok(copied)
    }

    /// Removes the entries of `tree` for which `doomed(key, value)` holds; returns how
    /// many. Not durable until [`Keys::flush`]. Reads the whole tree: for erasures only.
    pub(super) fn remove_where(
        &self,
        tree: KeyTree,
        doomed: impl Fn(&[u8], &[u8]) -> bool,
    ) -> Result<usize> {
        let mut batch = sled::Batch::default();
        let mut removed = 0;
        for item in self.tree(tree).iter() {
            let (k, v) = item.map_err(store_err)?;
            if doomed(&k, &v) {
                batch.remove(k);
                removed += 1;
            }
        }
        self.tree(tree).apply_batch(batch).map_err(store_err)?;
        Ok(removed)
    }

    /// Makes every write durable.
    pub(super) fn flush(&self) -> Result<()> {
        self.db.flush().map_err(store_err)?;
        Ok(())
    }

    /// The database, for backup and restore.
    pub(super) fn db(&self) -> &Db {
        &self.db
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_encoding_round_trips_and_later_writes_win() {
        let mut writes = KeyWrites::default();
        writes.set(KeyTree::ByRaw, b"abc", &7u64.to_be_bytes());
        writes.set(KeyTree::Senders, b"a@example.org", &1u64.to_be_bytes());
        writes.set(KeyTree::AckTimes, b"", b"");
        let mut later = KeyWrites::default();
        later.set(KeyTree::Senders, b"a@example.org", &2u64.to_be_bytes());
        writes.extend(later);
        let read = KeyWrites::decode(&writes.encode(), "journal 1").expect("decodes");
        assert_eq!(read.0, writes.0);
        assert_eq!(
            read.get(KeyTree::Senders, b"a@example.org"),
            Some(&2u64.to_be_bytes()[..])
        );
        assert_eq!(read.get(KeyTree::ByContent, b"abc"), None);
    }

    #[test]
    fn a_cut_journal_entry_is_corrupt_not_a_panic() {
        let mut writes = KeyWrites::default();
        writes.set(KeyTree::ByMessageId, b"<m@x>", &3u64.to_be_bytes());
        let bytes = writes.encode();
        for cut in 1..bytes.len() {
            let err = KeyWrites::decode(&bytes[..cut], "journal 9").expect_err("cut short");
            assert!(err.to_string().contains("journal 9"), "{err}");
        }
        assert!(
            KeyWrites::decode(&[9], "journal 9").is_err(),
            "unknown tree"
        );
    }
}
