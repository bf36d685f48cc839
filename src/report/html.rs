//! report.html: one self-contained page (inline CSS and SVG; no script, no
//! font, no network) that opens from a mail attachment, reads on a phone
//! and prints on A4.
//!
//! The tables are the same [`Tabular`]s the CSV and JSON formats render,
//! so the page shows the very numbers of summary.csv; the charts come from
//! `charts`. Nothing on the page depends on the clock unless `--stamp`
//! asks for it, so a re-run on the same input gives the same bytes.
//!
//! The page's own words, numbers and dates follow `--lang` (`words`); the
//! numbers are rounded by `money` as in the CSV files and only written
//! differently.

use crate::dates::{Day, ymd};
use crate::money;
use crate::output::render::{Tabular, Value};
use crate::report::charts::{self, Axes, Bar, HeatCell};
use crate::report::escape::escape;
use crate::report::migration::Migration;
use crate::report::snapshot::Label;
use crate::report::tables;
use crate::report::words::{self, Locale, Numbers, Words, fill};
use crate::score::analysis::Analysis;
use crate::score::definition::Shape;
use crate::score::explain;
use crate::score::lang::Lang;
use crate::score::predicted::{self, Prediction};
use crate::score::segment::Segment;
use crate::score::summary;
use std::collections::HashMap;
use std::io::{self, Write};

/// Colours of the built-in segments, in their canonical order: greens for
/// the best, blues for the hopeful, ambers for the slipping, reds for those
/// at risk, greys for the gone.
const BUILTIN_COLORS: [&str; 11] = [
    "#1b7a3a", "#43a047", "#8bc34a", "#00897b", "#29b6f6", "#fbc02d", "#fb8c00", "#e53935",
    "#8e1b1b", "#90a4ae", "#546e7a",
];

/// Colours for segments of a user's own definition, in turn.
const OTHER_COLORS: [&str; 8] = [
    "#3f51b5", "#9c27b0", "#009688", "#795548", "#ff7043", "#607d8b", "#c0ca33", "#ec407a",
];

/// One colour per segment: built-in segments always get the same one
/// (whatever the language or definition), Others grey, the rest in turn.
pub(crate) fn palette(segments: &[Label]) -> Vec<&'static str> {
    let mut next = 0;
    segments
        .iter()
        .map(|s| match Segment::find(&s.key) {
            Some(builtin) => BUILTIN_COLORS[builtin.rank()],
            None if s.key == "others" => "#bdbdbd",
            None => {
                next += 1;
                OTHER_COLORS[(next - 1) % OTHER_COLORS.len()]
            }
        })
        .collect()
}

/// The page's words and formats in `lang` (a match, so that a new
/// language does not compile without them).
pub(crate) fn locale(lang: Lang) -> &'static Locale {
    match lang {
        Lang::En => &words::EN,
        Lang::It => &words::IT,
        Lang::Es => &words::ES,
        Lang::Fr => &words::FR,
        Lang::De => &words::DE,
        Lang::Ro => &words::RO,
        Lang::Ca => &words::CA,
    }
}

/// A day as the page writes it.
fn date(numbers: &Numbers, day: Day) -> String {
    let (year, month, day) = ymd(day);
    numbers.date(year, month, day)
}

/// `total` -> `Total`.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// An input as the report lists it.
#[derive(Debug, Clone)]
pub(crate) struct InputFile {
    /// The path as given (`<stdin>` for stdin).
    pub(crate) name: String,
    /// Data rows read.
    pub(crate) rows: u64,
    /// Size in bytes, for files.
    pub(crate) bytes: Option<u64>,
    /// SHA-256 of the bytes as stored (compressed files as compressed), for
    /// files.
    pub(crate) sha256: Option<String>,
}

/// `--trend`: the last whole periods before the as-of date.
pub(crate) struct Trend {
    pub(crate) every: crate::engine::Every,
    pub(crate) periods: Vec<crate::score::history::TrendPeriod>,
}

/// The reason of a customer of this run, for the movers list.
pub(crate) type ReasonOf<'a> = &'a dyn Fn(&crate::report::snapshot::Member) -> Option<String>;

