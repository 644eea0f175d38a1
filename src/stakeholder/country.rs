//! The country a contribution comes from, where the sender says so: an affiliation that
//! names a country ("Government of Mexico", « Ministère des Affaires étrangères du
//! Sénégal ») by its ISO 3166 name or a short form of it, or else the country-code
//! domain of the address (`@bristol.gov.uk`, `@montreal.ca`). Names are ISO 3166-1's
//! English ones (from `isocountry`), matched accent-folded as whole words; domains used
//! worldwide as generic ones (`.io`, `.co`, `.tv`…) say nothing.

use std::collections::HashMap;
use std::sync::OnceLock;

use isocountry::CountryCode;
use serde::Serialize;

use crate::model::Author;

/// A country, and what told it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Country {
    /// ISO 3166-1 alpha-2 (`MX`).
    pub code: &'static str,
    /// Its ISO 3166-1 English name ("Mexico").
    pub name: &'static str,
    /// What told it: `affiliation "Government of Mexico"`, `domain .mx`.
    pub by: String,
}

/// Country-code domains registered worldwide as generic names, which tell no country.
const GENERIC_DOMAINS: &[&str] = &[
    "ad", "ai", "am", "as", "cc", "cd", "co", "fm", "gg", "im", "io", "la", "ly", "me", "ms", "nu",
    "sh", "so", "st", "to", "tk", "tv", "vc", "ws",
];

/// Names people write for a country besides its ISO name and that name's short form.
const ALIASES: &[(&str, &str)] = &[
    ("United Kingdom", "GB"),
    ("United States", "US"),
    ("Russia", "RU"),
    ("Vietnam", "VN"),
    ("Syria", "SY"),
    ("Laos", "LA"),
    ("Moldova", "MD"),
    ("Turkey", "TR"),
    ("Czech Republic", "CZ"),
    ("Ivory Coast", "CI"),
    ("Cote d'Ivoire", "CI"),
];

/// The country `author` writes from, if the affiliation or the address tells it.
pub fn of(author: &Author) -> Option<Country> {
    if let Some(affiliation) = &author.affiliation
        && let Some(code) = named_in(affiliation)
    {
        return Some(country(code, format!("affiliation {affiliation:?}")));
    }
    let domain = author.address.rsplit_once('@')?.1.trim_end_matches('.');
    let tld = domain.rsplit('.').next()?.to_ascii_lowercase();
    if tld.len() != 2 || GENERIC_DOMAINS.contains(&tld.as_str()) {
        return None;
    }
    let alpha2 = if tld == "uk" {
        "gb".to_string()
    } else {
        tld.clone()
    };
    let code = CountryCode::for_alpha2_caseless(&alpha2).ok()?;
    Some(country(code, format!("domain .{tld}")))
}

fn country(code: CountryCode, by: String) -> Country {
    Country {
        code: code.alpha2(),
        name: code.name(),
        by,
    }
}

/// The folded names to look for, longest first, each with its country.
fn names() -> &'static [(String, CountryCode)] {
    static NAMES: OnceLock<Vec<(String, CountryCode)>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let fold = |s: &str| deunicode::deunicode(s).to_lowercase();
        let mut by_name: HashMap<String, Option<CountryCode>> = HashMap::new();
        let mut short: HashMap<String, Option<CountryCode>> = HashMap::new();
        for code in CountryCode::iter() {
            let full = code.name();
            by_name.insert(fold(full), Some(*code));
            // "Bolivia (Plurinational State of)", "Tanzania, United Republic of".
            let cut = full.split([',', '(']).next().unwrap_or(full).trim();
            if cut != full {
                let entry = short.entry(fold(cut)).or_insert(Some(*code));
                if *entry != Some(*code) {
                    *entry = None; // "Korea": two countries' short form
                }
            }
        }
        for (name, code) in short {
            by_name.entry(name).or_insert(code);
        }
        for (name, alpha2) in ALIASES {
            if let Ok(code) = CountryCode::for_alpha2(alpha2) {
                by_name.insert(fold(name), Some(code));
            }
        }
        let mut names: Vec<(String, CountryCode)> = by_name
            .into_iter()
            .filter_map(|(name, code)| Some((name, code?)))
            .collect();
        names.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        names
    })
}

/// The country an affiliation names, as whole words.
fn named_in(affiliation: &str) -> Option<CountryCode> {
    let folded = deunicode::deunicode(affiliation).to_lowercase();
    let bytes = folded.as_bytes();
    let boundary = |i: usize| bytes.get(i).is_none_or(|b| !b.is_ascii_alphanumeric());
    names().iter().find_map(|(name, code)| {
        folded.match_indices(name.as_str()).find_map(|(at, _)| {
            (at.checked_sub(1).is_none_or(boundary) && boundary(at + name.len())).then_some(*code)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn author(affiliation: Option<&str>, address: &str) -> Author {
        Author {
            name: "A. Person".into(),
            address: address.into(),
            affiliation: affiliation.map(str::to_string),
            department: None,
            stakeholder: None,
        }
    }

    fn code(affiliation: Option<&str>, address: &str) -> Option<&'static str> {
        of(&author(affiliation, address)).map(|c| c.code)
    }

    #[test]
    fn an_affiliation_naming_a_country_tells_it_in_any_of_the_three_languages() {
        assert_eq!(
            code(Some("Government of Mexico"), "a@sre.gob.mx"),
            Some("MX")
        );
        assert_eq!(
            code(
                Some("Ministère des Affaires étrangères du Sénégal"),
                "a@example.org"
            ),
            Some("SN")
        );
        assert_eq!(
            code(Some("Gobierno de Bolivia"), "a@example.org"),
            Some("BO")
        );
        assert_eq!(
            code(
                Some("Permanent Mission of the United Kingdom"),
                "a@example.org"
            ),
            Some("GB")
        );
        // The longest name wins, and a name is a whole word: not Niger in Nigeria.
        assert_eq!(
            code(Some("Papua New Guinea Red Cross"), "a@x.org"),
            Some("PG")
        );
        assert_eq!(
            code(Some("Nigeria Immigration Service"), "a@x.org"),
            Some("NG")
        );
        // "Korea" is two countries' short form: it tells neither.
        assert_eq!(code(Some("Korea Migration Forum"), "a@x.org"), None);
    }

    #[test]
    fn otherwise_the_address_s_country_domain_does_and_generic_ones_do_not() {
        let by = of(&author(Some("Bristol City Council"), "j@bristol.gov.uk")).expect("GB");
        assert_eq!((by.code, by.by.as_str()), ("GB", "domain .uk"));
        assert_eq!(code(Some("Ville de Montréal"), "a@montreal.ca"), Some("CA"));
        assert_eq!(code(None, "a@startup.io"), None);
        assert_eq!(code(Some("IOM"), "a@iom.int"), None);
        assert_eq!(code(None, "a@example.org"), None);
        assert_eq!(code(None, "not-an-address"), None);
    }
}
