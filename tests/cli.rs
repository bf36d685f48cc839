//! End-to-end tests of the `rfm` binary on the fixtures in testdata/.
//!
//! Expected values are computed by hand in the comments next to each test,
//! from docs/method.md, not copied from rfm's output.

mod common;

use common::{EUROPEAN_FLAGS, assert_text_eq, failure_of, fixture, gzip, rfm, stdout_of};
use std::fs;

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

/// The given fields of each data row of a CSV output, joined by ':'.
fn pick(csv: &str, fields: &[usize]) -> Vec<String> {
    csv.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            fields.iter().map(|&i| f[i]).collect::<Vec<_>>().join(":")
        })
        .collect()
}

// hand_computed.csv, by hand:
//   C01: O1 (2025-01-10: 10.00 + 5.50), O2 (03-01: 40.00), O3 (03-05: -10.00, a return)
//        -> 2 purchases, first 01-10, last 03-01, monetary 45.50
//   C02: four orders 100.00, 100.00, 0.10, 0.20 -> 4 purchases, last 03-10, 200.30
//   00042: one order 2024-12-01 (23:59:59 dropped) 5.00
//   C04: one order 03-10, 20.00
//   C05: only a -5.00 order -> no purchase, not scored
//   C06: O11 = 30.00 - 30.00 = 0 (not a purchase), O12 02-25 12.34 -> 1 purchase, 12.34
//   one row with no customer id -> dropped
// as_of = 2025-03-10 + 1 = 2025-03-11. n = 5, score = 1 + (number strictly worse).
//   recency: 00042 100, C01 10, C02 1, C04 1, C06 14
//     r: 00042 1 (0 larger), C01 3 (2), C02 4 (3), C04 4, C06 2 (1)
//   frequency 1,2,4,1,1 -> f: 1, 4 (3 smaller), 5, 1, 1
//   monetary 5.00, 45.50, 200.30, 20.00, 12.34 -> m: 1, 4, 5, 3, 2
//   fm = (f+m+1)/2: 1, 4, 5, 2, 2
//   segment: (1,1) Lost, (3,4) Loyal Customers, (4,5) Champions,
//            (4,2) Potential Loyalist, (2,2) Need Attention
const HAND_CUSTOMERS: &str = "\
customer_id,first_order,last_order,recency_days,frequency,monetary,r,f,m,fm,rfm,segment,segment_key
00042,2024-12-01,2024-12-01,100,1,5.00,1,1,1,1,111,Lost,lost
C01,2025-01-10,2025-03-01,10,2,45.50,3,4,4,4,344,Loyal Customers,loyal_customers
C02,2025-02-01,2025-03-10,1,4,200.30,4,5,5,5,455,Champions,champions
C04,2025-03-10,2025-03-10,1,1,20.00,4,1,3,2,413,Potential Loyalist,potential_loyalist
C06,2025-02-25,2025-02-25,14,1,12.34,2,1,2,2,212,Need Attention,need_attention
";

#[test]
fn customers_csv_matches_hand_computation() {
    assert_text_eq(
        HAND_CUSTOMERS,
        &stdout_of(&["customers", &path("hand_computed.csv")]),
    );
}

#[test]
fn reads_stdin_when_no_file_or_dash() {
    let data = fs::read(fixture("hand_computed.csv")).unwrap();
    for args in [vec!["customers"], vec!["customers", "-"]] {
        let out = rfm()
            .args(&args)
            .write_stdin(data.clone())
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_text_eq(HAND_CUSTOMERS, &String::from_utf8(out.stdout).unwrap());
    }
}

#[test]
fn notes_go_to_stderr_and_quiet_silences_them() {
    let out = rfm()
        .args(["customers", &path("hand_computed.csv")])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    for expected in [
        "columns: customer=customer_id, date=order_date, amount=amount, order=order_id",
        "dropped 1 row without a customer id",
        "as of 2025-03-11",
        "1 customer not scored",
        "scored 5 customers",
        "empty score levels: r=5, f=2, f=3",
    ] {
        assert!(
            stderr.contains(expected),
            "missing note {expected:?} in:\n{stderr}"
        );
    }
    let out = rfm()
        .args(["customers", "-q", &path("hand_computed.csv")])
        .output()
        .unwrap();
    assert!(out.stderr.is_empty());
    assert_text_eq(HAND_CUSTOMERS, &String::from_utf8(out.stdout).unwrap());
}

