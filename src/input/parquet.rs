//! Reading Parquet exports.
//!
//! Warehouses export typed columns, so a Parquet row needs no text parsing
//! where its types say what it is. Each role accepts the types that can mean
//! it exactly, and the same text rules as CSV when the column holds text:
//!
//! | role | types read |
//! | --- | --- |
//! | customer id, order id | text; integers (`17850`); floats that are whole numbers (`17850.0` reads as `17850`, what pandas makes of an id column with gaps) |
//! | date | `DATE`; timestamps (the calendar date in the column's time zone, or as stored when it has none); text, read with `--date-format` |
//! | amount, quantity, price | `DECIMAL` (exact); integers; floats (read as the shortest decimal that round-trips, so a stored `19.99` is 19.99, never 19.989999...); text, read like a CSV field (`--decimal-comma` applies) |
//!
//! A missing value (null) is treated like an empty CSV field: no customer id
//! drops the row, a missing date or amount is a bad row. Rows are numbered
//! from 1 (`orders.parquet:row 12`), as there are no lines.
//!
//! A file is read one row group at a time, only the columns rfm needs, so
//! memory stays bounded by a row group per worker, not the file; the row
//! groups are shared out over the workers like the blocks of a CSV file.

use super::columns::{AmountColumns, ColumnMap, Term};
use super::open::ParquetSource;
use super::parquet_check;
use super::row::{Parsed, Values};
use crate::dates::{self, Day};
use crate::error::{InputError, Position, RowProblem};
use crate::money::{self, Decimal, DecimalSeparator};
use polars_core::prelude::*;
use polars_io::parquet::read::ParquetReader;
use polars_io::prelude::SerReader;
use std::borrow::Cow;
use std::fs::File;
use std::io::Cursor;

/// A row group: its first row's index, its rows and its compressed size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Group {
    /// Its index among the file's row groups.
    index: usize,
    offset: usize,
    height: usize,
    pub(crate) compressed: u64,
}

/// An open Parquet file: its footer is read, its rows are not yet.
pub(crate) struct ParquetFile {
    name: String,
    source: ParquetSource,
    metadata: polars_io::parquet::metadata::FileMetadataRef,
    columns: Vec<String>,
    /// Per column, the kind of a nested type.
    nested: Vec<Option<&'static str>>,
}

impl ParquetFile {
    /// Reads the file's footer (schema and row groups).
    pub(crate) fn open(name: &str, source: ParquetSource) -> Result<ParquetFile, InputError> {
        let error = |e: PolarsError| InputError::Parquet {
            file: name.to_owned(),
            message: e.to_string(),
        };
        let (metadata, schema) = match &source {
            ParquetSource::File(path) => {
                let file = File::open(path).map_err(|source| InputError::Open {
                    path: path.clone(),
                    source,
                })?;
                contained(name, || footer(ParquetReader::new(file)).map_err(error))??
            }
            ParquetSource::Memory(bytes) => contained(name, || {
                footer(ParquetReader::new(Cursor::new(bytes.as_slice()))).map_err(error)
            })??,
        };
        let (columns, nested) = schema.into_iter().unzip();
        Ok(ParquetFile {
            name: name.to_owned(),
            source,
            metadata,
            columns,
            nested,
        })
    }

    /// Refuses a column of a nested type (list, struct, map) in a role, before
    /// anything is decoded.
    pub(crate) fn check_roles(&self, map: &ColumnMap) -> Result<(), InputError> {
        let mut roles = vec![(map.customer, "the customer id"), (map.date, "the date")];
        match map.amount {
            AmountColumns::Amount(i) => roles.push((i, "an amount")),
            AmountColumns::Absent => {}
            AmountColumns::QuantityPrice { quantity, price } => {
                roles.extend([(quantity, "the quantity"), (price, "the price")]);
            }
        }
        roles.extend(map.order.map(|i| (i, "the order id")));
        for (i, role) in roles {
            if let Some(kind) = self.nested.get(i).copied().flatten() {
                return Err(InputError::ColumnType {
                    file: self.name.clone(),
                    column: self.columns[i].clone(),
                    found: kind.to_owned(),
                    role,
                    expected: "one value a row (text, a number or a date), not a nested type",
                });
            }
        }
        Ok(())
    }

    /// The column names, in file order.
    pub(crate) fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The row groups with rows: where each starts, how many rows it has,
    /// and its compressed size (for the progress bar).
    pub(crate) fn groups(&self) -> Vec<Group> {
        let mut groups = Vec::new();
        let mut offset = 0usize;
        for (index, group) in self.metadata.row_groups.iter().enumerate() {
            let height = group.num_rows();
            if height > 0 {
                groups.push(Group {
                    index,
                    offset,
                    height,
                    compressed: group.compressed_size() as u64,
                });
            }
            offset += height;
        }
        groups
    }

