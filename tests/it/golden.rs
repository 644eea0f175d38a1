//! The fixture corpus with golden expectations: each `fixtures/mail/NAME.eml` has a
//! `NAME.expected.toml` saying what hubmail must make of it, checked through the real
//! binary (`ingest`, `queue --json`, `show --json`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::util::{Workspace, files_in, fixture_emls};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    state: Option<String>,
    lang: Option<String>,
    langs: Option<Vec<String>>,
    question: Option<u64>,
    author: Option<String>,
    author_address: Option<String>,
    affiliation: Option<String>,
    department: Option<String>,
    /// The stakeholder type, or "unknown".
    stakeholder: Option<String>,
    subject: Option<String>,
    flags: Option<Vec<String>>,
    flag_why_contains: Option<String>,
    objectives: Option<Vec<u64>>,
    reason_contains: Option<String>,
    routed_by_contains: Option<String>,
    body_source: Option<String>,
    #[serde(default)]
    body_contains: Vec<String>,
    #[serde(default)]
    body_excludes: Vec<String>,
    quoted_contains: Option<String>,
    signature_contains: Option<String>,
    attachments: Option<Vec<String>>,
    duplicate_of: Option<String>,
}

fn expected(name: &str) -> Expected {
    let path = crate::util::fixture_mail().join(name.replace(".eml", ".expected.toml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: every fixture needs its golden file ({e})",
            path.display()
        )
    });
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every submission's `show --json`, keyed by the fixture file it came from.
fn by_fixture(ws: &Workspace) -> BTreeMap<String, Value> {
    let queue = ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]);
    let mut map = BTreeMap::new();
    for row in queue.as_array().expect("queue is an array") {
        let id = row["id"].as_u64().expect("id").to_string();
        let shown = ws.json(&["show", &id, "--json"]);
        let origin = shown["origin"].as_str().expect("origin").to_string();
        let name = origin.rsplit('#').next().expect("origin names the file");
        map.insert(name.to_string(), shown);
    }
    map
}

