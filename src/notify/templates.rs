//! Message templates: text files shipped in `templates/` (one per kind and language,
//! `ack.fr.txt`), overridable by files of the same name in `[notify] templates_dir`. The
//! first line is `Subject: …`, then an empty line, then the body; `{{ name }}` inserts a
//! value (minijinja, so `{% if link %}…{% endif %}` works too). A paragraph is written on
//! one line: lines longer than 72 columns are wrapped when rendered.
//!
//! [`Templates::load`] compiles every template once and refuses, naming the file, one
//! that does not parse, lacks its subject line, or uses a variable its kind does not
//! have, and an override directory with a file that is no template or a contributor's
//! notice missing a language, so a mistake shows when `watch` or `outbox --send` starts,
//! not in a message.
//! Values are inserted as they are: a subject that contains `{{ reason }}` stays text.

use std::collections::BTreeSet;
use std::path::Path;

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use crate::model::{Lang, MailKind};
use crate::{Error, Result};

const BUILTIN: &[(&str, &str)] = &[
    ("ack.en", include_str!("../../templates/ack.en.txt")),
    ("ack.fr", include_str!("../../templates/ack.fr.txt")),
    ("ack.es", include_str!("../../templates/ack.es.txt")),
    (
        "approved.en",
        include_str!("../../templates/approved.en.txt"),
    ),
    (
        "approved.fr",
        include_str!("../../templates/approved.fr.txt"),
    ),
    (
        "approved.es",
        include_str!("../../templates/approved.es.txt"),
    ),
    (
        "rejected.en",
        include_str!("../../templates/rejected.en.txt"),
    ),
    (
        "rejected.fr",
        include_str!("../../templates/rejected.fr.txt"),
    ),
    (
        "rejected.es",
        include_str!("../../templates/rejected.es.txt"),
    ),
    ("digest.en", include_str!("../../templates/digest.en.txt")),
    ("digest.fr", include_str!("../../templates/digest.fr.txt")),
    ("digest.es", include_str!("../../templates/digest.es.txt")),
];

/// The kinds of message there are templates for.
const KINDS: [MailKind; 4] = [
    MailKind::Ack,
    MailKind::Approved,
    MailKind::Rejected,
    MailKind::Digest,
];

/// The variables a kind's templates may use; rendering supplies every one of them (see
/// [`super::compose::Notice`] and [`super::compose::Digest`] for what each holds).
pub fn variables(kind: MailKind) -> &'static [&'static str] {
    match kind {
        MailKind::Digest => &["space", "count", "pending", "settled", "list", "totals"],
        _ => &[
            "space",
            "author",
            "greeting",
            "subject",
            "date",
            "id",
            "routing",
            "link",
            "reason",
            "code",
            "signature",
            "corrects",
        ],
    }
}

fn name(kind: MailKind, lang: Lang) -> String {
    format!("{}.{}", kind.as_str(), lang.code())
}

/// A rendered message: subject and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The text.
    pub body: String,
}

/// Every template, compiled and checked.
pub struct Templates {
    env: Environment<'static>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").finish_non_exhaustive()
    }
}

