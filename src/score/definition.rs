//! Segment definitions (`--segments`): which segment every score cell lands in.
//!
//! A definition is an ordered list of rules over the scores r, f, m and fm
//! (inclusive ranges): the first rule a customer matches names its segment,
//! and customers no rule matches fall to "Others". Grids (R x FM, R x F) are
//! rule lists with one rule per cell. Scores take few values (at most 10 per
//! metric), so a definition is evaluated once into a table over every
//! (r, f, m) cell: assigning a customer is one lookup, and the checks of
//! `rfm rules` (uncovered cells, unreachable segments, shadowed rules) are
//! exact, not sampled.
//!
//! The presets: `default` (the R x FM grid of docs/method.md), `r-rfm` (the
//! rule table of the R package rfm 0.3.0) and `rf-grid` (the R x F map of
//! many pandas notebooks). A user file is read by `definition_file`.
//! Pure: no I/O.

use crate::score::lang::Lang;
use crate::score::segment::{Segment, Tone};
use crate::score::{self, LEVELS};

/// An inclusive range of scores, e.g. `2..=4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bounds {
    /// Lowest score matched.
    pub(crate) lo: u8,
    /// Highest score matched.
    pub(crate) hi: u8,
}

impl Bounds {
    /// Exactly one score.
    pub(crate) const fn exactly(score: u8) -> Bounds {
        Bounds {
            lo: score,
            hi: score,
        }
    }

    /// Every score of `levels` levels.
    pub(crate) const fn any(levels: u8) -> Bounds {
        Bounds { lo: 1, hi: levels }
    }

    fn contains(self, score: u8) -> bool {
        (self.lo..=self.hi).contains(&score)
    }
}

/// One rule: customers whose scores are all within the bounds belong to
/// `segment` (unless an earlier rule took them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    /// Index into [`Definition::segments`].
    pub(crate) segment: usize,
    /// Recency score.
    pub(crate) r: Bounds,
    /// Frequency score.
    pub(crate) f: Bounds,
    /// Monetary score.
    pub(crate) m: Bounds,
    /// Combined frequency-monetary score.
    pub(crate) fm: Bounds,
    /// The line of a user file the rule was written on.
    pub(crate) line: Option<usize>,
}

impl Rule {
    fn matches(&self, r: u8, f: u8, m: u8) -> bool {
        self.r.contains(r)
            && self.f.contains(f)
            && self.m.contains(m)
            && self.fm.contains(score::fm(f, m))
    }
}

/// How `rfm rules` draws a definition: the smallest grid that shows it exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// The names spell the metrics a segment depends on.
#[allow(clippy::upper_case_acronyms)]
pub(crate) enum Shape {
    /// The segment depends on r and fm only: an R x FM grid.
    RFm,
    /// On r and f only: an R x F grid.
    RF,
    /// On r, f and m: one F x M grid per R.
    RFM,
}

/// A segment as a definition names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SegmentInfo {
    /// Stable machine key (`segment_key`), e.g. `champions`; never translated.
    pub(crate) key: String,
    /// The display name, in the language of `--lang` for built-in segments.
    pub(crate) name: String,
    /// Who the customers are.
    pub(crate) description: String,
    /// What to do with them.
    pub(crate) action: String,
    /// Colour class.
    pub(crate) tone: Tone,
}

impl SegmentInfo {
    /// A built-in segment's texts in `lang`.
    pub(crate) fn builtin(segment: Segment, lang: Lang) -> SegmentInfo {
        let text = lang.text(segment.rank());
        SegmentInfo {
            key: segment.key().to_owned(),
            name: text.name.to_owned(),
            description: text.description.to_owned(),
            action: text.action.to_owned(),
            tone: segment.tone(),
        }
    }

    /// The catch-all segment of customers no rule matches, in `lang`.
    pub(crate) fn others(lang: Lang) -> SegmentInfo {
        let text = lang.text(Segment::ALL.len());
        SegmentInfo {
            key: "others".to_owned(),
            name: text.name.to_owned(),
            description: text.description.to_owned(),
            action: text.action.to_owned(),
            tone: Tone::Neutral,
        }
    }
}

