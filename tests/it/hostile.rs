//! Bad input never crashes or stalls the worker: each message ends in a defined state with
//! a reason, and the rest of the mailbox goes on. (Generated here rather than committed:
//! they are large or repetitive.)

use crate::util::{Workspace, files_in};

const HEADER: &str = "From: A <a@example.org>\r\nSubject: [Q1] hostile\r\nMIME-Version: 1.0\r\n";

fn thousands_of_parts() -> Vec<u8> {
    let mut s = format!(
        "{HEADER}Message-ID: <parts@x>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    );
    for i in 0..5000 {
        s.push_str(&format!(
            "--b\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n"
        ));
    }
    s.push_str("--b--\r\n");
    s.into_bytes()
}

fn deeply_nested_multiparts(depth: usize) -> Vec<u8> {
    let mut s = format!(
        "{HEADER}Message-ID: <deep@x>\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    );
    for i in 1..depth {
        s.push_str(&format!(
            "--b{}\r\nContent-Type: multipart/mixed; boundary=b{i}\r\n\r\n",
            i - 1
        ));
    }
    s.push_str(&format!(
        "--b{}\r\nContent-Type: text/plain\r\n\r\ndeep text\r\n",
        depth - 1
    ));
    for i in (0..depth).rev() {
        s.push_str(&format!("--b{i}--\r\n"));
    }
    s.into_bytes()
}

fn deeply_nested_messages(depth: usize) -> Vec<u8> {
    let mut s = String::from("From: A <a@example.org>\r\nSubject: inner\r\n\r\nbody\r\n");
    for i in 0..depth {
        s = format!("{HEADER}Message-ID: <m{i}@x>\r\nContent-Type: message/rfc822\r\n\r\n{s}");
    }
    s.into_bytes()
}

/// A 30 MB message: a short text and a large base64 attachment.
fn thirty_megabytes() -> Vec<u8> {
    let mut s = format!(
        "{HEADER}Message-ID: <big@x>\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n\
--z\r\nContent-Type: text/plain\r\n\r\nOur position paper on migration governance is attached to this message.\r\n\
--z\r\nContent-Type: application/pdf; name=paper.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    );
    let line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n";
    let lines = 30 * 1024 * 1024 / line.len();
    s.reserve(lines * line.len() + 16);
    for _ in 0..lines {
        s.push_str(line);
    }
    s.push_str("--z--\r\n");
    s.into_bytes()
}

#[test]
fn hostile_messages_each_end_in_a_defined_state() {
    let ws = Workspace::new();
    let maildir = ws.maildir("contact");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("1-parts.eml", thousands_of_parts()),
        ("2-deep.eml", deeply_nested_multiparts(400)),
        ("3-rfc822-deep.eml", deeply_nested_messages(300)),
        ("4-big.eml", thirty_megabytes()),
        ("5-nul.eml", b"From: A <a@example.org>\r\nSubject: \0\0\0\r\n\r\n\0\0\0\0 text \0".to_vec()),
        ("6-empty-body.eml", b"From: A <a@example.org>\r\nSubject: nothing\r\n\r\n".to_vec()),
        ("7-headers-only-no-blank.eml", b"From: A <a@example.org>\r\nSubject: x".to_vec()),
        ("8-ok.eml", b"From: B <b@example.org>\r\nSubject: [Q1] fine\r\nMessage-ID: <ok@x>\r\n\r\nAfter all that, a normal contribution about labour migration arrives.\r\n".to_vec()),
    ];
    for (name, bytes) in &cases {
        std::fs::write(maildir.join("new").join(name), bytes).expect("write");
    }
    let summary = ws.json(&[
        "ingest",
        "--maildir",
        maildir.to_str().expect("utf-8"),
        "--json",
    ]);
    assert_eq!(summary["read"], cases.len() as u64, "{summary}");
    assert!(
        files_in(&maildir.join("new")).is_empty(),
        "nothing left behind"
    );

    let all = ws.json(&["queue", "--state", "all", "--json"]);
    let rows = all.as_array().expect("array");
    let by_name = |name: &str| -> &serde_json::Value {
        (rows
            .iter()
            .find(|r| {
                let shown = ws.json(&["show", &r["id"].to_string(), "--json"]);
                shown["origin"].as_str().unwrap_or_default().ends_with(name)
            })
            .unwrap_or_else(|| panic!("{name} was not stored"))) as _
    };
    let reason = |name: &str| {
        by_name(name)["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        reason("1-parts.eml").contains("MIME parts"),
        "{}",
        reason("1-parts.eml")
    );
    assert!(
        reason("2-deep.eml").contains("nested"),
        "{}",
        reason("2-deep.eml")
    );
    assert_eq!(by_name("3-rfc822-deep.eml")["state"], "quarantined");
    let big = by_name("4-big.eml");
    assert_eq!(
        big["state"], "pending",
        "a large attachment drops the attachment, not the message"
    );
    assert!(
        big["flags"]
            .as_array()
            .expect("flags")
            .iter()
            .any(|f| f == "attachment-too-large")
    );
    assert!(
        reason("6-empty-body.eml").contains("no text"),
        "{}",
        reason("6-empty-body.eml")
    );
    assert_eq!(by_name("8-ok.eml")["state"], "pending");
    for row in rows {
        let state = row["state"].as_str().expect("state");
        assert!(
            state == "pending" || row["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "every message set aside has a reason: {row}"
        );
    }
}
