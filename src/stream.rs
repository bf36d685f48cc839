//! The streaming aggregation: one pass over the rows into per-customer state.
//!
//! Why a second path next to the polars one (`load` + `aggregate`): that path
//! keeps every order line in memory (20 bytes a row, plus dictionaries) and
//! groups twice, so its memory grows with the rows. Here each valid row is
//! folded straight into the state of its customer (24 bytes a customer), so
//! memory grows with the customers, plus 8 bytes per order for the check
//! below.
//!
//! Orders are formed from *runs*: rows with the same customer and order id
//! that arrive close together. That is how order-line exports are written (an
//! invoice's lines together, at most interleaved with a few concurrent
//! invoices), and it lets a window of the [`OPEN_ORDERS`] most recently seen
//! orders replace a table of all orders. It is verified, not assumed: every
//! closed run leaves a 64-bit fingerprint of
//! (customer, order id), and if any fingerprint occurs twice (an order whose
//! lines are scattered, or a hash collision), the result is discarded and the
//! caller runs the exact polars path instead. Either way the output is the
//! one docs/method.md defines; `tests/engines.rs` holds the two paths to
//! identical output.
//!
//! The window (`--since`/`--until`), the as-of cut and purchases are applied
//! when an order is closed, exactly as `aggregate` applies them to grouped
//! orders. Closed orders reach the customer table through radix-partitioned
//! buffers (see [`PARTITIONS`]): with a million customers the table is far
//! larger than the CPU caches, and applying orders partition by partition
//! turned a cache miss per order into mostly hits. Pure apart from the
//! reading done by `load::read_rows`.

use crate::aggregate::{self, Aggregate, CustomerMetrics, Params, Returns, Stats};
use crate::analysis::CustomerId;
use crate::columns::ColumnMap;
use crate::dates::Day;
use crate::error::InputError;
use crate::load::{self, LoadReport, LoadSettings, Row, RowSink, TooMany};
use foldhash::fast::FixedState;
use hashbrown::HashTable;
use std::hash::BuildHasher;
use std::ops::Range;
use std::sync::mpsc::Sender;

/// What the streaming pass produced.
pub enum Outcome {
    /// The metrics as `aggregate::aggregate` computes them (or its error,
    /// e.g. no purchase), with customer ids by customer code.
    Done(Result<(Aggregate, Vec<CustomerId>), InputError>),
    /// Some order's rows are not contiguous: use the polars path.
    NotContiguous,
}

/// Reads the inputs once and aggregates them per customer. Reading errors
/// are returned at once; errors of the result come inside the outcome, so the
/// caller can first deal with what the reader saw (rejects, notes).
pub fn stream(
    settings: &LoadSettings,
    params: &Params,
    on_columns: &mut dyn FnMut(&ColumnMap, load::Source),
) -> Result<(Outcome, LoadReport), InputError> {
    let (report, sink) = load::read_rows_pipelined(settings, on_columns, StreamSink::new(*params))?;
    let outcome = sink
        .finish()
        .map_err(|Full| InputError::TooMany { what: "customers" })?;
    Ok((outcome, report))
}

/// The customer table is full (more than `u32::MAX` customers).
#[derive(Debug, Clone, Copy)]
struct Full;

impl From<Full> for TooMany {
    fn from(_: Full) -> TooMany {
        TooMany("customers")
    }
}

/// Per-customer state: 24 bytes.
#[derive(Debug, Clone, Copy)]
struct Customer {
    monetary: i64,
    first: Day,
    last: Day,
    frequency: u32,
    /// Has at least one order inside the window / before the as-of date.
    in_scope: bool,
}

impl Customer {
    const NEW: Customer = Customer {
        monetary: 0,
        first: Day::MAX,
        last: Day::MIN,
        frequency: 0,
        in_scope: false,
    };
}

/// How many orders stay open at once. An order whose rows are further apart
/// than this many other orders is detected and handed to the polars path.
pub const OPEN_ORDERS: usize = 16;

/// Ids up to this length are stored inside the hash-table entry, so a lookup
/// touches one cache line; longer ones live in an arena.
const INLINE: usize = 22;

/// A customer id: inline when short.
#[derive(Clone, Copy)]
struct Key {
    len: u8,
    /// The id (`len <= INLINE`), or its arena offset in the first 8 bytes.
    bytes: [u8; INLINE],
    /// Arena length for long ids.
    long_len: u32,
}

