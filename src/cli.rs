//! Command-line definitions, and nothing else: clap derives only. Turning
//! these into run settings (and every decision that depends on the
//! environment) happens in `options`.
//!
//! The input, method and output options are shared structs flattened into
//! every data command, so they are spelled and documented identically
//! everywhere.

use crate::engine::Returns;
use crate::output::render::Format;
use crate::output::sort::SortSpec;
use crate::score::Method;
use crate::score::lang::Lang;
use crate::sql::Dialect;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// RFM customer segmentation for order exports.
///
/// Reads order exports (CSV, optionally gzip or zstd compressed), computes
/// per customer recency (days since the last purchase), frequency (number of
/// purchases) and monetary value (net revenue), scores each 1-5 and maps every
/// customer to one of 11 named segments. See docs/method.md for the method.
#[derive(Debug, Parser)]
#[command(name = "rfm", version, propagate_version = true, max_term_width = 100)]
#[command(
    after_help = "Examples:\n  rfm summary orders.csv\n  rfm customers orders.csv -o customers.csv\n  rfm customers export.csv --decimal-comma --date-format '%d/%m/%Y' --excel -o clienti.csv"
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// One row per scored customer: metrics, r/f/m scores and segment.
    ///
    /// Columns: customer_id, first_order, last_order, recency_days,
    /// frequency, monetary, r, f, m, fm, rfm, segment, segment_key.
    Customers(CustomersArgs),
    /// One row per segment (all of the definition's, in its order) with
    /// customers, orders, revenue, their shares and averages.
    Summary(SummaryArgs),
    /// Write a report folder: customers.csv, summary.csv, report.json and a
    /// self-contained report.html with charts; with --previous, also the
    /// migration since an earlier report (migration.csv).
    Report(ReportArgs),
    /// Compare two runs (report folders or customers CSV files): how many
    /// customers moved from each segment to each other, which are new and
    /// which are gone; --movers lists who moved.
    Compare(CompareArgs),
    /// Write one CSV per segment for email tools (Mailchimp, Klaviyo, any
    /// other with --style plain): the customer ids and the --keep columns;
    /// with --previous, also who entered and who left each segment.
    ///
    /// The folder appears whole or not at all, and the same input gives
    /// byte-identical files (docs/audiences.md).
    Audiences(AudiencesArgs),
    /// The segmentation at the end of every week, month or quarter since
    /// the first order, from one pass over the orders: per period and
    /// segment, customers, orders, revenue, and who entered and left
    /// (docs/history.md).
    ///
    /// Each period's scores are those `rfm customers --as-of` gives for the
    /// day after the period's last day.
    History(HistoryArgs),
    /// Print one SQL query that runs the same segmentation inside a
    /// warehouse (DuckDB, PostgreSQL, BigQuery, Snowflake, Spark): the rows
    /// of `rfm customers`, or with --summary those of `rfm summary`.
    ///
    /// The table is not read, so its columns are named with --customer,
    /// --date and --amount (or --quantity and --price), plus --order when an
    /// order spans rows. Names are quoted exactly as given: write them as the
    /// warehouse stores them (Snowflake: CUSTOMER_ID).
    Sql(SqlArgs),
    /// Print a segment definition as a grid and check it: cells no rule
    /// covers, segments no cell reaches, rules shadowed by earlier ones.
    Rules(RulesArgs),
    /// List the export profiles (the shop and payment platform exports rfm
    /// recognises by their header) with what each one reads, or print one
    /// as TOML to start a profile of your own.
    Profiles(ProfilesArgs),
    /// Print a shell completion script to stdout.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    Man,
}

/// `rfm customers`.
#[derive(Debug, Args)]
pub(crate) struct CustomersArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    #[command(flatten)]
    pub(crate) method: MethodArgs,
    #[command(flatten)]
    pub(crate) explain: ExplainArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    /// Row order: comma-separated columns, '-' prefix for descending, ties by
    /// customer_id (e.g. --sort=-monetary, --sort segment,-monetary).
    #[arg(
        long,
        value_name = "COLUMNS",
        default_value = "customer_id",
        allow_hyphen_values = true,
        help_heading = "Output"
    )]
    pub(crate) sort: SortSpec,
    #[command(flatten)]
    pub(crate) keep: KeepArgs,
    /// Only customers in these segments: keys or names, comma-separated, in
    /// any language (e.g. at_risk,cant_lose_them or "At Risk").
    #[arg(long, value_name = "KEYS", help_heading = "Output")]
    pub(crate) segment: Option<String>,
    /// Only the first N customers (after --sort and --segment), e.g. a call
    /// list of the 100 most valuable At Risk customers.
    #[arg(long, value_name = "N", help_heading = "Output")]
    pub(crate) top: Option<usize>,
    #[command(flatten)]
    pub(crate) reasons: ReasonsArgs,
    #[command(flatten)]
    pub(crate) since: SinceArgs,
    #[command(flatten)]
    pub(crate) predict: PredictArgs,
}

