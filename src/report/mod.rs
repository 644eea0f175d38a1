//! The consultation in figures (`hubmail report`, and the published site's figures page):
//! the approved contributions per question and language, per stakeholder type, per week,
//! the Global Compact objectives they name most, and how moderation went. The figures are
//! plain data (the report's JSON); [`charts`] draws them as SVG, [`page`] lays them out
//! as one HTML page that needs no JavaScript and prints.

pub mod charts;
pub mod page;
mod words;

pub use words::Words;

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use crate::config::Config;
use crate::model::{Lang, StakeholderType, State, Submission};

/// How many objectives the report ranks.
const TOP_OBJECTIVES: usize = 10;

/// A question's contributions per language.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionCount {
    /// The space.
    pub space: String,
    /// The question's number; none for the general section.
    pub question: Option<u32>,
    /// The question's title in each language it has.
    pub title: BTreeMap<Lang, String>,
    /// Contributions per language (`undetermined` without one), in EN, FR, ES order.
    pub by_lang: BTreeMap<String, usize>,
    /// All of them.
    pub total: usize,
}

/// A count with what it counts.
#[derive(Debug, Clone, Serialize)]
pub struct Count<K> {
    /// What is counted.
    pub key: K,
    /// How many.
    pub count: usize,
}

/// How moderation went (the moderators' report only).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Moderation {
    /// Contributions received (pending, approved and rejected).
    pub received: usize,
    /// Waiting for a decision.
    pub pending: usize,
    /// Approved.
    pub approved: usize,
    /// Rejected.
    pub rejected: usize,
    /// The median time from receipt to a moderator's decision, in hours.
    pub median_hours_to_decision: Option<f64>,
}

/// The figures of a report: its JSON, field for field.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// The space reported on; none for the whole consultation.
    pub space: Option<String>,
    /// Approved contributions counted.
    pub contributions: usize,
    /// Per question, per language.
    pub by_question: Vec<QuestionCount>,
    /// Per stakeholder type (`unknown` without one), in the page's order of types.
    pub by_type: Vec<Count<String>>,
    /// Per week of the consultation (the Monday that starts it), every week from the
    /// first contribution's to the last's, empty ones too.
    pub by_week: Vec<Count<String>>,
    /// The Global Compact objectives named most, most named first (at most ten).
    pub objectives: Vec<Count<u8>>,
    /// Versions in other languages of the contributions counted, counted with them.
    pub versions: usize,
    /// Campaigns among the approved contributions (the same text from many senders):
    /// each counted here once, with its letters and senders.
    pub campaigns: Vec<crate::campaign::Campaign>,
    /// How moderation went; none in the public figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moderation: Option<Moderation>,
}

/// Whether the figures are the public ones (approved contributions only) or the
/// moderators' (with how moderation went).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// What the site may show.
    Public,
    /// With the moderation figures.
    Moderators,
}

