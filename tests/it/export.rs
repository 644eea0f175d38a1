//! `hubmail export`: the CSV parsed by a real CSV reader (Python's `csv`), the workbook
//! opened by a real XLSX reader (openpyxl, from Debian's python3-openpyxl, which
//! scripts/test.sh installs), both checked against the store; what the public export
//! leaves out; the selection; and the Markdown dossier and CSV against golden files.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::util::{Workspace, repo};

/// A contribution whose text has everything a CSV writer can get wrong (quotes, commas,
/// line breaks), an address that must not be published, and a subject a spreadsheet
/// would run as a formula.
const TRICKY: &str = "From: Jane Whitfield <jane@bristol.example.gov.uk>\r\n\
To: contact@consultation.example.org\r\n\
Subject: [Q1] =1+1 priorities\r\n\
Date: Mon, 24 Jan 2022 09:00:00 +0000\r\n\
Message-ID: <tricky@bristol.example.gov.uk>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Our priorities, in order: \"regular pathways\", then remittances; a comma, here.\r\n\
\r\n\
Write to me at jane.whitfield@bristol.example.gov.uk for the full report.\r\n";

/// The fixtures and the tricky contribution ingested; every pending one approved but
/// the Spanish fixture 03, which is rejected.
pub fn moderated() -> Workspace {
    let ws = Workspace::with_fixture_config();
    ws.ingest_fixtures();
    ws.cmd()
        .args(["ingest", "-"])
        .stdin(TRICKY.as_bytes().to_vec())
        .ok();
    let pending = ids(&ws.json(&["queue", "--json", "--limit", "0"]));
    let reject = pending[2];
    let mut args = vec!["approve".to_string()];
    args.extend(
        pending
            .iter()
            .filter(|id| **id != reject)
            .map(u64::to_string),
    );
    ws.moderate().args(&args).ok();
    ws.moderate()
        .args(["reject", &reject.to_string(), "--reason-code", "off-topic"])
        .ok();
    ws
}

fn ids(v: &Value) -> Vec<u64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|r| r["id"].as_u64().expect("id"))
        .collect()
}

/// The approved contributions as the store lists them, by id.
pub fn approved(ws: &Workspace) -> BTreeMap<u64, Value> {
    ws.json(&["queue", "--state", "approved", "--json", "--limit", "0"])
        .as_array()
        .expect("array")
        .iter()
        .map(|r| (r["id"].as_u64().expect("id"), r.clone()))
        .collect()
}

fn export(ws: &Workspace, args: &[&str], file: &str) -> Vec<u8> {
    let out = ws.path().join(file);
    ws.cmd()
        .arg("export")
        .args(args)
        .arg("--out")
        .arg(&out)
        .ok();
    std::fs::read(&out).expect("the export was written")
}

/// Debian's Python, where python3-openpyxl is installed.
fn python(script: &str, args: &[&Path]) -> Value {
    let out = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("Debian's python3 is installed (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("python printed JSON")
}

/// Python's csv module reading a file into a list of dicts.
const READ_CSV: &str = "import csv, json, sys\n\
with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n    \
json.dump(list(csv.DictReader(f)), sys.stdout)\n";

#[test]
fn the_csv_read_by_a_real_csv_reader_holds_every_approved_text_exactly() {
    let ws = moderated();
    let bytes = export(&ws, &["--format", "csv"], "all.csv");
    assert!(
        !bytes.starts_with(b"\xEF\xBB\xBF"),
        "no byte-order mark unless asked"
    );
    assert!(
        bytes.windows(2).any(|w| w == b"\r\n"),
        "RFC 4180 ends records with CRLF"
    );
    let rows = python(READ_CSV, &[&ws.path().join("all.csv")]);
    let rows = rows.as_array().expect("rows");
    let store = approved(&ws);
    let exported: Vec<u64> = rows
        .iter()
        .map(|r| r["id"].as_str().expect("id").parse().expect("a number"))
        .collect();
    let mut sorted = exported.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        store.keys().copied().collect::<Vec<_>>(),
        "every approved contribution, once, and nothing else"
    );
    let tricky = rows
        .iter()
        .find(|r| r["author"] == "Jane Whitfield")
        .expect("the tricky contribution");
    assert_eq!(
        tricky["text"],
        "Our priorities, in order: \"regular pathways\", then remittances; a comma, here.\n\n\
         Write to me at [address removed] for the full report.",
        "quotes, commas and the line break survive; the address does not"
    );
    assert_eq!(tricky["subject"], "=1+1 priorities");
    assert_eq!(tricky["question"], "1");
    assert_eq!(tricky["space"], "gcm-review");
    let link = tricky["link"].as_str().expect("a public link");
    assert!(
        link.starts_with("en/gcm-review/index.html#contribution-"),
        "{link}"
    );
    for r in rows {
        let id: u64 = r["id"].as_str().expect("id").parse().expect("number");
        assert_eq!(r["lang"], store[&id]["lang"].as_str().unwrap_or(""), "{id}");
        assert_eq!(r["author"], store[&id]["author"]["name"], "{id}");
        assert!(r.get("address").is_none(), "no address column in public");
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains("bristol.example.gov.uk"),
        "no address anywhere"
    );
}

