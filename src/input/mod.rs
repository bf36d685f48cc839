//! The input layer: every export (CSV plain or compressed, Parquet; files
//! or stdin) read once, on every core, into validated rows for a [`Sink`].
//!
//! Why one reader for everything: the method (`crate::engine`) is a fold
//! that runs on every worker, so the way rows arrive must not decide which
//! code computes the result. The calling thread opens each input
//! (decompressing on the way, hashing the raw bytes for `rfm report`),
//! resolves its header and cuts it into blocks of whole records: a CSV body
//! into chunks that end at a record boundary found with quotes in mind
//! ([`records::record_end`]), a Parquet file into its row groups. Workers
//! take the blocks in turn, split and validate their rows and hand the valid
//! ones to their sink. Nothing is read twice and nothing is declined: quoted
//! fields, line breaks inside them, CRLF, bad rows with `--skip-bad-rows`,
//! stdin and pipes all go through the same blocks.
//!
//! What a block cannot know is settled when every block is read, from what
//! each worker kept per block:
//! - line numbers: a worker counts the line breaks of its block; a row's
//!   line is the block's first line (the sum of the blocks before it) plus
//!   the breaks before the row, so errors and `--rejects` name the physical
//!   line the row starts on;
//! - the first error: without `--skip-bad-rows` a bad row stops the run;
//!   blocks after it are skipped, the ones before it are read to the end,
//!   and the error that comes first in the input wins, as when reading on
//!   one thread;
//! - the decimal scale: the input's scale (the most decimals of any amount)
//!   and whether the sums fit 64 bits at that scale are known at the end;
//!   sinks get each amount at its own scale.

mod aligned;
pub(crate) mod columns;
mod encoding;
pub(crate) mod extras;
pub(crate) mod filter;
mod ledger;
mod open;
mod parquet;
mod parquet_check;
mod pipe;
mod profiles;
mod records;
mod row;
mod settings;

pub(crate) use columns::{ColumnFlags, ColumnMap, StatusRule};
pub(crate) use encoding::forced as encoding_named;
pub(crate) use open::COPY_PREFIX;
pub(crate) use open::{Content, Rereads, discard_rereads, open, sniff_delimiter};
pub(crate) use open::{FileDigest, InputPath, stdin_is_a_file};
pub(crate) use profiles::{AmountPer, ProfileChoice, built_in as built_in_profiles, built_in_text};
pub(crate) use settings::LoadSettings;
pub(crate) use settings::{BLOCK_BYTES, workers};

use crate::dates::{self, DateFormat, Day};
use crate::error::{InputError, Position, RowProblem};
use crate::money::{self, Decimal, DecimalSeparator, MAX_SCALE};
use open::{Digester, ParquetSource};
use parquet::{Group, ParquetFile};
use records::{Record, Records};
use row::Parsed;
use std::borrow::Cow;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};

/// The scale the sums of absolute amounts are kept at (the most decimals an
/// amount may have), for the overflow check.
pub(crate) const SCALE: u8 = MAX_SCALE;

/// What takes the valid rows: one sink per worker, each seeing its blocks
/// in the order it takes them.
pub(crate) trait Sink: Send {
    /// A block starts.
    fn begin_block(&mut self);
    /// A valid row: trimmed customer id (never empty), order id when an
    /// order column is mapped, date, amount, and where it was read
    /// ([`extras::position`]: positions order as the rows were read).
    fn row(&mut self, customer: &str, order: Option<&str>, date: Day, amount: Decimal, at: u64);
    /// The block ended.
    fn end_block(&mut self);
    /// The worker took its last block.
    fn finish(&mut self);
}

/// A row that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejected {
    /// The file.
    pub(crate) file: String,
    /// Where the row is (the line it starts on, or its Parquet row number).
    pub(crate) line: Position,
    /// What is wrong.
    pub(crate) reason: String,
    /// The row's fields (lossily decoded).
    pub(crate) fields: Vec<String>,
}

/// What the reading saw, for the notes.
#[derive(Debug, Clone, Default)]
pub(crate) struct LoadReport {
    /// The resolved column roles.
    pub(crate) columns: String,
    /// The header of the first file.
    pub(crate) header: Vec<String>,
    /// Data rows per input: (name, rows).
    pub(crate) files: Vec<(String, u64)>,
    /// Per input, when asked for ([`LoadSettings::digest`]): its digest, or
    /// `Err` when the file changed while it was read; `None` for what is
    /// not a regular file.
    pub(crate) digests: Vec<Option<Result<FileDigest, ()>>>,
    /// Per input that cannot be opened again by its name, when asked for
    /// ([`LoadSettings::keep_rereadable`]): what a second reading reads, or why
    /// there is nothing.
    pub(crate) rereads: Rereads,
    /// Rows without a customer id (dropped).
    pub(crate) missing_customer: u64,
    /// Rows `--where` left out.
    pub(crate) filtered: u64,
    /// The `--keep` values of the rows read.
    pub(crate) kept: Arc<extras::KeptByWorker>,
    /// The `--keep` columns, as the first input names them.
    pub(crate) kept_columns: Vec<String>,
    /// The `--by` column, as the first input names it.
    pub(crate) by_column: Option<String>,
    /// Rows skipped with `--skip-bad-rows`.
    pub(crate) rejected_count: u64,
    /// The first skipped row, for the note.
    pub(crate) first_rejected: Option<Rejected>,
    /// Every skipped row, when [`LoadSettings::keep_rejected`] is set.
    pub(crate) rejected: Vec<Rejected>,
    /// The common decimal scale of the amounts.
    pub(crate) scale: u8,
    /// How inputs that are not UTF-8 were decoded: (name, what was done).
    pub(crate) file_notes: Vec<(String, String)>,
    /// The order status column, when there is one.
    pub(crate) status_column: Option<String>,
    /// Per status as written: orders, their amounts at 18 decimals, and
    /// whether it counts; counted first, then by orders.
    pub(crate) statuses: Vec<(String, u64, i128, bool)>,
    /// The currency column, when there is one.
    pub(crate) currency_column: Option<String>,
    /// Per currency: rows and amounts (at 18 decimals) that count, and
    /// that `--currency` left out; by rows.
    pub(crate) currencies: Vec<(String, RowsAmount, RowsAmount)>,
    /// Amounts are per order: the counts by status are orders.
    pub(crate) per_order: bool,
    /// There is no amount column: recency and frequency only.
    pub(crate) no_amount: bool,
    /// Rows whose customer id looks like a number a spreadsheet shortened
    /// (`9,19830E+11`), and the first such id.
    pub(crate) shortened_ids: u64,
    pub(crate) shortened_example: Option<String>,
    /// Item lines of orders whose amount is the order's (blank order-level
    /// fields): not rows of their own.
    pub(crate) item_lines: u64,
    /// Lines repeating their order's values (taken once).
    pub(crate) repeated_lines: u64,
    /// Orders with item lines but no line with the order's total (left
    /// out), and the first such order id.
    pub(crate) orders_without_total: u64,
    pub(crate) order_without_total: Option<String>,
    /// Orders also in an earlier input (counted once): (input, orders,
    /// the earlier input).
    pub(crate) overlaps: Vec<(String, u64, String)>,
    /// `--keep-latest`: how many orders had other values in a later input
    /// (read from there), and an example for the note.
    pub(crate) changed: Option<(u64, String)>,
    /// Orders of line-level inputs that an earlier input holds with the
    /// same lines: the inputs must be read again without them
    /// ([`LoadSettings::skip`]).
    pub(crate) read_again_without: Option<Arc<ledger::Skip>>,
}

impl LoadReport {
    /// Data rows read over all inputs.
    pub(crate) fn rows(&self) -> u64 {
        self.files.iter().map(|(_, n)| n).sum()
    }

