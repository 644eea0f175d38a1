//! What contributors receive after a decision.
//!
//! The undo window: a decision's notice waits `[notify] decision_delay_minutes` (10 by
//! default) before it is due, and a reopen or a second decision meanwhile cancels it, so
//! the contributor hears of the final outcome once; `outbox cancel` stops one by hand.
//! Silence: a discard, a spam rejection, a banned sender (banned before or after the
//! decision) and released automatic mail are never answered.
//! The clock is pinned (`HUBMAIL_NOW`) so that "eleven minutes later" is exact.

use mail_parser::MessageParser;

use crate::util::{Workspace, repo};

const T0: &str = "2022-02-01T10:00:00Z";
const T5: &str = "2022-02-01T10:05:00Z";
const T11: &str = "2022-02-01T10:11:00Z";

/// The fixture consultation with the default undo window, its mail ingested and the
/// acknowledgements sent, everything at `T0`.
fn consultation() -> Workspace {
    let text = std::fs::read_to_string(repo().join("fixtures/hubmail.toml")).expect("config");
    let text = text.replace("decision_delay_minutes = 0", "");
    let ws = Workspace::with_config_text(&text);
    let maildir = ws.fixture_maildir();
    at(&ws, T0)
        .arg("ingest")
        .arg("--maildir")
        .arg(&maildir)
        .ok();
    send_at(&ws, T0);
    ws
}

fn at(ws: &Workspace, when: &str) -> crate::util::Hubmail {
    ws.moderate().env("HUBMAIL_NOW", when)
}

fn send_at(ws: &Workspace, when: &str) {
    at(ws, when).args(["outbox", "--send"]).ok();
}

/// The kinds of the decision notices written to the sent-mail folder for Sarah Doyel (#1).
fn notices_to_sarah(ws: &Workspace) -> Vec<String> {
    let dir = ws.data_dir().join("sent-mail");
    let mut kinds = Vec::new();
    for e in std::fs::read_dir(dir).expect("sent mail").flatten() {
        let raw = std::fs::read(e.path()).expect("read");
        let m = MessageParser::default().parse(&raw).expect("parses");
        let to = m
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_string();
        let id = m.message_id().unwrap_or_default().to_string();
        if to == "sarah.doyel@iom.example.int" && !id.contains(".ack.") {
            kinds.push(id.split('.').nth(1).expect("kind").to_string());
        }
    }
    kinds.sort();
    kinds
}

fn outbox_for_sarah(ws: &Workspace) -> Vec<serde_json::Value> {
    let all = ws.json(&["outbox", "--all", "--json"]);
    all.as_array()
        .expect("array")
        .iter()
        .filter(|e| e["submission"] == 1 && e["kind"] != "ack")
        .cloned()
        .collect()
}

#[test]
fn a_notice_waits_for_its_window_then_goes_once() {
    let ws = consultation();
    at(&ws, T0).args(["approve", "1"]).ok();
    send_at(&ws, T5);
    assert!(notices_to_sarah(&ws).is_empty(), "not within the window");
    let listed = String::from_utf8_lossy(&at(&ws, T5).arg("outbox").ok().stdout).into_owned();
    assert!(listed.contains("due 2022-02-01 10:10 UTC"), "{listed}");
    send_at(&ws, T11);
    assert_eq!(notices_to_sarah(&ws), ["approved"]);
    send_at(&ws, T11);
    assert_eq!(notices_to_sarah(&ws), ["approved"], "once");
}

#[test]
fn approve_then_reopen_within_the_window_sends_nothing() {
    let ws = consultation();
    at(&ws, T0).args(["approve", "1"]).ok();
    at(&ws, T0)
        .args(["reopen", "1", "--reason", "approved by mistake"])
        .ok();
    send_at(&ws, T11);
    assert!(notices_to_sarah(&ws).is_empty());
    let entries = outbox_for_sarah(&ws);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["status"], "cancelled");
    let why = entries[0]["cancelled"].as_str().expect("why");
    assert!(
        why.contains("superseded before it was sent: reopen by amina"),
        "{why}"
    );
}

