//! The configuration file (TOML): discussion spaces and their questions, limits, store
//! settings. Loaded once, validated, then passed by reference; nothing here knows about
//! the command line.
//!
//! Without a file the embedded default applies: one general discussion space that accepts
//! any question number, and the default limits. The quickstart runs on it.

mod localized;
mod mail;

pub use localized::{InLang, Localized};

pub use mail::{
    ImapConfig, NotifyConfig, SmtpConfig, SmtpTls, TransportKind, is_loopback, read_ca, secret,
};

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::model::{AddedQuestion, Lang};
use crate::{Error, Result};

/// The configuration used when no file is given.
pub const EMBEDDED_DEFAULT: &str = include_str!("default_config.toml");

/// hubmail's whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The contact mailbox and trust settings.
    #[serde(default)]
    pub hub: HubConfig,
    /// Limits that protect the worker from hostile mail.
    #[serde(default)]
    pub limits: Limits,
    /// Store settings.
    #[serde(default)]
    pub store: StoreConfig,
    /// Who may moderate and how many approvals publish a contribution.
    #[serde(default)]
    pub moderation: ModerationConfig,
    /// Search settings.
    #[serde(default)]
    pub search: SearchConfig,
    /// Mail out: acknowledgements, decisions, digests.
    #[serde(default)]
    pub notify: NotifyConfig,
    /// What `hubmail watch` reads.
    #[serde(default)]
    pub watch: WatchConfig,
    /// The published site.
    #[serde(default)]
    pub publish: PublishConfig,
    /// IMAP mailboxes to read (`hubmail watch`, `hubmail ingest --imap NAME`).
    #[serde(default, rename = "imap")]
    pub imap: Vec<ImapConfig>,
    /// How stakeholder types are inferred: the consultation's rules, then the shipped ones.
    #[serde(default)]
    pub stakeholders: crate::stakeholder::Rules,
    /// When texts from many senders are one campaign.
    #[serde(default)]
    pub campaigns: crate::campaign::CampaignConfig,
    /// When two versions from one sender are one contribution in two languages.
    #[serde(default)]
    pub translations: crate::translation::TranslationConfig,
    /// The discussion spaces, in display order. The first is the default for routing.
    #[serde(default, rename = "space")]
    pub spaces: Vec<Space>,
}

/// The contact mailbox and whom to trust.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubConfig {
    /// The consultation's own addresses (mail from them is never a contribution).
    #[serde(default)]
    pub contact_addresses: Vec<String>,
    /// The `authserv-id` of the server whose `Authentication-Results` we believe.
    /// Without it, `Authentication-Results` headers are ignored (anyone can forge them).
    pub trusted_authserv_id: Option<String>,
}

/// Limits that keep one hostile message from hurting the worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Larger messages are quarantined unparsed (their bytes are kept).
    pub max_message_bytes: u64,
    /// Larger attachments are dropped with the flag `attachment-too-large`.
    pub max_attachment_bytes: u64,
    /// Messages with more MIME parts are quarantined.
    pub max_parts: usize,
    /// Messages whose MIME tree is deeper are quarantined.
    pub max_depth: usize,
    /// Messages with a larger header block are quarantined.
    pub max_header_bytes: usize,
    /// How long reading one attachment's text may take (wall clock and CPU), in seconds.
    pub extract_seconds: u64,
    /// The memory an attachment's reader may use, in MB.
    pub extract_memory_mb: u64,
    /// PDF pages read; the rest of a longer document is left out, said so.
    pub extract_max_pages: u32,
    /// Characters of an attachment's text kept.
    pub extract_max_chars: usize,
    /// What a DOCX or ODT part may unzip to, in bytes (a zip bomb is over it).
    pub extract_max_unzipped_bytes: u64,
    /// Entries a DOCX or ODT archive may hold.
    pub extract_max_zip_entries: usize,
    /// How deep a document's XML may nest.
    pub extract_max_xml_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 50 * 1024 * 1024,
            max_attachment_bytes: 20 * 1024 * 1024,
            max_parts: 1000,
            max_depth: 20,
            max_header_bytes: 512 * 1024,
            extract_seconds: 20,
            extract_memory_mb: 512,
            extract_max_pages: 300,
            extract_max_chars: 300_000,
            extract_max_unzipped_bytes: 100 * 1024 * 1024,
            extract_max_zip_entries: 5_000,
            extract_max_xml_depth: 256,
        }
    }
}

