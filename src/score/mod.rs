//! The scoring stage: metrics -> scores -> segments.
//!
//! This file holds the scoring methods; beside it: `analysis` (metrics to
//! scored customers, the pure core of a run), `definition` and
//! `definition_file` (segment definitions: presets, TOML files, checks),
//! `segment` and `lang` (the built-in segments and their names per
//! `--lang`), `summary` (per-segment totals), `explain` (`--explain`) and
//! `predicted` (`--predict`: the models of `crate::predict` fitted on the
//! run's customers).
//!
//! Scores 1..=L for one metric, by the methods of `--scoring` (docs/method.md,
//! step 7), or by fixed break points (`--r-bins`, `--f-bins`, `--m-bins`).
//!
//! Every method is deterministic and independent of row order:
//!
//! - `rank` scores a customer by how many customers do strictly worse:
//!   `1 + floor(L * worse / n)`. Equal values always share a score (unlike
//!   `NTILE`, which splits a run of ties at an arbitrary place), at the price
//!   of levels that can stay empty.
//! - `ntile` makes equal-size groups like SQL `NTILE(L)`, breaking ties by
//!   customer id, so it splits ties, but reproducibly.
//! - `r-quantile` places break points at R's default (type 7) quantiles plus
//!   one, as the R package `rfm` 0.3.0 does; fixed bins take the break points
//!   from the user instead. Both then count the break points a value reaches.
//!
//! Break points are exact rationals ([`Break`]), so money and R's fractional
//! quantiles are compared without floating point. Everything here is pure
//! and works on plain slices.

pub(crate) mod analysis;
pub(crate) mod definition;
pub(crate) mod definition_file;
pub(crate) mod explain;
pub(crate) mod history;
pub(crate) mod lang;
pub(crate) mod predicted;
pub(crate) mod reasons;
pub(crate) mod segment;
pub(crate) mod summary;

use crate::money::{self, Decimal};

/// The number of score levels of the default grid.
pub(crate) const LEVELS: u8 = 5;

/// The most score levels `--bins` and fixed break points may give.
pub(crate) const MAX_LEVELS: u8 = 10;

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Better {
    /// Larger is better (frequency, monetary).
    Higher,
    /// Smaller is better (recency in days).
    Lower,
}

/// `--scoring`: how scores are derived from the customers' values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum Method {
    /// Tie-aware rank: 1 + floor(L x customers doing strictly worse / N);
    /// ties share a score.
    #[default]
    Rank,
    /// Equal-size groups like SQL NTILE(L): worst to best, ties by
    /// customer_id; the first N mod L groups get one more customer.
    Ntile,
    /// The R package rfm 0.3.0: break points at R's type 7 quantiles + 1;
    /// frequency counts rows and monetary sums all rows.
    #[value(name = "r-quantile")]
    RQuantile,
}

impl Method {
    /// The name as `--scoring` spells it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Method::Rank => "rank",
            Method::Ntile => "ntile",
            Method::RQuantile => "r-quantile",
        }
    }
}

/// How one metric's values are cut into score levels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Binning {
    /// A `--scoring` method with this many levels (`--bins`).
    Method(Method, u8),
    /// Fixed ascending break points: k points give k + 1 levels.
    Fixed(Vec<Decimal>),
}

impl Binning {
    /// The number of score levels the rule gives.
    pub(crate) fn levels(&self) -> u8 {
        match self {
            Binning::Method(_, levels) => *levels,
            Binning::Fixed(points) => points.len() as u8 + 1,
        }
    }

    /// Why a level of this binning can stay empty (for the warning).
    pub(crate) fn why_empty(&self) -> &'static str {
        match self {
            Binning::Method(Method::Rank, _) => {
                "tied values share a score, so a level can be skipped"
            }
            Binning::Method(Method::Ntile, _) => "fewer customers than levels",
            _ => "no value falls between two break points",
        }
    }

    /// The method's name, or `fixed`.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Binning::Method(m, _) => m.name(),
            Binning::Fixed(_) => "fixed",
        }
    }
}

