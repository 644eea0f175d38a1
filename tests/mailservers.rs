//! End to end against real servers started by `scripts/mailservers.sh` (Postfix for SMTP,
//! Dovecot for IMAP, on 127.0.0.1): a contribution sent by SMTP is fetched over IMAP by
//! `hubmail watch`, acknowledged in its language, decided, and the decision delivered;
//! mail survives a stopped Postfix and a restarted Dovecot; auto-replies get no answer.
//!
//! The servers are shared, so these tests run one at a time and start from empty mailboxes.

#[path = "it/util.rs"]
#[allow(dead_code)]
mod util;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::{Message, SmtpTransport, Transport};
use mail_parser::MessageParser;

use util::Workspace;

const MAIL: &str = "/var/lib/hubmail-test/mail";

static SERVERS: Once = Once::new();
static SERIAL: Mutex<()> = Mutex::new(());

fn script(arg: &str) {
    script_args(&[arg]);
}

fn script_args(args: &[&str]) {
    let arg = args.join(" ");
    let status = Command::new("bash")
        .arg(util::repo().join("scripts/mailservers.sh"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .expect("run scripts/mailservers.sh");
    assert!(status.success(), "scripts/mailservers.sh {arg} failed");
}

/// Exclusive use of the servers, started and with empty mailboxes.
fn servers() -> MutexGuard<'static, ()> {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    SERVERS.call_once(|| script("start"));
    script("reset");
    guard
}

/// A workspace whose configuration points at the test servers (the IMAP password comes
/// from a file, as a real deployment's would).
fn workspace() -> Workspace {
    workspace_at("127.0.0.1", "")
}

/// The same, reading IMAP from `imap_host` (127.0.0.2 is the server without MOVE), with
/// `extra` configuration.
fn workspace_at(imap_host: &str, extra: &str) -> Workspace {
    Workspace::with_config_text(&config_text(imap_host, extra))
}

/// The configuration of [`workspace_at`].
fn config_text(imap_host: &str, extra: &str) -> String {
    let secret = std::env::temp_dir().join(format!("hubmail-imap-{}.pass", std::process::id()));
    std::fs::write(&secret, "contact-secret\n").expect("write the password file");
    format!(
        r#"
[hub]
contact_addresses = ["contact@consultation.test"]

[notify]
transport = "smtp"
from = "GCM Consultation <contact@consultation.test>"
smtp = {{ host = "127.0.0.1", port = 25, tls = "none" }}
base_url = "https://consultation.test/gcm/"
digest_to = ["moderators@consultation.test"]
digest_interval_minutes = 60
decision_delay_minutes = 0

[watch]
poll_seconds = 1

{extra}

[[imap]]
name = "contact"
host = "{imap_host}"
port = 143
tls = "none"
user = "contact@consultation.test"
password_file = "{secret}"

[[space]]
id = "gcm"
title = "GCM regional review"

[[space.question]]
number = 2
title = {{ en = "Remittances", fr = "Transferts de fonds", es = "Remesas" }}
"#,
        secret = secret.display()
    )
}

macro_rules! text_header {
    ($name:ident, $header:literal) => {
        #[derive(Debug, Clone)]
        struct $name(String);
        impl lettre::message::header::Header for $name {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($header)
            }
            fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok($name(s.to_string()))
            }
            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

text_header!(AutoSubmitted, "Auto-Submitted");

fn send(from: &str, subject: &str, body: &str, message_id: &str, auto: bool) {
    let mut builder = Message::builder()
        .from(from.parse().expect("from"))
        .to("contact@consultation.test".parse().expect("to"))
        .subject(subject)
        .message_id(Some(format!("<{message_id}>")));
    if auto {
        builder = builder.header(AutoSubmitted("auto-replied".into()));
    }
    let message = builder.body(body.to_string()).expect("message");
    SmtpTransport::builder_dangerous("127.0.0.1")
        .port(25)
        .build()
        .send(&message)
        .expect("Postfix accepts the message");
}

/// Every message in a test account's Maildir folder (`""` for INBOX, `".Processed"`).
fn mailbox(user: &str, folder: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        let dir = Path::new(MAIL).join(user).join(folder).join(sub);
        if let Ok(rd) = std::fs::read_dir(&dir) {
            for e in rd.flatten() {
                out.push(std::fs::read(e.path()).expect("read"));
            }
        }
    }
    out
}

fn wait_for(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until Postfix has nothing left to deliver (its queues empty): after that, a
/// mailbox's count is final, so an absence can be asserted without guessing a delay.
fn postfix_delivered_everything() {
    wait_for("Postfix's queue to empty", Duration::from_secs(30), || {
        let out = std::process::Command::new("postqueue")
            .arg("-p")
            .output()
            .expect("postqueue (installed with Postfix by scripts/mailservers.sh)");
        String::from_utf8_lossy(&out.stdout).contains("Mail queue is empty")
    });
}

fn header(raw: &[u8], name: &str) -> String {
    MessageParser::default()
        .parse(raw)
        .and_then(|m| m.header_raw(name).map(|h| h.trim().to_string()))
        .unwrap_or_default()
}

struct Worker {
    child: Child,
}

impl Worker {
    fn start(ws: &Workspace) -> Worker {
        let child = ws
            .cmd()
            .args(["watch"])
            .into_command()
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(ws.path().join("watch.log")).expect("log file"),
            ))
            .spawn()
            .expect("start hubmail watch");
        Worker { child }
    }

    /// SIGTERM, then the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "watch did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn log(ws: &Workspace) -> String {
    std::fs::read_to_string(ws.path().join("watch.log")).unwrap_or_default()
}

