//! `--sort`: the order of `rfm customers` rows.
//!
//! A comma-separated list of column names, each optionally prefixed with `-`
//! for descending (`--sort=-monetary`, `--sort segment,-monetary`). Segments
//! sort in the definition's order. Ties always fall back to customer id ascending, so
//! the order is total and the output deterministic.

use crate::score::analysis::ScoredCustomer;
use crate::score::predicted::Prediction;
use std::cmp::Ordering;
use std::str::FromStr;

/// A sortable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortColumn {
    /// customer_id
    CustomerId,
    /// first_order
    FirstOrder,
    /// last_order
    LastOrder,
    /// recency_days
    RecencyDays,
    /// frequency
    Frequency,
    /// monetary
    Monetary,
    /// r
    R,
    /// f
    F,
    /// m
    M,
    /// fm
    Fm,
    /// rfm
    Rfm,
    /// segment (the definition's order)
    Segment,
    /// p_alive (`--predict`)
    PAlive,
    /// expected_orders (`--predict`)
    ExpectedOrders,
    /// expected_avg_value (`--predict`)
    ExpectedAvgValue,
    /// clv (`--predict`)
    Clv,
}

impl SortColumn {
    /// A column that only `--predict` writes.
    pub(crate) fn predicted(self) -> bool {
        matches!(
            self,
            SortColumn::PAlive
                | SortColumn::ExpectedOrders
                | SortColumn::ExpectedAvgValue
                | SortColumn::Clv
        )
    }
}

/// One sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SortKey {
    /// The column.
    pub(crate) column: SortColumn,
    /// Largest first.
    pub(crate) descending: bool,
}

/// The `--sort` value: keys in priority order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SortSpec(pub Vec<SortKey>);

/// The names `--sort` accepts.
pub(crate) const SORT_COLUMNS: &str = "customer_id, first_order, last_order, recency_days, frequency, monetary, r, f, m, fm, rfm, segment, and with --predict p_alive, expected_orders, expected_avg_value, clv";

impl FromStr for SortSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut keys = Vec::new();
        for part in s.split(',').map(str::trim) {
            let (descending, name) = match part.strip_prefix('-') {
                Some(name) => (true, name),
                None => (false, part.strip_prefix('+').unwrap_or(part)),
            };
            let column = match name {
                "customer_id" => SortColumn::CustomerId,
                "first_order" => SortColumn::FirstOrder,
                "last_order" => SortColumn::LastOrder,
                "recency_days" | "recency" => SortColumn::RecencyDays,
                "frequency" => SortColumn::Frequency,
                "monetary" => SortColumn::Monetary,
                "r" => SortColumn::R,
                "f" => SortColumn::F,
                "m" => SortColumn::M,
                "fm" => SortColumn::Fm,
                "rfm" => SortColumn::Rfm,
                "segment" => SortColumn::Segment,
                "p_alive" => SortColumn::PAlive,
                "expected_orders" => SortColumn::ExpectedOrders,
                "expected_avg_value" => SortColumn::ExpectedAvgValue,
                "clv" => SortColumn::Clv,
                other => {
                    return Err(format!(
                        "unknown sort column '{other}' (expected one of: {SORT_COLUMNS}; prefix with - for descending)"
                    ));
                }
            };
            keys.push(SortKey { column, descending });
        }
        Ok(SortSpec(keys))
    }
}

/// The value of a `--predict` column for a customer.
fn predicted_value(prediction: &Prediction, c: &ScoredCustomer, column: SortColumn) -> f64 {
    let p = prediction.of(c.code);
    match column {
        SortColumn::PAlive => p.p_alive,
        SortColumn::ExpectedOrders => p.expected_orders,
        SortColumn::ExpectedAvgValue => p.expected_avg_value,
        _ => p.clv,
    }
}