impl Templates {
    /// Loads the built-in templates and the overrides in `dir`, and checks each.
    pub fn load(dir: Option<&Path>) -> Result<Templates> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        // A block tag on its own line leaves no empty line; the text keeps its last newline.
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| Error::Setup(format!("the templates' syntax: {e}")))?;
        env.set_syntax(syntax);
        if let Some(dir) = dir {
            check_overrides(dir)?;
        }
        for kind in KINDS {
            for lang in Lang::ALL {
                let name = name(kind, lang);
                let (source, origin) = source(&name, dir)?;
                let refuse = |why: String| Error::Setup(format!("template {origin}: {why}"));
                let source = source.replace("\r\n", "\n");
                if !source.starts_with("Subject:") {
                    return Err(refuse("the first line must be 'Subject: …'".into()));
                }
                if let Some(old) = single_brace_placeholder(&source, kind) {
                    return Err(refuse(format!(
                        "{{{old}}} is the old placeholder form: write {{{{ {old} }}}}"
                    )));
                }
                env.add_template_owned(name.clone(), source)
                    .map_err(|e| refuse(e.to_string()))?;
                let template = env.get_template(&name).map_err(|e| refuse(e.to_string()))?;
                let allowed: BTreeSet<&str> = variables(kind).iter().copied().collect();
                let mut unknown: Vec<String> = template
                    .undeclared_variables(false)
                    .into_iter()
                    .filter(|v| !allowed.contains(v.as_str()))
                    .collect();
                unknown.sort();
                if !unknown.is_empty() {
                    return Err(refuse(format!(
                        "uses {}, which {} messages do not have (they have: {})",
                        unknown.join(", "),
                        kind.as_str(),
                        variables(kind).join(", ")
                    )));
                }
                // A use the names alone cannot catch (an attribute an item does not have,
                // a filter that does not exist) shows in a trial rendering.
                template
                    .render(super::compose::sample(kind))
                    .map_err(|e| refuse(e.to_string()))?;
            }
        }
        Ok(Templates { env })
    }

    /// Renders the template of a kind in a language with `values` (every variable of
    /// the kind, see [`variables`]).
    pub fn render(
        &self,
        kind: MailKind,
        lang: Lang,
        values: &impl serde::Serialize,
    ) -> Result<Rendered> {
        let name = name(kind, lang);
        let context = Value::from(minijinja::value::Serde(values));
        let text = self
            .env
            .get_template(&name)
            .and_then(|t| t.render(context))
            .map_err(|e| Error::Setup(format!("template {name}: {e}")))?;
        let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
        let subject = first
            .strip_prefix("Subject:")
            .ok_or_else(|| Error::Setup(format!("template {name}: no subject line")))?
            .trim()
            .to_string();
        Ok(Rendered {
            subject,
            body: fill(rest.trim_start_matches('\n'), lang),
        })
    }
}

/// The width text lines are wrapped to.
pub const WIDTH: usize = 72;

/// Wraps each line longer than [`WIDTH`] at spaces, keeping its indentation on the lines
/// it becomes, so a template can write a paragraph on one line whatever the length of the
/// values in it; short lines (a signature, a list) stay as written. A word longer than the
/// width (a link) is never cut. In French, the space before `: ; ? !` and inside `« »`
/// becomes a no-break space (a value's own spaces included), so no line starts with them.
fn fill(text: &str, lang: Lang) -> String {
    let text = match lang {
        Lang::Fr => french_spacing(text),
        _ => text.to_string(),
    };
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let (content, newline) = match line.strip_suffix('\n') {
            Some(c) => (c, "\n"),
            None => (line, ""),
        };
        if textwrap::core::display_width(content) <= WIDTH {
            out.push_str(line);
            continue;
        }
        let indent = &content[..content.len() - content.trim_start().len()];
        let options = textwrap::Options::new(WIDTH)
            .initial_indent(indent)
            .subsequent_indent(indent)
            .word_separator(textwrap::WordSeparator::AsciiSpace)
            .word_splitter(textwrap::WordSplitter::NoHyphenation)
            .break_words(false);
        out.push_str(&textwrap::fill(content.trim_start(), options));
        out.push_str(newline);
    }
    out
}

/// French typography's no-break spaces where a plain space was typed.
fn french_spacing(text: &str) -> String {
    let mut out = text.to_string();
    for (plain, kept) in [
        (" :", "\u{a0}:"),
        (" ;", "\u{a0};"),
        (" ?", "\u{a0}?"),
        (" !", "\u{a0}!"),
        (" »", "\u{a0}»"),
        ("« ", "«\u{a0}"),
    ] {
        out = out.replace(plain, kept);
    }
    out
}

