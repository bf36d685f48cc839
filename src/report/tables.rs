//! A migration as text and tables: the pair list (`rfm compare`'s CSV and
//! JSON, the report folder's migration.csv), the movers list, and the
//! labels and totals that `rfm compare`'s matrix and report.html share.

use crate::notes::thousands;
use crate::output::render::{Rows, Shown, Tabular, Value};
use crate::report::migration::{Migration, Move};
use serde::Serialize;
use std::borrow::Cow;

/// The columns of the pair list, in contract order.
pub(crate) const COLUMNS: [&str; 6] = [
    "from_segment",
    "to_segment",
    "customers",
    "from_share",
    "from_segment_key",
    "to_segment_key",
];

/// The columns of `--movers`, in contract order.
pub(crate) const MOVER_COLUMNS: [&str; 10] = [
    "customer_id",
    "from_segment",
    "to_segment",
    "from_rfm",
    "to_rfm",
    "recency_days",
    "frequency",
    "monetary",
    "from_segment_key",
    "to_segment_key",
];

/// The row and column label of customers only in the new run.
pub(crate) const NEW: &str = "(new)";
/// The row and column label of customers only in the old run.
pub(crate) const GONE: &str = "(gone)";

/// "37 new, 2 gone, 812 changed segment, 3,489 kept it".
pub(crate) fn summary_line(m: &Migration) -> String {
    let c = m.counts();
    format!(
        "{} new, {} gone, {} changed segment, {} kept it",
        thousands(c.new_customers),
        thousands(c.gone_customers),
        thousands(c.changed_segment),
        thousands(c.kept_segment)
    )
}

/// Sums of the columns of [`Migration::rows`].
pub(crate) fn column_totals(rows: &[Vec<u64>]) -> Vec<u64> {
    let width = rows.first().map_or(0, Vec::len);
    (0..width)
        .map(|j| rows.iter().map(|r| r[j]).sum())
        .collect()
}

/// Every (from, to) pair: segments x segments, then new customers per
/// segment (from `(new)`), then gone ones (to `(gone)`).
pub(crate) fn pairs<'a>(m: &'a Migration) -> Tabular<'a> {
    let n = m.segments.len();
    let table = m.rows();
    let row_total = |from: usize| table[from].iter().sum::<u64>();
    let label = |i: Option<usize>, none: &'static str| -> [Value<'a>; 2] {
        match i {
            Some(i) => {
                let s = &m.segments[i];
                [
                    Value::Segment(&s.name, s.tone),
                    Value::Text(Cow::Borrowed(&s.key)),
                ]
            }
            None => [Value::Text(Cow::Borrowed(none)), Value::Null],
        }
    };
    let row = |from: Option<usize>, to: Option<usize>, customers: u64, whole: u64| {
        let [from_name, from_key] = label(from, NEW);
        let [to_name, to_key] = label(to, GONE);
        vec![
            from_name,
            to_name,
            Value::Int(customers as i64),
            Value::Share {
                num: i128::from(customers),
                den: i128::from(whole),
            },
            from_key,
            to_key,
        ]
    };
    // The (new) row's last cell would be (new) -> (gone): not a pair.
    let mut rows = Vec::with_capacity(n * n + 2 * n);
    for (from, counts) in table.iter().enumerate() {
        let from_segment = (from < n).then_some(from);
        for (to, &customers) in counts.iter().enumerate().take(n + usize::from(from < n)) {
            let to_segment = (to < n).then_some(to);
            rows.push(row(from_segment, to_segment, customers, row_total(from)));
        }
    }
    let mut data = Tabular::new(&COLUMNS, rows);
    data.shown = vec![
        ("from_segment_key", Shown::Files),
        ("to_segment_key", Shown::Files),
    ];
    data.json_envelope = Some((envelope(m), "pairs"));
    data
}

#[derive(Serialize)]
struct Key<'a> {
    segment: &'a str,
    segment_key: &'a str,
}

