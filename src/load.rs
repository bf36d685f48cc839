//! Reading order exports into columns.
//!
//! The loader streams every input once through the `csv` crate and keeps
//! only what the method needs, dictionary-encoded: a customer code (`u32`),
//! an order code (`u32`), the order date (`i32` days) and the amount (`i64` at
//! one common decimal scale). That is 20 bytes a row whatever the width of
//! the export, and it lets the aggregation group on integers instead of
//! strings. Customer ids are kept verbatim (`00042` stays `00042`) in the
//! dictionary.
//!
//! Every field rfm reads is validated here, so errors can name the file, the
//! line, the column and the value. `--skip-bad-rows` turns those errors into
//! counted rejects.

use crate::columns::{AmountColumns, ColumnFlags, ColumnMap};
use crate::dates::{DateFormat, Day};
use crate::error::{InputError, Position, RowProblem};
use crate::input::{self, Content, InputPath};
use crate::money::{self, Decimal, DecimalSeparator};
use crate::parquet::ParquetFile;
use csv::ByteRecord;
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Read;

/// How to read the inputs.
#[derive(Debug, Clone, Default)]
pub struct LoadSettings {
    /// The inputs, read as one data set.
    pub paths: Vec<InputPath>,
    /// Column names from the command line.
    pub columns: ColumnFlags,
    /// `--delimiter`; sniffed per file when `None`.
    pub delimiter: Option<u8>,
    /// `--decimal-comma`.
    pub decimal: DecimalSeparator,
    /// `--date-format`.
    pub date_format: DateFormat,
    /// `--skip-bad-rows` (or `--rejects`).
    pub skip_bad_rows: bool,
    /// Keep every rejected row for `--rejects` (otherwise only the first).
    pub keep_rejected: bool,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

/// The order lines, column by column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderColumns {
    /// Customer code per row (an index into [`OrderLines::customer_ids`]).
    pub customer: Vec<u32>,
    /// Order code per row, when an order column is mapped. Rows with an empty
    /// order id get a code of their own (each is one order).
    pub order: Option<Vec<u32>>,
    /// Order date per row.
    pub date: Vec<Day>,
    /// Amount per row, as an integer count of `10^-scale`.
    pub amount: Vec<i64>,
    /// The common decimal scale of `amount`.
    pub scale: u8,
}

/// Everything the loader read.
#[derive(Debug, Clone, Default)]
pub struct OrderLines {
    /// Customer ids, verbatim (trimmed), indexed by customer code.
    pub customer_ids: Vec<String>,
    /// The rows.
    pub columns: OrderColumns,
}

/// A row that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The file.
    pub file: String,
    /// Where the row is (the line it starts on, or its Parquet row number).
    pub line: Position,
    /// What is wrong.
    pub reason: String,
    /// The row's fields (lossily decoded).
    pub fields: Vec<String>,
}

/// What the loader saw, for the notes.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// The resolved column roles.
    pub columns: String,
    /// The header of the first file.
    pub header: Vec<String>,
    /// Data rows per input: (name, rows).
    pub files: Vec<(String, u64)>,
    /// Rows without a customer id (dropped).
    pub missing_customer: u64,
    /// Rows skipped with `--skip-bad-rows`.
    pub rejected_count: u64,
    /// The first skipped row, for the note.
    pub first_rejected: Option<Rejected>,
    /// Every skipped row, when [`LoadSettings::keep_rejected`] is set.
    pub rejected: Vec<Rejected>,
    /// The common decimal scale of the amounts.
    pub scale: u8,
}

impl LoadReport {
    /// Data rows read over all inputs.
    pub fn rows(&self) -> u64 {
        self.files.iter().map(|(_, n)| n).sum()
    }