/// Parses fixed break points: `30,90,180,365` (decimal points, ascending,
/// 1 to 9 of them). Errors say what to fix, without the flag name.
pub(crate) fn parse_breaks(text: &str) -> Result<Vec<Decimal>, String> {
    let mut points = Vec::new();
    for part in text.split(',').map(str::trim) {
        // Plain numbers only: the amount parser would also take `$5` or `1,5`.
        let plain = !part.is_empty()
            && part
                .strip_prefix('-')
                .unwrap_or(part)
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.');
        let point = plain
            .then(|| Decimal::parse(part, money::DecimalSeparator::Point).ok())
            .flatten()
            .ok_or_else(|| {
                format!("'{part}' is not a number (write break points like 30,90,180,365)")
            })?;
        if let Some(&before) = points.last() {
            if compare(before, point).is_ge() {
                return Err(format!(
                    "break points must be strictly ascending, but {part} follows {}",
                    money::format_fixed(i128::from(before.mantissa), before.scale, '.')
                ));
            }
        }
        points.push(point);
    }
    if points.len() >= usize::from(MAX_LEVELS) {
        return Err(format!(
            "{} break points give {} levels; at most {} break points ({MAX_LEVELS} levels)",
            points.len(),
            points.len() + 1,
            MAX_LEVELS - 1
        ));
    }
    Ok(points)
}

fn compare(a: Decimal, b: Decimal) -> std::cmp::Ordering {
    let scale = a.scale.max(b.scale);
    let at = |d: Decimal| i128::from(d.mantissa) * money::pow10(u32::from(scale - d.scale));
    at(a).cmp(&at(b))
}

/// A break point `num / den` in the metric's units (den > 0): a value `v`
/// reaches it when `v >= num / den`. Exact, so money and R's fractional
/// quantiles compare without rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Break {
    /// Numerator, in the metric's units.
    pub(crate) num: i128,
    /// Denominator, positive.
    pub(crate) den: i128,
}

impl Break {
    fn reached_by(self, value: i64) -> bool {
        i128::from(value) * self.den >= self.num
    }
}

/// What one score level holds: for `--explain` and the JSON thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Level {
    /// The score, 1..=L.
    pub(crate) score: u8,
    /// Customers with this score.
    pub(crate) customers: usize,
    /// Smallest value among them (none when the level is empty).
    pub(crate) min: Option<i64>,
    /// Largest value among them.
    pub(crate) max: Option<i64>,
    /// Values at or above this break point get the score (break-point
    /// methods only; none: no lower limit).
    pub(crate) from: Option<Break>,
    /// Values below this break point get the score (none: no upper limit).
    pub(crate) below: Option<Break>,
}

/// One metric's scores and what each level holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scored {
    /// The score of every value, in input order.
    pub(crate) scores: Vec<u8>,
    /// Levels 1..=L, in order.
    pub(crate) levels: Vec<Level>,
}

/// Scores `values` (in the metric's units at `scale` decimals) by `binning`.
/// `id_rank[i]` is the position of value `i`'s customer in customer id order
/// (ties of `ntile` are broken by it).
pub(crate) fn score<T: Ord + Copy + Into<i64>>(
    values: &[T],
    better: Better,
    binning: &Binning,
    scale: u8,
    id_rank: &[u32],
) -> Scored {
    let levels = binning.levels();
    let (scores, breaks) = match binning {
        Binning::Method(Method::Rank, _) => (rank(values, better, levels), None),
        Binning::Method(Method::Ntile, _) => (ntile(values, better, levels, id_rank), None),
        Binning::Method(Method::RQuantile, _) => {
            let breaks = r_quantile_breaks(values, levels, money::pow10(u32::from(scale)));
            (by_breaks(values, better, &breaks), Some(breaks))
        }
        Binning::Fixed(points) => {
            let breaks: Vec<Break> = points
                .iter()
                .map(|p| Break {
                    num: i128::from(p.mantissa) * money::pow10(u32::from(scale)),
                    den: money::pow10(u32::from(p.scale)),
                })
                .collect();
            (by_breaks(values, better, &breaks), Some(breaks))
        }
    };
    let levels = describe(values, &scores, levels, better, breaks.as_deref());
    Scored { scores, levels }
}

