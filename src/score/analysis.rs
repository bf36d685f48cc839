//! Scoring and segmenting customers (steps 6 to 9 of docs/method.md).
//!
//! Pure: takes the aggregated metrics and the as-of date, returns scored
//! customers. Independent of input order: scores depend only on the multiset
//! of values, and the result is sorted by customer id.

use crate::dates::Day;
use crate::engine::{CustomerId, CustomerMetrics, THREADED_FROM};
use crate::input::LoadReport;
use crate::prefetch::prefetch;
use crate::score::definition::Definition;
use crate::score::{self, Better, Binning, Level};
use std::borrow::Cow;
use std::mem::MaybeUninit;

/// The scored customers and what it took to get them.
#[derive(Debug, Clone)]
pub(crate) struct Analysis {
    /// Scored customers, sorted by customer id.
    pub(crate) customers: Vec<ScoredCustomer>,
    /// The as-of date.
    pub(crate) as_of: Day,
    /// The decimal scale of money values.
    pub(crate) scale: u8,
    /// What every score level holds.
    pub(crate) thresholds: Thresholds,
    /// How the metrics were scored.
    pub(crate) scoring: Scoring,
    /// The segment definition customers were mapped with.
    pub(crate) definition: Definition,
    /// What the loader saw.
    pub(crate) load: LoadReport,
    /// Whether amounts were read: false for a file without an amount
    /// column (recency and frequency only; monetary, m and fm not shown).
    pub(crate) monetary: bool,
    /// The `--by` column and its groups, in name order, each scored
    /// against its own customers; one unnamed group without `--by`.
    pub(crate) by: Option<String>,
    /// The groups (see [`Analysis::by`]).
    pub(crate) groups: Vec<Group>,
    /// The `--keep` columns, as the input names them.
    pub(crate) kept: Vec<String>,
    /// Their headers in the customers' output: the input's names, except
    /// that one rfm writes itself gets an `input_` prefix
    /// ([`kept_headers`]).
    pub(crate) kept_headers: Vec<String>,
    /// `--predict`: the fitted models and every customer's predicted values
    /// (by [`ScoredCustomer::code`]).
    pub(crate) prediction: Option<std::sync::Arc<crate::score::predicted::Prediction>>,
}

/// The columns of a customer row (`rfm customers`), after `group` with
/// `--by` and before the kept columns and `reason`.
pub(crate) const CUSTOMER_COLUMNS: [&str; 13] = [
    "customer_id",
    "first_order",
    "last_order",
    "recency_days",
    "frequency",
    "monetary",
    "r",
    "f",
    "m",
    "fm",
    "rfm",
    "segment",
    "segment_key",
];

/// The output headers of kept columns: a name rfm writes itself
/// (`customer_id`, `segment`, `group`, `reason`..., in any case, since
/// spreadsheets and SQL engines read headers without case) becomes
/// `input_NAME` (`input_input_NAME` if that is taken too...), so that no
/// header is written twice; the renamed ones are returned apart, for a note.
pub(crate) fn kept_headers(kept: &[String]) -> (Vec<String>, Vec<(String, String)>) {
    let own: Vec<&str> = CUSTOMER_COLUMNS
        .iter()
        .chain(&["group", "reason", "segment_since"])
        .chain(&crate::score::predicted::COLUMNS)
        .copied()
        .collect();
    let mut taken: Vec<String> = own.iter().map(|s| (*s).to_owned()).collect();
    taken.extend(kept.iter().cloned());
    let clashes = |name: &str, with: &[String]| with.iter().any(|t| t.eq_ignore_ascii_case(name));
    let mut renamed = Vec::new();
    let headers = kept
        .iter()
        .map(|name| {
            if !own.iter().any(|o| o.eq_ignore_ascii_case(name)) {
                return name.clone();
            }
            let mut header = format!("input_{name}");
            while clashes(&header, &taken) {
                header = format!("input_{header}");
            }
            taken.push(header.clone());
            renamed.push((name.clone(), header.clone()));
            header
        })
        .collect();
    (headers, renamed)
}

