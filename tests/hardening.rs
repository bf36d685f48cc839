//! Hardening (issue 15): inputs are never overwritten, outputs to devices
//! and pipes, unclosed quotes, one-line messages, signals and stale
//! temporaries. Each test is named for the promise it checks.

mod common;

use common::{failure_of, rfm};
use std::fs;
use std::path::Path;

const ORDERS: &str = "customer_id,order_date,amount,note\n\
A,2025-01-01,10,ok\n\
B,2025-01-02,20,fine\n\
C,2025-01-03,30,x\n\
D,2025-01-04,40,y\n";

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

/// The single `rfm:` line of an error, asserting there is exactly one line.
#[track_caller]
fn one_error_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("note: "))
        .collect();
    assert_eq!(lines.len(), 1, "one line expected: {stderr:?}");
    assert!(lines[0].starts_with("rfm: "), "{stderr:?}");
    lines[0]
}

#[test]
fn an_output_naming_an_input_is_refused_and_the_input_kept() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "a.csv", ORDERS);
    let gz = dir.path().join("g.csv.gz");
    fs::write(&gz, common::gzip(ORDERS.as_bytes())).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&input, dir.path().join("link.csv")).unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["customers", "a.csv", "-o", "a.csv"],
        vec!["customers", "a.csv", "-o", "./a.csv"],
        vec!["customers", "a.csv", "--rejects", "a.csv"],
        vec!["summary", "a.csv", "-o", "a.csv"],
        vec!["customers", "g.csv.gz", "-o", "g.csv.gz"],
        #[cfg(unix)]
        vec!["customers", "link.csv", "-o", "a.csv"],
        #[cfg(unix)]
        vec!["customers", "a.csv", "-o", "link.csv"],
    ];
    for args in cases {
        let out = rfm().current_dir(dir.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            one_error_line(&stderr).contains("rfm never writes over its input"),
            "{args:?}: {stderr}"
        );
        assert_eq!(fs::read_to_string(&input).unwrap(), ORDERS, "{args:?}");
        assert_eq!(fs::read(&gz).unwrap(), common::gzip(ORDERS.as_bytes()));
    }
    // Standard input redirected from the input file (`< a.csv`).
    let out = common::rfm_process()
        .current_dir(dir.path())
        .args(["customers", "-o", "a.csv"])
        .stdin(fs::File::open(&input).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(fs::read_to_string(&input).unwrap(), ORDERS);
    // The same new file for results and rejects.
    let stderr = failure_of(
        &[
            "customers",
            input.to_str().unwrap(),
            "-o",
            dir.path().join("x.csv").to_str().unwrap(),
            "--rejects",
            dir.path().join("x.csv").to_str().unwrap(),
        ],
        2,
    );
    assert!(one_error_line(&stderr).contains("-o writes that file too"));
    assert!(!dir.path().join("x.csv").exists());
}

#[test]
fn a_report_folder_holding_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let orders = write(dir.path(), "orders.csv", ORDERS);
    let out = dir.path().join("rep");
    let shown = out.to_str().unwrap();
    common::stdout_of(&["report", orders.to_str().unwrap(), "--out", shown, "-q"]);
    // Its customers.csv read as orders (it has what rfm needs) with the
    // folder as --out would be replaced whole.
    let inside = out.join("customers.csv");
    let before = fs::read(&inside).unwrap();
    let args = [
        "report",
        inside.to_str().unwrap(),
        "--out",
        shown,
        "--customer",
        "customer_id",
        "--date",
        "last_order",
        "--amount",
        "monetary",
    ];
    let stderr = failure_of(&args, 2);
    assert!(
        one_error_line(&stderr).contains("holds the input"),
        "{stderr}"
    );
    assert_eq!(fs::read(&inside).unwrap(), before);
}

#[cfg(unix)]
#[test]
fn a_character_device_is_written_to_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "a.csv", ORDERS);
    let out = rfm()
        .args([
            "customers",
            input.to_str().unwrap(),
            "-o",
            "/dev/null",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[cfg(unix)]
#[test]
fn dev_stdout_on_a_pipe_is_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "a.csv", ORDERS);
    let to_stdout = common::stdout_of(&["customers", input.to_str().unwrap(), "-o", "-", "-q"]);
    let via_dev = common::stdout_of(&[
        "customers",
        input.to_str().unwrap(),
        "-o",
        "/dev/stdout",
        "-q",
    ]);
    assert_eq!(via_dev, to_stdout);
    assert_eq!(via_dev.lines().count(), 5, "a header and four customers");
}

