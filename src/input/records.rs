//! Delimited text: where records end, and their fields.
//!
//! Two halves of one grammar, the one the `csv` crate reads (RFC 4180 as
//! spreadsheets write it):
//! - [`record_end`] runs on the reading thread: it finds the last record
//!   boundary in a chunk, so the chunk can be handed to a worker as a block
//!   of whole records. It only follows quotes (with `memchr`), not fields.
//! - [`Records`] runs on the workers: it splits a block into records and
//!   fields, counting physical lines so that every row knows the line it
//!   starts on.
//!
//! The grammar: a field that starts with `"` is quoted up to the next lone
//! `"` (`""` is a quote inside it) and may hold delimiters and line breaks;
//! after the closing quote, and in unquoted fields, a `"` is an ordinary
//! character. Records end at `\n`, `\r\n` or a lone `\r` (each one physical
//! line); empty lines are no records. Line breaks inside a quoted field read
//! as `\n`, whichever they were. An unclosed quote runs to the end of the
//! input.

/// The end (exclusive) of the last complete record in `bytes`, which start
/// at a record boundary; `None` when there is none. Unless `eof`, a `\r` as
/// the last byte may be the first half of a `\r\n` and does not count.
pub(crate) fn record_end(bytes: &[u8], delimiter: u8, eof: bool) -> Option<usize> {
    if eof {
        return (!bytes.is_empty()).then_some(bytes.len());
    }
    let mut best = None;
    // The unquoted stretch [from, ...) is searched for line ends once its
    // end (the next opening quote, or the end) is known.
    let mut from = 0;
    let mut pos = 0;
    let last_break = |stretch: &[u8], base: usize| -> Option<usize> {
        let mut end = stretch.len();
        loop {
            let i = memchr::memrchr2(b'\n', b'\r', &stretch[..end])?;
            // A `\r` last in the chunk may be half of a `\r\n`.
            if stretch[i] == b'\r' && base + i + 1 == bytes.len() {
                end = i;
                continue;
            }
            return Some(base + i + 1);
        }
    };
    while let Some(q) = memchr::memchr(b'"', &bytes[pos..]).map(|i| pos + i) {
        let opens = q == 0 || matches!(bytes[q - 1], b'\n' | b'\r') || bytes[q - 1] == delimiter;
        if !opens {
            pos = q + 1;
            continue;
        }
        if let Some(end) = last_break(&bytes[from..q], from) {
            best = Some(end);
        }
        // Find the closing quote.
        let mut i = q + 1;
        loop {
            let Some(c) = memchr::memchr(b'"', &bytes[i..]).map(|k| i + k) else {
                return best;
            };
            match bytes.get(c + 1) {
                Some(b'"') => i = c + 2,
                // The next byte decides whether it closes.
                None => return best,
                Some(_) => {
                    pos = c + 1;
                    break;
                }
            }
        }
        from = pos;
    }
    last_break(&bytes[from..], from).or(best)
}

/// The closing quote of the field whose opening quote is at `open`, when
/// the field is simple: closed on its line, no doubled quote inside (the
/// byte after a quote that is the first of `""` is a quote), and followed by
/// the delimiter, a line end or the end of the block. Anything else (an
/// unclosed quote, a line break or a quote inside, text after the closing
/// quote) is for the full parser.
fn simple_close(bytes: &[u8], open: usize, delimiter: u8) -> Option<usize> {
    // The search stops at the line's end: a quote further on is not this
    // field's on its line.
    let close = open + 1 + memchr::memchr3(b'"', b'\n', b'\r', &bytes[open + 1..])?;
    if bytes[close] != b'"' {
        return None;
    }
    let ends = match bytes.get(close + 1) {
        None => true,
        Some(&b) => b == delimiter || b == b'\n' || b == b'\r',
    };
    ends.then_some(close)
}

/// The positions of the delimiter, `\n` and `"` in `bytes` from `from`
/// on, in order. The bytes are classified 64 at a time into a bit mask,
/// whose set bits are then taken one by one: a record of Online Retail has
/// eight such bytes, and `memchr3`'s iterator paid a call and a fresh
/// vector search for each.
struct Specials<'a> {
    bytes: &'a [u8],
    delimiter: u8,
    /// Where the 64 bytes `mask` covers start.
    chunk: usize,
    /// The special bytes of the chunk not yet taken, bit `i` for byte
    /// `chunk + i`.
    mask: u64,
}