impl Analysis {
    /// Group `g` as an analysis of its own (its customers, as-of date and
    /// levels), for the outputs written per group.
    pub(crate) fn for_group(&self, g: usize) -> Analysis {
        let group = &self.groups[g];
        Analysis {
            customers: self
                .customers
                .iter()
                .filter(|c| c.group as usize == g)
                .cloned()
                .map(|mut c| {
                    c.group = 0;
                    c
                })
                .collect(),
            as_of: group.as_of,
            thresholds: group.thresholds.clone(),
            groups: vec![group.clone()],
            by: None,
            load: LoadReport::default(),
            ..self.clone_settings()
        }
    }

    /// Everything but the customers, the groups and the load report.
    fn clone_settings(&self) -> Analysis {
        Analysis {
            customers: Vec::new(),
            as_of: self.as_of,
            scale: self.scale,
            thresholds: self.thresholds.clone(),
            scoring: self.scoring.clone(),
            definition: self.definition.clone(),
            load: LoadReport::default(),
            monetary: self.monetary,
            by: self.by.clone(),
            groups: Vec::new(),
            kept: self.kept.clone(),
            kept_headers: self.kept_headers.clone(),
            prediction: self.prediction.clone(),
        }
    }
}

/// A `--by` group: its value, as-of date and score levels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    /// The group column's value (empty without `--by`).
    pub(crate) name: String,
    /// The group's as-of date: `--as-of`, or the day after its latest purchase.
    pub(crate) as_of: Day,
    /// What every score level of the group holds.
    pub(crate) thresholds: Thresholds,
    /// Its customers.
    pub(crate) customers: usize,
}

/// A customer with metrics, scores and segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScoredCustomer {
    /// The customer id, verbatim.
    pub(crate) id: CustomerId,
    /// Earliest purchase.
    pub(crate) first: Day,
    /// Latest purchase.
    pub(crate) last: Day,
    /// Days from the latest purchase to the as-of date.
    pub(crate) recency_days: i32,
    /// Purchases.
    pub(crate) frequency: u32,
    /// Net revenue at the input scale.
    pub(crate) monetary: i64,
    /// Recency score 1..=levels.
    pub(crate) r: u8,
    /// Frequency score.
    pub(crate) f: u8,
    /// Monetary score.
    pub(crate) m: u8,
    /// Combined frequency-monetary score.
    pub(crate) fm: u8,
    /// The segment: an index into the definition's segments (so sorting by
    /// it gives the definition's display order).
    pub(crate) segment: u8,
    /// The `--by` group: an index into [`Analysis::groups`] (0 without).
    pub(crate) group: u32,
    /// The `--keep` columns' values from the latest purchase, when asked for.
    pub(crate) kept: Option<Box<[Box<str>]>>,
    /// Where the customer's `--predict` values are
    /// ([`crate::score::predicted::Prediction::of`]): the engine's customer
    /// code, then the customer's position in the scored order
    /// ([`crate::score::predicted::Prediction::in_order_of`]).
    pub(crate) code: u32,
}

impl ScoredCustomer {
    /// The three score digits, e.g. `545`; `dashed` (a run with 10 levels,
    /// where a score can have two digits) joins the scores with `-`, e.g.
    /// `10-7-3` and `9-9-1`, so one column has one format.
    pub(crate) fn rfm(&self, dashed: bool) -> Cow<'static, str> {
        static CODES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        if dashed || self.r > 9 || self.f > 9 || self.m > 9 {
            return Cow::Owned(format!("{}-{}-{}", self.r, self.f, self.m));
        }
        let codes = CODES.get_or_init(|| (0..1000).map(|n| format!("{:03}", n)).collect());
        let n = usize::from(self.r) * 100 + usize::from(self.f) * 10 + usize::from(self.m);
        Cow::Borrowed(codes.get(n).map_or("", String::as_str))
    }
}

/// How each metric is scored (`--scoring`, `--bins`, `--r-bins` ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scoring {
    /// Recency.
    pub(crate) r: Binning,
    /// Frequency.
    pub(crate) f: Binning,
    /// Monetary.
    pub(crate) m: Binning,
}

impl Scoring {
    /// The metrics' binnings, in r, f, m order.
    pub(crate) fn metrics(&self) -> [&Binning; 3] {
        [&self.r, &self.f, &self.m]
    }
}

impl Default for Scoring {
    fn default() -> Scoring {
        let rank = Binning::Method(score::Method::Rank, score::LEVELS);
        Scoring {
            r: rank.clone(),
            f: rank.clone(),
            m: rank,
        }
    }
}

