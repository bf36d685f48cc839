//! Exact decimal money.
//!
//! Why not `f64`: binary floating point cannot represent 0.10 exactly, and a
//! sum of floats depends on the order of the additions, so the same export
//! shuffled could print a different monetary value. rfm promises results that
//! are correct to the last cent and independent of row order, so every amount
//! is parsed into a scaled integer ([`Decimal`]: a mantissa and a number of
//! decimals) and all amounts of a run are brought to one common scale
//! ([`rescale`]). Sums are then plain integer additions, exact and
//! associative. Rounding happens once, when a value is printed
//! ([`format_scaled`]), half away from zero.
//!
//! The parser accepts what spreadsheets and shop exports write: thousands
//! separators (`1,234.50`, `1 234,50`, `1'234.50`), currency symbols and codes
//! before or after the number (`$1,234.50`, `1 234,50 EUR`), a leading or
//! trailing minus and accounting parentheses for negatives. It refuses
//! anything ambiguous rather than guessing: `12,50` without `--decimal-comma`
//! is an error that suggests the flag, never silently 1250.

use thiserror::Error;

/// The largest number of decimals an amount may carry.
pub(crate) const MAX_SCALE: u8 = 18;

/// The largest number of significant digits an amount may carry (so that
/// its mantissa always fits an `i64`).
pub(crate) const MAX_DIGITS: usize = 18;

/// Which character separates the integer part from the decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum DecimalSeparator {
    /// `1,234.56` (the default).
    #[default]
    Point,
    /// `1.234,56` (`--decimal-comma`).
    Comma,
}

/// What a sample of amounts says about their decimal separator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SeparatorFound {
    /// Some value reads only with this one, and none only with the other.
    Decided(DecimalSeparator),
    /// Every value reads both ways, and this one differently (`1.250`:
    /// 1.25 or 1250).
    Either(String),
    /// Nothing tells (whole numbers, or values that read only one way in
    /// both directions).
    Nothing,
}

/// The decimal separator of a column's amounts, from a sample of them: a
/// comma when some value reads only with a decimal comma (`12,50`,
/// `1.234,56`) and none only with a point (`1,234.50`, `12.5`); a point
/// in the opposite case. When every value reads both ways, the first one
/// that reads differently (`1.250`) is returned for the caller to decide.
pub(crate) fn sniff_separator<'a>(values: impl IntoIterator<Item = &'a str>) -> SeparatorFound {
    let (mut comma, mut point) = (false, false);
    let mut differs = None;
    for v in values {
        let with_point = Decimal::parse(v, DecimalSeparator::Point).ok();
        let with_comma = Decimal::parse(v, DecimalSeparator::Comma).ok();
        match (with_point, with_comma) {
            (Some(_), None) => point = true,
            (None, Some(_)) => comma = true,
            (Some(a), Some(b)) if a != b && differs.is_none() => differs = Some(v.to_owned()),
            _ => {}
        }
    }
    match (comma, point, differs) {
        (true, false, _) => SeparatorFound::Decided(DecimalSeparator::Comma),
        (false, true, _) | (true, true, _) => SeparatorFound::Decided(DecimalSeparator::Point),
        (false, false, Some(v)) => SeparatorFound::Either(v),
        (false, false, None) => SeparatorFound::Nothing,
    }
}

impl DecimalSeparator {
    /// The separator character.
    pub(crate) fn char(self) -> char {
        match self {
            DecimalSeparator::Point => '.',
            DecimalSeparator::Comma => ',',
        }
    }
}

/// An exact decimal number: `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    /// The digits as an integer.
    pub(crate) mantissa: i64,
    /// The number of decimals.
    pub(crate) scale: u8,
}

/// Why a text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum AmountError {
    /// Not a number at all (or an empty field).
    #[error("not a number")]
    NotANumber,
    /// Parses only with the other decimal separator.
    #[error("not a number with a decimal point (for amounts like 1.234,56 use --decimal-comma)")]
    NeedsDecimalComma,
    /// Parses only with the decimal point.
    #[error("not a number with a decimal comma (amounts look like 1,234.56: drop --decimal-comma)")]
    NeedsDecimalPoint,
    /// More digits than an exact 64-bit mantissa holds.
    #[error("too many digits (at most 18 significant digits and 18 decimals)")]
    TooManyDigits,
}

