//! Order dates.
//!
//! rfm works in whole calendar days: an order's date is the date as written
//! in the export, with any time of day dropped and no time-zone conversion
//! (a shop's export states its own local date, and converting would move
//! late-evening orders to another day). Dates are held as days since
//! 1970-01-01 (`i32`), which is what the aggregation works on.

use chrono::format::{Item, StrftimeItems};
use chrono::{FixedOffset, NaiveDate, TimeZone};
use std::fmt::Write;
use thiserror::Error;

/// Days since 1970-01-01 of the proleptic Gregorian calendar.
pub(crate) type Day = i32;

const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// How the date column is written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum DateFormat {
    /// ISO 8601: `2025-12-31`, `2025-12-31 14:05`, `2025-12-31T14:05:09.5+01:00`.
    #[default]
    Iso,
    /// A chrono strftime pattern such as `%d/%m/%Y %H:%M` (`--date-format`).
    Strftime(String),
    /// A numeric layout found in the data ([`sniff`]).
    Numeric(Layout),
    /// Dates with the month as a word, in any of rfm's seven languages
    /// (`Jun 28, 2024`, `28 giugno 2024`, `28. Juni 2024`), found in the data.
    Named,
}

/// The order of day, month and year in a numeric date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Order {
    /// 31/12/2025: most of Europe.
    Dmy,
    /// 12/31/2025: the United States.
    Mdy,
    /// 2025/12/31, 20251231.
    Ymd,
}

/// A numeric date layout: fields in `order`, separated by `sep` (none for
/// `YYYYMMDD`), day and month of one or two digits, the year of four digits
/// (or two when it comes last, as spreadsheet locales write it), and any
/// time of day after it (` 14:05`, ` 2:05 PM`, `T08:26:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Layout {
    pub(crate) order: Order,
    /// `/`, `.`, `-`, or `None` (only `Ymd`: `20251231`).
    pub(crate) sep: Option<u8>,
    /// The values seen had two-digit years (shown as `%y`; four digits are
    /// read all the same).
    pub(crate) short_year: bool,
}

impl Layout {
    /// The layout as a `--date-format` pattern, e.g. `%d/%m/%Y`.
    pub(crate) fn pattern(self) -> String {
        let sep = self
            .sep
            .map(char::from)
            .map(String::from)
            .unwrap_or_default();
        let year = if self.short_year { "%y" } else { "%Y" };
        let fields: [&str; 3] = match self.order {
            Order::Dmy => ["%d", "%m", year],
            Order::Mdy => ["%m", "%d", year],
            Order::Ymd => [year, "%m", "%d"],
        };
        fields.join(&sep)
    }

    /// Parses a value in this layout.
    fn parse(self, text: &str) -> Option<Day> {
        self.read(text).map(|(day, _)| day)
    }

    /// The day of a value in this layout, and whether its year had two digits.
    fn read(self, text: &str) -> Option<(Day, bool)> {
        let b = text.as_bytes();
        // Up to three runs of digits split by the separator, then the rest.
        let (fields, rest) = match self.sep {
            None => {
                if b.len() < 8 || !b[..8].iter().all(u8::is_ascii_digit) {
                    return None;
                }
                let n = |r: std::ops::Range<usize>| {
                    b[r].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
                };
                ([(n(0..4), 4), (n(4..6), 2), (n(6..8), 2)], &text[8..])
            }
            Some(sep) => {
                let mut fields = [(0u32, 0usize); 3];
                let mut at = 0;
                for (k, field) in fields.iter_mut().enumerate() {
                    let start = at;
                    while at < b.len() && b[at].is_ascii_digit() && at - start < 4 {
                        field.0 = field.0 * 10 + u32::from(b[at] - b'0');
                        at += 1;
                    }
                    field.1 = at - start;
                    if field.1 == 0 {
                        return None;
                    }
                    if k < 2 {
                        if b.get(at) != Some(&sep) {
                            return None;
                        }
                        at += 1;
                    }
                }
                (fields, &text[at..])
            }
        };
        let (year, month, day) = match self.order {
            Order::Dmy => (fields[2], fields[1], fields[0]),
            Order::Mdy => (fields[2], fields[0], fields[1]),
            Order::Ymd => (fields[0], fields[1], fields[2]),
        };
        let year_last = self.order != Order::Ymd;
        let year = match year.1 {
            4 => year.0,
            2 if year_last => two_digit_year(year.0),
            _ => return None,
        };
        let fields = [
            fields[0],
            fields[1],
            if year_last { fields[2] } else { (0, 4) },
        ];
        if month.1 > 2 || day.1 > 2 {
            return None;
        }
        let rest = rest.strip_prefix(',').unwrap_or(rest);
        if !(rest.is_empty() || is_iso_time(rest) || is_clock(rest)) {
            return None;
        }
        Some((
            day_of(year as i32, month.0, day.0)?,
            fields[2].1 == 2 && year_last,
        ))
    }
}

