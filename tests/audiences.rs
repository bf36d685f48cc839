//! `rfm audiences`: the files against what `rfm customers`, `rfm summary`
//! and `rfm compare --movers` say (parsed here with the csv crate), the
//! Mailchimp and Klaviyo layouts on small files with the expected rows
//! written by hand, byte-identical re-runs, and the folder's atomic
//! replacement.

mod common;

use common::{
    failure_of, fixture, folder_contents as contents, leftovers, online_retail_path, path_str, rfm,
    run_ok, segments_of, stdout_of,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

/// A CSV's header and records.
fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let records = reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect();
    (header, records)
}

/// A column of a CSV's records.
fn column(header: &[String], records: &[Vec<String>], name: &str) -> Vec<String> {
    let i = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    records.iter().map(|r| r[i].clone()).collect()
}

/// The segment files of an audiences folder: segment key -> file bytes.
fn segment_files(files: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, &Vec<u8>> {
    files
        .iter()
        .filter(|(name, _)| !name.contains('/') && name.ends_with(".csv"))
        .map(|(name, bytes)| (name.trim_end_matches(".csv").to_owned(), bytes))
        .collect()
}

/// Plain CSV as the importers want it: UTF-8, no BOM, no CR.
fn assert_plain_csv(name: &str, bytes: &[u8]) {
    assert!(!bytes.starts_with(b"\xef\xbb\xbf"), "{name}: a BOM");
    assert!(!bytes.contains(&b'\r'), "{name}: CR line ends");
    assert!(std::str::from_utf8(bytes).is_ok(), "{name}: not UTF-8");
}

#[test]
fn online_retail_files_together_are_the_customers_output() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = online_retail_path();
    let data = path_str(&data);
    let out = tmp.path().join("audiences");
    run_ok(&[
        "audiences",
        data,
        "--keep",
        "Country",
        "--out",
        path_str(&out),
        "-q",
    ]);
    let customers = stdout_of(&["customers", data, "--keep", "Country", "-f", "csv", "-q"]);
    let summary = stdout_of(&["summary", data, "-f", "csv", "-q"]);

    // id -> (Country, segment, segment_key), as rfm customers writes them.
    let (header, records) = read_csv(customers.as_bytes());
    let expected: HashMap<String, [String; 3]> = {
        let [id, country, name, key] = ["customer_id", "Country", "segment", "segment_key"]
            .map(|c| column(&header, &records, c));
        (0..id.len())
            .map(|i| {
                (
                    id[i].clone(),
                    [country[i].clone(), name[i].clone(), key[i].clone()],
                )
            })
            .collect()
    };
    let files = contents(&out);
    let segments = segment_files(&files);
    let mut seen = BTreeSet::new();
    for (key, bytes) in &segments {
        assert_plain_csv(key, bytes);
        let (header, records) = read_csv(bytes);
        assert_eq!(header, ["customer_id", "Country", "segment", "segment_key"]);
        let ids = column(&header, &records, "customer_id");
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "{key}.csv is in customer id order");
        for record in &records {
            let want = &expected[&record[0]];
            assert_eq!(&record[1..], &want[..], "customer {}", record[0]);
            assert_eq!(&record[3], key, "customer {} in {key}.csv", record[0]);
            assert!(seen.insert(record[0].clone()), "{} twice", record[0]);
        }
    }
    assert_eq!(seen.len(), expected.len(), "every customer in one file");

    // One file per non-empty segment, as many rows as the summary counts.
    let (header, records) = read_csv(summary.as_bytes());
    let keys = column(&header, &records, "segment_key");
    let counts = column(&header, &records, "customers");
    for (key, n) in keys.iter().zip(&counts) {
        let n: usize = n.parse().expect("count");
        match segments.get(key) {
            Some(bytes) => assert_eq!(read_csv(bytes).1.len(), n, "{key}"),
            None => assert_eq!(n, 0, "{key} has customers and no file"),
        }
    }
    assert_eq!(
        segments.keys().collect::<BTreeSet<_>>(),
        keys.iter()
            .zip(&counts)
            .filter(|(_, n)| *n != "0")
            .map(|(k, _)| k)
            .collect::<BTreeSet<_>>()
    );
    // audiences.json lists the same files and counts.
    let marker: serde_json::Value = serde_json::from_slice(&files["audiences.json"]).expect("json");
    assert_eq!(marker["tool"], "rfm");
    assert_eq!(marker["kind"], "audiences");
    assert_eq!(marker["options"]["style"], "plain");
    assert_eq!(marker["customers"], expected.len());
    let listed: BTreeMap<String, usize> = marker["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["file"].as_str().expect("file").to_owned(),
                f["rows"].as_u64().expect("rows") as usize,
            )
        })
        .collect();
    let written: BTreeMap<String, usize> = segments
        .iter()
        .map(|(k, b)| (format!("{k}.csv"), read_csv(b).1.len()))
        .collect();
    assert_eq!(listed, written);
}

