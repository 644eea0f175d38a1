//! Running a parsed query against the index: language-aware expansion of words and
//! phrases (in the message and in its attachments' text), filters, ranking (BM25) or date
//! order, facets; the hits and their snippets are made in `hits.rs`.
//!
//! Only the stored fields of the page being returned are loaded; counting and facets read
//! fast fields, never stored documents.

use std::ops::Bound;

use jiff::Timestamp;
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TokenStream;
use tantivy::{DateTime, DocAddress, Order, Term};

use super::SearchIndex;
use super::facets::{FacetCollector, Facets};
use super::pairs;
use super::query::{self, Node, Scope, Within};
use crate::model::State;
use crate::{Error, Result};

/// How much an attached paper's words weigh beside the message's own.
const PAPER_BOOST: f32 = 0.4;

const IN_ALONE: &str = "in:body and in:attachment say where the words beside them are looked for: add words, \
     e.g. 'remittances in:attachment'";

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Best match first (BM25).
    Relevance,
    /// Oldest first.
    DateAscending,
    /// Newest first.
    DateDescending,
}

/// A search to run.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The query, in hubmail's query language.
    pub query: String,
    /// Moderators' search: every state, `state:` allowed, sender addresses searchable.
    pub moderator: bool,
    /// How many hits to return.
    pub limit: usize,
    /// How many to skip.
    pub offset: usize,
    /// Order.
    pub sort: Sort,
    /// Also count matches by language, question, objective and state.
    pub facets: bool,
    /// Only one discussion space's contributions (every space when `None`).
    pub space: Option<SpaceScope>,
}

/// The contributions of one discussion space, as its published page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceScope {
    /// The space's id.
    pub space: String,
    /// For the configuration's default space, the other spaces: it also lists what is
    /// routed nowhere or to a space not configured, so it holds all but theirs.
    pub others: Option<Vec<String>>,
}

impl SpaceScope {
    /// The scope of `space` among the configured spaces, the first being the default.
    pub fn of<'a>(space: &str, configured: impl IntoIterator<Item = &'a str>) -> SpaceScope {
        let configured: Vec<&str> = configured.into_iter().collect();
        SpaceScope {
            space: space.to_string(),
            others: (configured.first() == Some(&space)).then(|| {
                configured
                    .iter()
                    .filter(|s| **s != space)
                    .map(|s| s.to_string())
                    .collect()
            }),
        }
    }
}

/// One result.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Submission id.
    pub id: u64,
    /// BM25 score (0 when sorted by date).
    pub score: f32,
    /// Subject.
    pub subject: String,
    /// Author's name.
    pub author: String,
    /// Affiliation.
    pub affiliation: Option<String>,
    /// Language code, or `und`.
    pub lang: String,
    /// Stakeholder type ("member-state"), or `unknown`.
    pub stakeholder: String,
    /// Question number.
    pub question: Option<u32>,
    /// Discussion space.
    pub space: Option<String>,
    /// Moderation state.
    pub state: String,
    /// Date (the mail's date, or its arrival).
    pub date: Timestamp,
    /// An excerpt of the text around the matches.
    pub snippet: String,
    /// Matched parts of the snippet, as character offsets `[start, end)`.
    pub highlights: Vec<(usize, usize)>,
    /// The attachment the snippet comes from, when the match is in its text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet_file: Option<String>,
}

/// What a search found.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    /// How many documents match in all.
    pub total: usize,
    /// The requested page.
    pub hits: Vec<Hit>,
    /// Counts, when asked for.
    pub facets: Option<Facets>,
}