    /// A warning when more than a fifth of the rows were dropped (no
    /// customer id, or bad with `--skip-bad-rows`): the scores then
    /// describe a part of the data, which nobody should learn from a note.
    pub(crate) fn dropped_warning(&self) -> Option<String> {
        let rows = self.rows();
        let dropped = self.missing_customer + self.rejected_count;
        // None left is the error "no usable rows", which says it all.
        if rows == 0 || dropped * 5 <= rows || dropped >= rows {
            return None;
        }
        let percent = (dropped * 1000 / rows) as f64 / 10.0;
        let mut why = Vec::new();
        if self.missing_customer > 0 {
            why.push(format!(
                "{} without a customer id (guest checkouts? --customer names the column to read)",
                crate::notes::thousands(self.missing_customer)
            ));
        }
        if self.rejected_count > 0 {
            why.push(format!(
                "{} bad (--rejects FILE lists them)",
                crate::notes::thousands(self.rejected_count)
            ));
        }
        Some(format!(
            "{} of {} rows ({percent}%) were left out: {}; the scores describe the rest only",
            crate::notes::thousands(dropped),
            crate::notes::thousands(rows),
            why.join(", ")
        ))
    }

    /// The error for inputs without data rows.
    fn check_rows(&self) -> Result<(), InputError> {
        if self.rows() > 0 {
            return Ok(());
        }
        let file = match self.files.as_slice() {
            [(only, _)] => only.clone(),
            _ => "the inputs".to_owned(),
        };
        Err(InputError::NoRows { file })
    }
}

/// What kind of input the columns were found in (for the columns note).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// Delimited text.
    Csv {
        /// The delimiter.
        delimiter: u8,
    },
    /// A Parquet file.
    Parquet,
}

/// Reads every input once with one worker per sink, feeding each valid row
/// to the sink of the worker that read it. `on_columns` is called once the
/// columns are resolved (before the bulk of the reading). Returns what was
/// seen and the sinks, each after [`Sink::finish`].
pub(crate) fn read<S: Sink>(
    settings: &LoadSettings,
    sinks: Vec<S>,
    on_columns: &mut dyn FnMut(&ColumnMap, Source),
) -> Result<(LoadReport, Vec<S>), InputError> {
    let (report, sinks, overflow) = match read_with(settings, sinks, on_columns, None) {
        Ok(read) => read,
        // Workers compare each line of an order with the one the ledger saw
        // first, which depends on timing: the conflict they find is a real
        // one, but not always the first in the file (line 2 agrees with
        // line 5, line 4 differs: a worker that saw 5 then 4 names 4 and
        // 5). Read in order on one worker, the first line of the order is
        // the ledger's, so the message names it and the first line that
        // differs, whatever the workers did (only on this error path).
        Err(e @ InputError::OrderConflict { .. })
            if settings.workers > 1 && settings.rereadable() =>
        {
            let one = LoadSettings {
                workers: 1,
                progress: false,
                digest: false,
                ..settings.clone()
            };
            return match read_with(&one, vec![Ignore], &mut |_, _| {}, None) {
                Err(again @ InputError::OrderConflict { .. }) => Err(again),
                // The input changed between the readings: the first answer.
                _ => Err(e),
            };
        }
        Err(e) => return Err(e),
    };
    let Some(overflow) = overflow else {
        return Ok((report, sinks));
    };
    // The sums do not fit: name the row where they stop fitting. Found in
    // order on one worker, so a file is read again (only on this error
    // path); an input that cannot be read twice names the block instead.
    if settings.rereadable() {
        let one = LoadSettings {
            workers: 1,
            progress: false,
            digest: false,
            ..settings.clone()
        };
        let found = read_with(&one, vec![Ignore], &mut |_, _| {}, Some(overflow.limit));
        // The line from the second reading; the scale and where it comes
        // from as the whole input has them.
        if let (
            Err(InputError::Overflow { file, line, .. }),
            InputError::Overflow {
                column,
                scale,
                scale_source,
                ..
            },
        ) = (found, &overflow.error)
        {
            return Err(InputError::Overflow {
                file,
                line,
                column: column.clone(),
                scale: *scale,
                scale_source: scale_source.clone(),
            });
        }
    }
    Err(overflow.error)
}

/// A sink that keeps nothing (for finding where sums overflow).
struct Ignore;

impl Sink for Ignore {
    fn begin_block(&mut self) {}
    fn row(&mut self, _: &str, _: Option<&str>, _: Day, _: Decimal, _: u64) {}
    fn end_block(&mut self) {}
    fn finish(&mut self) {}
}

/// Sums that do not fit 64 bits at the input's scale.
struct Overflow {
    /// The largest sum of absolute amounts (at [`SCALE`]) that fits.
    limit: u128,
    /// The error naming the block where the limit was passed.
    error: InputError,
}

/// A block of work: whole CSV records of one input, or a Parquet row group.
enum Work {
    Csv {
        seq: u64,
        file: usize,
        /// The records are `bytes[..len]`; the rest of the buffer is memory
        /// already written, kept for the next block ([`Reader::blocks`]).
        bytes: Vec<u8>,
        len: usize,
        delimiter: u8,
        map: Arc<ColumnMap>,
    },
    Parquet {
        seq: u64,
        file: usize,
        parquet: Arc<ParquetFile>,
        group: Group,
        map: Arc<ColumnMap>,
    },
}

impl Work {
    fn seq(&self) -> u64 {
        match self {
            Work::Csv { seq, .. } | Work::Parquet { seq, .. } => *seq,
        }
    }
}

/// Reads into `buf` until it is full or the input ends: how many bytes it
/// read, and the error that stopped it, if one did (after those bytes).
/// None read into a non-empty `buf` means the end; callers never pass an
/// empty one, which would look the same.
fn fill(reader: &mut dyn Read, buf: &mut [u8]) -> (usize, Option<std::io::Error>) {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return (filled, Some(e)),
        }
    }
    (filled, None)
}

/// Where a row is, as a worker knows it: its block and, for CSV, the line
/// breaks before it in the block, or its Parquet row number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Where {
    seq: u64,
    /// Line breaks before the row in its block, or the row number.
    at: u64,
    parquet: bool,
}

/// A problem that stops the run, where it happened.
enum Fatal {
    Row(RowProblem),
    Overflow,
    Input(InputError),
    /// Lines of one order, or one order id in two inputs, disagree.
    Conflict(ledger::Conflict),
}

/// A rejected row before its line is known.
struct Reject {
    at: Where,
    file: usize,
    reason: String,
    fields: Vec<String>,
}

/// What a worker saw besides what it gave its sink.
struct Tally {
    /// Data rows per input.
    rows: Vec<u64>,
    missing_customer: u64,
    /// Rows `--where` left out.
    filtered: u64,
    /// The `--keep` values of the rows given to the sink.
    kept: extras::Kept,
    rejected_count: u64,
    rejected: Vec<Reject>,
    first_rejected: Option<Reject>,
    /// Sum of |amount| at [`SCALE`] (saturating).
    abs_sum: u128,
    /// The most decimals an amount had, and the first row that had them.
    scale: u8,
    scale_source: Option<(Where, usize, String)>,
    /// Per block: (seq, input, line breaks, sum of |amount|).
    blocks: Vec<(u64, usize, u64, u128)>,
    /// The first problem that stops the run.
    fatal: Option<(Where, usize, Fatal)>,
    /// When finding the row where sums overflow: the limit.
    limit: Option<u128>,
    /// Per order status as written: rows, their amounts at [`SCALE`], and
    /// whether the status counts.
    statuses: std::collections::HashMap<String, (u64, i128, bool)>,
    /// Per order status: the orders (hashes of customer and order id) of
    /// its rows that have an order id.
    status_orders: std::collections::HashMap<String, std::collections::HashSet<u64>>,
    /// Per currency (upper case): rows and amounts at [`SCALE`], of the
    /// rows that count, and of those `--currency` left out.
    currencies: std::collections::HashMap<String, (RowsAmount, RowsAmount)>,
    /// Per currency and whether it is kept: the orders (hashes) of its rows
    /// that have an order id (counted by order, as statuses).
    currency_orders: std::collections::HashMap<(String, bool), std::collections::HashSet<u64>>,
    /// Item lines (see [`LoadReport::item_lines`]).
    item_lines: u64,
    /// Order ids of item lines (by hash), and of lines with the order's
    /// total: an order with item lines only never got its total.
    item_orders: std::collections::HashMap<u64, String>,
    total_orders: std::collections::HashSet<u64>,
    /// Customer ids a spreadsheet shortened, and the first one.
    shortened: (u64, Option<(Where, String)>),
}

