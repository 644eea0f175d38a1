//! The pipeline: source → parse → classify → trim → language → route → store → index.
//!
//! [`process`] turns one incoming message into exactly one outcome (queued, ignored,
//! quarantined, or a counted duplicate) and writes it to the store; it never fails on
//! bad input, only on a store problem. [`run`] drives a source batch by batch: process,
//! one flush (the durability point), only then let the source release the messages, then
//! bring the index up to date. A crash anywhere leaves each message either still in the
//! source (re-read, then recognised by its digest) or durably stored.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::mailbox::{Incoming, RawMessage, Source};
use crate::model::{
    Attachment, Author, DecisionRecord, Flag, FlagKind, MailHeaders, Origin, RECORD_VERSION,
    SenderPolicy, SenderRule, State, Submission, SubmissionId,
};
use crate::parse::{self, ParsedMessage};
use crate::store::{DuplicateOf, Frame, NewSubmission, Store, Stored};
use crate::{Result, classify, clock, crashpoint, index, lang, notify, policy, route, trim};

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Stored and waiting for a moderator.
    Queued(SubmissionId),
    /// Stored as not a contribution (auto-reply, bounce…).
    Ignored(SubmissionId),
    /// Stored as unprocessable, with the reason.
    Quarantined(SubmissionId),
    /// Already stored: counted on the original.
    Duplicate(DuplicateOf),
    /// Stored as rejected on arrival (banned sender).
    Rejected(SubmissionId),
}

/// Counts of an ingest run (the `--json` contract).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Messages read from the sources.
    pub read: u64,
    /// New submissions waiting for moderation.
    pub queued: u64,
    /// Auto-replies, bounces and list mail kept as `ignored`.
    pub ignored: u64,
    /// Unprocessable messages kept as `quarantined`.
    pub quarantined: u64,
    /// Copies of messages already stored.
    pub duplicates: u64,
    /// Mail from banned senders, rejected on arrival.
    pub rejected: u64,
}

impl Summary {
    fn count(&mut self, outcome: Outcome) {
        self.read += 1;
        match outcome {
            Outcome::Queued(_) => self.queued += 1,
            Outcome::Ignored(_) => self.ignored += 1,
            Outcome::Quarantined(_) => self.quarantined += 1,
            Outcome::Duplicate(_) => self.duplicates += 1,
            Outcome::Rejected(_) => self.rejected += 1,
        }
    }
}

/// Time spent per pipeline stage, accumulated over a process (for `ingest --timings` and
/// the benchmark). Atomics, so the cost is two clock reads per stage and message.
///
/// Parsing, language and analysis run on several threads at once: their figures add up
/// the threads' time; `prepare` is the wall-clock time the batches took to prepare.
pub mod stages {
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
    }

    /// Names in the order [`snapshot`] reports them.
    pub const NAMES: [&str; 7] = [
        "parse", "language", "analysis", "prepare", "store", "flush", "index",
    ];

    static NANOS: [AtomicU64; 7] = [const { AtomicU64::new(0) }; 7];

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
}

use stages::Stage;