impl<'a> Specials<'a> {
    fn new(bytes: &'a [u8], from: usize, delimiter: u8) -> Specials<'a> {
        Specials {
            bytes,
            delimiter,
            chunk: from,
            mask: classify(bytes.get(from..).unwrap_or_default(), delimiter),
        }
    }
}

impl Iterator for Specials<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.chunk += 64;
            let rest = self.bytes.get(self.chunk..).filter(|r| !r.is_empty())?;
            self.mask = classify(rest, self.delimiter);
        }
        let bit = self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(self.chunk + bit)
    }
}

/// The mask of the delimiter, `\n` and `"` among the first 64 bytes of
/// `bytes` (all of them when fewer).
#[inline]
fn classify(bytes: &[u8], delimiter: u8) -> u64 {
    match bytes.first_chunk::<64>() {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        // SAFETY: the target has SSE2 (every x86_64 CPU has it).
        Some(chunk) => unsafe { classify_64(chunk, delimiter) },
        _ => classify_portable(&bytes[..bytes.len().min(64)], delimiter),
    }
}

/// [`classify`] for at most 64 bytes, a byte at a time.
fn classify_portable(bytes: &[u8], delimiter: u8) -> u64 {
    bytes.iter().enumerate().fold(0, |mask, (i, &b)| {
        mask | u64::from(b == delimiter || b == b'\n' || b == b'"') << i
    })
}

/// [`classify`] for 64 bytes, 16 at a time with SSE2.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
#[inline]
fn classify_64(chunk: &[u8; 64], delimiter: u8) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let wanted = [delimiter, b'\n', b'"'].map(|b| _mm_set1_epi8(b as i8));
    let mut mask = 0;
    for (k, sixteen) in chunk.chunks_exact(16).enumerate() {
        // SAFETY: `sixteen` is 16 readable bytes, and the load has no
        // alignment requirement.
        let v = unsafe { _mm_loadu_si128(sixteen.as_ptr().cast::<__m128i>()) };
        let hits = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, wanted[0]), _mm_cmpeq_epi8(v, wanted[1])),
            _mm_cmpeq_epi8(v, wanted[2]),
        );
        mask |= u64::from(_mm_movemask_epi8(hits) as u16) << (16 * k);
    }
    mask
}

/// Whether `bytes` has a `\r` that is not the first half of a `\r\n`.
fn has_lone_cr(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'))
}

/// One record of a block: its fields as byte ranges of `buf`.
pub(crate) struct Record<'a> {
    /// The block, or the scratch buffer of a record with quoted fields.
    pub(crate) buf: &'a [u8],
    /// Field ranges in `buf`.
    pub(crate) fields: &'a [(usize, usize)],
    /// `buf` is the block itself (its UTF-8 check covers the fields).
    pub(crate) in_block: bool,
    /// A quote that opens a field and never closes (the field ran to the
    /// end of the input).
    pub(crate) unclosed: Option<Unclosed>,
}

/// Where an unclosed quote opened, and how far its field ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unclosed {
    /// The field it opens (0-based).
    pub(crate) field: usize,
    /// Line breaks in the record before the quote.
    pub(crate) line: u64,
    /// Physical lines the field took, its first included.
    pub(crate) lines: u64,
}

impl Record<'_> {
    /// Field `i`'s bytes.
    pub(crate) fn field(&self, i: usize) -> &[u8] {
        let (start, end) = self.fields[i];
        &self.buf[start..end]
    }

    /// The fields, lossily decoded (for `--rejects`).
    pub(crate) fn texts(&self) -> Vec<String> {
        (0..self.fields.len())
            .map(|i| String::from_utf8_lossy(self.field(i)).into_owned())
            .collect()
    }
}

/// Splits a block of whole records.
pub(crate) struct Records {
    delimiter: u8,
    fields: Vec<(usize, usize)>,
    scratch: Vec<u8>,
    unclosed: Option<Unclosed>,
}

impl Records {
    pub(crate) fn new(delimiter: u8) -> Records {
        Records {
            delimiter,
            fields: Vec::with_capacity(32),
            scratch: Vec::new(),
            unclosed: None,
        }
    }

