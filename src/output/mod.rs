//! The output stage: writing results, to stdout or to a file atomically.
//! Beside this file: `render` (one renderer per format, writing to any
//! `Write`), `sort` (`--sort`), `audience` (the rows of `rfm audiences`)
//! and `writeback` (a file's writeback started as it is written, so that
//! the sync at the end is short).
//!
//! A file is written to a temporary sibling, flushed, synced and renamed over
//! the target only when everything succeeded. A run that fails half way (bad
//! row, full disk, Ctrl-C) therefore never leaves a truncated file and never
//! clobbers the previous good one, which is what a cron job overwriting last
//! week's report needs. A name ending in `.gz` or `.zst` is compressed.

pub(crate) mod audience;
mod guard;
pub(crate) mod render;
pub(crate) mod sort;
mod writeback;

pub(crate) use guard::Inputs;

use crate::error::UsageError;
use crate::input::Rejected;
use crate::interrupt;
use anyhow::Context;
use render::{Format, RenderOptions, Tabular, into_io};
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use writeback::Writeback;

/// How the temporary file of `-o FILE` starts (then the process id).
pub(crate) const TEMP_FILE: &str = ".rfm-";

/// How the temporary folder of `report --out DIR` starts.
pub(crate) fn temp_folder(name: &str) -> String {
    format!(".{name}.rfm-")
}

/// How to write the result.
#[derive(Debug, Clone)]
pub(crate) struct OutputOptions {
    /// The format.
    pub(crate) format: Format,
    /// `-o`, or stdout.
    pub(crate) path: Option<PathBuf>,
    /// Renderer settings.
    pub(crate) render: RenderOptions,
    /// Money decimals.
    pub(crate) decimals: u8,
}

/// Renders `data` as the options say (with the columns the format shows),
/// to stdout or `-o`.
pub(crate) fn emit(options: &OutputOptions, data: Tabular) -> anyhow::Result<()> {
    let data = data.for_format(options.format);
    let renderer = render::renderer(options.format, options.render);
    write_to(options.path.as_deref(), |out| renderer.render(&data, out))
}

