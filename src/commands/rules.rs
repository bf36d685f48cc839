//! `rfm rules`: a segment definition drawn as a grid, and checked.
//!
//! The table format draws the smallest grid that shows the definition
//! exactly (R x FM, R x F, or one F x M grid per R), lists the segments with
//! their cell counts, descriptions and actions, and states the checks. CSV
//! and TSV give one row per (r, f, m) cell; JSON gives all of it. Problems
//! (uncovered cells, unreachable segments, shadowed rules) are warnings on
//! stderr, or notes for a preset whose gaps are by design; `--strict` makes
//! any of them an error.

use crate::cli::RulesArgs;
use crate::notes::Notes;
use crate::options::{self, Environment};
use crate::output;
use crate::output::render::{self, Format, RenderOptions, Renderer, Tabular, Value};
use crate::score::definition::{Definition, Shape};
use comfy_table::{Table, presets};
use serde::Serialize;
use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

/// The columns of the cell list, in contract order.
pub(crate) const COLUMNS: [&str; 7] = ["r", "f", "m", "fm", "segment", "segment_key", "rule"];

/// Runs the command.
pub(crate) fn run(args: &RulesArgs, env: &Environment) -> anyhow::Result<()> {
    let definition = options::definition(&args.segments)?;
    let path = options::output_path(args.output.as_deref()).map(Path::to_path_buf);
    let format = match (args.format, &path) {
        (Some(f), _) => f.into(),
        (None, Some(p)) => Format::from_extension(p).unwrap_or(Format::Csv),
        (None, None) if env.stdout_tty => Format::Table,
        (None, None) => Format::Csv,
    };
    if format == Format::Parquet {
        return Err(crate::error::UsageError(
            "rfm rules writes table, csv, tsv, json or ndjson: name the -o file accordingly".into(),
        )
        .into());
    }
    let problems = definition.problems();
    output::write_to(path.as_deref(), |out| match format {
        Format::Table => draw(
            &definition,
            &problems,
            path.is_none() && env.stdout_tty,
            out,
        ),
        Format::Json => render::JsonRenderer.render(&document(&definition, &problems), out),
        other => {
            let render = RenderOptions {
                excel: false,
                color: false,
                fit_terminal: false,
                rows: None,
            };
            render::renderer(other, render).render(&cells(&definition), out)
        }
    })?;
    // The table states the problems itself; other formats carry them as
    // data, so they are also said on stderr.
    if problems.is_empty() || (format == Format::Table && !args.strict) {
        return Ok(());
    }
    if args.strict {
        anyhow::bail!(
            "--strict: --segments {} has {}: {}",
            definition.name,
            crate::notes::count(problems.len() as u64, "problem"),
            problems.join("; ")
        );
    }
    let notes = Notes::new(false);
    for problem in &problems {
        if definition.preset {
            notes.note(format_args!(
                "{} (by design of this preset): {problem}",
                definition.name
            ));
        } else {
            notes.warn(format_args!("--segments {}: {problem}", definition.name));
        }
    }
    Ok(())
}

/// One row per (r, f, m) cell: its segment and the rule that decides it.
pub(crate) fn cells(definition: &Definition) -> Tabular<'_> {
    let rows: Vec<Vec<Value<'_>>> = definition
        .cells()
        .map(|(r, f, m)| {
            let s = &definition.segments[usize::from(definition.segment_of(r, f, m))];
            vec![
                Value::Int(i64::from(r)),
                Value::Int(i64::from(f)),
                Value::Int(i64::from(m)),
                Value::Int(i64::from(crate::score::fm(f, m))),
                Value::Segment(&s.name, s.tone),
                Value::Text(Cow::Borrowed(&s.key)),
                definition
                    .deciding_rule(r, f, m)
                    .map_or(Value::Null, |i| Value::Int(i as i64 + 1)),
            ]
        })
        .collect();
    Tabular::new(&COLUMNS, rows)
}

