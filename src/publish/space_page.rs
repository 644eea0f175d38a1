//! A discussion space's page in one language: its questions, each with its contributions
//! (a reply nested under what it answers), counts per language, and how to contribute.

use std::collections::{BTreeMap, HashMap, HashSet};

use maud::{Markup, PreEscaped, html};

use super::SpacePage;
use super::labels::Labels;
use super::site::{self, Place, localized};
use super::{letter, text};
use crate::config::{Config, Space};
use crate::model::{Lang, Submission, SubmissionId};

/// How deep replies nest on the page; deeper ones are shown at that depth.
const MAX_NESTING: usize = 4;

/// A contribution's heading: its subject without tags and reply prefixes, or the first
/// words of its text when nothing is left.
pub fn heading(s: &Submission) -> String {
    let bare = crate::route::bare_subject(&s.subject);
    if !bare.is_empty() {
        return bare;
    }
    let words: Vec<&str> = s.body.split_whitespace().take(8).collect();
    let more = s.body.split_whitespace().count() > words.len();
    format!("{}{}", words.join(" "), if more { "…" } else { "" })
}

/// The text published for a contribution (without salutation and signed closing).
pub fn published_text(s: &Submission) -> String {
    letter::letter_body(&s.body, &s.author.name).into_owned()
}

/// The question's title in `lang`, or in the space's first language, marked as such.
fn question_title(space: &Space, n: u32, l: &Labels) -> Markup {
    let Some(q) = space.question(n) else {
        return html! {};
    };
    let first = space.first_lang();
    match q.title.get(&l.lang) {
        Some(t) => html! { (t) },
        None => {
            let fallback = q
                .title
                .get_key_value(&first)
                .or_else(|| q.title.iter().next());
            match fallback {
                Some((lang, t)) => html! {
                    span lang=(lang.code()) { (t) } " " span class="fallback" { "(" (l.not_translated) ")" }
                },
                None => html! {},
            }
        }
    }
}

/// The mailbox and plus-address tag that route to a question of this space (or to the
/// space, for `None`), as a `mailto:` link with the subject tag routing also reads.
fn mailto(config: &Config, space: &Space, question: Option<u32>) -> Option<String> {
    let contact = config.hub.contact_addresses.first()?;
    let (local, domain) = contact.split_once('@')?;
    let is_default = space.id == config.default_space().id;
    let tag = space.address_tag.as_deref().unwrap_or(&space.id);
    let plus = match (question, is_default) {
        (Some(n), true) => format!("+q{n}"),
        (Some(n), false) => format!("+{tag}-q{n}"),
        (None, true) => String::new(),
        (None, false) => format!("+{tag}"),
    };
    let subject = question.map_or(String::new(), |n| format!("?subject=%5BQ{n}%5D%20"));
    Some(format!("mailto:{local}{plus}@{domain}{subject}"))
}

fn how_to_contribute(config: &Config, space: &Space, l: &Labels) -> Markup {
    let langs: Vec<&str> = space
        .languages()
        .into_iter()
        .map(|lang| l.language_name(lang))
        .collect();
    let addresses: Vec<(String, String)> = space
        .questions
        .iter()
        .filter_map(|q| {
            mailto(config, space, Some(q.number))
                .map(|m| (format!("{} {}", l.write_to, q.number), m))
        })
        .chain(mailto(config, space, None).map(|m| (l.general_contribution.to_string(), m)))
        .collect();
    html! {
        aside class="how-to" {
            h2 { (l.how_to) }
            @if !addresses.is_empty() {
                p { (l.how_to_intro) }
                ul {
                    @for (what, href) in &addresses {
                        li { a href=(href) { (what) } }
                    }
                }
            }
            p { (l.accepted_languages) " " (l.list(&langs)) "." }
            p { (l.moderation) }
        }
    }
}