/// `--predict`, for the commands that score customers (docs/predict.md).
#[derive(Debug, Args)]
pub(crate) struct PredictArgs {
    /// Predict each customer's purchases and value over HORIZON after the
    /// as-of date (e.g. 90d, 12w, 6m, 1y), from models fitted on the
    /// customers' purchase days: customers get p_alive, expected_orders,
    /// expected_avg_value and clv; summary gets per-segment averages and
    /// totals; report a section (docs/predict.md).
    #[arg(long, value_name = "HORIZON", help_heading = "Prediction")]
    pub(crate) predict: Option<String>,
    /// The purchase model of --predict: BG/NBD, its variant MBG/NBD (one-time
    /// buyers can have dropped out), or Pareto/NBD.
    #[arg(
        long,
        value_enum,
        value_name = "MODEL",
        default_value = "bg-nbd",
        requires = "predict",
        help_heading = "Prediction"
    )]
    pub(crate) model: ModelArg,
    /// Discount future purchases at RATE a year (e.g. 0.1 or 10%) in clv
    /// [default: undiscounted].
    #[arg(
        long,
        value_name = "RATE",
        requires = "predict",
        help_heading = "Prediction"
    )]
    pub(crate) discount: Option<String>,
}

/// `--model` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[expect(
    clippy::enum_variant_names,
    reason = "the models' names end in NBD, and clap names the values after the variants"
)]
pub(crate) enum ModelArg {
    /// BG/NBD (Fader, Hardie & Lee 2005).
    BgNbd,
    /// MBG/NBD (Batislam, Denizel & Filiztekin 2007).
    MbgNbd,
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
    ParetoNbd,
}

/// `--segment-since`, for the commands that write customers.
#[derive(Debug, Args)]
pub(crate) struct SinceArgs {
    /// Add a 'segment_since' column: the end of the first week (or month,
    /// quarter) since which the customer has been in its segment at every
    /// period end; reads the inputs twice (docs/history.md).
    #[arg(
        long,
        value_enum,
        value_name = "PERIOD",
        num_args = 0..=1,
        default_missing_value = "week",
        help_heading = "Output"
    )]
    pub(crate) segment_since: Option<EveryArg>,
}

/// `--reasons`, for the commands that write customers.
#[derive(Debug, Args)]
pub(crate) struct ReasonsArgs {
    /// Add a 'reason' column: each score with the value and band that gave
    /// it, the segment rule, and the smallest change to a better segment
    /// (docs/reasons.md).
    #[arg(long, help_heading = "Output")]
    pub(crate) reasons: bool,
}

/// `--keep`, for the commands that write customers.
#[derive(Debug, Args)]
pub(crate) struct KeepArgs {
    /// Customer columns to carry into the output, comma-separated (e.g.
    /// email,name,country): each customer's values from its latest purchase
    /// (its last line read); they never change scores.
    #[arg(
        long,
        value_name = "COLS",
        value_delimiter = ',',
        help_heading = "Output"
    )]
    pub(crate) keep: Vec<String>,
}

/// `--where` and `--by`: which orders count, and scoring per group.
#[derive(Debug, Args)]
pub(crate) struct SelectArgs {
    /// Only order lines for which EXPR holds count, e.g. "Country = 'France'"
    /// or "Quantity > 0 and StockCode != 'POST'" (docs/where.md); repeatable,
    /// all must hold. Customers are scored against the customers left.
    #[arg(long = "where", value_name = "EXPR", help_heading = "Selection")]
    pub(crate) filter: Vec<String>,
    /// Score each value of column COL (country, store, channel...) against
    /// its own customers, as if it were a file of its own; adds a 'group'
    /// column (a customer in two groups is a row in each).
    #[arg(long, value_name = "COL", help_heading = "Selection")]
    pub(crate) by: Option<String>,
}

