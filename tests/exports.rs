//! Real exports right with zero flags (issue 16): dates and decimal
//! separators found in the values, encodings, headers in our users'
//! languages. Expected figures are derived by hand in the comments.

mod common;

use common::{EUROPEAN_FLAGS, failure_of, fixture, rfm, stdout_of};
use std::fs;

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

#[test]
fn the_european_fixture_needs_no_flags() {
    // Italian headers, ';', decimal commas and dd/mm/yyyy: the flags the
    // fixture used to need are now found in the file itself.
    let mut with_flags = vec!["customers", "-f", "csv", "-q"];
    let european = path("european.csv");
    with_flags.insert(1, &european);
    with_flags.extend(EUROPEAN_FLAGS);
    let expected = stdout_of(&with_flags);
    let out = rfm()
        .args(["customers", &european, "-f", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    common::assert_text_eq(&expected, &String::from_utf8(out.stdout).unwrap());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("columns: customer=Cliente, date=Data, amount=Importo, order=Ordine"),
        "{err}"
    );
    assert!(err.contains("amounts read with a decimal comma"), "{err}");
    assert!(err.contains("dates read as %d/%m/%Y"), "{err}");
}

#[test]
fn a_windows_1252_italian_export_reads_with_zero_flags() {
    // "Cliente;Data;Importo" with accented names and a euro sign in a text
    // column, saved by Excel as Windows-1252.
    // Niccolò: 1.234,56 + 65,44 = 1300.00 over two orders; Agnès: 12,50.
    let text = "Fattura;Data;Cliente;Importo;Note\n\
                F1;31/12/2025;Niccolò;1.234,56;pagato €\n\
                F2;02/01/2026;Agnès;12,50;\n\
                F3;03/01/2026;Niccolò;65,44;sconto 5 €\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fatture.csv");
    fs::write(&file, &bytes).unwrap();
    let out = rfm()
        .args(["customers", file.to_str().unwrap(), "-f", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    // Sorted by id bytes: "Agnès" < "Niccolò".
    assert_eq!(rows.len(), 2, "{stdout}");
    assert_eq!(
        &rows[0][..6],
        ["Agnès", "2026-01-02", "2026-01-02", "2", "1", "12.50"]
    );
    assert_eq!(
        &rows[1][..6],
        ["Niccolò", "2025-12-31", "2026-01-03", "1", "2", "1300.00"]
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("fatture.csv: not UTF-8: read as windows-1252"),
        "{err}"
    );
}

#[test]
fn us_and_two_digit_year_dates_are_found_in_the_values() {
    let dir = tempfile::tempdir().unwrap();
    // 12/31/2023 can only be month/day/year.
    let us = dir.path().join("us.csv");
    fs::write(
        &us,
        "customer_id,order_date,amount\na,12/31/2023,5\nb,01/15/2024 10:00 AM,6\na,2/3/2024,7\n",
    )
    .unwrap();
    let out = stdout_of(&["customers", us.to_str().unwrap(), "-f", "csv", "-q"]);
    // a: 2023-12-31 and 2024-02-03 (the latest purchase; as of 2024-02-04).
    assert!(
        out.contains("\na,2023-12-31,2024-02-03,1,2,12.00,"),
        "{out}"
    );
    assert!(
        out.contains("\nb,2024-01-15,2024-01-15,20,1,6.00,"),
        "{out}"
    );
    // 25/12/19 can only be day/month/year; 19 is 2019, never the year 19.
    let dmy = dir.path().join("dmy.csv");
    fs::write(
        &dmy,
        "customer_id,order_date,amount\na,03/01/19,5\nb,25/12/19,6\n",
    )
    .unwrap();
    let out = stdout_of(&["customers", dmy.to_str().unwrap(), "-f", "csv", "-q"]);
    assert!(out.contains("\na,2019-01-03,2019-01-03,"), "{out}");
    assert!(out.contains("\nb,2019-12-25,2019-12-25,"), "{out}");
}

#[test]
fn dates_that_read_both_ways_are_an_error_naming_both_layouts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ambiguous.csv");
    fs::write(
        &file,
        "customer_id,order_date,amount\na,03/01/2019,5\nb,05/12/2019,6\n",
    )
    .unwrap();
    let err = failure_of(&["customers", file.to_str().unwrap()], 1);
    assert!(
        err.contains(
            "ambiguous.csv: column 'order_date': the dates (e.g. '03/01/2019') read both as %d/%m/%Y and as %m/%d/%Y; say which with --date-format '%d/%m/%Y' or --date-format '%m/%d/%Y'"
        ),
        "{err}"
    );
    // The flag settles it: 1 March and 12 May.
    let out = stdout_of(&[
        "customers",
        file.to_str().unwrap(),
        "-f",
        "csv",
        "-q",
        "--date-format",
        "%m/%d/%Y",
    ]);
    assert!(out.contains("\na,2019-03-01,"), "{out}");
    assert!(out.contains("\nb,2019-05-12,"), "{out}");
}

#[test]
fn a_date_off_the_files_layout_names_the_layout_found() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mixed.csv");
    fs::write(
        &file,
        "customer_id,order_date,amount\na,31.12.2023,5\nb,1.2.2024,6\nc,2024-02-01,1\n",
    )
    .unwrap();
    let err = failure_of(&["customers", file.to_str().unwrap()], 1);
    assert!(
        err.contains("mixed.csv:4: column 'order_date': cannot read date '2024-02-01': does not match the layout of the file's dates, %d.%m.%Y"),
        "{err}"
    );
}