/// Everything the page shows.
pub(crate) struct Page<'a> {
    /// The run.
    pub(crate) analysis: &'a Analysis,
    /// `--lang`: the page's words, numbers and dates.
    pub(crate) lang: Lang,
    /// Money decimals.
    pub(crate) decimals: u8,
    /// The per-segment summary table (`rfm summary`'s, as the terminal
    /// table shows it).
    pub(crate) summary: Tabular<'a>,
    /// The inputs.
    pub(crate) inputs: &'a [InputFile],
    /// The method, as label and value lines (in `lang`).
    pub(crate) method: &'a [(&'static str, String)],
    /// The migration since `--previous`.
    pub(crate) migration: Option<&'a Migration<'a>>,
    /// How many of the biggest fallers to list.
    pub(crate) movers_shown: usize,
    /// `--stamp`: when the report was made.
    pub(crate) stamp: Option<String>,
    /// `--by`: the group column and a row per group.
    pub(crate) groups: Option<(&'a str, Tabular<'a>)>,
    /// `--trend`.
    pub(crate) trend: Option<&'a Trend>,
    /// `--reasons`: the reason of a customer (by id) in this run, for the
    /// movers list.
    pub(crate) reason_of: Option<ReasonOf<'a>>,
}

const STYLE: &str = r#"
:root{--ink:#1d2329;--muted:#5f6b76;--line:#d9dee3;--bg:#f6f7f9;color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1080px;margin:0 auto;padding:16px}
header,section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 18px;margin:0 0 16px}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.2em;margin:0 0 12px}h3{font-size:1em;margin:0 0 6px}
p{margin:0 0 10px}.muted{color:var(--muted)}
.warn{border-left:4px solid #b45309;padding:6px 10px;margin-top:12px;background:rgba(180,83,9,.08)}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;margin-top:12px}
.kpi{border:1px solid var(--line);border-radius:8px;padding:8px 10px}.kpi b{display:block;font-size:1.35em}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,300px),1fr));gap:16px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{padding:5px 7px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
th{background:#eef1f4;font-weight:600;white-space:normal;vertical-align:bottom}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:600;border-top:2px solid var(--ink)}
td.wrap{white-space:normal;min-width:22em}
.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.multiples figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:6px 8px;break-inside:avoid}
.multiples figcaption{font-size:.85em;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.sw{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:6px;vertical-align:-1px}
.chart{width:100%;height:auto;font-size:13px;fill:var(--ink)}.chart .value{fill:var(--muted)}.chart .axis{font-size:12px;fill:var(--muted)}
.heat{max-width:560px;display:block;margin:0 auto}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.9em;margin-top:8px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,280px),1fr));gap:12px}
.card{border:1px solid var(--line);border-left:6px solid var(--c);border-radius:8px;padding:10px 12px}
.card h3{display:flex;justify-content:space-between;gap:8px}.card .n{color:var(--muted);font-weight:400}
.card p{font-size:.93em}.card .act{margin:0}
table.matrix{font-size:.8em}.matrix td,.matrix th{padding:3px 4px}.matrix tr>th:first-child{white-space:nowrap}
td.m{min-width:2.2em}td.diag{font-weight:700}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0 0 12px}dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
code{font-size:.88em}
footer{color:var(--muted);font-size:.85em;text-align:center;padding:4px 0 16px}
@media (max-width:600px){main{padding:8px}header,section{padding:12px}body{font-size:14px}}
@media print{@page{size:A4;margin:14mm}body{background:#fff;font-size:10.5pt}main{max-width:none;padding:0}
header,section{border:0;padding:0 0 10px;margin:0 0 12px;break-inside:avoid}.scroll{overflow:visible}
th{background:#eee !important}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.card{break-inside:avoid}table{font-size:8.5pt}table.matrix{font-size:7pt}th,td{padding:2px 4px}}
"#;

/// Writes the page.
pub(crate) fn write(out: &mut dyn Write, page: &Page<'_>) -> io::Result<()> {
    let a = page.analysis;
    let loc = locale(page.lang);
    let (w, nf) = (&loc.words, &loc.numbers);
    let labels = crate::report::snapshot::labels(&a.definition);
    let colors = palette(&labels);
    let color_of: HashMap<&str, &str> = labels
        .iter()
        .zip(&colors)
        .map(|(l, c)| (l.name.as_str(), *c))
        .collect();
    let as_of = date(nf, a.as_of);
    let totals = summary::summarize(&a.customers, labels.len());
    let total = totals.total;
    let money = |units: i128| nf.number(&money::format_scaled(units, a.scale, page.decimals, '.'));
    let inputs: Vec<String> = page.inputs.iter().map(|i| escape(&i.name)).collect();
    let title = fill(w.title, &[&as_of]);

    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"rfm {}\">\n<title>{title}: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        loc.code,
        env!("CARGO_PKG_VERSION"),
        inputs.join(", ")
    )?;

    // Title and key figures.
    writeln!(
        out,
        "<header>\n<h1>{title}</h1>\n<p class=\"muted\">{} &middot; {} &middot; {}</p>",
        inputs.join(", "),
        fill(w.n_rows, &[&nf.count(a.load.rows())]),
        fill(w.header_segments, &[&escape(&a.definition.name)])
    )?;
    let avg = nf.number(&money::format_quotient(
        total.revenue,
        i128::from(total.customers.max(1)),
        a.scale,
        page.decimals,
        '.',
    ));
    let mut kpis = vec![
        (w.kpi_customers, nf.count(total.customers)),
        (w.kpi_orders, nf.count(total.orders)),
        (w.kpi_revenue, money(total.revenue)),
        (w.kpi_revenue_per_customer, avg),
    ];
    if let Some(m) = page.migration {
        let counts = m.counts();
        kpis.push((w.kpi_new, nf.count(counts.new_customers)));
        kpis.push((w.kpi_changed, nf.count(counts.changed_segment)));
    }
    writeln!(out, "<div class=\"kpis\">")?;
    for (label, value) in kpis {
        writeln!(
            out,
            "<div class=\"kpi\"><b>{}</b><span class=\"muted\">{label}</span></div>",
            escape(&value)
        )?;
    }
    writeln!(out, "</div>")?;
    if let Some(warning) = dropped_warning(a, w, nf) {
        writeln!(
            out,
            "<p class=\"warn\"><b>{}</b> {}</p>",
            w.warning,
            escape(&warning)
        )?;
    }
    writeln!(out, "</header>")?;

    // The summary table.
    writeln!(out, "<section id=\"segments\">\n<h2>{}</h2>", w.segments_h)?;
    table(out, &page.summary, &color_of, loc)?;
    writeln!(out, "</section>")?;

    // `--by`: every group scored against its own customers.
    if let Some((by, groups)) = &page.groups {
        writeln!(
            out,
            "<section id=\"groups\">\n<h2>{}</h2>\n<p class=\"muted\">{}</p>\n<div class=\"scroll\">",
            fill(w.groups_h, &[&escape(by)]),
            w.groups_note
        )?;
        table(out, groups, &color_of, loc)?;
        writeln!(out, "</div>\n</section>")?;
    }

    // Bars.
    let bar_rows = |value: &dyn Fn(&summary::Totals) -> (i128, String)| -> Vec<Bar<'_>> {
        labels
            .iter()
            .zip(&totals.segments)
            .zip(&colors)
            .map(|((l, t), c)| {
                let (value, text) = value(t);
                Bar {
                    label: &l.name,
                    value,
                    text,
                    color: c,
                }
            })
            .collect()
    };
    let share = |part: i128, whole: i128| {
        if whole <= 0 {
            String::new()
        } else {
            format!(
                " ({})",
                nf.percent(&money::format_quotient(part * 100, whole, 0, 1, '.'))
            )
        }
    };
    let customers_bars = bar_rows(&|t| {
        (
            i128::from(t.customers),
            format!(
                "{}{}",
                nf.count(t.customers),
                share(i128::from(t.customers), i128::from(total.customers))
            ),
        )
    });
    let revenue_bars = bar_rows(&|t| {
        (
            t.revenue,
            format!("{}{}", money(t.revenue), share(t.revenue, total.revenue)),
        )
    });
    writeln!(
        out,
        "<section id=\"bars\">\n<h2>{}</h2>\n<div class=\"grid\">\n<figure style=\"margin:0\"><h3>{}</h3>{}</figure>\n<figure style=\"margin:0\"><h3>{}</h3>{}</figure>\n</div>\n</section>",
        w.bars_h,
        w.bars_customers,
        charts::bars(w.bars_customers_aria, &customers_bars),
        w.bars_revenue,
        charts::bars(w.bars_revenue_aria, &revenue_bars)
    )?;

    // The heatmap.
    heat_section(out, a, page.decimals, &colors, &labels, loc)?;

    // Distributions.
    let recency: Vec<i64> = a
        .customers
        .iter()
        .map(|c| i64::from(c.recency_days))
        .collect();
    let frequency: Vec<i64> = a.customers.iter().map(|c| i64::from(c.frequency)).collect();
    let monetary: Vec<i64> = a.customers.iter().map(|c| c.monetary).collect();
    writeln!(
        out,
        "<section id=\"distributions\">\n<h2>{}</h2>\n<p class=\"muted\">{}</p>\n<div class=\"grid\">\n<figure style=\"margin:0\"><h3>{}</h3>{}</figure>\n<figure style=\"margin:0\"><h3>{}</h3>{}</figure>\n<figure style=\"margin:0\"><h3>{}</h3>{}</figure>\n</div>\n</section>",
        w.distributions_h,
        w.distributions_note,
        w.recency_h,
        charts::histogram(
            w.recency_aria,
            &charts::recency_bins(&recency),
            "#5c7cba",
            nf
        ),
        w.frequency_h,
        charts::histogram(
            w.frequency_aria,
            &charts::frequency_bins(&frequency),
            "#5c9c8c",
            nf
        ),
        w.monetary_h,
        charts::histogram(
            w.monetary_aria,
            &charts::money_bins(&monetary, a.scale),
            "#b0894f",
            nf
        ),
    )?;

    // `--predict`.
    if let Some(prediction) = &a.prediction {
        predict_section(out, a, prediction, page.decimals, &labels, &colors, loc)?;
    }

    // What to do, per segment.
    writeln!(
        out,
        "<section id=\"actions\">\n<h2>{}</h2>\n<div class=\"cards\">",
        w.actions_h
    )?;
    for ((s, t), c) in a
        .definition
        .segments
        .iter()
        .zip(&totals.segments)
        .zip(&colors)
    {
        writeln!(
            out,
            "<div class=\"card\" style=\"--c:{c}\"><h3><span>{}</span><span class=\"n\">{}{}</span></h3><p>{}</p><p class=\"act\"><b>{}</b> {}</p></div>",
            escape(&s.name),
            nf.count(t.customers),
            share(i128::from(t.customers), i128::from(total.customers)),
            escape(&s.description),
            w.action,
            escape(&s.action)
        )?;
    }
    writeln!(out, "</div>\n</section>")?;

    if let Some(m) = page.migration {
        migration_section(out, m, page, &color_of)?;
    }
    if let Some(trend) = page.trend {
        trend_section(out, trend, &labels, &colors, loc)?;
    }

    // Method and provenance.
    writeln!(
        out,
        "<section id=\"method\">\n<h2>{}</h2>\n<dl>",
        w.method_h
    )?;
    for (label, value) in page.method {
        writeln!(out, "<dt>{label}</dt><dd>{}</dd>", escape(value))?;
    }
    for input in page.inputs {
        let hash = input
            .sha256
            .as_deref()
            .map_or_else(String::new, |h| format!(", SHA-256 <code>{h}</code>"));
        writeln!(
            out,
            "<dt>{}</dt><dd>{}: {}{hash}</dd>",
            w.input,
            escape(&input.name),
            fill(w.n_rows, &[&nf.count(input.rows)])
        )?;
    }
    writeln!(out, "</dl>\n<h3>{}</h3>", w.score_levels_h)?;
    table(out, &explain::tabulate(a, page.decimals), &color_of, loc)?;
    writeln!(out, "</section>")?;

    let stamp = page
        .stamp
        .as_deref()
        .map_or_else(String::new, |s| fill(w.stamp, &[&escape(s)]));
    writeln!(
        out,
        "<footer>{}</footer>\n</main>\n</body>\n</html>",
        fill(w.footer, &[env!("CARGO_PKG_VERSION"), &stamp])
    )
}

/// The warning of [`crate::input::LoadReport::dropped_warning`] (when that one
/// warns) in the page's language.
fn dropped_warning(a: &Analysis, w: &Words, nf: &Numbers) -> Option<String> {
    a.load.dropped_warning()?;
    let load = &a.load;
    let rows = load.rows().max(1);
    let dropped = load.missing_customer + load.rejected_count;
    // Tenths of a percent, cut (not rounded) as the terminal's warning.
    let tenths = dropped * 1000 / rows;
    let percent = if tenths.is_multiple_of(10) {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    };
    let mut why = Vec::new();
    if load.missing_customer > 0 {
        why.push(fill(w.dropped_missing, &[&nf.count(load.missing_customer)]));
    }
    if load.rejected_count > 0 {
        why.push(fill(w.dropped_bad, &[&nf.count(load.rejected_count)]));
    }
    Some(fill(
        w.dropped,
        &[
            &nf.count(dropped),
            &nf.count(load.rows()),
            &nf.percent(&percent),
            &why.join(", "),
        ],
    ))
}

/// `--predict`: the predicted value per segment (bars, clv summed over
/// the segment's customers) and how the customers' p_alive is spread (ten
/// bins of 0.1), under a line naming the model.
fn predict_section(
    out: &mut dyn Write,
    a: &Analysis,
    prediction: &Prediction,
    decimals: u8,
    labels: &[Label],
    colors: &[&str],
    loc: &Locale,
) -> io::Result<()> {
    let (w, nf) = (&loc.words, &loc.numbers);
    let (per, _) = predicted::per_segment(&a.customers, prediction, labels.len());
    let cents = 10f64.powi(i32::from(decimals));
    let bars: Vec<Bar<'_>> = labels
        .iter()
        .zip(&per)
        .zip(colors)
        .map(|((l, t), c)| {
            let units = if t.clv.is_finite() {
                (t.clv * cents).round() as i128
            } else {
                0
            };
            Bar {
                label: &l.name,
                value: units,
                text: nf.number(&money::format_scaled(units, decimals, decimals, '.')),
                color: c,
            }
        })
        .collect();
    let mut counts = [0u64; 10];
    for c in &a.customers {
        let p = prediction.of(c.code).p_alive;
        if p.is_finite() {
            counts[((p * 10.0) as usize).min(9)] += 1;
        }
    }
    let bins: Vec<charts::Bin> = counts
        .iter()
        .enumerate()
        .map(|(i, &count)| charts::Bin {
            label: format!("{:.1}-{:.1}", i as f64 / 10.0, (i + 1) as f64 / 10.0),
            count,
        })
        .collect();
    let values = if prediction.spend.is_some() {
        format!(
            "<figure style=\"margin:0\"><h3>{}</h3>{}</figure>\n",
            w.predict_clv,
            charts::bars(w.predict_clv_aria, &bars)
        )
    } else {
        String::new()
    };
    let days = prediction.options.days;
    let horizon = if days.fract() == 0.0 {
        format!("{} {}", nf.count(days as u64), w.days)
    } else {
        format!("{} {}", nf.number(&format!("{days:.1}")), w.days)
    };
    writeln!(
        out,
        "<section id=\"prediction\">\n<h2>{}</h2>\n<p class=\"muted\">{}</p>\n<div class=\"grid\">\n{values}<figure style=\"margin:0\"><h3>{}</h3>{}</figure>\n</div>\n</section>",
        w.predict_h,
        fill(
            w.predict_note,
            &[
                prediction.fit.model.name(),
                &nf.count(prediction.customers),
                &nf.count(prediction.repeat_buyers),
                &horizon,
            ]
        ),
        w.predict_p_alive,
        charts::histogram(w.predict_p_alive_aria, &bins, "#6b8e4e", nf),
    )
}

/// `--trend`: one small chart per segment (its customers at each period
/// end), then the at-risk segments' entered and left per period. Small
/// multiples rather than stacked areas: each segment keeps its own scale,
/// so a small segment's change shows, and the grid reflows on a phone.
fn trend_section(
    out: &mut dyn Write,
    trend: &Trend,
    labels: &[Label],
    colors: &[&str],
    loc: &Locale,
) -> io::Result<()> {
    let (w, nf) = (&loc.words, &loc.numbers);
    let unit = match trend.every {
        crate::engine::Every::Week => w.weeks,
        crate::engine::Every::Month => w.months,
        crate::engine::Every::Quarter => w.quarters,
    };
    let (Some(first), Some(last)) = (trend.periods.first(), trend.periods.last()) else {
        return writeln!(
            out,
            "<section id=\"trend\">\n<h2>{}</h2>\n<p class=\"muted\">{}</p>\n</section>",
            w.trend_h,
            fill(w.trend_empty, &[unit])
        );
    };
    let day = |d: Day| date(nf, d);
    writeln!(
        out,
        "<section id=\"trend\">\n<h2>{}</h2>\n<p class=\"muted\">{}</p>\n<div class=\"multiples\">",
        fill(
            w.trend_title,
            &[&nf.count(trend.periods.len() as u64), unit]
        ),
        fill(w.trend_note, &[&day(first.end), &day(last.end)])
    )?;
    for (s, label) in labels.iter().enumerate() {
        let values: Vec<u64> = trend.periods.iter().map(|p| p.customers[s]).collect();
        writeln!(
            out,
            "<figure><figcaption><span class=\"sw\" style=\"background:{}\"></span>{}</figcaption>{}</figure>",
            colors[s],
            escape(&label.name),
            charts::sparkline(&label.name, &values, colors[s], nf)
        )?;
    }
    writeln!(out, "</div>")?;
    let watched: Vec<usize> = labels
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            matches!(
                l.tone,
                crate::score::segment::Tone::Warning | crate::score::segment::Tone::Danger
            )
        })
        .map(|(s, _)| s)
        .collect();
    if !watched.is_empty() {
        writeln!(
            out,
            "<h3 style=\"margin-top:14px\">{}</h3>\n<div class=\"scroll\"><table>\n<tr><th>{}</th>",
            w.trend_risk_h, w.period_end
        )?;
        for &s in &watched {
            let name = escape(&labels[s].name);
            write!(
                out,
                "<th class=\"num\">{}</th><th class=\"num\">{}</th>",
                fill(w.entered, &[&name]),
                fill(w.left, &[&name])
            )?;
        }
        writeln!(out, "</tr>")?;
        for p in &trend.periods {
            write!(out, "<tr><td>{}</td>", day(p.end))?;
            for &s in &watched {
                write!(
                    out,
                    "<td class=\"num\">{}</td><td class=\"num\">{}</td>",
                    nf.count(p.entered[s]),
                    nf.count(p.left[s])
                )?;
            }
            writeln!(out, "</tr>")?;
        }
        writeln!(out, "</table></div>")?;
    }
    writeln!(out, "</section>")
}

