//! The other sources and limits: mbox backfill, several Maildirs, oversize messages.

use crate::util::{Workspace, files_in, fixture_emls, fixture_mail};

/// Builds an mboxrd file from messages, quoting body lines that start with "From ".
fn mboxrd(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        out.extend_from_slice(b"From sender@example.org Mon Jan 10 09:00:00 2022\n");
        let text = String::from_utf8_lossy(m).replace("\r\n", "\n");
        for line in text.lines() {
            let unquoted = line.trim_start_matches('>');
            if unquoted.starts_with("From ") {
                out.push(b'>');
            }
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}

#[test]
fn mbox_backfill_unquotes_from_lines_and_reruns_store_nothing_twice() {
    let ws = Workspace::with_fixture_config();
    let body = "From: Amina <amina@example.org>\nTo: contact@consultation.example.org\n\
Subject: [Q2] Remittance costs\nMessage-ID: <mbox-1@example.org>\n\n\
Remittance costs remain too high for migrant families in our region.\n\
From our experience, digital channels reduce costs when regulation allows them.\n";
    let mut messages: Vec<Vec<u8>> = vec![body.as_bytes().to_vec()];
    messages.push(std::fs::read(fixture_mail().join("03-es-qp-pregunta3.eml")).expect("fixture"));
    let mbox = ws.path().join("archive.mbox");
    std::fs::write(&mbox, mboxrd(&messages)).expect("write mbox");
    let path = mbox.to_str().expect("utf-8");

    let first = ws.json(&["ingest", "--mbox", path, "--json"]);
    assert_eq!(first["read"], 2, "{first}");
    assert_eq!(first["queued"], 2, "{first}");
    let shown = ws.json(&["show", "1", "--json"]);
    let text = shown["body"].as_str().expect("body");
    assert!(
        text.contains("\nFrom our experience"),
        "the >From quoting is undone: {text:?}"
    );

    let again = ws.json(&["ingest", "--mbox", path, "--json"]);
    assert_eq!(again["duplicates"], 2, "{again}");
    assert_eq!(
        ws.json(&["queue", "--json"]).as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn several_maildirs_in_one_run() {
    let ws = Workspace::new();
    let a = ws.maildir("a");
    let b = ws.maildir("b");
    let emls = fixture_emls();
    std::fs::copy(&emls[0], a.join("new/one.eml")).expect("copy");
    std::fs::copy(&emls[1], b.join("cur/two.eml")).expect("copy");
    let summary = ws.json(&[
        "ingest",
        "--maildir",
        a.to_str().expect("utf-8"),
        "--maildir",
        b.to_str().expect("utf-8"),
        "--json",
    ]);
    assert_eq!(summary["queued"], 2, "{summary}");
    assert_eq!(files_in(&a.join("cur")), vec!["one.eml:2,S"]);
    assert_eq!(files_in(&b.join("cur")), vec!["two.eml:2,S"]);
}

#[test]
fn an_oversize_message_is_quarantined_with_its_bytes_kept() {
    let ws = Workspace::with_config_text(
        "[limits]\nmax_message_bytes = 4000\n\n[[space]]\nid = \"c\"\ntitle = \"C\"\n",
    );
    let maildir = ws.maildir("contact");
    let mut big = std::fs::read(fixture_mail().join("01-en-plain-q1.eml")).expect("fixture");
    big.extend(std::iter::repeat_n(b"padding line for size\r\n".to_vec(), 400).flatten());
    std::fs::write(maildir.join("new/big.eml"), &big).expect("write");
    let summary = ws.ingest_json(&maildir);
    assert_eq!(summary["quarantined"], 1, "{summary}");
    let shown = ws.json(&["show", "1", "--json"]);
    assert!(
        shown["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("over the 0.0 MB limit")
            || shown["reason"]
                .as_str()
                .unwrap_or_default()
                .contains("max_message_bytes"),
        "{shown}"
    );
    assert_eq!(
        shown["subject"],
        "[Q1] Priorities for GCM implementation in West Africa"
    );
    assert_eq!(shown["author"]["address"], "sarah.doyel@iom.example.int");
    let raw = ws.cmd().args(["show", "1", "--raw"]).ok().stdout;
    assert_eq!(raw, big, "the whole message is kept byte for byte");
    assert!(files_in(&maildir.join("new")).is_empty());
}

#[test]
fn an_oversize_attachment_is_dropped_with_a_flag_not_the_message() {
    let ws = Workspace::with_config_text(
        "[limits]\nmax_attachment_bytes = 100\n\n[[space]]\nid = \"c\"\ntitle = \"C\"\n",
    );
    let maildir = ws.maildir("contact");
    std::fs::copy(
        fixture_mail().join("06-en-pdf-attachment.eml"),
        maildir.join("new/pdf.eml"),
    )
    .expect("copy");
    ws.cmd()
        .args(["ingest", "--maildir", maildir.to_str().expect("utf-8")])
        .ok();
    let shown = ws.json(&["show", "1", "--json"]);
    assert_eq!(shown["state"], "pending");
    assert!(
        shown["flags"]
            .as_array()
            .expect("flags")
            .iter()
            .any(|f| f == "attachment-too-large"),
        "{shown}"
    );
    assert_eq!(shown["attachments"][0]["stored"], false);
}
