//! What every score level holds: `--explain` on stderr and the
//! `thresholds` of the summary's JSON document.
//!
//! One row per (metric, score): the customers it holds, their smallest and
//! largest value, and for break-point methods (`r-quantile`, fixed bins)
//! the bounds: a value at or above `from` and below `below` gets the score
//! (an empty bound is open). Rank and ntile have no break points: their
//! levels are cut by position, so the observed range is what describes
//! them. Money is shown exactly where the bound terminates within four
//! more decimals than `--decimals`.

use crate::money;
use crate::output::render::{JsonRenderer, Renderer, TableRenderer, Tabular, Value};
use crate::score::analysis::Analysis;
use crate::score::{Binning, Break};
use std::borrow::Cow;
use std::io::{self, Write};

/// The columns, in contract order.
pub(crate) const COLUMNS: [&str; 8] = [
    "metric",
    "method",
    "score",
    "customers",
    "min",
    "max",
    "from",
    "below",
];

/// The score levels of every metric as a table.
pub(crate) fn tabulate(analysis: &Analysis, decimals: u8) -> Tabular<'static> {
    let scoring = &analysis.scoring;
    let metrics: [(&str, &Binning, &[crate::score::Level], u8, u8); 3] = [
        ("r", &scoring.r, &analysis.thresholds.r, 0, 0),
        ("f", &scoring.f, &analysis.thresholds.f, 0, 0),
        (
            "m",
            &scoring.m,
            &analysis.thresholds.m,
            analysis.scale,
            decimals,
        ),
    ];
    let mut rows = Vec::new();
    for (metric, rule, levels, scale, decimals) in metrics {
        let value = |v: Option<i64>| match v {
            None => Value::Null,
            Some(v) if scale == 0 => Value::Int(v),
            Some(v) => Value::Decimal {
                units: i128::from(v),
                scale,
                decimals,
            },
        };
        let bound = |b: Option<Break>| b.map_or(Value::Null, |b| bound(b, scale, decimals));
        // Best score first, as people read a scale.
        for level in levels.iter().rev() {
            rows.push(vec![
                Value::Text(Cow::Borrowed(metric)),
                Value::Text(Cow::Borrowed(rule.name())),
                Value::Int(i64::from(level.score)),
                Value::Int(level.customers as i64),
                value(level.min),
                value(level.max),
                bound(level.from),
                bound(level.below),
            ]);
        }
    }
    Tabular::new(&COLUMNS, rows)
}

/// A break point `num / den` (in units at `scale`) with the fewest decimals
/// from `decimals` up that show it exactly, at most four more.
fn bound(b: Break, scale: u8, decimals: u8) -> Value<'static> {
    let exact = |d: u8| {
        (b.num * money::pow10(u32::from(d))) % (b.den * money::pow10(u32::from(scale))) == 0
    };
    let decimals = (decimals..decimals + 4)
        .find(|&d| exact(d))
        .unwrap_or(decimals + 4);
    Value::Quotient {
        num: b.num,
        den: b.den,
        scale,
        decimals,
    }
}

/// Prints the score levels to stderr (`--explain`), as a table.
pub(crate) fn print(analysis: &Analysis, decimals: u8) -> io::Result<()> {
    let mut err = io::stderr().lock();
    writeln!(
        err,
        "score levels (as of {}):",
        crate::dates::from_day(analysis.as_of).format("%Y-%m-%d")
    )?;
    let table = TableRenderer {
        color: false,
        fit_terminal: false,
        rows: None,
    };
    table.render(&tabulate(analysis, decimals), &mut err)
}

/// The score levels as a JSON array of row objects.
pub(crate) fn json(analysis: &Analysis, decimals: u8) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = JsonRenderer.render(&tabulate(analysis, decimals), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}
