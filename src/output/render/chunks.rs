//! Rows formatted on helper threads, written in order.
//!
//! The renderers of large tables (CSV, TSV, JSON, NDJSON) turn a row into
//! text with no state shared between rows but the dates already written
//! ([`DateTexts`]). So rows are formatted in chunks by two helper threads,
//! each taking every other chunk, while the caller's thread writes the
//! chunks in order: the writing (a copy into the kernel) overlaps the
//! formatting instead of leaving a core idle while it runs. Formatting on
//! one thread, `rfm customers -o out.ndjson` on 10M rows took 2.78 s
//! against 1.55 s for the same table as CSV.

use super::DateTexts;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::mpsc::sync_channel;

/// Threads formatting rows, and the chunks each may have ready ahead of
/// the writer.
pub(super) const FORMATTERS: usize = 2;
pub(super) const AHEAD: usize = 2;

/// Rows formatted per chunk.
pub(super) const CHUNK_ROWS: usize = 16 * 1024;

/// Writes rows `0..rows` to `out`: `format(range, text, dates)` appends
/// the text of the rows `range` to `text` (empty when called), `dates`
/// being its thread's.
pub(super) fn write_in_chunks<F>(rows: usize, out: &mut dyn Write, format: F) -> io::Result<()>
where
    F: Fn(Range<usize>, &mut String, &mut DateTexts) + Sync,
{
    let chunks = rows.div_ceil(CHUNK_ROWS);
    let format = &format;
    std::thread::scope(|scope| -> io::Result<()> {
        // Per helper: the chunks it formatted, in order; the chunks
        // written, going back to it to be formatted into again (their
        // memory is faulted in once, not once a chunk); its thread.
        let (mut formatted, mut give_back, mut helpers) = (Vec::new(), Vec::new(), Vec::new());
        for first in 0..FORMATTERS {
            let (tx, rx) = sync_channel::<String>(AHEAD);
            let (back, returned) = sync_channel::<String>(AHEAD + 1);
            helpers.push(scope.spawn(move || {
                let mut dates = DateTexts::new();
                for chunk in (first..chunks).step_by(FORMATTERS) {
                    let mut text = returned.try_recv().unwrap_or_default();
                    text.clear();
                    let range = chunk * CHUNK_ROWS..((chunk + 1) * CHUNK_ROWS).min(rows);
                    format(range, &mut text, &mut dates);
                    // The writer stopped (a write failed): so do we.
                    if tx.send(text).is_err() {
                        break;
                    }
                }
            }));
            formatted.push(rx);
            give_back.push(back);
        }
        let mut written = Ok(());
        for chunk in 0..chunks {
            // A helper that panicked closes its channel: its panic is
            // raised below.
            let Ok(text) = formatted[chunk % FORMATTERS].recv() else {
                break;
            };
            if let Err(e) = out.write_all(text.as_bytes()) {
                written = Err(e);
                break;
            }
            // A helper that is done no longer takes it back.
            let _ = give_back[chunk % FORMATTERS].try_send(text);
        }
        // Closed channels stop the helpers; a helper's panic is raised
        // as it was (the scope would report only that one happened).
        drop((formatted, give_back));
        for helper in helpers {
            helper
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
        written
    })
}
