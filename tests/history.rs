//! `rfm history` (issue 18) against `rfm customers --as-of`, run separately
//! for every period: the per-customer rows must be the same scores and
//! segments, and the segment totals, entered/left counts and transitions
//! are recounted here from those separate runs (a second, simple
//! computation), on the fixtures and on Online Retail month by month.

mod common;

use chrono::{Days, NaiveDate};
use common::{failure_of, fixture, online_retail_path, rfm, stdout_of, thousandths};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

fn parse(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("csv").iter().map(str::to_owned).collect())
        .collect()
}

/// `rfm history FILE flags... extra... -f csv -q`, parsed, header first.
fn history(file: &Path, flags: &[&str], extra: &[&str]) -> Vec<Vec<String>> {
    let mut args = vec!["history", file.to_str().unwrap()];
    args.extend(flags);
    args.extend(extra);
    args.extend(["-f", "csv", "-q", "--decimals", "3"]);
    parse(&stdout_of(&args))
}

/// One customer of `rfm customers --as-of`.
struct Customer {
    id: String,
    r: String,
    f: String,
    m: String,
    segment: String,
    key: String,
    frequency: i64,
    monetary: i64,
}

fn customers_as_of(file: &Path, flags: &[&str], as_of: NaiveDate) -> Vec<Customer> {
    let as_of = as_of.to_string();
    let mut args = vec!["customers", file.to_str().unwrap(), "--as-of", &as_of];
    args.extend(flags);
    args.extend(["-f", "csv", "-q", "--decimals", "3"]);
    let rows = parse(&stdout_of(&args));
    let at = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let (id, r, f, m, segment, key, frequency, monetary) = (
        at("customer_id"),
        at("r"),
        at("f"),
        at("m"),
        at("segment"),
        at("segment_key"),
        at("frequency"),
        at("monetary"),
    );
    rows[1..]
        .iter()
        .map(|row| Customer {
            id: row[id].clone(),
            r: row[r].clone(),
            f: row[f].clone(),
            m: row[m].clone(),
            segment: row[segment].clone(),
            key: row[key].clone(),
            frequency: row[frequency].parse().unwrap(),
            monetary: thousandths(&row[monetary]),
        })
        .collect()
}

