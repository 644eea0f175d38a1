//! An mbox archive, for backfills. mail-parser splits it and undoes `>From ` quoting
//! (mboxrd and mboxo). An mbox is never modified: a re-run recognises what was stored
//! by the raw bytes' digest, so nothing is stored twice.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use mail_parser::mailbox::mbox::MessageIterator;

use super::{Incoming, RawMessage, Source};
use crate::model::Origin;
use crate::{Error, Result};

/// An mbox file as a source.
pub struct Mbox {
    path: PathBuf,
    messages: MessageIterator<BufReader<File>>,
    position: u64,
    size: u64,
    consumed: u64,
}

impl Mbox {
    /// Opens an mbox file.
    pub fn open(path: &Path) -> Result<Mbox> {
        let file = File::open(path).map_err(|e| Error::io("opening", path, e))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(Mbox {
            path: path.to_path_buf(),
            messages: MessageIterator::new(BufReader::new(file)),
            position: 0,
            size,
            consumed: 0,
        })
    }

    /// Bytes read so far and the file's size (for a progress bar in bytes).
    pub fn progress(&self) -> (u64, u64) {
        (self.consumed, self.size)
    }
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
            let Some(next) = self.messages.next() else {
                break;
            };
            let message = next.map_err(|e| Error::io("reading", &self.path, e))?;
            self.position += 1;
            let bytes = message.contents().to_vec();
            self.consumed += bytes.len() as u64;
            batch.push(Incoming {
                raw: RawMessage::InMemory(bytes),
                origin: Origin {
                    source: "mbox".into(),
                    location: format!("{}#{}", self.path.display(), self.position),
                },
                handle: self.position.to_string(),
            });
        }
        Ok(batch)
    }

    fn mark_processed(&mut self, _done: &[&Incoming]) -> Result<()> {
        Ok(())
    }
}
