//! The run shared by every data command: load, aggregate, score, and note
//! what happened. This is the one place that sequences I/O (loading) and the
//! pure core (engine -> analysis), so commands stay short.

use crate::cli::MethodArgs;
use crate::dates::{Day, from_day};
use crate::engine::{self, Counting, Fold, Grouping, Outcome, Returns, Stats};
use crate::error::InputError;
use crate::input::{self, ColumnMap, InputPath, LoadReport, LoadSettings, Rereads, Source};
use crate::notes::{Notes, count};
use crate::options::{self, RunOptions};
use crate::output;
use crate::score::analysis::{self, Analysis, ScoredCustomer, Thresholds};
use crate::score::definition::Definition;
use crate::score::explain;
use crate::score::predicted::{self, Prediction};

/// What every data command does after resolving its options (and
/// adjusting them): resolves the segment definition, checks that it fits
/// the scoring, runs [`analyze`] and prints `--explain`.
pub(crate) fn run_resolved(
    opts: RunOptions,
    method: &MethodArgs,
) -> anyhow::Result<(RunOptions, Analysis)> {
    let definition = options::definition(&method.segments)?;
    options::check_levels(&opts.scoring, &definition)?;
    let notes = if opts.terse {
        Notes::warnings_only(opts.quiet)
    } else {
        Notes::new(opts.quiet)
    };
    let analysis = analyze(&opts, definition, &notes)?;
    if opts.explain {
        match &analysis.by {
            None => explain::print(&analysis, opts.output.decimals)?,
            Some(by) => {
                for (g, group) in analysis.groups.iter().enumerate() {
                    eprintln!("{by} = {}:", group.name);
                    explain::print(&analysis.for_group(g), opts.output.decimals)?;
                }
            }
        }
        if let Some(prediction) = &analysis.prediction {
            eprint!("{}", prediction.explain());
        }
    }
    Ok((opts, analysis))
}

/// Reads, aggregates and scores, printing notes as it goes.
///
/// The inputs are read once into the engine's fold, grouping orders as runs
/// (their lines arrive together, as exports are written). If some order
/// turns out to be scattered, the inputs are read again with the exact hash
/// grouping: regular files from disk (stdin redirected from a file is that
/// file), stdin and pipes from the copy the input layer kept of them
/// (docs/decisions.md, "One engine").
pub fn analyze(
    opts: &RunOptions,
    definition: Definition,
    notes: &Notes,
) -> anyhow::Result<Analysis> {
    let (agg, ids, report) = load(opts, notes)?;
    score_loaded(agg, ids, report, opts, definition, notes)
}

