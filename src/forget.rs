//! Erasure at a contributor's request (`hubmail forget`): which submissions an address or
//! an id names, what else holds them (the mailbox, backups, compression dictionaries,
//! other people's mail quoting them), the erasure itself, the index purged of them and
//! the site published again without them.

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use serde::Serialize;

use crate::config::Config;
use crate::model::{State, Submission, SubmissionId};
use crate::session::Session;
use crate::store::{BackupMade, ErasureCounts, ErasureRequest, Store};
use crate::{Error, Result};

/// Whom or what to forget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every submission from this address (compared without case), and the address
    /// itself wherever the store keeps it.
    Address(String),
    /// One submission.
    Id(SubmissionId),
}

impl Target {
    /// `42` or `#42` is an id; anything with an `@` an address.
    pub fn parse(text: &str) -> Result<Target> {
        let text = text.trim();
        if let Ok(n) = text.trim_start_matches('#').parse::<u64>() {
            return Ok(Target::Id(SubmissionId(n)));
        }
        if text.contains('@') && !text.contains(char::is_whitespace) {
            return Ok(Target::Address(text.to_lowercase()));
        }
        Err(Error::Input(format!(
            "{text:?} is neither a submission id (42) nor an address (someone@example.org)"
        )))
    }
}

/// A request to forget.
#[derive(Debug, Clone)]
pub struct Request {
    /// Addresses and ids.
    pub targets: Vec<Target>,
    /// The moderator.
    pub moderator: String,
    /// The moderator's reference for the request (a ticket number): kept in the audit
    /// trail, so no personal data.
    pub reference: Option<String>,
    /// Keep sender rules that name the addresses (a ban the person should stay under).
    pub keep_sender_rules: bool,
    /// Only say what would be erased.
    pub dry_run: bool,
    /// Where the site is published (published again when an erased contribution was on it).
    pub publish_out: PathBuf,
}

/// What was (or, in a dry run, would be) erased, and what still holds it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Nothing was changed.
    pub dry_run: bool,
    /// The erasure's number (none for a dry run or when nothing was asked).
    pub erasure: Option<u64>,
    /// The submissions erased.
    pub ids: Vec<u64>,
    /// Ids asked for that an earlier erasure took already.
    pub already_erased: Vec<u64>,
    /// Of them, how many were published.
    pub published: usize,
    /// What was removed (estimated in a dry run: rules, keys and outbox entries are
    /// counted as they are removed).
    pub counts: ErasureCounts,
    /// Sender rules removed.
    pub sender_rules_removed: Vec<String>,
    /// Sender rules kept because the moderator asked.
    pub sender_rules_kept: Vec<String>,
    /// Where the messages came from: hubmail never deletes mail from its sources, so the
    /// contact mailbox (or an mbox) still holds these until someone deletes them there.
    pub mailbox: Vec<String>,
    /// Backups made before the erasure that hold erased submissions.
    pub backups: Vec<BackupMade>,
    /// Kinds of value whose compression dictionary holds the address or the name (trained
    /// on the first mail stored; read by every later value, so it cannot be rewritten).
    pub dictionaries: Vec<&'static str>,
    /// Other submissions whose text mentions the address or the name: their authors'
    /// words, which an erasure does not change; a moderator may edit them.
    pub mentioned_in: Vec<u64>,
    /// The site was published again without them (and earlier releases removed).
    pub republished: Option<PathBuf>,
    /// Index segments rewritten without the erased documents.
    pub index_segments_purged: usize,
    /// Erasures a crash had interrupted, completed first.
    pub resumed: usize,
    /// The store was laid out afresh, without sled's superseded pages: entries copied.
    pub relaid_out: Option<u64>,
}

/// Forgets what `request` names.
///
/// Takes the session: the store is laid out afresh at the end (see
/// [`Store::relayout`]), which closes it.
pub fn forget(session: Session, config: &Config, request: &Request) -> Result<Report> {
    crate::moderate::check_moderator(config, &request.moderator).map_err(Error::Refused)?;
    let mut report = find_and_erase(&session, config, request)?;
    let Session { store, index } = session;
    drop(index);
    if !request.dry_run && (report.erasure.is_some() || store.relayout_due()?) {
        report.relaid_out = Some(store.relayout()?);
    }
    Ok(report)
}