/// Checks every period of `rfm history` on `file` (the three tables)
/// against `rfm customers --as-of` the day after each period's end;
/// returns the number of periods checked.
fn check(file: &Path, every: &str, flags: &[&str]) -> usize {
    let per_customer = history(file, flags, &["--every", every, "--customers"]);
    assert_eq!(
        per_customer[0],
        [
            "period_end",
            "customer_id",
            "r",
            "f",
            "m",
            "segment",
            "segment_key"
        ]
    );
    let totals = history(file, flags, &["--every", every]);
    assert_eq!(
        totals[0],
        [
            "period_end",
            "segment",
            "customers",
            "orders",
            "revenue",
            "entered",
            "left",
            "segment_key"
        ]
    );
    let transitions = history(file, flags, &["--every", every, "--transitions"]);
    let mut by_period: BTreeMap<&str, Vec<&Vec<String>>> = BTreeMap::new();
    for row in &per_customer[1..] {
        by_period.entry(row[0].as_str()).or_default().push(row);
    }
    let ends: Vec<&str> = totals[1..]
        .iter()
        .map(|r| r[0].as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(ends, by_period.keys().copied().collect::<Vec<_>>());
    let mut before: HashMap<String, String> = HashMap::new();
    for end in &ends {
        let day = NaiveDate::parse_from_str(end, "%Y-%m-%d").unwrap();
        let expected = customers_as_of(file, flags, day.checked_add_days(Days::new(1)).unwrap());
        // The customers: the same ids, scores and segments, in id order.
        let rows = &by_period[end];
        assert_eq!(rows.len(), expected.len(), "{end}: customers");
        for (row, c) in rows.iter().zip(&expected) {
            assert_eq!(
                (&row[1], &row[2], &row[3], &row[4], &row[5], &row[6]),
                (&c.id, &c.r, &c.f, &c.m, &c.segment, &c.key),
                "{end}"
            );
        }
        // The totals per segment, and the moves since the period before.
        let mut count: HashMap<&str, (i64, i64, i64, i64, i64)> = HashMap::new();
        let mut moves: HashMap<(String, String), i64> = HashMap::new();
        let now: HashMap<String, String> = expected
            .iter()
            .map(|c| (c.id.clone(), c.key.clone()))
            .collect();
        for c in &expected {
            let t = count.entry(&c.key).or_default();
            t.0 += 1;
            t.1 += c.frequency;
            t.2 += c.monetary;
            let was = before.get(&c.id).cloned();
            if was.as_deref() != Some(&c.key) {
                t.3 += 1;
            }
            *moves
                .entry((was.unwrap_or_default(), c.key.clone()))
                .or_default() += 1;
        }
        for (id, was) in &before {
            if now.get(id) != Some(was) {
                count.entry(was).or_default().4 += 1;
            }
        }
        let shown: Vec<&Vec<String>> = totals[1..].iter().filter(|r| r[0] == *end).collect();
        for row in shown {
            let t = count.get(row[7].as_str()).copied().unwrap_or_default();
            let revenue = if row[4].is_empty() {
                0
            } else {
                thousandths(&row[4])
            };
            assert_eq!(
                (
                    row[2].parse::<i64>().unwrap(),
                    row[3].parse::<i64>().unwrap(),
                    revenue,
                    row[5].parse::<i64>().unwrap(),
                    row[6].parse::<i64>().unwrap()
                ),
                t,
                "{end} {row:?}"
            );
        }
        let listed: HashMap<(String, String), i64> = transitions[1..]
            .iter()
            .filter(|r| r[0] == *end)
            .map(|r| ((r[4].clone(), r[5].clone()), r[3].parse().unwrap()))
            .collect();
        assert_eq!(listed, moves, "{end}: transitions");
        before = now;
    }
    // Reruns are byte-identical.
    let again = history(file, flags, &["--every", every, "--customers"]);
    assert_eq!(again, per_customer);
    ends.len()
}

#[test]
fn every_period_equals_rfm_customers_as_of_on_the_fixtures() {
    let hand = fixture("hand_computed.csv");
    let sample = fixture("sample_orders.csv");
    let mut periods = 0;
    periods += check(&hand, "week", &[]);
    periods += check(&hand, "week", &["--scoring", "ntile"]);
    periods += check(&hand, "month", &["--returns", "ignore"]);
    periods += check(&sample, "month", &[]);
    periods += check(&sample, "quarter", &["--scoring", "r-quantile"]);
    periods += check(
        &sample,
        "month",
        &["--since", "2024-03-01", "--segments", "rf-grid"],
    );
    assert!(periods > 20, "{periods}");
}

#[test]
fn every_month_of_online_retail_equals_rfm_customers_as_of() {
    let retail = online_retail_path();
    let months = check(&retail, "month", &[]);
    // December 2010 to December 2011.
    assert_eq!(months, 13);

    // --from and --to show a slice of the same rows (the month before the
    // first shown one is scored too, for its entered and left).
    let all = history(&retail, &["--every", "month"], &[]);
    let slice = history(
        &retail,
        &[
            "--every",
            "month",
            "--from",
            "2011-03-15",
            "--to",
            "2011-06-02",
        ],
        &[],
    );
    let wanted: Vec<&Vec<String>> = all
        .iter()
        .filter(|r| r[0] == "period_end" || ("2011-03-31".."2011-07-01").contains(&r[0].as_str()))
        .collect();
    assert_eq!(slice.iter().collect::<Vec<_>>(), wanted);
    assert_eq!(slice.len(), 1 + 4 * 11);

    // entered and left of June agree with rfm compare of May and June.
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for as_of in ["2011-06-01", "2011-07-01"] {
        let path = dir.path().join(format!("{as_of}.csv"));
        let text = stdout_of(&[
            "customers",
            retail.to_str().unwrap(),
            "--as-of",
            as_of,
            "-f",
            "csv",
            "-q",
        ]);
        std::fs::write(&path, text).unwrap();
        paths.push(path);
    }
    let pairs = parse(&stdout_of(&[
        "compare",
        paths[0].to_str().unwrap(),
        paths[1].to_str().unwrap(),
        "-f",
        "csv",
        "-q",
    ]));
    let (mut entered, mut left): (HashMap<&str, i64>, HashMap<&str, i64>) = Default::default();
    for row in &pairs[1..] {
        let (from, to, n) = (
            row[4].as_str(),
            row[5].as_str(),
            row[2].parse::<i64>().unwrap(),
        );
        if from != to {
            *entered.entry(to).or_default() += n;
            *left.entry(from).or_default() += n;
        }
    }
    for row in all.iter().filter(|r| r[0] == "2011-06-30") {
        let key = row[7].as_str();
        assert_eq!(
            row[5].parse::<i64>().unwrap(),
            entered.get(key).copied().unwrap_or(0),
            "{row:?}"
        );
        assert_eq!(
            row[6].parse::<i64>().unwrap(),
            left.get(key).copied().unwrap_or(0),
            "{row:?}"
        );
    }
}

#[test]
fn history_refuses_what_it_cannot_do() {
    let hand = fixture("hand_computed.csv");
    let hand = hand.to_str().unwrap();
    let err = failure_of(&["history", hand, "--as-of", "2025-02-01"], 2);
    assert!(err.contains("--to sets the last one"), "{err}");
    let err = failure_of(&["history", hand, "--by", "customer_id"], 2);
    assert!(err.contains("--by customer_id"), "{err}");
    let err = failure_of(
        &[
            "history",
            hand,
            "--from",
            "2025-03-01",
            "--to",
            "2025-01-01",
        ],
        2,
    );
    assert!(err.contains("--from is after --to"), "{err}");
    let out = rfm()
        .args(["history", hand, "--customers", "--transitions"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Regression: with the period in the customer key, orders closed after
/// the reading (hash grouping of scattered lines) went to the partition of
/// the (customer, period) key, which another worker owned, and were lost.
#[test]
fn scattered_orders_on_several_workers_lose_no_period() {
    let sample = fixture("sample_orders.csv");
    let text = std::fs::read_to_string(&sample).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    // A fixed shuffle: every 7th line, then the rest, reversed.
    let mut shuffled: Vec<&str> = lines.iter().step_by(7).copied().collect();
    shuffled.extend(
        lines
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 7 != 0)
            .map(|(_, l)| *l)
            .rev(),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shuffled.csv");
    std::fs::write(&file, format!("{header}\n{}\n", shuffled.join("\n"))).unwrap();
    let expected = history(&sample, &["--every", "month"], &["--customers"]);
    for (workers, grouping) in [("2", "hash"), ("3", "hash"), ("3", "runs")] {
        let out = rfm()
            .env("RFM_WORKERS", workers)
            .env("RFM_GROUPING", grouping)
            .env("RFM_BLOCK_BYTES", "4096")
            .args([
                "history",
                file.to_str().unwrap(),
                "--every",
                "month",
                "--customers",
            ])
            .args(["-f", "csv", "-q", "--decimals", "3"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let actual = parse(&String::from_utf8(out.stdout).unwrap());
        assert_eq!(actual.len(), expected.len(), "{workers} {grouping}");
        assert!(actual == expected, "{workers} workers, {grouping} grouping");
    }
}

#[test]
fn periods_outside_the_data_are_refused_with_the_dates() {
    let hand = fixture("hand_computed.csv");
    let hand = hand.to_str().unwrap();
    let err = failure_of(&["history", hand, "--from", "2030-01-01"], 2);
    assert!(
        err.contains("--from 2030-01-01: the latest purchase is on 2025-"),
        "{err}"
    );
    let err = failure_of(&["history", hand, "--to", "9999-12-31"], 2);
    assert!(err.contains("at most 5300"), "{err}");
    // A --to after the data shows the customers ageing: recency grows.
    let rows = history(
        Path::new(hand),
        &["--every", "month", "--to", "2025-12-31"],
        &["--customers"],
    );
    assert_eq!(rows.last().unwrap()[0], "2025-12-31");
}

/// `--segment-since` on `rfm customers`, recomputed from `rfm history
/// --customers` (checked above against `rfm customers --as-of`): the end
/// of the first period of the customer's last unbroken run in today's
/// segment, over the periods that end before the as-of date; the last day
/// counted when the customer was elsewhere (or not yet a customer) at the
/// last of them.
fn check_since(file: &Path, every: &str) -> (usize, usize) {
    let out = stdout_of(&[
        "customers",
        file.to_str().unwrap(),
        "--segment-since",
        every,
        "-f",
        "csv",
        "-q",
    ]);
    let rows = parse(&out);
    let at = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let (id, key, last, since) = (
        at("customer_id"),
        at("segment_key"),
        at("last_order"),
        at("segment_since"),
    );
    let latest = rows[1..].iter().map(|r| r[last].clone()).max().unwrap();
    let as_of = NaiveDate::parse_from_str(&latest, "%Y-%m-%d").unwrap() + Days::new(1);
    let last_day = (as_of - Days::new(1)).to_string();
    let per_period = history(file, &["--every", every], &["--customers"]);
    // Per customer, its (period_end, segment_key) rows in period order.
    let mut runs: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
    for row in &per_period[1..] {
        if row[0] <= last_day {
            runs.entry(&row[1]).or_default().push((&row[0], &row[6]));
        }
    }
    let last_end = per_period[1..]
        .iter()
        .map(|r| r[0].as_str())
        .filter(|e| **e <= *last_day)
        .max()
        .unwrap()
        .to_owned();
    let mut since_run = 0;
    for row in &rows[1..] {
        let periods = runs.get(row[id].as_str()).cloned().unwrap_or_default();
        let expected = match periods.last() {
            Some((end, k)) if *end == last_end && *k == row[key] => {
                let mut start = *end;
                for (end, k) in periods.iter().rev() {
                    if *k != row[key] {
                        break;
                    }
                    start = end;
                }
                since_run += 1;
                start.to_owned()
            }
            _ => last_day.clone(),
        };
        assert_eq!(row[since], expected, "{row:?}");
    }
    (rows.len() - 1, since_run)
}

#[test]
fn segment_since_is_the_start_of_the_last_unbroken_run() {
    let (customers, runs) = check_since(&fixture("sample_orders.csv"), "month");
    assert!(runs > 0 && runs < customers, "{runs} of {customers}");
    let (customers, runs) = check_since(&online_retail_path(), "week");
    assert_eq!(customers, 4338);
    assert!(runs > 1000, "{runs}");
    // A report's customers.csv carries it too, as rfm customers writes it.
    let dir = tempfile::tempdir().unwrap();
    let hand = fixture("hand_computed.csv");
    let out = dir.path().join("r");
    stdout_of(&[
        "report",
        hand.to_str().unwrap(),
        "--segment-since",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    let expected = stdout_of(&[
        "customers",
        hand.to_str().unwrap(),
        "--segment-since",
        "week",
        "-f",
        "csv",
        "-q",
    ]);
    assert_eq!(
        std::fs::read_to_string(out.join("customers.csv")).unwrap(),
        expected
    );
    // A pipe can be read once.
    let out = rfm()
        .args(["customers", "-", "--segment-since"])
        .write_stdin(std::fs::read(&hand).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Stdin redirected from the file is the file (on Linux), read twice.
    if cfg!(target_os = "linux") {
        let out = common::rfm_process()
            .args([
                "customers",
                "-",
                "--segment-since",
                "week",
                "-f",
                "csv",
                "-q",
            ])
            .stdin(std::fs::File::open(&hand).unwrap())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
    }
}

/// `rfm report --trend`: report.json's periods are `rfm history`'s rows
/// for the last whole periods before the as-of date, and report.html
/// draws one chart per segment and a row per period for the at-risk ones.
#[test]
fn report_trend_is_the_history_of_the_last_whole_periods() {
    let retail = online_retail_path();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    stdout_of(&[
        "report",
        retail.to_str().unwrap(),
        "--trend",
        "6",
        "--every",
        "month",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let trend = &json["trend"];
    assert_eq!(trend["every"], "month");
    let periods = trend["periods"].as_array().unwrap();
    // As of 2011-12-10: the last whole month is November.
    let ends: Vec<&str> = periods
        .iter()
        .map(|p| p["period_end"].as_str().unwrap())
        .collect();
    assert_eq!(
        ends,
        [
            "2011-06-30",
            "2011-07-31",
            "2011-08-31",
            "2011-09-30",
            "2011-10-31",
            "2011-11-30"
        ]
    );
    let rows = history(
        &retail,
        &[
            "--every",
            "month",
            "--from",
            "2011-06-01",
            "--to",
            "2011-11-30",
        ],
        &[],
    );
    let mut expected: Vec<(String, String, i64, i64, i64)> = rows[1..]
        .iter()
        .map(|r| {
            (
                r[0].clone(),
                r[7].clone(),
                r[2].parse().unwrap(),
                r[5].parse().unwrap(),
                r[6].parse().unwrap(),
            )
        })
        .collect();
    let mut actual: Vec<(String, String, i64, i64, i64)> = periods
        .iter()
        .flat_map(|p| {
            let end = p["period_end"].as_str().unwrap().to_owned();
            p["segments"].as_array().unwrap().iter().map(move |s| {
                (
                    end.clone(),
                    s["segment_key"].as_str().unwrap().to_owned(),
                    s["customers"].as_i64().unwrap(),
                    s["entered"].as_i64().unwrap(),
                    s["left"].as_i64().unwrap(),
                )
            })
        })
        .collect();
    expected.sort();
    actual.sort();
    assert_eq!(actual, expected);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2>Trend: the last 6 months</h2>"));
    assert_eq!(html.matches("<svg class=\"chart spark\"").count(), 11);
    let section = &html[html.find("id=\"trend\"").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert_eq!(section.matches("<tr><td>2011-").count(), 6);
}