/// A hash-table entry: the customer's id and state together (52 bytes).
#[derive(Clone, Copy)]
struct Entry {
    key: Key,
    state: Customer,
}

/// An order being read: customer and order id as written, date, total.
#[derive(Debug, Default)]
struct Open {
    /// Hash of (customer, order id): compared before the bytes, and left as
    /// the order's fingerprint when it closes.
    hash: u64,
    customer: Vec<u8>,
    id: Vec<u8>,
    date: Day,
    total: i64,
    /// When it was last used (for closing the least recently used).
    used: u64,
    /// Opened among the first [`OPEN_ORDERS`] orders of a block: it may
    /// continue an order of the block before (see [`StreamSink::begin_block`]).
    head: bool,
}

/// Closed orders wait in one of [`PARTITIONS`] buffers, chosen by the
/// customer hash, and are applied a buffer at a time to that partition's
/// table. Each table holds 1/256 of the customers, so applying a buffer stays
/// in cache instead of missing it on every order.
const PARTITIONS: usize = 256;
/// Orders buffered per partition before they are applied.
const BUFFERED: usize = 256;

/// A closed, in-scope order waiting for its partition.
#[derive(Clone, Copy)]
pub struct Pending {
    hash: u64,
    total: i64,
    date: Day,
    len: u8,
    id: [u8; INLINE],
}

/// A closed, in-scope order of a customer with a long id (more than
/// [`INLINE`] bytes), on its way to the worker that owns its partition.
pub struct LongOrder {
    hash: u64,
    id: Box<[u8]>,
    date: Day,
    total: i64,
}

/// Closed orders for the partitions another worker owns.
#[derive(Default)]
pub struct Mail {
    orders: Vec<Pending>,
    long: Vec<LongOrder>,
}

/// Part of an order cut by a block boundary: its rows in one block. Parts
/// are put together by (customer, order id) once every block is read.
pub struct Fragment {
    hash: u64,
    customer: Box<[u8]>,
    id: Box<[u8]>,
    date: Day,
    total: i64,
}

/// Where a worker sends the orders of partitions it does not own.
struct Postbox {
    /// One sender per worker (`None` for this one), dropped when done.
    senders: Vec<Option<Sender<Mail>>>,
    /// Long-id orders waiting per worker.
    long: Vec<Vec<LongOrder>>,
}

impl Postbox {
    fn send(&mut self, to: usize, mail: Mail) {
        if let Some(Some(tx)) = self.senders.get(to) {
            // A closed mailbox means that worker failed: the run is
            // discarded then, so the orders are not needed.
            let _ = tx.send(mail);
        }
    }
}

/// The worker that owns `partition` when `workers` share the partitions.
pub fn owner(partition: usize, workers: usize) -> usize {
    partition * workers / PARTITIONS
}

/// The partitions worker `me` of `workers` owns.
pub fn owned(me: usize, workers: usize) -> Range<usize> {
    let first = (0..PARTITIONS)
        .find(|&p| owner(p, workers) == me)
        .unwrap_or(PARTITIONS);
    let end = (first..PARTITIONS)
        .find(|&p| owner(p, workers) != me)
        .unwrap_or(PARTITIONS);
    first..end
}

/// The per-customer state of one pass: all of it on one thread
/// ([`stream`]), or one worker's share of it in the parallel reading
/// (`blocks`), which owns a range of partitions, mails the orders of the
/// others' partitions to them and keeps the orders cut by block boundaries
/// as [`Fragment`]s.
pub struct StreamSink {
    params: Params,
    /// The partitions this sink applies orders to.
    owned: Range<usize>,
    postbox: Option<Postbox>,
    /// Inside a block of the parallel reading, and how many orders it opened.
    in_block: bool,
    opened: usize,
    fragments: Vec<Fragment>,
    hasher: FixedState,
    tables: Vec<HashTable<Entry>>,
    pending: Vec<Vec<Pending>>,
    /// Long customer ids, back to back.
    arena: Vec<u8>,
    customers: u32,
    /// Open orders (at most OPEN_ORDERS) and the one used last.
    open: Vec<Open>,
    last: usize,
    clock: u64,
    /// Fingerprints of closed orders (customer, order id).
    runs: Vec<u64>,
    stats: Stats,
}

