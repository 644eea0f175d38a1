//! Backup and restore: a consistent snapshot of the whole store (records, raw mail,
//! attachments, audit trail, outbox, sender rules, checkpoints) in one file.
//!
//! The snapshot is taken while holding the store, which a running worker releases between
//! batches, so it is consistent. The file is a tar archive, zstd-compressed: one entry per
//! sled tree (`trees/NAME.kv`, length-prefixed key/value pairs; `keys/NAME.kv` for the
//! trees of the keys database), one per pack file, and one per spooled oversize message
//! (`spool/SHA256.eml`, streamed both ways: never read whole). The search index is not
//! included: restore rebuilds it from the store.

use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{STORE_FORMAT, Store, store_err};
use crate::{Error, Result};

/// What a backup or restore covered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupReport {
    /// The store format of the snapshot.
    pub format: u32,
    /// sled trees.
    pub trees: usize,
    /// Key/value pairs in all trees.
    pub records: u64,
    /// Pack files (raw mail and attachments).
    pub packs: usize,
    /// Bytes of pack data.
    pub pack_bytes: u64,
    /// Oversize messages from the spool (absent from backups of earlier versions).
    #[serde(default)]
    pub spooled: usize,
    /// Their bytes.
    #[serde(default)]
    pub spool_bytes: u64,
}

/// Whether a file name is a spooled message's final name (`SHA256.eml`), not a
/// temporary one an interrupted ingest left behind.
fn is_spooled_name(name: &str) -> bool {
    name.strip_suffix(".eml")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Writes `source` to a new file at `path` and makes it durable (file and folder).
fn write_durably(path: &Path, source: &mut impl Read) -> Result<u64> {
    let mut file = std::fs::File::create(path).map_err(|e| Error::io("creating", path, e))?;
    let n = std::io::copy(source, &mut file).map_err(|e| Error::io("writing", path, e))?;
    file.sync_all().map_err(|e| Error::io("syncing", path, e))?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io("syncing", dir, e))?;
    }
    Ok(n)
}

/// Entries restored per sled batch. A tree in one batch held 4 GB at 100,000 submissions
/// and left sled's pages so fragmented that every later open of the store took 70 ms
/// instead of 40; batches as large as ingest's keep both as after an ingest.
const RESTORE_BATCH: u64 = 500;

/// A backup this store made, as remembered for erasures (the last 100).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupMade {
    /// Where it was written.
    pub path: String,
    /// When.
    pub at: jiff::Timestamp,
    /// The last submission id it holds.
    pub last_id: u64,
}

const BACKUPS_MADE: &str = "backups-made";

impl Store {
    /// Remembers that a backup was written to `path` (after [`Store::backup`] succeeded),
    /// so that an erasure can say which backups still hold what it erased.
    pub fn record_backup(&self, path: &Path, at: jiff::Timestamp) -> Result<()> {
        let mut made = self.backups_made()?;
        made.push(BackupMade {
            path: path.display().to_string(),
            at,
            last_id: self.last_id()?,
        });
        let excess = made.len().saturating_sub(100);
        made.drain(..excess);
        self.set_state(BACKUPS_MADE, &super::encoding::to_json(&made))?;
        self.flush()
    }

    /// The backups this store made, oldest first (as [`Store::record_backup`] noted them).
    pub fn backups_made(&self) -> Result<Vec<BackupMade>> {
        match self.state(BACKUPS_MADE)? {
            None => Ok(Vec::new()),
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
                key: BACKUPS_MADE.into(),
                message: e.to_string(),
            }),
        }
    }
}

fn bad(message: impl Into<String>) -> Error {
    Error::Input(format!("not a usable hubmail backup: {}", message.into()))
}

fn append(builder: &mut tar::Builder<impl Write>, name: &str, bytes: &[u8]) -> Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(0);
    header.set_cksum();
    builder
        .append_data(&mut header, name, bytes)
        .map_err(|e| Error::io("writing the backup", name, e))
}