#[test]
fn dropping_more_than_a_fifth_of_the_rows_is_a_warning_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    // 2 of 5 rows without a customer (guest checkouts): 40 %.
    let guests = dir.path().join("guests.csv");
    fs::write(
        &guests,
        "customer_id,order_date,amount\na,2025-01-01,5\n,2025-01-02,6\nb,2025-01-03,7\n,2025-01-04,8\nc,2025-01-05,9\n",
    )
    .unwrap();
    let warning = "warning: 2 of 5 rows (40%) were left out: 2 without a customer id";
    let out = rfm()
        .args(["customers", guests.to_str().unwrap(), "-f", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(warning), "{err}");
    // rfm report prints warnings only, and the page shows it.
    let report = dir.path().join("report");
    let out = rfm()
        .args(["report", guests.to_str().unwrap(), "--out"])
        .arg(&report)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8(out.stderr).unwrap().contains(warning));
    let html = fs::read_to_string(report.join("report.html")).unwrap();
    assert!(
        html.contains("<b>Warning:</b> 2 of 5 rows (40%) were left out"),
        "report.html"
    );
    // 1 of 5 (20 %) is not more than a fifth: no warning.
    let one = dir.path().join("one.csv");
    fs::write(
        &one,
        "customer_id,order_date,amount\na,2025-01-01,5\n,2025-01-02,6\nb,2025-01-03,7\nd,2025-01-04,8\nc,2025-01-05,9\n",
    )
    .unwrap();
    let out = rfm()
        .args(["customers", one.to_str().unwrap(), "-f", "csv"])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8(out.stderr)
            .unwrap()
            .contains("warning: 1 of 5")
    );
}

#[test]
fn email_ids_differing_in_case_are_one_customer() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("emails.csv");
    // Ann typed her address three ways; C00042 and c00042 are codes, which
    // stay as written (two customers).
    fs::write(
        &file,
        "customer_id,order_date,amount\nAnn@Shop.com,2025-01-01,10\nann@shop.com,2025-01-05,20\n ANN@SHOP.COM ,2025-01-09,30\nC00042,2025-01-02,5\nc00042,2025-01-03,6\n",
    )
    .unwrap();
    let out = stdout_of(&["customers", file.to_str().unwrap(), "-f", "csv", "-q"]);
    let ids: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["C00042", "ann@shop.com", "c00042"]);
    // Ann: three orders, 60.00, from 1 to 9 January.
    assert!(
        out.contains("\nann@shop.com,2025-01-01,2025-01-09,1,3,60.00,"),
        "{out}"
    );
    let exact = stdout_of(&[
        "customers",
        file.to_str().unwrap(),
        "-f",
        "csv",
        "-q",
        "--case-sensitive-ids",
    ]);
    let ids: Vec<&str> = exact
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "ANN@SHOP.COM",
            "Ann@Shop.com",
            "C00042",
            "ann@shop.com",
            "c00042"
        ]
    );
}

/// Orders with statuses, one row each. By hand, with the default rule
/// (cancelled, voided, failed, refunded... left out):
/// a: paid 10 (Jan 1) + pending 20 (Jan 5) = 2 purchases, 30.00;
///    "wc-cancelled" 40 left out.
/// b: completed 7 (Jan 2); "Annullato" 8 and "VOIDED" 9 left out.
/// c: failed 50 only: no purchase, not scored.
const STATUSES: &str = "order_id,customer_id,order_date,amount,Order Status\n\
    1,a,2025-01-01,10,paid\n\
    2,a,2025-01-05,20,pending\n\
    3,a,2025-01-06,40,wc-cancelled\n\
    4,b,2025-01-02,7,completed\n\
    5,b,2025-01-03,8,Annullato\n\
    6,b,2025-01-04,9,VOIDED\n\
    7,c,2025-01-07,50,failed\n";

