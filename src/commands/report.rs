//! `rfm report`: the weekly report folder.
//!
//! customers.csv and summary.csv are exactly what `rfm customers` and
//! `rfm summary` write as CSV; report.json is the summary document with
//! where it came from (inputs with row counts and SHA-256, tool version,
//! method, segment definition); report.html is the page for people; with
//! `--previous`, migration.csv is what `rfm compare` writes as CSV.
//!
//! The folder is written beside its final place and renamed into it
//! (`output::write_folder`), so a cron job that dies half way leaves last
//! week's report as it was. Nothing depends on the clock or on the folder's
//! name unless `--stamp` asks for the time, so re-running on the same input
//! gives byte-identical files.

use crate::cli::{ColorWhen, OutputArgs, ReportArgs};
use crate::commands::{customers, rules, summary};
use crate::dates::from_day;
use crate::error::UsageError;
use crate::money;
use crate::notes::Notes;
use crate::notes::count;
use crate::options::{self, Environment, RunOptions};
use crate::output::render::{
    self, Format, RenderOptions, Renderer, Tabular, Value, nested, nested_value,
};
use crate::output::{self, FolderKind};
use crate::pipeline;
use crate::report::html::{self, InputFile};
use crate::report::migration::Migration;
use crate::report::snapshot::Snapshot;
use crate::report::tables;
use crate::score::Binning;
use crate::score::analysis::Analysis;
use anyhow::Context;
use serde::Serialize;
use std::borrow::Cow;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// How many of the biggest fallers report.html lists.
const MOVERS_SHOWN: usize = 20;

