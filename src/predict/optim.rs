//! Maximum likelihood by argmin's Nelder-Mead over the logarithms of the
//! (all positive) parameters.
//!
//! The cost is the negative log-likelihood per unit of weight, so one
//! tolerance suits a sample of 2,000 customers and one of 2,000,000. The
//! simplex stops when its vertices' costs agree to 1e-14 (`SD_TOLERANCE`),
//! which puts the parameters within about 1e-6 of the optimum: that is why
//! the likelihoods are computed to a few ulps (compensated sums, x-only
//! terms summed term by term), since rounding noise above the tolerance
//! would keep the simplex from ever meeting it. After a simplex has
//! converged, the cost is probed a small step either side of the optimum
//! along each axis; if any probe is better (Nelder-Mead can stall on a
//! ridge, as Pareto/NBD's alpha and beta make one) the simplex is
//! restarted from there.
//!
//! A large data set (more than `SUBSAMPLE_ABOVE` distinct histories) is
//! fitted in stages, see `minimise`: the simplex on a subsample of about
//! `SUBSAMPLE` histories standing for all of them (`Data::subsample`), its
//! curvature, and Newton steps on the full data in the coordinates it
//! whitens until the gradient vanishes (a final simplex on the full data
//! only if they stall). The answer is the full data's optimum (the
//! benchmark test checks it against a plain simplex on the full data),
//! reached with about 45 full evaluations instead of 300.
//!
//! A simplex runs in chunks of `CHUNK_ITERS` iterations and is stopped
//! early when its best point has a parameter past `DEGENERATE` (e^16): the
//! data do not pin that parameter down, and the fit reports so.

use argmin::core::{CostFunction, Error, Executor, State, TerminationReason};
use argmin::solver::neldermead::NelderMead;

/// Histories above which the full fit is warm-started from a subsample.
pub(crate) const SUBSAMPLE_ABOVE: usize = 60_000;
/// Rows in that subsample.
pub(crate) const SUBSAMPLE: usize = 20_000;
/// Iteration cap of one simplex run.
const MAX_ITERS: u64 = 4_000;
/// Iterations between checks of a simplex run for a parameter at the edge.
const CHUNK_ITERS: u64 = 250;
/// Tolerance on the standard deviation of the simplex's costs (negative
/// log-likelihood per unit weight). A cost that is within 1e-13 of the
/// optimum puts a parameter within about sqrt(2e-13 / h) of it, where h is
/// the curvature per customer in log-parameter space (1e-2 or more here):
/// six significant digits or better.
const SD_TOLERANCE: f64 = 1e-14;
/// The same for the subsample's simplex, which only has to land in the
/// full data's basin (its optimum is about 1% away from the full data's
/// anyway): parameters to about 1e-4.
const WARM_SD_TOLERANCE: f64 = 1e-10;
/// Most Newton steps on the full data after the subsample (see
/// `minimise`); they take about 5.
const NEWTON_STEPS: usize = 12;
/// Length of the gradient, in whitened coordinates, at which the Newton
/// steps have found the optimum: the cost is then within |g|^2 / 2 = 5e-17
/// per customer of it, and each parameter within about 1e-7 (relative).
const GRADIENT_TOLERANCE: f64 = 1e-8;
/// Gradient length below which a Newton step is taken without checking
/// that it lowered the cost. Its expected decrease, |g|^2 / 2, is then at
/// most 5e-13, a few hundred ulps of a cost near 10, and by |g| = 1e-7
/// (5e-15) the comparison is rounding noise: checked there, it rejected
/// good steps and sent the fit to the slow simplex. The quadratic model is
/// accurate this close, and a step that goes wrong shows in the next
/// gradient, which is checked again above this length.
const SMALL_GRADIENT: f64 = 1e-6;
/// Initial simplex step of the full run in whitened coordinates (where a
/// step of 1 raises the cost per customer by about 1/2), after the Newton
/// steps.
const POLISH_STEP: f64 = 1e-6;
/// Log-parameters outside this range are infeasible (e^20 = 4.9e8): far
/// beyond any fitted value on real data, in weeks or otherwise.
pub(crate) const LOG_BOUND: f64 = 20.0;
/// A fit whose log-parameter passes this (e^16 = 8.9e6) is heading for the
/// edge: the data do not pin that parameter down.
pub(crate) const DEGENERATE: f64 = 16.0;

