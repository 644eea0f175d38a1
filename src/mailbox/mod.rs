//! Sources of mail: the contact mailbox as a Maildir, an mbox archive, or one message on
//! standard input (an MTA pipe). IMAP slots in as one more [`Source`].
//!
//! A source hands out batches of [`Incoming`] messages and is told afterwards which of them
//! are durably stored ([`Source::mark_processed`]); only then does it let go of them
//! (a Maildir moves them to `cur/` with the `S` flag). A source never deletes mail.

mod imap;
mod maildir;
mod mbox;
mod stdin;

use std::path::PathBuf;

pub use imap::{ImapSource, ImapWaiter};
pub use maildir::Maildir;
pub use mbox::Mbox;
pub use stdin::Stdin;

use crate::Result;
use crate::model::Origin;

/// The bytes of one message as a source delivers them.
#[derive(Debug)]
pub enum RawMessage {
    /// The whole message, in memory.
    InMemory(Vec<u8>),
    /// A message over the size limit: only its start is in memory; the whole is in `file`.
    Oversize {
        /// The first bytes (enough for the headers).
        head: Vec<u8>,
        /// The full size in bytes.
        size: u64,
        /// Where the whole message can be read.
        file: PathBuf,
    },
}

impl RawMessage {
    /// The message's size in bytes.
    pub fn size(&self) -> u64 {
        match self {
            RawMessage::InMemory(b) => b.len() as u64,
            RawMessage::Oversize { size, .. } => *size,
        }
    }
}

/// One message from a source, with where it came from.
#[derive(Debug)]
pub struct Incoming {
    /// The message.
    pub raw: RawMessage,
    /// Its origin, recorded with the submission.
    pub origin: Origin,
    /// The source's own handle (a file name, a UID) used by `mark_processed`.
    pub handle: String,
}

/// A place mail comes from.
pub trait Source {
    /// A short description for logs and progress ("maildir /var/mail/contact").
    fn describe(&self) -> String;

    /// How many messages remain, when the source can tell cheaply (for a progress bar).
    fn remaining_hint(&self) -> Option<u64>;

    /// Up to `max` more messages; an empty batch means the source is exhausted.
    fn next_batch(&mut self, max: usize) -> Result<Vec<Incoming>>;

    /// Lets go of messages that are now durably stored (or knowingly ignored).
    fn mark_processed(&mut self, done: &[&Incoming]) -> Result<()>;

    /// A position to remember in the store after a batch (an IMAP mailbox's UIDVALIDITY
    /// and last UID), as a key and a value; `None` for sources that need none.
    fn checkpoint(&self) -> Option<(String, Vec<u8>)> {
        None
    }

    /// Resumes from the value last saved under this source's checkpoint key.
    fn restore(&mut self, _saved: Option<Vec<u8>>) {}

    /// The key its checkpoint is saved under, if it keeps one.
    fn checkpoint_key(&self) -> Option<String> {
        None
    }
}

/// How many leading bytes of an oversize message are kept in memory for its headers.
pub const OVERSIZE_HEAD_BYTES: usize = 256 * 1024;
