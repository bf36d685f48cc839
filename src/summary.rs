//! Per-segment totals (`rfm summary`). Pure.

use crate::analysis::ScoredCustomer;
use crate::segment::Segment;

/// Totals over a group of customers. Averages are derived from these sums
/// at print time, so they are exact until the final rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    /// Customers.
    pub customers: u64,
    /// Sum of frequency (purchases).
    pub orders: u64,
    /// Sum of monetary, at the input scale.
    pub revenue: i128,
    /// Sum of recency_days.
    pub recency_days: i64,
}

impl Totals {
    fn add(&mut self, c: &ScoredCustomer) {
        self.customers += 1;
        self.orders += u64::from(c.frequency);
        self.revenue += i128::from(c.monetary);
        self.recency_days += i64::from(c.recency_days);
    }
}

/// One row per segment, all eleven in canonical order, plus the total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// `(segment, totals)` in canonical order; empty segments included.
    pub segments: Vec<(Segment, Totals)>,
    /// All customers.
    pub total: Totals,
}

/// Sums customers per segment.
pub fn summarize(customers: &[ScoredCustomer]) -> Summary {
    let mut per = [Totals::default(); 11];
    let mut total = Totals::default();
    for c in customers {
        per[c.segment.rank()].add(c);
        total.add(c);
    }
    Summary {
        segments: Segment::ALL.iter().map(|&s| (s, per[s.rank()])).collect(),
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(
        segment: Segment,
        recency_days: i32,
        frequency: u32,
        monetary: i64,
    ) -> ScoredCustomer {
        ScoredCustomer {
            id: "".into(),
            first: 0,
            last: 0,
            recency_days,
            frequency,
            monetary,
            r: 1,
            f: 1,
            m: 1,
            fm: 1,
            segment,
        }
    }

    #[test]
    fn sums_per_segment_in_canonical_order() {
        let customers = [
            customer(Segment::Lost, 300, 1, 1000),
            customer(Segment::Champions, 2, 10, 50000),
            customer(Segment::Lost, 200, 2, -500),
        ];
        let s = summarize(&customers);
        assert_eq!(s.segments.len(), 11);
        assert_eq!(s.segments[0].0, Segment::Champions);
        assert_eq!(s.segments[10].0, Segment::Lost);
        assert_eq!(
            s.segments[10].1,
            Totals {
                customers: 2,
                orders: 3,
                revenue: 500,
                recency_days: 500
            }
        );
        assert_eq!(s.segments[1].1, Totals::default());
        assert_eq!(
            s.total,
            Totals {
                customers: 3,
                orders: 13,
                revenue: 50500,
                recency_days: 502
            }
        );
    }
}
