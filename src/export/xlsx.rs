//! The export as an Excel workbook (`rust_xlsxwriter`): an overview sheet with the counts
//! per question and language and per stakeholder type, then a sheet per question with a
//! row per contribution, its header frozen and filterable, the text wrapped.

use std::collections::BTreeMap;

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use super::table::{self, Cell, TEXT_COLUMN, TRANSLATED_TEXT_COLUMN};
use super::{Audience, Row, type_label};
use crate::config::Config;
use crate::model::{Lang, StakeholderType};
use crate::{Error, Result};

/// Excel's limit on a cell's text, in UTF-16 units.
const MAX_CELL: usize = 32_767;

/// What a text cut at [`MAX_CELL`] ends with.
const CUT: &str = " […] (cut at Excel's limit on a cell; the CSV and JSON exports hold it all)";

/// Wrapped rows grow to fit their text up to this height, in points (about ten lines).
const MAX_ROW_HEIGHT: f64 = 150.0;

fn failed(e: XlsxError) -> Error {
    Error::Setup(format!("writing the workbook: {e}"))
}

/// The workbook's bytes.
pub(super) fn workbook(config: &Config, rows: &[Row], audience: Audience) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color("#DCE6F1")
        .set_align(FormatAlign::Top);
    let top = Format::new().set_align(FormatAlign::Top);
    let wrapped = Format::new().set_align(FormatAlign::Top).set_text_wrap();

    overview(book.add_worksheet(), config, rows, &header).map_err(failed)?;

    let all: Vec<&Row> = rows.iter().collect();
    let sheets = super::runs(&all, |r| (r.space.clone(), r.question));
    let several_spaces = sheets.iter().any(|((space, _), _)| *space != sheets[0].0.0);
    let mut used: Vec<String> = vec!["Overview".into()];
    for ((space, question), list) in &sheets {
        let base = match question {
            Some(n) => format!("Q{n}"),
            None => "General".to_string(),
        };
        let name = sheet_name(
            &if several_spaces {
                format!("{space} {base}")
            } else {
                base
            },
            &used,
        );
        used.push(name.clone());
        let sheet = book.add_worksheet();
        sheet.set_name(&name).map_err(failed)?;
        contributions(sheet, list, audience, &header, &top, &wrapped).map_err(failed)?;
    }
    book.save_to_buffer().map_err(failed)
}

/// The counts: per question and language, then per stakeholder type.
fn overview(
    sheet: &mut Worksheet,
    config: &Config,
    rows: &[Row],
    header: &Format,
) -> std::result::Result<(), XlsxError> {
    sheet.set_name("Overview")?;
    let mut per_question: BTreeMap<(usize, u32, &str), [u64; 4]> = BTreeMap::new();
    let mut titles: BTreeMap<(usize, u32, &str), Option<&str>> = BTreeMap::new();
    for r in rows {
        let order = config
            .spaces
            .iter()
            .position(|s| s.id == r.space)
            .unwrap_or(usize::MAX);
        let key = (order, r.question.unwrap_or(u32::MAX), r.space.as_str());
        let slot = match r.lang {
            Some(Lang::En) => 0,
            Some(Lang::Fr) => 1,
            Some(Lang::Es) => 2,
            None => 3,
        };
        per_question.entry(key).or_default()[slot] += 1;
        titles.insert(key, r.question_title.as_deref());
    }
    let heads = [
        "space",
        "question",
        "title",
        "en",
        "fr",
        "es",
        "undetermined",
        "total",
    ];
    for (c, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, header)?;
    }
    let mut row = 1u32;
    for (key @ (_, number, space), counts) in &per_question {
        sheet.write_string(row, 0, *space)?;
        if *number == u32::MAX {
            sheet.write_string(row, 1, "general")?;
        } else {
            sheet.write_number(row, 1, f64::from(*number))?;
        }
        sheet.write_string(row, 2, titles[key].unwrap_or(""))?;
        for (i, n) in counts.iter().enumerate() {
            sheet.write_number(row, 3 + i as u16, *n as f64)?;
        }
        sheet.write_number(row, 7, counts.iter().sum::<u64>() as f64)?;
        row += 1;
    }
    sheet.write_string_with_format(row, 0, "total", header)?;
    sheet.write_number_with_format(row, 7, rows.len() as f64, header)?;

    row += 2;
    sheet.write_string_with_format(row, 0, "stakeholder type", header)?;
    sheet.write_string_with_format(row, 1, "contributions", header)?;
    let mut per_type: BTreeMap<Option<StakeholderType>, u64> = BTreeMap::new();
    for r in rows {
        *per_type.entry(r.stakeholder_type).or_default() += 1;
    }
    let types = StakeholderType::ALL.iter().copied().map(Some).chain([None]);
    for kind in types {
        if let Some(n) = per_type.get(&kind) {
            row += 1;
            sheet.write_string(row, 0, type_label(kind, Lang::En))?;
            sheet.write_number(row, 1, *n as f64)?;
        }
    }
    sheet.set_column_width(0, 36)?;
    sheet.set_column_width(1, 14)?;
    sheet.set_column_width(2, 60)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// One question's contributions, a row each.
