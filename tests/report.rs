//! `rfm report` and `rfm compare`: the folder's contents against the
//! commands they mirror, provenance checked independently, atomic
//! replacement under an injected failure, byte-identical re-runs, and
//! migration counts by hand and by an independent join.

mod common;

use common::{
    fixture, folder_contents as contents, leftovers, online_retail_path, path_str, rfm, run_ok,
    segments_of, stdout_of,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

const FILES: [&str; 4] = ["customers.csv", "summary.csv", "report.json", "report.html"];

fn sample() -> String {
    fixture("sample_orders.csv").display().to_string()
}

/// (from key, to key) -> customers by a plain join of two customers files;
/// `""` stands for (new) and (gone).
fn joined(old: &Path, new: &Path) -> HashMap<(String, String), u64> {
    let (old, new) = (segments_of(old), segments_of(new));
    let mut counts = HashMap::new();
    for (id, to) in &new {
        let from = old.get(id).cloned().unwrap_or_default();
        *counts.entry((from, to.clone())).or_default() += 1;
    }
    for (id, from) in &old {
        if !new.contains_key(id) {
            *counts.entry((from.clone(), String::new())).or_default() += 1;
        }
    }
    counts
}

/// migration.csv as (from key, to key) -> customers, zero pairs left out.
fn migration_counts(path: &Path) -> HashMap<(String, String), u64> {
    let mut reader = csv::Reader::from_path(path).expect("opens");
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        [
            "from_segment",
            "to_segment",
            "customers",
            "from_share",
            "from_segment_key",
            "to_segment_key"
        ]
    );
    reader
        .records()
        .map(|r| r.expect("record"))
        .filter(|r| &r[2] != "0")
        .map(|r| {
            (
                (r[4].to_owned(), r[5].to_owned()),
                r[2].parse().expect("count"),
            )
        })
        .collect()
}

#[test]
fn folder_holds_what_the_commands_write() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("reports/2026-W47");
    let stderr = run_ok(&["report", &sample(), "--out", path_str(&out)]);
    let files = contents(&out);
    assert_eq!(files.keys().collect::<Vec<_>>(), {
        let mut f = FILES.to_vec();
        f.sort();
        f
    });
    // The same bytes as the commands' CSV.
    let customers = stdout_of(&["customers", &sample(), "-f", "csv", "-q"]);
    assert_eq!(files["customers.csv"], customers.as_bytes());
    let summary = stdout_of(&["summary", &sample(), "-f", "csv", "-q"]);
    assert_eq!(files["summary.csv"], summary.as_bytes());

    // One result line, counting the customers of customers.csv, after
    // any warnings; the notes are in the report, not on stderr.
    let scored = customers.lines().count() - 1;
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[..lines.len() - 1]
            .iter()
            .all(|l| l.starts_with("warning: ")),
        "{stderr}"
    );
    let last = stderr.lines().last().expect("a line");
    assert_eq!(
        last,
        format!("wrote {}: {scored} customers, 11 segments", out.display())
    );

    // Provenance, each value derived here from the input itself.
    let json: serde_json::Value =
        serde_json::from_slice(&files["report.json"]).expect("report.json is JSON");
    let input = fs::read(fixture("sample_orders.csv")).expect("reads");
    let text = String::from_utf8(input.clone()).expect("utf-8");
    let rows = text.lines().count() - 1;
    let digest: String = Sha256::digest(&input)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(json["tool"], "rfm");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        json.get("generated_at").is_none(),
        "no time without --stamp"
    );
    assert_eq!(json["inputs"][0]["file"], sample());
    assert_eq!(json["inputs"][0]["rows"], rows);
    assert_eq!(json["inputs"][0]["bytes"], input.len());
    assert_eq!(json["inputs"][0]["sha256"], digest);
    assert_eq!(json["customers"], scored);
    // The as-of date is the day after the latest order date in the file.
    let date_col = text
        .lines()
        .next()
        .expect("header")
        .split(',')
        .position(|h| h == "order_date")
        .expect("order_date");
    let latest = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(date_col).expect("date")[..10].to_owned())
        .max()
        .expect("rows");
    let as_of = chrono::NaiveDate::parse_from_str(&latest, "%Y-%m-%d").expect("date")
        + chrono::Days::new(1);
    assert_eq!(json["as_of"], as_of.format("%Y-%m-%d").to_string());
    assert_eq!(json["method"]["scoring"]["r"], "rank, 5 levels");
    assert_eq!(json["definition"]["segments_definition"], "default");
    assert_eq!(
        json["definition"]["cells"].as_array().map(Vec::len),
        Some(125)
    );
    assert_eq!(json["thresholds"].as_array().map(Vec::len), Some(15));
    let segments = json["segments"].as_array().expect("segments");
    assert_eq!(segments.len(), 11);
    let counted: u64 = segments
        .iter()
        .map(|s| s["customers"].as_u64().expect("count"))
        .sum();
    assert_eq!(counted as usize, scored);

    // The page stands alone: no script, no external reference.
    let html = String::from_utf8(files["report.html"].clone()).expect("utf-8");
    for banned in [
        "<script", "<link", "src=", "http://", "https://", "@import", "url(",
    ] {
        assert!(!html.contains(banned), "report.html contains {banned}");
    }
    assert!(html.contains(&format!("RFM report, as of {}", as_of.format("%Y-%m-%d"))));
    assert!(
        html.matches("<svg").count() >= 6,
        "bars, heatmap, histograms"
    );
    for s in segments {
        let name = s["segment"].as_str().expect("name").replace('\'', "&#39;");
        assert!(html.contains(&name), "{name} on the page");
    }
}