#[test]
fn contribution_by_smtp_fetched_over_imap_acknowledged_decided_and_delivered() {
    let _servers = servers();
    let ws = workspace();
    let worker = Worker::start(&ws);
    send(
        "Lucía Fernández <contributor@example.test>",
        "[Q2] Remesas y cuentas bancarias",
        "Las remesas de los trabajadores migrantes sostienen a las familias; el costo de las \
         remesas debe bajar gracias a los canales digitales y a las cuentas bancarias básicas.",
        "e2e-1@example.test",
        false,
    );
    wait_for("the acknowledgement", Duration::from_secs(30), || {
        !mailbox("contributor", "").is_empty()
    });
    let ack = &mailbox("contributor", "")[0];
    assert_eq!(header(ack, "Content-Language"), "es", "{}", log(&ws));
    assert_eq!(header(ack, "Auto-Submitted"), "auto-replied");
    assert_eq!(header(ack, "In-Reply-To"), "<e2e-1@example.test>");
    let text = MessageParser::default()
        .parse(ack)
        .expect("parses")
        .body_text(0)
        .expect("text")
        .replace("\r\n", "\n");
    assert!(
        text.contains("La hemos asignado a la pregunta 2:\n\n    Remesas"),
        "{text}"
    );
    assert_eq!(
        mailbox("contact", "").len(),
        0,
        "the IMAP message left INBOX"
    );
    assert_eq!(mailbox("contact", ".Processed").len(), 1, "… for Processed");

    ws.moderate().args(["approve", "1"]).ok();
    wait_for("the decision", Duration::from_secs(30), || {
        mailbox("contributor", "").len() == 2
    });
    let decision = mailbox("contributor", "")
        .into_iter()
        .find(|m| header(m, "Message-ID").contains("approved"))
        .expect("the approval");
    let text = MessageParser::default()
        .parse(&decision)
        .expect("parses")
        .body_text(0)
        .expect("text")
        .to_string();
    assert!(
        text.contains("https://consultation.test/gcm/#contribution-1"),
        "{text}"
    );
    // The digest for the moderators. Its rule: every arrival since the last digest is in
    // the next one, whatever happened to it since; so the contribution is listed whether
    // the worker's digest pass came before the approval (pending) or after (approved).
    wait_for("the digest", Duration::from_secs(30), || {
        !mailbox("moderators", "").is_empty()
    });
    let digests = mailbox("moderators", "");
    assert_eq!(digests.len(), 1, "one digest for one arrival");
    assert_eq!(header(&digests[0], "Auto-Submitted"), "auto-generated");
    let text = MessageParser::default()
        .parse(&digests[0])
        .expect("parses")
        .body_text(0)
        .expect("text")
        .replace("\r\n", "\n");
    assert!(
        text.contains("#1  [es]  Q2  [Q2] Remesas y cuentas bancarias")
            || text.contains("#1  approved  Lucía Fernández: [Q2] Remesas y cuentas bancarias"),
        "{text}"
    );
    let status = worker.stop();
    assert!(
        status.success(),
        "watch exits 0 on SIGTERM: {status:?}\n{}",
        log(&ws)
    );
}