impl Decimal {
    /// Zero.
    pub(crate) const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };
    /// One.
    pub(crate) const ONE: Decimal = Decimal {
        mantissa: 1,
        scale: 0,
    };

    /// Parses an amount as written in an export (see the module docs).
    pub(crate) fn parse(text: &str, separator: DecimalSeparator) -> Result<Decimal, AmountError> {
        if let Some(d) = parse_plain(text.as_bytes(), separator.char() as u8) {
            return Ok(d);
        }
        match parse_with(text, separator) {
            Ok(d) => Ok(d),
            Err(AmountError::NotANumber) => {
                let other = match separator {
                    DecimalSeparator::Point => DecimalSeparator::Comma,
                    DecimalSeparator::Comma => DecimalSeparator::Point,
                };
                if parse_with(text, other).is_ok() {
                    Err(match separator {
                        DecimalSeparator::Point => AmountError::NeedsDecimalComma,
                        DecimalSeparator::Comma => AmountError::NeedsDecimalPoint,
                    })
                } else {
                    Err(AmountError::NotANumber)
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The exact product, or `None` when it does not fit.
    pub(crate) fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        let mantissa = self.mantissa.checked_mul(other.mantissa)?;
        let scale = self.scale + other.scale;
        normalize(mantissa, scale)
    }
}

/// The common case without allocation: `-?digits(.digits)?` with no
/// grouping, at most 18 digits. Anything else goes to the full parser.
///
/// The value's smallest exact scale comes from the text: trailing zero
/// decimals are left out before the digits are read, so no division
/// strips them afterwards, and the two halves are read by loops without
/// the decimal separator's branch (which mispredicted on every amount).
fn parse_plain(text: &[u8], decimal: u8) -> Option<Decimal> {
    let (negative, body) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if body.is_empty() || body.len() > MAX_DIGITS + 1 {
        return None;
    }
    let (whole, fraction) = match body.iter().position(|&b| b == decimal) {
        Some(at) => (&body[..at], &body[at + 1..]),
        None => (body, &[][..]),
    };
    // 19 digits could overflow: the full parser says why.
    if whole.len() + fraction.len() > MAX_DIGITS || whole.len() + fraction.len() == 0 {
        return None;
    }
    let significant = fraction.len() - fraction.iter().rev().take_while(|&&b| b == b'0').count();
    let digits = |mantissa: i64, part: &[u8]| {
        part.iter().try_fold(mantissa, |m, &b| {
            let digit = b.wrapping_sub(b'0');
            (digit <= 9).then(|| m * 10 + i64::from(digit))
        })
    };
    // What is left out is zeros only, so reading the rest checks every byte.
    let mantissa = digits(digits(0, whole)?, &fraction[..significant])?;
    let scale = significant as u8;
    (scale <= MAX_SCALE).then_some(Decimal {
        mantissa: if negative { -mantissa } else { mantissa },
        scale,
    })
}

/// Removes trailing zero decimals so values carry their smallest exact scale;
/// `None` when even then the scale exceeds [`MAX_SCALE`].
fn normalize(mut mantissa: i64, mut scale: u8) -> Option<Decimal> {
    while scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    (scale <= MAX_SCALE).then_some(Decimal { mantissa, scale })
}

/// `str::trim`, with a shortcut for the usual field that starts and ends
/// with a visible ASCII character (Unicode white space is either ASCII at or
/// below `' '` or not ASCII, so the shortcut never changes the result).
pub(crate) fn trim(text: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x80);
    let bytes = text.as_bytes();
    if visible(bytes.first()) && visible(bytes.last()) {
        text
    } else {
        text.trim()
    }
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}'
}

/// `$`, `¢`, `£`, `¤`, `¥` and the Unicode currency-symbol block (`€`, `₹`, `₽`, ...).
fn is_currency_symbol(c: char) -> bool {
    matches!(c, '$' | '¢' | '£' | '¤' | '¥' | '\u{20a0}'..='\u{20cf}')
}

/// Characters that belong to the number itself (digits, signs, separators).
fn is_number_char(c: char) -> bool {
    c.is_ascii_digit()
        || matches!(
            c,
            '+' | '-' | '\u{2212}' | '(' | ')' | '.' | ',' | '\'' | '\u{2019}'
        )
        || is_space(c)
}

