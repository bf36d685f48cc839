//! Resolving the command line and the environment into run settings.
//!
//! Every decision that depends on the environment is taken here, once:
//! whether stdout and stderr are terminals, `NO_COLOR`, the default format,
//! whether to draw a progress bar. The rest of the program receives plain
//! settings and never looks at the environment itself, which keeps it
//! testable.

use crate::cli::{
    ColorWhen, ExplainArgs, InputArgs, MethodArgs, ModelArg, OutputArgs, PredictArgs, RowLimit,
    SegmentArgs,
};
use crate::dates::{DateFormat, parse_ymd, to_day};
use crate::engine::{Counting, Grouping, Params};
use crate::error::UsageError;
use crate::input::{self, ColumnFlags, InputPath, LoadSettings};
use crate::interrupt;
use crate::money::DecimalSeparator;
use crate::notes::Notes;
use crate::output::render::{Format, RenderOptions};
use crate::output::{self, Inputs, OutputOptions};
use crate::score::analysis::Scoring;
use crate::score::definition::{Definition, Preset};
use crate::score::definition_file;
use crate::score::{self, Binning, Method};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Switches for the tests, read from the environment in debug builds only
/// (a release binary has none): `RFM_GROUPING=runs|hash` forces how orders
/// are grouped, `RFM_WORKERS` and `RFM_BLOCK_BYTES` set the reading's
/// threads and block size (so small inputs are cut into many blocks on
/// several workers), `RFM_FAIL_AT=FILE` makes `rfm report` (or `rfm
/// audiences`) fail half way through writing FILE (for the atomicity
/// tests), and `RFM_AUDIENCE_PART_BYTES` lowers the size above which `rfm
/// audiences --style klaviyo` writes a file in parts (50 MB otherwise), so
/// small files are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TestSwitches {
    /// `RFM_GROUPING`.
    pub(crate) grouping: Option<Grouping>,
    /// `RFM_WORKERS`.
    pub(crate) workers: Option<usize>,
    /// `RFM_BLOCK_BYTES`.
    pub(crate) block_bytes: Option<usize>,
    /// `RFM_FAIL_AT`: a report file (e.g. `report.html`), or
    /// `audiences.json` (`rfm audiences`).
    pub(crate) fail_at: Option<&'static str>,
    /// `RFM_AUDIENCE_PART_BYTES`.
    pub(crate) audience_part_bytes: Option<usize>,
}

impl TestSwitches {
    #[cfg(debug_assertions)]
    fn detect() -> TestSwitches {
        let number = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
                .filter(|&n| n > 0)
        };
        TestSwitches {
            grouping: match std::env::var("RFM_GROUPING").as_deref() {
                Ok("runs") => Some(Grouping::Runs),
                Ok("hash") => Some(Grouping::Hash),
                _ => None,
            },
            workers: number("RFM_WORKERS"),
            block_bytes: number("RFM_BLOCK_BYTES"),
            fail_at: std::env::var("RFM_FAIL_AT").ok().and_then(|name| {
                crate::output::REPORT_FILES
                    .into_iter()
                    .chain(["audiences.json"])
                    .find(|file| *file == name)
            }),
            audience_part_bytes: number("RFM_AUDIENCE_PART_BYTES"),
        }
    }

    #[cfg(not(debug_assertions))]
    fn detect() -> TestSwitches {
        TestSwitches::default()
    }
}

/// The facts about the process environment rfm acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Environment {
    /// stdin is a terminal (nothing is piped in).
    pub(crate) stdin_tty: bool,
    /// stdin is a regular file not read yet (`< orders.csv`) that rfm can
    /// open itself: read as that file ([`crate::input::stdin_is_a_file`]).
    pub(crate) stdin_file: bool,
    /// stdout is a terminal.
    pub(crate) stdout_tty: bool,
    /// stderr is a terminal.
    pub(crate) stderr_tty: bool,
    /// `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
    pub(crate) no_color: bool,
    /// Today's date in local time (for `--as-of today`).
    pub(crate) today: chrono::NaiveDate,
    /// Test switches (debug builds only).
    pub(crate) switches: TestSwitches,
}

