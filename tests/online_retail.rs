//! The real-data test: the public UCI Online Retail export (541,909 order
//! lines, cancellations, missing customer ids), read from
//! ../shared/data/online_retail.csv.gz (or $RFM_ONLINE_RETAIL).
//!
//! Every figure rfm prints is recomputed here by a second, deliberately
//! naive implementation (string parsing into integer thousandths, HashMaps,
//! scores counted customer by customer, the segment grid typed out again) and
//! compared customer by customer.

mod common;

use common::{
    assert_text_eq, cents, online_retail_path as data_path, online_retail_text, rfm,
    stamp_day as day_number, thousandths,
};
use std::collections::HashMap;

struct Expected {
    frequency: i64,
    monetary: i64,
    first: String,
    last: String,
}

fn independent_metrics() -> HashMap<String, Expected> {
    let gz = online_retail_text();
    let mut reader = csv::Reader::from_reader(gz.as_bytes());
    // (customer, invoice) -> (earliest date, total thousandths)
    let mut orders: HashMap<(String, String), (String, i64)> = HashMap::new();
    for record in reader.records() {
        let r = record.unwrap();
        let customer = r[6].trim();
        if customer.is_empty() {
            continue;
        }
        let amount = thousandths(&r[3]) * thousandths(&r[5]) / 1000;
        assert_eq!(thousandths(&r[3]) % 1000, 0, "integer quantities");
        let date = r[4][..10].to_string();
        let e = orders
            .entry((customer.to_string(), r[0].to_string()))
            .or_insert((date.clone(), 0));
        if date < e.0 {
            e.0 = date;
        }
        e.1 += amount;
    }
    let mut customers: HashMap<String, Expected> = HashMap::new();
    for ((customer, _), (date, total)) in orders {
        let c = customers.entry(customer).or_insert(Expected {
            frequency: 0,
            monetary: 0,
            first: "9999".into(),
            last: "0000".into(),
        });
        c.monetary += total;
        if total > 0 {
            c.frequency += 1;
            if date < c.first {
                c.first = date.clone();
            }
            if date > c.last {
                c.last = date;
            }
        }
    }
    customers.retain(|_, c| c.frequency > 0);
    customers
}

const GRID: [[&str; 5]; 5] = [
    [
        "Lost",
        "Hibernating",
        "At Risk",
        "Can't Lose Them",
        "Can't Lose Them",
    ],
    [
        "About To Sleep",
        "Need Attention",
        "Need Attention",
        "At Risk",
        "At Risk",
    ],
    [
        "Promising",
        "Need Attention",
        "Potential Loyalist",
        "Loyal Customers",
        "Loyal Customers",
    ],
    [
        "Promising",
        "Potential Loyalist",
        "Potential Loyalist",
        "Loyal Customers",
        "Champions",
    ],
    [
        "New Customers",
        "Potential Loyalist",
        "Loyal Customers",
        "Champions",
        "Champions",
    ],
];

#[test]
fn customers_match_an_independent_computation() {
    let started = std::time::Instant::now();
    let out = rfm().arg("customers").arg(data_path()).output().unwrap();
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("dropped 135,080 rows without a customer id"),
        "{stderr}"
    );
    assert!(stderr.contains("scored 4,338 customers"), "{stderr}");
    eprintln!("rfm customers on Online Retail: {elapsed:?}");

    let expected = independent_metrics();
    assert_eq!(
        expected.len(),
        4338,
        "the independent computation agrees with the issue"
    );

    // Scores by definition, counting customer by customer.
    let as_of = expected
        .values()
        .map(|c| day_number(&c.last))
        .max()
        .unwrap()
        + 1;
    let recency: Vec<i64> = expected
        .values()
        .map(|c| as_of - day_number(&c.last))
        .collect();
    let freq: Vec<i64> = expected.values().map(|c| c.frequency).collect();
    let mon: Vec<i64> = expected.values().map(|c| c.monetary).collect();
    let n = expected.len() as i64;
    let score = |worse: usize| 1 + (5 * worse as i64) / n;
    let mut lines = Vec::new();
    for (i, (id, c)) in expected.iter().enumerate() {
        let r = score(recency.iter().filter(|&&x| x > recency[i]).count());
        let f = score(freq.iter().filter(|&&x| x < freq[i]).count());
        let m = score(mon.iter().filter(|&&x| x < mon[i]).count());
        let fm = (f + m + 1) / 2;
        let segment = GRID[(r - 1) as usize][(fm - 1) as usize];
        let key = segment.to_lowercase().replace('\'', "").replace(' ', "_");
        lines.push(format!(
            "{id},{},{},{},{},{},{r},{f},{m},{fm},{r}{f}{m},{segment},{key}",
            c.first,
            c.last,
            recency[i],
            c.frequency,
            cents(c.monetary)
        ));
    }
    lines.sort();
    let expected_csv = format!(
        "customer_id,first_order,last_order,recency_days,frequency,monetary,r,f,m,fm,rfm,segment,segment_key\n{}\n",
        lines.join("\n")
    );
    let actual = String::from_utf8(out.stdout).unwrap();
    assert_text_eq(&expected_csv, &actual);
}

