//! "Buy till you die" models: how many purchases each customer will make
//! next, and whether they are still a customer at all, from nothing but
//! their purchase count, the time of their last purchase and how long they
//! have been watched; plus the Gamma-Gamma model of what those purchases
//! will be worth.
//!
//! # Models
//!
//! All three purchase models say the same thing about an active customer: it
//! buys at a Poisson rate that varies across customers as a Gamma(r, alpha)
//! distribution. They differ in how customers leave, which is never seen:
//! - BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy
//!   Way"): after each repeat purchase, with a probability p that varies as
//!   Beta(a, b). A customer who never came back is certainly still active.
//! - MBG/NBD (Batislam, Denizel & Filiztekin 2007): the same, but the first
//!   purchase is also a chance to leave, so one-time buyers can be gone.
//! - Pareto/NBD (Schmittlein, Morrison & Colombo 1987): at any moment, after
//!   an exponential lifetime whose rate varies as Gamma(s, beta).
//!
//! Each is fitted by maximum likelihood over the customers' histories (x
//! repeat purchases, the last at t_x, watched for T since the first), then
//! gives for any history the probability the customer is still active and
//! the expected number of purchases in a coming period, optionally
//! discounted week by week. See `bgnbd` and `pareto` for the formulas.
//!
//! # Units and parametrisation
//!
//! Time is in weeks throughout (the caller divides days by 7); alpha and
//! beta are in weeks, so they scale with the unit while r, a, b and s do
//! not. The optimiser works on the logarithms of the parameters, which are
//! all positive: the search is unconstrained and steps are relative.
//!
//! # Speed
//!
//! The caller passes distinct histories with weights (how many customers
//! share each). Times are whole days / 7, so a million histories share a
//! few hundred distinct x and a few hundred distinct times: every term that
//! depends on x alone (ln Gamma(r + x), ln B(a, b + x), ...) or on one time
//! alone (ln(alpha + T)) is computed once per distinct value per evaluation
//! (`data`, `intern`), and terms linear in the weights are summed per
//! distinct value. What is left per history (BG/NBD's softplus, Pareto/NBD's
//! log-sum of the alive and dead terms) runs through branch-free exp and
//! log kernels compiled for the CPU's vector width (`series::Width`: SSE2,
//! AVX2 or AVX-512, with the same bits from each); Pareto/NBD's on two
//! threads when large, BG/NBD's and Gamma-Gamma's on the calling thread
//! (they are cheap, and `--predict` fits them beside other work).
//! Pareto/NBD's 2F1 depends on (x, t) pairs only and is computed per
//! distinct pair, one set of series coefficients per x. Big fits are
//! warm-started from a subsample (`optim`).
//!
//! Predictions cache what depends on (x, T) (the expected purchases of an
//! active customer, the costly 2F1 part) or on x (the series coefficients)
//! or on T (the per-week factors), so a history costs a few table lookups
//! and one exponential.
//!
//! Measured on this project's 2-core machine (release build, simulated
//! BG/NBD customers over 730 days, `tests::bench`): 500,000 distinct
//! histories fit in about 0.2 s on one core (BG/NBD, MBG/NBD) and 0.6 s on
//! two (Pareto/NBD); `predict` for them takes about 30-50 ms (50 ms
//! discounted).
//!
//! All functions are pure numerics: no I/O, no global state.

mod bgnbd;
mod data;
mod intern;
mod optim;
mod pareto;
mod series;
mod spend;
#[cfg(test)]
mod tests;

use std::fmt;

use data::Data;
pub(crate) use intern::fill_halves;
use intern::{IdInterner, Interner, PairInterner};
use optim::{DEGENERATE, Objective, SUBSAMPLE, SUBSAMPLE_ABOVE, minimise};

/// Weeks in a year of 365 days, the period of `annual_rate`.
pub(crate) const WEEKS_PER_YEAR: f64 = 365.0 / 7.0;

/// The longest discounted horizon, 100 years in weeks (one step per week).
const MAX_DISCOUNTED_WEEKS: f64 = 100.0 * WEEKS_PER_YEAR;

/// A purchase model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[expect(
    clippy::enum_variant_names,
    reason = "the models' names: BG/NBD, MBG/NBD, Pareto/NBD"
)]
pub(crate) enum Model {
    BgNbd,
    MbgNbd,
    ParetoNbd,
}

