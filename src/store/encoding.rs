//! How values are laid out in sled: ids as big-endian keys, JSON compressed past 512 bytes
//! or with the store's dictionary of their kind, counters in `meta`.

use std::borrow::Cow;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::transaction::ConflictableTransactionError;
use sled::transaction::{TransactionError, TransactionalTree};

use super::codec::{self, Codec, Kind};
use crate::model::SubmissionId;
use crate::{Error, Result};

pub(super) fn key(id: SubmissionId) -> [u8; 8] {
    id.0.to_be_bytes()
}

pub(super) fn id_from(bytes: &[u8]) -> Result<SubmissionId> {
    let arr: [u8; 8] = bytes.try_into().map_err(|_| Error::Corrupt {
        key: format!("{bytes:?}"),
        message: "an id key is not 8 bytes".into(),
    })?;
    Ok(SubmissionId(u64::from_be_bytes(arr)))
}

/// Marks a zstd-compressed value (0xFE starts neither UTF-8 JSON nor a journal entry).
pub(super) const COMPRESSED: u8 = 0xFE;

pub(super) fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("records serialise: they hold only strings, numbers and lists")
}

/// Encodes a small value that has no dictionary (a pack reference, a sender rule): JSON,
/// compressed past 512 bytes.
pub(super) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    encode_bytes(to_json(value))
}

/// Encodes stored bytes as they are, compressed past 512 bytes: JSON, or a journal entry
/// (which never starts with 0xFE either: its first byte names a key tree).
pub(super) fn encode_bytes(bytes: Vec<u8>) -> Vec<u8> {
    if bytes.len() <= 512 {
        return bytes;
    }
    let mut out = vec![COMPRESSED];
    out.extend(codec::compress(&bytes));
    out
}

/// Encodes a value of a kind that has a dictionary once the store trained one: then
/// compressed with it whatever its size, before that as [`encode`] does.
pub(super) fn encode_as<T: Serialize>(codec: &Codec, kind: Kind, value: &T) -> Vec<u8> {
    if !codec.has(kind) {
        return encode(value);
    }
    let mut out = vec![COMPRESSED];
    out.extend(codec.compress(kind, &to_json(value)));
    out
}

pub(super) fn decode<T: DeserializeOwned>(codec: &Codec, what: &str, bytes: &[u8]) -> Result<T> {
    let json = json_of(codec, what, bytes)?;
    serde_json::from_slice(&json).map_err(|e| Error::Corrupt {
        key: what.to_string(),
        message: e.to_string(),
    })
}

/// A stored value's JSON, decompressed if it was compressed.
pub(super) fn json_of<'a>(codec: &Codec, what: &str, bytes: &'a [u8]) -> Result<Cow<'a, [u8]>> {
    if bytes.first() != Some(&COMPRESSED) {
        return Ok(Cow::Borrowed(bytes));
    }
    codec
        .decompress(&bytes[1..])
        .map(Cow::Owned)
        .map_err(|e| Error::Corrupt {
            key: what.to_string(),
            message: e.to_string(),
        })
}

pub(super) fn store_err(e: sled::Error) -> Error {
    Error::Store(e.to_string())
}

pub(super) fn tx_err(e: TransactionError<Error>) -> Error {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => store_err(e),
    }
}

pub(super) type Abortable<T> = std::result::Result<T, ConflictableTransactionError<Error>>;

/// Takes the next number of a sequence that starts at 1 (ids, audit and outbox numbers).
pub(super) fn next_counter(meta: &TransactionalTree, name: &str) -> Abortable<u64> {
    next_counter_from(meta, name, 1)
}

/// Returns the counter's value (`initial` when unset) and stores it plus one.
pub(super) fn next_counter_from(
    meta: &TransactionalTree,
    name: &str,
    initial: u64,
) -> Abortable<u64> {
    let current = meta
        .get(name.as_bytes())?
        .and_then(|b| b.as_ref().try_into().ok())
        .map(u64::from_be_bytes)
        .unwrap_or(initial);
    meta.insert(name.as_bytes(), &(current + 1).to_be_bytes())?;
    Ok(current)
}