    pub(crate) fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// Calls `each` with every record of `bytes` and the number of line
    /// breaks before it in the block (0 for a record on the block's first
    /// line); stops early when `each` returns false. Returns the line breaks
    /// in the block.
    pub(crate) fn each(
        &mut self,
        bytes: &[u8],
        mut each: impl FnMut(&Record<'_>, u64) -> bool,
    ) -> u64 {
        let has_cr = memchr::memchr(b'\r', bytes).is_some();
        if has_cr && has_lone_cr(bytes) {
            // Old-Mac line ends: every record by the full parser (the fast
            // path looks for `\n` and would find each record's end only
            // at the block's end).
            return self.each_in_full(bytes, each);
        }
        let mut line = 0u64;
        // The record being split: where it starts, and its current field.
        let mut record = 0;
        let mut start = 0;
        self.fields.clear();
        // One pass over the delimiters, line ends and quotes of the block.
        // A quoted field on one line without doubled quotes (`"Mug, blue"`,
        // what shop exports quote every text field with) is taken where it
        // is, its content between the quotes, and the pass resumes after
        // it. A record with any other quoted field, or a lone `\r`, is
        // parsed again in full by `quoted`, and the pass resumes after it.
        let delimiter = self.delimiter;
        let scan = |from: usize| Specials::new(bytes, from, delimiter);
        let mut found = scan(0);
        // The content of the current field, when it is quoted.
        let mut content = None;
        loop {
            let (j, byte) = match found.next() {
                Some(j) => (j, bytes[j]),
                None if record < bytes.len() => (bytes.len(), b'\n'),
                None => return line,
            };
            if byte == self.delimiter && j < bytes.len() {
                self.fields.push(content.take().unwrap_or((start, j)));
                start = j + 1;
                continue;
            }
            if byte == b'"' {
                if j != start {
                    continue; // inside an unquoted field: an ordinary character
                }
                if let Some(close) = simple_close(bytes, j, delimiter) {
                    content = Some((j + 1, close));
                    found = scan(close + 1);
                    continue;
                }
            } else {
                // A line end, or the end of the block (where a `\r` is a
                // line end too: blocks never end inside a `\r\n`).
                let (end, breaks) = if has_cr && j > start && bytes[j - 1] == b'\r' {
                    (j - 1, 1)
                } else {
                    (j, u64::from(j < bytes.len()))
                };
                if !has_cr || memchr::memchr(b'\r', &bytes[record..end]).is_none() {
                    let next = (j + 1).min(bytes.len());
                    if end == record {
                        // An empty line is no record.
                        line += breaks;
                    } else {
                        self.fields.push(content.take().unwrap_or((start, end)));
                        let record = Record {
                            buf: bytes,
                            fields: &self.fields,
                            in_block: true,
                            unclosed: None,
                        };
                        if !each(&record, line) {
                            return line;
                        }
                        line += breaks;
                    }
                    self.fields.clear();
                    record = next;
                    start = next;
                    continue;
                }
            }
            // A quoted field, or a lone `\r`: the whole record by the full
            // parser.
            content = None;
            let Some((next, breaks)) = self.full_record(bytes, &mut record, &mut line) else {
                return line;
            };
            if !each(&self.copied(), line) {
                return line;
            }
            line += breaks;
            self.fields.clear();
            record = next;
            start = next;
            found = scan(next);
        }
    }

    /// [`Records::each`] for a block with lone `\r` line ends: the full
    /// parser, record after record.
    fn each_in_full(
        &mut self,
        bytes: &[u8],
        mut each: impl FnMut(&Record<'_>, u64) -> bool,
    ) -> u64 {
        let mut line = 0u64;
        let mut pos = 0;
        while let Some((next, breaks)) = self.full_record(bytes, &mut pos, &mut line) {
            if !each(&self.copied(), line) {
                return line;
            }
            line += breaks;
            pos = next;
        }
        line
    }

    /// Skips the empty lines at `pos` (no records; counted on `line`) and
    /// reads the record after them with the full parser: where the next
    /// record starts and the line breaks it took, `None` at the block's end.
    fn full_record(
        &mut self,
        bytes: &[u8],
        pos: &mut usize,
        line: &mut u64,
    ) -> Option<(usize, u64)> {
        while let Some(&(b'\n' | b'\r')) = bytes.get(*pos) {
            *line += 1;
            *pos += if bytes[*pos..].starts_with(b"\r\n") {
                2
            } else {
                1
            };
        }
        (*pos < bytes.len()).then(|| self.quoted(bytes, *pos))
    }

    /// The record [`Records::quoted`] copied to the scratch buffer.
    fn copied(&self) -> Record<'_> {
        Record {
            buf: &self.scratch,
            fields: &self.fields,
            in_block: false,
            unclosed: self.unclosed,
        }
    }

    /// The record at `pos`, any case: fields are copied to the scratch
    /// buffer, quotes removed. Returns where the next record starts and the
    /// line breaks consumed (the record's own and its end).
    fn quoted(&mut self, bytes: &[u8], pos: usize) -> (usize, u64) {
        self.fields.clear();
        self.scratch.clear();
        self.unclosed = None;
        let out = &mut self.scratch;
        let mut breaks = 0u64;
        let mut i = pos;
        loop {
            let start = out.len();
            if bytes.get(i) == Some(&b'"') {
                i += 1;
                let opened = breaks;
                loop {
                    let Some(j) = memchr::memchr3(b'"', b'\n', b'\r', &bytes[i..]).map(|k| i + k)
                    else {
                        // Unclosed: the field runs to the end (the rest
                        // has no line break: the search above stops at each).
                        out.extend_from_slice(&bytes[i..]);
                        // The input's last line break ends the record.
                        let last = u64::from(out.last() == Some(&b'\n') && i == bytes.len());
                        self.unclosed = Some(Unclosed {
                            field: self.fields.len(),
                            line: opened,
                            lines: breaks - opened + 1 - last,
                        });
                        self.fields.push((start, out.len()));
                        return (bytes.len(), breaks);
                    };
                    out.extend_from_slice(&bytes[i..j]);
                    match bytes[j] {
                        b'"' if bytes.get(j + 1) == Some(&b'"') => {
                            out.push(b'"');
                            i = j + 2;
                        }
                        b'"' => {
                            i = j + 1;
                            break;
                        }
                        b'\r' => {
                            out.push(b'\n');
                            breaks += 1;
                            i = j + if bytes.get(j + 1) == Some(&b'\n') {
                                2
                            } else {
                                1
                            };
                        }
                        _ => {
                            out.push(b'\n');
                            breaks += 1;
                            i = j + 1;
                        }
                    }
                }
            }
            // Unquoted, or the rest of a field after its closing quote.
            let Some(j) = memchr::memchr3(self.delimiter, b'\n', b'\r', &bytes[i..]).map(|k| i + k)
            else {
                out.extend_from_slice(&bytes[i..]);
                self.fields.push((start, out.len()));
                return (bytes.len(), breaks);
            };
            out.extend_from_slice(&bytes[i..j]);
            self.fields.push((start, out.len()));
            match bytes[j] {
                b'\n' => return (j + 1, breaks + 1),
                b'\r' => {
                    let next = j + if bytes.get(j + 1) == Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                    return (next, breaks + 1);
                }
                _ => i = j + 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record as (line breaks before it, fields).
    fn split(text: &str) -> Vec<(u64, Vec<String>)> {
        let mut out = Vec::new();
        Records::new(b',').each(text.as_bytes(), |r, line| {
            out.push((line, r.texts()));
            true
        });
        out
    }

    /// [`split`] block by block: pieces of `chunk` bytes (doubled until a
    /// piece holds a whole record) cut where `record_end` says, each split
    /// on its own, lines counted on from the blocks before.
    fn in_blocks(text: &str, chunk: usize) -> Vec<(u64, Vec<String>)> {
        let bytes = text.as_bytes();
        let (mut start, mut lines, mut chunk, mut got) = (0, 0, chunk, Vec::new());
        while start < bytes.len() {
            let piece = &bytes[start..bytes.len().min(start + chunk)];
            let eof = start + chunk >= bytes.len();
            let Some(end) = record_end(piece, b',', eof) else {
                chunk *= 2;
                continue;
            };
            lines += Records::new(b',').each(&bytes[start..start + end], |r, line| {
                got.push((lines + line, r.texts()));
                true
            });
            start += end;
        }
        got
    }

    /// The same records as the `csv` crate reads, by a second parser.
    fn by_csv_crate(text: &str) -> Vec<Vec<String>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        reader
            .byte_records()
            .map(|r| {
                r.unwrap()
                    .iter()
                    .map(|f| {
                        String::from_utf8_lossy(f)
                            .replace("\r\n", "\n")
                            .replace('\r', "\n")
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn fields_and_lines() {
        let text = "a,b,c\n\"x, y\",\"say \"\"hi\"\"\",3\r\n\n\"multi\nline\",5\"\",6\nlast,,";
        let records = split(text);
        assert_eq!(
            records,
            [
                (0, vec!["a".into(), "b".into(), "c".into()]),
                (1, vec!["x, y".into(), "say \"hi\"".into(), "3".into()]),
                (3, vec!["multi\nline".into(), "5\"\"".into(), "6".into()]),
                (5, vec!["last".into(), "".into(), "".into()]),
            ]
        );
    }

    #[test]
    fn agrees_with_the_csv_crate() {
        let cases = [
            "a,b\n1,2\n",
            "a,b\r\n1,2\r\n",
            "a,b\r1,2\r3,4",
            "\"a\"b,c\n",
            "\"a\"\"\"\n\"\"\n",
            "x,\"unclosed\n1,2\n3,4\n",
            "1,\"a\r\nb\",2\n",
            "q\"uote,\"x\" \"y\",z\n",
            ",,\n,\n",
            "\n\r\n\r\na\n",
            " \" a\",b\n",
            "\"a,b\",c\n\"\",x\r\ny,\"z\"",
            "\"a\"\"b\",c\n\"a\nb\",c\n\"a\"b,c\n\"a\"\r\n",
            "\"\"\n\"\"\"\n\"x\"",
        ];
        for text in cases {
            let ours: Vec<Vec<String>> = split(text).into_iter().map(|r| r.1).collect();
            assert_eq!(ours, by_csv_crate(text), "{text:?}");
        }
    }

    /// Random bytes from the characters that matter, against the `csv`
    /// crate, whole and cut into blocks at every record end `record_end`
    /// allows.
    #[test]
    fn random_text_agrees_with_the_csv_crate() {
        let alphabet = [b'a', b'b', b',', b'"', b'\n', b'\r', b' '];
        let mut next = crate::testing::xorshift(0x2545_f491_4f6c_dd1du64);
        for _ in 0..3000 {
            let len = (next() % 40) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let text = String::from_utf8(bytes).unwrap();
            let ours: Vec<Vec<String>> = split(&text).into_iter().map(|r| r.1).collect();
            assert_eq!(ours, by_csv_crate(&text), "{text:?}");
            // Cut at the first record end after every position.
            let got = in_blocks(&text, 1 + (next() % 8) as usize);
            assert_eq!(got, split(&text), "{text:?} in blocks");
        }
    }

    /// Quoted fields on one line without doubled quotes are read in place
    /// (the fast path, `in_block`); the others by the full parser.
    #[test]
    fn simple_quoted_fields_are_read_in_place() {
        let text = "1,\"Mug, blue\",2\r\n\"\",x\n3,\"say \"\"hi\"\"\",4\n5,\"a\nb\",6\n7,\"last\"";
        let mut got = Vec::new();
        Records::new(b',').each(text.as_bytes(), |r, line| {
            got.push((line, r.in_block, r.texts()));
            true
        });
        let texts = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            got,
            [
                (0, true, texts(&["1", "Mug, blue", "2"])),
                (1, true, texts(&["", "x"])),
                (2, false, texts(&["3", "say \"hi\"", "4"])),
                (3, false, texts(&["5", "a\nb", "6"])),
                (5, true, texts(&["7", "last"])),
            ]
        );
    }

    /// Longer texts, so that records and quoted fields cross the 64-byte
    /// chunks of [`Specials`] on the fast path (no lone `\r`, which sends a
    /// block to the full parser), against the `csv` crate, whole and cut
    /// into blocks where `record_end` allows; and the masks' positions
    /// against a plain scan.
    #[test]
    fn long_random_text_agrees_with_the_csv_crate() {
        let pieces = [
            "abc", "d", "efgh ij", ",", ",", ",", "\"", "\"\"", "\n", "\r\n", "\"k, l\"", ";",
        ];
        let mut next = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15u64);
        let mut in_place = 0;
        for _ in 0..1500 {
            let mut text = String::new();
            for _ in 0..next() % 120 {
                text.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            }
            let whole = split(&text);
            let ours: Vec<Vec<String>> = whole.iter().map(|r| r.1.clone()).collect();
            assert_eq!(ours, by_csv_crate(&text), "{text:?}");
            Records::new(b',').each(text.as_bytes(), |r, _| {
                in_place += usize::from(r.in_block && r.fields.len() > 4);
                true
            });
            let got = in_blocks(&text, 1 + (next() % 200) as usize);
            assert_eq!(got, whole, "{text:?} in blocks");
            let bytes = text.as_bytes();
            let from = (next() % 70) as usize;
            let found: Vec<usize> = Specials::new(bytes, from, b';').collect();
            let expected: Vec<usize> = (from..bytes.len())
                .filter(|&i| matches!(bytes[i], b';' | b'\n' | b'"'))
                .collect();
            assert_eq!(found, expected, "{text:?} from {from}");
        }
        // The fast path was taken, by records long enough to cross chunks.
        assert!(in_place > 500, "{in_place}");
    }

    /// The vector classification against the byte-at-a-time one.
    #[test]
    fn masks_agree_with_the_portable_classification() {
        let mut next = crate::testing::xorshift(0x2545_f491_4f6c_dd1d);
        for _ in 0..2000 {
            let chunk: [u8; 64] = std::array::from_fn(|_| b",;\n\"a\r\t\0"[(next() % 8) as usize]);
            for delimiter in [b',', b';', b'\t'] {
                let portable = classify_portable(&chunk, delimiter);
                assert_eq!(classify(&chunk, delimiter), portable);
                assert_eq!(
                    classify(&chunk[..40], delimiter),
                    portable & ((1 << 40) - 1)
                );
            }
        }
    }

    #[test]
    fn lone_carriage_returns_end_records_and_lines() {
        let records = split("a,b\r1,2\r\r3,4\n");
        let lines: Vec<u64> = records.iter().map(|r| r.0).collect();
        assert_eq!(lines, [0, 1, 3]);
    }

    /// Cutting anywhere with `record_end` and splitting the pieces gives the
    /// records and lines of the whole.
    #[test]
    fn record_end_cuts_between_records() {
        let text = "id,note,amount\r\n1,\"a, \"\"quoted\"\"\r\nnote\",2.00\r\n2,plain,3.00\r\n\"3\",\"x\ny\nz\",4\n4,q\"uote,5\r6,\"\",7\n";
        let whole = split(text);
        let bytes = text.as_bytes();
        for chunk in 1..bytes.len() {
            let mut got = Vec::new();
            let mut start = 0;
            let mut lines = 0;
            while start < bytes.len() {
                let mut len = chunk;
                let end = loop {
                    let piece = &bytes[start..bytes.len().min(start + len)];
                    let eof = start + len >= bytes.len();
                    if let Some(end) = record_end(piece, b',', eof) {
                        break start + end;
                    }
                    len *= 2;
                };
                lines += Records::new(b',').each(&bytes[start..end], |r, line| {
                    got.push((lines + line, r.texts()));
                    true
                });
                start = end;
            }
            assert_eq!(got, whole, "chunks of {chunk}");
        }
    }

    #[test]
    fn record_end_never_cuts_inside_quotes_or_crlf() {
        assert_eq!(record_end(b"a,\"x\ny", b',', false), None);
        assert_eq!(record_end(b"a\nb,\"x\ny", b',', false), Some(2));
        assert_eq!(record_end(b"a\r", b',', false), None);
        assert_eq!(record_end(b"a\r\n", b',', false), Some(3));
        assert_eq!(record_end(b"a\rb", b',', false), Some(2));
        // A closing quote last: it may be the first of `""`.
        assert_eq!(record_end(b"a\n\"x\"", b',', false), Some(2));
        // A quote inside an unquoted field opens nothing.
        assert_eq!(record_end(b"5\" disk\nb", b',', false), Some(8));
    }
}