/// The actor name recorded in the audit trail for the pipeline.
pub const PIPELINE_ACTOR: &str = "hubmail";

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * digest.len());
    for b in digest {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// A record with everything unknown left empty, for the paths that do not parse fully.
fn bare_submission(
    origin: &Origin,
    received: jiff::Timestamp,
    raw_sha256: String,
    raw_size: u64,
) -> Submission {
    Submission {
        v: RECORD_VERSION,
        id: SubmissionId(0),
        state: State::Pending,
        reason: None,
        received,
        origin: origin.clone(),
        subject: String::new(),
        author: Author::default(),
        headers: MailHeaders::default(),
        lang: None,
        lang_confidence: 0.0,
        other_langs: Vec::new(),
        question: None,
        routed_by: None,
        objectives: Vec::new(),
        body: String::new(),
        quoted: String::new(),
        signature: String::new(),
        body_source: "none".into(),
        attachments: Vec::new(),
        flags: Vec::new(),
        raw_sha256,
        raw_size,
        duplicates: 0,
        approvals: Vec::new(),
        decision: None,
        revisions: Vec::new(),
    }
}

/// Best-effort subject and sender of a message that will not parse fully, so that a
/// quarantined record still says what it was.
fn describe_unparsed(head: &[u8], submission: &mut Submission) {
    let parsed = catch_unwind(|| {
        mail_parser::MessageParser::default()
            .parse_headers(head)
            .map(|m| {
                let subject = parse::clean_line(m.subject().unwrap_or_default());
                let from = m.from().and_then(|a| a.first()).map(|a| {
                    (
                        a.name().map(parse::clean_line).unwrap_or_default(),
                        a.address().unwrap_or_default().to_lowercase(),
                    )
                });
                let mid = m.message_id().map(str::to_string);
                (subject, from, mid)
            })
    });
    if let Ok(Some((subject, from, mid))) = parsed {
        submission.subject = subject.chars().take(300).collect();
        if let Some((name, address)) = from {
            submission.author.name = name.chars().take(200).collect();
            submission.author.address = address.chars().take(200).collect();
        }
        submission.headers.message_id = mid.filter(|m| !m.is_empty() && m.len() < 500);
    }
}

/// One message made ready for the store: everything the pipeline decides without it.
#[derive(Debug)]
pub enum Prepared {
    /// Its very bytes are stored already (a re-read): nothing to write.
    Known(DuplicateOf),
    /// To write, unless the store recognises it as a copy of a stored submission.
    New(Box<NewSubmission>),
}

fn arrival(submission: Submission, raw: Option<Frame>) -> NewSubmission {
    NewSubmission {
        submission,
        raw,
        blobs: Vec::new(),
        dedupe_message_id: None,
        content_key: None,
        first_time_flag: None,
        actor: PIPELINE_ACTOR.into(),
        ack: None,
    }
}

fn quarantined(mut submission: Submission, raw: Option<Frame>, reason: String) -> Prepared {
    submission.state = State::Quarantined;
    submission.reason = Some(reason);
    Prepared::New(Box::new(arrival(submission, raw)))
}

/// Processes one message and writes its outcome to the store (not yet flushed).
pub fn process(config: &Config, store: &Store, incoming: &Incoming) -> Result<Outcome> {
    let rules = store.sender_rules()?;
    let prepared = prepare(config, &rules, store, incoming, clock::now())?;
    let (outcome, _) = store_prepared(store, vec![prepared])?
        .pop()
        .expect("one outcome per message");
    Ok(outcome)
}

/// Parses and analyses one message, `received` at that time: the store is only read (to
/// skip a message whose bytes it holds already), so messages can be prepared on several
/// threads at once.
pub fn prepare(
    config: &Config,
    rules: &[SenderRule],
    store: &Store,
    incoming: &Incoming,
    received: jiff::Timestamp,
) -> Result<Prepared> {
    match &incoming.raw {
        RawMessage::Oversize { head, size, file } => {
            prepare_oversize(config, store, incoming, received, (head, *size, file))
        }
        RawMessage::InMemory(bytes) => {
            prepare_bytes(config, rules, store, (&incoming.origin, received), bytes)
        }
    }
}

fn prepare_oversize(
    config: &Config,
    store: &Store,
    incoming: &Incoming,
    received: jiff::Timestamp,
    (head, size, file): (&[u8], u64, &Path),
) -> Result<Prepared> {
    // Hash and spool the whole file in one streamed pass, never holding it in memory.
    static SPOOLED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut reader = std::fs::File::open(file).map_err(|e| crate::Error::io("opening", file, e))?;
    let mut hasher = HashingReader {
        inner: &mut reader,
        hasher: Sha256::new(),
    };
    let tmp_name = format!(
        "incoming-{}-{}",
        std::process::id(),
        SPOOLED.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    store.spool_raw(&tmp_name, &mut hasher)?;
    let sha: String = hasher
        .hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if let Some(id) = store.find_same_bytes(&sha)? {
        store.discard_spooled(&tmp_name);
        return Ok(Prepared::Known(DuplicateOf::SameBytes(id)));
    }
    store.rename_spooled(&tmp_name, &sha)?;
    let mut submission = bare_submission(&incoming.origin, received, sha, size);
    describe_unparsed(head, &mut submission);
    let reason = format!(
        "the message is {:.1} MB, over the {:.1} MB limit ([limits] max_message_bytes); \
         its bytes are kept in the spool",
        size as f64 / 1e6,
        config.limits.max_message_bytes as f64 / 1e6
    );
    Ok(quarantined(submission, None, reason))
}

struct HashingReader<'a> {
    inner: &'a mut dyn std::io::Read,
    hasher: Sha256,
}

impl std::io::Read for HashingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

fn prepare_bytes(
    config: &Config,
    rules: &[SenderRule],
    store: &Store,
    (origin, received): (&Origin, jiff::Timestamp),
    raw: &[u8],
) -> Result<Prepared> {
    let sha = sha256_hex(raw);
    if let Some(id) = store.find_same_bytes(&sha)? {
        return Ok(Prepared::Known(DuplicateOf::SameBytes(id)));
    }
    let mut submission = bare_submission(origin, received, sha, raw.len() as u64);

    let parsed = match stages::time(Stage::Parse, || {
        catch_unwind(AssertUnwindSafe(|| parse::parse(raw, &config.limits)))
    }) {
        Ok(Ok(parsed)) => parsed,
        Ok(Err(malformed)) => {
            describe_unparsed(raw, &mut submission);
            return Ok(quarantined(
                submission,
                Some(store.raw_frame(raw)),
                malformed.reason,
            ));
        }
        Err(_) => {
            describe_unparsed(raw, &mut submission);
            return Ok(quarantined(
                submission,
                Some(store.raw_frame(raw)),
                "the MIME parser failed on this message (an internal error): \
                 inspect it with 'hubmail show ID --raw'"
                    .into(),
            ));
        }
    };
    let message_id = parsed.headers.message_id.clone();

    let analysed = stages::time(Stage::Analysis, || {
        catch_unwind(AssertUnwindSafe(|| {
            analyse(config, rules, &parsed, &mut submission)
        }))
    });
    if analysed.is_err() {
        let mut new = quarantined(
            submission,
            Some(store.raw_frame(raw)),
            "analysing this message failed (an internal error): inspect it with \
             'hubmail show ID --raw'"
                .into(),
        );
        if let Prepared::New(new) = &mut new {
            new.dedupe_message_id = message_id;
        }
        return Ok(new);
    }

    let pending = submission.state == State::Pending;
    let content_key = (pending && !submission.body.is_empty())
        .then(|| content_key(&submission.author.address, &submission.body));
    let first_time_flag = (pending && !submission.author.address.is_empty()).then(|| {
        Flag::new(
            FlagKind::FirstTimeSender,
            format!("first message from {}", submission.author.address),
        )
    });

    let mut blobs = Vec::new();
    for (attachment, parsed_attachment) in submission
        .attachments
        .iter_mut()
        .zip(parsed.attachments.iter())
    {
        if attachment.size > config.limits.max_attachment_bytes {
            continue; // flagged in analyse(); the bytes stay in the raw message
        }
        let sha = sha256_hex(&parsed_attachment.bytes);
        attachment.sha256 = Some(sha.clone());
        blobs.push((sha, Frame::compress(&parsed_attachment.bytes)));
    }

    let ack = notify::ack_request(config, &submission, &parsed);
    Ok(Prepared::New(Box::new(NewSubmission {
        blobs,
        dedupe_message_id: message_id,
        content_key,
        first_time_flag,
        ack,
        ..arrival(submission, Some(store.raw_frame(raw)))
    })))
}

/// Writes prepared messages to the store in one transaction (not yet flushed); returns
/// each one's outcome, with the record as stored for the new ones.
pub fn store_prepared(
    store: &Store,
    prepared: Vec<Prepared>,
) -> Result<Vec<(Outcome, Option<Box<Submission>>)>> {
    let mut known = Vec::with_capacity(prepared.len());
    let mut new = Vec::with_capacity(prepared.len());
    for p in prepared {
        match p {
            Prepared::Known(dup) => known.push(Some(dup)),
            Prepared::New(n) => {
                known.push(None);
                new.push(*n);
            }
        }
    }
    let mut stored = store.insert_batch(&new)?.into_iter();
    Ok(known
        .into_iter()
        .map(|k| match k {
            Some(dup) => (Outcome::Duplicate(dup), None),
            None => match stored.next().expect("one result per new submission") {
                Stored::Duplicate(dup) => (Outcome::Duplicate(dup), None),
                Stored::Inserted(record) => {
                    let outcome = match record.state {
                        State::Ignored => Outcome::Ignored(record.id),
                        State::Quarantined => Outcome::Quarantined(record.id),
                        State::Rejected => Outcome::Rejected(record.id),
                        _ => Outcome::Queued(record.id),
                    };
                    (outcome, Some(record))
                }
            },
        })
        .collect())
}

/// Fills a submission from a parsed message: the pure part of the pipeline.
pub fn analyse(config: &Config, rules: &[SenderRule], parsed: &ParsedMessage, s: &mut Submission) {
    s.headers = parsed.headers.clone();
    s.subject = parsed.subject.clone();
    let display = parsed.from_name.clone().unwrap_or_default();
    let (name, affiliation) = trim::split_display_name(&display);
    s.author = Author {
        name: if name.is_empty() {
            parsed
                .from_address
                .as_deref()
                .and_then(|a| a.split('@').next())
                .unwrap_or_default()
                .to_string()
        } else {
            name
        },
        address: parsed.from_address.clone().unwrap_or_default(),
        affiliation,
    };
    s.body_source = parsed.body_source.as_str().into();
    s.attachments = parsed
        .attachments
        .iter()
        .map(|a| Attachment {
            name: a.name.clone(),
            content_type: a.content_type.clone(),
            size: a.bytes.len() as u64,
            sha256: None,
        })
        .collect();

    if let Some(reason) = classify::not_a_contribution(parsed, &config.hub) {
        s.state = State::Ignored;
        s.reason = Some(reason);
        s.body = parsed.text.clone();
        return;
    }

    if parsed.from_address.is_none() {
        s.state = State::Quarantined;
        s.reason = Some(
            "no usable From address: cannot tell who sent it (check the raw message with \
             'hubmail show ID --raw')"
                .into(),
        );
        s.body = parsed.text.clone();
        return;
    }

    match policy::applicable(rules, &s.author.address) {
        Some(rule) if rule.policy == SenderPolicy::Ban => {
            let why = format!(
                "sender banned by rule {}{}",
                rule.pattern,
                rule.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            );
            s.state = State::Rejected;
            s.reason = Some(why.clone());
            s.decision = Some(DecisionRecord {
                moderator: PIPELINE_ACTOR.into(),
                at: s.received,
                state: State::Rejected,
                code: None,
                reason: Some(why),
            });
        }
        Some(rule) => s.flags.push(Flag::new(
            FlagKind::Trusted,
            format!(
                "sender matches the trusted rule {} (set by {})",
                rule.pattern, rule.by
            ),
        )),
        None => {}
    }

    let trimmed = trim::trim(&parsed.text);
    if s.author.affiliation.is_none() {
        s.author.affiliation =
            trim::affiliation_from_text(&trimmed.signature, &trimmed.contribution, &s.author.name);
    }
    s.body = trimmed.contribution;
    s.quoted = trimmed.quoted;
    s.signature = trimmed.signature;

    if s.body.trim().is_empty() && s.attachments.is_empty() && s.state == State::Pending {
        s.state = State::Quarantined;
        s.reason = Some("the message has no text and no attachment".into());
        return;
    }

    let detection = stages::time(Stage::Language, || {
        lang::detect(&s.body, &s.subject, &s.headers.content_language)
    });
    s.lang = detection.lang;
    s.lang_confidence = (detection.confidence * 100.0).round() / 100.0;
    s.other_langs = detection.others;
    s.flags.extend(detection.flags);

    let mut reply_ids = s.headers.in_reply_to.clone();
    reply_ids.extend(s.headers.references.iter().cloned());
    let mut recipients = s.headers.recipients.clone();
    for header in ["delivered-to", "x-original-to"] {
        if let Some(v) = parsed.extra(header) {
            recipients.push(v.trim().to_lowercase());
        }
    }
    let routed = route::route(config, &s.subject, &recipients, &reply_ids);
    s.question = routed.question;
    s.routed_by = routed.how;
    s.objectives = route::objectives(&[&s.subject, &s.body]);

    s.flags.extend(classify::hold_flags(parsed, &config.hub));
    if let Some(flag) = route::deadline_flag(config, s.question.as_ref(), s.date()) {
        s.flags.push(flag);
    }
    for a in &s.attachments {
        if a.size > config.limits.max_attachment_bytes {
            s.flags.push(Flag::new(
                FlagKind::AttachmentTooLarge,
                format!(
                    "{:?} is {:.1} MB, over the {:.1} MB limit; it was not stored separately \
                     (it stays in the raw message)",
                    a.name,
                    a.size as f64 / 1e6,
                    config.limits.max_attachment_bytes as f64 / 1e6
                ),
            ));
        }
    }
}

/// The duplicate key of a contribution: sender plus text, case and spacing ignored (the
/// hash of `address`, a newline, then the words lower-cased and joined by one space, fed
/// to the hasher word by word: it runs for every message).
fn content_key(address: &str, body: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(address.as_bytes());
    hasher.update(b"\n");
    let mut ascii = Vec::new();
    for (i, word) in body.split_whitespace().enumerate() {
        if i > 0 {
            hasher.update(b" ");
        }
        if word.is_ascii() {
            ascii.clear();
            ascii.extend_from_slice(word.as_bytes());
            ascii.make_ascii_lowercase();
            hasher.update(&ascii);
        } else {
            // Full Unicode lower-casing, which depends on context (a final sigma).
            hasher.update(word.to_lowercase().as_bytes());
        }
    }
    hex(&hasher.finalize())
}

/// Options of an ingest run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The data directory.
    pub data_dir: PathBuf,
    /// How long to wait for the store when another process holds it.
    pub lock_wait: Duration,
    /// Train the store's compression dictionaries once it holds this many submissions.
    pub dictionary_after: u64,
}

