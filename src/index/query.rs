//! The search query language, parsed into a small syntax tree before anything touches
//! tantivy, so that errors can point at the offending part of the query.
//!
//! ```text
//! query    := or
//! or       := and ("OR" and)*
//! and      := unary (["AND"] unary)*          juxtaposition means AND
//! unary    := ("NOT" | "-") unary | primary
//! primary  := "(" or ")" | PREFIX ":" (WORD | "PHRASE") | "PHRASE" | WORD
//! ```
//! Prefixes, as in notmuch and public-inbox: `from:` (name, and address for moderators),
//! `author:`, `affiliation:`, `subject:`, `body:`, `lang:en|fr|es`, `type:member-state` (a
//! stakeholder type, or `type:unknown`), `q:N` (or `q:none`),
//! `objective:N`, `state:` (moderators), `has:attachment`, `attachment:` (a file name),
//! `in:body` / `in:attachment` (the words beside it are looked for in the message itself
//! or in the text read from its attachments; by default in both, attachments ranked
//! below), and `date:` with a day, a month (`2022-02`), or a range `A..B` with optional
//! ends.
//!
//! A query is at most [`MAX_QUERY_CHARS`] characters and nests parentheses and `NOT` at
//! most [`MAX_DEPTH`] deep: the parser recurses, and a public search box must not be able
//! to exhaust its stack (a stack overflow aborts the process, no unwinding contains it).

pub use crate::error::QueryError;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::model::{Lang, StakeholderType, State};

/// Where a piece of text is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Subject, text, author, affiliation and attachment names.
    All,
    /// The sender: name (and address, for moderators).
    From,
    /// The author's name.
    Author,
    /// The affiliation.
    Affiliation,
    /// The subject.
    Subject,
    /// The contribution text.
    Body,
    /// Attachments' file names (`attachment:`).
    FileName,
}

/// Where the words of an `AND` group are looked for (`in:body`, `in:attachment`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Within {
    /// The message and its attachments' text, the attachments ranked below.
    Everywhere,
    /// The message itself: subject and text.
    Body,
    /// The text read from its attachments.
    Attachment,
}

/// A node of a parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// All children must match.
    And(Vec<Node>),
    /// At least one child must match.
    Or(Vec<Node>),
    /// The child must not match.
    Not(Box<Node>),
    /// A word, analysed per language.
    Word(Scope, String),
    /// Words in this order.
    Phrase(Scope, String),
    /// `lang:`
    Lang(Lang),
    /// `type:` (a stakeholder type; `None` for `type:unknown`).
    Type(Option<StakeholderType>),
    /// `q:N`; `None` for `q:none`.
    Question(Option<u32>),
    /// `objective:N`
    Objective(u8),
    /// `state:` (moderators only).
    State(State),
    /// `has:attachment`
    HasAttachment,
    /// `in:body` or `in:attachment`: where the words beside it are looked for.
    In(Within),
    /// `date:` — from (inclusive) to (exclusive).
    Date(Option<Timestamp>, Option<Timestamp>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    And,
    Or,
    Not,
    Minus,
    Word(String),
    Phrase(String),
    /// `prefix:` followed by its value (word or phrase).
    Field(String, String, bool),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    at: usize,
    len: usize,
}

const PREFIXES: &[&str] = &[
    "from",
    "author",
    "affiliation",
    "subject",
    "body",
    "lang",
    "type",
    "q",
    "objective",
    "state",
    "has",
    "date",
    "attachment",
    "in",
];

/// The longest query accepted, in characters (a page of text; a search engine's box
/// takes about 2,000).
pub const MAX_QUERY_CHARS: usize = 1_000;
/// How deep parentheses and `NOT` may nest.
pub const MAX_DEPTH: usize = 32;