impl Tally {
    fn new(limit: Option<u128>) -> Tally {
        Tally {
            rows: Vec::new(),
            missing_customer: 0,
            filtered: 0,
            kept: extras::Kept::default(),
            rejected_count: 0,
            rejected: Vec::new(),
            first_rejected: None,
            abs_sum: 0,
            scale: 0,
            scale_source: None,
            blocks: Vec::new(),
            fatal: None,
            limit,
            statuses: std::collections::HashMap::new(),
            status_orders: std::collections::HashMap::new(),
            currencies: std::collections::HashMap::new(),
            currency_orders: std::collections::HashMap::new(),
            item_lines: 0,
            shortened: (0, None),
            item_orders: std::collections::HashMap::new(),
            total_orders: std::collections::HashSet::new(),
        }
    }

    fn count_rows(&mut self, file: usize, rows: u64) {
        if self.rows.len() <= file {
            self.rows.resize(file + 1, 0);
        }
        self.rows[file] += rows;
    }

    /// Takes a row's outcome: a valid row goes to the sink, a bad one is
    /// counted (or stops the run). False when the run stops.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn take<'r, S: Sink>(
        &mut self,
        result: Result<Parsed<'_>, RowProblem>,
        map: &ColumnMap,
        at: Where,
        file: usize,
        shown: impl FnOnce() -> String,
        fields: impl FnOnce() -> Vec<String>,
        field: &dyn Fn(usize) -> Option<&'r str>,
        sink: &mut S,
        shared: &Shared<'_>,
    ) -> bool {
        match result {
            Ok(Parsed::Row(mut values)) => {
                if let Some(by) = map.extras.by {
                    // The customer in its group: orders, purchases and the
                    // as-of date are then per group.
                    let group = field(by).map(money::trim).unwrap_or("");
                    values.customer = Cow::Owned(extras::grouped(group, &values.customer));
                }
                let amount = values.amount;
                if amount.scale > SCALE {
                    // More decimals than can be added up exactly (a Parquet
                    // DECIMAL(38, 20), say).
                    self.scale = amount.scale;
                    self.scale_source = Some((at, file, shown()));
                    self.stop(at, file, Fatal::Overflow, shared);
                    return false;
                }
                let factor = money::pow10(u32::from(SCALE.saturating_sub(amount.scale)));
                let value = i128::from(amount.mantissa) * factor;
                // An order whose amount is the order's reaches the method
                // once, from the first of its lines with the amount.
                let per_order = map.per_order;
                let order_id = values.order.as_deref().filter(|o| !o.is_empty());
                if let (Some(skip), Some(order)) = (&shared.settings.skip, order_id)
                    && skip.get(&file).is_some_and(|s| {
                        s.contains(ledger::order_key(&values.customer, order).as_str())
                    })
                {
                    // A copy of an order an earlier input holds.
                    return true;
                }
                if !per_order && let (Some(lines), Some(order)) = (&shared.lines, order_id) {
                    lines.line(order, file, at, &values, value);
                }
                if per_order && let Some(order) = order_id {
                    self.total_orders
                        .insert(std::hash::BuildHasher::hash_one(&ORDER_HASH, order));
                    let keep_latest = shared.settings.keep_latest;
                    match shared
                        .ledger
                        .check(order, file, at, &values, value, keep_latest)
                    {
                        ledger::Verdict::First => {}
                        ledger::Verdict::Repeat => return true,
                        ledger::Verdict::Conflict(conflict) => {
                            // Stopped at the later of the two lines, so that
                            // every block up to both is read (their line
                            // numbers depend on it), whichever came first.
                            let (later_file, later) = if conflict.other.1 > at {
                                conflict.other
                            } else {
                                (file, at)
                            };
                            let conflict = ledger::Conflict {
                                current: (file, at),
                                ..conflict
                            };
                            self.stop(later, later_file, Fatal::Conflict(conflict), shared);
                            // The block is read to its end: a line after
                            // this one may be the other line, and its number
                            // needs this block's line count.
                            return true;
                        }
                    }
                }
                let status_sale = values.counts.status;
                if let Some(status) = &values.status {
                    let entry = match self.statuses.get_mut(status.as_ref()) {
                        Some(entry) => entry,
                        None => {
                            self.statuses
                                .entry(status.to_string())
                                .or_insert((0, 0, status_sale))
                        }
                    };
                    entry.1 = entry.1.saturating_add(value);
                    match order_id {
                        // Counted as orders: an order's lines once.
                        Some(order) => {
                            let hash = std::hash::BuildHasher::hash_one(
                                &ORDER_HASH,
                                (values.customer.as_ref(), order),
                            );
                            let orders = match self.status_orders.get_mut(status.as_ref()) {
                                Some(set) => set,
                                None => self.status_orders.entry(status.to_string()).or_default(),
                            };
                            orders.insert(hash);
                        }
                        // A row without an order id is an order of its own.
                        None => entry.0 += 1,
                    }
                }
                if let Some(currency) = values.currency.as_deref().filter(|c| !c.is_empty())
                    && status_sale
                {
                    let key = currency.to_ascii_uppercase();
                    let kept = values.counts.currency;
                    match order_id {
                        Some(order) => {
                            let hash = std::hash::BuildHasher::hash_one(
                                &ORDER_HASH,
                                (values.customer.as_ref(), order),
                            );
                            self.currency_orders
                                .entry((key.clone(), kept))
                                .or_default()
                                .insert(hash);
                        }
                        None => {
                            let entry = self.currencies.entry(key.clone()).or_default();
                            if kept { entry.0.0 += 1 } else { entry.1.0 += 1 }
                        }
                    }
                    let entry = self.currencies.entry(key).or_default();
                    let side = if kept { &mut entry.0 } else { &mut entry.1 };
                    side.1 = side.1.saturating_add(value);
                }
                if !values.counts.sale() {
                    // Not a sale: counted above, and nowhere else.
                    return true;
                }
                if amount.scale > self.scale {
                    self.scale = amount.scale;
                    self.scale_source = Some((at, file, shown()));
                }
                self.abs_sum = self.abs_sum.saturating_add(value.unsigned_abs());
                if self.limit.is_some_and(|limit| self.abs_sum > limit) {
                    self.stop(at, file, Fatal::Overflow, shared);
                    return false;
                }
                if row::looks_shortened(&values.customer) {
                    self.shortened.0 += 1;
                    if self.shortened.1.as_ref().is_none_or(|(w, _)| at < *w) {
                        self.shortened.1 = Some((at, values.customer.to_string()));
                    }
                }
                // Taken once, an order is a row of its own.
                let order = if per_order {
                    None
                } else {
                    values.order.as_deref()
                };
                let position = extras::position(at.seq, at.at);
                if !map.extras.keep.is_empty() {
                    let kept = map.extras.keep.iter().map(|&i| {
                        field(i)
                            .map(|t| money::trim(t).to_owned())
                            .unwrap_or_default()
                    });
                    self.kept.row(&values.customer, position, kept);
                }
                sink.row(&values.customer, order, values.date, amount, position);
                true
            }
            Ok(Parsed::NoCustomer) => {
                self.missing_customer += 1;
                true
            }
            Ok(Parsed::ItemLine) => {
                self.item_lines += 1;
                true
            }
            Ok(Parsed::ItemOf(order)) => {
                self.item_lines += 1;
                let hash = std::hash::BuildHasher::hash_one(&ORDER_HASH, order.as_str());
                self.item_orders.entry(hash).or_insert(order);
                true
            }
            Err(problem) => {
                if !shared.settings.skip_bad_rows {
                    self.stop(at, file, Fatal::Row(problem), shared);
                    return false;
                }
                self.rejected_count += 1;
                let keep = shared.settings.keep_rejected;
                if keep || self.first_rejected.is_none() {
                    let reject = Reject {
                        at,
                        file,
                        reason: problem.to_string(),
                        fields: fields(),
                    };
                    if self.first_rejected.is_none() {
                        self.first_rejected = Some(Reject {
                            reason: reject.reason.clone(),
                            fields: reject.fields.clone(),
                            ..reject
                        });
                    }
                    if keep {
                        self.rejected.push(reject);
                    }
                }
                true
            }
        }
    }

    fn stop(&mut self, at: Where, file: usize, fatal: Fatal, shared: &Shared<'_>) {
        shared.stop.fetch_min(at.seq, Ordering::Relaxed);
        if self.fatal.as_ref().is_none_or(|(w, _, _)| at < *w) {
            self.fatal = Some((at, file, fatal));
        }
    }
}

