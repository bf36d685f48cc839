//! The terminal table: aligned columns, numbers right-aligned, segment names
//! coloured by how healthy the segment is (when colour is on), and the total
//! row at the bottom. Shares are shown as percentages.

use super::{Renderer, Tabular, Value};
use crate::money;
use crate::segment::Segment;
use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table, presets};
use std::io::{self, Write};

/// comfy-table output.
pub struct TableRenderer {
    /// Colour segment names and bold the header.
    pub color: bool,
}

fn segment_color(s: Segment) -> Color {
    match s {
        Segment::Champions | Segment::LoyalCustomers => Color::Green,
        Segment::PotentialLoyalist | Segment::NewCustomers | Segment::Promising => Color::Cyan,
        Segment::NeedAttention | Segment::AboutToSleep => Color::Yellow,
        Segment::AtRisk | Segment::CantLoseThem => Color::Red,
        Segment::Hibernating | Segment::Lost => Color::DarkGrey,
    }
}

impl TableRenderer {
    fn cell(&self, v: &Value) -> Cell {
        let text = match v {
            Value::Share { num, den } if *den > 0 => {
                format!("{}%", money::format_quotient(num * 100, *den, 0, 1, '.'))
            }
            other => other.text('.').unwrap_or_else(|| "-".to_owned()),
        };
        let mut cell = Cell::new(text);
        if v.is_number() {
            cell = cell.set_alignment(CellAlignment::Right);
        }
        if let (true, Value::Segment(s)) = (self.color, v) {
            cell = cell.fg(segment_color(*s));
        }
        cell
    }
}

impl Renderer for TableRenderer {
    fn render(&self, data: &Tabular, out: &mut dyn Write) -> io::Result<()> {
        let mut table = Table::new();
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled);
        if self.color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        table.set_header(data.columns.iter().map(|c| {
            let cell = Cell::new(c);
            if self.color {
                cell.add_attribute(comfy_table::Attribute::Bold)
            } else {
                cell
            }
        }));
        for row in &data.rows {
            table.add_row(row.iter().map(|v| self.cell(v)));
        }
        if let Some(total) = &data.total {
            table.add_row(total.iter().map(|v| self.cell(v)));
        }
        // Align number columns' headers with their values.
        for (i, column) in table.column_iter_mut().enumerate() {
            if data
                .rows
                .first()
                .is_some_and(|r| r.get(i).is_some_and(Value::is_number))
            {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        writeln!(out, "{table}")
    }
}
