//! The spool: oversize messages, streamed to `spool/SHA256.eml` and never read whole.

use std::path::{Path, PathBuf};

use super::Store;
use crate::{Error, Result};

impl Store {
    /// Writes an oversize raw message to the spool under a temporary name, durably,
    /// before its record is stored; [`Store::rename_spooled`] gives it its final name.
    pub fn spool_raw(&self, name: &str, reader: &mut dyn std::io::Read) -> Result<u64> {
        let path = spool_path(&self.dir, name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("creating", parent, e))?;
        }
        let tmp = path.with_extension("tmp");
        let mut file = std::fs::File::create(&tmp).map_err(|e| Error::io("creating", &tmp, e))?;
        let n = std::io::copy(reader, &mut file).map_err(|e| Error::io("writing", &tmp, e))?;
        file.sync_all().map_err(|e| Error::io("syncing", &tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io("renaming", &tmp, e))?;
        Ok(n)
    }

    /// Gives a spooled message its final, content-addressed name (its sha256).
    pub fn rename_spooled(&self, name: &str, sha256: &str) -> Result<()> {
        let from = spool_path(&self.dir, name);
        let to = spool_path(&self.dir, sha256);
        std::fs::rename(&from, &to).map_err(|e| Error::io("renaming", &from, e))?;
        if let Some(dir) = to.parent()
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Removes a spooled message that turned out to be a duplicate.
    pub fn discard_spooled(&self, name: &str) {
        let _ = std::fs::remove_file(spool_path(&self.dir, name));
    }
}

pub(super) fn spool_path(store_dir: &Path, sha256: &str) -> PathBuf {
    store_dir
        .parent()
        .unwrap_or(store_dir)
        .join("spool")
        .join(format!("{sha256}.eml"))
}
