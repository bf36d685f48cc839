//! Notes: what a careful analyst wants to know about a run (columns used,
//! rows dropped, customers not scored, empty score levels). They go to
//! stderr, one line each, never into the data on stdout, and `-q` silences
//! them.

use crate::error::one_line;
use std::fmt::Display;
use std::io::Write;

/// Prints notes to stderr unless quiet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Notes {
    quiet: bool,
    warnings_only: bool,
}

impl Notes {
    /// A printer; `quiet` drops every note.
    pub(crate) fn new(quiet: bool) -> Notes {
        Notes {
            quiet,
            warnings_only: false,
        }
    }

    /// A printer of warnings only (`rfm report`, whose result is one line
    /// and whose notes are in the report itself), or of nothing if `quiet`.
    pub(crate) fn warnings_only(quiet: bool) -> Notes {
        Notes {
            quiet,
            warnings_only: true,
        }
    }

    /// Prints `note: {message}`.
    pub(crate) fn note(&self, message: impl Display) {
        if !self.quiet && !self.warnings_only {
            // A closed stderr is no reason to fail the run.
            let _ = writeln!(
                std::io::stderr(),
                "note: {}",
                one_line(&message.to_string())
            );
        }
    }

    /// Prints `warning: {message}`: something the user should look at
    /// (an empty score level, a segment no customer can reach).
    pub(crate) fn warn(&self, message: impl Display) {
        if !self.quiet {
            let _ = writeln!(
                std::io::stderr(),
                "warning: {}",
                one_line(&message.to_string())
            );
        }
    }
}

/// `1234567` -> `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `3 rows`, `1 row`, `1,234 customers`.
pub(crate) fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", thousands(n))
    }
}

#[cfg(test)]
mod tests {
    use super::{count, thousands};

    #[test]
    fn counts_nouns() {
        assert_eq!(count(1, "row"), "1 row");
        assert_eq!(count(0, "row"), "0 rows");
        assert_eq!(count(1500, "customer"), "1,500 customers");
    }

    #[test]
    fn groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(541909), "541,909");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
