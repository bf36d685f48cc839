//! The input layer (issue 14): CSV cut into blocks with quotes in mind and
//! read on several workers gives the rows, the results and the line numbers
//! of a reading in order, whatever the block size: blocks cut inside a
//! quoted field, between the `\r` and `\n` of a CRLF, next to bad rows; and
//! stdin and gzip input go the same way.
//!
//! Expected values come from the generator below, which knows every row it
//! writes (its customer, order, amount, and the physical line it starts
//! on), not from rfm.

mod common;

use common::{gzip, leftovers, rfm};
use std::collections::BTreeMap;
use std::path::Path;

/// An order line as the generator writes it.
struct Line {
    customer: String,
    order: String,
    cents: i64,
    /// The physical line the row starts on.
    line: u64,
    /// Written with a bad amount.
    bad: bool,
}

/// A shop export with what real ones have: a quoted description on most
/// rows (commas, `""`, line breaks LF and CRLF inside quotes), CRLF line
/// ends, orders of several lines, returns, rows without a customer, and a
/// bad row every `bad_every` rows (0: none). Returns the text and the rows.
fn export(rows: usize, bad_every: usize) -> (String, Vec<Line>) {
    let mut text = String::from("order_id,customer_id,description,order_date,amount\r\n");
    let mut line = 2u64;
    let mut lines = Vec::new();
    for i in 0..rows {
        let customer = match i % 11 {
            0 => String::new(),
            5 => format!("long.customer.name.{}@example.com", i % 17),
            _ => format!("C{:03}", (i * 7) % 53),
        };
        let order = format!("SO{}", i / 3);
        let day = 1 + (i as u32 * 5) % 28;
        let cents = if i % 9 == 4 {
            -((i as i64 * 13) % 900)
        } else {
            100 + (i as i64 * 37) % 9000
        };
        let description = match i % 5 {
            0 => "\"Mug, blue 350ml\"".to_owned(),
            1 => "\"say \"\"cheese\"\"\"".to_owned(),
            2 => "\"two\nlines\"".to_owned(),
            3 => "\"three\r\nwindows\r\nlines\"".to_owned(),
            _ => "plain".to_owned(),
        };
        // (A row without a customer is dropped before it is checked.)
        let bad = bad_every > 0 && i % bad_every == bad_every - 1 && !customer.is_empty();
        let amount = if bad {
            "n/a".to_owned()
        } else {
            format!(
                "{}{}.{:02}",
                if cents < 0 { "-" } else { "" },
                cents.abs() / 100,
                cents.abs() % 100
            )
        };
        text.push_str(&format!(
            "{order},{customer},{description},2025-03-{day:02},{amount}\r\n"
        ));
        lines.push(Line {
            customer,
            order,
            cents,
            line,
            bad,
        });
        line += 1 + description.matches('\n').count() as u64;
    }
    (text, lines)
}

/// Frequency and monetary (cents) per customer, by a plain group-by of the
/// generated rows: orders by (customer, order id), a purchase is an order
/// totalling more than zero.
fn expected(lines: &[Line]) -> BTreeMap<String, (u32, i64)> {
    let mut orders: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for l in lines.iter().filter(|l| !l.customer.is_empty() && !l.bad) {
        *orders.entry((&l.customer, &l.order)).or_default() += l.cents;
    }
    let mut customers: BTreeMap<String, (u32, i64)> = BTreeMap::new();
    for ((customer, _), total) in orders {
        let c = customers.entry(customer.to_owned()).or_default();
        c.0 += u32::from(total > 0);
        c.1 += total;
    }
    customers.retain(|_, c| c.0 > 0);
    customers
}

/// (customer_id, frequency, monetary in cents) from `rfm customers` CSV.
fn parsed(csv_text: &str) -> BTreeMap<String, (u32, i64)> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (id, f, m) = (at("customer_id"), at("frequency"), at("monetary"));
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let cents = (r[m].parse::<f64>().unwrap() * 100.0).round() as i64;
            (r[id].to_owned(), (r[f].parse().unwrap(), cents))
        })
        .collect()
}

/// Runs rfm with `block` bytes per block on `workers` workers, with `stdin`
/// piped in when given; returns (exit code, stdout, stderr).
fn run(
    args: &[&str],
    block: usize,
    workers: usize,
    stdin: Option<&[u8]>,
) -> (Option<i32>, String, String) {
    let mut cmd = rfm();
    cmd.env("RFM_BLOCK_BYTES", block.to_string())
        .env("RFM_WORKERS", workers.to_string())
        .args(args);
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes.to_vec());
    }
    outcome(cmd.output().unwrap())
}