/// Ingests everything a source has, batch by batch. `progress` is called after each
/// message with the running summary and the source's remaining-count hint.
pub fn run(
    config: &Config,
    options: &RunOptions,
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
    options: &RunOptions,
    source: &mut dyn Source,
    progress: &mut dyn FnMut(&Summary, Option<u64>),
    stop: &dyn Fn() -> bool,
) -> Result<Summary> {
    let mut summary = Summary::default();
    let first = Session::open(options)?;
    if let Some(key) = source.checkpoint_key() {
        source.restore(first.store.state(&key)?);
    }
    let mut session = Some(first);
    let mut indexer: Option<index::Indexer> = None;
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
        let rules = s.store.sender_rules()?;
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
                if let Some(w) = indexer.take() {
                    let _ = w.finish(&s.store, &s.index);
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
                w.finish(&s.store, &s.index)?;
            }
            return Err(e);
        }
        // Let a waiting moderator in between batches; otherwise keep the store open.
        if crate::store::someone_waiting(&options.data_dir) {
            if let Some(w) = indexer.take() {
                stages::time(Stage::Index, || w.finish(&s.store, &s.index))?;
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
        stages::time(Stage::Index, || w.finish(&s.store, &s.index))?;
    }
    Ok(summary)
}

/// A batch's preparations, in the batch's order.
type PreparedBatch = Vec<Result<Prepared>>;

