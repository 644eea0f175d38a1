//! Translations of one contribution: an organisation that sends its text in English and
//! in French sends one contribution, not two.
//!
//! Two versions are candidates when the same address sent them, in different languages,
//! within `[translations] window_hours`. A candidate pair is scored on what survives
//! translation: the ratio of their lengths, their paragraph structure, the numbers,
//! addresses, links and proper names both carry, and the spelling they share (the
//! cognates of English, French and Spanish: "migration", « migration », "migración").
//! Pairs are taken best first, each version paired at most once per other language,
//! when their score reaches `[translations] min_score`.
//!
//! Found pairs are suggestions (`hubmail queue --translations`); a moderator links them
//! (`hubmail link`, see [`link`]), and the linked versions are then one contribution.

mod link;

pub use link::{LINK, Linked, UNLINK, leads_among, link, link_found, members, unlink};

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::campaign::Text;
use crate::model::{Lang, SubmissionId};

/// The `[translations]` settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TranslationConfig {
    /// How far apart in time two versions of one contribution may be sent.
    pub window_hours: u64,
    /// How alike two versions must be, from 0 to 1.
    pub min_score: f64,
}

impl Default for TranslationConfig {
    fn default() -> Self {
        TranslationConfig {
            window_hours: 72,
            min_score: 0.4,
        }
    }
}

/// Two versions found to translate each other.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pair {
    /// The earlier submission.
    pub first: SubmissionId,
    /// The later one.
    pub second: SubmissionId,
    /// How alike they are, from 0 to 1.
    pub score: f64,
}

/// What a text keeps in any language.
struct Traits {
    chars: usize,
    /// Each paragraph's share of the text's length.
    paragraphs: Vec<f64>,
    anchors: BTreeSet<String>,
    grams: BTreeSet<[u8; 4]>,
}

impl Traits {
    fn of(text: &str) -> Traits {
        let lengths: Vec<usize> = text
            .split("\n\n")
            .map(|p| p.trim().chars().count())
            .filter(|n| *n > 0)
            .collect();
        let total = lengths.iter().sum::<usize>().max(1) as f64;
        let paragraphs = lengths.iter().map(|n| *n as f64 / total).collect();
        let mut anchors = BTreeSet::new();
        let mut grams = BTreeSet::new();
        let mut sentence_start = true;
        for raw in text.split_whitespace() {
            let word = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '/');
            if word.contains("://") || word.contains('@') {
                anchors.insert(word.to_lowercase());
            } else if word.chars().any(|c| c.is_ascii_digit()) {
                let digits: String = word.chars().filter(char::is_ascii_digit).collect();
                anchors.insert(digits);
            } else if !sentence_start
                && word.chars().next().is_some_and(char::is_uppercase)
                && word.chars().count() > 2
            {
                anchors.insert(deunicode::deunicode(word).to_lowercase());
            }
            sentence_start = raw.ends_with(['.', '!', '?', ':']);
            let folded = deunicode::deunicode(word).to_lowercase();
            if folded.len() >= 5 {
                for w in folded.as_bytes().windows(4) {
                    if let Ok(g) = <[u8; 4]>::try_from(w) {
                        grams.insert(g);
                    }
                }
            }
        }
        Traits {
            chars: text.chars().count(),
            paragraphs,
            anchors,
            grams,
        }
    }
}

fn jaccard<T: Ord>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> Option<f64> {
    let either = a.union(b).count();
    (either > 0).then(|| a.intersection(b).count() as f64 / either as f64)
}

/// How alike two versions are, from 0 to 1.
fn score(a: &Traits, b: &Traits) -> f64 {
    let ratio = a.chars.min(b.chars) as f64 / a.chars.max(b.chars).max(1) as f64;
    let length = ((ratio - 0.5) / 0.35).clamp(0.0, 1.0);
    // Aligned structure: as many paragraphs, each as large a share of the text.
    let structure = if a.paragraphs.len() == b.paragraphs.len() {
        let off: f64 = a
            .paragraphs
            .iter()
            .zip(&b.paragraphs)
            .map(|(x, y)| (x - y).abs())
            .sum();
        (1.0 - 2.0 * off).clamp(0.0, 1.0)
    } else {
        0.0
    };
    // Unrelated texts in these languages share about a tenth of their spelling.
    let spelling = jaccard(&a.grams, &b.grams).map_or(0.0, |j| ((j - 0.1) / 0.2).clamp(0.0, 1.0));
    match jaccard(&a.anchors, &b.anchors) {
        Some(anchors) => 0.2 * length + 0.3 * structure + 0.3 * spelling + 0.2 * anchors,
        None => 0.25 * length + 0.35 * structure + 0.4 * spelling,
    }
}

