//! The consultation's languages named in each of them.

use super::Lang;

impl Lang {
    /// This language's name as a reader of `reader` writes it ("French", « français »,
    /// "francés").
    pub fn name_in(self, reader: Lang) -> &'static str {
        match (reader, self) {
            (Lang::En, Lang::En) => "English",
            (Lang::En, Lang::Fr) => "French",
            (Lang::En, Lang::Es) => "Spanish",
            (Lang::Fr, Lang::En) => "anglais",
            (Lang::Fr, Lang::Fr) => "français",
            (Lang::Fr, Lang::Es) => "espagnol",
            (Lang::Es, Lang::En) => "inglés",
            (Lang::Es, Lang::Fr) => "francés",
            (Lang::Es, Lang::Es) => "español",
        }
    }
}
