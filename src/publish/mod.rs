//! Publication: the approved contributions as the consultation's web pages, an Atom feed
//! and a JSON export per discussion space.
//!
//! Publication reads the store and never writes it. The output is deterministic (the same
//! store gives byte-identical files) and is written as a new release beside the target,
//! then swapped in by replacing a symlink, so a reader never sees half a site; a withdrawn
//! contribution is simply absent from the next release. No contributor address is ever
//! written. Everything from mail is escaped (maud) and contribution text is also sanitised
//! (ammonia, see [`text`]).

mod data;
mod feed;
mod figures_page;
pub(crate) mod labels;
mod letter;
mod site;
pub use site::{contribution_link, url_segment};
mod space_page;
pub use space_page::{heading, published_text};
pub mod text;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::config::{Config, PublishOrder, Space};
use crate::model::{State, Submission, SubmissionId};
use crate::store::Store;
use crate::{Error, Result};

/// What a publication wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// The published folder (the symlink).
    pub out: PathBuf,
    /// The release it points to.
    pub release: PathBuf,
    /// Contributions published.
    pub contributions: usize,
    /// Spaces published.
    pub spaces: usize,
}

/// A space with the contributions it shows.
pub struct SpacePage<'a> {
    /// The space.
    pub space: &'a Space,
    /// Contributions by question number (`None`: the general section), in display order.
    pub by_question: Vec<(Option<u32>, Vec<&'a Submission>)>,
    /// Campaigns (the same text from many senders): each shown once, as its first
    /// letter, which maps here to the campaign's other letters.
    pub campaigns: HashMap<SubmissionId, Vec<&'a Submission>>,
    /// Contributions sent in several languages: each shown once, as its lead, which maps
    /// here to its other languages' versions.
    pub versions: HashMap<SubmissionId, Vec<&'a Submission>>,
    /// The campaigns' other letters and the leads' versions, not shown on their own.
    folded: HashSet<SubmissionId>,
    /// Each lead's version, to its lead.
    lead_of: HashMap<SubmissionId, SubmissionId>,
}

impl SpacePage<'_> {
    /// All contributions of the page.
    pub fn all(&self) -> impl Iterator<Item = &Submission> {
        self.by_question
            .iter()
            .flat_map(|(_, list)| list.iter().copied())
    }

    /// Whether a contribution is shown under another: a campaign's letter under the
    /// campaign's first, a version in another language under its lead.
    pub fn folded(&self, id: SubmissionId) -> bool {
        self.folded.contains(&id)
    }

    /// Whether a contribution is another language's version of one on the page, which
    /// is counted once, as its lead.
    pub fn is_version(&self, id: SubmissionId) -> bool {
        self.lead_of.contains_key(&id)
    }

    /// The contribution whose card shows `id`: its lead for a version, else itself.
    pub fn card_of(&self, id: SubmissionId) -> SubmissionId {
        self.lead_of.get(&id).copied().unwrap_or(id)
    }
}

/// The versions in other languages among a page's contributions, by their lead.
fn versions_by_lead<'a>(
    mine: &[&'a Submission],
    lead_of: &HashMap<SubmissionId, SubmissionId>,
) -> HashMap<SubmissionId, Vec<&'a Submission>> {
    let mut versions: HashMap<SubmissionId, Vec<&'a Submission>> = HashMap::new();
    for s in mine {
        if let Some(lead) = lead_of.get(&s.id) {
            versions.entry(*lead).or_default().push(*s);
        }
    }
    for list in versions.values_mut() {
        list.sort_by_key(|s| s.id);
    }
    versions
}

/// The campaigns among a page's contributions, by their first letter.
fn campaigns_among<'a>(
    config: &Config,
    mine: &[&'a Submission],
) -> HashMap<SubmissionId, Vec<&'a Submission>> {
    let texts: Vec<crate::campaign::Text<'_>> =
        mine.iter().map(|s| crate::campaign::Text::of(s)).collect();
    let by_id: HashMap<_, &'a Submission> = mine.iter().map(|s| (s.id, *s)).collect();
    crate::campaign::campaigns(&texts, &config.campaigns)
        .into_iter()
        .map(|c| {
            let others = c.members[1..]
                .iter()
                .filter_map(|id| by_id.get(id).copied());
            (c.members[0], others.collect())
        })
        .collect()
}

