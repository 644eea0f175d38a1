//! The outbox: mail queued in the same transaction as the event it tells of, then
//! updated with each delivery attempt. What a message says is `notify`'s business; the
//! store only numbers it.

use sled::transaction::{Transactional, TransactionalTree};

use super::Store;
use super::codec::{Codec, Kind};
use super::encoding::{Abortable, decode, encode_as, next_counter, store_err, tx_err};
use crate::Result;
use crate::model::{OutboxEntry, SubmissionId};

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
}