/// `rfm summary`.
#[derive(Debug, Args)]
pub(crate) struct SummaryArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    #[command(flatten)]
    pub(crate) method: MethodArgs,
    #[command(flatten)]
    pub(crate) explain: ExplainArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    #[command(flatten)]
    pub(crate) predict: PredictArgs,
}

/// `rfm report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    #[command(flatten)]
    pub(crate) method: MethodArgs,
    #[command(flatten)]
    pub(crate) explain: ExplainArgs,
    /// The report folder to write (created if missing). It appears whole or
    /// not at all, replacing an earlier report there only when the run
    /// succeeds; a folder that is not an rfm report is never replaced.
    #[arg(short, long, value_name = "DIR", help_heading = "Report")]
    pub(crate) out: PathBuf,
    /// An earlier report folder, or its customers.csv (or any CSV written by
    /// `rfm customers`): adds migration.csv and the migration to the report.
    #[arg(long, value_name = "PREV", help_heading = "Report")]
    pub(crate) previous: Option<PathBuf>,
    /// Record when the report was made (in report.json and report.html);
    /// without it, the same input gives byte-identical files.
    #[arg(long, help_heading = "Report")]
    pub(crate) stamp: bool,
    /// Write the CSV files for European spreadsheets: ';' separator, decimal
    /// comma, UTF-8 BOM.
    #[arg(long, help_heading = "Output")]
    pub(crate) excel: bool,
    /// Decimals for money values (monetary, revenue, avg_monetary).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=10), help_heading = "Output")]
    pub(crate) decimals: u8,
    /// No notes, progress or result line on stderr (errors are still printed).
    #[arg(short, long, help_heading = "Output")]
    pub(crate) quiet: bool,
    #[command(flatten)]
    pub(crate) keep: KeepArgs,
    /// customers.csv and the movers in report.html get a 'reason' column.
    #[command(flatten)]
    pub(crate) reasons: ReasonsArgs,
    #[command(flatten)]
    pub(crate) since: SinceArgs,
    /// Add a trend section (report.html and report.json): segment sizes,
    /// and who entered and left the at-risk segments, over the last N whole
    /// periods (default 12) before the as-of date; reads the inputs twice.
    #[arg(
        long,
        value_name = "N",
        num_args = 0..=1,
        default_missing_value = "12",
        value_parser = clap::value_parser!(u32).range(2..=520),
        help_heading = "Report"
    )]
    pub(crate) trend: Option<u32>,
    /// The period of --trend: weeks (Monday to Sunday), months or quarters.
    #[arg(
        long,
        value_enum,
        default_value = "week",
        requires = "trend",
        help_heading = "Report"
    )]
    pub(crate) every: EveryArg,
    #[command(flatten)]
    pub(crate) predict: PredictArgs,
}

/// `rfm history`.
#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    #[command(flatten)]
    pub(crate) method: MethodArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    /// The period: weeks (Monday to Sunday), calendar months or quarters.
    #[arg(long, value_enum, default_value = "week", help_heading = "History")]
    pub(crate) every: EveryArg,
    /// The first period shown: the one holding this date (default: the
    /// first with a purchase).
    #[arg(long, value_name = "DATE", help_heading = "History")]
    pub(crate) from: Option<String>,
    /// The last period shown: the one holding this date (default: the one
    /// holding the latest purchase); later orders are not read.
    #[arg(long, value_name = "DATE", help_heading = "History")]
    pub(crate) to: Option<String>,
    /// One row per period and scored customer instead: period_end,
    /// customer_id, r, f, m, segment (large: Parquet is the format for it).
    #[arg(long, conflicts_with = "transitions", help_heading = "History")]
    pub(crate) customers: bool,
    /// One row per period and move instead: period_end, from_segment,
    /// to_segment, customers ((new) for first purchases).
    #[arg(long, help_heading = "History")]
    pub(crate) transitions: bool,
}

/// `--every` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EveryArg {
    /// Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
    /// Calendar quarters.
    Quarter,
}

/// `rfm compare`.
#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// The earlier run: a report folder, or a customers CSV (`rfm customers
    /// -f csv`, plain, --excel, .gz or .zst).
    #[arg(value_name = "OLD")]
    pub(crate) old: PathBuf,
    /// The later run, likewise.
    #[arg(value_name = "NEW")]
    pub(crate) new: PathBuf,
    /// List the customers who moved from FROM to TO instead of the counts:
    /// segment keys or names, comma-separated, either side empty for any
    /// (e.g. champions..at-risk, champions,loyal_customers..).
    #[arg(long, value_name = "FROM..TO")]
    pub(crate) movers: Option<String>,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// `rfm sql`.
