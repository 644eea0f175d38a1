//! The token in a notice's reply address: which moderator it was sent to, which
//! submission (and the revision of it they were shown) or which digest, until when, and
//! an HMAC-SHA256 over all of that and the moderator's name and address, with a key kept
//! in the store. Nothing in it can be changed, nor given to another moderator, without
//! the key. It lives in the local part of an address (`contact+mod-…@`), so it is
//! lower-case letters, digits and hyphens only, and survives a server that folds case.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::model::{State, Submission, SubmissionId};

/// What a token lets its moderator answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// One submission, as it was when the notice showed it.
    Submission {
        /// The submission.
        id: SubmissionId,
        /// Its [`revision`] then.
        revision: u32,
    },
    /// The submissions of one digest (the outbox entry's), each as the digest showed it.
    Digest {
        /// The digest's outbox number.
        seq: u64,
    },
}

/// A notice's token, before it is signed or after it was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// The moderator's position in `[moderation.mail] moderators`.
    pub moderator: usize,
    /// What it answers.
    pub subject: Subject,
    /// The last day it is good for (days since 1970-01-01, UTC).
    pub expires: u32,
}

/// What the HMAC binds besides the token's fields: the moderator it was made for.
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    /// The moderator's name.
    pub name: &'a str,
    /// Their address.
    pub address: &'a str,
}

/// The bytes of a key (32, random).
pub type Key = [u8; 32];

/// The tag that starts a token in an address's local part.
pub const PREFIX: &str = "mod-";

/// Hex digits of the MAC kept (80 bits).
const MAC_HEX: usize = 20;

/// Why a token is not accepted, in words for the moderator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token at all.
    #[error("the reply address holds no valid moderation token")]
    Malformed,
    /// The MAC does not match: changed, made up, or signed with a key since retired.
    #[error("the reply address's token is not one hubmail made (altered, or its key was retired)")]
    Altered,
    /// Past its last day.
    #[error("the token expired on {0}: answer a newer notice, or decide with the CLI")]
    Expired(String),
    /// Names no moderator configured.
    #[error("the token names a moderator who is no longer in [moderation.mail] moderators")]
    UnknownModerator,
}

impl Token {
    /// The token as it goes into the local part: `mod-s12-r1a2b3c4d-e20790-m0-<mac>`.
    pub fn encode(&self, holder: Holder<'_>, key: &Key) -> String {
        let fields = self.fields();
        format!("{PREFIX}{fields}-{}", mac(key, holder, &fields))
    }

    fn fields(&self) -> String {
        let subject = match self.subject {
            Subject::Submission { id, revision } => format!("s{}-r{revision:08x}", id.0),
            Subject::Digest { seq } => format!("d{seq}"),
        };
        format!("{subject}-e{}-m{}", self.expires, self.moderator)
    }

    /// Reads a token (without [`PREFIX`] or with it) and checks it against `keys` (the
    /// current one and the one before a rotation), for the moderator it names, on
    /// `today` (days since 1970-01-01).
    pub fn verify<'a>(
        text: &str,
        holder_of: impl Fn(usize) -> Option<Holder<'a>>,
        keys: &[Key],
        today: u32,
    ) -> Result<Token, TokenError> {
        let text = text.trim().to_ascii_lowercase();
        let text = text.strip_prefix(PREFIX).unwrap_or(&text);
        let (fields, given) = text.rsplit_once('-').ok_or(TokenError::Malformed)?;
        let token = Token::parse(fields).ok_or(TokenError::Malformed)?;
        // Canonical form only: the fields as hubmail writes them, nothing else signed.
        if token.fields() != fields || given.len() != MAC_HEX {
            return Err(TokenError::Malformed);
        }
        let holder = holder_of(token.moderator).ok_or(TokenError::UnknownModerator)?;
        let given = hex::decode(given).map_err(|_| TokenError::Malformed)?;
        let good = keys.iter().any(|key| {
            // Compared in constant time by the hmac crate, on the truncated tag.
            new_mac(key, holder, fields)
                .verify_truncated_left(&given)
                .is_ok()
        });
        if !good {
            return Err(TokenError::Altered);
        }
        if today > token.expires {
            return Err(TokenError::Expired(day_name(token.expires)));
        }
        Ok(token)
    }

    fn parse(fields: &str) -> Option<Token> {
        let parts: Vec<&str> = fields.split('-').collect();
        let (subject, rest) = match parts.as_slice() {
            [s, r, rest @ ..] if s.starts_with('s') => {
                let id = s[1..].parse().ok()?;
                let revision = u32::from_str_radix(r.strip_prefix('r')?, 16).ok()?;
                (
                    Subject::Submission {
                        id: SubmissionId(id),
                        revision,
                    },
                    rest,
                )
            }
            [d, rest @ ..] if d.starts_with('d') => (
                Subject::Digest {
                    seq: d[1..].parse().ok()?,
                },
                rest,
            ),
            _ => return None,
        };
        let [e, m] = rest else { return None };
        Some(Token {
            subject,
            expires: e.strip_prefix('e')?.parse().ok()?,
            moderator: m.strip_prefix('m')?.parse().ok()?,
        })
    }
}

