//! The HTML pages: the site index and one page per discussion space. Built with maud,
//! which escapes every value; contribution text comes pre-sanitised from [`super::text`].

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::SpacePage;
use super::text;
use crate::config::{Config, Space};
use crate::model::{Lang, Submission};

/// The site's stylesheet.
pub const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:52rem;margin:0 auto;padding:1rem 1.5rem;line-height:1.55;color:#1d2430}
header h1{margin-bottom:.2rem}.aim{color:#444}.meta{color:#555;font-size:.92rem}
section.question{border-top:2px solid #0b5cad;margin-top:2rem}
section.question>h2{font-size:1.2rem;color:#0b5cad}
article.contribution{border-left:4px solid #d0d7e2;padding:.2rem 1rem;margin:1.2rem 0}
article.contribution h3{margin:.3rem 0;font-size:1.05rem}
.footnotes{font-size:.9rem;color:#333}.attachments{font-size:.92rem}
footer{margin-top:3rem;border-top:1px solid #ccc;color:#555;font-size:.85rem}
";

struct Labels {
    lang: Lang,
    questions: &'static str,
    in_reply_to: &'static str,
    general: &'static str,
    moderators: &'static str,
    attachments: &'static str,
    none_yet: &'static str,
    feed: &'static str,
    data: &'static str,
    spaces: &'static str,
    contributions: &'static str,
}

fn labels(lang: Lang) -> Labels {
    match lang {
        Lang::En => Labels {
            lang: Lang::En,
            questions: "Discussion questions",
            in_reply_to: "In reply to question",
            general: "General contributions",
            moderators: "Moderators",
            attachments: "Attachments",
            none_yet: "No contribution published yet.",
            feed: "Feed (Atom)",
            data: "Data (JSON)",
            spaces: "Discussion spaces",
            contributions: "contributions",
        },
        Lang::Fr => Labels {
            lang: Lang::Fr,
            questions: "Questions de discussion",
            in_reply_to: "En réponse à la question",
            general: "Contributions générales",
            moderators: "Modérateurs",
            attachments: "Pièces jointes",
            none_yet: "Aucune contribution publiée pour le moment.",
            feed: "Flux (Atom)",
            data: "Données (JSON)",
            spaces: "Espaces de discussion",
            contributions: "contributions",
        },
        Lang::Es => Labels {
            lang: Lang::Es,
            questions: "Preguntas para el debate",
            in_reply_to: "En respuesta a la pregunta",
            general: "Contribuciones generales",
            moderators: "Moderadores",
            attachments: "Archivos adjuntos",
            none_yet: "Todavía no se ha publicado ninguna contribución.",
            feed: "Canal (Atom)",
            data: "Datos (JSON)",
            spaces: "Espacios de debate",
            contributions: "contribuciones",
        },
    }
}

fn layout(lang: Lang, title: &str, css: &str, config: &Config, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'self'; img-src 'self'";
                title { (title) }
                link rel="stylesheet" href=(css);
            }
            body {
                (body)
                footer {
                    @if let Some(d) = &config.publish.disclaimer { p { (d) } }
                }
            }
        }
    }
    .into_string()
}

/// The site index: the spaces with their contribution counts.
pub fn index(config: &Config, pages: &[SpacePage<'_>]) -> String {
    let lang = config.default_space().lang.unwrap_or(Lang::En);
    let l = labels(lang);
    let body = html! {
        header { h1 { (l.spaces) } }
        ul {
            @for p in pages {
                li {
                    a href=(format!("{}/index.html", p.space.id)) { (p.space.title_in(lang)) }
                    " — " (p.all().count()) " " (l.contributions)
                }
            }
        }
    };
    layout(lang, l.spaces, "style.css", config, body)
}

/// Where an attachment is published, relative to the site root.
pub fn attachment_path(space: &str, s: &Submission, name: &str) -> String {
    format!("{space}/files/{}/{}", s.id, safe_file_name(name))
}

/// An attachment's file name as published: the one sanitiser of names from mail
/// ([`crate::parse::sanitize_file_name`], which ingest already applied; applying it again
/// changes nothing, and covers records of older stores).
fn safe_file_name(name: &str) -> String {
    crate::parse::sanitize_file_name(name, "attachment")
}

/// Percent-encodes a path segment for an href (the file name itself stays readable).
fn url_segment(segment: &str) -> String {
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

fn contribution(s: &Submission, l: &Labels) -> Markup {
    let anchor = format!("contribution-{}", s.id);
    let body = text::to_html(&s.body, &anchor);
    html! {
        article class="contribution" id=(anchor) lang=[s.lang.map(|l| l.code())] {
            h3 { (text::redact(&s.subject)) }
            p class="meta" {
                strong { (text::redact(&s.author.name)) }
                @if let Some(a) = &s.author.affiliation { ", " (text::redact(a)) }
                @if let Some(t) = &s.author.stakeholder {
                    " · " span class="stakeholder" data-type=(t.kind.as_str()) { (t.kind.label(l.lang)) }
                }
                " · " time datetime=(s.date().strftime("%Y-%m-%d").to_string()) { (s.date().strftime("%Y-%m-%d").to_string()) }
            }
            (PreEscaped(body))
            @let files: Vec<_> = s.attachments.iter().filter(|a| a.sha256.is_some()).collect();
            @if !files.is_empty() {
                p class="attachments" {
                    (l.attachments) ": "
                    @for (i, a) in files.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href=(format!("files/{}/{}", s.id, url_segment(&safe_file_name(&a.name)))) rel="nofollow ugc noopener" download { (a.name) }
                        " (" (a.size / 1024 + 1) " KB)"
                    }
                }
            }
        }
    }
}

fn question_title(space: &Space, n: u32, lang: Lang) -> String {
    space
        .question(n)
        .and_then(|q| {
            q.title
                .get(&lang)
                .or_else(|| q.title.get(&Lang::En))
                .or_else(|| q.title.values().next())
        })
        .cloned()
        .unwrap_or_default()
}

/// A discussion space's page: its questions, each followed by its contributions.
pub fn space(config: &Config, page: &SpacePage<'_>) -> String {
    let space = page.space;
    let lang = space.lang.unwrap_or(Lang::En);
    let l = labels(lang);
    let body = html! {
        header {
            p { a href="../index.html" { (l.spaces) } }
            h1 { (space.title_in(lang)) }
            @if !space.aim.is_empty() { p class="aim" { (space.aim_in(lang)) } }
            @if !space.moderators.is_empty() {
                p class="meta" { (l.moderators) ": " (space.moderators.join(", ")) }
            }
            p class="meta" {
                a href="feed.atom" { (l.feed) } " · " a href="contributions.json" { (l.data) }
            }
            @if !space.questions.is_empty() {
                h2 { (l.questions) }
                ol {
                    @for q in &space.questions {
                        li value=(q.number) { a href=(format!("#question-{}", q.number)) { (question_title(space, q.number, lang)) } }
                    }
                }
            }
        }
        @for (number, list) in &page.by_question {
            @match number {
                Some(n) => section class="question" id=(format!("question-{n}")) {
                    h2 { (n) ". " (question_title(space, *n, lang)) }
                    @if list.is_empty() { p class="meta" { (l.none_yet) } }
                    @for s in list {
                        p class="meta" { (l.in_reply_to) " " (n) }
                        (contribution(s, &l))
                    }
                },
                None => @if !list.is_empty() {
                    section class="question" id="general" {
                        h2 { (l.general) }
                        @for s in list { (contribution(s, &l)) }
                    }
                },
            }
        }
    };
    layout(lang, space.title_in(lang), "../style.css", config, body)
}