#[test]
fn decisions_wait_while_postfix_is_down_and_each_is_delivered_once() {
    let _servers = servers();
    let ws = workspace();
    for i in 0..3 {
        send(
            &format!("Contributor {i} <contributor@example.test>"),
            &format!("[Q2] Contribution {i}"),
            &format!(
                "Contribution {i}: remittance costs fall when regulators accept consular identity cards for simple accounts."
            ),
            &format!("down-{i}@example.test"),
            false,
        );
    }
    wait_for(
        "three messages in the contact mailbox",
        Duration::from_secs(20),
        || mailbox("contact", "").len() == 3,
    );
    ws.cmd().args(["ingest", "--imap", "contact"]).ok();
    ws.cmd().args(["outbox", "--send"]).ok(); // the one acknowledgement (rate-limited)
    let before = mailbox("contributor", "").len();
    assert_eq!(before, 1);

    script_args(&["stop", "postfix"]);
    ws.moderate().args(["approve", "1", "2"]).ok();
    ws.moderate()
        .args(["reject", "3", "--reason-code", "duplicate"])
        .ok();
    let out = ws.cmd().args(["outbox", "--send", "--json"]).ok();
    let queued: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let waiting = queued
        .as_array()
        .expect("array")
        .iter()
        .filter(|e| e["status"] == "pending")
        .count();
    assert_eq!(waiting, 3, "the decisions wait in the outbox: {queued}");
    assert!(
        queued[0]["last_error"]
            .as_str()
            .is_some_and(|e| !e.is_empty())
    );

    script("start"); // Postfix back
    // Past the retry delay.
    let later = (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(3600)).to_string();
    ws.cmd()
        .args(["outbox", "--send"])
        .env("HUBMAIL_NOW", &later)
        .ok();
    ws.cmd()
        .args(["outbox", "--send"])
        .env("HUBMAIL_NOW", &later)
        .ok();
    wait_for("three decisions", Duration::from_secs(20), || {
        mailbox("contributor", "").len() == before + 3
    });
    postfix_delivered_everything();
    let mails = mailbox("contributor", "");
    let mut ids: Vec<String> = mails.iter().map(|m| header(m, "Message-ID")).collect();
    ids.sort();
    let total = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), total, "each delivered exactly once: {ids:?}");
    assert_eq!(total, before + 3);
}

#[test]
fn watch_reconnects_after_dovecot_restarts_and_loses_nothing() {
    let _servers = servers();
    let ws = workspace();
    let worker = Worker::start(&ws);
    send(
        "A <contributor@example.test>",
        "[Q2] first",
        "First contribution about remittance costs for migrant families in the region.",
        "dv-1@example.test",
        false,
    );
    wait_for("the first message stored", Duration::from_secs(30), || {
        mailbox("contact", ".Processed").len() == 1
    });
    script_args(&["stop", "dovecot"]);
    std::thread::sleep(Duration::from_secs(1));
    send(
        "B <contributor@example.test>",
        "[Q2] second",
        "Second contribution, sent while the IMAP server was down, about consular cards.",
        "dv-2@example.test",
        false,
    );
    std::thread::sleep(Duration::from_secs(2));
    script("start"); // Dovecot back
    wait_for("the second message stored", Duration::from_secs(60), || {
        mailbox("contact", ".Processed").len() == 2
    });
    let status = worker.stop();
    assert!(status.success());
    let all = ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]);
    assert_eq!(all.as_array().map(Vec::len), Some(2), "{}", log(&ws));
    assert!(
        log(&ws).contains("reconnecting later") || log(&ws).contains("IDLE connection failed"),
        "{}",
        log(&ws)
    );
}