/// Runs the command.
pub(crate) fn run(args: &ReportArgs, env: &Environment) -> anyhow::Result<()> {
    // Problems with the folder or the previous report are found before the
    // (possibly long) analysis.
    let target = out_folder(
        &args.out,
        &output::REPORT,
        args.input.rejects.as_deref(),
        args.quiet,
    )?;
    let previous = match &args.previous {
        Some(path) => Some(Snapshot::read(path).context("--previous")?),
        None => None,
    };
    if let Some(old) = &previous {
        // Before the (possibly long) analysis; the column names are
        // compared once the run has resolved its own (below).
        let grouped = args.method.select.by.is_some();
        crate::report::migration::fits(old, grouped, None, "this run")
            .map_err(|e| UsageError(format!("--previous: {e}")))?;
    }
    let output_args = OutputArgs {
        format: Some(Format::Csv),
        output: None,
        excel: args.excel,
        decimals: args.decimals,
        color: ColorWhen::Never,
        rows: None,
        quiet: args.quiet,
    };
    let mut opts = options::resolve(&args.input, &args.method, &args.explain, &output_args, env)?;
    options::read_files(&opts.load.paths, &args.method.segments).refuse_folder("--out", &target)?;
    opts.terse = true;
    opts.load.digest = true;
    opts.load.extras.keep = args.keep.keep.clone();
    options::with_predict(&mut opts, &args.predict)?;
    let (opts, analysis) = pipeline::run_resolved(opts, &args.method)?;
    if !analysis.monetary {
        // The report's key figures, bars, heat map and migration are about
        // revenue; half of it would be blank.
        return Err(UsageError(
            "rfm report needs amounts, and the inputs have no amount column: name one with \
             --amount COL (or --quantity COL --price COL); rfm customers and rfm summary score \
             recency and frequency alone"
                .into(),
        )
        .into());
    }
    let notes = Notes::warnings_only(args.quiet);
    let inputs = fingerprint(&analysis, &notes);
    let current = previous
        .as_ref()
        .map(|_| Snapshot::from_analysis(&analysis, args.out.display().to_string()));
    if let Some((old, new)) = previous.as_ref().zip(current.as_ref()) {
        crate::report::migration::comparable(old, new)
            .map_err(|e| UsageError(format!("--previous: {e}")))?;
    }
    let migration = previous
        .as_ref()
        .zip(current.as_ref())
        .map(|(old, new)| Migration::between(old, new));
    let stamp = args.stamp.then(|| {
        chrono::Local::now()
            .format("%Y-%m-%d %H:%M:%S %:z")
            .to_string()
    });
    let decimals = args.decimals;
    let since = match args.since.segment_since {
        Some(every) => Some(customers::since_column(&opts, &analysis, every)?),
        None => None,
    };
    let trend = match args.trend {
        Some(n) => Some(html::Trend {
            every: args.every.into(),
            periods: pipeline::trend(&opts, &analysis, args.every.into(), n)?,
        }),
        None => None,
    };
    // --reasons: in customers.csv (money as the CSV writes it) and for the
    // movers in report.html.
    let separator = if args.excel { ',' } else { '.' };
    let reasons = args
        .reasons
        .reasons
        .then(|| customers::reasons(&analysis, opts.lang, decimals, '.'));
    // A mover is found by group and id (runs made with --by), as the
    // migration matched it.
    let group_name = |c: &crate::score::analysis::ScoredCustomer| {
        analysis
            .by
            .as_ref()
            .map(|_| analysis.groups[c.group as usize].name.as_str())
    };
    let by_id: std::collections::HashMap<
        (Option<&str>, &str),
        &crate::score::analysis::ScoredCustomer,
    > = if reasons.is_some() && migration.is_some() {
        analysis
            .customers
            .iter()
            .map(|c| ((group_name(c), &*c.id), c))
            .collect()
    } else {
        std::collections::HashMap::new()
    };
    let reason_of = |member: &crate::report::snapshot::Member| -> Option<String> {
        let c = by_id.get(&(member.group.as_deref(), member.id.as_str()))?;
        Some(reasons.as_ref()?[c.group as usize].reason(c))
    };
    let csv = |data: Tabular<'_>, out: &mut dyn Write| {
        let options = RenderOptions {
            excel: args.excel,
            color: false,
            fit_terminal: false,
            rows: None,
        };
        render::renderer(Format::Csv, options).render(&data.for_format(Format::Csv), out)
    };
    output::write_folder(&output::REPORT, &target, env.switches.fail_at, |folder| {
        folder.write("customers.csv", |out| {
            let mut table = customers::tabulate(&analysis, decimals);
            if let Some(since) = &since {
                table = table.with_column("segment_since", since.clone());
            }
            if args.reasons.reasons {
                let table =
                    customers::with_reasons(table, &analysis, opts.lang, decimals, separator);
                csv(table, out)
            } else {
                csv(table, out)
            }
        })?;
        folder.write("summary.csv", |out| {
            csv(summary::tabulate(&analysis, decimals), out)
        })?;
        if let Some(m) = &migration {
            folder.write("migration.csv", |out| csv(tables::pairs(m), out))?;
        }
        if analysis.by.is_some() {
            folder.write("groups.csv", |out| {
                csv(summary::groups_table(&analysis, decimals), out)
            })?;
        }
        folder.write("report.json", |out| {
            let mut document = json_document(&analysis, &opts, &inputs, migration.as_ref(), &stamp);
            if let (Some(trend), Some((fields, _))) = (&trend, document.json_envelope.as_mut()) {
                fields.push(("trend", nested_value(&trend_json(trend, &analysis))));
            }
            render::JsonRenderer.render(&document, out)
        })?;
        folder.write("report.html", |out| {
            let locale = html::locale(opts.lang);
            let method = method_lines(&analysis, &opts, locale);
            let page = html::Page {
                analysis: &analysis,
                lang: opts.lang,
                decimals,
                summary: summary::tabulate(&analysis, decimals).for_format(Format::Table),
                inputs: &inputs,
                method: &method,
                migration: migration.as_ref(),
                movers_shown: MOVERS_SHOWN,
                stamp: stamp.clone(),
                groups: analysis
                    .by
                    .as_ref()
                    .map(|by| (by.as_str(), summary::groups_table(&analysis, decimals))),
                trend: trend.as_ref(),
                reason_of: reasons
                    .is_some()
                    .then_some(&reason_of as html::ReasonOf<'_>),
            };
            html::write(out, &page)
        })?;
        Ok(())
    })?;
    if !args.quiet {
        let filled = filled_segments(&analysis);
        let mut line = format!(
            "wrote {}: {}, {}",
            args.out.display(),
            count(analysis.customers.len() as u64, "customer"),
            count(filled as u64, "segment")
        );
        if let Some(m) = &migration {
            line.push_str(&format!(
                "; since the previous: {}",
                tables::summary_line(m)
            ));
        }
        let _ = writeln!(io::stderr(), "{line}");
    }
    Ok(())
}