    /// The error for inputs without data rows.
    pub fn check_rows(&self) -> Result<(), InputError> {
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

/// Reads every input into columns (the input of the polars aggregation).
/// `on_columns` is called once the columns are resolved (before the bulk of
/// the reading), so the choice can be reported early.
pub fn load(
    settings: &LoadSettings,
    on_columns: &mut dyn FnMut(&ColumnMap, Source),
) -> Result<(OrderLines, LoadReport), InputError> {
    let mut sink = ColumnSink::default();
    let report = read_rows(settings, on_columns, &mut sink)?;
    let lines = OrderLines {
        customer_ids: sink.customer_ids,
        columns: sink.columns,
    };
    Ok((lines, report))
}

/// One valid order line, as handed to a [`RowSink`].
pub struct Row<'a> {
    /// The customer id (trimmed, never empty).
    pub customer: &'a str,
    /// The order id when an order column is mapped (may be empty: a row of
    /// its own).
    pub order: Option<&'a str>,
    /// The order date.
    pub date: Day,
}

/// What the row reader feeds: every valid row, and scale changes.
///
/// Amounts arrive as integers at the common scale of the run. When a row
/// brings more decimals, [`RowSink::rescale`] is called first so the sink can
/// bring everything it holds to the new scale; the reader guarantees that the
/// sum of all absolute amounts fits an `i64` (at the new scale, before asking
/// for a rescale), so sinks can add and rescale without overflow.
pub trait RowSink {
    /// A valid row with its amount at the current scale.
    fn row(&mut self, row: &Row<'_>, amount: i64) -> Result<(), TooMany>;
    /// The common scale rose: multiply every stored amount by `factor`
    /// (which cannot overflow: see above).
    fn rescale(&mut self, factor: i64, new_scale: u8);
}

/// A sink's dictionary is full: more than `u32::MAX` distinct `.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooMany(pub &'static str);

/// What kind of input the columns were found in (for the columns note).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Delimited text.
    Csv {
        /// The delimiter.
        delimiter: u8,
    },
    /// A Parquet file.
    Parquet,
}

/// Reads every input, validating each row and feeding the valid ones to
/// `sink`. Returns what was seen, and the final decimal scale.
pub fn read_rows(
    settings: &LoadSettings,
    on_columns: &mut dyn FnMut(&ColumnMap, Source),
    sink: &mut dyn RowSink,
) -> Result<LoadReport, InputError> {
    let bar = input::progress_bar(&settings.paths, settings.progress);
    let reading = Reading {
        settings,
        on_columns,
        sink,
        blocks: None,
        declined: false,
        bar: &bar,
        scale: Scale::default(),
        report: LoadReport::default(),
        first: None,
    };
    let result = reading.all();
    // Cleared on errors too, so no stale bar stays above the message.
    bar.finish_and_clear();
    result
}

/// The data of one delimited input after its header, for the parallel
/// reading (`blocks`).
pub struct CsvBody<'a> {
    /// The input's position among the inputs.
    pub index: usize,
    /// Its name.
    pub file: &'a str,
    /// The bytes after the header line.
    pub reader: Box<dyn Read + Send>,
    /// Its delimiter.
    pub delimiter: u8,
    /// The columns (the same for every input).
    pub map: &'a ColumnMap,
}

/// What takes the data of each delimited input in `read_blocks`: false to
/// give up.
pub type BodyReader<'a> = dyn FnMut(CsvBody<'_>) -> Result<bool, InputError> + 'a;

/// Opens every input and resolves its header as [`read_rows`] does, but
/// hands the data of each delimited input to `body`, which returns false to
/// give up (as does a Parquet input, or a header this cannot place). Gives
/// the report (with a zero row count per input: `body`'s readers count the
/// rows), or `None` when an input cannot be read in blocks.
pub fn read_blocks(
    settings: &LoadSettings,
    on_columns: &mut dyn FnMut(&ColumnMap, Source),
    body: &mut BodyReader<'_>,
) -> Result<Option<LoadReport>, InputError> {
    let bar = input::progress_bar(&settings.paths, settings.progress);
    let mut unused = ColumnSink::default();
    let reading = Reading {
        settings,
        on_columns,
        sink: &mut unused,
        blocks: Some(body),
        declined: false,
        bar: &bar,
        scale: Scale::default(),
        report: LoadReport::default(),
        first: None,
    };
    let result = reading.all_blocks();
    bar.finish_and_clear();
    result
}

/// One read over all inputs: what is shared by the CSV and Parquet readers.
struct Reading<'a> {
    settings: &'a LoadSettings,
    on_columns: &'a mut dyn FnMut(&ColumnMap, Source),
    sink: &'a mut dyn RowSink,
    /// Set by `read_blocks`: where the data of delimited inputs goes.
    blocks: Option<&'a mut BodyReader<'a>>,
    /// The block reader gave up.
    declined: bool,
    bar: &'a indicatif::ProgressBar,
    scale: Scale,
    report: LoadReport,
    /// The first file, its header and the columns resolved from it.
    first: Option<(String, Vec<String>, ColumnMap)>,
}

