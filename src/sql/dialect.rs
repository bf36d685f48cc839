//! What differs between the SQL dialects `rfm sql` writes: quoting, literals,
//! integer division, date arithmetic, trimming and type names.
//!
//! The query itself (`sql::query`) is written once, in terms of these few
//! pieces. Each piece uses only functions the dialect documents, and each is
//! exact: integer division is a real integer division (DuckDB's `/` is
//! floating point, PostgreSQL's `/` is integer only on integer types,
//! Snowflake has no integer division at all), decimal constants are exact
//! decimals (a BigQuery `0.01` would be a FLOAT64), and string literals are
//! escaped the way the dialect reads them (Spark and BigQuery treat a
//! backslash as an escape, and Spark reads `'a''b'` as two adjacent
//! literals, `ab`).

use chrono::NaiveDate;

/// A SQL dialect `rfm sql` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Dialect {
    /// DuckDB (and MotherDuck).
    Duckdb,
    /// PostgreSQL (tested with 15).
    Postgres,
    /// Google BigQuery (GoogleSQL).
    Bigquery,
    /// Snowflake.
    Snowflake,
    /// Apache Spark SQL 3.4 or later (Databricks).
    Spark,
}

impl Dialect {
    /// The name as `--dialect` spells it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Dialect::Duckdb => "duckdb",
            Dialect::Postgres => "postgres",
            Dialect::Bigquery => "bigquery",
            Dialect::Snowflake => "snowflake",
            Dialect::Spark => "spark",
        }
    }

    /// One identifier, quoted so that it is read exactly as given (case,
    /// spaces and all).
    pub(crate) fn ident(self, name: &str) -> String {
        match self {
            Dialect::Duckdb | Dialect::Postgres | Dialect::Snowflake => {
                format!("\"{}\"", name.replace('"', "\"\""))
            }
            Dialect::Bigquery => format!("`{}`", escape_backslashed(name, '`')),
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
        }
    }

    /// A possibly qualified name (`orders`, `shop.orders`,
    /// `project.dataset.orders`): every dot-separated part quoted.
    pub(crate) fn qualified(self, name: &str) -> Result<String, String> {
        let parts: Vec<&str> = name.split('.').collect();
        if parts.iter().any(|p| p.trim().is_empty()) {
            return Err(format!(
                "'{name}' has an empty part: write NAME, SCHEMA.NAME or DATABASE.SCHEMA.NAME"
            ));
        }
        if parts.len() > 3 {
            return Err(format!(
                "'{name}' has {} parts; at most 3 (e.g. project.dataset.table)",
                parts.len()
            ));
        }
        Ok(parts
            .iter()
            .map(|p| self.ident(p))
            .collect::<Vec<_>>()
            .join("."))
    }

    /// A string literal.
    pub(crate) fn string(self, text: &str) -> String {
        match self {
            Dialect::Duckdb | Dialect::Postgres => format!("'{}'", text.replace('\'', "''")),
            Dialect::Snowflake | Dialect::Bigquery | Dialect::Spark => {
                format!("'{}'", escape_backslashed(text, '\''))
            }
        }
    }

    /// A date literal.
    pub(crate) fn date(self, date: NaiveDate) -> String {
        format!("DATE '{}'", date.format("%Y-%m-%d"))
    }

    /// An exact decimal constant written as plain digits (`0.01`, `100.50`).
    pub(crate) fn decimal(self, digits: &str) -> String {
        if !digits.contains('.') {
            // An integer is an integer in every dialect.
            return digits.to_owned();
        }
        match self {
            // A BigQuery number with a decimal point is a FLOAT64.
            Dialect::Bigquery => format!("BIGNUMERIC '{digits}'"),
            _ => digits.to_owned(),
        }
    }

    /// The string type of `CAST(x AS ...)`.
    pub(crate) fn text_type(self) -> &'static str {
        match self {
            Dialect::Duckdb | Dialect::Snowflake => "VARCHAR",
            Dialect::Postgres => "TEXT",
            Dialect::Bigquery | Dialect::Spark => "STRING",
        }
    }

    /// `expr` (an exact decimal) rounded half away from zero to `decimals`
    /// places and typed with exactly that many, so that 3 decimals of a
    /// 2-decimal column print `1.250`. ROUND on exact decimals rounds half
    /// away from zero in all five. BigQuery's decimals have a fixed scale,
    /// so there the cast comes first: ROUND of an INT64 would be a FLOAT64.
    pub(crate) fn round_money(self, expr: &str, decimals: u8) -> String {
        let round = format!("ROUND({expr}, {decimals})");
        match self {
            Dialect::Bigquery => format!("ROUND(CAST({expr} AS BIGNUMERIC), {decimals})"),
            Dialect::Postgres => format!("CAST({round} AS NUMERIC(38, {decimals}))"),
            Dialect::Snowflake => format!("CAST({round} AS NUMBER(38, {decimals}))"),
            Dialect::Duckdb | Dialect::Spark => {
                format!("CAST({round} AS DECIMAL(38, {decimals}))")
            }
        }
    }

    /// The 64-bit integer type.
    pub(crate) fn int_type(self) -> &'static str {
        match self {
            Dialect::Bigquery => "INT64",
            _ => "BIGINT",
        }
    }

    /// The double precision type.
    pub(crate) fn double_type(self) -> &'static str {
        match self {
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::Bigquery => "FLOAT64",
            _ => "DOUBLE",
        }
    }

    /// `floor(a / b)` for integers a >= 0 and b > 0, in integer arithmetic,
    /// as one term (parenthesised where the operator is infix, so that it
    /// can stand inside any expression). `a` and `b` must be integer-typed.
    pub(crate) fn int_div(self, a: &str, b: &str) -> String {
        let (a, b) = (&paren(a), &paren(b));
        match self {
            Dialect::Duckdb => format!("({a} // {b})"),
            Dialect::Postgres => format!("({a} / {b})"),
            Dialect::Bigquery => format!("DIV({a}, {b})"),
            // Snowflake's `/` always gives a decimal rounded to a few
            // places; subtracting the remainder first makes it exact.
            Dialect::Snowflake => format!("CAST(({a} - MOD({a}, {b})) / {b} AS BIGINT)"),
            Dialect::Spark => format!("({a} DIV {b})"),
        }
    }

    /// The date one day after `date`.
    pub(crate) fn next_day(self, date: &str) -> String {
        match self {
            Dialect::Duckdb | Dialect::Postgres => format!("{date} + 1"),
            Dialect::Bigquery => format!("DATE_ADD({date}, INTERVAL 1 DAY)"),
            Dialect::Snowflake => format!("DATEADD(day, 1, {date})"),
            Dialect::Spark => format!("DATE_ADD({date}, 1)"),
        }
    }

    /// Whole days from date `from` to date `to`.
    pub(crate) fn days_between(self, from: &str, to: &str) -> String {
        match self {
            Dialect::Duckdb => format!("DATE_DIFF('day', {from}, {to})"),
            Dialect::Postgres => format!("({to} - {from})"),
            Dialect::Bigquery => format!("DATE_DIFF({to}, {from}, DAY)"),
            Dialect::Snowflake => format!("DATEDIFF(day, {from}, {to})"),
            Dialect::Spark => format!("DATEDIFF({to}, {from})"),
        }
    }

    /// A query of one column `name` holding 0, 1, ..., `count` - 1. A
    /// constant table rather than a UNION ALL of SELECTs: Spark pushes the
    /// latter's values into the filters below it and its generated code
    /// outgrows the JVM's 64 KB method limit.
    pub(crate) fn numbers(self, name: &str, count: usize) -> String {
        let rows = (0..count)
            .map(|i| format!("({i})"))
            .collect::<Vec<_>>()
            .join(", ");
        match self {
            Dialect::Duckdb | Dialect::Postgres | Dialect::Snowflake => {
                format!("SELECT {name}\nFROM (VALUES {rows}) AS v({name})")
            }
            Dialect::Spark => format!("SELECT {name}\nFROM VALUES {rows} AS v({name})"),
            Dialect::Bigquery => format!(
                "SELECT {name}\nFROM UNNEST(GENERATE_ARRAY(0, {})) AS {name}",
                count.saturating_sub(1)
            ),
        }
    }

    /// `expr` without the characters of `chars` at its start (a
    /// spreadsheet's `'` before a phone number).
    pub(crate) fn ltrim(self, expr: &str, chars: &str) -> String {
        let chars = self.string(chars);
        match self {
            // Spark's two-argument LTRIM is deprecated.
            Dialect::Spark => format!("TRIM(LEADING {chars} FROM {expr})"),
            _ => format!("LTRIM({expr}, {chars})"),
        }
    }

    /// A string expression to sort by in byte order (rfm's customer_id
    /// order), whatever the database's default collation.
    pub(crate) fn byte_order(self, expr: &str) -> String {
        match self {
            Dialect::Postgres => format!("{expr} COLLATE \"C\""),
            _ => expr.to_owned(),
        }
    }
}

