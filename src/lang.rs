//! Text to language and confidence, with whatlang restricted to the consultation's
//! languages (English, French, Spanish).
//!
//! Three outcomes besides a plain answer, each a flag for the moderator: too little or
//! ambiguous text (`lang-undetermined`), clearly another language (`unsupported-language`),
//! and paragraphs in two of the three (`mixed-language`). Detection reads a bounded prefix
//! of the text: language does not change after the first few paragraphs, and cost must not
//! grow with a message's length.

use std::sync::LazyLock;

use whatlang::{Detector, Lang as WLang};

use crate::model::{Flag, FlagKind, Lang};

/// How much text detection reads (in bytes, cut at a character boundary): a language
/// shows in its first paragraph, and cost must not grow with the message.
const PREFIX_BYTES: usize = 1024;
/// The unrestricted detector (about 70 languages) reads less: it only has to tell a
/// consultation language from another one.
const SCREEN_BYTES: usize = 384;
/// How much of each paragraph votes on a mix; the first and last paragraphs vote, since a
/// mixed contribution switches language between them.
const PARAGRAPH_BYTES: usize = 250;
const FIRST_PARAGRAPHS: usize = 3;
const LAST_PARAGRAPHS: usize = 2;
/// Fewer letters than this cannot be told apart reliably (whatlang takes a short English
/// sentence about "labour migration pathways" for French).
const MIN_LETTERS: usize = 60;
/// A paragraph needs this many letters to vote on a mix.
const MIN_PARAGRAPH_LETTERS: usize = 100;

static ALLOWED: LazyLock<Detector> =
    LazyLock::new(|| Detector::with_allowlist(vec![WLang::Eng, WLang::Fra, WLang::Spa]));

/// The detector's verdict on a submission.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// The language, when it is one of ours and reliable enough.
    pub lang: Option<Lang>,
    /// Confidence 0.0–1.0 of the verdict.
    pub confidence: f64,
    /// Other consultation languages present (mixed contributions).
    pub others: Vec<Lang>,
    /// Flags for the moderator.
    pub flags: Vec<Flag>,
}

fn ours(lang: WLang) -> Option<Lang> {
    match lang {
        WLang::Eng => Some(Lang::En),
        WLang::Fra => Some(Lang::Fr),
        WLang::Spa => Some(Lang::Es),
        _ => None,
    }
}

fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn letters(text: &str) -> usize {
    text.chars().filter(|c| c.is_alphabetic()).count()
}

/// Detects the language of a contribution. `subject` helps when the text is short;
/// `declared` (Content-Language) decides only when the text itself cannot.
pub fn detect(text: &str, subject: &str, declared: &[String]) -> Detection {
    let sample = prefix(text, PREFIX_BYTES);
    let text_letters = letters(sample);
    let (sample, sample_letters): (String, usize) = if text_letters < 2 * MIN_LETTERS {
        (
            format!("{subject}\n{sample}"),
            text_letters + letters(subject),
        )
    } else {
        (sample.to_string(), text_letters)
    };
    let declared = declared.iter().find_map(|d| Lang::from_tag(d));

    if sample_letters < MIN_LETTERS {
        return undetermined(declared, "too little text to tell the language");
    }

    // One unrestricted detection answers most messages: when its best guess is one of
    // ours it is also what the allowlisted detector would say. Only when it names another
    // language that it is not sure of does the allowlisted detector decide.
    let unrestricted = whatlang::detect(prefix(&sample, SCREEN_BYTES));
    if let Some(info) = &unrestricted
        && ours(info.lang()).is_none()
        && info.is_reliable()
    {
        return unsupported(info);
    }
    let info = match unrestricted.filter(|i| ours(i.lang()).is_some() && i.is_reliable()) {
        Some(info) => info,
        None => match ALLOWED.detect(&sample) {
            Some(info) => info,
            None => return undetermined(declared, "the detector found no language"),
        },
    };
    // The allowlist binds only scripts several languages share: text mostly in a script
    // of one language (Han is Mandarin to whatlang) comes back as that language.
    let Some(lang) = ours(info.lang()) else {
        return unsupported(&info);
    };
    if !info.is_reliable() && info.confidence() < 0.5 {
        return undetermined(
            declared,
            &format!(
                "best guess {} with confidence {:.2} is not reliable",
                lang,
                info.confidence()
            ),
        );
    }

    let mut detection = Detection {
        lang: Some(lang),
        confidence: info.confidence(),
        others: Vec::new(),
        flags: Vec::new(),
    };
    mixed(text, &mut detection);
    detection
}

