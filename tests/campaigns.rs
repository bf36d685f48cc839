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

/// The band a `--reasons` text states for one metric: (low, high), each
/// open when absent, in thousandths (money) or units.
fn stated_band(part: &str) -> (i64, Option<i64>, Option<i64>) {
    // e.g. `R 2: 76 days since the last purchase (band 72-179 days)`,
    // `M 4: 1797.24 spent (band 915.30-2019.769)`, `F 1: 1 purchase (up to 1)`.
    let number = |t: &str| -> i64 {
        let t = t.trim().split(' ').next().unwrap();
        if t.contains('.') {
            thousandths(t)
        } else {
            t.parse::<i64>().unwrap() * 1000
        }
    };
    let (_, rest) = part.split_once(": ").unwrap();
    let (value, band) = rest.split_once(" (").unwrap();
    let band = band.trim_end_matches(')');
    let (low, high) = if let Some(b) = band.strip_prefix("band ") {
        let (l, h) = b.split_once('-').unwrap();
        (Some(number(l)), Some(number(h)))
    } else if let Some(b) = band.strip_prefix("at least ") {
        (Some(number(b)), None)
    } else if let Some(b) = band.strip_prefix("up to ") {
        (None, Some(number(b)))
    } else if let Some(b) = band.strip_prefix("exactly ") {
        (Some(number(b)), Some(number(b)))
    } else {
        panic!("band '{band}'")
    };
    (number(value), low, high)
}

#[test]
fn reasons_restate_every_score_on_online_retail() {
    let retail = online_retail_path();
    let out = stdout_of(&[
        "customers",
        retail.to_str().unwrap(),
        "--reasons",
        "-f",
        "json",
    ]);
    let customers: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(customers.len(), 4338);
    // Per metric and score: the band every customer with it was told.
    let mut bands: HashMap<(usize, u64), (Option<i64>, Option<i64>)> = HashMap::new();
    let mut changes = 0;
    for c in &customers {
        let reason = c["reason"].as_str().unwrap();
        let parts: Vec<&str> = reason.split("; ").collect();
        let columns = [
            ("r", c["recency_days"].as_i64().unwrap() * 1000),
            ("f", c["frequency"].as_i64().unwrap() * 1000),
            (
                "m",
                (c["monetary"].as_f64().unwrap() * 1000.0).round() as i64,
            ),
        ];
        for (metric, (name, value)) in columns.into_iter().enumerate() {
            let score = c[name].as_u64().unwrap();
            let part = parts[metric];
            let label = format!("{} {score}: ", name.to_uppercase());
            assert!(part.starts_with(&label), "{part} / {label}");
            let (stated, low, high) = stated_band(part);
            // Money is shown to 2 decimals; the file's amounts have 3.
            let tolerance = if metric == 2 { 5 } else { 0 };
            assert!((stated - value).abs() <= tolerance, "{part}: {value}");
            assert!(low.is_none_or(|l| value >= l - tolerance), "{part}");
            assert!(high.is_none_or(|h| value <= h + tolerance), "{part}");
            let band = bands.entry((metric, score)).or_insert((low, high));
            assert_eq!(*band, (low, high), "one band per score: {part}");
        }
        let segment = c["segment"].as_str().unwrap();
        assert!(parts[3].starts_with(segment), "{reason}");
        changes += usize::from(reason.contains("to reach "));
    }
    // The bands of one metric do not overlap: a value gives one score.
    for metric in 0..3 {
        let mut of: Vec<(Option<i64>, Option<i64>)> = bands
            .iter()
            .filter(|((m, _), _)| *m == metric)
            .map(|(_, b)| *b)
            .collect();
        of.sort_by_key(|b| b.0.unwrap_or(i64::MIN));
        for pair in of.windows(2) {
            assert!(pair[0].1.unwrap() < pair[1].0.unwrap(), "{pair:?}");
        }
    }
    // Everyone but the Champions is told how to get better.
    let champions = customers
        .iter()
        .filter(|c| c["segment_key"] == "champions")
        .count();
    assert!(changes + champions >= customers.len() * 9 / 10, "{changes}");
}

/// Parses a CSV file written by rfm into (header, rows).
fn read_table(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).expect("open");
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("csv").iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn at(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("{name} in {header:?}"))
}

/// Undoes report.html's escaping.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The cells of an HTML table row, tags taken out.
fn cells(row: &str) -> Vec<String> {
    row.split("<td")
        .skip(1)
        .map(|cell| {
            let inner = &cell[cell.find('>').unwrap() + 1..];
            let inner = &inner[..inner.find("</td>").unwrap()];
            // A segment cell starts with its colour swatch.
            let inner = match inner.rfind("</span>") {
                Some(end) => &inner[end + 7..],
                None => inner,
            };
            unescape(inner)
        })
        .collect()
}

