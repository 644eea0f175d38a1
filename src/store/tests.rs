//! The store's own tests: journalled keys, format refusal, waiting for the lock.

use super::*;
use crate::model::{Author, Flag, Lang, MailHeaders, State};
use keys::KeyTree;

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
                department: None,
                stakeholder: None,
            },
            headers: MailHeaders {
                message_id: Some(message_id.into()),
                ..MailHeaders::default()
            },
            lang: Some(Lang::En),
            lang_confidence: 1.0,
            other_langs: vec![],
            note_lang: None,
            question: None,
            routed_by: None,
            parent: None,
            translation_of: None,
            translations: Vec::new(),
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

#[test]
fn an_erasure_zeroes_the_bytes_removes_the_keys_and_keeps_shared_attachments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), Duration::from_secs(1)).expect("open");
    let mut gone = arrival(1, "<gone@x>");
    gone.submission.author.address = "gone@x.org".into();
    gone.raw = Some(Frame::compress(b"From: gone@x.org\r\n\r\nmy words"));
    gone.blobs = vec![
        ("only-mine".into(), Frame::compress(b"my attachment")),
        ("shared".into(), Frame::compress(b"a shared attachment")),
    ];
    let mut stays = arrival(2, "<stays@x>");
    stays.raw = Some(Frame::compress(b"From: a@x.org\r\n\r\nother words"));
    stays.blobs = vec![("shared".into(), Frame::compress(b"a shared attachment"))];
    store.insert_batch(&[gone, stays]).expect("insert");
    store.flush().expect("flush");
    let raw_ref: PackRef = {
        let r = store
            .raw_refs
            .get(key(SubmissionId(1)))
            .expect("get")
            .expect("ref");
        decode(&store.codec, "ref", &r).expect("decode")
    };
    let mine: PackRef = {
        let r = store.blob_refs.get("only-mine").expect("get").expect("ref");
        decode(&store.codec, "ref", &r).expect("decode")
    };

    let erasure = store
        .erase(&ErasureRequest {
            ids: vec![SubmissionId(1)],
            blobs: vec!["only-mine".into()],
            addresses: vec!["gone@x.org".into()],
            sender_rules: vec![],
            actor: "mod".into(),
            reason: Some("ticket 7".into()),
            at: jiff::Timestamp::UNIX_EPOCH,
        })
        .expect("erase");
    assert!(erasure.work.is_none(), "the work outside sled is done");
    assert!(matches!(
        store.get(SubmissionId(1)),
        Err(Error::Erased { id: 1, .. })
    ));
    assert!(store.raw(SubmissionId(1)).is_err());
    assert_eq!(store.blob("only-mine").expect("blob"), None);
    assert_eq!(
        store.blob("shared").expect("blob").as_deref(),
        Some(&b"a shared attachment"[..]),
        "an attachment another submission uses stays"
    );
    assert_eq!(
        store.raw(SubmissionId(2)).expect("raw"),
        b"From: a@x.org\r\n\r\nother words"
    );
    let pack = std::fs::read(dir.path().join("store/packs/000001.pack")).expect("pack");
    for r in [raw_ref, mine] {
        let bytes = &pack[r.offset as usize..(r.offset + r.len) as usize];
        assert!(
            bytes.iter().all(|&b| b == 0),
            "frame at {} zeroed",
            r.offset
        );
    }
    let keys = store.keys().expect("keys");
    assert!(
        keys.get(KeyTree::ByMessageId, b"<gone@x>")
            .expect("get")
            .is_none()
    );
    assert!(
        keys.get(KeyTree::ByContent, b"content-1")
            .expect("get")
            .is_none()
    );
    assert!(
        keys.get(KeyTree::Senders, b"gone@x.org")
            .expect("get")
            .is_none()
    );
    assert!(
        keys.get(KeyTree::ByMessageId, b"<stays@x>")
            .expect("get")
            .is_some()
    );
    assert!(
        keys.get(KeyTree::ByRaw, b"sha-1").expect("get").is_some(),
        "the digest of the bytes stays, so the same mail read again is not stored again"
    );
    assert_eq!(store.count_in_state(State::Pending).expect("count"), 1);
    let tombstone = store.audit().last().expect("entry").expect("decode");
    assert_eq!(tombstone.action, "forget");
    assert_eq!(tombstone.reason.as_deref(), Some("ticket 7"));
    assert_eq!(tombstone.target.as_deref(), Some("submissions #1"));

    // The same bytes again: a duplicate of the erased id, nothing stored.
    let again = store
        .insert_batch(&[arrival(1, "<gone@x>")])
        .expect("again");
    assert_eq!(outcome(&again), ["SameBytes(SubmissionId(1))"]);
    assert_eq!(store.len(), 1);
}
