//! Where built messages go: one [`Transport`] trait in front of lettre's transports, as
//! lettre itself puts its `Transport` in front of SMTP, files and its stub.
//!
//! [`Smtp`] hands a message to a mail server, [`Folder`] writes it as a `.eml` file (the
//! embedded default: no server), and, in unit tests, `Recording` answers from a script so
//! that retry and backoff are tested without a server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{FileTransport, Message, SmtpTransport};

use crate::config::{Config, SmtpTls, TransportKind};
use crate::{Error, Result};

/// Why a message was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What the transport said.
    pub reason: String,
    /// Whether trying again cannot help (an SMTP 5xx answer).
    pub permanent: bool,
}

/// Something that accepts built messages.
pub trait Transport: Send + Sync {
    /// Hands over one message: `Ok(())` once it has been accepted.
    fn send(&self, message: &Message) -> std::result::Result<(), Refusal>;
    /// Where messages go, for logs and summaries.
    fn describe(&self) -> String;
}

/// An SMTP server.
pub struct Smtp {
    transport: SmtpTransport,
    url: String,
}

/// Hands a message to one of lettre's transports; `permanent` tells which errors are.
fn hand_over<T: lettre::Transport>(
    transport: &T,
    message: &Message,
    permanent: impl Fn(&T::Error) -> bool,
) -> std::result::Result<(), Refusal>
where
    T::Error: std::fmt::Display,
{
    transport.send(message).map(|_| ()).map_err(|e| Refusal {
        reason: e.to_string(),
        permanent: permanent(&e),
    })
}

impl Transport for Smtp {
    fn send(&self, message: &Message) -> std::result::Result<(), Refusal> {
        hand_over(&self.transport, message, |e| e.is_permanent())
    }
    fn describe(&self) -> String {
        self.url.clone()
    }
}

/// Each message as a `.eml` file in a folder.
pub struct Folder {
    transport: FileTransport,
    dir: PathBuf,
}

impl Transport for Folder {
    fn send(&self, message: &Message) -> std::result::Result<(), Refusal> {
        hand_over(&self.transport, message, |_| false)
    }
    fn describe(&self) -> String {
        format!("folder {}", self.dir.display())
    }
}

/// The transport the configuration asks for (`[notify] transport`).
pub fn from_config(config: &Config, data_dir: &Path) -> Result<Box<dyn Transport>> {
    let n = &config.notify;
    match n.transport {
        TransportKind::File => {
            let dir = data_dir.join(&n.file_dir);
            std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
            Ok(Box::new(Folder {
                transport: FileTransport::new(&dir),
                dir,
            }))
        }
        TransportKind::Smtp => {
            let s = &n.smtp;
            let smtp_err = |e: lettre::transport::smtp::Error| {
                Error::Setup(format!("SMTP server {}: {e}", s.host))
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
            Ok(Box::new(Smtp {
                transport: builder.build(),
                url: format!("smtp://{}:{}", s.host, s.port),
            }))
        }
    }
}

/// A transport for unit tests: answers each message with the next scripted outcome
/// (accepting once the script is used up) and keeps what it accepted; clones share both.
#[cfg(test)]
#[derive(Clone)]
pub struct Recording {
    script: Shared<std::collections::VecDeque<Option<Refusal>>>,
    accepted: Shared<Vec<Vec<u8>>>,
}

#[cfg(test)]
type Shared<T> = std::sync::Arc<std::sync::Mutex<T>>;

#[cfg(test)]
impl Recording {
    /// A transport that answers with `script` in order (`None` accepts).
    pub fn new(script: Vec<Option<Refusal>>) -> Recording {
        Recording {
            script: Shared::new(std::sync::Mutex::new(script.into())),
            accepted: Shared::default(),
        }
    }

    /// The messages accepted so far, formatted as sent.
    pub fn accepted(&self) -> Vec<Vec<u8>> {
        self.accepted.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
impl Transport for Recording {
    fn send(&self, message: &Message) -> std::result::Result<(), Refusal> {
        let next = self
            .script
            .lock()
            .ok()
            .and_then(|mut s| s.pop_front())
            .flatten();
        match next {
            Some(refusal) => Err(refusal),
            None => {
                if let Ok(mut a) = self.accepted.lock() {
                    a.push(message.formatted());
                }
                Ok(())
            }
        }
    }
    fn describe(&self) -> String {
        "recording".into()
    }
}
