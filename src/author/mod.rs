//! Who wrote a contribution and for whom: the author's name and affiliation read from the
//! From display name and from the signature as people sign in English, French and Spanish.
//!
//! A signature is the block after a closing ("Best regards," « Cordialement », "Un
//! saludo") or after `-- `, or the short last paragraph of the text. Each of its lines is
//! told apart ([`lines::classify`]): name, job title, department, organisation, contact
//! details, place, noise (logos, device footers, disclaimers). The author is the name
//! that signs (a name in the signature beats an address's local part; honorifics are
//! dropped, a surname in capitals is kept as written); the affiliation is the
//! organisation, not the job title, and not the department when the organisation is
//! given too (the department is kept on its own). "On behalf of …" names the
//! organisation outright. Nothing is invented: without an organisation line there is no
//! affiliation. The labelled set in `fixtures/signatures/` measures it (see the README).
//! Pure: values in, values out.

mod affiliation;
pub mod lines;
mod words;

#[cfg(test)]
mod labelled;
#[cfg(test)]
mod tests;

pub use affiliation::writes_for_themselves;
use affiliation::{affiliation_in, on_behalf, on_behalf_in_prose};
pub use lines::is_closing;
use lines::{LineKind, classify, folded_words, looks_like_name, without_honorifics};

use crate::trim::TrimmedBody;

/// The author as the message signs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signed {
    /// The person's name, without honorifics; none when only an address is known.
    pub name: Option<String>,
    /// The organisation they write for.
    pub affiliation: Option<String>,
    /// The department, unit or office within it, when both are given.
    pub department: Option<String>,
}

/// Reads the author from the From display name, the address and the trimmed text.
pub fn read(display: &str, address: &str, text: &TrimmedBody) -> Signed {
    let display = display.trim().trim_matches(['"', '\'']).trim();
    let (display_person, display_org) = from_display(display, address);
    let identity = identity_tokens(display_person.as_deref().unwrap_or_default(), address);
    let block = signature_block(text);
    let parts = explode(&block);

    let name_at = parts
        .iter()
        .position(|p| {
            p.kind == LineKind::Plain
                && matches_identity(&p.text, &identity)
                && looks_like_name(&p.text)
        })
        .filter(|i| !parts[*i].text.contains(','))
        .or_else(|| {
            parts
                .iter()
                .position(|p| p.kind == LineKind::Plain && single_word_name(&p.text, &identity))
        })
        .or_else(|| {
            parts.iter().position(|p| {
                p.kind == LineKind::Plain && looks_like_name(&p.text) && !p.text.contains(',')
            })
        });
    let signed_name = name_at.map(|i| without_honorifics(&parts[i].text));

    // "Au nom de la Coalition …," closing the text: better than a guess from a plain line.
    let behalf = text
        .contribution
        .lines()
        .rev()
        .take(12)
        .find_map(on_behalf)
        .or_else(|| on_behalf_in_prose(&text.contribution));
    let domain = address.rsplit_once('@').map_or("", |(_, d)| d);
    let (affiliation, department) = if writes_for_themselves(&text.contribution) {
        (None, None)
    } else {
        affiliation_in(&parts, name_at, behalf, domain)
            .map_or((display_org, None), |(a, d)| (Some(a), d))
    };

    let name = match (display_person, signed_name) {
        (Some(d), Some(s)) if looks_like_name(&d) && !same_person(&d, &s) => Some(surname_last(&d)),
        // A first name alone ("Ana") signs less than the display name says.
        (Some(d), Some(s))
            if looks_like_name(&d)
                && s.split_whitespace().count() < 2
                && d.split_whitespace().count() >= 2 =>
        {
            Some(surname_last(&d))
        }
        (_, Some(s)) => Some(s),
        (d, None) => d.map(|d| surname_last(&d)),
    };
    Signed {
        name: name.filter(|n| !n.is_empty()),
        affiliation,
        department,
    }
}

