//! `rfm sql` on real engines: the emitted query, run by DuckDB (PyPI
//! package) and PostgreSQL (a private server from Debian's packages), must
//! return exactly the rows `rfm customers` / `rfm summary` print as CSV, on
//! the fixtures, a generated 100k-row set full of edge cases
//! (tests/engines/gen_orders.py) and the Online Retail export.
//!
//! The expected rows come from rfm's own CSV output, which tests/cli.rs and
//! tests/methods.rs check by hand computation and by independent
//! implementations; here the question is only whether the SQL reproduces
//! them, value for value, in the same order. Without an engine the tests
//! say so and pass, unless RFM_REQUIRE_ENGINES=1 (.ci/run sets it).
//!
//! Spark runs from tests/engines/spark.sh (too heavy for every run);
//! BigQuery and Snowflake cannot run here: their SQL is snapshot-tested.

mod common;

use common::engines::{self, ColType, SqlEngine, Table};
use common::{fixture, online_retail_path, rfm};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One comparison: rfm on `file` versus the SQL on `table`.
struct Case<'a> {
    /// rfm's input.
    file: &'a Path,
    /// The same rows, typed, for the engine.
    table: &'a Table,
    /// `--table` as given to `rfm sql` (qualified, unquoted).
    table_flag: &'a str,
    /// Column flags, shared by both.
    mapping: &'a [&'a str],
    /// Method and output flags, shared by both.
    flags: &'a [&'a str],
    /// `rfm summary` / `--summary` instead of customers.
    summary: bool,
}

fn rfm_rows(case: &Case) -> Vec<Vec<String>> {
    let command = if case.summary { "summary" } else { "customers" };
    let out = rfm()
        .arg(command)
        .arg(case.file)
        .args(case.mapping)
        .args(case.flags)
        .args(["-f", "csv", "-q"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "rfm {command} {:?}: {}",
        case.flags,
        String::from_utf8_lossy(&out.stderr)
    );
    engines::parse_csv(&out.stdout).expect("rfm writes valid CSV")
}

fn sql_text(dialect: &str, case: &Case, extra: &[&str]) -> String {
    let mut cmd = rfm();
    cmd.args(["sql", "--dialect", dialect, "--table", case.table_flag])
        .args(case.mapping)
        .args(case.flags)
        .args(extra);
    if case.summary {
        cmd.arg("--summary");
    }
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "rfm sql {:?}: {}",
        case.flags,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 SQL")
}

/// Runs the case on `engine` and asserts row-for-row equality; returns the
/// number of data rows compared.
fn check(engine: &dyn SqlEngine, case: &Case) -> usize {
    let expected = rfm_rows(case);
    let sql = sql_text(engine.name(), case, &[]);
    let actual = engine.query(case.table, &sql).unwrap_or_else(|e| {
        panic!(
            "{} rejected the query for {:?}: {e}\n{sql}",
            engine.name(),
            case.flags
        )
    });
    assert_rows_eq(engine.name(), case, &expected, &actual);
    expected.len() - 1
}

fn assert_rows_eq(engine: &str, case: &Case, expected: &[Vec<String>], actual: &[Vec<String>]) {
    if expected == actual {
        return;
    }
    let differing: Vec<String> = expected
        .iter()
        .zip(actual)
        .enumerate()
        .filter(|(_, (e, a))| e != a)
        .take(5)
        .map(|(i, (e, a))| format!("row {i}:\n  rfm: {e:?}\n  sql: {a:?}"))
        .collect();
    panic!(
        "{engine} differs from rfm on {} {:?} (summary: {}): {} rows vs {}\n{}",
        case.file.display(),
        case.flags,
        case.summary,
        expected.len(),
        actual.len(),
        differing.join("\n")
    );
}

fn hand_table() -> Table {
    Table::new(
        Some("shop"),
        "Orders",
        fixture("hand_computed.csv"),
        &[
            ("order_id", ColType::Text),
            ("customer_id", ColType::Text),
            ("order_date", ColType::Timestamp),
            ("amount", ColType::Decimal(2)),
        ],
    )
}

fn sample_table() -> Table {
    Table::new(
        None,
        "sample orders",
        fixture("sample_orders.csv"),
        &[
            ("order_id", ColType::Text),
            ("customer_id", ColType::Text),
            ("order_date", ColType::Timestamp),
            ("sku", ColType::Text),
            ("quantity", ColType::Integer),
            ("unit_price", ColType::Decimal(2)),
        ],
    )
}

const HAND: [&str; 8] = [
    "--customer",
    "customer_id",
    "--date",
    "order_date",
    "--amount",
    "amount",
    "--order",
    "order_id",
];

const SAMPLE: [&str; 10] = [
    "--customer",
    "customer_id",
    "--date",
    "order_date",
    "--quantity",
    "quantity",
    "--price",
    "unit_price",
    "--order",
    "order_id",
];

/// Method flags every data set is run with (customers and summary).
const METHODS: &[&[&str]] = &[
    &[],
    &["--returns", "ignore"],
    &["--scoring", "ntile"],
    &["--as-of", "2025-03-01", "--since", "2024-12-15"],
    &["--until", "2025-03-05", "--decimals", "3"],
    &["--segments", "rf-grid", "--lang", "it"],
    &["--segments", "docs/examples/vip.toml", "--scoring", "ntile"],
    &["--r-bins", "5,10,50,90", "--m-bins", "10,20.5,45.50,100"],
    &["--bins", "10", "--segments", "testdata/segments_10.toml"],
];

/// Flags of r-quantile runs (which take no --order).
const QUANTILE: &[&[&str]] = &[
    &["--scoring", "r-quantile"],
    &[
        "--scoring",
        "r-quantile",
        "--segments",
        "r-rfm",
        "--returns",
        "ignore",
    ],
];

fn without_order<'a>(mapping: &[&'a str]) -> Vec<&'a str> {
    let at = mapping
        .iter()
        .position(|f| *f == "--order")
        .expect("has --order");
    let mut m = mapping.to_vec();
    m.drain(at..at + 2);
    m
}

