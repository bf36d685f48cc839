//! Errors a user can act on.
//!
//! Every variant names what to fix: the file, the line, the column and the
//! value, and where there is one, the flag that fixes it. `main` prints them
//! as one line, `rfm: ...`, and exits 1; [`UsageError`] exits 2 like clap's
//! own usage errors. Anything else (an internal polars failure, say) travels
//! as a plain `anyhow::Error`.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::PathBuf;
use thiserror::Error;

/// A message on one line, whatever text it quotes: line breaks, tabs and
/// other control characters are written as escapes (`\n`, `\r`, `\t`,
/// `\u{1b}`). `main` passes every error through it, and notes and warnings
/// too, so a value or a file name with a line break cannot split an
/// `rfm:` line.
pub fn one_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The most characters of one value a message shows.
const SHOWN: usize = 60;

/// A value from the data (a field, a header name) as messages quote it: on
/// one line ([`one_line`]) and cut to [`SHOWN`] characters with an ellipsis,
/// so a broken field cannot pour a file into the terminal.
pub(crate) fn shown(text: &str) -> String {
    let line = one_line(text);
    match line.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}\u{2026}", &line[..cut]),
        None => line.into_owned(),
    }
}

/// A problem with the input data or files.
#[derive(Debug, Error)]
pub(crate) enum InputError {
    /// The file could not be opened.
    #[error("cannot open {}", path.display())]
    Open {
        /// The path given.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Reading or decompressing failed part-way.
    #[error("cannot read {file}")]
    Read {
        /// The file (or `<stdin>`).
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// Nothing at all in the file.
    #[error("{file} is empty (expected a header line and order rows)")]
    Empty {
        /// The file.
        file: String,
    },
    /// A UTF-32 file.
    #[error(
        "{file} is UTF-32 encoded; convert it to UTF-8 first, e.g. iconv -f UTF-32 -t UTF-8 {file} > orders-utf8.csv"
    )]
    Utf32 {
        /// The file.
        file: String,
    },
    /// The header line is not UTF-8.
    #[error(
        "{file}:1: header column #{column} is not valid UTF-8 (--encoding NAME reads other encodings, e.g. --encoding windows-1252)"
    )]
    HeaderNotUtf8 {
        /// The file.
        file: String,
        /// 1-based column number.
        column: usize,
    },
    /// The header opens a quote that never closes.
    #[error(
        "{file}:1: a quote in the header is never closed, so the header runs on through the data; close the quote or remove it"
    )]
    HeaderQuote {
        /// The file.
        file: String,
    },
    /// A header and no rows.
    #[error("no data rows in {file} (only a header)")]
    NoRows {
        /// The file.
        file: String,
    },
    /// Roles that could not be found in the header.
    #[error("{file}: cannot find the columns for: {missing}; the columns are: {columns}")]
    MissingColumns {
        /// The file.
        file: String,
        /// The roles and the flags that name them.
        missing: String,
        /// The header.
        columns: String,
    },
    /// A `--where` expression that does not fit the input's columns.
    #[error("{file}: {why}")]
    Where {
        /// The file.
        file: String,
        /// What is wrong, with the expression and the position.
        why: String,
    },
    /// A flag names a column that is not there.
    #[error(
        "{file}: {flag} '{}' is not a column; the columns are: {columns}",
        shown(name)
    )]
    UnknownColumn {
        /// The file.
        file: String,
        /// The flag.
        flag: &'static str,
        /// The name given.
        name: String,
        /// The header.
        columns: String,
    },
    /// Several files with different headers.
    #[error(
        "{file}: header differs from {first_file}'s ({found} vs {expected}); files read together must have the same columns"
    )]
    HeaderMismatch {
        /// The file that differs.
        file: String,
        /// The first file.
        first_file: String,
        /// Its header.
        found: String,
        /// The first file's header.
        expected: String,
    },
    /// A row could not be used (see [`RowProblem`]).
    #[error(
        "{file}:{line}: {problem} (use --skip-bad-rows to drop such rows, --rejects FILE to keep them)"
    )]
    BadRow {
        /// The file.
        file: String,
        /// Where the row is: the line it starts on, or its row number.
        line: Position,
        /// What is wrong.
        problem: RowProblem,
    },
    /// Amounts whose sum would not fit the exact 64-bit representation.
    #[error("{file}:{line}: amounts too large to add up exactly{}", overflow_detail(column, *scale, scale_source.as_deref()))]
    Overflow {
        /// The file.
        file: String,
        /// The row's line, or its row number.
        line: Position,
        /// The amount column (`Quantity x Price` for a product).
        column: String,
        /// The common scale at that point.
        scale: u8,
        /// The value that set the scale, as `file:line: 'value'` (none
        /// when every amount is whole).
        scale_source: Option<String>,
    },
    /// More distinct customers or orders than the 32-bit dictionary holds.
    #[error("more than 4,294,967,295 distinct {what}; split the input")]
    TooMany {
        /// `customers` or `orders`.
        what: &'static str,
    },
    /// Every row was dropped or rejected.
    #[error(
        "{files}: no usable rows: {rows} read, {missing_customer} without a customer id, {rejected} rejected{first}"
    )]
    NoUsableRows {
        /// The inputs.
        files: String,
        /// Data rows read.
        rows: u64,
        /// Rows without a customer id.
        missing_customer: u64,
        /// Rows rejected by --skip-bad-rows.
        rejected: u64,
        /// The first rejected row, as `; first bad row: ...`.
        first: String,
    },
    /// A flag's column name matches several columns once case and spaces are ignored.
    #[error(
        "{file}: {flag} '{}' matches several columns ({matches}); give the exact name",
        shown(name)
    )]
    AmbiguousColumn {
        /// The file.
        file: String,
        /// The flag.
        flag: &'static str,
        /// The name given.
        name: String,
        /// The matching columns.
        matches: String,
    },
    /// The orders that count are in several currencies.
    #[error(
        "{file}: the orders that count are in several currencies (column '{}'): {found}; amounts in different currencies cannot be added up: keep one with --currency CODE, e.g. --currency {example}",
        shown(column)
    )]
    Currencies {
        /// The inputs.
        file: String,
        /// The currency column.
        column: String,
        /// Each currency with its rows and amount.
        found: String,
        /// The most common one.
        example: String,
    },
    /// No single date layout fits the first rows.
    #[error("{file}: column '{}': {why}", shown(column))]
    DateLayout {
        /// The file.
        file: String,
        /// The date column.
        column: String,
        /// What fits and what does not.
        why: String,
    },
    /// A flag that needs a column the file does not have.
    #[error("{file}: {flag} needs {what}; the columns are: {columns}")]
    NoColumnFor {
        /// The file.
        file: String,
        /// The flag.
        flag: &'static str,
        /// The column it needs.
        what: &'static str,
        /// The header.
        columns: String,
    },
    /// An export without a customer column (its profile says why).
    #[error("{file}: read as the {profile} export: {why}")]
    NoCustomer {
        /// The file.
        file: String,
        /// The profile.
        profile: String,
        /// Why there is no customer, and what to do.
        why: String,
    },
    /// A profile names a column the header does not have.
    #[error(
        "{file}: the {profile} profile needs the column '{}' for {role}, which the file does not have: name the column to read with {} COL (or --profile none to read every column by name); the columns are: {columns}",
        shown(column),
        role_flag(role)
    )]
    ProfileColumn {
        /// The file.
        file: String,
        /// The profile.
        profile: String,
        /// The role.
        role: &'static str,
        /// The column it names.
        column: String,
        /// The header.
        columns: String,
    },
    /// Two lines of one order disagree on its order-level values, or one
    /// order id is two different orders in two files.
    #[error("{file}:{line}: order '{}' {what}", shown(order))]
    OrderConflict {
        /// The file of the later line.
        file: String,
        /// The later line.
        line: Position,
        /// The order id.
        order: String,
        /// What differs, and where the other line is.
        what: String,
    },
    /// Several columns are equally good candidates for a role.
    #[error(
        "{file}: several columns could be read for {flag}: {matches}; name one, e.g. {flag} COL"
    )]
    AmbiguousRole {
        /// The file.
        file: String,
        /// The flag that names the role's column.
        flag: &'static str,
        /// The candidates.
        matches: String,
    },
    /// A Parquet file that cannot be read.
    #[error("{file}: cannot read it as Parquet: {message}")]
    Parquet {
        /// The file.
        file: String,
        /// What the Parquet reader said.
        message: String,
    },
    /// A Parquet column whose type cannot hold what its role needs.
    #[error(
        "{file}: column '{}' has type {found}; {role} must be {expected}",
        shown(column)
    )]
    ColumnType {
        /// The file.
        file: String,
        /// The column.
        column: String,
        /// Its type.
        found: String,
        /// `the customer id`, `the date`...
        role: &'static str,
        /// The types that work.
        expected: &'static str,
    },
    /// Nobody bought anything.
    #[error("no customer has a purchase (an order totalling more than zero){detail}")]
    NoPurchases {
        /// What was filtered, for context.
        detail: String,
    },
}

