//! hubmail runs a moderated, multilingual consultation by email.
//!
//! Mail arrives from a [`mailbox`] source (Maildir, mbox, an MTA pipe); [`parse`] turns
//! the bytes into an owned message; [`classify`] sets aside auto-replies and bounces;
//! [`trim`] separates the contribution from quoted mail and signatures; [`author`] reads
//! who signed it and for which organisation, and [`stakeholder`] what kind of stakeholder
//! that is; [`lang`] detects
//! English, French or Spanish; [`route`] finds the discussion question; [`ingest`] writes
//! the result to the [`store`] (sled, the source of truth) in one transaction and only then
//! lets the source release the message; the [`index`] (tantivy) follows the store and can
//! always be rebuilt from it.

// No unsafe code in the library (the binary sets the allocator's options, `src/main.rs`).
#![forbid(unsafe_code)]

pub mod attachments;
pub mod auth_results;
pub mod author;
pub mod campaign;
pub mod check;
pub mod classify;
pub mod clock;
pub mod config;
pub mod crashpoint;
pub mod decision;
pub mod error;
pub mod export;
pub mod extract;
pub mod forget;
pub mod index;
pub mod indexing;
pub mod ingest;
pub mod lang;
pub mod mail_moderation;
pub mod mailbox;
pub mod model;
pub mod moderate;
pub mod notify;
pub mod parse;
pub mod policy;
pub mod publish;
pub mod report;
pub mod retry;
pub mod route;
pub mod serve;
pub mod session;
pub mod stakeholder;
pub mod stats;
pub mod store;
pub mod translation;
pub mod trim;

pub use error::{Error, ErrorKind, Result};
