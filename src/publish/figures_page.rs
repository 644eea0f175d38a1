//! The space's "consultation in figures" page in each of its languages: the public figures
//! of [`crate::report`] (approved contributions only, nothing of moderation) with their
//! charts, in the site's frame.

use maud::html;

use super::SpacePage;
use super::labels::Labels;
use super::site::{self, Place, localized};
use crate::Result;
use crate::config::Config;
use crate::model::Submission;
use crate::report::{self, Figures, Scope, Words, page::Charts};

/// The page's path in `lang`, relative to the release's root.
pub fn path(space: &str, lang: crate::model::Lang) -> String {
    format!("{}/{space}/figures.html", lang.code())
}

/// The public figures of a space's page, counted once for all its languages.
pub fn figures(config: &Config, page: &SpacePage<'_>) -> Figures {
    let shown: Vec<&Submission> = page.all().collect();
    report::figures(config, &shown, Some(&page.space.id), Scope::Public)
}

/// The page in `at.lang` (at depth 2), of the space's [`figures`].
pub fn render(
    config: &Config,
    page: &SpacePage<'_>,
    figures: &Figures,
    at: Place,
) -> Result<String> {
    let space = page.space;
    let l = Labels::of(at.lang);
    let w = Words::of(at.lang);
    let charts = Charts::draw(figures, &w)?;
    let title = space.title_in(at.lang);
    let body = html! {
        p {
            a href=(at.to(&site::space_path(&space.id, at.lang))) {
                (localized(space.title.get(at.lang, space.first_lang()), &l))
            }
        }
        (report::page::body(title, figures, &w, &charts))
    };
    let alternates: Vec<_> = space
        .languages()
        .into_iter()
        .map(|lang| (lang, path(&space.id, lang)))
        .collect();
    let footer = html! { @if let Some(d) = &config.publish.disclaimer { p { (d) } } };
    Ok(site::layout(
        at,
        &format!("{} — {title}", w.title),
        &alternates,
        footer,
        body,
    ))
}