/// The engine's aggregate of the inputs (see [`analyze`]): read, grouped
/// into orders and folded, with the reading notes printed.
fn load(
    opts: &RunOptions,
    notes: &Notes,
) -> anyhow::Result<(engine::Aggregate, Vec<engine::CustomerId>, LoadReport)> {
    // Said once, however many times the inputs are read.
    let mut announced = false;
    let mut announce = |map: &ColumnMap, source: Source| {
        if std::mem::replace(&mut announced, true) {
            return;
        }
        let shown = match source {
            Source::Csv { delimiter: b'\t' } => "delimiter 'tab'".to_owned(),
            Source::Csv { delimiter: b' ' } => "columns aligned with spaces".to_owned(),
            Source::Csv { delimiter } => format!("delimiter '{}'", delimiter as char),
            Source::Parquet => "Parquet".to_owned(),
        };
        notes.note(format_args!("columns: {} ({shown})", map.describe()));
    };
    // The same file twice: its orders count once when there is an order
    // column (overlapping inputs), its rows twice otherwise.
    let mut seen = std::collections::HashSet::new();
    for path in &opts.load.paths {
        if let InputPath::File(file) = path
            && let Ok(canonical) = std::fs::canonicalize(file)
            && !seen.insert(canonical)
        {
            notes.warn(format_args!(
                "{} is given more than once: an order in it counts once when there is an order \
                 column, its rows count again otherwise",
                file.display()
            ));
        }
    }
    let mut grouping = opts.grouping.unwrap_or(Grouping::Runs);
    let (mut outcome, mut report) = fold(&opts.load, opts, grouping, &mut announce)?;
    // The copies of stdin and pipes stay alive until the last reading.
    let rereads = std::mem::take(&mut report.rereads);
    let skip = report.read_again_without.take();
    let scattered = matches!(outcome, Outcome::NotContiguous);
    if scattered || skip.is_some() {
        let why = if scattered {
            notes.note("the rows of some orders are not next to each other: grouping all order lines by order id");
            grouping = Grouping::Hash;
            "the rows of some orders are not next to each other"
        } else {
            "some orders are in several inputs"
        };
        let mut again = replay(&opts.load, &rereads, why)?;
        again.skip = skip;
        let (second, second_report) = fold(&again, opts, grouping, &mut announce)?;
        outcome = second;
        report = LoadReport {
            rereads: Vec::new(),
            // What the first reading found, which the second left out.
            overlaps: std::mem::take(&mut report.overlaps),
            changed: report.changed.take(),
            ..second_report
        };
        if matches!(outcome, Outcome::NotContiguous) {
            // Not reachable (leaving whole orders out keeps the others'
            // lines together), but exact either way.
            let (third, third_report) = fold(&again, opts, Grouping::Hash, &mut announce)?;
            outcome = third;
            report = LoadReport {
                rereads: Vec::new(),
                overlaps: std::mem::take(&mut report.overlaps),
                changed: report.changed.take(),
                ..third_report
            };
        }
    }
    // No reading follows (`--segment-since` refuses stdin and pipes).
    input::discard_rereads(rereads);
    after_load(&report, opts, notes)?;
    let Outcome::Done(result) = outcome else {
        anyhow::bail!("orders still scattered after grouping them by id");
    };
    let (agg, ids) = result.map_err(|e| match e {
        // Statuses that left every order out are the likely reason.
        InputError::NoPurchases { mut detail } => {
            let left: u64 = report.statuses.iter().filter(|s| !s.3).map(|s| s.1).sum();
            if left > 0 {
                detail.push_str(&format!(
                    "; the order statuses left out {} (see the status note): --count-status LIST \
                     names the statuses that are sales, --status none ignores them",
                    count(left, "order")
                ));
            }
            InputError::NoPurchases { detail }
        }
        other => other,
    })?;
    Ok((agg, ids, report))
}

/// `rfm history`: the inputs read once, each customer's orders summed per
/// period of `every` (engine::Every), ready to be scored at the end of
/// every period (score::history). Returns the definition (switched to
/// recency and frequency for a file without amounts), the scale and
/// whether amounts were read.
pub(crate) fn history(
    opts: &RunOptions,
    definition: Definition,
    notes: &Notes,
) -> anyhow::Result<(crate::score::history::Timeline, Definition, LoadReport)> {
    let (mut agg, ids, report) = load(opts, notes)?;
    let definition = if report.no_amount {
        for c in &mut agg.customers {
            c.monetary = 0;
        }
        without_amounts(definition, opts, notes)?
    } else {
        definition
    };
    let timeline = crate::score::history::Timeline::new(agg.customers, &ids);
    Ok((timeline, definition, report))
}

/// `--segment-since`: for each of the analysis' customers, in their current
/// order, the end of the first period since which the customer has been in
/// its segment at every period end up to the run's as-of date (the periods
/// ending before it), and still is; the day before the as-of date (the
/// last day counted) when it was not in it at the last period end, or had
/// not bought by then. The inputs are read a second time, per period
/// (`history`).
pub(crate) fn segment_since(
    opts: &RunOptions,
    analysis: &Analysis,
    every: engine::Every,
) -> anyhow::Result<Vec<Day>> {
    let periods = whole_periods(opts, analysis, every, "--segment-since")?;
    let last_day = analysis.as_of - 1;
    let runs = match &periods.range {
        Some(range) => crate::score::history::segment_runs(
            &periods.timeline,
            every,
            range.clone(),
            periods.scale,
            &opts.scoring,
            &periods.definition,
        ),
        None => vec![None; periods.timeline.ids().len()],
    };
    let timeline = &periods.timeline;
    Ok(analysis
        .customers
        .iter()
        .map(|c| {
            let code = timeline.ids().binary_search(&c.id).ok();
            match code.and_then(|code| runs[code]) {
                Some((segment, since)) if segment == c.segment => since,
                _ => last_day,
            }
        })
        .collect())
}

