//! Moderation by reply: a moderator answers a notice from their own mailbox, and hubmail
//! decides as if they had typed the command.
//!
//! A reply decides only when three things prove who sent it, all required by default:
//! it comes to the notice's own reply address, whose [`token`] is an HMAC over the
//! moderator, the submission, the revision they were shown and an expiry, with a key kept
//! in the store; its From is that moderator's address; and the trusted server's
//! `Authentication-Results` ([`crate::auth_results`]) say DKIM or DMARC passed for the
//! From domain ([`verify`]). Automatic mail never decides. The [`command`]s are read from
//! the lines the moderator wrote, never from quoted mail.

pub mod command;
pub mod keys;
pub mod token;
pub mod verify;

use serde::{Deserialize, Serialize};

use crate::model::Lang;

/// A moderator who may decide by mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailModerator {
    /// Their name, as the audit trail and `[moderation] moderators` know them.
    pub name: String,
    /// The address their replies come from (and notices go to).
    pub address: String,
    /// The language of their notices and answers (default: English).
    #[serde(default)]
    pub lang: Option<Lang>,
}

/// When moderators are told of a new pending submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeMode {
    /// A notice per submission.
    #[default]
    Each,
    /// The submissions in the moderators' digest, answered in one reply.
    Digest,
}

/// The `[moderation.mail]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailModerationConfig {
    /// Who may decide by reply; none: nobody.
    pub moderators: Vec<MailModerator>,
    /// A notice per submission, or the digest.
    pub notify: NoticeMode,
    /// How many days a notice's token stays good.
    pub token_days: u32,
    /// Whether a reply must be authenticated by the trusted server (DKIM or DMARC pass
    /// for its From domain). Turning it off leaves the token and the sender's address.
    pub require_authentication: bool,
    /// Answers (confirmations, refusals) to one moderator per hour, at most.
    pub answers_per_hour: u32,
}

impl Default for MailModerationConfig {
    fn default() -> Self {
        MailModerationConfig {
            moderators: Vec::new(),
            notify: NoticeMode::Each,
            token_days: 14,
            require_authentication: true,
            answers_per_hour: 30,
        }
    }
}

impl MailModerationConfig {
    /// The moderator at `index`, as a token's holder.
    pub fn holder(&self, index: usize) -> Option<token::Holder<'_>> {
        self.moderators.get(index).map(|m| token::Holder {
            name: &m.name,
            address: &m.address,
        })
    }
}