impl Model {
    #[cfg(test)]
    pub(crate) const ALL: [Model; 3] = [Model::BgNbd, Model::MbgNbd, Model::ParetoNbd];

    /// The name used on the command line and in files.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Model::BgNbd => "bg-nbd",
            Model::MbgNbd => "mbg-nbd",
            Model::ParetoNbd => "pareto-nbd",
        }
    }

    /// The name used in the literature.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Model::BgNbd => "BG/NBD",
            Model::MbgNbd => "MBG/NBD",
            Model::ParetoNbd => "Pareto/NBD",
        }
    }

    /// Parameter names in the order of `Fit::params`.
    pub(crate) fn param_names(self) -> [&'static str; 4] {
        match self {
            Model::BgNbd | Model::MbgNbd => ["r", "alpha", "a", "b"],
            Model::ParetoNbd => ["r", "alpha", "s", "beta"],
        }
    }

    #[cfg(test)]
    pub(crate) fn from_key(key: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.key() == key)
    }
}

/// One customer's purchase history, or several customers' with the same.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct History {
    /// Repeat purchase occasions (occasions - 1).
    pub(crate) x: u32,
    /// Weeks from the first purchase to the last; ignored (taken as 0) when
    /// x = 0.
    pub(crate) t_x: f64,
    /// Weeks from the first purchase to the end of the observation, >= t_x.
    pub(crate) t: f64,
    /// How many customers share this history (>= 0; 0 is skipped).
    pub(crate) weight: f64,
}

/// Why a model could not be fitted.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FitError {
    /// No history (or spend) with a positive weight.
    NoData,
    /// Nobody made a repeat purchase, which leaves the purchase rate and
    /// dropout unidentified.
    NoRepeatPurchases,
    InvalidHistory {
        index: usize,
        reason: &'static str,
    },
    InvalidSpend {
        index: usize,
        reason: &'static str,
    },
    /// The log-likelihood could not be evaluated anywhere the optimiser
    /// looked.
    NotFinite,
    /// A parameter ran off towards 0 or infinity: the data do not pin the
    /// model down.
    Degenerate {
        model: &'static str,
        param: &'static str,
        value: f64,
    },
    /// Gamma-Gamma's q <= 1: the mean purchase value is infinite.
    MeanUndefined {
        q: f64,
    },
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FitError::NoData => write!(f, "there are no customers to fit the model to"),
            FitError::NoRepeatPurchases => write!(
                f,
                "no customer made a repeat purchase, so purchase rates and dropout cannot be estimated"
            ),
            FitError::InvalidHistory { index, reason } => {
                write!(f, "purchase history #{index} is invalid: {reason}")
            }
            FitError::InvalidSpend { index, reason } => {
                write!(f, "spend record #{index} is invalid: {reason}")
            }
            FitError::NotFinite => write!(
                f,
                "the model's likelihood could not be computed for these customers (numbers out of range)"
            ),
            FitError::Degenerate {
                model,
                param,
                value,
            } => write!(
                f,
                "{model} did not settle: parameter {param} ran off to {value:.3e}; the data do not \
                 pin the model down ({})",
                if *model == "Gamma-Gamma" {
                    "the repeat buyers' average values differ too little between customers, or \
                     too few bought again"
                } else {
                    "too few repeat purchases, or no sign of customers leaving"
                }
            ),
            FitError::MeanUndefined { q } => write!(
                f,
                "the Gamma-Gamma fit gives q = {q:.4} <= 1, for which the average purchase value has no finite mean"
            ),
        }
    }
}

impl std::error::Error for FitError {}

/// A fitted purchase model.
#[derive(Clone, Debug)]
pub(crate) struct Fit {
    pub(crate) model: Model,
    params: [f64; 4],
    /// Total weighted log-likelihood at the optimum.
    pub(crate) log_likelihood: f64,
    /// Nelder-Mead iterations, all runs (subsample, full data, restarts).
    pub(crate) iterations: u64,
    /// Whether the last simplex met its tolerance and no probe around the
    /// optimum was better; false when it stopped at the iteration cap.
    pub(crate) converged: bool,
}

/// Log-parameters to start from: 1 for the shapes, and the scales that make
/// the mean purchase rate r / alpha match the data's.
fn start_point(data: &Data) -> Vec<f64> {
    let scale = (data.total_wt / data.total_wx).clamp(1e-3, 1e6).ln();
    vec![0.0, scale, 0.0, scale]
}

