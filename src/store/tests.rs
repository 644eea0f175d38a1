//! The store's own tests: journalled keys, format refusal, waiting for the lock.

use super::*;
use crate::model::{Author, Flag, Lang, MailHeaders, State};

fn arrival(n: u32, message_id: &str) -> NewSubmission {
    NewSubmission {
        submission: Submission {
            v: RECORD_VERSION,
            id: SubmissionId(0),
            state: State::Pending,
            reason: None,
            received: jiff::Timestamp::UNIX_EPOCH,
            origin: crate::model::Origin {
                source: "test".into(),
                location: format!("m{n}"),
            },
            subject: format!("S{n}"),
            author: Author {
                name: "A".into(),
                address: "a@x.org".into(),
                affiliation: None,
            },
            headers: MailHeaders {
                message_id: Some(message_id.into()),
                ..MailHeaders::default()
            },
            lang: Some(Lang::En),
            lang_confidence: 1.0,
            other_langs: vec![],
            question: None,
            routed_by: None,
            objectives: vec![],
            body: format!("text {n}"),
            quoted: String::new(),
            signature: String::new(),
            body_source: "text/plain".into(),
            attachments: vec![],
            flags: vec![],
            raw_sha256: format!("sha-{n}"),
            raw_size: 1,
            duplicates: 0,
            approvals: vec![],
            decision: None,
            revisions: vec![],
        },
        raw: None,
        blobs: vec![],
        dedupe_message_id: Some(message_id.into()),
        content_key: Some(format!("content-{n}")),
        first_time_flag: Some(Flag::new(crate::model::FlagKind::FirstTimeSender, "first")),
        actor: "test".into(),
        ack: None,
    }
}

fn outcome(stored: &[Stored]) -> Vec<String> {
    stored
        .iter()
        .map(|s| match s {
            Stored::Inserted(r) => format!("new {} flags {}", r.id, r.flags.len()),
            Stored::Duplicate(d) => format!("{d:?}"),
        })
        .collect()
}

#[test]
fn batches_see_the_keys_of_batches_not_flushed_yet_and_of_a_journal_left_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), Duration::from_secs(1)).expect("open");
    let first = store.insert_batch(&[arrival(1, "<a@x>")]).expect("first");
    assert_eq!(outcome(&first), ["new 1 flags 1"], "a first-time sender");
    // Not flushed: the keys are only in the journal and in memory.
    let second = store
        .insert_batch(&[
            arrival(1, "<a@x>"),
            arrival(2, "<a@x>"),
            arrival(3, "<c@x>"),
        ])
        .expect("second");
    assert_eq!(
        outcome(&second),
        [
            "SameBytes(SubmissionId(1))",
            "SameMessageId(SubmissionId(1))",
            "new 2 flags 0",
        ],
        "the second batch knows the first's bytes, Message-ID and sender"
    );
    assert_eq!(
        store.find_same_bytes("sha-3").expect("lookup"),
        Some(SubmissionId(2))
    );
    // Durable records, keys not applied: what a crash between the two flushes leaves.
    store.db.flush().expect("flush the records only");
    drop(store);
    let store = Store::open(dir.path(), Duration::from_secs(1)).expect("reopen");
    assert_eq!(store.key_journal.len(), 2, "both batches journalled");
    assert_eq!(
        store.find_same_bytes("sha-3").expect("lookup"),
        Some(SubmissionId(2))
    );
    assert_eq!(
        store.key_journal.len(),
        0,
        "applied on opening the keys, then cleared"
    );
    let third = store.insert_batch(&[arrival(4, "<c@x>")]).expect("third");
    assert_eq!(outcome(&third), ["SameMessageId(SubmissionId(2))"]);
    store.flush().expect("flush");
    assert_eq!(
        store.key_journal.len(),
        0,
        "a flush applies and clears the journal"
    );
    assert_eq!(
        store.keys().expect("keys").applied_through().expect("read"),
        3,
        "three batches applied"
    );
}

#[test]
fn a_newer_format_is_refused_and_names_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), Duration::from_secs(1)).expect("open");
    store
        .meta
        .insert("format", &(STORE_FORMAT + 1).to_be_bytes())
        .expect("write");
    store.flush().expect("flush");
    drop(store);
    let err = Store::open(dir.path(), Duration::from_secs(1))
        .err()
        .expect("refused");
    assert!(matches!(err, Error::NewerFormat { .. }), "{err}");
    assert!(err.to_string().contains("upgrade hubmail"), "{err}");
}

#[test]
fn a_second_opener_waits_then_reports_who_holds_the_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = Store::open(dir.path(), Duration::from_secs(1)).expect("open");
    let started = std::time::Instant::now();
    let err = Store::open(dir.path(), Duration::from_millis(300))
        .err()
        .expect("the store is held");
    assert!(started.elapsed() >= Duration::from_millis(300), "it waited");
    assert!(matches!(err, Error::StoreBusy { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("pid {}", std::process::id())),
        "{err}"
    );
    drop(first);
    Store::open(dir.path(), Duration::from_secs(5)).expect("free again after close");
}