impl SearchIndex {
    /// Parses and compiles a query (without running it): for validation and tests.
    pub fn compile(&self, text: &str, moderator: bool) -> Result<Box<dyn Query>> {
        let node = query::parse(text).map_err(Error::Query)?;
        let compiled = Compiler {
            index: self,
            moderator,
        }
        .node(&node, Within::Everywhere)?;
        let compiled = if is_negative(&node) {
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                (Occur::Must, compiled),
            ])) as Box<dyn Query>
        } else {
            compiled
        };
        Ok(if moderator {
            compiled
        } else {
            // The public sees approved contributions only.
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, compiled),
                (
                    Occur::Must,
                    self.filter(Term::from_field_text(
                        self.fields.state,
                        State::Approved.as_str(),
                    )),
                ),
            ]))
        })
    }

    /// The contributions a space's page lists: routed to it, and for the default space
    /// also those routed nowhere or to a space no longer configured.
    fn space_filter(&self, scope: &SpaceScope) -> Box<dyn Query> {
        let term = |space: &str| Term::from_field_text(self.fields.space, space);
        match &scope.others {
            None => self.filter(term(&scope.space)),
            Some(others) => {
                let mut clauses = vec![(Occur::Must, Box::new(AllQuery) as Box<dyn Query>)];
                clauses.extend(
                    others
                        .iter()
                        .map(|other| (Occur::MustNot, self.filter(term(other)))),
                );
                Box::new(ConstScoreQuery::new(
                    Box::new(BooleanQuery::new(clauses)),
                    0.0,
                ))
            }
        }
    }

    fn filter(&self, term: Term) -> Box<dyn Query> {
        Box::new(ConstScoreQuery::new(
            Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            0.0,
        ))
    }

    /// Runs a search.
    pub fn search(&self, request: &SearchRequest) -> Result<Results> {
        let mut compiled = self.compile(&request.query, request.moderator)?;
        if let Some(scope) = &request.space {
            compiled = Box::new(BooleanQuery::new(vec![
                (Occur::Must, compiled),
                (Occur::Must, self.space_filter(scope)),
            ]));
        }
        let searcher = self.searcher()?;
        let facets = request.facets.then_some(FacetCollector {
            by_state: request.moderator,
        });
        // One pass over the matches: the count, the page and the facets together.
        let (total, page, facets): (usize, Vec<(f32, DocAddress)>, Option<Facets>) =
            if request.limit == 0 {
                let (total, facets) = searcher
                    .search(&compiled, &(Count, facets))
                    .map_err(super::index_err)?;
                (total, Vec::new(), facets)
            } else {
                let top = TopDocs::with_limit(request.limit).and_offset(request.offset);
                match request.sort {
                    Sort::Relevance => searcher
                        .search(&compiled, &(Count, top.order_by_score(), facets))
                        .map_err(super::index_err)?,
                    Sort::DateAscending | Sort::DateDescending => {
                        let order = if request.sort == Sort::DateAscending {
                            Order::Asc
                        } else {
                            Order::Desc
                        };
                        let (total, page, facets) = searcher
                            .search(
                                &compiled,
                                &(
                                    Count,
                                    top.order_by_fast_field::<DateTime>("received", order),
                                    facets,
                                ),
                            )
                            .map_err(super::index_err)?;
                        (
                            total,
                            page.into_iter().map(|(_, addr)| (0.0, addr)).collect(),
                            facets,
                        )
                    }
                }
            };
        let hits = self.hits(&searcher, compiled.as_ref(), &page)?;
        // The public sees approved contributions only: all of them are in that state.
        let facets = facets.map(|mut facets| {
            if !request.moderator && total > 0 {
                facets
                    .state
                    .insert(State::Approved.as_str().to_string(), total as u64);
            }
            facets
        });
        Ok(Results {
            total,
            hits,
            facets,
        })
    }
}

fn is_negative(node: &Node) -> bool {
    match node {
        Node::Not(_) => true,
        Node::And(items) => items
            .iter()
            .filter(|i| !matches!(i, Node::In(_)))
            .all(is_negative),
        _ => false,
    }
}

struct Compiler<'i> {
    index: &'i SearchIndex,
    moderator: bool,
}