impl StreamSink {
    /// A sink for a whole pass on one thread.
    pub fn new(params: Params) -> StreamSink {
        StreamSink {
            params,
            owned: 0..PARTITIONS,
            postbox: None,
            in_block: false,
            opened: 0,
            fragments: Vec::new(),
            hasher: FixedState::with_seed(0x0005_eed0_f2f3),
            tables: (0..PARTITIONS).map(|_| HashTable::new()).collect(),
            pending: (0..PARTITIONS)
                .map(|_| Vec::with_capacity(BUFFERED))
                .collect(),
            arena: Vec::new(),
            customers: 0,
            open: Vec::with_capacity(OPEN_ORDERS),
            last: 0,
            clock: 0,
            runs: Vec::new(),
            stats: Stats::default(),
        }
    }

    fn key_bytes<'a>(arena: &'a [u8], key: &'a Key) -> &'a [u8] {
        if usize::from(key.len) <= INLINE {
            &key.bytes[..usize::from(key.len)]
        } else {
            let mut offset = [0u8; 8];
            offset.copy_from_slice(&key.bytes[..8]);
            let start = u64::from_le_bytes(offset) as usize;
            &arena[start..start + key.long_len as usize]
        }
    }

    /// Bits 32..40 of the hash. Not the top bits: hashbrown tags entries with
    /// the top 7, and a partition sharing them makes every probe a full key
    /// compare. Not the low bits either: they pick the bucket.
    fn partition(hash: u64) -> usize {
        ((hash >> 32) as usize) % PARTITIONS
    }

    /// The state of a customer, added on first sight (one probe either way).
    fn customer(&mut self, hash: u64, id: &[u8]) -> Result<&mut Customer, Full> {
        let (arena, hasher) = (&mut self.arena, &self.hasher);
        let entry = self.tables[Self::partition(hash)].entry(
            hash,
            |e| Self::key_bytes(arena, &e.key) == id,
            |e| hasher.hash_one(Self::key_bytes(arena, &e.key)),
        );
        let entry = match entry {
            hashbrown::hash_table::Entry::Occupied(o) => o.into_mut(),
            hashbrown::hash_table::Entry::Vacant(v) => {
                self.customers = self.customers.checked_add(1).ok_or(Full)?;
                let mut key = Key {
                    len: u8::MAX,
                    bytes: [0; INLINE],
                    long_len: 0,
                };
                if id.len() <= INLINE {
                    key.len = id.len() as u8;
                    key.bytes[..id.len()].copy_from_slice(id);
                } else {
                    key.bytes[..8].copy_from_slice(&(arena.len() as u64).to_le_bytes());
                    // Ids are fields of one CSV record; 4 GiB ids are not ids.
                    key.long_len = u32::try_from(id.len()).map_err(|_| Full)?;
                    arena.extend_from_slice(id);
                }
                v.insert(Entry {
                    key,
                    state: Customer::NEW,
                })
                .into_mut()
            }
        };
        Ok(&mut entry.state)
    }

    /// Takes a complete order: the window and as-of cut are counted now; an
    /// order that counts waits in its partition's buffer (long ids, rare, go
    /// straight to the table, or to the owner's mail).
    fn close(&mut self, customer: &[u8], date: Day, total: i64) -> Result<(), Full> {
        self.stats.orders += 1;
        let p = self.params;
        if p.since.is_some_and(|s| date < s) || p.until.is_some_and(|u| date > u) {
            self.stats.outside_window += 1;
            return Ok(());
        }
        if p.as_of.is_some_and(|a| date >= a) {
            self.stats.after_as_of += 1;
            return Ok(());
        }
        let hash = self.hasher.hash_one(customer);
        let partition = Self::partition(hash);
        if customer.len() > INLINE {
            if self.owned.contains(&partition) {
                return self.apply(hash, customer, date, total);
            }
            self.mail_long(partition, hash, customer, date, total);
            return Ok(());
        }
        let mut id = [0u8; INLINE];
        id[..customer.len()].copy_from_slice(customer);
        self.pending[partition].push(Pending {
            hash,
            total,
            date,
            len: customer.len() as u8,
            id,
        });
        if self.pending[partition].len() == BUFFERED {
            self.flush(partition)?;
        }
        Ok(())
    }