/// A log-likelihood over log-parameters.
pub(crate) trait Objective: Sync {
    /// Total weighted log-likelihood at `params` (the parameters themselves,
    /// not their logs); NaN or -inf where it cannot be evaluated.
    fn log_likelihood(&self, params: &[f64]) -> f64;
    fn total_weight(&self) -> f64;
}

/// The cost over coordinates y, mapped to log-parameters as
/// `center + map * y` (`map` row-major, n x n).
struct Cost<'a, O> {
    obj: &'a O,
    center: Vec<f64>,
    map: Vec<f64>,
}

/// Cost evaluations so far, for the benchmark's report.
#[cfg(test)]
pub(crate) static EVALS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl<'a, O: Objective> Cost<'a, O> {
    /// Plain log-parameters.
    fn identity(obj: &'a O, n: usize) -> Self {
        let mut map = vec![0.0; n * n];
        for i in 0..n {
            map[i * n + i] = 1.0;
        }
        Cost {
            obj,
            center: vec![0.0; n],
            map,
        }
    }

    fn log_params(&self, y: &[f64]) -> Vec<f64> {
        let n = y.len();
        (0..n)
            .map(|i| self.center[i] + (0..n).map(|j| self.map[i * n + j] * y[j]).sum::<f64>())
            .collect()
    }

    fn eval_log(&self, log_params: &[f64]) -> f64 {
        if log_params.iter().any(|v| v.is_nan() || v.abs() > LOG_BOUND) {
            return f64::INFINITY;
        }
        #[cfg(test)]
        EVALS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let params: Vec<f64> = log_params.iter().map(|v| v.exp()).collect();
        let ll = self.obj.log_likelihood(&params);
        let cost = -ll / self.obj.total_weight();
        // Nelder-Mead sorts vertices by cost: NaN would scramble the order.
        if cost.is_finite() {
            cost
        } else {
            f64::INFINITY
        }
    }

    fn eval(&self, y: &[f64]) -> f64 {
        self.eval_log(&self.log_params(y))
    }
}

impl<O: Objective> CostFunction for Cost<'_, O> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Vec<f64>) -> Result<f64, Error> {
        Ok(self.eval(p))
    }
}

pub(crate) struct Optimum {
    pub(crate) log_params: Vec<f64>,
    /// Negative log-likelihood per unit weight.
    pub(crate) cost: f64,
    pub(crate) iterations: u64,
    pub(crate) converged: bool,
}

/// One Nelder-Mead run in `cost`'s coordinates from `start`, the simplex
/// spanned by steps of `step` along each axis.
fn simplex_run<O: Objective>(
    cost: Cost<'_, O>,
    start: &[f64],
    step: f64,
    tolerance: f64,
) -> Option<(Vec<f64>, Optimum)> {
    let mut vertices = vec![start.to_vec()];
    for i in 0..start.len() {
        let mut v = start.to_vec();
        v[i] += step;
        vertices.push(v);
    }
    let mut solver = NelderMead::new(vertices)
        .with_sd_tolerance(tolerance)
        .ok()?;
    let mut iterations = 0;
    // In chunks, so that a simplex heading for a parameter at the edge of
    // the search (a model the data do not pin down) is stopped early; each
    // chunk resumes the previous one's simplex (re-evaluating its n + 1
    // vertices).
    loop {
        let chunk = Cost {
            obj: cost.obj,
            center: cost.center.clone(),
            map: cost.map.clone(),
        };
        let result = Executor::new(chunk, solver)
            .configure(|s| s.max_iters(CHUNK_ITERS))
            .run()
            .ok()?;
        let state = result.state();
        iterations += state.get_iter();
        let y = state.get_best_param()?.clone();
        let log_params = cost.log_params(&y);
        let converged = matches!(
            state.get_termination_reason(),
            Some(TerminationReason::SolverConverged)
        );
        let at_edge = log_params.iter().any(|v| v.abs() > DEGENERATE);
        if converged || at_edge || iterations >= MAX_ITERS {
            return Some((
                y,
                Optimum {
                    log_params,
                    cost: state.get_best_cost(),
                    iterations,
                    converged,
                },
            ));
        }
        solver = result.solver().clone();
    }
}

