//! `rfm sql`: the segmentation as one SQL query for a warehouse.
//!
//! Same shape as the other commands, without the data: the method and
//! segment flags are resolved exactly as `rfm customers` resolves them, and
//! `sql` turns them into text. Nothing is read but a `--segments` file and
//! a `--profile` file: the columns are named by flags, or by the profile
//! given (never detected, since the table is not read), and the rules that
//! decide which rows are sales (statuses, the profile's exclusions,
//! `--currency`, amount terms, order-level totals) are written into the
//! query (`sql::sales`).

use crate::cli::{ColumnArgs, SqlArgs};
use crate::dates::from_day;
use crate::error::UsageError;
use crate::fold::fold;
use crate::input::columns::ORDER_TOTAL;
use crate::input::filter::Filter;
use crate::input::{AmountPer, ProfileChoice, StatusRule};
use crate::options::{self, Environment};
use crate::output;
use crate::sql::{self, AmountSource, AsOf, Columns, Currency, Exclude, Output, Sales, Spec, Term};

/// Runs the command.
pub(crate) fn run(args: &SqlArgs, env: &Environment) -> anyhow::Result<()> {
    if let Some(horizon) = &args.predict {
        return Err(UsageError(format!(
            "--predict {horizon}: rfm sql does not predict: the models are fitted by maximum likelihood, \
             which is not one SQL query; run rfm customers --predict {horizon} on the exported orders \
             (docs/predict.md)"
        ))
        .into());
    }
    let columns = columns(&args.columns)?;
    // The order column a flag names: a profile's is left out by
    // `--scoring r-quantile` (which counts rows), as in `rfm customers`.
    let (params, scoring) =
        options::resolve_method(&args.method, args.columns.order.as_deref(), env)?;
    let definition = options::definition(&args.method.segments)?;
    options::check_levels(&scoring, &definition)?;
    // `--as-of today` is the warehouse's date when the query runs, so a
    // view stays current.
    let as_of = match (&args.method.as_of, params.as_of) {
        (Some(text), _) if options::is_today(text) => AsOf::Today,
        (_, Some(day)) => AsOf::Date(from_day(day)),
        (_, None) => AsOf::Latest,
    };
    if let Some(by) = &args.method.select.by
        && by.trim().is_empty()
    {
        return Err(UsageError(format!("--by: the column name is empty ('{by}')")).into());
    }
    let filter = filter(args)?;
    if args.summary && !args.keep.keep.is_empty() {
        return Err(UsageError(
            "--keep adds columns to the customers' rows; the --summary query has none".into(),
        )
        .into());
    }
    if let Some(name) = args.keep.keep.iter().find(|n| n.trim().is_empty()) {
        return Err(UsageError(format!("--keep: a column name is empty ('{name}')")).into());
    }
    // A column named twice is kept once, as in `rfm customers`.
    let mut keep: Vec<String> = Vec::with_capacity(args.keep.keep.len());
    for name in &args.keep.keep {
        if !keep.contains(name) {
            keep.push(name.clone());
        }
    }
    let spec = Spec {
        dialect: args.dialect,
        table: &args.table,
        columns: &columns,
        returns: params.returns,
        counting: params.counting,
        since: params.since.map(from_day),
        until: params.until.map(from_day),
        as_of,
        scoring: &scoring,
        definition: &definition,
        decimals: args.decimals,
        filter: &filter,
        keep: &keep,
        by: args.method.select.by.as_deref(),
    };
    let what = if args.summary {
        Output::Summary
    } else {
        Output::Customers
    };
    let mut text = sql::query(&spec, what).map_err(|e| UsageError(format!("--table {e}")))?;
    if let Some(view) = &args.create_view {
        text = sql::create_view(args.dialect, view, &text)
            .map_err(|e| UsageError(format!("--create-view {e}")))?;
    }
    output::write_to(options::output_path(args.output.as_deref()), |out| {
        out.write_all(text.as_bytes())
    })
}

/// `--where` as SQL conditions, one per expression; what the dialect
/// cannot write is a usage error naming the dialect and the part. Column
/// names are the table's, exactly as written (the table is not read, so
/// they cannot be matched loosely as `rfm customers` matches a header).
fn filter(args: &SqlArgs) -> Result<Vec<String>, UsageError> {
    let exprs = &args.method.select.filter;
    if exprs.is_empty() {
        return Ok(Vec::new());
    }
    let parsed = Filter::parse(exprs).map_err(|e| UsageError(e.to_string()))?;
    parsed
        .exprs()
        .iter()
        .zip(exprs)
        .map(|(expr, source)| {
            sql::filter::condition(args.dialect, expr)
                .map_err(|e| UsageError(format!("--where \"{source}\": {e}")))
        })
        .collect()
}

