//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987), in the form of Fader &
//! Hardie, "A Note on Deriving the Pareto/NBD Model and Related Expressions"
//! (2005): purchases at Poisson rate lambda ~ Gamma(r, alpha) during an
//! exponential lifetime of rate mu ~ Gamma(s, beta).
//!
//! Per history (their eq. 18-20), with k = r + s + x, m = max(alpha, beta)
//! and z(t) = |alpha - beta| / (m + t):
//!
//! ```text
//! L = Gamma(r+x) alpha^r beta^s / Gamma(r)
//!     * [(alpha+T)^-(r+x) (beta+T)^-s + s / k * A0],
//! A0 = G(x, t_x) - G(x, T),
//! G(x, t) = 2F1(k, b2; k+1; z(t)) / (m+t)^k,
//! ```
//!
//! where b2 = s + 1 if alpha >= beta, else r + x (the branch keeps z in
//! [0, 1)). In the second branch the series' terms first grow like
//! (r+x)^n / n! (a heavy buyer's would overflow), so it is summed after
//! Euler's transformation,
//! 2F1(k, r+x; k+1; z) = (1-z)^(1-r-x) 2F1(1, s+1; k+1; z),
//! whose terms shrink from the start. G is the tail integral of the
//! death-time density times the purchase likelihood, so it depends on the
//! pair (x, t) only, not on the whole history: ln G is computed once per
//! distinct (x, t_x) and (x, T) pair (one x's coefficients serve all its
//! times, `PairGroups`), and each history combines two of them as
//! ln A0 = ln G(t_x) + ln(1 - e^(ln G(T) - ln G(t_x))).
//!
//! P(alive) = 1 / (1 + s / k (alpha+T)^(r+x) (beta+T)^s A0) and
//!
//! ```text
//! E[Y(t) | x, t_x, T] = P(alive) (r+x)(beta+T) / ((alpha+T)(s-1))
//!                       * [1 - ((beta+T) / (beta+T+t))^(s-1)]
//! ```
//!
//! (their eq. 36-41), whose last factor is written with expm1 so s = 1 is
//! not a 0/0.

use statrs::function::gamma::ln_gamma;

use super::data::{Data, Sum, prefix_sums};
use super::intern::{PARALLEL_MIN, PairInterner, sum_halves};
use super::optim::Objective;
use super::series::{self, SeriesError};

#[derive(Clone, Copy, Debug)]
pub(crate) struct Params {
    pub(crate) r: f64,
    pub(crate) alpha: f64,
    pub(crate) s: f64,
    pub(crate) beta: f64,
}

impl Params {
    pub(crate) fn from_slice(p: &[f64]) -> Params {
        Params {
            r: p[0],
            alpha: p[1],
            s: p[2],
            beta: p[3],
        }
    }

    /// How G(x, t) is computed (see the module docs).
    fn g_parts(&self, x: f64) -> GParts {
        let Params { r, alpha, s, beta } = *self;
        let k = r + s + x;
        let (a, euler) = if alpha >= beta {
            (k, 0.0)
        } else {
            (1.0, 1.0 - r - x)
        };
        GParts {
            a,
            b: s + 1.0,
            c: k + 1.0,
            euler,
            k,
            m: alpha.max(beta),
            low: alpha.min(beta),
        }
    }

    /// ln G(x, t) (see the module docs), its series capped at `cap` terms.
    pub(crate) fn ln_g(&self, x: f64, t: f64, cap: u32) -> Result<f64, SeriesError> {
        let g = self.g_parts(x);
        let ln_f = series::ln_hyp2f1(g.a, g.b, g.c, g.z(t), cap)?;
        Ok(g.ln_g(ln_f, t))
    }

    /// ln A0 from ln G at t_x and at T (-inf when t_x = T).
    pub(crate) fn ln_a0(g_tx: f64, g_t: f64) -> f64 {
        let d = g_t - g_tx;
        if d >= 0.0 {
            f64::NEG_INFINITY
        } else {
            g_tx + (-d.exp_m1()).ln()
        }
    }

