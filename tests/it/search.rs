//! Search: the relevance test set (`tests/relevance.toml`) over the fixtures and a
//! generated multilingual set, the index following the store, and the command's options.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::util::{Workspace, fixture_emls, ids};

#[derive(Debug, Deserialize)]
struct Set {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    query: String,
    #[serde(default)]
    first: Vec<String>,
    #[serde(default)]
    includes: Vec<String>,
    #[serde(default)]
    excludes: Vec<String>,
    count: Option<usize>,
    #[serde(default)]
    all: bool,
    #[serde(default)]
    generated: bool,
}

/// Fixture name -> submission id, from each submission's origin.
fn names(ws: &Workspace) -> BTreeMap<String, u64> {
    let mut map = BTreeMap::new();
    for row in ws
        .json(&["queue", "--state", "all", "--limit", "0", "--json"])
        .as_array()
        .expect("array")
    {
        let id = row["id"].as_u64().expect("id");
        let shown = ws.json(&["show", &id.to_string(), "--json"]);
        let origin = shown["origin"].as_str().expect("origin");
        map.insert(origin.rsplit('#').next().expect("name").to_string(), id);
    }
    map
}

/// The fixtures ingested, decided as the relevance set says, approved unless listed.
fn fixture_workspace() -> (Workspace, BTreeMap<String, u64>) {
    let ws = Workspace::with_fixture_config();
    ws.ingest_fixtures();
    let names = names(&ws);
    let id = |n: &str| names[n].to_string();
    ws.moderate()
        .args([
            "reject",
            &id("14-en-spam-authfail.eml"),
            "--reason-code",
            "spam",
        ])
        .ok();
    let keep_pending = ["15-en-after-deadline-q3.eml"];
    let approve: Vec<String> = names
        .iter()
        .filter(|(n, _)| !keep_pending.contains(&n.as_str()))
        .filter(|(n, _)| n.as_str() != "14-en-spam-authfail.eml")
        .map(|(_, id)| id.to_string())
        .collect();
    // Ignored and quarantined ones are refused (not approvable): that is expected.
    let mut args = vec!["--moderator", "amina", "approve"];
    args.extend(approve.iter().map(String::as_str));
    ws.cmd().args(&args).output();
    (ws, names)
}

const TOPICS: &[(&str, [&str; 3])] = &[
    (
        "remit",
        [
            "Remittances sent by migrant workers support families at home; the cost of remittances must fall and digital remittance channels help.",
            "Les transferts de fonds des travailleurs migrants soutiennent les familles ; le coût des transferts de fonds doit baisser grâce aux canaux numériques.",
            "Las remesas de los trabajadores migrantes sostienen a las familias; el costo de las remesas debe bajar gracias a los canales digitales.",
        ],
    ),
    (
        "health",
        [
            "Access to health services for migrants, including primary health care and mental health support, regardless of status.",
            "L'accès des migrants aux services de santé, y compris les soins de santé primaires et la santé mentale, quel que soit leur statut.",
            "El acceso de los migrantes a los servicios de salud, incluida la atención primaria de salud y la salud mental, sin importar su situación.",
        ],
    ),
    (
        "school",
        [
            "Migrant children must be able to enrol in schools, and schools need teachers trained to welcome pupils in several languages.",
            "Les enfants migrants doivent pouvoir s'inscrire dans les écoles, et les écoles ont besoin d'enseignants formés à l'accueil dans plusieurs langues.",
            "Los niños migrantes deben poder inscribirse en las escuelas, y las escuelas necesitan docentes formados para acoger en varios idiomas.",
        ],
    ),
];