#[test]
fn approve_reopen_reject_sends_only_the_rejection() {
    let ws = consultation();
    at(&ws, T0).args(["approve", "1"]).ok();
    at(&ws, T0)
        .args(["reopen", "1", "--reason", "mistake"])
        .ok();
    at(&ws, T0)
        .args(["reject", "1", "--reason-code", "off-topic"])
        .ok();
    send_at(&ws, T11);
    assert_eq!(notices_to_sarah(&ws), ["rejected"]);
}

#[test]
fn approve_reopen_approve_sends_one_approval() {
    let ws = consultation();
    at(&ws, T0).args(["approve", "1"]).ok();
    at(&ws, T0)
        .args(["reopen", "1", "--reason", "mistake"])
        .ok();
    at(&ws, T0).args(["approve", "1"]).ok();
    send_at(&ws, T11);
    assert_eq!(notices_to_sarah(&ws), ["approved"]);
}

/// After the window, what Sarah was told stands: reopening and approving again sends
/// nothing more.
#[test]
fn after_the_window_deciding_the_same_again_sends_nothing() {
    let ws = consultation();
    at(&ws, T0).args(["approve", "1"]).ok();
    send_at(&ws, T11);
    assert_eq!(notices_to_sarah(&ws), ["approved"]);
    let later = "2022-02-02T09:00:00Z";
    at(&ws, later)
        .args(["reopen", "1", "--reason", "check the affiliation"])
        .ok();
    at(&ws, later).args(["approve", "1"]).ok();
    send_at(&ws, "2022-02-02T10:00:00Z");
    assert_eq!(notices_to_sarah(&ws), ["approved"], "told once");
    assert_eq!(outbox_for_sarah(&ws).len(), 1, "nothing else queued");
}

/// After the window, a reversal is one notice that says which message it replaces (by
/// its date), each time the outcome is reversed; never a bare second verdict.
#[test]
fn reversing_a_decision_already_sent_says_which_message_it_replaces() {
    let ws = consultation();
    at(&ws, T0).args(["approve", "1"]).ok();
    send_at(&ws, T11);
    let day3 = "2022-02-03T09:00:00Z";
    at(&ws, day3)
        .args(["reopen", "1", "--reason", "not an answer to the question"])
        .ok();
    at(&ws, day3)
        .args(["reject", "1", "--reason-code", "off-topic"])
        .ok();
    send_at(&ws, "2022-02-03T09:11:00Z");
    assert_eq!(notices_to_sarah(&ws), ["approved", "rejected"]);
    let rejection = words(&body_to_sarah(&ws, "rejected"));
    assert!(
        rejection.contains(
            "This message replaces our message of 1 February 2022 about this contribution: \
             the moderators have reconsidered their decision."
        ),
        "{rejection}"
    );
    let first = words(&body_to_sarah(&ws, "approved"));
    assert!(!first.contains("replaces"), "{first}");

    let day5 = "2022-02-05T09:00:00Z";
    at(&ws, day5)
        .args(["reopen", "1", "--reason", "it does answer question 1"])
        .ok();
    at(&ws, day5).args(["approve", "1"]).ok();
    send_at(&ws, "2022-02-05T09:11:00Z");
    assert_eq!(notices_to_sarah(&ws), ["approved", "approved", "rejected"]);
    let entries = outbox_for_sarah(&ws);
    let last = entries.last().expect("the second approval");
    assert_eq!(last["status"], "sent");
    assert_eq!(last["corrects"], "2022-02-03T09:11:00Z", "{last}");
}

/// The text of the one decision notice of `kind` sent to Sarah Doyel (the first one sent,
/// when there are several).
fn body_to_sarah(ws: &Workspace, kind: &str) -> String {
    let dir = ws.data_dir().join("sent-mail");
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).expect("sent mail").flatten() {
        let raw = std::fs::read(e.path()).expect("read");
        let m = MessageParser::default().parse(&raw).expect("parses");
        let id = m.message_id().unwrap_or_default().to_string();
        if id.starts_with(&format!("hubmail.{kind}.1.")) {
            let local = id.split('@').next().unwrap_or_default();
            let seq: u64 = local
                .rsplit('.')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("seq");
            found.push((seq, m.body_text(0).expect("text").replace("\r\n", "\n")));
        }
    }
    found.sort();
    found.into_iter().next().expect("a notice of that kind").1
}