/// `rank`: `1 + floor(levels * (number of strictly worse values) / n)`.
///
/// Values spanning a small range (days, purchase counts) are counted in a
/// histogram: one pass, then a prefix sum gives every value's number of
/// strictly worse values. Wide ones (money) need no sort: the score only
/// changes where the number of worse values reaches a multiple of
/// `n / levels`, so at most `levels - 1` values, found by selection
/// ([`cut_values`]), decide every score (a sort of (value, position) pairs
/// took 60-70 ms at 1.4M customers, the longest step of the scoring).
/// Sequential memory access throughout, which matters at millions of
/// customers.
pub(crate) fn rank<T: Ord + Copy + Into<i64>>(values: &[T], better: Better, levels: u8) -> Vec<u8> {
    let n = values.len();
    let score = |worse: usize| 1 + (u64::from(levels) * worse as u64 / n as u64) as u8;
    let (Some(min), Some(max)) = (values.iter().min(), values.iter().max()) else {
        return Vec::new();
    };
    let (min, max): (i64, i64) = ((*min).into(), (*max).into());
    let span = i128::from(max) - i128::from(min);
    if span < (4 * n as i128).max(1 << 16) {
        let at = |v: T| (v.into() - min) as usize;
        let mut counts = vec![0usize; span as usize + 1];
        for &v in values {
            counts[at(v)] += 1;
        }
        // worse[k]: values strictly worse than min + k.
        let mut worse = vec![0usize; counts.len()];
        let mut sum = 0;
        match better {
            Better::Higher => {
                for (w, c) in worse.iter_mut().zip(&counts) {
                    *w = sum;
                    sum += c;
                }
            }
            Better::Lower => {
                for (w, c) in worse.iter_mut().zip(&counts).rev() {
                    *w = sum;
                    sum += c;
                }
            }
        }
        let levels: Vec<u8> = worse.into_iter().map(score).collect();
        return values.iter().map(|&v| levels[at(v)]).collect();
    }
    let cuts = cut_values(values, better, levels);
    values
        .iter()
        .map(|&v| {
            let v: i64 = v.into();
            let passed = match better {
                Better::Higher => cuts.iter().filter(|&&cut| cut < v).count(),
                Better::Lower => cuts.iter().filter(|&&cut| cut > v).count(),
            };
            // At most `levels - 1` cuts.
            1 + passed as u8
        })
        .collect()
}

/// The values that decide [`rank`]'s scores: a value scores `1 +` the
/// number of cuts it is better than.
///
/// Score `s + 1` or more (for `s` from 1 to `levels - 1`) takes
/// `levels * worse >= s * n`, i.e. at least `t = ceil(s * n / levels)`
/// strictly worse values (never reached when `t > n - 1`, as `worse <=
/// n - 1`). When larger is better, a value has `t` smaller ones exactly when
/// it is larger than the `t`-th smallest value; when smaller is better, `t`
/// larger ones exactly when it is smaller than the `t`-th largest. Those
/// order statistics are found by selection, each in the part of the values
/// the previous one left above it.
fn cut_values<T: Copy + Into<i64>>(values: &[T], better: Better, levels: u8) -> Vec<i64> {
    let n = values.len() as u64;
    let positions: Vec<usize> = (1..u64::from(levels))
        .map(|s| (s * n).div_ceil(u64::from(levels)))
        .filter(|&t| t < n)
        .map(|t| match better {
            Better::Higher => (t - 1) as usize,
            Better::Lower => (n - t) as usize,
        })
        .collect();
    let mut selected: Vec<i64> = values.iter().map(|&v| v.into()).collect();
    let mut ascending = positions.clone();
    ascending.sort_unstable();
    ascending.dedup();
    // `selected[from..]` holds the values of ranks `from` and above.
    let mut from = 0;
    for &at in &ascending {
        selected[from..].select_nth_unstable(at - from);
        from = at + 1;
    }
    positions.iter().map(|&at| selected[at]).collect()
}

