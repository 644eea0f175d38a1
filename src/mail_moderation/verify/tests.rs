//! The attacks a reply can try, each refused for its own reason; and the replies that pass.

use super::*;
use crate::config::Limits;
use crate::mail_moderation::MailModerator;
use crate::mail_moderation::token::{Holder, Subject};
use crate::model::SubmissionId;

const KEY: Key = [3; 32];
const TODAY: u32 = 19_000;

fn hub() -> HubConfig {
    HubConfig {
        contact_addresses: vec!["contact@consultation.test".into()],
        trusted_authserv_id: Some("mx.consultation.test".into()),
    }
}

fn mail() -> MailModerationConfig {
    MailModerationConfig {
        moderators: vec![
            MailModerator {
                name: "amina".into(),
                address: "amina@iom.test".into(),
                lang: None,
            },
            MailModerator {
                name: "carlos".into(),
                address: "carlos@who.test".into(),
                lang: None,
            },
        ],
        ..MailModerationConfig::default()
    }
}

fn token_for(moderator: usize, expires: u32) -> String {
    let m = &mail().moderators[moderator];
    Token {
        moderator,
        subject: Subject::Submission {
            id: SubmissionId(12),
            revision: 7,
        },
        expires,
    }
    .encode(
        Holder {
            name: &m.name,
            address: &m.address,
        },
        &KEY,
    )
}

/// A reply from `from` to `to`, with the trusted server's `auth` (none when empty).
fn reply(from: &str, to: &str, auth: &str, extra: &str) -> ParsedMessage {
    let auth = if auth.is_empty() {
        String::new()
    } else {
        format!("Authentication-Results: {auth}\r\n")
    };
    let raw = format!(
        "{auth}{extra}From: Someone <{from}>\r\nTo: {to}\r\nSubject: Re: [hubmail] #12\r\n\
         Message-ID: <r1@iom.test>\r\nDate: Mon, 10 Jan 2022 10:00:00 +0000\r\n\r\napprove\r\n"
    );
    crate::parse::parse(raw.as_bytes(), &Limits::default()).expect("parses")
}

fn to(token: &str) -> String {
    format!("contact+{token}@consultation.test")
}

const PASS: &str = "mx.consultation.test; dkim=pass header.d=iom.test header.s=mail";

#[test]
fn a_signed_reply_from_the_token_s_moderator_passes_with_its_proofs() {
    let t = token_for(0, TODAY + 5);
    let ok = authenticate(
        &reply("amina@iom.test", &to(&t), PASS, ""),
        &hub(),
        &mail(),
        &[KEY],
        TODAY,
    )
    .expect("authenticated");
    assert_eq!(ok.moderator, "amina");
    assert_eq!(ok.token_text, t);
    assert_eq!(ok.checks.len(), 3, "{:?}", ok.checks);
    assert!(ok.checks[2].starts_with("dkim=pass header.d=iom.test"));
    // DMARC's pass for the From domain does as well.
    let dmarc = "mx.consultation.test; dkim=none; dmarc=pass header.from=iom.test";
    assert!(
        authenticate(
            &reply("amina@iom.test", &to(&t), dmarc, ""),
            &hub(),
            &mail(),
            &[KEY],
            TODAY
        )
        .is_ok()
    );
}

#[test]
fn a_forged_from_without_a_valid_signature_is_refused() {
    let t = token_for(0, TODAY + 5);
    for auth in [
        "",
        "mx.consultation.test; dkim=fail header.d=iom.test",
        // Signed, but by another domain than the From's.
        "mx.consultation.test; dkim=pass header.d=attacker.test",
        // A pass written by someone else's server (or the sender): not believed.
        "mx.attacker.test; dkim=pass header.d=iom.test",
    ] {
        let got = authenticate(
            &reply("amina@iom.test", &to(&t), auth, ""),
            &hub(),
            &mail(),
            &[KEY],
            TODAY,
        );
        assert!(
            matches!(got, Err(Refusal::NotAuthenticated(_))),
            "{auth:?}: {got:?}"
        );
    }
}

#[test]
fn another_moderator_s_token_or_a_non_moderator_forwarding_a_notice_is_refused() {
    // Carlos, signed by his own domain, answering Amina's notice.
    let amina_s = token_for(0, TODAY + 5);
    let got = authenticate(
        &reply(
            "carlos@who.test",
            &to(&amina_s),
            "mx.consultation.test; dkim=pass header.d=who.test",
            "",
        ),
        &hub(),
        &mail(),
        &[KEY],
        TODAY,
    );
    assert!(matches!(got, Err(Refusal::WrongSender { .. })), "{got:?}");
    // A colleague Amina forwarded the notice to.
    let got = authenticate(
        &reply("colleague@iom.test", &to(&amina_s), PASS, ""),
        &hub(),
        &mail(),
        &[KEY],
        TODAY,
    );
    assert!(matches!(got, Err(Refusal::WrongSender { .. })), "{got:?}");
}

#[test]
fn an_altered_or_expired_token_and_a_reply_to_the_plain_address_are_refused() {
    let t = token_for(0, TODAY + 5);
    let altered = format!(
        "{}{}",
        &t[..t.len() - 1],
        if t.ends_with('0') { '1' } else { '0' }
    );
    let got = authenticate(
        &reply("amina@iom.test", &to(&altered), PASS, ""),
        &hub(),
        &mail(),
        &[KEY],
        TODAY,
    );
    assert_eq!(got, Err(Refusal::Token(TokenError::Altered)));
    let expired = token_for(0, TODAY - 1);
    let got = authenticate(
        &reply("amina@iom.test", &to(&expired), PASS, ""),
        &hub(),
        &mail(),
        &[KEY],
        TODAY,
    );
    assert!(
        matches!(got, Err(Refusal::Token(TokenError::Expired(_)))),
        "{got:?}"
    );
    let got = authenticate(
        &reply("amina@iom.test", "contact@consultation.test", PASS, ""),
        &hub(),
        &mail(),
        &[KEY],
        TODAY,
    );
    assert_eq!(got, Err(Refusal::NoToken));
    // A token at someone else's address is not a reply to hubmail.
    let got = authenticate(
        &reply(
            "amina@iom.test",
            &format!("other+{t}@consultation.test"),
            PASS,
            "",
        ),
        &hub(),
        &mail(),
        &[KEY],
        TODAY,
    );
    assert_eq!(got, Err(Refusal::NoToken));
}

#[test]
fn an_out_of_office_from_a_moderator_decides_nothing() {
    let t = token_for(0, TODAY + 5);
    let got = authenticate(
        &reply(
            "amina@iom.test",
            &to(&t),
            PASS,
            "Auto-Submitted: auto-replied\r\n",
        ),
        &hub(),
        &mail(),
        &[KEY],
        TODAY,
    );
    assert!(matches!(got, Err(Refusal::Automatic(_))), "{got:?}");
}
