//! Publication: golden pages, feed and data for the fixtures; the feed parsed by a real
//! Atom parser and the data validated against its schema; determinism, withdrawal, the
//! atomic swap, no address published; and hostile contributions in a real headless
//! Chromium that would record any script that ran.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::util::{Workspace, chromium, repo};

const CONFIG: &str = r#"
[hub]
contact_addresses = ["contact@consultation.example.org"]

[publish]
base_url = "https://consultation.example.org/"
disclaimer = "The views expressed are those of the contributors."

[[space]]
id = "gcm-review"
title.en = "Regional Review of the Global Compact for Migration"
title.fr = "Examen régional du Pacte mondial sur les migrations"
title.es = "Examen regional del Pacto Mundial para la Migración"
aim.en = "Views on implementing the GCM."
aim.fr = "Vos points de vue sur la mise en œuvre du Pacte."
lang = "en"
languages = ["en", "fr", "es"]
moderators = ["Amina Diallo"]
moderators_label.fr = "Équipe de modération"

[[space.question]]
number = 1
title = { en = "Key priorities?", fr = "Priorités ?", es = "¿Prioridades?" }

[[space.question]]
number = 2
title = { en = "Remittances?", fr = "Transferts de fonds ?", es = "¿Remesas?" }

[[space.question]]
number = 3
title = { en = "Diaspora?", fr = "Diaspora ?" }

[[space]]
id = "espace-fr"
title = "Espace francophone"
lang = "fr"
"#;

/// A French reply to the fixture contribution from Montréal (02), signed and with a
/// salutation, as people answer each other on the consultation page.
const REPLY: &str = "From: Amadou Diallo <a.diallo@example.sn>\r\n\
To: contact@consultation.example.org\r\n\
Subject: RE: =?ISO-8859-1?Q?R=E9ponse_=E0_la_question_2_:_inclusion_financi=E8re?=\r\n\
Date: Sat, 15 Jan 2022 10:00:00 +0000\r\n\
Message-ID: <reply-to-montreal@example.sn>\r\n\
In-Reply-To: <a1b2c3d4.5678@montreal.example.ca>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Bonjour,\r\n\
\r\n\
Au Sénégal aussi, les comptes de base sans justificatif de domicile ont aidé les familles de migrants.\r\n\
\r\n\
Cordialement,\r\n\
Amadou Diallo\r\n";

/// The fixtures ingested, a reply to one of them, and all approvable ones approved.
fn published() -> Workspace {
    let ws = Workspace::with_config_text(CONFIG);
    ws.ingest_fixtures();
    ws.cmd()
        .args(["ingest", "-"])
        .stdin(REPLY.as_bytes().to_vec())
        .ok();
    let ids: Vec<String> = ws
        .json(&["queue", "--json"])
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["id"].to_string())
        .collect();
    let mut args = vec!["--moderator", "amina", "approve"];
    args.extend(ids.iter().map(String::as_str));
    ws.cmd().args(&args).ok();
    ws
}

fn site(ws: &Workspace) -> PathBuf {
    ws.path().join("site")
}

fn publish(ws: &Workspace) {
    ws.cmd()
        .args(["publish", "--out", site(ws).to_str().expect("utf-8")])
        .ok();
}

/// Every file of the published tree, by relative path.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(
        &root.canonicalize().expect("resolve the symlink"),
        &root.canonicalize().expect("resolve"),
        &mut out,
    );
    out
}

#[test]
fn golden_pages_feed_and_data() {
    let ws = published();
    publish(&ws);
    let got = tree(&site(&ws));
    let golden = repo().join("tests/golden/publish");
    if std::env::var_os("HUBMAIL_UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&golden);
        for (rel, bytes) in &got {
            if rel.contains("/files/") {
                continue;
            }
            let path = golden.join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, bytes).expect("write golden");
        }
        // A rewrite is not a pass: the new goldens need a reviewer's eye.
        panic!(
            "HUBMAIL_UPDATE_GOLDEN: rewrote tests/golden/publish from this run; review \
             'git diff tests/golden' and run again without it"
        );
    }
    let want = tree(&golden);
    assert!(
        !want.is_empty(),
        "no golden files: run with HUBMAIL_UPDATE_GOLDEN=1 once"
    );
    for (rel, bytes) in &want {
        let have = got
            .get(rel)
            .unwrap_or_else(|| panic!("{rel} was not published"));
        assert!(
            have == bytes,
            "{rel} differs from tests/golden/publish/{rel} (HUBMAIL_UPDATE_GOLDEN=1 rewrites it after review)\n{}",
            String::from_utf8_lossy(have)
        );
    }
    let published: Vec<&String> = got.keys().filter(|k| !k.contains("/files/")).collect();
    assert_eq!(published.len(), want.len(), "{published:?}");
}

