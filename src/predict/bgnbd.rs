//! BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD (Batislam, Denizel &
//! Filiztekin 2007; lifetimes' ModifiedBetaGeoFitter).
//!
//! While active a customer buys at Poisson rate lambda ~ Gamma(r, alpha).
//! BG/NBD: after each repeat purchase the customer drops out with
//! probability p ~ Beta(a, b). MBG/NBD: also right after the first purchase,
//! so a customer without repeat purchases can be gone as well.
//!
//! Per history, with k = r + x, the log-likelihood is
//!
//! ```text
//! ln Gamma(k) - ln Gamma(r) + r ln alpha + ln B(a, b') - ln B(a, b)
//!   - k ln(alpha + T) + softplus(u),
//! u = ln a - ln(b' - 1) + k ln((alpha + T) / (alpha + t_x))
//! ```
//!
//! with b' = b + x (BG/NBD; the softplus term only when x > 0) or
//! b' = b + x + 1 (MBG/NBD, always). The first line depends on x alone (and
//! is summed term by term, see `data::prefix_sums`) and the k ln(alpha + T)
//! term is linear in the weights, so both are summed per distinct x and per
//! distinct T; only the softplus is per history (a branch-free vector
//! kernel, `series::softplus_fast`).
//!
//! P(alive) = 1 / (1 + e^u) (1 for BG/NBD's x = 0), and
//! E[Y(t) | x, t_x, T] = P(alive) * bracket(x, T, t), where the bracket, the
//! expected purchases of an active customer with this (x, T), is (FHL 2005
//! eq. 10)
//!
//! ```text
//! c / (a - 1) * [1 - (1 - z)^k 2F1(k, b'; c; z)],
//! c = a + b' - 1,  z = t / (alpha + T + t).
//! ```
//!
//! That form overflows for heavy buyers (the 2F1 grows like (1-z)^-(k+..))
//! and divides 0 by 0 at a = 1 and at c = 0. Euler's transformation gives
//! (1 - z)^k 2F1(k, b'; c; z) = (1 - z)^(a-1) 2F1(c - k, a - 1; c; z), and
//! dividing the series by (a - 1) term by term leaves
//!
//! ```text
//! bracket = -c ln(1 - z) (e^y - 1) / y - e^y S,  y = (a - 1) ln(1 - z),
//! S = sum_{n >= 1} (c - k)_n (a)_(n-1) / ((c + 1)_(n-1) n!) z^n,
//! ```
//!
//! finite and accurate through both singular points, with terms that
//! shrink from the first for any x. S's coefficients depend on x alone, so
//! a batch computes them once per x and evaluates them for every (T, week)
//! as polynomials (`series::eval_many`).

use statrs::function::gamma::ln_gamma;

use super::data::{Data, Sum, gather_sum, prefix_sums};
use super::optim::Objective;
use super::series::{self, SeriesError, SoftplusKernel, Width};

/// BG/NBD or MBG/NBD parameters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Params {
    pub(crate) r: f64,
    pub(crate) alpha: f64,
    pub(crate) a: f64,
    pub(crate) b: f64,
    /// MBG/NBD: dropout is also possible at the first purchase.
    pub(crate) modified: bool,
}

impl Params {
    pub(crate) fn from_slice(p: &[f64], modified: bool) -> Params {
        Params {
            r: p[0],
            alpha: p[1],
            a: p[2],
            b: p[3],
            modified,
        }
    }

    /// b': the Beta posterior's second parameter for x repeat purchases.
    fn b_post(&self, x: f64) -> f64 {
        if self.modified {
            self.b + x + 1.0
        } else {
            self.b + x
        }
    }

    /// ln a - ln(b' - 1): the log odds, before the time factor, of having
    /// dropped out at the last purchase; -inf when BG/NBD's x = 0 (no chance).
    pub(crate) fn ln_odds(&self, x: f64) -> f64 {
        if !self.modified && x == 0.0 {
            f64::NEG_INFINITY
        } else {
            self.a.ln() - (self.b_post(x) - 1.0).ln()
        }
    }

