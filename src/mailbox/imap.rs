//! The contact mailbox on an IMAP server.
//!
//! Messages are listed by UID after the checkpoint (never by `UNSEEN`: a message someone
//! opened in a mail client is still new to hubmail) and fetched in batches of at most 16 MB
//! (`BODY.PEEK[]`, so nothing is marked read); their sizes are asked first, and one over
//! the size limit is fetched in 4 MB pieces into a spool file, never whole into memory.
//! Only after they are durably stored are they moved to the processed folder
//! (MOVE), or flagged `\Seen` where the server has no MOVE. The UIDVALIDITY and the last
//! UID are checkpointed in the store; a changed UIDVALIDITY means the server renumbered
//! the folder, so it is read again from the start and the store's digests recognise what
//! was already stored. [`ImapWaiter`] waits for new mail with IDLE on its own connection.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use imap::extensions::idle::{SetReadTimeout, WaitOutcome};
use serde::{Deserialize, Serialize};

use super::{Incoming, OVERSIZE_HEAD_BYTES, RawMessage, Source};
use crate::config::{ImapConfig, SmtpTls, secret};
use crate::model::Origin;
use crate::{Error, Result};

/// The checkpoint kept in the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Checkpoint {
    uid_validity: u32,
    last_uid: u32,
}

/// A logged-in session, plain (loopback only) or over TLS.
enum Session {
    Plain(imap::Session<TcpStream>),
    Tls(imap::Session<native_tls::TlsStream<TcpStream>>),
}

macro_rules! with_session {
    ($session:expr, $s:ident => $body:expr) => {
        match $session {
            Session::Plain($s) => $body,
            Session::Tls($s) => $body,
        }
    };
}

fn imap_err(cfg: &ImapConfig, what: &str, e: imap::Error) -> Error {
    Error::Mailbox {
        path: format!(
            "imap://{}@{}:{}/{}",
            cfg.user,
            cfg.host,
            cfg.port(),
            cfg.folder
        )
        .into(),
        message: format!("{what}: {e}"),
    }
}

fn login<T: Read + Write>(
    cfg: &ImapConfig,
    client: imap::Client<T>,
    password: &str,
) -> Result<imap::Session<T>> {
    client
        .login(&cfg.user, password)
        .map_err(|(e, _)| imap_err(cfg, "login refused (check user and password)", e))
}

fn connect(cfg: &ImapConfig) -> Result<Session> {
    let password = secret(
        cfg.password.as_deref(),
        cfg.password_env.as_deref(),
        cfg.password_file.as_deref(),
        &format!("[[imap]] {}", cfg.name),
    )?;
    let address = (cfg.host.as_str(), cfg.port());
    let tls = || -> Result<native_tls::TlsConnector> {
        let setup = |e: native_tls::Error| Error::Mailbox {
            path: cfg.host.clone().into(),
            message: format!("TLS setup: {e}"),
        };
        let mut builder = native_tls::TlsConnector::builder();
        if let Some(ca) = &cfg.ca_file {
            let pem = crate::config::read_ca(ca)?;
            builder.add_root_certificate(native_tls::Certificate::from_pem(&pem).map_err(setup)?);
        }
        builder.build().map_err(setup)
    };
    Ok(match cfg.tls {
        SmtpTls::None => {
            let stream = TcpStream::connect(address).map_err(|e| {
                Error::io("connecting to", format!("{}:{}", cfg.host, cfg.port()), e)
            })?;
            let mut client = imap::Client::new(stream);
            client
                .read_greeting()
                .map_err(|e| imap_err(cfg, "reading the greeting", e))?;
            Session::Plain(login(cfg, client, &password)?)
        }
        SmtpTls::Starttls => {
            let client = imap::connect_starttls(address, &cfg.host, &tls()?)
                .map_err(|e| imap_err(cfg, "connecting with STARTTLS", e))?;
            Session::Tls(login(cfg, client, &password)?)
        }
        SmtpTls::Tls => {
            let client = imap::connect(address, &cfg.host, &tls()?)
                .map_err(|e| imap_err(cfg, "connecting with TLS", e))?;
            Session::Tls(login(cfg, client, &password)?)
        }
    })
}

