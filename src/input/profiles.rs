//! Export profiles: what a platform's export means, as data.
//!
//! Column names alone do not say how to read a shop's export: Shopify puts
//! an order's total on its first line only, WooCommerce plugins repeat it on
//! every line, Stripe's `Status` says `Paid` for a payment and Etsy writes a
//! refund as a new total in another column. A profile carries those rules
//! for one export format: which columns play which role (the customer with
//! fallbacks, e-mail then phone), whether the amount is per order or per
//! line, which columns add to it or subtract from it, which statuses are
//! sales and which rows are out. Each is learnt from the platform's own
//! documentation and public sample exports (docs/platforms/).
//!
//! Profiles are TOML (`src/input/profiles/*.toml`, built in; `--profile
//! FILE.toml` for one's own ERP; docs/profiles.md). A built-in profile is
//! chosen by its `detect` columns, all of which must be in the header;
//! `--profile NAME|none|FILE` forces one or none. Explicit column flags
//! always win over a profile.

use super::columns::StatusRule;
use crate::error::{InputError, UsageError};
use serde::Deserialize;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// Whether an amount is an order's (taken once per order) or a line's
/// (summed over the order's lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub(crate) enum AmountPer {
    /// The order's total: taken once per order, from the line that has it;
    /// lines that leave it blank are item lines; lines repeating it must
    /// agree.
    Order,
    /// A line's amount: the order's lines are added up.
    Line,
}

/// An export profile (see the module docs and docs/profiles.md).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Profile {
    /// Short name, for `--profile NAME` and the notes.
    pub(crate) name: String,
    /// What export it is, for `rfm profiles`.
    pub(crate) title: String,
    /// Columns that all appear in the export's header (detection); each
    /// a name or a list of names any of which will do (a column renamed
    /// between versions of the export).
    #[serde(default)]
    pub(crate) detect: Vec<Names>,
    /// Why the export cannot be segmented by customer, when it has no
    /// customer column.
    #[serde(default)]
    pub(crate) no_customer: Option<String>,
    /// Column roles.
    pub(crate) columns: ProfileColumns,
    /// The platform's rules.
    #[serde(default)]
    pub(crate) rules: ProfileRules,
}

/// A profile's column roles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfileColumns {
    /// The customer: the first of these columns that is not empty (each
    /// a name or the names it has had).
    #[serde(default)]
    pub(crate) customer: Vec<Names>,
    /// Order id.
    pub(crate) order: Option<Names>,
    /// Order date.
    pub(crate) date: Option<Names>,
    /// Amount.
    pub(crate) amount: Option<Names>,
    /// Columns added to the amount (blank: 0).
    #[serde(default)]
    pub(crate) add: Vec<Names>,
    /// Columns subtracted from the amount (refunds, discounts; blank: 0).
    #[serde(default)]
    pub(crate) subtract: Vec<Names>,
    /// `[total, adjusted]`: when `adjusted` is set (not blank, not 0),
    /// `total - adjusted` was refunded and is subtracted.
    #[serde(default)]
    pub(crate) adjusted: Vec<String>,
    /// Order status.
    pub(crate) status: Option<Names>,
    /// Currency.
    pub(crate) currency: Option<Names>,
}

/// A column's name, or the names it has had (the first the header has is
/// read): `"Created date (UTC)"` or `["Created date (UTC)", "Created (UTC)"]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub(crate) enum Names {
    /// One name.
    One(String),
    /// Names in order of preference.
    Any(Vec<String>),
}

impl Names {
    /// The names, in order of preference.
    pub(crate) fn all(&self) -> &[String] {
        match self {
            Names::One(name) => std::slice::from_ref(name),
            Names::Any(names) => names,
        }
    }

    /// The preferred name (what `rfm sql` writes: it cannot look).
    pub(crate) fn first(&self) -> &str {
        self.all().first().map_or("", String::as_str)
    }

    /// The first of the names the header has, compared folded.
    pub(crate) fn find(&self, header: &[String]) -> Option<usize> {
        self.all()
            .iter()
            .find_map(|name| super::columns::exact(header, name))
    }

    /// The names, for messages (`A' or 'B`, inside quotes).
    pub(crate) fn shown(&self) -> String {
        self.all().join("' or '")
    }
}