#[test]
fn entered_and_left_are_the_moves_compare_reports() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sample = fixture("sample_orders.csv");
    let sample = path_str(&sample);
    // Two windows: customers appear, disappear and change segment.
    let old_window = ["--until", "2025-06-30"];
    let new_window = ["--since", "2024-10-01"];
    let (old_dir, new_dir) = (tmp.path().join("old"), tmp.path().join("new"));
    let keep = ["--keep", "sku"];
    let run = |window: [&str; 2], out: &Path, previous: Option<&Path>| {
        let mut args = vec!["audiences", sample, window[0], window[1]];
        args.extend(keep);
        args.extend(["--out", path_str(out), "-q"]);
        if let Some(p) = previous {
            args.extend(["--previous", path_str(p)]);
        }
        run_ok(&args)
    };
    run(old_window, &old_dir, None);
    run(new_window, &new_dir, Some(&old_dir));
    let (old_csv, new_csv) = (tmp.path().join("old.csv"), tmp.path().join("new.csv"));
    for (window, path) in [(old_window, &old_csv), (new_window, &new_csv)] {
        stdout_of(&[
            "customers",
            sample,
            window[0],
            window[1],
            "--keep",
            "sku",
            "-q",
            "-o",
            path_str(path),
        ]);
    }

    // What compare says: the movers between segments...
    let movers = stdout_of(&[
        "compare",
        path_str(&old_csv),
        path_str(&new_csv),
        "--movers",
        "..",
        "-f",
        "csv",
        "-q",
    ]);
    let mut entered: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut left: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let (header, records) = read_csv(movers.as_bytes());
    let ids = column(&header, &records, "customer_id");
    let from = column(&header, &records, "from_segment_key");
    let to = column(&header, &records, "to_segment_key");
    for i in 0..ids.len() {
        entered
            .entry(to[i].clone())
            .or_default()
            .insert(ids[i].clone());
        left.entry(from[i].clone())
            .or_default()
            .insert(ids[i].clone());
    }
    assert!(!ids.is_empty(), "the windows give movers");
    // ...plus the new and the gone customers, by a join of the two files.
    let (old, new) = (segments_of(&old_csv), segments_of(&new_csv));
    let mut arrivals = 0;
    for (id, key) in &new {
        if !old.contains_key(id) {
            entered.entry(key.clone()).or_default().insert(id.clone());
            arrivals += 1;
        }
    }
    let mut departures = 0;
    for (id, key) in &old {
        if !new.contains_key(id) {
            left.entry(key.clone()).or_default().insert(id.clone());
            departures += 1;
        }
    }
    assert!(
        arrivals > 0 && departures > 0,
        "the windows give new and gone customers"
    );

    let files = contents(&new_dir);
    let old_files = contents(&old_dir);
    let rows_of = |files: &BTreeMap<String, Vec<u8>>, name: &str| -> Vec<Vec<String>> {
        files.get(name).map(|b| read_csv(b).1).unwrap_or_default()
    };
    // Each customer's row now, and then.
    let row_now: HashMap<String, Vec<String>> = segment_files(&files)
        .values()
        .flat_map(|b| read_csv(b).1)
        .map(|r| (r[0].clone(), r))
        .collect();
    let row_then: HashMap<String, Vec<String>> = segment_files(&old_files)
        .values()
        .flat_map(|b| read_csv(b).1)
        .map(|r| (r[0].clone(), r))
        .collect();
    for (kind, expected) in [("entered", &entered), ("left", &left)] {
        let written: BTreeMap<String, BTreeSet<String>> = files
            .keys()
            .filter_map(|name| name.strip_prefix(&format!("{kind}/")))
            .map(|name| {
                let rows = rows_of(&files, &format!("{kind}/{name}"));
                let ids: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
                let mut sorted = ids.clone();
                sorted.sort();
                assert_eq!(ids, sorted, "{kind}/{name} is in customer id order");
                for row in &rows {
                    // Entered: the row now. Left: the row now if still a
                    // customer, else the row of the earlier run.
                    let want = row_now.get(&row[0]).or(if kind == "left" {
                        row_then.get(&row[0])
                    } else {
                        None
                    });
                    assert_eq!(Some(row), want, "{kind}/{name}");
                }
                (
                    name.trim_end_matches(".csv").to_owned(),
                    ids.into_iter().collect(),
                )
            })
            .collect();
        assert_eq!(&written, expected, "{kind}");
    }
    // Same columns in every file.
    let header = read_csv(&files["champions.csv"]).0;
    assert_eq!(header, ["customer_id", "sku", "segment", "segment_key"]);
    for (name, bytes) in &files {
        if name.ends_with(".csv") {
            assert_eq!(read_csv(bytes).0, header, "{name}");
        }
    }
}

/// A hand-made export: an id column, emails in two columns (one with a
/// duplicate in another case, one that is no address), a customer whose id
/// is an address, phones in national and international forms, names to
/// split, a consent column, and notes that need quoting (or cutting).
fn hand_export(dir: &Path) -> PathBuf {
    let long = "x".repeat(300);
    let text = format!(
        "customer_id,order_date,amount,Email,Billing Email,Billing Name,Shipping Phone,Billing Country,Accepts Marketing,Notes\n\
         c01,2025-01-20,120.00,Ann@Example.COM,,Ann Lee,+44 20 7946 0000,GB,yes,\"Likes \"\"tea\"\", not coffee\"\n\
         c02,2024-06-01,40.00,ann@example.com,,Ann Lee,,GB,no,\n\
         c03,2025-01-25,30.00,,bo@Shop.NET,Bo,,,no,{long}\n\
         c04,2024-06-01,20.00,not an email,,Cy Dee,,US,no,\n\
         c05,2024-06-02,25.00,,,Di Fox,0033 1 23 45 67 89,FR,yes,\n\
         dan@example.org,2024-06-03,60.00,,,Dan Brown,,US,YES,\n\
         c07,2024-06-04,50.00,eve@example.com,,Eve Stone,,FR,no,\n\
         c08,2024-06-04,80.00,EVE@example.com,,Eve Stone,,FR,no,\n\
         c09,2024-06-05,10.00,fay@example.com,,Fay,,,maybe,\n\
         c10,2024-06-05,10.00,fay@example.com,,Fay Other,,,no,\n"
    );
    let path = dir.join("orders.csv");
    fs::write(&path, text).expect("writes");
    two_segments(dir);
    path
}

/// Two segments by recency alone (with [`hand_flags`]): orders in the 30
/// days before 2025-01-31 make `Recent, active` (key `recent_active`), the
/// others `Older` (key `others`).
fn two_segments(dir: &Path) {
    fs::write(
        dir.join("two.toml"),
        "levels = 2\nothers = \"Older\"\n\n[[rule]]\nsegment = \"Recent, active\"\nr = 2\n",
    )
    .expect("writes");
}

