//! Migration between two runs: which segment each customer was in before
//! and is in now. Pure: two [`Snapshot`]s in, counts and pairs out.
//!
//! Customers are matched by id (by group and id in runs made with `--by`)
//! and segments by key. A customer only in the
//! new run is *new* (a first purchase since, or a wider data window); one
//! only in the old run is *gone* from the data (a narrower window, a
//! deleted account). Neither is a segment, so they are counted apart from
//! the from x to matrix, and "Lost", the segment, is not confused with them.

use crate::report::snapshot::{Label, Member, Snapshot};
use crate::score::segment::Tone;
use std::collections::HashMap;

/// The from x to counts of two runs.
#[derive(Debug)]
pub(crate) struct Migration<'a> {
    /// The earlier run.
    pub(crate) old: &'a Snapshot,
    /// The later run.
    pub(crate) new: &'a Snapshot,
    /// The segments of both runs: the new run's, in its order, then those
    /// only the old run has.
    pub(crate) segments: Vec<Label>,
    /// `matrix[from][to]`: customers in both runs, by old and new segment.
    pub(crate) matrix: Vec<Vec<u64>>,
    /// Per new segment: customers only in the new run.
    pub(crate) new_customers: Vec<u64>,
    /// Per old segment: customers only in the old run.
    pub(crate) gone_customers: Vec<u64>,
    /// The old run's segment indexes in [`Migration::segments`].
    old_index: Vec<usize>,
    /// Customers in both runs: (index in old, index in new), in the new
    /// run's order.
    pairs: Vec<(usize, usize)>,
}

/// How many customers are new, gone, changed or kept their segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Counts {
    /// Only in the new run.
    pub(crate) new_customers: u64,
    /// Only in the old run.
    pub(crate) gone_customers: u64,
    /// In both, in another segment.
    pub(crate) changed_segment: u64,
    /// In both, in the same segment.
    pub(crate) kept_segment: u64,
}

/// A customer in both runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Move<'a> {
    /// As the old run saw them.
    pub(crate) old: &'a Member,
    /// As the new run sees them.
    pub(crate) new: &'a Member,
    /// Old segment, an index into [`Migration::segments`].
    pub(crate) from: usize,
    /// New segment, an index into [`Migration::segments`].
    pub(crate) to: usize,
}

