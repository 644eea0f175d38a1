//! The organisation a signer writes for, and the department within it, read from the
//! classified parts of the signature around the name: on-behalf lines, whole
//! organisations over their units, the ministry over "Government of …", the organisation
//! above the name, and, only where nothing says otherwise, a plain line the sender's
//! domain or its place in the block vouches for.

use super::lines::{self, LineKind, folded_words, looks_like_name};
use super::{Part, words};

/// The organisation (and department) the signature gives, read around the name.
pub(super) fn affiliation_in(
    parts: &[Part],
    name_at: Option<usize>,
    behalf: Option<String>,
    domain: &str,
) -> Option<(String, Option<String>)> {
    if let Some(org) = parts.iter().find_map(|p| on_behalf(&p.text)) {
        return Some((org, None));
    }
    let Some(name_at) = name_at else {
        // No name: an organisation line alone still signs ("IOM Kenya").
        return organisation_of(parts, None).or(behalf.map(|b| (b, None)));
    };
    // The lines of this signer: up to the next name (a second signer), unless the
    // signers share the organisation below them both.
    let end = parts[name_at + 1..]
        .iter()
        .position(|p| p.first_on_line && p.kind == LineKind::Plain && looks_like_name(&p.text))
        .map_or(parts.len(), |e| name_at + 1 + e);
    let found = organisation_of(&parts[name_at + 1..end], None)
        .or_else(|| organisation_of(&parts[end..], None));
    if found.is_some() {
        return found;
    }
    if let Some(b) = behalf {
        return Some((b, None));
    }
    // "Peter Kamau, Kituo Cha Sheria": what follows the name on its line.
    if let Some(next) = parts.get(name_at + 1)
        && !next.first_on_line
        && next.kind == LineKind::Plain
        && next.text.split_whitespace().count() >= 2
        && !next.text.contains(',')
    {
        return Some((next.text.clone(), None));
    }
    // The organisation written above the name ("Association … / Le Président / Name"):
    // the nearest one.
    if let Some(above) = parts[..name_at]
        .iter()
        .rev()
        .find(|p| p.kind == LineKind::Organisation)
    {
        return Some((above.text.clone(), None));
    }
    organisation_of(&parts[name_at + 1..end], Some(domain))
}

/// The organisation and department among a signer's lines; with the sender's domain it
/// also takes an organisation without a tell-tale word ("Oxfam") as the first plain line.
fn organisation_of(mine: &[Part], plain_by: Option<&str>) -> Option<(String, Option<String>)> {
    // The address ends what a signer says of their organisation: "United Nations
    // Building" or "IOM - UN Migration" below it is no affiliation.
    let address_at = mine
        .iter()
        .position(|p| matches!(p.kind, LineKind::Contact | LineKind::Place));
    let mine = match address_at {
        Some(at)
            if mine[..at]
                .iter()
                .any(|p| matches!(p.kind, LineKind::Organisation | LineKind::Department)) =>
        {
            &mine[..at]
        }
        _ => mine,
    };
    let orgs: Vec<&Part> = mine
        .iter()
        .filter(|p| p.kind == LineKind::Organisation)
        .collect();
    let departments: Vec<&Part> = mine
        .iter()
        .filter(|p| p.kind == LineKind::Department)
        .collect();
    // A programme or a centre next to a whole organisation is a unit of it.
    let (whole, units): (Vec<&Part>, Vec<&Part>) = orgs.iter().partition(|p| {
        lines::is_whole_organisation(&p.text) && p.text.contains(' ') && !is_qualifier(&p.text)
    });
    let (orgs, departments) = if whole.is_empty() || units.is_empty() {
        (orgs, departments)
    } else {
        let mut units_and_departments = departments.clone();
        units_and_departments.extend(units);
        (whole, units_and_departments)
    };
    let department = departments.first().map(|d| d.text.clone());
    // Only units ("Statelessness Project") and, below them, a line without a tell-tale
    // word ("Lawyers for Human Rights"): that line is what they are units of.
    let only_units =
        !orgs.is_empty() && orgs.iter().all(|p| !lines::is_whole_organisation(&p.text));
    if only_units {
        let last_unit = mine
            .iter()
            .rposition(|p| p.kind == LineKind::Organisation)
            .unwrap_or_default();
        // Or a department above them ("Policy and International Cooperation Bureau /
        // Department of Migrant Workers").
        if let Some(parent) = mine[last_unit + 1..]
            .iter()
            .take_while(|p| p.kind != LineKind::Contact && p.kind != LineKind::Place)
            .find(|p| {
                p.kind == LineKind::Department
                    || (p.text.split_whitespace().count() >= 2 && plain_organisation(p))
            })
        {
            let unit = orgs.last().map(|p| p.text.clone());
            return Some((parent.text.clone(), unit.or(department)));
        }
    }
    // "Immigration, Refugees and Citizenship Canada / Government of Canada": above a
    // government's name, the plain line is its ministry.
    if !orgs.is_empty() && orgs.iter().all(|p| is_qualifier(&p.text)) {
        let first_org = mine
            .iter()
            .position(|p| p.kind == LineKind::Organisation)
            .unwrap_or_default();
        if let Some(ministry) = mine[..first_org].iter().rev().find(|p| {
            p.kind == LineKind::Plain
                && p.first_on_line
                && p.text.split_whitespace().count() >= 2
                && !looks_like_name(&p.text)
        }) {
            return Some((ministry.text.clone(), department));
        }
    }
    if let Some(org) = best_organisation(&orgs) {
        return Some((org, department));
    }
    // "International Policy Division / Department of Home Affairs": of two departments,
    // the one above is the organisation.
    if let [first, .., top] = departments.as_slice() {
        return Some((top.text.clone(), Some(first.text.clone())));
    }
    if let Some(d) = department {
        return Some((d, None));
    }
    let domain = plain_by?;
    // An organisation without a tell-tale word ("Oxfam"): the first plain line after the
    // name and its titles, when it is not a place or another person. One word alone
    // ("Durban", "Mukuru") is a town as often as a name: the sender's domain must say it.
    let candidates: Vec<&Part> = mine
        .iter()
        .take_while(|p| p.kind != LineKind::Contact && p.kind != LineKind::Place)
        .collect();
    // The domain's name first ("ODI Global" from odi.org, below "Migration and Mobility",
    // though it could be a name in capitals).
    candidates
        .iter()
        .find(|p| {
            p.kind == LineKind::Plain
                && p.text.split_whitespace().any(|w| in_domain(w, domain))
                && !p.text.contains(", ")
        })
        .or_else(|| {
            candidates
                .iter()
                .find(|p| p.text.contains(' ') && plain_organisation(p))
        })
        .map(|p| (p.text.clone(), None))
}

