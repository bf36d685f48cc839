//! One run's customers and their segments, from a fresh analysis or read
//! back from what an earlier run wrote: the input of `migration`.
//!
//! An earlier run is a report folder (its `customers.csv`, and
//! `summary.csv` for the order of the segments) or a customers CSV written
//! by `rfm customers -f csv`, plain or `--excel` (`;`, decimal comma, BOM),
//! optionally `.gz`/`.zst` compressed. Segments are matched across runs by
//! `segment_key`, which no `--lang` translates, so a report in Italian can
//! be compared with last week's in English.
//!
//! A run made with `--by` has a `group` column: its customers are
//! (group, id) pairs, as the run scored them, and are matched so.

use crate::error::SnapshotError;
use crate::input::{self, Content, InputPath};
use crate::money::{self, Decimal, DecimalSeparator};
use crate::score::analysis::Analysis;
use crate::score::lang::Lang;
use crate::score::segment::{Segment, Tone};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// A segment as a run names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Label {
    /// The stable key (`segment_key`).
    pub(crate) key: String,
    /// The display name.
    pub(crate) name: String,
    /// Colour class.
    pub(crate) tone: Tone,
}

impl Label {
    /// A label read from a file: the tone of the built-in segment with this
    /// key, if any.
    fn read(key: &str, name: &str) -> Label {
        Label {
            key: key.to_owned(),
            name: name.to_owned(),
            tone: Segment::find(key).map_or(Tone::Neutral, Segment::tone),
        }
    }
}

/// The segments of a definition as labels.
pub(crate) fn labels(definition: &crate::score::definition::Definition) -> Vec<Label> {
    definition
        .segments
        .iter()
        .map(|s| Label {
            key: s.key.clone(),
            name: s.name.clone(),
            tone: s.tone,
        })
        .collect()
}

/// One customer of a run. The metrics are optional because an older or
/// hand-made file may lack their columns; only the id and the segment are
/// needed for a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    /// The `--by` group, in a run made with it.
    pub(crate) group: Option<String>,
    /// The customer id.
    pub(crate) id: String,
    /// Index into [`Snapshot::segments`].
    pub(crate) segment: usize,
    /// The rfm code, e.g. `545`.
    pub(crate) rfm: Option<String>,
    /// Days since the last purchase.
    pub(crate) recency_days: Option<i64>,
    /// Purchases.
    pub(crate) frequency: Option<i64>,
    /// Net revenue, in units of `10^-scale` of the snapshot.
    pub(crate) monetary: Option<i64>,
}

/// A run's customers, in the order they were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Snapshot {
    /// Where it came from, for messages and reports.
    pub(crate) source: String,
    /// The segments, in display order.
    pub(crate) segments: Vec<Label>,
    /// The customers.
    pub(crate) customers: Vec<Member>,
    /// The decimal scale of `monetary`.
    pub(crate) scale: u8,
    /// Made with `--by`: every member has a group.
    pub(crate) grouped: bool,
    /// The `--by` column, when known (a fresh analysis, or a report folder
    /// whose report.json records it).
    pub(crate) by: Option<String>,
}

impl Snapshot {
    /// The customers of a fresh analysis.
    pub(crate) fn from_analysis(analysis: &Analysis, source: String) -> Snapshot {
        let definition = &analysis.definition;
        let dashed = definition.levels > 9;
        let grouped = analysis.by.is_some();
        Snapshot {
            source,
            segments: labels(definition),
            customers: analysis
                .customers
                .iter()
                .map(|c| Member {
                    group: grouped.then(|| analysis.groups[c.group as usize].name.clone()),
                    id: c.id.to_string(),
                    segment: usize::from(c.segment),
                    rfm: Some(c.rfm(dashed).into_owned()),
                    recency_days: Some(i64::from(c.recency_days)),
                    frequency: Some(i64::from(c.frequency)),
                    monetary: Some(c.monetary),
                })
                .collect(),
            scale: analysis.scale,
            grouped,
            by: analysis.by.clone(),
        }
    }

    /// Reads an earlier run: a report folder or a customers CSV.
    pub(crate) fn read(path: &Path) -> Result<Snapshot, SnapshotError> {
        if path.is_dir() {
            let customers = path.join("customers.csv");
            if !customers.is_file() {
                return Err(SnapshotError::NotAReport {
                    dir: path.to_owned(),
                });
            }
            let summary = path.join("summary.csv");
            let order = if summary.is_file() {
                segment_order(&summary)?
            } else {
                Vec::new()
            };
            let mut snapshot = read_customers(&customers, order)?;
            snapshot.source = path.display().to_string();
            // The column a report was grouped by (report.json's method.by).
            snapshot.by = std::fs::read(path.join("report.json"))
                .ok()
                .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
                .and_then(|json| json["method"]["by"].as_str().map(str::to_owned));
            return Ok(snapshot);
        }
        read_customers(path, Vec::new())
    }
}