    #[cfg(test)]
    /// The softplus argument u of the module docs: P(alive) = 1 / (1 + e^u).
    pub(crate) fn u(&self, x: f64, t_x: f64, t: f64) -> f64 {
        let t_x = if x == 0.0 { 0.0 } else { t_x };
        self.ln_odds(x) + (self.r + x) * ((self.alpha + t) / (self.alpha + t_x)).ln()
    }

    #[cfg(test)]
    pub(crate) fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        logistic_neg(self.u(x, t_x, t))
    }

    /// a, c = a + b' - 1, A = c - k and the index past which the ratio of
    /// S's terms is monotone.
    fn series_parts(&self, x: f64) -> (f64, f64, f64, f64) {
        let a = self.a;
        let c = a + self.b_post(x) - 1.0;
        let big_a = c - (self.r + x);
        let from = series::monotone_from(big_a + 1.0, a, c + 1.0, 2.0);
        (a, c, big_a, from)
    }

    /// Expected purchases in the next `horizon` of an active customer with x
    /// repeat purchases observed for T (see the module docs).
    pub(crate) fn bracket(&self, x: f64, t: f64, horizon: f64) -> Result<f64, SeriesError> {
        if horizon <= 0.0 {
            return Ok(0.0);
        }
        let (a, c, big_a, from) = self.series_parts(x);
        let w = horizon / (self.alpha + t);
        let z = w / (1.0 + w);
        let ln1mz = -w.ln_1p();
        let s = series::sum(big_a * z, z, from, series::MAX_TERMS, |m| {
            (big_a + m + 1.0) * (a + m) / ((c + m + 1.0) * (m + 2.0)) * z
        })?
        .value();
        let y = (a - 1.0) * ln1mz;
        Ok(-c * ln1mz * series::expm1_over(y) - y.exp() * s)
    }

    /// S(z) / z as a power series for x, converged up to `z_max`: shared by
    /// every T and horizon of the batch.
    pub(crate) fn bracket_series(&self, x: f64, z_max: f64) -> Result<BracketSeries, SeriesError> {
        let (a, c, big_a, from) = self.series_parts(x);
        let coeffs = series::coefficients(big_a, z_max, from, series::MAX_TERMS, |m| {
            (big_a + m + 1.0) * (a + m) / ((c + m + 1.0) * (m + 2.0))
        })?;
        Ok(BracketSeries { c, coeffs, from })
    }

    /// The x-free parts of the bracket at each step for customers observed
    /// for T: z_k, ln(1 - z_k) (e^y - 1) / y and e^y, y = (a-1) ln(1 - z_k).
    pub(crate) fn step_table(&self, t: f64, steps: &[(f64, f64)]) -> StepTable {
        let n = steps.len();
        let mut table = StepTable {
            z: Vec::with_capacity(n),
            q: Vec::with_capacity(n),
            p: Vec::with_capacity(n),
        };
        for &(tk, _) in steps {
            let w = tk / (self.alpha + t);
            let ln1mz = -w.ln_1p();
            let y = (self.a - 1.0) * ln1mz;
            table.z.push(w / (1.0 + w));
            table.q.push(ln1mz * series::expm1_over(y));
            table.p.push(y.exp());
        }
        table
    }
}

/// Coefficients of S(z) / z for one x (see `Params::bracket_series`).
pub(crate) struct BracketSeries {
    c: f64,
    coeffs: Vec<f64>,
    from: f64,
}

/// Per-T, per-step values of the bracket (see `Params::step_table`).
pub(crate) struct StepTable {
    z: Vec<f64>,
    q: Vec<f64>,
    p: Vec<f64>,
}

