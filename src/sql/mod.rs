//! `rfm sql`: docs/method.md as one SQL query, for the orders that live in a
//! warehouse.
//!
//! The query is a chain of common table expressions, one per step of the
//! method, so a reader can check it against docs/method.md line by line
//! (each name has an `rfm_` prefix, so that none can shadow the user's
//! table):
//!
//! ```text
//! lines      the mapped columns, customer and order ids trimmed, dates as DATE,
//!            the amount with a profile's terms, the status folded
//! kept       rows with a customer, a date and an amount (--returns ignore: >= 0)
//!            that are sales: status, a profile's exclusions, --currency
//! orders     rows grouped by (customer, order id), their amounts added up, or
//!            taken once when the amount is the order's (--amount-per order);
//!            an empty order id, or no order column, makes a row an order of
//!            its own
//! counted    orders within --since/--until and before --as-of
//! customers  purchases (orders totalling > 0), first/last, net monetary
//! as_of      --as-of, or the day after the latest purchase
//! measured   recency in days, and N
//! ranked     the window functions of the scores (RANK, NTILE)
//! scored     r, f, m
//! combined   fm
//! segmented  the segment of the definition's grid
//! ```
//!
//! Everything a score or a share depends on is computed exactly: scores in
//! integer arithmetic (`1 + floor(L * worse / N)` with each dialect's own
//! integer division), money in the table's DECIMAL type, rounding half away
//! from zero by ROUND on decimals. The summary's ratios of money are first
//! estimated in floating point and then corrected by one unit with exact
//! comparisons, so they are exact too, without decimal division (DuckDB's
//! is floating point, and Spark's may lose scale).
//!
//! This module only builds text: it reads nothing and runs nothing.

pub(crate) mod dialect;
pub(crate) mod filter;
pub(crate) mod sales;

pub(crate) use dialect::Dialect;
pub(crate) use sales::{Currency, Exclude, Sales, Term};

use crate::engine::{Counting, Returns};
use crate::money::{self, Decimal};
use crate::score::analysis::Scoring;
use crate::score::definition::{Definition, Shape};
use crate::score::{Binning, Method};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Where a row's amount comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AmountSource {
    /// One amount column.
    Column(String),
    /// Quantity x unit price.
    Product {
        /// The quantity column.
        quantity: String,
        /// The unit price column.
        price: String,
    },
}

/// The table's columns, named as the warehouse stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Columns {
    /// Customer id.
    pub(crate) customer: String,
    /// Customer columns read, in order, when the ones before are empty (a
    /// profile's e-mail, then phone).
    pub(crate) customer_fallback: Vec<String>,
    /// Order date (DATE, TIMESTAMP or an ISO date string).
    pub(crate) date: String,
    /// Amount, or quantity and price.
    pub(crate) amount: AmountSource,
    /// Columns added to or subtracted from the amount (a profile's).
    pub(crate) terms: Vec<Term>,
    /// Order id, if any.
    pub(crate) order: Option<String>,
    /// The amount is the order's, on each of its lines or on one: taken
    /// once per order (with an order column and an amount column).
    pub(crate) per_order: bool,
    /// Lower-case customer ids with an `@` (e-mail addresses), as the
    /// engine does (`--case-sensitive-ids` turns it off).
    pub(crate) fold_emails: bool,
    /// Which rows are sales.
    pub(crate) sales: Sales,
}

/// The as-of date of the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AsOf {
    /// The day after the latest purchase (computed by the query).
    Latest,
    /// A fixed date.
    Date(NaiveDate),
    /// The warehouse's `CURRENT_DATE` when the query runs (`--as-of today`).
    Today,
}

/// Everything the query depends on.
#[derive(Debug, Clone)]
pub(crate) struct Spec<'a> {
    /// The dialect to write.
    pub(crate) dialect: Dialect,
    /// The orders table, possibly qualified.
    pub(crate) table: &'a str,
    /// Its columns.
    pub(crate) columns: &'a Columns,
    /// `--returns`.
    pub(crate) returns: Returns,
    /// Orders or rows (`--scoring r-quantile`).
    pub(crate) counting: Counting,
    /// `--since`.
    pub(crate) since: Option<NaiveDate>,
    /// `--until`.
    pub(crate) until: Option<NaiveDate>,
    /// `--as-of`.
    pub(crate) as_of: AsOf,
    /// How each metric is scored.
    pub(crate) scoring: &'a Scoring,
    /// The segment definition, in the language of `--lang`.
    pub(crate) definition: &'a Definition,
    /// Decimals of money values.
    pub(crate) decimals: u8,
    /// `--where`, as SQL conditions on the table's rows (`filter`), all of
    /// which must hold.
    pub(crate) filter: &'a [String],
    /// `--keep`: table columns carried into the customers' rows, from the
    /// last line of each customer's latest purchase.
    pub(crate) keep: &'a [String],
    /// `--by`: the column whose values are scored apart, each against its
    /// own customers (the query's `grp`).
    pub(crate) by: Option<&'a str>,
}

impl Spec<'_> {
    /// `grp, ` before the customer id wherever a customer is keyed, with
    /// `--by`; nothing without.
    fn group_key(&self) -> &'static str {
        if self.by.is_some() { "grp, " } else { "" }
    }

    /// `PARTITION BY grp ` at the start of a window, with `--by`.
    fn partition(&self) -> &'static str {
        if self.by.is_some() {
            "PARTITION BY grp "
        } else {
            ""
        }
    }
}

/// Which result the query gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Output {
    /// The rows and columns of `rfm customers`.
    Customers,
    /// The rows and columns of `rfm summary` (CSV form).
    Summary,
}

/// The query, ending with `;` and a newline. Errors (a table name that
/// cannot be quoted) name what to fix, without the flag.
pub(crate) fn query(spec: &Spec, output: Output) -> Result<String, String> {
    let mut q = Query::new(spec.dialect);
    let table = spec.dialect.qualified(spec.table)?;
    header(&mut q.text, spec, output);
    steps(&mut q, spec, &table);
    match output {
        Output::Customers => customers_select(&mut q, spec),
        Output::Summary => summary_select(&mut q, spec),
    }
    Ok(q.finish())
}

