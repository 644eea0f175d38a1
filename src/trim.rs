//! Separates the contribution from quoted earlier mail and the signature (who signed it
//! is [`crate::author`]'s reading).
//!
//! Over-trimming is the complaint users have of such tools, so the rules are conservative
//! and lossless: whatever is cut is returned (`quoted`, `signature`), and when trimming
//! would leave nothing the whole text stays the contribution.

use std::sync::LazyLock;

use regex::Regex;

/// The text of a message split into its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrimmedBody {
    /// What the sender wrote now.
    pub contribution: String,
    /// Quoted earlier mail (attribution line included).
    pub quoted: String,
    /// The signature, from the `-- ` line or a "Sent from my…" line.
    pub signature: String,
}

/// Verbs that end an attribution line ("… wrote:"), in the consultation's languages and a
/// few others common in real mail.
const WROTE: &str =
    r"(wrote|schrieb|a\s+écrit|a\s+ecrit|escribió|escribio|написал\w*|ha\s+scritto|escreveu)";

/// An attribution that starts like one ("On …", "Le …", "El …", "Am …", or a date) and ends
/// with the verb: trusted even when wrapped over up to three lines.
static STRONG_ATTRIBUTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?is)^\s*((on|am|le|el|em|il)\s|\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{1,4}}).{{1,300}}{WROTE}\s?:\s*$"
    ))
    .expect("valid regex")
});

/// Any single line ending with the verb ("Sarah Doyel wrote:").
static ATTRIBUTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)^\s*\S.{{0,250}}{WROTE}\s?:\s*$")).expect("valid regex")
});

static ORIGINAL_MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*-{2,}\s*(original message|message d'origine|message original|mensaje original|forwarded message|message transféré|mensaje reenviado)\s*-{2,}\s*$",
    )
    .expect("valid regex")
});

static HEADER_FROM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*\*?(from|de|von)\s?\*?\s?:\s*\S").expect("valid regex"));

static HEADER_OTHER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*\*?(sent|date|envoyé|envoye|enviado|fecha|to|à|a|para|subject|objet|asunto|cc)\s?\*?\s?:",
    )
    .expect("valid regex")
});

static SENT_FROM_DEVICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(sent from my\s|sent from \S+ for |get outlook for |envoyé (depuis|de) mon\s|envoye (depuis|de) mon\s|enviado desde mi\s|obtener outlook para )",
    )
    .expect("valid regex")
});

/// A rule line (`-----`, `_____`, `=====`) that separates a reply from what it quotes.
static RULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*([-_=*]\s?){5,}\s*$").expect("valid regex"));

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Own,
    Quoted,
    Signature,
}

fn is_quote(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

fn is_sig_rule(line: &str) -> bool {
    line == "-- " || line == "--"
}

/// Splits a message text into contribution, quoted mail and signature.
///
/// Quoted: lines starting with `>` and the attribution above them ("On … wrote:", "Le … a
/// écrit :", "El … escribió:", also wrapped over two or three lines), and everything from an
/// "Original Message" rule or an Outlook header block (`From:/De :/De:` followed by
/// `Sent:/Envoyé :/Enviado:`, `To:`…) down. The signature: from a `-- ` line, or from a
/// "Sent from my…" line, to the next quoted line. Interleaved replies keep their answers.
pub fn trim(text: &str) -> TrimmedBody {
    let lines: Vec<&str> = text.lines().collect();
    let mut role = vec![Role::Own; lines.len()];

    // Everything below an "Original Message" rule or an Outlook header block is quoted.
    if let Some(cut) = find_cut(&lines) {
        role[cut..].fill(Role::Quoted);
    }
    // Quoted lines, and the attribution lines just above a quote.
    for (i, line) in lines.iter().enumerate() {
        if is_quote(line) {
            role[i] = Role::Quoted;
        }
    }
    for (start, end) in attributions(&lines) {
        role[start..=end].fill(Role::Quoted);
    }
    // A rule line (and blank lines) right above a quoted block belong to it.
    for i in (0..lines.len()).rev() {
        if role[i] == Role::Own
            && i + 1 < lines.len()
            && role[i + 1] == Role::Quoted
            && (RULE.is_match(lines[i]) || lines[i].trim().is_empty())
        {
            role[i] = Role::Quoted;
        }
    }
    // The signature: from the last "-- " outside the quotes, or the first "Sent from my…",
    // down to the next quoted line.
    let sig_start = (0..lines.len())
        .rev()
        .find(|i| role[*i] == Role::Own && is_sig_rule(lines[*i]))
        .or_else(|| {
            (0..lines.len()).find(|i| role[*i] == Role::Own && SENT_FROM_DEVICE.is_match(lines[*i]))
        });
    if let Some(start) = sig_start {
        for r in role[start..].iter_mut() {
            match r {
                Role::Own => *r = Role::Signature,
                Role::Quoted => break,
                Role::Signature => {}
            }
        }
    }

    let pick = |want: Role| -> Vec<&str> {
        lines
            .iter()
            .zip(&role)
            .filter(|(_, r)| **r == want)
            .map(|(l, _)| *l)
            .collect()
    };
    let contribution = join_trimmed(&pick(Role::Own));
    if contribution.is_empty() {
        // Everything looked quoted (a forward, a bare quote): keep it all as the
        // contribution rather than publish nothing.
        return TrimmedBody {
            contribution: join_trimmed(&lines),
            quoted: String::new(),
            signature: String::new(),
        };
    }
    TrimmedBody {
        contribution,
        quoted: join_trimmed(&pick(Role::Quoted)),
        signature: join_trimmed(&pick(Role::Signature)),
    }
}

/// Where an "Original Message" rule or an Outlook-style header block starts.
fn find_cut(lines: &[&str]) -> Option<usize> {
    lines.iter().enumerate().find_map(|(i, line)| {
        if ORIGINAL_MESSAGE.is_match(line) {
            return Some(i);
        }
        (HEADER_FROM.is_match(line) && !is_quote(line) && header_block_follows(lines, i))
            .then_some(i)
    })
}

/// Attribution spans `(first, last)`: a line ending in "wrote:" (or its translations)
/// followed by a `>` quote, extended up to two lines upwards when wrapped.
fn attributions(lines: &[&str]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for (end, line) in lines.iter().enumerate() {
        if is_quote(line) || !line.trim_end().ends_with(':') || !followed_by_quote(lines, end + 1) {
            continue;
        }
        let strong = (end.saturating_sub(2)..=end)
            .rev()
            .filter(|start| {
                !lines[*start..end]
                    .iter()
                    .any(|l| is_quote(l) || l.trim().is_empty())
            })
            .find(|start| STRONG_ATTRIBUTION.is_match(&lines[*start..=end].join(" ")));
        if let Some(start) = strong {
            spans.push((start, end));
        } else if ATTRIBUTION.is_match(line) {
            spans.push((end, end));
        }
    }
    spans
}

/// Whether the next non-blank line from `from` is a `>` quote.
fn followed_by_quote(lines: &[&str], from: usize) -> bool {
    lines
        .get(from..)
        .unwrap_or_default()
        .iter()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| is_quote(l))
}

