//! Pack files: where the store keeps large bytes (raw messages, attachments).
//!
//! sled handles small records well and multi-kilobyte values poorly (slow page rewrites,
//! several times the space), so the bytes go to append-only pack files, compressed with
//! zstd, and sled keeps a [`PackRef`] to them. Packs are written before the records that
//! point at them and synced before the store is flushed, so a flushed record never points
//! at bytes that are not on disk. A crash can leave unreferenced bytes at the end of a
//! pack: harmless, never read.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::codec::{self, Codec};
use crate::{Error, Result};

/// Packs are closed and a new one started past this size.
const PACK_LIMIT: u64 = 1 << 30;

/// Bytes compressed for a pack, ready to append. Compressing is the costly part of
/// storing them, so whoever prepares the bytes (a pipeline worker) does it.
#[derive(Debug, Clone)]
pub struct Frame {
    compressed: Vec<u8>,
    size: u64,
}

impl Frame {
    /// Compresses `bytes` without a dictionary (attachments: they share little).
    pub fn compress(bytes: &[u8]) -> Frame {
        Frame::compressed(codec::compress(bytes), bytes.len())
    }

    /// Bytes compressed by the caller (with a dictionary), `size` bytes before.
    pub(super) fn compressed(compressed: Vec<u8>, size: usize) -> Frame {
        Frame {
            compressed,
            size: size as u64,
        }
    }

    /// The size of the original bytes.
    pub fn size(&self) -> u64 {
        self.size
    }
}

/// Where some bytes live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRef {
    /// Pack number.
    pub pack: u32,
    /// Offset of the compressed frame.
    pub offset: u64,
    /// Length of the compressed frame.
    pub len: u64,
    /// Length of the original bytes.
    pub size: u64,
}

/// Appends to the newest pack; reads from any.
pub struct Packs {
    dir: PathBuf,
    writer: Option<(u32, File, u64)>,
    dirty: bool,
}

fn pack_path(dir: &Path, n: u32) -> PathBuf {
    dir.join(format!("{n:06}.pack"))
}

impl Packs {
    /// The packs in `dir` (created if missing).
    pub fn open(dir: &Path) -> Result<Packs> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
        Ok(Packs {
            dir: dir.to_path_buf(),
            writer: None,
            dirty: false,
        })
    }

    fn newest(&self) -> Result<u32> {
        let mut newest = 0;
        let entries =
            std::fs::read_dir(&self.dir).map_err(|e| Error::io("listing", &self.dir, e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            if let Some(n) = name
                .to_str()
                .and_then(|n| n.strip_suffix(".pack"))
                .and_then(|n| n.parse::<u32>().ok())
            {
                newest = newest.max(n);
            }
        }
        Ok(newest)
    }

    fn writer(&mut self) -> Result<&mut (u32, File, u64)> {
        let full = self
            .writer
            .as_ref()
            .is_some_and(|(_, _, end)| *end >= PACK_LIMIT);
        if self.writer.is_none() || full {
            let n = match &self.writer {
                Some((n, _, _)) => n + 1,
                None => self.newest()?.max(1),
            };
            let path = pack_path(&self.dir, n);
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .read(true)
                .open(&path)
                .map_err(|e| Error::io("opening", &path, e))?;
            let end = file
                .metadata()
                .map_err(|e| Error::io("reading", &path, e))?
                .len();
            // A new pack's directory entry must be durable too.
            File::open(&self.dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| Error::io("syncing", &self.dir, e))?;
            self.writer = Some((n, file, end));
        }
        Ok(self.writer.as_mut().expect("set just above"))
    }

    /// Appends bytes compressed beforehand; durable only after [`Packs::sync`].
    pub fn append_frame(&mut self, frame: &Frame) -> Result<PackRef> {
        let dir = self.dir.clone();
        let (n, file, end) = self.writer()?;
        file.write_all(&frame.compressed)
            .map_err(|e| Error::io("writing", pack_path(&dir, *n), e))?;
        let r = PackRef {
            pack: *n,
            offset: *end,
            len: frame.compressed.len() as u64,
            size: frame.size,
        };
        *end += frame.compressed.len() as u64;
        self.dirty = true;
        Ok(r)
    }

    /// Makes every append so far durable.
    pub fn sync(&mut self) -> Result<()> {
        if self.dirty {
            if let Some((n, file, _)) = &self.writer {
                file.sync_data()
                    .map_err(|e| Error::io("syncing", pack_path(&self.dir, *n), e))?;
            }
            self.dirty = false;
        }
        Ok(())
    }

    /// Reads bytes back, decompressing them with the store's dictionaries.
    pub fn read(&self, r: &PackRef, codec: &Codec) -> Result<Vec<u8>> {
        let path = pack_path(&self.dir, r.pack);
        let mut file = File::open(&path).map_err(|e| Error::io("opening", &path, e))?;
        file.seek(SeekFrom::Start(r.offset))
            .map_err(|e| Error::io("reading", &path, e))?;
        let mut frame = vec![0u8; r.len as usize];
        file.read_exact(&mut frame)
            .map_err(|e| Error::io("reading", &path, e))?;
        codec.decompress(&frame).map_err(|e| Error::Corrupt {
            key: format!("{} at {}", path.display(), r.offset),
            message: e.to_string(),
        })
    }

    /// Overwrites a frame with zeros and makes that durable: the bytes of an erased
    /// message or attachment, which no record points at any more (see `erasure.rs`).
    pub fn overwrite(&self, r: &PackRef) -> Result<()> {
        use std::os::unix::fs::FileExt;
        let path = pack_path(&self.dir, r.pack);
        let file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|e| Error::io("opening", &path, e))?;
        let zeros = vec![0u8; 64 * 1024];
        let mut at = r.offset;
        let end = r.offset + r.len;
        while at < end {
            let n = (end - at).min(zeros.len() as u64) as usize;
            file.write_all_at(&zeros[..n], at)
                .map_err(|e| Error::io("overwriting", &path, e))?;
            at += n as u64;
        }
        file.sync_data().map_err(|e| Error::io("syncing", &path, e))
    }

    /// Total bytes in all packs (for statistics).
    pub fn disk_size(&self) -> u64 {
        super::dir_bytes(&self.dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_sync_read_round_trip_across_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let codec = Codec::default();
        let mut packs = Packs::open(dir.path()).expect("open");
        let a = packs
            .append_frame(&Frame::compress(b"first message"))
            .expect("append");
        let b = packs
            .append_frame(&Frame::compress(&vec![b'x'; 100_000]))
            .expect("append");
        packs.sync().expect("sync");
        assert!(b.len < 1000, "compressed");
        drop(packs);
        let mut packs = Packs::open(dir.path()).expect("reopen");
        let c = packs
            .append_frame(&Frame::compress(b"third"))
            .expect("append");
        assert_eq!(c.pack, a.pack);
        assert_eq!(c.offset, b.offset + b.len, "appends continue at the end");
        assert_eq!(packs.read(&a, &codec).expect("read"), b"first message");
        assert_eq!(packs.read(&b, &codec).expect("read"), vec![b'x'; 100_000]);
        assert_eq!(packs.read(&c, &codec).expect("read"), b"third");
    }
}
