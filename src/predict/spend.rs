//! Gamma-Gamma model of the value of purchases (Fader, Hardie & Lee 2005,
//! "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis";
//! Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value").
//!
//! Each purchase of a customer is worth z ~ Gamma(p, nu), and nu varies
//! across customers as Gamma(q, v). The mean of a customer's x repeat
//! purchases, zbar, has density (the note's eq. 1a)
//!   Gamma(px+q) / (Gamma(px) Gamma(q)) v^q zbar^(px-1) x^(px)
//!   / (v + x zbar)^(px+q),
//! and the expected value of the customer's purchases given zbar (eq. 5) is
//! the weighted mean of the population mean p v / (q - 1) and zbar with
//! weight px / (px + q - 1) on zbar. The mean only exists for q > 1.
//!
//! Every term but ln(v + x zbar) is linear in weighted sums fixed by the data
//! (sum of w x ln zbar, ...) or depends on x alone, so an evaluation costs one
//! logarithm per customer.

use statrs::function::gamma::ln_gamma;

use super::data::{Sum, gather_sum};
use super::intern::IdInterner;
use super::optim::Objective;
use super::series::{self, Kernel, Width, ln_gamma_ratio};
use super::{FitError, Spend};

pub(crate) struct SpendData {
    /// Per customer (or group): weight, x, x * zbar.
    rows: Vec<(f64, f64, f64)>,
    xs: Vec<u32>,
    w_by_x: Vec<f64>,
    total_w: f64,
    /// sum w x ln zbar, sum w ln zbar, sum w x ln x.
    s_x_ln_m: f64,
    s_ln_m: f64,
    s_x_ln_x: f64,
}

impl SpendData {
    pub(crate) fn new(spends: &[Spend]) -> Result<SpendData, FitError> {
        let mut rows = Vec::with_capacity(spends.len());
        for (index, sp) in spends.iter().enumerate() {
            let reason = if sp.x == 0 {
                Some("a spend needs at least one repeat purchase (x >= 1)")
            } else if !(sp.mean.is_finite() && sp.mean > 0.0) {
                Some("the average purchase value must be a finite number > 0")
            } else if !(sp.weight.is_finite() && sp.weight >= 0.0) {
                Some("the weight must be a finite number >= 0")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(FitError::InvalidSpend { index, reason });
            }
            if sp.weight > 0.0 {
                rows.push((sp.weight, sp.x, f64::from(sp.x) * sp.mean));
            }
        }
        if rows.is_empty() {
            return Err(FitError::NoData);
        }
        Ok(SpendData::from_rows(rows))
    }

    /// From valid (weight, x, x * zbar) rows.
    fn from_rows(rows: Vec<(f64, u32, f64)>) -> SpendData {
        let mut xs = IdInterner::default();
        let mut w_by_x = Vec::new();
        let (mut total_w, mut s_x_ln_m, mut s_ln_m, mut s_x_ln_x) = (0.0, 0.0, 0.0, 0.0);
        let rows = rows
            .into_iter()
            .map(|(w, xi, xm)| {
                let id = xs.id(xi) as usize;
                if id == w_by_x.len() {
                    w_by_x.push(0.0);
                }
                w_by_x[id] += w;
                let x = f64::from(xi);
                let ln_m = (xm / x).ln();
                total_w += w;
                s_x_ln_m += w * x * ln_m;
                s_ln_m += w * ln_m;
                s_x_ln_x += w * x * x.ln();
                (w, x, xm)
            })
            .collect();
        SpendData {
            rows,
            xs: xs.values,
            w_by_x,
            total_w,
            s_x_ln_m,
            s_ln_m,
            s_x_ln_x,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// Every k-th customer with k times the weight, for a warm start.
    pub(crate) fn subsample(&self, target: usize) -> SpendData {
        let k = self.rows.len().div_ceil(target.max(1)).max(1);
        SpendData::from_rows(
            self.rows
                .iter()
                .step_by(k)
                .map(|&(w, x, xm)| (w * k as f64, x as u32, xm))
                .collect(),
        )
    }

    /// Weighted mean of the average purchase values.
    pub(crate) fn mean(&self) -> f64 {
        self.rows.iter().map(|&(w, x, xm)| w * xm / x).sum::<f64>() / self.total_w
    }
}

impl Objective for SpendData {
    fn total_weight(&self) -> f64 {
        self.total_w
    }

    fn log_likelihood(&self, params: &[f64]) -> f64 {
        let (p, q, v) = (params[0], params[1], params[2]);
        let mut ll = Sum::default();
        ll.add(self.total_w * (q * v.ln() - ln_gamma(q)));
        ll.add(p * self.s_x_ln_m);
        ll.add(-self.s_ln_m);
        ll.add(p * self.s_x_ln_x);
        for (&x, &w) in self.xs.iter().zip(&self.w_by_x) {
            let px = p * f64::from(x);
            ll.add(w * ln_gamma_ratio(px, q));
        }
        let rows = &self.rows;
        let width = Width::detect();
        // On the calling thread, as BG/NBD's (`bgnbd::BgObjective`).
        ll.add(-gather_sum(
            0..rows.len(),
            |i| {
                let (w, x, xm) = rows[i];
                (w * (p * x + q), xm + v)
            },
            |u| width.run(&mut LnKernel(u)),
        ));
        ll.value()
    }
}

/// `u[i] = ln u[i]` for positive normal values.
struct LnKernel<'a>(&'a mut [f64]);

impl Kernel for LnKernel<'_> {
    #[inline(always)]
    fn run(&mut self) {
        for v in self.0.iter_mut() {
            *v = series::ln_fast(*v);
        }
    }
}

/// Weighted Pearson correlation of x and the average value.
pub(crate) fn correlation(spends: &[Spend]) -> f64 {
    let valid = || {
        spends
            .iter()
            .filter(|s| s.x > 0 && s.mean.is_finite() && s.weight.is_finite() && s.weight > 0.0)
    };
    let (mut w, mut mx, mut my) = (0.0, 0.0, 0.0);
    for s in valid() {
        w += s.weight;
        mx += s.weight * f64::from(s.x);
        my += s.weight * s.mean;
    }
    if w <= 0.0 {
        return f64::NAN;
    }
    mx /= w;
    my /= w;
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for s in valid() {
        let dx = f64::from(s.x) - mx;
        let dy = s.mean - my;
        sxx += s.weight * dx * dx;
        syy += s.weight * dy * dy;
        sxy += s.weight * dx * dy;
    }
    if sxx > 0.0 && syy > 0.0 {
        (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
    } else {
        f64::NAN
    }
}
