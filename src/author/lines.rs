//! What one line of a signature is: a closing, a name, a job title, a department, an
//! organisation, contact details, a place, or noise (a logo, a device footer, a
//! disclaimer).

use std::sync::LazyLock;

use regex::Regex;

use super::words::{
    CLOSINGS, DEPARTMENT_STARTS, HONORIFICS, KNOWN_ACRONYMS, ORGANISATION_WORDS, PLACES,
    POST_NOMINALS, PRONOUNS, TITLE_WORDS,
};

/// What a line of a signature block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A logo, an image reference, a rule, a device footer, a disclaimer, a tagline.
    Noise,
    /// A phone, fax, email, web address or street address.
    Contact,
    /// A city or country ("Nairobi, Kenya").
    Place,
    /// A job title or occupation ("Head of Migration and Inclusion").
    Title,
    /// A department, unit or office below an organisation ("Migration Directorate").
    Department,
    /// An organisation ("Bristol City Council", "IOM").
    Organisation,
    /// None of those: a name, or an organisation without a tell-tale word.
    Plain,
}

/// A line's words, folded to ASCII and lower case, without punctuation: what the word
/// lists are matched against.
pub fn folded_words(line: &str) -> Vec<String> {
    deunicode::deunicode(line)
        .to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\'' || c == '.'))
        .map(|w| w.trim_matches(|c| c == '.' || c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether `words` contain `phrase` (one or more words of a list) as whole words.
fn contains_phrase(words: &[String], phrase: &str) -> bool {
    let wanted = folded_words(phrase);
    !wanted.is_empty() && words.windows(wanted.len()).any(|w| w == wanted.as_slice())
}

fn starts_with_phrase(words: &[String], phrase: &str) -> bool {
    let wanted = folded_words(phrase);
    !wanted.is_empty() && words.starts_with(&wanted)
}

static CLOSING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^\s*({})\s*[,.!:;-]*\s*$",
        CLOSINGS.join("|")
    ))
    .expect("valid regex")
});

/// Institutions named after the office that heads them: an organisation, not a job title.
const OFFICE_INSTITUTIONS: &[&str] = &[
    "defensor del pueblo",
    "defensora del pueblo",
    "defensoria del pueblo",
    "defenseur des droits",
    "protecteur du citoyen",
    "mediateur de la republique",
    "ombudsman",
    "parliamentary ombudsman",
];

/// Whether a line is a closing ("Best regards,", « Cordialement », "Un saludo").
pub fn is_closing(line: &str) -> bool {
    line.chars().count() <= 120 && CLOSING.is_match(line)
}

static CONTACT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)@|https?://|www\.|\b[a-z0-9-]+\.(org|int|com|net|gov|edu|fr|es|mx|co|ke|uk)\b/?$",
        r"|(^|\W)(tel|t[ée]l[ée]phone|telefono|teléfono|phone|mobile|mob|cell|cel|celular|m[oó]vil|portable|port|fax|gsm|whatsapp|skype|ext|email|e-mail|courriel|correo|twitter|linkedin|x)\s*[.:]",
        r"|^\s*[tmfpe]\s*[.:]?\s*\+?\(?\d",
        r"|\+?\(?\d[\d\s().-]{6,}\d",
        r"|\b(p\.?\s?o\.?\s+box|b\.?p\.?\s+\d|c\.?p\.?\s+\d|apartado|case postale|postfach|cedex)",
        r"|(?-i:\b(rue|avenue|boulevard|bd|chemin|allée|impasse|calle|avenida|carrera|paseo|street|road|route))\s+\S",
        r"|\d+[,\s]+(rue|avenue|av\.|boulevard|bd|chemin|route|place|quai|allée|calle|avenida|carrera|cra\.?|paseo|plaza|street|st\.|road|rd\.|lane|way|drive|piso|planta|étage|floor)\b",
        r"|\b(rue|avenue|boulevard|chemin|calle|avenida|carrera|paseo|street|road|lane|piso|floor|bureau|suite|oficina|despacho)\s+(\d|[a-z]\d)",
        r"|^\s*\d{4,6}\s+\S+(\s\S+)?\s*$|,\s*\d{4,6}\s+[A-Z]",
        r"|^(av|avda|avenida|avenue|ave|calle|c/|carrera|cra|rue|bd|boulevard|bulevar|blvd|paseo|plaza|pza|jr|jir[oó]n|final|camino|chemin|km|kil[oó]metro|edificio|edif|torre|piso|local|colonia|col|barrio|urb|urbanizaci[oó]n|apdo|immeuble|imm|r[ée]sidence|lot|villa|cit[ée]|quartier|zone)\b\.?\s",
        r"|\bc\.?\s?p\.?\s*\d{4,5}|\b[A-Z]{2}\s+\d{5}(-\d{4})?\b",
        r"|\b\d+\w*\s+(st|street|ave|avenue|rd|road|nw|ne|sw|se|blvd)\b",
        // "Bedla Road", "CH-1211 Genève 22", "313004, Rajasthan", "Hamdallaye ACI 2000".
        r"|(?-i:\s(Road|Street|Avenue|Lane|Drive|Parade|Square|Terrace|Crescent|Highway))\s*$",
        r"|^\s*[A-Z]{1,2}-\d{4,5}\b|^\s*\d{4,6},|\s\d{1,6}\s*$",
        // A British postcode ("BS1 5TR"); a building ("United Nations Building").
        r"|(?-i:\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b)",
        r"|(?-i:\s(Road|Street|Avenue|Lane|Drive|Building|Tower|Compound|Complex|Hall|Plaza)),",
        r"|(?-i:\s(Building|Tower|Compound|Complex|Plaza))\s*$",
    ))
    .expect("valid regex")
});

static NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)^\s*(\[(cid|image|logo|img|banner|signature|description)[^\]]*\]|<image\d*\.\w+>|cid:)",
        r"|^\s*([-_=*~·•]\s?){4,}\s*$",
        r"|^\s*(sent from|envoy[ée] (de|depuis)|enviado desde|obtener outlook|get outlook|sent via|download outlook)",
        r"|^\s*(please (consider|think)|pensez|antes de imprimir|p\s+(please|antes)|before printing|avant d'imprimer|save paper|protegemos|no imprima|think before)",
    ))
    .expect("valid regex")
});

static DISCLAIMER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(this (e-?mail|message|communication)|the information (contained|in this)|ce (message|courriel|mail)|les informations contenues|este (mensaje|correo)|la informaci[oó]n (contenida|de este)|confidential|confidentiality|confidentialit[ée]|avis de confidentialit|aviso( legal| de confidencialidad)?|disclaimer|legal notice|avertissement|mentions? l[ée]gales?)",
    )
    .expect("valid regex")
});

/// Whether a line starts a disclaimer ("CONFIDENTIALITY NOTICE: This e-mail…"): what
/// follows it is no longer the signature.
pub fn is_disclaimer(line: &str) -> bool {
    DISCLAIMER.is_match(line)
}

/// "Programme Officer (ACNUR)" is no organisation, "Alto Comisionado de las Naciones
/// Unidas para los Refugiados (ACNUR)" is: a name of two words or more and its acronym.
static WITH_ACRONYM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\S+(\s+\S+)+\s*\(\s*\p{Lu}[\p{Lu}&\-]{1,9}\s*\)$").expect("valid regex")
});