/// The R x FM (or R x F) heatmap with a legend.
fn heat_section(
    out: &mut dyn Write,
    a: &Analysis,
    decimals: u8,
    colors: &[&str],
    labels: &[Label],
    loc: &Locale,
) -> io::Result<()> {
    let (w, nf) = (&loc.words, &loc.numbers);
    let l = a.definition.levels;
    let n = usize::from(l);
    let by_f = a.definition.shape == Shape::RF;
    let x_of = |c: &crate::score::analysis::ScoredCustomer| if by_f { c.f } else { c.fm };
    let mut customers = vec![0u64; n * n];
    let mut revenue = vec![0i128; n * n];
    // Per cell and segment, for definitions that split a cell.
    let mut split: HashMap<(usize, u8), u64> = HashMap::new();
    for c in &a.customers {
        let i = usize::from(c.r - 1) * n + usize::from(x_of(c) - 1);
        customers[i] += 1;
        revenue[i] += i128::from(c.monetary);
        *split.entry((i, c.segment)).or_default() += 1;
    }
    let cells: Vec<HeatCell> = (0..n * n)
        .map(|i| {
            let (r, x) = ((i / n) as u8 + 1, (i % n) as u8 + 1);
            let segment = match a.definition.shape {
                Shape::RFm => a.definition.segment_of(r, x, x),
                Shape::RF => a.definition.segment_of(r, x, 1),
                // The cell's largest segment (the definition's own first
                // when none has customers).
                Shape::RFM => split
                    .iter()
                    .filter(|((cell, _), _)| *cell == i)
                    .max_by_key(|((_, s), count)| (**count, std::cmp::Reverse(*s)))
                    .map_or(a.definition.segment_of(r, x, x), |((_, s), _)| *s),
            };
            HeatCell {
                customers: customers[i],
                detail: if customers[i] == 0 {
                    String::new()
                } else {
                    fill(
                        w.heat_avg,
                        &[&nf.number(&money::format_quotient(
                            revenue[i],
                            i128::from(customers[i]),
                            a.scale,
                            decimals.min(2),
                            '.',
                        ))],
                    )
                },
                segment: usize::from(segment),
            }
        })
        .collect();
    let (x_title, what) = if by_f {
        (w.heat_x_f, "R x F")
    } else {
        (w.heat_x_fm, "R x FM")
    };
    let axes = Axes {
        levels: l,
        y_title: w.heat_y,
        x_title,
    };
    let note = if a.definition.shape == Shape::RFM {
        w.heat_split_note
    } else {
        ""
    };
    writeln!(
        out,
        "<section id=\"heatmap\">\n<h2>{}</h2>\n<p class=\"muted\">{}{note}</p>\n{}",
        fill(w.heat_h, &[what]),
        w.heat_note,
        charts::heatmap(axes, &cells, colors, w, nf)
    )?;
    writeln!(out, "<div class=\"legend\">")?;
    for (label, color) in labels.iter().zip(colors) {
        writeln!(
            out,
            "<span><span class=\"sw\" style=\"background:{color}\"></span>{}</span>",
            escape(&label.name)
        )?;
    }
    writeln!(out, "</div>\n</section>")
}

