//! JSON and NDJSON.
//!
//! Written by hand, strings escaped exactly as `serde_json` escapes them, so
//! that money keeps its exact decimal digits: `1234.50` is emitted as the
//! JSON number `1234.50`, not re-parsed into a float. Dates, ids and
//! segment names are strings; empty values are `null`. Rows are formatted
//! on two threads ([`write_in_chunks`]), as CSV's are.

use super::chunks::write_in_chunks;
use super::{DateTexts, Renderer, Tabular, Value};
use std::borrow::Cow;
use std::io::{self, Write};

/// A JSON document as a field of an envelope: its lines after the first
/// indented one level, to sit inside the document around it.
pub(crate) fn nested(text: &str) -> Value<'static> {
    Value::Json(Cow::Owned(text.trim_end().replace('\n', "\n  ")))
}

/// A value, pretty-printed, as a field of an envelope (see [`nested`]).
pub(crate) fn nested_value(value: &impl serde::Serialize) -> Value<'static> {
    nested(&serde_json::to_string_pretty(value).unwrap_or_default())
}

/// A JSON array of row objects, or an object when the data has an envelope.
pub(crate) struct JsonRenderer;

/// One JSON object per row, one per line.
pub(crate) struct NdjsonRenderer;

/// Appends `s` as a JSON string, escaped as `serde_json` escapes it: `"`
/// and `\\`, the control characters as `\b \t \n \f \r` or `\u00XX`,
/// everything else as it is.
fn push_string(s: &str, out: &mut String) {
    out.push('"');
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
        plain = i + 1;
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

/// Appends a value: JSON (an envelope's nested document) as it is, a
/// number as its digits, no value as `null`, the rest as a string. `cell`
/// is scratch space.
fn push_value(v: &Value, out: &mut String, dates: &mut DateTexts, cell: &mut String) {
    match v {
        Value::Json(json) => out.push_str(json),
        // Digits and dashes, which need no escaping.
        Value::Date(day) => {
            out.push('"');
            dates.write(*day, out);
            out.push('"');
        }
        Value::Text(text) => push_string(text, out),
        _ => {
            cell.clear();
            if !v.write_text('.', cell) {
                out.push_str("null");
            } else if v.is_number() {
                out.push_str(cell);
            } else {
                push_string(cell, out);
            }
        }
    }
}

/// The keys of a row object: each column as a JSON string and `:`.
fn keys(columns: &[&str]) -> Vec<String> {
    columns
        .iter()
        .map(|name| {
            let mut key = String::new();
            push_string(name, &mut key);
            key.push(':');
            key
        })
        .collect()
}

/// Appends a row object, `{"key":value,...}`.
fn push_object(
    keys: &[String],
    row: &[Value],
    out: &mut String,
    dates: &mut DateTexts,
    cell: &mut String,
) {
    out.push('{');
    for (i, (key, value)) in keys.iter().zip(row).enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(key);
        push_value(value, out, dates, cell);
    }
    out.push('}');
}

/// Writes the rows as objects, each after what `before(index, text)`
/// appends and followed by `after`, formatted on the threads of
/// [`write_in_chunks`].
fn write_objects(
    out: &mut dyn Write,
    data: &Tabular<'_>,
    before: impl Fn(usize, &mut String) + Sync,
    after: &str,
) -> io::Result<()> {
    let keys = keys(&data.columns);
    write_in_chunks(data.rows.len(), out, |rows, text, dates| {
        let (mut row, mut cell) = (Vec::new(), String::new());
        text.reserve(rows.len() * 200);
        for i in rows {
            data.rows.fill(i, &mut row);
            before(i, text);
            push_object(&keys, &row, text, dates, &mut cell);
            text.push_str(after);
        }
    })
}

/// `[` + one row object per line, indented by `indent` + `]`.
fn write_rows(out: &mut dyn Write, data: &Tabular<'_>, indent: &str) -> io::Result<()> {
    out.write_all(b"[")?;
    write_objects(
        out,
        data,
        |i, text| {
            text.push_str(if i == 0 { "\n" } else { ",\n" });
            text.push_str(indent);
            text.push_str("  ");
        },
        "",
    )?;
    if data.rows.is_empty() {
        out.write_all(b"]")
    } else {
        write!(out, "\n{indent}]")
    }
}

