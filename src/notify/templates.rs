//! Message templates: text files shipped in `templates/` (one per kind and language,
//! `ack.fr.txt`), overridable by files of the same name in `[notify] templates_dir`. The
//! first line is `Subject: …`, then an empty line, then the body; `{name}` placeholders
//! are filled in.

use std::path::Path;

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

/// A rendered message: subject and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The text.
    pub body: String,
}

/// The template text for a kind and language: the override when there is one, else the
/// built-in (digests are in English only).
pub fn template(kind: MailKind, lang: Lang, dir: Option<&Path>) -> Result<String> {
    let lang = if kind == MailKind::Digest {
        Lang::En
    } else {
        lang
    };
    let name = format!("{}.{}", kind.as_str(), lang.code());
    if let Some(dir) = dir {
        let path = dir.join(format!("{name}.txt"));
        if path.exists() {
            return std::fs::read_to_string(&path).map_err(|e| Error::io("reading", path, e));
        }
    }
    BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| t.to_string())
        .ok_or_else(|| Error::Refused(format!("no template {name}")))
}

/// Fills `{name}` placeholders; an unknown placeholder is left as it is.
pub fn render(text: &str, values: &[(&str, String)]) -> Result<Rendered> {
    let mut out = text.replace("\r\n", "\n");
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    let (first, rest) = out.split_once('\n').unwrap_or((&out, ""));
    let subject = first
        .strip_prefix("Subject:")
        .ok_or_else(|| Error::Refused("a template's first line must be 'Subject: …'".into()))?
        .trim()
        .to_string();
    Ok(Rendered {
        subject,
        body: rest.trim_start_matches('\n').to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_renders_with_a_subject() {
        for kind in [
            MailKind::Ack,
            MailKind::Approved,
            MailKind::Rejected,
            MailKind::Digest,
        ] {
            for lang in Lang::ALL {
                let t = template(kind, lang, None).expect("exists");
                let r = render(&t, &[("subject", "S".into()), ("author", "Ana".into())])
                    .expect("renders");
                assert!(!r.subject.is_empty(), "{kind:?} {lang}");
                assert!(!r.body.contains("{author}"), "{kind:?} {lang}");
            }
        }
    }

    #[test]
    fn an_override_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("ack.fr.txt"),
            "Subject: Merci\n\nBonjour {author}",
        )
        .expect("write");
        let t = template(MailKind::Ack, Lang::Fr, Some(dir.path())).expect("found");
        let r = render(&t, &[("author", "Élodie".into())]).expect("renders");
        assert_eq!(r.subject, "Merci");
        assert_eq!(r.body, "Bonjour Élodie");
    }
}