/// A time of day as spreadsheets write it after a date: ` 8:26`,
/// ` 14:05:09`, ` 2:05 PM`, ` 02:05:09 am` (hours of one or two digits, a
/// 12-hour clock with AM or PM); ISO times go through [`is_iso_time`].
fn is_clock(rest: &str) -> bool {
    let Some(time) = rest.strip_prefix(' ') else {
        return false;
    };
    let time = time.trim_end();
    let split = time
        .len()
        .checked_sub(2)
        .and_then(|i| Some((time.get(..i)?, time.get(i..)?)));
    let (clock, twelve) = match split {
        Some((clock, suffix))
            if suffix.eq_ignore_ascii_case("am") || suffix.eq_ignore_ascii_case("pm") =>
        {
            (clock.trim_end(), true)
        }
        _ => (time, false),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let number = |s: &str, digits: std::ops::RangeInclusive<usize>, max: u32| {
        digits.contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|v| v <= max)
    };
    let hours_ok = |h: &str| {
        if twelve {
            number(h, 1..=2, 12) && h.parse::<u32>().is_ok_and(|v| v >= 1)
        } else {
            number(h, 1..=2, 23)
        }
    };
    match parts.as_slice() {
        [h, m] => hours_ok(h) && number(m, 2..=2, 59),
        [h, m, sec] => hours_ok(h) && number(m, 2..=2, 59) && number(sec, 2..=2, 60),
        _ => false,
    }
}

/// Month names and abbreviations in English, Italian, Spanish, French,
/// German, Romanian and Catalan, folded (lower case, no accents), with the
/// month each means (no word means two different months in two languages).
const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("gennaio", 1),
    ("gen", 1),
    ("enero", 1),
    ("ene", 1),
    ("janvier", 1),
    ("janv", 1),
    ("januar", 1),
    ("janner", 1),
    ("ianuarie", 1),
    ("ian", 1),
    ("gener", 1),
    ("february", 2),
    ("feb", 2),
    ("febbraio", 2),
    ("febrero", 2),
    ("fevrier", 2),
    ("fevr", 2),
    ("fev", 2),
    ("februar", 2),
    ("februarie", 2),
    ("febrer", 2),
    ("febr", 2),
    ("march", 3),
    ("mar", 3),
    ("marzo", 3),
    ("mars", 3),
    ("marz", 3),
    ("mrz", 3),
    ("martie", 3),
    ("marc", 3),
    ("april", 4),
    ("apr", 4),
    ("aprile", 4),
    ("abril", 4),
    ("abr", 4),
    ("avril", 4),
    ("avr", 4),
    ("aprilie", 4),
    ("may", 5),
    ("maggio", 5),
    ("mag", 5),
    ("mayo", 5),
    ("mai", 5),
    ("maig", 5),
    ("june", 6),
    ("jun", 6),
    ("giugno", 6),
    ("giu", 6),
    ("junio", 6),
    ("juin", 6),
    ("juni", 6),
    ("iunie", 6),
    ("iun", 6),
    ("juny", 6),
    ("july", 7),
    ("jul", 7),
    ("luglio", 7),
    ("lug", 7),
    ("julio", 7),
    ("juillet", 7),
    ("juil", 7),
    ("juli", 7),
    ("iulie", 7),
    ("iul", 7),
    ("juliol", 7),
    ("august", 8),
    ("aug", 8),
    ("agosto", 8),
    ("ago", 8),
    ("aout", 8),
    ("agost", 8),
    ("ag", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("settembre", 9),
    ("set", 9),
    ("septiembre", 9),
    ("setiembre", 9),
    ("septembre", 9),
    ("septembrie", 9),
    ("setembre", 9),
    ("october", 10),
    ("oct", 10),
    ("ottobre", 10),
    ("ott", 10),
    ("octubre", 10),
    ("octobre", 10),
    ("oktober", 10),
    ("okt", 10),
    ("octombrie", 10),
    ("november", 11),
    ("nov", 11),
    ("novembre", 11),
    ("noviembre", 11),
    ("noiembrie", 11),
    ("noi", 11),
    ("december", 12),
    ("dec", 12),
    ("dicembre", 12),
    ("dic", 12),
    ("diciembre", 12),
    ("decembre", 12),
    ("dezember", 12),
    ("dez", 12),
    ("decembrie", 12),
    ("desembre", 12),
    ("des", 12),
];

/// Words between the parts of a written date: `28 de junio de 2024`,
/// `June 28th, 2024`, `le 28 juin`.
const FILLERS: &[&str] = &[
    "de", "del", "of", "the", "le", "el", "di", "d", "st", "nd", "rd", "th", "er", "re", "e",
];

/// A date with the month as a word: a day, a month name and a year of four
/// digits (or two, last), in either order of day and month, then any time
/// of day. Months in any of [`MONTHS`]' languages.
fn parse_named(text: &str) -> Option<Day> {
    let mut day = None;
    let mut month = None;
    let mut year = None;
    let mut rest = text;
    while year.is_none() {
        let trimmed = rest.trim_start_matches([' ', ',', '.', '-', '/', '\'', '\u{2019}']);
        if trimmed.is_empty() {
            break;
        }
        let end = trimmed
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(trimmed.len());
        let (token, after) = trimmed.split_at(end);
        rest = after;
        let digits = token.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            // `28th`: the number, if what follows the digits is an ordinal.
            let suffix = &token[digits.len()..];
            if !(suffix.is_empty() || FILLERS.contains(&suffix.to_ascii_lowercase().as_str())) {
                return None;
            }
            let n: u32 = digits.parse().ok()?;
            match (digits.len(), day, month) {
                (4, _, _) => year = Some(n),
                (1 | 2, None, _) => day = Some(n),
                // Day and month known: two digits are the year, last.
                (2, Some(_), Some(_)) => year = Some(two_digit_year(n)),
                _ => return None,
            }
            continue;
        }
        let word = crate::fold::fold(token);
        if FILLERS.contains(&word.as_str()) {
            continue;
        }
        let m = MONTHS.iter().find(|(name, _)| *name == word)?.1;
        if month.replace(m).is_some() {
            return None;
        }
    }
    let rest = rest.trim_start_matches([',']);
    if !(rest.is_empty() || is_iso_time(rest) || is_clock(rest)) {
        return None;
    }
    day_of(year? as i32, month?, day?)
}

