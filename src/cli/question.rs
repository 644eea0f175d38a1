//! `hubmail question add|list`: the discussion questions, those of the config and those
//! moderators add.

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde::Serialize;

use hubmail::model::{Lang, SubmissionId};
use hubmail::moderate::{self, NewQuestion};

use super::output::safe_line;
use super::{Context, output};

/// The discussion questions: list them, or add one (a participant's own question promoted
/// with --from ID, or new titles per language). An added question is kept in the store,
/// numbered after the space's others, routed like the config's (by number, title and
/// replies to the mail that posed it), published, and audited.
#[derive(Debug, Args)]
pub struct Question {
    #[command(subcommand)]
    command: QuestionCommand,
}

#[derive(Debug, Subcommand)]
enum QuestionCommand {
    /// Add a question.
    Add {
        /// Promote this contribution's question: its subject is the title (in its
        /// language) unless titles are given, and replies to its mail answer the question.
        #[arg(long, value_name = "ID")]
        from: Option<u64>,
        /// The title in English.
        #[arg(long, value_name = "TITLE")]
        en: Option<String>,
        /// The title in French.
        #[arg(long, value_name = "TITLE")]
        fr: Option<String>,
        /// The title in Spanish.
        #[arg(long, value_name = "TITLE")]
        es: Option<String>,
        /// The discussion space [default: the contribution's, else the first].
        #[arg(long, value_name = "ID")]
        space: Option<String>,
        /// Print the question added as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List every space's questions, saying which were added and by whom.
    List {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct QuestionView<'a> {
    space: &'a str,
    number: u32,
    title: &'a BTreeMap<Lang, String>,
    /// "config", or the moderator who added it.
    added_by: Option<&'a str>,
    from: Option<SubmissionId>,
    at: Option<String>,
}

impl Question {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        match self.command {
            QuestionCommand::Add {
                from,
                en,
                fr,
                es,
                space,
                json,
            } => {
                let titles = [(Lang::En, en), (Lang::Fr, fr), (Lang::Es, es)]
                    .into_iter()
                    .filter_map(|(l, t)| t.map(|t| (l, t)))
                    .collect();
                let session = ctx.session()?;
                let added = moderate::add_question(
                    &session.store,
                    &ctx.config,
                    NewQuestion {
                        space,
                        titles,
                        from: from.map(SubmissionId),
                    },
                    &ctx.moderator(),
                    hubmail::clock::now(),
                )?;
                session.store.flush()?;
                super::publish::after_decision(ctx, &session.store);
                if json {
                    output::json(&QuestionView {
                        space: &added.space,
                        number: added.number,
                        title: &added.title,
                        added_by: Some(&added.by),
                        from: added.from,
                        at: Some(added.at.to_string()),
                    })?;
                    return Ok(ExitCode::SUCCESS);
                }
                let title = added.title.values().next().map_or("", String::as_str);
                println!(
                    "added question {}:{}: {}",
                    added.space,
                    added.number,
                    safe_line(title)
                );
                if let Some(id) = added.from {
                    println!(
                        "#{id} stays where it is; replies to it now answer question {} \
                         ('hubmail assign {id} -q {}:{}' moves it there too)",
                        added.number, added.space, added.number
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            QuestionCommand::List { json } => {
                let session = ctx.session()?;
                let added = session.store.added_questions()?;
                let config = ctx.config.with_added_questions(&added);
                let when = |space: &str, n: u32| {
                    added
                        .iter()
                        .find(|a| a.space == space && a.number == n)
                        .map(|a| (a.from, a.at.to_string()))
                };
                let mut views = Vec::new();
                for space in &config.spaces {
                    for q in &space.questions {
                        let (from, at) = when(&space.id, q.number).unzip();
                        views.push(QuestionView {
                            space: &space.id,
                            number: q.number,
                            title: &q.title,
                            added_by: q.added_by.as_deref(),
                            from: from.flatten(),
                            at,
                        });
                    }
                }
                if json {
                    output::json(&views)?;
                    return Ok(ExitCode::SUCCESS);
                }
                if views.is_empty() {
                    println!(
                        "no questions declared or added (a space without questions accepts any \
                         number); 'hubmail question add --en TITLE' adds one"
                    );
                }
                for v in &views {
                    let titles: Vec<String> = v
                        .title
                        .iter()
                        .map(|(l, t)| format!("[{l}] {}", safe_line(t)))
                        .collect();
                    let origin = match (v.added_by, v.from) {
                        (None, _) => String::new(),
                        (Some(by), Some(id)) => format!(" (added by {} from #{id})", safe_line(by)),
                        (Some(by), None) => format!(" (added by {})", safe_line(by)),
                    };
                    println!("{}:{}{origin}  {}", v.space, v.number, titles.join("  "));
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    }
}
