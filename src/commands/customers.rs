//! `rfm customers`: one row per scored customer.

use crate::cli::CustomersArgs;
use crate::error::UsageError;
use crate::options::{self, Environment};
use crate::output::render::{Rows, Shown, Tabular, Value};
use crate::pipeline;
use crate::score::analysis::Analysis;
use crate::score::lang::Lang;
use crate::score::reasons::Reasons;
use crate::{output, output::sort};
use std::borrow::Cow;

// The columns, in contract order (`segment_key` is left out of the
// terminal table).
use crate::score::analysis::CUSTOMER_COLUMNS as COLUMNS;

/// Runs the command.
pub(crate) fn run(args: &CustomersArgs, env: &Environment) -> anyhow::Result<()> {
    let mut opts = options::resolve(&args.input, &args.method, &args.explain, &args.output, env)?;
    opts.load.extras.keep = args.keep.keep.clone();
    options::with_predict(&mut opts, &args.predict)?;
    if opts.predict.is_none() && args.sort.0.iter().any(|k| k.column.predicted()) {
        return Err(UsageError(
            "--sort: p_alive, expected_orders, expected_avg_value and clv are columns of \
             --predict; add --predict HORIZON (e.g. --predict 1y)"
                .into(),
        )
        .into());
    }
    // Checked before the input is read: a typo costs no run.
    let definition = options::definition(&args.method.segments)?;
    let chosen = match &args.segment {
        Some(list) => Some(definition.select(list).map_err(UsageError)?),
        None => None,
    };
    let (opts, mut analysis) = pipeline::run_resolved(opts, &args.method)?;
    if let Some(chosen) = chosen {
        analysis.customers.retain(|c| chosen.contains(&c.segment));
    }
    sort::sort_customers(
        &mut analysis.customers,
        &args.sort,
        analysis.prediction.as_deref(),
    );
    if let Some(top) = args.top {
        analysis.customers.truncate(top);
    }
    let mut table = tabulate(&analysis, opts.output.decimals);
    if let Some(every) = args.since.segment_since {
        table = table.with_column("segment_since", since_column(&opts, &analysis, every)?);
    }
    if args.reasons.reasons {
        let separator = if opts.output.render.excel { ',' } else { '.' };
        table = with_reasons(table, &analysis, opts.lang, opts.output.decimals, separator);
    }
    let written = output::emit(&opts.output, table);
    // The run ends here (`rfm::run` runs one command a process): the
    // customers are left for the system to take back with the rest of the
    // process, at once, rather than dropped one by one (8 ms at 1.4M
    // customers, the last thing a run did). They are plain values, with no
    // file or lock of theirs to release.
    std::mem::forget(std::mem::take(&mut analysis.customers));
    written
}

/// `--segment-since`: the `segment_since` column, in the customers' order
/// (`pipeline::segment_since`).
pub(crate) fn since_column(
    opts: &crate::options::RunOptions,
    analysis: &Analysis,
    every: crate::cli::EveryArg,
) -> anyhow::Result<Vec<String>> {
    let since = crate::pipeline::segment_since(opts, analysis, every.into())?;
    Ok(since
        .into_iter()
        .map(|day| crate::dates::from_day(day).format("%Y-%m-%d").to_string())
        .collect())
}

/// The customers as a table, rows produced on demand: with `--by`, the
/// group first; with `--predict`, the predicted values after the segment;
/// with `--keep`, the kept columns last.
pub(crate) fn tabulate(analysis: &Analysis, decimals: u8) -> Tabular<'_> {
    let grouped = analysis.by.is_some();
    let mut columns: Vec<&str> = Vec::with_capacity(COLUMNS.len() + 5 + analysis.kept.len());
    if grouped {
        columns.push("group");
    }
    columns.extend(COLUMNS);
    if analysis.prediction.is_some() {
        columns.extend(crate::score::predicted::COLUMNS);
    }
    columns.extend(analysis.kept_headers.iter().map(String::as_str));
    Tabular {
        columns,
        shown: vec![("segment_key", Shown::Files)],
        rows: Box::new(CustomerRows {
            analysis,
            decimals,
            grouped,
        }),
        total: None,
        json_envelope: None,
    }
}

struct CustomerRows<'a> {
    analysis: &'a Analysis,
    decimals: u8,
    grouped: bool,
}