/// Every method on one data set, customers and summary; returns the rows
/// compared.
fn check_methods(
    engine: &dyn SqlEngine,
    file: &Path,
    table: &Table,
    table_flag: &str,
    mapping: &[&str],
) -> usize {
    let mut rows = 0;
    for flags in METHODS {
        for summary in [false, true] {
            rows += check(
                engine,
                &Case {
                    file,
                    table,
                    table_flag,
                    mapping,
                    flags,
                    summary,
                },
            );
        }
    }
    let mapping = without_order(mapping);
    for flags in QUANTILE {
        for summary in [false, true] {
            rows += check(
                engine,
                &Case {
                    file,
                    table,
                    table_flag,
                    mapping: &mapping,
                    flags,
                    summary,
                },
            );
        }
    }
    rows
}

fn fixtures(engine: &dyn SqlEngine) {
    let rows = check_methods(
        engine,
        &fixture("hand_computed.csv"),
        &hand_table(),
        "shop.Orders",
        &HAND,
    ) + check_methods(
        engine,
        &fixture("sample_orders.csv"),
        &sample_table(),
        "sample orders",
        &SAMPLE,
    );
    eprintln!("{}: fixtures: {rows} rows equal", engine.name());
}

/// The generated set: 100,000 rows, written once per test process.
fn generated() -> &'static Path {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        // Named for the generator's version: a cached file from an older
        // generator is never reused.
        let path = dir.join("sql_orders_100000_1_v2.csv");
        if !path.exists() {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engines/gen_orders.py");
            let out = std::process::Command::new("python3")
                .arg(script)
                .args(["100000", "1"])
                .output()
                .expect("python3 runs tests/engines/gen_orders.py");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let partial = dir.join("sql_orders_100000_1_v2.csv.part");
            std::fs::write(&partial, &out.stdout).expect("writes");
            std::fs::rename(&partial, &path).expect("renames");
        }
        path
    })
}