/// The most one FETCH of whole messages brings at once.
const FETCH_BYTES: u64 = 16 * 1024 * 1024;
/// The piece a message over the size limit is fetched in.
const PIECE_BYTES: u64 = 4 * 1024 * 1024;

/// An IMAP folder as a source.
pub struct ImapSource {
    cfg: ImapConfig,
    max_bytes: u64,
    spool_dir: std::path::PathBuf,
    session: Option<Session>,
    checkpoint: Checkpoint,
    has_move: bool,
    queue: VecDeque<u32>,
    listed: bool,
}

impl ImapSource {
    /// A source for this mailbox; it connects on first use. A message over `max_bytes` is
    /// fetched in pieces into a file in `spool_dir`, never whole into memory.
    pub fn new(cfg: &ImapConfig, max_bytes: u64, spool_dir: &std::path::Path) -> ImapSource {
        ImapSource {
            cfg: cfg.clone(),
            max_bytes,
            spool_dir: spool_dir.to_path_buf(),
            session: None,
            checkpoint: Checkpoint::default(),
            has_move: false,
            queue: VecDeque::new(),
            listed: false,
        }
    }

    /// Drops the connection (after an error); the next use reconnects.
    pub fn disconnect(&mut self) {
        if let Some(mut s) = self.session.take() {
            let _ = with_session!(&mut s, s => s.logout());
        }
        self.listed = false;
        self.queue.clear();
    }

    /// Starts a new round: the next batch lists the folder again.
    pub fn rewind(&mut self) {
        self.listed = false;
        self.queue.clear();
    }

    fn open(&mut self) -> Result<()> {
        if self.session.is_some() {
            return Ok(());
        }
        let mut session = connect(&self.cfg)?;
        let cfg = &self.cfg;
        let caps = with_session!(&mut session, s => s.capabilities().map(|c| c.has_str("MOVE")))
            .map_err(|e| imap_err(cfg, "CAPABILITY", e))?;
        self.has_move = caps;
        if self.has_move {
            // Create the processed folder if it is missing (an error means it exists).
            let _ = with_session!(&mut session, s => s.create(&cfg.processed_folder));
        }
        let mailbox = with_session!(&mut session, s => s.select(&cfg.folder))
            .map_err(|e| imap_err(cfg, "SELECT", e))?;
        let validity = mailbox.uid_validity.unwrap_or(0);
        if validity != self.checkpoint.uid_validity {
            if self.checkpoint.uid_validity != 0 {
                tracing::warn!(
                    mailbox = %cfg.name,
                    old = self.checkpoint.uid_validity,
                    new = validity,
                    "UIDVALIDITY changed: reading the whole folder again (stored messages are recognised)"
                );
            }
            self.checkpoint = Checkpoint {
                uid_validity: validity,
                last_uid: 0,
            };
        }
        tracing::info!(mailbox = %cfg.name, host = %cfg.host, move_supported = self.has_move, "connected");
        self.session = Some(session);
        Ok(())
    }

    fn list(&mut self) -> Result<()> {
        let cfg = &self.cfg;
        // By UID alone, never UNSEEN: a message a person opened in a mail client before
        // the worker saw it is still new to hubmail. The checkpoint says what is done.
        let query = format!("UID {}:*", self.checkpoint.last_uid + 1);
        let Some(session) = self.session.as_mut() else {
            return Err(lost(cfg));
        };
        let uids = with_session!(session, s => s.uid_search(&query))
            .map_err(|e| imap_err(cfg, "UID SEARCH", e))?;
        let mut uids: Vec<u32> = uids
            .into_iter()
            .filter(|u| *u > self.checkpoint.last_uid)
            .collect();
        uids.sort_unstable();
        self.queue = uids.into();
        self.listed = true;
        Ok(())
    }

