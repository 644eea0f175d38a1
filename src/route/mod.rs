//! Which discussion space and question a submission answers, which Global Compact for
//! Migration objectives it mentions, and whether it came after the deadline.
//!
//! Routing order: a plus-address (`contact+q2@…`, `contact+SPACE-q2@…`), then a reply to a
//! question's own message, then a subject tag (`[Q2]`, `Q2:`, `Question 2`, `Pregunta 2`),
//! then the way people name a question in the subject or the text's opening lines, in
//! English, French, Spanish and Portuguese ("the third question", « la troisième question
//! », « question n° 3 », "la segunda pregunta", "pergunta 2", "Q.2"), then a question's
//! title repeated in them. Anything else stays unassigned for a moderator; a tag naming a
//! question that does not exist, or an opening that names two questions, says so in
//! `routed_by` rather than guessing.

use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use regex::Regex;

use crate::config::{Config, Space};
use crate::model::{Flag, FlagKind, QuestionRef};

/// A routing decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The question, when one was found.
    pub question: Option<QuestionRef>,
    /// How it was found, or why not (shown to moderators).
    pub how: Option<String>,
}

static SUBJECT_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\[\s*q\s*(\d{1,3})\s*\]|(?:^|[\s:(\[])q(\d{1,3})(?:\s*[:\])\-]|\s*$)|\b(?:question|pregunta|questão|questao)\s*(?:n[°ºo.]?\s*|#\s*|no\.\s*)?(\d{1,3})\b",
    )
    .expect("valid regex")
});

/// Reply and forward prefixes in any language ("Re:", "RE[2]:", "Fwd:", "TR:", "RV:",
/// "AW:", "WG:", "SV:"), and list tags ("[gcm-list]", "[Q2]").
static SUBJECT_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:(?:re|fwd?|tr|rv|aw|wg|enc|res|sv|antw)\s*(?:\[\d+\])?\s*:|\[[^\]]{0,40}\])\s*",
    )
    .expect("valid regex")
});

/// A question named at the start of a subject: "Q1:", "Question 2 -", "Pregunta 3:",
/// « Réponse à la question 2 : », "Contribution to Question 1 -".
static SUBJECT_QUESTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:(?:r[ée]ponse|contribution|respuesta|contribuci[óo]n|answer|response|reply|contribui[çc][ãa]o|resposta)\s+(?:[àa]|to|para|de)\s+(?:la\s+|a\s+)?)?(?:q|question|pregunta|quest[ãa]o|pergunta)\s*(?:n[°ºo.]?\s*)?\d{1,2}(?:\s*[:\-–—.]\s*|\s*$)",
    )
    .expect("valid regex")
});

/// A subject without its reply prefixes, list and question tags, and a question named at
/// its start: what a heading or a question's title reads ("RE: [Q2] Remittances" →
/// "Remittances"). Empty when nothing else is left.
pub fn bare_subject(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let before = s;
        if let Some(m) = SUBJECT_PREFIX.find(s).filter(|m| m.end() > 0) {
            s = s[m.end()..].trim_start();
        }
        if let Some(m) = SUBJECT_QUESTION.find(s).filter(|m| m.end() > 0) {
            s = s[m.end()..].trim_start();
        }
        if s == before {
            break;
        }
    }
    s.trim().to_string()
}

static PLUS_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[^@+]+\+(?:([a-z0-9-]+?)-)?q(\d{1,3})@").expect("valid regex")
});

static SPACE_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^[^@+]+\+([a-z0-9-]+)@").expect("valid regex"));

static OBJECTIVES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:objectives?|objectifs?|objetivos?)\s*(?:n[°ºo.]?\s*|#\s*)?(\d{1,2}(?:\s*(?:,|and|et|y|&|/)\s*(?:n[°ºo.]?\s*)?\d{1,2})*)",
    )
    .expect("valid regex")
});

static PARENTHESISED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\([^()]*\)").expect("valid regex"));

static NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d{1,2}").expect("valid regex"));

/// Ordinals before a question word, and the number each means.
const ORDINALS: &[(&str, u32)] = &[
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("fifth", 5),
    ("sixth", 6),
    ("seventh", 7),
    ("eighth", 8),
    ("ninth", 9),
    ("tenth", 10),
    ("premi[eè]re", 1),
    ("premier", 1),
    ("1re", 1),
    ("1[eè]re", 1),
    ("deuxi[eè]me", 2),
    ("seconde", 2),
    ("troisi[eè]me", 3),
    ("quatri[eè]me", 4),
    ("cinqui[eè]me", 5),
    ("sixi[eè]me", 6),
    ("septi[eè]me", 7),
    ("huiti[eè]me", 8),
    ("neuvi[eè]me", 9),
    ("dixi[eè]me", 10),
    ("primera", 1),
    ("primer", 1),
    ("segunda", 2),
    ("tercera", 3),
    ("tercer", 3),
    ("cuarta", 4),
    ("quinta", 5),
    ("sexta", 6),
    ("s[eé]ptima", 7),
    ("octava", 8),
    ("novena", 9),
    ("d[eé]cima", 10),
    ("primeira", 1),
    ("terceira", 3),
    ("quarta", 4),
    ("s[eé]tima", 7),
    ("oitava", 8),
    ("nona", 9),
];

