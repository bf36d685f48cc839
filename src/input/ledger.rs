//! The orders seen, by order id, when an amount is the order's.
//!
//! Exports that write one line per item put the order's total on its
//! lines in one of two ways: on the first line only (Shopify), or on every
//! line (WooCommerce plugins). Either way the order must reach the method
//! once. And a shop that downloads its orders every week has the same
//! order in two files. The ledger remembers, for every order id, the first
//! line that carried the order's values: a later line with the same values
//! is a repeat (taken once; counted for the notes, per input), one with
//! other values is a [`Conflict`] naming both lines.
//!
//! Shared by the workers: an order can straddle two blocks, and two inputs
//! are read by whichever workers are free. Sharded by hash so workers
//! rarely wait for each other.

use super::Where;
use super::row::Values;
use crate::dates::Day;
use crate::money;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};

const SHARDS: usize = 64;

/// An order's key: (customer, order id), as the engine groups orders (an
/// order number can be per customer, or restart every year).
pub(super) fn order_key(customer: &str, order: &str) -> String {
    let mut key = String::with_capacity(customer.len() + order.len() + 4);
    key.push_str(&customer.len().to_string());
    key.push(':');
    key.push_str(customer);
    key.push_str(order);
    key
}

/// What an order's first line said.
struct Seen {
    file: usize,
    at: Where,
    /// Lines with the order's values, and the inputs they are in (sorted).
    lines: u64,
    files: Vec<usize>,
    /// With `--keep-latest`: the inputs holding a copy with other values
    /// (sorted), whose order is read from the last of them.
    changed: Vec<usize>,
    /// The order id as written.
    order: Box<str>,
    customer: Box<str>,
    date: Day,
    /// At 18 decimals.
    amount: i128,
    status: Option<Box<str>>,
    currency: Option<Box<str>>,
}

/// Two lines of one order id with different values.
pub(super) struct Conflict {
    /// The order id.
    pub(super) order: String,
    /// The other line.
    pub(super) other: (usize, Where),
    /// This line.
    pub(super) current: (usize, Where),
    /// What differs: the field and its two values (the other line's
    /// first).
    pub(super) differs: (&'static str, String, String),
}

/// What a line is to its order.
pub(super) enum Verdict {
    /// The first line with the order's values.
    First,
    /// The same values again.
    Repeat,
    /// Different values.
    Conflict(Conflict),
}

/// The orders seen (see the module docs).
pub(super) struct Ledger {
    shards: Vec<Mutex<HashMap<Box<str>, Seen>>>,
    hasher: foldhash::fast::FixedState,
}

/// What the ledger saw, once every line is read.
pub(super) struct Summary {
    /// Lines repeating their order's values in the same input.
    pub(super) repeated_lines: u64,
    /// With `--keep-latest`: the orders with other values in several
    /// inputs, to leave out of all but the last, and an example (order id
    /// and the inputs).
    pub(super) changed: Skip,
    pub(super) changed_count: u64,
    pub(super) changed_example: Option<(String, Vec<usize>)>,
    /// (input, earlier input) -> orders of the input also in the earlier
    /// one (the first input an order is in, in the order they were given).
    pub(super) overlaps: Vec<((usize, usize), u64)>,
}

impl Ledger {
    /// Counts the repeats and the orders in several inputs (the same
    /// whichever worker saw which line first).
    pub(super) fn summary(&self) -> Summary {
        let mut repeated_lines = 0;
        let mut overlaps: HashMap<(usize, usize), u64> = HashMap::new();
        let mut changed: Skip = HashMap::new();
        let mut changed_count = 0;
        let mut changed_example: Option<(String, Vec<usize>)> = None;
        for shard in &self.shards {
            let Ok(seen) = shard.lock() else { continue };
            for (key, s) in seen.iter() {
                if let Some((latest, older)) = s.changed.split_last() {
                    changed_count += 1;
                    for f in s.files.iter().chain(older).filter(|f| *f != latest) {
                        changed.entry(*f).or_default().insert(key.clone());
                    }
                    let example = (s.order.to_string(), s.changed.clone());
                    if changed_example.as_ref().is_none_or(|e| example < *e) {
                        changed_example = Some(example);
                    }
                    continue;
                }
                repeated_lines += s.lines - s.files.len() as u64;
                if let Some((&earliest, later)) = s.files.split_first() {
                    for &f in later {
                        *overlaps.entry((f, earliest)).or_default() += 1;
                    }
                }
            }
        }
        let mut overlaps: Vec<_> = overlaps.into_iter().collect();
        overlaps.sort_unstable();
        Summary {
            repeated_lines,
            overlaps,
            changed,
            changed_count,
            changed_example,
        }
    }

