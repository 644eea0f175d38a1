//! `hubmail edit ID`: correct the publishable fields in `$VISUAL`/`$EDITOR`.
//!
//! The store is not held while the editor is open: the record is read, the moderator edits
//! a small document, and the change is applied only if nobody changed the submission
//! meanwhile. An invalid or refused edit is never thrown away: the file is kept and the
//! message says how to apply it again.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use hubmail::config::Config;
use hubmail::decision;
use hubmail::model::{Lang, Publishable, StakeholderType, Submission, SubmissionId};
use hubmail::moderate::{self, Action};

use super::Context;

/// Edit a submission's author name, affiliation, department, stakeholder type, subject,
/// text, question and language in your editor ($VISUAL, else $EDITOR, else vi). The edit is validated and stored as a new
/// revision; earlier versions stay ('hubmail show ID --revisions').
#[derive(Debug, Args)]
pub struct Edit {
    /// The submission's id.
    id: u64,
    /// Apply an edited document from this file instead of opening an editor.
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
}

impl Edit {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let id = SubmissionId(self.id);
        let summary = match &self.from {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                apply_document(ctx, id, &text, path, None)?
            }
            None => edit_interactively(ctx, id)?,
        };
        println!("{}", super::output::safe(&summary));
        Ok(ExitCode::SUCCESS)
    }
}

/// Opens the editor on a submission's document and applies the result; returns the
/// summary line. The store is not held while the editor is open.
pub fn edit_interactively(ctx: &Context, id: SubmissionId) -> anyhow::Result<String> {
    moderate::check_moderator(&ctx.config, &ctx.moderator()).map_err(anyhow::Error::msg)?;
    let before = ctx.session()?.store.get(id)?; // the store is released right away
    let original = render(&before);
    std::fs::create_dir_all(&ctx.data_dir)?;
    let file = ctx
        .data_dir
        .join(format!("edit-{}-{}.txt", id, std::process::id()));
    std::fs::write(&file, &original)?;
    run_editor(&file)?;
    let edited = std::fs::read_to_string(&file)?;
    if edited == original || edited.trim().is_empty() {
        let _ = std::fs::remove_file(&file);
        return Ok(format!("no change to submission {id}; nothing stored"));
    }
    let summary = apply_document(ctx, id, &edited, &file, Some(&before))?;
    let _ = std::fs::remove_file(&file);
    Ok(summary)
}

/// Validates an edited document and stores it as a new revision over `seen`, the record
/// the editor was opened on (refused if someone changed it meanwhile; `--from` applies
/// to the record as it is). On any problem the error says where the text is kept and how
/// to apply it again.
fn apply_document(
    ctx: &Context,
    id: SubmissionId,
    text: &str,
    file: &Path,
    seen: Option<&Submission>,
) -> anyhow::Result<String> {
    let keep_hint = |e: String| {
        anyhow::anyhow!(
            "{e}\nyour edit is kept in {}; fix it and run 'hubmail edit {id} --from {}'",
            file.display(),
            file.display()
        )
    };
    let session = ctx.session()?;
    let current = match seen {
        Some(s) => s.publishable(),
        None => session.store.get(id)?.publishable(),
    };
    let fields = parse(&ctx.config, text, &current).map_err(keep_hint)?;
    let applied = decision::decide(
        &session.store,
        &ctx.config,
        id,
        &Action::Edit { fields },
        &ctx.moderator(),
        false,
        seen,
    )
    .map_err(|e| keep_hint(e.to_string()))?;
    session.store.flush()?;
    hubmail::indexing::sync(&session.store, &session.index)?;
    super::publish::after_decision(ctx, &session.store);
    Ok(applied.summary)
}

/// Opens the editor on a file and waits for it.
pub fn run_editor(file: &Path) -> anyhow::Result<()> {
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|e| !e.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".to_string());
    // Through the shell, so that EDITOR="code --wait" works.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("hubmail-editor")
        .arg(file)
        .status()
        .with_context(|| format!("starting the editor {editor:?}"))?;
    if !status.success() {
        anyhow::bail!(
            "the editor {editor:?} exited with {status}; nothing stored (your text is in {})",
            file.display()
        );
    }
    Ok(())
}

/// The document a moderator edits.
pub fn render(s: &Submission) -> String {
    let question = match &s.question {
        Some(q) => q.to_string(),
        None => "none".to_string(),
    };
    format!(
        "# hubmail edit {id}: change the fields and the text below the empty line, then save\n\
         # and quit. Lines starting with '#' up here are ignored. The original is kept\n\
         # ('hubmail show {id} --revisions'). Question: a number, SPACE:NUMBER, or none.\n\
         # Language: en, fr, es, or none (undetermined); notices follow it.\n\
         # Type: {types}, or unknown{decided}.\n\
         Author: {author}\n\
         Affiliation: {affiliation}\n\
         Department: {department}\n\
         Type: {kind}\n\
         Subject: {subject}\n\
         Question: {question}\n\
         Language: {lang}\n\
         \n\
         {body}\n",
        id = s.id,
        author = s.author.name,
        affiliation = s.author.affiliation.as_deref().unwrap_or_default(),
        department = s.author.department.as_deref().unwrap_or_default(),
        types = StakeholderType::names(),
        kind = s
            .author
            .stakeholder
            .as_ref()
            .map_or("unknown", |t| t.kind.as_str()),
        decided = s
            .author
            .stakeholder
            .as_ref()
            .map(|t| format!("; now {} ({})", t.kind, t.by))
            .unwrap_or_default(),
        subject = s.subject,
        lang = s.lang.map_or("none", |l| l.code()),
        body = s.body,
    )
}

