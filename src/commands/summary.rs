//! `rfm summary`: one row per segment of the definition, in its order.

use crate::cli::SummaryArgs;
use crate::options::Environment;
use crate::output::render::{Shown, Tabular, Value};
use crate::pipeline;
use crate::score::analysis::Analysis;
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
    let (opts, analysis) =
        pipeline::run(&args.input, &args.method, &args.explain, &args.output, env)?;
    output::emit(&opts.output, tabulate(&analysis, opts.output.decimals))
}

/// The per-segment summary as a table, with a total row. The JSON document
/// also carries the as-of date, the definition and the score thresholds.
pub(crate) fn tabulate<'a>(analysis: &'a Analysis, decimals: u8) -> Tabular<'a> {
    let summary = summary::summarize(&analysis.customers, analysis.definition.segments.len());
    let total = summary.total;
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
        .map(|(s, t)| {
            row(
                [Value::Segment(&s.name, s.tone), text(&s.key)],
                t,
                [text(&s.description), text(&s.action)],
            )
        })
        .collect();
    Tabular {
        columns: COLUMNS.to_vec(),
        shown: vec![
            ("segment_key", Shown::Files),
            ("description", Shown::Json),
            ("action", Shown::Json),
        ],
        rows: Box::new(rows),
        total: Some(row(
            [Value::Text("Total".into()), Value::Null],
            &total,
            [Value::Null, Value::Null],
        )),
        json_envelope: Some((
            vec![
                ("as_of", Value::Date(analysis.as_of)),
                ("segments_definition", text(&analysis.definition.name)),
                (
                    "thresholds",
                    crate::output::render::nested(&explain::json(analysis, decimals)),
                ),
            ],
            "segments",
        )),
    }
}
