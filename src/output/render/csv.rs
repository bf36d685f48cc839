//! CSV and TSV: a header row and one record per row, RFC 4180 quoting.

use super::{Renderer, Tabular};
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, sync_channel};

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
        // Rows are formatted in chunks by two helper threads, each taking
        // every other chunk, while this thread writes them in order: the
        // writing (a copy into the kernel) overlaps the formatting instead
        // of leaving a core idle while it runs.
        let rows = data.rows.len();
        let chunks = rows.div_ceil(CHUNK_ROWS);
        let format = |chunk: usize| {
            self.format_rows(
                data,
                chunk * CHUNK_ROWS..((chunk + 1) * CHUNK_ROWS).min(rows),
            )
        };
        std::thread::scope(|scope| -> io::Result<()> {
            let (formatted, helpers): (Vec<Receiver<Vec<u8>>>, Vec<_>) = (0..FORMATTERS)
                .map(|first| {
                    let (tx, rx) = sync_channel(AHEAD);
                    let helper = scope.spawn(move || {
                        for chunk in (first..chunks).step_by(FORMATTERS) {
                            // The writer stopped (a write failed): so do we.
                            if tx.send(format(chunk)).is_err() {
                                break;
                            }
                        }
                    });
                    (rx, helper)
                })
                .unzip();
            let mut written = Ok(());
            for chunk in 0..chunks {
                // A helper that panicked closes its channel: its panic is
                // raised below.
                let Ok(bytes) = formatted[chunk % FORMATTERS].recv() else {
                    break;
                };
                if let Err(e) = out.write_all(&bytes) {
                    written = Err(e);
                    break;
                }
            }
            // Closed channels stop the helpers; a helper's panic is raised
            // as it was (the scope would report only that one happened).
            drop(formatted);
            for helper in helpers {
                helper
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            }
            written
        })
    }
}

/// Threads formatting rows, and the chunks each may have ready ahead of
/// the writer.
const FORMATTERS: usize = 2;
const AHEAD: usize = 2;

/// Rows formatted per chunk.
const CHUNK_ROWS: usize = 16 * 1024;

impl CsvRenderer {
    /// The CSV records of rows `range`, as bytes. Cells are written straight
    /// into the chunk and quoted afterwards where needed, by the rule of the
    /// `csv` crate that writes the header: a field containing the delimiter,
    /// a quote, `\r` or `\n` is quoted, with quotes doubled.
    fn format_rows(&self, data: &Tabular<'_>, range: std::ops::Range<usize>) -> Vec<u8> {
        let mut out = String::with_capacity(range.len() * 80);
        let mut row = Vec::new();
        let delimiter = char::from(self.delimiter);
        for i in range {
            data.rows.fill(i, &mut row);
            for (k, v) in row.iter().enumerate() {
                if k > 0 {
                    out.push(delimiter);
                }
                let start = out.len();
                v.write_text(self.decimal, &mut out);
                self.quote_from(&mut out, start);
            }
            out.push('\n');
        }
        out.into_bytes()
    }

    /// Quotes the field that starts at `start`, if it needs quotes.
    fn quote_from(&self, out: &mut String, start: usize) {
        let special = |b: &u8| matches!(*b, b'"' | b'\r' | b'\n') || *b == self.delimiter;
        if !out.as_bytes()[start..].iter().any(special) {
            return;
        }
        let field = out.split_off(start);
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
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
    use crate::output::render::Value;
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
}
