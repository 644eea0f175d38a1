//! The mail sections of the configuration: `[notify]` and its SMTP server, `[[imap]]`
//! mailboxes, and how secrets and CA certificates are read.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Config;
use crate::model::Lang;
use crate::{Error, Result};

/// Where outgoing mail goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// `.eml` files in a folder under the data directory (no server needed).
    File,
    /// An SMTP server.
    Smtp,
}

/// How to talk to a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// No encryption: only allowed to a loopback address.
    None,
    /// STARTTLS on the plain port.
    Starttls,
    /// TLS from the start.
    Tls,
}

/// The SMTP server mail is sent through.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Encryption.
    pub tls: SmtpTls,
    /// User name for AUTH (none: no authentication).
    pub user: Option<String>,
    /// The password itself (prefer the two below).
    pub password: Option<String>,
    /// An environment variable holding the password.
    pub password_env: Option<String>,
    /// A file holding the password.
    pub password_file: Option<std::path::PathBuf>,
    /// A PEM file of certificate authorities to trust besides the system's (a private CA).
    pub ca_file: Option<std::path::PathBuf>,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: 25,
            tls: SmtpTls::None,
            user: None,
            password: None,
            password_env: None,
            password_file: None,
            ca_file: None,
        }
    }
}

/// Mail out.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// Send acknowledgements of receipt.
    pub acknowledge: bool,
    /// Tell contributors about approvals and rejections.
    pub notify_decisions: bool,
    /// The From of outgoing mail [default: the first contact address].
    pub from: Option<String>,
    /// Where mail goes.
    pub transport: TransportKind,
    /// For the file transport: the folder, relative to the data directory.
    pub file_dir: std::path::PathBuf,
    /// For the SMTP transport.
    pub smtp: SmtpConfig,
    /// At most one acknowledgement per sender in this many hours.
    pub ack_interval_hours: u64,
    /// The published site, for links in approval messages.
    pub base_url: Option<String>,
    /// Who gets the digest of new pending submissions.
    pub digest_to: Vec<String>,
    /// How often the digest goes out (`hubmail watch`).
    pub digest_interval_minutes: u64,
    /// Folder of template overrides (`ack.fr.txt`…).
    pub templates_dir: Option<std::path::PathBuf>,
    /// Give up on a message after this many attempts.
    pub max_attempts: u32,
    /// A decision's notice waits this many minutes before it is sent: a reopen or another
    /// decision meanwhile cancels it, so a moderator's mistake never reaches the
    /// contributor (0 sends at once).
    pub decision_delay_minutes: u64,
    /// The language of the moderators' digest (en, fr, es).
    pub moderators_lang: Lang,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            acknowledge: true,
            notify_decisions: true,
            from: None,
            transport: TransportKind::File,
            file_dir: std::path::PathBuf::from("sent-mail"),
            smtp: SmtpConfig::default(),
            ack_interval_hours: 24,
            base_url: None,
            digest_to: Vec::new(),
            digest_interval_minutes: 60,
            templates_dir: None,
            max_attempts: 20,
            decision_delay_minutes: 10,
            moderators_lang: Lang::En,
        }
    }
}

impl NotifyConfig {
    /// The From address: configured, else the first contact address, else a local one.
    pub fn from_address(&self, config: &Config) -> String {
        self.from
            .clone()
            .or_else(|| config.hub.contact_addresses.first().cloned())
            .unwrap_or_else(|| "hubmail@localhost".into())
    }
}

/// Reads a PEM file of extra certificate authorities.
pub fn read_ca(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io("reading the CA file", path, e))
}

/// Whether a host name is a loopback address (plain-text protocols are only allowed there).
pub fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Resolves a password from the config, an environment variable or a file (never the
/// command line).
pub fn secret(
    inline: Option<&str>,
    env: Option<&str>,
    file: Option<&Path>,
    section: &str,
) -> Result<String> {
    if let Some(var) = env {
        return std::env::var(var).map_err(|_| {
            Error::Setup(format!(
                "{section} password_env: the variable {var} is not set"
            ))
        });
    }
    if let Some(path) = file {
        return std::fs::read_to_string(path)
            .map(|p| p.trim_end_matches(['\n', '\r']).to_string())
            .map_err(|e| Error::io("reading the password file", path, e));
    }
    inline.map(str::to_string).ok_or_else(|| {
        Error::Setup(format!(
            "{section}: a user is set but no password: set password_env or password_file"
        ))
    })
}

/// An IMAP mailbox to read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapConfig {
    /// A short name (its checkpoint in the store is kept under it).
    pub name: String,
    /// Host name.
    pub host: String,
    /// Port [default: 993 with tls = "tls", else 143].
    pub port: Option<u16>,
    /// Encryption: "tls", "starttls", or "none" (loopback only).
    #[serde(default = "default_tls")]
    pub tls: SmtpTls,
    /// Login.
    pub user: String,
    /// The password itself (prefer the two below).
    pub password: Option<String>,
    /// An environment variable holding the password.
    pub password_env: Option<String>,
    /// A file holding the password.
    pub password_file: Option<std::path::PathBuf>,
    /// A PEM file of certificate authorities to trust besides the system's (a private CA).
    pub ca_file: Option<std::path::PathBuf>,
    /// The folder to read.
    #[serde(default = "default_folder")]
    pub folder: String,
    /// Where processed messages are moved (where the server has MOVE; else they are
    /// flagged \Seen and stay).
    #[serde(default = "default_processed")]
    pub processed_folder: String,
    /// Messages fetched per round trip.
    #[serde(default = "default_imap_batch")]
    pub batch: usize,
    /// Wait for new mail with IDLE where the server supports it.
    #[serde(default = "default_true")]
    pub idle: bool,
}

fn default_tls() -> SmtpTls {
    SmtpTls::Tls
}

fn default_folder() -> String {
    "INBOX".into()
}

fn default_processed() -> String {
    "Processed".into()
}

fn default_imap_batch() -> usize {
    100
}

fn default_true() -> bool {
    true
}

impl ImapConfig {
    /// The port in force.
    pub fn port(&self) -> u16 {
        self.port
            .unwrap_or(if self.tls == SmtpTls::Tls { 993 } else { 143 })
    }
}
