//! The batch loop: read a batch, prepare it on every core while the previous one is
//! written, flush (the durability point), let the source release it, index it.

use std::sync::OnceLock;
use std::time::Duration;

use rayon::prelude::*;

use super::{Prepared, Summary, prepare, stages, store_prepared};
use crate::config::Config;
use crate::indexing::RunIndexer;
use crate::mailbox::{Incoming, Source};
use crate::policy::Rules;
use crate::session::{Options, Session};
use crate::store::Store;
use crate::{Result, clock, crashpoint};
use stages::Stage;

/// Ingests everything a source has, batch by batch. `progress` is called after each
/// message with the running summary and the source's remaining-count hint.
pub fn run(
    config: &Config,
    options: &Options,
    source: &mut dyn Source,
    progress: &mut dyn FnMut(&Summary, Option<u64>),
) -> Result<Summary> {
    run_until(config, options, source, progress, &|| false)
}

/// [`run`], stopping cleanly between batches once `stop` says so (a shutdown signal):
/// what was processed is committed and released, the rest stays in the source.
///
/// Each batch is prepared (parsed, analysed) on every core, written in one store
/// transaction, flushed (the durability point), released by the source, then handed to
/// the index writer, which commits every few seconds and at the end of the run. While a
/// batch is being written, the next one is read and prepared on the other cores; it is
/// only released after its own flush, so reading ahead never lets go of anything early.
pub fn run_until(
    config: &Config,
    options: &Options,
    source: &mut dyn Source,
    progress: &mut dyn FnMut(&Summary, Option<u64>),
    stop: &dyn Fn() -> bool,
) -> Result<Summary> {
    let mut summary = Summary::default();
    let first = Session::open(options)?;
    // The questions moderators added route like the config's.
    let config = &*config.with_added_questions(&first.store.added_questions()?);
    for (rule, why) in Rules::compile(first.store.sender_rules()?).invalid {
        tracing::warn!(pattern = %rule.pattern, %why, "a stored sender rule does not parse and applies to no one: 'hubmail sender list' shows it, 'hubmail sender remove' removes it");
    }
    if let Some(key) = source.checkpoint_key() {
        source.restore(first.store.state(&key)?);
    }
    let mut session = Some(first);
    let mut indexer: Option<RunIndexer> = None;
    // The next batch, read while the previous one was written (prepared unless a
    // moderator came in between and may have changed the sender rules).
    let mut ahead: Option<(Vec<Incoming>, Option<PreparedBatch>)> = None;
    loop {
        if stop() {
            break;
        }
        let s = match session.take() {
            Some(s) => s,
            None => Session::open(options)?,
        };
        let (batch, prepared) = match ahead.take() {
            Some((batch, Some(prepared))) => (batch, prepared),
            Some((batch, None)) => {
                let prepared = prepare_batch(config, &s.store, &batch)?;
                (batch, prepared)
            }
            None => {
                let batch = source.next_batch(config.store.batch_size)?;
                let prepared = prepare_batch(config, &s.store, &batch)?;
                (batch, prepared)
            }
        };
        if batch.is_empty() {
            session = Some(s);
            break;
        }
        let next = if stop() {
            Ok(Vec::new())
        } else {
            source.next_batch(config.store.batch_size)
        };
        let rules = Rules::compile(s.store.sender_rules()?);
        let write = || {
            write_batch(
                &s,
                source,
                (&batch, prepared),
                &mut indexer,
                &mut summary,
                progress,
            )
        };
        let (written, next_prepared) = match &next {
            Ok(next) if !next.is_empty() => {
                let (written, prepared) = prepare_while(config, (&rules, &s.store), next, write);
                (written, Some(prepared))
            }
            _ => (write(), None),
        };
        let (written, next) = match (written, next) {
            (Ok(written), Ok(next)) => (written, next),
            (Err(e), _) | (_, Err(e)) => {
                // Make what was written searchable before giving up (best effort: what
                // is not committed stays unindexed in the store anyway).
                if let Some(w) = indexer.take()
                    && let Err(index_error) = w.finish(&s.store)
                {
                    tracing::warn!(error = %index_error, "indexing what was stored failed too; the next command indexes it");
                }
                return Err(e);
            }
        };
        if !next.is_empty() {
            ahead = Some((next, next_prepared));
        }
        let s = if written.index_failed {
            // The marks stay set; reopening rebuilds an index a crash left unwritable.
            indexer = None;
            drop(s);
            Session::open(options)?
        } else {
            s
        };
        crashpoint::hit("after-index");
        if let Some(e) = written.failure {
            if let Some(w) = indexer.take() {
                w.finish(&s.store)?;
            }
            return Err(e);
        }
        // Let a waiting moderator in between batches; otherwise keep the store open.
        if crate::store::someone_waiting(&options.data_dir) {
            if let Some(w) = indexer.take() {
                stages::time(Stage::Index, || w.finish(&s.store))?;
            }
            drop(s);
            crate::store::let_waiters_in(&options.data_dir, Duration::from_secs(2));
            // The moderator may have changed the sender rules: prepare again.
            if let Some((_, prepared)) = &mut ahead {
                *prepared = None;
            }
        } else {
            session = Some(s);
        }
    }
    if let (Some(w), Some(s)) = (indexer, &session) {
        stages::time(Stage::Index, || w.finish(&s.store))?;
    }
    Ok(summary)
}