impl Reading<'_> {
    fn all(mut self) -> Result<LoadReport, InputError> {
        for path in &self.settings.paths {
            let opened = input::open(path, self.bar)?;
            let file = opened.name;
            let rows = match opened.content {
                Content::Text(reader) => self.csv(&file, reader)?,
                Content::Parquet(source) => self.parquet(&file, source)?,
            };
            self.report.files.push((file, rows));
        }
        self.report.check_rows()?;
        self.report.scale = self.scale.scale;
        Ok(self.report)
    }

    fn all_blocks(mut self) -> Result<Option<LoadReport>, InputError> {
        for path in &self.settings.paths {
            let opened = input::open(path, self.bar)?;
            let file = opened.name;
            match opened.content {
                Content::Text(reader) => self.csv(&file, reader)?,
                Content::Parquet(_) => {
                    self.declined = true;
                    0
                }
            };
            if self.declined {
                break;
            }
            self.report.files.push((file, 0));
        }
        Ok((!self.declined).then_some(self.report))
    }

    /// Resolves the columns from the first input's header; later inputs
    /// must have the same header.
    fn columns(
        &mut self,
        file: &str,
        header: Vec<String>,
        source: Source,
    ) -> Result<ColumnMap, InputError> {
        match &self.first {
            None => {
                let map = ColumnMap::resolve(&header, &self.settings.columns, file)?;
                // Printed with the bar hidden, so no stale bar line stays above it.
                let on_columns = &mut self.on_columns;
                self.bar.suspend(|| on_columns(&map, source));
                self.report.columns = map.describe();
                self.report.header = header.clone();
                self.first = Some((file.to_owned(), header, map.clone()));
                Ok(map)
            }
            Some((first_file, first_header, map)) => {
                if &header != first_header {
                    return Err(InputError::HeaderMismatch {
                        file: file.to_owned(),
                        first_file: first_file.clone(),
                        found: header.join(","),
                        expected: first_header.join(","),
                    });
                }
                Ok(map.clone())
            }
        }
    }

    fn csv(&mut self, file: &str, reader: Box<dyn Read + Send>) -> Result<u64, InputError> {
        let read_err = |source| InputError::Read {
            file: file.to_owned(),
            source,
        };
        let (head, reader) = input::head_and_rest(reader, 64 * 1024).map_err(read_err)?;
        let empty = || InputError::Empty {
            file: file.to_owned(),
        };
        if head.iter().all(|b| b.is_ascii_whitespace()) || head == b"\xef\xbb\xbf" {
            return Err(empty());
        }
        if head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") {
            return Err(InputError::Utf16 {
                file: file.to_owned(),
            });
        }
        let delimiter = self
            .settings
            .delimiter
            .unwrap_or_else(|| input::sniff_delimiter(&head));
        if self.blocks.is_some() {
            return self.csv_blocks(file, &head, reader, delimiter);
        }
        let mut csv = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(256 * 1024)
            .from_reader(input::NormalizedLines::new(reader));
        let mut record = ByteRecord::new();
        if !read_record(&mut csv, &mut record, file)? {
            return Err(empty());
        }
        let header = decode_header(&record, file)?;
        let map = self.columns(file, header, Source::Csv { delimiter })?;
        self.csv_records(file, &mut csv, &map)
    }

    /// Resolves the header from `head` and hands the rest of the input to
    /// the block reader.
    fn csv_blocks(
        &mut self,
        file: &str,
        head: &[u8],
        mut reader: Box<dyn Read + Send>,
        delimiter: u8,
    ) -> Result<u64, InputError> {
        let Some((record, end)) = header_record(head, delimiter) else {
            self.declined = true;
            return Ok(0);
        };
        let header = decode_header(&record, file)?;
        let map = self.columns(file, header, Source::Csv { delimiter })?;
        std::io::copy(&mut (&mut reader).take(end), &mut std::io::sink()).map_err(|source| {
            InputError::Read {
                file: file.to_owned(),
                source,
            }
        })?;
        let index = self.report.files.len();
        let body = CsvBody {
            index,
            file,
            reader,
            delimiter,
            map: &map,
        };
        if let Some(blocks) = self.blocks.as_mut() {
            if !blocks(body)? {
                self.declined = true;
            }
        }
        Ok(0)
    }

    /// Reads the records of `csv` (after the header). Returns their number.
    fn csv_records<R: Read>(
        &mut self,
        file: &str,
        csv: &mut csv::Reader<R>,
        map: &ColumnMap,
    ) -> Result<u64, InputError> {
        let mut record = ByteRecord::new();
        let mut rows = 0u64;
        while read_record(csv, &mut record, file)? {
            rows += 1;
            let at = Position::Line(record_line(csv, &record));
            let field = |i: usize| &record[i];
            let text = |i: usize| std::str::from_utf8(&record[i]).ok();
            let result = match row_values(text, record.len(), map, self.settings) {
                Ok(Some(values)) => {
                    let shown = || amount_text(&field, map);
                    self.scale.accept(values.into(), shown, file, at, self.sink)
                }
                Ok(None) => {
                    self.report.missing_customer += 1;
                    Ok(())
                }
                Err(problem) => Err(Problem::Row(problem)),
            };
            self.settle(result, file, at, || {
                record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect()
            })?;
        }
        Ok(rows)
    }

    fn parquet(&mut self, file: &str, source: input::ParquetSource) -> Result<u64, InputError> {
        let parquet = ParquetFile::open(file, source)?;
        let header = parquet.columns().to_vec();
        let width = header.len();
        let map = self.columns(file, header, Source::Parquet)?;
        let bar = self.bar;
        parquet.for_each_row(
            &map,
            self.settings,
            &mut |bytes| bar.inc(bytes),
            &mut |row, at| {
                let result = match row.values() {
                    Ok(Some(values)) => {
                        self.scale
                            .accept(values, || row.amount_text(), file, at, self.sink)
                    }
                    Ok(None) => {
                        self.report.missing_customer += 1;
                        Ok(())
                    }
                    Err(problem) => Err(Problem::Row(problem)),
                };
                self.settle(result, file, at, || row.fields(width))
            },
        )
    }

    /// Turns a row's outcome into the run's: a bad row stops the run, or is
    /// counted (and kept for `--rejects`) with `--skip-bad-rows`.
    fn settle(
        &mut self,
        result: Result<(), Problem>,
        file: &str,
        at: Position,
        fields: impl FnOnce() -> Vec<String>,
    ) -> Result<(), InputError> {
        match result {
            Ok(()) => Ok(()),
            Err(Problem::Row(problem)) => {
                if !self.settings.skip_bad_rows {
                    return Err(InputError::BadRow {
                        file: file.to_owned(),
                        line: at,
                        problem,
                    });
                }
                let report = &mut self.report;
                report.rejected_count += 1;
                if report.first_rejected.is_none() || self.settings.keep_rejected {
                    let rejected = Rejected {
                        file: file.to_owned(),
                        line: at,
                        reason: problem.to_string(),
                        fields: fields(),
                    };
                    if self.settings.keep_rejected {
                        report.rejected.push(rejected.clone());
                    }
                    report.first_rejected.get_or_insert(rejected);
                }
                Ok(())
            }
            Err(Problem::Overflow(scale)) => Err(InputError::Overflow {
                file: file.to_owned(),
                line: at,
                scale,
                scale_source: self.scale.scale_source.clone().unwrap_or_default(),
            }),
            Err(Problem::TooMany(what)) => Err(InputError::TooMany { what }),
        }
    }
}

