//! report.html: one self-contained page (inline CSS and SVG; no script, no
//! font, no network) that opens from a mail attachment, reads on a phone
//! and prints on A4.
//!
//! The tables are the same [`Tabular`]s the CSV and JSON formats render,
//! so the page shows the very numbers of summary.csv; the charts come from
//! `charts`. Nothing on the page depends on the clock unless `--stamp`
//! asks for it, so a re-run on the same input gives the same bytes.

use crate::dates::from_day;
use crate::money;
use crate::notes::thousands;
use crate::output::render::{Tabular, Value};
use crate::report::charts::{self, Axes, Bar, HeatCell};
use crate::report::escape::escape;
use crate::report::migration::Migration;
use crate::report::snapshot::Label;
use crate::report::tables;
use crate::score::analysis::Analysis;
use crate::score::definition::Shape;
use crate::score::explain;
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
    /// Money decimals.
    pub(crate) decimals: u8,
    /// The per-segment summary table (`rfm summary`'s, as the terminal
    /// table shows it).
    pub(crate) summary: Tabular<'a>,
    /// The inputs.
    pub(crate) inputs: &'a [InputFile],
    /// The method, as label and value lines.
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
    let labels = crate::report::snapshot::labels(&a.definition);
    let colors = palette(&labels);
    let color_of: HashMap<&str, &str> = labels
        .iter()
        .zip(&colors)
        .map(|(l, c)| (l.name.as_str(), *c))
        .collect();
    let as_of = from_day(a.as_of).format("%Y-%m-%d");
    let totals = summary::summarize(&a.customers, labels.len());
    let total = totals.total;
    let money = |units: i128| money::format_scaled(units, a.scale, page.decimals, '.');
    let inputs: Vec<String> = page.inputs.iter().map(|i| escape(&i.name)).collect();

    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"rfm {}\">\n<title>RFM report, as of {as_of}: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        env!("CARGO_PKG_VERSION"),
        inputs.join(", ")
    )?;

    // Title and key figures.
    writeln!(
        out,
        "<header>\n<h1>RFM report, as of {as_of}</h1>\n<p class=\"muted\">{} &middot; {} rows &middot; segments: {}</p>",
        inputs.join(", "),
        thousands(a.load.rows()),
        escape(&a.definition.name)
    )?;
    let avg = money::format_quotient(
        total.revenue,
        i128::from(total.customers.max(1)),
        a.scale,
        page.decimals,
        '.',
    );
    let mut kpis = vec![
        ("customers", thousands(total.customers)),
        ("orders", thousands(total.orders)),
        ("revenue", money(total.revenue)),
        ("revenue per customer", avg),
    ];
    if let Some(m) = page.migration {
        let counts = m.counts();
        kpis.push(("new since previous", thousands(counts.new_customers)));
        kpis.push(("changed segment", thousands(counts.changed_segment)));
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
    if let Some(warning) = a.load.dropped_warning() {
        writeln!(
            out,
            "<p class=\"warn\"><b>Warning:</b> {}</p>",
            escape(&warning)
        )?;
    }
    writeln!(out, "</header>")?;

    // The summary table.
    writeln!(out, "<section id=\"segments\">\n<h2>Segments</h2>")?;
    table(out, &page.summary, &color_of)?;
    writeln!(out, "</section>")?;

    // `--by`: every group scored against its own customers.
    if let Some((by, groups)) = &page.groups {
        writeln!(
            out,
            "<section id=\"groups\">\n<h2>Per {}</h2>\n<p class=\"muted\">Each group is scored against its own customers, with its own as-of date, as in a run on its rows alone; a customer who bought in two groups counts in both. The segments above add the groups up. groups.csv has this table.</p>\n<div class=\"scroll\">",
            escape(by)
        )?;
        table(out, groups, &color_of)?;
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
                " ({}%)",
                money::format_quotient(part * 100, whole, 0, 1, '.')
            )
        }
    };
    let customers_bars = bar_rows(&|t| {
        (
            i128::from(t.customers),
            format!(
                "{}{}",
                thousands(t.customers),
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
        "<section id=\"bars\">\n<h2>Customers and revenue per segment</h2>\n<div class=\"grid\">\n<figure style=\"margin:0\"><h3>Customers</h3>{}</figure>\n<figure style=\"margin:0\"><h3>Revenue</h3>{}</figure>\n</div>\n</section>",
        charts::bars("customers per segment", &customers_bars),
        charts::bars("revenue per segment", &revenue_bars)
    )?;

    // The heatmap.
    heat_section(out, a, page.decimals, &colors, &labels)?;

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
        "<section id=\"distributions\">\n<h2>Distributions</h2>\n<p class=\"muted\">Customers by days since their last purchase, by number of purchases and by net revenue.</p>\n<div class=\"grid\">\n<figure style=\"margin:0\"><h3>Recency (days)</h3>{}</figure>\n<figure style=\"margin:0\"><h3>Frequency (purchases)</h3>{}</figure>\n<figure style=\"margin:0\"><h3>Monetary (net revenue)</h3>{}</figure>\n</div>\n</section>",
        charts::histogram(
            "customers by recency",
            &charts::recency_bins(&recency),
            "#5c7cba"
        ),
        charts::histogram(
            "customers by frequency",
            &charts::frequency_bins(&frequency),
            "#5c9c8c"
        ),
        charts::histogram(
            "customers by monetary value",
            &charts::money_bins(&monetary, a.scale),
            "#b0894f"
        ),
    )?;

    // What to do, per segment.
    writeln!(
        out,
        "<section id=\"actions\">\n<h2>Who they are and what to do</h2>\n<div class=\"cards\">"
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
            "<div class=\"card\" style=\"--c:{c}\"><h3><span>{}</span><span class=\"n\">{}{}</span></h3><p>{}</p><p class=\"act\"><b>Action:</b> {}</p></div>",
            escape(&s.name),
            thousands(t.customers),
            share(i128::from(t.customers), i128::from(total.customers)),
            escape(&s.description),
            escape(&s.action)
        )?;
    }
    writeln!(out, "</div>\n</section>")?;

    if let Some(m) = page.migration {
        migration_section(out, m, page, &color_of)?;
    }
    if let Some(trend) = page.trend {
        trend_section(out, trend, &labels, &colors)?;
    }

    // Method and provenance.
    writeln!(
        out,
        "<section id=\"method\">\n<h2>Method and inputs</h2>\n<dl>"
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
            "<dt>input</dt><dd>{}: {} rows{hash}</dd>",
            escape(&input.name),
            thousands(input.rows)
        )?;
    }
    writeln!(out, "</dl>\n<h3>Score levels</h3>")?;
    table(out, &explain::tabulate(a, page.decimals), &color_of)?;
    writeln!(out, "</section>")?;

    let stamp = page
        .stamp
        .as_deref()
        .map_or_else(String::new, |s| format!(" on {}", escape(s)));
    writeln!(
        out,
        "<footer>Made by rfm {}{stamp}. The numbers are those of summary.csv and customers.csv beside this file.</footer>\n</main>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
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
) -> io::Result<()> {
    let unit = match trend.every {
        crate::engine::Every::Week => "weeks",
        crate::engine::Every::Month => "months",
        crate::engine::Every::Quarter => "quarters",
    };
    let (Some(first), Some(last)) = (trend.periods.first(), trend.periods.last()) else {
        return writeln!(
            out,
            "<section id=\"trend\">\n<h2>Trend</h2>\n<p class=\"muted\">No whole {unit} before the as-of date hold a purchase.</p>\n</section>"
        );
    };
    let day = |d: crate::dates::Day| from_day(d).format("%Y-%m-%d").to_string();
    writeln!(
        out,
        "<section id=\"trend\">\n<h2>Trend: the last {} {unit}</h2>\n<p class=\"muted\">Customers in each segment at the end of every period from {} to {}, each scored as a report as of the day after would score them: the last count, then the smallest and largest, and the line between them (report.json has the numbers; <code>rfm history</code> gives them for any range).</p>\n<div class=\"multiples\">",
        trend.periods.len(),
        day(first.end),
        day(last.end)
    )?;
    for (s, label) in labels.iter().enumerate() {
        let values: Vec<u64> = trend.periods.iter().map(|p| p.customers[s]).collect();
        writeln!(
            out,
            "<figure><figcaption><span class=\"sw\" style=\"background:{}\"></span>{}</figcaption>{}</figure>",
            colors[s],
            escape(&label.name),
            charts::sparkline(&label.name, &values, colors[s])
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
            "<h3 style=\"margin-top:14px\">Entered and left the segments at risk</h3>\n<div class=\"scroll\"><table>\n<tr><th>period end</th>"
        )?;
        for &s in &watched {
            let name = escape(&labels[s].name);
            write!(
                out,
                "<th class=\"num\">{name}: entered</th><th class=\"num\">{name}: left</th>"
            )?;
        }
        writeln!(out, "</tr>")?;
        for p in &trend.periods {
            write!(out, "<tr><td>{}</td>", day(p.end))?;
            for &s in &watched {
                write!(
                    out,
                    "<td class=\"num\">{}</td><td class=\"num\">{}</td>",
                    thousands(p.entered[s]),
                    thousands(p.left[s])
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
) -> io::Result<()> {
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
                    format!(
                        "avg {}",
                        money::format_quotient(
                            revenue[i],
                            i128::from(customers[i]),
                            a.scale,
                            decimals.min(2),
                            '.'
                        )
                    )
                },
                segment: usize::from(segment),
            }
        })
        .collect();
    let (x_title, what) = if by_f {
        ("F score (5 = most purchases)", "R x F")
    } else {
        ("FM score (frequency and monetary; 5 = best)", "R x FM")
    };
    let axes = Axes {
        levels: l,
        y_title: "R score (5 = most recent)",
        x_title,
    };
    let note = if a.definition.shape == Shape::RFM {
        " This definition splits some cells by f and m; such a cell is coloured by its largest segment."
    } else {
        ""
    };
    writeln!(
        out,
        "<section id=\"heatmap\">\n<h2>{what} scores</h2>\n<p class=\"muted\">Customers per cell and their average net revenue; the colour is the cell's segment, darker with more customers; thick lines separate segments.{note}</p>\n{}",
        charts::heatmap(axes, &cells, colors)
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
    writeln!(
        out,
        "<section id=\"migration\">\n<h2>Since the previous report</h2>\n<p>Compared with <b>{}</b> ({} customers): {}.</p>\n<p class=\"muted\">Rows: the segment before; columns: the segment now. (new) are customers not in the previous report, (gone) those no longer in the data.</p>\n<div class=\"scroll\"><table class=\"matrix\">",
        escape(&m.old.source),
        thousands(m.old.customers.len() as u64),
        escape(&tables::summary_line(m))
    )?;
    write!(out, "<tr><th>before \\ now</th>")?;
    for s in &m.segments {
        write!(out, "<th class=\"num\">{}</th>", escape(&s.name))?;
    }
    writeln!(
        out,
        "<th class=\"num\">{}</th><th class=\"num\">total</th></tr>",
        tables::GONE
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
                thousands(*v)
            )?;
        }
        writeln!(out, "<td class=\"num\">{}</td></tr>", thousands(total))
    };
    let rows = m.rows();
    for (from, values) in rows.iter().enumerate() {
        match m.segments.get(from) {
            Some(s) => row(out, swatched(&s.name, color_of), values, Some(from))?,
            None => row(out, tables::NEW.to_owned(), values, None)?,
        }
    }
    // Column totals: the customers of each segment now, and all gone.
    write!(out, "<tr class=\"total\"><th>total</th>")?;
    let totals = tables::column_totals(&rows);
    for column in &totals {
        write!(out, "<td class=\"num\">{}</td>", thousands(*column))?;
    }
    let all: u64 = totals.iter().sum();
    writeln!(out, "<td class=\"num\">{}</td></tr>", thousands(all))?;
    writeln!(out, "</table></div>")?;

    let fallers = m.fallers();
    if m.segments
        .iter()
        .all(|s| s.tone == crate::score::segment::Tone::Neutral)
    {
        writeln!(
            out,
            "<p class=\"muted\">This definition has none of the built-in segments, so there is no list of customers who slipped; <code>rfm compare --movers FROM..TO</code> lists any move.</p>\n</section>"
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "<h3 style=\"margin-top:14px\">Biggest movers: valuable customers who slipped</h3>\n<p class=\"muted\">{} customers went from Champions, Loyal Customers, Potential Loyalist, New Customers or Promising to a less healthy segment{}.</p>",
        thousands(fallers.len() as u64),
        if fallers.len() > page.movers_shown {
            format!("; the {} with the most revenue", page.movers_shown)
        } else {
            String::new()
        }
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
        table(out, &movers, color_of)?;
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
) -> io::Result<()> {
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
        write!(out, "<th{class}>{}</th>", escape(&name.replace('_', " ")))?;
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
            other => escape(&crate::output::render::cell_text(other)),
        };
        format!("<td{class}>{text}</td>")
    };
    for row in &rows {
        let cells: String = row.iter().zip(&class).map(|(v, c)| cell(v, c)).collect();
        writeln!(out, "<tr>{cells}</tr>")?;
    }
    if let Some(total) = &data.total {
        let cells: String = total.iter().zip(&class).map(|(v, c)| cell(v, c)).collect();
        writeln!(out, "<tr class=\"total\">{cells}</tr>")?;
    }
    writeln!(out, "</table></div>")
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
