//! Campaigns: the same or nearly the same text sent by many senders (a petition, a
//! template letter), found so that moderators decide it once and the figures count it
//! once.
//!
//! A text is cut into shingles (runs of three words, lower-cased, punctuation left out);
//! two texts are near-duplicates when the Jaccard similarity of their shingle sets
//! reaches `[campaigns] similarity`. Candidates are found without comparing every pair:
//! a MinHash signature of 64 values per text, in 16 bands of 4, puts texts that share a
//! band in one bucket (locality-sensitive hashing, as in Broder's near-duplicate
//! detection); each text is then compared exactly with a few members of its buckets.
//! Texts are only compared within one language: a French and an English version are
//! translations, not copies. A group is a campaign when at least `min_senders`
//! different addresses sent it.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use serde::{Deserialize, Serialize};

use crate::model::{Lang, SubmissionId};

/// The `[campaigns]` settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CampaignConfig {
    /// How alike two texts must be to be one campaign's: the Jaccard similarity of their
    /// three-word shingles, from 0 to 1.
    pub similarity: f64,
    /// How many different senders make a campaign.
    pub min_senders: usize,
    /// Texts with fewer words are never grouped (a "+1" is not a campaign).
    pub min_words: usize,
}

impl Default for CampaignConfig {
    fn default() -> Self {
        CampaignConfig {
            similarity: 0.5,
            min_senders: 3,
            min_words: 25,
        }
    }
}

/// One text to group (or to pair with its translations, [`crate::translation`]).
#[derive(Debug, Clone, Copy)]
pub struct Text<'a> {
    /// Its submission.
    pub id: SubmissionId,
    /// Who sent it (compared without case).
    pub sender: &'a str,
    /// Its language.
    pub lang: Option<Lang>,
    /// When it was written.
    pub at: jiff::Timestamp,
    /// The text.
    pub text: &'a str,
}

impl<'a> Text<'a> {
    /// A submission's contribution text (a paper's behind a cover note) and sender.
    pub fn of(s: &'a crate::model::Submission) -> Text<'a> {
        Text {
            id: s.id,
            sender: &s.author.address,
            lang: s.lang,
            at: s.date(),
            text: s.contribution_text(),
        }
    }
}

/// A campaign: the texts of many senders that are nearly the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Campaign {
    /// Its name on the command line: `G` and its first submission's id (`G12`).
    pub id: String,
    /// Its submissions, in id order; the first is its representative.
    pub members: Vec<SubmissionId>,
    /// The different senders among them.
    pub senders: usize,
    /// Its language.
    pub lang: Option<Lang>,
}

const BANDS: usize = 16;
const ROWS: usize = 4;
const HASHES: usize = BANDS * ROWS;
/// How many members of a bucket a text is compared with, at most: a campaign of ten
/// thousand letters costs ten comparisons per letter, not ten thousand.
const PER_BUCKET: usize = 8;

