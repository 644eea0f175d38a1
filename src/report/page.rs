//! The report as an HTML page (maud, which escapes every value): each chart inline, with
//! the table of its figures beneath it, readable without JavaScript and printable.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{Figures, Words, charts};
use crate::Result;

/// The four charts of a report, as SVG.
pub struct Charts {
    /// Per question and language.
    pub per_question: String,
    /// Per stakeholder type.
    pub per_type: String,
    /// Per week.
    pub per_week: String,
    /// The objectives mentioned most.
    pub objectives: String,
}

impl Charts {
    /// Draws the charts of `f`.
    pub fn draw(f: &Figures, w: &Words) -> Result<Charts> {
        Ok(Charts {
            per_question: charts::per_question(f, w)?,
            per_type: charts::per_type(f, w)?,
            per_week: charts::per_week(f, w)?,
            objectives: charts::objectives(f, w)?,
        })
    }

    /// The charts with the file names the report gives them.
    pub fn files(&self) -> [(&'static str, &str); 4] {
        [
            ("per-question.svg", &self.per_question),
            ("per-type.svg", &self.per_type),
            ("per-week.svg", &self.per_week),
            ("objectives.svg", &self.objectives),
        ]
    }
}

/// The standalone page's frame.
const BODY_STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:52rem;margin:0 auto;padding:1rem 1.5rem;line-height:1.5;color:#1d2430}
";

/// The figures' style (the published site has it too); in print, a chart and its table
/// stay on one page.
pub const FIGURE_STYLE: &str = "\
section.figure{margin:2rem 0;break-inside:avoid;page-break-inside:avoid}
section.figure svg{max-width:100%;height:auto}
table.figures{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}
table.figures th,table.figures td{border:1px solid #ccd;padding:.2rem .6rem;text-align:left}
table.figures td.n{text-align:right}
";

/// The figures and charts as a section of a page; `title`: the space's (or
/// consultation's) name.
pub fn body(title: &str, f: &Figures, w: &Words, charts: &Charts) -> Markup {
    let langs: Vec<&str> = ["en", "fr", "es", "undetermined"]
        .into_iter()
        .filter(|k| f.by_question.iter().any(|q| q.by_lang.contains_key(*k)))
        .collect();
    html! {
        header {
            h1 { (w.title) }
            p class="scope" { (title) }
            p {
                (w.intro) " " (w.contributions) (w.colon) strong { (f.contributions) }
                @if f.versions > 0 { " " (w.versions.replace("{n}", &f.versions.to_string())) }
            }
        }
        @if let Some(m) = &f.moderation {
            section class="moderation" {
                h2 { (w.moderation) }
                table class="figures" {
                    tr { th { (w.received) } td class="n" { (m.received) } }
                    tr { th { (w.pending) } td class="n" { (m.pending) } }
                    tr { th { (w.approved) } td class="n" { (m.approved) } }
                    tr { th { (w.rejected) } td class="n" { (m.rejected) } }
                    tr {
                        th { (w.median) }
                        td class="n" {
                            @match m.median_hours_to_decision {
                                Some(h) => { (format!("{h:.1}")) " " (w.hours) }
                                None => { (w.no_decision) }
                            }
                        }
                    }
                }
            }
        }
        @if f.contributions == 0 {
            p { (w.none_yet) }
        } @else {
            section class="figure" id="per-question" {
                (PreEscaped(&charts.per_question))
                table class="figures" {
                    tr {
                        th { (w.question) } th { "" }
                        @for k in &langs { th { (w.lang_label(k)) } }
                        th { (w.total) }
                    }
                    @for q in &f.by_question {
                        tr {
                            td { (w.question_label(q.question)) }
                            td {
                                @match q.title.get(&w.lang) {
                                    Some(t) => (t),
                                    None => @if let Some((lang, t)) = q.title.iter().next() {
                                        span lang=(lang.code()) { (t) }
                                    },
                                }
                            }
                            @for k in &langs {
                                td class="n" { (q.by_lang.get(*k).copied().unwrap_or(0)) }
                            }
                            td class="n" { (q.total) }
                        }
                    }
                }
            }
            section class="figure" id="per-type" {
                (PreEscaped(&charts.per_type))
                table class="figures" {
                    @for c in &f.by_type {
                        tr { td { (w.type_label(&c.key)) } td class="n" { (c.count) } }
                    }
                }
            }
            section class="figure" id="per-week" {
                (PreEscaped(&charts.per_week))
                table class="figures" {
                    tr { th { (w.week_of) } th { (w.contributions) } }
                    @for c in &f.by_week {
                        tr { td { (c.key) } td class="n" { (c.count) } }
                    }
                }
            }
            @if !f.campaigns.is_empty() {
                section class="figure" id="campaigns" {
                    h2 { (w.campaigns) }
                    table class="figures" {
                        @for c in &f.campaigns {
                            tr {
                                td { (c.id) }
                                td class="n" { (c.members.len()) }
                                td {
                                    (w.campaign_line.replace("{senders}", &c.senders.to_string()))
                                    " " (c.lang.map_or(w.undetermined.to_string(), |l| l.name_in(w.lang).to_string()))
                                }
                            }
                        }
                    }
                }
            }
            section class="figure" id="objectives" {
                (PreEscaped(&charts.objectives))
                table class="figures" {
                    @for c in &f.objectives {
                        tr { td { (w.objective) " " (c.key) } td class="n" { (c.count) } }
                    }
                }
            }
        }
    }
}

/// The report as a page of its own.
pub fn standalone(title: &str, f: &Figures, w: &Words, charts: &Charts) -> String {
    html! {
        (DOCTYPE)
        html lang=(w.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'";
                title { (w.title) " — " (title) }
                style { (PreEscaped(BODY_STYLE)) (PreEscaped(FIGURE_STYLE)) }
            }
            body { (body(title, f, w, charts)) }
        }
    }
    .into_string()
}
