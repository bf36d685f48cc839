//! Histories turned into small tables plus per-history indices (see
//! `intern`), with the weighted sums that let the linear parts of each
//! log-likelihood be evaluated per distinct value instead of per history.

use super::intern::{IdInterner, Interner};
use super::{FitError, History};

/// One distinct history: its weight and indices into `Data::xs` and
/// `Data::times`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Row {
    pub(crate) w: f64,
    pub(crate) x: u32,
    pub(crate) tx: u32,
    pub(crate) t: u32,
}

pub(crate) struct Data {
    /// Distinct purchase counts.
    pub(crate) xs: Vec<u32>,
    /// Indices into `xs`, by increasing x.
    pub(crate) x_order: Vec<u32>,
    /// Distinct times (every t_x and T).
    pub(crate) times: Vec<f64>,
    /// Histories with x > 0 first, then those with x = 0.
    pub(crate) rows: Vec<Row>,
    /// How many of `rows` have x > 0.
    pub(crate) repeat_rows: usize,
    /// Total weight per `xs` entry.
    pub(crate) w_by_x: Vec<f64>,
    /// Total weight, and weighted sum of x, per `times` entry used as T.
    pub(crate) w_by_t: Vec<f64>,
    pub(crate) wx_by_t: Vec<f64>,
    pub(crate) total_w: f64,
    pub(crate) total_wx: f64,
    pub(crate) total_wt: f64,
}

/// Why a history cannot be used, or `None` if it can. For x = 0, t_x is
/// ignored (taken as 0).
pub(crate) fn check_history(h: &History) -> Option<&'static str> {
    let t_x = if h.x == 0 { 0.0 } else { h.t_x };
    if !h.t.is_finite() || h.t < 0.0 {
        Some("T must be a finite time >= 0")
    } else if !t_x.is_finite() || t_x < 0.0 {
        Some("t_x must be a finite time >= 0")
    } else if t_x > h.t {
        Some("the last purchase t_x comes after the end of the observation T")
    } else if !h.weight.is_finite() || h.weight < 0.0 {
        Some("the weight must be a finite number >= 0")
    } else {
        None
    }
}

impl Data {
    pub(crate) fn new(histories: &[History]) -> Result<Data, FitError> {
        let mut xs = IdInterner::default();
        let mut times = Interner::default();
        let mut repeat = Vec::new();
        let mut first = Vec::new();
        for (index, h) in histories.iter().enumerate() {
            if let Some(reason) = check_history(h) {
                return Err(FitError::InvalidHistory { index, reason });
            }
            if h.weight == 0.0 {
                continue;
            }
            let t_x = if h.x == 0 { 0.0 } else { h.t_x };
            let row = Row {
                w: h.weight,
                x: xs.id(h.x),
                tx: times.id(t_x),
                t: times.id(h.t),
            };
            if h.x > 0 {
                repeat.push(row);
            } else {
                first.push(row);
            }
        }
        let repeat_rows = repeat.len();
        repeat.append(&mut first);
        Ok(Data::from_parts(
            xs.values,
            times.values,
            repeat,
            repeat_rows,
        ))
    }

    fn from_parts(xs: Vec<u32>, times: Vec<f64>, rows: Vec<Row>, repeat_rows: usize) -> Data {
        let mut w_by_x = vec![0.0; xs.len()];
        let mut w_by_t = vec![0.0; times.len()];
        let mut wx_by_t = vec![0.0; times.len()];
        let (mut total_w, mut total_wx, mut total_wt) = (0.0, 0.0, 0.0);
        let mut x_order: Vec<u32> = (0..xs.len() as u32).collect();
        x_order.sort_unstable_by_key(|&i| xs[i as usize]);
        for row in &rows {
            let x = f64::from(xs[row.x as usize]);
            w_by_x[row.x as usize] += row.w;
            w_by_t[row.t as usize] += row.w;
            wx_by_t[row.t as usize] += row.w * x;
            total_w += row.w;
            total_wx += row.w * x;
            total_wt += row.w * times[row.t as usize];
        }
        Data {
            xs,
            x_order,
            times,
            rows,
            repeat_rows,
            w_by_x,
            w_by_t,
            wx_by_t,
            total_w,
            total_wx,
            total_wt,
        }
    }