/// What every score level of every metric holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Thresholds {
    /// Recency levels, 1 first.
    pub(crate) r: Vec<Level>,
    /// Frequency levels.
    pub(crate) f: Vec<Level>,
    /// Monetary levels.
    pub(crate) m: Vec<Level>,
}

impl Thresholds {
    /// The metrics with their names, in r, f, m order.
    pub(crate) fn metrics(&self) -> [(&'static str, &[Level]); 3] {
        [("r", &self.r), ("f", &self.f), ("m", &self.m)]
    }

    /// `(metric, level)` pairs nobody scored, e.g. `("f", 2)`.
    pub(crate) fn empty_levels(&self) -> Vec<(&'static str, u8)> {
        self.metrics()
            .into_iter()
            .flat_map(|(name, levels)| {
                levels
                    .iter()
                    .filter(|l| l.customers == 0)
                    .map(move |l| (name, l.score))
            })
            .collect()
    }
}

/// Scores and segments customers; `ids` maps customer codes to ids (copied
/// into the result: up to 24 bytes inline), `kept` to their `--keep` values
/// (empty without); monetary values are at `scale`
/// decimals. The result is sorted by customer id.
///
/// Metrics are taken by value and every intermediate is dropped as soon as it
/// is used: with millions of customers this step sets the peak memory of a run.
pub(crate) fn score_customers(
    metrics: Vec<CustomerMetrics>,
    ids: &[CustomerId],
    kept: &[Option<Box<[Box<str>]>>],
    as_of: Day,
    scale: u8,
    scoring: &Scoring,
    definition: &Definition,
) -> (Vec<ScoredCustomer>, Thresholds) {
    score_ordered(metrics, ids, kept, as_of, scale, scoring, definition, false)
}

/// [`score_customers`] for metrics already in customer id order (`rfm
/// history` scores the same customers, in id order, every period): the
/// sort by id is skipped.
pub(crate) fn score_in_id_order(
    metrics: Vec<CustomerMetrics>,
    ids: &[CustomerId],
    as_of: Day,
    scale: u8,
    scoring: &Scoring,
    definition: &Definition,
) -> (Vec<ScoredCustomer>, Thresholds) {
    debug_assert!(
        metrics
            .windows(2)
            .all(|w| ids[w[0].customer as usize] < ids[w[1].customer as usize])
    );
    score_ordered(metrics, ids, &[], as_of, scale, scoring, definition, true)
}

#[allow(clippy::too_many_arguments)]
fn score_ordered(
    metrics: Vec<CustomerMetrics>,
    ids: &[CustomerId],
    kept: &[Option<Box<[Box<str>]>>],
    as_of: Day,
    scale: u8,
    scoring: &Scoring,
    definition: &Definition,
    in_id_order: bool,
) -> (Vec<ScoredCustomer>, Thresholds) {
    let id_order = |metrics: &[CustomerMetrics], ids: &[CustomerId]| {
        if in_id_order {
            (0..metrics.len() as u32).collect()
        } else {
            id_order(metrics, ids)
        }
    };
    let ntile = scoring
        .metrics()
        .iter()
        .any(|rule| matches!(rule, Binning::Method(score::Method::Ntile, _)));
    // Monetary and frequency on one thread, recency on another, the id
    // order here (it takes longest, on two threads of its own: recency
    // first, here, held it up by 20 ms at 1.4M customers). Each thread takes
    // its metrics' values out itself (three passes over the customers on
    // this thread held up the others for 10-20 ms). `ntile` breaks ties by
    // customer id, so then the id order comes first.
    let (r, f, m, order) = {
        let early = ntile.then(|| id_order(&metrics, ids));
        let rank = early.as_deref().map(id_ranks).unwrap_or_default();
        std::thread::scope(|scope| {
            let (rank, all) = (&rank, &metrics);
            let m_and_f = scope.spawn(move || {
                let monetary: Vec<i64> = all.iter().map(|c| c.monetary).collect();
                let m = score::score(&monetary, Better::Higher, &scoring.m, scale, rank);
                drop(monetary);
                let frequency: Vec<u32> = all.iter().map(|c| c.frequency).collect();
                (
                    m,
                    score::score(&frequency, Better::Higher, &scoring.f, 0, rank),
                )
            });
            let r = scope.spawn(move || {
                let recency: Vec<i32> = all.iter().map(|c| as_of - c.last).collect();
                score::score(&recency, Better::Lower, &scoring.r, 0, rank)
            });
            let order = early.unwrap_or_else(|| id_order(&metrics, ids));
            let (m, f) = m_and_f
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let r = r
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (r, f, m, order)
        })
    };
    let thresholds = Thresholds {
        r: r.levels,
        f: f.levels,
        m: m.levels,
    };
    let (r, f, m) = (r.scores, f.scores, m.scores);
    let build = |&i: &u32| {
        let i = i as usize;
        let c = &metrics[i];
        ScoredCustomer {
            // A copy of up to 24 bytes (ids are stored inline up to that).
            id: ids[c.customer as usize].clone(),
            first: c.first,
            last: c.last,
            recency_days: as_of - c.last,
            frequency: c.frequency,
            monetary: c.monetary,
            r: r[i],
            f: f[i],
            m: m[i],
            fm: score::fm(f[i], m[i]),
            segment: definition.segment_of(r[i], f[i], m[i]),
            group: 0,
            kept: kept.get(c.customer as usize).cloned().flatten(),
            code: c.customer,
        }
    };
    // Each customer's metrics are asked for 16 customers ahead and its id
    // 8 ahead (by then its metrics, which say where the id is, have
    // arrived): the reads' cache misses overlap.
    let gather = |part: &[u32], slots: &mut [MaybeUninit<ScoredCustomer>]| {
        for (k, (i, slot)) in part.iter().zip(slots).enumerate() {
            if let Some(&ahead) = part.get(k + 16) {
                prefetch(&metrics[ahead as usize]);
            }
            if let Some(&ahead) = part.get(k + 8)
                && let Some(id) = ids.get(metrics[ahead as usize].customer as usize)
            {
                prefetch(id);
            }
            slot.write(build(i));
        }
    };
    // Gathered in id order: random reads, so half on a helper thread (when
    // there are enough customers to pay for one), each half written
    // straight into its place in the result (appending a helper's half
    // would copy it, and hold it twice at the peak).
    let n = order.len();
    let mut customers: Vec<ScoredCustomer> = Vec::with_capacity(n);
    let half = if n < THREADED_FROM { n } else { n / 2 };
    let (first, second) = order.split_at(half);
    let (first_slots, second_slots) = customers.spare_capacity_mut()[..n].split_at_mut(half);
    std::thread::scope(|scope| {
        let helper = (!second.is_empty()).then(|| scope.spawn(|| gather(second, second_slots)));
        gather(first, first_slots);
        if let Some(helper) = helper {
            helper
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
    });
    // SAFETY: the capacity is at least `n`; `order` (`n` entries) and the
    // first `n` slots were split at the same place and zipped part with
    // part, so every one of those slots was written. A panic leaves before
    // this (the helper's through `resume_unwind`, this thread's through the
    // scope), the length still 0: what was written leaks, and nothing
    // unwritten is read or dropped.
    unsafe { customers.set_len(n) };
    (customers, thresholds)
}

/// Positions into `metrics`, in customer id order. The first 16 bytes of
/// an id as two big-endian integers, read in one pass in the metrics'
/// order, decide the comparisons of ids up to 16 bytes without touching
/// the strings again (with 8-byte keys, ids such as `C03654978` tied in
/// runs of ten and were compared as strings, read at random); runs of
/// equal keys are then ordered by the whole id. The two halves are keyed
/// and sorted on two cores, then merged. The keys take 24 bytes a
/// customer while they are sorted.
fn id_order(metrics: &[CustomerMetrics], ids: &[CustomerId]) -> Vec<u32> {
    let id = |i: u32| &ids[metrics[i as usize].customer as usize];
    let keyed = |range: std::ops::Range<u32>| {
        let mut keys: Vec<(u64, u64, u32)> = range
            .map(|i| {
                let (high, low) = id_key(id(i));
                (high, low, i)
            })
            .collect();
        keys.sort_unstable();
        keys
    };
    let n = metrics.len() as u32;
    let (first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(|| keyed(n / 2..n));
        let first = keyed(0..n / 2);
        let second = second
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (first, second)
    });
    // Merged; a run of equal keys (ids sharing their first 16 bytes) is
    // contiguous in the merged order, and sorted by the whole id once it
    // ends.
    let mut order: Vec<u32> = Vec::with_capacity(metrics.len());
    let mut run: (usize, Option<(u64, u64)>) = (0, None);
    // Appends an entry (`None`: the end), first ordering the run of equal
    // keys that the entry ends.
    let mut take = |order: &mut Vec<u32>, entry: Option<&(u64, u64, u32)>| {
        let key = entry.map(|&(high, low, _)| (high, low));
        if key != run.1 {
            if order.len() - run.0 > 1 {
                order[run.0..].sort_unstable_by(|&x, &y| id(x).cmp(id(y)));
            }
            run = (order.len(), key);
        }
        if let Some(&(_, _, i)) = entry {
            order.push(i);
        }
    };
    let (mut x, mut y) = (0, 0);
    while let (Some(a), Some(b)) = (first.get(x), second.get(y)) {
        if b < a {
            take(&mut order, Some(b));
            y += 1;
        } else {
            take(&mut order, Some(a));
            x += 1;
        }
    }
    for rest in first[x..].iter().chain(&second[y..]) {
        take(&mut order, Some(rest));
    }
    take(&mut order, None);
    order
}

/// `rank[i]`: the position of `i` in `order`.
fn id_ranks(order: &[u32]) -> Vec<u32> {
    let mut rank = vec![0; order.len()];
    for (position, &i) in order.iter().enumerate() {
        rank[i as usize] = position as u32;
    }
    rank
}

/// The first 16 bytes of an id (zero-padded) as two integers that order
/// like the bytes.
fn id_key(id: &str) -> (u64, u64) {
    let mut bytes = [0u8; 16];
    let n = id.len().min(16);
    bytes[..n].copy_from_slice(&id.as_bytes()[..n]);
    let [a, b, c, d, e, f, g, h, rest @ ..] = bytes;
    (
        u64::from_be_bytes([a, b, c, d, e, f, g, h]),
        u64::from_be_bytes(rest),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The id order against a plain sort of the ids: ids of every length
    /// around the 8- and 16-byte keys, sharing long prefixes, with
    /// multi-byte characters, customer codes not in metrics order, and
    /// both halves' runs of equal keys meeting in the merge.
    #[test]
    fn id_order_is_the_order_of_the_ids() {
        let mut next = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15u64);
        let pieces = [
            "C0365497",
            "C0365497x",
            "a",
            "b",
            "é",
            "0",
            "\u{1f}",
            "\0",
            "zz",
        ];
        for n in [0usize, 1, 2, 3, 17, 500, 3000] {
            let ids: Vec<CustomerId> = (0..n)
                .map(|i| {
                    let mut id = String::new();
                    for _ in 0..next() % 5 {
                        id.push_str(pieces[(next() % pieces.len() as u64) as usize]);
                    }
                    // Unique, as customer ids are.
                    id.push_str(&format!("#{i}"));
                    CustomerId::from(id)
                })
                .collect();
            // Metrics in an order of their own.
            let shuffle: Vec<u64> = (0..n).map(|_| next()).collect();
            let mut codes: Vec<u32> = (0..n as u32).collect();
            codes.sort_by_key(|&c| shuffle[c as usize]);
            let metrics: Vec<CustomerMetrics> = codes
                .iter()
                .map(|&customer| CustomerMetrics {
                    customer,
                    first: 0,
                    last: 0,
                    frequency: 1,
                    monetary: 0,
                    last_at: 0,
                })
                .collect();
            let mut expected: Vec<u32> = (0..n as u32).collect();
            expected.sort_by(|&a, &b| {
                ids[metrics[a as usize].customer as usize]
                    .cmp(&ids[metrics[b as usize].customer as usize])
            });
            assert_eq!(id_order(&metrics, &ids), expected, "{n} ids");
        }
    }

    #[test]
    fn kept_columns_named_like_rfms_own_are_renamed() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (headers, renamed) = kept_headers(&names(&[
            "email",
            "segment",
            "input_segment",
            "group",
            "Segment",
        ]));
        assert_eq!(
            headers,
            names(&[
                "email",
                "input_input_segment",
                "input_segment",
                "input_group",
                "input_input_input_Segment"
            ])
        );
        assert_eq!(renamed.len(), 3);
        assert_eq!(renamed[0], ("segment".into(), "input_input_segment".into()));
    }
    use crate::score::definition::Preset;
    use crate::score::lang::Lang;
    use crate::score::segment::Segment;