impl Environment {
    /// Reads the environment.
    pub fn detect() -> Environment {
        Environment {
            stdin_tty: std::io::stdin().is_terminal(),
            stdin_file: crate::input::stdin_is_a_file(),
            stdout_tty: std::io::stdout().is_terminal(),
            stderr_tty: std::io::stderr().is_terminal(),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            today: chrono::Local::now().date_naive(),
            switches: TestSwitches::detect(),
        }
    }
}

/// Everything a data command needs to run.
#[derive(Debug, Clone)]
pub(crate) struct RunOptions {
    /// How to read.
    pub(crate) load: LoadSettings,
    /// What counts.
    pub(crate) params: Params,
    /// How each metric is scored.
    pub(crate) scoring: Scoring,
    /// `--explain`: print the score levels on stderr.
    pub(crate) explain: bool,
    /// `--rejects`.
    pub(crate) rejects: Option<PathBuf>,
    /// No notes on stderr.
    pub(crate) quiet: bool,
    /// Warnings but no notes on stderr (`rfm report`).
    pub(crate) terse: bool,
    /// How orders are grouped, when a test forces it.
    pub(crate) grouping: Option<Grouping>,
    /// How to write.
    pub(crate) output: OutputOptions,
    /// `--lang` (for a definition chosen after reading: see
    /// `pipeline::analyze`).
    pub(crate) lang: crate::score::lang::Lang,
    /// `--predict`, `--model`, `--discount`.
    pub(crate) predict: Option<PredictOptions>,
}

/// What `--predict` asks for (docs/predict.md).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PredictOptions {
    /// The horizon as given, e.g. `90d`.
    pub(crate) horizon: String,
    /// The horizon in days (`m` is a twelfth of 365 days).
    pub(crate) days: f64,
    /// `--model`.
    pub(crate) model: crate::predict::Model,
    /// `--discount`: a rate a year (0.1 for 10 %).
    pub(crate) discount: Option<f64>,
}

/// Adds `--predict` to resolved options: the engine then counts purchase
/// occasions. Refused with `--by` (one fit per group is not built yet).
pub(crate) fn with_predict(opts: &mut RunOptions, args: &PredictArgs) -> Result<(), UsageError> {
    opts.predict = predict(args)?;
    opts.params.occasions = opts.predict.is_some();
    if let (Some(p), Some(by)) = (&opts.predict, &opts.load.extras.by) {
        return Err(UsageError(format!(
            "--predict {} with --by {}: not yet; run once per group with --where",
            p.horizon,
            crate::error::shown(by)
        )));
    }
    Ok(())
}

/// Resolves `--predict`, `--model` and `--discount`; `None` without
/// `--predict`.
fn predict(args: &PredictArgs) -> Result<Option<PredictOptions>, UsageError> {
    let Some(text) = &args.predict else {
        return Ok(None);
    };
    let days = horizon_days(text).ok_or_else(|| {
        UsageError(format!(
            "--predict {}: expected a horizon such as 90d, 12w, 6m or 1y (days, weeks, months of \
             365/12 days, years of 365 days), at most 100 years",
            crate::error::shown(text)
        ))
    })?;
    let discount = args.discount.as_deref().map(discount_rate).transpose()?;
    Ok(Some(PredictOptions {
        horizon: text.trim().to_ascii_lowercase(),
        days,
        model: match args.model {
            ModelArg::BgNbd => crate::predict::Model::BgNbd,
            ModelArg::MbgNbd => crate::predict::Model::MbgNbd,
            ModelArg::ParetoNbd => crate::predict::Model::ParetoNbd,
        },
        discount,
    }))
}