/// The flags that score the hand-made export into its two segments.
fn hand_flags(dir: &Path) -> Vec<String> {
    [
        "--as-of",
        "2025-01-31",
        "--r-bins",
        "30",
        "--bins",
        "2",
        "--segments",
        path_str(&dir.join("two.toml")),
    ]
    .map(str::to_owned)
    .to_vec()
}

fn audiences(dir: &Path, out: &Path, extra: &[&str]) -> String {
    let orders = dir.join("orders.csv");
    let flags = hand_flags(dir);
    let mut args = vec!["audiences", path_str(&orders), "--out", path_str(out)];
    args.extend(flags.iter().map(String::as_str));
    args.extend(extra);
    run_ok(&args)
}

fn text(files: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(
        files
            .get(name)
            .unwrap_or_else(|| panic!("no {name}"))
            .clone(),
    )
    .expect("utf-8")
}

/// `rfm audiences` on the hand-made export with `--style style --keep
/// keep`: the folder's files and stderr.
fn hand_run(style: &str, keep: &str) -> (BTreeMap<String, Vec<u8>>, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    hand_export(tmp.path());
    let out = tmp.path().join(style);
    let stderr = audiences(tmp.path(), &out, &["--style", style, "--keep", keep]);
    (contents(&out), stderr)
}

#[test]
fn mailchimp_maps_dedupes_and_drops_as_written_by_hand() {
    let (files, stderr) = hand_run(
        "mailchimp",
        "Email,Billing Email,Billing Name,Shipping Phone,Billing Country,Notes",
    );
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["audiences.json", "others.csv", "recent_active.csv"]
    );
    let cut = "x".repeat(255);
    // c01 keeps ann@ (c02 has it too, with an older last order); c03's
    // Email is empty, so its Billing Email; the notes are quoted, and cut
    // to 255 bytes; the comma of the segment name is not in the tag.
    assert_eq!(
        text(&files, "recent_active.csv"),
        format!(
            "Email Address,First Name,Last Name,Phone Number,Country,Notes,Tags,Customer ID\n\
             Ann@example.com,Ann,Lee,+442079460000,GB,\"Likes \"\"tea\"\", not coffee\",RFM Recent  active,c01\n\
             bo@shop.net,Bo,,,,{cut},RFM Recent  active,c03\n"
        )
    );
    // eve@: same last order, c08 has the higher monetary; fay@: same last
    // order and monetary, c09 has the smaller id; dan@example.org has no
    // email column but its id is one.
    assert_eq!(
        text(&files, "others.csv"),
        "Email Address,First Name,Last Name,Phone Number,Country,Notes,Tags,Customer ID\n\
         EVE@example.com,Eve,Stone,,FR,,RFM Older,c08\n\
         fay@example.com,Fay,,,,,RFM Older,c09\n\
         dan@example.org,Dan,Brown,,US,,RFM Older,dan@example.org\n"
    );
    for line in [
        "note: mailchimp: 'Email' -> Email Address\n",
        "note: mailchimp: 'Billing Email' -> Email Address (where 'Email' is empty)\n",
        "note: mailchimp: 'Shipping Phone' -> Phone Number\n",
        "note: mailchimp: 'Billing Country' -> Country\n",
        "note: recent_active.csv: 2 rows\n",
        "note: others.csv: 3 rows\n",
        "warning: 1 value of 'Notes' cut to 255 bytes",
        "duplicate email 3: c02 (others, 'ann@example.com'), c07 (others, 'eve@example.com'), c10 (others, 'fay@example.com')",
        "invalid email 1: c04 (others, 'not an email')",
        "no email 1: c05 (others)",
    ] {
        assert!(stderr.contains(line), "{line:?} not in:\n{stderr}");
    }
    assert!(
        stderr.contains("'Billing Name' -> First Name + Last Name (split at the first space"),
        "{stderr}"
    );
    // audiences.json lists the customers left out.
    let marker: serde_json::Value = serde_json::from_slice(&files["audiences.json"]).expect("json");
    let left_out: Vec<(String, String)> = marker["left_out"]
        .as_array()
        .expect("list")
        .iter()
        .map(|d| {
            (
                d["customer_id"].as_str().expect("id").to_owned(),
                d["reason"].as_str().expect("reason").to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("c02", "duplicate email"),
        ("c04", "invalid email"),
        ("c05", "no email"),
        ("c07", "duplicate email"),
        ("c10", "duplicate email"),
    ]
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .to_vec();
    assert_eq!(left_out, expected);
    assert_eq!(marker["written"], 5);
    assert_eq!(marker["customers"], 10);
}

#[test]
fn mailchimp_takes_an_email_id_when_no_email_is_kept_and_stops_without_any() {
    let (files, stderr) = hand_run("mailchimp", "Billing Name");
    assert!(
        stderr.contains("mailchimp: customer id -> Email Address (no email column kept"),
        "{stderr}"
    );
    // No Customer ID column: it would repeat the address.
    assert_eq!(
        text(&files, "others.csv"),
        "Email Address,First Name,Last Name,Tags\ndan@example.org,Dan,Brown,RFM Older\n"
    );
    assert!(!files.contains_key("recent_active.csv"));
    // Ids that are no addresses and no email kept: nothing to import.
    let tmp = tempfile::tempdir().expect("tempdir");
    let sample = fixture("sample_orders.csv");
    let missing = tmp.path().join("none");
    let err = failure_of(
        &[
            "audiences",
            path_str(&sample),
            "--style",
            "mailchimp",
            "--out",
            path_str(&missing),
        ],
        2,
    );
    assert!(
        err.contains("--style mailchimp needs an email column") && err.contains("--keep"),
        "{err}"
    );
    assert!(!missing.exists());
}

#[test]
fn klaviyo_consent_phone_only_rows_as_written_by_hand() {
    let (files, stderr) = hand_run("klaviyo", "Email,Shipping Phone,Accepts Marketing");
    // c03 has neither an email (Billing Email is not kept) nor a phone.
    assert_eq!(
        text(&files, "recent_active.csv"),
        "Email,Phone Number,Country,Email Marketing Consent,RFM Segment,Customer ID\n\
         Ann@example.com,+442079460000,,Subscribed,\"Recent, active\",c01\n"
    );
    // c05: a phone and no email; 'maybe' is not a yes.
    assert_eq!(
        text(&files, "others.csv"),
        "Email,Phone Number,Country,Email Marketing Consent,RFM Segment,Customer ID\n\
         ,+33123456789,,Subscribed,Older,c05\n\
         EVE@example.com,,,,Older,c08\n\
         fay@example.com,,,,Older,c09\n\
         dan@example.org,,,Subscribed,Older,dan@example.org\n"
    );
    for line in [
        "note: klaviyo: 'Accepts Marketing' -> Email Marketing Consent\n",
        "no email or phone 1: c03 (recent_active)",
        "warning: 1 value of 'Accepts Marketing' neither yes nor no",
    ] {
        assert!(stderr.contains(line), "{line:?} not in:\n{stderr}");
    }
}

#[test]
fn shopify_export_mapped_for_both_tools() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let shopify = fixture("platforms/shopify_orders.csv");
    let keep = "Email,Billing Name,Billing Phone,Billing Country,Accepts Marketing";
    let (mailchimp, klaviyo) = (tmp.path().join("m"), tmp.path().join("k"));
    for (style, out) in [("mailchimp", &mailchimp), ("klaviyo", &klaviyo)] {
        run_ok(&[
            "audiences",
            path_str(&shopify),
            "--style",
            style,
            "--keep",
            keep,
            "--out",
            path_str(out),
            "-q",
        ]);
    }
    // The four customers of the fixture (docs in its .expected.md): Dana
    // ordered as a guest with a phone and no email. Alice and Bob said no
    // to marketing: the non-subscribed files, without the consent column.
    let m = contents(&mailchimp);
    let header = "Email Address,First Name,Last Name,Phone Number,Country,Tags,Customer ID\n";
    assert_eq!(
        text(&m, "loyal_customers.non-subscribed.csv"),
        format!(
            "{header}alice@example.com,Alice,Archer,(413) 555-0101,US,RFM Loyal Customers,alice@example.com\n"
        )
    );
    assert_eq!(
        text(&m, "hibernating.non-subscribed.csv"),
        format!("{header}Bob@example.com,Bob,Baker,,US,RFM Hibernating,bob@example.com\n")
    );
    assert!(!m.contains_key("loyal_customers.csv"));
    assert!(!m.contains_key("potential_loyalist.csv"));
    let k = contents(&klaviyo);
    assert_eq!(
        text(&k, "potential_loyalist.csv"),
        "Email,Phone Number,First Name,Last Name,Country,Email Marketing Consent,RFM Segment,Customer ID\n\
         ,+15555550123,Dana,Guest,US,,Potential Loyalist,+15555550123\n"
    );
}

