//! `hubmail serve` against the running server: the site and its public search over real
//! HTTP (raw requests on a TCP socket, so that hostile paths reach the server as sent),
//! its hardening, that it never takes the store from moderators, that it follows a new
//! release and a new index commit without a restart, that it stops on SIGTERM, and a
//! visitor in a real headless Chromium (driven by playwright-core, tests/browser/) typing
//! a French query into the French page's search box.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::util::Workspace;

const CONFIG: &str = r#"
[store]
# A store held by another process would refuse a moderator after a second, not wait.
lock_wait_ms = 1000

[hub]
contact_addresses = ["contact@consultation.example.org"]

[[space]]
id = "gcm-review"
title.en = "Regional Review"
title.fr = "Examen régional"
lang = "en"
languages = ["en", "fr", "es"]

[[space]]
id = "espace-fr"
title = "Espace francophone"
lang = "fr"
"#;

/// The running server, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(ws: &Workspace) -> Server {
    start_with(ws, &[])
}

fn start_with(ws: &Workspace, extra: &[&str]) -> Server {
    start_with_env(ws, extra, &[])
}

fn start_with_env(ws: &Workspace, extra: &[&str], env: &[(&str, &str)]) -> Server {
    let mut cmd = ws.cmd();
    for (key, value) in env {
        cmd = cmd.env(key, value);
    }
    let mut child = cmd
        .args(["serve", "--site", "site", "--addr", "127.0.0.1:0"])
        .args(extra)
        .into_command()
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn hubmail serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the address line");
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .and_then(|a| a.strip_suffix('/'))
        .unwrap_or_else(|| panic!("not an address line: {line:?}"))
        .parse()
        .expect("an address");
    Server { child, addr }
}

/// Sends `target` as the request line's path, byte for byte; returns status, headers
/// (lower-cased) and body.
fn get(addr: SocketAddr, target: &str) -> (u16, String, String) {
    get_forwarded(addr, target, None)
}

/// As [`get`], with an `X-Forwarded-For` header as a proxy (or a client) would send it.
fn get_forwarded(addr: SocketAddr, target: &str, forwarded: Option<&str>) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let forwarded = forwarded.map_or(String::new(), |f| format!("X-Forwarded-For: {f}\r\n"));
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\n{forwarded}Connection: close\r\n\r\n"
    )
    .expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_lowercase(), body.to_string())
}

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A French reply to the fixture contribution from Montréal (02).
const REPLY: &str = "From: Amadou Diallo <a.diallo@example.sn>\r\n\
To: contact@consultation.example.org\r\n\
Subject: RE: inclusion financiere\r\n\
Date: Sat, 15 Jan 2022 10:00:00 +0000\r\n\
Message-ID: <serve-reply@example.sn>\r\n\
In-Reply-To: <a1b2c3d4.5678@montreal.example.ca>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\n\
Au Sénégal aussi, les comptes de base sans justificatif de domicile ont aidé les familles.\r\n";

/// The fixtures and a reply ingested and approved, and published to `site`.
fn published() -> Workspace {
    let ws = Workspace::with_config_text(CONFIG);
    ws.ingest_fixtures();
    ws.cmd()
        .args(["ingest", "-"])
        .stdin(REPLY.as_bytes().to_vec())
        .ok();
    let ids: Vec<String> = crate::util::ids(&ws.json(&["queue", "--json"]))
        .iter()
        .map(u64::to_string)
        .collect();
    let mut args = vec!["approve"];
    args.extend(ids.iter().map(String::as_str));
    ws.moderate().args(&args).ok();
    ws.cmd().args(["publish", "--out", "site"]).ok();
    ws
}