/// The century of a two-digit year, as POSIX `strptime` and chrono's `%y`
/// read it: 69-99 are 1969-1999, 00-68 are 2000-2068.
fn two_digit_year(yy: u32) -> u32 {
    if yy >= 69 { 1900 + yy } else { 2000 + yy }
}

/// Why no layout was found for a column's dates.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum SniffError {
    /// Two layouts read every value (all days are 12 or less).
    #[error(
        "the dates (e.g. '{example}') read both as {first} and as {second}; say which with --date-format '{first}' or --date-format '{second}'"
    )]
    Ambiguous {
        /// A value both read.
        example: String,
        /// One layout.
        first: String,
        /// The other.
        second: String,
    },
}

/// The layouts a sample is tried in, most common first.
const LAYOUTS: [Layout; 10] = [
    Layout {
        order: Order::Dmy,
        sep: Some(b'/'),
        short_year: false,
    },
    Layout {
        order: Order::Mdy,
        sep: Some(b'/'),
        short_year: false,
    },
    Layout {
        order: Order::Dmy,
        sep: Some(b'.'),
        short_year: false,
    },
    Layout {
        order: Order::Dmy,
        sep: Some(b'-'),
        short_year: false,
    },
    Layout {
        order: Order::Mdy,
        sep: Some(b'-'),
        short_year: false,
    },
    Layout {
        order: Order::Mdy,
        sep: Some(b'.'),
        short_year: false,
    },
    Layout {
        order: Order::Ymd,
        sep: Some(b'/'),
        short_year: false,
    },
    Layout {
        order: Order::Ymd,
        sep: Some(b'.'),
        short_year: false,
    },
    Layout {
        order: Order::Ymd,
        sep: None,
        short_year: false,
    },
    Layout {
        order: Order::Ymd,
        sep: Some(b'-'),
        short_year: false,
    },
];

/// The layout of a column's dates, from a sample of its values (empty ones
/// skipped): ISO 8601 when every value is ISO (or the sample is empty);
/// otherwise the numeric layout that reads every value, with years from
/// 1900 to 2199 (a layout that makes 03/01/19 the year 19 is the wrong
/// one). Two such layouts (day and month both 12 or less everywhere) are an
/// error naming both, but for dotted dates, which are day first. When none reads every value, ISO stays, and the rows
/// that are not ISO are errors as before.
pub(crate) fn sniff<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<DateFormat, SniffError> {
    let values: Vec<&str> = values
        .into_iter()
        .map(crate::money::trim)
        .filter(|v| !v.is_empty())
        .collect();
    if values.iter().all(|v| parse_iso(v).is_some()) {
        return Ok(DateFormat::Iso);
    }
    let plausible = |d: Day| (1900..2200).contains(&ymd(d).0);
    // Per layout: the values it reads, and whether all their years had two digits.
    let fits: Vec<(Layout, usize)> = LAYOUTS
        .into_iter()
        .map(|layout| {
            let read: Vec<bool> = values
                .iter()
                .filter_map(|v| layout.read(v).filter(|(d, _)| plausible(*d)))
                .map(|(_, short)| short)
                .collect();
            let short_year = !read.is_empty() && read.iter().all(|&s| s);
            (
                Layout {
                    short_year,
                    ..layout
                },
                read.len(),
            )
        })
        .collect();
    let mut all: Vec<Layout> = fits
        .iter()
        .filter(|(_, n)| *n == values.len())
        .map(|(layout, _)| *layout)
        .collect();
    // Dotted dates are day first (31.12.2025: German, Swiss, Romanian...);
    // month first with dots is not a layout anyone writes, so a file of
    // early-month dates is not ambiguous.
    if all
        .iter()
        .any(|l| l.sep == Some(b'.') && l.order == Order::Dmy)
    {
        all.retain(|l| !(l.sep == Some(b'.') && l.order == Order::Mdy));
    }
    match all.as_slice() {
        [one] => Ok(DateFormat::Numeric(*one)),
        [first, second, ..] => Err(SniffError::Ambiguous {
            example: values
                .iter()
                .find(|v| first.parse(v) != second.parse(v))
                .or(values.first())
                .map(|v| (*v).to_owned())
                .unwrap_or_default(),
            first: first.pattern(),
            second: second.pattern(),
        }),
        // None reads every value: the one that reads most of them (at least
        // half), so the rows it does not read are errors naming it; else
        // ISO 8601, with its own hint.
        [] if values.iter().all(|v| parse_named(v).is_some_and(plausible)) => Ok(DateFormat::Named),
        [] => {
            let iso = values.iter().filter(|v| parse_iso(v).is_some()).count();
            let best = fits
                .iter()
                .filter(|(_, n)| 2 * n >= values.len() && *n > iso)
                .map(|(_, n)| *n)
                .max();
            let Some(best) = best else {
                return Ok(DateFormat::Iso);
            };
            // Two layouts reading as many values (a placeholder such as
            // 00/00/0000 among dates whose days are all 12 or less) are
            // as ambiguous as two reading all of them.
            let tied: Vec<Layout> = fits
                .iter()
                .filter(|(_, n)| *n == best)
                .map(|(layout, _)| *layout)
                .collect();
            match tied.as_slice() {
                [first, second, ..] => Err(SniffError::Ambiguous {
                    example: values
                        .iter()
                        .find(|v| first.parse(v).is_some() && first.parse(v) != second.parse(v))
                        .or(values.first())
                        .map(|v| (*v).to_owned())
                        .unwrap_or_default(),
                    first: first.pattern(),
                    second: second.pattern(),
                }),
                _ => Ok(DateFormat::Numeric(tied[0])),
            }
        }
    }
}

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum DateError {
    /// Not ISO 8601.
    #[error(
        "not an ISO 8601 date (YYYY-MM-DD), the layout of the file's first dates; --date-format sets another (e.g. '%d.%m.%Y %H:%M')"
    )]
    NotIso,
    /// Does not match the user's pattern.
    #[error("does not match --date-format '{0}'")]
    NoMatch(String),
    /// A date outside the years rfm reads.
    #[error("outside the years 0000 to 9999")]
    Years,
    /// Not in the layout found in the other values.
    #[error(
        "does not match the layout of the file's dates, {0} (found in its first rows); --date-format sets another"
    )]
    NotLayout(String),
}

