//! The search page of a space in one language (its contributions only): a form that works without JavaScript,
//! the results with their matches marked, facets that narrow the query, and paging.

use maud::{DOCTYPE, Markup, html};

use super::Refusal;
use crate::config::Space;
use crate::index::{Hit, Results};
use crate::model::{Lang, StakeholderType};

/// Results per page.
const PAGE: usize = 10;

struct Words {
    search: &'static str,
    results: &'static str,
    none: &'static str,
    previous: &'static str,
    next: &'static str,
    question: &'static str,
    language: &'static str,
    kind: &'static str,
    objective: &'static str,
    back: &'static str,
    help: &'static str,
    in_file: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::En => Words {
            search: "Search",
            results: "results",
            none: "No contribution matches.",
            previous: "Previous",
            next: "Next",
            question: "Question",
            language: "Language",
            kind: "Type",
            objective: "GCM objective",
            back: "Back to the discussion",
            in_file: "In the attached document",
            help: "Words in any of the three languages; \"a phrase\", OR, -word, q:2, lang:fr, type:civil-society.",
        },
        Lang::Fr => Words {
            search: "Rechercher",
            results: "résultats",
            none: "Aucune contribution ne correspond.",
            previous: "Précédents",
            next: "Suivants",
            question: "Question",
            language: "Langue",
            kind: "Type",
            objective: "Objectif du PMM",
            back: "Retour à la discussion",
            in_file: "Dans le document joint",
            help: "Des mots dans l'une des trois langues ; « une expression » entre guillemets droits, OR, -mot, q:2, lang:fr, type:civil-society.",
        },
        Lang::Es => Words {
            search: "Buscar",
            results: "resultados",
            none: "Ninguna contribución coincide.",
            previous: "Anteriores",
            next: "Siguientes",
            question: "Pregunta",
            language: "Idioma",
            kind: "Tipo",
            objective: "Objetivo del PMM",
            back: "Volver al debate",
            in_file: "En el documento adjunto",
            help: "Palabras en cualquiera de los tres idiomas; \"una frase\", OR, -palabra, q:2, lang:fr, type:civil-society.",
        },
    }
}

/// A query string value, percent-encoded.
fn encode(value: &str) -> String {
    crate::publish::url_segment(value)
}

/// The snippet with its matches in `<mark>` (offsets are in characters).
fn marked(hit: &Hit) -> Markup {
    let chars: Vec<char> = hit.snippet.chars().collect();
    let mut parts: Vec<(bool, String)> = Vec::new();
    let mut at = 0;
    for &(start, end) in &hit.highlights {
        let (start, end) = (start.min(chars.len()), end.min(chars.len()));
        if start < at || end <= start {
            continue;
        }
        parts.push((false, chars[at..start].iter().collect()));
        parts.push((true, chars[start..end].iter().collect()));
        at = end;
    }
    parts.push((false, chars[at..].iter().collect()));
    html! {
        @for (mark, text) in &parts {
            @if *mark { mark { (text) } } @else { (text) }
        }
    }
}

fn facet(
    title: &str,
    counts: &[(String, u64)],
    query: &str,
    filter: impl Fn(&str) -> Option<String>,
    label: impl Fn(&str) -> String,
) -> Markup {
    html! {
        @if !counts.is_empty() {
            div class="facet" {
                h3 { (title) }
                ul {
                    @for (value, n) in counts {
                        li {
                            @match filter(value) {
                                Some(f) => a href=(format!("?q={}", encode(&format!("{query} {f}")))) { (label(value)) },
                                None => (label(value)),
                            }
                            " (" (n) ")"
                        }
                    }
                }
            }
        }
    }
}

/// The page; `outcome` is none before a query was made.
pub(super) fn render(
    space: &Space,
    lang: Lang,
    query: &str,
    offset: usize,
    outcome: Option<&Result<Results, Refusal>>,
) -> String {
    let w = words(lang);
    let title = space.title_in(lang).to_string();
    let body = html! {
        header {
            p { a href="index.html" { (w.back) } }
            h1 { (title) }
            form method="get" action="search" role="search" {
                input type="search" name="q" value=(query) maxlength="1000" aria-label=(w.search);
                " " button type="submit" { (w.search) }
            }
            p class="meta" { (w.help) }
        }
        @match outcome {
            None => {},
            Some(Err(Refusal(_, message))) => p class="error" role="alert" { (message) },
            Some(Ok(results)) => {
                p class="meta" { (results.total) " " (w.results) }
                @if results.hits.is_empty() { p { (w.none) } }
                // Every hit is of this space, whose page in this language is beside.
                @for hit in &results.hits {
                    article class="contribution result" lang=[Lang::from_tag(&hit.lang).map(|l| l.code())] {
                        h3 {
                            a href=(format!("index.html#contribution-{}", hit.id)) {
                                (crate::publish::text::redact(&crate::route::bare_subject(&hit.subject)))
                            }
                        }
                        p class="meta" {
                            strong { (crate::publish::text::redact(&hit.author)) }
                            @if let Some(a) = &hit.affiliation { ", " (crate::publish::text::redact(a)) }
                            " · " (lang.long_date(hit.date.to_zoned(jiff::tz::TimeZone::UTC).date()))
                        }
                        @if let Some(file) = &hit.snippet_file {
                            p class="meta snippet-file" { (w.in_file) " " (crate::publish::text::redact(file)) }
                        }
                        p class="snippet" { (marked(hit)) }
                    }
                }
                nav class="paging" {
                    @if offset > 0 {
                        a href=(format!("?q={}&offset={}", encode(query), offset.saturating_sub(PAGE))) { (w.previous) } " "
                    }
                    @if results.total > offset + results.hits.len() {
                        a href=(format!("?q={}&offset={}", encode(query), offset + PAGE)) { (w.next) }
                    }
                }
                @if let Some(f) = &results.facets {
                    aside class="facets" {
                        (facet(w.question, &f.question.iter().map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>(), query,
                            |v| (v != "none").then(|| format!("q:{v}")), |v| v.to_string()))
                        (facet(w.language, &f.lang.iter().map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>(), query,
                            |v| Lang::from_tag(v).map(|l| format!("lang:{}", l.code())), |v| v.to_string()))
                        (facet(w.kind, &f.stakeholder.iter().map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>(), query,
                            |v| Some(format!("type:{v}")),
                            |v| v.parse::<StakeholderType>().map_or(v.to_string(), |t| t.label(lang).to_string())))
                        (facet(w.objective, &f.objective.iter().map(|(k, v)| (k.to_string(), *v)).collect::<Vec<_>>(), query,
                            |v| Some(format!("objective:{v}")), |v| v.to_string()))
                    }
                }
            }
        }
    };
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (w.search) " — " (title) }
                link rel="stylesheet" href="../../style.css";
            }
            body { (body) }
        }
    }
    .into_string()
}
