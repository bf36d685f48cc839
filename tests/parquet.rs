//! Parquet input and output.
//!
//! The input fixtures (testdata/parquet, written by DuckDB and Python
//! polars: see make_fixtures.py there) hold the same rows as CSV fixtures
//! whose results are computed by hand elsewhere, so the first check is that
//! both give the same bytes; values that only Parquet can get wrong (float
//! prices, time zones, nulls) are checked against hand-computed figures.

mod common;

use common::{assert_text_eq, failure_of, fixture, rfm, stdout_of};
use polars_core::prelude::*;
use polars_io::SerReader;
use polars_io::parquet::read::ParquetReader;

fn parquet(name: &str) -> String {
    fixture(&format!("parquet/{name}")).display().to_string()
}

fn csv_fixture(name: &str) -> String {
    fixture(name).display().to_string()
}

/// The stdout of `rfm ARGS` under each grouping of orders, asserting they agree.
fn both_engines(args: &[&str]) -> String {
    let run = |engine: &str| {
        let out = rfm()
            .env("RFM_GROUPING", engine)
            .args(args)
            .output()
            .expect("runs");
        common::succeeded(out, &format!("{args:?} grouped by {engine}"))
    };
    let streamed = run("runs");
    assert_text_eq(&streamed, &run("hash"));
    streamed
}

#[test]
fn parquet_input_matches_the_same_rows_in_csv() {
    for command in ["customers", "summary"] {
        let from_csv = stdout_of(&[command, "-q", &csv_fixture("hand_computed.csv")]);
        let from_parquet = both_engines(&[command, "-q", &parquet("hand_computed.parquet")]);
        assert_text_eq(&from_csv, &from_parquet);
    }
}

#[test]
fn parquet_notes_say_parquet_and_count_rows() {
    let out = rfm()
        .args(["customers", &parquet("hand_computed.parquet")])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("amount=amount, order=order_id (Parquet)"),
        "{stderr}"
    );
    assert!(stderr.contains("read 15 rows from"), "{stderr}");
    assert!(
        stderr.contains("dropped 1 row without a customer id"),
        "{stderr}"
    );
}

#[test]
fn typed_columns_are_read_exactly() {
    let flags = [
        "--customer",
        "customer",
        "--date",
        "day",
        "--order",
        "order_no",
        "--quantity",
        "qty",
        "--price",
        "price",
    ];
    let run = |file: &str| {
        let mut args = vec!["customers", "-q", file];
        args.extend(flags);
        both_engines(&args)
    };
    let from_parquet = run(&parquet("typed.parquet"));
    assert_text_eq(&run(&parquet("typed.csv")), &from_parquet);
    let monetary: Vec<(&str, &str)> = from_parquet
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0], f[5])
        })
        .collect();
    // By hand: 17850 ordered 6 x 2.55 + 8 x 3.39 = 42.42 (float ids read as
    // 17850, not 17850.0); 12583 ordered 24 x 0.85 + 3 x 19.99 + 1 x 1.005 =
    // 81.375, shown 81.38: the double 1.005 is read as 1.005, where float
    // arithmetic would give 81.37499... and 81.37. 13047: 6 x 1.85 - 2 x 0.1.
    assert_eq!(
        monetary,
        [("12583", "81.38"), ("13047", "10.90"), ("17850", "42.42")]
    );
}

#[test]
fn several_files_and_quoted_globs() {
    let whole = stdout_of(&["customers", "-q", &parquet("hand_computed.parquet")]);
    let parts = stdout_of(&[
        "customers",
        "-q",
        &parquet("part-1.parquet"),
        &parquet("part-2.parquet"),
    ]);
    assert_text_eq(&whole, &parts);
    let globbed = stdout_of(&["customers", "-q", &parquet("part-*.parquet")]);
    assert_text_eq(&whole, &globbed);
    let err = failure_of(&["customers", &parquet("nothing-*.parquet")], 2);
    assert!(err.contains("no file matches"), "{err}");
    assert!(err.contains("nothing-*.parquet"), "{err}");
}