impl Renderer for JsonRenderer {
    fn render(&self, data: &Tabular<'_>, out: &mut dyn Write) -> io::Result<()> {
        match &data.json_envelope {
            None => write_rows(out, data, "")?,
            Some((fields, rows_key)) => {
                let (mut dates, mut cell) = (DateTexts::new(), String::new());
                let mut text = String::from("{\n");
                for (name, value) in fields {
                    text.push_str("  ");
                    push_string(name, &mut text);
                    text.push_str(": ");
                    push_value(value, &mut text, &mut dates, &mut cell);
                    text.push_str(",\n");
                }
                text.push_str("  ");
                push_string(rows_key, &mut text);
                text.push_str(": ");
                out.write_all(text.as_bytes())?;
                write_rows(out, data, "  ")?;
                text.clear();
                if let Some(total) = &data.total {
                    text.push_str(",\n  \"total\": ");
                    push_object(
                        &keys(&data.columns),
                        total,
                        &mut text,
                        &mut dates,
                        &mut cell,
                    );
                }
                text.push_str("\n}");
                out.write_all(text.as_bytes())?;
            }
        }
        out.write_all(b"\n")
    }
}

impl Renderer for NdjsonRenderer {
    fn render(&self, data: &Tabular<'_>, out: &mut dyn Write) -> io::Result<()> {
        write_objects(out, data, |_, _| {}, "\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::render::chunks::{AHEAD, CHUNK_ROWS, FORMATTERS};

    /// Rows over many chunks, as JSON and as NDJSON: each row is the object
    /// written here with `serde_json`'s escaping and chrono's dates, in
    /// order, with the separators of the first row and the others.
    #[test]
    fn rows_over_many_chunks_come_out_whole_and_in_order() {
        let rows: usize = CHUNK_ROWS * (FORMATTERS * (AHEAD + 2) + 1) + 7;
        let text = |i: usize| match i % 3 {
            0 => format!("c{i}"),
            1 => format!("c,\n{i}"),
            _ => format!("say \"{i}\""),
        };
        let day = |i: usize| 20_000 + (i % 3_000) as i32;
        let table = || {
            let cells: Vec<Vec<Value<'_>>> = (0..rows)
                .map(|i| {
                    vec![
                        Value::Int(i as i64 - 5),
                        Value::Text(Cow::Owned(text(i))),
                        Value::Date(day(i)),
                        Value::Decimal {
                            units: i as i128,
                            scale: 2,
                            decimals: 2,
                        },
                        Value::Null,
                    ]
                })
                .collect();
            Tabular::new(&["n", "t", "d", "m", "x"], cells)
        };
        let object = |i: usize| {
            format!(
                "{{\"n\":{},\"t\":{},\"d\":\"{}\",\"m\":{}.{:02},\"x\":null}}",
                i as i64 - 5,
                serde_json::to_string(&text(i)).unwrap(),
                crate::dates::from_day(day(i)).format("%Y-%m-%d"),
                i / 100,
                i % 100
            )
        };
        let mut ndjson = Vec::new();
        NdjsonRenderer.render(&table(), &mut ndjson).unwrap();
        let expected: String = (0..rows).map(|i| object(i) + "\n").collect();
        assert!(
            String::from_utf8(ndjson).unwrap() == expected,
            "NDJSON differs"
        );
        let mut json = Vec::new();
        JsonRenderer.render(&table(), &mut json).unwrap();
        let body: Vec<String> = (0..rows).map(object).collect();
        let expected = format!("[\n  {}\n]\n", body.join(",\n  "));
        assert!(String::from_utf8(json).unwrap() == expected, "JSON differs");
    }

    /// Every ASCII character, alone and between others, and text beyond
    /// ASCII: escaped exactly as `serde_json` escapes it.
    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut texts: Vec<String> = (0u8..0x80).map(|b| char::from(b).to_string()).collect();
        texts.extend((0u8..0x80).map(|b| format!("a{}b\u{e9}", char::from(b))));
        texts.extend(
            [
                "",
                "Caf\u{e9} \"Il Gatto\"\r\n\\",
                "\u{1f600}\u{7f}\u{80}\u{2028}",
            ]
            .map(String::from),
        );
        for text in texts {
            let mut out = String::new();
            push_string(&text, &mut out);
            assert_eq!(out, serde_json::to_string(&text).unwrap(), "{text:?}");
        }
    }
}
