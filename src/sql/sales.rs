//! Which of the table's rows are sales, and what each one's amount is, as
//! SQL: the rules `rfm customers` applies while it reads a file (order
//! statuses, a profile's excluding columns, `--currency`, a profile's
//! customer fallbacks and amount terms; src/input/columns.rs and
//! src/input/row.rs), written as expressions of the row.
//!
//! They must be expressions: the query is written without reading the
//! table, so the statuses it holds are unknown, and each row's status is
//! folded by the warehouse as rfm folds it ([`StatusRule::key`]): lower
//! case, the common Latin accents taken off, punctuation and spaces
//! removed, a `wc-` prefix dropped. `TRANSLATE(text, from, to)` does that
//! in all five dialects with the same arguments (characters of `from`
//! beyond the length of `to` are deleted), so the fold is written once,
//! here, from the table in [`ACCENTS`] and [`SEPARATORS`]. Regular
//! expressions would not do: their classes differ per engine (`[:alnum:]`
//! is ASCII in RE2, the locale's in PostgreSQL, `\p{L}` unknown to some).
//! Letters the table does not list are kept, as rfm keeps them (so
//! `Zapłacone` folds to `zapłacone` in both), but their capitals are only
//! lower-cased where the engine's `LOWER` knows them (PostgreSQL under the
//! C locale knows ASCII only); symbols it does not list are kept where rfm
//! drops them (docs/sql.md lists both).

use super::Dialect;
use crate::input::StatusRule;
use crate::input::columns::{NOT_SALES, PARTIAL, WOO_UNPAID};
use std::fmt::Write as _;

/// A column that adjusts a row's amount (NULL: no change), as
/// `crate::input` has it but by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Term {
    /// Added (shipping).
    Add(String),
    /// Subtracted (a refunded amount, a discount).
    Subtract(String),
    /// When `adjusted` holds a value other than 0, `total - adjusted` was
    /// refunded and is subtracted (Etsy's Adjusted Order Total).
    Adjusted {
        /// The original total.
        total: String,
        /// The total after refunds.
        adjusted: String,
    },
}

/// Rows left out by a column's value whatever their status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exclude {
    /// The column.
    pub(crate) column: String,
    /// The values (folded as statuses are) that leave a row out; none: any
    /// value that is not blank.
    pub(crate) values: Vec<String>,
}

/// `--currency CODE` with the column that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Currency {
    /// The currency column.
    pub(crate) column: String,
    /// The code kept, upper case.
    pub(crate) code: String,
}

/// Which rows are sales.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Sales {
    /// The order status column, when one is named.
    pub(crate) status: Option<String>,
    /// Which statuses are sales.
    pub(crate) statuses: StatusRule,
    /// A profile's excluding columns.
    pub(crate) exclude: Vec<Exclude>,
    /// The currency kept.
    pub(crate) currency: Option<Currency>,
}

/// Letters [`crate::fold::fold`] takes the accent off, and their capitals
/// (for engines whose `LOWER` is ASCII only), with the plain letter.
const ACCENTS: &[(&str, char)] = &[
    ("àáâãäåăÀÁÂÃÄÅĂ", 'a'),
    ("çčćÇČĆ", 'c'),
    ("èéêëěÈÉÊËĚ", 'e'),
    ("ìíîïÌÍÎÏ", 'i'),
    ("ñńÑŃ", 'n'),
    ("òóôõöøÒÓÔÕÖØ", 'o'),
    ("ùúûüÙÚÛÜ", 'u'),
    ("șşšßȘŞŠẞ", 's'),
    ("țţȚŢ", 't'),
    ("ýÿÝŸ", 'y'),
    ("žŽ", 'z'),
];

/// What separates words: ASCII punctuation and the space, and the visible
/// punctuation and signs of Latin-script exports (Catalan's middle dot,
/// typographic quotes and dashes, currency signs). Not listed: tabs and
/// line breaks, which would break the query's lines, and characters that
/// look like others (no-break spaces, Unicode hyphens), which a copy of the
/// query could turn into a space or a `-` listed twice (BigQuery refuses
/// that).
const SEPARATORS: &str = " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~·–—‘’‚“”„«»‹›…¡¿•°§¶€£¥¢";

/// Letters [`crate::fold::fold`] drops without separating words (the
/// ordinal marks of `Nº`, `Nª`).
const DROPPED: &str = "ºª";

