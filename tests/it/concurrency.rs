//! Moderators use the CLI while a long ingest runs: sled allows one process at a time, so
//! commands wait their turn (the ingest lets them in between batches) instead of failing
//! with "database is locked".

use std::process::{Command, Stdio};

use crate::util::Workspace;

fn message(i: usize) -> String {
    format!(
        "From: Contributor {i} <person{i}@example.org>\r\nTo: contact@consultation.example.org\r\n\
Subject: [Q1] Contribution number {i}\r\nMessage-ID: <bulk-{i}@example.org>\r\n\
Date: Mon, 10 Jan 2022 09:00:00 +0000\r\n\r\n\
Contribution {i}: regular pathways for labour migration and lower remittance costs \
remain our first priorities for the implementation of the compact.\r\n"
    )
}

#[test]
fn queue_runs_while_a_long_ingest_holds_the_store() {
    let ws = Workspace::with_config_text(
        "[store]\nbatch_size = 50\nlock_wait_ms = 60000\n\n[[space]]\nid = \"c\"\ntitle = \"C\"\n",
    );
    // The store exists before the ingest starts, so a queue never races its creation.
    ws.cmd().args(["init"]).ok();
    let maildir = ws.maildir("contact");
    let total = 1500;
    for i in 0..total {
        std::fs::write(maildir.join(format!("new/{i:05}.eml")), message(i)).expect("write");
    }
    let mut ingest: Command = ws.cmd().args(["ingest", "--maildir"]).into_command();
    let mut child = ingest
        .arg(&maildir)
        .arg("--json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ingest");

    // Each view, and whether the ingest was still running once the queue had answered.
    // Queues run until one has seen part of the ingest or the ingest has ended: on a slow
    // machine the first few can all land before the first batch is stored.
    let mut seen_during_ingest: Vec<(usize, bool)> = Vec::new();
    loop {
        let out = ws.cmd().args(["queue", "--limit", "0", "--json"]).output();
        assert!(
            out.status.success(),
            "queue failed during ingest: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let running = child.try_wait().expect("poll").is_none();
        let seen = rows.as_array().expect("array").len();
        seen_during_ingest.push((seen, running));
        if !running || seen > 0 {
            break;
        }
    }
    let out = child.wait_with_output().expect("ingest finishes");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary["queued"], total as u64, "{summary}");
    assert_eq!(
        ws.json(&["queue", "--limit", "0", "--json"])
            .as_array()
            .map(Vec::len),
        Some(total)
    );
    // A queue answered while the ingest held the store, seeing part of it; and the views
    // only ever grow.
    assert!(
        seen_during_ingest
            .iter()
            .any(|&(seen, running)| running && seen > 0 && seen < total),
        "no queue ran in the middle of the ingest: {seen_during_ingest:?}"
    );
    assert!(
        seen_during_ingest.windows(2).all(|w| w[0].0 <= w[1].0),
        "{seen_during_ingest:?}"
    );
}