/// Local currency abbreviations that are not three-letter ISO codes.
const LOCAL_CURRENCIES: &[&str] = &[
    "kr", "kč", "zł", "ft", "lei", "lv", "лв", "руб", "fr", "rs", "din",
];

/// Whether a run of non-number characters next to the number is a currency:
/// one symbol (`€`), a symbol with up to three letters (`R$`, `US$`), an
/// upper-case three-letter code (`EUR`) or a known local abbreviation (`kr`).
/// Anything else (`pcs`, `k`, `e`, `CR`) makes the field not a number.
fn is_currency(token: &str) -> bool {
    let symbols = token.chars().filter(|&c| is_currency_symbol(c)).count();
    let letters: String = token.chars().filter(|c| c.is_alphabetic()).collect();
    if symbols + letters.chars().count() != token.chars().count() {
        return false;
    }
    match (symbols, letters.chars().count()) {
        (1, 0..=3) => true,
        (0, 3) if letters.chars().all(|c| c.is_ascii_uppercase()) => true,
        (0, _) => LOCAL_CURRENCIES.contains(&letters.to_lowercase().as_str()),
        _ => false,
    }
}

/// Splits a leading currency token off `body`: `Ok(None)` when there is none.
fn leading_currency(body: &str) -> Result<Option<&str>, AmountError> {
    let end = body.find(is_number_char).unwrap_or(body.len());
    if end == 0 {
        return Ok(None);
    }
    if is_currency(&body[..end]) {
        Ok(Some(&body[end..]))
    } else {
        Err(AmountError::NotANumber)
    }
}

/// Splits a trailing currency token off `body`: `Ok(None)` when there is none.
fn trailing_currency(body: &str) -> Result<Option<&str>, AmountError> {
    let start = body.rfind(is_number_char).map_or(0, |i| {
        i + body[i..].chars().next().map_or(1, char::len_utf8)
    });
    if start == body.len() {
        return Ok(None);
    }
    if is_currency(&body[start..]) {
        Ok(Some(&body[..start]))
    } else {
        Err(AmountError::NotANumber)
    }
}

fn parse_with(text: &str, separator: DecimalSeparator) -> Result<Decimal, AmountError> {
    let mut body = text.trim_matches(is_space);
    // A leading apostrophe keeps a spreadsheet from reading the cell as a
    // formula (WooCommerce Analytics writes `'-20`).
    if let Some(rest) = body.strip_prefix('\'') {
        body = rest.trim_start_matches(is_space);
    }
    let mut negative = false;
    let mut signed = false;
    if let Some(inner) = body.strip_prefix('(').and_then(|b| b.strip_suffix(')')) {
        negative = true;
        signed = true;
        body = inner;
    }
    // Peel currency markers and one sign off both ends, in any order
    // (`-$1.00`, `$-1.00`, `1.00 EUR-`). U+2212 is the minus sign some
    // spreadsheets write.
    loop {
        let before = body.len();
        body = body.trim_matches(is_space);
        if let Some(rest) = leading_currency(body)? {
            body = rest.trim_start_matches(is_space);
        }
        if let Some(rest) = trailing_currency(body)? {
            body = rest.trim_end_matches(is_space);
        }
        for (sign, is_minus) in [('-', true), ('\u{2212}', true), ('+', false)] {
            if let Some(rest) = body.strip_prefix(sign).or_else(|| body.strip_suffix(sign)) {
                if signed {
                    return Err(AmountError::NotANumber);
                }
                signed = true;
                negative = is_minus;
                body = rest;
            }
        }
        if body.len() == before {
            break;
        }
    }
    let decimal = separator.char();
    let (int_part, frac_part) = match body.split_once(decimal) {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let frac = frac_part.unwrap_or("");
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AmountError::NotANumber);
    }
    let int_digits = strip_grouping(int_part, separator)?;
    if int_digits.is_empty() && frac.is_empty() {
        return Err(AmountError::NotANumber);
    }
    let frac = frac.trim_end_matches('0');
    let significant = format!("{int_digits}{frac}");
    if frac.len() > MAX_SCALE as usize || significant.trim_start_matches('0').len() > MAX_DIGITS {
        return Err(AmountError::TooManyDigits);
    }
    // At most 18 significant digits: the mantissa fits an i64.
    let mut mantissa: i64 = 0;
    for b in significant.bytes() {
        mantissa = mantissa * 10 + i64::from(b - b'0');
    }
    if negative {
        mantissa = -mantissa;
    }
    Ok(Decimal {
        mantissa,
        scale: frac.len() as u8,
    })
}

