//! A customer table of one partition: entries stored densely in insertion
//! order, found through an open-addressing index of 8-byte slots.
//!
//! Why not `hashbrown`: applying a buffer of orders to a partition is a run
//! of lookups whose keys are all known in advance, and with a million
//! customers each lookup is a cache miss. This table lets the caller
//! [`prefetch`](Table::prefetch) the slot of an order a few orders ahead
//! and then the entry it points to, so the misses of a buffer overlap
//! instead of following one another (the lookups were the largest single
//! cost of a run, bench/README.md). A slot holds the upper half of the hash
//! (a tag, so a probe rarely touches a wrong entry) and the entry's
//! position; slots are at most half full, so probes are short.

use super::fold::Full;
use crate::prefetch::{prefetch, prefetch_ptr};

/// Entries of type `E`, each found by its 64-bit hash and an equality test.
pub(super) struct Table<E> {
    /// `0`: empty; otherwise `(hash >> 32) << 32 | (position + 1)`.
    slots: Vec<u64>,
    entries: Vec<E>,
}

impl<E> Default for Table<E> {
    fn default() -> Self {
        Table {
            slots: Vec::new(),
            entries: Vec::new(),
        }
    }
}

const TAG: u64 = !0 << 32;

impl<E> Table<E> {
    /// The position of the entry with `hash` for which `eq` holds.
    pub(super) fn find(&self, hash: u64, mut eq: impl FnMut(&E) -> bool) -> Option<usize> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut at = hash as usize & mask;
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                return None;
            }
            if slot & TAG == hash & TAG {
                let position = (slot as u32 - 1) as usize;
                if eq(&self.entries[position]) {
                    return Some(position);
                }
            }
            at = (at + 1) & mask;
        }
    }

    /// The entry at `position` (from [`find`](Table::find)).
    pub(super) fn get_mut(&mut self, position: usize) -> &mut E {
        &mut self.entries[position]
    }

    /// Adds `entry`, which [`find`](Table::find) did not find, under `hash`,
    /// and returns its position; `rehash` gives an entry's hash again when
    /// the index grows.
    pub(super) fn insert(
        &mut self,
        hash: u64,
        entry: E,
        rehash: impl Fn(&E) -> u64,
    ) -> Result<usize, Full> {
        let position = u32::try_from(self.entries.len())
            .ok()
            .filter(|&p| p < u32::MAX)
            .ok_or(Full)?;
        if (self.entries.len() + 1) * 2 > self.slots.len() {
            self.grow(&rehash);
        }
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        while self.slots[at] != 0 {
            at = (at + 1) & mask;
        }
        self.slots[at] = (hash & TAG) | u64::from(position + 1);
        self.entries.push(entry);
        Ok(position as usize)
    }

    /// Asks the CPU to start loading the slot where `hash` is looked up.
    #[inline]
    pub(super) fn prefetch(&self, hash: u64) {
        if let Some(slot) = self
            .slots
            .get(hash as usize & self.slots.len().wrapping_sub(1))
        {
            prefetch(slot);
        }
    }

    /// Asks the CPU to start loading the entry the first slot for `hash`
    /// points to, or, when that slot is empty (the customer is new), the
    /// end of the entries, where it will be appended unless other new
    /// customers come first (call after [`prefetch`](Table::prefetch) had
    /// time to bring the slot in).
    #[inline]
    pub(super) fn prefetch_entry(&self, hash: u64) {
        let Some(&slot) = self
            .slots
            .get(hash as usize & self.slots.len().wrapping_sub(1))
        else {
            return;
        };
        if slot == 0 {
            // A new customer: its entry is appended.
            prefetch_ptr(self.entries.as_ptr().wrapping_add(self.entries.len()));
        } else if slot & TAG == hash & TAG
            && let Some(entry) = self.entries.get((slot as u32).wrapping_sub(1) as usize)
        {
            prefetch(entry);
        }
    }

    /// Doubles the index (16 slots at first) and reinserts every entry.
    fn grow(&mut self, rehash: &impl Fn(&E) -> u64) {
        let size = (self.slots.len() * 2).max(16);
        let mask = size - 1;
        // Zeroed by writing, not allocated zeroed (`vec![0; n]` is calloc):
        // the probes below read a slot before writing it, and a page of
        // calloc's memory that is read first is mapped to the shared zero
        // page, so the write that follows is a second fault, a copy whose
        // TLB flush interrupts the other cores (`do_wp_page`, 1.8 % of a
        // 10M run's samples, gone with this).
        #[expect(
            clippy::slow_vector_initialization,
            reason = "calloc's zero pages are what this avoids"
        )]
        let mut slots = Vec::with_capacity(size);
        slots.resize(size, 0u64);
        for (position, e) in self.entries.iter().enumerate() {
            let hash = rehash(e);
            let mut at = hash as usize & mask;
            while slots[at] != 0 {
                at = (at + 1) & mask;
            }
            slots[at] = (hash & TAG) | (position as u64 + 1);
        }
        self.slots = slots;
    }

    /// The number of entries.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entries, in insertion order.
    pub(super) fn iter_mut(&mut self) -> std::slice::IterMut<'_, E> {
        self.entries.iter_mut()
    }

    /// The entries, in insertion order, freeing the index.
    pub(super) fn into_entries(self) -> Vec<E> {
        self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table of (key, count) pairs against a `HashMap`, with a weak hash
    /// so that tags and home slots collide often.
    #[test]
    fn agrees_with_a_hash_map_under_collisions() {
        let hash = |k: u64| (k % 7) << 32 | (k % 13);
        let mut table: Table<(u64, u32)> = Table::default();
        let mut expected = std::collections::HashMap::new();
        let mut x = 12345u64;
        for _ in 0..5000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = (x >> 33) % 400;
            table.prefetch(hash(k));
            table.prefetch_entry(hash(k));
            let e = match table.find(hash(k), |e| e.0 == k) {
                Some(position) => table.get_mut(position),
                None => {
                    let position = table.insert(hash(k), (k, 0), |e| hash(e.0)).unwrap();
                    table.get_mut(position)
                }
            };
            e.1 += 1;
            *expected.entry(k).or_insert(0u32) += 1;
        }
        let mut got: Vec<(u64, u32)> = table.into_entries();
        got.sort_unstable();
        let mut expected: Vec<(u64, u32)> = expected.into_iter().collect();
        expected.sort_unstable();
        assert_eq!(got, expected);
    }

    #[test]
    fn grows_past_many_doublings_and_finds_everything() {
        let mut table: Table<u64> = Table::default();
        for k in 0..100_000u64 {
            let h = k.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            assert_eq!(table.find(h, |&e| e == k), None);
            table
                .insert(h, k, |&e| e.wrapping_mul(0x9e37_79b9_7f4a_7c15))
                .unwrap();
        }
        for k in (0..100_000u64).step_by(7) {
            let h = k.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            assert_eq!(table.find(h, |&e| e == k), Some(k as usize));
        }
    }
}