/// `90d`, `12w`, `6m`, `1y` (a positive number, decimals allowed, and a
/// unit) in days; at most 100 years.
fn horizon_days(text: &str) -> Option<f64> {
    let text = text.trim().to_ascii_lowercase();
    let unit = text.chars().last()?;
    let per = match unit {
        'd' => 1.0,
        'w' => 7.0,
        'm' => 365.0 / 12.0,
        'y' => 365.0,
        _ => return None,
    };
    let number = text[..text.len() - 1].trim();
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let days = number.parse::<f64>().ok()? * per;
    (days > 0.0 && days <= 36_500.0).then_some(days)
}

/// `--discount`: `0.1` or `10%` for 10 % a year. A bare number of 1 or more
/// is refused: `10` would be 1,000 % a year, and is most likely meant as 10 %.
fn discount_rate(text: &str) -> Result<f64, UsageError> {
    let trimmed = text.trim();
    let bad = || {
        UsageError(format!(
            "--discount {}: expected a yearly rate such as 0.1 or 10%, from 0 up to 100%",
            crate::error::shown(text)
        ))
    };
    let (number, percent) = match trimmed.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (trimmed, false),
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    if !value.is_finite() || value < 0.0 {
        return Err(bad());
    }
    if !percent && value >= 1.0 {
        return Err(UsageError(format!(
            "--discount {trimmed}: that is {}% a year; write {trimmed}% for {trimmed} percent, \
             or a fraction such as 0.1",
            (value * 100.0 * 100.0).round() / 100.0
        )));
    }
    let rate = if percent { value / 100.0 } else { value };
    if rate > 1.0 {
        return Err(bad());
    }
    Ok(rate)
}

/// Resolves the shared options of the data commands.
pub(crate) fn resolve(
    input: &InputArgs,
    method: &MethodArgs,
    explain: &ExplainArgs,
    output: &OutputArgs,
    env: &Environment,
) -> Result<RunOptions, UsageError> {
    let date_format = input
        .date_format
        .as_deref()
        .map(DateFormat::strftime)
        .transpose()
        .map_err(|e| UsageError(format!("--date-format: {e}")))?;
    let delimiter = input
        .delimiter
        .as_deref()
        .map(parse_delimiter)
        .transpose()?;
    let paths: Vec<InputPath> = if input.files.is_empty() {
        vec![InputPath::Stdin]
    } else {
        let mut paths = Vec::new();
        for arg in &input.files {
            paths.extend(InputPath::expand(arg).map_err(UsageError)?);
        }
        paths
    };
    if input.files.is_empty() && env.stdin_tty {
        return Err(UsageError(
            "no input: give order files (FILES), or pipe orders into stdin".into(),
        ));
    }
    if paths.iter().filter(|p| **p == InputPath::Stdin).count() > 1 {
        return Err(UsageError("stdin ('-') can be read only once".into()));
    }
    // Stdin redirected from a file is that file: read again, not copied,
    // when a second reading needs it (and `--segment-since` may read it).
    let paths: Vec<InputPath> = paths
        .into_iter()
        .map(|p| match p {
            InputPath::Stdin if env.stdin_file => InputPath::stdin_file(),
            p => p,
        })
        .collect();
    let (params, scoring) = resolve_method(method, input.columns.order.as_deref(), env)?;
    if input.rejects.as_ref().is_some_and(|p| p.as_os_str() == "-") {
        return Err(UsageError(
            "--rejects needs a file name: stdout carries the results".into(),
        ));
    }
    let quiet = output.quiet;
    let output = resolve_output(output, env)?;
    let inputs = read_files(&paths, &method.segments);
    if let Some(path) = &output.path {
        inputs.refuse("-o", path)?;
    }
    let mut writes: Vec<(PathBuf, String)> = [&output.path, &input.rejects]
        .into_iter()
        .flatten()
        .map(|file| (parent_dir(file), output::TEMP_FILE.to_owned()))
        .collect();
    if paths
        .iter()
        .any(|p| !matches!(p, InputPath::File(f) if f.is_file()))
    {
        writes.push((std::env::temp_dir(), input::COPY_PREFIX.to_owned()));
    }
    sweep_stale(&writes, quiet);
    if let Some(rejects) = &input.rejects {
        inputs.refuse("--rejects", rejects)?;
        if let Some(out) = &output.path
            && same_place(out, rejects)
        {
            return Err(UsageError(format!(
                "--rejects {}: -o writes that file too; name another",
                rejects.display()
            )));
        }
    }
    Ok(RunOptions {
        load: LoadSettings {
            paths,
            columns: ColumnFlags {
                customer: input.columns.customer.clone(),
                date: input.columns.date.clone(),
                amount: input.columns.amount.clone(),
                quantity: input.columns.quantity.clone(),
                price: input.columns.price.clone(),
                order: input.columns.order.clone(),
                no_order: params.counting == Counting::Rows,
                case_sensitive_ids: input.columns.case_sensitive_ids,
                status: input.columns.status.clone(),
                statuses: input::StatusRule::from_lists(
                    input.columns.count_status.as_deref(),
                    input.columns.drop_status.as_deref(),
                ),
                currency: input.columns.currency.clone(),
                profile: match input.columns.profile.as_deref() {
                    Some(value) => input::ProfileChoice::parse(value)?,
                    None => input::ProfileChoice::Detect,
                },
                amount_per: input.columns.amount_per,
            },
            delimiter,
            decimal: match (input.decimal_comma, input.decimal_point) {
                (true, _) => Some(DecimalSeparator::Comma),
                (_, true) => Some(DecimalSeparator::Point),
                _ => None,
            },
            date_format,
            encoding: input
                .encoding
                .as_deref()
                .map(input::encoding_named)
                .transpose()
                .map_err(UsageError)?,
            skip_bad_rows: input.skip_bad_rows || input.rejects.is_some(),
            keep_rejected: input.rejects.is_some(),
            progress: env.stderr_tty && !quiet,
            digest: false,
            keep_rereadable: true,
            workers: env.switches.workers.unwrap_or_else(input::workers),
            block_bytes: env.switches.block_bytes.unwrap_or(input::BLOCK_BYTES),
            skip: None,
            keep_latest: input.keep_latest,
            extras: input::extras::ExtraFlags {
                filter: if method.select.filter.is_empty() {
                    None
                } else {
                    Some(std::sync::Arc::new(
                        input::filter::Filter::parse(&method.select.filter)
                            .map_err(|e| UsageError(e.to_string()))?,
                    ))
                },
                by: method.select.by.clone(),
                keep: Vec::new(),
            },
        },
        params,
        scoring,
        explain: explain.explain,
        rejects: input.rejects.clone(),
        quiet,
        terse: false,
        grouping: env.switches.grouping,
        output,
        lang: method.segments.lang,
        predict: None,
    })
}