/// The pairs among `versions` that translate each other, best first.
pub fn pairs(versions: &[Text<'_>], config: &TranslationConfig) -> Vec<Pair> {
    let mut by_sender: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, v) in versions.iter().enumerate() {
        if v.lang.is_some() {
            by_sender
                .entry(v.sender.to_lowercase())
                .or_default()
                .push(i);
        }
    }
    let window = config.window_hours as i64 * 3600;
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for list in by_sender.values().filter(|l| l.len() > 1) {
        let traits: Vec<Traits> = list.iter().map(|i| Traits::of(versions[*i].text)).collect();
        for (x, &i) in list.iter().enumerate() {
            for (y, &j) in list.iter().enumerate().skip(x + 1) {
                let (a, b) = (&versions[i], &versions[j]);
                if a.lang == b.lang || (a.at.as_second() - b.at.as_second()).abs() > window {
                    continue;
                }
                candidates.push((score(&traits[x], &traits[y]), i, j));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let mut taken: BTreeSet<(usize, Option<Lang>)> = BTreeSet::new();
    let mut out = Vec::new();
    for (s, i, j) in candidates {
        if s < config.min_score {
            break;
        }
        let (a, b) = (&versions[i], &versions[j]);
        if taken.contains(&(i, b.lang)) || taken.contains(&(j, a.lang)) {
            continue;
        }
        taken.insert((i, b.lang));
        taken.insert((j, a.lang));
        let (first, second) = if a.id < b.id {
            (a.id, b.id)
        } else {
            (b.id, a.id)
        };
        out.push(Pair {
            first,
            second,
            score: (s * 1000.0).round() / 1000.0,
        });
    }
    out
}

/// The pairs among the store's submissions in `states` (their contribution text: a
/// paper's behind a cover note).
pub fn in_store(
    store: &crate::store::Store,
    config: &crate::config::Config,
    states: &[crate::model::State],
) -> crate::Result<Vec<Pair>> {
    let stored = crate::campaign::stored_texts(store, states)?;
    let versions: Vec<Text<'_>> = stored
        .iter()
        .map(crate::campaign::StoredText::as_text)
        .collect();
    Ok(pairs(&versions, &config.translations))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: &str = "The City of Montréal welcomes 12,000 newcomers a year.\n\nWe ask for \
        basic bank accounts without proof of address, see https://montreal.example.ca/inclusion.";
    const FR: &str = "La Ville de Montréal accueille 12 000 nouveaux arrivants par an.\n\nNous \
        demandons des comptes bancaires de base sans justificatif de domicile, voir \
        https://montreal.example.ca/inclusion.";

    fn version<'a>(id: u64, sender: &'a str, lang: Lang, text: &'a str) -> Text<'a> {
        Text {
            id: SubmissionId(id),
            sender,
            lang: Some(lang),
            at: "2022-01-12T10:00:00Z".parse().expect("instant"),
            text,
        }
    }

    #[test]
    fn one_sender_s_versions_are_paired_and_nobody_else_s() {
        let config = TranslationConfig::default();
        let found = pairs(
            &[
                version(1, "ville@montreal.example.ca", Lang::En, EN),
                version(2, "Ville@Montreal.example.ca", Lang::Fr, FR),
            ],
            &config,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].first, found[0].second),
            (SubmissionId(1), SubmissionId(2))
        );
        let strangers = pairs(
            &[
                version(1, "a@example.org", Lang::En, EN),
                version(2, "b@example.org", Lang::Fr, FR),
            ],
            &config,
        );
        assert!(strangers.is_empty(), "different senders");
        let mut late = version(2, "ville@montreal.example.ca", Lang::Fr, FR);
        late.at = "2022-02-12T10:00:00Z".parse().expect("instant");
        let apart = pairs(
            &[version(1, "ville@montreal.example.ca", Lang::En, EN), late],
            &config,
        );
        assert!(apart.is_empty(), "a month apart is outside the window");
    }
}