/// A CSV file's records with its header, delimiter and decimal separator
/// told apart: `--excel` files are `;`-separated with decimal commas.
struct Table {
    name: String,
    header: Vec<String>,
    reader: csv::Reader<std::io::Cursor<Vec<u8>>>,
    decimal: DecimalSeparator,
}

fn open_table(path: &Path) -> Result<Table, SnapshotError> {
    let name = path.display().to_string();
    let open_error = |source: std::io::Error| SnapshotError::Open {
        path: path.to_owned(),
        source,
    };
    // The cause (missing, no permission) as the OS says it.
    std::fs::metadata(path).map_err(open_error)?;
    let opened = input::open(
        &InputPath::File(path.to_owned()),
        &indicatif::ProgressBar::hidden(),
        false,
        false,
    )
    .map_err(|e| open_error(std::io::Error::other(format!("{e:#}"))))?;
    let mut bytes = Vec::new();
    match opened.content {
        Content::Text(mut reader) => {
            reader.read_to_end(&mut bytes).map_err(open_error)?;
        }
        Content::Parquet(_) => {
            return Err(open_error(std::io::Error::other(
                "it is Parquet; give the CSV (rfm report writes customers.csv; rfm customers -f csv)",
            )));
        }
    }
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        bytes = rest.to_vec();
    }
    let delimiter = input::sniff_delimiter(&bytes[..bytes.len().min(64 * 1024)]);
    let decimal = if delimiter == b';' {
        DecimalSeparator::Comma
    } else {
        DecimalSeparator::Point
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(std::io::Cursor::new(bytes));
    let header = reader
        .headers()
        .map_err(|e| SnapshotError::Row {
            file: name.clone(),
            line: 1,
            message: e.to_string(),
        })?
        .iter()
        .map(str::to_owned)
        .collect();
    Ok(Table {
        name,
        header,
        reader,
        decimal,
    })
}

impl Table {
    fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    fn require(&self, name: &'static str) -> Result<usize, SnapshotError> {
        self.column(name)
            .ok_or_else(|| SnapshotError::MissingColumn {
                file: self.name.clone(),
                column: name,
                columns: self.header.join(", "),
            })
    }
}

/// An amount with the separator the file's delimiter implies (decimal
/// comma in `;` files), or else with the other one: the file was written
/// by rfm, so whichever reads the whole value exactly is right.
fn amount(text: &str, decimal: DecimalSeparator) -> Option<Decimal> {
    let other = match decimal {
        DecimalSeparator::Point => DecimalSeparator::Comma,
        DecimalSeparator::Comma => DecimalSeparator::Point,
    };
    Decimal::parse(text, decimal)
        .or_else(|_| Decimal::parse(text, other))
        .ok()
}

/// The key of the built-in segment (or Others) with this display name in
/// any of the languages of `--lang`.
fn builtin_key(name: &str) -> Option<&'static str> {
    use clap::ValueEnum;
    let name = name.trim();
    for lang in Lang::value_variants() {
        for (i, segment) in Segment::ALL.iter().enumerate() {
            if lang.text(i).name.eq_ignore_ascii_case(name) {
                return Some(segment.key());
            }
        }
        if lang
            .text(Segment::ALL.len())
            .name
            .eq_ignore_ascii_case(name)
        {
            return Some("others");
        }
    }
    None
}

/// The segments of a `summary.csv`, in its (the definition's) order.
fn segment_order(path: &Path) -> Result<Vec<Label>, SnapshotError> {
    let mut table = open_table(path)?;
    let name = table.require("segment")?;
    let key = table.column("segment_key");
    let mut labels = Vec::new();
    for record in table.reader.records() {
        let record = record.map_err(|e| row_error(&table.name, &e))?;
        let name = record.get(name).unwrap_or_default();
        let key = key.and_then(|k| record.get(k)).unwrap_or_default();
        // The total row has no key.
        if !key.is_empty() {
            labels.push(Label::read(key, name));
        }
    }
    Ok(labels)
}

