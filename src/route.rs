//! Which discussion space and question a submission answers, which Global Compact for
//! Migration objectives it mentions, and whether it came after the deadline.
//!
//! Routing order: a plus-address (`contact+q2@…`, `contact+SPACE-q2@…`), then a reply to a
//! question's own message, then a subject tag (`[Q2]`, `Q2:`, `Question 2`, `Pregunta 2`).
//! Anything else stays unassigned for a moderator; a tag naming a question that does not
//! exist says so in `routed_by` rather than guessing.

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

static NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d{1,2}").expect("valid regex"));

/// Routes a submission to a question.
pub fn route(config: &Config, subject: &str, recipients: &[String], reply_ids: &[String]) -> Route {
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
    Route {
        question: None,
        how: None,
    }
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
mod tests {
    use super::*;
    use std::path::Path;

    fn config() -> Config {
        Config::parse(
            "[[space]]\nid='gcm'\ntitle='GCM'\ncloses=2022-02-15\n\
             [[space.question]]\nnumber=1\nmessage_id='<q1@hub>'\n\
             [[space.question]]\nnumber=2\n[[space.question]]\nnumber=3\ncloses=2022-01-31\n",
            Path::new("t.toml"),
        )
        .expect("valid")
    }

    #[test]
    fn subject_tags_in_three_languages() {
        let c = config();
        for (subject, n) in [
            ("[Q2] Our view", 2),
            ("Re: Q3: remittances", 3),
            ("Contribution to Question 1", 1),
            ("Réponse à la question n° 2", 2),
            ("Pregunta 3 - aporte", 3),
            ("Q2", 2),
        ] {
            assert_eq!(
                route(&c, subject, &[], &[]).question.map(|q| q.number),
                Some(n),
                "{subject}"
            );
        }
        assert_eq!(route(&c, "Our view on migration", &[], &[]).question, None);
    }

    #[test]
    fn missing_question_is_explained_not_guessed() {
        let r = route(&config(), "[Q7] view", &[], &[]);
        assert_eq!(r.question, None);
        assert!(r.how.unwrap_or_default().contains("does not have"));
    }

    #[test]
    fn plus_address_and_reply_route() {
        let c = config();
        let r = route(&c, "hello", &["contact+q2@hub.org".into()], &[]);
        assert_eq!(r.question.map(|q| q.number), Some(2));
        let r = route(&c, "Re: hello", &[], &["q1@hub".into()]);
        assert_eq!(r.question.map(|q| q.number), Some(1));
    }

    #[test]
    fn objectives_in_lists_and_languages() {
        assert_eq!(
            objectives(&[
                "Objective 20 and objectives 16, 19",
                "Objectif 2; objetivo 23; objective 40"
            ]),
            vec![2, 16, 19, 20, 23]
        );
    }

    #[test]
    fn deadlines_are_inclusive_and_question_first() {
        let c = config();
        let q3 = QuestionRef {
            space: "gcm".into(),
            number: 3,
        };
        let q2 = QuestionRef {
            space: "gcm".into(),
            number: 2,
        };
        let feb1: Timestamp = "2022-02-01T08:00:00Z".parse().expect("ts");
        let feb15: Timestamp = "2022-02-15T23:00:00Z".parse().expect("ts");
        assert!(deadline_flag(&c, Some(&q3), feb1).is_some());
        assert!(deadline_flag(&c, Some(&q2), feb1).is_none());
        assert!(deadline_flag(&c, Some(&q2), feb15).is_none());
    }
}
