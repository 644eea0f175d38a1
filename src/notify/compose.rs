//! What a message says: the language it is written in, and the values its template is
//! rendered with (a greeting people would write, the space's title and signature in that
//! language, the question's title, dates as each language writes them; for the digest, each
//! new arrival and the totals).

use jiff::civil::Date;
use serde::Serialize;

use super::templates::{Rendered, Templates};
use crate::Result;
use crate::config::{Config, Space};
use crate::model::{Lang, MailKind, OutboxEntry, State, Submission, SubmissionId};
use crate::store::Store;

/// The language a message goes out in: a contributor's notice in the submission's language
/// as it is now (a moderator's correction counts; behind a cover note, the note's), the
/// moderators' digest in
/// `[notify] moderators_lang`; English where the language is undetermined.
pub fn language(config: &Config, kind: MailKind, submission: Option<&Submission>) -> Lang {
    match (kind, submission) {
        (MailKind::Digest, _) => config.notify.moderators_lang,
        (_, Some(s)) => s.correspondence_lang().unwrap_or(Lang::En),
        (_, None) => Lang::En,
    }
}

/// Renders an outbox entry's message in `lang` from the store as it is now.
pub fn render(
    store: &Store,
    config: &Config,
    templates: &Templates,
    entry: &OutboxEntry,
    submission: Option<&Submission>,
    lang: Lang,
) -> Result<Rendered> {
    match (entry.kind, submission) {
        (MailKind::Digest, _) => {
            let digest = digest(store, config, &entry.digest, lang)?;
            templates.render(entry.kind, lang, &digest)
        }
        (kind, Some(s)) => {
            let notice = notice(config, s, entry.reason.as_deref(), entry.corrects, lang);
            templates.render(kind, lang, &notice)
        }
        (kind, None) => Err(crate::Error::Input(format!(
            "outbox message {} ({}) names no submission",
            entry.seq,
            kind.as_str()
        ))),
    }
}

/// The values of a contributor's notice (acknowledgement, approval, rejection): the
/// variables [`super::templates::variables`] lists for those kinds.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    /// The space's title in the notice's language.
    pub space: String,
    /// The contributor's name as people write it, or "" when only an address is known.
    pub author: String,
    /// The opening line: "Dear Ana López," or, without a name, "Dear contributor,".
    pub greeting: String,
    /// The contribution's subject.
    pub subject: String,
    /// When it arrived, as the language writes dates ("1 February 2022").
    pub date: String,
    /// The submission's number.
    pub id: String,
    /// The question it was filed under, with its title, or that a moderator will file it.
    pub routing: String,
    /// Where it is published, when `[notify] base_url` is set.
    pub link: String,
    /// A rejection's reason.
    pub reason: String,
    /// A rejection's standard reason code (`off-topic`, `duplicate`…), or "".
    pub code: String,
    /// How the message is signed: the space's `signature` in the language, or "The
    /// moderation team" and the title.
    pub signature: String,
    /// For a decision that reverses one already sent: the date of the message it replaces
    /// ("3 December 2026"), else "".
    pub corrects: String,
}

/// The notice's values for a submission in `lang`; `corrects`, when the notice reverses
/// a decision notice sent before, is when that one was sent.
pub fn notice(
    config: &Config,
    s: &Submission,
    reason: Option<&str>,
    corrects: Option<jiff::Timestamp>,
    lang: Lang,
) -> Notice {
    let space = space_of(config, s);
    let title = space.title_in(lang).to_string();
    let author = greetable_name(s).unwrap_or_default().to_string();
    Notice {
        greeting: greeting(&author, lang),
        signature: signature(space, lang),
        space: title,
        author,
        subject: if s.subject.trim().is_empty() {
            match lang {
                Lang::En => "(no subject)",
                Lang::Fr => "(sans objet)",
                Lang::Es => "(sin asunto)",
            }
            .into()
        } else {
            s.subject.clone()
        },
        date: long_date(s.received.to_zoned(jiff::tz::TimeZone::UTC).date(), lang),
        id: s.id.to_string(),
        routing: routing(config, s, lang),
        link: link(config, s, lang),
        reason: reason.unwrap_or_default().to_string(),
        code: s
            .decision
            .as_ref()
            .filter(|d| d.state == crate::model::State::Rejected)
            .and_then(|d| d.code)
            .map(|c| c.to_string())
            .unwrap_or_default(),
        corrects: corrects
            .map(|t| long_date(t.to_zoned(jiff::tz::TimeZone::UTC).date(), lang))
            .unwrap_or_default(),
    }
}

