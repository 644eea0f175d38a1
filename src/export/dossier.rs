//! The export as a dossier to read (Markdown): per space and question, the contributions
//! grouped by stakeholder type, each with its author, affiliation, language, date and
//! text. Everything from mail is escaped, so a contribution cannot add headings, links,
//! images or HTML to the dossier.

use std::collections::HashMap;
use std::fmt::Write;

use super::{Row, type_label};
use crate::config::Config;
use crate::model::{Lang, StakeholderType};
use crate::publish::labels::Labels;

/// The dossier, in the labels of the default space's first language.
pub(super) fn markdown(config: &Config, rows: &[Row]) -> String {
    let lang = config.default_space().first_lang();
    let l = Labels::of(lang);
    let mut out = String::new();
    let all: Vec<&Row> = rows.iter().collect();
    let spaces = super::runs(&all, |r| r.space.clone());
    if spaces.is_empty() {
        let _ = writeln!(out, "# {}\n\n{}", l.contributions, l.none_yet);
    }
    for (id, list) in spaces {
        let title = config.space(&id).map_or(id.as_str(), |s| s.title_in(lang));
        let _ = writeln!(out, "# {}\n\n{}\n", escape(title), count(&l, &list));
        let questions = super::runs(&list, |r| r.question);
        for (number, list) in questions {
            let heading = match (number, list[0].question_title.as_deref()) {
                (Some(n), Some(t)) => format!("{n}. {}", escape(t)),
                (Some(n), None) => format!("{} {n}", question_word(lang)),
                (None, _) => l.general.to_string(),
            };
            let _ = writeln!(out, "## {heading}\n\n{}\n", count(&l, &list));
            // A campaign is read once: under its first letter, who else sent it.
            let mut campaigns: HashMap<&str, Vec<&Row>> = HashMap::new();
            for r in &list {
                if let Some(g) = r.campaign.as_deref() {
                    campaigns.entry(g).or_default().push(r);
                }
            }
            let mut printed: Vec<&str> = Vec::new();
            let types = StakeholderType::ALL.iter().copied().map(Some).chain([None]);
            for kind in types {
                let of_kind: Vec<&&Row> =
                    list.iter().filter(|r| r.stakeholder_type == kind).collect();
                if of_kind.is_empty() {
                    continue;
                }
                let _ = writeln!(out, "### {} ({})\n", type_label(kind, lang), of_kind.len());
                for r in of_kind {
                    match r.campaign.as_deref() {
                        Some(g) if printed.contains(&g) => continue,
                        Some(g) => {
                            printed.push(g);
                            contribution(&mut out, &l, r);
                            also_sent_by(&mut out, lang, g, &campaigns[g]);
                        }
                        None => contribution(&mut out, &l, r),
                    }
                }
            }
        }
    }
    out
}

fn question_word(lang: Lang) -> &'static str {
    match lang {
        Lang::En | Lang::Fr => "Question",
        Lang::Es => "Pregunta",
    }
}