#[test]
fn a_moderator_cancels_a_waiting_notice_by_hand_and_it_is_audited() {
    let ws = consultation();
    at(&ws, T0).args(["approve", "1"]).ok();
    let seq = outbox_for_sarah(&ws)[0]["seq"]
        .as_u64()
        .expect("seq")
        .to_string();
    let out = at(&ws, T0)
        .args([
            "outbox",
            "cancel",
            &seq,
            "--reason",
            "the author asked for no mail",
        ])
        .ok();
    assert!(String::from_utf8_lossy(&out.stdout).contains("cancelled outbox message"));
    send_at(&ws, T11);
    assert!(notices_to_sarah(&ws).is_empty());
    let again = at(&ws, T11).args(["outbox", "cancel", &seq]).output();
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr)
            .contains("is cancelled: only a message still waiting"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let log = ws.json(&["log", "1", "--json"]);
    let cancel = log
        .as_array()
        .expect("array")
        .iter()
        .find(|e| e["action"] == "outbox-cancel")
        .expect("audited");
    assert_eq!(cancel["actor"], "amina");
    assert_eq!(cancel["reason"], "the author asked for no mail");
    assert_eq!(cancel["target"], format!("outbox #{seq}"));
}

/// Sarah Doyel's submission (#1) as `show --json` gives it.
fn sarah(ws: &Workspace) -> serde_json::Value {
    ws.json(&["show", "1", "--json"])
}

fn flags(s: &serde_json::Value) -> Vec<String> {
    s["flag_reasons"]
        .as_array()
        .expect("flags")
        .iter()
        .map(|f| {
            format!(
                "{}: {}",
                f["name"].as_str().expect("name"),
                f["why"].as_str().expect("why")
            )
        })
        .collect()
}

#[test]
fn a_discarded_submission_gets_no_notice_at_all() {
    let ws = consultation();
    let out = at(&ws, T0).args(["reject", "1", "--discard"]).ok();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("discarded: no notice"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    send_at(&ws, T11);
    assert!(notices_to_sarah(&ws).is_empty());
    assert!(outbox_for_sarah(&ws).is_empty(), "nothing was even queued");
    let s = sarah(&ws);
    assert_eq!(s["state"], "rejected");
    assert!(
        flags(&s)
            .iter()
            .any(|f| f.starts_with("no-reply: discarded")),
        "{:?}",
        flags(&s)
    );
}

#[test]
fn a_spam_rejection_is_silent_and_undoing_it_lifts_the_silence() {
    let ws = consultation();
    at(&ws, T0)
        .args(["reject", "1", "--reason-code", "spam"])
        .ok();
    send_at(&ws, T11);
    assert!(
        notices_to_sarah(&ws).is_empty(),
        "the spammer hears nothing"
    );
    // A moderator's mistake undone: the contributor hears of the real outcome.
    at(&ws, T11)
        .args(["reopen", "1", "--reason", "not spam after all"])
        .ok();
    assert!(
        !flags(&sarah(&ws)).iter().any(|f| f.starts_with("no-reply")),
        "{:?}",
        flags(&sarah(&ws))
    );
    at(&ws, T11).args(["approve", "1"]).ok();
    send_at(&ws, "2022-02-01T10:30:00Z");
    assert_eq!(notices_to_sarah(&ws), ["approved"]);
}

#[test]
fn a_sender_banned_after_their_mail_arrived_is_not_answered() {
    let ws = consultation();
    at(&ws, T0)
        .args([
            "sender",
            "ban",
            "sarah.doyel@iom.example.int",
            "--reason",
            "abuse",
        ])
        .ok();
    at(&ws, T0)
        .args(["reject", "1", "--reason-code", "off-topic"])
        .ok();
    send_at(&ws, T11);
    assert!(notices_to_sarah(&ws).is_empty());
    assert!(outbox_for_sarah(&ws).is_empty(), "nothing was queued");
}

#[test]
fn a_ban_inside_the_window_stops_the_queued_notice() {
    let ws = consultation();
    at(&ws, T0).args(["approve", "1"]).ok();
    at(&ws, T5)
        .args(["sender", "ban", "@iom.example.int", "--reason", "abuse"])
        .ok();
    let out = at(&ws, T11).args(["outbox", "--send"]).ok();
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.contains("1 cancelled"), "{said}");
    assert!(notices_to_sarah(&ws).is_empty());
    let entries = outbox_for_sarah(&ws);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["status"], "cancelled");
    let why = entries[0]["cancelled"].as_str().expect("why");
    assert!(
        why.contains("the sender is banned (rule @iom.example.int)"),
        "{why}"
    );
}