/// The person and the organisation a display name gives: "Sarah Doyel, IOM", "Sarah Doyel
/// (IOM)", "IOM Kenya" (an organisation alone), "ana.lopez" (neither).
fn from_display(display: &str, address: &str) -> (Option<String>, Option<String>) {
    if display.is_empty() || display.contains('@') {
        return (None, None);
    }
    let local = address.split('@').next().unwrap_or_default();
    if display.eq_ignore_ascii_case(local) || is_handle(display) {
        return (None, None);
    }
    let (name, org) = split_display_name(display);
    let name = without_honorifics(&name);
    if org.is_none() && !looks_like_name(&name) {
        let kind = classify(&name);
        if matches!(kind, LineKind::Organisation | LineKind::Department) {
            return (None, Some(without_team(name)));
        }
    }
    (Some(name).filter(|n| !n.is_empty()), org.map(without_team))
}

/// "ActionAid UK - Policy Team": the organisation without its team.
fn without_team(o: String) -> String {
    {
        match [" - ", " – ", " — "]
            .iter()
            .find_map(|sep| o.split_once(sep))
        {
            Some((whole, unit)) if classify(unit) == LineKind::Department => whole.to_string(),
            _ => o,
        }
    }
}

/// "Mora, Daniela" as the person writes it: "Daniela Mora".
fn surname_last(display: &str) -> String {
    match display.split_once(", ") {
        Some((surname, given))
            if !surname.is_empty()
                && !given.is_empty()
                && looks_like_name(&format!("{given} {surname}"))
                && !given.contains(',') =>
        {
            format!("{given} {surname}")
        }
        _ => display.to_string(),
    }
}

/// A login rather than a name: one word with dots, underscores or digits.
fn is_handle(s: &str) -> bool {
    !s.contains(char::is_whitespace)
        && s.contains(|c: char| c == '.' || c == '_' || c.is_ascii_digit())
}

/// A display name and affiliation taken apart: "Sarah Doyel, IOM" or "Sarah Doyel (IOM)".
pub fn split_display_name(display: &str) -> (String, Option<String>) {
    let display = display.trim();
    if let Some(open) = display.rfind(" (")
        && display.ends_with(')')
    {
        let org = display[open + 2..display.len() - 1].trim();
        if !org.is_empty() && !org.contains('@') {
            return (display[..open].trim().to_string(), Some(org.to_string()));
        }
    }
    for separator in [" | ", " - ", " – ", " / "] {
        if let Some((name, org)) = display.split_once(separator)
            && looks_like_name(name)
            && !org.trim().is_empty()
        {
            return (name.trim().to_string(), Some(org.trim().to_string()));
        }
    }
    // "Doyel, Sarah" (surname first) has a single word on each side: not an affiliation.
    if let Some((name, org)) = display.split_once(", ") {
        let org = org.trim();
        let name = name.trim();
        let looks_like_surname_first = !name.contains(' ')
            && !org.contains(' ')
            && org.chars().next().is_some_and(char::is_lowercase);
        let org_kind = classify(org);
        if !org.is_empty()
            && name.contains(' ')
            && !looks_like_surname_first
            && org_kind != LineKind::Title
        {
            return (name.to_string(), Some(org.to_string()));
        }
        if !org.is_empty()
            && !name.is_empty()
            && org.chars().all(|c| c.is_uppercase() || !c.is_alphabetic())
        {
            return (name.to_string(), Some(org.to_string()));
        }
    }
    (display.to_string(), None)
}

/// The words a name of this sender would share with their display name or address
/// ("ana.lopez" → ana, lopez), folded.
fn identity_tokens(display: &str, address: &str) -> Vec<String> {
    let local = address.split('@').next().unwrap_or_default();
    let mut tokens = folded_words(display);
    tokens.extend(
        folded_words(&local.replace(['.', '_', '-', '+'], " "))
            .into_iter()
            .map(|t| t.trim_matches(|c: char| c.is_ascii_digit()).to_string()),
    );
    tokens.retain(|t| t.chars().count() >= 3);
    tokens
}