fn unsupported(info: &whatlang::Info) -> Detection {
    Detection {
        lang: None,
        confidence: info.confidence(),
        others: Vec::new(),
        flags: vec![Flag::new(
            FlagKind::UnsupportedLanguage,
            format!(
                "written in {} ({}), confidence {:.2}",
                info.lang().eng_name(),
                info.lang().code(),
                info.confidence()
            ),
        )],
    }
}

fn undetermined(declared: Option<Lang>, why: &str) -> Detection {
    let (lang, why) = match declared {
        Some(l) => (
            Some(l),
            format!("{why}; using the declared Content-Language {l}"),
        ),
        None => (None, why.to_string()),
    };
    Detection {
        lang,
        confidence: 0.0,
        others: Vec::new(),
        flags: vec![Flag::new(FlagKind::LangUndetermined, why)],
    }
}

/// Flags a contribution whose long paragraphs are in different languages, each holding at
/// least a quarter of the text. Reads the start of the first paragraphs only.
fn mixed(text: &str, detection: &mut Detection) {
    // Each long paragraph's voting start, with its letters.
    let long: Vec<(&str, usize)> = text
        .split("\n\n")
        .map(|p| prefix(p, PARAGRAPH_BYTES))
        .map(|p| (p, letters(p)))
        .filter(|(_, n)| *n >= MIN_PARAGRAPH_LETTERS)
        .collect();
    if long.len() < 2 {
        return;
    }
    // The common case costs two detections: a mixed contribution switches language
    // between its first and last paragraphs. Only then are the others consulted.
    let first = ALLOWED.detect(long[0].0);
    let last = ALLOWED.detect(long[long.len() - 1].0);
    match (first, last) {
        (Some(a), Some(b)) if a.lang() != b.lang() => {}
        _ => return,
    }
    let paragraphs: Vec<(&str, usize)> = if long.len() <= FIRST_PARAGRAPHS + LAST_PARAGRAPHS {
        long
    } else {
        long[..FIRST_PARAGRAPHS]
            .iter()
            .chain(&long[long.len() - LAST_PARAGRAPHS..])
            .copied()
            .collect()
    };
    let mut share: Vec<(Lang, usize)> = Vec::new();
    let mut total = 0usize;
    for (paragraph, n) in paragraphs {
        let Some(info) = ALLOWED.detect(paragraph) else {
            continue;
        };
        if !info.is_reliable() {
            continue;
        }
        let Some(lang) = ours(info.lang()) else {
            continue;
        };
        total += n;
        match share.iter_mut().find(|(l, _)| *l == lang) {
            Some((_, count)) => *count += n,
            None => share.push((lang, n)),
        }
    }
    let significant: Vec<(Lang, usize)> =
        share.into_iter().filter(|(_, n)| *n * 4 >= total).collect();
    if significant.len() < 2 {
        return;
    }
    let Some(main) = significant.iter().max_by_key(|(_, n)| *n).map(|(l, _)| *l) else {
        return;
    };
    detection.lang = Some(main);
    detection.others = significant
        .iter()
        .map(|(l, _)| *l)
        .filter(|l| *l != main)
        .collect();
    let list: Vec<String> = significant
        .iter()
        .map(|(l, n)| format!("{l} {}%", n * 100 / total.max(1)))
        .collect();
    detection.flags.push(Flag::new(
        FlagKind::MixedLanguage,
        format!("paragraphs in {}", list.join(", ")),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: &str = "Migrant workers send remittances home every month, and the cost of these transfers remains far too high for families who depend on them.";
    const FR: &str = "Les travailleurs migrants envoient chaque mois de l'argent à leur famille, et le coût de ces transferts reste beaucoup trop élevé pour les ménages.";
    const ES: &str = "Los trabajadores migrantes envían remesas a sus familias cada mes, y el costo de estas transferencias sigue siendo demasiado alto para los hogares.";
    const PT: &str = "Os trabalhadores migrantes enviam remessas para as suas famílias todos os meses, e o custo dessas transferências continua muito alto para os agregados.";

    #[test]
    fn each_language_is_detected() {
        assert_eq!(detect(EN, "", &[]).lang, Some(Lang::En));
        assert_eq!(detect(FR, "", &[]).lang, Some(Lang::Fr));
        assert_eq!(detect(ES, "", &[]).lang, Some(Lang::Es));
    }

    #[test]
    fn portuguese_is_unsupported_not_spanish() {
        let d = detect(PT, "", &[]);
        assert_eq!(d.lang, None);
        assert_eq!(d.flags[0].kind, FlagKind::UnsupportedLanguage);
    }

    #[test]
    fn short_text_is_undetermined_but_declared_language_is_used() {
        let d = detect("Ok!", "", &["fr-FR".into()]);
        assert_eq!(d.lang, Some(Lang::Fr));
        assert_eq!(d.flags[0].kind, FlagKind::LangUndetermined);
        assert_eq!(detect("Ok!", "", &[]).lang, None);
    }

    #[test]
    fn a_short_english_sentence_is_not_taken_for_french() {
        let d = detect(
            "Hello, our view on labour migration pathways.",
            "[Q1] test",
            &[],
        );
        assert_eq!(d.lang, None, "{d:?}");
        assert_eq!(d.flags[0].kind, FlagKind::LangUndetermined);
    }

    /// Words of many scripts, for text mixing them with Latin letters.
    const SCRIPTS: [&str; 14] = [
        "优惠活动 点击这里 免费注册 立即领取", // Han (GB2312 spam)
        "限时优惠",
        "ありがとうございます よろしくお願いします",
        "감사합니다 안녕하세요 반갑습니다",
        "Здравствуйте спасибо за ваше письмо",
        "Γεια σας ευχαριστούμε πολύ",
        "مرحبا شكرا جزيلا على رسالتك",
        "שלום תודה רבה על המכתב",
        "नमस्ते धन्यवाद आपका पत्र",
        "สวัสดีครับ ขอบคุณมาก",
        "გამარჯობა მადლობა",
        "Բարև շնորհակալություն",
        "ሰላም አመሰግናለሁ",
        "வணக்கம் நன்றி",
    ];

    #[test]
    fn latin_urls_mixed_with_another_script_are_unsupported_or_undetermined_never_a_panic() {
        // The short spam that panicked: a URL in Latin letters and a few Chinese words.
        let spam = "http://www.cheap-offers.example.cn/promo/index.html 优惠活动 点击这里 免费注册";
        let d = detect(spam, "", &[]);
        assert_eq!(d.lang, None, "{d:?}");
        assert!(
            matches!(
                d.flags[0].kind,
                FlagKind::UnsupportedLanguage | FlagKind::LangUndetermined
            ),
            "{d:?}"
        );
        // Every script, alone and around Latin text of each of our languages, in several
        // proportions: a verdict with a reason, whatever the mix.
        for script in SCRIPTS {
            for latin in ["http://example.org/a/b/c?d=e", EN, FR, ES] {
                for text in [
                    script.to_string(),
                    format!("{latin} {script}"),
                    format!("{script} {latin} {script} {script}"),
                    format!("{}\n\n{latin}", script.repeat(8)),
                ] {
                    let d = detect(&text, script, &[]);
                    assert!(
                        d.lang.is_some() || !d.flags.is_empty(),
                        "no language and no reason for {text:?}: {d:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn mixed_paragraphs_are_flagged() {
        let text = format!("{EN} {EN}\n\n{FR} {FR}");
        let d = detect(&text, "", &[]);
        assert!(
            d.flags.iter().any(|f| f.kind == FlagKind::MixedLanguage),
            "{d:?}"
        );
        assert_eq!(d.others.len(), 1);
    }
}