/// Step of the probes around a simplex's optimum (see `converge`).
const PROBE: f64 = 1e-3;

/// Runs simplexes in the coordinates `center + map * y` from `start`, to
/// `tolerance`, until one converges and no probe `PROBE` away from its
/// optimum along an axis is better (at most `restarts` more runs).
fn converge<O: Objective>(
    obj: &O,
    center: &[f64],
    map: &[f64],
    start: &[f64],
    step: f64,
    restarts: u32,
    tolerance: f64,
) -> Option<Optimum> {
    let n = center.len();
    let cost = || Cost {
        obj,
        center: center.to_vec(),
        map: map.to_vec(),
    };
    let (mut y, mut best) = simplex_run(cost(), start, step, tolerance)?;
    let mut iterations = best.iterations;
    let probe_cost = cost();
    // A run stopped at the edge or the cap is not worth probing around.
    let restarts = if best.converged { restarts } else { 0 };
    for _ in 0..restarts {
        let mut better: Option<(Vec<f64>, f64)> = None;
        for i in 0..n {
            for h in [PROBE, -PROBE] {
                let mut p = y.clone();
                p[i] += h;
                let c = probe_cost.eval(&p);
                if c < best.cost && better.as_ref().is_none_or(|b| c < b.1) {
                    better = Some((p, c));
                }
            }
        }
        let Some((p, _)) = better else {
            break;
        };
        let (y2, run) = simplex_run(cost(), &p, 0.2 * step, tolerance)?;
        iterations += run.iterations;
        if run.cost <= best.cost {
            (y, best) = (y2, run);
        } else {
            best.converged = run.converged && best.converged;
            break;
        }
    }
    best.iterations = iterations;
    Some(best)
}

/// The Hessian of `obj`'s cost at `center` (log-parameters) by central
/// differences of step `h`, row-major.
pub(super) fn hessian<O: Objective>(obj: &O, center: &[f64], h: f64) -> Vec<f64> {
    let n = center.len();
    let cost = Cost::identity(obj, n);
    let at = |steps: &[(usize, f64)]| {
        let mut p = center.to_vec();
        for &(i, s) in steps {
            p[i] += s;
        }
        cost.eval_log(&p)
    };
    let f0 = at(&[]);
    let mut hess = vec![0.0; n * n];
    for i in 0..n {
        hess[i * n + i] = (at(&[(i, h)]) - 2.0 * f0 + at(&[(i, -h)])) / (h * h);
        for j in 0..i {
            let v = (at(&[(i, h), (j, h)]) - at(&[(i, h), (j, -h)]) - at(&[(i, -h), (j, h)])
                + at(&[(i, -h), (j, -h)]))
                / (4.0 * h * h);
            hess[i * n + j] = v;
            hess[j * n + i] = v;
        }
    }
    hess
}

/// M with M^T H M = I (M = L^-T for H = L L^T), or `None` if H is not
/// positive definite.
pub(super) fn whitening(hess: &[f64], n: usize) -> Option<Vec<f64>> {
    // Cholesky: H = L L^T.
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                let d = hess[i * n + i] - s;
                if d.is_nan() || d <= 0.0 {
                    return None;
                }
                l[i * n + i] = d.sqrt();
            } else {
                l[i * n + j] = (hess[i * n + j] - s) / l[j * n + j];
            }
        }
    }
    // L^-1, column by column (forward substitution).
    let mut inv = vec![0.0; n * n];
    for c in 0..n {
        for i in c..n {
            let rhs = if i == c { 1.0 } else { 0.0 };
            let s: f64 = (c..i).map(|k| l[i * n + k] * inv[k * n + c]).sum();
            inv[i * n + c] = (rhs - s) / l[i * n + i];
        }
    }
    // M = (L^-1)^T.
    let mut m = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            m[i * n + j] = inv[j * n + i];
        }
    }
    m.iter().all(|v| v.is_finite()).then_some(m)
}