/// `query` wrapped as `CREATE OR REPLACE VIEW name AS ...;`.
pub(crate) fn create_view(dialect: Dialect, name: &str, query: &str) -> Result<String, String> {
    let name = dialect.qualified(name)?;
    // The leading comment lines stay above the statement.
    let body_at = query
        .lines()
        .take_while(|l| l.starts_with("--"))
        .map(|l| l.len() + 1)
        .sum::<usize>();
    let (comments, body) = query.split_at(body_at);
    Ok(format!(
        "{comments}CREATE OR REPLACE VIEW {name} AS\n{body}"
    ))
}

/// The text being built: common table expressions, then the final SELECT.
struct Query {
    dialect: Dialect,
    text: String,
    ctes: usize,
}

impl Query {
    fn new(dialect: Dialect) -> Query {
        Query {
            dialect,
            text: String::new(),
            ctes: 0,
        }
    }

    /// Adds `name AS (body)`; `body` lines are indented by two spaces.
    fn cte(&mut self, name: &str, body: &str) {
        self.text
            .push_str(if self.ctes == 0 { "WITH\n" } else { ",\n" });
        self.ctes += 1;
        let _ = writeln!(self.text, "{name} AS (");
        for line in body.lines() {
            let _ = writeln!(self.text, "  {line}");
        }
        self.text.push(')');
    }

    /// Starts the final SELECT.
    fn select(&mut self, body: &str) {
        if self.ctes > 0 {
            self.text.push('\n');
        }
        self.text.push_str(body);
    }

    fn finish(mut self) -> String {
        while self.text.ends_with('\n') {
            self.text.pop();
        }
        self.text.push_str(";\n");
        self.text
    }

    fn id(&self, name: &str) -> String {
        self.dialect.ident(name)
    }

    /// A final column: `expr AS "name"`, or the bare name when `expr` is
    /// that column and the dialect keeps its case (Snowflake would
    /// upper-case it).
    fn column(&self, expr: &str, name: &str) -> String {
        if expr == name && self.dialect != Dialect::Snowflake {
            name.to_owned()
        } else {
            format!("{expr} AS {}", self.id(name))
        }
    }

    /// The final SELECT of `columns` (expression, name) from `from`.
    fn select_columns(&mut self, columns: &[(String, &str)], rest: &str) {
        let list: Vec<String> = columns
            .iter()
            .map(|(expr, name)| self.column(expr, name))
            .collect();
        self.select(&format!("SELECT\n  {}\n{rest}", list.join(",\n  ")));
    }
}

fn header(text: &mut String, spec: &Spec, output: Output) {
    let what = match output {
        Output::Customers => "rfm customers",
        Output::Summary => "rfm summary",
    };
    let _ = writeln!(
        text,
        "-- {what} as {} SQL, by rfm {} (docs/method.md).",
        spec.dialect.name(),
        env!("CARGO_PKG_VERSION")
    );
    let scoring = [
        ("r", &spec.scoring.r),
        ("f", &spec.scoring.f),
        ("m", &spec.scoring.m),
    ]
    .iter()
    .map(|(metric, binning)| format!("{metric} {}", describe(binning)))
    .collect::<Vec<_>>()
    .join(", ");
    let as_of = match spec.as_of {
        AsOf::Latest => "the day after the latest purchase".to_owned(),
        AsOf::Date(d) => d.format("%Y-%m-%d").to_string(),
        AsOf::Today => "CURRENT_DATE".to_owned(),
    };
    let returns = match spec.returns {
        Returns::Net => "net",
        Returns::Ignore => "ignore",
    };
    let _ = writeln!(
        text,
        "-- Scores: {scoring}; returns: {returns}; as of: {as_of}; segments: {}.",
        spec.definition.name.replace(char::is_control, " ")
    );
    if let Some(by) = spec.by {
        // A quoted column name may hold a line break, which would end the
        // comment.
        let by = by.replace(char::is_control, " ");
        let _ = writeln!(
            text,
            "-- Per value of {by} (grp): each scored against its own customers, as of its own latest purchase unless --as-of."
        );
    }
}

fn describe(binning: &Binning) -> String {
    match binning {
        Binning::Method(method, levels) => format!("{} {levels}", method.name()),
        Binning::Fixed(points) => format!(
            "fixed {}",
            points
                .iter()
                .map(|p| decimal_digits(*p))
                .collect::<Vec<_>>()
                .join("/")
        ),
    }
}

/// A decimal as plain digits, e.g. `100.50`.
fn decimal_digits(d: Decimal) -> String {
    money::format_scaled(i128::from(d.mantissa), d.scale, d.scale, '.')
}

/// `10^-k` as plain digits: `1`, `0.01`, `0.0001`.
fn unit(k: u8) -> String {
    money::format_scaled(1, k, k, '.')
}

