//! The report's charts as inline SVG: bars, the score heatmap and
//! histograms. Pure: numbers in, SVG text out.
//!
//! Hand-made rather than through a plotting crate because the charts are
//! few and simple, the SVG must be small and self-contained (no fonts, no
//! scripts) to open from a mail attachment, and it must be byte-identical
//! from run to run. Every coordinate is printed with a fixed number of
//! decimals, so the output depends on the data only.

use crate::report::escape::escape;
use crate::report::words::{Numbers, Words, fill};
use std::fmt::Write;

/// One bar: a label, its length and the text printed beside it.
#[derive(Debug, Clone)]
pub(crate) struct Bar<'a> {
    /// The label on the left.
    pub(crate) label: &'a str,
    /// The length (negative values draw no bar).
    pub(crate) value: i128,
    /// The value as printed.
    pub(crate) text: String,
    /// CSS colour.
    pub(crate) color: &'a str,
}

/// Horizontal bars, one row per entry, scaled to the largest value.
pub(crate) fn bars(title: &str, rows: &[Bar<'_>]) -> String {
    const ROW: usize = 26;
    const LEFT: f64 = 150.0;
    const WIDTH: f64 = 230.0;
    let max = rows
        .iter()
        .map(|b| b.value.max(0))
        .max()
        .unwrap_or(0)
        .max(1);
    let height = ROW * rows.len() + 8;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 520 {height}" role="img" aria-label="{}">"#,
        escape(title)
    );
    for (i, bar) in rows.iter().enumerate() {
        let y = 4 + ROW * i;
        let w = bar.value.max(0) as f64 / max as f64 * WIDTH;
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{}" text-anchor="end"{}>{}</text><rect x="{LEFT:.1}" y="{}" width="{w:.1}" height="18" rx="2" fill="{}"/><text x="{:.1}" y="{}" class="value">{}</text>"#,
            LEFT - 8.0,
            y + 17,
            fit(bar.label, 19),
            escape(bar.label),
            y + 4,
            bar.color,
            LEFT + w + 6.0,
            y + 17,
            escape(&bar.text),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A smaller font for a label longer than `room` characters, so that
/// long (translated) segment names stay inside the chart.
fn fit(label: &str, room: usize) -> String {
    let n = label.chars().count();
    if n <= room {
        String::new()
    } else {
        format!(" font-size=\"{:.1}\"", 13.0 * room as f64 / n as f64)
    }
}

/// One cell of the score heatmap.
#[derive(Debug, Clone)]
pub(crate) struct HeatCell {
    /// Customers in the cell.
    pub(crate) customers: u64,
    /// The second line (average monetary), or empty.
    pub(crate) detail: String,
    /// The cell's segment, an index into the colours.
    pub(crate) segment: usize,
}

/// The heatmap's axes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Axes<'a> {
    /// Score levels per axis.
    pub(crate) levels: u8,
    /// The vertical axis title (recency).
    pub(crate) y_title: &'a str,
    /// The horizontal axis title (FM or F).
    pub(crate) x_title: &'a str,
}

/// A `levels` x `levels` grid, rows from the highest y score at the top:
/// `cells[(y - 1) * levels + (x - 1)]`. Each cell is tinted with its
/// segment's colour, darker the more customers it holds, and thick lines
/// are drawn wherever two neighbouring cells belong to different segments.
pub(crate) fn heatmap(
    axes: Axes<'_>,
    cells: &[HeatCell],
    colors: &[&str],
    words: &Words,
    numbers: &Numbers,
) -> String {
    let l = usize::from(axes.levels);
    let cell = (450 / l).min(96) as f64;
    let (left, top) = (62.0, 8.0);
    let size = cell * l as f64;
    let width = left + size + 12.0;
    let height = top + size + 56.0;
    let max = cells.iter().map(|c| c.customers).max().unwrap_or(0).max(1);
    let big = (cell * 0.19).clamp(9.0, 17.0);
    let small = (cell * 0.125).clamp(7.0, 11.5);
    let mut svg = format!(
        r#"<svg class="chart heat" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="{}">"#,
        escape(&fill(words.heat_aria, &[axes.y_title, axes.x_title]))
    );
    let at = |x: usize, y: usize| &cells[(y - 1) * l + (x - 1)];
    let px = |x: usize| left + (x - 1) as f64 * cell;
    let py = |y: usize| top + (l - y) as f64 * cell;
    for y in 1..=l {
        for x in 1..=l {
            let c = at(x, y);
            let color = colors[c.segment % colors.len()];
            // Square root: a cell with a tenth of the largest count is
            // still clearly visible.
            let opacity = 0.12 + 0.88 * (c.customers as f64 / max as f64).sqrt();
            let ink = if luminance(color, opacity) < 0.45 {
                "#fff"
            } else {
                "#111"
            };
            let (cx, cy) = (px(x) + cell / 2.0, py(y) + cell / 2.0);
            let _ = write!(
                svg,
                r##"<rect x="{:.1}" y="{:.1}" width="{cell:.1}" height="{cell:.1}" fill="{color}" fill-opacity="{opacity:.3}" stroke="#fff"/><text x="{cx:.1}" y="{:.1}" text-anchor="middle" font-size="{big:.1}" font-weight="600" fill="{ink}">{}</text>"##,
                px(x),
                py(y),
                cy + if c.detail.is_empty() {
                    big * 0.35
                } else {
                    -2.0
                },
                numbers.count(c.customers),
            );
            if !c.detail.is_empty() {
                let _ = write!(
                    svg,
                    r#"<text x="{cx:.1}" y="{:.1}" text-anchor="middle" font-size="{small:.1}" fill="{ink}">{}</text>"#,
                    cy + small + 3.0,
                    escape(&c.detail)
                );
            }
        }
    }
    // Segment borders: right and upper edges where the neighbour differs.
    let mut path = String::new();
    for y in 1..=l {
        for x in 1..=l {
            let s = at(x, y).segment;
            if x < l && at(x + 1, y).segment != s {
                let _ = write!(path, "M{:.1} {:.1}v{cell:.1}", px(x) + cell, py(y));
            }
            if y < l && at(x, y + 1).segment != s {
                let _ = write!(path, "M{:.1} {:.1}h{cell:.1}", px(x), py(y));
            }
        }
    }
    let _ = write!(
        svg,
        r##"<path d="{path}" stroke="#111" stroke-width="3" stroke-linecap="square" fill="none"/><rect x="{left:.1}" y="{top:.1}" width="{size:.1}" height="{size:.1}" fill="none" stroke="#111" stroke-width="2"/>"##
    );
    for v in 1..=l {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{v}</text><text x="{:.1}" y="{:.1}" text-anchor="middle">{v}</text>"#,
            left - 6.0,
            py(v) + cell / 2.0 + 4.0,
            px(v) + cell / 2.0,
            top + size + 16.0,
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="axis">{}</text><text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle" class="axis">{}</text></svg>"#,
        left + size / 2.0,
        top + size + 40.0,
        escape(axes.x_title),
        top + size / 2.0,
        escape(axes.y_title),
    );
    svg
}

/// The relative luminance (0 black, 1 white) of `#rrggbb` laid over white
/// at `opacity`.
fn luminance(color: &str, opacity: f64) -> f64 {
    let hex = color.trim_start_matches('#');
    let channel = |i: usize| {
        let v = hex
            .get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
        let c = f64::from(v) / 255.0 * opacity + (1.0 - opacity);
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

/// One histogram bin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bin {
    /// The range, as printed under the bar.
    pub(crate) label: String,
    /// Customers in it.
    pub(crate) count: u64,
}

/// Vertical bars, one per bin, with the count above each.
pub(crate) fn histogram(title: &str, bins: &[Bin], color: &str, numbers: &Numbers) -> String {
    let (left, right, top, bottom) = (8.0, 312.0, 18.0, 150.0);
    let max = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let step = (right - left) / bins.len().max(1) as f64;
    let mut svg = format!(
        r#"<svg class="chart hist" viewBox="0 0 320 214" role="img" aria-label="{}">"#,
        escape(title)
    );
    for (i, bin) in bins.iter().enumerate() {
        let h = bin.count as f64 / max as f64 * (bottom - top);
        let x = left + i as f64 * step;
        let mid = x + step / 2.0;
        let _ = write!(
            svg,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{color}"/><text x="{mid:.1}" y="{:.1}" text-anchor="middle" font-size="8">{}</text><text transform="translate({:.1} {:.1}) rotate(-45)" text-anchor="end" font-size="9">{}</text>"#,
            x + 1.0,
            bottom - h,
            (step - 2.0).max(1.0),
            bottom - h - 3.0,
            compact_count(bin.count, numbers),
            mid + 3.0,
            bottom + 10.0,
            escape(&localized(&bin.label, numbers)),
        );
    }
    let _ = write!(
        svg,
        r##"<line x1="{left:.1}" y1="{bottom:.1}" x2="{right:.1}" y2="{bottom:.1}" stroke="#555"/></svg>"##
    );
    svg
}

/// A small line chart of `values` (one per period, oldest first), from its
/// smallest to its largest value, both written above it with the last
/// value: one of the trend section's small multiples, so a change shows
/// however large the segment.
pub(crate) fn sparkline(title: &str, values: &[u64], color: &str, numbers: &Numbers) -> String {
    let (left, right, top, bottom) = (2.0, 148.0, 16.0, 58.0);
    let largest = values.iter().copied().max().unwrap_or(0);
    let smallest = values.iter().copied().min().unwrap_or(0);
    let now = values.last().copied().unwrap_or(0);
    let step = (right - left) / (values.len().max(2) - 1) as f64;
    let y = |v: u64| {
        if largest == smallest {
            (top + bottom) / 2.0
        } else {
            bottom - (v - smallest) as f64 / (largest - smallest) as f64 * (bottom - top)
        }
    };
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| format!("{:.1},{:.1}", left + i as f64 * step, y(v)))
        .collect();
    format!(
        r##"<svg class="chart spark" viewBox="0 0 150 62" role="img" aria-label="{}"><polyline points="{}" fill="none" stroke="{color}" stroke-width="2"/><text x="{left}" y="10" font-size="11" font-weight="600">{}</text><text x="{right}" y="10" font-size="9" text-anchor="end" class="value">{}–{}</text></svg>"##,
        escape(title),
        points.join(" "),
        compact_count(now, numbers),
        compact_count(smallest, numbers),
        compact_count(largest, numbers)
    )
}

/// 1234 -> `1.2k` (`1,2k` with a decimal comma): counts above bars stay
/// short.
fn compact_count(n: u64, numbers: &Numbers) -> String {
    let text = match n {
        0..1000 => n.to_string(),
        1000..10_000 => format!("{:.1}k", n as f64 / 1000.0),
        10_000..1_000_000 => format!("{}k", n / 1000),
        _ => format!("{:.1}M", n as f64 / 1e6),
    };
    localized(&text, numbers)
}

/// A short chart label written with a decimal point (`2.5k-5k`, `1.2M`)
/// with the language's decimal mark instead. The labels are too short to
/// need thousands separators.
fn localized(label: &str, numbers: &Numbers) -> String {
    if numbers.decimal == '.' {
        label.to_owned()
    } else {
        label.replace('.', &numbers.decimal.to_string())
    }
}

/// Days since the last purchase in equal bins of a round width (at most
/// 12 of them), from 0.
pub(crate) fn recency_bins(days: &[i64]) -> Vec<Bin> {
    let max = days.iter().copied().max().unwrap_or(0).max(0);
    let width = [1, 2, 5, 7, 10, 14, 15, 30, 60, 90, 120, 180, 365, 730]
        .into_iter()
        .find(|w| (max + 1 + w - 1) / w <= 12)
        .unwrap_or_else(|| (max + 1 + 11) / 12);
    let n = ((max + 1 + width - 1) / width) as usize;
    let mut bins: Vec<Bin> = (0..n as i64)
        .map(|i| Bin {
            label: if width == 1 {
                (i * width).to_string()
            } else {
                format!("{}-{}", i * width, i * width + width - 1)
            },
            count: 0,
        })
        .collect();
    for &d in days {
        bins[(d.max(0) / width) as usize].count += 1;
    }
    bins
}

/// Purchases: 1 to 5 one by one, then widening ranges (6-7, 8-10, 11-15,
/// 16-20, 21-30, 31-50, 51-100, ...), up to the largest value.
pub(crate) fn frequency_bins(counts: &[i64]) -> Vec<Bin> {
    let max = counts.iter().copied().max().unwrap_or(1).max(1);
    let mut edges: Vec<i64> = vec![1, 2, 3, 4, 5, 6, 8, 11, 16, 21, 31, 51];
    let mut power = 100;
    while edges.last().is_some_and(|&e| e <= max) {
        edges.extend([1, 2, 5].map(|m| m * power + 1));
        power *= 10;
    }
    edges.retain(|&e| e <= max);
    edges.push(max + 1);
    binned(counts, &edges, |lo, hi| {
        if hi - lo == 1 {
            lo.to_string()
        } else {
            format!("{lo}-{}", hi - 1)
        }
    })
}

/// Money in bins between round amounts (1, 2.5, 5 times a power of ten),
/// at most 14 of them; `units` are in `10^-scale`. Values below the first
/// edge (small or negative) share the first bin.
pub(crate) fn money_bins(units: &[i64], scale: u8) -> Vec<Bin> {
    // One more decimal than the data, so that 2.5 is a whole number of
    // units even for amounts without decimals.
    let one = 10_i128.pow(u32::from(scale) + 1);
    let values: Vec<i128> = units.iter().map(|&u| i128::from(u) * 10).collect();
    let max = values.iter().copied().max().unwrap_or(0).max(one);
    // Round amounts in units: 1, 2.5, 5, 10, 25, ... (whole currency units).
    let mut edges: Vec<i128> = Vec::new();
    let mut power = one;
    'grow: loop {
        for (num, den) in [(1, 1), (5, 2), (5, 1)] {
            let e = power * num / den;
            edges.push(e);
            if e > max {
                break 'grow;
            }
        }
        power *= 10;
    }
    // Start where the data starts (the 1st percentile), keeping at most 14
    // bins.
    let mut sorted = values.clone();
    sorted.sort_unstable();
    let low = sorted.get(sorted.len() / 100).copied().unwrap_or(0);
    let start = edges.iter().rposition(|&e| e <= low).unwrap_or(0);
    let start = start.max(edges.len().saturating_sub(15));
    let edges = &edges[start..];
    let mut bins: Vec<Bin> = edges
        .windows(2)
        .map(|w| Bin {
            label: format!("{}-{}", money_label(w[0], one), money_label(w[1], one)),
            count: 0,
        })
        .collect();
    if let Some(first) = bins.first_mut() {
        first.label = format!("<{}", money_label(edges[1], one));
    }
    count_into(values, edges, &mut bins);
    bins
}