    fn score_default(
        metrics: Vec<CustomerMetrics>,
        ids: Vec<CustomerId>,
        as_of: Day,
    ) -> (Vec<ScoredCustomer>, Thresholds) {
        let definition = Definition::preset(Preset::Default, Lang::En);
        score_customers(
            metrics,
            &ids,
            &[],
            as_of,
            2,
            &Scoring::default(),
            &definition,
        )
    }

    fn metrics(customer: u32, last: Day, frequency: u32, monetary: i64) -> CustomerMetrics {
        CustomerMetrics {
            customer,
            first: last - 10,
            last,
            frequency,
            monetary,
            last_at: 0,
        }
    }

    #[test]
    fn ids_sort_bytewise_including_shared_prefixes() {
        let ids = [
            "C00000010",
            "C0000001",
            "b",
            "C00000002",
            "",
            "C000000100",
            "a\u{e9}",
            "a",
        ];
        let metrics: Vec<CustomerMetrics> =
            (0..ids.len() as u32).map(|i| metrics(i, 1, 1, 1)).collect();
        let (customers, _) = score_default(
            metrics,
            ids.iter().map(|&s| CustomerId::from(s)).collect(),
            10,
        );
        let got: Vec<&str> = customers.iter().map(|c| &*c.id).collect();
        let mut expected = ids.to_vec();
        expected.sort();
        assert_eq!(got, expected);
    }

