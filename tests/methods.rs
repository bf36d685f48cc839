//! Scoring methods, segment definitions, languages and `rfm rules`, end to
//! end on testdata/hand_computed.csv (issue 4).
//!
//! Every expected value is worked out by hand in the comment above its test,
//! from docs/method.md and docs/segments.md, not copied from rfm's output.
//! The per-customer metrics of the fixture (default counting) are:
//!
//! ```text
//! customer  recency  frequency  monetary
//! 00042     100      1          5.00
//! C01       10       2          45.50
//! C02       1        4          200.30
//! C04       1        1          20.00
//! C06       14       1          12.34
//! ```

mod common;

use common::{assert_text_eq, failure_of, fixture, rfm, stdout_of};
use std::fs;

fn hand() -> String {
    fixture("hand_computed.csv").display().to_string()
}

const HEADER: &str = "customer_id,first_order,last_order,recency_days,frequency,monetary,r,f,m,fm,rfm,segment,segment_key\n";

// ntile: five customers into five groups, one each, worst first, ties by id.
//   recency (most days first): 00042 100 -> 1, C06 14 -> 2, C01 10 -> 3,
//     C02 and C04 tie at 1: by id, C02 -> 4, C04 -> 5.
//   frequency (fewest first): 00042, C04, C06 tie at 1 -> 1, 2, 3 by id;
//     C01 2 -> 4; C02 4 -> 5.
//   monetary: 5.00 -> 1, 12.34 -> 2, 20.00 -> 3, 45.50 -> 4, 200.30 -> 5.
//   fm = (f + m + 1) / 2: 00042 1, C01 4, C02 5, C04 (2+3+1)/2 = 3, C06 (3+2+1)/2 = 3.
//   grid: (1,1) Lost, (3,4) Loyal, (4,5) Champions, (5,3) Loyal, (2,3) Need Attention.
#[test]
fn ntile_splits_ties_by_customer_id() {
    let expected = format!(
        "{HEADER}\
00042,2024-12-01,2024-12-01,100,1,5.00,1,1,1,1,111,Lost,lost
C01,2025-01-10,2025-03-01,10,2,45.50,3,4,4,4,344,Loyal Customers,loyal_customers
C02,2025-02-01,2025-03-10,1,4,200.30,4,5,5,5,455,Champions,champions
C04,2025-03-10,2025-03-10,1,1,20.00,5,2,3,3,523,Loyal Customers,loyal_customers
C06,2025-02-25,2025-02-25,14,1,12.34,2,3,2,3,232,Need Attention,need_attention
"
    );
    assert_text_eq(
        &expected,
        &stdout_of(&["customers", "--scoring", "ntile", &hand()]),
    );
}

