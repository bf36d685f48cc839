//! `--where EXPR`: the expression language that keeps some order lines
//! (input rows) and leaves the others out before anything else is read
//! from them. docs/where.md is the user documentation.
//!
//! ```text
//! expr      := and ("or" and)*
//! and       := unary ("and" unary)*
//! unary     := "not" unary | "(" expr ")" | predicate
//! predicate := column ( op value | ["not"] "in" "(" value ("," value)* ")"
//!            | ("~" | "!~") 'text' | "is" ["not"] ("empty" | "null") )
//! op        := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//! column    := bare name | "quoted name" | `quoted name`
//! value     := 'text' | number | date
//! ```
//!
//! Three stages, so that each runs where it can:
//! - [`Filter::parse`] checks the syntax when the options are read (no file
//!   is open yet) and keeps the expressions as an [`Expr`] tree, which
//!   `rfm sql` can translate;
//! - [`Filter::bind`] resolves the column names against a header (as the
//!   column flags do: exact first, then folded) and compiles the regular
//!   expressions once;
//! - [`Bound::matches`] decides each row, on every worker, without
//!   allocating.
//!
//! The type of a comparison comes from its value: a number compares the
//! field read as an exact decimal with the file's decimal separator, a date
//! the field read with the column's date format (a date-time by its day),
//! a text the trimmed field byte by byte. A field that is empty, missing or
//! does not read as the value's type makes every comparison false, `!=` as
//! well (SQL's NULL); `is empty` is how to ask for it.

use super::columns::header_list;
use crate::dates::{self, DateFormat, Day};
use crate::error::shown;
use crate::fold::fold;
use crate::money::{self, AmountError, Decimal, DecimalSeparator, MAX_SCALE};
use regex::Regex;
use std::cmp::Ordering;
use std::fmt;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompareOp {
    /// `=` (also `==`).
    Eq,
    /// `!=` (also `<>`).
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl CompareOp {
    /// The operator as written in the normalized expression (and in SQL,
    /// but for `!=`, which SQL writes `<>`).
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }

    /// Whether `field <op> value` holds, given how the field compares to
    /// the value.
    fn holds(self, ordering: Ordering) -> bool {
        match self {
            CompareOp::Eq => ordering.is_eq(),
            CompareOp::Ne => ordering.is_ne(),
            CompareOp::Lt => ordering.is_lt(),
            CompareOp::Le => ordering.is_le(),
            CompareOp::Gt => ordering.is_gt(),
            CompareOp::Ge => ordering.is_ge(),
        }
    }

    fn orders(self) -> bool {
        matches!(
            self,
            CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge
        )
    }
}

/// A value in an expression; its kind decides how the field is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Literal {
    /// `'France'`: the trimmed field as text.
    Text(String),
    /// `100`, `-3.5`: the field as an exact decimal.
    Number(Decimal),
    /// `2011-06-01`: the field as a date (its day).
    Date(Day),
}

/// A parsed `--where` expression. `And` and `Or` are flat (`a and b and c`
/// is one `And` of three); `COL not in (...)`, `!~` and `is not empty` are
/// the `negated` forms, not a [`Expr::Not`] (they differ on fields that do
/// not compare: see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expr {
    /// All hold (two or more).
    And(Vec<Expr>),
    /// One holds (two or more).
    Or(Vec<Expr>),
    /// Boolean not: true when the inner expression is false, also when it is
    /// false because the field does not compare.
    Not(Box<Expr>),
    /// `column op literal`.
    Compare {
        column: String,
        op: CompareOp,
        literal: Literal,
    },
    /// `column [not] in (literal, ...)`: equal to one of the values; negated,
    /// comparable with one of them and equal to none.
    In {
        column: String,
        negated: bool,
        list: Vec<Literal>,
    },
    /// `column ~ 'pattern'` (negated: `!~`): the pattern matches somewhere in
    /// the trimmed field (Rust `regex` syntax).
    Regex {
        column: String,
        negated: bool,
        pattern: String,
    },
    /// `column is [not] empty`: empty after trimming, or missing.
    Empty { column: String, negated: bool },
}

/// The `--where` options of a run, parsed: every expression must hold.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Filter {
    exprs: Vec<Expr>,
    /// Each expression as the user wrote it, for errors at bind time.
    sources: Vec<String>,
    /// Each expression's column references, in order: the name as written
    /// and its position.
    refs: Vec<Vec<(String, usize)>>,
}

/// An error in a `--where` expression, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilterError {
    /// The expression as given.
    pub(crate) expr: String,
    /// The position of the problem, in characters from 0 (the length of
    /// the expression when it ends too early).
    pub(crate) position: usize,
    /// What is wrong.
    pub(crate) message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line each, so the caret stays under its character: control
        // characters (a line break inside the shell's quotes) show as spaces,
        // tabs stay tabs in both lines.
        let line: String = self
            .expr
            .chars()
            .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
            .collect();
        let pad: String = line
            .chars()
            .chain(std::iter::repeat(' '))
            .take(self.position)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        write!(
            f,
            "--where \"{line}\": {} at column {}\n  {line}\n  {pad}^",
            self.message,
            self.position + 1
        )
    }
}

impl std::error::Error for FilterError {}

impl Filter {
    /// Parses the expressions of the `--where` options (syntax only: no
    /// header is needed). No expression keeps every row.
    pub(crate) fn parse(exprs: &[String]) -> Result<Filter, FilterError> {
        let mut filter = Filter {
            exprs: Vec::with_capacity(exprs.len()),
            sources: Vec::with_capacity(exprs.len()),
            refs: Vec::with_capacity(exprs.len()),
        };
        for source in exprs {
            let (expr, refs) = parse_one(source).map_err(|fail| fail.at(source))?;
            filter.exprs.push(expr);
            filter.sources.push(source.clone());
            filter.refs.push(refs);
        }
        Ok(filter)
    }

    /// The expressions, one per `--where` (all must hold), for `rfm sql`,
    /// which writes them as SQL.
    pub(crate) fn exprs(&self) -> &[Expr] {
        &self.exprs
    }

    /// The column names the expressions read, as written, in order of
    /// appearance, each once.
    #[cfg(test)]
    pub(crate) fn columns(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (name, _) in self.refs.iter().flatten() {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    }

    /// Resolves the column names against a header, as the column flags do:
    /// the column with exactly that name, else the one whose name folds
    /// alike ([`crate::fold::fold`]: case, accents and punctuation ignored;
    /// two such columns are an error). `date_format` gives the date format
    /// of a column; it is asked once for each column compared with a date.
    pub(crate) fn bind(
        &self,
        header: &[String],
        decimal: DecimalSeparator,
        date_format: &dyn Fn(usize) -> DateFormat,
    ) -> Result<Bound, FilterError> {
        let mut resolved: Vec<(&str, usize)> = Vec::new();
        let mut columns = Vec::new();
        for (source, refs) in self.sources.iter().zip(&self.refs) {
            for (name, position) in refs {
                if resolved.iter().any(|(n, _)| n == name) {
                    continue;
                }
                let index = resolve(header, name).map_err(|message| FilterError {
                    expr: source.clone(),
                    position: *position,
                    message,
                })?;
                resolved.push((name, index));
                if !columns.contains(&index) {
                    columns.push(index);
                }
            }
        }
        let mut binder = Binder {
            resolved,
            formats: Vec::new(),
            date_format,
        };
        let mut nodes = Vec::with_capacity(self.exprs.len());
        for (expr, source) in self.exprs.iter().zip(&self.sources) {
            nodes.push(binder.node(expr).map_err(|message| FilterError {
                expr: source.clone(),
                position: 0,
                message,
            })?);
        }
        Ok(Bound {
            nodes,
            columns,
            decimal,
        })
    }
}

impl fmt::Display for Filter {
    /// The normalized expressions joined by `and` (keywords in lower case,
    /// names quoted only when they must be, numbers and dates canonical).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, expr) in self.exprs.iter().enumerate() {
            if i > 0 {
                f.write_str(" and ")?;
            }
            if self.exprs.len() > 1 && matches!(expr, Expr::Or(_)) {
                write!(f, "({expr})")?;
            } else {
                write!(f, "{expr}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::And(items) | Expr::Or(items) => {
                let (joint, and) = match self {
                    Expr::And(_) => (" and ", true),
                    _ => (" or ", false),
                };
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(joint)?;
                    }
                    // `and` binds tighter: an `or` inside it needs its
                    // parentheses (and an `and` inside an `or` does not).
                    let group = match item {
                        Expr::Or(_) => true,
                        Expr::And(_) => and,
                        _ => false,
                    };
                    if group {
                        write!(f, "({item})")?;
                    } else {
                        write!(f, "{item}")?;
                    }
                }
                Ok(())
            }
            Expr::Not(inner) => write!(f, "not ({inner})"),
            Expr::Compare {
                column,
                op,
                literal,
            } => write!(f, "{} {} {literal}", Name(column), op.symbol()),
            Expr::In {
                column,
                negated,
                list,
            } => {
                let not = if *negated { "not " } else { "" };
                write!(f, "{} {not}in (", Name(column))?;
                for (i, literal) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{literal}")?;
                }
                f.write_str(")")
            }
            Expr::Regex {
                column,
                negated,
                pattern,
            } => {
                let op = if *negated { "!~" } else { "~" };
                write!(f, "{} {op} {}", Name(column), Quoted(pattern))
            }
            Expr::Empty { column, negated } => {
                let not = if *negated { "not " } else { "" };
                write!(f, "{} is {not}empty", Name(column))
            }
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Text(text) => write!(f, "{}", Quoted(text)),
            Literal::Number(d) => {
                let digits = d.mantissa.unsigned_abs().to_string();
                let scale = usize::from(d.scale);
                let sign = if d.mantissa < 0 { "-" } else { "" };
                if scale == 0 {
                    write!(f, "{sign}{digits}")
                } else {
                    let digits = format!("{digits:0>width$}", width = scale + 1);
                    let (int, frac) = digits.split_at(digits.len() - scale);
                    write!(f, "{sign}{int}.{frac}")
                }
            }
            Literal::Date(day) => {
                let (y, m, d) = dates::ymd(*day);
                write!(f, "{y:04}-{m:02}-{d:02}")
            }
        }
    }
}