/// The files a data command reads: its inputs and a `--segments` file.
pub(crate) fn read_files(paths: &[InputPath], segments: &SegmentArgs) -> Inputs {
    let segments = Path::new(&segments.segments);
    // Standard input redirected from a file (`< orders.csv`) is that file.
    let stdin = paths
        .contains(&InputPath::Stdin)
        .then_some(Path::new("/dev/stdin"));
    Inputs::new(
        paths
            .iter()
            .filter_map(|p| match p {
                InputPath::File(p) | InputPath::Replay { path: p, .. } => Some(p.as_path()),
                InputPath::Stdin => None,
            })
            .chain(std::iter::once(segments))
            .chain(stdin),
    )
}

/// The folder a file is written in.
pub(crate) fn parent_dir(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Removes the temporaries that killed runs left where this run writes
/// (`(folder, name stem)` pairs; see `interrupt::sweep`), with a note each.
pub(crate) fn sweep_stale(places: &[(PathBuf, String)], quiet: bool) {
    let notes = Notes::new(quiet);
    for (dir, stem) in places {
        for path in interrupt::sweep(dir, stem) {
            notes.note(format_args!(
                "removed {}, left by an rfm run that was killed",
                path.display()
            ));
        }
    }
}

/// Whether two paths name one file: the same absolute path, or one
/// existing file.
fn same_place(a: &Path, b: &Path) -> bool {
    let absolute = |p: &Path| std::path::absolute(p).ok();
    absolute(a).is_some_and(|x| Some(x) == absolute(b)) || Inputs::new([a]).refuse("", b).is_err()
}

/// Resolves what counts and how it is scored (`--as-of`, `--since`,
/// `--until`, `--returns`, `--scoring`, `--bins`, the fixed break points);
/// `order` is the `--order` column, which `--scoring r-quantile` refuses.
pub(crate) fn resolve_method(
    method: &MethodArgs,
    order: Option<&str>,
    env: &Environment,
) -> Result<(Params, Scoring), UsageError> {
    let date_flag = |flag: &str, value: &Option<String>| -> Result<Option<i32>, UsageError> {
        value
            .as_deref()
            .map(|v| {
                if flag == "--as-of" && is_today(v) {
                    return Ok(to_day(env.today));
                }
                parse_ymd(v)
                    .map(to_day)
                    .map_err(|e| UsageError(format!("{flag}: {e}")))
            })
            .transpose()
    };
    let binning = |flag: &str, bins: &Option<String>| -> Result<Binning, UsageError> {
        match bins {
            None => Ok(Binning::Method(method.scoring, method.bins)),
            Some(text) => score::parse_breaks(text)
                .map(Binning::Fixed)
                .map_err(|e| UsageError(format!("{flag} {text}: {e}"))),
        }
    };
    let scoring = Scoring {
        r: binning("--r-bins", &method.r_bins)?,
        f: binning("--f-bins", &method.f_bins)?,
        m: binning("--m-bins", &method.m_bins)?,
    };
    let counting = if method.scoring == Method::RQuantile {
        if let Some(order) = order {
            return Err(UsageError(format!(
                "--order {order}: --scoring r-quantile counts rows, as R's rfm package does, not orders; drop --order, or use --scoring rank or ntile to count orders"
            )));
        }
        Counting::Rows
    } else {
        Counting::Orders
    };
    let params = Params {
        counting,
        returns: method.returns.into(),
        since: date_flag("--since", &method.since)?,
        until: date_flag("--until", &method.until)?,
        as_of: date_flag("--as-of", &method.as_of)?,
        every: None,
        occasions: false,
    };
    if let (Some(s), Some(u)) = (params.since, params.until) {
        if s > u {
            return Err(UsageError("--since is after --until".into()));
        }
    }
    Ok((params, scoring))
}

/// `--as-of today`: the date of the run (or, for `rfm sql`, of the query).
pub(crate) fn is_today(as_of: &str) -> bool {
    as_of.eq_ignore_ascii_case("today")
}

/// The file of `-o FILE`; `None` (stdout) without one, for `-o -` and for
/// `-o /dev/stdout` (which, on a pipe, cannot be replaced by a file).
pub(crate) fn output_path(arg: Option<&Path>) -> Option<&Path> {
    arg.filter(|p| {
        !matches!(
            p.to_str(),
            Some("-" | "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1")
        )
    })
}

/// Rows the table format shows without `--rows`: about a screenful.
pub(crate) const TABLE_ROWS: usize = 50;

/// Resolves where and how results are written: the format (from the flag,
/// the `-o` extension or the terminal), colour, and the checks that the
/// output options fit together. Shared by every command that writes rows.
pub(crate) fn resolve_output(
    output: &OutputArgs,
    env: &Environment,
) -> Result<OutputOptions, UsageError> {
    let out_path = output_path(output.output.as_deref()).map(Path::to_path_buf);
    if let Some(ext) = out_path
        .as_ref()
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .filter(|e| ["xlsx", "xls", "xlsm", "ods", "numbers"].contains(&e.as_str()))
    {
        return Err(UsageError(format!(
            "-o: rfm writes CSV, not .{ext} workbooks; name the file .csv (--excel makes a CSV that Excel opens in European locales)"
        )));
    }
    let format = match (output.format, &out_path) {
        (Some(f), _) => f,
        (None, Some(path)) => Format::from_extension(path).unwrap_or(Format::Csv),
        (None, None) if output.excel => Format::Csv,
        (None, None) => {
            if env.stdout_tty {
                Format::Table
            } else {
                Format::Csv
            }
        }
    };
    if output.excel && format != Format::Csv {
        let why = if output.format.is_some() {
            "--format"
        } else {
            "the -o file name"
        };
        return Err(UsageError(format!(
            "--excel writes CSV, but {why} asks for {}",
            format_name(format)
        )));
    }
    if format == Format::Parquet {
        match &out_path {
            None => {
                return Err(UsageError(
                    "--format parquet writes a file: add -o FILE.parquet".into(),
                ));
            }
            Some(path)
                if path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    e.eq_ignore_ascii_case("gz") || e.eq_ignore_ascii_case("zst")
                }) =>
            {
                return Err(UsageError(format!(
                    "-o {}: Parquet is compressed inside; name the file .parquet",
                    path.display()
                )));
            }
            Some(_) => {}
        }
    }
    let rows = match (output.rows, format) {
        (None, Format::Table) => Some(TABLE_ROWS),
        (None | Some(RowLimit::All), _) => None,
        (Some(RowLimit::First(n)), Format::Table) => Some(n),
        (Some(RowLimit::First(_)), other) => {
            return Err(UsageError(format!(
                "--rows limits the table format; {} holds every row",
                format_name(other)
            )));
        }
    };
    let to_terminal = out_path.is_none() && env.stdout_tty;
    let color = match output.color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => to_terminal && !env.no_color,
    };
    Ok(OutputOptions {
        format,
        path: out_path,
        render: RenderOptions {
            excel: output.excel,
            color,
            fit_terminal: to_terminal,
            rows,
        },
        decimals: output.decimals,
    })
}

