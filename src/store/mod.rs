//! The store: sled, the source of truth.
//!
//! Trees: `submissions` (id → record), `raw` (id → the message byte for byte), `blobs`
//! (sha256 → attachment bytes), `audit` (seq → entry), `unindexed` (ids whose search index
//! entry is stale after a change), `meta` (format version, counters, `indexed_through`:
//! arrivals after it are not indexed yet), `dictionaries` (kind of value → its zstd
//! dictionary, see `codec.rs`: each written once, in a tree of its own so that the `meta`
//! counters every batch updates do not make sled rewrite them) and `key_journal` (batch →
//! the dedupe keys it set, until they are in the keys database: see `keys.rs`).
//!
//! Guarantees: a submission, its raw bytes, attachments, audit entry and the journal of its
//! dedupe keys are written in one transaction (a whole ingest batch in one, see
//! [`Store::insert_batch`]); it counts as unindexed until the watermark passes its id.
//! [`Store::flush`] makes them durable, then the keys, and only then may a source let go of
//! the message. sled allows one process at a time,
//! so [`Store::open`] waits (bounded) for another hubmail process to finish instead of
//! failing; long runs close and reopen the store between batches to let others in.

mod backup;
mod codec;
mod keys;
mod lock;
mod pack;

pub use backup::BackupReport;
pub use codec::DICTIONARY_AFTER;
pub use lock::{let_waiters_in, someone_waiting};
pub use pack::{Frame, PackRef};

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::transaction::ConflictableTransactionError::{self, Abort};
use sled::transaction::Transactional;
use sled::transaction::{TransactionError, TransactionalTree};
use sled::{Db, Tree};

use crate::model::{
    AuditEntry, Flag, Lang, MailKind, OutboxEntry, OutboxStatus, RECORD_VERSION, SenderRule, State,
    Submission, SubmissionId,
};
use crate::{Error, Result};
use codec::{Codec, Kind};
use keys::{KeyTree, KeyWrites, Keys};

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
pub const STORE_FORMAT: u32 = 6;

/// A submission ready to be written, with everything that goes in the same transaction.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    /// The record; its `id` is assigned by [`Store::insert_batch`].
    pub submission: Submission,
    /// The raw message, compressed, unless it was too large and lives in a spool file.
    pub raw: Option<Frame>,
    /// Attachment contents (compressed) by sha256 (hex).
    pub blobs: Vec<(String, Frame)>,
    /// The Message-ID to recognise a copy by (none for a message that did not parse).
    pub dedupe_message_id: Option<String>,
    /// Normalised-content key for duplicate detection (sender + text digest).
    pub content_key: Option<String>,
    /// Added to the record when the store holds no earlier mail from the sender.
    pub first_time_flag: Option<Flag>,
    /// Who recorded the arrival (for the audit trail).
    pub actor: String,
    /// The acknowledgement to queue with it, unless the sender had one recently.
    pub ack: Option<AckRequest>,
}

/// A message to put in the outbox in the same transaction as a change.
#[derive(Debug, Clone)]
pub struct OutboxDraft {
    /// What it is about.
    pub kind: MailKind,
    /// The submission (for an acknowledgement: filled with the new id).
    pub submission: Option<SubmissionId>,
    /// Recipients.
    pub to: Vec<String>,
    /// Language.
    pub lang: Lang,
    /// A rejection's reason.
    pub reason: Option<String>,
    /// The submissions a digest lists.
    pub digest: Vec<SubmissionId>,
    /// The domain of our Message-IDs.
    pub domain: String,
    /// When the event happened.
    pub created: jiff::Timestamp,
}

/// An acknowledgement, sent at most once per sender per interval.
#[derive(Debug, Clone)]
pub struct AckRequest {
    /// The message.
    pub draft: OutboxDraft,
    /// No acknowledgement if the sender got one less than this many seconds ago.
    pub min_interval_secs: i64,
}

fn outbox_entry(draft: &OutboxDraft, seq: u64, submission: Option<SubmissionId>) -> OutboxEntry {
    let about = submission.map_or("digest".to_string(), |s| s.to_string());
    OutboxEntry {
        v: RECORD_VERSION,
        seq,
        kind: draft.kind,
        submission,
        to: draft.to.clone(),
        lang: draft.lang,
        message_id: format!(
            "hubmail.{}.{about}.{seq}@{}",
            draft.kind.as_str(),
            draft.domain
        ),
        created: draft.created,
        reason: draft.reason.clone(),
        digest: draft.digest.clone(),
        status: OutboxStatus::Pending,
        attempts: 0,
        next_attempt: draft.created,
        last_error: None,
        sent_at: None,
    }
}

/// Who did what, for the audit entry written with a change.
#[derive(Debug, Clone)]
pub struct AuditDraft {
    /// The moderator (or `hubmail`).
    pub actor: String,
    /// The verb: `approve`, `reject`, `edit`…
    pub action: String,
    /// The reason or note.
    pub reason: Option<String>,
    /// When.
    pub at: jiff::Timestamp,
}

/// What to tell a moderator whose change lost the race to another one.
fn conflict_message(now: &Submission) -> String {
    let by = now
        .decision
        .as_ref()
        .map(|d| {
            format!(
                " by {} at {}",
                d.moderator,
                d.at.strftime("%Y-%m-%d %H:%M:%S UTC")
            )
        })
        .unwrap_or_default();
    format!(
        "submission {} changed while you were deciding: it is now {}{by}; nothing was changed by you — 'hubmail show {}' shows it as it is",
        now.id, now.state, now.id
    )
}

/// What [`Store::insert_batch`] made of one submission.
#[derive(Debug, Clone)]
pub enum Stored {
    /// Written under a new id: the record as stored.
    Inserted(Box<Submission>),
    /// A copy of a stored submission: counted on it (unless the very same bytes).
    Duplicate(DuplicateOf),
}