/// A column name as the normalized expression writes it: bare when it
/// reads back as itself, else in double quotes.
struct Name<'a>(&'a str);

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.0.chars();
        let bare = chars.next().is_some_and(starts_name)
            && chars.all(continues_name)
            && keyword(self.0).is_none();
        if bare {
            f.write_str(self.0)
        } else {
            write!(f, "\"{}\"", self.0.replace('"', "\"\""))
        }
    }
}

/// A text in single quotes, a quote inside doubled.
struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'", self.0.replace('\'', "''"))
    }
}

// ---------------------------------------------------------------------------
// Binding and evaluation.

/// A [`Filter`] bound to a header: what each worker asks of its rows.
#[derive(Debug, Clone)]
pub(crate) struct Bound {
    nodes: Vec<Node>,
    columns: Vec<usize>,
    decimal: DecimalSeparator,
}

#[derive(Debug, Clone)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Text {
        column: usize,
        op: CompareOp,
        value: Box<str>,
    },
    Number {
        column: usize,
        op: CompareOp,
        /// The value in units of 10^-18 ([`units`]).
        value: i128,
    },
    Date {
        column: usize,
        op: CompareOp,
        value: Day,
        format: DateFormat,
    },
    In {
        column: usize,
        negated: bool,
        /// Each kind sorted, for a binary search (a list of customer ids
        /// can be long).
        texts: Vec<Box<str>>,
        numbers: Vec<i128>,
        dates: Vec<Day>,
        format: Option<DateFormat>,
    },
    Regex {
        column: usize,
        negated: bool,
        regex: Regex,
    },
    Empty {
        column: usize,
        negated: bool,
    },
}

struct Binder<'a> {
    resolved: Vec<(&'a str, usize)>,
    formats: Vec<(usize, DateFormat)>,
    date_format: &'a dyn Fn(usize) -> DateFormat,
}

impl Binder<'_> {
    fn column(&self, name: &str) -> Result<usize, String> {
        self.resolved
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, i)| i)
            .ok_or_else(|| format!("internal: column '{name}' was not resolved"))
    }

    fn format(&mut self, column: usize) -> DateFormat {
        if let Some((_, format)) = self.formats.iter().find(|(c, _)| *c == column) {
            return format.clone();
        }
        let format = (self.date_format)(column);
        self.formats.push((column, format.clone()));
        format
    }

    fn node(&mut self, expr: &Expr) -> Result<Node, String> {
        Ok(match expr {
            Expr::And(items) => Node::And(self.nodes(items)?),
            Expr::Or(items) => Node::Or(self.nodes(items)?),
            Expr::Not(inner) => Node::Not(Box::new(self.node(inner)?)),
            Expr::Compare {
                column,
                op,
                literal,
            } => {
                let column = self.column(column)?;
                let op = *op;
                match literal {
                    Literal::Text(text) => Node::Text {
                        column,
                        op,
                        value: text.as_str().into(),
                    },
                    Literal::Number(d) => Node::Number {
                        column,
                        op,
                        value: units(*d).ok_or("internal: a number with too many decimals")?,
                    },
                    Literal::Date(day) => Node::Date {
                        column,
                        op,
                        value: *day,
                        format: self.format(column),
                    },
                }
            }
            Expr::In {
                column,
                negated,
                list,
            } => {
                let column = self.column(column)?;
                let (mut texts, mut numbers, mut dates) = (Vec::new(), Vec::new(), Vec::new());
                for literal in list {
                    match literal {
                        Literal::Text(t) => texts.push(t.as_str().into()),
                        Literal::Number(d) => numbers
                            .push(units(*d).ok_or("internal: a number with too many decimals")?),
                        Literal::Date(day) => dates.push(*day),
                    }
                }
                texts.sort_unstable();
                numbers.sort_unstable();
                dates.sort_unstable();
                let format = (!dates.is_empty()).then(|| self.format(column));
                Node::In {
                    column,
                    negated: *negated,
                    texts,
                    numbers,
                    dates,
                    format,
                }
            }
            Expr::Regex {
                column,
                negated,
                pattern,
            } => Node::Regex {
                column: self.column(column)?,
                negated: *negated,
                regex: Regex::new(pattern).map_err(|e| regex_message(&e))?,
            },
            Expr::Empty { column, negated } => Node::Empty {
                column: self.column(column)?,
                negated: *negated,
            },
        })
    }

    fn nodes(&mut self, exprs: &[Expr]) -> Result<Vec<Node>, String> {
        exprs.iter().map(|e| self.node(e)).collect()
    }
}

/// A decimal in units of 10^-18, so that values of any scale compare
/// exactly (an `i64` mantissa times 10^18 fits an `i128`).
fn units(d: Decimal) -> Option<i128> {
    let shift = u32::from(MAX_SCALE.checked_sub(d.scale)?);
    i128::from(d.mantissa).checked_mul(10i128.checked_pow(shift)?)
}

/// Whether a field can be a number or a date at all: both need a digit. A
/// field without one is refused here, before the parsers, which would
/// allocate to say why.
fn has_digit(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
}

impl Bound {
    /// The column indices the expressions read, in order of appearance,
    /// each once.
    pub(crate) fn columns(&self) -> Vec<usize> {
        self.columns.clone()
    }

    /// Whether a row passes every expression. `field(i)` is the row's field
    /// `i`, `None` when the row is short (or the field is not UTF-8), which
    /// reads as an empty field.
    pub(crate) fn matches<'r>(&self, field: &dyn Fn(usize) -> Option<&'r str>) -> bool {
        self.nodes.iter().all(|node| self.eval(node, field))
    }

    fn eval<'r>(&self, node: &Node, field: &dyn Fn(usize) -> Option<&'r str>) -> bool {
        // The trimmed field, `None` when it is empty or missing.
        let value = |column: usize| {
            field(column)
                .map(money::trim)
                .filter(|text| !text.is_empty())
        };
        match node {
            Node::And(items) => items.iter().all(|n| self.eval(n, field)),
            Node::Or(items) => items.iter().any(|n| self.eval(n, field)),
            Node::Not(inner) => !self.eval(inner, field),
            Node::Text {
                column,
                op,
                value: v,
            } => value(*column).is_some_and(|text| op.holds(text.cmp(v))),
            Node::Number {
                column,
                op,
                value: v,
            } => value(*column)
                .and_then(|text| self.number(text))
                .is_some_and(|n| op.holds(n.cmp(v))),
            Node::Date {
                column,
                op,
                value: v,
                format,
            } => value(*column)
                .and_then(|text| date(text, format))
                .is_some_and(|d| op.holds(d.cmp(v))),
            Node::In {
                column,
                negated,
                texts,
                numbers,
                dates,
                format,
            } => {
                let Some(text) = value(*column) else {
                    return false;
                };
                // Comparable: the field reads as the type of one value.
                let mut comparable = !texts.is_empty();
                if texts.binary_search_by(|t| (**t).cmp(text)).is_ok() {
                    return !negated;
                }
                if !numbers.is_empty() {
                    if let Some(n) = self.number(text) {
                        if numbers.binary_search(&n).is_ok() {
                            return !negated;
                        }
                        comparable = true;
                    }
                }
                if let Some(format) = format {
                    if let Some(d) = date(text, format) {
                        if dates.binary_search(&d).is_ok() {
                            return !negated;
                        }
                        comparable = true;
                    }
                }
                *negated && comparable
            }
            Node::Regex {
                column,
                negated,
                regex,
            } => value(*column).is_some_and(|text| regex.is_match(text) != *negated),
            Node::Empty { column, negated } => value(*column).is_none() != *negated,
        }
    }

    fn number(&self, text: &str) -> Option<i128> {
        if !has_digit(text) {
            return None;
        }
        Decimal::parse(text, self.decimal).ok().and_then(units)
    }
}

fn date(text: &str, format: &DateFormat) -> Option<Day> {
    if !has_digit(text) {
        return None;
    }
    format.parse(text).ok()
}

// ---------------------------------------------------------------------------
// Resolving names.