    #[cfg(test)]
    /// ln of the odds of having died: P(alive) = 1 / (1 + e^v).
    pub(crate) fn v(&self, x: f64, t: f64, ln_a0: f64) -> f64 {
        let Params { r, alpha, s, beta } = *self;
        s.ln() - (r + s + x).ln() + (r + x) * (alpha + t).ln() + s * (beta + t).ln() + ln_a0
    }

    #[cfg(test)]
    pub(crate) fn p_alive(&self, x: f64, t_x: f64, t: f64) -> Result<f64, SeriesError> {
        let t_x = if x == 0.0 { 0.0 } else { t_x };
        let a0 = Params::ln_a0(
            self.ln_g(x, t_x, series::MAX_TERMS)?,
            self.ln_g(x, t, series::MAX_TERMS)?,
        );
        Ok(super::bgnbd::logistic_neg(self.v(x, t, a0)))
    }

    /// Expected purchases in the next `horizon` of a customer alive at T.
    pub(crate) fn bracket(&self, x: f64, t: f64, horizon: f64) -> f64 {
        if horizon <= 0.0 {
            return 0.0;
        }
        let Params { r, alpha, s, beta } = *self;
        let ln_q = -(horizon / (beta + t)).ln_1p();
        (r + x) * (beta + t) / (alpha + t) * (-ln_q) * series::expm1_over((s - 1.0) * ln_q)
    }
}

/// ln G(x, t) = ln 2F1(a, b; c; z) + euler ln(1 - z) - k ln(m + t), with
/// z = (m - low) / (m + t).
struct GParts {
    a: f64,
    b: f64,
    c: f64,
    euler: f64,
    k: f64,
    m: f64,
    low: f64,
}

impl GParts {
    fn z(&self, t: f64) -> f64 {
        (self.m - self.low) / (self.m + t)
    }

    fn ln_g(&self, ln_f: f64, t: f64) -> f64 {
        let ln_mt = (self.m + t).ln();
        // 1 - z = (low + t) / (m + t), exactly.
        let euler = if self.euler == 0.0 {
            0.0
        } else {
            self.euler * ((self.low + t).ln() - ln_mt)
        };
        ln_f + euler - self.k * ln_mt
    }
}

/// Distinct (x, t) pairs sorted by x and then t, in runs of equal x: one
/// x's 2F1 coefficients serve all its times, evaluated across them as
/// vectors (`series::eval_many`).
pub(crate) struct PairGroups {
    /// (x index, time index), sorted.
    pub(crate) pairs: Vec<(u32, u32)>,
    /// Runs of `pairs` with the same x: (start, end).
    groups: Vec<(usize, usize)>,
}

