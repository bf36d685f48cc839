//! `rfm customers`: one row per scored customer.

use crate::cli::CustomersArgs;
use crate::notes::Notes;
use crate::options::{self, Environment};
use crate::pipeline::{self, Analysis};
use crate::render::{Rows, Tabular, Value};
use crate::{output, sort};

/// The columns, in contract order.
pub const COLUMNS: [&str; 12] = [
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
];

/// Runs the command.
pub fn run(args: &CustomersArgs, env: &Environment) -> anyhow::Result<()> {
    let opts = options::resolve(&args.input, &args.method, &args.output, env)?;
    let notes = Notes::new(opts.quiet);
    let mut analysis = pipeline::analyze(&opts, &notes)?;
    sort::sort_customers(&mut analysis.customers, &args.sort);
    output::emit(&opts.output, &tabulate(&analysis, opts.output.decimals))
}

/// The customers as a table, rows produced on demand.
pub fn tabulate(analysis: &Analysis, decimals: u8) -> Tabular<'_> {
    Tabular {
        columns: COLUMNS.to_vec(),
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

    fn fill(&self, index: usize, row: &mut Vec<Value>) {
        let c = &self.analysis.customers[index];
        row.clear();
        row.extend([
            Value::Text(c.id.to_string()),
            Value::Date(c.first),
            Value::Date(c.last),
            Value::Int(i64::from(c.recency_days)),
            Value::Int(i64::from(c.frequency)),
            Value::Decimal {
                units: i128::from(c.monetary),
                scale: self.analysis.scale,
                decimals: self.decimals,
            },
            Value::Int(i64::from(c.r)),
            Value::Int(i64::from(c.f)),
            Value::Int(i64::from(c.m)),
            Value::Int(i64::from(c.fm)),
            Value::Text(c.rfm()),
            Value::Segment(c.segment),
        ]);
    }
}