/// Why a message was recognised as already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateOf {
    /// The same bytes were stored before (a re-run, a redelivery).
    SameBytes(SubmissionId),
    /// The same Message-ID.
    SameMessageId(SubmissionId),
    /// The same sender and the same normalised text.
    SameContent(SubmissionId),
}

impl DuplicateOf {
    /// The submission it duplicates.
    pub fn id(self) -> SubmissionId {
        match self {
            DuplicateOf::SameBytes(id)
            | DuplicateOf::SameMessageId(id)
            | DuplicateOf::SameContent(id) => id,
        }
    }
}

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
    outbox: Tree,
    unindexed: Tree,
    key_journal: Tree,
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

fn key(id: SubmissionId) -> [u8; 8] {
    id.0.to_be_bytes()
}

fn id_from(bytes: &[u8]) -> Result<SubmissionId> {
    let arr: [u8; 8] = bytes.try_into().map_err(|_| Error::Corrupt {
        key: format!("{bytes:?}"),
        message: "an id key is not 8 bytes".into(),
    })?;
    Ok(SubmissionId(u64::from_be_bytes(arr)))
}

/// Marks a zstd-compressed value (0xFE starts neither UTF-8 JSON nor a journal entry).
const COMPRESSED: u8 = 0xFE;

fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("records serialise: they hold only strings, numbers and lists")
}

/// Encodes a small value that has no dictionary (a pack reference, a sender rule): JSON,
/// compressed past 512 bytes.
fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    encode_bytes(to_json(value))
}

/// Encodes stored bytes as they are, compressed past 512 bytes: JSON, or a journal entry
/// (which never starts with 0xFE either: its first byte names a key tree).
fn encode_bytes(bytes: Vec<u8>) -> Vec<u8> {
    if bytes.len() <= 512 {
        return bytes;
    }
    let mut out = vec![COMPRESSED];
    out.extend(codec::compress(&bytes));
    out
}

/// Encodes a value of a kind that has a dictionary once the store trained one: then
/// compressed with it whatever its size, before that as [`encode`] does.
fn encode_as<T: Serialize>(codec: &Codec, kind: Kind, value: &T) -> Vec<u8> {
    if !codec.has(kind) {
        return encode(value);
    }
    let mut out = vec![COMPRESSED];
    out.extend(codec.compress(kind, &to_json(value)));
    out
}

fn decode<T: DeserializeOwned>(codec: &Codec, what: &str, bytes: &[u8]) -> Result<T> {
    let json = json_of(codec, what, bytes)?;
    serde_json::from_slice(&json).map_err(|e| Error::Corrupt {
        key: what.to_string(),
        message: e.to_string(),
    })
}

/// A stored value's JSON, decompressed if it was compressed.
fn json_of<'a>(codec: &Codec, what: &str, bytes: &'a [u8]) -> Result<Cow<'a, [u8]>> {
    if bytes.first() != Some(&COMPRESSED) {
        return Ok(Cow::Borrowed(bytes));
    }
    codec
        .decompress(&bytes[1..])
        .map(Cow::Owned)
        .map_err(|e| Error::Corrupt {
            key: what.to_string(),
            message: e.to_string(),
        })
}

fn store_err(e: sled::Error) -> Error {
    Error::Store(e.to_string())
}

fn tx_err(e: TransactionError<Error>) -> Error {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => store_err(e),
    }
}

type Abortable<T> = std::result::Result<T, ConflictableTransactionError<Error>>;

