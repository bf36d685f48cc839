//! Mutation testing of the readers, on stable Rust (issue 15).
//!
//! Every input in testdata/fuzz/ (inputs that once broke rfm) is run as is,
//! then seed inputs (CSV and Parquet fixtures) are mutated at random and run
//! until the time budget is spent: 12 s by default, `RFM_FUZZ_SECONDS` to
//! change it (docs/fuzzing.md). Each run must keep the contract: exit 0,
//! 1 or 2; on failure one `rfm:` line on stderr (notes aside) and no output
//! file; on success the output file; never a panic.
//!
//! The sequence of inputs is fixed (a seeded generator), so a run that
//! finds something finds it again; the failing input is saved under
//! target/fuzz-failures/ to be added to testdata/fuzz/.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// xorshift64*: small, seeded, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that matter to the CSV grammar and to number and date parsing.
const INTERESTING: &[u8] = b"\"\",;\t\n\r\n-.0919 \xef\xbb\xbf\x00\xff\x80";

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..1 + rng.below(3) {
        if bytes.is_empty() {
            bytes.push(b'"');
        }
        let at = rng.below(bytes.len());
        match rng.below(8) {
            0 => bytes[at] = rng.next() as u8,
            1 => bytes[at] ^= 1 << rng.below(8),
            2 => bytes[at] = INTERESTING[rng.below(INTERESTING.len())],
            3 => bytes.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            4 => {
                let end = (at + 1 + rng.below(16)).min(bytes.len());
                bytes.drain(at..end);
            }
            5 => {
                let end = (at + 1 + rng.below(32)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.below(bytes.len());
                bytes.splice(to..to, copy);
            }
            6 => bytes.truncate(at),
            _ => {
                let value = [0x00, 0xff, 0x7f, 0x80][rng.below(4)];
                bytes[at] = value;
            }
        }
    }
    bytes
}

/// Runs rfm on `input` (named with `ext`) and checks the contract; on a
/// breach the input is saved and the breach described.
fn check(input: &[u8], ext: &str, extra: &[&str], dir: &Path, n: usize) -> Result<(), String> {
    let path = dir.join(format!("case-{n}.{ext}"));
    let out = dir.join(format!("out-{n}.csv"));
    std::fs::write(&path, input).unwrap();
    let result = common::rfm()
        .arg("customers")
        .arg(&path)
        .arg("-o")
        .arg(&out)
        .args(extra)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    let code = result.status.code();
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("note: ") && !l.starts_with("warning: "))
        .collect();
    let breach = match code {
        Some(0) if !out.exists() => Some("exit 0 without the output file".to_owned()),
        Some(0) => None,
        Some(1 | 2) if out.exists() => Some("an output file after a failure".to_owned()),
        Some(1 | 2) if lines.len() != 1 || !lines[0].starts_with("rfm: ") => {
            Some("not one `rfm:` line".to_owned())
        }
        Some(1 | 2) => None,
        other => Some(format!("exit {other:?}")),
    };
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&path);
    match breach {
        None => Ok(()),
        Some(why) => {
            let saved = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join("fuzz-failures")
                .join(format!("case-{n}.{ext}"));
            std::fs::create_dir_all(saved.parent().unwrap()).unwrap();
            std::fs::write(&saved, input).unwrap();
            Err(format!(
                "{why} (flags {extra:?}), input saved to {}; stderr:\n{stderr}",
                saved.display()
            ))
        }
    }
}

/// A seed: its bytes, its extension and the flags that read it.
type Seed = (Vec<u8>, &'static str, &'static [&'static str]);

fn seeds() -> Vec<Seed> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let csv = [
        "hand_computed.csv",
        "european.csv",
        "quantity_price.csv",
        "sample_orders.csv",
        // Export profiles, order totals once per order, short item rows,
        // columns aligned with spaces, Windows-1250 (issue 16).
        "platforms/shopify_orders.csv",
        "platforms/woocommerce_aoe_blank_item_rows_orders.csv",
        "platforms/etsy_export.csv",
        "platforms/cdnow_master_sample.txt",
        "platforms/smartbill_facturi_emise.csv",
    ];
    let parquet = [
        "parquet/hand_computed.parquet",
        "parquet/typed.parquet",
        "parquet/zoned.parquet",
    ];
    let mut seeds: Vec<Seed> = Vec::new();
    for name in csv {
        let flags: &'static [&'static str] = match name {
            "european.csv" => &common::EUROPEAN_FLAGS,
            "platforms/cdnow_master_sample.txt" => &[
                "--customer",
                "column1",
                "--date",
                "column2",
                "--amount",
                "column4",
            ],
            _ => &[],
        };
        seeds.push((std::fs::read(data.join(name)).unwrap(), "csv", flags));
    }
    // A CSV with quoted fields holding delimiters, quotes and line breaks.
    seeds.push((
        b"order_id,customer_id,note,order_date,amount\r\n\
          1,A,\"Mug, blue\",2025-01-01,10.50\r\n\
          1,A,\"say \"\"hi\"\"\",2025-01-01,2\r\n\
          2,B,\"two\nlines\",2025-02-01,-3.25\r\n\
          3,C,,2025-03-01,7\r\n"
            .to_vec(),
        "csv",
        &[],
    ));
    for name in parquet {
        seeds.push((std::fs::read(data.join(name)).unwrap(), "parquet", &[]));
    }
    seeds
}

/// The files of testdata/fuzz/, each with its extension.
fn regressions() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv" || e == "parquet"))
        .collect();
    files.sort();
    files
}

#[test]
fn fuzz_mutated_inputs_keep_the_error_contract() {
    let dir = tempfile::tempdir().unwrap();
    for (n, file) in regressions().iter().enumerate() {
        let ext = file.extension().unwrap().to_str().unwrap();
        let bytes = std::fs::read(file).unwrap();
        if let Err(why) = check(&bytes, ext, &[], dir.path(), n) {
            panic!("{}: {why}", file.display());
        }
    }
    let seconds: u64 = std::env::var("RFM_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let seeds = seeds();
    // Two runners: inputs are independent, and the machine has two cores.
    let runners: Vec<_> = (0..2u64)
        .map(|runner| {
            let seeds = seeds.clone();
            let dir = dir.path().to_owned();
            std::thread::spawn(move || -> Result<usize, String> {
                let mut rng = Rng(0x5eed_0000_0000_0001 + runner);
                let mut n = 0;
                while Instant::now() < deadline {
                    let (seed, ext, flags) = &seeds[rng.below(seeds.len())];
                    let input = mutate(seed, &mut rng);
                    let mut flags = flags.to_vec();
                    if rng.below(4) == 0 {
                        flags.push("--skip-bad-rows");
                    }
                    let case = 1_000_000 * (runner as usize + 1) + n;
                    check(&input, ext, &flags, &dir, case)?;
                    n += 1;
                }
                Ok(n)
            })
        })
        .collect();
    let mut total = 0;
    for runner in runners {
        match runner.join().unwrap() {
            Ok(n) => total += n,
            Err(why) => panic!("{why}"),
        }
    }
    eprintln!("fuzz: {total} mutated inputs in {seconds} s, all within the contract");
    assert!(total > 0 || seconds == 0);
}
