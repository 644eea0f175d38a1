//! `hubmail forget ADDRESS|ID…`: erasure at a contributor's request.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use hubmail::forget::{Report, Request, Target};

use super::output::safe_line;
use super::{Context, output};

/// Erase a contributor at their request: every submission from ADDRESS (or the
/// submissions ID), with its raw mail, attachments, text, names, outbox entries, search
/// index documents and dedupe keys, and the address wherever the store keeps it. The audit
/// trail keeps a tombstone (who erased which ids, when; no personal data) and blanks what
/// its earlier entries said of them. When a contribution was published, the site is
/// published again and earlier releases are removed. Says what still holds the person's
/// mail: the mailbox it came from, backups made before, compression dictionaries, other
/// contributions quoting them.
#[derive(Debug, Args)]
pub struct Forget {
    /// Addresses (someone@example.org) and submission ids (42).
    #[arg(required_unless_present = "finish", value_name = "ADDRESS|ID")]
    targets: Vec<String>,
    /// Only complete the erasures a crash interrupted (every forget does that first).
    #[arg(long, conflicts_with = "dry_run")]
    finish: bool,
    /// Only say what would be erased.
    #[arg(long)]
    dry_run: bool,
    /// Keep the sender rules that name the address (a ban that should outlast the
    /// erasure); they are removed otherwise.
    #[arg(long)]
    keep_sender_rules: bool,
    /// The request's reference (a ticket number), kept in the audit trail: no personal data.
    #[arg(long, value_name = "TEXT")]
    reference: Option<String>,
    /// Where the site is published [default: [publish] out].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

impl Forget {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let targets = self
            .targets
            .iter()
            .map(|t| Target::parse(t))
            .collect::<Result<Vec<_>, _>>()?;
        let request = Request {
            targets,
            moderator: ctx.moderator(),
            reference: self.reference,
            keep_sender_rules: self.keep_sender_rules,
            dry_run: self.dry_run,
            publish_out: self.out.unwrap_or_else(|| ctx.config.publish.out.clone()),
        };
        let session = ctx.session()?;
        let report = hubmail::forget::forget(session, &ctx.config, &request)?;
        if self.json {
            output::json(&report)?;
        } else {
            print_report(&report);
        }
        Ok(ExitCode::SUCCESS)
    }
}

fn ids(ids: &[u64]) -> String {
    ids.iter()
        .map(|id| format!("#{id}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_report(r: &Report) {
    if r.resumed > 0 {
        println!("completed {} erasure(s) a crash had interrupted", r.resumed);
    }
    if !r.already_erased.is_empty() {
        println!("already erased: {}", ids(&r.already_erased));
    }
    if r.erasure.is_none() && !r.dry_run {
        if let Some(n) = r.relaid_out {
            println!(
                "laid the store out afresh ({n} entries copied), as an interrupted erasure needed"
            );
        } else if r.resumed == 0 && r.already_erased.is_empty() {
            println!("no erasure was waiting to be completed");
        }
        return;
    }
    if r.ids.is_empty() && r.already_erased.is_empty() {
        println!(
            "no submission matched; the address {} where the store keeps it",
            if r.dry_run {
                "would be removed"
            } else {
                "was removed"
            }
        );
    }
    let verb = if r.dry_run { "would erase" } else { "erased" };
    if !r.ids.is_empty() {
        println!(
            "{verb} {} submission(s): {} ({} published)",
            r.ids.len(),
            ids(&r.ids),
            r.published
        );
    }
    let c = &r.counts;
    println!(
        "  {} raw message(s), {} attachment(s){}",
        c.raw_messages,
        c.attachments,
        if r.dry_run {
            String::new()
        } else {
            format!(
                ", {} outbox entr{}, {} dedupe key(s); {} audit entr{} blanked",
                c.outbox,
                if c.outbox == 1 { "y" } else { "ies" },
                c.keys,
                c.audit_blanked,
                if c.audit_blanked == 1 { "y" } else { "ies" }
            )
        }
    );
    for p in &r.sender_rules_removed {
        println!(
            "  sender rule {}: {}",
            safe_line(p),
            if r.dry_run {
                "would be removed"
            } else {
                "removed"
            }
        );
    }
    for p in &r.sender_rules_kept {
        println!("  sender rule {}: kept (--keep-sender-rules)", safe_line(p));
    }
    if r.index_segments_purged > 0 {
        println!(
            "  search index: {} segment(s) rewritten without them",
            r.index_segments_purged
        );
    }
    if let Some(out) = &r.republished {
        println!(
            "  published again to {} (earlier releases removed)",
            out.display()
        );
    } else if r.published > 0 && r.dry_run {
        println!("  the site would be published again without them");
    }
    if let Some(n) = r.relaid_out {
        println!(
            "  the store laid out afresh ({n} entries copied): sled's files keep no superseded page of them"
        );
    }
    println!("still holding their mail, outside what hubmail can erase:");
    let mut outside = 0;
    for m in &r.mailbox {
        println!("  the mailbox it came from: {}", safe_line(m));
        outside += 1;
    }
    for b in &r.backups {
        println!(
            "  backup {} of {} (run 'hubmail forget' again after restoring it)",
            safe_line(&b.path),
            b.at.strftime("%Y-%m-%d %H:%M UTC")
        );
        outside += 1;
    }
    for kind in &r.dictionaries {
        println!(
            "  the store's compression dictionary for {kind} (trained on the first mail stored; fragments of it stay)"
        );
        outside += 1;
    }
    if !r.mentioned_in.is_empty() {
        println!(
            "  other contributions that mention them (not changed; 'hubmail edit' can): {}",
            ids(&r.mentioned_in)
        );
        outside += 1;
    }
    if outside == 0 {
        println!("  nothing hubmail knows of");
    }
}
