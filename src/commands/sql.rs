//! `rfm sql`: the segmentation as one SQL query for a warehouse.
//!
//! Same shape as the other commands, without the data: the method and
//! segment flags are resolved exactly as `rfm customers` resolves them, and
//! `sql` turns them into text. Nothing is read but a `--segments` file.

use crate::cli::{ColumnArgs, SqlArgs};
use crate::dates::from_day;
use crate::error::UsageError;
use crate::options::{self, Environment};
use crate::output;
use crate::sql::{self, AmountSource, AsOf, Columns, Output, Spec};

/// Runs the command.
pub(crate) fn run(args: &SqlArgs, env: &Environment) -> anyhow::Result<()> {
    let columns = columns(&args.columns)?;
    let (params, scoring) = options::resolve_method(&args.method, columns.order.as_deref(), env)?;
    let definition = options::definition(&args.method.segments)?;
    options::check_levels(&scoring, &definition)?;
    // `--as-of today` is the warehouse's date when the query runs, so a
    // view stays current.
    let as_of = match (&args.method.as_of, params.as_of) {
        (Some(text), _) if options::is_today(text) => AsOf::Today,
        (_, Some(day)) => AsOf::Date(from_day(day)),
        (_, None) => AsOf::Latest,
    };
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

/// The column flags as the query needs them: customer, date and an amount
/// are required, since there is no header to detect them from.
fn columns(args: &ColumnArgs) -> Result<Columns, UsageError> {
    // Said, not ignored: a query that counted cancelled orders would
    // differ from `rfm customers` on the same table.
    if args
        .status
        .as_deref()
        .is_some_and(|s| !s.eq_ignore_ascii_case("none"))
        || args.count_status.is_some()
        || args.drop_status.is_some()
        || args.currency.is_some()
        || args
            .profile
            .as_deref()
            .is_some_and(|p| !p.eq_ignore_ascii_case("none"))
        || args.amount_per.is_some()
    {
        return Err(UsageError(
            "--status, --count-status, --drop-status, --currency, --profile and --amount-per are not \
             written in SQL yet: keep the sales in a view (WHERE status IN (...) AND currency = ..., \
             one row per order) and give that as --table"
                .into(),
        ));
    }
    let missing = |flag: &str, what: &str| {
        UsageError(format!(
            "{flag} is required: rfm sql does not read the table, so name its {what} column (as the warehouse stores it)"
        ))
    };
    let customer = args
        .customer
        .clone()
        .ok_or_else(|| missing("--customer", "customer id"))?;
    let date = args
        .date
        .clone()
        .ok_or_else(|| missing("--date", "order date"))?;
    let amount = match (&args.amount, &args.quantity, &args.price) {
        (Some(amount), _, _) => AmountSource::Column(amount.clone()),
        (None, Some(quantity), Some(price)) => AmountSource::Product {
            quantity: quantity.clone(),
            price: price.clone(),
        },
        _ => {
            return Err(UsageError(
                "--amount (or --quantity and --price) is required: rfm sql does not read the table, so name its amount column (as the warehouse stores it)".into(),
            ));
        }
    };
    for (flag, name) in [
        ("--customer", Some(&customer)),
        ("--date", Some(&date)),
        ("--amount", args.amount.as_ref()),
        ("--quantity", args.quantity.as_ref()),
        ("--price", args.price.as_ref()),
        ("--order", args.order.as_ref()),
    ] {
        if name.is_some_and(|n| n.is_empty()) {
            return Err(UsageError(format!("{flag}: the column name is empty")));
        }
    }
    Ok(Columns {
        customer,
        date,
        amount,
        order: args.order.clone(),
        fold_emails: !args.case_sensitive_ids,
    })
}
