//! Delivering the outbox: building each message with lettre and handing it to a
//! [`Transport`] (SMTP, or a local folder), with retries under [`retry::DELIVERY`].
//!
//! Each message's Message-ID is fixed when it is queued, and an entry is marked sent (and
//! the store flushed) right after the server accepts it, so a restart resends only what
//! was not accepted; a message resent after a crash in that instant keeps its Message-ID.

use std::path::Path;
use std::time::{Duration, SystemTime};

use jiff::Timestamp;
use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Mailboxes, header::Header};
use serde::Serialize;

use super::compose;
use super::templates::Templates;
use super::transport::{self, Refusal, Transport};
use crate::config::Config;
use crate::model::{MailKind, OutboxEntry, OutboxStatus};
use crate::policy::Rules;
use crate::store::Store;
use crate::{Error, Result, retry};

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

/// What delivers the outbox: a transport and the checked templates.
pub struct Mailer {
    transport: Box<dyn Transport>,
    templates: Templates,
}

impl Mailer {
    /// The transport the configuration asks for, and its templates (refused here when
    /// one is wrong).
    pub fn from_config(config: &Config, data_dir: &Path) -> Result<Mailer> {
        let templates = Templates::load(config.notify.templates_dir.as_deref())?;
        let transport = transport::from_config(config, data_dir)?;
        Ok(Mailer::new(transport, templates))
    }

    /// A mailer over any transport.
    pub fn new(transport: Box<dyn Transport>, templates: Templates) -> Mailer {
        Mailer {
            transport,
            templates,
        }
    }

    /// Where messages go, for logs.
    pub fn describe(&self) -> String {
        self.transport.describe()
    }

    /// Delivers every message that is due; each outcome is stored (and flushed) at once.
    /// A deferred message is tried again after [`retry::DELIVERY`]'s delay for its count
    /// of attempts; after `[notify] max_attempts`, or a permanent refusal, it has failed.
    ///
    /// With [`StoreAccess::Open`], the store is held only to read what is due (and build
    /// it) and to write each outcome, never while a server is being talked to (it may
    /// take its time answering).
    pub fn send_due(
        &self,
        store: &StoreAccess<'_>,
        config: &Config,
        now: Timestamp,
    ) -> Result<SendReport> {
        let mut report = SendReport::default();
        let due: Vec<(OutboxEntry, Prepared)> = store.with(|store| {
            let rules = Rules::compile(store.sender_rules()?);
            Ok(store
                .outbox()?
                .into_iter()
                .filter(|e| e.status == OutboxStatus::Pending && e.next_attempt <= now)
                .take(MAX_PER_PASS)
                .map(|e| {
                    let prepared = match silenced(store, config, &rules, &e) {
                        Some(why) => Prepared::Silenced(why),
                        None => Prepared::Message(build(store, config, &self.templates, &e)),
                    };
                    (e, prepared)
                })
                .collect())
        })?;
        for (mut entry, prepared) in due {
            let message = match prepared {
                Prepared::Message(message) => message,
                Prepared::Silenced(why) => {
                    entry.status = OutboxStatus::Cancelled;
                    entry.cancelled = Some(format!("not sent: {why}"));
                    report.cancelled += 1;
                    tracing::info!(seq = entry.seq, kind = entry.kind.as_str(), why = %why, "cancelled before sending");
                    store.with(|store| {
                        store.update_outbox(&entry)?;
                        store.flush()
                    })?;
                    continue;
                }
            };
            entry.attempts += 1;
            let outcome = match message {
                Ok(message) => self.transport.send(&message),
                // Building failed: for good when the entry itself is wrong (an address
                // that is none); else (the store, a template) it is tried again later.
                Err(e) => Err(Refusal {
                    reason: format!("cannot build the message: {e}"),
                    permanent: !e.kind().may_pass_later(),
                }),
            };
            match outcome {
                Ok(()) => {
                    entry.status = OutboxStatus::Sent;
                    entry.sent_at = Some(now);
                    entry.last_error = None;
                    report.sent += 1;
                    tracing::info!(seq = entry.seq, kind = entry.kind.as_str(), to = %entry.to.join(","), "sent");
                }
                Err(refusal) => {
                    if refusal.permanent || entry.attempts >= config.notify.max_attempts {
                        entry.status = OutboxStatus::Failed;
                        report.failed += 1;
                        tracing::warn!(seq = entry.seq, error = %refusal.reason, "delivery failed for good");
                    } else {
                        let delay = retry::DELIVERY.delay_after(entry.attempts);
                        entry.next_attempt = jiff::SignedDuration::try_from(delay)
                            .ok()
                            .and_then(|d| now.checked_add(d).ok())
                            .unwrap_or(now);
                        report.deferred += 1;
                        tracing::warn!(seq = entry.seq, attempts = entry.attempts, error = %refusal.reason, "delivery deferred");
                    }
                    entry.last_error = Some(refusal.reason);
                }
            }
            store.with(|store| {
                store.update_outbox(&entry)?;
                store.flush()
            })?;
        }
        Ok(report)
    }
}