/// Parses a query. The empty query is an error (there is nothing to search for).
pub fn parse(query: &str) -> Result<Node, QueryError> {
    let err = |message: String, at: usize, len: usize| QueryError {
        message,
        query: query.to_string(),
        at,
        len,
    };
    let length = query.chars().count();
    if length > MAX_QUERY_CHARS {
        return Err(err(
            format!(
                "the query is {length} characters long; at most {MAX_QUERY_CHARS} are accepted"
            ),
            MAX_QUERY_CHARS,
            length - MAX_QUERY_CHARS,
        ));
    }
    let tokens = tokenize(query).map_err(|(m, at, len)| err(m, at, len))?;
    if tokens.is_empty() {
        return Err(err(
            "the query is empty: give words to search for".into(),
            0,
            1,
        ));
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
        query,
    };
    let node = p.or().map_err(|(m, at, len)| err(m, at, len))?;
    if let Some(t) = p.tokens.get(p.pos) {
        let message = if t.tok == Tok::Close {
            "this ')' closes nothing".to_string()
        } else {
            "unexpected here".to_string()
        };
        return Err(err(message, t.at, t.len));
    }
    Ok(node)
}

type PErr = (String, usize, usize);

fn tokenize(q: &str) -> Result<Vec<Token>, PErr> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        match c {
            '(' => {
                out.push(Token {
                    tok: Tok::Open,
                    at: i,
                    len: 1,
                });
                i += 1;
            }
            ')' => {
                out.push(Token {
                    tok: Tok::Close,
                    at: i,
                    len: 1,
                });
                i += 1;
            }
            '"' => {
                let (text, next) = quoted(&chars, i)?;
                out.push(Token {
                    tok: Tok::Phrase(text),
                    at: start,
                    len: next - start,
                });
                i = next;
            }
            '-' if chars
                .get(i + 1)
                .is_some_and(|n| !n.is_whitespace() && *n != ')') =>
            {
                out.push(Token {
                    tok: Tok::Minus,
                    at: i,
                    len: 1,
                });
                i += 1;
            }
            _ => {
                let mut j = i;
                while j < chars.len()
                    && !chars[j].is_whitespace()
                    && !matches!(chars[j], '(' | ')' | '"')
                {
                    if chars[j] == ':' {
                        break;
                    }
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                if j < chars.len() && chars[j] == ':' {
                    let prefix = word.to_lowercase();
                    if !PREFIXES.contains(&prefix.as_str()) {
                        return Err((
                            format!(
                                "unknown prefix '{word}:'; the prefixes are {}",
                                PREFIXES
                                    .iter()
                                    .map(|p| format!("{p}:"))
                                    .collect::<Vec<_>>()
                                    .join(" ")
                            ),
                            i,
                            j - i + 1,
                        ));
                    }
                    let vstart = j + 1;
                    if chars.get(vstart) == Some(&'"') {
                        let (text, next) = quoted(&chars, vstart)?;
                        out.push(Token {
                            tok: Tok::Field(prefix, text, true),
                            at: start,
                            len: next - start,
                        });
                        i = next;
                    } else {
                        let mut k = vstart;
                        while k < chars.len()
                            && !chars[k].is_whitespace()
                            && !matches!(chars[k], '(' | ')' | '"')
                        {
                            k += 1;
                        }
                        let value: String = chars[vstart..k].iter().collect();
                        if value.is_empty() {
                            return Err((
                                format!("'{word}:' needs a value right after the colon"),
                                i,
                                vstart - i,
                            ));
                        }
                        out.push(Token {
                            tok: Tok::Field(prefix, value, false),
                            at: start,
                            len: k - start,
                        });
                        i = k;
                    }
                } else {
                    let tok = match word.as_str() {
                        "AND" => Tok::And,
                        "OR" => Tok::Or,
                        "NOT" => Tok::Not,
                        _ => Tok::Word(word),
                    };
                    out.push(Token {
                        tok,
                        at: start,
                        len: j - start,
                    });
                    i = j;
                }
            }
        }
    }
    Ok(out)
}