#[test]
fn reruns_are_byte_identical_and_stamp_adds_the_time() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b, old) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("old"),
    );
    run_ok(&[
        "report",
        &sample(),
        "--until",
        "2025-05-31",
        "--out",
        path_str(&old),
        "-q",
    ]);
    let args = |out: &Path| {
        vec![
            "report".to_owned(),
            sample(),
            "--out".into(),
            path_str(out).into(),
            "--previous".into(),
            path_str(&old).into(),
            "-q".into(),
        ]
    };
    let run = |out: &Path| {
        let out = rfm().args(args(out)).output().expect("runs");
        assert!(out.status.success());
    };
    run(&a);
    let first = contents(&a);
    assert!(first.contains_key("migration.csv"));
    run(&a);
    assert_eq!(contents(&a), first, "same input, same bytes");
    run(&b);
    assert_eq!(contents(&b), first, "the folder's name is not inside");

    let stamped = tmp.path().join("stamped");
    let mut stamp_args = args(&stamped);
    stamp_args.push("--stamp".into());
    let status = rfm().args(stamp_args).output().expect("runs").status;
    assert!(status.success());
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(stamped.join("report.json")).expect("reads"))
            .expect("JSON");
    let when = json["generated_at"].as_str().expect("a time with --stamp");
    assert!(
        when.starts_with(&chrono::Local::now().format("%Y-").to_string()),
        "{when}"
    );
}

#[test]
fn a_run_failing_half_way_leaves_the_previous_report_untouched() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("weekly");
    run_ok(&[
        "report",
        &sample(),
        "--until",
        "2025-05-31",
        "--out",
        path_str(&out),
        "-q",
    ]);
    let before = contents(&out);
    for file in FILES {
        // A different run (all dates) that fails while writing `file`.
        let result = rfm()
            .args(["report", &sample(), "--out", path_str(&out), "-q"])
            .env("RFM_FAIL_AT", file)
            .output()
            .expect("runs");
        assert_eq!(result.status.code(), Some(1), "{file}");
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(
            stderr.contains("RFM_FAIL_AT") && stderr.contains(file),
            "{stderr}"
        );
        assert_eq!(
            contents(&out),
            before,
            "failing at {file} changed the report"
        );
        assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
    }
    // A first report that fails leaves no folder at all.
    let fresh = tmp.path().join("fresh");
    let status = rfm()
        .args(["report", &sample(), "--out", path_str(&fresh), "-q"])
        .env("RFM_FAIL_AT", "report.html")
        .output()
        .expect("runs")
        .status;
    assert_eq!(status.code(), Some(1));
    assert!(!fresh.exists());
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
    // And the same run without the failure replaces the report.
    run_ok(&["report", &sample(), "--out", path_str(&out), "-q"]);
    assert_ne!(contents(&out)["customers.csv"], before["customers.csv"]);
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
}

