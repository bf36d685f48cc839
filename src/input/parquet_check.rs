//! Checks a Parquet row group's sizes and counts before polars decodes it.
//!
//! The Parquet decoder trusts the numbers a file states. Most lies end in a
//! panic, which [`super::parquet`] catches and reports as the file's error;
//! but a negative value count in a page header becomes a request for 2^61
//! bytes, and a failed allocation aborts the process: there is nothing to
//! catch. So for the columns rfm reads, every column chunk must lie inside
//! the file and hold as many values as the row group has rows (rfm reads
//! flat columns only), and every page header is read (headers only, not the
//! data) and must state sizes and counts that fit the chunk: no allocation
//! is then sized by a number the file could not back.

use polars_io::parquet::read::FileMetadata;
use polars_parquet_format::PageHeader;
use polars_parquet_format::thrift::protocol::TCompactInputProtocol;
use std::io::{Read, Seek, SeekFrom};

/// The largest page header read (headers are a few dozen bytes, more with
/// statistics).
const MAX_HEADER: usize = 1 << 20;

/// Checks row group `group` of `metadata` for the root columns `names`,
/// reading page headers from `file` (`len` bytes); the error says what is
/// wrong.
pub(super) fn check_group<R: Read + Seek>(
    file: &mut R,
    len: u64,
    metadata: &FileMetadata,
    group: usize,
    names: &[&str],
) -> Result<(), String> {
    let Some(rg) = metadata.row_groups.get(group) else {
        return Err(format!("row group {group} is not in the file"));
    };
    let rows = rg.num_rows() as u64;
    for &name in names {
        let Some(chunks) = rg.columns_under_root_iter(name) else {
            return Err(format!("column '{name}' has no data in row group {group}"));
        };
        for chunk in chunks {
            let range = chunk.byte_range();
            if range.start > range.end || range.end > len {
                return Err(format!(
                    "the data of column '{name}' (bytes {}..{}) lies outside the file ({len} bytes)",
                    range.start, range.end
                ));
            }
            // A flat column has a value (maybe null) for every row.
            let values = chunk.num_values();
            if values < 0 || values as u64 != rows {
                return Err(format!(
                    "column '{name}' states {values} values in a row group of {rows} rows"
                ));
            }
            check_pages(file, range, values as u64)
                .map_err(|why| format!("column '{name}', row group {}: {why}", group + 1))?;
        }
    }
    Ok(())
}

/// Reads the page headers of one column chunk.
fn check_pages<R: Read + Seek>(
    file: &mut R,
    range: std::ops::Range<u64>,
    values: u64,
) -> Result<(), String> {
    let mut pos = range.start;
    let mut seen = 0u64;
    while seen < values {
        if pos >= range.end {
            return Err(format!(
                "the pages hold {seen} of the {values} values the column chunk states"
            ));
        }
        file.seek(SeekFrom::Start(pos))
            .map_err(|e| format!("cannot read a page header: {e}"))?;
        let mut counted = Counted {
            inner: (&mut *file).take(range.end - pos),
            read: 0,
        };
        let header = {
            let mut protocol = TCompactInputProtocol::new(&mut counted, MAX_HEADER);
            PageHeader::read_from_in_protocol(&mut protocol)
                .map_err(|e| format!("a page header cannot be read ({e})"))?
        };
        let (compressed, uncompressed) =
            (header.compressed_page_size, header.uncompressed_page_size);
        if compressed < 0 || uncompressed < 0 {
            return Err(format!(
                "a page states a negative size ({compressed} compressed, {uncompressed} uncompressed)"
            ));
        }
        let end = pos + counted.read + compressed as u64;
        if end > range.end {
            return Err("a page runs past the end of its column chunk".into());
        }
        let count = |n: i32, what: &str| -> Result<u64, String> {
            u64::try_from(n)
                .ok()
                .filter(|&n| n <= values - seen)
                .ok_or_else(|| {
                    format!(
                        "a page states {n} {what}, more than the {} left in the column chunk",
                        values - seen
                    )
                })
        };
        if let Some(v1) = &header.data_page_header {
            seen += count(v1.num_values, "values")?;
        } else if let Some(v2) = &header.data_page_header_v2 {
            let n = count(v2.num_values, "values")?;
            let nulls = u64::try_from(v2.num_nulls).ok().filter(|&k| k <= n);
            let page_rows = u64::try_from(v2.num_rows).ok().filter(|&k| k <= n);
            let levels = i64::from(v2.definition_levels_byte_length)
                + i64::from(v2.repetition_levels_byte_length);
            let levels_fit = v2.definition_levels_byte_length >= 0
                && v2.repetition_levels_byte_length >= 0
                && levels <= i64::from(compressed);
            if nulls.is_none() || page_rows.is_none() || !levels_fit {
                return Err("a page states counts or sizes that do not fit it".into());
            }
            seen += n;
        } else if let Some(dict) = &header.dictionary_page_header {
            // A dictionary value takes at least one byte.
            if dict.num_values < 0 || dict.num_values > uncompressed {
                return Err(format!(
                    "a dictionary page states {} values in {uncompressed} bytes",
                    dict.num_values
                ));
            }
        }
        pos = end;
    }
    Ok(())
}

/// A reader that counts what was read through it.
struct Counted<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}