/// `ntile`: customers ordered from worst to best value, ties by customer id
/// ascending, cut into `levels` groups of sizes differing by at most one; the
/// first `n mod levels` groups (the worst) get the extra customer, as SQL's
/// `NTILE` does. Group g (from 0) scores g + 1.
pub(crate) fn ntile<T: Ord + Copy + Into<i64>>(
    values: &[T],
    better: Better,
    levels: u8,
    id_rank: &[u32],
) -> Vec<u8> {
    let n = values.len();
    // Worst first: ascending when larger is better, descending otherwise.
    let mut order: Vec<(i128, u32, u32)> = values
        .iter()
        .zip(id_rank)
        .enumerate()
        .map(|(i, (&v, &id))| {
            let v = i128::from(v.into());
            let key = match better {
                Better::Higher => v,
                Better::Lower => -v,
            };
            (key, id, i as u32)
        })
        .collect();
    order.sort_unstable();
    let levels = usize::from(levels);
    let (size, extra) = (n / levels, n % levels);
    let big = extra * (size + 1);
    let mut scores = vec![0u8; n];
    for (position, &(_, _, i)) in order.iter().enumerate() {
        // With size 0 (fewer customers than levels) every position is < big.
        let group = if position < big {
            position / (size + 1)
        } else {
            extra + (position - big) / size
        };
        scores[i as usize] = group as u8 + 1;
    }
    scores
}

/// `r-quantile` break points: R's type 7 quantiles of the values at
/// probabilities k / levels (k = 1 .. levels - 1), each plus `one` (1 in
/// the metric's units), exactly: with the values sorted into x[0..n),
/// h = (n - 1) k / levels, the quantile is x[floor h] + frac(h) (x[floor h + 1] - x[floor h]).
/// Every quantile has denominator `levels`.
pub(crate) fn r_quantile_breaks<T: Ord + Copy + Into<i64>>(
    values: &[T],
    levels: u8,
    one: i128,
) -> Vec<Break> {
    let mut x: Vec<i64> = values.iter().map(|&v| v.into()).collect();
    x.sort_unstable();
    let Some(last) = x.len().checked_sub(1) else {
        return Vec::new();
    };
    let den = i128::from(levels);
    (1..i128::from(levels))
        .map(|k| {
            let h = last as i128 * k;
            let (lo, rem) = ((h / den) as usize, h % den);
            let mut num = i128::from(x[lo]) * den;
            if rem > 0 {
                num += rem * (i128::from(x[lo + 1]) - i128::from(x[lo]));
            }
            Break {
                num: num + one * den,
                den,
            }
        })
        .collect()
}

/// Scores by ascending break points: a value reaching `c` of them scores
/// `1 + c` when larger is better, `k + 1 - c` when smaller is better (so
/// the values below the first break point score highest).
pub(crate) fn by_breaks<T: Copy + Into<i64>>(
    values: &[T],
    better: Better,
    breaks: &[Break],
) -> Vec<u8> {
    let top = breaks.len() as u8 + 1;
    values
        .iter()
        .map(|&v| {
            let v = v.into();
            let reached = breaks.iter().take_while(|b| b.reached_by(v)).count() as u8;
            match better {
                Better::Higher => 1 + reached,
                Better::Lower => top - reached,
            }
        })
        .collect()
}