/// The campaigns among `texts`, largest first (then by first id).
pub fn campaigns(texts: &[Text<'_>], config: &CampaignConfig) -> Vec<Campaign> {
    let shingles: Vec<Vec<u64>> = texts
        .iter()
        .map(|t| shingles(t.text, config.min_words))
        .collect();
    let mut sets = UnionFind::new(texts.len());
    let mut buckets: HashMap<(Option<Lang>, usize, u64), Vec<usize>> = HashMap::new();
    for (i, s) in shingles.iter().enumerate() {
        if s.is_empty() {
            continue;
        }
        let signature = minhash(s);
        for (band, rows) in signature.chunks(ROWS).enumerate() {
            let key = (texts[i].lang, band, band_hash(rows));
            let bucket = buckets.entry(key).or_default();
            for &j in bucket.iter().take(PER_BUCKET) {
                if sets.find(i) != sets.find(j) && jaccard(s, &shingles[j]) >= config.similarity {
                    sets.union(i, j);
                }
            }
            if bucket.len() < PER_BUCKET {
                bucket.push(i);
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, s) in shingles.iter().enumerate() {
        if !s.is_empty() {
            groups.entry(sets.find(i)).or_default().push(i);
        }
    }
    let mut out: Vec<Campaign> = groups
        .into_values()
        .filter(|g| g.len() >= 2)
        .filter_map(|g| {
            let mut senders: Vec<String> =
                g.iter().map(|i| texts[*i].sender.to_lowercase()).collect();
            senders.sort();
            senders.dedup();
            if senders.len() < config.min_senders {
                return None;
            }
            let mut members: Vec<SubmissionId> = g.iter().map(|i| texts[*i].id).collect();
            members.sort();
            Some(Campaign {
                id: format!("G{}", members[0]),
                lang: texts[g[0]].lang,
                senders: senders.len(),
                members,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.members[0].cmp(&b.members[0]))
    });
    out
}

/// The text's three-word shingles, hashed, sorted and without repeats; none for a text
/// of fewer than `min_words` words.
fn shingles(text: &str, min_words: usize) -> Vec<u64> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.len() < min_words.max(3) {
        return Vec::new();
    }
    let mut out: Vec<u64> = words
        .windows(3)
        .map(|w| {
            let mut h = foldhash::fast::FixedState::with_seed(0x5eed).build_hasher();
            for word in w {
                h.write(word.as_bytes());
                h.write_u8(0xff);
            }
            h.finish()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The MinHash signature: for each of [`HASHES`] hash functions (multiply-shift from the
/// shingle's hash), the least value over the shingles.
fn minhash(shingles: &[u64]) -> [u64; HASHES] {
    let mut signature = [u64::MAX; HASHES];
    for &s in shingles {
        for (k, slot) in signature.iter_mut().enumerate() {
            let a = SEEDS[k] | 1;
            let v = s.wrapping_mul(a).rotate_left(31) ^ SEEDS[(k + 1) % HASHES];
            if v < *slot {
                *slot = v;
            }
        }
    }
    signature
}

/// The hash functions' constants: fixed, so groups are the same on every run.
const SEEDS: [u64; HASHES] = {
    let mut seeds = [0u64; HASHES];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut i = 0;
    while i < HASHES {
        // splitmix64
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        seeds[i] = z ^ (z >> 31);
        i += 1;
    }
    seeds
};

fn band_hash(rows: &[u64]) -> u64 {
    let mut h = foldhash::fast::FixedState::with_seed(0xba4d).build_hasher();
    for r in rows {
        h.write_u64(*r);
    }
    h.finish()
}

/// The Jaccard similarity of two sorted sets.
fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let either = a.len() + b.len() - both;
    if either == 0 {
        0.0
    } else {
        both as f64 / either as f64
    }
}

/// Disjoint sets with path halving.
struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// What a member's text has that the representative's has not, and how many of the
/// representative's sentences it leaves out: the campaign's differences, as a moderator
/// reads them.
pub fn differences(representative: &str, member: &str) -> (Vec<String>, usize) {
    let sentences = |t: &str| -> Vec<String> {
        t.split(['.', '!', '?', '\n'])
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|s| !s.is_empty())
            .collect()
    };
    let theirs = sentences(representative);
    let mine = sentences(member);
    let added = mine
        .iter()
        .filter(|s| !theirs.contains(s))
        .cloned()
        .collect();
    let left_out = theirs.iter().filter(|s| !mine.contains(s)).count();
    (added, left_out)
}

/// What grouping needs of a stored contribution, owned, without the rest of its record
/// (a store of 100,000 is not held whole in memory for it).
#[derive(Debug, Clone)]
pub struct StoredText {
    /// Its submission.
    pub id: SubmissionId,
    /// Who sent it.
    pub sender: String,
    /// Its language.
    pub lang: Option<Lang>,
    /// When it was written.
    pub at: jiff::Timestamp,
    /// Its contribution text (a paper's behind a cover note).
    pub text: String,
}

impl StoredText {
    /// As [`campaigns`] reads it.
    pub fn as_text(&self) -> Text<'_> {
        Text {
            id: self.id,
            sender: &self.sender,
            lang: self.lang,
            at: self.at,
            text: &self.text,
        }
    }
}

/// The texts of the store's submissions in `states`.
pub fn stored_texts(
    store: &crate::store::Store,
    states: &[crate::model::State],
) -> crate::Result<Vec<StoredText>> {
    let mut out = Vec::new();
    for s in store.submissions() {
        let s = s?;
        if states.contains(&s.state) {
            out.push(StoredText {
                id: s.id,
                lang: s.lang,
                at: s.date(),
                text: s.contribution_text().to_string(),
                sender: s.author.address,
            });
        }
    }
    Ok(out)
}

/// The campaigns among the store's submissions in `states`.
pub fn in_store(
    store: &crate::store::Store,
    config: &crate::config::Config,
    states: &[crate::model::State],
) -> crate::Result<Vec<Campaign>> {
    let stored = stored_texts(store, states)?;
    let texts: Vec<Text<'_>> = stored.iter().map(StoredText::as_text).collect();
    Ok(campaigns(&texts, &config.campaigns))
}

/// The campaign named `name` (`G12`) among every contribution (pending, approved and
/// rejected), or why there is none.
pub fn named(
    store: &crate::store::Store,
    config: &crate::config::Config,
    name: &str,
) -> crate::Result<Campaign> {
    use crate::model::State;
    let found = in_store(
        store,
        config,
        &[State::Pending, State::Approved, State::Rejected],
    )?;
    let wanted = name.trim();
    found
        .into_iter()
        .find(|c| c.id.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| {
            crate::Error::Refused(format!(
                "no campaign {wanted:?}: 'hubmail queue --group' lists them (a campaign is \
                 named after its first submission, G12)"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LETTER: &str = "We the undersigned call on the governments of the region to \
        guarantee regular pathways for migrant workers, to lower the cost of remittances \
        below three percent, and to end immigration detention of children. Migrants are \
        neighbours, workers and parents, and the Global Compact must protect them.";

    fn text<'a>(id: u64, sender: &'a str, text: &'a str) -> Text<'a> {
        Text {
            id: SubmissionId(id),
            sender,
            lang: Some(Lang::En),
            at: jiff::Timestamp::UNIX_EPOCH,
            text,
        }
    }

    #[test]
    fn a_template_letter_from_many_senders_is_one_campaign() {
        let signed: Vec<String> = (0..5)
            .map(|i| format!("{LETTER} Signed, person {i} of town {i}."))
            .collect();
        let senders: Vec<String> = (0..5).map(|i| format!("p{i}@example.org")).collect();
        let mut texts: Vec<Text> = (0..5)
            .map(|i| text(i as u64 + 1, &senders[i], &signed[i]))
            .collect();
        let other = "Our city runs a welcome centre where newly arrived families find \
            language courses, legal advice and help to enrol their children in school, \
            and we would like to share what we learned over ten years of running it.";
        texts.push(text(9, "city@example.org", other));
        let found = campaigns(&texts, &CampaignConfig::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].id, "G1");
        assert_eq!(found[0].members.len(), 5);
        assert_eq!(found[0].senders, 5);
    }

    #[test]
    fn one_sender_s_copies_short_texts_and_other_languages_are_not_campaigns() {
        let texts = vec![
            text(1, "a@example.org", LETTER),
            text(2, "A@example.org", LETTER),
            text(3, "a@example.org", LETTER),
            text(4, "b@example.org", "+1"),
            text(5, "c@example.org", "+1"),
            text(6, "d@example.org", "+1"),
        ];
        assert!(campaigns(&texts, &CampaignConfig::default()).is_empty());
        let mut other_lang = vec![
            text(1, "a@example.org", LETTER),
            text(2, "b@example.org", LETTER),
        ];
        let mut fr = text(3, "c@example.org", LETTER);
        fr.lang = Some(Lang::Fr);
        other_lang.push(fr);
        assert!(campaigns(&other_lang, &CampaignConfig::default()).is_empty());
    }

    #[test]
    fn differences_name_what_a_sender_added() {
        let (added, left_out) = differences(
            "First point. Second point.",
            "First point. Second point. My own view!",
        );
        assert_eq!(added, vec!["My own view".to_string()]);
        assert_eq!(left_out, 0);
    }
}
