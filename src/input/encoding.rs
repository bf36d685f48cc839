//! Text encodings: everything past this point is UTF-8.
//!
//! Spreadsheets save "Unicode text" as UTF-16 with a byte order mark, and
//! European Excel and ERP exports are often Windows-1252 (accented names and
//! `€` as single bytes). Both used to be an error with an `iconv` command to
//! run first. Now the start of a CSV input decides:
//!
//! 1. `--encoding NAME` forces a decoder (any WHATWG label: `windows-1252`,
//!    `latin1`, `utf-16le`, `iso-8859-15`, `utf-8`...).
//! 2. A byte order mark: UTF-8 (kept as is), UTF-16 LE or BE (decoded).
//!    UTF-32 has no decoder here: an error with the `iconv` command.
//! 3. Otherwise the first 64 KiB: valid UTF-8 (a character cut at the end
//!    is fine) is read as UTF-8; anything else as Windows-1252, the superset
//!    of Latin-1 that Excel writes, with a note, unless it reads as
//!    Windows-1250, which Romanian (and Central European) Excel writes:
//!    `ş`, `ţ`, `Ş`, `Ţ` are bytes that Windows-1252 reads as `º`, `þ`, `ª`,
//!    `Þ`, symbols that never sit inside a word in the languages it is for.
//!
//! Decoding streams on the reading thread (`encoding_rs_io`), so line
//! numbers stay those of the file. A file that is UTF-8 at the start and
//! not further on still gets the bad-row error naming `--encoding`.

use crate::error::InputError;
use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1250, WINDOWS_1252};
use std::io::Read;

/// How an input's bytes become UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decoding {
    /// Already UTF-8.
    Utf8,
    /// Decoded from `encoding`, for the reason given.
    From(&'static Encoding, Why),
}

/// Why an encoding was chosen (for the note).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Why {
    /// `--encoding`.
    Forced,
    /// A byte order mark.
    Bom,
    /// The start is not UTF-8.
    NotUtf8,
}

impl Decoding {
    /// The note to print, if any: `decoded from UTF-16LE (byte order mark)`.
    pub(crate) fn note(self) -> Option<String> {
        match self {
            Decoding::Utf8 => None,
            Decoding::From(encoding, why) => Some(match why {
                Why::Forced => format!("read as {} (--encoding)", encoding.name()),
                Why::Bom => format!("read as {} (byte order mark)", encoding.name()),
                Why::NotUtf8 if encoding == WINDOWS_1250 => format!(
                    "not UTF-8: read as {} (Romanian and Central European spreadsheets' encoding: letters such as ş and ţ inside words; --encoding windows-1252 for Western European)",
                    encoding.name()
                ),
                Why::NotUtf8 => format!(
                    "not UTF-8: read as {} (Excel's and most European spreadsheets' encoding; --encoding NAME to choose another)",
                    encoding.name()
                ),
            }),
        }
    }
}

/// Resolves `--encoding NAME` (a WHATWG label) up front.
pub(crate) fn forced(label: &str) -> Result<&'static Encoding, String> {
    Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        format!(
            "--encoding {label}: unknown encoding; e.g. utf-8, windows-1252, latin1, iso-8859-15, utf-16le, utf-16be"
        )
    })
}

/// Decides from the start of the input (`head`) how it is decoded.
pub(crate) fn detect(
    head: &[u8],
    forced: Option<&'static Encoding>,
    file: &str,
) -> Result<Decoding, InputError> {
    if let Some(encoding) = forced {
        return Ok(if encoding == UTF_8 {
            Decoding::Utf8
        } else {
            Decoding::From(encoding, Why::Forced)
        });
    }
    // UTF-32's little-endian mark starts like UTF-16's: it comes first.
    if head.starts_with(b"\xff\xfe\x00\x00") || head.starts_with(b"\x00\x00\xfe\xff") {
        return Err(InputError::Utf32 {
            file: file.to_owned(),
        });
    }
    if head.starts_with(b"\xff\xfe") {
        return Ok(Decoding::From(UTF_16LE, Why::Bom));
    }
    if head.starts_with(b"\xfe\xff") {
        return Ok(Decoding::From(UTF_16BE, Why::Bom));
    }
    // A UTF-8 mark means UTF-8: a stray byte further on is a bad row, not
    // a reason to read the whole file otherwise.
    if head.starts_with(b"\xef\xbb\xbf") {
        return Ok(Decoding::Utf8);
    }
    match std::str::from_utf8(head) {
        Ok(_) => Ok(Decoding::Utf8),
        // Cut inside a character at the end of the sample: UTF-8 so far.
        Err(e) if e.error_len().is_none() => Ok(Decoding::Utf8),
        Err(_) if central_european(head) => Ok(Decoding::From(WINDOWS_1250, Why::NotUtf8)),
        Err(_) => Ok(Decoding::From(WINDOWS_1252, Why::NotUtf8)),
    }
}

