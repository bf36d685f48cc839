//! `rfm summary`: one row per segment of the definition, in its order.

use crate::cli::SummaryArgs;
use crate::options::Environment;
use crate::output::OutputOptions;
use crate::output::render::{self, Format, JsonRenderer, Renderer, Rows, Shown, Tabular, Value};
use crate::pipeline;
use crate::score::analysis::Analysis;
use crate::score::predicted::{self, DECIMALS as PREDICTED_DECIMALS};
use crate::score::summary::{self, Totals};
use crate::{output, score::explain};
use std::borrow::Cow;

/// The columns, in contract order. `segment_key` is left out of the
/// terminal table; `description` and `action` appear in JSON only.
pub(crate) const COLUMNS: [&str; 12] = [
    "segment",
    "customers",
    "customers_share",
    "orders",
    "revenue",
    "revenue_share",
    "avg_recency_days",
    "avg_frequency",
    "avg_monetary",
    "segment_key",
    "description",
    "action",
];

/// Runs the command.
pub(crate) fn run(args: &SummaryArgs, env: &Environment) -> anyhow::Result<()> {
    let mut opts =
        crate::options::resolve(&args.input, &args.method, &args.explain, &args.output, env)?;
    crate::options::with_predict(&mut opts, &args.predict)?;
    let (opts, analysis) = pipeline::run_resolved(opts, &args.method)?;
    match &analysis.by {
        None => output::emit(&opts.output, tabulate(&analysis, opts.output.decimals)),
        Some(by) => emit_groups(&analysis, by, &opts.output),
    }
}

/// `--by`: one summary per group. The table format prints a block per
/// group under its name; JSON nests the per-group documents under
/// `groups`; the other formats are one table with a `group` column first
/// (shares within the group, no total rows).
fn emit_groups(analysis: &Analysis, by: &str, options: &OutputOptions) -> anyhow::Result<()> {
    let decimals = options.decimals;
    let views: Vec<Analysis> = (0..analysis.groups.len())
        .map(|g| analysis.for_group(g))
        .collect();
    let name = |g: usize| analysis.groups[g].name.as_str();
    match options.format {
        Format::Table => {
            let renderer = render::renderer(options.format, options.render);
            output::write_to(options.path.as_deref(), |out| {
                for (g, view) in views.iter().enumerate() {
                    if g > 0 {
                        writeln!(out)?;
                    }
                    writeln!(
                        out,
                        "{by} = {} ({}, as of {})",
                        shown_group(name(g)),
                        crate::notes::count(view.customers.len() as u64, "customer"),
                        crate::dates::from_day(view.as_of).format("%Y-%m-%d")
                    )?;
                    let table = tabulate(view, decimals).for_format(options.format);
                    renderer.render(&table, out)?;
                }
                Ok(())
            })
        }
        Format::Json => {
            // Each group's document as `rfm summary` writes it, its key
            // order kept, with the group's name first.
            let mut document = format!("{{\n  \"by\": {},\n  \"groups\": [", json_string(by));
            for (g, view) in views.iter().enumerate() {
                let table = tabulate(view, decimals).for_format(Format::Json);
                let mut text = Vec::new();
                JsonRenderer.render(&table, &mut text)?;
                let text = String::from_utf8_lossy(&text);
                let body = text.trim().strip_prefix('{').unwrap_or(&text);
                let separator = if g > 0 { "," } else { "" };
                document.push_str(&format!(
                    "{separator}\n{{\"group\": {},{body}",
                    json_string(name(g))
                ));
            }
            document.push_str("\n  ]\n}\n");
            output::write_to(options.path.as_deref(), |out| {
                out.write_all(document.as_bytes())
            })
        }
        _ => {
            let tables: Vec<(&str, Tabular<'_>)> = views
                .iter()
                .enumerate()
                .map(|(g, view)| (name(g), tabulate(view, decimals)))
                .collect();
            let mut columns = vec!["group"];
            columns.extend(COLUMNS);
            let table = Tabular {
                columns,
                shown: vec![
                    ("segment_key", Shown::Files),
                    ("description", Shown::Json),
                    ("action", Shown::Json),
                ],
                rows: Box::new(GroupRows { tables }),
                total: None,
                json_envelope: None,
            };
            output::emit(options, table)
        }
    }
}

/// The rows of every group's summary, each after its group's name.
struct GroupRows<'a> {
    tables: Vec<(&'a str, Tabular<'a>)>,
}

impl Rows for GroupRows<'_> {
    fn len(&self) -> usize {
        self.tables.iter().map(|(_, t)| t.rows.len()).sum()
    }

    fn fill<'s>(&'s self, mut index: usize, row: &mut Vec<Value<'s>>) {
        for (name, table) in &self.tables {
            let len = table.rows.len();
            if index < len {
                let mut cells = Vec::new();
                table.rows.fill(index, &mut cells);
                row.clear();
                row.push(Value::Text(Cow::Borrowed(name)));
                row.extend(cells);
                return;
            }
            index -= len;
        }
    }
}