/// A finished run's exit code, stdout and stderr.
fn outcome(out: std::process::Output) -> (Option<i32>, String, String) {
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn issue_14_quoted_blocks_cut_anywhere_give_the_rows_of_one_reading() {
    let (text, lines) = export(600, 0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.csv");
    std::fs::write(&path, &text).unwrap();
    let path = path.to_str().unwrap();
    let want = expected(&lines);
    assert!(want.len() > 40, "{}", want.len());
    let (code, reference, _) = run(&["customers", path, "-q"], 1 << 20, 1, None);
    assert_eq!(code, Some(0));
    assert_eq!(parsed(&reference), want);
    // Sizes that cut inside quoted fields, inside `""`, between `\r` and
    // `\n`, and (1 byte) after every single byte.
    for block in [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 4096] {
        for workers in [2, 3] {
            let (code, out, err) = run(&["customers", path, "-q"], block, workers, None);
            assert_eq!(code, Some(0), "{err}");
            assert!(
                out == reference,
                "{block}-byte blocks on {workers} workers differ"
            );
        }
    }
}

#[test]
fn issue_14_bad_rows_in_a_parallel_read_name_their_physical_lines() {
    let (text, lines) = export(500, 37);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.csv");
    std::fs::write(&path, &text).unwrap();
    let path = path.to_str().unwrap();
    let bad: Vec<u64> = lines.iter().filter(|l| l.bad).map(|l| l.line).collect();
    assert!(bad.len() > 10);
    let want = expected(&lines);
    for (block, workers) in [(1 << 20, 1), (64, 3), (257, 2), (1000, 3)] {
        let rejects = dir.path().join(format!("rejects-{block}.csv"));
        let (code, out, err) = run(
            &["customers", path, "--rejects", rejects.to_str().unwrap()],
            block,
            workers,
            None,
        );
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(parsed(&out), want, "{block}/{workers}");
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(&rejects)
            .unwrap();
        let got: Vec<u64> = reader
            .records()
            .map(|r| r.unwrap()[1].parse().unwrap())
            .collect();
        assert_eq!(got, bad, "rejected lines, {block}-byte blocks on {workers}");
        assert!(
            err.contains(&format!(
                "skipped {} bad rows; first: {path}:{}: column 'amount': cannot read number 'n/a'",
                bad.len(),
                bad[0]
            )),
            "{err}"
        );
        // Without --skip-bad-rows the first bad row stops the run, wherever
        // the workers were.
        let (code, out, err) = run(&["customers", path], block, workers, None);
        assert_eq!(code, Some(1));
        assert!(out.is_empty());
        assert_eq!(
            err.lines().last().unwrap(),
            format!(
                "rfm: {path}:{}: column 'amount': cannot read number 'n/a': not a number \
                 (use --skip-bad-rows to drop such rows, --rejects FILE to keep them)",
                bad[0]
            ),
        );
    }
}

#[test]
fn issue_14_stdin_and_gzip_read_like_the_file() {
    let (text, lines) = export(400, 0);
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("shop.csv");
    std::fs::write(&plain, &text).unwrap();
    let gz = dir.path().join("shop.csv.gz");
    std::fs::write(&gz, gzip(text.as_bytes())).unwrap();
    let (code, reference, _) = run(&["customers", plain.to_str().unwrap(), "-q"], 100, 3, None);
    assert_eq!(code, Some(0));
    assert_eq!(parsed(&reference), expected(&lines));
    let cases: [(&[&str], Option<Vec<u8>>); 4] = [
        (&["customers", gz.to_str().unwrap(), "-q"], None),
        (&["customers", "-", "-q"], Some(text.as_bytes().to_vec())),
        (&["customers", "-q"], Some(gzip(text.as_bytes()))),
        (&["customers", "-q", "-"], Some(text.as_bytes().to_vec())),
    ];
    for (args, stdin) in cases {
        for (block, workers) in [(100, 3), (1 << 20, 2)] {
            let (code, out, err) = run(args, block, workers, stdin.as_deref());
            assert_eq!(code, Some(0), "{args:?}: {err}");
            assert!(out == reference, "{args:?} {block}/{workers} differ");
        }
    }
}

/// Order O1's lines are 20 orders apart: beyond the window of open orders,
/// so the runs fail and the input is grouped again by order id.
fn scattered() -> String {
    let mut text = String::from("order_id,customer_id,order_date,amount\n");
    text.push_str("O1,a,2025-01-01,5.00\n");
    for i in 0..20 {
        text.push_str(&format!("X{i},c{i},2025-01-02,2.00\n"));
    }
    text.push_str("O1,a,2025-01-03,-5.00\n");
    text
}

/// The run's result on `scattered()`: O1 totals 0.00, so `a` has no
/// purchase; the 20 others have one each.
fn assert_scattered_result(code: Option<i32>, out: &str, err: &str) {
    assert_eq!(code, Some(0), "{err}");
    let got = parsed(out);
    assert!(!got.contains_key("a"), "O1 totals 0.00: no purchase\n{out}");
    assert_eq!(got.len(), 20);
    assert!(err.contains("1 customer not scored"), "{err}");
    assert!(err.contains("not next to each other"), "{err}");
}

#[test]
fn issue_14_scattered_orders_on_stdin_are_grouped_from_its_copy() {
    let text = scattered();
    // One worker, one block: the runs see O1 twice.
    let (code, out, err) = run(&["customers", "-"], 1 << 20, 1, Some(text.as_bytes()));
    assert_scattered_result(code, &out, &err);
    // Compressed stdin too (the copy is of the compressed bytes).
    let (code, out, err) = run(&["customers"], 1 << 20, 1, Some(&gzip(text.as_bytes())));
    assert_scattered_result(code, &out, &err);
}

#[test]
fn issue_14_a_named_pipe_with_scattered_orders_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("orders.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let text = scattered();
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(&fifo, text).is_ok())
    };
    let (code, out, err) = run(&["customers", fifo.to_str().unwrap()], 1 << 20, 1, None);
    // Should rfm have failed before opening the pipe, a reader that does
    // not wait (O_NONBLOCK) releases the writer, so the test fails, not hangs.
    {
        use std::os::unix::fs::OpenOptionsExt;
        let _unblock = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(0o4000)
            .open(&fifo);
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let wrote = writer.join().unwrap();
    assert_scattered_result(code, &out, &err);
    assert!(wrote, "rfm read the whole pipe");
}

#[test]
fn issue_14_without_a_temporary_file_scattered_stdin_is_a_clear_error() {
    let mut cmd = rfm();
    cmd.env("TMPDIR", "/nonexistent/rfm-test")
        .env("RFM_WORKERS", "1")
        .args(["customers", "-"])
        .write_stdin(scattered());
    let out = cmd.output().unwrap();
    assert_no_copy(out.status.code(), &String::from_utf8(out.stderr).unwrap());
    // Contiguous orders need no copy.
    let (text, lines) = export(50, 0);
    let mut cmd = rfm();
    cmd.env("TMPDIR", "/nonexistent/rfm-test")
        .args(["customers", "-", "-q"])
        .write_stdin(text);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        parsed(&String::from_utf8(out.stdout).unwrap()),
        expected(&lines)
    );
}