    #[test]
    fn hand_computed_five_customers() {
        // as_of = 100. n = 5, so score = 1 + (number strictly worse).
        //   id  last  recency  freq  monetary
        //   a    99      1       5      500     r: worse(larger) 4 -> 5; f: 4 -> 5; m: 4 -> 5
        //   b    90     10       2      200     r 4; f: worse 2 (1,1) -> 3; m: 3 (100,50,-10) -> 4... see below
        //   c    50     50       1      100
        //   d    50     50       1       50
        //   e    10     90       2      -10
        // recency worse counts: a 4, b 3, c 1, d 1, e 0 -> r = 5,4,2,2,1
        // frequency (5,2,1,1,2) smaller counts: a 4, b 2, c 0, d 0, e 2 -> f = 5,3,1,1,3
        // monetary (500,200,100,50,-10): a 4, b 3, c 2, d 1, e 0 -> m = 5,4,3,2,1
        // fm = (f+m+1)/2: a 5, b 4, c 2, d 2, e 2
        // segment: a (5,5) Champions, b (4,4) Loyal Customers, c (2,2) Need Attention,
        //          d (2,2) Need Attention, e (1,2) Hibernating
        let ids: Vec<CustomerId> = ["e", "d", "c", "b", "a"]
            .iter()
            .map(|&s| CustomerId::from(s))
            .collect();
        let m = [
            metrics(4, 99, 5, 500),
            metrics(3, 90, 2, 200),
            metrics(2, 50, 1, 100),
            metrics(1, 50, 1, 50),
            metrics(0, 10, 2, -10),
        ];
        let (customers, levels) = score_default(m.to_vec(), ids, 100);
        let got: Vec<(&str, i32, u8, u8, u8, u8, Segment)> = customers
            .iter()
            .map(|c| {
                let segment = Segment::ALL[usize::from(c.segment)];
                (&*c.id, c.recency_days, c.r, c.f, c.m, c.fm, segment)
            })
            .collect();
        assert_eq!(
            got,
            [
                ("a", 1, 5, 5, 5, 5, Segment::Champions),
                ("b", 10, 4, 3, 4, 4, Segment::LoyalCustomers),
                ("c", 50, 2, 1, 3, 2, Segment::NeedAttention),
                ("d", 50, 2, 1, 2, 2, Segment::NeedAttention),
                ("e", 90, 1, 3, 1, 2, Segment::Hibernating),
            ]
        );
        assert_eq!(customers[0].rfm(false), "555");
        assert_eq!(customers[0].rfm(true), "5-5-5");
        let r_counts: Vec<usize> = levels.r.iter().map(|l| l.customers).collect();
        assert_eq!(r_counts, [1, 2, 0, 1, 1]);
        assert_eq!(levels.empty_levels(), [("r", 3), ("f", 2), ("f", 4)]);
    }
}
