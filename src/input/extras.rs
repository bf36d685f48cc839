//! What a run reads besides the method's columns: the order filter
//! (`--where`), the group column (`--by`) and the customer columns carried
//! to the output (`--keep`).
//!
//! All three are resolved against each input's header once, like the
//! method's columns, and applied by the same row path for CSV and Parquet:
//! the filter before a row is validated (a row it leaves out is not read at
//! all, so it cannot be a bad row), the group as part of the customer key
//! (so orders, purchases and the as-of date are per group, as in a run on
//! that group's rows alone), the kept values beside the row the engine
//! folds ([`Kept`]).

use super::columns::find_column;
use super::filter::{Bound, Filter};
use crate::error::InputError;
use std::collections::HashMap;
use std::sync::Arc;

/// The options, as given.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExtraFlags {
    /// `--where`, parsed.
    pub(crate) filter: Option<Arc<Filter>>,
    /// `--by COL`.
    pub(crate) by: Option<String>,
    /// `--keep COLS`.
    pub(crate) keep: Vec<String>,
}

/// The options resolved against a header.
#[derive(Clone, Default)]
pub(crate) struct Extras {
    /// The filter, bound to the header's columns.
    pub(crate) filter: Option<Bound>,
    /// The group column.
    pub(crate) by: Option<usize>,
    /// The kept columns, in `--keep` order.
    pub(crate) keep: Vec<usize>,
}

impl std::fmt::Debug for Extras {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extras")
            .field("filter", &self.filter.as_ref().map(Bound::columns))
            .field("by", &self.by)
            .field("keep", &self.keep)
            .finish()
    }
}

impl PartialEq for Extras {
    fn eq(&self, other: &Extras) -> bool {
        self.by == other.by
            && self.keep == other.keep
            && self.filter.as_ref().map(Bound::columns) == other.filter.as_ref().map(Bound::columns)
    }
}

impl Eq for Extras {}

impl Extras {
    /// Resolves the options against `header`; `date_format(i)` is how
    /// column `i`'s dates are written (for `--where` on dates).
    pub(crate) fn resolve(
        flags: &ExtraFlags,
        header: &[String],
        decimal: crate::money::DecimalSeparator,
        date_format: &dyn Fn(usize) -> crate::dates::DateFormat,
        file: &str,
    ) -> Result<Extras, InputError> {
        let filter =
            match &flags.filter {
                Some(filter) => Some(filter.bind(header, decimal, date_format).map_err(|e| {
                    InputError::Where {
                        file: file.to_owned(),
                        why: e.to_string(),
                    }
                })?),
                None => None,
            };
        let by = match &flags.by {
            Some(name) => find_column(header, "--by", Some(name), &[], file)?,
            None => None,
        };
        let mut keep = Vec::with_capacity(flags.keep.len());
        for name in &flags.keep {
            // A column named twice (`email,Email`) is kept once.
            if let Some(i) = find_column(header, "--keep", Some(name), &[], file)?
                && !keep.contains(&i)
            {
                keep.push(i);
            }
        }
        Ok(Extras { filter, by, keep })
    }

    /// The columns read, for a reader that reads only those.
    pub(crate) fn columns(&self) -> Vec<usize> {
        let mut columns: Vec<usize> = self.filter.as_ref().map(Bound::columns).unwrap_or_default();
        columns.extend(self.by);
        columns.extend(&self.keep);
        columns
    }

    /// Whether a row is read at all.
    #[inline]
    pub(crate) fn admits<'r>(&self, field: &dyn Fn(usize) -> Option<&'r str>) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(field))
    }
}

/// The key of a customer in a group: the group's value and the customer
/// id, apart (the engine sees one id per group and customer; [`split`]
/// takes them apart again). A unit separator in a group value (never in
/// real data) is read as a space.
pub(crate) fn grouped(group: &str, customer: &str) -> String {
    let mut key = String::with_capacity(group.len() + 1 + customer.len());
    for c in group.chars() {
        key.push(if c == SEPARATOR { ' ' } else { c });
    }
    key.push(SEPARATOR);
    key.push_str(customer);
    key
}

/// (group, customer) of a [`grouped`] key.
pub(crate) fn split(key: &str) -> (&str, &str) {
    key.split_once(SEPARATOR).unwrap_or(("", key))
}

const SEPARATOR: char = '\u{1f}';