/// What a line is, on its own (a line with several parts, "Name | Title | Org", is split
/// by the caller first).
pub fn classify(line: &str) -> LineKind {
    let line = line.trim();
    if line.is_empty() || NOISE.is_match(line) || DISCLAIMER.is_match(line) {
        return LineKind::Noise;
    }
    let words = folded_words(line);
    // Prose ("a waiver of the privileges…"): signature lines start with a capital.
    if words.len() >= 4 && line.chars().next().is_some_and(char::is_lowercase) {
        return LineKind::Noise;
    }
    // A sentence, not a signature line: a disclaimer or a tagline.
    if words.len() > 14 || (line.chars().count() > 110) {
        return LineKind::Noise;
    }
    if is_place(line) {
        return LineKind::Place;
    }
    if CONTACT.is_match(line) {
        return LineKind::Contact;
    }
    // "Office of the United Nations High Commissioner for Refugees (UNHCR)".
    if WITH_ACRONYM.is_match(line) && is_whole_organisation(line) {
        return LineKind::Organisation;
    }
    if DEPARTMENT_STARTS
        .iter()
        .any(|d| starts_with_phrase(&words, d))
    {
        return LineKind::Department;
    }
    // The noun a phrase is about: the first word in French and Spanish and in English "X
    // of Y" ("Chargée de mission", "Ministerio de…", "Head of…"), the last one before "of"
    // in English ("Programme Officer", "Bristol City Council").
    let head_end = words
        .iter()
        .skip(1)
        .position(|w| CONNECTORS.contains(&w.as_str()))
        .map_or(words.len(), |p| p + 1);
    let first = words.first().map(String::as_str).unwrap_or_default();
    let last = words[..head_end]
        .last()
        .map(String::as_str)
        .unwrap_or_default();
    // An institution named after its office-holder ("Defensor del Pueblo").
    if OFFICE_INSTITUTIONS
        .iter()
        .any(|p| starts_with_phrase(&words, p))
    {
        return LineKind::Organisation;
    }
    if TITLE_WORDS.contains(&first) {
        return LineKind::Title;
    }
    // "Programme Manager - Labour Migration…", "Programme Executive, Climate Justice…": a
    // title before a dash or a comma says what the rest is.
    if let Some(head) = [" - ", " – ", " — ", ", "]
        .iter()
        .filter_map(|sep| line.split_once(sep).map(|(h, _)| h))
        .min_by_key(|h| h.len())
    {
        let head_words = folded_words(head);
        let titled = head_words
            .last()
            .is_some_and(|w| TITLE_WORDS.contains(&w.as_str()));
        let organisation = head_words
            .first()
            .is_some_and(|w| ORGANISATION_HEADS.contains(&w.as_str()));
        if titled && !organisation {
            return LineKind::Title;
        }
    }
    if WITH_ACRONYM.is_match(line) {
        return LineKind::Organisation;
    }
    if ORGANISATION_HEADS.contains(&first) {
        return LineKind::Organisation;
    }
    if TITLE_WORDS.contains(&last) {
        return LineKind::Title;
    }
    if DEPARTMENT_ENDS.contains(&last) {
        return LineKind::Department;
    }
    // "KONE Awa": a surname in capitals is not an acronym.
    if looks_like_name(line) {
        return LineKind::Plain;
    }
    if is_organisation(line, &words) {
        return LineKind::Organisation;
    }
    if words.iter().any(|w| TITLE_WORDS.contains(&w.as_str())) {
        return LineKind::Title;
    }
    LineKind::Plain
}

/// The words that end a phrase's head ("of", « de », "para"…).
const CONNECTORS: &[&str] = &[
    "of", "for", "on", "and", "in", "at", "to", "de", "du", "des", "del", "d", "pour", "para",
    "por", "et", "y", "e", "en", "a", "au", "aux", "sur", "da", "do", "dos", "das",
];

/// Words that, first in a line, make it an organisation ("Ministère de…", "City of…").
const ORGANISATION_HEADS: &[&str] = &[
    "ministry",
    "ministere",
    "ministerio",
    "university",
    "universite",
    "universidad",
    "universidade",
    "city",
    "ville",
    "mairie",
    "ayuntamiento",
    "alcaldia",
    "municipalidad",
    "municipio",
    "intendencia",
    "gobernacion",
    "prefeitura",
    "organisation",
    "organization",
    "organizacion",
    "association",
    "asociacion",
    "associacao",
    "fondation",
    "fundacion",
    "foundation",
    "institut",
    "instituto",
    "institute",
    "agence",
    "agencia",
    "commission",
    "comision",
    "union",
    "federation",
    "federacion",
    "red",
    "reseau",
    "gouvernement",
    "gobierno",
    "government",
    "governo",
    "secretaria",
    "cancilleria",
    "embassy",
    "ambassade",
    "embajada",
    "consulat",
    "consulado",
    "conseil",
    "consejo",
    "centre",
    "centro",
    "collectif",
    "colectivo",
    "syndicat",
    "sindicato",
    "comite",
    "banque",
    "banco",
    "societe",
    "sociedad",
    "fonds",
    "fondo",
    "observatoire",
    "observatorio",
    "haut-commissariat",
    "office",
    "commune",
    "metropole",
    "region",
    "republique",
    "republica",
    "republic",
    "consortium",
    "alliance",
    "alianza",
    "coalition",
    "coalicion",
    "plateforme",
    "plataforma",
    "confederation",
    "confederacion",
    "caritas",
    "secours",
    "cruz",
    "croix-rouge",
    "movimiento",
    "mouvement",
    "colegio",
    "college",
    "ecole",
    "escuela",
    "procuraduria",
    "defensoria",
    "camara",
    "chambre",
    "diputacion",
    "generalitat",
    "junta",
    "cabildo",
    "corporacion",
    "corporation",
];

