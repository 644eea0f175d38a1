//! The moderator's command line through the real binary: decisions, the state machine's
//! refusals, peer review, edits, sender policy, the audit trail and statistics.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use crate::util::{Workspace, fixture_mail};

/// A workspace with the fixture consultation ingested; moderator "amina".
fn ingested(config: Option<&str>) -> Workspace {
    let ws = match config {
        Some(text) => Workspace::with_config_text(text),
        None => Workspace::with_fixture_config(),
    };
    ws.ingest_fixtures();
    ws
}

fn state(ws: &Workspace, id: u64) -> String {
    ws.json(&["show", &id.to_string(), "--json"])["state"]
        .as_str()
        .expect("state")
        .to_string()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn approve_reject_reopen_release_assign() {
    let ws = ingested(None);
    let out = ws
        .cmd()
        .args(["--moderator", "amina", "approve", "1", "2"])
        .ok();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "approved submission 1\napproved submission 2\n"
    );
    assert_eq!(state(&ws, 1), "approved");

    ws.moderate()
        .args(["reject", "3", "--reason-code", "off-topic"])
        .ok();
    let shown = ws.json(&["show", "3", "--json"]);
    assert_eq!(shown["state"], "rejected");
    assert_eq!(shown["decision"]["code"], "off-topic");
    assert_eq!(
        shown["decision"]["reason"],
        "Su mensaje no responde a ninguna de las preguntas de la consulta.",
        "the default wording is in the contributor's language (Spanish)"
    );

    ws.moderate()
        .args(["reopen", "1", "--reason", "approved by mistake"])
        .ok();
    assert_eq!(state(&ws, 1), "pending");

    // 8 is the out-of-office (ignored): released into the queue.
    ws.moderate().args(["release", "8"]).ok();
    assert_eq!(state(&ws, 8), "pending");

    ws.moderate().args(["assign", "16", "--question", "3"]).ok();
    assert_eq!(ws.json(&["show", "16", "--json"])["question"], 3);

    let log = ws.json(&["log", "--json"]);
    let actions: Vec<(String, String)> = log
        .as_array()
        .expect("array")
        .iter()
        .filter(|e| e["actor"] == "amina")
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_string(),
                e["submission"].to_string(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            ("approve".into(), "1".into()),
            ("approve".into(), "2".into()),
            ("reject".into(), "3".into()),
            ("reopen".into(), "1".into()),
            ("release".into(), "8".into()),
            ("assign".into(), "16".into()),
        ]
    );
    let one = ws.json(&["log", "1", "--json"]);
    let states: Vec<(Value, Value)> = one
        .as_array()
        .expect("array")
        .iter()
        .map(|e| (e["from"].clone(), e["to"].clone()))
        .collect();
    assert_eq!(
        states,
        vec![
            (Value::Null, "pending".into()),
            ("pending".into(), "approved".into()),
            ("approved".into(), "pending".into())
        ]
    );
}

#[test]
fn illegal_moves_are_refused_with_the_way_forward() {
    let ws = ingested(None);
    ws.moderate().args(["approve", "1"]).ok();
    for (args, hint) in [
        (vec!["approve", "1"], "already approved"),
        (vec!["reject", "1", "--reason", "no"], "hubmail reopen 1"),
        (vec!["reopen", "2", "--reason", "x"], "nothing to reopen"),
        (vec!["approve", "8"], "hubmail release 8"),
        (vec!["release", "2"], "only ignored or quarantined"),
        (vec!["assign", "2", "--question", "9"], "has no question 9"),
        (vec!["approve", "404"], "no submission 404"),
    ] {
        let out = ws.cmd().args(["--moderator", "amina"]).args(&args).output();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains(hint), "{args:?}: {}", stderr(&out));
    }
    // Nothing changed by the refusals.
    assert_eq!(state(&ws, 1), "approved");
    assert_eq!(state(&ws, 2), "pending");
    assert_eq!(state(&ws, 8), "ignored");
}