/// Resolves `--out DIR` for a command that writes a folder whole (see
/// `output::owned_folder`), before any work: removes the temporary
/// folders that killed runs left beside it, and refuses a `--rejects` file
/// inside it (it would be deleted with the folder).
pub(crate) fn out_folder(
    out: &Path,
    kind: &FolderKind,
    rejects: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<PathBuf> {
    let target = output::owned_folder(out, kind)?;
    if let Some(name) = target.file_name() {
        let stem = output::temp_folder(&name.to_string_lossy());
        options::sweep_stale(&[(options::parent_dir(&target), stem)], quiet);
    }
    if let Some(rejects) = rejects {
        let inside = std::path::absolute(rejects)
            .ok()
            .zip(std::path::absolute(&target).ok())
            .is_some_and(|(r, t)| r.starts_with(t));
        if inside {
            return Err(UsageError(format!(
                "--rejects {}: put it outside --out {}, which is replaced whole",
                rejects.display(),
                out.display()
            ))
            .into());
        }
    }
    Ok(target)
}

/// Segments with at least one customer.
fn filled_segments(analysis: &Analysis) -> usize {
    let mut seen = vec![false; analysis.definition.segments.len()];
    for c in &analysis.customers {
        seen[usize::from(c.segment)] = true;
    }
    seen.into_iter().filter(|s| *s).count()
}

/// The inputs as read, with their row counts, and the sizes and hashes
/// taken as they were read, for the regular files that did not change
/// meanwhile.
fn fingerprint(analysis: &Analysis, notes: &Notes) -> Vec<InputFile> {
    let load = &analysis.load;
    load.files
        .iter()
        .enumerate()
        .map(|(i, (name, rows))| {
            let digest = match load.digests.get(i) {
                Some(Some(Ok(digest))) => Some(digest),
                Some(Some(Err(()))) => {
                    notes.warn(format_args!(
                        "{name} changed while it was read: report.json records no hash for it"
                    ));
                    None
                }
                _ => None,
            };
            InputFile {
                name: name.clone(),
                rows: *rows,
                bytes: digest.map(|d| d.bytes),
                sha256: digest.map(|d| d.sha256.clone()),
            }
        })
        .collect()
}

/// How one metric was scored, in words.
fn describe(binning: &Binning) -> String {
    match binning {
        Binning::Method(method, levels) => format!("{}, {levels} levels", method.name()),
        Binning::Fixed(points) => {
            let points: Vec<String> = points
                .iter()
                .map(|p| money::format_scaled(i128::from(p.mantissa), p.scale, p.scale, '.'))
                .collect();
            format!("fixed break points {}", points.join(", "))
        }
    }
}

/// The method as (label, value) lines for report.html, labelled in the
/// page's language; dates and counts are written as the page writes them.
fn method_lines(
    analysis: &Analysis,
    opts: &RunOptions,
    locale: &crate::report::words::Locale,
) -> Vec<(&'static str, String)> {
    use crate::report::words::fill;
    let (w, nf) = (&locale.words, &locale.numbers);
    let day = |d: crate::dates::Day| {
        let (year, month, day) = crate::dates::ymd(d);
        nf.date(year, month, day)
    };
    let m = method(analysis, opts);
    let levels = nf.count(u64::from(m.levels));
    // As `method` says it for report.json, in the page's language.
    let as_of_from = if opts.params.as_of.is_some() {
        w.m_given
    } else {
        w.m_after_latest
    };
    let describe = |binning: &Binning| match binning {
        Binning::Method(method, levels) => {
            fill(w.m_levels, &[method.name(), &nf.count(u64::from(*levels))])
        }
        Binning::Fixed(points) => {
            let points: Vec<String> = points
                .iter()
                .map(|p| {
                    nf.number(&money::format_scaled(
                        i128::from(p.mantissa),
                        p.scale,
                        p.scale,
                        '.',
                    ))
                })
                .collect();
            // `1,5; 2,5` where a comma is the decimal mark.
            let sep = if nf.decimal == ',' { "; " } else { ", " };
            fill(w.m_fixed, &[&points.join(sep)])
        }
    };
    let [r, f, monetary] = opts.scoring.metrics().map(describe);
    let mut lines = vec![
        (w.m_as_of, format!("{} ({as_of_from})", day(analysis.as_of))),
        (w.m_recency, r),
        (w.m_frequency, f),
        (w.m_monetary, monetary),
        (
            w.m_purchase,
            match opts.params.counting {
                crate::engine::Counting::Orders => w.m_counting_orders,
                crate::engine::Counting::Rows => w.m_counting_rows,
            }
            .to_owned(),
        ),
        (
            w.m_returns,
            match opts.params.returns {
                crate::engine::Returns::Net => w.m_returns_net,
                crate::engine::Returns::Ignore => w.m_returns_ignore,
            }
            .to_owned(),
        ),
        (
            w.m_segments,
            fill(w.m_segments_value, &[m.segments, &levels]),
        ),
        (w.m_columns, m.columns.to_owned()),
    ];
    if let Some(since) = opts.params.since {
        lines.push((w.m_since, day(since)));
    }
    if let Some(until) = opts.params.until {
        lines.push((w.m_until, day(until)));
    }
    if let Some(filter) = &m.filter {
        lines.push((w.m_where, filter.clone()));
    }
    if let Some(by) = m.by {
        lines.push((w.m_by, fill(w.m_by_value, &[by])));
    }
    let left_out = match analysis.load.filtered {
        0 => String::new(),
        n => fill(w.m_left_out, &[&nf.count(n)]),
    };
    lines.push((
        w.m_rows,
        fill(
            w.m_rows_value,
            &[
                &nf.count(analysis.load.rows()),
                &left_out,
                &nf.count(analysis.load.missing_customer),
                &nf.count(analysis.load.rejected_count),
            ],
        ),
    ));
    lines
}

#[derive(Serialize)]
pub(crate) struct Method<'a> {
    as_of: String,
    as_of_from: &'static str,
    since: Option<String>,
    until: Option<String>,
    returns: &'static str,
    counting: &'static str,
    scoring: Scores,
    segments: &'a str,
    levels: u8,
    columns: &'a str,
    /// `--where`, as normalized (absent without).
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    filter: Option<String>,
    /// `--by` (absent without).
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<&'a str>,
    /// `--keep` (absent without).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    keep: &'a [String],
}

