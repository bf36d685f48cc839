//! From order lines to per-customer metrics, on polars.
//!
//! Steps 3 and 4 of docs/method.md as two lazy group-bys over integer
//! columns: order lines -> orders (earliest date, summed total) -> customers
//! (purchases, first and last purchase date, net monetary). The window
//! (`--since`/`--until`) and the as-of cut apply to orders, by order date.
//! Pure: takes columns, returns metrics, does no I/O.
//!
//! Amounts are `i64` at one scale; the loader guarantees the sum of their
//! absolute values fits an `i64`, so no sum here can overflow.

use crate::dates::Day;
use crate::error::InputError;
use crate::load::OrderColumns;
use polars::prelude::*;

/// What to do with rows whose amount is negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Returns {
    /// Keep them: monetary is net of returns and cancellations.
    #[default]
    Net,
    /// Drop them before grouping orders: gross revenue.
    Ignore,
}

/// What counts as a purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Counting {
    /// An order totalling more than zero (docs/method.md, step 4).
    #[default]
    Orders,
    /// Every row, whatever its amount, with no order grouping: what the R
    /// package rfm counts (`--scoring r-quantile`). The loader then maps no
    /// order column, so every row is an order of its own.
    Rows,
}

impl Counting {
    /// Whether an order with this total is a purchase.
    pub fn is_purchase(self, total: i64) -> bool {
        match self {
            Counting::Orders => total > 0,
            Counting::Rows => true,
        }
    }
}

/// The window and cut-off that select the orders that count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Params {
    /// `--returns`.
    pub returns: Returns,
    /// What a purchase is.
    pub counting: Counting,
    /// `--since`: orders dated on or after.
    pub since: Option<Day>,
    /// `--until`: orders dated on or before.
    pub until: Option<Day>,
    /// `--as-of`: orders dated before it count; default: the day after the
    /// latest purchase.
    pub as_of: Option<Day>,
}

/// One customer's metrics, before scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerMetrics {
    /// Customer code.
    pub customer: u32,
    /// Earliest purchase date.
    pub first: Day,
    /// Latest purchase date.
    pub last: Day,
    /// Number of purchases (orders totalling more than zero).
    pub frequency: u32,
    /// Sum of all the customer's order totals, at the input scale.
    pub monetary: i64,
}

/// Counts for the notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Rows dropped by `--returns ignore`.
    pub negative_rows_dropped: u64,
    /// Orders formed from the rows.
    pub orders: u64,
    /// Orders outside `--since`/`--until`.
    pub outside_window: u64,
    /// Orders dated on or after an explicit `--as-of`.
    pub after_as_of: u64,
    /// Customers whose orders in scope include no purchase.
    pub without_purchase: u64,
}

impl std::ops::AddAssign for Stats {
    fn add_assign(&mut self, other: Stats) {
        self.negative_rows_dropped += other.negative_rows_dropped;
        self.orders += other.orders;
        self.outside_window += other.outside_window;
        self.after_as_of += other.after_as_of;
        self.without_purchase += other.without_purchase;
    }
}

/// The metrics of every customer with a purchase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregate {
    /// One entry per customer with a purchase, in no particular order.
    pub customers: Vec<CustomerMetrics>,
    /// The as-of date used.
    pub as_of: Day,
    /// Counts for the notes.
    pub stats: Stats,
}

