//! The pure part of the pipeline: a parsed message becomes a record's fields — author,
//! classification, trimmed text, language, question, objectives and flags. No I/O.

use super::{PIPELINE_ACTOR, stages};
use crate::config::Config;
use crate::model::{
    Attachment, Author, DecisionRecord, Flag, FlagKind, SenderPolicy, State, Submission,
};
use crate::parse::ParsedMessage;
use crate::policy::Rules;
use crate::{author, classify, lang, route, trim};
use stages::Stage;

/// Fills a submission from a parsed message: the pure part of the pipeline.
pub fn analyse(config: &Config, rules: &Rules, parsed: &ParsedMessage, s: &mut Submission) {
    s.headers = parsed.headers.clone();
    s.subject = parsed.subject.clone();
    // The display name's reading; the signature's is added once the text is trimmed.
    let display = parsed.from_name.clone().unwrap_or_default();
    let address = parsed.from_address.clone().unwrap_or_default();
    let from_display = author::read(&display, &address, &trim::TrimmedBody::default());
    s.author = Author {
        // Without a person's name: what the display says (an organisation's), else the
        // local part.
        name: from_display.name.unwrap_or_else(|| {
            let display = display.trim().trim_matches('"');
            if display.is_empty() || display.contains('@') {
                local_part(&address).to_string()
            } else {
                display.to_string()
            }
        }),
        address,
        affiliation: from_display.affiliation,
        department: None,
        stakeholder: None,
    };
    s.body_source = parsed.body_source.as_str().into();
    s.attachments = parsed
        .attachments
        .iter()
        .map(|a| Attachment {
            name: a.name.clone(),
            content_type: a.content_type.clone(),
            size: a.bytes.len() as u64,
            sha256: None,
            extraction: None,
        })
        .collect();

    if let Some(reason) = classify::not_a_contribution(parsed, &config.hub) {
        s.state = State::Ignored;
        s.reason = Some(reason);
        s.body = parsed.text.clone();
        return;
    }

    if parsed.from_address.is_none() {
        s.state = State::Quarantined;
        s.reason = Some(
            "no usable From address: cannot tell who sent it (check the raw message with \
             'hubmail show ID --raw')"
                .into(),
        );
        s.body = parsed.text.clone();
        return;
    }

    match rules.applicable(&s.author.address) {
        Some(rule) if rule.policy == SenderPolicy::Ban => {
            let why = format!(
                "sender banned by rule {}{}",
                rule.pattern,
                rule.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            );
            s.state = State::Rejected;
            s.reason = Some(why.clone());
            s.flags.push(Flag::new(
                FlagKind::NoReply,
                "sender banned: answering would reach someone the consultation refuses",
            ));
            s.decision = Some(DecisionRecord {
                moderator: PIPELINE_ACTOR.into(),
                at: s.received,
                state: State::Rejected,
                code: None,
                reason: Some(why),
            });
        }
        Some(rule) => s.flags.push(Flag::new(
            FlagKind::Trusted,
            format!(
                "sender matches the trusted rule {} (set by {})",
                rule.pattern, rule.by
            ),
        )),
        None => {}
    }

    let trimmed = trim::trim(&parsed.text);
    let signed = author::read(&display, &s.author.address, &trimmed);
    if let Some(name) = signed.name {
        s.author.name = name;
    }
    // An organisation's own mail ("Remittance Bank" and no person) names it once.
    s.author.affiliation = signed.affiliation.filter(|a| *a != s.author.name);
    s.author.department = signed.department;
    s.author.stakeholder = config.stakeholders.infer(&s.author, &trimmed.contribution);
    s.body = trimmed.contribution;
    s.quoted = trimmed.quoted;
    s.signature = trimmed.signature;

    if s.body.trim().is_empty() && s.attachments.is_empty() && s.state == State::Pending {
        s.state = State::Quarantined;
        s.reason = Some("the message has no text and no attachment".into());
        return;
    }

    let detection = stages::time(Stage::Language, || {
        lang::detect(&s.body, &s.subject, &s.headers.content_language)
    });
    s.lang = detection.lang;
    s.lang_confidence = (detection.confidence * 100.0).round() / 100.0;
    s.other_langs = detection.others;
    s.flags.extend(detection.flags);

    let mut reply_ids = s.headers.in_reply_to.clone();
    reply_ids.extend(s.headers.references.iter().cloned());
    let mut recipients = s.headers.recipients.clone();
    for header in ["delivered-to", "x-original-to"] {
        if let Some(v) = parsed.extra(header) {
            recipients.push(v.trim().to_lowercase());
        }
    }
    let routed = route::route(config, (&s.subject, &s.body), &recipients, &reply_ids);
    s.question = routed.question;
    s.routed_by = routed.how;
    s.objectives = route::objectives(&[&s.subject, &s.body]);

    s.flags.extend(classify::hold_flags(parsed, &config.hub));
    if let Some(flag) = route::deadline_flag(config, s.question.as_ref(), s.date()) {
        s.flags.push(flag);
    }
    for a in &s.attachments {
        if a.size > config.limits.max_attachment_bytes {
            s.flags.push(Flag::new(
                FlagKind::AttachmentTooLarge,
                format!(
                    "{:?} is {:.1} MB, over the {:.1} MB limit; it was not stored separately \
                     (it stays in the raw message)",
                    a.name,
                    a.size as f64 / 1e6,
                    config.limits.max_attachment_bytes as f64 / 1e6
                ),
            ));
        }
    }
}

/// What ingestion calls a sender without a name: their address's local part ("ana.lopez"),
/// which notices never greet (`notify::compose::greetable_name`).
fn local_part(address: &str) -> &str {
    address.split('@').next().unwrap_or_default()
}
