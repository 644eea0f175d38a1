//! A text of the configuration given once or per language: `title = "…"` or
//! `title.en = "…"`, `title.fr = "…"`, `title.es = "…"`.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::Lang;

/// A human text of a space, in one or several languages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Localized {
    /// Given once, for every language (`title = "…"`).
    pub once: Option<String>,
    /// Given per language (`title.fr = "…"`).
    pub by_lang: BTreeMap<Lang, String>,
}

/// A text in the language asked for, or in the one it fell back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InLang<'a> {
    /// The text.
    pub text: &'a str,
    /// The language it is written in, when the configuration says (a text given once
    /// says nothing).
    pub lang: Option<Lang>,
    /// Whether it is a fallback: the configuration has no text in the language asked for.
    pub fallback: bool,
}

impl Localized {
    /// A text given once.
    pub fn once(text: impl Into<String>) -> Localized {
        Localized {
            once: Some(text.into()),
            by_lang: BTreeMap::new(),
        }
    }

    /// Whether no text is given at all (or only empty ones).
    pub fn is_empty(&self) -> bool {
        self.once.as_deref().is_none_or(str::is_empty)
            && self.by_lang.values().all(String::is_empty)
    }

    /// The text in `lang`; else in `fallback` (the space's first language), else in any
    /// language given, marked as a fallback. `None` only when no text is given.
    pub fn get(&self, lang: Lang, fallback: Lang) -> Option<InLang<'_>> {
        if let Some(text) = self.by_lang.get(&lang) {
            return Some(InLang {
                text,
                lang: Some(lang),
                fallback: false,
            });
        }
        if let Some(text) = &self.once {
            return Some(InLang {
                text,
                lang: None,
                fallback: false,
            });
        }
        self.by_lang
            .get_key_value(&fallback)
            .or_else(|| self.by_lang.iter().next())
            .map(|(l, text)| InLang {
                text,
                lang: Some(*l),
                fallback: true,
            })
    }

    /// The text written for `lang` (or given once), never another language's: for what
    /// must not fall back (a signature in Spanish under a French letter).
    pub fn exact(&self, lang: Lang) -> Option<&str> {
        self.by_lang
            .get(&lang)
            .or(self.once.as_ref())
            .map(String::as_str)
    }

    /// The text in `lang` or its fallback, or "" when none is given.
    pub fn text(&self, lang: Lang, fallback: Lang) -> &str {
        self.get(lang, fallback).map_or("", |t| t.text)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Repr {
    Once(String),
    ByLang(BTreeMap<Lang, String>),
}

impl<'de> Deserialize<'de> for Localized {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Localized, D::Error> {
        match Repr::deserialize(d).map_err(|_| {
            serde::de::Error::custom(
                "expected a text, or one text per language (en, fr, es) as in title.fr = \"…\"",
            )
        })? {
            Repr::Once(text) => Ok(Localized::once(text)),
            Repr::ByLang(by_lang) => Ok(Localized {
                once: None,
                by_lang,
            }),
        }
    }
}

impl Serialize for Localized {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match (&self.once, self.by_lang.is_empty()) {
            (Some(text), true) => Repr::Once(text.clone()).serialize(s),
            _ => Repr::ByLang(self.by_lang.clone()).serialize(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        title: Localized,
    }

    fn parse(text: &str) -> Result<Localized, toml::de::Error> {
        toml::from_str::<Holder>(text).map(|h| h.title)
    }

    #[test]
    fn a_text_given_once_serves_every_language() {
        let t = parse("title = \"IMRF\"").expect("parses");
        let got = t.get(Lang::Fr, Lang::En).expect("text");
        assert_eq!((got.text, got.lang, got.fallback), ("IMRF", None, false));
    }

    #[test]
    fn a_missing_translation_falls_back_visibly_to_the_first_language() {
        let t = parse("title.en = \"Review\"\ntitle.fr = \"Examen\"").expect("parses");
        assert_eq!(t.text(Lang::Fr, Lang::En), "Examen");
        let es = t.get(Lang::Es, Lang::En).expect("text");
        assert_eq!(
            (es.text, es.lang, es.fallback),
            ("Review", Some(Lang::En), true)
        );
        let only_fr = parse("title.fr = \"Examen\"").expect("parses");
        assert_eq!(only_fr.text(Lang::Es, Lang::En), "Examen");
        assert_eq!(only_fr.exact(Lang::Es), None, "exact never falls back");
        assert_eq!(only_fr.exact(Lang::Fr), Some("Examen"));
    }

    #[test]
    fn an_unknown_language_is_refused_with_what_is_expected() {
        let e = parse("title.pt = \"Revisão\"").expect_err("pt");
        assert!(
            e.to_string().contains("one text per language (en, fr, es)"),
            "{e}"
        );
    }
}
