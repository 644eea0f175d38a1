//! PDF through poppler's `pdfinfo` (pages, title, encryption) and `pdftotext`, run by the
//! worker on a private copy of the file; both inherit the worker's limits.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use super::{Extraction, Kind, Outcome};
use crate::config::Limits;

fn outcome(outcome: Outcome) -> Extraction {
    Extraction::of(Some(Kind::Pdf), outcome)
}

fn failed(reason: impl Into<String>) -> Extraction {
    outcome(Outcome::Failed {
        reason: reason.into(),
    })
}

/// A poppler tool's output, at most `cap` bytes of it; the tool's error line on failure.
fn run(tool: &str, args: &[&std::ffi::OsStr], cap: u64) -> Result<(bool, String, String), String> {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                format!("{tool} is not installed (Debian: poppler-utils)")
            } else {
                format!("starting {tool}: {e}")
            }
        })?;
    let mut out = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = stdout.take(cap).read_to_end(&mut out);
    }
    let mut err = Vec::new();
    if let Some(stderr) = child.stderr.take() {
        let _ = stderr.take(4096).read_to_end(&mut err);
    }
    // More output than wanted: the rest is not read, so stop the tool.
    let _ = child.kill();
    let status = child
        .wait()
        .map_err(|e| format!("waiting for {tool}: {e}"))?;
    Ok((
        status.success() || out.len() as u64 >= cap,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    ))
}

/// The value of `Key:` in pdfinfo's output.
fn field<'a>(info: &'a str, key: &str) -> Option<&'a str> {
    info.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .map(str::trim)
}

pub(super) fn extract(bytes: &[u8], limits: &Limits) -> Extraction {
    let dir = std::env::temp_dir().join(format!("hubmail-extract-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir(&dir) {
        return failed(format!("creating a private folder: {e}"));
    }
    let extraction = extract_in(&dir, bytes, limits);
    let _ = std::fs::remove_dir_all(&dir);
    extraction
}

fn extract_in(dir: &Path, bytes: &[u8], limits: &Limits) -> Extraction {
    let file = dir.join("attachment.pdf");
    if let Err(e) = std::fs::write(&file, bytes) {
        return failed(format!("writing a private copy: {e}"));
    }
    let info = match run("pdfinfo", &[file.as_os_str()], 64 * 1024) {
        Ok((true, info, _)) => info,
        Ok((false, _, err)) => {
            let err = err.to_lowercase();
            return if err.contains("password") || err.contains("encrypt") {
                outcome(Outcome::Encrypted)
            } else {
                failed(format!(
                    "not a readable PDF ({})",
                    err.lines().next().unwrap_or("pdfinfo failed").trim()
                ))
            };
        }
        Err(reason) => return failed(reason),
    };
    let pages: Option<u32> = field(&info, "Pages").and_then(|p| p.parse().ok());
    let title = field(&info, "Title").map(str::to_string);
    let last = limits.extract_max_pages.max(1);
    let last_arg = last.to_string();
    let cap = (limits.extract_max_chars as u64).saturating_mul(4) + 4096;
    let (ok, text, err) = match run(
        "pdftotext",
        &[
            "-q".as_ref(),
            "-enc".as_ref(),
            "UTF-8".as_ref(),
            "-l".as_ref(),
            last_arg.as_ref(),
            file.as_os_str(),
            "-".as_ref(),
        ],
        cap,
    ) {
        Ok(result) => result,
        Err(reason) => return failed(reason),
    };
    if !ok {
        let lower = err.to_lowercase();
        if lower.contains("password") || lower.contains("encrypt") {
            return outcome(Outcome::Encrypted);
        }
        return failed(format!(
            "pdftotext could not read it ({})",
            err.lines().next().unwrap_or("no reason given").trim()
        ));
    }
    let truncated = pages
        .filter(|p| *p > last)
        .map(|p| format!("the first {last} of {p} pages read ([limits] extract_max_pages)"));
    super::read(Kind::Pdf, pages, truncated, title, text)
}
