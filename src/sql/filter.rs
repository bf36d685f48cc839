//! `--where` as SQL: the [`Expr`] tree of `input::filter` written as a
//! condition on the table's rows, with the semantics of docs/where.md.
//!
//! A field is read after the literal it is compared with, as rfm reads it:
//! - text: the field as text, trimmed, NULL when empty;
//! - number: the trimmed text cast to an exact decimal, NULL when it is
//!   not a plain number (each dialect's safe cast; PostgreSQL has none, so
//!   a pattern decides first);
//! - date: the first ten characters of the trimmed text (a DATE, a
//!   TIMESTAMP or an ISO text all start with YYYY-MM-DD) cast to a DATE,
//!   NULL when they are not one.
//!
//! A NULL makes a comparison NULL, which a WHERE takes as false, and which
//! AND and OR combine as rfm combines false; only NOT differs (NOT NULL is
//! NULL, where rfm's `not` of false is true), so each `not` is written
//! `NOT COALESCE(..., FALSE)`.

use super::Dialect;
use crate::dates::from_day;
use crate::input::filter::{CompareOp, Expr, Literal};
use crate::money;

/// The SQL condition of one `--where` expression. The error says what the
/// dialect cannot express, naming it and the part of the expression.
pub(crate) fn condition(d: Dialect, expr: &Expr) -> Result<String, String> {
    Ok(match expr {
        Expr::And(items) => join(d, items, " AND ")?,
        Expr::Or(items) => join(d, items, " OR ")?,
        Expr::Not(inner) => format!("NOT COALESCE({}, FALSE)", condition(d, inner)?),
        Expr::Compare {
            column,
            op,
            literal,
        } => {
            let op = match op {
                CompareOp::Ne => "<>",
                other => other.symbol(),
            };
            let field = field(d, column, literal);
            let field = match literal {
                Literal::Text(_) if op != "=" && op != "<>" => d.byte_order(&field),
                _ => field,
            };
            format!("{field} {op} {}", value(d, literal))
        }
        Expr::In {
            column,
            negated,
            list,
        } => {
            // Per kind of value: the field read as that kind, and the list.
            let mut kinds: Vec<(String, Vec<String>)> = Vec::new();
            for literal in list {
                let field = field(d, column, literal);
                let value = value(d, literal);
                match kinds.iter_mut().find(|(f, _)| *f == field) {
                    Some((_, values)) => values.push(value),
                    None => kinds.push((field, vec![value])),
                }
            }
            let equal = kinds
                .iter()
                .map(|(field, values)| format!("{field} IN ({})", values.join(", ")))
                .collect::<Vec<_>>();
            let equal = if let [one] = equal.as_slice() {
                one.clone()
            } else {
                format!("({})", equal.join(" OR "))
            };
            if *negated {
                // Equal to none, and read as the kind of one of them.
                let comparable = kinds
                    .iter()
                    .map(|(field, _)| format!("{field} IS NOT NULL"))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                format!("(NOT COALESCE({equal}, FALSE) AND ({comparable}))")
            } else {
                equal
            }
        }
        Expr::Regex {
            column,
            negated,
            pattern,
        } => {
            let text = text_field(d, column);
            let matches = regex(d, &text, pattern).map_err(|why| {
                format!(
                    "{} cannot express {}: {why}",
                    d.name(),
                    Expr::Regex {
                        column: column.clone(),
                        negated: *negated,
                        pattern: pattern.clone(),
                    }
                )
            })?;
            if *negated {
                format!("NOT {matches}")
            } else {
                matches
            }
        }
        Expr::Empty { column, negated } => {
            let text = format!("COALESCE({}, '')", trimmed(d, column));
            if *negated {
                format!("{text} <> ''")
            } else {
                format!("{text} = ''")
            }
        }
    })
}

/// The items joined, in parentheses.
fn join(d: Dialect, items: &[Expr], joint: &str) -> Result<String, String> {
    let parts = items
        .iter()
        .map(|e| condition(d, e))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(format!("({})", parts.join(joint)))
}

/// The column as text, trimmed.
fn trimmed(d: Dialect, column: &str) -> String {
    format!("TRIM(CAST({} AS {}))", d.ident(column), d.text_type())
}