/// Fits `model` to the histories by maximum likelihood.
pub(crate) fn fit(model: Model, histories: &[History]) -> Result<Fit, FitError> {
    let data = Data::new(histories)?;
    if data.rows.is_empty() {
        return Err(FitError::NoData);
    }
    if data.total_wx <= 0.0 {
        return Err(FitError::NoRepeatPurchases);
    }
    let mut start = start_point(&data);
    let sub = (data.rows.len() > SUBSAMPLE_ABOVE).then(|| data.subsample(SUBSAMPLE));
    let optimum = match model {
        Model::BgNbd | Model::MbgNbd => {
            start[3] = 0.0;
            let modified = model == Model::MbgNbd;
            let full = bgnbd::BgObjective {
                data: &data,
                modified,
            };
            let sub = sub
                .as_ref()
                .map(|data| bgnbd::BgObjective { data, modified });
            minimise(&full, sub.as_ref(), &start)
        }
        Model::ParetoNbd => {
            let full = pareto::ParetoObjective::new(&data);
            let sub = sub.as_ref().map(pareto::ParetoObjective::new);
            minimise(&full, sub.as_ref(), &start)
        }
    }
    .ok_or(FitError::NotFinite)?;
    let log_likelihood = -optimum.cost * data.total_w;
    if !log_likelihood.is_finite() {
        return Err(FitError::NotFinite);
    }
    let params = check_bounds(model.name(), &model.param_names(), &optimum.log_params)?;
    Ok(Fit {
        model,
        params: [params[0], params[1], params[2], params[3]],
        log_likelihood,
        iterations: optimum.iterations,
        converged: optimum.converged,
    })
}