#[derive(Debug, Args)]
pub(crate) struct SqlArgs {
    /// The SQL dialect to write.
    #[arg(long, value_enum, value_name = "DIALECT", help_heading = "SQL")]
    pub(crate) dialect: Dialect,
    /// The orders table or view, optionally qualified (shop.orders,
    /// project.dataset.orders); every part is quoted exactly as given.
    #[arg(long, value_name = "NAME", help_heading = "SQL")]
    pub(crate) table: String,
    /// Write the per-segment summary query (the rows of `rfm summary`)
    /// instead of the per-customer one.
    #[arg(long, help_heading = "SQL")]
    pub(crate) summary: bool,
    /// Wrap the query as CREATE OR REPLACE VIEW NAME AS ... (NAME may be
    /// qualified like --table).
    #[arg(long, value_name = "NAME", help_heading = "SQL")]
    pub(crate) create_view: Option<String>,
    #[command(flatten)]
    pub(crate) columns: ColumnArgs,
    #[command(flatten)]
    pub(crate) method: MethodArgs,
    /// Decimals for money values (monetary, revenue, avg_monetary).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=10), help_heading = "Output")]
    pub(crate) decimals: u8,
    #[command(flatten)]
    pub(crate) keep: KeepArgs,
    /// Write to FILE instead of stdout, atomically (a failed run leaves any
    /// existing FILE untouched).
    #[arg(short, long, value_name = "FILE", help_heading = "Output")]
    pub(crate) output: Option<PathBuf>,
    /// Not in SQL: accepted only to say so (docs/predict.md).
    #[arg(long, value_name = "HORIZON", hide = true)]
    pub(crate) predict: Option<String>,
}

/// `rfm profiles`.
#[derive(Debug, Args)]
pub(crate) struct ProfilesArgs {
    /// Print this profile's TOML (a built-in name).
    pub(crate) name: Option<String>,
}

/// `rfm rules`.
#[derive(Debug, Args)]
pub(crate) struct RulesArgs {
    #[command(flatten)]
    pub(crate) segments: SegmentArgs,
    /// Exit with an error (code 1) when the definition has uncovered cells,
    /// unreachable segments or shadowed rules, instead of warning.
    #[arg(long)]
    pub(crate) strict: bool,
    /// Output format: table (the grid, segments and checks), csv/tsv/ndjson
    /// (one row per score cell) or json (all of it) [default: from the -o
    /// extension; else table on a terminal, csv otherwise].
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    pub(crate) format: Option<RulesFormat>,
    /// Write to FILE instead of stdout, atomically.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// `rfm rules --format` values: the formats of [`Format`] but Parquet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RulesFormat {
    /// The grid, the segments and the checks, for reading.
    Table,
    /// One row per score cell, comma-separated.
    Csv,
    /// One row per score cell, tab-separated.
    Tsv,
    /// The definition, its segments, the checks and the cells.
    Json,
    /// One cell object per line.
    Ndjson,
}

impl From<RulesFormat> for Format {
    fn from(f: RulesFormat) -> Format {
        match f {
            RulesFormat::Table => Format::Table,
            RulesFormat::Csv => Format::Csv,
            RulesFormat::Tsv => Format::Tsv,
            RulesFormat::Json => Format::Json,
            RulesFormat::Ndjson => Format::Ndjson,
        }
    }
}

/// Which segments customers are mapped to, and in which language.
#[derive(Debug, Args)]
pub(crate) struct SegmentArgs {
    /// Segment definition: a preset (default: the R x FM grid; r-rfm: the R
    /// package rfm's rules, unmatched customers become Others; rf-grid: the
    /// R x F map of pandas notebooks) or a TOML file (docs/segments.md).
    #[arg(
        long,
        value_name = "PRESET|FILE",
        default_value = "default",
        help_heading = "Segments"
    )]
    pub(crate) segments: String,
    /// Language of segment names, descriptions and actions; segment_key and
    /// column names stay English.
    #[arg(long, value_enum, value_name = "LANG", default_value_t = Lang::En, help_heading = "Segments")]
    pub(crate) lang: Lang,
}

