//! Snapshot tests of every output format (insta), on the hand-computed
//! fixture whose values tests/cli.rs checks independently. These pin the
//! *shape* of each format (layout, quoting, alignment, envelope); the values
//! themselves are asserted by hand elsewhere.

mod common;

use common::{fixture, stdout_of};

fn run(command: &str, extra: &[&str]) -> String {
    let path = fixture("hand_computed.csv");
    let mut args = vec![command, path.to_str().unwrap(), "-q"];
    args.extend_from_slice(extra);
    stdout_of(&args)
}

#[test]
fn customers_formats() {
    for format in ["table", "csv", "tsv", "json", "ndjson"] {
        insta::assert_snapshot!(
            format!("customers_{format}"),
            run("customers", &["-f", format])
        );
    }
    insta::assert_snapshot!("customers_excel", run("customers", &["--excel"]));
}

#[test]
fn summary_formats() {
    for format in ["table", "csv", "tsv", "json", "ndjson"] {
        insta::assert_snapshot!(format!("summary_{format}"), run("summary", &["-f", format]));
    }
    insta::assert_snapshot!("summary_excel", run("summary", &["--excel"]));
}

#[test]
fn summary_table_in_colour() {
    insta::assert_snapshot!(
        "summary_table_color",
        run("summary", &["-f", "table", "--color", "always"])
    );
}

/// `rfm compare` on the hand-built pair whose counts tests/report.rs checks
/// by hand; run inside testdata/ so the file names in the JSON are stable.
#[test]
fn compare_formats() {
    let compare = |extra: &[&str]| {
        let out = common::rfm()
            .current_dir(fixture(""))
            .args(["compare", "compare_old.csv", "compare_new.csv", "-q"])
            .args(extra)
            .output()
            .expect("runs");
        assert!(out.status.success());
        String::from_utf8(out.stdout).expect("utf-8")
    };
    for format in ["table", "csv", "json"] {
        insta::assert_snapshot!(format!("compare_{format}"), compare(&["-f", format]));
    }
    insta::assert_snapshot!(
        "compare_movers_table",
        compare(&["-f", "table", "--movers", "champions,loyal_customers.."])
    );
}
