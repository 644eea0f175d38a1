//! The undo window: a decision's notice waits `[notify] decision_delay_minutes` (10 by
//! default) before it is due, and a reopen or a second decision meanwhile cancels it, so
//! the contributor hears of the final outcome once; `outbox cancel` stops one by hand.
//! The clock is pinned (`HUBMAIL_NOW`) so that "eleven minutes later" is exact.

use mail_parser::MessageParser;

use crate::util::{Workspace, repo};

const T0: &str = "2022-02-01T10:00:00Z";
const T5: &str = "2022-02-01T10:05:00Z";
const T11: &str = "2022-02-01T10:11:00Z";

/// The fixture consultation with the default undo window, its mail ingested and the
/// acknowledgements sent, everything at `T0`.
fn consultation() -> Workspace {
    let text = std::fs::read_to_string(repo().join("fixtures/hubmail.toml")).expect("config");
    let text = text.replace("decision_delay_minutes = 0", "");
    let ws = Workspace::with_config_text(&text);
    let maildir = ws.fixture_maildir();
    at(&ws, T0)
        .arg("ingest")
        .arg("--maildir")
        .arg(&maildir)
        .ok();
    send_at(&ws, T0);
    ws
}

fn at(ws: &Workspace, when: &str) -> crate::util::Hubmail {
    ws.moderate().env("HUBMAIL_NOW", when)
}

fn send_at(ws: &Workspace, when: &str) {
    at(ws, when).args(["outbox", "--send"]).ok();
}

/// The kinds of the decision notices written to the sent-mail folder for Sarah Doyel (#1).
fn notices_to_sarah(ws: &Workspace) -> Vec<String> {
    let dir = ws.data_dir().join("sent-mail");
    let mut kinds = Vec::new();
    for e in std::fs::read_dir(dir).expect("sent mail").flatten() {
        let raw = std::fs::read(e.path()).expect("read");
        let m = MessageParser::default().parse(&raw).expect("parses");
        let to = m
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_string();
        let id = m.message_id().unwrap_or_default().to_string();
        if to == "sarah.doyel@iom.example.int" && !id.contains(".ack.") {
            kinds.push(id.split('.').nth(1).expect("kind").to_string());
        }
    }
    kinds.sort();
    kinds
}

fn outbox_for_sarah(ws: &Workspace) -> Vec<serde_json::Value> {
    let all = ws.json(&["outbox", "--all", "--json"]);
    all.as_array()
        .expect("array")
        .iter()
        .filter(|e| e["submission"] == 1 && e["kind"] != "ack")
        .cloned()
        .collect()
}

#[test]
fn a_notice_waits_for_its_window_then_goes_once() {
    let ws = consultation();
    at(&ws, T0).args(["approve", "1"]).ok();
    send_at(&ws, T5);
    assert!(notices_to_sarah(&ws).is_empty(), "not within the window");
    let listed = String::from_utf8_lossy(&at(&ws, T5).arg("outbox").ok().stdout).into_owned();
    assert!(listed.contains("due 2022-02-01 10:10 UTC"), "{listed}");
    send_at(&ws, T11);
    assert_eq!(notices_to_sarah(&ws), ["approved"]);
    send_at(&ws, T11);
    assert_eq!(notices_to_sarah(&ws), ["approved"], "once");
}

#[test]
fn approve_then_reopen_within_the_window_sends_nothing() {
    let ws = consultation();
    at(&ws, T0).args(["approve", "1"]).ok();
    at(&ws, T0)
        .args(["reopen", "1", "--reason", "approved by mistake"])
        .ok();
    send_at(&ws, T11);
    assert!(notices_to_sarah(&ws).is_empty());
    let entries = outbox_for_sarah(&ws);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["status"], "cancelled");
    let why = entries[0]["cancelled"].as_str().expect("why");
    assert!(
        why.contains("superseded before it was sent: reopen by amina"),
        "{why}"
    );
}

#[test]
fn approve_reopen_reject_sends_only_the_rejection() {
    let ws = consultation();
    at(&ws, T0).args(["approve", "1"]).ok();
    at(&ws, T0)
        .args(["reopen", "1", "--reason", "mistake"])
        .ok();
    at(&ws, T0)
        .args(["reject", "1", "--reason-code", "off-topic"])
        .ok();
    send_at(&ws, T11);
    assert_eq!(notices_to_sarah(&ws), ["rejected"]);
}

#[test]
fn approve_reopen_approve_sends_one_approval() {
    let ws = consultation();
    at(&ws, T0).args(["approve", "1"]).ok();
    at(&ws, T0)
        .args(["reopen", "1", "--reason", "mistake"])
        .ok();
    at(&ws, T0).args(["approve", "1"]).ok();
    send_at(&ws, T11);
    assert_eq!(notices_to_sarah(&ws), ["approved"]);
}

#[test]
fn a_moderator_cancels_a_waiting_notice_by_hand_and_it_is_audited() {
    let ws = consultation();
    at(&ws, T0).args(["approve", "1"]).ok();
    let seq = outbox_for_sarah(&ws)[0]["seq"]
        .as_u64()
        .expect("seq")
        .to_string();
    let out = at(&ws, T0)
        .args([
            "outbox",
            "cancel",
            &seq,
            "--reason",
            "the author asked for no mail",
        ])
        .ok();
    assert!(String::from_utf8_lossy(&out.stdout).contains("cancelled outbox message"));
    send_at(&ws, T11);
    assert!(notices_to_sarah(&ws).is_empty());
    let again = at(&ws, T11).args(["outbox", "cancel", &seq]).output();
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr)
            .contains("is cancelled: only a message still waiting"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let log = ws.json(&["log", "1", "--json"]);
    let cancel = log
        .as_array()
        .expect("array")
        .iter()
        .find(|e| e["action"] == "outbox-cancel")
        .expect("audited");
    assert_eq!(cancel["actor"], "amina");
    assert_eq!(cancel["reason"], "the author asked for no mail");
    assert_eq!(cancel["target"], format!("outbox #{seq}"));
}
