//! Stakeholder types through the binary: inferred at ingestion with the rule that decided
//! it, a consultation's own rule first; filtered in `queue`, `search` and `stats`; set by
//! a moderator (`set-type`, `edit`) and audited; followed by a corrected affiliation when
//! a rule decided it, kept when a moderator did; and published on the page, in the JSON
//! export and in the feed.

use crate::util::{Workspace, ids};

/// A consultation whose own rule types the GFMD Mayors Mechanism as civil society.
const CONFIG: &str = r#"
[moderation]
moderators = ["amina"]

[publish]
after_decision = false

[[stakeholders.rule]]
type = "civil-society"
affiliation = ["Mayors Mechanism"]

[[space]]
id = "gcm"
title = "Migration consultation"
lang = "en"
"#;

/// A message from `from` with this signature.
fn message(n: usize, from: &str, signature: &str) -> String {
    format!(
        "From: {from}\r\n\
         To: contact@consultation.example.org\r\n\
         Subject: [Q1] Priorities {n}\r\n\
         Date: Mon, 10 Jan 2022 09:{n:02}:00 +0100\r\n\
         Message-ID: <stakeholder-{n}@example.net>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Dear moderators,\r\n\r\n\
         We think remittance costs remain too high for families and should be lowered.\r\n\r\n\
         Best regards,\r\n{signature}\r\n"
    )
}

/// The five senders, ingested: ids 1 to 5 in this order.
fn ingested() -> Workspace {
    let ws = Workspace::with_config_text(CONFIG);
    let dir = ws.maildir("mail");
    let messages = [
        message(
            1,
            "Claire Martin <c.martin@interieur.gouv.fr>",
            "Claire Martin",
        ),
        message(
            2,
            "Jane Smith <jane.smith@bristol.gov.uk>",
            "Jane Smith\r\nHead of Migration and Inclusion\r\nBristol City Council",
        ),
        message(3, "Pat Doe <patdoe1970@gmail.com>", "Pat Doe"),
        message(
            4,
            "Li Wei (GFMD Mayors Mechanism) <li.wei@example.net>",
            "Li Wei\r\nGFMD Mayors Mechanism",
        ),
        message(5, "Sam Roe <sam@example.com>", "Sam Roe"),
    ];
    for (i, m) in messages.iter().enumerate() {
        std::fs::write(dir.join("new").join(format!("{i}.eml")), m).expect("write");
    }
    ws.ingest_json(&dir);
    ws
}

fn author(ws: &Workspace, id: u64) -> serde_json::Value {
    ws.json(&["show", &id.to_string(), "--json"])["author"].clone()
}

#[test]
fn each_sender_gets_a_type_and_the_rule_that_decided_it() {
    let ws = ingested();
    let want = [
        (
            1,
            Some("member-state"),
            "domain interieur.gouv.fr matches \"*.gouv.*\"",
        ),
        (
            2,
            Some("local-government"),
            "has \"City Council\" (default rules)",
        ),
        (
            3,
            Some("individual"),
            "a personal address (gmail.com) and no affiliation",
        ),
        (
            4,
            Some("civil-society"),
            "has \"Mayors Mechanism\" (config)",
        ),
        (5, None, ""),
    ];
    for (id, kind, by) in want {
        let a = author(&ws, id);
        assert_eq!(a["stakeholder"].as_str(), kind, "#{id}: {a}");
        assert!(
            a["stakeholder_by"]
                .as_str()
                .unwrap_or_default()
                .contains(by),
            "#{id}: {a}"
        );
    }
    let shown = ws.cmd().args(["show", "2"]).ok();
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("Type:      local-government (affiliation \"Bristol City Council\""),
        "{text}"
    );
    let unknown = String::from_utf8_lossy(&ws.cmd().args(["show", "5"]).ok().stdout).to_string();
    assert!(
        unknown.contains("Type:      unknown ('hubmail set-type ID TYPE')"),
        "{unknown}"
    );
}

