//! `hubmail report` and the published figures page: the figures checked against the
//! store, the page loaded in a real headless Chromium (a screenshot is left in
//! target/test-output/), and the public page without the moderators' figures.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::export::{approved, moderated};
use crate::util::{chromium, repo};

#[test]
fn the_report_s_figures_are_the_store_s_and_its_page_renders_in_a_real_browser() {
    let ws = moderated();
    let out = ws.path().join("report");
    let written = ws.json(&["report", "--out", out.to_str().expect("utf-8"), "--json"]);
    let files: Vec<&str> = written["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f.as_str().expect("name"))
        .collect();
    for f in [
        "index.html",
        "figures.json",
        "per-question.svg",
        "per-week.svg",
    ] {
        assert!(files.contains(&f) && out.join(f).exists(), "{f}");
    }
    let figures: Value =
        serde_json::from_slice(&std::fs::read(out.join("figures.json")).expect("figures"))
            .expect("JSON");

    // Counted from the store.
    let store = approved(&ws);
    assert_eq!(figures["contributions"], store.len());
    let mut per_question: BTreeMap<Option<u64>, usize> = BTreeMap::new();
    let mut per_lang: BTreeMap<String, usize> = BTreeMap::new();
    for r in store.values() {
        *per_question.entry(r["question"].as_u64()).or_default() += 1;
        let lang = r["lang"].as_str().unwrap_or("undetermined").to_string();
        *per_lang.entry(lang).or_default() += 1;
    }
    let mut got_lang: BTreeMap<String, usize> = BTreeMap::new();
    for q in figures["by_question"].as_array().expect("questions") {
        assert_eq!(
            q["total"].as_u64().expect("total") as usize,
            per_question[&q["question"].as_u64()],
            "{q}"
        );
        for (lang, n) in q["by_lang"].as_object().expect("langs") {
            *got_lang.entry(lang.clone()).or_default() += n.as_u64().expect("n") as usize;
        }
    }
    assert_eq!(got_lang, per_lang, "per language");
    let types: u64 = figures["by_type"]
        .as_array()
        .expect("types")
        .iter()
        .map(|c| c["count"].as_u64().expect("count"))
        .sum();
    assert_eq!(types as usize, store.len());
    let weeks: u64 = figures["by_week"]
        .as_array()
        .expect("weeks")
        .iter()
        .map(|c| c["count"].as_u64().expect("count"))
        .sum();
    assert_eq!(weeks as usize, store.len(), "every contribution in a week");
    let m = &figures["moderation"];
    assert_eq!(m["rejected"], 1);
    assert_eq!(m["pending"], 0);
    assert_eq!(m["approved"], store.len());
    assert!(m["median_hours_to_decision"].as_f64().is_some());

    // In a real browser: the page and its four charts render without script.
    let page = out.join("index.html");
    let dom = chromium(&["--dump-dom", &format!("file://{}", page.display())]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("The consultation in figures"), "{dom}");
    assert_eq!(dom.matches("<svg").count(), 4, "four charts");
    assert!(dom.contains("Contributions per question and language"));
    assert!(!dom.contains("<script"));
    let shots = repo().join("target/test-output");
    std::fs::create_dir_all(&shots).expect("mkdir");
    let shot = shots.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let run = chromium(&[
        &format!("--screenshot={}", shot.display()),
        "--window-size=1000,2600",
        &format!("file://{}", page.display()),
    ]);
    let png = std::fs::read(&shot).unwrap_or_default();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 20_000,
        "a screenshot of the report by this run: {}",
        String::from_utf8_lossy(&run.stderr)
    );

    // In French, by --lang.
    let fr = ws.path().join("rapport");
    ws.cmd()
        .args(["report", "--lang", "fr", "--out"])
        .arg(&fr)
        .ok();
    let html = std::fs::read_to_string(fr.join("index.html")).expect("page");
    assert!(html.contains("<html lang=\"fr\">"));
    assert!(html.contains("La consultation en chiffres"));
    assert!(html.contains("Contributions par question et par langue"));
}

#[test]
fn the_site_shows_the_public_figures_in_each_language_and_nothing_of_moderation() {
    let ws = moderated();
    let site = ws.path().join("site");
    ws.cmd().args(["publish", "--out"]).arg(&site).ok();
    let store = approved(&ws);
    for (lang, title) in [
        ("en", "The consultation in figures"),
        ("fr", "La consultation en chiffres"),
        ("es", "La consulta en cifras"),
    ] {
        let page = site.join(format!("{lang}/gcm-review/figures.html"));
        let html = std::fs::read_to_string(&page).expect("a figures page per language");
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{lang}");
        assert!(html.contains(title), "{lang}");
        assert!(
            html.contains(&format!("<strong>{}</strong>", store.len())),
            "{lang}: the approved count"
        );
        assert!(
            !html.contains("class=\"moderation\""),
            "{lang}: public only"
        );
        assert_eq!(html.matches("<svg").count(), 4, "{lang}");
        let space_page =
            std::fs::read_to_string(site.join(format!("{lang}/gcm-review/index.html")))
                .expect("space page");
        assert!(
            space_page.contains(&format!("href=\"../../{lang}/gcm-review/figures.html\"")),
            "{lang}: the space page links to its figures"
        );
    }
    let dom = chromium(&[
        "--dump-dom",
        &format!(
            "file://{}",
            site.join("es/gcm-review/figures.html").display()
        ),
    ]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("Contribuciones por pregunta e idioma"),
        "{dom}"
    );
}
