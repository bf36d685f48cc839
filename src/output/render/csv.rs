//! CSV and TSV: a header row and one record per row, RFC 4180 quoting.

use super::chunks::write_in_chunks;
use super::{DateTexts, Renderer, Tabular, Value};
use std::io::{self, Write};

/// CSV, TSV, or CSV for European spreadsheets (`--excel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CsvRenderer {
    delimiter: u8,
    decimal: char,
    bom: bool,
}

impl CsvRenderer {
    /// Plain CSV: `,`, decimal point, no BOM.
    pub(crate) fn csv() -> Self {
        CsvRenderer {
            delimiter: b',',
            decimal: '.',
            bom: false,
        }
    }

    /// Tab-separated.
    pub(crate) fn tsv() -> Self {
        CsvRenderer {
            delimiter: b'\t',
            ..Self::csv()
        }
    }

    /// `;`, decimal comma and a UTF-8 BOM, which Excel in European locales
    /// opens correctly with a double click.
    pub(crate) fn excel() -> Self {
        CsvRenderer {
            delimiter: b';',
            decimal: ',',
            bom: true,
        }
    }
}

impl Renderer for CsvRenderer {
    fn render(&self, data: &Tabular<'_>, out: &mut dyn Write) -> io::Result<()> {
        if self.bom {
            out.write_all(b"\xef\xbb\xbf")?;
        }
        let mut header = csv::WriterBuilder::new()
            .delimiter(self.delimiter)
            .from_writer(&mut *out);
        header.write_record(&data.columns).map_err(into_io)?;
        header.flush()?;
        drop(header);
        write_in_chunks(data.rows.len(), out, |rows, text, dates| {
            self.format_rows(data, rows, text, dates)
        })
    }
}

impl CsvRenderer {
    /// Appends the CSV records of rows `range` to `out`. Cells are written
    /// straight into it and quoted afterwards where needed, by the rule of the
    /// `csv` crate that writes the header: a field containing the delimiter,
    /// a quote, `\r` or `\n` is quoted, with quotes doubled. `dates` holds
    /// the texts of the dates its thread wrote before.
    fn format_rows(
        &self,
        data: &Tabular<'_>,
        range: std::ops::Range<usize>,
        out: &mut String,
        dates: &mut DateTexts,
    ) {
        out.reserve(range.len() * 80);
        let mut row = Vec::new();
        let delimiter = char::from(self.delimiter);
        // Numbers and dates hold digits, `-` and the decimal separator: with
        // none of them as the delimiter they never need quotes.
        let digits_plain = !(self.delimiter.is_ascii_digit()
            || self.delimiter == b'-'
            || delimiter == self.decimal);
        for i in range {
            data.rows.fill(i, &mut row);
            for (k, v) in row.iter().enumerate() {
                if k > 0 {
                    out.push(delimiter);
                }
                let start = out.len();
                // The kinds of most cells written here, as `write_text`
                // writes them, without a call per cell.
                match v {
                    Value::Date(day) => dates.write(*day, out),
                    Value::Int(i) => super::write_int(*i, out),
                    Value::Text(text) => out.push_str(text),
                    _ => {
                        v.write_text(self.decimal, out);
                    }
                }
                if !(digits_plain && v.is_digits()) {
                    quote_from(out, start, self.delimiter);
                }
            }
            out.push('\n');
        }
    }
}

/// Quotes the field that starts at `start`, if it needs quotes
/// ([`needs_quotes`]).
fn quote_from(out: &mut String, start: usize, delimiter: u8) {
    if !needs_quotes(&out.as_bytes()[start..], delimiter) {
        return;
    }
    let field = out.split_off(start);
    out.push('"');
    out.push_str(&field.replace('"', "\"\""));
    out.push('"');
}