#[test]
fn several_ids_report_each_and_a_refusal_fails_the_command() {
    let ws = ingested(None);
    let out = ws
        .cmd()
        .args(["--moderator", "amina", "approve", "1", "8", "2", "--json"])
        .output();
    assert_eq!(out.status.code(), Some(1));
    let results: Value = serde_json::from_slice(&out.stdout).expect("json");
    let oks: Vec<bool> = results
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["ok"] == true)
        .collect();
    assert_eq!(oks, vec![true, false, true]);
    assert_eq!(
        state(&ws, 2),
        "approved",
        "the ids after a refusal are still decided"
    );
}

#[test]
fn dry_run_changes_nothing() {
    let ws = ingested(None);
    let out = ws
        .cmd()
        .args(["--moderator", "amina", "approve", "1", "--dry-run"])
        .ok();
    assert!(String::from_utf8_lossy(&out.stdout).contains("would have approved submission 1"));
    assert_eq!(state(&ws, 1), "pending");
    ws.moderate()
        .args(["reject", "2", "--reason", "x", "--dry-run"])
        .ok();
    assert_eq!(state(&ws, 2), "pending");
    assert!(
        ws.json(&["log", "--json"])
            .as_array()
            .expect("array")
            .iter()
            .all(|e| e["actor"] != "amina"),
        "a dry run writes no audit entry"
    );
}

const QUORUM: &str = "[moderation]\napprovals_required = 2\nmoderators = [\"amina\", \"carlos\"]\n\n\
[[space]]\nid = \"gcm-review\"\ntitle = \"GCM\"\n";

#[test]
fn peer_review_needs_two_distinct_moderators_and_one_rejection_decides() {
    let ws = ingested(Some(QUORUM));
    ws.moderate().args(["approve", "1", "2"]).ok();
    assert_eq!(state(&ws, 1), "pending");
    let table = String::from_utf8_lossy(&ws.cmd().args(["queue"]).ok().stdout).into_owned();
    let first = table.lines().nth(1).expect("a row");
    assert!(first.contains(" 1/2 "), "{table}");
    assert_eq!(ws.json(&["queue", "--json"])[0]["approvals"], 1);

    let again = ws
        .cmd()
        .args(["--moderator", "amina", "approve", "1"])
        .output();
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("another moderator"),
        "{}",
        stderr(&again)
    );

    ws.cmd()
        .args(["--moderator", "carlos", "approve", "1"])
        .ok();
    assert_eq!(state(&ws, 1), "approved");
    ws.cmd()
        .args([
            "--moderator",
            "carlos",
            "reject",
            "2",
            "--reason-code",
            "spam",
        ])
        .ok();
    assert_eq!(state(&ws, 2), "rejected");

    let stranger = ws
        .cmd()
        .args(["--moderator", "mallory", "approve", "3"])
        .output();
    assert_eq!(stranger.status.code(), Some(1));
    assert!(
        stderr(&stranger).contains("amina, carlos"),
        "{}",
        stderr(&stranger)
    );
    assert_eq!(state(&ws, 3), "pending");
}

/// Writes an executable script used as $EDITOR.
fn editor_script(ws: &Workspace, body: &str) -> std::path::PathBuf {
    let path = ws.path().join("editor.sh");
    std::fs::write(&path, format!("#!/bin/sh\nset -e\n{body}\n")).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// `hubmail edit 1` as amina, with `editor` as the editor.
fn edit_first_with(ws: &Workspace, editor: &std::path::Path) -> crate::util::Hubmail {
    ws.cmd()
        .args(["--moderator", "amina", "edit", "1"])
        .env("EDITOR", editor)
        .env("VISUAL", "")
}

#[test]
fn edit_through_a_scripted_editor_keeps_the_original_revision() {
    let ws = ingested(None);
    let editor = editor_script(
        &ws,
        "sed -i -e 's/^Affiliation: .*/Affiliation: International Organization for Migration (IOM)/' \
         -e 's/regular pathways/safe and regular pathways/' -e 's/^Question: .*/Question: 2/' \"$1\"",
    );
    let out = edit_first_with(&ws, &editor).ok();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("stored revision 2"),
        "{out:?}"
    );
    let shown = ws.json(&["show", "1", "--json"]);
    assert_eq!(
        shown["author"]["affiliation"],
        "International Organization for Migration (IOM)"
    );
    assert_eq!(shown["question"], 2);
    assert!(
        shown["body"]
            .as_str()
            .expect("body")
            .contains("safe and regular pathways")
    );
    let original = &shown["revisions"][0];
    assert_eq!(original["number"], 1);
    assert_eq!(
        original["affiliation"],
        "International Organization for Migration"
    );
    assert!(
        original["body"]
            .as_str()
            .expect("body")
            .contains("key priority is regular pathways")
    );
    let text = String::from_utf8_lossy(&ws.cmd().args(["show", "1", "--revisions"]).ok().stdout)
        .into_owned();
    assert!(text.contains("revision 1, the original"), "{text}");
    assert_eq!(
        ws.json(&["log", "1", "--json"])
            .as_array()
            .expect("log")
            .last()
            .expect("entry")["action"],
        "edit"
    );
}