#[test]
fn reruns_are_byte_identical() {
    let tmp = tempfile::tempdir().expect("tempdir");
    hand_export(tmp.path());
    let keep = [
        "--style",
        "mailchimp",
        "--keep",
        "Email,Billing Email,Billing Name,Notes",
    ];
    let (first, second) = (tmp.path().join("first"), tmp.path().join("second"));
    audiences(tmp.path(), &first, &keep);
    let mut with_previous = keep.to_vec();
    with_previous.extend(["--previous", path_str(&first)]);
    audiences(tmp.path(), &second, &with_previous);
    let before = contents(&second);
    // Again, over itself (the previous is read before the folder is
    // replaced), and into a new folder.
    audiences(tmp.path(), &second, &with_previous);
    assert_eq!(contents(&second), before);
    let third = tmp.path().join("third");
    audiences(tmp.path(), &third, &with_previous);
    assert_eq!(contents(&third), before);
    // The same data: nobody entered or left.
    assert!(
        before.keys().all(|k| !k.contains('/')),
        "{:?}",
        before.keys()
    );
}

#[test]
fn the_folder_is_replaced_whole_or_not_at_all() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sample = fixture("sample_orders.csv");
    let sample = path_str(&sample);
    let out = tmp.path().join("audiences");
    run_ok(&[
        "audiences",
        sample,
        "--until",
        "2025-05-31",
        "--out",
        path_str(&out),
        "-q",
    ]);
    let before = contents(&out);
    // A different run that fails while writing its last file.
    let result = rfm()
        .args(["audiences", sample, "--out", path_str(&out), "-q"])
        .env("RFM_FAIL_AT", "audiences.json")
        .output()
        .expect("runs");
    assert_eq!(result.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&result.stderr).contains("RFM_FAIL_AT"));
    assert_eq!(contents(&out), before);
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
    // With --previous, entered/ and left/ are written; a run without it
    // replaces the folder, subfolders and all.
    let previous = tmp.path().join("previous");
    fs::rename(&out, &previous).expect("moves");
    run_ok(&[
        "audiences",
        sample,
        "--out",
        path_str(&out),
        "--previous",
        path_str(&previous),
        "-q",
    ]);
    assert!(contents(&out).keys().any(|k| k.starts_with("entered/")));
    run_ok(&["audiences", sample, "--out", path_str(&out), "-q"]);
    assert!(contents(&out).keys().all(|k| !k.contains('/')));
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
}

