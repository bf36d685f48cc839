//! Output formats.
//!
//! Commands turn their results into a [`Tabular`]: named columns of typed
//! [`Value`]s. Every format is one [`Renderer`] that writes a `Tabular` to
//! any `Write`, so each command gets every format for free and the formats
//! agree on content: CSV, TSV and JSON carry the same digits, only the
//! container differs. Numbers are rendered from exact integers at the last
//! moment (see `money`), never through `f64`.

mod chunks;
mod csv;
mod json;
mod parquet;
mod table;

pub(crate) use self::csv::CsvRenderer;
pub(crate) use self::csv::into_io;
pub(crate) use self::json::{JsonRenderer, NdjsonRenderer, nested, nested_value};
pub(crate) use self::parquet::ParquetRenderer;
pub(crate) use self::table::{TableRenderer, cell_text};

#[cfg(test)]
use crate::dates::from_day;
use crate::dates::{Day, ymd};
use crate::money;
use crate::score::segment::Tone;
use std::borrow::Cow;
use std::io::{self, Write};

/// The `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// An aligned table for reading in a terminal.
    Table,
    /// Comma-separated values (RFC 4180) with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// One JSON document.
    Json,
    /// Newline-delimited JSON: one object per line.
    Ndjson,
    /// Parquet with typed columns (file output only: -o FILE.parquet).
    Parquet,
}

impl Format {
    /// The format an output file name suggests (`.csv`, `.tsv`, `.json`,
    /// `.ndjson`, `.jsonl`, `.txt`, `.parquet`), looking through a `.gz` or
    /// `.zst` suffix.
    pub(crate) fn from_extension(path: &std::path::Path) -> Option<Format> {
        let mut ext = path.extension()?.to_str()?.to_ascii_lowercase();
        if ext == "gz" || ext == "zst" {
            ext = path
                .file_stem()
                .map(std::path::Path::new)?
                .extension()?
                .to_str()?
                .to_ascii_lowercase();
        }
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "tsv" | "tab" => Some(Format::Tsv),
            "json" => Some(Format::Json),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            "txt" => Some(Format::Table),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }
}

/// One cell. Text borrows from the result where it can (customer ids), so
/// filling a row allocates nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    /// Text (a JSON string).
    Text(Cow<'a, str>),
    /// An integer.
    Int(i64),
    /// A decimal `units / 10^scale` shown with `decimals` decimals.
    Decimal {
        /// The exact value.
        units: i128,
        /// Its scale.
        scale: u8,
        /// Decimals to show.
        decimals: u8,
    },
    /// An average `num / den` (of values at `scale`) with `decimals`
    /// decimals; empty when `den` is zero (an empty segment).
    Quotient {
        /// Numerator.
        num: i128,
        /// Denominator.
        den: i128,
        /// Scale of the numerator.
        scale: u8,
        /// Decimals to show.
        decimals: u8,
    },
    /// A share `num / den` as a fraction with 4 decimals (a percentage in
    /// tables); empty when `den` is zero or negative.
    Share {
        /// Part.
        num: i128,
        /// Whole.
        den: i128,
    },
    /// A calendar date, `YYYY-MM-DD`.
    Date(Day),
    /// A segment name, with its tone for colour.
    Segment(&'a str, Tone),
    /// A JSON document, written as is by the JSON renderer (envelope
    /// fields such as the thresholds); other formats show the text.
    Json(Cow<'a, str>),
    /// No value: empty in CSV, `null` in JSON.
    Null,
}

impl Value<'_> {
    /// A computed (floating-point) value rounded to `decimals` decimals, as
    /// a decimal; no value when it is not finite (or too large to hold).
    pub(crate) fn rounded(value: f64, decimals: u8) -> Value<'static> {
        let units = (value * 10f64.powi(i32::from(decimals))).round();
        if !units.is_finite() || units.abs() >= 1e30 {
            return Value::Null;
        }
        // Through i64 where it fits: one instruction, where f64 to i128 is
        // a library call (a quarter of writing `--predict`'s columns).
        let units = if units.abs() < 9e18 {
            i128::from(units as i64)
        } else {
            units as i128
        };
        Value::Decimal {
            units,
            scale: decimals,
            decimals,
        }
    }

    /// Appends the value as text to `out`; returns false (appending nothing)
    /// for no value. Renderers reuse one buffer for every cell.
    pub(crate) fn write_text(&self, decimal: char, out: &mut String) -> bool {
        match self {
            Value::Text(s) => out.push_str(s),
            Value::Int(i) => write_int(*i, out),
            Value::Date(d) => write_date(*d, out),
            Value::Segment(name, _) => out.push_str(name),
            Value::Json(json) => out.push_str(json),
            Value::Decimal {
                units,
                scale,
                decimals,
            } => money::write_scaled(*units, *scale, *decimals, decimal, out),
            Value::Quotient { den, .. } | Value::Share { den, .. } if *den <= 0 => return false,
            Value::Quotient {
                num,
                den,
                scale,
                decimals,
            } => out.push_str(&money::format_quotient(
                *num, *den, *scale, *decimals, decimal,
            )),
            Value::Share { num, den } => {
                out.push_str(&money::format_quotient(*num, *den, 0, 4, decimal))
            }
            Value::Null => return false,
        }
        true
    }

    /// The value as text with the given decimal separator, `None` for no value.
    pub(crate) fn text(&self, decimal: char) -> Option<String> {
        let mut out = String::new();
        self.write_text(decimal, &mut out).then_some(out)
    }

    /// Whether the value is written with ASCII digits, `-` and the decimal
    /// separator only (a number or a date), so that only a delimiter among
    /// those needs quotes.
    fn is_digits(&self) -> bool {
        self.is_number() || matches!(self, Value::Date(_))
    }

    /// Whether the value is a number (right-aligned, unquoted in JSON).
    pub(crate) fn is_number(&self) -> bool {
        matches!(
            self,
            Value::Int(_) | Value::Decimal { .. } | Value::Quotient { .. } | Value::Share { .. }
        )
    }
}