/// A French out-of-office that only an `X-Autoreply` header gives away: ignored on
/// arrival, released by a moderator who took it for a contribution, then decided.
#[test]
fn released_automatic_mail_is_never_answered_whatever_the_decision() {
    let ws = consultation();
    let maildir = ws.maildir("contact");
    std::fs::write(
        maildir.join("new").join("ooo-fr.eml"),
        "From: Claire Martin <claire.martin@ville.example.fr>\r\n\
         To: contact@consultation.example.org\r\n\
         Subject: Absence du bureau\r\n\
         Date: Tue, 01 Feb 2022 09:00:00 +0000\r\n\
         Message-ID: <ooo-fr-1@ville.example.fr>\r\n\
         X-Autoreply: yes\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Je suis absente du bureau jusqu'au 14 février et je lirai votre message \
         à mon retour. Pour toute urgence, veuillez contacter le secrétariat.\r\n",
    )
    .expect("write");
    at(&ws, T0)
        .arg("ingest")
        .arg("--maildir")
        .arg(&maildir)
        .ok();
    let ignored = ws.json(&["queue", "--state", "ignored", "--json"]);
    let id = ignored
        .as_array()
        .expect("array")
        .iter()
        .find(|s| s["author"]["address"] == "claire.martin@ville.example.fr")
        .expect("ignored on arrival")["id"]
        .as_u64()
        .expect("id")
        .to_string();
    at(&ws, T0).args(["release", &id]).ok();
    at(&ws, T0).args(["approve", &id]).ok();
    at(&ws, T0)
        .args(["reopen", &id, "--reason", "it is an out-of-office"])
        .ok();
    at(&ws, T0)
        .args(["reject", &id, "--reason-code", "off-topic"])
        .ok();
    send_at(&ws, T11);
    let all = ws.json(&["outbox", "--all", "--json"]);
    let to_claire: Vec<_> = all
        .as_array()
        .expect("array")
        .iter()
        .filter(|e| e["to"][0] == "claire.martin@ville.example.fr")
        .collect();
    assert!(to_claire.is_empty(), "{to_claire:?}");
    let s = ws.json(&["show", &id, "--json"]);
    assert!(
        flags(&s)
            .iter()
            .any(|f| f.starts_with("no-reply: released from ignored")),
        "{:?}",
        flags(&s)
    );
}

/// The fixture consultation as a trilingual space would configure it: its title in each
/// language, a Spanish signature of its own, and the site's address for links.
fn trilingual() -> Workspace {
    let text = std::fs::read_to_string(repo().join("fixtures/hubmail.toml")).expect("config");
    let text = text
        .replace(
            "title = \"Regional Review of the Global Compact for Migration\"",
            "title.en = \"Regional Review of the Global Compact for Migration\"\n\
             title.fr = \"Examen régional du Pacte mondial sur les migrations\"\n\
             title.es = \"Examen regional del Pacto Mundial sobre Migración\"\n\
             signature.es = \"Secretaría del Examen Regional\\nRed de las Naciones Unidas sobre la Migración\"",
        )
        .replace(
            "decision_delay_minutes = 0",
            "decision_delay_minutes = 0\nbase_url = \"https://consultation.example.org/gcm-review/\"",
        );
    let ws = Workspace::with_config_text(&text);
    let maildir = ws.fixture_maildir();
    at(&ws, T0)
        .arg("ingest")
        .arg("--maildir")
        .arg(&maildir)
        .ok();
    ws
}

