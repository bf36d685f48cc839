//! One row's values, validated: every field rfm reads is checked here, so
//! errors can name the column and the value (the caller adds the file and
//! the line). The same rules for every reader: a delimited record's text
//! fields, or a Parquet row's typed values (`super::parquet`).

use super::columns::{AmountColumns, ColumnMap, StatusRule, Term};
use crate::dates::Day;
use crate::error::RowProblem;
use crate::money::{self, Decimal};
use std::borrow::Cow;

/// A row's validated values, the amount at its own scale.
pub(crate) struct Values<'a> {
    /// The customer id (trimmed, not empty; e-mails lower-cased).
    pub(crate) customer: Cow<'a, str>,
    /// The order id (trimmed), when an order column is mapped.
    pub(crate) order: Option<Cow<'a, str>>,
    /// The order date.
    pub(crate) date: Day,
    /// The amount (or quantity x price).
    pub(crate) amount: Decimal,
    /// The order status as written (trimmed), when a status column is
    /// mapped; with what excluded the row, when something did.
    pub(crate) status: Option<Cow<'a, str>>,
    /// Whether the row counts (its status and its currency).
    pub(crate) counts: Counts,
    /// The currency as written (trimmed), when a currency column is mapped.
    pub(crate) currency: Option<Cow<'a, str>>,
}

/// What a row is.
pub(crate) enum Parsed<'a> {
    /// A row with values.
    Row(Values<'a>),
    /// No customer id: dropped and counted.
    NoCustomer,
    /// An item line of an order whose amount is the order's: its
    /// order-level fields are blank (or missing: a short row), so it adds
    /// nothing to the order.
    ItemLine,
    /// An item line with its order id.
    ItemOf(String),
}

/// A delimited record's values, or what is wrong with it; `field(i)` is
/// field `i` of `len` as text, `None` when it is not UTF-8 (only the fields
/// rfm uses are looked at).
pub(crate) fn row_values<'r>(
    field: impl Fn(usize) -> Option<&'r str>,
    len: usize,
    map: &ColumnMap,
) -> Result<Parsed<'r>, RowProblem> {
    let expected = map.header.len();
    let amount_at = match map.amount {
        AmountColumns::Amount(a) => Some(a),
        AmountColumns::QuantityPrice { .. } | AmountColumns::Absent => None,
    };
    if map.per_order
        && let Some(a) = amount_at
    {
        let blank = |i: usize| i >= len || field(i).is_some_and(|t| money::trim(t).is_empty());
        if a < len && blank(a) {
            // An item line: it says which order it belongs to, so that an
            // order none of whose lines has the total can be named.
            return Ok(match map.order.and_then(&field).map(money::trim) {
                Some(order) if !order.is_empty() => Parsed::ItemOf(order.to_owned()),
                _ => Parsed::ItemLine,
            });
        }
        // A short row is an item line only without any of the order's
        // fields (a plugin leaving the order columns out of item rows);
        // a row cut short is a bad row.
        if a >= len && blank(map.customer) && map.order.is_none_or(blank) {
            return Ok(Parsed::ItemLine);
        }
    }
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
    let mut customer = super::columns::customer_key(text(map.customer)?, map.fold_emails);
    for &i in &map.customer_fallback {
        if !customer.is_empty() {
            break;
        }
        customer = fallback_key(text(i)?, map.fold_emails);
    }
    if customer.is_empty() {
        return Ok(Parsed::NoCustomer);
    }
    let order = match map.order {
        Some(i) => Some(text(i)?),
        None => None,
    };
    let mut status = match map.status {
        Some(i) => Some(Cow::Borrowed(text(i)?)),
        None => None,
    };
    let currency = match map.currency {
        Some(i) => Some(text(i)?),
        None => None,
    };
    let excluded = if map.exclude.is_empty() {
        None
    } else {
        exclusion(map, |i| text(i).map(Cow::Borrowed))?
    };
    if let Some(why) = &excluded {
        status = Some(excluded_status(status, why));
    }
    let mut counts = Counts::of(status.as_deref(), currency, map);
    counts.status &= excluded.is_none();
    // A row that does not count may leave its date blank (an ERP's draft).
    let date_text = text(map.date)?;
    let date = if date_text.is_empty() && !counts.sale() {
        0
    } else {
        map.date_format
            .parse(date_text)
            .map_err(|e| RowProblem::BadDate {
                column: map.header[map.date].clone(),
                value: date_text.to_owned(),
                reason: e.to_string(),
            })?
    };
    let number = |i: usize| -> Result<Decimal, RowProblem> {
        let value = text(i)?;
        Decimal::parse(value, map.decimal).map_err(|e| RowProblem::BadNumber {
            column: map.header[i].clone(),
            value: value.to_owned(),
            reason: match (value.is_empty(), map.order) {
                // An order's total written on its first line only.
                (true, Some(_)) if Some(i) == amount_at && !map.per_order => {
                    "empty (if the column holds each order's total, on one of its lines, \
                     --amount-per order takes it once per order)"
                        .to_owned()
                }
                _ => e.to_string(),
            },
        })
    };
    // A row that does not count may leave its amount blank (a cancelled
    // item's price).
    let blank = |i: usize| text(i).is_ok_and(str::is_empty);
    let amount = match amount_at {
        Some(a) if !counts.sale() && blank(a) => Decimal::ZERO,
        _ => map
            .amount
            .value(|&i| number(i), |&i| text(i).unwrap_or_default().to_owned())?,
    };
    let amount = if map.terms.is_empty() {
        amount
    } else {
        with_terms(amount, &map.terms, |i| {
            if blank(i) {
                Ok(None)
            } else {
                number(i).map(Some)
            }
        })
        .ok_or_else(|| RowProblem::BadNumber {
            column: map.amount_name(),
            value: text(amount_at.unwrap_or(map.date))
                .unwrap_or_default()
                .to_owned(),
            reason: "too large with the columns added to it or subtracted from it".to_owned(),
        })??
    };
    // A credit note written with a positive total (its type says what it
    // is): subtracted, whatever its sign.
    let amount = match map.doc_type {
        Some(i) if is_credit_note(text(i)?) => credited(amount),
        _ => amount,
    };
    Ok(Parsed::Row(Values {
        customer,
        order: order.map(Cow::Borrowed),
        date,
        amount,
        status,
        counts,
        currency: currency.map(Cow::Borrowed),
    }))
}