#[test]
fn a_folder_that_is_not_a_report_is_never_replaced() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("documents");
    fs::create_dir(&out).expect("mkdir");
    fs::write(out.join("notes.txt"), "mine").expect("writes");
    let err = common::failure_of(&["report", &sample(), "--out", path_str(&out)], 2);
    assert!(
        err.contains("not an rfm report folder") && err.contains("notes.txt"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(out.join("notes.txt")).expect("kept"),
        "mine"
    );
    // An empty folder is fine, and so is a file name for --out: refused.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).expect("mkdir");
    run_ok(&["report", &sample(), "--out", path_str(&empty), "-q"]);
    let err = common::failure_of(
        &[
            "report",
            &sample(),
            "--out",
            path_str(&empty.join("report.json")),
        ],
        2,
    );
    assert!(err.contains("is a file"), "{err}");
}

#[test]
fn out_and_rejects_are_checked_before_the_work() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for out in [".", "x/..", "/"] {
        let err = common::failure_of(&["report", &sample(), "--out", out], 2);
        assert!(
            err.contains("name the report folder itself"),
            "{out}: {err}"
        );
    }
    // A report.json that rfm did not write.
    let foreign = tmp.path().join("other");
    fs::create_dir(&foreign).expect("mkdir");
    fs::write(foreign.join("report.json"), "{}").expect("writes");
    let err = common::failure_of(&["report", &sample(), "--out", path_str(&foreign)], 2);
    assert!(err.contains("no report.json written by rfm"), "{err}");
    // --rejects inside the folder would be deleted with it.
    let out = tmp.path().join("r");
    let err = common::failure_of(
        &[
            "report",
            &sample(),
            "--out",
            path_str(&out),
            "--rejects",
            path_str(&out.join("rejects.csv")),
        ],
        2,
    );
    assert!(err.contains("put it outside --out"), "{err}");
    assert!(!out.exists());
    // A missing --previous says which flag and why.
    let err = common::failure_of(
        &[
            "report",
            &sample(),
            "--out",
            path_str(&out),
            "--previous",
            "nowhere",
        ],
        1,
    );
    assert!(
        err.contains("--previous: cannot read nowhere: No such file"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_private_report_stays_private() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("private");
    run_ok(&["report", &sample(), "--out", path_str(&out), "-q"]);
    fs::set_permissions(&out, fs::Permissions::from_mode(0o700)).expect("chmod");
    let customers = out.join("customers.csv");
    fs::set_permissions(&customers, fs::Permissions::from_mode(0o600)).expect("chmod");
    run_ok(&["report", &sample(), "--out", path_str(&out), "-q"]);
    let mode = |p: &Path| fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode(&out), 0o700);
    assert_eq!(mode(&customers), 0o600);
}

#[test]
fn stdin_has_rows_but_no_hash() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("r");
    let result = rfm()
        .args(["report", "-", "--out", path_str(&out), "-q"])
        .write_stdin(fs::read(fixture("sample_orders.csv")).expect("reads"))
        .output()
        .expect("runs");
    assert!(result.status.success());
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("report.json")).expect("reads")).expect("JSON");
    assert_eq!(json["inputs"][0]["file"], "<stdin>");
    assert_eq!(json["inputs"][0]["rows"], 1027);
    assert!(json["inputs"][0]["sha256"].is_null());
}

