//! Compression of what the store keeps, with zstd dictionaries trained on the store's own
//! values.
//!
//! Most values are small (a listing row is ~300 bytes, a record ~3 KB, a raw message a few
//! KB) and compressed one by one: zstd alone finds little to share inside one of them, while
//! every record repeats the same field names, every message the same headers and every
//! listing row the same shape. A dictionary per kind of value, trained once on the first
//! values the store holds (`[store] dictionary_after` submissions), carries what they share, so
//! each value keeps only what is its own.
//!
//! Guarantees: a frame names the dictionary it was made with (zstd writes the dictionary's
//! id in the frame header), so values compressed before a dictionary existed, and values of
//! older formats, decode as they are: nothing is ever rewritten. A dictionary is written to
//! the store before the first value that uses it, and sled persists its log in order, so no
//! durable value can name a dictionary that is not durable too. A store uses only the
//! dictionaries it holds: the codec belongs to one store, never to the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use zstd::zstd_safe::{self, CCtx, CDict, DCtx, DDict};

/// zstd level: fast, and mail text still shrinks three- to four-fold.
pub const LEVEL: i32 = 3;

/// No value the store compresses is larger (a pack holds at most 1 GiB): a frame header
/// claiming more is corrupt, not a reason to allocate it.
const MAX_CONTENT_BYTES: u64 = 1 << 31;

/// How many values of a kind a dictionary is trained on.
pub const TRAINING_SAMPLES: usize = 1000;

/// How much of each value training reads.
pub const SAMPLE_BYTES: usize = 16 * 1024;

/// The kinds of value that each have a dictionary: values of one kind look alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Raw messages in the packs.
    Raw,
    /// Submission records.
    Record,
    /// Queue listing rows.
    Listing,
    /// Audit entries.
    Audit,
    /// Outbox entries.
    Outbox,
}

impl Kind {
    /// Every kind, in the order they are trained.
    pub const ALL: [Kind; 5] = [
        Kind::Raw,
        Kind::Record,
        Kind::Listing,
        Kind::Audit,
        Kind::Outbox,
    ];

    /// What the kind is called (its dictionary's key in the store, and in statistics).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Raw => "raw",
            Kind::Record => "record",
            Kind::Listing => "listing",
            Kind::Audit => "audit",
            Kind::Outbox => "outbox",
        }
    }

    /// The largest dictionary worth its memory for this kind: about a twentieth of what it
    /// is trained on.
    fn max_dictionary_bytes(self) -> usize {
        match self {
            Kind::Raw | Kind::Record => 64 * 1024,
            Kind::Listing | Kind::Outbox => 16 * 1024,
            Kind::Audit => 8 * 1024,
        }
    }
}

/// A trained dictionary, prepared for compressing and for decompressing.
struct Dictionary {
    cdict: CDict<'static>,
    ddict: DDict<'static>,
}

/// The dictionaries one store holds: which to compress each kind with, and every one a
/// frame may name.
#[derive(Default)]
pub struct Codec {
    by_kind: RwLock<HashMap<Kind, Arc<Dictionary>>>,
    by_id: RwLock<HashMap<u32, Arc<Dictionary>>>,
}

/// zstd contexts any thread may borrow (they hold no store's data: a dictionary is
/// handed to each call). Creating one costs more than compressing a
/// message, and ingest starts its helper threads anew for every batch: contexts kept per
/// thread were made again for each batch, and their memory was left behind (at 100,000
/// messages the peak RSS was 35-80 MB higher than with contexts made once).
struct Pool<T>(Mutex<Vec<T>>);

impl<T> Pool<T> {
    const fn new() -> Self {
        Pool(Mutex::new(Vec::new()))
    }

    fn with<R>(&self, make: impl FnOnce() -> T, f: impl FnOnce(&mut T) -> R) -> R {
        let taken = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop();
        let mut context = taken.unwrap_or_else(make);
        let out = f(&mut context);
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(context);
        out
    }
}

/// Contexts for compressing without a dictionary: their level is set once, and each input
/// gets parameters sized to it.
static PLAIN: Pool<CCtx<'static>> = Pool::new();
/// Contexts for compressing with a dictionary (its parameters come with it).
static WITH_DICTIONARY: Pool<CCtx<'static>> = Pool::new();
static DECOMPRESSORS: Pool<DCtx<'static>> = Pool::new();

fn plain_context() -> CCtx<'static> {
    let mut cctx = CCtx::create();
    cctx.set_parameter(zstd_safe::CParameter::CompressionLevel(LEVEL))
        .expect("level 3 is a valid zstd level");
    cctx
}

fn zstd_error(code: zstd_safe::ErrorCode) -> std::io::Error {
    std::io::Error::other(zstd_safe::get_error_name(code))
}

impl Codec {
    /// Adds a dictionary the store holds (as trained: zstd's dictionary format); it is
    /// used to compress `kind` from now on. Returns its id, or `None` when the bytes are
    /// not a zstd dictionary.
    pub fn add(&self, kind: Kind, bytes: &[u8]) -> Option<u32> {
        let id = zstd_safe::get_dict_id_from_dict(bytes)?.get();
        let dictionary = Arc::new(Dictionary {
            cdict: CDict::try_create(bytes, LEVEL)?,
            ddict: DDict::try_create(bytes)?,
        });
        write(&self.by_id).insert(id, Arc::clone(&dictionary));
        write(&self.by_kind).insert(kind, dictionary);
        Some(id)
    }