/// Per level: customers, observed range and, for break points, the bounds.
fn describe<T: Copy + Into<i64>>(
    values: &[T],
    scores: &[u8],
    levels: u8,
    better: Better,
    breaks: Option<&[Break]>,
) -> Vec<Level> {
    let mut out: Vec<Level> = (1..=levels)
        .map(|score| {
            let (from, below) = match breaks {
                None => (None, None),
                Some(breaks) => {
                    // Bin j counts the break points reached: [breaks[j-1], breaks[j]).
                    let j = match better {
                        Better::Higher => usize::from(score - 1),
                        Better::Lower => usize::from(levels - score),
                    };
                    let from = j.checked_sub(1).and_then(|i| breaks.get(i)).copied();
                    (from, breaks.get(j).copied())
                }
            };
            Level {
                score,
                customers: 0,
                min: None,
                max: None,
                from,
                below,
            }
        })
        .collect();
    for (&v, &s) in values.iter().zip(scores) {
        let v = v.into();
        let level = &mut out[usize::from(s - 1)];
        level.customers += 1;
        level.min = Some(level.min.map_or(v, |m| m.min(v)));
        level.max = Some(level.max.map_or(v, |m| m.max(v)));
    }
    out
}

/// The combined frequency-monetary score: `floor((f + m + 1) / 2)`, i.e. the
/// mean of f and m rounded half up.
#[allow(clippy::manual_div_ceil)] // written exactly as docs/method.md states it
pub(crate) fn fm(f: u8, m: u8) -> u8 {
    (f + m + 1) / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<u32> {
        (0..n as u32).collect()
    }

    /// The rank definition, computed the slow way: count worse values per customer.
    fn rank_by_definition(values: &[i64], better: Better, levels: u8) -> Vec<u8> {
        let n = values.len() as u64;
        values
            .iter()
            .map(|v| {
                let worse = values
                    .iter()
                    .filter(|x| match better {
                        Better::Higher => *x < v,
                        Better::Lower => *x > v,
                    })
                    .count() as u64;
                1 + (u64::from(levels) * worse / n) as u8
            })
            .collect()
    }

    /// NTILE the slow way: list the group sizes (the first n mod L one
    /// larger), then deal the customers, worst first, into the groups.
    fn ntile_by_definition(values: &[i64], better: Better, levels: usize, ids: &[u32]) -> Vec<u8> {
        let n = values.len();
        let sizes: Vec<usize> = (0..levels)
            .map(|g| n / levels + usize::from(g < n % levels))
            .collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            let by_value = values[a].cmp(&values[b]);
            let by_value = if better == Better::Lower {
                by_value.reverse()
            } else {
                by_value
            };
            by_value.then(ids[a].cmp(&ids[b]))
        });
        let mut scores = vec![0; n];
        let mut dealt = order.into_iter();
        for (g, &size) in sizes.iter().enumerate() {
            for i in dealt.by_ref().take(size) {
                scores[i] = g as u8 + 1;
            }
        }
        scores
    }

    fn scored(values: &[i64], better: Better, binning: &Binning, scale: u8) -> Scored {
        score(values, better, binning, scale, &ids(values.len()))
    }

    #[test]
    fn rank_ten_distinct_values_make_even_quintiles() {
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(rank(&v, Better::Higher, 5), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        assert_eq!(rank(&v, Better::Lower, 5), [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
        // Three levels over six values: 1 + floor(3 w / 6), w = 0..5.
        assert_eq!(rank(&v[..6], Better::Higher, 3), [1, 1, 2, 2, 3, 3]);
    }

    #[test]
    fn rank_ties_share_a_score() {
        // Six customers bought once, two twice, one 3 times, one 9 times.
        // worse counts: 0 (x6), 6 (x2), 8, 9  ->  1 + floor(5*w/10)
        let v = [1, 1, 1, 1, 1, 1, 2, 2, 3, 9];
        assert_eq!(rank(&v, Better::Higher, 5), [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
        let s = scored(&v, Better::Higher, &Binning::Method(Method::Rank, 5), 0);
        let counts: Vec<usize> = s.levels.iter().map(|l| l.customers).collect();
        assert_eq!(counts, [6, 0, 0, 2, 2]);
        assert_eq!((s.levels[3].min, s.levels[3].max), (Some(2), Some(2)));
        assert_eq!((s.levels[4].min, s.levels[4].max), (Some(3), Some(9)));
        assert_eq!((s.levels[1].min, s.levels[1].from), (None, None));
    }

    #[test]
    fn rank_recency_ties() {
        // days: 3 customers at 10, 2 at 50, 1 at 400. Lower is better.
        // strictly larger: 10 -> 3, 50 -> 1, 400 -> 0. n = 6.
        let v = [10, 50, 10, 400, 50, 10];
        assert_eq!(rank(&v, Better::Lower, 5), [3, 1, 3, 1, 1, 3]);
    }

    #[test]
    fn rank_n_not_divisible_by_five() {
        // n = 7, worse = 0..=6 -> 1 + floor(5w/7) = 1,1,2,3,3,4,5
        let v = [70, 10, 20, 30, 40, 50, 60];
        assert_eq!(rank(&v, Better::Higher, 5), [5, 1, 1, 2, 3, 3, 4]);
    }

    #[test]
    fn rank_single_customer_and_all_equal() {
        assert_eq!(rank(&[42], Better::Higher, 5), [1]);
        assert_eq!(rank(&[42], Better::Lower, 5), [1]);
        assert_eq!(rank(&[5, 5, 5], Better::Higher, 5), [1, 1, 1]);
        assert_eq!(rank(&[5, 5, 5], Better::Lower, 5), [1, 1, 1]);
        assert!(rank::<i64>(&[], Better::Higher, 5).is_empty());
    }

    /// The selection of wide values (money) against the definition, on
    /// sizes where the multiples of `n / levels` fall between and on ranks:
    /// values drawn from few wide ones (long runs of ties across the cuts)
    /// and from many (few ties), every number of levels, both directions.
    #[test]
    fn rank_of_wide_values_matches_the_definition() {
        let mut next = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15);
        for n in [2, 3, 7, 10, 99, 100, 101, 997, 1000] {
            for distinct in [2, 5, 40, u64::MAX] {
                let values: Vec<i64> = (0..n)
                    .map(|_| match next() % distinct {
                        0 if distinct < 10 => i64::MIN,
                        1 if distinct < 10 => i64::MAX,
                        k => (k as i64).wrapping_mul(1_000_000_007),
                    })
                    .collect();
                for levels in 2..=MAX_LEVELS {
                    for better in [Better::Higher, Better::Lower] {
                        assert_eq!(
                            rank(&values, better, levels),
                            rank_by_definition(&values, better, levels),
                            "n {n}, {distinct} distinct, {levels} levels, {better:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn rank_matches_the_definition_on_many_inputs() {
        // A small deterministic generator: many sizes, many ties.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for n in 1..60 {
            let values: Vec<i64> = (0..n)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state % 12) as i64 - 3
                })
                .collect();
            for levels in [2, 5, 10] {
                for better in [Better::Higher, Better::Lower] {
                    let expected = rank_by_definition(&values, better, levels);
                    assert_eq!(rank(&values, better, levels), expected);
                    // The same ranks over a span too wide to count: the selection path.
                    let wide: Vec<i64> = values
                        .iter()
                        .map(|&v| match v {
                            -3 => i64::MIN,
                            8 => i64::MAX,
                            v => v * 1_000_000_007,
                        })
                        .collect();
                    assert_eq!(rank(&wide, better, levels), expected);
                    let ids: Vec<u32> = (0..n as u32).rev().collect();
                    assert_eq!(
                        ntile(&values, better, levels, &ids),
                        ntile_by_definition(&values, better, usize::from(levels), &ids)
                    );
                }
            }
        }
    }

    #[test]
    fn ntile_n_not_divisible_by_five() {
        // n = 7 into 5 groups: sizes 2, 2, 1, 1, 1 (the first 7 mod 5 = 2 get one more).
        // Ascending: 10 20 | 30 40 | 50 | 60 | 70.
        let v = [70, 10, 20, 30, 40, 50, 60];
        assert_eq!(ntile(&v, Better::Higher, 5, &ids(7)), [5, 1, 1, 2, 2, 3, 4]);
    }

    #[test]
    fn ntile_breaks_ties_by_customer_id() {
        // Ten values, groups of two; the six 1s span three groups. Customer
        // ids run backwards (index 0 has the largest id), so among the 1s
        // index 5 comes first.
        let v = [1, 1, 1, 1, 1, 1, 2, 2, 3, 9];
        let backwards: Vec<u32> = (0..10).rev().collect();
        assert_eq!(
            ntile(&v, Better::Higher, 5, &backwards),
            [3, 3, 2, 2, 1, 1, 4, 4, 5, 5]
        );
        // Recency: worst (most days) first. 400 | 50 50 -> sizes 2,1,1,1,1 for n = 6.
        let days = [10, 50, 10, 400, 50, 10];
        assert_eq!(ntile(&days, Better::Lower, 5, &ids(6)), [3, 1, 4, 1, 2, 5]);
    }

    #[test]
    fn ntile_single_customer_and_all_equal() {
        assert_eq!(ntile(&[42], Better::Higher, 5, &[0]), [1]);
        assert_eq!(ntile(&[42], Better::Lower, 5, &[0]), [1]);
        // Three equal values, fewer than the levels: one per group, by id.
        assert_eq!(ntile(&[5, 5, 5], Better::Higher, 5, &[2, 0, 1]), [3, 1, 2]);
        assert_eq!(ntile(&[5, 5, 5], Better::Lower, 5, &[2, 0, 1]), [3, 1, 2]);
    }

    #[test]
    fn r_quantile_by_hand() {
        // Sorted frequencies x = 1 1 1 1 2 2 3 4 5 9 (n = 10), h = 9k/5:
        // k=1: h=1.8 -> x[1] + .8 (x[2]-x[1]) = 1    -> break 2
        // k=2: h=3.6 -> x[3] + .6 (x[4]-x[3]) = 1.6  -> break 2.6
        // k=3: h=5.4 -> x[5] + .4 (x[6]-x[5]) = 2.4  -> break 3.4
        // k=4: h=7.2 -> x[7] + .2 (x[8]-x[7]) = 4.2  -> break 5.2
        let v = [3, 1, 9, 1, 2, 1, 5, 2, 1, 4];
        let breaks = r_quantile_breaks(&v, 5, 1);
        let as_f64: Vec<f64> = breaks.iter().map(|b| b.num as f64 / b.den as f64).collect();
        assert_eq!(as_f64, [2.0, 2.6, 3.4, 5.2]);
        // 1 < 2 -> 1; 2 in [2, 2.6) -> 2; 3 in [2.6, 3.4) -> 3; 4, 5 in [3.4, 5.2) -> 4; 9 -> 5.
        let s = scored(
            &v,
            Better::Higher,
            &Binning::Method(Method::RQuantile, 5),
            0,
        );
        assert_eq!(s.scores, [3, 1, 5, 1, 2, 1, 4, 2, 1, 4]);
        assert_eq!(s.levels[0].from, None);
        assert_eq!(s.levels[0].below, Some(breaks[0]));
        assert_eq!(s.levels[4].from, Some(breaks[3]));
        assert_eq!(s.levels[4].below, None);
    }

    #[test]
    fn r_quantile_recency_is_reversed() {
        // days 1 5 10 20 40 (n = 5), h = 4k/5:
        // 0.8 -> 1 + .8*4 = 4.2 -> 5.2;  1.6 -> 5 + .6*5 = 8 -> 9;
        // 2.4 -> 10 + .4*10 = 14 -> 15; 3.2 -> 20 + .2*20 = 24 -> 25.
        // 1 and 5 are below 5.2: score 5; 10 reaches two break points: 3;
        // 20 reaches three: 2; 40 all four: 1. Nobody scores 4.
        let v = [20, 1, 40, 5, 10];
        let s = scored(&v, Better::Lower, &Binning::Method(Method::RQuantile, 5), 0);
        assert_eq!(s.scores, [2, 5, 1, 5, 3]);
        assert_eq!(s.levels[3].customers, 0);
        // Score 5 is below the first break point, score 1 from the last.
        assert_eq!(s.levels[4].from, None);
        assert_eq!(s.levels[4].below, Some(Break { num: 26, den: 5 }));
        assert_eq!(s.levels[0].from, Some(Break { num: 125, den: 5 }));
    }

    #[test]
    fn r_quantile_adds_one_unit_at_the_money_scale() {
        // 1.00, 2.50, 10.00 at scale 2, two levels: h = 2 * 1/2 = 1 -> x[1] =
        // 2.50, plus 1.00 -> break 3.50.
        let v = [100, 250, 1000];
        let s = scored(
            &v,
            Better::Higher,
            &Binning::Method(Method::RQuantile, 2),
            2,
        );
        assert_eq!(
            s.levels[1].from,
            Some(Break {
                num: 350 * 2,
                den: 2
            })
        );
        assert_eq!(s.scores, [1, 1, 2]);
    }

    #[test]
    fn r_quantile_single_customer_and_all_equal() {
        // Every break point is the value + 1: nobody reaches one.
        for v in [&[42][..], &[5, 5, 5]] {
            let rule = Binning::Method(Method::RQuantile, 5);
            assert!(
                scored(v, Better::Higher, &rule, 0)
                    .scores
                    .iter()
                    .all(|&s| s == 1)
            );
            assert!(
                scored(v, Better::Lower, &rule, 0)
                    .scores
                    .iter()
                    .all(|&s| s == 5)
            );
        }
    }

    #[test]
    fn fixed_break_points_are_half_open() {
        let rule = |text: &str| Binning::Fixed(parse_breaks(text).unwrap());
        // Recency: days below 30 score 5; a value equal to a break point goes
        // to the next bin (one level lower for recency).
        let days = [0, 29, 30, 89, 90, 364, 365, 1000];
        let s = scored(&days, Better::Lower, &rule("30,90,180,365"), 0);
        assert_eq!(s.scores, [5, 5, 4, 4, 3, 2, 1, 1]);
        let freq = [1, 2, 3, 4, 5, 8, 20];
        let s = scored(&freq, Better::Higher, &rule("2,3,5,8"), 0);
        assert_eq!(s.scores, [1, 2, 3, 3, 4, 5, 5]);
        // Money at scale 2 against 100.5: 100.49 below, 100.50 and 100.51 at or above.
        let s = scored(&[10049, 10050, 10051], Better::Higher, &rule("100.5"), 2);
        assert_eq!(s.scores, [1, 2, 2]);
        assert_eq!(s.levels.len(), 2);
        assert_eq!(
            s.levels[1].from,
            Some(Break {
                num: 1005 * 100,
                den: 10
            })
        );
    }

    #[test]
    fn break_point_parsing() {
        assert_eq!(parse_breaks("30, 90,180").unwrap().len(), 3);
        assert_eq!(Binning::Fixed(parse_breaks("2,3,5,8").unwrap()).levels(), 5);
        assert!(parse_breaks("90,30").unwrap_err().contains("ascending"));
        assert!(parse_breaks("30,30").unwrap_err().contains("ascending"));
        assert!(parse_breaks("1.5,1.50").unwrap_err().contains("ascending"));
        assert!(parse_breaks("thirty").unwrap_err().contains("not a number"));
        assert!(parse_breaks("1,,2").is_err());
        assert!(parse_breaks("$5").is_err());
        assert!(parse_breaks("1,2,3,4,5,6,7,8,9").is_ok());
        assert!(
            parse_breaks("1,2,3,4,5,6,7,8,9,10")
                .unwrap_err()
                .contains("at most 9")
        );
    }

    #[test]
    fn fm_is_the_rounded_up_mean() {
        assert_eq!(fm(1, 1), 1);
        assert_eq!(fm(1, 2), 2);
        assert_eq!(fm(2, 3), 3);
        assert_eq!(fm(4, 5), 5);
        assert_eq!(fm(5, 1), 3);
        for f in 1..=5u8 {
            for m in 1..=5u8 {
                // The mean, rounded half up (f64 is exact for these small values).
                let expected = ((f64::from(f) + f64::from(m)) / 2.0).round() as u8;
                assert_eq!(fm(f, m), expected, "f={f} m={m}");
            }
        }
    }
}