#[test]
fn a_folder_rfm_audiences_did_not_write_is_never_replaced() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sample = fixture("sample_orders.csv");
    let sample = path_str(&sample);
    // Someone's documents.
    let documents = tmp.path().join("documents");
    fs::create_dir(&documents).expect("mkdir");
    fs::write(documents.join("notes.txt"), "mine").expect("writes");
    let err = failure_of(&["audiences", sample, "--out", path_str(&documents)], 2);
    assert!(
        err.contains("not an rfm audiences folder") && err.contains("notes.txt"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(documents.join("notes.txt")).expect("kept"),
        "mine"
    );
    // A report folder is not an audiences folder, nor the other way round.
    let report = tmp.path().join("report");
    stdout_of(&["report", sample, "--out", path_str(&report), "-q"]);
    let err = failure_of(&["audiences", sample, "--out", path_str(&report)], 2);
    assert!(err.contains("no audiences.json written by rfm"), "{err}");
    let out = tmp.path().join("audiences");
    run_ok(&["audiences", sample, "--out", path_str(&out), "-q"]);
    let err = failure_of(&["report", sample, "--out", path_str(&out)], 2);
    assert!(err.contains("not an rfm report folder"), "{err}");
    // Audiences with a file saved into them since.
    fs::write(out.join("champions-edited.csv"), "mine").expect("writes");
    let err = failure_of(&["audiences", sample, "--out", path_str(&out)], 2);
    assert!(err.contains("champions-edited.csv"), "{err}");
    fs::remove_file(out.join("champions-edited.csv")).expect("removes");
    // An empty folder is fine; a file is not a folder.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).expect("mkdir");
    run_ok(&["audiences", sample, "--out", path_str(&empty), "-q"]);
    let err = failure_of(
        &[
            "audiences",
            sample,
            "--out",
            path_str(&empty.join("champions.csv")),
        ],
        2,
    );
    assert!(err.contains("is a file"), "{err}");
    // --previous must be audiences of the same style.
    let err = failure_of(
        &[
            "audiences",
            sample,
            "--out",
            path_str(&tmp.path().join("x")),
            "--previous",
            path_str(&report),
        ],
        1,
    );
    assert!(
        err.contains("--previous") && err.contains("not an rfm audiences folder"),
        "{err}"
    );
    let err = failure_of(
        &[
            "audiences",
            sample,
            "--out",
            path_str(&tmp.path().join("x")),
            "--previous",
            path_str(&out),
            "--style",
            "klaviyo",
            "--keep",
            "customer_id",
        ],
        2,
    );
    assert!(err.contains("--style plain"), "{err}");
}

#[test]
fn by_groups_and_colliding_columns_are_refused_before_the_work() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sample = fixture("sample_orders.csv");
    let out = tmp.path().join("a");
    for style in ["plain", "mailchimp", "klaviyo"] {
        let err = failure_of(
            &[
                "audiences",
                path_str(&sample),
                "--by",
                "sku",
                "--style",
                style,
                "--out",
                path_str(&out),
            ],
            2,
        );
        assert!(
            err.contains("run audiences once per group with --where instead"),
            "{err}"
        );
    }
    let err = failure_of(
        &[
            "audiences",
            path_str(&sample),
            "--style",
            "mailchimp",
            "--keep",
            "email,Tags",
            "--out",
            path_str(&out),
        ],
        2,
    );
    assert!(err.contains("'Tags'") && err.contains("--keep"), "{err}");
    assert!(!out.exists());
}

/// `rfm audiences ORDERS --out OUT` scored with [`hand_flags`] (the
/// definition beside ORDERS), with `extra` flags and, when given, the size
/// above which a Klaviyo file is cut into parts lowered to `part_bytes`
/// (`RFM_AUDIENCE_PART_BYTES`, a debug-build switch): its stderr.
fn run_parts(orders: &Path, out: &Path, extra: &[&str], part_bytes: Option<usize>) -> String {
    let dir = orders.parent().expect("a folder");
    let mut command = rfm();
    command
        .args(["audiences", path_str(orders), "--out", path_str(out)])
        .args(hand_flags(dir))
        .args(extra);
    if let Some(bytes) = part_bytes {
        command.env("RFM_AUDIENCE_PART_BYTES", bytes.to_string());
    }
    let result = command.output().expect("runs");
    let stderr = String::from_utf8(result.stderr).expect("utf-8");
    assert!(result.status.success(), "{stderr}");
    stderr
}

/// The CSV files of a folder (audiences.json left out) as text, with the
/// parts of each file cut into parts put back together: `others.part1.csv`,
/// `others.part2.csv`... become `others.csv`, the header kept once. Checks
/// every part on the way: numbered from 1 without a gap, at most `limit`
/// bytes, starting with the header, holding at least one row.
fn joined(files: &BTreeMap<String, Vec<u8>>, limit: usize) -> BTreeMap<String, String> {
    let mut whole: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut cut: BTreeMap<String, BTreeMap<usize, &Vec<u8>>> = BTreeMap::new();
    for (name, bytes) in files.iter().filter(|(n, _)| n.ends_with(".csv")) {
        let part = name
            .trim_end_matches(".csv")
            .rsplit_once(".part")
            .and_then(|(base, n)| Some((base, n.parse::<usize>().ok()?)));
        match part {
            Some((base, n)) => {
                cut.entry(format!("{base}.csv"))
                    .or_default()
                    .insert(n, bytes);
            }
            None => {
                whole.insert(name.clone(), bytes.clone());
            }
        }
    }
    for (name, parts) in cut {
        assert!(!whole.contains_key(&name), "{name} both whole and in parts");
        assert!(parts.len() > 1, "{name} in one part");
        assert_eq!(
            parts.keys().copied().collect::<Vec<_>>(),
            (1..=parts.len()).collect::<Vec<_>>(),
            "{name}"
        );
        // The headers of these files hold no line break.
        let first = parts[&1];
        let header = &first[..=first.iter().position(|&b| b == b'\n').expect("header")];
        let mut all = header.to_vec();
        for (n, bytes) in parts {
            assert!(
                bytes.len() <= limit,
                "{name} part {n}: {} bytes",
                bytes.len()
            );
            assert!(bytes.starts_with(header), "{name} part {n}: no header");
            assert!(bytes.len() > header.len(), "{name} part {n}: no row");
            all.extend_from_slice(&bytes[header.len()..]);
        }
        whole.insert(name, all);
    }
    whole
        .into_iter()
        .map(|(name, bytes)| (name, String::from_utf8(bytes).expect("utf-8")))
        .collect()
}