    /// Whether `kind` has a dictionary.
    pub fn has(&self, kind: Kind) -> bool {
        read(&self.by_kind).contains_key(&kind)
    }

    /// Compresses `bytes` with the kind's dictionary, or without one while it has none.
    pub fn compress(&self, kind: Kind, bytes: &[u8]) -> Vec<u8> {
        let Some(dictionary) = read(&self.by_kind).get(&kind).cloned() else {
            return compress(bytes);
        };
        let mut out = Vec::with_capacity(zstd_safe::compress_bound(bytes.len()));
        WITH_DICTIONARY
            .with(CCtx::create, |cctx| {
                cctx.compress_using_cdict(&mut out, bytes, &dictionary.cdict)
            })
            .expect("compressing into a buffer of compress_bound bytes cannot fail");
        out
    }

    /// Decompresses a zstd frame, with the dictionary it names if it names one.
    pub fn decompress(&self, frame: &[u8]) -> std::io::Result<Vec<u8>> {
        let dictionary = match zstd_safe::get_dict_id_from_frame(frame) {
            None => None,
            Some(id) => Some(read(&self.by_id).get(&id.get()).cloned().ok_or_else(|| {
                std::io::Error::other(format!(
                    "compressed with dictionary {id}, which this store does not hold"
                ))
            })?),
        };
        let size = match zstd_safe::get_frame_content_size(frame) {
            Ok(Some(0)) => return Ok(Vec::new()),
            Ok(Some(size)) if size <= MAX_CONTENT_BYTES => size as usize,
            Ok(Some(size)) => {
                return Err(std::io::Error::other(format!(
                    "the frame claims {size} bytes, more than any value the store writes"
                )));
            }
            // No size in the header (a frame written by a stream): let zstd grow the output.
            _ => {
                return match dictionary {
                    None => zstd::stream::decode_all(frame),
                    Some(_) => Err(std::io::Error::other(
                        "a dictionary frame without its content size",
                    )),
                };
            }
        };
        let mut out = Vec::with_capacity(size);
        DECOMPRESSORS
            .with(DCtx::create, |dctx| match &dictionary {
                Some(d) => dctx.decompress_using_ddict(&mut out, frame, &d.ddict),
                None => dctx.decompress(&mut out, frame),
            })
            .map_err(zstd_error)?;
        Ok(out)
    }
}

/// Compresses `bytes` without a dictionary.
pub fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(zstd_safe::compress_bound(bytes.len()));
    PLAIN
        .with(plain_context, |cctx| cctx.compress2(&mut out, bytes))
        .expect("compressing into a buffer of compress_bound bytes cannot fail");
    out
}

/// Trains a dictionary for `kind` on `samples`; `None` when zstd finds too little to train
/// on (too few or too small samples).
pub fn train(kind: Kind, samples: &[Vec<u8>]) -> Option<Vec<u8>> {
    let total: usize = samples.iter().map(Vec::len).sum();
    let max = kind.max_dictionary_bytes().min(total / 20);
    if samples.len() < 8 || max < 256 {
        return None;
    }
    zstd::dict::from_samples(samples, max).ok()
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<Vec<u8>> {
        (0..400)
            .map(|i| {
                format!(
                    "{{\"v\":1,\"id\":{i},\"state\":\"pending\",\"subject\":\"Labour mobility {}\",\
                     \"author\":{{\"name\":\"Person {i}\",\"address\":\"p{i}@example.org\"}},\
                     \"lang\":\"en\",\"flags\":[\"first-time-sender\"]}}",
                    i * 7 % 13
                )
                .into_bytes()
            })
            .collect()
    }

    #[test]
    fn a_trained_dictionary_shrinks_small_values_and_round_trips() {
        let samples = samples();
        let codec = Codec::default();
        let plain: usize = samples
            .iter()
            .map(|s| codec.compress(Kind::Listing, s).len())
            .sum();
        let dictionary = train(Kind::Listing, &samples).expect("enough samples");
        codec
            .add(Kind::Listing, &dictionary)
            .expect("a zstd dictionary");
        let with: usize = samples
            .iter()
            .map(|s| codec.compress(Kind::Listing, s).len())
            .sum();
        assert!(
            with * 2 < plain,
            "{with} bytes with the dictionary, {plain} without"
        );
        for s in samples.iter().chain([&Vec::new()]) {
            let frame = codec.compress(Kind::Listing, s);
            assert_eq!(&codec.decompress(&frame).expect("decompress"), s);
        }
    }

    #[test]
    fn frames_from_before_the_dictionary_still_decode_and_others_need_theirs() {
        let samples = samples();
        let codec = Codec::default();
        let before = codec.compress(Kind::Record, &samples[0]);
        let dictionary = train(Kind::Record, &samples).expect("enough samples");
        codec
            .add(Kind::Record, &dictionary)
            .expect("a zstd dictionary");
        let after = codec.compress(Kind::Record, &samples[0]);
        assert_eq!(codec.decompress(&before).expect("old frame"), samples[0]);
        assert_eq!(codec.decompress(&after).expect("new frame"), samples[0]);

        // Another store without that dictionary says which one is missing.
        let err = Codec::default()
            .decompress(&after)
            .expect_err("no dictionary");
        assert!(err.to_string().contains("does not hold"), "{err}");
    }

    #[test]
    fn too_few_samples_train_nothing() {
        assert!(train(Kind::Audit, &samples()[..3]).is_none());
    }
}
