//! A contribution's plain text as a safe HTML fragment: paragraphs, bullet and numbered
//! lists, links and numbered footnotes kept.
//!
//! The text is hostile input. The fragment is built with maud, which escapes every piece
//! of text it is given, and then cleaned by ammonia with a small allowlist (paragraphs,
//! lists, links with http(s)/mailto only, `rel="nofollow ugc noopener"`), so that even a
//! mistake here cannot let markup through.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use maud::{Markup, PreEscaped, html};
use regex::Regex;

static FOOTNOTE_DEF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\[(\d{1,3})\]:?\s+(\S.*)$").expect("valid regex"));
static FOOTNOTE_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[([^\[\]]{1,200})\]\[(\d{1,3})\]|\[(\d{1,3})\]").expect("valid regex")
});
static BULLET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+").expect("valid regex"));
static NUMBERED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\d{1,2}[.)]\s+").expect("valid regex"));

/// What replaces an email address in published text: no contributor's address is ever
/// published, and the text cannot tell whose an address is.
pub const REDACTED: &str = "[address removed]";

/// Text with every email address replaced by [`REDACTED`].
pub fn redact(text: &str) -> String {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Email]);
    let mut out = String::with_capacity(text.len());
    for span in finder.spans(text) {
        match span.kind() {
            Some(linkify::LinkKind::Email) => out.push_str(REDACTED),
            _ => out.push_str(span.as_str()),
        }
    }
    out
}

/// The sanitiser every published fragment goes through.
fn cleaner() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::empty();
    b.add_tags(["p", "ul", "ol", "li", "a", "sup", "br", "strong", "section"])
        .add_tag_attributes("a", ["href", "id"])
        .add_tag_attributes("li", ["id"])
        .add_tag_attributes("sup", ["id"])
        .add_tag_attributes("section", ["class"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("nofollow ugc noopener"));
    b
}

/// Sanitises an HTML fragment with the publication's allowlist.
pub fn sanitize(fragment: &str) -> String {
    cleaner().clean(fragment).to_string()
}

/// Renders text with links (URLs become anchors, everything else is escaped).
fn inline(text: &str, anchor: &str, notes: &BTreeMap<u32, String>) -> Markup {
    // First footnote references, then URLs inside the remaining text.
    let mut parts: Vec<Markup> = Vec::new();
    let mut last = 0;
    for c in FOOTNOTE_REF.captures_iter(text) {
        let m = c.get(0).expect("whole match");
        let number: u32 = c
            .get(2)
            .or_else(|| c.get(3))
            .and_then(|n| n.as_str().parse().ok())
            .unwrap_or(0);
        if !notes.contains_key(&number) {
            continue;
        }
        parts.push(links(&text[last..m.start()]));
        let label = c.get(1).map(|l| l.as_str());
        parts.push(html! {
            @if let Some(label) = label { (label) }
            sup { a href=(format!("#{anchor}-note-{number}")) { (number) } }
        });
        last = m.end();
    }
    parts.push(links(&text[last..]));
    html! { @for p in parts { (p) } }
}

fn links(text: &str) -> Markup {
    let finder = linkify::LinkFinder::new();
    html! {
        @for span in finder.spans(text) {
            @match span.kind() {
                Some(linkify::LinkKind::Url) => a href=(span.as_str()) { (span.as_str()) },
                Some(linkify::LinkKind::Email) => (REDACTED),
                _ => (span.as_str()),
            }
        }
    }
}

/// A line at least this long was most likely wrapped by the mail client: it flows into
/// the next one.
const WRAPPED_LINE: usize = 50;

/// A paragraph's parts: running text, or a list.
enum Block {
    Para(Vec<String>),
    List { numbered: bool, items: Vec<String> },
}

/// Splits a paragraph into running text and lists (`- `, `* `, `• `, `1. `); an indented
/// line after an item continues it.
fn blocks(paragraph: &str) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for line in paragraph.lines() {
        if BULLET.is_match(line) {
            let numbered = NUMBERED.is_match(line);
            let item = BULLET.replace(line, "").trim().to_string();
            match out.last_mut() {
                Some(Block::List { numbered: n, items }) if *n == numbered => items.push(item),
                _ => out.push(Block::List {
                    numbered,
                    items: vec![item],
                }),
            }
        } else if line.starts_with([' ', '\t']) && matches!(out.last(), Some(Block::List { .. })) {
            if let Some(Block::List { items, .. }) = out.last_mut()
                && let Some(last) = items.last_mut()
            {
                last.push(' ');
                last.push_str(line.trim());
            }
        } else {
            match out.last_mut() {
                Some(Block::Para(lines)) => lines.push(line.trim().to_string()),
                _ => out.push(Block::Para(vec![line.trim().to_string()])),
            }
        }
    }
    out
}