/// Where the orders come from and how to read them.
#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// Order exports: CSV (.gz/.zst decompressed) or Parquet. '-' or none
    /// reads stdin. Several files are read as one data set and must share a
    /// header; a quoted pattern ('exports/*.parquet') is expanded by rfm.
    #[arg(value_name = "FILES")]
    pub(crate) files: Vec<PathBuf>,

    #[command(flatten)]
    pub(crate) columns: ColumnArgs,

    /// Date layout as a chrono strftime pattern, e.g. '%d/%m/%Y %H:%M'
    /// [default: ISO 8601 dates and date-times].
    #[arg(long, value_name = "FMT", help_heading = "Input")]
    pub(crate) date_format: Option<String>,
    /// Field delimiter: a single character, 'tab', or ' ' / 'space' for
    /// columns aligned with runs of spaces [default: sniffed among , ; tab
    /// | and aligned columns].
    #[arg(long, value_name = "CHAR", help_heading = "Input")]
    pub(crate) delimiter: Option<String>,
    /// The text encoding of CSV inputs, e.g. windows-1252, latin1,
    /// utf-16le [default: UTF-8 or UTF-16 by byte order mark, else
    /// Windows-1252 when the start of the file is not UTF-8].
    #[arg(long, value_name = "NAME", help_heading = "Input")]
    pub(crate) encoding: Option<String>,
    /// Amounts use a decimal comma: 1.234,56 (typical of European exports)
    /// [default: found in the first rows].
    #[arg(long, help_heading = "Input", conflicts_with = "decimal_point")]
    pub(crate) decimal_comma: bool,
    /// Amounts use a decimal point: 1,234.56 [default: found in the first rows].
    #[arg(long, help_heading = "Input")]
    pub(crate) decimal_point: bool,
    /// Drop rows with an unreadable date or number, or the wrong number of
    /// fields, instead of stopping (counted in the notes).
    #[arg(long, help_heading = "Input")]
    pub(crate) skip_bad_rows: bool,
    /// When an order is in several inputs with other values (an order
    /// refunded or completed between two downloads), read it from the last
    /// input it is in (give the downloads oldest first) instead of stopping.
    #[arg(long, help_heading = "Input")]
    pub(crate) keep_latest: bool,
    /// Write dropped rows to FILE (CSV: file, line, reason, then the row's
    /// fields). Implies --skip-bad-rows.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub(crate) rejects: Option<PathBuf>,
}

/// Which columns hold the customer, the date, the amount (or quantity and
/// price) and the order id.
#[derive(Debug, Args)]
pub(crate) struct ColumnArgs {
    /// Customer id column [default: detected: customer_id, customerid,
    /// "customer id", customer, client_id, user_id, email].
    #[arg(long, value_name = "COL", help_heading = "Columns")]
    pub(crate) customer: Option<String>,
    /// Order date column [default: detected: order_date, invoicedate, date,
    /// created_at, purchase_date].
    #[arg(long, value_name = "COL", help_heading = "Columns")]
    pub(crate) date: Option<String>,
    /// Amount column [default: detected: amount, total, revenue, sales,
    /// order_total, value].
    #[arg(long, value_name = "COL", help_heading = "Columns", conflicts_with_all = ["quantity", "price"])]
    pub(crate) amount: Option<String>,
    /// Quantity column; amount = quantity x price [default: detected:
    /// quantity, qty, when there is no amount column].
    #[arg(long, value_name = "COL", help_heading = "Columns", requires = "price")]
    pub(crate) quantity: Option<String>,
    /// Unit price column [default: detected: price, unitprice, unit_price].
    #[arg(
        long,
        value_name = "COL",
        help_heading = "Columns",
        requires = "quantity"
    )]
    pub(crate) price: Option<String>,
    /// Order id column: rows with the same customer and order id form one
    /// order [default: detected: order_id, invoice, invoiceno, order_number;
    /// without one, each row is an order].
    #[arg(long, value_name = "COL", help_heading = "Columns")]
    pub(crate) order: Option<String>,
    /// Order status column ('none': ignore statuses) [default: detected:
    /// order status, financial status, payment status, status, stato,
    /// estado, statut, Bestellstatus...]. Orders whose status is not a sale
    /// (cancelled, voided, failed, refunded...) do not count.
    #[arg(long, value_name = "COL", help_heading = "Columns")]
    pub(crate) status: Option<String>,
    /// Only orders with these statuses count (comma-separated, compared
    /// ignoring case, accents and punctuation), e.g. paid,completed.
    #[arg(
        long,
        value_name = "LIST",
        help_heading = "Columns",
        conflicts_with = "drop_status"
    )]
    pub(crate) count_status: Option<String>,
    /// Orders with these statuses do not count, instead of the built-in list
    /// of non-sales (cancelled, voided, failed, refunded...), e.g. pending,cancelled.
    #[arg(long, value_name = "LIST", help_heading = "Columns")]
    pub(crate) drop_status: Option<String>,
    /// Keep only the orders in this currency (e.g. EUR), when the file has a
    /// currency column holding several: amounts in different currencies
    /// cannot be added up.
    #[arg(long, value_name = "CODE", help_heading = "Columns")]
    pub(crate) currency: Option<String>,
    /// Compare customer ids that are e-mail addresses as written; by
    /// default an id with an '@' is lower-cased, so Ann@Shop.com and
    /// ann@shop.com are one customer.
    #[arg(long, help_heading = "Columns")]
    pub(crate) case_sensitive_ids: bool,
    /// The export profile: a built-in name (shopify, woocommerce, stripe,
    /// etsy, square, prestashop, magento2, amazon...; `rfm profiles` lists
    /// them), 'none' to read columns by name only, or your own FILE.toml
    /// [default: detected from the header].
    #[arg(long, value_name = "NAME|none|FILE", help_heading = "Columns")]
    pub(crate) profile: Option<String>,
    /// Whether the amount is each order's total (taken once per order,
    /// blank on item lines) or each line's (added up per order) [default:
    /// the profile's; else order for order-total columns (order total,
    /// grand total...) with an order id, line otherwise].
    #[arg(long, value_enum, value_name = "WHAT", help_heading = "Columns")]
    pub(crate) amount_per: Option<crate::input::AmountPer>,
}