/// Where a [`Tabular`]'s rows come from: produced one at a time, so a
/// million-customer result is never held as a million rows of cells.
pub(crate) trait Rows: Sync {
    /// The number of rows.
    fn len(&self) -> usize;
    /// Whether there are no rows.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Makes `row` the cells of row `index`: whatever it held (the previous
    /// row's cells, which may be overwritten in place) is replaced.
    fn fill<'s>(&'s self, index: usize, row: &mut Vec<Value<'s>>);
}

impl Rows for Vec<Vec<Value<'_>>> {
    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn fill<'s>(&'s self, index: usize, row: &mut Vec<Value<'s>>) {
        row.clear();
        row.extend(self[index].iter().cloned());
    }
}

/// Appends an integer (what `i.to_string()` gives, without `fmt`).
fn write_int(i: i64, out: &mut String) {
    out.push_str(itoa::Buffer::new().format(i));
}

/// Appends a date as `YYYY-MM-DD` (a year outside 0..=9999 as written by
/// [`write_int`]), the ten bytes of the usual case at once.
fn write_date(day: Day, out: &mut String) {
    let (year, month, day) = ymd(day);
    if !(0..=9999).contains(&year) {
        write_int(i64::from(year), out);
        let mut rest = *b"-00-00";
        put_digits(&mut rest[1..3], month);
        put_digits(&mut rest[4..6], day);
        out.push_str(std::str::from_utf8(&rest).unwrap_or_default());
        return;
    }
    let mut text = *b"0000-00-00";
    put_digits(&mut text[0..4], year as u32);
    put_digits(&mut text[5..7], month);
    put_digits(&mut text[8..10], day);
    // ASCII digits and dashes: always UTF-8.
    out.push_str(std::str::from_utf8(&text).unwrap_or_default());
}

/// Dates as text, remembered by day, for a renderer writing many rows: a
/// customers table writes two dates a row from the few hundred days its
/// orders span, and working each out (the civil-from-days arithmetic, the
/// digits, a UTF-8 check of the ten bytes) was a third of the time of
/// writing a cell (`perf annotate` of [`Value::write_text`], 10M rows).
/// Direct-mapped: a day takes the slot of its number modulo
/// [`DateTexts::SLOTS`], so any span of up to that many days is held
/// whole; a day whose slot another took is written again.
struct DateTexts {
    /// Per slot, the day (`i64::MIN`: none yet; no `Day` is) and its text.
    slots: Vec<(i64, String)>,
}

impl DateTexts {
    const SLOTS: usize = 1024;

    fn new() -> DateTexts {
        DateTexts {
            slots: (0..Self::SLOTS)
                .map(|_| (i64::MIN, String::new()))
                .collect(),
        }
    }

    /// Appends the date as [`Value::Date`] writes it.
    fn write(&mut self, day: Day, out: &mut String) {
        let key = i64::from(day);
        // In 0..SLOTS, and there are SLOTS slots.
        let (held, text) = &mut self.slots[key.rem_euclid(Self::SLOTS as i64) as usize];
        if *held != key {
            text.clear();
            write_date(day, text);
            *held = key;
        }
        out.push_str(text);
    }
}

