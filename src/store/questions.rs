//! The discussion questions moderators add, each written with its audit entry.

use sled::transaction::{ConflictableTransactionError, Transactional};

use super::encoding::{decode, encode, store_err, tx_err};
use super::{Store, audit_entry};
use crate::model::{AddedQuestion, AuditEntry, RECORD_VERSION};
use crate::{Error, Result};

/// A question's key: its space, a zero byte, its number (big-endian, so in order).
fn question_key(space: &str, number: u32) -> Vec<u8> {
    let mut k = space.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(&number.to_be_bytes());
    k
}

impl Store {
    /// The questions moderators added, by space and number.
    pub fn added_questions(&self) -> Result<Vec<AddedQuestion>> {
        self.questions
            .iter()
            .values()
            .map(|v| decode(&self.codec, "added question", &v.map_err(store_err)?))
            .collect()
    }

    /// Stores a new question with its audit entry, in one transaction; refused when its
    /// space already has a question with that number (two moderators adding at once).
    pub fn add_question(&self, q: &AddedQuestion) -> Result<()> {
        let key = question_key(&q.space, q.number);
        (&self.questions, &self.audit, &self.meta)
            .transaction(|(questions, audit, meta)| {
                if questions.get(&key)?.is_some() {
                    return Err(ConflictableTransactionError::Abort(Error::Refused(
                        format!(
                            "question {}:{} was added meanwhile; run the command again",
                            q.space, q.number
                        ),
                    )));
                }
                questions.insert(key.as_slice(), encode(q))?;
                audit_entry(&self.codec, (audit, meta), |seq| AuditEntry {
                    v: RECORD_VERSION,
                    seq,
                    at: q.at,
                    submission: q.from,
                    target: Some(format!("{}:{}", q.space, q.number)),
                    actor: q.by.clone(),
                    action: "question-add".into(),
                    from: None,
                    to: None,
                    reason: q.title.values().next().cloned(),
                })?;
                Ok(())
            })
            .map_err(tx_err)
    }
}
