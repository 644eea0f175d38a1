//! Raw bytes to an owned [`ParsedMessage`], with mail-parser doing all MIME, charset and
//! RFC 2047 work. No mail-parser lifetime leaks out of this module.
//!
//! The guarantee: for any input at all this returns either a `ParsedMessage` or a
//! [`Malformed`] whose reason a moderator can read. It never panics on its own account,
//! and the pipeline additionally runs it under `catch_unwind`.

use std::borrow::Cow;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{
    Address, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType,
};

use crate::config::Limits;
use crate::model::MailHeaders;

/// A message that cannot be processed, with the reason shown to moderators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// What is wrong, in words a moderator can act on.
    pub reason: String,
}

impl Malformed {
    fn new(reason: impl Into<String>) -> Self {
        Malformed {
            reason: reason.into(),
        }
    }
}

/// Where the contribution text was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodySource {
    /// A `text/plain` part.
    Plain,
    /// An HTML part, converted to text.
    Html,
    /// No text part at all.
    None,
}

impl BodySource {
    /// The MIME type name recorded with the submission.
    pub fn as_str(self) -> &'static str {
        match self {
            BodySource::Plain => "text/plain",
            BodySource::Html => "text/html",
            BodySource::None => "none",
        }
    }
}

/// An attachment as found in the message, before it is stored.
#[derive(Debug, Clone)]
pub struct ParsedAttachment {
    /// The sanitised file name.
    pub name: String,
    /// The declared MIME type.
    pub content_type: String,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
}

/// Everything the pipeline needs from a message, owned.
#[derive(Debug, Clone)]
pub struct ParsedMessage {
    /// Selected headers, decoded.
    pub headers: MailHeaders,
    /// The decoded subject ("" when absent).
    pub subject: String,
    /// The From display name, decoded.
    pub from_name: Option<String>,
    /// The From address, lower-cased.
    pub from_address: Option<String>,
    /// The whole text of the chosen body part (before quote trimming).
    pub text: String,
    /// Where `text` came from.
    pub body_source: BodySource,
    /// The top-level MIME type, e.g. `multipart/report`.
    pub content_type: String,
    /// Other headers the classifier reads, by lower-case name (first occurrence of each),
    /// e.g. `x-autoreply`, `x-spam-flag`, `delivered-to`.
    pub extra_headers: Vec<(String, String)>,
    /// Every `Authentication-Results` header, raw.
    pub authentication_results: Vec<String>,
    /// Attachments (including forwarded messages).
    pub attachments: Vec<ParsedAttachment>,
}

impl ParsedMessage {
    /// The first value of an extra header, by lower-case name.
    pub fn extra(&self, name: &str) -> Option<&str> {
        self.extra_headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Headers kept verbatim for the classifier.
const EXTRA_HEADERS: &[&str] = &[
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "x-spam-flag",
    "x-spam-status",
    "delivered-to",
    "x-original-to",
    "x-failed-recipients",
    "x-mailer",
    "x-mlserver",
    "mailing-list",
    "list-unsubscribe",
    "list-post",
    "list-subscribe",
    "x-amz-sns-message-id",
    "x-loop",
];

/// Parses a raw message within the given limits.
pub fn parse(raw: &[u8], limits: &Limits) -> Result<ParsedMessage, Malformed> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Malformed::new("the message is empty"));
    }
    let header_len = header_block_len(raw);
    if header_len > limits.max_header_bytes {
        return Err(Malformed::new(format!(
            "the header block is {} KiB, over the {} KiB limit ([limits] max_header_bytes)",
            header_len / 1024,
            limits.max_header_bytes / 1024
        )));
    }
    let raw = normalise_for_parsing(raw);
    let raw: &[u8] = &raw;
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| Malformed::new("not an email: no header could be found"))?;
    // Binary garbage can look like a header block of unknown names: require at least
    // one standard header before calling it mail.
    if !message.headers().iter().any(|h| !h.name.is_other()) {
        return Err(Malformed::new(
            "not an email: no standard header (From, Subject, Date…) could be found",
        ));
    }
    if message.parts.len() > limits.max_parts {
        return Err(Malformed::new(format!(
            "the message has {} MIME parts, over the limit of {} ([limits] max_parts)",
            message.parts.len(),
            limits.max_parts
        )));
    }
    let depth = mime_depth(&message, 0, limits.max_depth + 1);
    if depth > limits.max_depth {
        return Err(Malformed::new(format!(
            "the MIME structure is nested more than {} levels deep ([limits] max_depth)",
            limits.max_depth
        )));
    }

    let (from_name, from_address) = first_address(message.from());
    let (text, body_source) = body_text(&message)?;

    Ok(ParsedMessage {
        headers: mail_headers(&message),
        subject: clean_line(message.subject().unwrap_or_default()),
        from_name,
        from_address,
        text,
        body_source,
        content_type: message
            .content_type()
            .map(|ct| {
                format!(
                    "{}/{}",
                    ct.ctype().to_ascii_lowercase(),
                    ct.subtype().unwrap_or_default().to_ascii_lowercase()
                )
            })
            .unwrap_or_else(|| "text/plain".to_string()),
        extra_headers: extra_headers(&message),
        authentication_results: message
            .header_values("Authentication-Results")
            .filter_map(|v| v.as_text().map(str::to_string))
            .collect(),
        attachments: attachments(&message),
    })
}

