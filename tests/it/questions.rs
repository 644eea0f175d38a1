//! A moderator promotes a contribution to a new discussion question, or adds one with
//! titles per language: stored (not in the config), numbered after the space's others,
//! routable by number, title and replies to the mail that posed it, assignable,
//! published and audited.

use crate::util::{Workspace, ids};

/// A plain message with this subject and body, and extra headers.
fn message(n: usize, subject: &str, body: &str, headers: &str) -> String {
    format!(
        "From: Contributor {n} <c{n}@example.net>\r\n\
         To: contact@consultation.example.org\r\n\
         Subject: {subject}\r\n\
         Date: Mon, 10 Jan 2022 10:{n:02}:00 +0100\r\n\
         Message-ID: <question-{n}@example.net>\r\n{headers}\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}

/// Ingests these messages in a fresh Maildir; returns the new ids in order.
fn ingest(ws: &Workspace, name: &str, messages: &[String]) -> Vec<u64> {
    let all = || ids(&ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]));
    let before = if ws.data_dir().exists() {
        all()
    } else {
        Vec::new()
    };
    let dir = ws.maildir(name);
    for (i, m) in messages.iter().enumerate() {
        std::fs::write(dir.join("new").join(format!("{i:04}.eml")), m).expect("write");
    }
    ws.ingest_json(&dir);
    let mut new: Vec<u64> = all()
        .into_iter()
        .filter(|id| !before.contains(id))
        .collect();
    new.sort_unstable();
    new
}

fn question_of(ws: &Workspace, id: u64) -> (Option<u64>, String) {
    let s = ws.json(&["show", &id.to_string(), "--json"]);
    (
        s["question"].as_u64(),
        s["routed_by"].as_str().unwrap_or_default().to_string(),
    )
}

const TEXT: &str = "Pension portability matters to every migrant worker we meet in our work.";

#[test]
fn a_promoted_question_is_stored_numbered_routed_published_and_audited() {
    let ws = Workspace::with_fixture_config();
    let posed = ingest(
        &ws,
        "first",
        &[message(
            1,
            "[Q2] Re: How can pensions follow migrant workers across borders?",
            &format!("Dear all,\r\n\r\n{TEXT}\r\n"),
            "",
        )],
    )[0];
    let out = ws
        .moderate()
        .args(["question", "add", "--from", &posed.to_string()])
        .ok();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(
            "added question gcm-review:4: How can pensions follow migrant workers across borders?"
        ),
        "{said}"
    );
    // Stored, not in the config: the config file is as it was.
    let config = std::fs::read_to_string(ws.config_path().expect("config")).expect("read");
    assert!(!config.contains("pensions"));
    let list = ws.json(&["question", "list", "--json"]);
    let added: Vec<&serde_json::Value> = list
        .as_array()
        .expect("questions")
        .iter()
        .filter(|q| q["added_by"] == "amina")
        .collect();
    assert_eq!(added.len(), 1, "{list}");
    assert_eq!(added[0]["number"], 4);
    assert_eq!(added[0]["from"], posed);

    // Routable: by its number, by its title repeated, by a reply to the mail that posed it.
    let routed = ingest(
        &ws,
        "second",
        &[
            message(2, "[Q4] Pensions", &format!("Hello,\r\n\r\n{TEXT}"), ""),
            message(
                3,
                "A contribution",
                &format!(
                    "On \"How can pensions follow migrant workers across borders?\":\r\n\r\n{TEXT}"
                ),
                "",
            ),
            message(
                4,
                "Re: pensions",
                &format!("We agree.\r\n\r\n{TEXT}"),
                "In-Reply-To: <question-1@example.net>\r\n",
            ),
        ],
    );
    for id in &routed {
        let (q, how) = question_of(&ws, *id);
        assert_eq!(q, Some(4), "#{id}: {how}");
    }
    // Assignable, where before it was refused.
    ws.moderate()
        .args(["assign", &posed.to_string(), "-q", "4"])
        .ok();
    assert_eq!(question_of(&ws, posed).0, Some(4));

    // Audited.
    let log = ws.json(&["log", "--json"]);
    let entry = log
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["action"] == "question-add")
        .unwrap_or_else(|| panic!("no question-add in {log}"))
        .clone();
    assert_eq!(entry["actor"], "amina");
    assert_eq!(entry["target"], "gcm-review:4");

    // Published with its title, answers under it.
    ws.moderate().args(["approve", &routed[0].to_string()]).ok();
    let site = ws.path().join("site");
    ws.cmd()
        .args(["publish", "--out", site.to_str().expect("utf-8")])
        .ok();
    let page = std::fs::read_to_string(site.join("gcm-review/index.html")).expect("page");
    assert!(
        page.contains("How can pensions follow migrant workers across borders?"),
        "{page}"
    );
    let data: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(site.join("gcm-review/contributions.json")).expect("json"),
    )
    .expect("json");
    assert!(
        data["questions"]
            .as_array()
            .expect("questions")
            .iter()
            .any(|q| q["number"] == 4),
        "{data}"
    );
}

#[test]
fn a_question_with_titles_per_language_takes_the_next_number_and_bad_requests_say_why() {
    let ws = Workspace::with_fixture_config();
    // The config declares questions 1 to 3: the first added is 4.
    ingest(&ws, "first", &[message(1, "[Q2] Remittances", TEXT, "")]);
    let added = ws.json(&[
        "--moderator",
        "amina",
        "question",
        "add",
        "--en",
        "Which data would help?",
        "--fr",
        "Quelles données nous aideraient le plus ?",
        "--es",
        "¿Qué datos ayudarían?",
        "--json",
    ]);
    assert_eq!(added["number"], 4, "{added}");
    assert_eq!(
        added["title"]["fr"],
        "Quelles données nous aideraient le plus ?"
    );
    let next = ws.json(&[
        "--moderator",
        "amina",
        "question",
        "add",
        "--es",
        "¿Y los retornos?",
        "--json",
    ]);
    assert_eq!(next["number"], 5, "{next}");
    // In French, its French title routes a French contribution.
    let fr = ingest(
        &ws,
        "second",
        &[message(
            2,
            "Contribution",
            "Réponse à « Quelles données nous aideraient le plus ? » :\r\n\r\nLes données manquent partout.",
            "",
        )],
    );
    assert_eq!(question_of(&ws, fr[0]).0, Some(4));
    let refused = ws.moderate().args(["question", "add"]).output();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("a question needs a title"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let unknown = ws
        .moderate()
        .args(["question", "add", "--space", "nowhere", "--en", "X?"])
        .output();
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("no discussion space \"nowhere\""),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
}

#[test]
fn in_a_space_without_declared_questions_the_number_follows_those_cited() {
    let ws = Workspace::new();
    ingest(&ws, "first", &[message(1, "[Q7] Pensions", TEXT, "")]);
    let added = ws.json(&[
        "--moderator",
        "amina",
        "question",
        "add",
        "--en",
        "What about pensions?",
        "--json",
    ]);
    assert_eq!(added["number"], 8, "{added}");
    // The space still accepts any number: a contribution to question 3 is routed there.
    let later = ingest(&ws, "second", &[message(2, "[Q3] Jobs", TEXT, "")]);
    assert_eq!(question_of(&ws, later[0]).0, Some(3));
}