/// audiences.json's `files`: (file, kind, segment_key, status, part, rows),
/// checked against the folder: every CSV listed once, with its rows.
fn listed(files: &BTreeMap<String, Vec<u8>>) -> Vec<(String, String, String, String, u64, usize)> {
    let marker: serde_json::Value = serde_json::from_slice(&files["audiences.json"]).expect("json");
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("null").to_owned();
    let list: Vec<_> = marker["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                text(&f["file"]),
                text(&f["kind"]),
                text(&f["segment_key"]),
                text(&f["status"]),
                f["part"].as_u64().unwrap_or(0),
                f["rows"].as_u64().expect("rows") as usize,
            )
        })
        .collect();
    let csvs: BTreeSet<&String> = files.keys().filter(|n| n.ends_with(".csv")).collect();
    assert_eq!(list.iter().map(|f| &f.0).collect::<BTreeSet<_>>(), csvs);
    assert_eq!(list.len(), csvs.len(), "a file listed twice");
    for f in &list {
        assert_eq!(read_csv(&files[&f.0]).1.len(), f.5, "{}", f.0);
    }
    list
}

/// Klaviyo orders (`Email`, `Notes`): in week 1 seven older customers
/// (k04's note holds a line break and a comma, so it is quoted over two
/// lines) and two recent ones; in week 2 k07 is gone, n01 is new and k02
/// ordered again, so it is recent.
fn klaviyo_orders(dir: &Path, week: u8) -> PathBuf {
    let mut text = String::from("customer_id,order_date,amount,Email,Notes\n");
    let k02 = if week == 1 {
        "2024-06-02"
    } else {
        "2025-01-25"
    };
    let mut orders = vec![
        ("k01", "2024-06-01", ""),
        ("k02", k02, ""),
        ("k03", "2024-06-03", ""),
        ("k04", "2024-06-04", "\"call\nback, later\""),
        ("k05", "2024-06-05", ""),
        ("k06", "2024-06-06", ""),
        ("r01", "2025-01-20", ""),
        ("r02", "2025-01-21", ""),
    ];
    orders.push(if week == 1 {
        ("k07", "2024-06-07", "")
    } else {
        ("n01", "2024-06-08", "")
    });
    for (id, date, note) in orders {
        text.push_str(&format!("{id},{date},10.00,{id}@x.com,{note}\n"));
    }
    let path = dir.join(format!("week{week}.csv"));
    fs::write(&path, text).expect("writes");
    two_segments(dir);
    path
}

