//! The key that signs notices' tokens, kept in the store (`state:moderation-keys`): made
//! at random the first time one is needed, and rotated on request. After a rotation the
//! previous key still verifies, so that notices already sent can be answered until their
//! tokens expire; the one before it no longer does.

use serde::{Deserialize, Serialize};

use super::token::Key;
use crate::store::Store;
use crate::{Error, Result};

const STATE: &str = "moderation-keys";

/// The keys in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// Signs new tokens.
    pub current: Key,
    /// Still verifies tokens signed before the last rotation.
    pub previous: Option<Key>,
}

impl Keys {
    /// The keys a token may verify with, current first.
    pub fn verifying(&self) -> Vec<Key> {
        std::iter::once(self.current).chain(self.previous).collect()
    }
}

#[derive(Serialize, Deserialize)]
struct Stored {
    current: String,
    previous: Option<String>,
    rotated: Option<jiff::Timestamp>,
}

fn random_key() -> Result<Key> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key)
        .map_err(|e| Error::Setup(format!("no random bytes for a moderation key: {e}")))?;
    Ok(key)
}

fn key_from(hex_text: &str) -> Result<Key> {
    hex::decode(hex_text)
        .ok()
        .and_then(|b| Key::try_from(b.as_slice()).ok())
        .ok_or_else(|| Error::Store("the stored moderation key is not 32 bytes of hex".into()))
}

fn read(store: &Store) -> Result<Option<Stored>> {
    store
        .state(STATE)?
        .map(|bytes| {
            serde_json::from_slice(&bytes)
                .map_err(|e| Error::Store(format!("the stored moderation keys: {e}")))
        })
        .transpose()
}

fn write(store: &Store, stored: &Stored) -> Result<()> {
    let bytes = serde_json::to_vec(stored)
        .map_err(|e| Error::Store(format!("the moderation keys: {e}")))?;
    store.set_state(STATE, &bytes)?;
    store.flush()
}

/// The keys, made (and made durable) the first time.
pub fn load_or_create(store: &Store) -> Result<Keys> {
    if let Some(s) = read(store)? {
        return Ok(Keys {
            current: key_from(&s.current)?,
            previous: s.previous.as_deref().map(key_from).transpose()?,
        });
    }
    let current = random_key()?;
    write(
        store,
        &Stored {
            current: hex::encode(current),
            previous: None,
            rotated: None,
        },
    )?;
    Ok(Keys {
        current,
        previous: None,
    })
}

/// Makes a new current key; the current one becomes the previous, and the previous one
/// is forgotten (tokens it signed no longer verify).
pub fn rotate(store: &Store, now: jiff::Timestamp) -> Result<Keys> {
    let old = load_or_create(store)?;
    let current = random_key()?;
    write(
        store,
        &Stored {
            current: hex::encode(current),
            previous: Some(hex::encode(old.current)),
            rotated: Some(now),
        },
    )?;
    Ok(Keys {
        current,
        previous: Some(old.current),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_kept_and_rotated_with_one_grace_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), std::time::Duration::from_secs(5)).expect("store");
        let first = load_or_create(&store).expect("keys");
        assert_eq!(load_or_create(&store).expect("again"), first, "kept");
        assert_ne!(first.current, [0; 32]);
        let now = "2022-02-01T10:00:00Z".parse().expect("instant");
        let second = rotate(&store, now).expect("rotated");
        assert_eq!(second.previous, Some(first.current));
        assert_ne!(second.current, first.current);
        let third = rotate(&store, now).expect("rotated");
        assert!(
            !third.verifying().contains(&first.current),
            "two rotations retire a key"
        );
        drop(store);
        let store = Store::open(dir.path(), std::time::Duration::from_secs(5)).expect("store");
        assert_eq!(load_or_create(&store).expect("reopened"), third, "durable");
    }
}
