//! Arrivals: a batch of new submissions written in one transaction, each with its raw
//! bytes' reference, attachments, listing row, audit entry, acknowledgement and dedupe
//! keys; copies of stored mail are recognised inside it and counted on the original.

use sled::transaction::ConflictableTransactionError::{self, Abort};
use sled::transaction::{Transactional, TransactionalTree};

use super::codec::Kind;
use super::encoding::{
    Abortable, decode, encode, encode_as, encode_bytes, id_from, key, next_counter,
    next_counter_from, store_err, tx_err,
};
use super::keys::{KeyTree, KeyWrites};
use super::listing::{count_key, listing_key};
use super::outbox::{Outgoing, queue};
use super::{Frame, Store, audit_entry};
use crate::model::{AuditEntry, Flag, RECORD_VERSION, Submission, SubmissionId};
use crate::{Error, Result};

/// A submission ready to be written, with everything that goes in the same transaction.
#[derive(Debug)]
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
    pub ack: Option<Ack>,
}

/// An acknowledgement, sent at most once per recipient per interval.
#[derive(Debug)]
pub struct Ack {
    /// The message (`notify` drafts it; the store numbers it).
    pub mail: Box<dyn Outgoing>,
    /// Whom the interval counts for (the recipient's address).
    pub throttle_key: String,
    /// No acknowledgement if the recipient got one less than this many seconds ago.
    pub min_interval_secs: i64,
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

impl Store {
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
    pub(super) fn insert_in(
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
        self.link_to_parent(t, keys, &mut record)?;
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
        audit_entry(&self.codec, (t.audit, t.meta), |seq| AuditEntry {
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
        })?;
        if let Some(ack) = &new.ack {
            let to = ack.throttle_key.as_bytes();
            let recent = keys
                .get(KeyTree::AckTimes, to)?
                .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
                .map(i64::from_be_bytes)
                .is_some_and(|last| now.as_second() - last < ack.min_interval_secs);
            if !recent {
                queue(&self.codec, (t.outbox, t.meta), ack.mail.as_ref(), Some(id))?;
                keys.set(KeyTree::AckTimes, to, &now.as_second().to_be_bytes());
            }
        }
        Ok(Stored::Inserted(Box::new(record)))
    }
}

impl Store {
    /// Links a reply to the earlier contribution it answers (the first of its In-Reply-To,
    /// then its References from the newest, that the store holds) and, when it names no
    /// question of its own, routes it where that one went.
    fn link_to_parent(
        &self,
        t: &ArrivalTrees<'_>,
        keys: &KeyView<'_>,
        record: &mut Submission,
    ) -> Abortable<()> {
        let replied_to: Vec<String> = reply_ids(record).cloned().collect();
        for mid in replied_to {
            let Some(bytes) = keys.get(KeyTree::ByMessageId, mid.as_bytes())? else {
                continue;
            };
            let parent = id_from(&bytes).map_err(Abort)?;
            if parent == record.id {
                continue;
            }
            record.parent = Some(parent);
            if record.question.is_none()
                && let Some(bytes) = t.submissions.get(key(parent))?
            {
                let earlier: Submission =
                    decode(&self.codec, &format!("submission {parent}"), &bytes).map_err(Abort)?;
                if let Some(q) = earlier.question {
                    let why = record.routed_by.take();
                    record.question = Some(q);
                    record.routed_by = Some(match why {
                        Some(why) => {
                            format!("a reply to #{parent} <{mid}>, where that one went ({why})")
                        }
                        None => format!("a reply to #{parent} <{mid}>, where that one went"),
                    });
                }
            }
            return Ok(());
        }
        Ok(())
    }
}

/// How many of a message's References are looked up for the contribution it replies to:
/// the newest, which name its parent; a hostile header with thousands costs nothing more.
const REFERENCES_LOOKED_UP: usize = 20;

/// The Message-IDs a submission replies to, nearest first.
fn reply_ids(s: &Submission) -> impl Iterator<Item = &String> {
    s.headers
        .in_reply_to
        .iter()
        .take(REFERENCES_LOOKED_UP)
        .chain(s.headers.references.iter().rev().take(REFERENCES_LOOKED_UP))
}

/// The trees an arrival writes, inside one transaction.
pub(super) struct ArrivalTrees<'a> {
    submissions: &'a TransactionalTree,
    raw_refs: &'a TransactionalTree,
    blob_refs: &'a TransactionalTree,
    audit: &'a TransactionalTree,
    listing: &'a TransactionalTree,
    meta: &'a TransactionalTree,
    outbox: &'a TransactionalTree,
}

/// The dedupe keys a new submission may look up (see [`Store::insert_in`]).
pub(super) fn keys_looked_up(new: &NewSubmission) -> Vec<(KeyTree, Vec<u8>)> {
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
    for mid in reply_ids(&new.submission) {
        keys.push((KeyTree::ByMessageId, mid.clone().into_bytes()));
    }
    keys.push((
        KeyTree::Senders,
        new.submission.author.address.clone().into_bytes(),
    ));
    if let Some(ack) = &new.ack {
        keys.push((KeyTree::AckTimes, ack.throttle_key.clone().into_bytes()));
    }
    keys
}

/// The dedupe keys as an arriving batch sees them: its own writes, then the values read
/// before its transaction (of batches not applied yet, else of the keys database).
pub(super) struct KeyView<'a> {
    before: &'a std::collections::HashMap<(KeyTree, Vec<u8>), Option<Vec<u8>>>,
    written: &'a std::cell::RefCell<KeyWrites>,
}

impl KeyView<'_> {
    pub(super) fn get(&self, tree: KeyTree, key: &[u8]) -> Abortable<Option<Vec<u8>>> {
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

    pub(super) fn set(&self, tree: KeyTree, key: &[u8], value: &[u8]) {
        self.written.borrow_mut().set(tree, key, value);
    }
}
