//! The listing: a small row per submission keyed by state, arrival and id, and per-state
//! counts in `meta`, written with every record, so that a page of the queue reads one
//! prefix of a tree whatever the store's size.

use serde::Serialize;
use sled::transaction::TransactionalTree;

use super::Store;
use super::codec::Kind;
use super::encoding::{Abortable, decode, encode_as, store_err};
use crate::Result;
use crate::model::{Flag, Lang, State, Submission, SubmissionId};

impl Store {
    /// A listing row, encoded.
    pub(super) fn row(&self, s: &Submission) -> Vec<u8> {
        encode_as(&self.codec, Kind::Listing, &listing_row(s))
    }

    /// Listing rows of the submissions in `state`, or in every state, in arrival order,
    /// newest first if asked. A row is a record with only what a queue shows and filters
    /// on (state, dates, language, question, author, subject, flag kinds, reason,
    /// approvals); everything else is empty.
    pub fn listing(
        &self,
        state: Option<State>,
        newest_first: bool,
    ) -> Box<dyn Iterator<Item = Result<Submission>> + '_> {
        let rows = match state {
            Some(state) => self.listing.scan_prefix([state_byte(state)]),
            None => self.listing.iter(),
        };
        let decode_row = |item: sled::Result<(sled::IVec, sled::IVec)>| {
            let (_, v) = item.map_err(store_err)?;
            decode::<ListingRow>(&self.codec, "listing row", &v).map(ListingRow::into_submission)
        };
        if newest_first {
            Box::new(rows.rev().map(decode_row))
        } else {
            Box::new(rows.map(decode_row))
        }
    }

    /// How many submissions are in `state` (kept as a count, not counted).
    pub fn count_in_state(&self, state: State) -> Result<u64> {
        Ok(self.meta_u64(&count_key(state))?.unwrap_or(0))
    }
}

/// A listing key: state, arrival time, id, so that a state's rows come in arrival order.
pub(super) fn listing_key(s: &Submission) -> [u8; 17] {
    let mut k = [0u8; 17];
    k[0] = state_byte(s.state);
    // Flipping the sign bit makes the big-endian bytes sort like the signed number.
    let micros = (s.received.as_microsecond() as u64) ^ (1 << 63);
    k[1..9].copy_from_slice(&micros.to_be_bytes());
    k[9..].copy_from_slice(&s.id.0.to_be_bytes());
    k
}

pub(super) fn state_byte(state: State) -> u8 {
    match state {
        State::Pending => 0,
        State::Approved => 1,
        State::Rejected => 2,
        State::Ignored => 3,
        State::Quarantined => 4,
    }
}

/// A row of the listing: what a queue shows of a record and filters on (state, arrival
/// and date, language, question, author, subject, flag kinds, reason, approvals), empty
/// fields left out, so that a row is small and decodes in a fraction of a record's time.
#[derive(Serialize, serde::Deserialize)]
pub(super) struct ListingRow {
    v: u32,
    id: SubmissionId,
    state: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    received: jiff::Timestamp,
    subject: String,
    author: crate::model::Author,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    date: Option<jiff::Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lang: Option<Lang>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    question: Option<crate::model::QuestionRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    flags: Vec<crate::model::FlagKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    approvals: Vec<crate::model::Approval>,
}

pub(super) fn listing_row(s: &Submission) -> ListingRow {
    ListingRow {
        v: s.v,
        id: s.id,
        state: s.state,
        reason: s.reason.clone(),
        received: s.received,
        subject: s.subject.clone(),
        author: s.author.clone(),
        date: s.headers.date,
        lang: s.lang,
        question: s.question.clone(),
        flags: s.flags.iter().map(|f| f.kind).collect(),
        approvals: s.approvals.clone(),
    }
}

impl ListingRow {
    /// The row as a record with everything the listing does not keep left empty.
    pub(super) fn into_submission(self) -> Submission {
        Submission {
            v: self.v,
            id: self.id,
            state: self.state,
            reason: self.reason,
            received: self.received,
            origin: crate::model::Origin::default(),
            subject: self.subject,
            author: self.author,
            headers: crate::model::MailHeaders {
                date: self.date,
                ..Default::default()
            },
            lang: self.lang,
            lang_confidence: 0.0,
            other_langs: Vec::new(),
            note_lang: None,
            question: self.question,
            routed_by: None,
            parent: None,
            translation_of: None,
            translations: Vec::new(),
            objectives: Vec::new(),
            body: String::new(),
            quoted: String::new(),
            signature: String::new(),
            body_source: String::new(),
            attachments: Vec::new(),
            flags: self
                .flags
                .into_iter()
                .map(|kind| Flag::new(kind, ""))
                .collect(),
            raw_sha256: String::new(),
            raw_size: 0,
            duplicates: 0,
            approvals: self.approvals,
            decision: None,
            revisions: Vec::new(),
        }
    }
}

pub(super) fn count_key(state: State) -> String {
    format!("count:{}", state.as_str())
}

/// Adds `delta` to the number of submissions in `state`.
pub(super) fn add_to_count(meta: &TransactionalTree, state: State, delta: i64) -> Abortable<()> {
    let name = count_key(state);
    let current = meta
        .get(name.as_bytes())?
        .and_then(|b| b.as_ref().try_into().ok())
        .map(u64::from_be_bytes)
        .unwrap_or(0);
    let next = current.saturating_add_signed(delta);
    meta.insert(name.as_bytes(), &next.to_be_bytes())?;
    Ok(())
}
