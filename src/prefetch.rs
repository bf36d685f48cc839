//! A cache hint for memory the hardware cannot guess the next use of. Reads:
//! the engine applying orders to its customer tables (engine/table.rs) and
//! scoring gathering customers into id order (score/analysis.rs); with a
//! million customers those tables are far larger than the CPU caches, and
//! asking for a value some steps before it is read overlaps the misses
//! instead of paying them one after another. Writes: where the engine will
//! append a closed order to its partition buffer, or a new customer to its
//! table (engine/fold.rs, engine/table.rs); a store that misses holds up
//! every store after it.

/// Asks the CPU to bring the cache line holding `at` close; does nothing
/// on targets without the instruction.
#[inline]
pub(crate) fn prefetch<T>(at: &T) {
    prefetch_ptr(std::ptr::from_ref(at));
}

/// [`prefetch`] for an address that need not hold a value (the end of a
/// vector, where the next push writes); any address is allowed.
#[inline]
pub(crate) fn prefetch_ptr<T>(at: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: SSE is part of every x86_64 CPU (the `target_feature` it
        // is marked with is always on), and a prefetch is a hint: it does
        // not dereference the pointer, and never faults, whatever it is.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(at.cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}
