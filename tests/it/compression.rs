//! Compression dictionaries: a store that trains them part-way through a run reads back
//! exactly what a store without them holds, keeps them across runs and backups, and a
//! crash right after one is written loses and duplicates nothing.

use crate::util::{Workspace, assert_crashed_at, ids};

/// The fixture configuration with batches of 4 and `[store] dictionary_after = N`.
fn with_dictionary_after(n: u64) -> Workspace {
    let config = std::fs::read_to_string(crate::util::fixture_config()).expect("fixture config");
    let (head, spaces) = config.split_at(config.find("[[space]]").expect("a space"));
    Workspace::with_config_text(&format!(
        "{head}[store]\nbatch_size = 4\ndictionary_after = {n}\n\n{spaces}"
    ))
}

/// What a moderator sees of a submission, without the arrival time (the two stores
/// received the mail at different moments).
fn shown(ws: &Workspace, id: u64) -> serde_json::Value {
    let mut v = ws.json(&["show", &id.to_string(), "--json"]);
    let record = v.as_object_mut().expect("a record");
    // Mail without a Date header is dated on arrival.
    for at in ["received", "origin", "date"] {
        record.remove(at);
    }
    if let Some(headers) = record.get_mut("headers").and_then(|h| h.as_object_mut()) {
        headers.remove("date");
    }
    v
}

fn queue_without_times(ws: &Workspace) -> Vec<serde_json::Value> {
    let all = ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]);
    all.as_array()
        .expect("array")
        .iter()
        .map(|row| {
            let mut row = row.clone();
            let row_fields = row.as_object_mut().expect("a row");
            row_fields.remove("received");
            row_fields.remove("date");
            row
        })
        .collect()
}

#[test]
fn dictionaries_trained_mid_run_change_nothing_a_moderator_sees() {
    let with = with_dictionary_after(8);
    let without = with_dictionary_after(0);
    let summary_with = with.ingest_json(&with.fixture_maildir());
    let summary_without = without.ingest_json(&without.fixture_maildir());
    assert_eq!(summary_with, summary_without, "the same outcomes");

    let stats = with.json(&["stats", "--json"]);
    let trained = stats["dictionaries"].as_object().expect("dictionaries");
    // Audit and outbox entries are too few and too small here to train on.
    for kind in ["raw", "record", "listing"] {
        assert!(
            trained
                .get(kind)
                .and_then(|b| b.as_u64())
                .is_some_and(|b| b > 0),
            "a {kind} dictionary was trained: {stats}"
        );
    }
    let none = without.json(&["stats", "--json"]);
    assert_eq!(none["dictionaries"], serde_json::json!({}), "{none}");

    let all = ids(&with.json(&["queue", "--state", "all", "--limit", "0", "--json"]));
    assert!(all.len() > 15, "the fixtures are stored: {all:?}");
    assert_eq!(queue_without_times(&with), queue_without_times(&without));
    for &id in &all {
        assert_eq!(shown(&with, id), shown(&without, id), "submission {id}");
        let raw = |ws: &Workspace| {
            ws.cmd()
                .args(["show", &id.to_string(), "--raw"])
                .ok()
                .stdout
        };
        assert_eq!(raw(&with), raw(&without), "raw message {id}, byte for byte");
    }

    // A decision rewrites a record from before the dictionaries with them, and one from
    // after; both read back whole.
    let pending = ids(&with.json(&["queue", "--state", "pending", "--limit", "0", "--json"]));
    for id in [pending[0], pending[pending.len() - 1]] {
        let before = shown(&with, id);
        with.moderate().args(["approve", &id.to_string()]).ok();
        let after = shown(&with, id);
        assert_eq!(after["state"], "approved", "{after}");
        for field in [
            "body",
            "quoted",
            "signature",
            "subject",
            "author",
            "attachments",
        ] {
            assert_eq!(
                after[field], before[field],
                "{id}: {field} survives the rewrite"
            );
        }
    }
    let audit = with.json(&["log", "--json"]);
    let approvals = audit
        .as_array()
        .expect("audit entries")
        .iter()
        .filter(|e| e["action"] == "approve")
        .count();
    assert_eq!(approvals, 2, "{audit}");

    // Searching finds the same in both (the index is built from the decoded records).
    for query in ["recruitment", "remesas", "migrants"] {
        let count = |ws: &Workspace| {
            ws.json(&["search", "--all", query, "--count", "--json"])["count"].clone()
        };
        assert_eq!(count(&with), count(&without), "{query}");
    }
}

#[test]
fn dictionaries_survive_a_backup_and_restore() {
    let ws = with_dictionary_after(8);
    ws.ingest_json(&ws.fixture_maildir());
    let backup = ws.path().join("store.backup");
    ws.cmd().arg("backup").arg(&backup).ok();
    let restored = Workspace::with_fixture_config();
    restored.cmd().arg("restore").arg(&backup).ok();
    assert_eq!(
        restored.json(&["stats", "--json"])["dictionaries"],
        ws.json(&["stats", "--json"])["dictionaries"]
    );
    let last = *ids(&ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]))
        .last()
        .expect("stored");
    assert_eq!(shown(&restored, last), shown(&ws, last));
}

#[test]
fn a_crash_right_after_a_dictionary_is_written_loses_and_duplicates_nothing() {
    let ws = with_dictionary_after(8);
    let maildir = ws.fixture_maildir();
    let dir = maildir.to_str().expect("utf-8");
    let crashed = ws
        .cmd()
        .args(["ingest", "--maildir", dir])
        .env("HUBMAIL_CRASH_AT", "after-dictionary:2")
        .output();
    assert_crashed_at(&crashed, "after-dictionary:2");
    ws.ingest_json(&maildir);
    let reference = with_dictionary_after(0);
    reference.ingest_json(&reference.fixture_maildir());
    assert_eq!(queue_without_times(&ws), queue_without_times(&reference));
    let check = ws.json(&["check", "--json"]);
    assert_eq!(check["consistent"], true, "{check}");
    assert!(
        crate::util::files_in(&maildir.join("new")).is_empty(),
        "new/ drained"
    );
}