#[test]
fn quiet_reports_say_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("r");
    assert_eq!(
        run_ok(&["report", &sample(), "--out", path_str(&out), "-q"]),
        ""
    );
}

/// Two hand-written runs (testdata/compare_old.csv, compare_new.csv); the
/// new one as `--excel` writes it (BOM, `;`, decimal comma). Expected counts
/// worked out by hand: a champions -> champions, b champions -> at risk,
/// c at risk -> champions, e loyal -> at risk; d (lost) is gone; f (new
/// customers) is new.
fn hand_built_pair(_dir: &Path) -> (PathBuf, PathBuf) {
    (fixture("compare_old.csv"), fixture("compare_new.csv"))
}

#[test]
fn compare_counts_a_hand_built_pair() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (old, new) = hand_built_pair(tmp.path());
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&[
        "compare",
        path_str(&old),
        path_str(&new),
        "-f",
        "json",
        "-q",
    ]))
    .expect("JSON");
    // The new run's segments in the built-in order, then the old run's own.
    let keys: Vec<&str> = json["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .map(|s| s["segment_key"].as_str().expect("key"))
        .collect();
    assert_eq!(
        keys,
        [
            "champions",
            "new_customers",
            "at_risk",
            "loyal_customers",
            "lost"
        ]
    );
    assert_eq!(
        json["matrix"],
        serde_json::json!([
            [1, 0, 1, 0, 0],
            [0, 0, 0, 0, 0],
            [1, 0, 0, 0, 0],
            [0, 0, 1, 0, 0],
            [0, 0, 0, 0, 0]
        ])
    );
    assert_eq!(json["new_by_segment"], serde_json::json!([0, 1, 0, 0, 0]));
    assert_eq!(json["gone_by_segment"], serde_json::json!([0, 0, 0, 0, 1]));
    assert_eq!(json["new_customers"], 1);
    assert_eq!(json["gone_customers"], 1);
    assert_eq!(json["changed_segment"], 3);
    assert_eq!(json["kept_segment"], 1);
    // The new run's names (Italian here) label the segments.
    assert_eq!(json["segments"][2]["segment"], "A rischio");

    // The pairs: 5 x 5 segments, a (gone) per segment, a (new) per segment.
    let csv = stdout_of(&["compare", path_str(&old), path_str(&new), "-q"]);
    assert_eq!(csv.lines().count(), 1 + 25 + 5 + 5);
    assert!(
        csv.contains("\nChampions,A rischio,1,0.5000,champions,at_risk\n"),
        "{csv}"
    );
    assert!(csv.contains("\nLost,(gone),1,1.0000,lost,\n"), "{csv}");
    assert!(
        csv.contains("\n(new),New Customers,1,1.0000,,new_customers\n"),
        "{csv}"
    );

    // Movers, most valuable now first; stays are not moves.
    let movers = stdout_of(&[
        "compare",
        path_str(&old),
        path_str(&new),
        "--movers",
        "champions,Loyal Customers..at-risk",
        "-q",
    ]);
    common::assert_text_eq(
        "customer_id,from_segment,to_segment,from_rfm,to_rfm,recency_days,frequency,monetary,from_segment_key,to_segment_key\n\
         e,Loyal Customers,A rischio,,,,,81.00,loyal_customers,at_risk\n\
         b,Champions,A rischio,,,,,55.50,champions,at_risk\n",
        &movers,
    );
    let into_champions = stdout_of(&[
        "compare",
        path_str(&old),
        path_str(&new),
        "--movers",
        "..champions",
        "-q",
    ]);
    assert_eq!(
        into_champions
            .lines()
            .skip(1)
            .map(|l| &l[..1])
            .collect::<Vec<_>>(),
        ["c"]
    );
    let stayed = stdout_of(&[
        "compare",
        path_str(&old),
        path_str(&new),
        "--movers",
        "champions..champions",
        "-q",
    ]);
    assert_eq!(
        stayed.lines().skip(1).map(|l| &l[..1]).collect::<Vec<_>>(),
        ["a"]
    );

    let err = common::failure_of(
        &[
            "compare",
            path_str(&old),
            path_str(&new),
            "--movers",
            "vip..lost",
        ],
        2,
    );
    assert!(err.contains("no segment 'vip'"), "{err}");
}

