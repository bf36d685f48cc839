//! `--reasons`: the `reason` column of `rfm customers` (docs/reasons.md).
//!
//! Per customer, in the language of `--lang`: each score with the
//! customer's value and the band that gave it, the cell and the rule that
//! decided the segment, and the smallest change that would move the
//! customer to a better segment with the bands held fixed.
//!
//! - **Bands.** Break-point methods (`r-quantile`, `--r-bins`...) have
//!   them: a value in `[from, below)` gets the score, written as whole
//!   values `low..=high` (days, purchases, money units at the run's
//!   scale). `rank` has none, so the bands are frozen from the values each
//!   score holds: a score starts at the least good value it holds and ends
//!   just before the next non-empty score starts (the lowest non-empty
//!   score is open downwards, the highest upwards). `ntile` splits ties by
//!   customer id, so its levels are not value ranges: the values a group
//!   holds are shown, and the metric is never part of a change.
//! - **Better** is earlier in the definition's display order (the
//!   canonical order of the presets, Champions first; a file's
//!   `[[segment]]` order). The best segment is the earliest one any cell
//!   lands in.
//! - **Changes** raise scores only: a purchase within D days (the new
//!   recency is D, the top of the target band), N more orders, X more
//!   spent, each moving one metric with the others held. A target cell
//!   qualifies when it is better than the current one *and* stays better
//!   however far the change overshoots (every cell with those metrics at
//!   or above the target and the others unchanged is better: "within D
//!   days" includes every more recent day). Among the qualifying cells the
//!   fewest metrics changed wins, then the smallest relative change (the
//!   sum over the changed metrics of change / current value: (d - D) / d
//!   days, N / frequency, X / max(monetary, 1 currency unit)), then the
//!   better segment, then the lower target scores.
//!
//! [`Reasons::new`] turns the run's thresholds and definition into tables
//! once: each metric's bands, and for every score cell its candidate
//! targets (the least ones per set of changed metrics, found by two sweeps
//! over the cell's upper box). A customer then costs one lookup, a few
//! candidates and one string. Pure: no I/O.

// Wired into `rfm customers` and the report by a later change (--reasons).

use crate::dates::Day;
use crate::money;
use crate::score::analysis::{ScoredCustomer, Scoring, Thresholds};
use crate::score::definition::{Bounds, Definition};
use crate::score::lang::{Lang, Plural, ReasonText};
use crate::score::{Better, Binning, Break, Level, Method};
use serde::Serialize;

/// How a metric's bands relate to its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum BandKind {
    /// Every value within the band gets the score, and no other value:
    /// `rank` (frozen from the values held), `r-quantile`, fixed bins.
    Range,
    /// `ntile`: the values the group holds. Neighbouring groups can hold
    /// the same value (ties are split by customer id), so the band does
    /// not decide the score.
    Group,
}

/// One metric of a customer: the score, the value and its band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct MetricReason {
    /// The score, 1..=levels.
    pub(crate) score: u8,
    /// Recency days, purchases, or money in units at the run's scale.
    pub(crate) value: i64,
    /// The band's lowest value, inclusive; none: open.
    pub(crate) low: Option<i64>,
    /// The band's highest value, inclusive; none: open.
    pub(crate) high: Option<i64>,
    /// Whether the band is a value range.
    pub(crate) kind: BandKind,
}

/// The smallest change that moves a customer to a better segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Change {
    /// The segment reached: an index into the definition's segments.
    pub(crate) segment: usize,
    /// The recency score after the change.
    pub(crate) r: u8,
    /// The frequency score after the change.
    pub(crate) f: u8,
    /// The monetary score after the change.
    pub(crate) m: u8,
    /// A purchase at most this many days before the as-of date (the new
    /// recency in days).
    pub(crate) within_days: Option<i64>,
    /// The earliest date such a purchase may have: as-of - `within_days`.
    #[serde(skip)]
    pub(crate) purchase_from: Option<Day>,
    /// This many more purchases.
    pub(crate) orders: Option<i64>,
    /// This much more money, in units at the run's scale.
    pub(crate) spend: Option<i64>,
}

/// The change, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Proposal {
    /// The smallest change to a better segment.
    Change(Change),
    /// The customer is in the best segment: no cell lands in an earlier one.
    BestSegment,
    /// No metric can change: every one is scored by `ntile` (or, without
    /// amounts, the others are).
    NoValueRanges,
    /// No change of the metrics that can change reaches a better segment
    /// for sure (scores at the top, empty levels, or a definition where
    /// raising them does not help).
    OutOfReach,
}

/// Everything the reason text says, structured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Reason {
    /// Recency.
    pub(crate) r: MetricReason,
    /// Frequency.
    pub(crate) f: MetricReason,
    /// Monetary.
    pub(crate) m: MetricReason,
    /// The combined frequency-monetary score.
    pub(crate) fm: u8,
    /// The segment: an index into the definition's segments.
    pub(crate) segment: usize,
    /// The rule that decided the cell (index into the definition's
    /// rules); none: no rule matches (Others).
    pub(crate) rule: Option<usize>,
    /// The change.
    pub(crate) proposal: Proposal,
}

/// One score level's band, in whole values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Band {
    low: Option<i64>,
    high: Option<i64>,
    /// Whether a change can land a value in it.
    reachable: bool,
}

impl Band {
    const NONE: Band = Band {
        low: None,
        high: None,
        reachable: false,
    };
}

/// One metric's bands, index = score - 1.
#[derive(Debug, Clone)]
struct Bands {
    kind: BandKind,
    bands: Vec<Band>,
}

impl Bands {
    fn get(&self, score: u8) -> Band {
        usize::from(score)
            .checked_sub(1)
            .and_then(|i| self.bands.get(i))
            .copied()
            .unwrap_or(Band::NONE)
    }
}

/// A target cell and its segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Target {
    scores: [u8; 3],
    segment: u8,
}

/// What a score cell can become.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Plan {
    Best,
    NoValueRanges,
    OutOfReach,
    /// The least qualifying targets with the fewest metrics changed.
    Targets(Vec<Target>),
}

/// The reasons of one run (or one `--by` group: its thresholds and as-of).
pub(crate) struct Reasons<'a> {
    definition: &'a Definition,
    scale: u8,
    as_of: Day,
    lang: Lang,
    text: &'static ReasonText,
    decimals: u8,
    separator: char,
    monetary: bool,
    bands: [Bands; 3],
    /// Per cell, (r, f, m) ascending.
    plans: Vec<Plan>,
    /// Per rule: `rule 18 (r=3, fm=4)`.
    rules: Vec<String>,
    /// Whether some rule restricts fm (then the text shows it).
    uses_fm: bool,
    /// Per metric and score - 1: `(band 15-29 days)`.
    band_texts: [Vec<String>; 3],
    /// Per cell, (r, f, m) ascending: its segment and
    /// `Loyal Customers: cell 434, fm 4, rule 9 (r=4, fm=4)`.
    cell_texts: Vec<(usize, String)>,
    /// Per segment: `to reach Champions: `.
    reach_texts: Vec<String>,
}