/// 2500 units of 1 -> `2.5k`.
fn money_label(units: i128, one: i128) -> String {
    let v = units as f64 / one as f64;
    let (n, suffix) = match v {
        v if v >= 1e9 => (v / 1e9, "G"),
        v if v >= 1e6 => (v / 1e6, "M"),
        v if v >= 1e3 => (v / 1e3, "k"),
        v => (v, ""),
    };
    if n.fract() == 0.0 {
        format!("{n:.0}{suffix}")
    } else {
        format!("{n:.1}{suffix}")
    }
}

/// Bins between `edges`, labelled by `label(low, high)`.
fn binned(values: &[i64], edges: &[i64], label: impl Fn(i64, i64) -> String) -> Vec<Bin> {
    let mut bins: Vec<Bin> = edges
        .windows(2)
        .map(|w| Bin {
            label: label(w[0], w[1]),
            count: 0,
        })
        .collect();
    count_into(values.iter().copied(), edges, &mut bins);
    bins
}

/// Adds each value to the bin `[edges[i], edges[i + 1])` it falls in; values
/// below the first edge count in the first bin, at or above the last in the
/// last.
fn count_into<T: Ord + Copy>(values: impl IntoIterator<Item = T>, edges: &[T], bins: &mut [Bin]) {
    let last = bins.len().saturating_sub(1);
    for v in values {
        let i = edges.partition_point(|&e| e <= v).saturating_sub(1);
        if let Some(bin) = bins.get_mut(i.min(last)) {
            bin.count += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(bins: &[Bin]) -> Vec<u64> {
        bins.iter().map(|b| b.count).collect()
    }

    fn labels(bins: &[Bin]) -> Vec<&str> {
        bins.iter().map(|b| b.label.as_str()).collect()
    }

    #[test]
    fn recency_bins_by_hand() {
        // max 40: width 5 gives 9 bins (0-4 ... 40-44).
        let bins = recency_bins(&[0, 4, 5, 40, 12]);
        assert_eq!(bins.len(), 9);
        assert_eq!(bins[0].label, "0-4");
        assert_eq!(counts(&bins), [2, 1, 1, 0, 0, 0, 0, 0, 1]);
        // max 373: width 60 (7 bins) is the first with at most 12.
        let bins = recency_bins(&[373, 0]);
        assert_eq!(bins.len(), 7);
        assert_eq!(bins[6].label, "360-419");
    }

    #[test]
    fn frequency_bins_by_hand() {
        let bins = frequency_bins(&[1, 1, 2, 5, 6, 7, 10, 12]);
        assert_eq!(
            labels(&bins),
            ["1", "2", "3", "4", "5", "6-7", "8-10", "11-12"]
        );
        assert_eq!(counts(&bins), [2, 1, 0, 0, 1, 2, 1, 1]);
        let bins = frequency_bins(&[1, 250]);
        assert_eq!(
            &labels(&bins)[10..],
            ["31-50", "51-100", "101-200", "201-250"]
        );
        assert_eq!(counts(&bins).iter().sum::<u64>(), 2);
    }

    #[test]
    fn money_bins_by_hand() {
        // Scale 2: 0.50, 3.00, 12.00, 99.99, 100.00, 2600.00.
        let bins = money_bins(&[50, 300, 1200, 9999, 10000, 260_000], 2);
        assert_eq!(
            labels(&bins),
            [
                "<2.5", "2.5-5", "5-10", "10-25", "25-50", "50-100", "100-250", "250-500",
                "500-1k", "1k-2.5k", "2.5k-5k"
            ]
        );
        assert_eq!(counts(&bins), [1, 1, 0, 1, 0, 1, 1, 0, 0, 0, 1]);
        // Negative amounts fall in the first bin.
        let bins = money_bins(&[-500, 100], 0);
        assert_eq!(counts(&bins).iter().sum::<u64>(), 2);
        assert_eq!(bins[0].count, 1);
    }

    #[test]
    fn heatmap_draws_borders_only_between_segments() {
        // 2 levels: segment 0 on the top row, 1 on the bottom row.
        let cell = |segment, customers| HeatCell {
            customers,
            detail: String::new(),
            segment,
        };
        let cells = [cell(1, 5), cell(1, 0), cell(0, 9), cell(0, 1)];
        let axes = Axes {
            levels: 2,
            y_title: "R",
            x_title: "FM",
        };
        let en = &crate::report::words::EN;
        let svg = heatmap(
            axes,
            &cells,
            &["#1a7f37", "#546e7a"],
            &en.words,
            &en.numbers,
        );
        // One horizontal border across the two columns, no vertical one.
        let d = svg
            .split("<path d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(d.matches('h').count(), 2, "{d}");
        assert_eq!(d.matches('v').count(), 0, "{d}");
        assert!(svg.contains(">9</text>") && svg.contains(">5</text>"));
    }

    #[test]
    fn dark_cells_get_light_text() {
        assert!(luminance("#1a7f37", 1.0) < 0.45);
        assert!(luminance("#1a7f37", 0.12) > 0.45);
        assert!(luminance("#ffca28", 1.0) > 0.45);
    }
}
