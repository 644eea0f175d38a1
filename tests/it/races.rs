//! Two moderators deciding the same submission at once, and decisions while a long ingest
//! runs: exactly one decision wins, the loser is told, nothing is corrupt or lost.

use std::process::{Child, Stdio};

use crate::util::Workspace;

fn spawn(ws: &Workspace, args: &[&str]) -> Child {
    ws.cmd()
        .args(args)
        .into_command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

#[test]
fn two_processes_deciding_the_same_submission_one_wins() {
    let ws = Workspace::with_fixture_config();
    ws.ingest_fixtures();
    // Seven submissions, each decided by two moderators at the same moment.
    let ids = ["1", "2", "3", "4", "5", "6", "7"];
    let mut overlapped = 0;
    for id in ids {
        let mut a = spawn(&ws, &["--moderator", "amina", "approve", id]);
        let b = spawn(
            &ws,
            &[
                "--moderator",
                "carlos",
                "reject",
                id,
                "--reason-code",
                "off-topic",
            ],
        );
        // Both at once: the first was still running when the second started.
        if a.try_wait().expect("poll").is_none() {
            overlapped += 1;
        }
        let a = a.wait_with_output().expect("wait");
        let b = b.wait_with_output().expect("wait");
        assert!(
            a.status.success() != b.status.success(),
            "exactly one wins for {id}: {a:?} {b:?}"
        );
        let loser = if a.status.success() { &b } else { &a };
        let told = String::from_utf8_lossy(&loser.stderr);
        assert!(
            told.contains("already approved")
                || told.contains("hubmail reopen")
                || told.contains("changed while you were deciding"),
            "the loser is told what happened: {told}"
        );
        let shown = ws.json(&["show", id, "--json"]);
        let expected = if a.status.success() {
            "approved"
        } else {
            "rejected"
        };
        assert_eq!(shown["state"], expected, "{id}");
        let decisions = ws
            .json(&["log", id, "--json"])
            .as_array()
            .expect("log")
            .iter()
            .filter(|e| e["actor"] != "hubmail")
            .count();
        assert_eq!(decisions, 1, "one audit entry for the one decision on {id}");
    }
    assert!(
        overlapped >= ids.len() / 2,
        "the two moderators' processes overlapped for only {overlapped} of {} submissions",
        ids.len()
    );
    let check = ws.json(&["check", "--json"]);
    assert_eq!(check["consistent"], true, "{check}");
}

fn message(i: usize) -> String {
    format!(
        "From: Contributor {i} <person{i}@example.org>\r\nSubject: [Q1] Contribution {i}\r\n\
Message-ID: <bulk-{i}@example.org>\r\nDate: Mon, 10 Jan 2022 09:00:00 +0000\r\n\r\n\
Contribution {i}: regular pathways for labour migration and lower remittance costs remain \
our first priorities for the implementation of the compact.\r\n"
    )
}

#[test]
fn decisions_while_ingest_runs_on_a_large_maildir() {
    let ws = Workspace::with_config_text(
        "[store]\nbatch_size = 50\n\n[[space]]\nid = \"c\"\ntitle = \"C\"\n",
    );
    // The store exists before the ingest starts, so no decision races its creation.
    ws.cmd().args(["init"]).ok();
    let maildir = ws.maildir("contact");
    let total = 1500;
    for i in 0..total {
        std::fs::write(maildir.join(format!("new/{i:05}.eml")), message(i)).expect("write");
    }
    let mut ingest = spawn(
        &ws,
        &[
            "ingest",
            "--maildir",
            maildir.to_str().expect("utf-8"),
            "--json",
        ],
    );
    // Wait for the first batch, then decide on the first ten while the rest arrives.
    let mut decided = 0;
    let mut decided_while_ingesting = 0;
    let mut attempts = 0;
    while decided < 10 && attempts < 2000 {
        attempts += 1;
        let id = (decided + 1).to_string();
        let out = ws
            .cmd()
            .args(["--moderator", "amina", "approve", &id])
            .output();
        if out.status.success() {
            decided += 1;
            if ingest.try_wait().expect("poll").is_none() {
                decided_while_ingesting += 1;
            }
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("no submission"),
                "only 'not arrived yet' is acceptable: {err}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    let out = ingest.wait_with_output().expect("ingest finishes");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary["queued"], total as u64, "nothing lost: {summary}");
    assert_eq!(decided, 10);
    assert!(
        decided_while_ingesting >= 5,
        "only {decided_while_ingesting} of the 10 decisions came while the ingest ran"
    );
    let approved = ws.json(&["queue", "--state", "approved", "--json"]);
    assert_eq!(approved.as_array().map(Vec::len), Some(10));
    let all = ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]);
    assert_eq!(all.as_array().map(Vec::len), Some(total));
    assert_eq!(ws.json(&["check", "--json"])["consistent"], true);
}
