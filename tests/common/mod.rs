//! Helpers shared by the integration tests.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The `rfm` binary, with an environment that does not depend on the
/// developer's terminal or shell: no `NO_COLOR`, and none of the `RFM_*`
/// test switches (a test sets the ones it means).
pub fn rfm() -> Command {
    Command::from_std(rfm_process())
}

/// [`rfm`] as a `std::process::Command`, for what assert_cmd's does not
/// do: a child read while it runs, stdin from a file (assert_cmd's is
/// always a pipe).
pub fn rfm_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("rfm"));
    cmd.env_remove("NO_COLOR");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RFM_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// A file under testdata/.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name)
}

/// Asserts equality of two texts, printing a line diff on mismatch (fd style).
#[track_caller]
pub fn assert_text_eq(expected: &str, actual: &str) {
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected, actual);
        let mut shown = String::new();
        for change in diff.iter_all_changes() {
            let sign = match change.tag() {
                similar::ChangeTag::Delete => "-",
                similar::ChangeTag::Insert => "+",
                similar::ChangeTag::Equal => " ",
            };
            shown.push_str(&format!("{sign}{change}"));
        }
        panic!("output differs (- expected, + actual):\n{shown}");
    }
}

/// Runs rfm with `args` and returns stdout, asserting success.
pub fn stdout_of(args: &[&str]) -> String {
    succeeded(
        rfm().args(args).output().expect("runs"),
        &format!("{args:?}"),
    )
}

/// The stdout of a finished run (`what` names it), asserting success.
pub fn succeeded(out: std::process::Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "rfm {what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Runs rfm with `args`, asserting success; returns stderr (for the
/// commands that write files, whose result is on stderr).
pub fn run_ok(args: &[&str]) -> String {
    let out = rfm().args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "rfm {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).expect("utf-8")
}

/// A path as a command-line argument.
pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Every file below `dir` (a report or audiences folder), by path relative
/// to it (`entered/champions.csv`).
pub fn folder_contents(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, prefix: &str, into: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("folder exists") {
            let entry = entry.expect("entry");
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type().expect("type").is_dir() {
                walk(&entry.path(), &format!("{name}/"), into);
            } else {
                into.insert(name, std::fs::read(entry.path()).expect("reads"));
            }
        }
    }
    let mut files = std::collections::BTreeMap::new();
    walk(dir, "", &mut files);
    files
}

/// The temporary files and folders of rfm runs left in `parent`.
pub fn leftovers(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .expect("reads")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".rfm-"))
        .collect()
}

/// Customer id -> segment key of a customers CSV (`,`-separated), parsed
/// here with the csv crate, not with rfm's reader.
pub fn segments_of(path: &Path) -> std::collections::HashMap<String, String> {
    let mut reader = csv::Reader::from_path(path).expect("opens");
    let header = reader.headers().expect("header").clone();
    let id = header.iter().position(|h| h == "customer_id").expect("id");
    let key = header.iter().position(|h| h == "segment_key").expect("key");
    reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            (r[id].to_owned(), r[key].to_owned())
        })
        .collect()
}

/// Runs rfm with `args`, expecting failure with `code`; returns stderr.
pub fn failure_of(args: &[&str], code: i32) -> String {
    let out = rfm().args(args).output().expect("runs");
    assert_eq!(
        out.status.code(),
        Some(code),
        "rfm {args:?}: stdout {} stderr {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "no data on stdout after an error");
    String::from_utf8(out.stderr).expect("utf-8 stderr")
}

/// The flags that read testdata/european.csv (Italian headers, dd/mm/yyyy,
/// decimal commas), after the file name.
pub const EUROPEAN_FLAGS: [&str; 11] = [
    "--customer",
    "Cliente",
    "--date",
    "Data",
    "--amount",
    "Importo",
    "--order",
    "Ordine",
    "--date-format",
    "%d/%m/%Y",
    "--decimal-comma",
];

/// `bytes`, gzip-compressed.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("in memory");
    enc.finish().expect("in memory")
}

/// The UCI Online Retail export for the real-data tests:
/// ../shared/data/online_retail.csv.gz, or $RFM_ONLINE_RETAIL.
pub fn online_retail_path() -> PathBuf {
    let path = std::env::var_os("RFM_ONLINE_RETAIL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/online_retail.csv.gz")
        });
    assert!(
        path.exists(),
        "{} not found: the real-data tests need the UCI Online Retail export (set RFM_ONLINE_RETAIL)",
        path.display()
    );
    path
}

/// The Online Retail export as text (gunzipped).
pub fn online_retail_text() -> String {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(online_retail_path()).expect("opens"))
        .read_to_string(&mut text)
        .expect("gzip text");
    text
}

/// "2.55" -> 2550 thousandths; "-1" -> -1000. The data has at most 3 decimals.
pub fn thousandths(s: &str) -> i64 {
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    assert!(frac.len() <= 3, "{s}");
    let v = int.parse::<i64>().unwrap() * 1000 + format!("{frac:0<3}").parse::<i64>().unwrap();
    if neg { -v } else { v }
}

/// Days since 0000-03-01 of a calendar date (only differences matter).
pub fn day_number(y: i64, m: i64, d: i64) -> i64 {
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d
}

/// The day number of an export time stamp, either ISO "2010-12-01 08:26:00"
/// (the stored export) or the original UCI "12/1/2010 8:26" (month first).
pub fn stamp_day(stamp: &str) -> i64 {
    let date = stamp.split(' ').next().unwrap();
    let parts: Vec<i64> = date
        .split(['-', '/'])
        .map(|p| p.parse().unwrap_or_else(|_| panic!("date {stamp:?}")))
        .collect();
    assert_eq!(parts.len(), 3, "date {stamp:?}");
    if date.contains('/') {
        day_number(parts[2], parts[0], parts[1])
    } else {
        day_number(parts[0], parts[1], parts[2])
    }
}

/// Rounds thousandths to cents, half away from zero, as text ("-1.50").
pub fn cents(thousandths: i64) -> String {
    let c = (thousandths.abs() + 5) / 10 * thousandths.signum();
    let sign = if c < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", c.abs() / 100, c.abs() % 100)
}

pub mod engines;