    pub(super) fn new() -> Ledger {
        Ledger {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: foldhash::fast::FixedState::with_seed(0x1ed9e5),
        }
    }

    /// Checks a line of `order` (its amount at 18 decimals).
    pub(super) fn check(
        &self,
        order: &str,
        file: usize,
        at: Where,
        values: &Values<'_>,
        amount: i128,
        keep_latest: bool,
    ) -> Verdict {
        let key = order_key(&values.customer, order);
        let shard = self.hasher.hash_one(&key) as usize % SHARDS;
        // A poisoned shard means a worker panicked: the run fails anyway.
        let Ok(mut seen) = self.shards[shard].lock() else {
            return Verdict::First;
        };
        let Some(first) = seen.get_mut(key.as_str()) else {
            seen.insert(
                key.into(),
                Seen {
                    file,
                    at,
                    lines: 1,
                    files: vec![file],
                    changed: Vec::new(),
                    order: order.into(),
                    customer: values.customer.as_ref().into(),
                    date: values.date,
                    amount,
                    status: values.status.as_deref().map(Into::into),
                    currency: values.currency.as_deref().map(Into::into),
                },
            );
            return Verdict::First;
        };
        let text = |s: &Option<Box<str>>| s.as_deref().unwrap_or("").to_owned();
        let money = |v: i128| {
            let mut out = String::new();
            money::write_scaled(v, 18, 2, '.', &mut out);
            out
        };
        let differs = if *first.customer != *values.customer {
            Some((
                "customer",
                first.customer.to_string(),
                values.customer.to_string(),
            ))
        } else if first.date != values.date {
            let day = |d: Day| crate::dates::from_day(d).to_string();
            Some(("date", day(first.date), day(values.date)))
        } else if first.amount != amount {
            Some(("amount", money(first.amount), money(amount)))
        } else if first.status.as_deref() != values.status.as_deref() {
            Some((
                "status",
                text(&first.status),
                values.status.as_deref().unwrap_or("").to_owned(),
            ))
        } else if first.currency.as_deref() != values.currency.as_deref() {
            Some((
                "currency",
                text(&first.currency),
                values.currency.as_deref().unwrap_or("").to_owned(),
            ))
        } else {
            None
        };
        match differs {
            None => {
                // The earliest line stands for the order (the same whichever
                // worker came first).
                if at < first.at {
                    (first.file, first.at) = (file, at);
                }
                first.lines += 1;
                if let Err(i) = first.files.binary_search(&file) {
                    first.files.insert(i, file);
                }
                Verdict::Repeat
            }
            // Another input's copy with other values: with --keep-latest the
            // inputs are read again, each such order from the last input it
            // is in (see `summary`).
            Some(_) if keep_latest && file != first.file => {
                for f in [first.file, file] {
                    if let Err(i) = first.changed.binary_search(&f) {
                        first.changed.insert(i, f);
                    }
                }
                Verdict::Repeat
            }
            Some(differs) => Verdict::Conflict(Conflict {
                order: order.to_owned(),
                other: (first.file, first.at),
                current: (file, at),
                differs,
            }),
        }
    }
}

/// One input's lines of an order: how many, a sum of their hashes (the
/// same whatever their order), and where the first is.
#[derive(Clone, Copy)]
struct Share {
    file: usize,
    lines: u64,
    sum: (u64, u64),
    first: Where,
}

/// An order's id as written, and its copies.
type Copies = (Box<str>, Vec<Share>);

/// The orders of line-level inputs, by order id, per input (see
/// [`LineLedger::summary`]): when several inputs are read, an order whose
/// lines are in two of them is an overlap.
pub(super) struct LineLedger {
    /// By [`order_key`]: the order id as written, and its copies.
    shards: Vec<Mutex<HashMap<Box<str>, Copies>>>,
    hashers: (foldhash::fast::FixedState, foldhash::fast::FixedState),
    routing: foldhash::fast::FixedState,
}

/// The orders to leave out of the later inputs (`(input, order id)`) and
/// the notes: (input, orders, earlier input).
pub(crate) struct Overlaps {
    /// The orders to leave out, per input.
    pub(crate) skip: Arc<Skip>,
    /// (input, earlier input) -> orders of the input also in the earlier
    /// one with the same lines.
    pub(crate) same: Vec<((usize, usize), u64)>,
    /// (input, later input) -> orders of the input whose copy in the later
    /// input has other lines, read from there (`--keep-latest`).
    pub(crate) changed: Vec<((usize, usize), u64)>,
}

/// Per input, the orders ([`order_key`]) to leave out of it.
pub(crate) type Skip = HashMap<usize, std::collections::HashSet<Box<str>>>;

/// An order in two inputs with other lines.
pub(super) struct LineConflict {
    pub(super) order: String,
    /// (input, its first line of the order, its lines), earlier input first.
    pub(super) copies: [(usize, Where, u64); 2],
}

impl LineLedger {
    pub(super) fn new() -> LineLedger {
        LineLedger {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hashers: (
                foldhash::fast::FixedState::with_seed(0x0ede_0001),
                foldhash::fast::FixedState::with_seed(0x0ede_0002),
            ),
            routing: foldhash::fast::FixedState::with_seed(0x0ede_0003),
        }
    }