/// What every worker shares.
struct Shared<'a> {
    settings: &'a LoadSettings,
    /// The orders seen, when amounts are per order.
    ledger: ledger::Ledger,
    /// The orders of line-level inputs per input, when there are several.
    lines: Option<ledger::LineLedger>,

    bar: &'a indicatif::ProgressBar,
    /// The first block with a problem that stops the run (blocks after it
    /// are skipped); `u64::MAX` while there is none.
    stop: AtomicU64,
}

fn read_with<S: Sink>(
    settings: &LoadSettings,
    sinks: Vec<S>,
    on_columns: &mut dyn FnMut(&ColumnMap, Source),
    limit: Option<u128>,
) -> Result<(LoadReport, Vec<S>, Option<Overflow>), InputError> {
    let bar = open::progress_bar(&settings.paths, settings.progress);
    let shared = Shared {
        settings,
        ledger: ledger::Ledger::new(),
        lines: (settings.paths.len() > 1).then(ledger::LineLedger::new),

        bar: &bar,
        stop: AtomicU64::new(u64::MAX),
    };
    // A pipe's writer goes first ([`pipe`]): this thread and the workers
    // started below, until the reading ends.
    let _batch = settings
        .paths
        .iter()
        .any(InputPath::is_pipe)
        .then(pipe::Batch::start);
    let workers = sinks.len().max(1);
    let (work_tx, work_rx) = mpsc::sync_channel::<Work>(2 * workers);
    // Owned by the workers only: if they all stop (a panic), sending fails
    // instead of waiting forever, and the panic is raised at the join.
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (reader, results) = std::thread::scope(|scope| {
        let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
        let handles: Vec<_> = sinks
            .into_iter()
            .map(|sink| {
                let (queue, free, shared) = (Arc::clone(&work_rx), free_tx.clone(), &shared);
                scope.spawn(move || work(sink, &queue, free, shared, limit))
            })
            .collect();
        drop((free_tx, work_rx));
        let mut reader = Reader {
            settings,
            on_columns,
            tx: work_tx,
            free: free_rx,
            shared: &shared,
            seq: 0,
            first: None,
            files: Vec::new(),
            first_lines: Vec::new(),
            digesters: Vec::new(),
            rereads: Vec::new(),
            file_notes: Vec::new(),
        };
        let result = reader.all();
        let Reader {
            files,
            first_lines,
            digesters,
            rereads,
            file_notes,
            first,
            seq,
            tx,
            ..
        } = reader;
        drop(tx);
        let results: Vec<(S, Tally)> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        let read = ReadEnd {
            result: result.map_err(|e| (seq, e)),
            files,
            first_lines,
            digesters,
            rereads,
            file_notes,
            first,
        };
        (read, results)
    });
    // Cleared on errors too, so no stale bar stays above the message.
    bar.finish_and_clear();
    let ledger = shared.ledger.summary();
    let lines = shared
        .lines
        .as_ref()
        .map(|l| l.summary(settings.keep_latest));
    settle(settings, reader, results, ledger, lines)
}

/// What the reading thread ended with.
struct ReadEnd {
    /// Its error, with the block number it would have sent next.
    result: Result<(), (u64, InputError)>,
    files: Vec<String>,
    /// The line each input's data starts on.
    first_lines: Vec<u64>,
    digesters: Vec<Option<Digester>>,
    rereads: Rereads,
    file_notes: Vec<(String, String)>,
    first: Option<(String, Vec<String>, Arc<ColumnMap>)>,
}

/// How orders are told apart in the counts by status (not by the engine).
static ORDER_HASH: foldhash::fast::FixedState = foldhash::fast::FixedState::with_seed(0x05_7a7e);

/// Rows, and the sum of their amounts at 18 decimals.
pub(crate) type RowsAmount = (u64, i128);

/// Values of the first rows of an input, to find how they are written.
#[derive(Debug, Default)]
struct Sample {
    /// The date column's.
    dates: Vec<String>,
    /// The amount column's (or quantity's and price's).
    amounts: Vec<String>,
    /// Every column's, by column (CSV only), for `--where` on dates.
    fields: Vec<Vec<String>>,
}