/// Numbers written as words after a question word ("question two", « question deux »).
const CARDINALS: &[(&str, u32)] = &[
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("un", 1),
    ("une", 1),
    ("deux", 2),
    ("trois", 3),
    ("quatre", 4),
    ("cinq", 5),
    ("sept", 7),
    ("huit", 8),
    ("neuf", 9),
    ("dix", 10),
    ("uno", 1),
    ("una", 1),
    ("dos", 2),
    ("tres", 3),
    ("cuatro", 4),
    ("cinco", 5),
    ("seis", 6),
    ("siete", 7),
    ("ocho", 8),
    ("nueve", 9),
    ("diez", 10),
    ("um", 1),
    ("uma", 1),
    ("dois", 2),
    ("duas", 2),
    ("tr[eê]s", 3),
    ("quatro", 4),
    ("sete", 7),
    ("oito", 8),
    ("nove", 9),
    ("dez", 10),
];

const QUESTION_WORDS: &str = r"question|pregunta|pergunta|quest[aã]o";

/// "the third question", "question 2", « question n° 3 », "Q.2", "pregunta dos".
static NAMED_QUESTION: LazyLock<Regex> = LazyLock::new(|| {
    let alternatives =
        |list: &[(&str, u32)]| list.iter().map(|(w, _)| *w).collect::<Vec<_>>().join("|");
    Regex::new(&format!(
        r"(?i)\b(?:({ord})\s+(?:{q})\b|(?:(?:{q})\s*(?:n[°ºo]\.?\s*|nº\s*|#\s*|no\.\s*|num[ée]ro\s*|n[uú]mero\s*)?|\bq\.\s?)(\d{{1,2}}|{card})\b)",
        ord = alternatives(ORDINALS),
        card = alternatives(CARDINALS),
        q = QUESTION_WORDS,
    ))
    .expect("valid regex")
});

/// Each ordinal and cardinal word, compiled once, with its number.
static NUMBER_WORDS: LazyLock<[Vec<(Regex, u32)>; 2]> = LazyLock::new(|| {
    let compile = |list: &[(&str, u32)]| {
        list.iter()
            .map(|(pattern, n)| {
                (
                    Regex::new(&format!("(?i)^(?:{pattern})$")).expect("valid regex"),
                    *n,
                )
            })
            .collect()
    };
    [compile(ORDINALS), compile(CARDINALS)]
});

/// The question numbers a text names, each with the words that named it, in order.
pub fn named_questions(text: &str) -> Vec<(u32, String)> {
    let [ordinals, cardinals] = &*NUMBER_WORDS;
    let number_of = |word: &str, compiled: &Vec<(Regex, u32)>| {
        compiled
            .iter()
            .find(|(r, _)| r.is_match(word))
            .map(|(_, n)| *n)
    };
    let mut found: Vec<(u32, String)> = Vec::new();
    for c in NAMED_QUESTION.captures_iter(text) {
        let n = match (c.get(1), c.get(2)) {
            (Some(ord), _) => number_of(ord.as_str(), ordinals),
            (None, Some(num)) => num
                .as_str()
                .parse()
                .ok()
                .or_else(|| number_of(num.as_str(), cardinals)),
            _ => None,
        };
        if let Some(n) = n
            && !found.iter().any(|(m, _)| *m == n)
        {
            found.push((n, c[0].trim().to_string()));
        }
    }
    found
}

/// The opening of a text, where people say what they answer: its first three lines that
/// are not empty or a greeting, at most 400 characters.
fn opening(body: &str) -> String {
    let mut out = String::new();
    for line in body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .filter(|l| !(l.ends_with(',') || l.ends_with(':')) || l.split_whitespace().count() > 4)
        .take(3)
    {
        out.push_str(line);
        out.push('\n');
    }
    out.chars().take(400).collect()
}

