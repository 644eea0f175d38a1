//! `hubmail queue`: what waits for moderation (or any other state).

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use jiff::Timestamp;

use hubmail::model::{FlagKind, Lang, QuestionRef, StakeholderType, State, Submission};

use super::output::safe_line;
use super::views::QueueRow;
use super::{Context, output};

/// List submissions: pending ones by default, oldest first, a page of 50 at a time, in a
/// table that fits the terminal (or as JSON).
#[derive(Debug, Args)]
pub struct Queue {
    /// Which state to list.
    #[arg(long, value_enum, default_value = "pending")]
    state: StateFilter,
    /// Only submissions in this language.
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    /// Only submissions answering this question (a number, SPACE:NUMBER, or none).
    #[arg(long, short)]
    question: Option<String>,
    /// Only submissions dated on or after this day (YYYY-MM-DD) or instant (RFC 3339).
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Only submissions carrying this flag (e.g. first-time-sender, spam, after-deadline).
    #[arg(long, value_name = "NAME")]
    flag: Option<String>,
    /// Only submissions from this kind of stakeholder (member-state, local-government,
    /// un-entity, intergovernmental, civil-society, private-sector, academia, individual,
    /// other, or unknown).
    #[arg(long = "type", value_name = "TYPE")]
    stakeholder: Option<String>,
    /// Order.
    #[arg(long, value_enum, default_value = "oldest")]
    sort: SortOrder,
    /// How many to list (0: all of them).
    #[arg(long, default_value_t = 50, value_name = "N")]
    limit: usize,
    /// Skip this many first (the next page: --offset 50).
    #[arg(long, default_value_t = 0, value_name = "N")]
    offset: usize,
    /// List campaigns instead: texts sent, nearly the same, by several senders
    /// ([campaigns] similarity, min_senders), among the submissions in --state.
    #[arg(long, conflicts_with = "translations")]
    group: bool,
    /// List the contributions sent in several languages instead: pairs of versions from
    /// one sender that translate each other ([translations] window_hours, min_score).
    #[arg(long)]
    translations: bool,
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

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SortOrder {
    /// Oldest first (first in, first reviewed).
    Oldest,
    /// Newest first.
    Newest,
}

impl StateFilter {
    /// The one state listed, or `None` for all.
    fn only(self) -> Option<State> {
        match self {
            StateFilter::Pending => Some(State::Pending),
            StateFilter::Approved => Some(State::Approved),
            StateFilter::Rejected => Some(State::Rejected),
            StateFilter::Ignored => Some(State::Ignored),
            StateFilter::Quarantined => Some(State::Quarantined),
            StateFilter::All => None,
        }
    }

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

    fn name(self) -> &'static str {
        match self {
            StateFilter::Pending => "pending",
            StateFilter::Approved => "approved",
            StateFilter::Rejected => "rejected",
            StateFilter::Ignored => "ignored",
            StateFilter::Quarantined => "quarantined",
            StateFilter::All => "",
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

/// Parses a stakeholder type, or "unknown" (none).
pub fn parse_type(text: &str) -> anyhow::Result<Option<StakeholderType>> {
    if text.trim().eq_ignore_ascii_case("unknown") {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|e: String| anyhow::anyhow!("{e}, or unknown"))
}

/// Parses `YYYY-MM-DD` (start of that day, UTC) or an RFC 3339 instant.
pub fn parse_since(text: &str) -> anyhow::Result<Timestamp> {
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts);
    }
    let date: jiff::civil::Date = text.parse().map_err(|_| {
        anyhow::anyhow!(
            "--since {text:?}: give a day like 2022-01-31 or an instant like 2022-01-31T09:00:00Z"
        )
    })?;
    Ok(date.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp())
}

struct Filter {
    state: StateFilter,
    lang: Option<Lang>,
    question: Option<Option<QuestionRef>>,
    since: Option<Timestamp>,
    flag: Option<FlagKind>,
    stakeholder: Option<Option<StakeholderType>>,
}

impl Filter {
    /// Whether the filter is the state alone (the listing then needs no scan).
    fn state_only(&self) -> bool {
        self.lang.is_none()
            && self.question.is_none()
            && self.since.is_none()
            && self.flag.is_none()
            && self.stakeholder.is_none()
    }

