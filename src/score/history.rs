//! `rfm history`: the segmentation at the end of every period, from one
//! pass over the orders.
//!
//! Why periods and not orders: the engine keeps each customer's state per
//! period of the order date (`engine::Every`), so a customer's metrics at the
//! end of period `p` are sums over its periods up to `p` (purchases and
//! money add up, first and last purchase are the min and max). Replaying the
//! periods in order then costs periods x customers, not periods x orders,
//! and each period's customers are scored by the same code as `rfm
//! customers --as-of` (analysis::score_customers), so the two agree by
//! construction. Pure: no I/O.

use crate::dates::Day;
use crate::engine::{CustomerId, CustomerMetrics, Every, split_period_key};
use crate::score::analysis::{self, ScoredCustomer, Scoring};
use crate::score::definition::Definition;
use std::collections::BTreeMap;
use std::ops::RangeInclusive;

/// One customer's orders in one period, summed.
#[derive(Debug, Clone, Copy)]
struct Slice {
    period: i32,
    /// Earliest and latest purchase in the period (`Day::MAX`/`Day::MIN`
    /// when it holds returns only).
    first: Day,
    last: Day,
    frequency: u32,
    monetary: i64,
}

/// Every customer's orders, summed per period.
#[derive(Debug)]
pub(crate) struct Timeline {
    /// The customers, sorted by id (the order of scored customers).
    ids: Vec<CustomerId>,
    /// Customer `c`'s periods are `slices[starts[c]..starts[c + 1]]`, in
    /// period order.
    starts: Vec<usize>,
    slices: Vec<Slice>,
    /// The periods holding a purchase: the first and the last.
    purchases: Option<(i32, i32)>,
    /// Customers with a purchase in some period.
    buyers: usize,
    /// The latest purchase.
    latest: Day,
}

impl Timeline {
    /// From the engine's metrics per (customer, period) key
    /// (`engine::period_key`).
    pub(crate) fn new(metrics: Vec<CustomerMetrics>, keys: &[CustomerId]) -> Timeline {
        let mut keyed: Vec<(&str, Slice)> = metrics
            .iter()
            .filter_map(|m| {
                let (customer, period) = split_period_key(&keys[m.customer as usize])?;
                Some((
                    customer,
                    Slice {
                        period,
                        first: m.first,
                        last: m.last,
                        frequency: m.frequency,
                        monetary: m.monetary,
                    },
                ))
            })
            .collect();
        keyed.sort_unstable_by(|a, b| a.0.cmp(b.0).then(a.1.period.cmp(&b.1.period)));
        let mut ids = Vec::new();
        let mut starts = Vec::new();
        let mut slices = Vec::with_capacity(keyed.len());
        let mut purchases: Option<(i32, i32)> = None;
        for (i, (customer, slice)) in keyed.iter().enumerate() {
            if i == 0 || keyed[i - 1].0 != *customer {
                ids.push(CustomerId::from(*customer));
                starts.push(slices.len());
            }
            if slice.frequency > 0 {
                purchases = Some(match purchases {
                    None => (slice.period, slice.period),
                    Some((a, b)) => (a.min(slice.period), b.max(slice.period)),
                });
            }
            slices.push(*slice);
        }
        starts.push(slices.len());
        let buyers = starts
            .windows(2)
            .filter(|w| slices[w[0]..w[1]].iter().any(|s| s.frequency > 0))
            .count();
        let latest = slices.iter().map(|s| s.last).max().unwrap_or(Day::MIN);
        // Scored customers come back in id order; `replay` pairs them with
        // codes in that order.
        debug_assert!(ids.windows(2).all(|w| w[0] < w[1]));
        Timeline {
            ids,
            starts,
            slices,
            purchases,
            buyers,
            latest,
        }
    }

    /// The first and last period holding a purchase (`None` without any).
    pub(crate) fn purchase_periods(&self) -> Option<(i32, i32)> {
        self.purchases
    }

    /// The day of the latest purchase.
    pub(crate) fn latest_purchase(&self) -> Day {
        self.latest
    }

    /// The customers with a purchase in some period.
    pub(crate) fn buyers(&self) -> usize {
        self.buyers
    }

    /// The customers, by code (the `customer` of each period's rows).
    pub(crate) fn ids(&self) -> &[CustomerId] {
        &self.ids
    }
}

/// The segmentation at the end of one period.
#[derive(Debug)]
pub(crate) struct Period {
    /// Its last day: the scores are those of `rfm customers --as-of` the
    /// day after.
    pub(crate) end: Day,
    /// The customers with a purchase up to `end`, sorted by id.
    pub(crate) customers: Vec<ScoredCustomer>,
    /// Each customer's code in the timeline (`Timeline::ids`).
    pub(crate) codes: Vec<u32>,
    /// Per segment: customers in it now who were not at the end of the
    /// period before (new customers included), and customers in it then
    /// who are not now.
    pub(crate) entered: Vec<u64>,
    pub(crate) left: Vec<u64>,
    /// (segment before or `None` for a new customer, segment now) ->
    /// customers, stayers included.
    pub(crate) transitions: BTreeMap<(Option<u8>, u8), u64>,
}