impl Compiler<'_> {
    fn node(&self, node: &Node, within: Within) -> Result<Box<dyn Query>> {
        let f = &self.index.fields;
        Ok(match node {
            Node::And(items) => {
                // `in:` says where the group's words are looked for.
                let mut here: Vec<Within> = items
                    .iter()
                    .filter_map(|i| match i {
                        Node::In(w) => Some(*w),
                        _ => None,
                    })
                    .collect();
                here.dedup();
                if here.len() > 1 {
                    return Err(Error::Input(
                        "in:body and in:attachment together match nothing: use one".into(),
                    ));
                }
                let within = here.first().copied().unwrap_or(within);
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for item in items {
                    match item {
                        Node::In(_) => {}
                        Node::Not(inner) => {
                            clauses.push((Occur::MustNot, self.node(inner, within)?))
                        }
                        other => clauses.push((Occur::Must, self.node(other, within)?)),
                    }
                }
                if clauses.is_empty() {
                    return Err(Error::Input(IN_ALONE.into()));
                }
                if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Node::Or(items) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for item in items {
                    let q = self.node(item, within)?;
                    let q = if is_negative(item) {
                        Box::new(BooleanQuery::new(vec![
                            (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                            (Occur::Must, q),
                        ]))
                    } else {
                        q
                    };
                    clauses.push((Occur::Should, q));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Node::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                (Occur::MustNot, self.node(inner, within)?),
            ])),
            Node::In(_) => return Err(Error::Input(IN_ALONE.into())),
            // A word the analyzer splits ("e-mail") is matched as the phrase of its parts.
            Node::Word(scope, text) | Node::Phrase(scope, text) => {
                self.text(*scope, within, text)?
            }
            Node::Lang(lang) => self
                .index
                .filter(Term::from_field_text(f.lang, lang.code())),
            Node::Type(t) => self.index.filter(Term::from_field_text(
                f.stakeholder,
                t.map_or("unknown", |t| t.as_str()),
            )),
            Node::Question(q) => {
                let value = q.map_or("none".to_string(), |n| n.to_string());
                self.index.filter(Term::from_field_text(f.question, &value))
            }
            // A tag is strong evidence: it scores (a saved search "objective:19 OR diaspora"
            // ranks tagged contributions first), unlike the pure filters around it.
            Node::Objective(n) => Box::new(ConstScoreQuery::new(
                Box::new(TermQuery::new(
                    Term::from_field_u64(f.objective, u64::from(*n)),
                    IndexRecordOption::Basic,
                )),
                3.0,
            )),
            Node::HasAttachment => self
                .index
                .filter(Term::from_field_text(f.has, "attachment")),
            Node::State(state) => {
                if !self.moderator {
                    return Err(Error::Input(
                        "state: is for moderators; add --all to search every state".into(),
                    ));
                }
                self.index
                    .filter(Term::from_field_text(f.state, state.as_str()))
            }
            Node::Date(from, to) => {
                let bound = |t: &Option<Timestamp>, inclusive: bool| match t {
                    None => Bound::Unbounded,
                    Some(t) => {
                        let term = Term::from_field_date_for_search(
                            f.received,
                            super::schema::date_value(*t),
                        );
                        if inclusive {
                            Bound::Included(term)
                        } else {
                            Bound::Excluded(term)
                        }
                    }
                };
                Box::new(ConstScoreQuery::new(
                    Box::new(RangeQuery::new(bound(from, true), bound(to, false))),
                    0.0,
                ))
            }
        })
    }

    /// The fields a scope searches, with a boost for each.
    fn fields(&self, scope: Scope, within: Within) -> Vec<(Field, f32)> {
        let f = &self.index.fields;
        let subjects = f.subject.iter().map(|s| (*s, 2.0));
        let bodies = f.body.iter().map(|b| (*b, 1.0));
        match (scope, within) {
            (Scope::All, Within::Body) => subjects.chain(bodies).collect(),
            (Scope::All, Within::Attachment) => f.paper.iter().map(|p| (*p, 1.0)).collect(),
            (Scope::All, Within::Everywhere) => {
                let mut all: Vec<(Field, f32)> = subjects.chain(bodies).collect();
                all.extend([(f.author, 1.5), (f.affiliation, 1.5), (f.attachment, 1.0)]);
                // An attached paper's words count, below the message's own.
                all.extend(f.paper.iter().map(|p| (*p, PAPER_BOOST)));
                if self.moderator {
                    all.push((f.address, 1.0));
                }
                all
            }
            (Scope::From, _) => {
                let mut v = vec![(f.author, 1.0)];
                if self.moderator {
                    v.push((f.address, 1.0));
                }
                v
            }
            (Scope::Author, _) => vec![(f.author, 1.0)],
            (Scope::Affiliation, _) => vec![(f.affiliation, 1.0)],
            (Scope::Subject, _) => subjects.collect(),
            (Scope::Body, _) => bodies.collect(),
            (Scope::FileName, _) => vec![(f.attachment, 1.0)],
        }
    }

    /// A word or phrase, analysed with each field's own analyzer (so each language's
    /// stemmer and stop words apply), matched in any of the scope's fields.
    fn text(&self, scope: Scope, within: Within, text: &str) -> Result<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, boost) in self.fields(scope, within) {
            let mut analyzer = self
                .index
                .index
                .tokenizer_for_field(field)
                .map_err(super::index_err)?;
            let mut stream = analyzer.token_stream(text);
            let mut words: Vec<(usize, Term)> = Vec::new();
            let mut pairs: Vec<Term> = Vec::new();
            while stream.advance() {
                let token = stream.token();
                let term = Term::from_field_text(field, &token.text);
                if pairs::is_pair(&token.text) {
                    pairs.push(term);
                } else {
                    words.push((token.position, term));
                }
            }
            let scored = |term: Term| -> Box<dyn Query> {
                Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
            };
            let q: Box<dyn Query> = match (words.len(), pairs.len()) {
                (0, _) => continue,
                (1, _) => scored(words.remove(0).1),
                // Two adjacent words: their pair term matches exactly where the phrase does.
                (2, 1) => scored(pairs.remove(0)),
                // No adjacent words (a stop word between each): positions decide alone.
                (_, 0) => Box::new(PhraseQuery::new_with_offset(words)),
                // Longer phrases: the pairs (all required, ranked) narrow the candidates
                // whose positions are then checked.
                _ => {
                    let mut clauses: Vec<(Occur, Box<dyn Query>)> = pairs
                        .into_iter()
                        .map(|p| (Occur::Must, scored(p)))
                        .collect();
                    clauses.push((
                        Occur::Must,
                        Box::new(ConstScoreQuery::new(
                            Box::new(PhraseQuery::new_with_offset(words)),
                            0.0,
                        )),
                    ));
                    Box::new(BooleanQuery::new(clauses))
                }
            };
            let q: Box<dyn Query> = if (boost - 1.0).abs() > f32::EPSILON {
                Box::new(BoostQuery::new(q, boost))
            } else {
                q
            };
            clauses.push((Occur::Should, q));
        }
        Ok(if clauses.is_empty() {
            Box::new(EmptyQuery)
        } else {
            Box::new(BooleanQuery::new(clauses))
        })
    }
}