/// A space's page in `at.lang`.
pub fn render(config: &Config, page: &SpacePage<'_>, at: Place) -> String {
    let space = page.space;
    let l = Labels::of(at.lang);
    let first = space.first_lang();
    let on_page: HashMap<SubmissionId, &Submission> = page.all().map(|s| (s.id, s)).collect();
    // An interface word: the page's own rather than another language's.
    let moderators = space
        .moderators_label
        .exact(at.lang)
        .unwrap_or(l.moderators);
    let feed = at.to(&format!("{}/feed.atom", space.id));
    let data = at.to(&format!("{}/contributions.json", space.id));
    let body = html! {
        header {
            p { a href=(at.to(&site::index_path(at.lang))) { (l.spaces) } }
            h1 { (localized(space.title.get(at.lang, first), &l)) }
            @if !space.aim.is_empty() { p class="aim" { (localized(space.aim.get(at.lang, first), &l)) } }
            @if !space.moderators.is_empty() {
                p class="meta" { (moderators) (l.colon) (space.moderators.join(", ")) }
            }
            p class="meta" {
                a href=(feed) { (l.feed) } " · " a href=(data) { (l.data) } " · "
                a href=(at.to(&super::figures_page::path(&space.id, at.lang))) { (crate::report::Words::of(at.lang).title) }
            }
            // Answered by `hubmail serve` (a static copy of the site has no search).
            form method="get" action=(at.to(&format!("{}/{}/search", at.lang.code(), space.id))) role="search" class="search" {
                input type="search" name="q" maxlength="1000" aria-label=(l.search);
                " " button type="submit" { (l.search) }
            }
            @if !space.questions.is_empty() {
                h2 { (l.questions) }
                ol {
                    @for q in &space.questions {
                        li value=(q.number) { a href=(format!("#question-{}", q.number)) { (question_title(space, q.number, &l)) } }
                    }
                }
            }
            (how_to_contribute(config, space, &l))
        }
        @for (number, list) in &page.by_question {
            @let threads = Threads::new(list, page);
            @match number {
                Some(n) => section class="question" id=(format!("question-{n}")) {
                    h2 { (n) ". " (question_title(space, *n, &l)) }
                    p class="meta" {
                        (l.count(&by_language(list, page)))
                        " · " a href=(at.to(&format!("{}/q-{n}.atom", space.id))) { (l.question_feed) }
                    }
                    @if list.is_empty() { p class="meta" { (l.none_yet) } }
                    @for s in &threads.top { (card(s, &threads, &on_page, at, &l, space, 0)) }
                },
                None => @if !list.is_empty() {
                    section class="question" id="general" {
                        h2 { (l.general) }
                        p class="meta" { (l.count(&by_language(list, page))) }
                        @for s in &threads.top { (card(s, &threads, &on_page, at, &l, space, 0)) }
                    }
                },
            }
        }
    };
    let alternates: Vec<(Lang, String)> = space
        .languages()
        .into_iter()
        .map(|lang| (lang, site::space_path(&space.id, lang)))
        .collect();
    let footer = match space.disclaimer.get(at.lang, first) {
        Some(d) => html! { p { (localized(Some(d), &l)) } },
        None => html! { @if let Some(d) = &config.publish.disclaimer { p { (d) } } },
    };
    let title = space
        .title
        .get(at.lang, first)
        .map_or(String::new(), |t| t.text.to_string());
    site::layout(at, &title, &alternates, footer, body)
}

/// Contributions per language, in a stable order (undetermined last); one sent in
/// several languages counts once, in its lead's.
fn by_language(list: &[&Submission], page: &SpacePage<'_>) -> Vec<(Option<Lang>, usize)> {
    let mut counts: BTreeMap<Option<Lang>, usize> = BTreeMap::new();
    for s in list.iter().filter(|s| !page.is_version(s.id)) {
        *counts.entry(s.lang).or_default() += 1;
    }
    let mut out: Vec<(Option<Lang>, usize)> = counts
        .iter()
        .filter(|(l, _)| l.is_some())
        .map(|(l, n)| (*l, *n))
        .collect();
    if let Some(n) = counts.get(&None) {
        out.push((None, *n));
    }
    out
}

/// A question's contributions as threads: the ones that answer no other contribution of
/// the same list, each with its replies.
/// A campaign's other letters are not shown: its first letter says who also sent it; nor
/// are a contribution's versions in other languages, shown in its card.
struct Threads<'a> {
    top: Vec<&'a Submission>,
    replies: HashMap<SubmissionId, Vec<&'a Submission>>,
    page: &'a SpacePage<'a>,
}