#[cfg(unix)]
#[test]
fn a_named_pipe_as_output_is_written_into() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "a.csv", ORDERS);
    let fifo = dir.path().join("results");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read_to_string(fifo).unwrap())
    };
    let out = rfm()
        .args(["customers", input.to_str().unwrap(), "-o"])
        .arg(&fifo)
        .arg("-q")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = reader.join().unwrap();
    assert!(text.starts_with("customer_id,"), "{text}");
    assert_eq!(text.lines().count(), 5);
    use std::os::unix::fs::FileTypeExt;
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn an_unclosed_quote_is_an_error_at_the_line_and_column_where_it_opens() {
    let dir = tempfile::tempdir().unwrap();
    // Line 3 opens a quote in `note`, a column rfm does not read; it
    // would swallow lines 4 and 5 (customers C and D).
    let middle = write(
        dir.path(),
        "middle.csv",
        "customer_id,order_date,amount,note\n\
         A,2025-01-01,10,ok\n\
         B,2025-01-02,20,\"broken\n\
         C,2025-01-03,30,fine\n\
         D,2025-01-04,40,x\n",
    );
    let stderr = failure_of(&["customers", middle.to_str().unwrap()], 1);
    let line = one_error_line(&stderr);
    assert!(line.contains("middle.csv:3: column 'note'"), "{line}");
    assert!(line.contains("never closed"), "{line}");
    assert!(line.contains("(3 lines)"), "{line}");

    // On the last line, without a final line break.
    let last = write(
        dir.path(),
        "last.csv",
        "customer_id,order_date,amount,note\nA,2025-01-01,10,ok\nB,2025-01-02,20,\"open",
    );
    let stderr = failure_of(&["customers", last.to_str().unwrap()], 1);
    assert!(
        one_error_line(&stderr).contains("last.csv:3: column 'note'"),
        "{stderr}"
    );
    assert!(stderr.contains("(1 line)"), "{stderr}");

    // A record over lines 2-3 (a closed multi-line field) whose next field
    // opens a quote on line 3: the line of the quote is named.
    let later = write(
        dir.path(),
        "later.csv",
        "customer_id,note,order_date,amount\nA,\"two\nlines\",\"2025-01-01,10\nB,x,2025-01-02,20\n",
    );
    let stderr = failure_of(&["customers", later.to_str().unwrap()], 1);
    assert!(
        one_error_line(&stderr).contains("later.csv:3: column 'order_date'"),
        "{stderr}"
    );

    // In the header.
    let header = write(
        dir.path(),
        "header.csv",
        "customer_id,\"order_date,amount\nA,2025-01-01,10\n",
    );
    let stderr = failure_of(&["customers", header.to_str().unwrap()], 1);
    assert!(
        one_error_line(&stderr).contains("header.csv:1: a quote in the header is never closed"),
        "{stderr}"
    );

    // --rejects: the row, at the line of the quote; the rows before it
    // are scored, and the note says the field ran to the end.
    let rejects = dir.path().join("rejects.csv");
    let out = rfm()
        .args([
            "customers",
            middle.to_str().unwrap(),
            "-f",
            "csv",
            "--rejects",
        ])
        .arg(&rejects)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let ids: Vec<&str> = stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["A"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("runs to the end of the file (3 lines)"),
        "{stderr}"
    );
    let text = fs::read_to_string(&rejects).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0][0].ends_with("middle.csv"), "{:?}", &rows[0]);
    assert_eq!(&rows[0][1], "3");
    assert!(rows[0][2].contains("never closed"));
}

#[test]
fn messages_stay_on_one_line_whatever_the_data_holds() {
    let dir = tempfile::tempdir().unwrap();
    // A quoted amount with a line break and a carriage return, on line 3.
    let broken = write(
        dir.path(),
        "broken.csv",
        "customer_id,order_date,amount\nA,2025-01-01,10\nB,2025-01-02,\"12\n3\r4\"\n",
    );
    let stderr = failure_of(&["customers", broken.to_str().unwrap()], 1);
    let line = one_error_line(&stderr);
    assert!(line.contains("broken.csv:3:"), "{line}");
    assert!(line.contains("'12\\n3\\n4'"), "{line}");

    // A header name with a control character, in the missing-columns error.
    let header = write(
        dir.path(),
        "header.csv",
        "who\u{7},when,what\nA,2025-01-01,1\n",
    );
    let stderr = failure_of(&["customers", header.to_str().unwrap()], 1);
    assert!(one_error_line(&stderr).contains("who\\u{7}"), "{stderr}");

    // A file name with a line break.
    let named = write(
        dir.path(),
        "a\nb.csv",
        "customer_id,order_date,amount\nA,not a date,1\n",
    );
    let stderr = failure_of(&["customers", named.to_str().unwrap()], 1);
    assert!(one_error_line(&stderr).contains("a\\nb.csv:2:"), "{stderr}");

    // A long value is cut, with an ellipsis.
    let long = "9".repeat(5000) + "x";
    let huge = write(
        dir.path(),
        "huge.csv",
        &format!("customer_id,order_date,amount\nA,2025-01-01,{long}\n"),
    );
    let stderr = failure_of(&["customers", huge.to_str().unwrap()], 1);
    let line = one_error_line(&stderr);
    assert!(line.len() < 400, "{} bytes", line.len());
    assert!(line.contains('\u{2026}'), "{line}");
}

