//! One printer for everything: JSON for scripts, aligned text for people. stdout carries
//! data; diagnostics go to stderr.

use std::io::{IsTerminal, Write};

use serde::Serialize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Prints a value as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// An error and its causes on one line, without repeating a cause the message already
/// contains.
pub fn error_chain(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let c = cause.to_string();
        if !text.contains(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
    }
    text
}

/// Whether the error is stdout closed by the reader (`hubmail queue | head`): not a
/// failure worth reporting.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|e| e.io_error_kind())
                .is_some_and(|k| k == std::io::ErrorKind::BrokenPipe)
    })
}

/// Whether stdout is a terminal and colour is allowed (`NO_COLOR` unset).
pub fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// The terminal's width: the terminal's own, else `COLUMNS`, else 100.
pub fn width() -> usize {
    if let Some((_, cols)) = console::Term::stdout().size_checked() {
        return usize::from(cols).max(40);
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(100)
}

/// Wraps text in an ANSI SGR code (e.g. "1" bold, "31" red) when `on`.
pub fn paint(text: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Text from mail (or typed by someone else) made safe to print to a terminal: control
/// characters show as their Unicode pictures (ESC as `␛`, so an OSC 52 clipboard write or a
/// window title is visible text, not an order), C1 controls and the bidirectional
/// overrides that reorder or hide text as `�`. Newlines and tabs stay.
pub fn safe(text: &str) -> std::borrow::Cow<'_, str> {
    escape(text, false)
}

/// [`safe`] for one line (a subject, a name, a file name): a newline shows as `␤` too,
/// so a field cannot fake the lines after it.
pub fn safe_line(text: &str) -> std::borrow::Cow<'_, str> {
    escape(text, true)
}

fn unsafe_char(c: char, one_line: bool) -> bool {
    match c {
        '\n' => one_line,
        '\t' => false,
        _ => c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'),
    }
}

fn escape(text: &str, one_line: bool) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| unsafe_char(c, one_line)) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| match c {
            _ if !unsafe_char(c, one_line) => c,
            '\n' => '\u{2424}',
            '\u{7f}' => '\u{2421}',
            c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
            _ => '\u{FFFD}',
        })
        .collect::<String>()
        .into()
}

/// Cuts a string to `max` terminal columns (display width: a CJK character takes two, a
/// combining mark none), with an ellipsis when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// [`truncate`]d to `columns`, then padded with spaces to exactly `columns` wide, for a
/// table cell (`format!`'s `{:<n}` counts characters, not columns).
pub fn fit(s: &str, columns: usize) -> String {
    let mut out = truncate(s, columns);
    let pad = columns.saturating_sub(out.width());
    out.extend(std::iter::repeat_n(' ', pad));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_from_mail_are_shown_not_obeyed() {
        let osc52 = "copy \u{1b}]52;c;ZWNobyBoaQ==\u{7} this";
        assert_eq!(safe(osc52), "copy \u{241b}]52;c;ZWNobyBoaQ==\u{2407} this");
        assert_eq!(
            safe("a\u{9b}31mb\u{202e}c\rd"),
            "a\u{FFFD}31mb\u{FFFD}c\u{240d}d"
        );
        assert_eq!(safe("two\nlines\tand a tab"), "two\nlines\tand a tab");
        assert_eq!(
            safe_line("Subject\nFrom: forged"),
            "Subject\u{2424}From: forged"
        );
        assert!(matches!(safe("plain é 国"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn cells_are_measured_in_columns() {
        // Two columns per character: 8 columns hold three of them and the ellipsis.
        assert_eq!(truncate("国际移民论坛", 8), "国际移…");
        assert_eq!(fit("国际移民论坛", 8).width(), 8);
        // A combining accent takes no column: "Résumé" spelt with them is six wide.
        assert_eq!(fit("Re\u{301}sume\u{301}", 7), "Re\u{301}sume\u{301} ");
        assert_eq!(fit("Ana", 6), "Ana   ");
        assert_eq!(truncate("Organisation", 5), "Orga…");
    }
}
