//! Text in any script straight into the analysis, without MIME in the way: trimming,
//! the signature's name and affiliation, language detection, routing and GCM objectives.
//! The bytes are read as UTF-8 (invalid sequences replaced), so the fuzzer spends its time
//! on scripts, mixtures and lengths rather than on headers. Any panic is a finding.
#![no_main]

use std::sync::LazyLock;

use hubmail::config::Config;
use libfuzzer_sys::fuzz_target;

static CONFIG: LazyLock<Config> = LazyLock::new(Config::embedded);

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The first line stands for the subject, the rest for the body.
    let (subject, body) = text.split_once('\n').unwrap_or((&text, ""));
    let trimmed = hubmail::trim::trim(body);
    let (name, _) = hubmail::trim::split_display_name(subject);
    let _ = hubmail::trim::affiliation_from_text(&trimmed.signature, &trimmed.contribution, &name);
    let declared = vec![subject.chars().take(8).collect::<String>()];
    let _ = hubmail::lang::detect(&trimmed.contribution, subject, &declared);
    let _ = hubmail::route::route(&CONFIG, subject, &[], &[]);
    let _ = hubmail::route::objectives(&[subject, &trimmed.contribution]);
});
