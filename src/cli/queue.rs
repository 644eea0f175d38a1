//! `hubmail queue`: what waits for moderation (or any other state).

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use hubmail::model::{Lang, State, Submission};

use super::views::QueueRow;
use super::{Context, output};

/// List submissions: pending ones by default, oldest first.
#[derive(Debug, Args)]
pub struct Queue {
    /// Which state to list.
    #[arg(long, value_enum, default_value = "pending")]
    state: StateFilter,
    /// Only submissions in this language.
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StateFilter {
    Pending,
    Approved,
    Rejected,
    Ignored,
    Quarantined,
    All,
}

impl StateFilter {
    fn admits(self, state: State) -> bool {
        match self {
            StateFilter::Pending => state == State::Pending,
            StateFilter::Approved => state == State::Approved,
            StateFilter::Rejected => state == State::Rejected,
            StateFilter::Ignored => state == State::Ignored,
            StateFilter::Quarantined => state == State::Quarantined,
            StateFilter::All => true,
        }
    }
}

/// A language on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    En,
    Fr,
    Es,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::En => Lang::En,
            LangArg::Fr => Lang::Fr,
            LangArg::Es => Lang::Es,
        }
    }
}

impl Queue {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let session = ctx.session()?;
        let lang = self.lang.map(Lang::from);
        let mut rows: Vec<Submission> = Vec::new();
        for s in session.store.submissions() {
            let s = s?;
            if self.state.admits(s.state) && (lang.is_none() || s.lang == lang) {
                rows.push(s);
            }
        }
        drop(session);
        rows.sort_by_key(|s| (s.received, s.id));
        if self.json {
            let view: Vec<QueueRow<'_>> = rows.iter().map(QueueRow::new).collect();
            output::json(&view)?;
            return Ok(ExitCode::SUCCESS);
        }
        let mut out = std::io::stdout().lock();
        if rows.is_empty() {
            writeln!(
                out,
                "no {} submissions{}",
                format!("{:?}", self.state).to_lowercase(),
                if matches!(self.state, StateFilter::Pending) {
                    " — the queue is empty ('hubmail ingest' brings mail in)"
                } else {
                    ""
                }
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        print_table(&mut out, &rows, matches!(self.state, StateFilter::All))?;
        Ok(ExitCode::SUCCESS)
    }
}

fn print_table(out: &mut dyn Write, rows: &[Submission], with_state: bool) -> std::io::Result<()> {
    let width = output::width();
    let fixed = 5 + 1 + 10 + 1 + 3 + 1 + 4 + 1 + if with_state { 12 } else { 0 };
    let rest = width.saturating_sub(fixed).max(30);
    let author_w = (rest / 3).clamp(12, 28);
    let subject_w = rest.saturating_sub(author_w + 1).max(10);
    let bold = output::color();
    let header = format!(
        "{:>5} {:<10} {:<3} {:<4} {}{:<aw$} {}",
        "ID",
        "DATE",
        "LNG",
        "Q",
        if with_state {
            format!("{:<11} ", "STATE")
        } else {
            String::new()
        },
        "AUTHOR",
        "SUBJECT [FLAGS]",
        aw = author_w
    );
    if bold {
        writeln!(out, "\x1b[1m{header}\x1b[0m")?;
    } else {
        writeln!(out, "{header}")?;
    }
    for s in rows {
        let author = match &s.author.affiliation {
            Some(a) => format!("{} ({a})", s.author.name),
            None => s.author.name.clone(),
        };
        let flags: Vec<&str> = s.flags.iter().map(|f| f.kind.as_str()).collect();
        let mut subject = if s.subject.is_empty() {
            "(no subject)".to_string()
        } else {
            s.subject.clone()
        };
        if !flags.is_empty() {
            subject = format!("{subject} [{}]", flags.join(", "));
        }
        if let (false, Some(reason)) = (s.state == State::Pending, &s.reason) {
            subject = format!("{subject} — {reason}");
        }
        writeln!(
            out,
            "{:>5} {:<10} {:<3} {:<4} {}{:<aw$} {}",
            s.id.0,
            s.date().strftime("%Y-%m-%d").to_string(),
            s.lang.map_or("?", |l| l.code()),
            s.question
                .as_ref()
                .map_or("-".to_string(), |q| format!("Q{}", q.number)),
            if with_state {
                format!("{:<11} ", s.state.as_str())
            } else {
                String::new()
            },
            output::truncate(&author, author_w),
            output::truncate(&subject, subject_w),
            aw = author_w
        )?;
    }
    Ok(())
}
