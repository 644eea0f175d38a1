//! Erasure at a contributor's request (`hubmail forget`): afterwards no view knows the
//! person (show, search, queue, outbox, log, sender rules, the published site, its feed and
//! data), a dry run changes nothing, a ban is kept only on request, the same mail read
//! again is not stored again, a crash between the two steps is completed, and a store laid
//! out afresh by backup and restore holds no byte of them.

use std::path::{Path, PathBuf};

use crate::util::{Workspace, assert_crashed_at, ids};

const CONFIG: &str = r#"
[hub]
contact_addresses = ["contact@consultation.example.org"]

[publish]
base_url = "https://consultation.example.org/"

[[space]]
id = "gcm-review"
title = "Regional Review of the Global Compact for Migration"
lang = "en"

[[space.question]]
number = 1
title = { en = "Key priorities?" }

[[space.question]]
number = 2
title = { en = "Remittances?" }

[[space.question]]
number = 3
title = { en = "Diaspora?" }
"#;

/// Maria Santos of the ITUC: one contribution, with an attachment.
const ADDRESS: &str = "m.santos@ituc.example.org";

/// The fixtures ingested, everything pending approved, a rule trusting the person, the
/// site published and a backup made.
fn consultation() -> (Workspace, PathBuf) {
    let ws = Workspace::with_config_text(CONFIG);
    ws.ingest_fixtures();
    let pending = ids(&ws.json(&["queue", "--json"]));
    let mut approve = vec!["approve".to_string()];
    approve.extend(pending.iter().map(u64::to_string));
    ws.moderate().args(&approve).ok();
    ws.moderate()
        .args(["sender", "trust", ADDRESS, "--reason", "a known partner"])
        .ok();
    let site = ws.path().join("site");
    ws.cmd()
        .args(["publish", "--out", site.to_str().expect("utf-8")])
        .ok();
    ws.cmd().args(["backup", "before.tar"]).ok();
    (ws, site)
}

/// The ids of the person's submissions, in every state.
fn theirs(ws: &Workspace) -> Vec<u64> {
    ws.json(&["queue", "--state", "all", "--json"])
        .as_array()
        .expect("array")
        .iter()
        .filter(|r| r["author"]["address"] == ADDRESS)
        .map(|r| r["id"].as_u64().expect("id"))
        .collect()
}

/// Whether `bytes`, or what any zstd frame in them decompresses to, contains `needle`
/// (lower-case): the store compresses records and raw mail, so a plain search of its files
/// would find nothing whatever they hold.
fn holds(bytes: &[u8], needle: &[u8]) -> bool {
    const MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
    let contains = |b: &[u8]| {
        b.to_ascii_lowercase()
            .windows(needle.len())
            .any(|w| w == needle)
    };
    if contains(bytes) {
        return true;
    }
    (0..bytes.len().saturating_sub(4))
        .filter(|&at| bytes[at..at + 4] == MAGIC)
        .any(|at| {
            let mut plain = Vec::new();
            let decoded = zstd::stream::read::Decoder::with_buffer(&bytes[at..])
                .map(|d| d.single_frame())
                .and_then(|mut d| std::io::Read::read_to_end(&mut d, &mut plain));
            (decoded.is_ok() || !plain.is_empty()) && contains(&plain)
        })
}