/// The segment definition of `--segments` (a preset, or a TOML file read
/// here), in the language of `--lang`.
pub(crate) fn definition(args: &SegmentArgs) -> anyhow::Result<Definition> {
    if let Some(preset) = Preset::find(&args.segments) {
        return Ok(Definition::preset(preset, args.lang));
    }
    let path = std::path::Path::new(&args.segments);
    let text = std::fs::read_to_string(path).map_err(|e| {
        let presets: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
        anyhow::anyhow!(
            "--segments {}: cannot read it ({e}); give a TOML file or a preset: {}",
            args.segments,
            presets.join(", ")
        )
    })?;
    Ok(definition_file::parse(&text, &args.segments, args.lang)?)
}

/// Checks that every metric has as many score levels as the definition's
/// rules are written for.
pub(crate) fn check_levels(scoring: &Scoring, definition: &Definition) -> Result<(), UsageError> {
    for (metric, flag, rule) in [
        ("r", "--r-bins", &scoring.r),
        ("f", "--f-bins", &scoring.f),
        ("m", "--m-bins", &scoring.m),
    ] {
        let levels = rule.levels();
        if levels == definition.levels {
            continue;
        }
        let (source, fix) = match rule {
            Binning::Method(..) => (
                format!("--bins {levels}"),
                format!("use --bins {}", definition.levels),
            ),
            Binning::Fixed(points) => (
                format!("{flag} ({} break points)", points.len()),
                format!("give {flag} {} break points", definition.levels - 1),
            ),
        };
        return Err(UsageError(format!(
            "--segments {} is defined on scores 1-{}, but {source} gives {metric} scores 1-{levels}: {fix}, or use a segments file with levels = {levels} (docs/segments.md)",
            definition.name, definition.levels
        )));
    }
    Ok(())
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Table => "table",
        Format::Csv => "csv",
        Format::Tsv => "tsv",
        Format::Json => "json",
        Format::Ndjson => "ndjson",
        Format::Parquet => "parquet",
    }
}

