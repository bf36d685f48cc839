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
}

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum DateError {
    /// Not ISO 8601.
    #[error(
        "not an ISO 8601 date (YYYY-MM-DD); use --date-format for other layouts, e.g. --date-format '%d/%m/%Y'"
    )]
    NotIso,
    /// Does not match the user's pattern.
    #[error("does not match --date-format '{0}'")]
    NoMatch(String),
    /// A date outside the years rfm reads.
    #[error("outside the years 0000 to 9999")]
    Years,
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

/// The day number of a calendar date, `None` if there is no such date.
/// Without chrono, for the same reason as [`ymd`] (every row has a date);
/// the days-from-civil algorithm of Howard Hinnant, tested against chrono.
pub(crate) fn day_of(year: i32, month: u32, day: u32) -> Option<Day> {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days_in_month {
        return None;
    }
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400); // [0, 399]
    let mp = i64::from((month + 9) % 12); // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    Day::try_from(era * 146_097 + doe - 719_468).ok()
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

/// ` 14:05`, `T14:05:09`, `T14:05:09.123Z`, ` 14:05:09+01:00`, ...
fn is_iso_time(rest: &str) -> bool {
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