#[test]
fn the_site_and_its_search_are_served_with_security_headers() {
    let ws = published();
    let server = start(&ws);
    let (status, head, body) = get(server.addr, "/fr/gcm-review/index.html");
    assert_eq!(status, 200, "{head}");
    assert!(body.contains("<html lang=\"fr\">"));
    // The page's search box sends its query to this page's search, below.
    assert!(
        body.contains("<form method=\"get\" action=\"../../fr/gcm-review/search\""),
        "{body}"
    );
    for header in [
        "content-security-policy: default-src 'none'",
        "x-content-type-options: nosniff",
        "referrer-policy: no-referrer",
    ] {
        assert!(head.contains(header), "{header} in {head}");
    }
    // The JSON API: the public search, in every language.
    let (status, _, body) = get(server.addr, "/api/search?q=remesas");
    assert_eq!(status, 200, "{body}");
    let results: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert!(results["total"].as_u64().unwrap_or(0) >= 1, "{results}");
    assert!(results["facets"]["type"].is_object(), "{results}");
    assert_eq!(results["facets"]["state"]["approved"], results["total"]);
    let (_, _, body) = get(server.addr, "/api/search?q=remesas&facets=false");
    let bare: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(bare["total"], results["total"]);
    assert!(bare["facets"].is_null(), "{bare}");
    // The search page: the French contribution found from the French page, marked.
    let (status, _, page) = get(
        server.addr,
        &format!("/fr/gcm-review/search?q={}", encode("inclusion financière")),
    );
    assert_eq!(status, 200);
    assert!(page.contains("<mark>"), "{page}");
    assert!(page.contains("Élodie Fréchette"), "{page}");
    assert!(
        page.contains("value=\"inclusion financière\""),
        "the box keeps the query"
    );
    // Moderators' prefixes are not for the public.
    let (status, _, body) = get(server.addr, "/api/search?q=state%3Apending");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("state:"), "{body}");
}

#[test]
fn hostile_requests_get_a_clear_refusal_and_nothing_outside_the_release() {
    let ws = published();
    let server = start(&ws);
    // 20,000 nested parentheses: refused by the parser's bounds, not a stack overflow.
    // (Parentheses may stand unencoded in a query string; encoded, the line is too long
    // for the HTTP layer, which answers 414 before any search.)
    let deep = format!("{}a{}", "(".repeat(20_000), ")".repeat(20_000));
    let (status, _, body) = get(server.addr, &format!("/api/search?q={deep}"));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("longer than 1000 characters"), "{body}");
    let (status, _, _) = get(server.addr, &format!("/api/search?q={}", encode(&deep)));
    assert_eq!(status, 414);
    let (status, _, body) = get(
        server.addr,
        &format!("/api/search?q={}", "(".repeat(40) + "a"),
    );
    assert_eq!(status, 400, "{body}");
    // Traversal in its encoded forms never reaches a file outside the release.
    for target in [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "/en/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/en/..%5c..%5cetc%5cpasswd",
        "/%252e%252e/%252e%252e/etc/passwd",
        "//etc/passwd",
    ] {
        let (status, _, body) = get(server.addr, target);
        assert!(status >= 400, "{target}: {status}");
        assert!(!body.contains("root:"), "{target} served /etc/passwd");
    }
    // The server is still up.
    assert_eq!(get(server.addr, "/index.html").0, 200);
}