/// How the store is opened.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// How long a command waits for another hubmail process to release the store.
    pub lock_wait_ms: u64,
    /// How many messages an ingest run processes before it commits and lets other
    /// processes (moderators) in.
    pub batch_size: usize,
    /// Once the store holds this many submissions it trains a zstd dictionary per kind of
    /// value (raw mail, records, queue rows, audit and outbox entries) on the first ones,
    /// and compresses what comes after with it; 0 never trains.
    pub dictionary_after: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            lock_wait_ms: 30_000,
            batch_size: 500,
            // Enough samples for a dictionary worth having; small stores, where space
            // does not matter, never pay for one.
            dictionary_after: 1_000,
        }
    }
}

/// Moderation rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModerationConfig {
    /// Approvals from distinct moderators needed to approve (peer review); one rejection
    /// decides.
    pub approvals_required: u32,
    /// The moderators allowed to act; empty means anyone.
    pub moderators: Vec<String>,
    /// The moderator name used when `--moderator` is not given (else `$USER`).
    pub default_moderator: Option<String>,
    /// Flag a sender's first message `first-time-sender` (off: on a new consultation every
    /// message would carry it, and a flag on everything tells no one anything).
    pub flag_first_time: bool,
    /// Moderation by reply (`[moderation.mail]`).
    pub mail: crate::mail_moderation::MailModerationConfig,
}

impl Default for ModerationConfig {
    fn default() -> Self {
        ModerationConfig {
            approvals_required: 1,
            moderators: Vec::new(),
            default_moderator: None,
            flag_first_time: false,
            mail: Default::default(),
        }
    }
}

/// The order contributions are shown in under a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishOrder {
    /// Oldest first (a discussion reads top to bottom).
    Oldest,
    /// Newest first.
    Newest,
}

/// The published site.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublishConfig {
    /// Where `hubmail publish` writes (a symlink to the current release).
    pub out: std::path::PathBuf,
    /// The site's public address, for the feed's links and ids.
    pub base_url: Option<String>,
    /// Shown in every page's footer.
    pub disclaimer: Option<String>,
    /// Contributions under a question: oldest or newest first.
    pub order: PublishOrder,
    /// Publish again after every moderation decision.
    pub after_decision: bool,
}

impl Default for PublishConfig {
    fn default() -> Self {
        PublishConfig {
            out: std::path::PathBuf::from("site"),
            base_url: None,
            disclaimer: None,
            order: PublishOrder::Oldest,
            after_decision: false,
        }
    }
}

/// What the long-running worker reads, and how often.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchConfig {
    /// Maildirs to read.
    pub maildirs: Vec<std::path::PathBuf>,
    /// How often to look at Maildirs, poll IMAP servers without IDLE, and retry the
    /// outbox.
    pub poll_seconds: u64,
}

impl Default for WatchConfig {
    fn default() -> Self {
        WatchConfig {
            maildirs: Vec::new(),
            poll_seconds: 30,
        }
    }
}

/// Search settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {
    /// Where saved searches (`NAME.query`) live, relative to the working directory.
    pub saved_queries: std::path::PathBuf,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            saved_queries: std::path::PathBuf::from("queries"),
        }
    }
}

/// A discussion space: one consultation page with numbered questions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Space {
    /// Short stable id, used in references like `gcm:2`.
    pub id: String,
    /// Title shown on the page and named in notices, once or per language (`title.fr`).
    pub title: Localized,
    /// What the space is for, once or per language.
    #[serde(default)]
    pub aim: Localized,
    /// The space's first language: its page's when it offers one, and what a missing
    /// translation falls back to.
    pub lang: Option<Lang>,
    /// The languages its pages are published in (`/en/`, `/fr/`, `/es/`) [default: its
    /// first language only].
    #[serde(default)]
    pub languages: Vec<Lang>,
    /// A note at the foot of its pages, once or per language [default: `[publish]
    /// disclaimer`].
    #[serde(default)]
    pub disclaimer: Localized,
    /// What the page calls its moderators, once or per language [default: "Moderators",
    /// « Modération », "Moderación"].
    #[serde(default)]
    pub moderators_label: Localized,
    /// How notices to contributors are signed, once or per language (`signature.fr`);
    /// several lines allowed. A language without one gets the default ("The moderation
    /// team" and the title, in that language), never another language's.
    #[serde(default)]
    pub signature: Localized,
    /// The moderators' names as shown on the page.
    #[serde(default)]
    pub moderators: Vec<String>,
    /// After this date, submissions are flagged `after-deadline`.
    #[serde(default, deserialize_with = "optional_date")]
    pub closes: Option<Date>,
    /// Plus-address tag that routes mail to this space (`contact+TAG@…`).
    pub address_tag: Option<String>,
    /// The numbered questions. A space without questions accepts any number.
    #[serde(default, rename = "question")]
    pub questions: Vec<Question>,
}