#[test]
fn a_csv_for_spreadsheets_has_a_byte_order_mark_and_no_cell_that_runs() {
    let ws = moderated();
    let bytes = export(&ws, &["--format", "csv", "--spreadsheet"], "sheet.csv");
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "a UTF-8 byte-order mark"
    );
    let rows = python(READ_CSV, &[&ws.path().join("sheet.csv")]);
    let tricky = rows
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["author"] == "Jane Whitfield")
        .expect("the tricky contribution")
        .clone();
    assert_eq!(
        tricky["subject"], "'=1+1 priorities",
        "the formula is defused"
    );
    for r in rows.as_array().expect("rows") {
        for (k, v) in r.as_object().expect("object") {
            let v = v.as_str().unwrap_or("");
            assert!(
                !v.starts_with(['=', '+', '-', '@']),
                "{k} = {v:?} would run in a spreadsheet"
            );
        }
    }
}

#[test]
fn the_workbook_opened_by_openpyxl_has_a_sheet_per_question_with_the_store_s_counts() {
    let ws = moderated();
    let file = ws.path().join("all.xlsx");
    export(&ws, &["--format", "xlsx"], "all.xlsx");
    let script = repo().join("tests/export/read_xlsx.py");
    let book = {
        let out = Command::new("/usr/bin/python3")
            .arg(&script)
            .arg(&file)
            .output()
            .expect("Debian's python3");
        assert!(
            out.status.success(),
            "openpyxl could not read the workbook: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).expect("json")
    };
    let sheets = book.as_array().expect("sheets");

    // The store's approved contributions per question of the space.
    let mut want: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (id, r) in approved(&ws) {
        let sheet = match (r["space"].as_str(), r["question"].as_u64()) {
            (Some("gcm-review"), Some(n)) => format!("Q{n}"),
            _ => "General".to_string(),
        };
        want.entry(sheet).or_default().push(id);
    }
    let names: Vec<&str> = sheets
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names[0], "Overview");
    let mut got: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for s in &sheets[1..] {
        assert_eq!(s["freeze"], "A2", "{}: header row frozen", s["name"]);
        assert!(s["filter"].as_str().is_some(), "{}: filterable", s["name"]);
        assert_eq!(s["text_wrapped"], true, "{}: text wrapped", s["name"]);
        let headers: Vec<&str> = s["headers"]
            .as_array()
            .expect("headers")
            .iter()
            .map(|h| h.as_str().expect("header"))
            .collect();
        assert_eq!(
            &headers[..5],
            ["id", "space", "question", "question_title", "lang"]
        );
        assert!(!headers.contains(&"address"), "no address in public");
        let mut list: Vec<u64> = s["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r[0].as_f64().expect("a numeric id") as u64)
            .collect();
        list.sort();
        got.insert(s["name"].as_str().expect("name").to_string(), list);
    }
    assert_eq!(got, want, "a sheet per question, holding its contributions");

    // The overview's totals are the store's.
    let overview = &sheets[0]["rows"];
    let total_row = overview
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r[0] == "total")
        .expect("a total row");
    assert_eq!(
        total_row[7].as_f64().expect("a number") as usize,
        approved(&ws).len()
    );
    let per_question = overview
        .as_array()
        .expect("rows")
        .iter()
        .take_while(|r| r[0] != "total");
    for row in per_question {
        if let Some(n) = row[1].as_f64() {
            let sheet = format!("Q{}", n as u64);
            assert_eq!(
                row[7].as_f64().expect("total") as usize,
                want[&sheet].len(),
                "{sheet}"
            );
        }
    }
}