const GENERATED: [&str; 8] = [
    "--customer",
    "Customer ID",
    "--date",
    "Order Date",
    "--amount",
    "Amount",
    "--order",
    "Order No",
];

fn generated_sets(engine: &dyn SqlEngine) {
    let file = generated();
    let table = Table::new(
        Some("sales"),
        "Order Lines",
        file,
        &[
            ("Order No", ColType::Text),
            ("Customer ID", ColType::Text),
            ("Order Date", ColType::Timestamp),
            ("Amount", ColType::Decimal(3)),
        ],
    );
    let rows = check_methods(engine, file, &table, "sales.Order Lines", &GENERATED);
    eprintln!("{}: generated 100k rows: {rows} rows equal", engine.name());
}

const RETAIL: [&str; 10] = [
    "--customer",
    "CustomerID",
    "--date",
    "InvoiceDate",
    "--quantity",
    "Quantity",
    "--price",
    "UnitPrice",
    "--order",
    "InvoiceNo",
];

fn retail_table() -> Table {
    Table::new(
        None,
        "online_retail",
        online_retail_path(),
        &[
            ("InvoiceNo", ColType::Text),
            ("StockCode", ColType::Text),
            ("Description", ColType::Text),
            ("Quantity", ColType::Integer),
            ("InvoiceDate", ColType::Timestamp),
            ("UnitPrice", ColType::Decimal(3)),
            ("CustomerID", ColType::Text),
            ("Country", ColType::Text),
        ],
    )
}

fn online_retail(engine: &dyn SqlEngine) {
    let file = online_retail_path();
    let table = retail_table();
    let mut rows = 0;
    for (flags, summary) in [
        (&[][..], false),
        (&[][..], true),
        (&["--returns", "ignore", "--as-of", "2011-06-01"][..], false),
        (&["--scoring", "ntile", "--segments", "r-rfm"][..], false),
    ] {
        rows += check(
            engine,
            &Case {
                file: &file,
                table: &table,
                table_flag: "online_retail",
                mapping: &RETAIL,
                flags,
                summary,
            },
        );
    }
    let mapping = without_order(&RETAIL);
    rows += check(
        engine,
        &Case {
            file: &file,
            table: &table,
            table_flag: "online_retail",
            mapping: &mapping,
            flags: &["--scoring", "r-quantile"],
            summary: false,
        },
    );
    eprintln!("{}: Online Retail: {rows} rows equal", engine.name());
}

/// `--create-view`: the view, queried, gives the rows of the query.
fn view(engine: &dyn SqlEngine) {
    let table = hand_table();
    let case = Case {
        file: &fixture("hand_computed.csv"),
        table: &table,
        table_flag: "shop.Orders",
        mapping: &HAND,
        flags: &[],
        summary: false,
    };
    let sql = sql_text(
        engine.name(),
        &case,
        &["--create-view", "shop.rfm customers"],
    );
    assert!(
        sql.contains("CREATE OR REPLACE VIEW \"shop\".\"rfm customers\" AS\n"),
        "{sql}"
    );
    let script = format!("{sql}SELECT * FROM \"shop\".\"rfm customers\" ORDER BY customer_id;\n");
    let actual = engine.query(&table, &script).expect("the view works");
    assert_rows_eq(engine.name(), &case, &rfm_rows(&case), &actual);
}

/// Runs `check` on the engine, when there is one (see `engines`).
fn on<E: SqlEngine>(engine: Option<E>, check: impl Fn(&dyn SqlEngine)) {
    if let Some(engine) = engine {
        check(&engine);
    }
}

fn fixtures_and_view(engine: &dyn SqlEngine) {
    fixtures(engine);
    view(engine);
    named_like_a_step(engine);
}

/// A table called like one of the query's steps (`lines`, `orders`) is
/// still the table: the steps carry an `rfm_` prefix.
fn named_like_a_step(engine: &dyn SqlEngine) {
    for name in ["lines", "orders"] {
        let mut table = hand_table();
        table.schema = None;
        table.name = name.to_owned();
        check(
            engine,
            &Case {
                file: &fixture("hand_computed.csv"),
                table: &table,
                table_flag: name,
                mapping: &HAND,
                flags: &[],
                summary: false,
            },
        );
    }
}