/// The presets of `--segments`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Preset {
    /// The R x FM grid of docs/method.md: every cell covered, all 11 reached.
    Default,
    /// The R package rfm 0.3.0's default rules, first match wins; some
    /// cells fall to "Others".
    RRfm,
    /// The R x F map common in pandas notebooks (10 segments, no "Lost").
    RfGrid,
}

impl Preset {
    /// All presets, as `--segments` lists them.
    pub(crate) const ALL: [Preset; 3] = [Preset::Default, Preset::RRfm, Preset::RfGrid];

    /// The name `--segments` takes.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Preset::Default => "default",
            Preset::RRfm => "r-rfm",
            Preset::RfGrid => "rf-grid",
        }
    }

    /// The preset called `name`, if any.
    pub(crate) fn find(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// What `rfm rules` checks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Checks {
    /// (r, f, m) cells no rule matches: their customers fall to Others.
    pub(crate) uncovered: Vec<(u8, u8, u8)>,
    /// Segments (indexes) no cell lands in.
    pub(crate) unreachable: Vec<usize>,
    /// Rules (indexes) that never decide a cell: every cell they match is
    /// taken by earlier rules (or they match none).
    pub(crate) shadowed: Vec<usize>,
}

impl Checks {
    /// Whether the definition has none of the problems.
    #[cfg(test)]
    pub(crate) fn is_clean(&self) -> bool {
        self.uncovered.is_empty() && self.unreachable.is_empty() && self.shadowed.is_empty()
    }
}

/// A complete segment definition, evaluated over every score cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Definition {
    /// `default`, `r-rfm`, `rf-grid`, or the file name.
    pub(crate) name: String,
    /// Whether it is a preset (their known gaps are documented, not warned about).
    pub(crate) preset: bool,
    /// Score levels per metric the rules are written for.
    pub(crate) levels: u8,
    /// How to draw it.
    pub(crate) shape: Shape,
    /// The segments, in display order (summaries list them so); Others,
    /// when some cell needs it, is last.
    pub(crate) segments: Vec<SegmentInfo>,
    /// The rules, in matching order.
    pub(crate) rules: Vec<Rule>,
    /// The index of Others, when some cell matches no rule.
    pub(crate) others: Option<usize>,
    /// The segment of every (r, f, m) cell.
    cells: Vec<u8>,
    /// The rule that decided every cell (none: Others).
    deciding: Vec<Option<u16>>,
}

impl Definition {
    /// Evaluates `rules` over every cell of `levels` levels. `others` names
    /// the catch-all segment, added only when some cell needs it.
    /// `segments` must hold at most 254 entries and every rule's segment
    /// index must be within it (checked by the callers that build them).
    pub(crate) fn new(
        name: String,
        preset: bool,
        levels: u8,
        mut segments: Vec<SegmentInfo>,
        rules: Vec<Rule>,
        others: SegmentInfo,
    ) -> Definition {
        let l = usize::from(levels);
        let mut cells = vec![u8::MAX; l * l * l];
        let mut deciding = vec![None; l * l * l];
        for r in 1..=levels {
            for f in 1..=levels {
                for m in 1..=levels {
                    let at = cell_index(levels, r, f, m);
                    if let Some(i) = rules.iter().position(|rule| rule.matches(r, f, m)) {
                        cells[at] = rules[i].segment as u8;
                        deciding[at] = Some(i as u16);
                    }
                }
            }
        }
        let others = cells.contains(&u8::MAX).then(|| {
            segments.push(others);
            segments.len() - 1
        });
        if let Some(o) = others {
            for c in cells.iter_mut().filter(|c| **c == u8::MAX) {
                *c = o as u8;
            }
        }
        let uses =
            |pick: fn(&Rule) -> Bounds| rules.iter().any(|rule| pick(rule) != Bounds::any(levels));
        let shape = if !uses(|r| r.f) && !uses(|r| r.m) {
            Shape::RFm
        } else if !uses(|r| r.m) && !uses(|r| r.fm) {
            Shape::RF
        } else {
            Shape::RFM
        };
        Definition {
            name,
            preset,
            levels,
            shape,
            segments,
            rules,
            others,
            cells,
            deciding,
        }
    }