    /// Text values of the first rows' date and amount columns, to find
    /// their layout and decimal separator as for CSV (typed columns need
    /// neither and give no values). A file that cannot be sampled gives
    /// none: reading it says what is wrong.
    pub(super) fn sample(&self, map: &ColumnMap) -> super::Sample {
        const ROWS: usize = 4096;
        let Some(group) = self.groups().into_iter().next() else {
            return super::Sample::default();
        };
        let amounts = match map.amount {
            AmountColumns::Amount(a) => vec![a],
            AmountColumns::QuantityPrice { quantity, price } => vec![quantity, price],
            AmountColumns::Absent => Vec::new(),
        };
        let mut projection: Vec<usize> = amounts.iter().copied().chain([map.date]).collect();
        projection.sort_unstable();
        projection.dedup();
        if self.check(&group, &projection).is_err() {
            return super::Sample::default();
        }
        let height = group.height.min(ROWS);
        let Ok(Ok(frame)) = contained(&self.name, || {
            self.read_group(&projection, group.offset, height)
        }) else {
            return super::Sample::default();
        };
        let texts = |i: usize| -> Vec<String> {
            let column = frame.column(map.header[i].as_str()).ok();
            let Some(text) = column.and_then(|c| c.as_materialized_series().str().ok().cloned())
            else {
                return Vec::new();
            };
            text.iter()
                .flatten()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        super::Sample {
            dates: texts(map.date),
            amounts: amounts.into_iter().flat_map(texts).collect(),
            fields: Vec::new(),
        }
    }

    /// Reads one row group (only the columns `map` reads) and calls `each`
    /// for its rows, in order, with their row numbers, until it returns
    /// false.
    pub(crate) fn for_each_row(
        &self,
        group: &Group,
        map: &ColumnMap,
        each: &mut impl FnMut(&ParquetRow<'_>, Position) -> bool,
    ) -> Result<(), InputError> {
        let mut projection = needed(map);
        projection.sort_unstable();
        projection.dedup();
        self.check(group, &projection)?;
        let frame = contained(&self.name, || {
            self.read_group(&projection, group.offset, group.height)
        })??;
        // A damaged file can decode to columns of other lengths than the
        // row group states; rows are read by index below.
        if let Some(short) = frame.columns().iter().find(|c| c.len() != group.height) {
            return Err(InputError::Parquet {
                file: self.name.clone(),
                message: format!(
                    "the file is damaged (column '{}' has {} values in a row group of {} rows)",
                    short.name(),
                    short.len(),
                    group.height
                ),
            });
        }
        let group_columns = GroupColumns::new(&frame, map, &self.name)?;
        for i in 0..frame.height() {
            let row = ParquetRow {
                columns: &group_columns,
                index: i,
            };
            if !each(&row, Position::Row((group.offset + i) as u64 + 1)) {
                break;
            }
        }
        Ok(())
    }

    /// Checks the row group's sizes and counts before it is decoded
    /// (`parquet_check`).
    fn check(&self, group: &Group, projection: &[usize]) -> Result<(), InputError> {
        let names: Vec<&str> = projection
            .iter()
            .filter_map(|&i| self.columns.get(i).map(String::as_str))
            .collect();
        let checked = match &self.source {
            ParquetSource::File(path) => {
                let file = File::open(path).map_err(|source| InputError::Open {
                    path: path.clone(),
                    source,
                })?;
                let len = file.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
                let mut file = std::io::BufReader::with_capacity(8 * 1024, file);
                parquet_check::check_group(&mut file, len, &self.metadata, group.index, &names)
            }
            ParquetSource::Memory(bytes) => parquet_check::check_group(
                &mut Cursor::new(bytes.as_slice()),
                bytes.len() as u64,
                &self.metadata,
                group.index,
                &names,
            ),
        };
        checked.map_err(|message| InputError::Parquet {
            file: self.name.clone(),
            message,
        })
    }

    fn read_group(
        &self,
        projection: &[usize],
        offset: usize,
        height: usize,
    ) -> Result<DataFrame, InputError> {
        let result = match &self.source {
            ParquetSource::File(path) => {
                let file = File::open(path).map_err(|source| InputError::Open {
                    path: path.clone(),
                    source,
                })?;
                self.read_slice(ParquetReader::new(file), projection, offset, height)
            }
            ParquetSource::Memory(bytes) => self.read_slice(
                ParquetReader::new(Cursor::new(bytes.as_slice())),
                projection,
                offset,
                height,
            ),
        };
        result.map_err(|e| InputError::Parquet {
            file: self.name.clone(),
            message: e.to_string(),
        })
    }
}

impl ParquetFile {
    fn read_slice<R: polars_io::mmap::MmapBytesReader>(
        &self,
        reader: ParquetReader<R>,
        projection: &[usize],
        offset: usize,
        height: usize,
    ) -> PolarsResult<DataFrame> {
        let mut reader = reader
            .with_projection(Some(projection.to_vec()))
            .with_slice(Some((offset, height)))
            .set_rechunk(true);
        reader.set_metadata(self.metadata.clone());
        reader.finish()
    }
}

/// The column names with the kind of those of a nested type.
type Columns = Vec<(String, Option<&'static str>)>;

fn footer<R: polars_io::mmap::MmapBytesReader>(
    mut reader: ParquetReader<R>,
) -> PolarsResult<(polars_io::parquet::metadata::FileMetadataRef, Columns)> {
    let metadata = reader.get_metadata()?.clone();
    let schema = reader.schema()?;
    let columns = schema
        .iter()
        .map(|(name, field)| (name.to_string(), nesting(&field.dtype)))
        .collect();
    Ok((metadata, columns))
}

/// The kind of a nested type (`list`, `struct`, `map`, `union`), which
/// holds several values a row: no role reads one.
fn nesting(dtype: &ArrowDataType) -> Option<&'static str> {
    match dtype {
        ArrowDataType::List(_) | ArrowDataType::LargeList(_) | ArrowDataType::FixedSizeList(..) => {
            Some("list")
        }
        ArrowDataType::Struct(_) => Some("struct"),
        ArrowDataType::Map(..) => Some("map"),
        ArrowDataType::Union(_) => Some("union"),
        ArrowDataType::Extension(ext) => nesting(&ext.inner),
        _ => None,
    }
}

/// Runs the Parquet decoder, a panic in it becoming the file's error.
fn contained<T>(file: &str, f: impl FnOnce() -> T) -> Result<T, InputError> {
    crate::panic::contain(f).map_err(|why| InputError::Parquet {
        file: file.to_owned(),
        message: format!("the file is damaged ({why})"),
    })
}

/// The column indices a map reads.
fn needed(map: &ColumnMap) -> Vec<usize> {
    let mut columns = vec![map.customer, map.date];
    match map.amount {
        AmountColumns::Amount(i) => columns.push(i),
        AmountColumns::QuantityPrice { quantity, price } => columns.extend([quantity, price]),
        AmountColumns::Absent => {}
    }
    columns.extend(map.order);
    columns.extend(map.status);
    columns.extend(map.currency);
    columns.extend(&map.customer_fallback);
    for term in &map.terms {
        match *term {
            Term::Add(i) | Term::Subtract(i) => columns.push(i),
            Term::Adjusted { total, adjusted } => columns.extend([total, adjusted]),
        }
    }
    columns.extend(map.exclude.iter().map(|(i, _)| *i));
    columns.extend(map.doc_type);
    columns.extend(map.extras.columns());
    columns
}

/// One row of a row group.
pub(crate) struct ParquetRow<'a> {
    columns: &'a GroupColumns,
    index: usize,
}

impl ParquetRow<'_> {
    /// The row's values, or what is wrong with it.
    pub(crate) fn values(&self) -> Result<Parsed<'_>, RowProblem> {
        let c = self.columns;
        let i = self.index;
        let at = &c.at;
        fn id<'c>(
            column: &'c TextColumn,
            i: usize,
            name: &str,
        ) -> Result<Option<Cow<'c, str>>, RowProblem> {
            column.get(i).map_err(|value| RowProblem::BadId {
                column: name.to_owned(),
                value,
            })
        }
        if at.per_order
            && let AmountColumns::Amount((amount, _)) = &c.amount
            && amount.text(i).trim().is_empty()
        {
            let order = match (&c.order, at.order) {
                (Some(o), Some(index)) => id(o, i, &at.header[index])?,
                _ => None,
            };
            return Ok(match order {
                Some(order) if !order.trim().is_empty() => Parsed::ItemOf(order.trim().to_owned()),
                _ => Parsed::ItemLine,
            });
        }
        let mut customer = match id(&c.customer, i, &at.header[at.customer])? {
            Some(Cow::Borrowed(s)) => super::columns::customer_key(s, at.fold_emails),
            Some(Cow::Owned(s)) => {
                Cow::Owned(super::columns::customer_key(&s, at.fold_emails).into_owned())
            }
            None => Cow::Borrowed(""),
        };
        for (column, &index) in c.fallback.iter().zip(&at.customer_fallback) {
            if !customer.is_empty() {
                break;
            }
            if let Some(value) = id(column, i, &at.header[index])? {
                customer =
                    Cow::Owned(super::row::fallback_key(&value, at.fold_emails).into_owned());
            }
        }
        if customer.is_empty() {
            return Ok(Parsed::NoCustomer);
        }
        let number = |(column, index): &(NumberColumn, usize)| {
            column.get(i).map_err(|p| in_column(p, at, *index))
        };
        let order = match (&c.order, at.order) {
            (Some(o), Some(index)) => {
                Some(id(o, i, &at.header[index])?.unwrap_or(Cow::Borrowed("")))
            }
            _ => None,
        };
        let mut status = match (&c.status, at.status) {
            (Some(s), Some(index)) => {
                Some(id(s, i, &at.header[index])?.unwrap_or(Cow::Borrowed("")))
            }
            _ => None,
        };
        let currency = match (&c.currency, at.currency) {
            (Some(s), Some(index)) => {
                Some(id(s, i, &at.header[index])?.unwrap_or(Cow::Borrowed("")))
            }
            _ => None,
        };
        // Without exclusions or terms (most files) their large `Result`s are
        // not built at all: moved through the stack, they were copied in
        // overlapping halves that the next load could not be forwarded from,
        // a stall on every row (as row.rs does for CSV).
        let excluded = if at.exclude.is_empty() {
            None
        } else {
            super::row::exclusion(at, |index| {
                let column = c
                    .exclude
                    .iter()
                    .find(|(j, _)| *j == index)
                    .map(|(_, col)| col);
                match column {
                    Some(col) => Ok(id(col, i, &at.header[index])?.unwrap_or(Cow::Borrowed(""))),
                    None => Ok(Cow::Borrowed("")),
                }
            })?
        };
        if let Some(why) = &excluded {
            status = Some(super::row::excluded_status(status, why));
        }
        let mut counts = super::row::Counts::of(status.as_deref(), currency.as_deref(), at);
        counts.status &= excluded.is_none();
        // A row that does not count may leave its date blank.
        let date = if !counts.sale() && c.date.text(i).trim().is_empty() {
            0
        } else {
            c.date.get(i).map_err(|p| in_column(p, at, at.date))?
        };
        // A row that does not count may leave its amount blank.
        let amount = match &c.amount {
            AmountColumns::Amount((a, _)) if !counts.sale() && a.text(i).trim().is_empty() => {
                Decimal::ZERO
            }
            _ => c.amount.value(number, |(column, _)| column.text(i))?,
        };
        let term = |index: usize| -> Result<Option<Decimal>, RowProblem> {
            let Some((_, column)) = c.terms.iter().find(|(j, _)| *j == index) else {
                return Ok(None);
            };
            if column.text(i).trim().is_empty() {
                return Ok(None);
            }
            column.get(i).map(Some).map_err(|p| in_column(p, at, index))
        };
        let amount = if at.terms.is_empty() {
            amount
        } else {
            super::row::with_terms(amount, &at.terms, term).ok_or_else(|| {
                RowProblem::BadNumber {
                    column: at.amount_name(),
                    value: self.amount_text(),
                    reason: "too large with the columns added to it or subtracted from it"
                        .to_owned(),
                }
            })??
        };
        // A credit note with a positive total: subtracted (row.rs).
        let amount = match (&c.doc_type, at.doc_type) {
            (Some(column), Some(index))
                if super::row::is_credit_note(
                    &id(column, i, &at.header[index])?.unwrap_or_default(),
                ) =>
            {
                super::row::credited(amount)
            }
            _ => amount,
        };
        Ok(Parsed::Row(Values {
            customer,
            order,
            date,
            amount,
            status,
            counts,
            currency,
        }))
    }

    /// Field `column` as text, when `--where`, `--by` or `--keep` reads it.
    pub(crate) fn extra(&self, column: usize) -> Option<&str> {
        self.columns.extra(column, self.index)
    }

    /// The amount as it was stored (for messages).
    pub(crate) fn amount_text(&self) -> String {
        match &self.columns.amount {
            AmountColumns::Amount((a, _)) => a.text(self.index),
            AmountColumns::Absent => String::new(),
            AmountColumns::QuantityPrice { quantity, price } => format!(
                "{} x {}",
                quantity.0.text(self.index),
                price.0.text(self.index)
            ),
        }
    }

    /// The row as text, `width` fields in file order, for `--rejects`: the
    /// columns rfm reads are filled in, the others are left empty.
    pub(crate) fn fields(&self, width: usize) -> Vec<String> {
        let c = self.columns;
        let i = self.index;
        let mut fields = vec![String::new(); width];
        let mut put = |at: usize, text: String| {
            if let Some(slot) = fields.get_mut(at) {
                *slot = text;
            }
        };
        put(c.at.customer, c.customer.text(i));
        put(c.at.date, c.date.text(i));
        match &c.amount {
            AmountColumns::Amount((a, at)) => put(*at, a.text(i)),
            AmountColumns::Absent => {}
            AmountColumns::QuantityPrice { quantity, price } => {
                put(quantity.1, quantity.0.text(i));
                put(price.1, price.0.text(i));
            }
        }
        if let (Some(order), Some(at)) = (&c.order, c.at.order) {
            put(at, order.text(i));
        }
        fields
    }
}

