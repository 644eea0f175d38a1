//! An mbox archive, for backfills. An mbox is never modified: a re-run recognises what
//! was stored by the raw bytes' digest, so nothing is stored twice.
//!
//! Messages are split by the rules mail-parser's `MessageIterator` follows (a line that
//! starts with `From ` begins a message; `>From `, `>>From `… lose one `>`: mboxrd and
//! mboxo), but read in bounded pieces: a message over the size limit is streamed to a
//! spool file as it is read, and a line is never held whole (an mbox of one 1 GB line
//! costs 64 KB), so memory stays bounded whatever the archive holds.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use super::{Incoming, OVERSIZE_HEAD_BYTES, RawMessage, Source};
use crate::model::Origin;
use crate::{Error, Result};

/// The most read at once: a line longer than this arrives in several pieces.
const PIECE_BYTES: u64 = 64 * 1024;

/// An mbox file as a source.
pub struct Mbox {
    path: PathBuf,
    reader: BufReader<File>,
    max_bytes: u64,
    spool_dir: PathBuf,
    /// Messages begun so far (the next one's number, from 1).
    position: u64,
    /// Whether the next piece starts a line.
    at_line_start: bool,
    /// Whether the next piece continues a `From ` separator line (skipped).
    in_separator: bool,
    /// Whether a separator was read and its message not yet returned.
    started: bool,
    size: u64,
    consumed: u64,
}

/// A message being read: in memory until it outgrows the limit, then in a spool file.
struct Reading {
    head: Vec<u8>,
    spilled: Option<(File, PathBuf)>,
    size: u64,
}

impl Mbox {
    /// Opens an mbox file; messages over `max_bytes` are streamed to files in `spool_dir`.
    pub fn open(path: &Path, max_bytes: u64, spool_dir: &Path) -> Result<Mbox> {
        let file = File::open(path).map_err(|e| Error::io("opening", path, e))?;
        let size = file
            .metadata()
            .map_err(|e| Error::io("reading", path, e))?
            .len();
        Ok(Mbox {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(PIECE_BYTES as usize, file),
            max_bytes,
            spool_dir: spool_dir.to_path_buf(),
            position: 0,
            at_line_start: true,
            in_separator: false,
            started: false,
            size,
            consumed: 0,
        })
    }

    /// Bytes read so far and the file's size (for a progress bar in bytes).
    pub fn progress(&self) -> (u64, u64) {
        (self.consumed, self.size)
    }

    /// Reads the next message, or `None` at the end of the file.
    fn next_message(&mut self) -> Result<Option<RawMessage>> {
        let mut current: Option<Reading> = self.started.then(Reading::new);
        let mut piece = Vec::with_capacity(1024);
        loop {
            piece.clear();
            let n = (&mut self.reader)
                .take(PIECE_BYTES)
                .read_until(b'\n', &mut piece)
                .map_err(|e| Error::io("reading", &self.path, e))?;
            if n == 0 {
                self.started = false;
                return match current {
                    Some(m) => m.finish().map(Some),
                    None => Ok(None),
                };
            }
            self.consumed += n as u64;
            let line_start = self.at_line_start;
            self.at_line_start = piece.ends_with(b"\n");
            if self.in_separator {
                self.in_separator = !self.at_line_start;
                continue;
            }
            if line_start && piece.starts_with(b"From ") {
                self.position += 1;
                self.in_separator = !self.at_line_start;
                if let Some(m) = current.take() {
                    self.started = true; // the message this separator begins comes next
                    return m.finish().map(Some);
                }
                current = Some(Reading::new());
                continue;
            }
            let Some(m) = current.as_mut() else {
                continue; // text before the first separator is not a message
            };
            let quoted_from = line_start && {
                let gt = piece.iter().take_while(|&&b| b == b'>').count();
                gt > 0 && piece[gt..].starts_with(b"From ")
            };
            let bytes = if quoted_from { &piece[1..] } else { &piece[..] };
            m.push(bytes, self.max_bytes, || {
                spool_file(&self.spool_dir, self.position)
            })?;
        }
    }
}

impl Reading {
    fn new() -> Reading {
        Reading {
            head: Vec::new(),
            spilled: None,
            size: 0,
        }
    }

    /// Adds bytes; past `max_bytes` everything so far moves to a spool file.
    fn push(
        &mut self,
        bytes: &[u8],
        max_bytes: u64,
        spool: impl FnOnce() -> Result<PathBuf>,
    ) -> Result<()> {
        self.size += bytes.len() as u64;
        if self.spilled.is_none() && self.size > max_bytes {
            let path = spool()?;
            let mut file = File::create(&path).map_err(|e| Error::io("creating", &path, e))?;
            file.write_all(&self.head)
                .map_err(|e| Error::io("writing", &path, e))?;
            self.head.truncate(OVERSIZE_HEAD_BYTES);
            self.head.shrink_to_fit();
            self.spilled = Some((file, path));
        }
        match &mut self.spilled {
            Some((file, path)) => {
                file.write_all(bytes)
                    .map_err(|e| Error::io("writing", &*path, e))?;
                if self.head.len() < OVERSIZE_HEAD_BYTES {
                    let room = OVERSIZE_HEAD_BYTES - self.head.len();
                    self.head.extend_from_slice(&bytes[..bytes.len().min(room)]);
                }
            }
            None => self.head.extend_from_slice(bytes),
        }
        Ok(())
    }

