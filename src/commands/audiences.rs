//! `rfm audiences`: one CSV per segment, ready to import into an email
//! tool.
//!
//! Customers are scored exactly as `rfm customers` scores them; each
//! non-empty segment becomes `SEGMENT_KEY.csv` with the customer id and the
//! `--keep` columns, laid out by `--style` (`output::audience`, which also
//! drops and dedupes for the email tools, and names the files). With
//! `--previous`, an earlier audiences folder, `entered/SEGMENT_KEY.csv` and
//! `left/SEGMENT_KEY.csv` say who entered and who left each segment since.
//!
//! Mailchimp with a consent column kept gets one file per import status
//! (`SEGMENT_KEY.non-subscribed.csv` beside `SEGMENT_KEY.csv`); Klaviyo,
//! which takes at most 50 MB a file, gets a bigger file in parts
//! (`SEGMENT_KEY.part1.csv`...). A file is rendered whole by the one CSV
//! writer and then cut between records, so the parts put back together are
//! the file that would have been written. audiences.json lists every file
//! as written, which is what `--previous` reads back and what marks the
//! folder as replaceable.
//!
//! The folder is written like `rfm report --out` writes its own
//! (`output::write_folder`): whole or not at all, and never over a folder
//! that `rfm audiences` did not write, which `audiences.json` (the options,
//! method, definition and counts; no time stamp) marks. The same input
//! gives byte-identical files.

use crate::cli::{AudiencesArgs, ColorWhen, OutputArgs};
use crate::commands::{report, rules};
use crate::error::UsageError;
use crate::notes::{Notes, count, thousands};
use crate::options::{self, Environment, RunOptions};
use crate::output::audience::{
    self, Audience, Customer, Kind, Layout, PreviousFile, Reason, Row, Segment, Status, Style,
};
use crate::output::render::{
    self, Format, RenderOptions, Renderer, Rows, Tabular, Value, nested, nested_value,
};
use crate::output::{self, FolderKind};
use crate::pipeline;
use crate::score::analysis::Analysis;
use anyhow::Context;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// The file that marks an audiences folder, and describes it.
const MARKER: &str = "audiences.json";
/// The most customers a note lists per reason for leaving them out.
const LISTED: usize = 10;

/// `rfm audiences --out`: a folder holding only the files its
/// audiences.json lists.
const AUDIENCES: FolderKind = FolderKind {
    command: "rfm audiences",
    noun: "audiences",
    example: "audiences/2026-W47",
    foreign: not_audiences,
};

