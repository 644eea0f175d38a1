//! The report's words in each language of the consultation.

use crate::model::Lang;

/// Every text of the report's page and charts, in one language.
#[allow(missing_docs)]
pub struct Words {
    /// The language.
    pub lang: Lang,
    pub title: &'static str,
    pub intro: &'static str,
    pub contributions: &'static str,
    /// After the count: the versions in other languages counted with their contribution.
    pub versions: &'static str,
    pub per_question: &'static str,
    pub per_type: &'static str,
    pub per_week: &'static str,
    pub objectives: &'static str,
    pub objective: &'static str,
    pub question: &'static str,
    pub general: &'static str,
    pub week_of: &'static str,
    pub type_unknown: &'static str,
    pub undetermined: &'static str,
    pub total: &'static str,
    pub none_yet: &'static str,
    pub moderation: &'static str,
    pub received: &'static str,
    pub pending: &'static str,
    pub approved: &'static str,
    pub rejected: &'static str,
    pub median: &'static str,
    pub hours: &'static str,
    pub no_decision: &'static str,
    pub campaigns: &'static str,
    pub campaign_line: &'static str,
    /// A colon as the language sets it (« : » in French).
    pub colon: &'static str,
}

impl Words {
    /// The words of `lang`.
    pub fn of(lang: Lang) -> Words {
        match lang {
            Lang::En => Words {
                lang,
                title: "The consultation in figures",
                intro: "Approved contributions, as published.",
                contributions: "Contributions",
                versions: "(versions in other languages, counted with their contribution: {n})",
                per_question: "Contributions per question and language",
                per_type: "Contributions per type of stakeholder",
                per_week: "Contributions per week",
                objectives: "Global Compact objectives mentioned most",
                objective: "Objective",
                question: "Question",
                general: "General",
                week_of: "Week of",
                type_unknown: "Type not known",
                undetermined: "Language undetermined",
                total: "Total",
                none_yet: "No contribution published yet.",
                moderation: "Moderation",
                received: "Received",
                pending: "Waiting for a decision",
                approved: "Approved",
                rejected: "Rejected",
                median: "Median time to a decision",
                hours: "hours",
                no_decision: "no decision yet",
                campaigns: "Campaigns: the same text from many senders",
                campaign_line: "letters from {senders} senders, in",
                colon: ": ",
            },
            Lang::Fr => Words {
                lang,
                title: "La consultation en chiffres",
                intro: "Contributions approuvées, telles que publiées.",
                contributions: "Contributions",
                versions: "(versions dans d’autres langues, comptées avec leur contribution : {n})",
                per_question: "Contributions par question et par langue",
                per_type: "Contributions par type de partie prenante",
                per_week: "Contributions par semaine",
                objectives: "Objectifs du Pacte mondial les plus cités",
                objective: "Objectif",
                question: "Question",
                general: "Général",
                week_of: "Semaine du",
                type_unknown: "Type inconnu",
                undetermined: "Langue indéterminée",
                total: "Total",
                none_yet: "Aucune contribution publiée pour l'instant.",
                moderation: "Modération",
                received: "Reçues",
                pending: "En attente de décision",
                approved: "Approuvées",
                rejected: "Rejetées",
                median: "Délai médian avant décision",
                hours: "heures",
                no_decision: "aucune décision pour l'instant",
                campaigns: "Campagnes : le même texte envoyé par de nombreux expéditeurs",
                campaign_line: "lettres de {senders} expéditeurs, en",
                colon: "\u{a0}: ",
            },
            Lang::Es => Words {
                lang,
                title: "La consulta en cifras",
                intro: "Contribuciones aprobadas, tal como se publicaron.",
                contributions: "Contribuciones",
                versions: "(versiones en otros idiomas, contadas con su contribución: {n})",
                per_question: "Contribuciones por pregunta e idioma",
                per_type: "Contribuciones por tipo de parte interesada",
                per_week: "Contribuciones por semana",
                objectives: "Objetivos del Pacto Mundial más mencionados",
                objective: "Objetivo",
                question: "Pregunta",
                general: "General",
                week_of: "Semana del",
                type_unknown: "Tipo desconocido",
                undetermined: "Idioma no determinado",
                total: "Total",
                none_yet: "Aún no se ha publicado ninguna contribución.",
                moderation: "Moderación",
                received: "Recibidas",
                pending: "En espera de decisión",
                approved: "Aprobadas",
                rejected: "Rechazadas",
                median: "Tiempo mediano hasta la decisión",
                hours: "horas",
                no_decision: "ninguna decisión todavía",
                campaigns: "Campañas: el mismo texto enviado por muchos remitentes",
                campaign_line: "cartas de {senders} remitentes, en",
                colon: ": ",
            },
        }
    }

    /// A question's short label ("Q1", "General").
    pub fn question_label(&self, number: Option<u32>) -> String {
        number.map_or(self.general.to_string(), |n| format!("Q{n}"))
    }

    /// A stakeholder type's label from its key in the figures (`unknown`: not known).
    pub fn type_label(&self, key: &str) -> &'static str {
        key.parse::<crate::model::StakeholderType>()
            .map_or(self.type_unknown, |t| t.label(self.lang))
    }

    /// A language's label from its key in the figures (`undetermined`), capitalised as
    /// a heading or a legend is (« Anglais »).
    pub fn lang_label(&self, key: &str) -> String {
        let name = Lang::from_tag(key).map_or(self.undetermined, |l| l.name_in(self.lang));
        let mut chars = name.chars();
        chars.next().map_or(String::new(), |first| {
            first.to_uppercase().chain(chars).collect()
        })
    }
}
