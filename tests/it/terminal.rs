//! Nothing from mail reaches a moderator's terminal as an order: a contribution carrying
//! OSC 52 (clipboard), OSC 0 (window title), CSI and C1 sequences, a carriage return and a
//! bidirectional override is shown with those characters as visible pictures in every
//! command that prints mail-derived text, and in errors that quote what was typed.

use std::process::Output;

use crate::util::{Workspace, repo};

/// The characters a terminal obeys, or that reorder what it shows; newline and tab are
/// text.
fn obeyed(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn assert_inert(what: &str, out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let found: Vec<String> = text
        .chars()
        .filter(|c| obeyed(*c))
        .map(|c| format!("U+{:04X}", c as u32))
        .collect();
    assert!(
        found.is_empty(),
        "{what} printed {found:?} to the terminal:\n{text}"
    );
    text
}

#[test]
fn mail_cannot_drive_the_moderators_terminal() {
    let ws = Workspace::with_fixture_config();
    let raw = std::fs::read(repo().join("fixtures/hostile/terminal-escapes.eml")).expect("fixture");
    ws.cmd().args(["ingest", "-"]).stdin(raw).ok();
    // The fixture really does carry the sequences (else this test proves nothing).
    let json = ws.json(&["show", "1", "--json"]);
    let stored = json.to_string();
    assert!(
        stored.contains("\\u001b]52;c;"),
        "OSC 52 stored as received: {stored}"
    );

    let show = ws.cmd().args(["show", "1", "--quoted"]).output();
    let text = assert_inert("show", &show);
    assert!(
        text.contains("\u{241b}]52;c;"),
        "shown as a picture: {text}"
    );
    assert!(text.contains("\u{241b}]0;"), "{text}");

    ws.moderate()
        .args(["reject", "1", "--reason", "spam \u{1b}[8m hidden"])
        .ok();
    ws.moderate()
        .args(["reopen", "1", "--reason", "second look"])
        .ok();
    ws.moderate().args(["approve", "1", "--trust-sender"]).ok();
    for args in [
        &["show", "1", "--quoted", "--revisions"][..],
        &["queue", "--state", "all"][..],
        &["log", "1"][..],
        &["log"][..],
        &["outbox", "--all"][..],
        &["stats"][..],
        &["sender", "list"][..],
        &["search", "--all", "remittances"][..],
        &["search", "--all", "owned"][..],
    ] {
        let out = ws.cmd().args(args).output();
        assert!(out.status.success(), "{args:?}: {out:?}");
        assert_inert(&args.join(" "), &out);
    }
    // Errors that quote what was typed.
    for args in [
        &["search", "--all", "--", "\u{1b}]52;c;eA==\u{7} AND"][..],
        &["queue", "--flag", "\u{1b}[2Jspam"][..],
        &["show", "\u{1b}]0;x\u{7}"][..],
    ] {
        let out = ws.cmd().args(args).output();
        assert!(!out.status.success(), "{args:?}");
        assert_inert(&format!("{args:?}"), &out);
    }
}
