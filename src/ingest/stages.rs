//! Time spent per pipeline stage, accumulated over a process (for `ingest --timings` and
//! the benchmark). Atomics, so the cost is two clock reads per stage and message.
//!
//! Parsing, language and analysis run on several threads at once: their figures add up
//! the threads' time; `prepare` is the wall-clock time the batches took to prepare.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// A pipeline stage.
#[derive(Debug, Clone, Copy)]
pub enum Stage {
    /// MIME parsing (mail-parser) and HTML conversion.
    Parse = 0,
    /// Language detection (whatlang).
    Language = 1,
    /// Classification, quote trimming, routing, flags (language included).
    Analysis = 2,
    /// Preparing a whole batch on the worker threads (wall clock).
    Prepare = 3,
    /// Writing a batch in one store transaction.
    Store = 4,
    /// The durable flush of a batch.
    Flush = 5,
    /// Indexing, and the commits.
    Index = 6,
    /// Reading attachments' text in the extraction worker (waiting for it included).
    Extract = 7,
}

/// Names in the order [`snapshot`] reports them.
pub const NAMES: [&str; 8] = [
    "parse", "language", "analysis", "prepare", "store", "flush", "index", "extract",
];

static NANOS: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

/// Runs `f`, adding its duration to `stage`.
pub fn time<T>(stage: Stage, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    NANOS[stage as usize].fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
    out
}

/// Milliseconds spent so far per stage, by name (analysis without the language
/// detection nested in it).
pub fn snapshot() -> Vec<(&'static str, f64)> {
    let ms = |i: usize| NANOS[i].load(Ordering::Relaxed) as f64 / 1e6;
    NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let value = if i == Stage::Analysis as usize {
                (ms(i) - ms(Stage::Language as usize)).max(0.0)
            } else {
                ms(i)
            };
            (*name, value)
        })
        .collect()
}
