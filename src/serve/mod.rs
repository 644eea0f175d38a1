//! `hubmail serve`: the published site and its public search, over HTTP (axum on tokio).
//!
//! Read-only: it never opens the sled store, so moderators and the worker keep it; it
//! reads the release the `site` symlink points at (resolved on every request, so a new
//! release is served at once) and the search index (its reader follows new commits). The
//! search is the public one of `hubmail search`: approved contributions only, no sender
//! addresses, no `state:`. Hardened as a public endpoint: bounded queries (a 400 with the
//! parser's message), a time budget per search, a bound on searches at once, security
//! headers on every response, and nothing outside the release ever served.

mod client;
mod search_page;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::Config;
use crate::index::{SearchIndex, SearchRequest, Sort, SpaceScope};
use crate::model::Lang;
use crate::{Error, Result};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The published site (the symlink `hubmail publish` replaces).
    pub site: PathBuf,
    /// The data directory whose search index is searched.
    pub data_dir: PathBuf,
    /// Where to listen (port 0: any free port).
    pub addr: SocketAddr,
    /// Searches running at once; more wait for a slot within their budget, then are
    /// answered 503.
    pub max_searches: usize,
    /// How long one search may take, waiting for a slot included, before it is answered
    /// 503.
    pub search_budget: Duration,
    /// Searches one address may make per minute (a burst of a tenth of it at once); more
    /// are answered 429. 0: no limit (a load test from one address).
    pub searches_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (none: the peer is).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// Results per page, at most.
const MAX_LIMIT: usize = 50;
/// How far into the results one may page.
const MAX_OFFSET: usize = 10_000;

/// Searches per address: a GCRA per client address.
type Limiter = governor::DefaultKeyedRateLimiter<std::net::IpAddr>;

struct Shared {
    config: Config,
    limiter: Option<Limiter>,
    data_dir: PathBuf,
    index: RwLock<Option<Arc<SearchIndex>>>,
    searches: Arc<tokio::sync::Semaphore>,
    budget: Duration,
    /// Fault injection for the tests of the budget and the bound: every search takes at
    /// least this long, as a pathological one would (`HUBMAIL_SLOW_SEARCH_MS`).
    slow_search: Option<Duration>,
    trusted_proxies: Vec<std::net::IpAddr>,
}

impl Shared {
    /// The index, opened on first use and reopened when it was rebuilt.
    fn index(&self) -> Result<Option<Arc<SearchIndex>>> {
        if let Some(index) = self.index.read().map_err(|_| poisoned())?.clone() {
            return Ok(Some(index));
        }
        let opened = SearchIndex::open_existing(&self.data_dir)?.map(Arc::new);
        *self.index.write().map_err(|_| poisoned())? = opened.clone();
        Ok(opened)
    }

    /// Lets the reader see the latest commit; forgets an index that is gone or rebuilt.
    fn refresh(&self) {
        let current = self.index.read().ok().and_then(|i| i.clone());
        if let Some(index) = current
            && index.refresh().is_err()
            && let Ok(mut slot) = self.index.write()
        {
            *slot = None;
        }
    }
}

fn poisoned() -> Error {
    Error::Index("the index lock was poisoned by a panic".into())
}

/// Serves until SIGTERM or SIGINT; `ready` is told the address once it listens.
pub fn run(config: Config, options: Options, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    // The blocking pool runs the searches and the file reads of the static pages: a few
    // threads beyond the searches' bound, not tokio's default of 512 (each thread that
    // ran a search keeps an allocator arena: hundreds of MB under load).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(options.max_searches.max(1) + 8)
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("starting the server's runtime: {e}")))?;
    runtime.block_on(async move {
        let limiter = std::num::NonZeroU32::new(options.searches_per_minute).map(|per_minute| {
            let burst = std::num::NonZeroU32::new(per_minute.get() / 10)
                .unwrap_or(std::num::NonZeroU32::MIN);
            Limiter::keyed(governor::Quota::per_minute(per_minute).allow_burst(burst))
        });
        let shared = Arc::new(Shared {
            limiter,
            config,
            data_dir: options.data_dir.clone(),
            index: RwLock::new(None),
            searches: Arc::new(tokio::sync::Semaphore::new(options.max_searches.max(1))),
            slow_search: std::env::var("HUBMAIL_SLOW_SEARCH_MS")
                .ok()
                .and_then(|ms| ms.parse().ok())
                .map(Duration::from_millis),
            budget: options.search_budget,
            trusted_proxies: options.trusted_proxies.clone(),
        });
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .map_err(|e| Error::Setup(format!("listening on {}: {e}", options.addr)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Setup(format!("the listening address: {e}")))?;
        // A response's head and body go out in separate writes: with Nagle's algorithm
        // the body would wait for the client's delayed ACK (40 ms on Linux).
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        ready(addr);
        let refresher = shared.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(2));
            loop {
                tick.tick().await;
                let shared = refresher.clone();
                let _ = tokio::task::spawn_blocking(move || shared.refresh()).await;
                // Forget addresses that have not searched for a while.
                if let Some(limiter) = &refresher.limiter {
                    limiter.retain_recent();
                }
            }
        });
        let app = router(shared, options.site);
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| Error::Setup(format!("serving: {e}")))
    })
}

/// Resolves when SIGTERM or SIGINT arrives.
async fn shutdown() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = tokio::signal::ctrl_c() => {},
    }
}