/// The column flags as the query needs them: customer, date and an amount
/// are required, since there is no header to detect them from; a
/// `--profile` names the ones the flags do not, with its rules (the table
/// is not read, so a profile is never detected).
fn columns(args: &ColumnArgs) -> Result<Columns, UsageError> {
    let profile = match args.profile.as_deref().map(ProfileChoice::parse) {
        Some(Ok(ProfileChoice::Use(p))) => Some(p),
        Some(Err(e)) => return Err(e),
        Some(Ok(_)) | None => None,
    };
    let p = profile.as_deref();
    let missing = |flag: &str, what: &str| {
        let also = match p {
            Some(p) => format!(" (profile {} names none)", p.name),
            None => String::new(),
        };
        UsageError(format!(
            "{flag} is required{also}: rfm sql does not read the table, so name its {what} column (as the warehouse stores it)"
        ))
    };
    for (flag, name) in [
        ("--customer", args.customer.as_ref()),
        ("--date", args.date.as_ref()),
        ("--amount", args.amount.as_ref()),
        ("--quantity", args.quantity.as_ref()),
        ("--price", args.price.as_ref()),
        ("--order", args.order.as_ref()),
        ("--status", args.status.as_ref()),
    ] {
        if name.is_some_and(|n| n.is_empty()) {
            return Err(UsageError(format!("{flag}: the column name is empty")));
        }
    }
    // Flags first, then the profile, as `rfm customers` resolves them.
    let (customer, customer_fallback) = match (&args.customer, p) {
        (Some(customer), _) => (customer.clone(), Vec::new()),
        (None, Some(p)) => match (p.columns.customer.split_first(), &p.no_customer) {
            (Some((first, rest)), _) => (
                first.first().to_owned(),
                rest.iter().map(|n| n.first().to_owned()).collect(),
            ),
            (None, Some(why)) => {
                return Err(UsageError(format!(
                    "--profile {}: {}",
                    p.name,
                    crate::error::one_line(why)
                )));
            }
            (None, None) => return Err(missing("--customer", "customer id")),
        },
        (None, None) => return Err(missing("--customer", "customer id")),
    };
    let date = args
        .date
        .clone()
        .or_else(|| {
            p.and_then(|p| p.columns.date.as_ref())
                .map(|n| n.first().to_owned())
        })
        .ok_or_else(|| missing("--date", "order date"))?;
    let order = args.order.clone().or_else(|| {
        p.and_then(|p| p.columns.order.as_ref())
            .map(|n| n.first().to_owned())
    });
    let explicit_amount = args.amount.is_some() || args.quantity.is_some() || args.price.is_some();
    let amount = match (&args.amount, &args.quantity, &args.price) {
        (Some(amount), _, _) => AmountSource::Column(amount.clone()),
        (None, Some(quantity), Some(price)) => AmountSource::Product {
            quantity: quantity.clone(),
            price: price.clone(),
        },
        _ => match p.and_then(|p| p.columns.amount.as_ref()) {
            Some(amount) => AmountSource::Column(amount.first().to_owned()),
            None => {
                return Err(UsageError(
                    "--amount (or --quantity and --price) is required: rfm sql does not read the table, so name its amount column (as the warehouse stores it)".into(),
                ));
            }
        },
    };
    // The profile's terms adjust its own amount column, not one named by
    // a flag.
    let mut terms = Vec::new();
    if let (false, Some(p)) = (explicit_amount, p) {
        terms.extend(
            p.columns
                .add
                .iter()
                .map(|n| Term::Add(n.first().to_owned())),
        );
        terms.extend(
            p.columns
                .subtract
                .iter()
                .map(|n| Term::Subtract(n.first().to_owned())),
        );
        if let [total, adjusted] = p.columns.adjusted.as_slice() {
            terms.push(Term::Adjusted {
                total: total.clone(),
                adjusted: adjusted.clone(),
            });
        }
    }
    let status = match (args.status.as_deref(), p) {
        (Some(none), _) if none.eq_ignore_ascii_case("none") => None,
        (Some(status), _) => Some(status.to_owned()),
        (None, Some(p)) => p.columns.status.as_ref().map(|n| n.first().to_owned()),
        (None, None) => None,
    };
    let mut statuses =
        StatusRule::from_lists(args.count_status.as_deref(), args.drop_status.as_deref());
    if statuses != StatusRule::Default && args.status.is_none() && status.is_none() {
        return Err(UsageError(
            "--count-status/--drop-status need the order status column: name it with --status COL (rfm sql does not read the table to find it)".into(),
        ));
    }
    if let (StatusRule::Default, Some(p)) = (&statuses, p) {
        statuses = p.status_rule();
    }
    let exclude = p
        .map(|p| {
            p.rules
                .exclude
                .iter()
                .map(|e| Exclude {
                    column: e.column.clone(),
                    values: e.values.iter().map(|v| StatusRule::key(v)).collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    let currency = match (&args.currency, p.and_then(|p| p.columns.currency.as_ref())) {
        (None, _) => None,
        (Some(code), Some(column)) => Some(Currency {
            column: column.first().to_owned(),
            code: code.trim().to_ascii_uppercase(),
        }),
        (Some(code), None) => {
            let naming: Vec<&str> = crate::input::built_in_profiles()
                .iter()
                .filter(|p| p.columns.currency.is_some())
                .map(|p| p.name.as_str())
                .collect();
            return Err(UsageError(format!(
                "--currency {code}: rfm sql does not read the table to find its currency column, and no flag names it; \
                 use a --profile that names one ({}, or your own FILE.toml), \
                 or keep the orders in {code} in a view (WHERE currency = '{code}') and give that as --table",
                naming.join(", ")
            )));
        }
    };
    // `rfm customers`' default: an order-total column (order total, grand
    // total...) is the order's.
    let per = args
        .amount_per
        .or(p
            .and_then(|p| p.rules.amount_per)
            .filter(|_| !explicit_amount))
        .unwrap_or(match &amount {
            AmountSource::Column(a) if ORDER_TOTAL.contains(&fold(a).as_str()) => AmountPer::Order,
            _ => AmountPer::Line,
        });
    Ok(Columns {
        customer,
        customer_fallback,
        date,
        amount,
        terms,
        order,
        per_order: per == AmountPer::Order,
        fold_emails: !args.case_sensitive_ids,
        sales: Sales {
            status,
            statuses,
            exclude,
            currency,
        },
    })
}
