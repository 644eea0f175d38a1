//! Delivering the outbox: building each message with lettre and handing it to SMTP or to a
//! local folder, with retries and exponential backoff.
//!
//! Each message's Message-ID is fixed when it is queued, and an entry is marked sent (and
//! the store flushed) right after the server accepts it, so a restart resends only what
//! was not accepted; a message resent after a crash in that instant keeps its Message-ID.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use jiff::Timestamp;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Mailboxes, header::Header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{FileTransport, Message, SmtpTransport, Transport as _};
use serde::Serialize;

use super::templates::{self, Rendered};
use crate::config::{Config, SmtpTls, TransportKind};
use crate::model::{Lang, MailKind, OutboxEntry, OutboxStatus, Submission};
use crate::store::Store;
use crate::{Error, Result};

macro_rules! text_header {
    ($name:ident, $header:literal) => {
        #[derive(Debug, Clone)]
        struct $name(String);

        impl Header for $name {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($header)
            }
            fn parse(
                s: &str,
            ) -> std::result::Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok($name(s.to_string()))
            }
            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

text_header!(AutoSubmitted, "Auto-Submitted");
text_header!(AutoResponseSuppress, "X-Auto-Response-Suppress");
text_header!(ContentLanguage, "Content-Language");

/// Where messages go.
pub enum Transport {
    /// Each message as a `.eml` file in a folder (the embedded default: no server).
    File(FileTransport, PathBuf),
    /// An SMTP server.
    Smtp(Box<SmtpTransport>, String),
}

impl Transport {
    /// The transport the configuration asks for.
    pub fn from_config(config: &Config, data_dir: &Path) -> Result<Transport> {
        let n = &config.notify;
        match n.transport {
            TransportKind::File => {
                let dir = data_dir.join(&n.file_dir);
                std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
                Ok(Transport::File(FileTransport::new(&dir), dir))
            }
            TransportKind::Smtp => {
                let s = &n.smtp;
                let smtp_err = |e: lettre::transport::smtp::Error| {
                    Error::Refused(format!("SMTP server {}: {e}", s.host))
                };
                let params = || -> Result<TlsParameters> {
                    let mut p = TlsParameters::builder(s.host.clone());
                    if let Some(ca) = &s.ca_file {
                        let pem = crate::config::read_ca(ca)?;
                        p = p.add_root_certificate(Certificate::from_pem(&pem).map_err(smtp_err)?);
                    }
                    p.build().map_err(smtp_err)
                };
                let tls = match s.tls {
                    SmtpTls::None => Tls::None,
                    SmtpTls::Starttls => Tls::Required(params()?),
                    SmtpTls::Tls => Tls::Wrapper(params()?),
                };
                let mut builder = SmtpTransport::builder_dangerous(&s.host)
                    .port(s.port)
                    .tls(tls)
                    .timeout(Some(Duration::from_secs(20)));
                if let Some(user) = &s.user {
                    let password = crate::config::secret(
                        s.password.as_deref(),
                        s.password_env.as_deref(),
                        s.password_file.as_deref(),
                        "[notify.smtp]",
                    )?;
                    builder = builder.credentials(Credentials::new(user.clone(), password));
                }
                Ok(Transport::Smtp(
                    Box::new(builder.build()),
                    format!("smtp://{}:{}", s.host, s.port),
                ))
            }
        }
    }

    /// A short description for logs.
    pub fn describe(&self) -> String {
        match self {
            Transport::File(_, dir) => format!("folder {}", dir.display()),
            Transport::Smtp(_, url) => url.clone(),
        }
    }

    /// Sends one message: `Ok(())`, or the error and whether it is permanent.
    fn send(&self, message: &Message) -> std::result::Result<(), (String, bool)> {
        match self {
            Transport::File(t, _) => t
                .send(message)
                .map(|_| ())
                .map_err(|e| (e.to_string(), false)),
            Transport::Smtp(t, _) => t
                .send(message)
                .map(|_| ())
                .map_err(|e| (e.to_string(), e.is_permanent())),
        }
    }
}

/// What a delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SendReport {
    /// Accepted by the server.
    pub sent: usize,
    /// Failed for now; will be retried.
    pub deferred: usize,
    /// Refused for good.
    pub failed: usize,
}

fn backoff(entry: &OutboxEntry) -> i64 {
    let exp = 60i64 * (1i64 << entry.attempts.saturating_sub(1).min(6));
    let jitter = ((entry.seq.wrapping_mul(7919)) % 30) as i64;
    exp.min(3600) + jitter
}

/// Delivers every message that is due; each outcome is stored (and flushed) at once.
pub fn send_due(
    store: &Store,
    config: &Config,
    transport: &Transport,
    now: Timestamp,
) -> Result<SendReport> {
    let mut report = SendReport::default();
    for mut entry in store.outbox()? {
        if entry.status != OutboxStatus::Pending || entry.next_attempt > now {
            continue;
        }
        let message = match build(store, config, &entry) {
            Ok(m) => m,
            Err(e) => {
                entry.status = OutboxStatus::Failed;
                entry.last_error = Some(format!("cannot build the message: {e}"));
                store.update_outbox(&entry)?;
                store.flush()?;
                report.failed += 1;
                continue;
            }
        };
        entry.attempts += 1;
        match transport.send(&message) {
            Ok(()) => {
                entry.status = OutboxStatus::Sent;
                entry.sent_at = Some(now);
                entry.last_error = None;
                report.sent += 1;
                tracing::info!(seq = entry.seq, kind = entry.kind.as_str(), to = %entry.to.join(","), "sent");
            }
            Err((error, permanent)) => {
                if permanent || entry.attempts >= config.notify.max_attempts {
                    entry.status = OutboxStatus::Failed;
                    report.failed += 1;
                    tracing::warn!(seq = entry.seq, %error, "delivery failed for good");
                } else {
                    entry.next_attempt = now
                        .checked_add(jiff::SignedDuration::from_secs(backoff(&entry)))
                        .unwrap_or(now);
                    report.deferred += 1;
                    tracing::warn!(seq = entry.seq, attempts = entry.attempts, %error, "delivery deferred");
                }
                entry.last_error = Some(error);
            }
        }
        store.update_outbox(&entry)?;
        store.flush()?;
    }
    Ok(report)
}