/// `rfm customers -` on one worker with stdin read from `stdin` (a file,
/// where assert_cmd's stdin is always a pipe) and `TMPDIR` at `tmp`.
fn on_stdin_file(stdin: std::fs::File, tmp: &Path) -> std::process::Command {
    let mut cmd = common::rfm_process();
    cmd.env("TMPDIR", tmp)
        .env("RFM_WORKERS", "1")
        .args(["customers", "-"])
        .stdin(stdin);
    cmd
}

/// Runs [`on_stdin_file`].
fn run_on_stdin_file(stdin: std::fs::File, tmp: &Path) -> (Option<i32>, String, String) {
    outcome(on_stdin_file(stdin, tmp).output().unwrap())
}

/// `rfm customers - < orders.csv` needs no copy of its input to group
/// scattered orders: the file stdin comes from is opened again (on Linux).
/// Shown with no temporary folder at all, where a copy cannot be made (a
/// pipe fails there: the test above).
#[cfg(target_os = "linux")]
#[test]
fn stdin_redirected_from_a_file_is_read_again_from_the_file_not_copied() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = Path::new("/nonexistent/rfm-test");
    let plain = dir.path().join("orders.csv");
    std::fs::write(&plain, scattered()).unwrap();
    let gz = dir.path().join("orders.csv.gz");
    std::fs::write(&gz, gzip(scattered().as_bytes())).unwrap();
    for file in [&plain, &gz] {
        let (code, out, err) = run_on_stdin_file(std::fs::File::open(file).unwrap(), nowhere);
        assert_scattered_result(code, &out, &err);
    }
}