/// A numbered discussion question.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Its number, as contributors cite it ("Question 2").
    pub number: u32,
    /// Its text per language.
    #[serde(default)]
    pub title: BTreeMap<Lang, String>,
    /// The Message-ID of the mail that posed it: replies to it are routed here.
    pub message_id: Option<String>,
    /// After this date, answers are flagged `after-deadline`.
    #[serde(default, deserialize_with = "optional_date")]
    pub closes: Option<Date>,
    /// Who added it with `hubmail question add` (none: the config declares it).
    #[serde(skip)]
    pub added_by: Option<String>,
}

/// Accepts a TOML date (`closes = 2022-03-15`) or a string (`closes = "2022-03-15"`).
fn optional_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Toml(toml::value::Datetime),
        Text(String),
    }
    use serde::de::Error as _;
    match Option::<Repr>::deserialize(d)? {
        None => Ok(None),
        Some(Repr::Text(s)) => s
            .parse::<Date>()
            .map(Some)
            .map_err(|e| D::Error::custom(format!("{s:?} is not a date like 2022-03-15: {e}"))),
        Some(Repr::Toml(dt)) => {
            let date = dt
                .date
                .ok_or_else(|| D::Error::custom("expected a date like 2022-03-15"))?;
            jiff::civil::Date::new(date.year as i16, date.month as i8, date.day as i8)
                .map(Some)
                .map_err(|e| D::Error::custom(e.to_string()))
        }
    }
}

impl Config {
    /// The embedded default configuration.
    pub fn embedded() -> Config {
        Config::parse(EMBEDDED_DEFAULT, Path::new("<embedded default>"))
            .expect("the embedded default configuration is valid (checked by a unit test)")
    }

    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading", path, e))?;
        Config::parse(&text, path)
    }

    /// Parses and validates configuration text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        config.validate().map_err(|message| Error::Config {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(config)
    }

    fn validate(&self) -> std::result::Result<(), String> {
        if self.spaces.is_empty() {
            return Err("no [[space]] is defined; define at least one discussion space".into());
        }
        let mut ids = std::collections::BTreeSet::new();
        for space in &self.spaces {
            if space.id.is_empty()
                || !space
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Err(format!(
                    "space id {:?} must be non-empty letters, digits and '-'",
                    space.id
                ));
            }
            if !ids.insert(space.id.as_str()) {
                return Err(format!("space id {:?} is defined twice", space.id));
            }
            if space.title.is_empty() {
                return Err(format!("space {:?} has no title", space.id));
            }
            if let Some(lang) = space.lang
                && !space.languages.is_empty()
                && !space.languages.contains(&lang)
            {
                return Err(format!(
                    "space {:?}: lang = {:?} is not among its languages {:?}",
                    space.id,
                    lang.code(),
                    space.languages.iter().map(|l| l.code()).collect::<Vec<_>>()
                ));
            }
            let mut numbers = std::collections::BTreeSet::new();
            for q in &space.questions {
                if q.number == 0 || !numbers.insert(q.number) {
                    return Err(format!(
                        "space {:?}: question number {} is zero or defined twice",
                        space.id, q.number
                    ));
                }
            }
        }
        if self.limits.max_parts == 0 || self.limits.max_depth == 0 {
            return Err("[limits] max_parts and max_depth must be at least 1".into());
        }
        if self.moderation.approvals_required == 0 {
            return Err("[moderation] approvals_required must be at least 1".into());
        }
        if self.moderation.approvals_required as usize > self.moderation.moderators.len()
            && !self.moderation.moderators.is_empty()
        {
            return Err(format!(
                "[moderation] approvals_required is {} but only {} moderators are listed",
                self.moderation.approvals_required,
                self.moderation.moderators.len()
            ));
        }
        if self.notify.transport == TransportKind::Smtp
            && self.notify.smtp.tls == SmtpTls::None
            && !is_loopback(&self.notify.smtp.host)
        {
            return Err(format!(
                "[notify.smtp] tls = \"none\" sends in clear text: only allowed to a loopback \
                 address, not {:?}; use tls = \"starttls\" or \"tls\"",
                self.notify.smtp.host
            ));
        }
        for imap in &self.imap {
            if imap.tls == SmtpTls::None && !is_loopback(&imap.host) {
                return Err(format!(
                    "[[imap]] {:?}: tls = \"none\" sends the password in clear text: only \
                     allowed to a loopback address, not {:?}",
                    imap.name, imap.host
                ));
            }
            if imap.batch == 0 {
                return Err(format!(
                    "[[imap]] {:?}: batch must be at least 1",
                    imap.name
                ));
            }
        }
        if self.store.batch_size == 0 {
            return Err("[store] batch_size must be at least 1".into());
        }
        Ok(())
    }

    /// The space routing falls back to: the first one.
    pub fn default_space(&self) -> &Space {
        &self.spaces[0]
    }

    /// The IMAP mailbox with this name.
    pub fn imap(&self, name: &str) -> Option<&ImapConfig> {
        self.imap.iter().find(|i| i.name == name)
    }

    /// The space with this id.
    pub fn space(&self, id: &str) -> Option<&Space> {
        self.spaces.iter().find(|s| s.id == id)
    }

    /// The space whose page shows a submission routed to `question`: its own, else (no
    /// question, or a space no longer configured) the default space.
    pub fn space_showing(&self, question: Option<&crate::model::QuestionRef>) -> &Space {
        question
            .and_then(|q| self.space(&q.space))
            .unwrap_or_else(|| self.default_space())
    }

    /// The configuration with the questions moderators added (`hubmail question add`,
    /// kept in the store) in their spaces, in number order; itself when there are none.
    /// A question whose space left the config is left out.
    pub fn with_added_questions(&self, added: &[AddedQuestion]) -> Cow<'_, Config> {
        if added.is_empty() {
            return Cow::Borrowed(self);
        }
        let mut config = self.clone();
        for q in added {
            let Some(space) = config.spaces.iter_mut().find(|s| s.id == q.space) else {
                continue;
            };
            if space.question(q.number).is_some() {
                continue; // the config declares it now
            }
            space.questions.push(Question {
                number: q.number,
                title: q.title.clone(),
                message_id: q.message_id.clone(),
                closes: None,
                added_by: Some(q.by.clone()),
            });
            space.questions.sort_by_key(|q| q.number);
        }
        Cow::Owned(config)
    }
}

