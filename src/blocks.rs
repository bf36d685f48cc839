//! The parallel reading: blocks of lines parsed and aggregated on every core.
//!
//! Why: on one thread, splitting fields, checking them and folding them into
//! per-customer state costs about 300 ns a row, so one core sets the pace
//! however the work is pipelined. Here the input is cut into blocks of whole
//! lines; every worker parses the blocks it takes and folds their orders into
//! the customer partitions it owns (`stream::owned`), mailing the orders of
//! the other partitions to their owners. No row is copied between threads,
//! and every customer has one table entry, so memory still grows with the
//! customers only.
//!
//! Two things a block cannot know are settled after all blocks are read:
//! - Orders cut by a block boundary: each block keeps its first orders and
//!   the ones still open at its end as fragments, which are joined by
//!   (customer, order id) at the end. The run fingerprints of
//!   `stream` still verify that no order was read as two runs.
//! - The decimal scale: amounts are kept at a fixed [`SCALE`] and divided to
//!   the common scale at the end (exactly: no amount had more decimals).
//!
//! The blocks take the plain case only: files whose data has no `"` (no
//! quoted fields, so every line break ends a record) and no lone `\r`, and
//! whose rows are all valid. Anything else (a quote, a bad row, a Parquet
//! input, amounts with more than [`SCALE`] decimals or sums near the `i64`
//! limit) makes the reading give up, and the caller reads again on one
//! thread, which handles every case and names every error exactly. Either
//! way the result is the one docs/method.md defines; `tests/engines.rs`
//! holds the paths to identical output.

use crate::aggregate::Params;
use crate::columns::ColumnMap;
use crate::error::InputError;
use crate::load::{self, CsvBody, LoadReport, LoadSettings, Row, Source, TextValues};
use crate::money;
use crate::stream::{Mail, Outcome, StreamSink};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};

/// The decimal scale amounts are kept at while reading in blocks.
pub const SCALE: u8 = 6;

/// The block size unless `RFM_BLOCK_BYTES` says otherwise.
pub const BLOCK_BYTES: usize = 4 << 20;

/// What the parallel reading came to.
pub enum Attempt {
    /// The result, as `stream::stream` gives it.
    Done(Box<(Outcome, LoadReport)>),
    /// The inputs need the reading on one thread.
    Declined,
}

/// A block of whole lines of one input.
struct Block {
    bytes: Vec<u8>,
    file: usize,
    delimiter: u8,
    map: Arc<ColumnMap>,
}

/// What a worker read besides its sink.
#[derive(Default)]
struct Tally {
    /// Data rows per input.
    rows: Vec<u64>,
    missing_customer: u64,
    /// Sum of |amount| at [`SCALE`].
    abs_sum: u128,
    /// The most decimals an amount had.
    scale: u8,
}

