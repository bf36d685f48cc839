//! The eleven named segments and the R x FM grid that assigns them.
//!
//! The grid (docs/method.md, step 9) gives every one of the 25 (R, FM) cells
//! exactly one segment and reaches all eleven, so no customer ever falls into
//! an "Others" bucket and no segment is dead. Pure data, no I/O.

use std::fmt;

/// A named customer segment. The declaration order is the canonical order
/// used by summaries: best customers first, lost ones last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// Bought recently, buy often and spend the most.
    Champions,
    /// Buy regularly and spend well.
    LoyalCustomers,
    /// Recent customers with average frequency and spend.
    PotentialLoyalist,
    /// Bought very recently, but only a little.
    NewCustomers,
    /// Fairly recent, low frequency and spend.
    Promising,
    /// Middling recency, low-to-average frequency and spend.
    NeedAttention,
    /// Below-average recency, low frequency and spend.
    AboutToSleep,
    /// Used to buy well, but not for a while.
    AtRisk,
    /// Were among the best, have not bought for a long time.
    CantLoseThem,
    /// Long gone, low frequency and spend.
    Hibernating,
    /// Lowest recency, frequency and spend.
    Lost,
}

impl Segment {
    /// All segments in canonical order.
    pub const ALL: [Segment; 11] = [
        Segment::Champions,
        Segment::LoyalCustomers,
        Segment::PotentialLoyalist,
        Segment::NewCustomers,
        Segment::Promising,
        Segment::NeedAttention,
        Segment::AboutToSleep,
        Segment::AtRisk,
        Segment::CantLoseThem,
        Segment::Hibernating,
        Segment::Lost,
    ];

    /// The display name, e.g. `Can't Lose Them`.
    pub fn name(self) -> &'static str {
        match self {
            Segment::Champions => "Champions",
            Segment::LoyalCustomers => "Loyal Customers",
            Segment::PotentialLoyalist => "Potential Loyalist",
            Segment::NewCustomers => "New Customers",
            Segment::Promising => "Promising",
            Segment::NeedAttention => "Need Attention",
            Segment::AboutToSleep => "About To Sleep",
            Segment::AtRisk => "At Risk",
            Segment::CantLoseThem => "Can't Lose Them",
            Segment::Hibernating => "Hibernating",
            Segment::Lost => "Lost",
        }
    }

    /// A stable machine key, e.g. `cant_lose_them`.
    pub fn key(self) -> &'static str {
        match self {
            Segment::Champions => "champions",
            Segment::LoyalCustomers => "loyal_customers",
            Segment::PotentialLoyalist => "potential_loyalist",
            Segment::NewCustomers => "new_customers",
            Segment::Promising => "promising",
            Segment::NeedAttention => "need_attention",
            Segment::AboutToSleep => "about_to_sleep",
            Segment::AtRisk => "at_risk",
            Segment::CantLoseThem => "cant_lose_them",
            Segment::Hibernating => "hibernating",
            Segment::Lost => "lost",
        }
    }

    /// The position in the canonical order (0 = Champions).
    pub fn rank(self) -> usize {
        self as usize
    }

    /// The segment of a customer with recency score `r` and combined
    /// frequency-monetary score `fm`, both 1..=5.
    pub fn from_scores(r: u8, fm: u8) -> Segment {
        use Segment::*;
        const GRID: [[Segment; 5]; 5] = [
            // FM=1          FM=2               FM=3               FM=4            FM=5
            [Lost, Hibernating, AtRisk, CantLoseThem, CantLoseThem], // R=1
            [AboutToSleep, NeedAttention, NeedAttention, AtRisk, AtRisk], // R=2
            [
                Promising,
                NeedAttention,
                PotentialLoyalist,
                LoyalCustomers,
                LoyalCustomers,
            ], // R=3
            [
                Promising,
                PotentialLoyalist,
                PotentialLoyalist,
                LoyalCustomers,
                Champions,
            ], // R=4
            [
                NewCustomers,
                PotentialLoyalist,
                LoyalCustomers,
                Champions,
                Champions,
            ], // R=5
        ];
        debug_assert!((1..=5).contains(&r) && (1..=5).contains(&fm));
        GRID[usize::from(r.clamp(1, 5) - 1)][usize::from(fm.clamp(1, 5) - 1)]
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::fm;
    use std::collections::BTreeSet;

    /// The grid exactly as the issue and docs/method.md print it, rows R=5..1.
    const GRID_TEXT: &str = "
R=5 | New Customers  | Potential Loyalist | Loyal Customers    | Champions       | Champions
R=4 | Promising      | Potential Loyalist | Potential Loyalist | Loyal Customers | Champions
R=3 | Promising      | Need Attention     | Potential Loyalist | Loyal Customers | Loyal Customers
R=2 | About To Sleep | Need Attention     | Need Attention     | At Risk         | At Risk
R=1 | Lost           | Hibernating        | At Risk            | Can't Lose Them | Can't Lose Them
";

    #[test]
    fn all_25_cells_match_the_documented_grid() {
        let mut cells = 0;
        for line in GRID_TEXT.lines().filter(|l| !l.trim().is_empty()) {
            let fields: Vec<&str> = line.split('|').map(str::trim).collect();
            let r: u8 = fields[0].trim_start_matches("R=").parse().unwrap();
            for (i, name) in fields[1..].iter().enumerate() {
                let fm = i as u8 + 1;
                assert_eq!(Segment::from_scores(r, fm).name(), *name, "R={r} FM={fm}");
                cells += 1;
            }
        }
        assert_eq!(cells, 25);
    }

    #[test]
    fn all_125_rfm_cells_land_in_one_segment_and_all_11_are_reached() {
        let mut reached = BTreeSet::new();
        for r in 1..=5 {
            for f in 1..=5 {
                for m in 1..=5 {
                    let cell_fm = fm(f, m);
                    assert!((1..=5).contains(&cell_fm));
                    reached.insert(Segment::from_scores(r, cell_fm));
                }
            }
        }
        assert_eq!(reached.len(), 11);
        assert_eq!(
            reached.into_iter().collect::<Vec<_>>(),
            Segment::ALL.to_vec()
        );
    }

    #[test]
    fn canonical_order_and_keys() {
        let names: Vec<&str> = Segment::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(
            names,
            [
                "Champions",
                "Loyal Customers",
                "Potential Loyalist",
                "New Customers",
                "Promising",
                "Need Attention",
                "About To Sleep",
                "At Risk",
                "Can't Lose Them",
                "Hibernating",
                "Lost"
            ]
        );
        for (i, s) in Segment::ALL.iter().enumerate() {
            assert_eq!(s.rank(), i);
            let key: String = s.name().to_lowercase().replace('\'', "").replace(' ', "_");
            assert_eq!(s.key(), key);
        }
    }
}
