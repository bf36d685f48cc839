//! `rfm history`: the segmentation at the end of every period.
//!
//! Same shape as the other commands: the options are resolved as `rfm
//! customers` resolves them, the pipeline reads the inputs once with the
//! engine keeping each customer's orders per period (`pipeline::history`),
//! and `score::history` scores every period in turn. Three tables come out
//! of it: segment totals per period (the default), one row per customer and
//! period (`--customers`), and moves per period (`--transitions`).

use crate::cli::{EveryArg, ExplainArgs, HistoryArgs};
use crate::dates::{Day, parse_ymd, to_day};
use crate::engine::Every;
use crate::error::UsageError;
use crate::notes::{Notes, count, thousands};
use crate::options::{self, Environment};
use crate::output::render::{Format, Rows, Shown, Tabular, Value};
use crate::output::{self};
use crate::pipeline;
use crate::report::tables::NEW;
use crate::score::definition::Definition;
use crate::score::history::{self, Period};
use std::borrow::Cow;

/// Above this many rows `--customers` warns.
const LARGE: u64 = 10_000_000;

/// Periods one run scores at most (a century of weeks): a --to far in the
/// future would otherwise score every customer hundreds of thousands of
/// times.
const MAX_PERIODS: u64 = 5_300;

/// Runs the command.
pub(crate) fn run(args: &HistoryArgs, env: &Environment) -> anyhow::Result<()> {
    if args.method.as_of.is_some() {
        return Err(UsageError(
            "--as-of: rfm history scores as of the end of every period; --to sets the last one"
                .into(),
        )
        .into());
    }
    if let Some(by) = &args.method.select.by {
        return Err(UsageError(format!(
            "--by {by}: rfm history does not score per group yet; run it once per group with \
             --where \"{by} = '...'\""
        ))
        .into());
    }
    let every = Every::from(args.every);
    let date = |flag: &str, text: &Option<String>| -> Result<Option<Day>, UsageError> {
        text.as_deref()
            .map(|t| {
                parse_ymd(t)
                    .map(to_day)
                    .map_err(|e| UsageError(format!("{flag}: {e}")))
            })
            .transpose()
    };
    let from = date("--from", &args.from)?.map(|d| every.period(d));
    let to = date("--to", &args.to)?.map(|d| every.period(d));
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(UsageError("--from is after --to".into()).into());
    }
    let mut opts = options::resolve(
        &args.input,
        &args.method,
        &ExplainArgs { explain: false },
        &args.output,
        env,
    )?;
    opts.params.every = Some(every);
    // Orders after the last period shown change nothing shown.
    opts.params.as_of = to.map(|p| every.last_day(p) + 1);
    let definition = options::definition(&args.method.segments)?;
    options::check_levels(&opts.scoring, &definition)?;
    let notes = Notes::new(opts.quiet);
    let (timeline, definition, report) = pipeline::history(&opts, definition, &notes)?;
    let Some((first, last)) = timeline.purchase_periods() else {
        anyhow::bail!("no purchase to score");
    };
    let shown = from.unwrap_or(first).max(first)..=to.unwrap_or(last);
    if shown.is_empty() {
        return Err(UsageError(format!(
            "--from {}: the latest purchase is on {} (in the period ending {}); give an \
             earlier --from, or a later --to to see the customers age",
            args.from.as_deref().unwrap_or_default(),
            crate::dates::from_day(timeline.latest_purchase()),
            crate::dates::from_day(every.last_day(last))
        ))
        .into());
    }
    let periods = (shown.end() - shown.start() + 1) as u64;
    if periods > MAX_PERIODS {
        return Err(UsageError(format!(
            "--to: {} periods from the first purchase; at most {MAX_PERIODS} (give a later \
             --from or an earlier --to)",
            thousands(periods)
        ))
        .into());
    }
    notes.note(format_args!(
        "{} (every {}) from {} to {}; {} with a purchase",
        count(periods, "period"),
        every_name(every),
        crate::dates::from_day(every.last_day(*shown.start())),
        crate::dates::from_day(every.last_day(*shown.end())),
        count(timeline.buyers() as u64, "customer")
    ));
    if args.customers {
        let bound = periods * timeline.ids().len() as u64;
        if bound > LARGE && opts.output.format != Format::Parquet {
            notes.warn(format_args!(
                "--customers: up to {} rows ({} periods x {} customers), held in memory at 12 \
                 bytes a row before they are written; -f parquet -o FILE keeps the file small",
                thousands(bound),
                thousands(periods),
                thousands(timeline.ids().len() as u64)
            ));
        }
    }
    let scale = report.scale;
    let decimals = opts.output.decimals;
    let monetary = !report.no_amount;
    let replay = |visit: &mut dyn FnMut(Period)| {
        history::replay(
            &timeline,
            every,
            shown.clone(),
            scale,
            &opts.scoring,
            &definition,
            visit,
        )
    };
    let table = if args.customers {
        let mut rows = CustomerRows {
            definition: &definition,
            ids: timeline.ids(),
            rows: Vec::new(),
        };
        replay(&mut |p: Period| {
            rows.rows
                .extend(p.customers.iter().zip(&p.codes).map(|(c, &code)| Scored {
                    end: p.end,
                    code,
                    r: c.r,
                    f: c.f,
                    m: c.m,
                    segment: c.segment,
                }));
        });
        let mut table = Tabular::new(
            &[
                "period_end",
                "customer_id",
                "r",
                "f",
                "m",
                "segment",
                "segment_key",
            ],
            rows,
        );
        table.shown = vec![("segment_key", Shown::Files)];
        table
    } else if args.transitions {
        let mut rows: Vec<Vec<Value<'_>>> = Vec::new();
        replay(&mut |p: Period| {
            for (&(from, to), &n) in &p.transitions {
                let (from_name, from_key) = match from {
                    Some(s) => {
                        let s = &definition.segments[usize::from(s)];
                        (
                            Value::Segment(&s.name, s.tone),
                            Value::Text(Cow::Borrowed(&*s.key)),
                        )
                    }
                    None => (
                        Value::Text(Cow::Borrowed(NEW)),
                        Value::Text(Cow::Borrowed("")),
                    ),
                };
                let to = &definition.segments[usize::from(to)];
                rows.push(vec![
                    Value::Date(p.end),
                    from_name,
                    Value::Segment(&to.name, to.tone),
                    Value::Int(n as i64),
                    from_key,
                    Value::Text(Cow::Borrowed(&to.key)),
                ]);
            }
        });
        let mut table = Tabular::new(
            &[
                "period_end",
                "from_segment",
                "to_segment",
                "customers",
                "from_segment_key",
                "to_segment_key",
            ],
            rows,
        );
        table.shown = vec![
            ("from_segment_key", Shown::Files),
            ("to_segment_key", Shown::Files),
        ];
        table
    } else {
        let mut rows: Vec<Vec<Value<'_>>> = Vec::new();
        replay(&mut |p: Period| {
            let n = definition.segments.len();
            let mut customers = vec![0i64; n];
            let mut orders = vec![0i64; n];
            let mut revenue = vec![0i128; n];
            for c in &p.customers {
                let s = usize::from(c.segment);
                customers[s] += 1;
                orders[s] += i64::from(c.frequency);
                revenue[s] += i128::from(c.monetary);
            }
            for (s, segment) in definition.segments.iter().enumerate() {
                rows.push(vec![
                    Value::Date(p.end),
                    Value::Segment(&segment.name, segment.tone),
                    Value::Int(customers[s]),
                    Value::Int(orders[s]),
                    if monetary {
                        Value::Decimal {
                            units: revenue[s],
                            scale,
                            decimals,
                        }
                    } else {
                        Value::Null
                    },
                    Value::Int(p.entered[s] as i64),
                    Value::Int(p.left[s] as i64),
                    Value::Text(Cow::Borrowed(&segment.key)),
                ]);
            }
        });
        let mut table = Tabular::new(
            &[
                "period_end",
                "segment",
                "customers",
                "orders",
                "revenue",
                "entered",
                "left",
                "segment_key",
            ],
            rows,
        );
        table.shown = vec![("segment_key", Shown::Files)];
        table
    };
    output::emit(&opts.output, table)
}

