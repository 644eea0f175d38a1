//! Which kind of stakeholder a contribution comes from (Member State, city, UN entity,
//! NGO…): inferred from the affiliation's words and the address's domain by rules in the
//! config and a shipped default list, each decision saying which rule made it.
//!
//! The rules are checked when the configuration is read (`[stakeholders]`) and compiled
//! on first use (a process that never infers a type does not pay the 13 ms), into two
//! regular expressions over the accent-folded affiliation and sets over domains.
//!
//! `country` tells which country a contribution comes from, where it says so.

pub mod country;

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::{Regex, RegexBuilder, RegexSet};
use serde::{Deserialize, Serialize};

use crate::model::{Author, Stakeholder, StakeholderType};

/// The shipped rules, read after a consultation's own.
pub const DEFAULT_RULES: &str = include_str!("default_rules.toml");

/// The `[stakeholders]` section as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Whether the shipped rules apply after these (default: yes).
    #[serde(default = "yes")]
    pub defaults: bool,
    /// The consultation's own rules, read first.
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleConfig>,
    /// Mail providers whose addresses are people's own.
    #[serde(default)]
    pub personal_domains: Vec<String>,
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig {
            defaults: true,
            rules: Vec::new(),
            personal_domains: Vec::new(),
        }
    }
}

fn yes() -> bool {
    true
}

/// One rule: a type, the affiliation keywords and the domain patterns that mean it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// The type it gives.
    #[serde(rename = "type")]
    pub kind: StakeholderType,
    /// Words in an affiliation ("Ministry", « Ville de », "Ayuntamiento").
    #[serde(default)]
    pub affiliation: Vec<String>,
    /// Domain patterns ("*.gouv.fr", "iom.int").
    #[serde(default)]
    pub domains: Vec<String>,
}

/// The rules: checked from [`RulesConfig`] when the configuration is read, compiled on
/// first use, and written back as they were.
#[derive(Debug, Clone)]
pub struct Rules {
    written: RulesConfig,
    compiled: OnceLock<Compiled>,
}

