//! `hubmail attachment`: a moderator opens an attachment before deciding. The saved bytes
//! are the attachment's own (compared with mail-parser's decoding of the fixture), also
//! when the attachment was too large to be stored apart; names never leave the folder and
//! never overwrite a file.

use crate::util::{Workspace, fixture_mail};

const FIXTURE: &str = "06-en-pdf-attachment.eml";

/// The fixture's attachment, decoded independently of hubmail.
fn expected_bytes() -> Vec<u8> {
    let raw = std::fs::read(fixture_mail().join(FIXTURE)).expect("fixture");
    let message = mail_parser::MessageParser::default()
        .parse(&raw)
        .expect("the fixture parses");
    message
        .attachment(0)
        .expect("an attachment")
        .contents()
        .to_vec()
}

fn ingested(config: &str) -> Workspace {
    let ws = Workspace::with_config_text(config);
    ws.cmd()
        .args(["ingest", "-"])
        .stdin(std::fs::read(fixture_mail().join(FIXTURE)).expect("fixture"))
        .ok();
    ws
}

const CONFIG: &str = "[[space]]\nid = \"c\"\ntitle = \"C\"\n";

#[test]
fn a_moderator_lists_and_saves_an_attachment_byte_for_byte() {
    let ws = ingested(CONFIG);
    let listed = String::from_utf8(ws.cmd().args(["attachment", "1"]).ok().stdout).expect("utf-8");
    let expected = expected_bytes();
    assert!(expected.starts_with(b"%PDF"), "the fixture holds a PDF");
    assert_eq!(
        listed,
        format!(
            "1. ITUC position paper.pdf (application/pdf, {} bytes)\n",
            expected.len()
        )
    );
    let shown = String::from_utf8(ws.cmd().args(["show", "1"]).ok().stdout).expect("utf-8");
    assert!(
        shown.contains("Attachment 1: ITUC position paper.pdf")
            && shown.contains("hubmail attachment 1 N --save PATH"),
        "{shown}"
    );
    let target = ws.path().join("paper.pdf");
    ws.cmd()
        .args(["attachment", "1", "1", "--save"])
        .arg(&target)
        .ok();
    assert_eq!(std::fs::read(&target).expect("saved"), expected);

    // Never over an existing file.
    std::fs::write(&target, b"mine").expect("write");
    let out = ws
        .cmd()
        .args(["attachment", "1", "1", "--save"])
        .arg(&target)
        .output();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("exists already"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&target).expect("kept"), b"mine");

    // No such attachment: said so.
    let out = ws
        .cmd()
        .args(["attachment", "1", "2", "--save"])
        .arg(ws.path().join("two.pdf"))
        .output();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("has 1 attachment: there is no attachment 2"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn save_all_keeps_names_inside_the_folder_and_never_overwrites() {
    let ws = ingested(CONFIG);
    let dir = ws.path().join("papers");
    // The declared name is "../../ITUC position paper.pdf".
    for _ in 0..2 {
        ws.cmd()
            .args(["attachment", "1", "--save-all"])
            .arg(&dir)
            .ok();
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("the folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec!["ITUC position paper (2).pdf", "ITUC position paper.pdf"]
    );
    assert!(!ws.path().join("ITUC position paper.pdf").exists());
    assert_eq!(
        std::fs::read(dir.join("ITUC position paper (2).pdf")).expect("saved"),
        expected_bytes()
    );
}

#[test]
fn an_attachment_kept_only_inside_its_message_is_still_saved() {
    let ws = ingested(&format!("[limits]\nmax_attachment_bytes = 100\n\n{CONFIG}"));
    assert_eq!(
        ws.json(&["show", "1", "--json"])["attachments"][0]["stored"],
        false
    );
    let target = ws.path().join("paper.pdf");
    ws.cmd()
        .args(["attachment", "1", "1", "--save"])
        .arg(&target)
        .ok();
    assert_eq!(std::fs::read(&target).expect("saved"), expected_bytes());
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    kind: String,
    outcome: String,
    pages: Option<u64>,
    title: Option<String>,
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    excludes: Vec<String>,
    #[serde(default)]
    summary: Vec<String>,
    /// A hold flag the submission must carry.
    flag: Option<String>,
    decides: Option<bool>,
    lang: Option<String>,
    other_langs: Option<Vec<String>>,
    note_lang: Option<String>,
    objectives: Option<Vec<u64>>,
}

fn attachment_fixtures() -> std::path::PathBuf {
    crate::util::repo().join("fixtures/attachments")
}

#[test]
fn each_attachment_fixture_is_read_as_its_golden_file_says() {
    let expected: std::collections::BTreeMap<String, Expected> = toml::from_str(
        &std::fs::read_to_string(attachment_fixtures().join("expected.toml")).expect("golden"),
    )
    .expect("expected.toml");
    let ws = Workspace::with_config_text(CONFIG);
    let mut failures = Vec::new();
    for (n, (name, want)) in expected.iter().enumerate() {
        let mail = std::fs::read(attachment_fixtures().join(format!("{name}.eml"))).expect("eml");
        ws.cmd().args(["ingest", "-"]).stdin(mail).ok();
        let id = (n + 1).to_string();
        let shown = ws.json(&["show", &id, "--json"]);
        // The message itself is never held aside for its attachment's sake.
        if shown["state"] != "pending" {
            failures.push(format!("{name}: state {}", shown["state"]));
            continue;
        }
        let e = &shown["attachments"][0]["extraction"];
        let mut check = |what: &str, ok: bool| {
            if !ok {
                failures.push(format!("{name}: {what} in {e}"));
            }
        };
        check("kind", e["kind"] == want.kind.as_str());
        check("outcome", e["outcome"] == want.outcome.as_str());
        if let Some(pages) = want.pages {
            check(
                "pages",
                e["summary"]
                    .as_str()
                    .is_some_and(|s| s.contains(&format!("{pages} pages"))),
            );
        }
        check("title", e["title"].as_str() == want.title.as_deref());
        if let Some(decides) = want.decides {
            check("decides", e["decides"] == decides);
        }
        if let Some(lang) = &want.lang {
            check(
                &format!("lang {}", shown["lang"]),
                shown["lang"] == lang.as_str(),
            );
        }
        if let Some(others) = &want.other_langs {
            check(
                &format!("other_langs {}", shown["other_langs"]),
                shown["other_langs"] == serde_json::json!(others),
            );
        }
        if let Some(note) = &want.note_lang {
            check(
                &format!("note_lang {}", shown["note_lang"]),
                shown["note_lang"] == note.as_str(),
            );
        }
        if let Some(objectives) = &want.objectives {
            check(
                &format!("objectives {}", shown["objectives"]),
                shown["objectives"] == serde_json::json!(objectives),
            );
        }
        if let Some(flag) = &want.flag {
            let flags = shown["flags"].as_array().cloned().unwrap_or_default();
            check(
                &format!("flag {flag} ({flags:?})"),
                flags.iter().any(|f| f == flag.as_str()),
            );
        }
        for fragment in &want.summary {
            check(
                fragment,
                e["summary"]
                    .as_str()
                    .is_some_and(|s| s.contains(fragment.as_str())),
            );
        }
        if !want.contains.is_empty() || !want.excludes.is_empty() {
            let text = String::from_utf8(
                ws.cmd()
                    .args(["show", &id, "--attachment", "1"])
                    .ok()
                    .stdout,
            )
            .expect("utf-8");
            for needle in &want.contains {
                check(
                    &format!("text with {needle:?}"),
                    text.contains(needle.as_str()),
                );
            }
            for needle in &want.excludes {
                check(
                    &format!("text without {needle:?}"),
                    !text.contains(needle.as_str()),
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Ingests one attachment fixture's message under `limits` (TOML lines); its extraction.
fn extraction_under(limits: &str, fixture: &str, env: &[(&str, &str)]) -> serde_json::Value {
    let ws = Workspace::with_config_text(&format!("[limits]\n{limits}\n\n{CONFIG}"));
    let mail = std::fs::read(attachment_fixtures().join(format!("{fixture}.eml"))).expect("eml");
    let mut cmd = ws.cmd();
    for (key, value) in env {
        cmd = cmd.env(key, value);
    }
    cmd.args(["ingest", "-"]).stdin(mail).ok();
    let shown = ws.json(&["show", "1", "--json"]);
    assert_eq!(
        shown["state"], "pending",
        "the message is kept whatever its attachment did"
    );
    shown["attachments"][0]["extraction"].clone()
}

#[test]
fn a_reader_that_exhausts_its_memory_fails_alone() {
    // The unzipped-size limit lifted: the bomb's 256 MiB are read, past 64 MB of memory.
    let e = extraction_under(
        "extract_memory_mb = 64\nextract_max_unzipped_bytes = 1000000000",
        "bomb",
        &[],
    );
    assert_eq!(e["outcome"], "failed", "{e}");
    assert!(
        e["summary"]
            .as_str()
            .is_some_and(|s| s.contains("more than 64 MB of memory")),
        "{e}"
    );
}

#[test]
fn a_reader_that_hangs_is_killed_at_the_time_limit() {
    // Fault injection: the worker sleeps 30 s before reading; the limit is 1 s.
    let e = extraction_under(
        "extract_seconds = 1",
        "pdf-en",
        &[("HUBMAIL_EXTRACT_HANG_MS", "30000")],
    );
    assert_eq!(e["outcome"], "failed", "{e}");
    assert!(
        e["summary"]
            .as_str()
            .is_some_and(|s| s.contains("longer than 1 s")),
        "{e}"
    );
}

/// The network namespace of a process (the target of `/proc/PID/ns/net`).
fn net_namespace(pid: &str) -> Option<std::path::PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/ns/net")).ok()
}

#[test]
fn the_reader_runs_without_the_network() {
    let ws = Workspace::with_config_text(CONFIG);
    let mail = std::fs::read(attachment_fixtures().join("pdf-en.eml")).expect("eml");
    // Fault injection: the worker waits 3 s before reading, long enough to be looked at.
    let mut ingest = ws
        .cmd()
        .env("HUBMAIL_EXTRACT_HANG_MS", "3000")
        .args(["ingest", "-"])
        .into_command()
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("ingest");
    std::io::Write::write_all(&mut ingest.stdin.take().expect("stdin"), &mail).expect("mail");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let worker = loop {
        let found = std::fs::read_dir("/proc")
            .expect("/proc")
            .flatten()
            .find_map(|e| {
                let pid = e.file_name().to_string_lossy().into_owned();
                let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
                let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
                // The worker itself, not the `unshare` that starts it.
                (args.first().is_some_and(|a| a.ends_with(b"hubmail"))
                    && args.get(1) == Some(&&b"extract-worker"[..]))
                .then_some(pid)
            });
        if let Some(pid) = found {
            break pid;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no extraction worker appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let theirs = net_namespace(&worker).expect("the worker's namespace");
    let ours = net_namespace("self").expect("our namespace");
    assert_ne!(theirs, ours, "the worker shares the test's network");
    assert!(ingest.wait().expect("ingest").success());
    let shown = ws.json(&["show", "1", "--json"]);
    assert_eq!(
        shown["attachments"][0]["extraction"]["outcome"], "extracted",
        "{shown}"
    );
}

#[test]
fn a_rare_french_word_only_inside_an_attached_pdf_is_found_and_ranked_below_the_body() {
    let ws = Workspace::with_config_text(CONFIG);
    for name in ["pdf-fr", "pdf-en", "odt-fr"] {
        let mail = std::fs::read(attachment_fixtures().join(format!("{name}.eml"))).expect("eml");
        ws.cmd().args(["ingest", "-"]).stdin(mail).ok();
    }
    // The same rare word in a message's own text.
    let own = "From: Marc Leroy <m.leroy@example.fr>\r\nTo: contact+q1@consultation.example.org\r\n\
        Subject: Coopération\r\nMessage-ID: <own-word@example.fr>\r\nDate: Tue, 1 Feb 2022 10:00:00 +0000\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\r\n\
        La coopération transfrontalière entre villes permet d'accueillir dignement les personnes migrantes.\r\n";
    ws.cmd()
        .args(["ingest", "-"])
        .stdin(own.as_bytes().to_vec())
        .ok();
    let search = |query: &str| ws.json(&["search", "--all", "--json", "--", query]);
    let hits = search("transfrontalière");
    let ids: Vec<u64> = hits
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["id"].as_u64().expect("id"))
        .collect();
    assert_eq!(
        ids,
        vec![4, 1],
        "the message's own word first, the paper's after: {hits}"
    );
    let from_paper = &hits[1];
    assert_eq!(
        from_paper["snippet_file"], "contribution.pdf",
        "{from_paper}"
    );
    let snippet: Vec<char> = from_paper["snippet"]
        .as_str()
        .expect("snippet")
        .chars()
        .collect();
    let marked: Vec<String> = from_paper["highlights"]
        .as_array()
        .expect("highlights")
        .iter()
        .map(|h| {
            snippet[h[0].as_u64().expect("a") as usize..h[1].as_u64().expect("b") as usize]
                .iter()
                .collect()
        })
        .collect();
    assert!(
        marked
            .iter()
            .any(|m| m.to_lowercase().contains("transfrontali")),
        "{marked:?}"
    );
    assert!(hits[0]["snippet_file"].is_null(), "{}", hits[0]);
    // Narrowed to where the words are.
    let ids_of = |query: &str| -> Vec<u64> {
        search(query)
            .as_array()
            .expect("hits")
            .iter()
            .map(|h| h["id"].as_u64().expect("id"))
            .collect()
    };
    assert_eq!(ids_of("transfrontalière in:attachment"), vec![1]);
    assert_eq!(ids_of("transfrontalière in:body"), vec![4]);
    assert_eq!(ids_of("\"hospitalité transfrontalière\""), vec![1]);
    assert_eq!(ids_of("attachment:contribution"), vec![1]);
    // in: alone, or both at once, is a clear error.
    for (query, needle) in [
        ("in:attachment", "add words"),
        ("a in:body in:attachment", "use one"),
    ] {
        let out = ws.cmd().args(["search", "--all", "--", query]).output();
        assert_eq!(out.status.code(), Some(1), "{query}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(needle),
            "{query}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_page_shows_the_paper_in_its_language_and_the_contributor_is_answered_in_hers() {
    let ws = Workspace::with_config_text(CONFIG);
    let mail = std::fs::read(attachment_fixtures().join("note-fr-paper-en.eml")).expect("eml");
    ws.cmd().args(["ingest", "-"]).stdin(mail).ok();
    ws.moderate().args(["approve", "1"]).ok();
    ws.cmd().args(["publish", "--out", "site"]).ok();
    let page =
        std::fs::read_to_string(ws.path().join("site/c/index.html")).expect("the space's page");
    assert!(page.contains(r#"<div class="paper" lang="en">"#), "{page}");
    assert!(
        page.contains("<strong>Position paper on fair recruitment</strong>"),
        "{page}"
    );
    assert!(
        page.contains("This paper addresses GCM objective 6"),
        "{page}"
    );
    // The contribution is English (the paper's), its note French.
    let shown = ws.json(&["show", "1", "--json"]);
    assert_eq!(
        (shown["lang"].as_str(), shown["note_lang"].as_str()),
        (Some("en"), Some("fr"))
    );
    // and she is answered in French, the language she wrote to us in.
    let outbox = ws.json(&["outbox", "--json"]);
    let ack = outbox
        .as_array()
        .expect("outbox")
        .iter()
        .find(|m| m["kind"] == "ack")
        .expect("an acknowledgement");
    assert_eq!(ack["lang"], "fr", "{ack}");
}
