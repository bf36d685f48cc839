//! Hypergeometric power series, summed with a convergence test that bounds
//! the tail, an iteration cap, and a running rescale so that sums far beyond
//! `f64`'s range (the BG/NBD 2F1 of a heavy buyer is easily 1e400) come back
//! as logarithms instead of infinities.

use std::fmt;

/// Terms summed before a series is declared non-convergent. A series with
/// |z| = 0.9999 needs about 400,000 terms, so this cap only trips when a
/// parameter set is far outside anything a fit produces.
pub(crate) const MAX_TERMS: u32 = 1_000_000;

/// The cap while fitting: enough for |z| up to about 0.996. The simplex
/// wanders through parameters (alpha a thousandth of beta, say) where the
/// Pareto/NBD series would need millions of terms per customer; there the
/// likelihood is reported as not computable and the simplex turns back,
/// instead of one evaluation taking seconds.
pub(crate) const FIT_TERMS: u32 = 10_000;

/// Tail bound relative to the sum at which summation stops.
const TOLERANCE: f64 = f64::EPSILON;

/// Rescale threshold: sums are kept below it and the scale tracked in logs.
const BIG: f64 = 1e250;

/// A power series that did not converge within the cap, or was asked for a
/// point where it cannot (|z| >= 1, a pole).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SeriesError {
    pub(crate) terms: u32,
}

impl fmt::Display for SeriesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a hypergeometric series did not converge after {} terms",
            self.terms
        )
    }
}

/// A sum `mantissa * exp(ln_scale)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scaled {
    pub(crate) mantissa: f64,
    pub(crate) ln_scale: f64,
}

impl Scaled {
    /// ln of the (positive) value; `None` when the sum is not positive.
    pub(crate) fn ln(self) -> Option<f64> {
        (self.mantissa > 0.0).then(|| self.mantissa.ln() + self.ln_scale)
    }

    pub(crate) fn value(self) -> f64 {
        if self.ln_scale == 0.0 {
            self.mantissa
        } else {
            self.mantissa * self.ln_scale.exp()
        }
    }
}

/// Sums `t_0 + t_1 + ...` with `t_0 = first` and `t_{n+1} = t_n * ratio(n)`,
/// where `ratio(n) = (a + n)(b + n) / ((c + n)(d + n)) * z` tends to `z` as
/// n grows. `monotone_from` (see [`monotone_from`]) is an index past which
/// the factor in front of `z` is monotone, so the tail after term n is
/// bounded by `|t_{n+1}| / (1 - max(|ratio(n)|, |z|))`.
pub(crate) fn sum(
    first: f64,
    z: f64,
    monotone_from: f64,
    cap: u32,
    ratio: impl Fn(f64) -> f64,
) -> Result<Scaled, SeriesError> {
    if z.is_nan() || z.abs() >= 1.0 || !first.is_finite() {
        return Err(SeriesError { terms: 0 });
    }
    let mut term = first;
    let mut total = first;
    let mut ln_scale = 0.0;
    let mut n = 0u32;
    loop {
        if term == 0.0 {
            return Ok(Scaled {
                mantissa: total,
                ln_scale,
            });
        }
        let nf = f64::from(n);
        let rho = ratio(nf);
        term *= rho;
        total += term;
        n += 1;
        if !total.is_finite() || !term.is_finite() {
            return Err(SeriesError { terms: n });
        }
        if total.abs() > BIG {
            total /= BIG;
            term /= BIG;
            ln_scale += BIG.ln();
        }
        if nf >= monotone_from {
            let bound = rho.abs().max(z.abs());
            if bound < 1.0 && term.abs() <= TOLERANCE * total.abs() * (1.0 - bound) {
                return Ok(Scaled {
                    mantissa: total,
                    ln_scale,
                });
            }
        }
        if n >= cap {
            return Err(SeriesError { terms: n });
        }
    }
}

/// An index past which the term ratio `(a+n)(b+n) / ((c+n)(d+n))` of a
/// hypergeometric-type series is monotone in n and its factors keep their
/// signs, so that [`sum`]'s tail bound holds from there on: past the last
/// sign change of a factor and past the last real root of the ratio's
/// derivative, whose numerator is the quadratic
/// (q1 - p1) n^2 + 2 (q0 - p0) n + (p1 q0 - p0 q1) with p1 = a + b, p0 = ab,
/// q1 = c + d, q0 = cd.
pub(crate) fn monotone_from(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let (p1, p0, q1, q0) = (a + b, a * b, c + d, c * d);
    let (qa, qb, qc) = (q1 - p1, 2.0 * (q0 - p0), p1 * q0 - p0 * q1);
    let root = if qa != 0.0 {
        let disc = qb * qb - 4.0 * qa * qc;
        if disc >= 0.0 {
            let sq = disc.sqrt();
            ((-qb + sq) / (2.0 * qa)).max((-qb - sq) / (2.0 * qa))
        } else {
            0.0
        }
    } else if qb != 0.0 {
        -qc / qb
    } else {
        0.0
    };
    let root = if root.is_finite() { root } else { 0.0 };
    root.max(-a).max(-b).max(-c).max(-d).max(0.0) + 1.0
}