/// Names the column of a problem found in a typed column.
fn in_column(problem: RowProblem, map: &ColumnMap, index: usize) -> RowProblem {
    let column = map.header[index].clone();
    match problem {
        RowProblem::BadDate { value, reason, .. } => RowProblem::BadDate {
            column,
            value,
            reason,
        },
        RowProblem::BadNumber { value, reason, .. } => RowProblem::BadNumber {
            column,
            value,
            reason,
        },
        other => other,
    }
}

/// A row group's columns, each in the form its role reads fastest.
struct GroupColumns {
    customer: TextColumn,
    /// Read when the customer is empty, in order.
    fallback: Vec<TextColumn>,
    /// The columns of the amount's terms, by column index.
    terms: Vec<(usize, NumberColumn)>,
    /// The document type column (credit notes are subtracted).
    doc_type: Option<TextColumn>,
    /// The columns that exclude rows, by column index.
    exclude: Vec<(usize, TextColumn)>,
    order: Option<TextColumn>,
    status: Option<TextColumn>,
    currency: Option<TextColumn>,
    date: DateColumn,
    /// With the column index of each, for messages.
    amount: AmountColumns<(NumberColumn, usize)>,
    /// Where each came from in the file (for `--rejects`).
    at: ColumnMap,
    /// The columns `--where`, `--by` and `--keep` read, as text (dates in
    /// ISO), by column index.
    extra: Vec<(usize, StringChunked)>,
}

