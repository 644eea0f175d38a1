//! The Atom feeds (RFC 4287) of a discussion space and of each of its questions, written
//! with `atom_syndication`. Links are absolute with `[publish] base_url`, else relative to
//! the feed (readers resolve them against its address).

use atom_syndication::{
    CategoryBuilder, ContentBuilder, EntryBuilder, FeedBuilder, FixedDateTime, LinkBuilder,
    PersonBuilder,
};

use super::SpacePage;
use crate::config::Config;
use crate::model::{Lang, Submission};

fn epoch() -> FixedDateTime {
    FixedDateTime::parse_from_rfc3339("1970-01-01T00:00:00Z").expect("a valid RFC 3339 literal")
}

fn when(s: &Submission) -> FixedDateTime {
    FixedDateTime::parse_from_rfc3339(&s.date().to_string()).unwrap_or_else(|_| epoch())
}

/// The site's public address without a trailing slash: `[publish] base_url`, else
/// `[notify] base_url`.
pub fn base(config: &Config) -> Option<String> {
    config
        .publish
        .base_url
        .clone()
        .or_else(|| config.notify.base_url.clone())
        .map(|b| b.trim_end_matches('/').to_string())
}

/// The feed of a space (`question` none) or of one of its questions: one entry per
/// published contribution, newest first; `updated` is the newest contribution's date, so
/// the same store gives the same bytes. It lives in the space's folder.
pub fn atom(config: &Config, page: &SpacePage<'_>, question: Option<u32>) -> String {
    let space = page.space;
    let base = base(config);
    // Entry ids stay what they were before pages had languages: an id never changes.
    let id_base = base.as_ref().map(|b| format!("{b}/{}/", space.id));
    let page_path = super::site::space_path(&space.id, space.first_lang());
    let page_link = match &base {
        Some(b) => format!("{b}/{page_path}"),
        None => format!("../{page_path}"),
    };
    let file = question.map_or("feed.atom".to_string(), |n| format!("q-{n}.atom"));
    let self_link = match &base {
        Some(b) => format!("{b}/{}/{file}", space.id),
        None => file,
    };
    let mut items: Vec<&Submission> = match question {
        None => page.all().collect(),
        Some(n) => page
            .by_question
            .iter()
            .filter(|(q, _)| *q == Some(n))
            .flat_map(|(_, list)| list.iter().copied())
            .collect(),
    };
    // A campaign is one entry: its first letter.
    items.retain(|s| !page.folded(s.id));
    items.sort_by_key(|s| std::cmp::Reverse((s.date(), s.id)));
    let updated = items.first().map(|s| when(s)).unwrap_or_else(epoch);
    let entries = items
        .iter()
        .map(|s| {
            let id = match &id_base {
                Some(u) => format!("{u}#contribution-{}", s.id),
                None => format!("urn:hubmail:{}:contribution:{}", space.id, s.id),
            };
            let link = format!("{page_link}#contribution-{}", s.id);
            let mut author = PersonBuilder::default();
            let name = super::text::redact(&s.author.name);
            author.name(match &s.author.affiliation {
                Some(a) => format!("{name} ({})", super::text::redact(a)),
                None => name,
            });
            let mut entry = EntryBuilder::default();
            entry
                .id(id.clone())
                .title(super::text::redact(&super::space_page::heading(s)))
                .updated(when(s))
                .published(Some(when(s)))
                .authors(vec![author.build()])
                .categories(
                    s.author
                        .stakeholder
                        .iter()
                        .map(|t| {
                            CategoryBuilder::default()
                                .term(t.kind.as_str())
                                .scheme(Some("urn:hubmail:stakeholder-type".to_string()))
                                .label(Some(t.kind.label(space.first_lang()).to_string()))
                                .build()
                        })
                        .collect::<Vec<_>>(),
                )
                .content(Some(
                    ContentBuilder::default()
                        .content_type(Some("html".to_string()))
                        .lang(s.lang.map(|l| l.code().to_string()))
                        .value(Some(super::text::to_html(
                            &super::space_page::published_text(s),
                            &format!("contribution-{}", s.id),
                        )))
                        .build(),
                ));
            entry.links(vec![
                LinkBuilder::default().href(link).rel("alternate").build(),
            ]);
            entry.build()
        })
        .collect::<Vec<_>>();
    let mut feed = FeedBuilder::default();
    let feed_id = match (&id_base, question) {
        (Some(u), None) => u.clone(),
        (Some(u), Some(n)) => format!("{u}q-{n}"),
        (None, None) => format!("urn:hubmail:{}", space.id),
        (None, Some(n)) => format!("urn:hubmail:{}:question:{n}", space.id),
    };
    let title = match question {
        None => space.title_in(space.first_lang()).to_string(),
        Some(n) => format!("{} — {n}", space.title_in(space.first_lang())),
    };
    feed.id(feed_id)
        .title(title)
        .updated(updated)
        .lang(Some(space.lang.unwrap_or(Lang::En).code().to_string()))
        .entries(entries);
    let alternate = match question {
        None => page_link,
        Some(n) => format!("{page_link}#question-{n}"),
    };
    feed.links(vec![
        LinkBuilder::default()
            .href(alternate)
            .rel("alternate")
            .build(),
        LinkBuilder::default().href(self_link).rel("self").build(),
    ]);
    feed.build().to_string()
}
