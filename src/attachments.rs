//! Attachments as a moderator handles them: their bytes, from the store's blobs or, for one
//! kept only inside its message (over `[limits] max_attachment_bytes`), from the raw mail;
//! and saved as files under their sanitised names, never outside the folder given and
//! never over a file that is there.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::Limits;
use crate::model::Submission;
use crate::store::Store;
use crate::{Error, Result, parse};

/// The bytes of attachment `n` (1-based, as `hubmail show` numbers them).
/// `limits` are the configuration's, under which the message was read.
pub fn bytes(store: &Store, limits: &Limits, s: &Submission, n: usize) -> Result<Vec<u8>> {
    let attachment = n
        .checked_sub(1)
        .and_then(|i| s.attachments.get(i))
        .ok_or_else(|| {
            Error::Input(format!(
                "submission {} has {} attachment{}: there is no attachment {n}",
                s.id,
                s.attachments.len(),
                if s.attachments.len() == 1 { "" } else { "s" }
            ))
        })?;
    if let Some(sha) = &attachment.sha256
        && let Some(bytes) = store.blob(sha)?
    {
        return Ok(bytes);
    }
    // Not stored on its own: decode it from the message, which numbers its parts alike.
    let raw = store.raw(s.id)?;
    let unbounded = Limits {
        max_message_bytes: u64::MAX,
        ..limits.clone()
    };
    let parsed = parse::parse(&raw, &unbounded).map_err(|m| {
        Error::Input(format!(
            "attachment {n} of submission {} is inside a message that does not parse: {}",
            s.id, m.reason
        ))
    })?;
    parsed
        .attachments
        .into_iter()
        .nth(n - 1)
        .map(|a| a.bytes)
        .ok_or_else(|| {
            Error::Input(format!(
                "attachment {n} of submission {} is not in its message any more",
                s.id
            ))
        })
}

/// Writes `bytes` to `path`, which must not exist (a file, a directory or a symlink).
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::Input(format!(
                    "{} exists already: hubmail never writes over a file",
                    path.display()
                ))
            } else {
                Error::io("creating", path, e)
            }
        })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io("writing", path, e))
}

/// Saves every attachment into `dir` (created if missing) under its sanitised name, a
/// name taken already getting " (2)", " (3)"… before its extension. Returns the paths.
pub fn save_all(
    store: &Store,
    limits: &Limits,
    s: &Submission,
    dir: &Path,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
    let mut saved = Vec::with_capacity(s.attachments.len());
    for (i, attachment) in s.attachments.iter().enumerate() {
        let bytes = bytes(store, limits, s, i + 1)?;
        // The stored name is sanitised already; again, so that no name can leave `dir`.
        let name = parse::sanitize_file_name(&attachment.name, &format!("attachment-{}", i + 1));
        let (stem, ext) = match name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => (stem.to_string(), format!(".{ext}")),
            _ => (name.clone(), String::new()),
        };
        let mut copy = 1;
        loop {
            let file = if copy == 1 {
                name.clone()
            } else {
                format!("{stem} ({copy}){ext}")
            };
            let path = dir.join(&file);
            match write_new(&path, &bytes) {
                Ok(()) => {
                    saved.push(path);
                    break;
                }
                Err(Error::Input(_)) if copy < 1000 => copy += 1,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(saved)
}
