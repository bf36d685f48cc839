//! The eleven built-in segments: stable keys, English names, tones. Which
//! cells they cover is up to a definition (`definition`); their texts in
//! other languages are in `lang`. Pure data, no I/O.

use std::fmt;

/// A named customer segment. The declaration order is the canonical order
/// used by summaries: best customers first, lost ones last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Segment {
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
    pub(crate) const ALL: [Segment; 11] = [
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
    pub(crate) fn name(self) -> &'static str {
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
    pub(crate) fn key(self) -> &'static str {
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
    pub(crate) fn rank(self) -> usize {
        self as usize
    }

    /// How healthy the segment is, for colour.
    pub(crate) fn tone(self) -> Tone {
        match self {
            Segment::Champions | Segment::LoyalCustomers => Tone::Good,
            Segment::PotentialLoyalist | Segment::NewCustomers | Segment::Promising => {
                Tone::Hopeful
            }
            Segment::NeedAttention | Segment::AboutToSleep => Tone::Warning,
            Segment::AtRisk | Segment::CantLoseThem => Tone::Danger,
            Segment::Hibernating | Segment::Lost => Tone::Gone,
        }
    }

    /// The built-in segment with this English name or key, ignoring case.
    pub(crate) fn find(name: &str) -> Option<Segment> {
        Segment::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name.trim()) || s.key() == name.trim())
    }
}

/// How healthy a segment is: the table format colours names by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    /// The best customers.
    Good,
    /// Recent customers who could become the best.
    Hopeful,
    /// Slipping.
    Warning,
    /// Valuable customers about to be lost.
    Danger,
    /// Gone.
    Gone,
    /// Not a built-in segment.
    Neutral,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
