//! The run check of [`Grouping::Runs`](super::Grouping::Runs): every closed
//! run leaves a 64-bit fingerprint of (customer, order id), and the orders
//! were read whole only if no fingerprint occurs twice.
//!
//! Why a partition and a hash set, not a sort: the check only asks whether
//! some value repeats. Sorting every worker's fingerprints (about 3M each
//! on the 10M-row benchmark, 6.25M orders on two workers) and merging them
//! took about 100 ms of its 1.6 s, the merge on one thread. Now each
//! worker, when it is done, partitions its fingerprints in place by their
//! top byte (one counting pass, one pass of swaps: a sort by one digit,
//! not a full sort); the check then takes a top byte at a time, on one
//! thread per worker, and puts that byte's fingerprints (a 256th of them,
//! from every worker) in a hash table with twice as many slots, which
//! finds a repeat in one probe or a few. At 10M rows a byte's table is
//! 512 KiB and stays in the cache; at 100M it is a few MiB. No fingerprint
//! is copied. (Pushing each fingerprint into one of 256 buckets as it was
//! made did the same without the partition pass, but its stores to 256
//! places missed the cache and cost the readers what the sort had.)

/// A fold's fingerprints: pushed in the order the runs close, then
/// partitioned by their top byte.
#[derive(Debug, Default)]
pub(crate) struct Fingerprints {
    all: Vec<u64>,
    /// After [`Fingerprints::partition`]: top byte `b`'s fingerprints are
    /// `all[starts[b]..starts[b + 1]]`.
    starts: Option<Box<[usize; BUCKETS + 1]>>,
}

impl Fingerprints {
    /// Adds a closed run's fingerprint.
    #[inline]
    pub(crate) fn push(&mut self, fingerprint: u64) {
        debug_assert!(self.starts.is_none(), "pushed after the partition");
        self.all.push(fingerprint);
    }

    /// Partitions the fingerprints by their top byte, in place (an
    /// American flag sort of one digit: each fingerprint is swapped
    /// straight into its byte's part). Once: a partitioned set stays so.
    pub(crate) fn partition(&mut self) {
        if self.starts.is_some() {
            return;
        }
        let all = &mut self.all;
        let mut starts = Box::new([0usize; BUCKETS + 1]);
        for &f in all.iter() {
            starts[top(f) + 1] += 1;
        }
        for b in 0..BUCKETS {
            starts[b + 1] += starts[b];
        }
        // The next place to fill in each part.
        let mut next: [usize; BUCKETS] = std::array::from_fn(|b| starts[b]);
        for b in 0..BUCKETS {
            while next[b] < starts[b + 1] {
                let mut f = all[next[b]];
                let mut to = top(f);
                while to != b {
                    std::mem::swap(&mut f, &mut all[next[to]]);
                    next[to] += 1;
                    to = top(f);
                }
                all[next[b]] = f;
                next[b] += 1;
            }
        }
        self.starts = Some(starts);
    }

    /// The fingerprints with top byte `b` (after the partition; an empty
    /// set needs none).
    fn bucket(&self, b: usize) -> &[u64] {
        match &self.starts {
            Some(starts) => &self.all[starts[b]..starts[b + 1]],
            None => {
                debug_assert!(self.all.is_empty(), "checked before the partition");
                &[]
            }
        }
    }
}

fn top(fingerprint: u64) -> usize {
    (fingerprint >> 56) as usize
}

const BUCKETS: usize = 256;

/// Whether a fingerprint occurs twice among `sets` (in one set or in two),
/// checked on `threads` threads (at least one). Sets not yet partitioned
/// (a worker's are, by the worker) are partitioned first.
pub(crate) fn repeats(sets: &mut [Fingerprints], threads: usize) -> bool {
    for set in sets.iter_mut() {
        set.partition();
    }
    let sets = &*sets;
    let threads = threads.clamp(1, BUCKETS);
    if threads == 1 {
        return repeats_in(sets, 0, 1);
    }
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads)
            .map(|first| scope.spawn(move || repeats_in(sets, first, threads)))
            .collect();
        // Every helper is joined, whatever this thread found: a helper's
        // panic is raised as it was.
        let mut found = repeats_in(sets, 0, threads);
        for helper in helpers {
            found |= helper
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
        found
    })
}