/// The common table expressions from the table's rows to each customer's
/// segment (`rfm_segmented`).
fn steps(q: &mut Query, spec: &Spec, table: &str) {
    let d = spec.dialect;
    let text = d.text_type();
    let cols = spec.columns;
    let amount = match &cols.amount {
        AmountSource::Column(a) => sales::with_terms(&q.id(a), &cols.terms, |c| q.id(c)),
        AmountSource::Product { quantity, price } => {
            format!("{} * {}", q.id(quantity), q.id(price))
        }
    };
    let order = match (&cols.order, spec.counting) {
        (Some(order), Counting::Orders) => Some(order),
        _ => None,
    };
    // The amount is taken once per order only with an order to take it
    // once for (as the engine: `ColumnMap::per_order`).
    let per_order =
        cols.per_order && order.is_some() && matches!(cols.amount, AmountSource::Column(_));
    let customer = sales::customer(
        d,
        &q.id(&cols.customer),
        &cols
            .customer_fallback
            .iter()
            .map(|c| q.id(c))
            .collect::<Vec<_>>(),
        cols.fold_emails,
    );
    let mut columns = Vec::new();
    if let Some(by) = spec.by {
        columns.push(format!(
            "COALESCE(TRIM(CAST({} AS {text})), '') AS grp",
            q.id(by)
        ));
    }
    columns.push(format!("{customer} AS customer_id"));
    if let Some(order) = order {
        columns.push(format!("TRIM(CAST({} AS {text})) AS order_id", q.id(order)));
    }
    columns.push(format!("CAST({} AS DATE) AS order_date", q.id(&cols.date)));
    columns.push(format!("{amount} AS amount"));
    for (expr, name) in sales::line_columns(d, &cols.sales, |c| q.id(c)) {
        columns.push(format!("{expr} AS {name}"));
    }
    // `--keep`: the values, and where the line is in the order the table
    // is read (SQL has no other: see docs/sql.md).
    if !spec.keep.is_empty() {
        columns.push("ROW_NUMBER() OVER () AS line_no".to_owned());
        for (i, name) in spec.keep.iter().enumerate() {
            columns.push(format!(
                "COALESCE(TRIM(CAST({} AS {text})), '') AS keep_{i}",
                q.id(name)
            ));
        }
    }
    let mut lines = format!("SELECT\n  {}\nFROM {table}", columns.join(",\n  "));
    for (i, condition) in spec.filter.iter().enumerate() {
        let _ = write!(
            lines,
            "\n{} {condition}",
            if i == 0 { "WHERE" } else { "  AND" }
        );
    }
    q.cte("rfm_lines", &lines);

    let mut kept = "SELECT *\nFROM rfm_lines\nWHERE customer_id <> ''\n  AND order_date IS NOT NULL\n  AND amount IS NOT NULL".to_owned();
    if spec.returns == Returns::Ignore {
        kept.push_str("\n  AND amount >= 0");
    }
    for condition in sales::conditions(d, &cols.sales) {
        let _ = write!(kept, "\n  AND {condition}");
    }
    q.cte("rfm_kept", &kept);

    // An order whose amount is the order's has it on every line, or on
    // one (item lines are NULL, and left out above): taken once. Where rfm
    // stops at two lines that differ, the query takes the larger.
    let keep = !spec.keep.is_empty();
    let (last_line, line) = if keep {
        (", MAX(line_no) AS last_line", ", line_no AS last_line")
    } else {
        ("", "")
    };
    // With --by, the group is part of the customer (and so of the order):
    // an order whose lines fall in two groups is two orders, as in the
    // engine.
    let g = spec.group_key();
    let orders = if order.is_some() {
        let total = if per_order { "MAX" } else { "SUM" };
        format!(
            "SELECT {g}customer_id, MIN(order_date) AS order_date, {total}(amount) AS total{last_line}\nFROM rfm_kept\nWHERE order_id <> ''\nGROUP BY {g}customer_id, order_id\nUNION ALL\nSELECT {g}customer_id, order_date, amount AS total{line}\nFROM rfm_kept\nWHERE order_id IS NULL OR order_id = ''"
        )
    } else {
        format!("SELECT {g}customer_id, order_date, amount AS total{line}\nFROM rfm_kept")
    };
    q.cte("rfm_orders", &orders);

    let mut window = Vec::new();
    if let Some(since) = spec.since {
        window.push(format!("order_date >= {}", d.date(since)));
    }
    if let Some(until) = spec.until {
        window.push(format!("order_date <= {}", d.date(until)));
    }
    match spec.as_of {
        AsOf::Latest => {}
        AsOf::Date(day) => window.push(format!("order_date < {}", d.date(day))),
        AsOf::Today => window.push("order_date < CURRENT_DATE".to_owned()),
    }
    let source = if window.is_empty() {
        "rfm_orders"
    } else {
        q.cte(
            "rfm_counted",
            &format!(
                "SELECT *\nFROM rfm_orders\nWHERE {}",
                window.join("\n  AND ")
            ),
        );
        "rfm_counted"
    };

    let customers = match spec.counting {
        Counting::Orders => format!(
            "SELECT\n  {g}customer_id,\n  MIN(CASE WHEN total > 0 THEN order_date END) AS first_order,\n  MAX(CASE WHEN total > 0 THEN order_date END) AS last_order,\n  COUNT(CASE WHEN total > 0 THEN 1 END) AS frequency,\n  SUM(total) AS monetary\nFROM {source}\nGROUP BY {g}customer_id\nHAVING COUNT(CASE WHEN total > 0 THEN 1 END) > 0"
        ),
        Counting::Rows => format!(
            "SELECT\n  {g}customer_id,\n  MIN(order_date) AS first_order,\n  MAX(order_date) AS last_order,\n  COUNT(*) AS frequency,\n  SUM(total) AS monetary\nFROM {source}\nGROUP BY {g}customer_id"
        ),
    };
    q.cte("rfm_customers", &customers);

    if keep {
        // The latest purchase: the greatest (order date, its last line).
        let purchase = match spec.counting {
            Counting::Orders => "\nWHERE total > 0",
            Counting::Rows => "",
        };
        q.cte(
            "rfm_latest",
            &format!(
                "SELECT {g}customer_id, last_line\nFROM (\n  SELECT\n    {g}customer_id,\n    last_line,\n    ROW_NUMBER() OVER (PARTITION BY {g}customer_id ORDER BY order_date DESC, last_line DESC) AS k\n  FROM {source}{purchase}\n) p\nWHERE k = 1"
            ),
        );
        let values = (0..spec.keep.len())
            .map(|i| format!("l.keep_{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        q.cte(
            "rfm_keep",
            &format!(
                "SELECT {}p.customer_id, {values}\nFROM rfm_latest p\nJOIN rfm_kept l ON l.customer_id = p.customer_id AND l.line_no = p.last_line",
                if spec.by.is_some() { "p.grp, " } else { "" }
            ),
        );
    }

    // With --by and no --as-of, each group's as-of date is the day after
    // its own latest purchase, joined by group; one date is joined to all.
    let latest = d.next_day("MAX(last_order)");
    let (as_of, join) = match (spec.as_of, spec.by) {
        (AsOf::Latest, Some(_)) => (
            format!("SELECT grp, {latest} AS as_of\nFROM rfm_customers\nGROUP BY grp"),
            "JOIN rfm_as_of a ON a.grp = c.grp",
        ),
        (AsOf::Latest, None) => (
            format!("SELECT {latest} AS as_of\nFROM rfm_customers"),
            "CROSS JOIN rfm_as_of a",
        ),
        (AsOf::Date(day), _) => (
            format!("SELECT {} AS as_of", d.date(day)),
            "CROSS JOIN rfm_as_of a",
        ),
        (AsOf::Today, _) => (
            "SELECT CURRENT_DATE AS as_of".to_owned(),
            "CROSS JOIN rfm_as_of a",
        ),
    };
    q.cte("rfm_as_of", &as_of);

    q.cte(
        "rfm_measured",
        &format!(
            "SELECT\n  {}c.customer_id,\n  c.first_order,\n  c.last_order,\n  {} AS recency_days,\n  c.frequency,\n  c.monetary,\n  COUNT(*) OVER ({}) AS n\nFROM rfm_customers c\n{join}",
            if spec.by.is_some() { "c.grp, " } else { "" },
            d.days_between("c.last_order", "a.as_of"),
            if spec.by.is_some() { "PARTITION BY c.grp" } else { "" }
        ),
    );

    scores(q, spec);

    q.cte(
        "rfm_combined",
        &format!(
            "SELECT s.*, {} AS fm\nFROM rfm_scored s",
            d.int_div("s.f + s.m + 1", "2")
        ),
    );

    let mut case = "CASE".to_owned();
    for (segment, condition) in segment_conditions(spec.definition) {
        let _ = write!(case, "\n    WHEN {condition} THEN {segment}");
    }
    case.push_str("\n  END");
    q.cte(
        "rfm_segmented",
        &format!("SELECT\n  c.*,\n  {case} AS segment_no\nFROM rfm_combined c"),
    );
}

/// The metrics, in r, f, m order: column, whether larger is better, binning.
fn metrics<'a>(spec: &'a Spec) -> [(&'static str, &'static str, bool, &'a Binning); 3] {
    [
        ("r", "recency_days", false, &spec.scoring.r),
        ("f", "frequency", true, &spec.scoring.f),
        ("m", "monetary", true, &spec.scoring.m),
    ]
}

/// `rfm_ranked` (window functions), the break points of r-quantile metrics,
/// and `rfm_scored` (r, f, m).
fn scores(q: &mut Query, spec: &Spec) {
    let d = spec.dialect;
    let mut windows = Vec::new();
    for (name, column, higher, binning) in metrics(spec) {
        match binning {
            Binning::Method(Method::Rank, _) => {
                let dir = if higher { "" } else { " DESC" };
                windows.push(format!(
                    "RANK() OVER ({}ORDER BY {column}{dir}) - 1 AS {name}_worse",
                    spec.partition()
                ));
            }
            Binning::Method(Method::Ntile, levels) => {
                let dir = if higher { "" } else { " DESC" };
                windows.push(format!(
                    "NTILE({levels}) OVER ({}ORDER BY {column}{dir}, {}) AS {name}_tile",
                    spec.partition(),
                    d.byte_order("customer_id")
                ));
            }
            Binning::Method(Method::RQuantile, _) | Binning::Fixed(_) => {}
        }
    }
    let ranked = if windows.is_empty() {
        "SELECT *\nFROM rfm_measured".to_owned()
    } else {
        format!(
            "SELECT\n  *,\n  {}\nFROM rfm_measured",
            windows.join(",\n  ")
        )
    };
    q.cte("rfm_ranked", &ranked);

    // R's type 7 quantiles (docs/method.md): with values sorted into
    // x[0..N), h = (N - 1) k / L, lo = floor(h), rem = h - lo (in L-ths);
    // L * break_k = L * x[lo] + rem * (x[lo + 1] - x[lo]) + L, so a value v
    // reaches it when L * v >= that: exact, with no division.
    let quantile_levels = metrics(spec).iter().find_map(|m| match m.3 {
        Binning::Method(Method::RQuantile, levels) => Some(*levels),
        _ => None,
    });
    let mut joins = Vec::new();
    // With --by, break points per group: the cuts, the sorted values and
    // the breaks carry `grp`, and each customer meets its group's.
    let (g, on_group) = match spec.by {
        Some(_) => ("grp, ", " AND lo.grp = c.grp"),
        None => ("", ""),
    };
    if let Some(levels) = quantile_levels {
        let cuts = (1..levels)
            .map(|k| {
                let h = format!("(n - 1) * {k}");
                let lo = d.int_div(&h, &levels.to_string());
                format!(
                    "SELECT {g}{k} AS k, {lo} AS lo, {h} - {levels} * {lo} AS rem\nFROM (SELECT {g}COUNT(*) AS n FROM rfm_measured{}) c",
                    if spec.by.is_some() { " GROUP BY grp" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join("\nUNION ALL\n");
        q.cte("rfm_cuts", &cuts);
        for (name, column, _, binning) in metrics(spec) {
            let Binning::Method(Method::RQuantile, levels) = binning else {
                continue;
            };
            q.cte(
                &format!("rfm_{name}_sorted"),
                &format!(
                    "SELECT {g}{column} AS v, ROW_NUMBER() OVER ({}ORDER BY {column}) - 1 AS pos\nFROM rfm_measured",
                    spec.partition()
                ),
            );
            let points = (1..*levels)
                .map(|k| {
                    format!(
                        "MAX(CASE WHEN c.k = {k} THEN {levels} * lo.v + c.rem * (COALESCE(hi.v, lo.v) - lo.v) + {levels} END) AS b{k}"
                    )
                })
                .collect::<Vec<_>>()
                .join(",\n  ");
            q.cte(
                &format!("rfm_{name}_breaks"),
                &format!(
                    "SELECT\n  {}{points}\nFROM rfm_cuts c\nJOIN rfm_{name}_sorted lo ON lo.pos = c.lo{on_group}\nLEFT JOIN rfm_{name}_sorted hi ON hi.pos = c.lo + 1{}{}",
                    if spec.by.is_some() { "c.grp,\n  " } else { "" },
                    on_group.replace("lo.", "hi."),
                    if spec.by.is_some() { "\nGROUP BY c.grp" } else { "" }
                ),
            );
            joins.push(if spec.by.is_some() {
                format!("JOIN rfm_{name}_breaks {name}b ON {name}b.grp = x.grp")
            } else {
                format!("CROSS JOIN rfm_{name}_breaks {name}b")
            });
        }
    }

    let mut select = format!(
        "SELECT\n  {}x.customer_id,\n  x.first_order,\n  x.last_order,\n  x.recency_days,\n  x.frequency,\n  x.monetary",
        if spec.by.is_some() { "x.grp,\n  " } else { "" }
    );
    for (name, column, higher, binning) in metrics(spec) {
        let score = match binning {
            Binning::Method(Method::Rank, levels) => {
                format!(
                    "1 + {}",
                    d.int_div(&format!("{levels} * x.{name}_worse"), "x.n")
                )
            }
            Binning::Method(Method::Ntile, _) => format!("x.{name}_tile"),
            Binning::Method(Method::RQuantile, levels) => {
                let reached = (1..*levels)
                    .map(|k| {
                        format!("CASE WHEN {levels} * x.{column} >= {name}b.b{k} THEN 1 ELSE 0 END")
                    })
                    .collect::<Vec<_>>();
                reached_score(higher, *levels, &reached)
            }
            Binning::Fixed(points) => {
                let reached = points
                    .iter()
                    .map(|p| {
                        format!(
                            "CASE WHEN x.{column} >= {} THEN 1 ELSE 0 END",
                            d.decimal(&decimal_digits(*p))
                        )
                    })
                    .collect::<Vec<_>>();
                reached_score(higher, binning.levels(), &reached)
            }
        };
        let _ = write!(select, ",\n  {score} AS {name}");
    }
    select.push_str("\nFROM rfm_ranked x");
    for join in joins {
        let _ = write!(select, "\n{join}");
    }
    q.cte("rfm_scored", &select);
}

/// A score from the break points a value reaches: `1 + reached` when
/// larger is better, `levels - reached` otherwise (docs/method.md).
fn reached_score(higher: bool, levels: u8, reached: &[String]) -> String {
    let sum = reached.join("\n    + ");
    if higher {
        format!("1 + (\n    {sum}\n  )")
    } else {
        format!("{levels} - (\n    {sum}\n  )")
    }
}

/// Per segment (index into the definition's segments), the condition on
/// r and fm (or f, or f and m, after the definition's shape) that selects
/// its cells, in the definition's order. Segments no cell reaches are left
/// out.
///
/// Conditions are kept short for the reader: per r, the values of the last
/// variable are grouped by the values of the middle one, and r values with
/// the same condition on the others are merged (`r IN (3, 4, 5) AND m = 5`).
fn segment_conditions(definition: &Definition) -> Vec<(usize, String)> {
    let levels = definition.levels;
    // segment -> r -> the cells' (middle, last) values; the middle one is
    // 0 for the two-variable shapes.
    let mut cells: BTreeMap<usize, BTreeMap<u8, Vec<(u8, u8)>>> = BTreeMap::new();
    let (middle, last) = match definition.shape {
        Shape::RFm => (None, "fm"),
        Shape::RF => (None, "f"),
        Shape::RFM => (Some("f"), "m"),
    };
    for r in 1..=levels {
        for a in 1..=levels {
            for b in 1..=levels {
                let (segment, cell) = match definition.shape {
                    // fm(a, a) = a: any cell with that fm decides it.
                    Shape::RFm if b == 1 => (definition.segment_of(r, a, a), (0, a)),
                    Shape::RF if b == 1 => (definition.segment_of(r, a, 1), (0, a)),
                    Shape::RFM => (definition.segment_of(r, a, b), (a, b)),
                    _ => continue,
                };
                let by_r = cells.entry(usize::from(segment)).or_default();
                by_r.entry(r).or_default().push(cell);
            }
        }
    }
    let values = |name: &str, list: &[u8]| -> Option<String> {
        if list.len() == usize::from(levels) {
            None
        } else if let [one] = list {
            Some(format!("{name} = {one}"))
        } else {
            let items: Vec<String> = list.iter().map(u8::to_string).collect();
            Some(format!("{name} IN ({})", items.join(", ")))
        }
    };
    cells
        .into_iter()
        .map(|(segment, by_r)| {
            // r -> the condition on the other variables, as text.
            let mut terms: Vec<(Vec<u8>, String)> = Vec::new();
            for (r, list) in by_r {
                // last-values -> middle values having exactly those.
                let mut lasts: BTreeMap<u8, Vec<u8>> = BTreeMap::new();
                for &(a, b) in &list {
                    lasts.entry(a).or_default().push(b);
                }
                let mut groups: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
                for (a, bs) in lasts {
                    groups.entry(bs).or_default().push(a);
                }
                let parts: Vec<String> = groups
                    .into_iter()
                    .map(|(bs, aas)| {
                        let mut and = Vec::new();
                        if let Some(middle) = middle {
                            and.extend(values(middle, &aas));
                        }
                        and.extend(values(last, &bs));
                        and.join(" AND ")
                    })
                    .collect();
                let rest = if parts.len() == 1 {
                    parts.into_iter().next().unwrap_or_default()
                } else {
                    format!("({})", parts.join(" OR "))
                };
                match terms.iter_mut().find(|(_, t)| *t == rest) {
                    Some((rs, _)) => rs.push(r),
                    None => terms.push((vec![r], rest)),
                }
            }
            let terms: Vec<String> = terms
                .into_iter()
                .map(|(rs, rest)| {
                    let mut and: Vec<String> = values("r", &rs).into_iter().collect();
                    if !rest.is_empty() {
                        and.push(rest);
                    }
                    if and.is_empty() {
                        "1 = 1".to_owned()
                    } else {
                        and.join(" AND ")
                    }
                })
                .collect();
            let condition = if let [one] = terms.as_slice() {
                one.clone()
            } else {
                terms
                    .iter()
                    .map(|t| format!("({t})"))
                    .collect::<Vec<_>>()
                    .join("\n      OR ")
            };
            (segment, condition)
        })
        .collect()
}

/// `CASE segment_no WHEN 0 THEN ... END` mapping to the segments' names
/// (or keys).
fn segment_names(d: Dialect, definition: &Definition, key: bool) -> String {
    let mut case = "CASE segment_no".to_owned();
    for (i, segment) in definition.segments.iter().enumerate() {
        let text = if key { &segment.key } else { &segment.name };
        let _ = write!(case, "\n    WHEN {i} THEN {}", d.string(text));
    }
    case.push_str("\n  END");
    case
}

fn customers_select(q: &mut Query, spec: &Spec) {
    let d = spec.dialect;
    let text = d.text_type();
    let cast = |c: &str| format!("CAST({c} AS {text})");
    let rfm = if spec.definition.levels > 9 {
        format!(
            "CONCAT({}, '-', {}, '-', {})",
            cast("r"),
            cast("f"),
            cast("m")
        )
    } else {
        format!("CONCAT({}, {}, {})", cast("r"), cast("f"), cast("m"))
    };
    let mut columns = Vec::new();
    if spec.by.is_some() {
        columns.push(("grp".to_owned(), "group"));
    }
    columns.extend([
        ("customer_id".to_owned(), "customer_id"),
        ("first_order".to_owned(), "first_order"),
        ("last_order".to_owned(), "last_order"),
        ("recency_days".to_owned(), "recency_days"),
        ("frequency".to_owned(), "frequency"),
        (d.round_money("monetary", spec.decimals), "monetary"),
        ("r".to_owned(), "r"),
        ("f".to_owned(), "f"),
        ("m".to_owned(), "m"),
        ("fm".to_owned(), "fm"),
        (rfm, "rfm"),
        (segment_names(d, spec.definition, false), "segment"),
        (segment_names(d, spec.definition, true), "segment_key"),
    ]);
    let mut from = "rfm_segmented";
    // Kept columns named like rfm's own get an `input_` prefix, as in
    // `rfm customers`.
    let (headers, _) = crate::score::analysis::kept_headers(spec.keep);
    if !spec.keep.is_empty() {
        let values = (0..spec.keep.len())
            .map(|i| format!("COALESCE(k.keep_{i}, '') AS keep_{i}"))
            .collect::<Vec<_>>()
            .join(",\n  ");
        q.cte(
            "rfm_with_kept",
            &format!(
                "SELECT\n  s.*,\n  {values}\nFROM rfm_segmented s\nLEFT JOIN rfm_keep k ON k.customer_id = s.customer_id{}",
                if spec.by.is_some() { " AND k.grp = s.grp" } else { "" }
            ),
        );
        from = "rfm_with_kept";
        for (i, header) in headers.iter().enumerate() {
            columns.push((format!("keep_{i}"), header));
        }
    }
    let order = if spec.by.is_some() {
        format!("{}, {}", d.byte_order("grp"), d.byte_order("customer_id"))
    } else {
        d.byte_order("customer_id")
    };
    q.select_columns(&columns, &format!("FROM {from}\nORDER BY {order}"));
}

/// `round(num / den, k)` half away from zero, for `den > 0`, as a decimal
/// with k places; `approx` is a column holding the estimate of
/// `round(|num| * 10^k / den)`, which is corrected by one unit either way
/// with exact multiplications.
fn corrected(d: Dialect, num: &str, den: &str, approx: &str, k: u8) -> String {
    let twice = 2 * money::pow10(u32::from(k));
    format!(
        "CASE WHEN {num} < 0 THEN -1 ELSE 1 END\n    * ({approx} + CASE\n        WHEN (2 * {approx} + 1) * {den} <= {twice} * ABS({num}) THEN 1\n        WHEN (2 * {approx} - 1) * {den} > {twice} * ABS({num}) THEN -1\n        ELSE 0\n      END)\n    * {}",
        d.decimal(&unit(k))
    )
}

/// The estimate of `round(|num| * 10^k / den)` in floating point.
fn estimate(d: Dialect, num: &str, den: &str, k: u8) -> String {
    let double = d.double_type();
    format!(
        "CAST(ROUND(CAST(ABS({num}) AS {double}) * {} / CAST(NULLIF({den}, 0) AS {double})) AS {})",
        money::pow10(u32::from(k)),
        d.int_type()
    )
}

/// `round(num / den, k)` half up, for integers num >= 0 and den > 0, in
/// integer arithmetic.
fn int_ratio(d: Dialect, num: &str, den: &str, k: u8) -> String {
    let twice = 2 * money::pow10(u32::from(k));
    format!(
        "{} * {}",
        d.int_div(
            &format!("{twice} * {num} + {den}"),
            &format!("2 * NULLIF({den}, 0)")
        ),
        d.decimal(&unit(k))
    )
}

fn summary_select(q: &mut Query, spec: &Spec) {
    let d = spec.dialect;
    let int = d.int_type();
    let segments = d.numbers("segment_no", spec.definition.segments.len());
    q.cte("rfm_segments", &segments);
    // With --by, every segment of every group (a group is a value with
    // customers), shares within the group, as rfm summary's CSV.
    let by = spec.by.is_some();
    let g = spec.group_key();
    q.cte(
        "rfm_totals",
        &format!(
            "SELECT {g}COUNT(*) AS all_customers, SUM(monetary) AS all_revenue\nFROM rfm_segmented{}",
            if by { "\nGROUP BY grp" } else { "" }
        ),
    );
    let (cells, on_group, grouped) = if by {
        (
            "rfm_segments g\nCROSS JOIN (SELECT DISTINCT grp FROM rfm_segmented) p\nLEFT JOIN rfm_segmented s ON s.segment_no = g.segment_no AND s.grp = p.grp",
            "\nJOIN rfm_totals t ON t.grp = g.grp",
            "p.grp, ",
        )
    } else {
        (
            "rfm_segments g\nLEFT JOIN rfm_segmented s ON s.segment_no = g.segment_no",
            "\nCROSS JOIN rfm_totals t",
            "",
        )
    };
    q.cte(
        "rfm_per_segment",
        &format!(
            "SELECT\n  {grouped}g.segment_no,\n  COUNT(s.customer_id) AS customers,\n  CAST(COALESCE(SUM(s.frequency), 0) AS {int}) AS orders,\n  COALESCE(SUM(s.monetary), 0) AS revenue,\n  CAST(COALESCE(SUM(s.recency_days), 0) AS {int}) AS recency_sum\nFROM {cells}\nGROUP BY {grouped}g.segment_no"
        ),
    );
    q.cte(
        "rfm_estimates",
        &format!(
            "SELECT\n  g.*,\n  t.all_customers,\n  t.all_revenue,\n  CASE WHEN t.all_revenue > 0 THEN {} END AS share_estimate,\n  CASE WHEN g.customers > 0 THEN {} END AS average_estimate\nFROM rfm_per_segment g{on_group}",
            estimate(d, "g.revenue", "t.all_revenue", 4),
            estimate(d, "g.revenue", "g.customers", spec.decimals),
        ),
    );
    let mut columns = Vec::new();
    if by {
        columns.push(("grp".to_owned(), "group"));
    }
    columns.extend([
        (segment_names(d, spec.definition, false), "segment"),
        ("customers".to_owned(), "customers"),
        (
            format!(
                "CASE WHEN all_customers > 0 THEN {} END",
                int_ratio(d, "customers", "all_customers", 4)
            ),
            "customers_share",
        ),
        ("orders".to_owned(), "orders"),
        (d.round_money("revenue", spec.decimals), "revenue"),
        (
            format!(
                "CASE WHEN all_revenue > 0 THEN {} END",
                corrected(d, "revenue", "all_revenue", "share_estimate", 4)
            ),
            "revenue_share",
        ),
        (
            format!(
                "CASE WHEN customers > 0 THEN {} END",
                int_ratio(d, "recency_sum", "customers", 2)
            ),
            "avg_recency_days",
        ),
        (
            format!(
                "CASE WHEN customers > 0 THEN {} END",
                int_ratio(d, "orders", "customers", 2)
            ),
            "avg_frequency",
        ),
        (
            format!(
                "CASE WHEN customers > 0 THEN {} END",
                corrected(d, "revenue", "customers", "average_estimate", spec.decimals)
            ),
            "avg_monetary",
        ),
        (segment_names(d, spec.definition, true), "segment_key"),
    ]);
    let order = if by {
        format!("{}, segment_no", d.byte_order("grp"))
    } else {
        "segment_no".to_owned()
    };
    q.select_columns(&columns, &format!("FROM rfm_estimates\nORDER BY {order}"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score;
    use crate::score::definition::Preset;
    use crate::score::lang::Lang;

    /// Evaluates one condition of [`segment_conditions`] on a cell: the
    /// text is ORs of ANDs of `x = v` and `x IN (a, b)`.
    fn holds(condition: &str, r: u8, f: u8, m: u8) -> bool {
        let value = |name: &str| match name {
            "r" => r,
            "f" => f,
            "m" => m,
            "fm" => score::fm(f, m),
            other => panic!("unknown variable {other}"),
        };
        let atom = |part: &str| -> bool {
            let part = part.trim().trim_start_matches('(').trim_end_matches(')');
            if part == "1 = 1" {
                return true;
            }
            if let Some((name, v)) = part.split_once(" = ") {
                value(name) == v.parse::<u8>().unwrap()
            } else {
                let (name, list) = part.split_once(" IN (").unwrap();
                list.trim_end_matches(')')
                    .split(", ")
                    .any(|v| value(name) == v.parse::<u8>().unwrap())
            }
        };
        // The grammar: ORs of "(A AND B AND (C AND D OR E))" terms, where
        // a term's last part may itself be ORs of ANDs in parentheses.
        split_top(condition, " OR ").iter().any(|term| {
            let term = term.trim();
            let term = if term.starts_with('(')
                && term.ends_with(')')
                && balanced(&term[1..term.len() - 1])
            {
                &term[1..term.len() - 1]
            } else {
                term
            };
            split_top(term, " AND ").iter().all(|part| {
                let part = part.trim();
                if part.starts_with('(') && part.contains(" OR ") {
                    split_top(&part[1..part.len() - 1], " OR ")
                        .iter()
                        .any(|alt| alt.split(" AND ").all(atom))
                } else {
                    atom(part)
                }
            })
        })
    }

    fn balanced(text: &str) -> bool {
        let mut depth = 0i32;
        for c in text.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth < 0 {
                return false;
            }
        }
        depth == 0
    }

    /// `text` split on `sep` outside parentheses.
    fn split_top(text: &str, sep: &str) -> Vec<String> {
        let mut parts = Vec::new();
        let (mut depth, mut start) = (0i32, 0);
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'(' => depth += 1,
                b')' => depth -= 1,
                _ => {}
            }
            if depth == 0 && text[i..].starts_with(sep) {
                parts.push(text[start..i].to_owned());
                i += sep.len();
                start = i;
                continue;
            }
            i += 1;
        }
        parts.push(text[start..].to_owned());
        parts
    }

    fn file(text: &str) -> Definition {
        crate::score::definition_file::parse(text, "test.toml", Lang::En).unwrap()
    }

    #[test]
    fn every_cell_meets_exactly_its_segments_condition() {
        let mut definitions: Vec<Definition> = Preset::ALL
            .iter()
            .map(|&p| Definition::preset(p, Lang::En))
            .collect();
        definitions.push(file(include_str!("../../docs/examples/vip.toml")));
        definitions.push(file(include_str!("../../testdata/segments_10.toml")));
        for definition in &definitions {
            let conditions = segment_conditions(definition);
            let l = definition.levels;
            for (r, f, m) in definition.cells() {
                let meeting: Vec<usize> = conditions
                    .iter()
                    .filter(|(_, c)| holds(&c.replace('\n', " ").replace("  ", " "), r, f, m))
                    .map(|(s, _)| *s)
                    .collect();
                assert_eq!(
                    meeting,
                    vec![usize::from(definition.segment_of(r, f, m))],
                    "{} cell r{r} f{f} m{m} of {l} levels",
                    definition.name
                );
            }
        }
    }

    #[test]
    fn the_default_grid_reads_like_docs_method_md() {
        let definition = Definition::preset(Preset::Default, Lang::En);
        let conditions: Vec<(usize, String)> = segment_conditions(&definition);
        // Champions: R=5 with FM 4-5, R=4 with FM 5 (docs/method.md, step 9).
        assert_eq!(
            conditions[0],
            (
                0,
                "(r = 4 AND fm = 5)\n      OR (r = 5 AND fm IN (4, 5))".to_owned()
            )
        );
        // Lost: R=1, FM=1 only.
        assert_eq!(conditions[10], (10, "r = 1 AND fm = 1".to_owned()));
        assert_eq!(conditions.len(), 11, "all 11 segments are reachable");
    }

    fn spec<'a>(
        columns: &'a Columns,
        scoring: &'a Scoring,
        definition: &'a Definition,
    ) -> Spec<'a> {
        Spec {
            dialect: Dialect::Postgres,
            table: "shop.orders",
            columns,
            returns: Returns::Net,
            counting: Counting::Orders,
            since: None,
            until: None,
            as_of: AsOf::Latest,
            scoring,
            definition,
            decimals: 2,
            filter: &[],
            keep: &[],
            by: None,
        }
    }

    #[test]
    fn the_query_follows_the_flags() {
        let columns = Columns {
            customer: "Customer ID".into(),
            date: "Date".into(),
            amount: AmountSource::Product {
                quantity: "Qty".into(),
                price: "Price".into(),
            },
            order: None,
            fold_emails: true,
            customer_fallback: Vec::new(),
            terms: Vec::new(),
            per_order: false,
            sales: Sales::default(),
        };
        let rank = Binning::Method(Method::Rank, 5);
        let scoring = Scoring {
            r: rank.clone(),
            f: rank.clone(),
            m: rank,
        };
        let definition = Definition::preset(Preset::Default, Lang::It);
        let base = spec(&columns, &scoring, &definition);
        let q = query(&base, Output::Customers).unwrap();
        // E-mail ids lower-cased, as the engine does.
        assert!(
            q.contains("CASE WHEN TRIM(CAST(\"Customer ID\" AS TEXT)) LIKE '%@%' THEN LOWER(TRIM(CAST(\"Customer ID\" AS TEXT))) ELSE TRIM(CAST(\"Customer ID\" AS TEXT)) END AS customer_id"),
            "{q}"
        );
        let exact = Columns {
            fold_emails: false,
            ..columns.clone()
        };
        let q_exact = query(&spec(&exact, &scoring, &definition), Output::Customers).unwrap();
        assert!(
            q_exact.contains("  TRIM(CAST(\"Customer ID\" AS TEXT)) AS customer_id"),
            "{q_exact}"
        );
        assert!(q.contains("\"Qty\" * \"Price\" AS amount"), "{q}");
        assert!(q.contains("FROM \"shop\".\"orders\""), "{q}");
        assert!(
            !q.contains("order_id"),
            "no order column: each row an order\n{q}"
        );
        assert!(!q.contains("counted"), "no window, no counted step\n{q}");
        assert!(q.contains("SELECT MAX(last_order) + 1 AS as_of"), "{q}");
        assert!(q.contains("WHEN 0 THEN 'Campioni'"), "--lang it names\n{q}");
        assert!(
            q.contains("WHEN 8 THEN 'cant_lose_them'"),
            "English keys\n{q}"
        );
        assert!(q.ends_with("ORDER BY customer_id COLLATE \"C\";\n"), "{q}");

        let today = Spec {
            as_of: AsOf::Today,
            since: NaiveDate::from_ymd_opt(2025, 1, 1),
            returns: Returns::Ignore,
            ..base.clone()
        };
        let q = query(&today, Output::Customers).unwrap();
        assert!(
            q.contains("order_date >= DATE '2025-01-01'\n    AND order_date < CURRENT_DATE"),
            "{q}"
        );
        assert!(q.contains("SELECT CURRENT_DATE AS as_of"), "{q}");
        assert!(q.contains("AND amount >= 0"), "{q}");

        let bad = Spec {
            table: "shop..orders",
            ..base.clone()
        };
        assert!(
            query(&bad, Output::Summary)
                .unwrap_err()
                .contains("empty part")
        );
    }

    #[test]
    fn a_view_keeps_the_comments_above_it() {
        let q = "-- one\n-- two\nWITH\nx AS (\n  SELECT 1\n)\nSELECT * FROM x;\n";
        assert_eq!(
            create_view(Dialect::Bigquery, "p.d.rfm", q).unwrap(),
            "-- one\n-- two\nCREATE OR REPLACE VIEW `p`.`d`.`rfm` AS\nWITH\nx AS (\n  SELECT 1\n)\nSELECT * FROM x;\n"
        );
        assert!(create_view(Dialect::Spark, "a.", q).is_err());
    }

    #[test]
    fn exact_ratio_helpers() {
        assert_eq!(unit(0), "1");
        assert_eq!(unit(2), "0.01");
        assert_eq!(unit(4), "0.0001");
        assert_eq!(
            int_ratio(Dialect::Duckdb, "orders", "customers", 2),
            "((200 * orders + customers) // (2 * NULLIF(customers, 0))) * 0.01"
        );
    }
}