fn system_time(t: Timestamp) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(t.as_second().max(0) as u64)
}

fn mailbox(text: &str) -> Result<Mailbox> {
    text.parse::<Mailbox>()
        .map_err(|e| Error::Refused(format!("{text:?} is not a mail address: {e}")))
}

/// Builds the message for an outbox entry.
pub fn build(store: &Store, config: &Config, entry: &OutboxEntry) -> Result<Message> {
    let submission = match entry.submission {
        Some(id) => Some(store.get(id)?),
        None => None,
    };
    let rendered = render(store, config, entry, submission.as_ref())?;
    let mut to = Mailboxes::new();
    for address in &entry.to {
        to.push(mailbox(address)?);
    }
    let mut builder = Message::builder()
        .from(mailbox(&config.notify.from_address(config))?)
        .mailbox(lettre::message::header::To::from(to))
        .subject(rendered.subject)
        .date(system_time(entry.created))
        .message_id(Some(format!("<{}>", entry.message_id)))
        .header(AutoSubmitted(
            if entry.kind == MailKind::Digest {
                "auto-generated"
            } else {
                "auto-replied"
            }
            .into(),
        ))
        .header(AutoResponseSuppress("All".into()))
        .header(ContentLanguage(entry.lang.code().into()))
        .header(ContentType::TEXT_PLAIN);
    if let Some(mid) = submission
        .as_ref()
        .and_then(|s| s.headers.message_id.as_ref())
    {
        builder = builder
            .in_reply_to(format!("<{mid}>"))
            .references(format!("<{mid}>"));
    }
    builder
        .body(rendered.body)
        .map_err(|e| Error::Refused(format!("building the message: {e}")))
}

fn render(
    store: &Store,
    config: &Config,
    entry: &OutboxEntry,
    s: Option<&Submission>,
) -> Result<Rendered> {
    let lang = entry.lang;
    let text = templates::template(entry.kind, lang, config.notify.templates_dir.as_deref())?;
    let space = s
        .and_then(|s| s.question.as_ref())
        .and_then(|q| config.space(&q.space))
        .unwrap_or_else(|| config.default_space());
    let mut values: Vec<(&str, String)> = vec![("space", space.title.clone())];
    if let Some(s) = s {
        values.push(("author", s.author.name.clone()));
        values.push((
            "subject",
            if s.subject.is_empty() {
                "(no subject)".into()
            } else {
                s.subject.clone()
            },
        ));
        values.push(("date", s.received.strftime("%Y-%m-%d").to_string()));
        values.push(("id", s.id.to_string()));
        values.push(("routing", routing(config, s, lang)));
        values.push(("link", link(config, s, lang)));
    }
    values.push(("reason", entry.reason.clone().unwrap_or_default()));
    if entry.kind == MailKind::Digest {
        let mut list = String::new();
        for id in &entry.digest {
            if let Ok(p) = store.get(*id) {
                list.push_str(&format!(
                    "  #{} [{}] {} — {}{}\n",
                    p.id,
                    p.lang.map_or("?", |l| l.code()),
                    p.author.name,
                    p.subject,
                    p.question
                        .as_ref()
                        .map(|q| format!(" (question {})", q.number))
                        .unwrap_or_default()
                ));
            }
        }
        values.push(("count", entry.digest.len().to_string()));
        values.push(("list", list.trim_end().to_string()));
    }
    templates::render(&text, &values)
}

fn routing(config: &Config, s: &Submission, lang: Lang) -> String {
    let Some(q) = &s.question else {
        return match lang {
            Lang::En => "A moderator will file it under the question it answers.".into(),
            Lang::Fr => "Un modérateur la rattachera à la question à laquelle elle répond.".into(),
            Lang::Es => "Un moderador la asignará a la pregunta que responde.".into(),
        };
    };
    let title = config
        .space(&q.space)
        .and_then(|sp| sp.question(q.number))
        .and_then(|qq| {
            qq.title
                .get(&lang)
                .or_else(|| qq.title.get(&Lang::En))
                .cloned()
        });
    let title = title.map(|t| format!(": {t}")).unwrap_or_default();
    match lang {
        Lang::En => format!("It has been filed under question {}{title}", q.number),
        Lang::Fr => format!("Elle a été rattachée à la question {}{title}", q.number),
        Lang::Es => format!("Se ha asignado a la pregunta {}{title}", q.number),
    }
}

fn link(config: &Config, s: &Submission, lang: Lang) -> String {
    let Some(base) = &config.notify.base_url else {
        return String::new();
    };
    let url = format!("{}#contribution-{}", base.trim_end_matches('#'), s.id);
    match lang {
        Lang::En => format!("You can read it at {url}"),
        Lang::Fr => format!("Vous pouvez la lire à l'adresse {url}"),
        Lang::Es => format!("Puede leerla en {url}"),
    }
}