impl GroupColumns {
    fn new(frame: &DataFrame, map: &ColumnMap, file: &str) -> Result<GroupColumns, InputError> {
        let column = |i: usize| -> Result<&Series, InputError> {
            let name = &map.header[i];
            frame
                .column(name.as_str())
                .map(|c| c.as_materialized_series())
                .map_err(|e| InputError::Parquet {
                    file: file.to_owned(),
                    message: e.to_string(),
                })
        };
        let customer = TextColumn::new(column(map.customer)?, file, "the customer id")?;
        let order = match map.order {
            Some(i) => Some(TextColumn::new(column(i)?, file, "the order id")?),
            None => None,
        };
        let status = match map.status {
            Some(i) => Some(TextColumn::new(column(i)?, file, "the order status")?),
            None => None,
        };
        let currency = match map.currency {
            Some(i) => Some(TextColumn::new(column(i)?, file, "the currency")?),
            None => None,
        };
        let date = DateColumn::new(column(map.date)?, file, &map.date_format)?;
        let number = |i: usize| -> Result<(NumberColumn, usize), InputError> {
            Ok((NumberColumn::new(column(i)?, file, map.decimal)?, i))
        };
        let amount = match map.amount {
            AmountColumns::Amount(i) => AmountColumns::Amount(number(i)?),
            AmountColumns::Absent => AmountColumns::Absent,
            AmountColumns::QuantityPrice { quantity, price } => AmountColumns::QuantityPrice {
                quantity: number(quantity)?,
                price: number(price)?,
            },
        };
        let fallback = map
            .customer_fallback
            .iter()
            .map(|&i| TextColumn::new(column(i)?, file, "the customer id"))
            .collect::<Result<_, _>>()?;
        let mut terms = Vec::new();
        for term in &map.terms {
            let columns = match *term {
                Term::Add(i) | Term::Subtract(i) => vec![i],
                Term::Adjusted { total, adjusted } => vec![total, adjusted],
            };
            for i in columns {
                terms.push((i, NumberColumn::new(column(i)?, file, map.decimal)?));
            }
        }
        let exclude = map
            .exclude
            .iter()
            .map(|(i, _)| {
                Ok((
                    *i,
                    TextColumn::new(column(*i)?, file, "an excluding column")?,
                ))
            })
            .collect::<Result<_, InputError>>()?;
        let doc_type = match map.doc_type {
            Some(i) => Some(TextColumn::new(column(i)?, file, "the document type")?),
            None => None,
        };
        let mut extra = Vec::new();
        for i in map.extras.columns() {
            if extra.iter().any(|(c, _)| *c == i) {
                continue;
            }
            let series = column(i)?;
            let text = series
                .cast(&DataType::String)
                .ok()
                .and_then(|t| t.str().ok().cloned())
                .ok_or_else(|| {
                    type_error(series, file, "a --where, --by or --keep column", "text")
                })?;
            extra.push((i, text));
        }
        Ok(GroupColumns {
            customer,
            doc_type,
            fallback,
            terms,
            exclude,
            status,
            currency,
            order,
            date,
            amount,
            at: map.clone(),
            extra,
        })
    }

