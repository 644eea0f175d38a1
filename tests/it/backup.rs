//! Backup and restore: everything round-trips, the index is rebuilt, and a backup taken
//! while the worker runs is consistent.

use crate::util::{Workspace, fixture_mail, ids};

fn snapshot(ws: &Workspace) -> Vec<serde_json::Value> {
    let mut out = vec![
        ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]),
        ws.json(&["log", "--json"]),
        ws.json(&["outbox", "--all", "--json"]),
        ws.json(&["sender", "list", "--json"]),
        stats_without_sizes(ws),
    ];
    for row in out[0].clone().as_array().expect("array") {
        out.push(ws.json(&["show", &row["id"].to_string(), "--json"]));
    }
    out
}

/// `stats`, less the store's bytes on disk: sled lays out a restored store afresh (the keys
/// database of a small restored store fills a tenth of its first segment, the original's
/// a whole one), and that is layout, not content.
fn stats_without_sizes(ws: &Workspace) -> serde_json::Value {
    let mut stats = ws.json(&["stats", "--json"]);
    let sizes = stats.as_object_mut().and_then(|o| o.remove("store_bytes"));
    assert!(
        sizes.is_some_and(|b| b.as_u64() > Some(0)),
        "stats shows the store's size"
    );
    stats
}

#[test]
fn backup_and_restore_round_trip_everything() {
    let ws = Workspace::with_fixture_config();
    ws.ingest_fixtures();
    ws.moderate().args(["approve", "1", "6"]).ok();
    ws.moderate()
        .args(["reject", "3", "--reason-code", "incomplete"])
        .ok();
    ws.moderate()
        .args(["sender", "ban", "@bank.example", "--reason", "spam"])
        .ok();
    ws.cmd().args(["outbox", "--send"]).ok();
    let file = ws.path().join("backup.hubmail");
    ws.cmd()
        .args(["backup", file.to_str().expect("utf-8")])
        .ok();

    let restored = Workspace::with_fixture_config();
    let out = restored.json(&["restore", file.to_str().expect("utf-8"), "--json"]);
    assert!(out["indexed"].as_u64().expect("indexed") > 0, "{out}");
    assert_eq!(snapshot(&ws), snapshot(&restored));
    let raw = restored.cmd().args(["show", "6", "--raw"]).ok().stdout;
    assert_eq!(
        raw,
        std::fs::read(fixture_mail().join("06-en-pdf-attachment.eml")).expect("fixture")
    );
    assert_eq!(
        restored.json(&["search", "recruitment", "--count", "--json"])["count"],
        1,
        "the index was rebuilt"
    );
    assert_eq!(restored.json(&["check", "--json"])["consistent"], true);
    // Restore never overwrites a store.
    let again = restored
        .cmd()
        .args(["restore", file.to_str().expect("utf-8")])
        .output();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty data directory"));
}

#[test]
fn a_backup_taken_while_ingest_runs_is_consistent() {
    let ws = Workspace::with_config_text(
        "[store]\nbatch_size = 50\n\n[[space]]\nid = \"c\"\ntitle = \"C\"\n",
    );
    let maildir = ws.maildir("contact");
    for i in 0..1000 {
        std::fs::write(
            maildir.join(format!("new/{i:05}.eml")),
            format!("From: P{i} <p{i}@example.org>\r\nSubject: [Q1] n{i}\r\nMessage-ID: <b{i}@x>\r\n\r\nContribution {i} on regular pathways for labour migration and remittance costs.\r\n"),
        )
        .expect("write");
    }
    let mut ingest = ws
        .cmd()
        .args(["ingest", "--maildir", maildir.to_str().expect("utf-8")])
        .into_command()
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // Once the first batch is durable (its mail moved to cur/), back up.
    let started = std::time::Instant::now();
    while crate::util::files_in(&maildir.join("cur")).is_empty() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the ingest stored nothing in a minute"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let file = ws.path().join("during.hubmail");
    ws.cmd()
        .args(["backup", file.to_str().expect("utf-8")])
        .ok();
    assert!(ingest.wait().expect("ingest finishes").success());

    let restored = Workspace::with_config_text("[[space]]\nid = \"c\"\ntitle = \"C\"\n");
    restored
        .cmd()
        .args(["restore", file.to_str().expect("utf-8")])
        .ok();
    let check = restored.json(&["check", "--json"]);
    assert_eq!(check["consistent"], true, "{check}");
    let n = restored
        .json(&["queue", "--limit", "0", "--json"])
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    // Taken mid-run: some batches of 50, not all, and never part of one.
    assert!(
        n > 0 && n < 1000,
        "the backup was taken during the run, not before or after it: {n} of 1000"
    );
    assert_eq!(n % 50, 0, "whole batches only: {n}");
    let ids = ids(&restored.json(&["queue", "--limit", "0", "--json"]));
    assert_eq!(
        ids,
        (1..=n as u64).collect::<Vec<_>>(),
        "whole batches, no gap"
    );
}

#[test]
fn oversize_mail_in_the_spool_survives_a_backup_and_restore() {
    let config = "[limits]\nmax_message_bytes = 65536\n\n[[space]]\nid = \"c\"\ntitle = \"C\"\n";
    let ws = Workspace::with_config_text(config);
    let mut big =
        b"From: A <a@example.org>\r\nSubject: [Q1] a long paper\r\nMessage-ID: <big@x>\r\n\r\n"
            .to_vec();
    while big.len() < 200_000 {
        big.extend_from_slice(b"A long position paper on labour migration pathways.\r\n");
    }
    ws.cmd().args(["ingest", "-"]).stdin(big.clone()).ok();
    let row = &ws.json(&["queue", "--state", "all", "--json"])[0];
    assert_eq!(row["state"], "quarantined", "{row}");
    let id = row["id"].to_string();
    assert_eq!(ws.cmd().args(["show", &id, "--raw"]).ok().stdout, big);

    let file = ws.path().join("spool.hubmail");
    let backup = ws.json(&["backup", file.to_str().expect("utf-8"), "--json"]);
    assert_eq!(backup["spooled"], 1, "{backup}");
    let restored = Workspace::with_config_text(config);
    let report = restored.json(&["restore", file.to_str().expect("utf-8"), "--json"]);
    assert_eq!(report["spooled"], 1, "{report}");
    assert_eq!(
        restored.cmd().args(["show", &id, "--raw"]).ok().stdout,
        big,
        "the raw bytes of a spooled message are restored"
    );
    assert_eq!(restored.json(&["check", "--json"])["consistent"], true);
}
