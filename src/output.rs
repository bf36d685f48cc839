//! Writing results: to stdout, or to a file atomically.
//!
//! A file is written to a temporary sibling, flushed, synced and renamed over
//! the target only when everything succeeded. A run that fails half way (bad
//! row, full disk, Ctrl-C) therefore never leaves a truncated file and never
//! clobbers the previous good one, which is what a cron job overwriting last
//! week's report needs. A name ending in `.gz` or `.zst` is compressed.

use crate::error::UsageError;
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

/// The files an rfm report folder may hold: a folder holding only these
/// (and `report.json`) is an earlier report that `--out` may replace.
pub const REPORT_FILES: [&str; 5] = [
    "customers.csv",
    "summary.csv",
    "migration.csv",
    "report.json",
    "report.html",
];

/// Checks that `--out DIR` can be written: missing, empty, or an earlier
/// report (a `report.json` and nothing rfm did not write). Anything else is
/// refused before any work is done, since the whole folder is replaced.
pub fn check_report_folder(dir: &Path) -> Result<(), UsageError> {
    let shown = dir.display();
    let meta = match fs::metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(UsageError(format!("--out {shown}: {e}"))),
    };
    if !meta.is_dir() {
        return Err(UsageError(format!(
            "--out {shown} is a file; rfm report writes a folder"
        )));
    }
    let entries = fs::read_dir(dir).map_err(|e| UsageError(format!("--out {shown}: {e}")))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| UsageError(format!("--out {shown}: {e}")))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    if names.is_empty() {
        return Ok(());
    }
    let foreign: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !REPORT_FILES.contains(n))
        .collect();
    if !foreign.is_empty() || !names.iter().any(|n| n == "report.json") {
        let which = if foreign.is_empty() {
            "it has no report.json".to_owned()
        } else {
            format!("it holds {}", foreign.join(", "))
        };
        return Err(UsageError(format!(
            "--out {shown} is not an rfm report folder ({which}) and would be replaced whole: choose a new or empty folder"
        )));
    }
    Ok(())
}

/// Writes the folder `dir` atomically: `fill` writes the files into a
/// fresh temporary sibling (`.NAME.rfm-XXXXXX`), which then takes the place
/// of `dir` in one rename. On Linux an existing folder is swapped out with
/// `renameat2(RENAME_EXCHANGE)`, so `dir` always holds a whole report,
/// the old one or the new one; elsewhere (or on a file system without it)
/// the old folder is moved aside first, leaving a moment without `dir`. If
/// `fill` fails, the temporary folder is removed and `dir` is untouched.
pub fn write_folder(
    dir: &Path,
    fill: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let target = match fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(dir)?,
        _ => dir.to_owned(),
    };
    let name = target
        .file_name()
        .with_context(|| format!("--out {}: name a folder", dir.display()))?
        .to_string_lossy()
        .into_owned();
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => Path::new(".").to_owned(),
    };
    fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let mut builder = tempfile::Builder::new();
    let prefix = format!(".{name}.rfm-");
    builder.prefix(&prefix);
    #[cfg(unix)]
    {
        // A report folder is made like any folder the user makes (0777 minus
        // the umask), not private like tempfile's.
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o777));
    }
    let staging = builder
        .tempdir_in(&parent)
        .with_context(|| format!("cannot create a folder in {}", parent.display()))?;
    fill(staging.path())?;
    sync_dir(staging.path());
    let staged = staging.keep();
    if let Err(e) = replace_dir(&staged, &target) {
        let _ = fs::remove_dir_all(&staged);
        return Err(anyhow::Error::new(e).context(format!("cannot write {}", dir.display())));
    }
    sync_dir(&parent);
    Ok(())
}

/// Puts the folder `staged` in the place of `target`, then removes the
/// folder it replaced.
fn replace_dir(staged: &Path, target: &Path) -> io::Result<()> {
    if !target.exists() {
        return fs::rename(staged, target);
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        if renameat_with(CWD, staged, CWD, target, RenameFlags::EXCHANGE).is_ok() {
            // `staged` now holds the old report.
            let _ = fs::remove_dir_all(staged);
            return Ok(());
        }
    }
    let mut aside = staged.as_os_str().to_owned();
    aside.push(".old");
    let aside = std::path::PathBuf::from(aside);
    fs::rename(target, &aside)?;
    if let Err(e) = fs::rename(staged, target) {
        // Put the old report back.
        let _ = fs::rename(&aside, target);
        return Err(e);
    }
    let _ = fs::remove_dir_all(&aside);
    Ok(())
}

/// Makes a folder's entries durable; best effort (not every platform can
/// open a folder for syncing).
fn sync_dir(dir: &Path) {
    if let Ok(f) = fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Writes `dir/name` with `write`, flushed and synced. `fail_at` names a
/// file whose writing fails half way, on purpose (`RFM_FAIL_AT`, for tests).
pub fn write_file(
    dir: &Path,
    name: &str,
    fail_at: Option<&str>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    let path = dir.join(name);
    let attempt = || -> io::Result<()> {
        let mut out = BufWriter::with_capacity(64 * 1024, fs::File::create(&path)?);
        write(&mut out)?;
        if fail_at == Some(name) {
            out.flush()?;
            return Err(io::Error::other(format!(
                "RFM_FAIL_AT={name}: failing on purpose after writing part of it"
            )));
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()
    };
    attempt().with_context(|| format!("cannot write {name}"))
}