/// The figures of the submissions given (of `space`, when given), counting approved
/// contributions; the moderation figures count pending and rejected ones too, and the
/// time from receipt to the decision of those a moderator decided (not the pipeline's
/// automatic approvals).
pub fn figures(
    config: &Config,
    submissions: &[&Submission],
    space: Option<&str>,
    scope: Scope,
) -> Figures {
    let mine: Vec<&Submission> = submissions
        .iter()
        .copied()
        .filter(|s| space.is_none_or(|id| config.space_showing(s.question.as_ref()).id == id))
        .collect();
    let approved: Vec<&Submission> = mine
        .iter()
        .copied()
        .filter(|s| s.state == State::Approved)
        .collect();
    // A contribution sent in several languages counts once, as its lead.
    let versions = crate::translation::leads_among(&approved);
    let approved: Vec<&Submission> = approved
        .into_iter()
        .filter(|s| !versions.contains_key(&s.id))
        .collect();

    let mut questions: BTreeMap<(usize, u32, String), QuestionCount> = BTreeMap::new();
    for s in &approved {
        let shown = config.space_showing(s.question.as_ref());
        let number = s
            .question
            .as_ref()
            .filter(|q| q.space == shown.id)
            .map(|q| q.number);
        let order = config
            .spaces
            .iter()
            .position(|x| x.id == shown.id)
            .unwrap_or(usize::MAX);
        let entry = questions
            .entry((order, number.unwrap_or(u32::MAX), shown.id.clone()))
            .or_insert_with(|| QuestionCount {
                space: shown.id.clone(),
                question: number,
                title: number
                    .and_then(|n| shown.question(n))
                    .map(|q| q.title.clone())
                    .unwrap_or_default(),
                by_lang: BTreeMap::new(),
                total: 0,
            });
        *entry.by_lang.entry(lang_key(s.lang).into()).or_default() += 1;
        entry.total += 1;
    }

    let mut types: BTreeMap<Option<StakeholderType>, usize> = BTreeMap::new();
    let mut weeks: BTreeMap<Date, usize> = BTreeMap::new();
    let mut objectives: BTreeMap<u8, usize> = BTreeMap::new();
    for s in &approved {
        *types
            .entry(s.author.stakeholder.as_ref().map(|t| t.kind))
            .or_default() += 1;
        *weeks.entry(week_of(s)).or_default() += 1;
        for o in &s.objectives {
            *objectives.entry(*o).or_default() += 1;
        }
    }
    let by_type = StakeholderType::ALL
        .iter()
        .copied()
        .map(Some)
        .chain([None])
        .filter_map(|t| {
            types.get(&t).map(|n| Count {
                key: t.map_or("unknown", StakeholderType::as_str).to_string(),
                count: *n,
            })
        })
        .collect();
    let mut by_week = Vec::new();
    if let (Some((first, _)), Some((last, _))) = (weeks.first_key_value(), weeks.last_key_value()) {
        let mut week = *first;
        while week <= *last {
            by_week.push(Count {
                key: week.to_string(),
                count: weeks.get(&week).copied().unwrap_or(0),
            });
            match week.checked_add(jiff::Span::new().days(7)) {
                Ok(next) => week = next,
                Err(_) => break,
            }
        }
    }
    let mut ranked: Vec<Count<u8>> = objectives
        .into_iter()
        .map(|(key, count)| Count { key, count })
        .collect();
    ranked.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    ranked.truncate(TOP_OBJECTIVES);

    let texts: Vec<crate::campaign::Text<'_>> = approved
        .iter()
        .map(|s| crate::campaign::Text::of(s))
        .collect();
    let campaigns = crate::campaign::campaigns(&texts, &config.campaigns);
    Figures {
        space: space.map(str::to_string),
        campaigns,
        versions: versions.len(),
        contributions: approved.len(),
        by_question: questions.into_values().collect(),
        by_type,
        by_week,
        objectives: ranked,
        moderation: (scope == Scope::Moderators).then(|| moderation(&mine)),
    }
}

fn moderation(mine: &[&Submission]) -> Moderation {
    let mut m = Moderation::default();
    let mut waits = Vec::new();
    for s in mine {
        match s.state {
            State::Pending => m.pending += 1,
            State::Approved => m.approved += 1,
            State::Rejected => m.rejected += 1,
            State::Ignored | State::Quarantined => continue,
        }
        m.received += 1;
        if let Some(d) = &s.decision
            && d.moderator != crate::ingest::PIPELINE_ACTOR
            && matches!(s.state, State::Approved | State::Rejected)
        {
            waits.push((d.at.as_second() - s.received.as_second()) as f64 / 3600.0);
        }
    }
    m.median_hours_to_decision =
        crate::stats::median(&mut waits).map(|h| (h * 100.0).round() / 100.0);
    m
}

/// A language's key in the counts.
pub fn lang_key(lang: Option<Lang>) -> &'static str {
    lang.map_or("undetermined", Lang::code)
}

/// The Monday of the week a submission was written in (UTC).
fn week_of(s: &Submission) -> Date {
    let day = s.date().to_zoned(jiff::tz::TimeZone::UTC).date();
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(jiff::Span::new().days(back)).unwrap_or(day)
}