#[test]
fn klaviyo_files_over_the_limit_are_written_in_parts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (week1, week2) = (klaviyo_orders(tmp.path(), 1), klaviyo_orders(tmp.path(), 2));
    let klaviyo = ["--style", "klaviyo", "--keep", "Email,Notes"];
    let dir = |name: &str| tmp.path().join(name);
    let (whole_dir, cut_dir) = (dir("whole"), dir("cut"));
    run_parts(&week1, &dir("whole"), &klaviyo, None);
    let stderr = run_parts(&week1, &dir("cut"), &klaviyo, Some(100));
    let (whole, cut) = (contents(&dir("whole")), contents(&dir("cut")));

    // By hand: a 36-byte header; rows of 21 bytes (k01@x.com,,Older,k01),
    // 39 for k04 (its note quoted) and 32 for a recent one (the segment
    // name quoted). Older is 201 bytes: k01-k03 make 99, k04 and k05 96,
    // k06 and k07 78. Recent, active is 100 bytes: not over, kept whole.
    let header = "Email,Notes,RFM Segment,Customer ID\n";
    let row = |id: &str| format!("{id}@x.com,,Older,{id}\n");
    assert_eq!(
        text(&cut, "others.part1.csv"),
        format!("{header}{}{}{}", row("k01"), row("k02"), row("k03"))
    );
    assert_eq!(
        text(&cut, "others.part2.csv"),
        format!(
            "{header}k04@x.com,\"call\nback, later\",Older,k04\n{}",
            row("k05")
        )
    );
    assert_eq!(
        text(&cut, "others.part3.csv"),
        format!("{header}{}{}", row("k06"), row("k07"))
    );
    assert_eq!(cut["recent_active.csv"].len(), 100);
    assert_eq!(
        cut.keys().collect::<Vec<_>>(),
        [
            "audiences.json",
            "others.part1.csv",
            "others.part2.csv",
            "others.part3.csv",
            "recent_active.csv"
        ]
    );
    // Put back together, the parts are the file of the run without a
    // limit.
    let whole_csv = joined(&whole, usize::MAX);
    assert_eq!(joined(&cut, 100), whole_csv);
    // audiences.json lists every part; stderr names them.
    let null = "null".to_owned();
    let entry = |file: &str, key: &str, part: u64, rows: usize| {
        (
            file.to_owned(),
            "segment".to_owned(),
            key.to_owned(),
            null.clone(),
            part,
            rows,
        )
    };
    assert_eq!(
        listed(&cut),
        [
            entry("recent_active.csv", "recent_active", 0, 2),
            entry("others.part1.csv", "others", 1, 3),
            entry("others.part2.csv", "others", 2, 2),
            entry("others.part3.csv", "others", 3, 2),
        ]
    );
    for line in [
        "note: klaviyo: others.csv is over 100 bytes (Klaviyo takes 50 MB a file): written in 3 \
         parts, others.part1.csv to others.part3.csv; upload each into the same list\n",
        "note: recent_active.csv: 2 rows\n",
        "note: others.part1.csv: 3 rows\n",
        "note: others.part2.csv: 2 rows\n",
        "note: others.part3.csv: 2 rows\n",
        ": 9 rows in 4 segment files\n",
    ] {
        assert!(stderr.contains(line), "{line:?} not in:\n{stderr}");
    }

    // Week 2 against the earlier folder cut into parts: the same entered
    // and left as against the whole one. By hand: k02 entered Recent,
    // active and left Older (written as now), n01 entered Older, k07 left
    // it (written as then).
    let mut previous = klaviyo.to_vec();
    previous.extend(["--previous", path_str(&whole_dir)]);
    run_parts(&week2, &dir("after_whole"), &previous, None);
    previous[5] = path_str(&cut_dir);
    run_parts(&week2, &dir("after_cut"), &previous, None);
    let after = joined(&contents(&dir("after_whole")), usize::MAX);
    assert_eq!(joined(&contents(&dir("after_cut")), usize::MAX), after);
    assert_eq!(
        after["entered/recent_active.csv"],
        format!("{header}k02@x.com,,\"Recent, active\",k02\n")
    );
    assert_eq!(
        after["entered/others.csv"],
        format!("{header}{}", row("n01"))
    );
    assert_eq!(
        after["left/others.csv"],
        format!("{header}k02@x.com,,\"Recent, active\",k02\n{}", row("k07"))
    );
    assert_eq!(after.len(), 5, "{:?}", after.keys());

    // Both cut, at 80 bytes: every file, entered and left too, is the
    // whole run's put back together. By hand: Recent, active (3 rows of
    // 32) in 3 parts, Older (21, 21, 39, 21, 21, 21) in 4, left/others
    // (32, 21) in 2; the entered files fit.
    let stderr = run_parts(&week2, &dir("both_cut"), &previous, Some(80));
    let both = contents(&dir("both_cut"));
    assert_eq!(joined(&both, 80), after);
    assert_eq!(
        both.keys().collect::<Vec<_>>(),
        [
            "audiences.json",
            "entered/others.csv",
            "entered/recent_active.csv",
            "left/others.part1.csv",
            "left/others.part2.csv",
            "others.part1.csv",
            "others.part2.csv",
            "others.part3.csv",
            "others.part4.csv",
            "recent_active.part1.csv",
            "recent_active.part2.csv",
            "recent_active.part3.csv",
        ]
    );
    let kinds: Vec<(String, String, u64)> =
        listed(&both).into_iter().map(|f| (f.0, f.1, f.4)).collect();
    assert!(kinds.contains(&("left/others.part2.csv".into(), "left".into(), 2)));
    assert!(
        stderr.contains("since the previous: 2 entered, 2 left"),
        "{stderr}"
    );

    // The folder cut into parts is rfm's: replaced by a run without a limit
    // (which writes it whole); a file saved among the parts is not.
    run_parts(&week1, &dir("cut"), &klaviyo, None);
    assert_eq!(contents(&dir("cut")), whole);
    run_parts(&week1, &dir("cut"), &klaviyo, Some(100));
    fs::write(dir("cut").join("others.part4.csv"), "mine").expect("writes");
    let out = dir("cut");
    let err = failure_of(&["audiences", path_str(&week1), "--out", path_str(&out)], 2);
    assert!(
        err.contains("not an rfm audiences folder") && err.contains("others.part4.csv"),
        "{err}"
    );

    // A row that does not fit with the header even alone: a part of its
    // own, with a warning. Other styles are never cut.
    let stderr = run_parts(&week1, &dir("tiny"), &klaviyo, Some(40));
    assert!(
        stderr.contains(
            "warning: others.part4.csv: one row alone is over 40 bytes with the header: Klaviyo \
             may refuse the file"
        ),
        "{stderr}"
    );
    assert_eq!(joined(&contents(&dir("tiny")), usize::MAX), whole_csv);
    run_parts(&week1, &dir("plain"), &["--keep", "Email,Notes"], Some(40));
    assert!(contents(&dir("plain")).keys().all(|k| !k.contains(".part")));
}

/// Mailchimp orders (`Email`, `Name`, `Newsletter`, the consent): in week
/// 1, m01 (yes) and m02 (no) recent; m03 (blank), m04 (`sometimes`), m05
/// (`Y`) and m06 (no) older. In week 2 m02 says yes, m03 ordered again
/// (recent, still blank), m05 says no, m06 is gone and m07 (yes) is new.
fn mailchimp_orders(dir: &Path, week: u8) -> PathBuf {
    let rows: &[(&str, &str, &str, &str)] = if week == 1 {
        &[
            ("m01", "2025-01-20", "Ann Lee", "yes"),
            ("m02", "2025-01-21", "Bo Li", "no"),
            ("m03", "2024-06-01", "Cy Dee", ""),
            ("m04", "2024-06-02", "Di Fox", "sometimes"),
            ("m05", "2024-06-03", "Ed Roe", "Y"),
            ("m06", "2024-06-04", "Flo Ng", "no"),
        ]
    } else {
        &[
            ("m01", "2025-01-20", "Ann Lee", "yes"),
            ("m02", "2025-01-21", "Bo Li", "yes"),
            ("m03", "2025-01-22", "Cy Dee", ""),
            ("m04", "2024-06-02", "Di Fox", "sometimes"),
            ("m05", "2024-06-03", "Ed Roe", "no"),
            ("m07", "2024-06-05", "Gil Tan", "yes"),
        ]
    };
    let mut text = String::from("customer_id,order_date,amount,Email,Name,Newsletter\n");
    for (id, date, name, consent) in rows {
        text.push_str(&format!("{id},{date},10.00,{id}@x.com,{name},{consent}\n"));
    }
    let path = dir.join(format!("mailchimp{week}.csv"));
    fs::write(&path, text).expect("writes");
    two_segments(dir);
    path
}