/// Computes per-customer metrics (consumes the columns to avoid a copy).
pub fn aggregate(columns: OrderColumns, params: &Params) -> anyhow::Result<Aggregate> {
    let mut stats = Stats::default();
    if params.returns == Returns::Ignore {
        stats.negative_rows_dropped = columns.amount.iter().filter(|&&a| a < 0).count() as u64;
    }
    let orders = anyhow::Context::context(
        orders(columns, params.returns),
        "grouping order lines into orders",
    )?;
    stats.orders = orders.height() as u64;

    let mut window = lit(true);
    if let Some(since) = params.since {
        window = window.and(col("date").gt_eq(lit(since)));
    }
    if let Some(until) = params.until {
        window = window.and(col("date").lt_eq(lit(until)));
    }
    let mut orders = orders.lazy().filter(window).collect()?;
    stats.outside_window = stats.orders - orders.height() as u64;

    let purchase = match params.counting {
        Counting::Orders => col("total").gt(lit(0i64)),
        // A column of `true`, one per order (a literal would count once per group).
        Counting::Rows => col("total").is_not_null(),
    };
    let as_of = match params.as_of {
        Some(as_of) => {
            let before = orders.height();
            orders = orders.lazy().filter(col("date").lt(lit(as_of))).collect()?;
            stats.after_as_of = (before - orders.height()) as u64;
            as_of
        }
        None => {
            let latest = orders
                .clone()
                .lazy()
                .filter(purchase.clone())
                .select([col("date").max()])
                .collect()?;
            match latest.column("date")?.i32()?.get(0) {
                Some(latest) => latest + 1,
                None => return Err(no_purchases(params, &stats).into()),
            }
        }
    };

    let per_customer = orders
        .lazy()
        .group_by([col("customer")])
        .agg([
            purchase
                .clone()
                .cast(DataType::UInt32)
                .sum()
                .cast(DataType::UInt32)
                .alias("frequency"),
            col("date").filter(purchase.clone()).min().alias("first"),
            col("date").filter(purchase).max().alias("last"),
            col("total").sum().alias("monetary"),
        ])
        .collect();
    let per_customer = anyhow::Context::context(per_customer, "aggregating orders per customer")?;

    let customer = per_customer.column("customer")?.u32()?;
    let frequency = per_customer.column("frequency")?.u32()?;
    let first = per_customer.column("first")?.i32()?;
    let last = per_customer.column("last")?.i32()?;
    let monetary = per_customer.column("monetary")?.i64()?;
    let mut customers = Vec::with_capacity(per_customer.height());
    for i in 0..per_customer.height() {
        let row = (
            customer.get(i),
            frequency.get(i),
            first.get(i),
            last.get(i),
            monetary.get(i),
        );
        match row {
            (Some(customer), Some(frequency), Some(first), Some(last), Some(monetary))
                if frequency > 0 =>
            {
                customers.push(CustomerMetrics {
                    customer,
                    first,
                    last,
                    frequency,
                    monetary,
                })
            }
            _ => stats.without_purchase += 1,
        }
    }
    if customers.is_empty() {
        return Err(no_purchases(params, &stats).into());
    }
    Ok(Aggregate {
        customers,
        as_of,
        stats,
    })
}

/// Step 3: one row per order with its date (earliest row) and total.
fn orders(columns: OrderColumns, returns: Returns) -> PolarsResult<DataFrame> {
    let height = columns.customer.len();
    let has_order = columns.order.is_some();
    let mut cols = vec![
        UInt32Chunked::from_vec("customer".into(), columns.customer).into_column(),
        Int32Chunked::from_vec("date".into(), columns.date).into_column(),
        Int64Chunked::from_vec("amount".into(), columns.amount).into_column(),
    ];
    if let Some(order) = columns.order {
        cols.push(UInt32Chunked::from_vec("order".into(), order).into_column());
    }
    let mut rows = DataFrame::new(height, cols)?.lazy();
    if returns == Returns::Ignore {
        rows = rows.filter(col("amount").gt_eq(lit(0i64)));
    }
    let orders = if has_order {
        rows.group_by([col("customer"), col("order")])
            .agg([col("date").min(), col("amount").sum().alias("total")])
    } else {
        rows.select([col("customer"), col("date"), col("amount").alias("total")])
    };
    orders
        .select([col("customer"), col("date"), col("total")])
        .collect()
}