    /// Field `column` of row `i` as text, when it is one `--where`, `--by`
    /// or `--keep` reads (`None` when null).
    fn extra(&self, column: usize, i: usize) -> Option<&str> {
        let (_, text) = self.extra.iter().find(|(c, _)| *c == column)?;
        text.get(i)
    }
}

fn type_error(
    series: &Series,
    file: &str,
    role: &'static str,
    expected: &'static str,
) -> InputError {
    InputError::ColumnType {
        file: file.to_owned(),
        column: series.name().to_string(),
        found: series.dtype().to_string(),
        role,
        expected,
    }
}

/// A row group's column as one array, read by row index.
///
/// `ChunkedArray::get` looks up the chunk holding the row on every call;
/// a row group is decoded as one chunk (`set_rechunk`), so the array is
/// taken once and each row is a bounds and null check and a load.
struct Single<T: PolarsDataType>(Option<T::Array>);

impl<T: PolarsDataType> Single<T> {
    fn new(ca: &ChunkedArray<T>) -> Single<T> {
        Single(ca.rechunk().downcast_iter().next().cloned())
    }

    /// Row `i`'s value, `None` when null (or past the end).
    #[inline]
    fn get(&self, i: usize) -> Option<T::Physical<'_>> {
        self.0.as_ref()?.get(i)
    }
}

