//! Property: the output depends on the set of rows, not their order.
//! Random order-line exports (ties, returns, zero totals, mixed decimals,
//! several lines per order) are written once as generated and once shuffled;
//! `rfm customers` and `rfm summary` must produce byte-identical results.

mod common;

use common::rfm;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Row {
    customer: u8,
    order: u8,
    day: u8,
    cents: i32,
    decimals: u8,
}

fn row() -> impl Strategy<Value = Row> {
    (0u8..25, 0u8..60, 1u8..=28, -3000i32..20000, 0u8..=3).prop_map(
        |(customer, order, day, cents, decimals)| Row {
            customer,
            order,
            day,
            cents,
            decimals,
        },
    )
}

fn csv(rows: &[Row]) -> String {
    let mut s = String::from("order_id,customer_id,order_date,amount\n");
    for r in rows {
        let amount = match r.decimals {
            0 => format!("{}", r.cents / 100),
            1 => format!("{}.{}", r.cents / 100, (r.cents.abs() % 100) / 10),
            2 => format!("{}.{:02}", r.cents / 100, r.cents.abs() % 100),
            _ => format!("{}.{:02}5", r.cents / 100, r.cents.abs() % 100),
        };
        // Keep the sign for amounts between -1 and 0.
        let amount = if r.cents < 0 && r.cents > -100 {
            format!("-{}", amount.trim_start_matches('-'))
        } else {
            amount
        };
        s.push_str(&format!(
            "O{},{:03},2025-02-{:02},{}\n",
            r.order, r.customer, r.day, amount
        ));
    }
    s
}

fn run(args: &[&str], path: &std::path::Path) -> (Option<i32>, Vec<u8>, Vec<u8>) {
    let out = rfm().args(args).arg(path).output().unwrap();
    (out.status.code(), out.stdout, out.stderr)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn shuffling_rows_changes_nothing(
        (rows, shuffled) in prop::collection::vec(row(), 1..120)
            .prop_flat_map(|rows| (Just(rows.clone()), Just(rows).prop_shuffle()))
    ) {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        std::fs::write(&a, csv(&rows)).unwrap();
        std::fs::write(&b, csv(&shuffled)).unwrap();
        for command in ["customers", "summary"] {
            let (code_a, out_a, err_a) = run(&[command, "-q"], &a);
            let (code_b, out_b, err_b) = run(&[command, "-q"], &b);
            prop_assert_eq!(code_a, code_b);
            prop_assert_eq!(String::from_utf8_lossy(&out_a), String::from_utf8_lossy(&out_b));
            // Error messages name the file; compare them without it.
            let strip = |e: &[u8], p: &std::path::Path| String::from_utf8_lossy(e).replace(p.to_str().unwrap(), "X");
            prop_assert_eq!(strip(&err_a, &a), strip(&err_b, &b));
        }
    }
}
