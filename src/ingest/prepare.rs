//! Preparing a message for the store: everything the pipeline decides without writing,
//! so that messages are prepared on several threads at once. The store is only read, to
//! skip bytes it holds already; an oversize message is streamed to the spool.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{PIPELINE_ACTOR, analyse, stages};
use crate::config::Config;
use crate::mailbox::{Incoming, RawMessage};
use crate::model::{
    Author, Flag, FlagKind, MailHeaders, Origin, RECORD_VERSION, State, Submission, SubmissionId,
};
use crate::parse;
use crate::policy::Rules;
use crate::store::{DuplicateOf, Frame, NewSubmission, Store};
use crate::{Result, notify};
use stages::Stage;

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
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
        note_lang: None,
        question: None,
        routed_by: None,
        parent: None,
        translation_of: None,
        translations: Vec::new(),
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

/// Parses and analyses one message, `received` at that time: the store is only read (to
/// skip a message whose bytes it holds already), so messages can be prepared on several
/// threads at once.
pub fn prepare(
    config: &Config,
    rules: &Rules,
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
    let sha = hex::encode(hasher.hasher.finalize());
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
    rules: &Rules,
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
    let first_time_flag =
        (config.moderation.flag_first_time && pending && !submission.author.address.is_empty())
            .then(|| {
                Flag::new(
                    FlagKind::FirstTimeSender,
                    format!("first message from {}", submission.author.address),
                )
            });

    let mut blobs = Vec::new();
    let state = submission.state;
    let mut needs_ocr = Vec::new();
    for (attachment, parsed_attachment) in submission
        .attachments
        .iter_mut()
        .zip(parsed.attachments.iter())
    {
        if attachment.size > config.limits.max_attachment_bytes {
            continue; // flagged in analyse(); the bytes stay in the raw message
        }
        // Only a contribution to moderate is read: not mail ignored, refused or held aside.
        if state == State::Pending {
            attachment.extraction = Some(stages::time(Stage::Extract, || {
                crate::extract::extract(
                    &parsed_attachment.bytes,
                    &attachment.content_type,
                    &attachment.name,
                    &config.limits,
                )
            }));
        }
        if let Some(e) = &attachment.extraction
            && matches!(e.outcome, crate::model::ExtractionOutcome::Empty { .. })
        {
            needs_ocr.push(Flag::new(
                FlagKind::NeedsOcr,
                format!("{:?} has no text layer: {}", attachment.name, e.summary()),
            ));
        }
        let sha = sha256_hex(&parsed_attachment.bytes);
        attachment.sha256 = Some(sha.clone());
        blobs.push((sha, Frame::compress(&parsed_attachment.bytes)));
    }

    submission.flags.extend(needs_ocr);
    if state == State::Pending {
        super::paper::read(&mut submission);
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
    hex::encode(hasher.finalize())
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
    fn a_digest_is_written_as_lowercase_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