/// Prepares a batch with the store's current sender rules.
fn prepare_batch(
    config: &Config,
    store: &Store,
    batch: &[Incoming],
) -> Result<Vec<Result<Prepared>>> {
    let rules = store.sender_rules()?;
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
    (batch, results): (&[Incoming], Vec<Result<Prepared>>),
    indexer: &mut Option<index::Indexer>,
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
            None => indexer.insert(index::Indexer::new(&s.index)?),
        };
        for record in &stored {
            writer.add_new(&s.index, record)?;
        }
        if writer.commit_due() {
            writer.commit(&s.store, &s.index)?;
        }
        Ok(())
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

/// The threads that prepare batches beside the calling thread (one fewer than the cores,
/// up to [`MAX_WORKERS`]), started once per process. A thread started for each batch
/// would leave its allocator pages behind when it ends, still holding the prepared
/// messages until they are written: a 100,000-message ingest started 253 such threads
/// and peaked about 20 MB higher (median 313 MB against 291). `None` on one core, or if
/// no thread could be started (then the calling thread prepares everything).
fn preparers() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let helpers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, MAX_WORKERS)
            - 1;
        if helpers == 0 {
            return None;
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(helpers)
            .thread_name(|i| format!("hubmail-prepare-{i}"))
            .build()
            .map_err(|e| tracing::warn!(error = %e, "preparing on one thread"))
            .ok()
    })
    .as_ref()
}