fn preview(ws: &Workspace, args: &[&str]) -> String {
    let out = at(ws, T5).args(["notify", "preview"]).args(args).ok();
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Each kind of message in each language, rendered from the fixture consultation, is the
/// reviewed text in `tests/golden/notices/` (`HUBMAIL_UPDATE_GOLDEN=1` rewrites them for
/// review). English for Sarah Doyel (#1), French for Élodie Fréchette (#2), Spanish for
/// Juan Pérez Morales (#3), each rejected as off-topic for the rejection.
#[test]
fn every_notice_reads_as_its_golden_rendering_in_each_language() {
    let ws = trilingual();
    for id in ["1", "2", "3"] {
        at(&ws, T0)
            .args(["reject", id, "--reason-code", "off-topic"])
            .ok();
    }
    let mut got = Vec::new();
    for (lang, id) in [("en", "1"), ("fr", "2"), ("es", "3")] {
        for kind in ["ack", "approved", "rejected"] {
            got.push((
                format!("{kind}.{lang}.txt"),
                preview(&ws, &[kind, "--id", id]),
            ));
        }
        got.push((
            format!("digest.{lang}.txt"),
            preview(&ws, &["digest", "--lang", lang]),
        ));
    }
    let golden = repo().join("tests/golden/notices");
    if std::env::var_os("HUBMAIL_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(&golden).expect("mkdir");
        for (name, text) in &got {
            std::fs::write(golden.join(name), text).expect("write golden");
        }
        panic!(
            "HUBMAIL_UPDATE_GOLDEN: rewrote tests/golden/notices; review 'git diff tests/golden' \
             and run again without it"
        );
    }
    for (name, text) in &got {
        let want = std::fs::read_to_string(golden.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e} (HUBMAIL_UPDATE_GOLDEN=1 writes it)"));
        assert_eq!(
            text, &want,
            "{name} differs from tests/golden/notices/{name}"
        );
    }
}

/// What the notice is in, and who it greets, follows the record as it is when it is
/// sent: a moderator's correction of the language or the name counts.
#[test]
fn a_notice_follows_the_language_and_name_a_moderator_corrected() {
    let ws = trilingual();
    // #1 is Sarah Doyel's, in English; the moderator says it is French and that she
    // signs "Dr Sarah Doyel".
    let doc = ws.path().join("edit-1.txt");
    let fields = "Author: Dr Sarah Doyel\nAffiliation: IOM\nSubject: Priorités\nQuestion: 1\n\
                  Language: fr\n\nLe texte.\n";
    std::fs::write(&doc, fields).expect("write");
    at(&ws, T0)
        .arg("edit")
        .arg("1")
        .arg("--from")
        .arg(&doc)
        .ok();
    assert_eq!(ws.json(&["show", "1", "--json"])["lang"], "fr");
    at(&ws, T0).args(["approve", "1"]).ok();
    send_at(&ws, T5);
    let mail = sent_to(&ws, "sarah.doyel@iom.example.int", ".approved.");
    let m = MessageParser::default().parse(&mail).expect("parses");
    assert_eq!(
        m.header("Content-Language").and_then(|h| h.as_text()),
        Some("fr")
    );
    let body = m.body_text(0).expect("text").replace("\r\n", "\n");
    assert!(body.starts_with("Bonjour Dr Sarah Doyel,"), "{body}");
    assert!(
        words(&body).contains("« Examen régional du Pacte mondial sur les migrations »"),
        "the space's French title: {body}"
    );
    assert!(body.contains("L'équipe de modération\n"), "{body}");
    assert_eq!(m.subject(), Some("Contribution publiée\u{a0}: Priorités"));
}

/// A Spanish notice is signed with the space's own Spanish signature; without a name
/// worth greeting (only an address), the greeting is the neutral one, never the address's
/// local part.
#[test]
fn the_configured_signature_and_a_neutral_greeting_for_an_address_alone() {
    let ws = trilingual();
    let maildir = ws.maildir("contact");
    std::fs::write(
        maildir.join("new").join("madrid.eml"),
        "From: ana.lopez@madrid.example.es\r\n\
         To: contact@consultation.example.org\r\n\
         Subject: Pregunta 2: remesas\r\n\
         Date: Tue, 01 Feb 2022 09:00:00 +0000\r\n\
         Message-ID: <madrid-1@madrid.example.es>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         En respuesta a la pregunta 2, el Ayuntamiento de Madrid ha reducido el coste de \
         las remesas gracias a acuerdos con entidades financieras locales y a programas \
         de educación financiera para las familias migrantes.\r\n",
    )
    .expect("write");
    at(&ws, T0)
        .arg("ingest")
        .arg("--maildir")
        .arg(&maildir)
        .ok();
    send_at(&ws, T5);
    let mail = sent_to(&ws, "ana.lopez@madrid.example.es", ".ack.");
    let m = MessageParser::default().parse(&mail).expect("parses");
    assert_eq!(
        m.header("Content-Language").and_then(|h| h.as_text()),
        Some("es")
    );
    let body = m.body_text(0).expect("text").replace("\r\n", "\n");
    assert!(body.starts_with("Estimado/a participante:"), "{body}");
    assert!(!body.contains("ana.lopez"), "{body}");
    assert!(
        body.trim_end().ends_with(
            "Secretaría del Examen Regional\nRed de las Naciones Unidas sobre la Migración"
        ),
        "{body}"
    );
    assert!(
        words(&body).contains("«Examen regional del Pacto Mundial sobre Migración»"),
        "{body}"
    );
}

/// A text's words joined by single spaces (lines wrap wherever the values fall; no-break
/// spaces count as spaces).
fn words(text: &str) -> String {
    text.replace('\u{a0}', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The raw message sent to `to` whose Message-ID contains `kind` (".ack.", ".approved.").
fn sent_to(ws: &Workspace, to: &str, kind: &str) -> Vec<u8> {
    let dir = ws.data_dir().join("sent-mail");
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).expect("sent mail").flatten() {
        let raw = std::fs::read(e.path()).expect("read");
        let m = MessageParser::default().parse(&raw).expect("parses");
        let addressed = m
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .is_some_and(|a| a == to);
        if addressed && m.message_id().is_some_and(|id| id.contains(kind)) {
            found.push(raw);
        }
    }
    assert_eq!(found.len(), 1, "one {kind} message to {to}");
    found.remove(0)
}

/// A consultation's own templates (`[notify] templates_dir`) are what goes out; a
/// template that uses a variable its kind lacks, or an override missing a language, stops
/// `outbox --send` before anything is sent, naming the file.
#[test]
fn a_consultation_s_own_templates_are_sent_and_a_bad_one_stops_the_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (lang, subject) in [("en", "Received"), ("fr", "Reçu"), ("es", "Recibido")] {
        std::fs::write(
            dir.path().join(format!("ack.{lang}.txt")),
            format!(
                "Subject: {subject} #{{{{ id }}}}\n\n{{{{ greeting }}}}\n\n{{{{ signature }}}}\n"
            ),
        )
        .expect("write");
    }
    let text = std::fs::read_to_string(repo().join("fixtures/hubmail.toml")).expect("config");
    let text = text.replace(
        "decision_delay_minutes = 0",
        &format!(
            "decision_delay_minutes = 0\ntemplates_dir = {:?}",
            dir.path().display().to_string()
        ),
    );
    let ws = Workspace::with_config_text(&text);
    let maildir = ws.fixture_maildir();
    at(&ws, T0)
        .arg("ingest")
        .arg("--maildir")
        .arg(&maildir)
        .ok();
    // Ingest queues; a broken template now must stop the sending, not one message.
    std::fs::write(
        dir.path().join("ack.es.txt"),
        "Subject: Recibido {{ autor }}\n\n{{ greeting }}\n",
    )
    .expect("write");
    let out = at(&ws, T0).args(["outbox", "--send"]).output();
    assert!(!out.status.success(), "a bad template stops the start");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ack.es.txt") && err.contains("uses autor"),
        "{err}"
    );
    let sent = ws.data_dir().join("sent-mail");
    assert!(
        crate::util::files_in(&sent).is_empty(),
        "nothing was sent: {:?}",
        crate::util::files_in(&sent)
    );

    std::fs::remove_file(dir.path().join("ack.es.txt")).expect("remove");
    let out = at(&ws, T0).args(["outbox", "--send"]).output();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("add ack.es.txt"),
        "{err}"
    );

    std::fs::write(
        dir.path().join("ack.es.txt"),
        "Subject: Recibido #{{ id }}\n\n{{ greeting }}\n\n{{ signature }}\n",
    )
    .expect("write");
    send_at(&ws, T0);
    let fr = MessageParser::default()
        .parse(&sent_to(
            &ws,
            "elodie.frechette@montreal.example.ca",
            ".ack.",
        ))
        .map(|m| m.subject().unwrap_or_default().to_string())
        .expect("parses");
    assert_eq!(fr, "Reçu #2");
}