/// Puts the workers' tallies together: line numbers, the first error, the
/// rejects in input order, the scale and the overflow check.
fn settle<S>(
    settings: &LoadSettings,
    read: ReadEnd,
    results: Vec<(S, Tally)>,
    ledger: ledger::Summary,
    lines: Option<Result<Option<ledger::Overlaps>, ledger::LineConflict>>,
) -> Result<(LoadReport, Vec<S>, Option<Overflow>), InputError> {
    let (sinks, tallies): (Vec<S>, Vec<Tally>) = results.into_iter().unzip();
    let mut blocks: Vec<(u64, usize, u64, u128)> = tallies
        .iter()
        .flat_map(|t| t.blocks.iter().copied())
        .collect();
    blocks.sort_unstable();
    // The line each block starts on.
    let mut next_line = read.first_lines.clone();
    let mut first_line = std::collections::HashMap::with_capacity(blocks.len());
    for &(seq, file, lines, _) in &blocks {
        if let Some(line) = next_line.get_mut(file) {
            first_line.insert(seq, *line);
            *line += lines;
        }
    }
    let position = |w: Where| {
        if w.parquet {
            Position::Row(w.at)
        } else {
            Position::Line(first_line.get(&w.seq).copied().unwrap_or(1) + w.at)
        }
    };
    let name = |file: usize| read.files.get(file).cloned().unwrap_or_default();

    // The first problem in input order stops the run.
    let mut tallies = tallies;
    let fatal = tallies
        .iter_mut()
        .filter_map(|t| t.fatal.take())
        .min_by_key(|(at, _, _)| *at);
    let reader_error = read.result.err();
    let fatal = match (fatal, reader_error) {
        (Some(f), Some((seq, _))) if f.0.seq < seq => Some(f),
        (Some(f), None) => Some(f),
        (_, Some((seq, e))) => Some((
            Where {
                seq,
                at: 0,
                parquet: false,
            },
            0,
            Fatal::Input(e),
        )),
        (None, None) => None,
    };
    let scale_source = tallies
        .iter()
        .filter(|t| t.scale_source.is_some())
        .max_by_key(|t| {
            (
                t.scale,
                std::cmp::Reverse(t.scale_source.as_ref().map(|s| s.0)),
            )
        })
        .and_then(|t| t.scale_source.as_ref())
        .map(|(at, file, shown)| format!("{}:{}: '{shown}'", name(*file), position(*at)));
    let scale = tallies.iter().map(|t| t.scale).max().unwrap_or(0);
    // For the overflow error, found here or by the sums below.
    let amount_column = read
        .first
        .as_ref()
        .map(|(_, _, map)| map.amount_name())
        .unwrap_or_default();
    if let Some((at, file, fatal)) = fatal {
        return Err(match fatal {
            Fatal::Input(e) => e,
            Fatal::Row(problem) => InputError::BadRow {
                file: name(file),
                line: position(at),
                problem,
            },
            Fatal::Overflow => InputError::Overflow {
                file: name(file),
                line: position(at),
                column: amount_column.clone(),
                scale,
                scale_source,
            },
            Fatal::Conflict(c) => {
                // The earlier line first, whichever worker saw which first;
                // the error is at the later one (where the run stopped).
                let (field, mut theirs, mut ours) = c.differs;
                let (mut other_file, mut other_at) = c.other;
                let (mut file, mut at) = c.current;
                if other_at > at {
                    std::mem::swap(&mut theirs, &mut ours);
                    std::mem::swap(&mut other_file, &mut file);
                    std::mem::swap(&mut other_at, &mut at);
                }
                let what = if other_file == file {
                    format!(
                        "has the {field} '{theirs}' on line {} and '{ours}' on line {}: the lines \
                         of one order must agree on the order's values (a total written on \
                         every line is taken once); if the column holds each line's amount, \
                         --amount-per line adds them up",
                        position(other_at),
                        position(at)
                    )
                } else {
                    format!(
                        "is also in {}:{} with another {field} ('{theirs}' there, '{ours}' here): \
                         an order in two inputs must be the same order (overlapping downloads \
                         are counted once); --keep-latest reads each order from the last input \
                         it is in (give the downloads oldest first), or remove the stale copy",
                        name(other_file),
                        position(other_at)
                    )
                };
                InputError::OrderConflict {
                    file: name(file),
                    line: position(at),
                    order: c.order,
                    what,
                }
            }
        });
    }

    let mut report = LoadReport {
        scale,
        file_notes: read.file_notes.clone(),
        ..LoadReport::default()
    };
    if let Some((_, header, map)) = &read.first {
        report.columns = map.describe();
        report.header = header.clone();
        report.status_column = map.status.map(|i| header[i].clone());
        report.currency_column = map.currency.map(|i| header[i].clone());
        report.per_order = map.per_order;
        report.no_amount = map.amount == columns::AmountColumns::Absent;
        report.kept_columns = map.extras.keep.iter().map(|&i| header[i].clone()).collect();
        report.by_column = map.extras.by.map(|i| header[i].clone());
    }
    let mut currencies: std::collections::HashMap<&str, (RowsAmount, RowsAmount)> =
        std::collections::HashMap::new();
    let mut currency_orders: std::collections::HashMap<
        (&str, bool),
        std::collections::HashSet<u64>,
    > = std::collections::HashMap::new();
    for tally in &tallies {
        for (code, &(kept, left)) in &tally.currencies {
            let entry = currencies.entry(code.as_str()).or_default();
            entry.0.0 += kept.0;
            entry.0.1 = entry.0.1.saturating_add(kept.1);
            entry.1.0 += left.0;
            entry.1.1 = entry.1.1.saturating_add(left.1);
        }
        for ((code, kept), set) in &tally.currency_orders {
            currency_orders
                .entry((code.as_str(), *kept))
                .or_default()
                .extend(set);
        }
    }
    for ((code, kept), set) in currency_orders {
        if let Some(entry) = currencies.get_mut(code) {
            let side = if kept { &mut entry.0 } else { &mut entry.1 };
            side.0 += set.len() as u64;
        }
    }
    report.currencies = currencies
        .into_iter()
        .map(|(code, (kept, left))| (code.to_owned(), kept, left))
        .collect();
    report
        .currencies
        .sort_by(|a, b| (b.1.0 + b.2.0).cmp(&(a.1.0 + a.2.0)).then(a.0.cmp(&b.0)));
    let counted: Vec<&(String, RowsAmount, RowsAmount)> =
        report.currencies.iter().filter(|c| c.1.0 > 0).collect();
    if counted.len() > 1 {
        let list: Vec<String> = counted
            .iter()
            .map(|(code, (rows, amount), _)| {
                let mut money = String::new();
                money::write_scaled(*amount, 18, 2, '.', &mut money);
                format!("{code} ({}, {money})", crate::notes::count(*rows, "order"))
            })
            .collect();
        return Err(InputError::Currencies {
            file: read.files.join(", "),
            column: report.currency_column.clone().unwrap_or_default(),
            found: list.join(", "),
            example: counted[0].0.clone(),
        });
    }
    let mut statuses: std::collections::HashMap<&str, (u64, i128, bool)> =
        std::collections::HashMap::new();
    let mut orders: std::collections::HashMap<&str, std::collections::HashSet<u64>> =
        std::collections::HashMap::new();
    for tally in &tallies {
        for (status, &(lone, amount, sale)) in &tally.statuses {
            let entry = statuses.entry(status.as_str()).or_insert((0, 0, sale));
            entry.0 += lone;
            entry.1 = entry.1.saturating_add(amount);
        }
        for (status, set) in &tally.status_orders {
            orders.entry(status.as_str()).or_default().extend(set);
        }
    }
    for (status, set) in orders {
        if let Some(entry) = statuses.get_mut(status) {
            entry.0 += set.len() as u64;
        }
    }
    report.statuses = statuses
        .into_iter()
        .map(|(status, (rows, amount, sale))| (status.to_owned(), rows, amount, sale))
        .collect();
    report
        .statuses
        .sort_by(|a, b| b.3.cmp(&a.3).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
    for (i, file) in read.files.iter().enumerate() {
        let rows = tallies
            .iter()
            .map(|t| t.rows.get(i).copied().unwrap_or(0))
            .sum();
        report.files.push((file.clone(), rows));
    }
    let to_rejected = |r: Reject| Rejected {
        file: name(r.file),
        line: position(r.at),
        reason: r.reason,
        fields: r.fields,
    };
    let mut rejected = Vec::new();
    let mut first_rejected: Option<Reject> = None;
    let mut abs_sum = 0u128;
    match lines {
        Some(Err(c)) => {
            let [(first_file, first_at, first_lines), (file, at, lines)] = c.copies;
            return Err(InputError::OrderConflict {
                file: name(file),
                line: position(at),
                order: c.order,
                what: format!(
                    "is also in {}:{} with other lines ({}): an order in two inputs must be \
                     the same order (overlapping downloads are counted once); --keep-latest \
                     reads each order from the last input it is in (give the downloads oldest \
                     first), or remove the stale copy",
                    name(first_file),
                    position(first_at),
                    if first_lines == lines {
                        format!(
                            "as many, {}, with other values",
                            crate::notes::count(lines, "line")
                        )
                    } else {
                        format!(
                            "{} there, {} here",
                            crate::notes::count(first_lines, "line"),
                            crate::notes::count(lines, "line")
                        )
                    },
                ),
            });
        }
        Some(Ok(Some(overlaps))) => {
            report.read_again_without = Some(overlaps.skip);
            report.overlaps = overlaps
                .same
                .into_iter()
                .map(|((file, earlier), n)| (name(file), n, name(earlier)))
                .collect();
            let count: u64 = overlaps.changed.iter().map(|(_, n)| n).sum();
            if let Some(((file, later), _)) = overlaps.changed.first() {
                report.changed = Some((count, format!("{} and {}", name(*file), name(*later))));
            }
        }
        Some(Ok(None)) | None => {}
    }
    report.item_lines = tallies.iter().map(|t| t.item_lines).sum();
    {
        let with_total: std::collections::HashSet<u64> = tallies
            .iter()
            .flat_map(|t| t.total_orders.iter().copied())
            .collect();
        let mut without: Vec<&String> = tallies
            .iter()
            .flat_map(|t| t.item_orders.iter())
            .filter(|(h, _)| !with_total.contains(h))
            .map(|(_, order)| order)
            .collect();
        without.sort_unstable();
        without.dedup();
        report.orders_without_total = without.len() as u64;
        report.order_without_total = without.first().map(|o| (*o).clone());
    }
    report.shortened_ids = tallies.iter().map(|t| t.shortened.0).sum();
    report.shortened_example = tallies
        .iter()
        .filter_map(|t| t.shortened.1.as_ref())
        .min_by_key(|(w, _)| *w)
        .map(|(_, id)| id.clone());
    report.repeated_lines = ledger.repeated_lines;
    report.overlaps.extend(
        ledger
            .overlaps
            .into_iter()
            .map(|((file, earlier), n)| (name(file), n, name(earlier))),
    );
    if ledger.changed_count > 0 {
        // Read again: each changed order from the last input it is in.
        let skip = report
            .read_again_without
            .get_or_insert_with(|| Arc::new(ledger::Skip::new()));
        let skip = Arc::make_mut(skip);
        for (file, keys) in ledger.changed {
            skip.entry(file).or_default().extend(keys);
        }
        if let Some((order, files)) = ledger.changed_example {
            let inputs: Vec<String> = files.iter().map(|&f| name(f)).collect();
            report.changed = Some((
                ledger.changed_count,
                format!(
                    "order '{}' in {}",
                    crate::error::shown(&order),
                    inputs.join(", ")
                ),
            ));
        }
    }
    let mut kept = extras::KeptByWorker::default();
    for (worker, t) in tallies.iter_mut().enumerate() {
        kept.reader_of
            .extend(t.blocks.iter().map(|&(seq, ..)| (seq, worker)));
        kept.workers.push(std::mem::take(&mut t.kept));
    }
    report.kept = Arc::new(kept);
    for t in tallies {
        report.missing_customer += t.missing_customer;
        report.filtered += t.filtered;
        report.rejected_count += t.rejected_count;
        abs_sum = abs_sum.saturating_add(t.abs_sum);
        rejected.extend(t.rejected);
        if let Some(r) = t.first_rejected {
            if first_rejected.as_ref().is_none_or(|f| r.at < f.at) {
                first_rejected = Some(r);
            }
        }
    }
    rejected.sort_by_key(|r| r.at);
    report.rejected = rejected.into_iter().map(to_rejected).collect();
    report.first_rejected = first_rejected.map(to_rejected);
    report.check_rows()?;
    report.rereads = read.rereads;
    if settings.digest {
        for digester in read.digesters {
            let digest = match digester {
                Some(d) => Some(d.finish().map_err(|source| {
                    InputError::Read {
                        file: report
                            .files
                            .get(report.digests.len())
                            .map(|f| f.0.clone())
                            .unwrap_or_default(),
                        source,
                    }
                })?),
                None => None,
            };
            report.digests.push(digest);
        }
    }

    // Every sum of amounts fits an i64 at the input's scale while the sum of
    // their absolute values does.
    let limit =
        (i64::MAX as u128).saturating_mul(10u128.pow(u32::from(SCALE.saturating_sub(scale))));
    let mut overflow = None;
    if abs_sum > limit {
        let mut sum = 0u128;
        let crossing = blocks.iter().find(|b| {
            sum = sum.saturating_add(b.3);
            sum > limit
        });
        let (seq, file) = crossing.map_or((0, 0), |b| (b.0, b.1));
        let at = Where {
            seq,
            at: 0,
            parquet: false,
        };
        overflow = Some(Overflow {
            limit,
            error: InputError::Overflow {
                file: name(file),
                line: position(at),
                column: amount_column.clone(),
                scale,
                scale_source,
            },
        });
    }
    Ok((report, sinks, overflow))
}

/// A worker: validates the rows of the blocks it takes and feeds its sink.
fn work<S: Sink>(
    mut sink: S,
    queue: &Mutex<Receiver<Work>>,
    free: Sender<Vec<u8>>,
    shared: &Shared<'_>,
    limit: Option<u128>,
) -> (S, Tally) {
    let mut tally = Tally::new(limit);
    let mut records = Records::new(b',');
    loop {
        // The lock is held only while waiting for the next block.
        let next = match queue.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => break,
        };
        let Ok(block) = next else { break };
        if block.seq() > shared.stop.load(Ordering::Relaxed) {
            if let Work::Csv { bytes, .. } = block {
                let _ = free.send(bytes);
            }
            continue;
        }
        sink.begin_block();
        let before = tally.abs_sum;
        let (seq, file, lines) = match &block {
            Work::Csv {
                seq,
                file,
                bytes,
                len,
                delimiter,
                map,
            } => {
                if records.delimiter() != *delimiter {
                    records = Records::new(*delimiter);
                }
                let lines = csv_block(
                    *seq,
                    *file,
                    &bytes[..*len],
                    map,
                    &mut records,
                    &mut sink,
                    &mut tally,
                    shared,
                );
                (*seq, *file, lines)
            }
            Work::Parquet {
                seq,
                file,
                parquet,
                group,
                map,
            } => {
                parquet_block(
                    *seq, *file, parquet, group, map, &mut sink, &mut tally, shared,
                );
                (*seq, *file, 0)
            }
        };
        sink.end_block();
        tally
            .blocks
            .push((seq, file, lines, tally.abs_sum.saturating_sub(before)));
        if let Work::Csv { bytes, .. } = block {
            let _ = free.send(bytes);
        }
    }
    sink.finish();
    (sink, tally)
}

