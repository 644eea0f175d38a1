//! A page of results made into hits: their stored fields, and a snippet around the
//! matches, from the message's text or, when the words are only in an attached paper,
//! from the paper's, naming the file.

use std::collections::HashMap;

use jiff::Timestamp;
use tantivy::query::Query;
use tantivy::schema::{Field, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use super::SearchIndex;
use super::search::Hit;
use crate::Result;

impl SearchIndex {
    pub(super) fn hits(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        page: &[(f32, DocAddress)],
    ) -> Result<Vec<Hit>> {
        let f = &self.fields;
        // One generator per language field, and none where the query has no word for that
        // field (a filter-only query, or words of another field): no excerpt to look for.
        let mut generators: HashMap<Field, Option<SnippetGenerator>> = HashMap::new();
        let mut hits = Vec::with_capacity(page.len());
        for (score, addr) in page {
            let doc: TantivyDocument = searcher.doc(*addr).map_err(super::index_err)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let lang = text(f.lang).unwrap_or_else(|| "und".into());
            let body_field = match lang.as_str() {
                "en" => f.body[0],
                "fr" => f.body[1],
                "es" => f.body[2],
                _ => f.body[3],
            };
            let head = text(f.excerpt).unwrap_or_default();
            let mut snippet_file = None;
            let mut snippet = generator_for(&mut generators, searcher, query, body_field)?
                .map(|g| g.snippet(&head))
                .filter(|s| !s.fragment().is_empty());
            // No match in the message's own text: one in an attached paper, said so.
            if snippet.is_none() {
                let names: Vec<&str> = doc
                    .get_all(f.paper_name)
                    .filter_map(|v| v.as_str())
                    .collect();
                let texts: Vec<&str> = doc
                    .get_all(f.paper_stored)
                    .filter_map(|v| v.as_str())
                    .collect();
                'papers: for paper_field in f.paper {
                    let Some(generator) =
                        generator_for(&mut generators, searcher, query, paper_field)?
                    else {
                        continue;
                    };
                    for (name, paper) in names.iter().zip(&texts) {
                        let found = generator.snippet(paper);
                        if !found.fragment().is_empty() {
                            snippet = Some(found);
                            snippet_file = Some((*name).to_string());
                            break 'papers;
                        }
                    }
                }
            }
            let (snippet, highlights) = match snippet {
                Some(s) => {
                    let fragment = s.fragment();
                    let to_chars =
                        |byte: usize| fragment[..byte.min(fragment.len())].chars().count();
                    // A pair and its words overlap: one range for the lot.
                    let mut ranges: Vec<(usize, usize)> = Vec::new();
                    let mut bytes: Vec<_> = s.highlighted().to_vec();
                    bytes.sort_by_key(|r| (r.start, r.end));
                    for r in bytes {
                        let (start, end) = (to_chars(r.start), to_chars(r.end));
                        match ranges.last_mut() {
                            Some(last) if start <= last.1 => last.1 = last.1.max(end),
                            _ => ranges.push((start, end)),
                        }
                    }
                    (fragment.to_string(), ranges)
                }
                None => (head.chars().take(200).collect(), Vec::new()),
            };
            let question = text(f.question).and_then(|q| q.parse().ok());
            hits.push(Hit {
                id: doc.get_first(f.id).and_then(|v| v.as_u64()).unwrap_or(0),
                score: *score,
                subject: text(f.subject_stored).unwrap_or_default(),
                author: text(f.author).unwrap_or_default(),
                affiliation: text(f.affiliation),
                lang,
                stakeholder: text(f.stakeholder).unwrap_or_else(|| "unknown".into()),
                question,
                space: text(f.space),
                state: text(f.state).unwrap_or_default(),
                date: doc
                    .get_first(f.received)
                    .and_then(|v| v.as_datetime())
                    .and_then(|d| Timestamp::from_second(d.into_timestamp_secs()).ok())
                    .unwrap_or(Timestamp::UNIX_EPOCH),
                snippet: snippet.replace(['\n', '\r'], " "),
                highlights,
                snippet_file,
            });
        }
        Ok(hits)
    }
}

/// The snippet generator for `field`, made once per page of hits; none when the query has
/// no word for that field (a filter-only query, or words of another field).
fn generator_for<'g>(
    generators: &'g mut HashMap<Field, Option<SnippetGenerator>>,
    searcher: &Searcher,
    query: &dyn Query,
    field: Field,
) -> Result<Option<&'g SnippetGenerator>> {
    if let std::collections::hash_map::Entry::Vacant(slot) = generators.entry(field) {
        let mut has_terms = false;
        query.query_terms(&mut |term, _| has_terms |= term.field() == field);
        slot.insert(if has_terms {
            let mut generator =
                SnippetGenerator::create(searcher, query, field).map_err(super::index_err)?;
            generator.set_max_num_chars(220);
            Some(generator)
        } else {
            None
        });
    }
    Ok(generators.get(&field).and_then(Option::as_ref))
}