/// Every file under `dir` (following no symlink) that [`holds`] `needle`, in any ASCII
/// case.
fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let needle = needle.to_ascii_lowercase().into_bytes();
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let kind = e.file_type().expect("file type");
            if kind.is_dir() {
                dirs.push(e.path());
            } else if kind.is_file() {
                let bytes = std::fs::read(e.path()).expect("read");
                if holds(&bytes, &needle) {
                    found.push(e.path());
                }
            }
        }
    }
    found
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn after_forget_no_view_knows_the_person() {
    let (ws, site) = consultation();
    let gone = theirs(&ws);
    assert_eq!(gone.len(), 1, "the fixture has one contribution of hers");
    let id = gone[0].to_string();
    let releases = ws.path().join(".site.releases");
    assert!(
        !files_holding(&releases, "Santos").is_empty(),
        "published before"
    );
    let outbox = stdout(&ws.cmd().args(["outbox", "--json"]).ok());
    assert!(
        outbox.contains(ADDRESS),
        "her acknowledgement and notice are queued"
    );

    let out = ws
        .moderate()
        .args(["forget", ADDRESS, "--reference", "DPO-2026-14", "--out"])
        .arg(&site)
        .ok();
    let report = stdout(&out);
    assert!(
        report.contains(&format!("erased 1 submission(s): #{id} (1 published)")),
        "{report}"
    );
    assert!(report.contains("1 attachment(s)"), "{report}");
    assert!(report.contains("published again to"), "{report}");
    assert!(
        report.contains("before.tar"),
        "the earlier backup is named: {report}"
    );
    assert!(
        report.contains("the mailbox it came from: maildir"),
        "the mailbox still holds it: {report}"
    );
    assert!(
        report.contains(&format!("sender rule {ADDRESS}: removed")),
        "{report}"
    );

    let show = ws.cmd().args(["show", "--raw", &id]).output();
    assert!(!show.status.success());
    let err = String::from_utf8_lossy(&show.stderr);
    assert!(
        err.contains("was erased at its contributor's request"),
        "{err}"
    );
    let search = stdout(
        &ws.cmd()
            .args(["search", "--all", "Santos OR ituc OR Decent"])
            .ok(),
    );
    assert!(search.starts_with("0 matches"), "{search}");
    assert!(theirs(&ws).is_empty());
    for (what, args) in [
        ("queue", vec!["queue", "--state", "all", "--json"]),
        ("outbox", vec!["outbox", "--json"]),
        ("sender rules", vec!["sender", "list"]),
        ("audit trail", vec!["log", "--json"]),
    ] {
        let text = stdout(&ws.cmd().args(&args).ok()).to_lowercase();
        assert!(
            !text.contains("santos") && !text.contains("ituc"),
            "{what}: {text}"
        );
    }
    let log = ws.json(&["log", "--json"]);
    let tombstone = log
        .as_array()
        .expect("array")
        .last()
        .expect("entry")
        .clone();
    assert_eq!(tombstone["action"], "forget");
    assert_eq!(tombstone["reason"], "DPO-2026-14");
    assert_eq!(tombstone["target"], format!("submissions #{id}"));
    // Its own trail: what happened to it, without what it said, then the tombstone.
    let trail = ws.json(&["log", &id, "--json"]);
    let actions: Vec<&str> = trail
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, ["received", "approve", "forget"], "{trail}");

    // The site, its feed and data, and every release kept beside it.
    for needle in ["Santos", "ituc", "position paper"] {
        let holding = files_holding(&releases, needle);
        assert!(holding.is_empty(), "{needle} still in {holding:?}");
    }
    let kept: Vec<_> = std::fs::read_dir(&releases).expect("releases").collect();
    assert_eq!(kept.len(), 1, "earlier releases are removed");
    let page = std::fs::read_to_string(site.join("gcm-review/index.html")).expect("page");
    assert!(page.contains("Sarah Doyel"), "the others stay published");

    let check = ws.cmd().args(["check"]).ok();
    assert!(stdout(&check).contains("consistent"), "{}", stdout(&check));

    // Forgetting again is a no-op that says so.
    let again = stdout(&ws.moderate().args(["forget", &id]).ok());
    assert!(again.contains(&format!("already erased: #{id}")), "{again}");
}

#[test]
fn the_same_mail_read_again_is_not_stored_again() {
    let (ws, _) = consultation();
    ws.moderate().args(["forget", ADDRESS]).ok();
    let again = ws.maildir("again");
    let eml = crate::util::fixture_emls()
        .into_iter()
        .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains(&format!("<{ADDRESS}>"))))
        .expect("her fixture");
    std::fs::copy(&eml, again.join("new/1.eml")).expect("copy");
    let summary = ws.ingest_json(&again);
    assert_eq!(summary["duplicates"], 1, "{summary}");
    assert_eq!(summary["queued"], 0, "{summary}");
    assert!(theirs(&ws).is_empty());
}

#[test]
fn a_dry_run_changes_nothing() {
    let (ws, _) = consultation();
    let before = stdout(&ws.cmd().args(["queue", "--state", "all", "--json"]).ok());
    let out = stdout(&ws.moderate().args(["forget", "--dry-run", ADDRESS]).ok());
    assert!(out.contains("would erase 1 submission(s)"), "{out}");
    assert!(out.contains("would be removed"), "{out}");
    let after = stdout(&ws.cmd().args(["queue", "--state", "all", "--json"]).ok());
    assert_eq!(before, after);
    let rules = stdout(&ws.cmd().args(["sender", "list"]).ok());
    assert!(rules.contains(ADDRESS));
}

#[test]
fn a_ban_is_kept_only_when_the_moderator_says_so() {
    let (ws, _) = consultation();
    ws.moderate()
        .args([
            "sender",
            "ban",
            ADDRESS,
            "--reason",
            "asked to be left alone",
        ])
        .ok();
    let out = stdout(
        &ws.moderate()
            .args(["forget", "--keep-sender-rules", ADDRESS])
            .ok(),
    );
    assert!(out.contains("kept (--keep-sender-rules)"), "{out}");
    let rules = stdout(&ws.cmd().args(["sender", "list"]).ok());
    assert!(rules.contains(ADDRESS), "{rules}");
}

#[test]
fn forget_needs_a_listed_moderator() {
    let ws = Workspace::with_config_text(&format!(
        "{CONFIG}\n[moderation]\nmoderators = [\"amina\"]\n"
    ));
    ws.ingest_fixtures();
    let out = ws
        .cmd()
        .args(["--moderator", "mallory", "forget", ADDRESS])
        .output();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not one of the moderators"));
    assert_eq!(theirs(&ws).len(), 1, "nothing erased");
}