    /// A long-id order for another worker's partition.
    fn mail_long(&mut self, partition: usize, hash: u64, customer: &[u8], date: Day, total: i64) {
        let Some(postbox) = &mut self.postbox else {
            return;
        };
        let to = owner(partition, postbox.senders.len());
        postbox.long[to].push(LongOrder {
            hash,
            id: customer.into(),
            date,
            total,
        });
        if postbox.long[to].len() == BUFFERED {
            let long = std::mem::take(&mut postbox.long[to]);
            postbox.send(
                to,
                Mail {
                    orders: Vec::new(),
                    long,
                },
            );
        }
    }

    /// Applies a partition's buffered orders to its table, or mails them to
    /// the worker that owns the partition.
    fn flush(&mut self, partition: usize) -> Result<(), Full> {
        if !self.owned.contains(&partition) {
            if let Some(postbox) = &mut self.postbox {
                let orders =
                    std::mem::replace(&mut self.pending[partition], Vec::with_capacity(BUFFERED));
                let to = owner(partition, postbox.senders.len());
                postbox.send(
                    to,
                    Mail {
                        orders,
                        long: Vec::new(),
                    },
                );
            }
            return Ok(());
        }
        let mut pending = std::mem::take(&mut self.pending[partition]);
        for o in pending.drain(..) {
            self.apply(o.hash, &o.id[..usize::from(o.len)], o.date, o.total)?;
        }
        self.pending[partition] = pending;
        Ok(())
    }

    /// Applies orders another worker mailed (for partitions this one owns).
    pub fn receive(&mut self, mail: Mail) -> Result<(), TooMany> {
        for o in mail.orders {
            self.apply(o.hash, &o.id[..usize::from(o.len)], o.date, o.total)?;
        }
        for o in mail.long {
            self.apply(o.hash, &o.id, o.date, o.total)?;
        }
        Ok(())
    }

    /// Applies one counted order to its customer: purchase or not.
    fn apply(&mut self, hash: u64, customer: &[u8], date: Day, total: i64) -> Result<(), Full> {
        let counting = self.params.counting;
        let c = self.customer(hash, customer)?;
        c.in_scope = true;
        // Cannot overflow on one thread (see `RowSink`); in the parallel
        // reading a sum that could is detected afterwards and the result
        // discarded (see `blocks`), so wrapping only avoids a debug panic.
        c.monetary = c.monetary.wrapping_add(total);
        if counting.is_purchase(total) {
            c.frequency += 1;
            c.first = c.first.min(date);
            c.last = c.last.max(date);
        }
        Ok(())
    }

    /// Closes an open order, leaving its fingerprint; an order that may
    /// continue the previous block's becomes a fragment instead.
    fn close_open(&mut self, order: &Open) -> Result<(), Full> {
        if order.head {
            self.fragments.push(Fragment {
                hash: order.hash,
                customer: order.customer.as_slice().into(),
                id: order.id.as_slice().into(),
                date: order.date,
                total: order.total,
            });
            return Ok(());
        }
        self.runs.push(order.hash);
        self.close(&order.customer, order.date, order.total)
    }

    /// Starts a block of the parallel reading. Its first [`OPEN_ORDERS`]
    /// orders may continue orders of the block before (which another worker
    /// may have read), so they are kept as fragments, as are the orders still
    /// open at the block's end ([`StreamSink::end_block`]).
    pub fn begin_block(&mut self) {
        self.in_block = true;
        self.opened = 0;
    }

    /// Ends a block: its open orders become fragments.
    pub fn end_block(&mut self) {
        for mut order in std::mem::take(&mut self.open) {
            order.head = true;
            // Fragments never fail (no table is touched).
            let _ = self.close_open(&order);
        }
        self.in_block = false;
    }