fn contributions(
    sheet: &mut Worksheet,
    rows: &[&Row],
    audience: Audience,
    header: &Format,
    top: &Format,
    wrapped: &Format,
) -> std::result::Result<(), XlsxError> {
    let columns: Vec<&table::Column> = table::columns(audience).collect();
    for (c, col) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, col.header, header)?;
        sheet.set_column_width(c as u16, col.width)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let at = i as u32 + 1;
        for (c, cell) in table::cells(r, audience).into_iter().enumerate() {
            let format = if c == TEXT_COLUMN || c == TRANSLATED_TEXT_COLUMN {
                wrapped
            } else {
                top
            };
            match cell {
                Cell::Text(t) => {
                    sheet.write_string_with_format(at, c as u16, fit(&t), format)?;
                }
                Cell::Number(n) => {
                    sheet.write_number_with_format(at, c as u16, n as f64, format)?;
                }
                Cell::Empty => {}
            }
        }
        sheet.set_row_height(at, row_height(&r.text, columns[TEXT_COLUMN].width))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.len() as u32, columns.len() as u16 - 1)?;
    Ok(())
}

/// A text cut to fit an Excel cell, saying so.
fn fit(text: &str) -> std::borrow::Cow<'_, str> {
    if text.encode_utf16().count() <= MAX_CELL {
        return text.into();
    }
    let room = MAX_CELL - CUT.encode_utf16().count();
    let mut used = 0;
    let end = text
        .char_indices()
        .find(|(_, c)| {
            used += c.len_utf16();
            used > room
        })
        .map_or(text.len(), |(i, _)| i);
    format!("{}{CUT}", &text[..end]).into()
}

/// The height a wrapped text needs in a column `width` characters wide, in points, at
/// most [`MAX_ROW_HEIGHT`].
fn row_height(text: &str, width: f64) -> f64 {
    let per_line = (width * 1.1).max(1.0) as usize;
    let lines: usize = text
        .lines()
        .map(|l| l.chars().count().div_ceil(per_line).max(1))
        .sum();
    (lines.max(1) as f64 * 15.0).min(MAX_ROW_HEIGHT)
}

/// A sheet name Excel accepts (at most 31 characters, none of `[]:*?/\`), unique among
/// `used` (compared as Excel does, ignoring case).
fn sheet_name(wanted: &str, used: &[String]) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let clean = clean.trim_matches('\'');
    let taken = |n: &str| used.iter().any(|u| u.eq_ignore_ascii_case(n));
    let base: String = clean.chars().take(31).collect();
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|i| {
            let suffix = format!(" ({i})");
            let head: String = clean.chars().take(31 - suffix.len()).collect();
            format!("{head}{suffix}")
        })
        .find(|n| !taken(n))
        .unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::{MAX_CELL, fit, sheet_name};

    #[test]
    fn a_text_over_excel_s_limit_is_cut_and_says_so() {
        let long = "é".repeat(40_000);
        let cut = fit(&long);
        assert!(cut.encode_utf16().count() <= MAX_CELL);
        assert!(cut.ends_with("the CSV and JSON exports hold it all)"));
        assert_eq!(fit("short"), "short");
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let used = vec!["Overview".to_string(), "Q1".to_string()];
        assert_eq!(sheet_name("q1", &used), "q1 (2)");
        assert_eq!(sheet_name("a/b:c", &used), "a_b_c");
        assert_eq!(sheet_name(&"x".repeat(40), &used).chars().count(), 31);
    }
}