/// The matrix since the previous report and the biggest fallers.
fn migration_section(
    out: &mut dyn Write,
    m: &Migration<'_>,
    page: &Page<'_>,
    color_of: &HashMap<&str, &str>,
) -> io::Result<()> {
    let loc = locale(page.lang);
    let (w, nf) = (&loc.words, &loc.numbers);
    let c = m.counts();
    // `tables::summary_line`, in the page's language.
    let summary_line = fill(
        w.summary_line,
        &[
            &nf.count(c.new_customers),
            &nf.count(c.gone_customers),
            &nf.count(c.changed_segment),
            &nf.count(c.kept_segment),
        ],
    );
    writeln!(
        out,
        "<section id=\"migration\">\n<h2>{}</h2>\n<p>{}</p>\n<p class=\"muted\">{}</p>\n<div class=\"scroll\"><table class=\"matrix\">",
        w.migration_h,
        fill(
            w.compared,
            &[
                &escape(&m.old.source),
                &nf.count(m.old.customers.len() as u64),
                &escape(&summary_line)
            ]
        ),
        w.matrix_note
    )?;
    write!(out, "<tr><th>{}</th>", w.before_now)?;
    for s in &m.segments {
        write!(out, "<th class=\"num\">{}</th>", escape(&s.name))?;
    }
    writeln!(
        out,
        "<th class=\"num\">{}</th><th class=\"num\">{}</th></tr>",
        w.gone_label, w.total
    )?;
    let row = |out: &mut dyn Write, label: String, values: &[u64], diagonal: Option<usize>| {
        let total: u64 = values.iter().sum();
        write!(out, "<tr><th>{label}</th>")?;
        for (j, v) in values.iter().enumerate() {
            // Shaded by the share of the row.
            let alpha = if total == 0 {
                0.0
            } else {
                *v as f64 / total as f64 * 0.75
            };
            let class = if diagonal == Some(j) {
                "num m diag"
            } else {
                "num m"
            };
            write!(
                out,
                "<td class=\"{class}\" style=\"background:rgba(63,81,181,{alpha:.3})\">{}</td>",
                nf.count(*v)
            )?;
        }
        writeln!(out, "<td class=\"num\">{}</td></tr>", nf.count(total))
    };
    let rows = m.rows();
    for (from, values) in rows.iter().enumerate() {
        match m.segments.get(from) {
            Some(s) => row(out, swatched(&s.name, color_of), values, Some(from))?,
            None => row(out, w.new_label.to_owned(), values, None)?,
        }
    }
    // Column totals: the customers of each segment now, and all gone.
    write!(out, "<tr class=\"total\"><th>{}</th>", w.total)?;
    let totals = tables::column_totals(&rows);
    for column in &totals {
        write!(out, "<td class=\"num\">{}</td>", nf.count(*column))?;
    }
    let all: u64 = totals.iter().sum();
    writeln!(out, "<td class=\"num\">{}</td></tr>", nf.count(all))?;
    writeln!(out, "</table></div>")?;

    let fallers = m.fallers();
    if m.segments
        .iter()
        .all(|s| s.tone == crate::score::segment::Tone::Neutral)
    {
        writeln!(out, "<p class=\"muted\">{}</p>\n</section>", w.no_fallers)?;
        return Ok(());
    }
    // The healthy built-in segments a faller leaves (the first five), by
    // their names in the page's language.
    let healthy: Vec<&str> = (0..5).map(|i| page.lang.text(i).name).collect();
    let healthy = match healthy.split_last() {
        Some((last, rest)) => format!("{}{}{last}", rest.join(", "), w.or),
        None => String::new(),
    };
    let most = if fallers.len() > page.movers_shown {
        fill(w.movers_most, &[&nf.count(page.movers_shown as u64)])
    } else {
        String::new()
    };
    writeln!(
        out,
        "<h3 style=\"margin-top:14px\">{}</h3>\n<p class=\"muted\">{}</p>",
        w.movers_h,
        escape(&fill(
            w.movers_note,
            &[&nf.count(fallers.len() as u64), &healthy, &most]
        ))
    )?;
    if !fallers.is_empty() {
        let shown = &fallers[..fallers.len().min(page.movers_shown)];
        let mut movers = tables::movers_table(m, shown, page.decimals)
            .for_format(crate::output::render::Format::Table);
        if let Some(reason_of) = page.reason_of {
            let reasons = shown
                .iter()
                .map(|mover| reason_of(mover.new).unwrap_or_default())
                .collect();
            movers = movers.with_column("reason", reasons);
        }
        table(out, &movers, color_of, loc)?;
    }
    writeln!(out, "</section>")
}

