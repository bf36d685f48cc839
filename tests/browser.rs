//! report.html in a real browser: headless Chromium renders it to a PNG
//! (which must show the charts in their colours), prints its DOM (which
//! must hold the expected text), and lays it out 390 pixels wide, as on a
//! phone, where the page must not scroll sideways.
//!
//! Chromium is found as `$RFM_CHROMIUM`, `chromium`, `chromium-browser` or
//! `google-chrome`. Without one the test says so and passes, so `cargo test`
//! works on a machine without a browser; `.ci/run` installs Debian's
//! `chromium` and sets `RFM_REQUIRE_BROWSER=1`, which turns a missing
//! browser into a failure.

mod common;

// The page's own words, to know its English vocabulary (the module uses
// nothing else of the crate, so that it can be included here).
#[allow(dead_code)]
#[path = "../src/report/words.rs"]
mod words;

use common::{fixture, rfm};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RFM_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Runs Chromium headless with a fresh profile and `args`, killing it
/// after two minutes.
fn headless(browser: &Path, profile: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("waits").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish in 2 minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// RGB pixels of a PNG.
fn pixels(png_path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).expect("screenshot written"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    let px = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    (info.width, info.height, px)
}

/// The page's width against its viewport, measured by a page that loads
/// `page` in a 390-pixel frame.
fn phone_width(browser: &Path, profile: &Path, page: &Path) -> (u32, u32) {
    let wrapper = page.with_file_name(format!(
        "phone-{}.html",
        page.file_stem().unwrap_or_default().to_string_lossy()
    ));
    std::fs::write(
        &wrapper,
        format!(
            r#"<!doctype html><html><body><iframe id="f" src="{}" style="width:390px;height:800px;border:0"></iframe>
<script>
document.getElementById('f').addEventListener('load', function () {{
  var d = this.contentDocument.documentElement;
  var out = document.createElement('pre');
  out.textContent = 'scrollWidth=' + d.scrollWidth + ' clientWidth=' + d.clientWidth;
  document.body.appendChild(out);
}});
</script></body></html>"#,
            page.file_name().unwrap_or_default().to_string_lossy()
        ),
    )
    .expect("writes");
    let out = headless(
        browser,
        profile,
        &[
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            "--dump-dom",
            &url(&wrapper),
        ],
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let number = |key: &str| -> u32 {
        // The last occurrence: the result, after the script's own text.
        let (_, rest) = dom
            .rsplit_once(key)
            .unwrap_or_else(|| panic!("no {key} in {dom}"));
        rest.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .expect("a number")
    };
    (number("scrollWidth="), number("clientWidth="))
}

#[test]
fn report_html_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("RFM_REQUIRE_BROWSER").is_none(),
            "RFM_REQUIRE_BROWSER is set but no chromium was found"
        );
        eprintln!("skipped: no chromium on PATH (set RFM_CHROMIUM, or install Debian's chromium)");
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let sample = fixture("sample_orders.csv");
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    for (out, until) in [(&old, Some("2025-05-31")), (&new, None)] {
        let mut cmd = rfm();
        cmd.arg("report")
            .arg(&sample)
            .arg("--out")
            .arg(out)
            .arg("-q");
        if let Some(until) = until {
            cmd.args(["--until", until]);
        } else {
            cmd.arg("--previous").arg(&old).arg("--trend");
        }
        assert!(cmd.output().expect("runs").status.success());
    }
    let page = new.join("report.html");

    // The DOM as Chromium parsed it.
    let out = headless(
        &browser,
        &tmp.path().join("p1"),
        &["--dump-dom", &url(&page)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    for text in [
        "RFM report, as of 2025-12-31",
        "Customers and revenue per segment",
        "R x FM scores",
        "Distributions",
        "Since the previous report",
        "Biggest movers",
        "Trend: the last 12 weeks",
        "Entered and left the segments at risk",
        "Champions",
        "Reward them",
        "<svg",
    ] {
        assert!(dom.contains(text), "the rendered page lacks {text:?}");
    }

    // A screenshot: not blank, and the bars are drawn in the segments'
    // colours (Champions #1b7a3a, At Risk #e53935).
    let shot = tmp.path().join("report.png");
    let out = headless(
        &browser,
        &tmp.path().join("p2"),
        &[
            "--window-size=1200,2600",
            &format!("--screenshot={}", shot.display()),
            &url(&page),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (width, height, px) = pixels(&shot);
    assert_eq!((width, height), (1200, 2600));
    let background = px
        .iter()
        .filter(|p| **p == [0xff, 0xff, 0xff] || **p == [0xf6, 0xf7, 0xf9])
        .count();
    assert!(
        background < px.len() * 9 / 10,
        "the page is {}% background",
        background * 100 / px.len()
    );
    let mut colours: Vec<[u8; 3]> = px.clone();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 200, "{} colours only", colours.len());
    for (name, rgb) in [
        ("Champions", [0x1b, 0x7a, 0x3a]),
        ("At Risk", [0xe5, 0x39, 0x35]),
    ] {
        let n = px.iter().filter(|p| **p == rgb).count();
        assert!(n > 500, "{name}'s colour covers {n} pixels");
    }

    // On a phone: nothing wider than the screen but inside its own
    // scrolling box. The same measure on a page that is too wide proves
    // that it can tell.
    let (scroll, client) = phone_width(&browser, &tmp.path().join("p3"), &page);
    assert!(client > 300 && client <= 390, "viewport {client}");
    assert!(
        scroll <= client,
        "the page is {scroll} px wide on a {client} px phone"
    );
    let wide = tmp.path().join("new/wide.html");
    std::fs::write(&wide, "<!doctype html><div style=\"width:900px\">x</div>").expect("writes");
    let (scroll, client) = phone_width(&browser, &tmp.path().join("p4"), &wide);
    assert!(
        scroll > client,
        "the control page should overflow ({scroll} vs {client})"
    );
}

/// Reports of testdata/sample_orders.csv in `dir`: `old` up to 31 May 2025,
/// `new` with `--previous old --trend` and `args`; returns new's page.
fn reports(dir: &Path, args: &[&str]) -> PathBuf {
    let sample = fixture("sample_orders.csv");
    let (old, new) = (dir.join("old"), dir.join("new"));
    for (out, until) in [(&old, Some("2025-05-31")), (&new, None)] {
        let mut cmd = rfm();
        cmd.arg("report")
            .arg(&sample)
            .arg("--out")
            .arg(out)
            .arg("-q");
        if let Some(until) = until {
            cmd.args(["--until", until]);
        } else {
            cmd.arg("--previous").arg(&old).arg("--trend").args(args);
        }
        let output = cmd.output().expect("runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    new.join("report.html")
}

/// The text a reader sees: the body without markup, `<code>` (commands),
/// and the entities Chromium writes decoded.
fn visible_text(dom: &str) -> String {
    let body = dom.split_once("<body").map_or(dom, |(_, b)| b);
    let mut text = String::new();
    let mut rest = body;
    while let Some(at) = rest.find('<') {
        text.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("<code>") {
            rest = after.split_once("</code>").map_or("", |(_, r)| r);
            text.push(' ');
            continue;
        }
        rest = rest.split_once('>').map_or("", |(_, r)| r);
        text.push(' ');
    }
    text.push_str(rest);
    text.replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&middot;", " ")
}

/// The words of `text`, lowercased, leaving out what is not prose: file
/// names (`report.json`), paths, flags (`--customer`), column mappings
/// (`customer=customer_id`) and snake_case names.
fn prose_words(text: &str) -> BTreeSet<String> {
    text.split_whitespace()
        .filter(|chunk| {
            !(chunk.contains('.')
                && chunk.chars().any(char::is_alphabetic)
                && !chunk.ends_with('.')
                || chunk.contains(".csv")
                || chunk.contains(".json")
                || chunk.contains('/')
                || chunk.starts_with("--")
                || chunk.contains('=')
                || chunk.contains('_'))
        })
        .flat_map(|chunk| chunk.split(|c: char| !c.is_alphabetic()))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// `--lang it`: the rendered page is Italian throughout, with Italian
/// numbers (`47.942,00`) and dates (`31/12/2025`), and no word of the
/// page's English vocabulary.
#[test]
fn italian_report_html_renders_in_italian() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("RFM_REQUIRE_BROWSER").is_none(),
            "RFM_REQUIRE_BROWSER is set but no chromium was found"
        );
        eprintln!("skipped: no chromium on PATH (set RFM_CHROMIUM, or install Debian's chromium)");
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let page = reports(tmp.path(), &["--lang", "it"]);
    let out = headless(
        &browser,
        &tmp.path().join("p1"),
        &["--dump-dom", &url(&page)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("<html lang=\"it\">"),
        "{}",
        &dom[..200.min(dom.len())]
    );
    let text = visible_text(&dom);
    for expected in [
        "Analisi RFM al 31/12/2025",
        "Segmenti",
        "Clienti e ricavi per segmento",
        "Punteggi R x FM",
        "Distribuzioni",
        "Chi sono e cosa fare",
        "Dall'analisi precedente",
        "Spostamenti principali: clienti di valore peggiorati",
        "Andamento: 12 settimane",
        "Entrati e usciti dai segmenti a rischio",
        "Metodo e dati in ingresso",
        "Livelli di punteggio",
        "Campioni",
        // Numbers: thousands with a point, decimals with a comma.
        "47.942,00",
        "319,61",
        "1.027 righe",
        // Percentages and the trend's period ends.
        "%)",
        "dal 12/10/2025 al 28/12/2025",
    ] {
        assert!(
            text.contains(expected),
            "the Italian page lacks {expected:?}"
        );
    }
    // No ISO date and no English-style amount anywhere on the page.
    let iso = text.split_whitespace().find(|w| {
        let b = w.as_bytes();
        b.len() >= 10 && b[4] == b'-' && b[7] == b'-' && b[..4].iter().all(u8::is_ascii_digit)
    });
    assert_eq!(iso, None, "an ISO date on the Italian page");
    assert!(!text.contains("47942.00") && !text.contains("319.61"));

    // The page's English vocabulary: every word of its English texts
    // longer than 3 letters...
    let mut english = BTreeSet::new();
    for (_, template) in words::EN.words.strings() {
        english.extend(prose_words(&visible_text(&template.replace("{}", " "))));
    }
    english.retain(|w| w.chars().count() > 3);
    // ...but for words that are Italian too, or names the page keeps in
    // every language.
    for shared in [
        // Italian for "date" ("data di riferimento").
        "data", // A loanword in Italian, and `--rejects FILE` names an argument.
        "file", // Of `r-quantile`, the --scoring method's name in every language.
        "quantile",
    ] {
        english.remove(shared);
    }
    assert!(english.len() > 100, "{} English words only", english.len());
    let italian = prose_words(&text);
    let found: Vec<&String> = english.intersection(&italian).collect();
    assert!(
        found.is_empty(),
        "English words on the Italian page: {found:?}"
    );
}