#[test]
fn an_edit_never_overwrites_a_decision_made_while_the_editor_was_open() {
    let ws = ingested(None);
    // The "editor" lets another moderator approve the submission, then edits the text.
    let config = ws
        .config_path()
        .expect("fixture config")
        .display()
        .to_string();
    let editor = editor_script(
        &ws,
        &format!(
            "'{}' --data-dir '{}' --config '{config}' --moderator carlos approve 1\n\
             sed -i 's/regular pathways/safe and regular pathways/' \"$1\"",
            env!("CARGO_BIN_EXE_hubmail"),
            ws.data_dir().display()
        ),
    );
    let out = edit_first_with(&ws, &editor).output();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.contains("changed while you were deciding") && err.contains("approved (by carlos"),
        "says who changed it: {err}"
    );
    assert!(
        err.contains("hubmail edit 1 --from"),
        "the edit is kept: {err}"
    );
    let shown = ws.json(&["show", "1", "--json"]);
    assert_eq!(shown["state"], "approved", "the approval stands");
    assert_eq!(shown["revisions"].as_array().map(Vec::len), Some(0));
    assert!(
        !shown["body"]
            .as_str()
            .expect("body")
            .contains("safe and regular pathways"),
        "nothing of the stale edit was stored"
    );
}

#[test]
fn an_invalid_edit_is_refused_and_kept_for_another_try() {
    let ws = ingested(None);
    let editor = editor_script(&ws, "sed -i 's/^Question: .*/Question: 42/' \"$1\"");
    let out = edit_first_with(&ws, &editor).output();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("question gcm-review:42 does not exist"),
        "{err}"
    );
    assert!(err.contains("hubmail edit 1 --from"), "{err}");
    let kept = err
        .split("--from ")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the message names the kept file");
    let text = std::fs::read_to_string(kept).expect("the edit is kept");
    assert!(text.contains("Question: 42"));
    // Fixed and applied from the file.
    std::fs::write(kept, text.replace("Question: 42", "Question: 3")).expect("fix");
    ws.moderate().args(["edit", "1", "--from", kept]).ok();
    assert_eq!(ws.json(&["show", "1", "--json"])["question"], 3);
}