/// Validates a CSV block's records. Returns its line breaks.
///
/// A block that is valid UTF-8 as a whole (the usual case) is checked once,
/// not field by field; otherwise only the fields rfm reads are checked.
#[allow(clippy::too_many_arguments)]
fn csv_block<S: Sink>(
    seq: u64,
    file: usize,
    bytes: &[u8],
    map: &ColumnMap,
    records: &mut Records,
    sink: &mut S,
    tally: &mut Tally,
    shared: &Shared<'_>,
) -> u64 {
    let valid = std::str::from_utf8(bytes).ok();
    let mut rows = 0;
    let lines = records.each(bytes, |record: &Record<'_>, line| {
        rows += 1;
        let text = |i: usize| -> Option<&str> {
            match (record.in_block, valid) {
                // Cutting valid UTF-8 at ASCII bytes leaves valid UTF-8.
                (true, Some(all)) => {
                    let (start, end) = record.fields[i];
                    all.get(start..end)
                }
                _ => std::str::from_utf8(record.field(i)).ok(),
            }
        };
        let field = |i: usize| {
            if i < record.fields.len() {
                text(i)
            } else {
                None
            }
        };
        if record.unclosed.is_none() && !map.extras.admits(&field) {
            tally.filtered += 1;
            return true;
        }
        let (result, line) = match record.unclosed {
            // Named where the quote opened, whatever the column.
            Some(unclosed) => {
                let column = map
                    .header
                    .get(unclosed.field)
                    .cloned()
                    .unwrap_or_else(|| format!("#{}", unclosed.field + 1));
                let problem = RowProblem::UnclosedQuote {
                    column,
                    lines: unclosed.lines,
                };
                (Err(problem), line + unclosed.line)
            }
            None => (row::row_values(text, record.fields.len(), map), line),
        };
        let at = Where {
            seq,
            at: line,
            parquet: false,
        };
        tally.take(
            result,
            map,
            at,
            file,
            || row::amount_text(&|i| record.field(i), map),
            || record.texts(),
            &field,
            sink,
            shared,
        )
    });
    tally.count_rows(file, rows);
    lines
}

/// Validates a Parquet row group's rows.
#[allow(clippy::too_many_arguments)]
fn parquet_block<S: Sink>(
    seq: u64,
    file: usize,
    parquet: &ParquetFile,
    group: &Group,
    map: &ColumnMap,
    sink: &mut S,
    tally: &mut Tally,
    shared: &Shared<'_>,
) {
    let width = map.header.len();
    let result = parquet.for_each_row(group, map, &mut |row, at| {
        tally.count_rows(file, 1);
        let Position::Row(number) = at else {
            return false;
        };
        let at = Where {
            seq,
            at: number,
            parquet: true,
        };
        let field = |i: usize| row.extra(i);
        if !map.extras.admits(&field) {
            tally.filtered += 1;
            return true;
        }
        tally.take(
            row.values(),
            map,
            at,
            file,
            || row.amount_text(),
            || row.fields(width),
            &field,
            sink,
            shared,
        )
    });
    shared.bar.inc(group.compressed);
    if let Err(e) = result {
        let at = Where {
            seq,
            at: 0,
            parquet: true,
        };
        tally.stop(at, file, Fatal::Input(e), shared);
    }
}

/// The reading thread: opens each input, resolves its header and sends its
/// blocks.
struct Reader<'a, 's> {
    settings: &'a LoadSettings,
    on_columns: &'a mut dyn FnMut(&ColumnMap, Source),
    tx: SyncSender<Work>,
    /// Buffers the workers are done with.
    free: Receiver<Vec<u8>>,
    shared: &'a Shared<'s>,
    /// The next block's number.
    seq: u64,
    /// The first file, its header and the columns resolved from it.
    first: Option<(String, Vec<String>, Arc<ColumnMap>)>,
    files: Vec<String>,
    first_lines: Vec<u64>,
    digesters: Vec<Option<Digester>>,
    rereads: Rereads,
    file_notes: Vec<(String, String)>,
}

impl Reader<'_, '_> {
    fn all(&mut self) -> Result<(), InputError> {
        for path in &self.settings.paths {
            let opened = open::open(
                path,
                self.shared.bar,
                self.settings.digest,
                self.settings.keep_rereadable,
            )?;
            let file = opened.name;
            let index = self.files.len();
            self.files.push(file.clone());
            self.first_lines.push(1);
            match opened.content {
                Content::Text(reader) => self.csv(index, &file, reader)?,
                Content::Parquet(source) => self.parquet(index, &file, source)?,
            }
            self.digesters.push(opened.digester);
            self.rereads.push(
                opened
                    .rereading
                    .map(|rereading| rereading.and_then(open::Rereading::finish)),
            );
            if self.stopped() {
                break;
            }
        }
        Ok(())
    }

    fn stopped(&self) -> bool {
        self.shared.stop.load(Ordering::Relaxed) != u64::MAX
    }

    /// Sends a block; false when the workers are gone.
    fn send(&mut self, work: impl FnOnce(u64) -> Work) -> bool {
        let seq = self.seq;
        self.seq += 1;
        self.tx.send(work(seq)).is_ok()
    }