fn router(shared: Arc<Shared>, site: PathBuf) -> Router {
    let files = ServeDir::new(site).append_index_html_on_directories(true);
    let header = |name, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    Router::new()
        .route("/api/search", get(api_search))
        .route("/{lang}/{space}/search", get(page_search))
        .fallback_service(files)
        .with_state(shared)
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
}

/// The search's parameters, as a form or the API sends them.
#[derive(Debug, Deserialize)]
struct Params {
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: usize,
    limit: Option<usize>,
    #[serde(default)]
    sort: Option<String>,
    /// Only this space's contributions (the search page: its own space).
    #[serde(default)]
    space: Option<String>,
    /// Count matches by category (the default); `false` for hits alone, which is cheaper.
    facets: Option<bool>,
}

/// An answer that says what went wrong, as JSON or as a line of text.
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.1 });
        let mut response = (self.0, axum::Json(body)).into_response();
        if matches!(
            self.0,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        ) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
        }
        response
    }
}

/// Runs a public search for the client (the peer, or whom a trusted proxy names) within
/// its rate, the budget and the bound on
/// searches at once.
async fn search(
    shared: &Arc<Shared>,
    peer: SocketAddr,
    headers: &HeaderMap,
    params: &Params,
) -> std::result::Result<crate::index::Results, Refusal> {
    if let Some(limiter) = &shared.limiter
        && limiter
            .check_key(&client::address(
                peer.ip(),
                headers,
                &shared.trusted_proxies,
            ))
            .is_err()
    {
        return Err(Refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "too many searches from your address; wait a minute and try again".into(),
        ));
    }
    if params.q.trim().is_empty() {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            "the query is empty: give q=WORDS".into(),
        ));
    }
    // The parser bounds the query itself (length, depth); a huge URL is refused first.
    if params.q.len() > 4 * crate::index::MAX_QUERY_CHARS {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            format!(
                "the query is longer than {} characters",
                crate::index::MAX_QUERY_CHARS
            ),
        ));
    }
    if let Some(space) = &params.space
        && shared.config.space(space).is_none()
    {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            "no such space: give space=ID of a published space, or leave it out".into(),
        ));
    }
    // A search waits for a free slot within its budget. The slot goes with the search
    // into its thread, so a search answered "took too long" still holds it until it ends.
    let started = tokio::time::Instant::now();
    let Ok(Ok(permit)) =
        tokio::time::timeout(shared.budget, shared.searches.clone().acquire_owned()).await
    else {
        return Err(Refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many searches at once; try again in a moment".into(),
        ));
    };
    let request = SearchRequest {
        query: params.q.clone(),
        moderator: false,
        limit: params.limit.unwrap_or(10).min(MAX_LIMIT),
        offset: params.offset.min(MAX_OFFSET),
        sort: match params.sort.as_deref() {
            Some("date") => Sort::DateAscending,
            Some("-date") => Sort::DateDescending,
            _ => Sort::Relevance,
        },
        facets: params.facets.unwrap_or(true),
        space: params
            .space
            .as_deref()
            .map(|space| SpaceScope::of(space, shared.config.spaces.iter().map(|s| s.id.as_str()))),
    };
    let worker = shared.clone();
    let job = tokio::task::spawn_blocking(move || -> Result<crate::index::Results> {
        let _permit = permit;
        if let Some(delay) = worker.slow_search {
            std::thread::sleep(delay);
        }
        match worker.index()? {
            Some(index) => index.search(&request),
            None => Err(Error::Index(
                "the search index is being built; try again shortly".into(),
            )),
        }
    });
    match tokio::time::timeout(shared.budget.saturating_sub(started.elapsed()), job).await {
        Err(_) => Err(Refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "the search took too long; narrow the query".into(),
        )),
        Ok(Err(_)) => Err(Refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the search failed".into(),
        )),
        Ok(Ok(Err(Error::Query(e)))) => Err(Refusal(StatusCode::BAD_REQUEST, e.to_string())),
        Ok(Ok(Err(e))) if e.kind() == crate::ErrorKind::Input => {
            Err(Refusal(StatusCode::BAD_REQUEST, e.to_string()))
        }
        Ok(Ok(Err(e))) => Err(Refusal(StatusCode::SERVICE_UNAVAILABLE, e.to_string())),
        Ok(Ok(Ok(results))) => Ok(results),
    }
}

async fn api_search(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Response {
    match search(&shared, peer, &headers, &params).await {
        Ok(results) => axum::Json(results).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn page_search(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::extract::Path((lang, space)): axum::extract::Path<(String, String)>,
    Query(mut params): Query<Params>,
) -> Response {
    let Some(lang) = Lang::from_tag(&lang).filter(|l| l.code() == lang) else {
        return (StatusCode::NOT_FOUND, "no such page").into_response();
    };
    // Only the languages the space offers have pages, and so search pages.
    let Some(space) = shared
        .config
        .space(&space)
        .filter(|s| s.languages().contains(&lang))
    else {
        return (StatusCode::NOT_FOUND, "no such page").into_response();
    };
    // A space's search page searches that space.
    params.space = Some(space.id.clone());
    let outcome = if params.q.trim().is_empty() {
        None
    } else {
        Some(search(&shared, peer, &headers, &params).await)
    };
    let status = match &outcome {
        Some(Err(Refusal(status, _))) => *status,
        _ => StatusCode::OK,
    };
    let html = search_page::render(space, lang, &params.q, params.offset, outcome.as_ref());
    (status, Html(html)).into_response()
}
