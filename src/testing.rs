//! Helpers for the unit tests (compiled only for them).

/// A xorshift64 generator from `seed` (not zero): the same sequence on
/// every run, so a failing random case can be replayed.
pub(crate) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