fn compare(
    a: &ScoredCustomer,
    b: &ScoredCustomer,
    column: SortColumn,
    prediction: Option<&Prediction>,
) -> Ordering {
    match column {
        SortColumn::PAlive
        | SortColumn::ExpectedOrders
        | SortColumn::ExpectedAvgValue
        | SortColumn::Clv => prediction.map_or(Ordering::Equal, |p| {
            predicted_value(p, a, column).total_cmp(&predicted_value(p, b, column))
        }),
        SortColumn::CustomerId => a.id.cmp(&b.id),
        SortColumn::FirstOrder => a.first.cmp(&b.first),
        SortColumn::LastOrder => a.last.cmp(&b.last),
        SortColumn::RecencyDays => a.recency_days.cmp(&b.recency_days),
        SortColumn::Frequency => a.frequency.cmp(&b.frequency),
        SortColumn::Monetary => a.monetary.cmp(&b.monetary),
        SortColumn::R => a.r.cmp(&b.r),
        SortColumn::F => a.f.cmp(&b.f),
        SortColumn::M => a.m.cmp(&b.m),
        SortColumn::Fm => a.fm.cmp(&b.fm),
        SortColumn::Rfm => (a.r, a.f, a.m).cmp(&(b.r, b.f, b.m)),
        SortColumn::Segment => a.segment.cmp(&b.segment),
    }
}

/// Sorts customers by the spec, then by customer id; with `--by`, within
/// each group, groups in name order. They arrive sorted by group and id
/// (`analysis::score_customers`), so the default order costs nothing.
/// The `--predict` columns sort by `prediction` (all equal without).
pub(crate) fn sort_customers(
    customers: &mut [ScoredCustomer],
    spec: &SortSpec,
    prediction: Option<&Prediction>,
) {
    if spec
        .0
        .iter()
        .all(|k| k.column == SortColumn::CustomerId && !k.descending)
    {
        return;
    }
    customers.sort_by(|a, b| {
        let group = a.group.cmp(&b.group);
        if group.is_ne() {
            return group;
        }
        spec.0
            .iter()
            .map(|k| {
                if k.column.predicted()
                    && let Some(p) = prediction
                {
                    // Unknown values (NaN) sort after every number, either way.
                    let nan = |c: &ScoredCustomer| predicted_value(p, c, k.column).is_nan();
                    match (nan(a), nan(b)) {
                        (false, false) => {}
                        (x, y) => return x.cmp(&y),
                    }
                }
                let o = compare(a, b, k.column, prediction);
                if k.descending { o.reverse() } else { o }
            })
            .find(|o| o.is_ne())
            .unwrap_or_else(|| a.id.cmp(&b.id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::segment::Segment;

    fn c(id: &str, monetary: i64, segment: Segment) -> ScoredCustomer {
        ScoredCustomer {
            id: id.into(),
            first: 0,
            last: 0,
            recency_days: 1,
            frequency: 1,
            monetary,
            r: 1,
            f: 1,
            m: 1,
            fm: 1,
            segment: segment.rank() as u8,
            group: 0,
            kept: None,
            code: 0,
        }
    }

    #[test]
    fn parses_keys() {
        let spec: SortSpec = "segment, -monetary".parse().unwrap();
        assert_eq!(
            spec.0,
            [
                SortKey {
                    column: SortColumn::Segment,
                    descending: false
                },
                SortKey {
                    column: SortColumn::Monetary,
                    descending: true
                }
            ]
        );
        assert!(
            "money"
                .parse::<SortSpec>()
                .unwrap_err()
                .contains("monetary")
        );
    }

    #[test]
    fn sorts_with_customer_id_as_the_last_tie_breaker() {
        let mut v = vec![
            c("b", 10, Segment::Lost),
            c("a", 10, Segment::Lost),
            c("c", 99, Segment::Lost),
            c("d", 5, Segment::Champions),
        ];
        sort_customers(&mut v, &"segment,-monetary".parse().unwrap(), None);
        let ids: Vec<&str> = v.iter().map(|c| &*c.id).collect();
        assert_eq!(ids, ["d", "c", "a", "b"]);
    }
}