#[test]
fn report_reasons_and_the_migration_of_runs_made_with_by() {
    let retail = online_retail_path();
    let retail = retail.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    let report = |extra: &[&str], out: &std::path::Path| {
        let mut args = vec!["report", retail, "--by", "Country", "--reasons", "-q", "-o"];
        args.push(out.to_str().unwrap());
        args.extend(extra);
        stdout_of(&args);
    };
    report(&["--until", "2011-09-30"], &old);
    report(&["--previous", old.to_str().unwrap()], &new);

    // customers.csv with --reasons is rfm customers --reasons, byte for byte.
    let customers = stdout_of(&[
        "customers",
        retail,
        "--by",
        "Country",
        "--reasons",
        "-f",
        "csv",
        "-q",
    ]);
    assert_eq!(
        std::fs::read_to_string(new.join("customers.csv")).unwrap(),
        customers
    );

    // The migration, recounted from the two customers.csv files: a customer
    // is a (group, id) pair.
    let runs: Vec<HashMap<(String, String), String>> = [&old, &new]
        .iter()
        .map(|folder| {
            let (header, rows) = read_table(&folder.join("customers.csv"));
            let (g, id, key) = (
                at(&header, "group"),
                at(&header, "customer_id"),
                at(&header, "segment_key"),
            );
            let map: HashMap<_, _> = rows
                .iter()
                .map(|r| ((r[g].clone(), r[id].clone()), r[key].clone()))
                .collect();
            assert_eq!(map.len(), rows.len(), "one row per group and customer");
            map
        })
        .collect();
    let mut pairs: HashMap<(String, String), u64> = HashMap::new();
    for (customer, to) in &runs[1] {
        if let Some(from) = runs[0].get(customer) {
            *pairs.entry((from.clone(), to.clone())).or_default() += 1;
        }
    }
    let (header, rows) = read_table(&new.join("migration.csv"));
    let (from, to, n) = (
        at(&header, "from_segment_key"),
        at(&header, "to_segment_key"),
        at(&header, "customers"),
    );
    let mut counted = 0;
    for row in &rows {
        let expected = pairs
            .get(&(row[from].clone(), row[to].clone()))
            .copied()
            .unwrap_or(0);
        if !row[from].is_empty() && !row[to].is_empty() {
            assert_eq!(row[n].parse::<u64>().unwrap(), expected, "{row:?}");
            counted += expected;
        }
    }
    let both = runs[1].keys().filter(|c| runs[0].contains_key(*c)).count() as u64;
    assert_eq!(counted, both);
    // Some customers bought in two countries: matched in each.
    let ids_in_two = {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (_, id) in runs[1].keys() {
            *seen.entry(id.as_str()).or_default() += 1;
        }
        seen.values().filter(|&&n| n > 1).count()
    };
    assert!(ids_in_two > 0);

    // rfm compare on the same folders lists the movers the files give.
    let movers = stdout_of(&[
        "compare",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--movers",
        "champions..",
        "-f",
        "csv",
        "-q",
    ]);
    let mut listed: Vec<(String, String)> = csv::Reader::from_reader(movers.as_bytes())
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_owned(), r[1].to_owned())
        })
        .collect();
    listed.sort();
    let mut expected: Vec<(String, String)> = runs[1]
        .iter()
        .filter(|(c, to)| runs[0].get(*c).is_some_and(|f| f == "champions") && *to != "champions")
        .map(|(c, _)| c.clone())
        .collect();
    expected.sort();
    assert!(!expected.is_empty());
    assert_eq!(listed, expected);

    // report.html's movers each carry the reason customers.csv gives them.
    let (header, rows) = read_table(&new.join("customers.csv"));
    let (g, id, reason) = (
        at(&header, "group"),
        at(&header, "customer_id"),
        at(&header, "reason"),
    );
    let reason_of: HashMap<(&str, &str), &str> = rows
        .iter()
        .map(|r| ((r[g].as_str(), r[id].as_str()), r[reason].as_str()))
        .collect();
    let html = std::fs::read_to_string(new.join("report.html")).unwrap();
    let shown: Vec<Vec<String>> = html
        .lines()
        .filter(|l| l.contains("<td class=\"wrap\">"))
        .map(cells)
        .collect();
    assert_eq!(shown.len(), 20, "the 20 biggest fallers");
    for row in &shown {
        let stated = &row[row.len() - 1];
        assert_eq!(
            Some(stated.as_str()),
            reason_of.get(&(row[0].as_str(), row[1].as_str())).copied(),
            "{row:?}"
        );
        assert!(stated.contains(&format!("{}: cell", row[3])), "{row:?}");
    }

    // A run with --by and one without cannot be matched.
    let plain = dir.path().join("plain.csv");
    std::fs::write(&plain, stdout_of(&["customers", retail, "-f", "csv", "-q"])).unwrap();
    let out = rfm()
        .args(["compare", old.to_str().unwrap(), plain.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("has a group column (a run made with --by)"),
        "{err}"
    );
}

#[test]
fn kept_columns_never_repeat_a_header() {
    // customer_id is rfm's own column: kept as input_customer_id; email
    // named twice (in two spellings) is kept once.
    let out = rfm()
        .arg("customers")
        .arg(common::fixture("sql_select.csv"))
        .args(["--order", "order_id", "--customer", "customer_id"])
        .args(["--date", "order_date", "--amount", "amount"])
        .args(["--keep", "customer_id,email,EMAIL", "-f", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.ends_with(",segment_key,input_customer_id,email"),
        "{header}"
    );
    // C1's latest purchase is B1, the last line.
    assert!(text.contains(",C1,c1@de.example\n"), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--keep customer_id: written as column 'input_customer_id'"),
        "{err}"
    );
}

#[test]
fn runs_grouped_by_different_columns_are_not_compared() {
    let dir = tempfile::tempdir().unwrap();
    let file = common::fixture("sql_select.csv");
    let map = [
        "--order",
        "order_id",
        "--customer",
        "customer_id",
        "--date",
        "order_date",
        "--amount",
        "amount",
    ];
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let report = |by: &str, out: &std::path::Path, extra: &[&str]| {
        rfm()
            .arg("report")
            .arg(&file)
            .args(map)
            .args(["--by", by, "-q", "-o"])
            .arg(out)
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(report("country", &a, &[]).status.success());
    let out = report("channel", &b, &["--previous", a.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--by country") && err.contains("--by channel"),
        "{err}"
    );
    // The same column: matched by group and id.
    let out = report("country", &b, &["--previous", a.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
