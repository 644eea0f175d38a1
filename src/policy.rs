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

/// The rule that applies to an address: a ban wins over a trust.
pub fn applicable<'r>(rules: &'r [SenderRule], address: &str) -> Option<&'r SenderRule> {
    let matching = |policy: SenderPolicy| {
        rules.iter().find(|r| {
            r.policy == policy && SenderPattern::parse(&r.pattern).is_ok_and(|p| p.matches(address))
        })
    };
    matching(SenderPolicy::Ban).or_else(|| matching(SenderPolicy::Trust))
}

#[cfg(test)]
mod tests {
    use super::*;

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