/// A plain line that may name an organisation: not a person, a sentence or a place
/// ("Garissa, Kenya", "Sherbrooke (Québec)").
fn plain_organisation(p: &Part) -> bool {
    p.kind == LineKind::Plain
        && plausible_organisation(&p.text)
        && !p.text.contains(", ")
        && !PLACE_IN_PARENTHESES.is_match(&p.text)
}

/// "Sherbrooke (Québec)": a town and its region.
static PLACE_IN_PARENTHESES: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^[^()]+\([^()]*\p{Ll}[^()]*\)$").expect("valid regex")
});

/// Whether a one-word organisation is the sender's domain's ("Mukuru", mukuru.com).
fn in_domain(word: &str, domain: &str) -> bool {
    let word = deunicode::deunicode(word).to_lowercase();
    let domain = domain.to_lowercase();
    word.len() >= 3 && domain.split(['.', '-']).any(|label| label == word)
}

/// Whether the text says its author writes for themselves ("in a personal capacity",
/// « à titre personnel », "a título personal").
pub fn writes_for_themselves(text: &str) -> bool {
    let folded = folded_words(text).join(" ");
    words::PERSONAL_CAPACITY.iter().any(|p| folded.contains(p))
}

/// Of several organisation lines, the one the person works for: a full name rather than
/// its acronym on the next line, and the ministry rather than "Government of …" below it.
/// "Government of Canada", « République du Sénégal »: what a ministry's line is part of.
fn is_qualifier(t: &str) -> bool {
    let w = folded_words(t);
    matches!(
        w.first().map(String::as_str),
        Some(
            "government"
                | "gouvernement"
                | "gobierno"
                | "republic"
                | "republique"
                | "republica"
                | "kingdom"
                | "royaume"
                | "reino"
                | "state"
                | "etat"
                | "estado"
        )
    )
}

fn best_organisation(orgs: &[&Part]) -> Option<String> {
    let acronym_only = |t: &str| {
        !t.contains(' ')
            && t.chars()
                .filter(|c| c.is_alphabetic())
                .all(char::is_uppercase)
    };
    let candidates: Vec<&&Part> = orgs.iter().filter(|p| !is_qualifier(&p.text)).collect();
    let pool: Vec<&&Part> = if candidates.is_empty() {
        orgs.iter().collect()
    } else {
        candidates
    };
    // Signatures go from the unit up: of several, the last names the whole.
    pool.iter()
        .rev()
        .find(|p| !acronym_only(&p.text))
        .or_else(|| pool.first())
        .map(|p| p.text.clone())
}