    /// Resolves the columns from the first input's header; later inputs
    /// must have the same header.
    fn columns(
        &mut self,
        file: &str,
        header: Vec<String>,
        source: Source,
        sample: impl FnOnce(&ColumnMap) -> Sample,
    ) -> Result<Arc<ColumnMap>, InputError> {
        match &self.first {
            None => {
                let mut map = ColumnMap::resolve(&header, &self.settings.columns, file)?;
                let sample = sample(&map);
                let source_delimiter = match source {
                    Source::Csv { delimiter } => Some(delimiter),
                    Source::Parquet => None,
                };
                map.decimal = match self.settings.decimal {
                    Some(forced) => forced,
                    None => {
                        let found =
                            money::sniff_separator(sample.amounts.iter().map(String::as_str));
                        let (separator, note) = match found {
                            money::SeparatorFound::Decided(DecimalSeparator::Comma) => (
                                DecimalSeparator::Comma,
                                Some("amounts read with a decimal comma (1.234,56), as the first rows write them".to_owned()),
                            ),
                            money::SeparatorFound::Decided(sep) => (sep, None),
                            // `1.250` alone: 1250 in a `;` file (European
                            // spreadsheets), 1.25 elsewhere; said either way.
                            money::SeparatorFound::Either(example) if source_delimiter == Some(b';') => (
                                DecimalSeparator::Comma,
                                Some(format!("amounts such as '{example}' read either way: as thousands with a decimal comma, as ';' files write them; --decimal-point for the other")),
                            ),
                            money::SeparatorFound::Either(example) => (
                                DecimalSeparator::Point,
                                Some(format!("amounts such as '{example}' read either way: with a decimal point; --decimal-comma for the other")),
                            ),
                            money::SeparatorFound::Nothing => (DecimalSeparator::Point, None),
                        };
                        if let Some(note) = note {
                            self.file_notes.push((file.to_owned(), note));
                        }
                        separator
                    }
                };
                map.date_format = match &self.settings.date_format {
                    Some(forced) => forced.clone(),
                    None => {
                        let found =
                            dates::sniff(sample.dates.iter().map(String::as_str)).map_err(|e| {
                                InputError::DateLayout {
                                    file: file.to_owned(),
                                    column: map.header[map.date].clone(),
                                    why: e.to_string(),
                                }
                            })?;
                        let layout = match &found {
                            DateFormat::Numeric(layout) => Some(format!("as {}", layout.pattern())),
                            DateFormat::Named => Some("with month names".to_owned()),
                            DateFormat::Iso | DateFormat::Strftime(_) => None,
                        };
                        if let Some(layout) = layout {
                            self.file_notes.push((
                                file.to_owned(),
                                format!(
                                    "dates read {layout} (the layout of every date in the first rows; --date-format to choose another)"
                                ),
                            ));
                        }
                        found
                    }
                };
                let date_format = |i: usize| {
                    if i == map.date {
                        return map.date_format.clone();
                    }
                    let values = sample.fields.get(i).map(Vec::as_slice).unwrap_or_default();
                    dates::sniff(values.iter().map(String::as_str)).unwrap_or_default()
                };
                map.extras = extras::Extras::resolve(
                    &self.settings.extras,
                    &header,
                    map.decimal,
                    &date_format,
                    file,
                )?;
                // Printed with the bar hidden, so no stale bar line stays above it.
                let on_columns = &mut self.on_columns;
                self.shared.bar.suspend(|| on_columns(&map, source));
                let map = Arc::new(map);
                self.first = Some((file.to_owned(), header, Arc::clone(&map)));
                Ok(map)
            }
            Some((first_file, first_header, map)) => {
                if &header != first_header {
                    return Err(InputError::HeaderMismatch {
                        file: file.to_owned(),
                        first_file: first_file.clone(),
                        found: columns::header_list(&header),
                        expected: columns::header_list(first_header),
                    });
                }
                Ok(Arc::clone(map))
            }
        }
    }

    fn csv(
        &mut self,
        index: usize,
        file: &str,
        reader: Box<dyn Read + Send>,
    ) -> Result<(), InputError> {
        let read_err = |source| InputError::Read {
            file: file.to_owned(),
            source,
        };
        let (head, reader) = open::head_and_rest(reader, 64 * 1024).map_err(read_err)?;
        let decoding = encoding::detect(&head, self.settings.encoding, file)?;
        let (head, reader) = match decoding {
            encoding::Decoding::Utf8 => (head, reader),
            _ => open::head_and_rest(encoding::decoded(reader, decoding), 64 * 1024)
                .map_err(read_err)?,
        };
        if let Some(note) = decoding.note() {
            self.file_notes.push((file.to_owned(), note));
        }
        // A UTF-8 byte order mark is not data: gone before anything looks
        // at the first line (a header, or data when there is none).
        let (head, reader) = if head.starts_with(b"\xef\xbb\xbf") {
            let mut reader = reader;
            let mut mark = [0u8; 3];
            reader.read_exact(&mut mark).map_err(read_err)?;
            open::head_and_rest(reader, 64 * 1024).map_err(read_err)?
        } else {
            (head, reader)
        };
        let empty = || InputError::Empty {
            file: file.to_owned(),
        };
        if head.iter().all(|b| b.is_ascii_whitespace()) || head == b"\xef\xbb\xbf" {
            return Err(empty());
        }
        let mut delimiter = self
            .settings
            .delimiter
            .unwrap_or_else(|| open::sniff_delimiter(&head));
        // Columns aligned with spaces: `--delimiter ' '`, or no delimiter
        // found and the lines split alike at runs of spaces.
        let aligned = delimiter == b' '
            || (self.settings.delimiter.is_none()
                && open::no_delimiter(&head)
                && aligned::looks_aligned(&head));
        let (head, mut reader) = if aligned {
            delimiter = b'\t';
            open::head_and_rest(Box::new(aligned::Aligned::new(reader)), 64 * 1024)
                .map_err(read_err)?
        } else {
            (head, reader)
        };
        let Some((record, end)) = header_record(&head, delimiter) else {
            return Err(empty());
        };
        // A header that takes every line read opened a quote it never closed.
        if end == head.len() && record.iter().any(|f| f.contains(&b'\n')) {
            return Err(InputError::HeaderQuote {
                file: file.to_owned(),
            });
        }
        let mut header = decode_header(&record, file)?;
        // A first line without a letter is data, not names (the CDNOW file
        // has no header): the columns are numbered.
        let mut end = end;
        if header.len() > 1 && header.iter().all(|h| !h.chars().any(char::is_alphabetic)) {
            header = (1..=header.len()).map(|i| format!("column{i}")).collect();
            end = 0;
            self.file_notes.push((
                file.to_owned(),
                format!(
                    "the first line holds no column names: it is read as data, and the columns are \
                     named column1 to column{} (--customer column1 --date column2 ...)",
                    header.len()
                ),
            ));
        }
        let body = &head[end..];
        // Every column's first values only when `--where` may compare one
        // with dates.
        let every_column = self.settings.extras.filter.is_some();
        let sample = |map: &ColumnMap| -> Sample {
            // The whole records of the first bytes read.
            let mut sample = Sample::default();
            // A head shorter than what was asked for is the whole input.
            let whole = head.len() < 64 * 1024;
            let Some(cut) = records::record_end(body, delimiter, whole) else {
                return sample;
            };
            let amounts: Vec<usize> = match map.amount {
                columns::AmountColumns::Amount(a) => vec![a],
                columns::AmountColumns::QuantityPrice { quantity, price } => vec![quantity, price],
                columns::AmountColumns::Absent => Vec::new(),
            };
            Records::new(delimiter).each(&body[..cut], |record, _| {
                let text = |i: usize| {
                    (i < record.fields.len())
                        .then(|| std::str::from_utf8(record.field(i)).ok())
                        .flatten()
                        .map(str::to_owned)
                };
                sample.dates.extend(text(map.date));
                if every_column && sample.fields.len() < record.fields.len() {
                    sample.fields.resize(record.fields.len(), Vec::new());
                }
                for (i, values) in sample.fields.iter_mut().enumerate() {
                    values.extend(text(i));
                }
                sample
                    .amounts
                    .extend(amounts.iter().filter_map(|&i| text(i)));
                true
            });
            sample
        };
        let shown = if aligned { b' ' } else { delimiter };
        let map = self.columns(file, header, Source::Csv { delimiter: shown }, sample)?;
        self.first_lines[index] = 1 + line_breaks(&head[..end]);
        std::io::copy(&mut (&mut reader).take(end as u64), &mut std::io::sink())
            .map_err(read_err)?;
        self.blocks(index, reader, delimiter, &map)
            .map_err(read_err)
    }