/// [`repeats`] for the top bytes `first`, `first + step`, ...
fn repeats_in(sets: &[Fingerprints], first: usize, step: usize) -> bool {
    // Open addressing with linear probing, 0 marking an empty slot (a
    // fingerprint 0 is counted aside); the slot is a fingerprint's low
    // bits, as random as its top byte. At least twice as many slots as
    // fingerprints, so probes stay short.
    let mut table: Vec<u64> = Vec::new();
    for b in (first..BUCKETS).step_by(step) {
        let len: usize = sets.iter().map(|s| s.bucket(b).len()).sum();
        if len < 2 {
            continue;
        }
        let slots = (2 * len).next_power_of_two();
        table.clear();
        table.resize(slots, 0);
        let mask = slots - 1;
        let mut zeros = 0;
        for &f in sets.iter().flat_map(|s| s.bucket(b)) {
            if f == 0 {
                zeros += 1;
                if zeros == 2 {
                    return true;
                }
                continue;
            }
            let mut slot = f as usize & mask;
            loop {
                match table[slot] {
                    0 => {
                        table[slot] = f;
                        break;
                    }
                    seen if seen == f => return true,
                    _ => slot = (slot + 1) & mask,
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(values: &[u64]) -> Fingerprints {
        let mut set = Fingerprints::default();
        for &v in values {
            set.push(v);
        }
        set.partition();
        // Every value in the part of its top byte, none lost.
        let mut parts: Vec<u64> = Vec::new();
        for b in 0..BUCKETS {
            assert!(set.bucket(b).iter().all(|&f| top(f) == b));
            parts.extend(set.bucket(b));
        }
        let (mut sorted, mut given) = (parts, values.to_vec());
        sorted.sort_unstable();
        given.sort_unstable();
        assert_eq!(sorted, given);
        set
    }

    /// The check against a `HashSet`: repeats inside one set and across
    /// sets, at the edges of the top-byte buckets (0 included, which marks
    /// an empty slot), empty sets, one thread and several.
    #[test]
    fn repeats_finds_every_fingerprint_seen_twice() {
        let mut next = crate::testing::xorshift(0x2545_f491_4f6c_dd1du64);
        let edges = [0, 1, (1 << 56) - 1, 1 << 56, u64::MAX - 1, u64::MAX];
        for case in 0..400 {
            let workers = 1 + case % 4;
            // Values already made, so that repeats land in every part.
            let mut made: Vec<u64> = Vec::new();
            let mut values: Vec<Vec<u64>> = (0..workers)
                .map(|_| {
                    (0..next() % 300)
                        .map(|_| {
                            let v = match next() % 8 {
                                0 => edges[(next() % edges.len() as u64) as usize],
                                // Few top bytes and few low bits: long probes,
                                // crowded parts, a probe wrapping around.
                                1 => ((next() % 4) << 56) | (next() % 64),
                                2 if !made.is_empty() => {
                                    made[(next() % made.len() as u64) as usize]
                                }
                                _ => next(),
                            };
                            made.push(v);
                            v
                        })
                        .collect()
                })
                .collect();
            // Half the cases: every value once (edges included).
            if case % 2 == 0 {
                let mut seen = std::collections::HashSet::new();
                for run in &mut values {
                    run.retain(|&f| seen.insert(f));
                }
            }
            let mut seen = std::collections::HashSet::new();
            let expected = values.iter().flatten().any(|&f| !seen.insert(f));
            let mut sets: Vec<Fingerprints> = values.iter().map(|v| set(v)).collect();
            for threads in [1, 2, 3] {
                assert_eq!(
                    repeats(&mut sets, threads),
                    expected,
                    "case {case}, {threads} threads: {values:?}"
                );
            }
        }
        assert!(!repeats(&mut [], 2));
        assert!(!repeats(&mut [Fingerprints::default()], 2));
        assert!(repeats(&mut [set(&[5]), set(&[]), set(&[5])], 2));
        assert!(repeats(&mut [set(&[u64::MAX, u64::MAX])], 1));
        assert!(repeats(&mut [set(&[0]), set(&[0])], 2));
        // Sets not yet partitioned.
        let unpartitioned = |values: &[u64]| {
            let mut set = Fingerprints::default();
            values.iter().for_each(|&v| set.push(v));
            set
        };
        assert!(repeats(
            &mut [unpartitioned(&[7, 1 << 60]), unpartitioned(&[1 << 60])],
            2
        ));
        assert!(!repeats(
            &mut [unpartitioned(&[7, 1 << 60]), unpartitioned(&[8])],
            2
        ));
        assert!(!repeats(&mut [set(&[0, u64::MAX]), set(&[1 << 56])], 2));
    }
}
