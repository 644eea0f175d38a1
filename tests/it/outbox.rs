//! Mail out through the file transport (the embedded default): acknowledgements in the
//! contributor's language, decisions, loop safety, rate limiting, well-formed messages.

use mail_parser::MessageParser;

use crate::util::{Workspace, fixture_mail};

/// The sent messages, parsed, in the order they were written.
fn sent(ws: &Workspace) -> Vec<Vec<u8>> {
    let dir = ws.data_dir().join("sent-mail");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .collect()
}

fn header(raw: &[u8], name: &str) -> String {
    let m = MessageParser::default()
        .parse(raw)
        .expect("a well-formed message");
    m.header_raw(name).unwrap_or_default().trim().to_string()
}

fn to(raw: &[u8]) -> String {
    let m = MessageParser::default().parse(raw).expect("parses");
    m.to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn acknowledgements_in_the_contributors_language_and_never_to_machines() {
    let ws = Workspace::with_fixture_config();
    ws.ingest_fixtures();
    let queued = ws.json(&["outbox", "--json"]);
    let to_list: Vec<String> = queued
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["to"][0].as_str().expect("to").to_string())
        .collect();
    assert!(to_list.contains(&"sarah.doyel@iom.example.int".to_string()));
    for machine in [
        "john.smith@ministry.example.gov",
        "mailer-daemon@mx.consultation.example.org",
        "offers@bank.example",
        "gcm-list-admin@example.org",
    ] {
        assert!(
            !to_list.iter().any(|t| t == machine),
            "no acknowledgement to {machine}: {to_list:?}"
        );
    }
    // One acknowledgement per sender per day: Grace sent two contributions.
    assert_eq!(
        to_list
            .iter()
            .filter(|t| *t == "grace.mwangi@example.org")
            .count(),
        1
    );

    ws.cmd().args(["outbox", "--send"]).ok();
    let mails = sent(&ws);
    assert_eq!(mails.len(), to_list.len());
    let french = mails
        .iter()
        .find(|m| to(m) == "elodie.frechette@montreal.example.ca")
        .expect("sent");
    let parsed = MessageParser::default().parse(french).expect("parses");
    assert!(
        parsed
            .subject()
            .expect("subject")
            .starts_with("Accusé de réception\u{a0}: Réponse à la question 2"),
        "{:?}",
        parsed.subject()
    );
    let body = parsed.body_text(0).expect("text");
    assert!(
        body.contains("Elle a été rattachée à la question 2"),
        "{body}"
    );
    assert_eq!(header(french, "Auto-Submitted"), "auto-replied");
    assert_eq!(header(french, "Content-Language"), "fr");
    assert_eq!(
        header(french, "In-Reply-To"),
        "<a1b2c3d4.5678@montreal.example.ca>"
    );
    assert!(header(french, "Message-ID").starts_with("<hubmail.ack.2."));
    let spanish = mails
        .iter()
        .find(|m| to(m) == "jperez@sre.example.mx")
        .expect("sent");
    assert!(
        MessageParser::default()
            .parse(spanish)
            .expect("parses")
            .subject()
            .expect("s")
            .starts_with("Acuse de recibo:")
    );
    // Portuguese is not a consultation language: English.
    let pt = mails
        .iter()
        .find(|m| to(m) == "ana.souza@prefeitura.example.br")
        .expect("sent");
    assert_eq!(header(pt, "Content-Language"), "en");

    // Nothing is sent twice.
    ws.cmd().args(["outbox", "--send"]).ok();
    assert_eq!(sent(&ws).len(), mails.len());
}

#[test]
fn decisions_are_sent_once_with_the_reason_in_the_contributors_language() {
    let ws = Workspace::with_fixture_config();
    ws.ingest_fixtures();
    ws.cmd().args(["outbox", "--send"]).ok();
    let before = sent(&ws).len();
    ws.moderate().args(["approve", "1"]).ok();
    ws.moderate()
        .args(["reject", "3", "--reason-code", "incomplete"])
        .ok();
    ws.moderate().args(["release", "8"]).ok(); // the out-of-office
    ws.moderate()
        .args(["reject", "8", "--reason", "auto-reply"])
        .ok();
    ws.cmd().args(["outbox", "--send"]).ok();
    let mails = sent(&ws);
    assert_eq!(
        mails.len(),
        before + 2,
        "approval and rejection; nothing to the auto-responder"
    );
    let rejection = mails
        .iter()
        .find(|m| to(m) == "jperez@sre.example.mx" && header(m, "Message-ID").contains("rejected"))
        .expect("sent");
    let text = MessageParser::default()
        .parse(rejection)
        .expect("parses")
        .body_text(0)
        .expect("text")
        .to_string();
    assert!(text.contains("Su contribución parece incompleta"), "{text}");
    let log = ws.json(&["outbox", "--all", "--json"]);
    assert!(
        log.as_array()
            .expect("array")
            .iter()
            .all(|e| e["status"] == "sent")
    );
}

#[test]
fn an_out_of_office_answer_to_an_acknowledgement_gets_no_answer() {
    let ws = Workspace::with_fixture_config();
    let reply = std::fs::read(fixture_mail().join("08-en-out-of-office.eml")).expect("fixture");
    ws.cmd().args(["ingest", "-"]).stdin(reply).ok();
    assert_eq!(
        ws.json(&["outbox", "--all", "--json"])
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}

#[test]
fn watch_lets_moderators_in_while_the_mail_server_is_slow_to_answer() {
    // A mail server that accepts connections and never says a word: the smallest local
    // stand-in for a stalled server (the real Postfix of tests/mailservers.rs cannot be
    // made to hang on demand). lettre waits 20 s for its greeting.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (connected, talking) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn); // kept open, silent
            if connected.send(()).is_err() {
                return;
            }
        }
    });
    let ws = Workspace::with_config_text(&format!(
        "[store]\nlock_wait_ms = 2000\n\n[notify]\ntransport = \"smtp\"\n\
         from = \"Consultation <contact@consultation.test>\"\n\
         smtp = {{ host = \"127.0.0.1\", port = {port}, tls = \"none\" }}\n\n\
         [[space]]\nid = \"c\"\ntitle = \"C\"\n"
    ));
    ws.cmd()
        .args(["ingest", "-"])
        .stdin(
            "From: Ana <ana@example.org>\r\nSubject: [Q1] Remittances\r\nMessage-ID: <slow@x>\r\n\r\n\
             Remittance costs remain too high for migrant families; digital channels would help.\r\n",
        )
        .ok();
    assert_eq!(
        ws.json(&["outbox", "--json"]).as_array().map(Vec::len),
        Some(1)
    );
    let mut watch = ws
        .cmd()
        .args(["watch", "--once"])
        .into_command()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn watch");
    talking
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("watch connects to the mail server");
    // While watch waits for the server, a moderator's commands get the store at once.
    for args in [&["queue", "--json"][..], &["outbox", "--json"][..]] {
        let out = ws.cmd().args(args).output();
        assert!(
            out.status.success(),
            "{args:?} while watch talks SMTP: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        watch.try_wait().expect("poll").is_none(),
        "watch was still waiting for the server during those commands"
    );
    let _ = watch.kill();
    let _ = watch.wait();
}