/// An id column, as text.
enum TextColumn {
    Text(Single<StringType>),
    /// Float ids, shown as whole numbers when they are.
    Float(Single<Float64Type>),
}

impl TextColumn {
    fn new(series: &Series, file: &str, role: &'static str) -> Result<TextColumn, InputError> {
        let dtype = series.dtype();
        if dtype.is_float() {
            let floats = series
                .cast(&DataType::Float64)
                .map_err(|_| type_error(series, file, role, "text or a number"))?;
            let floats = floats
                .f64()
                .map_err(|_| type_error(series, file, role, "text or a number"))?;
            return Ok(TextColumn::Float(Single::new(floats)));
        }
        if !(dtype.is_string() || dtype.is_integer()) {
            return Err(type_error(series, file, role, "text or an integer"));
        }
        let text = series
            .cast(&DataType::String)
            .map_err(|_| type_error(series, file, role, "text or an integer"))?;
        let text = text
            .str()
            .map_err(|_| type_error(series, file, role, "text or an integer"))?;
        Ok(TextColumn::Text(Single::new(text)))
    }

    /// The trimmed id, `None` when null; a float that is not a whole
    /// number (`1.5`, `NaN`) is no id: `Err` with its text.
    fn get(&self, i: usize) -> Result<Option<Cow<'_, str>>, String> {
        match self {
            TextColumn::Text(ca) => Ok(ca.get(i).map(|s| Cow::Borrowed(money::trim(s)))),
            TextColumn::Float(ca) => match ca.get(i) {
                None => Ok(None),
                Some(f) if f.is_finite() && f.fract() == 0.0 => Ok(Some(Cow::Owned(float_text(f)))),
                Some(f) => Err(float_text(f)),
            },
        }
    }

    /// The id as stored, for `--rejects`.
    fn text(&self, i: usize) -> String {
        match self.get(i) {
            Ok(id) => id.unwrap_or_default().into_owned(),
            Err(text) => text,
        }
    }
}

/// A float as the shortest decimal that reads back as the same float; whole
/// numbers without a fraction (`17850`, not `17850.0`).
fn float_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// One value of a typed date column.
#[derive(Debug, Clone, Copy)]
enum Stamp {
    /// The day (within the years rfm reads).
    Day(Day),
    /// Null.
    Missing,
    /// A date or instant outside 0000-9999, as stored: days, or
    /// `units` per day.
    OutOfRange { value: i64, per_day: i64 },
}

impl Stamp {
    fn new(day: Option<Day>, value: i64, per_day: i64) -> Stamp {
        match day {
            Some(d) if dates::in_years(d) => Stamp::Day(d),
            _ => Stamp::OutOfRange { value, per_day },
        }
    }

    /// The value as stored, for messages.
    fn text(self) -> String {
        match self {
            Stamp::Day(d) => dates::from_day(d).to_string(),
            Stamp::Missing => String::new(),
            Stamp::OutOfRange { value, per_day: 1 } => format!("{value} days from 1970-01-01"),
            Stamp::OutOfRange { value, per_day } => {
                let unit = match per_day {
                    86_400_000 => "ms",
                    86_400_000_000 => "us",
                    _ => "ns",
                };
                format!("{value} {unit} from 1970-01-01")
            }
        }
    }
}

/// A date column.
enum DateColumn {
    /// A `DATE` column: days since 1970-01-01.
    Date(Single<Int32Type>),
    /// Days since 1970-01-01 of a timestamp column, computed per row group.
    Days(Vec<Stamp>),
    /// Text, parsed per row.
    Text(Single<StringType>, dates::DateFormat),
}

impl DateColumn {
    fn new(
        series: &Series,
        file: &str,
        format: &dates::DateFormat,
    ) -> Result<DateColumn, InputError> {
        const EXPECTED: &str = "a date, a timestamp or text";
        let wrong = || type_error(series, file, "the date", EXPECTED);
        match series.dtype() {
            DataType::Date => {
                let days = series.date().map_err(|_| wrong())?;
                Ok(DateColumn::Date(Single::new(days.physical())))
            }
            DataType::Datetime(unit, zone) => {
                let per_day: i64 = match unit {
                    TimeUnit::Nanoseconds => 86_400_000_000_000,
                    TimeUnit::Microseconds => 86_400_000_000,
                    TimeUnit::Milliseconds => 86_400_000,
                };
                let zone = match zone {
                    None => None,
                    Some(z) => Some(Zone::parse(z.as_str()).ok_or_else(|| InputError::ColumnType {
                        file: file.to_owned(),
                        column: series.name().to_string(),
                        found: series.dtype().to_string(),
                        role: "the date",
                        expected: "a timestamp in a known time zone (an IANA name such as Europe/Rome, or an offset such as +01:00)",
                    })?),
                };
                let stamps = series.datetime().map_err(|_| wrong())?;
                let days = stamps
                    .physical()
                    .iter()
                    .map(|v| match v {
                        None => Stamp::Missing,
                        Some(v) => {
                            let day = match &zone {
                                None => i32::try_from(v.div_euclid(per_day)).ok(),
                                Some(zone) => zone.local_day(v, per_day),
                            };
                            Stamp::new(day, v, per_day)
                        }
                    })
                    .collect();
                Ok(DateColumn::Days(days))
            }
            DataType::String => Ok(DateColumn::Text(
                Single::new(series.str().map_err(|_| wrong())?),
                format.clone(),
            )),
            _ => Err(wrong()),
        }
    }

