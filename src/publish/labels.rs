//! The interface's words in each language of the site: headings, links, the "How to
//! contribute" box, counts and dates.

use crate::model::Lang;

/// Every interface text of a page, in one language.
pub struct Labels {
    /// The page's language.
    pub lang: Lang,
    pub questions: &'static str,
    pub in_reply_to: &'static str,
    /// Under a campaign's text: "Sent by {n} contributors", before their names.
    pub sent_by: &'static str,
    /// Before a language's name, over a contribution's version in that language.
    pub also_in: &'static str,
    pub general: &'static str,
    pub moderators: &'static str,
    pub attachments: &'static str,
    pub none_yet: &'static str,
    pub feed: &'static str,
    pub question_feed: &'static str,
    pub data: &'static str,
    pub spaces: &'static str,
    pub contributions: &'static str,
    pub language: &'static str,
    pub search: &'static str,
    /// A colon as the language sets it (« : » in French).
    pub colon: &'static str,
    /// Contributions whose language is undetermined, in a count.
    pub other_language: &'static str,
    /// Said after a text shown in another language than the page's ("in English").
    pub not_translated: &'static str,
    pub how_to: &'static str,
    pub how_to_intro: &'static str,
    pub write_to: &'static str,
    pub general_contribution: &'static str,
    pub accepted_languages: &'static str,
    pub moderation: &'static str,
}

impl Labels {
    /// The labels of `lang`.
    pub fn of(lang: Lang) -> Labels {
        match lang {
            Lang::En => Labels {
                lang,
                questions: "Discussion questions",
                in_reply_to: "In reply to",
                sent_by: "Sent by {n} contributors",
                also_in: "Also in",
                general: "General contributions",
                moderators: "Moderators",
                attachments: "Attachments",
                none_yet: "No contribution published yet.",
                feed: "Feed (Atom)",
                question_feed: "feed",
                data: "Data (JSON)",
                spaces: "Discussion spaces",
                contributions: "contributions",
                language: "Language",
                search: "Search",
                colon: ": ",
                other_language: "in another language",
                not_translated: "not translated",
                how_to: "How to contribute",
                how_to_intro: "Write to the consultation by email; one message per contribution, \
                               with the question it answers:",
                write_to: "answer question",
                general_contribution: "a general contribution",
                accepted_languages: "Contributions are welcome in",
                moderation: "Every contribution is read by a moderator before it is published \
                             here, with its author's name, affiliation and date; you receive an \
                             acknowledgement and, later, the decision by email. Your address is \
                             never published.",
            },
            Lang::Fr => Labels {
                lang,
                questions: "Questions de discussion",
                in_reply_to: "En réponse à",
                sent_by: "Envoyée par {n} contributeurs",
                also_in: "Aussi en",
                general: "Contributions générales",
                moderators: "Modération",
                attachments: "Pièces jointes",
                none_yet: "Aucune contribution publiée pour le moment.",
                feed: "Flux (Atom)",
                question_feed: "flux",
                data: "Données (JSON)",
                spaces: "Espaces de discussion",
                contributions: "contributions",
                language: "Langue",
                search: "Rechercher",
                colon: "\u{a0}: ",
                other_language: "dans une autre langue",
                not_translated: "non traduit",
                how_to: "Comment contribuer",
                how_to_intro: "Écrivez à la consultation par courriel, un message par \
                               contribution, en indiquant la question à laquelle il répond :",
                write_to: "répondre à la question",
                general_contribution: "une contribution générale",
                accepted_languages: "Les contributions sont les bienvenues en",
                moderation: "Chaque contribution est lue par un modérateur avant d'être publiée \
                             ici, avec le nom de son auteur, son organisation et sa date ; vous \
                             recevez un accusé de réception puis la décision par courriel. Votre \
                             adresse n'est jamais publiée.",
            },
            Lang::Es => Labels {
                lang,
                questions: "Preguntas para el debate",
                in_reply_to: "En respuesta a",
                sent_by: "Enviada por {n} participantes",
                also_in: "También en",
                general: "Contribuciones generales",
                moderators: "Moderación",
                attachments: "Archivos adjuntos",
                none_yet: "Todavía no se ha publicado ninguna contribución.",
                feed: "Canal (Atom)",
                question_feed: "canal",
                data: "Datos (JSON)",
                spaces: "Espacios de debate",
                contributions: "contribuciones",
                language: "Idioma",
                search: "Buscar",
                colon: ": ",
                other_language: "en otro idioma",
                not_translated: "sin traducir",
                how_to: "Cómo contribuir",
                how_to_intro: "Escriba a la consulta por correo electrónico, un mensaje por \
                               contribución, indicando la pregunta a la que responde:",
                write_to: "responder a la pregunta",
                general_contribution: "una contribución general",
                accepted_languages: "Las contribuciones son bienvenidas en",
                moderation: "Un moderador lee cada contribución antes de publicarla aquí, con \
                             el nombre de su autor, su organización y la fecha; usted recibe un \
                             acuse de recibo y, más tarde, la decisión por correo electrónico. \
                             Su dirección nunca se publica.",
            },
        }
    }

    /// A language's name in this page's language ("French", « français », "francés").
    pub fn language_name(&self, of: Lang) -> &'static str {
        of.name_in(self.lang)
    }

    /// A language's name as its speakers write it, for the language switcher.
    pub fn endonym(of: Lang) -> &'static str {
        match of {
            Lang::En => "English",
            Lang::Fr => "Français",
            Lang::Es => "Español",
        }
    }

    /// "A, B and C" in this language.
    pub fn list(&self, items: &[&str]) -> String {
        let and = match self.lang {
            Lang::En => "and",
            Lang::Fr => "et",
            Lang::Es => "y",
        };
        match items.split_last() {
            None => String::new(),
            Some((last, [])) => (*last).to_string(),
            Some((last, rest)) => format!("{} {and} {last}", rest.join(", ")),
        }
    }

    /// "3 contributions: 2 in English, 1 in French"; "1 contribution, in Spanish".
    pub fn count(&self, by_lang: &[(Option<Lang>, usize)]) -> String {
        let total: usize = by_lang.iter().map(|(_, n)| n).sum();
        let noun = match (self.lang, total) {
            (Lang::En, 1) => "contribution",
            (Lang::En, _) => "contributions",
            (Lang::Fr, 0 | 1) => "contribution",
            (Lang::Fr, _) => "contributions",
            (Lang::Es, 1) => "contribución",
            (Lang::Es, _) => "contribuciones",
        };
        let in_word = match self.lang {
            Lang::En => "in",
            Lang::Fr => "en",
            Lang::Es => "en",
        };
        let parts: Vec<String> = by_lang
            .iter()
            .map(|(l, n)| match l {
                Some(l) => format!("{n} {in_word} {}", self.language_name(*l)),
                None => format!("{n} {}", self.other_language),
            })
            .collect();
        if parts.is_empty() || total == 0 {
            return format!("{total} {noun}");
        }
        format!("{total} {noun}{}{}", self.colon, parts.join(", "))
    }
}