fn status_run(extra: &[&str]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("statuses.csv");
    fs::write(&file, STATUSES).unwrap();
    let out = rfm()
        .args(["customers", file.to_str().unwrap(), "-f", "csv"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// (id, frequency, monetary) of every scored customer.
fn fm(csv: &str) -> Vec<(String, String, String)> {
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[4].to_owned(), f[5].to_owned())
        })
        .collect()
}

fn row(id: &str, f: &str, m: &str) -> (String, String, String) {
    (id.to_owned(), f.to_owned(), m.to_owned())
}

#[test]
fn orders_that_are_not_sales_do_not_count() {
    let (out, err) = status_run(&[]);
    assert_eq!(fm(&out), [row("a", "2", "30.00"), row("b", "1", "7.00")]);
    assert!(
        err.contains("order status from column 'Order Status': counted completed 1 order 7.00, paid 1 order 10.00, pending 1 order 20.00; left out Annullato 1 order 8.00, VOIDED 1 order 9.00, failed 1 order 50.00, wc-cancelled 1 order 40.00"),
        "{err}"
    );
    // Only paid and completed: a keeps 10.00.
    let (out, _) = status_run(&["--count-status", "paid,Completed"]);
    assert_eq!(fm(&out), [row("a", "1", "10.00"), row("b", "1", "7.00")]);
    // Pending left out too, instead of the built-in list: the voided and
    // cancelled orders now count, pending does not.
    let (out, _) = status_run(&["--drop-status", "pending,failed"]);
    assert_eq!(fm(&out), [row("a", "2", "50.00"), row("b", "3", "24.00")]);
    // Statuses ignored: every order counts.
    let (out, err) = status_run(&["--status", "none"]);
    assert_eq!(
        fm(&out),
        [
            row("a", "3", "70.00"),
            row("b", "3", "24.00"),
            row("c", "1", "50.00")
        ]
    );
    assert!(!err.contains("order status"), "{err}");
}

#[test]
fn statuses_in_parquet_follow_the_same_rule() {
    use polars_core::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("statuses.parquet");
    let lines: Vec<Vec<&str>> = STATUSES
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let col = |i: usize| -> Vec<&str> { lines.iter().map(|l| l[i]).collect() };
    let amounts: Vec<i64> = col(3).iter().map(|a| a.parse().unwrap()).collect();
    let mut frame = DataFrame::new(
        lines.len(),
        vec![
            StringChunked::from_slice("order_id".into(), &col(0))
                .into_series()
                .into(),
            StringChunked::from_slice("customer_id".into(), &col(1))
                .into_series()
                .into(),
            StringChunked::from_slice("order_date".into(), &col(2))
                .into_series()
                .into(),
            Int64Chunked::from_vec("amount".into(), amounts)
                .into_series()
                .into(),
            StringChunked::from_slice("Order Status".into(), &col(4))
                .into_series()
                .into(),
        ],
    )
    .unwrap();
    polars_io::parquet::write::ParquetWriter::new(fs::File::create(&file).unwrap())
        .finish(&mut frame)
        .unwrap();
    let out = stdout_of(&["customers", file.to_str().unwrap(), "-f", "csv", "-q"]);
    assert_eq!(fm(&out), [row("a", "2", "30.00"), row("b", "1", "7.00")]);
}

#[test]
fn several_currencies_are_an_error_unless_one_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("currencies.csv");
    // By hand: EUR 10 (two lines, one order) + 20 (a), 5 (b): 3 orders;
    // USD 7 (a); a cancelled GBP order does not count, so GBP is not among
    // the currencies.
    fs::write(
        &file,
        "order_id,customer_id,order_date,amount,currency,status\n\
         1,a,2025-01-01,6,EUR,paid\n\
         1,a,2025-01-01,4,EUR,\n\
         2,a,2025-01-02,20,eur,paid\n\
         3,b,2025-01-03,5,EUR,paid\n\
         4,a,2025-01-04,7,USD,paid\n\
         5,b,2025-01-05,99,GBP,cancelled\n",
    )
    .unwrap();
    let err = failure_of(&["customers", file.to_str().unwrap()], 1);
    assert!(
        err.contains("currencies.csv: the orders that count are in several currencies (column 'currency'): EUR (3 orders, 35.00), USD (1 order, 7.00); amounts in different currencies cannot be added up: keep one with --currency CODE, e.g. --currency EUR"),
        "{err}"
    );
    let out = rfm()
        .args([
            "customers",
            file.to_str().unwrap(),
            "-f",
            "csv",
            "--currency",
            "eur",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        fm(&String::from_utf8(out.stdout).unwrap()),
        [row("a", "2", "30.00"), row("b", "1", "5.00")]
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("currency from column 'currency' (--currency): kept EUR 3 orders 35.00; left out USD 1 order 7.00"),
        "{err}"
    );
}