/// A batch's preparations, in the batch's order.
type PreparedBatch = Vec<Result<Prepared>>;

/// Prepares a batch with the store's current sender rules.
fn prepare_batch(config: &Config, store: &Store, batch: &[Incoming]) -> Result<PreparedBatch> {
    let rules = Rules::compile(store.sender_rules()?);
    Ok(prepare_while(config, (&rules, store), batch, || ()).1)
}

/// What became of a batch handed to [`write_batch`], besides hard store errors.
struct Written {
    /// The error that stopped preparation part-way; what came before it was written.
    failure: Option<crate::Error>,
    /// The index could not take the batch: reopen (and rebuild) it.
    index_failed: bool,
}

/// Writes a prepared batch in one transaction, flushes it, lets the source release it,
/// then hands the new records to the index writer.
fn write_batch(
    s: &Session,
    source: &mut dyn Source,
    (batch, results): (&[Incoming], PreparedBatch),
    indexer: &mut Option<RunIndexer>,
    summary: &mut Summary,
    progress: &mut dyn FnMut(&Summary, Option<u64>),
) -> Result<Written> {
    let mut prepared = Vec::with_capacity(results.len());
    let mut failure = None;
    for result in results {
        match result {
            Ok(p) => prepared.push(p),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let done: Vec<&Incoming> = batch[..prepared.len()].iter().collect();
    let outcomes = stages::time(Stage::Store, || store_prepared(&s.store, prepared))?;
    let mut stored = Vec::with_capacity(outcomes.len());
    for (outcome, record) in outcomes {
        crashpoint::hit("after-store");
        summary.count(outcome);
        progress(summary, source.remaining_hint());
        stored.extend(record);
    }
    crashpoint::hit("before-flush");
    // The durability point: only after this flush may the source let go.
    stages::time(Stage::Flush, || s.store.flush())?;
    crashpoint::hit("after-flush");
    source.mark_processed(&done)?;
    if let Some((key, value)) = source.checkpoint() {
        s.store.set_state(&key, &value)?;
        s.store.flush()?;
    }
    crashpoint::hit("after-release");
    let indexed = stages::time(Stage::Index, || -> Result<()> {
        let writer = match indexer {
            Some(w) => w,
            None => indexer.insert(RunIndexer::new(&s.index)?),
        };
        writer.add_batch(&s.store, stored.iter().map(|r| r.as_ref()))
    });
    if let Err(e) = &indexed {
        tracing::warn!(error = %e, "indexing failed; reopening the index");
    }
    Ok(Written {
        failure,
        index_failed: indexed.is_err(),
    })
}

/// Most threads a batch is prepared on.
const MAX_WORKERS: usize = 8;

/// The threads that prepare batches, one per core up to [`MAX_WORKERS`], started once per
/// process. A thread started for each batch would leave its allocator pages behind when
/// it ends, still holding the prepared messages until they are written: a
/// 100,000-message ingest started 253 such threads and peaked about 20 MB higher (median
/// 313 MB against 291). `None` if no thread could be started (then the calling thread
/// prepares everything).
fn preparers() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, MAX_WORKERS);
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("hubmail-prepare-{i}"))
            .build()
            .map_err(|e| tracing::warn!(error = %e, "preparing on one thread"))
            .ok()
    })
    .as_ref()
}

/// Prepares `batch` on the [`preparers`] while this thread does `meanwhile` (writing the
/// previous batch). Messages are handed out one at a time, so a slow message does not
/// hold up the others; results keep the batch's order. The whole batch is received at
/// one time, so arrival order stays id order.
fn prepare_while<T>(
    config: &Config,
    (rules, store): (&Rules, &Store),
    batch: &[Incoming],
    meanwhile: impl FnOnce() -> T,
) -> (T, PreparedBatch) {
    let received = clock::now();
    let prepare_all = || -> PreparedBatch {
        stages::time(Stage::Prepare, || {
            batch
                .par_iter()
                .with_max_len(1)
                .map(|incoming| prepare(config, rules, store, incoming, received))
                .collect()
        })
    };
    match preparers() {
        Some(pool) => {
            let mut prepared = Vec::new();
            let out = pool.in_place_scope(|scope| {
                scope.spawn(|_| prepared = prepare_all());
                meanwhile()
            });
            (out, prepared)
        }
        None => {
            let out = meanwhile();
            (
                out,
                batch
                    .iter()
                    .map(|m| prepare(config, rules, store, m, received))
                    .collect(),
            )
        }
    }
}
