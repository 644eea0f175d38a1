//! In-process search latency for the benchmark: runs each query of a folder of saved
//! searches many times against an existing data directory and prints p50/p99 as JSON.
//!
//!     cargo run --release --example search_latency -- DATA_DIR queries/bench [RUNS]

use std::path::Path;
use std::time::Instant;

use hubmail::index::{SearchIndex, SearchRequest, Sort};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (data, queries) = match (args.get(1), args.get(2)) {
        (Some(d), Some(q)) => (Path::new(d), Path::new(q)),
        _ => return Err("usage: search_latency DATA_DIR QUERIES_DIR [RUNS]".into()),
    };
    let runs: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(200);
    let index = SearchIndex::open_existing(data)?.ok_or("no index: ingest first")?;
    let mut files: Vec<_> = std::fs::read_dir(queries)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "query"))
        .collect();
    files.sort();
    let mut report = serde_json::Map::new();
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        let query: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join(" ");
        let request = SearchRequest {
            query: query.trim().to_string(),
            moderator: true,
            limit: std::env::var("LIMIT")
                .ok()
                .and_then(|l| l.parse().ok())
                .unwrap_or(10),
            offset: 0,
            sort: Sort::Relevance,
            facets: std::env::var("FACETS").is_ok_and(|f| f == "1"),
            space: None,
        };
        let hits = index.search(&request)?.total;
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let start = Instant::now();
            std::hint::black_box(index.search(&request)?);
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        report.insert(
            name,
            serde_json::json!({
                "query": request.query,
                "hits": hits,
                "p50_ms": percentile(&times, 50.0),
                "p99_ms": percentile(&times, 99.0),
            }),
        );
    }
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