#[test]
fn an_out_of_office_reply_to_an_acknowledgement_gets_no_answer() {
    let _servers = servers();
    let ws = workspace();
    send(
        "Carlos <contributor@example.test>",
        "[Q2] Our view",
        "Remittance costs remain too high; digital channels and simple accounts would help families.",
        "ooo-1@example.test",
        false,
    );
    ws.cmd().args(["ingest", "--imap", "contact"]).ok();
    ws.cmd().args(["outbox", "--send"]).ok();
    postfix_delivered_everything();
    assert_eq!(mailbox("contributor", "").len(), 1, "the acknowledgement");
    // The contributor's auto-responder answers the acknowledgement.
    send(
        "Carlos <contributor@example.test>",
        "Automatic reply: Recibido",
        "I am out of the office until Monday.",
        "ooo-2@example.test",
        true,
    );
    wait_for(
        "the auto-reply in the contact mailbox",
        Duration::from_secs(20),
        || mailbox("contact", "").len() == 1,
    );
    let summary = ws.json(&["ingest", "--imap", "contact", "--json"]);
    assert_eq!(summary["ignored"], 1, "{summary}");
    let sent = ws.json(&["outbox", "--send", "--json"]);
    postfix_delivered_everything();
    assert_eq!(
        mailbox("contributor", "").len(),
        1,
        "no answer to the auto-reply: {sent}"
    );
}

#[test]
fn a_changed_uidvalidity_rereads_the_folder_and_stores_nothing_twice() {
    let _servers = servers();
    let ws = workspace();
    send(
        "A <contributor@example.test>",
        "[Q2] once",
        "A contribution about remittance corridors and the cost of sending money home.",
        "uv-1@example.test",
        false,
    );
    wait_for(
        "the message in the contact mailbox",
        Duration::from_secs(20),
        || mailbox("contact", "").len() == 1,
    );
    let first = ws.json(&["ingest", "--imap", "contact", "--json"]);
    assert_eq!(first["queued"], 1, "{first}");
    // The server renumbers the folder: the message comes back into INBOX under a new
    // UIDVALIDITY (as after a restore from backup). Dovecot derives a new UIDVALIDITY
    // from the clock in seconds: let one pass, or it could pick the same value.
    std::thread::sleep(Duration::from_millis(2100));
    let contact = Path::new(MAIL).join("contact");
    for sub in ["new", "cur"] {
        for e in std::fs::read_dir(contact.join(".Processed").join(sub))
            .expect("processed")
            .flatten()
        {
            let name = e
                .file_name()
                .to_string_lossy()
                .split(':')
                .next()
                .unwrap_or_default()
                .to_string();
            std::fs::rename(e.path(), contact.join("new").join(name)).expect("move back");
        }
    }
    for e in std::fs::read_dir(&contact).expect("maildir").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("dovecot-uidlist")
            || name.starts_with("dovecot-uidvalidity")
            || name.starts_with("dovecot.index")
        {
            std::fs::remove_file(e.path()).expect("remove");
        }
    }
    send(
        "B <contributor@example.test>",
        "[Q2] new",
        "A new contribution arrives after the renumbering, about consular identity cards.",
        "uv-2@example.test",
        false,
    );
    wait_for("two messages in INBOX", Duration::from_secs(20), || {
        mailbox("contact", "").len() == 2
    });
    let second = ws.json(&["ingest", "--imap", "contact", "--json"]);
    assert_eq!(
        second["read"], 2,
        "the whole folder is read again: {second}"
    );
    assert_eq!(
        second["duplicates"], 1,
        "the stored one is recognised: {second}"
    );
    assert_eq!(second["queued"], 1, "{second}");
    assert_eq!(
        ws.json(&["queue", "--limit", "0", "--json"])
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(mailbox("contact", "").len(), 0);
}