/// Returns the integer digits without thousands separators, checking that
/// groups are well formed: `1,234,567` (1-3 digits not starting with 0, then
/// groups of exactly 3) or the Indian `12,34,567` (1-2 digits, groups of 2,
/// a last group of 3). `0,500` is therefore refused, not read as 500.
fn strip_grouping(int_part: &str, separator: DecimalSeparator) -> Result<String, AmountError> {
    if int_part.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(int_part.to_owned());
    }
    let group_char = int_part
        .chars()
        .find(|c| !c.is_ascii_digit())
        .ok_or(AmountError::NotANumber)?;
    let allowed = match separator {
        DecimalSeparator::Point => [',', ' ', '\u{a0}', '\u{202f}', '\u{2009}', '\'', '\u{2019}'],
        DecimalSeparator::Comma => ['.', ' ', '\u{a0}', '\u{202f}', '\u{2009}', '\'', '\u{2019}'],
    };
    if !allowed.contains(&group_char) {
        return Err(AmountError::NotANumber);
    }
    let groups: Vec<&str> = int_part.split(group_char).collect();
    if !groups
        .iter()
        .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(AmountError::NotANumber);
    }
    let (first, rest) = groups.split_first().ok_or(AmountError::NotANumber)?;
    let western = (1..=3).contains(&first.len()) && rest.iter().all(|g| g.len() == 3);
    let indian = (1..=2).contains(&first.len())
        && rest
            .split_last()
            .is_some_and(|(last, middle)| last.len() == 3 && middle.iter().all(|g| g.len() == 2));
    if first.starts_with('0') || !(western || indian) {
        return Err(AmountError::NotANumber);
    }
    Ok(groups.concat())
}

/// `10^exp` as an `i128` (`exp` <= 38).
pub(crate) fn pow10(exp: u32) -> i128 {
    // A lookup: the input layer scales every row's amount (`10i128.pow`
    // was 6 % of a worker's row handling on the 10M benchmark).
    const POWERS: [i128; 39] = {
        let mut powers = [1i128; 39];
        let mut i = 1;
        while i < powers.len() {
            powers[i] = powers[i - 1] * 10;
            i += 1;
        }
        powers
    };
    match POWERS.get(exp as usize) {
        Some(&power) => power,
        None => 10i128.pow(exp),
    }
}

/// Brings a mantissa from scale `from` to the larger scale `to`, or `None`
/// when the result does not fit in an `i64`.
pub(crate) fn rescale(mantissa: i64, from: u8, to: u8) -> Option<i64> {
    debug_assert!(from <= to);
    let factor = 10i64.checked_pow(u32::from(to - from))?;
    mantissa.checked_mul(factor)
}

/// Divides, rounding half away from zero. `den` must be positive.
pub(crate) fn round_div(num: i128, den: i128) -> i128 {
    debug_assert!(den > 0);
    let q = num / den;
    let r = num % den;
    if 2 * r.abs() >= den {
        q + num.signum()
    } else {
        q
    }
}

/// Formats `value / 10^scale` with exactly `decimals` decimals, rounding half
/// away from zero: `format_scaled(12345, 3, 2, '.') == "12.35"`.
pub(crate) fn format_scaled(value: i128, scale: u8, decimals: u8, separator: char) -> String {
    let mut out = String::new();
    write_scaled(value, scale, decimals, separator, &mut out);
    out
}

/// Formats the quotient `num / den` (of values at `scale`) with `decimals`
/// decimals, rounding half away from zero. `den` must be positive.
pub(crate) fn format_quotient(
    num: i128,
    den: i128,
    scale: u8,
    decimals: u8,
    separator: char,
) -> String {
    format_fixed(
        quotient_units(num, den, scale, decimals),
        decimals,
        separator,
    )
}