/// Whether a field holds a byte that makes it quoted: `"`, `\r`, `\n` or
/// the delimiter (the rule of the `csv` crate, which writes the header).
///
/// Eight bytes at a time, the last word overlapping the one before: a word
/// XORed with a byte repeated eight times has a zero byte where the word
/// holds that byte, and `(x - 0x01..01) & !x & 0x80..80` is non-zero
/// exactly when `x` has a zero byte (Hacker's Delight, 6-1). Why: the cells
/// checked here are short (ids, segment names, codes), and a loop over
/// their bytes ended in a mispredicted branch at a different length each
/// time: that scan was 54 ms of the 260 ms of CPU of writing 1.4M customers
/// as CSV (`perf`, 10M generated rows).
fn needs_quotes(field: &[u8], delimiter: u8) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let special = |word: u64| {
        let zero_where = |byte: u8| {
            let x = word ^ (ONES * u64::from(byte));
            x.wrapping_sub(ONES) & !x & HIGHS
        };
        (zero_where(b'"') | zero_where(b'\r') | zero_where(b'\n') | zero_where(delimiter)) != 0
    };
    let n = field.len();
    match field.last_chunk::<8>() {
        Some(&last) => {
            let word = |w: &[u8]| {
                let mut bytes = [0; 8];
                bytes.copy_from_slice(w);
                u64::from_le_bytes(bytes)
            };
            field.chunks_exact(8).any(|w| special(word(w))) || special(u64::from_le_bytes(last))
        }
        // 4 to 7 bytes: the first four and the last four, overlapping.
        None if n >= 4 => {
            let four = |at: usize| {
                let mut w = [0; 4];
                w.copy_from_slice(&field[at..at + 4]);
                u64::from(u32::from_le_bytes(w))
            };
            special(four(0) | four(n - 4) << 32)
        }
        None => field
            .iter()
            .any(|&b| b == b'"' || b == b'\r' || b == b'\n' || b == delimiter),
    }
}