#[test]
fn compare_names_the_file_and_line_of_a_bad_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (old, _) = hand_built_pair(tmp.path());
    let twice = tmp.path().join("twice.csv");
    fs::write(
        &twice,
        "customer_id,segment_key\nx,lost\ny,lost\nx,champions\n",
    )
    .expect("writes");
    let err = common::failure_of(&["compare", path_str(&old), path_str(&twice)], 1);
    assert!(
        err.contains("twice.csv:4: customer 'x' appears twice (first on line 2)"),
        "{err}"
    );
    let no_segment = tmp.path().join("orders.csv");
    fs::write(&no_segment, "customer_id,amount\nx,1\n").expect("writes");
    let err = common::failure_of(&["compare", path_str(&old), path_str(&no_segment)], 1);
    assert!(
        err.contains("orders.csv:1: no 'segment_key' column"),
        "{err}"
    );
    let err = common::failure_of(&["compare", path_str(&old), path_str(tmp.path())], 1);
    assert!(
        err.contains("NEW: ") && err.contains("no customers.csv in this folder"),
        "{err}"
    );
    let err = common::failure_of(&["compare", "nowhere.csv", path_str(&old)], 1);
    assert!(
        err.contains("OLD: cannot read nowhere.csv: No such file"),
        "{err}"
    );
}

#[test]
fn files_without_keys_are_matched_by_name_in_any_language() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (old, _) = hand_built_pair(tmp.path());
    // Italian names and no segment_key column.
    let italian = tmp.path().join("italian.csv");
    fs::write(
        &italian,
        "customer_id,segment,monetary
a,Campioni,1
b,A rischio,2
c,Campioni,3
d,Persi,4
e,A rischio,5
",
    )
    .expect("writes");
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&[
        "compare",
        path_str(&old),
        path_str(&italian),
        "-f",
        "json",
        "-q",
    ]))
    .expect("JSON");
    // a stays, b and e fell to at risk, c rose, d stayed lost.
    assert_eq!(json["changed_segment"], 3);
    assert_eq!(json["kept_segment"], 2);
    assert_eq!(json["new_customers"], 0);
    assert_eq!(json["segments"].as_array().map(Vec::len), Some(4));
}

#[test]
fn report_migration_equals_an_independent_join() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    // The previous report in the --excel format: read back all the same.
    run_ok(&[
        "report",
        &sample(),
        "--until",
        "2025-05-31",
        "--as-of",
        "2025-06-01",
        "--out",
        path_str(&old),
        "--excel",
        "-q",
    ]);
    let excel = fs::read(old.join("customers.csv")).expect("reads");
    assert!(excel.starts_with(b"\xef\xbb\xbfcustomer_id;"));
    run_ok(&[
        "report",
        &sample(),
        "--out",
        path_str(&new),
        "--previous",
        path_str(&old),
        "-q",
    ]);
    // Join the plain CSV of the same previous run.
    let plain_old = tmp.path().join("old.csv");
    fs::write(
        &plain_old,
        stdout_of(&[
            "customers",
            &sample(),
            "--until",
            "2025-05-31",
            "--as-of",
            "2025-06-01",
            "-f",
            "csv",
            "-q",
        ]),
    )
    .expect("writes");
    let expected = joined(&plain_old, &new.join("customers.csv"));
    assert_eq!(migration_counts(&new.join("migration.csv")), expected);
    // compare on the two folders writes the same migration.csv.
    let compared = stdout_of(&["compare", path_str(&old), path_str(&new), "-q"]);
    assert_eq!(
        compared.as_bytes(),
        fs::read(new.join("migration.csv")).expect("reads")
    );
}