/// A file rfm may read only through the descriptor it was given (`sudo -u
/// nobody rfm customers - < /root/orders.csv`, or a file closed to everyone
/// after the shell opened it) cannot be opened again: it is copied as it is
/// read instead.
#[cfg(target_os = "linux")]
#[test]
fn stdin_from_a_file_rfm_may_not_open_itself_is_copied() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.csv");
    std::fs::write(&path, scattered()).unwrap();
    // Opened (once per run), then closed to everyone. Permissions do not
    // hold root back: as root, rfm runs as `nobody`.
    let (first, second) = (
        std::fs::File::open(&path).unwrap(),
        std::fs::File::open(&path).unwrap(),
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    // SAFETY: geteuid has no preconditions and touches no memory.
    let root = unsafe { libc::geteuid() } == 0;
    // A temporary folder rfm may write in, whoever it runs as.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let run = |stdin: std::fs::File, tmp: &Path| {
        let mut cmd = on_stdin_file(stdin, tmp);
        if root {
            cmd.uid(65534).gid(65534);
        }
        cmd.output().map(outcome)
    };
    let (code, out, err) = match run(first, tmp.path()) {
        Ok(result) => result,
        // `nobody` may not run a binary built under a private folder.
        Err(e) if root => {
            eprintln!("skipped: the binary cannot be run as nobody ({e})");
            return;
        }
        Err(e) => panic!("rfm did not start: {e}"),
    };
    assert_scattered_result(code, &out, &err);
    // Without a temporary folder, the error says it could not copy (had it
    // opened the file again, the run would have worked).
    let (code, _, err) = run(second, Path::new("/nonexistent/rfm-test")).unwrap();
    assert_no_copy(code, &err);
}

/// Stdin redirected from a file but already past its start (`(read -r
/// line; rfm customers -) < orders.csv`) is the rest of the file: opened
/// again, the file would give its first line too, so the rest is copied as
/// it is read, like a pipe.
#[test]
fn stdin_past_the_start_of_its_file_is_the_rest_of_the_file() {
    use std::io::{Seek, SeekFrom};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.csv");
    // A first line that would be taken for the header, were it read.
    let skipped = "skipped,line\n";
    std::fs::write(&path, format!("{skipped}{}", scattered())).unwrap();
    let past = || {
        let mut file = std::fs::File::open(&path).unwrap();
        file.seek(SeekFrom::Start(skipped.len() as u64)).unwrap();
        file
    };
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, err) = run_on_stdin_file(past(), tmp.path());
    assert_scattered_result(code, &out, &err);
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
    // Without a temporary folder there is no copy, and rfm says so rather
    // than read the file again from its start.
    let (code, _, err) = run_on_stdin_file(past(), Path::new("/nonexistent/rfm-test"));
    assert_no_copy(code, &err);
}

/// The error of a run on scattered orders from stdin that could not be
/// copied (no temporary folder).
fn assert_no_copy(code: Option<i32>, err: &str) {
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("<stdin> cannot be read twice (cannot create a temporary file")
            && err.contains("save it to a file"),
        "{err}"
    );
}

/// The copy of stdin is removed by the end of a run (early, once no
/// reading needs it, and closed on a thread of its own), whether the second
/// reading used it (scattered orders) or not.
#[test]
fn the_copy_of_stdin_is_gone_after_the_run() {
    let dir = tempfile::tempdir().unwrap();
    for (text, what) in [(scattered(), "scattered"), (export(50, 0).0, "contiguous")] {
        let mut cmd = rfm();
        cmd.env("TMPDIR", dir.path())
            .env("RFM_WORKERS", "1")
            .args(["customers", "-", "-q"])
            .write_stdin(text);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{what}");
        assert_eq!(leftovers(dir.path()), Vec::<String>::new(), "{what}");
    }
}