/// Undoes damage that would hide the headers from the parser, without touching the
/// stored bytes: leading blank lines, an mbox `From ` envelope line, and old Mac
/// line endings (CR only).
pub fn normalise_for_parsing(raw: &[u8]) -> Cow<'_, [u8]> {
    let mut start = 0;
    loop {
        let line_end = raw[start..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(raw.len(), |p| start + p + 1);
        let line = &raw[start..line_end];
        let blank = line.iter().all(|b| b.is_ascii_whitespace());
        let envelope = start == 0 && line.starts_with(b"From ") && !line.contains(&b':');
        if line_end < raw.len() && (blank || envelope) {
            start = line_end;
        } else {
            break;
        }
    }
    let rest = &raw[start..];
    if !rest.contains(&b'\n') && rest.contains(&b'\r') {
        let mut fixed = Vec::with_capacity(rest.len() + rest.len() / 40);
        for b in rest {
            fixed.push(*b);
            if *b == b'\r' {
                fixed.push(b'\n');
            }
        }
        return Cow::Owned(fixed);
    }
    Cow::Borrowed(rest)
}

/// Length of the header block (up to the first empty line), or the whole input.
fn header_block_len(raw: &[u8]) -> usize {
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = raw.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => raw.len(),
    }
}

/// Depth of the MIME tree, counting nested messages; stops counting at `cap`.
fn mime_depth(message: &Message<'_>, level: usize, cap: usize) -> usize {
    if level >= cap {
        return level;
    }
    let mut deepest = level;
    // Multipart nesting: walk the tree from the root part by sub_parts.
    let mut stack = vec![(0u32, level)];
    let mut seen = 0usize;
    while let Some((id, depth)) = stack.pop() {
        seen += 1;
        if seen > message.parts.len() + 1 {
            break; // defensive: a cycle would be a parser bug, never loop on it
        }
        deepest = deepest.max(depth);
        if depth >= cap {
            return depth;
        }
        let Some(part) = message.parts.get(id as usize) else {
            continue;
        };
        match &part.body {
            PartType::Multipart(children) => {
                stack.extend(children.iter().map(|c| (*c, depth + 1)));
            }
            PartType::Message(inner) => {
                deepest = deepest.max(mime_depth(inner, depth + 1, cap));
            }
            _ => {}
        }
    }
    deepest
}

fn first_address(address: Option<&Address<'_>>) -> (Option<String>, Option<String>) {
    let Some(addr) = address.and_then(|a| a.first()) else {
        return (None, None);
    };
    let name = addr.name().map(clean_line).filter(|n| !n.is_empty());
    let address = addr
        .address()
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.contains('@') && !a.chars().any(|c| c.is_control() || c.is_whitespace()));
    (name, address)
}