#[test]
fn queue_search_and_stats_filter_by_type() {
    let ws = ingested();
    assert_eq!(
        ids(&ws.json(&["queue", "--type", "member-state", "--json"])),
        vec![1]
    );
    assert_eq!(
        ids(&ws.json(&["queue", "--type", "unknown", "--json"])),
        vec![5]
    );
    let found = ws.json(&[
        "search",
        "--all",
        "type:local-government OR type:individual",
        "--json",
    ]);
    let mut got = ids(&found);
    got.sort_unstable();
    assert_eq!(got, vec![2, 3], "{found}");
    let faceted = ws.json(&["search", "--all", "remittance", "--facets", "--json"]);
    assert_eq!(faceted["facets"]["type"]["unknown"], 1, "{faceted}");
    assert_eq!(faceted["facets"]["type"]["civil-society"], 1, "{faceted}");
    let all = ws.json(&["stats", "--json"]);
    assert_eq!(all["by_type"]["member-state"], 1, "{all}");
    assert_eq!(all["by_type"]["unknown"], 1, "{all}");
    let individuals = ws.json(&["stats", "--type", "individual", "--json"]);
    assert_eq!(individuals["total"], 1, "{individuals}");
    let bad = ws.cmd().args(["queue", "--type", "charity"]).output();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("\"charity\" is not a stakeholder type"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn a_moderator_sets_a_type_audited_and_no_rule_changes_it_afterwards() {
    let ws = ingested();
    let out = ws.moderate().args(["set-type", "3", "5", "academia"]).ok();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("submission 5's type is now academia (was unknown)"),
        "{said}"
    );
    for id in [3, 5] {
        let a = author(&ws, id);
        assert_eq!(a["stakeholder"], "academia", "{a}");
        assert_eq!(a["stakeholder_by"], "set by amina", "{a}");
    }
    let log = ws.json(&["log", "--json"]);
    let entries = log.as_array().expect("entries");
    let set: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| e["action"] == "set-type")
        .collect();
    assert_eq!(set.len(), 2, "{log}");
    assert!(
        set.iter().any(|e| e["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("type academia, was individual (a personal address")),
        "{log}"
    );
    // An edit of the affiliation keeps a moderator's type…
    let doc = "Author: Pat Doe\nAffiliation: Ministry of Labour\nSubject: S\nQuestion: none\nLanguage: en\n\nText.\n";
    let file = ws.path().join("doc.txt");
    std::fs::write(&file, doc).expect("write");
    ws.moderate()
        .args(["edit", "3", "--from", file.to_str().expect("utf-8")])
        .ok();
    assert_eq!(author(&ws, 3)["stakeholder"], "academia");
    // …and a rule's type follows it.
    ws.moderate()
        .args(["edit", "1", "--from", file.to_str().expect("utf-8")])
        .ok();
    let a = author(&ws, 1);
    assert_eq!(a["stakeholder"], "member-state");
    assert!(
        a["stakeholder_by"]
            .as_str()
            .unwrap_or_default()
            .contains("\"Ministry of Labour\" has \"Ministry\""),
        "{a}"
    );
    let to_city = doc.replace("Ministry of Labour", "Ville de Lyon");
    std::fs::write(&file, &to_city).expect("write");
    ws.moderate()
        .args(["edit", "1", "--from", file.to_str().expect("utf-8")])
        .ok();
    assert_eq!(author(&ws, 1)["stakeholder"], "local-government");
    // The edit document's Type: sets it as the moderator's.
    let typed = to_city.replace("Language: en", "Language: en\nType: ngo");
    std::fs::write(&file, &typed).expect("write");
    ws.moderate()
        .args(["edit", "1", "--from", file.to_str().expect("utf-8")])
        .ok();
    let a = author(&ws, 1);
    assert_eq!(a["stakeholder"], "civil-society", "{a}");
    assert_eq!(a["stakeholder_by"], "set by amina", "{a}");
    let again = ws
        .moderate()
        .args(["set-type", "1", "civil-society"])
        .output();
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already civil-society"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[test]
fn the_type_is_published_on_the_page_in_the_export_and_in_the_feed() {
    let ws = ingested();
    ws.moderate().args(["approve", "1", "2", "5"]).ok();
    let out = ws.path().join("site");
    ws.cmd()
        .args(["publish", "--out", out.to_str().expect("utf-8")])
        .ok();
    let read = |name: &str| {
        let path = walk(&out)
            .into_iter()
            .find(|p| p.ends_with(name))
            .unwrap_or_else(|| panic!("{name} was not published"));
        std::fs::read_to_string(path).expect("read")
    };
    let page = read("gcm/index.html");
    assert!(
        page.contains(r#"<span class="stakeholder" data-type="local-government">Local or regional government</span>"#),
        "{page}"
    );
    assert!(page.contains(r#"data-type="member-state">Member State</span>"#));
    let json: serde_json::Value =
        serde_json::from_str(&read("gcm/contributions.json")).expect("json");
    let types: Vec<&str> = json["contributions"]
        .as_array()
        .expect("contributions")
        .iter()
        .map(|c| c["author"]["type"].as_str().unwrap_or("unknown"))
        .collect();
    assert_eq!(types.len(), 3);
    for kind in ["member-state", "local-government", "unknown"] {
        assert!(types.contains(&kind), "{types:?}");
    }
    let feed = read("gcm/feed.atom");
    assert!(
        feed.contains(r#"term="local-government""#)
            && feed.contains("urn:hubmail:stakeholder-type"),
        "{feed}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn a_rule_added_later_is_applied_with_infer_and_a_moderator_s_type_stays() {
    let ws = ingested();
    ws.moderate().args(["set-type", "1", "academia"]).ok();
    let config = ws.config_path().expect("config").to_path_buf();
    let with_rule = CONFIG.replace(
        "[[space]]",
        "[[stakeholders.rule]]\ntype = \"private-sector\"\ndomains = [\"example.com\", \"interieur.gouv.fr\"]\n\n[[space]]",
    );
    std::fs::write(&config, with_rule).expect("write config");
    let dry = ws
        .moderate()
        .args(["set-type", "--infer", "--dry-run"])
        .ok();
    assert!(
        String::from_utf8_lossy(&dry.stdout)
            .contains("would have submission 5's type is now private-sector"),
        "{}",
        String::from_utf8_lossy(&dry.stdout)
    );
    assert_eq!(author(&ws, 5)["stakeholder"], serde_json::Value::Null);
    let out = ws.moderate().args(["set-type", "--infer"]).ok();
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(said.lines().count(), 1, "only #5 changes: {said}");
    let a = author(&ws, 5);
    assert_eq!(a["stakeholder"], "private-sector", "{a}");
    assert!(
        a["stakeholder_by"]
            .as_str()
            .unwrap_or_default()
            .ends_with("matches \"example.com\" (config)"),
        "{a}"
    );
    assert_eq!(
        author(&ws, 1)["stakeholder"],
        "academia",
        "the moderator's stays"
    );
    let refused = ws.moderate().args(["set-type", "--infer", "1"]).output();
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("was set by amina"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let again = ws.moderate().args(["set-type", "--infer"]).ok();
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("every type is what the rules say"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
}