/// `rfm report --trend N`: the segment sizes and moves of the last `n`
/// whole periods before the analysis' as-of date.
pub(crate) fn trend(
    opts: &RunOptions,
    analysis: &Analysis,
    every: engine::Every,
    n: u32,
) -> anyhow::Result<Vec<crate::score::history::TrendPeriod>> {
    let periods = whole_periods(opts, analysis, every, "--trend")?;
    Ok(match periods.range {
        Some(range) => crate::score::history::trend(
            &periods.timeline,
            every,
            (*range.end() - n as i32 + 1).max(*range.start())..=*range.end(),
            periods.scale,
            &opts.scoring,
            &periods.definition,
        ),
        None => Vec::new(),
    })
}

/// The inputs read a second time per period (see [`history`]), and the
/// whole periods before the analysis' as-of date that hold a purchase.
struct WholePeriods {
    timeline: crate::score::history::Timeline,
    definition: Definition,
    scale: u8,
    /// From the first period with a purchase to the last whole period
    /// before the as-of date; `None` when there is none.
    range: Option<std::ops::RangeInclusive<i32>>,
}

fn whole_periods(
    opts: &RunOptions,
    analysis: &Analysis,
    every: engine::Every,
    flag: &str,
) -> anyhow::Result<WholePeriods> {
    if let Some(path) = opts.load.paths.iter().find(|p| !p.is_regular_file()) {
        return Err(crate::error::UsageError(format!(
            "{flag} reads the inputs twice, and {} can be read once: save it to a file and run \
             on that",
            path.display_name()
        ))
        .into());
    }
    if analysis.by.is_some() {
        return Err(crate::error::UsageError(format!(
            "{flag} with --by: not yet; run once per group with --where"
        ))
        .into());
    }
    let mut periods = opts.clone();
    periods.params.every = Some(every);
    periods.params.occasions = false;
    periods.params.as_of = Some(analysis.as_of);
    // Said once already, by the first reading.
    let silent = Notes::new(true);
    let (timeline, definition, report) = history(&periods, analysis.definition.clone(), &silent)?;
    let last_day = analysis.as_of - 1;
    let mut last = every.period(last_day);
    if every.last_day(last) > last_day {
        // The as-of date falls inside a period: the one before is the last
        // whole one.
        last -= 1;
    }
    let range = match timeline.purchase_periods() {
        Some((first, _)) if first <= last => Some(first..=last),
        _ => None,
    };
    Ok(WholePeriods {
        timeline,
        definition,
        scale: report.scale,
        range,
    })
}