fn matches_identity(line: &str, identity: &[String]) -> bool {
    folded_words(line).iter().any(|w| identity.contains(w))
}

/// A first name alone ("Ana") that the display name or the address also gives.
fn single_word_name(line: &str, identity: &[String]) -> bool {
    let line = line.trim().trim_end_matches([',', '.']);
    !line.contains(char::is_whitespace)
        && line.chars().next().is_some_and(char::is_uppercase)
        && line.chars().all(char::is_alphabetic)
        && matches_identity(line, identity)
}

/// Whether two spellings name the same person ("Doyel, Sarah" and "Sarah Doyel").
fn same_person(a: &str, b: &str) -> bool {
    let a = folded_words(a);
    let b = folded_words(b);
    a.iter()
        .filter(|w| w.chars().count() >= 2 && b.contains(w))
        .count()
        >= 1
}

/// The lines that may sign the text: after the last closing of the contribution (or,
/// without one, its last short paragraph), then the signature after `-- `.
fn signature_block(text: &TrimmedBody) -> Vec<String> {
    let lines: Vec<&str> = text.contribution.lines().collect();
    let tail_from = lines.len().saturating_sub(30);
    let closing = (tail_from..lines.len())
        .rev()
        .find(|i| is_closing(lines[*i]));
    let mut block: Vec<String> = match closing {
        Some(c) => lines[c + 1..].iter().map(|l| l.to_string()).collect(),
        None => last_short_paragraph(&lines),
    };
    block.extend(
        text.signature
            .lines()
            .filter(|l| !matches!(l.trim(), "--" | "-- " | ""))
            .map(str::to_string),
    );
    // A disclaimer or any prose ends the signature.
    let mut kept = Vec::new();
    for line in block {
        let line = line.trim().to_string();
        if line.is_empty() {
            continue;
        }
        if lines::is_disclaimer(&line) {
            break;
        }
        let words = line.split_whitespace().count();
        let separated = line.contains(" | ") || line.contains('\t');
        if !separated && words > 14 && (line.ends_with('.') || words > 24) {
            break;
        }
        kept.push(line);
    }
    kept
}

/// The text's last paragraph when it is short lines (a name, a title, an organisation)
/// rather than prose.
fn last_short_paragraph(lines: &[&str]) -> Vec<String> {
    // Past a trailing tagline or disclaimer ("Pensez à l'environnement…").
    let mut end = lines.len();
    loop {
        let Some(last) = lines[..end].iter().rposition(|l| !l.trim().is_empty()) else {
            return Vec::new();
        };
        let start = lines[..last]
            .iter()
            .rposition(|l| l.trim().is_empty())
            .map_or(0, |s| s + 1);
        if lines[start..=last]
            .iter()
            .all(|l| classify(l) == LineKind::Noise)
            && start > 0
        {
            end = start;
            continue;
        }
        end = last + 1;
        break;
    }
    let start = lines[..end]
        .iter()
        .rposition(|l| l.trim().is_empty())
        .map_or(0, |s| s + 1);
    let paragraph = &lines[start..end];
    let short = paragraph.len() <= 8
        && start > 0
        && paragraph
            .iter()
            .filter(|l| classify(l) != LineKind::Noise)
            .all(|l| {
                let l = l.trim();
                (l.chars().count() <= 80 || l.contains(" | "))
                    && !(l.ends_with('.') && l.split_whitespace().count() > 5)
            });
    if short {
        paragraph.iter().map(|l| l.to_string()).collect()
    } else {
        Vec::new()
    }
}

/// One part of a signature line, with what it is.
#[derive(Debug, Clone)]
struct Part {
    text: String,
    kind: LineKind,
    /// Whether it starts its line (a second signer's name does; "Asuntos Sociales" after
    /// a title's dash does not).
    first_on_line: bool,
}

