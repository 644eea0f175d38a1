//! The search query language: parsing and compiling any string against a real index must
//! return a result or a positioned error, never panic.
#![no_main]

use std::sync::LazyLock;

use hubmail::index::{SearchIndex, SearchRequest, Sort};
use libfuzzer_sys::fuzz_target;

struct World {
    _dir: tempfile::TempDir,
    index: SearchIndex,
}

static WORLD: LazyLock<World> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("tempdir");
    let (index, _) = SearchIndex::open(dir.path()).expect("index");
    World { _dir: dir, index }
});

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = hubmail::index::query::parse(query) {
        let _ = e.to_string(); // the caret rendering must not panic either
    }
    let request = SearchRequest {
        query: query.to_string(),
        moderator: true,
        limit: 5,
        offset: 0,
        sort: Sort::Relevance,
        facets: true,
    };
    let _ = WORLD.index.search(&request);
});
