//! Every input a fuzz target crashed on (fixtures/fuzz/), run again through the same path.

use hubmail::index::{SearchIndex, SearchRequest, Sort};

use crate::util::{Workspace, repo};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = repo().join("fixtures/fuzz").join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("fixtures/fuzz")
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no regression inputs in {}", dir.display());
    out
}

#[test]
fn search_query_findings_return_results_or_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (index, _) = SearchIndex::open(dir.path()).expect("index");
    for (name, bytes) in inputs("search_query") {
        let query = String::from_utf8_lossy(&bytes).into_owned();
        let request = SearchRequest {
            query,
            moderator: true,
            limit: 5,
            offset: 0,
            sort: Sort::Relevance,
            facets: true,
        };
        let _ = index.search(&request); // must not panic: {name}
        let _ = name;
    }
}

#[test]
fn dates_outside_the_index_range_are_stored_indexed_and_searched() {
    let ws = Workspace::new();
    let maildir = ws.maildir("contact");
    for (name, bytes) in inputs("ingest_bytes") {
        std::fs::write(maildir.join("new").join(name), bytes).expect("write");
    }
    let summary = ws.ingest_json(&maildir);
    assert_eq!(summary["queued"], 3, "{summary}");
    ws.cmd().args(["reindex"]).ok();
    for query in [
        "date:1500",
        "date:2300..",
        "date:..1600-01-01",
        "date:20",
        "pathways",
    ] {
        let out = ws
            .cmd()
            .args(["search", "--all", "--json", "--", query])
            .output();
        assert!(
            out.status.success(),
            "{query}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(ws.json(&["check", "--json"])["consistent"], true);
}