impl<'a> Reasons<'a> {
    /// The tables of a run: money at `scale` decimals, shown with 2
    /// decimals and a decimal point until [`Reasons::money_format`] says
    /// otherwise.
    pub(crate) fn new(
        thresholds: &'a Thresholds,
        scoring: &'a Scoring,
        definition: &'a Definition,
        scale: u8,
        as_of: Day,
        lang: Lang,
    ) -> Reasons<'a> {
        let bands = [
            bands_of(&thresholds.r, &scoring.r, Better::Lower, Some(1)),
            bands_of(&thresholds.f, &scoring.f, Better::Higher, Some(1)),
            bands_of(&thresholds.m, &scoring.m, Better::Higher, None),
        ];
        let text = lang.reasons();
        let any = Bounds::any(definition.levels);
        let rules = definition
            .rules
            .iter()
            .enumerate()
            .map(|(i, rule)| {
                let limits: Vec<String> =
                    [("r", rule.r), ("f", rule.f), ("m", rule.m), ("fm", rule.fm)]
                        .into_iter()
                        .filter(|&(_, b)| b != any)
                        .map(|(name, b)| {
                            if b.lo == b.hi {
                                format!("{name}={}", b.lo)
                            } else {
                                format!("{name}={}-{}", b.lo, b.hi)
                            }
                        })
                        .collect();
                let limits = if limits.is_empty() {
                    text.any_scores.to_owned()
                } else {
                    limits.join(", ")
                };
                let line = rule
                    .line
                    .map(|l| format!(", {} {l}", text.line))
                    .unwrap_or_default();
                format!("{} {} ({limits}){line}", text.rule, i + 1)
            })
            .collect();
        let mut reasons = Reasons {
            definition,
            scale,
            as_of,
            lang,
            text,
            decimals: 2,
            separator: '.',
            monetary: true,
            uses_fm: definition.rules.iter().any(|r| r.fm != any),
            plans: Vec::new(),
            bands,
            rules,
            band_texts: Default::default(),
            cell_texts: Vec::new(),
            reach_texts: Vec::new(),
        };
        reasons.plans = reasons.plan_cells();
        reasons.prepare_texts();
        reasons
    }

    /// Money shown with at least `decimals` decimals (`--decimals`) and
    /// `separator` (`,` for `--excel`).
    pub(crate) fn money_format(mut self, decimals: u8, separator: char) -> Reasons<'a> {
        self.decimals = decimals;
        self.separator = separator;
        self.prepare_texts();
        self
    }

    /// The texts that depend only on a score, a cell or a segment.
    fn prepare_texts(&mut self) {
        let band_texts = [0, 1, 2].map(|metric| {
            let bands = &self.bands[metric];
            (1..=self.definition.levels)
                .map(|score| {
                    let band = bands.get(score);
                    self.band_text(metric, bands.kind, band.low, band.high)
                })
                .collect()
        });
        let d = self.definition;
        let cell_texts = d
            .cells()
            .map(|(r, f, m)| {
                let segment = usize::from(d.segment_of(r, f, m));
                (segment, self.cell_text([r, f, m], segment))
            })
            .collect();
        let reach_texts = d
            .segments
            .iter()
            .map(|s| format!("{}: ", fill(self.text.to_reach, &s.name)))
            .collect();
        self.band_texts = band_texts;
        self.cell_texts = cell_texts;
        self.reach_texts = reach_texts;
    }

    /// A run without amounts: the monetary score is not shown and money
    /// is never part of a change.
    pub(crate) fn without_monetary(mut self) -> Reasons<'a> {
        self.monetary = false;
        self.plans = self.plan_cells();
        self
    }

    /// The reason text for one scored customer.
    pub(crate) fn reason(&self, c: &ScoredCustomer) -> String {
        let mut out = String::with_capacity(256);
        self.write_reason(c, &mut out);
        out
    }

    /// Appends the reason text for one scored customer to `out` (a
    /// renderer can reuse one buffer for every row).
    pub(crate) fn write_reason(&self, c: &ScoredCustomer, out: &mut String) {
        let reason = self.explain(c);
        self.write_metric(out, 0, &reason.r);
        out.push_str("; ");
        self.write_metric(out, 1, &reason.f);
        if self.monetary {
            out.push_str("; ");
            self.write_metric(out, 2, &reason.m);
        }
        out.push_str("; ");
        let cell = [c.r, c.f, c.m];
        match cell_index(self.definition.levels, cell).and_then(|i| self.cell_texts.get(i)) {
            Some((segment, text)) if *segment == reason.segment => out.push_str(text),
            _ => out.push_str(&self.cell_text(cell, reason.segment)),
        }
        if let Proposal::Change(change) = &reason.proposal {
            out.push_str("; ");
            self.write_change(out, change);
        }
    }

    /// The structured form: per metric the score, value and band, the
    /// rule, and the proposed change.
    pub(crate) fn explain(&self, c: &ScoredCustomer) -> Reason {
        let metric = |i: usize, score: u8, value: i64| {
            let band = self.bands[i].get(score);
            MetricReason {
                score,
                value,
                low: band.low,
                high: band.high,
                kind: self.bands[i].kind,
            }
        };
        let proposal = match cell_index(self.definition.levels, [c.r, c.f, c.m])
            .and_then(|i| self.plans.get(i))
        {
            Some(Plan::Best) => Proposal::BestSegment,
            Some(Plan::NoValueRanges) => Proposal::NoValueRanges,
            Some(Plan::Targets(targets)) => self
                .choose(c, targets)
                .map_or(Proposal::OutOfReach, Proposal::Change),
            Some(Plan::OutOfReach) | None => Proposal::OutOfReach,
        };
        Reason {
            r: metric(0, c.r, i64::from(c.recency_days)),
            f: metric(1, c.f, i64::from(c.frequency)),
            m: metric(2, c.m, c.monetary),
            fm: c.fm,
            segment: usize::from(c.segment),
            rule: self.definition.deciding_rule(c.r, c.f, c.m),
            proposal,
        }
    }

    /// Which metrics a change may move: those scored by value ranges
    /// (and money only when amounts were read).
    fn changeable(&self) -> [bool; 3] {
        [0, 1, 2].map(|i| self.bands[i].kind == BandKind::Range && (i != 2 || self.monetary))
    }

    /// The plan of every cell, (r, f, m) ascending.
    fn plan_cells(&self) -> Vec<Plan> {
        let d = self.definition;
        let levels = d.levels;
        let best = d.cells().map(|(r, f, m)| d.segment_of(r, f, m)).min();
        let changeable = self.changeable();
        let n = usize::from(levels).pow(3);
        // Scratch tables over all cells, rewritten within each cell's box.
        let (mut sure, mut candidate, mut dominated) =
            (vec![false; n], vec![false; n], vec![false; n]);
        let seg = |t: [u8; 3]| d.segment_of(t[0], t[1], t[2]);
        let index = |t: [u8; 3]| cell_index(levels, t).unwrap_or(0);
        d.cells()
            .map(|(r, f, m)| {
                let c = [r, f, m];
                let s = seg(c);
                if Some(s) == best {
                    return Plan::Best;
                }
                if !changeable.contains(&true) {
                    return Plan::NoValueRanges;
                }
                // A level a change can land in (the current ones stay).
                let possible = |t: [u8; 3]| {
                    (0..3).all(|i| {
                        t[i] == c[i] || (changeable[i] && self.bands[i].get(t[i]).reachable)
                    })
                };
                let upper_box = || {
                    (r..=levels).flat_map(move |r| {
                        (f..=levels).flat_map(move |f| (m..=levels).map(move |m| [r, f, m]))
                    })
                };
                // sure[t]: every possible cell from t up (along the metrics
                // t changes) is better than the current one. Top down.
                let top: Vec<[u8; 3]> = upper_box().collect();
                for &t in top.iter().rev() {
                    let mut ok = !possible(t) || seg(t) < s;
                    for i in 0..3 {
                        if ok && t[i] > c[i] && t[i] < levels {
                            let mut next = t;
                            next[i] += 1;
                            ok = sure[index(next)];
                        }
                    }
                    sure[index(t)] = ok;
                }
                // The least candidates per set of changed metrics: none
                // below them (along the changed metrics) qualifies. Bottom up.
                let mut targets: Vec<(usize, Target)> = Vec::new();
                for &t in &top {
                    let at = index(t);
                    candidate[at] = t != c && possible(t) && sure[at];
                    dominated[at] = (0..3).any(|i| {
                        t[i] > c[i] + 1 && {
                            let mut below = t;
                            below[i] -= 1;
                            candidate[index(below)] || dominated[index(below)]
                        }
                    });
                    if candidate[at] && !dominated[at] {
                        let changed = (0..3).filter(|&i| t[i] > c[i]).count();
                        targets.push((
                            changed,
                            Target {
                                scores: t,
                                segment: seg(t),
                            },
                        ));
                    }
                }
                match targets.iter().map(|&(changed, _)| changed).min() {
                    None => Plan::OutOfReach,
                    Some(fewest) => Plan::Targets(
                        targets
                            .into_iter()
                            .filter(|&(changed, _)| changed == fewest)
                            .map(|(_, t)| t)
                            .collect(),
                    ),
                }
            })
            .collect()
    }

    /// The cheapest of a cell's targets for this customer's values.
    fn choose(&self, c: &ScoredCustomer, targets: &[Target]) -> Option<Change> {
        let one_unit = money::pow10(u32::from(self.scale)) as f64;
        let price = |t: &Target| -> Option<(f64, Change)> {
            let [r, f, m] = t.scores;
            let mut cost = 0.0;
            let mut change = Change {
                segment: usize::from(t.segment),
                r,
                f,
                m,
                within_days: None,
                purchase_from: None,
                orders: None,
                spend: None,
            };
            if r > c.r {
                let days = i64::from(c.recency_days);
                let within = self.bands[0].get(r).high.filter(|&h| h < days && h >= 1)?;
                cost += (days - within) as f64 / days as f64;
                change.within_days = Some(within);
                change.purchase_from = Some(self.as_of - i32::try_from(within).ok()?);
            }
            if f > c.f {
                let have = i64::from(c.frequency);
                let more = self.bands[1].get(f).low? - have;
                if more <= 0 {
                    return None;
                }
                cost += more as f64 / have.max(1) as f64;
                change.orders = Some(more);
            }
            if m > c.m {
                let have = i128::from(c.monetary);
                let more = i64::try_from(i128::from(self.bands[2].get(m).low?) - have).ok()?;
                if more <= 0 {
                    return None;
                }
                cost += more as f64 / (have as f64).max(one_unit);
                change.spend = Some(more);
            }
            Some((cost, change))
        };
        targets
            .iter()
            .filter_map(|t| price(t).map(|(cost, change)| (cost, t, change)))
            .min_by(|a, b| {
                a.0.total_cmp(&b.0)
                    .then(a.1.segment.cmp(&b.1.segment))
                    .then(a.1.scores.cmp(&b.1.scores))
            })
            .map(|(_, _, change)| change)
    }

    /// `R 4: 23 days since the last purchase (band 15-29 days)`.
    fn write_metric(&self, out: &mut String, metric: usize, m: &MetricReason) {
        let t = self.text;
        out.push_str(["R ", "F ", "M "][metric.min(2)]);
        push_int(out, i64::from(m.score));
        out.push_str(": ");
        match metric {
            0 => put(out, t.since_last, |out| {
                self.write_count(out, m.value, &t.days)
            }),
            1 => self.write_count(out, m.value, &t.purchases),
            _ => put(out, t.spent, |out| self.write_money(out, m.value)),
        }
        out.push(' ');
        let text = usize::from(m.score)
            .checked_sub(1)
            .and_then(|i| self.band_texts[metric].get(i));
        match text {
            Some(text) => out.push_str(text),
            None => out.push_str(&self.band_text(metric, m.kind, m.low, m.high)),
        }
    }

    /// A band in parentheses: `(band 15-29 days)`, `(at least 12)`,
    /// `(up to 49.99)`...; days carry their unit (the values' unit is in
    /// the text before).
    fn band_text(
        &self,
        metric: usize,
        kind: BandKind,
        low: Option<i64>,
        high: Option<i64>,
    ) -> String {
        let t = self.text;
        let show = |v: i64| match metric {
            2 => self.money(v),
            _ => v.to_string(),
        };
        let unit = |v: i64, shown: String| match metric {
            0 => format!("{shown} {}", self.lang.plural(v, &t.days)),
            _ => shown,
        };
        let range = |lo: i64, hi: i64| {
            let dash = if lo < 0 { " – " } else { "-" };
            unit(hi, format!("{}{dash}{}", show(lo), show(hi)))
        };
        let text = match (kind, low, high) {
            (BandKind::Group, Some(lo), Some(hi)) if lo != hi => fill(t.group, &range(lo, hi)),
            (BandKind::Group, Some(v), _) | (BandKind::Group, None, Some(v)) => {
                fill(t.group, &unit(v, show(v)))
            }
            (BandKind::Range, Some(lo), Some(hi)) if lo == hi => {
                fill(t.exactly, &unit(lo, show(lo)))
            }
            (BandKind::Range, Some(lo), Some(hi)) => fill(t.band, &range(lo, hi)),
            (BandKind::Range, Some(lo), None) => fill(t.at_least, &unit(lo, show(lo))),
            (BandKind::Range, None, Some(hi)) => fill(t.up_to, &unit(hi, show(hi))),
            (_, None, None) => t.any_value.to_owned(),
        };
        format!("({text})")
    }

    /// `Loyal Customers: cell 434, fm 4, rule 9 (r=4, fm=4)`.
    fn cell_text(&self, [r, f, m]: [u8; 3], segment: usize) -> String {
        let t = self.text;
        let d = self.definition;
        let name = self.segment_name(segment);
        // As the rfm column writes it.
        let cell = if d.levels > 9 {
            format!("{r}-{f}-{m}")
        } else {
            format!("{r}{f}{m}")
        };
        let fm = if self.uses_fm {
            format!(", fm {}", crate::score::fm(f, m))
        } else {
            String::new()
        };
        let rule = d
            .deciding_rule(r, f, m)
            .and_then(|i| self.rules.get(i))
            .map_or(t.no_rule, String::as_str);
        format!("{name}: {} {cell}{fm}, {rule}", t.cell)
    }

    /// `to reach Champions: a purchase within 14 days and 2 more orders`.
    fn write_change(&self, out: &mut String, change: &Change) {
        let t = self.text;
        match self.reach_texts.get(change.segment) {
            Some(text) => out.push_str(text),
            None => out.push_str(&fill(t.to_reach, self.segment_name(change.segment))),
        }
        let parts = usize::from(change.within_days.is_some())
            + usize::from(change.orders.is_some())
            + usize::from(change.spend.is_some());
        let mut written = 0;
        let mut next = |out: &mut String| {
            if written > 0 && written + 1 == parts {
                out.push(' ');
                out.push_str(t.and);
                out.push(' ');
            } else if written > 0 {
                out.push_str(", ");
            }
            written += 1;
        };
        if let Some(days) = change.within_days {
            next(out);
            put(out, t.purchase_within, |out| {
                self.write_count(out, days, &t.within)
            });
        }
        if let Some(n) = change.orders {
            next(out);
            if n == 1 {
                out.push_str(t.one_more_order);
            } else {
                let (before, rest) = t.more_orders.split_once("{n}").unwrap_or(("", ""));
                let (between, after) = rest.split_once("{u}").unwrap_or((rest, ""));
                out.push_str(before);
                push_int(out, n);
                out.push_str(between);
                out.push_str(self.lang.plural(n, &t.orders));
                out.push_str(after);
            }
        }
        if let Some(x) = change.spend {
            next(out);
            put(out, t.more_spent, |out| self.write_money(out, x));
        }
    }

    fn segment_name(&self, segment: usize) -> &str {
        self.definition
            .segments
            .get(segment)
            .map_or("", |s| s.name.as_str())
    }

    /// `23 days`.
    fn write_count(&self, out: &mut String, n: i64, word: &Plural) {
        push_int(out, n);
        out.push(' ');
        out.push_str(self.lang.plural(n, word));
    }

    /// Money units at the run's scale, exactly: the fewest decimals from
    /// `--decimals` up that show the value without rounding.
    fn write_money(&self, out: &mut String, units: i64) {
        let mut decimals = self.decimals;
        while decimals < self.scale
            && i128::from(units) % money::pow10(u32::from(self.scale - decimals)) != 0
        {
            decimals += 1;
        }
        money::write_scaled(i128::from(units), self.scale, decimals, self.separator, out);
    }

    /// [`Reasons::write_money`] as a string.
    fn money(&self, units: i64) -> String {
        let mut out = String::new();
        self.write_money(&mut out, units);
        out
    }
}