/// Runs `write` against stdout (`path` = `None`) or an atomically replaced file.
pub(crate) fn write_to(
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

/// Writes through a buffer and the compression the name asks for, and
/// gives the writer back once everything is flushed.
fn encode<W: Write>(
    compression: Compression,
    file: W,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<W> {
    let buffered = BufWriter::with_capacity(64 * 1024, file);
    let buffered = match compression {
        Compression::None => {
            let mut out = buffered;
            write(&mut out)?;
            out
        }
        Compression::Gzip => {
            let mut out = flate2::write::GzEncoder::new(buffered, flate2::Compression::default());
            write(&mut out)?;
            out.finish()?
        }
        Compression::Zstd => {
            let mut out = zstd::stream::write::Encoder::new(buffered, 3)?;
            write(&mut out)?;
            out.finish()?
        }
    };
    buffered.into_inner().map_err(|e| e.into_error())
}

/// Writes a regular file atomically (a temporary sibling renamed over it);
/// a character device, FIFO or socket that exists (`/dev/null`, a terminal,
/// a named pipe) is written to directly: replacing one by a regular file
/// would break it.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    if let Ok(meta) = fs::metadata(path)
        && !meta.is_file()
        && !meta.is_dir()
    {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if meta.file_type().is_block_device() {
                return Err(io::Error::other(
                    "it is a block device (a disk); rfm writes files, pipes and terminals",
                ));
            }
        }
        let file = fs::OpenOptions::new().write(true).open(path)?;
        encode(compression(path), file, write)?;
        return Ok(());
    }
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
    let prefix = interrupt::prefix(TEMP_FILE);
    builder.prefix(&prefix).suffix(".tmp");
    // A replaced file keeps its permissions (a 0600 file of customer data
    // stays private); a new one gets 0666 minus the umask like any file the
    // user creates, not tempfile's 0600.
    match fs::metadata(&target) {
        Ok(existing) => {
            builder.permissions(existing.permissions());
            writeback::release_replaced(&target, &existing);
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
    let _registered = interrupt::remove_on_signal(temp.path(), false);
    encode(compression(&target), Writeback::new(temp.as_file()), write)?;
    temp.as_file().sync_all()?;
    temp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

/// Writes `--rejects`: `file,line,reason`, then the row's own fields.
pub(crate) fn write_rejects(
    path: &Path,
    header: &[String],
    rejected: &[Rejected],
) -> anyhow::Result<()> {
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
pub(crate) const REPORT_FILES: [&str; 6] = [
    "customers.csv",
    "summary.csv",
    "migration.csv",
    "groups.csv",
    "report.json",
    "report.html",
];

/// A folder a command writes whole (`report --out`, `audiences --out`),
/// and how to tell one it wrote before: only such a folder (or an empty
/// one) is ever replaced.
pub(crate) struct FolderKind {
    /// The command, for messages: `rfm report`.
    pub(crate) command: &'static str,
    /// What to call the folder in messages: `report`.
    pub(crate) noun: &'static str,
    /// An example `--out`, for messages: `reports/2026-W47`.
    pub(crate) example: &'static str,
    /// Why an existing, non-empty folder is not one the command wrote
    /// (`None`: it is, and may be replaced).
    pub(crate) foreign: fn(&Path) -> Option<String>,
}

/// `rfm report --out`.
pub(crate) const REPORT: FolderKind = FolderKind {
    command: "rfm report",
    noun: "report",
    example: "reports/2026-W47",
    foreign: not_a_report,
};

/// Resolves `--out DIR` to the folder that will be replaced (a symlink's
/// target) and checks that it can be: missing, empty, or one `kind`'s
/// command wrote (for a report: a `report.json` written by rfm and nothing
/// rfm did not write). Anything else is refused before any work is done,
/// since the whole folder is replaced.
pub(crate) fn owned_folder(dir: &Path, kind: &FolderKind) -> Result<PathBuf, UsageError> {
    let shown = dir.display();
    let usage = |why: String| UsageError(format!("--out {shown}: {why}"));
    let dir = match fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(dir)
            .map_err(|e| usage(format!("a symlink rfm cannot follow ({e})")))?,
        _ => dir.to_owned(),
    };
    // The folder's own name: `.`, `..`, `/` and `x/..` name none.
    let name = match dir.components().next_back() {
        Some(std::path::Component::Normal(name)) => name.to_owned(),
        _ => {
            return Err(usage(format!(
                "name the {} folder itself, e.g. --out {}",
                kind.noun, kind.example
            )));
        }
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let target = parent.join(name);
    let meta = match fs::metadata(&target) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(target),
        Err(e) => return Err(usage(e.to_string())),
    };
    if !meta.is_dir() {
        return Err(usage(format!(
            "it is a file; {} writes a folder",
            kind.command
        )));
    }
    if let Some(why) = foreign(&target, kind) {
        return Err(usage(format!(
            "not an {} folder ({why}) and it would be replaced whole: choose a new or empty folder",
            kind.command
        )));
    }
    Ok(target)
}

/// Why a folder is not one `kind`'s command wrote: `None` when it is, or
/// when it is empty.
fn foreign(dir: &Path, kind: &FolderKind) -> Option<String> {
    match entries(dir) {
        Ok(names) if names.is_empty() => None,
        Ok(_) => (kind.foreign)(dir),
        Err(e) => Some(e.to_string()),
    }
}

/// The names in a folder, sorted.
fn entries(dir: &Path) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir)? {
        names.push(entry?.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// Why a non-empty folder is not an earlier report, if it is not.
fn not_a_report(dir: &Path) -> Option<String> {
    let names = match entries(dir) {
        Ok(names) => names,
        Err(e) => return Some(e.to_string()),
    };
    let foreign: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !REPORT_FILES.contains(n))
        .collect();
    if !foreign.is_empty() {
        return Some(format!("it holds {}", foreign.join(", ")));
    }
    if !written_by_rfm(&dir.join("report.json")) {
        return Some("it has no report.json written by rfm".into());
    }
    None
}

/// Whether `file` is a JSON document rfm wrote (`report.json`,
/// `audiences.json`): they all start with the tool's name.
pub(crate) fn written_by_rfm(file: &Path) -> bool {
    fs::read_to_string(file).is_ok_and(|text| text.starts_with("{\n  \"tool\": \"rfm\","))
}

/// The folder being written, for [`Folder::write`].
pub(crate) struct Folder<'a> {
    /// The temporary folder.
    path: &'a Path,
    /// The report it replaces, whose files' permissions carry over.
    previous: Option<&'a Path>,
    /// `RFM_FAIL_AT` (read by debug builds only).
    #[cfg_attr(not(debug_assertions), allow(dead_code))]
    fail_at: Option<&'a str>,
}

impl Folder<'_> {
    /// Writes the file `name` (which may be in a subfolder:
    /// `entered/champions.csv`) with `write`, flushed and synced. A file
    /// that the replaced folder had keeps its permissions (a private 0600
    /// customers.csv stays private). With `RFM_FAIL_AT=name` (debug builds
    /// only) the writing fails half way, on purpose (for the tests of
    /// atomicity).
    pub(crate) fn write(
        &self,
        name: &str,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> anyhow::Result<()> {
        let path = self.path.join(name);
        let attempt = || -> io::Result<()> {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            let file = fs::File::create(&path)?;
            if let Some(old) = self.previous.and_then(|p| fs::metadata(p.join(name)).ok()) {
                file.set_permissions(old.permissions())?;
            }
            let mut out = BufWriter::with_capacity(64 * 1024, Writeback::new(&file));
            write(&mut out)?;
            // The fault the atomicity tests inject: not in release builds.
            #[cfg(debug_assertions)]
            if self.fail_at == Some(name) {
                out.flush()?;
                return Err(io::Error::other(format!(
                    "RFM_FAIL_AT={name}: failing on purpose after writing part of it"
                )));
            }
            out.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()
        };
        attempt().with_context(|| format!("cannot write {name}"))
    }
}

/// Writes the folder `target` of a `kind` (as [`owned_folder`] resolved
/// it) atomically: `fill` writes the files into a fresh temporary sibling
/// (`.NAME.rfm-XXXXXX`), which then takes the place of `target` in one
/// rename. On Linux an existing folder is swapped out with
/// `renameat2(RENAME_EXCHANGE)`, so `target` always holds a whole report,
/// the old one or the new one; elsewhere (or on a file system without it)
/// the old folder is moved aside first, leaving a moment without `target`.
/// If `fill` fails, the temporary folder is removed and `target` is
/// untouched. If the old folder gained files rfm did not write while the
/// new one was being made, it is put back and the run fails.
pub(crate) fn write_folder(
    kind: &FolderKind,
    target: &Path,
    fail_at: Option<&str>,
    fill: impl FnOnce(&Folder) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let shown = target.display();
    let name = target
        .file_name()
        .with_context(|| format!("--out {shown}: name a folder"))?
        .to_string_lossy()
        .into_owned();
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let previous = fs::metadata(target).ok().filter(|m| m.is_dir());
    let mut builder = tempfile::Builder::new();
    let prefix = interrupt::prefix(&temp_folder(&name));
    builder.prefix(&prefix);
    match &previous {
        // The new report keeps the old one's permissions (a private folder
        // stays private).
        Some(old) => {
            builder.permissions(old.permissions());
        }
        None => {
            // Like any folder the user makes (0777 minus the umask), not
            // private like tempfile's.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                builder.permissions(fs::Permissions::from_mode(0o777));
            }
        }
    }
    let staging = builder
        .tempdir_in(&parent)
        .with_context(|| format!("cannot create a folder in {}", parent.display()))?;
    // Until the end: after the swap the old report sits at the staging path.
    let _registered = interrupt::remove_on_signal(staging.path(), true);
    fill(&Folder {
        path: staging.path(),
        previous: previous.as_ref().map(|_| target),
        fail_at,
    })?;
    sync_dir(staging.path());
    let staged = staging.keep();
    if let Err(e) = replace_dir(&staged, target, kind) {
        let _ = fs::remove_dir_all(&staged);
        return Err(e.context(format!("cannot write {shown}")));
    }
    sync_dir(&parent);
    Ok(())
}

/// Puts the folder `staged` in the place of `target`, then removes the
/// folder it replaced, unless that one gained files rfm did not write
/// (then it is put back).
fn replace_dir(staged: &Path, target: &Path, kind: &FolderKind) -> anyhow::Result<()> {
    if !target.exists() {
        return Ok(fs::rename(staged, target)?);
    }
    let changed = |old: &Path| -> anyhow::Result<()> {
        match foreign(old, kind) {
            None => Ok(()),
            Some(why) => {
                anyhow::bail!("the folder changed during the run ({why}); it was left as it was")
            }
        }
    };
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        if renameat_with(CWD, staged, CWD, target, RenameFlags::EXCHANGE).is_ok() {
            // `staged` now holds the old report.
            if let Err(e) = changed(staged) {
                renameat_with(CWD, staged, CWD, target, RenameFlags::EXCHANGE)?;
                return Err(e);
            }
            let _ = fs::remove_dir_all(staged);
            return Ok(());
        }
    }
    changed(target)?;
    let mut aside = staged.as_os_str().to_owned();
    aside.push(".old");
    let aside = PathBuf::from(aside);
    fs::rename(target, &aside)?;
    if let Err(e) = fs::rename(staged, target) {
        // Put the old report back.
        let _ = fs::rename(&aside, target);
        return Err(e.into());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn report(dir: &Path, marker: &str) {
        fs::create_dir_all(dir).expect("mkdir");
        fs::write(
            dir.join("report.json"),
            format!("{{\n  \"tool\": \"rfm\",{marker}"),
        )
        .expect("writes");
    }

    #[test]
    fn replaces_an_earlier_report_whole() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (target, staged) = (tmp.path().join("r"), tmp.path().join(".r.rfm-1"));
        report(&target, "old");
        fs::write(target.join("migration.csv"), "old").expect("writes");
        report(&staged, "new");
        replace_dir(&staged, &target, &REPORT).expect("replaced");
        assert_eq!(entries(&target).expect("reads"), ["report.json"]);
        assert!(
            fs::read_to_string(target.join("report.json"))
                .expect("reads")
                .ends_with("new")
        );
        assert!(!staged.exists());
    }

    #[test]
    fn a_report_that_gained_a_file_during_the_run_is_left_as_it_was() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (target, staged) = (tmp.path().join("r"), tmp.path().join(".r.rfm-1"));
        report(&target, "old");
        // Checked at the start, then someone saved a file into it.
        assert!(owned_folder(&target, &REPORT).is_ok());
        fs::write(target.join("notes.txt"), "mine").expect("writes");
        report(&staged, "new");
        let err = replace_dir(&staged, &target, &REPORT).expect_err("refused");
        assert!(err.to_string().contains("notes.txt"), "{err}");
        assert_eq!(
            fs::read_to_string(target.join("notes.txt")).expect("kept"),
            "mine"
        );
        assert!(
            fs::read_to_string(target.join("report.json"))
                .expect("reads")
                .ends_with("old")
        );
    }
}