impl Store {
    /// Writes a snapshot of the store to `out`.
    pub fn backup(&self, out: impl Write) -> Result<BackupReport> {
        self.flush()?;
        let encoder = zstd::stream::write::Encoder::new(out, 3)
            .map_err(|e| Error::io("compressing", "the backup", e))?;
        let mut tar = tar::Builder::new(encoder);
        let mut report = BackupReport {
            format: STORE_FORMAT,
            ..BackupReport::default()
        };
        for (folder, db) in [("trees", &self.db), ("keys", self.keys()?.db())] {
            for name in db.tree_names() {
                let tree = db.open_tree(&name).map_err(store_err)?;
                let mut buf = Vec::new();
                for item in tree.iter() {
                    let (k, v) = item.map_err(store_err)?;
                    buf.extend_from_slice(&(k.len() as u32).to_be_bytes());
                    buf.extend_from_slice(&k);
                    buf.extend_from_slice(&(v.len() as u32).to_be_bytes());
                    buf.extend_from_slice(&v);
                    report.records += 1;
                }
                append(
                    &mut tar,
                    &format!("{folder}/{}.kv", hex::encode(&name)),
                    &buf,
                )?;
                report.trees += 1;
            }
        }
        let packs = self.dir.join("packs");
        let mut names: Vec<_> = std::fs::read_dir(&packs)
            .map_err(|e| Error::io("listing", &packs, e))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".pack"))
            .collect();
        names.sort();
        for name in names {
            let path = packs.join(&name);
            let bytes = std::fs::read(&path).map_err(|e| Error::io("reading", &path, e))?;
            report.pack_bytes += bytes.len() as u64;
            append(&mut tar, &format!("packs/{name}"), &bytes)?;
            report.packs += 1;
        }
        let spool = self.dir.parent().unwrap_or(&self.dir).join("spool");
        let mut spooled: Vec<String> = match std::fs::read_dir(&spool) {
            Ok(entries) => entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| is_spooled_name(n))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::io("listing", &spool, e)),
        };
        spooled.sort();
        for name in spooled {
            let path = spool.join(&name);
            let mut file =
                std::fs::File::open(&path).map_err(|e| Error::io("reading", &path, e))?;
            let len = file
                .metadata()
                .map_err(|e| Error::io("reading", &path, e))?
                .len();
            let mut header = tar::Header::new_gnu();
            header.set_size(len);
            header.set_mode(0o600);
            header.set_mtime(0);
            header.set_cksum();
            tar.append_data(&mut header, format!("spool/{name}"), &mut file)
                .map_err(|e| Error::io("writing the backup", &path, e))?;
            report.spool_bytes += len;
            report.spooled += 1;
        }
        let manifest = serde_json::to_vec_pretty(&report).map_err(|e| bad(e.to_string()))?;
        append(&mut tar, "hubmail-backup.json", &manifest)?;
        let encoder = tar
            .into_inner()
            .map_err(|e| Error::io("writing", "the backup", e))?;
        encoder
            .finish()
            .map_err(|e| Error::io("finishing", "the backup", e))?
            .flush()
            .map_err(|e| Error::io("flushing", "the backup", e))?;
        Ok(report)
    }

    /// Restores a snapshot into `data_dir`, which must hold no store yet. The caller
    /// rebuilds the index.
    pub fn restore(data_dir: &Path, input: impl Read) -> Result<BackupReport> {
        let store_dir = data_dir.join("store");
        if store_dir.join("db").exists() || store_dir.join("conf").exists() {
            return Err(Error::Setup(format!(
                "{} already holds a store: restore only into an empty data directory",
                data_dir.display()
            )));
        }
        let decoder = zstd::stream::read::Decoder::new(input).map_err(|e| bad(e.to_string()))?;
        let mut archive = tar::Archive::new(decoder);
        let store = Store::open(data_dir, std::time::Duration::from_secs(5))?;
        let mut report = BackupReport::default();
        let mut manifest: Option<BackupReport> = None;
        for entry in archive.entries().map_err(|e| bad(e.to_string()))? {
            let mut entry = entry.map_err(|e| bad(e.to_string()))?;
            let name = entry
                .path()
                .map_err(|e| bad(e.to_string()))?
                .to_string_lossy()
                .into_owned();
            if let Some(spooled) = name.strip_prefix("spool/") {
                if !is_spooled_name(spooled) {
                    return Err(bad(format!("unexpected entry {name}")));
                }
                let dir = data_dir.join("spool");
                std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
                report.spool_bytes += write_durably(&dir.join(spooled), &mut entry)?;
                report.spooled += 1;
                continue;
            }
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| bad(e.to_string()))?;
            let tree_entry = |folder: &str| {
                name.strip_prefix(folder)
                    .and_then(|n| n.strip_prefix('/'))
                    .and_then(|n| n.strip_suffix(".kv"))
            };
            let tree_of = match (tree_entry("trees"), tree_entry("keys")) {
                (Some(tree), _) => Some((&store.db, tree)),
                (None, Some(tree)) => Some((store.keys()?.db(), tree)),
                (None, None) => None,
            };
            if let Some((db, tree)) = tree_of {
                let tree_name = hex::decode(tree).map_err(|_| bad(format!("entry {name}")))?;
                let tree = db.open_tree(&tree_name).map_err(store_err)?;
                let mut batch = sled::Batch::default();
                let mut at = 0usize;
                let take = |at: &mut usize, n: usize| -> Result<&[u8]> {
                    let slice = bytes
                        .get(*at..*at + n)
                        .ok_or_else(|| bad(format!("{name} is truncated")))?;
                    *at += n;
                    Ok(slice)
                };
                while at < bytes.len() {
                    let klen =
                        u32::from_be_bytes(take(&mut at, 4)?.try_into().expect("4 bytes")) as usize;
                    let k = take(&mut at, klen)?.to_vec();
                    let vlen =
                        u32::from_be_bytes(take(&mut at, 4)?.try_into().expect("4 bytes")) as usize;
                    let v = take(&mut at, vlen)?.to_vec();
                    batch.insert(k, v);
                    report.records += 1;
                    if report.records.is_multiple_of(RESTORE_BATCH) {
                        tree.apply_batch(std::mem::take(&mut batch))
                            .map_err(store_err)?;
                    }
                }
                tree.apply_batch(batch).map_err(store_err)?;
                report.trees += 1;
            } else if let Some(pack) = name.strip_prefix("packs/") {
                if pack.contains('/') || !pack.ends_with(".pack") {
                    return Err(bad(format!("unexpected entry {name}")));
                }
                let path = store.dir.join("packs").join(pack);
                report.pack_bytes += write_durably(&path, &mut bytes.as_slice())?;
                report.packs += 1;
            } else if name == "hubmail-backup.json" {
                manifest = Some(serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?);
            } else {
                return Err(bad(format!("unexpected entry {name}")));
            }
        }
        let manifest = manifest.ok_or_else(|| bad("no manifest (was the file cut short?)"))?;
        if manifest.format > STORE_FORMAT {
            return Err(Error::NewerFormat {
                path: data_dir.to_path_buf(),
                found: manifest.format,
                supported: STORE_FORMAT,
            });
        }
        if manifest.records != report.records
            || manifest.packs != report.packs
            || manifest.spooled != report.spooled
        {
            return Err(bad(format!(
                "it announces {} records, {} packs and {} spooled messages but holds {}, {} and {}",
                manifest.records,
                manifest.packs,
                manifest.spooled,
                report.records,
                report.packs,
                report.spooled
            )));
        }
        store.flush()?;
        store.keys()?.flush()?;
        report.format = manifest.format;
        Ok(report)
    }
}