    /// A preset, with names and texts in `lang`.
    pub(crate) fn preset(preset: Preset, lang: Lang) -> Definition {
        use Segment::*;
        let levels = LEVELS;
        let any = Bounds::any(levels);
        // Segments in canonical order; rules refer to them by position.
        let (segments, rules): (Vec<Segment>, Vec<Rule>) = match preset {
            Preset::Default => {
                // Rows R=5 .. R=1, columns FM=1 .. FM=5 (docs/method.md, step 9).
                const GRID: [[Segment; 5]; 5] = [
                    [
                        NewCustomers,
                        PotentialLoyalist,
                        LoyalCustomers,
                        Champions,
                        Champions,
                    ],
                    [
                        Promising,
                        PotentialLoyalist,
                        PotentialLoyalist,
                        LoyalCustomers,
                        Champions,
                    ],
                    [
                        Promising,
                        NeedAttention,
                        PotentialLoyalist,
                        LoyalCustomers,
                        LoyalCustomers,
                    ],
                    [AboutToSleep, NeedAttention, NeedAttention, AtRisk, AtRisk],
                    [Lost, Hibernating, AtRisk, CantLoseThem, CantLoseThem],
                ];
                let rules = grid_rules(&GRID, |r, column, segment| Rule {
                    segment: segment.rank(),
                    r: Bounds::exactly(r),
                    f: any,
                    m: any,
                    fm: Bounds::exactly(column),
                    line: None,
                });
                (Segment::ALL.to_vec(), rules)
            }
            Preset::RfGrid => {
                // Rows R=5 .. R=1, columns F=1 .. F=5: 11/12/21/22 Hibernating,
                // 13/14/23/24 At Risk, 15/25 Can't Lose Them, 31/32 About To
                // Sleep, 33 Need Attention, 34/35/44/45 Loyal Customers, 41
                // Promising, 51 New Customers, 42/43/52/53 Potential Loyalist,
                // 54/55 Champions.
                const GRID: [[Segment; 5]; 5] = [
                    [
                        NewCustomers,
                        PotentialLoyalist,
                        PotentialLoyalist,
                        Champions,
                        Champions,
                    ],
                    [
                        Promising,
                        PotentialLoyalist,
                        PotentialLoyalist,
                        LoyalCustomers,
                        LoyalCustomers,
                    ],
                    [
                        AboutToSleep,
                        AboutToSleep,
                        NeedAttention,
                        LoyalCustomers,
                        LoyalCustomers,
                    ],
                    [Hibernating, Hibernating, AtRisk, AtRisk, CantLoseThem],
                    [Hibernating, Hibernating, AtRisk, AtRisk, CantLoseThem],
                ];
                let used = in_canonical_order(GRID.iter().flatten().copied());
                let rules = grid_rules(&GRID, |r, column, segment| Rule {
                    segment: position(&used, segment),
                    r: Bounds::exactly(r),
                    f: Bounds::exactly(column),
                    m: any,
                    fm: any,
                    line: None,
                });
                (used, rules)
            }
            Preset::RRfm => {
                // The R package's table, in its (matching) order:
                // segment, recency lower/upper, frequency lower/upper, monetary lower/upper.
                const TABLE: [(Segment, [u8; 6]); 10] = [
                    (Champions, [5, 5, 5, 5, 5, 5]),
                    (PotentialLoyalist, [3, 5, 3, 5, 2, 5]),
                    (LoyalCustomers, [2, 4, 2, 4, 2, 4]),
                    (Promising, [3, 4, 1, 3, 3, 5]),
                    (NewCustomers, [4, 5, 1, 3, 1, 5]),
                    (CantLoseThem, [1, 2, 3, 4, 4, 5]),
                    (AtRisk, [1, 2, 2, 5, 4, 5]),
                    (NeedAttention, [1, 3, 3, 5, 3, 5]),
                    (AboutToSleep, [2, 3, 1, 3, 1, 4]),
                    (Lost, [1, 1, 1, 5, 1, 5]),
                ];
                let used = in_canonical_order(TABLE.iter().map(|&(s, _)| s));
                let rules = TABLE
                    .iter()
                    .map(|&(segment, [rl, ru, fl, fu, ml, mu])| Rule {
                        segment: position(&used, segment),
                        r: Bounds { lo: rl, hi: ru },
                        f: Bounds { lo: fl, hi: fu },
                        m: Bounds { lo: ml, hi: mu },
                        fm: any,
                        line: None,
                    })
                    .collect();
                (used, rules)
            }
        };
        Definition::new(
            preset.name().to_owned(),
            true,
            levels,
            segments
                .into_iter()
                .map(|s| SegmentInfo::builtin(s, lang))
                .collect(),
            rules,
            SegmentInfo::others(lang),
        )
    }

