//! Dates as each language writes them.

use jiff::civil::Date;

use super::Lang;

impl Lang {
    /// A date as `lang` writes it in a letter: "1 February 2022", « 1er février 2022 »,
    /// "1 de febrero de 2022".
    pub fn long_date(self, date: Date) -> String {
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const FR: [&str; 12] = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        const ES: [&str; 12] = [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ];
        let (day, month, year) = (date.day(), (date.month() - 1) as usize, date.year());
        match self {
            Lang::En => format!("{day} {} {year}", EN[month]),
            Lang::Fr if day == 1 => format!("1er {} {year}", FR[month]),
            Lang::Fr => format!("{day} {} {year}", FR[month]),
            Lang::Es => format!("{day} de {} de {year}", ES[month]),
        }
    }
}
