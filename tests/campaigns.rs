//! `--where`, `--by`, `--keep`, `--segment` and `--top` (issue 17) on the
//! Online Retail file, each checked against a second, simple computation:
//! `--where` against rfm on rows a plain filter kept, `--by` against
//! separate runs on each group's rows, `--keep` against the latest purchase
//! found by hand. The file is parsed once here; rfm runs once per shape.

mod common;

use common::{online_retail_path, online_retail_text, rfm, stdout_of, thousandths};
use std::collections::HashMap;

/// The Online Retail rows, parsed with the csv crate (header first).
fn retail_rows() -> Vec<Vec<String>> {
    let text = online_retail_text();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.expect("csv").iter().map(str::to_owned).collect())
        .collect()
}

/// Writes `rows` (header first) as a CSV file.
fn write_csv(path: &std::path::Path, rows: &[&Vec<String>]) {
    let mut writer = csv::Writer::from_path(path).expect("create");
    for row in rows {
        writer.write_record(row.iter()).expect("write");
    }
    writer.flush().expect("flush");
}

/// `2010-12-01 08:26:00` as (year, month, day).
fn ymd(text: &str) -> (u32, u32, u32) {
    let date = text.split(' ').next().unwrap();
    let parts: Vec<u32> = date.split('-').map(|p| p.parse().unwrap()).collect();
    (parts[0], parts[1], parts[2])
}