/// A plain line that may be an organisation's name: capitalised, short, not a sentence
/// and not a person's name.
fn plausible_organisation(text: &str) -> bool {
    let words = text.split_whitespace().count();
    let sentence = text.ends_with('.') && words > 4;
    (1..=8).contains(&words)
        && text.chars().next().is_some_and(char::is_uppercase)
        && !sentence
        && !text.contains(|c: char| c.is_ascii_digit())
        && !looks_like_town(text)
        && !looks_like_name(text)
        && !text.contains(['!', '?'])
}

/// A town's name rather than an organisation's: "Saint-Barthélemy-d'Anjou", "San Pedro
/// Sula", "Villeneuve-sur-Lot".
fn looks_like_town(text: &str) -> bool {
    let lower = text.to_lowercase();
    [
        "saint-", "sainte-", "san ", "santa ", "são ", "st. ", "st-", "ste-",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
        || ["-sur-", "-de-", "-d'", "-en-", "-les-", "-la-", "-le-"]
            .iter()
            .any(|p| lower.contains(p))
}

/// "On behalf of the City of Toronto" → "City of Toronto".
pub(super) fn on_behalf(line: &str) -> Option<String> {
    let lower = line.to_lowercase();
    let phrase = words::ON_BEHALF
        .iter()
        .filter(|p| lower.starts_with(*p))
        .max_by_key(|p| p.len())?;
    let rest = line.get(phrase.len()..)?.trim();
    // "Au nom de la Ville de Montréal, nous souhaitons…": the name ends at the sentence.
    let rest = match rest.find(", ") {
        Some(at)
            if rest[at + 2..]
                .chars()
                .next()
                .is_some_and(char::is_lowercase) =>
        {
            &rest[..at]
        }
        _ => rest,
    };
    let rest = without_article(rest.trim_end_matches([',', '.', ':', ';']));
    (!rest.is_empty() && rest.split_whitespace().count() <= 12).then(|| rest.to_string())
}

/// The organisation a sentence of the text writes for ("I write on behalf of the Migrant
/// Rights Network to…"): the capitalised words after the phrase.
pub(super) fn on_behalf_in_prose(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let (at, phrase) = words::ON_BEHALF
        .iter()
        .filter_map(|p| lower.find(&format!("{p} ")).map(|i| (i, *p)))
        .min_by_key(|(i, p)| (*i, std::cmp::Reverse(p.len())))?;
    // Byte offsets of `lower` and `text` differ when lower-casing changes a length.
    if lower.len() != text.len() {
        return None;
    }
    let rest = without_article(text[at + phrase.len()..].trim_start());
    let mut taken = Vec::new();
    for word in rest.split_whitespace() {
        let clean = word.trim_end_matches([',', '.', ';', ':', ')']);
        let joins = matches!(
            clean.to_lowercase().as_str(),
            "of" | "for"
                | "in"
                | "and"
                | "the"
                | "de"
                | "la"
                | "du"
                | "des"
                | "del"
                | "y"
                | "et"
                | "pour"
                | "para"
                | "los"
                | "las"
                | "el"
                | "le"
                | "les"
                | "l'"
                | "d'"
        ) || clean.starts_with("l'")
            || clean.starts_with("d'");
        let capital = clean.chars().next().is_some_and(char::is_uppercase);
        if !(capital || (joins && !taken.is_empty())) {
            break;
        }
        taken.push(clean);
        if clean.len() != word.len() {
            break;
        }
    }
    while taken
        .last()
        .is_some_and(|w| w.chars().next().is_some_and(char::is_lowercase))
    {
        taken.pop();
    }
    (!taken.is_empty() && taken.len() <= 12).then(|| taken.join(" "))
}

fn without_article(s: &str) -> &str {
    // "On behalf of the Board of the Somali Diaspora Network": the network.
    for board in [
        "the Board of ",
        "the board of ",
        "Board of ",
        "le conseil d'administration de ",
        "du conseil d'administration de ",
        "la Junta Directiva de ",
        "la junta directiva de ",
    ] {
        if let Some(rest) = s.strip_prefix(board) {
            return without_article(rest);
        }
    }
    for article in [
        "the ", "The ", "la ", "La ", "le ", "Le ", "el ", "El ", "los ", "las ", "les ", "l'",
        "L'", "a ", "o ",
    ] {
        if let Some(rest) = s.strip_prefix(article) {
            return rest;
        }
    }
    s
}