/// The quotient `num / den` (of values at `scale`) as an integer count of
/// `10^-decimals`, rounded half away from zero. `den` must be positive.
pub(crate) fn quotient_units(num: i128, den: i128, scale: u8, decimals: u8) -> i128 {
    round_div(
        num * pow10(u32::from(decimals)),
        den * pow10(u32::from(scale)),
    )
}

/// `value / 10^scale` as an integer count of `10^-decimals`, rounded half
/// away from zero: `scaled_units(12345, 3, 2) == 1235`.
pub(crate) fn scaled_units(value: i128, scale: u8, decimals: u8) -> i128 {
    if decimals >= scale {
        value * pow10(u32::from(decimals - scale))
    } else {
        round_div(value, pow10(u32::from(scale - decimals)))
    }
}

/// Appends `value / 10^scale` with exactly `decimals` decimals, rounded half
/// away from zero, to `out` (without allocating; [`format_scaled`] returns it
/// as a `String`).
pub(crate) fn write_scaled(
    value: i128,
    scale: u8,
    decimals: u8,
    separator: char,
    out: &mut String,
) {
    let shown = scaled_units(value, scale, decimals);
    // The digits of |shown| in one piece (itoa's two-digit table; u64
    // first, as 128-bit division is a library call), then split at the
    // separator: writing them a digit at a time was most of the time of
    // writing a decimal.
    let mut buffer = itoa::Buffer::new();
    let magnitude = shown.unsigned_abs();
    let digits = match u64::try_from(magnitude) {
        Ok(small) => buffer.format(small),
        Err(_) => buffer.format(magnitude),
    };
    let decimals = usize::from(decimals);
    if shown < 0 {
        out.push('-');
    }
    match digits.len().checked_sub(decimals) {
        Some(whole) if whole > 0 => {
            out.push_str(&digits[..whole]);
            if decimals > 0 {
                out.push(separator);
                out.push_str(&digits[whole..]);
            }
        }
        // |value| < 1: a zero before the separator and zeros after it.
        _ => {
            out.push('0');
            if decimals > 0 {
                out.push(separator);
                out.extend(std::iter::repeat_n('0', decimals - digits.len()));
                out.push_str(digits);
            }
        }
    }
}