/// What `hubmail report` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    /// The folder.
    pub out: std::path::PathBuf,
    /// The files in it.
    pub files: Vec<String>,
    /// Approved contributions counted.
    pub contributions: usize,
}

/// Writes the moderators' report of the store (of `space`, when given) into `out`: the
/// page (`index.html`), its figures (`figures.json`) and each chart as an SVG file, in
/// `lang`'s words.
pub fn write(
    store: &crate::store::Store,
    config: &Config,
    space: Option<&str>,
    lang: Lang,
    out: &std::path::Path,
) -> crate::Result<Written> {
    use crate::Error;
    if let Some(id) = space
        && config.space(id).is_none()
    {
        return Err(Error::Refused(format!(
            "no space {id:?} in the configuration"
        )));
    }
    let config = &*config.with_added_questions(&store.added_questions()?);
    let submissions = store.submissions().collect::<crate::Result<Vec<_>>>()?;
    let all: Vec<&Submission> = submissions.iter().collect();
    let f = figures(config, &all, space, Scope::Moderators);
    let w = Words::of(lang);
    let charts = page::Charts::draw(&f, &w)?;
    let title = match space.and_then(|id| config.space(id)) {
        Some(s) => s.title_in(lang).to_string(),
        None => config
            .spaces
            .iter()
            .map(|s| s.title_in(lang))
            .collect::<Vec<_>>()
            .join(" · "),
    };
    std::fs::create_dir_all(out).map_err(|e| Error::io("creating", out, e))?;
    let json = serde_json::to_string_pretty(&f)
        .map_err(|e| Error::Setup(format!("serialising the figures: {e}")))?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (
            "index.html".into(),
            page::standalone(&title, &f, &w, &charts).into_bytes(),
        ),
        ("figures.json".into(), format!("{json}\n").into_bytes()),
    ];
    for (name, svg) in charts.files() {
        files.push((name.into(), svg.as_bytes().to_vec()));
    }
    for (name, bytes) in &files {
        let path = out.join(name);
        let partial = out.join(format!(".{name}.partial"));
        std::fs::write(&partial, bytes).map_err(|e| Error::io("writing", &partial, e))?;
        std::fs::rename(&partial, &path).map_err(|e| Error::io("renaming", &partial, e))?;
    }
    Ok(Written {
        out: out.to_path_buf(),
        files: files.into_iter().map(|(n, _)| n).collect(),
        contributions: f.contributions,
    })
}

#[cfg(test)]
mod tests {
    use super::{Scope, Words, figures, page::Charts};
    use crate::config::Config;
    use crate::model::{Lang, State, Submission};

    #[test]
    fn no_contribution_draws_empty_charts_and_a_week_holds_monday_to_sunday() {
        let config = Config::embedded();
        let f = figures(&config, &[], None, Scope::Moderators);
        assert_eq!(f.contributions, 0);
        for lang in Lang::ALL {
            assert!(Charts::draw(&f, &Words::of(lang)).is_ok());
        }
        let mut monday = Submission::example(State::Approved);
        monday.received = "2022-02-01T00:00:00Z".parse().expect("instant");
        monday.headers.date = Some("2022-01-10T08:00:00Z".parse().expect("instant"));
        let mut sunday = monday.clone();
        sunday.headers.date = Some("2022-01-16T23:00:00Z".parse().expect("instant"));
        let mut next = monday.clone();
        next.headers.date = Some("2022-01-31T00:00:00Z".parse().expect("instant"));
        let f = figures(&config, &[&monday, &sunday, &next], None, Scope::Public);
        let weeks: Vec<(&str, usize)> = f
            .by_week
            .iter()
            .map(|c| (c.key.as_str(), c.count))
            .collect();
        assert_eq!(
            weeks,
            [
                ("2022-01-10", 2),
                ("2022-01-17", 0),
                ("2022-01-24", 0),
                ("2022-01-31", 1)
            ]
        );
        assert!(f.moderation.is_none(), "nothing of moderation in public");
    }
}
