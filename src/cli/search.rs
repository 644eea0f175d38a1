//! `hubmail search`: full-text search of contributions in English, French and Spanish.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use serde::Serialize;

use hubmail::index::{Hit, SearchIndex, SearchRequest, Sort, SpaceScope};

use super::output::safe_line;
use super::{Context, output};

const QUERY_HELP: &str = "\
Query language (as in notmuch and public-inbox):
  remittances                 a word, in every language (stemmed, accents ignored)
  \"diaspora bonds\"            a phrase
  a AND b, a b, a OR b, NOT a, -a, ( … )
  from:NAME  author:NAME  affiliation:ORG  subject:WORD  body:WORD
  lang:en|fr|es   q:2 | q:none   objective:20   has:attachment   attachment:FILENAME
  in:body | in:attachment     where the words beside it are looked for (default: both,
                              attachments' text ranked below the message's own)
  type:member-state|local-government|un-entity|intergovernmental|civil-society|
       private-sector|academia|individual|other|unknown
  date:2022-02-15  date:2022-02  date:2022-01-01..2022-02-15  date:..2022-02-15
  state:pending|approved|rejected|ignored|quarantined   (with --all)
A query that starts with '-' goes after '--': hubmail search --json -- -lang:en remesas
Saved searches: queries/NAME.query, run with --saved NAME (--list-saved lists them).";

/// Search contributions. Public by default: only approved contributions, sender addresses
/// not searchable. --all (moderators) searches every state and allows state: and addresses.
#[derive(Debug, Args)]
#[command(after_help = QUERY_HELP)]
pub struct Search {
    /// The query (several words are joined; quote phrases for the shell: '"a b"').
    #[arg(required_unless_present_any = ["saved", "list_saved"])]
    query: Vec<String>,
    /// Run the saved search queries/NAME.query (extra words narrow it).
    #[arg(long, value_name = "NAME")]
    saved: Option<String>,
    /// List the saved searches.
    #[arg(long)]
    list_saved: bool,
    /// Moderators: every state, state: and sender addresses.
    #[arg(long)]
    all: bool,
    /// How many results.
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Skip this many results (for the next page).
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// relevance, date (oldest first) or -date (newest first).
    #[arg(long, default_value = "relevance", allow_hyphen_values = true, value_parser = ["relevance", "date", "-date"])]
    sort: String,
    /// Print only the number of matches.
    #[arg(long)]
    count: bool,
    /// Also count matches by language, stakeholder type, question, objective and state.
    #[arg(long)]
    facets: bool,
    /// Only this discussion space's contributions.
    #[arg(long, value_name = "SPACE")]
    space: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct SavedQuery {
    name: String,
    about: String,
    query: String,
}

/// Reads `DIR/NAME.query`: `#` lines are comments (the first says what it is for), the
/// other lines are the query.
fn read_saved(path: &Path) -> anyhow::Result<(String, String)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut about = String::new();
    let mut query = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix('#') {
            if about.is_empty() {
                about = comment.trim().to_string();
            }
        } else if !line.is_empty() {
            query.push(line);
        }
    }
    Ok((about, query.join(" ")))
}

