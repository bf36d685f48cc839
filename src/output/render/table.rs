//! The terminal table: aligned columns, numbers right-aligned, segment names
//! coloured by how healthy the segment is (when colour is on), and the total
//! row at the bottom. Shares are shown as percentages.

use super::{Renderer, Tabular, Value};
use crate::money;
use crate::score::segment::Tone;
use comfy_table::{
    Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, Width, presets,
};
use std::io::{self, Write};

/// comfy-table output.
pub(crate) struct TableRenderer {
    /// Colour segment names and bold the header.
    pub(crate) color: bool,
    /// Wrap cells to fit the terminal; otherwise rows are never wrapped, so
    /// the layout in files and pipes does not depend on a window size.
    pub(crate) fit_terminal: bool,
    /// The most rows shown (`None`: all); a last line says how many more
    /// there are. Only the rows shown are ever built, so memory stays
    /// bounded by the limit, not the result.
    pub(crate) rows: Option<usize>,
}

fn tone_color(tone: Tone) -> Option<Color> {
    match tone {
        Tone::Good => Some(Color::Green),
        Tone::Hopeful => Some(Color::Cyan),
        Tone::Warning => Some(Color::Yellow),
        Tone::Danger => Some(Color::Red),
        Tone::Gone => Some(Color::DarkGrey),
        Tone::Neutral => None,
    }
}

/// A value as the table formats show it: shares as percentages, empty
/// values as `-`.
pub(crate) fn cell_text(v: &Value) -> String {
    match v {
        Value::Share { num, den } if *den > 0 => {
            format!("{}%", money::format_quotient(num * 100, *den, 0, 1, '.'))
        }
        other => other.text('.').unwrap_or_else(|| "-".to_owned()),
    }
}

impl TableRenderer {
    fn cell(&self, v: &Value) -> Cell {
        let mut cell = Cell::new(cell_text(v));
        if v.is_number() {
            cell = cell.set_alignment(CellAlignment::Right);
        }
        if let (true, Value::Segment(_, tone)) = (self.color, v) {
            if let Some(color) = tone_color(*tone) {
                cell = cell.fg(color);
            }
        }
        cell
    }
}

impl Renderer for TableRenderer {
    fn render(&self, data: &Tabular<'_>, out: &mut dyn Write) -> io::Result<()> {
        // A terminal table needs every row it shows to size its columns.
        let total_rows = data.rows.len();
        let shown = self.rows.map_or(total_rows, |limit| limit.min(total_rows));
        let rows: Vec<Vec<Value<'_>>> = (0..shown)
            .map(|i| {
                let mut row = Vec::new();
                data.rows.fill(i, &mut row);
                row
            })
            .collect();
        let mut table = Table::new();
        table.load_style(presets::UTF8_FULL_CONDENSED);
        if self.fit_terminal {
            // comfy-table reads the terminal width itself. Values never wrap
            // (each column is at least as wide as its widest value, set once
            // the columns exist, below); only headers do.
            table.set_content_arrangement(ContentArrangement::Dynamic);
        } else {
            table
                .set_content_arrangement(ContentArrangement::Disabled)
                .force_no_tty();
        }
        if self.color {
            table.enforce_styling();
        }
        table.set_header(data.columns.iter().map(|c| {
            let cell = Cell::new(c);
            if self.color {
                cell.add_attribute(comfy_table::Attribute::Bold)
            } else {
                cell
            }
        }));
        for row in &rows {
            table.add_row(row.iter().map(|v| self.cell(v)));
        }
        if let Some(total) = &data.total {
            table.add_row(total.iter().map(|v| self.cell(v)));
        }
        if self.fit_terminal {
            let mut widths = vec![1u16; data.columns.len()];
            for row in rows.iter().chain(&data.total) {
                for (w, v) in widths.iter_mut().zip(row) {
                    let len = u16::try_from(cell_text(v).chars().count()).unwrap_or(u16::MAX);
                    // + 2 for the cell padding, which the constraint includes.
                    *w = (*w).max(len.saturating_add(2));
                }
            }
            table.set_constraints(
                widths
                    .into_iter()
                    .map(|w| ColumnConstraint::LowerBoundary(Width::Fixed(w))),
            );
        }
        // Align number columns' headers with their values.
        for (i, column) in table.column_iter_mut().enumerate() {
            if rows
                .first()
                .is_some_and(|r| r.get(i).is_some_and(Value::is_number))
            {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        writeln!(out, "{table}")?;
        if shown < total_rows {
            writeln!(
                out,
                "{} of {} rows shown; --rows all shows every row, -f csv or -o FILE writes them",
                crate::notes::thousands(shown as u64),
                crate::notes::thousands(total_rows as u64)
            )?;
        }
        Ok(())
    }
}