/// Parses an edited document; the error names the offending line or field. Department
/// and Type, which documents from before they existed lack, stay as in `current` when
/// absent.
pub fn parse(config: &Config, text: &str, current: &Publishable) -> Result<Publishable, String> {
    let mut author = None;
    let mut affiliation = None;
    let mut department = current.department.clone();
    let mut stakeholder = current.stakeholder;
    let mut subject = None;
    let mut question = None;
    let mut lang = None;
    let mut lines = text.lines().enumerate();
    for (n, line) in lines.by_ref() {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with('#') {
            continue;
        }
        let Some((field, value)) = line.split_once(':') else {
            return Err(format!(
                "line {}: {line:?} is not 'Field: value' (the fields end at the first empty line)",
                n + 1
            ));
        };
        let value = value.trim().to_string();
        match field.trim().to_ascii_lowercase().as_str() {
            "author" => author = Some(value),
            "affiliation" => affiliation = Some(value),
            "department" => department = Some(value).filter(|d| !d.is_empty()),
            "type" => {
                stakeholder = match value.to_ascii_lowercase().as_str() {
                    "" | "unknown" | "none" => None,
                    _ => Some(
                        value
                            .parse::<StakeholderType>()
                            .map_err(|e| format!("line {}: Type: {e}, or unknown", n + 1))?,
                    ),
                }
            }
            "subject" => subject = Some(value),
            "question" => question = Some(value),
            "language" => {
                lang = Some(match value.to_ascii_lowercase().as_str() {
                    "" | "none" | "undetermined" => None,
                    tag => Some(Lang::from_tag(tag).ok_or_else(|| {
                        format!(
                            "line {}: Language {value:?} is not one of the consultation's: \
                             en, fr, es, or none",
                            n + 1
                        )
                    })?),
                })
            }
            other => {
                return Err(format!(
                    "line {}: unknown field {other:?}; the fields are Author, Affiliation, \
                     Department, Type, Subject, Question and Language",
                    n + 1
                ));
            }
        }
    }
    let body: Vec<&str> = lines.map(|(_, l)| l).collect();
    let body = body.join("\n").trim_matches('\n').trim_end().to_string();
    let missing = |name: &str| format!("the field {name}: is missing");
    let question = moderate::parse_question(config, &question.ok_or_else(|| missing("Question"))?)?;
    Ok(Publishable {
        author_name: author.ok_or_else(|| missing("Author"))?,
        affiliation: affiliation.filter(|a| !a.is_empty()),
        subject: subject.ok_or_else(|| missing("Subject"))?,
        body,
        question,
        lang: lang.ok_or_else(|| missing("Language"))?,
        department,
        stakeholder,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a document is applied over: the record's fields before the edit.
    fn current() -> Publishable {
        Publishable {
            author_name: "A".into(),
            affiliation: None,
            subject: "S".into(),
            body: "text".into(),
            question: None,
            lang: None,
            department: Some("Migration Directorate".into()),
            stakeholder: Some(StakeholderType::MemberState),
        }
    }

    #[test]
    fn parse_reads_fields_and_keeps_hashes_in_the_text() {
        let config = Config::embedded();
        let doc = "# comment\nAuthor: Ana\nAffiliation: \nSubject: S\nQuestion: 2\nLanguage: fr-CA\n\n#1 priority: jobs\n\nMore.\n";
        let p = parse(&config, doc, &current()).expect("valid");
        assert_eq!(p.author_name, "Ana");
        assert_eq!(p.affiliation, None);
        assert_eq!(p.body, "#1 priority: jobs\n\nMore.");
        assert_eq!(p.question.map(|q| q.number), Some(2));
        assert_eq!(p.lang, Some(Lang::Fr));
        // A document without Department and Type keeps them.
        assert_eq!(p.department.as_deref(), Some("Migration Directorate"));
        assert_eq!(p.stakeholder, Some(StakeholderType::MemberState));
    }

    #[test]
    fn parse_reads_department_and_type_and_unknown_clears_the_type() {
        let config = Config::embedded();
        let doc = "Author: Ana\nAffiliation: Ville de Lyon\nDepartment: \nType: local-government\nSubject: S\nQuestion: none\nLanguage: fr\n\nTexte.\n";
        let p = parse(&config, doc, &current()).expect("valid");
        assert_eq!(p.department, None);
        assert_eq!(p.stakeholder, Some(StakeholderType::LocalGovernment));
        let unknown = doc.replace("local-government", "unknown");
        assert_eq!(
            parse(&config, &unknown, &current())
                .expect("valid")
                .stakeholder,
            None
        );
        let bad = doc.replace("local-government", "city hall");
        let err = parse(&config, &bad, &current()).expect_err("bad type");
        assert!(
            err.contains("line 4: Type: \"city hall\" is not a stakeholder type"),
            "{err}"
        );
    }

    #[test]
    fn parse_errors_name_the_problem() {
        let config = Config::embedded();
        let parsed = |doc: &str| parse(&config, doc, &current());
        assert!(
            parsed("Autor: x\n\nbody")
                .expect_err("typo")
                .contains("unknown field")
        );
        assert!(
            parsed("Author: x\nSubject: s\n\nbody")
                .expect_err("missing")
                .contains("Question")
        );
        assert!(
            parsed("Author: x\nSubject: s\nQuestion: two\n\nbody")
                .expect_err("bad")
                .contains("not a question")
        );
        assert!(
            parsed("Author: x\nSubject: s\nQuestion: 1\nLanguage: pt\n\nbody")
                .expect_err("pt")
                .contains("Language \"pt\" is not one of the consultation's")
        );
        assert!(
            parsed("Author: x\nSubject: s\nQuestion: 1\n\nbody")
                .expect_err("missing")
                .contains("Language")
        );
    }
}
