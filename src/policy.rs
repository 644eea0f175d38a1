//! Sender policy: trust and ban rules for addresses, domains and patterns.
//!
//! A pattern is an address (`someone@example.org`), a domain (`@example.org`, which also
//! covers its subdomains) or a regular expression between slashes (`/^promo-.*@/`),
//! matched against the lower-cased sender address. Pure: the rules live in the store.

use regex::Regex;

use crate::model::{SenderPolicy, SenderRule};

/// A parsed, ready-to-match pattern.
#[derive(Debug, Clone)]
pub enum SenderPattern {
    /// One address.
    Address(String),
    /// A domain and its subdomains.
    Domain(String),
    /// A regular expression over the address.
    Pattern(Regex),
}

impl SenderPattern {
    /// Parses `ADDRESS`, `@DOMAIN` or `/REGEX/`; the error says what is accepted.
    pub fn parse(text: &str) -> Result<SenderPattern, String> {
        let text = text.trim();
        if let Some(inner) = text.strip_prefix('/').and_then(|t| t.strip_suffix('/')) {
            if inner.is_empty() {
                return Err("an empty /regex/ would match every sender".into());
            }
            return Regex::new(&format!("(?i){inner}"))
                .map(SenderPattern::Pattern)
                .map_err(|e| format!("invalid regular expression {text}: {e}"));
        }
        if let Some(domain) = text.strip_prefix('@') {
            if domain.is_empty() || domain.contains('@') || !domain.contains('.') {
                return Err(format!("{text:?} is not a domain like @example.org"));
            }
            return Ok(SenderPattern::Domain(domain.to_lowercase()));
        }
        match text.split_once('@') {
            Some((local, domain)) if !local.is_empty() && domain.contains('.') => {
                Ok(SenderPattern::Address(text.to_lowercase()))
            }
            _ => Err(format!(
                "{text:?} is not a sender pattern: give an address (someone@example.org), \
                 a domain (@example.org) or a regular expression (/pattern/)"
            )),
        }
    }

    /// Whether a (lower-cased) address matches.
    pub fn matches(&self, address: &str) -> bool {
        let address = address.to_lowercase();
        match self {
            SenderPattern::Address(a) => *a == address,
            SenderPattern::Domain(d) => address
                .rsplit_once('@')
                .is_some_and(|(_, host)| host == d || host.ends_with(&format!(".{d}"))),
            SenderPattern::Pattern(re) => re.is_match(&address),
        }
    }
}

/// The sender rules, each pattern compiled once. A stored pattern that no longer parses
/// (written by an earlier version, say) is kept aside in `invalid` with why, for the
/// caller to report: it applies to no one, and that must not go unnoticed.
#[derive(Debug, Default)]
pub struct Rules {
    compiled: Vec<(SenderRule, SenderPattern)>,
    /// The rules whose pattern does not parse, and why.
    pub invalid: Vec<(SenderRule, String)>,
}

impl Rules {
    /// Compiles the stored rules.
    pub fn compile(rules: Vec<SenderRule>) -> Rules {
        let mut out = Rules::default();
        for rule in rules {
            match SenderPattern::parse(&rule.pattern) {
                Ok(p) => out.compiled.push((rule, p)),
                Err(why) => out.invalid.push((rule, why)),
            }
        }
        out
    }

    /// The rule that applies to an address: a ban wins over a trust.
    pub fn applicable(&self, address: &str) -> Option<&SenderRule> {
        let matching = |policy: SenderPolicy| {
            self.compiled
                .iter()
                .find(|(r, p)| r.policy == policy && p.matches(address))
                .map(|(r, _)| r)
        };
        matching(SenderPolicy::Ban).or_else(|| matching(SenderPolicy::Trust))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_pattern_that_no_longer_parses_is_reported_not_ignored() {
        let rule = |pattern: &str, policy| SenderRule {
            v: crate::model::RECORD_VERSION,
            pattern: pattern.into(),
            policy,
            reason: None,
            by: "amina".into(),
            at: jiff::Timestamp::UNIX_EPOCH,
        };
        let rules = Rules::compile(vec![
            rule("/([unclosed/", SenderPolicy::Ban),
            rule("@spam.example", SenderPolicy::Ban),
        ]);
        assert_eq!(rules.invalid.len(), 1);
        assert_eq!(rules.invalid[0].0.pattern, "/([unclosed/");
        assert!(!rules.invalid[0].1.is_empty(), "says why");
        assert!(rules.applicable("x@spam.example").is_some());
        assert!(rules.applicable("x@example.org").is_none());
    }

    #[test]
    fn patterns_parse_and_match() {
        let a = SenderPattern::parse("Someone@Example.org").expect("address");
        assert!(a.matches("someone@example.org"));
        assert!(!a.matches("other@example.org"));
        let d = SenderPattern::parse("@example.org").expect("domain");
        assert!(d.matches("x@example.org") && d.matches("x@mail.example.org"));
        assert!(!d.matches("x@badexample.org"));
        let r = SenderPattern::parse("/^promo-/").expect("regex");
        assert!(r.matches("promo-7@shop.example") && !r.matches("info@shop.example"));
        assert!(SenderPattern::parse("nonsense").is_err());
        assert!(SenderPattern::parse("/(/").is_err());
        assert!(SenderPattern::parse("//").is_err());
    }
}
