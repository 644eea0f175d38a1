//! Standard rejection reasons and their wording for the contributor.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Lang;

/// Standard rejection reasons, each with wording for the contributor in EN/FR/ES.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReasonCode {
    /// Not about the consultation's questions.
    OffTopic,
    /// Already received.
    Duplicate,
    /// Not in English, French or Spanish.
    Language,
    /// Advertising or abuse.
    Spam,
    /// Too short or unfinished to publish.
    Incomplete,
}

impl ReasonCode {
    /// Every code, in the order help texts list them.
    pub const ALL: [ReasonCode; 5] = [
        ReasonCode::OffTopic,
        ReasonCode::Duplicate,
        ReasonCode::Language,
        ReasonCode::Spam,
        ReasonCode::Incomplete,
    ];

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::OffTopic => "off-topic",
            ReasonCode::Duplicate => "duplicate",
            ReasonCode::Language => "language",
            ReasonCode::Spam => "spam",
            ReasonCode::Incomplete => "incomplete",
        }
    }

    /// Parses the kebab-case name.
    pub fn parse(name: &str) -> Option<ReasonCode> {
        ReasonCode::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The default wording for the contributor, in their language.
    pub fn wording(self, lang: Lang) -> &'static str {
        use Lang::*;
        use ReasonCode::*;
        match (self, lang) {
            (OffTopic, En) => {
                "Your message does not answer one of the consultation's discussion questions."
            }
            (OffTopic, Fr) => "Votre message ne répond à aucune des questions de la consultation.",
            (OffTopic, Es) => "Su mensaje no responde a ninguna de las preguntas de la consulta.",
            (Duplicate, En) => "We have already received this contribution.",
            (Duplicate, Fr) => "Nous avons déjà reçu cette contribution.",
            (Duplicate, Es) => "Ya hemos recibido esta contribución.",
            (Language, En) => "Contributions are accepted in English, French or Spanish.",
            (Language, Fr) => {
                "Seules les contributions rédigées en anglais, en espagnol ou en français sont acceptées."
            }
            (Language, Es) => "Solo se aceptan contribuciones en español, francés o inglés.",
            (Spam, En) => "Your message was identified as advertising or unsolicited mail.",
            (Spam, Fr) => "Votre message a été identifié comme publicitaire ou indésirable.",
            (Spam, Es) => "Su mensaje se ha identificado como publicidad o correo no deseado.",
            (Incomplete, En) => {
                "Your contribution seems incomplete; you are welcome to send a complete version."
            }
            (Incomplete, Fr) => {
                "Votre contribution semble incomplète\u{a0}; vous pouvez nous en envoyer une version complète."
            }
            (Incomplete, Es) => {
                "Su contribución parece incompleta; puede enviarnos una versión completa."
            }
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