/// Prepares `batch` on the [`preparers`] while this thread does `meanwhile` (writing the
/// previous batch), then helps with what is left. Messages are handed out one at a time,
/// so a slow message does not hold up the others; results keep the batch's order. The
/// whole batch is received at one time, so arrival order stays id order.
fn prepare_while<T>(
    config: &Config,
    (rules, store): (&[SenderRule], &Store),
    batch: &[Incoming],
    meanwhile: impl FnOnce() -> T,
) -> (T, Vec<Result<Prepared>>) {
    let received = clock::now();
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Result<Prepared>>>> =
        batch.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        stages::time(Stage::Prepare, || {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(incoming) = batch.get(i) else { break };
                let result = prepare(config, rules, store, incoming, received);
                *slots[i].lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
            }
        })
    };
    let out = match preparers() {
        Some(pool) => pool.in_place_scope(|scope| {
            for _ in 0..pool.current_num_threads().min(batch.len()) {
                scope.spawn(|_| work());
            }
            let out = meanwhile();
            work();
            out
        }),
        None => {
            let out = meanwhile();
            work();
            out
        }
    };
    let results = slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .expect("every message of the batch was prepared")
        })
        .collect();
    (out, results)
}

/// The store and index, opened together and brought in sync.
pub struct Session {
    /// The store.
    pub store: Store,
    /// The index.
    pub index: index::SearchIndex,
}