/// Newton steps on `obj` in whitened coordinates (`center + map * y`, where
/// the Hessian is close to the identity, so a step is minus the gradient),
/// the gradient by central differences. Starts at y = 0; the optimum once
/// the gradient is shorter than `GRADIENT_TOLERANCE`. Otherwise (a step
/// that raised the cost, or `NEWTON_STEPS` steps) `Err` with the last y,
/// for the simplex to finish from.
pub(super) fn newton<O: Objective>(
    obj: &O,
    center: &[f64],
    map: &[f64],
) -> Result<Optimum, Vec<f64>> {
    const H: f64 = 1e-4;
    let n = center.len();
    let cost = Cost {
        obj,
        center: center.to_vec(),
        map: map.to_vec(),
    };
    let mut y = vec![0.0; n];
    let mut fy = cost.eval(&y);
    for step in 0..NEWTON_STEPS {
        let gradient: Vec<f64> = (0..n)
            .map(|i| {
                let mut up = y.clone();
                let mut down = y.clone();
                up[i] += H;
                down[i] -= H;
                (cost.eval(&up) - cost.eval(&down)) / (2.0 * H)
            })
            .collect();
        let norm = gradient.iter().map(|g| g * g).sum::<f64>().sqrt();
        if norm < GRADIENT_TOLERANCE {
            return Ok(Optimum {
                log_params: cost.log_params(&y),
                // Not evaluated after a step taken on the gradient alone.
                cost: if fy.is_nan() { cost.eval(&y) } else { fy },
                iterations: step as u64,
                converged: true,
            });
        }
        let next: Vec<f64> = y.iter().zip(&gradient).map(|(v, g)| v - g).collect();
        if norm < SMALL_GRADIENT {
            (y, fy) = (next, f64::NAN);
            continue;
        }
        if fy.is_nan() {
            fy = cost.eval(&y);
        }
        let f_next = cost.eval(&next);
        if f_next.is_nan() || f_next >= fy {
            break;
        }
        (y, fy) = (next, f_next);
    }
    Err(y)
}

/// Minimises `full`'s cost from `start` (log-parameters).
///
/// Without a subsample: Nelder-Mead from `start`, restarted while a probe
/// around its optimum finds lower cost.
///
/// With a subsample `sub` (a large data set): Nelder-Mead on the subsample
/// from `start` first, to a looser tolerance. Its optimum is within about
/// 1% of the full data's, and the curvature there (finite differences, 33
/// cheap evaluations) gives coordinates y in which the full cost is close
/// to |y - y*|^2 / 2. Newton steps on the full data (9 evaluations each)
/// then shrink the gradient 25- to 70-fold each (the subsample's curvature
/// is within a few % of the full data's), and about 5 reach the optimum
/// (`GRADIENT_TOLERANCE`). Should they stall (a subsample unlike the
/// data), Nelder-Mead on the full data, restarted from where they stopped
/// with a small simplex, finishes. Measured on 541,689 distinct histories:
/// about 45 full evaluations for BG/NBD, against about 90 for Newton steps
/// followed by a simplex and 300 for a simplex alone.
pub(crate) fn minimise<O: Objective>(full: &O, sub: Option<&O>, start: &[f64]) -> Option<Optimum> {
    let n = start.len();
    let identity = Cost::identity(full, n).map;
    let zero = vec![0.0; n];
    let Some(sub) = sub else {
        return converge(full, start, &identity, &zero, 0.5, 3, SD_TOLERANCE);
    };
    let warm = converge(sub, start, &identity, &zero, 0.5, 1, WARM_SD_TOLERANCE)?;
    let hess = hessian(sub, &warm.log_params, 1e-3);
    let mut best = match whitening(&hess, n) {
        Some(map) => match newton(full, &warm.log_params, &map) {
            Ok(optimum) => optimum,
            Err(y) => converge(
                full,
                &warm.log_params,
                &map,
                &y,
                POLISH_STEP,
                3,
                SD_TOLERANCE,
            )?,
        },
        // Not positive definite (a flat or odd subsample): plain simplex.
        None => converge(
            full,
            &warm.log_params,
            &identity,
            &zero,
            0.05,
            3,
            SD_TOLERANCE,
        )?,
    };
    best.iterations += warm.iterations;
    Some(best)
}
