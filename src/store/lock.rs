//! Sharing the store between processes.
//!
//! sled takes an exclusive file lock for as long as a database is open, so two hubmail
//! processes cannot have it at once. Instead of surfacing "could not acquire lock", a
//! process waits for the lock with a short backoff ([`crate::retry`]), up to a bound, then fails with
//! [`Error::StoreBusy`](crate::Error::StoreBusy) naming who holds it. Holders announce
//! themselves in `store/holder` (pid and command) so the message can say who.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use backon::BlockingRetryable;
use sled::Db;

use crate::{Error, Result, retry};

/// How the store opens a sled database in `dir` (the main one and the keys).
pub fn config(dir: &Path) -> sled::Config {
    sled::Config::new()
        .path(dir)
        // sled counts its cache in bytes as stored, and a page in memory costs several
        // times that: with values shrunk by the dictionaries, 64 MB of cache held 60 MB
        // more at the peak of a 100k ingest than 8 MB does, for no speed (measured:
        // 2 MB was slower, 16 MB no faster).
        .cache_capacity(8 * 1024 * 1024)
        // Only explicit flushes make writes durable: each one syncs the packs first,
        // so a record never becomes durable before the bytes it points at.
        .flush_every_ms(None)
}

/// Opens the sled database in `dir`, waiting up to `wait` for another process to close it
/// (retrying under [`retry::STORE_LOCK`]).
pub fn open_waiting(dir: &Path, wait: Duration) -> Result<Db> {
    let started = Instant::now();
    let mut waiting: Option<Waiting> = None;
    let opened = (|| {
        config(dir)
            .open()
            .and_then(|db| holds_the_file_there(dir).map(|()| db))
    })
    .retry(retry::STORE_LOCK.builder())
    .sleep(std::thread::sleep)
    .when(|e| is_lock_error(e) && started.elapsed() < wait)
    .notify(|_, _| {
        waiting.get_or_insert_with(|| Waiting::announce(dir));
    })
    .call();
    match opened {
        Ok(db) => Ok(db),
        Err(e) if is_lock_error(&e) => {
            let holder = std::fs::read_to_string(dir.join("holder")).unwrap_or_default();
            let holder = holder.trim();
            Err(Error::StoreBusy {
                path: if holder.is_empty() {
                    dir.to_path_buf()
                } else {
                    PathBuf::from(format!("{} (held by {holder})", dir.display()))
                },
                waited_ms: started.elapsed().as_millis() as u64,
            })
        }
        Err(e) => Err(Error::Store(e.to_string())),
    }
}

/// Whether the database file now at `dir/db` is the one this process just locked: a
/// relayout (`relayout.rs`) exchanges the store's folder while others wait, and an opener
/// that took hold of the old file the moment it was let go must not use it. sled locks with
/// `flock`, which conflicts between two descriptions of one file even in one process: if
/// ours succeeds, sled's lock is on another file, and opening is tried again.
fn holds_the_file_there(dir: &Path) -> sled::Result<()> {
    let path = dir.join("db");
    let file = std::fs::File::open(&path)?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Ok(()),
        Err(e) => Err(sled::Error::Io(e.into())),
        Ok(()) => Err(sled::Error::Io(std::io::Error::new(
            std::io::ErrorKind::WouldBlock,
            "could not acquire lock: the store was laid out afresh meanwhile",
        ))),
    }
}

fn is_lock_error(e: &sled::Error) -> bool {
    match e {
        sled::Error::Io(io) => {
            io.kind() == std::io::ErrorKind::WouldBlock
                || io.to_string().contains("could not acquire lock")
        }
        _ => false,
    }
}

/// Our entry in `store/holder`, removed when the store is closed.
pub struct Holder {
    path: PathBuf,
}

impl Holder {
    /// Writes `pid command` to `dir/holder` (best effort: it only improves a message).
    pub fn announce(dir: &Path) -> Holder {
        let path = dir.join("holder");
        let command: Vec<String> = std::env::args().take(3).collect();
        let _ = std::fs::write(
            &path,
            format!("pid {} ({})", std::process::id(), command.join(" ")),
        );
        Holder { path }
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Our entry in `store/waiting/`, telling a long run to let us in between batches.
struct Waiting {
    path: PathBuf,
}

impl Waiting {
    fn announce(dir: &Path) -> Waiting {
        let folder = dir.join("waiting");
        let _ = std::fs::create_dir_all(&folder);
        let path = folder.join(std::process::id().to_string());
        let _ = std::fs::write(&path, b"");
        Waiting { path }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether another live process is waiting for the store of `data_dir`.
pub fn someone_waiting(data_dir: &Path) -> bool {
    waiters(data_dir) > 0
}

/// After closing the store, gives the processes waiting for it up to `max` to take it
/// (each removes its `waiting/` entry once it has the store), so that reopening does not
/// win the race against them.
pub fn let_waiters_in(data_dir: &Path, max: Duration) {
    let started = Instant::now();
    while waiters(data_dir) > 0 && started.elapsed() < max {
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn waiters(data_dir: &Path) -> usize {
    let folder = data_dir.join("store").join("waiting");
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| {
            let pid = e.file_name().to_string_lossy().into_owned();
            let alive = Path::new("/proc").join(&pid).exists();
            if !alive {
                let _ = std::fs::remove_file(e.path()); // left by a killed waiter
            }
            alive && pid != std::process::id().to_string()
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opener_holding_a_file_the_store_no_longer_has_is_turned_away() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = dir.path().join("store");
        let db = config(&store).open().expect("open");
        holds_the_file_there(&store).expect("the file at store/db is the one locked");
        // A relayout exchanged the folder: the file now at store/db is another one, which
        // nobody has locked. (A plain file: a sled database just dropped may keep its lock
        // a moment longer, while its threads finish.)
        std::fs::rename(&store, dir.path().join("old")).expect("rename");
        std::fs::create_dir_all(&store).expect("mkdir");
        std::fs::write(store.join("db"), b"").expect("the new store's file");
        let refused = holds_the_file_there(&store).expect_err("not the locked file");
        assert!(
            is_lock_error(&refused),
            "retried like a busy store: {refused}"
        );
        drop(db);
    }
}
