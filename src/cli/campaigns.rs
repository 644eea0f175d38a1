//! The campaigns as moderators see them: `hubmail queue --group` lists them, `hubmail show
//! --group G` shows one (its representative text, every sender, what each changed); and
//! `hubmail queue --translations`, the contributions sent in several languages.

use std::io::Write;

use serde::Serialize;

use hubmail::campaign::{self, Campaign};
use hubmail::model::{State, SubmissionId};

use super::Context;
use super::output::{self, safe, safe_line};

/// A campaign in `queue --group --json`.
#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    campaign: &'a Campaign,
    subject: String,
    space: Option<String>,
    question: Option<u32>,
}

/// Lists the campaigns among the submissions in `states`.
pub fn list(ctx: &Context, states: &[State], json: bool) -> anyhow::Result<()> {
    let session = ctx.session()?;
    let store = &session.store;
    let found = campaign::in_store(store, &ctx.config, states)?;
    let mut listed = Vec::new();
    for c in &found {
        let first = store.get(c.members[0])?;
        listed.push(Listed {
            campaign: c,
            subject: first.subject.clone(),
            space: first.question.as_ref().map(|q| q.space.clone()),
            question: first.question.as_ref().map(|q| q.number),
        });
    }
    if json {
        return output::json(&listed);
    }
    let mut out = std::io::stdout().lock();
    if listed.is_empty() {
        writeln!(
            out,
            "no campaign: no text was sent by {} or more senders",
            ctx.config.campaigns.min_senders
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<8} {:>7} {:>7} {:<4} {:<4} subject",
        "group", "letters", "senders", "lang", "q"
    )?;
    for l in &listed {
        writeln!(
            out,
            "{:<8} {:>7} {:>7} {:<4} {:<4} {}",
            l.campaign.id,
            l.campaign.members.len(),
            l.campaign.senders,
            l.campaign.lang.map_or("-", |x| x.code()),
            l.question.map_or("-".to_string(), |n| n.to_string()),
            output::truncate(&safe_line(&l.subject), 60)
        )?;
    }
    writeln!(
        out,
        "\n'hubmail show --group G' shows one; 'hubmail approve --group G' approves it whole"
    )?;
    Ok(())
}

/// A member of a campaign in `show --group --json`.
#[derive(Serialize)]
struct Member {
    id: SubmissionId,
    state: &'static str,
    author: String,
    affiliation: Option<String>,
    address: String,
    /// Sentences of its text that the representative's lacks.
    added: Vec<String>,
    /// How many of the representative's sentences it leaves out.
    left_out: usize,
}

#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    campaign: &'a Campaign,
    text: &'a str,
    members: Vec<Member>,
}

/// Shows the campaign `name`.
pub fn show(ctx: &Context, name: &str, json: bool) -> anyhow::Result<()> {
    let session = ctx.session()?;
    let store = &session.store;
    let c = campaign::named(store, &ctx.config, name)?;
    let first = store.get(c.members[0])?;
    let representative = first.contribution_text();
    let mut members = Vec::new();
    for id in &c.members {
        let s = store.get(*id)?;
        let (added, left_out) = campaign::differences(representative, s.contribution_text());
        members.push(Member {
            id: s.id,
            state: s.state.as_str(),
            author: s.author.name.clone(),
            affiliation: s.author.affiliation.clone(),
            address: s.author.address.clone(),
            added,
            left_out,
        });
    }
    if json {
        return output::json(&Shown {
            campaign: &c,
            text: representative,
            members,
        });
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "campaign {}: {} letters from {} senders{}",
        c.id,
        c.members.len(),
        c.senders,
        c.lang.map_or(String::new(), |l| format!(
            ", in {}",
            l.name_in(hubmail::model::Lang::En)
        ))
    )?;
    writeln!(out, "subject: {}\n", safe_line(&first.subject))?;
    writeln!(out, "{}\n", safe(representative.trim()))?;
    writeln!(out, "sent by:")?;
    for m in &members {
        writeln!(
            out,
            "  #{:<6} {:<9} {}{} <{}>",
            m.id,
            m.state,
            safe_line(&m.author),
            m.affiliation
                .as_deref()
                .map_or(String::new(), |a| format!(", {}", safe_line(a))),
            safe_line(&m.address)
        )?;
        for a in &m.added {
            writeln!(out, "           + {}", safe_line(a))?;
        }
        if m.left_out > 0 {
            writeln!(
                out,
                "           - leaves out {} sentence{}",
                m.left_out,
                if m.left_out == 1 { "" } else { "s" }
            )?;
        }
    }
    Ok(())
}

/// The pending members of the campaign `name`, for a decision on all of them.
pub fn pending_members(ctx: &Context, name: &str) -> anyhow::Result<Vec<u64>> {
    let session = ctx.session()?;
    let c = campaign::named(&session.store, &ctx.config, name)?;
    let mut ids = Vec::new();
    for id in &c.members {
        if session.store.get(*id)?.state == State::Pending {
            ids.push(id.0);
        }
    }
    if ids.is_empty() {
        anyhow::bail!(
            "campaign {} has nothing pending: every letter of it is decided",
            c.id
        );
    }
    Ok(ids)
}

/// Lists the pairs of versions that translate each other among the submissions in
/// `states`.
pub fn translations(ctx: &Context, states: &[State], json: bool) -> anyhow::Result<()> {
    let session = ctx.session()?;
    let store = &session.store;
    let pairs = hubmail::translation::in_store(store, &ctx.config, states)?;
    if json {
        return output::json(&pairs);
    }
    let mut out = std::io::stdout().lock();
    if pairs.is_empty() {
        writeln!(out, "no contribution was found sent in several languages")?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<7} {:<7} {:<6} {:>5} sender",
        "first", "second", "langs", "score"
    )?;
    for p in &pairs {
        let (a, b) = (store.get(p.first)?, store.get(p.second)?);
        writeln!(
            out,
            "{:<7} {:<7} {:<6} {:>5.2} {}",
            a.id,
            b.id,
            format!(
                "{}+{}",
                a.lang.map_or("-", |l| l.code()),
                b.lang.map_or("-", |l| l.code())
            ),
            p.score,
            safe_line(&a.author.address)
        )?;
    }
    Ok(())
}
