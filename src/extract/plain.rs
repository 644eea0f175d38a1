//! Plain text, HTML and RTF attachments.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use super::{Extraction, Kind, Outcome};
use crate::config::Limits;

/// Bytes as text: UTF-8 (with or without a byte-order mark), UTF-16 with one, else
/// Windows-1252, which every byte decodes in.
fn decode(bytes: &[u8]) -> String {
    let (text, _, _) = match encoding_rs::Encoding::for_bom(bytes) {
        Some((encoding, _)) => encoding.decode(bytes),
        None if std::str::from_utf8(bytes).is_ok() => encoding_rs::UTF_8.decode(bytes),
        None => encoding_rs::WINDOWS_1252.decode(bytes),
    };
    text.into_owned()
}

pub(super) fn text(bytes: &[u8]) -> Extraction {
    super::read(Kind::Text, None, None, None, decode(bytes))
}

pub(super) fn html(bytes: &[u8]) -> Extraction {
    let source = decode(bytes);
    match crate::parse::html_to_text(&source) {
        Ok(text) => super::read(Kind::Html, None, None, None, text),
        Err(e) => Extraction::of(
            Some(Kind::Html),
            Outcome::Failed {
                reason: format!("the HTML cannot be read: {e}"),
            },
        ),
    }
}

/// RTF through `unrtf --text` (Debian: unrtf), without its banner lines.
pub(super) fn rtf(bytes: &[u8], limits: &Limits) -> Extraction {
    let failed = |reason: String| Extraction::of(Some(Kind::Rtf), Outcome::Failed { reason });
    let mut child = match Command::new("unrtf")
        .args(["--text", "--nopict"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return failed("unrtf is not installed (Debian: unrtf)".into());
        }
        Err(e) => return failed(format!("starting unrtf: {e}")),
    };
    let input = bytes.to_vec();
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            let _ = stdin.write_all(&input);
        }
    });
    let mut out = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        let cap = (limits.extract_max_chars as u64).saturating_mul(4) + 4096;
        let _ = stdout.take(cap).read_to_end(&mut out);
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = writer.join();
    // unrtf's banner: "###" lines, then a rule of dashes.
    let text: String = decode(&out)
        .lines()
        .filter(|l| !l.starts_with("###"))
        .skip_while(|l| l.trim().is_empty() || l.chars().all(|c| c == '-'))
        .collect::<Vec<_>>()
        .join("\n");
    if text.trim().is_empty() && !bytes.is_empty() && !out.is_empty() {
        return Extraction::of(Some(Kind::Rtf), Outcome::Empty { pages: None });
    }
    super::read(Kind::Rtf, None, None, None, text)
}