/// Gauss's hypergeometric function 2F1(a, b; c; z) for real |z| < 1, as a
/// scaled sum (see [`Scaled`]) of at most `cap` terms.
pub(crate) fn hyp2f1_scaled(
    a: f64,
    b: f64,
    c: f64,
    z: f64,
    cap: u32,
) -> Result<Scaled, SeriesError> {
    if c <= 0.0 && c == c.floor() {
        return Err(SeriesError { terms: 0 });
    }
    let from = monotone_from(a, b, c, 1.0);
    sum(1.0, z, from, cap, |n| {
        (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z
    })
}

/// 2F1(a, b; c; z) for real |z| < 1 (the module uses the logarithm; this
/// is for the tests against published values).
#[cfg(test)]
pub(crate) fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64, SeriesError> {
    let s = hyp2f1_scaled(a, b, c, z, MAX_TERMS)?;
    let v = s.value();
    if v.is_finite() {
        Ok(v)
    } else {
        Err(SeriesError { terms: 0 })
    }
}

/// ln 2F1(a, b; c; z) for real |z| < 1 where the function is positive (all of
/// this module's uses: positive a, b, c and z in [0, 1)), summing at most
/// `cap` terms.
pub(crate) fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64, cap: u32) -> Result<f64, SeriesError> {
    hyp2f1_scaled(a, b, c, z, cap)?
        .ln()
        .ok_or(SeriesError { terms: 0 })
}

/// expm1(y) / y, 1 at y = 0: the factor that keeps (1 - q^e) / e finite and
/// exact as the exponent e goes through 0.
pub(crate) fn expm1_over(y: f64) -> f64 {
    if y.abs() < 1e-8 {
        1.0 + 0.5 * y
    } else {
        y.exp_m1() / y
    }
}

/// ln(1 + e^u) by the library functions (the reference for
/// [`softplus_fast`]).
#[cfg(test)]
pub(crate) fn softplus(u: f64) -> f64 {
    if u > 0.0 {
        u + (-u).exp().ln_1p()
    } else {
        u.exp().ln_1p()
    }
}

/// Coefficients c_0, c_1, ... of a power series sum c_m z^m with
/// `c_0 = first` and `c_{m+1} = c_m * ratio(m)`, as many as it takes to
/// converge (the test of [`sum`]) at every |z| <= `z_max`. Shared by all
/// the points at which one series is evaluated ([`eval_many`]), so the
/// divisions in `ratio` are paid once. Errs when the series needs more than
/// `cap` terms, or with fewer terms when a coefficient leaves f64's range
/// (then sum each point with [`sum`], which rescales).
pub(crate) fn coefficients(
    first: f64,
    z_max: f64,
    monotone_from: f64,
    cap: u32,
    ratio: impl Fn(f64) -> f64,
) -> Result<Vec<f64>, SeriesError> {
    let z_max = z_max.abs();
    if z_max.is_nan() || z_max >= 1.0 || !first.is_finite() {
        return Err(SeriesError { terms: 0 });
    }
    let mut c = first;
    let mut coeffs = vec![first];
    let mut power = 1.0;
    let mut total = first;
    loop {
        if c == 0.0 {
            return Ok(coeffs);
        }
        let m = (coeffs.len() - 1) as f64;
        let rho = ratio(m);
        c *= rho;
        power *= z_max;
        let term = c * power;
        if !c.is_finite() || c.abs() > BIG {
            return Err(SeriesError {
                terms: coeffs.len() as u32,
            });
        }
        coeffs.push(c);
        total += term;
        if m >= monotone_from {
            let bound = (rho * z_max).abs().max(z_max);
            if bound < 1.0 && term.abs() <= TOLERANCE * total.abs() * (1.0 - bound) {
                return Ok(coeffs);
            }
        }
        if coeffs.len() >= cap as usize {
            return Err(SeriesError {
                terms: coeffs.len() as u32,
            });
        }
    }
}