fn count(l: &Labels, rows: &[&Row]) -> String {
    let by_lang: Vec<(Option<Lang>, usize)> = Lang::ALL
        .iter()
        .map(|x| Some(*x))
        .chain([None])
        .map(|x| (x, rows.iter().filter(|r| r.lang == x).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    l.count(&by_lang)
}

/// "Sent by 71 contributors (campaign G12): A (Org), B, …" after a campaign's first letter.
fn also_sent_by(out: &mut String, lang: Lang, campaign: &str, letters: &[&Row]) {
    let names: Vec<String> = letters
        .iter()
        .map(|r| match &r.affiliation {
            Some(a) => format!("{} ({})", escape(&r.author), escape(a)),
            None => escape(&r.author),
        })
        .collect();
    let words = match lang {
        Lang::En => ("Sent by", "contributors", "campaign"),
        Lang::Fr => ("Envoyée par", "contributeurs", "campagne"),
        Lang::Es => ("Enviada por", "participantes", "campaña"),
    };
    let _ = writeln!(
        out,
        "*{} {} {} ({} {campaign}):* {}\n",
        words.0,
        letters.len(),
        words.1,
        words.2,
        names.join(", ")
    );
}

fn contribution(out: &mut String, l: &Labels, r: &Row) {
    let _ = writeln!(out, "#### {}\n", escape(&r.subject));
    let mut meta = format!("**{}**", escape(&r.author));
    for part in [r.affiliation.as_deref(), r.department.as_deref()]
        .into_iter()
        .flatten()
    {
        let _ = write!(meta, ", {}", escape(part));
    }
    if let Some(country) = &r.country {
        let _ = write!(meta, " · {}", country.name);
    }
    if let Some(lang) = r.lang {
        let _ = write!(meta, " · {}", l.language_name(lang));
    }
    let _ = write!(meta, " · {}", r.date.get(..10).unwrap_or(&r.date));
    match &r.link {
        Some(link) => {
            let _ = write!(meta, " · [#{}](<{}>)", r.id, link.replace(['<', '>'], ""));
        }
        None => {
            let _ = write!(meta, " · #{}", r.id);
        }
    }
    if let Some(state) = r.state {
        let _ = write!(meta, " · {state}");
    }
    let _ = writeln!(out, "{meta}\n");
    if let Some(parent) = r.in_reply_to {
        let _ = writeln!(out, "*{} #{parent}*\n", l.in_reply_to);
    }
    if !r.objectives.is_empty() {
        let numbers: Vec<String> = r.objectives.iter().map(u8::to_string).collect();
        let _ = writeln!(out, "GCM: {}\n", numbers.join(", "));
    }
    let _ = writeln!(out, "{}\n", escape(r.text.trim()));
    for v in &r.translations {
        let lang = v.lang.map_or("?", |lang| l.language_name(lang));
        let _ = writeln!(
            out,
            "*{} {lang} (#{}): {}*\n\n{}\n",
            l.also_in,
            v.id,
            escape(&v.subject),
            escape(v.text.trim())
        );
    }
    if !r.attachments.is_empty() {
        let names: Vec<String> = r.attachments.iter().map(|a| escape(&a.name)).collect();
        let _ = writeln!(out, "{}{}{}\n", l.attachments, l.colon, names.join(", "));
    }
}

/// Text made inert in Markdown, so that a contribution cannot leave its place in the
/// dossier: the characters that start HTML, entities, links, images and autolinks are
/// backslash-escaped wherever they are, and so is the first character of a line that
/// would open a heading, a quote, a code fence or a rule (or make the line above a
/// heading). Emphasis and lists stay as written: they cannot reach past their paragraph.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        out.push_str(&line[..line.len() - trimmed.len()]);
        let rule = trimmed.chars().any(|c| c != ' ')
            && trimmed
                .chars()
                .all(|c| matches!(c, '-' | '=' | '_' | '*' | ' '));
        let opens_block = trimmed.starts_with(['#', '>'])
            || trimmed.starts_with("```")
            || trimmed.starts_with("~~~")
            || rule;
        for (j, c) in trimmed.chars().enumerate() {
            if (j == 0 && opens_block) || matches!(c, '\\' | '<' | '>' | '&' | '[' | ']') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn mail_cannot_add_markup_to_the_dossier() {
        assert_eq!(escape("# Title"), "\\# Title");
        assert_eq!(
            escape("<script>x</script> & [a](javascript:x) ![i](y)"),
            "\\<script\\>x\\</script\\> \\& \\[a\\](javascript:x) !\\[i\\](y)"
        );
        assert_eq!(escape("text\n---"), "text\n\\---");
        assert_eq!(escape("text\n=="), "text\n\\==");
        assert_eq!(escape("```\ncode"), "\\```\ncode");
        assert_eq!(escape("~~~"), "\\~~~");
        assert_eq!(escape("> quoted"), "\\> quoted");
        assert_eq!(escape("[1]: http://x"), "\\[1\\]: http://x");
    }

    #[test]
    fn lists_emphasis_and_paragraphs_stay_as_written() {
        assert_eq!(
            escape("1. First\n2. Second\n\nNext"),
            "1. First\n2. Second\n\nNext"
        );
        assert_eq!(escape("* a point\n- another"), "* a point\n- another");
        assert_eq!(escape("the **network**"), "the **network**");
    }
}