/// An Outlook-style block: `From:` followed within five lines by at least two other
/// header-like lines (Sent/Date, To, Subject…).
fn header_block_follows(lines: &[&str], from: usize) -> bool {
    lines[from + 1..]
        .iter()
        .take(5)
        .filter(|l| HEADER_OTHER.is_match(l))
        .count()
        >= 2
}

fn join_trimmed(lines: &[&str]) -> String {
    lines.join("\n").trim_matches('\n').trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_reply_with_quote_and_signature() {
        let t = trim(
            "Our view is below.\n\nThanks\n-- \nAna\nIOM\n\nOn Mon, 3 Jan 2022 at 10:00, Hub <hub@x.org> wrote:\n> Question 1\n> more",
        );
        assert_eq!(t.contribution, "Our view is below.\n\nThanks");
        assert_eq!(t.signature, "-- \nAna\nIOM");
        assert!(t.quoted.starts_with("On Mon"));
    }

    #[test]
    fn signature_below_the_quote_is_the_senders() {
        let t = trim("Answer.\n\nOn Mon, Hub wrote:\n> Q1\n\n-- \nAna\nIOM");
        assert_eq!(t.contribution, "Answer.");
        assert_eq!(t.quoted, "On Mon, Hub wrote:\n> Q1");
        assert_eq!(t.signature, "-- \nAna\nIOM");
    }

    #[test]
    fn attribution_wrapped_over_two_lines() {
        let t = trim("Réponse.\n\nLe lun. 3 janv. 2022 à 10:00, Hub <hub@x.org> a\nécrit :\n> Q1");
        assert_eq!(t.contribution, "Réponse.");
        assert!(t.quoted.contains("> Q1"));
    }

    #[test]
    fn attribution_wrapped_over_three_lines_without_space_before_wrote() {
        let t = trim(
            "Great.\n\nOn Dec 16, 2011, at 12:47 PM, Corey\n<reply@github.com>\nwrote:\n\n> Was this fixed?",
        );
        assert_eq!(t.contribution, "Great.");
        assert!(t.quoted.starts_with("On Dec 16"));
        let t = trim(
            ":+1:\n\nOn Tue, Sep 25, 2012 at 8:59 AM, Chris\n<notifications@github.com>wrote:\n\n> Steps",
        );
        assert_eq!(t.contribution, ":+1:");
    }

    #[test]
    fn interleaved_answers_are_kept() {
        let t = trim(
            "On Tue, Example <a@b.org> wrote:\n> first point?\nMy answer one.\n> second point?\nMy answer two.",
        );
        assert_eq!(t.contribution, "My answer one.\nMy answer two.");
        assert!(t.quoted.contains("> second point?"));
    }

    #[test]
    fn rule_above_an_outlook_block_goes_with_the_quote() {
        let t = trim(
            "Reply here.\n\n ------------------------------\n*From:* Team [mailto:a@b.org]\n*Sent:* Monday\n*To:* me\n*Subject:* x\n\nold",
        );
        assert_eq!(t.contribution, "Reply here.");
    }

    #[test]
    fn sentence_ending_in_wrote_is_not_cut() {
        let text = "As the minister wrote:\nmigration is a fact.\nWe agree.";
        assert_eq!(trim(text).contribution, text);
        let text = "We agree with what the minister wrote:";
        assert_eq!(trim(text).contribution, text);
    }

    #[test]
    fn outlook_header_block_in_spanish() {
        let t = trim(
            "Nuestra respuesta.\n\nDe: Hub <hub@x.org>\nEnviado: lunes\nPara: Ana\nAsunto: Q1\n\nTexto viejo",
        );
        assert_eq!(t.contribution, "Nuestra respuesta.");
        assert!(t.quoted.starts_with("De: Hub"));
    }

    #[test]
    fn all_quoted_keeps_everything() {
        let text = "> only a quote\n> here";
        assert_eq!(trim(text).contribution, text);
    }
}
