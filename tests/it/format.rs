//! Store format versioning: a data directory written by an earlier hubmail (format 1,
//! kept in fixtures/store-v1/, made by the commit before format 2 from the fixture mail)
//! opens, reads and takes new decisions.

use crate::util::{Workspace, fixture_mail};

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read").flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

#[test]
fn a_format_1_data_directory_is_migrated_on_open() {
    let ws = Workspace::with_fixture_config();
    copy_dir(
        &crate::util::repo().join("fixtures/store-v1"),
        &ws.data_dir(),
    );
    let all = ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]);
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(21),
        "every submission reads"
    );
    let raw = ws.cmd().args(["show", "2", "--raw"]).ok().stdout;
    assert_eq!(
        raw,
        std::fs::read(fixture_mail().join("02-fr-latin1-qp-q2.eml")).expect("fixture"),
        "inline raw mail reads"
    );
    let shown = ws.json(&["show", "6", "--json"]);
    assert_eq!(shown["attachments"][0]["name"], "ITUC position paper.pdf");
    // The index is rebuilt (it was not kept), and new writes use the current format.
    assert_eq!(
        ws.json(&["search", "--all", "recruitment", "--count", "--json"])["count"],
        1
    );
    let before = ws.json(&["show", "6", "--json"]);
    assert!(
        before["body"].as_str().is_some_and(|b| b.len() > 100),
        "{before}"
    );
    ws.moderate().args(["approve", "6"]).ok();
    let after = ws.json(&["show", "6", "--json"]);
    assert_eq!(after["state"], "approved");
    // A decision rewrites the record in the current format: its texts stay whole.
    for field in ["body", "quoted", "signature"] {
        assert_eq!(after[field], before[field], "{field} survives the move");
    }
    ws.moderate()
        .args(["reopen", "6", "--reason", "a second look"])
        .ok();
    assert_eq!(ws.json(&["show", "6", "--json"])["body"], before["body"]);
    let fresh = ws.maildir("more");
    std::fs::copy(
        fixture_mail().join("23-en-interleaved-reply.eml"),
        fresh.join("new/x.eml"),
    )
    .expect("copy");
    let summary = ws.ingest_json(&fresh);
    assert_eq!(
        summary["duplicates"], 1,
        "a message stored by format 1 is recognised: {summary}"
    );
    assert_eq!(ws.json(&["check", "--json"])["consistent"], true);
}