#[test]
fn an_unchanged_edit_stores_nothing() {
    let ws = ingested(None);
    let editor = editor_script(&ws, "true");
    let out = edit_first_with(&ws, &editor).ok();
    assert!(String::from_utf8_lossy(&out.stdout).contains("no change"));
    assert_eq!(
        ws.json(&["show", "1", "--json"])["revisions"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}

#[test]
fn banned_senders_are_rejected_on_arrival_and_trusted_ones_flagged() {
    let ws = Workspace::with_fixture_config();
    ws.cmd().args(["init"]).ok();
    ws.moderate()
        .args([
            "sender",
            "ban",
            "@bank.example",
            "--reason",
            "commercial spam",
        ])
        .ok();
    ws.moderate()
        .args(["sender", "trust", "sarah.doyel@iom.example.int"])
        .ok();
    let bad = ws
        .moderate()
        .args(["sender", "ban", "not-a-pattern", "--reason", "x"])
        .output();
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("@example.org"), "{}", stderr(&bad));

    let maildir = ws.fixture_maildir();
    let summary = ws.ingest_json(&maildir);
    assert_eq!(summary["rejected"], 1, "{summary}");
    let spam = ws.json(&["show", "13", "--json"]);
    assert_eq!(spam["state"], "rejected");
    assert!(
        spam["reason"]
            .as_str()
            .expect("reason")
            .contains("commercial spam")
    );
    let sarah = ws.json(&["show", "1", "--json"]);
    assert_eq!(sarah["state"], "pending", "trusted mail is still held");
    assert!(
        sarah["flags"]
            .as_array()
            .expect("flags")
            .iter()
            .any(|f| f == "trusted")
    );

    let rules = ws.json(&["sender", "list", "--json"]);
    assert_eq!(rules.as_array().map(Vec::len), Some(2));
    let log = ws.json(&["log", "--json"]);
    assert!(
        log.as_array()
            .expect("log")
            .iter()
            .any(|e| e["action"] == "sender-ban" && e["target"] == "@bank.example")
    );
    ws.moderate()
        .args(["sender", "remove", "@bank.example"])
        .ok();
    assert_eq!(
        ws.json(&["sender", "list", "--json"])
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[test]
fn approve_trust_sender_approves_and_trusts_in_one_step() {
    let ws = ingested(None);
    ws.moderate().args(["approve", "4", "--trust-sender"]).ok();
    assert_eq!(state(&ws, 4), "approved");
    let rules = ws.json(&["sender", "list", "--json"]);
    assert_eq!(rules[0]["pattern"], "peter@drn.example.ke");
    assert_eq!(rules[0]["policy"], "trust");
}

#[test]
fn queue_filters() {
    let ws = ingested(None);
    let ids = |args: &[&str]| -> Vec<u64> {
        let mut all = vec!["queue", "--json"];
        all.extend_from_slice(args);
        crate::util::ids(&ws.json(&all))
    };
    assert_eq!(ids(&["--question", "3"]), vec![3, 14]);
    assert_eq!(ids(&["--flag", "spam"]), vec![13]);
    assert_eq!(ids(&["--lang", "es"]), vec![3, 5]);
    assert_eq!(ids(&["--since", "2022-03-01"]), vec![14]);
    assert_eq!(
        ids(&["--question", "none", "--state", "all"]),
        vec![8, 9, 11, 15, 19, 20]
    );
    let newest = ids(&["--sort", "newest"]);
    let mut oldest = ids(&[]);
    oldest.reverse();
    assert_eq!(newest, oldest);
    let bad = ws.cmd().args(["queue", "--flag", "spamm"]).output();
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("first-time-sender"),
        "{}",
        stderr(&bad)
    );
    let bad = ws.cmd().args(["queue", "--since", "yesterday"]).output();
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("2022-01-31"), "{}", stderr(&bad));
}

#[test]
fn queue_pages_in_arrival_order_and_keeps_counts_through_decisions() {
    let ws = ingested(None);
    let all = crate::util::ids(&ws.json(&["queue", "--limit", "0", "--json"]));
    assert!(all.len() > 6, "{all:?}");
    let page = |args: &[&str]| -> (Vec<u64>, String) {
        let mut full = vec!["queue", "--json"];
        full.extend_from_slice(args);
        let out = ws.cmd().args(&full).ok();
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        (crate::util::ids(&rows), stderr(&out))
    };
    let (first, note) = page(&["--limit", "3"]);
    assert_eq!(first, all[..3]);
    assert!(
        note.contains(&format!("1–3 shown of {} pending", all.len()))
            && note.contains("--offset 3"),
        "{note}"
    );
    let (second, _) = page(&["--limit", "3", "--offset", "3"]);
    assert_eq!(second, all[3..6]);
    let (newest, _) = page(&["--limit", "2", "--sort", "newest"]);
    assert_eq!(newest, vec![all[all.len() - 1], all[all.len() - 2]]);
    let (everything, note) = page(&[]);
    assert_eq!(everything, all, "under a page: all of them, no note");
    assert!(note.is_empty(), "{note}");

    // Decisions move rows between states and keep the counts exact.
    let approve = all[0].to_string();
    let reject = all[1].to_string();
    ws.moderate().args(["approve", &approve]).ok();
    ws.moderate()
        .args(["reject", &reject, "--reason-code", "off-topic"])
        .ok();
    let (first, note) = page(&["--limit", "1"]);
    assert_eq!(first, vec![all[2]]);
    assert!(
        note.contains(&format!("of {} pending", all.len() - 2)),
        "{note}"
    );
    let (approved, _) = page(&["--state", "approved"]);
    assert_eq!(approved, vec![all[0]]);
    let (rejected, _) = page(&["--state", "rejected", "--limit", "0"]);
    assert!(rejected.contains(&all[1]), "{rejected:?}");
    ws.moderate()
        .args(["reopen", &approve, "--reason", "second look"])
        .ok();
    let (first, _) = page(&["--limit", "1"]);
    assert_eq!(first, vec![all[0]], "reopened: back in its arrival place");
}

#[test]
fn stats_count_and_time_decisions() {
    let ws = ingested(None);
    ws.moderate()
        .args(["approve", "1", "2"])
        .env("HUBMAIL_NOW", "2030-01-01T00:00:00Z")
        .ok();
    let stats = ws.json(&["stats", "--json"]);
    assert_eq!(stats["by_state"]["approved"], 2);
    assert_eq!(stats["by_lang"]["fr"], 3);
    assert_eq!(stats["decided"], 2);
    assert!(stats["median_hours_to_decision"].as_f64().expect("median") > 1000.0);
    assert_eq!(stats["duplicates"], 2);
}

#[test]
fn completions_and_man_page_come_from_the_clap_definitions() {
    let ws = Workspace::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = ws.cmd().args(["completions", shell]).ok();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("review") && text.contains("reason-code"),
            "{shell}"
        );
    }
    let man = String::from_utf8_lossy(&ws.cmd().args(["man"]).ok().stdout).into_owned();
    assert!(
        man.starts_with(".ie") || man.contains(".TH hubmail"),
        "{}",
        &man[..man.len().min(200)]
    );
    assert!(man.contains("approve"));
}

