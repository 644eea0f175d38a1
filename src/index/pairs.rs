//! Word pairs: an analyzer filter that also indexes each two adjacent words as one term.
//!
//! A two-word phrase ("social protection") then becomes a single term lookup, ranked like
//! any word, instead of reading the positions of both words in every document that has
//! them both (which costs milliseconds at 100,000 contributions when both words are
//! common). Longer phrases use the pairs to narrow the candidates before matching
//! positions. Words are paired after stop-word removal and stemming, and only when
//! nothing was removed between them, so a pair matches exactly where the phrase does.

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Separates the two words of a pair term; the tokenizer never leaves one inside a word.
const SEPARATOR: char = ' ';

/// Whether an indexed term is a pair (not a word).
pub fn is_pair(term_text: &str) -> bool {
    term_text.contains(SEPARATOR)
}

/// The filter: after every word that directly follows another, first emits the pair of
/// the two (at the first word's position, spanning both words' text), then the word.
#[derive(Clone, Copy, Debug, Default)]
pub struct WordPairs;

impl TokenFilter for WordPairs {
    type Tokenizer<T: Tokenizer> = WordPairsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> WordPairsFilter<T> {
        WordPairsFilter { inner: tokenizer }
    }
}

/// [`WordPairs`] applied to a tokenizer.
#[derive(Clone)]
pub struct WordPairsFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for WordPairsFilter<T> {
    type TokenStream<'a> = WordPairsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        WordPairsStream {
            tail: self.inner.token_stream(text),
            previous: None,
            pair: Token::default(),
            showing_pair: false,
            word_pending: false,
        }
    }
}

/// The stream of words and pairs.
pub struct WordPairsStream<S> {
    tail: S,
    /// The last word: its text, position and start offset.
    previous: Option<(String, usize, usize)>,
    pair: Token,
    /// The current token is the pair (the word follows).
    showing_pair: bool,
    word_pending: bool,
}

impl<S: TokenStream> TokenStream for WordPairsStream<S> {
    fn advance(&mut self) -> bool {
        if self.word_pending {
            self.word_pending = false;
            self.showing_pair = false;
            return true;
        }
        if !self.tail.advance() {
            return false;
        }
        let word = self.tail.token();
        self.showing_pair = false;
        match &mut self.previous {
            Some((text, position, offset_from)) => {
                if word.position == *position + 1 {
                    self.pair.text.clear();
                    self.pair.text.push_str(text);
                    self.pair.text.push(SEPARATOR);
                    self.pair.text.push_str(&word.text);
                    self.pair.position = *position;
                    self.pair.position_length = 1;
                    self.pair.offset_from = *offset_from;
                    self.pair.offset_to = word.offset_to;
                    self.showing_pair = true;
                    self.word_pending = true;
                }
                text.clear();
                text.push_str(&word.text);
                *position = word.position;
                *offset_from = word.offset_from;
            }
            None => self.previous = Some((word.text.clone(), word.position, word.offset_from)),
        }
        true
    }

    fn token(&self) -> &Token {
        if self.showing_pair {
            &self.pair
        } else {
            self.tail.token()
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        if self.showing_pair {
            &mut self.pair
        } else {
            self.tail.token_mut()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{Language, LowerCaser, SimpleTokenizer, StopWordFilter, TextAnalyzer};

    fn tokens(text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(StopWordFilter::new(Language::English).expect("english stop words"))
            .filter(WordPairs)
            .build();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        out
    }

    #[test]
    fn adjacent_words_are_paired_before_the_second_word() {
        assert_eq!(
            tokens("Social protection works"),
            vec![
                ("social".into(), 0, 0, 6),
                ("social protection".into(), 0, 0, 17),
                ("protection".into(), 1, 7, 17),
                ("protection works".into(), 1, 7, 23),
                ("works".into(), 2, 18, 23),
            ]
        );
    }

    #[test]
    fn no_pair_across_a_removed_stop_word() {
        let texts: Vec<String> = tokens("protection of migrants")
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(texts, vec!["protection", "migrants"]);
        assert!(tokens("").is_empty());
        assert_eq!(tokens("one").len(), 1);
    }

    #[test]
    fn pairs_are_told_from_words() {
        let all = tokens("Diaspora bonds");
        let pairs: Vec<&str> = all
            .iter()
            .map(|t| t.0.as_str())
            .filter(|t| is_pair(t))
            .collect();
        assert_eq!(pairs, vec!["diaspora bonds"]);
        assert!(!is_pair("remittances"));
    }
}