/// The parameters, or `Degenerate` if one went to the edge of the search.
fn check_bounds(
    model: &'static str,
    names: &[&'static str],
    log_params: &[f64],
) -> Result<Vec<f64>, FitError> {
    for (&name, &lp) in names.iter().zip(log_params) {
        if lp.abs() > DEGENERATE {
            return Err(FitError::Degenerate {
                model,
                param: name,
                value: lp.exp(),
            });
        }
    }
    Ok(log_params.iter().map(|v| v.exp()).collect())
}

/// End of each discounting step and its discount factor: whole weeks, then
/// the partial week left, if any.
fn discount_steps(horizon: f64, annual_rate: f64) -> Vec<(f64, f64)> {
    if horizon.is_nan() || horizon <= 0.0 {
        return Vec::new();
    }
    let per_week = (1.0 + annual_rate).ln() / WEEKS_PER_YEAR;
    let whole = horizon.floor();
    let mut steps: Vec<f64> = (1..=whole as u64).map(|k| k as f64).collect();
    if horizon - whole > 1e-9 {
        steps.push(horizon);
    }
    steps
        .into_iter()
        .map(|t| (t, (-per_week * t).exp()))
        .collect()
}

impl Fit {
    /// A fit from known parameters (e.g. published ones), in `params` order.
    #[cfg(test)]
    pub(crate) fn from_params(model: Model, params: [f64; 4]) -> Fit {
        Fit {
            model,
            params,
            log_likelihood: f64::NAN,
            iterations: 0,
            converged: true,
        }
    }

    /// The parameters with their names: r, alpha, a, b for BG/NBD and
    /// MBG/NBD; r, alpha, s, beta for Pareto/NBD (alpha and beta in weeks).
    pub(crate) fn params(&self) -> [(&'static str, f64); 4] {
        let names = self.model.param_names();
        std::array::from_fn(|i| (names[i], self.params[i]))
    }

    fn bg(&self) -> bgnbd::Params {
        bgnbd::Params::from_slice(&self.params, self.model == Model::MbgNbd)
    }

    fn pareto(&self) -> pareto::Params {
        pareto::Params::from_slice(&self.params)
    }

    #[cfg(test)]
    /// P(alive | x, t_x, T). NaN for an invalid history, or if the
    /// Pareto/NBD series does not converge.
    pub(crate) fn p_alive(&self, x: u32, t_x: f64, t: f64) -> f64 {
        if data::check_history(&History {
            x,
            t_x,
            t,
            weight: 1.0,
        })
        .is_some()
        {
            return f64::NAN;
        }
        let x = f64::from(x);
        match self.model {
            Model::BgNbd | Model::MbgNbd => self.bg().p_alive(x, t_x, t),
            Model::ParetoNbd => self.pareto().p_alive(x, t_x, t).unwrap_or(f64::NAN),
        }
    }

    /// Expected purchases in `horizon` weeks of a customer alive at T.
    fn bracket(&self, x: f64, t: f64, horizon: f64) -> f64 {
        match self.model {
            Model::BgNbd | Model::MbgNbd => self.bg().bracket(x, t, horizon).unwrap_or(f64::NAN),
            Model::ParetoNbd => self.pareto().bracket(x, t, horizon),
        }
    }

    /// The bracket summed over discounting steps: sum_k d_k (B(t_k) -
    /// B(t_k-1)).
    fn discounted_bracket(&self, x: f64, t: f64, steps: &[(f64, f64)]) -> f64 {
        let mut prev = 0.0;
        let mut total = 0.0;
        for &(tk, dk) in steps {
            let b = self.bracket(x, t, tk);
            total += dk * (b - prev);
            prev = b;
        }
        total
    }

    #[cfg(test)]
    /// E[Y(horizon) | x, t_x, T]: expected purchases in the next `horizon`
    /// weeks. NaN for an invalid history or horizon.
    pub(crate) fn expected_orders(&self, horizon: f64, x: u32, t_x: f64, t: f64) -> f64 {
        if !(horizon >= 0.0 && horizon.is_finite()) {
            return f64::NAN;
        }
        self.p_alive(x, t_x, t) * self.bracket(f64::from(x), t, horizon)
    }

    #[cfg(test)]
    /// The same with each week's expected purchases discounted at
    /// `annual_rate` (0.1 = 10% a year, over 365 days) at the end of that
    /// week, the last step possibly a partial week:
    /// sum_k (E[Y(t_k)] - E[Y(t_k-1)]) / (1 + rate)^(t_k / 52.142857).
    /// NaN for an invalid history, a rate <= -100% or a horizon beyond 100
    /// years.
    pub(crate) fn expected_orders_discounted(
        &self,
        horizon: f64,
        annual_rate: f64,
        x: u32,
        t_x: f64,
        t: f64,
    ) -> f64 {
        if !(0.0..=MAX_DISCOUNTED_WEEKS).contains(&horizon)
            || annual_rate.is_nan()
            || annual_rate <= -1.0
        {
            return f64::NAN;
        }
        let steps = discount_steps(horizon, annual_rate);
        self.p_alive(x, t_x, t) * self.discounted_bracket(f64::from(x), t, &steps)
    }

    /// The (discounted) bracket of each distinct (x index, T index) pair.
    /// BG/NBD and MBG/NBD: the bracket's 2F1-like series has coefficients
    /// that depend on x alone and a few x-free factors per (T, step), so
    /// both are computed once and each pair costs a polynomial evaluation
    /// run across the steps. Pareto/NBD: the bracket is (r + x) times a
    /// factor of T alone.
    fn batch_brackets(
        &self,
        xs: &[u32],
        times: &[f64],
        pairs: &[(u32, u32)],
        steps: &[(f64, f64)],
    ) -> Vec<f64> {
        let mut out = vec![0.0; pairs.len()];
        let Some(&(horizon, _)) = steps.last() else {
            return out;
        };
        match self.model {
            Model::BgNbd | Model::MbgNbd => {
                let p = self.bg();
                let mut t_min = vec![f64::INFINITY; xs.len()];
                let mut t_used = vec![false; times.len()];
                for &(xi, ti) in pairs {
                    let t = &mut t_min[xi as usize];
                    *t = t.min(times[ti as usize]);
                    t_used[ti as usize] = true;
                }
                let series: Vec<Option<bgnbd::BracketSeries>> = xs
                    .iter()
                    .zip(&t_min)
                    .map(|(&x, &t)| {
                        let w = horizon / (p.alpha + t);
                        p.bracket_series(f64::from(x), w / (1.0 + w)).ok()
                    })
                    .collect();
                let tables: Vec<Option<bgnbd::StepTable>> = times
                    .iter()
                    .zip(&t_used)
                    .map(|(&t, &used)| used.then(|| p.step_table(t, steps)))
                    .collect();
                fill_halves(&mut out, |i| {
                    let (xi, ti) = pairs[i];
                    match (&series[xi as usize], &tables[ti as usize]) {
                        (Some(s), Some(table)) => bgnbd::discounted_bracket(s, table, steps),
                        // Coefficients out of range: sum each step's series.
                        _ => self.discounted_bracket(
                            f64::from(xs[xi as usize]),
                            times[ti as usize],
                            steps,
                        ),
                    }
                });
            }
            Model::ParetoNbd => {
                let p = self.pareto();
                let per_t: Vec<f64> = times
                    .iter()
                    .map(|&t| {
                        let unit = pareto::Params { r: 1.0, ..p };
                        let mut prev = 0.0;
                        let mut total = 0.0;
                        for &(tk, dk) in steps {
                            // (r + x) factored out: the bracket at r + x = 1.
                            let b = unit.bracket(0.0, t, tk);
                            total += dk * (b - prev);
                            prev = b;
                        }
                        total
                    })
                    .collect();
                for (o, &(xi, ti)) in out.iter_mut().zip(pairs) {
                    *o = (p.r + f64::from(xs[xi as usize])) * per_t[ti as usize];
                }
            }
        }
        out
    }

    /// (P(alive), expected purchases in the next `horizon` weeks) for each
    /// history, in order; discounted as in `expected_orders_discounted` when
    /// `annual_rate` is given. Weights are ignored. Invalid histories give
    /// NaN, and so does every history for a negative or infinite horizon, a
    /// rate <= -100% or a discounted horizon beyond 100 years.
    ///
    /// The expected purchases of an active customer depend on (x, T) only
    /// and are computed once per distinct pair (for Pareto/NBD also the A0
    /// term's 2F1 per distinct (x, t) pair), then each history costs an
    /// exponential or two; both stages use two threads when large.
    pub(crate) fn predict(
        &self,
        horizon: f64,
        annual_rate: Option<f64>,
        histories: &[History],
    ) -> Vec<(f64, f64)> {
        let n = histories.len();
        let valid_args = horizon >= 0.0
            && horizon.is_finite()
            && annual_rate.is_none_or(|r| r > -1.0 && horizon <= MAX_DISCOUNTED_WEEKS);
        if !valid_args {
            return vec![(f64::NAN, f64::NAN); n];
        }
        let steps = match annual_rate {
            Some(rate) => discount_steps(horizon, rate),
            None => vec![(horizon, 1.0)],
        };
        const INVALID: u32 = u32::MAX;
        let mut xs = IdInterner::default();
        let mut times = Interner::default();
        let mut x_t = PairInterner::default();
        // Per history: x index, t_x index, T index, (x, T) pair index.
        let idx: Vec<[u32; 4]> = histories
            .iter()
            .map(|h| {
                if data::check_history(h).is_some() {
                    return [INVALID; 4];
                }
                let xi = xs.id(h.x);
                let t_x = if h.x == 0 { 0.0 } else { h.t_x };
                let ti = times.id(h.t);
                [xi, times.id(t_x), ti, x_t.id(xi, ti)]
            })
            .collect();
        let xs = xs.values;
        let times = times.values;
        let brackets = self.batch_brackets(&xs, &times, &x_t.values, &steps);
        let mut out = vec![(f64::NAN, f64::NAN); n];
        match self.model {
            Model::BgNbd | Model::MbgNbd => {
                let p = self.bg();
                let per_x: Vec<(f64, f64)> = xs
                    .iter()
                    .map(|&x| (p.r + f64::from(x), p.ln_odds(f64::from(x))))
                    .collect();
                let ln_t: Vec<f64> = times.iter().map(|&t| (p.alpha + t).ln()).collect();
                fill_halves(&mut out, |i| {
                    let [xi, txi, ti, pi] = idx[i];
                    if xi == INVALID {
                        return (f64::NAN, f64::NAN);
                    }
                    let (k, lc) = per_x[xi as usize];
                    let u = lc + k * (ln_t[ti as usize] - ln_t[txi as usize]);
                    let alive = bgnbd::logistic_neg(u);
                    (alive, alive * brackets[pi as usize])
                });
            }
            Model::ParetoNbd => {
                let p = self.pareto();
                let mut x_any = PairInterner::default();
                let g_idx: Vec<(u32, u32)> = idx
                    .iter()
                    .map(|&[xi, txi, ti, _]| {
                        if xi == INVALID {
                            (INVALID, INVALID)
                        } else {
                            (x_any.id(xi, txi), x_any.id(xi, ti))
                        }
                    })
                    .collect();
                let (groups, position) = pareto::PairGroups::new(&x_any.values, &times);
                let g = groups.ln_g(&p, &xs, &times, series::MAX_TERMS);
                let g_at = |i: u32| g[position[i as usize] as usize];
                let per_x: Vec<(f64, f64)> = xs
                    .iter()
                    .map(|&x| {
                        let x = f64::from(x);
                        (p.r + x, p.s.ln() - (p.r + p.s + x).ln())
                    })
                    .collect();
                let ln_t: Vec<(f64, f64)> = times
                    .iter()
                    .map(|&t| ((p.alpha + t).ln(), (p.beta + t).ln()))
                    .collect();
                fill_halves(&mut out, |i| {
                    let [xi, _, ti, pi] = idx[i];
                    if xi == INVALID {
                        return (f64::NAN, f64::NAN);
                    }
                    let (gtx, gt) = g_idx[i];
                    let a0 = pareto::Params::ln_a0(g_at(gtx), g_at(gt));
                    let (k, ln_ratio) = per_x[xi as usize];
                    let (la, lb) = ln_t[ti as usize];
                    // As `pareto::Params::v`, from the tables.
                    let v = ln_ratio + k * la + p.s * lb + a0;
                    let alive = bgnbd::logistic_neg(v);
                    (alive, alive * brackets[pi as usize])
                });
            }
        }
        out
    }
}

/// The value of one customer's repeat purchases (or several customers'
/// with the same).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Spend {
    /// Repeat purchases, >= 1.
    pub(crate) x: u32,
    /// Average value of those x purchases, > 0.
    pub(crate) mean: f64,
    /// How many customers share this record (>= 0; 0 is skipped).
    pub(crate) weight: f64,
}

/// A fitted Gamma-Gamma spend model.
#[derive(Clone, Debug)]
pub(crate) struct SpendFit {
    pub(crate) p: f64,
    pub(crate) q: f64,
    pub(crate) v: f64,
    pub(crate) log_likelihood: f64,
    pub(crate) iterations: u64,
    pub(crate) converged: bool,
}

/// Fits the Gamma-Gamma model to repeat buyers' average purchase values.
pub(crate) fn fit_spend(spends: &[Spend]) -> Result<SpendFit, FitError> {
    let data = spend::SpendData::new(spends)?;
    let sub = (data.len() > SUBSAMPLE_ABOVE).then(|| data.subsample(SUBSAMPLE));
    // p = 1, q = 2 and v the mean value: a population mean equal to the
    // data's.
    let start = [0.0, 2f64.ln(), data.mean().ln()];
    let optimum = minimise(&data, sub.as_ref(), &start).ok_or(FitError::NotFinite)?;
    let log_likelihood = -optimum.cost * data.total_weight();
    if !log_likelihood.is_finite() {
        return Err(FitError::NotFinite);
    }
    let params = check_bounds("Gamma-Gamma", &["p", "q", "v"], &optimum.log_params)?;
    let (p, q, v) = (params[0], params[1], params[2]);
    if q <= 1.0 {
        return Err(FitError::MeanUndefined { q });
    }
    Ok(SpendFit {
        p,
        q,
        v,
        log_likelihood,
        iterations: optimum.iterations,
        converged: optimum.converged,
    })
}

impl SpendFit {
    /// The population mean purchase value, p v / (q - 1).
    pub(crate) fn population_mean(&self) -> f64 {
        self.p * self.v / (self.q - 1.0)
    }

    /// E[M | x, mean]: the expected value of this customer's purchases, a
    /// weighted mean of `mean` and the population mean; the population mean
    /// for x = 0.
    pub(crate) fn expected_avg_value(&self, x: u32, mean: f64) -> f64 {
        if x == 0 {
            return self.population_mean();
        }
        let px = self.p * f64::from(x);
        let w = px / (px + self.q - 1.0);
        (1.0 - w) * self.population_mean() + w * mean
    }
}

/// Weighted Pearson correlation of x and the average value among the
/// spends with x >= 1 and a positive weight: the Gamma-Gamma model assumes
/// they are independent, so a value far from 0 is a warning sign. NaN when
/// either has no spread.
pub(crate) fn correlation(spends: &[Spend]) -> f64 {
    spend::correlation(spends)
}