fn parse_delimiter(s: &str) -> Result<u8, UsageError> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        // Runs of spaces (columns aligned with spaces).
        " " | "space" | "spaces" | "whitespace" => Ok(b' '),
        "\"" | "\n" | "\r" => Err(UsageError(format!(
            "--delimiter: {s:?} cannot separate fields (it quotes them or ends lines)"
        ))),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(UsageError(format!(
            "--delimiter: '{s}' is not a single ASCII character (or 'tab')"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn env(stdout_tty: bool, no_color: bool) -> Environment {
        Environment {
            stdin_tty: false,
            stdin_file: false,
            stdout_tty,
            stderr_tty: stdout_tty,
            no_color,
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            switches: TestSwitches::default(),
        }
    }

    fn resolve_args(args: &[&str], env: &Environment) -> Result<RunOptions, UsageError> {
        let cli = Cli::try_parse_from(args).unwrap();
        let Command::Summary(a) = cli.command else {
            panic!()
        };
        resolve(&a.input, &a.method, &a.explain, &a.output, env)
    }

    #[test]
    fn default_format_follows_the_terminal_and_the_file_name() {
        let tty = env(true, false);
        let pipe = env(false, false);
        assert_eq!(
            resolve_args(&["rfm", "summary"], &tty)
                .unwrap()
                .output
                .format,
            Format::Table
        );
        assert_eq!(
            resolve_args(&["rfm", "summary"], &pipe)
                .unwrap()
                .output
                .format,
            Format::Csv
        );
        let o = resolve_args(&["rfm", "summary", "-o", "x.json"], &tty).unwrap();
        assert_eq!(o.output.format, Format::Json);
        let o = resolve_args(&["rfm", "summary", "-o", "x.out"], &tty).unwrap();
        assert_eq!(o.output.format, Format::Csv);
    }

    #[test]
    fn color_only_on_a_terminal_without_no_color() {
        let color =
            |args: &[&str], e: &Environment| resolve_args(args, e).unwrap().output.render.color;
        assert!(color(&["rfm", "summary"], &env(true, false)));
        assert!(!color(&["rfm", "summary"], &env(true, true)));
        assert!(!color(&["rfm", "summary"], &env(false, false)));
        assert!(!color(
            &["rfm", "summary", "-o", "t.txt"],
            &env(true, false)
        ));
        assert!(color(
            &["rfm", "summary", "--color", "always"],
            &env(false, true)
        ));
        assert!(!color(
            &["rfm", "summary", "--color", "never"],
            &env(true, false)
        ));
    }

    #[test]
    fn usage_problems() {
        let e = env(false, false);
        assert!(resolve_args(&["rfm", "summary", "--excel", "-f", "json"], &e).is_err());
        assert!(
            resolve_args(
                &[
                    "rfm",
                    "summary",
                    "--since",
                    "2025-02-01",
                    "--until",
                    "2025-01-01"
                ],
                &e
            )
            .is_err()
        );
        assert!(resolve_args(&["rfm", "summary", "--as-of", "31/12/2025"], &e).is_err());
        assert!(resolve_args(&["rfm", "summary", "--delimiter", ";;"], &e).is_err());
        assert!(resolve_args(&["rfm", "summary", "--date-format", "%d/%m"], &e).is_err());
        assert!(resolve_args(&["rfm", "summary", "-", "-"], &e).is_err());
        assert!(resolve_args(&["rfm", "summary", "--rejects", "-"], &e).is_err());
        assert!(resolve_args(&["rfm", "summary", "-o", "book.xlsx"], &e).is_err());
        let err = resolve_args(&["rfm", "summary", "--excel", "-o", "r.json"], &e).unwrap_err();
        assert!(err.0.contains("-o file name"), "{}", err.0);
    }

    #[test]
    fn as_of_today_and_delimiters() {
        let e = env(false, false);
        let o = resolve_args(
            &["rfm", "summary", "--as-of", "today", "--delimiter", "tab"],
            &e,
        )
        .unwrap();
        assert_eq!(o.params.as_of, Some(to_day(e.today)));
        assert_eq!(o.load.delimiter, Some(b'\t'));
        let o = resolve_args(&["rfm", "summary", "--rejects", "r.csv"], &e).unwrap();
        assert!(o.load.skip_bad_rows, "--rejects implies --skip-bad-rows");
    }
}