/// Keeps the kind of an I/O error (a broken pipe must stay recognisable);
/// `csv`'s own `From` conversion turns every error into `ErrorKind::Other`.
pub(crate) fn into_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn rendered(renderer: CsvRenderer) -> String {
        let rows = vec![vec![
            Value::Decimal {
                units: -123_456,
                scale: 2,
                decimals: 2,
            },
            Value::Int(-5),
            Value::Date(0),
            Value::Text(Cow::Borrowed("a,b; \"c\"")),
        ]];
        let data = Tabular::new(&["m", "n", "d", "t"], rows);
        let mut out = Vec::new();
        renderer.render(&data, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// A cell is quoted when it holds the delimiter or a quote, numbers
    /// too (a decimal comma in a comma-separated file).
    #[test]
    fn cells_are_quoted_when_they_hold_the_delimiter() {
        assert_eq!(
            rendered(CsvRenderer::csv()),
            "m,n,d,t\n-1234.56,-5,1970-01-01,\"a,b; \"\"c\"\"\"\n"
        );
        assert_eq!(
            rendered(CsvRenderer::excel()),
            "\u{feff}m;n;d;t\n-1234,56;-5;1970-01-01;\"a,b; \"\"c\"\"\"\n"
        );
        let comma_both = CsvRenderer {
            decimal: ',',
            ..CsvRenderer::csv()
        };
        assert_eq!(
            rendered(comma_both),
            "m,n,d,t\n\"-1234,56\",-5,1970-01-01,\"a,b; \"\"c\"\"\"\n"
        );
    }

    /// Every ASCII byte inside a field, with each delimiter: quoted exactly
    /// when the `csv` crate quotes it.
    #[test]
    fn a_field_is_quoted_when_the_csv_crate_quotes_it() {
        for renderer in [CsvRenderer::csv(), CsvRenderer::tsv(), CsvRenderer::excel()] {
            for byte in 0..128u8 {
                let field = format!("a{}z\u{e9}", char::from(byte));
                let mut ours = String::from("x");
                ours.push(char::from(renderer.delimiter));
                let start = ours.len();
                ours.push_str(&field);
                quote_from(&mut ours, start, renderer.delimiter);
                ours.push('\n');
                let mut theirs = csv::WriterBuilder::new()
                    .delimiter(renderer.delimiter)
                    .from_writer(Vec::new());
                theirs.write_record(["x", field.as_str()]).expect("written");
                let theirs =
                    String::from_utf8(theirs.into_inner().expect("flushed")).expect("UTF-8");
                assert_eq!(
                    ours, theirs,
                    "byte {byte:#04x}, delimiter {:?}",
                    renderer.delimiter
                );
            }
        }
    }

    /// Every byte value at every position of fields of 0 to 40 bytes, for
    /// each delimiter: quoted exactly when one of the field's bytes is
    /// `"`, `\r`, `\n` or the delimiter, checked byte by byte here. (The
    /// word-at-a-time test must neither miss a byte in the overlap of its
    /// last word nor take a byte >= 0x80, or a borrow, for a match.)
    #[test]
    fn needs_quotes_agrees_with_a_byte_by_byte_check() {
        for delimiter in [b',', b'\t', b';'] {
            let by_byte = |field: &[u8]| {
                field
                    .iter()
                    .any(|&b| b == b'"' || b == b'\r' || b == b'\n' || b == delimiter)
            };
            for n in 0..=40usize {
                // Plain bytes around: the two next to `"` in value (`!`,
                // `#`), control bytes, and bytes with the high bit set.
                let plain: Vec<u8> = (0..n)
                    .map(|i| [b'a', 0x80, b'!', b'#', 0xff, 0x0b, 0x01, b'0'][i % 8])
                    .collect();
                assert!(!needs_quotes(&plain, delimiter), "{plain:?}");
                for at in 0..n {
                    for byte in 0..=255u8 {
                        let mut field = plain.clone();
                        field[at] = byte;
                        assert_eq!(
                            needs_quotes(&field, delimiter),
                            by_byte(&field),
                            "length {n}, byte {byte:#04x} at {at}, delimiter {delimiter:#04x}"
                        );
                    }
                }
            }
        }
    }

    /// A writer slower than the formatters, so that they wait for it and
    /// the chunks it wrote are back before they format the next ones.
    struct Slow(Vec<u8>);

    impl Write for Slow {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            std::thread::sleep(std::time::Duration::from_millis(2));
            self.0.extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Many chunks, formatted into buffers earlier chunks were written from:
    /// the output is what the `csv` crate writes for the same cells, in
    /// order.
    #[test]
    fn chunks_formatted_into_reused_buffers_come_out_whole_and_in_order() {
        use crate::output::render::chunks::{AHEAD, CHUNK_ROWS, FORMATTERS};
        let rows: usize = CHUNK_ROWS * (FORMATTERS * (AHEAD + 2) + 1) + 7;
        let text = |i: usize| match i % 3 {
            0 => format!("c{i}"),
            1 => format!("c,{i}"),
            _ => format!("say \"{i}\""),
        };
        let cells: Vec<Vec<Value<'_>>> = (0..rows)
            .map(|i| {
                vec![
                    Value::Int(i as i64 - 5),
                    Value::Text(Cow::Owned(text(i))),
                    Value::Decimal {
                        units: i as i128,
                        scale: 2,
                        decimals: 2,
                    },
                ]
            })
            .collect();
        let mut out = Slow(Vec::new());
        CsvRenderer::csv()
            .render(&Tabular::new(&["n", "t", "m"], cells), &mut out)
            .unwrap();
        let out = out.0;
        let mut expected = ::csv::Writer::from_writer(Vec::new());
        expected.write_record(["n", "t", "m"]).unwrap();
        for i in 0..rows {
            let money = format!("{}.{:02}", i / 100, i % 100);
            let n = (i as i64 - 5).to_string();
            expected.write_record([n, text(i), money]).unwrap();
        }
        assert_eq!(out, expected.into_inner().unwrap());
    }
}