/// Reads every input in blocks on `workers` threads (at least one).
pub fn stream(
    settings: &LoadSettings,
    params: &Params,
    on_columns: &mut dyn FnMut(&ColumnMap, Source),
    workers: usize,
    block_bytes: usize,
) -> Result<Attempt, InputError> {
    let workers = workers.max(1);
    let block_bytes = block_bytes.max(1);
    let give_up = AtomicBool::new(false);
    let (block_tx, block_rx) = mpsc::sync_channel::<Block>(2 * workers);
    // Owned by the workers only: if they all stop (a panic), sending fails
    // instead of waiting forever, and the panic is raised at the join.
    let block_rx = Arc::new(Mutex::new(block_rx));
    let (read, results) = std::thread::scope(|scope| {
        let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
        let (mail_tx, mail_rx): (Vec<Sender<Mail>>, Vec<Receiver<Mail>>) =
            (0..workers).map(|_| mpsc::channel()).unzip();
        let handles: Vec<_> = mail_rx
            .into_iter()
            .enumerate()
            .map(|(me, inbox)| {
                let senders = (0..workers)
                    .map(|to| (to != me).then(|| mail_tx[to].clone()))
                    .collect();
                let sink = StreamSink::worker(*params, me, senders);
                let (blocks, free, give_up) = (Arc::clone(&block_rx), free_tx.clone(), &give_up);
                scope.spawn(move || work(sink, &blocks, inbox, free, settings, give_up))
            })
            .collect();
        drop((mail_tx, free_tx, block_rx));
        let mut feeder = Feeder {
            tx: block_tx,
            free: free_rx,
            give_up: &give_up,
            block_bytes,
        };
        let read = load::read_blocks(settings, on_columns, &mut |body| feeder.feed(body));
        drop(feeder);
        let results: Vec<(StreamSink, Tally)> = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
        (read, results)
    });
    // A worker that gave up saw a row before whatever stopped the reading
    // (a later file's header, say): one thread reports them in file order.
    if give_up.load(Ordering::Relaxed) {
        return Ok(Attempt::Declined);
    }
    let Some(mut report) = read? else {
        return Ok(Attempt::Declined);
    };
    let mut sinks = Vec::with_capacity(results.len());
    let mut abs_sum = 0u128;
    for (sink, tally) in results {
        for (i, rows) in tally.rows.iter().enumerate() {
            if let Some(file) = report.files.get_mut(i) {
                file.1 += rows;
            }
        }
        report.missing_customer += tally.missing_customer;
        report.scale = report.scale.max(tally.scale);
        abs_sum += tally.abs_sum;
        sinks.push(sink);
    }
    // Below this no sum of amounts can have overflowed; above it the reading
    // on one thread says exactly where the amounts stop fitting.
    if abs_sum > i64::MAX as u128 {
        return Ok(Attempt::Declined);
    }
    report.check_rows()?;
    let mut outcome = match StreamSink::merge(*params, sinks) {
        Ok(outcome) => outcome,
        Err(_) => return Ok(Attempt::Declined),
    };
    if let Outcome::Done(Ok((aggregate, _))) = &mut outcome {
        let divisor = 10i64.pow(u32::from(SCALE - report.scale));
        for c in &mut aggregate.customers {
            c.monetary /= divisor;
        }
    }
    Ok(Attempt::Done(Box::new((outcome, report))))
}

/// The reading side: cuts each input into blocks of whole lines.
struct Feeder<'a> {
    tx: SyncSender<Block>,
    /// Buffers the workers are done with.
    free: Receiver<Vec<u8>>,
    give_up: &'a AtomicBool,
    block_bytes: usize,
}

impl Feeder<'_> {
    /// Sends the input's data as blocks; false if the blocks cannot take it.
    fn feed(&mut self, mut body: CsvBody<'_>) -> Result<bool, InputError> {
        let read_err = |source| InputError::Read {
            file: body.file.to_owned(),
            source,
        };
        // Delimiters that are line ends or quotes: not the plain case.
        if matches!(body.delimiter, b'\n' | b'\r' | b'"') {
            return Ok(false);
        }
        let map = Arc::new(body.map.clone());
        let mut carry: Vec<u8> = Vec::new();
        loop {
            if self.give_up.load(Ordering::Relaxed) {
                return Ok(false);
            }
            let mut bytes = self
                .free
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(self.block_bytes + 64 * 1024));
            bytes.clear();
            bytes.append(&mut carry);
            // Up to the block size, then on to the end of a line.
            let mut eof = false;
            let mut searched = 0;
            let cut = loop {
                if bytes.len() >= self.block_bytes {
                    if let Some(i) = memchr::memrchr(b'\n', &bytes[searched..]) {
                        break searched + i + 1;
                    }
                    searched = bytes.len();
                }
                // Up to the block size; past it, on in steps to the line end.
                let want = match self.block_bytes.checked_sub(bytes.len()) {
                    Some(rest) if rest > 0 => rest,
                    _ => self.block_bytes.min(64 * 1024),
                };
                let n = (&mut body.reader)
                    .take(want as u64)
                    .read_to_end(&mut bytes)
                    .map_err(read_err)?;
                if n == 0 {
                    eof = true;
                    break bytes.len();
                }
            };
            carry.extend_from_slice(&bytes[cut..]);
            bytes.truncate(cut);
            if memchr::memchr(b'"', &bytes).is_some() {
                self.give_up.store(true, Ordering::Relaxed);
                return Ok(false);
            }
            if !bytes.is_empty() {
                let block = Block {
                    bytes,
                    file: body.index,
                    delimiter: body.delimiter,
                    map: Arc::clone(&map),
                };
                if self.tx.send(block).is_err() {
                    return Ok(false);
                }
            }
            if eof {
                return Ok(true);
            }
        }
    }
}