/// The column a name designates: exactly, else folded alike.
fn resolve(header: &[String], name: &str) -> Result<usize, String> {
    if let Some(i) = header.iter().position(|h| h == name) {
        return Ok(i);
    }
    let folded = fold(name);
    let alike: Vec<usize> = if folded.is_empty() {
        Vec::new()
    } else {
        (0..header.len())
            .filter(|&i| fold(&header[i]) == folded)
            .collect()
    };
    match alike.as_slice() {
        [i] => Ok(*i),
        [_, _, ..] => Err(format!(
            "'{}' could be any of the columns {} (names compared ignoring case, accents and punctuation); write the name exactly as in the header",
            shown(name),
            alike
                .iter()
                .map(|&i| format!("'{}'", shown(&header[i])))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        [] => {
            let mut message = format!("no column '{}' in the input", shown(name));
            if let Some(i) = suggestion(header, &folded) {
                message.push_str(&format!("; did you mean '{}'?", shown(&header[i])));
            }
            message.push_str(&format!(" (its columns: {})", header_list(header)));
            Err(message)
        }
    }
}

/// The column whose folded name is closest to `folded`, when it is one
/// edit away (names of up to 4 characters) or two (longer names).
fn suggestion(header: &[String], folded: &str) -> Option<usize> {
    let wanted: Vec<char> = folded.chars().collect();
    if wanted.is_empty() {
        return None;
    }
    let most = if wanted.len() <= 4 { 1 } else { 2 };
    let mut best: Option<(usize, usize)> = None;
    for (i, h) in header.iter().enumerate() {
        let candidate: Vec<char> = fold(h).chars().collect();
        let distance = edits(&wanted, &candidate);
        if distance <= most && best.is_none_or(|(_, d)| distance < d) {
            best = Some((i, distance));
        }
    }
    best.map(|(i, _)| i)
}

/// The Levenshtein distance between two words.
fn edits(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// A regex error on one line: the crate's own message spans several, with
/// its own caret; the last says what is wrong.
fn regex_message(error: &regex::Error) -> String {
    let detail = match error {
        regex::Error::Syntax(text) => text
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("error: "))
            .unwrap_or("invalid syntax")
            .to_owned(),
        regex::Error::CompiledTooBig(_) => "too big once compiled".to_owned(),
        other => other.to_string(),
    };
    format!("invalid regular expression: {detail}")
}

// ---------------------------------------------------------------------------
// Lexing.

/// A problem at a position, before it knows its expression.
#[derive(Debug)]
struct Fail {
    position: usize,
    message: String,
}

impl Fail {
    fn new(position: usize, message: impl Into<String>) -> Fail {
        Fail {
            position,
            message: message.into(),
        }
    }

    fn at(self, source: &str) -> FilterError {
        FilterError {
            expr: source.to_owned(),
            position: self.position,
            message: self.message,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare word: a column name or a keyword.
    Word(String),
    /// A name in double quotes or backticks.
    Name(String),
    /// A text in single quotes.
    Text(String),
    Number(Decimal),
    Date(Day),
    Op(CompareOp),
    /// `~`, or `!~` when true.
    Match(bool),
    Open,
    Close,
    Comma,
    End,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    /// First character.
    start: usize,
    /// One past the last character.
    end: usize,
}

/// The reserved words: a column named so needs quotes.
const KEYWORDS: [&str; 5] = ["and", "or", "not", "in", "is"];

fn keyword(word: &str) -> Option<&'static str> {
    KEYWORDS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(word))
        .copied()
}

fn starts_name(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn continues_name(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.'
}

const QUOTE_HINT: &str =
    "a column name with spaces or punctuation is written in double quotes or backticks";

fn lex(chars: &[char]) -> Result<Vec<Token>, Fail> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    let at = |k: usize| chars.get(k).copied();
    while let Some(c) = at(i) {
        let start = i;
        let tok = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => {
                i += 1;
                Tok::Open
            }
            ')' => {
                i += 1;
                Tok::Close
            }
            ',' => {
                i += 1;
                Tok::Comma
            }
            '\'' => {
                let (text, next) = quoted(chars, i, '\'')
                    .ok_or_else(|| Fail::new(start, "this ' starts a text that is never closed"))?;
                i = next;
                Tok::Text(text)
            }
            '"' | '`' => {
                let (name, next) = quoted(chars, i, c).ok_or_else(|| {
                    Fail::new(
                        start,
                        format!("this {c} starts a name that is never closed"),
                    )
                })?;
                if name.is_empty() {
                    return Err(Fail::new(start, "an empty column name"));
                }
                i = next;
                Tok::Name(name)
            }
            '‘' | '’' | '‚' | '“' | '”' | '„' | '«' | '»' => {
                return Err(Fail::new(
                    start,
                    format!(
                        "a typographic quote {c}: text is written in straight single quotes ('France'), names in straight double quotes or backticks"
                    ),
                ));
            }
            '=' => {
                i += if at(i + 1) == Some('=') { 2 } else { 1 };
                Tok::Op(CompareOp::Eq)
            }
            '!' => match at(i + 1) {
                Some('=') => {
                    i += 2;
                    Tok::Op(CompareOp::Ne)
                }
                Some('~') => {
                    i += 2;
                    Tok::Match(true)
                }
                _ => {
                    return Err(Fail::new(
                        start,
                        "unexpected '!': write 'not', '!=' or '!~'",
                    ));
                }
            },
            '<' => match at(i + 1) {
                Some('=') => {
                    i += 2;
                    Tok::Op(CompareOp::Le)
                }
                Some('>') => {
                    i += 2;
                    Tok::Op(CompareOp::Ne)
                }
                _ => {
                    i += 1;
                    Tok::Op(CompareOp::Lt)
                }
            },
            '>' => {
                if at(i + 1) == Some('=') {
                    i += 2;
                    Tok::Op(CompareOp::Ge)
                } else {
                    i += 1;
                    Tok::Op(CompareOp::Gt)
                }
            }
            '~' => {
                i += 1;
                Tok::Match(false)
            }
            c if c.is_ascii_digit()
                || (matches!(c, '+' | '-' | '.') && starts_number(chars, i + 1)) =>
            {
                let (tok, next) = number(chars, i)?;
                i = next;
                tok
            }
            c if starts_name(c) => {
                while at(i).is_some_and(continues_name) {
                    i += 1;
                }
                Tok::Word(chars[start..i].iter().collect())
            }
            c => {
                let mut message = match c {
                    '&' => "unexpected '&': write 'and'".to_owned(),
                    '|' => "unexpected '|': write 'or'".to_owned(),
                    c => format!("unexpected character '{c}'"),
                };
                let after_word = tokens
                    .last()
                    .is_some_and(|t| t.end == start && matches!(t.tok, Tok::Word(_)));
                if after_word {
                    message.push_str(&format!(" ({QUOTE_HINT})"));
                }
                return Err(Fail::new(start, message));
            }
        };
        tokens.push(Token { tok, start, end: i });
    }
    tokens.push(Token {
        tok: Tok::End,
        start: chars.len(),
        end: chars.len(),
    });
    Ok(tokens)
}

/// Whether a number starts at `i` (after a sign): a digit, or a point and
/// a digit.
fn starts_number(chars: &[char], i: usize) -> bool {
    match chars.get(i) {
        Some(c) if c.is_ascii_digit() => true,
        Some('.') => chars.get(i + 1).is_some_and(char::is_ascii_digit),
        _ => false,
    }
}

/// The text between a quote at `open` and its closing quote, a doubled
/// quote standing for one; and the position after the closing quote.
fn quoted(chars: &[char], open: usize, quote: char) -> Option<(String, usize)> {
    let mut text = String::new();
    let mut i = open + 1;
    loop {
        let c = *chars.get(i)?;
        if c == quote {
            if chars.get(i + 1) == Some(&quote) {
                text.push(quote);
                i += 2;
                continue;
            }
            return Some((text, i + 1));
        }
        text.push(c);
        i += 1;
    }
}

/// `None` when `text` is not written `YYYY-MM-DD`; else its day, `None`
/// when there is no such date (`2011-02-30`).
fn iso_date(text: &str) -> Option<Option<Day>> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let iso = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && digits(0..4)
        && digits(5..7)
        && digits(8..10);
    if !iso {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text[r].parse::<u32>().unwrap_or(0);
    Some(
        i32::try_from(n(0..4))
            .ok()
            .and_then(|y| dates::day_of(y, n(5..7), n(8..10)))
            .filter(|&d| dates::in_years(d)),
    )
}

/// A number (`100`, `-3.5`, `+.25`) or a date (`2011-06-01`) at `start`.
fn number(chars: &[char], start: usize) -> Result<(Tok, usize), Fail> {
    let mut i = start;
    let sign = match chars[i] {
        '+' | '-' => {
            i += 1;
            Some(chars[start])
        }
        _ => None,
    };
    let body_start = i;
    while chars
        .get(i)
        .is_some_and(|&c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'))
    {
        i += 1;
    }
    let body: String = chars[body_start..i].iter().collect();
    let word: String = chars[start..i].iter().collect();
    if let Some(day) = iso_date(&body) {
        if sign.is_some() {
            return Err(Fail::new(start, format!("'{word}' is not a date")));
        }
        let day = day.ok_or_else(|| Fail::new(start, format!("there is no date {body}")))?;
        return Ok((Tok::Date(day), i));
    }
    let points = body.matches('.').count();
    let plain = points <= 1
        && !body.ends_with('.')
        && body.bytes().all(|c| c.is_ascii_digit() || c == b'.');
    if !plain {
        let mut message =
            format!("'{word}' is not a number or a date (numbers: 100, -3.5; dates: 2011-06-01)");
        if body.contains(':') {
            message.push_str(
                "; a date has no time of day here: a date-time field compares by its day",
            );
        } else if body.chars().any(char::is_alphabetic) {
            message
                .push_str("; a column name that starts with a digit is written in double quotes");
        }
        return Err(Fail::new(start, message));
    }
    let text = if sign == Some('-') {
        format!("-{body}")
    } else {
        body
    };
    match Decimal::parse(&text, DecimalSeparator::Point) {
        Ok(d) => Ok((Tok::Number(d), i)),
        Err(AmountError::TooManyDigits) => Err(Fail::new(
            start,
            format!("'{word}' has too many digits (at most 18, and 18 decimals)"),
        )),
        Err(_) => Err(Fail::new(start, format!("'{word}' is not a number"))),
    }
}

// ---------------------------------------------------------------------------
// Parsing.

fn parse_one(source: &str) -> Result<(Expr, Vec<(String, usize)>), Fail> {
    let chars: Vec<char> = source.chars().collect();
    let tokens = lex(&chars)?;
    if tokens.len() == 1 {
        return Err(Fail::new(
            0,
            "an empty expression (e.g. --where \"Country = 'France'\")",
        ));
    }
    let mut parser = Parser {
        chars: &chars,
        tokens,
        at: 0,
        refs: Vec::new(),
        depth: 0,
    };
    let expr = parser.or()?;
    let token = parser.peek().clone();
    match token.tok {
        Tok::End => Ok((expr, parser.refs)),
        Tok::Close => Err(Fail::new(token.start, "this ')' closes no '('")),
        Tok::Comma => {
            let mut message = "unexpected ','".to_owned();
            let before = parser.tokens[parser.at - 1].tok.clone();
            let after = parser.tokens[parser.at + 1].clone();
            if matches!(before, Tok::Number(_))
                && matches!(after.tok, Tok::Number(_))
                && after.start == token.end
            {
                message.push_str(
                    "; numbers in --where are written with a decimal point (1.5), whatever the file's separator",
                );
            }
            Err(Fail::new(token.start, message))
        }
        _ => Err(Fail::new(
            token.start,
            format!(
                "unexpected {} after a complete condition; conditions are joined with 'and' or 'or'",
                parser.describe(&token)
            ),
        )),
    }
}

struct Parser<'a> {
    chars: &'a [char],
    tokens: Vec<Token>,
    at: usize,
    refs: Vec<(String, usize)>,
    /// How many `(` and `not` the parser is inside.
    depth: usize,
}

/// The most `(` and `not` one inside another: the parser, the evaluation
/// and the display recurse, and an expression is a command-line argument
/// (up to megabytes), so the nesting is bounded.
const MAX_DEPTH: usize = 100;

const OPERATORS: &str = "=, !=, <, <=, >, >=, in, not in, ~, !~, is empty or is not empty";

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.tokens[self.at]
    }

    fn next(&mut self) -> Token {
        let token = self.tokens[self.at].clone();
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
        token
    }

    /// Takes the keyword `word` if it comes next.
    fn keyword(&mut self, word: &str) -> bool {
        let hit = matches!(&self.peek().tok, Tok::Word(w) if w.eq_ignore_ascii_case(word));
        if hit {
            self.next();
        }
        hit
    }

    fn text(&self, token: &Token) -> String {
        self.chars[token.start..token.end].iter().collect()
    }

    fn describe(&self, token: &Token) -> String {
        match token.tok {
            Tok::End => "the end of the expression".to_owned(),
            _ => format!("'{}'", self.text(token)),
        }
    }

    fn or(&mut self) -> Result<Expr, Fail> {
        let mut items = vec![self.and()?];
        while self.keyword("or") {
            items.push(self.and()?);
        }
        Ok(flat(items, false))
    }

    fn and(&mut self) -> Result<Expr, Fail> {
        let mut items = vec![self.unary()?];
        while self.keyword("and") {
            items.push(self.unary()?);
        }
        Ok(flat(items, true))
    }

    fn unary(&mut self) -> Result<Expr, Fail> {
        let open = self.peek().clone();
        let not = matches!(&open.tok, Tok::Word(w) if w.eq_ignore_ascii_case("not"));
        if !not && open.tok != Tok::Open {
            return self.predicate();
        }
        if self.depth == MAX_DEPTH {
            return Err(Fail::new(
                open.start,
                format!("more than {MAX_DEPTH} levels of parentheses and 'not'"),
            ));
        }
        self.depth += 1;
        let expr = if not {
            self.next();
            self.unary().map(|inner| Expr::Not(Box::new(inner)))
        } else {
            self.group(&open)
        };
        self.depth -= 1;
        expr
    }

    /// `( expr )`, the `(` at `open`.
    fn group(&mut self, open: &Token) -> Result<Expr, Fail> {
        self.next();
        let inner = self.or()?;
        let token = self.next();
        match token.tok {
            Tok::Close => Ok(inner),
            Tok::End => Err(Fail::new(
                token.start,
                format!("missing ')' to close the '(' at column {}", open.start + 1),
            )),
            _ => Err(Fail::new(
                token.start,
                format!(
                    "expected 'and', 'or' or ')' to close the '(' at column {}, found {}",
                    open.start + 1,
                    self.describe(&token)
                ),
            )),
        }
    }

    fn column(&mut self) -> Result<String, Fail> {
        let token = self.next();
        let found = self.describe(&token);
        let name = match token.tok {
            Tok::Word(word) => {
                if let Some(k) = keyword(&word) {
                    return Err(Fail::new(
                        token.start,
                        format!(
                            "expected a column name, found the keyword '{word}' (a column named {k} is written in double quotes: \"{word}\")"
                        ),
                    ));
                }
                word
            }
            Tok::Name(name) => name,
            Tok::Number(_) | Tok::Date(_) => {
                return Err(Fail::new(
                    token.start,
                    format!(
                        "expected a column name, found {found}: a condition starts with the column (Quantity > 0), and a column name that starts with a digit is written in double quotes"
                    ),
                ));
            }
            Tok::Text(_) => {
                return Err(Fail::new(
                    token.start,
                    format!(
                        "expected a column name, found the text {found}: single quotes are for text; a column name is bare or in double quotes or backticks"
                    ),
                ));
            }
            _ => {
                return Err(Fail::new(
                    token.start,
                    format!("expected a column name, found {found}"),
                ));
            }
        };
        self.refs.push((name.clone(), token.start));
        Ok(name)
    }

    fn predicate(&mut self) -> Result<Expr, Fail> {
        let column_token = self.peek().clone();
        let column = self.column()?;
        let token = self.next();
        match token.tok {
            Tok::Op(op) => {
                let literal = self.literal(&column, op)?;
                Ok(Expr::Compare {
                    column,
                    op,
                    literal,
                })
            }
            Tok::Match(negated) => {
                let value = self.next();
                let Tok::Text(pattern) = value.tok else {
                    return Err(Fail::new(
                        value.start,
                        format!(
                            "expected a regular expression in single quotes after '{}', found {}",
                            self.text(&token),
                            self.describe(&value)
                        ),
                    ));
                };
                if let Err(e) = Regex::new(&pattern) {
                    return Err(Fail::new(value.start, regex_message(&e)));
                }
                Ok(Expr::Regex {
                    column,
                    negated,
                    pattern,
                })
            }
            Tok::Word(ref word) => match keyword(word) {
                Some("in") => self.list(column, false),
                Some("not") => {
                    if self.keyword("in") {
                        return self.list(column, true);
                    }
                    let next = self.peek().clone();
                    Err(Fail::new(
                        next.start,
                        format!(
                            "expected 'in' after '{column} not', found {} ('not' before a column negates a condition: not ({column} = 'x'))",
                            self.describe(&next)
                        ),
                    ))
                }
                Some("is") => {
                    let negated = self.keyword("not");
                    let next = self.next();
                    match &next.tok {
                        Tok::Word(w)
                            if w.eq_ignore_ascii_case("empty")
                                || w.eq_ignore_ascii_case("null") =>
                        {
                            Ok(Expr::Empty { column, negated })
                        }
                        _ => Err(Fail::new(
                            next.start,
                            format!(
                                "expected 'empty' after 'is{}', found {}",
                                if negated { " not" } else { "" },
                                self.describe(&next)
                            ),
                        )),
                    }
                }
                _ if word.eq_ignore_ascii_case("like") => Err(Fail::new(
                    token.start,
                    "'like' is not supported: match a regular expression with ~ (Description ~ 'HEART' or, ignoring case, Description ~ '(?i)heart')",
                )),
                _ if word.eq_ignore_ascii_case("between") => Err(Fail::new(
                    token.start,
                    format!("'between' is not supported: write {column} >= 1 and {column} <= 10"),
                )),
                _ => {
                    let mut message = format!(
                        "expected an operator after the column {}, found {}: one of {OPERATORS}",
                        Name(&column),
                        self.describe(&token)
                    );
                    if matches!(column_token.tok, Tok::Word(_)) {
                        message.push_str(&format!(
                            "; {QUOTE_HINT}: \"{} {word}\"",
                            column.replace('"', "\"\"")
                        ));
                    }
                    Err(Fail::new(token.start, message))
                }
            },
            _ => Err(Fail::new(
                token.start,
                format!(
                    "expected an operator after the column {}, found {}: one of {OPERATORS}",
                    Name(&column),
                    self.describe(&token)
                ),
            )),
        }
    }

    /// The value of a comparison (`op`) or of an `in` list (`Eq`).
    fn literal(&mut self, column: &str, op: CompareOp) -> Result<Literal, Fail> {
        let token = self.next();
        let found = self.describe(&token);
        match token.tok {
            Tok::Number(d) => Ok(Literal::Number(d)),
            Tok::Date(day) => Ok(Literal::Date(day)),
            Tok::Text(text) => {
                if op.orders() && iso_date(&text).is_some() {
                    return Err(Fail::new(
                        token.start,
                        format!(
                            "{found} in quotes is text, which compares letter by letter; to compare dates write the date without quotes: {} {} {text}",
                            Name(column),
                            op.symbol()
                        ),
                    ));
                }
                if op == CompareOp::Eq {
                    if text.trim().is_empty() {
                        return Err(Fail::new(
                            token.start,
                            format!(
                                "{found} never matches: an empty field compares false with everything; test it with '{} is empty'",
                                Name(column)
                            ),
                        ));
                    }
                    if text.trim() != text {
                        return Err(Fail::new(
                            token.start,
                            format!(
                                "{found} never matches: fields are compared without their surrounding spaces; write '{}'",
                                text.trim().replace('\'', "''")
                            ),
                        ));
                    }
                }
                Ok(Literal::Text(text))
            }
            Tok::Word(ref word) if keyword(word).is_none() => Err(Fail::new(
                token.start,
                format!(
                    "{found} is not a value: text is written in single quotes ({} {} {})",
                    Name(column),
                    op.symbol(),
                    Quoted(word)
                ),
            )),
            Tok::Name(ref name) => Err(Fail::new(
                token.start,
                format!(
                    "{found} in double quotes or backticks is a column name, and a column compares with a value: text is written in single quotes ({} {} {})",
                    Name(column),
                    op.symbol(),
                    Quoted(name)
                ),
            )),
            _ => Err(Fail::new(
                token.start,
                format!(
                    "expected a value (text in single quotes, a number or a date like 2011-06-01), found {found}"
                ),
            )),
        }
    }

    /// `( value, ... )` after `in` or `not in`.
    fn list(&mut self, column: String, negated: bool) -> Result<Expr, Fail> {
        let open = self.next();
        if open.tok != Tok::Open {
            return Err(Fail::new(
                open.start,
                format!(
                    "expected '(' after 'in', found {}: the values are listed in parentheses ({} in ('France', 'Spain'))",
                    self.describe(&open),
                    Name(&column)
                ),
            ));
        }
        if self.peek().tok == Tok::Close {
            return Err(Fail::new(self.peek().start, "an empty list"));
        }
        let mut list = vec![self.literal(&column, CompareOp::Eq)?];
        loop {
            let token = self.next();
            match token.tok {
                Tok::Comma => list.push(self.literal(&column, CompareOp::Eq)?),
                Tok::Close => break,
                _ => {
                    return Err(Fail::new(
                        token.start,
                        format!(
                            "expected ',' or ')' in the list opened at column {}, found {}",
                            open.start + 1,
                            self.describe(&token)
                        ),
                    ));
                }
            }
        }
        Ok(Expr::In {
            column,
            negated,
            list,
        })
    }
}