fn space_of<'c>(config: &'c Config, s: &Submission) -> &'c Space {
    s.question
        .as_ref()
        .and_then(|q| config.space(&q.space))
        .unwrap_or_else(|| config.default_space())
}

/// The contributor's name when it is one a person would be greeted by: not empty, not an
/// address, not the address's local part as written ("ana.lopez"), not a handle with
/// dots, underscores or digits and no space.
pub fn greetable_name(s: &Submission) -> Option<&str> {
    let name = s.author.name.trim();
    let local = s.author.address.split('@').next().unwrap_or_default();
    let handle = !name.contains(char::is_whitespace)
        && name.contains(|c: char| c == '.' || c == '_' || c.is_ascii_digit());
    let named = !name.is_empty()
        && !name.contains('@')
        // What ingestion falls back to without a display name is the local part as it is
        // written; a display name "Amina" for amina@ is a name.
        && name != local
        && !handle
        && name.chars().any(char::is_alphabetic);
    named.then_some(name)
}

/// The opening line in `lang`, with the name or, without one, the neutral form.
pub fn greeting(name: &str, lang: Lang) -> String {
    match (lang, name.is_empty()) {
        (Lang::En, false) => format!("Dear {name},"),
        (Lang::En, true) => "Dear contributor,".into(),
        (Lang::Fr, false) => format!("Bonjour {name},"),
        (Lang::Fr, true) => "Madame, Monsieur,".into(),
        (Lang::Es, false) => format!("Estimado/a {name}:"),
        (Lang::Es, true) => "Estimado/a participante:".into(),
    }
}

/// How a notice in `lang` is signed: the space's configured signature, else the team and
/// the consultation's title on two lines (no grammar to get wrong: no "de IMRF").
pub fn signature(space: &Space, lang: Lang) -> String {
    // Never another language's signature: the default in this one instead.
    if let Some(configured) = space.signature.exact(lang) {
        return configured.trim_end().to_string();
    }
    let team = match lang {
        Lang::En => "The moderation team",
        Lang::Fr => "L'équipe de modération",
        Lang::Es => "El equipo de moderación",
    };
    format!("{team}\n{}", space.title_in(lang))
}

/// A date as `lang` writes it in a letter: "1 February 2022", « 1er février 2022 »,
/// "1 de febrero de 2022".
pub fn long_date(date: Date, lang: Lang) -> String {
    lang.long_date(date)
}

fn routing(config: &Config, s: &Submission, lang: Lang) -> String {
    let Some(q) = &s.question else {
        return match lang {
            Lang::En => "A moderator will file it under the question it answers.".into(),
            Lang::Fr => "L'équipe de modération la rattachera à la question correspondante.".into(),
            Lang::Es => {
                "El equipo de moderación la asignará a la pregunta a la que responde.".into()
            }
        };
    };
    let space = config.space(&q.space);
    let title = space
        .and_then(|sp| sp.question(q.number).map(|qq| (sp, qq)))
        .and_then(|(sp, qq)| {
            qq.title
                .get(&lang)
                .or_else(|| qq.title.get(&sp.first_lang()))
                .or_else(|| qq.title.values().next())
                .cloned()
        });
    let (colon, title) = match title {
        Some(t) => (true, format!("\n\n    {t}")),
        None => (false, String::new()),
    };
    let n = q.number;
    match (lang, colon) {
        (Lang::En, true) => format!("It has been filed under question {n}:{title}"),
        (Lang::En, false) => format!("It has been filed under question {n}."),
        (Lang::Fr, true) => format!("Elle a été rattachée à la question {n}\u{a0}:{title}"),
        (Lang::Fr, false) => format!("Elle a été rattachée à la question {n}."),
        (Lang::Es, true) => format!("La hemos asignado a la pregunta {n}:{title}"),
        (Lang::Es, false) => format!("La hemos asignado a la pregunta {n}."),
    }
}

fn link(config: &Config, s: &Submission, lang: Lang) -> String {
    let Some(base) = &config.notify.base_url else {
        return String::new();
    };
    let url = format!("{}#contribution-{}", base.trim_end_matches('#'), s.id);
    match lang {
        Lang::En => format!("You can read it at {url}"),
        Lang::Fr => format!("Vous pouvez la consulter à l'adresse {url}"),
        Lang::Es => format!("Puede consultarla en {url}"),
    }
}