#[test]
fn the_feed_parses_and_the_data_matches_its_schema() {
    let ws = published();
    publish(&ws);
    let root = site(&ws);
    let feed_bytes = std::fs::read(root.join("gcm-review/feed.atom")).expect("feed");
    let feed = feed_rs::parser::parse(feed_bytes.as_slice()).expect("a valid Atom feed");
    assert_eq!(
        feed.title.expect("title").content,
        "Regional Review of the Global Compact for Migration"
    );
    assert!(!feed.entries.is_empty());
    for entry in &feed.entries {
        assert!(!entry.authors.is_empty(), "author");
        assert!(entry.updated.is_some(), "updated");
        assert!(entry.links.iter().any(|l| {
            l.href.starts_with(
                "https://consultation.example.org/en/gcm-review/index.html#contribution-",
            )
        }));
        assert!(entry.content.is_some(), "content");
    }
    let text = String::from_utf8_lossy(&feed_bytes);
    assert!(
        text.contains("xml:lang=\"fr\"") && text.contains("xml:lang=\"es\""),
        "entries carry their language"
    );

    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/contributions.schema.json")).expect("schema"),
    )
    .expect("json");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    for space in ["gcm-review", "espace-fr"] {
        let data: serde_json::Value = serde_json::from_slice(
            &std::fs::read(root.join(space).join("contributions.json")).expect("data"),
        )
        .expect("json");
        let errors: Vec<String> = validator
            .iter_errors(&data)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{space}: {errors:?}");
    }
}

#[test]
fn deterministic_atomic_and_withdrawals_disappear() {
    let ws = published();
    publish(&ws);
    let first = tree(&site(&ws));
    publish(&ws);
    let second = tree(&site(&ws));
    assert_eq!(first, second, "the same store gives byte-identical output");
    assert!(
        std::fs::symlink_metadata(site(&ws))
            .expect("exists")
            .file_type()
            .is_symlink()
    );

    let page = |ws: &Workspace| {
        String::from_utf8_lossy(&tree(&site(ws))["gcm-review/index.html"]).into_owned()
    };
    assert!(page(&ws).contains("id=\"contribution-4\""));
    ws.moderate()
        .args(["reopen", "4", "--reason", "check the figures"])
        .ok();
    publish(&ws);
    assert!(
        !page(&ws).contains("id=\"contribution-4\""),
        "a withdrawn contribution disappears"
    );
    assert!(page(&ws).contains("id=\"contribution-1\""));

    // Old releases are pruned (the current and the previous one are kept).
    let releases: Vec<_> = std::fs::read_dir(ws.path().join(".site.releases"))
        .expect("releases")
        .flatten()
        .collect();
    assert_eq!(releases.len(), 2);

    // A folder hubmail did not create is never overwritten.
    let other = ws.path().join("mine");
    std::fs::create_dir_all(&other).expect("mkdir");
    let out = ws
        .cmd()
        .args(["publish", "--out", other.to_str().expect("utf-8")])
        .output();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a hubmail publication"));
}

