//! Who sent a reply, proven three ways: the token in the address it came to, the From
//! address that token's moderator has, and the trusted server's word that DKIM or DMARC
//! passed for the From domain. Any proof missing or wrong refuses the whole reply, with
//! the reason.

use super::MailModerationConfig;
use super::token::{self, Key, Token, TokenError};
use crate::auth_results;
use crate::config::HubConfig;
use crate::parse::ParsedMessage;

/// A reply whose sender is proven.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The moderator's name.
    pub moderator: String,
    /// Their position in `[moderation.mail] moderators`.
    pub index: usize,
    /// What the token answers.
    pub token: Token,
    /// The token as written in the address (what makes it single-use).
    pub token_text: String,
    /// The proofs that passed, for the audit trail.
    pub checks: Vec<String>,
}

/// Why a reply decides nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// An auto-reply, a bounce, list mail.
    #[error("automatic mail never decides anything ({0})")]
    Automatic(String),
    /// Not sent to a notice's reply address.
    #[error("the reply did not come to a notice's reply address (contact+mod-…)")]
    NoToken,
    /// The token is bad.
    #[error("{0}")]
    Token(#[from] TokenError),
    /// From another address than the token's moderator's.
    #[error("the reply comes from {from}, but its token was sent to {holder}'s address")]
    WrongSender {
        /// The From address.
        from: String,
        /// The token's moderator.
        holder: String,
    },
    /// The server did not vouch for the sender.
    #[error("the reply is not authenticated: {0}")]
    NotAuthenticated(String),
}

/// Proves who sent `msg`, or says why it cannot decide anything.
pub fn authenticate(
    msg: &ParsedMessage,
    hub: &HubConfig,
    mail: &MailModerationConfig,
    keys: &[Key],
    today: u32,
) -> Result<Authenticated, Refusal> {
    if let Some(why) = crate::classify::not_a_contribution(msg, hub) {
        return Err(Refusal::Automatic(why));
    }
    let token_text = token_in(msg, hub).ok_or(Refusal::NoToken)?;
    let token = Token::verify(&token_text, |i| mail.holder(i), keys, today)?;
    let moderator = &mail.moderators[token.moderator];
    let from = msg.from_address.clone().unwrap_or_default();
    if !from.eq_ignore_ascii_case(&moderator.address) {
        return Err(Refusal::WrongSender {
            from,
            holder: moderator.name.clone(),
        });
    }
    let mut checks = vec![format!("token {token_text}"), format!("sender {from}")];
    if mail.require_authentication {
        checks.push(authentication(msg, hub, &from)?);
    }
    Ok(Authenticated {
        moderator: moderator.name.clone(),
        index: token.moderator,
        token,
        token_text,
        checks,
    })
}

/// The token in the address the reply came to: a contact address with `+mod-…` after
/// its local part.
fn token_in(msg: &ParsedMessage, hub: &HubConfig) -> Option<String> {
    let delivered = ["delivered-to", "x-original-to"]
        .into_iter()
        .filter_map(|h| msg.extra(h))
        .map(|a| a.trim().trim_matches(['<', '>']).to_ascii_lowercase());
    let mut addresses: Vec<String> = msg.headers.recipients.clone();
    addresses.extend(delivered);
    addresses.iter().find_map(|address| {
        let (local, domain) = address.rsplit_once('@')?;
        let (base, tag) = local.split_once('+')?;
        let ours = hub.contact_addresses.iter().any(|c| {
            c.rsplit_once('@').is_some_and(|(l, d)| {
                l.eq_ignore_ascii_case(base) && d.eq_ignore_ascii_case(domain)
            })
        });
        (ours && tag.starts_with(token::PREFIX)).then(|| tag.to_string())
    })
}

/// The trusted server's pass for the From domain, as the audit trail records it.
fn authentication(msg: &ParsedMessage, hub: &HubConfig, from: &str) -> Result<String, Refusal> {
    let Some(trusted) = &hub.trusted_authserv_id else {
        return Err(Refusal::NotAuthenticated(
            "no [hub] trusted_authserv_id is configured, so no Authentication-Results \
             header can be believed"
                .into(),
        ));
    };
    let domain = from
        .rsplit_once('@')
        .map_or("", |(_, d)| d)
        .to_ascii_lowercase();
    let aligned = |d: &str| {
        let d = d.trim().to_ascii_lowercase();
        !d.is_empty() && (domain == d || domain.ends_with(&format!(".{d}")))
    };
    let mut seen = Vec::new();
    for header in &msg.authentication_results {
        let Some(results) = auth_results::from_trusted(header, trusted) else {
            continue;
        };
        for r in results {
            let passed = r.result == "pass";
            match r.method.as_str() {
                "dkim" if passed && r.property("header.d").is_some_and(aligned) => {
                    return Ok(format!(
                        "dkim=pass header.d={} according to {trusted}",
                        r.property("header.d").unwrap_or_default()
                    ));
                }
                "dmarc" if passed && r.property("header.from").is_some_and(aligned) => {
                    return Ok(format!(
                        "dmarc=pass header.from={domain} according to {trusted}"
                    ));
                }
                "dkim" | "dmarc" => seen.push(format!(
                    "{}={}{}",
                    r.method,
                    r.result,
                    r.property("header.d")
                        .or(r.property("header.from"))
                        .map(|d| format!(" for {d}"))
                        .unwrap_or_default()
                )),
                _ => {}
            }
        }
    }
    Err(Refusal::NotAuthenticated(if seen.is_empty() {
        format!("{trusted} reports no DKIM or DMARC result for it")
    } else {
        format!(
            "{trusted} reports {}, not a pass for {domain}",
            seen.join(", ")
        )
    }))
}

#[cfg(test)]
mod tests;
