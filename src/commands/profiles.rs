//! `rfm profiles`: the export profiles rfm knows, or one of them as TOML.
//!
//! A profile is data (src/input/profiles/*.toml, docs/profiles.md): the
//! listing says for each which header it is recognised by and what it
//! reads, so a user can see why a file was read the way the columns note
//! says, and `rfm profiles NAME > my-erp.toml` starts a profile of their own.

use crate::cli::ProfilesArgs;
use crate::error::UsageError;
use crate::input::{AmountPer, built_in_profiles, built_in_text};
use crate::output;

/// Runs the command.
pub(crate) fn run(args: &ProfilesArgs) -> anyhow::Result<()> {
    if let Some(name) = &args.name {
        let text = built_in_text(name).ok_or_else(|| {
            let names: Vec<&str> = built_in_profiles()
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            UsageError(format!(
                "no built-in profile '{name}'; the built-in ones are {}",
                names.join(", ")
            ))
        })?;
        return output::write_to(None, |out| out.write_all(text.as_bytes()));
    }
    let mut text = String::new();
    for p in built_in_profiles() {
        let c = &p.columns;
        let customer = if c.customer.is_empty() {
            "(none in the export)".to_owned()
        } else {
            let names: Vec<String> = c.customer.iter().map(ToString::to_string).collect();
            names.join(", else ")
        };
        let mut amount = c
            .amount
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        for a in &c.add {
            amount.push_str(&format!(" + {a}"));
        }
        for s in &c.subtract {
            amount.push_str(&format!(" - {s}"));
        }
        if let [total, adjusted] = c.adjusted.as_slice() {
            amount.push_str(&format!(" - ({total} - {adjusted} when set)"));
        }
        let per = match p.rules.amount_per {
            Some(AmountPer::Order) => "once per order",
            _ => "summed over the order's lines",
        };
        let sales = match (&p.rules.count_status, &p.rules.drop_status) {
            (Some(list), _) => format!("statuses {}", list.join(", ")),
            (None, Some(list)) => format!("every status but {}", list.join(", ")),
            (None, None) => match &p.rules.not_sales {
                Some(list) => format!(
                    "every status but cancelled, voided, failed, refunded... and {}",
                    list.join(", ")
                ),
                None => "every status but cancelled, voided, failed, refunded...".to_owned(),
            },
        };
        text.push_str(&format!("{}: {}\n", p.name, p.title));
        let detect: Vec<String> = p.detect.iter().map(ToString::to_string).collect();
        text.push_str(&format!("  detected by: {}\n", detect.join(", ")));
        text.push_str(&format!("  customer:    {customer}\n"));
        if let Some(order) = &c.order {
            text.push_str(&format!("  order:       {order}\n"));
        }
        if let Some(date) = &c.date {
            text.push_str(&format!("  date:        {date}\n"));
        }
        text.push_str(&format!("  amount:      {amount} ({per})\n"));
        if let Some(status) = &c.status {
            text.push_str(&format!("  sales:       {status}: {sales}\n"));
        }
        for e in &p.rules.exclude {
            let values = if e.values.is_empty() {
                "any value".to_owned()
            } else {
                e.values.join(", ")
            };
            text.push_str(&format!("  left out:    {}: {values}\n", e.column));
        }
        text.push('\n');
    }
    text.push_str(
        "Other files are read by column names in English, Italian, Spanish, French, German,\n\
         Romanian and Catalan. --profile NAME forces one, --profile none turns them off,\n\
         --profile FILE.toml reads your own (rfm profiles NAME prints one to start from;\n\
         docs/profiles.md describes the format).\n",
    );
    output::write_to(None, |out| out.write_all(text.as_bytes()))
}