/// The JSON document's fields before the pairs: the runs, the counts, the
/// segments and the matrix (one line per segment and per matrix row).
fn envelope<'a>(m: &'a Migration) -> Vec<(&'static str, Value<'a>)> {
    let lines = |items: Vec<String>| {
        Value::Json(Cow::Owned(format!("[\n    {}\n  ]", items.join(",\n    "))))
    };
    let c = m.counts();
    let segments: Vec<String> = m
        .segments
        .iter()
        .map(|s| {
            json(&Key {
                segment: &s.name,
                segment_key: &s.key,
            })
        })
        .collect();
    vec![
        ("old", compact(&m.old.source)),
        ("new", compact(&m.new.source)),
        ("customers_old", Value::Int(m.old.customers.len() as i64)),
        ("customers_new", Value::Int(m.new.customers.len() as i64)),
        ("new_customers", Value::Int(c.new_customers as i64)),
        ("gone_customers", Value::Int(c.gone_customers as i64)),
        ("changed_segment", Value::Int(c.changed_segment as i64)),
        ("kept_segment", Value::Int(c.kept_segment as i64)),
        ("segments", lines(segments)),
        // `matrix[from][to]`, in the order of `segments`.
        ("matrix", lines(m.matrix.iter().map(json).collect())),
        ("new_by_segment", compact(&m.new_customers)),
        ("gone_by_segment", compact(&m.gone_customers)),
    ]
}

/// Compact JSON of a value.
fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Compact JSON of a value, as an envelope field.
fn compact<T: Serialize + ?Sized>(value: &T) -> Value<'static> {
    Value::Json(Cow::Owned(json(value)))
}

/// The customers who moved, most valuable first.
pub(crate) fn movers_table<'a>(m: &'a Migration, movers: &[Move<'a>], decimals: u8) -> Tabular<'a> {
    // Runs made with --by: each row is a customer in a group.
    let grouped = m.new.grouped;
    let mut columns = Vec::with_capacity(MOVER_COLUMNS.len() + 1);
    if grouped {
        columns.push("group");
    }
    columns.extend(MOVER_COLUMNS);
    let mut data = Tabular::new(
        &columns,
        MoverRows {
            migration: m,
            movers: movers.to_vec(),
            decimals,
            grouped,
        },
    );
    data.shown = vec![
        ("from_segment_key", Shown::Files),
        ("to_segment_key", Shown::Files),
    ];
    data
}

struct MoverRows<'a> {
    migration: &'a Migration<'a>,
    movers: Vec<Move<'a>>,
    decimals: u8,
    grouped: bool,
}

impl Rows for MoverRows<'_> {
    fn len(&self) -> usize {
        self.movers.len()
    }

    fn fill<'s>(&'s self, index: usize, row: &mut Vec<Value<'s>>) {
        let m = &self.movers[index];
        let from = &self.migration.segments[m.from];
        let to = &self.migration.segments[m.to];
        let text = |t: &'s Option<String>| {
            t.as_deref()
                .map_or(Value::Null, |t| Value::Text(Cow::Borrowed(t)))
        };
        let int = |i: Option<i64>| i.map_or(Value::Null, Value::Int);
        row.clear();
        if self.grouped {
            row.push(text(&m.new.group));
        }
        row.push(Value::Text(Cow::Borrowed(&m.new.id)));
        row.push(Value::Segment(&from.name, from.tone));
        row.push(Value::Segment(&to.name, to.tone));
        row.push(text(&m.old.rfm));
        row.push(text(&m.new.rfm));
        row.push(int(m.new.recency_days));
        row.push(int(m.new.frequency));
        row.push(m.new.monetary.map_or(Value::Null, |units| Value::Decimal {
            units: i128::from(units),
            scale: self.migration.new.scale,
            decimals: self.decimals,
        }));
        row.push(Value::Text(Cow::Borrowed(&from.key)));
        row.push(Value::Text(Cow::Borrowed(&to.key)));
    }
}