/// Words that, last in a phrase's head, make it a department ("Migration Directorate").
const DEPARTMENT_ENDS: &[&str] = &[
    "directorate",
    "division",
    "unit",
    "department",
    "branch",
    "section",
    "team",
    "desk",
];

/// Words of organisations that are often a unit of a larger one ("Health and Migration
/// Programme", "Centro de Estudios"): next to a line with a stronger word, that one is
/// the organisation.
const UNIT_WORDS: &[&str] = &[
    "programme",
    "program",
    "programa",
    "project",
    "projet",
    "proyecto",
    "service",
    "services",
    "servicio",
    "centre",
    "center",
    "centro",
    "office",
    "bureau",
    "oficina",
    "mission",
    "team",
    "platform",
    "plataforma",
    "observatory",
    "observatoire",
    "observatorio",
    "initiative",
    "forum",
    "group",
    "groupe",
    "grupo",
    "secretariat",
    "secretaria",
    "committee",
    "comite",
    "board",
    "laboratoire",
    "desk",
    "unit",
    "region",
    "regional",
];

/// Whether an organisation line names a whole organisation rather than, possibly, a
/// unit of one: an organisation word that is not a unit's, or an acronym.
pub fn is_whole_organisation(line: &str) -> bool {
    let words = folded_words(line);
    if WITH_ACRONYM.is_match(line)
        && !DEPARTMENT_STARTS
            .iter()
            .any(|d| starts_with_phrase(&words, d))
    {
        return true;
    }
    let strong = ORGANISATION_WORDS
        .iter()
        .filter(|o| !UNIT_WORDS.contains(o))
        .any(|o| contains_phrase(&words, o));
    strong
        || (is_organisation(line, &words)
            && !ORGANISATION_WORDS
                .iter()
                .any(|o| contains_phrase(&words, o)))
}

/// Whether a line names an organisation: one of its words, or an acronym line ("IOM",
/// "UNHCR Kenya").
pub fn is_organisation(line: &str, words: &[String]) -> bool {
    if ORGANISATION_WORDS.iter().any(|o| contains_phrase(words, o)) {
        return true;
    }
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let acronym = |t: &str| {
        let t = t.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
        KNOWN_ACRONYMS
            .iter()
            .any(|a| a.eq_ignore_ascii_case(t) && t.chars().any(char::is_uppercase))
            || (t.chars().filter(|c| c.is_alphabetic()).count() >= 3
                && t.chars().count() <= 10
                && t.chars()
                    .all(|c| c.is_uppercase() || c == '-' || c == '&' || c.is_ascii_digit()))
    };
    // "IOM", "UNHCR Kenya", or an acronym before the name ("SPF Affaires étrangères").
    (tokens.len() <= 4 && tokens.iter().any(|t| acronym(t)))
        || tokens.first().is_some_and(|t| {
            acronym(t)
                && t.chars().count() <= 6
                && tokens.len() > 1
                && tokens[1].chars().next().is_some_and(char::is_uppercase)
        })
}

/// Whether each comma-separated part of a line is a place ("Geneva, Switzerland",
/// "75007 Paris", "Nairobi – Kenya").
pub fn is_place(line: &str) -> bool {
    // "Makati City", "Quezon City, Philippines".
    let first = line.split(',').next().unwrap_or_default();
    let first_words = folded_words(first);
    if first_words.len() == 2 && first_words[1] == "city" && !line.contains('(') {
        let rest = line.split_once(',').map_or("", |(_, r)| r);
        if rest.trim().is_empty() || is_place(rest) {
            return true;
        }
    }
    let parts: Vec<&str> = line
        .split([',', '–', '—', '|', '/'])
        .map(|p| p.trim().trim_end_matches('.'))
        .filter(|p| !p.is_empty())
        .collect();
    let named = folded_words(line)
        .iter()
        .any(|w| w.chars().any(char::is_alphabetic));
    named
        && !parts.is_empty()
        && parts.iter().all(|p| {
            let folded = folded_words(p)
                .into_iter()
                .filter(|w| !w.chars().all(|c| c.is_ascii_digit() || c == '-'))
                .collect::<Vec<_>>()
                .join(" ");
            let folded = folded.trim_start_matches("cedex").trim();
            folded.is_empty() || PLACES.contains(&folded)
        })
}

