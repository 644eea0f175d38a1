//! Is this mail a contribution at all, and does it need a closer look?
//!
//! Auto-responses and bounces (RFC 3834 and the usual conventions) are recognised so that
//! they are kept as `ignored` instead of reaching the queue; spam marks and failed
//! authentication become hold flags. Pure functions over a [`ParsedMessage`].

use std::sync::LazyLock;

use regex::Regex;

use crate::config::HubConfig;
use crate::model::{Flag, FlagKind};
use crate::parse::ParsedMessage;

static AUTO_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*(
            out\s+of\s+(the\s+)?office | automatic\s+reply | auto(matic)?[-\s]?re(ply|sponse)
          | autoreply | away\s+from\s+(the\s+)?office | on\s+vacation | vacation\s+reply
          | réponse\s+automatique | reponse\s+automatique | absence\s+du\s+bureau | absent\s+du\s+bureau
          | message\s+d'absence | en\s+congés?
          | respuesta\s+automática | respuesta\s+automatica | fuera\s+de\s+(la\s+)?oficina
          | ausente | ausencia
          | undeliver(ed|able) | delivery\s+(status\s+notification|failure|has\s+failed|notification)
          | mail\s+delivery\s+(failed|failure|system|subsystem) | returned\s+mail | failure\s+notice
          | non\s+remis | non\s+distribuable | échec\s+de\s+(la\s+)?remise | no\s+se\s+puede\s+entregar
          | message\s+not\s+delivered | complaint\s+about\s+message | warning:\s+could\s+not\s+send | delayed\s+mail
        )",
    )
    .expect("valid regex")
});

static BOUNCE_SENDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(mailer-daemon|mailerdaemon|mail-daemon|postmaster|post_master|no-?reply|do-?not-?reply|bounces?|[^@]*-(bounces?|owner|request|admin)|owner-[^@]*)(\+[^@]*)?@",
    )
        .expect("valid regex")
});

static BOUNCE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(mailer[- ]daemon|mail delivery (system|subsystem|service)|postmaster|mail administrator)\b")
        .expect("valid regex")
});

/// Why a message is not a contribution, or `None` when it is one.
pub fn not_a_contribution(msg: &ParsedMessage, hub: &HubConfig) -> Option<String> {
    let h = &msg.headers;
    if let Some(auto) = &h.auto_submitted {
        let value = auto.trim().to_ascii_lowercase();
        if !value.is_empty() && !value.starts_with("no") {
            return Some(format!("auto-submitted mail (Auto-Submitted: {auto})"));
        }
    }
    if let Some(p) = &h.precedence {
        let value = p.trim().to_ascii_lowercase();
        if matches!(value.as_str(), "bulk" | "junk" | "list" | "auto_reply") {
            return Some(format!("bulk or list mail (Precedence: {p})"));
        }
    }
    for header in ["x-autoreply", "x-autorespond"] {
        if let Some(v) = msg.extra(header) {
            return Some(format!("auto-reply ({header}: {v})"));
        }
    }
    if msg.content_type == "multipart/report" {
        return Some("delivery or disposition report (multipart/report)".to_string());
    }
    if msg.extra("x-failed-recipients").is_some() {
        return Some("bounce (X-Failed-Recipients)".to_string());
    }
    if h.return_path.as_deref().is_some_and(|r| r.is_empty()) {
        return Some("bounce or auto-reply (empty Return-Path: <>)".to_string());
    }
    if let Some(from) = &msg.from_address {
        if BOUNCE_SENDER.is_match(from) {
            return Some(format!("mail from a mail system ({from})"));
        }
        if hub
            .contact_addresses
            .iter()
            .any(|a| a.eq_ignore_ascii_case(from))
        {
            return Some(format!("mail from the consultation's own address ({from})"));
        }
    }
    if let Some(name) = &msg.from_name
        && BOUNCE_NAME.is_match(name)
    {
        return Some(format!("mail from a mail system ({name})"));
    }
    if let Some(list) = &h.list_id {
        return Some(format!("mailing-list traffic (List-Id: {list})"));
    }
    for header in [
        "mailing-list",
        "x-mlserver",
        "list-post",
        "list-unsubscribe",
        "list-subscribe",
    ] {
        if let Some(v) = msg.extra(header) {
            return Some(format!("mailing-list or bulk mail ({header}: {v})"));
        }
    }
    if msg.extra("x-amz-sns-message-id").is_some() {
        return Some("automated notification (x-amz-sns-message-id)".to_string());
    }
    if AUTO_SUBJECT.is_match(&msg.subject) {
        return Some(format!("auto-reply or bounce subject ({:?})", msg.subject));
    }
    None
}

/// Hold flags that come from the mail itself: spam and failed authentication.
pub fn hold_flags(msg: &ParsedMessage, hub: &HubConfig) -> Vec<Flag> {
    let mut flags = Vec::new();
    if let Some(v) = msg.extra("x-spam-flag")
        && v.trim().eq_ignore_ascii_case("yes")
    {
        flags.push(Flag::new(
            FlagKind::Spam,
            "X-Spam-Flag: YES from the mail server",
        ));
    }
    if let Some(trusted) = &hub.trusted_authserv_id {
        for result in &msg.authentication_results {
            if let Some(why) = auth_failure(result, trusted) {
                flags.push(Flag::new(FlagKind::AuthFail, why));
                break;
            }
        }
    }
    flags
}

/// `Some(reason)` when an `Authentication-Results` header from `trusted` reports a DMARC
/// or DKIM failure (RFC 8601).
fn auth_failure(header: &str, trusted: &str) -> Option<String> {
    let results = crate::auth_results::from_trusted(header, trusted)?;
    let failed: Vec<String> = results
        .iter()
        .filter(|r| matches!(r.method.as_str(), "dkim" | "dmarc"))
        .filter(|r| matches!(r.result.as_str(), "fail" | "permerror"))
        .map(|r| format!("{}={}", r.method, r.result))
        .collect();
    (!failed.is_empty()).then(|| format!("{} according to {trusted}", failed.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_results_only_from_the_trusted_server() {
        let h = "mx.example.org; dkim=pass header.d=a.org; dmarc=fail (p=reject) header.from=a.org";
        assert_eq!(
            auth_failure(h, "mx.example.org").as_deref(),
            Some("dmarc=fail according to mx.example.org")
        );
        assert_eq!(auth_failure(h, "other.example.org"), None);
        assert_eq!(
            auth_failure("mx.example.org; dkim=pass; dmarc=pass", "mx.example.org"),
            None
        );
    }

    #[test]
    fn out_of_office_subjects_in_three_languages() {
        for s in [
            "Out of Office: Re: [Q1]",
            "Automatic reply: contribution",
            "Réponse automatique : absent",
            "Respuesta automática: Pregunta 2",
            "Undelivered Mail Returned to Sender",
        ] {
            assert!(AUTO_SUBJECT.is_match(s), "{s}");
        }
        assert!(!AUTO_SUBJECT.is_match("Our reply on remittances"));
    }
}
