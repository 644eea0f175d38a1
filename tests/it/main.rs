//! Integration tests: each drives the real `hubmail` binary in a temporary directory
//! through the small harness in `util`.

mod architecture;
mod attachments;
mod backup;
mod campaigns;
mod cli_errors;
mod compression;
mod concurrency;
mod crash;
mod disk_full;
mod export;
mod forget;
mod format;
mod fuzz_regressions;
mod golden;
mod hostile;
mod moderation;
mod notices;
mod outbox;
mod pipe;
mod publish;
mod questions;
mod races;
mod report;
mod review;
mod routing;
mod search;
mod serve;
mod sources;
mod stakeholders;
mod terminal;
mod translations;
mod util;