#[test]
fn it_never_takes_the_store_and_follows_a_new_release_and_index_commit() {
    let ws = published();
    let server = start(&ws);
    let (_, _, before) = get(server.addr, "/en/gcm-review/index.html");
    assert!(!before.contains("Portability of pensions"));
    // A moderator works while the server runs: the store is not held.
    let mail = "From: Ana Ruiz <ana@example.org>\r\nTo: contact@consultation.example.org\r\n\
        Subject: [Q1] Portability of pensions\r\nMessage-ID: <serve-1@example.org>\r\n\
        Date: Mon, 10 Jan 2022 09:00:00 +0000\r\n\r\n\
        Portability of pensions is the first priority for migrant workers in our region.\r\n";
    ws.cmd()
        .args(["ingest", "-"])
        .stdin(mail.as_bytes().to_vec())
        .ok();
    let id = crate::util::ids(&ws.json(&["queue", "--json"]))[0].to_string();
    ws.moderate().args(["approve", &id]).ok();
    ws.cmd().args(["publish", "--out", "site"]).ok();
    let (_, _, after) = get(server.addr, "/en/gcm-review/index.html");
    assert!(
        after.contains("Portability of pensions"),
        "the new release is served"
    );
    // The index's new commit is searched within a few seconds, without a restart.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, _, body) = get(server.addr, "/api/search?q=portability");
        let results: serde_json::Value = serde_json::from_str(&body).expect("json");
        if results["total"].as_u64().unwrap_or(0) >= 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new commit was never searched: {results}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn sigterm_stops_it_cleanly() {
    let ws = published();
    let mut server = start(&ws);
    assert_eq!(get(server.addr, "/index.html").0, 200);
    let pid = server.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("poll") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    assert!(
        TcpStream::connect(server.addr).is_err(),
        "no longer listening"
    );
}

#[test]
fn an_address_that_searches_too_fast_is_told_to_wait_and_pages_still_load() {
    let ws = published();
    let server = start_with(&ws, &["--searches-per-minute", "60"]);
    let mut refused = None;
    for _ in 0..20 {
        let (status, head, body) = get(server.addr, "/api/search?q=migrants");
        if status == 429 {
            refused = Some((head, body));
            break;
        }
        assert_eq!(status, 200, "{body}");
    }
    let (head, body) = refused.expect("the 60-a-minute address was refused within 20 searches");
    assert!(head.contains("retry-after:"), "{head}");
    assert!(
        body.contains("too many searches from your address"),
        "{body}"
    );
    assert_eq!(get(server.addr, "/en/gcm-review/index.html").0, 200);
}

/// Searches as `forwarded` until refused; how many were answered.
fn searches_until_refused(addr: SocketAddr, forwarded: Option<&str>) -> usize {
    for n in 0..40 {
        let (status, _, body) = get_forwarded(addr, "/api/search?q=migrants", forwarded);
        if status == 429 {
            return n;
        }
        assert_eq!(status, 200, "{body}");
    }
    panic!("never refused in 40 searches");
}

#[test]
fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let ws = published();
    // 60 a minute: a burst of 6.
    let proxied = start_with(
        &ws,
        &[
            "--searches-per-minute",
            "60",
            "--trusted-proxy",
            "127.0.0.1",
        ],
    );
    let first = searches_until_refused(proxied.addr, Some("203.0.113.7"));
    assert!((1..=7).contains(&first), "{first}");
    // Another client behind the same proxy is not refused for the first one's searches,
    let second = searches_until_refused(proxied.addr, Some("198.51.100.9"));
    assert!((1..=7).contains(&second), "{second}");
    // and a client that writes the header itself cannot pose as a fresh address: nginx
    // appends what it saw, and only the rightmost untrusted entry counts.
    let (status, _, _) = get_forwarded(
        proxied.addr,
        "/api/search?q=migrants",
        Some("192.0.2.1, 203.0.113.7"),
    );
    assert_eq!(status, 429);
    drop(proxied);

    // Without a trusted proxy the header is ignored: one address, one limit.
    let direct = start_with(&ws, &["--searches-per-minute", "60"]);
    searches_until_refused(direct.addr, Some("203.0.113.7"));
    let (status, _, _) = get_forwarded(direct.addr, "/api/search?q=migrants", Some("198.51.100.9"));
    assert_eq!(status, 429, "a forged header escaped the limit");
}

#[test]
fn a_slow_search_is_cut_at_its_budget_and_keeps_its_slot_until_it_ends() {
    let ws = published();
    // Fault injection: every search takes 4 s, as a pathological one would.
    let server = start_with_env(
        &ws,
        &["--max-searches", "1", "--search-budget-ms", "1000"],
        &[("HUBMAIL_SLOW_SEARCH_MS", "4000")],
    );
    let (status, head, body) = get(server.addr, "/api/search?q=migrants");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("the search took too long"), "{body}");
    assert!(head.contains("retry-after:"), "{head}");
    // That search was answered after 1 s but runs for 4: it still holds the only slot, so
    // the next one waits its 1 s budget for it and is refused, not run beside it.
    let (status, _, body) = get(server.addr, "/fr/gcm-review/search?q=migrants");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("too many searches at once"), "{body}");
    // Pages need no slot.
    assert_eq!(get(server.addr, "/fr/gcm-review/index.html").0, 200);
}

#[test]
fn a_visitor_types_a_french_query_follows_the_switcher_and_sees_a_reply_in_place() {
    let ws = published();
    let server = start(&ws);
    let script = crate::util::repo().join("tests/browser/search.mjs");
    let out = std::process::Command::new("node")
        .arg(&script)
        .arg(format!("http://{}", server.addr))
        .arg("inclusion financière")
        .stderr(Stdio::piped())
        .output()
        .expect("node is installed, with tests/browser's playwright-core (scripts/test.sh)");
    assert!(
        out.status.success(),
        "the browser script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the script prints what it saw as JSON");
    assert_eq!(seen["pageLang"], "fr", "{seen}");
    assert_eq!(
        seen["nestedReply"], "En réponse à Élodie Fréchette",
        "{seen}"
    );
    assert!(
        seen["resultsUrl"]
            .as_str()
            .unwrap_or_default()
            .contains("/fr/gcm-review/search?q=inclusion"),
        "{seen}"
    );
    assert_eq!(seen["resultsLang"], "fr", "{seen}");
    let marked: Vec<String> = seen["marked"]
        .as_array()
        .expect("marks")
        .iter()
        .map(|m| m.as_str().unwrap_or_default().to_lowercase())
        .collect();
    assert!(marked.iter().any(|m| m.starts_with("inclusion")), "{seen}");
    assert!(
        seen["authors"]
            .as_array()
            .expect("authors")
            .iter()
            .any(|a| a == "Élodie Fréchette"),
        "{seen}"
    );
    assert_eq!(seen["switchedLang"], "en", "{seen}");
    assert!(
        seen["switchedUrl"]
            .as_str()
            .unwrap_or_default()
            .ends_with("/en/gcm-review/index.html"),
        "{seen}"
    );
    assert_eq!(seen["errors"], serde_json::json!([]), "{seen}");
}

