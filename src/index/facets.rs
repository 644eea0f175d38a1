//! Counting matches by category in the same pass as the search: per segment, a count per
//! dictionary ordinal of each fast field, turned into names once at the end. No matched
//! document is ever collected into a set.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, ColumnValues, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts of matches by category.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    /// By language code.
    pub lang: BTreeMap<String, u64>,
    /// By stakeholder type (`unknown` when none is known).
    #[serde(rename = "type")]
    pub stakeholder: BTreeMap<String, u64>,
    /// By question number (`none` for unassigned).
    pub question: BTreeMap<String, u64>,
    /// By GCM objective.
    pub objective: BTreeMap<u64, u64>,
    /// By state.
    pub state: BTreeMap<String, u64>,
}

/// The string fast fields counted, in the order of [`SegmentCounts::by_ord`].
const STRING_FIELDS: [&str; 4] = ["lang", "type", "question", "state"];

/// Collects [`Facets`] for the documents a query matches.
pub struct FacetCollector {
    /// Count by state too (the public search sees one state: nothing to count).
    pub by_state: bool,
}

/// One string field in one segment: its column, a count per term ordinal, and when every
/// document has exactly one value (as lang, type, question and state do) the ordinals
/// themselves, read without the column's index.
struct Counted {
    column: StrColumn,
    counts: Vec<u64>,
    one_each: Option<Arc<dyn ColumnValues<u64>>>,
}

/// One segment's counts: per string field, a count per term ordinal.
pub struct SegmentCounts {
    columns: Vec<Option<Counted>>,
    objective: Option<Column<u64>>,
    objectives: BTreeMap<u64, u64>,
}

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = SegmentCounts;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let fast = reader.fast_fields();
        let mut columns = Vec::with_capacity(STRING_FIELDS.len());
        for name in STRING_FIELDS {
            if name == "state" && !self.by_state {
                columns.push(None);
                continue;
            }
            columns.push(fast.str(name)?.map(|column| {
                let ords = column.ords();
                Counted {
                    counts: vec![0; column.num_terms()],
                    one_each: (ords.get_cardinality() == Cardinality::Full)
                        .then(|| ords.values.clone()),
                    column,
                }
            }));
        }
        Ok(SegmentCounts {
            columns,
            // A segment where no contribution names an objective has nothing to look up.
            objective: fast
                .u64("objective")
                .ok()
                .filter(|column| column.values.num_vals() > 0),
            objectives: BTreeMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Facets>) -> tantivy::Result<Facets> {
        let mut all = Facets::default();
        for fruit in fruits {
            for (into, from) in [
                (&mut all.lang, fruit.lang),
                (&mut all.stakeholder, fruit.stakeholder),
                (&mut all.question, fruit.question),
                (&mut all.state, fruit.state),
            ] {
                for (key, n) in from {
                    *into.entry(key).or_default() += n;
                }
            }
            for (key, n) in fruit.objective {
                *all.objective.entry(key).or_default() += n;
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentCounts {
    type Fruit = Facets;

    fn collect(&mut self, doc: DocId, _: Score) {
        for counted in self.columns.iter_mut().flatten() {
            if let Some(ords) = &counted.one_each {
                if let Some(n) = counted.counts.get_mut(ords.get_val(doc) as usize) {
                    *n += 1;
                }
                continue;
            }
            for ord in counted.column.term_ords(doc) {
                if let Some(n) = counted.counts.get_mut(ord as usize) {
                    *n += 1;
                }
            }
        }
        if let Some(column) = &self.objective {
            for value in column.values_for_doc(doc) {
                *self.objectives.entry(value).or_default() += 1;
            }
        }
    }

    fn harvest(self) -> Facets {
        let mut facets = Facets {
            objective: self.objectives,
            ..Facets::default()
        };
        let mut buf = String::new();
        for (slot, targets) in self.columns.into_iter().zip([
            &mut facets.lang,
            &mut facets.stakeholder,
            &mut facets.question,
            &mut facets.state,
        ]) {
            let Some(Counted { column, counts, .. }) = slot else {
                continue;
            };
            for (ord, n) in counts.into_iter().enumerate() {
                buf.clear();
                if n > 0 && column.ord_to_str(ord as u64, &mut buf).unwrap_or(false) {
                    targets.insert(buf.clone(), n);
                }
            }
        }
        facets
    }
}
