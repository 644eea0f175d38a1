//! The report's charts, drawn by plotters as SVG. Every text in them is escaped by
//! plotters' SVG backend; labels are the report's own words, numbers and question
//! numbers, never text from mail.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use super::{Figures, Words, lang_key};
use crate::model::Lang;
use crate::{Error, Result};

/// The languages' colours, in the order of [`Lang::ALL`], then undetermined.
const LANG_COLOURS: [RGBColor; 4] = [
    RGBColor(0x0b, 0x5c, 0xad),
    RGBColor(0xd9, 0x82, 0x2b),
    RGBColor(0x2a, 0x9d, 0x8f),
    RGBColor(0x99, 0x99, 0x99),
];

/// The bars of the one-colour charts.
const BAR: RGBColor = RGBColor(0x0b, 0x5c, 0xad);

const WIDTH: u32 = 760;

fn failed(e: impl std::fmt::Display) -> Error {
    Error::Setup(format!("drawing a chart: {e}"))
}

/// Horizontal bars, one per label from the top, each split into coloured parts (one part
/// for a plain bar chart), with a legend when there are several kinds of part.
fn horizontal_bars(
    caption: &str,
    axis: &str,
    labels: &[String],
    parts: &[(String, RGBColor, Vec<usize>)],
) -> Result<String> {
    let n = labels.len().max(1) as u32;
    let height = 110 + 36 * n;
    let max = (0..labels.len())
        .map(|i| parts.iter().map(|(_, _, v)| v[i]).sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1) as u32;
    // Room on the right for the legend, so that it never hides a bar.
    let headroom = if parts.len() > 1 {
        max * 2 / 5 + 2
    } else {
        max / 10 + 1
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size((widest * 8).clamp(40, 300))
            .build_cartesian_2d(0u32..max + headroom, (0u32..n).into_segmented())
            .map_err(failed)?;
        let row_of = |i: usize| n - 1 - i as u32;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n as usize)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(r) if *r < n => labels
                    .get((n - 1 - r) as usize)
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_desc(axis)
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(failed)?;
        let mut start = vec![0u32; labels.len()];
        for (name, colour, values) in parts {
            let bars: Vec<Rectangle<(u32, SegmentValue<u32>)>> = values
                .iter()
                .enumerate()
                .filter(|(_, v)| **v > 0)
                .map(|(i, v)| {
                    let from = start[i];
                    start[i] += *v as u32;
                    let mut bar = Rectangle::new(
                        [
                            (from, SegmentValue::Exact(row_of(i))),
                            (start[i], SegmentValue::Exact(row_of(i) + 1)),
                        ],
                        colour.filled(),
                    );
                    bar.set_margin(5, 5, 0, 0);
                    bar
                })
                .collect();
            let colour = *colour;
            let series = chart.draw_series(bars).map_err(failed)?;
            if parts.len() > 1 {
                series.label(name.as_str()).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 12, y + 6)], colour.filled())
                });
            }
        }
        if parts.len() > 1 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK.mix(0.3))
                .label_font(("sans-serif", 13))
                .draw()
                .map_err(failed)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// Contributions per question, each bar split by language.
pub fn per_question(f: &Figures, w: &Words) -> Result<String> {
    let labels: Vec<String> = f
        .by_question
        .iter()
        .map(|q| w.question_label(q.question))
        .collect();
    let keys = Lang::ALL
        .iter()
        .map(|l| lang_key(Some(*l)))
        .chain([lang_key(None)]);
    let parts: Vec<(String, RGBColor, Vec<usize>)> = keys
        .zip(LANG_COLOURS)
        .map(|(key, colour)| {
            let values: Vec<usize> = f
                .by_question
                .iter()
                .map(|q| q.by_lang.get(key).copied().unwrap_or(0))
                .collect();
            (w.lang_label(key), colour, values)
        })
        .filter(|(_, _, v)| v.iter().any(|n| *n > 0))
        .collect();
    horizontal_bars(w.per_question, w.contributions, &labels, &parts)
}

/// Contributions per stakeholder type.
pub fn per_type(f: &Figures, w: &Words) -> Result<String> {
    let labels: Vec<String> = f
        .by_type
        .iter()
        .map(|c| w.type_label(&c.key).to_string())
        .collect();
    let values = f.by_type.iter().map(|c| c.count).collect();
    horizontal_bars(
        w.per_type,
        w.contributions,
        &labels,
        &[(String::new(), BAR, values)],
    )
}

/// The objectives mentioned most.
pub fn objectives(f: &Figures, w: &Words) -> Result<String> {
    let labels: Vec<String> = f
        .objectives
        .iter()
        .map(|c| format!("{} {}", w.objective, c.key))
        .collect();
    let values = f.objectives.iter().map(|c| c.count).collect();
    horizontal_bars(
        w.objectives,
        w.contributions,
        &labels,
        &[(String::new(), BAR, values)],
    )
}

/// Contributions per week, a column each.
pub fn per_week(f: &Figures, w: &Words) -> Result<String> {
    let n = f.by_week.len().max(1) as u32;
    let max = f.by_week.iter().map(|c| c.count).max().unwrap_or(0).max(1) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(w.per_week, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(44)
            .build_cartesian_2d((0u32..n).into_segmented(), 0u32..max + max / 10 + 1)
            .map_err(failed)?;
        let weeks = &f.by_week;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels((n as usize).min(12))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => weeks
                    .get(*i as usize)
                    .map(|c| c.key.get(5..).unwrap_or(&c.key).to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_desc(w.week_of)
            .y_desc(w.contributions)
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(failed)?;
        let bars = weeks.iter().enumerate().map(|(i, c)| {
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i as u32), 0),
                    (SegmentValue::Exact(i as u32 + 1), c.count as u32),
                ],
                BAR.filled(),
            );
            bar.set_margin(0, 0, 3, 3);
            bar
        });
        chart.draw_series(bars).map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}