// --returns ignore drops negative rows before grouping:
//   C01 loses the -10.00 return: 55.50. C05 has no row left at all.
//   C06's O11 becomes 30.00, a purchase on 02-20: f 2, first 02-20, 42.34.
//   frequency 1,2,4,1,2 -> f 1,3,5,1,3; monetary 5.00,55.50,200.30,20.00,42.34 -> m 1,4,5,2,3
//   fm: 1, 4, 5, 2, 3 -> Lost, Loyal Customers, Champions, Potential Loyalist, Need Attention
#[test]
fn returns_ignore_is_gross_revenue() {
    let expected = "\
customer_id,first_order,last_order,recency_days,frequency,monetary,r,f,m,fm,rfm,segment,segment_key
00042,2024-12-01,2024-12-01,100,1,5.00,1,1,1,1,111,Lost,lost
C01,2025-01-10,2025-03-01,10,2,55.50,3,3,4,4,334,Loyal Customers,loyal_customers
C02,2025-02-01,2025-03-10,1,4,200.30,4,5,5,5,455,Champions,champions
C04,2025-03-10,2025-03-10,1,1,20.00,4,1,2,2,412,Potential Loyalist,potential_loyalist
C06,2025-02-20,2025-02-25,14,2,42.34,2,3,3,3,233,Need Attention,need_attention
";
    assert_text_eq(
        expected,
        &stdout_of(&[
            "customers",
            "--returns",
            "ignore",
            &path("hand_computed.csv"),
        ]),
    );
}

// Summary of hand_computed.csv: total revenue 5.00+45.50+200.30+20.00+12.34 = 283.14.
//   Champions 200.30/283.14 = 0.70742 -> 0.7074; Loyal 45.50/283.14 = 0.16070 -> 0.1607;
//   Potential Loyalist 20.00/283.14 = 0.07064 -> 0.0706; Need Attention 0.04358 -> 0.0436;
//   Lost 5.00/283.14 = 0.01766 -> 0.0177. Empty segments: zeros and empty averages.
#[test]
fn summary_csv_matches_hand_computation() {
    let expected = "\
segment,customers,customers_share,orders,revenue,revenue_share,avg_recency_days,avg_frequency,avg_monetary,segment_key
Champions,1,0.2000,4,200.30,0.7074,1.00,4.00,200.30,champions
Loyal Customers,1,0.2000,2,45.50,0.1607,10.00,2.00,45.50,loyal_customers
Potential Loyalist,1,0.2000,1,20.00,0.0706,1.00,1.00,20.00,potential_loyalist
New Customers,0,0.0000,0,0.00,0.0000,,,,new_customers
Promising,0,0.0000,0,0.00,0.0000,,,,promising
Need Attention,1,0.2000,1,12.34,0.0436,14.00,1.00,12.34,need_attention
About To Sleep,0,0.0000,0,0.00,0.0000,,,,about_to_sleep
At Risk,0,0.0000,0,0.00,0.0000,,,,at_risk
Can't Lose Them,0,0.0000,0,0.00,0.0000,,,,cant_lose_them
Hibernating,0,0.0000,0,0.00,0.0000,,,,hibernating
Lost,1,0.2000,1,5.00,0.0177,100.00,1.00,5.00,lost
";
    assert_text_eq(
        expected,
        &stdout_of(&["summary", &path("hand_computed.csv")]),
    );
}

// european.csv: ';', BOM, dd/mm/yyyy, decimal commas, a euro sign, Italian headers.
//   rossi: A1 1234.56 (2024-12-31) + A2 10.00 (2025-01-15) -> f 2, 1244.56
//   bianchi: A3 99.99 (01-20), A4 -9.99 (01-21, a return) -> f 1, 90.00
//   verdi: A5 2000.00 (02-01). as_of = 2025-02-02; recency 18, 13, 1
//   n = 3: r = 1 + floor(5 * larger / 3): rossi 1, bianchi 2, verdi 4
//   f: rossi 1 + floor(10/3) = 4, others 1; m: bianchi 1, rossi 2, verdi 4
//   fm: bianchi 1, rossi 3, verdi 3 -> About To Sleep, At Risk, Potential Loyalist
#[test]
fn european_export_with_excel_output() {
    let out = rfm()
        .args(["customers", &path("european.csv")])
        .args(EUROPEAN_FLAGS)
        .arg("--excel")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = "\u{feff}\
customer_id;first_order;last_order;recency_days;frequency;monetary;r;f;m;fm;rfm;segment;segment_key
bianchi;2025-01-20;2025-01-20;13;1;90,00;2;1;1;1;211;About To Sleep;about_to_sleep
rossi;2024-12-31;2025-01-15;18;2;1244,56;1;4;2;3;142;At Risk;at_risk
verdi;2025-02-01;2025-02-01;1;1;2000,00;4;1;4;3;414;Potential Loyalist;potential_loyalist
";
    assert_text_eq(expected, &String::from_utf8(out.stdout).unwrap());
}