impl std::fmt::Display for Names {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.all().join(" or "))
    }
}

/// A profile's rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfileRules {
    /// Whether the amount is per order or per line.
    pub(crate) amount_per: Option<AmountPer>,
    /// Only these statuses are sales.
    pub(crate) count_status: Option<Vec<String>>,
    /// Every status but these is a sale.
    pub(crate) drop_status: Option<Vec<String>>,
    /// Statuses that are not sales besides rfm's built-in list (cancelled,
    /// failed, refunded... in seven languages): every other status is a
    /// sale, so a label in another language still counts.
    pub(crate) not_sales: Option<Vec<String>>,
    /// Rows that are not sales whatever their status.
    #[serde(default)]
    pub(crate) exclude: Vec<Exclude>,
}

/// Rows left out by a column's value.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Exclude {
    /// The column.
    pub(crate) column: String,
    /// The values that leave a row out (compared as statuses are); none:
    /// any value that is not blank.
    #[serde(default)]
    pub(crate) values: Vec<String>,
}

/// Which profile a run uses (`--profile`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum ProfileChoice {
    /// The built-in profile whose columns the header has, if any.
    #[default]
    Detect,
    /// None (`--profile none`): columns by name only.
    None,
    /// This one (`--profile NAME` or `--profile FILE.toml`).
    Use(Arc<Profile>),
}

/// The built-in profiles' TOML, by file name.
const BUILT_IN: &[(&str, &str)] = &[
    ("shopify.toml", include_str!("profiles/shopify.toml")),
    (
        "woocommerce.toml",
        include_str!("profiles/woocommerce.toml"),
    ),
    (
        "woocommerce-coupon-export.toml",
        include_str!("profiles/woocommerce-coupon-export.toml"),
    ),
    (
        "woocommerce-analytics.toml",
        include_str!("profiles/woocommerce-analytics.toml"),
    ),
    ("stripe.toml", include_str!("profiles/stripe.toml")),
    ("etsy.toml", include_str!("profiles/etsy.toml")),
    ("square.toml", include_str!("profiles/square.toml")),
    ("prestashop.toml", include_str!("profiles/prestashop.toml")),
    ("magento2.toml", include_str!("profiles/magento2.toml")),
    ("amazon.toml", include_str!("profiles/amazon.toml")),
];

/// The built-in profiles, parsed once (a unit test parses them all).
pub(crate) fn built_in() -> &'static [Arc<Profile>] {
    static PROFILES: OnceLock<Vec<Arc<Profile>>> = OnceLock::new();
    PROFILES.get_or_init(|| {
        BUILT_IN
            .iter()
            .filter_map(|(_, text)| toml::from_str::<Profile>(text).ok().map(Arc::new))
            .collect()
    })
}

/// A built-in profile's TOML, by name.
pub(crate) fn built_in_text(name: &str) -> Option<&'static str> {
    BUILT_IN
        .iter()
        .find(|(file, _)| {
            file.strip_suffix(".toml")
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .map(|(_, text)| *text)
}

impl ProfileChoice {
    /// `--profile VALUE`: `none`, a built-in name, or a TOML file.
    pub(crate) fn parse(value: &str) -> Result<ProfileChoice, UsageError> {
        if value.eq_ignore_ascii_case("none") {
            return Ok(ProfileChoice::None);
        }
        if let Some(p) = built_in()
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(value))
        {
            return Ok(ProfileChoice::Use(Arc::clone(p)));
        }
        let path = Path::new(value);
        if path.extension().is_some_and(|e| e == "toml") || path.exists() {
            let text = std::fs::read_to_string(path)
                .map_err(|e| UsageError(format!("--profile {value}: cannot read it: {e}")))?;
            let profile: Profile = toml::from_str(&text).map_err(|e| {
                let line = e
                    .span()
                    .and_then(|span| text.get(..span.start))
                    .map(|before| before.matches('\n').count() + 1);
                UsageError(format!(
                    "--profile {value}{}: not a profile: {} (docs/profiles.md describes the format)",
                    line.map(|l| format!(":{l}")).unwrap_or_default(),
                    crate::error::one_line(e.message().trim())
                ))
            })?;
            return Ok(ProfileChoice::Use(Arc::new(profile)));
        }
        let names: Vec<&str> = built_in().iter().map(|p| p.name.as_str()).collect();
        Err(UsageError(format!(
            "--profile {value}: no such profile; the built-in ones are {}, 'none' turns \
             profiles off, and a path ending in .toml reads your own (rfm profiles lists them)",
            names.join(", ")
        )))
    }

    /// The profile for a header: the one chosen, or the built-in profile
    /// whose `detect` columns the header has (the most specific when
    /// several do).
    pub(crate) fn for_header(&self, header: &[String]) -> Option<Arc<Profile>> {
        match self {
            ProfileChoice::None => None,
            ProfileChoice::Use(p) => Some(Arc::clone(p)),
            ProfileChoice::Detect => built_in()
                .iter()
                .filter(|p| p.fits(header))
                .max_by_key(|p| p.detect.len())
                .cloned(),
        }
    }
}