/// `TRANSLATE(LOWER(text), ...)`: the fold of rfm, with separators removed
/// (`words` false) or turned into spaces.
fn fold(d: Dialect, text: &str, words: bool) -> String {
    let mut from = String::new();
    let mut to = String::new();
    for (letters, plain) in ACCENTS {
        for c in letters.chars() {
            from.push(c);
            to.push(*plain);
        }
    }
    from.push_str(SEPARATORS);
    if words {
        to.extend(SEPARATORS.chars().map(|_| ' '));
    }
    from.push_str(DROPPED);
    format!(
        "TRANSLATE(LOWER({text}), {}, {})",
        d.string(&from),
        d.string(&to)
    )
}

/// A value as a status is compared ([`StatusRule::key`]): trimmed, without
/// a `wc-` prefix, folded; `''` for NULL.
pub(crate) fn key(d: Dialect, column: &str) -> String {
    let s = format!("TRIM(COALESCE(CAST({column} AS {}), ''))", d.text_type());
    fold(
        d,
        &format!("CASE WHEN LOWER(SUBSTR({s}, 1, 3)) = 'wc-' THEN SUBSTR({s}, 4) ELSE {s} END"),
        false,
    )
}

/// The status's folded words between spaces (` bestellung storniert `),
/// so that `LIKE '% word %'` finds a word.
fn words(d: Dialect, column: &str) -> String {
    let s = format!("COALESCE(CAST({column} AS {}), '')", d.text_type());
    format!("CONCAT(' ', {}, ' ')", fold(d, &s, true))
}

/// `(a, b, c)` of string literals.
fn list(d: Dialect, values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|v| d.string(v)).collect();
    format!("({})", items.join(", "))
}

/// `x LIKE '% w1 %' OR x LIKE '% w2 %' ...`, one per line.
fn any_word(x: &str, words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("{x} LIKE '% {w} %'"))
        .collect::<Vec<_>>()
        .join("\n      OR ")
}

/// The columns `rfm_lines` adds for the rules, as (expression, name), given
/// the quoted name of a column.
pub(crate) fn line_columns(
    d: Dialect,
    sales: &Sales,
    id: impl Fn(&str) -> String,
) -> Vec<(String, &'static str)> {
    let mut columns = Vec::new();
    if let Some(status) = &sales.status {
        let status = id(status);
        columns.push((key(d, &status), "status_key"));
        if matches!(
            sales.statuses,
            StatusRule::Default | StatusRule::DefaultAnd(_)
        ) {
            columns.push((words(d, &status), "status_words"));
            let s = format!("TRIM(COALESCE(CAST({status} AS {}), ''))", d.text_type());
            columns.push((
                format!("CASE WHEN LOWER(SUBSTR({s}, 1, 3)) = 'wc-' THEN 1 ELSE 0 END"),
                "status_wc",
            ));
        }
    }
    if !sales.exclude.is_empty() {
        let rules: Vec<String> = sales
            .exclude
            .iter()
            .map(|e| {
                let column = id(&e.column);
                let set = format!(
                    "TRIM(COALESCE(CAST({column} AS {}), '')) <> ''",
                    d.text_type()
                );
                if e.values.is_empty() {
                    set
                } else {
                    format!("{set} AND {} IN {}", key(d, &column), list(d, &e.values))
                }
            })
            .collect();
        columns.push((
            format!(
                "CASE\n    WHEN {}\n    THEN 1 ELSE 0\n  END",
                rules.join("\n      OR ")
            ),
            "excluded",
        ));
    }
    if let Some(currency) = &sales.currency {
        columns.push((
            format!(
                "UPPER(TRIM(CAST({} AS {})))",
                id(&currency.column),
                d.text_type()
            ),
            "currency",
        ));
    }
    columns
}

