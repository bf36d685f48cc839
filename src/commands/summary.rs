//! `rfm summary`: one row per segment, all eleven in canonical order.

use crate::cli::SummaryArgs;
use crate::notes::Notes;
use crate::options::{self, Environment};
use crate::output;
use crate::pipeline::{self, Analysis};
use crate::render::{Tabular, Value};
use crate::summary::{self, Totals};

/// The columns, in contract order.
pub const COLUMNS: [&str; 9] = [
    "segment",
    "customers",
    "customers_share",
    "orders",
    "revenue",
    "revenue_share",
    "avg_recency_days",
    "avg_frequency",
    "avg_monetary",
];

/// Runs the command.
pub fn run(args: &SummaryArgs, env: &Environment) -> anyhow::Result<()> {
    let opts = options::resolve(&args.input, &args.method, &args.output, env)?;
    let notes = Notes::new(opts.quiet);
    let analysis = pipeline::analyze(&opts, &notes)?;
    output::emit(&opts.output, &tabulate(&analysis, opts.output.decimals))
}

/// The per-segment summary as a table, with a total row.
pub fn tabulate(analysis: &Analysis, decimals: u8) -> Tabular<'static> {
    let summary = summary::summarize(&analysis.customers);
    let total = summary.total;
    let row = |label: Value<'static>, t: &Totals| -> Vec<Value<'static>> {
        let customers = i128::from(t.customers);
        vec![
            label,
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
        ]
    };
    Tabular {
        columns: COLUMNS.to_vec(),
        rows: Box::new(
            summary
                .segments
                .iter()
                .map(|(segment, t)| row(Value::Segment(*segment), t))
                .collect::<Vec<_>>(),
        ),
        total: Some(row(Value::Text("Total".into()), &total)),
        json_envelope: Some((vec![("as_of", Value::Date(analysis.as_of))], "segments")),
    }
}