/// sum_k d_k (B(t_k) - B(t_k-1)) for one (x, T) from its series and T's step
/// table: one multiply-add per series term and step, run across steps.
pub(crate) fn discounted_bracket(
    series: &BracketSeries,
    table: &StepTable,
    steps: &[(f64, f64)],
) -> f64 {
    const CHUNK: usize = 64;
    let mut s = [0.0; CHUNK];
    let (mut prev, mut total) = (0.0, 0.0);
    for (start, chunk) in steps.chunks(CHUNK).enumerate().map(|(i, c)| (i * CHUNK, c)) {
        let n = chunk.len();
        let z = &table.z[start..start + n];
        series::eval_many(&series.coeffs, series.from, z, &mut s[..n]);
        for (j, &(_, dk)) in chunk.iter().enumerate() {
            let k = start + j;
            let b = -series.c * table.q[k] - table.p[k] * z[j] * s[j];
            total += dk * (b - prev);
            prev = b;
        }
    }
    total
}

/// 1 / (1 + e^u) without overflow.
#[inline]
pub(crate) fn logistic_neg(u: f64) -> f64 {
    if u > 0.0 {
        let e = (-u).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + u.exp())
    }
}

/// The log-likelihood of BG/NBD or MBG/NBD over prepared histories.
pub(crate) struct BgObjective<'a> {
    pub(crate) data: &'a Data,
    pub(crate) modified: bool,
}

impl Objective for BgObjective<'_> {
    fn total_weight(&self) -> f64 {
        self.data.total_w
    }

    fn log_likelihood(&self, p: &[f64]) -> f64 {
        let params = Params::from_slice(p, self.modified);
        let Params { r, alpha, a, b, .. } = params;
        let d = self.data;
        let shift = if self.modified { 1.0 } else { 0.0 };
        // ln Gamma(r + x) - ln Gamma(r) + ln B(a, b') - ln B(a, b), with
        // b' = b + x + shift, as sum_{j < x} ln(r + j) + ln(1 - a / (a + b + j)).
        let first = if self.modified {
            (-a / (a + b)).ln_1p()
        } else {
            0.0
        };
        let sums = prefix_sums(
            &d.xs,
            &d.x_order,
            |j| (r + j).ln() + (-a / (a + b + shift + j)).ln_1p(),
            |j0, j1| {
                let (b0, b1) = (b + shift + j0, b + shift + j1);
                ln_gamma(r + j1) - ln_gamma(r + j0) + ln_gamma(b1) - ln_gamma(a + b1) - ln_gamma(b0)
                    + ln_gamma(a + b0)
            },
        );
        let base = r * alpha.ln() + first;
        let mut linear = Sum::default();
        // Per distinct x: (k, ln odds), and the x-only terms.
        let per_x: Vec<(f64, f64)> =
            d.xs.iter()
                .zip(&d.w_by_x)
                .zip(&sums)
                .map(|((&x, &w), &s)| {
                    let x = f64::from(x);
                    linear.add(w * (base + s));
                    (r + x, params.ln_odds(x))
                })
                .collect();
        let ln_t: Vec<f64> = d.times.iter().map(|&t| (alpha + t).ln()).collect();
        for ((&lt, &w), &wx) in ln_t.iter().zip(&d.w_by_t).zip(&d.wx_by_t) {
            linear.add(-(r * w + wx) * lt);
        }
        let rows = if self.modified {
            &d.rows[..]
        } else {
            &d.rows[..d.repeat_rows]
        };
        let width = Width::detect();
        // On the calling thread: an evaluation takes about a millisecond,
        // and `--predict` fits beside the scoring and the spend model, so a
        // second thread per evaluation waited for a core more often than
        // it saved time (measured: `rfm customers --predict` on the 10M benchmark
        // was 2-5 % faster without).
        let nonlinear = gather_sum(
            0..rows.len(),
            |i| {
                let row = rows[i];
                let (k, lc) = per_x[row.x as usize];
                (
                    row.w,
                    lc + k * (ln_t[row.t as usize] - ln_t[row.tx as usize]),
                )
            },
            |u| width.run(&mut SoftplusKernel(u)),
        );
        linear.add(nonlinear);
        linear.value()
    }
}