/// The first day rfm reads, 0000-01-01 (ISO 8601 writes years with four
/// digits, and every input kind is held to the same years).
pub(crate) const FIRST_DAY: Day = -719_528;
/// The last day rfm reads, 9999-12-31.
pub(crate) const LAST_DAY: Day = 2_932_896;

/// Whether a day is within the years rfm reads ([`FIRST_DAY`] to
/// [`LAST_DAY`]).
pub(crate) fn in_years(day: Day) -> bool {
    (FIRST_DAY..=LAST_DAY).contains(&day)
}

impl DateFormat {
    /// Checks a strftime pattern up front, so a typo is a usage error and not
    /// an error on every row: the pattern must format a known date-time and
    /// read the same calendar date back (this rejects patterns without a year,
    /// month or day, `%s`, and literal `%%Y`).
    pub(crate) fn strftime(pattern: &str) -> Result<DateFormat, String> {
        if StrftimeItems::new(pattern).any(|item| matches!(item, Item::Error)) {
            return Err(format!("'{pattern}' is not a valid strftime pattern"));
        }
        let probe = FixedOffset::east_opt(3600)
            .and_then(|tz| tz.with_ymd_and_hms(2001, 2, 3, 4, 5, 6).single())
            .ok_or("internal: probe date")?;
        let mut text = String::new();
        let round_trip = write!(text, "{}", probe.format(pattern))
            .ok()
            .and_then(|()| NaiveDate::parse_from_str(&text, pattern).ok());
        if round_trip != Some(probe.date_naive()) {
            return Err(format!(
                "'{pattern}' does not read back as a calendar date; it needs a year, a month and a day (e.g. '%d/%m/%Y')"
            ));
        }
        Ok(DateFormat::Strftime(pattern.to_owned()))
    }

    /// Parses one field into a day number.
    pub(crate) fn parse(&self, text: &str) -> Result<Day, DateError> {
        let text = crate::money::trim(text);
        let date = match self {
            DateFormat::Iso => return parse_iso(text).ok_or(DateError::NotIso),
            DateFormat::Numeric(layout) => {
                return layout
                    .parse(text)
                    .ok_or_else(|| DateError::NotLayout(layout.pattern()));
            }
            DateFormat::Named => {
                return parse_named(text)
                    .ok_or_else(|| DateError::NotLayout("a day, a month name and a year".into()));
            }
            DateFormat::Strftime(pattern) => match NaiveDate::parse_and_remainder(text, pattern) {
                Ok((date, rest)) if rest.is_empty() || is_time_of_day(rest) => date,
                _ => return Err(DateError::NoMatch(pattern.clone())),
            },
        };
        Some(to_day(date))
            .filter(|&d| in_years(d))
            .ok_or(DateError::Years)
    }
}

/// Converts a calendar date to a day number.
pub(crate) fn to_day(date: NaiveDate) -> Day {
    chrono::Datelike::num_days_from_ce(&date) - UNIX_EPOCH_DAYS_FROM_CE
}

/// Converts a day number back to a calendar date.
pub(crate) fn from_day(day: Day) -> NaiveDate {
    // Day numbers only ever come from valid dates, and adding a day to the
    // latest purchase stays far inside chrono's range (year 262143).
    NaiveDate::from_num_days_from_ce_opt(day + UNIX_EPOCH_DAYS_FROM_CE).unwrap_or(NaiveDate::MAX)
}

/// The first year of [`YEAR_STARTS`], and how many it covers.
const TABLE_FROM: i32 = 1900;
const TABLE_YEARS: usize = 300;