/// Groups approved submissions by space and question.
fn pages<'a>(config: &'a Config, approved: &'a [Submission]) -> Vec<SpacePage<'a>> {
    let mut out = Vec::new();
    for space in &config.spaces {
        let mine: Vec<&Submission> = approved
            .iter()
            .filter(|s| config.space_showing(s.question.as_ref()).id == space.id)
            .collect();
        let mut numbers: Vec<Option<u32>> =
            space.questions.iter().map(|q| Some(q.number)).collect();
        for s in &mine {
            let n = s
                .question
                .as_ref()
                .filter(|q| q.space == space.id)
                .map(|q| q.number);
            if !numbers.contains(&n) {
                numbers.push(n);
            }
        }
        numbers.sort_by_key(|n| n.unwrap_or(u32::MAX));
        let by_question = numbers
            .into_iter()
            .map(|n| {
                let mut list: Vec<&Submission> = mine
                    .iter()
                    .copied()
                    .filter(|s| {
                        s.question
                            .as_ref()
                            .filter(|q| q.space == space.id)
                            .map(|q| q.number)
                            == n
                    })
                    .collect();
                list.sort_by_key(|s| (s.date(), s.id));
                if config.publish.order == PublishOrder::Newest {
                    list.reverse();
                }
                (n, list)
            })
            .collect();
        let lead_of = crate::translation::leads_among(&mine);
        let versions = versions_by_lead(&mine, &lead_of);
        // A version's text is not a campaign's letter: campaigns are found among leads.
        let leads: Vec<&Submission> = mine
            .iter()
            .copied()
            .filter(|s| !lead_of.contains_key(&s.id))
            .collect();
        let campaigns = campaigns_among(config, &leads);
        let folded = campaigns
            .values()
            .flatten()
            .map(|s| s.id)
            .chain(lead_of.keys().copied())
            .collect();
        out.push(SpacePage {
            space,
            by_question,
            campaigns,
            versions,
            folded,
            lead_of,
        });
    }
    out
}

/// Writes the site for the store's approved contributions into `out`, atomically. The
/// release before stays beside it for readers still on it.
pub fn publish(store: &Store, config: &Config, out: &Path) -> Result<Report> {
    write_release(store, config, out, Keep::Previous)
}

/// Publishes as [`publish`] does, then removes every earlier release: after an erasure,
/// no release on disk may still show what was erased.
pub fn publish_without_history(store: &Store, config: &Config, out: &Path) -> Result<Report> {
    write_release(store, config, out, Keep::CurrentOnly)
}

/// Whether [`publish`] has written to `out` (it is a release symlink).
pub fn is_published(out: &Path) -> bool {
    out.symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
}

/// Which releases stay after a new one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    Previous,
    CurrentOnly,
}

