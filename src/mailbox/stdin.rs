//! One message on standard input, as an MTA pipe delivers it.
//!
//! Reads at most the size limit into memory; a larger message is streamed to a spool
//! file under the data directory so memory stays bounded.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::{Incoming, OVERSIZE_HEAD_BYTES, RawMessage, Source};
use crate::model::Origin;
use crate::{Error, Result};

/// Standard input as a one-message source.
pub struct Stdin {
    message: Option<Incoming>,
}

impl Stdin {
    /// Reads the message from `input`. An empty input is an error (nothing to store).
    pub fn read(input: &mut dyn Read, max_bytes: u64, spool_dir: &Path) -> Result<Stdin> {
        let mut bytes = Vec::new();
        let mut limited = input.take(max_bytes + 1);
        limited
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("reading", "standard input", e))?;
        let input = limited.into_inner();
        if bytes.is_empty() {
            return Err(Error::Input(
                "standard input is empty: pipe one message into 'hubmail ingest -'".into(),
            ));
        }
        let raw = if bytes.len() as u64 > max_bytes {
            let file = spool_file(spool_dir)?;
            let mut out =
                std::fs::File::create(&file).map_err(|e| Error::io("creating", &file, e))?;
            out.write_all(&bytes)
                .map_err(|e| Error::io("writing", &file, e))?;
            let rest =
                std::io::copy(input, &mut out).map_err(|e| Error::io("writing", &file, e))?;
            out.sync_all().map_err(|e| Error::io("syncing", &file, e))?;
            bytes.truncate(OVERSIZE_HEAD_BYTES);
            RawMessage::Oversize {
                head: bytes,
                size: max_bytes + 1 + rest,
                file,
            }
        } else {
            RawMessage::InMemory(bytes)
        };
        Ok(Stdin {
            message: Some(Incoming {
                raw,
                origin: Origin {
                    source: "stdin".into(),
                    location: "standard input".into(),
                },
                handle: "stdin".into(),
            }),
        })
    }
}

fn spool_file(dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
    Ok(dir.join(format!("stdin-{}.eml", std::process::id())))
}

impl Source for Stdin {
    fn describe(&self) -> String {
        "standard input".into()
    }

    fn remaining_hint(&self) -> Option<u64> {
        Some(u64::from(self.message.is_some()))
    }

    fn next_batch(&mut self, _max: usize) -> Result<Vec<Incoming>> {
        Ok(self.message.take().into_iter().collect())
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