    /// Row `i`'s value as stored.
    fn stamp(&self, i: usize) -> Option<Stamp> {
        match self {
            DateColumn::Date(days) => Some(match days.get(i) {
                None => Stamp::Missing,
                Some(d) => Stamp::new(Some(d), i64::from(d), 1),
            }),
            DateColumn::Days(days) => Some(days.get(i).copied().unwrap_or(Stamp::Missing)),
            DateColumn::Text(..) => None,
        }
    }

    fn get(&self, i: usize) -> Result<Day, RowProblem> {
        match self {
            DateColumn::Date(_) | DateColumn::Days(_) => {
                match self.stamp(i).unwrap_or(Stamp::Missing) {
                    Stamp::Day(d) => Ok(d),
                    Stamp::Missing => Err(RowProblem::BadDate {
                        column: String::new(),
                        value: String::new(),
                        reason: "missing (null)".to_owned(),
                    }),
                    stamp @ Stamp::OutOfRange { .. } => Err(RowProblem::BadDate {
                        column: String::new(),
                        value: stamp.text(),
                        reason: dates::DateError::Years.to_string(),
                    }),
                }
            }
            DateColumn::Text(ca, format) => {
                let text = money::trim(ca.get(i).unwrap_or_default());
                format.parse(text).map_err(|e| RowProblem::BadDate {
                    column: String::new(),
                    value: text.to_owned(),
                    reason: e.to_string(),
                })
            }
        }
    }

    fn text(&self, i: usize) -> String {
        match self {
            DateColumn::Date(_) | DateColumn::Days(_) => {
                self.stamp(i).map(Stamp::text).unwrap_or_default()
            }
            DateColumn::Text(ca, _) => ca.get(i).unwrap_or_default().to_owned(),
        }
    }
}

/// A timestamp column's time zone.
enum Zone {
    Named(chrono_tz::Tz),
    Fixed(chrono::FixedOffset),
}

impl Zone {
    fn parse(name: &str) -> Option<Zone> {
        if let Ok(tz) = name.parse::<chrono_tz::Tz>() {
            return Some(Zone::Named(tz));
        }
        name.parse::<chrono::FixedOffset>().ok().map(Zone::Fixed)
    }

    /// The calendar day, in this zone, of the instant `value` (in units
    /// `per_day` to a day, since the Unix epoch, UTC).
    fn local_day(&self, value: i64, per_day: i64) -> Option<Day> {
        let per_second = per_day / 86_400;
        let seconds = value.div_euclid(per_second);
        let utc = chrono::DateTime::from_timestamp(seconds, 0)?;
        let date = match self {
            Zone::Named(tz) => utc.with_timezone(tz).date_naive(),
            Zone::Fixed(offset) => utc.with_timezone(offset).date_naive(),
        };
        Some(dates::to_day(date))
    }
}

/// An amount, quantity or price column.
enum NumberColumn {
    /// Exact decimals: the unscaled values and their scale.
    Decimal(Single<Int128Type>, u8),
    Int(Single<Int64Type>),
    Float(Single<Float64Type>),
    Text(Single<StringType>, DecimalSeparator),
}

impl NumberColumn {
    fn new(
        series: &Series,
        file: &str,
        decimal: DecimalSeparator,
    ) -> Result<NumberColumn, InputError> {
        const EXPECTED: &str = "a decimal, an integer, a float or text";
        let wrong = || type_error(series, file, "an amount", EXPECTED);
        let dtype = series.dtype();
        Ok(match dtype {
            DataType::Decimal(_, scale) => {
                let decimals = series.decimal().map_err(|_| wrong())?;
                let scale = u8::try_from(*scale).map_err(|_| wrong())?;
                NumberColumn::Decimal(Single::new(decimals.physical()), scale)
            }
            DataType::String => {
                NumberColumn::Text(Single::new(series.str().map_err(|_| wrong())?), decimal)
            }
            _ if dtype.is_float() => NumberColumn::Float(Single::new(
                series
                    .cast(&DataType::Float64)
                    .map_err(|_| wrong())?
                    .f64()
                    .map_err(|_| wrong())?,
            )),
            _ if dtype.is_integer() => NumberColumn::Int(Single::new(
                // Unsigned values above i64::MAX become nulls, then errors.
                series
                    .strict_cast(&DataType::Int64)
                    .or_else(|_| series.cast(&DataType::Int64))
                    .map_err(|_| wrong())?
                    .i64()
                    .map_err(|_| wrong())?,
            )),
            _ => return Err(wrong()),
        })
    }