impl Profile {
    /// Whether a header is this export's: every `detect` column and every
    /// column the profile needs (a customer column, the order id, the date
    /// and the amount it names) are there. A file that only looks like the
    /// export is read by column names instead.
    pub(crate) fn fits(&self, header: &[String]) -> bool {
        let c = &self.columns;
        let has = |names: &Option<Names>| names.as_ref().is_none_or(|n| n.find(header).is_some());
        !self.detect.is_empty()
            && self.detect.iter().all(|d| d.find(header).is_some())
            && (c.customer.is_empty() || c.customer.iter().any(|n| n.find(header).is_some()))
            && has(&c.order)
            && has(&c.date)
            && has(&c.amount)
    }

    /// Which statuses are sales by the profile's rules (the built-in list
    /// when it says nothing).
    pub(crate) fn status_rule(&self) -> StatusRule {
        let keys = |list: &[String]| list.iter().map(|s| StatusRule::key(s)).collect();
        let r = &self.rules;
        match (&r.count_status, &r.drop_status, &r.not_sales) {
            (Some(list), _, _) => StatusRule::Only(keys(list)),
            (None, Some(list), _) => StatusRule::AllBut(keys(list)),
            (None, None, Some(list)) => StatusRule::DefaultAnd(keys(list)),
            (None, None, None) => StatusRule::Default,
        }
    }

    /// The error for an export without a customer column.
    pub(crate) fn no_customer_error(&self, file: &str) -> Option<InputError> {
        self.no_customer.as_ref().map(|why| InputError::NoCustomer {
            file: file.to_owned(),
            profile: self.name.clone(),
            why: why.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_profile_parses_and_has_a_unique_name() {
        for (file, text) in BUILT_IN {
            let profile: Profile =
                toml::from_str(text).unwrap_or_else(|e| panic!("{file} does not parse: {e}"));
            assert_eq!(format!("{}.toml", profile.name), *file);
            assert!(
                !profile.detect.is_empty(),
                "{file}: nothing to detect it by"
            );
        }
        assert_eq!(built_in().len(), BUILT_IN.len());
    }

    #[test]
    fn detection_needs_every_detect_column_and_prefers_the_most_specific() {
        let header = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let shopify = header(&[
            "Name",
            "Email",
            "Financial Status",
            "Created at",
            "Total",
            "Lineitem quantity",
        ]);
        let found = ProfileChoice::Detect.for_header(&shopify);
        assert_eq!(found.map(|p| p.name.clone()).as_deref(), Some("shopify"));
        // One detect column missing: no profile.
        assert!(ProfileChoice::Detect.for_header(&shopify[..5]).is_none());
        assert!(ProfileChoice::None.for_header(&shopify).is_none());
    }

    #[test]
    fn profile_flag_takes_names_none_and_refuses_unknown_names() {
        assert_eq!(ProfileChoice::parse("none").ok(), Some(ProfileChoice::None));
        assert!(
            matches!(ProfileChoice::parse("Shopify"), Ok(ProfileChoice::Use(p)) if p.name == "shopify")
        );
        let err = ProfileChoice::parse("shopfy")
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert!(err.contains("shopify, woocommerce"), "{err}");
    }
}