fn str_set(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn every_fixture_matches_its_golden_expectation() {
    let ws = Workspace::with_fixture_config();
    let maildir = ws.fixture_maildir();
    let summary = ws.ingest_json(&maildir);
    let emls = fixture_emls();
    assert_eq!(summary["read"], emls.len() as u64, "{summary}");

    let got = by_fixture(&ws);
    let mut failures = Vec::new();
    let mut duplicates = 0;
    for eml in &emls {
        let name = eml
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let exp = expected(&name);
        let mut fail = |what: String| failures.push(format!("{name}: {what}"));

        if let Some(original) = &exp.duplicate_of {
            duplicates += 1;
            if got.contains_key(&name) {
                fail("stored, but it is a duplicate".into());
            }
            match got.get(original) {
                Some(o) if o["duplicates"].as_u64() >= Some(1) => {}
                Some(o) => fail(format!(
                    "original {original} counts {} duplicates",
                    o["duplicates"]
                )),
                None => fail(format!("original {original} not stored")),
            }
            continue;
        }
        let Some(s) = got.get(&name) else {
            fail("not stored".into());
            continue;
        };
        let check = |fail: &mut dyn FnMut(String), field: &str, want: Option<Value>| {
            if let Some(want) = want
                && s[field] != want
            {
                fail(format!("{field} is {}, expected {want}", s[field]));
            }
        };
        check(&mut fail, "state", exp.state.clone().map(Value::from));
        check(&mut fail, "lang", exp.lang.clone().map(Value::from));
        check(&mut fail, "question", exp.question.map(Value::from));
        check(&mut fail, "subject", exp.subject.clone().map(Value::from));
        check(
            &mut fail,
            "body_source",
            exp.body_source.clone().map(Value::from),
        );
        check(
            &mut fail,
            "objectives",
            exp.objectives.clone().map(Value::from),
        );
        if let Some(author) = &exp.author
            && s["author"]["name"] != *author
        {
            fail(format!(
                "author {} expected {author:?}",
                s["author"]["name"]
            ));
        }
        if let Some(address) = &exp.author_address
            && s["author"]["address"] != *address
        {
            fail(format!(
                "address {} expected {address:?}",
                s["author"]["address"]
            ));
        }
        if let Some(aff) = &exp.affiliation
            && s["author"]["affiliation"] != *aff
        {
            fail(format!(
                "affiliation {} expected {aff:?}",
                s["author"]["affiliation"]
            ));
        }
        if let Some(department) = &exp.department
            && s["author"]["department"] != *department
        {
            fail(format!(
                "department {} expected {department:?}",
                s["author"]["department"]
            ));
        }
        if let Some(kind) = &exp.stakeholder {
            let got = s["author"]["stakeholder"].as_str().unwrap_or("unknown");
            if got != kind {
                fail(format!(
                    "stakeholder type {got} ({}) expected {kind}",
                    s["author"]["stakeholder_by"]
                ));
            }
        }
        if let Some(flags) = &exp.flags {
            let mut want = flags.clone();
            want.sort();
            if str_set(&s["flags"]) != want {
                fail(format!("flags {} expected {want:?}", s["flags"]));
            }
        }
        if let Some(langs) = &exp.langs {
            let mut have = str_set(&s["other_langs"]);
            have.extend(s["lang"].as_str().map(String::from));
            have.sort();
            let mut want = langs.clone();
            want.sort();
            if have != want {
                fail(format!("languages {have:?} expected {want:?}"));
            }
        }
        if let Some(text) = &exp.flag_why_contains
            && !s["flag_reasons"].to_string().contains(text.as_str())
        {
            fail(format!(
                "no flag reason contains {text:?}: {}",
                s["flag_reasons"]
            ));
        }
        let contains = |fail: &mut dyn FnMut(String), field: &str, text: &Option<String>| {
            if let Some(text) = text {
                let have = s[field].as_str().unwrap_or_default();
                if !have.contains(text.as_str()) {
                    fail(format!("{field} {have:?} lacks {text:?}"));
                }
            }
        };
        contains(&mut fail, "reason", &exp.reason_contains);
        contains(&mut fail, "routed_by", &exp.routed_by_contains);
        contains(&mut fail, "quoted", &exp.quoted_contains);
        contains(&mut fail, "signature", &exp.signature_contains);
        let body = s["body"].as_str().unwrap_or_default();
        for text in &exp.body_contains {
            if !body.contains(text.as_str()) {
                fail(format!("body lacks {text:?}"));
            }
        }
        for text in &exp.body_excludes {
            if body.contains(text.as_str()) {
                fail(format!("body keeps {text:?}"));
            }
        }
        if let Some(names) = &exp.attachments {
            let have: Vec<String> = s["attachments"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| x["name"].as_str().unwrap_or_default().to_string())
                        .collect()
                })
                .unwrap_or_default();
            if &have != names {
                fail(format!("attachments {have:?} expected {names:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "golden mismatches:\n{}",
        failures.join("\n")
    );
    assert_eq!(summary["duplicates"], duplicates, "{summary}");
    assert_eq!(got.len() + duplicates as usize, emls.len());
}

#[test]
fn reingesting_the_same_mailbox_changes_nothing() {
    let ws = Workspace::with_fixture_config();
    let maildir = ws.fixture_maildir();
    let dir = maildir.to_str().expect("utf-8");
    ws.cmd().args(["ingest", "--maildir", dir]).ok();
    let before = ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]);
    assert!(files_in(&maildir.join("new")).is_empty(), "new/ is drained");
    assert!(
        files_in(&maildir.join("cur"))
            .iter()
            .all(|n| n.ends_with(":2,S")),
        "every processed message is flagged seen"
    );

    let again = ws.json(&["ingest", "--maildir", dir, "--json"]);
    assert_eq!(
        again["read"], 0,
        "seen messages are not read again: {again}"
    );

    let rescan = ws.json(&["ingest", "--maildir", dir, "--rescan", "--json"]);
    assert_eq!(rescan["read"], fixture_emls().len() as u64);
    assert_eq!(rescan["queued"], 0, "{rescan}");
    assert_eq!(rescan["duplicates"], rescan["read"], "{rescan}");
    let after = ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]);
    let strip = |v: &Value| -> Vec<(Value, Value, Value)> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|r| (r["id"].clone(), r["state"].clone(), r["flags"].clone()))
            .collect()
    };
    assert_eq!(strip(&before), strip(&after));
}

#[test]
fn show_raw_returns_the_original_bytes() {
    let ws = Workspace::with_fixture_config();
    ws.ingest_fixtures();
    let original =
        std::fs::read(crate::util::fixture_mail().join("02-fr-latin1-qp-q2.eml")).expect("fixture");
    let out = ws.cmd().args(["show", "2", "--raw"]).ok();
    assert_eq!(out.stdout, original);
}
