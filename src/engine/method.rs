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
}

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
pub(crate) struct Aggregate {
    /// One entry per customer with a purchase, in no particular order.
    pub(crate) customers: Vec<CustomerMetrics>,
    /// The as-of date used.
    pub(crate) as_of: Day,
    /// Counts for the notes.
    pub(crate) stats: Stats,
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