#[test]
fn where_by_and_keep_agree_with_simple_computations_on_online_retail() {
    let rows = retail_rows();
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (invoice, description, quantity, date, price, customer, country) = (
        col("InvoiceNo"),
        col("Description"),
        col("Quantity"),
        col("InvoiceDate"),
        col("UnitPrice"),
        col("CustomerID"),
        col("Country"),
    );
    let dir = tempfile::tempdir().unwrap();
    let retail = online_retail_path();
    let retail = retail.to_str().unwrap();

    // --where: the same as rfm on the rows a plain filter keeps.
    let expr = "Country in ('France', 'Germany') and Quantity > 0 and not (StockCode ~ '^POST$')";
    let stock = col("StockCode");
    let kept: Vec<&Vec<String>> = std::iter::once(header)
        .chain(rows[1..].iter().filter(|r| {
            (r[country] == "France" || r[country] == "Germany")
                && thousandths(&r[quantity]) > 0
                && r[stock] != "POST"
        }))
        .collect();
    let filtered = dir.path().join("filtered.csv");
    write_csv(&filtered, &kept);
    let by_filter = stdout_of(&["customers", retail, "--where", expr, "-f", "csv"]);
    let by_hand = stdout_of(&["customers", filtered.to_str().unwrap(), "-f", "csv"]);
    // 181 customers (counted with Python's csv module).
    assert_eq!(by_hand.lines().count(), 182);
    common::assert_text_eq(&by_hand, &by_filter);

    // --by: each group as a run of its own, on the group's rows.
    let grouped = stdout_of(&["customers", retail, "--by", "Country", "-f", "csv"]);
    let mut per_group: HashMap<String, Vec<String>> = HashMap::new();
    let mut lines = grouped.lines();
    let grouped_header = lines.next().unwrap();
    assert!(grouped_header.starts_with("group,customer_id,"));
    for line in lines {
        // Country names in this file have no commas or quotes.
        let (group, rest) = line.split_once(',').unwrap();
        per_group
            .entry(group.to_owned())
            .or_default()
            .push(rest.to_owned());
    }
    let countries: std::collections::BTreeSet<&str> = rows[1..]
        .iter()
        .filter(|r| !r[customer].is_empty())
        .map(|r| r[country].as_str())
        .collect();
    assert_eq!(per_group.len(), countries.len());
    for group in [
        "France",
        "EIRE",
        "Australia",
        "Unspecified",
        "United Kingdom",
    ] {
        let rows: Vec<&Vec<String>> = std::iter::once(header)
            .chain(rows[1..].iter().filter(|r| r[country] == group))
            .collect();
        let path = dir.path().join("group.csv");
        write_csv(&path, &rows);
        let alone = stdout_of(&["customers", path.to_str().unwrap(), "-f", "csv"]);
        let alone: Vec<&str> = alone.lines().skip(1).collect();
        assert_eq!(per_group[group], alone, "group {group}");
    }

    // --keep: the values of the last line of each customer's latest
    // purchase (an invoice totalling more than zero; ties between invoices
    // of one day: the one whose last line comes later).
    struct Order {
        day: (u32, u32, u32),
        total: i64,
        last_line: usize,
    }
    let mut orders: HashMap<(&str, &str), Order> = HashMap::new();
    for (line, r) in rows.iter().enumerate().skip(1) {
        if r[customer].is_empty() {
            continue;
        }
        let amount = thousandths(&r[quantity]) * thousandths(&r[price]);
        let order = orders
            .entry((r[customer].as_str(), r[invoice].as_str()))
            .or_insert(Order {
                day: ymd(&r[date]),
                total: 0,
                last_line: line,
            });
        order.day = order.day.min(ymd(&r[date]));
        order.total += amount;
        order.last_line = line;
    }
    let mut latest: HashMap<&str, ((u32, u32, u32), usize)> = HashMap::new();
    for ((c, _), o) in &orders {
        if o.total <= 0 {
            continue;
        }
        let entry = latest.entry(c).or_insert((o.day, o.last_line));
        *entry = (*entry).max((o.day, o.last_line));
    }
    let out = rfm()
        .args([
            "customers",
            retail,
            "--keep",
            "Country,Description",
            "-f",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let customers: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(customers.len(), latest.len());
    let mut differs = 0;
    for c in &customers {
        let id = c["customer_id"].as_str().unwrap();
        let (_, line) = latest[id];
        // Kept values are trimmed, as every value rfm reads.
        assert_eq!(c["Country"], rows[line][country].trim(), "{id}");
        assert_eq!(c["Description"], rows[line][description].trim(), "{id}");
        let first = rows
            .iter()
            .find(|r| r[customer] == id)
            .map(|r| r[description].as_str());
        differs += usize::from(first != Some(rows[line][description].as_str()));
        assert!(line > 0);
    }
    // The latest line, not the first: most customers bought other things first.
    assert!(differs > customers.len() / 2, "{differs}");
    // --keep never changes scores: the same rows without the kept columns.
    let plain: Vec<serde_json::Value> =
        serde_json::from_str(&stdout_of(&["customers", retail, "-f", "json"])).unwrap();
    for (a, b) in customers.iter().zip(&plain) {
        let mut a = a.as_object().unwrap().clone();
        a.remove("Country");
        a.remove("Description");
        assert_eq!(&serde_json::Value::Object(a), b);
    }

    // --segment and --top: a call list, checked against the whole list.
    let call = stdout_of(&[
        "customers",
        retail,
        "--segment",
        "at_risk,Da non perdere",
        "--sort=-monetary",
        "--top",
        "10",
        "--keep",
        "Country",
        "-f",
        "csv",
    ]);
    let mut expected: Vec<&serde_json::Value> = customers
        .iter()
        .filter(|c| {
            matches!(
                c["segment_key"].as_str(),
                Some("at_risk" | "cant_lose_them")
            )
        })
        .collect();
    expected.sort_by(|a, b| {
        let m = |c: &serde_json::Value| c["monetary"].as_f64().unwrap();
        m(b).partial_cmp(&m(a))
            .unwrap()
            .then(a["customer_id"].as_str().cmp(&b["customer_id"].as_str()))
    });
    let got: Vec<&str> = call
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let want: Vec<&str> = expected
        .iter()
        .take(10)
        .map(|c| c["customer_id"].as_str().unwrap())
        .collect();
    assert_eq!(got, want);
}

#[test]
fn where_errors_name_the_position_and_the_columns() {
    let file = common::fixture("hand_computed.csv");
    let file = file.to_str().unwrap();
    let err = common::failure_of(&["customers", file, "--where", "amount >> 3"], 2);
    assert!(err.contains("at column"), "{err}");
    // An input error, as for --customer naming no column.
    let err = common::failure_of(&["customers", file, "--where", "Contry = 'x'"], 1);
    assert!(err.contains("Contry") && err.contains("customer"), "{err}");
    let err = common::failure_of(&["customers", file, "--where", "amount > 1000000"], 2);
    assert!(err.contains("leaves no row"), "{err}");
    let err = common::failure_of(&["customers", file, "--segment", "champs"], 2);
    assert!(err.contains("champions"), "{err}");
}