#[test]
fn duckdb_gives_rfms_rows_on_the_fixtures() {
    on(engines::duckdb(), fixtures_and_view);
}

#[test]
fn duckdb_gives_rfms_rows_on_generated_orders() {
    on(engines::duckdb(), generated_sets);
}

#[test]
fn duckdb_gives_rfms_rows_on_online_retail() {
    on(engines::duckdb(), online_retail);
}

#[test]
fn postgres_gives_rfms_rows_on_the_fixtures() {
    on(engines::postgres(), fixtures_and_view);
}

#[test]
fn postgres_gives_rfms_rows_on_generated_orders() {
    on(engines::postgres(), generated_sets);
}

#[test]
fn postgres_gives_rfms_rows_on_online_retail() {
    on(engines::postgres(), online_retail);
}

// ---- The command line, and the SQL of the dialects that cannot run here ----

fn sql_of(args: &[&str]) -> String {
    let out = rfm().arg("sql").args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "rfm sql {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn sql_failure(args: &[&str]) -> String {
    let mut full = vec!["sql"];
    full.extend_from_slice(args);
    common::failure_of(&full, 2)
}

const MINIMAL: [&str; 10] = [
    "--dialect",
    "duckdb",
    "--table",
    "orders",
    "--customer",
    "c",
    "--date",
    "d",
    "--amount",
    "a",
];

#[test]
fn usage_errors_name_the_flag_to_fix() {
    let err = sql_failure(&[
        "--dialect",
        "duckdb",
        "--table",
        "t",
        "--date",
        "d",
        "--amount",
        "a",
    ]);
    assert!(err.contains("--customer is required"), "{err}");
    let err = sql_failure(&[
        "--dialect",
        "duckdb",
        "--table",
        "t",
        "--customer",
        "c",
        "--date",
        "d",
    ]);
    assert!(
        err.contains("--amount (or --quantity and --price) is required"),
        "{err}"
    );
    let mut args = MINIMAL.to_vec();
    args[3] = "shop..orders";
    let err = sql_failure(&args);
    assert!(
        err.contains("--table 'shop..orders' has an empty part"),
        "{err}"
    );
    let mut args = MINIMAL.to_vec();
    args.extend(["--create-view", "a.b.c.d"]);
    let err = sql_failure(&args);
    assert!(err.contains("--create-view 'a.b.c.d' has 4 parts"), "{err}");
    let mut args = MINIMAL.to_vec();
    args.extend(["--order", "o", "--scoring", "r-quantile"]);
    let err = sql_failure(&args);
    assert!(
        err.contains("--order o: --scoring r-quantile counts rows"),
        "{err}"
    );
    let mut args = MINIMAL.to_vec();
    args.extend(["--bins", "4"]);
    let err = sql_failure(&args);
    assert!(
        err.contains("--segments default is defined on scores 1-5"),
        "{err}"
    );
    let err = common::failure_of(&["sql", "--dialect", "oracle", "--table", "t"], 2);
    assert!(
        err.contains("possible values: duckdb, postgres, bigquery, snowflake, spark"),
        "{err}"
    );
}

#[test]
fn output_file_and_as_of_today() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("rfm.sql");
    let mut args = MINIMAL.to_vec();
    args.extend(["--as-of", "today"]);
    let stdout = sql_of(&args);
    assert!(stdout.contains("SELECT CURRENT_DATE AS as_of"), "{stdout}");
    assert!(stdout.contains("order_date < CURRENT_DATE"), "{stdout}");
    let path_text = path.to_str().expect("UTF-8 path");
    args.extend(["-o", path_text]);
    assert_eq!(sql_of(&args), "", "-o writes the file, not stdout");
    assert_eq!(std::fs::read_to_string(&path).expect("written"), stdout);
}