/// The line a record starts on. The input is normalised so that every record
/// ends with one `\n` (see `input::NormalizedLines`): after reading it, the
/// reader has counted the lines up to and including that newline, and the
/// record's own embedded newlines (in quoted fields) say how many lines it
/// spans. Blank lines skipped before it are thereby accounted for too.
fn record_line<R: std::io::Read>(csv: &csv::Reader<R>, record: &ByteRecord) -> u64 {
    let after = csv.position().line();
    let embedded = record.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
    after.saturating_sub(embedded + 1).max(1)
}

fn read_record<R: std::io::Read>(
    csv: &mut csv::Reader<R>,
    record: &mut ByteRecord,
    file: &str,
) -> Result<bool, InputError> {
    csv.read_byte_record(record).map_err(|e| {
        let line = e.position().map_or(0, |p| p.line());
        match e.into_kind() {
            csv::ErrorKind::Io(source) => InputError::Read {
                file: file.to_owned(),
                source,
            },
            other => InputError::Csv {
                file: file.to_owned(),
                line,
                message: format!("{other:?}"),
            },
        }
    })
}

/// The header record at the start of `head` and the number of bytes up to
/// the end of its line; `None` when it spans lines (a quoted line break) or
/// has no line end inside `head` (a longer header).
fn header_record(head: &[u8], delimiter: u8) -> Option<(ByteRecord, u64)> {
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(head);
    let mut record = ByteRecord::new();
    if !csv.read_byte_record(&mut record).ok()? {
        return None;
    }
    if record.as_slice().iter().any(|&b| b == b'\n' || b == b'\r') {
        return None;
    }
    // The reader stops after the record's terminator: `\n`, or the `\r` of
    // a `\r\n` (a lone `\r` ends lines of a kind the blocks do not split).
    let end = usize::try_from(csv.position().byte()).ok()?;
    match (head.get(end.checked_sub(1)?)?, head.get(end)) {
        (b'\n', _) => Some((record, end as u64)),
        (b'\r', Some(b'\n')) => Some((record, end as u64 + 1)),
        _ => None,
    }
}

