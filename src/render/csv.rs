//! CSV and TSV: a header row and one record per row, RFC 4180 quoting.

use super::{Renderer, Tabular};
use std::io::{self, Write};

/// CSV, TSV, or CSV for European spreadsheets (`--excel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvRenderer {
    delimiter: u8,
    decimal: char,
    bom: bool,
}

impl CsvRenderer {
    /// Plain CSV: `,`, decimal point, no BOM.
    pub fn csv() -> Self {
        CsvRenderer {
            delimiter: b',',
            decimal: '.',
            bom: false,
        }
    }

    /// Tab-separated.
    pub fn tsv() -> Self {
        CsvRenderer {
            delimiter: b'\t',
            ..Self::csv()
        }
    }

    /// `;`, decimal comma and a UTF-8 BOM, which Excel in European locales
    /// opens correctly with a double click.
    pub fn excel() -> Self {
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
        let mut w = csv::WriterBuilder::new()
            .delimiter(self.delimiter)
            .from_writer(out);
        w.write_record(&data.columns).map_err(into_io)?;
        let (mut row, mut cell) = (Vec::new(), String::new());
        for i in 0..data.rows.len() {
            data.rows.fill(i, &mut row);
            for v in &row {
                cell.clear();
                v.write_text(self.decimal, &mut cell);
                w.write_field(cell.as_bytes()).map_err(into_io)?;
            }
            w.write_record(None::<&[u8]>).map_err(into_io)?;
        }
        w.flush()
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