/// Lanes evaluated together by [`eval_many`]: wide enough to vectorise.
const LANES: usize = 16;

/// `out[j] = sum_m coeffs[m] z[j]^m` for every j, the points taken
/// [`LANES`] at a time so the inner loop runs across points. `coeffs` must
/// come from [`coefficients`] with a `z_max` covering every `|z[j]|`; a chunk
/// stops early once its largest |z| has converged.
pub(crate) fn eval_many(coeffs: &[f64], monotone_from: f64, z: &[f64], out: &mut [f64]) {
    for (zs, outs) in z.chunks(LANES).zip(out.chunks_mut(LANES)) {
        let n = zs.len();
        let mut zl = [0.0; LANES];
        zl[..n].copy_from_slice(zs);
        let (mut big, mut z_big) = (0, 0.0f64);
        // The lane with the largest |z| converges last.
        for (j, v) in zs.iter().enumerate() {
            if v.abs() > z_big {
                (big, z_big) = (j, v.abs());
            }
        }
        let mut pw = [1.0; LANES];
        let mut acc = [0.0; LANES];
        for (m, &c) in coeffs.iter().enumerate() {
            for j in 0..LANES {
                acc[j] += c * pw[j];
                pw[j] *= zl[j];
            }
            if m % 4 == 3 && m as f64 >= monotone_from {
                // c_m z^(m+1) stands for the next term.
                if (c * pw[big]).abs() <= TOLERANCE * acc[big].abs() * (1.0 - z_big) {
                    break;
                }
            }
        }
        outs.copy_from_slice(&acc[..n]);
    }
}

/// ln Gamma(z + q) - ln Gamma(z) for z, q > 0, accurate to a few ulps of
/// the result: the difference of two ln-gammas of 1e3 would carry their
/// rounding (1e-13), which the optimiser would read as slope. Stirling's
/// series for z >= 10 with the leading terms combined through ln_1p, after
/// raising z with ln Gamma(z + 1) = ln Gamma(z) + ln z.
pub(crate) fn ln_gamma_ratio(z: f64, q: f64) -> f64 {
    let mut z = z;
    let mut shift = 0.0;
    while z < 10.0 {
        shift -= (q / z).ln_1p();
        z += 1.0;
    }
    // Stirling's correction sum_k B_2k / (2k (2k - 1) z^(2k - 1)).
    let tail = |z: f64| {
        const C: [f64; 8] = [
            1.0 / 12.0,
            -1.0 / 360.0,
            1.0 / 1260.0,
            -1.0 / 1680.0,
            1.0 / 1188.0,
            -691.0 / 360_360.0,
            1.0 / 156.0,
            -3617.0 / 122_400.0,
        ];
        let z2 = 1.0 / (z * z);
        C.iter().rev().fold(0.0, |acc, &c| acc * z2 + c) / z
    };
    shift + (z - 0.5) * (q / z).ln_1p() + q * (z + q).ln() - q + (tail(z + q) - tail(z))
}

