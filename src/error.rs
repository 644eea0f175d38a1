//! The one error type of the library.
//!
//! Callers never match on message strings: they ask the error what it means for them
//! ([`Error::kind`]; [`ErrorKind::may_pass_later`] decides between "retry later" and "give
//! up" for an MTA pipe and for the outbox).

use std::path::PathBuf;

/// Everything that can go wrong inside hubmail's library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What hubmail was doing, e.g. "reading".
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The configuration file is not valid.
    #[error("invalid configuration {path}: {message}")]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong, and where.
        message: String,
    },
    /// The data directory holds no store, and the command only reads or changes one.
    #[error(
        "no hubmail store in {path}: point at the consultation's data with --data-dir DIR \
         (or HUBMAIL_DATA_DIR), or start one here with 'hubmail init' (ingest, watch and \
         restore start one too)"
    )]
    NoStore {
        /// The data directory.
        path: PathBuf,
    },
    /// Another hubmail process holds the store for longer than we were willing to wait.
    #[error(
        "the store at {path} is busy: another hubmail process has held it for {waited_ms} ms; \
         try again in a moment (or raise [store] lock_wait_ms in the config)"
    )]
    StoreBusy {
        /// The data directory.
        path: PathBuf,
        /// How long we waited for it.
        waited_ms: u64,
    },
    /// The store (sled) reported an error.
    #[error("store error: {0}")]
    Store(String),
    /// A record in the store could not be decoded.
    #[error("store record {key} is unreadable: {message}")]
    Corrupt {
        /// The record's key.
        key: String,
        /// What failed.
        message: String,
    },
    /// The data directory was written by a newer hubmail.
    #[error(
        "the data directory {path} uses store format {found}, newer than this hubmail \
         understands ({supported}); upgrade hubmail"
    )]
    NewerFormat {
        /// The data directory.
        path: PathBuf,
        /// The format found on disk.
        found: u32,
        /// The newest format this build reads.
        supported: u32,
    },
    /// The full-text index (tantivy) reported an error.
    #[error("index error: {0}; 'hubmail reindex' rebuilds the index from the store")]
    Index(String),
    /// A submission id that is not in the store.
    #[error("no submission {0} — run 'hubmail queue --state all' to list submissions")]
    NoSuchSubmission(u64),
    /// A submission erased at its contributor's request (`hubmail forget`).
    #[error(
        "submission {id} was erased at its contributor's request on {at} (audit entry {audit_seq}): nothing of it is kept",
        at = at.strftime("%Y-%m-%d")
    )]
    Erased {
        /// Its id.
        id: u64,
        /// When it was erased.
        at: jiff::Timestamp,
        /// The erasure's tombstone in the audit trail.
        audit_seq: u64,
    },
    /// A mailbox (Maildir, mbox) is not usable.
    #[error("mailbox {path}: {message}")]
    Mailbox {
        /// The mailbox path.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// A search query that does not parse (the message points at the offending part).
    #[error("{0}")]
    Query(QueryError),
    /// A request that breaks a rule of moderation (an illegal state change, a moderator
    /// who is not listed, a change that conflicts with another moderator's).
    #[error("{0}")]
    Refused(String),
    /// The installation needs a person: credentials, templates, where things are.
    #[error("{0}")]
    Setup(String),
    /// Input that can never be accepted as it is (an empty message, an address that is
    /// none, a file that is not a hubmail backup).
    #[error("{0}")]
    Input(String),
}

/// What an [`Error`] means for whoever has to react to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Retrying the same thing later may succeed: a busy store, a full disk, the network.
    Transient,
    /// The configuration, credentials, templates or data directory need a person; once
    /// they are fixed the same thing succeeds.
    Setup,
    /// The input can never be accepted as it is.
    Input,
    /// A rule of moderation forbids it.
    Refused,
    /// Data in the store cannot be read; it needs repair or a restore.
    Damaged,
}

impl ErrorKind {
    /// Whether the same operation may succeed later without changing its input: an MTA
    /// should keep the message and retry (exit 75), the outbox should try again.
    pub fn may_pass_later(self) -> bool {
        matches!(
            self,
            ErrorKind::Transient | ErrorKind::Setup | ErrorKind::Damaged
        )
    }
}

impl Error {
    /// What this error means for whoever has to react to it.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { .. } | Error::StoreBusy { .. } | Error::Store(_) | Error::Index(_) => {
                ErrorKind::Transient
            }
            Error::Config { .. }
            | Error::NoStore { .. }
            | Error::NewerFormat { .. }
            | Error::Mailbox { .. }
            | Error::Setup(_) => ErrorKind::Setup,
            Error::NoSuchSubmission(_)
            | Error::Erased { .. }
            | Error::Query(_)
            | Error::Input(_) => ErrorKind::Input,
            Error::Refused(_) => ErrorKind::Refused,
            Error::Corrupt { .. } => ErrorKind::Damaged,
        }
    }

    /// Shorthand for an [`Error::Io`].
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A query that cannot be parsed, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// What is wrong and what is accepted.
    pub message: String,
    /// The query as typed.
    pub query: String,
    /// Character offset of the offending part.
    pub at: usize,
    /// Its length in characters (at least 1).
    pub len: usize,
}

/// How much of the query an error shows on each side of the offending part.
const QUERY_CONTEXT_CHARS: usize = 40;

impl std::fmt::Display for QueryError {
    /// The message, then the query with a caret line under the offending part. A long
    /// query is shown as a window around that part; control characters show as `�`, so
    /// that what was typed can neither drive a terminal nor shift the caret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let chars: Vec<char> = self
            .query
            .chars()
            .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
            .collect();
        let len = self.len.clamp(1, 2 * QUERY_CONTEXT_CHARS);
        let start = self.at.saturating_sub(QUERY_CONTEXT_CHARS).min(chars.len());
        let end = (self.at + len + QUERY_CONTEXT_CHARS).min(chars.len());
        let (before, after) = (start > 0, end < chars.len());
        let shown: String = chars[start..end].iter().collect();
        writeln!(f, "{}", self.message)?;
        writeln!(
            f,
            "  {}{shown}{}",
            if before { "…" } else { "" },
            if after { "…" } else { "" }
        )?;
        write!(
            f,
            "  {}{}",
            " ".repeat(self.at - start + usize::from(before)),
            "^".repeat(len)
        )
    }
}

impl std::error::Error for QueryError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setup_error_may_pass_later_and_bad_input_never_does() {
        // A template or a credential a person must fix: the MTA keeps the mail (75), the
        // outbox tries again; before errors had kinds, both were "refused" and given up.
        let setup = Error::Setup("template acknowledgement.fr.txt: no subject line".into());
        assert_eq!(setup.kind(), ErrorKind::Setup);
        assert!(setup.kind().may_pass_later());
        let busy = Error::StoreBusy {
            path: "/data".into(),
            waited_ms: 5000,
        };
        assert!(busy.kind().may_pass_later());
        let empty = Error::Input("standard input is empty".into());
        assert!(!empty.kind().may_pass_later());
        let rule = Error::Refused("approved submissions cannot be approved again".into());
        assert!(!rule.kind().may_pass_later());
    }
}