/// An entry that is due, ready to go or stopped.
enum Prepared {
    /// The message built (or why it could not be).
    Message(Result<Message>),
    /// The contributor must not be answered any more (banned, discarded, rejected as spam
    /// since the message was queued), and why.
    Silenced(String),
}

/// Why a notice to a contributor must not go out now, checked again when it is due: the
/// submission may have been discarded or its sender banned since it was queued. Digests
/// to moderators are never stopped; a submission that cannot be read is left to
/// [`build`] to report.
fn silenced(store: &Store, config: &Config, rules: &Rules, entry: &OutboxEntry) -> Option<String> {
    if entry.kind == MailKind::Digest {
        return None;
    }
    let submission = store.get(entry.submission?).ok()?;
    super::why_silent_now(config, rules, &submission)
}

/// How delivery gets at the store.
pub enum StoreAccess<'a> {
    /// Opened for each read and each write, and closed again (`watch`: other commands
    /// get the store while a server is slow to answer).
    Open(&'a dyn Fn() -> Result<Store>),
    /// One the caller holds anyway.
    Held(&'a Store),
}

impl StoreAccess<'_> {
    fn with<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        match self {
            StoreAccess::Open(open) => f(&open()?),
            StoreAccess::Held(store) => f(store),
        }
    }
}

/// Messages one delivery pass sends at most (the rest wait for the next pass), so that a
/// long outbox is not all built in memory at once.
const MAX_PER_PASS: usize = 200;

/// What a delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SendReport {
    /// Accepted by the server.
    pub sent: usize,
    /// Failed for now; will be retried.
    pub deferred: usize,
    /// Refused for good.
    pub failed: usize,
    /// Stopped before sending: the contributor may no longer be answered.
    pub cancelled: usize,
}

fn system_time(t: Timestamp) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(t.as_second().max(0) as u64)
}

fn mailbox(text: &str) -> Result<Mailbox> {
    text.parse::<Mailbox>()
        .map_err(|e| Error::Input(format!("{text:?} is not a mail address: {e}")))
}

/// Builds the message for an outbox entry.
pub fn build(
    store: &Store,
    config: &Config,
    templates: &Templates,
    entry: &OutboxEntry,
) -> Result<Message> {
    let submission = match entry.submission {
        Some(id) => Some(store.get(id)?),
        None => None,
    };
    let lang = compose::language(config, entry.kind, submission.as_ref());
    let rendered = compose::render(store, config, templates, entry, submission.as_ref(), lang)?;
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
        .header(ContentLanguage(lang.code().into()))
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
        .map_err(|e| Error::Input(format!("building the message: {e}")))
}

#[cfg(test)]
mod tests {
    use std::time::Duration as StdDuration;

    use super::*;
    use crate::model::Lang;
    use crate::notify::OutboxDraft;
    use crate::notify::transport::{Recording, Refusal};

    fn deferred() -> Option<Refusal> {
        Some(Refusal {
            reason: "451 4.3.0 try again later".into(),
            permanent: false,
        })
    }

    /// A store with one digest queued, a mailer over `script`, and the config.
    fn setup(script: Vec<Option<Refusal>>) -> (tempfile::TempDir, Store, Mailer, Config) {
        let (dir, store, mailer, config, _) = setup_recording(script);
        (dir, store, mailer, config)
    }