/// The column as trimmed text, NULL when empty.
fn text_field(d: Dialect, column: &str) -> String {
    format!("NULLIF({}, '')", trimmed(d, column))
}

/// The column read as the literal's kind: NULL when it does not read.
fn field(d: Dialect, column: &str, literal: &Literal) -> String {
    let text = trimmed(d, column);
    match literal {
        Literal::Text(_) => text_field(d, column),
        Literal::Number(_) => match d {
            Dialect::Duckdb | Dialect::Spark => format!("TRY_CAST({text} AS DECIMAL(38, 18))"),
            Dialect::Snowflake => format!("TRY_CAST({text} AS NUMBER(38, 18))"),
            Dialect::Bigquery => format!("SAFE_CAST({text} AS BIGNUMERIC)"),
            Dialect::Postgres => format!(
                "CASE WHEN {text} ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$' THEN CAST({text} AS NUMERIC) END"
            ),
        },
        Literal::Date(_) => {
            let day = format!("SUBSTRING({text}, 1, 10)");
            match d {
                Dialect::Duckdb | Dialect::Spark => format!("TRY_CAST({day} AS DATE)"),
                Dialect::Snowflake => format!("TRY_TO_DATE({day}, 'YYYY-MM-DD')"),
                Dialect::Bigquery => format!("SAFE_CAST({day} AS DATE)"),
                // No safe cast: the pattern lets only YYYY-MM-DD through (an
                // impossible day such as 2011-02-31 stops the query).
                Dialect::Postgres => format!(
                    "CASE WHEN {text} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}' THEN CAST({day} AS DATE) END"
                ),
            }
        }
    }
}

/// The literal in SQL.
fn value(d: Dialect, literal: &Literal) -> String {
    match literal {
        Literal::Text(text) => d.string(text),
        Literal::Number(n) => {
            let digits = money::format_scaled(i128::from(n.mantissa), n.scale, n.scale, '.');
            match (d, digits.strip_prefix('-')) {
                // A negative constant in parentheses: `x > -1` reads alike
                // everywhere, but `x - -1` would not.
                (Dialect::Bigquery, Some(abs)) if abs.contains('.') => {
                    format!("(-{})", d.decimal(abs))
                }
                (_, Some(_)) => format!("({})", d.decimal(&digits)),
                _ => d.decimal(&digits),
            }
        }
        Literal::Date(day) => d.date(from_day(*day)),
    }
}