/// A worker: parses and folds the blocks it takes, applies the orders
/// mailed to it, and returns its share of the state.
fn work(
    mut sink: StreamSink,
    blocks: &Mutex<Receiver<Block>>,
    inbox: Receiver<Mail>,
    free: Sender<Vec<u8>>,
    settings: &LoadSettings,
    give_up: &AtomicBool,
) -> (StreamSink, Tally) {
    let mut tally = Tally::default();
    loop {
        // The lock is held only while waiting for the next block.
        let next = match blocks.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => break,
        };
        let Ok(block) = next else { break };
        if !give_up.load(Ordering::Relaxed) {
            sink.begin_block();
            let ok = read_block(&block, &mut sink, &mut tally, settings);
            sink.end_block();
            if !ok {
                give_up.store(true, Ordering::Relaxed);
            }
            for mail in inbox.try_iter() {
                if sink.receive(mail).is_err() {
                    give_up.store(true, Ordering::Relaxed);
                }
            }
        }
        let _ = free.send(block.bytes);
    }
    if sink.finish_sending().is_err() {
        give_up.store(true, Ordering::Relaxed);
    }
    // Every worker's senders are gone once all are done: the inbox closes.
    for mail in inbox {
        if sink.receive(mail).is_err() {
            give_up.store(true, Ordering::Relaxed);
        }
    }
    sink.sort_runs();
    (sink, tally)
}

/// Parses a block's lines into `sink`; false when a line needs the reading
/// on one thread (a bad row, a lone `\r`, too many decimals).
///
/// A block that is valid UTF-8 as a whole (the usual case) is checked once,
/// not field by field; otherwise each line is, and a line that is not has
/// only the fields rfm uses checked (as on one thread).
fn read_block(
    block: &Block,
    sink: &mut StreamSink,
    tally: &mut Tally,
    settings: &LoadSettings,
) -> bool {
    if tally.rows.len() <= block.file {
        tally.rows.resize(block.file + 1, 0);
    }
    let bytes = &block.bytes;
    let carriage_returns = memchr::memchr(b'\r', bytes).is_some();
    let mut rows = 0u64;
    // Valid UTF-8 as a whole (the usual case): checked once, not per field.
    // Otherwise only the fields rfm uses are checked, as on one thread.
    let valid = std::str::from_utf8(bytes).ok();
    let text = |(start, end): (usize, usize)| match valid {
        // Cutting valid UTF-8 at ASCII bytes leaves valid UTF-8.
        Some(all) => all.get(start..end),
        None => std::str::from_utf8(&bytes[start..end]).ok(),
    };
    // Line ends and delimiters in one vectorised pass over the block.
    let mut cuts: Vec<usize> = Vec::with_capacity(block.map.header.len());
    let mut fields: Vec<(usize, usize)> = Vec::with_capacity(block.map.header.len());
    let mut line_start = 0;
    let positions = memchr::memchr2_iter(block.delimiter, b'\n', bytes);
    for pos in positions.chain(std::iter::once(bytes.len())) {
        if bytes.get(pos) == Some(&block.delimiter) {
            cuts.push(pos);
            continue;
        }
        let mut end = pos;
        if carriage_returns {
            if end > line_start && bytes[end - 1] == b'\r' {
                end -= 1;
            }
            if memchr::memchr(b'\r', &bytes[line_start..end]).is_some() {
                return false;
            }
        }
        // Blank lines are not records (as for the CSV reader).
        if end > line_start {
            rows += 1;
            fields.clear();
            let mut from = line_start;
            for &cut in &cuts {
                fields.push((from, cut));
                from = cut + 1;
            }
            fields.push((from, end));
            let values = load::row_values(|i| text(fields[i]), fields.len(), &block.map, settings);
            let ok = match values {
                Ok(Some(values)) => fold(values, sink, tally),
                Ok(None) => {
                    tally.missing_customer += 1;
                    true
                }
                Err(_) => false,
            };
            if !ok {
                return false;
            }
        }
        cuts.clear();
        line_start = pos + 1;
    }
    tally.rows[block.file] += rows;
    true
}