fn decode_header(record: &ByteRecord, file: &str) -> Result<Vec<String>, InputError> {
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

/// Why a row could not be taken (or the run must stop).
pub enum Problem {
    /// A bad row (skippable).
    Row(RowProblem),
    /// Amounts no longer fit at this scale.
    Overflow(u8),
    /// A dictionary is full (`customers` or `orders`).
    TooMany(&'static str),
}

impl From<RowProblem> for Problem {
    fn from(p: RowProblem) -> Self {
        Problem::Row(p)
    }
}

/// A row's validated values, the amount at its own scale.
pub struct Values<'a> {
    /// The customer id (trimmed, not empty).
    pub customer: Cow<'a, str>,
    /// The order id, when an order column is mapped.
    pub order: Option<Cow<'a, str>>,
    /// The order date.
    pub date: Day,
    /// The amount (or quantity x price).
    pub amount: Decimal,
}

/// A delimited record's values, borrowed from its fields.
pub struct TextValues<'r> {
    /// The customer id (trimmed, not empty).
    pub customer: &'r str,
    /// The order id (trimmed), when an order column is mapped.
    pub order: Option<&'r str>,
    /// The order date.
    pub date: Day,
    /// The amount (or quantity x price).
    pub amount: Decimal,
}

impl<'r> From<TextValues<'r>> for Values<'r> {
    fn from(v: TextValues<'r>) -> Values<'r> {
        Values {
            customer: Cow::Borrowed(v.customer),
            order: v.order.map(Cow::Borrowed),
            date: v.date,
            amount: v.amount,
        }
    }
}

/// A delimited record's values (`None`: no customer id), or what is wrong
/// with it; `field(i)` is field `i` of `len` as text, `None` when it is not
/// UTF-8 (only the fields rfm uses are looked at).
pub fn row_values<'r>(
    field: impl Fn(usize) -> Option<&'r str>,
    len: usize,
    map: &ColumnMap,
    settings: &LoadSettings,
) -> Result<Option<TextValues<'r>>, RowProblem> {
    let expected = map.header.len();
    if len != expected {
        return Err(RowProblem::Ragged {
            found: len,
            expected,
        });
    }
    let text = |i: usize| -> Result<&'r str, RowProblem> {
        field(i)
            .map(money::trim)
            .ok_or_else(|| RowProblem::InvalidUtf8 {
                column: map.header[i].clone(),
            })
    };
    let customer = text(map.customer)?;
    if customer.is_empty() {
        return Ok(None);
    }
    let date_text = text(map.date)?;
    let date = settings
        .date_format
        .parse(date_text)
        .map_err(|e| RowProblem::BadDate {
            column: map.header[map.date].clone(),
            value: date_text.to_owned(),
            reason: e.to_string(),
        })?;
    let number = |i: usize| -> Result<Decimal, RowProblem> {
        let value = text(i)?;
        Decimal::parse(value, settings.decimal).map_err(|e| RowProblem::BadNumber {
            column: map.header[i].clone(),
            value: value.to_owned(),
            reason: e.to_string(),
        })
    };
    let amount = map
        .amount
        .value(|&i| number(i), |&i| text(i).unwrap_or_default().to_owned())?;
    let order = match map.order {
        Some(i) => Some(text(i)?),
        None => None,
    };
    Ok(Some(TextValues {
        customer,
        order,
        date,
        amount,
    }))
}