/// Routes a submission to a question.
pub fn route(
    config: &Config,
    (subject, body): (&str, &str),
    recipients: &[String],
    reply_ids: &[String],
) -> Route {
    // The space: named by a plus-address, else the default one.
    let mut space = config.default_space();
    for rcpt in recipients {
        if let Some(tag) = SPACE_TAG.captures(rcpt).and_then(|c| c.get(1))
            && let Some(s) = space_by_tag(config, tag.as_str())
        {
            space = s;
        }
    }

    for rcpt in recipients {
        if let Some(c) = PLUS_TAG.captures(rcpt) {
            let space = match c.get(1) {
                Some(tag) => match space_by_tag(config, tag.as_str()) {
                    Some(s) => s,
                    None => continue,
                },
                None => space,
            };
            let n: u32 = c[2].parse().unwrap_or(0);
            return found_or_missing(space, n, format!("plus-address {rcpt}"));
        }
    }

    for id in reply_ids {
        for s in &config.spaces {
            for q in &s.questions {
                let matches = q
                    .message_id
                    .as_deref()
                    .is_some_and(|qid| qid.trim_matches(['<', '>']) == id);
                if matches {
                    return Route {
                        question: Some(QuestionRef {
                            space: s.id.clone(),
                            number: q.number,
                        }),
                        how: Some(format!("reply to the question's message <{id}>")),
                    };
                }
            }
        }
    }

    if let Some(c) = SUBJECT_TAG.captures(subject) {
        let (m, n) = [1, 2, 3]
            .iter()
            .find_map(|i| c.get(*i))
            .map(|m| (c.get(0).map_or("", |all| all.as_str()), m.as_str()))
            .unwrap_or(("", "0"));
        let n: u32 = n.parse().unwrap_or(0);
        return found_or_missing(space, n, format!("subject tag {:?}", m.trim()));
    }
    for (place, text) in [
        ("the subject", subject.to_string()),
        ("the text's opening", opening(body)),
    ] {
        match named_questions(&text).as_slice() {
            [] => {}
            [(n, words)] => return found_or_missing(space, *n, format!("{place}: {words:?}")),
            several => {
                let named: Vec<String> = several
                    .iter()
                    .map(|(n, w)| format!("{n} ({w:?})"))
                    .collect();
                return Route {
                    question: None,
                    how: Some(format!(
                        "{place} names questions {}: a moderator chooses",
                        named.join(" and ")
                    )),
                };
            }
        }
    }
    if let Some(route) = by_title(space, subject, &opening(body)) {
        return route;
    }
    Route {
        question: None,
        how: None,
    }
}

/// A question whose title (in any of its languages, four words or more) the subject or
/// the text's opening repeats.
fn by_title(space: &Space, subject: &str, opening: &str) -> Option<Route> {
    let fold = |t: &str| {
        deunicode::deunicode(t)
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let haystack = format!(" {} {} ", fold(subject), fold(opening));
    let mut matches = space.questions.iter().filter(|q| {
        // The whole title, or the title without what it says in parentheses ("(Objective
        // 20)"), which people leave out when they repeat it.
        q.title.values().any(|title| {
            [fold(title), fold(&PARENTHESISED.replace_all(title, ""))]
                .iter()
                .any(|t| t.split(' ').count() >= 4 && haystack.contains(&format!(" {t} ")))
        })
    });
    let question = matches.next()?;
    if matches.next().is_some() {
        return None;
    }
    Some(Route {
        question: Some(QuestionRef {
            space: space.id.clone(),
            number: question.number,
        }),
        how: Some(format!("repeats the title of question {}", question.number)),
    })
}

fn space_by_tag<'c>(config: &'c Config, tag: &str) -> Option<&'c Space> {
    config.spaces.iter().find(|s| {
        s.address_tag
            .as_deref()
            .unwrap_or(&s.id)
            .eq_ignore_ascii_case(tag)
    })
}

fn found_or_missing(space: &Space, number: u32, how: String) -> Route {
    if space.accepts_question(number) {
        Route {
            question: Some(QuestionRef {
                space: space.id.clone(),
                number,
            }),
            how: Some(how),
        }
    } else {
        Route {
            question: None,
            how: Some(format!(
                "{how} names question {number}, which space {:?} does not have",
                space.id
            )),
        }
    }
}

/// The GCM objectives (1–23) a text mentions, sorted and unique.
pub fn objectives(texts: &[&str]) -> Vec<u8> {
    let mut found: Vec<u8> = Vec::new();
    for text in texts {
        for c in OBJECTIVES.captures_iter(text) {
            for n in NUMBER.find_iter(&c[1]) {
                if let Ok(n) = n.as_str().parse::<u8>()
                    && (1..=23).contains(&n)
                    && !found.contains(&n)
                {
                    found.push(n);
                }
            }
        }
    }
    found.sort_unstable();
    found
}

/// `after-deadline` when `received` is later than the question's (or else the space's)
/// closing date, which is inclusive (closes at the end of that day, UTC).
pub fn deadline_flag(
    config: &Config,
    question: Option<&QuestionRef>,
    received: Timestamp,
) -> Option<Flag> {
    let space = match question {
        Some(q) => config.space(&q.space)?,
        None => config.default_space(),
    };
    let (closes, what) = question
        .and_then(|q| space.question(q.number))
        .and_then(|q| q.closes.map(|d| (d, format!("question {}", q.number))))
        .or_else(|| space.closes.map(|d| (d, format!("space {:?}", space.id))))?;
    let end = closes
        .tomorrow()
        .ok()?
        .to_zoned(TimeZone::UTC)
        .ok()?
        .timestamp();
    (received >= end).then(|| {
        Flag::new(
            FlagKind::AfterDeadline,
            format!(
                "received {} after {what} closed on {closes}",
                received.strftime("%Y-%m-%d")
            ),
        )
    })
}

#[cfg(test)]
mod tests;
