//! Scoring and segmenting customers (steps 6 to 9 of docs/method.md).
//!
//! Pure: takes the aggregated metrics and the as-of date, returns scored
//! customers. Independent of input order: scores depend only on the multiset
//! of values, and the result is sorted by customer id.

use crate::aggregate::CustomerMetrics;
use crate::dates::Day;
use crate::score::{self, Better};
use crate::segment::Segment;

/// A customer id as written in the input. Ids up to 24 bytes are stored
/// inline: sorting customers by id then moves the bytes along, so reading
/// them in that order (the output) is sequential, not a cache miss per
/// customer; it also saves a heap allocation per customer.
pub type CustomerId = compact_str::CompactString;

/// A customer with metrics, scores and segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoredCustomer {
    /// The customer id, verbatim.
    pub id: CustomerId,
    /// Earliest purchase.
    pub first: Day,
    /// Latest purchase.
    pub last: Day,
    /// Days from the latest purchase to the as-of date.
    pub recency_days: i32,
    /// Purchases.
    pub frequency: u32,
    /// Net revenue at the input scale.
    pub monetary: i64,
    /// Recency score 1..=5.
    pub r: u8,
    /// Frequency score 1..=5.
    pub f: u8,
    /// Monetary score 1..=5.
    pub m: u8,
    /// Combined frequency-monetary score 1..=5.
    pub fm: u8,
    /// The segment.
    pub segment: Segment,
}

impl ScoredCustomer {
    /// The three score digits, e.g. `545`.
    pub fn rfm(&self) -> &'static str {
        static CODES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        let codes = CODES.get_or_init(|| (0..1000).map(|n| format!("{:03}", n)).collect());
        let n = usize::from(self.r) * 100 + usize::from(self.f) * 10 + usize::from(self.m);
        codes.get(n).map_or("", String::as_str)
    }
}

/// How many customers got each score level, per metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LevelCounts {
    /// Recency levels 1..=5.
    pub r: [usize; 5],
    /// Frequency levels 1..=5.
    pub f: [usize; 5],
    /// Monetary levels 1..=5.
    pub m: [usize; 5],
}

impl LevelCounts {
    /// `(metric, level)` pairs nobody scored, e.g. `("f", 2)`.
    pub fn empty_levels(&self) -> Vec<(&'static str, u8)> {
        let mut empty = Vec::new();
        for (name, counts) in [("r", &self.r), ("f", &self.f), ("m", &self.m)] {
            for (i, &n) in counts.iter().enumerate() {
                if n == 0 {
                    empty.push((name, i as u8 + 1));
                }
            }
        }
        empty
    }
}

/// Scores and segments customers; `ids` maps customer codes to ids (they
/// are moved into the result, not copied). The result is sorted by customer id.
///
/// Inputs are taken by value and every intermediate is dropped as soon as it
/// is used: with millions of customers this step sets the peak memory of a run.
pub fn score_customers(
    metrics: Vec<CustomerMetrics>,
    ids: Vec<CustomerId>,
    as_of: Day,
) -> (Vec<ScoredCustomer>, LevelCounts) {
    // Monetary (a sort) on a second core; recency and frequency (counted)
    // and the order of the ids here.
    let (r, f, m, order) = {
        let recency: Vec<i32> = metrics.iter().map(|c| as_of - c.last).collect();
        let frequency: Vec<u32> = metrics.iter().map(|c| c.frequency).collect();
        let monetary: Vec<i64> = metrics.iter().map(|c| c.monetary).collect();
        std::thread::scope(|scope| {
            let m = scope.spawn(|| score::scores(&monetary, Better::Higher));
            let r = score::scores(&recency, Better::Lower);
            let f = score::scores(&frequency, Better::Higher);
            // By id: the first 8 bytes as a big-endian integer decide most
            // comparisons without touching the strings.
            let mut order: Vec<(u64, u32)> = metrics
                .iter()
                .enumerate()
                .map(|(i, c)| (id_prefix(&ids[c.customer as usize]), i as u32))
                .collect();
            order.sort_unstable();
            let m = m
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (r, f, m, order)
        })
    };
    let levels = LevelCounts {
        r: score::level_counts(&r),
        f: score::level_counts(&f),
        m: score::level_counts(&m),
    };
    let build = |&(_, i): &(u64, u32)| {
        let i = i as usize;
        let c = &metrics[i];
        let fm = score::fm(f[i], m[i]);
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
            fm,
            segment: Segment::from_scores(r[i], fm),
        }
    };
    // Gathered in id order: random reads, so two chunks at a time, one on
    // a helper thread (chunks, not halves: a half on the side would add half
    // the result to the peak memory).
    let mut customers: Vec<ScoredCustomer> = Vec::with_capacity(order.len());
    let chunks: Vec<&[(u64, u32)]> = order.chunks(1 << 16).collect();
    std::thread::scope(|scope| {
        for pair in chunks.chunks(2) {
            let helper = pair
                .get(1)
                .map(|chunk| scope.spawn(move || chunk.iter().map(build).collect::<Vec<_>>()));
            customers.extend(pair[0].iter().map(build));
            if let Some(helper) = helper {
                customers.extend(
                    helper
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                );
            }
        }
    });
    drop(ids);
    drop(metrics);
    // Runs of equal prefixes are ordered by the whole id.
    let mut start = 0;
    while start < order.len() {
        let prefix = order[start].0;
        let end = start
            + order[start..]
                .iter()
                .take_while(|&&(p, _)| p == prefix)
                .count();
        if end - start > 1 {
            customers[start..end].sort_unstable_by(|a, b| a.id.cmp(&b.id));
        }
        start = end;
    }
    (customers, levels)
}

/// The first 8 bytes of an id as an integer that orders like the bytes.
fn id_prefix(id: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = id.len().min(8);
    bytes[..n].copy_from_slice(&id.as_bytes()[..n]);
    u64::from_be_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(customer: u32, last: Day, frequency: u32, monetary: i64) -> CustomerMetrics {
        CustomerMetrics {
            customer,
            first: last - 10,
            last,
            frequency,
            monetary,
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
        let (customers, _) = score_customers(
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
        let (customers, levels) = score_customers(m.to_vec(), ids, 100);
        let got: Vec<(&str, i32, u8, u8, u8, u8, Segment)> = customers
            .iter()
            .map(|c| (&*c.id, c.recency_days, c.r, c.f, c.m, c.fm, c.segment))
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
        assert_eq!(customers[0].rfm(), "555");
        assert_eq!(levels.r, [1, 2, 0, 1, 1]);
        assert_eq!(levels.empty_levels(), [("r", 3), ("f", 2), ("f", 4)]);
    }
}