/// The day number of January 1st of each year from [`TABLE_FROM`] (one
/// more, so that each year's length is known), by [`civil_days`].
static YEAR_STARTS: [Day; TABLE_YEARS + 1] = {
    let mut starts = [0; TABLE_YEARS + 1];
    let mut i = 0;
    while i <= TABLE_YEARS {
        starts[i] = civil_days(TABLE_FROM as u32 + i as u32, 1, 1);
        i += 1;
    }
    starts
};

/// Days in each month, in a common year and in a leap year.
const DAYS_IN_MONTH: [[u32; 12]; 2] = [
    [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
    [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
];

/// Days of the year before each month, in a common year and a leap year.
const BEFORE_MONTH: [[Day; 12]; 2] = [
    [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334],
    [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335],
];

/// The day number of a calendar date, `None` if there is no such date.
/// Without chrono, for the same reason as [`ymd`] (every row has a date):
/// the years 1900-2199 from the table of year starts, the others by the
/// days-from-civil algorithm of Howard Hinnant; tested against chrono.
pub(crate) fn day_of(year: i32, month: u32, day: u32) -> Option<Day> {
    // The years exports have, from tables: a lookup and an add instead of
    // the formula's chain of divisions (3 % of a 10M run's samples).
    if let Some(i) = year
        .checked_sub(TABLE_FROM)
        .and_then(|i| usize::try_from(i).ok())
        && i < TABLE_YEARS
        && (1..=12).contains(&month)
    {
        let (start, next) = (YEAR_STARTS[i], YEAR_STARTS[i + 1]);
        let leap = usize::from(next - start == 366);
        let m = month as usize - 1;
        if day == 0 || day > DAYS_IN_MONTH[leap][m] {
            return None;
        }
        return Some(start + BEFORE_MONTH[leap][m] + day as Day - 1);
    }
    if !(1..=12).contains(&month) {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    if day == 0 || day > DAYS_IN_MONTH[usize::from(leap)][month as usize - 1] {
        return None;
    }
    if (0..=9999).contains(&year) {
        return Some(civil_days(year as u32, month, day));
    }
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400); // [0, 399]
    let mp = i64::from((month + 9) % 12); // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    Day::try_from(era * 146_097 + doe - 719_468).ok()
}

/// [`day_of`]'s formula for a valid date of the years 0-9999, shifted by
/// 400 years (the calendar repeats every 400 years, 146,097 days) so that
/// it stays in unsigned 32-bit arithmetic; `const`, so that it also builds
/// [`YEAR_STARTS`].
const fn civil_days(year: u32, month: u32, day: u32) -> Day {
    let y = year + 400 - (month <= 2) as u32;
    let (era, yoe) = (y / 400, y % 400);
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe) as Day - 719_468 - 146_097
}

/// The (year, month, day) of a day number, without chrono: the output
/// writes two dates per customer, and this is several times faster than
/// going through `NaiveDate`. The civil-from-days algorithm of Howard
/// Hinnant (proleptic Gregorian, like chrono); tested against `from_day`.
pub(crate) fn ymd(day: Day) -> (i32, u32, u32) {
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March first
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m as u32, d as u32)
}

/// Parses `YYYY-MM-DD` (a command-line date).
pub(crate) fn parse_ymd(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{text}' is not a date like 2025-12-31"))
}

/// A time of day left over after a date-only pattern (` 14:05`, `T08:26:00Z`,
/// ` 2:05 PM`): dropped, as the time of day is everywhere else.
fn is_time_of_day(rest: &str) -> bool {
    let Some(time) = rest.strip_prefix([' ', 'T']) else {
        return false;
    };
    let time = time.trim();
    time.starts_with(|c: char| c.is_ascii_digit())
        && time.contains(':')
        && time
            .chars()
            .all(|c| c.is_ascii_digit() || ":.,+-Z ".contains(c) || "AaPpMm".contains(c))
}