    fn fetch(&mut self, max: usize) -> Result<Vec<Incoming>> {
        self.open()?;
        if !self.listed {
            self.list()?;
        }
        let take: Vec<u32> = (0..max.min(self.cfg.batch))
            .filter_map(|_| self.queue.pop_front())
            .collect();
        if take.is_empty() {
            return Ok(Vec::new());
        }
        let cfg = self.cfg.clone();
        let location = |uid: u32| Origin {
            source: "imap".into(),
            location: format!(
                "imap://{}@{}/{};UIDVALIDITY={};UID={uid}",
                cfg.user, cfg.host, cfg.folder, self.checkpoint.uid_validity
            ),
        };
        let Some(session) = self.session.as_mut() else {
            return Err(lost(&cfg));
        };
        // Sizes first: no FETCH brings more than FETCH_BYTES, and a message over the
        // limit comes in pieces straight into a spool file.
        let mut sizes: Vec<(u32, u64)> =
            with_session!(&mut *session, s => s.uid_fetch(uid_set(&take), "(UID RFC822.SIZE)"))
                .map_err(|e| imap_err(&cfg, "UID FETCH (RFC822.SIZE)", e))?
                .iter()
                .filter_map(|f| Some((f.uid?, u64::from(f.size?))))
                .collect();
        sizes.sort_unstable();
        let mut out = Vec::new();
        let mut group: Vec<u32> = Vec::new();
        let mut group_bytes = 0;
        for (uid, size) in sizes {
            if size > self.max_bytes {
                let raw = fetch_in_pieces(session, &cfg, (uid, size), &self.spool_dir)?;
                out.push(Incoming {
                    raw,
                    origin: location(uid),
                    handle: uid.to_string(),
                });
                continue;
            }
            if group_bytes + size > FETCH_BYTES && !group.is_empty() {
                for (uid, body) in fetch_whole(session, &cfg, &group)? {
                    out.push(Incoming {
                        raw: RawMessage::InMemory(body),
                        origin: location(uid),
                        handle: uid.to_string(),
                    });
                }
                group.clear();
                group_bytes = 0;
            }
            group.push(uid);
            group_bytes += size;
        }
        if !group.is_empty() {
            for (uid, body) in fetch_whole(session, &cfg, &group)? {
                out.push(Incoming {
                    raw: RawMessage::InMemory(body),
                    origin: location(uid),
                    handle: uid.to_string(),
                });
            }
        }
        out.sort_by_key(|i| i.handle.parse::<u32>().unwrap_or(0));
        Ok(out)
    }
}

fn lost(cfg: &ImapConfig) -> Error {
    Error::Mailbox {
        path: cfg.host.clone().into(),
        message: "the connection was lost; the messages will be read again".into(),
    }
}