/// The amount fields of a record as written (for messages).
fn amount_text<'r>(field: &dyn Fn(usize) -> &'r [u8], map: &ColumnMap) -> String {
    let text = |i: usize| String::from_utf8_lossy(field(i)).trim().to_owned();
    match map.amount {
        AmountColumns::Amount(i) => text(i),
        AmountColumns::QuantityPrice { quantity, price } => {
            format!("{} x {}", text(quantity), text(price))
        }
    }
}

/// The common-scale bookkeeping shared by all inputs and sinks.
#[derive(Default)]
struct Scale {
    /// The common decimal scale so far.
    scale: u8,
    /// Sum of |amount| so far: while it fits an i64, no sum of amounts can overflow.
    abs_sum: i128,
    /// Where the current scale came from (`file:line: 'value'`), for messages.
    scale_source: Option<String>,
}

impl Scale {
    /// Brings a valid row's amount to the common scale (raising the scale,
    /// and asking the sink to follow, when the row has more decimals) and
    /// hands the row to the sink.
    fn accept(
        &mut self,
        values: Values<'_>,
        shown: impl FnOnce() -> String,
        file: &str,
        at: Position,
        sink: &mut dyn RowSink,
    ) -> Result<(), Problem> {
        let amount = values.amount;
        if amount.scale > self.scale {
            self.scale_source = Some(format!("{file}:{at}: '{}'", shown()));
            let factor = 10i64
                .checked_pow(u32::from(amount.scale - self.scale))
                .ok_or(Problem::Overflow(amount.scale))?;
            // Checked before the sink rescales: every amount it holds is
            // bounded by abs_sum, so once the bound holds at the new scale,
            // rescaling cannot overflow.
            let value = i128::from(amount.mantissa).abs();
            if self.abs_sum * i128::from(factor) + value > i128::from(i64::MAX) {
                return Err(Problem::Overflow(amount.scale));
            }
            sink.rescale(factor, amount.scale);
            self.abs_sum *= i128::from(factor);
            self.scale = amount.scale;
        }
        let value = money::rescale(amount.mantissa, amount.scale, self.scale)
            .ok_or(Problem::Overflow(self.scale))?;
        self.abs_sum += i128::from(value).abs();
        if self.abs_sum > i128::from(i64::MAX) {
            return Err(Problem::Overflow(self.scale));
        }
        let row = Row {
            customer: &values.customer,
            order: values.order.as_deref(),
            date: values.date,
        };
        sink.row(&row, value)
            .map_err(|TooMany(what)| Problem::TooMany(what))
    }
}

/// Builds dictionary-encoded columns for the polars aggregation.
#[derive(Default)]
struct ColumnSink {
    customer_codes: HashMap<String, u32>,
    customer_ids: Vec<String>,
    order_codes: HashMap<String, u32>,
    next_order: u32,
    columns: OrderColumns,
}

impl RowSink for ColumnSink {
    fn row(&mut self, row: &Row<'_>, amount: i64) -> Result<(), TooMany> {
        let code = match self.customer_codes.get(row.customer) {
            Some(&code) => code,
            None => {
                let code =
                    u32::try_from(self.customer_ids.len()).map_err(|_| TooMany("customers"))?;
                self.customer_ids.push(row.customer.to_owned());
                self.customer_codes.insert(row.customer.to_owned(), code);
                code
            }
        };
        self.columns.customer.push(code);
        self.columns.date.push(row.date);
        self.columns.amount.push(amount);
        if let Some(order) = row.order {
            let code = if order.is_empty() {
                self.fresh_order()?
            } else if let Some(&code) = self.order_codes.get(order) {
                code
            } else {
                let code = self.fresh_order()?;
                self.order_codes.insert(order.to_owned(), code);
                code
            };
            self.columns.order.get_or_insert_with(Vec::new).push(code);
        }
        Ok(())
    }

    fn rescale(&mut self, factor: i64, new_scale: u8) {
        for a in self.columns.amount.iter_mut() {
            *a *= factor;
        }
        self.columns.scale = new_scale;
    }
}

impl ColumnSink {
    fn fresh_order(&mut self) -> Result<u32, TooMany> {
        let code = self.next_order;
        self.next_order = code.checked_add(1).ok_or(TooMany("orders"))?;
        Ok(code)
    }
}

