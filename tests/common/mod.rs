//! Helpers shared by the integration tests.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The `rfm` binary, with an environment that does not depend on the
/// developer's terminal.
pub fn rfm() -> Command {
    let mut cmd = Command::cargo_bin("rfm").expect("binary built");
    cmd.env_remove("NO_COLOR");
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
    let out = rfm().args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "rfm {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
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