/// Appends `template` with its `{}` replaced by what `piece` writes.
fn put(out: &mut String, template: &str, piece: impl FnOnce(&mut String)) {
    let (before, after) = template.split_once("{}").unwrap_or((template, ""));
    out.push_str(before);
    piece(out);
    out.push_str(after);
}

/// Appends an integer.
fn push_int(out: &mut String, n: i64) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = write!(out, "{n}");
}

/// `template` with its `{}` replaced by `piece`.
fn fill(template: &str, piece: &str) -> String {
    template.replacen("{}", piece, 1)
}

/// The position of cell (r, f, m) among the definition's cells, (r, f, m)
/// ascending, as [`Definition::cells`] yields them.
fn cell_index(levels: u8, [r, f, m]: [u8; 3]) -> Option<usize> {
    let ok = |s: u8| (1..=levels).contains(&s);
    let l = usize::from(levels);
    (ok(r) && ok(f) && ok(m))
        .then(|| (usize::from(r) - 1) * l * l + (usize::from(f) - 1) * l + usize::from(m) - 1)
}

/// A metric's bands by its binning; `least` is the smallest value a
/// customer can have (1 day, 1 purchase), so a band below it is not
/// reachable.
fn bands_of(levels: &[Level], binning: &Binning, better: Better, least: Option<i64>) -> Bands {
    let (kind, mut bands) = match binning {
        Binning::Method(Method::Ntile, _) => (
            BandKind::Group,
            levels
                .iter()
                .map(|l| Band {
                    low: l.min,
                    high: l.max,
                    reachable: false,
                })
                .collect(),
        ),
        Binning::Method(Method::Rank, _) => (BandKind::Range, held(levels, better)),
        Binning::Method(Method::RQuantile, _) | Binning::Fixed(_) => {
            (BandKind::Range, levels.iter().map(from_breaks).collect())
        }
    };
    if let Some(least) = least {
        for band in &mut bands {
            if band.high.is_some_and(|h| h < least) {
                band.reachable = false;
            }
        }
    }
    Bands { kind, bands }
}

