//! The commands in a moderator's reply, in English, French or Spanish: the first lines
//! the moderator wrote (quoted mail, the signature and everything after the first line
//! that is not a command are left out, so a command quoted from an earlier reply never
//! runs again).
//!
//! ```text
//! approve                      approuver            aprobar
//! reject off-topic             rejeter hors-sujet   rechazar fuera-de-tema
//! reject: in your words        rejeter : …          rechazar: …
//! assign 2                     attribuer 2          asignar 2
//! discard                      écarter              descartar
//! trust                        confiance            confiar
//! 12 approve                   (a digest: the submission's number first)
//! ```

use crate::model::{ReasonCode, SubmissionId};

/// What a moderator asks for by mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Approve.
    Approve,
    /// Approve, and trust the sender from now on.
    Trust,
    /// Reject with a standard reason or the moderator's words.
    Reject {
        /// The standard reason.
        code: Option<ReasonCode>,
        /// The moderator's words.
        reason: Option<String>,
    },
    /// Reject without telling the sender.
    Discard,
    /// Route to a question (`2`, `SPACE:2`, `none`).
    Assign {
        /// As written.
        question: String,
    },
}

/// One command line of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The submission it is about, when the line names one (a digest's answer).
    pub submission: Option<SubmissionId>,
    /// The command.
    pub command: Command,
    /// The line as written (for the audit trail and the answer).
    pub text: String,
}

/// The verbs, accent-folded and lower-cased, in the three languages.
const VERBS: &[(&str, Verb)] = &[
    ("approve", Verb::Approve),
    ("approved", Verb::Approve),
    ("approuver", Verb::Approve),
    ("approuve", Verb::Approve),
    ("aprobar", Verb::Approve),
    ("apruebo", Verb::Approve),
    ("aprobado", Verb::Approve),
    ("reject", Verb::Reject),
    ("rejeter", Verb::Reject),
    ("rejette", Verb::Reject),
    ("refuser", Verb::Reject),
    ("rechazar", Verb::Reject),
    ("rechazo", Verb::Reject),
    ("assign", Verb::Assign),
    ("attribuer", Verb::Assign),
    ("assigner", Verb::Assign),
    ("asignar", Verb::Assign),
    ("discard", Verb::Discard),
    ("ecarter", Verb::Discard),
    ("descartar", Verb::Discard),
    ("trust", Verb::Trust),
    ("confiance", Verb::Trust),
    ("confiar", Verb::Trust),
];

/// The reason codes as moderators write them in the three languages.
const CODES: &[(&str, ReasonCode)] = &[
    ("off-topic", ReasonCode::OffTopic),
    ("hors-sujet", ReasonCode::OffTopic),
    ("fuera-de-tema", ReasonCode::OffTopic),
    ("duplicate", ReasonCode::Duplicate),
    ("doublon", ReasonCode::Duplicate),
    ("duplicado", ReasonCode::Duplicate),
    ("language", ReasonCode::Language),
    ("langue", ReasonCode::Language),
    ("idioma", ReasonCode::Language),
    ("spam", ReasonCode::Spam),
    ("incomplete", ReasonCode::Incomplete),
    ("incomplet", ReasonCode::Incomplete),
    ("incompleto", ReasonCode::Incomplete),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    Approve,
    Reject,
    Assign,
    Discard,
    Trust,
}

/// How many command lines a reply may hold (a digest of a day's submissions).
pub const MAX_LINES: usize = 100;

/// The commands at the top of a reply's text, or why there are none (in words for the
/// moderator). `text` is the reply's text part as decoded.
pub fn commands(text: &str) -> Result<Vec<Line>, String> {
    let written = crate::trim::trim(text).contribution;
    let mut out = Vec::new();
    for raw in written.lines() {
        let line = raw.trim();
        if line.is_empty() {
            if out.is_empty() {
                continue;
            }
            break;
        }
        // A quoted line the trimmer left (a reply quoting without attribution) is not
        // the moderator's.
        if line.starts_with('>') {
            break;
        }
        match parse_line(line) {
            Ok(Some(l)) => out.push(l),
            Ok(None) if out.is_empty() => {
                return Err(format!(
                    "the reply's first line is not a command ({:?}): write approve, reject \
                     CODE, reject: your words, assign N, discard or trust on the first line",
                    line.chars().take(60).collect::<String>()
                ));
            }
            Ok(None) => break,
            Err(why) => return Err(why),
        }
        if out.len() > MAX_LINES {
            return Err(format!(
                "the reply holds more than {MAX_LINES} commands; answer in several replies"
            ));
        }
    }
    if out.is_empty() {
        return Err("the reply holds no command above the quoted notice".into());
    }
    Ok(out)
}