/// One item as is, several joined by `and` (else `or`), an item that is
/// itself such a join spliced in.
fn flat(items: Vec<Expr>, and: bool) -> Expr {
    if items.len() == 1 {
        if let Some(item) = items.into_iter().next() {
            return item;
        }
        unreachable!("one item");
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Expr::And(inner) if and => out.extend(inner),
            Expr::Or(inner) if !and => out.extend(inner),
            item => out.push(item),
        }
    }
    if and { Expr::And(out) } else { Expr::Or(out) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::{Layout, Order};
    use std::cell::Cell;

    fn parse(expr: &str) -> Expr {
        match Filter::parse(&[expr.to_owned()]) {
            Ok(filter) => filter.exprs()[0].clone(),
            Err(e) => panic!("{e}"),
        }
    }

    /// The position and message of an expression's error.
    fn error(expr: &str) -> (usize, String) {
        match Filter::parse(&[expr.to_owned()]) {
            Ok(filter) => panic!("{expr} parsed: {filter}"),
            Err(e) => {
                assert_eq!(e.expr, expr);
                (e.position, e.message)
            }
        }
    }

    fn text(s: &str) -> Literal {
        Literal::Text(s.to_owned())
    }

    fn num(mantissa: i64, scale: u8) -> Literal {
        Literal::Number(Decimal { mantissa, scale })
    }

    fn day(y: i32, m: u32, d: u32) -> Day {
        dates::day_of(y, m, d).unwrap()
    }

    fn cmp(column: &str, op: CompareOp, literal: Literal) -> Expr {
        Expr::Compare {
            column: column.to_owned(),
            op,
            literal,
        }
    }

    const RETAIL: [&str; 8] = [
        "InvoiceNo",
        "StockCode",
        "Description",
        "Quantity",
        "InvoiceDate",
        "UnitPrice",
        "CustomerID",
        "Country",
    ];

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn bind_with(
        exprs: &[&str],
        names: &[&str],
        decimal: DecimalSeparator,
        format: DateFormat,
    ) -> Result<Bound, FilterError> {
        let exprs: Vec<String> = exprs.iter().map(|s| s.to_string()).collect();
        Filter::parse(&exprs)
            .unwrap()
            .bind(&header(names), decimal, &|_| format.clone())
    }

    fn bound(expr: &str) -> Bound {
        bind_with(&[expr], &RETAIL, DecimalSeparator::Point, DateFormat::Iso).unwrap()
    }

    /// Whether a row, given as `(column, field)` pairs over the Online
    /// Retail header (other fields missing), passes.
    fn passes(bound: &Bound, fields: &[(&str, &str)]) -> bool {
        let row: Vec<Option<&str>> = RETAIL
            .iter()
            .map(|c| fields.iter().find(|(n, _)| n == c).map(|(_, v)| *v))
            .collect();
        bound.matches(&|i| row.get(i).copied().flatten())
    }

    // --- Parsing ---------------------------------------------------------

    #[test]
    fn not_binds_tighter_than_and_and_and_than_or() {
        let a = cmp("a", CompareOp::Eq, num(1, 0));
        let b = cmp("b", CompareOp::Eq, num(2, 0));
        let c = cmp("c", CompareOp::Eq, num(3, 0));
        assert_eq!(
            parse("a = 1 or b = 2 and not c = 3"),
            Expr::Or(vec![
                a.clone(),
                Expr::And(vec![b.clone(), Expr::Not(Box::new(c.clone()))])
            ])
        );
        assert_eq!(
            parse("not a = 1 and b = 2"),
            Expr::And(vec![Expr::Not(Box::new(a.clone())), b.clone()])
        );
        assert_eq!(
            parse("(a = 1 or b = 2) and c = 3"),
            Expr::And(vec![Expr::Or(vec![a.clone(), b.clone()]), c.clone()])
        );
        assert_eq!(
            parse("not (a = 1 or b = 2)"),
            Expr::Not(Box::new(Expr::Or(vec![a.clone(), b.clone()])))
        );
        // Chains are flat, explicit groups of the same kind too.
        assert_eq!(
            parse("a = 1 and (b = 2 and c = 3)"),
            Expr::And(vec![a.clone(), b.clone(), c.clone()])
        );
        assert_eq!(
            parse("((a = 1)) or b = 2 or c = 3"),
            Expr::Or(vec![a, b, c])
        );
    }

    #[test]
    fn keywords_are_case_insensitive() {
        assert_eq!(
            parse("a = 1 AND NOT b IS NOT EMPTY Or c In (1) anD d NOT in (2)"),
            Expr::Or(vec![
                Expr::And(vec![
                    cmp("a", CompareOp::Eq, num(1, 0)),
                    Expr::Not(Box::new(Expr::Empty {
                        column: "b".into(),
                        negated: true
                    })),
                ]),
                Expr::And(vec![
                    Expr::In {
                        column: "c".into(),
                        negated: false,
                        list: vec![num(1, 0)]
                    },
                    Expr::In {
                        column: "d".into(),
                        negated: true,
                        list: vec![num(2, 0)]
                    },
                ]),
            ])
        );
    }

    #[test]
    fn every_operator() {
        let ops = [
            ("=", CompareOp::Eq),
            ("==", CompareOp::Eq),
            ("!=", CompareOp::Ne),
            ("<>", CompareOp::Ne),
            ("<", CompareOp::Lt),
            ("<=", CompareOp::Le),
            (">", CompareOp::Gt),
            (">=", CompareOp::Ge),
        ];
        for (symbol, op) in ops {
            assert_eq!(
                parse(&format!("Quantity {symbol} 5")),
                cmp("Quantity", op, num(5, 0))
            );
            // Without spaces too.
            assert_eq!(
                parse(&format!("Quantity{symbol}-5")),
                cmp("Quantity", op, num(-5, 0))
            );
        }
        assert_eq!(
            parse("Description ~ '^WHITE'"),
            Expr::Regex {
                column: "Description".into(),
                negated: false,
                pattern: "^WHITE".into()
            }
        );
        assert_eq!(
            parse("Description !~ '(?i)heart'"),
            Expr::Regex {
                column: "Description".into(),
                negated: true,
                pattern: "(?i)heart".into()
            }
        );
        assert_eq!(
            parse("StockCode in ('POST', 'M', 22423, 2011-06-01)"),
            Expr::In {
                column: "StockCode".into(),
                negated: false,
                list: vec![
                    text("POST"),
                    text("M"),
                    num(22423, 0),
                    Literal::Date(day(2011, 6, 1))
                ]
            }
        );
        assert_eq!(
            parse("StockCode not in ('POST')"),
            Expr::In {
                column: "StockCode".into(),
                negated: true,
                list: vec![text("POST")]
            }
        );
        for (expr, negated) in [
            ("CustomerID is empty", false),
            ("CustomerID is not empty", true),
            ("CustomerID IS NULL", false),
            ("CustomerID is not null", true),
        ] {
            assert_eq!(
                parse(expr),
                Expr::Empty {
                    column: "CustomerID".into(),
                    negated
                },
                "{expr}"
            );
        }
    }

    #[test]
    fn literals() {
        let value = |expr: &str| match parse(expr) {
            Expr::Compare { literal, .. } => literal,
            other => panic!("{other:?}"),
        };
        assert_eq!(value("x = 100"), num(100, 0));
        assert_eq!(value("x = -3.5"), num(-35, 1));
        assert_eq!(value("x = +2"), num(2, 0));
        assert_eq!(value("x = 0.25"), num(25, 2));
        assert_eq!(value("x = .5"), num(5, 1));
        assert_eq!(value("x = -.5"), num(-5, 1));
        // Trailing zeros are dropped: 10.50 is 10.5.
        assert_eq!(value("x = 10.50"), num(105, 1));
        assert_eq!(value("x = 007"), num(7, 0));
        assert_eq!(value("x = 2011-06-01"), Literal::Date(15126));
        assert_eq!(value("x = 1970-01-01"), Literal::Date(0));
        // Quoted, a date is text.
        assert_eq!(value("x = '2011-06-01'"), text("2011-06-01"));
        assert_eq!(value("x = 'it''s'"), text("it's"));
        assert_eq!(value("x = '\"a\"'"), text("\"a\""));
        assert_eq!(value("x = 'France'"), text("France"));
        assert_eq!(value("x != ''"), text(""));
    }

    #[test]
    fn column_names_bare_and_quoted() {
        let column = |expr: &str| match parse(expr) {
            Expr::Compare { column, .. } => column,
            other => panic!("{other:?}"),
        };
        assert_eq!(column("Città = 'Roma'"), "Città");
        assert_eq!(column("Lineitem.quantity_2 > 0"), "Lineitem.quantity_2");
        assert_eq!(column("_x > 0"), "_x");
        assert_eq!(column("\"Lineitem quantity\" > 0"), "Lineitem quantity");
        assert_eq!(column("`Billing Country` = 'France'"), "Billing Country");
        assert_eq!(column("\"say \"\"hi\"\"\" = 'x'"), "say \"hi\"");
        assert_eq!(column("`a``b` = 'x'"), "a`b");
        assert_eq!(column("\"and\" = 'x'"), "and");
        assert_eq!(column("\"2nd\" = 'x'"), "2nd");
        // Not keywords: `empty`, `null`, `like`.
        assert_eq!(column("empty = 'x'"), "empty");
    }

    #[test]
    fn columns_in_order_of_appearance_once() {
        let filter = Filter::parse(&[
            "Quantity > 0 and (Country = 'France' or quantity < 0)".to_owned(),
            "Country != 'Spain' and InvoiceDate >= 2011-01-01".to_owned(),
        ])
        .unwrap();
        assert_eq!(
            filter.columns(),
            ["Quantity", "Country", "quantity", "InvoiceDate"]
        );
        assert_eq!(Filter::parse(&[]).unwrap().columns(), Vec::<String>::new());
    }

    #[test]
    fn display_is_normalized_and_reads_back() {
        let filter = Filter::parse(&[
            "country='France'".to_owned(),
            "Quantity>+0 OR \"Lineitem quantity\" <> 1.50".to_owned(),
            "NOT StockCode IN ('POST','M') and `say \"hi\"` is null".to_owned(),
        ])
        .unwrap();
        let shown = filter.to_string();
        assert_eq!(
            shown,
            "country = 'France' and (Quantity > 0 or \"Lineitem quantity\" != 1.5) and not (StockCode in ('POST', 'M')) and \"say \"\"hi\"\"\" is empty"
        );
        let one = Filter::parse(&["a = 1 or b = 2".to_owned()]).unwrap();
        assert_eq!(one.to_string(), "a = 1 or b = 2");
        for expr in [
            "a = 'it''s' and (b < -0.01 or c >= 2011-06-01) and not (d ~ '^x''y$')",
            "not (not (a is not empty)) or b not in (1, 'x', 2011-12-31) and c !~ 'q'",
            "(a = 1 or b = 2) and (c = 3 or d = 4) and \"in\" = 'x' and \"x y\" <= 'z'",
            "Città = 'Roma' and `Billing Country` = 'France' and n = -0.000000000000000001",
        ] {
            let first = parse(expr);
            let again = parse(&first.to_string());
            assert_eq!(first, again, "{expr} -> {first}");
        }
        assert_eq!(
            parse("n = -0.000000000000000001").to_string(),
            "n = -0.000000000000000001"
        );
        assert_eq!(parse("n = 1200").to_string(), "n = 1200");
        assert_eq!(parse("n = 0.05").to_string(), "n = 0.05");
    }

    // --- Errors ------------------------------------------------------------

    #[test]
    fn errors_have_positions() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "an empty expression"),
            ("   ", 0, "an empty expression"),
            (
                "Country = France",
                10,
                "text is written in single quotes (Country = 'France')",
            ),
            ("Country = \"France\"", 10, "(Country = 'France')"),
            ("Quantity > ", 11, "expected a value"),
            (
                "Quantity > 0 Country = 'x'",
                13,
                "unexpected 'Country' after a complete condition",
            ),
            (
                "(Quantity > 0",
                13,
                "missing ')' to close the '(' at column 1",
            ),
            ("Quantity > 0)", 12, "this ')' closes no '('"),
            ("Country = 'France", 10, "never closed"),
            ("\"Billing Country = 'x'", 0, "never closed"),
            (
                "and = 1",
                0,
                "the keyword 'and' (a column named and is written in double quotes",
            ),
            ("Quantity > 0 and IN = 1", 17, "keyword 'IN'"),
            ("Quantity > 1,5", 12, "written with a decimal point (1.5)"),
            (
                "Description ~ '(abc'",
                14,
                "invalid regular expression: unclosed group",
            ),
            (
                "Description ~ HEART",
                14,
                "expected a regular expression in single quotes",
            ),
            (
                "InvoiceDate >= '2011-06-01'",
                15,
                "InvoiceDate >= 2011-06-01",
            ),
            ("Billing Country = 'x'", 8, "\"Billing Country\""),
            ("Country in 'France'", 11, "expected '(' after 'in'"),
            ("Country like 'Fr%'", 8, "'like' is not supported"),
            (
                "Quantity between 1 and 3",
                9,
                "Quantity >= 1 and Quantity <= 10",
            ),
            (
                "InvoiceDate > 2011-02-30",
                14,
                "there is no date 2011-02-30",
            ),
            ("Quantity > 10abc", 11, "'10abc' is not a number or a date"),
            (
                "InvoiceDate > 2011-06-01 10:00",
                25,
                "a date-time field compares by its day",
            ),
            ("Quantity > 1.2.3", 11, "not a number"),
            ("Quantity > 1234567890123456789", 11, "too many digits"),
            ("Country = ‘France’", 10, "typographic quote"),
            ("Country = ''", 10, "Country is empty"),
            ("Country in ('France', ' Spain')", 22, "write 'Spain'"),
            ("x in ()", 6, "an empty list"),
            ("x in (1, 2,)", 11, "expected a value"),
            (
                "x in (1 2)",
                8,
                "expected ',' or ')' in the list opened at column 6",
            ),
            ("Country is nothing", 11, "expected 'empty' after 'is'"),
            ("Country not = 'x'", 12, "expected 'in' after 'Country not'"),
            ("Quantity && x", 9, "unexpected '&': write 'and'"),
            ("Order-Date > 0", 5, "double quotes or backticks"),
            ("Quantity ! 0", 9, "write 'not', '!=' or '!~'"),
            (
                "Quantity",
                8,
                "expected an operator after the column Quantity, found the end",
            ),
            ("0 < Quantity", 0, "a condition starts with the column"),
            ("'Country' = 'x'", 0, "single quotes are for text"),
            (
                "a = 1 and",
                9,
                "expected a column name, found the end of the expression",
            ),
            (
                "(a = 1 b = 2)",
                7,
                "expected 'and', 'or' or ')' to close the '(' at column 1",
            ),
            ("\"\" = 1", 0, "an empty column name"),
            ("Città ≠ 'Roma'", 6, "unexpected character '≠'"),
        ];
        for (expr, position, message) in cases {
            let (p, m) = error(expr);
            assert!(m.contains(message), "{expr}: {m}");
            assert_eq!(p, *position, "{expr}: {m}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let nested = |n: usize| format!("{}x = 1{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(
            parse(&nested(MAX_DEPTH)),
            cmp("x", CompareOp::Eq, num(1, 0))
        );
        let (p, m) = error(&nested(MAX_DEPTH + 1));
        assert_eq!(p, MAX_DEPTH);
        assert!(m.contains("more than 100 levels"), "{m}");
        let nots = |n: usize| format!("{}x = 1", "not ".repeat(n));
        assert!(Filter::parse(&[nots(MAX_DEPTH)]).is_ok());
        assert_eq!(error(&nots(MAX_DEPTH + 1)).0, 4 * MAX_DEPTH);
        // Long chains are flat, not nested.
        let chain = vec!["x = 1"; 10_000].join(" or ");
        match parse(&chain) {
            Expr::Or(items) => assert_eq!(items.len(), 10_000),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_later_expression_reports_itself() {
        let e =
            Filter::parse(&["Country = 'France'".to_owned(), "Quantity >".to_owned()]).unwrap_err();
        assert_eq!(e.expr, "Quantity >");
        assert_eq!(e.position, 10);
    }

    #[test]
    fn error_display_points_at_the_column() {
        let e = Filter::parse(&["Country = France".to_owned()]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--where \"Country = France\": 'France' is not a value: text is written in single quotes (Country = 'France') at column 11\n  Country = France\n            ^"
        );
        // At the end, and with a tab before (kept so the caret lines up).
        let e = Filter::parse(&["\tx >".to_owned()]).unwrap_err();
        assert_eq!(e.position, 4);
        assert!(
            e.to_string().ends_with(" at column 5\n  \tx >\n  \t   ^"),
            "{e}"
        );
    }

    // --- Evaluation ----------------------------------------------------------

    #[test]
    fn numbers_compare_exactly() {
        let b = bound("UnitPrice = 10.5");
        assert!(passes(&b, &[("UnitPrice", "10.50")]));
        assert!(passes(&b, &[("UnitPrice", " 10.5 ")]));
        assert!(passes(&b, &[("UnitPrice", "$10.50")]));
        assert!(!passes(&b, &[("UnitPrice", "10.51")]));
        // 18 decimals against 1.
        assert!(!bound("UnitPrice = 0.5").matches(&|_| Some("0.500000000000000001")));
        assert!(bound("UnitPrice > 0.5").matches(&|_| Some("0.500000000000000001")));
        assert!(bound("UnitPrice < 0.500000000000000001").matches(&|_| Some("0.5")));
        // More digits than an exact amount holds: not a number.
        assert!(!bound("UnitPrice > 0").matches(&|_| Some("10.500000000000000001")));
        assert!(bound("Quantity < 0").matches(&|_| Some("-0.01")));
        // Different scales: 2 > 1.4, 9.99 < 10, 1.5 > 1.25.
        assert!(bound("UnitPrice > 1.4").matches(&|_| Some("2")));
        assert!(bound("UnitPrice < 10").matches(&|_| Some("9.99")));
        assert!(!bound("UnitPrice < 1.25").matches(&|_| Some("1.5")));
        assert!(bound("UnitPrice in (1.25, 3)").matches(&|_| Some("3.000")));
        assert!(!bound("Quantity < 0").matches(&|_| Some("0")));
        assert!(!bound("Quantity < 0").matches(&|_| Some("-0")));
        assert!(bound("Quantity >= -3.5").matches(&|_| Some("-3.5")));
        assert!(!bound("Quantity > -3.5").matches(&|_| Some("-3.5")));
        assert!(bound("Quantity = 123456789012345678").matches(&|_| Some("123456789012345678")));
        assert!(!bound("Quantity = 123456789012345678").matches(&|_| Some("123456789012345679")));
        // Thousands separators read as rfm reads amounts.
        assert!(bound("UnitPrice = 1234.5").matches(&|_| Some("1,234.50")));
        // A decimal comma with --decimal-comma; without, `1,5` is no number.
        let comma = bind_with(
            &["UnitPrice > 1.4"],
            &RETAIL,
            DecimalSeparator::Comma,
            DateFormat::Iso,
        )
        .unwrap();
        assert!(comma.matches(&|_| Some("1,5")));
        assert!(!comma.matches(&|_| Some("1,3")));
        assert!(comma.matches(&|_| Some("1.234,5")));
        assert!(!bound("UnitPrice > 1.4").matches(&|_| Some("1,5")));
        assert!(!bound("UnitPrice != 1.4").matches(&|_| Some("1,5")));
    }

    #[test]
    fn fields_that_do_not_compare_are_false_but_not_is_boolean() {
        for field in [Some("n/a"), Some(""), Some("   "), None] {
            let row = |_: usize| field;
            for expr in [
                "Quantity > 0",
                "Quantity <= 0",
                "Quantity = 0",
                "Quantity != 0",
                "InvoiceDate != 2011-06-01",
                "Quantity not in (1, 2)",
                "Country != 'France'",
            ] {
                if field == Some("n/a") && expr.starts_with("Country") {
                    continue;
                }
                assert!(!bound(expr).matches(&row), "{expr} on {field:?}");
                assert!(
                    bound(&format!("not ({expr})")).matches(&row),
                    "not ({expr}) on {field:?}"
                );
            }
        }
    }

    #[test]
    fn dates_compare_by_day_in_the_columns_format() {
        let iso = bound("InvoiceDate = 2011-06-01");
        assert!(iso.matches(&|_| Some("2011-06-01")));
        assert!(iso.matches(&|_| Some("2011-06-01 08:26:00")));
        assert!(iso.matches(&|_| Some("2011-06-01T23:59:59+02:00")));
        assert!(!iso.matches(&|_| Some("2011-06-02")));
        assert!(!iso.matches(&|_| Some("01/06/2011")));
        let before = bound("InvoiceDate < 2011-06-01");
        assert!(before.matches(&|_| Some("2011-05-31 23:59")));
        assert!(!before.matches(&|_| Some("2011-06-01 00:00")));
        assert!(bound("InvoiceDate >= 2011-06-01").matches(&|_| Some("2011-06-01 00:00")));

        let dmy = DateFormat::Numeric(Layout {
            order: Order::Dmy,
            sep: Some(b'/'),
            short_year: false,
        });
        let numeric = bind_with(
            &["InvoiceDate >= 2011-06-01"],
            &RETAIL,
            DecimalSeparator::Point,
            dmy,
        )
        .unwrap();
        assert!(numeric.matches(&|_| Some("1/6/2011 8:26")));
        assert!(numeric.matches(&|_| Some("02/06/2011")));
        assert!(!numeric.matches(&|_| Some("31/05/2011")));
        // 12/6/2011 is the 12th of June here, not the 6th of December.
        assert!(
            bind_with(
                &["InvoiceDate = 2011-06-12"],
                &RETAIL,
                DecimalSeparator::Point,
                DateFormat::Numeric(Layout {
                    order: Order::Dmy,
                    sep: Some(b'/'),
                    short_year: false,
                }),
            )
            .unwrap()
            .matches(&|_| Some("12/6/2011"))
        );

        let pattern = bind_with(
            &["InvoiceDate in (2011-06-01, 2011-12-09)"],
            &RETAIL,
            DecimalSeparator::Point,
            DateFormat::Strftime("%d/%m/%Y".into()),
        )
        .unwrap();
        assert!(pattern.matches(&|_| Some("09/12/2011")));
        assert!(pattern.matches(&|_| Some("01/06/2011 10:00")));
        assert!(!pattern.matches(&|_| Some("12/09/2011")));
        assert!(!pattern.matches(&|_| Some("2011-06-01")));
    }

    #[test]
    fn date_formats_are_asked_once_per_date_column() {
        let asked = Cell::new(Vec::new());
        let format = |i: usize| {
            let mut v = asked.take();
            v.push(i);
            asked.set(v);
            DateFormat::Iso
        };
        Filter::parse(&[
            "InvoiceDate > 2011-01-01 and InvoiceDate < 2011-12-01 and Quantity > 0".to_owned(),
            "Country in ('France', 2011-01-01) and InvoiceDate != 2011-06-01".to_owned(),
        ])
        .unwrap()
        .bind(&header(&RETAIL), DecimalSeparator::Point, &format)
        .unwrap();
        assert_eq!(asked.take(), [4, 7]);
    }

    #[test]
    fn text_is_trimmed_and_exact() {
        let b = bound("Country = 'France'");
        assert!(b.matches(&|_| Some("France")));
        assert!(b.matches(&|_| Some("  France\t")));
        assert!(!b.matches(&|_| Some("france")));
        assert!(b.matches(&|_| Some("France \u{a0}")));
        assert!(!b.matches(&|_| Some("Fran ce")));
        // Bytewise: upper case sorts before lower case.
        let lt = bound("Country < 'G'");
        assert!(lt.matches(&|_| Some("France")));
        assert!(!lt.matches(&|_| Some("germany")));
        assert!(!lt.matches(&|_| Some("Germany")));
        assert!(bound("Country <= 'Germany'").matches(&|_| Some("Germany")));
        // A number as text stays text.
        assert!(!bound("StockCode = '85123'").matches(&|_| Some("85123.0")));
        assert!(bound("StockCode = 85123").matches(&|_| Some("85123.0")));
        assert!(bound("Country != ''").matches(&|_| Some("France")));
    }

    #[test]
    fn regexes_match_anywhere_in_the_trimmed_field() {
        let b = bound("Description ~ 'HEART'");
        assert!(b.matches(&|_| Some("WHITE HANGING HEART T-LIGHT HOLDER")));
        assert!(!b.matches(&|_| Some("white hanging heart")));
        assert!(bound("Description ~ '(?i)heart'").matches(&|_| Some("white hanging heart")));
        assert!(bound("Description ~ '^WHITE'").matches(&|_| Some("  WHITE METAL LANTERN")));
        assert!(bound("Description ~ 'LANTERN$'").matches(&|_| Some("WHITE METAL LANTERN  ")));
        let not = bound("Description !~ 'HEART'");
        assert!(not.matches(&|_| Some("RED RETROSPOT")));
        assert!(!not.matches(&|_| Some("HEART OF WICKER")));
        assert!(!not.matches(&|_| Some("")));
        assert!(!bound("Description ~ '.*'").matches(&|_| None));
        assert!(bound("Description ~ 'it''s'").matches(&|_| Some("it's")));
    }

    #[test]
    fn in_lists_compare_each_value_with_its_own_type() {
        let b = bound("StockCode in ('POST', 'M')");
        assert!(b.matches(&|_| Some("POST")));
        assert!(b.matches(&|_| Some(" M ")));
        assert!(!b.matches(&|_| Some("85123A")));
        assert!(!b.matches(&|_| Some("")));
        let not = bound("StockCode not in ('POST', 'M')");
        assert!(not.matches(&|_| Some("85123A")));
        assert!(!not.matches(&|_| Some("POST")));
        assert!(!not.matches(&|_| Some("")));
        assert!(!not.matches(&|_| None));
        let mixed = bound("StockCode in ('POST', 85123, 1.5)");
        assert!(mixed.matches(&|_| Some("85123.00")));
        assert!(mixed.matches(&|_| Some("1.50")));
        assert!(mixed.matches(&|_| Some("POST")));
        assert!(!mixed.matches(&|_| Some("85123A")));
        // Any text value makes every non-empty field comparable.
        assert!(bound("StockCode not in ('POST', 85123)").matches(&|_| Some("85123A")));
        let numbers = bound("Quantity not in (1, 2)");
        assert!(numbers.matches(&|_| Some("3")));
        assert!(!numbers.matches(&|_| Some("2.0")));
        assert!(!numbers.matches(&|_| Some("abc")));
        // A long list (sorted for the search) in any order.
        let ids: Vec<String> = (0..500).rev().map(|i| format!("'{}'", 12000 + i)).collect();
        let long = bound(&format!("CustomerID in ({})", ids.join(", ")));
        assert!(long.matches(&|_| Some("12000")));
        assert!(long.matches(&|_| Some("12499")));
        assert!(!long.matches(&|_| Some("12500")));
    }

    #[test]
    fn is_empty_covers_blank_and_missing_fields() {
        let b = bound("CustomerID is empty");
        assert!(b.matches(&|_| None));
        assert!(b.matches(&|_| Some("")));
        assert!(b.matches(&|_| Some(" \t ")));
        assert!(!b.matches(&|_| Some("17850")));
        let not = bound("CustomerID is not empty");
        assert!(!not.matches(&|_| None));
        assert!(not.matches(&|_| Some("17850")));
        // A short row: the fields after the third are missing.
        let row = ["536365", "85123A", "WHITE HANGING HEART"];
        let short = |i: usize| row.get(i).copied();
        assert!(bound("Country is empty").matches(&short));
        assert!(bound("StockCode is not empty").matches(&short));
        assert!(!bound("Country != 'France'").matches(&short));
    }

    #[test]
    fn every_where_must_hold() {
        let b = bind_with(
            &["Country = 'France'", "Quantity > 0 or UnitPrice > 100"],
            &RETAIL,
            DecimalSeparator::Point,
            DateFormat::Iso,
        )
        .unwrap();
        assert!(passes(&b, &[("Country", "France"), ("Quantity", "2")]));
        assert!(passes(
            &b,
            &[
                ("Country", "France"),
                ("Quantity", "-2"),
                ("UnitPrice", "150")
            ]
        ));
        assert!(!passes(
            &b,
            &[
                ("Country", "France"),
                ("Quantity", "-2"),
                ("UnitPrice", "1")
            ]
        ));
        assert!(!passes(&b, &[("Country", "Spain"), ("Quantity", "2")]));
        let none = Filter::parse(&[])
            .unwrap()
            .bind(&header(&RETAIL), DecimalSeparator::Point, &|_| {
                DateFormat::Iso
            })
            .unwrap();
        assert!(none.matches(&|_| None));
        assert_eq!(none.columns(), Vec::<usize>::new());
    }

    // --- Binding --------------------------------------------------------------

    #[test]
    fn names_bind_exactly_then_folded() {
        let b = bound("country = 'France' and quantity > 0 and COUNTRY != 'Spain'");
        assert_eq!(b.columns(), [7, 3]);
        assert!(passes(&b, &[("Country", "France"), ("Quantity", "1")]));
        let shopify = ["Name", "Billing country", "Lineitem quantity"];
        let b = bind_with(
            &["\"Billing Country\" = 'FR'", "lineitem_quantity > 1"],
            &shopify,
            DecimalSeparator::Point,
            DateFormat::Iso,
        )
        .unwrap();
        assert_eq!(b.columns(), [1, 2]);
        let row = ["#1001", "FR", "2"];
        assert!(b.matches(&|i| row.get(i).copied()));
        // An exact name wins over names that fold alike.
        let b = bind_with(
            &["Country = 'x'"],
            &["country", "Country"],
            DecimalSeparator::Point,
            DateFormat::Iso,
        )
        .unwrap();
        assert_eq!(b.columns(), [1]);
    }

    #[test]
    fn a_name_that_folds_to_several_columns_is_an_error() {
        let e = bind_with(
            &["Quantity > 0 and COUNTRY = 'x'"],
            &["Quantity", "country", "Country"],
            DecimalSeparator::Point,
            DateFormat::Iso,
        )
        .unwrap_err();
        assert_eq!(e.position, 17);
        assert_eq!(
            e.message,
            "'COUNTRY' could be any of the columns 'country', 'Country' (names compared ignoring case, accents and punctuation); write the name exactly as in the header"
        );
    }

    #[test]
    fn an_unknown_name_lists_the_columns_and_suggests() {
        let e = bind_with(
            &["Quantity > 0", "Quantity > 1 and not (Contry = 'France')"],
            &RETAIL,
            DecimalSeparator::Point,
            DateFormat::Iso,
        )
        .unwrap_err();
        assert_eq!(e.expr, "Quantity > 1 and not (Contry = 'France')");
        assert_eq!(e.position, 22);
        assert_eq!(
            e.message,
            "no column 'Contry' in the input; did you mean 'Country'? (its columns: InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country)"
        );
        // Two edits on a longer name; none when nothing is close.
        let e = bind_with(
            &["Descripton ~ 'x'"],
            &RETAIL,
            DecimalSeparator::Point,
            DateFormat::Iso,
        )
        .unwrap_err();
        assert!(
            e.message.contains("did you mean 'Description'?"),
            "{}",
            e.message
        );
        let e = bind_with(
            &["Unit_Prise > 1"],
            &RETAIL,
            DecimalSeparator::Point,
            DateFormat::Iso,
        )
        .unwrap_err();
        assert!(
            e.message.contains("did you mean 'UnitPrice'?"),
            "{}",
            e.message
        );
        let e = bind_with(
            &["Region = 'x'"],
            &RETAIL,
            DecimalSeparator::Point,
            DateFormat::Iso,
        )
        .unwrap_err();
        assert!(!e.message.contains("did you mean"), "{}", e.message);
        // Short names allow one edit only: `Qty` is not `City`.
        let e = bind_with(
            &["Qty > 1"],
            &["City", "Qtys"],
            DecimalSeparator::Point,
            DateFormat::Iso,
        )
        .unwrap_err();
        assert!(e.message.contains("did you mean 'Qtys'?"), "{}", e.message);
        let e = bind_with(
            &["Qty > 1"],
            &["City"],
            DecimalSeparator::Point,
            DateFormat::Iso,
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "no column 'Qty' in the input (its columns: City)"
        );
    }

    #[test]
    fn edit_distance() {
        let d = |a: &str, b: &str| {
            edits(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("contry", "country"), 1);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("città", "citta"), 1);
        assert_eq!(d("same", "same"), 0);
    }

    #[test]
    fn bound_is_shared_across_threads() {
        fn shared<T: Send + Sync + Clone>() {}
        shared::<Bound>();
        let b = bound("Description ~ 'HEART' and Quantity > 0");
        let rows = [["x", "y", "HEART", "1"], ["x", "y", "LOVE", "1"]];
        std::thread::scope(|scope| {
            for _ in 0..4 {
                let b = b.clone();
                scope.spawn(move || {
                    assert!(b.matches(&|i| rows[0].get(i).copied()));
                    assert!(!b.matches(&|i| rows[1].get(i).copied()));
                });
            }
        });
    }
}