#[test]
fn issue_14_a_report_hashes_what_it_read() {
    let (text, _) = export(200, 0);
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("shop.csv.gz");
    let bytes = gzip(text.as_bytes());
    std::fs::write(&gz, &bytes).unwrap();
    let out = dir.path().join("report");
    let (code, _, err) = run(
        &[
            "report",
            gz.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        64,
        3,
        None,
    );
    assert_eq!(code, Some(0), "{err}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let input = &json["inputs"][0];
    assert_eq!(input["bytes"], bytes.len() as u64);
    // The SHA-256 of the compressed file, by a second implementation.
    let sha = sha256_hex(&bytes);
    assert_eq!(input["sha256"], sha.as_str());
    assert!(Path::new(&out).join("customers.csv").exists());
}

/// SHA-256 by `sha256sum`, the tool users check report.json with.
fn sha256_hex(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x");
    std::fs::write(&p, bytes).unwrap();
    let out = std::process::Command::new("sha256sum")
        .arg(&p)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

#[test]
fn issue_14_old_mac_line_ends_read_like_unix_ones() {
    // Lone `\r` line ends (Excel's "CSV (Macintosh)"): the same rows and
    // lines as with `\n`, in blocks of any size (and in linear time: each
    // record is parsed once).
    let (text, lines) = export(3000, 41);
    let unix = text.replace("\r\n", "\n");
    let mac = text.replace("\r\n", "\r");
    let dir = tempfile::tempdir().unwrap();
    let (p_unix, p_mac) = (dir.path().join("unix.csv"), dir.path().join("mac.csv"));
    std::fs::write(&p_unix, &unix).unwrap();
    std::fs::write(&p_mac, &mac).unwrap();
    let (code, reference, _) = run(
        &[
            "customers",
            p_unix.to_str().unwrap(),
            "--skip-bad-rows",
            "-q",
        ],
        1 << 20,
        1,
        None,
    );
    assert_eq!(code, Some(0));
    assert_eq!(parsed(&reference), expected(&lines));
    let bad = lines.iter().find(|l| l.bad).unwrap().line;
    for (block, workers) in [(1 << 22, 2), (300, 3)] {
        let (code, out, err) = run(
            &["customers", p_mac.to_str().unwrap(), "--skip-bad-rows"],
            block,
            workers,
            None,
        );
        assert_eq!(code, Some(0), "{err}");
        assert!(out == reference, "{block}/{workers}");
        assert!(
            err.contains(&format!("mac.csv:{bad}: column 'amount'")),
            "{err}"
        );
    }
}

#[test]
fn issue_14_an_overflow_names_the_row_and_the_scale_of_the_whole_input() {
    // At 6 decimals (from line 4) the running sum of absolute amounts no
    // longer fits 64 bits from line 3 on: 2 x 5e12 x 1e6 > 9.22e18.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f.csv");
    std::fs::write(
        &p,
        "customer_id,order_date,amount\na,2024-01-01,5000000000000\na,2024-01-02,5000000000000\na,2024-01-03,0.000001\n",
    )
    .unwrap();
    let (code, _, err) = run(&["customers", p.to_str().unwrap()], 1 << 20, 2, None);
    assert_eq!(code, Some(1));
    let path = p.to_str().unwrap();
    assert!(
        err.contains(&format!(
            "{path}:3: amounts too large to add up exactly at 6 decimals (the 6 decimals come from {path}:4: '0.000001'"
        )),
        "{err}"
    );
}

#[test]
fn issue_14_a_bad_row_before_a_broken_gzip_stream_is_the_error() {
    // The rows read before the stream breaks are checked first, whatever
    // the block size: the bad date on the last line comes before the end
    // (an input larger than the 64 KiB read ahead for the header).
    let (text, _) = export(3000, 0);
    let text = text + "S1,C001,plain,2025-13-45,1.00\r\n";
    let lines = text.matches('\n').count();
    let mut gz = gzip(text.as_bytes());
    gz.truncate(gz.len() - 8); // the CRC and size trailer
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.csv.gz");
    std::fs::write(&p, &gz).unwrap();
    for block in [1 << 20, 1000] {
        let (code, _, err) = run(&["customers", p.to_str().unwrap()], block, 2, None);
        assert_eq!(code, Some(1));
        assert!(
            err.contains(&format!(
                "cut.csv.gz:{lines}: column 'order_date': cannot read date '2025-13-45'"
            )),
            "{block}: {err}"
        );
    }
}
