//! The Atom feed (RFC 4287) of a discussion space, written with `atom_syndication`.

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

fn base(config: &Config) -> Option<String> {
    config
        .publish
        .base_url
        .clone()
        .or_else(|| config.notify.base_url.clone())
        .map(|b| b.trim_end_matches('/').to_string())
}

/// The feed: one entry per published contribution, newest first; `updated` is the newest
/// contribution's date, so the same store gives the same bytes.
pub fn atom(config: &Config, page: &SpacePage<'_>) -> String {
    let space = page.space;
    let base = base(config);
    let page_url = base.as_ref().map(|b| format!("{b}/{}/", space.id));
    let mut items: Vec<&Submission> = page.all().collect();
    items.sort_by_key(|s| std::cmp::Reverse((s.date(), s.id)));
    let updated = items.first().map(|s| when(s)).unwrap_or_else(epoch);
    let entries = items
        .iter()
        .map(|s| {
            let id = match &page_url {
                Some(u) => format!("{u}#contribution-{}", s.id),
                None => format!("urn:hubmail:{}:contribution:{}", space.id, s.id),
            };
            let mut author = PersonBuilder::default();
            let name = super::text::redact(&s.author.name);
            author.name(match &s.author.affiliation {
                Some(a) => format!("{name} ({})", super::text::redact(a)),
                None => name,
            });
            let mut entry = EntryBuilder::default();
            entry
                .id(id.clone())
                .title(super::text::redact(&s.subject))
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
                            &s.body,
                            &format!("contribution-{}", s.id),
                        )))
                        .build(),
                ));
            if page_url.is_some() {
                entry.links(vec![
                    LinkBuilder::default().href(id).rel("alternate").build(),
                ]);
            }
            entry.build()
        })
        .collect::<Vec<_>>();
    let mut feed = FeedBuilder::default();
    feed.id(page_url
        .clone()
        .unwrap_or_else(|| format!("urn:hubmail:{}", space.id)))
        .title(space.title_in(space.first_lang()).to_string())
        .updated(updated)
        .lang(Some(space.lang.unwrap_or(Lang::En).code().to_string()))
        .entries(entries);
    if let Some(u) = &page_url {
        feed.links(vec![
            LinkBuilder::default()
                .href(u.clone())
                .rel("alternate")
                .build(),
            LinkBuilder::default()
                .href(format!("{u}feed.atom"))
                .rel("self")
                .build(),
        ]);
    }
    feed.build().to_string()
}
