//! Sender rules (trust, ban), each change written with its audit entry.

use sled::transaction::Transactional;

use super::encoding::{decode, encode, store_err, tx_err};
use super::{Store, audit_entry};
use crate::Result;
use crate::model::{AuditEntry, RECORD_VERSION, SenderRule};

impl Store {
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
                audit_entry(&self.codec, (audit, meta), |seq| AuditEntry {
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
                })?;
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
                audit_entry(&self.codec, (audit, meta), |seq| AuditEntry {
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
                })?;
                Ok(true)
            })
            .map_err(tx_err)
    }
}