#[test]
fn stale_temporaries_of_killed_runs_are_removed_with_a_note() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "a.csv", ORDERS);
    // Process ids on Linux stay below 2^22: nothing runs as 4999999.
    let stale = write(dir.path(), ".rfm-4999999-AbCdEf.tmp", "half a result");
    let live = write(
        dir.path(),
        &format!(".rfm-{}-AbCdEf.tmp", std::process::id()),
        "being written",
    );
    let folder = dir.path().join(".rep.rfm-4999999-XyZ");
    fs::create_dir(&folder).unwrap();
    fs::write(folder.join("customers.csv"), "x").unwrap();
    // Left an hour ago (a recent one may be another machine's run).
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for path in [&stale, &live, &folder] {
        fs::File::open(path)
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
    }
    let out = rfm()
        .current_dir(dir.path())
        .args(["customers", "a.csv", "-o", "out.csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(
            "note: removed ./.rfm-4999999-AbCdEf.tmp, left by an rfm run that was killed"
        ),
        "{stderr}"
    );
    assert!(!stale.exists());
    assert!(live.exists(), "a live process's temporary stays");
    assert!(folder.exists(), "only report runs to rep sweep its folders");
    let out = rfm()
        .current_dir(dir.path())
        .args(["report", "a.csv", "--out", "rep"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(!folder.exists());
    assert!(input.exists());
}

#[cfg(unix)]
#[test]
fn sigint_and_sigterm_remove_the_copy_of_stdin_and_exit_as_a_shell_does() {
    use std::io::Write;
    use std::process::Stdio;
    for (signal, code) in [("-INT", 130), ("-TERM", 143)] {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = common::rfm_process()
            .args(["customers", "-", "-q"])
            .env("TMPDIR", tmp.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Rows, and no end of input: rfm is reading and copying stdin.
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(ORDERS.as_bytes()).unwrap();
        stdin.flush().unwrap();
        let copies = || -> Vec<String> {
            fs::read_dir(tmp.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".rfm-input-"))
                .collect()
        };
        let started = std::time::Instant::now();
        while copies().is_empty() {
            assert!(
                started.elapsed().as_secs() < 20,
                "no copy of stdin appeared"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let pid = child.id().to_string();
        // The handler thread may start a moment after the copy appears.
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(
            std::process::Command::new("kill")
                .args([signal, &pid])
                .status()
                .unwrap()
                .success()
        );
        let status = child.wait().unwrap();
        drop(stdin);
        assert_eq!(status.code(), Some(code), "{signal}");
        assert!(copies().is_empty(), "{signal}: {:?}", copies());
    }
}

/// `n` customers, one order each.
fn many_customers(n: usize) -> String {
    let mut text = String::from("customer_id,order_date,amount\n");
    for i in 0..n {
        text.push_str(&format!(
            "C{i:05},2025-01-{:02},{}.00\n",
            1 + i % 28,
            1 + i % 97
        ));
    }
    text
}

#[test]
fn the_table_format_shows_fifty_rows_and_says_how_many_were_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "many.csv", &many_customers(2000));
    let input = input.to_str().unwrap();
    // Data rows of comfy-table's UTF-8 preset start with a vertical bar.
    let data_rows = |table: &str| table.lines().filter(|l| l.starts_with('│')).count() - 1;
    let table = common::stdout_of(&["customers", input, "-f", "table", "-q"]);
    assert_eq!(data_rows(&table), 50);
    assert_eq!(
        table.lines().last(),
        Some("50 of 2,000 rows shown; --rows all shows every row, -f csv or -o FILE writes them")
    );
    // The first rows, as CSV shows them.
    let csv = common::stdout_of(&["customers", input, "-f", "csv", "-q"]);
    assert_eq!(csv.lines().count(), 2001, "CSV holds every row");
    let first = csv.lines().nth(1).unwrap().split(',').next().unwrap();
    assert!(table.contains(first));
    let table = common::stdout_of(&["customers", input, "-f", "table", "-q", "--rows", "3"]);
    assert_eq!(data_rows(&table), 3);
    assert!(table.ends_with(
        "3 of 2,000 rows shown; --rows all shows every row, -f csv or -o FILE writes them\n"
    ));
    let table = common::stdout_of(&["customers", input, "-f", "table", "-q", "--rows", "all"]);
    assert_eq!(data_rows(&table), 2000);
    assert!(!table.contains("rows shown"));
    // Fewer rows than the limit: no last line.
    let small = write(dir.path(), "a.csv", ORDERS);
    let table = common::stdout_of(&["customers", small.to_str().unwrap(), "-f", "table", "-q"]);
    assert!(!table.contains("rows shown"));
    let err = failure_of(&["customers", input, "-f", "csv", "--rows", "3"], 2);
    assert!(err.contains("--rows limits the table format"), "{err}");
}

#[test]
fn utf32_files_are_named_utf32_with_a_command_that_converts_them() {
    let dir = tempfile::tempdir().unwrap();
    // "ab\n" in UTF-32 LE and BE, each with its byte order mark.
    let le: Vec<u8> = [0xfeffu32, 'a' as u32, 'b' as u32, '\n' as u32]
        .iter()
        .flat_map(|c| c.to_le_bytes())
        .collect();
    let be: Vec<u8> = [0xfeffu32, 'a' as u32, 'b' as u32, '\n' as u32]
        .iter()
        .flat_map(|c| c.to_be_bytes())
        .collect();
    for (name, bytes) in [("le.csv", le), ("be.csv", be)] {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        let err = failure_of(&["customers", path.to_str().unwrap()], 1);
        let line = one_error_line(&err);
        assert!(line.contains("is UTF-32 encoded"), "{line}");
        assert!(line.contains("iconv -f UTF-32 -t UTF-8"), "{line}");
        assert!(!line.contains("UTF-16"), "{line}");
    }
}

#[test]
fn the_overflow_message_names_the_column_and_its_decimals() {
    let dir = tempfile::tempdir().unwrap();
    // Whole amounts: 11 x 9e17 passes i64::MAX (9.22e18) on the 11th row,
    // line 12; no value sets decimals, so none are named.
    let mut text = String::from("customer_id,order_date,Betrag\n");
    for _ in 0..11 {
        text.push_str("a,2024-01-01,900000000000000000\n");
    }
    let whole = write(dir.path(), "whole.csv", &text);
    let err = failure_of(
        &["customers", whole.to_str().unwrap(), "--amount", "Betrag"],
        1,
    );
    let line = one_error_line(&err);
    assert!(
        line.contains("whole.csv:12: amounts too large to add up exactly (column 'Betrag'"),
        "{line}"
    );
    assert!(!line.contains("come from ;"), "{line}");
    // With decimals: the column and the value that set them.
    let decimals = write(
        dir.path(),
        "decimals.csv",
        "customer_id,order_date,amount\na,2024-01-01,5000000000000\na,2024-01-02,5000000000000\na,2024-01-03,0.000001\n",
    );
    let err = failure_of(&["customers", decimals.to_str().unwrap()], 1);
    assert!(
        one_error_line(&err).contains("decimals.csv:4: '0.000001' in column 'amount'"),
        "{err}"
    );
}

#[test]
fn no_usable_rows_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "guests.csv",
        "customer_id,order_date,amount\n,2025-01-01,5\n,2025-01-02,6\n",
    );
    let err = failure_of(&["customers", input.to_str().unwrap()], 1);
    let line = one_error_line(&err);
    assert!(
        line.contains("guests.csv: no usable rows: 2 read, 2 without a customer id"),
        "{line}"
    );
}