    /// Cuts a CSV body into blocks of whole records and sends them.
    fn blocks(
        &mut self,
        index: usize,
        mut reader: Box<dyn Read + Send>,
        delimiter: u8,
        map: &Arc<ColumnMap>,
    ) -> std::io::Result<()> {
        let block_bytes = self.settings.block_bytes.max(1);
        let mut carry: Vec<u8> = Vec::new();
        loop {
            if self.stopped() {
                return Ok(());
            }
            // A buffer back from the workers is written memory as a whole
            // (`bytes.len()`), so reading into it needs no zeroing first.
            // `read_to_end` zeroed each block's spare room before reading
            // into it (std does for a reader without `read_buf`, such as the
            // progress bar's): a memset of the whole input, 2.9-5.5 % of the
            // samples on Online Retail x18.
            let mut bytes = self.free.try_recv().unwrap_or_default();
            let mut len = carry.len();
            if bytes.len() < len {
                bytes.resize(len, 0);
            }
            bytes[..len].copy_from_slice(&carry);
            carry.clear();
            let mut eof = false;
            let cut = loop {
                if len >= block_bytes || eof {
                    if let Some(end) = records::record_end(&bytes[..len], delimiter, eof) {
                        break end;
                    }
                    if eof {
                        break 0;
                    }
                }
                // Up to the block size; past it (a record longer than what
                // was read), as much again, so long records cost linear time.
                let want = match block_bytes.checked_sub(len) {
                    Some(rest) if rest > 0 => rest,
                    _ => len.max(64 * 1024),
                };
                if bytes.len() < len + want {
                    bytes.resize(len + want, 0);
                }
                let (n, error) = fill(&mut *reader, &mut bytes[len..len + want]);
                len += n;
                if let Some(e) = error {
                    // The whole records before a broken stream are read
                    // first: a bad row among them is the earlier error.
                    if let Some(end) = records::record_end(&bytes[..len], delimiter, false) {
                        let map = Arc::clone(map);
                        self.send(|seq| Work::Csv {
                            seq,
                            file: index,
                            bytes,
                            len: end,
                            delimiter,
                            map,
                        });
                    }
                    return Err(e);
                }
                eof = n == 0;
            };
            carry.extend_from_slice(&bytes[cut..len]);
            if cut > 0 {
                let map = Arc::clone(map);
                let sent = self.send(|seq| Work::Csv {
                    seq,
                    file: index,
                    bytes,
                    len: cut,
                    delimiter,
                    map,
                });
                if !sent {
                    return Ok(());
                }
            }
            if eof {
                return Ok(());
            }
        }
    }

    fn parquet(
        &mut self,
        index: usize,
        file: &str,
        source: ParquetSource,
    ) -> Result<(), InputError> {
        let parquet = ParquetFile::open(file, source)?;
        let header = parquet.columns().to_vec();
        // Typed dates need no layout; text dates and amounts are sampled
        // from the first rows, as in CSV.
        let map = self.columns(file, header, Source::Parquet, |map| parquet.sample(map))?;
        parquet.check_roles(&map)?;
        let parquet = Arc::new(parquet);
        for group in parquet.groups() {
            if self.stopped() {
                break;
            }
            let (parquet, map) = (Arc::clone(&parquet), Arc::clone(&map));
            let sent = self.send(|seq| Work::Parquet {
                seq,
                file: index,
                parquet,
                group,
                map,
            });
            if !sent {
                break;
            }
        }
        Ok(())
    }
}

/// Line breaks in `bytes`: `\n`, `\r\n` and lone `\r` count one each.
fn line_breaks(bytes: &[u8]) -> u64 {
    let lf = memchr::memchr_iter(b'\n', bytes).count();
    let lone_cr = memchr::memchr_iter(b'\r', bytes)
        .filter(|&i| bytes.get(i + 1) != Some(&b'\n'))
        .count();
    (lf + lone_cr) as u64
}

/// The header record at the start of `head` and where the data after it
/// starts; `None` when `head` holds no record.
fn header_record(head: &[u8], delimiter: u8) -> Option<(csv::ByteRecord, usize)> {
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(head);
    let mut record = csv::ByteRecord::new();
    if !csv.read_byte_record(&mut record).ok()? {
        return None;
    }
    // The reader stops after the record's terminator: `\n`, or the `\r` of
    // a `\r\n`.
    let end = usize::try_from(csv.position().byte()).ok()?.min(head.len());
    match (end.checked_sub(1).map(|i| head[i]), head.get(end)) {
        (Some(b'\r'), Some(b'\n')) => Some((record, end + 1)),
        _ => Some((record, end)),
    }
}

fn decode_header(record: &csv::ByteRecord, file: &str) -> Result<Vec<String>, InputError> {
    record
        .iter()
        .enumerate()
        .map(|(i, field)| {
            std::str::from_utf8(field)
                .map(|s| s.trim().to_owned())
                .map_err(|_| InputError::HeaderNotUtf8 {
                    file: file.to_owned(),
                    column: i + 1,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that gives its bytes a few at a time, is interrupted now
    /// and then, and fails (or ends) after them, as pipes and broken
    /// streams do.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        calls: usize,
        fail: bool,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.calls += 1;
            if self.calls.is_multiple_of(3) {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            if self.at == self.data.len() {
                return match self.fail {
                    true => Err(std::io::Error::other("broken")),
                    false => Ok(0),
                };
            }
            let n = buf
                .len()
                .min(self.calls % 5 + 1)
                .min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn fill_reads_until_full_or_the_end_and_keeps_what_came_before_an_error() {
        let data: Vec<u8> = (0..100u8).collect();
        for fail in [false, true] {
            let mut reader = Trickle {
                data: data.clone(),
                at: 0,
                calls: 0,
                fail,
            };
            // Whole buffers while the data lasts, each filled from where
            // the one before stopped.
            let mut buf = [0xAAu8; 30];
            for part in data.chunks(30).take(3) {
                let (n, error) = fill(&mut reader, &mut buf);
                assert_eq!((n, error.is_none()), (30, true));
                assert_eq!(&buf[..], part);
            }
            // The last 10 bytes, then the end or the error.
            let mut buf = [0xAAu8; 30];
            let (n, error) = fill(&mut reader, &mut buf);
            assert_eq!(n, 10);
            assert_eq!(&buf[..10], &data[90..]);
            assert_eq!(&buf[10..], &[0xAA; 20], "past what was read, untouched");
            assert_eq!(error.is_some(), fail);
            let (n, error) = fill(&mut reader, &mut buf);
            assert_eq!((n, error.is_some()), (0, fail));
        }
        // An empty buffer reads nothing.
        let mut reader = Trickle {
            data,
            at: 0,
            calls: 0,
            fail: false,
        };
        assert_eq!(fill(&mut reader, &mut []).0, 0);
        assert_eq!(reader.calls, 0);
    }

    #[test]
    fn header_record_ends_after_its_line() {
        let cases: [(&[u8], usize, u64); 7] = [
            (b"a,b\n1,2\n", 4, 1),
            (b"a,b\r\n1,2\r\n", 5, 1),
            (b"\xef\xbb\xbfa,b\n1,2\n", 7, 1),
            (b"\"a\",\"b,c\"\n1,2\n", 10, 1),
            (b"a,b\n", 4, 1),
            (b"\"a\nb\",c\n1,2\n", 8, 2),
            (b"\na,b\n1,2\n", 5, 2),
        ];
        for (head, end, breaks) in cases {
            let Some((record, got)) = header_record(head, b',') else {
                panic!("{:?}", String::from_utf8_lossy(head))
            };
            assert_eq!(got, end, "{:?}", String::from_utf8_lossy(head));
            assert_eq!(line_breaks(&head[..got]), breaks);
            assert!(record.len() == 2, "{record:?}");
        }
        // A header without a line end is the whole input.
        assert_eq!(header_record(b"a,b", b',').map(|r| r.1), Some(3));
    }
}