    fn get(&self, i: usize) -> Result<Decimal, RowProblem> {
        let bad = |value: String, reason: String| RowProblem::BadNumber {
            column: String::new(),
            value,
            reason,
        };
        match self {
            NumberColumn::Decimal(ca, scale) => {
                let units = ca
                    .get(i)
                    .ok_or_else(|| bad(String::new(), "missing (null)".into()))?;
                exact_decimal(units, *scale).ok_or_else(|| bad(self.text(i), "too large".into()))
            }
            NumberColumn::Int(ca) => ca
                .get(i)
                .map(|mantissa| Decimal { mantissa, scale: 0 })
                .ok_or_else(|| bad(String::new(), "missing (null)".into())),
            NumberColumn::Float(ca) => {
                let f = ca
                    .get(i)
                    .ok_or_else(|| bad(String::new(), "missing (null)".into()))?;
                let text = format!("{f}");
                Decimal::parse(&text, DecimalSeparator::Point).map_err(|e| bad(text, e.to_string()))
            }
            NumberColumn::Text(ca, separator) => {
                let text = money::trim(ca.get(i).unwrap_or_default());
                Decimal::parse(text, *separator).map_err(|e| bad(text.to_owned(), e.to_string()))
            }
        }
    }

    fn text(&self, i: usize) -> String {
        match self {
            NumberColumn::Decimal(ca, scale) => ca
                .get(i)
                .map(|u| crate::money::format_fixed(u, *scale, '.'))
                .unwrap_or_default(),
            NumberColumn::Int(ca) => ca.get(i).map(|v| v.to_string()).unwrap_or_default(),
            NumberColumn::Float(ca) => ca.get(i).map(|f| format!("{f}")).unwrap_or_default(),
            NumberColumn::Text(ca, _) => ca.get(i).unwrap_or_default().to_owned(),
        }
    }
}

/// A decimal's unscaled value as rfm's [`Decimal`], trailing zeros dropped
/// (a warehouse `NUMBER(38,10)` holding 19.99 is 19.99 at scale 2), or
/// `None` when it does not fit 64 bits.
fn exact_decimal(units: i128, mut scale: u8) -> Option<Decimal> {
    // In 64 bits when it fits (128-bit division is a library call, and
    // this runs on every row); a value that fits only without its trailing
    // zeros is rare.
    let mut mantissa = match i64::try_from(units) {
        Ok(small) => small,
        Err(_) => {
            let mut units = units;
            while scale > 0 && units % 10 == 0 {
                units /= 10;
                scale -= 1;
            }
            i64::try_from(units).ok()?
        }
    };
    while scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    Some(Decimal { mantissa, scale })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_lose_trailing_zeros_only() {
        assert_eq!(
            exact_decimal(199_900_000_000, 10),
            Some(Decimal {
                mantissa: 1999,
                scale: 2
            })
        );
        assert_eq!(
            exact_decimal(-500, 2),
            Some(Decimal {
                mantissa: -5,
                scale: 0
            })
        );
        assert_eq!(
            exact_decimal(0, 4),
            Some(Decimal {
                mantissa: 0,
                scale: 0
            })
        );
        assert_eq!(exact_decimal(i128::from(i64::MAX) * 10 + 1, 1), None);
        // Past 64 bits only with its trailing zeros.
        assert_eq!(
            exact_decimal(i128::from(i64::MIN) * 1000, 5),
            Some(Decimal {
                mantissa: i64::MIN,
                scale: 2
            })
        );
        assert_eq!(exact_decimal((i128::from(i64::MAX) + 1) * 100, 2), None);
    }

    #[test]
    fn float_ids_and_amounts_read_as_written() {
        assert_eq!(float_text(17850.0), "17850");
        assert_eq!(float_text(-3.0), "-3");
        assert_eq!(float_text(19.99), "19.99");
        assert_eq!(float_text(0.1 + 0.2), "0.30000000000000004");
    }

    #[test]
    fn local_days_follow_the_zone() {
        // 2025-01-01T00:30:00+01:00 is 2024-12-31T23:30:00Z.
        let instant = chrono::DateTime::parse_from_rfc3339("2024-12-31T23:30:00Z")
            .map(|d| d.timestamp())
            .unwrap_or_default();
        let per_day = 86_400_000;
        let ms = instant * 1000;
        let new_year =
            dates::to_day(chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default());
        let rome = Zone::parse("Europe/Rome").map(|z| z.local_day(ms, per_day));
        assert_eq!(rome, Some(Some(new_year)));
        let plus_one = Zone::parse("+01:00").map(|z| z.local_day(ms, per_day));
        assert_eq!(plus_one, Some(Some(new_year)));
        let utc = Zone::parse("UTC").map(|z| z.local_day(ms, per_day));
        assert_eq!(utc, Some(Some(new_year - 1)));
        assert!(Zone::parse("Mars/Olympus").is_none());
    }
}