/// Picks the contribution text: the first text/plain body, else the first HTML body
/// converted to text.
fn body_text(message: &Message<'_>) -> Result<(String, BodySource), Malformed> {
    let plain = message
        .text_bodies()
        .find(|p| matches!(p.body, PartType::Text(_)));
    if let Some(part) = plain {
        check_charset(part)?;
        if let PartType::Text(text) = &part.body {
            return Ok((normalise_newlines(text), BodySource::Plain));
        }
    }
    let html = message
        .html_bodies()
        .find(|p| matches!(p.body, PartType::Html(_)));
    if let Some(part) = html {
        check_charset(part)?;
        if let PartType::Html(html) = &part.body {
            let text = html_to_text(html).map_err(|e| {
                Malformed::new(format!("its HTML part could not be turned into text ({e})"))
            })?;
            return Ok((text, BodySource::Html));
        }
    }
    Ok((String::new(), BodySource::None))
}

/// A text part whose declared charset is unknown *and* whose bytes are not UTF-8 would be
/// published garbled: refuse it with a reason instead.
fn check_charset(part: &MessagePart<'_>) -> Result<(), Malformed> {
    let Some(charset) = part.content_type().and_then(|ct| ct.attribute("charset")) else {
        return Ok(());
    };
    let known = charset_decoder(charset.as_bytes()).is_some()
        || matches!(
            charset.to_ascii_lowercase().as_str(),
            "utf-8" | "utf8" | "us-ascii" | "ascii"
        );
    let garbled = match &part.body {
        PartType::Text(t) | PartType::Html(t) => t.contains('\u{FFFD}'),
        _ => false,
    };
    if !known && garbled {
        let shown: String = charset
            .chars()
            .filter(|c| !c.is_control())
            .take(40)
            .collect();
        return Err(Malformed::new(format!(
            "the text is in an unknown charset {shown:?} and cannot be decoded reliably"
        )));
    }
    Ok(())
}

/// Converts HTML to readable text with html2text: paragraphs, lists and links (as
/// numbered footnotes) are kept. html2text's error (its nesting limit, say) is returned,
/// never turned into an empty contribution.
pub fn html_to_text(html: &str) -> Result<String, html2text::Error> {
    html2text::config::plain()
        .link_footnotes(true)
        .string_from_read(html.as_bytes(), 100_000)
        .map(|text| normalise_newlines(&text))
}

fn normalise_newlines(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let trimmed: Vec<&str> = text.lines().map(str::trim_end).collect();
    trimmed.join("\n").trim_matches('\n').to_string()
}

/// Decoded header text on one line: no control characters, runs of space folded.
pub fn clean_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let list: Vec<String> = match value {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    };
    list.into_iter()
        .map(|id| id.trim().trim_matches(['<', '>']).to_string())
        .filter(|id| !id.is_empty())
        .collect()
}

fn text_list(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![clean_line(t)],
        HeaderValue::TextList(l) => l.iter().map(|t| clean_line(t)).collect(),
        _ => Vec::new(),
    }
}

fn header_text(message: &Message<'_>, name: &str) -> Option<String> {
    message.header(name).and_then(|v| match v {
        HeaderValue::Text(t) => Some(clean_line(t)),
        HeaderValue::TextList(l) => Some(clean_line(&l.join(", "))),
        _ => message.header_raw(name).map(clean_line),
    })
}

fn mail_headers(message: &Message<'_>) -> MailHeaders {
    let mut recipients = Vec::new();
    for address in [message.to(), message.cc()].into_iter().flatten() {
        for addr in address.iter() {
            if let Some(a) = addr.address() {
                recipients.push(a.trim().to_lowercase());
            }
        }
    }
    let return_path = match message.return_path() {
        HeaderValue::Text(t) => Some(t.trim().trim_matches(['<', '>']).to_string()),
        HeaderValue::TextList(l) => l.first().map(|t| t.trim().to_string()),
        HeaderValue::Empty => message
            .header_raw("Return-Path")
            .map(|r| r.trim().trim_matches(['<', '>']).trim().to_string()),
        _ => None,
    };
    MailHeaders {
        message_id: message
            .message_id()
            .map(|id| id.trim().trim_matches(['<', '>']).to_string())
            .filter(|id| !id.is_empty()),
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
        date: message
            .date()
            .filter(|d| d.is_valid())
            .and_then(|d| jiff::Timestamp::from_second(d.to_timestamp()).ok()),
        content_language: text_list(message.content_language()),
        auto_submitted: header_text(message, "Auto-Submitted"),
        precedence: header_text(message, "Precedence"),
        list_id: match message.list_id() {
            HeaderValue::Empty => None,
            v => v
                .as_text()
                .map(clean_line)
                .or_else(|| header_text(message, "List-Id")),
        },
        return_path,
        recipients,
    }
}