#[test]
fn european_export_without_decimal_comma_suggests_the_flag() {
    // The separator is found in the first rows (issue 16): european.csv
    // reads with a comma unasked. A file whose rows disagree (a point
    // first, then a comma) keeps the point, and the comma row's error
    // names the flag.
    let dir = tempfile::tempdir().unwrap();
    let mixed = dir.path().join("european.csv");
    fs::write(
        &mixed,
        "Cliente;Data;Importo\nrossi;31/12/2024;12.50\nbianchi;15/01/2025;1.234,56\n",
    )
    .unwrap();
    let err = failure_of(&["customers", mixed.to_str().unwrap()], 1);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("rfm: ")).collect();
    assert_eq!(errors.len(), 1, "one error line: {err}");
    assert!(
        err.lines()
            .all(|l| l.starts_with("rfm: ") || l.starts_with("note: ")),
        "{err}"
    );
    let err = errors[0];
    assert!(err.contains("european.csv:3"), "{err}");
    assert!(
        err.contains("'1.234,56'") && err.contains("--decimal-comma"),
        "{err}"
    );
}

// quantity_price.csv, no order column (each row is an order):
//   a: 3 x 1.005 = 3.015 and 1 x 0.10 = 0.10 -> 3.115, shown as 3.12 (half away from zero;
//      binary floating point gives 3.11499.. and would print 3.11)
//   b: 1 x $1,000.00 = 1000.00 and -1 x 0.005 = -0.005 -> 999.995 -> 1000.00
//   as_of 2025-01-03; r 1 and 1; f: a 3, b 1; m: a 1, b 3; fm 2, 2 -> Hibernating
#[test]
fn quantity_times_price_is_exact() {
    let expected = "\
customer_id,first_order,last_order,recency_days,frequency,monetary,r,f,m,fm,rfm,segment,segment_key
a,2025-01-01,2025-01-02,1,2,3.12,1,3,1,2,131,Hibernating,hibernating
b,2025-01-02,2025-01-02,1,1,1000.00,1,1,3,2,113,Hibernating,hibernating
";
    assert_text_eq(
        expected,
        &stdout_of(&["customers", &path("quantity_price.csv")]),
    );
    let three = stdout_of(&["customers", &path("quantity_price.csv"), "--decimals", "3"]);
    assert!(
        three.contains(",3.115,") && three.contains(",999.995,"),
        "{three}"
    );
}

#[test]
fn compressed_inputs_are_detected_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let raw = fs::read(fixture("hand_computed.csv")).unwrap();
    let gz = dir.path().join("orders.csv.gz");
    fs::write(&gz, gzip(&raw)).unwrap();
    let zst = dir.path().join("orders.csv.zst");
    fs::write(&zst, zstd::encode_all(&raw[..], 3).unwrap()).unwrap();
    // Misnamed: gzip content in a .csv file.
    let misnamed = dir.path().join("orders.csv");
    fs::copy(&gz, &misnamed).unwrap();
    for p in [&gz, &zst, &misnamed] {
        assert_text_eq(
            HAND_CUSTOMERS,
            &stdout_of(&["customers", p.to_str().unwrap()]),
        );
    }
    // Piped gzip.
    let out = rfm()
        .args(["customers"])
        .write_stdin(fs::read(&gz).unwrap())
        .output()
        .unwrap();
    assert_text_eq(HAND_CUSTOMERS, &String::from_utf8(out.stdout).unwrap());
}

#[test]
fn corrupt_gzip_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("cut.csv.gz");
    let bytes = gzip(&fs::read(fixture("sample_orders.csv")).unwrap());
    fs::write(&gz, &bytes[..bytes.len() / 2]).unwrap();
    let err = failure_of(&["customers", gz.to_str().unwrap()], 1);
    assert!(
        err.contains("cannot read") && err.contains("cut.csv.gz"),
        "{err}"
    );
}