/// `rank` bands frozen from the values held: a score runs from the least
/// good value it holds to just before the next non-empty score's least
/// good value; the lowest non-empty score is open at its bad end, the
/// highest at its good end. Empty scores cannot be reached.
fn held(levels: &[Level], better: Better) -> Vec<Band> {
    let held: Vec<(usize, i64, i64)> = levels
        .iter()
        .enumerate()
        .filter(|(_, l)| l.customers > 0)
        .filter_map(|(i, l)| Some((i, l.min?, l.max?)))
        .collect();
    let mut bands = vec![Band::NONE; levels.len()];
    for (k, &(i, min, max)) in held.iter().enumerate() {
        let lowest = k == 0;
        let next = held.get(k + 1);
        bands[i] = match better {
            Better::Higher => Band {
                low: (!lowest).then_some(min),
                high: next.map(|&(_, next_min, _)| next_min.saturating_sub(1)),
                reachable: true,
            },
            Better::Lower => Band {
                low: next.map(|&(_, _, next_max)| next_max.saturating_add(1)),
                high: (!lowest).then_some(max),
                reachable: true,
            },
        };
    }
    bands
}

/// A break-point level `[from, below)` as whole values.
fn from_breaks(level: &Level) -> Band {
    let low = level.from.map(ceil);
    let high = level.below.map(|b| ceil(b).saturating_sub(1));
    Band {
        low,
        high,
        reachable: match (low, high) {
            (Some(lo), Some(hi)) => lo <= hi,
            _ => true,
        },
    }
}