/// Writes `value`'s last `slot.len()` decimal digits into `slot`,
/// zero-padded.
fn put_digits(slot: &mut [u8], value: u32) {
    let mut rest = value;
    for digit in slot.iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
}

/// Formats a column is limited to (columns not listed appear in all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shown {
    /// Every format but the terminal table (machine keys such as `segment_key`).
    Files,
    /// JSON and NDJSON only (long texts such as descriptions).
    Json,
}

impl Shown {
    fn includes(self, format: Format) -> bool {
        match self {
            Shown::Files => format != Format::Table,
            Shown::Json => matches!(format, Format::Json | Format::Ndjson),
        }
    }
}

/// A result ready to render: columns, rows and, for some formats, extras.
pub(crate) struct Tabular<'a> {
    /// Column names (also the JSON keys).
    pub(crate) columns: Vec<&'a str>,
    /// Columns limited to some formats ([`Tabular::for_format`] drops them
    /// from the others).
    pub(crate) shown: Vec<(&'static str, Shown)>,
    /// The rows.
    pub(crate) rows: Box<dyn Rows + 'a>,
    /// A total row: shown by the table format, and as `"total"` in a JSON document.
    pub(crate) total: Option<Vec<Value<'a>>>,
    /// When set, the JSON document is an object with these fields first and
    /// the rows under the key given here, instead of a bare array.
    pub(crate) json_envelope: Option<(Vec<(&'static str, Value<'a>)>, &'static str)>,
}

impl<'a> Tabular<'a> {
    /// Columns and rows, shown in every format, without extras.
    pub(crate) fn new(columns: &[&'a str], rows: impl Rows + 'a) -> Tabular<'a> {
        Tabular {
            columns: columns.to_vec(),
            shown: Vec::new(),
            rows: Box::new(rows),
            total: None,
            json_envelope: None,
        }
    }

    /// The table with one more column last, its values given in row order
    /// (a row without one gets an empty value).
    pub(crate) fn with_column(self, name: &'a str, values: Vec<String>) -> Tabular<'a> {
        struct Added<'a> {
            inner: Box<dyn Rows + 'a>,
            values: Vec<String>,
        }
        impl Rows for Added<'_> {
            fn len(&self) -> usize {
                self.inner.len()
            }

            fn fill<'s>(&'s self, index: usize, row: &mut Vec<Value<'s>>) {
                self.inner.fill(index, row);
                let value = self.values.get(index).map_or("", String::as_str);
                row.push(Value::Text(Cow::Borrowed(value)));
            }
        }
        let mut columns = self.columns;
        columns.push(name);
        Tabular {
            columns,
            rows: Box::new(Added {
                inner: self.rows,
                values,
            }),
            total: None,
            ..self
        }
    }

    /// The columns `format` shows: the others are dropped from the columns,
    /// the rows and the total.
    pub(crate) fn for_format(self, format: Format) -> Tabular<'a> {
        let keep: Vec<usize> = (0..self.columns.len())
            .filter(|&i| {
                self.shown
                    .iter()
                    .find(|(name, _)| *name == self.columns[i])
                    .is_none_or(|(_, shown)| shown.includes(format))
            })
            .collect();
        if keep.len() == self.columns.len() {
            return self;
        }
        let pick = |row: Vec<Value<'a>>| -> Vec<Value<'a>> {
            row.into_iter()
                .enumerate()
                .filter(|(i, _)| keep.contains(i))
                .map(|(_, v)| v)
                .collect()
        };
        Tabular {
            columns: keep.iter().map(|&i| self.columns[i]).collect(),
            shown: self.shown,
            total: self.total.map(pick),
            json_envelope: self.json_envelope,
            rows: Box::new(Projected {
                rows: self.rows,
                keep: keep.clone(),
            }),
        }
    }
}

/// Rows with some columns left out.
struct Projected<'a> {
    rows: Box<dyn Rows + 'a>,
    keep: Vec<usize>,
}

impl Rows for Projected<'_> {
    fn len(&self) -> usize {
        self.rows.len()
    }

    fn fill<'s>(&'s self, index: usize, row: &mut Vec<Value<'s>>) {
        self.rows.fill(index, row);
        let mut i = 0;
        row.retain(|_| {
            i += 1;
            self.keep.contains(&(i - 1))
        });
    }
}

/// Settings every renderer may need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RenderOptions {
    /// `--excel`: `;`, decimal comma and a UTF-8 BOM (CSV only).
    pub(crate) excel: bool,
    /// Colour in the table format.
    pub(crate) color: bool,
    /// Fit the table format to the terminal's width (stdout is a terminal).
    pub(crate) fit_terminal: bool,
    /// The most rows the table format shows (`None`: all).
    pub(crate) rows: Option<usize>,
}

