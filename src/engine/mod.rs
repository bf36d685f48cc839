//! The method: validated order lines -> orders -> per-customer metrics
//! (steps 2-5 of docs/method.md), written once, as a fold.
//!
//! Why a fold and not a group-by: each row is folded straight into the state
//! of its customer, so memory grows with the customers, not the rows, and
//! the work splits over threads by customer partition (see [`fold`]). The
//! input layer (`crate::input`) hands every worker its blocks of rows; the
//! workers' folds are merged at the end. Nothing here does I/O.
//!
//! Orders are formed one of two ways, chosen by [`Grouping`] and nothing
//! else:
//! - [`Grouping::Runs`]: the lines of an order arrive together (how
//!   order-line exports are written), so a window of the few orders being
//!   read replaces a table of all orders. Verified, not assumed: a
//!   fingerprint per order proves that no order was read as two runs, and
//!   the result is [`Outcome::NotContiguous`] when one was.
//! - [`Grouping::Hash`]: an exact group-by on (customer, order id), for
//!   scattered orders and inputs that cannot be read twice (stdin). Memory
//!   grows with the orders.
//!
//! Either way an order is closed by the same code ([`fold`]'s `close` and
//! `apply`): the window, the as-of cut, purchases and the metrics.

mod fingerprints;
mod fold;
mod method;
mod table;

pub(crate) use fold::{Fold, Outcome, mailboxes};

/// How many customers make a helper thread worth starting for a pass over
/// them (joining the halves of the metrics here, gathering the scored
/// customers in score/analysis.rs): a thread costs tens of microseconds,
/// a pass over tens of thousands of customers more.
pub(crate) const THREADED_FROM: usize = 1 << 14;
pub(crate) use method::{
    Aggregate, Counting, CustomerId, CustomerMetrics, Every, Grouping, Occasions, Params, Returns,
    Stats, split_period_key,
};