fn uid_set(uids: &[u32]) -> String {
    uids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Whole messages, by UID (`BODY.PEEK[]`: nothing is marked read).
fn fetch_whole(
    session: &mut Session,
    cfg: &ImapConfig,
    uids: &[u32],
) -> Result<Vec<(u32, Vec<u8>)>> {
    let fetches = with_session!(session, s => s.uid_fetch(uid_set(uids), "(UID BODY.PEEK[])"))
        .map_err(|e| imap_err(cfg, "UID FETCH", e))?;
    Ok(fetches
        .iter()
        .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
        .collect())
}

/// A message over the size limit, fetched `PIECE_BYTES` at a time (`BODY.PEEK[]<offset.n>`)
/// into a spool file; its head stays in memory for the headers. `announced` is the size the
/// server gave (RFC822.SIZE): a server that keeps sending past it, or sends pieces larger
/// than asked for, is refused (the message stays in the mailbox) instead of filling the disk.
fn fetch_in_pieces(
    session: &mut Session,
    cfg: &ImapConfig,
    (uid, announced): (u32, u64),
    spool_dir: &std::path::Path,
) -> Result<RawMessage> {
    std::fs::create_dir_all(spool_dir).map_err(|e| Error::io("creating", spool_dir, e))?;
    let path = spool_dir.join(format!("imap-{}-{uid}.eml", std::process::id()));
    let fetched = fetch_pieces_into(session, cfg, (uid, announced), &path);
    if fetched.is_err() {
        let _ = std::fs::remove_file(&path);
    }
    let (head, size) = fetched?;
    Ok(RawMessage::Oversize {
        head,
        size,
        file: path,
    })
}

/// The loop of [`fetch_in_pieces`]: returns the head and the size written to `path`.
fn fetch_pieces_into(
    session: &mut Session,
    cfg: &ImapConfig,
    (uid, announced): (u32, u64),
    path: &std::path::Path,
) -> Result<(Vec<u8>, u64)> {
    use std::io::Write;
    let mut file = std::fs::File::create(path).map_err(|e| Error::io("creating", path, e))?;
    let mut head = Vec::new();
    let mut offset = 0u64;
    loop {
        let query = format!("(UID BODY.PEEK[]<{offset}.{PIECE_BYTES}>)");
        let fetches = with_session!(&mut *session, s => s.uid_fetch(uid.to_string(), &query))
            .map_err(|e| imap_err(cfg, "UID FETCH (a piece)", e))?;
        let piece = fetches
            .iter()
            .find(|f| f.uid == Some(uid))
            .and_then(|f| f.body())
            .unwrap_or_default();
        let next =
            next_piece(offset, piece.len() as u64, announced).map_err(|why| Error::Mailbox {
                path: cfg.host.clone().into(),
                message: format!("message UID {uid}: {why}; it stays in the mailbox"),
            })?;
        file.write_all(piece)
            .map_err(|e| Error::io("writing", path, e))?;
        if head.len() < OVERSIZE_HEAD_BYTES {
            let room = OVERSIZE_HEAD_BYTES - head.len();
            head.extend_from_slice(&piece[..piece.len().min(room)]);
        }
        offset += piece.len() as u64;
        if next == Piece::Last {
            break;
        }
    }
    file.sync_all().map_err(|e| Error::io("syncing", path, e))?;
    Ok((head, offset))
}

/// What a piece of a fetch in pieces means.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    /// Ask for the next one.
    More,
    /// The message is complete.
    Last,
}

/// Decides on a piece of `len` bytes at `offset` of a message the server said has
/// `announced` bytes: shorter than asked ends it; longer than asked, or past the announced
/// size (allowing a piece for line-ending differences), is a server not to follow.
fn next_piece(offset: u64, len: u64, announced: u64) -> std::result::Result<Piece, String> {
    if len > PIECE_BYTES {
        return Err(format!(
            "the server sent {len} bytes for a piece of {PIECE_BYTES}"
        ));
    }
    if offset + len > announced.saturating_add(PIECE_BYTES) {
        return Err(format!(
            "the server sent more than the {announced} bytes it announced (RFC822.SIZE)"
        ));
    }
    Ok(if len < PIECE_BYTES {
        Piece::Last
    } else {
        Piece::More
    })
}

impl Source for ImapSource {
    fn describe(&self) -> String {
        format!(
            "imap {} ({}@{}/{})",
            self.cfg.name, self.cfg.user, self.cfg.host, self.cfg.folder
        )
    }

    fn remaining_hint(&self) -> Option<u64> {
        self.listed.then_some(self.queue.len() as u64)
    }

    fn next_batch(&mut self, max: usize) -> Result<Vec<Incoming>> {
        let result = self.fetch(max);
        if result.is_err() {
            self.disconnect();
        }
        result
    }

    fn mark_processed(&mut self, done: &[&Incoming]) -> Result<()> {
        // Pieces of oversize mail spooled while fetching: the store has its own copy now.
        for incoming in done {
            if let RawMessage::Oversize { file, .. } = &incoming.raw {
                let _ = std::fs::remove_file(file);
            }
        }
        if done.is_empty() {
            return Ok(());
        }
        let uids: Vec<u32> = done.iter().filter_map(|i| i.handle.parse().ok()).collect();
        let set = uids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let cfg = self.cfg.clone();
        let has_move = self.has_move;
        let Some(session) = self.session.as_mut() else {
            return Err(Error::Mailbox {
                path: cfg.host.clone().into(),
                message: "the connection was lost before the messages could be moved; they \
                          are stored and will be recognised when read again"
                    .into(),
            });
        };
        let result = if has_move {
            with_session!(session, s => s.uid_mv(&set, &cfg.processed_folder))
        } else {
            with_session!(session, s => s.uid_store(&set, "+FLAGS (\\Seen)").map(|_| ()))
        };
        if let Err(e) = result {
            self.disconnect();
            return Err(imap_err(
                &cfg,
                if has_move { "UID MOVE" } else { "UID STORE" },
                e,
            ));
        }
        if let Some(max) = uids.iter().max() {
            self.checkpoint.last_uid = self.checkpoint.last_uid.max(*max);
        }
        Ok(())
    }