/// A query with every mapping feature: a three-part table name with a
/// hyphen and a space, column names with spaces, quantity x price, an order
/// column, a window and a fixed as-of date.
const RICH: [&str; 22] = [
    "--table",
    "my-project.sales.order lines",
    "--customer",
    "Customer ID",
    "--date",
    "Order Date",
    "--quantity",
    "Qty",
    "--price",
    "Unit Price",
    "--order",
    "Invoice No",
    "--since",
    "2024-01-01",
    "--as-of",
    "2025-01-01",
    "--returns",
    "ignore",
    "--segments",
    "default",
    "--lang",
    "en",
];

const SUMMARY: [&str; 13] = [
    "--table",
    "orders",
    "--customer",
    "customer_id",
    "--date",
    "order_date",
    "--amount",
    "amount",
    "--order",
    "order_id",
    "--summary",
    "--decimals",
    "3",
];

/// r-quantile for f and m, fixed recency break points, CURRENT_DATE and a
/// three-dimensional definition with a catch-all.
const METHODS_SNAPSHOT: [&str; 16] = [
    "--table",
    "analytics.public.orders",
    "--customer",
    "CUSTOMER_ID",
    "--date",
    "ORDER_DATE",
    "--amount",
    "AMOUNT",
    "--scoring",
    "r-quantile",
    "--r-bins",
    "30,90,180,365",
    "--as-of",
    "today",
    "--segments",
    "docs/examples/vip.toml",
];

fn snapshot_sql(dialect: &str, args: &[&str]) -> String {
    let mut full = vec!["--dialect", dialect];
    full.extend_from_slice(args);
    sql_of(&full).replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn snapshots_of_every_dialect() {
    for dialect in ["duckdb", "postgres", "bigquery", "snowflake", "spark"] {
        insta::assert_snapshot!(format!("{dialect}_customers"), snapshot_sql(dialect, &RICH));
        insta::assert_snapshot!(
            format!("{dialect}_summary"),
            snapshot_sql(dialect, &SUMMARY)
        );
    }
    for dialect in ["bigquery", "snowflake"] {
        insta::assert_snapshot!(
            format!("{dialect}_methods"),
            snapshot_sql(dialect, &METHODS_SNAPSHOT)
        );
    }
}

/// What the BigQuery and Snowflake snapshots must and must not contain,
/// checked by name so that a careless snapshot update cannot slip in a
/// function either dialect lacks.
#[test]
fn bigquery_and_snowflake_use_their_own_syntax() {
    let bq = snapshot_sql("bigquery", &RICH);
    assert!(
        bq.contains("FROM `my-project`.`sales`.`order lines`"),
        "{bq}"
    );
    assert!(bq.contains("DATE_DIFF(a.as_of, c.last_order, DAY)"), "{bq}");
    assert!(bq.contains("DIV((5 * x.r_worse), x.n)"), "{bq}");
    assert!(bq.contains("WHEN 8 THEN 'Can\\'t Lose Them'"), "{bq}");
    assert!(
        bq.contains("ROUND(CAST(monetary AS BIGNUMERIC), 2) AS `monetary`"),
        "ROUND of an INT64 column would be a FLOAT64\n{bq}"
    );
    assert!(!bq.contains("//") && !bq.contains("''t"), "{bq}");
    let sf = snapshot_sql("snowflake", &RICH);
    assert!(
        sf.contains("FROM \"my-project\".\"sales\".\"order lines\""),
        "{sf}"
    );
    assert!(sf.contains("DATEDIFF(day, c.last_order, a.as_of)"), "{sf}");
    assert!(
        sf.contains("CAST(((5 * x.r_worse) - MOD((5 * x.r_worse), x.n)) / x.n AS BIGINT)"),
        "{sf}"
    );
    assert!(
        sf.contains("customer_id AS \"customer_id\""),
        "lower-case output names\n{sf}"
    );
    let bq = snapshot_sql("bigquery", &SUMMARY);
    assert!(
        bq.contains("BIGNUMERIC '0.001'"),
        "exact decimal constants\n{bq}"
    );
    assert!(!bq.contains(" 0.0"), "no FLOAT64 literals\n{bq}");
}