/// `text ~ pattern` in the dialect, or why it cannot be written. The
/// pattern is Rust `regex` syntax; the engines have their own (RE2 in
/// DuckDB and BigQuery, Java in Spark, POSIX AREs in PostgreSQL, POSIX
/// EREs in Snowflake), which agree on the common part: literal text, `.`,
/// classes, anchors, repetitions, groups, alternation, `\d` `\w` `\s`.
fn regex(d: Dialect, text: &str, pattern: &str) -> Result<String, String> {
    regex::Regex::new(pattern)
        .map_err(|e| format!("the regular expression does not read ({e})"))?;
    // A leading `(?i)` is case-insensitive matching in every dialect.
    let (insensitive, body) = match pattern.strip_prefix("(?i)") {
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    // Each group opening `(?` (not an escaped `\(` made optional).
    for (at, _) in body
        .match_indices("(?")
        .filter(|(at, _)| !body[..*at].ends_with('\\'))
    {
        let rest = &body[at..];
        if !rest.starts_with("(?:") {
            let flag: String = rest.chars().take(4).collect();
            return Err(format!(
                "inline flags ('{flag}...') are written only as a leading (?i)"
            ));
        }
        if d == Dialect::Snowflake {
            return Err("(?:...) groups are not in its regular expressions".into());
        }
    }
    if matches!(d, Dialect::Postgres | Dialect::Snowflake)
        && (body.contains("\\p") || body.contains("\\P"))
    {
        return Err("Unicode classes (\\p{...}) are not in its regular expressions".into());
    }
    if d == Dialect::Snowflake && (body.contains("\\b") || body.contains("\\B")) {
        return Err("word boundaries (\\b) are not in its regular expressions".into());
    }
    let p = d.string(pattern);
    Ok(match d {
        Dialect::Duckdb => format!("regexp_matches({text}, {p})"),
        Dialect::Bigquery => format!("REGEXP_CONTAINS({text}, {p})"),
        Dialect::Spark => format!("({text} RLIKE {p})"),
        Dialect::Postgres => {
            // PostgreSQL takes an embedded (?i) only as ARE options at the
            // start, which is where it is; its ~* would do too.
            let op = if insensitive { "~*" } else { "~" };
            let p = d.string(body);
            format!("({text} {op} {p})")
        }
        Dialect::Snowflake => {
            let flags = if insensitive { "'i'" } else { "'c'" };
            let p = d.string(body);
            format!("(REGEXP_INSTR({text}, {p}, 1, 1, 0, {flags}) > 0)")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::filter::Filter;

    fn sql(d: Dialect, text: &str) -> Result<String, String> {
        let filter = Filter::parse(&[text.to_owned()]).expect("parses");
        condition(d, &filter.exprs()[0])
    }

    #[test]
    fn comparisons_are_typed_by_the_value() {
        assert_eq!(
            sql(Dialect::Duckdb, "Country = 'France'").unwrap(),
            "NULLIF(TRIM(CAST(\"Country\" AS VARCHAR)), '') = 'France'"
        );
        assert_eq!(
            sql(Dialect::Duckdb, "q > -2.5").unwrap(),
            "TRY_CAST(TRIM(CAST(\"q\" AS VARCHAR)) AS DECIMAL(38, 18)) > (-2.5)"
        );
        assert_eq!(
            sql(Dialect::Bigquery, "q != 1.5").unwrap(),
            "SAFE_CAST(TRIM(CAST(`q` AS STRING)) AS BIGNUMERIC) <> BIGNUMERIC '1.5'"
        );
        assert!(
            sql(Dialect::Postgres, "d >= 2011-06-01")
                .unwrap()
                .ends_with("THEN CAST(SUBSTRING(TRIM(CAST(\"d\" AS TEXT)), 1, 10) AS DATE) END >= DATE '2011-06-01'")
        );
        assert_eq!(
            sql(Dialect::Postgres, "c < 'b'").unwrap(),
            "NULLIF(TRIM(CAST(\"c\" AS TEXT)), '') COLLATE \"C\" < 'b'"
        );
    }

    #[test]
    fn not_is_two_valued_and_lists_mix_kinds() {
        assert_eq!(
            sql(Dialect::Spark, "not (c is empty)").unwrap(),
            "NOT COALESCE(COALESCE(TRIM(CAST(`c` AS STRING)), '') = '', FALSE)"
        );
        let q = sql(Dialect::Duckdb, "c not in ('a', 1)").unwrap();
        assert!(q.starts_with("(NOT COALESCE((NULLIF("), "{q}");
        assert!(q.contains(" IS NOT NULL OR TRY_CAST("), "{q}");
    }

    #[test]
    fn regular_expressions_per_dialect() {
        assert_eq!(
            sql(Dialect::Duckdb, "c ~ '^C'").unwrap(),
            "regexp_matches(NULLIF(TRIM(CAST(\"c\" AS VARCHAR)), ''), '^C')"
        );
        assert_eq!(
            sql(Dialect::Postgres, "c !~ '(?i)heart'").unwrap(),
            "NOT (NULLIF(TRIM(CAST(\"c\" AS TEXT)), '') ~* 'heart')"
        );
        assert!(
            sql(Dialect::Spark, "c ~ 'a'")
                .unwrap()
                .contains(" RLIKE 'a')")
        );
        let e = sql(Dialect::Snowflake, "c ~ '(?:ab)+'").unwrap_err();
        assert_eq!(
            e,
            "snowflake cannot express c ~ '(?:ab)+': (?:...) groups are not in its regular expressions"
        );
        let e = sql(Dialect::Postgres, "c ~ '\\pL'").unwrap_err();
        assert!(e.contains("postgres cannot express c ~ '\\pL'"), "{e}");
        assert!(sql(Dialect::Duckdb, "c ~ 'a(?i)b'").is_err());
        assert!(sql(Dialect::Duckdb, "c ~ '(?:a)(?s)b'").is_err());
        assert!(sql(Dialect::Duckdb, "c ~ 'x\\(?y'").is_ok());
    }
}