impl PairGroups {
    /// Sorts `interned` pairs; returns the groups and, per interned pair, its
    /// position in the sorted order.
    pub(crate) fn new(interned: &[(u32, u32)], times: &[f64]) -> (PairGroups, Vec<u32>) {
        let mut order: Vec<u32> = (0..interned.len() as u32).collect();
        order.sort_unstable_by(|&i, &j| {
            let (xi, ti) = interned[i as usize];
            let (xj, tj) = interned[j as usize];
            xi.cmp(&xj)
                .then(times[ti as usize].total_cmp(&times[tj as usize]))
        });
        let mut position = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            position[old as usize] = new as u32;
        }
        let pairs: Vec<(u32, u32)> = order.iter().map(|&i| interned[i as usize]).collect();
        let mut groups = Vec::new();
        let mut start = 0;
        for i in 1..=pairs.len() {
            if i == pairs.len() || pairs[i].0 != pairs[start].0 {
                groups.push((start, i));
                start = i;
            }
        }
        (PairGroups { pairs, groups }, position)
    }

    /// ln G for the pairs of `groups` (contiguous), written to `out` (which
    /// starts at the first group's first pair).
    fn ln_g_groups(
        &self,
        params: &Params,
        xs: &[u32],
        times: &[f64],
        groups: &[(usize, usize)],
        cap: u32,
        out: &mut [f64],
    ) {
        let offset = groups.first().map_or(0, |g| g.0);
        let mut z = Vec::new();
        let mut f = Vec::new();
        for &(start, end) in groups {
            let x = f64::from(xs[self.pairs[start].0 as usize]);
            let gp = params.g_parts(x);
            let (a, b, c) = (gp.a, gp.b, gp.c);
            let group_times = || {
                self.pairs[start..end]
                    .iter()
                    .map(|&(_, t)| times[t as usize])
            };
            z.clear();
            z.extend(group_times().map(|t| gp.z(t)));
            f.clear();
            f.resize(z.len(), 0.0);
            let from = series::monotone_from(a, b, c, 1.0);
            // z is largest at the earliest time, the group's first.
            let coeffs = series::coefficients(1.0, z[0], from, cap, |n| {
                (a + n) * (b + n) / ((c + n) * (n + 1.0))
            });
            let slot = &mut out[start - offset..end - offset];
            match coeffs {
                Ok(c) => {
                    series::eval_many(&c, from, &z, &mut f);
                    for ((o, &fi), t) in slot.iter_mut().zip(&f).zip(group_times()) {
                        *o = if fi > 0.0 {
                            gp.ln_g(fi.ln(), t)
                        } else {
                            f64::NAN
                        };
                    }
                }
                // A coefficient out of range: sum each point with rescaling.
                Err(e) if e.terms < cap => {
                    for (o, t) in slot.iter_mut().zip(group_times()) {
                        *o = params.ln_g(x, t, cap).unwrap_or(f64::NAN);
                    }
                }
                // Too slow to converge: so would each point be.
                Err(_) => slot.fill(f64::NAN),
            }
        }
    }

    /// ln G of every pair (NaN where a series failed within `cap` terms),
    /// the groups split over two threads when large.
    pub(crate) fn ln_g(&self, params: &Params, xs: &[u32], times: &[f64], cap: u32) -> Vec<f64> {
        let mut g = vec![0.0; self.pairs.len()];
        let split = self
            .groups
            .iter()
            .position(|&(start, _)| 2 * start >= self.pairs.len())
            .unwrap_or(self.groups.len());
        if self.pairs.len() < PARALLEL_MIN || split == 0 || split == self.groups.len() {
            self.ln_g_groups(params, xs, times, &self.groups, cap, &mut g);
            return g;
        }
        let (lower, upper) = self.groups.split_at(split);
        let (g_lower, g_upper) = g.split_at_mut(upper[0].0);
        std::thread::scope(|s| {
            let handle = s.spawn(|| self.ln_g_groups(params, xs, times, upper, cap, g_upper));
            self.ln_g_groups(params, xs, times, lower, cap, g_lower);
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        });
        g
    }
}

/// The Pareto/NBD log-likelihood over prepared histories, with the (x, t)
/// pairs behind each history's A0.
pub(crate) struct ParetoObjective<'a> {
    data: &'a Data,
    pub(crate) pairs: PairGroups,
    /// Per row of `data.rows`: the pair indices of (x, t_x) and (x, T).
    row_pairs: Vec<(u32, u32)>,
}

impl<'a> ParetoObjective<'a> {
    pub(crate) fn new(data: &'a Data) -> ParetoObjective<'a> {
        let mut interner = PairInterner::default();
        let first: Vec<(u32, u32)> = data
            .rows
            .iter()
            .map(|row| (interner.id(row.x, row.tx), interner.id(row.x, row.t)))
            .collect();
        let (pairs, position) = PairGroups::new(&interner.values, &data.times);
        let row_pairs = first
            .iter()
            .map(|&(a, b)| (position[a as usize], position[b as usize]))
            .collect();
        ParetoObjective {
            data,
            pairs,
            row_pairs,
        }
    }
}

/// One block of histories: `alive` holds ln of the alive term on entry
/// and the history's log-likelihood (less the x-only part) on exit; `dead`
/// is ln(s / (r+s+x)) + ln G(t_x) and `d` is ln G(T) - ln G(t_x) <= 0, so the
/// dead term is dead + ln(1 - e^d).
struct RowKernel<'a> {
    alive: &'a mut [f64],
    dead: &'a [f64],
    d: &'a [f64],
}