/// Folds a valid row into the sink at [`SCALE`]; false if it does not fit.
fn fold(values: TextValues<'_>, sink: &mut StreamSink, tally: &mut Tally) -> bool {
    use crate::load::RowSink;
    let amount = values.amount;
    if amount.scale > SCALE {
        return false;
    }
    let Some(value) = money::rescale(amount.mantissa, amount.scale, SCALE) else {
        return false;
    };
    tally.scale = tally.scale.max(amount.scale);
    tally.abs_sum += u128::from(value.unsigned_abs());
    let row = Row {
        customer: values.customer,
        order: values.order,
        date: values.date,
    };
    sink.row(&row, value).is_ok()
}

/// How many workers: one per core.
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{CustomerMetrics, Returns, Stats};
    use crate::input::InputPath;
    use crate::stream;
    use std::path::Path;

    /// A comparable view of a result: metrics by customer id, the stats, and
    /// what the reader counted.
    type Summary = (
        Vec<(String, CustomerMetrics)>,
        Stats,
        i32,
        Vec<(String, u64)>,
        u64,
        u8,
    );

    fn summary(outcome: Outcome, report: &LoadReport) -> Summary {
        let Outcome::Done(Ok((aggregate, ids))) = outcome else {
            panic!("no result");
        };
        let mut rows: Vec<(String, CustomerMetrics)> = aggregate
            .customers
            .iter()
            .map(|c| {
                let mut c = *c;
                let id = ids[c.customer as usize].to_string();
                c.customer = 0;
                (id, c)
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let files = report.files.clone();
        (
            rows,
            aggregate.stats,
            aggregate.as_of,
            files,
            report.missing_customer,
            report.scale,
        )
    }

    fn settings(paths: &[&Path]) -> LoadSettings {
        LoadSettings {
            paths: paths
                .iter()
                .map(|p| InputPath::File(p.to_path_buf()))
                .collect(),
            ..LoadSettings::default()
        }
    }

    fn on_one_thread(settings: &LoadSettings, params: &Params) -> Summary {
        let (outcome, report) = stream::stream(settings, params, &mut |_, _| {}).unwrap();
        summary(outcome, &report)
    }

    fn in_blocks(
        settings: &LoadSettings,
        params: &Params,
        workers: usize,
        block: usize,
    ) -> Option<Summary> {
        match stream(settings, params, &mut |_, _| {}, workers, block).unwrap() {
            Attempt::Done(done) => Some(summary(done.0, &done.1)),
            Attempt::Declined => None,
        }
    }

    /// An export with what the blocks must get right: orders of several
    /// lines (cut by block boundaries when blocks are small), rows without
    /// an order id or a customer, ids longer than fit inline (mailed between
    /// workers), blank lines, 1 to 3 decimals, returns, CRLF or LF.
    fn export(crlf: bool) -> String {
        let mut rows = vec!["order_id,customer_id,order_date,amount".to_owned()];
        for i in 0..400u32 {
            let customer = match i % 7 {
                0 => format!("a.very.long.customer.id.{}@example.com", i % 13),
                1 => String::new(),
                _ => format!("C{:03}", i % 41),
            };
            let order = if i % 11 == 0 {
                String::new()
            } else {
                format!("SO{}", i / 3)
            };
            let lines = 1 + i % 3;
            for line in 0..lines {
                let cents = (i * 37 + line * 11) % 5000;
                let amount = match (i + line) % 5 {
                    0 => format!("-{}.{:02}", cents / 100, cents % 100),
                    1 => format!("{}.{:03}", cents / 100, cents % 1000),
                    2 => format!("{}.5", cents / 100),
                    _ => format!("{}.{:02}", cents / 100, cents % 100),
                };
                let day = 1 + (i * 7 + line) % 28;
                rows.push(format!(
                    "{order},{customer},2025-0{}-{day:02},{amount}",
                    1 + i % 9
                ));
            }
            if i % 50 == 0 {
                rows.push(String::new());
            }
        }
        let end = if crlf { "\r\n" } else { "\n" };
        rows.join(end) + end
    }

    #[test]
    fn issue_3_blocks_give_the_one_thread_result() {
        let dir = tempfile::tempdir().unwrap();
        for crlf in [false, true] {
            let path = dir.path().join("orders.csv");
            std::fs::write(&path, export(crlf)).unwrap();
            let second = dir.path().join("more.csv");
            std::fs::write(&second, export(crlf).replace("SO", "X")).unwrap();
            for paths in [vec![path.as_path()], vec![path.as_path(), second.as_path()]] {
                let settings = settings(&paths);
                for params in [
                    Params::default(),
                    Params {
                        returns: Returns::Ignore,
                        since: Some(20_100),
                        as_of: Some(20_200),
                        ..Params::default()
                    },
                ] {
                    let expected = on_one_thread(&settings, &params);
                    assert!(expected.0.len() > 40, "{}", expected.0.len());
                    assert_eq!(expected.5, 3, "the scale");
                    for workers in [1, 2, 3] {
                        for block in [1, 50, 333, 1 << 20] {
                            let got = in_blocks(&settings, &params, workers, block);
                            assert_eq!(
                                got.as_ref(),
                                Some(&expected),
                                "{workers} workers, {block}-byte blocks, crlf {crlf}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn issue_3_what_the_blocks_do_not_take_is_left_to_one_thread() {
        let dir = tempfile::tempdir().unwrap();
        let header = "order_id,customer_id,order_date,amount\n";
        for (name, body) in [
            ("quoted", "1,\"a\",2025-01-01,1.00\n"),
            ("bad amount", "1,a,2025-01-01,one\n"),
            ("ragged", "1,a,2025-01-01\n"),
            ("lone cr", "1,a,2025-01-01,1.00\r2,b,2025-01-01,2.00\n"),
            ("seven decimals", "1,a,2025-01-01,1.0000001\n"),
        ] {
            let path = dir.path().join("x.csv");
            let rows = header.to_owned() + &"9,z,2025-01-02,3.00\n".repeat(50) + body;
            std::fs::write(&path, rows).unwrap();
            let got = stream(
                &settings(&[&path]),
                &Params::default(),
                &mut |_, _| {},
                2,
                64,
            );
            match got {
                Ok(Attempt::Declined) => {}
                _ => panic!("{name}: not declined"),
            }
        }
        // A plain file is taken (the control).
        let path = dir.path().join("plain.csv");
        std::fs::write(&path, format!("{header}1,a,2025-01-01,1.00\n")).unwrap();
        assert!(in_blocks(&settings(&[&path]), &Params::default(), 2, 64).is_some());
    }
}
