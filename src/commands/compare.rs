//! `rfm compare OLD NEW`: the migration between two runs.
//!
//! The terminal table is the from x to matrix itself. The other formats
//! carry one row per (from, to) pair, zeros included, because that is what
//! a pivot table or a script wants and its columns do not depend on the
//! segment definition; the JSON document also holds the matrix as arrays.
//! `report` writes the same rows as migration.csv.

use crate::cli::CompareArgs;
use crate::error::UsageError;
use crate::notes::{Notes, count, thousands};
use crate::options::{self, Environment};
use crate::output;
use crate::output::render::Format;
use crate::report::migration::Migration;
use crate::report::snapshot::Snapshot;
use crate::report::tables::{GONE, NEW, column_totals, movers_table, pairs, summary_line};
use anyhow::Context;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use std::io::{self, Write};

/// Runs the command.
pub(crate) fn run(args: &CompareArgs, env: &Environment) -> anyhow::Result<()> {
    let opts = options::resolve_output(&args.output, env)?;
    if let Some(path) = &opts.path {
        // A report folder is read through its files.
        let within =
            |dir: &std::path::Path| ["customers.csv", "report.json"].map(|name| dir.join(name));
        let read: Vec<std::path::PathBuf> = [&args.old, &args.new]
            .into_iter()
            .flat_map(|p| std::iter::once(p.clone()).chain(within(p)))
            .collect();
        output::Inputs::new(read.iter().map(|p| p.as_path())).refuse("-o", path)?;
    }
    let old = Snapshot::read(&args.old).context("OLD")?;
    let new = Snapshot::read(&args.new).context("NEW")?;
    crate::report::migration::comparable(&old, &new).map_err(UsageError)?;
    let migration = Migration::between(&old, &new);
    let notes = Notes::new(args.output.quiet);
    notes.note(format_args!(
        "old: {} in {}; new: {} in {}",
        count(old.customers.len() as u64, "customer"),
        old.source,
        count(new.customers.len() as u64, "customer"),
        new.source
    ));
    // The table prints it under the matrix.
    if args.movers.is_some() || opts.format != Format::Table {
        notes.note(summary_line(&migration));
    }
    match &args.movers {
        Some(spec) => {
            let (from, to) = migration
                .parse_movers(spec)
                .map_err(|e| UsageError(format!("--movers {e}")))?;
            let movers = migration.movers(&from, &to);
            notes.note(format_args!(
                "{} moved",
                count(movers.len() as u64, "customer")
            ));
            output::emit(&opts, movers_table(&migration, &movers, opts.decimals))
        }
        None if opts.format == Format::Table => {
            let fit = opts.render.fit_terminal;
            output::write_to(opts.path.as_deref(), |out| draw(&migration, fit, out))
        }
        None => output::emit(&opts, pairs(&migration)),
    }
}

/// The matrix for reading: from-segments down, to-segments across, with
/// the gone column, the new row and the totals.
fn draw(m: &Migration, fit_terminal: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut table = Table::new();
    table.load_style(presets::UTF8_FULL_CONDENSED);
    if fit_terminal {
        table.set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.force_no_tty();
    }
    let mut header = vec![Cell::new("from \\ to")];
    header.extend(m.segments.iter().map(|s| Cell::new(&s.name)));
    header.push(Cell::new(GONE));
    header.push(Cell::new("total"));
    table.set_header(header);
    let number = |n: u64| Cell::new(thousands(n)).set_alignment(CellAlignment::Right);
    let rows = m.rows();
    let labels = m.segments.iter().map(|s| s.name.as_str()).chain([NEW]);
    for (label, counts) in labels.zip(&rows) {
        let mut cells = vec![Cell::new(label)];
        cells.extend(counts.iter().copied().map(number));
        cells.push(number(counts.iter().sum()));
        table.add_row(cells);
    }
    let totals = column_totals(&rows);
    let mut cells = vec![Cell::new("total")];
    cells.extend(totals.iter().copied().map(number));
    cells.push(number(totals.iter().sum()));
    table.add_row(cells);
    writeln!(out, "{table}")?;
    writeln!(out, "{}", summary_line(m))
}