/// Reads a quoted phrase starting at the opening quote; returns its text and the index
/// after the closing quote.
fn quoted(chars: &[char], open: usize) -> Result<(String, usize), PErr> {
    let mut j = open + 1;
    while j < chars.len() && chars[j] != '"' {
        j += 1;
    }
    if j >= chars.len() {
        return Err((
            "this quote is never closed: add the closing '\"'".into(),
            open,
            1,
        ));
    }
    let text: String = chars[open + 1..j].iter().collect();
    if text.trim().is_empty() {
        return Err((
            "an empty phrase matches nothing: put words between the quotes".into(),
            open,
            j - open + 1,
        ));
    }
    Ok((text, j + 1))
}

struct Parser<'q> {
    tokens: Vec<Token>,
    pos: usize,
    /// Parentheses and NOTs open around the current position.
    depth: usize,
    query: &'q str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn end_at(&self) -> usize {
        self.query.chars().count()
    }

    /// Enters a parenthesis or a NOT at `token`, refusing past [`MAX_DEPTH`].
    fn deeper(&mut self, token: &Token) -> Result<(), PErr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err((
                format!("parentheses and NOT nest more than {MAX_DEPTH} deep here"),
                token.at,
                token.len,
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Node, PErr> {
        let mut items = vec![self.and()?];
        while let Some(Token { tok: Tok::Or, .. }) = self.peek() {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::Or(items)
        })
    }

    fn and(&mut self) -> Result<Node, PErr> {
        let mut items = vec![self.unary()?];
        loop {
            match self.peek().map(|t| &t.tok) {
                Some(Tok::And) => {
                    self.pos += 1;
                    items.push(self.unary()?);
                }
                Some(Tok::Or) | Some(Tok::Close) | None => break,
                Some(_) => items.push(self.unary()?),
            }
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::And(items)
        })
    }

    fn unary(&mut self) -> Result<Node, PErr> {
        match self.peek().cloned() {
            Some(token) if matches!(token.tok, Tok::Not | Tok::Minus) => {
                self.deeper(&token)?;
                self.pos += 1;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Node::Not(Box::new(inner)))
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Node, PErr> {
        let Some(token) = self.tokens.get(self.pos).cloned() else {
            return Err((
                "the query ends where a word was expected".into(),
                self.end_at(),
                1,
            ));
        };
        self.pos += 1;
        match token.tok {
            Tok::Open => {
                self.deeper(&token)?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.peek() {
                    Some(Token {
                        tok: Tok::Close, ..
                    }) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => Err(("this '(' is never closed: add ')'".into(), token.at, 1)),
                }
            }
            Tok::Close => Err((
                "this ')' closes nothing, or a word is missing before it".into(),
                token.at,
                1,
            )),
            Tok::And | Tok::Or => Err((
                "AND/OR needs a word on each side".into(),
                token.at,
                token.len,
            )),
            Tok::Not | Tok::Minus => {
                Err(("NOT needs something to exclude".into(), token.at, token.len))
            }
            Tok::Word(w) => Ok(Node::Word(Scope::All, w)),
            Tok::Phrase(p) => Ok(Node::Phrase(Scope::All, p)),
            Tok::Field(prefix, value, phrase) => {
                field(&prefix, &value, phrase).map_err(|m| (m, token.at, token.len))
            }
        }
    }
}

fn text_node(scope: Scope, value: &str, phrase: bool) -> Node {
    if phrase {
        Node::Phrase(scope, value.to_string())
    } else {
        Node::Word(scope, value.to_string())
    }
}

fn field(prefix: &str, value: &str, phrase: bool) -> Result<Node, String> {
    let v = value.trim();
    match prefix {
        "from" => Ok(text_node(Scope::From, v, phrase)),
        "author" => Ok(text_node(Scope::Author, v, phrase)),
        "affiliation" => Ok(text_node(Scope::Affiliation, v, phrase)),
        "subject" => Ok(text_node(Scope::Subject, v, phrase)),
        "body" => Ok(text_node(Scope::Body, v, phrase)),
        "attachment" => Ok(text_node(Scope::FileName, v, phrase)),
        "in" => match v.to_lowercase().as_str() {
            "body" => Ok(Node::In(Within::Body)),
            "attachment" | "attachments" => Ok(Node::In(Within::Attachment)),
            _ => Err(format!("in:{v} is not known: use in:body or in:attachment")),
        },
        "lang" => Lang::from_tag(v)
            .map(Node::Lang)
            .ok_or_else(|| format!("lang:{v} is not a language here: use lang:en, lang:fr or lang:es")),
        "type" if v.eq_ignore_ascii_case("unknown") => Ok(Node::Type(None)),
        "type" => v
            .parse::<StakeholderType>()
            .map(|t| Node::Type(Some(t)))
            .map_err(|e| format!("type:{v}: {e}, or unknown")),
        "q" => {
            if v.eq_ignore_ascii_case("none") {
                return Ok(Node::Question(None));
            }
            v.trim_start_matches(['q', 'Q'])
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .map(|n| Node::Question(Some(n)))
                .ok_or_else(|| format!("q:{v} is not a question number: use q:2 or q:none"))
        }
        "objective" => v
            .parse::<u8>()
            .ok()
            .filter(|n| (1..=23).contains(n))
            .map(Node::Objective)
            .ok_or_else(|| format!("objective:{v} is not a GCM objective: use a number from 1 to 23")),
        "state" => State::ALL
            .into_iter()
            .find(|s| s.as_str() == v.to_lowercase())
            .map(Node::State)
            .ok_or_else(|| {
                format!("state:{v} is not a state: use pending, approved, rejected, ignored or quarantined")
            }),
        "has" => {
            if v.eq_ignore_ascii_case("attachment") {
                Ok(Node::HasAttachment)
            } else {
                Err(format!("has:{v} is not known: the only one is has:attachment"))
            }
        }
        "date" => date_range(v),
        other => Err(format!("unknown prefix {other}:")),
    }
}

/// `2022-02-03` (that day), `2022-02` (that month), `2022` (that year), `A..B`, `A..`,
/// `..B` (ends inclusive, whole days).
fn date_range(v: &str) -> Result<Node, String> {
    let bad = || {
        format!(
            "date:{v} is not a date: use date:2022-02-15, date:2022-02, \
             date:2022-01-01..2022-02-15, date:2022-01-01.. or date:..2022-02-15"
        )
    };
    let day_start = |d: Date| {
        d.to_zoned(TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|_| bad())
    };
    // A single period: [start, end).
    let period = |s: &str| -> Result<(Timestamp, Timestamp), String> {
        let parts: Vec<&str> = s.split('-').collect();
        let num = |p: &str| p.parse::<i16>().map_err(|_| bad());
        match parts.as_slice() {
            [y] => {
                let y = num(y)?;
                let a = Date::new(y, 1, 1).map_err(|_| bad())?;
                let b = Date::new(y + 1, 1, 1).map_err(|_| bad())?;
                Ok((day_start(a)?, day_start(b)?))
            }
            [y, m] => {
                let a = Date::new(num(y)?, num(m)? as i8, 1).map_err(|_| bad())?;
                let b = a
                    .first_of_month()
                    .checked_add(jiff::Span::new().months(1))
                    .map_err(|_| bad())?;
                Ok((day_start(a)?, day_start(b)?))
            }
            [_, _, _] => {
                let a: Date = s.parse().map_err(|_| bad())?;
                let b = a.tomorrow().map_err(|_| bad())?;
                Ok((day_start(a)?, day_start(b)?))
            }
            _ => Err(bad()),
        }
    };
    match v.split_once("..") {
        None => {
            let (a, b) = period(v)?;
            Ok(Node::Date(Some(a), Some(b)))
        }
        Some((from, to)) => {
            if from.is_empty() && to.is_empty() {
                return Err(bad());
            }
            let a = if from.is_empty() {
                None
            } else {
                Some(period(from)?.0)
            };
            let b = if to.is_empty() {
                None
            } else {
                Some(period(to)?.1)
            };
            if let (Some(a), Some(b)) = (a, b)
                && a >= b
            {
                return Err(format!("date:{v} ends before it starts"));
            }
            Ok(Node::Date(a, b))
        }
    }
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
