//! The words that tell the lines of a signature apart, in English, French and Spanish
//! (and the Portuguese a few contributors write): honorifics, closings, job titles,
//! departments, organisations. Lists, not logic: they live in `words.txt`, one entry per
//! line, so that a reader can check and extend them.

use std::sync::LazyLock;

/// The lists, as written.
const WORDS: &str = include_str!("words.txt");

/// The entries of the list `[name]` in `words.txt`.
fn list(name: &str) -> Vec<&'static str> {
    let header = format!("[{name}]");
    WORDS
        .lines()
        .map(str::trim)
        .skip_while(|l| *l != header)
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Honorifics and courtesy titles before a name; a name is published without them.
pub static HONORIFICS: LazyLock<Vec<&str>> = LazyLock::new(|| list("honorifics"));

/// Pronouns people put after their name ("Ana López (she/her)"), dropped with it.
pub static PRONOUNS: LazyLock<Vec<&str>> = LazyLock::new(|| list("pronouns"));

/// What someone writing for themselves says: no affiliation is read then.
pub static PERSONAL_CAPACITY: LazyLock<Vec<&str>> = LazyLock::new(|| list("personal_capacity"));

/// Degrees and post-nominals after a name ("John Mensah PhD").
pub static POST_NOMINALS: LazyLock<Vec<&str>> = LazyLock::new(|| list("post_nominals"));

/// Closings a signature follows, as regular-expression alternatives (matched against a
/// whole line, case-insensitively, ignoring trailing punctuation).
pub static CLOSINGS: LazyLock<Vec<&str>> = LazyLock::new(|| list("closings"));

/// Words that make a line a job title or an occupation (whole words, folded to ASCII and
/// lower case).
pub static TITLE_WORDS: LazyLock<Vec<&str>> = LazyLock::new(|| list("title_words"));

/// Words that start a department, unit or office below an organisation.
pub static DEPARTMENT_STARTS: LazyLock<Vec<&str>> = LazyLock::new(|| list("department_starts"));

/// Words that make a line an organisation's name (whole words, folded to ASCII and lower
/// case).
pub static ORGANISATION_WORDS: LazyLock<Vec<&str>> = LazyLock::new(|| list("organisation_words"));

/// Acronyms of organisations contributors to a migration consultation name alone on a line
/// ("IOM", "OIM", "HCR"): any all-capital word of two to ten letters counts too, these are
/// the ones that also appear in running text.
pub static KNOWN_ACRONYMS: LazyLock<Vec<&str>> = LazyLock::new(|| list("known_acronyms"));

/// Words that open a line telling whom the sender writes for ("On behalf of …").
pub static ON_BEHALF: LazyLock<Vec<&str>> = LazyLock::new(|| list("on_behalf"));

/// Countries and large cities, as they end an address line ("Nairobi, Kenya"), in the
/// three languages (folded to ASCII, lower case).
pub static PLACES: LazyLock<Vec<&str>> = LazyLock::new(|| list("places"));

#[cfg(test)]
mod tests {
    #[test]
    fn every_list_has_entries() {
        for (name, list) in [
            ("honorifics", &*super::HONORIFICS),
            ("pronouns", &*super::PRONOUNS),
            ("personal_capacity", &*super::PERSONAL_CAPACITY),
            ("post_nominals", &*super::POST_NOMINALS),
            ("closings", &*super::CLOSINGS),
            ("title_words", &*super::TITLE_WORDS),
            ("department_starts", &*super::DEPARTMENT_STARTS),
            ("organisation_words", &*super::ORGANISATION_WORDS),
            ("known_acronyms", &*super::KNOWN_ACRONYMS),
            ("on_behalf", &*super::ON_BEHALF),
            ("places", &*super::PLACES),
        ] {
            assert!(
                list.len() >= 5,
                "[{name}] in words.txt has {} entries",
                list.len()
            );
        }
    }
}