/// A name with its honorifics and post-nominals taken off ("Dr. Amina Yusuf" → "Amina
/// Yusuf", "John Mensah PhD" → "John Mensah").
pub fn without_honorifics(name: &str) -> String {
    let mut tokens: Vec<&str> = name.split_whitespace().collect();
    // "(she/her)", "(ella)" after the name.
    while tokens.len() > 1 {
        let last = tokens[tokens.len() - 1];
        let bare = last.trim_matches(|c: char| c == '(' || c == ')' || c == ',');
        let pronoun = PRONOUNS.iter().any(|p| p.eq_ignore_ascii_case(bare))
            || (last.starts_with('(') && last.ends_with(')') && bare.contains('/'));
        if pronoun {
            tokens.pop();
        } else {
            break;
        }
    }
    // "Dr. (Mrs.)", "Fdo.:" (Spanish "signed") before the name.
    while tokens.len() > 1
        && HONORIFICS.iter().any(|h| {
            h.eq_ignore_ascii_case(
                tokens[0]
                    .trim_end_matches([',', ':'])
                    .trim_start_matches('(')
                    .trim_end_matches(')'),
            )
        })
    {
        tokens.remove(0);
    }
    while tokens.len() > 1 {
        let last =
            tokens[tokens.len() - 1].trim_matches(|c: char| c == ',' || c == '(' || c == ')');
        if POST_NOMINALS.iter().any(|p| p.eq_ignore_ascii_case(last)) {
            tokens.pop();
        } else {
            break;
        }
    }
    tokens
        .join(" ")
        .trim_end_matches([',', ';', ':'])
        .trim()
        .to_string()
}

/// Particles that stay lower case inside a name ("Juan de la Cruz", "van der Berg").
const PARTICLES: &[&str] = &[
    "de", "del", "de la", "la", "le", "da", "das", "do", "dos", "di", "du", "van", "von", "der",
    "den", "y", "e", "bin", "bint", "ibn", "al", "el", "ben", "ould", "ter", "zu", "d'", "des",
];

/// Whether a line, without its honorifics, reads as a person's name: two to six words,
/// each capitalised (or a particle), no digits, none of the words of titles or
/// organisations.
pub fn looks_like_name(line: &str) -> bool {
    let name = without_honorifics(line);
    let tokens: Vec<&str> = name.split_whitespace().collect();
    if !(2..=6).contains(&tokens.len()) || name.chars().count() > 60 {
        return false;
    }
    if name
        .chars()
        .any(|c| c.is_ascii_digit() || matches!(c, '@' | '|' | '/' | ':' | '(' | ')' | '&'))
    {
        return false;
    }
    let capitalised = tokens.iter().all(|t| {
        PARTICLES.contains(&t.to_lowercase().as_str())
            || t.starts_with("d'")
            || t.chars().next().is_some_and(char::is_uppercase)
    });
    if !capitalised {
        return false;
    }
    let words = folded_words(&name);
    // "Un Peuple – Un But – Une Foi", "The Team": a motto or a phrase, not a person.
    if matches!(
        words.first().map(String::as_str),
        Some(
            "un" | "une"
                | "the"
                | "a"
                | "an"
                | "our"
                | "notre"
                | "nuestro"
                | "nuestra"
                | "el"
                | "los"
                | "las"
                | "les"
        )
    ) {
        return false;
    }
    let known_word = words.iter().any(|w| {
        TITLE_WORDS.contains(&w.as_str())
            || ORGANISATION_WORDS.contains(&w.as_str())
            || PLACES.contains(&w.as_str())
    });
    let known_acronym = tokens
        .iter()
        .any(|t| KNOWN_ACRONYMS.contains(&t.trim_matches(|c: char| !c.is_alphanumeric())));
    let organisation_phrase = ORGANISATION_WORDS
        .iter()
        .any(|o| contains_phrase(&words, o));
    !known_word && !known_acronym && !organisation_phrase && !is_closing(&name)
}
