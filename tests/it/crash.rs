//! Crashes at each durable step of an ingest run, then a re-run: nothing lost, nothing
//! stored twice, the Maildir drained, the index complete. (The full fault-injection suite
//! with SIGKILL at random points belongs to the reliability work; these cover the named
//! points of the pipeline.)

use crate::util::{Workspace, files_in, fixture_emls};

fn run_with_crash(point: &str) {
    let ws = Workspace::with_fixture_config();
    let maildir = ws.fixture_maildir();
    let dir = maildir.to_str().expect("utf-8");
    let crashed = ws
        .cmd()
        .args(["ingest", "--maildir", dir])
        .env("HUBMAIL_CRASH_AT", point)
        .output();
    assert!(
        !crashed.status.success(),
        "{point}: the crash point was not reached"
    );

    let rerun = ws.json(&["ingest", "--maildir", dir, "--json"]);
    let all = ws.json(&["queue", "--state", "all", "--json"]);
    let stored = all.as_array().expect("array").len() as u64;
    let emls = fixture_emls().len() as u64;
    // Two fixtures are duplicates of others: one submission fewer each, whatever the crash.
    assert_eq!(stored, emls - 2, "{point}: stored {stored}, rerun {rerun}");
    let ids: Vec<u64> = all
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["id"].as_u64().expect("id"))
        .collect();
    assert_eq!(
        ids,
        (1..=stored).collect::<Vec<_>>(),
        "{point}: ids are contiguous"
    );
    assert!(
        files_in(&maildir.join("new")).is_empty(),
        "{point}: new/ drained"
    );
    assert_eq!(
        files_in(&maildir.join("cur")).len() as u64,
        emls,
        "{point}: all in cur/"
    );
    let check = ws.json(&["check", "--json"]);
    assert_eq!(check["missing"], 0, "{point}: {check}");
    assert_eq!(check["extra"], 0, "{point}: {check}");
    assert_eq!(check["duplicated"], 0, "{point}: {check}");
    assert_eq!(check["indexed"], stored, "{point}: {check}");
}

#[test]
fn crash_after_storing_a_message_before_the_flush() {
    run_with_crash("after-store:5");
}

#[test]
fn crash_after_the_flush_before_the_maildir_move() {
    run_with_crash("after-flush");
}

#[test]
fn crash_after_the_maildir_move_before_indexing() {
    run_with_crash("after-release");
}

#[test]
fn crash_after_indexing() {
    run_with_crash("after-index");
}