    /// About `target` rows standing for all of them, for a warm start: every
    /// row heavier than the average row of its stride is kept as it is, the
    /// others are taken one in `k` with `k` times the weight (so the
    /// subsample's log-likelihood estimates the full one, and the few heavy
    /// x = 0 histories are not left to chance).
    pub(crate) fn subsample(&self, target: usize) -> Data {
        let k = self.rows.len().div_ceil(target.max(1)).max(1);
        let heavy = k as f64 * self.total_w / self.rows.len() as f64;
        let mut rows = Vec::with_capacity(2 * target);
        let mut repeat_rows = 0;
        let mut light = 0usize;
        for (i, row) in self.rows.iter().enumerate() {
            let keep = if row.w >= heavy {
                Some(*row)
            } else {
                light += 1;
                light.is_multiple_of(k).then_some(Row {
                    w: row.w * k as f64,
                    ..*row
                })
            };
            if let Some(r) = keep {
                rows.push(r);
                if i < self.repeat_rows {
                    repeat_rows += 1;
                }
            }
        }
        Data::from_parts(self.xs.clone(), self.times.clone(), rows, repeat_rows)
    }
}

/// Gaps between consecutive x longer than this are crossed with the closed
/// form instead of term by term.
const PREFIX_GAP: u32 = 256;

/// `sum_{j < x} term(j)` for every x in `xs`, visited in increasing order
/// (`order`), written at x's index. Summed term by term, which is accurate
/// where the closed form, a difference of two large ln-gammas, is not: its
/// rounding (1e-13 for x in the hundreds) changes from one parameter set to
/// the next and the simplex would mistake it for slope. A long gap is
/// crossed with `closed(x0, x1)` = the sum over x0 <= j < x1.
pub(crate) fn prefix_sums(
    xs: &[u32],
    order: &[u32],
    term: impl Fn(f64) -> f64,
    closed: impl Fn(f64, f64) -> f64,
) -> Vec<f64> {
    let mut out = vec![0.0; xs.len()];
    let (mut j, mut acc) = (0u32, 0.0);
    for &i in order {
        let x = xs[i as usize];
        if x - j > PREFIX_GAP {
            acc += closed(f64::from(j), f64::from(x));
            j = x;
        }
        while j < x {
            acc += term(f64::from(j));
            j += 1;
        }
        out[i as usize] = acc;
    }
    out
}

/// Neumaier's compensated sum: the log-likelihood adds up terms of 1e5 or
/// more to a total whose changes of 1e-14 per customer are what the
/// optimiser's tolerance looks at, so plain summation's rounding would be
/// noise at that scale.
#[derive(Clone, Copy, Default)]
pub(crate) struct Sum {
    total: f64,
    compensation: f64,
}

impl Sum {
    #[inline]
    pub(crate) fn add(&mut self, v: f64) {
        let t = self.total + v;
        if self.total.abs() >= v.abs() {
            self.compensation += (self.total - t) + v;
        } else {
            self.compensation += (v - t) + self.total;
        }
        self.total = t;
    }

    pub(crate) fn value(self) -> f64 {
        self.total + self.compensation
    }
}

/// Sums `w * g(u)` over a range where `wu(i)` gives (w, u): the pairs are
/// gathered 256 at a time into arrays, `g` maps the u of a block in place
/// (a vector loop such as `series::softplus_slice`), and the block's
/// weighted sum is added with [`Sum`].
#[inline]
pub(crate) fn gather_sum(
    range: std::ops::Range<usize>,
    wu: impl Fn(usize) -> (f64, f64),
    g: impl Fn(&mut [f64]),
) -> f64 {
    const BLOCK: usize = 256;
    let mut total = Sum::default();
    let mut w = [0.0f64; BLOCK];
    let mut u = [0.0f64; BLOCK];
    let mut start = range.start;
    while start < range.end {
        let n = (range.end - start).min(BLOCK);
        for j in 0..n {
            (w[j], u[j]) = wu(start + j);
        }
        g(&mut u[..n]);
        let mut acc = [0.0f64; 4];
        for (ws, us) in w[..n].chunks(4).zip(u[..n].chunks(4)) {
            for ((a, &wj), &uj) in acc.iter_mut().zip(ws).zip(us) {
                *a += wj * uj;
            }
        }
        total.add((acc[0] + acc[1]) + (acc[2] + acc[3]));
        start += n;
    }
    total.value()
}