/// 36 contributions: three topics, three languages, four senders each.
fn generated_workspace() -> (Workspace, BTreeMap<String, u64>) {
    let ws = Workspace::new();
    let maildir = ws.maildir("contact");
    let mut n = 0;
    for (topic, texts) in TOPICS {
        for (l, lang) in ["en", "fr", "es"].iter().enumerate() {
            for i in 0..4 {
                n += 1;
                let name = format!("gen:{topic}:{lang}:{i}");
                let mail = format!(
                    "From: Person {n} <p{n}@example.org>\r\nSubject: [Q1] {topic} {i}\r\n\
Message-ID: <{topic}-{lang}-{i}@example.org>\r\nDate: Mon, 10 Jan 2022 09:{n:02}:00 +0000\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n\r\nContribution {i} from city {n}.\r\n",
                    texts[l]
                );
                std::fs::write(maildir.join("new").join(name.replace(':', "_")), mail)
                    .expect("write");
            }
        }
    }
    ws.cmd()
        .args(["ingest", "--maildir", maildir.to_str().expect("utf-8")])
        .ok();
    let ids: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
    let mut args = vec!["--moderator", "amina", "approve"];
    args.extend(ids.iter().map(String::as_str));
    ws.cmd().args(&args).ok();
    let names = names(&ws)
        .into_iter()
        .map(|(k, v)| (k.replace('_', ":"), v))
        .collect();
    (ws, names)
}

fn search_ids(ws: &Workspace, query: &str, all: bool) -> Vec<u64> {
    let mut args = vec!["search", "--json", "--limit", "100"];
    if all {
        args.push("--all");
    }
    args.extend(["--", query]);
    ids(&ws.json(&args))
}