    /// Adds a row to its open order, or opens it (closing the least recently
    /// used one when the window is full).
    fn add_to_order(
        &mut self,
        customer: &[u8],
        id: &[u8],
        date: Day,
        amount: i64,
    ) -> Result<(), Full> {
        self.clock += 1;
        let hash = self.hasher.hash_one((customer, id));
        let matches = |o: &Open| o.hash == hash && o.id == id && o.customer == customer;
        let found = match self.open.get(self.last) {
            Some(o) if matches(o) => Some(self.last),
            _ => self.open.iter().position(matches),
        };
        let slot = match found {
            Some(i) => {
                let o = &mut self.open[i];
                o.date = o.date.min(date);
                o.total = o.total.wrapping_add(amount);
                i
            }
            None => {
                let slot = if self.open.len() < OPEN_ORDERS {
                    self.open.push(Open::default());
                    self.open.len() - 1
                } else {
                    let lru = (0..self.open.len())
                        .min_by_key(|&i| self.open[i].used)
                        .unwrap_or(0);
                    let evicted = std::mem::take(&mut self.open[lru]);
                    self.close_open(&evicted)?;
                    // Reuse the evicted buffers.
                    self.open[lru] = evicted;
                    lru
                };
                let o = &mut self.open[slot];
                o.hash = hash;
                o.customer.clear();
                o.customer.extend_from_slice(customer);
                o.id.clear();
                o.id.extend_from_slice(id);
                o.date = date;
                o.total = amount;
                o.head = self.in_block && self.opened < OPEN_ORDERS;
                self.opened += 1;
                slot
            }
        };
        self.open[slot].used = self.clock;
        self.last = slot;
        Ok(())
    }

    /// One worker's sink in the parallel reading: worker `me` of
    /// `senders.len()`, owning [`owned`]`(me, workers)`.
    pub fn worker(params: Params, me: usize, senders: Vec<Option<Sender<Mail>>>) -> StreamSink {
        let workers = senders.len();
        let mut sink = StreamSink::new(params);
        sink.owned = owned(me, workers);
        sink.postbox = Some(Postbox {
            long: (0..workers).map(|_| Vec::new()).collect(),
            senders,
        });
        sink
    }

    /// Ends a worker's reading: buffered orders are applied or mailed, and
    /// the senders dropped, so that the other workers' mailboxes close once
    /// every worker is done.
    pub fn finish_sending(&mut self) -> Result<(), TooMany> {
        let mut result = Ok(());
        for partition in 0..PARTITIONS {
            if let Err(full) = self.flush(partition) {
                result = Err(full.into());
            }
        }
        // Dropped on every path: a kept sender would keep a mailbox open.
        if let Some(mut postbox) = self.postbox.take() {
            for to in 0..postbox.senders.len() {
                let long = std::mem::take(&mut postbox.long[to]);
                if !long.is_empty() {
                    postbox.send(
                        to,
                        Mail {
                            orders: Vec::new(),
                            long,
                        },
                    );
                }
            }
        }
        result
    }

    /// Sorts the fingerprints (on the worker's thread, before [`StreamSink::merge`]).
    pub fn sort_runs(&mut self) {
        self.runs.sort_unstable();
    }

    /// Joins the workers' sinks (after [`StreamSink::finish_sending`] and
    /// their mail), puts the fragments of cut orders together, and checks
    /// that every order was read as one run.
    pub fn merge(params: Params, workers: Vec<StreamSink>) -> Result<Outcome, TooMany> {
        let mut merged = StreamSink::new(params);
        let mut fragments = Vec::new();
        for mut w in workers {
            // Long ids point into the worker's arena: move them along.
            let base = merged.arena.len() as u64;
            merged.arena.append(&mut w.arena);
            for p in w.owned.clone() {
                let mut table = std::mem::take(&mut w.tables[p]);
                if base > 0 {
                    for e in table.iter_mut().filter(|e| usize::from(e.key.len) > INLINE) {
                        let mut offset = [0u8; 8];
                        offset.copy_from_slice(&e.key.bytes[..8]);
                        let moved = u64::from_le_bytes(offset) + base;
                        e.key.bytes[..8].copy_from_slice(&moved.to_le_bytes());
                    }
                }
                merged.tables[p] = table;
            }
            merged.customers = merged.customers.checked_add(w.customers).ok_or(Full)?;
            merged.runs.append(&mut w.runs);
            merged.stats += w.stats;
            fragments.append(&mut w.fragments);
        }
        merged.close_fragments(fragments)?;
        Ok(merged.finish()?)
    }