/// A status as the notes show it, with what excluded the row
/// (`paid, Cancelled at set`).
pub(crate) fn excluded_status<'a>(status: Option<Cow<'a, str>>, why: &str) -> Cow<'a, str> {
    Cow::Owned(match status {
        Some(s) if !s.is_empty() => format!("{s}, {why}"),
        _ => why.to_owned(),
    })
}

/// A credit note's amount: subtracted, whatever sign it was written with.
pub(crate) fn credited(amount: Decimal) -> Decimal {
    Decimal {
        mantissa: -amount.mantissa.abs(),
        ..amount
    }
}

/// Whether a document type says credit note (`Customer Credit Note`,
/// `Nota di credito`, `Avoir`, `Gutschrift`, `Factura de abono`...).
pub(crate) fn is_credit_note(kind: &str) -> bool {
    const CREDIT: &[&str] = &[
        "creditnote",
        "creditmemo",
        "notadicredito",
        "notadecredito",
        "notadecredit",
        "avoir",
        "gutschrift",
        "abono",
        "rectificativa",
        "stornorechnung",
        "storno",
    ];
    let key = crate::fold::fold(kind);
    !key.is_empty() && CREDIT.iter().any(|c| key.contains(c))
}

/// What leaves a row out whatever its status (the map's `exclude`, e.g.
/// `Cancelled at set`), `value(i)` giving column `i` as text.
pub(crate) fn exclusion<'v>(
    map: &ColumnMap,
    value: impl Fn(usize) -> Result<Cow<'v, str>, RowProblem>,
) -> Result<Option<String>, RowProblem> {
    for (i, values) in &map.exclude {
        let value = value(*i)?;
        let value = value.trim();
        if value.is_empty() || !(values.is_empty() || values.contains(&StatusRule::key(value))) {
            continue;
        }
        return Ok(Some(if values.is_empty() {
            format!("{} set", map.header[*i])
        } else {
            format!("{} {value}", map.header[*i])
        }));
    }
    Ok(None)
}

/// The amount with the map's terms applied (`number(i)`: a column's value,
/// `None` when blank); `None` when the result does not fit.
pub(crate) fn with_terms<E>(
    amount: Decimal,
    terms: &[Term],
    number: impl Fn(usize) -> Result<Option<Decimal>, E>,
) -> Option<Result<Decimal, E>> {
    let mut sum = i128::from(amount.mantissa);
    let mut scale = amount.scale;
    let add = |sum: &mut i128, scale: &mut u8, d: Decimal, sign: i128| {
        if d.scale > *scale {
            *sum = sum.saturating_mul(money::pow10(u32::from(d.scale - *scale)));
            *scale = d.scale;
        }
        let d = i128::from(d.mantissa).saturating_mul(money::pow10(u32::from(*scale - d.scale)));
        *sum = sum.saturating_add(sign * d);
    };
    for term in terms {
        let (column, sign) = match *term {
            Term::Add(i) => (i, 1),
            Term::Subtract(i) => (i, -1),
            Term::Adjusted { total, adjusted } => {
                let after = match number(adjusted) {
                    Ok(Some(d)) if d.mantissa != 0 => d,
                    Ok(_) => continue,
                    Err(e) => return Some(Err(e)),
                };
                match number(total) {
                    Ok(Some(before)) => add(&mut sum, &mut scale, before, -1),
                    Ok(None) => {}
                    Err(e) => return Some(Err(e)),
                }
                add(&mut sum, &mut scale, after, 1);
                continue;
            }
        };
        match number(column) {
            Ok(Some(d)) => add(&mut sum, &mut scale, d, sign),
            Ok(None) => {}
            Err(e) => return Some(Err(e)),
        }
    }
    if terms.is_empty() {
        return Some(Ok(amount));
    }
    let mantissa = i64::try_from(sum).ok()?;
    Some(Ok(Decimal { mantissa, scale }))
}