/// Scores what [`load`] read (the rest of [`analyze`]).
fn score_loaded(
    mut agg: engine::Aggregate,
    ids: Vec<engine::CustomerId>,
    mut report: LoadReport,
    opts: &RunOptions,
    mut definition: Definition,
    notes: &Notes,
) -> anyhow::Result<Analysis> {
    let scale = report.scale;
    if report.no_amount {
        definition = without_amounts(definition, opts, notes)?;
        // Every line counted as one unit so that every order is a
        // purchase; no monetary value is known.
        for c in &mut agg.customers {
            c.monetary = 0;
        }
    }
    // The prediction needs the customers' occasions and net values only:
    // fitted on a thread of its own while the customers are scored (each
    // keeps about one and a half cores busy).
    let occasions = std::mem::take(&mut agg.occasions);
    let monetary = match opts.predict {
        Some(_) => monetary_by_code(&agg.customers, occasions.len()),
        None => Vec::new(),
    };
    let kept = kept_values(&agg.customers, &ids, &report);
    // Freed before the customers are scored: the values are in `kept`.
    report.kept = Default::default();
    let grouped = opts.load.extras.by.is_some();
    let (prediction, (mut customers, groups)) = std::thread::scope(|scope| {
        let prediction = opts.predict.as_ref().map(|options| {
            let (occasions, monetary) = (&occasions, &monetary);
            let (as_of, until, amounts) = (agg.as_of, opts.params.until, !report.no_amount);
            scope.spawn(move || {
                let started = std::time::Instant::now();
                predicted::predict(occasions, monetary, as_of, until, scale, amounts, options)
                    .map(|prediction| (prediction, started.elapsed()))
            })
        });
        let scored = score_groups(
            agg.customers,
            ids,
            &kept,
            opts.params.as_of,
            agg.as_of,
            scale,
            opts,
            &definition,
        );
        let prediction = prediction.map(|thread| {
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        (prediction, scored)
    });
    drop((occasions, monetary));
    let prediction = match prediction.transpose()? {
        Some((prediction, took)) => {
            note_prediction(&prediction, took, notes);
            if opts.params.since.is_some() {
                notes.note(format_args!(
                    "--predict with --since: a customer's history starts at their first \
                     purchase on or after --since, as if they had not bought before"
                ));
            }
            Some(prediction)
        }
        None => None,
    };
    drop(kept);
    let prediction = prediction.map(|p| p.in_order_of(&mut customers));
    let thresholds = groups
        .first()
        .map(|g| g.thresholds.clone())
        .unwrap_or_default();
    if grouped {
        notes.note(format_args!(
            "{} by {}: each scored against its own customers",
            count(groups.len() as u64, "group"),
            report
                .by_column
                .as_deref()
                .map(crate::error::shown)
                .unwrap_or_default()
        ));
    }
    note_scoring(
        &agg.stats,
        agg.as_of,
        customers.len(),
        &thresholds,
        report.no_amount,
        opts,
        notes,
    );
    // Counted by the engine (a pass over the scored customers took 8 ms at
    // 1.4M); the customers are searched for the first one only when there
    // is one. Without amounts, monetary values are zero here.
    let negative = if report.no_amount {
        0
    } else {
        agg.stats.negative_monetary
    };
    if negative > 0
        && let Some(first) = customers.iter().find(|c| c.monetary < 0)
    {
        notes.warn(format_args!(
            "{} a negative monetary value (e.g. '{}'): more returned or credited than bought{}",
            if negative == 1 {
                "1 customer has".to_owned()
            } else {
                format!("{} customers have", crate::notes::thousands(negative))
            },
            crate::error::shown(&first.id),
            if report.status_column.is_some() {
                "; a cancelled invoice left out by its status while its reversal counts does \
                 this (the status note shows which statuses were left out)"
            } else {
                ""
            }
        ));
    }
    note_segments(&definition, &customers, notes);
    let (kept_headers, renamed) = analysis::kept_headers(&report.kept_columns);
    for (name, header) in renamed {
        notes.note(format_args!(
            "--keep {}: written as column '{header}' (rfm writes a '{name}' column of its own)",
            crate::error::shown(&name)
        ));
    }
    Ok(Analysis {
        monetary: !report.no_amount,
        customers,
        as_of: groups.iter().map(|g| g.as_of).max().unwrap_or(agg.as_of),
        scale,
        thresholds,
        scoring: opts.scoring.clone(),
        definition,
        by: report.by_column.clone(),
        kept: report.kept_columns.clone(),
        kept_headers,
        groups,
        load: report,
        prediction: prediction.map(std::sync::Arc::new),
    })
}

/// Each customer's net monetary value by customer code (`--predict`'s spend
/// model charges returns to the repeat purchases).
fn monetary_by_code(metrics: &[engine::CustomerMetrics], customers: usize) -> Vec<i64> {
    let mut monetary = vec![0i64; customers];
    for m in metrics {
        if let Some(slot) = monetary.get_mut(m.customer as usize) {
            *slot = m.monetary;
        }
    }
    monetary
}

/// Notes what `--predict` fitted, and warns when it may mislead.
fn note_prediction(prediction: &Prediction, took: std::time::Duration, notes: &Notes) {
    let options = &prediction.options;
    let fit = &prediction.fit;
    notes.note(format_args!(
        "--predict {}: {} fitted on {} ({} with a repeat purchase, {}) in {:.2} s{}",
        options.horizon,
        fit.model.name(),
        count(prediction.customers, "customer"),
        crate::notes::thousands(prediction.repeat_buyers),
        match prediction.histories {
            1 => "1 distinct history".to_owned(),
            n => format!("{} distinct histories", crate::notes::thousands(n as u64)),
        },
        took.as_secs_f64(),
        if fit.converged {
            ""
        } else {
            "; the fit did NOT converge (see --explain)"
        },
    ));
    if prediction.unpredicted > 0 {
        notes.warn(format_args!(
            "--predict: {} without a prediction (no purchase worth more than zero, or dates \
             thousands of years apart): their predicted columns are empty",
            count(prediction.unpredicted, "customer")
        ));
    }
    if let Some(error) = &prediction.spend_error {
        notes.warn(format_args!(
            "--predict: the spend model (Gamma-Gamma) could not be fitted, so expected_avg_value \
             and clv are empty: {error}"
        ));
    }
    if !fit.converged {
        notes.warn(format_args!(
            "--predict: {} did not converge; its predictions are unreliable",
            fit.model.name()
        ));
    }
    if let Some(r) = prediction.correlation
        && r.abs() > predicted::STRONG_CORRELATION
    {
        notes.warn(format_args!(
            "--predict: repeat buyers' number of purchases and average value are correlated \
             ({r:.2}); the spend model assumes they are independent, so expected_avg_value and clv \
             lean {} (docs/predict.md)",
            if r > 0.0 {
                "low for frequent buyers"
            } else {
                "high for frequent buyers"
            }
        ));
    }
}

/// Each customer's `--keep` values (by customer code): those of the last
/// line of its latest purchase, which the engine located; none without
/// `--keep`.
fn kept_values(
    metrics: &[engine::CustomerMetrics],
    ids: &[engine::CustomerId],
    report: &LoadReport,
) -> Vec<Option<Box<[Box<str>]>>> {
    if report.kept_columns.is_empty() {
        return Vec::new();
    }
    let mut kept = vec![None; ids.len()];
    let blank: Box<[Box<str>]> = report.kept_columns.iter().map(|_| Box::from("")).collect();
    for m in metrics {
        let id = &ids[m.customer as usize];
        let values = report.kept.values(id, m.last_at).unwrap_or(&blank);
        kept[m.customer as usize] = Some(values.into());
    }
    kept
}

/// Scores the customers, per `--by` group when there are groups: each
/// group against its own customers, with its own as-of date (`--as-of`,
/// or the day after the group's latest purchase), as in a run on the
/// group's rows alone. The customers come out sorted by group, then id.
#[allow(clippy::too_many_arguments)]
fn score_groups(
    metrics: Vec<engine::CustomerMetrics>,
    ids: Vec<engine::CustomerId>,
    kept: &[Option<Box<[Box<str>]>>],
    as_of: Option<Day>,
    overall: Day,
    scale: u8,
    opts: &RunOptions,
    definition: &Definition,
) -> (Vec<ScoredCustomer>, Vec<analysis::Group>) {
    if opts.load.extras.by.is_none() {
        let customers_count = metrics.len();
        let (customers, thresholds) = analysis::score_customers(
            metrics,
            &ids,
            kept,
            overall,
            scale,
            &opts.scoring,
            definition,
        );
        let group = analysis::Group {
            name: String::new(),
            as_of: overall,
            thresholds,
            customers: customers_count,
        };
        return (customers, vec![group]);
    }
    // The customers of each group, by group name.
    let mut by_group: std::collections::BTreeMap<&str, Vec<engine::CustomerMetrics>> =
        std::collections::BTreeMap::new();
    for m in &metrics {
        let (group, _) = input::extras::split(&ids[m.customer as usize]);
        by_group.entry(group).or_default().push(*m);
    }
    let mut customers = Vec::with_capacity(metrics.len());
    let mut groups = Vec::with_capacity(by_group.len());
    for (index, (name, members)) in by_group.into_iter().enumerate() {
        let mut group_ids = Vec::with_capacity(members.len());
        let mut group_kept = Vec::with_capacity(if kept.is_empty() { 0 } else { members.len() });
        let members: Vec<engine::CustomerMetrics> = members
            .into_iter()
            .map(|mut m| {
                let code = m.customer as usize;
                let (_, id) = input::extras::split(&ids[code]);
                m.customer = group_ids.len() as u32;
                group_ids.push(engine::CustomerId::from(id));
                if !kept.is_empty() {
                    group_kept.push(kept[code].clone());
                }
                m
            })
            .collect();
        let group_as_of = as_of.unwrap_or_else(|| {
            members
                .iter()
                .map(|m| m.last)
                .max()
                .map_or(overall, |d| d + 1)
        });
        let size = members.len();
        let (scored, thresholds) = analysis::score_customers(
            members,
            &group_ids,
            &group_kept,
            group_as_of,
            scale,
            &opts.scoring,
            definition,
        );
        customers.extend(scored.into_iter().map(|mut c| {
            c.group = index as u32;
            c
        }));
        groups.push(analysis::Group {
            name: name.to_owned(),
            as_of: group_as_of,
            thresholds,
            customers: size,
        });
    }
    (customers, groups)
}

/// The definition for a file without amounts: one on recency and
/// frequency only. The default grid becomes the R x F grid (`rf-grid`),
/// with a warning; a definition that reads m or fm is an error.
fn without_amounts(
    definition: Definition,
    opts: &RunOptions,
    notes: &Notes,
) -> anyhow::Result<Definition> {
    use crate::score::definition::{Preset, Shape};
    let switched =
        definition.shape != Shape::RF && definition.preset && definition.name == "default";
    if definition.shape != Shape::RF && !switched {
        return Err(crate::error::UsageError(format!(
            "there is no amount column, and the segment definition '{}' reads the monetary score: \
             use --segments rf-grid (recency and frequency), or name the amount with --amount COL",
            definition.name
        ))
        .into());
    }
    notes.warn(format_args!(
        "no amount column (amount, total, importo, importe, Betrag...): customers are scored on \
         recency and frequency only{}; monetary, m and fm are left empty (--amount COL names one)",
        if switched {
            ", with the R x F grid (--segments rf-grid)"
        } else {
            ""
        }
    ));
    Ok(if switched {
        Definition::preset(Preset::RfGrid, opts.lang)
    } else {
        definition
    })
}

/// The inputs to read a second time: regular files as they are, the others
/// from their copies.
fn replay(load: &LoadSettings, rereads: &Rereads, why: &str) -> anyhow::Result<LoadSettings> {
    let mut paths = Vec::with_capacity(load.paths.len());
    for (i, path) in load.paths.iter().enumerate() {
        if path.is_regular_file() {
            paths.push(path.clone());
            continue;
        }
        let name = path.display_name();
        match rereads.get(i) {
            Some(Some(Ok(copy))) => paths.push(InputPath::Replay {
                name,
                path: copy.path().to_owned(),
            }),
            Some(Some(Err(because))) => anyhow::bail!(
                "{why}, and {name} cannot be read twice ({because}): save it to a file and run on that"
            ),
            _ => anyhow::bail!(
                "{why}, and {name} cannot be read twice: save it to a file and run on that"
            ),
        }
    }
    Ok(LoadSettings {
        paths,
        keep_rereadable: false,
        ..load.clone()
    })
}

/// One pass over the inputs: the input layer feeds one fold per worker,
/// and the folds are merged.
fn fold(
    load: &LoadSettings,
    opts: &RunOptions,
    grouping: Grouping,
    announce: &mut dyn FnMut(&ColumnMap, Source),
) -> Result<(Outcome, LoadReport), InputError> {
    let workers = load.workers.max(1);
    let folds: Vec<Fold> = engine::mailboxes(workers)
        .into_iter()
        .enumerate()
        .map(|(me, mailbox)| Fold::worker(opts.params, grouping, me, mailbox))
        .collect();
    let (report, folds) = input::read(load, folds, announce)?;
    let outcome = Fold::merge(opts.params, grouping, folds, report.scale)
        .map_err(|_| InputError::TooMany { what: "customers" })?;
    Ok((outcome, report))
}

/// Once every input has been read: `--rejects`, the reading notes, and the
/// check that some row was usable.
fn after_load(report: &LoadReport, opts: &RunOptions, notes: &Notes) -> anyhow::Result<()> {
    if let Some(path) = &opts.rejects {
        // The input was read completely: the list is whole, so it is written
        // even if scoring fails below (it is what explains the failure).
        output::write_rejects(path, &report.header, &report.rejected)?;
        notes.note(format_args!(
            "wrote {} to {}",
            count(report.rejected_count, "rejected row"),
            path.display()
        ));
    }
    note_load(report, opts, notes);
    if report.filtered > 0
        && report.rows() == report.filtered + report.missing_customer + report.rejected_count
    {
        let filter = opts
            .load
            .extras
            .filter
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        return Err(crate::error::UsageError(format!(
            "--where {filter} leaves no row to score: it left out {} of {}",
            crate::notes::thousands(report.filtered),
            count(report.rows(), "row")
        ))
        .into());
    }
    if report.rows() == report.missing_customer + report.rejected_count {
        let first = report
            .first_rejected
            .as_ref()
            .map(|r| format!("; first bad row: {}:{}: {}", r.file, r.line, r.reason))
            .unwrap_or_default();
        let files: Vec<&str> = report.files.iter().map(|(f, _)| f.as_str()).collect();
        return Err(InputError::NoUsableRows {
            files: files.join(", "),
            rows: report.rows(),
            missing_customer: report.missing_customer,
            rejected: report.rejected_count,
            first,
        }
        .into());
    }
    Ok(())
}

fn note_load(report: &LoadReport, opts: &RunOptions, notes: &Notes) {
    for (file, how) in &report.file_notes {
        notes.note(format_args!("{file}: {how}"));
    }
    let names: Vec<&str> = report.files.iter().map(|(n, _)| n.as_str()).collect();
    notes.note(format_args!(
        "read {} from {}",
        count(report.rows(), "row"),
        names.join(", ")
    ));
    if let Some(filter) = &opts.load.extras.filter {
        notes.note(format_args!(
            "--where {filter}: kept {}, left out {} (customers are scored against the \
             customers left)",
            count(report.rows() - report.filtered, "row"),
            crate::notes::thousands(report.filtered)
        ));
    }
    if report.missing_customer > 0 {
        notes.note(format_args!(
            "dropped {} without a customer id",
            count(report.missing_customer, "row")
        ));
    }
    if let Some(first) = &report.first_rejected {
        let whereto = match &opts.rejects {
            Some(_) => "",
            None => " (--rejects FILE keeps them)",
        };
        notes.note(format_args!(
            "skipped {}{whereto}; first: {}:{}: {}",
            count(report.rejected_count, "bad row"),
            first.file,
            first.line,
            first.reason
        ));
    }
    if report.item_lines + report.repeated_lines > 0 {
        let mut what = Vec::new();
        if report.item_lines > 0 {
            what.push(format!(
                "{} without them",
                count(report.item_lines, "item line")
            ));
        }
        if report.repeated_lines > 0 {
            what.push(format!(
                "{} repeating them",
                count(report.repeated_lines, "line")
            ));
        }
        notes.note(format_args!(
            "the amount is each order's total: taken once per order, from the line that has it ({}; --amount-per line adds up the lines instead)",
            what.join(", ")
        ));
    }
    if let Some(example) = &report.shortened_example {
        notes.warn(format_args!(
            "{} with a customer id that looks like a number a spreadsheet shortened (e.g. '{}'): \
             ids that lost their last digits may have become one customer; export the id column \
             as text",
            count(report.shortened_ids, "row"),
            crate::error::shown(example)
        ));
    }
    if let Some(order) = &report.order_without_total {
        notes.warn(format_args!(
            "{} {} only lines without the order's total (e.g. order '{}'): left out; \
             --amount-per line if the amount is each line's",
            crate::notes::thousands(report.orders_without_total),
            if report.orders_without_total == 1 {
                "order has"
            } else {
                "orders have"
            },
            crate::error::shown(order)
        ));
    }
    if let Some((orders, example)) = &report.changed {
        notes.note(format_args!(
            "{} other values in a later input: each read from the last input it is in (--keep-latest), e.g. {example}",
            if *orders == 1 {
                "1 order has".to_owned()
            } else {
                format!("{} orders have", crate::notes::thousands(*orders))
            }
        ));
    }
    for (file, orders, earlier) in &report.overlaps {
        notes.note(format_args!(
            "{file}: {} also in {earlier}, with the same values: counted once",
            count(*orders, "order")
        ));
    }
    // Statuses and currencies are counted by order (an order's lines once).
    if let Some(column) = &report.status_column {
        let shown = |list: Vec<&(String, u64, i128, bool)>| -> String {
            let items: Vec<String> = list
                .iter()
                .map(|(status, rows, amount, _)| {
                    let name = if status.is_empty() {
                        "(empty)"
                    } else {
                        status.as_str()
                    };
                    let mut money = String::new();
                    crate::money::write_scaled(*amount, 18, 2, '.', &mut money);
                    if report.no_amount {
                        // No amounts were read: the units are not money.
                        format!("{name} {}", count(*rows, "order"))
                    } else {
                        format!("{name} {} {money}", count(*rows, "order"))
                    }
                })
                .collect();
            if items.is_empty() {
                "none".to_owned()
            } else {
                items.join(", ")
            }
        };
        let (kept, dropped): (Vec<_>, Vec<_>) = report.statuses.iter().partition(|s| s.3);
        notes.note(format_args!(
            "order status from column '{column}': counted {}; left out {} (--count-status or --drop-status LIST to choose, --status none to ignore)",
            shown(kept),
            shown(dropped)
        ));
    }
    if let Some(column) = &report.currency_column
        && report.currencies.iter().any(|c| c.2.0 > 0)
    {
        let money_of = |amount: i128| {
            let mut money = String::new();
            crate::money::write_scaled(amount, 18, 2, '.', &mut money);
            money
        };
        let kept: Vec<String> = report
            .currencies
            .iter()
            .filter(|c| c.1.0 > 0)
            .map(|(code, (rows, amount), _)| {
                format!("{code} {} {}", count(*rows, "order"), money_of(*amount))
            })
            .collect();
        let left: Vec<String> = report
            .currencies
            .iter()
            .filter(|c| c.2.0 > 0)
            .map(|(code, _, (rows, amount))| {
                format!("{code} {} {}", count(*rows, "order"), money_of(*amount))
            })
            .collect();
        notes.note(format_args!(
            "currency from column '{column}' (--currency): kept {}; left out {}",
            if kept.is_empty() {
                "none".to_owned()
            } else {
                kept.join(", ")
            },
            left.join(", ")
        ));
    }
    // After the notes it sums up; printed by `rfm report` too.
    if let Some(warning) = report.dropped_warning() {
        notes.warn(warning);
    }
}

fn note_scoring(
    stats: &Stats,
    as_of: Day,
    scored: usize,
    thresholds: &Thresholds,
    no_amount: bool,
    opts: &RunOptions,
    notes: &Notes,
) {
    if opts.params.returns == Returns::Ignore && stats.negative_rows_dropped > 0 {
        notes.note(format_args!(
            "--returns ignore: dropped {} with a negative amount",
            count(stats.negative_rows_dropped, "row")
        ));
    }
    if stats.outside_window > 0 {
        notes.note(format_args!(
            "{} outside --since/--until not counted",
            count(stats.outside_window, "order")
        ));
    }
    if stats.after_as_of > 0 {
        notes.note(format_args!(
            "{} on or after the as-of date not counted",
            count(stats.after_as_of, "order")
        ));
    }
    let how = if opts.params.as_of.is_some() {
        "given"
    } else {
        "the day after the latest purchase"
    };
    notes.note(format_args!(
        "as of {} ({how})",
        from_day(as_of).format("%Y-%m-%d")
    ));
    if stats.without_purchase > 0 {
        notes.note(format_args!(
            "{} not scored: orders totalling zero or less only (no purchase)",
            count(stats.without_purchase, "customer")
        ));
    }
    if opts.params.counting == Counting::Rows {
        notes.note(
            "--scoring r-quantile: every row counts as a purchase and monetary sums all rows (no order grouping), as in R's rfm package",
        );
    }
    notes.note(format_args!("scored {}", count(scored as u64, "customer")));
    let mut empty = thresholds.empty_levels();
    if no_amount {
        // There is no monetary score to speak of.
        empty.retain(|(metric, _)| *metric != "m");
    }
    if !empty.is_empty() {
        let list: Vec<String> = empty.iter().map(|(m, l)| format!("{m}={l}")).collect();
        // Why, for each method that left a level empty.
        let mut why: Vec<&str> = Vec::new();
        for ((_, levels), binning) in thresholds.metrics().into_iter().zip(opts.scoring.metrics()) {
            let reason = binning.why_empty();
            if levels.iter().any(|l| l.customers == 0) && !why.contains(&reason) {
                why.push(reason);
            }
        }
        notes.warn(format_args!(
            "empty score levels: {} ({}; --explain shows every level)",
            list.join(", "),
            why.join("; ")
        ));
    }
}

/// Problems of the segment definition, and who they touch. A preset's gaps
/// are by design (documented), so only a user file's are warnings.
fn note_segments(definition: &Definition, customers: &[ScoredCustomer], notes: &Notes) {
    if !definition.preset {
        for problem in definition.problems() {
            notes.warn(format_args!("--segments {}: {problem}", definition.name));
        }
    }
    let Some(others) = definition.others else {
        return;
    };
    let fell = customers
        .iter()
        .filter(|c| usize::from(c.segment) == others)
        .count();
    let fell = count(fell as u64, "customer");
    let name = &definition.segments[others].name;
    if definition.preset {
        notes.note(format_args!(
            "--segments {}: {fell} fell to '{name}' (no rule of the preset matches their scores; `rfm rules --segments {}` shows which)",
            definition.name, definition.name
        ));
    } else {
        notes.note(format_args!("{fell} fell to '{name}'"));
    }
}