impl Store {
    /// Opens (creating if needed) the store under `data_dir/store`, waiting up to
    /// `lock_wait` for another hubmail process to release it.
    pub fn open(data_dir: &Path, lock_wait: Duration) -> Result<Store> {
        let dir = data_dir.join("store");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        let db = lock::open_waiting(&dir, lock_wait)?;
        let holder = lock::Holder::announce(&dir);
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
            outbox: tree("outbox")?,
            unindexed: tree("unindexed")?,
            key_journal: tree("key_journal")?,
            keys: std::sync::OnceLock::new(),
            keys_opening: std::sync::Mutex::new(()),
            pending_keys: std::sync::RwLock::new(PendingKeys::default()),
            listing: tree("listing")?,
            meta: tree("meta")?,
            dictionaries: tree("dictionaries")?,
            codec: Codec::default(),
            dictionary_after: DICTIONARY_AFTER.into(),
            next_training_at: 0.into(),
            db,
            dir,
            _holder: holder,
        };
        store.check_format()?;
        store.load_dictionaries()?;
        Ok(store)
    }

    /// Sets how many submissions the store holds before it trains its compression
    /// dictionaries (`[store] dictionary_after`; 0 never trains).
    pub fn set_dictionary_after(&self, submissions: u64) {
        self.dictionary_after
            .store(submissions, std::sync::atomic::Ordering::Relaxed);
    }

    fn load_dictionaries(&self) -> Result<()> {
        for kind in Kind::ALL {
            if let Some(bytes) = self.dictionaries.get(kind.name()).map_err(store_err)? {
                self.codec.add(kind, &bytes).ok_or_else(|| Error::Corrupt {
                    key: format!("dictionary {}", kind.name()),
                    message: "not a zstd dictionary".into(),
                })?;
            }
        }
        Ok(())
    }

    /// Trains the dictionaries the store lacks once it holds enough submissions, from the
    /// first values of each kind, and keeps them in the store before anything uses them.
    /// Called after each batch; costs five map lookups once they exist. A kind with
    /// too little to train on is tried again when the store has doubled.
    fn train_dictionaries_when_due(&self) -> Result<()> {
        use std::sync::atomic::Ordering::Relaxed;
        let after = self.dictionary_after.load(Relaxed);
        if after == 0 || Kind::ALL.iter().all(|&kind| self.codec.has(kind)) {
            return Ok(());
        }
        let stored = self.last_id()?;
        if stored < after.max(self.next_training_at.load(Relaxed)) {
            return Ok(());
        }
        for kind in Kind::ALL {
            if self.codec.has(kind) {
                continue;
            }
            let samples = self.training_samples(kind)?;
            match codec::train(kind, &samples) {
                Some(dictionary) => {
                    self.dictionaries
                        .insert(kind.name(), dictionary.as_slice())
                        .map_err(store_err)?;
                    crate::crashpoint::hit("after-dictionary");
                    self.codec.add(kind, &dictionary);
                    tracing::info!(
                        kind = kind.name(),
                        bytes = dictionary.len(),
                        samples = samples.len(),
                        "trained a compression dictionary"
                    );
                }
                None => {
                    tracing::info!(
                        kind = kind.name(),
                        samples = samples.len(),
                        "too little to train a compression dictionary on yet"
                    );
                }
            }
        }
        self.next_training_at.store(stored * 2, Relaxed);
        Ok(())
    }

    /// The first values of a kind, as they are before compression (the start of each: what
    /// values share is at their start, and a few huge ones must not bloat the training).
    fn training_samples(&self, kind: Kind) -> Result<Vec<Vec<u8>>> {
        let json = |tree: &Tree| -> Result<Vec<Vec<u8>>> {
            tree.iter()
                .values()
                .take(codec::TRAINING_SAMPLES)
                .map(|v| {
                    let v = v.map_err(store_err)?;
                    let json = json_of(&self.codec, kind.name(), &v)?;
                    Ok(json[..json.len().min(codec::SAMPLE_BYTES)].to_vec())
                })
                .collect()
        };
        match kind {
            Kind::Record => json(&self.submissions),
            Kind::Listing => json(&self.listing),
            Kind::Audit => json(&self.audit),
            Kind::Outbox => json(&self.outbox),
            Kind::Raw => {
                let mut samples = Vec::new();
                for v in self.raw_refs.iter().values().take(codec::TRAINING_SAMPLES) {
                    let r: PackRef = decode(&self.codec, "raw reference", &v.map_err(store_err)?)?;
                    let mut raw = self.packs().read(&r, &self.codec)?;
                    raw.truncate(codec::SAMPLE_BYTES);
                    samples.push(raw);
                }
                Ok(samples)
            }
        }
    }

    /// The compression dictionaries the store holds: each kind's name and size in bytes.
    pub fn dictionaries(&self) -> Result<Vec<(&'static str, usize)>> {
        let mut found = Vec::new();
        for kind in Kind::ALL {
            if let Some(bytes) = self.dictionaries.get(kind.name()).map_err(store_err)? {
                found.push((kind.name(), bytes.len()));
            }
        }
        Ok(found)
    }

    /// A raw message compressed for the packs, with the store's dictionary for raw mail
    /// once it has one (pipeline workers call this while they prepare a message).
    pub fn raw_frame(&self, bytes: &[u8]) -> Frame {
        Frame::compressed(self.codec.compress(Kind::Raw, bytes), bytes.len())
    }

    /// A listing row, encoded.
    fn row(&self, s: &Submission) -> Vec<u8> {
        encode_as(&self.codec, Kind::Listing, &listing_row(s))
    }

    fn check_format(&self) -> Result<()> {
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
    fn move_keys_out(&self) -> Result<()> {
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

    /// The keys database, opened on first use. Opening applies what the journal holds
    /// beyond what the keys have (left by a crash between the two flushes), after
    /// flushing the main database so that no key is durable before its record.
    fn keys(&self) -> Result<&Keys> {
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
    fn forget_journal(&self, through: u64) -> Result<()> {
        let mut batch = sled::Batch::default();
        for k in self.key_journal.range(..=through.to_be_bytes()).keys() {
            batch.remove(k.map_err(store_err)?);
        }
        self.key_journal.apply_batch(batch).map_err(store_err)
    }

    /// The value of a dedupe key: as written by a batch not applied yet, else as the keys
    /// database has it.
    fn key_value(&self, pending: &KeyWrites, tree: KeyTree, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(v) = pending.get(tree, key) {
            return Ok(Some(v.to_vec()));
        }
        Ok(self.keys()?.get(tree, key)?.map(|v| v.to_vec()))
    }

    /// Makes everything written so far durable (one fsync for a whole batch): the packs
    /// first, so that no flushed record points at bytes not yet on disk; then the dedupe
    /// keys of the batches written, so that no key is durable before its record.
    pub fn flush(&self) -> Result<()> {
        self.packs().sync()?;
        self.db.flush().map_err(store_err)?;
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

    fn packs(&self) -> std::sync::MutexGuard<'_, pack::Packs> {
        self.packs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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

    /// A counter kept in the store (e.g. `duplicates`).
    pub fn counter(&self, name: &str) -> Result<u64> {
        Ok(self.meta_u64(&format!("counter:{name}"))?.unwrap_or(0))
    }

    /// Writes a batch of new submissions in one transaction, in order, each with
    /// everything that belongs with it. A submission that duplicates one stored before or
    /// earlier in the batch (same bytes, Message-ID or content) is counted on the original
    /// instead. Not durable until [`Store::flush`].
    pub fn insert_batch(&self, batch: &[NewSubmission]) -> Result<Vec<Stored>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        // Format 1 kept attachments in the `blobs` tree; sled cannot read a tree outside
        // a transaction while inside one, so look there first.
        let mut legacy_blobs = std::collections::HashSet::new();
        for (sha, _) in batch.iter().flat_map(|new| &new.blobs) {
            if self.blobs.contains_key(sha.as_bytes()).map_err(store_err)? {
                legacy_blobs.insert(sha.as_str());
            }
        }
        // sled cannot read a tree outside a transaction while inside one (its lock is
        // global): every dedupe key the batch may look up is read before.
        let mut before = std::collections::HashMap::new();
        {
            let pending = self
                .pending_keys
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (tree, k) in batch.iter().flat_map(keys_looked_up) {
                if let std::collections::hash_map::Entry::Vacant(slot) = before.entry((tree, k)) {
                    let value = self.key_value(&pending.writes, tree, &slot.key().1)?;
                    slot.insert(value);
                }
            }
        }
        let written = std::cell::RefCell::new(KeyWrites::default());
        let outcome = (
            &self.submissions,
            &self.raw_refs,
            &self.blob_refs,
            &self.audit,
            &self.meta,
            &self.outbox,
            &self.listing,
            &self.key_journal,
        )
            .transaction(
                |(submissions, raw_refs, blob_refs, audit, meta, outbox, listing, key_journal)| {
                    // A transaction sled retries starts again from nothing.
                    written.borrow_mut().clear();
                    let trees = ArrivalTrees {
                        submissions,
                        raw_refs,
                        blob_refs,
                        audit,
                        listing,
                        meta,
                        outbox,
                    };
                    let keys = KeyView {
                        before: &before,
                        written: &written,
                    };
                    let stored = batch
                        .iter()
                        .map(|new| self.insert_in(&trees, &keys, new, &legacy_blobs))
                        .collect::<Abortable<Vec<Stored>>>()?;
                    let seq = next_counter(meta, "next_key_batch")?;
                    let journal = encode_bytes(written.borrow().encode());
                    key_journal.insert(&seq.to_be_bytes(), journal)?;
                    Ok((stored, seq))
                },
            )
            .map_err(tx_err);
        let stored = outcome.map(|(stored, seq)| {
            let mut pending = self
                .pending_keys
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            pending.writes.extend(written.into_inner());
            pending.through = seq;
            stored
        });
        stored.inspect(|_| {
                // The batch is written either way: a dictionary is only a saving, so a
                // failure to train one is reported, not passed on to the batch.
                if let Err(e) = self.train_dictionaries_when_due() {
                    tracing::warn!(error = %e, "could not train the compression dictionaries; values stay compressed one by one");
                }
            })
    }

    /// One submission of [`Store::insert_batch`], inside its transaction.
    fn insert_in(
        &self,
        t: &ArrivalTrees<'_>,
        keys: &KeyView<'_>,
        new: &NewSubmission,
        legacy_blobs: &std::collections::HashSet<&str>,
    ) -> Abortable<Stored> {
        let sha = new.submission.raw_sha256.as_bytes();
        if let Some(id) = keys.get(KeyTree::ByRaw, sha)? {
            return Ok(Stored::Duplicate(DuplicateOf::SameBytes(
                id_from(&id).map_err(Abort)?,
            )));
        }
        let mut copy_of = None;
        // What was looked up and found free, so that recording the keys below does not
        // look them up again.
        let mut free_message_id = None;
        let mut free_content = false;
        if let Some(mid) = &new.dedupe_message_id {
            match keys.get(KeyTree::ByMessageId, mid.as_bytes())? {
                Some(id) => {
                    copy_of = Some(DuplicateOf::SameMessageId(id_from(&id).map_err(Abort)?));
                }
                None => free_message_id = Some(mid.as_str()),
            }
        }
        if copy_of.is_none()
            && let Some(ck) = &new.content_key
        {
            match keys.get(KeyTree::ByContent, ck.as_bytes())? {
                Some(id) => copy_of = Some(DuplicateOf::SameContent(id_from(&id).map_err(Abort)?)),
                None => free_content = true,
            }
        }
        if let Some(dup) = copy_of {
            let k = key(dup.id());
            if let Some(bytes) = t.submissions.get(k)? {
                let mut original: Submission =
                    decode(&self.codec, &format!("submission {}", dup.id()), &bytes)
                        .map_err(Abort)?;
                original.duplicates += 1;
                t.submissions
                    .insert(&k, encode_as(&self.codec, Kind::Record, &original))?;
            }
            keys.set(KeyTree::ByRaw, sha, &k);
            next_counter_from(t.meta, "counter:duplicates", 0)?;
            return Ok(Stored::Duplicate(dup));
        }

        let now = new.submission.received;
        let id = SubmissionId(next_counter(t.meta, "next_id")?);
        let k = key(id);
        let mut record = new.submission.clone();
        record.id = id;
        record.v = RECORD_VERSION;
        let address = record.author.address.as_bytes();
        let earlier_from_sender = if address.is_empty() {
            None
        } else {
            keys.get(KeyTree::Senders, address)?
                .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
                .map(u64::from_be_bytes)
        };
        if earlier_from_sender.is_none()
            && let Some(flag) = &new.first_time_flag
        {
            record.flags.push(flag.clone());
        }
        // Bytes go to the packs before the references to them are written.
        if let Some(frame) = &new.raw {
            let at = self.packs().append_frame(frame).map_err(Abort)?;
            t.raw_refs.insert(&k, encode(&at))?;
        }
        for (blob_sha, frame) in &new.blobs {
            let known = legacy_blobs.contains(blob_sha.as_str())
                || t.blob_refs.get(blob_sha.as_bytes())?.is_some();
            if !known {
                let at = self
                    .packs()
                    .append_frame(frame)
                    .map_err(ConflictableTransactionError::Abort)?;
                t.blob_refs.insert(blob_sha.as_bytes(), encode(&at))?;
            }
        }
        t.submissions
            .insert(&k, encode_as(&self.codec, Kind::Record, &record))?;
        keys.set(KeyTree::ByRaw, sha, &k);
        if let Some(mid) = &record.headers.message_id
            && (free_message_id == Some(mid.as_str())
                || keys.get(KeyTree::ByMessageId, mid.as_bytes())?.is_none())
        {
            keys.set(KeyTree::ByMessageId, mid.as_bytes(), &k);
        }
        if let Some(ck) = &new.content_key
            && (free_content || keys.get(KeyTree::ByContent, ck.as_bytes())?.is_none())
        {
            keys.set(KeyTree::ByContent, ck.as_bytes(), &k);
        }
        if !address.is_empty() {
            let n = earlier_from_sender.unwrap_or(0) + 1;
            keys.set(KeyTree::Senders, address, &n.to_be_bytes());
        }
        t.listing.insert(&listing_key(&record), self.row(&record))?;
        next_counter_from(t.meta, &count_key(record.state), 0)?;
        let seq = next_counter(t.meta, "next_audit")?;
        let entry = AuditEntry {
            v: RECORD_VERSION,
            seq,
            at: now,
            submission: Some(id),
            target: None,
            actor: new.actor.clone(),
            action: "received".into(),
            from: None,
            to: Some(record.state),
            reason: record.reason.clone(),
        };
        t.audit.insert(
            &seq.to_be_bytes(),
            encode_as(&self.codec, Kind::Audit, &entry),
        )?;
        if let Some(ack) = &new.ack {
            let to = ack.draft.to.join(",");
            let recent = keys
                .get(KeyTree::AckTimes, to.as_bytes())?
                .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
                .map(i64::from_be_bytes)
                .is_some_and(|last| now.as_second() - last < ack.min_interval_secs);
            if !recent {
                let seq = next_counter(t.meta, "next_outbox")?;
                let mail = outbox_entry(&ack.draft, seq, Some(id));
                t.outbox.insert(
                    &seq.to_be_bytes(),
                    encode_as(&self.codec, Kind::Outbox, &mail),
                )?;
                keys.set(
                    KeyTree::AckTimes,
                    to.as_bytes(),
                    &now.as_second().to_be_bytes(),
                );
            }
        }
        Ok(Stored::Inserted(Box::new(record)))
    }

    /// Replaces a submission's record with `after`, appends the audit entry and marks it
    /// for re-indexing, in one transaction, but only if the stored record still equals
    /// `before`: when another process changed it meanwhile, nothing is written and the
    /// error says what the submission is now.
    pub fn replace(
        &self,
        before: &Submission,
        after: &Submission,
        audit: &AuditDraft,
        mail: Option<&OutboxDraft>,
    ) -> Result<()> {
        let k = key(before.id);
        let expected = encode_as(&self.codec, Kind::Record, before);
        let at = audit.at;
        (
            &self.submissions,
            &self.audit,
            &self.unindexed,
            &self.meta,
            &self.outbox,
            &self.listing,
        )
            .transaction(|(subs, audit_tree, unindexed, meta, outbox, listing)| {
                let current = subs.get(k)?.ok_or(ConflictableTransactionError::Abort(
                    Error::NoSuchSubmission(before.id.0),
                ))?;
                // Compare records, not bytes: a record written by an older format reads
                // equal to `before` but encodes differently.
                if current.as_ref() != expected.as_slice() {
                    let now: Submission =
                        decode(&self.codec, &format!("submission {}", before.id), &current)
                            .map_err(ConflictableTransactionError::Abort)?;
                    if now != *before {
                        return Err(ConflictableTransactionError::Abort(Error::Refused(
                            conflict_message(&now),
                        )));
                    }
                }
                subs.insert(&k, encode_as(&self.codec, Kind::Record, after))?;
                unindexed.insert(&k, &[])?;
                listing.remove(&listing_key(before))?;
                listing.insert(&listing_key(after), self.row(after))?;
                if before.state != after.state {
                    add_to_count(meta, before.state, -1)?;
                    add_to_count(meta, after.state, 1)?;
                }
                let seq = next_counter(meta, "next_audit")?;
                let entry = AuditEntry {
                    v: RECORD_VERSION,
                    seq,
                    at,
                    submission: Some(before.id),
                    target: None,
                    actor: audit.actor.clone(),
                    action: audit.action.clone(),
                    from: Some(before.state),
                    to: Some(after.state),
                    reason: audit.reason.clone(),
                };
                audit_tree.insert(
                    &seq.to_be_bytes(),
                    encode_as(&self.codec, Kind::Audit, &entry),
                )?;
                if let Some(draft) = mail {
                    let seq = next_counter(meta, "next_outbox")?;
                    let entry = outbox_entry(draft, seq, draft.submission);
                    outbox.insert(
                        &seq.to_be_bytes(),
                        encode_as(&self.codec, Kind::Outbox, &entry),
                    )?;
                }
                Ok(())
            })
            .map_err(tx_err)
    }

    /// Queues a message on its own (a digest).
    pub fn enqueue(&self, draft: &OutboxDraft) -> Result<OutboxEntry> {
        (&self.outbox, &self.meta)
            .transaction(|(outbox, meta)| {
                let seq = next_counter(meta, "next_outbox")?;
                let entry = outbox_entry(draft, seq, draft.submission);
                outbox.insert(
                    &seq.to_be_bytes(),
                    encode_as(&self.codec, Kind::Outbox, &entry),
                )?;
                Ok(entry)
            })
            .map_err(tx_err)
    }

    /// Every message in the outbox, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        self.outbox
            .iter()
            .values()
            .map(|v| decode(&self.codec, "outbox entry", &v.map_err(store_err)?))
            .collect()
    }

    /// Records a delivery attempt's outcome.
    pub fn update_outbox(&self, entry: &OutboxEntry) -> Result<()> {
        self.outbox
            .insert(
                entry.seq.to_be_bytes(),
                encode_as(&self.codec, Kind::Outbox, entry),
            )
            .map_err(store_err)?;
        Ok(())
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

    /// The sender rules, in pattern order.
    pub fn sender_rules(&self) -> Result<Vec<SenderRule>> {
        self.sender_rules
            .iter()
            .values()
            .map(|v| decode(&self.codec, "sender rule", &v.map_err(store_err)?))
            .collect()
    }

    /// Adds or replaces a sender rule, with its audit entry, in one transaction.
    pub fn put_sender_rule(&self, rule: &SenderRule) -> Result<()> {
        (&self.sender_rules, &self.audit, &self.meta)
            .transaction(|(rules, audit, meta)| {
                rules.insert(rule.pattern.as_bytes(), encode(rule))?;
                let seq = next_counter(meta, "next_audit")?;
                let entry = AuditEntry {
                    v: RECORD_VERSION,
                    seq,
                    at: rule.at,
                    submission: None,
                    target: Some(rule.pattern.clone()),
                    actor: rule.by.clone(),
                    action: format!("sender-{}", rule.policy),
                    from: None,
                    to: None,
                    reason: rule.reason.clone(),
                };
                audit.insert(
                    &seq.to_be_bytes(),
                    encode_as(&self.codec, Kind::Audit, &entry),
                )?;
                Ok(())
            })
            .map_err(tx_err)
    }

    /// Removes a sender rule (audited); returns whether it existed.
    pub fn remove_sender_rule(
        &self,
        pattern: &str,
        actor: &str,
        at: jiff::Timestamp,
    ) -> Result<bool> {
        (&self.sender_rules, &self.audit, &self.meta)
            .transaction(|(rules, audit, meta)| {
                if rules.remove(pattern.as_bytes())?.is_none() {
                    return Ok(false);
                }
                let seq = next_counter(meta, "next_audit")?;
                let entry = AuditEntry {
                    v: RECORD_VERSION,
                    seq,
                    at,
                    submission: None,
                    target: Some(pattern.to_string()),
                    actor: actor.to_string(),
                    action: "sender-remove".into(),
                    from: None,
                    to: None,
                    reason: None,
                };
                audit.insert(
                    &seq.to_be_bytes(),
                    encode_as(&self.codec, Kind::Audit, &entry),
                )?;
                Ok(true)
            })
            .map_err(tx_err)
    }

    /// The submission with this id.
    pub fn get(&self, id: SubmissionId) -> Result<Submission> {
        let bytes = self
            .submissions
            .get(key(id))
            .map_err(store_err)?
            .ok_or(Error::NoSuchSubmission(id.0))?;
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

    /// The last id given to a submission (0 for none).
    fn last_id(&self) -> Result<u64> {
        Ok(self.meta_u64("next_id")?.map_or(0, |next| next - 1))
    }

    /// Every arrival up to this id is indexed unless marked; every later one is not.
    fn indexed_through(&self) -> Result<u64> {
        Ok(self.meta_u64(INDEXED_THROUGH)?.unwrap_or(0))
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

    /// Marks these ids as needing (re)indexing.
    pub fn mark_unindexed(&self, ids: &[SubmissionId]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for id in ids {
            batch.insert(&key(*id), &[]);
        }
        self.unindexed.apply_batch(batch).map_err(store_err)
    }

    /// Listing rows of the submissions in `state`, or in every state, in arrival order,
    /// newest first if asked. A row is a record with only what a queue shows and filters
    /// on (state, dates, language, question, author, subject, flag kinds, reason,
    /// approvals); everything else is empty.
    pub fn listing(
        &self,
        state: Option<State>,
        newest_first: bool,
    ) -> Box<dyn Iterator<Item = Result<Submission>> + '_> {
        let rows = match state {
            Some(state) => self.listing.scan_prefix([state_byte(state)]),
            None => self.listing.iter(),
        };
        let decode_row = |item: sled::Result<(sled::IVec, sled::IVec)>| {
            let (_, v) = item.map_err(store_err)?;
            decode::<ListingRow>(&self.codec, "listing row", &v).map(ListingRow::into_submission)
        };
        if newest_first {
            Box::new(rows.rev().map(decode_row))
        } else {
            Box::new(rows.map(decode_row))
        }
    }

    /// How many submissions are in `state` (kept as a count, not counted).
    pub fn count_in_state(&self, state: State) -> Result<u64> {
        Ok(self.meta_u64(&count_key(state))?.unwrap_or(0))
    }

    /// Rebuilds the listing and the per-state counts from the records (format upgrades).
    fn rebuild_listing(&self) -> Result<()> {
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

    /// Writes an oversize raw message to the spool under a temporary name, durably,
    /// before its record is stored; [`Store::rename_spooled`] gives it its final name.
    pub fn spool_raw(&self, name: &str, reader: &mut dyn std::io::Read) -> Result<u64> {
        let path = spool_path(&self.dir, name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("creating", parent, e))?;
        }
        let tmp = path.with_extension("tmp");
        let mut file = std::fs::File::create(&tmp).map_err(|e| Error::io("creating", &tmp, e))?;
        let n = std::io::copy(reader, &mut file).map_err(|e| Error::io("writing", &tmp, e))?;
        file.sync_all().map_err(|e| Error::io("syncing", &tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io("renaming", &tmp, e))?;
        Ok(n)
    }

    /// Gives a spooled message its final, content-addressed name (its sha256).
    pub fn rename_spooled(&self, name: &str, sha256: &str) -> Result<()> {
        let from = spool_path(&self.dir, name);
        let to = spool_path(&self.dir, sha256);
        std::fs::rename(&from, &to).map_err(|e| Error::io("renaming", &from, e))?;
        if let Some(dir) = to.parent()
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Removes a spooled message that turned out to be a duplicate.
    pub fn discard_spooled(&self, name: &str) {
        let _ = std::fs::remove_file(spool_path(&self.dir, name));
    }

    /// The data directory's store folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn spool_path(store_dir: &Path, sha256: &str) -> PathBuf {
    store_dir
        .parent()
        .unwrap_or(store_dir)
        .join("spool")
        .join(format!("{sha256}.eml"))
}

/// The `meta` key of the arrivals' indexing watermark (see [`Store::unindexed`]).
const INDEXED_THROUGH: &str = "indexed_through";

/// Takes the next number of a sequence that starts at 1 (ids, audit and outbox numbers).
fn next_counter(meta: &TransactionalTree, name: &str) -> Abortable<u64> {
    next_counter_from(meta, name, 1)
}

/// Returns the counter's value (`initial` when unset) and stores it plus one.
fn next_counter_from(meta: &TransactionalTree, name: &str, initial: u64) -> Abortable<u64> {
    let current = meta
        .get(name.as_bytes())?
        .and_then(|b| b.as_ref().try_into().ok())
        .map(u64::from_be_bytes)
        .unwrap_or(initial);
    meta.insert(name.as_bytes(), &(current + 1).to_be_bytes())?;
    Ok(current)
}

/// A listing key: state, arrival time, id, so that a state's rows come in arrival order.
fn listing_key(s: &Submission) -> [u8; 17] {
    let mut k = [0u8; 17];
    k[0] = state_byte(s.state);
    // Flipping the sign bit makes the big-endian bytes sort like the signed number.
    let micros = (s.received.as_microsecond() as u64) ^ (1 << 63);
    k[1..9].copy_from_slice(&micros.to_be_bytes());
    k[9..].copy_from_slice(&s.id.0.to_be_bytes());
    k
}

fn state_byte(state: State) -> u8 {
    match state {
        State::Pending => 0,
        State::Approved => 1,
        State::Rejected => 2,
        State::Ignored => 3,
        State::Quarantined => 4,
    }
}

/// A row of the listing: what a queue shows of a record and filters on (state, arrival
/// and date, language, question, author, subject, flag kinds, reason, approvals), empty
/// fields left out, so that a row is small and decodes in a fraction of a record's time.
#[derive(Serialize, serde::Deserialize)]
struct ListingRow {
    v: u32,
    id: SubmissionId,
    state: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    received: jiff::Timestamp,
    subject: String,
    author: crate::model::Author,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    date: Option<jiff::Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lang: Option<Lang>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    question: Option<crate::model::QuestionRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    flags: Vec<crate::model::FlagKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    approvals: Vec<crate::model::Approval>,
}

fn listing_row(s: &Submission) -> ListingRow {
    ListingRow {
        v: s.v,
        id: s.id,
        state: s.state,
        reason: s.reason.clone(),
        received: s.received,
        subject: s.subject.clone(),
        author: s.author.clone(),
        date: s.headers.date,
        lang: s.lang,
        question: s.question.clone(),
        flags: s.flags.iter().map(|f| f.kind).collect(),
        approvals: s.approvals.clone(),
    }
}

impl ListingRow {
    /// The row as a record with everything the listing does not keep left empty.
    fn into_submission(self) -> Submission {
        Submission {
            v: self.v,
            id: self.id,
            state: self.state,
            reason: self.reason,
            received: self.received,
            origin: crate::model::Origin::default(),
            subject: self.subject,
            author: self.author,
            headers: crate::model::MailHeaders {
                date: self.date,
                ..Default::default()
            },
            lang: self.lang,
            lang_confidence: 0.0,
            other_langs: Vec::new(),
            question: self.question,
            routed_by: None,
            objectives: Vec::new(),
            body: String::new(),
            quoted: String::new(),
            signature: String::new(),
            body_source: String::new(),
            attachments: Vec::new(),
            flags: self
                .flags
                .into_iter()
                .map(|kind| Flag::new(kind, ""))
                .collect(),
            raw_sha256: String::new(),
            raw_size: 0,
            duplicates: 0,
            approvals: self.approvals,
            decision: None,
            revisions: Vec::new(),
        }
    }
}

fn count_key(state: State) -> String {
    format!("count:{}", state.as_str())
}

/// Adds `delta` to the number of submissions in `state`.
fn add_to_count(meta: &TransactionalTree, state: State, delta: i64) -> Abortable<()> {
    let name = count_key(state);
    let current = meta
        .get(name.as_bytes())?
        .and_then(|b| b.as_ref().try_into().ok())
        .map(u64::from_be_bytes)
        .unwrap_or(0);
    let next = current.saturating_add_signed(delta);
    meta.insert(name.as_bytes(), &next.to_be_bytes())?;
    Ok(())
}

/// The trees an arrival writes, inside one transaction.
struct ArrivalTrees<'a> {
    submissions: &'a TransactionalTree,
    raw_refs: &'a TransactionalTree,
    blob_refs: &'a TransactionalTree,
    audit: &'a TransactionalTree,
    listing: &'a TransactionalTree,
    meta: &'a TransactionalTree,
    outbox: &'a TransactionalTree,
}

/// The dedupe keys a new submission may look up (see [`Store::insert_in`]).
fn keys_looked_up(new: &NewSubmission) -> Vec<(KeyTree, Vec<u8>)> {
    let mut keys = vec![(
        KeyTree::ByRaw,
        new.submission.raw_sha256.clone().into_bytes(),
    )];
    for mid in [&new.dedupe_message_id, &new.submission.headers.message_id]
        .into_iter()
        .flatten()
    {
        keys.push((KeyTree::ByMessageId, mid.clone().into_bytes()));
    }
    if let Some(ck) = &new.content_key {
        keys.push((KeyTree::ByContent, ck.clone().into_bytes()));
    }
    keys.push((
        KeyTree::Senders,
        new.submission.author.address.clone().into_bytes(),
    ));
    if let Some(ack) = &new.ack {
        keys.push((KeyTree::AckTimes, ack.draft.to.join(",").into_bytes()));
    }
    keys
}

/// The dedupe keys as an arriving batch sees them: its own writes, then the values read
/// before its transaction (of batches not applied yet, else of the keys database).
struct KeyView<'a> {
    before: &'a std::collections::HashMap<(KeyTree, Vec<u8>), Option<Vec<u8>>>,
    written: &'a std::cell::RefCell<KeyWrites>,
}

impl KeyView<'_> {
    fn get(&self, tree: KeyTree, key: &[u8]) -> Abortable<Option<Vec<u8>>> {
        if let Some(v) = self.written.borrow().get(tree, key) {
            return Ok(Some(v.to_vec()));
        }
        match self.before.get(&(tree, key.to_vec())) {
            Some(v) => Ok(v.clone()),
            None => Err(Abort(Error::Store(format!(
                "the dedupe key {:?} in {} was not read before the batch (a bug: please report it)",
                String::from_utf8_lossy(key),
                tree.name()
            )))),
        }
    }

    fn set(&self, tree: KeyTree, key: &[u8], value: &[u8]) {
        self.written.borrow_mut().set(tree, key, value);
    }
}

/// Key writes journalled by committed batches, not yet applied to the keys database.
#[derive(Default)]
struct PendingKeys {
    writes: KeyWrites,
    /// The last of those batches' journal entry.
    through: u64,
}

/// The bytes of the files under `dir` (0 if it does not exist).
pub(super) fn dir_bytes(dir: &Path) -> u64 {
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

/// A journal entry's sequence number.
fn journal_seq(key: &[u8]) -> Result<u64> {
    key.try_into()
        .map(u64::from_be_bytes)
        .map_err(|_| Error::Corrupt {
            key: format!("{key:?}"),
            message: "a key journal entry's key is not 8 bytes".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Author, MailHeaders};

    fn arrival(n: u32, message_id: &str) -> NewSubmission {
        NewSubmission {
            submission: Submission {
                v: RECORD_VERSION,
                id: SubmissionId(0),
                state: State::Pending,
                reason: None,
                received: jiff::Timestamp::UNIX_EPOCH,
                origin: crate::model::Origin {
                    source: "test".into(),
                    location: format!("m{n}"),
                },
                subject: format!("S{n}"),
                author: Author {
                    name: "A".into(),
                    address: "a@x.org".into(),
                    affiliation: None,
                },
                headers: MailHeaders {
                    message_id: Some(message_id.into()),
                    ..MailHeaders::default()
                },
                lang: Some(Lang::En),
                lang_confidence: 1.0,
                other_langs: vec![],
                question: None,
                routed_by: None,
                objectives: vec![],
                body: format!("text {n}"),
                quoted: String::new(),
                signature: String::new(),
                body_source: "text/plain".into(),
                attachments: vec![],
                flags: vec![],
                raw_sha256: format!("sha-{n}"),
                raw_size: 1,
                duplicates: 0,
                approvals: vec![],
                decision: None,
                revisions: vec![],
            },
            raw: None,
            blobs: vec![],
            dedupe_message_id: Some(message_id.into()),
            content_key: Some(format!("content-{n}")),
            first_time_flag: Some(Flag::new(crate::model::FlagKind::FirstTimeSender, "first")),
            actor: "test".into(),
            ack: None,
        }
    }

    fn outcome(stored: &[Stored]) -> Vec<String> {
        stored
            .iter()
            .map(|s| match s {
                Stored::Inserted(r) => format!("new {} flags {}", r.id, r.flags.len()),
                Stored::Duplicate(d) => format!("{d:?}"),
            })
            .collect()
    }

    #[test]
    fn batches_see_the_keys_of_batches_not_flushed_yet_and_of_a_journal_left_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), Duration::from_secs(1)).expect("open");
        let first = store.insert_batch(&[arrival(1, "<a@x>")]).expect("first");
        assert_eq!(outcome(&first), ["new 1 flags 1"], "a first-time sender");
        // Not flushed: the keys are only in the journal and in memory.
        let second = store
            .insert_batch(&[
                arrival(1, "<a@x>"),
                arrival(2, "<a@x>"),
                arrival(3, "<c@x>"),
            ])
            .expect("second");
        assert_eq!(
            outcome(&second),
            [
                "SameBytes(SubmissionId(1))",
                "SameMessageId(SubmissionId(1))",
                "new 2 flags 0",
            ],
            "the second batch knows the first's bytes, Message-ID and sender"
        );
        assert_eq!(
            store.find_same_bytes("sha-3").expect("lookup"),
            Some(SubmissionId(2))
        );
        // Durable records, keys not applied: what a crash between the two flushes leaves.
        store.db.flush().expect("flush the records only");
        drop(store);
        let store = Store::open(dir.path(), Duration::from_secs(1)).expect("reopen");
        assert_eq!(store.key_journal.len(), 2, "both batches journalled");
        assert_eq!(
            store.find_same_bytes("sha-3").expect("lookup"),
            Some(SubmissionId(2))
        );
        assert_eq!(
            store.key_journal.len(),
            0,
            "applied on opening the keys, then cleared"
        );
        let third = store.insert_batch(&[arrival(4, "<c@x>")]).expect("third");
        assert_eq!(outcome(&third), ["SameMessageId(SubmissionId(2))"]);
        store.flush().expect("flush");
        assert_eq!(
            store.key_journal.len(),
            0,
            "a flush applies and clears the journal"
        );
        assert_eq!(
            store.keys().expect("keys").applied_through().expect("read"),
            3,
            "three batches applied"
        );
    }

    #[test]
    fn a_newer_format_is_refused_and_names_the_fix() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), Duration::from_secs(1)).expect("open");
        store
            .meta
            .insert("format", &(STORE_FORMAT + 1).to_be_bytes())
            .expect("write");
        store.flush().expect("flush");
        drop(store);
        let err = Store::open(dir.path(), Duration::from_secs(1))
            .err()
            .expect("refused");
        assert!(matches!(err, Error::NewerFormat { .. }), "{err}");
        assert!(err.to_string().contains("upgrade hubmail"), "{err}");
    }

    #[test]
    fn a_second_opener_waits_then_reports_who_holds_the_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = Store::open(dir.path(), Duration::from_secs(1)).expect("open");
        let started = std::time::Instant::now();
        let err = Store::open(dir.path(), Duration::from_millis(300))
            .err()
            .expect("the store is held");
        assert!(started.elapsed() >= Duration::from_millis(300), "it waited");
        assert!(matches!(err, Error::StoreBusy { .. }), "{err}");
        assert!(
            err.to_string()
                .contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        drop(first);
        Store::open(dir.path(), Duration::from_secs(5)).expect("free again after close");
    }
}
