//! Separates the contribution from quoted earlier mail and the signature, and finds the
//! author's affiliation.
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

static ATTRIBUTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*(
            (on|am)\s.{1,250}\s(wrote|schrieb)\s?:
          | le\s.{1,250}\s(a\s+écrit|a\s+ecrit)\s?:
          | el\s.{1,250}\s(escribió|escribio)\s?:
          | .{1,250}\s(wrote|a\s+écrit|escribió)\s?:
        )\s*$",
    )
    .expect("valid regex")
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

static UNDERSCORE_RULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*_{10,}\s*$").expect("valid regex"));

/// Splits a message text into contribution, quoted mail and signature.
pub fn trim(text: &str) -> TrimmedBody {
    let lines: Vec<&str> = text.lines().collect();

    // 1. Where does the quoted earlier message start? The first attribution line (also
    //    wrapped over two lines), an "Original Message" rule, or an Outlook header block.
    let quote_start = find_quote_start(&lines);
    let (mut own, mut quoted_lines): (Vec<&str>, Vec<&str>) = match quote_start {
        Some(i) => (lines[..i].to_vec(), lines[i..].to_vec()),
        None => (lines.clone(), Vec::new()),
    };
    // A signature placed below the quote (bottom of a top-posted reply) is still the
    // sender's own: a "-- " line after the last quoted line.
    if let Some(sig) = quoted_lines.iter().rposition(|l| *l == "-- " || *l == "--") {
        let after_quotes = !quoted_lines[sig..]
            .iter()
            .any(|l| l.trim_start().starts_with('>'));
        if after_quotes && sig > 0 {
            own.extend(quoted_lines.split_off(sig));
        }
    }

    // 2. The signature: from the last "-- " line, or a "Sent from my…" line.
    let sig_start = own
        .iter()
        .rposition(|l| *l == "-- " || *l == "--")
        .or_else(|| own.iter().position(|l| SENT_FROM_DEVICE.is_match(l)));
    let (own, signature) = match sig_start {
        Some(i) => (own[..i].to_vec(), own[i..].to_vec()),
        None => (own, Vec::new()),
    };

    // 3. Lines quoted with '>' inside what remains (interleaved replies) go to `quoted`.
    let mut contribution = Vec::with_capacity(own.len());
    let mut inline_quotes = Vec::new();
    for line in own {
        if line.trim_start().starts_with('>') {
            inline_quotes.push(line);
        } else {
            contribution.push(line);
        }
    }
    if !inline_quotes.is_empty() {
        // A trailing attribution line just above the quotes belongs with them.
        while contribution.last().is_some_and(|l| l.trim().is_empty()) {
            contribution.pop();
        }
        if contribution.last().is_some_and(|l| ATTRIBUTION.is_match(l))
            && let Some(attr) = contribution.pop()
        {
            inline_quotes.insert(0, attr);
        }
        inline_quotes.append(&mut quoted_lines);
        quoted_lines = inline_quotes;
    }

    let contribution = join_trimmed(&contribution);
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
        quoted: join_trimmed(&quoted_lines),
        signature: join_trimmed(&signature),
    }
}

fn find_quote_start(lines: &[&str]) -> Option<usize> {
    for (i, line) in lines.iter().enumerate() {
        if ATTRIBUTION.is_match(line) && !line.trim_start().starts_with('>') {
            // Only when quoted text (or an empty line then quoted text) follows, so a
            // sentence like "As the minister wrote:" is not taken for an attribution.
            if followed_by_quote(lines, i + 1) {
                return Some(i);
            }
        }
        if let Some(next) = lines.get(i + 1) {
            let joined = format!("{} {}", line.trim(), next.trim());
            let starts_like_attribution = {
                let l = line.trim_start().to_lowercase();
                l.starts_with("on ") || l.starts_with("le ") || l.starts_with("el ")
            };
            if starts_like_attribution
                && !ATTRIBUTION.is_match(line)
                && ATTRIBUTION.is_match(&joined)
                && followed_by_quote(lines, i + 2)
            {
                return Some(i);
            }
        }
        if ORIGINAL_MESSAGE.is_match(line) {
            return Some(i);
        }
        if HEADER_FROM.is_match(line) && header_block_follows(lines, i) {
            // Include an underscore rule just above (Outlook).
            if i > 0 && UNDERSCORE_RULE.is_match(lines[i - 1]) {
                return Some(i - 1);
            }
            return Some(i);
        }
    }
    None
}

fn followed_by_quote(lines: &[&str], from: usize) -> bool {
    lines[from.min(lines.len())..]
        .iter()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_start().starts_with('>'))
        || lines[from.min(lines.len())..]
            .iter()
            .all(|l| l.trim().is_empty())
}

/// An Outlook-style block: `From:` followed within four lines by at least two other
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

static VALEDICTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(best|kind|warm|with best)?\s*(regards|wishes)\s*,?\s*$|^\s*(sincerely|thank you|thanks|many thanks|yours)\s*(sincerely|faithfully|truly)?\s*,?\s*$|^\s*(cordialement|bien (à|a) vous|bien cordialement|salutations|meilleures salutations|sinc(è|e)rement)\s*,?\s*$|^\s*(saludos|atentamente|un saludo|saludos cordiales|cordialmente|muchas gracias|gracias)\s*,?\s*$",
    )
    .expect("valid regex")
});

