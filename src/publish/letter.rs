//! The contribution without the letter around it: the salutation ("Dear colleagues,",
//! « Madame, Monsieur, », "Estimados señores:") and the closing with its signature block
//! ("Best regards, / Jane Whitfield / Bristol City Council") are not repeated under the
//! author line that already names them. What is published only; the store keeps it all.

use std::sync::LazyLock;

use regex::Regex;

/// A salutation line in English, French, Spanish or Portuguese.
static SALUTATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(dear|hello|hi|good (morning|afternoon|evening)|greetings|to whom it may concern|madame|monsieur|mesdames|messieurs|madame, monsieur|cher|chers|ch[eè]re|ch[eè]res|bonjour|bonsoir|estimad[oa]s?|apreciad[oa]s?|distinguid[oa]s?|señor(a|es|as)?|sr\.|sra\.|hola|buen(os|as) (d[ií]as|tardes)|querid[oa]s?|a quien corresponda|prezad[oa]s?|caro|cara|ol[aá])\b[^.?!\n]{0,80}[,:!]?\s*$",
    )
    .expect("valid regex")
});

/// The body as published: without a leading salutation line, and without a closing and
/// the short signature block after it (or a closing left dangling at the end), nor a last
/// paragraph that only repeats the author's name. Nothing is removed when what would be
/// left is empty.
pub fn letter_body<'a>(body: &'a str, author: &str) -> std::borrow::Cow<'a, str> {
    let lines: Vec<&str> = body.lines().collect();
    let mut start = 0;
    while start < lines.len() && lines[start].trim().is_empty() {
        start += 1;
    }
    let salutation = lines
        .get(start)
        .is_some_and(|l| SALUTATION.is_match(l) && l.split_whitespace().count() <= 8)
        && lines
            .get(start + 1)
            .is_none_or(|l| l.trim().is_empty() || l.len() > 40);
    if salutation {
        start += 1;
    }
    let mut end = lines.len();
    // The last closing, when what follows it is a signature (a few short lines).
    if let Some(at) = (start..end)
        .rev()
        .find(|&i| crate::author::is_closing(lines[i]))
    {
        let after: Vec<&str> = lines[at + 1..end]
            .iter()
            .copied()
            .filter(|l| !l.trim().is_empty())
            .collect();
        if after.len() <= 10 && after.iter().all(|l| l.chars().count() <= 90) {
            end = at;
        }
    } else if !author.trim().is_empty() {
        // "Claire Martin" alone at the end, or a block starting with the name.
        let last_para = (start..end)
            .rev()
            .skip_while(|&i| lines[i].trim().is_empty())
            .take_while(|&i| !lines[i].trim().is_empty())
            .last();
        if let Some(from) = last_para {
            let block: Vec<&str> = lines[from..end].to_vec();
            let first = block.first().map_or("", |l| l.trim());
            if block.len() <= 6 && first.eq_ignore_ascii_case(author.trim()) {
                end = from;
            }
        }
    }
    while end > start && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    if start == 0 && end == lines.len() {
        return std::borrow::Cow::Borrowed(body);
    }
    if end <= start {
        return std::borrow::Cow::Borrowed(body);
    }
    let kept = lines[start..end].join("\n");
    let kept = kept.trim_matches('\n').to_string();
    if kept.trim().is_empty() {
        std::borrow::Cow::Borrowed(body)
    } else {
        std::borrow::Cow::Owned(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::letter_body;

    #[test]
    fn the_salutation_and_the_signed_closing_go_in_each_language() {
        let cases = [
            (
                "Dear colleagues,\n\nWe think costs are too high.\n\nBest regards,\nJane Whitfield\nBristol City Council",
                "Jane Whitfield",
                "We think costs are too high.",
            ),
            (
                "Madame, Monsieur,\n\nLes coûts restent trop élevés.\n\nBien à vous,\nÉlodie",
                "Élodie Fréchette",
                "Les coûts restent trop élevés.",
            ),
            (
                "Estimados señores:\n\nLos costos siguen altos.\n\nAtentamente,\n\nJuan Pérez\nSecretaría",
                "Juan Pérez",
                "Los costos siguen altos.",
            ),
            // A closing left dangling, and a name alone at the end.
            ("Costs are high.\n\nBest regards,", "A", "Costs are high."),
            (
                "Costs are high.\n\nGrace Mwangi",
                "Grace Mwangi",
                "Costs are high.",
            ),
        ];
        for (body, author, want) in cases {
            assert_eq!(letter_body(body, author), want, "{body:?}");
        }
    }

    #[test]
    fn text_that_only_looks_like_a_letter_stays() {
        // The opening sentence is prose, not a salutation; a long text after a closing
        // word is not a signature.
        let prose =
            "Hello is not a greeting here, it is the name of our programme for migrants.\n\nMore.";
        assert_eq!(letter_body(prose, "A"), prose);
        let long = "Text.\n\nRegards,\nThis paragraph goes on for a long while after the word regards and is plainly part of the contribution itself, not a signature.";
        assert_eq!(letter_body(long, "A"), long);
        assert_eq!(letter_body("Best regards,", "A"), "Best regards,");
    }
}