/// The signature's lines cut into parts ("Name | Title | Org" is three) and classified.
fn explode(block: &[String]) -> Vec<Part> {
    let mut parts = Vec::new();
    for line in block {
        let line = line
            .trim_matches(|c: char| c == '*' || c == '_' || c.is_whitespace())
            .replace('\u{a0}', " ");
        let mut pieces = vec![line];
        // A bar, a dot or a tab always separates; a dash or a comma only things of
        // different kinds ("Alianza por la Solidaridad – ActionAid" stays whole).
        for separator in [" | ", " · ", " • ", "\t"] {
            pieces = pieces
                .iter()
                .flat_map(|p| p.split(separator))
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect();
        }
        let start = parts.len();
        for piece in &pieces {
            for dashed in split_if_different(piece, &[" – ", " — ", " - ", " / "]) {
                parts.extend(split_if_different(&dashed.text, &[", "]));
            }
        }
        for (i, part) in parts[start..].iter_mut().enumerate() {
            part.first_on_line = i == 0;
        }
    }
    parts
}

/// "Amina Yusuf, Programme Officer, ECOWAS Commission": a line whose parts are different
/// things is taken apart; "Foreign, Commonwealth & Development Office" and "Dirección de
/// Asuntos Migratorios, Consulares y Servicio al Ciudadano" stay whole.
fn split_if_different(line: &str, separators: &[&str]) -> Vec<Part> {
    let part = |text: &str| Part {
        text: text.to_string(),
        kind: classify(text),
        first_on_line: false,
    };
    let whole = part(line);
    let Some(separator) = separators.iter().find(|s| line.contains(**s)) else {
        return vec![whole];
    };
    if whole.kind == LineKind::Place || whole.kind == LineKind::Contact {
        return vec![whole];
    }
    let parts: Vec<Part> = line.split(separator).map(str::trim).map(part).collect();
    let named = looks_like_name(&parts[0].text);
    let places = parts.iter().skip(1).all(|p| p.kind == LineKind::Place);
    // Each part after the first is a title, a whole organisation, a department or a place.
    // Each part after the first is a title, a whole organisation (or a unit after one), a
    // department or a place; a bare legal form ("S.R.L.") belongs to the name before it.
    // A unit after an organisation ("Cruz Roja Española – Programa de Atención…").
    let first_whole = parts[0].kind == LineKind::Organisation
        && lines::is_whole_organisation(&parts[0].text)
        && parts
            .iter()
            .skip(1)
            .all(|p| !lines::is_whole_organisation(&p.text));
    let distinct = parts.iter().skip(1).all(|p| match p.kind {
        LineKind::Title | LineKind::Department | LineKind::Place | LineKind::Contact => true,
        LineKind::Organisation => {
            p.text.contains(' ')
                && (first_whole
                    || (parts[0].kind != LineKind::Organisation
                        && lines::is_whole_organisation(&p.text)))
        }
        LineKind::Plain | LineKind::Noise => false,
    }) && parts[0].kind != LineKind::Plain;
    // "University of Ghana, Legon": a whole organisation and one word, its campus or town.
    let campus = *separator == ", "
        && parts.len() == 2
        && parts[0].kind == LineKind::Organisation
        && lines::is_whole_organisation(&parts[0].text)
        && parts[1].kind == LineKind::Plain
        && !parts[1].text.contains(' ')
        && parts[1].text.chars().next().is_some_and(char::is_uppercase)
        && parts[1].text.chars().any(char::is_lowercase);
    if campus {
        let mut parts = parts;
        parts[1].kind = LineKind::Place;
        return parts;
    }
    let legal_form = parts.len() == 2
        && !parts[1].text.contains(' ')
        && parts[1].text.contains('.')
        && parts[1].kind == LineKind::Organisation;
    if (named && !places && !legal_form) || distinct {
        parts
    } else {
        vec![whole]
    }
}
