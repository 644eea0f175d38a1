//! Changes to a stored submission (decisions, edits, assignments): record, audit entry,
//! listing row, index mark and mail in one transaction, refused when the record changed
//! since it was read.

use sled::transaction::{ConflictableTransactionError, Transactional};

use sled::transaction::TransactionalTree;

use super::codec::{Codec, Kind};
use super::encoding::{Abortable, decode, encode_as, key, tx_err};
use super::listing::{add_to_count, listing_key};
use super::outbox::{Outgoing, queue};
use super::{Store, audit_entry};
use crate::model::{
    AuditEntry, MailKind, OutboxEntry, OutboxStatus, RECORD_VERSION, Submission, SubmissionId,
};
use crate::{Error, Result};

/// One record's change, for [`Store::replace_all`].
pub struct Change<'a> {
    /// The record as it was read.
    pub before: &'a Submission,
    /// The record to write.
    pub after: &'a Submission,
    /// Its audit entry.
    pub audit: AuditDraft,
    /// The contributor's notice, if any.
    pub mail: Option<&'a dyn Outgoing>,
}

/// The trees a change writes: submissions, audit, unindexed, meta, outbox, listing.
type ChangedTrees<'t> = (
    &'t TransactionalTree,
    &'t TransactionalTree,
    &'t TransactionalTree,
    &'t TransactionalTree,
    &'t TransactionalTree,
    &'t TransactionalTree,
);

impl Store {
    /// Replaces a submission's record with `after`, appends the audit entry and marks it
    /// for re-indexing, in one transaction, but only if the stored record still equals
    /// `before`: when another process changed it meanwhile, nothing is written and the
    /// error says what the submission is now.
    pub fn replace(
        &self,
        before: &Submission,
        after: &Submission,
        audit: &AuditDraft,
        mail: Option<&dyn Outgoing>,
    ) -> Result<()> {
        self.replace_all(&[Change {
            before,
            after,
            audit: audit.clone(),
            mail,
        }])
    }

    /// [`Store::replace`] for several records at once (the versions of one contribution
    /// in several languages, decided together): all are written, or none.
    pub fn replace_all(&self, changes: &[Change<'_>]) -> Result<()> {
        let expected: Vec<Vec<u8>> = changes
            .iter()
            .map(|c| encode_as(&self.codec, Kind::Record, c.before))
            .collect();
        (
            &self.submissions,
            &self.audit,
            &self.unindexed,
            &self.meta,
            &self.outbox,
            &self.listing,
        )
            .transaction(|(subs, audit_tree, unindexed, meta, outbox, listing)| {
                for (change, expected) in changes.iter().zip(&expected) {
                    self.replace_one(
                        change,
                        expected,
                        (subs, audit_tree, unindexed, meta, outbox, listing),
                    )?;
                }
                Ok(())
            })
            .map_err(tx_err)
    }

    fn replace_one(
        &self,
        change: &Change<'_>,
        expected: &[u8],
        (subs, audit_tree, unindexed, meta, outbox, listing): ChangedTrees<'_>,
    ) -> Abortable<()> {
        let Change {
            before,
            after,
            audit,
            mail,
        } = change;
        let k = key(before.id);
        let current = subs.get(k)?.ok_or(ConflictableTransactionError::Abort(
            Error::NoSuchSubmission(before.id.0),
        ))?;
        // Compare records, not bytes: a record written by an older format reads
        // equal to `before` but encodes differently.
        if current.as_ref() != expected {
            let now: Submission =
                decode(&self.codec, &format!("submission {}", before.id), &current)
                    .map_err(ConflictableTransactionError::Abort)?;
            if now != **before {
                return Err(ConflictableTransactionError::Abort(Error::Refused(
                    conflict_message(&now),
                )));
            }
        }
        subs.insert(&k, encode_as(&self.codec, Kind::Record, *after))?;
        unindexed.insert(&k, &[])?;
        listing.remove(&listing_key(before))?;
        listing.insert(&listing_key(after), self.row(after))?;
        if before.state != after.state {
            add_to_count(meta, before.state, -1)?;
            add_to_count(meta, after.state, 1)?;
        }
        audit_entry(&self.codec, (audit_tree, meta), |seq| AuditEntry {
            v: RECORD_VERSION,
            seq,
            at: audit.at,
            submission: Some(before.id),
            target: None,
            actor: audit.actor.clone(),
            action: audit.action.clone(),
            from: Some(before.state),
            to: Some(after.state),
            reason: audit.reason.clone(),
        })?;
        if before.state != after.state {
            cancel_superseded(&self.codec, (outbox, meta), before.id, audit)?;
        }
        if let Some(mail) = mail {
            let entry = queue(&self.codec, (outbox, meta), *mail, Some(before.id))?;
            if matches!(entry.kind, MailKind::Approved | MailKind::Rejected) {
                meta.insert(notice_key(before.id).as_bytes(), &entry.seq.to_be_bytes())?;
            }
        }
        Ok(())
    }
}

/// Where the latest decision notice of a submission is in the outbox (`meta`).
fn notice_key(id: SubmissionId) -> String {
    format!("notice:{}", id.0)
}

/// Cancels the submission's decision notice if it is still waiting (its undo window, or
/// a delivery not yet accepted): the decision it told of is being replaced, and the
/// contributor must not hear of an outcome that no longer holds.
fn cancel_superseded(
    codec: &Codec,
    (outbox, meta): (&TransactionalTree, &TransactionalTree),
    id: SubmissionId,
    audit: &AuditDraft,
) -> Abortable<()> {
    let Some(seq) = meta.get(notice_key(id).as_bytes())? else {
        return Ok(());
    };
    meta.remove(notice_key(id).as_bytes())?;
    let Some(bytes) = outbox.get(&seq)? else {
        return Ok(());
    };
    let mut entry: OutboxEntry =
        decode(codec, "outbox entry", &bytes).map_err(ConflictableTransactionError::Abort)?;
    if entry.status != OutboxStatus::Pending {
        return Ok(());
    }
    entry.status = OutboxStatus::Cancelled;
    entry.cancelled = Some(format!(
        "superseded before it was sent: {} by {} at {}",
        audit.action,
        audit.actor,
        audit.at.strftime("%Y-%m-%d %H:%M:%S UTC")
    ));
    outbox.insert(&seq, encode_as(codec, Kind::Outbox, &entry))?;
    Ok(())
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
pub(super) fn conflict_message(now: &Submission) -> String {
    // Who changed it last: the latest of its decision and its last edit.
    let decided = now
        .decision
        .as_ref()
        .map(|d| (d.at, "", d.moderator.as_str()));
    let edited = now
        .revisions
        .last()
        .map(|r| (r.replaced_at, "edited ", r.replaced_by.as_str()));
    let by = match (decided, edited) {
        (Some(d), Some(e)) => Some(if e.0 > d.0 { e } else { d }),
        (d, e) => d.or(e),
    }
    .map(|(at, how, who)| {
        format!(
            " ({how}by {who} at {})",
            at.strftime("%Y-%m-%d %H:%M:%S UTC")
        )
    })
    .unwrap_or_default();
    format!(
        "submission {} changed while you were deciding: it is now {}{by}; nothing was changed by you — 'hubmail show {}' shows it as it is",
        now.id, now.state, now.id
    )
}
