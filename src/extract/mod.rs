//! Text from attachments (PDF, DOCX, ODT, RTF, HTML, plain text), read in a subprocess so
//! that a hostile file can crash, hang or exhaust only that subprocess, never the worker.
//!
//! The parent ([`extract`]) starts the installed worker program (`hubmail extract-worker`,
//! see [`install_worker`]) in a network namespace of its own where the system allows it,
//! gives it the file on standard input, and kills its whole process group when the time
//! limit passes. The worker ([`run_worker`]) first lowers its own limits (address space,
//! CPU seconds, file size), then reads the file: PDF through poppler's `pdfinfo` and
//! `pdftotext`, RTF through `unrtf`, which inherit those limits; DOCX and ODT through `zip`
//! and `quick-xml`, bounded in entries, unzipped bytes and XML depth. The outcome is one
//! JSON line on its standard output. Nothing here ever fails the message: every problem
//! is an outcome with a reason a moderator can read.

mod office;
mod pdf;
mod plain;
mod sandbox;

use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use crate::config::Limits;
pub use crate::model::{Extraction, ExtractionKind as Kind, ExtractionOutcome as Outcome};

/// Tells [`Kind`] from the bytes; `declared` (the MIME type) and `name` only decide
/// between text and HTML and never override what the bytes say.
pub fn sniff(bytes: &[u8], declared: &str, name: &str) -> std::result::Result<Kind, String> {
    let head = &bytes[..bytes.len().min(1024)];
    if head.starts_with(b"%PDF-") || find(head, b"%PDF-").is_some() {
        return Ok(Kind::Pdf);
    }
    if head.starts_with(b"{\\rtf") {
        return Ok(Kind::Rtf);
    }
    if head.starts_with(b"PK\x03\x04") {
        return office::sniff_zip(bytes);
    }
    for (magic, what) in [
        (
            &b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"[..],
            "a Word 97-2003 (.doc) or other old Office file: hubmail reads DOCX, ODT and PDF",
        ),
        (b"\x89PNG", "an image (PNG)"),
        (b"\xff\xd8\xff", "an image (JPEG)"),
        (b"GIF8", "an image (GIF)"),
        (b"\x1f\x8b", "a gzip archive"),
    ] {
        if head.starts_with(magic) {
            return Err(what.into());
        }
    }
    let declared = declared.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    let looks_binary = head.iter().filter(|b| **b == 0).count() > 0;
    if looks_binary {
        return Err(match declared.as_str() {
            "" | "application/octet-stream" => "binary data of an unknown kind".to_string(),
            d => format!("binary data declared as {d}"),
        });
    }
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    if declared == "text/html"
        || name.ends_with(".html")
        || name.ends_with(".htm")
        || find(&lower, b"<html").is_some()
        || find(&lower, b"<!doctype html").is_some()
    {
        return Ok(Kind::Html);
    }
    if declared.starts_with("text/") || name.ends_with(".txt") || declared.is_empty() {
        return Ok(Kind::Text);
    }
    Err(format!("declared as {declared}"))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The worker program of this process: `hubmail` itself, whose hidden `extract-worker`
/// command runs [`run_worker`].
static WORKER: OnceLock<PathBuf> = OnceLock::new();

/// Sets the program [`extract`] starts (the CLI installs its own executable). Without
/// one, [`extract`] reads nothing and says so.
pub fn install_worker(program: PathBuf) {
    let _ = WORKER.set(program);
}

/// Reads an attachment's text in a worker subprocess within `limits`.
pub fn extract(bytes: &[u8], declared: &str, name: &str, limits: &Limits) -> Extraction {
    let kind = match sniff(bytes, declared, name) {
        Ok(kind) => kind,
        Err(reason) => return Extraction::of(None, Outcome::Unsupported { reason }),
    };
    let Some(program) = WORKER.get() else {
        return Extraction::of(
            Some(kind),
            Outcome::Failed {
                reason: "no extraction worker in this process".into(),
            },
        );
    };
    let timeout = Duration::from_secs(limits.extract_seconds.max(1));
    match sandbox::run(program, kind, limits, bytes, timeout) {
        Ok(extraction) => extraction,
        Err(reason) => Extraction::of(Some(kind), Outcome::Failed { reason }),
    }
}

/// The worker's side: lowers this process's limits, reads `kind` from standard input and
/// returns the outcome (the CLI prints it as one JSON line).
pub fn run_worker(kind: Kind, limits: &Limits) -> Extraction {
    if let Err(reason) = sandbox::limit_self(limits) {
        return Extraction::of(Some(kind), Outcome::Failed { reason });
    }
    // Fault injection for the test of the time limit: a reader that hangs.
    if let Some(ms) = std::env::var("HUBMAIL_EXTRACT_HANG_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut bytes) {
        return Extraction::of(
            Some(kind),
            Outcome::Failed {
                reason: format!("reading the file: {e}"),
            },
        );
    }
    let mut extraction = match kind {
        Kind::Pdf => pdf::extract(&bytes, limits),
        Kind::Docx | Kind::Odt => office::extract(kind, &bytes, limits),
        Kind::Rtf => plain::rtf(&bytes, limits),
        Kind::Html => plain::html(&bytes),
        Kind::Text => plain::text(&bytes),
    };
    extraction.kind = Some(kind);
    finish(&mut extraction, limits);
    extraction
}

/// What a reader got, before [`finish`] counts the characters, applies the character
/// limit and tells extracted from empty.
fn read(
    kind: Kind,
    pages: Option<u32>,
    truncated: Option<String>,
    title: Option<String>,
    text: String,
) -> Extraction {
    Extraction {
        title,
        text,
        ..Extraction::of(
            Some(kind),
            Outcome::Extracted {
                pages,
                chars: 0,
                truncated,
            },
        )
    }
}

/// Cuts the text at the character limit, tidies its lines, and decides between extracted
/// and empty by what is left.
fn finish(extraction: &mut Extraction, limits: &Limits) {
    let Outcome::Extracted {
        pages, truncated, ..
    } = &extraction.outcome
    else {
        return;
    };
    let (pages, mut truncated) = (*pages, truncated.clone());
    let mut text = tidy(&extraction.text);
    if text.chars().count() > limits.extract_max_chars {
        text = text.chars().take(limits.extract_max_chars).collect();
        truncated.get_or_insert_with(|| {
            format!(
                "the first {} characters kept ([limits] extract_max_chars)",
                limits.extract_max_chars
            )
        });
    }
    extraction.outcome = if text.chars().any(char::is_alphanumeric) {
        Outcome::Extracted {
            pages,
            chars: text.chars().count() as u64,
            truncated,
        }
    } else {
        text.clear();
        Outcome::Empty { pages }
    };
    extraction.text = text;
    extraction.title = extraction
        .title
        .take()
        .map(|t| crate::parse::clean_line(&t))
        .map(|t| t.chars().take(300).collect::<String>())
        .filter(|t| !t.trim().is_empty());
}

/// Lines trimmed, runs of blank lines made one, form feeds (page breaks) as blank lines,
/// control characters dropped.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.split(['\n', '\x0c']) {
        let line: String = line
            .chars()
            .filter(|c| !c.is_control() || *c == '\t')
            .collect();
        let line = line.trim();
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
        } else {
            out.push_str(line);
            out.push('\n');
            blank = false;
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_decide_the_kind_not_the_declared_type() {
        assert_eq!(
            sniff(b"%PDF-1.4\n...", "application/msword", "a.doc"),
            Ok(Kind::Pdf)
        );
        assert_eq!(
            sniff(b"{\\rtf1\\ansi hello}", "application/pdf", "a.pdf"),
            Ok(Kind::Rtf)
        );
        assert_eq!(
            sniff(b"plain words", "text/plain", "notes.txt"),
            Ok(Kind::Text)
        );
        assert_eq!(
            sniff(
                b"<!DOCTYPE html><html><body>x</body></html>",
                "application/octet-stream",
                "x"
            ),
            Ok(Kind::Html)
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0", "image/png", "scan.png"),
            Err("an image (PNG)".into())
        );
        let doc = sniff(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0",
            "application/msword",
            "a.doc",
        );
        assert!(doc.is_err_and(|why| why.contains("Word 97-2003")));
    }

    #[test]
    fn text_is_tidied_and_a_text_without_words_is_empty() {
        let limits = Limits {
            extract_max_chars: 10,
            ..Limits::default()
        };
        let mut long = Extraction {
            text: "  Migration  \n\n\n\x0cpolicy matters\x07\n".into(),
            ..Extraction::of(
                Some(Kind::Text),
                Outcome::Extracted {
                    pages: None,
                    chars: 0,
                    truncated: None,
                },
            )
        };
        finish(&mut long, &limits);
        assert_eq!(long.text, "Migration\n");
        assert!(matches!(
            &long.outcome,
            Outcome::Extracted {
                chars: 10,
                truncated: Some(_),
                ..
            }
        ));
        let mut blank = Extraction {
            text: " \n\x0c\n . \n".into(),
            ..Extraction::of(
                Some(Kind::Pdf),
                Outcome::Extracted {
                    pages: Some(3),
                    chars: 0,
                    truncated: None,
                },
            )
        };
        finish(&mut blank, &Limits::default());
        assert_eq!(blank.outcome, Outcome::Empty { pages: Some(3) });
    }
}