impl series::Kernel for RowKernel<'_> {
    #[inline(always)]
    fn run(&mut self) {
        for ((al, &de), &d) in self.alive.iter_mut().zip(self.dead).zip(self.d) {
            // 1 - e^d, kept >= 1e-300 so t_x = T (no death term) gives a
            // finite, negligible dead term rather than -inf.
            let one_minus = (1.0 - series::exp_neg(-d.min(0.0))).max(1e-300);
            let dead = de + series::ln_fast(one_minus);
            let hi = al.max(dead);
            *al = hi + series::ln_1p_unit(series::exp_neg((*al - dead).abs()));
        }
    }
}

impl Objective for ParetoObjective<'_> {
    fn total_weight(&self) -> f64 {
        self.data.total_w
    }

    fn log_likelihood(&self, p: &[f64]) -> f64 {
        let params = Params::from_slice(p);
        let Params { r, alpha, s, beta } = params;
        let d = self.data;
        let g = self.pairs.ln_g(&params, &d.xs, &d.times, series::FIT_TERMS);
        if g.iter().any(|v| !v.is_finite()) {
            return f64::NAN;
        }
        let base = r * alpha.ln() + s * beta.ln();
        let ln_s = s.ln();
        // ln Gamma(r + x) - ln Gamma(r) as sum_{j < x} ln(r + j).
        let sums = prefix_sums(
            &d.xs,
            &d.x_order,
            |j| (r + j).ln(),
            |j0, j1| ln_gamma(r + j1) - ln_gamma(r + j0),
        );
        let mut linear = Sum::default();
        let per_x: Vec<(f64, f64)> =
            d.xs.iter()
                .zip(&d.w_by_x)
                .zip(&sums)
                .map(|((&x, &w), &lg)| {
                    let x = f64::from(x);
                    linear.add(w * (lg + base));
                    (r + x, ln_s - (r + s + x).ln())
                })
                .collect();
        let ln_ab: Vec<(f64, f64)> = d
            .times
            .iter()
            .map(|&t| ((alpha + t).ln(), (beta + t).ln()))
            .collect();
        let rows = &d.rows;
        let width = series::Width::detect();
        let nonlinear = sum_halves(rows.len(), |range| {
            const BLOCK: usize = 256;
            let mut total = Sum::default();
            let (mut w, mut alive, mut dead, mut dd) =
                ([0.0; BLOCK], [0.0; BLOCK], [0.0; BLOCK], [0.0; BLOCK]);
            let mut start = range.start;
            while start < range.end {
                let n = (range.end - start).min(BLOCK);
                for j in 0..n {
                    let i = start + j;
                    let row = rows[i];
                    let (ptx, pt) = self.row_pairs[i];
                    let (k, ln_ratio) = per_x[row.x as usize];
                    let (la, lb) = ln_ab[row.t as usize];
                    let g_tx = g[ptx as usize];
                    w[j] = row.w;
                    alive[j] = -k * la - s * lb;
                    dead[j] = ln_ratio + g_tx;
                    dd[j] = g[pt as usize] - g_tx;
                }
                width.run(&mut RowKernel {
                    alive: &mut alive[..n],
                    dead: &dead[..n],
                    d: &dd[..n],
                });
                let block: f64 = w[..n].iter().zip(&alive[..n]).map(|(w, v)| w * v).sum();
                total.add(block);
                start += n;
            }
            total.value()
        });
        linear.add(nonlinear);
        linear.value()
    }
}