/// report.json's `trend`: the periods, each with every segment's
/// customers, entered and left.
#[derive(Serialize)]
struct TrendJson<'a> {
    every: &'static str,
    periods: Vec<TrendPeriodJson<'a>>,
}

#[derive(Serialize)]
struct TrendPeriodJson<'a> {
    period_end: String,
    segments: Vec<TrendSegmentJson<'a>>,
}

#[derive(Serialize)]
struct TrendSegmentJson<'a> {
    segment_key: &'a str,
    customers: u64,
    entered: u64,
    left: u64,
}

fn trend_json<'a>(trend: &html::Trend, analysis: &'a Analysis) -> TrendJson<'a> {
    TrendJson {
        every: trend.every.key(),
        periods: trend
            .periods
            .iter()
            .map(|p| TrendPeriodJson {
                period_end: from_day(p.end).format("%Y-%m-%d").to_string(),
                segments: analysis
                    .definition
                    .segments
                    .iter()
                    .enumerate()
                    .map(|(s, segment)| TrendSegmentJson {
                        segment_key: &segment.key,
                        customers: p.customers[s],
                        entered: p.entered[s],
                        left: p.left[s],
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct Scores {
    r: String,
    f: String,
    m: String,
}

/// The method as report.json records it (also in audiences.json).
pub(crate) fn method<'a>(analysis: &'a Analysis, opts: &RunOptions) -> Method<'a> {
    let day = |d: crate::dates::Day| from_day(d).format("%Y-%m-%d").to_string();
    let [r, f, m] = opts.scoring.metrics().map(describe);
    Method {
        as_of: day(analysis.as_of),
        as_of_from: if opts.params.as_of.is_some() {
            "given"
        } else {
            "the day after the latest purchase"
        },
        since: opts.params.since.map(day),
        until: opts.params.until.map(day),
        returns: match opts.params.returns {
            crate::engine::Returns::Net => "net: negative amounts are subtracted",
            crate::engine::Returns::Ignore => "ignore: rows with a negative amount are dropped",
        },
        counting: match opts.params.counting {
            crate::engine::Counting::Orders => "an order (rows grouped by customer and order id)",
            crate::engine::Counting::Rows => "a row (r-quantile counts rows, as R's rfm package)",
        },
        scoring: Scores { r, f, m },
        segments: &analysis.definition.name,
        levels: analysis.definition.levels,
        columns: &analysis.load.columns,
        filter: opts.load.extras.filter.as_ref().map(ToString::to_string),
        by: analysis.by.as_deref(),
        keep: &analysis.kept,
    }
}

#[derive(Serialize)]
struct Input<'a> {
    file: &'a str,
    rows: u64,
    bytes: Option<u64>,
    sha256: Option<&'a str>,
}

#[derive(Serialize)]
struct Rows {
    read: u64,
    without_customer: u64,
    skipped_bad: u64,
}

#[derive(Serialize)]
struct Previous<'a> {
    source: &'a str,
    customers: usize,
    #[serde(flatten)]
    counts: crate::report::migration::Counts,
}

/// report.json: the summary document (as `rfm summary -f json`) with the
/// tool, the inputs, the method, the definition and the migration first.
fn json_document<'a>(
    analysis: &'a Analysis,
    opts: &RunOptions,
    inputs: &[InputFile],
    migration: Option<&Migration<'_>>,
    stamp: &Option<String>,
) -> Tabular<'a> {
    let mut document = summary::tabulate(analysis, opts.output.decimals);
    let mut fields: Vec<(&'static str, Value<'a>)> = vec![
        ("tool", Value::Text(Cow::Borrowed("rfm"))),
        (
            "version",
            Value::Text(Cow::Borrowed(env!("CARGO_PKG_VERSION"))),
        ),
    ];
    if let Some(stamp) = stamp {
        fields.push(("generated_at", Value::Text(Cow::Owned(stamp.clone()))));
    }
    let inputs: Vec<Input> = inputs
        .iter()
        .map(|i| Input {
            file: &i.name,
            rows: i.rows,
            bytes: i.bytes,
            sha256: i.sha256.as_deref(),
        })
        .collect();
    fields.push(("inputs", nested_value(&inputs)));
    fields.push((
        "rows",
        nested_value(&Rows {
            read: analysis.load.rows(),
            without_customer: analysis.load.missing_customer,
            skipped_bad: analysis.load.rejected_count,
        }),
    ));
    fields.push(("customers", Value::Int(analysis.customers.len() as i64)));
    fields.push(("method", nested_value(&method(analysis, opts))));
    fields.push((
        "definition",
        nested(&rules::json_text(&analysis.definition)),
    ));
    if let Some(m) = migration {
        fields.push((
            "previous",
            nested_value(&Previous {
                source: &m.old.source,
                customers: m.old.customers.len(),
                counts: m.counts(),
            }),
        ));
    }
    // Then the summary's own: as_of, segments_definition, thresholds.
    if let Some((summary_fields, _)) = document.json_envelope.as_mut() {
        fields.append(summary_fields);
        *summary_fields = fields;
    }
    document
}
