//! Stakeholder types: who a contribution speaks for, as the consultation page's "Member
//! States and stakeholders" asks and as consultation platforms record them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Lang;

/// The kind of stakeholder an author writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StakeholderType {
    /// A Member State: a national government, ministry, mission or embassy.
    MemberState,
    /// A local or regional government: a city, municipality, region or province.
    LocalGovernment,
    /// A United Nations entity (IOM, UNHCR, WHO…).
    UnEntity,
    /// Another intergovernmental organisation (African Union, OECD, World Bank…).
    Intergovernmental,
    /// Civil society: an NGO, association, network, trade union or faith group.
    CivilSociety,
    /// The private sector: a company or business association.
    PrivateSector,
    /// Academia: a university or research institute.
    Academia,
    /// A person writing for themselves.
    Individual,
    /// None of the above.
    Other,
}

impl StakeholderType {
    /// Every type, in the order the page lists them.
    pub const ALL: [StakeholderType; 9] = [
        StakeholderType::MemberState,
        StakeholderType::LocalGovernment,
        StakeholderType::UnEntity,
        StakeholderType::Intergovernmental,
        StakeholderType::CivilSociety,
        StakeholderType::PrivateSector,
        StakeholderType::Academia,
        StakeholderType::Individual,
        StakeholderType::Other,
    ];

    /// The name in the config, on the command line and in exports ("member-state").
    pub fn as_str(self) -> &'static str {
        match self {
            StakeholderType::MemberState => "member-state",
            StakeholderType::LocalGovernment => "local-government",
            StakeholderType::UnEntity => "un-entity",
            StakeholderType::Intergovernmental => "intergovernmental",
            StakeholderType::CivilSociety => "civil-society",
            StakeholderType::PrivateSector => "private-sector",
            StakeholderType::Academia => "academia",
            StakeholderType::Individual => "individual",
            StakeholderType::Other => "other",
        }
    }

    /// The label a reader sees, in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        use StakeholderType::*;
        match (self, lang) {
            (MemberState, Lang::En) => "Member State",
            (MemberState, Lang::Fr) => "État membre",
            (MemberState, Lang::Es) => "Estado miembro",
            (LocalGovernment, Lang::En) => "Local or regional government",
            (LocalGovernment, Lang::Fr) => "Collectivité locale ou régionale",
            (LocalGovernment, Lang::Es) => "Gobierno local o regional",
            (UnEntity, Lang::En) => "United Nations entity",
            (UnEntity, Lang::Fr) => "Entité des Nations Unies",
            (UnEntity, Lang::Es) => "Entidad de las Naciones Unidas",
            (Intergovernmental, Lang::En) => "Other intergovernmental organization",
            (Intergovernmental, Lang::Fr) => "Autre organisation intergouvernementale",
            (Intergovernmental, Lang::Es) => "Otra organización intergubernamental",
            (CivilSociety, Lang::En) => "Civil society / NGO",
            (CivilSociety, Lang::Fr) => "Société civile / ONG",
            (CivilSociety, Lang::Es) => "Sociedad civil / ONG",
            (PrivateSector, Lang::En) => "Private sector",
            (PrivateSector, Lang::Fr) => "Secteur privé",
            (PrivateSector, Lang::Es) => "Sector privado",
            (Academia, Lang::En) => "Academia",
            (Academia, Lang::Fr) => "Milieu universitaire",
            (Academia, Lang::Es) => "Ámbito académico",
            (Individual, Lang::En) => "Individual",
            (Individual, Lang::Fr) => "À titre individuel",
            (Individual, Lang::Es) => "A título individual",
            (Other, Lang::En) => "Other",
            (Other, Lang::Fr) => "Autre",
            (Other, Lang::Es) => "Otro",
        }
    }

    /// The accepted names, for messages: "member-state, local-government, …".
    pub fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

impl fmt::Display for StakeholderType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StakeholderType {
    type Err = String;

    /// The names, and the words people use for them ("government", "ngo", "un", "city").
    fn from_str(s: &str) -> Result<Self, String> {
        let key = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        let found = Self::ALL.into_iter().find(|t| t.as_str() == key);
        found
            .or(match key.as_str() {
                "government" | "state" | "national-government" => Some(Self::MemberState),
                "local" | "city" | "regional-government" | "municipality" => {
                    Some(Self::LocalGovernment)
                }
                "un" | "united-nations" => Some(Self::UnEntity),
                "igo" | "international-organisation" | "international-organization" => {
                    Some(Self::Intergovernmental)
                }
                "ngo" | "civil-society-ngo" | "csos" | "cso" => Some(Self::CivilSociety),
                "business" | "company" | "private" => Some(Self::PrivateSector),
                "university" | "research" => Some(Self::Academia),
                "person" | "personal" => Some(Self::Individual),
                _ => None,
            })
            .ok_or_else(|| {
                format!(
                    "{s:?} is not a stakeholder type; the types are {}",
                    Self::names()
                )
            })
    }
}

/// A submission's stakeholder type and what decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stakeholder {
    /// The type.
    pub kind: StakeholderType,
    /// What decided it, as a moderator reads it: the rule that matched ("affiliation
    /// \"Ville de Montréal\" has \"Ville de\" (default rules)") or "set by amina".
    pub by: String,
    /// Whether a moderator set it (then no rule changes it again).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_moderator: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_reads_back_from_its_name_and_has_a_label_in_each_language() {
        for t in StakeholderType::ALL {
            assert_eq!(t.as_str().parse::<StakeholderType>(), Ok(t));
            for lang in Lang::ALL {
                assert!(!t.label(lang).is_empty());
            }
        }
        assert_eq!("NGO".parse(), Ok(StakeholderType::CivilSociety));
        let err = "charity shop".parse::<StakeholderType>().unwrap_err();
        assert!(err.contains("member-state, local-government"), "{err}");
    }
}