    fn admits(&self, s: &Submission) -> bool {
        self.state.admits(s.state)
            && self.lang.is_none_or(|l| s.lang == Some(l))
            && self.question.as_ref().is_none_or(|q| s.question == *q)
            && self.since.is_none_or(|t| s.date() >= t)
            && self.flag.is_none_or(|f| s.has_flag(f))
            && self
                .stakeholder
                .is_none_or(|t| s.author.stakeholder.as_ref().map(|x| x.kind) == t)
    }
}

impl Queue {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        if self.group || self.translations {
            let states: Vec<State> = match self.state.only() {
                Some(state) => vec![state],
                None => vec![State::Pending, State::Approved, State::Rejected],
            };
            if self.group {
                super::campaigns::list(ctx, &states, self.json)?;
            } else {
                super::campaigns::translations(ctx, &states, self.json)?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        let flag = match &self.flag {
            Some(name) => Some(FlagKind::parse(name).ok_or_else(|| {
                anyhow::anyhow!(
                    "--flag {name:?} is not a flag; flags are spam, auth-fail, first-time-sender, \
                     after-deadline, attachment-too-large, lang-undetermined, \
                     unsupported-language, mixed-language, trusted, no-reply, needs-ocr"
                )
            })?),
            None => None,
        };
        let filter = Filter {
            state: self.state,
            lang: self.lang.map(Lang::from),
            question: match &self.question {
                Some(q) => Some(
                    hubmail::moderate::parse_question(&ctx.config, q)
                        .map_err(anyhow::Error::msg)?,
                ),
                None => None,
            },
            since: self.since.as_deref().map(parse_since).transpose()?,
            flag,
            stakeholder: self.stakeholder.as_deref().map(parse_type).transpose()?,
        };
        let newest_first = matches!(self.sort, SortOrder::Newest);
        let limit = if self.limit == 0 {
            usize::MAX
        } else {
            self.limit
        };
        let session = ctx.session()?;
        let store = &session.store;
        // One state and no other filter: read just the page, in order, and the kept count.
        // Otherwise scan the rows (not the whole records) and count what matches.
        let (rows, total) = match self.state.only() {
            Some(state) if filter.state_only() => {
                let rows = store
                    .listing(Some(state), newest_first)
                    .skip(self.offset)
                    .take(limit)
                    .collect::<hubmail::Result<Vec<_>>>()?;
                (rows, store.count_in_state(state)? as usize)
            }
            only => {
                let mut rows = Vec::new();
                for s in store.listing(only, false) {
                    let s = s?;
                    if filter.admits(&s) {
                        rows.push(s);
                    }
                }
                rows.sort_by_key(|s| (s.received, s.id));
                if newest_first {
                    rows.reverse();
                }
                let total = rows.len();
                let rows: Vec<Submission> =
                    rows.into_iter().skip(self.offset).take(limit).collect();
                (rows, total)
            }
        };
        drop(session);
        if rows.len() < total.saturating_sub(self.offset) || (self.offset > 0 && total > 0) {
            let (from, to) = (self.offset + 1, self.offset + rows.len());
            eprintln!(
                "{} shown of {total}{}; --offset {to} for the next page, --limit 0 for all",
                if rows.is_empty() {
                    "none".to_string()
                } else {
                    format!("{from}–{to}")
                },
                match self.state.name() {
                    "" => String::new(),
                    name => format!(" {name}"),
                },
            );
        }
        if self.json {
            let view: Vec<QueueRow<'_>> = rows.iter().map(QueueRow::new).collect();
            output::json(&view)?;
            return Ok(ExitCode::SUCCESS);
        }
        let mut out = std::io::stdout().lock();
        if rows.is_empty() {
            let what = self.state.name();
            writeln!(
                out,
                "no {}submissions match{}",
                if what.is_empty() {
                    String::new()
                } else {
                    format!("{what} ")
                },
                if matches!(self.state, StateFilter::Pending) {
                    " — nothing waits for moderation ('hubmail ingest' brings mail in)"
                } else {
                    ""
                }
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        let required = ctx.config.moderation.approvals_required;
        print_table(
            &mut out,
            &rows,
            matches!(self.state, StateFilter::All),
            required,
        )?;
        Ok(ExitCode::SUCCESS)
    }
}

fn print_table(
    out: &mut dyn Write,
    rows: &[Submission],
    with_state: bool,
    approvals_required: u32,
) -> std::io::Result<()> {
    let width = output::width();
    let color = output::color();
    let id_w = rows
        .iter()
        .map(|s| s.id.0.to_string().len())
        .max()
        .unwrap_or(2)
        .max(2);
    let state_w = if with_state { 12 } else { 0 };
    let quorum = approvals_required > 1;
    let appr_w = if quorum { 5 } else { 0 };
    let fixed = id_w + 1 + 10 + 1 + 3 + 1 + 4 + 1 + state_w + appr_w;
    let rest = width.saturating_sub(fixed).max(30);
    let author_w = (rest / 3).clamp(10, 30);
    let subject_w = rest.saturating_sub(author_w + 1).max(10);
    let header = format!(
        "{:>id_w$} {:<10} {:<3} {:<4} {}{}{} SUBJECT [FLAGS]",
        "ID",
        "DATE",
        "LNG",
        "Q",
        if with_state {
            format!("{:<11} ", "STATE")
        } else {
            String::new()
        },
        if quorum { "APPR " } else { "" },
        output::fit("AUTHOR", author_w),
    );
    writeln!(out, "{}", output::paint(&header, "1", color))?;
    for s in rows {
        let author = match &s.author.affiliation {
            Some(a) => format!("{} ({})", safe_line(&s.author.name), safe_line(a)),
            None => safe_line(&s.author.name).into_owned(),
        };
        let mut subject = if s.subject.is_empty() {
            "(no subject)".to_string()
        } else {
            safe_line(&s.subject).into_owned()
        };
        let notes: Vec<String> = s.flags.iter().map(|f| f.kind.to_string()).collect();
        let approvals = if !quorum {
            String::new()
        } else if s.state == State::Pending {
            format!(
                "{:<4} ",
                format!("{}/{}", s.approvals.len(), approvals_required)
            )
        } else {
            "     ".to_string()
        };
        if !notes.is_empty() {
            subject = format!("{subject} [{}]", notes.join(", "));
        }
        if let (false, Some(reason)) = (s.state == State::Pending, &s.reason) {
            subject = format!("{subject} — {}", safe_line(reason));
        }
        let state = if with_state {
            let code = match s.state {
                State::Pending => "33",
                State::Approved => "32",
                State::Rejected => "31",
                State::Ignored => "2",
                State::Quarantined => "35",
            };
            format!(
                "{} ",
                output::paint(&format!("{:<11}", s.state.as_str()), code, color)
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "{:>id_w$} {:<10} {:<3} {:<4} {}{}{} {}",
            s.id.0,
            s.date().strftime("%Y-%m-%d").to_string(),
            s.lang.map_or("?", |l| l.code()),
            s.question
                .as_ref()
                .map_or("-".to_string(), |q| format!("Q{}", q.number)),
            state,
            approvals,
            output::fit(&author, author_w),
            output::truncate(&subject, subject_w),
        )?;
    }
    Ok(())
}