#[test]
fn several_files_are_one_data_set() {
    // Splitting the rows over two files (same header) gives the same result.
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(fixture("hand_computed.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let (a, b) = rows.split_at(7);
    let pa = dir.path().join("a.csv");
    let pb = dir.path().join("b.csv");
    fs::write(&pa, format!("{header}\n{}\n", a.join("\n"))).unwrap();
    fs::write(&pb, format!("{header}\n{}\n", b.join("\n"))).unwrap();
    assert_text_eq(
        HAND_CUSTOMERS,
        &stdout_of(&["customers", pa.to_str().unwrap(), pb.to_str().unwrap()]),
    );
    let err = failure_of(
        &[
            "customers",
            pa.to_str().unwrap(),
            &path("header_mismatch.csv"),
        ],
        1,
    );
    assert!(err.contains("header differs"), "{err}");
}

#[test]
fn output_file_format_follows_extension_and_is_atomic() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("customers.json");
    let status = rfm()
        .args(["customers", &path("hand_computed.csv"), "-q", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success() && status.stdout.is_empty());
    let text = fs::read_to_string(&out).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 5);
    assert_eq!(json[0]["customer_id"], "00042");
    assert!(
        text.contains("\"monetary\":45.50,"),
        "money keeps its digits: {text}"
    );

    // A failing run leaves the previous file exactly as it was.
    let before = fs::read(&out).unwrap();
    failure_of(
        &[
            "customers",
            &path("bad_date.csv"),
            "-o",
            out.to_str().unwrap(),
        ],
        1,
    );
    assert_eq!(fs::read(&out).unwrap(), before);
    // And leaves no temporary file behind.
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn output_to_missing_directory_fails_cleanly() {
    let err = failure_of(
        &[
            "customers",
            &path("hand_computed.csv"),
            "-o",
            "/nonexistent-dir/x.csv",
        ],
        1,
    );
    assert!(err.contains("cannot write /nonexistent-dir/x.csv"), "{err}");
}

#[test]
fn sort_option() {
    // From HAND_CUSTOMERS: monetary 5.00, 45.50, 200.30, 20.00, 12.34;
    // r 1, 3, 4, 4, 2 and frequency 1, 2, 4, 1, 1 for 00042, C01, C02, C04, C06.
    let sorted = |spec: &str| {
        let out = stdout_of(&[
            "customers",
            &path("hand_computed.csv"),
            "-q",
            "--sort",
            spec,
        ]);
        pick(&out, &[0])
    };
    assert_eq!(sorted("-monetary"), ["C02", "C01", "C04", "C06", "00042"]);
    assert_eq!(
        sorted("r,-frequency"),
        ["00042", "C06", "C01", "C02", "C04"]
    );
    assert_eq!(sorted("segment"), ["C02", "C01", "C04", "C06", "00042"]);
    assert_eq!(sorted("-segment"), ["00042", "C06", "C04", "C01", "C02"]);
    assert_eq!(
        sorted("f"),
        ["00042", "C04", "C06", "C01", "C02"],
        "ties by customer_id"
    );
    let err = failure_of(
        &["customers", &path("hand_computed.csv"), "--sort", "money"],
        2,
    );
    assert!(err.contains("unknown sort column"), "{err}");
}

// --since 2025-02-01 keeps orders dated 2025-02-01 or later:
//   C01: O2 40.00, O3 -10.00 -> f 1, first = last = 03-01, 30.00
//   C02: all four (first 02-01) -> f 4, 200.30; C04: 20.00; C06: 0 + 12.34
//   00042 and C05 fall out entirely.
#[test]
fn since_until_window() {
    let out = stdout_of(&[
        "customers",
        &path("hand_computed.csv"),
        "--since",
        "2025-02-01",
        "-q",
    ]);
    assert_eq!(
        pick(&out, &[0, 1, 4, 5]),
        [
            "C01:2025-03-01:1:30.00",
            "C02:2025-02-01:4:200.30",
            "C04:2025-03-10:1:20.00",
            "C06:2025-02-25:1:12.34"
        ]
    );
    // --until 2025-01-31: only C01's O1 (15.50) and 00042 (5.00); as_of = 2025-01-11.
    let out = stdout_of(&[
        "customers",
        &path("hand_computed.csv"),
        "--until",
        "2025-01-31",
        "-q",
    ]);
    assert_text_eq(
        "\
customer_id,first_order,last_order,recency_days,frequency,monetary,r,f,m,fm,rfm,segment,segment_key
00042,2024-12-01,2024-12-01,41,1,5.00,1,1,1,1,111,Lost,lost
C01,2025-01-10,2025-01-10,1,1,15.50,3,1,3,2,313,Need Attention,need_attention
",
        &out,
    );
}

// --as-of 2025-03-01: only orders dated before it count. C01 keeps O1 only (O2 is on
// 03-01), C02 keeps O4, O5, C04 falls out, C06 keeps O12. recency from 03-01.
#[test]
fn as_of_cuts_later_orders() {
    let out = stdout_of(&[
        "customers",
        &path("hand_computed.csv"),
        "--as-of",
        "2025-03-01",
    ]);
    assert_eq!(
        pick(&out, &[0, 3, 4, 5]),
        [
            "00042:90:1:5.00",
            "C01:50:1:15.50",
            "C02:14:2:200.00",
            "C06:4:1:12.34"
        ]
    );
}

#[test]
fn all_formats_carry_the_same_rows() {
    let csv = stdout_of(&["customers", &path("hand_computed.csv"), "-f", "csv"]);
    let tsv = stdout_of(&["customers", &path("hand_computed.csv"), "-f", "tsv"]);
    assert_text_eq(&csv.replace(',', "\t"), &tsv);
    let ndjson = stdout_of(&["customers", &path("hand_computed.csv"), "-f", "ndjson"]);
    let json = stdout_of(&["customers", &path("hand_computed.csv"), "-f", "json"]);
    let from_nd: Vec<serde_json::Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let from_json: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(from_nd, from_json);
    assert_eq!(from_json.len(), csv.lines().count() - 1);
    assert_eq!(from_json[2]["rfm"], "455");
    assert_eq!(from_json[2]["segment"], "Champions");
    let summary: serde_json::Value = serde_json::from_str(&stdout_of(&[
        "summary",
        &path("hand_computed.csv"),
        "-f",
        "json",
    ]))
    .unwrap();
    assert_eq!(summary["as_of"], "2025-03-11");
    assert_eq!(summary["segments"].as_array().unwrap().len(), 11);
    assert_eq!(summary["total"]["customers"], 5);
    assert_eq!(summary["total"]["revenue"].as_f64(), Some(283.14));
    assert!(summary["segments"][3]["avg_monetary"].is_null());
}

#[test]
fn table_color_follows_the_flag() {
    let plain = stdout_of(&["summary", &path("hand_computed.csv"), "-f", "table"]);
    assert!(!plain.contains('\u{1b}'));
    assert!(plain.contains("Total"));
    let colored = stdout_of(&[
        "summary",
        &path("hand_computed.csv"),
        "-f",
        "table",
        "--color",
        "always",
    ]);
    assert!(colored.contains('\u{1b}'));
}

#[test]
fn closed_stdout_is_success() {
    // Enough rows that the pipe is closed before rfm finishes writing.
    use std::process::Stdio;
    let big = tempfile::NamedTempFile::new().unwrap();
    let mut text = String::from("customer_id,order_date,amount\n");
    for i in 0..200_000 {
        text.push_str(&format!("c{i},2025-01-{:02},1.00\n", i % 28 + 1));
    }
    fs::write(big.path(), text).unwrap();
    let mut child = common::rfm_process()
        .args(["customers", "-q"])
        .arg(big.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---- bad input: one-line errors, exit 1, nothing on stdout ----

#[test]
fn missing_file() {
    let err = failure_of(&["customers", "no/such/orders.csv"], 1);
    assert!(err.contains("cannot open no/such/orders.csv"), "{err}");
}

#[test]
fn empty_and_header_only_files() {
    let err = failure_of(&["customers", &path("empty.csv")], 1);
    assert!(err.contains("empty.csv is empty"), "{err}");
    let err = failure_of(&["customers", &path("header_only.csv")], 1);
    assert!(
        err.contains("no data rows in") && err.contains("header_only.csv (only a header)"),
        "{err}"
    );
}

#[test]
fn missing_column_lists_columns_and_flag() {
    let err = failure_of(&["customers", &path("missing_column.csv")], 1);
    assert!(
        err.contains("cannot find the columns for: order date (--date COL)"),
        "{err}"
    );
    assert!(err.contains("customer_id, day, amount"), "{err}");
    assert!(err.contains("--date"), "{err}");
    let err = failure_of(
        &["customers", &path("missing_column.csv"), "--date", "when"],
        1,
    );
    assert!(err.contains("--date 'when' is not a column"), "{err}");
}

#[test]
fn bad_date_names_file_line_column_value() {
    let err = failure_of(&["customers", &path("bad_date.csv")], 1);
    assert!(err.contains("bad_date.csv:3:"), "{err}");
    assert!(err.contains("column 'order_date'"), "{err}");
    assert!(err.contains("'2025-13-01'"), "{err}");
    assert!(err.contains("--date-format"), "{err}");
}

#[test]
fn bad_amount_and_ragged_rows() {
    let err = failure_of(&["customers", &path("bad_amount.csv")], 1);
    assert!(
        err.contains("bad_amount.csv:4:") && err.contains("'12,50'"),
        "{err}"
    );
    let err = failure_of(&["customers", &path("ragged.csv")], 1);
    assert!(
        err.contains("ragged.csv:3:")
            && err.contains("expected 3 fields as in the header, found 2"),
        "{err}"
    );
}

#[test]
fn invalid_utf8() {
    // Not UTF-8 from the start: read as Windows-1252 (issue 16), where the
    // bytes FF FE are the letters ÿ and þ.
    let out = rfm()
        .args(["customers", &path("invalid_utf8.csv"), "-f", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("\nb\u{ff}\u{fe},2025-01-02,"), "{stdout}");
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("not UTF-8: read as windows-1252")
    );
    // UTF-8 for the first 64 KiB and not after: the row's error names the
    // line, the column and --encoding.
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"customer_id,order_date,amount\n".to_vec();
    for i in 0..5000 {
        bytes.extend(format!("c{i},2025-01-01,10.00\n").into_bytes());
    }
    bytes.extend(b"b\xff\xfe,2025-01-02,20.00\n");
    let late = dir.path().join("late.csv");
    fs::write(&late, bytes).unwrap();
    let err = failure_of(&["customers", late.to_str().unwrap()], 1);
    assert!(
        err.contains("late.csv:5002: column 'customer_id': not valid UTF-8, though the start of the file is (--encoding windows-1252"),
        "{err}"
    );
}

#[test]
fn no_purchases() {
    let err = failure_of(&["customers", &path("no_purchases.csv")], 1);
    assert!(err.contains("no customer has a purchase"), "{err}");
}

#[test]
fn skip_bad_rows_and_rejects_file() {
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("rejects.csv");
    let out = rfm()
        .args(["customers", &path("bad_amount.csv"), "--rejects"])
        .arg(&rejects)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 4, "a, b and d are scored: {stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("skipped 1 bad row"), "{stderr}");
    let written = fs::read_to_string(&rejects).unwrap();
    let mut lines = written.lines();
    assert_eq!(
        lines.next(),
        Some("file,line,reason,customer_id,order_date,amount")
    );
    let row = lines.next().unwrap();
    assert!(
        row.contains(",4,") && row.ends_with(",c,2025-01-03,\"12,50\""),
        "{row}"
    );
    assert_eq!(lines.next(), None);

    let out = rfm()
        .args(["customers", &path("ragged.csv"), "--skip-bad-rows"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 3);
}

// ---- usage errors: exit 2 ----

#[test]
fn usage_errors_exit_2() {
    let orders = path("hand_computed.csv");
    // (arguments, text the message must contain)
    let cases: [(&[&str], &str); 9] = [
        (
            &[
                "customers",
                "--amount",
                "a",
                "--quantity",
                "q",
                "--price",
                "p",
                &orders,
            ],
            "--amount",
        ),
        (&["customers", "--quantity", "q", &orders], "--price"),
        (&["customers", "--format", "xml", &orders], "xml"),
        (&["customers", "--as-of", "31/12/2025", &orders], "--as-of"),
        (
            &[
                "customers",
                "--since",
                "2025-02-01",
                "--until",
                "2025-01-01",
                &orders,
            ],
            "--since",
        ),
        (
            &["customers", "--date-format", "%d/%m", &orders],
            "--date-format",
        ),
        (&["customers", "--delimiter", "::", &orders], "--delimiter"),
        (&["summary", "--excel", "-f", "json", &orders], "--excel"),
        (&["frobnicate"], "frobnicate"),
    ];
    for (args, expected) in cases {
        let err = failure_of(args, 2);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

#[test]
fn completions_and_man_page() {
    let bash = stdout_of(&["completions", "bash"]);
    assert!(bash.contains("--decimal-comma") && bash.contains("customers"));
    let man = stdout_of(&["man"]);
    assert!(
        man.contains(".TH rfm") || man.contains(".TH RFM"),
        "{}",
        &man[..200.min(man.len())]
    );
}

#[test]
fn rejects_are_written_even_when_nothing_is_usable() {
    // Every row rejected: the run fails, and the rejects file is what explains it.
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("rejects.csv");
    let err = failure_of(
        &[
            "customers",
            &path("bad_date.csv"),
            "--date-format",
            "%d/%m/%Y",
            "--rejects",
            rejects.to_str().unwrap(),
        ],
        1,
    );
    assert!(err.contains("wrote 3 rejected rows to"), "{err}");
    assert!(err.contains("no usable rows"), "{err}");
    let written = fs::read_to_string(&rejects).unwrap();
    let lines = pick(&written, &[1]);
    assert_eq!(lines, ["2", "3", "4"], "{written}");
}

#[test]
fn rejects_are_not_written_when_reading_fails() {
    // A bad row without --skip-bad-rows never gets that far; and a file that
    // cannot be read leaves an old rejects file alone.
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("rejects.csv");
    fs::write(&rejects, "previous run\n").unwrap();
    failure_of(
        &[
            "customers",
            "no/such.csv",
            "--rejects",
            rejects.to_str().unwrap(),
        ],
        1,
    );
    assert_eq!(fs::read_to_string(&rejects).unwrap(), "previous run\n");
}

#[test]
fn all_rows_rejected_says_so() {
    // A wrong --date-format with --skip-bad-rows rejects every row.
    let err = failure_of(
        &[
            "customers",
            &path("hand_computed.csv"),
            "--skip-bad-rows",
            "--date-format",
            "%d/%m/%Y",
        ],
        1,
    );
    assert!(
        err.contains("no usable rows: 15 read, 1 without a customer id, 14 rejected"),
        "{err}"
    );
    assert!(
        err.contains("first bad row:") && err.contains("hand_computed.csv:2"),
        "{err}"
    );
}

#[test]
fn float_noise_amounts_name_their_source() {
    // 0.30000000000000004 has 17 decimals; at that scale 1000.00 no longer fits 64 bits.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("noise.csv");
    fs::write(
        &p,
        "customer_id,order_date,amount\na,2025-01-01,0.30000000000000004\nb,2025-01-02,1000.00\n",
    )
    .unwrap();
    let err = failure_of(&["customers", p.to_str().unwrap()], 1);
    assert!(
        err.contains("noise.csv:3: amounts too large to add up exactly at 17 decimals"),
        "{err}"
    );
    assert!(err.contains("noise.csv:2: '0.30000000000000004'"), "{err}");
}

#[test]
fn unicode_minus_and_unknown_suffixes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("signs.csv");
    // U+2212 MINUS SIGN is a minus; "CR" is not a currency and must not be dropped.
    fs::write(
        &p,
        "customer_id,order_date,amount\na,2025-01-01,10.00\na,2025-01-02,\u{2212}4.00\n",
    )
    .unwrap();
    let out = stdout_of(&["customers", p.to_str().unwrap(), "-q"]);
    assert!(
        out.contains(",1,6.00,"),
        "10.00 - 4.00 with one purchase: {out}"
    );
    fs::write(&p, "customer_id,order_date,amount\na,2025-01-01,25.00 CR\n").unwrap();
    let err = failure_of(&["customers", p.to_str().unwrap()], 1);
    assert!(err.contains("'25.00 CR'"), "{err}");
}

#[test]
fn utf16_and_crlf_exports() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(fixture("hand_computed.csv")).unwrap();
    // Windows line endings read the same.
    let crlf = dir.path().join("crlf.csv");
    fs::write(&crlf, text.replace('\n', "\r\n")).unwrap();
    assert_text_eq(
        HAND_CUSTOMERS,
        &stdout_of(&["customers", crlf.to_str().unwrap()]),
    );
    // Excel's "Unicode text" is UTF-16 with a byte-order mark: decoded
    // (issue 16), either byte order.
    for (name, le) in [("utf16le.csv", true), ("utf16be.csv", false)] {
        let utf16 = dir.path().join(name);
        let mut bytes = if le {
            vec![0xff, 0xfe]
        } else {
            vec![0xfe, 0xff]
        };
        bytes.extend(
            text.encode_utf16()
                .flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() }),
        );
        fs::write(&utf16, bytes).unwrap();
        let out = rfm()
            .args(["customers", utf16.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_text_eq(HAND_CUSTOMERS, &String::from_utf8(out.stdout).unwrap());
        let err = String::from_utf8(out.stderr).unwrap();
        let encoding = if le { "UTF-16LE" } else { "UTF-16BE" };
        assert!(
            err.contains(&format!("{name}: read as {encoding} (byte order mark)")),
            "{err}"
        );
    }
    // A Windows-1252 file (the header's é is one byte, 0xE9) is read as
    // such, with a note; the column keeps its accented name.
    let latin1 = dir.path().join("latin1.csv");
    fs::write(
        &latin1,
        b"customer_id,order_date,montant_r\xe9gl\xe9\na,2025-01-01,1\n",
    )
    .unwrap();
    let out = rfm()
        .args([
            "customers",
            latin1.to_str().unwrap(),
            "--amount",
            "montant_réglé",
            "-f",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("\na,2025-01-01,2025-01-01,1,1,1.00,"),
        "{stdout}"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("amount=montant_réglé"), "{err}");
    assert!(
        err.contains("latin1.csv: not UTF-8: read as windows-1252"),
        "{err}"
    );
    // Forced otherwise, the header is not UTF-8: named, without --skip-bad-rows.
    let err = failure_of(
        &["customers", latin1.to_str().unwrap(), "--encoding", "utf-8"],
        1,
    );
    assert!(
        err.contains("latin1.csv:1: header column #3 is not valid UTF-8"),
        "{err}"
    );
    assert!(!err.contains("--skip-bad-rows"), "{err}");
}

/// Error line numbers are physical lines, whatever the line endings, blank
/// lines or quoted newlines before the bad row.
#[test]
fn line_numbers_survive_crlf_cr_blank_lines_and_quoted_newlines() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, u64); 5] = [
        (
            "lf",
            "h1,h2,h3\na,2025-01-01,1\nb,2025-01-02,2\nc,2025-13-01,3\n",
            4,
        ),
        (
            "crlf",
            "h1,h2,h3\r\na,2025-01-01,1\r\nb,2025-01-02,2\r\nc,2025-13-01,3\r\n",
            4,
        ),
        ("cr", "h1,h2,h3\ra,2025-01-01,1\rc,2025-13-01,3", 3),
        (
            "blank",
            "h1,h2,h3\na,2025-01-01,1\n\n\r\n\nc,2025-13-01,3\n",
            6,
        ),
        (
            "quoted",
            "h1,h2,h3\n\"a\nb\",2025-01-01,1\n\"x,\r\ny\",2025-01-02,2\nc,2025-13-01,3",
            6,
        ),
    ];
    for (name, text, line) in cases {
        let p = dir.path().join(format!("{name}.csv"));
        fs::write(&p, text).unwrap();
        let args = [
            "customers",
            p.to_str().unwrap(),
            "--customer",
            "h1",
            "--date",
            "h2",
            "--amount",
            "h3",
        ];
        let err = failure_of(&args, 1);
        assert!(
            err.contains(&format!("{name}.csv:{line}: column 'h2'")),
            "{name}: {err}"
        );
    }
    // The rejects file carries the same numbers.
    let p = dir.path().join("crlf.csv");
    let rejects = dir.path().join("r.csv");
    let out = rfm()
        .args([
            "customers",
            p.to_str().unwrap(),
            "--customer",
            "h1",
            "--date",
            "h2",
            "--amount",
            "h3",
            "--rejects",
        ])
        .arg(&rejects)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(pick(&fs::read_to_string(&rejects).unwrap(), &[1]), ["4"]);
}

#[test]
fn output_files_compress_keep_permissions_and_follow_symlinks() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let orders = path("hand_computed.csv");
    // Compressed by name; the format is read through the compression suffix.
    let gz = dir.path().join("customers.csv.gz");
    stdout_of(&["customers", &orders, "-q", "-o", gz.to_str().unwrap()]);
    let mut text = String::new();
    flate2::read::GzDecoder::new(fs::File::open(&gz).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    assert_text_eq(HAND_CUSTOMERS, &text);
    let zst = dir.path().join("customers.json.zst");
    stdout_of(&["customers", &orders, "-q", "-o", zst.to_str().unwrap()]);
    let json = zstd::decode_all(fs::File::open(&zst).unwrap()).unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), 5);

    #[cfg(unix)]
    {
        use std::os::unix::fs::{PermissionsExt, symlink};
        // A private file stays private when it is replaced.
        let private = dir.path().join("private.csv");
        fs::write(&private, "old").unwrap();
        fs::set_permissions(&private, fs::Permissions::from_mode(0o600)).unwrap();
        stdout_of(&["customers", &orders, "-q", "-o", private.to_str().unwrap()]);
        let mode = fs::metadata(&private).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_text_eq(HAND_CUSTOMERS, &fs::read_to_string(&private).unwrap());
        // Writing through a symlink replaces its target and keeps the link.
        let link = dir.path().join("latest.csv");
        symlink(&private, &link).unwrap();
        fs::write(&private, "old").unwrap();
        stdout_of(&["customers", &orders, "-q", "-o", link.to_str().unwrap()]);
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_text_eq(HAND_CUSTOMERS, &fs::read_to_string(&private).unwrap());
    }
    let err = failure_of(&["customers", &orders, "-o", "book.xlsx"], 2);
    assert!(err.contains(".xlsx"), "{err}");
}
