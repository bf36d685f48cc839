//! Parquet: typed columns for warehouses and dataframes.
//!
//! Each column gets the type of its values, so nothing has to be parsed
//! back: ids and segment names are strings, counts and scores 64-bit
//! integers, dates `DATE`, and money, averages and shares `DECIMAL(38, d)`
//! holding exactly the digits the CSV shows (`--decimals` applies; shares
//! have 4 decimals, as in CSV). An empty average is null. Snappy
//! compression, which every Parquet reader supports. Rows are written in
//! row groups of [`GROUP_ROWS`], so memory stays bounded by a group.

use super::{Renderer, Tabular, Value};
use crate::money;
use polars_core::prelude::*;
use polars_io::parquet::write::{ParquetCompression, ParquetWriter};
use std::io::{self, Write};

/// Rows per row group.
pub(crate) const GROUP_ROWS: usize = 64 * 1024;

/// Writes a [`Tabular`] as one Parquet file (the total row is left out, as
/// in CSV).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ParquetRenderer;

/// A column's Parquet type, taken from the kind of its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    Date,
    /// Exact decimals with this many digits after the point.
    Decimal(u8),
}

impl Kind {
    fn of(value: &Value) -> Kind {
        match value {
            Value::Text(_) | Value::Segment(..) | Value::Json(_) | Value::Null => Kind::Text,
            Value::Int(_) => Kind::Int,
            Value::Date(_) => Kind::Date,
            Value::Decimal { decimals, .. } | Value::Quotient { decimals, .. } => {
                Kind::Decimal(*decimals)
            }
            Value::Share { .. } => Kind::Decimal(4),
        }
    }

    fn dtype(self) -> DataType {
        match self {
            Kind::Text => DataType::String,
            Kind::Int => DataType::Int64,
            Kind::Date => DataType::Date,
            Kind::Decimal(d) => DataType::Decimal(38, usize::from(d)),
        }
    }
}

/// The integer a decimal cell holds at `decimals`, `None` for an empty cell.
fn units(value: &Value, decimals: u8) -> Option<i128> {
    match *value {
        Value::Decimal { units, scale, .. } => Some(money::scaled_units(units, scale, decimals)),
        Value::Quotient { den, .. } | Value::Share { den, .. } if den <= 0 => None,
        Value::Quotient {
            num, den, scale, ..
        } => Some(money::quotient_units(num, den, scale, decimals)),
        Value::Share { num, den } => Some(money::quotient_units(num, den, 0, decimals)),
        Value::Int(i) => Some(money::scaled_units(i128::from(i), 0, decimals)),
        _ => None,
    }
}

fn io_error(e: PolarsError) -> io::Error {
    match e {
        PolarsError::IO { error, .. } => io::Error::new(error.kind(), error.to_string()),
        other => io::Error::other(other.to_string()),
    }
}

impl Renderer for ParquetRenderer {
    fn render(&self, data: &Tabular<'_>, out: &mut dyn Write) -> io::Result<()> {
        let rows = data.rows.as_ref();
        let mut row = Vec::new();
        let kinds: Vec<Kind> = if rows.is_empty() {
            vec![Kind::Text; data.columns.len()]
        } else {
            rows.fill(0, &mut row);
            row.iter().map(Kind::of).collect()
        };
        let schema: Schema = data
            .columns
            .iter()
            .zip(&kinds)
            .map(|(name, kind)| Field::new((*name).into(), kind.dtype()))
            .collect();
        let mut writer = ParquetWriter::new(out)
            .with_compression(ParquetCompression::Snappy)
            .batched(&schema)
            .map_err(io_error)?;
        let mut start = 0;
        loop {
            let end = (start + GROUP_ROWS).min(rows.len());
            let frame = group(data, &kinds, start..end, &mut row)?;
            writer.write_batch(&frame).map_err(io_error)?;
            start = end;
            if start >= rows.len() {
                break;
            }
        }
        writer.finish().map_err(io_error)?;
        Ok(())
    }
}

/// One row group's columns.
fn group<'a>(
    data: &'a Tabular<'_>,
    kinds: &[Kind],
    range: std::ops::Range<usize>,
    row: &mut Vec<Value<'a>>,
) -> io::Result<DataFrame> {
    let mut cells: Vec<Vec<Value<'a>>> = vec![Vec::with_capacity(range.len()); kinds.len()];
    for index in range {
        data.rows.fill(index, row);
        for (column, value) in cells.iter_mut().zip(row.drain(..)) {
            column.push(value);
        }
    }
    let columns = data
        .columns
        .iter()
        .zip(kinds)
        .zip(&cells)
        .map(|((name, kind), values)| column(name, *kind, values))
        .collect::<io::Result<Vec<Column>>>()?;
    let height = cells.first().map_or(0, Vec::len);
    DataFrame::new(height, columns).map_err(io_error)
}

fn column(name: &str, kind: Kind, values: &[Value]) -> io::Result<Column> {
    let name = PlSmallStr::from(name);
    let series = match kind {
        Kind::Text => {
            let mut text = String::new();
            let ca: StringChunked = values
                .iter()
                .map(|v| {
                    text.clear();
                    v.write_text('.', &mut text).then(|| text.clone())
                })
                .collect();
            ca.with_name(name).into_series()
        }
        Kind::Int => {
            let ca: Int64Chunked = values
                .iter()
                .map(|v| match v {
                    Value::Int(i) => Some(*i),
                    _ => None,
                })
                .collect();
            ca.with_name(name).into_series()
        }
        Kind::Date => {
            let ca: Int32Chunked = values
                .iter()
                .map(|v| match v {
                    Value::Date(d) => Some(*d),
                    _ => None,
                })
                .collect();
            ca.with_name(name).into_date().into_series()
        }
        Kind::Decimal(decimals) => {
            let ca: Int128Chunked = values.iter().map(|v| units(v, decimals)).collect();
            ca.with_name(name)
                .into_decimal(38, usize::from(decimals))
                .map_err(io_error)?
                .into_series()
        }
    };
    Ok(series.into())
}