/// The rules ready to match.
#[derive(Debug, Clone, Default)]
struct Compiled {
    /// Keywords ignoring case, over the lower-cased folded text.
    any_case: Option<Regex>,
    /// Keywords in capitals ("IOM"), over the folded text as written.
    capitals: Option<Regex>,
    /// Folded keyword → (type, the keyword as written, where the rule is).
    keywords: HashMap<String, (StakeholderType, String, &'static str)>,
    domains: RegexSet,
    /// Per domain pattern: (type, the pattern, where the rule is).
    domain_rules: Vec<(StakeholderType, String, &'static str)>,
    /// Mail providers' and students' domains (patterns as for the rules').
    personal: RegexSet,
}

/// A rule with where it comes from ("config" or "default rules").
type Sourced = (RuleConfig, &'static str);

/// The rules in the order they are read, with where each comes from: the consultation's,
/// then the shipped ones unless `defaults = false`; and the personal domains.
fn all_rules(written: &RulesConfig) -> Result<(Vec<Sourced>, Vec<String>), String> {
    let shipped: RulesConfig =
        toml::from_str(DEFAULT_RULES).map_err(|e| format!("the shipped stakeholder rules: {e}"))?;
    let mut all: Vec<Sourced> = written
        .rules
        .iter()
        .map(|r| (r.clone(), "config"))
        .collect();
    let mut personal = written.personal_domains.clone();
    if written.defaults {
        all.extend(shipped.rules.into_iter().map(|r| (r, "default rules")));
        personal.extend(shipped.personal_domains);
    }
    Ok((all, personal))
}

impl PartialEq for Rules {
    fn eq(&self, other: &Self) -> bool {
        self.written == other.written
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules::compile(RulesConfig::default()).expect("the shipped stakeholder rules compile")
    }
}

impl TryFrom<RulesConfig> for Rules {
    type Error = String;
    fn try_from(written: RulesConfig) -> Result<Self, String> {
        Rules::compile(written)
    }
}

impl From<Rules> for RulesConfig {
    fn from(rules: Rules) -> Self {
        rules.written
    }
}

impl Serialize for Rules {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.written.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Rules {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let written = RulesConfig::deserialize(d)?;
        Rules::compile(written).map_err(serde::de::Error::custom)
    }
}

/// Compiles checked rules into the matchers.
fn build(written: &RulesConfig) -> Result<Compiled, String> {
    let (all, personal) = all_rules(written)?;
    let mut keywords = HashMap::new();
    let (mut any_case, mut capitals) = (Vec::new(), Vec::new());
    let mut domain_patterns = Vec::new();
    let mut domain_rules = Vec::new();
    for (rule, from) in &all {
        for k in &rule.affiliation {
            let k = k.trim();
            let caps = in_capitals(k);
            let folded = fold(k, caps);
            if keywords.contains_key(&folded) {
                continue; // an earlier rule has it
            }
            keywords.insert(folded.clone(), (rule.kind, k.to_string(), *from));
            let alternative = regex::escape(&folded).replace(' ', r"\s+");
            if caps {
                capitals.push(alternative);
            } else {
                any_case.push(alternative);
            }
        }
        for d in &rule.domains {
            domain_patterns.push(domain_regex(d)?);
            domain_rules.push((rule.kind, d.trim().to_lowercase(), *from));
        }
    }
    // Whole words: not inside a longer word on either side.
    let alternation = |alts: &[String]| -> Result<Option<Regex>, String> {
        if alts.is_empty() {
            return Ok(None);
        }
        RegexBuilder::new(&format!(
            r"(?:^|[^A-Za-z0-9])({})(?:$|[^A-Za-z0-9])",
            alts.join("|")
        ))
        .size_limit(64 << 20)
        .build()
        .map(Some)
        .map_err(|e| format!("[stakeholders] keywords: {e}"))
    };
    let personal = personal
        .iter()
        .map(|d| domain_regex(d))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Compiled {
        any_case: alternation(&any_case)?,
        capitals: alternation(&capitals)?,
        keywords,
        domains: RegexSet::new(&domain_patterns)
            .map_err(|e| format!("[stakeholders] domains: {e}"))?,
        domain_rules,
        personal: RegexSet::new(&personal)
            .map_err(|e| format!("[stakeholders] personal_domains: {e}"))?,
    })
}

/// Text folded for matching: accents dropped (deunicode), and lower-cased unless `case`.
fn fold(text: &str, keep_case: bool) -> String {
    let folded = deunicode::deunicode(text);
    if keep_case {
        folded
    } else {
        folded.to_lowercase()
    }
}

/// A keyword written in capitals ("IOM", "S.A.") matches only in capitals.
fn in_capitals(keyword: &str) -> bool {
    keyword.chars().any(char::is_alphabetic) && !keyword.chars().any(char::is_lowercase)
}

/// "*.gouv.fr" → a regex over a lower-cased domain; a leading "*." also matches the bare
/// domain. The error says what a pattern may contain.
fn domain_regex(pattern: &str) -> Result<String, String> {
    let p = pattern.trim().to_lowercase();
    if p.is_empty()
        || !p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '*'))
    {
        return Err(format!(
            "[stakeholders] domain pattern {pattern:?}: use letters, digits, '.', '-' and '*' \
             (like \"*.gouv.fr\")"
        ));
    }
    let body = |s: &str| regex::escape(s).replace(r"\*", ".*");
    Ok(match p.strip_prefix("*.") {
        Some(rest) => format!(r"^(?:.*\.)?{}$", body(rest)),
        None => format!("^{}$", body(&p)),
    })
}