/// Whether single-byte text is Windows-1250 rather than Windows-1252: one
/// of the bytes that are Romanian letters there (ş ţ Ş Ţ) and symbols in
/// Windows-1252 (º þ ª Þ) sits between two letters (`Bra\xbaov`, not
/// `N\xba 5`).
fn central_european(head: &[u8]) -> bool {
    let letter = |b: u8| b.is_ascii_alphabetic() || b >= 0xC0;
    head.windows(3)
        .any(|w| matches!(w[1], 0xBA | 0xAA | 0xFE | 0xDE) && letter(w[0]) && letter(w[2]))
}

/// The input as UTF-8 (a byte order mark removed).
pub(crate) fn decoded(reader: Box<dyn Read + Send>, decoding: Decoding) -> Box<dyn Read + Send> {
    match decoding {
        Decoding::Utf8 => reader,
        Decoding::From(encoding, why) => Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding))
                // A mark decides over a sniffed Windows-1252, never over
                // what the user forced.
                .bom_override(why != Why::Forced)
                .strip_bom(true)
                .build(reader),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], forced: Option<&'static Encoding>) -> (Decoding, String) {
        let decoding = detect(bytes, forced, "f.csv").unwrap();
        let mut text = String::new();
        decoded(Box::new(std::io::Cursor::new(bytes.to_vec())), decoding)
            .read_to_string(&mut text)
            .unwrap();
        (decoding, text)
    }

    #[test]
    fn utf16_by_its_mark_and_windows_1252_when_not_utf8() {
        let text = "Cliente;Importo\nJosé;12,50 €\n";
        let le: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xfe, 0xff]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(
            decode(&le, None),
            (Decoding::From(UTF_16LE, Why::Bom), text.into())
        );
        assert_eq!(
            decode(&be, None),
            (Decoding::From(UTF_16BE, Why::Bom), text.into())
        );
        // é is 0xE9 and € 0x80 in Windows-1252.
        let cp1252 = b"Cliente;Importo\nJos\xe9;12,50 \x80\n";
        assert_eq!(
            decode(cp1252, None),
            (Decoding::From(WINDOWS_1252, Why::NotUtf8), text.into())
        );
        assert_eq!(decode(text.as_bytes(), None), (Decoding::Utf8, text.into()));
        // A character cut by the end of the sample is still UTF-8.
        assert_eq!(
            detect(&"é".as_bytes()[..1], None, "f").unwrap(),
            Decoding::Utf8
        );
        // Romanian from Excel: Windows-1250 (ş is 0xBA, ţ 0xFE, ă 0xE3);
        // a Spanish "Nº 5" stays Windows-1252.
        let ro = b"Client;Total\nSC Bra\xbaov \xdee\xbat\xe3turi SRL;1,00\n";
        assert_eq!(
            decode(ro, None),
            (
                Decoding::From(WINDOWS_1250, Why::NotUtf8),
                "Client;Total\nSC Braşov Ţeştături SRL;1,00\n".into()
            )
        );
        let es = b"Cliente;Nota\nJos\xe9;N\xba 5\n";
        assert_eq!(
            decode(es, None).0,
            Decoding::From(WINDOWS_1252, Why::NotUtf8)
        );
        // Forced: ISO-8859-15 has € at 0xA4.
        let latin9 = forced("iso-8859-15").unwrap();
        assert_eq!(decode(b"\xa4", Some(latin9)).1, "€");
        assert!(forced("klingon").is_err());
    }
}