    fn finish(self) -> Result<RawMessage> {
        Ok(match self.spilled {
            None => RawMessage::InMemory(self.head),
            Some((file, path)) => {
                file.sync_all()
                    .map_err(|e| Error::io("syncing", &path, e))?;
                RawMessage::Oversize {
                    head: self.head,
                    size: self.size,
                    file: path,
                }
            }
        })
    }
}

fn spool_file(dir: &Path, position: u64) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
    Ok(dir.join(format!("mbox-{}-{position}.eml", std::process::id())))
}

impl Source for Mbox {
    fn describe(&self) -> String {
        format!("mbox {}", self.path.display())
    }

    fn remaining_hint(&self) -> Option<u64> {
        None
    }

    fn next_batch(&mut self, max: usize) -> Result<Vec<Incoming>> {
        let mut batch = Vec::new();
        while batch.len() < max {
            // The separator that began this message has been counted already.
            let Some(raw) = self.next_message()? else {
                break;
            };
            let position = if self.started {
                self.position - 1
            } else {
                self.position
            };
            batch.push(Incoming {
                raw,
                origin: Origin {
                    source: "mbox".into(),
                    location: format!("{}#{position}", self.path.display()),
                },
                handle: position.to_string(),
            });
        }
        Ok(batch)
    }

    fn mark_processed(&mut self, done: &[&Incoming]) -> Result<()> {
        for incoming in done {
            if let RawMessage::Oversize { file, .. } = &incoming.raw {
                let _ = std::fs::remove_file(file);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(mbox: &[u8], max_bytes: u64) -> (Vec<RawMessage>, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("archive.mbox");
        std::fs::write(&path, mbox).expect("write");
        let mut source = Mbox::open(&path, max_bytes, &dir.path().join("spool")).expect("open");
        let batch = source.next_batch(100).expect("read");
        (batch.into_iter().map(|i| i.raw).collect(), dir)
    }

    fn bytes(raw: &RawMessage) -> Vec<u8> {
        match raw {
            RawMessage::InMemory(b) => b.clone(),
            RawMessage::Oversize { file, .. } => std::fs::read(file).expect("spooled"),
        }
    }

    #[test]
    fn splits_as_mail_parser_does() {
        let mbox = b"preamble\nFrom a@x Mon Jan 10 09:00:00 2022\nSubject: one\n\n>From the start\n>>From deeper\nbody\nFrom b@x Mon Jan 10 10:00:00 2022\nSubject: two\n\nlast";
        let (ours, _dir) = messages(mbox, 1 << 20);
        let theirs: Vec<Vec<u8>> =
            mail_parser::mailbox::mbox::MessageIterator::new(std::io::Cursor::new(&mbox[..]))
                .map(|m| m.expect("message").contents().to_vec())
                .collect();
        assert_eq!(ours.iter().map(bytes).collect::<Vec<_>>(), theirs);
        assert_eq!(theirs.len(), 2);
    }

    #[test]
    fn a_message_over_the_limit_is_streamed_to_a_file_with_its_head_in_memory() {
        let mut mbox = b"From a@x Mon Jan 10 09:00:00 2022\nSubject: big\n\n".to_vec();
        let line = b"A long paper about labour migration pathways and remittances.\n";
        while mbox.len() < 3 * OVERSIZE_HEAD_BYTES {
            mbox.extend_from_slice(line);
        }
        // One line longer than any piece, too.
        mbox.extend(std::iter::repeat_n(b'x', 3 * PIECE_BYTES as usize));
        mbox.extend_from_slice(b"\nFrom b@x Mon Jan 10 10:00:00 2022\nSubject: small\n\nshort\n");
        let (raw, _dir) = messages(&mbox, 100_000);
        assert_eq!(raw.len(), 2);
        let RawMessage::Oversize { head, size, .. } = &raw[0] else {
            panic!("the first message is over the limit");
        };
        assert_eq!(head.len(), OVERSIZE_HEAD_BYTES);
        let whole = bytes(&raw[0]);
        assert_eq!(*size, whole.len() as u64);
        assert!(whole.starts_with(b"Subject: big") && whole.ends_with(b"xxx\n"));
        assert_eq!(bytes(&raw[1]), b"Subject: small\n\nshort\n");
    }
}