/// Turns strong emphasis written as `**text**` (as the HTML-to-text conversion writes it)
/// back into plain text: the published page shows words, not markdown markers.
fn unmark(line: &str) -> String {
    line.replace("**", "")
}

/// The HTML of a contribution's text. `anchor` prefixes footnote ids so that several
/// contributions on one page do not collide.
pub fn to_html(text: &str, anchor: &str) -> String {
    let mut notes: BTreeMap<u32, String> = BTreeMap::new();
    let mut body_lines: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(c) = FOOTNOTE_DEF.captures(line)
            && let Ok(n) = c[1].parse::<u32>()
        {
            notes.insert(n, c[2].trim().to_string());
            continue;
        }
        body_lines.push(unmark(line));
    }
    let joined = body_lines.join("\n");
    let paragraphs: Vec<&str> = joined
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let blocks: Vec<Block> = paragraphs.iter().flat_map(|p| blocks(p)).collect();
    let markup = html! {
        @for block in &blocks {
            @match block {
                Block::Para(lines) => p {
                    @for (i, line) in lines.iter().enumerate() {
                        @if i > 0 {
                            // Wrapped prose flows; short lines (a closing, a name, an
                            // address) keep their breaks.
                            @if lines[i - 1].chars().count() >= WRAPPED_LINE { " " } @else { br; }
                        }
                        (inline(line, anchor, &notes))
                    }
                },
                Block::List { numbered: true, items } => ol {
                    @for item in items { li { (inline(item, anchor, &notes)) } }
                },
                Block::List { numbered: false, items } => ul {
                    @for item in items { li { (inline(item, anchor, &notes)) } }
                },
            }
        }
        @if !notes.is_empty() {
            section class="footnotes" {
                ol {
                    @for (n, target) in &notes {
                        li id=(format!("{anchor}-note-{n}")) { (links(target)) }
                    }
                }
            }
        }
    };
    sanitize(&markup.into_string())
}

/// Text for an attribute or element, escaped (for callers outside maud templates).
pub fn escape(text: &str) -> PreEscaped<String> {
    PreEscaped(html! { (text) }.into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_lists_links_and_footnotes() {
        let html = to_html(
            "First paragraph\nwrapped.\n\n* one\n* two\n\nSee [our report][1] and https://example.org/a?b=1&c=2.\n\n[1]: https://example.org/report",
            "c7",
        );
        assert!(
            html.contains("<p>First paragraph<br>wrapped.</p>"),
            "{html}"
        );
        assert!(html.contains("<ul><li>one</li><li>two</li></ul>"), "{html}");
        assert!(
            html.contains(
                r##"our report<sup><a href="#c7-note-1" rel="nofollow ugc noopener">1</a></sup>"##
            ),
            "{html}"
        );
        assert!(
            html.contains(
                r#"<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener">"#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"<li id="c7-note-1"><a href="https://example.org/report""#),
            "{html}"
        );
    }

    #[test]
    fn a_list_after_an_introduction_and_a_closing_block() {
        let html = to_html(
            "We see three priorities for the implementation of the Compact in our region:\n* health\n* work\n  permits\n\nBest regards,\nAna\nIOM",
            "c",
        );
        assert!(html.contains("<p>We see three priorities for the implementation of the Compact in our region:</p><ul><li>health</li><li>work permits</li></ul>"), "{html}");
        assert!(
            html.contains("<p>Best regards,<br>Ana<br>IOM</p>"),
            "{html}"
        );
    }

    #[test]
    fn email_addresses_are_never_published() {
        let html = to_html(
            "Write to sarah.doyel@iom.example.int or mailto:x@y.org.",
            "c1",
        );
        assert!(!html.contains('@'), "{html}");
        assert_eq!(redact("a b@c.org d"), "a [address removed] d");
    }

    #[test]
    fn markup_in_text_is_text() {
        for attack in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<svg onload=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "javascript:alert(1)",
            "&lt;script&gt;",
        ] {
            let html = to_html(attack, "c1");
            assert!(!html.contains("<script"), "{attack} -> {html}");
            assert!(!html.contains("<img"), "{attack} -> {html}");
            assert!(!html.contains("<svg"), "{attack} -> {html}");
            assert!(!html.contains("<a href=\"javascript"), "{attack} -> {html}");
        }
        assert!(to_html("<b>x</b>", "c").contains("&lt;b&gt;x&lt;/b&gt;"));
    }
}