#[test]
fn time_zone_offsets_beyond_18_hours_are_not_dates() {
    let dir = tempfile::tempdir().unwrap();
    for (offset, ok) in [
        ("+14:00", true),
        ("+25:00", false),
        ("+99:99", false),
        ("-24:00", false),
    ] {
        let input = write(
            dir.path(),
            "zoned.csv",
            &format!("customer_id,order_date,amount\na,2025-01-01T10:00:00{offset},5\n"),
        );
        let out = rfm()
            .args(["customers", input.to_str().unwrap(), "-f", "csv", "-q"])
            .output()
            .unwrap();
        assert_eq!(out.status.success(), ok, "{offset}");
        if !ok {
            let err = String::from_utf8(out.stderr).unwrap();
            assert!(err.contains("cannot read date"), "{err}");
        }
    }
}

/// A Parquet file with the given customer, date and amount columns.
fn parquet_file(
    path: &Path,
    customer: polars_core::prelude::Series,
    date: polars_core::prelude::Series,
) {
    use polars_core::prelude::*;
    let n = customer.len();
    let amount = Int64Chunked::from_vec("amount".into(), vec![5; n]).into_series();
    let mut frame = DataFrame::new(n, vec![customer.into(), date.into(), amount.into()]).unwrap();
    let file = fs::File::create(path).unwrap();
    polars_io::parquet::write::ParquetWriter::new(file)
        .finish(&mut frame)
        .unwrap();
}