#[test]
fn a_space_s_search_page_finds_that_space_s_contributions_only() {
    let ws = published();
    let mail = "From: Awa Kone <awa@example.ci>\r\nTo: contact+espace-fr-q1@consultation.example.org\r\n\
        Subject: Mobilite des artisans\r\nMessage-ID: <serve-fr@example.ci>\r\n\
        Date: Mon, 10 Jan 2022 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
        La mobilité des artisans entre les pays de la CEDEAO reste freinée par les contrôles \
        et les frais de transfert.\r\n";
    ws.cmd()
        .args(["ingest", "-"])
        .stdin(mail.as_bytes().to_vec())
        .ok();
    let id = crate::util::ids(&ws.json(&["queue", "--json"]))[0].to_string();
    // and one routed to no question (no tag, no plus-address), which the default space lists.
    let unrouted = "From: Li Wei <li@example.org>\r\nTo: contact@consultation.example.org\r\n\
        Subject: A note\r\nMessage-ID: <serve-unrouted@example.org>\r\n\
        Date: Tue, 11 Jan 2022 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
        Our association helps migrants with the transfert of pension rights between countries.\r\n";
    ws.cmd()
        .args(["ingest", "-"])
        .stdin(unrouted.as_bytes().to_vec())
        .ok();
    let unrouted_id = crate::util::ids(&ws.json(&["queue", "--json"]))
        .into_iter()
        .find(|i| i.to_string() != id)
        .expect("the unrouted one")
        .to_string();
    ws.moderate().args(["approve", &id, &unrouted_id]).ok();
    ws.cmd().args(["publish", "--out", "site"]).ok();
    let server = start(&ws);
    // "transfert" is in that contribution and in fixtures of the other space.
    let (status, _, page) = get(server.addr, "/fr/espace-fr/search?q=transfert");
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("href=\"index.html#contribution-{id}\"")),
        "{page}"
    );
    assert!(page.contains(">1 résultats<"), "{page}");
    let (_, _, other) = get(server.addr, "/fr/gcm-review/search?q=transfert");
    assert!(
        !other.contains(&format!("#contribution-{id}\"")),
        "another space's page lists it: {other}"
    );
    // The API narrows the same way, or searches every space.
    let api = |target: &str| -> serde_json::Value {
        let (status, _, body) = get(server.addr, target);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("JSON")
    };
    let narrowed = api("/api/search?q=transfert&space=espace-fr");
    assert_eq!(narrowed["total"], 1, "{narrowed}");
    let everywhere = api("/api/search?q=transfert");
    assert!(everywhere["total"].as_u64() > Some(1), "{everywhere}");
    // Every contribution is on exactly one space's page: the default space's also lists
    // those routed to no question, so the two spaces' searches add up to all.
    let default = api("/api/search?q=migrants%20OR%20transfert&space=gcm-review");
    let other = api("/api/search?q=migrants%20OR%20transfert&space=espace-fr");
    let all = api("/api/search?q=migrants%20OR%20transfert");
    assert!(
        all["facets"]["question"]["none"].as_u64() > Some(0),
        "the fixtures hold an unrouted contribution: {all}"
    );
    assert_eq!(
        default["total"]
            .as_u64()
            .zip(other["total"].as_u64())
            .map(|(a, b)| a + b),
        all["total"].as_u64(),
        "{default} {other} {all}"
    );
    let (status, _, body) = get(server.addr, "/api/search?q=transfert&space=nowhere");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("no such space"), "{body}");
    // A language the space does not offer has no page, and no search page.
    assert_eq!(get(server.addr, "/en/espace-fr/search?q=transfert").0, 404);
    assert_eq!(get(server.addr, "/en/espace-fr/index.html").0, 404);
}