// r-quantile counts rows: every row is a purchase, monetary sums all rows,
// recency runs from the latest row (returns included). Per customer:
//   00042 1 row 2024-12-01 5.00; C01 4 rows, last 03-05 (the return), 45.50;
//   C02 4 rows, last 03-10, 200.30; C04 1 row 03-10 20.00;
//   C05 1 row 2025-01-01 -5.00 (scored now); C06 3 rows, last 02-25, 12.34.
//   as_of = 2025-03-10 + 1. recency: 100, 6, 1, 1, 69, 14.
// Break points, n = 6, h = 5k/5 = k, so the quantile is x[k] (0-based), + 1:
//   recency sorted 1 1 6 14 69 100 -> 2, 7, 15, 70; reached: 100 all 4 -> r 1,
//     6 one -> 4, 1 none -> 5, 69 three -> 2, 14 two -> 3.
//   frequency sorted 1 1 1 3 4 4 -> 2, 2, 4, 5; 1 -> f 1, 3 -> 3, 4 -> 4.
//   monetary sorted -5 5 12.34 20 45.5 200.3 -> 6.00, 13.34, 21.00, 46.50:
//     -5.00 and 5.00 -> 1, 12.34 -> 2, 20.00 -> 3, 45.50 -> 4, 200.30 -> 5.
//   fm: 00042 1, C01 4, C02 (4+5+1)/2 = 5, C04 (1+3+1)/2 = 2, C05 1, C06 (3+2+1)/2 = 3.
//   grid: (1,1) Lost, (4,4) Loyal, (5,5) Champions, (5,2) Potential Loyalist,
//         (2,1) About To Sleep, (3,3) Potential Loyalist.
#[test]
fn r_quantile_counts_rows_and_uses_r_break_points() {
    let out = rfm()
        .args(["customers", "--scoring", "r-quantile", "--explain", &hand()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let expected = format!(
        "{HEADER}\
00042,2024-12-01,2024-12-01,100,1,5.00,1,1,1,1,111,Lost,lost
C01,2025-01-10,2025-03-05,6,4,45.50,4,4,4,4,444,Loyal Customers,loyal_customers
C02,2025-02-01,2025-03-10,1,4,200.30,5,4,5,5,545,Champions,champions
C04,2025-03-10,2025-03-10,1,1,20.00,5,1,3,2,513,Potential Loyalist,potential_loyalist
C05,2025-01-01,2025-01-01,69,1,-5.00,2,1,1,1,211,About To Sleep,about_to_sleep
C06,2025-02-20,2025-02-25,14,3,12.34,3,3,2,3,332,Potential Loyalist,potential_loyalist
"
    );
    assert_text_eq(&expected, &String::from_utf8(out.stdout).unwrap());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("every row counts as a purchase"),
        "{stderr}"
    );
    // --explain: the break points as bounds (- is open or empty). Recency 5
    // is below 2 days, 1 from 70; frequency 2 is [2, 2), empty; monetary 2
    // is [6.00, 13.34). Frequency 2 and 5 are empty, which is warned about.
    assert!(
        stderr.contains("warning: empty score levels: f=2, f=5"),
        "{stderr}"
    );
    let rows: Vec<Vec<&str>> = stderr
        .lines()
        .filter(|l| l.starts_with('│'))
        .map(|l| l.trim_matches('│').split('┆').map(str::trim).collect())
        .collect();
    for row in [
        ["r", "r-quantile", "5", "2", "1", "1", "-", "2"],
        ["r", "r-quantile", "1", "1", "100", "100", "70", "-"],
        ["f", "r-quantile", "2", "0", "-", "-", "2", "2"],
        [
            "m",
            "r-quantile",
            "2",
            "1",
            "12.34",
            "12.34",
            "6.00",
            "13.34",
        ],
    ] {
        assert!(
            rows.contains(&row.to_vec()),
            "missing {row:?} in:\n{stderr}"
        );
    }
}

// Fixed break points (default counting):
//   --r-bins 2,11,50,100: 00042 100 reaches all four -> 1 (equal goes to the
//     next bin), C01 10 one -> 4, C02/C04 1 none -> 5, C06 14 two -> 3.
//   --f-bins 2,3,4,5: 1 -> 1, C01 2 -> 2, C02 4 -> 4.
//   --m-bins 10,20,45.5,200.30: 5.00 -> 1, 12.34 -> 2, 20.00 -> 3 (equal),
//     45.50 -> 4 (equal), 200.30 -> 5 (equal).
//   fm: 00042 1, C01 (2+4+1)/2 = 3, C02 5, C04 (1+3+1)/2 = 2, C06 (1+2+1)/2 = 2.
//   grid: (1,1) Lost, (4,3) Potential Loyalist, (5,5) Champions,
//         (5,2) Potential Loyalist, (3,2) Need Attention.
#[test]
fn fixed_break_points_are_half_open() {
    let expected = format!(
        "{HEADER}\
00042,2024-12-01,2024-12-01,100,1,5.00,1,1,1,1,111,Lost,lost
C01,2025-01-10,2025-03-01,10,2,45.50,4,2,4,3,424,Potential Loyalist,potential_loyalist
C02,2025-02-01,2025-03-10,1,4,200.30,5,4,5,5,545,Champions,champions
C04,2025-03-10,2025-03-10,1,1,20.00,5,1,3,2,513,Potential Loyalist,potential_loyalist
C06,2025-02-25,2025-02-25,14,1,12.34,3,1,2,2,312,Need Attention,need_attention
"
    );
    assert_text_eq(
        &expected,
        &stdout_of(&[
            "customers",
            "--r-bins",
            "2,11,50,100",
            "--f-bins",
            "2,3,4,5",
            "--m-bins",
            "10,20,45.5,200.30",
            &hand(),
        ]),
    );
}

#[test]
fn level_mismatches_and_bad_break_points_are_usage_errors() {
    let err = failure_of(&["summary", "--bins", "3", &hand()], 2);
    assert!(
        err.contains("is defined on scores 1-5, but --bins 3 gives r scores 1-3: use --bins 5, or use a segments file with levels = 3"),
        "{err}"
    );
    let err = failure_of(&["summary", "--r-bins", "30,90", &hand()], 2);
    assert!(err.contains("--r-bins (2 break points)"), "{err}");
    assert!(err.contains("give --r-bins 4 break points"), "{err}");
    let err = failure_of(&["summary", "--m-bins", "100,50", &hand()], 2);
    assert!(
        err.contains("--m-bins 100,50: break points must be strictly ascending"),
        "{err}"
    );
    let err = failure_of(&["summary", "--f-bins", "2;3", &hand()], 2);
    assert!(err.contains("not a number"), "{err}");
    let err = failure_of(
        &[
            "summary",
            "--scoring",
            "r-quantile",
            "--order",
            "order_id",
            &hand(),
        ],
        2,
    );
    assert!(
        err.contains("counts rows, as R's rfm package does, not orders; drop --order"),
        "{err}"
    );
    failure_of(&["summary", "--bins", "11", &hand()], 2);
}

// rf-grid maps R x F: default scores 00042 (1,1) Hibernating, C01 (3,4) Loyal,
//   C02 (4,5) Loyal, C04 (4,1) Promising, C06 (2,1) Hibernating.
// r-rfm, first match: 00042 111 Lost; C01 344 Potential Loyalist (3-5,3-5,2-5);
//   C02 455 Potential Loyalist (not 555); C04 413 Promising (3-4,1-3,3-5);
//   C06 212 About To Sleep (2-3,1-3,1-4).
#[test]
fn presets_assign_their_segments() {
    let segment = |preset: &str| {
        stdout_of(&["customers", "--segments", preset, &hand()])
            .lines()
            .skip(1)
            .map(|l| l.rsplit(',').nth(1).unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        segment("rf-grid"),
        [
            "Hibernating",
            "Loyal Customers",
            "Loyal Customers",
            "Promising",
            "Hibernating"
        ]
    );
    assert_eq!(
        segment("r-rfm"),
        [
            "Lost",
            "Potential Loyalist",
            "Potential Loyalist",
            "Promising",
            "About To Sleep"
        ]
    );
    // The r-rfm summary lists its ten segments, then Others (empty here).
    let summary = stdout_of(&["summary", "--segments", "r-rfm", &hand()]);
    let names: Vec<&str> = summary
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(names.len(), 11);
    assert_eq!(names.last(), Some(&"Others"));
    assert!(!names.contains(&"Hibernating"));
    let out = rfm()
        .args(["summary", "--segments", "r-rfm", &hand()])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("0 customers fell to 'Others'"), "{stderr}");
}

#[test]
fn lang_renames_segments_but_keeps_keys() {
    let out = stdout_of(&["customers", "--lang", "it", &hand()]);
    assert!(out.contains(",455,Campioni,champions\n"), "{out}");
    assert!(out.contains(",111,Persi,lost\n"), "{out}");
    let summary = stdout_of(&["summary", "--lang", "de", "-f", "json", &hand()]);
    let json: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(json["segments"][0]["segment"], "Champions");
    assert_eq!(json["segments"][1]["segment"], "Treue Kunden");
    assert_eq!(json["segments"][1]["segment_key"], "loyal_customers");
    assert!(json["segments"][1]["description"].as_str().unwrap().len() > 10);
    // The terminal table leaves the key out.
    let table = stdout_of(&["summary", "--lang", "es", "-f", "table", &hand()]);
    assert!(
        table.contains("Campeones") && !table.contains("segment_key"),
        "{table}"
    );
}

#[test]
fn summary_json_carries_thresholds() {
    let summary = stdout_of(&["summary", "-f", "json", &hand()]);
    let json: serde_json::Value = serde_json::from_str(&summary).unwrap();
    let levels = json["thresholds"].as_array().unwrap();
    assert_eq!(levels.len(), 15);
    // Recency 4 holds C02 and C04 (1 day), recency 5 nobody (by hand, tests/cli.rs).
    let level = |metric: &str, score: i64| {
        levels
            .iter()
            .find(|l| l["metric"] == metric && l["score"] == score)
            .unwrap()
    };
    assert_eq!(level("r", 4)["customers"], 2);
    assert_eq!(level("r", 5)["customers"], 0);
    assert_eq!(level("m", 5)["min"], serde_json::json!(200.30));
    assert_eq!(level("f", 1)["customers"], 3);
    assert_eq!(json["segments_definition"], "default");
}

const USER_FILE: &str = r#"# Three segments over R x FM, one unreachable.
[[segment]]
name = "VIP"
description = "Spend the most."
action = "Call them."

[[segment]]
name = "Ghost"

[[rule]]
segment = "VIP"
fm = [4, 5]

[[rule]]
segment = "Champions"
fm = 5
r = 5

[[rule]]
segment = "Everyone"
"#;

// VIP takes fm 4-5 first, so rule 2 (Champions, line 14) never applies and
// Champions and Ghost are unreachable; every cell is covered (rule 3).
// Default scores: C01 fm 4 and C02 fm 5 are VIP, the rest Everyone.
#[test]
fn user_rule_files_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.toml");
    fs::write(&file, USER_FILE).unwrap();
    let file = file.display().to_string();
    let out = rfm()
        .args(["summary", "--segments", &file, &hand()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<String> = stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(":"))
        .collect();
    assert_eq!(rows, ["VIP:2", "Ghost:0", "Champions:0", "Everyone:3"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("warning: --segments"), "{stderr}");
    assert!(
        stderr.contains("segment 'Ghost' is unreachable"),
        "{stderr}"
    );
    assert!(
        stderr.contains("rule 2 ('Champions', line 14) never applies"),
        "{stderr}"
    );
    // rfm rules: a warning, and with --strict an error.
    let out = rfm()
        .args(["rules", "--segments", &file, "-f", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 126);
    let out = rfm()
        .args(["rules", "--segments", &file, "--strict", "-f", "csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("--strict") && stderr.contains("3 problems"),
        "{stderr}"
    );
    // A broken file names its line.
    fs::write(
        dir.path().join("bad.toml"),
        "[[rule]]\nsegment = \"A\"\nr = [4, 2]\n",
    )
    .unwrap();
    let bad = dir.path().join("bad.toml").display().to_string();
    let err = failure_of(&["summary", "--segments", &bad, &hand()], 1);
    assert!(
        err.contains("bad.toml:3: r = [4, 2]: the range runs backwards"),
        "{err}"
    );
    let err = failure_of(&["summary", "--segments", "no-such-preset", &hand()], 1);
    assert!(err.contains("default, r-rfm, rf-grid"), "{err}");
}

// Every preset as documented (docs/segments.md): default and rf-grid pass
// --strict; r-rfm has 10 of 125 cells that fall to Others.
#[test]
fn presets_pass_rules_checks_as_documented() {
    for preset in ["default", "rf-grid"] {
        let out = rfm()
            .args(["rules", "--segments", preset, "--strict", "-f", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{preset}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            json["checks"]["problems"],
            serde_json::json!([]),
            "{preset}"
        );
        assert_eq!(json["cells"].as_array().unwrap().len(), 125);
    }
    let out = rfm()
        .args(["rules", "--segments", "r-rfm", "-f", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let uncovered: Vec<&str> = json["checks"]["uncovered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    // By hand from the rule table: with f = 4 or 5 and m = 1, no rule matches
    // when r >= 3 (Potential Loyalist needs m >= 2, New Customers f <= 3,
    // About To Sleep f <= 3 and r <= 3, Lost r = 1) -> 341 351 441 451 541 551;
    // r = 2: 241, 251, 252 (Loyal needs f <= 4 and m >= 2; At Risk m >= 4;
    // Need Attention m >= 3); 215 (About To Sleep needs m <= 4; Loyal f >= 2).
    assert_eq!(
        uncovered,
        [
            "215", "241", "251", "252", "341", "351", "441", "451", "541", "551"
        ]
    );
    assert_eq!(json["checks"]["shadowed_rules"], serde_json::json!([]));
    assert_eq!(json["checks"]["unreachable"], serde_json::json!([]));
    let out = rfm()
        .args(["rules", "--segments", "r-rfm", "--strict", "-f", "csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // The table format draws the grid.
    let table = stdout_of(&["rules", "-f", "table"]);
    assert!(table.contains("R x FM grid"), "{table}");
    assert!(table.contains("every cell is covered"), "{table}");
}

// The example files of docs/segments.md: the grid has no problem; vip.toml
// has no catch-all rule, so cells fall to its Others ("Everyone else").
#[test]
fn documented_example_files_work() {
    let doc = |name: &str| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/examples")
            .join(name)
            .display()
            .to_string()
    };
    let out = rfm()
        .args([
            "rules",
            "--strict",
            "-f",
            "csv",
            "--segments",
            &doc("my-grid.toml"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cells = String::from_utf8(out.stdout).unwrap();
    // R=5, FM=1 (e.g. f = m = 1) is the file's own segment.
    assert!(cells.contains("\n5,1,1,1,Newcomers,newcomers,"), "{cells}");
    let summary = stdout_of(&["summary", "-q", "--segments", &doc("vip.toml"), &hand()]);
    let names: Vec<&str> = summary
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        names,
        ["VIP", "Champions", "Sleeping giants", "Everyone else"]
    );
}

// Ten levels need a ten-level definition; the rfm codes are then dashed
// (a score can have two digits). sample_orders.csv has 150 customers, so rank gives the best ones
// 1 + floor(10 x 149 / 150) = 10.
#[test]
fn ten_levels_with_a_ten_level_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ten.toml");
    fs::write(
        &file,
        "levels = 10\n[[rule]]\nsegment = \"Top\"\nr = [9, 10]\n[[rule]]\nsegment = \"Rest\"\n",
    )
    .unwrap();
    let sample = fixture("sample_orders.csv").display().to_string();
    let out = stdout_of(&[
        "customers",
        "-q",
        "--bins",
        "10",
        "--segments",
        file.to_str().unwrap(),
        &sample,
    ]);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 150);
    for row in &rows {
        let (r, f, m): (u8, u8, u8) = (
            row[6].parse().unwrap(),
            row[7].parse().unwrap(),
            row[8].parse().unwrap(),
        );
        assert!([r, f, m].iter().all(|s| (1..=10).contains(s)), "{row:?}");
        // Ten levels: every code is dashed, so the column has one format.
        assert_eq!(row[10], format!("{r}-{f}-{m}"));
        assert_eq!(row[11], if r >= 9 { "Top" } else { "Rest" });
    }
    assert!(
        rows.iter().any(|row| row[6..9].contains(&"10")),
        "some score reaches 10"
    );
}

// Negative break points need no `=`: --m-bins -10,10,20,100 puts 5.00 in
// [-10, 10) -> 2, 12.34 in [10, 20) -> 3, 20.00 and 45.50 in [20, 100) -> 4,
// 200.30 -> 5 (customers 00042, C01, C02, C04, C06).
#[test]
fn negative_break_points() {
    let out = stdout_of(&["customers", "-q", &hand(), "--m-bins", "-10,10,20,100"]);
    let m: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(8).unwrap())
        .collect();
    assert_eq!(m, ["2", "4", "5", "4", "3"]);
}

/// The warning about customers whose monetary value is below zero, counted
/// by the engine as the metrics are taken. By hand: `a` buys 10.00 and
/// returns 15.00 (-5.00), `b` buys 20.00 and returns 25.00 (-5.00), `c`
/// buys 30.00; each keeps one purchase. The example is the first negative
/// customer in the output's order: `a` alone, `b` with `--by` (group X, of
/// `b` and `c`, comes before group Y, of `a`). Both ways of forming orders
/// (runs, and grouping by order id).
#[test]
fn negative_monetary_values_are_counted_and_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("returns.csv");
    fs::write(
        &path,
        "order_id,customer_id,order_date,amount,country\n\
         1,a,2025-01-01,10.00,Y\n\
         2,a,2025-01-02,-15.00,Y\n\
         3,b,2025-01-01,20.00,X\n\
         4,b,2025-01-03,-25.00,X\n\
         5,c,2025-01-01,30.00,X\n",
    )
    .unwrap();
    let file = path.to_str().unwrap();
    for grouping in ["runs", "hash"] {
        let stderr_of = |args: &[&str]| {
            let out = rfm()
                .env("RFM_GROUPING", grouping)
                .args(args)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0));
            String::from_utf8(out.stderr).unwrap()
        };
        let err = stderr_of(&["customers", file]);
        assert!(
            err.contains("2 customers have a negative monetary value (e.g. 'a')"),
            "{grouping}: {err}"
        );
        let err = stderr_of(&["customers", file, "--by", "country"]);
        assert!(
            err.contains("2 customers have a negative monetary value (e.g. 'b')"),
            "{grouping}: {err}"
        );
        // Until 2025-01-02: b's return is not counted.
        let err = stderr_of(&["customers", file, "--until", "2025-01-02"]);
        assert!(
            err.contains("1 customer has a negative monetary value (e.g. 'a')"),
            "{grouping}: {err}"
        );
        // Before 2025-01-02: no return is counted.
        let err = stderr_of(&["customers", file, "--until", "2025-01-01"]);
        assert!(!err.contains("negative monetary"), "{grouping}: {err}");
    }
}