/// A template's text and where it came from: the override when there is one, else the
/// built-in.
/// Refuses an override directory that would mix texts: a file that is no template's
/// (`ack.de.txt`, `acknowledgement.en.txt` would otherwise be ignored without a word),
/// or a contributor's notice overridden in some languages but not all (a French
/// contributor would get the built-in text while an English one gets the consultation's).
/// The digest goes to the moderators in one language, so it may be overridden in one.
fn check_overrides(dir: &Path) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io("reading", dir, e))?;
    let mut present = BTreeSet::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("reading", dir, e))?;
        let file = entry.file_name().to_string_lossy().into_owned();
        if file.starts_with('.') || !file.ends_with(".txt") {
            continue;
        }
        let stem = file.trim_end_matches(".txt");
        if !BUILTIN.iter().any(|(n, _)| *n == stem) {
            return Err(Error::Setup(format!(
                "template {}: not a template hubmail has (they are KIND.LANG.txt: {})",
                entry.path().display(),
                BUILTIN
                    .iter()
                    .map(|(n, _)| format!("{n}.txt"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        present.insert(stem.to_string());
    }
    for kind in KINDS.into_iter().filter(|k| *k != MailKind::Digest) {
        let (given, missing): (Vec<_>, Vec<_>) = Lang::ALL
            .into_iter()
            .map(|l| name(kind, l))
            .partition(|n| present.contains(n));
        if !given.is_empty() && !missing.is_empty() {
            return Err(Error::Setup(format!(
                "templates in {}: {} is overridden in {} but not in {}: add {} so that every \
                 contributor gets the consultation's text in their language",
                dir.display(),
                kind.as_str(),
                given.join(", "),
                missing.join(", "),
                missing
                    .iter()
                    .map(|n| format!("{n}.txt"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Ok(())
}

fn source(name: &str, dir: Option<&Path>) -> Result<(String, String)> {
    if let Some(dir) = dir {
        let path = dir.join(format!("{name}.txt"));
        if path.exists() {
            let text =
                std::fs::read_to_string(&path).map_err(|e| Error::io("reading", &path, e))?;
            return Ok((text, path.display().to_string()));
        }
    }
    BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| (t.to_string(), format!("{name}.txt (built in)")))
        .ok_or_else(|| Error::Setup(format!("no template {name}")))
}

/// A `{name}` of one of the kind's variables outside `{{ }}`: an override written for the
/// placeholders of earlier versions, which would otherwise go out as literal text.
fn single_brace_placeholder(source: &str, kind: MailKind) -> Option<&'static str> {
    let unbraced = source.replace("{{", "").replace("}}", "");
    variables(kind)
        .iter()
        .find(|v| unbraced.contains(&format!("{{{v}}}")))
        .copied()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn values(kind: MailKind) -> BTreeMap<&'static str, String> {
        variables(kind)
            .iter()
            .map(|v| (*v, format!("<{v}>")))
            .collect()
    }

    #[test]
    fn every_builtin_renders_with_a_subject() {
        let t = Templates::load(None).expect("the built-ins load");
        for kind in KINDS {
            for lang in Lang::ALL {
                let r = t
                    .render(kind, lang, &super::super::compose::sample(kind))
                    .expect("renders");
                assert!(!r.subject.is_empty(), "{kind:?} {lang}");
                assert!(!r.body.contains('{'), "{kind:?} {lang}: {}", r.body);
            }
        }
        let ack = t
            .render(MailKind::Ack, Lang::Fr, &values(MailKind::Ack))
            .expect("renders");
        assert!(ack.body.starts_with("<greeting>\n"), "{}", ack.body);
        assert!(ack.body.ends_with("<signature>\n"), "{}", ack.body);
    }

    #[test]
    fn long_lines_are_wrapped_keeping_their_indent_and_short_ones_stay() {
        let long = "word ".repeat(30);
        let text = format!("{long}\n    {long}\nThe team\nThe consultation\n");
        let filled = fill(&text, Lang::En);
        for line in filled.lines() {
            assert!(line.chars().count() <= WIDTH, "{line:?}");
        }
        let lines: Vec<&str> = filled.lines().collect();
        assert!(
            lines.iter().filter(|l| l.starts_with("    word")).count() >= 2,
            "{filled}"
        );
        assert!(filled.ends_with("The team\nThe consultation\n"), "{filled}");
        let link = format!("See https://example.org/gcm-review/{}", "a".repeat(90));
        assert_eq!(
            fill(&link, Lang::En),
            link.replace("See ", "See\n"),
            "a link is never cut"
        );
        let french = format!("{} (Objectif 20) ?", "mot ".repeat(16).trim_end());
        let filled = fill(&french, Lang::Fr);
        assert!(filled.ends_with("20)\u{a0}?"), "{filled:?}");
    }

    /// Writes an override of the acknowledgement in each language: `text` for `lang`,
    /// a plain valid one for the others.
    fn ack_overrides(dir: &Path, lang: &str, text: &str) {
        for l in ["en", "fr", "es"] {
            let body = if l == lang {
                text
            } else {
                "Subject: Thanks\n\n{{ greeting }}"
            };
            std::fs::write(dir.join(format!("ack.{l}.txt")), body).expect("write");
        }
    }

    #[test]
    fn an_override_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        ack_overrides(dir.path(), "fr", "Subject: Merci\n\nBonjour {{ author }}");
        let t = Templates::load(Some(dir.path())).expect("loads");
        let mut v = values(MailKind::Ack);
        v.insert("author", "Élodie".into());
        let r = t.render(MailKind::Ack, Lang::Fr, &v).expect("renders");
        assert_eq!(r.subject, "Merci");
        assert_eq!(r.body, "Bonjour Élodie");
    }

    #[test]
    fn a_value_that_looks_like_a_placeholder_stays_text() {
        let t = Templates::load(None).expect("loads");
        let mut v = values(MailKind::Rejected);
        v.insert("subject", "About {reason} and {{ reason }}".into());
        v.insert("reason", "off topic".into());
        let r = t.render(MailKind::Rejected, Lang::En, &v).expect("renders");
        assert_eq!(r.subject, "Not published: About {reason} and {{ reason }}");
    }

    #[test]
    fn a_bad_override_is_refused_at_load_naming_the_file() {
        let cases = [
            (
                "ack.es.txt",
                "Subject: Hi {{ nmae }}\n\nx",
                "uses nmae, which ack messages",
            ),
            ("ack.es.txt", "Subject: Hi {{ count }}\n\nx", "uses count"),
            (
                "ack.es.txt",
                "Hello\n\nx",
                "first line must be 'Subject: …'",
            ),
            (
                "ack.es.txt",
                "Subject: Hi {author}\n\nx",
                "{author} is the old placeholder form",
            ),
            ("ack.es.txt", "Subject: Hi {% if %}\n\nx", "syntax error"),
            (
                "digest.fr.txt",
                "Subject: x\n\n{% for s in pending %}{{ s.adress }}{% endfor %}",
                "undefined",
            ),
        ];
        for (file, text, expected) in cases {
            let dir = tempfile::tempdir().expect("tempdir");
            match file.strip_prefix("ack.") {
                Some(rest) => ack_overrides(dir.path(), rest.trim_end_matches(".txt"), text),
                None => std::fs::write(dir.path().join(file), text).expect("write"),
            }
            let e = Templates::load(Some(dir.path()))
                .expect_err(text)
                .to_string();
            assert!(e.contains(file) && e.contains(expected), "{text:?}: {e}");
        }
    }

    #[test]
    fn an_override_missing_a_language_or_misnamed_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        for l in ["en", "fr"] {
            std::fs::write(
                dir.path().join(format!("rejected.{l}.txt")),
                "Subject: x\n\n{{ reason }}",
            )
            .expect("write");
        }
        let e = Templates::load(Some(dir.path()))
            .expect_err("es missing")
            .to_string();
        assert!(
            e.contains("rejected is overridden in rejected.en, rejected.fr but not in rejected.es")
                && e.contains("add rejected.es.txt"),
            "{e}"
        );

        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("ack.de.txt"), "Subject: x\n\ny").expect("write");
        let e = Templates::load(Some(dir.path()))
            .expect_err("no German")
            .to_string();
        assert!(e.contains("ack.de.txt: not a template hubmail has"), "{e}");

        // The digest goes to the moderators in one language: one override is enough.
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("digest.fr.txt"),
            "Subject: Nouveautés\n\n{{ list }}",
        )
        .expect("write");
        Templates::load(Some(dir.path())).expect("a digest in one language loads");
    }
}
