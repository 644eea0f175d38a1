//! The store: sled, the source of truth.
//!
//! Trees: `submissions` (id → record), `raw` (id → the message byte for byte), `blobs`
//! (sha256 → attachment bytes), `audit` (seq → entry), `unindexed` (ids whose search index
//! entry is stale after a change), `meta` (format version, counters, `indexed_through`:
//! arrivals after it are not indexed yet), `dictionaries` (kind of value → its zstd
//! dictionary, see `codec.rs`: each written once, in a tree of its own so that the `meta`
//! counters every batch updates do not make sled rewrite them), `key_journal` (batch →
//! the dedupe keys it set, until they are in the keys database: see `keys.rs`) and
//! `erasures` (erasures at a contributor's request, and the ids each took: `erasure.rs`).
//!
//! Guarantees: a submission, its raw bytes, attachments, audit entry and the journal of its
//! dedupe keys are written in one transaction (a whole ingest batch in one, see
//! [`Store::insert_batch`]); it counts as unindexed until the watermark passes its id.
//! [`Store::flush`] makes them durable, then the keys, and only then may a source let go of
//! the message. sled allows one process at a time,
//! so [`Store::open`] waits (bounded) for another hubmail process to finish instead of
//! failing; long runs close and reopen the store between batches to let others in.
//!
//! The rooms: `arrival` (new submissions), `change` (decisions and edits), `listing` (what
//! the queue reads), `watermark` (what the index lacks), `outbox`, `sender_rules`, `questions`
//! (the ones moderators add),
//! `spool` (oversize mail), `erasure`, `journal` and `keys` (the dedupe keys), `codec` and
//! `dictionaries` (compression), `encoding` (how values are laid out), `migrate` (format
//! upgrades), `pack` (raw bytes), `backup`, `relayout` (a fresh layout after an erasure), `lock` (one
//! process at a time).

mod arrival;
mod backup;
mod change;
mod codec;
mod dictionaries;
mod encoding;
mod erasure;
mod journal;
mod keys;
mod listing;
mod lock;
mod migrate;
mod outbox;
mod pack;
mod questions;
mod relayout;
mod sender_rules;
mod spool;
mod watermark;

pub use arrival::{Ack, DuplicateOf, NewSubmission, Stored};
pub use backup::{BackupMade, BackupReport};
pub use change::{AuditDraft, Change};
pub use erasure::{ErasedMark, Erasure, ErasureCounts, ErasureRequest, ErasureWork};
pub use lock::{let_waiters_in, someone_waiting};
pub use migrate::STORE_FORMAT;
pub use outbox::Outgoing;
pub use pack::{Frame, PackRef};

use std::path::{Path, PathBuf};
use std::time::Duration;

use sled::transaction::TransactionalTree;
use sled::{Db, Tree};

use crate::model::{AuditEntry, RECORD_VERSION, Submission, SubmissionId};
use crate::{Error, Result};
use codec::{Codec, Kind};
use encoding::{Abortable, decode, encode_as, id_from, key, next_counter, store_err};
use journal::PendingKeys;
use keys::Keys;
use spool::spool_path;

/// The sled-backed store of one data directory.
pub struct Store {
    db: Db,
    dir: PathBuf,
    submissions: Tree,
    raw: Tree,
    raw_refs: Tree,
    blobs: Tree,
    blob_refs: Tree,
    packs: std::sync::Mutex<pack::Packs>,
    audit: Tree,
    sender_rules: Tree,
    questions: Tree,
    outbox: Tree,
    unindexed: Tree,
    key_journal: Tree,
    erasures: Tree,
    /// The keys database, opened when ingest first needs it.
    keys: std::sync::OnceLock<Keys>,
    /// Held while the keys database is being opened (by one thread only).
    keys_opening: std::sync::Mutex<()>,
    /// Key writes journalled in committed batches but not yet applied to the keys.
    pending_keys: std::sync::RwLock<PendingKeys>,
    listing: Tree,
    meta: Tree,
    dictionaries: Tree,
    codec: Codec,
    /// Train the dictionaries once this many submissions are stored.
    dictionary_after: std::sync::atomic::AtomicU64,
    /// Training failed for some kind in this process: try again at this many submissions.
    next_training_at: std::sync::atomic::AtomicU64,
    _holder: lock::Holder,
}

impl Store {
    /// Whether `data_dir` holds a store.
    pub fn exists(data_dir: &Path) -> bool {
        data_dir.join("store").join("conf").is_file()
    }