/// A configuration using TLS everywhere: IMAP over implicit TLS (993) or STARTTLS (143),
/// Submission (587) with STARTTLS and AUTH, the test CA trusted through `ca_file`.
fn tls_workspace(imap_tls: &str, imap_port: u16, with_ca: bool) -> Workspace {
    let secret = std::env::temp_dir().join(format!("hubmail-tls-{}.pass", std::process::id()));
    std::fs::write(&secret, "contact-secret\n").expect("write the password file");
    let ca = if with_ca {
        "ca_file = \"/var/lib/hubmail-test/tls/ca.pem\"".to_string()
    } else {
        String::new()
    };
    Workspace::with_config_text(&format!(
        r#"
[hub]
contact_addresses = ["contact@consultation.test"]

[notify]
transport = "smtp"
from = "GCM Consultation <contact@consultation.test>"
decision_delay_minutes = 0

[notify.smtp]
host = "localhost"
port = 587
tls = "starttls"
user = "contact@consultation.test"
password_file = "{secret}"
{ca}

[[imap]]
name = "contact"
host = "localhost"
port = {imap_port}
tls = "{imap_tls}"
user = "contact@consultation.test"
password_file = "{secret}"
{ca}

[[space]]
id = "gcm"
title = "GCM regional review"
"#,
        secret = secret.display(),
    ))
}

#[test]
fn tls_starttls_and_smtp_auth_with_a_private_ca() {
    let _servers = servers();
    for (tls, port) in [("tls", 993u16), ("starttls", 143)] {
        script("reset");
        let ws = tls_workspace(tls, port, true);
        send(
            "A <contributor@example.test>",
            "[Q2] over TLS",
            "A contribution about remittance costs, fetched over an encrypted connection.",
            &format!("tls-{tls}@example.test"),
            false,
        );
        wait_for("the message", Duration::from_secs(20), || {
            mailbox("contact", "").len() == 1
        });
        let summary = ws.json(&["ingest", "--imap", "contact", "--json"]);
        assert_eq!(summary["queued"], 1, "IMAP {tls}: {summary}");
        ws.cmd().args(["outbox", "--send"]).ok();
        wait_for(
            "the acknowledgement over SMTP STARTTLS with AUTH",
            Duration::from_secs(20),
            || mailbox("contributor", "").len() == 1,
        );
        assert_eq!(ws.json(&["outbox", "--all", "--json"])[0]["status"], "sent");
    }
    // Without the private CA the server's certificate is not trusted: a clear refusal.
    let ws = tls_workspace("tls", 993, false);
    let out = ws.cmd().args(["ingest", "--imap", "contact"]).output();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("TLS") && err.to_lowercase().contains("certificate"),
        "{err}"
    );
}

#[test]
fn mail_read_in_a_mail_client_first_is_ingested_where_the_server_has_no_move() {
    let _servers = servers();
    let ws = workspace_at("127.0.0.2", "");
    send(
        "A <contributor@example.test>",
        "[Q2] read first",
        "A contribution someone opened in a mail client before hubmail saw it, about remittances.",
        "seen-1@example.test",
        false,
    );
    wait_for(
        "the message in the contact mailbox",
        Duration::from_secs(20),
        || mailbox("contact", "").len() == 1,
    );
    // A mail client opens it: Dovecot now holds it as \Seen.
    let inbox = Path::new(MAIL).join("contact");
    for e in std::fs::read_dir(inbox.join("new"))
        .expect("new/")
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        std::fs::rename(e.path(), inbox.join("cur").join(format!("{name}:2,S")))
            .expect("mark seen");
    }
    let first = ws.json(&["ingest", "--imap", "contact", "--json"]);
    assert_eq!(
        first["queued"], 1,
        "a message already \\Seen is new to hubmail: {first}"
    );
    // Without MOVE it stays in INBOX, flagged; the checkpoint says it is done.
    assert_eq!(mailbox("contact", "").len(), 1);
    assert!(
        mailbox("contact", ".Processed").is_empty(),
        "no MOVE on this server"
    );
    let again = ws.json(&["ingest", "--imap", "contact", "--json"]);
    assert_eq!(again["read"], 0, "{again}");
}

