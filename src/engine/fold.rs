//! One worker's share of the method: rows -> orders -> customer state.
//!
//! Each valid row is folded into the state of its customer (64 bytes a
//! customer; for `rfm history`, a customer in each period it ordered in:
//! `Params::every`), so memory grows with the customers, plus 8 bytes an order for
//! the run check ([`Grouping::Runs`]) or one table entry an order
//! ([`Grouping::Hash`]), and with `--predict` 16 bytes a purchase for its
//! occasions (`Params::occasions`).
//!
//! Orders are formed from *runs*: rows with the same customer and order id
//! that arrive close together, kept in a window of the [`OPEN_ORDERS`] most
//! recently seen orders. With [`Grouping::Runs`] a closed run is an order:
//! it is closed at once and leaves a 64-bit fingerprint of (customer, order
//! id); if any fingerprint occurs twice (an order whose rows are scattered,
//! or a hash collision) the result is [`Outcome::NotContiguous`]. With
//! [`Grouping::Hash`] a closed run is merged into a table of orders by
//! (customer, order id), and orders are closed once every row is read.
//!
//! Customers are spread over [`PARTITIONS`] tables by hash (engine/table.rs). In the parallel
//! reading each worker owns a range of partitions ([`owned`]) and mails the
//! orders of the others to their owners, so no two threads touch one table,
//! and closed orders reach a table through buffers, a partition at a time:
//! with a million customers the tables are far larger than the CPU caches,
//! and applying orders partition by partition turns a cache miss per order
//! into mostly hits. Orders that a block boundary may have cut are kept as
//! [`Fragment`]s and put together when the workers are merged.
//!
//! Amounts are `i64` at the fold's scale: the most decimals of any amount
//! it has seen. An amount with more decimals rescales everything the fold
//! holds (at most 18 times a run); mail between workers says its scale, and
//! the folds are brought to the input's scale before they are merged. The
//! input layer stops a run whose absolute amounts add up to more than an
//! `i64` at that scale, so no sum here can overflow in a run that finishes.

use super::fingerprints::{self, Fingerprints};
use super::method::{
    Aggregate, CustomerId, CustomerMetrics, Grouping, Occasions, Params, Returns, Stats,
    no_purchases, period_key,
};
use super::table::Table;
use crate::dates::Day;
use crate::error::InputError;
use crate::money::Decimal;
use crate::prefetch::prefetch;
use foldhash::fast::FixedState;
use hashbrown::HashTable;
use std::hash::BuildHasher;
use std::ops::Range;
use std::sync::mpsc::Sender;

/// What the fold came to.
pub(crate) enum Outcome {
    /// The metrics (or the error of the result, e.g. no purchase), with
    /// customer ids by customer code.
    Done(Result<(Aggregate, Vec<CustomerId>), InputError>),
    /// Some order's rows are not contiguous: group with [`Grouping::Hash`].
    NotContiguous,
}

/// The customer table is full (more than `u32::MAX` customers).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Full;

/// Per-customer state.
#[derive(Debug, Clone, Copy)]
struct Customer {
    monetary: i64,
    first: Day,
    last: Day,
    frequency: u32,
    /// Has at least one order inside the window / before the as-of date.
    in_scope: bool,
    /// Where the last line of the latest purchase was read ([`Sink::row`]'s
    /// `at`): of two purchases on the latest day, the one read last.
    last_at: u64,
}

impl Customer {
    const NEW: Customer = Customer {
        monetary: 0,
        first: Day::MAX,
        last: Day::MIN,
        frequency: 0,
        in_scope: false,
        last_at: 0,
    };
}

/// How many orders stay open at once. An order whose rows are further apart
/// than this many other orders is read as two runs.
pub(crate) const OPEN_ORDERS: usize = 16;
// The window's positions are bytes, and a mask of 32 bits covers it.
const _: () = assert!(OPEN_ORDERS <= 32);

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

/// A hash-table entry: the customer's id and state together.
#[derive(Clone, Copy)]
struct Entry {
    key: Key,
    state: Customer,
}

/// An order being read: customer and order id as written, date, total.
#[derive(Debug, Default)]
struct Open {
    /// Hash of (customer, order id): compared before the bytes (except for
    /// the most recent order, whose bytes a line is compared with first),
    /// and left as the order's fingerprint when it closes.
    hash: u64,
    customer: Vec<u8>,
    id: Vec<u8>,
    date: Day,
    total: i64,
    /// Where its last line was read.
    at: u64,
    /// Opened among the first [`OPEN_ORDERS`] orders of a block: it may
    /// continue an order of the block before (see [`Fold::begin_block`]).
    head: bool,
}

impl Open {
    /// Adds a line of the order: its date is the earliest line's, its
    /// total the sum, and it was last read where this line was, if later.
    fn add(&mut self, date: Day, amount: i64, at: u64) {
        self.date = self.date.min(date);
        self.total = self.total.wrapping_add(amount);
        self.at = self.at.max(at);
    }
}

/// A purchase of the customer at `position` in its partition's table, on
/// `day` (`Params::occasions`): `key` is the position in the upper half and
/// the day in the lower, so that sorting the keys groups a customer's days.
#[derive(Clone, Copy)]
struct Purchase {
    key: u64,
    total: i64,
}

impl Purchase {
    fn new(position: usize, day: Day, total: i64) -> Purchase {
        // The day's bits with the sign flipped sort as the day does.
        let day = (day as u32) ^ 0x8000_0000;
        Purchase {
            key: (position as u64) << 32 | u64::from(day),
            total,
        }
    }

    fn position(self) -> usize {
        (self.key >> 32) as usize
    }

    fn day(self) -> Day {
        (self.key as u32 ^ 0x8000_0000) as Day
    }
}

/// Closed orders wait in one of [`PARTITIONS`] buffers, chosen by the
/// customer hash, and are applied a buffer at a time to that partition's
/// table.
const PARTITIONS: usize = 256;
/// Orders buffered per partition before they are applied.
const BUFFERED: usize = 256;

/// A closed, in-scope order waiting for its partition.
#[derive(Clone, Copy)]
pub(crate) struct Pending {
    hash: u64,
    total: i64,
    at: u64,
    date: Day,
    len: u8,
    id: [u8; INLINE],
}

/// A closed, in-scope order of a customer with a long id (more than
/// [`INLINE`] bytes), on its way to the worker that owns its partition.
pub(crate) struct LongOrder {
    hash: u64,
    id: Box<[u8]>,
    date: Day,
    total: i64,
    at: u64,
}

/// Closed orders for the partitions another worker owns, their totals at
/// the sender's scale.
#[derive(Default)]
pub(crate) struct Mail {
    scale: u8,
    orders: Vec<Pending>,
    long: Vec<LongOrder>,
}

/// Part of an order cut by a block boundary: its rows in one block. Parts
/// are put together by (customer, order id) once every block is read.
struct Fragment {
    hash: u64,
    customer: Box<[u8]>,
    id: Box<[u8]>,
    date: Day,
    total: i64,
    at: u64,
}

/// An order of [`Grouping::Hash`]: (customer, order id) in the worker's
/// order arena, and the order's date and total so far.
#[derive(Clone, Copy)]
struct Slot {
    /// Hash of (customer, order id).
    hash: u64,
    /// Which worker's arena holds the bytes (when tables are combined).
    arena: u32,
    customer_len: u32,
    id_len: u32,
    offset: usize,
    date: Day,
    total: i64,
    at: u64,
}