static NOT_AN_ORGANISATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)@|https?://|www\.|\+?\d[\d\s().-]{6,}|^(tel|phone|mobile|fax|tél|email|e-mail)\b",
    )
    .expect("valid regex")
});

/// A display name and affiliation taken apart: "Sarah Doyel, IOM" or "Sarah Doyel (IOM)".
pub fn split_display_name(display: &str) -> (String, Option<String>) {
    let display = display.trim();
    if let Some(open) = display.rfind(" (")
        && display.ends_with(')')
    {
        let org = display[open + 2..display.len() - 1].trim();
        if !org.is_empty() && !org.contains('@') {
            return (display[..open].trim().to_string(), Some(org.to_string()));
        }
    }
    // "Doyel, Sarah" (surname first) has a single word on each side: not an affiliation.
    if let Some((name, org)) = display.split_once(", ") {
        let org = org.trim();
        let name = name.trim();
        let looks_like_surname_first = !name.contains(' ')
            && !org.contains(' ')
            && org.chars().next().is_some_and(char::is_lowercase);
        if !org.is_empty() && name.contains(' ') && !looks_like_surname_first {
            return (name.to_string(), Some(org.to_string()));
        }
        if !org.is_empty()
            && !name.is_empty()
            && org.chars().all(|c| c.is_uppercase() || !c.is_alphabetic())
        {
            return (name.to_string(), Some(org.to_string()));
        }
    }
    (display.to_string(), None)
}

/// Finds an organisation line in a signature or a closing block: the line after the
/// author's name, when it is not a phone number, address or URL.
pub fn affiliation_from_text(signature: &str, contribution: &str, name: &str) -> Option<String> {
    let candidates = [
        signature,
        closing_block(contribution),
        last_lines(contribution, 4),
    ];
    let name_lower = name.trim().to_lowercase();
    for block in candidates {
        let lines: Vec<&str> = block
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != "--")
            .collect();
        let Some(name_at) = lines.iter().position(|l| {
            !name_lower.is_empty() && {
                let l = l.to_lowercase();
                l == name_lower || l.starts_with(&format!("{name_lower},"))
            }
        }) else {
            continue;
        };
        // "Sarah Doyel, IOM" on the name line itself.
        if let (_, Some(org)) = split_display_name(lines[name_at]) {
            return Some(org);
        }
        if let Some(next) = lines.get(name_at + 1) {
            let next = next.trim();
            let looks_like_org = next.chars().count() <= 100
                && !NOT_AN_ORGANISATION.is_match(next)
                && next.chars().next().is_some_and(char::is_alphabetic);
            if looks_like_org {
                return Some(next.to_string());
            }
        }
    }
    None
}

/// The last `n` lines of a text.
fn last_lines(text: &str, n: usize) -> &str {
    let start = text
        .char_indices()
        .rev()
        .filter(|(_, c)| *c == '\n')
        .nth(n - 1)
        .map(|(i, _)| i + 1)
        .unwrap_or(0);
    &text[start..]
}

/// The lines after a valediction ("Best regards,") at the end of the contribution.
fn closing_block(contribution: &str) -> &str {
    let tail_start = contribution
        .char_indices()
        .rev()
        .filter(|(_, c)| *c == '\n')
        .nth(6)
        .map(|(i, _)| i)
        .unwrap_or(0);
    let tail = &contribution[tail_start..];
    let mut offset = None;
    let mut pos = 0;
    for line in tail.split_inclusive('\n') {
        if VALEDICTION.is_match(line.trim_end()) {
            offset = Some(pos + line.len());
        }
        pos += line.len();
    }
    match offset {
        Some(o) => &tail[o..],
        None => "",
    }
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
    fn sentence_ending_in_wrote_is_not_cut() {
        let text = "As the minister wrote:\nmigration is a fact.\nWe agree.";
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

    #[test]
    fn display_name_affiliations() {
        assert_eq!(
            split_display_name("Sarah Doyel, IOM"),
            ("Sarah Doyel".into(), Some("IOM".into()))
        );
        assert_eq!(
            split_display_name("Juan Pérez (Ciudad de México)"),
            ("Juan Pérez".into(), Some("Ciudad de México".into()))
        );
        assert_eq!(
            split_display_name("Doyel, Sarah"),
            ("Doyel, Sarah".into(), None)
        );
    }

    #[test]
    fn affiliation_after_name_in_closing_block() {
        let body =
            "Text.\n\nBest regards,\nAmina Diallo\nMinistry of Labour, Senegal\n+221 33 000 00 00";
        assert_eq!(
            affiliation_from_text("", body, "Amina Diallo").as_deref(),
            Some("Ministry of Labour, Senegal")
        );
        assert_eq!(
            affiliation_from_text("", "Text.\nAmina Diallo\n+221 33 000 00 00", "Amina Diallo"),
            None
        );
    }
}