#[test]
fn a_crash_between_the_records_and_the_bytes_is_completed() {
    let (ws, _) = consultation();
    let out = ws
        .moderate()
        .args(["forget", ADDRESS])
        .env("HUBMAIL_CRASH_AT", "after-erasure-records")
        .output();
    assert_crashed_at(&out, "after-erasure-records");
    assert!(theirs(&ws).is_empty(), "the records went in the first step");
    let check = ws.cmd().args(["check"]).output();
    assert!(
        !check.status.success(),
        "an unfinished erasure is inconsistent"
    );
    assert!(
        stdout(&check).contains("erasures a crash interrupted: 1"),
        "{}",
        stdout(&check)
    );
    let finish = stdout(&ws.moderate().args(["forget", "--finish"]).ok());
    assert!(finish.contains("completed 1 erasure(s)"), "{finish}");
    assert!(stdout(&ws.cmd().args(["check"]).ok()).contains("consistent"));
}

/// The raw bytes of every submission, by id.
fn raw_of_all(ws: &Workspace) -> Vec<(u64, Vec<u8>)> {
    ids(&ws.json(&["queue", "--state", "all", "--json"]))
        .into_iter()
        .map(|id| {
            (
                id,
                ws.cmd()
                    .args(["show", "--raw", &id.to_string()])
                    .ok()
                    .stdout,
            )
        })
        .collect()
}

/// Asserts that nothing under the data directory holds her (sled's files, the keys, the
/// packs, the spool, the index), and that the index has no deleted document left in a
/// segment (tantivy compresses stored text, so its files are checked by their metadata).
fn assert_no_trace(ws: &Workspace) {
    for needle in [ADDRESS, "Santos", "ITUC position paper"] {
        let holding = files_holding(&ws.data_dir(), needle);
        assert!(holding.is_empty(), "{needle} in {holding:?}");
    }
    let meta = std::fs::read_to_string(ws.data_dir().join("index/meta.json")).expect("meta");
    let meta: serde_json::Value = serde_json::from_str(&meta).expect("JSON");
    for segment in meta["segments"].as_array().expect("segments") {
        assert!(
            segment["deletes"].is_null(),
            "a segment keeps deleted documents: {segment}"
        );
    }
}

#[test]
fn the_data_directory_holds_no_byte_of_them_and_the_rest_is_whole() {
    let (ws, _) = consultation();
    let mut before = raw_of_all(&ws);
    // Superseded copies are in sled's files before the erasure, and the search sees
    // through compression: without the relayout this test fails.
    assert!(!files_holding(&ws.data_dir().join("store"), "Santos").is_empty());
    let out = stdout(&ws.moderate().args(["forget", ADDRESS]).ok());
    assert!(out.contains("the store laid out afresh"), "{out}");
    assert_no_trace(&ws);
    assert!(!ws.data_dir().join("store.fresh").exists());
    let total = before.len();
    before.retain(|(_, raw)| !String::from_utf8_lossy(raw).contains(ADDRESS));
    assert_eq!(before.len() + 1, total, "one of hers");
    assert_eq!(
        raw_of_all(&ws),
        before,
        "every other message reads back byte for byte"
    );
    assert!(stdout(&ws.cmd().args(["check"]).ok()).contains("consistent"));
    // The store laid out afresh goes on as before.
    let more = ws.maildir("more");
    std::fs::write(
        more.join("new/1.eml"),
        "From: Ana Lopez <ana@madrid.example.es>\r\nTo: contact@consultation.example.org\r\n\
         Subject: [Q1] Prioridades\r\nMessage-ID: <after-forget@madrid.example.es>\r\n\
         Date: Mon, 17 Jan 2022 10:00:00 +0000\r\n\r\n\
         Las ciudades necesitan recursos para la inclusión de las personas migrantes.\r\n",
    )
    .expect("write");
    let summary = ws.ingest_json(&more);
    assert_eq!(summary["queued"], 1, "{summary}");
    assert_eq!(raw_of_all(&ws).len(), total, "{summary}");
}

#[test]
fn a_crash_around_the_relayout_loses_nothing_and_is_completed() {
    for point in ["before-relayout-swap", "after-relayout-swap"] {
        let (ws, _) = consultation();
        let before = raw_of_all(&ws).len();
        let out = ws
            .moderate()
            .args(["forget", ADDRESS])
            .env("HUBMAIL_CRASH_AT", point)
            .output();
        assert_crashed_at(&out, point);
        assert!(
            ws.data_dir().join("store.fresh").exists(),
            "{point}: left beside it"
        );
        if point == "before-relayout-swap" {
            let check = ws.cmd().args(["check"]).output();
            assert!(!check.status.success(), "{point}: the relayout is due");
            let finish = stdout(&ws.moderate().args(["forget", "--finish"]).ok());
            assert!(
                finish.contains("laid the store out afresh"),
                "{point}: {finish}"
            );
        }
        assert!(
            stdout(&ws.cmd().args(["check"]).ok()).contains("consistent"),
            "{point}"
        );
        assert!(
            !ws.data_dir().join("store.fresh").exists(),
            "{point}: removed on opening"
        );
        assert_eq!(raw_of_all(&ws).len(), before - 1, "{point}");
        assert_no_trace(&ws);
    }
}
