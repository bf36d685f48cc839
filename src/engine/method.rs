//! The method's terms: what counts (the window, returns, purchases), what
//! a customer's metrics are, and the counts the notes report.

use crate::dates::Day;
use crate::error::InputError;

/// A customer id as written in the input (trimmed), kept verbatim. Ids up
/// to 24 bytes are stored inline: sorting customers by id then moves the
/// bytes along, so reading them in that order (the output) is sequential,
/// not a cache miss per customer; it also saves a heap allocation per
/// customer.
pub(crate) type CustomerId = compact_str::CompactString;

/// How the lines of an order are brought together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grouping {
    /// Lines of an order arrive together (verified).
    Runs,
    /// Exact group-by on (customer, order id).
    Hash,
}

/// What to do with rows whose amount is negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Returns {
    /// Keep them: monetary is net of returns and cancellations.
    #[default]
    Net,
    /// Drop them before grouping orders: gross revenue.
    Ignore,
}

/// What counts as a purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Counting {
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
    pub(crate) fn is_purchase(self, total: i64) -> bool {
        match self {
            Counting::Orders => total > 0,
            Counting::Rows => true,
        }
    }
}

/// The window and cut-off that select the orders that count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Params {
    /// `--returns`.
    pub(crate) returns: Returns,
    /// What a purchase is.
    pub(crate) counting: Counting,
    /// `--since`: orders dated on or after.
    pub(crate) since: Option<Day>,
    /// `--until`: orders dated on or before.
    pub(crate) until: Option<Day>,
    /// `--as-of`: orders dated before it count; default: the day after the
    /// latest purchase.
    pub(crate) as_of: Option<Day>,
    /// `rfm history --every`: the customer state is kept per period of the
    /// order date (the key is the customer's, a unit separator and the
    /// period number: [`period_key`]), so that the metrics at the end of
    /// every period are sums over periods, not passes over the orders.
    pub(crate) every: Option<Every>,
    /// `--predict`: also keep each customer's purchase occasions (the
    /// distinct days with a purchase) and their values ([`Occasions`]).
    pub(crate) occasions: bool,
}

/// The periods of `rfm history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Every {
    /// Monday to Sunday (ISO weeks).
    Week,
    /// Calendar months.
    Month,
    /// Calendar quarters.
    Quarter,
}

impl Every {
    /// The flag's value: `week`, `month`, `quarter`.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Every::Week => "week",
            Every::Month => "month",
            Every::Quarter => "quarter",
        }
    }

    /// The period holding `day`: numbers that grow by one a period.
    pub(crate) fn period(self, day: Day) -> i32 {
        match self {
            // Day 0, 1970-01-01, is a Thursday: day -3 is a Monday.
            Every::Week => (day + 3).div_euclid(7),
            Every::Month | Every::Quarter => {
                let (year, month, _) = crate::dates::ymd(day);
                let months = year * 12 + month as i32 - 1;
                if self == Every::Month {
                    months
                } else {
                    months.div_euclid(3)
                }
            }
        }
    }

    /// The last day of period `period`.
    pub(crate) fn last_day(self, period: i32) -> Day {
        let first_of_month = |months: i32| {
            crate::dates::day_of(months.div_euclid(12), (months.rem_euclid(12) + 1) as u32, 1)
                .unwrap_or(Day::MAX)
        };
        match self {
            Every::Week => period * 7 - 3 + 6,
            Every::Month => first_of_month(period + 1) - 1,
            Every::Quarter => first_of_month((period + 1) * 3) - 1,
        }
    }
}

/// The engine's key of a customer's orders in one period (`Params::every`).
pub(crate) fn period_key(customer: &[u8], period: i32, key: &mut Vec<u8>) {
    use std::io::Write as _;
    key.clear();
    key.extend_from_slice(customer);
    key.push(PERIOD_SEPARATOR);
    let _ = write!(key, "{period}");
}

/// (customer, period) of a [`period_key`], or `None` for a key without one.
pub(crate) fn split_period_key(key: &str) -> Option<(&str, i32)> {
    let at = key.rfind(PERIOD_SEPARATOR as char)?;
    Some((&key[..at], key[at + 1..].parse().ok()?))
}

const PERIOD_SEPARATOR: u8 = 0x1f;

/// One customer's metrics, before scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CustomerMetrics {
    /// Customer code (an index into the customer ids).
    pub(crate) customer: u32,
    /// Earliest purchase date.
    pub(crate) first: Day,
    /// Latest purchase date.
    pub(crate) last: Day,
    /// Number of purchases (orders totalling more than zero).
    pub(crate) frequency: u32,
    /// Sum of all the customer's order totals, at the input scale.
    pub(crate) monetary: i64,
    /// Where the last line of the latest purchase was read (the input
    /// layer's position of a row): what `--keep` reads its values from.
    pub(crate) last_at: u64,
}

/// A customer's purchase occasions (`Params::occasions`): the models of
/// `--predict` count purchases by calendar day, so several purchases on one
/// day are one occasion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Occasions {
    /// Distinct days with a purchase (an order totalling more than zero,
    /// whatever `Counting` says).
    pub(crate) days: u32,
    /// The first and the last of them (`Day::MAX` and `Day::MIN` with
    /// none).
    pub(crate) first: Day,
    pub(crate) last: Day,
    /// The purchases' totals on the first of them, at the input scale.
    pub(crate) first_value: i64,
}

impl Occasions {
    /// None yet.
    pub(crate) const NONE: Occasions = Occasions {
        days: 0,
        first: Day::MAX,
        last: Day::MIN,
        first_value: 0,
    };
}

/// Counts for the notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Stats {
    /// Rows dropped by `--returns ignore`.
    pub(crate) negative_rows_dropped: u64,
    /// Orders formed from the rows.
    pub(crate) orders: u64,
    /// Orders outside `--since`/`--until`.
    pub(crate) outside_window: u64,
    /// Orders dated on or after an explicit `--as-of`.
    pub(crate) after_as_of: u64,
    /// Customers whose orders in scope include no purchase.
    pub(crate) without_purchase: u64,
    /// Entries (customers; customers in a period with `Params::every`)
    /// whose monetary value is below zero: more returned or credited than
    /// bought. The warning about them reads it (runs without `every`).
    pub(crate) negative_monetary: u64,
}

impl std::ops::AddAssign for Stats {
    fn add_assign(&mut self, other: Stats) {
        self.negative_rows_dropped += other.negative_rows_dropped;
        self.orders += other.orders;
        self.outside_window += other.outside_window;
        self.after_as_of += other.after_as_of;
        self.without_purchase += other.without_purchase;
        self.negative_monetary += other.negative_monetary;
    }
}

/// The metrics of every customer with a purchase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Aggregate {
    /// One entry per customer with a purchase, in no particular order.
    pub(crate) customers: Vec<CustomerMetrics>,
    /// The as-of date used.
    pub(crate) as_of: Day,
    /// Counts for the notes.
    pub(crate) stats: Stats,
    /// Each customer's purchase occasions, by customer code, with
    /// `Params::occasions`; empty otherwise.
    pub(crate) occasions: Vec<Occasions>,
}

/// The error for a run in which no customer has a purchase.
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