impl Rules {
    /// Checks the rules, the consultation's first; the error names the bad entry. They are
    /// compiled when first used.
    pub fn compile(written: RulesConfig) -> Result<Rules, String> {
        let (all, personal) = all_rules(&written)?;
        for (rule, _) in &all {
            for k in &rule.affiliation {
                let k = k.trim();
                if k.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
                    return Err(format!(
                        "[stakeholders] {} keyword {k:?} is too short to mean anything",
                        rule.kind
                    ));
                }
            }
            for d in &rule.domains {
                domain_regex(d)?;
            }
        }
        for d in &personal {
            domain_regex(d)?;
        }
        Ok(Rules {
            written,
            compiled: OnceLock::new(),
        })
    }

    /// The compiled rules, built on first use. Checked rules always compile; were a
    /// config's lists too large for the regex engine, no keyword or domain would match,
    /// and the log would say why.
    fn compiled(&self) -> &Compiled {
        self.compiled.get_or_init(|| {
            build(&self.written).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the stakeholder rules cannot be compiled; no type is inferred");
                Compiled::default()
            })
        })
    }

    /// The earliest keyword in `text`: its type, the keyword as written and its rule's
    /// origin.
    fn keyword_in(&self, text: &str) -> Option<(StakeholderType, &str, &'static str)> {
        let first = |re: &Option<Regex>, hay: &str| {
            re.as_ref()?.captures(hay).and_then(|c| c.get(1)).map(|m| {
                (
                    m.start(),
                    m.as_str().split_whitespace().collect::<Vec<_>>().join(" "),
                )
            })
        };
        let c = self.compiled();
        let lower = first(&c.any_case, &fold(text, false));
        let upper = first(&c.capitals, &fold(text, true));
        let (_, found) = match (lower, upper) {
            (Some(l), Some(u)) => {
                if u.0 < l.0 {
                    u
                } else {
                    l
                }
            }
            (l, u) => l.or(u)?,
        };
        c.keywords
            .get(&found)
            .map(|(kind, k, from)| (*kind, k.as_str(), *from))
    }

    /// The type of the first domain rule that matches this (lower-cased) domain.
    fn domain_rule(&self, domain: &str) -> Option<&(StakeholderType, String, &'static str)> {
        let c = self.compiled();
        let matched = c.domains.matches(domain);
        matched.iter().next().map(|i| &c.domain_rules[i])
    }

    /// Infers the stakeholder type of an author, with the rule that decided it; none when
    /// nothing says. In order: a personal capacity, the affiliation's words, a personal
    /// address without affiliation, the domain, the department's words. `text` is the contribution (for "in a personal capacity").
    pub fn infer(&self, author: &Author, text: &str) -> Option<Stakeholder> {
        let decided = |kind, by: String| {
            Some(Stakeholder {
                kind,
                by,
                by_moderator: false,
            })
        };
        if crate::author::writes_for_themselves(text) {
            return decided(
                StakeholderType::Individual,
                "the text says its author writes in a personal capacity".into(),
            );
        }
        let keyword = |field: &str, value: Option<&str>| {
            let value = value?;
            self.keyword_in(value).map(|(kind, keyword, from)| {
                (kind, format!("{field} {value:?} has {keyword:?} ({from})"))
            })
        };
        if let Some((kind, by)) = keyword("affiliation", author.affiliation.as_deref()) {
            return decided(kind, by);
        }
        let domain = author
            .address
            .rsplit_once('@')
            .map_or(String::new(), |(_, d)| d.to_lowercase());
        // A person's own mailbox says more than the university or provider hosting it.
        if author.affiliation.is_none()
            && !domain.is_empty()
            && self.compiled().personal.is_match(&domain)
        {
            return decided(
                StakeholderType::Individual,
                format!("a personal address ({domain}) and no affiliation"),
            );
        }
        if let Some((kind, pattern, from)) =
            self.domain_rule(&domain).filter(|_| !domain.is_empty())
        {
            return decided(
                *kind,
                format!("domain {domain} matches {pattern:?} ({from})"),
            );
        }
        // A unit's name says less than the organisation's domain: "Subdirección de … los
        // Migrantes" at a ministry's address is the ministry's.
        if let Some((kind, by)) = keyword("department", author.department.as_deref()) {
            return decided(kind, by);
        }
        None
    }
}

#[cfg(test)]
mod tests;
