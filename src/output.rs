//! Writing results: to stdout, or to a file atomically.
//!
//! A file is written to a temporary sibling, flushed, synced and renamed over
//! the target only when everything succeeded. A run that fails half way (bad
//! row, full disk, Ctrl-C) therefore never leaves a truncated file and never
//! clobbers the previous good one, which is what a cron job overwriting last
//! week's report needs.

use crate::load::Rejected;
use crate::options::OutputOptions;
use crate::render::{self, Tabular, into_io};
use anyhow::Context;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Renders `data` as the options say, to stdout or `-o`.
pub fn emit(options: &OutputOptions, data: &Tabular) -> anyhow::Result<()> {
    let renderer = render::renderer(options.format, options.render);
    write_to(options.path.as_deref(), |out| renderer.render(data, out))
}

/// Runs `write` against stdout (`path` = `None`) or an atomically replaced file.
pub fn write_to(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    match path {
        None => {
            let stdout = io::stdout();
            let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
            write(&mut out).context("writing to stdout")?;
            out.flush().context("writing to stdout")?;
            Ok(())
        }
        Some(path) => write_atomically(path, write)
            .with_context(|| format!("cannot write {}", path.display())),
    }
}

fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".rfm-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // 0o666 minus the umask, like any file the user creates; tempfile's
        // default (0o600) would surprise whoever reads the report.
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let temp = builder.tempfile_in(dir)?;
    let mut out = BufWriter::with_capacity(64 * 1024, temp);
    write(&mut out)?;
    let temp = out.into_inner().map_err(|e| e.into_error())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes `--rejects`: `file,line,reason`, then the row's own fields.
pub fn write_rejects(path: &Path, header: &[String], rejected: &[Rejected]) -> anyhow::Result<()> {
    write_to(Some(path), |out| {
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(out);
        let mut head = vec!["file", "line", "reason"];
        head.extend(header.iter().map(String::as_str));
        w.write_record(&head).map_err(into_io)?;
        for r in rejected {
            let line = r.line.to_string();
            let mut record = vec![r.file.as_str(), line.as_str(), r.reason.as_str()];
            record.extend(r.fields.iter().map(String::as_str));
            w.write_record(&record).map_err(into_io)?;
        }
        w.flush()
    })
}
