//! A deterministic synthetic order export, for benchmarks and scale tests.
//!
//! ```sh
//! cargo run --release --example gen_orders -- 1000000 > /tmp/orders_1m.csv
//! cargo run --release --example gen_orders -- 1000000 42 > /tmp/other_seed.csv
//! ```
//!
//! Columns `order_id,customer_id,order_date,amount`; about N/5 customers whose
//! order counts follow a Zipf-like law (exponent 0.8), dates spread over two
//! years (2024-01-01 .. 2025-12-30, ISO), log-normal amounts with 2 decimals,
//! about 30 % of orders with more than one line and 3 % of rows returns
//! (negative amounts). The same N and seed always give the same bytes.

use std::io::{self, BufWriter, Write};

/// splitmix64: tiny, fast, and good enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit(), self.unit());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let customers = (rows / 5).max(1);
    let mut rng = Rng(seed);
    // Zipf-like customer choice by inverting the continuous CDF of 1/k^s.
    let s = 0.8f64;
    let top = (customers as f64).powf(1.0 - s) - 1.0;
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date");

    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    writeln!(out, "order_id,customer_id,order_date,amount")?;
    let mut written = 0u64;
    let mut order = 100_000u64;
    while written < rows {
        let rank = (1.0 + rng.unit() * top).powf(1.0 / (1.0 - s)) as u64;
        // Scatter ranks over ids so id order says nothing about frequency.
        let id = (rank.min(customers).wrapping_mul(0x9e37_79b9) % (customers * 7)) + 1;
        let date = start + chrono::Duration::days((rng.next_u64() % 730) as i64);
        order += 1;
        let lines = if rng.unit() < 0.3 {
            2 + rng.next_u64() % 3
        } else {
            1
        };
        for _ in 0..lines.min(rows - written) {
            let mut cents = ((3.2 + 1.1 * rng.normal()).exp() * 100.0).round() as i64 + 1;
            if rng.unit() < 0.03 {
                cents = -cents;
            }
            let sign = if cents < 0 { "-" } else { "" };
            let c = cents.abs();
            writeln!(
                out,
                "SO{order},C{id:08},{},{sign}{}.{:02}",
                date.format("%Y-%m-%d"),
                c / 100,
                c % 100
            )?;
            written += 1;
        }
    }
    out.flush()
}