/// A line as a command: `Ok(None)` when it is not one (the moderator's remarks).
fn parse_line(line: &str) -> Result<Option<Line>, String> {
    let folded = deunicode::deunicode(line).to_lowercase();
    let mut rest = folded.trim();
    let mut submission = None;
    let number: String = rest
        .trim_start_matches('#')
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if !number.is_empty() {
        let Ok(id) = number.parse::<u64>() else {
            return Ok(None);
        };
        submission = Some(SubmissionId(id));
        rest = rest.trim_start_matches('#')[number.len()..]
            .trim_start_matches([':', '.', ')', ' '])
            .trim_start();
    }
    let word_end = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let (word, args) = rest.split_at(word_end);
    let Some((_, verb)) = VERBS.iter().find(|(w, _)| *w == word) else {
        return Ok(None);
    };
    let args = args.trim();
    // "faire confiance", "approuver et faire confiance" are not parsed: one verb a line.
    let command = match verb {
        Verb::Approve | Verb::Discard | Verb::Trust => {
            if !args.is_empty() && !args.starts_with(['.', '!']) {
                return Err(format!(
                    "{word:?} takes nothing after it, but the line says {:?}",
                    line
                ));
            }
            match verb {
                Verb::Approve => Command::Approve,
                Verb::Discard => Command::Discard,
                _ => Command::Trust,
            }
        }
        Verb::Assign => {
            let question = args.trim_end_matches('.').trim();
            if question.is_empty() || question.contains(' ') {
                return Err(format!(
                    "{word:?} needs a question: a number, SPACE:NUMBER or none ({line:?})"
                ));
            }
            Command::Assign {
                question: question.to_string(),
            }
        }
        Verb::Reject => reject(line, args)?,
    };
    Ok(Some(Line {
        submission,
        command,
        text: line.to_string(),
    }))
}

/// `reject CODE` or `reject: the moderator's words` (kept as written, accents and all).
fn reject(line: &str, folded_args: &str) -> Result<Command, String> {
    if folded_args.starts_with(':') {
        // The words as written, after the colon that follows the verb ("12: reject: …").
        let reason = line
            .char_indices()
            .filter(|(_, c)| *c == ':')
            .find(|(i, _)| line[..*i].chars().any(char::is_alphabetic))
            .map_or("", |(i, _)| line[i + 1..].trim());
        if reason.is_empty() {
            return Err(format!(
                "reject: needs your words after the colon ({line:?})"
            ));
        }
        return Ok(Command::Reject {
            code: None,
            reason: Some(reason.to_string()),
        });
    }
    let word = folded_args.trim_end_matches('.').trim();
    if word.is_empty() {
        return Err(
            "reject needs a reason: a code (off-topic, duplicate, language, spam, incomplete) \
             or reject: your words"
                .into(),
        );
    }
    match CODES.iter().find(|(w, _)| *w == word) {
        Some((_, code)) => Ok(Command::Reject {
            code: Some(*code),
            reason: None,
        }),
        None => Err(format!(
            "{word:?} is not a reason code (off-topic, duplicate, language, spam, incomplete, \
             or hors-sujet, doublon, langue, incomplet, or fuera-de-tema, duplicado, idioma, \
             incompleto); to give your own words write reject: …"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Command {
        let lines = commands(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(lines.len(), 1, "{lines:?}");
        lines[0].command.clone()
    }

    #[test]
    fn the_commands_in_three_languages() {
        assert_eq!(one("approve\n"), Command::Approve);
        assert_eq!(one("Approuver\n\nMerci !"), Command::Approve);
        assert_eq!(one("APROBAR"), Command::Approve);
        assert_eq!(
            one("reject off-topic"),
            Command::Reject {
                code: Some(ReasonCode::OffTopic),
                reason: None
            }
        );
        assert_eq!(
            one("rejeter hors-sujet"),
            Command::Reject {
                code: Some(ReasonCode::OffTopic),
                reason: None
            }
        );
        assert_eq!(
            one("Rechazar: no responde a la pregunta, lo siento."),
            Command::Reject {
                code: None,
                reason: Some("no responde a la pregunta, lo siento.".into())
            }
        );
        assert_eq!(
            one("attribuer 2"),
            Command::Assign {
                question: "2".into()
            }
        );
        assert_eq!(one("écarter"), Command::Discard);
        assert_eq!(one("confiar"), Command::Trust);
    }

    #[test]
    fn a_digest_reply_answers_several_submissions() {
        let lines = commands(
            "12 approve\n13 reject off-topic\n#14: rejeter: hors du champ de la consultation\n\
             15 aprobar\n16 assign 3\n\nThanks, Amina",
        )
        .expect("commands");
        let ids: Vec<u64> = lines
            .iter()
            .map(|l| l.submission.expect("an id").0)
            .collect();
        assert_eq!(ids, [12, 13, 14, 15, 16]);
        assert_eq!(
            lines[2].command,
            Command::Reject {
                code: None,
                reason: Some("hors du champ de la consultation".into())
            }
        );
    }

    #[test]
    fn quoted_commands_never_run_and_remarks_end_the_commands() {
        let reply = "Looks fine to me.\n\nOn Mon, 10 Jan 2022, hubmail wrote:\n> approve\n";
        assert!(
            commands(reply).is_err(),
            "a remark first, the command only quoted"
        );
        let reply = "approve\nIt answers question 2 well.\nreject spam\n";
        assert_eq!(
            commands(reply).expect("one").len(),
            1,
            "what follows a remark is not read"
        );
        let reply = "> reject spam\n> approve\n";
        assert!(commands(reply).is_err());
        assert!(commands("").is_err());
    }

    #[test]
    fn a_malformed_command_says_what_to_write() {
        let e = commands("reject rubbish").expect_err("unknown code");
        assert!(e.contains("not a reason code"), "{e}");
        let e = commands("approve all of them").expect_err("extra words");
        assert!(e.contains("takes nothing after it"), "{e}");
        let e = commands("assign").expect_err("no question");
        assert!(e.contains("needs a question"), "{e}");
    }
}