/// The grid, the segments and the checks, for reading.
fn draw(
    definition: &Definition,
    problems: &[String],
    fit_terminal: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let l = definition.levels;
    let how = match definition.shape {
        Shape::RFm => "R x FM grid",
        Shape::RF => "R x F grid",
        Shape::RFM => "r, f and m; one F x M grid per R",
    };
    writeln!(out, "--segments {}: scores 1-{l}, {how}\n", definition.name)?;
    let name = |r: u8, f: u8, m: u8| -> &str {
        &definition.segments[usize::from(definition.segment_of(r, f, m))].name
    };
    let grid = |title: String, columns: &str, cell: &dyn Fn(u8, u8) -> String, rows: &str| {
        let mut table = Table::new();
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .force_no_tty();
        let mut header = vec![title];
        header.extend((1..=l).map(|c| format!("{columns}={c}")));
        table.set_header(header);
        for row in (1..=l).rev() {
            let mut cells = vec![format!("{rows}={row}")];
            cells.extend((1..=l).map(|c| cell(row, c)));
            table.add_row(cells);
        }
        table
    };
    match definition.shape {
        Shape::RFm => {
            // f = m = fm is one of the (f, m) pairs with that fm.
            let cell = |r: u8, fm: u8| name(r, fm, fm).to_owned();
            writeln!(out, "{}", grid(String::new(), "FM", &cell, "R"))?;
        }
        Shape::RF => {
            let cell = |r: u8, f: u8| name(r, f, 1).to_owned();
            writeln!(out, "{}", grid(String::new(), "F", &cell, "R"))?;
        }
        Shape::RFM => {
            for r in (1..=l).rev() {
                let cell = |f: u8, m: u8| name(r, f, m).to_owned();
                writeln!(out, "{}", grid(format!("R={r}"), "M", &cell, "F"))?;
            }
        }
    }
    let counts = definition.cell_counts();
    let mut table = Table::new();
    table.load_style(presets::UTF8_FULL_CONDENSED);
    if fit_terminal {
        table.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    } else {
        table.force_no_tty();
    }
    table.set_header(["segment", "segment_key", "cells", "description", "action"]);
    for (s, n) in definition.segments.iter().zip(&counts) {
        table.add_row([
            s.name.clone(),
            s.key.clone(),
            n.to_string(),
            s.description.clone(),
            s.action.clone(),
        ]);
    }
    writeln!(out, "\n{table}\n")?;
    if problems.is_empty() {
        writeln!(
            out,
            "checks: every cell is covered, every segment is reachable, every rule decides some cell"
        )
    } else {
        for problem in problems {
            writeln!(out, "check: {problem}")?;
        }
        Ok(())
    }
}

/// A segment in the JSON document (fields in this order).
#[derive(Serialize)]
struct SegmentEntry<'a> {
    segment: &'a str,
    segment_key: &'a str,
    cells: usize,
    description: &'a str,
    action: &'a str,
}

/// The checks in the JSON document.
#[derive(Serialize)]
struct ChecksEntry<'a> {
    /// Cells as `rfm` codes, e.g. `251`.
    uncovered: Vec<String>,
    /// Segment keys.
    unreachable: Vec<&'a str>,
    /// Rule numbers, from 1.
    shadowed_rules: Vec<usize>,
    problems: &'a [String],
}

/// The JSON document: the definition, its segments, the checks, the cells.
fn document<'a>(definition: &'a Definition, problems: &[String]) -> Tabular<'a> {
    let counts = definition.cell_counts();
    let segments: Vec<SegmentEntry> = definition
        .segments
        .iter()
        .zip(counts)
        .map(|(s, cells)| SegmentEntry {
            segment: &s.name,
            segment_key: &s.key,
            cells,
            description: &s.description,
            action: &s.action,
        })
        .collect();
    let checks = definition.checks();
    let checks = ChecksEntry {
        uncovered: checks
            .uncovered
            .iter()
            .map(|(r, f, m)| format!("{r}{f}{m}"))
            .collect(),
        unreachable: checks
            .unreachable
            .iter()
            .map(|&s| definition.segments[s].key.as_str())
            .collect(),
        shadowed_rules: checks.shadowed.iter().map(|i| i + 1).collect(),
        problems,
    };
    let mut data = cells(definition);
    data.json_envelope = Some((
        vec![
            (
                "segments_definition",
                Value::Text(Cow::Borrowed(&definition.name)),
            ),
            ("levels", Value::Int(i64::from(definition.levels))),
            ("segments", render::nested_value(&segments)),
            ("checks", render::nested_value(&checks)),
        ],
        "cells",
    ));
    data
}

/// The JSON document of `rfm rules -f json` as text (report.json embeds
/// it as the definition used).
pub(crate) fn json_text(definition: &Definition) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = render::JsonRenderer.render(&document(definition, &definition.problems()), &mut out);
    String::from_utf8_lossy(&out).trim_end().to_owned()
}
