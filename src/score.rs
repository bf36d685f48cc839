//! Tie-aware quintile scores.
//!
//! The method (docs/method.md, step 7) scores a customer by how many customers
//! do strictly worse: `score = 1 + floor(5 * worse / n)`. Counting *strictly*
//! worse customers is what makes the scores tie-aware and independent of row
//! order: equal values always get equal scores, unlike `NTILE` or a sort that
//! splits a run of equal values across two buckets at an arbitrary place. The
//! price is that a level can be empty (e.g. when 60 % of customers bought
//! once, nobody scores f = 2 or 3), which callers report as a note.
//!
//! Everything here is pure and works on plain slices.

/// The number of score levels.
pub const LEVELS: u8 = 5;

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Larger is better (frequency, monetary).
    Higher,
    /// Smaller is better (recency in days).
    Lower,
}

/// Scores every value 1..=5: `1 + floor(5 * (number of strictly worse values) / n)`.
///
/// Values spanning a small range (days, purchase counts) are counted in a
/// histogram: one pass, then a prefix sum gives every value's number of
/// strictly worse values. Wide ones (money) take one sort of (value,
/// position) pairs, then one sweep over runs of equal values: every member
/// of a run has the same number of strictly worse values (the run's start
/// when larger is better, the count after the run when smaller is better).
/// Sequential memory access throughout, which matters at millions of
/// customers.
pub fn scores<T: Ord + Copy + Into<i64>>(values: &[T], better: Better) -> Vec<u8> {
    let n = values.len();
    let score = |worse: usize| 1 + (u64::from(LEVELS) * worse as u64 / n as u64) as u8;
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
    let mut order: Vec<(T, u32)> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| (v, i as u32))
        .collect();
    order.sort_unstable();
    let mut scores = vec![0u8; n];
    let mut start = 0;
    while start < n {
        let value = order[start].0;
        let end = start
            + order[start..]
                .iter()
                .take_while(|(v, _)| *v == value)
                .count();
        let worse = match better {
            Better::Higher => start,
            Better::Lower => n - end,
        };
        // worse <= n - 1, so the score is at most 5.
        let score = score(worse);
        for &(_, i) in &order[start..end] {
            scores[i as usize] = score;
        }
        start = end;
    }
    scores
}

/// The combined frequency-monetary score: `floor((f + m + 1) / 2)`, i.e. the
/// mean of f and m rounded half up.
#[allow(clippy::manual_div_ceil)] // written exactly as docs/method.md states it
pub fn fm(f: u8, m: u8) -> u8 {
    (f + m + 1) / 2
}

/// How many scores fall on each level 1..=5 (index 0 is level 1).
pub fn level_counts(scores: &[u8]) -> [usize; LEVELS as usize] {
    let mut counts = [0; LEVELS as usize];
    for &s in scores {
        counts[usize::from(s - 1)] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, computed the slow way: count worse values per customer.
    fn by_definition(values: &[i64], better: Better) -> Vec<u8> {
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
                1 + (5 * worse / n) as u8
            })
            .collect()
    }

    #[test]
    fn ten_distinct_values_make_even_quintiles() {
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(scores(&v, Better::Higher), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        assert_eq!(scores(&v, Better::Lower), [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
    }

    #[test]
    fn ties_share_a_score() {
        // Six customers bought once, two twice, one 3 times, one 9 times.
        // worse counts: 0 (x6), 6 (x2), 8, 9  ->  1 + floor(5*w/10)
        let v = [1, 1, 1, 1, 1, 1, 2, 2, 3, 9];
        assert_eq!(scores(&v, Better::Higher), [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
        assert_eq!(level_counts(&scores(&v, Better::Higher)), [6, 0, 0, 2, 2]);
    }

    #[test]
    fn recency_ties() {
        // days: 3 customers at 10, 2 at 50, 1 at 400. Lower is better.
        // strictly larger: 10 -> 3, 50 -> 1, 400 -> 0. n = 6.
        let v = [10, 50, 10, 400, 50, 10];
        assert_eq!(scores(&v, Better::Lower), [3, 1, 3, 1, 1, 3]);
    }

    #[test]
    fn n_not_divisible_by_five() {
        // n = 7, worse = 0..=6 -> 1 + floor(5w/7) = 1,1,2,3,3,4,5
        let v = [70, 10, 20, 30, 40, 50, 60];
        assert_eq!(scores(&v, Better::Higher), [5, 1, 1, 2, 3, 3, 4]);
    }

    #[test]
    fn single_customer_and_all_equal() {
        assert_eq!(scores(&[42], Better::Higher), [1]);
        assert_eq!(scores(&[42], Better::Lower), [1]);
        assert_eq!(scores(&[5, 5, 5], Better::Higher), [1, 1, 1]);
        assert_eq!(scores(&[5, 5, 5], Better::Lower), [1, 1, 1]);
        assert!(scores::<i64>(&[], Better::Higher).is_empty());
    }

    #[test]
    fn matches_the_definition_on_many_inputs() {
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
            for better in [Better::Higher, Better::Lower] {
                assert_eq!(scores(&values, better), by_definition(&values, better));
            }
            // The same ranks over a span too wide to count: the sorting path.
            let wide: Vec<i64> = values
                .iter()
                .map(|&v| match v {
                    -3 => i64::MIN,
                    8 => i64::MAX,
                    v => v * 1_000_000_007,
                })
                .collect();
            for better in [Better::Higher, Better::Lower] {
                assert_eq!(scores(&wide, better), by_definition(&values, better));
            }
        }
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