    /// Opens the store under `data_dir/store`, refusing ([`Error::NoStore`]) when there
    /// is none: a mistyped `--data-dir` must not look like an empty consultation.
    pub fn open_existing(data_dir: &Path, lock_wait: Duration) -> Result<Store> {
        if !Store::exists(data_dir) {
            return Err(Error::NoStore {
                path: data_dir.to_path_buf(),
            });
        }
        Store::open(data_dir, lock_wait)
    }

    /// Opens (creating if needed) the store under `data_dir/store`, waiting up to
    /// `lock_wait` for another hubmail process to release it.
    pub fn open(data_dir: &Path, lock_wait: Duration) -> Result<Store> {
        let dir = data_dir.join("store");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        let db = lock::open_waiting(&dir, lock_wait)?;
        let holder = lock::Holder::announce(&dir);
        relayout::remove_leftover(data_dir);
        let tree = |name: &str| db.open_tree(name).map_err(store_err);
        let store = Store {
            submissions: tree("submissions")?,
            raw: tree("raw")?,
            raw_refs: tree("raw_refs")?,
            blobs: tree("blobs")?,
            blob_refs: tree("blob_refs")?,
            packs: std::sync::Mutex::new(pack::Packs::open(&dir.join("packs"))?),
            audit: tree("audit")?,
            sender_rules: tree("sender_rules")?,
            questions: tree("questions")?,
            outbox: tree("outbox")?,
            unindexed: tree("unindexed")?,
            key_journal: tree("key_journal")?,
            erasures: tree("erasures")?,
            keys: std::sync::OnceLock::new(),
            keys_opening: std::sync::Mutex::new(()),
            pending_keys: std::sync::RwLock::new(PendingKeys::default()),
            listing: tree("listing")?,
            meta: tree("meta")?,
            dictionaries: tree("dictionaries")?,
            codec: Codec::default(),
            // Never, until the session sets `[store] dictionary_after`.
            dictionary_after: 0.into(),
            next_training_at: 0.into(),
            db,
            dir,
            _holder: holder,
        };
        store.check_format()?;
        store.load_dictionaries()?;
        Ok(store)
    }

    /// Makes everything written so far durable (one fsync for a whole batch): the packs
    /// first, so that no flushed record points at bytes not yet on disk; then the dedupe
    /// keys of the batches written, so that no key is durable before its record.
    pub fn flush(&self) -> Result<()> {
        self.packs().sync()?;
        self.db.flush().map_err(store_err)?;
        self.apply_journalled_keys()
    }

    fn packs(&self) -> std::sync::MutexGuard<'_, pack::Packs> {
        self.packs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A counter kept in the store (e.g. `duplicates`).
    pub fn counter(&self, name: &str) -> Result<u64> {
        Ok(self.meta_u64(&format!("counter:{name}"))?.unwrap_or(0))
    }