#[test]
fn no_contributor_address_is_ever_published_and_the_contact_box_routes() {
    let ws = published();
    publish(&ws);
    // The consultation's own mailbox is published, on purpose: "How to contribute"
    // links to it with the plus-address of each question. Nothing else has an "@".
    let contact =
        regex::Regex::new(r"contact(\+[a-z0-9-]+)?@consultation\.example\.org").expect("regex");
    for (rel, bytes) in tree(&site(&ws)) {
        if rel.contains("/files/") {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        let text = contact.replace_all(&text, "");
        for address in [
            "sarah.doyel@iom.example.int",
            "elodie.frechette",
            "jperez@",
            "peter@drn",
            "@",
        ] {
            assert!(!text.contains(address), "{rel} contains {address:?}");
        }
    }
    // Each question's link is the plus-address routing reads, with its subject tag.
    let page = std::fs::read_to_string(site(&ws).join("fr/gcm-review/index.html")).expect("page");
    for n in 1..=3 {
        assert!(
            page.contains(&format!(
                "href=\"mailto:contact+q{n}@consultation.example.org?subject=%5BQ{n}%5D%20\""
            )),
            "question {n}"
        );
    }
    let other = std::fs::read_to_string(site(&ws).join("fr/espace-fr/index.html")).expect("page");
    assert!(other.contains("href=\"mailto:contact+espace-fr@consultation.example.org\""));
}

#[test]
fn publishing_after_every_decision_when_configured() {
    let ws = Workspace::with_config_text(&format!("{CONFIG}\n").replace(
        "[publish]\n",
        &format!("[publish]\nafter_decision = true\nout = \"{}\"\n", "site"),
    ));
    ws.ingest_fixtures();
    ws.moderate().args(["approve", "2"]).ok();
    let page = std::fs::read_to_string(ws.path().join("site/gcm-review/index.html"))
        .expect("published by the decision");
    assert!(page.contains("id=\"contribution-2\""));
}

/// A contribution made of XSS payloads in every field that reaches the page.
fn hostile_message() -> Vec<u8> {
    let payload = "document.title='PWNED-'+'XSS'";
    format!(
        "From: \"<img src=x onerror=\\\"{payload}\\\">\" <evil@example.net>\r\n\
Subject: =?UTF-8?B?{subject}?=\r\n\
Message-ID: <xss-1@example.net>\r\n\
Date: Mon, 14 Feb 2022 10:00:00 +0000\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n\
--b\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n\
<p>Migración segura y participación financière: réponse à la question 2.</p>\
<script>{payload}</script><p>&lt;script&gt;{payload}&lt;/script&gt;</p>\
<img src=x onerror=\"{payload}\"><svg onload=\"{payload}\"></svg>\
<p><a href=\"javascript:{payload}\">a link</a> <a href=\"https://example.org/ok\">a good link</a></p>\
<p>&lt;img src=x onerror=&quot;{payload}&quot;&gt; and <b onmouseover=\"{payload}\">bold</b></p>\r\n\
--b\r\n\
Content-Type: application/pdf\r\n\
Content-Disposition: attachment; filename=\"<svg onload={payload}>.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n\
JVBERi0xLjQK\r\n\
--b--\r\n",
        subject = base64_encode(format!("[Q2] <script>{payload}</script> Remesas y diáspora").as_bytes()),
    )
    .into_bytes()
}

fn base64_encode(bytes: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn hostile_contributions_run_no_script_in_a_real_browser() {
    let ws = Workspace::with_config_text(CONFIG);
    ws.cmd().args(["ingest", "-"]).stdin(hostile_message()).ok();
    let french =
        std::fs::read(repo().join("fixtures/mail/02-fr-latin1-qp-q2.eml")).expect("fixture");
    ws.cmd().args(["ingest", "-"]).stdin(french).ok();
    ws.moderate().args(["approve", "1", "2"]).ok();
    publish(&ws);
    let page = site(&ws).join("gcm-review/index.html");
    let html = std::fs::read_to_string(&page).expect("page");

    // The page ships a Content-Security-Policy; to test the escaping itself, the browser
    // gets a copy without it, where any injected script would run.
    let bare = ws.path().join("bare.html");
    let without_csp: String = html
        .split('\n')
        .map(|l| l.replace(r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'self'; img-src 'self'">"#, ""))
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(without_csp, html, "the policy was found and removed");
    std::fs::write(&bare, &without_csp).expect("write");
    std::fs::copy(site(&ws).join("style.css"), ws.path().join("style.css")).expect("css");

    let out = chromium(&["--dump-dom", &format!("file://{}", bare.display())]);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("<html"),
        "chromium rendered the page: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dom.contains("PWNED-XSS"), "a script ran:\n{dom}");
    assert!(!dom.contains("<script"), "no script element");
    // In serialised DOM, a literal '<' only starts a real tag (text has &lt;): look for
    // handler attributes and javascript: links inside tags only.
    let handler = regex::Regex::new(r"<[^<>]*\son[a-z]+=").expect("regex");
    assert!(
        !handler.is_match(&dom),
        "no handler attribute: {:?}",
        handler.find(&dom)
    );
    let js_link = regex::Regex::new(r#"<a[^<>]*href="\s*javascript:"#).expect("regex");
    assert!(!js_link.is_match(&dom), "no javascript: link");
    assert!(
        dom.contains("rel=\"nofollow ugc noopener\""),
        "links are marked"
    );
    assert!(
        dom.contains("Migración segura y participación financière"),
        "accents render"
    );
    assert!(
        dom.contains("l'inclusion financière des personnes migrantes"),
        "French renders"
    );
    assert!(!dom.contains("evil@example.net"));

    // The attachment is inside the release, under a safe name.
    let files: Vec<PathBuf> = std::fs::read_dir(site(&ws).join("gcm-review/files/1"))
        .expect("files")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1);
    assert!(files[0].starts_with(site(&ws).join("gcm-review/files/1")));

    // A screenshot for a human to look at.
    let shot = repo().join("target/publish-screenshot.png");
    // An earlier run's screenshot must not pass for this one's.
    let _ = std::fs::remove_file(&shot);
    let out = chromium(&[
        &format!("--screenshot={}", shot.display()),
        "--window-size=1200,2200",
        &format!("file://{}", page.display()),
    ]);
    let png = std::fs::read(&shot).unwrap_or_default();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "a PNG screenshot written by this run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn three_languages_a_switcher_and_a_reply_under_its_parent_in_a_real_browser() {
    let ws = published();
    publish(&ws);
    let root = site(&ws);
    let href = regex::Regex::new(r##"href="(\.\./\.\./[^"#]+)""##).expect("regex");
    let heading = regex::Regex::new(r"<h3>([^<]*)</h3>").expect("regex");
    for lang in ["en", "fr", "es"] {
        let page =
            std::fs::read_to_string(root.join(lang).join("gcm-review/index.html")).expect("page");
        assert!(page.contains(&format!("<html lang=\"{lang}\">")), "{lang}");
        // Every alternate and switcher link leads to a page of the release.
        for link in href.captures_iter(&page) {
            let path = link[1].replace("%20", " ");
            let target = root.join(lang).join("gcm-review").join(&path);
            assert!(target.exists(), "{lang}: {} does not exist", &link[1]);
        }
        for other in ["en", "fr", "es"] {
            assert!(
                page.contains(&format!(
                    "<link rel=\"alternate\" hreflang=\"{other}\" href=\"../../{other}/gcm-review/index.html\">"
                )),
                "{lang} → {other}"
            );
        }
        // Headings without tags or reply prefixes; no letter around the text.
        for h in heading.captures_iter(&page) {
            let h = &h[1];
            assert!(
                !h.contains("[Q") && !h.starts_with("RE:") && !h.starts_with("Re:"),
                "{h}"
            );
        }
        for letter in [
            "Dear colleagues,",
            "Best regards,",
            "Cordialement,",
            "Saludos cordiales,",
        ] {
            assert!(!page.contains(letter), "{lang}: {letter}");
        }
    }
    let french = root.join("fr/gcm-review/index.html");
    let out = chromium(&["--dump-dom", &format!("file://{}", french.display())]);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("<html lang=\"fr\">"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The reply (the last contribution) is inside the Montréal contribution's article.
    let reply_at = dom
        .find("Au Sénégal aussi")
        .expect("the reply is published");
    let parent_at = dom
        .find("Élodie Fréchette</strong>")
        .expect("the parent is published");
    let between = &dom[parent_at..reply_at];
    assert!(
        between.contains("<div class=\"replies\">") && !between.contains("</article>"),
        "the reply is nested in its parent's card"
    );
    assert!(
        dom[..reply_at].contains("En réponse à <a href=\"#contribution-2\">Élodie Fréchette</a>"),
        "and says whom it answers"
    );
    // The switcher names the other languages as their speakers do.
    assert!(dom.contains(">English</a>") && dom.contains(">Español</a>"));
    assert!(dom.contains("<strong lang=\"fr\">Français</strong>"));
    // A title without a Spanish translation falls back to English, visibly.
    let spanish = std::fs::read_to_string(root.join("es/gcm-review/index.html")).expect("page");
    assert!(spanish.contains(
        "<span lang=\"en\">Diaspora?</span> <span class=\"fallback\">(sin traducir)</span>"
    ));
}
