//! Erasure at a contributor's request: their records, raw mail, attachments, listing
//! rows, outbox entries and dedupe keys go; what the audit trail said of them is
//! blanked; a tombstone (who erased, when, which ids, no personal data) stays.
//!
//! Crash-safe in two steps. One transaction removes everything sled holds and writes an
//! erasure entry listing the work that follows outside sled (pack frames to overwrite,
//! spool files to delete, keys of the keys database to remove); after the flush that work
//! is done, made durable, and the entry's work list is cleared. A crash in between leaves
//! the list, which [`Store::finish_erasures`] completes (every step may run twice).
//!
//! The dedupe key of the raw bytes (`by_raw`: a SHA-256, nothing readable) is kept and
//! points at the erased id, so that reading the same mail again (a mailbox re-read, an
//! mbox backfill run twice) does not bring the person back.

use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError::Abort, Transactional};

use super::codec::Kind;
use super::encoding::{decode, encode, encode_as, id_from, key, next_counter, store_err, tx_err};
use super::keys::KeyTree;
use super::listing::{add_to_count, listing_key};
use super::spool::spool_path;
use super::{PackRef, Store, audit_entry};
use crate::model::{AuditEntry, OutboxEntry, OutboxStatus, RECORD_VERSION, SubmissionId};
use crate::{Error, Result};

/// What is shown instead of erased text in the audit trail.
const ERASED: &str = "[erased]";

/// What to erase, as `forget` decided it from the records.
#[derive(Debug, Clone)]
pub struct ErasureRequest {
    /// The submissions to erase.
    pub ids: Vec<SubmissionId>,
    /// Attachments (by digest) that no submission kept still uses.
    pub blobs: Vec<String>,
    /// Addresses (lower-case) no submission kept comes from: mail to them leaves the
    /// outbox, their sender keys go, and the audit trail's mentions are blanked.
    pub addresses: Vec<String>,
    /// Sender rules to remove (patterns as stored).
    pub sender_rules: Vec<String>,
    /// The moderator.
    pub actor: String,
    /// The moderator's reference for the request (a ticket number); no personal data.
    pub reason: Option<String>,
    /// When.
    pub at: jiff::Timestamp,
}

/// An erasure, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    /// Record format version.
    pub v: u32,
    /// Its number.
    pub seq: u64,
    /// When.
    pub at: jiff::Timestamp,
    /// The moderator.
    pub by: String,
    /// Its tombstone in the audit trail.
    pub audit_seq: u64,
    /// The submissions erased.
    pub ids: Vec<SubmissionId>,
    /// What was removed.
    pub counts: ErasureCounts,
    /// Work outside sled not yet done (none once complete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work: Option<ErasureWork>,
}

/// How much an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureCounts {
    /// Submission records.
    pub records: usize,
    /// Raw messages (in packs or the spool).
    pub raw_messages: usize,
    /// Attachments.
    pub attachments: usize,
    /// Outbox entries removed, and digests that no longer list the submissions.
    pub outbox: usize,
    /// Audit entries whose text was blanked.
    pub audit_blanked: usize,
    /// Sender rules removed.
    pub sender_rules: usize,
    /// Dedupe keys removed (Message-IDs, content keys, sender counts, acknowledgement times).
    #[serde(default)]
    pub keys: usize,
}

/// Work left outside sled after an erasure's transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureWork {
    /// Pack frames to overwrite with zeros.
    pub frames: Vec<PackRef>,
    /// Spooled messages (by digest) to delete.
    pub spooled: Vec<String>,
    /// Addresses whose sender keys go.
    pub addresses: Vec<String>,
}

/// Where a submission went, kept under its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasedMark {
    /// The erasure.
    pub erasure: u64,
    /// When.
    pub at: jiff::Timestamp,
    /// Its tombstone in the audit trail.
    pub audit_seq: u64,
}