/// The orders of [`Grouping::Hash`], by customer partition.
struct Orders {
    tables: Vec<HashTable<Slot>>,
    /// Customer and order id bytes, back to back.
    arena: Vec<u8>,
}

impl Orders {
    fn new() -> Orders {
        Orders {
            tables: (0..PARTITIONS).map(|_| HashTable::new()).collect(),
            arena: Vec::new(),
        }
    }
}

/// The (customer, order id) bytes of a slot.
fn slot_bytes<'a>(arenas: &[&'a [u8]], slot: &Slot) -> (&'a [u8], &'a [u8]) {
    let arena = arenas[slot.arena as usize];
    let customer = &arena[slot.offset..slot.offset + slot.customer_len as usize];
    let id_start = slot.offset + slot.customer_len as usize;
    (customer, &arena[id_start..id_start + slot.id_len as usize])
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

/// The hash of a customer key in the tables. A key per period
/// (`Params::every`: the customer, 0x1f, the period) takes the upper half,
/// which picks the partition ([`Fold::partition`]), from the customer alone:
/// all periods of a customer live in its partition, where the worker that
/// owns the customer (and, with hash grouping, its orders) applies them.
fn key_hash(hasher: &FixedState, periods: bool, key: &[u8]) -> u64 {
    let full = hasher.hash_one(key);
    if !periods {
        return full;
    }
    let customer = match key.iter().rposition(|&b| b == 0x1f) {
        Some(at) => &key[..at],
        None => key,
    };
    (hasher.hash_one(customer) & !0xffff_ffff) | (full & 0xffff_ffff)
}

/// 10 to the `exp` (at most 18: the most decimals an amount may have),
/// from the money module's table (a row whose amount has fewer decimals
/// than the fold's is scaled by it).
fn pow10(exp: u8) -> i64 {
    // 10^18 fits an i64.
    crate::money::pow10(u32::from(exp.min(18))) as i64
}

/// A customer id from its key's bytes. They are the text of a field, so
/// UTF-8 (checked at once here; `compact_str`'s lossy conversion takes
/// them a character at a time, 2 % of a 10M run's samples).
fn customer_id(bytes: &[u8]) -> CustomerId {
    match std::str::from_utf8(bytes) {
        Ok(text) => CustomerId::from(text),
        Err(_) => CustomerId::from_utf8_lossy(bytes),
    }
}

/// The worker that owns `partition` when `workers` share the partitions.
fn owner(partition: usize, workers: usize) -> usize {
    partition * workers / PARTITIONS
}

/// The partitions worker `me` of `workers` owns.
fn owned(me: usize, workers: usize) -> Range<usize> {
    let first = (0..PARTITIONS)
        .find(|&p| owner(p, workers) == me)
        .unwrap_or(PARTITIONS);
    let end = (first..PARTITIONS)
        .find(|&p| owner(p, workers) != me)
        .unwrap_or(PARTITIONS);
    first..end
}

/// The mailboxes of `workers` workers: for each, its inbox and the senders
/// it holds to the others.
pub(crate) type Mailboxes = Vec<(std::sync::mpsc::Receiver<Mail>, Vec<Option<Sender<Mail>>>)>;

/// Creates the mailboxes of `workers` workers.
pub(crate) fn mailboxes(workers: usize) -> Mailboxes {
    let (senders, inboxes): (Vec<Sender<Mail>>, Vec<_>) =
        (0..workers).map(|_| std::sync::mpsc::channel()).unzip();
    inboxes
        .into_iter()
        .enumerate()
        .map(|(me, inbox)| {
            let to = (0..workers)
                .map(|to| (to != me).then(|| senders[to].clone()))
                .collect();
            (inbox, to)
        })
        .collect()
}

/// The state of one pass: all of it ([`Fold::new`]), or one worker's share
/// ([`Fold::worker`]), which owns a range of partitions, mails the orders
/// of the others' partitions to them and keeps the orders cut by block
/// boundaries as [`Fragment`]s.
pub(crate) struct Fold {
    params: Params,
    /// The partitions this fold applies orders to.
    owned: Range<usize>,
    postbox: Option<Postbox>,
    inbox: Option<std::sync::mpsc::Receiver<Mail>>,
    /// Inside a block of the parallel reading, and how many orders it opened.
    in_block: bool,
    opened: usize,
    fragments: Vec<Fragment>,
    hasher: FixedState,
    tables: Vec<Table<Entry>>,
    /// Per partition, the purchases applied to its table, with
    /// `Params::occasions`: its customers' occasions are counted from them
    /// at the end.
    purchases: Vec<Vec<Purchase>>,
    pending: Vec<Vec<Pending>>,
    /// Long customer ids, back to back.
    arena: Vec<u8>,
    customers: u32,
    /// Open orders (at most OPEN_ORDERS); the low 32 bits of their hashes
    /// side by side, which a row compares with its own all at once (in
    /// vector registers, without branches); and their positions in `open`
    /// from the most recently used to the least, so that a full window
    /// closes the last one without a search for it.
    open: Vec<Open>,
    open_tags: [u32; OPEN_ORDERS],
    recent: Vec<u8>,
    /// Fingerprints of closed orders (customer, order id).
    runs: Fingerprints,
    /// The orders of [`Grouping::Hash`].
    orders: Option<Orders>,
    /// The customer table overflowed.
    full: bool,
    /// The decimal scale of every amount held.
    scale: u8,
    stats: Stats,
    /// The key of a customer in a period (`Params::every`), reused.
    period_key: Vec<u8>,
}

impl Fold {
    /// A fold for a whole pass on one thread.
    pub(crate) fn new(params: Params, grouping: Grouping) -> Fold {
        Fold {
            params,
            owned: 0..PARTITIONS,
            postbox: None,
            inbox: None,
            in_block: false,
            opened: 0,
            fragments: Vec::new(),
            hasher: FixedState::with_seed(0x0005_eed0_f2f3),
            tables: (0..PARTITIONS).map(|_| Table::default()).collect(),
            purchases: (0..PARTITIONS).map(|_| Vec::new()).collect(),
            pending: (0..PARTITIONS)
                .map(|_| Vec::with_capacity(BUFFERED))
                .collect(),
            arena: Vec::new(),
            customers: 0,
            open: Vec::with_capacity(OPEN_ORDERS),
            open_tags: [0; OPEN_ORDERS],
            recent: Vec::with_capacity(OPEN_ORDERS),
            runs: Fingerprints::default(),
            orders: (grouping == Grouping::Hash).then(Orders::new),
            full: false,
            scale: 0,
            stats: Stats::default(),
            period_key: Vec::new(),
        }
    }

    /// Worker `me`'s fold in the parallel reading, with its mailbox from
    /// [`mailboxes`].
    pub(crate) fn worker(
        params: Params,
        grouping: Grouping,
        me: usize,
        mailbox: (std::sync::mpsc::Receiver<Mail>, Vec<Option<Sender<Mail>>>),
    ) -> Fold {
        let (inbox, senders) = mailbox;
        let workers = senders.len();
        let mut fold = Fold::new(params, grouping);
        fold.owned = owned(me, workers);
        fold.inbox = Some(inbox);
        fold.postbox = Some(Postbox {
            long: (0..workers).map(|_| Vec::new()).collect(),
            senders,
        });
        fold
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

    /// The position of a customer in its partition's table, added on first
    /// sight (one probe either way).
    fn customer(&mut self, hash: u64, id: &[u8]) -> Result<usize, Full> {
        let (arena, hasher) = (&mut self.arena, &self.hasher);
        let periods = self.params.every.is_some();
        let table = &mut self.tables[Self::partition(hash)];
        if let Some(position) = table.find(hash, |e| Self::key_bytes(arena, &e.key) == id) {
            return Ok(position);
        }
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
            // Ids are fields of one record; 4 GiB ids are not ids.
            key.long_len = u32::try_from(id.len()).map_err(|_| Full)?;
            arena.extend_from_slice(id);
        }
        let entry = Entry {
            key,
            state: Customer::NEW,
        };
        let arena = &*arena;
        let rehash = |e: &Entry| key_hash(hasher, periods, Self::key_bytes(arena, &e.key));
        table.insert(hash, entry, rehash)
    }

    /// Takes a complete order (docs/method.md, step 3): the window and the
    /// as-of cut are counted now; an order that counts waits in its
    /// partition's buffer (long ids, rare, go straight to the table, or to
    /// the owner's mail).
    fn close(&mut self, customer: &[u8], date: Day, total: i64, at: u64) -> Result<(), Full> {
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
        if let Some(every) = p.every {
            // The customer in the order's period.
            let mut key = std::mem::take(&mut self.period_key);
            period_key(customer, every.period(date), &mut key);
            let result = self.close_counted(&key, date, total, at);
            self.period_key = key;
            return result;
        }
        self.close_counted(customer, date, total, at)
    }

    /// [`Fold::close`] for an order that counts.
    fn close_counted(
        &mut self,
        customer: &[u8],
        date: Day,
        total: i64,
        at: u64,
    ) -> Result<(), Full> {
        let hash = key_hash(&self.hasher, self.params.every.is_some(), customer);
        let partition = Self::partition(hash);
        if customer.len() > INLINE {
            if self.owned.contains(&partition) {
                return self.apply(hash, customer, date, total, at);
            }
            self.mail_long(partition, hash, customer, date, total, at);
            return Ok(());
        }
        let pending = &mut self.pending[partition];
        pending.push(Pending {
            hash,
            total,
            at,
            date,
            len: customer.len() as u8,
            id: [0; INLINE],
        });
        // The id is copied into the buffer itself: padded on the stack
        // first, its bytes were then read back wider than they had been
        // written, a load that must wait for those stores to reach the cache.
        if let Some(order) = pending.last_mut() {
            order.id[..customer.len()].copy_from_slice(customer);
        }
        if pending.len() == BUFFERED {
            self.flush(partition)?;
        }
        // The partition's next order is written where its buffer ends. The
        // buffers of all partitions are larger than the L2 cache, so that
        // line would be a miss, and a store waiting for memory holds up
        // every store after it: the line is asked for now.
        for spare in self.pending[partition].spare_capacity_mut().iter().take(2) {
            prefetch(spare);
        }
        Ok(())
    }

    /// Applies one counted order to its customer (step 4): a purchase is an
    /// order totalling more than zero; monetary sums every order.
    fn apply(
        &mut self,
        hash: u64,
        customer: &[u8],
        date: Day,
        total: i64,
        at: u64,
    ) -> Result<(), Full> {
        let counting = self.params.counting;
        let position = self.customer(hash, customer)?;
        let partition = Self::partition(hash);
        let c = &mut self.tables[partition].get_mut(position).state;
        c.in_scope = true;
        // The input layer bounds the sum of absolute amounts, so this cannot
        // overflow; wrapping only avoids a debug panic on the way to that error.
        c.monetary = c.monetary.wrapping_add(total);
        if counting.is_purchase(total) {
            c.frequency += 1;
            c.first = c.first.min(date);
            if (date, at) > (c.last, c.last_at) {
                c.last = date;
                c.last_at = at;
            }
            if self.params.occasions && total > 0 {
                self.purchases[partition].push(Purchase::new(position, date, total));
            }
        }
        Ok(())
    }

    /// Applies buffered orders, their totals multiplied by `factor`. The
    /// slot of the order [`AHEAD`] orders on, and the entry of the one half
    /// as far, are loaded while this one is applied (engine/table.rs).
    fn apply_all(&mut self, orders: &[Pending], factor: i64) -> Result<(), Full> {
        const AHEAD: usize = 16;
        for o in orders.iter().take(AHEAD) {
            self.tables[Self::partition(o.hash)].prefetch(o.hash);
        }
        for (i, o) in orders.iter().enumerate() {
            if let Some(next) = orders.get(i + AHEAD) {
                self.tables[Self::partition(next.hash)].prefetch(next.hash);
            }
            if let Some(next) = orders.get(i + AHEAD / 2) {
                self.tables[Self::partition(next.hash)].prefetch_entry(next.hash);
            }
            let total = o.total.wrapping_mul(factor);
            self.apply(o.hash, &o.id[..usize::from(o.len)], o.date, total, o.at)?;
        }
        Ok(())
    }

    /// A long-id order for another worker's partition.
    fn mail_long(
        &mut self,
        partition: usize,
        hash: u64,
        customer: &[u8],
        date: Day,
        total: i64,
        at: u64,
    ) {
        let scale = self.scale;
        let Some(postbox) = &mut self.postbox else {
            return;
        };
        let to = owner(partition, postbox.senders.len());
        postbox.long[to].push(LongOrder {
            hash,
            id: customer.into(),
            date,
            total,
            at,
        });
        if postbox.long[to].len() == BUFFERED {
            let long = std::mem::take(&mut postbox.long[to]);
            postbox.send(
                to,
                Mail {
                    scale,
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
                        scale: self.scale,
                        orders,
                        long: Vec::new(),
                    },
                );
            }
            return Ok(());
        }
        let mut pending = std::mem::take(&mut self.pending[partition]);
        let result = self.apply_all(&pending, 1);
        pending.clear();
        self.pending[partition] = pending;
        result
    }

    /// Applies orders another worker mailed (for partitions this one owns),
    /// at this fold's scale.
    fn receive(&mut self, mail: Mail) {
        if mail.scale > self.scale {
            self.rescale(mail.scale);
        }
        let factor = pow10(self.scale - mail.scale);
        let mut result = self.apply_all(&mail.orders, factor);
        for o in mail.long {
            let total = o.total.wrapping_mul(factor);
            result = result.and(self.apply(o.hash, &o.id, o.date, total, o.at));
        }
        self.full |= result.is_err();
    }

    /// Brings every amount the fold holds to `scale` decimals (more than it
    /// has). Wrapping: a run whose sums do not fit is stopped by the input
    /// layer, whatever the values here.
    fn rescale(&mut self, scale: u8) {
        let factor = pow10(scale - self.scale);
        self.scale = scale;
        let times = |total: &mut i64| *total = total.wrapping_mul(factor);
        for table in &mut self.tables {
            table.iter_mut().for_each(|e| times(&mut e.state.monetary));
        }
        self.purchases
            .iter_mut()
            .flatten()
            .for_each(|p| times(&mut p.total));
        self.pending
            .iter_mut()
            .flatten()
            .for_each(|o| times(&mut o.total));
        self.open.iter_mut().for_each(|o| times(&mut o.total));
        self.fragments.iter_mut().for_each(|f| times(&mut f.total));
        if let Some(postbox) = &mut self.postbox {
            postbox
                .long
                .iter_mut()
                .flatten()
                .for_each(|o| times(&mut o.total));
        }
        if let Some(orders) = &mut self.orders {
            for table in &mut orders.tables {
                table.iter_mut().for_each(|s| times(&mut s.total));
            }
        }
    }

    /// Closes an open order: a [`Grouping::Runs`] order is complete (and
    /// leaves its fingerprint) unless it may continue the previous block's,
    /// which makes it a fragment; a [`Grouping::Hash`] run joins its order.
    fn close_open(&mut self, order: &Open) -> Result<(), Full> {
        if let Some(orders) = &mut self.orders {
            let customer_hash = self.hasher.hash_one(order.customer.as_slice());
            let table = &mut orders.tables[Self::partition(customer_hash)];
            let arena = &mut orders.arena;
            let found = table.find_mut(order.hash, |s| {
                slot_bytes(&[arena.as_slice()], s)
                    == (order.customer.as_slice(), order.id.as_slice())
            });
            match found {
                Some(slot) => {
                    slot.date = slot.date.min(order.date);
                    slot.total = slot.total.wrapping_add(order.total);
                    slot.at = slot.at.max(order.at);
                }
                None => {
                    let offset = arena.len();
                    arena.extend_from_slice(&order.customer);
                    arena.extend_from_slice(&order.id);
                    let slot = Slot {
                        hash: order.hash,
                        arena: 0,
                        customer_len: u32::try_from(order.customer.len()).map_err(|_| Full)?,
                        id_len: u32::try_from(order.id.len()).map_err(|_| Full)?,
                        offset,
                        date: order.date,
                        total: order.total,
                        at: order.at,
                    };
                    table.insert_unique(order.hash, slot, |s| s.hash);
                }
            }
            return Ok(());
        }
        if order.head {
            self.fragments.push(Fragment {
                hash: order.hash,
                customer: order.customer.as_slice().into(),
                id: order.id.as_slice().into(),
                date: order.date,
                total: order.total,
                at: order.at,
            });
            return Ok(());
        }
        self.runs.push(order.hash);
        self.close(&order.customer, order.date, order.total, order.at)
    }

    /// Starts a block of the parallel reading. Its first [`OPEN_ORDERS`]
    /// orders may continue orders of the block before (which another worker
    /// may have read), so they are kept as fragments, as are the orders still
    /// open at the block's end ([`Fold::end_block`]). A lone worker reads
    /// the blocks in order, so its orders simply continue.
    pub(crate) fn begin_block(&mut self) {
        if self.postbox.as_ref().is_some_and(|p| p.senders.len() > 1) {
            self.in_block = true;
            self.opened = 0;
        }
    }

    /// Ends a block: its open orders become fragments, and the orders other
    /// workers mailed meanwhile are applied.
    pub(crate) fn end_block(&mut self) {
        if !self.in_block {
            // On one worker the blocks come in order: its orders stay open.
            return;
        }
        self.recent.clear();
        for mut order in std::mem::take(&mut self.open) {
            order.head = true;
            self.full |= self.close_open(&order).is_err();
        }
        self.in_block = false;
        if let Some(inbox) = self.inbox.take() {
            for mail in inbox.try_iter() {
                self.receive(mail);
            }
            self.inbox = Some(inbox);
        }
    }

    /// One valid order line (steps 2 and 3): `--returns ignore` drops
    /// negative rows; a row without an order id is an order of its own; the
    /// others join the open order they belong to.
    pub(crate) fn row(
        &mut self,
        customer: &str,
        order: Option<&str>,
        date: Day,
        amount: Decimal,
        at: u64,
    ) {
        if self.params.returns == Returns::Ignore && amount.mantissa < 0 {
            self.stats.negative_rows_dropped += 1;
            return;
        }
        if amount.scale > self.scale {
            self.rescale(amount.scale);
        }
        let amount = amount
            .mantissa
            .wrapping_mul(pow10(self.scale - amount.scale));
        let customer = customer.as_bytes();
        let result = match order {
            None | Some("") => self.close(customer, date, amount, at),
            Some(order) => self.add_to_order(customer, order.as_bytes(), date, amount, at),
        };
        self.full |= result.is_err();
    }

    /// Adds a row to its open order, or opens it (closing the least recently
    /// used one when the window is full).
    fn add_to_order(
        &mut self,
        customer: &[u8],
        id: &[u8],
        date: Day,
        amount: i64,
        at: u64,
    ) -> Result<(), Full> {
        // Most lines continue the order of the line before (an order's
        // lines are written together): that one is compared first, by its
        // bytes, before any hashing.
        if let Some(&last) = self.recent.first() {
            let o = &mut self.open[usize::from(last)];
            if o.id == id && o.customer == customer {
                o.add(date, amount, at);
                return Ok(());
            }
        }
        let hash = self.hasher.hash_one((customer, id));
        let mut candidates = 0u32;
        for (slot, &tag) in self.open_tags.iter().enumerate() {
            candidates |= u32::from(tag == hash as u32) << slot;
        }
        // Only the slots in use.
        candidates &= ((1u64 << self.open.len()) - 1) as u32;
        let mut found = None;
        while candidates != 0 {
            let slot = candidates.trailing_zeros() as usize;
            candidates &= candidates - 1;
            let o = &self.open[slot];
            if o.hash == hash && o.id == id && o.customer == customer {
                found = self.recent.iter().position(|&s| usize::from(s) == slot);
                break;
            }
        }
        match found {
            Some(rank) => {
                // Now the most recently used.
                self.recent[..=rank].rotate_right(1);
                self.open[usize::from(self.recent[0])].add(date, amount, at);
            }
            None => {
                let slot = if self.open.len() < OPEN_ORDERS {
                    self.open.push(Open::default());
                    self.recent.insert(0, (self.open.len() - 1) as u8);
                    self.open.len() - 1
                } else {
                    // The least recently used is closed, and its slot is
                    // the most recently used.
                    self.recent.rotate_right(1);
                    let lru = usize::from(self.recent[0]);
                    let evicted = std::mem::take(&mut self.open[lru]);
                    self.close_open(&evicted)?;
                    // Reuse the evicted buffers.
                    self.open[lru] = evicted;
                    lru
                };
                self.open_tags[slot] = hash as u32;
                let o = &mut self.open[slot];
                o.hash = hash;
                o.customer.clear();
                o.customer.extend_from_slice(customer);
                o.id.clear();
                o.id.extend_from_slice(id);
                o.date = date;
                o.total = amount;
                o.at = at;
                o.head = self.in_block && self.opened < OPEN_ORDERS;
                self.opened += 1;
            }
        }
        Ok(())
    }

    /// Ends a worker's reading: buffered orders are applied or mailed, the
    /// senders dropped (so that the other workers' mailboxes close once every
    /// worker is done), and the rest of the mail applied. Then the
    /// fingerprints are partitioned, on the worker's thread.
    pub(crate) fn finish(&mut self) {
        self.recent.clear();
        for order in std::mem::take(&mut self.open) {
            self.full |= self.close_open(&order).is_err();
        }
        for partition in 0..PARTITIONS {
            self.full |= self.flush(partition).is_err();
        }
        // Dropped on every path: a kept sender would keep a mailbox open.
        if let Some(mut postbox) = self.postbox.take() {
            for to in 0..postbox.senders.len() {
                let long = std::mem::take(&mut postbox.long[to]);
                if !long.is_empty() {
                    postbox.send(
                        to,
                        Mail {
                            scale: self.scale,
                            orders: Vec::new(),
                            long,
                        },
                    );
                }
            }
        }
        // Every worker's senders are gone once all are done: the inbox closes.
        if let Some(inbox) = self.inbox.take() {
            for mail in inbox {
                self.receive(mail);
            }
        }
        self.runs.partition();
    }

    /// Joins the workers' folds (each after [`Fold::finish`]): closes the
    /// orders of [`Grouping::Hash`] or puts the fragments of cut orders
    /// together, checks that every order was read as one run, and gives the
    /// metrics with monetary at `scale` decimals (the input's: at least
    /// any fold's).
    pub(crate) fn merge(
        params: Params,
        grouping: Grouping,
        mut workers: Vec<Fold>,
        scale: u8,
    ) -> Result<Outcome, Full> {
        for w in &mut workers {
            if scale > w.scale {
                w.rescale(scale);
            }
        }
        let workers = match grouping {
            Grouping::Runs => workers,
            Grouping::Hash => Self::close_orders(workers)?,
        };
        let mut merged = Fold::new(params, Grouping::Runs);
        merged.scale = scale;
        let mut fragments = Vec::new();
        // Each worker's fingerprints, checked on as many threads.
        let threads = workers.len();
        let mut runs = Vec::with_capacity(workers.len() + 1);
        for mut w in workers {
            if w.full {
                return Err(Full);
            }
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
                merged.purchases[p] = std::mem::take(&mut w.purchases[p]);
            }
            merged.customers = merged.customers.checked_add(w.customers).ok_or(Full)?;
            runs.push(std::mem::take(&mut w.runs));
            merged.stats += w.stats;
            fragments.append(&mut w.fragments);
        }
        merged.close_fragments(fragments)?;
        merged.finish_merged(runs, threads)
    }

    /// [`Grouping::Hash`]: every worker's orders, put together by
    /// (customer, order id) and closed, each worker closing the orders of
    /// the partitions it owns, on its own thread.
    fn close_orders(mut workers: Vec<Fold>) -> Result<Vec<Fold>, Full> {
        let threads = workers.len();
        let mut order_sets: Vec<Orders> =
            workers.iter_mut().filter_map(|w| w.orders.take()).collect();
        let mut by_partition: Vec<Vec<HashTable<Slot>>> =
            (0..PARTITIONS).map(|_| Vec::new()).collect();
        for (arena, set) in order_sets.iter_mut().enumerate() {
            for (p, mut table) in std::mem::take(&mut set.tables).into_iter().enumerate() {
                for slot in table.iter_mut() {
                    slot.arena = arena as u32;
                }
                by_partition[p].push(table);
            }
        }
        let arenas: Vec<&[u8]> = order_sets.iter().map(|o| o.arena.as_slice()).collect();
        let mut shares: Vec<Vec<Vec<HashTable<Slot>>>> = (0..threads).map(|_| Vec::new()).collect();
        for (p, tables) in by_partition.into_iter().enumerate() {
            shares[owner(p, threads)].push(tables);
        }
        let arenas = &arenas;
        let folds = std::thread::scope(|scope| {
            let handles: Vec<_> = workers
                .into_iter()
                .zip(shares)
                .map(|(mut fold, share)| {
                    scope.spawn(move || {
                        for tables in share {
                            fold.full |= fold.close_partition(tables, arenas).is_err();
                        }
                        for partition in fold.owned.clone() {
                            fold.full |= fold.flush(partition).is_err();
                        }
                        fold
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        Ok(folds)
    }

    /// Puts one partition's orders from every worker together and closes
    /// them, in a deterministic order (the output does not depend on it, but
    /// reruns are easier to compare).
    fn close_partition(
        &mut self,
        tables: Vec<HashTable<Slot>>,
        arenas: &[&[u8]],
    ) -> Result<(), Full> {
        let mut tables = tables.into_iter();
        let Some(mut combined) = tables.next() else {
            return Ok(());
        };
        for table in tables {
            for slot in table {
                let bytes = slot_bytes(arenas, &slot);
                match combined.find_mut(slot.hash, |s| slot_bytes(arenas, s) == bytes) {
                    Some(found) => {
                        found.date = found.date.min(slot.date);
                        found.total = found.total.wrapping_add(slot.total);
                        found.at = found.at.max(slot.at);
                    }
                    None => {
                        combined.insert_unique(slot.hash, slot, |s| s.hash);
                    }
                }
            }
        }
        for slot in combined {
            let (customer, _) = slot_bytes(arenas, &slot);
            self.close(customer, slot.date, slot.total, slot.at)?;
        }
        Ok(())
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
            let at = parts.iter().map(|f| f.at).max().unwrap_or(first.at);
            self.runs.push(first.hash);
            self.close(&first.customer, date, total, at)?;
            start = end;
        }
        Ok(())
    }

    /// Applies what is buffered and checks the fingerprints, on `threads`
    /// threads: the workers' `runs` and the merged fold's own (the
    /// fragments').
    fn finish_merged(
        mut self,
        mut runs: Vec<Fingerprints>,
        threads: usize,
    ) -> Result<Outcome, Full> {
        for partition in 0..PARTITIONS {
            self.flush(partition)?;
        }
        runs.push(std::mem::take(&mut self.runs));
        if fingerprints::repeats(&mut runs, threads) {
            return Ok(Outcome::NotContiguous);
        }
        // 8 bytes an order: free them before the per-customer results grow.
        drop(runs);
        Ok(Outcome::Done(self.metrics()))
    }

    /// The metrics of the customers with a purchase (step 5's as-of
    /// default: the day after the latest purchase).
    fn metrics(mut self) -> Result<(Aggregate, Vec<CustomerId>), InputError> {
        let mut stats = self.stats;
        // Two halves of the partitions at once; customer codes follow the
        // partition order, which is deterministic (the output is sorted by id).
        let mut front: Vec<_> = std::mem::take(&mut self.tables)
            .into_iter()
            .zip(std::mem::take(&mut self.purchases))
            .collect();
        let back = front.split_off(front.len() / 2);
        let arena = &self.arena;
        let capacity = self.customers as usize;
        // Per period (`Params::every`), a customer's returns without a
        // purchase still change its later monetary value.
        let every = self.params.every.is_some();
        let occasions = self.params.occasions;
        // The back half's results are sized for its customers, so they
        // are not copied as they grow.
        let back_capacity = back.iter().map(|(table, _)| table.len()).sum();
        let (front, back) = std::thread::scope(|scope| {
            let back =
                scope.spawn(move || Self::extract(back, arena, back_capacity, every, occasions));
            let front = Self::extract(front, arena, capacity, every, occasions);
            let back = back
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (front, back)
        });
        stats.without_purchase += front.without_purchase + back.without_purchase;
        stats.negative_monetary += front.negative + back.negative;
        let latest = front.latest.max(back.latest);
        let purchases = front.purchases || back.purchases;
        // The back half joins the front one: the metrics here, the ids on a
        // second core. Both copies write pages not touched before (14 and
        // 10 ms one after the other at 1.4M customers).
        let offset = front.metrics.len() as u32;
        let Extracted {
            mut metrics,
            ids: mut customer_ids,
            mut occasions,
            ..
        } = front;
        let back_ids = back.ids;
        let join_ids = |ids: &mut Vec<CustomerId>| ids.extend(back_ids);
        let join_metrics = |metrics: &mut Vec<CustomerMetrics>| {
            metrics.extend(back.metrics.into_iter().map(|mut m| {
                m.customer += offset;
                m
            }));
        };
        if (offset as usize) < super::THREADED_FROM {
            join_ids(&mut customer_ids);
            join_metrics(&mut metrics);
        } else {
            std::thread::scope(|scope| {
                let ids = scope.spawn(|| join_ids(&mut customer_ids));
                join_metrics(&mut metrics);
                ids.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            });
        }
        occasions.extend(back.occasions);
        debug_assert_eq!(
            (stats.negative_monetary, latest, purchases),
            (
                metrics.iter().filter(|m| m.monetary < 0).count() as u64,
                metrics.iter().map(|m| m.last).max(),
                metrics.iter().any(|m| m.frequency > 0)
            ),
            "the counts taken during the extraction"
        );
        let as_of = match self.params.as_of {
            Some(a) => a,
            None => match latest {
                Some(latest) => latest + 1,
                None => return Err(no_purchases(&self.params, &stats)),
            },
        };
        // Per period (`Params::every`) entries of returns alone are kept,
        // so an aggregate can hold no purchase.
        if !purchases {
            return Err(no_purchases(&self.params, &stats));
        }
        let aggregate = Aggregate {
            customers: metrics,
            as_of,
            stats,
            occasions,
        };
        Ok((aggregate, customer_ids))
    }

    /// The metrics and ids of the customers with a purchase in `tables`
    /// (customer codes from 0), and how many had none; with `occasions`,
    /// their purchase occasions, counted from the purchases applied to each
    /// table. Each table is freed once read, so the results do not grow on
    /// top of all the tables.
    fn extract(
        tables: Vec<(Table<Entry>, Vec<Purchase>)>,
        arena: &[u8],
        capacity: usize,
        every: bool,
        occasions: bool,
    ) -> Extracted {
        let mut out = Extracted {
            metrics: Vec::with_capacity(capacity),
            ids: Vec::with_capacity(capacity),
            occasions: Vec::with_capacity(if occasions { capacity } else { 0 }),
            without_purchase: 0,
            negative: 0,
            latest: None,
            purchases: false,
        };
        let (mut grouped, mut starts, mut next) = (Vec::new(), Vec::new(), Vec::new());
        for (table, purchases) in tables {
            let entries = table.into_entries();
            if occasions {
                Self::by_customer(
                    &purchases,
                    entries.len(),
                    &mut grouped,
                    &mut starts,
                    &mut next,
                );
            }
            drop(purchases);
            for (position, e) in entries.into_iter().enumerate() {
                let mut counted = Occasions::NONE;
                if let Some(range) = starts.get(position..=position + 1) {
                    // This customer's purchases, in day order.
                    let own = &mut grouped[range[0] as usize..range[1] as usize];
                    if own.len() > 1 {
                        own.sort_unstable_by_key(|p| p.key);
                    }
                    let mut day = None;
                    for p in own.iter() {
                        if day != Some(p.key) {
                            day = Some(p.key);
                            counted.days += 1;
                            counted.first = counted.first.min(p.day());
                            counted.last = p.day();
                        }
                        if counted.days == 1 {
                            counted.first_value = counted.first_value.wrapping_add(p.total);
                        }
                    }
                }
                let c = e.state;
                if c.frequency > 0 || (every && c.in_scope) {
                    out.negative += u64::from(c.monetary < 0);
                    out.latest = out.latest.max(Some(c.last));
                    out.purchases |= c.frequency > 0;
                    out.metrics.push(CustomerMetrics {
                        customer: out.ids.len() as u32,
                        first: c.first,
                        last: c.last,
                        frequency: c.frequency,
                        monetary: c.monetary,
                        last_at: c.last_at,
                    });
                    out.ids.push(customer_id(Self::key_bytes(arena, &e.key)));
                    if occasions {
                        out.occasions.push(counted);
                    }
                } else if c.in_scope {
                    out.without_purchase += 1;
                }
            }
        }
        out
    }

    /// Groups a partition's purchases by customer (position in the table,
    /// below `customers`) into `grouped`, and writes where each customer's
    /// start into `starts` (`customers + 1` offsets): a counting sort, two
    /// passes over the purchases (sorting them all took half as long again
    /// on the 10M benchmark). The buffers are reused from one partition to
    /// the next.
    fn by_customer(
        purchases: &[Purchase],
        customers: usize,
        grouped: &mut Vec<Purchase>,
        starts: &mut Vec<u32>,
        next: &mut Vec<u32>,
    ) {
        starts.clear();
        starts.resize(customers + 1, 0);
        for p in purchases {
            if let Some(n) = starts.get_mut(p.position() + 1) {
                *n += 1;
            }
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        next.clear();
        next.extend_from_slice(starts);
        grouped.clear();
        grouped.extend_from_slice(purchases);
        for p in purchases {
            if let Some(at) = next.get_mut(p.position()) {
                grouped[*at as usize] = *p;
                *at += 1;
            }
        }
    }
}

/// What [`Fold::extract`] takes out of a set of tables.
struct Extracted {
    metrics: Vec<CustomerMetrics>,
    ids: Vec<CustomerId>,
    /// By customer code, with `Params::occasions`.
    occasions: Vec<Occasions>,
    without_purchase: u64,
    /// Counted as the metrics are taken, rather than in passes over them
    /// afterwards: of the customers taken, how many have a negative
    /// monetary value, the latest last purchase, and whether any has a
    /// purchase (per period, one may have returns only).
    negative: u64,
    latest: Option<Day>,
    purchases: bool,
}

impl crate::input::Sink for Fold {
    fn begin_block(&mut self) {
        Fold::begin_block(self);
    }

    fn row(&mut self, customer: &str, order: Option<&str>, date: Day, amount: Decimal, at: u64) {
        Fold::row(self, customer, order, date, amount, at);
    }

    fn end_block(&mut self) {
        Fold::end_block(self);
    }

    fn finish(&mut self) {
        Fold::finish(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the fold over `rows` (customer, order, date, amount in cents;
    /// order `None` without an order column) on `workers` workers, one
    /// block per row so orders are cut, and returns the metrics by
    /// customer id.
    fn aggregate(
        rows: &[(&str, Option<&str>, Day, Decimal)],
        params: Params,
        grouping: Grouping,
        workers: usize,
        scale: u8,
    ) -> Result<(Aggregate, Vec<CustomerId>), InputError> {
        let at: Vec<u64> = (0..rows.len() as u64).collect();
        aggregate_at(rows, &at, params, grouping, workers, scale)
    }

    /// [`aggregate`] with each row's position given.
    fn aggregate_at(
        rows: &[(&str, Option<&str>, Day, Decimal)],
        at: &[u64],
        params: Params,
        grouping: Grouping,
        workers: usize,
        scale: u8,
    ) -> Result<(Aggregate, Vec<CustomerId>), InputError> {
        let mut folds: Vec<Fold> = mailboxes(workers)
            .into_iter()
            .enumerate()
            .map(|(me, mailbox)| Fold::worker(params, grouping, me, mailbox))
            .collect();
        for (i, &(customer, order, date, amount)) in rows.iter().enumerate() {
            let fold = &mut folds[i % workers];
            fold.begin_block();
            fold.row(customer, order, date, amount, at[i]);
            fold.end_block();
        }
        // Every worker must finish before any can see its inbox closed.
        std::thread::scope(|s| {
            for f in folds.iter_mut() {
                s.spawn(move || f.finish());
            }
        });
        match Fold::merge(params, grouping, folds, scale) {
            Ok(Outcome::Done(result)) => result.map(|(mut a, ids)| {
                a.customers
                    .sort_by_key(|c| ids[c.customer as usize].clone());
                (a, ids)
            }),
            Ok(Outcome::NotContiguous) => panic!("not contiguous"),
            Err(Full) => panic!("full"),
        }
    }

    /// Metrics by customer id, the as-of date and the counts.
    type View = (Vec<(String, CustomerMetrics)>, Day, Stats);

    /// The same result on every grouping, number of workers and row order
    /// (reversed rows are scattered for the runs: only hash groups them).
    fn check(rows: &[(&str, Option<&str>, Day, i64)], params: Params) -> Result<View, String> {
        let rows: Vec<_> = rows
            .iter()
            .map(|&(c, o, d, cents)| {
                (
                    c,
                    o,
                    d,
                    Decimal {
                        mantissa: cents,
                        scale: 2,
                    },
                )
            })
            .collect();
        let rows = rows.as_slice();
        let view = |r: Result<(Aggregate, Vec<CustomerId>), InputError>| {
            r.map(|(a, ids)| {
                let rows = a
                    .customers
                    .iter()
                    .map(|c| {
                        let mut c = *c;
                        let id = ids[c.customer as usize].to_string();
                        c.customer = 0;
                        // Checked on its own (`last_at_is_the_last_line_...`).
                        c.last_at = 0;
                        (id, c)
                    })
                    .collect::<Vec<_>>();
                (rows, a.as_of, a.stats)
            })
            .map_err(|e| e.to_string())
        };
        let expected = view(aggregate(rows, params, Grouping::Runs, 1, 2));
        for workers in [1, 2, 3] {
            assert_eq!(
                view(aggregate(rows, params, Grouping::Runs, workers, 2)),
                expected
            );
            assert_eq!(
                view(aggregate(rows, params, Grouping::Hash, workers, 2)),
                expected
            );
            // Read in the other order, each row where it was.
            let reversed: Vec<_> = rows.iter().rev().copied().collect();
            let at: Vec<u64> = (0..rows.len() as u64).rev().collect();
            assert_eq!(
                view(aggregate_at(
                    &reversed,
                    &at,
                    params,
                    Grouping::Hash,
                    workers,
                    2
                )),
                expected
            );
        }
        expected
    }

    fn metrics(first: Day, last: Day, frequency: u32, monetary: i64) -> CustomerMetrics {
        CustomerMetrics {
            customer: 0,
            first,
            last,
            frequency,
            monetary,
            last_at: 0,
        }
    }

    #[test]
    fn order_lines_group_into_orders() {
        // a: order 10 on days 5 and 7 (date = 5), 30.00 + 20.00; order 11 on
        //    day 9, 10.00.
        // b: order 12 on day 3, 5.00; order 13 (a return) on day 8, -5.00.
        let rows = [
            ("a", Some("10"), 7, 2000),
            ("a", Some("10"), 5, 3000),
            ("a", Some("11"), 9, 1000),
            ("b", Some("12"), 3, 500),
            ("b", Some("13"), 8, -500),
        ];
        let (customers, as_of, stats) = check(&rows, Params::default()).unwrap();
        assert_eq!(as_of, 10, "day after the latest purchase (day 9)");
        assert_eq!(
            customers,
            [
                ("a".to_owned(), metrics(5, 9, 2, 6000)),
                ("b".to_owned(), metrics(3, 3, 1, 0)),
            ]
        );
        assert_eq!(stats.orders, 4);
    }

    #[test]
    fn an_order_id_of_another_customer_is_another_order() {
        let rows = [("a", Some("1"), 1, 1000), ("b", Some("1"), 2, -300)];
        let (customers, _, stats) = check(&rows, Params::default()).unwrap();
        assert_eq!(customers, [("a".to_owned(), metrics(1, 1, 1, 1000))]);
        assert_eq!((stats.orders, stats.without_purchase), (2, 1));
    }

    #[test]
    fn without_order_column_each_row_is_an_order() {
        let rows = [
            ("a", None, 1, 100),
            ("a", None, 1, 100),
            ("a", Some(""), 2, -300),
        ];
        let (customers, as_of, _) = check(&rows, Params::default()).unwrap();
        assert_eq!(customers, [("a".to_owned(), metrics(1, 1, 2, -100))]);
        assert_eq!(as_of, 2, "the return on day 2 is not a purchase");
    }

    #[test]
    fn returns_ignore_drops_negative_rows_first() {
        // One order with a +10.00 line and a -4.00 line, plus a pure return.
        let rows = [
            ("a", Some("1"), 1, 1000),
            ("a", Some("1"), 1, -400),
            ("a", Some("2"), 3, -700),
        ];
        let (net, _, _) = check(&rows, Params::default()).unwrap();
        assert_eq!(net[0].1.monetary, -100);
        let ignore = Params {
            returns: Returns::Ignore,
            ..Params::default()
        };
        let (gross, _, stats) = check(&rows, ignore).unwrap();
        assert_eq!(gross[0].1.monetary, 1000);
        assert_eq!(stats.negative_rows_dropped, 2);
    }

    #[test]
    fn customers_without_a_purchase_are_counted_not_scored() {
        // c: order 3 = -0.50, order 4 = +0.50 -> one purchase, monetary 0.
        let rows = [
            ("a", Some("1"), 1, 1000),
            ("b", Some("2"), 1, 0),
            ("c", Some("3"), 1, -50),
            ("c", Some("4"), 2, 50),
        ];
        let (customers, _, stats) = check(&rows, Params::default()).unwrap();
        let ids: Vec<&str> = customers.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(stats.without_purchase, 1);
    }

    #[test]
    fn window_and_as_of_cut_orders() {
        let rows = [
            ("a", Some("1"), 1, 100),
            ("a", Some("2"), 5, 100),
            ("a", Some("3"), 9, 100),
            ("b", Some("4"), 9, 100),
        ];
        let params = Params {
            since: Some(2),
            until: Some(9),
            as_of: Some(9),
            ..Params::default()
        };
        let (customers, as_of, stats) = check(&rows, params).unwrap();
        assert_eq!(as_of, 9);
        assert_eq!(stats.outside_window, 1);
        assert_eq!(stats.after_as_of, 2);
        assert_eq!(customers, [("a".to_owned(), metrics(5, 5, 1, 100))]);
    }

    #[test]
    fn no_purchase_at_all_is_an_error() {
        let rows = [("a", Some("1"), 1, -100)];
        let err = check(&rows, Params::default()).unwrap_err();
        assert!(err.contains("no customer has a purchase"), "{err}");
    }

    #[test]
    fn long_ids_cross_workers() {
        let long = "a.very.long.customer.id@example.com";
        let rows = [
            (long, Some("1"), 1, 100),
            ("b", Some("2"), 2, 100),
            (long, Some("1"), 3, 100),
            (long, Some("3"), 4, 100),
        ];
        let (customers, _, _) = check(&rows, Params::default()).unwrap();
        assert_eq!(customers[0], (long.to_owned(), metrics(1, 4, 2, 300)));
    }

    #[test]
    fn amounts_of_every_scale_add_up_exactly_on_every_worker() {
        // The fold rescales when an amount brings more decimals, mail says
        // its scale, and the merge brings every fold to the input's scale.
        let d = |mantissa, scale| Decimal { mantissa, scale };
        let long = "a.customer.id.longer.than.inline@example.com";
        let rows = [
            ("a", Some("1"), 1, d(15, 1)),    // 1.5
            ("b", Some("2"), 1, d(7, 0)),     // 7
            (long, Some("3"), 2, d(225, 2)),  // 2.25
            ("a", Some("1"), 2, d(1, 3)),     // 0.001, same order
            ("b", Some("4"), 3, d(-5, 1)),    // -0.5
            (long, None, 4, d(1_000_001, 6)), // 1.000001
            ("c", Some("5"), 5, d(3, 0)),     // 3
        ];
        // Monetary at 6 decimals, by hand.
        let expected = [
            ("a", 1_501_000),
            (long, 3_250_001),
            ("b", 6_500_000),
            ("c", 3_000_000),
        ];
        for grouping in [Grouping::Runs, Grouping::Hash] {
            for workers in [1, 2, 3] {
                let (a, ids) = aggregate(&rows, Params::default(), grouping, workers, 6).unwrap();
                let mut got: Vec<(String, i64)> = a
                    .customers
                    .iter()
                    .map(|c| (ids[c.customer as usize].to_string(), c.monetary))
                    .collect();
                got.sort();
                let mut want: Vec<(String, i64)> =
                    expected.iter().map(|&(id, m)| (id.to_owned(), m)).collect();
                want.sort();
                assert_eq!(got, want, "{grouping:?} on {workers} workers");
            }
        }
    }

    /// `--predict`'s occasions: distinct purchase days, the first and last,
    /// and the first day's purchases, whatever the grouping, the workers, the
    /// row order and the amounts' scales. Worked out by hand: `a` buys
    /// twice on day 10 (3.00 + 1.50, one occasion), returns 2.00 on day 11
    /// (not a purchase), buys 0.005 (scale 3) on day 12 and 4.00 on day 20;
    /// `b` buys once, in an order of two lines on day 5.
    #[test]
    fn occasions_count_purchase_days_and_their_values() {
        let dec = |mantissa, scale| Decimal { mantissa, scale };
        let rows = [
            ("a", Some("1"), 10, dec(300, 2)),
            ("b", Some("7"), 5, dec(100, 2)),
            ("b", Some("7"), 5, dec(250, 2)),
            ("a", Some("2"), 10, dec(150, 2)),
            ("a", Some("3"), 11, dec(-200, 2)),
            ("a", Some("4"), 12, dec(5, 3)),
            ("a", Some("5"), 20, dec(400, 2)),
        ];
        let params = Params {
            occasions: true,
            ..Params::default()
        };
        let expected = [
            // at scale 3
            (
                "a",
                Occasions {
                    days: 3,
                    first: 10,
                    last: 20,
                    first_value: 4500,
                },
            ),
            (
                "b",
                Occasions {
                    days: 1,
                    first: 5,
                    last: 5,
                    first_value: 3500,
                },
            ),
        ];
        let reversed: Vec<_> = rows.iter().rev().copied().collect();
        for grouping in [Grouping::Runs, Grouping::Hash] {
            for workers in [1, 2, 3] {
                for rows in [&rows[..], &reversed[..]] {
                    let (agg, ids) = aggregate(rows, params, grouping, workers, 3).unwrap();
                    let got: Vec<_> = agg
                        .customers
                        .iter()
                        .map(|m| {
                            (
                                ids[m.customer as usize].as_str(),
                                agg.occasions[m.customer as usize],
                            )
                        })
                        .collect();
                    assert_eq!(got, expected, "{grouping:?} on {workers} workers");
                }
            }
        }
        // Not asked for: none kept.
        let (agg, _) = aggregate(&rows, Params::default(), Grouping::Runs, 2, 3).unwrap();
        assert!(agg.occasions.is_empty());
    }

    #[test]
    fn a_customer_takes_64_bytes() {
        // The figure the docs give (docs/decisions.md, "One engine").
        assert_eq!(std::mem::size_of::<Entry>(), 64);
    }

    #[test]
    fn last_at_is_the_last_line_of_the_latest_purchase() {
        // a: purchases on day 5 and day 9 (order 2, lines at 1 and 2), a
        // return on day 10 (not a purchase). c: two purchases on day 7,
        // order 6's last line (8) read after order 7's only line (7).
        let d = |cents| Decimal {
            mantissa: cents,
            scale: 2,
        };
        let rows = [
            ("a", Some("1"), 5, d(1000)),
            ("a", Some("2"), 9, d(2000)),
            ("a", Some("2"), 9, d(500)),
            ("a", Some("3"), 10, d(-5000)),
            ("b", Some("4"), 3, d(100)),
            ("b", None, 3, d(100)),
            ("c", Some("6"), 7, d(100)),
            ("c", Some("7"), 7, d(100)),
            ("c", Some("6"), 7, d(100)),
        ];
        let expected = [("a", 2), ("b", 5), ("c", 8)];
        let forward: Vec<u64> = (0..rows.len() as u64).collect();
        let reversed_rows: Vec<_> = rows.iter().rev().copied().collect();
        let backward: Vec<u64> = forward.iter().rev().copied().collect();
        for (rows, at, groupings) in [
            (&rows[..], &forward, &[Grouping::Runs, Grouping::Hash][..]),
            (&reversed_rows[..], &backward, &[Grouping::Hash][..]),
        ] {
            for &grouping in groupings {
                for workers in [1, 2, 3] {
                    let (a, ids) =
                        aggregate_at(rows, at, Params::default(), grouping, workers, 2).unwrap();
                    let mut got: Vec<(String, u64)> = a
                        .customers
                        .iter()
                        .map(|c| (ids[c.customer as usize].to_string(), c.last_at))
                        .collect();
                    got.sort();
                    let want: Vec<(String, u64)> =
                        expected.iter().map(|&(c, at)| (c.to_owned(), at)).collect();
                    assert_eq!(got, want, "{grouping:?} on {workers} workers");
                }
            }
        }
    }

    #[test]
    fn scattered_runs_are_detected() {
        // Order 1's rows are 17 other orders apart: beyond the window.
        let mut rows = vec![("a", Some("1".to_owned()), 1, 100)];
        for i in 0..17 {
            rows.push(("c", Some(format!("x{i}")), 2, 100));
        }
        rows.push(("a", Some("1".to_owned()), 3, -100));
        let params = Params::default();
        let mut fold = Fold::new(params, Grouping::Runs);
        for (i, (c, o, d, a)) in rows.iter().enumerate() {
            fold.row(
                c,
                o.as_deref(),
                *d,
                Decimal {
                    mantissa: *a,
                    scale: 2,
                },
                i as u64,
            );
        }
        fold.finish();
        assert!(matches!(
            Fold::merge(params, Grouping::Runs, vec![fold], 2),
            Ok(Outcome::NotContiguous)
        ));
    }

    /// Whether rows (customer, order id) read on one worker come out as
    /// orders read in runs.
    fn read_as_runs(rows: &[(&str, String)]) -> bool {
        let params = Params::default();
        let mut fold = Fold::new(params, Grouping::Runs);
        for (i, (customer, order)) in rows.iter().enumerate() {
            let amount = Decimal {
                mantissa: 100,
                scale: 2,
            };
            fold.row(customer, Some(order), 1, amount, i as u64);
        }
        fold.finish();
        matches!(
            Fold::merge(params, Grouping::Runs, vec![fold], 2),
            Ok(Outcome::Done(_))
        )
    }

    #[test]
    fn an_order_stays_open_while_it_is_among_the_most_recently_used() {
        // Order `a` comes back after every OPEN_ORDERS - 1 other orders:
        // the window closes the least recently used, never `a`, however
        // long ago `a` was opened.
        let mut rows = Vec::new();
        for round in 0..10 {
            rows.push(("a", "1".to_owned()));
            for i in 0..OPEN_ORDERS - 1 {
                rows.push(("c", format!("{round}-{i}")));
            }
        }
        rows.push(("a", "1".to_owned()));
        assert!(read_as_runs(&rows));
        // One more order in between, and `a` is closed before it comes back.
        rows.insert(1, ("c", "extra".to_owned()));
        assert!(!read_as_runs(&rows));
    }
}
