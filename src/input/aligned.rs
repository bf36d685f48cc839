//! Columns aligned with spaces, read as tab-separated text.
//!
//! Older datasets and reports from legacy systems pad their columns with
//! spaces instead of separating them (the classic CDNOW purchase file:
//! `00001 19970101  1  11.77`). No single byte separates their fields:
//! a run of spaces or tabs does, and the spaces before the first field and
//! after the last are padding. [`Aligned`] turns such a stream into
//! tab-separated text as it is read (one tab per run, padding dropped, line
//! ends kept), so the record reader, the line numbers and everything after
//! it stay as they are for every other file. Fields cannot hold spaces in
//! such files, and quotes have no meaning in them.

use std::io::{self, Read};

/// Whether a sample of lines is whitespace-aligned: no common delimiter,
/// and every complete line splits into the same number (two or more) of
/// fields at runs of spaces or tabs.
pub(crate) fn looks_aligned(head: &[u8]) -> bool {
    let lines: Vec<&[u8]> = head.split(|&b| b == b'\n').collect();
    let complete = if lines.len() > 1 {
        &lines[..lines.len() - 1]
    } else {
        &lines[..]
    };
    let fields = |line: &[u8]| {
        line.split(|b| b.is_ascii_whitespace())
            .filter(|f| !f.is_empty())
            .count()
    };
    let mut counts = complete
        .iter()
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .take(50)
        .map(|l| fields(l));
    let Some(first) = counts.next() else {
        return false;
    };
    first >= 2 && counts.all(|n| n == first)
}

/// A stream of whitespace-aligned text as tab-separated text (see the
/// module docs).
pub(crate) struct Aligned<R> {
    inner: R,
    buf: Vec<u8>,
    /// Converted bytes not yet handed out, from `pos`.
    ready: Vec<u8>,
    pos: usize,
    /// At the start of a line: spaces are padding.
    line_start: bool,
    /// Spaces seen after a field: a tab if another field follows.
    gap: bool,
}

impl<R: Read> Aligned<R> {
    pub(crate) fn new(inner: R) -> Aligned<R> {
        Aligned {
            inner,
            buf: vec![0; 64 * 1024],
            ready: Vec::with_capacity(64 * 1024),
            pos: 0,
            line_start: true,
            gap: false,
        }
    }

    fn convert(&mut self, n: usize) {
        for &b in &self.buf[..n] {
            match b {
                b' ' | b'\t' => self.gap = !self.line_start,
                b'\n' | b'\r' => {
                    self.gap = false;
                    self.line_start = b == b'\n';
                    self.ready.push(b);
                }
                _ => {
                    if std::mem::take(&mut self.gap) {
                        self.ready.push(b'\t');
                    }
                    self.line_start = false;
                    self.ready.push(b);
                }
            }
        }
    }
}

impl<R: Read> Read for Aligned<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        // A chunk of padding only converts to nothing: read on rather than
        // return 0 (the end).
        while self.pos == self.ready.len() {
            self.ready.clear();
            self.pos = 0;
            let n = self.inner.read(&mut self.buf)?;
            if n == 0 {
                return Ok(0);
            }
            self.convert(n);
        }
        let n = out.len().min(self.ready.len() - self.pos);
        out[..n].copy_from_slice(&self.ready[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aligned(text: &str) -> String {
        let mut out = String::new();
        // One byte at a time too, so state crosses reads.
        for chunk in [text.len(), 1] {
            out.clear();
            let mut reader = Aligned::new(io::BufReader::with_capacity(chunk, text.as_bytes()));
            reader.read_to_string(&mut out).unwrap();
        }
        out
    }

    #[test]
    fn runs_of_spaces_become_one_tab_and_padding_goes() {
        assert_eq!(
            aligned("00001 19970101  1  11.77\n  00002\t19970112 1   12.00  \r\n"),
            "00001\t19970101\t1\t11.77\n00002\t19970112\t1\t12.00\r\n"
        );
        assert_eq!(aligned("a b\n\n   \nc d"), "a\tb\n\n\nc\td");
    }

    #[test]
    fn aligned_samples_are_told_from_one_column_and_ragged_text() {
        assert!(looks_aligned(
            b"00001 19970101  1  11.77\n00001 19970112  1  12.00\n"
        ));
        assert!(!looks_aligned(b"just one\nline of prose here\n"));
        assert!(!looks_aligned(b"single\ncolumn\n"));
    }
}