#[test]
fn the_public_export_holds_approved_contributions_only_and_the_moderators_one_more() {
    let ws = moderated();
    let public =
        String::from_utf8(export(&ws, &["--format", "json"], "public.jsonl")).expect("utf-8");
    let rows: Vec<Value> = public
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(rows.len(), approved(&ws).len());
    for r in &rows {
        assert!(r.get("address").is_none() && r.get("state").is_none());
        assert!(r["link"].as_str().is_some(), "approved ones have a link");
    }
    for (_, r) in approved(&ws) {
        let address = r["author"]["address"].as_str().expect("address");
        assert!(
            !public.contains(address),
            "{address} is not in the public export"
        );
    }

    // Pending or rejected ones are for moderators only.
    let out = ws
        .cmd()
        .args(["export", "--format", "json", "--state", "all", "--out"])
        .arg(ws.path().join("x.jsonl"))
        .output();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("add --all"), "{err}");
    assert!(!ws.path().join("x.jsonl").exists(), "nothing written");

    let all = String::from_utf8(export(
        &ws,
        &["--format", "json", "--state", "all", "--all"],
        "all.jsonl",
    ))
    .expect("utf-8");
    let rows: Vec<Value> = all
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let rejected: Vec<&Value> = rows.iter().filter(|r| r["state"] == "rejected").collect();
    assert_eq!(rejected.len(), 1);
    assert!(
        rejected[0]["decision"]
            .as_str()
            .expect("decision")
            .starts_with("rejected by amina on "),
        "{}",
        rejected[0]["decision"]
    );
    assert!(
        rejected[0]["link"].is_null(),
        "a rejected one has no public link"
    );
    assert!(rows.iter().all(|r| r["address"].as_str().is_some()));
    assert!(all.contains("jane@bristol.example.gov.uk"));
    assert!(
        all.contains("jane.whitfield@bristol.example.gov.uk"),
        "text unredacted"
    );
}

#[test]
fn the_selection_narrows_by_space_question_and_date() {
    let ws = moderated();
    let every = approved(&ws);
    let lines = |args: &[&str], file: &str| -> Vec<Value> {
        String::from_utf8(export(&ws, args, file))
            .expect("utf-8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect()
    };
    let q1 = lines(&["--format", "json", "--question", "1"], "q1.jsonl");
    let want: Vec<u64> = every
        .iter()
        .filter(|(_, r)| r["space"] == "gcm-review" && r["question"] == 1)
        .map(|(id, _)| *id)
        .collect();
    let mut got: Vec<u64> = q1.iter().map(|r| r["id"].as_u64().expect("id")).collect();
    got.sort();
    assert_eq!(got, want);
    assert!(!want.is_empty());

    let since = lines(
        &["--format", "json", "--since", "2022-01-20"],
        "since.jsonl",
    );
    assert!(!since.is_empty() && since.len() < every.len());
    assert!(
        since
            .iter()
            .all(|r| r["date"].as_str().expect("date") >= "2022-01-20")
    );

    let space = lines(
        &["--format", "json", "--space", "gcm-review"],
        "space.jsonl",
    );
    assert_eq!(space.len(), every.len(), "the only space shows them all");
    let out = ws
        .cmd()
        .args(["export", "--format", "json", "--space", "nowhere", "--out"])
        .arg(ws.path().join("n.jsonl"))
        .output();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no space \"nowhere\""));
}

#[test]
fn the_dossier_and_the_csv_match_their_golden_files() {
    let ws = moderated();
    let golden = repo().join("tests/golden/export");
    let mut rewrote = false;
    for (format, file) in [("md", "dossier.md"), ("csv", "contributions.csv")] {
        let got = export(&ws, &["--format", format], file);
        let path = golden.join(file);
        if std::env::var_os("HUBMAIL_UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(&golden).expect("mkdir");
            std::fs::write(&path, &got).expect("write golden");
            rewrote = true;
            continue;
        }
        let want = std::fs::read(&path)
            .unwrap_or_else(|_| panic!("no {file}: run with HUBMAIL_UPDATE_GOLDEN=1 once"));
        assert!(
            got == want,
            "{file} differs from tests/golden/export/{file} (HUBMAIL_UPDATE_GOLDEN=1 \
             rewrites it after review)\n{}",
            String::from_utf8_lossy(&got)
        );
    }
    assert!(
        !rewrote,
        "HUBMAIL_UPDATE_GOLDEN: rewrote tests/golden/export; review it and run again"
    );
}
