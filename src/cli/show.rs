//! `hubmail show ID`: one submission, everything a moderator needs to decide.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Args;

use hubmail::model::{Submission, SubmissionId};

use super::output::{safe, safe_line};
use super::views::SubmissionView;
use super::{Context, output};

/// Show a submission: headers, language, flags and why, question, text, quoted part,
/// attachments. --raw prints the original message byte for byte.
#[derive(Debug, Args)]
pub struct Show {
    /// The submission's id (as listed by 'hubmail queue').
    #[arg(required_unless_present = "group")]
    id: Option<u64>,
    /// Show a campaign instead (as listed by 'hubmail queue --group'): its text, every
    /// sender and what each changed.
    #[arg(long, value_name = "G", conflicts_with_all = ["id", "raw", "revisions", "attachment", "quoted"])]
    group: Option<String>,
    /// Print as JSON.
    #[arg(long, conflicts_with = "raw")]
    json: bool,
    /// Print the original message, byte for byte.
    #[arg(long)]
    raw: bool,
    /// Show the quoted earlier mail in full instead of collapsing it.
    #[arg(long)]
    quoted: bool,
    /// Also show every earlier revision of the publishable fields (the first is the
    /// original as received).
    #[arg(long)]
    revisions: bool,
    /// Print the text read from attachment N (as numbered under Attachments).
    #[arg(long, value_name = "N", conflicts_with_all = ["json", "raw", "revisions"])]
    attachment: Option<usize>,
}

