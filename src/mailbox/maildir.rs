//! A standard Maildir (`new/`, `cur/`, `tmp/`).
//!
//! Messages in `new/`, and those in `cur/` without the `S` (seen) flag, are read in name
//! order. A processed message is renamed into `cur/` with `:2,` flags plus `S`; the rename
//! is atomic, and a message that vanished meanwhile (another reader took it) is skipped.

use std::collections::VecDeque;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Incoming, OVERSIZE_HEAD_BYTES, RawMessage, Source};
use crate::model::Origin;
use crate::{Error, Result};

/// A Maildir as a source.
pub struct Maildir {
    root: PathBuf,
    pending: VecDeque<PathBuf>,
    max_bytes: u64,
}

impl Maildir {
    /// Opens a Maildir; `max_bytes` is the size over which a message is delivered as
    /// [`RawMessage::Oversize`]. `rescan` also reads messages already flagged seen.
    pub fn open(root: &Path, max_bytes: u64, rescan: bool) -> Result<Maildir> {
        let new = root.join("new");
        let cur = root.join("cur");
        if !new.is_dir() || !cur.is_dir() {
            return Err(Error::Mailbox {
                path: root.to_path_buf(),
                message: "not a Maildir: it needs new/ and cur/ subfolders \
                          (create them with 'mkdir -p DIR/new DIR/cur DIR/tmp')"
                    .into(),
            });
        }
        let mut pending = Vec::new();
        for (dir, from_cur) in [(&new, false), (&cur, true)] {
            let entries = fs::read_dir(dir).map_err(|e| Error::io("listing", dir, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| Error::io("listing", dir, e))?;
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with('.') {
                    continue;
                }
                if from_cur && !rescan && flags(&name).contains('S') {
                    continue;
                }
                if entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
                    pending.push(entry.path());
                }
            }
        }
        pending.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        Ok(Maildir {
            root: root.to_path_buf(),
            pending: pending.into(),
            max_bytes,
        })
    }

    fn read(&self, path: &Path) -> Result<Option<RawMessage>> {
        let mut file = match fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("opening", path, e)),
        };
        let size = file
            .metadata()
            .map_err(|e| Error::io("reading", path, e))?
            .len();
        if size > self.max_bytes {
            let mut head = vec![0u8; OVERSIZE_HEAD_BYTES.min(size as usize)];
            file.read_exact(&mut head)
                .map_err(|e| Error::io("reading", path, e))?;
            return Ok(Some(RawMessage::Oversize {
                head,
                size,
                file: path.to_path_buf(),
            }));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        file.read_to_end(&mut bytes)
            .map_err(|e| Error::io("reading", path, e))?;
        Ok(Some(RawMessage::InMemory(bytes)))
    }
}

/// The flags part of a Maildir file name (`unique:2,FLAGS`).
fn flags(name: &str) -> &str {
    name.rsplit_once(":2,").map(|(_, f)| f).unwrap_or("")
}

fn unique_part(name: &str) -> &str {
    name.split_once(':').map(|(u, _)| u).unwrap_or(name)
}

impl Source for Maildir {
    fn describe(&self) -> String {
        format!("maildir {}", self.root.display())
    }

    fn remaining_hint(&self) -> Option<u64> {
        Some(self.pending.len() as u64)
    }

    fn next_batch(&mut self, max: usize) -> Result<Vec<Incoming>> {
        let mut batch = Vec::new();
        while batch.len() < max {
            let Some(path) = self.pending.pop_front() else {
                break;
            };
            let Some(raw) = self.read(&path)? else {
                continue; // taken by another reader since we listed it
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            batch.push(Incoming {
                raw,
                origin: Origin {
                    source: "maildir".into(),
                    location: format!("{}#{}", self.root.display(), unique_part(&name)),
                },
                handle: path.to_string_lossy().into_owned(),
            });
        }
        Ok(batch)
    }

    fn mark_processed(&mut self, done: &[&Incoming]) -> Result<()> {
        let cur = self.root.join("cur");
        for incoming in done {
            let path = Path::new(&incoming.handle);
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut new_flags: Vec<char> = flags(&name).chars().collect();
            if !new_flags.contains(&'S') {
                new_flags.push('S');
            }
            new_flags.sort_unstable();
            new_flags.dedup();
            let flag_str: String = new_flags.into_iter().collect();
            let target = cur.join(format!("{}:2,{}", unique_part(&name), flag_str));
            if target == path {
                continue;
            }
            match fs::rename(path, &target) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("moving", path, e)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_parsing() {
        assert_eq!(flags("123.abc.host:2,RS"), "RS");
        assert_eq!(flags("123.abc.host"), "");
        assert_eq!(unique_part("123.abc.host:2,S"), "123.abc.host");
    }
}