fn work_key(seq: u64) -> Vec<u8> {
    let mut k = b"e".to_vec();
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

fn mark_key(id: SubmissionId) -> Vec<u8> {
    let mut k = b"i".to_vec();
    k.extend_from_slice(&key(id));
    k
}

impl Store {
    /// Erases what [`ErasureRequest`] names, durably, and returns the erasure as kept.
    pub fn erase(&self, request: &ErasureRequest) -> Result<Erasure> {
        // Key writes still in the journal must reach the keys database first, so that
        // what is removed there below stays removed.
        self.flush()?;
        let ids: BTreeSet<SubmissionId> = request.ids.iter().copied().collect();
        let addresses: HashSet<String> =
            request.addresses.iter().map(|a| a.to_lowercase()).collect();
        let rules: HashSet<&str> = request.sender_rules.iter().map(String::as_str).collect();

        // sled cannot read outside a transaction while one is open: read first.
        let mut records = Vec::new();
        let mut work = ErasureWork {
            addresses: request.addresses.clone(),
            ..ErasureWork::default()
        };
        for id in &ids {
            let record = self.get(*id)?;
            match self.raw_refs.get(key(*id)).map_err(store_err)? {
                Some(r) => work.frames.push(decode(&self.codec, "raw reference", &r)?),
                None if !self.raw.contains_key(key(*id)).map_err(store_err)? => {
                    work.spooled.push(record.raw_sha256.clone());
                }
                None => {}
            }
            records.push(record);
        }
        for sha in &request.blobs {
            if let Some(r) = self.blob_refs.get(sha.as_bytes()).map_err(store_err)? {
                work.frames
                    .push(decode(&self.codec, "attachment reference", &r)?);
            }
        }
        let outbox = self.outbox_changes(&ids, &addresses)?;
        let audit = self.audit_changes(&ids, &addresses, &rules)?;

        let counts = ErasureCounts {
            records: records.len(),
            raw_messages: records.len(),
            attachments: request.blobs.len(),
            outbox: outbox.len(),
            audit_blanked: audit.len(),
            sender_rules: 0,
            keys: 0,
        };
        let erasure = (
            &self.submissions,
            &self.raw_refs,
            &self.raw,
            &self.blob_refs,
            &self.blobs,
            &self.listing,
            &self.meta,
            &self.audit,
            &self.outbox,
            &self.sender_rules,
            &self.unindexed,
            &self.erasures,
        )
            .transaction(
                |(
                    submissions,
                    raw_refs,
                    raw,
                    blob_refs,
                    blobs,
                    listing,
                    meta,
                    audit_tree,
                    outbox_tree,
                    rules_tree,
                    unindexed,
                    erasures,
                )| {
                    let seq = next_counter(meta, "next_erasure")?;
                    // Until the relayout is done (`relayout.rs`), sled's files still
                    // hold what is removed here.
                    meta.insert(super::relayout::RELAYOUT_DUE, &[])?;
                    for record in &records {
                        let k = key(record.id);
                        if submissions.remove(&k)?.is_none() {
                            return Err(Abort(Error::NoSuchSubmission(record.id.0)));
                        }
                        raw_refs.remove(&k)?;
                        raw.remove(&k)?;
                        listing.remove(&listing_key(record))?;
                        add_to_count(meta, record.state, -1)?;
                        // The index deletes what the store no longer holds.
                        unindexed.insert(&k, &[])?;
                    }
                    for sha in &request.blobs {
                        blob_refs.remove(sha.as_bytes())?;
                        blobs.remove(sha.as_bytes())?;
                    }
                    for (seq, entry) in &outbox {
                        match entry {
                            Some(entry) => {
                                outbox_tree.insert(
                                    &seq.to_be_bytes(),
                                    encode_as(&self.codec, Kind::Outbox, entry),
                                )?;
                            }
                            None => {
                                outbox_tree.remove(&seq.to_be_bytes())?;
                            }
                        }
                    }
                    for entry in &audit {
                        audit_tree.insert(
                            &entry.seq.to_be_bytes(),
                            encode_as(&self.codec, Kind::Audit, entry),
                        )?;
                    }
                    let mut removed_rules = 0;
                    for pattern in &request.sender_rules {
                        if rules_tree.remove(pattern.as_bytes())?.is_some() {
                            removed_rules += 1;
                        }
                    }
                    let mut audit_seq = 0;
                    audit_entry(&self.codec, (audit_tree, meta), |n| {
                        audit_seq = n;
                        AuditEntry {
                            v: RECORD_VERSION,
                            seq: n,
                            at: request.at,
                            submission: None,
                            target: Some(id_list(&request.ids)),
                            actor: request.actor.clone(),
                            action: "forget".into(),
                            from: None,
                            to: None,
                            reason: request.reason.clone(),
                        }
                    })?;
                    let mark = ErasedMark {
                        erasure: seq,
                        at: request.at,
                        audit_seq,
                    };
                    for id in &ids {
                        erasures.insert(mark_key(*id), encode(&mark))?;
                    }
                    let erasure = Erasure {
                        v: RECORD_VERSION,
                        seq,
                        at: request.at,
                        by: request.actor.clone(),
                        audit_seq,
                        ids: ids.iter().copied().collect(),
                        counts: ErasureCounts {
                            sender_rules: removed_rules,
                            ..counts.clone()
                        },
                        work: Some(work.clone()),
                    };
                    erasures.insert(work_key(seq), encode(&erasure))?;
                    Ok(erasure)
                },
            )
            .map_err(tx_err)?;
        self.flush()?;
        crate::crashpoint::hit("after-erasure-records");
        self.finish_erasure(erasure)
    }

    /// Completes the work of erasures a crash interrupted; returns how many.
    pub fn finish_erasures(&self) -> Result<usize> {
        let unfinished: Vec<Erasure> = self
            .erasures()?
            .into_iter()
            .filter(|e| e.work.is_some())
            .collect();
        let n = unfinished.len();
        for erasure in unfinished {
            tracing::info!(
                erasure = erasure.seq,
                "completing an erasure a crash interrupted"
            );
            self.finish_erasure(erasure)?;
        }
        Ok(n)
    }

    /// Every erasure, oldest first.
    pub fn erasures(&self) -> Result<Vec<Erasure>> {
        self.erasures
            .scan_prefix(b"e")
            .values()
            .map(|v| decode(&self.codec, "erasure", &v.map_err(store_err)?))
            .collect()
    }

    /// Whether (and when) the submission with this id was erased.
    pub fn erased(&self, id: SubmissionId) -> Result<Option<ErasedMark>> {
        self.erasures
            .get(mark_key(id))
            .map_err(store_err)?
            .map(|v| decode(&self.codec, "erasure mark", &v))
            .transpose()
    }

    /// Overwrites the pack frames, deletes the spool files and removes the keys, durably,
    /// then clears the erasure's work list.
    fn finish_erasure(&self, mut erasure: Erasure) -> Result<Erasure> {
        let Some(work) = erasure.work.take() else {
            return Ok(erasure);
        };
        {
            let packs = self.packs();
            for frame in &work.frames {
                packs.overwrite(frame)?;
            }
        }
        for sha in &work.spooled {
            let path = spool_path(&self.dir, sha);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("removing", path, e)),
            }
        }
        if !work.spooled.is_empty() {
            let dir = spool_path(&self.dir, "x");
            if let Some(dir) = dir.parent() {
                std::fs::File::open(dir)
                    .and_then(|d| d.sync_all())
                    .map_err(|e| Error::io("syncing", dir, e))?;
            }
        }
        erasure.counts.keys += self.remove_keys(&erasure.ids, &work.addresses)?;
        self.erasures
            .insert(work_key(erasure.seq), encode(&erasure))
            .map_err(store_err)?;
        self.flush()?;
        Ok(erasure)
    }

    /// Removes the dedupe keys that point at `ids` (Message-IDs, content keys) and those
    /// of `addresses` (sender counts, acknowledgement times); the raw bytes' keys stay.
    fn remove_keys(&self, ids: &[SubmissionId], addresses: &[String]) -> Result<usize> {
        let keys = self.keys()?;
        let ids: HashSet<SubmissionId> = ids.iter().copied().collect();
        let mut removed = 0;
        for tree in [KeyTree::ByMessageId, KeyTree::ByContent] {
            removed +=
                keys.remove_where(tree, |_, v| id_from(v).is_ok_and(|id| ids.contains(&id)))?;
        }
        for tree in [KeyTree::Senders, KeyTree::AckTimes] {
            removed += keys.remove_where(tree, |k, _| {
                let k = String::from_utf8_lossy(k).to_lowercase();
                addresses.contains(&k)
            })?;
        }
        keys.flush()?;
        Ok(removed)
    }

    /// Outbox entries to remove (`None`) or rewrite: mail about the submissions or to the
    /// addresses goes; a digest waiting to be sent stops listing the submissions.
    fn outbox_changes(
        &self,
        ids: &BTreeSet<SubmissionId>,
        addresses: &HashSet<String>,
    ) -> Result<Vec<(u64, Option<OutboxEntry>)>> {
        let mut changes = Vec::new();
        for entry in self.outbox()? {
            let about = entry.submission.is_some_and(|id| ids.contains(&id));
            let to = entry
                .to
                .iter()
                .any(|t| addresses.contains(&t.to_lowercase()));
            if about || to {
                changes.push((entry.seq, None));
            } else if entry.status == OutboxStatus::Pending
                && entry.digest.iter().any(|id| ids.contains(id))
            {
                let mut entry = entry;
                entry.digest.retain(|id| !ids.contains(id));
                if entry.digest.is_empty() {
                    changes.push((entry.seq, None));
                } else {
                    changes.push((entry.seq, Some(entry)));
                }
            }
        }
        Ok(changes)
    }

    /// Audit entries to blank: those of the submissions, and those naming an address or
    /// a rule that goes. What happened, who did it and when stay; reasons and targets go.
    fn audit_changes(
        &self,
        ids: &BTreeSet<SubmissionId>,
        addresses: &HashSet<String>,
        rules: &HashSet<&str>,
    ) -> Result<Vec<AuditEntry>> {
        let mut changes = Vec::new();
        for entry in self.audit() {
            let mut entry = entry?;
            let about = entry.submission.is_some_and(|id| ids.contains(&id));
            let names = entry
                .target
                .as_deref()
                .is_some_and(|t| rules.contains(t) || addresses.contains(&t.to_lowercase()))
                || entry.reason.as_deref().is_some_and(|r| {
                    let r = r.to_lowercase();
                    addresses.iter().any(|a| r.contains(a.as_str()))
                });
            if !(about || names) {
                continue;
            }
            let blank = |v: &mut Option<String>| {
                if v.as_deref().is_some_and(|v| v != ERASED) {
                    *v = Some(ERASED.to_string());
                }
            };
            let before = entry.clone();
            blank(&mut entry.reason);
            blank(&mut entry.target);
            if entry != before {
                changes.push(entry);
            }
        }
        Ok(changes)
    }
}

/// "submissions #2, #5, #7".
fn id_list(ids: &[SubmissionId]) -> String {
    if ids.is_empty() {
        return "no submissions (an address only)".into();
    }
    let list: Vec<String> = ids.iter().map(|id| format!("#{}", id.0)).collect();
    format!("submissions {}", list.join(", "))
}