/// `--by` in `rfm report`: one row per group with its as-of date, its
/// customers and revenue, and its customers per segment (a column per
/// segment, in the definition's order).
pub(crate) fn groups_table(analysis: &Analysis, decimals: u8) -> Tabular<'_> {
    let segments = &analysis.definition.segments;
    let mut counts = vec![vec![0i64; segments.len()]; analysis.groups.len()];
    let mut revenue = vec![0i128; analysis.groups.len()];
    for c in &analysis.customers {
        let g = c.group as usize;
        counts[g][usize::from(c.segment)] += 1;
        revenue[g] += i128::from(c.monetary);
    }
    let rows: Vec<Vec<Value<'_>>> = analysis
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let mut row = vec![
                Value::Text(Cow::Borrowed(shown_group(&group.name))),
                Value::Date(group.as_of),
                Value::Int(group.customers as i64),
                if analysis.monetary {
                    Value::Decimal {
                        units: revenue[g],
                        scale: analysis.scale,
                        decimals,
                    }
                } else {
                    Value::Null
                },
            ];
            row.extend(counts[g].iter().map(|&n| Value::Int(n)));
            row
        })
        .collect();
    let mut columns = vec!["group", "as_of", "customers", "revenue"];
    columns.extend(segments.iter().map(|s| s.name.as_str()));
    Tabular::new(&columns, rows)
}

/// `text` as a JSON string.
fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// A group value as shown in a heading: `(empty)` for rows without one.
fn shown_group(name: &str) -> &str {
    if name.is_empty() { "(empty)" } else { name }
}

/// The columns `--predict` adds, last: the average p_alive, the expected
/// purchase occasions and clv summed over the segment, and the average clv.
pub(crate) const PREDICTED_COLUMNS: [&str; 4] =
    ["avg_p_alive", "expected_orders", "clv", "avg_clv"];

/// The per-segment summary as a table, with a total row. The JSON document
/// also carries the as-of date, the definition and the score thresholds
/// (and with `--predict`, the fitted models).
pub(crate) fn tabulate<'a>(analysis: &'a Analysis, decimals: u8) -> Tabular<'a> {
    let summary = summary::summarize(&analysis.customers, analysis.definition.segments.len());
    let total = summary.total;
    let predicted = analysis.prediction.as_deref().map(|p| {
        let segments = analysis.definition.segments.len();
        (p, predicted::per_segment(&analysis.customers, p, segments))
    });
    let valued = predicted.as_ref().is_some_and(|(p, _)| p.spend.is_some());
    let predicted_cells = |t: &predicted::SegmentTotals| -> [Value<'static>; 4] {
        // An empty segment's averages are empty but typed as numbers (a
        // Parquet column takes its type from the first row).
        let average = |sum: f64, decimals: u8| {
            if t.customers == 0 {
                Value::Quotient {
                    num: 0,
                    den: 0,
                    scale: decimals,
                    decimals,
                }
            } else {
                Value::rounded(sum / t.customers as f64, decimals)
            }
        };
        let money = |value: Value<'static>| if valued { value } else { Value::Null };
        [
            average(t.p_alive, PREDICTED_DECIMALS),
            Value::rounded(t.expected_orders, PREDICTED_DECIMALS),
            money(Value::rounded(t.clv, decimals)),
            money(average(t.clv, decimals)),
        ]
    };
    let row = |label: [Value<'a>; 2], t: &Totals, texts: [Value<'a>; 2]| -> Vec<Value<'a>> {
        let customers = i128::from(t.customers);
        let [segment, key] = label;
        let [description, action] = texts;
        let mut row = vec![
            segment,
            Value::Int(t.customers as i64),
            Value::Share {
                num: customers,
                den: i128::from(total.customers),
            },
            Value::Int(t.orders as i64),
            Value::Decimal {
                units: t.revenue,
                scale: analysis.scale,
                decimals,
            },
            Value::Share {
                num: t.revenue,
                den: total.revenue,
            },
            Value::Quotient {
                num: i128::from(t.recency_days),
                den: customers,
                scale: 0,
                decimals: 2,
            },
            Value::Quotient {
                num: i128::from(t.orders),
                den: customers,
                scale: 0,
                decimals: 2,
            },
            Value::Quotient {
                num: t.revenue,
                den: customers,
                scale: analysis.scale,
                decimals,
            },
            key,
            description,
            action,
        ];
        if !analysis.monetary {
            // Recency and frequency only: revenue, its share and the
            // average monetary value are unknown.
            for at in [4, 5, 8] {
                row[at] = Value::Null;
            }
        }
        row
    };
    let text = |s: &'a str| Value::Text(Cow::Borrowed(s));
    let rows: Vec<Vec<Value<'_>>> = analysis
        .definition
        .segments
        .iter()
        .zip(&summary.segments)
        .enumerate()
        .map(|(i, (s, t))| {
            let mut row = row(
                [Value::Segment(&s.name, s.tone), text(&s.key)],
                t,
                [text(&s.description), text(&s.action)],
            );
            if let Some((_, (per, _))) = &predicted {
                row.extend(predicted_cells(&per[i]));
            }
            row
        })
        .collect();
    let mut total_row = row(
        [Value::Text("Total".into()), Value::Null],
        &total,
        [Value::Null, Value::Null],
    );
    let mut columns = COLUMNS.to_vec();
    let mut envelope = vec![
        ("as_of", Value::Date(analysis.as_of)),
        ("segments_definition", text(&analysis.definition.name)),
        (
            "thresholds",
            crate::output::render::nested(&explain::json(analysis, decimals)),
        ),
    ];
    if let Some((prediction, (_, all))) = &predicted {
        total_row.extend(predicted_cells(all));
        columns.extend(PREDICTED_COLUMNS);
        envelope.push((
            "prediction",
            crate::output::render::nested_value(&prediction.json()),
        ));
    }
    Tabular {
        columns,
        shown: vec![
            ("segment_key", Shown::Files),
            ("description", Shown::Json),
            ("action", Shown::Json),
        ],
        rows: Box::new(rows),
        total: Some(total_row),
        json_envelope: Some((envelope, "segments")),
    }
}