/// `YYYY-MM-DD` followed by nothing, or by a valid ISO 8601 time of day.
fn parse_iso(text: &str) -> Option<Day> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = &b[r];
        if !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(s.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let date = day_of(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let rest = text.get(10..)?;
    if rest.is_empty() || is_iso_time(rest) {
        Some(date)
    } else {
        None
    }
}

/// The shapes nearly every export writes, ` 14:05:09` and ` 14:05` (or
/// with `T`), checked byte by byte: what [`is_iso_time`] accepts without
/// splitting the text (which allocated, on every row of a file with
/// times). Anything else is left to it.
fn is_plain_time(rest: &[u8]) -> bool {
    let two = |pair: &[u8], max: u8| match pair {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => (a - b'0') * 10 + (b - b'0') <= max,
        _ => false,
    };
    match rest {
        [b' ' | b'T' | b't', _, _, b':', _, _] => two(&rest[1..3], 23) && two(&rest[4..6], 59),
        [b' ' | b'T' | b't', _, _, b':', _, _, b':', _, _] => {
            two(&rest[1..3], 23) && two(&rest[4..6], 59) && two(&rest[7..9], 60)
        }
        _ => false,
    }
}

/// ` 14:05`, `T14:05:09`, `T14:05:09.123Z`, ` 14:05:09+01:00`, ...
fn is_iso_time(rest: &str) -> bool {
    is_plain_time(rest.as_bytes()) || is_any_iso_time(rest)
}

/// [`is_iso_time`], every shape.
fn is_any_iso_time(rest: &str) -> bool {
    let Some(time) = rest.strip_prefix(['T', 't', ' ']) else {
        return false;
    };
    let (clock, zone) = match time.find(['Z', 'z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let clock = clock.trim_end();
    let (hms, frac) = match clock.split_once(['.', ',']) {
        Some((h, f)) => (h, Some(f)),
        None => (clock, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    let two_digits = |s: &str, max: u32| {
        s.len() == 2
            && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|v| v <= max)
    };
    let clock_ok = match parts.as_slice() {
        [h, m] => two_digits(h, 23) && two_digits(m, 59) && frac.is_none(),
        // 24:00:00 is ISO's end of day; 60 seconds a leap second.
        [h, m, s] if *h == "24" => {
            *m == "00" && *s == "00" && frac.is_none_or(|f| f.bytes().all(|b| b == b'0'))
        }
        [h, m, s] => two_digits(h, 23) && two_digits(m, 59) && two_digits(s, 60),
        _ => false,
    };
    let frac_ok = frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    let zone_ok = match zone {
        "" | "Z" | "z" => true,
        z if z.starts_with(['Z', 'z']) => false,
        z => {
            // `+01`, `+0100`, `+01:00`, up to +-18:00 (the widest offset
            // ISO 8601 profiles and time-zone databases allow; real ones
            // run from -12:00 to +14:00).
            let digit = |b: &u8| b.is_ascii_digit().then(|| u32::from(b - b'0'));
            let (h, m) = match &z.as_bytes()[1..] {
                [h1, h2] => (digit(h1).zip(digit(h2)), Some((0, 0))),
                [h1, h2, m1, m2] | [h1, h2, b':', m1, m2] => {
                    (digit(h1).zip(digit(h2)), digit(m1).zip(digit(m2)))
                }
                _ => (None, None),
            };
            match (h, m) {
                (Some((h1, h2)), Some((m1, m2))) => {
                    let (hours, minutes) = (h1 * 10 + h2, m1 * 10 + m2);
                    minutes < 60 && hours * 60 + minutes <= 18 * 60
                }
                _ => false,
            }
        }
    };
    clock_ok && frac_ok && zone_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn sniffed(values: &[&str]) -> Result<String, SniffError> {
        sniff(values.iter().copied()).map(|f| match f {
            DateFormat::Iso => "iso".to_owned(),
            DateFormat::Numeric(layout) => layout.pattern(),
            DateFormat::Named => "named".to_owned(),
            DateFormat::Strftime(p) => p,
        })
    }

    /// The byte-by-byte check of the usual times agrees with the general
    /// one wherever it answers (it leaves `24:00:00` and the rest to it).
    #[test]
    fn plain_times_agree_with_the_general_check() {
        let mut checked = 0;
        for prefix in [" ", "T", "t", "x"] {
            for h in (0..100)
                .map(|h| format!("{h:02}"))
                .chain(["1".into(), "a1".into()])
            {
                for m in ["00", "07", "59", "60", "99", "5"] {
                    for s in ["", ":00", ":59", ":60", ":61", ":99", ":5", ":0a"] {
                        let text = format!("{prefix}{h}:{m}{s}");
                        let plain = is_plain_time(text.as_bytes());
                        if plain || h != "24" {
                            assert_eq!(plain, is_any_iso_time(&text), "{text:?}");
                        }
                        checked += usize::from(plain);
                    }
                }
            }
        }
        // 3 prefixes x 24 hours x 3 minutes x (no seconds + 3 seconds).
        assert_eq!(checked, 3 * 24 * 3 * 4);
        assert!(is_iso_time(" 24:00:00") && !is_plain_time(b" 24:00:00"));
    }

    #[test]
    fn layouts_are_found_in_the_values() {
        let ok = |values: &[&str], expected: &str| {
            assert_eq!(sniffed(values), Ok(expected.to_owned()), "{values:?}");
        };
        ok(&["2025-01-31", "2025-02-01 10:00", ""], "iso");
        ok(&[], "iso");
        // US: a month first, because 31 cannot be a month.
        ok(
            &["12/31/2023", "1/15/2024 10:05 AM", "2/3/2024"],
            "%m/%d/%Y",
        );
        // Europe, with the UCI export's original one-digit hours.
        ok(&["31/12/2023", "1/2/2024 8:26"], "%d/%m/%Y");
        ok(&["31.12.2023", "01.02.2024 14:05:09"], "%d.%m.%Y");
        ok(&["31-12-2023", "01-02-2024"], "%d-%m-%Y");
        ok(&["2023/12/31", "2024/2/1"], "%Y/%m/%d");
        ok(&["20231231", "20240201"], "%Y%m%d");
        // Two-digit years, last, read 19 as 2019; the year 0019 is never a
        // plausible reading.
        ok(&["03/01/19", "25/12/19"], "%d/%m/%y");
        // One value that fits nothing: the layout of the others.
        ok(&["31.12.2023", "1.2.2024", "2024-02-01"], "%d.%m.%Y");
        // Mostly ISO with a damaged value: ISO.
        ok(&["2025-01-10 09:00:00", "2025-01-11 09:00:x0"], "iso");
        // Month names, in any of the seven languages, either order.
        ok(
            &["Jun 28, 2024 11:59:59 PM", "Mar 2, 2024 08:30:45 AM"],
            "named",
        );
        ok(&["28 giugno 2024", "1 dicembre 2023"], "named");
        ok(
            &[
                "28 de junio de 2024",
                "3. März 2024",
                "4 iunie 2024",
                "5 de juny de 2024",
            ],
            "named",
        );
        // A comma before the time, as spreadsheets export.
        ok(
            &["12/31/2023, 2:05:09 PM", "1/2/2024, 10:00 AM"],
            "%m/%d/%Y",
        );
        // Nothing fits half of them: ISO, whose rows then fail.
        ok(&["soon", "later", "31/12/2023"], "iso");
    }

    #[test]
    fn month_names_in_seven_languages() {
        let d = |y, m, dd| day_of(y, m, dd);
        for (text, expected) in [
            ("Jun 28, 2024 11:59:59 PM", d(2024, 6, 28)),
            ("June 28th, 2024", d(2024, 6, 28)),
            ("28-Jun-24", d(2024, 6, 28)),
            ("28 giugno 2024", d(2024, 6, 28)),
            ("28 de junio de 2024", d(2024, 6, 28)),
            ("28 juin 2024", d(2024, 6, 28)),
            ("1er", None),
            ("28. Juni 2024 14:05", d(2024, 6, 28)),
            ("3 MÄRZ 2024", d(2024, 3, 3)),
            ("28 iunie 2024", d(2024, 6, 28)),
            ("28 de juny de 2024", d(2024, 6, 28)),
            ("1 août 2024", d(2024, 8, 1)),
            ("1er juin 2024", d(2024, 6, 1)),
            ("5 d'agost de 2024", d(2024, 8, 5)),
            ("3. Mrz 2024", d(2024, 3, 3)),
            ("31 febbraio 2024", None),
            ("Monday 28 June 2024", None),
            ("June 2024", None),
            ("28 June 2024 and more", None),
        ] {
            assert_eq!(parse_named(text), expected, "{text}");
        }
        // No word stands for two months.
        let mut seen = std::collections::HashMap::new();
        for (name, month) in MONTHS {
            assert_eq!(*seen.entry(*name).or_insert(*month), *month, "{name}");
        }
    }

    #[test]
    fn a_sample_that_fits_two_layouts_names_both() {
        // A placeholder that neither reads does not break the tie.
        let err = sniffed(&["01/02/2024", "03/04/2024", "00/00/0000"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("read both as %d/%m/%Y and as %m/%d/%Y"),
            "{err}"
        );
        let err = sniffed(&["03/01/2019", "05/12/2019", "05/12/2019"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the dates (e.g. '03/01/2019') read both as %d/%m/%Y and as %m/%d/%Y; say which with --date-format '%d/%m/%Y' or --date-format '%m/%d/%Y'"
        );
    }

    #[test]
    fn numeric_layouts_read_dates_and_refuse_the_rest() {
        let dmy = Layout {
            order: Order::Dmy,
            sep: Some(b'/'),
            short_year: false,
        };
        let d = |y, m, dd| day_of(y, m, dd);
        assert_eq!(dmy.parse("31/12/2023"), d(2023, 12, 31));
        assert_eq!(dmy.parse("1/2/24"), d(2024, 2, 1));
        assert_eq!(dmy.parse("1/2/69"), d(1969, 2, 1));
        assert_eq!(dmy.parse("1/2/68"), d(2068, 2, 1));
        assert_eq!(dmy.parse("31/12/2023 23:59:60"), d(2023, 12, 31));
        assert_eq!(dmy.parse("31/12/2023 12:00 PM"), d(2023, 12, 31));
        for bad in [
            "31/13/2023",
            "32/12/2023",
            "31/12/223",
            "31/12/20233",
            "31/12/2023 25:00",
            "31/12/2023 13:00 PM",
            "31/12/2023x",
            "31-12-2023",
            "/12/2023",
            "31/12/2023 10:0\u{ce}0",
        ] {
            assert_eq!(dmy.parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_years_read_are_0000_to_9999() {
        assert_eq!(day_of(0, 1, 1), Some(FIRST_DAY));
        assert_eq!(day_of(9999, 12, 31), Some(LAST_DAY));
        assert_eq!(day_of(1970, 1, 1), Some(0));
        assert!(!in_years(FIRST_DAY - 1) && !in_years(LAST_DAY + 1));
        let f = DateFormat::strftime("%d/%m/%Y").unwrap();
        assert_eq!(f.parse("31/12/9999"), Ok(LAST_DAY));
        // chrono reads a year past 9999 only with its sign.
        assert_eq!(f.parse("01/01/+10000"), Err(DateError::Years));
    }

    #[test]
    fn time_zone_offsets_are_real_ones() {
        let iso = DateFormat::Iso;
        for ok in [
            "2025-01-02T10:00:00+01:00",
            "2025-01-02T10:00:00-0530",
            "2025-01-02T10:00:00+14",
            "2025-01-02 10:00+18:00",
            "2025-01-02T10:00:00-18:00",
        ] {
            assert!(iso.parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "2025-01-02T10:00:00+25:00",
            "2025-01-02T10:00:00+99:99",
            "2025-01-02T10:00:00-24:00",
            "2025-01-02T10:00:00+18:01",
            "2025-01-02T10:00:00+01:60",
            "2025-01-02T10:00:00+01:",
            "2025-01-02T10:00:00+1:00",
        ] {
            assert_eq!(iso.parse(bad), Err(DateError::NotIso), "{bad}");
        }
    }

    #[test]
    fn day_of_agrees_with_chrono() {
        for year in [
            0, 1, 1600, 1700, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999,
        ] {
            for month in 0..=13 {
                for day in 0..=32 {
                    let expected = NaiveDate::from_ymd_opt(year, month, day).map(to_day);
                    assert_eq!(day_of(year, month, day), expected, "{year}-{month}-{day}");
                }
            }
        }
        // Every year of the unsigned path and either side of it, at the
        // days where months and leap years differ.
        for year in -401..=10_000 {
            for month in 1..=12 {
                for day in [1, 28, 29, 30, 31] {
                    let expected = NaiveDate::from_ymd_opt(year, month, day).map(to_day);
                    assert_eq!(day_of(year, month, day), expected, "{year}-{month}-{day}");
                }
            }
        }
    }

    #[test]
    fn ymd_agrees_with_chrono() {
        // Every day from 1600 to 2400 (leap centuries both ways), and far out.
        let start = to_day(NaiveDate::from_ymd_opt(1600, 1, 1).unwrap());
        let end = to_day(NaiveDate::from_ymd_opt(2400, 12, 31).unwrap());
        let far = [-719_162, -800_000, 2_932_896, 90_000_000];
        for day in (start..=end).chain(far) {
            let date = from_day(day);
            assert_eq!(
                super::ymd(day),
                (date.year(), date.month(), date.day()),
                "{day}"
            );
        }
    }

    fn iso(s: &str) -> Result<NaiveDate, DateError> {
        DateFormat::Iso.parse(s).map(from_day)
    }
    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn day_numbers_round_trip() {
        assert_eq!(to_day(ymd(1970, 1, 1)), 0);
        assert_eq!(to_day(ymd(1970, 1, 2)), 1);
        assert_eq!(to_day(ymd(1969, 12, 31)), -1);
        assert_eq!(from_day(to_day(ymd(2011, 12, 9))), ymd(2011, 12, 9));
        assert_eq!(to_day(ymd(2011, 12, 10)) - to_day(ymd(2010, 12, 1)), 374);
    }

    #[test]
    fn iso_dates_and_times() {
        for s in [
            "2011-12-09",
            "2011-12-09 08:26",
            "2011-12-09 08:26:00",
            "2011-12-09T08:26:00",
            "2011-12-09T08:26:00Z",
            "2011-12-09T23:26:00.123+01:00",
            "2011-12-09T23:26:00-0500",
            " 2011-12-09 ",
        ] {
            assert_eq!(iso(s), Ok(ymd(2011, 12, 9)), "{s}");
        }
    }

    #[test]
    fn iso_rejects() {
        for s in [
            "",
            "2011-13-01",
            "2011-02-30",
            "09/12/2011",
            "2011-12-9",
            "2011-12-09 8:26",
            "2011-12-09x",
            "2011-12-09 25:00",
            "2011-12-09 24:59:60",
            "2011-12-09T08:26Z05",
            "2011-12-09T08:26:00+1",
            "2011-12-09\u{e9}",
            "20111209",
        ] {
            assert_eq!(iso(s), Err(DateError::NotIso), "{s}");
        }
    }

    #[test]
    fn strftime_patterns() {
        let f = DateFormat::strftime("%d/%m/%Y").unwrap();
        assert_eq!(f.parse("31/12/2025").map(from_day), Ok(ymd(2025, 12, 31)));
        assert!(f.parse("12/31/2025").is_err());
        let f = DateFormat::strftime("%d/%m/%Y %H:%M").unwrap();
        assert_eq!(
            f.parse("01/02/2025 23:59").map(from_day),
            Ok(ymd(2025, 2, 1))
        );
        let f = DateFormat::strftime("%m/%d/%Y %H:%M").unwrap();
        assert_eq!(
            f.parse("12/1/2010 8:26").map(from_day),
            Ok(ymd(2010, 12, 1))
        );
    }

    #[test]
    fn strftime_pattern_checks() {
        for bad in [
            "%d/%m/%Q",
            "%d/%m",
            "%Y",
            "%Y-%m",
            "%s",
            "%%Y-%m-%d",
            "%H:%M",
        ] {
            assert!(DateFormat::strftime(bad).is_err(), "{bad}");
        }
        for good in [
            "%F",
            "%d/%m/%Y",
            "%d.%m.%y",
            "%Y-%m-%dT%H:%M:%S%z",
            "%e %b %Y",
            "%m/%d/%Y %I:%M %p",
        ] {
            assert!(DateFormat::strftime(good).is_ok(), "{good}");
        }
        let f = DateFormat::strftime("%Y-%m-%dT%H:%M:%S%z").unwrap();
        assert_eq!(
            f.parse("2025-03-01T23:30:00-0500").map(from_day),
            Ok(ymd(2025, 3, 1))
        );
    }

    #[test]
    fn command_line_dates() {
        assert_eq!(parse_ymd("2025-12-31"), Ok(ymd(2025, 12, 31)));
        assert!(parse_ymd("31/12/2025").is_err());
    }
}
