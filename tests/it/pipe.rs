//! `hubmail ingest -`: the MTA pipe and its sysexits.h exit codes.

use crate::util::{Workspace, fixture_mail};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_mail().join(name)).expect("fixture")
}

#[test]
fn a_message_on_stdin_is_stored_and_exits_zero() {
    let ws = Workspace::with_fixture_config();
    let out = ws
        .cmd()
        .args(["ingest", "-", "--json"])
        .stdin(fixture("03-es-qp-pregunta3.eml"))
        .ok();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary["queued"], 1);
    let shown = ws.json(&["show", "1", "--json"]);
    assert_eq!(shown["lang"], "es");
    assert_eq!(shown["origin"], "stdin standard input");
}

#[test]
fn the_same_message_twice_on_stdin_is_a_duplicate_and_still_exits_zero() {
    let ws = Workspace::new();
    let bytes = fixture("01-en-plain-q1.eml");
    ws.cmd().args(["ingest", "-"]).stdin(bytes.clone()).ok();
    let out = ws.cmd().args(["ingest", "-", "--json"]).stdin(bytes).ok();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary["duplicates"], 1);
    assert_eq!(
        ws.json(&["queue", "--json"]).as_array().map(Vec::len),
        Some(1)
    );
}

#[test]
fn an_auto_reply_is_knowingly_ignored_with_exit_zero() {
    let ws = Workspace::new();
    let out = ws
        .cmd()
        .args(["ingest", "-", "--json"])
        .stdin(fixture("08-en-out-of-office.eml"))
        .ok();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary["ignored"], 1);
}

#[test]
fn empty_input_is_a_data_error_65() {
    let ws = Workspace::new();
    let out = ws.cmd().args(["ingest", "-"]).stdin(Vec::new()).output();
    assert_eq!(out.status.code(), Some(65));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("standard input is empty"), "{err}");
}

#[test]
fn an_unusable_data_dir_is_a_temporary_failure_75() {
    let ws = Workspace::new();
    // The data directory is a file: nothing can be stored, the MTA must keep the mail.
    std::fs::write(ws.data_dir(), b"not a directory").expect("write");
    let out = ws
        .cmd()
        .args(["ingest", "-"])
        .stdin(fixture("01-en-plain-q1.eml"))
        .output();
    assert_eq!(
        out.status.code(),
        Some(75),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn garbage_on_stdin_is_quarantined_not_refused() {
    let ws = Workspace::new();
    let out = ws
        .cmd()
        .args(["ingest", "-", "--json"])
        .stdin(fixture("12-malformed-garbage.eml"))
        .ok();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary["quarantined"], 1);
    let raw = ws.cmd().args(["show", "1", "--raw"]).ok().stdout;
    assert_eq!(
        raw,
        fixture("12-malformed-garbage.eml"),
        "the bytes are kept"
    );
}
