//! The outbox: mail queued in the same transaction as the event it tells of, then
//! updated with each delivery attempt. What a message says is `notify`'s business; the
//! store only numbers it.

use sled::transaction::{Transactional, TransactionalTree};

use sled::transaction::ConflictableTransactionError::Abort;

use super::codec::{Codec, Kind};
use super::encoding::{Abortable, decode, encode_as, next_counter, store_err, tx_err};
use super::{Store, audit_entry};
use crate::model::{AuditEntry, MailKind, OutboxEntry, OutboxStatus, RECORD_VERSION, SubmissionId};
use crate::{Error, Result};

/// A message the store queues with a change: `notify` says what it is, the store gives it
/// its number inside the change's transaction.
pub trait Outgoing: std::fmt::Debug + Send + Sync {
    /// The outbox entry this message is as number `seq`, about `submission` (for an
    /// acknowledgement, the id the arrival was just given).
    fn numbered(&self, seq: u64, submission: Option<SubmissionId>) -> OutboxEntry;
}

/// Numbers `mail` from the `next_outbox` counter and queues it, inside a transaction.
pub(super) fn queue(
    codec: &Codec,
    (outbox, meta): (&TransactionalTree, &TransactionalTree),
    mail: &dyn Outgoing,
    submission: Option<SubmissionId>,
) -> Abortable<OutboxEntry> {
    let seq = next_counter(meta, "next_outbox")?;
    let entry = mail.numbered(seq, submission);
    outbox.insert(&seq.to_be_bytes(), encode_as(codec, Kind::Outbox, &entry))?;
    Ok(entry)
}

impl Store {
    /// Queues a message on its own (a digest).
    pub fn enqueue(&self, mail: &dyn Outgoing) -> Result<OutboxEntry> {
        (&self.outbox, &self.meta)
            .transaction(|(outbox, meta)| queue(&self.codec, (outbox, meta), mail, None))
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

    /// Cancels a message that is still waiting, with an audit entry, in one transaction;
    /// refused when it was sent, failed or cancelled already.
    pub fn cancel_outbox(
        &self,
        seq: u64,
        actor: &str,
        reason: Option<&str>,
        at: jiff::Timestamp,
    ) -> Result<OutboxEntry> {
        (&self.outbox, &self.audit, &self.meta)
            .transaction(|(outbox, audit, meta)| {
                let Some(bytes) = outbox.get(seq.to_be_bytes())? else {
                    return Err(Abort(Error::Input(format!(
                        "no outbox message {seq}: 'hubmail outbox --all' lists them"
                    ))));
                };
                let mut entry: OutboxEntry =
                    decode(&self.codec, "outbox entry", &bytes).map_err(Abort)?;
                if entry.status != OutboxStatus::Pending {
                    return Err(Abort(Error::Refused(format!(
                        "outbox message {seq} is {}: only a message still waiting can be cancelled",
                        entry.status.as_str()
                    ))));
                }
                entry.status = OutboxStatus::Cancelled;
                entry.cancelled = Some(match reason {
                    Some(r) => format!("cancelled by {actor}: {r}"),
                    None => format!("cancelled by {actor}"),
                });
                outbox.insert(
                    &seq.to_be_bytes(),
                    encode_as(&self.codec, Kind::Outbox, &entry),
                )?;
                audit_entry(&self.codec, (audit, meta), |n| AuditEntry {
                    v: RECORD_VERSION,
                    seq: n,
                    at,
                    submission: entry.submission,
                    target: Some(format!("outbox #{seq}")),
                    actor: actor.to_string(),
                    action: "outbox-cancel".into(),
                    from: None,
                    to: None,
                    reason: reason.map(str::to_string),
                })?;
                Ok(entry)
            })
            .map_err(tx_err)
    }

    /// Records a delivery attempt's outcome. A decision notice the server accepted becomes,
    /// in the same transaction, what the contributor was last told of their submission
    /// ([`Store::last_told`]).
    pub fn update_outbox(&self, entry: &OutboxEntry) -> Result<()> {
        let told = match (entry.status, entry.kind, entry.submission) {
            (OutboxStatus::Sent, MailKind::Approved | MailKind::Rejected, Some(id)) => Some(id),
            _ => None,
        };
        (&self.outbox, &self.meta)
            .transaction(|(outbox, meta)| {
                outbox.insert(
                    &entry.seq.to_be_bytes(),
                    encode_as(&self.codec, Kind::Outbox, entry),
                )?;
                if let Some(id) = told {
                    meta.insert(told_key(id).as_bytes(), &entry.seq.to_be_bytes())?;
                }
                Ok(())
            })
            .map_err(tx_err)
    }

    /// The last decision notice the contributor of `id` was sent (an approval or a
    /// rejection the server accepted), if any: a later decision that reverses it says so,
    /// one that repeats it sends nothing.
    pub fn last_told(&self, id: SubmissionId) -> Result<Option<OutboxEntry>> {
        let Some(seq) = self.meta.get(told_key(id).as_bytes()).map_err(store_err)? else {
            return Ok(None);
        };
        let Some(bytes) = self.outbox.get(&seq).map_err(store_err)? else {
            return Ok(None);
        };
        decode(&self.codec, "outbox entry", &bytes).map(Some)
    }
}

/// Where the last decision notice sent about a submission is in the outbox (`meta`).
fn told_key(id: SubmissionId) -> String {
    format!("told:{}", id.0)
}