impl Space {
    /// The space's first language: what a missing translation falls back to.
    pub fn first_lang(&self) -> Lang {
        self.lang
            .or_else(|| self.languages.first().copied())
            .unwrap_or(Lang::En)
    }

    /// The languages its pages are published in, the first language first.
    pub fn languages(&self) -> Vec<Lang> {
        let mut langs = vec![self.first_lang()];
        for l in &self.languages {
            if !langs.contains(l) {
                langs.push(*l);
            }
        }
        langs
    }

    /// The title in `lang`, or in the space's first language when it has none in `lang`.
    pub fn title_in(&self, lang: Lang) -> &str {
        self.title.text(lang, self.first_lang())
    }

    /// The aim in `lang`, or in the space's first language.
    pub fn aim_in(&self, lang: Lang) -> &str {
        self.aim.text(lang, self.first_lang())
    }

    /// Whether this space has a question with this number (a space whose config declares
    /// no questions accepts any number from 1 to 99, and those moderators added).
    pub fn accepts_question(&self, number: u32) -> bool {
        self.questions.iter().any(|q| q.number == number)
            || (self.open_numbering() && (1..100).contains(&number))
    }

    /// Whether the config declares no questions, so that any number is accepted.
    pub fn open_numbering(&self) -> bool {
        self.questions.iter().all(|q| q.added_by.is_some())
    }

    /// The question with this number.
    pub fn question(&self, number: u32) -> Option<&Question> {
        self.questions.iter().find(|q| q.number == number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_is_valid_and_accepts_any_question() {
        let config = Config::embedded();
        assert_eq!(config.spaces.len(), 1);
        assert!(config.default_space().accepts_question(7));
        assert!(!config.default_space().accepts_question(0));
    }

    #[test]
    fn unknown_field_is_an_error_that_names_it() {
        let err = Config::parse("[limits]\nmax_part = 3\n", Path::new("x.toml")).unwrap_err();
        assert!(err.to_string().contains("max_part"), "{err}");
    }

    #[test]
    fn duplicate_question_number_is_refused() {
        let text = "[[space]]\nid='a'\ntitle='A'\n[[space.question]]\nnumber=1\n[[space.question]]\nnumber=1\n";
        let err = Config::parse(text, Path::new("x.toml")).unwrap_err();
        assert!(err.to_string().contains("defined twice"), "{err}");
    }
}