#[test]
fn oversize_mail_over_imap_is_fetched_in_pieces_and_kept_whole() {
    let _servers = servers();
    let ws = workspace_at("127.0.0.1", "[limits]\nmax_message_bytes = 102400\n");
    let mut body = String::new();
    while body.len() < 9_000_000 {
        body.push_str("A long annex on remittance corridors and the cost of sending money home.\n");
    }
    send(
        "A <contributor@example.test>",
        "[Q2] a long annex",
        &body,
        "big-1@example.test",
        false,
    );
    wait_for(
        "the message in the contact mailbox",
        Duration::from_secs(30),
        || mailbox("contact", "").len() == 1,
    );
    let on_server = mailbox("contact", "").remove(0);
    let summary = ws.json(&["ingest", "--imap", "contact", "--json"]);
    assert_eq!(summary["quarantined"], 1, "over the limit: {summary}");
    let row = &ws.json(&["queue", "--state", "quarantined", "--json"])[0];
    let raw = ws
        .cmd()
        .args(["show", &row["id"].to_string(), "--raw"])
        .ok()
        .stdout;
    // Dovecot keeps lines ending in LF on disk and serves them with CRLF, as IMAP says.
    let served: Vec<u8> = on_server
        .iter()
        .flat_map(|&b| {
            if b == b'\n' {
                vec![b'\r', b'\n']
            } else {
                vec![b]
            }
        })
        .collect();
    assert!(!on_server.contains(&b'\r'), "the stored copy uses LF");
    assert_eq!(raw.len(), served.len(), "every piece arrived");
    assert!(raw == served, "byte for byte as the server serves it");
    let spool = ws.data_dir().join("spool");
    let leftovers: Vec<String> = std::fs::read_dir(&spool)
        .expect("spool")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("imap-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the fetched pieces are cleaned up: {leftovers:?}"
    );
}