#[test]
fn a_file_without_amounts_is_scored_on_recency_and_frequency() {
    // Visits or bookings without a price: each row an order. As of
    // 2025-03-04: a bought on 01-01 and 02-01 (recency 31, f 2), b on
    // 01-15 (48, 1), c on 03-01, 03-02, 03-03 (1, 3). Rank scores with N =
    // 3: 1 + floor(5 x worse / 3): c r = f = 4, a r = f = 2, b r = f = 1.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("visits.csv");
    fs::write(
        &file,
        "customer,date,product\na,2025-01-01,x\na,2025-02-01,y\nb,2025-01-15,z\n\
         c,2025-03-01,x\nc,2025-03-02,x\nc,2025-03-03,y\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let out = rfm()
        .args(["customers", file, "-f", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("warning: no amount column"), "{err}");
    assert!(err.contains("--segments rf-grid"), "{err}");
    // The rf-grid's segment of each (r, f) cell, from `rfm rules`.
    let cells = stdout_of(&["rules", "--segments", "rf-grid", "-f", "csv"]);
    let segment_of = |r: &str, f: &str| -> String {
        cells
            .lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|c| c[0] == r && c[1] == f)
            .map(|c| c[5].to_owned())
            .unwrap()
    };
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let expected = [
        ("a", "31", "2", "2", "2"),
        ("b", "48", "1", "1", "1"),
        ("c", "1", "3", "4", "4"),
    ];
    assert_eq!(rows.len(), 3, "{text}");
    for (row, (id, recency, f, r_score, f_score)) in rows.iter().zip(expected) {
        // monetary, m and fm empty; rfm is r and f.
        let key = segment_of(r_score, f_score);
        assert_eq!(
            row.as_slice(),
            [
                id,
                row[1],
                row[2],
                recency,
                f,
                "",
                r_score,
                f_score,
                "",
                "",
                &format!("{r_score}{f_score}"),
                row[11],
                key.as_str()
            ],
            "{text}"
        );
    }
    // The summary leaves revenue empty; a definition reading m is an error;
    // the report, all about revenue, says what it needs.
    let summary = stdout_of(&["summary", file, "-f", "csv", "-q"]);
    assert!(
        summary.lines().nth(1).unwrap().contains(",0,,,"),
        "{summary}"
    );
    let err = failure_of(&["customers", file, "--segments", "r-rfm"], 2);
    assert!(err.contains("use --segments rf-grid"), "{err}");
    let out_dir = dir.path().join("report");
    let err = failure_of(&["report", file, "--out", out_dir.to_str().unwrap()], 2);
    assert!(err.contains("rfm report needs amounts"), "{err}");
}

#[test]
fn a_german_shop_export_without_a_profile() {
    // German headers only: Bestellsumme is an order total (repeated on the
    // item line, taken once), Bestellstatus leaves Storniert out, dotted
    // dates, decimal commas. By hand: a 1 purchase 10,00 (order 1; order 2
    // cancelled); b 1 purchase 7,50.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bestellungen.csv");
    fs::write(
        &file,
        "Bestellnummer;Bestelldatum;E-Mail;Bestellstatus;Bestellsumme\n\
         1;03.01.2025;a@x.de;Abgeschlossen;10,00\n\
         1;03.01.2025;a@x.de;Abgeschlossen;10,00\n\
         2;04.02.2025;a@x.de;Storniert;5,00\n\
         3;05.02.2025;b@x.de;In Bearbeitung;7,50\n",
    )
    .unwrap();
    let out = rfm()
        .args(["customers", file.to_str().unwrap(), "-f", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        fm(&stdout),
        [row("a@x.de", "1", "10.00"), row("b@x.de", "1", "7.50")]
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("amount=Bestellsumme (once per order), order=Bestellnummer"),
        "{err}"
    );
}