#[test]
fn online_retail_half_year_migration() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = online_retail_path().display().to_string();
    let (june, december) = (tmp.path().join("2011-06-01"), tmp.path().join("2011-12-10"));
    run_ok(&[
        "report",
        &data,
        "--as-of",
        "2011-06-01",
        "--out",
        path_str(&june),
        "-q",
    ]);
    let stderr = run_ok(&[
        "report",
        &data,
        "--as-of",
        "2011-12-10",
        "--out",
        path_str(&december),
        "--previous",
        path_str(&june),
    ]);
    let old = segments_of(&june.join("customers.csv"));
    let new = segments_of(&december.join("customers.csv"));
    assert_eq!(new.len(), 4338);
    let expected = joined(&june.join("customers.csv"), &december.join("customers.csv"));
    assert_eq!(migration_counts(&december.join("migration.csv")), expected);
    let fresh = new.keys().filter(|id| !old.contains_key(*id)).count();
    let gone = old.keys().filter(|id| !new.contains_key(*id)).count();
    assert!(
        stderr.contains(&format!(
            "since the previous: {} new, {gone} gone",
            thousands(fresh)
        )),
        "{stderr}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(december.join("report.json")).expect("reads"))
            .expect("JSON");
    assert_eq!(json["previous"]["new_customers"], fresh);
    assert_eq!(json["inputs"][0]["rows"], 541_909);
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// report.json does not follow the page's language: between `--lang en`
/// and `--lang it` it differs only in the segments' names, descriptions
/// and actions (as it always has), never in a number, date or label.
#[test]
fn report_json_is_the_same_in_every_language_but_for_segment_texts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let old = tmp.path().join("old");
    run_ok(&[
        "report",
        &sample(),
        "--out",
        path_str(&old),
        "--until",
        "2025-05-31",
        "-q",
    ]);
    let mut documents = Vec::new();
    for lang in ["en", "it"] {
        let out = tmp.path().join(lang);
        run_ok(&[
            "report",
            &sample(),
            "--out",
            path_str(&out),
            "--previous",
            path_str(&old),
            "--trend",
            "--lang",
            lang,
            "-q",
        ]);
        let text = fs::read_to_string(out.join("report.json")).expect("report.json");
        let html = fs::read_to_string(out.join("report.html")).expect("report.html");
        assert!(html.contains(&format!("<html lang=\"{lang}\">")));
        documents.push(text);
    }
    /// The document with the language's texts blanked, and how many
    /// were.
    fn neutral(text: &str) -> (serde_json::Value, usize) {
        fn blank(v: &mut serde_json::Value, n: &mut usize) {
            match v {
                serde_json::Value::Object(map) => {
                    for (key, value) in map.iter_mut() {
                        if matches!(key.as_str(), "segment" | "description" | "action")
                            && value.is_string()
                        {
                            *value = serde_json::Value::Null;
                            *n += 1;
                        } else {
                            blank(value, n);
                        }
                    }
                }
                serde_json::Value::Array(items) => items.iter_mut().for_each(|i| blank(i, n)),
                _ => {}
            }
        }
        let mut v: serde_json::Value = serde_json::from_str(text).expect("JSON");
        let mut n = 0;
        blank(&mut v, &mut n);
        (v, n)
    }
    let (en, it) = (neutral(&documents[0]), neutral(&documents[1]));
    assert!(en.1 > 30, "{} segment texts only", en.1);
    assert_eq!(en, it);
    assert_ne!(
        documents[0], documents[1],
        "the segment names are translated"
    );
    // Line by line (the document is pretty-printed): every line that
    // differs holds a segment text.
    let (a, b): (Vec<&str>, Vec<&str>) = (
        documents[0].lines().collect(),
        documents[1].lines().collect(),
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        if x != y {
            assert!(
                ["\"segment\":", "\"description\":", "\"action\":"]
                    .iter()
                    .any(|k| x.contains(k)),
                "{x} / {y}"
            );
        }
    }
}