/// The conditions `rfm_kept` adds for the rules (on the columns of
/// [`line_columns`]), each to be joined with AND.
pub(crate) fn conditions(d: Dialect, sales: &Sales) -> Vec<String> {
    let mut conditions = Vec::new();
    if sales.status.is_some() {
        // An empty status counts: item lines leave the order's fields empty.
        match &sales.statuses {
            rule @ (StatusRule::Default | StatusRule::DefaultAnd(_)) => {
                let mut not_sales: Vec<String> =
                    NOT_SALES.iter().map(|s| (*s).to_owned()).collect();
                // A profile's own non-sales join the built-in list, as
                // whole statuses and as words.
                if let StatusRule::DefaultAnd(more) = rule {
                    not_sales.extend(more.iter().cloned());
                }
                let words: Vec<&str> = not_sales.iter().map(String::as_str).collect();
                let mut case = String::from("CASE\n    WHEN status_key = '' THEN 1\n");
                let _ = writeln!(
                    case,
                    "    WHEN status_key IN {} THEN 0",
                    list(d, &not_sales)
                );
                // WooCommerce's slugs (`wc-pending`): its unpaid statuses.
                let woo: Vec<String> = WOO_UNPAID.iter().map(|s| (*s).to_owned()).collect();
                let _ = writeln!(
                    case,
                    "    WHEN status_wc = 1 AND status_key IN {} THEN 0",
                    list(d, &woo)
                );
                let _ = writeln!(
                    case,
                    "    WHEN {}\n    THEN 1",
                    any_word("status_words", PARTIAL)
                );
                let _ = write!(
                    case,
                    "    WHEN {}\n    THEN 0\n    ELSE 1\n  END = 1",
                    any_word("status_words", &words)
                );
                conditions.push(case);
            }
            StatusRule::Only(only) if only.is_empty() => {
                conditions.push("status_key = ''".to_owned());
            }
            StatusRule::Only(only) => conditions.push(format!(
                "(status_key = '' OR status_key IN {})",
                list(d, only)
            )),
            StatusRule::AllBut(but) if but.is_empty() => {}
            StatusRule::AllBut(but) => conditions.push(format!(
                "(status_key = '' OR status_key NOT IN {})",
                list(d, but)
            )),
        }
    }
    if !sales.exclude.is_empty() {
        conditions.push("excluded = 0".to_owned());
    }
    if let Some(currency) = &sales.currency {
        // A row without a currency counts with any (item lines).
        conditions.push(format!(
            "(currency IS NULL OR currency = '' OR currency = {})",
            d.string(&currency.code)
        ));
    }
    conditions
}

/// The amount with the terms applied, a NULL term counting as 0 (an
/// amount that is NULL stays NULL: the row is an item line, or unreadable).
pub(crate) fn with_terms(amount: &str, terms: &[Term], id: impl Fn(&str) -> String) -> String {
    let mut text = amount.to_owned();
    for term in terms {
        match term {
            Term::Add(c) => {
                let _ = write!(text, "\n    + COALESCE({}, 0)", id(c));
            }
            Term::Subtract(c) => {
                let _ = write!(text, "\n    - COALESCE({}, 0)", id(c));
            }
            Term::Adjusted { total, adjusted } => {
                let (total, adjusted) = (id(total), id(adjusted));
                let _ = write!(
                    text,
                    "\n    - CASE WHEN COALESCE({adjusted}, 0) <> 0 THEN COALESCE({total}, 0) - {adjusted} ELSE 0 END"
                );
            }
        }
    }
    text
}

/// A customer id as the engine has it (`customer_key`): trimmed, and an
/// e-mail address lower-cased unless `fold_emails` is off.
pub(crate) fn customer_key(d: Dialect, column: &str, fold_emails: bool) -> String {
    let id = format!("TRIM(CAST({column} AS {}))", d.text_type());
    if fold_emails {
        format!("CASE WHEN {id} LIKE '%@%' THEN LOWER({id}) ELSE {id} END")
    } else {
        id
    }
}

/// A customer id from a fallback column (`fallback_key`): a phone number
/// (at least 6 digits, and nothing but digits and ` +-.()/` after any
/// leading `'`) as its digits, with a leading `+`; anything else as
/// [`customer_key`].
fn fallback_key(d: Dialect, column: &str, fold_emails: bool) -> String {
    let id = format!("TRIM(CAST({column} AS {}))", d.text_type());
    let bare = d.ltrim(&id, "'");
    let punctuation = d.string(" +-.()/");
    let allowed = d.string("0123456789 +-.()/");
    format!(
        "CASE\n      WHEN LENGTH(TRANSLATE({bare}, {allowed}, '')) = 0\n        AND LENGTH(TRANSLATE({bare}, {punctuation}, '')) >= 6\n      THEN CONCAT(CASE WHEN SUBSTR(TRIM({bare}), 1, 1) = '+' THEN '+' ELSE '' END, TRANSLATE({bare}, {punctuation}, ''))\n      ELSE {}\n    END",
        customer_key(d, column, fold_emails)
    )
}