/// The flag that names the column of a profile's role.
fn role_flag(role: &str) -> &'static str {
    match role {
        "the customer" => "--customer",
        "the order date" => "--date",
        "the order id" => "--order",
        "the amount" => "--amount",
        _ => "--profile",
    }
}

/// What an overflow message says after "too large to add up exactly".
fn overflow_detail(column: &str, scale: u8, source: Option<&str>) -> String {
    let column = shown(column);
    match source {
        Some(source) => format!(
            " at {scale} decimals (the {scale} decimals come from {source} in column '{column}'; round that column to fewer decimals)"
        ),
        None => format!(
            " (column '{column}': the sum of the absolute amounts passes 9,223,372,036,854,775,807; split the input)"
        ),
    }
}

/// Where a row is: CSV rows by the line they start on (what an editor
/// shows), Parquet rows by their 1-based row number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Position {
    /// A CSV line.
    Line(u64),
    /// A Parquet row.
    Row(u64),
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Position::Line(n) => write!(f, "{n}"),
            Position::Row(n) => write!(f, "row {n}"),
        }
    }
}

/// What is wrong with one row. Also the `reason` column of `--rejects`.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub(crate) enum RowProblem {
    /// The row has a different number of fields than the header.
    #[error("expected {expected} fields as in the header, found {found}")]
    Ragged {
        /// Fields found.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// A field rfm reads is not valid UTF-8.
    #[error(
        "column '{}': not valid UTF-8, though the start of the file is (--encoding windows-1252 reads Excel's European files; --encoding NAME another encoding)",
        shown(column)
    )]
    InvalidUtf8 {
        /// The column.
        column: String,
    },
    /// A date that does not parse.
    #[error(
        "column '{}': cannot read date '{}': {reason}",
        shown(column),
        shown(value)
    )]
    BadDate {
        /// The column.
        column: String,
        /// The field.
        value: String,
        /// Why.
        reason: String,
    },
    /// An amount, quantity or price that does not parse.
    #[error(
        "column '{}': cannot read number '{}': {reason}",
        shown(column),
        shown(value)
    )]
    BadNumber {
        /// The column.
        column: String,
        /// The field.
        value: String,
        /// Why.
        reason: String,
    },
    /// A quote opens a field and never closes: the field ran to the end of
    /// the input.
    #[error(
        "column '{}': a quote opens this field and is never closed, so the field runs to the end of the file ({}); close the quote or remove it",
        shown(column), crate::notes::count(*lines, "line")
    )]
    UnclosedQuote {
        /// The column (or `#n` past the header).
        column: String,
        /// Physical lines the field took.
        lines: u64,
    },
    /// A customer or order id stored as a float that is not a whole number.
    #[error(
        "column '{}': id {} is not a whole number (ids stored as floating point must be whole)",
        shown(column),
        shown(value)
    )]
    BadId {
        /// The column.
        column: String,
        /// The value.
        value: String,
    },
    /// quantity x price too large.
    #[error(
        "'{}' x '{}' is too large to compute exactly",
        shown(quantity),
        shown(price)
    )]
    ProductOverflow {
        /// The quantity.
        quantity: String,
        /// The price.
        price: String,
    },
}

/// A usage problem found after clap's parsing (conflicting values and the
/// like): exits with code 2 like clap's own errors.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A problem with an earlier run's results (`--previous`, `rfm compare`).
#[derive(Debug, Error)]
pub(crate) enum SnapshotError {
    /// The file or folder cannot be read.
    #[error("cannot read {}", path.display())]
    Open {
        /// The path given.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A folder without `customers.csv`.
    #[error(
        "{}: no customers.csv in this folder; give an rfm report folder or a customers CSV written by `rfm customers`",
        dir.display()
    )]
    NotAReport {
        /// The folder.
        dir: PathBuf,
    },
    /// A required column is missing.
    #[error(
        "{file}:1: no '{column}' column; expected a customers file written by `rfm customers -f csv` or `rfm report` (the columns are: {columns})"
    )]
    MissingColumn {
        /// The file.
        file: String,
        /// What is missing.
        column: &'static str,
        /// The header.
        columns: String,
    },
    /// A malformed row or value.
    #[error("{file}:{line}: {message}")]
    Row {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
}
