//! `hubmail sender trust|ban|list|remove`: sender policy.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde::Serialize;

use hubmail::model::{RECORD_VERSION, SenderPolicy, SenderRule};

use super::output::safe_line;
use super::{Context, output};

/// Trust or ban senders. A pattern is an address (someone@example.org), a domain
/// (@example.org, with its subdomains) or a regular expression (/^promo-.*@/). Mail from a
/// banned sender is rejected on arrival with the ban as reason (audited, never
/// acknowledged); a trusted sender's mail is still held for moderation, flagged `trusted`.
#[derive(Debug, Args)]
pub struct Sender {
    #[command(subcommand)]
    command: SenderCommand,
}

#[derive(Debug, Subcommand)]
enum SenderCommand {
    /// Trust a sender (their mail is still held, flagged `trusted`).
    Trust {
        /// ADDRESS, @DOMAIN or /REGEX/.
        pattern: String,
        /// Why (shown in 'sender list' and the audit trail).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Ban a sender: their mail is rejected on arrival.
    Ban {
        /// ADDRESS, @DOMAIN or /REGEX/.
        pattern: String,
        /// Why (recorded on each rejected message).
        #[arg(long, required = true)]
        reason: String,
    },
    /// List the rules.
    List {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a rule.
    Remove {
        /// The pattern exactly as listed.
        pattern: String,
    },
}

#[derive(Serialize)]
struct RuleView<'a> {
    pattern: &'a str,
    policy: String,
    reason: Option<&'a str>,
    by: &'a str,
    at: String,
}

impl Sender {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        match self.command {
            SenderCommand::Trust { pattern, reason } => {
                put(ctx, &pattern, SenderPolicy::Trust, reason)
            }
            SenderCommand::Ban { pattern, reason } => {
                put(ctx, &pattern, SenderPolicy::Ban, Some(reason))
            }
            SenderCommand::List { json } => {
                let rules = ctx.session()?.store.sender_rules()?;
                if json {
                    let view: Vec<RuleView<'_>> = rules
                        .iter()
                        .map(|r| RuleView {
                            pattern: &r.pattern,
                            policy: r.policy.to_string(),
                            reason: r.reason.as_deref(),
                            by: &r.by,
                            at: r.at.to_string(),
                        })
                        .collect();
                    output::json(&view)?;
                } else if rules.is_empty() {
                    println!("no sender rules ('hubmail sender trust|ban PATTERN' adds one)");
                } else {
                    for r in &rules {
                        let invalid = hubmail::policy::SenderPattern::parse(&r.pattern)
                            .err()
                            .map(|why| format!(" — INVALID, applies to no one: {why}"))
                            .unwrap_or_default();
                        println!(
                            "{:<6} {:<40} by {} on {}{}{invalid}",
                            r.policy.to_string(),
                            safe_line(&r.pattern),
                            safe_line(&r.by),
                            r.at.strftime("%Y-%m-%d"),
                            r.reason
                                .as_deref()
                                .map(|x| format!(" — {}", safe_line(x)))
                                .unwrap_or_default()
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            SenderCommand::Remove { pattern } => {
                let session = ctx.session()?;
                let removed = hubmail::moderate::remove_sender_rule(
                    &session.store,
                    &ctx.config,
                    &pattern,
                    &ctx.moderator(),
                )?;
                if removed {
                    println!("removed the rule for {}", safe_line(&pattern));
                    Ok(ExitCode::SUCCESS)
                } else {
                    anyhow::bail!("no rule for {pattern:?}: 'hubmail sender list' shows the rules")
                }
            }
        }
    }
}

fn put(
    ctx: &Context,
    pattern: &str,
    policy: SenderPolicy,
    reason: Option<String>,
) -> anyhow::Result<ExitCode> {
    let session = ctx.session()?;
    let rule = SenderRule {
        v: RECORD_VERSION,
        pattern: pattern.trim().to_string(),
        policy,
        reason,
        by: ctx.moderator(),
        at: hubmail::clock::now(),
    };
    hubmail::moderate::put_sender_rule(&session.store, &ctx.config, &rule)?;
    println!(
        "{} {}",
        match policy {
            SenderPolicy::Trust => "trusted",
            SenderPolicy::Ban => "banned",
        },
        pattern.trim()
    );
    Ok(ExitCode::SUCCESS)
}