/// `expr` in parentheses, unless it is a single name or number.
fn paren(expr: &str) -> String {
    if expr
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        expr.to_owned()
    } else {
        format!("({expr})")
    }
}

/// `text` with backslashes, `quote` and control characters escaped with a
/// backslash, as BigQuery, Snowflake and Spark read string literals.
fn escape_backslashed(text: &str, quote: char) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_exactly() {
        assert_eq!(Dialect::Postgres.ident("Customer ID"), "\"Customer ID\"");
        assert_eq!(Dialect::Duckdb.ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(Dialect::Bigquery.ident("a`b"), "`a\\`b`");
        assert_eq!(Dialect::Spark.ident("a`b"), "`a``b`");
        assert_eq!(
            Dialect::Bigquery
                .qualified("my-project.sales.orders")
                .unwrap(),
            "`my-project`.`sales`.`orders`"
        );
        assert_eq!(
            Dialect::Snowflake.qualified("DB.PUBLIC.ORDERS").unwrap(),
            "\"DB\".\"PUBLIC\".\"ORDERS\""
        );
        assert!(Dialect::Postgres.qualified("shop..orders").is_err());
        assert!(Dialect::Postgres.qualified("a.b.c.d").is_err());
        assert!(Dialect::Postgres.qualified(".orders").is_err());
    }

    #[test]
    fn string_literals_follow_each_dialects_escapes() {
        let name = "Can't Lose \\ Them";
        assert_eq!(Dialect::Postgres.string(name), "'Can''t Lose \\ Them'");
        assert_eq!(Dialect::Duckdb.string(name), "'Can''t Lose \\ Them'");
        assert_eq!(Dialect::Spark.string(name), "'Can\\'t Lose \\\\ Them'");
        assert_eq!(Dialect::Bigquery.string(name), "'Can\\'t Lose \\\\ Them'");
        assert_eq!(Dialect::Snowflake.string(name), "'Can\\'t Lose \\\\ Them'");
        assert_eq!(Dialect::Bigquery.string("a\nb"), "'a\\nb'");
    }

    #[test]
    fn integer_division_is_never_floating_point() {
        assert_eq!(Dialect::Duckdb.int_div("5 * w", "x.n"), "((5 * w) // x.n)");
        assert_eq!(Dialect::Postgres.int_div("5 * w", "x.n"), "((5 * w) / x.n)");
        assert_eq!(
            Dialect::Bigquery.int_div("5 * w", "x.n"),
            "DIV((5 * w), x.n)"
        );
        assert_eq!(Dialect::Spark.int_div("5 * w", "n"), "((5 * w) DIV n)");
        assert_eq!(
            Dialect::Snowflake.int_div("5 * w", "n"),
            "CAST(((5 * w) - MOD((5 * w), n)) / n AS BIGINT)"
        );
        assert_eq!(Dialect::Bigquery.decimal("0.01"), "BIGNUMERIC '0.01'");
        assert_eq!(Dialect::Bigquery.decimal("30"), "30");
    }

    #[test]
    fn constant_tables() {
        assert_eq!(
            Dialect::Postgres.numbers("k", 3),
            "SELECT k\nFROM (VALUES (0), (1), (2)) AS v(k)"
        );
        assert_eq!(
            Dialect::Bigquery.numbers("k", 3),
            "SELECT k\nFROM UNNEST(GENERATE_ARRAY(0, 2)) AS k"
        );
        assert_eq!(Dialect::Postgres.decimal("0.01"), "0.01");
    }

    #[test]
    fn leading_characters_off() {
        assert_eq!(Dialect::Duckdb.ltrim("x", "'"), "LTRIM(x, '''')");
        assert_eq!(Dialect::Bigquery.ltrim("x", "'"), "LTRIM(x, '\\'')");
        assert_eq!(Dialect::Spark.ltrim("x", "'"), "TRIM(LEADING '\\'' FROM x)");
    }
}
