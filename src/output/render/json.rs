//! JSON and NDJSON.
//!
//! Written by hand around `serde_json` string escaping so that money keeps
//! its exact decimal digits: `1234.50` is emitted as the JSON number
//! `1234.50`, not re-parsed into a float. Dates, ids and segment names are
//! strings; empty values are `null`.

use super::{Renderer, Tabular, Value};
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

fn write_string(out: &mut dyn Write, s: &str) -> io::Result<()> {
    serde_json::to_writer(&mut *out, s).map_err(io::Error::from)
}

fn write_value(out: &mut dyn Write, v: &Value) -> io::Result<()> {
    if let Value::Json(json) = v {
        return out.write_all(json.as_bytes());
    }
    match v.text('.') {
        None => out.write_all(b"null"),
        Some(text) if v.is_number() => out.write_all(text.as_bytes()),
        Some(text) => write_string(out, &text),
    }
}

fn write_object(out: &mut dyn Write, columns: &[&str], row: &[Value]) -> io::Result<()> {
    out.write_all(b"{")?;
    for (i, (name, value)) in columns.iter().zip(row).enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_string(out, name)?;
        out.write_all(b":")?;
        write_value(out, value)?;
    }
    out.write_all(b"}")
}

/// `[` + one row object per line, indented by `indent` + `]`.
fn write_rows(out: &mut dyn Write, data: &Tabular<'_>, indent: &str) -> io::Result<()> {
    out.write_all(b"[")?;
    let mut row = Vec::new();
    for i in 0..data.rows.len() {
        data.rows.fill(i, &mut row);
        let sep = if i == 0 { "" } else { "," };
        write!(out, "{sep}\n{indent}  ")?;
        write_object(out, &data.columns, &row)?;
    }
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
                out.write_all(b"{\n")?;
                for (name, value) in fields {
                    out.write_all(b"  ")?;
                    write_string(out, name)?;
                    out.write_all(b": ")?;
                    write_value(out, value)?;
                    out.write_all(b",\n")?;
                }
                out.write_all(b"  ")?;
                write_string(out, rows_key)?;
                out.write_all(b": ")?;
                write_rows(out, data, "  ")?;
                if let Some(total) = &data.total {
                    out.write_all(b",\n  \"total\": ")?;
                    write_object(out, &data.columns, total)?;
                }
                out.write_all(b"\n}")?;
            }
        }
        out.write_all(b"\n")
    }
}

impl Renderer for NdjsonRenderer {
    fn render(&self, data: &Tabular<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut row = Vec::new();
        for i in 0..data.rows.len() {
            data.rows.fill(i, &mut row);
            write_object(out, &data.columns, &row)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}
