//! Every way of reading must produce identical output (issues 3 and 14):
//! orders grouped as runs on one worker ("stream"), as runs in tiny blocks
//! on three workers so that orders are cut by block boundaries ("blocks"),
//! and by the exact hash group-by ("polars", the reference, named after
//! the path it replaced). Every fixture, every method option, the real
//! data, and random exports with orders both contiguous and scattered.

mod common;

use common::{EUROPEAN_FLAGS, fixture, rfm};
use proptest::prelude::*;
use std::path::Path;

/// Runs rfm on a forced path ("blocks": runs, with 100-byte blocks on 3
/// workers; "stream": runs on one worker; "polars": the hash group-by);
/// returns (exit code, stdout, stderr).
fn run(engine: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = rfm();
    match engine {
        "blocks" => cmd
            .env("RFM_BLOCK_BYTES", "100")
            .env("RFM_WORKERS", "3")
            .env("RFM_GROUPING", "runs"),
        "stream" => cmd.env("RFM_WORKERS", "1").env("RFM_GROUPING", "runs"),
        _ => cmd.env("RFM_GROUPING", "hash"),
    };
    let out = cmd.args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn assert_same(args: &[&str]) {
    let (code_p, out_p, err_p) = run("polars", args);
    for engine in ["stream", "blocks"] {
        let (code_s, out_s, err_s) = run(engine, args);
        assert_eq!(
            code_s, code_p,
            "{args:?}\n{engine}: {err_s}\npolars: {err_p}"
        );
        assert!(
            out_s == out_p,
            "{args:?}: stdout differs\n{engine}:\n{out_s}\npolars:\n{out_p}"
        );
        // Errors and notes agree too (streaming may add its fallback note).
        let strip = |e: &str| {
            e.lines()
                .filter(|l| !l.contains("not next to each other"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(strip(&err_s), strip(&err_p), "{args:?} {engine}");
    }
}

#[test]
fn fixtures_agree_under_every_method_option() {
    let options: [&[&str]; 11] = [
        &[],
        &["--returns", "ignore"],
        &["--since", "2025-02-01"],
        &["--until", "2025-01-31"],
        &["--as-of", "2025-03-01"],
        &[
            "--as-of",
            "2025-03-01",
            "--since",
            "2025-01-15",
            "--returns",
            "ignore",
        ],
        &["--skip-bad-rows"],
        &["--as-of", "2024-01-01"],
        // Counting rows instead of orders, and the other scoring methods.
        &["--scoring", "r-quantile"],
        &[
            "--scoring",
            "r-quantile",
            "--returns",
            "ignore",
            "--since",
            "2025-02-01",
        ],
        &["--scoring", "ntile", "--segments", "r-rfm"],
    ];
    for name in [
        "hand_computed.csv",
        "sample_orders.csv",
        "quantity_price.csv",
        "bad_amount.csv",
        "no_purchases.csv",
    ] {
        let path = fixture(name);
        for extra in options {
            for command in ["customers", "summary"] {
                let mut args = vec![command, path.to_str().unwrap()];
                args.extend_from_slice(extra);
                assert_same(&args);
            }
        }
    }
    let eu = fixture("european.csv");
    let mut args = vec!["customers", eu.to_str().unwrap()];
    args.extend(EUROPEAN_FLAGS);
    assert_same(&args);
}

#[test]
fn online_retail_agrees() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/online_retail.csv.gz");
    let path = path.to_str().unwrap();
    assert_same(&["customers", path, "-q"]);
    assert_same(&["customers", path, "-q", "--scoring", "r-quantile"]);
    assert_same(&[
        "summary",
        path,
        "-q",
        "--returns",
        "ignore",
        "--since",
        "2011-03-01",
    ]);
    // Its invoices are contiguous enough to stream (one is interleaved with a
    // cancellation): no fallback.
    let (_, _, err) = run("stream", &["summary", path]);
    assert!(!err.contains("not next to each other"), "{err}");
}

#[test]
fn scattered_orders_fall_back_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("scattered.csv");
    // Order O1 has rows 17 other orders apart: beyond the open-order window.
    let mut text = String::from("order_id,customer_id,order_date,amount\nO1,a,2025-01-01,1.00\n");
    for i in 0..17 {
        text.push_str(&format!("X{i},c{i},2025-01-02,2.00\n"));
    }
    text.push_str("O1,a,2025-01-03,-1.00\n");
    std::fs::write(&p, text).unwrap();
    let (code, out, err) = run("stream", &["customers", p.to_str().unwrap()]);
    assert_eq!(code, Some(0));
    assert!(err.contains("not next to each other"), "{err}");
    // O1 is one order totalling 0.00: customer a has no purchase.
    assert!(!out.contains("\na,"), "{out}");
    assert!(err.contains("1 customer not scored"), "{err}");
    assert_same(&["customers", p.to_str().unwrap()]);
}

#[derive(Debug, Clone)]
struct Line {
    customer: u8,
    order: u8,
    day: u8,
    cents: i32,
}

fn write_export(path: &Path, lines: &[Line]) {
    let mut s = String::from("order_id,customer_id,order_date,amount\n");
    for l in lines {
        let sign = if l.cents < 0 { "-" } else { "" };
        let c = l.cents.unsigned_abs();
        // Order ids are per customer here, like invoice numbers.
        s.push_str(&format!(
            "O{}-{},{:03},2025-03-{:02},{sign}{}.{:02}\n",
            l.customer,
            l.order,
            l.customer,
            l.day,
            c / 100,
            c % 100
        ));
    }
    std::fs::write(path, s).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Random exports, once sorted by order (contiguous: streams) and once
    /// shuffled (mostly scattered: falls back); both engines agree on both.
    #[test]
    fn random_exports_agree(
        lines in prop::collection::vec(
            (0u8..30, 0u8..6, 1u8..=28, -2000i32..9000).prop_map(|(customer, order, day, cents)| Line { customer, order, day, cents }),
            1..150,
        ),
        seed in any::<u64>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut sorted = lines.clone();
        sorted.sort_by_key(|l| (l.customer, l.order));
        let mut shuffled = lines;
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        for (name, data) in [("sorted.csv", &sorted), ("shuffled.csv", &shuffled)] {
            let p = dir.path().join(name);
            write_export(&p, data);
            let (code_p, out_p, _) = run("polars", &["customers", "-q", p.to_str().unwrap()]);
            for engine in ["stream", "blocks"] {
                let (code_s, out_s, _) = run(engine, &["customers", "-q", p.to_str().unwrap()]);
                prop_assert_eq!(code_s, code_p);
                prop_assert_eq!(&out_s, &out_p);
            }
        }
    }
}