/// Whether a customer id looks like a number a spreadsheet shortened to
/// scientific notation (`9,19830E+11`, `1.23457E+15`): the digits it lost
/// may have made different ids one.
pub(crate) fn looks_shortened(id: &str) -> bool {
    // Every row's id is checked: the common case leaves at the first byte.
    let bytes = id.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let Some(at) = memchr::memchr2(b'E', b'e', bytes) else {
        return false;
    };
    let (mantissa, exponent) = (&id[..at], &id[at + 1..]);
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let mut parts = mantissa.splitn(2, ['.', ',']);
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next().unwrap_or("");
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// A customer id from a fallback column: an e-mail as [`customer_key`]
/// has it; a phone number without its spaces, punctuation and the `'`
/// spreadsheets keep numbers as text with (`'+1 555-555-0123` is
/// `+15555550123`); anything else as written.
///
/// [`customer_key`]: super::columns::customer_key
pub(crate) fn fallback_key(id: &str, fold: bool) -> Cow<'_, str> {
    let bare = id.trim_start_matches('\'');
    let phone = bare.chars().filter(|c| c.is_ascii_digit()).count() >= 6
        && bare
            .chars()
            .all(|c| c.is_ascii_digit() || " +-.()/".contains(c));
    if !phone {
        return super::columns::customer_key(id, fold);
    }
    let mut key = String::with_capacity(bare.len());
    for (i, c) in bare.trim().char_indices() {
        if c.is_ascii_digit() || (c == '+' && i == 0) {
            key.push(c);
        }
    }
    Cow::Owned(key)
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
        AmountColumns::Absent => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text, money::DecimalSeparator::Point).unwrap_or(Decimal::ZERO)
    }

    #[test]
    fn fallback_phone_numbers_lose_their_punctuation_and_spreadsheet_quote() {
        assert_eq!(fallback_key("'+1 555-555-0123", true), "+15555550123");
        assert_eq!(fallback_key("+44 7700 900123", true), "+447700900123");
        assert_eq!(fallback_key("(06) 1234.5678", true), "0612345678");
        // Not phones: e-mails are folded, names kept.
        assert_eq!(fallback_key("Ann@Shop.com", true), "ann@shop.com");
        assert_eq!(fallback_key("Rosa Diaz", true), "Rosa Diaz");
        assert_eq!(fallback_key("12-34", true), "12-34");
    }

    #[test]
    fn credit_notes_are_told_by_their_type() {
        for kind in [
            "Customer Credit Note",
            "Nota di credito",
            "Avoir",
            "Gutschrift",
            "Factura de abono",
            "Notă de credit",
        ] {
            assert!(is_credit_note(kind), "{kind}");
        }
        for kind in ["Customer Invoice", "Fattura", "Facture", "Rechnung", ""] {
            assert!(!is_credit_note(kind), "{kind}");
        }
    }

    #[test]
    fn ids_in_scientific_notation_are_told_from_ids() {
        for id in ["9,19830E+11", "1.23457E+15", "5E+3", "4.1e12"] {
            assert!(looks_shortened(id), "{id}");
        }
        for id in [
            "C00042",
            "E12",
            "12E",
            "ABCE+1",
            "1.2.3E+4",
            "ann@shop.com",
            "9,1983E+",
        ] {
            assert!(!looks_shortened(id), "{id}");
        }
    }

    #[test]
    fn terms_add_subtract_and_adjust_exactly_at_the_finest_scale() {
        let columns = [d("5"), d("0.25"), d("60.00"), d("45.00"), d("0")];
        let number = |i: usize| -> Result<Option<Decimal>, ()> {
            Ok(columns.get(i).copied().filter(|_| i != 9))
        };
        // 100.1 + 5 - 0.25 = 104.85
        let terms = [Term::Add(0), Term::Subtract(1)];
        let sum = with_terms(d("100.1"), &terms, number).unwrap().unwrap();
        assert_eq!((sum.mantissa, sum.scale), (10485, 2));
        // Etsy: 60.00 - (60.00 - 45.00) = 45.00; an adjusted 0 is no refund.
        let adjusted = [Term::Adjusted {
            total: 2,
            adjusted: 3,
        }];
        let sum = with_terms(d("60.00"), &adjusted, number).unwrap().unwrap();
        assert_eq!(sum, d("45"));
        let none = [Term::Adjusted {
            total: 2,
            adjusted: 4,
        }];
        let sum = with_terms(d("60.00"), &none, number).unwrap().unwrap();
        assert_eq!(sum, d("60"));
        // Blank columns (None) change nothing; no terms, the amount as is.
        let blank = [Term::Subtract(9)];
        assert_eq!(with_terms(d("7"), &blank, number).unwrap().unwrap(), d("7"));
        // Beyond 64 bits: None.
        let big = Decimal {
            mantissa: i64::MAX,
            scale: 0,
        };
        assert!(with_terms(big, &[Term::Add(0)], number).is_none());
    }
}