fn swatched(name: &str, color_of: &HashMap<&str, &str>) -> String {
    match color_of.get(name) {
        Some(c) => format!(
            "<span class=\"sw\" style=\"background:{c}\"></span>{}",
            escape(name)
        ),
        None => escape(name),
    }
}

/// Any result table as HTML: numbers right-aligned, shares as
/// percentages, segment names with their colour, the total row last.
fn table(
    out: &mut dyn Write,
    data: &Tabular<'_>,
    color_of: &HashMap<&str, &str>,
    loc: &Locale,
) -> io::Result<()> {
    let (w, nf) = (&loc.words, &loc.numbers);
    let mut numeric = vec![false; data.columns.len()];
    let mut rows = Vec::with_capacity(data.rows.len());
    for i in 0..data.rows.len() {
        let mut row = Vec::new();
        data.rows.fill(i, &mut row);
        for (n, v) in numeric.iter_mut().zip(&row) {
            *n |= v.is_number();
        }
        rows.push(row);
    }
    writeln!(out, "<div class=\"scroll\"><table>")?;
    write!(out, "<tr>")?;
    for (name, num) in data.columns.iter().zip(&numeric) {
        let class = if *num { " class=\"num\"" } else { "" };
        // Known columns by their label in the page's language; others
        // (kept columns, segment names) as named.
        let label = w
            .column(name)
            .map_or_else(|| name.replace('_', " "), str::to_owned);
        write!(out, "<th{class}>{}</th>", escape(&label))?;
    }
    writeln!(out, "</tr>")?;
    // A reason is a sentence or three: it wraps instead of widening the
    // table.
    let class: Vec<&str> = data
        .columns
        .iter()
        .zip(&numeric)
        .map(|(name, num)| match (*name, num) {
            (_, true) => " class=\"num\"",
            ("reason", _) => " class=\"wrap\"",
            _ => "",
        })
        .collect();
    let cell = |v: &Value, class: &str| -> String {
        let text = match v {
            Value::Segment(name, _) => swatched(name, color_of),
            other => escape(&cell_text(other, nf)),
        };
        format!("<td{class}>{text}</td>")
    };
    for row in &rows {
        let cells: String = row.iter().zip(&class).map(|(v, c)| cell(v, c)).collect();
        writeln!(out, "<tr>{cells}</tr>")?;
    }
    if let Some(total) = &data.total {
        // The summary's `Total` label, in the page's language.
        let label = Value::Text(capitalized(w.total).into());
        let cells: String = total
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::Text(t) if i == 0 && t == "Total" => &label,
                other => other,
            })
            .zip(&class)
            .map(|(v, c)| cell(v, c))
            .collect();
        writeln!(out, "<tr class=\"total\">{cells}</tr>")?;
    }
    writeln!(out, "</table></div>")
}