    /// Closes the orders cut by block boundaries: the fragments of one
    /// (customer, order id) form one order.
    fn close_fragments(&mut self, mut fragments: Vec<Fragment>) -> Result<(), Full> {
        let key = |f: &Fragment| (f.hash, f.customer.clone(), f.id.clone());
        fragments.sort_unstable_by_key(key);
        let mut start = 0;
        while start < fragments.len() {
            let first = &fragments[start];
            let same = |f: &Fragment| {
                f.hash == first.hash && f.customer == first.customer && f.id == first.id
            };
            let end = start + fragments[start..].iter().take_while(|f| same(f)).count();
            let parts = &fragments[start..end];
            let date = parts.iter().map(|f| f.date).min().unwrap_or(first.date);
            let total = parts.iter().fold(0i64, |t, f| t.wrapping_add(f.total));
            self.runs.push(first.hash);
            self.close(&first.customer, date, total)?;
            start = end;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Outcome, Full> {
        for order in std::mem::take(&mut self.open) {
            self.close_open(&order)?;
        }
        for partition in 0..PARTITIONS {
            self.flush(partition)?;
        }
        // Stable sort: it merges the workers' presorted runs in linear time.
        self.runs.sort();
        if self.runs.windows(2).any(|w| w[0] == w[1]) {
            return Ok(Outcome::NotContiguous);
        }
        // 8 bytes an order: free them before the per-customer results grow.
        self.runs = Vec::new();
        Ok(Outcome::Done(self.metrics()))
    }

    fn metrics(mut self) -> Result<(Aggregate, Vec<CustomerId>), InputError> {
        let mut stats = self.stats;
        // Two halves of the partitions at once; customer codes follow the
        // partition order, which is deterministic (the output is sorted by id).
        let mut front = std::mem::take(&mut self.tables);
        let back = front.split_off(front.len() / 2);
        let arena = &self.arena;
        let capacity = self.customers as usize;
        let ((mut metrics, mut customer_ids, without), back) = std::thread::scope(|scope| {
            let back = scope.spawn(move || Self::extract(back, arena, 0));
            let front = Self::extract(front, arena, capacity);
            let back = back
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (front, back)
        });
        let offset = metrics.len() as u32;
        metrics.extend(back.0.into_iter().map(|mut m| {
            m.customer += offset;
            m
        }));
        customer_ids.extend(back.1);
        stats.without_purchase += without + back.2;
        let as_of = match self.params.as_of {
            Some(a) => a,
            None => match metrics.iter().map(|m| m.last).max() {
                Some(latest) => latest + 1,
                None => return Err(aggregate::no_purchases(&self.params, &stats)),
            },
        };
        if metrics.is_empty() {
            return Err(aggregate::no_purchases(&self.params, &stats));
        }
        let aggregate = Aggregate {
            customers: metrics,
            as_of,
            stats,
        };
        Ok((aggregate, customer_ids))
    }
}

impl StreamSink {
    /// The metrics and ids of the customers with a purchase in `tables`
    /// (customer codes from 0), and how many had none. Each table is freed
    /// once read, so the results do not grow on top of all the tables.
    fn extract(
        tables: Vec<HashTable<Entry>>,
        arena: &[u8],
        capacity: usize,
    ) -> (Vec<CustomerMetrics>, Vec<CustomerId>, u64) {
        let mut metrics = Vec::with_capacity(capacity);
        let mut customer_ids = Vec::with_capacity(capacity);
        let mut without_purchase = 0;
        for table in tables {
            for e in table {
                let c = e.state;
                if c.frequency > 0 {
                    metrics.push(CustomerMetrics {
                        customer: customer_ids.len() as u32,
                        first: c.first,
                        last: c.last,
                        frequency: c.frequency,
                        monetary: c.monetary,
                    });
                    customer_ids.push(CustomerId::from_utf8_lossy(Self::key_bytes(arena, &e.key)));
                } else if c.in_scope {
                    without_purchase += 1;
                }
            }
        }
        (metrics, customer_ids, without_purchase)
    }
}

impl RowSink for StreamSink {
    fn row(&mut self, row: &Row<'_>, amount: i64) -> Result<(), TooMany> {
        if self.params.returns == Returns::Ignore && amount < 0 {
            self.stats.negative_rows_dropped += 1;
            return Ok(());
        }
        let customer = row.customer.as_bytes();
        match row.order {
            // Without an order id, the row is an order of its own.
            None | Some("") => Ok(self.close(customer, row.date, amount)?),
            Some(order) => Ok(self.add_to_order(customer, order.as_bytes(), row.date, amount)?),
        }
    }

    fn rescale(&mut self, factor: i64, _new_scale: u8) {
        for e in self.tables.iter_mut().flat_map(|t| t.iter_mut()) {
            e.state.monetary *= factor;
        }
        for o in self.pending.iter_mut().flat_map(|p| p.iter_mut()) {
            o.total *= factor;
        }
        for o in self.open.iter_mut() {
            o.total *= factor;
        }
    }
}