/// Runs the command.
pub(crate) fn run(args: &AudiencesArgs, env: &Environment) -> anyhow::Result<()> {
    if let Some(by) = &args.method.select.by {
        return Err(UsageError(format!(
            "--by {by}: rfm audiences writes one row per contact, and groups would give one \
             contact several rows: run audiences once per group with --where instead (e.g. \
             --where \"{by} = 'France'\" --out audiences/france)"
        ))
        .into());
    }
    // A kept column that collides with the style's own, the folder and the
    // earlier audiences are checked before the (possibly long) analysis.
    Layout::new(args.style, &args.keep.keep).map_err(UsageError)?;
    let target = report::out_folder(
        &args.out,
        &AUDIENCES,
        args.input.rejects.as_deref(),
        args.quiet,
    )?;
    let previous = match &args.previous {
        Some(path) => Some(read_previous(path, args.style)?),
        None => None,
    };
    let output_args = OutputArgs {
        format: Some(Format::Csv),
        output: None,
        excel: false,
        decimals: 2,
        color: ColorWhen::Never,
        rows: None,
        quiet: args.quiet,
    };
    let mut opts = options::resolve(&args.input, &args.method, &args.explain, &output_args, env)?;
    options::read_files(&opts.load.paths, &args.method.segments).refuse_folder("--out", &target)?;
    opts.load.extras.keep = args.keep.keep.clone();
    let (opts, analysis) = pipeline::run_resolved(opts, &args.method)?;

    let notes = Notes::new(args.quiet);
    // The input's own names now (`--keep email` may be `Email`).
    let layout = Layout::new(args.style, &analysis.kept).map_err(UsageError)?;
    let mappings = layout.mappings();
    for line in &mappings {
        notes.note(line);
    }
    if let Some(why) = layout.missing_contact(analysis.customers.iter().map(|c| c.id.as_str())) {
        return Err(UsageError(why).into());
    }
    if layout.by_status() {
        notes.note(
            "mailchimp: Mailchimp sets one status per import: import each SEGMENT.csv as \
             Subscribed and each SEGMENT.non-subscribed.csv as Non-subscribed",
        );
    } else if args.style == Style::Mailchimp {
        notes.note(
            "mailchimp: the files carry no subscription status: choose it in Mailchimp's import, \
             and import as Subscribed only contacts who gave permission (keep a consent column, \
             e.g. 'Accepts Marketing', for one file per status)",
        );
    }
    let segments: Vec<Segment> = analysis
        .definition
        .segments
        .iter()
        .map(|s| Segment {
            key: &s.key,
            name: &s.name,
        })
        .collect();
    let customers: Vec<Customer> = analysis
        .customers
        .iter()
        .map(|c| Customer {
            id: &c.id,
            segment: usize::from(c.segment),
            kept: c.kept.as_deref().unwrap_or_default(),
            last: c.last,
            monetary: c.monetary,
        })
        .collect();
    let audience = audience::build(&layout, &customers, &segments);
    for warning in &audience.warnings {
        notes.warn(warning);
    }
    note_dropped(&notes, args.style, &audience, &segments);
    let changes = previous
        .as_ref()
        .map(|files| audience::changes(&layout, &audience, &segments, files));
    let files = audience::files(&segments, &audience, changes.as_ref());
    // Klaviyo's upload limit, lowered by the tests (debug builds only).
    let limit = (args.style == Style::Klaviyo).then(|| {
        env.switches
            .audience_part_bytes
            .unwrap_or(audience::KLAVIYO_FILE_BYTES)
    });
    let empty: Vec<&str> = segments
        .iter()
        .zip(&audience.files)
        .filter(|(_, rows)| rows.is_empty())
        .map(|(s, _)| s.key)
        .collect();

    let mut written = Vec::new();
    output::write_folder(&AUDIENCES, &target, env.switches.fail_at, |folder| {
        for file in &files {
            written.extend(write_file(folder, &layout.header, file, limit)?);
        }
        folder.write(MARKER, |out| {
            let marker = Marker {
                args,
                analysis: &analysis,
                opts: &opts,
                layout: &layout,
                mappings: &mappings,
                audience: &audience,
                segments: &segments,
                files: &written,
            };
            render::JsonRenderer.render(&marker.document(), out)
        })
    })?;

    if let Some(limit) = limit {
        note_parts(&notes, &written, limit);
    }
    for file in &written {
        notes.note(format_args!(
            "{}: {}",
            file.path,
            count(file.rows as u64, "row")
        ));
    }
    if !empty.is_empty() {
        notes.note(format_args!(
            "no file for the empty segments: {}",
            empty.join(", ")
        ));
    }
    if !args.quiet {
        let rows: usize = audience.files.iter().map(Vec::len).sum();
        let segment_files = written.iter().filter(|f| f.kind == Kind::Segment).count();
        let mut line = format!(
            "wrote {}: {} in {}",
            args.out.display(),
            count(rows as u64, "row"),
            count(segment_files as u64, "segment file")
        );
        if !audience.dropped.is_empty() {
            line.push_str(&format!(
                ", {} left out",
                count(audience.dropped.len() as u64, "customer")
            ));
        }
        if let Some(c) = &changes {
            let rows = |m: &std::collections::BTreeMap<String, Vec<Row>>| -> u64 {
                m.values().map(|r| r.len() as u64).sum()
            };
            line.push_str(&format!(
                "; since the previous: {} entered, {} left",
                rows(&c.entered),
                rows(&c.left)
            ));
        }
        let _ = writeln!(io::stderr(), "{line}");
    }
    Ok(())
}

/// A file as written: a planned file whole, or one of its parts.
struct Written<'a> {
    /// Its path in the folder: `champions.csv`, `entered/champions.csv`,
    /// `champions.part2.csv`.
    path: String,
    /// The path of the whole file (its own path when it is not cut).
    whole: String,
    /// What it holds.
    kind: Kind,
    /// The segment key.
    segment_key: &'a str,
    /// The Mailchimp status to import it with, if the rows are split so.
    status: Option<Status>,
    /// Its part number (from 1), when the file is cut into parts.
    part: Option<usize>,
    /// Its rows.
    rows: usize,
    /// Its size in bytes, when a limit applies (Klaviyo), for the notes.
    bytes: Option<usize>,
}

