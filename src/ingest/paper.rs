//! A cover note and its paper. When the body only presents an attached document ("Please
//! find attached our position paper", « Veuillez trouver ci-joint… », "Adjunto…"), or is
//! far shorter than the document's text, the document is the contribution: its text
//! decides the submission's language, GCM objectives and excerpt, and the note's language
//! is kept for writing back to the contributor.

use crate::lang;
use crate::model::{FlagKind, Submission};
use crate::route;

/// What a cover note says, in the three languages (lower case).
const COVER_PHRASES: &[&str] = &[
    "please find attached",
    "please find enclosed",
    "find attached",
    "attached please find",
    "attached is our",
    "attached you will find",
    "attached our",
    "i attach",
    "we attach",
    "is attached",
    "are attached",
    "in attachment",
    "as an attachment",
    "enclosed please find",
    "ci-joint",
    "ci-jointe",
    "ci-joints",
    "ci-jointes",
    "en pièce jointe",
    "en pièces jointes",
    "vous trouverez ci",
    "veuillez trouver",
    "adjunto",
    "adjunta",
    "adjuntamos",
    "se adjunta",
    "encontrará adjunt",
    "archivo adjunto",
    "documento adjunto",
    "remitimos",
];

/// A body of at most this many words may be a cover note.
const NOTE_WORDS: usize = 150;
/// Without a cover phrase, the paper must be this many times longer than the body.
const LONGER_BY: usize = 8;

/// Whether `body` only presents a document of `paper_chars` characters.
pub fn is_cover_note(body: &str, paper_chars: usize) -> bool {
    let words = body.split_whitespace().count();
    if words > NOTE_WORDS {
        return false;
    }
    let lower = body.to_lowercase();
    COVER_PHRASES.iter().any(|p| lower.contains(p))
        || paper_chars >= LONGER_BY * body.chars().count().max(50)
}

/// Detects each attachment's language and, behind a cover note, lets the longest
/// extracted text decide the submission's language and objectives.
pub fn read(s: &mut Submission) {
    for e in s
        .attachments
        .iter_mut()
        .filter_map(|a| a.extraction.as_mut())
    {
        if !e.text.is_empty() {
            e.lang = lang::detect(&e.text, "", &[]).lang;
        }
    }
    let Some(paper) = s
        .attachments
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.extraction.as_ref().map(|e| (i, e.text.chars().count())))
        .filter(|(_, chars)| *chars > 0)
        .max_by_key(|(_, chars)| *chars)
        .map(|(i, _)| i)
    else {
        return;
    };
    let Some(extraction) = s.attachments[paper].extraction.as_mut() else {
        return;
    };
    if !is_cover_note(&s.body, extraction.text.chars().count()) {
        return;
    }
    extraction.decides = true;
    let text = extraction.text.clone();
    let detection = lang::detect(&text, &s.subject, &[]);
    if let Some(paper_lang) = detection.lang {
        if s.lang != Some(paper_lang) {
            s.note_lang = s.lang;
            if let Some(note) = s.lang
                && !s.other_langs.contains(&note)
            {
                s.other_langs.push(note);
            }
        }
        s.other_langs.retain(|l| *l != paper_lang);
        s.lang = Some(paper_lang);
        s.lang_confidence = (detection.confidence * 100.0).round() / 100.0;
        // The note was too short, or in another language: the paper says what it is.
        s.flags.retain(|f| {
            !matches!(
                f.kind,
                FlagKind::LangUndetermined | FlagKind::UnsupportedLanguage
            )
        });
    }
    let mut objectives = route::objectives(&[&s.subject, &s.body, &text]);
    objectives.sort_unstable();
    objectives.dedup();
    s.objectives = objectives;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cover_note_in_any_language_or_a_short_body_before_a_long_paper() {
        assert!(is_cover_note(
            "Dear colleagues,\n\nPlease find attached our position paper.\n\nBest regards,",
            200
        ));
        assert!(is_cover_note(
            "Madame, Monsieur,\nVeuillez trouver ci-joint notre contribution.",
            200
        ));
        assert!(is_cover_note(
            "Estimados señores:\nAdjunto nuestra ponencia.",
            200
        ));
        assert!(is_cover_note("Our contribution.", 20_000));
        assert!(!is_cover_note("Our contribution.", 300));
        let long = "Remittances matter for families. ".repeat(60);
        assert!(!is_cover_note(
            &format!("Please find attached a summary. {long}"),
            50_000
        ));
    }
}
