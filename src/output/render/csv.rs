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
        let special = self.specials();
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
                    quote_from(out, start, &special);
                }
            }
            out.push('\n');
        }
    }

    /// The bytes that make a field quoted, as a table: a lookup per byte
    /// instead of four comparisons (that scan was 182 of the 706 samples of
    /// the formatting loop on 10M generated rows).
    fn specials(&self) -> [bool; 256] {
        let mut table = [false; 256];
        for b in [b'"', b'\r', b'\n', self.delimiter] {
            table[usize::from(b)] = true;
        }
        table
    }
}

/// Quotes the field that starts at `start`, if it holds a byte of `special`
/// ([`CsvRenderer::specials`]).
fn quote_from(out: &mut String, start: usize, special: &[bool; 256]) {
    if !out.as_bytes()[start..]
        .iter()
        .any(|&b| special[usize::from(b)])
    {
        return;
    }
    let field = out.split_off(start);
    out.push('"');
    out.push_str(&field.replace('"', "\"\""));
    out.push('"');
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
            let special = renderer.specials();
            for byte in 0..128u8 {
                let field = format!("a{}z\u{e9}", char::from(byte));
                let mut ours = String::from("x");
                ours.push(char::from(renderer.delimiter));
                let start = ours.len();
                ours.push_str(&field);
                quote_from(&mut ours, start, &special);
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
