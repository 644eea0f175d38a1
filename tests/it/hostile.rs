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
    let summary = ws.ingest_json(&maildir);
    assert_eq!(summary["read"], cases.len() as u64, "{summary}");
    assert!(
        files_in(&maildir.join("new")).is_empty(),
        "nothing left behind"
    );

    let all = ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]);
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

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    state: String,
    reason: Option<String>,
    subject: Option<String>,
    attachments: Option<Vec<String>>,
    #[serde(default)]
    body_excludes: Vec<String>,
}

/// The kept corpus (fixtures/hostile), the hostile attachments and a generated 100 MB
/// message: each ends as expected.toml says, and the worker's peak memory (its readers'
/// included: /usr/bin/time reports the largest of the process tree) stays bounded.
#[test]
fn hostile_corpus_with_bounded_memory() {
    let ws = Workspace::with_config_text(
        "[limits]\nmax_message_bytes = 20_000_000\nmax_attachment_bytes = 5_000_000\n\n[[space]]\nid = \"c\"\ntitle = \"C\"\n",
    );
    let maildir = ws.maildir("contact");
    let corpus = crate::util::repo().join("fixtures/hostile");
    let mut expected: std::collections::BTreeMap<String, Expected> = toml::from_str(
        &std::fs::read_to_string(corpus.join("expected.toml")).expect("expected.toml"),
    )
    .expect("valid expected.toml");
    for e in std::fs::read_dir(&corpus).expect("corpus").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".eml") {
            std::fs::copy(e.path(), maildir.join("new").join(&name)).expect("copy");
        }
    }
    // The hostile attachments too (their outcomes: tests/it/attachments.rs): the worker's
    // peak, measured with its children's, stays bounded while they are read.
    for name in ["bomb", "deep", "thousand-pages"] {
        let file = format!("attachment-{name}.eml");
        std::fs::copy(
            crate::util::repo().join(format!("fixtures/attachments/{name}.eml")),
            maildir.join("new").join(&file),
        )
        .expect("copy");
        expected.insert(
            file,
            Expected {
                state: "pending".into(),
                reason: None,
                subject: None,
                attachments: None,
                body_excludes: Vec::new(),
            },
        );
    }
    let status = std::process::Command::new("python3")
        .arg(crate::util::repo().join("scripts/gen-hostile.py"))
        .arg("--big")
        .arg(maildir.join("new"))
        .status()
        .expect("generate the 100 MB message");
    assert!(status.success());
    let out = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M", env!("CARGO_BIN_EXE_hubmail"), "--data-dir"])
        .arg(ws.data_dir())
        .arg("--config")
        .arg(ws.config_path().expect("a config"))
        .args(["ingest", "--maildir"])
        .arg(&maildir)
        .args(["--json"])
        .env_remove("HUBMAIL_CONFIG")
        .output()
        .expect("run under /usr/bin/time");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak_kib: u64 = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("peak RSS from /usr/bin/time");
    assert!(
        peak_kib < 250 * 1024,
        "peak RSS {} MB for a 100 MB message with a 20 MB limit",
        peak_kib / 1024
    );
    assert!(
        files_in(&maildir.join("new")).is_empty(),
        "every message was processed"
    );

    let mut seen = 0;
    for row in ws
        .json(&["queue", "--state", "all", "--limit", "0", "--json"])
        .as_array()
        .expect("array")
    {
        let shown = ws.json(&["show", &row["id"].to_string(), "--json"]);
        let name = shown["origin"]
            .as_str()
            .expect("origin")
            .rsplit('#')
            .next()
            .expect("name")
            .to_string();
        let exp = expected
            .get(&name)
            .unwrap_or_else(|| panic!("{name} is not in fixtures/hostile/expected.toml"));
        seen += 1;
        assert_eq!(shown["state"], exp.state, "{name}: {shown}");
        if let Some(reason) = &exp.reason {
            assert!(
                shown["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(reason.as_str()),
                "{name}: {}",
                shown["reason"]
            );
        }
        if let Some(subject) = &exp.subject {
            assert_eq!(shown["subject"], *subject, "{name}");
        }
        if let Some(names) = &exp.attachments {
            let have: Vec<&str> = shown["attachments"]
                .as_array()
                .expect("attachments")
                .iter()
                .map(|a| a["name"].as_str().unwrap_or_default())
                .collect();
            assert_eq!(&have, names, "{name}");
        }
        for text in &exp.body_excludes {
            assert!(
                !shown["body"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(text.as_str()),
                "{name} keeps {text:?}"
            );
        }
    }
    assert_eq!(
        seen,
        expected.len(),
        "every hostile message is accounted for"
    );
    eprintln!(
        "hostile corpus: {seen} messages, peak RSS {} MB",
        peak_kib / 1024
    );
}