#[test]
fn parquet_on_stdin() {
    let expected = stdout_of(&["customers", "-q", &csv_fixture("hand_computed.csv")]);
    let fixture = parquet("hand_computed.parquet");
    // Piped: read into memory.
    let piped = rfm()
        .args(["customers", "-q", "-"])
        .write_stdin(std::fs::read(&fixture).expect("fixture"))
        .output()
        .expect("runs");
    assert_text_eq(&expected, &common::succeeded(piped, "on piped stdin"));
    // Redirected from the file (`- < f.parquet`): on Linux read where it
    // is, elsewhere into memory; the same customers either way.
    let redirected = common::rfm_process()
        .args(["customers", "-q", "-"])
        .stdin(std::fs::File::open(&fixture).expect("fixture"))
        .output()
        .expect("runs");
    assert_text_eq(
        &expected,
        &common::succeeded(redirected, "on redirected stdin"),
    );
}

#[test]
fn nulls_are_bad_rows_named_by_row_number() {
    let err = failure_of(&["customers", &parquet("bad.parquet")], 1);
    assert!(
        err.contains("bad.parquet:row 6: column 'order_date': cannot read date ''"),
        "{err}"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let rejects = dir.path().join("rejects.csv");
    let out = rfm()
        .args(["customers", "-q", &parquet("bad.parquet"), "--rejects"])
        .arg(&rejects)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&rejects).expect("rejects written");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "file,line,reason,order_id,customer_id,order_date,amount"
    );
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].contains(",row 6,"), "{text}");
    // Row 6 is O5,C02,2025-02-15,100.00 with its date removed.
    assert!(lines[1].ends_with(",O5,C02,,100.00"), "{text}");
    assert!(lines[2].contains(",row 9,"), "{text}");
    assert!(lines[2].contains("column 'amount'"), "{text}");
    assert!(lines[2].ends_with(",O8,00042,2024-12-01,"), "{text}");
}

#[test]
fn timestamps_count_in_their_time_zone() {
    let out = stdout_of(&["customers", "-q", &parquet("zoned.parquet")]);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let firsts: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r[0], r[1], r[2])).collect();
    // Rome's calendar dates, not UTC's (2024-12-31 and 2025-06-30).
    assert_eq!(
        firsts,
        [
            ("a", "2025-01-01", "2025-01-10"),
            ("b", "2025-07-01", "2025-07-01"),
            ("c", "2025-07-02", "2025-07-02"),
        ]
    );
}

#[test]
fn wrong_column_types_name_column_and_role() {
    let dir = tempfile::tempdir().expect("temp dir");
    let written = dir.path().join("customers.parquet");
    rfm()
        .args(["customers", "-q", &csv_fixture("hand_computed.csv"), "-o"])
        .arg(&written)
        .assert()
        .success();
    let err = failure_of(
        &[
            "customers",
            &written.display().to_string(),
            "--date",
            "frequency",
            "--amount",
            "monetary",
        ],
        1,
    );
    assert!(err.contains("column 'frequency' has type i64"), "{err}");
    assert!(
        err.contains("the date must be a date, a timestamp or text"),
        "{err}"
    );
}

#[test]
fn nested_column_types_are_refused_before_decoding() {
    let err = failure_of(&["customers", &parquet("nested_amount.parquet")], 1);
    assert!(
        err.contains("column 'amount' has type map; an amount must be one value a row"),
        "{err}"
    );
    assert!(!err.contains("dtype-struct"), "{err}");
    let err = failure_of(&["customers", &parquet("nested_customer.parquet")], 1);
    assert!(
        err.contains("column 'customer_id' has type list; the customer id must be one value a row"),
        "{err}"
    );
}