/// Writes `file` into `folder`: whole, or with a `limit` (Klaviyo's), cut
/// into parts when it is bigger (`output::audience::parts`), each part with
/// the header. What was written, in order.
fn write_file<'a>(
    folder: &output::Folder,
    header: &[String],
    file: &audience::File<'a>,
    limit: Option<usize>,
) -> anyhow::Result<Vec<Written<'a>>> {
    let written = |part: Option<usize>, rows: usize, bytes: Option<usize>| Written {
        path: file.path(part),
        whole: file.path(None),
        kind: file.kind,
        segment_key: file.segment_key,
        status: file.status,
        part,
        rows,
        bytes,
    };
    let Some(limit) = limit else {
        let whole = written(None, file.rows.len(), None);
        folder.write(&whole.path, |out| write_csv(header, &file.rows, out))?;
        return Ok(vec![whole]);
    };
    let mut csv = Vec::new();
    write_csv(header, &file.rows, &mut csv)?;
    if csv.len() <= limit {
        let whole = written(None, file.rows.len(), Some(csv.len()));
        folder.write(&whole.path, |out| out.write_all(&csv))?;
        return Ok(vec![whole]);
    }
    let cut = audience::parts(&csv, limit)
        .with_context(|| format!("cannot cut {} into parts", file.path(None)))?;
    let numbered = cut.parts.len() > 1;
    let mut files = Vec::new();
    for (n, (range, rows)) in cut.parts.iter().enumerate() {
        let (head, body) = (&csv[cut.header.clone()], &csv[range.clone()]);
        let part = written(
            numbered.then_some(n + 1),
            *rows,
            Some(head.len() + body.len()),
        );
        folder.write(&part.path, |out| {
            out.write_all(head)?;
            out.write_all(body)
        })?;
        files.push(part);
    }
    Ok(files)
}

/// Says which files were cut into parts to stay within `limit`, and warns
/// of a part over it (a single row bigger than the limit).
fn note_parts(notes: &Notes, written: &[Written], limit: usize) {
    for parts in written.chunk_by(|a, b| a.whole == b.whole) {
        if let [first, .., last] = parts {
            notes.note(format_args!(
                "klaviyo: {} is over {} bytes (Klaviyo takes 50 MB a file): written in {} parts, \
                 {} to {}; upload each into the same list",
                first.whole,
                thousands(limit as u64),
                parts.len(),
                first.path,
                last.path
            ));
        }
    }
    for file in written
        .iter()
        .filter(|f| f.bytes.is_some_and(|b| b > limit))
    {
        notes.warn(format_args!(
            "{}: one row alone is over {} bytes with the header: Klaviyo may refuse the file",
            file.path,
            thousands(limit as u64)
        ));
    }
}

/// Rows of an audience file, as text cells.
struct AudienceRows<'a, 'r>(&'a [&'r Row]);

impl Rows for AudienceRows<'_, '_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn fill<'s>(&'s self, index: usize, row: &mut Vec<Value<'s>>) {
        row.clear();
        row.extend(
            self.0[index]
                .cells
                .iter()
                .map(|c| Value::Text(Cow::Borrowed(c.as_str()))),
        );
    }
}

/// Writes one file: comma-separated, RFC 4180 quoting, UTF-8 without BOM
/// (the renderer of `rfm customers -f csv`).
fn write_csv(header: &[String], rows: &[&Row], out: &mut dyn Write) -> io::Result<()> {
    let columns: Vec<&str> = header.iter().map(String::as_str).collect();
    let options = RenderOptions {
        excel: false,
        color: false,
        fit_terminal: false,
        rows: None,
    };
    render::renderer(Format::Csv, options).render(&Tabular::new(&columns, AudienceRows(rows)), out)
}