    fn setup_recording(
        script: Vec<Option<Refusal>>,
    ) -> (tempfile::TempDir, Store, Mailer, Config, Recording) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), StdDuration::from_secs(1)).expect("open");
        let mut config = Config::embedded();
        config.notify.max_attempts = 3;
        store
            .enqueue(&OutboxDraft {
                kind: MailKind::Digest,
                submission: None,
                to: vec!["moderators@example.org".into()],
                lang: Lang::En,
                reason: None,
                digest: Vec::new(),
                domain: "example.org".into(),
                created: Timestamp::UNIX_EPOCH,
                due: Timestamp::UNIX_EPOCH,
                corrects: None,
            })
            .expect("queued");
        let templates = Templates::load(None).expect("templates");
        let recording = Recording::new(script);
        let mailer = Mailer::new(Box::new(recording.clone()), templates);
        (dir, store, mailer, config, recording)
    }

    fn only_entry(store: &Store) -> OutboxEntry {
        let mut all = store.outbox().expect("outbox");
        assert_eq!(all.len(), 1);
        all.remove(0)
    }

    #[test]
    fn a_deferred_message_waits_longer_after_each_failure_then_fails_for_good() {
        let (_dir, store, mailer, config) = setup(vec![deferred(), deferred(), deferred()]);
        let mut now = Timestamp::UNIX_EPOCH;
        let mut waits = Vec::new();
        for attempt in 1..=2u32 {
            let report = mailer
                .send_due(&StoreAccess::Held(&store), &config, now)
                .expect("pass");
            assert_eq!(report.deferred, 1, "attempt {attempt}");
            let entry = only_entry(&store);
            assert_eq!(entry.attempts, attempt);
            assert_eq!(entry.status, OutboxStatus::Pending);
            let wait = entry.next_attempt.duration_since(now).as_secs();
            waits.push(wait);
            // Not due before its time: a pass a second early sends nothing.
            let early = now + jiff::SignedDuration::from_secs(wait - 1);
            let report = mailer
                .send_due(&StoreAccess::Held(&store), &config, early)
                .expect("pass");
            assert_eq!(report, SendReport::default());
            now = entry.next_attempt;
        }
        assert!((60..=120).contains(&waits[0]), "{waits:?}");
        assert!((120..=240).contains(&waits[1]), "{waits:?}");
        let report = mailer
            .send_due(&StoreAccess::Held(&store), &config, now)
            .expect("third pass");
        assert_eq!(report.failed, 1);
        let entry = only_entry(&store);
        assert_eq!(entry.status, OutboxStatus::Failed);
        assert_eq!(
            entry.last_error.as_deref(),
            Some("451 4.3.0 try again later")
        );
    }

    #[test]
    fn a_permanent_refusal_fails_at_once_and_an_acceptance_is_recorded() {
        let permanent = Some(Refusal {
            reason: "550 5.1.1 no such user".into(),
            permanent: true,
        });
        let (_dir, store, mailer, config) = setup(vec![permanent]);
        let report = mailer
            .send_due(&StoreAccess::Held(&store), &config, Timestamp::UNIX_EPOCH)
            .expect("pass");
        assert_eq!((report.failed, only_entry(&store).attempts), (1, 1));

        let (_dir, store, mailer, config, recording) = setup_recording(vec![deferred()]);
        let now = Timestamp::UNIX_EPOCH;
        mailer
            .send_due(&StoreAccess::Held(&store), &config, now)
            .expect("deferred");
        let later = only_entry(&store).next_attempt;
        let report = mailer
            .send_due(&StoreAccess::Held(&store), &config, later)
            .expect("accepted");
        assert_eq!(report.sent, 1);
        let entry = only_entry(&store);
        assert_eq!(
            (entry.status, entry.sent_at),
            (OutboxStatus::Sent, Some(later))
        );
        assert!(entry.last_error.is_none());
        let sent = recording.accepted();
        assert_eq!(
            sent.len(),
            1,
            "the deferred attempt was not recorded as sent"
        );
        let text = String::from_utf8_lossy(&sent[0]);
        assert!(text.contains("Auto-Submitted: auto-generated"), "{text}");
        assert!(text.contains(&format!("<{}>", entry.message_id)), "{text}");
    }
}