#[test]
fn summary_totals_match_an_independent_computation() {
    let out = rfm()
        .args(["summary", "-q", "-f", "json"])
        .arg(data_path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let expected = independent_metrics();
    let revenue: i64 = expected.values().map(|c| c.monetary).sum();
    let orders: i64 = expected.values().map(|c| c.frequency).sum();
    assert_eq!(json["as_of"], "2011-12-10");
    assert_eq!(json["total"]["customers"], 4338);
    assert_eq!(json["total"]["orders"], orders);
    assert!(
        text.contains(&format!("\"revenue\":{},", cents(revenue))),
        "total revenue {} in {text}",
        cents(revenue)
    );
    let segments = json["segments"].as_array().unwrap();
    assert_eq!(segments.len(), 11);
    let sum: i64 = segments
        .iter()
        .map(|s| s["customers"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, 4338);
}

/// Shuffling the order lines must not change a single byte of the output.
#[test]
fn shuffled_rows_give_identical_output() {
    let text = online_retail_text();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    // Fisher-Yates with a fixed xorshift seed.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for i in (1..lines.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        lines.swap(i, (state % (i as u64 + 1)) as usize);
    }
    let dir = tempfile::tempdir().unwrap();
    let shuffled = dir.path().join("shuffled.csv");
    std::fs::write(&shuffled, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
    for command in ["customers", "summary"] {
        let a = rfm()
            .args([command, "-q"])
            .arg(data_path())
            .output()
            .unwrap();
        let b = rfm().args([command, "-q"]).arg(&shuffled).output().unwrap();
        assert!(a.status.success() && b.status.success());
        assert!(
            a.stdout == b.stdout,
            "{command}: shuffled input changed the output"
        );
    }
}

/// The export as a data team would hand it over in Parquet, written the way
/// pandas types it: `CustomerID` and `UnitPrice` as float64 (nulls where the
/// id is missing), `Quantity` int64, `InvoiceDate` a timestamp, several row
/// groups. rfm must read it to the same bytes as the CSV.
#[test]
fn parquet_export_gives_identical_output() {
    use polars_core::prelude::*;
    let text = online_retail_text();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut strings: [Vec<String>; 4] = Default::default();
    let mut quantity = Vec::new();
    let mut stamp = Vec::new();
    let mut price = Vec::new();
    let mut customer = Vec::new();
    for record in reader.records() {
        let r = record.unwrap();
        strings[0].push(r[0].to_owned());
        strings[1].push(r[1].to_owned());
        strings[2].push(r[2].to_owned());
        strings[3].push(r[7].to_owned());
        quantity.push(r[3].parse::<i64>().unwrap());
        let t = chrono::NaiveDateTime::parse_from_str(&r[4], "%Y-%m-%d %H:%M:%S").unwrap();
        stamp.push(t.and_utc().timestamp_millis());
        price.push(r[5].parse::<f64>().unwrap());
        customer.push(r[6].trim().parse::<f64>().ok());
    }
    let [invoice, stock, description, country] = strings;
    let stamp = Int64Chunked::from_vec("InvoiceDate".into(), stamp)
        .into_datetime(TimeUnit::Milliseconds, None)
        .into_series();
    let mut frame = DataFrame::new_infer_height(vec![
        Column::new("InvoiceNo".into(), invoice),
        Column::new("StockCode".into(), stock),
        Column::new("Description".into(), description),
        Column::new("Quantity".into(), quantity),
        stamp.into(),
        Column::new("UnitPrice".into(), price),
        Column::new("CustomerID".into(), customer),
        Column::new("Country".into(), country),
    ])
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("online_retail.parquet");
    polars_io::parquet::write::ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .with_row_group_size(Some(100_000))
        .finish(&mut frame)
        .unwrap();
    for command in ["customers", "summary"] {
        let a = rfm()
            .args([command, "-q"])
            .arg(data_path())
            .output()
            .unwrap();
        let b = rfm().args([command, "-q"]).arg(&path).output().unwrap();
        assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
        assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
        assert_text_eq(
            &String::from_utf8_lossy(&a.stdout),
            &String::from_utf8_lossy(&b.stdout),
        );
    }
}
