//! `rfm customers`: one row per scored customer.

use crate::cli::CustomersArgs;
use crate::options::Environment;
use crate::output::render::{Rows, Shown, Tabular, Value};
use crate::pipeline;
use crate::score::analysis::Analysis;
use crate::{output, output::sort};
use std::borrow::Cow;

/// The columns, in contract order (`segment_key` is left out of the
/// terminal table).
pub(crate) const COLUMNS: [&str; 13] = [
    "customer_id",
    "first_order",
    "last_order",
    "recency_days",
    "frequency",
    "monetary",
    "r",
    "f",
    "m",
    "fm",
    "rfm",
    "segment",
    "segment_key",
];

/// Runs the command.
pub(crate) fn run(args: &CustomersArgs, env: &Environment) -> anyhow::Result<()> {
    let (opts, mut analysis) =
        pipeline::run(&args.input, &args.method, &args.explain, &args.output, env)?;
    sort::sort_customers(&mut analysis.customers, &args.sort);
    output::emit(&opts.output, tabulate(&analysis, opts.output.decimals))
}

/// The customers as a table, rows produced on demand.
pub(crate) fn tabulate(analysis: &Analysis, decimals: u8) -> Tabular<'_> {
    Tabular {
        columns: COLUMNS.to_vec(),
        shown: vec![("segment_key", Shown::Files)],
        rows: Box::new(CustomerRows { analysis, decimals }),
        total: None,
        json_envelope: None,
    }
}

struct CustomerRows<'a> {
    analysis: &'a Analysis,
    decimals: u8,
}

impl Rows for CustomerRows<'_> {
    fn len(&self) -> usize {
        self.analysis.customers.len()
    }

    fn fill<'s>(&'s self, index: usize, row: &mut Vec<Value<'s>>) {
        let c = &self.analysis.customers[index];
        row.clear();
        // One push per cell: building an array first and extending from it
        // copied every row's cells twice (a third of the CSV time).
        row.push(Value::Text(Cow::Borrowed(&c.id)));
        row.push(Value::Date(c.first));
        row.push(Value::Date(c.last));
        row.push(Value::Int(i64::from(c.recency_days)));
        row.push(Value::Int(i64::from(c.frequency)));
        if !self.analysis.monetary {
            // Recency and frequency only: no amounts were read.
            row.extend([
                Value::Null,
                Value::Int(i64::from(c.r)),
                Value::Int(i64::from(c.f)),
                Value::Null,
                Value::Null,
                Value::Text(Cow::Owned(format!("{}{}", c.r, c.f))),
            ]);
        } else {
            row.push(Value::Decimal {
                units: i128::from(c.monetary),
                scale: self.analysis.scale,
                decimals: self.decimals,
            });
            row.push(Value::Int(i64::from(c.r)));
            row.push(Value::Int(i64::from(c.f)));
            row.push(Value::Int(i64::from(c.m)));
            row.push(Value::Int(i64::from(c.fm)));
            row.push(Value::Text(c.rfm(self.analysis.definition.levels > 9)));
        }
        let segment = &self.analysis.definition.segments[usize::from(c.segment)];
        row.push(Value::Segment(&segment.name, segment.tone));
        row.push(Value::Text(Cow::Borrowed(&segment.key)));
    }
}