impl Session {
    /// Opens the store (waiting for other processes) and the index, and indexes whatever
    /// the store holds that the index lacks (after a crash, or a schema change).
    pub fn open(options: &RunOptions) -> Result<Session> {
        let store = Store::open(&options.data_dir, options.lock_wait)?;
        store.set_dictionary_after(options.dictionary_after);
        let (mut index, fresh) = index::SearchIndex::open(&options.data_dir)?;
        let filled = if fresh || index::fill_pending(&store)? {
            index::fill(&store, &index)
        } else {
            index::sync(&store, &index)
        };
        if let Err(e) = filled {
            // The index is derived: when a crash left it unwritable (tantivy refuses to
            // overwrite a half-written file), rebuild it from the store.
            tracing::warn!(error = %e, "the search index cannot be updated; rebuilding it from the store");
            drop(index);
            let dir = options.data_dir.join("index");
            std::fs::remove_dir_all(&dir).map_err(|e| crate::Error::io("removing", &dir, e))?;
            index = index::SearchIndex::open(&options.data_dir)?.0;
            index::fill(&store, &index)?;
        }
        Ok(Session { store, index })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_key_is_the_hash_of_the_normalised_text() {
        for (address, body) in [
            ("a@example.org", "Remittances  MATTER\n\tfor Families"),
            (
                "b@example.org",
                "  La Migración SEGURA, ordenada y regular  ",
            ),
            ("c@example.org", "ΟΔΟΣ ΣΟΦΟΣ İstanbul Straße"),
            ("d@example.org", ""),
        ] {
            let words: Vec<String> = body.split_whitespace().map(str::to_lowercase).collect();
            let expected = sha256_hex(format!("{address}\n{}", words.join(" ")).as_bytes());
            assert_eq!(content_key(address, body), expected, "{body:?}");
        }
        assert_eq!(
            content_key("a@example.org", "Same  text"),
            content_key("a@example.org", "same\ntext")
        );
        assert_ne!(
            content_key("a@example.org", "same text"),
            content_key("b@example.org", "same text")
        );
    }

    #[test]
    fn hex_is_lowercase_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