/// Writes a [`Tabular`] in one format.
pub(crate) trait Renderer {
    /// Renders `data` to `out`.
    fn render(&self, data: &Tabular<'_>, out: &mut dyn Write) -> io::Result<()>;
}

/// The renderer for a format.
pub(crate) fn renderer(format: Format, options: RenderOptions) -> Box<dyn Renderer> {
    match format {
        Format::Table => Box::new(TableRenderer {
            color: options.color,
            fit_terminal: options.fit_terminal,
            rows: options.rows,
        }),
        Format::Csv if options.excel => Box::new(CsvRenderer::excel()),
        Format::Csv => Box::new(CsvRenderer::csv()),
        Format::Tsv => Box::new(CsvRenderer::tsv()),
        Format::Json => Box::new(JsonRenderer),
        Format::Ndjson => Box::new(NdjsonRenderer),
        Format::Parquet => Box::new(ParquetRenderer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_text() {
        let d = Value::Decimal {
            units: 123456,
            scale: 3,
            decimals: 2,
        };
        assert_eq!(d.text('.'), Some("123.46".into()));
        assert_eq!(d.text(','), Some("123,46".into()));
        let share = Value::Share { num: 1, den: 3 };
        assert_eq!(share.text('.'), Some("0.3333".into()));
        assert_eq!(Value::Share { num: 1, den: 0 }.text('.'), None);
        assert_eq!(Value::Date(0).text('.'), Some("1970-01-01".into()));
        assert_eq!(
            Value::Segment("Can't Lose Them", Tone::Danger).text('.'),
            Some("Can't Lose Them".into())
        );
        assert_eq!(Value::Null.text('.'), None);
    }

    #[test]
    fn hand_formatted_numbers_and_dates() {
        for i in [0i64, 7, -7, 10, 99, -100, 1234567, i64::MAX, i64::MIN] {
            let mut out = String::new();
            write_int(i, &mut out);
            assert_eq!(out, i.to_string());
        }
        let spread = (-719_162..=2_932_896).step_by(997);
        for day in [-719_162, -1, 0, 1, 15_000, 20_000, 2_932_896]
            .into_iter()
            .chain(spread)
        {
            let mut out = String::new();
            Value::Date(day).write_text('.', &mut out);
            assert_eq!(out, from_day(day).format("%Y-%m-%d").to_string(), "{day}");
        }
        // Years outside 0..=9999 (chrono writes `+10000`): the year as an
        // integer, then month and day.
        assert_eq!(Value::Date(2_932_897).text('.'), Some("10000-01-01".into()));
        let before_year_zero = -719_528 - 1;
        assert_eq!(
            Value::Date(before_year_zero).text('.'),
            Some("-1-12-31".into())
        );
    }

    /// Remembered dates are the dates: days that share a slot (1,024
    /// apart), in turn and back, negative days and years outside
    /// 0..=9999, each as the uncached path writes it, and chrono's text
    /// where chrono writes the same form (years 1 to 9999).
    #[test]
    fn remembered_dates_are_written_as_worked_out() {
        let mut dates = DateTexts::new();
        let days = [20_000, 20_000 + 1024, 20_000, 20_001, -1, -1 - 1024, -1, 0];
        let far = [2_932_897, -719_529, i32::MIN / 2, i32::MAX / 2];
        for day in days.into_iter().chain(far).chain(15_000..17_000) {
            let mut out = String::from("x,");
            dates.write(day, &mut out);
            let mut expected = String::from("x,");
            Value::Date(day).write_text('.', &mut expected);
            assert_eq!(out, expected, "{day}");
            if (-719_162..=2_932_896).contains(&day) {
                assert_eq!(out[2..], from_day(day).format("%Y-%m-%d").to_string());
            }
        }
    }

    #[test]
    fn format_from_extension() {
        use std::path::Path;
        assert_eq!(
            Format::from_extension(Path::new("a/out.JSON")),
            Some(Format::Json)
        );
        assert_eq!(
            Format::from_extension(Path::new("x.jsonl")),
            Some(Format::Ndjson)
        );
        assert_eq!(
            Format::from_extension(Path::new("x.csv")),
            Some(Format::Csv)
        );
        assert_eq!(Format::from_extension(Path::new("x")), None);
        assert_eq!(
            Format::from_extension(Path::new("x.ndjson.zst")),
            Some(Format::Ndjson)
        );
        assert_eq!(
            Format::from_extension(Path::new("x.csv.GZ")),
            Some(Format::Csv)
        );
        assert_eq!(Format::from_extension(Path::new("x.gz")), None);
    }
}