fn row_error(file: &str, e: &csv::Error) -> SnapshotError {
    SnapshotError::Row {
        file: file.to_owned(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    }
}

/// Reads a customers CSV. Segments listed in `order` come first, in that
/// order; others follow in the built-in order, then alphabetically by key.
fn read_customers(path: &Path, order: Vec<Label>) -> Result<Snapshot, SnapshotError> {
    let mut table = open_table(path)?;
    let id_col = table.require("customer_id")?;
    let group_col = table.column("group");
    let key_col = table.column("segment_key");
    let name_col = table.column("segment");
    if key_col.is_none() && name_col.is_none() {
        table.require("segment_key")?;
    }
    let rfm_col = table.column("rfm");
    let recency_col = table.column("recency_days");
    let frequency_col = table.column("frequency");
    let monetary_col = table.column("monetary");

    let fixed = order.len();
    let mut segments = order;
    let mut index: HashMap<String, usize> = segments
        .iter()
        .enumerate()
        .map(|(i, s)| (s.key.clone(), i))
        .collect();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut customers = Vec::new();
    let mut amounts: Vec<Option<Decimal>> = Vec::new();
    let file = table.name.clone();
    let mut record = csv::StringRecord::new();
    loop {
        match table.reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(row_error(&file, &e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        let bad = |message: String| SnapshotError::Row {
            file: file.clone(),
            line,
            message,
        };
        let field = |col: Option<usize>| col.and_then(|c| record.get(c)).map(str::trim);
        let id = field(Some(id_col)).unwrap_or_default();
        if id.is_empty() {
            return Err(bad("empty customer_id".into()));
        }
        let group = group_col.map(|c| record.get(c).unwrap_or_default().trim());
        let seen_key = match group {
            Some(g) => format!("{g}\u{1f}{id}"),
            None => id.to_owned(),
        };
        if let Some(first) = seen.insert(seen_key, line) {
            return Err(bad(match group {
                Some(g) => {
                    format!("customer '{id}' of group '{g}' appears twice (first on line {first})")
                }
                None => format!("customer '{id}' appears twice (first on line {first})"),
            }));
        }
        let name = field(name_col).unwrap_or_default();
        // Files without keys: a built-in segment's name, in any language,
        // gives its key.
        let key = match field(key_col) {
            Some(k) => k.to_owned(),
            None => builtin_key(name).map_or_else(|| name.to_owned(), str::to_owned),
        };
        if key.is_empty() {
            return Err(bad("empty segment_key".into()));
        }
        let segment = match index.get(&key) {
            Some(&i) => i,
            None => {
                let shown = if name.is_empty() { &key } else { name };
                segments.push(Label::read(&key, shown));
                index.insert(key, segments.len() - 1);
                segments.len() - 1
            }
        };
        let int = |col: Option<usize>, what: &str| -> Result<Option<i64>, SnapshotError> {
            match field(col) {
                None | Some("") => Ok(None),
                Some(text) => text
                    .parse()
                    .map(Some)
                    .map_err(|_| bad(format!("{what} '{text}' is not a whole number"))),
            }
        };
        let recency_days = int(recency_col, "recency_days")?;
        let frequency = int(frequency_col, "frequency")?;
        let monetary = match field(monetary_col) {
            None | Some("") => None,
            Some(text) => Some(
                amount(text, table.decimal)
                    .ok_or_else(|| bad(format!("monetary '{text}' is not a number")))?,
            ),
        };
        amounts.push(monetary);
        customers.push(Member {
            group: group.map(str::to_owned),
            id: id.to_owned(),
            segment,
            rfm: field(rfm_col).filter(|s| !s.is_empty()).map(str::to_owned),
            recency_days,
            frequency,
            monetary: None,
        });
    }
    // One scale for all amounts, as in a fresh analysis.
    let scale = amounts.iter().flatten().map(|d| d.scale).max().unwrap_or(0);
    for (member, amount) in customers.iter_mut().zip(amounts) {
        member.monetary = amount.and_then(|d| money::rescale(d.mantissa, d.scale, scale));
    }
    let order = canonical_order(&segments, fixed);
    let (segments, customers) = reorder(segments, customers, &order);
    Ok(Snapshot {
        source: path.display().to_string(),
        segments,
        customers,
        scale,
        grouped: group_col.is_some(),
        by: None,
    })
}

/// Where each segment goes: the first `fixed` (from summary.csv) keep their
/// places; the rest follow, built-in segments in their order, then others
/// by key.
fn canonical_order(segments: &[Label], fixed: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..segments.len()).collect();
    order[fixed..].sort_by_key(|&i| {
        let s = &segments[i];
        (
            Segment::find(&s.key).map_or(usize::MAX, Segment::rank),
            s.key.clone(),
        )
    });
    order
}

fn reorder(
    segments: Vec<Label>,
    mut customers: Vec<Member>,
    order: &[usize],
) -> (Vec<Label>, Vec<Member>) {
    let mut new_index = vec![0; segments.len()];
    for (to, &from) in order.iter().enumerate() {
        new_index[from] = to;
    }
    for c in &mut customers {
        c.segment = new_index[c.segment];
    }
    let mut slots: Vec<Option<Label>> = segments.into_iter().map(Some).collect();
    let segments = order.iter().filter_map(|&i| slots[i].take()).collect();
    (segments, customers)
}
