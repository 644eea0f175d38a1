//! Stemming with a memory of the words already stemmed: an analyzer filter that gives
//! exactly what tantivy's `Stemmer` gives (the same Snowball stemmer, frostem), but
//! stems each distinct word once per indexing thread and segment.
//!
//! A consultation's contributions share most of their vocabulary, so nearly every word
//! of a message was seen before, and looking it up costs less than stemming it again.
//! Stemming was about 7% of a 100,000-message ingest's CPU (perf); over 3,000 of the
//! benchmark's messages the memory cut it from 281 to 165 ms. The memory is bounded: when
//! it holds [`MAX_REMEMBERED`] words it is emptied and starts again.

use std::collections::HashMap;

use tantivy::tokenizer::{Language, Token, TokenFilter, TokenStream, Tokenizer};

/// Most words one filter remembers (under 1 MB; an index writer has one filter per
/// stemmed field and thread, six per thread).
pub const MAX_REMEMBERED: usize = 10_000;

/// Longest word remembered: longer ones are rare and stemmed every time.
const MAX_REMEMBERED_BYTES: usize = 24;

/// Words already stemmed → their stems.
type Stems = HashMap<Box<str>, Box<str>, foldhash::fast::RandomState>;

/// The filter, for one of the consultation's languages.
#[derive(Clone, Copy)]
pub struct CachedStemmer {
    stemmer: frostem::Stemmer,
}

impl CachedStemmer {
    /// The stemmer tantivy's `Stemmer::new(language)` uses, for English, French or
    /// Spanish (`None` for a language the index has no analyzer for).
    pub fn new(language: Language) -> Option<CachedStemmer> {
        let algorithm = match language {
            Language::English => frostem::Algorithm::English,
            Language::French => frostem::Algorithm::French,
            Language::Spanish => frostem::Algorithm::Spanish,
            _ => return None,
        };
        Some(CachedStemmer {
            stemmer: frostem::Stemmer::new(algorithm),
        })
    }
}

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            stemmer: self.stemmer,
            stems: Stems::default(),
            inner: tokenizer,
        }
    }
}

/// [`CachedStemmer`] applied to a tokenizer; it keeps the stems it computed.
#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    stemmer: frostem::Stemmer,
    stems: Stems,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            stemmer: self.stemmer,
            stems: &mut self.stems,
        }
    }
}

/// The stream of stemmed words.
pub struct CachedStemmerStream<'a, S> {
    tail: S,
    stemmer: frostem::Stemmer,
    stems: &'a mut Stems,
}

impl<S: TokenStream> TokenStream for CachedStemmerStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = self.stems.get(token.text.as_str()) {
            token.text.clear();
            token.text.push_str(stem);
            return true;
        }
        let stem: Box<str> = self.stemmer.stem(&token.text).into();
        if token.text.len() <= MAX_REMEMBERED_BYTES {
            if self.stems.len() >= MAX_REMEMBERED {
                self.stems.clear();
            }
            self.stems.insert(token.text.as_str().into(), stem.clone());
        }
        token.text.clear();
        token.text.push_str(&stem);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer};

    fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// Text with repeated words, so the second pass reads stems from memory.
    const TEXTS: [(Language, &str); 3] = [
        (
            Language::English,
            "Migrant workers send remittances; remittances are sent by migrants working abroad, \
             and the workers' families depend on the remittances they send.",
        ),
        (
            Language::French,
            "Les travailleuses migrantes envoient des transferts; les transferts envoyés \
             soutiennent les familles, et les familles dépendent des transferts.",
        ),
        (
            Language::Spanish,
            "Las trabajadoras migrantes envían remesas; las remesas enviadas sostienen a las \
             familias, y las familias dependen de las remesas que envían.",
        ),
    ];

    #[test]
    fn stems_are_those_of_tantivys_stemmer_first_and_from_memory() {
        for (language, text) in TEXTS {
            let mut plain = TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(LowerCaser)
                .filter(Stemmer::new(language))
                .build();
            let mut cached = TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(LowerCaser)
                .filter(CachedStemmer::new(language).expect("one of ours"))
                .build();
            let expected = terms(&mut plain, text);
            assert!(expected.iter().any(|t| t.starts_with("remitt")
                || t.starts_with("transfert")
                || t.starts_with("remes")));
            assert_eq!(
                terms(&mut cached, text),
                expected,
                "{language:?}, first pass"
            );
            assert_eq!(
                terms(&mut cached, text),
                expected,
                "{language:?}, from memory"
            );
        }
    }

    #[test]
    fn a_full_memory_starts_again_and_still_stems() {
        let mut cached = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(CachedStemmer::new(Language::English).expect("one of ours"))
            .build();
        let words: Vec<String> = (0..MAX_REMEMBERED + 10)
            .map(|i| format!("walking{i}s"))
            .collect();
        let text = format!("{} walking walked", words.join(" "));
        let mut plain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(Stemmer::new(Language::English))
            .build();
        let expected = terms(&mut plain, &text);
        assert_eq!(expected.len(), words.len() + 2);
        assert_eq!(terms(&mut cached, &text), expected);
        assert_eq!(terms(&mut cached, "walking walked"), ["walk", "walk"]);

        // The memory itself: full after MAX_REMEMBERED words, emptied by the next one.
        let mut filter = CachedStemmer::new(Language::English)
            .expect("one of ours")
            .transform(SimpleTokenizer::default());
        let mut remembered = Vec::new();
        for word in &words {
            assert!(filter.token_stream(word).advance());
            remembered.push(filter.stems.len());
        }
        assert_eq!(remembered[MAX_REMEMBERED - 1], MAX_REMEMBERED, "full");
        assert_eq!(remembered[MAX_REMEMBERED], 1, "emptied, then the new word");
        assert_eq!(remembered[words.len() - 1], 10);
    }

    #[test]
    fn other_languages_have_no_cached_stemmer() {
        assert!(CachedStemmer::new(Language::German).is_none());
    }
}