#[test]
fn mailchimp_writes_one_file_per_consent_as_written_by_hand() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let week1 = mailchimp_orders(tmp.path(), 1);
    let out = tmp.path().join("week1");
    // The Klaviyo limit does not apply to Mailchimp.
    let stderr = run_parts(
        &week1,
        &out,
        &["--style", "mailchimp", "--keep", "Email,Name,Newsletter"],
        Some(40),
    );
    let files = contents(&out);
    // No Newsletter column: the file says it.
    let header = "Email Address,First Name,Last Name,Tags,Customer ID\n";
    let recent = |id: &str, first: &str, last: &str| {
        format!("{id}@x.com,{first},{last},RFM Recent  active,{id}\n")
    };
    let older =
        |id: &str, first: &str, last: &str| format!("{id}@x.com,{first},{last},RFM Older,{id}\n");
    assert_eq!(
        text(&files, "recent_active.csv"),
        format!("{header}{}", recent("m01", "Ann", "Lee"))
    );
    assert_eq!(
        text(&files, "recent_active.non-subscribed.csv"),
        format!("{header}{}", recent("m02", "Bo", "Li"))
    );
    // Y is yes; blank, no and a value neither yes nor no are not.
    assert_eq!(
        text(&files, "others.csv"),
        format!("{header}{}", older("m05", "Ed", "Roe"))
    );
    assert_eq!(
        text(&files, "others.non-subscribed.csv"),
        format!(
            "{header}{}{}{}",
            older("m03", "Cy", "Dee"),
            older("m04", "Di", "Fox"),
            older("m06", "Flo", "Ng")
        )
    );
    let entry = |file: &str, key: &str, status: &str, rows: usize| {
        (
            file.to_owned(),
            "segment".to_owned(),
            key.to_owned(),
            status.to_owned(),
            0,
            rows,
        )
    };
    assert_eq!(
        listed(&files),
        [
            entry("recent_active.csv", "recent_active", "subscribed", 1),
            entry(
                "recent_active.non-subscribed.csv",
                "recent_active",
                "non-subscribed",
                1
            ),
            entry("others.csv", "others", "subscribed", 1),
            entry("others.non-subscribed.csv", "others", "non-subscribed", 3),
        ]
    );
    for line in [
        "note: mailchimp: 'Newsletter' -> the file: yes in SEGMENT.csv (import as Subscribed), \
         anything else in SEGMENT.non-subscribed.csv (import as Non-subscribed)\n",
        "note: mailchimp: Mailchimp sets one status per import: import each SEGMENT.csv as \
         Subscribed and each SEGMENT.non-subscribed.csv as Non-subscribed\n",
        "warning: 1 value of 'Newsletter' neither yes nor no: in the non-subscribed files\n",
        "note: others.non-subscribed.csv: 3 rows\n",
        ": 6 rows in 4 segment files\n",
    ] {
        assert!(stderr.contains(line), "{line:?} not in:\n{stderr}");
    }

    // Week 2. A contact still in its segment whose consent changed enters
    // the file of its new status (m02 to Subscribed, m05 to Non-subscribed)
    // and leaves nothing; m03 moved (entered Recent, active; left Older as
    // written now); m06 left as written then; m07 is new.
    let week2 = mailchimp_orders(tmp.path(), 2);
    let out2 = tmp.path().join("week2");
    let stderr = run_parts(
        &week2,
        &out2,
        &[
            "--style",
            "mailchimp",
            "--keep",
            "Email,Name,Newsletter",
            "--previous",
            path_str(&out),
        ],
        None,
    );
    let files = contents(&out2);
    let changes: Vec<(&str, String)> = files
        .iter()
        .filter(|(name, _)| name.contains('/'))
        .map(|(name, bytes)| {
            (
                name.as_str(),
                String::from_utf8(bytes.clone()).expect("utf-8"),
            )
        })
        .collect();
    let file = |rows: &[String]| format!("{header}{}", rows.concat());
    assert_eq!(
        changes,
        [
            ("entered/others.csv", file(&[older("m07", "Gil", "Tan")])),
            (
                "entered/others.non-subscribed.csv",
                file(&[older("m05", "Ed", "Roe")])
            ),
            (
                "entered/recent_active.csv",
                file(&[recent("m02", "Bo", "Li")])
            ),
            (
                "entered/recent_active.non-subscribed.csv",
                file(&[recent("m03", "Cy", "Dee")])
            ),
            (
                "left/others.non-subscribed.csv",
                file(&[recent("m03", "Cy", "Dee"), older("m06", "Flo", "Ng")])
            ),
        ]
    );
    assert!(
        stderr.contains("since the previous: 4 entered, 2 left"),
        "{stderr}"
    );

    // Against a week 1 written without the consent column (no statuses):
    // only the moves between segments, and m06, whose consent is not
    // known, is not taken as subscribed.
    let plain1 = tmp.path().join("week1_without");
    run_parts(
        &week1,
        &plain1,
        &["--style", "mailchimp", "--keep", "Email,Name"],
        None,
    );
    assert!(
        contents(&plain1)
            .keys()
            .all(|k| !k.contains("non-subscribed")),
        "one file per segment without a consent column"
    );
    let out3 = tmp.path().join("week2_against_without");
    run_parts(
        &week2,
        &out3,
        &[
            "--style",
            "mailchimp",
            "--keep",
            "Email,Name,Newsletter",
            "--previous",
            path_str(&plain1),
        ],
        None,
    );
    let names: Vec<String> = contents(&out3)
        .into_keys()
        .filter(|name| name.contains('/'))
        .collect();
    assert_eq!(
        names,
        [
            "entered/others.csv",
            "entered/recent_active.non-subscribed.csv",
            "left/others.non-subscribed.csv"
        ]
    );
    assert_eq!(
        text(&contents(&out3), "left/others.non-subscribed.csv"),
        file(&[recent("m03", "Cy", "Dee"), older("m06", "Flo", "Ng")])
    );
}
