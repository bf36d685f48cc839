//! Small tables of distinct values, and work split over two threads.
//!
//! Purchase times are whole days divided by 7, so a million histories share
//! a few hundred distinct times and a few hundred distinct purchase counts:
//! everything that depends on one of them alone is computed once per
//! distinct value, and each history only carries indices into those tables.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

/// A multiply-fold hash for integer keys (f64 bit patterns, packed pairs):
/// SipHash would cost more than the arithmetic it saves.
#[derive(Default, Clone, Copy)]
pub(crate) struct MulHasher(u64);

impl Hasher for MulHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, v: u64) {
        // Folded 128-bit product: every output bit depends on every input
        // bit (hashbrown indexes with the low bits and tags with the top).
        let p = u128::from(self.0 ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }

    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<MulHasher>>;

/// Distinct f64 values in first-seen order, with the index of each.
#[derive(Default)]
pub(crate) struct Interner {
    pub(crate) values: Vec<f64>,
    index: FastMap<u64, u32>,
}

impl Interner {
    pub(crate) fn id(&mut self, v: f64) -> u32 {
        // +0.0 and -0.0 are the same time.
        let v = if v == 0.0 { 0.0 } else { v };
        let next = self.values.len() as u32;
        let id = *self.index.entry(v.to_bits()).or_insert(next);
        if id == next {
            self.values.push(v);
        }
        id
    }
}

/// Distinct u32 values in first-seen order.
#[derive(Default)]
pub(crate) struct IdInterner {
    pub(crate) values: Vec<u32>,
    index: FastMap<u32, u32>,
}

impl IdInterner {
    pub(crate) fn id(&mut self, v: u32) -> u32 {
        let next = self.values.len() as u32;
        let id = *self.index.entry(v).or_insert(next);
        if id == next {
            self.values.push(v);
        }
        id
    }
}

/// Distinct (u32, u32) pairs in first-seen order.
#[derive(Default)]
pub(crate) struct PairInterner {
    pub(crate) values: Vec<(u32, u32)>,
    index: FastMap<u64, u32>,
}

impl PairInterner {
    pub(crate) fn id(&mut self, a: u32, b: u32) -> u32 {
        let next = self.values.len() as u32;
        let key = (u64::from(a) << 32) | u64::from(b);
        let id = *self.index.entry(key).or_insert(next);
        if id == next {
            self.values.push((a, b));
        }
        id
    }
}

/// Below this many items a job runs on the calling thread alone.
pub(crate) const PARALLEL_MIN: usize = 16_384;

/// The same for a sum over a likelihood's rows ([`sum_halves`], Pareto/NBD's:
/// BG/NBD's and Gamma-Gamma's run on one thread), which is repeated hundreds
/// of times per fit: starting a thread costs about as much as 30,000 rows
/// here, so the subsample's evaluations (`optim::SUBSAMPLE` rows) run faster
/// on one (measured: 0.18 ms an evaluation on two threads, 0.12 ms on one).
const SUM_PARALLEL_MIN: usize = 32_768;

fn two_threads() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
}

/// `f(0..mid) + f(mid..n)`, the second half on a scoped thread when the job is
/// large and a second core exists. The split is the same either way, so the
/// floating-point sum does not depend on the machine.
pub(crate) fn sum_halves(n: usize, f: impl Fn(Range<usize>) -> f64 + Sync) -> f64 {
    if n < SUM_PARALLEL_MIN {
        return f(0..n);
    }
    let mid = n / 2;
    if !two_threads() {
        return f(0..mid) + f(mid..n);
    }
    std::thread::scope(|s| {
        let upper = s.spawn(|| f(mid..n));
        let lower = f(0..mid);
        match upper.join() {
            Ok(v) => lower + v,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Fills `out[i] = f(i)`, split over two threads when large.
pub(crate) fn fill_halves<T: Send>(out: &mut [T], f: impl Fn(usize) -> T + Sync) {
    let n = out.len();
    if n < PARALLEL_MIN || !two_threads() {
        for (i, o) in out.iter_mut().enumerate() {
            *o = f(i);
        }
        return;
    }
    let mid = n / 2;
    let (lo, hi) = out.split_at_mut(mid);
    std::thread::scope(|s| {
        let f = &f;
        let upper = s.spawn(move || {
            for (i, o) in hi.iter_mut().enumerate() {
                *o = f(mid + i);
            }
        });
        for (i, o) in lo.iter_mut().enumerate() {
            *o = f(i);
        }
        if let Err(panic) = upper.join() {
            std::panic::resume_unwind(panic);
        }
    });
}
