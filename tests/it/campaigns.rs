//! Campaigns: 200 near-identical letters in three languages among 2,000 distinct
//! contributions (scripts/gen-campaign.py, which also writes who sent which letter),
//! grouped by `hubmail queue --group`; precision and recall of the grouping measured
//! over pairs of letters; one campaign shown with its senders and approved at once.

use std::collections::{BTreeMap, BTreeSet};

use crate::util::{Workspace, run_script};

/// Pairs of senders put in one group.
fn pairs(groups: &BTreeMap<String, Vec<String>>) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for members in groups.values() {
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                out.insert((a.clone().min(b.clone()), a.clone().max(b.clone())));
            }
        }
    }
    out
}

#[test]
fn a_campaign_of_template_letters_is_grouped_shown_and_approved_at_once() {
    let ws = Workspace::with_fixture_config();
    let maildir = ws.path().join("campaign");
    let truth_file = ws.path().join("truth.json");
    run_script(
        "gen-campaign.py",
        &[
            "--distinct".as_ref(),
            "2000".as_ref(),
            "--letters".as_ref(),
            "200".as_ref(),
            "--out".as_ref(),
            maildir.as_os_str(),
            "--truth".as_ref(),
            truth_file.as_os_str(),
        ],
    );
    ws.cmd().arg("ingest").arg("--maildir").arg(&maildir).ok();

    let truth: BTreeMap<String, Option<String>> =
        serde_json::from_slice(&std::fs::read(&truth_file).expect("truth")).expect("json");
    let queue = ws.json(&["queue", "--json", "--limit", "0"]);
    let address: BTreeMap<u64, String> = queue
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["id"].as_u64().expect("id"),
                r["author"]["address"]
                    .as_str()
                    .expect("address")
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(address.len(), 2200, "every message is pending");

    let groups = ws.json(&["queue", "--group", "--json"]);
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for g in groups.as_array().expect("groups") {
        let members = g["members"].as_array().expect("members");
        assert_eq!(g["senders"].as_u64(), Some(members.len() as u64));
        found.insert(
            g["id"].as_str().expect("id").to_string(),
            members
                .iter()
                .map(|m| address[&m.as_u64().expect("id")].clone())
                .collect(),
        );
    }
    let mut want: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (sender, letter) in &truth {
        if let Some(l) = letter {
            want.entry(l.clone()).or_default().push(sender.clone());
        }
    }
    let (got, expected) = (pairs(&found), pairs(&want));
    let right = got.intersection(&expected).count() as f64;
    let precision = right / got.len().max(1) as f64;
    let recall = right / expected.len().max(1) as f64;
    println!(
        "campaign grouping: {} groups, {} pairs found, {} expected; precision {precision:.3}, \
         recall {recall:.3}",
        found.len(),
        got.len(),
        expected.len()
    );
    assert!(precision >= 0.95, "precision {precision}");
    assert!(recall >= 0.95, "recall {recall}");
    assert_eq!(
        found.len(),
        3,
        "one campaign per language: {:?}",
        found.keys()
    );

    // One campaign, shown whole, then approved at once.
    let (name, members) = found.iter().next().expect("a campaign");
    let shown = ws.json(&["show", "--group", name, "--json"]);
    let listed = shown["members"].as_array().expect("members");
    assert_eq!(listed.len(), members.len());
    assert!(shown["text"].as_str().expect("text").len() > 300);
    assert!(
        listed
            .iter()
            .any(|m| !m["added"].as_array().expect("added").is_empty()),
        "some senders added a sentence of their own, and show says which"
    );
    let text = ws.cmd().args(["show", "--group", name]).ok();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!("letters from {} senders", members.len())),
        "{text}"
    );

    ws.moderate().args(["approve", "--group", name]).ok();
    let approved = ws.json(&["queue", "--state", "approved", "--json", "--limit", "0"]);
    assert_eq!(approved.as_array().expect("rows").len(), members.len());
    let again = ws.moderate().args(["approve", "--group", name]).output();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing pending"));
    // Another rejected at once, every letter of it.
    let (other, letters) = found.iter().nth(1).expect("a second campaign");
    ws.moderate()
        .args(["reject", "--group", other, "--reason-code", "duplicate"])
        .ok();
    let rejected = ws.json(&["queue", "--state", "rejected", "--json", "--limit", "0"]);
    assert_eq!(rejected.as_array().expect("rows").len(), letters.len());
    // Counted once in the figures, flagged in the export.
    let report = ws.path().join("report");
    ws.cmd().args(["report", "--out"]).arg(&report).ok();
    let figures: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report.join("figures.json")).expect("figures"))
            .expect("json");
    let counted = figures["campaigns"].as_array().expect("campaigns");
    assert_eq!(counted.len(), 1, "the approved campaign");
    assert_eq!(counted[0]["id"], name.as_str());
    assert_eq!(
        counted[0]["members"].as_array().expect("members").len(),
        members.len()
    );
    let export = ws.path().join("all.jsonl");
    ws.cmd()
        .args([
            "export", "--format", "json", "--all", "--state", "all", "--out",
        ])
        .arg(&export)
        .ok();
    let flagged = std::fs::read_to_string(&export)
        .expect("export")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .filter(|r| r["campaign"].is_string())
        .count();
    assert_eq!(flagged, 200, "every letter of a campaign is flagged");

    // Published as one card saying who sent it, and one feed entry.
    let site = ws.path().join("site");
    ws.cmd().args(["publish", "--out"]).arg(&site).ok();
    let page = std::fs::read_to_string(site.join("en/gcm-review/index.html")).expect("page");
    let sent_by = format!("Sent by {} contributors", members.len());
    assert_eq!(page.matches(&sent_by).count(), 1, "the campaign once");
    assert_eq!(page.matches("<article class=\"contribution\"").count(), 1);
    let feed = std::fs::read_to_string(site.join("gcm-review/feed.atom")).expect("feed");
    assert_eq!(feed.matches("<entry>").count(), 1);

    let unknown = ws.cmd().args(["show", "--group", "G999999"]).output();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no campaign \"G999999\""));
}