/// The values of the moderators' digest: the variables [`super::templates::variables`]
/// lists for it.
#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    /// The default space's title in the digest's language.
    pub space: String,
    /// How many submissions arrived since the last digest.
    pub count: usize,
    /// Those still pending, each with what a moderator decides on.
    pub pending: Vec<DigestItem>,
    /// Those already decided, ignored or quarantined since they arrived.
    pub settled: Vec<DigestItem>,
    /// Every arrival as text lines (for templates that just print a list).
    pub list: String,
    /// The store's totals by state, as text ("pending 4 · approved 12 · …").
    pub totals: String,
}

/// One arrival in the digest.
#[derive(Debug, Clone, Serialize)]
pub struct DigestItem {
    /// Its number.
    pub id: u64,
    /// Its state now.
    pub state: &'static str,
    /// Its language, or "?".
    pub lang: &'static str,
    /// "Q2" or "—".
    pub question: String,
    /// Who sent it, with the affiliation when known.
    pub author: String,
    /// Its flags, comma-separated, or "".
    pub flags: String,
    /// The first two lines of its text.
    pub lines: Vec<String>,
    /// The subject.
    pub subject: String,
}

fn digest_item(s: &Submission) -> DigestItem {
    // Moderators may see addresses: the address stands in for a missing name.
    let who = if s.author.name.trim().is_empty() {
        match s.author.address.as_str() {
            "" => "(no sender)",
            address => address,
        }
    } else {
        s.author.name.as_str()
    };
    let author = match &s.author.affiliation {
        Some(a) if !a.is_empty() => format!("{who} ({a})"),
        _ => who.to_string(),
    };
    DigestItem {
        id: s.id.0,
        state: s.state.as_str(),
        lang: s.lang.map_or("?", |l| l.code()),
        question: s
            .question
            .as_ref()
            .map_or("—".into(), |q| format!("Q{}", q.number)),
        author,
        flags: s
            .flags
            .iter()
            .map(|f| f.kind.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        lines: s
            .body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !is_salutation(l))
            .take(2)
            .map(|l| clip(l, 64))
            .collect(),
        subject: match s.subject.trim() {
            "" => "(no subject)".into(),
            subject => clip(subject, 200),
        },
    }
}

/// The digest's values for the arrivals `ids`, as they are now.
pub fn digest(store: &Store, config: &Config, ids: &[SubmissionId], lang: Lang) -> Result<Digest> {
    let config = &*config.with_added_questions(&store.added_questions()?);
    let mut pending = Vec::new();
    let mut settled = Vec::new();
    let mut list = String::new();
    for id in ids {
        // An arrival erased since (`hubmail forget`) is no longer anyone's business.
        let Ok(s) = store.get(*id) else { continue };
        let item = digest_item(&s);
        list.push_str(&format!(
            "  #{} {} [{}] {} — {} — {}\n",
            item.id, item.state, item.lang, item.question, item.author, item.subject
        ));
        if s.state == State::Pending {
            pending.push(item);
        } else {
            settled.push(item);
        }
    }
    let mut totals = Vec::new();
    for state in State::ALL {
        let n = store.count_in_state(state)?;
        if n > 0 {
            totals.push(format!("{} {n}", state.as_str()));
        }
    }
    Ok(Digest {
        space: config.default_space().title_in(lang).to_string(),
        count: pending.len() + settled.len(),
        pending,
        settled,
        list: list.trim_end().to_string(),
        totals: totals.join(" · "),
    })
}

/// A short line that only greets ("Dear colleagues,", « Madame, Monsieur, »,
/// "Estimados moderadores:"): not what a digest should spend its two lines on.
fn is_salutation(line: &str) -> bool {
    line.chars().count() <= 40 && (line.ends_with(',') || line.ends_with(':'))
}

/// A line cut to `max` characters, with "…" when cut.
fn clip(line: &str, max: usize) -> String {
    match line.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}