/// The customer: the first column, else the first fallback that is not
/// empty (`''` when none is).
pub(crate) fn customer(d: Dialect, column: &str, fallback: &[String], fold_emails: bool) -> String {
    let first = customer_key(d, column, fold_emails);
    if fallback.is_empty() {
        return first;
    }
    let mut parts = vec![format!("NULLIF({first}, '')")];
    for c in fallback {
        parts.push(format!("NULLIF({}, '')", fallback_key(d, c, fold_emails)));
    }
    parts.push("''".to_owned());
    format!("COALESCE(\n    {}\n  )", parts.join(",\n    "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The SQL fold, computed in Rust: what TRANSLATE(LOWER(x)) gives with
    /// the tables above.
    fn translated(text: &str, words: bool) -> String {
        let mut map = std::collections::HashMap::new();
        for (letters, plain) in ACCENTS {
            for c in letters.chars() {
                map.insert(c, Some(*plain));
            }
        }
        for c in SEPARATORS.chars() {
            map.insert(c, if words { Some(' ') } else { None });
        }
        for c in DROPPED.chars() {
            map.insert(c, None);
        }
        text.to_lowercase()
            .chars()
            .filter_map(|c| map.get(&c).copied().unwrap_or(Some(c)))
            .collect()
    }

    #[test]
    fn the_tables_agree_with_rfms_fold() {
        let mut seen = HashSet::new();
        for (letters, plain) in ACCENTS {
            for c in letters.chars() {
                assert!(seen.insert(c), "{c} twice (BigQuery refuses that)");
                assert_eq!(crate::fold::fold(&c.to_string()), plain.to_string(), "{c}");
            }
        }
        for c in SEPARATORS.chars().chain(DROPPED.chars()) {
            assert!(seen.insert(c), "{c} twice (BigQuery refuses that)");
            assert_eq!(crate::fold::fold(&c.to_string()), "", "{c}");
        }
        for c in SEPARATORS.chars() {
            assert!(!c.is_alphanumeric(), "{c} separates words in rfm");
        }
        for c in DROPPED.chars() {
            assert!(c.is_alphanumeric(), "{c} does not separate words in rfm");
        }
        // Every ASCII character that is not a letter or digit, but tab and
        // line breaks.
        for b in 0x20u8..0x7f {
            let c = char::from(b);
            assert_eq!(SEPARATORS.contains(c), !c.is_ascii_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn statuses_fold_in_sql_as_in_rfm() {
        for status in [
            "Partially refunded",
            "wc-Completed",
            "Cancel·lat",
            "ANNULÉ",
            "Bestellung storniert",
            "Pagamento remoto accettato",
            "En attente de réapprovisionnement (payé)",
            "Zahlung ausstehend – Vorkasse",
            "Nº 5",
            "requires_payment_method",
            "Zapłacone",
        ] {
            assert_eq!(
                translated(status, false),
                crate::fold::fold(status),
                "{status}"
            );
            let words: Vec<String> = status
                .split(|c: char| !c.is_alphanumeric())
                .map(crate::fold::fold)
                .filter(|w| !w.is_empty())
                .collect();
            let sql_words: Vec<String> = translated(status, true)
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect();
            assert_eq!(sql_words, words, "{status}");
        }
    }

    #[test]
    fn expressions_by_dialect() {
        let k = key(Dialect::Postgres, "\"s\"");
        assert!(
            k.starts_with("TRANSLATE(LOWER(CASE WHEN LOWER(SUBSTR(TRIM(COALESCE(CAST(\"s\" AS TEXT), '')), 1, 3)) = 'wc-'"),
            "{k}"
        );
        // The quote and the backslash among the separators, escaped per
        // dialect.
        assert!(k.contains("%&''()*"), "{k}");
        let k = key(Dialect::Spark, "`s`");
        assert!(k.contains("%&\\'()*") && k.contains("[\\\\]"), "{k}");
        let c = customer(Dialect::Spark, "`Email`", &["`Phone`".to_owned()], true);
        assert!(
            c.contains("TRIM(LEADING '\\'' FROM TRIM(CAST(`Phone` AS STRING)))"),
            "{c}"
        );
        let c = customer(
            Dialect::Duckdb,
            "\"Email\"",
            &["\"Phone\"".to_owned()],
            true,
        );
        assert!(
            c.contains("LTRIM(TRIM(CAST(\"Phone\" AS VARCHAR)), '''')"),
            "{c}"
        );
        assert_eq!(
            with_terms(
                "\"T\"",
                &[
                    Term::Add("S".into()),
                    Term::Subtract("R".into()),
                    Term::Adjusted {
                        total: "O".into(),
                        adjusted: "A".into()
                    }
                ],
                |c| format!("\"{c}\"")
            ),
            "\"T\"\n    + COALESCE(\"S\", 0)\n    - COALESCE(\"R\", 0)\n    - CASE WHEN COALESCE(\"A\", 0) <> 0 THEN COALESCE(\"O\", 0) - \"A\" ELSE 0 END"
        );
        let only = Sales {
            status: Some("s".into()),
            statuses: StatusRule::from_lists(Some("Paid, wc-completed"), None),
            ..Sales::default()
        };
        assert_eq!(
            conditions(Dialect::Duckdb, &only),
            ["(status_key = '' OR status_key IN ('paid', 'completed'))"]
        );
    }
}
