//! Message templates: text files shipped in `templates/` (one per kind and language,
//! `ack.fr.txt`), overridable by files of the same name in `[notify] templates_dir`. The
//! first line is `Subject: …`, then an empty line, then the body; `{{ name }}` inserts a
//! value (minijinja, so `{% if link %}…{% endif %}` works too).
//!
//! [`Templates::load`] compiles every template once and refuses, naming the file, one
//! that does not parse, lacks its subject line, or uses a variable its kind does not
//! have, so a mistake shows when `watch` or `outbox --send` starts, not in a message.
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
];

/// The kinds of message there are templates for.
const KINDS: [MailKind; 4] = [
    MailKind::Ack,
    MailKind::Approved,
    MailKind::Rejected,
    MailKind::Digest,
];

/// The variables a kind's templates may use; rendering supplies every one of them.
pub fn variables(kind: MailKind) -> &'static [&'static str] {
    match kind {
        MailKind::Digest => &["space", "count", "list"],
        _ => &[
            "space", "author", "subject", "date", "id", "routing", "link", "reason",
        ],
    }
}

/// The languages a kind's templates exist in (digests go to moderators, in English).
fn languages(kind: MailKind) -> &'static [Lang] {
    match kind {
        MailKind::Digest => &[Lang::En],
        _ => &Lang::ALL,
    }
}

fn name(kind: MailKind, lang: Lang) -> String {
    let lang = if languages(kind).contains(&lang) {
        lang
    } else {
        Lang::En
    };
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
        for kind in KINDS {
            for &lang in languages(kind) {
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
        values: &[(&str, String)],
    ) -> Result<Rendered> {
        let name = name(kind, lang);
        let context = Value::from_pairs(values.iter().map(|(k, v)| (*k, v.as_str())));
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
            body: rest.trim_start_matches('\n').to_string(),
        })
    }
}

/// A template's text and where it came from: the override when there is one, else the
/// built-in.
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
    use super::*;

    fn values(kind: MailKind) -> Vec<(&'static str, String)> {
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
                let r = t.render(kind, lang, &values(kind)).expect("renders");
                assert!(!r.subject.is_empty(), "{kind:?} {lang}");
                assert!(!r.body.contains('{'), "{kind:?} {lang}: {}", r.body);
            }
        }
        let ack = t
            .render(MailKind::Ack, Lang::Fr, &values(MailKind::Ack))
            .expect("renders");
        assert!(ack.body.contains("Bonjour <author>"), "{}", ack.body);
    }

    #[test]
    fn an_override_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("ack.fr.txt"),
            "Subject: Merci\n\nBonjour {{ author }}",
        )
        .expect("write");
        let t = Templates::load(Some(dir.path())).expect("loads");
        let mut v = values(MailKind::Ack);
        v[1].1 = "Élodie".into();
        let r = t.render(MailKind::Ack, Lang::Fr, &v).expect("renders");
        assert_eq!(r.subject, "Merci");
        assert_eq!(r.body, "Bonjour Élodie");
    }

    #[test]
    fn a_value_that_looks_like_a_placeholder_stays_text() {
        let t = Templates::load(None).expect("loads");
        let mut v = values(MailKind::Rejected);
        v[2].1 = "About {reason} and {{ reason }}".into();
        v[7].1 = "off topic".into();
        let r = t.render(MailKind::Rejected, Lang::En, &v).expect("renders");
        assert_eq!(r.subject, "Not published: About {reason} and {{ reason }}");
    }

    #[test]
    fn a_bad_override_is_refused_at_load_naming_the_file() {
        let cases = [
            (
                "Subject: Hi {{ nmae }}\n\nx",
                "uses nmae, which ack messages",
            ),
            ("Subject: Hi {{ count }}\n\nx", "uses count"),
            ("Hello\n\nx", "first line must be 'Subject: …'"),
            (
                "Subject: Hi {author}\n\nx",
                "{author} is the old placeholder form",
            ),
            ("Subject: Hi {% if %}\n\nx", "syntax error"),
        ];
        for (text, expected) in cases {
            let dir = tempfile::tempdir().expect("tempdir");
            std::fs::write(dir.path().join("ack.es.txt"), text).expect("write");
            let e = Templates::load(Some(dir.path()))
                .expect_err(text)
                .to_string();
            assert!(
                e.contains("ack.es.txt") && e.contains(expected),
                "{text:?}: {e}"
            );
        }
    }
}