fn write_release(store: &Store, config: &Config, out: &Path, keep: Keep) -> Result<Report> {
    let config = &*config.with_added_questions(&store.added_questions()?);
    let mut approved = Vec::new();
    for s in store.submissions() {
        let s = s?;
        if s.state == State::Approved {
            approved.push(s);
        }
    }
    let pages = pages(config, &approved);

    let (releases, next) = next_release(out)?;
    let staging = releases.join(format!("{next:06}.partial"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io("removing", &staging, e))?;
    }
    let write = |rel: &str, bytes: &[u8]| -> Result<()> {
        let path = staging.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| Error::io("writing", &path, e))
    };
    let style = format!("{}{}", site::STYLE, crate::report::page::FIGURE_STYLE);
    write("style.css", style.as_bytes())?;
    let root_lang = config.default_space().first_lang();
    let root = site::Place {
        lang: root_lang,
        depth: 0,
    };
    write("index.html", site::index(config, &pages, root).as_bytes())?;
    for lang in site::site_languages(config) {
        let at = site::Place { lang, depth: 1 };
        write(
            &site::index_path(lang),
            site::index(config, &pages, at).as_bytes(),
        )?;
    }
    for page in &pages {
        let id = &page.space.id;
        let figures = figures_page::figures(config, page);
        for lang in page.space.languages() {
            let at = site::Place { lang, depth: 2 };
            write(
                &site::space_path(id, lang),
                space_page::render(config, page, at).as_bytes(),
            )?;
            write(
                &figures_page::path(id, lang),
                figures_page::render(config, page, &figures, at)?.as_bytes(),
            )?;
        }
        // The space's first language also at SPACE/, where pages were before languages.
        let at = site::Place {
            lang: page.space.first_lang(),
            depth: 1,
        };
        write(
            &format!("{id}/index.html"),
            space_page::render(config, page, at).as_bytes(),
        )?;
        write(
            &format!("{id}/feed.atom"),
            feed::atom(config, page, None).as_bytes(),
        )?;
        for (number, _) in &page.by_question {
            if let Some(n) = number {
                write(
                    &format!("{id}/q-{n}.atom"),
                    feed::atom(config, page, Some(*n)).as_bytes(),
                )?;
            }
        }
        write(
            &format!("{id}/contributions.json"),
            data::json(config, page)?.as_bytes(),
        )?;
        for s in page.all() {
            for a in &s.attachments {
                let Some(sha) = &a.sha256 else { continue };
                if let Some(bytes) = store.blob(sha)? {
                    write(&site::attachment_path(id, s, &a.name), &bytes)?;
                }
            }
        }
    }
    let release = releases.join(format!("{next:06}"));
    std::fs::rename(&staging, &release).map_err(|e| Error::io("renaming", &staging, e))?;
    swap(out, &release)?;
    match keep {
        Keep::Previous => prune(&releases, next),
        Keep::CurrentOnly => remove_all_but(&releases, next)?,
    }
    Ok(Report {
        out: out.to_path_buf(),
        release,
        contributions: approved.len(),
        spaces: pages.len(),
    })
}

fn releases_dir(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "site".into());
    out.with_file_name(format!(".{name}.releases"))
}

fn next_release(out: &Path) -> Result<(PathBuf, u32)> {
    if out.exists() && !out.is_symlink() {
        return Err(Error::Setup(format!(
            "{} exists and is not a hubmail publication (hubmail publishes through a symlink \
             it replaces atomically): move it away or choose another --out",
            out.display()
        )));
    }
    let releases = releases_dir(out);
    std::fs::create_dir_all(&releases).map_err(|e| Error::io("creating", &releases, e))?;
    let mut last = 0;
    for e in std::fs::read_dir(&releases)
        .map_err(|e| Error::io("listing", &releases, e))?
        .flatten()
    {
        if let Ok(n) = e.file_name().to_string_lossy().parse::<u32>() {
            last = last.max(n);
        }
    }
    Ok((releases, last + 1))
}

/// Points `out` at `release` by renaming a fresh symlink over it: readers see the old
/// site or the new one, never a mix.
fn swap(out: &Path, release: &Path) -> Result<()> {
    let target = release
        .strip_prefix(out.parent().unwrap_or(Path::new("")))
        .unwrap_or(release);
    let link = out.with_file_name(format!(
        ".{}.link-{}",
        out.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(target, &link).map_err(|e| Error::io("linking", &link, e))?;
    std::fs::rename(&link, out).map_err(|e| Error::io("replacing", out, e))
}

/// Removes every release but `current`, and says so when one cannot be removed.
fn remove_all_but(releases: &Path, current: u32) -> Result<()> {
    let entries = std::fs::read_dir(releases).map_err(|e| Error::io("listing", releases, e))?;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name != format!("{current:06}") {
            let path = e.path();
            std::fs::remove_dir_all(&path).map_err(|e| Error::io("removing", path, e))?;
        }
    }
    Ok(())
}

/// Keeps the current and the previous release (a reader may still be on it).
fn prune(releases: &Path, current: u32) {
    if let Ok(rd) = std::fs::read_dir(releases) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let old = name.parse::<u32>().is_ok_and(|n| n + 1 < current);
            if old || name.ends_with(".partial") {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}