    /// A small value kept in the store (a source's checkpoint, the last digest time).
    pub fn state(&self, name: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .meta
            .get(format!("state:{name}"))
            .map_err(store_err)?
            .map(|v| v.to_vec()))
    }

    /// Sets a small value kept in the store.
    pub fn set_state(&self, name: &str, value: &[u8]) -> Result<()> {
        self.meta
            .insert(format!("state:{name}"), value)
            .map_err(store_err)?;
        Ok(())
    }

    /// Removes a value set with [`Store::set_state`].
    pub fn remove_state(&self, name: &str) -> Result<()> {
        self.meta
            .remove(format!("state:{name}"))
            .map_err(store_err)?;
        Ok(())
    }

    /// The submission with this id.
    pub fn get(&self, id: SubmissionId) -> Result<Submission> {
        let bytes = self
            .submissions
            .get(key(id))
            .map_err(store_err)?
            .ok_or(Error::NoSuchSubmission(id.0));
        let bytes = match bytes {
            Ok(bytes) => bytes,
            Err(missing) => {
                return Err(match self.erased(id)? {
                    Some(mark) => Error::Erased {
                        id: id.0,
                        at: mark.at,
                        audit_seq: mark.audit_seq,
                    },
                    None => missing,
                });
            }
        };
        decode(&self.codec, &format!("submission {id}"), &bytes)
    }

    /// The raw message, byte for byte.
    pub fn raw(&self, id: SubmissionId) -> Result<Vec<u8>> {
        let record = self.get(id)?;
        if let Some(r) = self.raw_refs.get(key(id)).map_err(store_err)? {
            let r: PackRef = decode(&self.codec, &format!("raw reference {id}"), &r)?;
            return self.packs().read(&r, &self.codec);
        }
        if let Some(bytes) = self.raw.get(key(id)).map_err(store_err)? {
            return Ok(bytes.to_vec()); // format 1: inline
        }
        let spooled = spool_path(&self.dir, &record.raw_sha256);
        std::fs::read(&spooled).map_err(|e| Error::io("reading", spooled, e))
    }

    /// An attachment's bytes by digest.
    pub fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        if let Some(r) = self.blob_refs.get(sha256).map_err(store_err)? {
            let r: PackRef = decode(&self.codec, &format!("attachment {sha256}"), &r)?;
            return self.packs().read(&r, &self.codec).map(Some);
        }
        Ok(self
            .blobs
            .get(sha256)
            .map_err(store_err)?
            .map(|b| b.to_vec()))
    }

    /// Bytes on disk: sled's files and the packs.
    pub fn disk_size(&self) -> Result<u64> {
        let keys = match self.keys.get() {
            Some(keys) => keys.db().size_on_disk().map_err(store_err)?,
            None => dir_bytes(&self.dir.join("keys")),
        };
        Ok(self.db.size_on_disk().map_err(store_err)? + keys + self.packs().disk_size())
    }

    /// Every submission, in id order.
    pub fn submissions(&self) -> impl Iterator<Item = Result<Submission>> + '_ {
        self.submissions.iter().map(|item| {
            let (k, v) = item.map_err(store_err)?;
            decode(
                &self.codec,
                &format!("submission {:?}", id_from(&k).map(|i| i.0)),
                &v,
            )
        })
    }

    /// The submissions numbered after `id`, in id order (the arrivals since then).
    pub fn submissions_after(
        &self,
        id: SubmissionId,
    ) -> impl Iterator<Item = Result<Submission>> + '_ {
        let start = id.0.checked_add(1).map(|n| key(SubmissionId(n)));
        let range = match start {
            Some(start) => self.submissions.range(start..),
            // Nothing is numbered after the last possible id.
            None => self
                .submissions
                .range(key(SubmissionId(u64::MAX))..key(SubmissionId(u64::MAX))),
        };
        range.map(|item| {
            let (k, v) = item.map_err(store_err)?;
            decode(
                &self.codec,
                &format!("submission {:?}", id_from(&k).map(|i| i.0)),
                &v,
            )
        })
    }

    /// How many submissions are stored.
    pub fn len(&self) -> usize {
        self.submissions.len()
    }

    /// Whether the store holds no submission.
    pub fn is_empty(&self) -> bool {
        self.submissions.is_empty()
    }

    /// The audit trail, oldest first.
    pub fn audit(&self) -> impl Iterator<Item = Result<AuditEntry>> + '_ {
        self.audit.iter().map(|item| {
            let (_, v) = item.map_err(store_err)?;
            decode(&self.codec, "audit entry", &v)
        })
    }

    /// The last id given to a submission (0 for none).
    fn last_id(&self) -> Result<u64> {
        Ok(self.meta_u64("next_id")?.map_or(0, |next| next - 1))
    }

    /// A number kept in `meta` (a counter, a watermark), if set.
    fn meta_u64(&self, name: &str) -> Result<Option<u64>> {
        Ok(self
            .meta
            .get(name)
            .map_err(store_err)?
            .and_then(|b| b.as_ref().try_into().ok())
            .map(u64::from_be_bytes))
    }

    /// The data directory's store folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The bytes of the files under `dir` (0 if it does not exist).
fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| match e.file_type() {
                Ok(t) if t.is_dir() => dir_bytes(&e.path()),
                _ => e.metadata().map_or(0, |m| m.len()),
            })
            .sum()
    })
}

/// Appends an audit entry, numbered from the `next_audit` counter, inside a transaction.
fn audit_entry(
    codec: &Codec,
    (audit, meta): (&TransactionalTree, &TransactionalTree),
    entry: impl FnOnce(u64) -> AuditEntry,
) -> Abortable<()> {
    let seq = next_counter(meta, "next_audit")?;
    let mut entry = entry(seq);
    entry.v = RECORD_VERSION;
    audit.insert(&seq.to_be_bytes(), encode_as(codec, Kind::Audit, &entry))?;
    Ok(())
}

#[cfg(test)]
mod tests;