/// The smallest whole value that reaches `b`.
fn ceil(b: Break) -> i64 {
    let up = -(-b.num).div_euclid(b.den);
    up.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::definition::{Preset, Rule, SegmentInfo};
    use crate::score::segment::Tone;
    use crate::score::{self, parse_breaks};

    const AS_OF: Day = 20_000;

    /// Band limits stated by hand: (score, lowest, highest), none = open.
    type HandBands = [(u8, Option<i64>, Option<i64>)];

    /// `--r-bins 30,90,180,365`: 5 below 30 days ... 1 from 365 on.
    const FIXED_R: &HandBands = &[
        (5, None, Some(29)),
        (4, Some(30), Some(89)),
        (3, Some(90), Some(179)),
        (2, Some(180), Some(364)),
        (1, Some(365), None),
    ];
    /// `--f-bins 2,3,5,8`.
    const FIXED_F: &HandBands = &[
        (1, None, Some(1)),
        (2, Some(2), Some(2)),
        (3, Some(3), Some(4)),
        (4, Some(5), Some(7)),
        (5, Some(8), None),
    ];
    /// `--m-bins 50,100,200,500` at scale 2 (units of 0.01).
    const FIXED_M: &HandBands = &[
        (1, None, Some(4_999)),
        (2, Some(5_000), Some(9_999)),
        (3, Some(10_000), Some(19_999)),
        (4, Some(20_000), Some(49_999)),
        (5, Some(50_000), None),
    ];

    /// The independent re-scoring: the value's band by the stated limits.
    fn hand_score(value: i64, bands: &HandBands) -> u8 {
        bands
            .iter()
            .find(|(_, lo, hi)| lo.is_none_or(|lo| value >= lo) && hi.is_none_or(|hi| value <= hi))
            .map(|b| b.0)
            .unwrap_or_else(|| panic!("{value} is in no band"))
    }

    /// Values -> bands -> scores -> segment.
    fn hand_segment(
        (days, orders, money): (i64, i64, i64),
        bands: [&HandBands; 3],
        definition: &Definition,
    ) -> u8 {
        definition.segment_of(
            hand_score(days, bands[0]),
            hand_score(orders, bands[1]),
            hand_score(money, bands[2]),
        )
    }

    /// The values after a change.
    fn apply(values: (i64, i64, i64), change: &Change) -> (i64, i64, i64) {
        (
            change.within_days.unwrap_or(values.0),
            values.1 + change.orders.unwrap_or(0),
            values.2 + change.spend.unwrap_or(0),
        )
    }

    /// A scored customer, scored by the stated bands.
    fn customer(
        (days, orders, money): (i64, i64, i64),
        bands: [&HandBands; 3],
        definition: &Definition,
    ) -> ScoredCustomer {
        let (r, f, m) = (
            hand_score(days, bands[0]),
            hand_score(orders, bands[1]),
            hand_score(money, bands[2]),
        );
        ScoredCustomer {
            id: "C1".into(),
            first: AS_OF - 900,
            last: AS_OF - days as Day,
            recency_days: days as i32,
            frequency: orders as u32,
            monetary: money,
            r,
            f,
            m,
            fm: score::fm(f, m),
            segment: definition.segment_of(r, f, m),
            group: 0,
            kept: None,
            code: 0,
        }
    }

    /// Score levels of fixed break points, from the scoring code (their
    /// bounds do not depend on the values).
    fn fixed(text: &str, better: Better, scale: u8) -> (Binning, Vec<Level>) {
        let binning = Binning::Fixed(parse_breaks(text).unwrap());
        let levels = score::score(&[1i64], better, &binning, scale, &[0]).levels;
        (binning, levels)
    }

    fn fixed_run() -> (Thresholds, Scoring) {
        let (r, rl) = fixed("30,90,180,365", Better::Lower, 0);
        let (f, fl) = fixed("2,3,5,8", Better::Higher, 0);
        let (m, ml) = fixed("50,100,200,500", Better::Higher, 2);
        (
            Thresholds {
                r: rl,
                f: fl,
                m: ml,
            },
            Scoring { r, f, m },
        )
    }

    const FIXED: [&HandBands; 3] = [FIXED_R, FIXED_F, FIXED_M];

    fn change(reason: &Reason) -> Change {
        match reason.proposal {
            Proposal::Change(c) => c,
            other => panic!("no change: {other:?}"),
        }
    }

    fn segment(definition: &Definition, name: &str) -> usize {
        definition
            .segments
            .iter()
            .position(|s| s.name == name)
            .unwrap()
    }

    #[test]
    fn fixed_bins_bands_match_the_stated_limits() {
        let (thresholds, scoring) = fixed_run();
        let d = Definition::preset(Preset::Default, Lang::En);
        let reasons = Reasons::new(&thresholds, &scoring, &d, 2, AS_OF, Lang::En);
        for (i, hand) in FIXED.into_iter().enumerate() {
            for &(score, lo, hi) in hand {
                let band = reasons.bands[i].get(score);
                assert_eq!((band.low, band.high), (lo, hi), "metric {i} score {score}");
                assert!(band.reachable);
            }
        }
    }

    #[test]
    fn fixed_bins_money_is_the_smallest_change() {
        // 100 days (r 3), 3 purchases (f 3), 150.00 (m 3): fm 3, R3 x FM3
        // = Potential Loyalist, rule 13 (rows R=5..1, five rules each).
        // Better by one metric: r 5 (<= 29 days, (100-29)/100 = 0.71)
        // gives Loyal; f 4 (5 purchases, 2/3 = 0.67) gives fm 4, Loyal;
        // m 4 (200.00, 50/150 = 0.33) gives fm 4, Loyal. Money wins.
        let (thresholds, scoring) = fixed_run();
        let d = Definition::preset(Preset::Default, Lang::En);
        let reasons = Reasons::new(&thresholds, &scoring, &d, 2, AS_OF, Lang::En);
        let values = (100, 3, 15_000);
        let c = customer(values, FIXED, &d);
        let reason = reasons.explain(&c);
        assert_eq!(
            reason.m,
            MetricReason {
                score: 3,
                value: 15_000,
                low: Some(10_000),
                high: Some(19_999),
                kind: BandKind::Range
            }
        );
        assert_eq!(reason.rule, Some(12));
        let ch = change(&reason);
        assert_eq!(
            (ch.within_days, ch.orders, ch.spend),
            (None, None, Some(5_000))
        );
        let loyal = segment(&d, "Loyal Customers");
        assert_eq!(ch.segment, loyal);
        assert_eq!(hand_segment(apply(values, &ch), FIXED, &d) as usize, loyal);
        // 49.99 more is not enough: still Potential Loyalist.
        let short = (values.0, values.1, values.2 + 4_999);
        assert_eq!(hand_segment(short, FIXED, &d), c.segment);
        assert_eq!(
            reasons.reason(&c),
            "R 3: 100 days since the last purchase (band 90-179 days); \
             F 3: 3 purchases (band 3-4); \
             M 3: 150.00 spent (band 100.00-199.99); \
             Potential Loyalist: cell 333, fm 3, rule 13 (r=3, fm=3); \
             to reach Loyal Customers: 50.00 more spent"
        );
    }

    #[test]
    fn fixed_bins_one_more_order() {
        // 4 purchases (f 3): a fifth makes f 4, fm (4+3+1)/2 = 4, Loyal
        // (1/4 = 0.25, less than 50.00 of 150.00 = 0.33).
        let (thresholds, scoring) = fixed_run();
        let d = Definition::preset(Preset::Default, Lang::En);
        let reasons = Reasons::new(&thresholds, &scoring, &d, 2, AS_OF, Lang::En);
        let values = (100, 4, 15_000);
        let c = customer(values, FIXED, &d);
        let ch = change(&reasons.explain(&c));
        assert_eq!((ch.within_days, ch.orders, ch.spend), (None, Some(1), None));
        assert_eq!(
            hand_segment(apply(values, &ch), FIXED, &d) as usize,
            segment(&d, "Loyal Customers")
        );
        assert_eq!(hand_segment(values, FIXED, &d), c.segment);
        assert!(
            reasons
                .reason(&c)
                .ends_with("; to reach Loyal Customers: one more order"),
            "{}",
            reasons.reason(&c)
        );
        assert!(reasons.reason(&c).contains("F 3: 4 purchases (band 3-4)"));
    }

    #[test]
    fn fixed_bins_a_purchase_within_days() {
        // 400 days (r 1), 1 purchase, 20.00: Lost. A purchase within 364
        // days makes r 2: About To Sleep ((400-364)/400 = 0.09, against
        // one more order 1/1 and 30.00 more 30/20).
        let (thresholds, scoring) = fixed_run();
        let d = Definition::preset(Preset::Default, Lang::En);
        let reasons = Reasons::new(&thresholds, &scoring, &d, 2, AS_OF, Lang::En);
        let values = (400, 1, 2_000);
        let c = customer(values, FIXED, &d);
        assert_eq!(c.segment as usize, segment(&d, "Lost"));
        let ch = change(&reasons.explain(&c));
        assert_eq!(
            (ch.within_days, ch.orders, ch.spend),
            (Some(364), None, None)
        );
        assert_eq!(ch.purchase_from, Some(AS_OF - 364));
        let sleep = segment(&d, "About To Sleep");
        assert_eq!(hand_segment(apply(values, &ch), FIXED, &d) as usize, sleep);
        // Every more recent day is better than Lost too ("within").
        for days in 1..=364 {
            assert!(hand_segment((days, 1, 2_000), FIXED, &d) < c.segment);
        }
        // 365 days is not enough.
        assert_eq!(hand_segment((365, 1, 2_000), FIXED, &d), c.segment);
        assert_eq!(
            reasons.reason(&c),
            "R 1: 400 days since the last purchase (at least 365 days); \
             F 1: 1 purchase (up to 1); M 1: 20.00 spent (up to 49.99); \
             Lost: cell 111, fm 1, rule 21 (r=1, fm=1); \
             to reach About To Sleep: a purchase within 364 days"
        );
    }

    /// A definition where only r = 5 with f = 5 is "Top".
    fn top_and_rest() -> Definition {
        let info = |name: &str| SegmentInfo {
            key: name.to_lowercase(),
            name: name.to_owned(),
            description: String::new(),
            action: String::new(),
            tone: Tone::Neutral,
        };
        let any = Bounds::any(5);
        let rule = |segment, r, f, line| Rule {
            segment,
            r,
            f,
            m: any,
            fm: any,
            line: Some(line),
        };
        Definition::new(
            "top.toml".into(),
            false,
            5,
            vec![info("Top"), info("Rest")],
            vec![
                rule(0, Bounds::exactly(5), Bounds::exactly(5), 3),
                rule(1, any, any, 8),
            ],
            info("Others"),
        )
    }

    #[test]
    fn a_combination_when_no_metric_alone_does_it() {
        // 40 days (r 4), 6 purchases (f 4): Top needs r 5 and f 5, so a
        // purchase within 29 days and 2 more orders (8 purchases).
        let (thresholds, scoring) = fixed_run();
        let d = top_and_rest();
        let reasons = Reasons::new(&thresholds, &scoring, &d, 2, AS_OF, Lang::En);
        let values = (40, 6, 30_000);
        let c = customer(values, FIXED, &d);
        assert_eq!(c.segment, 1);
        let ch = change(&reasons.explain(&c));
        assert_eq!(
            (ch.within_days, ch.orders, ch.spend),
            (Some(29), Some(2), None)
        );
        assert_eq!(hand_segment(apply(values, &ch), FIXED, &d), 0);
        // One part alone, or either part one step smaller, is not enough.
        for short in [
            (29, 6, 30_000),
            (40, 8, 30_000),
            (30, 8, 30_000),
            (29, 7, 30_000),
        ] {
            assert_eq!(hand_segment(short, FIXED, &d), 1, "{short:?}");
        }
        assert_eq!(
            reasons.reason(&c),
            "R 4: 40 days since the last purchase (band 30-89 days); \
             F 4: 6 purchases (band 5-7); M 4: 300.00 spent (band 200.00-499.99); \
             Rest: cell 444, rule 2 (any scores), line 8; \
             to reach Top: a purchase within 29 days and 2 more orders"
        );
        // The Top customer: best segment, no change.
        let top = customer((10, 9, 30_000), FIXED, &d);
        assert_eq!(reasons.explain(&top).proposal, Proposal::BestSegment);
        assert_eq!(
            reasons.reason(&top),
            "R 5: 10 days since the last purchase (up to 29 days); \
             F 5: 9 purchases (at least 8); M 4: 300.00 spent (band 200.00-499.99); \
             Top: cell 554, rule 1 (r=5, f=5), line 3"
        );
    }

    /// The five customers of analysis.rs (as-of 100): a 1 day, 5
    /// purchases, 500.00; b 10, 2, 200.00; c 50, 1, 100.00; d 50, 1,
    /// 50.00; e 90, 2, -10.00. Rank scores: r 5 4 2 2 1, f 5 3 1 1 3,
    /// m 5 4 3 2 1.
    fn rank_run() -> (Thresholds, Scoring) {
        let level = |score, customers, held: Option<(i64, i64)>| Level {
            score,
            customers,
            min: held.map(|h| h.0),
            max: held.map(|h| h.1),
            from: None,
            below: None,
        };
        let thresholds = Thresholds {
            r: vec![
                level(1, 1, Some((90, 90))),
                level(2, 2, Some((50, 50))),
                level(3, 0, None),
                level(4, 1, Some((10, 10))),
                level(5, 1, Some((1, 1))),
            ],
            f: vec![
                level(1, 2, Some((1, 1))),
                level(2, 0, None),
                level(3, 2, Some((2, 2))),
                level(4, 0, None),
                level(5, 1, Some((5, 5))),
            ],
            m: vec![
                level(1, 1, Some((-1_000, -1_000))),
                level(2, 1, Some((5_000, 5_000))),
                level(3, 1, Some((10_000, 10_000))),
                level(4, 1, Some((20_000, 20_000))),
                level(5, 1, Some((50_000, 50_000))),
            ],
        };
        // The same levels as the scoring code gives.
        let rank = Binning::Method(Method::Rank, 5);
        let ids = [0, 1, 2, 3, 4];
        let check = |values: &[i64], better, levels: &[Level]| {
            assert_eq!(score::score(values, better, &rank, 2, &ids).levels, levels);
        };
        check(&[1, 10, 50, 50, 90], Better::Lower, &thresholds.r);
        check(&[5, 2, 1, 1, 2], Better::Higher, &thresholds.f);
        check(
            &[50_000, 20_000, 10_000, 5_000, -1_000],
            Better::Higher,
            &thresholds.m,
        );
        (thresholds, Scoring::default())
    }

    /// The rank bands, frozen from the values held: r 3, f 2 and f 4 are
    /// empty, so no value reaches them.
    const RANK_R: &HandBands = &[
        (5, None, Some(1)),
        (4, Some(2), Some(10)),
        (2, Some(11), Some(50)),
        (1, Some(51), None),
    ];
    const RANK_F: &HandBands = &[
        (1, None, Some(1)),
        (3, Some(2), Some(4)),
        (5, Some(5), None),
    ];
    const RANK_M: &HandBands = &[
        (1, None, Some(4_999)),
        (2, Some(5_000), Some(9_999)),
        (3, Some(10_000), Some(19_999)),
        (4, Some(20_000), Some(49_999)),
        (5, Some(50_000), None),
    ];
    const RANK: [&HandBands; 3] = [RANK_R, RANK_F, RANK_M];

    #[test]
    fn rank_bands_are_frozen_from_the_values_held() {
        let (thresholds, scoring) = rank_run();
        let d = Definition::preset(Preset::Default, Lang::En);
        let reasons = Reasons::new(&thresholds, &scoring, &d, 2, AS_OF, Lang::En);
        for (i, hand) in RANK.into_iter().enumerate() {
            for score in 1..=5 {
                let band = reasons.bands[i].get(score);
                match hand.iter().find(|b| b.0 == score) {
                    Some(&(_, lo, hi)) => {
                        assert_eq!((band.low, band.high), (lo, hi), "metric {i} score {score}");
                        assert!(band.reachable);
                    }
                    None => assert!(!band.reachable, "metric {i} score {score}"),
                }
            }
        }
    }

    #[test]
    fn rank_changes_by_hand() {
        let (thresholds, scoring) = rank_run();
        let d = Definition::preset(Preset::Default, Lang::En);
        let reasons = Reasons::new(&thresholds, &scoring, &d, 2, AS_OF, Lang::En);
        // (values, segment, expected change, the same change one step short)
        let cases = [
            // c: r 2, f 1, m 3, fm 2: Need Attention. r 3 is empty; r 4
            // (<= 10 days) gives Potential Loyalist. f 3 or m 4 give fm 3
            // (still Need Attention), f 5 fm 4 (At Risk, worse).
            (
                (50, 1, 10_000),
                "Need Attention",
                (Some(10), None, None),
                "Potential Loyalist",
                (11, 1, 10_000),
            ),
            // e: r 1, f 3, m 1, fm 2: Hibernating. r 2 (<= 50 days, 40/90)
            // gives Need Attention; f 5 (3 more, 3/2) and m 2 (60.00 more
            // on a negative value: 6000/100) give At Risk but cost more.
            (
                (90, 2, -1_000),
                "Hibernating",
                (Some(50), None, None),
                "Need Attention",
                (51, 2, -1_000),
            ),
            // b: r 4, f 3, m 4, fm 4: Loyal. r 5 (<= 1 day, 9/10) gives
            // Champions; f 5 (3 more, 3/2) too; m 5 leaves fm 4.
            (
                (10, 2, 20_000),
                "Loyal Customers",
                (Some(1), None, None),
                "Champions",
                (2, 2, 20_000),
            ),
        ];
        for (values, now, expected, reached, short) in cases {
            let c = customer(values, RANK, &d);
            assert_eq!(c.segment as usize, segment(&d, now), "{values:?}");
            let ch = change(&reasons.explain(&c));
            assert_eq!(
                (ch.within_days, ch.orders, ch.spend),
                expected,
                "{values:?}"
            );
            assert_eq!(ch.segment, segment(&d, reached), "{values:?}");
            assert_eq!(
                hand_segment(apply(values, &ch), RANK, &d) as usize,
                ch.segment
            );
            assert!(hand_segment(short, RANK, &d) >= c.segment, "{short:?}");
        }
        let b = customer((10, 2, 20_000), RANK, &d);
        assert_eq!(
            reasons.reason(&b),
            "R 4: 10 days since the last purchase (band 2-10 days); \
             F 3: 2 purchases (band 2-4); M 4: 200.00 spent (band 200.00-499.99); \
             Loyal Customers: cell 434, fm 4, rule 9 (r=4, fm=4); \
             to reach Champions: a purchase within 1 day"
        );
        let a = customer((1, 5, 50_000), RANK, &d);
        assert_eq!(reasons.explain(&a).proposal, Proposal::BestSegment);
        assert!(!reasons.reason(&a).contains("to reach"));
    }

    #[test]
    fn italian_and_romanian_texts() {
        let (thresholds, scoring) = rank_run();
        let d = Definition::preset(Preset::Default, Lang::It);
        let reasons =
            Reasons::new(&thresholds, &scoring, &d, 2, AS_OF, Lang::It).money_format(2, ',');
        let c = customer((50, 1, 10_000), RANK, &d);
        assert_eq!(
            reasons.reason(&c),
            "R 2: 50 giorni dall'ultimo acquisto (fascia 11-50 giorni); \
             F 1: 1 acquisto (fino a 1); M 3: 100,00 spesi (fascia 100,00-199,99); \
             Da seguire: cella 213, fm 2, regola 17 (r=2, fm=2); \
             per passare a Potenziali fedeli: un acquisto entro 10 giorni"
        );
        // Romanian: "de" before the noun from 20 on.
        let (thresholds, scoring) = fixed_run();
        let d = top_and_rest();
        let reasons = Reasons::new(&thresholds, &scoring, &d, 2, AS_OF, Lang::Ro);
        let c = customer((40, 6, 30_000), FIXED, &d);
        let text = reasons.reason(&c);
        assert!(
            text.starts_with(
                "R 4: 40 de zile de la ultima achiziție (interval 30-89 de zile); F 4: 6 achiziții"
            ),
            "{text}"
        );
        assert!(
            text.ends_with(
                "pentru a trece la Top: o achiziție în cel mult 29 de zile și încă 2 comenzi"
            ),
            "{text}"
        );
    }

    #[test]
    fn ntile_metrics_never_change() {
        // All three ntile: no change at all.
        let level = |score, min, max| Level {
            score,
            customers: 2,
            min: Some(min),
            max: Some(max),
            from: None,
            below: None,
        };
        let groups = |v: [(i64, i64); 5]| -> Vec<Level> {
            v.iter()
                .enumerate()
                .map(|(i, &(lo, hi))| level(i as u8 + 1, lo, hi))
                .collect()
        };
        let thresholds = Thresholds {
            r: groups([(300, 400), (90, 300), (40, 90), (10, 40), (1, 10)]),
            f: groups([(1, 1), (1, 1), (1, 2), (2, 4), (4, 9)]),
            m: groups([(0, 10), (10, 50), (50, 90), (90, 200), (200, 900)]),
        };
        let ntile = Binning::Method(Method::Ntile, 5);
        let scoring = Scoring {
            r: ntile.clone(),
            f: ntile.clone(),
            m: ntile.clone(),
        };
        let d = Definition::preset(Preset::Default, Lang::En);
        let reasons = Reasons::new(&thresholds, &scoring, &d, 0, AS_OF, Lang::En);
        let mut c = customer((400, 1, 5), FIXED, &d);
        (c.r, c.f, c.m, c.fm) = (1, 2, 1, 2);
        c.segment = d.segment_of(1, 2, 1);
        let reason = reasons.explain(&c);
        assert_eq!(reason.proposal, Proposal::NoValueRanges);
        assert_eq!(reason.f.kind, BandKind::Group);
        assert_eq!(
            reasons.reason(&c),
            "R 1: 400 days since the last purchase (ntile group of 300-400 days); \
             F 2: 1 purchase (ntile group of 1); M 1: 5.00 spent (ntile group of 0.00-10.00); \
             Hibernating: cell 121, fm 2, rule 22 (r=1, fm=2)"
        );
        // Recency by fixed bins, frequency and money by ntile: only a
        // purchase can be proposed.
        let (fixed_r, r_levels) = fixed("30,90,180,365", Better::Lower, 0);
        let thresholds = Thresholds {
            r: r_levels,
            ..thresholds
        };
        let scoring = Scoring {
            r: fixed_r,
            ..scoring
        };
        let reasons = Reasons::new(&thresholds, &scoring, &d, 0, AS_OF, Lang::En);
        let ch = change(&reasons.explain(&c));
        // r 2 (<= 364 days) with fm 2: Need Attention.
        assert_eq!(
            (ch.within_days, ch.orders, ch.spend),
            (Some(364), None, None)
        );
        assert_eq!(ch.segment, segment(&d, "Need Attention"));
        // Without amounts, money is not shown and cannot change.
        let reasons = reasons.without_monetary();
        assert!(!reasons.reason(&c).contains("M 1"));
    }

    #[test]
    fn others_have_no_rule() {
        // r-rfm: cell 251 matches no rule.
        let (thresholds, scoring) = fixed_run();
        let d = Definition::preset(Preset::RRfm, Lang::En);
        let reasons = Reasons::new(&thresholds, &scoring, &d, 2, AS_OF, Lang::En);
        let values = (200, 8, 1_000);
        let c = customer(values, FIXED, &d);
        assert_eq!((c.r, c.f, c.m), (2, 5, 1));
        let reason = reasons.explain(&c);
        assert_eq!(reason.rule, None);
        assert!(
            reasons
                .reason(&c)
                .contains("Others: cell 251, no rule matches"),
            "{}",
            reasons.reason(&c)
        );
        let ch = change(&reason);
        assert!(hand_segment(apply(values, &ch), FIXED, &d) < c.segment);
    }

    #[test]
    fn money_is_shown_exactly() {
        // Scale 3: 1.005 needs three decimals, 1.010 two.
        let (thresholds, scoring) = fixed_run();
        let d = Definition::preset(Preset::Default, Lang::En);
        let reasons = Reasons::new(&thresholds, &scoring, &d, 3, AS_OF, Lang::En);
        assert_eq!(reasons.money(1_005), "1.005");
        assert_eq!(reasons.money(1_010), "1.01");
        assert_eq!(reasons.money(-20), "-0.02");
        let reasons = reasons.money_format(0, ',');
        assert_eq!(reasons.money(2_000), "2");
        assert_eq!(reasons.money(2_500), "2,5");
    }

    #[test]
    fn break_points_become_whole_values() {
        // r-quantile style fractional break points: [5.2, 9) -> 6..=8.
        let level = Level {
            score: 2,
            customers: 0,
            min: None,
            max: None,
            from: Some(Break { num: 26, den: 5 }),
            below: Some(Break { num: 9, den: 1 }),
        };
        let band = from_breaks(&level);
        assert_eq!(
            (band.low, band.high, band.reachable),
            (Some(6), Some(8), true)
        );
        // [2, 2.6): only 2; [2.2, 2.6): nothing whole.
        let at = |num, den| Some(Break { num, den });
        let two = Level {
            from: at(2, 1),
            below: at(13, 5),
            ..level
        };
        assert_eq!(from_breaks(&two).high, Some(2));
        let none = Level {
            from: at(11, 5),
            below: at(13, 5),
            ..level
        };
        assert!(!from_breaks(&none).reachable);
        // Negative money: -1.5 at scale 0 is reached from -1.
        assert_eq!(ceil(Break { num: -3, den: 2 }), -1);
    }

    /// The rule, by brute force: every cell above the customer's, checked
    /// box by box, priced, the least taken.
    fn brute_force(
        c: &ScoredCustomer,
        bands: [&HandBands; 3],
        d: &Definition,
    ) -> Option<(usize, [u8; 3])> {
        let l = d.levels;
        let now = [c.r, c.f, c.m];
        let s = c.segment;
        let reachable = |i: usize, score: u8| bands[i].iter().any(|b| b.0 == score);
        let best = d.cells().map(|(r, f, m)| d.segment_of(r, f, m)).min();
        if Some(s) == best {
            return None;
        }
        let mut found: Option<(usize, f64, u8, [u8; 3])> = None;
        for (r, f, m) in d.cells() {
            let t = [r, f, m];
            if t == now || (0..3).any(|i| t[i] < now[i] || !reachable(i, t[i])) {
                continue;
            }
            // Every reachable cell from t up along the changed metrics.
            let range = |i: usize| -> Vec<u8> {
                match t[i] > now[i] {
                    true => (t[i]..=l).filter(|&x| reachable(i, x)).collect(),
                    false => vec![now[i]],
                }
            };
            let sure = range(0).iter().all(|&r| {
                range(1)
                    .iter()
                    .all(|&f| range(2).iter().all(|&m| d.segment_of(r, f, m) < s))
            });
            if !sure {
                continue;
            }
            let low = |i: usize| bands[i].iter().find(|b| b.0 == t[i]).unwrap();
            let mut cost = 0.0;
            if t[0] > now[0] {
                let days = f64::from(c.recency_days);
                cost += (days - low(0).2.unwrap() as f64) / days;
            }
            if t[1] > now[1] {
                cost +=
                    (low(1).1.unwrap() - i64::from(c.frequency)) as f64 / f64::from(c.frequency);
            }
            if t[2] > now[2] {
                cost += (low(2).1.unwrap() - c.monetary) as f64 / (c.monetary as f64).max(100.0);
            }
            let changed = (0..3).filter(|&i| t[i] > now[i]).count();
            let key = (changed, cost, d.segment_of(r, f, m), t);
            let order = |a: &(usize, f64, u8, [u8; 3]), b: &(usize, f64, u8, [u8; 3])| {
                a.0.cmp(&b.0)
                    .then(a.1.total_cmp(&b.1))
                    .then(a.2.cmp(&b.2))
                    .then(a.3.cmp(&b.3))
            };
            if found.is_none_or(|f| order(&key, &f).is_lt()) {
                found = Some(key);
            }
        }
        found.map(|f| (usize::from(f.2), f.3))
    }

    #[test]
    fn every_cell_agrees_with_brute_force() {
        // One customer per cell, at the bottom of each band (the top for
        // open-bottomed ones), under three definitions and both methods.
        let value = |band: &(u8, Option<i64>, Option<i64>), least: i64| {
            band.1.or(band.2.map(|h| h.min(least.max(h - 3)))).unwrap()
        };
        type Run = fn() -> (Thresholds, Scoring);
        let runs: [(Run, [&HandBands; 3]); 2] = [(fixed_run, FIXED), (rank_run, RANK)];
        let mut changes = 0;
        for (run, bands) in runs {
            let (thresholds, scoring) = run();
            for d in [
                Definition::preset(Preset::Default, Lang::En),
                Definition::preset(Preset::RRfm, Lang::En),
                Definition::preset(Preset::RfGrid, Lang::En),
                top_and_rest(),
            ] {
                let reasons = Reasons::new(&thresholds, &scoring, &d, 2, AS_OF, Lang::En);
                for rb in bands[0] {
                    for fb in bands[1] {
                        for mb in bands[2] {
                            let values = (value(rb, 1), value(fb, 1), value(mb, -5_000));
                            let c = customer(values, bands, &d);
                            let expected = brute_force(&c, bands, &d);
                            let got = match reasons.explain(&c).proposal {
                                Proposal::Change(ch) => {
                                    assert_eq!(
                                        hand_segment(apply(values, &ch), bands, &d) as usize,
                                        ch.segment
                                    );
                                    assert!(ch.segment < usize::from(c.segment));
                                    Some((ch.segment, [ch.r, ch.f, ch.m]))
                                }
                                _ => None,
                            };
                            assert_eq!(got, expected, "{} {values:?}", d.name);
                            changes += usize::from(got.is_some());
                        }
                    }
                }
            }
        }
        // 740 customers, most of them with a change.
        assert!(changes > 500, "{changes}");
    }

    #[test]
    fn every_language_has_every_reason_text() {
        const ENGLISH: [&str; 6] = ["the", "and", "more", "purchase", "spent", "rule"];
        for lang in Lang::ALL {
            let t = lang.reasons();
            let texts = [
                t.since_last,
                t.spent,
                t.band,
                t.exactly,
                t.at_least,
                t.up_to,
                t.any_value,
                t.group,
                t.cell,
                t.rule,
                t.line,
                t.no_rule,
                t.any_scores,
                t.to_reach,
                t.one_more_order,
                t.more_orders,
                t.more_spent,
                t.purchase_within,
                t.and,
            ];
            for text in texts {
                assert!(!text.trim().is_empty() && text == text.trim(), "{lang:?}");
                if lang != Lang::En {
                    let english = text
                        .split(|c: char| !c.is_alphabetic())
                        .find(|w| ENGLISH.contains(&w.to_lowercase().as_str()));
                    assert_eq!(english, None, "{lang:?}: {text}");
                }
            }
            for template in [
                t.since_last,
                t.spent,
                t.band,
                t.exactly,
                t.at_least,
                t.up_to,
                t.group,
                t.to_reach,
                t.more_spent,
                t.purchase_within,
            ] {
                assert_eq!(template.matches("{}").count(), 1, "{lang:?}: {template}");
            }
            let n = t.more_orders.find("{n}");
            let u = t.more_orders.find("{u}");
            assert!(n.is_some() && u.is_some() && n < u, "{lang:?}");
            for word in [t.days, t.purchases, t.orders, t.within] {
                assert!(!word.one.is_empty() && !word.few.is_empty() && !word.other.is_empty());
                if lang != Lang::Ro {
                    assert_eq!(word.few, word.other, "{lang:?}");
                }
            }
        }
        let days = &Lang::Ro.reasons().days;
        let forms: Vec<&str> = [1, 2, 19, 20, 100, 101, 119, 120]
            .iter()
            .map(|&n| Lang::Ro.plural(n, days))
            .collect();
        assert_eq!(
            forms,
            [
                "zi", "zile", "zile", "de zile", "de zile", "zile", "zile", "de zile"
            ]
        );
    }
}
