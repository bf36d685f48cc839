//! One row's values, validated: every field rfm reads is checked here, so
//! errors can name the column and the value (the caller adds the file and
//! the line). The same rules for every reader: a delimited record's text
//! fields, or a Parquet row's typed values (`super::parquet`).

use super::columns::{AmountColumns, ColumnMap};
use crate::dates::Day;
use crate::error::RowProblem;
use crate::money::{self, Decimal};
use std::borrow::Cow;

/// A row's validated values, the amount at its own scale.
pub(crate) struct Values<'a> {
    /// The customer id (trimmed, not empty).
    pub(crate) customer: Cow<'a, str>,
    /// The order id, when an order column is mapped.
    pub(crate) order: Option<Cow<'a, str>>,
    /// The order date.
    pub(crate) date: Day,
    /// The amount (or quantity x price).
    pub(crate) amount: Decimal,
    /// The order status as written (trimmed), when a status column is mapped.
    pub(crate) status: Option<Cow<'a, str>>,
    /// Whether the row counts (its status and its currency).
    pub(crate) counts: Counts,
    /// The currency as written (trimmed), when a currency column is mapped.
    pub(crate) currency: Option<Cow<'a, str>>,
}

/// A delimited record's values, borrowed from its fields.
pub(crate) struct TextValues<'r> {
    /// The customer id (trimmed, not empty; e-mails lower-cased).
    pub(crate) customer: Cow<'r, str>,
    /// The order id (trimmed), when an order column is mapped.
    pub(crate) order: Option<&'r str>,
    /// The order date.
    pub(crate) date: Day,
    /// The amount (or quantity x price).
    pub(crate) amount: Decimal,
    /// The order status (trimmed), when a status column is mapped.
    pub(crate) status: Option<&'r str>,
    /// Whether the row counts (see [`Values::counts`]).
    pub(crate) counts: Counts,
    /// The currency (trimmed), when a currency column is mapped.
    pub(crate) currency: Option<&'r str>,
}

impl<'r> From<TextValues<'r>> for Values<'r> {
    fn from(v: TextValues<'r>) -> Values<'r> {
        Values {
            customer: v.customer,
            order: v.order.map(Cow::Borrowed),
            date: v.date,
            amount: v.amount,
            status: v.status.map(Cow::Borrowed),
            counts: v.counts,
            currency: v.currency.map(Cow::Borrowed),
        }
    }
}

/// A delimited record's values (`None`: no customer id), or what is wrong
/// with it; `field(i)` is field `i` of `len` as text, `None` when it is not
/// UTF-8 (only the fields rfm uses are looked at).
pub(crate) fn row_values<'r>(
    field: impl Fn(usize) -> Option<&'r str>,
    len: usize,
    map: &ColumnMap,
) -> Result<Option<TextValues<'r>>, RowProblem> {
    let expected = map.header.len();
    if len != expected {
        return Err(RowProblem::Ragged {
            found: len,
            expected,
        });
    }
    let text = |i: usize| -> Result<&'r str, RowProblem> {
        field(i)
            .map(money::trim)
            .ok_or_else(|| RowProblem::InvalidUtf8 {
                column: map.header[i].clone(),
            })
    };
    let customer = super::columns::customer_key(text(map.customer)?, map.fold_emails);
    if customer.is_empty() {
        return Ok(None);
    }
    let date_text = text(map.date)?;
    let date = map
        .date_format
        .parse(date_text)
        .map_err(|e| RowProblem::BadDate {
            column: map.header[map.date].clone(),
            value: date_text.to_owned(),
            reason: e.to_string(),
        })?;
    let number = |i: usize| -> Result<Decimal, RowProblem> {
        let value = text(i)?;
        Decimal::parse(value, map.decimal).map_err(|e| RowProblem::BadNumber {
            column: map.header[i].clone(),
            value: value.to_owned(),
            reason: e.to_string(),
        })
    };
    let amount = map
        .amount
        .value(|&i| number(i), |&i| text(i).unwrap_or_default().to_owned())?;
    let order = match map.order {
        Some(i) => Some(text(i)?),
        None => None,
    };
    let status = match map.status {
        Some(i) => Some(text(i)?),
        None => None,
    };
    let currency = match map.currency {
        Some(i) => Some(text(i)?),
        None => None,
    };
    let counts = Counts::of(status, currency, map);
    Ok(Some(TextValues {
        customer,
        order,
        date,
        amount,
        status,
        counts,
        currency,
    }))
}

/// Whether a row counts, each reason apart: the status's verdict is
/// reported whatever the currency (the note on statuses), and the currency
/// is tallied only for rows whose status counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Its status is a sale, or it has none.
    pub(crate) status: bool,
    /// Its currency is the one `--currency` keeps, or none is kept, or it
    /// has none (item lines leave order fields empty).
    pub(crate) currency: bool,
}

impl Counts {
    /// The verdicts for a row's status and currency (as written).
    pub(crate) fn of(status: Option<&str>, currency: Option<&str>, map: &ColumnMap) -> Counts {
        Counts {
            status: status.is_none_or(|s| map.statuses.counts(s)),
            currency: match (currency, &map.keep_currency) {
                (Some(c), Some(keep)) => c.is_empty() || c.eq_ignore_ascii_case(keep),
                _ => true,
            },
        }
    }

    /// The row is a sale: it reaches the method.
    pub(crate) fn sale(self) -> bool {
        self.status && self.currency
    }
}

/// The amount fields of a record as written (for messages).
pub(crate) fn amount_text<'r>(field: &dyn Fn(usize) -> &'r [u8], map: &ColumnMap) -> String {
    let text = |i: usize| String::from_utf8_lossy(field(i)).trim().to_owned();
    match map.amount {
        AmountColumns::Amount(i) => text(i),
        AmountColumns::QuantityPrice { quantity, price } => {
            format!("{} x {}", text(quantity), text(price))
        }
    }
}