/// Runs a sink on a second thread, fed in order with batches of parsed rows,
/// so that reading and aggregating overlap on two cores. The rows, scale
/// changes and their order are exactly what the sink would see on one thread.
pub fn read_rows_pipelined<S: RowSink + Send>(
    settings: &LoadSettings,
    on_columns: &mut dyn FnMut(&ColumnMap, Source),
    sink: S,
) -> Result<(LoadReport, S), InputError> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(4);
        let worker = scope.spawn(move || {
            let mut sink = sink;
            let mut failure = None;
            for batch in rx {
                if failure.is_none() {
                    failure = batch.replay(&mut sink).err();
                }
            }
            (sink, failure)
        });
        let mut feeder = Feeder {
            tx: Some(tx),
            batch: Batch::default(),
        };
        let report = read_rows(settings, on_columns, &mut feeder);
        feeder.send();
        drop(feeder);
        let (sink, failure) = match worker.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        let report = report?;
        match failure {
            None => Ok((report, sink)),
            Some(TooMany(what)) => Err(InputError::TooMany { what }),
        }
    })
}

/// Rows (and scale changes) in reading order, bytes owned.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    events: Vec<Event>,
}

enum Event {
    Row {
        customer: std::ops::Range<usize>,
        /// `None`: no order column.
        order: Option<std::ops::Range<usize>>,
        date: Day,
        amount: i64,
    },
    Rescale {
        factor: i64,
        scale: u8,
    },
}

/// Rows per batch: large enough to amortise the hand-over, small enough to
/// stay in cache.
const BATCH_ROWS: usize = 4096;

impl Batch {
    fn replay(&self, sink: &mut dyn RowSink) -> Result<(), TooMany> {
        for event in &self.events {
            match event {
                Event::Row {
                    customer,
                    order,
                    date,
                    amount,
                } => {
                    // The bytes were `&str` when pushed.
                    let text = |r: &std::ops::Range<usize>| {
                        std::str::from_utf8(&self.bytes[r.clone()]).unwrap_or_default()
                    };
                    let row = Row {
                        customer: text(customer),
                        order: order.as_ref().map(text),
                        date: *date,
                    };
                    sink.row(&row, *amount)?;
                }
                Event::Rescale { factor, scale } => sink.rescale(*factor, *scale),
            }
        }
        Ok(())
    }
}

/// The reader-side end of [`read_rows_pipelined`].
struct Feeder {
    tx: Option<std::sync::mpsc::SyncSender<Batch>>,
    batch: Batch,
}

impl Feeder {
    fn send(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        if let Some(tx) = &self.tx {
            // A closed channel means the worker is gone; its result says why.
            if tx.send(batch).is_err() {
                self.tx = None;
            }
        }
    }
}

impl RowSink for Feeder {
    fn row(&mut self, row: &Row<'_>, amount: i64) -> Result<(), TooMany> {
        let b = &mut self.batch;
        let mut push = |s: &str| {
            let start = b.bytes.len();
            b.bytes.extend_from_slice(s.as_bytes());
            start..b.bytes.len()
        };
        let customer = push(row.customer);
        let order = row.order.map(&mut push);
        b.events.push(Event::Row {
            customer,
            order,
            date: row.date,
            amount,
        });
        if b.events.len() >= BATCH_ROWS {
            self.send();
        }
        Ok(())
    }

    fn rescale(&mut self, factor: i64, new_scale: u8) {
        self.batch.events.push(Event::Rescale {
            factor,
            scale: new_scale,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_record_ends_after_its_line() {
        let cases: [(&[u8], u64); 6] = [
            (b"a,b\n1,2\n", 4),
            (b"a,b\r\n1,2\r\n", 5),
            (b"\xef\xbb\xbfa,b\n1,2\n", 7),
            (b"\"a\",\"b,c\"\n1,2\n", 10),
            (b"a,b\n", 4),
            (b"a,b\n\n1,2\n", 4),
        ];
        for (head, end) in cases {
            let Some((record, got)) = header_record(head, b',') else {
                panic!("{:?}", String::from_utf8_lossy(head))
            };
            assert_eq!(got, end, "{:?}", String::from_utf8_lossy(head));
            assert_eq!(&head[end as usize - 1..end as usize], b"\n");
            assert!(record.len() == 2, "{record:?}");
        }
        // A quoted line break, or no line end: not placed.
        assert!(header_record(b"\"a\nb\",c\n1,2\n", b',').is_none());
        assert!(header_record(b"a,b", b',').is_none());
    }
}
