//! Per-segment totals (`rfm summary`). Pure.

use crate::score::analysis::ScoredCustomer;

/// Totals over a group of customers. Averages are derived from these sums
/// at print time, so they are exact until the final rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Totals {
    /// Customers.
    pub(crate) customers: u64,
    /// Sum of frequency (purchases).
    pub(crate) orders: u64,
    /// Sum of monetary, at the input scale.
    pub(crate) revenue: i128,
    /// Sum of recency_days.
    pub(crate) recency_days: i64,
}

impl Totals {
    fn add(&mut self, c: &ScoredCustomer) {
        self.customers += 1;
        self.orders += u64::from(c.frequency);
        self.revenue += i128::from(c.monetary);
        self.recency_days += i64::from(c.recency_days);
    }
}

/// One row per segment of the definition, in its order, plus the total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Summary {
    /// Totals per segment index; empty segments included.
    pub(crate) segments: Vec<Totals>,
    /// All customers.
    pub(crate) total: Totals,
}

/// Sums customers per segment, for a definition of `segments` segments.
pub(crate) fn summarize(customers: &[ScoredCustomer], segments: usize) -> Summary {
    let mut per = vec![Totals::default(); segments];
    let mut total = Totals::default();
    for c in customers {
        if let Some(t) = per.get_mut(usize::from(c.segment)) {
            t.add(c);
        }
        total.add(c);
    }
    Summary {
        segments: per,
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(segment: u8, recency_days: i32, frequency: u32, monetary: i64) -> ScoredCustomer {
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
            group: 0,
            kept: None,
            code: 0,
        }
    }

    #[test]
    fn sums_per_segment_in_canonical_order() {
        let customers = [
            customer(10, 300, 1, 1000),
            customer(0, 2, 10, 50000),
            customer(10, 200, 2, -500),
        ];
        let s = summarize(&customers, 11);
        assert_eq!(s.segments.len(), 11);
        assert_eq!(
            s.segments[10],
            Totals {
                customers: 2,
                orders: 3,
                revenue: 500,
                recency_days: 500
            }
        );
        assert_eq!(s.segments[1], Totals::default());
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