impl From<EveryArg> for Every {
    fn from(every: EveryArg) -> Every {
        match every {
            EveryArg::Week => Every::Week,
            EveryArg::Month => Every::Month,
            EveryArg::Quarter => Every::Quarter,
        }
    }
}

fn every_name(every: Every) -> &'static str {
    match every {
        Every::Week => "week, Monday to Sunday",
        Every::Month => "month",
        Every::Quarter => "quarter",
    }
}

/// A customer's scores at the end of a period (`--customers`): 12 bytes a
/// row, since there are periods x customers of them.
struct Scored {
    end: Day,
    code: u32,
    r: u8,
    f: u8,
    m: u8,
    segment: u8,
}

struct CustomerRows<'a> {
    definition: &'a Definition,
    ids: &'a [crate::engine::CustomerId],
    rows: Vec<Scored>,
}

impl Rows for CustomerRows<'_> {
    fn len(&self) -> usize {
        self.rows.len()
    }

    fn fill<'s>(&'s self, index: usize, row: &mut Vec<Value<'s>>) {
        let s = &self.rows[index];
        let segment = &self.definition.segments[usize::from(s.segment)];
        row.clear();
        row.push(Value::Date(s.end));
        row.push(Value::Text(Cow::Borrowed(&self.ids[s.code as usize])));
        row.push(Value::Int(i64::from(s.r)));
        row.push(Value::Int(i64::from(s.f)));
        row.push(Value::Int(i64::from(s.m)));
        row.push(Value::Segment(&segment.name, segment.tone));
        row.push(Value::Text(Cow::Borrowed(&segment.key)));
    }
}