/// A cell as the terminal table shows it ([`crate::output::render::cell_text`]:
/// shares as percentages, no value as `-`), with the page's numbers and
/// dates.
fn cell_text(v: &Value, nf: &Numbers) -> String {
    match v {
        Value::Share { num, den } if *den > 0 => {
            nf.percent(&money::format_quotient(num * 100, *den, 0, 1, '.'))
        }
        Value::Date(day) => date(nf, *day),
        Value::Int(_) | Value::Decimal { .. } | Value::Quotient { .. } => v
            .text('.')
            .map_or_else(|| "-".to_owned(), |t| nf.number(&t)),
        other => crate::output::render::cell_text(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<b a="1">Tom & Jerry's</b>"#),
            "&lt;b a=&quot;1&quot;&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;"
        );
    }

    #[test]
    fn builtin_segments_keep_their_colour_in_any_definition() {
        let label = |key: &str| Label {
            key: key.into(),
            name: key.into(),
            tone: crate::score::segment::Tone::Neutral,
        };
        let a = palette(&[
            label("lost"),
            label("vip"),
            label("champions"),
            label("others"),
        ]);
        let b = palette(&[label("champions"), label("lost")]);
        assert_eq!(a[0], b[1]);
        assert_eq!(a[2], b[0]);
        assert_ne!(a[1], a[0]);
        assert_eq!(a[3], "#bdbdbd");
    }
}