/// The kept columns' values of the rows a worker gave the engine, so that
/// each customer's can be taken from the last line of its latest purchase
/// (the engine says where that line is: `CustomerMetrics::last_at`).
///
/// A customer's values rarely change from row to row (an e-mail, a name, a
/// country), so only the first values a worker sees are kept, plus the
/// rows whose values differ from them, with where they are: the values of
/// any row the worker read are then known exactly, in memory that grows
/// with the customers, not the rows.
#[derive(Debug, Default)]
pub(crate) struct Kept {
    customers: HashMap<Box<str>, KeptValues>,
}

#[derive(Debug)]
struct KeptValues {
    first: Box<[Box<str>]>,
    /// (where, values) of rows whose values differ from `first`.
    other: Vec<(u64, Box<[Box<str>]>)>,
}

impl Kept {
    /// A row given to the engine: its customer key, where it is, and its
    /// kept values.
    pub(crate) fn row(&mut self, customer: &str, at: u64, values: impl Iterator<Item = String>) {
        let values: Box<[Box<str>]> = values.map(String::into_boxed_str).collect();
        match self.customers.get_mut(customer) {
            Some(kept) if kept.first == values => {}
            Some(kept) => kept.other.push((at, values)),
            None => {
                self.customers.insert(
                    customer.into(),
                    KeptValues {
                        first: values,
                        other: Vec::new(),
                    },
                );
            }
        }
    }

    /// The values of `customer`'s row at `at`, when this worker read it.
    pub(crate) fn values(&self, customer: &str, at: u64) -> Option<&[Box<str>]> {
        let kept = self.customers.get(customer)?;
        Some(
            kept.other
                .iter()
                .find(|(w, _)| *w == at)
                .map_or(&*kept.first, |(_, v)| &**v),
        )
    }
}

/// Every worker's [`Kept`], and which worker read each block.
#[derive(Debug, Default)]
pub(crate) struct KeptByWorker {
    pub(crate) workers: Vec<Kept>,
    /// Block number -> worker.
    pub(crate) reader_of: HashMap<u64, usize>,
}

impl KeptByWorker {
    /// The kept values of `customer`'s row at `at` (an engine position,
    /// [`position`]); empty values when unknown.
    pub(crate) fn values(&self, customer: &str, at: u64) -> Option<&[Box<str>]> {
        let worker = *self.reader_of.get(&(at >> BLOCK_SHIFT))?;
        self.workers.get(worker)?.values(customer, at)
    }
}

/// Bits of a position below its block number.
const BLOCK_SHIFT: u32 = 40;

/// A row's position as the engine keeps it: its block, then its place in
/// the block (line breaks before it, or its Parquet row number), so that
/// positions order as the rows were read.
pub(crate) fn position(block: u64, within: u64) -> u64 {
    (block << BLOCK_SHIFT) | (within & ((1 << BLOCK_SHIFT) - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_keys_split_back_even_with_separators_in_ids() {
        let key = grouped("France", "12345");
        assert_eq!(split(&key), ("France", "12345"));
        let key = grouped("a\u{1f}b", "c\u{1f}d");
        assert_eq!(split(&key), ("a b", "c\u{1f}d"));
        assert_eq!(split(&grouped("", "x")), ("", "x"));
    }

    #[test]
    fn kept_values_of_any_row_are_known() {
        let mut kept = Kept::default();
        let row = |v: &[&str]| {
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .into_iter()
        };
        kept.row("c1", position(0, 1), row(&["a@x", "IT"]));
        kept.row("c1", position(0, 5), row(&["a@x", "IT"]));
        kept.row("c1", position(2, 0), row(&["b@x", "IT"]));
        kept.row("c2", position(1, 3), row(&["", "FR"]));
        let by = KeptByWorker {
            workers: vec![kept],
            reader_of: [(0, 0), (1, 0), (2, 0)].into_iter().collect(),
        };
        let get = |c: &str, at: u64| by.values(c, at).map(|v| v.join("|"));
        assert_eq!(get("c1", position(0, 5)).as_deref(), Some("a@x|IT"));
        assert_eq!(get("c1", position(2, 0)).as_deref(), Some("b@x|IT"));
        assert_eq!(get("c2", position(1, 3)).as_deref(), Some("|FR"));
        assert_eq!(get("c3", position(1, 3)), None);
        assert_eq!(get("c1", position(7, 0)), None);
    }

    #[test]
    fn positions_order_as_read() {
        assert!(position(0, 1 << 39) < position(1, 0));
        assert!(position(3, 2) < position(3, 3));
    }
}