fn new_mac(key: &Key, holder: Holder<'_>, fields: &str) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    for part in [
        b"hubmail moderation token v1".as_slice(),
        holder.name.as_bytes(),
        holder.address.to_ascii_lowercase().as_bytes(),
        fields.as_bytes(),
    ] {
        m.update(&(part.len() as u64).to_be_bytes());
        m.update(part);
    }
    m
}

fn mac(key: &Key, holder: Holder<'_>, fields: &str) -> String {
    let tag = new_mac(key, holder, fields).finalize().into_bytes();
    hex::encode(&tag[..MAC_HEX / 2])
}

/// A day number as a date (`2022-02-14`).
fn day_name(day: u32) -> String {
    jiff::Timestamp::from_second(i64::from(day) * 86_400)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| day.to_string())
}

/// Days since 1970-01-01 of an instant.
pub fn day_of(t: jiff::Timestamp) -> u32 {
    u32::try_from(t.as_second().div_euclid(86_400)).unwrap_or(0)
}

/// A submission's revision as a moderator is shown it: what changes when it is edited,
/// reassigned or decided, and not when a moderator adds an approval toward a quorum (so
/// that a second moderator's token stays good after the first approved).
pub fn revision(s: &Submission) -> u32 {
    use sha2::Digest;
    let state = match s.state {
        State::Pending => 0u8,
        State::Approved => 1,
        State::Rejected => 2,
        State::Ignored => 3,
        State::Quarantined => 4,
    };
    let mut h = Sha256::new();
    h.update([state]);
    h.update((s.revisions.len() as u64).to_be_bytes());
    if let Some(q) = &s.question {
        h.update(q.space.as_bytes());
        h.update(q.number.to_be_bytes());
    }
    if let Some(d) = &s.decision {
        h.update(d.at.as_second().to_be_bytes());
    }
    let digest = h.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: Key = [7; 32];
    const OLD: Key = [9; 32];

    fn amina(i: usize) -> Option<Holder<'static>> {
        match i {
            0 => Some(Holder {
                name: "amina",
                address: "amina@iom.test",
            }),
            1 => Some(Holder {
                name: "carlos",
                address: "carlos@who.test",
            }),
            _ => None,
        }
    }

    fn token() -> Token {
        Token {
            moderator: 0,
            subject: Subject::Submission {
                id: SubmissionId(12),
                revision: 0x1a2b_3c4d,
            },
            expires: 19_100,
        }
    }

    #[test]
    fn a_token_reads_back_and_fits_a_local_part() {
        let text = token().encode(amina(0).expect("amina"), &KEY);
        assert!(text.starts_with("mod-s12-r1a2b3c4d-e19100-m0-"), "{text}");
        assert!(text.len() <= 64 - "contact+".len(), "{text}");
        assert!(
            text.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        );
        assert_eq!(Token::verify(&text, amina, &[KEY], 19_000), Ok(token()));
        // Upper-cased by a server on the way, it still reads.
        assert_eq!(
            Token::verify(&text.to_uppercase(), amina, &[KEY], 19_000),
            Ok(token())
        );
        let digest = Token {
            subject: Subject::Digest { seq: 40 },
            ..token()
        };
        let text = digest.encode(amina(0).expect("amina"), &KEY);
        assert_eq!(Token::verify(&text, amina, &[KEY], 19_000), Ok(digest));
    }

    #[test]
    fn a_token_changed_by_one_character_or_given_to_another_moderator_is_refused() {
        let text = token().encode(amina(0).expect("amina"), &KEY);
        for (i, c) in text.char_indices().skip(PREFIX.len()) {
            let other = if c == '1' { '2' } else { '1' };
            let mut altered = text.clone();
            altered.replace_range(i..i + 1, &other.to_string());
            assert!(
                Token::verify(&altered, amina, &[KEY], 19_000).is_err(),
                "{altered} was accepted"
            );
        }
        // Amina's token, its moderator field set to Carlos: the MAC binds the holder.
        let stolen = text.replace("-m0-", "-m1-");
        assert_eq!(
            Token::verify(&stolen, amina, &[KEY], 19_000),
            Err(TokenError::Altered)
        );
        assert_eq!(
            Token::verify(&text, amina, &[OLD], 19_000),
            Err(TokenError::Altered),
            "another key"
        );
        assert_eq!(
            Token::verify("mod-s12-bogus", amina, &[KEY], 19_000),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn an_expired_token_is_refused_and_the_previous_key_still_verifies() {
        let text = token().encode(amina(0).expect("amina"), &OLD);
        assert_eq!(
            Token::verify(&text, amina, &[KEY, OLD], 19_100),
            Ok(token())
        );
        assert_eq!(
            Token::verify(&text, amina, &[KEY, OLD], 19_101),
            Err(TokenError::Expired("2022-04-18".into()))
        );
    }
}