impl Rows for CustomerRows<'_> {
    fn len(&self) -> usize {
        self.analysis.customers.len()
    }

    fn fill<'s>(&'s self, index: usize, row: &mut Vec<Value<'s>>) {
        let c = &self.analysis.customers[index];
        let prediction = self.analysis.prediction.as_ref().map(|p| p.of(c.code));
        let kept = c.kept.as_deref().unwrap_or_default();
        let cells =
            usize::from(self.grouped) + 13 + if prediction.is_some() { 4 } else { 0 } + kept.len();
        // Each cell is assigned in place, over the previous row's: pushing
        // built every cell on the stack and copied it, the copy waiting on
        // the stores that built it (most of the time of filling a row); so
        // did `resize` with a cell to clone.
        // (Wrappers that add cells leave the row longer: it is cut back.)
        row.resize_with(cells, || Value::Null);
        let mut cell = row.iter_mut();
        let mut put = |value: Value<'s>| match cell.next() {
            Some(slot) => *slot = value,
            None => debug_assert!(false, "a row has as many cells as were counted"),
        };
        if self.grouped {
            let group = &self.analysis.groups[c.group as usize];
            put(Value::Text(Cow::Borrowed(&group.name)));
        }
        put(Value::Text(Cow::Borrowed(&c.id)));
        put(Value::Date(c.first));
        put(Value::Date(c.last));
        put(Value::Int(i64::from(c.recency_days)));
        put(Value::Int(i64::from(c.frequency)));
        if !self.analysis.monetary {
            // Recency and frequency only: no amounts were read.
            put(Value::Null);
            put(Value::Int(i64::from(c.r)));
            put(Value::Int(i64::from(c.f)));
            put(Value::Null);
            put(Value::Null);
            put(Value::Text(Cow::Owned(format!("{}{}", c.r, c.f))));
        } else {
            put(Value::Decimal {
                units: i128::from(c.monetary),
                scale: self.analysis.scale,
                decimals: self.decimals,
            });
            put(Value::Int(i64::from(c.r)));
            put(Value::Int(i64::from(c.f)));
            put(Value::Int(i64::from(c.m)));
            put(Value::Int(i64::from(c.fm)));
            put(Value::Text(c.rfm(self.analysis.definition.levels > 9)));
        }
        let segment = &self.analysis.definition.segments[usize::from(c.segment)];
        put(Value::Segment(&segment.name, segment.tone));
        put(Value::Text(Cow::Borrowed(&segment.key)));
        if let Some(p) = prediction {
            put(Value::rounded(p.p_alive, crate::score::predicted::DECIMALS));
            put(Value::rounded(
                p.expected_orders,
                crate::score::predicted::DECIMALS,
            ));
            put(Value::rounded(p.expected_avg_value, self.decimals));
            put(Value::rounded(p.clv, self.decimals));
        }
        for v in kept {
            put(Value::Text(Cow::Borrowed(&**v)));
        }
        debug_assert!(
            cell.next().is_none(),
            "a row has as many cells as were counted"
        );
    }
}

/// `--reasons`: the table with a `reason` column last, each customer's
/// reason in the run's language, against its group's levels.
pub(crate) fn with_reasons<'a>(
    table: Tabular<'a>,
    analysis: &'a Analysis,
    lang: Lang,
    decimals: u8,
    separator: char,
) -> Tabular<'a> {
    struct WithReasons<'a> {
        inner: Box<dyn Rows + 'a>,
        analysis: &'a Analysis,
        reasons: Vec<Reasons<'a>>,
    }
    impl Rows for WithReasons<'_> {
        fn len(&self) -> usize {
            self.inner.len()
        }

        fn fill<'s>(&'s self, index: usize, row: &mut Vec<Value<'s>>) {
            self.inner.fill(index, row);
            let c = &self.analysis.customers[index];
            let reason = self.reasons[c.group as usize].reason(c);
            row.push(Value::Text(Cow::Owned(reason)));
        }
    }
    let reasons = reasons(analysis, lang, decimals, separator);
    let mut columns = table.columns;
    columns.push("reason");
    Tabular {
        columns,
        rows: Box::new(WithReasons {
            inner: table.rows,
            analysis,
            reasons,
        }),
        ..table
    }
}

/// The reasons of each group's customers (`Reasons::reason`), indexed by
/// `ScoredCustomer::group`.
pub(crate) fn reasons(
    analysis: &Analysis,
    lang: Lang,
    decimals: u8,
    separator: char,
) -> Vec<Reasons<'_>> {
    analysis
        .groups
        .iter()
        .map(|g| {
            Reasons::new(
                &g.thresholds,
                &analysis.scoring,
                &analysis.definition,
                analysis.scale,
                g.as_of,
                lang,
            )
            .money_format(decimals, separator)
        })
        .map(|r| {
            if analysis.monetary {
                r
            } else {
                r.without_monetary()
            }
        })
        .collect()
}