impl<'a> Threads<'a> {
    fn new(all: &[&'a Submission], page: &'a SpacePage<'a>) -> Threads<'a> {
        let list: Vec<&'a Submission> =
            all.iter().copied().filter(|s| !page.folded(s.id)).collect();
        let here: HashSet<SubmissionId> = list.iter().map(|s| s.id).collect();
        let mut top = Vec::new();
        let mut replies: HashMap<SubmissionId, Vec<&'a Submission>> = HashMap::new();
        for s in &list {
            let parent = s.parent.map(|p| page.card_of(p));
            match parent.filter(|p| here.contains(p) && *p != s.id) {
                Some(parent) => replies.entry(parent).or_default().push(s),
                None => top.push(*s),
            }
        }
        // Whatever no thread reaches (parents that answer each other) is shown at the top.
        loop {
            let mut reached = HashSet::new();
            let mut stack: Vec<SubmissionId> = top.iter().map(|s| s.id).collect();
            while let Some(id) = stack.pop() {
                if reached.insert(id)
                    && let Some(rs) = replies.get(&id)
                {
                    stack.extend(rs.iter().map(|r| r.id));
                }
            }
            let Some(lost) = list.iter().find(|s| !reached.contains(&s.id)) else {
                break;
            };
            for v in replies.values_mut() {
                v.retain(|r| r.id != lost.id);
            }
            top.push(*lost);
        }
        Threads { top, replies, page }
    }
}

fn card(
    s: &Submission,
    threads: &Threads<'_>,
    on_page: &HashMap<SubmissionId, &Submission>,
    at: Place,
    l: &Labels,
    space: &Space,
    depth: usize,
) -> Markup {
    let anchor = format!("contribution-{}", s.id);
    let versions = threads
        .page
        .versions
        .get(&s.id)
        .map(Vec::as_slice)
        .unwrap_or_default();
    // Sent in several languages: the text in the page's language, when there is one.
    let shown = versions
        .iter()
        .copied()
        .find(|v| v.lang == Some(l.lang))
        .unwrap_or(s);
    let others: Vec<&Submission> = std::iter::once(s)
        .chain(versions.iter().copied())
        .filter(|v| v.id != shown.id)
        .collect();
    let body = text::to_html(&published_text(shown), &anchor);
    let day = s.date().to_zoned(jiff::tz::TimeZone::UTC).date();
    let parent = s.parent.and_then(|p| on_page.get(&p));
    let parent_anchor = parent.map(|p| format!("#contribution-{}", threads.page.card_of(p.id)));
    let replies = threads
        .replies
        .get(&s.id)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let files: Vec<_> = s
        .attachments
        .iter()
        .filter(|a| a.sha256.is_some())
        .collect();
    html! {
        article class="contribution" id=(anchor) lang=[shown.lang.map(|l| l.code())] {
            h3 { (text::redact(&heading(shown))) }
            @if let (Some(p), Some(href)) = (parent, &parent_anchor) {
                p class="meta in-reply-to" {
                    (l.in_reply_to) " " a href=(href) { (text::redact(&p.author.name)) }
                }
            }
            p class="meta" {
                strong { (text::redact(&s.author.name)) }
                @if let Some(a) = &s.author.affiliation { ", " (text::redact(a)) }
                @if let Some(t) = &s.author.stakeholder {
                    " · " span class="stakeholder" data-type=(t.kind.as_str()) { (t.kind.label(l.lang)) }
                }
                " · " time datetime=(day.to_string()) { (l.lang.long_date(day)) }
                @if let Some(lang) = shown.lang.filter(|lang| *lang != l.lang) {
                    " · " span class="lang" { (l.language_name(lang)) }
                }
            }
            (PreEscaped(body))
            @if !versions.is_empty() {
                div class="versions" {
                    @for v in &others {
                        details {
                            summary { (l.also_in) " " (v.lang.map_or("?", |lang| l.language_name(lang))) }
                            div lang=[v.lang.map(|l| l.code())] {
                                h4 { (text::redact(&heading(v))) }
                                (PreEscaped(text::to_html(&published_text(v), &format!("contribution-{}", v.id))))
                            }
                        }
                    }
                }
            }
            @if let Some(others) = threads.page.campaigns.get(&s.id) {
                p class="meta campaign" {
                    (l.sent_by.replace("{n}", &(others.len() + 1).to_string())) (l.colon)
                    @for (i, o) in others.iter().enumerate() {
                        @if i > 0 { ", " }
                        (text::redact(&o.author.name))
                        @if let Some(a) = &o.author.affiliation { " (" (text::redact(a)) ")" }
                    }
                }
            }
            @if !files.is_empty() {
                p class="attachments" {
                    (l.attachments) (l.colon)
                    @for (i, a) in files.iter().enumerate() {
                        @if i > 0 { ", " }
                        @let name = crate::parse::sanitize_file_name(&a.name, "attachment");
                        a href=(at.to(&format!("{}/files/{}/{}", space.id, s.id, site::url_segment(&name)))) rel="nofollow ugc noopener" download { (a.name) }
                        " (" (a.size / 1024 + 1) " KB)"
                    }
                }
                // A paper's title and opening, in its own language.
                @for e in files.iter().filter_map(|a| a.extraction.as_ref()).filter(|e| !e.text.is_empty()) {
                    div class="paper" lang=[e.lang.map(|l| l.code())] {
                        @if let Some(title) = &e.title { p class="paper-title" { strong { (text::redact(title)) } } }
                        p class="excerpt" { (text::redact(&opening(&e.text))) }
                    }
                }
            }
            @if !replies.is_empty() && depth < MAX_NESTING {
                div class="replies" {
                    @for r in replies { (card(r, threads, on_page, at, l, space, depth + 1)) }
                }
            }
        }
        @if !replies.is_empty() && depth >= MAX_NESTING {
            @for r in replies { (card(r, threads, on_page, at, l, space, depth)) }
        }
    }
}

/// The first words of a paper, about 400 characters, cut at a word.
fn opening(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= 400 {
        return flat;
    }
    let cut: String = flat.chars().take(400).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut} …")
}