    fn checkpoint(&self) -> Option<(String, Vec<u8>)> {
        Some((
            self.checkpoint_key()?,
            serde_json::to_vec(&self.checkpoint).ok()?,
        ))
    }

    fn restore(&mut self, saved: Option<Vec<u8>>) {
        if let Some(c) = saved.and_then(|b| serde_json::from_slice::<Checkpoint>(&b).ok()) {
            // Only when this connection has not selected yet: a later SELECT compares.
            if self.session.is_none() {
                self.checkpoint = c;
            }
        }
    }

    fn checkpoint_key(&self) -> Option<String> {
        Some(format!("imap:{}", self.cfg.name))
    }
}

/// Waits for new mail in an IMAP folder with IDLE, on a connection of its own.
pub struct ImapWaiter {
    cfg: ImapConfig,
    session: Option<Session>,
}

fn idle_wait<T: Read + Write + SetReadTimeout>(
    s: &mut imap::Session<T>,
    timeout: Duration,
) -> imap::error::Result<bool> {
    Ok(matches!(
        s.idle()?.wait_with_timeout(timeout)?,
        WaitOutcome::MailboxChanged
    ))
}

impl ImapWaiter {
    /// A waiter for this mailbox.
    pub fn new(cfg: &ImapConfig) -> ImapWaiter {
        ImapWaiter {
            cfg: cfg.clone(),
            session: None,
        }
    }

    /// Blocks until the folder changes (`Ok(true)`), the timeout passes (`Ok(false)`), or
    /// the connection fails (`Err`; the next call reconnects). Servers without IDLE get a
    /// plain wait of `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> Result<bool> {
        if self.session.is_none() {
            let mut session = connect(&self.cfg)?;
            let cfg = &self.cfg;
            let idle =
                with_session!(&mut session, s => s.capabilities().map(|c| c.has_str("IDLE")))
                    .map_err(|e| imap_err(cfg, "CAPABILITY", e))?;
            if !idle {
                std::thread::sleep(timeout);
                return Ok(false);
            }
            with_session!(&mut session, s => s.select(&cfg.folder))
                .map_err(|e| imap_err(cfg, "SELECT", e))?;
            self.session = Some(session);
        }
        let cfg = self.cfg.clone();
        let session = self.session.as_mut().expect("connected above");
        match with_session!(session, s => idle_wait(s, timeout)) {
            Ok(changed) => Ok(changed),
            Err(e) => {
                self.session = None;
                Err(imap_err(&cfg, "IDLE", e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fetch_in_pieces_stops_at_the_announced_size() {
        let announced = 10 * 1024 * 1024;
        assert_eq!(next_piece(0, PIECE_BYTES, announced), Ok(Piece::More));
        assert_eq!(
            next_piece(2 * PIECE_BYTES, announced - 2 * PIECE_BYTES, announced),
            Ok(Piece::Last)
        );
        // A message exactly a multiple of the piece ends with an empty piece.
        assert_eq!(
            next_piece(2 * PIECE_BYTES, 0, 2 * PIECE_BYTES),
            Ok(Piece::Last)
        );
        // A hostile server that never stops, or ignores the piece's length.
        let endless = next_piece(4 * PIECE_BYTES, PIECE_BYTES, announced).unwrap_err();
        assert!(
            endless.contains("more than the 10485760 bytes it announced"),
            "{endless}"
        );
        let whole = next_piece(0, announced, announced).unwrap_err();
        assert!(whole.contains("for a piece of"), "{whole}");
    }
}