/// What counts and how it is measured.
#[derive(Debug, Args)]
pub(crate) struct MethodArgs {
    /// Date recency is measured to, YYYY-MM-DD or 'today'; only orders before
    /// it count [default: the day after the latest purchase].
    #[arg(long, value_name = "DATE", help_heading = "Method")]
    pub(crate) as_of: Option<String>,
    /// Only orders dated on or after DATE (YYYY-MM-DD) count.
    #[arg(long, value_name = "DATE", help_heading = "Method")]
    pub(crate) since: Option<String>,
    /// Only orders dated on or before DATE (YYYY-MM-DD) count.
    #[arg(long, value_name = "DATE", help_heading = "Method")]
    pub(crate) until: Option<String>,
    /// Negative amounts (returns, cancellations): 'net' subtracts them from
    /// monetary, 'ignore' drops those rows (gross revenue).
    #[arg(long, value_enum, value_name = "HOW", default_value_t = ReturnsArg::Net, help_heading = "Method")]
    pub(crate) returns: ReturnsArg,
    /// How scores are computed from the customers' values (docs/method.md).
    #[arg(long, value_enum, value_name = "METHOD", default_value_t = Method::Rank, help_heading = "Scoring")]
    pub(crate) scoring: Method,
    /// Score levels of --scoring (2-10); the preset segment definitions
    /// need 5.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u8).range(2..=10), help_heading = "Scoring")]
    pub(crate) bins: u8,
    /// Fixed recency break points in days, ascending (e.g. 30,90,180,365):
    /// k points give k + 1 scores; fewer days score higher; a value equal
    /// to a break point goes to the lower score.
    #[arg(
        long,
        value_name = "DAYS",
        allow_hyphen_values = true,
        help_heading = "Scoring"
    )]
    pub(crate) r_bins: Option<String>,
    /// Fixed frequency break points, ascending (e.g. 2,3,5,8): a value
    /// equal to a break point goes to the higher score.
    #[arg(
        long,
        value_name = "COUNTS",
        allow_hyphen_values = true,
        help_heading = "Scoring"
    )]
    pub(crate) f_bins: Option<String>,
    /// Fixed monetary break points, ascending, decimal point (e.g.
    /// 100,250,500,1000): a value equal to a break point goes to the higher
    /// score.
    #[arg(
        long,
        value_name = "AMOUNTS",
        allow_hyphen_values = true,
        help_heading = "Scoring"
    )]
    pub(crate) m_bins: Option<String>,
    #[command(flatten)]
    pub(crate) segments: SegmentArgs,
    #[command(flatten)]
    pub(crate) select: SelectArgs,
}