/// The error for a run where nobody bought anything, with what was filtered.
pub(crate) fn no_purchases(params: &Params, stats: &Stats) -> InputError {
    let mut detail = String::new();
    if stats.outside_window > 0 {
        detail.push_str(&format!(
            "; {} outside --since/--until",
            crate::notes::count(stats.outside_window, "order")
        ));
    }
    if params.as_of.is_some() && stats.after_as_of > 0 {
        detail.push_str(&format!(
            "; {} on or after --as-of",
            crate::notes::count(stats.after_as_of, "order")
        ));
    }
    InputError::NoPurchases { detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rows: (customer, order, date, amount in cents)
    fn columns(rows: &[(u32, u32, Day, i64)], with_order: bool) -> OrderColumns {
        OrderColumns {
            customer: rows.iter().map(|r| r.0).collect(),
            order: with_order.then(|| rows.iter().map(|r| r.1).collect()),
            date: rows.iter().map(|r| r.2).collect(),
            amount: rows.iter().map(|r| r.3).collect(),
            scale: 2,
        }
    }

    fn sorted(mut a: Aggregate) -> Aggregate {
        a.customers.sort_by_key(|c| c.customer);
        a
    }

    #[test]
    fn order_lines_group_into_orders() {
        // Customer 0: order 10 on days 5 and 7 (date = 5), 30.00 + 20.00;
        //             order 11 on day 9, 10.00.
        // Customer 1: order 12 on day 3, 5.00; order 13 (a return) on day 8, -5.00.
        let rows = [
            (0, 10, 7, 2000),
            (0, 10, 5, 3000),
            (0, 11, 9, 1000),
            (1, 12, 3, 500),
            (1, 13, 8, -500),
        ];
        let a = sorted(aggregate(columns(&rows, true), &Params::default()).unwrap());
        assert_eq!(a.as_of, 10, "day after the latest purchase (day 9)");
        assert_eq!(
            a.customers,
            [
                CustomerMetrics {
                    customer: 0,
                    first: 5,
                    last: 9,
                    frequency: 2,
                    monetary: 6000
                },
                CustomerMetrics {
                    customer: 1,
                    first: 3,
                    last: 3,
                    frequency: 1,
                    monetary: 0
                },
            ]
        );
        assert_eq!(a.stats.orders, 4);
    }

    #[test]
    fn without_order_column_each_row_is_an_order() {
        let rows = [(0, 0, 1, 100), (0, 0, 1, 100), (0, 0, 2, -300)];
        let a = aggregate(columns(&rows, false), &Params::default()).unwrap();
        assert_eq!(a.customers.len(), 1);
        assert_eq!(a.customers[0].frequency, 2);
        assert_eq!(a.customers[0].monetary, -100);
        assert_eq!(a.as_of, 2, "the return on day 2 is not a purchase");
    }

    #[test]
    fn returns_ignore_drops_negative_rows_first() {
        // One order with a +10.00 line and a -4.00 line, plus a pure return.
        let rows = [(0, 1, 1, 1000), (0, 1, 1, -400), (0, 2, 3, -700)];
        let net = aggregate(columns(&rows, true), &Params::default()).unwrap();
        assert_eq!(net.customers[0].monetary, -100);
        let gross = aggregate(
            columns(&rows, true),
            &Params {
                returns: Returns::Ignore,
                ..Params::default()
            },
        )
        .unwrap();
        assert_eq!(gross.customers[0].monetary, 1000);
        assert_eq!(gross.stats.negative_rows_dropped, 2);
    }

    #[test]
    fn customers_without_a_purchase_are_counted_not_scored() {
        let rows = [(0, 1, 1, 1000), (1, 2, 1, 0), (2, 3, 1, -50), (2, 4, 2, 50)];
        // Customer 2: order 3 = -0.50, order 4 = +0.50 -> one purchase, monetary 0.
        let a = sorted(aggregate(columns(&rows, true), &Params::default()).unwrap());
        assert_eq!(
            a.customers.iter().map(|c| c.customer).collect::<Vec<_>>(),
            [0, 2]
        );
        assert_eq!(a.stats.without_purchase, 1);
    }

    #[test]
    fn window_and_as_of_cut_orders() {
        let rows = [
            (0, 1, 1, 100),
            (0, 2, 5, 100),
            (0, 3, 9, 100),
            (1, 4, 9, 100),
        ];
        let params = Params {
            since: Some(2),
            until: Some(9),
            as_of: Some(9),
            ..Params::default()
        };
        let a = aggregate(columns(&rows, true), &params).unwrap();
        assert_eq!(a.as_of, 9);
        assert_eq!(a.stats.outside_window, 1);
        assert_eq!(a.stats.after_as_of, 2);
        assert_eq!(a.customers.len(), 1);
        assert_eq!((a.customers[0].first, a.customers[0].frequency), (5, 1));
    }

    #[test]
    fn no_purchase_at_all_is_an_error() {
        let rows = [(0, 1, 1, -100)];
        let err = aggregate(columns(&rows, true), &Params::default()).unwrap_err();
        assert!(
            err.to_string().contains("no customer has a purchase"),
            "{err}"
        );
    }
}