#[test]
fn review_refuses_politely_without_a_terminal() {
    let ws = ingested(None);
    let out = ws.moderate().args(["review"]).output();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("needs a terminal"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn mail_to_the_fixture_is_untouched_by_moderation() {
    // A decision never rewrites the stored original.
    let ws = ingested(None);
    ws.moderate().args(["reject", "2", "--reason", "test"]).ok();
    let raw = ws.cmd().args(["show", "2", "--raw"]).ok().stdout;
    assert_eq!(
        raw,
        std::fs::read(fixture_mail().join("02-fr-latin1-qp-q2.eml")).expect("fixture")
    );
}

/// `first-time-sender` is a hold reason only where the consultation asks for it: on a new
/// consultation every message would carry it.
#[test]
fn first_time_senders_are_flagged_only_when_the_config_asks() {
    let flags = |ws: &Workspace, id: u64| -> Vec<String> {
        ws.json(&["show", &id.to_string(), "--json"])["flags"]
            .as_array()
            .expect("flags")
            .iter()
            .map(|f| {
                f.as_str()
                    .or(f["name"].as_str())
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };
    let plain = ingested(None);
    assert!(!flags(&plain, 1).contains(&"first-time-sender".to_string()));
    let text =
        std::fs::read_to_string(crate::util::repo().join("fixtures/hubmail.toml")).expect("config");
    let text = if text.contains("[moderation]\n") {
        text.replace("[moderation]\n", "[moderation]\nflag_first_time = true\n")
    } else {
        format!("{text}\n[moderation]\nflag_first_time = true\n")
    };
    let asked = ingested(Some(&text));
    assert!(
        flags(&asked, 1).contains(&"first-time-sender".to_string()),
        "{:?}",
        flags(&asked, 1)
    );
    // Grace Mwangi's resent message (#18) is not her first.
    assert!(!flags(&asked, 18).contains(&"first-time-sender".to_string()));
}