impl<'a> Migration<'a> {
    /// Matches the customers of two runs.
    pub(crate) fn between(old: &'a Snapshot, new: &'a Snapshot) -> Migration<'a> {
        let mut segments = new.segments.clone();
        let old_index: Vec<usize> = old
            .segments
            .iter()
            .map(
                |label| match segments.iter().position(|s| s.key == label.key) {
                    Some(i) => i,
                    None => {
                        segments.push(label.clone());
                        segments.len() - 1
                    }
                },
            )
            .collect();
        let n = segments.len();
        let mut matrix = vec![vec![0u64; n]; n];
        let mut new_customers = vec![0u64; n];
        let mut gone_customers = vec![0u64; n];
        let by_id: HashMap<(Option<&str>, &str), usize> = old
            .customers
            .iter()
            .enumerate()
            .map(|(i, c)| ((c.group.as_deref(), c.id.as_str()), i))
            .collect();
        let mut matched = vec![false; old.customers.len()];
        let mut pairs = Vec::new();
        for (j, c) in new.customers.iter().enumerate() {
            match by_id.get(&(c.group.as_deref(), c.id.as_str())) {
                Some(&i) => {
                    matched[i] = true;
                    matrix[old_index[old.customers[i].segment]][c.segment] += 1;
                    pairs.push((i, j));
                }
                None => new_customers[c.segment] += 1,
            }
        }
        for (c, _) in old.customers.iter().zip(&matched).filter(|(_, m)| !**m) {
            gone_customers[old_index[c.segment]] += 1;
        }
        Migration {
            old,
            new,
            segments,
            matrix,
            new_customers,
            gone_customers,
            old_index,
            pairs,
        }
    }

    /// New, gone, changed and kept customers.
    pub(crate) fn counts(&self) -> Counts {
        let kept: u64 = (0..self.segments.len()).map(|i| self.matrix[i][i]).sum();
        Counts {
            new_customers: self.new_customers.iter().sum(),
            gone_customers: self.gone_customers.iter().sum(),
            changed_segment: self.pairs.len() as u64 - kept,
            kept_segment: kept,
        }
    }

    /// The matrix as it is shown: one row per old segment (its counts per
    /// new segment, then its gone customers), then the row of new
    /// customers (per new segment, then 0).
    pub(crate) fn rows(&self) -> Vec<Vec<u64>> {
        let mut rows: Vec<Vec<u64>> = self
            .matrix
            .iter()
            .zip(&self.gone_customers)
            .map(|(row, gone)| row.iter().chain([gone]).copied().collect())
            .collect();
        rows.push(self.new_customers.iter().chain(&[0]).copied().collect());
        rows
    }

    /// Every customer in both runs.
    pub(crate) fn moves(&self) -> impl Iterator<Item = Move<'a>> + '_ {
        self.pairs.iter().map(|&(i, j)| {
            let old = &self.old.customers[i];
            let new = &self.new.customers[j];
            Move {
                old,
                new,
                from: self.old_index[old.segment],
                to: new.segment,
            }
        })
    }

    /// The customers who moved from one of `from` to one of `to` (segment
    /// indexes; empty means any), most valuable now first (monetary, then
    /// id). Customers who kept their segment are listed only when it is
    /// named on both sides (`champions..champions`: who stayed).
    pub(crate) fn movers(&self, from: &[usize], to: &[usize]) -> Vec<Move<'a>> {
        let wanted = |set: &[usize], s: usize| set.is_empty() || set.contains(&s);
        let mut list: Vec<Move<'a>> = self
            .moves()
            .filter(|m| wanted(from, m.from) && wanted(to, m.to))
            .filter(|m| m.from != m.to || (from.contains(&m.from) && to.contains(&m.to)))
            .collect();
        sort_by_value(&mut list);
        list
    }

    /// Valuable customers who slipped: in a best or hopeful segment before
    /// (Champions, Loyal Customers, Potential Loyalist, New Customers,
    /// Promising) and in a less healthy one now, most valuable first.
    /// Segments without a built-in tone take no part.
    pub(crate) fn fallers(&self) -> Vec<Move<'a>> {
        let mut list: Vec<Move<'a>> = self
            .moves()
            .filter(|m| {
                match (
                    health(self.segments[m.from].tone),
                    health(self.segments[m.to].tone),
                ) {
                    (Some(before), Some(after)) => before <= 1 && after > before,
                    _ => false,
                }
            })
            .collect();
        sort_by_value(&mut list);
        list
    }

    /// Parses `--movers FROM..TO`: each side a comma-separated list of
    /// segment keys or names (any case; `-` and `_` alike), or empty for
    /// any segment.
    pub(crate) fn parse_movers(&self, spec: &str) -> Result<(Vec<usize>, Vec<usize>), String> {
        let Some((from, to)) = spec.split_once("..") else {
            return Err(format!(
                "'{spec}' is not FROM..TO (e.g. champions..at-risk, or loyal_customers,champions..)"
            ));
        };
        let side = |text: &str| -> Result<Vec<usize>, String> {
            let mut set = Vec::new();
            for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let wanted = normalize(item);
                let found = self
                    .segments
                    .iter()
                    .position(|s| normalize(&s.key) == wanted || normalize(&s.name) == wanted);
                match found {
                    Some(i) if !set.contains(&i) => set.push(i),
                    Some(_) => {}
                    None => {
                        let keys: Vec<&str> =
                            self.segments.iter().map(|s| s.key.as_str()).collect();
                        return Err(format!(
                            "no segment '{item}' in either run; the segments are: {}",
                            keys.join(", ")
                        ));
                    }
                }
            }
            Ok(set)
        };
        Ok((side(from)?, side(to)?))
    }
}