fn list_saved(dir: &Path) -> anyhow::Result<Vec<SavedQuery>> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).with_context(|| {
        format!(
            "no saved searches folder {} (set [search] saved_queries in the config)",
            dir.display()
        )
    })?;
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "query") {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let (about, query) = read_saved(&path)?;
            out.push(SavedQuery { name, about, query });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

impl Search {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let dir = &ctx.config.search.saved_queries;
        if self.list_saved {
            let saved = list_saved(dir)?;
            if self.json {
                output::json(&saved)?;
            } else {
                for s in &saved {
                    println!("{:<24} {}\n{:<24} {}", s.name, s.about, "", s.query);
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        let mut query = self.query.join(" ");
        if let Some(name) = &self.saved {
            let path = dir.join(format!("{name}.query"));
            if !path.exists() {
                let names: Vec<String> = list_saved(dir)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| s.name)
                    .collect();
                anyhow::bail!(
                    "no saved search {name:?} in {}; saved searches: {}",
                    dir.display(),
                    if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    }
                );
            }
            let (_, saved) = read_saved(&path)?;
            query = if query.trim().is_empty() {
                saved
            } else {
                format!("({saved}) {query}")
            };
        }
        if let Some(space) = &self.space
            && ctx.config.space(space).is_none()
        {
            anyhow::bail!(
                "no space {:?} in the configuration; spaces: {}",
                safe_line(space),
                ctx.config
                    .spaces
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let request = SearchRequest {
            query: query.clone(),
            moderator: self.all,
            limit: if self.count { 0 } else { self.limit },
            offset: self.offset,
            sort: match self.sort.as_str() {
                "date" => Sort::DateAscending,
                "-date" => Sort::DateDescending,
                _ => Sort::Relevance,
            },
            facets: self.facets,
            space: self.space.as_deref().map(|space| {
                SpaceScope::of(space, ctx.config.spaces.iter().map(|s| s.id.as_str()))
            }),
        };
        // Searching needs no store: only when the index is missing or of an older schema
        // is the store opened, which rebuilds it.
        let results = match SearchIndex::open_existing(&ctx.data_dir)? {
            Some(index) => index.search(&request)?,
            None => ctx.session()?.index.search(&request)?,
        };
        let mut out = std::io::stdout().lock();
        if self.count {
            if self.json {
                output::json(&serde_json::json!({ "count": results.total }))?;
            } else {
                writeln!(out, "{}", results.total)?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        if self.json {
            if self.facets {
                output::json(&results)?;
            } else {
                output::json(&results.hits)?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        let color = output::color();
        let shown_from = if results.hits.is_empty() {
            0
        } else {
            self.offset + 1
        };
        writeln!(
            out,
            "{} match{} for {}{}",
            results.total,
            if results.total == 1 { "" } else { "es" },
            safe_line(&query),
            if results.hits.is_empty() {
                String::new()
            } else {
                format!(
                    " (showing {}–{})",
                    shown_from,
                    self.offset + results.hits.len()
                )
            }
        )?;
        for hit in &results.hits {
            print_hit(&mut out, hit, color)?;
        }
        if results.total > self.offset + results.hits.len() && !results.hits.is_empty() {
            writeln!(out, "\nmore: --offset {}", self.offset + results.hits.len())?;
        }
        if let Some(f) = &results.facets {
            writeln!(out)?;
            let join = |m: Vec<String>| {
                if m.is_empty() {
                    "-".to_string()
                } else {
                    m.join(", ")
                }
            };
            writeln!(
                out,
                "by language:  {}",
                join(f.lang.iter().map(|(k, v)| format!("{k} {v}")).collect())
            )?;
            writeln!(
                out,
                "by type:      {}",
                join(
                    f.stakeholder
                        .iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect()
                )
            )?;
            writeln!(
                out,
                "by question:  {}",
                join(f.question.iter().map(|(k, v)| format!("{k} {v}")).collect())
            )?;
            writeln!(
                out,
                "by objective: {}",
                join(
                    f.objective
                        .iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect()
                )
            )?;
            writeln!(
                out,
                "by state:     {}",
                join(f.state.iter().map(|(k, v)| format!("{k} {v}")).collect())
            )?;
        }
        Ok(ExitCode::SUCCESS)
    }
}

fn print_hit(out: &mut dyn Write, hit: &Hit, color: bool) -> std::io::Result<()> {
    let author = match &hit.affiliation {
        Some(a) => format!("{} ({})", safe_line(&hit.author), safe_line(a)),
        None => safe_line(&hit.author).into_owned(),
    };
    let question = hit.question.map_or("-".to_string(), |q| format!("Q{q}"));
    writeln!(
        out,
        "\n{}  {}  {}  {:<3} {}{}",
        output::paint(&format!("#{}", hit.id), "1", color),
        hit.date.strftime("%Y-%m-%d"),
        hit.lang,
        question,
        author,
        if hit.state == "approved" {
            String::new()
        } else {
            format!("  [{}]", hit.state)
        }
    )?;
    writeln!(
        out,
        "    {}",
        output::paint(&safe_line(&hit.subject), "1", color)
    )?;
    let mut snippet = String::new();
    // Escaping maps each character to one, so the highlights' offsets still hold.
    let chars: Vec<char> = safe_line(&hit.snippet).chars().collect();
    let mut pos = 0;
    for (start, end) in &hit.highlights {
        let (start, end) = ((*start).min(chars.len()), (*end).min(chars.len()));
        if start < pos {
            continue;
        }
        snippet.extend(&chars[pos..start]);
        let word: String = chars[start..end].iter().collect();
        snippet.push_str(&output::paint(&word, "1", color));
        pos = end;
    }
    snippet.extend(&chars[pos..]);
    if let Some(file) = &hit.snippet_file {
        writeln!(out, "    in {}:", safe_line(file))?;
    }
    writeln!(out, "    {snippet}")
}
