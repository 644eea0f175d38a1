//! The export as a table: its columns, a row's cells, and the CSV file (RFC 4180, with
//! the `csv` crate).

use super::{Audience, Row};
use crate::{Error, Result};

/// A column of the table.
pub(super) struct Column {
    /// Its header (the same in every format).
    pub header: &'static str,
    /// Its width in a spreadsheet, in characters.
    pub width: f64,
}

/// A cell's value.
pub(super) enum Cell {
    /// Text.
    Text(String),
    /// A number (ids, question numbers, counts).
    Number(u64),
    /// Nothing.
    Empty,
}

impl Cell {
    fn text(value: Option<&str>) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::Text(v.to_string()))
    }

    /// The cell as CSV writes it.
    fn as_field(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

const PUBLIC: [Column; 22] = [
    col("id", 7.0),
    col("space", 12.0),
    col("question", 9.0),
    col("question_title", 30.0),
    col("lang", 6.0),
    col("other_langs", 8.0),
    col("stakeholder_type", 18.0),
    col("author", 22.0),
    col("affiliation", 28.0),
    col("department", 20.0),
    col("country", 22.0),
    col("country_code", 8.0),
    col("date", 21.0),
    col("subject", 36.0),
    col("text", 80.0),
    col("objectives", 12.0),
    col("attachments", 30.0),
    col("in_reply_to", 10.0),
    col("link", 40.0),
    col("campaign", 10.0),
    col("translations", 12.0),
    col("translated_text", 80.0),
];

const MODERATORS: [Column; 3] = [
    col("address", 28.0),
    col("state", 10.0),
    col("decision", 36.0),
];

const fn col(header: &'static str, width: f64) -> Column {
    Column { header, width }
}

/// The columns for `audience`.
pub(super) fn columns(audience: Audience) -> impl Iterator<Item = &'static Column> {
    let extra: &[Column] = match audience {
        Audience::Public => &[],
        Audience::Moderators => &MODERATORS,
    };
    PUBLIC.iter().chain(extra)
}

/// The index of the text column (which a spreadsheet wraps, as the next one).
pub(super) const TEXT_COLUMN: usize = 14;
/// The index of the other languages' texts.
pub(super) const TRANSLATED_TEXT_COLUMN: usize = 21;

/// A row's cells, in the order of [`columns`].
pub(super) fn cells(r: &Row, audience: Audience) -> Vec<Cell> {
    let langs = |l: &[crate::model::Lang]| {
        let codes: Vec<&str> = l.iter().map(|l| l.code()).collect();
        (!codes.is_empty()).then(|| codes.join(" "))
    };
    let objectives: Vec<String> = r.objectives.iter().map(u8::to_string).collect();
    let attachments: Vec<String> = r
        .attachments
        .iter()
        .map(|a| match a.outcome {
            Some("extracted") => format!("{} ({} characters of text)", a.name, a.text_chars),
            Some(outcome) => format!("{} (no text: {outcome})", a.name),
            None => a.name.clone(),
        })
        .collect();
    let mut out = vec![
        Cell::Number(r.id),
        Cell::Text(r.space.clone()),
        r.question.map_or(Cell::Empty, |n| Cell::Number(n.into())),
        Cell::text(r.question_title.as_deref()),
        Cell::text(r.lang.map(|l| l.code())),
        Cell::text(langs(&r.other_langs).as_deref()),
        Cell::text(r.stakeholder_type.map(|t| t.as_str())),
        Cell::Text(r.author.clone()),
        Cell::text(r.affiliation.as_deref()),
        Cell::text(r.department.as_deref()),
        Cell::text(r.country.as_ref().map(|c| c.name)),
        Cell::text(r.country.as_ref().map(|c| c.code)),
        Cell::Text(r.date.clone()),
        Cell::Text(r.subject.clone()),
        Cell::Text(r.text.clone()),
        Cell::text(
            (!objectives.is_empty())
                .then(|| objectives.join(" "))
                .as_deref(),
        ),
        Cell::text(
            (!attachments.is_empty())
                .then(|| attachments.join("; "))
                .as_deref(),
        ),
        r.in_reply_to.map_or(Cell::Empty, Cell::Number),
        Cell::text(r.link.as_deref()),
        Cell::text(r.campaign.as_deref()),
        Cell::text(
            (!r.translations.is_empty())
                .then(|| {
                    let list: Vec<String> = r
                        .translations
                        .iter()
                        .map(|v| format!("{} {}", v.lang.map_or("-", |l| l.code()), v.id))
                        .collect();
                    list.join("; ")
                })
                .as_deref(),
        ),
        Cell::text(
            (!r.translations.is_empty())
                .then(|| {
                    let texts: Vec<String> = r
                        .translations
                        .iter()
                        .map(|v| {
                            format!(
                                "[{}] {}\n{}",
                                v.lang.map_or("-", |l| l.code()),
                                v.subject,
                                v.text
                            )
                        })
                        .collect();
                    texts.join("\n\n")
                })
                .as_deref(),
        ),
    ];
    if audience == Audience::Moderators {
        out.extend([
            Cell::text(r.address.as_deref()),
            Cell::text(r.state),
            Cell::text(r.decision.as_deref()),
        ]);
    }
    out
}

/// The UTF-8 byte-order mark spreadsheet programs look for.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The rows as CSV: a header line, then a record per contribution; fields with commas,
/// quotes or line breaks quoted, quotes doubled, lines ended with CRLF (RFC 4180).
pub(super) fn csv(rows: &[Row], audience: Audience, spreadsheet: bool) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    if spreadsheet {
        out.extend_from_slice(BOM);
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let failed = |e: csv::Error| Error::Setup(format!("writing the CSV: {e}"));
    w.write_record(columns(audience).map(|c| c.header))
        .map_err(failed)?;
    for r in rows {
        let fields = cells(r, audience).into_iter().map(|c| {
            let field = c.as_field();
            if spreadsheet && looks_like_a_formula(&field) {
                format!("'{field}")
            } else {
                field
            }
        });
        w.write_record(fields.collect::<Vec<_>>()).map_err(failed)?;
    }
    w.into_inner()
        .map_err(|e| Error::Setup(format!("writing the CSV: {}", e.error())))
}

/// Whether a spreadsheet would read this cell as a formula (or a command: tab, CR).
fn looks_like_a_formula(field: &str) -> bool {
    field.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

#[cfg(test)]
mod tests {
    use super::looks_like_a_formula;

    #[test]
    fn cells_a_spreadsheet_would_run_are_recognised() {
        for f in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx"] {
            assert!(looks_like_a_formula(f), "{f}");
        }
        for f in ["Migration", "1. Priorities", "", "'=already"] {
            assert!(!looks_like_a_formula(f), "{f}");
        }
    }
}