/// testdata/fuzz/*.parquet: files with a byte or two changed that made the
/// Parquet reader panic or abort (a page stating -60 values asked for 2^61
/// bytes). Each is now one `rfm:` line naming the file, exit 1.
#[test]
fn damaged_parquet_files_are_one_line_errors_not_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("testdata/fuzz") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "parquet") {
            continue;
        }
        let shown = path.display().to_string();
        let err = failure_of(&["customers", "-q", &shown], 1);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{shown}: {err}");
        assert!(
            lines[0].starts_with(&format!("rfm: {shown}: cannot read it as Parquet: ")),
            "{err}"
        );
        seen += 1;
    }
    assert!(seen >= 6, "{seen} damaged files");
    // The one that aborted is caught by the page check, before decoding.
    let err = failure_of(
        &[
            "customers",
            "-q",
            &format!(
                "{}/testdata/fuzz/negative-page-values.parquet",
                env!("CARGO_MANIFEST_DIR")
            ),
        ],
        1,
    );
    assert!(err.contains("a page states -60 values"), "{err}");
}

fn read_back(path: &std::path::Path) -> DataFrame {
    let file = std::fs::File::open(path).expect("written");
    ParquetReader::new(file).finish().expect("valid Parquet")
}

/// A cell as the CSV output shows it.
fn cell(column: &Column, row: usize) -> String {
    match column.get(row).expect("in range") {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => s.to_owned(),
        AnyValue::Date(days) => {
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("date");
            (epoch + chrono::Duration::days(i64::from(days))).to_string()
        }
        AnyValue::Decimal(units, _, scale) => {
            let scale = scale as u32;
            let sign = if units < 0 { "-" } else { "" };
            let abs = units.unsigned_abs();
            let pow = 10u128.pow(scale);
            if scale == 0 {
                format!("{sign}{abs}")
            } else {
                format!(
                    "{sign}{}.{:0width$}",
                    abs / pow,
                    abs % pow,
                    width = scale as usize
                )
            }
        }
        other => other.to_string(),
    }
}

#[test]
fn parquet_output_holds_the_csv_values_typed() {
    let dir = tempfile::tempdir().expect("temp dir");
    for command in ["customers", "summary"] {
        let csv = stdout_of(&[command, "-q", &csv_fixture("hand_computed.csv")]);
        let path = dir.path().join(format!("{command}.parquet"));
        rfm()
            .args([command, "-q", &csv_fixture("hand_computed.csv"), "-o"])
            .arg(&path)
            .assert()
            .success();
        let frame = read_back(&path);
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().expect("header").split(',').collect();
        let names: Vec<&str> = frame
            .get_column_names()
            .iter()
            .map(|n| n.as_str())
            .collect();
        assert_eq!(names, header);
        let rows: Vec<&str> = lines.collect();
        assert_eq!(frame.height(), rows.len());
        for (i, line) in rows.iter().enumerate() {
            let got: Vec<String> = frame.columns().iter().map(|c| cell(c, i)).collect();
            assert_eq!(got.join(","), *line, "{command} row {i}");
        }
        if command == "customers" {
            let dtype = |name: &str| frame.column(name).expect("column").dtype().clone();
            assert_eq!(dtype("monetary"), DataType::Decimal(38, 2));
            assert_eq!(dtype("last_order"), DataType::Date);
            assert_eq!(dtype("frequency"), DataType::Int64);
            assert_eq!(dtype("segment"), DataType::String);
        } else {
            let shares = frame.column("customers_share").expect("column");
            assert_eq!(shares.dtype(), &DataType::Decimal(38, 4));
        }
    }
}

#[test]
fn parquet_output_needs_a_file() {
    let err = failure_of(
        &[
            "customers",
            &csv_fixture("hand_computed.csv"),
            "--format",
            "parquet",
        ],
        2,
    );
    assert!(err.contains("-o FILE.parquet"), "{err}");
    let err = failure_of(
        &[
            "customers",
            &csv_fixture("hand_computed.csv"),
            "-o",
            "out.parquet.gz",
        ],
        2,
    );
    assert!(err.contains("compressed inside"), "{err}");
}