#[test]
fn parquet_dates_and_timestamps_outside_0000_to_9999_are_bad_rows() {
    use polars_core::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let ids = || StringChunked::from_slice("customer_id".into(), &["a", "b"]).into_series();
    // i32::MAX days is 5881580-07-11.
    let dates = Int32Chunked::from_slice("order_date".into(), &[20_000, i32::MAX])
        .into_date()
        .into_series();
    let path = dir.path().join("far.parquet");
    parquet_file(&path, ids(), dates);
    let err = failure_of(&["customers", path.to_str().unwrap()], 1);
    let line = one_error_line(&err);
    assert!(
        line.contains("far.parquet:row 2: column 'order_date'"),
        "{line}"
    );
    assert!(line.contains("outside the years 0000 to 9999"), "{line}");
    assert!(!line.contains("5881580"), "{line}");
    // A timestamp chrono cannot hold: out of range, not "missing".
    let stamps = Int64Chunked::from_slice("order_date".into(), &[1_700_000_000_000, i64::MAX / 2])
        .into_datetime(TimeUnit::Milliseconds, None)
        .into_series();
    let path = dir.path().join("stamps.parquet");
    parquet_file(&path, ids(), stamps);
    let err = failure_of(&["customers", path.to_str().unwrap()], 1);
    let line = one_error_line(&err);
    assert!(line.contains("stamps.parquet:row 2:"), "{line}");
    assert!(line.contains("outside the years 0000 to 9999"), "{line}");
    assert!(!line.contains("missing"), "{line}");
}

#[test]
fn float_customer_ids_must_be_whole_numbers() {
    use polars_core::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let dates = || {
        Int32Chunked::from_slice("order_date".into(), &[20_000, 20_001])
            .into_date()
            .into_series()
    };
    for (bad, shown) in [(1.5, "1.5"), (f64::NAN, "NaN"), (f64::INFINITY, "inf")] {
        let ids = Float64Chunked::from_slice("customer_id".into(), &[17850.0, bad]).into_series();
        let path = dir.path().join("ids.parquet");
        parquet_file(&path, ids, dates());
        let err = failure_of(&["customers", path.to_str().unwrap()], 1);
        let line = one_error_line(&err);
        assert!(
            line.contains(&format!(
                "ids.parquet:row 2: column 'customer_id': id {shown} is not a whole number"
            )),
            "{line}"
        );
        // --skip-bad-rows keeps the whole one only.
        let csv = common::stdout_of(&[
            "customers",
            path.to_str().unwrap(),
            "--skip-bad-rows",
            "-f",
            "csv",
            "-q",
        ]);
        let ids: Vec<&str> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect();
        assert_eq!(ids, ["17850"]);
    }
}

#[cfg(unix)]
#[test]
fn process_substitution_is_read_once_even_with_scattered_orders() {
    // Order O0 of customer A has two lines 40 orders apart (further than
    // the window of orders read as runs), after 20 other orders: the input
    // is read again from rfm's copy of the pipe, `<(cat FILE)` in a shell.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("order_id,customer_id,order_date,amount\n");
    for i in 1..=60 {
        if i == 21 {
            text.push_str("O0,A,2025-01-01,5\n");
        }
        text.push_str(&format!("O{i},C{i},2025-01-02,1\n"));
    }
    text.push_str("O0,A,2025-01-01,7\n");
    let input = write(dir.path(), "scattered.csv", &text);
    let script = format!(
        "{} customers <(cat '{}') -f csv",
        assert_cmd::cargo::cargo_bin("rfm").display(),
        input.display()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .env_remove("RFM_WORKERS")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let a = stdout.lines().find(|l| l.starts_with("A,")).unwrap();
    // One order of 12.00, not two.
    // As of 2025-01-03, the day after the latest purchase: recency 2.
    assert!(a.starts_with("A,2025-01-01,2025-01-01,2,1,12.00,"), "{a}");
    assert_eq!(stdout.lines().count(), 62);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("grouping all order lines by order id"),
        "{stderr}"
    );
}