/// `--explain`, for the commands that score data.
#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// Also print, on stderr, what every score level holds: customers,
    /// value range and break points.
    #[arg(long, help_heading = "Scoring")]
    pub(crate) explain: bool,
}

/// `--returns` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReturnsArg {
    /// Monetary is net of returns and cancellations.
    Net,
    /// Rows with a negative amount are dropped.
    Ignore,
}

impl From<ReturnsArg> for Returns {
    fn from(r: ReturnsArg) -> Self {
        match r {
            ReturnsArg::Net => Returns::Net,
            ReturnsArg::Ignore => Returns::Ignore,
        }
    }
}

/// Where and how results are written.
#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// Output format [default: from the -o extension; else table on a
    /// terminal, csv otherwise].
    #[arg(
        short,
        long,
        value_enum,
        value_name = "FORMAT",
        help_heading = "Output"
    )]
    pub(crate) format: Option<Format>,
    /// Write to FILE instead of stdout, atomically (a failed run leaves any
    /// existing FILE untouched).
    #[arg(short, long, value_name = "FILE", help_heading = "Output")]
    pub(crate) output: Option<PathBuf>,
    /// CSV for European spreadsheets: ';' separator, decimal comma, UTF-8 BOM.
    #[arg(long, help_heading = "Output")]
    pub(crate) excel: bool,
    /// Decimals for money values (monetary, revenue, avg_monetary).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=10), help_heading = "Output")]
    pub(crate) decimals: u8,
    /// Colour in the table format: auto (terminal and NO_COLOR unset), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto, help_heading = "Output")]
    pub(crate) color: ColorWhen,
    /// Rows the table format shows [default: 50]: a number, or 'all'. A
    /// last line says how many were left out. CSV, TSV, JSON, NDJSON and
    /// Parquet always hold every row.
    #[arg(long, value_name = "N|all", value_parser = parse_rows, help_heading = "Output")]
    pub(crate) rows: Option<RowLimit>,
    /// No notes or progress on stderr (errors are still printed).
    #[arg(short, long, help_heading = "Output")]
    pub(crate) quiet: bool,
}

/// `--rows`: how many rows the table format shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowLimit {
    /// Every row.
    All,
    /// The first N.
    First(usize),
}

fn parse_rows(text: &str) -> Result<RowLimit, String> {
    if text.eq_ignore_ascii_case("all") {
        return Ok(RowLimit::All);
    }
    text.parse::<usize>()
        .map(RowLimit::First)
        .map_err(|_| format!("'{text}' is not a number of rows or 'all'"))
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorWhen {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour the table format.
    Always,
    /// Never colour.
    Never,
}

/// `rfm audiences`.
#[derive(Debug, Args)]
pub(crate) struct AudiencesArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    #[command(flatten)]
    pub(crate) method: MethodArgs,
    #[command(flatten)]
    pub(crate) explain: ExplainArgs,
    /// The audiences folder to write (created if missing): SEGMENT_KEY.csv
    /// per non-empty segment (split by consent for mailchimp, in parts over
    /// 50 MB for klaviyo: docs/audiences.md) and audiences.json. It appears whole or not at
    /// all, replacing earlier audiences there only when the run succeeds; a
    /// folder that rfm audiences did not write is never replaced.
    #[arg(short, long, value_name = "DIR", help_heading = "Audiences")]
    pub(crate) out: PathBuf,
    /// An earlier audiences folder (of the same --style): adds
    /// entered/SEGMENT_KEY.csv and left/SEGMENT_KEY.csv, who entered and who
    /// left each segment since.
    #[arg(long, value_name = "PREV", help_heading = "Audiences")]
    pub(crate) previous: Option<PathBuf>,
    /// The columns, named for the tool that imports the files.
    #[arg(long, value_enum, value_name = "STYLE", default_value_t = crate::output::audience::Style::Plain, help_heading = "Audiences")]
    pub(crate) style: crate::output::audience::Style,
    /// No notes, counts or result line on stderr (errors are still printed).
    #[arg(short, long, help_heading = "Output")]
    pub(crate) quiet: bool,
    #[command(flatten)]
    pub(crate) keep: KeepArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_app() {
        Cli::command().debug_assert();
    }
}