/// Renders a message of `kind` in `lang` without queueing it (`hubmail notify preview`):
/// a contributor's notice about `submission` (a rejection with `reason`), or the digest of
/// `arrivals`.
pub fn preview(
    store: &Store,
    config: &Config,
    templates: &Templates,
    kind: MailKind,
    lang: Lang,
    (submission, reason, arrivals): (Option<&Submission>, Option<&str>, &[SubmissionId]),
) -> Result<Rendered> {
    match (kind, submission) {
        (MailKind::Digest, _) => {
            templates.render(kind, lang, &digest(store, config, arrivals, lang)?)
        }
        (_, Some(s)) => {
            // As it would go out now: reversing the last decision notice sent, it says so.
            let corrects = store
                .last_told(s.id)?
                .filter(|told| told.kind != kind && kind != MailKind::Ack)
                .map(|told| told.sent_at.unwrap_or(told.created));
            templates.render(kind, lang, &notice(config, s, reason, corrects, lang))
        }
        (_, None) => Err(crate::Error::Input(format!(
            "a preview of {} needs a submission: pass --id N",
            kind.as_str()
        ))),
    }
}

/// Example values of a kind, for trying a template when it is loaded.
pub fn sample(kind: MailKind) -> minijinja::Value {
    let item = |id: u64, state: &'static str| DigestItem {
        id,
        state,
        lang: "es",
        question: "Q2".into(),
        author: "Ana López (Ayuntamiento de Madrid)".into(),
        flags: "first-time-sender".into(),
        lines: vec!["Madrid ha reforzado…".into(), "…".into()],
        subject: "Pregunta 2".into(),
    };
    match kind {
        MailKind::Digest => minijinja::Value::from(minijinja::value::Serde(Digest {
            space: "Space".into(),
            count: 2,
            pending: vec![item(2, "pending")],
            settled: vec![item(1, "approved")],
            list: "  #1 …\n  #2 …".into(),
            totals: "pending 1 · approved 1".into(),
        })),
        _ => minijinja::Value::from(minijinja::value::Serde(Notice {
            space: "Space".into(),
            author: "Ana López".into(),
            greeting: "Dear Ana López,".into(),
            subject: "Subject".into(),
            date: "1 February 2022".into(),
            id: "1".into(),
            routing: "It has been filed under question 1.".into(),
            link: String::new(),
            reason: "off-topic".into(),
            code: "off-topic".into(),
            signature: "The moderation team\nSpace".into(),
            corrects: "3 December 2026".into(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(name: &str, address: &str) -> Submission {
        let mut s = Submission::example(State::Pending);
        s.author.name = name.into();
        s.author.address = address.into();
        s
    }

    #[test]
    fn only_a_name_a_person_goes_by_is_greeted() {
        let named = [
            ("Ana López", "ana.lopez@madrid.example.es"),
            ("KONE Awa", "akone@example.ci"),
            ("Dr Sarah Doyel", "sdoyel@iom.example.int"),
            ("Amina", "amina@example.org"),
        ];
        for (name, address) in named {
            assert_eq!(greetable_name(&from(name, address)), Some(name), "{name}");
        }
        let not_names = [
            ("ana.lopez", "ana.lopez@madrid.example.es"),
            ("Ana.Lopez", "ana.lopez@madrid.example.es"),
            ("", "info@example.org"),
            ("info@example.org", "info@example.org"),
            ("jdoe_1987", "j@example.org"),
            ("---", "x@example.org"),
        ];
        for (name, address) in not_names {
            assert_eq!(greetable_name(&from(name, address)), None, "{name:?}");
        }
        assert_eq!(greeting("", Lang::Fr), "Madame, Monsieur,");
        assert_eq!(greeting("", Lang::Es), "Estimado/a participante:");
        assert_eq!(greeting("Ana López", Lang::En), "Dear Ana López,");
    }

    #[test]
    fn dates_read_as_each_language_writes_them() {
        let first = jiff::civil::date(2022, 2, 1);
        let other = jiff::civil::date(2026, 12, 4);
        assert_eq!(long_date(first, Lang::En), "1 February 2022");
        assert_eq!(long_date(first, Lang::Fr), "1er février 2022");
        assert_eq!(long_date(other, Lang::Fr), "4 décembre 2026");
        assert_eq!(long_date(first, Lang::Es), "1 de febrero de 2022");
    }

    #[test]
    fn a_digest_skips_salutations_for_the_two_lines_that_say_something() {
        let mut s = from("Ana López", "ana@example.es");
        s.body = "Estimados moderadores:\n\nEl Ayuntamiento de Madrid propone tres medidas.\nPrimera: reducir costes.\nSegunda…".into();
        let item = digest_item(&s);
        assert_eq!(
            item.lines,
            [
                "El Ayuntamiento de Madrid propone tres medidas.",
                "Primera: reducir costes."
            ]
        );
        s.author.name.clear();
        assert_eq!(digest_item(&s).author, "ana@example.es");
    }
}