    /// Records a line of `order` (its amount at 18 decimals).
    pub(super) fn line(
        &self,
        order: &str,
        file: usize,
        at: Where,
        values: &Values<'_>,
        amount: i128,
    ) {
        let content = (
            values.customer.as_ref(),
            values.date,
            amount,
            values.status.as_deref(),
            values.currency.as_deref(),
        );
        let hash = (
            self.hashers.0.hash_one(content),
            self.hashers.1.hash_one(content),
        );
        let key = order_key(&values.customer, order);
        let shard = self.routing.hash_one(&key) as usize % SHARDS;
        let Ok(mut seen) = self.shards[shard].lock() else {
            return;
        };
        let copies = match seen.get_mut(key.as_str()) {
            Some((_, copies)) => copies,
            None => {
                &mut seen
                    .entry(key.into())
                    .or_insert((order.into(), Vec::new()))
                    .1
            }
        };
        match copies.iter_mut().find(|c| c.file == file) {
            Some(c) => {
                c.lines += 1;
                c.sum = (c.sum.0.wrapping_add(hash.0), c.sum.1.wrapping_add(hash.1));
                c.first = c.first.min(at);
            }
            None => copies.push(Share {
                file,
                lines: 1,
                sum: hash,
                first: at,
            }),
        }
    }

    /// The orders in several inputs: those whose lines are the same in each
    /// are left out of every input but the first they are in; the first
    /// whose lines differ (by input order, then line) is a conflict.
    pub(super) fn summary(&self, keep_latest: bool) -> Result<Option<Overlaps>, LineConflict> {
        let mut skip: Skip = HashMap::new();
        let mut counts: HashMap<(usize, usize), u64> = HashMap::new();
        let mut changed: HashMap<(usize, usize), u64> = HashMap::new();
        let mut conflict: Option<LineConflict> = None;
        for shard in &self.shards {
            let Ok(seen) = shard.lock() else { continue };
            for (key, (order, copies)) in seen.iter().filter(|(_, (_, c))| c.len() > 1) {
                let mut copies = copies.clone();
                copies.sort_by_key(|c| c.file);
                let first = copies[0];
                let differ = copies[1..]
                    .iter()
                    .any(|c| (c.lines, c.sum) != (first.lines, first.sum));
                if keep_latest && differ {
                    // The last input's copy is read.
                    let latest = copies[copies.len() - 1].file;
                    for c in &copies[..copies.len() - 1] {
                        skip.entry(c.file).or_default().insert(key.clone());
                        *changed.entry((c.file, latest)).or_default() += 1;
                    }
                    continue;
                }
                for c in &copies[1..] {
                    if (c.lines, c.sum) == (first.lines, first.sum) {
                        skip.entry(c.file).or_default().insert(key.clone());
                        *counts.entry((c.file, first.file)).or_default() += 1;
                    } else {
                        let found = LineConflict {
                            order: order.to_string(),
                            copies: [
                                (first.file, first.first, first.lines),
                                (c.file, c.first, c.lines),
                            ],
                        };
                        let key = |x: &LineConflict| (x.copies[1].0, x.copies[1].1);
                        if conflict.as_ref().is_none_or(|k| key(&found) < key(k)) {
                            conflict = Some(found);
                        }
                    }
                }
            }
        }
        if let Some(conflict) = conflict {
            return Err(conflict);
        }
        if skip.is_empty() {
            return Ok(None);
        }
        let sorted = |m: HashMap<(usize, usize), u64>| {
            let mut v: Vec<_> = m.into_iter().collect();
            v.sort_unstable();
            v
        };
        Ok(Some(Overlaps {
            skip: Arc::new(skip),
            same: sorted(counts),
            changed: sorted(changed),
        }))
    }
}