/// Everything of [`forget`] before the relayout.
fn find_and_erase(session: &Session, config: &Config, request: &Request) -> Result<Report> {
    let store = &session.store;
    let mut report = Report {
        dry_run: request.dry_run,
        ..Report::default()
    };
    if !request.dry_run {
        report.resumed = store.finish_erasures()?;
    }
    if request.targets.is_empty() {
        return Ok(report);
    }

    let mut addresses: BTreeSet<String> = BTreeSet::new();
    let mut wanted_ids: BTreeSet<SubmissionId> = BTreeSet::new();
    for target in &request.targets {
        match target {
            Target::Address(a) => {
                addresses.insert(a.clone());
            }
            Target::Id(id) => match store.get(*id) {
                Ok(_) => {
                    wanted_ids.insert(*id);
                }
                Err(Error::Erased { id, .. }) => report.already_erased.push(id),
                Err(e) => return Err(e),
            },
        }
    }

    // One pass over the records: what goes, and what the rest still uses.
    let mut erased: Vec<Submission> = Vec::new();
    let mut kept_blobs: HashSet<String> = HashSet::new();
    let mut kept_addresses: HashSet<String> = HashSet::new();
    for record in store.submissions() {
        let record = record?;
        let from = record.author.address.to_lowercase();
        if wanted_ids.contains(&record.id) || addresses.contains(&from) {
            erased.push(record);
        } else {
            kept_blobs.extend(record.attachments.iter().filter_map(|a| a.sha256.clone()));
            kept_addresses.insert(from);
        }
    }
    // An id's sender is forgotten too when nothing else of theirs stays.
    for record in &erased {
        let from = record.author.address.to_lowercase();
        if !from.is_empty() && !kept_addresses.contains(&from) {
            addresses.insert(from);
        }
    }
    if erased.is_empty() && addresses.is_empty() {
        if !report.already_erased.is_empty() {
            return Ok(report);
        }
        return Err(Error::Input(
            "nothing to forget: no submission has that id or comes from that address".into(),
        ));
    }

    let ids: Vec<SubmissionId> = erased.iter().map(|s| s.id).collect();
    let blobs: Vec<String> = erased
        .iter()
        .flat_map(|s| &s.attachments)
        .filter_map(|a| a.sha256.clone())
        .filter(|sha| !kept_blobs.contains(sha))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let names: BTreeSet<String> = erased
        .iter()
        .map(|s| s.author.name.trim().to_string())
        .filter(|n| n.contains(' ') && n.len() >= 5)
        .collect();
    let needles: Vec<String> = addresses.iter().cloned().chain(names).collect();

    report.ids = ids.iter().map(|id| id.0).collect();
    report.published = erased.iter().filter(|s| s.state == State::Approved).count();
    report.mailbox = erased
        .iter()
        .map(|s| format!("{} {}", s.origin.source, s.origin.location))
        .collect();
    let first = ids.iter().min().map_or(u64::MAX, |id| id.0);
    report.backups = store
        .backups_made()?
        .into_iter()
        .filter(|b| b.last_id >= first)
        .collect();
    report.dictionaries = store.dictionaries_holding(&needles)?;
    report.mentioned_in = mentions(store, &ids, &needles)?;
    for rule in store.sender_rules()? {
        let pattern = rule.pattern.to_lowercase();
        if addresses.iter().any(|a| pattern.contains(a.as_str())) {
            if request.keep_sender_rules {
                report.sender_rules_kept.push(rule.pattern);
            } else {
                report.sender_rules_removed.push(rule.pattern);
            }
        }
    }

    if request.dry_run {
        report.counts = ErasureCounts {
            records: ids.len(),
            raw_messages: ids.len(),
            attachments: blobs.len(),
            sender_rules: report.sender_rules_removed.len(),
            ..ErasureCounts::default()
        };
        return Ok(report);
    }

    let erasure = store.erase(&ErasureRequest {
        ids,
        blobs,
        addresses: addresses.into_iter().collect(),
        sender_rules: report.sender_rules_removed.clone(),
        actor: request.moderator.clone(),
        reason: request.reference.clone(),
        at: crate::clock::now(),
    })?;
    report.counts = erasure.counts;
    report.erasure = Some(erasure.seq);
    crate::indexing::sync(store, &session.index)?;
    report.index_segments_purged = session.index.purge_deleted()?;
    if report.published > 0 && crate::publish::is_published(&request.publish_out) {
        crate::publish::publish_without_history(store, config, &request.publish_out)?;
        report.republished = Some(request.publish_out.clone());
    }
    Ok(report)
}

/// The submissions other than `erased` whose subject or text mentions one of `needles`
/// (compared in lower case).
fn mentions(store: &Store, erased: &[SubmissionId], needles: &[String]) -> Result<Vec<u64>> {
    let needles: Vec<String> = needles.iter().map(|n| n.to_lowercase()).collect();
    let mut found = Vec::new();
    for record in store.submissions() {
        let s = record?;
        if erased.contains(&s.id) {
            continue;
        }
        let mentions = [&s.subject, &s.body, &s.quoted, &s.signature]
            .iter()
            .any(|t| {
                let t = t.to_lowercase();
                needles.iter().any(|n| t.contains(n.as_str()))
            });
        if mentions {
            found.push(s.id.0);
        }
    }
    Ok(found)
}

/// How many erasures wait for their work outside the store, or for the store's relayout
/// (a crash interrupted them): `hubmail check` reports them, `forget --finish` completes
/// them.
pub fn unfinished(store: &Store) -> Result<usize> {
    let waiting = store
        .erasures()?
        .iter()
        .filter(|e| e.work.is_some())
        .count();
    Ok(if waiting == 0 && store.relayout_due()? {
        1
    } else {
        waiting
    })
}