#[test]
fn relevance_set() {
    let text =
        std::fs::read_to_string(crate::util::repo().join("tests/relevance.toml")).expect("read");
    let set: Set = toml::from_str(&text).expect("valid relevance.toml");
    let (fixtures, fixture_names) = fixture_workspace();
    let (generated, generated_names) = generated_workspace();
    assert_eq!(
        fixture_names.len(),
        fixture_emls().len() - 2,
        "two fixtures are duplicates"
    );
    let mut failures = Vec::new();
    for case in &set.case {
        let (ws, names) = if case.generated {
            (&generated, &generated_names)
        } else {
            (&fixtures, &fixture_names)
        };
        let id = |n: &String| {
            *names
                .get(n)
                .unwrap_or_else(|| panic!("unknown name {n} in relevance.toml"))
        };
        let got = search_ids(ws, &case.query, case.all);
        let q = &case.query;
        if !case.first.is_empty() {
            let mut top: Vec<u64> = got.iter().take(case.first.len()).copied().collect();
            let mut want: Vec<u64> = case.first.iter().map(id).collect();
            top.sort_unstable();
            want.sort_unstable();
            if top != want {
                failures.push(format!("{q}: first {want:?}, got {got:?}"));
            }
        }
        for n in &case.includes {
            if !got.contains(&id(n)) {
                failures.push(format!("{q}: {n} missing from {got:?}"));
            }
        }
        for n in &case.excludes {
            if got.contains(&id(n)) {
                failures.push(format!("{q}: {n} must not be in {got:?}"));
            }
        }
        if let Some(count) = case.count
            && got.len() != count
        {
            failures.push(format!(
                "{q}: {} results {got:?}, expected {count}",
                got.len()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "relevance failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_index_follows_the_store() {
    let ws = Workspace::with_fixture_config();
    ws.ingest_fixtures();
    let count = |q: &str| -> u64 {
        ws.json(&["search", q, "--count", "--json"])["count"]
            .as_u64()
            .expect("count")
    };
    assert_eq!(count("consular"), 0, "pending is not public");
    ws.moderate().args(["approve", "4"]).ok();
    assert_eq!(
        count("consular"),
        1,
        "an approval is visible to the very next search"
    );
    ws.moderate()
        .args(["reopen", "4", "--reason", "check"])
        .ok();
    assert_eq!(count("consular"), 0, "reopened is withdrawn");
    ws.moderate().args(["approve", "4"]).ok();
    let editor = ws.path().join("ed.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nsed -i 's/consular identity cards/refugee travel documents/' \"$1\"\n",
    )
    .expect("write");
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    ws.moderate()
        .args(["edit", "4"])
        .env("VISUAL", &editor)
        .ok();
    assert_eq!(count("consular"), 0, "the old text is gone after an edit");
    assert_eq!(
        count("\"refugee travel documents\""),
        1,
        "the new text is found"
    );
    ws.moderate().args(["reopen", "4", "--reason", "x"]).ok();
    ws.moderate().args(["reject", "4", "--reason", "x"]).ok();
    assert_eq!(
        count("refugee"),
        0,
        "a rejected contribution never appears in a public search"
    );
    assert_eq!(
        ws.json(&["search", "refugee", "--all", "--count", "--json"])["count"],
        1
    );
}

#[test]
fn a_schema_version_mismatch_rebuilds_instead_of_failing() {
    let ws = Workspace::with_fixture_config();
    ws.ingest_fixtures();
    ws.moderate().args(["approve", "1"]).ok();
    std::fs::write(ws.data_dir().join("index/hubmail-schema-version"), "0").expect("write");
    let hits = ws.json(&["search", "pathways", "--json"]);
    assert_eq!(hits.as_array().map(Vec::len), Some(1), "{hits}");
    std::fs::remove_dir_all(ws.data_dir().join("index")).expect("remove the index");
    let hits = ws.json(&["search", "pathways", "--json"]);
    assert_eq!(
        hits.as_array().map(Vec::len),
        Some(1),
        "a deleted index is rebuilt: {hits}"
    );
}

#[test]
fn options_json_shape_paging_sorting_facets_and_saved_searches() {
    let (ws, names) = fixture_workspace();
    let hits = ws.json(&["search", "migrants", "--json"]);
    let first = &hits[0];
    for key in [
        "id",
        "score",
        "subject",
        "author",
        "lang",
        "question",
        "date",
        "snippet",
        "highlights",
    ] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
    let snippet = first["snippet"].as_str().expect("snippet");
    let chars: Vec<char> = snippet.chars().collect();
    let highlights = first["highlights"].as_array().expect("highlights");
    assert!(
        !highlights.is_empty(),
        "the query's word is highlighted: {first}"
    );
    for h in highlights {
        let (a, b) = (
            h[0].as_u64().expect("a") as usize,
            h[1].as_u64().expect("b") as usize,
        );
        let word: String = chars[a..b].iter().collect();
        assert!(
            word.to_lowercase().starts_with("migrant"),
            "highlight {word:?} in {snippet:?}"
        );
    }
    // A phrase is highlighted as one range, whatever the query matched it with.
    let phrase = ws.json(&["search", "\"recruitment fees\"", "--json"]);
    let snippet: Vec<char> = phrase[0]["snippet"]
        .as_str()
        .expect("snippet")
        .chars()
        .collect();
    let marked: Vec<String> = phrase[0]["highlights"]
        .as_array()
        .expect("highlights")
        .iter()
        .map(|h| {
            let (a, b) = (h[0].as_u64().expect("a"), h[1].as_u64().expect("b"));
            snippet[a as usize..b as usize].iter().collect()
        })
        .collect();
    assert_eq!(marked, vec!["recruitment fees"], "{phrase}");
    let all = search_ids(&ws, "migrants", false);
    let page2 = ids(&ws.json(&[
        "search", "migrants", "--json", "--limit", "2", "--offset", "2",
    ]));
    assert_eq!(page2, all[2..4].to_vec());
    let dates = |sort: &str| -> Vec<String> {
        ws.json(&["search", "migrants", "--json", "--sort", sort])
            .as_array()
            .expect("array")
            .iter()
            .map(|h| h["date"].as_str().expect("date").to_string())
            .collect()
    };
    let asc = dates("date");
    let mut sorted = asc.clone();
    sorted.sort();
    assert_eq!(asc, sorted);
    let mut desc = dates("-date");
    desc.reverse();
    assert_eq!(desc, asc);

    let faceted = ws.json(&["search", "migrants", "--json", "--facets"]);
    let by_lang = &faceted["facets"]["lang"];
    let total: u64 = ["en", "fr", "es"]
        .iter()
        .map(|l| by_lang[l].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(total, faceted["total"].as_u64().expect("total"));
    assert_eq!(faceted["facets"]["state"]["approved"], faceted["total"]);
    // Each count is what narrowing the query to that value finds.
    let count =
        |query: &str| ws.json(&["search", "--count", "--json", "--", query])["count"].clone();
    for (facet, prefix) in [("lang", "lang"), ("type", "type"), ("question", "q")] {
        let counts = faceted["facets"][facet].as_object().expect(facet);
        assert!(!counts.is_empty(), "{facet}: {faceted}");
        for (value, n) in counts {
            assert_eq!(
                &count(&format!("migrants {prefix}:{value}")),
                n,
                "{facet} {value}"
            );
        }
    }
    for (objective, n) in faceted["facets"]["objective"]
        .as_object()
        .expect("objective")
    {
        assert_eq!(
            &count(&format!("migrants objective:{objective}")),
            n,
            "objective {objective}"
        );
    }
    // One space: here every contribution is in the only one; an unknown space is named.
    let in_space = ws.json(&[
        "search",
        "migrants",
        "--count",
        "--json",
        "--space",
        "gcm-review",
    ]);
    assert_eq!(in_space["count"], faceted["total"]);
    let out = ws
        .cmd()
        .args(["search", "migrants", "--space", "nowhere"])
        .output();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no space \"nowhere\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let saved = search_ids_saved(&ws, "objective-19");
    assert_eq!(
        saved.first(),
        Some(&names["03-es-qp-pregunta3.eml"]).copied().as_ref(),
        "{saved:?}"
    );
    let listed = in_repo(&ws, &["search", "--list-saved", "--json"]);
    let listed: Vec<&str> = listed
        .as_array()
        .expect("array")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    for name in [
        "objective-16",
        "objective-19",
        "objective-20",
        "remittances",
    ] {
        assert!(listed.contains(&name), "{listed:?}");
    }
    let missing = ws
        .cmd()
        .args(["search", "--saved", "nope"])
        .into_command()
        .current_dir(crate::util::repo())
        .output()
        .expect("run");
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("objective-20"));
}

/// Runs a command from the repository root, where the shipped `queries/` folder is.
fn in_repo(ws: &Workspace, args: &[&str]) -> Value {
    let out = ws
        .cmd()
        .args(args)
        .into_command()
        .current_dir(crate::util::repo())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn search_ids_saved(ws: &Workspace, name: &str) -> Vec<u64> {
    ids(&in_repo(ws, &["search", "--saved", name, "--json"]))
}

#[test]
fn malformed_queries_point_at_the_problem_and_exit_one() {
    let ws = Workspace::new();
    ws.cmd().args(["init"]).ok();
    for (query, needle) in [
        ("(remittances OR", "the query ends"),
        ("\"diaspora", "never closed"),
        ("colour:red", "unknown prefix"),
        ("date:2022-13-45", "not a date"),
        ("state:pending", "--all"),
    ] {
        let out = ws.cmd().args(["search", query]).output();
        assert_eq!(out.status.code(), Some(1), "{query}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{query}: {err}");
    }
    let out = ws.cmd().args(["search", "a OR b)"]).output();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("a OR b)\n") && err.contains("      ^"),
        "a caret under the ')': {err}"
    );
}

#[test]
fn hostile_queries_end_with_a_reason_not_a_stack_overflow() {
    // Each of these aborted the process ("has overflowed its stack") before queries were
    // bounded; now each is refused with exit 1 and says why.
    let (ws, _) = fixture_workspace();
    let deep = format!("{}remittances{}", "(".repeat(5000), ")".repeat(5000));
    let nots = format!("{}remittances", "NOT ".repeat(5000));
    let minus = format!("{}remittances", "-".repeat(20000));
    let nested_but_short = format!("{}a{}", "(".repeat(400), ")".repeat(400));
    for (query, reason) in [
        (&deep, "at most 1000"),
        (&nots, "at most 1000"),
        (&minus, "at most 1000"),
        (&nested_but_short, "nest more than 32 deep"),
    ] {
        let out = ws.cmd().args(["search", "--all", "--", query]).output();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}…: {:?}",
            &query[..20],
            out.status
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(reason), "{}…: {err}", &query[..20]);
        assert!(
            err.len() < 4000,
            "the error does not echo 20 KB back: {}",
            err.len()
        );
    }
}