/// Tones from healthiest (0) to gone (4); `None` for segments without one.
fn health(tone: Tone) -> Option<u8> {
    match tone {
        Tone::Good => Some(0),
        Tone::Hopeful => Some(1),
        Tone::Warning => Some(2),
        Tone::Danger => Some(3),
        Tone::Gone => Some(4),
        Tone::Neutral => None,
    }
}

/// Most valuable first: new monetary descending (unknown last), then id,
/// then group.
fn sort_by_value(list: &mut [Move<'_>]) {
    list.sort_by(|a, b| {
        b.new
            .monetary
            .cmp(&a.new.monetary)
            .then_with(|| a.new.id.cmp(&b.new.id))
            .then_with(|| a.new.group.cmp(&b.new.group))
    });
}

/// Refuses two runs that cannot be matched: one made with `--by` (a
/// `group` column) and one without, or two grouped by different columns
/// (when both say which).
pub(crate) fn comparable(old: &Snapshot, new: &Snapshot) -> Result<(), String> {
    fits(old, new.grouped, new.by.as_deref(), &new.source)
}

/// [`comparable`] against a run not made yet: `grouped` by column `by`.
pub(crate) fn fits(
    old: &Snapshot,
    grouped: bool,
    by: Option<&str>,
    new_source: &str,
) -> Result<(), String> {
    let with = |grouped: bool| {
        if grouped {
            "has a group column (a run made with --by)"
        } else {
            "has no group column"
        }
    };
    if old.grouped != grouped {
        return Err(format!(
            "{} {}, but {new_source} {}: compare runs made with the same --by (or both without)",
            old.source,
            with(old.grouped),
            with(grouped)
        ));
    }
    match (old.by.as_deref(), by) {
        (Some(a), Some(b)) if a != b => Err(format!(
            "{} was made with --by {a}, {new_source} with --by {b}: compare runs grouped by the \
             same column",
            old.source
        )),
        _ => Ok(()),
    }
}

/// `At-Risk`, `at_risk` and `At Risk` alike; apostrophes dropped
/// (`Can't Lose Them` is `cant_lose_them`).
fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '\'' && *c != '’')
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::segment::Segment;

    fn label(s: Segment) -> Label {
        Label {
            key: s.key().into(),
            name: s.name().into(),
            tone: s.tone(),
        }
    }

    fn run(segments: &[Segment], customers: &[(&str, usize, i64)]) -> Snapshot {
        Snapshot {
            source: "test".into(),
            segments: segments.iter().map(|&s| label(s)).collect(),
            customers: customers
                .iter()
                .map(|&(id, segment, monetary)| Member {
                    group: None,
                    id: id.into(),
                    segment,
                    rfm: None,
                    recency_days: None,
                    frequency: None,
                    monetary: Some(monetary),
                })
                .collect(),
            scale: 0,
            grouped: false,
            by: None,
        }
    }

    use Segment::*;

    /// `run` with every customer in a group: ("group/id", segment, monetary).
    fn grouped(segments: &[Segment], customers: &[(&str, usize, i64)]) -> Snapshot {
        let mut snapshot = run(segments, customers);
        for member in &mut snapshot.customers {
            let (group, id) = member.id.split_once('/').unwrap();
            member.group = Some(group.to_owned());
            member.id = id.to_owned();
        }
        snapshot.grouped = true;
        snapshot
    }

    #[test]
    fn runs_made_with_by_match_group_and_id() {
        // Old: a in FR champions, a in DE at risk. New: a in FR at risk,
        // a in IT (new), DE's a gone.
        let old = grouped(&[Champions, AtRisk], &[("FR/a", 0, 10), ("DE/a", 1, 5)]);
        let new = grouped(&[Champions, AtRisk], &[("FR/a", 1, 12), ("IT/a", 0, 3)]);
        let m = Migration::between(&old, &new);
        assert_eq!(m.matrix, vec![vec![0, 1], vec![0, 0]]);
        assert_eq!(m.new_customers, vec![1, 0]);
        assert_eq!(m.gone_customers, vec![0, 1]);
        let movers = m.movers(&[0], &[]);
        assert_eq!(movers.len(), 1);
        assert_eq!(movers[0].new.group.as_deref(), Some("FR"));
        assert!(comparable(&old, &new).is_ok());
        let plain = run(&[Champions], &[("a", 0, 1)]);
        let err = comparable(&old, &plain).unwrap_err();
        assert!(err.contains("has a group column"), "{err}");
    }

    #[test]
    fn counts_by_hand() {
        // Old: a, b champions; c at risk; d lost. New: a champions, b at
        // risk, c champions, e new (lost segment), d gone.
        let old = run(
            &[Champions, AtRisk, Lost],
            &[("a", 0, 10), ("b", 0, 20), ("c", 1, 5), ("d", 2, 1)],
        );
        let new = run(
            &[Champions, AtRisk, Lost],
            &[("a", 0, 11), ("b", 1, 25), ("c", 0, 9), ("e", 2, 3)],
        );
        let m = Migration::between(&old, &new);
        assert_eq!(m.matrix, vec![vec![1, 1, 0], vec![1, 0, 0], vec![0, 0, 0]]);
        assert_eq!(m.new_customers, vec![0, 0, 1]);
        assert_eq!(m.gone_customers, vec![0, 0, 1]);
        assert_eq!(
            m.counts(),
            Counts {
                new_customers: 1,
                gone_customers: 1,
                changed_segment: 2,
                kept_segment: 1
            }
        );
        assert_eq!(
            m.rows(),
            vec![
                vec![1, 1, 0, 0],
                vec![1, 0, 0, 0],
                vec![0, 0, 0, 1],
                vec![0, 0, 1, 0]
            ]
        );
        let ids = |v: Vec<Move>| v.iter().map(|m| m.new.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(m.movers(&[0], &[1])), ["b"]);
        // Into champions: c moved; a stayed, listed only when named twice.
        assert_eq!(ids(m.movers(&[], &[0])), ["c"]);
        assert_eq!(ids(m.movers(&[0], &[0])), ["a"]);
        // b fell from Champions to At Risk; c rose.
        assert_eq!(ids(m.fallers()), ["b"]);
    }

    #[test]
    fn segments_are_matched_by_key_and_old_only_ones_appended() {
        let old = run(&[Lost, Champions], &[("a", 0, 1), ("b", 1, 2)]);
        let new = run(&[Champions, AtRisk], &[("a", 1, 1), ("b", 0, 2)]);
        let m = Migration::between(&old, &new);
        let keys: Vec<&str> = m.segments.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["champions", "at_risk", "lost"]);
        // a: lost -> at risk; b: champions -> champions.
        assert_eq!(m.matrix[2][1], 1);
        assert_eq!(m.matrix[0][0], 1);
        assert_eq!(m.counts().changed_segment, 1);
    }

    #[test]
    fn movers_are_most_valuable_first_then_by_id() {
        let old = run(
            &[Champions, AtRisk],
            &[("x", 0, 0), ("y", 0, 0), ("z", 0, 0)],
        );
        let new = run(
            &[Champions, AtRisk],
            &[("x", 1, 5), ("y", 1, 7), ("z", 1, 5)],
        );
        let m = Migration::between(&old, &new);
        let ids: Vec<&str> = m
            .movers(&[0], &[1])
            .iter()
            .map(|m| m.new.id.as_str())
            .collect();
        assert_eq!(ids, ["y", "x", "z"]);
    }

    #[test]
    fn movers_spec() {
        let s = run(&[Champions, LoyalCustomers, AtRisk, CantLoseThem], &[]);
        let m = Migration::between(&s, &s);
        assert_eq!(m.parse_movers("champions..at-risk"), Ok((vec![0], vec![2])));
        assert_eq!(
            m.parse_movers("Loyal Customers,CHAMPIONS..can't lose them,at_risk"),
            Ok((vec![1, 0], vec![3, 2]))
        );
        assert_eq!(m.parse_movers("..champions"), Ok((vec![], vec![0])));
        assert!(m.parse_movers("champions").is_err());
        let err = m.parse_movers("champs..lost").unwrap_err();
        assert!(
            err.contains("'champs'") && err.contains("cant_lose_them"),
            "{err}"
        );
    }
}