/// e^-a for a >= 0 (a = +inf or NaN aside), within about 1 ulp, with no
/// branch or library call so that loops over it vectorise: Cody-Waite
/// reduction a = k ln 2 + r, |r| <= ln 2 / 2, and e^-r by its Taylor
/// polynomial of degree 13 (truncation below 1e-17). Results below 1e-307
/// come out as about 1e-308 rather than 0.
#[inline(always)]
pub(crate) fn exp_neg(a: f64) -> f64 {
    // ln 2 split so that k * LN2_HI is exact for |k| < 2^11 (fdlibm's).
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
    // 1.5 * 2^52: adding it rounds to an integer held in the low bits.
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    let a = a.min(707.0);
    let shifted = a * std::f64::consts::LOG2_E + MAGIC;
    let kf = shifted - MAGIC;
    let r = -((a - kf * LN2_HI) - kf * LN2_LO);
    // e^r, r in [-0.35, 0.35].
    let mut p = 1.0 / 6_227_020_800.0;
    for c in [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    // 2^-k from its exponent bits; k (in 0..=1021) is the low bits of
    // `shifted`, taken with integer arithmetic that vectorises (a float to
    // integer conversion would not, on baseline x86-64).
    let k = shifted.to_bits().wrapping_sub(MAGIC.to_bits());
    let scale = f64::from_bits(1023u64.wrapping_sub(k) << 52);
    p * scale
}

/// ln(1 + v) for v in [0, 1], branch-free (see [`exp_neg`]): with
/// 2 atanh(s) by its series to s^21, for |s| <= 0.172: ln w for
/// s = (w - 1) / (w + 1), shared by [`ln_1p_unit`] and [`ln_fast`].
#[inline(always)]
fn two_atanh(s: f64) -> f64 {
    let s2 = s * s;
    let mut p = 2.0 / 21.0;
    for c in [
        2.0 / 19.0,
        2.0 / 17.0,
        2.0 / 15.0,
        2.0 / 13.0,
        2.0 / 11.0,
        2.0 / 9.0,
        2.0 / 7.0,
        2.0 / 5.0,
        2.0 / 3.0,
        2.0,
    ] {
        p = p * s2 + c;
    }
    s * p
}

/// w = 1 + v reduced to [sqrt(1/2), sqrt(2)] and s = f / (2 + f) for
/// f = w - 1, ln w = 2 atanh(s) by its series to s^21 (|s| <= 0.172).
#[inline(always)]
pub(crate) fn ln_1p_unit(v: f64) -> f64 {
    let big = v > std::f64::consts::SQRT_2 - 1.0;
    let f = if big { (v - 1.0) * 0.5 } else { v };
    let add = if big { std::f64::consts::LN_2 } else { 0.0 };
    let s = f / (2.0 + f);
    add + two_atanh(s)
}

/// ln(1 + e^u) by [`exp_neg`] and [`ln_1p_unit`]: no branch or call, for
/// the likelihoods' per-history loops.
#[inline(always)]
pub(crate) fn softplus_fast(u: f64) -> f64 {
    u.max(0.0) + ln_1p_unit(exp_neg(u.abs()))
}

/// Which vector width the per-history loops are compiled for: the
/// baseline (2 lanes on x86-64), or 4 or 8 lanes on CPUs with AVX2 or
/// AVX-512. The kernels use no FMA, and every lane does the same IEEE
/// operations, so all widths give the same bits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Width {
    Baseline,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Width {
    /// The widest this CPU runs (detected once, then cached by std).
    pub(crate) fn detect() -> Width {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f") {
                return Width::Avx512;
            }
            if std::is_x86_feature_detected!("avx2") {
                return Width::Avx2;
            }
        }
        Width::Baseline
    }

    /// Runs `kernel`, a loop of `#[inline(always)]` code, compiled for this
    /// width.
    #[inline(always)]
    pub(crate) fn run<K: Kernel>(self, kernel: &mut K) {
        match self {
            Width::Baseline => kernel.run(),
            // SAFETY (both): `Width::detect` only returns these when the CPU
            // has the feature, and the functions need nothing else.
            #[cfg(target_arch = "x86_64")]
            Width::Avx2 => unsafe { run_avx2(kernel) },
            #[cfg(target_arch = "x86_64")]
            Width::Avx512 => unsafe { run_avx512(kernel) },
        }
    }
}

/// A loop to compile at several vector widths (see [`Width`]).
pub(crate) trait Kernel {
    fn run(&mut self);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn run_avx2<K: Kernel>(kernel: &mut K) {
    kernel.run();
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn run_avx512<K: Kernel>(kernel: &mut K) {
    kernel.run();
}

/// `u[i] = ln(1 + e^u[i])` over a slice.
pub(crate) struct SoftplusKernel<'a>(pub(crate) &'a mut [f64]);

impl Kernel for SoftplusKernel<'_> {
    #[inline(always)]
    fn run(&mut self) {
        for v in self.0.iter_mut() {
            *v = softplus_fast(*v);
        }
    }
}

/// ln y for normal y > 0, branch-free (see [`exp_neg`]): y = m 2^e with m
/// in [sqrt(1/2), sqrt(2)), and ln m as in [`ln_1p_unit`].
#[inline(always)]
pub(crate) fn ln_fast(y: f64) -> f64 {
    // ln 2 split so that k * LN2_HI is exact for |k| < 2^11 (fdlibm's).
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
    // 2^52: or-ing an integer below it into the mantissa and subtracting
    // converts it to f64 without an integer-to-float instruction.
    const TWO52: f64 = 4_503_599_627_370_496.0;
    let bits = y.to_bits();
    let exponent = f64::from_bits(TWO52.to_bits() | (bits >> 52)) - TWO52 - 1023.0;
    let m = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000);
    let big = m > std::f64::consts::SQRT_2;
    let m = if big { m * 0.5 } else { m };
    let e = if big { exponent + 1.0 } else { exponent };
    let f = m - 1.0;
    let s = f / (2.0 + f);
    e * LN2_HI + (e * LN2_LO + two_atanh(s))
}