/// Formats an integer count of `10^-decimals` units: `format_fixed(-5, 2, '.') == "-0.05"`.
pub(crate) fn format_fixed(units: i128, decimals: u8, separator: char) -> String {
    let digits = units.unsigned_abs().to_string();
    let decimals = usize::from(decimals);
    let padded = if digits.len() <= decimals {
        format!("{}{}", "0".repeat(decimals + 1 - digits.len()), digits)
    } else {
        digits
    };
    let (int, frac) = padded.split_at(padded.len() - decimals);
    let sign = if units < 0 { "-" } else { "" };
    if decimals == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}{separator}{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table against repeated multiplication, up to the largest power
    /// an `i128` holds.
    #[test]
    fn pow10_is_ten_multiplied_exp_times() {
        let mut expected = 1i128;
        for exp in 0..=38 {
            assert_eq!(pow10(exp), expected, "10^{exp}");
            expected = expected.checked_mul(10).unwrap_or(i128::MAX);
        }
    }

    #[test]
    fn the_decimal_separator_is_found_in_the_values() {
        use DecimalSeparator::{Comma, Point};
        use SeparatorFound::{Decided, Either, Nothing};
        assert_eq!(sniff_separator(["12,50", "1.234,56", "7"]), Decided(Comma));
        assert_eq!(sniff_separator(["12.50", "1,234.56", "7"]), Decided(Point));
        assert_eq!(sniff_separator(["1.234", "3,5"]), Decided(Comma));
        // Both kinds: a point, whose rows with commas then fail, naming the flag.
        assert_eq!(sniff_separator(["12,50", "12.5"]), Decided(Point));
        // Every value reads both ways, 1.250 differently: the caller decides.
        assert_eq!(
            sniff_separator(["1.250", "350", "2.000"]),
            Either("1.250".into())
        );
        assert_eq!(sniff_separator(["12", "7"]), Nothing);
        assert_eq!(sniff_separator([]), Nothing);
    }

    fn p(s: &str) -> Result<(i64, u8), AmountError> {
        Decimal::parse(s, DecimalSeparator::Point).map(|d| (d.mantissa, d.scale))
    }
    fn c(s: &str) -> Result<(i64, u8), AmountError> {
        Decimal::parse(s, DecimalSeparator::Comma).map(|d| (d.mantissa, d.scale))
    }

    #[test]
    fn a_spreadsheet_apostrophe_before_a_number_is_not_part_of_it() {
        assert_eq!(p("'-20"), Ok((-20, 0)));
        assert_eq!(p("'12.50"), Ok((125, 1)));
        assert_eq!(c("'1.234,56"), Ok((123456, 2)));
        assert_eq!(p("''5"), Err(AmountError::NotANumber));
    }

    #[test]
    fn nineteen_digits_are_an_error_not_an_overflow() {
        for text in [
            "9999999999999999999",
            "-9999999999999999999",
            "1234567890123456789",
        ] {
            assert_eq!(
                Decimal::parse(text, DecimalSeparator::Point),
                Err(AmountError::TooManyDigits),
                "{text}"
            );
        }
        assert_eq!(
            Decimal::parse("999999999999999999", DecimalSeparator::Point),
            Ok(Decimal {
                mantissa: 999_999_999_999_999_999,
                scale: 0
            })
        );
    }

    #[test]
    fn fast_path_agrees_with_the_full_parser() {
        for text in [
            "0",
            "12",
            "12.5",
            "12.50",
            "-0.01",
            "7.",
            ".5",
            "-.5",
            "123456789012345678",
            "0.000",
            "-0",
        ] {
            assert_eq!(
                parse_plain(text.as_bytes(), b'.'),
                parse_with(text, DecimalSeparator::Point).ok(),
                "{text}"
            );
        }
        for text in ["1,5", "-3,25"] {
            assert_eq!(
                parse_plain(text.as_bytes(), b','),
                parse_with(text, DecimalSeparator::Comma).ok(),
                "{text}"
            );
        }
        // Declined: left to the full parser.
        for text in [
            "",
            "-",
            ".",
            "1,234.5",
            "$5",
            " 5",
            "1234567890123456789",
            "1.2.3",
        ] {
            assert_eq!(parse_plain(text.as_bytes(), b'.'), None, "{text}");
        }
    }

    /// Random texts of digits, separators and signs: what the fast path
    /// takes, it reads as the full parser does, and it takes every text of
    /// the shape it is for.
    #[test]
    fn fast_path_agrees_with_the_full_parser_on_random_texts() {
        let mut next = crate::testing::xorshift(0x6a09_e667_f3bc_c908u64);
        let alphabet = b"0000123456789..,,-- x";
        for _ in 0..200_000 {
            let len = (next() % 22) as usize;
            let text: String = (0..len)
                .map(|_| char::from(alphabet[(next() % alphabet.len() as u64) as usize]))
                .collect();
            for (decimal, separator) in [
                (b'.', DecimalSeparator::Point),
                (b',', DecimalSeparator::Comma),
            ] {
                let fast = parse_plain(text.as_bytes(), decimal);
                if let Some(d) = fast {
                    assert_eq!(Ok(d), parse_with(&text, separator), "{text:?}");
                }
                // The shape: `-?`, digits with at most one separator among
                // them, 1 to 18 digits.
                let body = text.strip_prefix('-').unwrap_or(&text);
                let digits = body.bytes().filter(u8::is_ascii_digit).count();
                let shaped = body.bytes().all(|b| b.is_ascii_digit() || b == decimal)
                    && body.bytes().filter(|&b| b == decimal).count() <= 1
                    && (1..=MAX_DIGITS).contains(&digits);
                assert_eq!(fast.is_some(), shaped, "{text:?}");
            }
        }
    }

    #[test]
    fn plain_numbers() {
        assert_eq!(p("0"), Ok((0, 0)));
        assert_eq!(p("12"), Ok((12, 0)));
        assert_eq!(p("12.5"), Ok((125, 1)));
        assert_eq!(p("12.50"), Ok((125, 1)));
        assert_eq!(p("-0.01"), Ok((-1, 2)));
        assert_eq!(p("+3.10"), Ok((31, 1)));
        assert_eq!(p(".5"), Ok((5, 1)));
        assert_eq!(p("7."), Ok((7, 0)));
        assert_eq!(p("  42  "), Ok((42, 0)));
    }

    #[test]
    fn thousands_and_currency() {
        assert_eq!(p("$1,234.50"), Ok((12345, 1)));
        assert_eq!(p("-$1,234.50"), Ok((-12345, 1)));
        assert_eq!(p("$-1,234.50"), Ok((-12345, 1)));
        assert_eq!(p("1'234.50 CHF"), Ok((12345, 1)));
        assert_eq!(p("1,234,567"), Ok((1234567, 0)));
        assert_eq!(p("(12.00)"), Ok((-12, 0)));
        assert_eq!(p("12.00-"), Ok((-12, 0)));
        assert_eq!(p("£ 3.99"), Ok((399, 2)));
        assert_eq!(c("1 234,50 EUR"), Ok((12345, 1)));
        assert_eq!(c("1.234,56"), Ok((123456, 2)));
        assert_eq!(c("1\u{a0}234,56 €"), Ok((123456, 2)));
        assert_eq!(c("-12,5"), Ok((-125, 1)));
        assert_eq!(c("R$ 10,00"), Ok((10, 0)));
    }

    #[test]
    fn refuses_ambiguous_or_broken_input() {
        assert_eq!(p("12,50"), Err(AmountError::NeedsDecimalComma));
        assert_eq!(p("1.234,56"), Err(AmountError::NeedsDecimalComma));
        assert_eq!(c("12.50"), Err(AmountError::NeedsDecimalPoint));
        assert_eq!(p(""), Err(AmountError::NotANumber));
        assert_eq!(p("-"), Err(AmountError::NotANumber));
        assert_eq!(p("abc"), Err(AmountError::NotANumber));
        assert_eq!(p("1.2.3"), Err(AmountError::NotANumber));
        assert_eq!(p("1,23,4567"), Err(AmountError::NotANumber));
        assert_eq!(p("--5"), Err(AmountError::NotANumber));
        assert_eq!(p("1e5"), Err(AmountError::NotANumber));
        assert_eq!(p("12 34"), Err(AmountError::NotANumber));
        assert_eq!(p("99999999999999999999"), Err(AmountError::TooManyDigits));
        assert_eq!(p("1234567890123456789"), Err(AmountError::TooManyDigits));
        assert_eq!(p("123456789012345678"), Ok((123456789012345678, 0)));
        assert_eq!(p("0.0000000000000000001"), Err(AmountError::TooManyDigits));
    }

    #[test]
    fn only_real_currency_markers_are_stripped() {
        // Silently dropping these would change the value or its sign.
        for bad in [
            "5e",
            "1.5k",
            "12 pcs",
            "abc12",
            "25.00 CR",
            "1\u{662}",
            "\u{2013}12.00",
            "12 %",
        ] {
            assert_eq!(p(bad), Err(AmountError::NotANumber), "{bad}");
        }
        assert_eq!(p("\u{2212}12.00"), Ok((-12, 0)), "U+2212 is a minus sign");
        assert_eq!(p("US$ 5"), Ok((5, 0)));
        assert_eq!(p("12.50 USD"), Ok((125, 1)));
        assert_eq!(c("1.234,50 kr"), Ok((12345, 1)));
        assert_eq!(c("99,90 z\u{142}"), Ok((999, 1)));
        assert_eq!(
            p("\u{20b9}1,00,000"),
            Ok((100000, 0)),
            "Indian lakh grouping"
        );
        assert_eq!(p("12,34,567.50"), Ok((12345675, 1)));
        assert_eq!(p("1,2,345"), Err(AmountError::NotANumber));
        assert_eq!(
            p("CHF 1\u{2019}234.50"),
            Ok((12345, 1)),
            "typographic apostrophe"
        );
    }

    #[test]
    fn leading_zero_groups_are_not_thousands() {
        // 0,500 in a decimal-comma file read without the flag must not become 500.
        assert_eq!(p("0,500"), Err(AmountError::NeedsDecimalComma));
        assert_eq!(p("00,125"), Err(AmountError::NeedsDecimalComma));
        assert_eq!(c("0.250"), Err(AmountError::NeedsDecimalPoint));
        assert_eq!(p("1,000"), Ok((1000, 0)));
        assert_eq!(c("1\u{2009}234,5"), Ok((12345, 1)));
    }

    #[test]
    fn multiplication_is_exact() {
        let q = Decimal::parse("3", DecimalSeparator::Point).unwrap();
        let price = Decimal::parse("0.10", DecimalSeparator::Point).unwrap();
        assert_eq!(
            q.checked_mul(price),
            Some(Decimal {
                mantissa: 3,
                scale: 1
            })
        );
        let big = Decimal {
            mantissa: i64::MAX / 2,
            scale: 0,
        };
        assert_eq!(
            big.checked_mul(Decimal {
                mantissa: 3,
                scale: 0
            }),
            None
        );
    }

    #[test]
    fn tenths_sum_exactly_in_any_order() {
        // 0.1 + 0.2 == 0.3 exactly, which f64 gets wrong.
        let a = Decimal::parse("0.1", DecimalSeparator::Point).unwrap();
        let b = Decimal::parse("0.2", DecimalSeparator::Point).unwrap();
        assert_eq!(a.mantissa + b.mantissa, 3);
        assert_ne!(0.1f64 + 0.2f64, 0.3f64);
    }

    #[test]
    fn rescaling() {
        assert_eq!(rescale(125, 1, 3), Some(12500));
        assert_eq!(rescale(i64::MAX, 0, 1), None);
    }

    #[test]
    fn rounding_half_away_from_zero() {
        assert_eq!(format_scaled(12345, 3, 2, '.'), "12.35");
        assert_eq!(format_scaled(-12345, 3, 2, '.'), "-12.35");
        assert_eq!(format_scaled(12344, 3, 2, '.'), "12.34");
        assert_eq!(format_scaled(5, 1, 0, '.'), "1");
        assert_eq!(format_scaled(-5, 1, 0, '.'), "-1");
        assert_eq!(format_scaled(4, 1, 0, '.'), "0");
        assert_eq!(format_scaled(125, 1, 2, ','), "12,50");
        assert_eq!(format_scaled(-1, 3, 2, '.'), "0.00");
        assert_eq!(format_scaled(-5, 3, 2, '.'), "-0.01");
        assert_eq!(format_scaled(0, 0, 2, '.'), "0.00");
    }

    #[test]
    fn write_scaled_matches_format_fixed_of_the_rounded_value() {
        let mut state = 0x1234_5678_9abc_def1u64;
        let mut cases = vec![
            (0i128, 0u8, 2u8),
            (-1, 3, 2),
            (-5, 3, 2),
            (5, 1, 0),
            (-5, 1, 0),
            (125, 1, 2),
            (7, 0, 0),
            (i128::MAX / 1000, 0, 2),
            (i128::MIN / 1000, 3, 2),
            (i128::from(u64::MAX) + 1, 0, 0),
            (i128::from(u64::MAX), 2, 2),
            (-i128::from(u64::MAX) * 10 - 7, 1, 3),
        ];
        for _ in 0..2000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let value = (state % 2_000_000) as i128 - 1_000_000;
            cases.push((value, (state >> 40) as u8 % 5, (state >> 48) as u8 % 4));
        }
        for (value, scale, decimals) in cases {
            let mut out = String::from("x");
            write_scaled(value, scale, decimals, ',', &mut out);
            // format_fixed writes the digits with `to_string` and pads
            // them: a second way to the same text.
            assert_eq!(
                out,
                format!(
                    "x{}",
                    format_fixed(scaled_units(value, scale, decimals), decimals, ',')
                ),
                "{value} {scale} {decimals}"
            );
        }
    }

    #[test]
    fn quotients() {
        // 10.00 / 3 = 3.333.. -> 3.33; 2 / 3 days -> 0.67
        assert_eq!(format_quotient(1000, 3, 2, 2, '.'), "3.33");
        assert_eq!(format_quotient(2, 3, 0, 2, '.'), "0.67");
        assert_eq!(format_quotient(-1, 8, 0, 2, '.'), "-0.13");
        assert_eq!(format_quotient(1, 4, 0, 4, '.'), "0.2500");
    }

    #[test]
    fn fixed_formatting() {
        assert_eq!(format_fixed(-5, 2, '.'), "-0.05");
        assert_eq!(format_fixed(123456, 2, '.'), "1234.56");
        assert_eq!(format_fixed(7, 0, '.'), "7");
        assert_eq!(format_fixed(0, 3, ','), "0,000");
    }
}
