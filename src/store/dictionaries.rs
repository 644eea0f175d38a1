//! The store's zstd dictionaries (see `codec.rs`): trained once on the first values of each
//! kind, kept in their own tree before anything uses them.

use sled::Tree;

use super::codec::{self, Kind};
use super::encoding::{decode, json_of, store_err};
use super::{Frame, PackRef, Store};
use crate::{Error, Result};

impl Store {
    /// Sets how many submissions the store holds before it trains its compression
    /// dictionaries (`[store] dictionary_after`; 0 never trains).
    pub fn set_dictionary_after(&self, submissions: u64) {
        self.dictionary_after
            .store(submissions, std::sync::atomic::Ordering::Relaxed);
    }

    /// The kinds of value whose compression dictionary holds one of `needles` (compared
    /// without regard to ASCII case). A dictionary is trained on the first values stored
    /// and is needed to read every later one, so it cannot be rewritten; an erasure
    /// reports what it still holds.
    pub fn dictionaries_holding(&self, needles: &[String]) -> Result<Vec<&'static str>> {
        let needles: Vec<Vec<u8>> = needles
            .iter()
            .filter(|n| n.len() >= 4)
            .map(|n| n.to_ascii_lowercase().into_bytes())
            .collect();
        let mut kinds = Vec::new();
        for kind in Kind::ALL {
            if let Some(bytes) = self.dictionaries.get(kind.name()).map_err(store_err)? {
                let bytes = bytes.to_ascii_lowercase();
                if needles
                    .iter()
                    .any(|n| bytes.windows(n.len()).any(|w| w == n.as_slice()))
                {
                    kinds.push(kind.name());
                }
            }
        }
        Ok(kinds)
    }

    pub(super) fn load_dictionaries(&self) -> Result<()> {
        for kind in Kind::ALL {
            if let Some(bytes) = self.dictionaries.get(kind.name()).map_err(store_err)? {
                self.codec.add(kind, &bytes).ok_or_else(|| Error::Corrupt {
                    key: format!("dictionary {}", kind.name()),
                    message: "not a zstd dictionary".into(),
                })?;
            }
        }
        Ok(())
    }

    /// Trains the dictionaries the store lacks once it holds enough submissions, from the
    /// first values of each kind, and keeps them in the store before anything uses them.
    /// Called after each batch; costs five map lookups once they exist. A kind with
    /// too little to train on is tried again when the store has doubled.
    pub(super) fn train_dictionaries_when_due(&self) -> Result<()> {
        use std::sync::atomic::Ordering::Relaxed;
        let after = self.dictionary_after.load(Relaxed);
        if after == 0 || Kind::ALL.iter().all(|&kind| self.codec.has(kind)) {
            return Ok(());
        }
        let stored = self.last_id()?;
        if stored < after.max(self.next_training_at.load(Relaxed)) {
            return Ok(());
        }
        for kind in Kind::ALL {
            if self.codec.has(kind) {
                continue;
            }
            let samples = self.training_samples(kind)?;
            match codec::train(kind, &samples) {
                Some(dictionary) => {
                    self.dictionaries
                        .insert(kind.name(), dictionary.as_slice())
                        .map_err(store_err)?;
                    crate::crashpoint::hit("after-dictionary");
                    self.codec.add(kind, &dictionary);
                    tracing::info!(
                        kind = kind.name(),
                        bytes = dictionary.len(),
                        samples = samples.len(),
                        "trained a compression dictionary"
                    );
                }
                None => {
                    tracing::info!(
                        kind = kind.name(),
                        samples = samples.len(),
                        "too little to train a compression dictionary on yet"
                    );
                }
            }
        }
        self.next_training_at.store(stored * 2, Relaxed);
        Ok(())
    }

    /// The first values of a kind, as they are before compression (the start of each: what
    /// values share is at their start, and a few huge ones must not bloat the training).
    pub(super) fn training_samples(&self, kind: Kind) -> Result<Vec<Vec<u8>>> {
        let json = |tree: &Tree| -> Result<Vec<Vec<u8>>> {
            tree.iter()
                .values()
                .take(codec::TRAINING_SAMPLES)
                .map(|v| {
                    let v = v.map_err(store_err)?;
                    let json = json_of(&self.codec, kind.name(), &v)?;
                    Ok(json[..json.len().min(codec::SAMPLE_BYTES)].to_vec())
                })
                .collect()
        };
        match kind {
            Kind::Record => json(&self.submissions),
            Kind::Listing => json(&self.listing),
            Kind::Audit => json(&self.audit),
            Kind::Outbox => json(&self.outbox),
            Kind::Raw => {
                let mut samples = Vec::new();
                for v in self.raw_refs.iter().values().take(codec::TRAINING_SAMPLES) {
                    let r: PackRef = decode(&self.codec, "raw reference", &v.map_err(store_err)?)?;
                    let mut raw = self.packs().read(&r, &self.codec)?;
                    raw.truncate(codec::SAMPLE_BYTES);
                    samples.push(raw);
                }
                Ok(samples)
            }
        }
    }

    /// The compression dictionaries the store holds: each kind's name and size in bytes.
    pub fn dictionaries(&self) -> Result<Vec<(&'static str, usize)>> {
        let mut found = Vec::new();
        for kind in Kind::ALL {
            if let Some(bytes) = self.dictionaries.get(kind.name()).map_err(store_err)? {
                found.push((kind.name(), bytes.len()));
            }
        }
        Ok(found)
    }

    /// A raw message compressed for the packs, with the store's dictionary for raw mail
    /// once it has one (pipeline workers call this while they prepare a message).
    pub fn raw_frame(&self, bytes: &[u8]) -> Frame {
        Frame::compressed(self.codec.compress(Kind::Raw, bytes), bytes.len())
    }
}