/// Says how many customers have no row, and why, listing the first few.
fn note_dropped(notes: &Notes, style: Style, audience: &Audience, segments: &[Segment]) {
    if audience.dropped.is_empty() {
        return;
    }
    let reasons: BTreeSet<Reason> = audience.dropped.iter().map(|d| d.reason).collect();
    let parts: Vec<String> = reasons
        .into_iter()
        .map(|reason| {
            let of: Vec<_> = audience
                .dropped
                .iter()
                .filter(|d| d.reason == reason)
                .collect();
            let mut shown: Vec<String> = of
                .iter()
                .take(LISTED)
                .map(|d| {
                    let segment = segments[d.segment].key;
                    if d.value.is_empty() {
                        format!("{} ({segment})", d.id)
                    } else {
                        format!("{} ({segment}, '{}')", d.id, d.value)
                    }
                })
                .collect();
            if of.len() > LISTED {
                shown.push(format!("{} more", of.len() - LISTED));
            }
            format!("{} {}: {}", reason.text(), of.len(), shown.join(", "))
        })
        .collect();
    notes.note(format_args!(
        "{}: {} left out ({MARKER} lists them all): {}",
        style.name(),
        count(audience.dropped.len() as u64, "customer"),
        parts.join("; ")
    ));
}

/// What audiences.json says about the run.
struct Marker<'a> {
    args: &'a AudiencesArgs,
    analysis: &'a Analysis,
    opts: &'a RunOptions,
    layout: &'a Layout,
    mappings: &'a [String],
    audience: &'a Audience,
    segments: &'a [Segment<'a>],
    files: &'a [Written<'a>],
}

#[derive(Serialize)]
struct Options<'a> {
    style: &'static str,
    keep: &'a [String],
    previous: Option<String>,
    inputs: Vec<Input<'a>>,
    columns: &'a [String],
    mapping: &'a [String],
}

#[derive(Serialize)]
struct Input<'a> {
    file: &'a str,
    rows: u64,
}

#[derive(Serialize)]
struct Left<'a> {
    customer_id: &'a str,
    segment_key: &'a str,
    reason: &'static str,
    value: &'a str,
}

/// The columns of audiences.json's `files`: `status` is the Mailchimp
/// status to import the file with (`subscribed`, `non-subscribed`; null
/// without a consent column), `part` the part number of a file cut into
/// parts (null for a whole file).
const FILE_COLUMNS: [&str; 6] = ["file", "kind", "segment_key", "status", "part", "rows"];

impl Marker<'_> {
    /// The document: the tool first (what marks the folder as rfm's), the
    /// options, method and definition, the counts, then the files.
    fn document(&self) -> Tabular<'_> {
        let analysis = self.analysis;
        let options = Options {
            style: self.layout.style().name(),
            keep: &analysis.kept,
            previous: self.args.previous.as_ref().map(|p| p.display().to_string()),
            inputs: analysis
                .load
                .files
                .iter()
                .map(|(file, rows)| Input { file, rows: *rows })
                .collect(),
            columns: &self.layout.header,
            mapping: self.mappings,
        };
        let left_out: Vec<Left> = self
            .audience
            .dropped
            .iter()
            .map(|d| Left {
                customer_id: &d.id,
                segment_key: self.segments[d.segment].key,
                reason: d.reason.text(),
                value: &d.value,
            })
            .collect();
        let written: usize = self.audience.files.iter().map(Vec::len).sum();
        let fields: Vec<(&'static str, Value<'_>)> = vec![
            ("tool", Value::Text(Cow::Borrowed("rfm"))),
            (
                "version",
                Value::Text(Cow::Borrowed(env!("CARGO_PKG_VERSION"))),
            ),
            ("kind", Value::Text(Cow::Borrowed("audiences"))),
            ("options", nested_value(&options)),
            ("method", nested_value(&report::method(analysis, self.opts))),
            (
                "definition",
                nested(&rules::json_text(&analysis.definition)),
            ),
            ("customers", Value::Int(analysis.customers.len() as i64)),
            ("written", Value::Int(written as i64)),
            ("left_out", nested_value(&left_out)),
        ];
        let rows: Vec<Vec<Value<'_>>> = self
            .files
            .iter()
            .map(|f| {
                vec![
                    Value::Text(Cow::Borrowed(f.path.as_str())),
                    Value::Text(Cow::Borrowed(f.kind.name())),
                    Value::Text(Cow::Borrowed(f.segment_key)),
                    f.status
                        .map_or(Value::Null, |s| Value::Text(Cow::Borrowed(s.name()))),
                    f.part.map_or(Value::Null, |n| Value::Int(n as i64)),
                    Value::Int(f.rows as i64),
                ]
            })
            .collect();
        let mut document = Tabular::new(&FILE_COLUMNS, rows);
        document.json_envelope = Some((fields, "files"));
        document
    }
}

/// An audiences.json as read back: its style and files.
struct Listing {
    style: String,
    files: Vec<Listed>,
}