/// One period of `rfm report --trend`: per segment (the definition's
/// order), customers at the period's end, and who entered and left it
/// since the period before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrendPeriod {
    /// The period's last day.
    pub(crate) end: Day,
    pub(crate) customers: Vec<u64>,
    pub(crate) entered: Vec<u64>,
    pub(crate) left: Vec<u64>,
}

/// The segment sizes and moves of every period in `periods`.
pub(crate) fn trend(
    timeline: &Timeline,
    every: Every,
    periods: RangeInclusive<i32>,
    scale: u8,
    scoring: &Scoring,
    definition: &Definition,
) -> Vec<TrendPeriod> {
    let mut trend = Vec::new();
    replay(timeline, every, periods, scale, scoring, definition, |p| {
        let mut customers = vec![0u64; definition.segments.len()];
        for c in &p.customers {
            customers[usize::from(c.segment)] += 1;
        }
        trend.push(TrendPeriod {
            end: p.end,
            customers,
            entered: p.entered,
            left: p.left,
        });
    });
    trend
}

/// Per customer (timeline code), its segment at the end of the last period
/// of `periods` and the end of the first period of the run of periods in
/// which it was in that segment without a break; `None` for a customer
/// without a purchase by then.
pub(crate) fn segment_runs(
    timeline: &Timeline,
    every: Every,
    periods: RangeInclusive<i32>,
    scale: u8,
    scoring: &Scoring,
    definition: &Definition,
) -> Vec<Option<(u8, Day)>> {
    let mut runs: Vec<Option<(u8, Day)>> = vec![None; timeline.ids.len()];
    replay(timeline, every, periods, scale, scoring, definition, |p| {
        for (c, &code) in p.customers.iter().zip(&p.codes) {
            let run = &mut runs[code as usize];
            if run.is_none_or(|(segment, _)| segment != c.segment) {
                *run = Some((c.segment, p.end));
            }
        }
    });
    runs
}

/// Scores the customers at the end of every period in `shown`, in order,
/// and hands each period to `visit`. The period before the first shown one
/// is scored too (not shown), so that its entered and left counts are
/// against it.
pub(crate) fn replay(
    timeline: &Timeline,
    every: Every,
    shown: RangeInclusive<i32>,
    scale: u8,
    scoring: &Scoring,
    definition: &Definition,
    mut visit: impl FnMut(Period),
) {
    const ABSENT: u8 = u8::MAX;
    let n = timeline.ids.len();
    let segments = definition.segments.len();
    // Per customer: the next slice to add and the sums so far.
    let mut cursor: Vec<usize> = timeline.starts[..n].to_vec();
    let mut sums: Vec<(Day, Day, u32, i64)> = vec![(Day::MAX, Day::MIN, 0, 0); n];
    let mut before: Vec<u8> = vec![ABSENT; n];
    let start = match timeline.purchases {
        Some((first, _)) => (*shown.start() - 1).max(first),
        None => return,
    };
    for period in start..=*shown.end() {
        let end = every.last_day(period);
        let mut metrics = Vec::new();
        let mut codes = Vec::new();
        for c in 0..n {
            let stop = timeline.starts[c + 1];
            let sum = &mut sums[c];
            while cursor[c] < stop && timeline.slices[cursor[c]].period <= period {
                let s = timeline.slices[cursor[c]];
                sum.0 = sum.0.min(s.first);
                sum.1 = sum.1.max(s.last);
                sum.2 += s.frequency;
                sum.3 = sum.3.wrapping_add(s.monetary);
                cursor[c] += 1;
            }
            if sum.2 > 0 {
                metrics.push(CustomerMetrics {
                    customer: c as u32,
                    first: sum.0,
                    last: sum.1,
                    frequency: sum.2,
                    monetary: sum.3,
                    last_at: 0,
                });
                codes.push(c as u32);
            }
        }
        if metrics.is_empty() {
            continue;
        }
        let (customers, _) = analysis::score_in_id_order(
            metrics,
            &timeline.ids,
            end + 1,
            scale,
            scoring,
            definition,
        );
        // Scored customers come back in id order, which is code order.
        let mut entered = vec![0u64; segments];
        let mut left = vec![0u64; segments];
        // (before, now) counts, `before` = segments for a new customer:
        // an array, not a map, since every customer adds one.
        let mut moves = vec![0u64; (segments + 1) * segments];
        for (c, &code) in customers.iter().zip(&codes) {
            let was = before[code as usize];
            let now = c.segment;
            if was != now {
                entered[usize::from(now)] += 1;
                if was != ABSENT {
                    left[usize::from(was)] += 1;
                }
            }
            let from = if was == ABSENT {
                segments
            } else {
                usize::from(was)
            };
            moves[from * segments + usize::from(now)] += 1;
            before[code as usize] = now;
        }
        let mut transitions = BTreeMap::new();
        for (i, &n) in moves.iter().enumerate().filter(|(_, n)| **n > 0) {
            let (from, now) = (i / segments, (i % segments) as u8);
            let from = (from < segments).then_some(from as u8);
            transitions.insert((from, now), n);
        }
        if period >= *shown.start() {
            visit(Period {
                end,
                customers,
                codes,
                entered,
                left,
                transitions,
            });
        }
    }
}