fn extra_headers(message: &Message<'_>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in message.headers_raw() {
        let lower = name.to_ascii_lowercase();
        if EXTRA_HEADERS.contains(&lower.as_str()) && !out.iter().any(|(n, _)| *n == lower) {
            out.push((lower, clean_line(value)));
        }
    }
    out
}

fn attachments(message: &Message<'_>) -> Vec<ParsedAttachment> {
    message
        .attachments()
        .enumerate()
        .map(|(n, part)| {
            let content_type = part
                .content_type()
                .map(|ct| {
                    format!(
                        "{}/{}",
                        ct.ctype().to_ascii_lowercase(),
                        ct.subtype().unwrap_or("octet-stream").to_ascii_lowercase()
                    )
                })
                .unwrap_or_else(|| "application/octet-stream".to_string());
            let bytes: Cow<'_, [u8]> = match &part.body {
                PartType::Message(inner) => Cow::Borrowed(inner.raw_message()),
                _ => Cow::Borrowed(part.contents()),
            };
            let fallback = if matches!(part.body, PartType::Message(_)) {
                format!("message-{}.eml", n + 1)
            } else {
                format!("attachment-{}", n + 1)
            };
            ParsedAttachment {
                name: sanitize_file_name(part.attachment_name().unwrap_or_default(), &fallback),
                content_type,
                bytes: bytes.into_owned(),
            }
        })
        .collect()
}

/// A declared attachment name made safe to show and to write as a file: the last path
/// component only, no control characters, no leading dots, at most 120 characters.
pub fn sanitize_file_name(declared: &str, fallback: &str) -> String {
    let last = declared.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches(['.', ' ']).trim();
    let cleaned: String = cleaned.chars().take(120).collect();
    if cleaned.is_empty() {
        fallback.to_string()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_cannot_escape_or_hide() {
        assert_eq!(sanitize_file_name("../../etc/passwd", "x"), "passwd");
        assert_eq!(
            sanitize_file_name("C:\\Users\\a\\paper.pdf", "x"),
            "paper.pdf"
        );
        assert_eq!(sanitize_file_name("/abs/..", "x"), "x");
        assert_eq!(sanitize_file_name("re\u{7}port\n.pdf", "x"), "report.pdf");
        assert_eq!(sanitize_file_name(".hidden", "x"), "hidden");
    }

    #[test]
    fn a_sanitised_name_is_left_as_it_is() {
        // The site sanitises the stored (already sanitised) names again.
        let long = "é".repeat(300);
        for name in [
            "../a:b*?.pdf",
            " . x\u{0}y ",
            "C:\\x\\..",
            "rapport final.docx",
            &long,
        ] {
            let once = sanitize_file_name(name, "x");
            assert_eq!(sanitize_file_name(&once, "x"), once, "{name:?}");
        }
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        let limits = Limits::default();
        assert!(parse(b"", &limits).is_err());
        assert!(parse(&[0u8, 159, 146, 150, 255, 0, 1, 2], &limits).is_err());
    }

    #[test]
    fn decodes_encoded_subject_and_latin1_body() {
        let raw = b"From: =?ISO-8859-1?Q?Jos=E9_P=E9rez?= <jose@example.org>\r\n\
Subject: =?ISO-8859-1?Q?Migraci=F3n?=\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\nMigraci=F3n laboral\r\n";
        let parsed = parse(raw, &Limits::default()).expect("parses");
        assert_eq!(parsed.subject, "Migración");
        assert_eq!(parsed.from_name.as_deref(), Some("José Pérez"));
        assert_eq!(parsed.text, "Migración laboral");
    }
}