/// A file an audiences.json lists.
struct Listed {
    /// Its path in the folder.
    path: String,
    /// `segment`, `entered` or `left`.
    kind: String,
    segment_key: String,
    /// Its Mailchimp status (none when not listed: an older rfm).
    status: Option<Status>,
}

/// Reads a folder's audiences.json, if rfm audiences wrote it.
fn read_marker(dir: &Path) -> Result<Listing, String> {
    let marker = dir.join(MARKER);
    if !output::written_by_rfm(&marker) {
        return Err(format!("it has no {MARKER} written by rfm audiences"));
    }
    let text = fs::read_to_string(&marker).map_err(|e| format!("{MARKER}: {e}"))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{MARKER}: {e}"))?;
    if json["kind"] != "audiences" {
        return Err(format!("its {MARKER} is not one rfm audiences wrote"));
    }
    let text_of = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let files = json["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .map(|f| Listed {
                    path: text_of(&f["file"]),
                    kind: text_of(&f["kind"]),
                    segment_key: text_of(&f["segment_key"]),
                    status: f["status"].as_str().and_then(Status::named),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Listing {
        style: text_of(&json["options"]["style"]),
        files,
    })
}

/// Why a non-empty folder is not one rfm audiences wrote: no audiences.json
/// of its own, or files (or folders) that it does not list.
fn not_audiences(dir: &Path) -> Option<String> {
    let written = match read_marker(dir) {
        Ok(written) => written,
        Err(why) => {
            let mut names: Vec<String> = fs::read_dir(dir)
                .map(|d| {
                    d.filter_map(Result::ok)
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            return Some(format!("{why}; it holds {}", names.join(", ")));
        }
    };
    let listed: BTreeSet<&str> = written
        .files
        .iter()
        .map(|f| f.path.as_str())
        .chain([MARKER])
        .collect();
    let mut foreign = Vec::new();
    let visit = |dir: &Path, prefix: &str, foreign: &mut Vec<String>| -> Vec<String> {
        let mut subfolders = Vec::new();
        let Ok(entries) = fs::read_dir(dir) else {
            foreign.push(format!("{prefix} (unreadable)"));
            return subfolders;
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{prefix}{name}");
            let kind = entry.file_type().ok();
            if kind.is_some_and(|k| k.is_file()) && listed.contains(path.as_str()) {
                continue;
            }
            if prefix.is_empty()
                && kind.is_some_and(|k| k.is_dir())
                && [Kind::Entered, Kind::Left].iter().any(|k| k.name() == name)
            {
                subfolders.push(name);
                continue;
            }
            foreign.push(path);
        }
        subfolders
    };
    for sub in visit(dir, "", &mut foreign) {
        visit(&dir.join(&sub), &format!("{sub}/"), &mut foreign);
    }
    if foreign.is_empty() {
        return None;
    }
    foreign.sort();
    Some(format!("it holds {}", foreign.join(", ")))
}

/// Reads `--previous`: an audiences folder of the same style, its segment
/// files (all of them: the status files and the parts of one segment are
/// put together again by `output::audience::changes`).
fn read_previous(path: &Path, style: Style) -> anyhow::Result<Vec<PreviousFile>> {
    let shown = path.display();
    let written = read_marker(path).map_err(|why| {
        anyhow::anyhow!("--previous {shown}: not an rfm audiences folder ({why})")
    })?;
    if Style::named(&written.style) != Some(style) {
        return Err(UsageError(format!(
            "--previous {shown}: it was written with --style {}, and entered and left compare \
             files of one style: give --style {}, or an earlier folder of --style {}",
            written.style,
            written.style,
            style.name()
        ))
        .into());
    }
    written
        .files
        .iter()
        .filter(|f| f.kind == Kind::Segment.name())
        .map(|file| {
            let file_path = path.join(&file.path);
            let read = || -> anyhow::Result<PreviousFile> {
                let mut reader = csv::Reader::from_path(&file_path)?;
                let header = reader.headers()?.iter().map(str::to_owned).collect();
                let records = reader
                    .records()
                    .map(|r| Ok(r?.iter().map(str::to_owned).collect()))
                    .collect::<anyhow::Result<_>>()?;
                Ok(PreviousFile {
                    segment_key: file.segment_key.clone(),
                    status: file.status,
                    header,
                    records,
                })
            };
            read().with_context(|| format!("--previous: cannot read {}", file_path.display()))
        })
        .collect()
}
