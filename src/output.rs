//! Writing results: to stdout, or to a file atomically.
//!
//! A file is written to a temporary sibling, flushed, synced and renamed over
//! the target only when everything succeeded. A run that fails half way (bad
//! row, full disk, Ctrl-C) therefore never leaves a truncated file and never
//! clobbers the previous good one, which is what a cron job overwriting last
//! week's report needs. A name ending in `.gz` or `.zst` is compressed.

use crate::load::Rejected;
use crate::options::OutputOptions;
use crate::render::{self, Tabular, into_io};
use anyhow::Context;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Renders `data` as the options say (with the columns the format shows),
/// to stdout or `-o`.
pub fn emit(options: &OutputOptions, data: Tabular) -> anyhow::Result<()> {
    let data = data.for_format(options.format);
    let renderer = render::renderer(options.format, options.render);
    write_to(options.path.as_deref(), |out| renderer.render(&data, out))
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

/// Compression chosen by the output file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    None,
    Gzip,
    Zstd,
}

fn compression(path: &Path) -> Compression {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("gz") => Compression::Gzip,
        Some("zst") => Compression::Zstd,
        _ => Compression::None,
    }
}

fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    // Replace the file a symlink points to, not the link itself.
    let target = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path)?,
        _ => path.to_owned(),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".rfm-").suffix(".tmp");
    // A replaced file keeps its permissions (a 0600 file of customer data
    // stays private); a new one gets 0666 minus the umask like any file the
    // user creates, not tempfile's 0600.
    match fs::metadata(&target) {
        Ok(existing) => {
            builder.permissions(existing.permissions());
        }
        Err(_) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                builder.permissions(fs::Permissions::from_mode(0o666));
            }
        }
    }
    let temp = builder.tempfile_in(dir)?;
    let buffered = BufWriter::with_capacity(64 * 1024, temp);
    let temp = match compression(&target) {
        Compression::None => {
            let mut out = buffered;
            write(&mut out)?;
            out.into_inner().map_err(|e| e.into_error())?
        }
        Compression::Gzip => {
            let mut out = flate2::write::GzEncoder::new(buffered, flate2::Compression::default());
            write(&mut out)?;
            out.finish()?.into_inner().map_err(|e| e.into_error())?
        }
        Compression::Zstd => {
            let mut out = zstd::stream::write::Encoder::new(buffered, 3)?;
            write(&mut out)?;
            out.finish()?.into_inner().map_err(|e| e.into_error())?
        }
    };
    temp.as_file().sync_all()?;
    temp.persist(&target).map_err(|e| e.error)?;
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