impl Show {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        if let Some(name) = &self.group {
            super::campaigns::show(ctx, name, self.json)?;
            return Ok(ExitCode::SUCCESS);
        }
        let session = ctx.session()?;
        let id = SubmissionId(self.id.unwrap_or_default());
        let submission = session.store.get(id)?;
        if self.raw {
            let raw = session.store.raw(id)?;
            let mut out = std::io::stdout().lock();
            if out.is_terminal() {
                // To a terminal, the message's control characters are shown, not obeyed;
                // redirected to a file or a pipe, the bytes are exactly as received.
                eprintln!(
                    "(to a terminal: control characters shown as ␛ and the like; redirect for the exact bytes)"
                );
                out.write_all(safe(&String::from_utf8_lossy(&raw)).as_bytes())?;
            } else {
                out.write_all(&raw)?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        drop(session);
        if let Some(n) = self.attachment {
            return print_attachment_text(&submission, n);
        }
        if self.json {
            output::json(&SubmissionView::new(&submission))?;
        } else {
            let mut out = std::io::stdout().lock();
            print_human(&mut out, &submission, self.quoted)?;
            if self.revisions {
                print_revisions(&mut out, &submission)?;
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

pub fn print_human(out: &mut dyn Write, s: &Submission, full_quote: bool) -> std::io::Result<()> {
    let bold = |t: &str| {
        if output::color() {
            format!("\x1b[1m{t}\x1b[0m")
        } else {
            t.to_string()
        }
    };
    writeln!(
        out,
        "{} {}",
        bold(&format!("#{}", s.id)),
        bold(&safe_line(&s.subject))
    )?;
    writeln!(
        out,
        "State:     {}{}",
        s.state,
        s.reason
            .as_deref()
            .map(|r| format!(" — {}", safe_line(r)))
            .unwrap_or_default()
    )?;
    let affiliation = match (&s.author.affiliation, &s.author.department) {
        (Some(a), Some(d)) => format!(", {} ({})", safe_line(a), safe_line(d)),
        (Some(a), None) => format!(", {}", safe_line(a)),
        _ => String::new(),
    };
    writeln!(
        out,
        "From:      {}{} <{}>",
        safe_line(&s.author.name),
        affiliation,
        safe_line(&s.author.address)
    )?;
    let stakeholder = match &s.author.stakeholder {
        Some(t) => format!("{} ({})", t.kind, safe_line(&t.by)),
        None => "unknown ('hubmail set-type ID TYPE')".into(),
    };
    writeln!(out, "Type:      {stakeholder}")?;
    writeln!(
        out,
        "Date:      {} (received {})",
        s.date().strftime("%Y-%m-%d %H:%M UTC"),
        s.received.strftime("%Y-%m-%d %H:%M UTC")
    )?;
    let lang = match s.lang {
        Some(l) => format!("{l} (confidence {:.2})", s.lang_confidence),
        None => "undetermined".into(),
    };
    let others: Vec<&str> = s.other_langs.iter().map(|l| l.code()).collect();
    writeln!(
        out,
        "Language:  {lang}{}",
        if others.is_empty() {
            String::new()
        } else {
            format!(", also {}", others.join(", "))
        }
    )?;
    let question = match &s.question {
        Some(q) => format!("{} question {}", safe_line(&q.space), q.number),
        None => "unassigned".into(),
    };
    let routed = s
        .routed_by
        .as_deref()
        .map(|r| format!(" ({})", safe_line(r)))
        .unwrap_or_default();
    writeln!(out, "Question:  {question}{routed}")?;
    if let Some(parent) = s.parent {
        writeln!(out, "Replies to: #{parent} ('hubmail show {parent}')")?;
    }
    if let Some(lead) = s.translation_of {
        writeln!(
            out,
            "Version of: #{lead}, in another language: decided, published and counted with \
             it ('hubmail unlink {}' undoes it)",
            s.id
        )?;
    }
    if !s.translations.is_empty() {
        let list: Vec<String> = s.translations.iter().map(|t| format!("#{t}")).collect();
        writeln!(
            out,
            "Versions:  {} in other languages, decided with this one",
            list.join(", ")
        )?;
    }
    if !s.objectives.is_empty() {
        let list: Vec<String> = s.objectives.iter().map(u8::to_string).collect();
        writeln!(out, "Objectives: {}", list.join(", "))?;
    }
    for f in &s.flags {
        writeln!(out, "Flag:      {} — {}", f.kind, safe_line(&f.why))?;
    }
    if !s.approvals.is_empty() {
        let who: Vec<String> = s
            .approvals
            .iter()
            .map(|a| {
                format!(
                    "{} ({})",
                    safe_line(&a.moderator),
                    a.at.strftime("%Y-%m-%d")
                )
            })
            .collect();
        writeln!(out, "Approvals: {}", who.join(", "))?;
    }
    if let Some(d) = &s.decision {
        writeln!(
            out,
            "Decision:  {} by {} on {}{}",
            d.state,
            safe_line(&d.moderator),
            d.at.strftime("%Y-%m-%d %H:%M UTC"),
            d.reason
                .as_deref()
                .map(|r| format!(" — {}", safe_line(r)))
                .unwrap_or_default()
        )?;
    }
    if !s.revisions.is_empty() {
        writeln!(
            out,
            "Revisions: {} earlier ('hubmail show {} --revisions')",
            s.revisions.len(),
            s.id
        )?;
    }
    if !s.headers.recipients.is_empty() {
        writeln!(
            out,
            "To:        {}",
            safe_line(&s.headers.recipients.join(", "))
        )?;
    }
    if let Some(parent) = s.headers.in_reply_to.first() {
        writeln!(out, "In-Reply-To: <{}>", safe_line(parent))?;
    }
    if let Some(mid) = &s.headers.message_id {
        writeln!(out, "Message-ID: <{}>", safe_line(mid))?;
    }
    if s.duplicates > 0 {
        writeln!(
            out,
            "Duplicates: {} later cop{} received",
            s.duplicates,
            if s.duplicates == 1 { "y" } else { "ies" }
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        if s.body.is_empty() {
            "(no text)".into()
        } else {
            safe(&s.body)
        }
    )?;
    if !s.signature.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", safe(&s.signature))?;
    }
    if !s.quoted.is_empty() {
        writeln!(out)?;
        let lines = s.quoted.lines().count();
        if full_quote {
            writeln!(out, "{}", safe(&s.quoted))?;
        } else {
            writeln!(
                out,
                "[quoted earlier mail: {lines} line{} hidden — 'hubmail show {} --quoted' shows it]",
                if lines == 1 { "" } else { "s" },
                s.id
            )?;
        }
    }
    if !s.attachments.is_empty() {
        writeln!(out)?;
        for (i, a) in s.attachments.iter().enumerate() {
            writeln!(
                out,
                "Attachment {}: {} ({}, {} bytes){}",
                i + 1,
                safe_line(&a.name),
                safe_line(&a.content_type),
                a.size,
                if a.sha256.is_none() {
                    " — not stored separately"
                } else {
                    ""
                }
            )?;
            if let Some(e) = &a.extraction {
                writeln!(out, "  {}", safe_line(&e.summary()))?;
                if let Some(title) = &e.title {
                    writeln!(out, "  Title: {}", safe_line(title))?;
                }
                let first: Vec<&str> = e
                    .text
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .take(3)
                    .collect();
                for line in &first {
                    let line: String = line.chars().take(100).collect();
                    writeln!(out, "  │ {}", safe_line(&line))?;
                }
                if e.text.lines().filter(|l| !l.trim().is_empty()).count() > first.len() {
                    writeln!(
                        out,
                        "  │ … 'hubmail show {} --attachment {}' prints all of it",
                        s.id,
                        i + 1
                    )?;
                }
            }
        }
        writeln!(
            out,
            "['hubmail attachment {} N --save PATH' saves one, --save-all DIR every one]",
            s.id
        )?;
    }
    Ok(())
}

/// The text read from attachment `n`, or why there is none.
fn print_attachment_text(s: &Submission, n: usize) -> anyhow::Result<ExitCode> {
    let Some(a) = n.checked_sub(1).and_then(|i| s.attachments.get(i)) else {
        anyhow::bail!(
            "submission {} has {} attachment(s): there is no attachment {n}",
            s.id,
            s.attachments.len()
        );
    };
    let Some(e) = &a.extraction else {
        anyhow::bail!(
            "attachment {n} ({}) was not read: it arrived before hubmail read attachments, or              with mail that is not a contribution",
            safe_line(&a.name)
        );
    };
    if e.text.is_empty() {
        anyhow::bail!(
            "attachment {n} ({}): {}",
            safe_line(&a.name),
            safe_line(&e.summary())
        );
    }
    let mut out = std::io::stdout().lock();
    for line in e.text.lines() {
        writeln!(out, "{}", safe_line(line))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_revisions(out: &mut dyn Write, s: &Submission) -> std::io::Result<()> {
    if s.revisions.is_empty() {
        writeln!(out, "\nNo earlier revisions: this is the text as received.")?;
        return Ok(());
    }
    for r in &s.revisions {
        let f = &r.fields;
        writeln!(out)?;
        writeln!(
            out,
            "── revision {}{} (replaced by {} on {})",
            r.number,
            if r.number == 1 { ", the original" } else { "" },
            safe_line(&r.replaced_by),
            r.replaced_at.strftime("%Y-%m-%d %H:%M UTC")
        )?;
        writeln!(
            out,
            "Author: {}{}",
            safe_line(&f.author_name),
            f.affiliation
                .as_deref()
                .map(|a| format!(", {}", safe_line(a)))
                .unwrap_or_default()
        )?;
        writeln!(out, "Subject: {}", safe_line(&f.subject))?;
        writeln!(
            out,
            "Question: {}",
            f.question
                .as_ref()
                .map_or("unassigned".to_string(), |q| safe_line(&q.to_string())
                    .into_owned())
        )?;
        writeln!(out)?;
        writeln!(out, "{}", safe(&f.body))?;
    }
    writeln!(out, "\n── revision {} (current)", s.revisions.len() + 1)
}
