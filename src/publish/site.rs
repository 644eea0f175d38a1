//! The HTML pages' frame and the site's indexes, in each language the spaces offer. Built
//! with maud, which escapes every value; contribution text comes pre-sanitised from
//! [`super::text`]. A page knows how deep it lies in the release, so that every link is
//! relative and the site works under any path.

use maud::{DOCTYPE, Markup, html};

use super::SpacePage;
use super::labels::Labels;
use crate::config::{Config, InLang};
use crate::model::{Lang, Submission};

/// The site's stylesheet.
pub const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:52rem;margin:0 auto;padding:1rem 1.5rem;line-height:1.55;color:#1d2430}
header h1{margin-bottom:.2rem}.aim{color:#444}.meta{color:#555;font-size:.92rem}
nav.languages{float:right;font-size:.92rem}nav.languages a,nav.languages strong{margin-left:.6rem}
section.question{border-top:2px solid #0b5cad;margin-top:2rem}
section.question>h2{font-size:1.2rem;color:#0b5cad}
article.contribution{border-left:4px solid #d0d7e2;padding:.2rem 1rem;margin:1.2rem 0}
article.contribution h3{margin:.3rem 0;font-size:1.05rem}
div.replies{margin-left:1.5rem}div.replies article.contribution{border-left-color:#9bb4d6}
aside.how-to{background:#f3f6fa;border:1px solid #d0d7e2;padding:.6rem 1rem;margin:1rem 0;font-size:.95rem}
.fallback{color:#666;font-size:.85rem}
.footnotes{font-size:.9rem;color:#333}.attachments{font-size:.92rem}
.paper{border-left:3px solid #ccd;margin:.3rem 0 .6rem;padding:.1rem .8rem;font-size:.92rem;color:#333}
.versions summary{cursor:pointer;color:#335;font-size:.92rem}
.versions details>div{border-left:3px solid #ccd;padding:.1rem .8rem}
.versions h4{margin:.4rem 0}
footer{margin-top:3rem;border-top:1px solid #ccc;color:#555;font-size:.85rem}
";

/// Where a page lies: its language and how many folders below the release's root.
#[derive(Clone, Copy)]
pub struct Place {
    /// The page's language.
    pub lang: Lang,
    /// 0 for the root, 1 for `SPACE/`, 2 for `LANG/SPACE/`.
    pub depth: usize,
}

impl Place {
    /// The relative path from this page to `path` (relative to the release's root).
    pub fn to(&self, path: &str) -> String {
        format!("{}{path}", "../".repeat(self.depth))
    }
}

/// The path of a space's page in `lang`, relative to the release's root.
pub fn space_path(space: &str, lang: Lang) -> String {
    format!("{}/{space}/index.html", lang.code())
}

/// A language's site index, relative to the release's root.
pub fn index_path(lang: Lang) -> String {
    format!("{}/index.html", lang.code())
}

/// A text of the configuration, marked with its language when that is not the page's,
/// and saying so when it is a fallback.
pub fn localized(text: Option<InLang<'_>>, l: &Labels) -> Markup {
    let Some(t) = text else { return html! {} };
    match t.lang.filter(|lang| *lang != l.lang) {
        Some(lang) => html! {
            span lang=(lang.code()) { (t.text) }
            @if t.fallback { " " span class="fallback" { "(" (l.not_translated) ")" } }
        },
        None => html! { (t.text) },
    }
}

/// The page frame: head, language switcher (`alternates`: each language's version of this
/// page, relative to the root), body and footer.
pub fn layout(
    at: Place,
    title: &str,
    alternates: &[(Lang, String)],
    footer: Markup,
    body: Markup,
) -> String {
    let l = Labels::of(at.lang);
    html! {
        (DOCTYPE)
        html lang=(at.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'self'; img-src 'self'";
                title { (title) }
                link rel="stylesheet" href=(at.to("style.css"));
                @for (lang, path) in alternates {
                    link rel="alternate" hreflang=(lang.code()) href=(at.to(path));
                }
            }
            body {
                @if alternates.len() > 1 {
                    nav class="languages" aria-label=(l.language) {
                        @for (lang, path) in alternates {
                            @if *lang == at.lang {
                                strong lang=(lang.code()) { (Labels::endonym(*lang)) }
                            } @else {
                                a href=(at.to(path)) hreflang=(lang.code()) lang=(lang.code()) { (Labels::endonym(*lang)) }
                            }
                        }
                    }
                }
                (body)
                footer { (footer) }
            }
        }
    }
    .into_string()
}

/// Every language some space offers, in a stable order.
pub fn site_languages(config: &Config) -> Vec<Lang> {
    let mut langs = vec![config.default_space().first_lang()];
    for space in &config.spaces {
        for l in space.languages() {
            if !langs.contains(&l) {
                langs.push(l);
            }
        }
    }
    langs
}

/// The site index in `at.lang`: the spaces with their contribution counts, each linked to
/// its page in that language (or in its first language when it does not offer this one).
pub fn index(config: &Config, pages: &[SpacePage<'_>], at: Place) -> String {
    let l = Labels::of(at.lang);
    let body = html! {
        header { h1 { (l.spaces) } }
        ul {
            @for p in pages {
                @let space = p.space;
                @let lang = if space.languages().contains(&at.lang) { at.lang } else { space.first_lang() };
                li {
                    a href=(at.to(&space_path(&space.id, lang))) { (localized(space.title.get(at.lang, space.first_lang()), &l)) }
                    " — " (p.all().count()) " " (l.contributions)
                }
            }
        }
    };
    let alternates: Vec<(Lang, String)> = site_languages(config)
        .into_iter()
        .map(|lang| (lang, index_path(lang)))
        .collect();
    let footer = html! { @if let Some(d) = &config.publish.disclaimer { p { (d) } } };
    layout(at, l.spaces, &alternates, footer, body)
}

/// Where a published contribution is seen: its card on its space's page in its language
/// (else the space's first), absolute with the site's base address, else relative to the
/// site's root.
pub fn contribution_link(config: &Config, s: &Submission) -> String {
    let space = config.space_showing(s.question.as_ref());
    let lang = s
        .lang
        .filter(|l| space.languages().contains(l))
        .unwrap_or_else(|| space.first_lang());
    let path = format!("{}#contribution-{}", space_path(&space.id, lang), s.id);
    match super::feed::base(config) {
        Some(base) => format!("{base}/{path}"),
        None => path,
    }
}

/// Where an attachment is published, relative to the site root.
pub fn attachment_path(space: &str, s: &Submission, name: &str) -> String {
    format!(
        "{space}/files/{}/{}",
        s.id,
        crate::parse::sanitize_file_name(name, "attachment")
    )
}

/// Percent-encodes a path segment or a query value for an href (unreserved characters stay).
pub fn url_segment(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