/// Sends a raw message (headers as written) from `from` to the contact address through
/// Postfix.
fn send_raw(from: &str, headers: &str, body: &str) {
    let envelope = lettre::address::Envelope::new(
        Some(from.parse().expect("from")),
        vec!["contact@consultation.test".parse().expect("to")],
    )
    .expect("envelope");
    let raw = format!(
        "From: {from}\r\nTo: contact@consultation.test\r\nDate: Tue, 01 Feb 2022 09:00:00 \
         +0000\r\n{headers}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    );
    SmtpTransport::builder_dangerous("127.0.0.1")
        .port(25)
        .build()
        .send_raw(&envelope, raw.as_bytes())
        .expect("Postfix accepts the message");
}

/// The moderators' ordinary mistakes, each by a different contributor (one real mailbox,
/// `contributor+CASE@example.test`), with the default undo window of 10 minutes and the
/// clock pinned: what arrives in the mailbox is exactly one notice per final outcome, in
/// the contributor's language, each answering the contribution (`In-Reply-To`) and marked
/// `Auto-Submitted`; silence where an answer would harm.
#[test]
fn each_mistake_sequence_leaves_the_contributor_exactly_the_right_mail() {
    let _servers = servers();
    let ws = Workspace::with_config_text(
        &config_text("127.0.0.1", "").replace("decision_delay_minutes = 0", ""),
    );
    let t0 = "2022-02-01T10:00:00Z";
    let t11 = "2022-02-01T10:11:00Z";
    let at = |when: &str| ws.moderate().env("HUBMAIL_NOW", when);
    let cases: [(&str, &str, &str); 7] = [
        (
            "window",
            "Subject: [Q2] Remesas y bancos\r\n",
            "Las remesas deben costar menos: los bancos deben abrir cuentas básicas a los trabajadores migrantes.",
        ),
        (
            "flip",
            "Subject: [Q2] Transferts de fonds\r\n",
            "Les transferts de fonds des travailleurs migrants doivent coûter moins cher grâce aux comptes de base.",
        ),
        (
            "twice",
            "Subject: [Q2] Remittance costs\r\n",
            "Remittance costs remain too high; digital channels and basic accounts would help families.",
        ),
        (
            "ooo",
            "Subject: Absence du bureau\r\nX-Autoreply: yes\r\n",
            "Je suis absente du bureau jusqu'au 14 février et je lirai votre message à mon retour.",
        ),
        (
            "spam",
            "Subject: [Q2] Cheapest remittances\r\n",
            "Send money home for free with our new remittance service and claim your bonus today.",
        ),
        (
            "ban",
            "Subject: [Q2] Our remittance views\r\n",
            "Remittances matter to families, and the cost of sending them home must come down soon.",
        ),
        (
            "discard",
            "Subject: [Q2] Remittance thoughts\r\n",
            "Families depend on remittances; lowering their cost is the first thing to do this year.",
        ),
    ];
    for (case, headers, body) in cases {
        send_raw(
            &format!("contributor+{case}@example.test"),
            &format!("{headers}Message-ID: <{case}@example.test>\r\n"),
            body,
        );
    }
    wait_for("the seven contributions", Duration::from_secs(30), || {
        mailbox("contact", "").len() == 7
    });
    at(t0).args(["ingest", "--imap", "contact"]).ok();
    let all = ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]);
    let id = |case: &str| -> String {
        let address = format!("contributor+{case}@example.test");
        all.as_array()
            .expect("array")
            .iter()
            .find(|s| s["author"]["address"] == address.as_str())
            .unwrap_or_else(|| panic!("{address} stored: {all}"))["id"]
            .to_string()
    };
    let run = |when: &str, args: &[&str]| {
        at(when).args(args).ok();
    };
    // The acknowledgements go out on arrival.
    run(t0, &["outbox", "--send"]);
    // approve, then reopen inside the window: nothing more.
    run(t0, &["approve", &id("window")]);
    run(
        t0,
        &["reopen", &id("window"), "--reason", "approved by mistake"],
    );
    // approve, reopen, reject: only the rejection.
    run(t0, &["approve", &id("flip")]);
    run(t0, &["reopen", &id("flip"), "--reason", "wrong one"]);
    run(t0, &["reject", &id("flip"), "--reason-code", "off-topic"]);
    // approve twice (with a reopen between): one approval.
    run(t0, &["approve", &id("twice")]);
    run(
        t0,
        &["reopen", &id("twice"), "--reason", "check the author"],
    );
    run(t0, &["approve", &id("twice")]);
    // An out-of-office released by mistake, approved, reopened, rejected: nothing.
    run(t0, &["release", &id("ooo")]);
    run(t0, &["approve", &id("ooo")]);
    run(t0, &["reopen", &id("ooo"), "--reason", "an out-of-office"]);
    run(t0, &["reject", &id("ooo"), "--reason-code", "off-topic"]);
    // Rejected as spam: nothing.
    run(t0, &["reject", &id("spam"), "--reason-code", "spam"]);
    // Banned after arrival, then rejected: nothing.
    run(
        t0,
        &[
            "sender",
            "ban",
            "contributor+ban@example.test",
            "--reason",
            "abuse",
        ],
    );
    run(t0, &["reject", &id("ban"), "--reason-code", "off-topic"]);
    // Discarded: nothing.
    run(t0, &["reject", &id("discard"), "--discard"]);
    run(t11, &["outbox", "--send"]);
    postfix_delivered_everything();

    let mut got: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    for raw in mailbox("contributor", "") {
        let m = MessageParser::default().parse(&raw).expect("parses");
        let to = m
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .expect("to")
            .to_string();
        let case = to
            .strip_prefix("contributor+")
            .and_then(|r| r.strip_suffix("@example.test"))
            .unwrap_or_else(|| panic!("{to}"))
            .to_string();
        let kind = header(&raw, "Message-ID")
            .split('.')
            .nth(1)
            .expect("kind")
            .to_string();
        assert_eq!(
            header(&raw, "Auto-Submitted"),
            "auto-replied",
            "{case} {kind}"
        );
        assert_eq!(
            header(&raw, "In-Reply-To"),
            format!("<{case}@example.test>"),
            "{case} {kind}"
        );
        got.entry(case)
            .or_default()
            .push((kind, header(&raw, "Content-Language")));
    }
    for list in got.values_mut() {
        list.sort();
    }
    let pair = |kind: &str, lang: &str| (kind.to_string(), lang.to_string());
    let want: std::collections::BTreeMap<String, Vec<(String, String)>> = [
        ("window", vec![pair("ack", "es")]),
        ("flip", vec![pair("ack", "fr"), pair("rejected", "fr")]),
        ("twice", vec![pair("ack", "en"), pair("approved", "en")]),
        // Ignored on arrival: never acknowledged, never answered.
        ("spam", vec![pair("ack", "en")]),
        ("ban", vec![pair("ack", "en")]),
        ("discard", vec![pair("ack", "en")]),
    ]
    .into_iter()
    .map(|(c, l)| (c.to_string(), l))
    .collect();
    assert_eq!(got, want);
}