    /// The segments (indices into [`Definition::segments`]) a `--segment`
    /// list names: comma-separated keys or names, compared folded (case,
    /// accents and punctuation aside), names in any of rfm's languages.
    pub(crate) fn select(&self, list: &str) -> Result<Vec<u8>, String> {
        use crate::fold::fold;
        let mut chosen = Vec::new();
        for wanted in list.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let folded = fold(wanted);
            let by_text = self
                .segments
                .iter()
                .position(|s| fold(&s.key) == folded || fold(&s.name) == folded);
            // A built-in segment's name in another language: its key.
            let by_translation = || {
                let index = Lang::ALL.into_iter().find_map(|lang| {
                    (0..=Segment::ALL.len()).find(|&i| fold(lang.text(i).name) == folded)
                })?;
                let key = Segment::ALL.get(index).map_or("others", |s| s.key());
                self.segments.iter().position(|s| s.key == key)
            };
            match by_text.or_else(by_translation) {
                Some(i) => chosen.push(i as u8),
                None => {
                    return Err(format!(
                        "--segment: no segment '{wanted}' in the definition '{}'; its segments: {}",
                        self.name,
                        self.segments
                            .iter()
                            .map(|s| s.key.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        if chosen.is_empty() {
            return Err("--segment: name at least one segment (e.g. at_risk)".to_owned());
        }
        Ok(chosen)
    }

    /// The segment (index into [`Definition::segments`]) of scores r, f, m,
    /// each within 1..=levels.
    pub(crate) fn segment_of(&self, r: u8, f: u8, m: u8) -> u8 {
        self.cells
            .get(cell_index(self.levels, r, f, m))
            .copied()
            .unwrap_or(0)
    }

    /// The rule that decides cell (r, f, m); none when it falls to Others.
    pub(crate) fn deciding_rule(&self, r: u8, f: u8, m: u8) -> Option<usize> {
        self.deciding
            .get(cell_index(self.levels, r, f, m))
            .copied()
            .flatten()
            .map(usize::from)
    }

    /// Every (r, f, m) cell, r, f and m ascending.
    pub(crate) fn cells(&self) -> impl Iterator<Item = (u8, u8, u8)> + '_ {
        let l = self.levels;
        (1..=l).flat_map(move |r| (1..=l).flat_map(move |f| (1..=l).map(move |m| (r, f, m))))
    }

    /// How many cells land in each segment.
    pub(crate) fn cell_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.segments.len()];
        for &c in &self.cells {
            counts[usize::from(c)] += 1;
        }
        counts
    }

    /// Uncovered cells, unreachable segments, shadowed rules.
    pub(crate) fn checks(&self) -> Checks {
        let uncovered = self
            .cells()
            .filter(|&(r, f, m)| self.deciding_rule(r, f, m).is_none())
            .collect();
        let counts = self.cell_counts();
        let unreachable = (0..self.segments.len())
            .filter(|&s| counts[s] == 0 && Some(s) != self.others)
            .collect();
        let mut decides = vec![false; self.rules.len()];
        for d in self.deciding.iter().flatten() {
            decides[usize::from(*d)] = true;
        }
        let shadowed = (0..self.rules.len()).filter(|&i| !decides[i]).collect();
        Checks {
            uncovered,
            unreachable,
            shadowed,
        }
    }

    /// The problems of [`Definition::checks`] as sentences, one per problem.
    pub(crate) fn problems(&self) -> Vec<String> {
        let checks = self.checks();
        let mut out = Vec::new();
        if !checks.uncovered.is_empty() {
            let total = usize::from(self.levels).pow(3);
            let others = self
                .others
                .map_or("Others", |o| self.segments[o].name.as_str());
            out.push(format!(
                "{} of {total} (r, f, m) cells match no rule, so their customers fall to '{others}': {}",
                checks.uncovered.len(),
                list_cells(&checks.uncovered)
            ));
        }
        for &s in &checks.unreachable {
            out.push(format!(
                "segment '{}' is unreachable: no score cell lands in it",
                self.segments[s].name
            ));
        }
        for &i in &checks.shadowed {
            let rule = &self.rules[i];
            let at = rule.line.map(|l| format!(", line {l}")).unwrap_or_default();
            let matches_some_cell = self.cells().any(|(r, f, m)| rule.matches(r, f, m));
            let why = if matches_some_cell {
                "every cell it matches is taken by earlier rules"
            } else {
                "it matches no score cell"
            };
            out.push(format!(
                "rule {} ('{}'{at}) never applies: {why}",
                i + 1,
                self.segments[rule.segment].name
            ));
        }
        out
    }
}

/// The built-in segments among `used`, in canonical order.
fn in_canonical_order(used: impl Iterator<Item = Segment> + Clone) -> Vec<Segment> {
    Segment::ALL
        .into_iter()
        .filter(|s| used.clone().any(|u| u == *s))
        .collect()
}

/// The position of a preset's segment in its own list.
fn position(used: &[Segment], segment: Segment) -> usize {
    used.iter()
        .position(|&s| s == segment)
        .expect("a preset's rules name only its own segments")
}

fn cell_index(levels: u8, r: u8, f: u8, m: u8) -> usize {
    let l = usize::from(levels);
    (usize::from(r.max(1)) - 1) * l * l + (usize::from(f.max(1)) - 1) * l + usize::from(m.max(1))
        - 1
}

/// One rule per cell of a grid whose rows run from R=5 down to R=1.
fn grid_rules(grid: &[[Segment; 5]; 5], rule: impl Fn(u8, u8, Segment) -> Rule) -> Vec<Rule> {
    let mut rules = Vec::new();
    for (row, cells) in grid.iter().enumerate() {
        let r = 5 - row as u8;
        for (column, &segment) in cells.iter().enumerate() {
            rules.push(rule(r, column as u8 + 1, segment));
        }
    }
    rules
}

/// `(1,1,1), (1,1,2), ...`, the first 12 then a count of the rest.
fn list_cells(cells: &[(u8, u8, u8)]) -> String {
    let shown: Vec<String> = cells
        .iter()
        .take(12)
        .map(|(r, f, m)| format!("{r}{f}{m}"))
        .collect();
    match cells.len().saturating_sub(12) {
        0 => shown.join(", "),
        rest => format!("{}, and {rest} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn names(d: &Definition) -> Vec<&str> {
        d.segments.iter().map(|s| s.name.as_str()).collect()
    }

    /// The grid exactly as the issue and docs/method.md print it, rows R=5..1.
    const DEFAULT_GRID: &str = "
R=5 | New Customers  | Potential Loyalist | Loyal Customers    | Champions       | Champions
R=4 | Promising      | Potential Loyalist | Potential Loyalist | Loyal Customers | Champions
R=3 | Promising      | Need Attention     | Potential Loyalist | Loyal Customers | Loyal Customers
R=2 | About To Sleep | Need Attention     | Need Attention     | At Risk         | At Risk
R=1 | Lost           | Hibernating        | At Risk            | Can't Lose Them | Can't Lose Them
";

    #[test]
    fn default_grid_matches_the_documented_one_in_all_125_cells() {
        let d = Definition::preset(Preset::Default, Lang::En);
        let mut grid = std::collections::HashMap::new();
        for line in DEFAULT_GRID.lines().filter(|l| !l.trim().is_empty()) {
            let fields: Vec<&str> = line.split('|').map(str::trim).collect();
            let r: u8 = fields[0].trim_start_matches("R=").parse().unwrap();
            for (i, name) in fields[1..].iter().enumerate() {
                grid.insert((r, i as u8 + 1), *name);
            }
        }
        let mut reached = BTreeSet::new();
        for (r, f, m) in d.cells() {
            // fm by hand: the mean of f and m, halves rounded up.
            let fm = (f + m).div_ceil(2);
            let name = &d.segments[usize::from(d.segment_of(r, f, m))].name;
            assert_eq!(name, grid[&(r, fm)], "r={r} f={f} m={m}");
            reached.insert(name.clone());
        }
        assert_eq!(reached.len(), 11);
        assert_eq!(d.shape, Shape::RFm);
        assert_eq!(d.others, None);
        assert!(d.checks().is_clean(), "{:?}", d.problems());
        assert_eq!(names(&d), Segment::ALL.map(Segment::name));
    }

    #[test]
    fn rf_grid_covers_every_cell_with_ten_segments() {
        let d = Definition::preset(Preset::RfGrid, Lang::En);
        let expect = |code: &str| -> &str {
            match code {
                "11" | "12" | "21" | "22" => "Hibernating",
                "13" | "14" | "23" | "24" => "At Risk",
                "15" | "25" => "Can't Lose Them",
                "31" | "32" => "About To Sleep",
                "33" => "Need Attention",
                "34" | "35" | "44" | "45" => "Loyal Customers",
                "41" => "Promising",
                "51" => "New Customers",
                "42" | "43" | "52" | "53" => "Potential Loyalist",
                "54" | "55" => "Champions",
                other => panic!("no segment for {other}"),
            }
        };
        for (r, f, m) in d.cells() {
            let name = &d.segments[usize::from(d.segment_of(r, f, m))].name;
            assert_eq!(name, expect(&format!("{r}{f}")), "r={r} f={f} m={m}");
        }
        assert_eq!(d.shape, Shape::RF);
        assert_eq!(d.segments.len(), 10);
        assert!(!names(&d).contains(&"Lost"));
        assert!(d.checks().is_clean(), "{:?}", d.problems());
    }

    #[test]
    fn r_rfm_is_first_match_with_others() {
        let d = Definition::preset(Preset::RRfm, Lang::En);
        let name = |r, f, m| d.segments[usize::from(d.segment_of(r, f, m))].name.as_str();
        // 555 matches Champions (rule 1) and Potential Loyalist (rule 2): first wins.
        assert_eq!(name(5, 5, 5), "Champions");
        // 333: Potential Loyalist (3-5, 3-5, 2-5) before Loyal Customers (2-4 x3).
        assert_eq!(name(3, 3, 3), "Potential Loyalist");
        assert_eq!(name(2, 2, 2), "Loyal Customers");
        // 511: Potential Loyalist needs f >= 3; Promising r <= 4; New Customers 4-5, 1-3, 1-5.
        assert_eq!(name(5, 1, 1), "New Customers");
        // 111: Lost (1, 1-5, 1-5).
        assert_eq!(name(1, 1, 1), "Lost");
        // 155: Can't Lose Them needs f <= 4; At Risk (1-2, 2-5, 4-5).
        assert_eq!(name(1, 5, 5), "At Risk");
        // 515: f=1 but r=5: Potential Loyalist no (f>=3), Promising no (r<=4),
        // New Customers yes.
        assert_eq!(name(5, 1, 5), "New Customers");
        // 251: r=2 f=5 m=1: Loyal (f<=4) no, Can't Lose (m>=4) no, At Risk no,
        // Need Attention (m>=3) no, About To Sleep (f<=3) no, Lost (r=1) no.
        assert_eq!(name(2, 5, 1), "Others");
        let checks = d.checks();
        assert!(!checks.uncovered.is_empty());
        assert!(checks.uncovered.contains(&(2, 5, 1)));
        assert_eq!(d.others, Some(10));
        assert_eq!(names(&d).last(), Some(&"Others"));
        assert_eq!(d.shape, Shape::RFM);
        // Cross-check the table against the rules read the slow way.
        const TABLE: [(&str, [u8; 6]); 10] = [
            ("Champions", [5, 5, 5, 5, 5, 5]),
            ("Potential Loyalist", [3, 5, 3, 5, 2, 5]),
            ("Loyal Customers", [2, 4, 2, 4, 2, 4]),
            ("Promising", [3, 4, 1, 3, 3, 5]),
            ("New Customers", [4, 5, 1, 3, 1, 5]),
            ("Can't Lose Them", [1, 2, 3, 4, 4, 5]),
            ("At Risk", [1, 2, 2, 5, 4, 5]),
            ("Need Attention", [1, 3, 3, 5, 3, 5]),
            ("About To Sleep", [2, 3, 1, 3, 1, 4]),
            ("Lost", [1, 1, 1, 5, 1, 5]),
        ];
        let mut uncovered = 0;
        for (r, f, m) in d.cells() {
            let first = TABLE.iter().find(|(_, b)| {
                (b[0]..=b[1]).contains(&r)
                    && (b[2]..=b[3]).contains(&f)
                    && (b[4]..=b[5]).contains(&m)
            });
            uncovered += usize::from(first.is_none());
            assert_eq!(
                name(r, f, m),
                first.map_or("Others", |(n, _)| *n),
                "{r}{f}{m}"
            );
        }
        assert_eq!(checks.uncovered.len(), uncovered);
    }

    #[test]
    fn checks_find_shadowed_rules_and_unreachable_segments() {
        let info = |name: &str| SegmentInfo {
            key: name.to_lowercase(),
            name: name.to_owned(),
            description: String::new(),
            action: String::new(),
            tone: Tone::Neutral,
        };
        let any = Bounds::any(5);
        let rule = |segment, r: Bounds| Rule {
            segment,
            r,
            f: any,
            m: any,
            fm: any,
            line: Some(segment + 1),
        };
        let d = Definition::new(
            "test".into(),
            false,
            5,
            vec![info("Top"), info("Also top"), info("Rest"), info("Never")],
            vec![
                rule(0, Bounds { lo: 4, hi: 5 }),
                rule(1, Bounds::exactly(5)),
                rule(2, Bounds { lo: 2, hi: 3 }),
            ],
            info("Others"),
        );
        let checks = d.checks();
        // r = 1 matches nothing: 25 cells.
        assert_eq!(checks.uncovered.len(), 25);
        assert!(checks.uncovered.iter().all(|&(r, _, _)| r == 1));
        // "Also top" (shadowed by "Top") and "Never" (no rule) are unreachable.
        assert_eq!(checks.unreachable, [1, 3]);
        assert_eq!(checks.shadowed, [1]);
        assert_eq!(d.others, Some(4));
        let problems = d.problems().join("\n");
        assert!(problems.contains("25 of 125"), "{problems}");
        assert!(
            problems.contains("rule 2 ('Also top', line 2) never applies"),
            "{problems}"
        );
        assert_eq!(d.shape, Shape::RFm);
    }

    #[test]
    fn localized_preset_keeps_keys() {
        let d = Definition::preset(Preset::Default, Lang::It);
        assert_eq!(d.segments[0].name, "Campioni");
        assert_eq!(d.segments[0].key, "champions");
        let r = Definition::preset(Preset::RRfm, Lang::It);
        assert_eq!(r.segments.last().map(|s| s.key.as_str()), Some("others"));
    }
}
